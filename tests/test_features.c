/* Tests of the features module: columns, transformation medians, normalisers, save/load. */
#include <float.h>
#include <stdlib.h>

#include "test.h"
#include "wfad/features.h"
#include "wfad/ingest.h"

/* A hand-built dataset of three runs over five jobs:
 *   create_dir_0 -> proc_ID1, proc_ID2, proc_ID3 -> merge_ID4   (depths 0, 1, 1, 1, 2)
 * Runs 0 and 1 are the training runs; run 2 is a test run whose proc_ID3 has the transformation
 * "novel", never seen in training. N = missing. */
#define N NAN
enum { T_NODES = 5, T_RUNS = 3 };
static const char *const node_names[T_NODES] = {"create_dir_0", "proc_ID1", "proc_ID2",
						"proc_ID3", "merge_ID4"};
static const double runtime_tab[T_RUNS][T_NODES] = {
	{1, 10, 20, 30, 5},
	{3, 40, 50, N, 7},
	{2, 100, 30, 15, 6},
};
static const double cpu_tab[T_RUNS][T_NODES] = {
	{N, 1, 2, 3, 0},
	{N, 4, N, N, 0},
	{0.7, 60, 3, 1, 0.5},
};
static const double wms_tab[T_RUNS][T_NODES] = {
	{1, 2, 3, 4, 5},
	{N, 2.5, 3.5, 4.5, 5.5},
	{1, 1, 1, 1, N},
};
#undef N

static void intern_tr(struct wfad_dataset *ds, const char *name, uint32_t *id)
{
	CHECK_INT(wfad_strings_intern(&ds->strings, name, strlen(name), id), WFAD_OK);
}

/* Builds the dataset; reverse interns the strings in another order (with a host name first), so
 * transformation ids differ while the names are the same. */
static void make_dataset(struct wfad_dataset *ds, bool reverse)
{
	struct wfad_error err = {0};
	wfad_dataset_init(ds);
	ds->dag.n_nodes = T_NODES;
	ds->dag.node_ids = wfad_arena_alloc(&ds->arena, T_NODES * sizeof(*ds->dag.node_ids));
	for (size_t i = 0; i < T_NODES; i++) {
		uint32_t id;
		CHECK_INT(wfad_strings_intern(&ds->dag.ids, node_names[i], strlen(node_names[i]),
					      &id),
			  WFAD_OK);
		ds->dag.node_ids[i] = ds->dag.ids.items[id];
	}
	const uint32_t parents[] = {0, 0, 0, 1, 2, 3}, children[] = {1, 2, 3, 4, 4, 4};
	CHECK_OK(wfad_dag_build(ds, parents, children, 6, "test", &err), &err);

	uint32_t create, proc, merge, novel, host;
	if (reverse) {
		intern_tr(ds, "worker-1", &host);
		intern_tr(ds, "novel", &novel);
		intern_tr(ds, "merge", &merge);
		intern_tr(ds, "proc", &proc);
		intern_tr(ds, "create_dir", &create);
	} else {
		intern_tr(ds, "create_dir", &create);
		intern_tr(ds, "proc", &proc);
		intern_tr(ds, "merge", &merge);
		intern_tr(ds, "novel", &novel);
		intern_tr(ds, "worker-1", &host);
	}
	for (size_t r = 0; r < T_RUNS; r++) {
		char id[32];
		snprintf(id, sizeof(id), "run%zu", r);
		struct wfad_run *run;
		CHECK_INT(wfad_dataset_add_run(ds, id, "normal", "test", &run), WFAD_OK);
		for (size_t i = 0; i < T_NODES; i++) {
			struct wfad_job *j = &run->jobs[i];
			j->f[WFAD_F_WMS_DELAY] = wms_tab[r][i];
			j->f[WFAD_F_QUEUE_DELAY] = 0.5 * (double)i + (double)r;
			j->f[WFAD_F_RUNTIME] = runtime_tab[r][i];
			j->f[WFAD_F_POST_SCRIPT_DELAY] = 5.0; /* constant */
			j->f[WFAD_F_CPU_TIME] = cpu_tab[r][i];
			j->host = host;
			j->type = i == 0 ? WFAD_JOB_AUXILIARY : WFAD_JOB_COMPUTE;
			j->transformation = i == 0 ? create : i == 4 ? merge : proc;
		}
		run->jobs[0].f[WFAD_F_STAGE_IN_DELAY] = 2.0;
		run->jobs[0].f[WFAD_F_STAGE_IN_BYTES] = 1000.0;
		run->jobs[1].f[WFAD_F_ONLINE_IOWAIT] = -3.0;
		if (r == 2)
			run->jobs[3].transformation = novel;
	}
}

