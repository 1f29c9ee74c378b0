/* wfad train: fit a detector on every run given (a validation share for thresholds and early
 * stopping) and write a model file. */
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "cli.h"
#include "wfad/model.h"
#include "wfad/runlevel.h"

static void epoch_progress(void *user, size_t done, size_t total)
{
	fprintf(stderr, "\r\033[K%s: epoch %zu of at most %zu", (const char *)user, done, total);
	fflush(stderr);
}

/* --task run: a run classifier on the run labels, written as a run-level model file. */
static int train_runs(const struct wfad_dataset *ds, const char *classifier,
		      const struct wfad_detector_params *p, double vf, double hf,
		      const char *output)
{
	struct wfad_split sp = {0};
	struct wfad_run_model m = {0};
	struct wfad_error err;
	wfad_error_clear(&err);
	int rc = EXIT_DATA;
	bool ok = wfad_split_runs(ds, p->seed, 1 - vf - hf, vf, &sp, &err) == WFAD_OK &&
		  wfad_run_model_train(&m, classifier, p, ds, sp.train, sp.n_train, sp.valid,
				       sp.n_valid, &err) == WFAD_OK &&
		  wfad_run_model_save(&m, output, &err) == WFAD_OK;
	if (p->progress)
		fputs("\r\033[K", stderr);
	if (!ok) {
		cli_error(&err);
		goto cleanup;
	}
	fprintf(stderr,
		"wfad: trained %s on %s (run level, %zu classes: %s ... %s): %zu training runs, "
		"%zu validation runs, %zu held out; wrote %s\n",
		classifier, ds->workflow, m.n_classes, m.classes[0], m.classes[m.n_classes - 1],
		sp.n_train, sp.n_valid, sp.n_test, output);
	rc = 0;
cleanup:
	wfad_run_model_free(&m);
	wfad_split_free(&sp);
	return rc;
}

