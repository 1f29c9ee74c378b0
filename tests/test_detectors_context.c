/* Tests of the zscore, zscore_max, hostz and gbdt detectors: planted slow hosts, synthetic
 * separable data, determinism, save/load and errors. */
#include <stdlib.h>

#include "test.h"
#include "wfad/detect.h"
#include "wfad/eval.h"

WFAD_DETECTOR_REGISTER(zscore);
WFAD_DETECTOR_REGISTER(zscore_max);
WFAD_DETECTOR_REGISTER(hostz);
WFAD_DETECTOR_REGISTER(gbdt);

/* A workflow of one create_dir (auxiliary, on "submit") and 24 compute jobs, 12 of
 * transformation "a" (about 100 s) and 12 of "b" (about 20 s), spread over six workers h0-h5
 * (four jobs each). Runtimes and cpu times have 10% / 5% log-normal noise. Runs 0-19 are
 * normal (training); in test run 20 + t, host t is slowed 4x (runtime and stage-in, not cpu
 * time) and its compute jobs are labelled anomalous. */
enum { P_NODES = 25, P_HOSTS = 6, P_TRAIN = 20, P_TEST = 6, P_RUNS = P_TRAIN + P_TEST };

static double gauss(struct wfad_rng *rng)
{
	double u = wfad_rng_uniform(rng), v = wfad_rng_uniform(rng);
	return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

static void intern(struct wfad_dataset *ds, const char *s, uint32_t *id)
{
	CHECK_INT(wfad_strings_intern(&ds->strings, s, strlen(s), id), WFAD_OK);
}

static void make_planted(struct wfad_dataset *ds, uint64_t seed)
{
	struct wfad_error err = {0};
	wfad_dataset_init(ds);
	ds->dag.n_nodes = P_NODES;
	ds->dag.node_ids = wfad_arena_alloc(&ds->arena, P_NODES * sizeof(*ds->dag.node_ids));
	uint32_t parents[P_NODES - 1], children[P_NODES - 1];
	for (size_t i = 0; i < P_NODES; i++) {
		char name[32];
		snprintf(name, sizeof(name), i ? "job_ID%02zu" : "create_dir_0", i);
		uint32_t id;
		CHECK_INT(wfad_strings_intern(&ds->dag.ids, name, strlen(name), &id), WFAD_OK);
		ds->dag.node_ids[i] = ds->dag.ids.items[id];
		if (i) {
			parents[i - 1] = 0;
			children[i - 1] = (uint32_t)i;
		}
	}
	CHECK_OK(wfad_dag_build(ds, parents, children, P_NODES - 1, "planted", &err), &err);
	uint32_t create, a, b, submit, host[P_HOSTS];
	intern(ds, "create_dir", &create);
	intern(ds, "a", &a);
	intern(ds, "b", &b);
	intern(ds, "submit", &submit);
	for (int h = 0; h < P_HOSTS; h++) {
		char name[16];
		snprintf(name, sizeof(name), "h%d", h);
		intern(ds, name, &host[h]);
	}
	struct wfad_rng rng;
	wfad_rng_seed(&rng, seed);
	for (size_t r = 0; r < P_RUNS; r++) {
		char id[32];
		snprintf(id, sizeof(id), "run%02zu", r);
		int slow = r >= P_TRAIN ? (int)(r - P_TRAIN) % P_HOSTS : -1;
		struct wfad_run *run;
		CHECK_INT(wfad_dataset_add_run(ds, id, slow < 0 ? "normal" : "cpu_2", "planted",
					       &run),
			  WFAD_OK);
		for (size_t i = 0; i < P_NODES; i++) {
			struct wfad_job *j = &run->jobs[i];
			int h = i ? (int)(i - 1) % P_HOSTS : -1;
			double base = i == 0 ? 2.0 : i <= 12 ? 100.0 : 20.0;
			double rt = base * exp(0.1 * gauss(&rng));
			double cpu = 0.9 * rt * exp(0.05 * gauss(&rng));
			double sin = 5.0 * exp(0.1 * gauss(&rng));
			if (h >= 0 && h == slow) {
				rt *= 4.0;
				sin *= 4.0;
				j->label = 1;
			}
			j->f[WFAD_F_RUNTIME] = rt;
			j->f[WFAD_F_CPU_TIME] = cpu;
			j->f[WFAD_F_STAGE_IN_DELAY] = i ? sin : NAN;
			j->f[WFAD_F_QUEUE_DELAY] = 10.0 * exp(0.3 * gauss(&rng));
			j->f[WFAD_F_WMS_DELAY] = 3.0 * exp(0.3 * gauss(&rng));
			j->type = i ? WFAD_JOB_COMPUTE : WFAD_JOB_AUXILIARY;
			j->transformation = i == 0 ? create : i <= 12 ? a : b;
			j->host = h >= 0 ? host[h] : submit;
		}
	}
}

/* A raw-trace jobset over runs[0..n_runs) (no feature matrix). */
static struct wfad_jobset raw_jobset(const struct wfad_dataset *ds, const size_t *runs,
				     size_t n_runs, uint8_t *y)
{
	for (size_t r = 0; r < n_runs; r++)
		for (size_t i = 0; i < ds->dag.n_nodes; i++)
			y[r * ds->dag.n_nodes + i] = ds->runs[runs[r]].jobs[i].label;
	return (struct wfad_jobset){
		.ds = ds, .runs = runs, .n_runs = n_runs, .n = n_runs * ds->dag.n_nodes, .y = y};
}

/* Fits a raw-trace detector on the training runs and scores the test runs; every planted job
 * must score above every other job; then the model must round-trip through save/load. */
static void check_planted(const char *name)
{
	printf("  detector %s\n", name);
	const struct wfad_detector_ops *ops = wfad_detector_find(name);
	CHECK(ops != NULL);
	if (!ops)
		return;
	CHECK(ops->flags & WFAD_DETECTOR_RAW_TRACE);
	CHECK(!(ops->flags & WFAD_DETECTOR_SUPERVISED));
	struct wfad_dataset ds;
	make_planted(&ds, 7);
	size_t train[P_TRAIN], test[P_TEST];
	for (size_t r = 0; r < P_TRAIN; r++)
		train[r] = r;
	for (size_t r = 0; r < P_TEST; r++)
		test[r] = P_TRAIN + r;
	uint8_t ytr[P_TRAIN * P_NODES], yte[P_TEST * P_NODES];
	struct wfad_jobset jtr = raw_jobset(&ds, train, P_TRAIN, ytr);
	struct wfad_jobset jte = raw_jobset(&ds, test, P_TEST, yte);
	struct wfad_detector_params p = {.seed = 1};
	struct wfad_detector *det = NULL;
	struct wfad_error err = {0};
	CHECK_INT(ops->create(&p, &det), WFAD_OK);
	double s[P_TEST * P_NODES], s2[P_TEST * P_NODES];
	/* Unfitted: an error, not a crash. */
	CHECK_INT(ops->score(det, &jte, s, &err), WFAD_EINVAL);
	CHECK_OK(ops->fit(det, &jtr, NULL, &err), &err);
	CHECK_OK(ops->score(det, &jte, s, &err), &err);
	double min_planted = INFINITY, max_other = -INFINITY;
	size_t planted = 0;
	for (size_t i = 0; i < jte.n; i++) {
		CHECK(isfinite(s[i]));
		if (yte[i]) {
			planted++;
			min_planted = fmin(min_planted, s[i]);
		} else {
			max_other = fmax(max_other, s[i]);
		}
	}
	CHECK_INT(planted, P_TEST * 4);
	CHECK(min_planted > max_other);
	if (!(min_planted > max_other))
		printf("  planted min %g, others max %g\n", min_planted, max_other);
	CHECK_NEAR(wfad_metrics_roc_auc(s, yte, jte.n), 1.0, 0.0);

	FILE *f = tmpfile();
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(ops->save(det, f), WFAD_OK);
		fputs("TAIL", f);
		rewind(f);
		struct wfad_detector *back = NULL;
		CHECK_OK(ops->load(&p, f, &back, &err), &err);
		char tail[5] = {0};
		CHECK_INT(fread(tail, 1, 4, f), 4);
		CHECK_STR(tail, "TAIL");
		if (back) {
			CHECK_OK(ops->score(back, &jte, s2, &err), &err);
			CHECK_INT(memcmp(s, s2, sizeof(s)), 0);
			ops->destroy(back);
		}
		/* Every truncation fails cleanly. */
		long len = ftell(f) - 4;
		int accepted = 0;
		for (long k = 0; k < len; k += 7) {
			rewind(f);
			FILE *g = tmpfile();
			char *buf = malloc((size_t)len);
			if (!g || !buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
				CHECK(!"tmpfile");
				free(buf);
				if (g)
					fclose(g);
				break;
			}
			fwrite(buf, 1, (size_t)k, g);
			rewind(g);
			back = NULL;
			enum wfad_status st = ops->load(&p, g, &back, &err);
			accepted += st == WFAD_OK;
			if (back)
				ops->destroy(back);
			free(buf);
			fclose(g);
		}
		CHECK_INT(accepted, 0);
		fclose(f);
	}
	ops->destroy(det);
	wfad_dataset_free(&ds);
}

