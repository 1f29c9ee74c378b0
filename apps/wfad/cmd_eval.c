/* wfad eval: the evaluation protocol (split by run, several seeds) over one or more detectors;
 * one row per detector as a table, JSON or CSV. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "wfad/experiment.h"
#include "wfad/runlevel.h"

static void progress_tty(void *user, const char *what, size_t done, size_t total)
{
	(void)user;
	fprintf(stderr, "\r\033[K[%zu/%zu] %s", done, total, what);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

static void put_num(double v, int prec)
{
	if (isfinite(v))
		printf("%.*f", prec, v);
	else
		printf("null");
}

static void put_stat_json(const char *name, const double *v, unsigned n, bool comma)
{
	struct wfad_stat s = wfad_stat_of(v, n);
	printf("%s\"%s\": {\"mean\": ", comma ? ", " : "", name);
	put_num(s.mean, 4);
	printf(", \"std\": ");
	put_num(s.std, 4);
	printf("}");
}

static void put_csv_stat(struct wfad_stat s)
{
	if (s.n)
		printf("%.6f,%.6f\n", s.mean, s.std);
	else
		printf(",\n");
}

/* res[k] was evaluated on feature set fs[k] for the n results. */
static void print_job_results(const char *workflow, const struct wfad_eval_options *o,
			      const struct wfad_eval_result *res, const enum wfad_feature_set *fs,
			      size_t n, const char *format)
{
	static const char *const fit_names[] = {"all", "normal"};
	if (strcmp(format, "json") == 0) {
		bool one_set = true;
		for (size_t k = 1; k < n; k++)
			one_set = one_set && fs[k] == fs[0];
		printf("{\"workflow\": \"%s\", \"task\": \"job\", \"split\": \"run\", \"seeds\": "
		       "%u, "
		       "\"features\": \"%s\", \"fit_on\": \"%s\", \"results\": [",
		       workflow, o->seeds, one_set ? wfad_feature_set_name(fs[0]) : "per detector",
		       fit_names[o->fit_on]);
		for (size_t k = 0; k < n; k++) {
			const struct wfad_eval_result *r = &res[k];
			printf("%s\n  {\"detector\": \"%s\", \"features\": \"%s\", ", k ? "," : "",
			       r->detector, wfad_feature_set_name(fs[k]));
			put_stat_json("roc_auc", r->roc_auc, r->seeds, false);
			put_stat_json("average_precision", r->average_precision, r->seeds, true);
			put_stat_json("precision_at_k", r->precision_at_k, r->seeds, true);
			put_stat_json("precision", r->precision, r->seeds, true);
			put_stat_json("recall", r->recall, r->seeds, true);
			put_stat_json("f1", r->f1, r->seeds, true);
			put_stat_json("fit_seconds", r->fit_seconds, r->seeds, true);
			put_stat_json("score_seconds", r->score_seconds, r->seeds, true);
			put_stat_json("accuracy", r->accuracy, r->seeds, true);
			if (r->n_parts) {
				printf(", \"per_workflow\": {");
				for (size_t i = 0; i < r->n_parts; i++) {
					printf("%s\"%s\": {", i ? ", " : "", r->part_names[i]);
					put_stat_json("roc_auc", r->part_roc_auc + i * r->seeds,
						      r->seeds, false);
					printf("}");
				}
				printf("}");
			}
			printf("}");
		}
		printf("\n]}\n");
		return;
	}
	if (strcmp(format, "csv") == 0) {
		printf("workflow,detector,features,fit_on,seeds,metric,mean,std\n");
		for (size_t k = 0; k < n; k++) {
			const struct wfad_eval_result *r = &res[k];
			const struct {
				const char *name;
				const double *v;
			} m[] = {{"roc_auc", r->roc_auc},
				 {"average_precision", r->average_precision},
				 {"precision_at_k", r->precision_at_k},
				 {"precision", r->precision},
				 {"recall", r->recall},
				 {"f1", r->f1},
				 {"fit_seconds", r->fit_seconds},
				 {"score_seconds", r->score_seconds},
				 {"accuracy", r->accuracy}};
			for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
				struct wfad_stat s = wfad_stat_of(m[i].v, r->seeds);
				printf("%s,%s,%s,%s,%u,%s,", workflow, r->detector,
				       wfad_feature_set_name(fs[k]), fit_names[o->fit_on], r->seeds,
				       m[i].name);
				put_csv_stat(s);
			}
			for (size_t i = 0; i < r->n_parts; i++) {
				printf("%s,%s,%s,%s,%u,roc_auc,", r->part_names[i], r->detector,
				       wfad_feature_set_name(fs[k]), fit_names[o->fit_on],
				       r->seeds);
				put_csv_stat(
					wfad_stat_of(r->part_roc_auc + i * r->seeds, r->seeds));
			}
		}
		return;
	}
	for (size_t k = 0; k < n; k++) {
		const struct wfad_eval_result *r = &res[k];
		if (k == 0 || fs[k] != fs[k - 1]) {
			printf("%s: job level, split by run 60/20/20 stratified by label, %u "
			       "seeds, "
			       "features %s, fit on %s runs\n",
			       workflow, o->seeds, wfad_feature_set_name(fs[k]),
			       fit_names[o->fit_on]);
			printf("%-10s %-15s %-15s %-15s %-15s %-15s %8s %8s\n", "detector",
			       "ROC-AUC", "AP", "P@k", "F1@threshold", "acc@threshold", "fit s",
			       "score s");
		}
		printf("%-10s", r->detector);
		cli_stat_cell(r->roc_auc, r->seeds, 15);
		cli_stat_cell(r->average_precision, r->seeds, 15);
		cli_stat_cell(r->precision_at_k, r->seeds, 15);
		cli_stat_cell(r->f1, r->seeds, 15);
		cli_stat_cell(r->accuracy, r->seeds, 15);
		printf(" %8.2f %8.2f\n", wfad_stat_of(r->fit_seconds, r->seeds).mean,
		       wfad_stat_of(r->score_seconds, r->seeds).mean);
		for (size_t i = 0; i < r->n_parts; i++) {
			printf("  %-20s ROC-AUC", r->part_names[i]);
			cli_stat_cell(r->part_roc_auc + i * r->seeds, r->seeds, 15);
			putchar('\n');
		}
	}
}

