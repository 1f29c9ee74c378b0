/* wfad CLI internals: option parsing shared by the subcommands, and the commands. */
#ifndef WFAD_CLI_H
#define WFAD_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "wfad/experiment.h"
#include "wfad/ingest.h"

/* Exit codes: 0 ok, 1 data or runtime error, 2 usage. */
enum { EXIT_DATA = 1, EXIT_USAGE = 2 };

struct cli_option {
	const char *name; /* long name without "--" */
	char short_name;  /* 0 for none */
	const char *arg;  /* metavariable, NULL for a flag */
	const char *help;
	const char **value; /* set to the argument (or "1" for a flag) */
};

struct cli_command {
	const char *name;
	const char *usage;   /* "PATH [options]" */
	const char *summary; /* one line */
	const struct cli_option *options;
	size_t n_options;
	size_t min_pos, max_pos;
};

/* Parses argv (after the command name). Positional arguments go to pos[]. Prints usage and
 * returns EXIT_USAGE on bad input; returns -1 after printing --help (exit 0), else 0. */
int cli_parse(const struct cli_command *cmd, int argc, char **argv, const char **pos,
	      size_t *n_pos);
void cli_usage(const struct cli_command *cmd, FILE *out, bool full);
/* Prints "wfad <command>: <message>" and the short usage on stderr; returns EXIT_USAGE. */
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prints a library error as "wfad: file:line:col: message" on stderr. */
void cli_error(const struct wfad_error *err);
/* Loads PATH with the common options (--workflow, --dag, --run); prints errors. */
int cli_load(const char *path, const char *workflow, const char *dag, const char *run,
	     struct wfad_collection *c);

/* A whole decimal number in [lo, hi] into *out; false (out untouched) for anything else. */
bool cli_parse_long(const char *s, long lo, long hi, long *out);

/* Shared by eval/train/active: parse --features/--norm/--fit-on (prints and returns
 * EXIT_USAGE). features NULL (not given): the detector's own default, cli_default_features. */
int cli_parse_model_options(const char *features, const char *detector, const char *norm,
			    const char *fit_on, enum wfad_feature_set *fs, enum wfad_norm *nm,
			    enum wfad_fit_on *fo);
/* The feature set a detector gets when --features is not given: context for the detectors
 * flagged WFAD_DETECTOR_CONTEXT (supervised and graph ones), rich for the others. */
enum wfad_feature_set cli_default_features(const char *detector);
#define CLI_FEATURES_HELP                                                                         \
	"delays, rich or context (default: context for supervised and graph detectors, rich for " \
	"the others)"
/* Prints the known detectors and returns EXIT_USAGE when name is unknown. */
int cli_check_detector(const char *name);
/* The same for the run-level classifiers (--task run). */
int cli_check_run_classifier(const char *name);
/* The one dataset of c, or EXIT_USAGE listing the workflows when there are several. */
int cli_pick_dataset(const struct wfad_collection *c, const struct wfad_dataset **out);
/* s as one CSV field: quoted (quotes doubled) when it holds a comma, quote or line break. */
void cli_csv_string(FILE *out, const char *s);
/* wfad eval --predictions FILE: a CSV of each seed's split and of what the evaluation
 * decided (run level: each test run's verdict; job level: each test job's score), written
 * beside FILE and renamed over it only when the evaluation succeeded. */
struct cli_predictions {
	const char *path; /* NULL: none asked for */
	char *tmp;
	FILE *f;
};
/* Opens the temporary file and points o's row callbacks at it; EXIT_DATA after printing why. */
int cli_predictions_open(struct cli_predictions *p, const char *path, bool run_task,
			 struct wfad_eval_options *o);
/* Commits (ok) or removes the file. When ok and it cannot be written, prints why and returns
 * EXIT_DATA; else 0. */
int cli_predictions_close(struct cli_predictions *p, bool ok);
/* wfad eval --task run over ds[0..n_ds) (several: trained jointly, named workflow); pred:
 * see above (its path may be NULL). */
int cli_eval_runs(const struct wfad_dataset *const *ds, size_t n_ds, const char *workflow,
		  const struct wfad_eval_options *o, const char *format,
		  struct cli_predictions *pred);

/* The (at most max) jobs with the largest positive push[0..nodes) (a run-level model's
 * explanation), largest first, into top[]; share[] = their part of the total positive push.
 * Returns how many. */
size_t cli_top_jobs(const double *push, size_t nodes, size_t max, size_t *top, double *share);

/* Prints " mean ± std" (or " n/a") padded to width visible characters. */
void cli_stat_cell(const double *v, unsigned n, int width);

int cmd_info(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_score(int argc, char **argv);
int cmd_detectors(int argc, char **argv);
int cmd_gantt(int argc, char **argv);
int cmd_active(int argc, char **argv);

/* Hyperparameter options shared by eval and train (NULL: the detector's default). */
struct cli_hyper {
	const char *epochs, *batch, *hidden, *lr, *trees, *patience, *stop_on, *classes, *nets;
};
#define CLI_HYPER_OPTIONS(h)                                                                       \
	{"epochs", 0, "N", "neural detectors: most epochs (default: the detector's)",              \
	 &(h).epochs},                                                                             \
		{"batch", 0, "N", "neural detectors: batch size (runs for graph models)",          \
		 &(h).batch},                                                                      \
		{"hidden", 0, "N", "neural detectors: hidden width", &(h).hidden},                 \
		{"lr", 0, "RATE", "neural detectors, gbdt: learning rate", &(h).lr},               \
		{"trees", 0, "N", "gbdt, iforest: trees (boosting rounds)", &(h).trees},           \
		{"patience", 0, "N", "early stopping: epochs (gbdt: rounds) without improvement",  \
		 &(h).patience},                                                                   \
		{"stop-on", 0, "WHAT", "graph job classifiers: early stopping on loss or auc",     \
		 &(h).stop_on},                                                                    \
		{"nets", 0, "N",                                                                   \
		 "graph nets, ganttcnn: nets in the ensemble (gcn, gnnrun, gnnrundag, ganttcnn: "  \
		 "5; gcndag, gcnplain, gcnae: 1)",                                                 \
		 &(h).nets},                                                                       \
	{                                                                                          \
		"classes", 0, NULL, "gcn: learn each job's fault family (cpu, hdd, ...)",          \
			&(h).classes                                                               \
	}
/* Parses them into p; prints the error and returns EXIT_USAGE on a bad value. */
int cli_parse_hyper(const struct cli_hyper *h, struct wfad_detector_params *p);

#endif