WFAD_TEST(zscore_planted_slow_host)
{
	check_planted("zscore");
}

WFAD_TEST(zscore_max_planted_slow_host)
{
	check_planted("zscore_max");
}

WFAD_TEST(hostz_planted_slow_host)
{
	check_planted("hostz");
}

/* zscore reproduces the peers' RobustZ-runtime: (runtime - median) / (1.4826 MAD) of the
 * job's transformation over the training jobs, by hand on the planted data. */
WFAD_TEST(zscore_matches_formula)
{
	struct wfad_dataset ds;
	make_planted(&ds, 3);
	size_t train[P_TRAIN], test[1] = {P_TRAIN + 2};
	for (size_t r = 0; r < P_TRAIN; r++)
		train[r] = r;
	uint8_t ytr[P_TRAIN * P_NODES], yte[P_NODES];
	struct wfad_jobset jtr = raw_jobset(&ds, train, P_TRAIN, ytr);
	struct wfad_jobset jte = raw_jobset(&ds, test, 1, yte);
	struct wfad_detector *det = NULL;
	struct wfad_error err = {0};
	CHECK_INT(wfad_detector_zscore.create(NULL, &det), WFAD_OK);
	CHECK_OK(wfad_detector_zscore.fit(det, &jtr, NULL, &err), &err);
	double s[P_NODES];
	CHECK_OK(wfad_detector_zscore.score(det, &jte, s, &err), &err);
	/* The median and MAD of transformation "b" (nodes 13-24) by sorting. */
	double v[P_TRAIN * 12], dev[P_TRAIN * 12];
	size_t n = 0;
	for (size_t r = 0; r < P_TRAIN; r++)
		for (size_t i = 13; i < P_NODES; i++)
			v[n++] = ds.runs[r].jobs[i].f[WFAD_F_RUNTIME];
	for (size_t a = 1; a < n; a++) /* insertion sort */
		for (size_t c = a; c > 0 && v[c - 1] > v[c]; c--) {
			double t = v[c];
			v[c] = v[c - 1];
			v[c - 1] = t;
		}
	double med = 0.5 * (v[n / 2 - 1] + v[n / 2]);
	for (size_t k = 0; k < n; k++)
		dev[k] = fabs(v[k] - med);
	for (size_t a = 1; a < n; a++)
		for (size_t c = a; c > 0 && dev[c - 1] > dev[c]; c--) {
			double t = dev[c];
			dev[c] = dev[c - 1];
			dev[c - 1] = t;
		}
	double mad = 0.5 * (dev[n / 2 - 1] + dev[n / 2]);
	for (size_t i = 13; i < P_NODES; i++) {
		double rt = ds.runs[test[0]].jobs[i].f[WFAD_F_RUNTIME];
		CHECK_NEAR(s[i], (rt - med) / (1.4826 * mad), 1e-9);
	}
	wfad_detector_zscore.destroy(det);
	wfad_dataset_free(&ds);
}