static const size_t train_runs[] = {0, 1};
static const size_t all_runs[] = {0, 1, 2};

/* Fits on runs 0 and 1 and transforms all three runs into a malloc'ed matrix. */
static float *fit_transform(struct wfad_featurizer *fz, const struct wfad_dataset *ds,
			    enum wfad_feature_set set, enum wfad_norm norm)
{
	struct wfad_error err = {0};
	wfad_featurizer_init(fz);
	CHECK_OK(wfad_features_fit(fz, set, norm, ds, train_runs, 2, &err), &err);
	size_t n_cols = wfad_features_n_cols(fz);
	float *x = malloc(T_RUNS * T_NODES * n_cols * sizeof(*x));
	CHECK_OK(wfad_features_transform(fz, ds, all_runs, T_RUNS, x, &err), &err);
	return x;
}

static size_t col_of(const struct wfad_featurizer *fz, const char *name)
{
	for (size_t c = 0; c < wfad_features_n_cols(fz); c++)
		if (strcmp(wfad_features_column_name(fz, c), name) == 0)
			return c;
	printf("  no column %s\n", name);
	wfad_test_failures++;
	return 0;
}

/* Value of column name in row (run, node). */
static float at(const struct wfad_featurizer *fz, const float *x, size_t run, size_t node,
		const char *name)
{
	return x[(run * T_NODES + node) * wfad_features_n_cols(fz) + col_of(fz, name)];
}

WFAD_TEST(features_delays_exact_values)
{
	struct wfad_dataset ds;
	make_dataset(&ds, false);
	struct wfad_featurizer fz;
	float *x = fit_transform(&fz, &ds, WFAD_FEATURES_DELAYS, WFAD_NORM_NONE);
	CHECK_INT(wfad_features_n_cols(&fz), 7);
	const uint32_t depth[T_NODES] = {0, 1, 1, 1, 2};
	for (size_t r = 0; r < T_RUNS; r++) {
		for (size_t i = 0; i < T_NODES; i++) {
			const float *row = x + (r * T_NODES + i) * 7;
			double wms = wms_tab[r][i], rt = runtime_tab[r][i];
			CHECK(row[0] == (isnan(wms) ? 0.0f : (float)wms)); /* NaN -> 0 */
			CHECK(row[1] == (float)(0.5 * (double)i + (double)r));
			CHECK(row[2] == (isnan(rt) ? 0.0f : (float)rt));
			CHECK(row[3] == 5.0f);
			CHECK(row[4] == (i == 0 ? 2.0f : 0.0f));
			CHECK(row[5] == 0.0f); /* never observed */
			CHECK(row[6] == (float)depth[i]);
		}
	}
	/* runs == NULL means the first n_runs runs. */
	float *y = malloc(T_RUNS * T_NODES * 7 * sizeof(*y));
	struct wfad_error err = {0};
	CHECK_OK(wfad_features_transform(&fz, &ds, NULL, T_RUNS, y, &err), &err);
	CHECK_INT(memcmp(x, y, T_RUNS * T_NODES * 7 * sizeof(*x)), 0);
	/* A subset in another order comes out in that order. */
	const size_t order[] = {2, 0};
	CHECK_OK(wfad_features_transform(&fz, &ds, order, 2, y, &err), &err);
	CHECK_INT(memcmp(y, x + 2 * T_NODES * 7, T_NODES * 7 * sizeof(*x)), 0);
	CHECK_INT(memcmp(y + T_NODES * 7, x, T_NODES * 7 * sizeof(*x)), 0);
	free(y);
	free(x);
	wfad_featurizer_free(&fz);
	wfad_dataset_free(&ds);
}