/* Splits "a,b,c" in place into at most max names. */
static size_t split_list(char *s, const char **out, size_t max)
{
	size_t n = 0;
	for (char *tok = strtok(s, ","); tok && n < max; tok = strtok(NULL, ","))
		if (*tok)
			out[n++] = tok;
	return n;
}

enum wfad_feature_set cli_default_features(const char *detector)
{
	const struct wfad_detector_ops *d = detector ? wfad_detector_find(detector) : NULL;
	return d && (d->flags & WFAD_DETECTOR_CONTEXT) ? WFAD_FEATURES_CONTEXT : WFAD_FEATURES_RICH;
}

int cli_parse_model_options(const char *features, const char *detector, const char *norm,
			    const char *fit_on, enum wfad_feature_set *fs, enum wfad_norm *nm,
			    enum wfad_fit_on *fo)
{
	if (!features)
		*fs = cli_default_features(detector);
	else if (wfad_feature_set_parse(features, fs) != WFAD_OK) {
		fprintf(stderr, "wfad: unknown feature set '%s' (delays, rich or context)\n",
			features);
		return EXIT_USAGE;
	}
	if (wfad_norm_parse(norm, nm) != WFAD_OK) {
		fprintf(stderr, "wfad: unknown normaliser '%s' (none, minmax, standard, robust)\n",
			norm);
		return EXIT_USAGE;
	}
	if (strcmp(fit_on, "all") == 0) {
		*fo = WFAD_FIT_ALL;
	} else if (strcmp(fit_on, "normal") == 0) {
		*fo = WFAD_FIT_NORMAL;
	} else {
		fprintf(stderr, "wfad: --fit-on takes 'all' or 'normal', not '%s'\n", fit_on);
		return EXIT_USAGE;
	}
	return 0;
}