/* Non-worker jobs (on a host that ran no compute job) score below every worker job. */
WFAD_TEST(hostz_non_worker_jobs_score_lowest)
{
	struct wfad_dataset ds;
	make_planted(&ds, 11);
	size_t train[P_TRAIN], test[P_TEST];
	for (size_t r = 0; r < P_TRAIN; r++)
		train[r] = r;
	for (size_t r = 0; r < P_TEST; r++)
		test[r] = P_TRAIN + r;
	/* create_dir of one test run is made absurdly slow: still the lowest score. */
	ds.runs[P_TRAIN].jobs[0].f[WFAD_F_RUNTIME] = 1e6;
	uint8_t ytr[P_TRAIN * P_NODES], yte[P_TEST * P_NODES];
	struct wfad_jobset jtr = raw_jobset(&ds, train, P_TRAIN, ytr);
	struct wfad_jobset jte = raw_jobset(&ds, test, P_TEST, yte);
	struct wfad_detector *det = NULL;
	struct wfad_error err = {0};
	CHECK_INT(wfad_detector_hostz.create(NULL, &det), WFAD_OK);
	CHECK_OK(wfad_detector_hostz.fit(det, &jtr, NULL, &err), &err);
	double s[P_TEST * P_NODES];
	CHECK_OK(wfad_detector_hostz.score(det, &jte, s, &err), &err);
	double min_worker = INFINITY, max_other = -INFINITY;
	for (size_t i = 0; i < jte.n; i++) {
		if (i % P_NODES == 0)
			max_other = fmax(max_other, s[i]);
		else
			min_worker = fmin(min_worker, s[i]);
	}
	CHECK(max_other < min_worker);
	CHECK_NEAR(max_other, -3.0 * WFAD_FEATURES_Z_CLIP - 1.0, 0.0);
	/* Jobs of one host share one score. */
	for (size_t r = 0; r < P_TEST; r++)
		for (size_t i = 1 + P_HOSTS; i < P_NODES; i++)
			CHECK(s[r * P_NODES + i] == s[r * P_NODES + i - P_HOSTS]);
	wfad_detector_hostz.destroy(det);
	wfad_dataset_free(&ds);
}