WFAD_TEST(features_transformation_medians)
{
	struct wfad_dataset ds;
	make_dataset(&ds, false);
	struct wfad_featurizer fz;
	float *x = fit_transform(&fz, &ds, WFAD_FEATURES_RICH, WFAD_NORM_NONE);
	double rt = 0, cpu = 0;
	CHECK(wfad_features_transformation_median(&fz, "proc", &rt, &cpu));
	CHECK(rt == 30.0); /* 10 20 30 40 50: odd count (one missing) */
	CHECK(cpu == 2.5); /* 1 2 3 4: even count */
	CHECK(wfad_features_transformation_median(&fz, "merge", &rt, &cpu));
	CHECK(rt == 6.0);  /* 5 7 */
	CHECK(cpu == 0.0); /* 0 0 */
	CHECK(wfad_features_transformation_median(&fz, "create_dir", &rt, &cpu));
	CHECK(rt == 2.0);
	CHECK(isnan(cpu)); /* seen, but never with a cpu time */
	CHECK(!wfad_features_transformation_median(&fz, "novel", &rt, &cpu)); /* test run only */
	CHECK(!wfad_features_transformation_median(&fz, "worker-1", &rt, &cpu));
	CHECK_INT(fz.n_transformations, 3);
	free(x);

	/* Fitted on all runs, "novel" has one value. */
	struct wfad_error err = {0};
	CHECK_OK(wfad_features_fit(&fz, WFAD_FEATURES_RICH, WFAD_NORM_NONE, &ds, NULL, 3, &err),
		 &err);
	CHECK(wfad_features_transformation_median(&fz, "novel", &rt, &cpu));
	CHECK(rt == 15.0 && cpu == 1.0);
	CHECK(wfad_features_transformation_median(&fz, "proc", &rt, &cpu));
	CHECK(rt == 30.0); /* 10 20 30 40 50 100 30: median of 7 */
	CHECK(cpu == 3.0); /* 1 2 3 4 60 3 */
	wfad_featurizer_free(&fz);
	wfad_dataset_free(&ds);
}

WFAD_TEST(features_relative_to_transformation)
{
	struct wfad_dataset ds;
	make_dataset(&ds, false);
	struct wfad_featurizer fz;
	float *x = fit_transform(&fz, &ds, WFAD_FEATURES_RICH, WFAD_NORM_NONE);
	const char *rr = "runtime_rel_transformation", *cr = "cpu_time_rel_transformation";
	CHECK(at(&fz, x, 0, 1, rr) == (float)(10.0 / 30.0));
	CHECK(at(&fz, x, 2, 1, rr) == (float)(100.0 / 30.0));
	CHECK(at(&fz, x, 2, 4, rr) == 1.0f); /* merge: 6 / 6 */
	CHECK(at(&fz, x, 2, 1, cr) == (float)(60.0 / 2.5));
	/* merge's cpu median is 0: the divisor is the floor. */
	CHECK(at(&fz, x, 2, 4, cr) == (float)(0.5 / WFAD_FEATURES_MEDIAN_FLOOR));
	CHECK(at(&fz, x, 0, 4, cr) == 0.0f);
	CHECK(at(&fz, x, 0, 4, "missing_cpu_time_rel_transformation") == 0.0f);
	/* A missing runtime gives a missing ratio. */
	CHECK(at(&fz, x, 1, 3, rr) == 0.0f);
	CHECK(at(&fz, x, 1, 3, "missing_runtime_rel_transformation") == 1.0f);
	/* create_dir has a cpu time in run 2 but no fitted median: the ratio is missing. */
	CHECK(at(&fz, x, 2, 0, "missing_cpu_time") == 0.0f);
	CHECK(at(&fz, x, 2, 0, "log_cpu_time") == (float)log1p(0.7));
	CHECK(at(&fz, x, 2, 0, cr) == 0.0f);
	CHECK(at(&fz, x, 2, 0, "missing_cpu_time_rel_transformation") == 1.0f);
	free(x);
	wfad_featurizer_free(&fz);
	wfad_dataset_free(&ds);
}

WFAD_TEST(features_unseen_transformation_is_missing)
{
	struct wfad_dataset ds;
	make_dataset(&ds, false);
	struct wfad_featurizer fz;
	float *x = fit_transform(&fz, &ds, WFAD_FEATURES_RICH, WFAD_NORM_NONE);
	/* run 2, proc_ID3 is "novel": runtime present, both ratios missing. */
	CHECK(at(&fz, x, 2, 3, "runtime") == 15.0f);
	CHECK(at(&fz, x, 2, 3, "missing_runtime") == 0.0f);
	CHECK(at(&fz, x, 2, 3, "runtime_rel_transformation") == 0.0f);
	CHECK(at(&fz, x, 2, 3, "missing_runtime_rel_transformation") == 1.0f);
	CHECK(at(&fz, x, 2, 3, "missing_cpu_time_rel_transformation") == 1.0f);
	/* Its neighbour of a seen transformation is not missing. */
	CHECK(at(&fz, x, 2, 2, "missing_runtime_rel_transformation") == 0.0f);
	CHECK(at(&fz, x, 2, 2, "runtime_rel_transformation") == 1.0f); /* 30 / 30 */
	free(x);
	wfad_featurizer_free(&fz);
	wfad_dataset_free(&ds);
}

