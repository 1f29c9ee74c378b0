/* Tests of models: train, threshold, save/load round trip, bad model files, explanations, and
 * the experiment protocol on the shipped sample. */
#include <stdlib.h>

#include "test.h"
#include "wfad/experiment.h"
#include "wfad/ingest.h"
#include "wfad/runlevel.h"

static struct wfad_collection sample;

static const struct wfad_dataset *load_sample(void)
{
	if (sample.count == 0) {
		struct wfad_error err = {0};
		CHECK_OK(wfad_load("data/flowbench-sample", NULL, &sample, &err), &err);
	}
	return sample.count ? sample.items[0] : NULL;
}

static int write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t w = fwrite(data, 1, n, f);
	fclose(f);
	return w == n ? 0 : -1;
}

WFAD_TEST(model_train_save_load_scores_identically)
{
	const struct wfad_dataset *ds = load_sample();
	if (!ds)
		return;
	struct wfad_error err = {0};
	struct wfad_split sp = {0};
	CHECK_OK(wfad_split_runs(ds, 1, 0.6, 0.2, &sp, &err), &err);
	const char *detectors[] = {"iforest", "hostz", "gbdt"};
	for (size_t k = 0; k < 3; k++) {
		struct wfad_model m, l;
		wfad_model_init(&m);
		wfad_model_init(&l);
		struct wfad_model_options o = {.detector = detectors[k],
					       .features = WFAD_FEATURES_RICH,
					       .norm = WFAD_NORM_MINMAX};
		CHECK_OK(wfad_model_train(&m, &o, ds, sp.train, sp.n_train, sp.valid, sp.n_valid,
					  &err),
			 &err);
		CHECK(m.rule == WFAD_THRESHOLD_MAX_F1);
		CHECK(m.n_calib > 0);
		CHECK_STR(m.workflow, "1000genome");
		size_t n = sp.n_test * ds->dag.n_nodes;
		double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));
		CHECK_OK(wfad_model_score(&m, ds, sp.test, sp.n_test, a, &err), &err);
		CHECK_OK(wfad_model_save(&m, "/tmp/wfad-test-model.wfad", &err), &err);
		CHECK_OK(wfad_model_load(&l, "/tmp/wfad-test-model.wfad", &err), &err);
		CHECK_OK(wfad_model_score(&l, ds, sp.test, sp.n_test, b, &err), &err);
		CHECK_INT(memcmp(a, b, n * sizeof(double)), 0);
		CHECK_NEAR(l.threshold, m.threshold, 0);
		CHECK_INT(l.n_tstats, m.n_tstats);
		/* Confidence is monotone in the score and within [0, 1]. */
		CHECK(wfad_model_confidence(&l, -1e300) == 0);
		CHECK(wfad_model_confidence(&l, 1e300) == 1);
		/* A flagged job gets reasons with text. */
		for (size_t i = 0; i < n; i++) {
			if (a[i] < m.threshold)
				continue;
			struct wfad_reason why[3];
			size_t nw = wfad_model_explain(&l, ds, sp.test[i / ds->dag.n_nodes],
						       i % ds->dag.n_nodes, why, 3);
			CHECK(nw >= 1);
			if (nw)
				CHECK(why[0].text[0] != '\0');
			break;
		}
		free(a);
		free(b);
		wfad_model_free(&m);
		wfad_model_free(&l);
	}
	wfad_split_free(&sp);
}

WFAD_TEST(model_files_bad_input)
{
	struct wfad_model m;
	wfad_model_init(&m);
	struct wfad_error err = {0};
	CHECK_INT(wfad_model_load(&m, "/tmp/wfad-no-such-model", &err), WFAD_EIO);
	CHECK_INT(write_file("/tmp/wfad-foreign.wfad", "PK\3\4 not a model", 17), 0);
	CHECK_INT(wfad_model_load(&m, "/tmp/wfad-foreign.wfad", &err), WFAD_EFORMAT);
	CHECK(strstr(err.message, "not a wfad model") != NULL);
	/* Another format version. */
	unsigned char v9[12] = {'W', 'F', 'A', 'D', 'M', 'D', 'L', 0, 9, 0, 0, 0};
	CHECK_INT(write_file("/tmp/wfad-v9.wfad", v9, sizeof(v9)), 0);
	CHECK_INT(wfad_model_load(&m, "/tmp/wfad-v9.wfad", &err), WFAD_EFORMAT);
	CHECK(strstr(err.message, "version 9") != NULL);
	/* Every truncation of a real model file is an error, never a crash. */
	char *data;
	size_t len;
	if (wfad_read_file("/tmp/wfad-test-model.wfad", 1 << 26, &data, &len, &err) == WFAD_OK) {
		size_t step = len / 97 + 1;
		for (size_t cut = 0; cut < len; cut += step) {
			CHECK_INT(write_file("/tmp/wfad-cut.wfad", data, cut), 0);
			enum wfad_status st = wfad_model_load(&m, "/tmp/wfad-cut.wfad", &err);
			if (st == WFAD_OK) {
				printf("  truncation at %zu of %zu loaded\n", cut, len);
				wfad_test_failures++;
				break;
			}
		}
		free(data);
	}
	wfad_model_free(&m);
}