WFAD_TEST(raw_detectors_reject_foreign_models)
{
	struct wfad_dataset ds;
	make_planted(&ds, 5);
	size_t train[P_TRAIN];
	for (size_t r = 0; r < P_TRAIN; r++)
		train[r] = r;
	uint8_t ytr[P_TRAIN * P_NODES];
	struct wfad_jobset jtr = raw_jobset(&ds, train, P_TRAIN, ytr);
	struct wfad_error err = {0};
	struct wfad_detector *z = NULL, *back = NULL;
	CHECK_INT(wfad_detector_zscore.create(NULL, &z), WFAD_OK);
	CHECK_OK(wfad_detector_zscore.fit(z, &jtr, NULL, &err), &err);
	FILE *f = tmpfile();
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(wfad_detector_zscore.save(z, f), WFAD_OK);
		rewind(f);
		CHECK_INT(wfad_detector_hostz.load(NULL, f, &back, &err), WFAD_EFORMAT);
		CHECK(strstr(err.message, "hostz") != NULL);
		rewind(f);
		/* zscore_max shares the format but not the delay count. */
		CHECK_INT(wfad_detector_zscore_max.load(NULL, f, &back, &err), WFAD_EFORMAT);
		CHECK(back == NULL);
		fclose(f);
	}
	/* No training runs. */
	struct wfad_jobset empty = jtr;
	empty.n_runs = 0;
	empty.n = 0;
	CHECK_INT(wfad_detector_zscore.fit(z, &empty, NULL, &err), WFAD_EINVAL);
	CHECK_INT(wfad_detector_hostz.create(NULL, &back), WFAD_OK);
	CHECK_INT(wfad_detector_hostz.fit(back, &empty, NULL, &err), WFAD_EINVAL);
	wfad_detector_hostz.destroy(back);
	wfad_detector_zscore.destroy(z);
	wfad_dataset_free(&ds);
}