WFAD_TEST(features_rich_logs_indicators_onehot)
{
	struct wfad_dataset ds;
	make_dataset(&ds, false);
	struct wfad_featurizer fz;
	float *x = fit_transform(&fz, &ds, WFAD_FEATURES_RICH, WFAD_NORM_NONE);
	CHECK(at(&fz, x, 0, 0, "log_stage_in_bytes") == (float)log1p(1000.0));
	CHECK(at(&fz, x, 0, 0, "missing_stage_in_bytes") == 0.0f);
	CHECK(at(&fz, x, 0, 1, "log_stage_in_bytes") == 0.0f);
	CHECK(at(&fz, x, 0, 1, "missing_stage_in_bytes") == 1.0f);
	CHECK(at(&fz, x, 0, 1, "log_online_iowait") == (float)-log1p(3.0)); /* signed */
	CHECK(at(&fz, x, 0, 2, "missing_online_iowait") == 1.0f);
	CHECK(at(&fz, x, 1, 0, "missing_wms_delay") == 1.0f);
	CHECK(at(&fz, x, 0, 0, "missing_wms_delay") == 0.0f);
	CHECK(at(&fz, x, 0, 0, "missing_stage_out_delay") == 1.0f);
	CHECK(at(&fz, x, 0, 0, "type_auxiliary") == 1.0f);
	CHECK(at(&fz, x, 0, 0, "type_compute") == 0.0f);
	CHECK(at(&fz, x, 1, 4, "type_compute") == 1.0f);
	CHECK(at(&fz, x, 1, 4, "depth") == 2.0f);
	/* Every entry finite; indicators and one-hot exactly 0 or 1. */
	size_t n_cols = wfad_features_n_cols(&fz);
	size_t first_ind = col_of(&fz, "missing_wms_delay");
	for (size_t k = 0; k < T_RUNS * T_NODES * n_cols; k++) {
		CHECK(isfinite(x[k]));
		if (k % n_cols >= first_ind)
			CHECK(x[k] == 0.0f || x[k] == 1.0f);
	}
	free(x);
	wfad_featurizer_free(&fz);
	wfad_dataset_free(&ds);
}

WFAD_TEST(features_huge_and_infinite_values)
{
	struct wfad_dataset ds;
	make_dataset(&ds, false);
	ds.runs[2].jobs[1].f[WFAD_F_RUNTIME] = 1e300;    /* beyond float: saturates */
	ds.runs[2].jobs[2].f[WFAD_F_RUNTIME] = INFINITY; /* not a measurement: missing */
	ds.runs[0].jobs[2].f[WFAD_F_QUEUE_DELAY] = -INFINITY;
	ds.runs[1].jobs[2].f[WFAD_F_RUNTIME] = INFINITY; /* was 50, a training value */
	struct wfad_featurizer fz;
	float *x = fit_transform(&fz, &ds, WFAD_FEATURES_RICH, WFAD_NORM_NONE);
	CHECK(at(&fz, x, 2, 1, "runtime") == FLT_MAX);
	CHECK(at(&fz, x, 2, 1, "log_cpu_time") == (float)log1p(60.0));
	CHECK(at(&fz, x, 2, 2, "runtime") == 0.0f);
	CHECK(at(&fz, x, 2, 2, "missing_runtime") == 1.0f);
	CHECK(at(&fz, x, 2, 2, "missing_runtime_rel_transformation") == 1.0f);
	CHECK(at(&fz, x, 0, 2, "missing_queue_delay") == 1.0f);
	CHECK(at(&fz, x, 1, 2, "missing_runtime") == 1.0f);
	/* The infinite training value did not enter the fitted median: 10 20 30 40. */
	double rt = 0;
	CHECK(wfad_features_transformation_median(&fz, "proc", &rt, NULL));
	CHECK(rt == 25.0);
	free(x);
	wfad_featurizer_free(&fz);
	wfad_dataset_free(&ds);
}