WFAD_TEST(model_training_errors)
{
	const struct wfad_dataset *ds = load_sample();
	if (!ds)
		return;
	struct wfad_error err = {0};
	/* Only normal runs: a supervised detector has nothing to learn. */
	size_t normal[16], nn = 0, anomalous[40], na = 0;
	for (size_t r = 0; r < ds->n_runs; r++) {
		if (strcmp(ds->runs[r].label, "normal") == 0)
			normal[nn++] = r;
		else
			anomalous[na++] = r;
	}
	struct wfad_model m;
	wfad_model_init(&m);
	struct wfad_model_options o = {.detector = "mlp", .features = WFAD_FEATURES_RICH};
	CHECK_INT(wfad_model_train(&m, &o, ds, normal, nn, NULL, 0, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "no anomalous job") != NULL);
	/* --fit-on normal with no normal training run. */
	o.detector = "iforest";
	o.fit_on = WFAD_FIT_NORMAL;
	CHECK_INT(wfad_model_train(&m, &o, ds, anomalous, na, NULL, 0, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "no normal training run") != NULL);
	o.detector = "frobnicate";
	CHECK_INT(wfad_model_train(&m, &o, ds, normal, nn, NULL, 0, &err), WFAD_ENOTFOUND);
	/* Fit on normal runs only, no validation: the threshold is the normal 99th percentile. */
	o.detector = "iforest";
	CHECK_OK(wfad_model_train(&m, &o, ds, normal, nn, NULL, 0, &err), &err);
	CHECK(m.rule == WFAD_THRESHOLD_NORMAL_Q99);
	wfad_model_free(&m);
}

WFAD_TEST(model_other_workflow_is_refused_or_warned)
{
	const struct wfad_dataset *ds = load_sample();
	if (!ds)
		return;
	struct wfad_error err = {0};
	struct wfad_model m;
	wfad_model_init(&m);
	struct wfad_model_options o = {.detector = "iforest", .features = WFAD_FEATURES_RICH};
	size_t runs[10];
	for (size_t i = 0; i < 10; i++)
		runs[i] = i;
	CHECK_OK(wfad_model_train(&m, &o, ds, runs, 10, NULL, 0, &err), &err);
	struct wfad_collection c = {0};
	struct wfad_load_options lo = {.workflow = "eht_imaging"};
	CHECK_OK(wfad_load("tests/data/flowbench-mini", &lo, &c, &err), &err);
	if (c.count == 1) {
		double s[12 * 10];
		size_t r0 = 0;
		/* eht_imaging shares only the planner transformations (create_dir, cleanup, ...)
		 * with 1000genome: it applies with a warning. */
		enum wfad_status st = wfad_model_score(&m, c.items[0], &r0, 1, s, &err);
		CHECK(st == WFAD_OK || st == WFAD_EINVAL);
	}
	wfad_collection_free(&c);
	wfad_model_free(&m);
}