/* Synthetic separable data for gbdt: y = 1 when x0 + 0.5 x1 > 1.1 (about 1 in 4), x2-x4
 * noise, 1% of the labels flipped. */
enum { G_D = 5 };
struct gset {
	float *x;
	uint8_t *y;
	struct wfad_jobset js;
};

static void make_gset(struct gset *g, size_t n, uint64_t seed)
{
	struct wfad_rng rng;
	wfad_rng_seed(&rng, seed);
	g->x = malloc(n * G_D * sizeof(*g->x));
	g->y = malloc(n);
	for (size_t i = 0; i < n; i++) {
		for (int j = 0; j < G_D; j++)
			g->x[i * G_D + j] = (float)wfad_rng_uniform(&rng);
		bool pos = g->x[i * G_D] + 0.5f * g->x[i * G_D + 1] > 1.1f;
		if (wfad_rng_uniform(&rng) < 0.01)
			pos = !pos;
		g->y[i] = pos;
	}
	g->js = (struct wfad_jobset){.n = n, .d = G_D, .x = g->x, .y = g->y};
}

static void free_gset(struct gset *g)
{
	free(g->x);
	free(g->y);
}

static struct wfad_detector *fit_gbdt(const struct gset *tr, const struct gset *va,
				      unsigned threads, struct wfad_error *err)
{
	struct wfad_detector_params p = {.seed = 42, .threads = threads, .n_trees = 120};
	struct wfad_detector *det = NULL;
	CHECK_INT(wfad_detector_gbdt.create(&p, &det), WFAD_OK);
	if (det)
		CHECK_OK(wfad_detector_gbdt.fit(det, &tr->js, va ? &va->js : NULL, err), err);
	return det;
}

WFAD_TEST(gbdt_separable_deterministic_save_load)
{
	CHECK(wfad_detector_gbdt.flags & WFAD_DETECTOR_SUPERVISED);
	CHECK(wfad_detector_gbdt.flags & WFAD_DETECTOR_PROBABILITY);
	CHECK(wfad_detector_find("gbdt") == &wfad_detector_gbdt);
	struct gset tr, va, te;
	make_gset(&tr, 3000, 1);
	make_gset(&va, 800, 2);
	make_gset(&te, 2000, 3);
	struct wfad_error err = {0};
	double *s1 = malloc(te.js.n * sizeof(*s1)), *s2 = malloc(te.js.n * sizeof(*s2));
	struct wfad_detector *a = fit_gbdt(&tr, &va, 1, &err);
	CHECK_OK(wfad_detector_gbdt.score(a, &te.js, s1, &err), &err);
	double auc = wfad_metrics_roc_auc(s1, te.y, te.js.n);
	printf("  test ROC-AUC %.4f\n", auc);
	CHECK(auc >= 0.95);
	for (size_t i = 0; i < te.js.n; i++)
		CHECK(s1[i] >= 0.0 && s1[i] <= 1.0);

	/* Same seed, one vs two threads: bitwise the same scores. */
	struct wfad_detector *b = fit_gbdt(&tr, &va, 2, &err);
	CHECK_OK(wfad_detector_gbdt.score(b, &te.js, s2, &err), &err);
	CHECK_INT(memcmp(s1, s2, te.js.n * sizeof(*s1)), 0);
	wfad_detector_gbdt.destroy(b);

	/* Without validation data it trains every tree; still separable. */
	b = fit_gbdt(&tr, NULL, 1, &err);
	CHECK_OK(wfad_detector_gbdt.score(b, &te.js, s2, &err), &err);
	CHECK(wfad_metrics_roc_auc(s2, te.y, te.js.n) >= 0.95);
	wfad_detector_gbdt.destroy(b);

	/* Save, load (inside a larger file), identical scores. */
	FILE *f = tmpfile();
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(wfad_detector_gbdt.save(a, f), WFAD_OK);
		fputs("TAIL", f);
		long len = ftell(f) - 4;
		rewind(f);
		struct wfad_detector *back = NULL;
		struct wfad_detector_params p = {.threads = 2};
		CHECK_OK(wfad_detector_gbdt.load(&p, f, &back, &err), &err);
		char tail[5] = {0};
		CHECK_INT(fread(tail, 1, 4, f), 4);
		CHECK_STR(tail, "TAIL");
		if (back) {
			memset(s2, 0, te.js.n * sizeof(*s2));
			CHECK_OK(wfad_detector_gbdt.score(back, &te.js, s2, &err), &err);
			CHECK_INT(memcmp(s1, s2, te.js.n * sizeof(*s1)), 0);
			wfad_detector_gbdt.destroy(back);
		}
		/* Truncations and a foreign magic are clean errors. */
		char *buf = malloc((size_t)len);
		rewind(f);
		CHECK_INT(fread(buf, 1, (size_t)len, f), len);
		int accepted = 0;
		for (long k = 0; k < len; k += len / 40 + 1) {
			FILE *g = tmpfile();
			if (!g)
				break;
			fwrite(buf, 1, (size_t)k, g);
			rewind(g);
			back = NULL;
			accepted += wfad_detector_gbdt.load(NULL, g, &back, &err) == WFAD_OK;
			if (back)
				wfad_detector_gbdt.destroy(back);
			fclose(g);
		}
		CHECK_INT(accepted, 0);
		FILE *g = tmpfile();
		if (g) {
			buf[0] ^= 0x55;
			fwrite(buf, 1, (size_t)len, g);
			rewind(g);
			CHECK_INT(wfad_detector_gbdt.load(NULL, g, &back, &err), WFAD_EFORMAT);
			fclose(g);
		}
		free(buf);
		fclose(f);
	}
	wfad_detector_gbdt.destroy(a);
	free(s1);
	free(s2);
	free_gset(&tr);
	free_gset(&va);
	free_gset(&te);
}