WFAD_TEST(features_minmax_fitted_on_train_rows_only)
{
	struct wfad_dataset ds;
	make_dataset(&ds, false);
	struct wfad_featurizer fz;
	float *x = fit_transform(&fz, &ds, WFAD_FEATURES_DELAYS, WFAD_NORM_MINMAX);
	/* runtime over the training runs: min 1, max 50. */
	CHECK(fz.center[2] == 1.0 && fz.scale[2] == 49.0);
	CHECK(at(&fz, x, 0, 0, "runtime") == 0.0f);
	CHECK(at(&fz, x, 1, 2, "runtime") == 1.0f);
	CHECK(at(&fz, x, 2, 1, "runtime") > 1.0f); /* 100 in the test run */
	CHECK(at(&fz, x, 2, 1, "runtime") == (float)(99.0 / 49.0));
	CHECK(at(&fz, x, 0, 4, "depth") == 1.0f);
	/* Training rows stay within [0, 1]. */
	for (size_t k = 0; k < 2 * T_NODES * 7; k++)
		CHECK(x[k] >= 0.0f && x[k] <= 1.0f);
	free(x);
	wfad_featurizer_free(&fz);
	wfad_dataset_free(&ds);
}

WFAD_TEST(features_standard_constant_column_is_zero)
{
	struct wfad_dataset ds;
	make_dataset(&ds, false);
	struct wfad_featurizer fz;
	float *x = fit_transform(&fz, &ds, WFAD_FEATURES_RICH, WFAD_NORM_STANDARD);
	size_t n_cols = wfad_features_n_cols(&fz);
	for (size_t k = 0; k < T_RUNS * T_NODES * n_cols; k++)
		CHECK(isfinite(x[k]));
	size_t psd = col_of(&fz, "post_script_delay");
	CHECK(fz.center[psd] == 5.0 && fz.scale[psd] == 1.0);
	for (size_t r = 0; r < T_RUNS; r++)
		for (size_t i = 0; i < T_NODES; i++)
			CHECK(at(&fz, x, r, i, "post_script_delay") == 0.0f);
	/* Observed training runtimes come out with mean 0 and (population) variance 1. */
	double sum = 0, sq = 0;
	int n = 0;
	for (size_t r = 0; r < 2; r++) {
		for (size_t i = 0; i < T_NODES; i++) {
			if (isnan(runtime_tab[r][i]))
				continue;
			double v = at(&fz, x, r, i, "runtime");
			sum += v;
			sq += v * v;
			n++;
		}
	}
	CHECK_INT(n, 9);
	CHECK_NEAR(sum / n, 0.0, 1e-6);
	CHECK_NEAR(sq / n, 1.0, 1e-6);
	/* Indicator columns are not scaled. */
	size_t ind = col_of(&fz, "missing_wms_delay");
	CHECK(fz.center[ind] == 0.0 && fz.scale[ind] == 1.0);
	free(x);
	wfad_featurizer_free(&fz);
	wfad_dataset_free(&ds);
}

WFAD_TEST(features_robust_median_iqr)
{
	struct wfad_dataset ds;
	make_dataset(&ds, false);
	struct wfad_featurizer fz;
	float *x = fit_transform(&fz, &ds, WFAD_FEATURES_DELAYS, WFAD_NORM_ROBUST);
	/* Training runtimes sorted: 1 3 5 7 10 20 30 40 50 -> median 10, q25 5, q75 30. */
	CHECK(fz.center[2] == 10.0 && fz.scale[2] == 25.0);
	CHECK(at(&fz, x, 2, 1, "runtime") == (float)(90.0 / 25.0));
	/* depth 0 1 1 1 2 twice: IQR 0 -> scale 1. */
	CHECK(fz.center[6] == 1.0 && fz.scale[6] == 1.0);
	free(x);
	wfad_featurizer_free(&fz);
	wfad_dataset_free(&ds);
}

WFAD_TEST(features_transfer_across_interners)
{
	struct wfad_dataset a, b;
	make_dataset(&a, false);
	make_dataset(&b, true);
	struct wfad_featurizer fa, fb;
	float *xa = fit_transform(&fa, &a, WFAD_FEATURES_RICH, WFAD_NORM_STANDARD);
	float *xb = fit_transform(&fb, &b, WFAD_FEATURES_RICH, WFAD_NORM_STANDARD);
	size_t n = T_RUNS * T_NODES * wfad_features_n_cols(&fa);
	CHECK_INT(memcmp(xa, xb, n * sizeof(*xa)), 0);
	/* Fitted on a, applied to b. */
	struct wfad_error err = {0};
	CHECK_OK(wfad_features_transform(&fa, &b, NULL, T_RUNS, xb, &err), &err);
	CHECK_INT(memcmp(xa, xb, n * sizeof(*xa)), 0);
	/* The blobs are identical: names are stored sorted. */
	unsigned char *ba = NULL, *bb = NULL;
	size_t la = 0, lb = 0;
	CHECK_INT(wfad_features_save_buffer(&fa, &ba, &la), WFAD_OK);
	CHECK_INT(wfad_features_save_buffer(&fb, &bb, &lb), WFAD_OK);
	CHECK_INT(la, lb);
	CHECK(la == lb && memcmp(ba, bb, la) == 0);
	free(ba);
	free(bb);
	free(xa);
	free(xb);
	wfad_featurizer_free(&fa);
	wfad_featurizer_free(&fb);
	wfad_dataset_free(&a);
	wfad_dataset_free(&b);
}

