/* wfad active: active-learning experiments (burn-in, rounds of requested runs, held-out test
 * curves) for one or more strategies over several seeds; curves as CSV, optional PNG plot. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "wfad/active.h"

#define MAX_STRATEGIES 8

struct progress {
	unsigned seed, seeds;
	const char *strategy;
};

static void progress_tty(void *user, size_t round, size_t rounds)
{
	const struct progress *p = user;
	fprintf(stderr, "\r\033[K[seed %u/%u] %s round %zu/%zu", p->seed + 1, p->seeds, p->strategy,
		round, rounds);
	fflush(stderr);
}

static bool parse_count(const char *s, long max, size_t *out)
{
	long v;
	if (!cli_parse_long(s, 0, max, &v))
		return false;
	*out = (size_t)v;
	return true;
}

static void put_csv_num(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6f", v);
}

static int write_csv(const char *path, const struct wfad_active_curve *curves, unsigned seeds,
		     const enum wfad_active_strategy *strat, size_t n_strat)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	if (!f) {
		fprintf(stderr, "wfad active: cannot write '%s'\n", path);
		return EXIT_DATA;
	}
	fprintf(f, "seed,strategy,round,labeled_runs,roc_auc,average_precision,precision_at_k\n");
	for (unsigned s = 0; s < seeds; s++) {
		for (size_t k = 0; k < n_strat; k++) {
			const struct wfad_active_curve *c = &curves[s * n_strat + k];
			for (size_t i = 0; i < c->n_points; i++) {
				const struct wfad_active_point *p = &c->points[i];
				fprintf(f, "%u,%s,%zu,%zu,", s, wfad_active_strategy_name(strat[k]),
					p->round, p->labeled_runs);
				put_csv_num(f, p->roc_auc);
				fputc(',', f);
				put_csv_num(f, p->average_precision);
				fputc(',', f);
				put_csv_num(f, p->precision_at_k);
				fputc('\n', f);
			}
		}
	}
	bool bad = ferror(f) != 0;
	if (f != stdout)
		bad |= fclose(f) != 0;
	if (bad) {
		fprintf(stderr, "wfad active: error writing '%s'\n", path);
		return EXIT_DATA;
	}
	return 0;
}

static int write_plot(const char *path, const char *title, const struct wfad_active_curve *curves,
		      unsigned seeds, const enum wfad_active_strategy *strat, size_t n_strat,
		      size_t max_points)
{
	size_t per = max_points ? max_points : 1;
	double *buf = calloc(4 * n_strat * per, sizeof(double));
	struct wfad_active_series series[MAX_STRATEGIES];
	if (!buf) {
		fprintf(stderr, "wfad active: out of memory\n");
		return EXIT_DATA;
	}
	for (size_t k = 0; k < n_strat; k++) {
		double *x = buf + 4 * k * per, *mean = x + per, *lo = mean + per, *hi = lo + per;
		size_t n = 0;
		for (size_t i = 0; i < max_points; i++) {
			double sx = 0, sy = 0, mn = INFINITY, mx = -INFINITY;
			size_t cnt = 0;
			for (unsigned s = 0; s < seeds; s++) {
				const struct wfad_active_curve *c = &curves[s * n_strat + k];
				if (i >= c->n_points || !isfinite(c->points[i].roc_auc))
					continue;
				double v = c->points[i].roc_auc;
				sx += (double)c->points[i].labeled_runs;
				sy += v;
				mn = fmin(mn, v);
				mx = fmax(mx, v);
				cnt++;
			}
			if (!cnt)
				continue;
			x[n] = sx / (double)cnt;
			mean[n] = sy / (double)cnt;
			lo[n] = mn;
			hi[n] = mx;
			n++;
		}
		series[k] = (struct wfad_active_series){.name = wfad_active_strategy_name(strat[k]),
							.n = n,
							.x = x,
							.mean = mean,
							.lo = lo,
							.hi = hi};
	}
	struct wfad_error err;
	wfad_error_clear(&err);
	int rc = 0;
	if (wfad_active_plot_png(series, n_strat, title, path, 900, 560, &err) != WFAD_OK) {
		cli_error(&err);
		rc = EXIT_DATA;
	}
	free(buf);
	return rc;
}

static void print_summary(const struct wfad_dataset *ds, const struct wfad_active_options *o,
			  unsigned seeds, const struct wfad_active_curve *curves, const double *ref,
			  const enum wfad_active_strategy *strat, size_t n_strat)
{
	struct wfad_stat rs = wfad_stat_of(ref, seeds);
	const struct wfad_active_curve *c0 = &curves[0];
	bool run_task = o->task == WFAD_ACTIVE_TASK_RUN;
	char what[64];
	if (run_task)
		snprintf(what, sizeof(what), "run level, anomalous vs normal run");
	else
		snprintf(what, sizeof(what), "features %s", wfad_feature_set_name(o->features));
	printf("%s: active learning with %s (%s), %u seeds; per seed %zu pool, %zu "
	       "validation, %zu test runs\n",
	       ds->workflow, o->detector, what, seeds, c0->pool_runs, c0->valid_runs,
	       c0->test_runs);
	printf("burn-in %zu runs, %zu rounds of %zu runs, %s\n", o->burn_in, o->rounds,
	       o->per_round, c0->warm_start ? "warm start between rounds" : "refit every round");
	printf("whole pool: ROC-AUC %.4f (mean over seeds); 95%% of it: %.4f\n", rs.mean,
	       0.95 * rs.mean);
	printf("%-18s %8s %8s %8s", "strategy", "AULC", "std", "final");
	if (run_task)
		printf("  %9s", "final acc");
	printf("  %s\n", "runs to 95%");
	for (size_t k = 0; k < n_strat; k++) {
		double area[1000], final[1000], acc[1000], reach = 0;
		size_t reached = 0;
		for (unsigned s = 0; s < seeds; s++) {
			const struct wfad_active_curve *c = &curves[s * n_strat + k];
			area[s] = wfad_active_curve_area(c->points, c->n_points);
			final[s] = c->n_points ? c->points[c->n_points - 1].roc_auc : NAN;
			acc[s] = c->n_points ? c->points[c->n_points - 1].accuracy : NAN;
			size_t r = isfinite(ref[s]) ? wfad_active_runs_to_reach(
							      c->points, c->n_points, 0.95 * ref[s])
						    : 0;
			if (r) {
				reach += (double)r;
				reached++;
			}
		}
		struct wfad_stat as = wfad_stat_of(area, seeds), fs = wfad_stat_of(final, seeds);
		printf("%-18s %8.4f %8.4f %8.4f", wfad_active_strategy_name(strat[k]), as.mean,
		       as.std, fs.mean);
		if (run_task)
			printf("  %9.4f", wfad_stat_of(acc, seeds).mean);
		printf("  ");
		if (reached)
			printf("%.1f (%zu of %u seeds)\n", reach / (double)reached, reached, seeds);
		else
			printf("not reached\n");
	}
}

int cmd_active(int argc, char **argv)
{
	const char *workflow = NULL, *dag = NULL, *detector = NULL, *strategies = "random,entropy",
		   *burn = "10", *rounds = "10", *per_round = "5", *seeds = "5", *output = NULL,
		   *plot = NULL, *features = NULL, *norm = "minmax", *aggregate = "mean",
		   *epochs = "5", *refit = NULL, *threads = "0", *trees = "0", *task = "job";
	struct cli_hyper hyper = {0}; /* a full fit's schedule: --epochs, --patience, --stop-on,
				       * --nets */
	const struct cli_option options[] = {
		{"workflow", 'w', "NAME", "the workflow", &workflow},
		{"detector", 'd', "NAME",
		 "detector (see 'wfad detectors'), e.g. mlp or gbdt; with --task run a run "
		 "classifier, e.g. gnnrun",
		 &detector},
		{"task", 0, "TASK", "job (default) or run: a run classifier labels whole runs",
		 &task},
		{"strategy", 's', "LIST",
		 "random, least-confidence, margin, entropy, anomaly-targeting (comma-separated; "
		 "default random,entropy)",
		 &strategies},
		{"burn-in", 0, "N", "random labelled runs before round 1 (default 10)", &burn},
		{"rounds", 0, "N", "rounds after the burn-in (default 10)", &rounds},
		{"per-round", 0, "N", "runs requested per round (default 5)", &per_round},
		{"seeds", 0, "N", "number of seeds (default 5)", &seeds},
		{"output", 'o', "FILE", "learning curves as CSV ('-' for stdout)", &output},
		{"plot", 0, "FILE", "PNG plot of ROC-AUC against labelled runs", &plot},
		{"features", 0, "SET", CLI_FEATURES_HELP, &features},
		{"norm", 0, "NAME", "minmax (default), standard, robust or none", &norm},
		{"aggregate", 0, "HOW", "run uncertainty from its jobs: mean (default) or max",
		 &aggregate},
		{"epochs-per-round", 0, "N", "warm-start epochs per round (default 5)", &epochs},
		{"refit", 0, NULL, "refit every round even when the detector can warm start",
		 &refit},
		{"trees", 0, "N", "gbdt trees (default: the detector's)", &trees},
		{"epochs", 0, "N",
		 "neural detectors: most epochs of a full fit (default: the "
		 "detector's)",
		 &hyper.epochs},
		{"patience", 0, "N",
		 "early stopping of a full fit: epochs (gbdt: rounds) without "
		 "improvement",
		 &hyper.patience},
		{"stop-on", 0, "WHAT", "graph job classifiers: early stopping on loss or auc",
		 &hyper.stop_on},
		{"nets", 0, "N", "graph nets, ganttcnn: nets in the ensemble", &hyper.nets},
		{"threads", 0, "N", "threads (default: one per CPU)", &threads},
		{"dag", 0, "FILE", "DAG JSON for a run CSV, zip or folder", &dag},
	};
	const struct cli_command cmd = {
		"active",
		"PATH --workflow W --detector D -o curves.csv [options]",
		"Active learning on recorded runs: per seed, 20% of the runs (stratified by label) "
		"are\nheld out for testing and 10% validate; the rest is the pool. After a random "
		"burn-in,\neach round the strategy picks runs of the pool, the oracle reveals "
		"their "
		"labels, the\nmodel is updated (warm start when the detector supports it) and "
		"scored on the test\njobs. Writes one CSV row per seed, strategy and round; prints "
		"per strategy the area\nunder the learning curve and the labelled runs needed to "
		"reach 95% of the ROC-AUC\nof training on the whole pool. With --task run, a run "
		"classifier is refitted every round\nand scored on the test runs (anomalous vs "
		"normal, and accuracy); --features, --norm,\n--aggregate, --epochs-per-round and "
		"--refit do not apply.",
		options,
		sizeof(options) / sizeof(options[0]),
		1,
		1};
	const char *pos[1];
	size_t n_pos;
	int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!detector || !output) {
		return cli_usage_error(&cmd, "%s is required", !detector ? "--detector" : "-o");
	}
	bool run_task = strcmp(task, "run") == 0;
	if (!run_task && strcmp(task, "job") != 0) {
		fprintf(stderr, "wfad active: --task takes 'job' or 'run', not '%s'\n", task);
		return EXIT_USAGE;
	}
	if ((rc = run_task ? cli_check_run_classifier(detector) : cli_check_detector(detector)))
		return rc;
	struct wfad_active_options o = {.task = run_task ? WFAD_ACTIVE_TASK_RUN
							 : WFAD_ACTIVE_TASK_JOB,
					.detector = detector};
	size_t n_seeds, n_epochs, n_threads, n_trees;
	if (!parse_count(burn, 1000000, &o.burn_in) || !parse_count(rounds, 100000, &o.rounds) ||
	    !parse_count(per_round, 1000000, &o.per_round) || !parse_count(seeds, 1000, &n_seeds) ||
	    n_seeds < 1 || !parse_count(epochs, 100000, &n_epochs) || n_epochs < 1 ||
	    !parse_count(threads, 4096, &n_threads) || !parse_count(trees, 100000, &n_trees)) {
		fprintf(stderr, "wfad active: --burn-in, --rounds, --per-round, --seeds (1 to "
				"1000), --epochs-per-round (>= 1), --trees and --threads take "
				"whole numbers\n");
		return EXIT_USAGE;
	}
	if (o.per_round < 1 && o.rounds > 0) {
		fprintf(stderr, "wfad active: --per-round must be at least 1\n");
		return EXIT_USAGE;
	}
	enum wfad_fit_on fit_on;
	if ((rc = cli_parse_model_options(features, detector, norm, "all", &o.features, &o.norm,
					  &fit_on)))
		return rc;
	if (strcmp(aggregate, "mean") == 0) {
		o.aggregate = WFAD_ACTIVE_MEAN;
	} else if (strcmp(aggregate, "max") == 0) {
		o.aggregate = WFAD_ACTIVE_MAX;
	} else {
		fprintf(stderr, "wfad active: --aggregate takes 'mean' or 'max', not '%s'\n",
			aggregate);
		return EXIT_USAGE;
	}
	enum wfad_active_strategy strat[MAX_STRATEGIES];
	size_t n_strat = 0;
	char *list = strdup(strategies);
	if (!list)
		return EXIT_DATA;
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		if (!*tok)
			continue;
		if (n_strat == MAX_STRATEGIES ||
		    wfad_active_strategy_parse(tok, &strat[n_strat]) != WFAD_OK) {
			fprintf(stderr,
				"wfad active: %s '%s' (random, least-confidence, margin, entropy, "
				"anomaly-targeting; at most %d)\n",
				n_strat == MAX_STRATEGIES ? "too many strategies at"
							  : "unknown strategy",
				tok, MAX_STRATEGIES);
			free(list);
			return EXIT_USAGE;
		}
		n_strat++;
	}
	free(list);
	if (n_strat == 0) {
		fprintf(stderr, "wfad active: --strategy names no strategy\n");
		return EXIT_USAGE;
	}
	if ((rc = cli_parse_hyper(&hyper, &o.params)))
		return rc;
	o.epochs_per_round = (int)n_epochs;
	o.refit = refit != NULL;
	o.params.threads = (unsigned)n_threads;
	o.params.n_trees = (int)n_trees;
	unsigned n_s = (unsigned)n_seeds;

	struct wfad_collection c = {0};
	struct wfad_load_options lo = {
		.workflow = workflow, .dag_path = dag, .threads = o.params.threads};
	struct wfad_error err;
	wfad_error_clear(&err);
	if (wfad_load(pos[0], &lo, &c, &err) != WFAD_OK) {
		cli_error(&err);
		return EXIT_DATA;
	}
	const struct wfad_dataset *ds;
	if ((rc = cli_pick_dataset(&c, &ds))) {
		wfad_collection_free(&c);
		return rc;
	}
	struct wfad_active_curve *curves = calloc((size_t)n_s * n_strat, sizeof(*curves));
	double *ref = calloc(n_s, sizeof(double));
	if (!curves || !ref) {
		fprintf(stderr, "wfad active: out of memory\n");
		rc = EXIT_DATA;
		goto cleanup;
	}
	bool tty = isatty(2);
	struct progress prog = {.seeds = n_s};
	size_t max_points = 0;
	for (unsigned s = 0; s < n_s && rc == 0; s++) {
		o.seed = s;
		prog.seed = s;
		for (size_t k = 0; k < n_strat && rc == 0; k++) {
			o.strategy = strat[k];
			prog.strategy = wfad_active_strategy_name(strat[k]);
			o.progress = tty ? progress_tty : NULL;
			o.progress_user = &prog;
			struct wfad_active_curve *cv = &curves[s * n_strat + k];
			if (wfad_active_run(ds, &o, cv, &err) != WFAD_OK) {
				rc = EXIT_DATA;
				break;
			}
			if (cv->n_points > max_points)
				max_points = cv->n_points;
			if (cv->exhausted) {
				if (tty)
					fputc('\n', stderr);
				fprintf(stderr,
					"wfad active: seed %u, %s: the pool ran out after round "
					"%zu "
					"(%zu runs labelled); later rounds are left out\n",
					s, prog.strategy, cv->points[cv->n_points - 1].round,
					cv->points[cv->n_points - 1].labeled_runs);
			}
		}
		prog.strategy = "whole pool";
		if (rc == 0 && tty)
			progress_tty(&prog, 0, 0);
		if (rc == 0 && wfad_active_reference(ds, &o, &ref[s], &err) != WFAD_OK)
			rc = EXIT_DATA;
	}
	if (tty)
		fputc('\n', stderr);
	if (rc) {
		cli_error(&err);
		goto cleanup;
	}
	if ((rc = write_csv(output, curves, n_s, strat, n_strat)))
		goto cleanup;
	if (plot) {
		char title[160];
		snprintf(title, sizeof(title), "%s, %s: ROC-AUC vs labelled runs (%u seeds)",
			 ds->workflow, detector, n_s);
		if ((rc = write_plot(plot, title, curves, n_s, strat, n_strat, max_points)))
			goto cleanup;
	}
	if (strcmp(output, "-") != 0)
		print_summary(ds, &o, n_s, curves, ref, strat, n_strat);
cleanup:
	for (size_t i = 0; curves && i < (size_t)n_s * n_strat; i++)
		wfad_active_curve_free(&curves[i]);
	free(curves);
	free(ref);
	wfad_collection_free(&c);
	return rc;
}