/* Prints that name is unknown, with the detectors or run classifiers there are. */
static int unknown_name(const char *name, bool run_level)
{
	fprintf(stderr, "wfad: unknown %s '%s'; known:", run_level ? "run classifier" : "detector",
		name);
	size_t n = run_level ? wfad_run_classifier_count() : wfad_detector_count();
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, " %s",
			run_level ? wfad_run_classifier_at(i)->name : wfad_detector_at(i)->name);
	fprintf(stderr, "\n");
	return EXIT_USAGE;
}

int cli_check_detector(const char *name)
{
	return wfad_detector_find(name) ? 0 : unknown_name(name, false);
}

int cli_check_run_classifier(const char *name)
{
	return wfad_run_classifier_find(name) ? 0 : unknown_name(name, true);
}

int cli_pick_dataset(const struct wfad_collection *c, const struct wfad_dataset **out)
{
	if (c->count == 1) {
		*out = c->items[0];
		return 0;
	}
	fprintf(stderr, "wfad: PATH holds %zu workflows; choose one with --workflow:", c->count);
	for (size_t i = 0; i < c->count; i++)
		fprintf(stderr, " %s", c->items[i]->workflow);
	fprintf(stderr, "\n");
	return EXIT_USAGE;
}

static const char *const part_names[] = {"train", "valid", "test"};

/* The columns both kinds of row start with. */
static void put_row_head(FILE *f, unsigned seed, enum wfad_split_part part,
			 const struct wfad_dataset *ds, size_t run)
{
	fprintf(f, "%u,%s,", seed, part_names[part]);
	cli_csv_string(f, ds->workflow);
	putc(',', f);
	cli_csv_string(f, ds->runs[run].id);
	putc(',', f);
	cli_csv_string(f, ds->runs[run].label);
	putc(',', f);
}

/* Run level: seed,part,workflow,run,label,detector,predicted,probability. */
static void put_run_row(void *user, const struct wfad_run_row *row)
{
	FILE *f = user;
	put_row_head(f, row->seed, row->part, row->ds, row->run);
	if (row->detector) {
		cli_csv_string(f, row->detector);
		putc(',', f);
		cli_csv_string(f, row->predicted);
		fprintf(f, ",%.6f\n", row->probability);
	} else {
		fputs(",,\n", f);
	}
}

/* Job level: seed,part,workflow,run,label,detector,job,job_label,score,flagged; the split rows
 * leave the last five empty. */
static void put_split_row(void *user, const struct wfad_run_row *row)
{
	FILE *f = user;
	put_row_head(f, row->seed, row->part, row->ds, row->run);
	fputs(",,,,\n", f);
}

static void put_job_row(void *user, const struct wfad_job_row *row)
{
	FILE *f = user;
	put_row_head(f, row->seed, WFAD_PART_TEST, row->ds, row->run);
	cli_csv_string(f, row->detector);
	putc(',', f);
	cli_csv_string(f, row->ds->dag.node_ids[row->node]);
	fprintf(f, ",%d,%.9g,%d\n", row->ds->runs[row->run].jobs[row->node].label != 0, row->score,
		row->flagged);
}

int cli_predictions_open(struct cli_predictions *p, const char *path, bool run_task,
			 struct wfad_eval_options *o)
{
	*p = (struct cli_predictions){.path = path};
	if (!path)
		return 0;
	struct wfad_error err;
	wfad_error_clear(&err);
	if (!(p->f = wfad_io_open_temp(path, &p->tmp, &err))) {
		cli_error(&err);
		return EXIT_DATA;
	}
	fputs(run_task ? "seed,part,workflow,run,label,detector,predicted,probability\n"
		       : "seed,part,workflow,run,label,detector,job,job_label,score,flagged\n",
	      p->f);
	o->run_row = run_task ? put_run_row : put_split_row;
	o->job_row = run_task ? NULL : put_job_row;
	o->row_user = p->f;
	return 0;
}

int cli_predictions_close(struct cli_predictions *p, bool ok)
{
	if (!p->f)
		return 0;
	struct wfad_error err;
	wfad_error_clear(&err);
	enum wfad_status st = wfad_io_commit_temp(p->f, p->tmp, p->path, ok && !ferror(p->f), &err);
	p->f = NULL;
	p->tmp = NULL;
	if (st != WFAD_OK && ok) {
		cli_error(&err);
		return EXIT_DATA;
	}
	return 0;
}