WFAD_TEST(features_save_load_roundtrip_bitwise)
{
	struct wfad_dataset ds;
	make_dataset(&ds, false);
	struct wfad_featurizer fz;
	float *x = fit_transform(&fz, &ds, WFAD_FEATURES_RICH, WFAD_NORM_ROBUST);
	size_t n = T_RUNS * T_NODES * wfad_features_n_cols(&fz);
	float *y = malloc(n * sizeof(*y));
	struct wfad_error err = {0};

	unsigned char *buf = NULL;
	size_t len = 0, used = 0;
	CHECK_INT(wfad_features_save_buffer(&fz, &buf, &len), WFAD_OK);
	struct wfad_featurizer back;
	wfad_featurizer_init(&back);
	CHECK_OK(wfad_features_load_buffer(&back, buf, len, &used, &err), &err);
	CHECK_INT(used, len);
	CHECK_INT(back.set, WFAD_FEATURES_RICH);
	CHECK_INT(back.norm, WFAD_NORM_ROBUST);
	CHECK_OK(wfad_features_transform(&back, &ds, NULL, T_RUNS, y, &err), &err);
	CHECK_INT(memcmp(x, y, n * sizeof(*x)), 0);

	/* Through a FILE, followed by other data: load consumes exactly the blob. */
	FILE *f = tmpfile();
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(wfad_features_save(&fz, f), WFAD_OK);
		fputs("TAIL", f);
		rewind(f);
		struct wfad_featurizer back2;
		wfad_featurizer_init(&back2);
		CHECK_OK(wfad_features_load(&back2, f, &err), &err);
		char tail[5] = {0};
		CHECK_INT(fread(tail, 1, 4, f), 4);
		CHECK_STR(tail, "TAIL");
		memset(y, 0, n * sizeof(*y));
		CHECK_OK(wfad_features_transform(&back2, &ds, NULL, T_RUNS, y, &err), &err);
		CHECK_INT(memcmp(x, y, n * sizeof(*x)), 0);
		wfad_featurizer_free(&back2);
		fclose(f);
	}
	/* Loading over a fitted featurizer replaces it. */
	CHECK_OK(wfad_features_load_buffer(&back, buf, len, NULL, &err), &err);
	free(buf);
	free(x);
	free(y);
	wfad_featurizer_free(&back);
	wfad_featurizer_free(&fz);
	wfad_dataset_free(&ds);
}