WFAD_TEST(experiment_protocol_on_sample)
{
	const struct wfad_dataset *ds = load_sample();
	if (!ds)
		return;
	struct wfad_error err = {0};
	const char *dets[] = {"hostz", "iforest"};
	struct wfad_eval_options o = {.detectors = dets,
				      .n_detectors = 2,
				      .features = WFAD_FEATURES_RICH,
				      .norm = WFAD_NORM_MINMAX,
				      .seeds = 2};
	struct wfad_eval_result r[2], again[2];
	CHECK_OK(wfad_eval_jobs(ds, &o, r, &err), &err);
	CHECK_OK(wfad_eval_jobs(ds, &o, again, &err), &err);
	for (int k = 0; k < 2; k++) {
		for (unsigned s = 0; s < 2; s++) {
			CHECK(r[k].roc_auc[s] > 0.5 && r[k].roc_auc[s] <= 1);
			CHECK(r[k].average_precision[s] > 0 && r[k].average_precision[s] <= 1);
			/* seeded: the same command gives the same numbers */
			CHECK_NEAR(again[k].roc_auc[s], r[k].roc_auc[s], 0);
			CHECK_NEAR(again[k].f1[s], r[k].f1[s], 0);
		}
		wfad_eval_result_free(&r[k]);
		wfad_eval_result_free(&again[k]);
	}
	/* Run level: the confusion matrix counts every test run of every seed once. */
	const char *rd[] = {"gbdt"};
	struct wfad_eval_options ro = {.detectors = rd, .n_detectors = 1, .seeds = 2};
	struct wfad_run_eval_result rr;
	CHECK_OK(wfad_eval_runs(ds, &ro, &rr, &err), &err);
	size_t total = 0;
	for (size_t i = 0; i < rr.n_classes * rr.n_classes; i++)
		total += rr.confusion[i];
	CHECK_INT(total, 2 * 5); /* 5 test runs per seed (one per label) */
	CHECK_INT(rr.n_classes, 5);
	CHECK_STR(rr.classes[0], "normal");
	wfad_run_eval_result_free(&rr);
	wfad_collection_free(&sample);
}

/* What the row callbacks of an evaluation collect: split rows per seed and part, and the
 * scores and truth of one detector's test jobs (run level: its right verdicts). */
struct rows {
	size_t split[2][3];
	double score[2][8 * 137];
	uint8_t truth[2][8 * 137];
	size_t n[2], right[2], verdicts[2];
};

static void collect_run_row(void *user, const struct wfad_run_row *row)
{
	struct rows *c = user;
	if (!row->detector) {
		c->split[row->seed][row->part]++;
		return;
	}
	c->verdicts[row->seed]++;
	c->right[row->seed] += strcmp(row->predicted, row->ds->runs[row->run].label) == 0;
}

static void collect_job_row(void *user, const struct wfad_job_row *row)
{
	struct rows *c = user;
	size_t i = c->n[row->seed]++;
	if (i >= 8 * 137)
		return;
	c->score[row->seed][i] = row->score;
	c->truth[row->seed][i] = row->ds->runs[row->run].jobs[row->node].label != 0;
}

/* The rows an evaluation hands out add up to the metrics it reports: every run of the split
 * once per seed, every test job once, their scores giving the reported ROC-AUC; at run level
 * the verdicts giving the reported accuracy. */
WFAD_TEST(experiment_rows_match_the_metrics)
{
	const struct wfad_dataset *ds = load_sample();
	if (!ds)
		return;
	struct wfad_error err = {0};
	static struct rows c;
	memset(&c, 0, sizeof(c));
	const char *dets[] = {"hbos"};
	struct wfad_eval_options o = {.detectors = dets,
				      .n_detectors = 1,
				      .features = WFAD_FEATURES_RICH,
				      .norm = WFAD_NORM_MINMAX,
				      .seeds = 2,
				      .run_row = collect_run_row,
				      .job_row = collect_job_row,
				      .row_user = &c};
	struct wfad_eval_result r;
	CHECK_OK(wfad_eval_jobs(ds, &o, &r, &err), &err);
	for (unsigned s = 0; s < 2; s++) {
		CHECK_INT(c.split[s][0], 25);
		CHECK_INT(c.split[s][1], 10);
		CHECK_INT(c.split[s][2], 5);
		CHECK_INT(c.n[s], 5 * ds->dag.n_nodes);
		CHECK_NEAR(wfad_metrics_roc_auc(c.score[s], c.truth[s], c.n[s]), r.roc_auc[s], 0);
	}
	wfad_eval_result_free(&r);
	memset(&c, 0, sizeof(c));
	const char *rd[] = {"gbdt"};
	struct wfad_eval_options ro = {.detectors = rd,
				       .n_detectors = 1,
				       .seeds = 2,
				       .run_row = collect_run_row,
				       .row_user = &c};
	struct wfad_run_eval_result rr;
	CHECK_OK(wfad_eval_runs(ds, &ro, &rr, &err), &err);
	for (unsigned s = 0; s < 2; s++) {
		CHECK_INT(c.split[s][0] + c.split[s][1] + c.split[s][2], ds->n_runs);
		CHECK_INT(c.verdicts[s], 5);
		CHECK_NEAR((double)c.right[s] / 5, rr.accuracy[s], 1e-12);
	}
	CHECK_INT(c.n[0], 0); /* no job rows at run level */
	wfad_run_eval_result_free(&rr);
}
