/* Option parsing and error printing shared by the wfad subcommands. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void cli_usage(const struct cli_command *cmd, FILE *out, bool full)
{
	fprintf(out, "usage: wfad %s %s\n", cmd->name, cmd->usage);
	if (!full) {
		fprintf(out, "Try 'wfad %s --help'.\n", cmd->name);
		return;
	}
	fprintf(out, "\n%s\n\noptions:\n", cmd->summary);
	for (size_t i = 0; i < cmd->n_options; i++) {
		const struct cli_option *o = &cmd->options[i];
		char left[64];
		if (o->short_name)
			snprintf(left, sizeof(left), "-%c, --%s%s%s", o->short_name, o->name,
				 o->arg ? " " : "", o->arg ? o->arg : "");
		else
			snprintf(left, sizeof(left), "    --%s%s%s", o->name, o->arg ? " " : "",
				 o->arg ? o->arg : "");
		fprintf(out, "  %-28s %s\n", left, o->help);
	}
	fprintf(out, "  %-28s %s\n", "-h, --help", "show this help");
}

int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
	fprintf(stderr, "wfad %s: ", cmd->name);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cli_usage(cmd, stderr, false);
	return EXIT_USAGE;
}

static const struct cli_option *find_long(const struct cli_command *cmd, const char *name,
					  size_t len)
{
	for (size_t i = 0; i < cmd->n_options; i++)
		if (strncmp(cmd->options[i].name, name, len) == 0 &&
		    cmd->options[i].name[len] == '\0')
			return &cmd->options[i];
	return NULL;
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv, const char **pos, size_t *n_pos)
{
	*n_pos = 0;
	bool only_pos = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!only_pos && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
			cli_usage(cmd, stdout, true);
			return -1;
		}
		if (!only_pos && strcmp(a, "--") == 0) {
			only_pos = true;
			continue;
		}
		if (!only_pos && a[0] == '-' && a[1] != '\0') {
			const struct cli_option *o = NULL;
			const char *val = NULL;
			if (a[1] == '-') {
				const char *eq = strchr(a + 2, '=');
				size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
				o = find_long(cmd, a + 2, len);
				if (eq)
					val = eq + 1;
			} else if (a[2] == '\0') {
				for (size_t k = 0; k < cmd->n_options; k++)
					if (cmd->options[k].short_name == a[1])
						o = &cmd->options[k];
			}
			if (!o) {
				return cli_usage_error(cmd, "unknown option '%s'", a);
			}
			if (o->arg && !val) {
				if (i + 1 >= argc) {
					return cli_usage_error(
						cmd, "option '%s' needs a value (%s)", a, o->arg);
				}
				val = argv[++i];
			} else if (!o->arg && val) {
				fprintf(stderr, "wfad %s: option '--%s' takes no value\n",
					cmd->name, o->name);
				return EXIT_USAGE;
			}
			*o->value = o->arg ? val : "1";
			continue;
		}
		if (*n_pos >= cmd->max_pos) {
			return cli_usage_error(cmd, "unexpected argument '%s'", a);
		}
		pos[(*n_pos)++] = a;
	}
	if (*n_pos < cmd->min_pos) {
		return cli_usage_error(cmd, "missing argument");
	}
	return 0;
}

void cli_csv_string(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\n\r")) {
		fputs(s, out);
		return;
	}
	putc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			putc('"', out);
		putc(*s, out);
	}
	putc('"', out);
}

void cli_error(const struct wfad_error *err)
{
	char buf[1200];
	wfad_error_format(err, buf, sizeof(buf));
	fprintf(stderr, "wfad: %s\n", buf);
}

int cli_load(const char *path, const char *workflow, const char *dag, const char *run,
	     struct wfad_collection *c)
{
	struct wfad_load_options opt = {.workflow = workflow, .dag_path = dag, .run = run};
	struct wfad_error err;
	wfad_error_clear(&err);
	if (wfad_load(path, &opt, c, &err) != WFAD_OK) {
		cli_error(&err);
		return EXIT_DATA;
	}
	return 0;
}

void cli_stat_cell(const double *v, unsigned n, int width)
{
	struct wfad_stat s = wfad_stat_of(v, n);
	char buf[64];
	if (s.n == 0)
		snprintf(buf, sizeof(buf), "n/a");
	else
		snprintf(buf, sizeof(buf), "%.3f \u00b1 %.3f", s.mean, s.std);
	/* pad by visible characters: the plus-minus sign is two bytes in UTF-8 */
	int visible = 0;
	for (const char *p = buf; *p; p++)
		visible += ((unsigned char)*p & 0xc0) != 0x80;
	printf(" %s%*s", buf, width > visible ? width - visible : 0, "");
}

bool cli_parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

int cli_parse_hyper(const struct cli_hyper *h, struct wfad_detector_params *p)
{
	long v;
	const struct {
		const char *text, *name;
		long hi;
		int *out;
	} ints[] = {{h->epochs, "--epochs", 100000, &p->epochs},
		    {h->batch, "--batch", 1000000, &p->batch},
		    {h->hidden, "--hidden", 4096, &p->hidden},
		    {h->trees, "--trees", 100000, &p->n_trees},
		    {h->patience, "--patience", 100000, &p->patience},
		    {h->nets, "--nets", WFAD_MAX_NETS, &p->nets}};
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		if (!ints[i].text)
			continue;
		if (!cli_parse_long(ints[i].text, 1, ints[i].hi, &v)) {
			fprintf(stderr, "wfad: %s takes a whole number from 1 to %ld, not '%s'\n",
				ints[i].name, ints[i].hi, ints[i].text);
			return EXIT_USAGE;
		}
		*ints[i].out = (int)v;
	}
	if (h->lr) {
		char *end;
		double lr = strtod(h->lr, &end);
		if (end == h->lr || *end || !(lr > 0 && lr < 10)) {
			fprintf(stderr, "wfad: --lr takes a learning rate in (0, 10), not '%s'\n",
				h->lr);
			return EXIT_USAGE;
		}
		p->lr = lr;
	}
	if (h->stop_on) {
		if (strcmp(h->stop_on, "loss") != 0 && strcmp(h->stop_on, "auc") != 0) {
			fprintf(stderr, "wfad: --stop-on takes loss or auc, not '%s'\n",
				h->stop_on);
			return EXIT_USAGE;
		}
		p->stop_on = h->stop_on[0] == 'a' ? WFAD_STOP_AUC : WFAD_STOP_LOSS;
	}
	p->classes = h->classes != NULL;
	return 0;
}

size_t cli_top_jobs(const double *push, size_t nodes, size_t max, size_t *top, double *share)
{
	double total = 0.0;
	for (size_t i = 0; i < nodes; i++)
		if (push[i] > 0.0)
			total += push[i];
	size_t n = wfad_top_positive(push, nodes, max, top);
	for (size_t k = 0; k < n; k++)
		share[k] = push[top[k]] / total;
	return n;
}