WFAD_TEST(features_load_rejects_bad_blobs)
{
	struct wfad_dataset ds;
	make_dataset(&ds, false);
	struct wfad_featurizer fz;
	float *x = fit_transform(&fz, &ds, WFAD_FEATURES_RICH, WFAD_NORM_MINMAX);
	unsigned char *buf = NULL;
	size_t len = 0;
	CHECK_INT(wfad_features_save_buffer(&fz, &buf, &len), WFAD_OK);
	/* A delays featurizer as the victim: failed loads must leave it untouched. */
	struct wfad_featurizer victim;
	float *unused = fit_transform(&victim, &ds, WFAD_FEATURES_DELAYS, WFAD_NORM_NONE);
	struct wfad_error err;

	/* Every truncation is a parse error with a message. */
	int bad_prefix = 0;
	for (size_t k = 0; k < len; k++) {
		wfad_error_clear(&err);
		enum wfad_status st = wfad_features_load_buffer(&victim, buf, k, NULL, &err);
		bad_prefix += st != WFAD_EPARSE || err.status != WFAD_EPARSE || !err.message[0];
	}
	CHECK_INT(bad_prefix, 0);
	CHECK(strstr(err.message, "truncated") != NULL);

	/* Through a FILE too. */
	FILE *f = tmpfile();
	CHECK(f != NULL);
	if (f) {
		CHECK_INT(fwrite(buf, 1, len / 2, f), len / 2);
		rewind(f);
		wfad_error_clear(&err);
		CHECK_INT(wfad_features_load(&victim, f, &err), WFAD_EPARSE);
		fclose(f);
	}

	unsigned char *copy = malloc(len);
	memcpy(copy, buf, len);
	copy[0] = 'X'; /* foreign magic */
	wfad_error_clear(&err);
	CHECK_INT(wfad_features_load_buffer(&victim, copy, len, NULL, &err), WFAD_EFORMAT);
	CHECK(strstr(err.message, "magic") != NULL);

	memcpy(copy, buf, len);
	copy[8] = 2; /* unknown version */
	CHECK_INT(wfad_features_load_buffer(&victim, copy, len, NULL, &err), WFAD_EFORMAT);

	memcpy(copy, buf, len);
	copy[12] = 7; /* unknown feature set */
	CHECK_INT(wfad_features_load_buffer(&victim, copy, len, NULL, &err), WFAD_EPARSE);

	/* One flipped bit anywhere after the header is caught (by a check or the checksum). */
	int missed = 0;
	for (size_t k = 28; k < len; k++) {
		memcpy(copy, buf, len);
		copy[k] ^= 0x10;
		enum wfad_status st = wfad_features_load_buffer(&victim, copy, len, NULL, &err);
		missed += st == WFAD_OK;
	}
	CHECK_INT(missed, 0);
	CHECK(victim.fitted && victim.set == WFAD_FEATURES_DELAYS && victim.n_cols == 7);

	free(copy);
	free(buf);
	free(x);
	free(unused);
	wfad_featurizer_free(&victim);
	wfad_featurizer_free(&fz);
	wfad_dataset_free(&ds);
}

WFAD_TEST(features_column_names)
{
	struct wfad_featurizer fz;
	wfad_featurizer_init(&fz);
	CHECK_INT(wfad_feature_set_n_cols(WFAD_FEATURES_DELAYS), 7);
	CHECK_INT(wfad_feature_set_n_cols(WFAD_FEATURES_RICH), 46);
	const char *delays[] = {"wms_delay",      "queue_delay",     "runtime", "post_script_delay",
				"stage_in_delay", "stage_out_delay", "depth"};
	for (size_t c = 0; c < 7; c++)
		CHECK_STR(wfad_features_column_name(&fz, c), delays[c]);
	fz.set = WFAD_FEATURES_RICH;
	CHECK_INT(wfad_features_n_cols(&fz), 46);
	CHECK_STR(wfad_features_column_name(&fz, 2), "runtime");
	CHECK_STR(wfad_features_column_name(&fz, 7), "log_stage_in_bytes");
	CHECK_STR(wfad_features_column_name(&fz, 19), "runtime_rel_transformation");
	CHECK_STR(wfad_features_column_name(&fz, 45), "type_subwf");
	const char *must[] = {"missing_cpu_time", "type_compute", "log_cpu_time",
			      "log_online_bytes_written_per_second", "missing_runtime",
			      "cpu_time_rel_transformation"};
	for (size_t k = 0; k < sizeof(must) / sizeof(must[0]); k++)
		col_of(&fz, must[k]);
	for (size_t a = 0; a < 46; a++)
		for (size_t b = a + 1; b < 46; b++)
			CHECK(strcmp(wfad_features_column_name(&fz, a),
				     wfad_features_column_name(&fz, b)) != 0);
	wfad_featurizer_free(&fz);
}

WFAD_TEST(features_parse_names)
{
	enum wfad_feature_set set = WFAD_FEATURES_RICH;
	CHECK_INT(wfad_feature_set_parse("delays", &set), WFAD_OK);
	CHECK_INT(set, WFAD_FEATURES_DELAYS);
	CHECK_INT(wfad_feature_set_parse("rich", &set), WFAD_OK);
	CHECK_INT(set, WFAD_FEATURES_RICH);
	CHECK_INT(wfad_feature_set_parse("Rich", &set), WFAD_EINVAL);
	CHECK_INT(wfad_feature_set_parse(NULL, &set), WFAD_EINVAL);
	CHECK_INT(set, WFAD_FEATURES_RICH);
	for (int i = 0; i < WFAD_NORM_COUNT; i++) {
		enum wfad_norm norm = WFAD_NORM_COUNT;
		CHECK_INT(wfad_norm_parse(wfad_norm_name((enum wfad_norm)i), &norm), WFAD_OK);
		CHECK_INT(norm, i);
	}
	enum wfad_norm norm = WFAD_NORM_NONE;
	CHECK_INT(wfad_norm_parse("zscore", &norm), WFAD_EINVAL);
	CHECK_STR(wfad_norm_name(WFAD_NORM_MINMAX), "minmax");
	CHECK_STR(wfad_feature_set_name(WFAD_FEATURES_DELAYS), "delays");
}