WFAD_TEST(gbdt_errors)
{
	struct gset tr;
	make_gset(&tr, 200, 9);
	struct wfad_error err = {0};
	struct wfad_detector *det = NULL;
	CHECK_INT(wfad_detector_gbdt.create(NULL, &det), WFAD_OK);
	double s[200];
	/* Not fitted. */
	CHECK_INT(wfad_detector_gbdt.score(det, &tr.js, s, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "not fitted") != NULL);
	/* No labels. */
	struct wfad_jobset nolabel = tr.js;
	nolabel.y = NULL;
	CHECK_INT(wfad_detector_gbdt.fit(det, &nolabel, NULL, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "labels") != NULL);
	/* One class only, in training and in validation. */
	uint8_t *y = tr.y;
	uint8_t zeros[200] = {0};
	tr.js.y = zeros;
	CHECK_INT(wfad_detector_gbdt.fit(det, &tr.js, NULL, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "anomalous and normal") != NULL);
	tr.js.y = y;
	struct wfad_jobset va = tr.js;
	va.y = zeros;
	CHECK_INT(wfad_detector_gbdt.fit(det, &tr.js, &va, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "validation") != NULL);
	/* Empty training data. */
	struct wfad_jobset empty = tr.js;
	empty.n = 0;
	CHECK_INT(wfad_detector_gbdt.fit(det, &empty, NULL, &err), WFAD_EINVAL);
	/* Column mismatch at score time. */
	CHECK_OK(wfad_detector_gbdt.fit(det, &tr.js, NULL, &err), &err);
	struct wfad_jobset narrow = tr.js;
	narrow.d = G_D - 1;
	CHECK_INT(wfad_detector_gbdt.score(det, &narrow, s, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "columns") != NULL);
	/* A failed refit leaves it unfitted. */
	CHECK_INT(wfad_detector_gbdt.fit(det, &nolabel, NULL, &err), WFAD_EINVAL);
	CHECK_INT(wfad_detector_gbdt.score(det, &tr.js, s, &err), WFAD_EINVAL);
	wfad_detector_gbdt.destroy(det);
	/* Bad parameters. */
	struct wfad_detector_params p = {.n_trees = -1};
	det = NULL;
	CHECK_INT(wfad_detector_gbdt.create(&p, &det), WFAD_EINVAL);
	CHECK(det == NULL);
	free_gset(&tr);
}