int cmd_eval(int argc, char **argv)
{
	const char *workflow = NULL, *dag = NULL, *detectors = NULL, *features = NULL,
		   *norm = "minmax", *fit_on = "all", *seeds = "5", *task = "job",
		   *format = "table", *threads = "0", *predictions = NULL;
	struct cli_hyper hyper = {0};
	const struct cli_option options[] = {
		{"workflow", 'w', "NAME",
		 "the workflow to evaluate; 'all': every workflow of PATH trained together",
		 &workflow},
		{"detector", 'd', "LIST", "detectors, comma-separated (see 'wfad detectors')",
		 &detectors},
		{"features", 0, "SET", CLI_FEATURES_HELP, &features},
		{"norm", 0, "NAME", "minmax (default), standard, robust or none", &norm},
		{"fit-on", 0, "RUNS", "all (default) or normal training runs", &fit_on},
		{"seeds", 0, "N", "number of seeds (default 5)", &seeds},
		{"task", 0, "TASK", "job (default) or run", &task},
		{"format", 'f', "FMT", "table (default), json or csv", &format},
		{"predictions", 0, "FILE",
		 "write each seed's split and each test run's verdict (--task run) or job's score "
		 "(CSV)",
		 &predictions},
		{"threads", 0, "N", "threads (default: one per CPU)", &threads},
		{"dag", 0, "FILE", "DAG JSON for a run CSV, zip or folder", &dag},
		CLI_HYPER_OPTIONS(hyper),
	};
	const struct cli_command cmd = {
		"eval",
		"PATH --workflow W --detector D[,D...] [options]",
		"Evaluates detectors with the run-split protocol: for each seed, runs are split "
		"60/20/20\ninto train/validation/test, stratified by run label; detectors fit on "
		"the training runs,\nthresholds are chosen on validation, and ROC-AUC, average "
		"precision, precision@k\n(k = anomalous test jobs) and F1 at the threshold are "
		"computed over all test jobs.\nMean and standard deviation over the seeds. "
		"--task run classifies whole runs.",
		options,
		sizeof(options) / sizeof(options[0]),
		1,
		1};
	const char *pos[1];
	size_t n_pos;
	int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!detectors) {
		return cli_usage_error(&cmd, "--detector is required");
	}
	if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "csv")) {
		fprintf(stderr, "wfad eval: unknown format '%s' (table, json or csv)\n", format);
		return EXIT_USAGE;
	}
	bool run_task = strcmp(task, "run") == 0;
	if (!run_task && strcmp(task, "job") != 0) {
		fprintf(stderr, "wfad eval: --task takes 'job' or 'run', not '%s'\n", task);
		return EXIT_USAGE;
	}
	long n_seeds;
	if (!cli_parse_long(seeds, 1, 1000, &n_seeds)) {
		fprintf(stderr, "wfad eval: --seeds takes a number from 1 to 1000\n");
		return EXIT_USAGE;
	}
	struct wfad_eval_options o = {0};
	if ((rc = cli_parse_model_options(features, NULL, norm, fit_on, &o.features, &o.norm,
					  &o.fit_on)))
		return rc;
	char *list = strdup(detectors);
	const char *names[32];
	o.detectors = names;
	o.n_detectors = split_list(list, names, 32);
	for (size_t k = 0; k < o.n_detectors; k++) {
		if (!run_task && (rc = cli_check_detector(names[k]))) {
			free(list);
			return rc;
		}
	}
	/* Without --features each detector gets its own default: names[] regrouped so that the
	 * detectors of one feature set are adjacent (rich first), one evaluation per group. Run
	 * classifiers build their own features and keep their order. */
	enum wfad_feature_set fs[32];
	for (size_t k = 0; k < o.n_detectors; k++)
		fs[k] = features || run_task ? o.features : cli_default_features(names[k]);
	for (size_t k = 1; k < o.n_detectors; k++)
		for (size_t j = k; j > 0 && fs[j - 1] > fs[j]; j--) {
			enum wfad_feature_set tf = fs[j];
			const char *tn = names[j];
			fs[j] = fs[j - 1], names[j] = names[j - 1];
			fs[j - 1] = tf, names[j - 1] = tn;
		}
	bool joint = workflow && strcmp(workflow, "all") == 0;
	for (size_t k = 0; joint && k < o.n_detectors; k++) {
		const struct wfad_detector_ops *d = wfad_detector_find(names[k]);
		const struct wfad_run_classifier_ops *rc_ops = wfad_run_classifier_find(names[k]);
		bool ok = run_task ? rc_ops && (rc_ops->flags & WFAD_RUN_CLASSIFIER_JOINT)
				   : !(d->flags &
				       (WFAD_DETECTOR_RAW_TRACE | WFAD_DETECTOR_HOST_POOLED));
		if (!ok) {
			fprintf(stderr,
				"wfad eval: '%s' reads one workflow at a time; --workflow all "
				"takes %s\n",
				names[k],
				run_task ? "gnnrun or gbdt"
					 : "detectors on job features (not hostz, zscore)");
			free(list);
			return EXIT_USAGE;
		}
	}
	o.seeds = (unsigned)n_seeds;
	o.params.threads = (unsigned)atoi(threads);
	if ((rc = cli_parse_hyper(&hyper, &o.params))) {
		free(list);
		return rc;
	}
	if (isatty(2)) {
		o.progress = progress_tty;
	}
	struct wfad_collection c = {0};
	struct wfad_load_options lo = {
		.workflow = joint ? NULL : workflow, .dag_path = dag, .threads = o.params.threads};
	struct wfad_error err;
	wfad_error_clear(&err);
	if (wfad_load(pos[0], &lo, &c, &err) != WFAD_OK) {
		cli_error(&err);
		free(list);
		return EXIT_DATA;
	}
	const struct wfad_dataset *one, *const *ds = &one;
	size_t n_ds = 1;
	if (joint) {
		ds = (const struct wfad_dataset *const *)c.items;
		n_ds = c.count;
	} else if ((rc = cli_pick_dataset(&c, &one))) {
		wfad_collection_free(&c);
		free(list);
		return rc;
	}
	const char *name = n_ds == 1 ? ds[0]->workflow : "all";
	struct cli_predictions pred;
	if ((rc = cli_predictions_open(&pred, predictions, run_task, &o))) {
		wfad_collection_free(&c);
		free(list);
		return rc;
	}
	if (run_task) {
		rc = cli_eval_runs(ds, n_ds, name, &o, format, &pred);
	} else {
		size_t n = o.n_detectors;
		struct wfad_eval_result *res = calloc(n, sizeof(*res));
		enum wfad_status st = res ? WFAD_OK : WFAD_ENOMEM;
		if (!res)
			wfad_error_set(&err, st, "", 0, 0, "out of memory");
		for (size_t k0 = 0, k1; st == WFAD_OK && k0 < n; k0 = k1) {
			for (k1 = k0 + 1; k1 < n && fs[k1] == fs[k0]; k1++)
				;
			struct wfad_eval_options g = o;
			g.features = fs[k0];
			g.detectors = names + k0;
			g.n_detectors = k1 - k0;
			if (k0 > 0) /* the same splits again: one set of split rows */
				g.run_row = NULL;
			st = n_ds == 1 ? wfad_eval_jobs(ds[0], &g, res + k0, &err)
				       : wfad_eval_jobs_joint(ds, n_ds, &g, res + k0, &err);
		}
		if (st != WFAD_OK) {
			if (o.progress)
				fputc('\n', stderr);
			cli_error(&err);
			rc = EXIT_DATA;
		}
		if (cli_predictions_close(&pred, st == WFAD_OK) != 0)
			rc = EXIT_DATA;
		else if (st == WFAD_OK)
			print_job_results(name, &o, res, fs, n, format);
		for (size_t k = 0; res && k < n; k++)
			wfad_eval_result_free(&res[k]);
		free(res);
	}
	wfad_collection_free(&c);
	free(list);
	return rc;
}