WFAD_TEST(features_fit_rejects_empty_training)
{
	struct wfad_dataset ds;
	make_dataset(&ds, false);
	struct wfad_featurizer fz;
	wfad_featurizer_init(&fz);
	struct wfad_error err = {0};
	CHECK_INT(wfad_features_fit(&fz, WFAD_FEATURES_RICH, WFAD_NORM_MINMAX, &ds, NULL, 0, &err),
		  WFAD_EINVAL);
	CHECK(strstr(err.message, "no training runs") != NULL);
	CHECK(!fz.fitted && fz.center == NULL);
	wfad_featurizer_free(&fz);
	wfad_featurizer_free(&fz); /* free accepts a zeroed struct */
	wfad_dataset_free(&ds);
}

/* Real Flow-Bench runs of 1000-genome: every entry finite, one job type per row, indicators
 * binary, and the main transformation has a median. */
WFAD_TEST(features_real_flowbench_1000genome)
{
	const char *dag = wfad_test_shared_path("data/flowbench/adjacency_list_dags/1000genome.json");
	if (!dag) {
		SKIP("no ../shared/data/flowbench");
		return;
	}
	static const char *const files[] = {
		"normal/1000-genome-run0009.csv", "normal/1000-genome-run0010.csv",
		"normal/1000-genome-run0011.csv", "cpu_2/1000-genome-run0059.csv",
		"normal/1000-genome-run0012.csv", "hdd_10/1000-genome-run0209.csv",
	};
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	struct wfad_error err = {0};
	CHECK_OK(wfad_dag_json_load(&ds, dag, &err), &err);
	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]) && ds.dag.n_nodes; k++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "data/flowbench/parsed/%s", files[k]);
		const char *path = wfad_test_shared_path(rel);
		CHECK(path != NULL);
		char *data = NULL;
		size_t len = 0;
		if (!path || wfad_read_file(path, 1 << 24, &data, &len, &err) != WFAD_OK)
			continue;
		CHECK_OK(wfad_flowbench_parse_run(&ds, data, len, files[k], files[k], NULL, &err),
			 &err);
		free(data);
	}
	CHECK_INT(ds.n_runs, 6);
	if (ds.n_runs != 6) {
		wfad_dataset_free(&ds);
		return;
	}
	struct wfad_featurizer fz;
	wfad_featurizer_init(&fz);
	const size_t train[] = {0, 1, 2, 3};
	CHECK_OK(wfad_features_fit(&fz, WFAD_FEATURES_RICH, WFAD_NORM_STANDARD, &ds, train, 4,
				   &err),
		 &err);
	size_t n_cols = wfad_features_n_cols(&fz), rows = ds.n_runs * ds.dag.n_nodes;
	float *x = malloc(rows * n_cols * sizeof(*x));
	CHECK_OK(wfad_features_transform(&fz, &ds, NULL, ds.n_runs, x, &err), &err);
	size_t first_ind = col_of(&fz, "missing_wms_delay"), first_type = col_of(&fz, "type_unknown");
	int not_finite = 0, bad_type = 0, bad_ind = 0;
	for (size_t i = 0; i < rows; i++) {
		const float *row = x + i * n_cols;
		float types = 0;
		for (size_t c = 0; c < n_cols; c++) {
			not_finite += !isfinite(row[c]);
			if (c >= first_ind)
				bad_ind += row[c] != 0.0f && row[c] != 1.0f;
			if (c >= first_type)
				types += row[c];
		}
		bad_type += types != 1.0f;
	}
	CHECK_INT(not_finite, 0);
	CHECK_INT(bad_type, 0);
	CHECK_INT(bad_ind, 0);
	double rt, cpu;
	CHECK(wfad_features_transformation_median(&fz, "individuals", &rt, &cpu));
	CHECK(rt > 0 && cpu > 0);
	free(x);
	wfad_featurizer_free(&fz);
	wfad_dataset_free(&ds);
}