int cmd_train(int argc, char **argv)
{
	const char *workflow = NULL, *dag = NULL, *detector = NULL, *output = NULL,
		   *features = NULL, *norm = "minmax", *fit_on = "all", *valid = "0.2",
		   *holdout = "0", *seed = "0", *threads = "0", *task = "job";
	struct cli_hyper hyper = {0};
	const struct cli_option options[] = {
		{"workflow", 'w', "NAME", "the workflow to train on", &workflow},
		{"detector", 'd', "NAME", "the detector (see 'wfad detectors')", &detector},
		{"task", 0, "TASK",
		 "job (default): a job detector; run: a run classifier on the run labels (gnnrun, "
		 "gnnrundag, gbdt, ganttcnn)",
		 &task},
		{"output", 'o', "FILE", "model file to write (required)", &output},
		{"features", 0, "SET", CLI_FEATURES_HELP, &features},
		{"norm", 0, "NAME", "minmax (default), standard, robust or none", &norm},
		{"fit-on", 0, "RUNS", "all (default) or normal runs", &fit_on},
		{"valid", 0, "FRAC", "share of runs held out for threshold/early stopping (0.2)",
		 &valid},
		{"holdout", 0, "FRAC",
		 "--task run: share of runs (stratified) not used at all, left for scoring (0)",
		 &holdout},
		{"seed", 0, "N", "seed for the split and the detector (default 0)", &seed},
		{"threads", 0, "N", "threads (default: one per CPU)", &threads},
		{"dag", 0, "FILE", "DAG JSON for a run CSV, zip or folder", &dag},
		CLI_HYPER_OPTIONS(hyper),
	};
	const struct cli_command cmd = {
		"train",
		"PATH --workflow W --detector D -o model.wfad [options]",
		"Trains a detector on the runs under PATH and writes a model file (detector, "
		"feature\nnormaliser, threshold, calibration). A share of the runs (stratified by "
		"label) is held\nout to choose the threshold and for early stopping. With --task "
		"run "
		"the model is a\nrun classifier; 'wfad score' then gives each run's likely label.",
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
		return cli_usage_error(&cmd, "--detector and -o are required");
	}
	bool run_task = strcmp(task, "run") == 0;
	if (!run_task && strcmp(task, "job") != 0)
		return cli_usage_error(&cmd, "--task takes job or run");
	if ((rc = run_task ? cli_check_run_classifier(detector) : cli_check_detector(detector)))
		return rc;
	struct wfad_model_options mo = {.detector = detector};
	if (!run_task && (rc = cli_parse_model_options(features, detector, norm, fit_on,
						       &mo.features, &mo.norm, &mo.fit_on)))
		return rc;
	char *end;
	double vf = strtod(valid, &end), hf;
	if (*end || !(vf >= 0 && vf < 1)) {
		fprintf(stderr, "wfad train: --valid takes a fraction in [0, 1)\n");
		return EXIT_USAGE;
	}
	hf = strtod(holdout, &end);
	if (*end || !(hf >= 0 && vf + hf < 1) || (hf > 0 && !run_task)) {
		fprintf(stderr, "wfad train: --holdout takes a fraction in [0, 1 - valid) and "
				"goes with --task run\n");
		return EXIT_USAGE;
	}
	mo.params.seed = strtoull(seed, &end, 10);
	mo.params.threads = (unsigned)atoi(threads);
	if ((rc = cli_parse_hyper(&hyper, &mo.params)))
		return rc;
	if (isatty(2)) {
		mo.params.progress = epoch_progress;
		mo.params.progress_user = (void *)detector;
	}
	struct wfad_collection c = {0};
	if ((rc = cli_load(pos[0], workflow, dag, NULL, &c)))
		return rc;
	const struct wfad_dataset *ds;
	struct wfad_split sp = {0};
	struct wfad_model m;
	wfad_model_init(&m);
	struct wfad_error err;
	wfad_error_clear(&err);
	if ((rc = cli_pick_dataset(&c, &ds)))
		goto cleanup;
	if (run_task) {
		rc = vf > 0 ? train_runs(ds, detector, &mo.params, vf, hf, output)
			    : cli_usage_error(&cmd,
					      "--task run needs validation runs (--valid > 0)");
		goto cleanup;
	}
	rc = EXIT_DATA;
	if (vf > 0) {
		if (wfad_split_runs(ds, mo.params.seed, 1 - vf, vf, &sp, &err) != WFAD_OK)
			goto fail;
	} else {
		sp.train = malloc(ds->n_runs * sizeof(size_t));
		for (size_t i = 0; i < ds->n_runs; i++)
			sp.train[i] = i;
		sp.n_train = ds->n_runs;
	}
	if (wfad_model_train(&m, &mo, ds, sp.train, sp.n_train, sp.valid, sp.n_valid, &err) !=
		    WFAD_OK ||
	    wfad_model_save(&m, output, &err) != WFAD_OK)
		goto fail;
	if (mo.params.progress)
		fputs("\r\033[K", stderr);
	bool raw = wfad_detector_find(detector)->flags & WFAD_DETECTOR_RAW_TRACE;
	fprintf(stderr,
		"wfad: trained %s on %s (%s%s): %zu training runs (%zu jobs fitted), %zu "
		"validation runs; threshold %.6g (%s); wrote %s\n",
		detector, ds->workflow, raw ? "the raw trace" : wfad_feature_set_name(mo.features),
		raw ? "" : " features", sp.n_train, m.n_train_jobs, sp.n_valid, m.threshold,
		m.rule == WFAD_THRESHOLD_MAX_F1 ? "max F1 on validation"
						: "99th percentile of normal jobs",
		output);
	rc = 0;
	goto cleanup;
fail:
	cli_error(&err);
cleanup:
	wfad_model_free(&m);
	wfad_split_free(&sp);
	wfad_collection_free(&c);
	return rc;
}
