/* wfad command-line tool: dispatches to the subcommands; argument parsing and output only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void log_to_stderr(enum wfad_log_level level, const char *message, void *user)
{
	static const char *const names[] = {"debug", "info", "warning", "error"};
	if (level >= WFAD_LOG_WARN || getenv("WFAD_VERBOSE"))
		fprintf(stderr, "wfad: %s: %s\n", names[level], message);
}

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} commands[] = {
	{"info", cmd_info, "describe the workflows, runs, labels and jobs under PATH"},
	{"export", cmd_export, "write the normalised job table (csv or jsonl)"},
	{"eval", cmd_eval, "evaluate detectors: split by run, several seeds, AUC/AP/P@k/F1"},
	{"train", cmd_train, "train a detector and write a model file"},
	{"score", cmd_score, "score runs with a model: verdicts, hosts, likely fault, reasons"},
	{"detectors", cmd_detectors, "list the detectors"},
	{"gantt", cmd_gantt, "draw a run as a Gantt chart (png, svg, pdf) or a raster"},
	{"active", cmd_active, "active learning: request the runs the model is least sure about"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: wfad <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n'wfad <command> --help' describes a command; 'man wfad' has the details.\n");
}

int main(int argc, char **argv)
{
	wfad_log_set_handler(log_to_stderr, NULL);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		if (argc > 2 && strcmp(cmd, "help") == 0) {
			char *help_argv[] = {argv[2], "--help", NULL};
			for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
				if (strcmp(commands[i].name, argv[2]) == 0)
					return commands[i].fn(2, help_argv);
		}
		usage(stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("wfad %s\n", WFAD_VERSION_STRING);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(commands[i].name, cmd) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "wfad: unknown command '%s'\n", cmd);
	usage(stderr);
	return EXIT_USAGE;
}
