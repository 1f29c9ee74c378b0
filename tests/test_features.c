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
static const char *const node_names[T_NODES] = {"create_dir_0", "proc_ID1", "proc_ID2", "proc_ID3",
						"merge_ID4"};
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
	copy[8] = 99; /* unknown version */
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
	const char *must[] = {"missing_cpu_time", "type_compute",
			      "log_cpu_time",     "log_online_bytes_written_per_second",
			      "missing_runtime",  "cpu_time_rel_transformation"};
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
	const char *dag =
		wfad_test_shared_path("data/flowbench/adjacency_list_dags/1000genome.json");
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
	CHECK_OK(
		wfad_features_fit(&fz, WFAD_FEATURES_RICH, WFAD_NORM_STANDARD, &ds, train, 4, &err),
		&err);
	size_t n_cols = wfad_features_n_cols(&fz), rows = ds.n_runs * ds.dag.n_nodes;
	float *x = malloc(rows * n_cols * sizeof(*x));
	CHECK_OK(wfad_features_transform(&fz, &ds, NULL, ds.n_runs, x, &err), &err);
	size_t first_ind = col_of(&fz, "missing_wms_delay"),
	       first_type = col_of(&fz, "type_unknown");
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

/* Context set: a hand-built dataset over the same five-node DAG, with worker hosts.
 *   node 0 create_dir (auxiliary, host "local"), nodes 1-3 proc (compute), node 4 merge
 *   (compute); nodes 1 and 3 run on "w1", nodes 2 and 4 on "w2".
 * Delays are exp(a) so their logs are the numbers below (all above log 0.1). Runs 0 and 1
 * train, run 2 is the test run. Stage and queue delays are missing everywhere. */
enum { C_RUNS = 4 };
static const double ctx_rt[C_RUNS][T_NODES] = {
	{0, 1, 2, 3, 1}, /* log runtime */
	{0, 2, 3, 4, 3},
	{0, 5, 2, 4, 2},
	{0, 5, 2, 4, 2},
};
static const double ctx_cpu[C_RUNS][T_NODES] = {
	{NAN, 0, 1, 1, 0}, /* log cpu time; create_dir has none */
	{NAN, 1, 1, 2, 0},
	{NAN, 1, 1, 2, 0},
	{NAN, 1, 1, 2, 0},
};

/* Run 3 repeats run 2 with node 4 on no host and node 3 of an unseen transformation. */
static void make_ctx_dataset(struct wfad_dataset *ds)
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
	uint32_t create, proc, merge, novel, local, w1, w2;
	intern_tr(ds, "create_dir", &create);
	intern_tr(ds, "proc", &proc);
	intern_tr(ds, "merge", &merge);
	intern_tr(ds, "novel", &novel);
	intern_tr(ds, "local", &local);
	intern_tr(ds, "w1", &w1);
	intern_tr(ds, "w2", &w2);
	const uint32_t host[T_NODES] = {local, w1, w2, w1, w2};
	for (size_t r = 0; r < C_RUNS; r++) {
		char id[32];
		snprintf(id, sizeof(id), "ctx%zu", r);
		struct wfad_run *run;
		CHECK_INT(wfad_dataset_add_run(ds, id, "normal", "test", &run), WFAD_OK);
		for (size_t i = 0; i < T_NODES; i++) {
			struct wfad_job *j = &run->jobs[i];
			j->f[WFAD_F_RUNTIME] = exp(ctx_rt[r][i]);
			j->f[WFAD_F_CPU_TIME] = isnan(ctx_cpu[r][i]) ? NAN : exp(ctx_cpu[r][i]);
			/* A stage-in rate whose log is the runtime's plus log(1000), so its z's are
			 * the runtime's; create_dir's rate 0 is no measurement. */
			j->f[WFAD_F_STAGE_IN_BPS] = i == 0 ? 0.0 : 1000.0 * exp(ctx_rt[r][i]);
			j->host = host[i];
			j->type = i == 0 ? WFAD_JOB_AUXILIARY : WFAD_JOB_COMPUTE;
			j->transformation = i == 0 ? create : i == 4 ? merge : proc;
		}
		if (r == 3) {
			run->jobs[4].host = WFAD_NO_ID;
			run->jobs[3].transformation = novel;
		}
	}
}

/* Fitted on runs 0 and 1 (train: proc runtime logs 1 2 3 2 3 4, etc.):
 *   proc  runtime: median 2.5, MAD 0.5 -> scale s = 1.4826 * 0.5
 *         cpu:     logs 0 1 1 1 1 2: median 1, MAD 0 -> scale = floor 0.1
 *         wait = runtime - cpu: 1 1 2 1 2 2: median 1.5, MAD 0.5 -> scale s
 *   merge runtime: 1 3: median 2, MAD 1 -> 1.4826; cpu 0 0 -> 0.1; wait 1 3: median 2, MAD 1
 *   create_dir runtime 0 0: median 0, MAD 0 -> 0.1; cpu and wait: never observed. */
WFAD_TEST(features_context_fitted_log_stats)
{
	struct wfad_dataset ds;
	make_ctx_dataset(&ds);
	struct wfad_featurizer fz;
	wfad_featurizer_init(&fz);
	struct wfad_error err = {0};
	CHECK_OK(wfad_features_fit(&fz, WFAD_FEATURES_CONTEXT, WFAD_NORM_NONE, &ds, train_runs, 2,
				   &err),
		 &err);
	double med = 0, mad = 0;
	CHECK(wfad_features_transformation_log_stats(&fz, "proc", WFAD_CTX_RUNTIME, &med, &mad));
	CHECK_NEAR(med, 2.5, 1e-12);
	CHECK_NEAR(mad, 0.5, 1e-12);
	CHECK(wfad_features_transformation_log_stats(&fz, "proc", WFAD_CTX_CPU_TIME, &med, &mad));
	CHECK_NEAR(med, 1.0, 1e-12);
	CHECK_NEAR(mad, 0.0, 1e-12);
	CHECK(wfad_features_transformation_log_stats(&fz, "proc", WFAD_CTX_WAIT, &med, &mad));
	CHECK_NEAR(med, 1.5, 1e-12);
	CHECK_NEAR(mad, 0.5, 1e-12);
	CHECK(wfad_features_transformation_log_stats(&fz, "merge", WFAD_CTX_RUNTIME, &med, &mad));
	CHECK_NEAR(med, 2.0, 1e-12);
	CHECK_NEAR(mad, 1.0, 1e-12);
	CHECK(wfad_features_transformation_log_stats(&fz, "create_dir", WFAD_CTX_WAIT, &med, &mad));
	CHECK(isnan(med) && isnan(mad));
	CHECK(wfad_features_transformation_log_stats(&fz, "proc", WFAD_CTX_QUEUE, &med, NULL));
	CHECK(isnan(med));
	CHECK(!wfad_features_transformation_log_stats(&fz, "novel", WFAD_CTX_RUNTIME, &med, &mad));
	/* A floored delay: log(max(0.05, 0.1)). */
	ds.runs[0].jobs[0].f[WFAD_F_RUNTIME] = 0.05;
	ds.runs[1].jobs[0].f[WFAD_F_RUNTIME] = 0.05;
	CHECK_OK(wfad_features_fit(&fz, WFAD_FEATURES_DELAYS, WFAD_NORM_NONE, &ds, train_runs, 2,
				   &err),
		 &err);
	CHECK(wfad_features_transformation_log_stats(&fz, "create_dir", WFAD_CTX_RUNTIME, &med,
						     &mad));
	CHECK_NEAR(med, log(WFAD_FEATURES_LOG_FLOOR), 1e-12);
	wfad_featurizer_free(&fz);
	wfad_dataset_free(&ds);
}

/* Test run 2 (logs: runtime 0 5 2 4 2, cpu - 1 1 2 0), with s = 1.4826 * 0.5:
 *   z_runtime: node1 (5-2.5)/s = 3.372, node2 (2-2.5)/s = -0.674, node3 (4-2.5)/s = 2.023,
 *              node4 (2-2)/1.4826 = 0, node0 (0-0)/0.1 = 0
 *   z_wait:    node1 (4-1.5)/s, node2 (1-1.5)/s, node3 (2-1.5)/s, node4 0, node0 missing
 *   z_cpu:     node3 (2-1)/0.1 = 10 (the clip), the others 0
 *   rel_runtime: in-run proc median 4 -> node1 (5-4)/s, node2 (2-4)/s, node3 0; merge 0
 *   hosts: w1 = {1, 3}, w2 = {2, 4}; "local" ran no compute job.
 *   host_mean_runtime: w1 (3.372+2.023)/2 = 2.698, w2 (-0.674+0)/2 = -0.337;
 *   host_max_runtime: w1 3.372, w2 0; median host (of two) 1.180; host_rel w1 +1.518,
 *   w2 -1.518. Evidence e = z_runtime + z_wait: node1 6.745, node3 2.698, node2 -1.349,
 *   node4 0; host means w1 4.721, w2 -0.674, median 2.024; evidence = mean - 0.5 median:
 *   w1 3.710, w2 -1.686. */
WFAD_TEST(features_context_values_by_hand)
{
	struct wfad_dataset ds;
	make_ctx_dataset(&ds);
	struct wfad_featurizer fz;
	wfad_featurizer_init(&fz);
	struct wfad_error err = {0};
	CHECK_OK(wfad_features_fit(&fz, WFAD_FEATURES_CONTEXT, WFAD_NORM_NONE, &ds, train_runs, 2,
				   &err),
		 &err);
	double v[T_NODES * WFAD_CTX_VALUES];
	const size_t run2[] = {2};
	CHECK_OK(wfad_features_context_values(&fz, &ds, run2, 1, v, &err), &err);
	const double s = 1.4826 * 0.5, tol = 1e-9;
#define CV(node, idx) v[(node)*WFAD_CTX_VALUES + (idx)]
	CHECK_NEAR(CV(1, WFAD_CTX_Z + WFAD_CTX_RUNTIME), 2.5 / s, tol);
	CHECK_NEAR(CV(2, WFAD_CTX_Z + WFAD_CTX_RUNTIME), -0.5 / s, tol);
	CHECK_NEAR(CV(3, WFAD_CTX_Z + WFAD_CTX_RUNTIME), 1.5 / s, tol);
	CHECK_NEAR(CV(4, WFAD_CTX_Z + WFAD_CTX_RUNTIME), 0.0, tol);
	CHECK_NEAR(CV(0, WFAD_CTX_Z + WFAD_CTX_RUNTIME), 0.0, tol);
	CHECK_NEAR(CV(1, WFAD_CTX_Z + WFAD_CTX_WAIT), 2.5 / s, tol);
	CHECK_NEAR(CV(2, WFAD_CTX_Z + WFAD_CTX_WAIT), -0.5 / s, tol);
	CHECK_NEAR(CV(3, WFAD_CTX_Z + WFAD_CTX_WAIT), 0.5 / s, tol);
	CHECK(isnan(CV(0, WFAD_CTX_Z + WFAD_CTX_WAIT)));
	CHECK_NEAR(CV(3, WFAD_CTX_Z + WFAD_CTX_CPU_TIME), WFAD_FEATURES_Z_CLIP, tol);
	for (size_t i = 1; i < T_NODES; i++) {
		CHECK_NEAR(CV(i, WFAD_CTX_Z + WFAD_CTX_STAGE_IN_RATE),
			   CV(i, WFAD_CTX_Z + WFAD_CTX_RUNTIME), tol);
		CHECK_NEAR(CV(i, WFAD_CTX_HOST_REL + WFAD_CTX_STAGE_IN_RATE),
			   CV(i, WFAD_CTX_HOST_REL + WFAD_CTX_RUNTIME), tol);
	}
	CHECK(isnan(CV(0, WFAD_CTX_Z + WFAD_CTX_STAGE_IN_RATE)));
	CHECK_NEAR(CV(1, WFAD_CTX_Z + WFAD_CTX_CPU_TIME), 0.0, tol);
	for (size_t i = 0; i < T_NODES; i++) {
		CHECK(isnan(CV(i, WFAD_CTX_Z + WFAD_CTX_STAGE_IN)));
		CHECK(isnan(CV(i, WFAD_CTX_Z + WFAD_CTX_QUEUE)));
		CHECK(isnan(CV(i, WFAD_CTX_HOST_MEAN + WFAD_CTX_STAGE_OUT)));
	}
	CHECK_NEAR(CV(1, WFAD_CTX_REL + WFAD_CTX_RUNTIME), 1.0 / s, tol);
	CHECK_NEAR(CV(2, WFAD_CTX_REL + WFAD_CTX_RUNTIME), -2.0 / s, tol);
	CHECK_NEAR(CV(3, WFAD_CTX_REL + WFAD_CTX_RUNTIME), 0.0, tol);
	CHECK_NEAR(CV(4, WFAD_CTX_REL + WFAD_CTX_RUNTIME), 0.0, tol);
	double w1 = (2.5 / s + 1.5 / s) / 2, w2 = (-0.5 / s + 0.0) / 2, mid = (w1 + w2) / 2;
	for (size_t i = 1; i < T_NODES; i++) {
		bool on_w1 = i == 1 || i == 3;
		CHECK_NEAR(CV(i, WFAD_CTX_HOST_MEAN + WFAD_CTX_RUNTIME), on_w1 ? w1 : w2, tol);
		CHECK_NEAR(CV(i, WFAD_CTX_HOST_MAX + WFAD_CTX_RUNTIME), on_w1 ? 2.5 / s : 0.0, tol);
		CHECK_NEAR(CV(i, WFAD_CTX_HOST_REL + WFAD_CTX_RUNTIME), (on_w1 ? w1 : w2) - mid,
			   tol);
		CHECK_NEAR(CV(i, WFAD_CTX_HOST_JOBS), 2.0, 0.0);
	}
	double e1 = (2.5 / s + 2.5 / s + 1.5 / s + 0.5 / s) / 2;
	double e2 = (-0.5 / s - 0.5 / s + 0.0) / 2, me = (e1 + e2) / 2;
	CHECK_NEAR(CV(1, WFAD_CTX_HOST_EVIDENCE), e1 - 0.5 * me, tol);
	CHECK_NEAR(CV(3, WFAD_CTX_HOST_EVIDENCE), e1 - 0.5 * me, tol);
	CHECK_NEAR(CV(2, WFAD_CTX_HOST_EVIDENCE), e2 - 0.5 * me, tol);
	CHECK_NEAR(CV(1, WFAD_CTX_HOST_EVIDENCE), 3.7097, 1e-3); /* the numbers in the comment */
	CHECK_NEAR(CV(2, WFAD_CTX_HOST_EVIDENCE), -1.6862, 1e-3);
	/* create_dir ran on "local", which ran no compute job: no host values. */
	CHECK_NEAR(CV(0, WFAD_CTX_HOST_JOBS), 0.0, 0.0);
	CHECK(isnan(CV(0, WFAD_CTX_HOST_EVIDENCE)));
	CHECK(isnan(CV(0, WFAD_CTX_HOST_MEAN + WFAD_CTX_RUNTIME)));

	/* Run 3: node 4 has no host, node 3 an unseen transformation. w1 pools node 1 (node 3 has
	 * no z but still counts as a compute job of w1); w2 has only node 2. */
	const size_t run3[] = {3};
	CHECK_OK(wfad_features_context_values(&fz, &ds, run3, 1, v, &err), &err);
	CHECK(isnan(CV(3, WFAD_CTX_Z + WFAD_CTX_RUNTIME)));
	CHECK(isnan(CV(3, WFAD_CTX_REL + WFAD_CTX_RUNTIME)));
	CHECK_NEAR(CV(3, WFAD_CTX_HOST_MEAN + WFAD_CTX_RUNTIME), 2.5 / s, tol);
	CHECK_NEAR(CV(1, WFAD_CTX_HOST_JOBS), 2.0, 0.0);
	CHECK_NEAR(CV(2, WFAD_CTX_HOST_JOBS), 1.0, 0.0);
	CHECK_NEAR(CV(2, WFAD_CTX_HOST_MEAN + WFAD_CTX_RUNTIME), -0.5 / s, tol);
	CHECK_NEAR(CV(4, WFAD_CTX_Z + WFAD_CTX_RUNTIME), 0.0, tol); /* z needs no host */
	CHECK_NEAR(CV(4, WFAD_CTX_HOST_JOBS), 0.0, 0.0);
	CHECK(isnan(CV(4, WFAD_CTX_HOST_EVIDENCE)));
	/* w1's evidence: node 1 contributes 5/s, node 3 (no z) 0. */
	double f1 = (5.0 / s + 0.0) / 2, f2 = -1.0 / s, mf = (f1 + f2) / 2;
	CHECK_NEAR(CV(1, WFAD_CTX_HOST_EVIDENCE), f1 - 0.5 * mf, tol);
	CHECK_NEAR(CV(2, WFAD_CTX_HOST_EVIDENCE), f2 - 0.5 * mf, tol);
#undef CV
	wfad_featurizer_free(&fz);
	wfad_dataset_free(&ds);
}

/* The context matrix carries the same values, 0 plus an indicator where missing, and stays
 * finite; the rich prefix equals the rich set's matrix. */
WFAD_TEST(features_context_matrix)
{
	struct wfad_dataset ds;
	make_ctx_dataset(&ds);
	struct wfad_featurizer fz, rich;
	wfad_featurizer_init(&fz);
	wfad_featurizer_init(&rich);
	struct wfad_error err = {0};
	CHECK_OK(wfad_features_fit(&fz, WFAD_FEATURES_CONTEXT, WFAD_NORM_NONE, &ds, train_runs, 2,
				   &err),
		 &err);
	CHECK_OK(wfad_features_fit(&rich, WFAD_FEATURES_RICH, WFAD_NORM_NONE, &ds, train_runs, 2,
				   &err),
		 &err);
	size_t nc = wfad_features_n_cols(&fz), nr = wfad_features_n_cols(&rich);
	CHECK_INT(nc, 105);
	float *x = malloc(C_RUNS * T_NODES * nc * sizeof(*x));
	float *y = malloc(C_RUNS * T_NODES * nr * sizeof(*y));
	CHECK_OK(wfad_features_transform(&fz, &ds, NULL, C_RUNS, x, &err), &err);
	CHECK_OK(wfad_features_transform(&rich, &ds, NULL, C_RUNS, y, &err), &err);
	int prefix_diff = 0, not_finite = 0;
	for (size_t row = 0; row < C_RUNS * T_NODES; row++) {
		prefix_diff += memcmp(x + row * nc, y + row * nr, nr * sizeof(*x)) != 0;
		for (size_t c = 0; c < nc; c++)
			not_finite += !isfinite(x[row * nc + c]);
	}
	CHECK_INT(prefix_diff, 0);
	CHECK_INT(not_finite, 0);
	const double s = 1.4826 * 0.5;
	/* Row (run 2, node 1). */
	const float *r21 = x + (2 * T_NODES + 1) * nc;
	CHECK(r21[col_of(&fz, "ctx_z_runtime")] == (float)(2.5 / s));
	CHECK(r21[col_of(&fz, "missing_ctx_runtime")] == 0.0f);
	CHECK(r21[col_of(&fz, "ctx_z_stage_in")] == 0.0f);
	CHECK(r21[col_of(&fz, "missing_ctx_stage_in")] == 1.0f);
	CHECK(r21[col_of(&fz, "ctx_z_stage_in_rate")] == (float)(2.5 / s));
	CHECK(r21[col_of(&fz, "missing_ctx_stage_in_rate")] == 0.0f);
	CHECK(r21[col_of(&fz, "ctx_host_jobs")] == 2.0f);
	CHECK(r21[col_of(&fz, "missing_ctx_host_runtime")] == 0.0f);
	CHECK(r21[col_of(&fz, "missing_ctx_host_queue")] == 1.0f);
	CHECK(r21[col_of(&fz, "missing_ctx_host_evidence")] == 0.0f);
	/* Row (run 2, node 0): no worker host. */
	const float *r20 = x + (2 * T_NODES + 0) * nc;
	CHECK(r20[col_of(&fz, "ctx_host_evidence")] == 0.0f);
	CHECK(r20[col_of(&fz, "missing_ctx_host_evidence")] == 1.0f);
	CHECK(r20[col_of(&fz, "missing_ctx_host_runtime")] == 1.0f);
	CHECK(r20[col_of(&fz, "missing_ctx_wait")] == 1.0f);
	CHECK(r20[col_of(&fz, "missing_ctx_stage_in_rate")] == 1.0f);
	CHECK(r20[col_of(&fz, "ctx_host_jobs")] == 0.0f);
	/* Standardised: the context columns are scaled like any value column. */
	CHECK_OK(wfad_features_fit(&fz, WFAD_FEATURES_CONTEXT, WFAD_NORM_STANDARD, &ds, train_runs,
				   2, &err),
		 &err);
	CHECK_OK(wfad_features_transform(&fz, &ds, NULL, C_RUNS, x, &err), &err);
	size_t hj = col_of(&fz, "ctx_host_jobs"), ind = col_of(&fz, "missing_ctx_runtime");
	CHECK(fz.scale[hj] > 0.0 && fz.center[hj] > 0.0);
	CHECK(fz.center[ind] == 0.0 && fz.scale[ind] == 1.0);
	for (size_t k = 0; k < C_RUNS * T_NODES * nc; k++)
		not_finite += !isfinite(x[k]);
	CHECK_INT(not_finite, 0);
	free(x);
	free(y);
	wfad_featurizer_free(&fz);
	wfad_featurizer_free(&rich);
	wfad_dataset_free(&ds);
}

WFAD_TEST(features_context_column_names)
{
	struct wfad_featurizer fz;
	wfad_featurizer_init(&fz);
	fz.set = WFAD_FEATURES_CONTEXT;
	CHECK_INT(wfad_feature_set_n_cols(WFAD_FEATURES_CONTEXT), 105);
	CHECK_STR(wfad_features_column_name(&fz, 45), "type_subwf");
	CHECK_STR(wfad_features_column_name(&fz, 46), "ctx_z_runtime");
	CHECK_STR(wfad_features_column_name(&fz, 46 + WFAD_CTX_HOST_EVIDENCE), "ctx_host_evidence");
	CHECK_STR(wfad_features_column_name(&fz, 104), "missing_ctx_host_evidence");
	CHECK_STR(wfad_features_column_name(&fz, 46 + WFAD_CTX_Z + WFAD_CTX_UTIME), "ctx_z_utime");
	CHECK_STR(wfad_features_column_name(&fz, 46 + WFAD_CTX_Z + WFAD_CTX_STAGE_IN_RATE),
		  "ctx_z_stage_in_rate");
	for (int k = 0; k < WFAD_CTX_COUNT; k++) {
		char name[64];
		snprintf(name, sizeof(name), "ctx_host_rel_%s",
			 wfad_ctx_delay_name((enum wfad_ctx_delay)k));
		CHECK_INT(col_of(&fz, name), 46 + WFAD_CTX_HOST_REL + k);
	}
	for (size_t a = 0; a < 105; a++)
		for (size_t b = a + 1; b < 105; b++)
			CHECK(strcmp(wfad_features_column_name(&fz, a),
				     wfad_features_column_name(&fz, b)) != 0);
	enum wfad_feature_set set = WFAD_FEATURES_DELAYS;
	CHECK_INT(wfad_feature_set_parse("context", &set), WFAD_OK);
	CHECK_INT(set, WFAD_FEATURES_CONTEXT);
	CHECK_STR(wfad_feature_set_name(WFAD_FEATURES_CONTEXT), "context");
	CHECK_STR(wfad_ctx_delay_name(WFAD_CTX_WAIT), "wait");
}

WFAD_TEST(features_context_save_load)
{
	struct wfad_dataset ds;
	make_ctx_dataset(&ds);
	struct wfad_featurizer fz, back;
	wfad_featurizer_init(&fz);
	wfad_featurizer_init(&back);
	struct wfad_error err = {0};
	CHECK_OK(wfad_features_fit(&fz, WFAD_FEATURES_CONTEXT, WFAD_NORM_ROBUST, &ds, train_runs, 2,
				   &err),
		 &err);
	unsigned char *buf = NULL;
	size_t len = 0, used = 0;
	CHECK_INT(wfad_features_save_buffer(&fz, &buf, &len), WFAD_OK);
	CHECK_OK(wfad_features_load_buffer(&back, buf, len, &used, &err), &err);
	CHECK_INT(used, len);
	CHECK_INT(back.set, WFAD_FEATURES_CONTEXT);
	size_t n = C_RUNS * T_NODES * 105;
	float *x = malloc(n * sizeof(*x)), *y = malloc(n * sizeof(*y));
	CHECK_OK(wfad_features_transform(&fz, &ds, NULL, C_RUNS, x, &err), &err);
	CHECK_OK(wfad_features_transform(&back, &ds, NULL, C_RUNS, y, &err), &err);
	CHECK_INT(memcmp(x, y, n * sizeof(*x)), 0);
	/* Every truncation and every flipped bit after the header is rejected. */
	int bad = 0;
	for (size_t k = 0; k < len; k++)
		bad += wfad_features_load_buffer(&back, buf, k, NULL, &err) != WFAD_EPARSE;
	unsigned char *copy = malloc(len);
	for (size_t k = 28; k < len; k++) {
		memcpy(copy, buf, len);
		copy[k] ^= 0x04;
		bad += wfad_features_load_buffer(&back, copy, len, NULL, &err) == WFAD_OK;
	}
	CHECK_INT(bad, 0);
	free(copy);
	free(buf);
	free(x);
	free(y);
	wfad_featurizer_free(&fz);
	wfad_featurizer_free(&back);
	wfad_dataset_free(&ds);
}

/* A version 1 blob (written by hand, layout in docs/features.md) still loads: rich works, the
 * context values fail with a message, and a resave writes version 3 without log statistics. */
static uint64_t fnv1a64(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void put_le(unsigned char **p, uint64_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		*(*p)++ = (unsigned char)(v >> (8 * i));
}

static void put_le_f64(unsigned char **p, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof(u));
	put_le(p, u, 8);
}

/* A blob as older versions wrote it (layout in docs/features.md), one transformation "proc":
 * version 1 has no log statistics, version 2 six per transformation (before utime), version 3
 * seven (before the stage-in rate). */
static size_t legacy_blob(unsigned char *blob, uint32_t version, uint32_t set, uint32_t n_cols)
{
	unsigned char *p = blob;
	memcpy(p, "WFADFEAT", 8);
	p += 8;
	put_le(&p, version, 4);
	put_le(&p, set, 4);
	put_le(&p, 0, 4); /* norm none */
	put_le(&p, n_cols, 4);
	put_le(&p, 1, 4); /* transformations */
	uint32_t n_log = version == 1 ? 0 : version == 2 ? 6 : 7;
	if (version >= 2)
		put_le(&p, n_log, 4); /* log statistics */
	for (uint32_t c = 0; c < n_cols; c++)
		put_le_f64(&p, 0.0);
	for (uint32_t c = 0; c < n_cols; c++)
		put_le_f64(&p, 1.0);
	put_le(&p, 4, 4);
	memcpy(p, "proc", 4);
	p += 4;
	put_le_f64(&p, 30.0);
	put_le_f64(&p, 2.5);
	for (uint32_t k = 0; k < n_log; k++) {
		put_le_f64(&p, 1.0 + k); /* log median */
		put_le_f64(&p, 0.5);     /* log MAD */
	}
	put_le(&p, fnv1a64(blob, (size_t)(p - blob)), 8);
	return (size_t)(p - blob);
}

WFAD_TEST(features_load_version1_blob)
{
	unsigned char blob[1024], *p;
	size_t len = legacy_blob(blob, 1, WFAD_FEATURES_RICH, 46), used = 0;

	struct wfad_featurizer fz;
	wfad_featurizer_init(&fz);
	struct wfad_error err = {0};
	CHECK_OK(wfad_features_load_buffer(&fz, blob, len, &used, &err), &err);
	CHECK_INT(used, len);
	CHECK_INT(fz.set, WFAD_FEATURES_RICH);
	double rt = 0, cpu = 0;
	CHECK(wfad_features_transformation_median(&fz, "proc", &rt, &cpu));
	CHECK(rt == 30.0 && cpu == 2.5);
	CHECK(fz.tr_log_median == NULL);
	CHECK(!wfad_features_transformation_log_stats(&fz, "proc", WFAD_CTX_RUNTIME, NULL, NULL));

	struct wfad_dataset ds;
	make_dataset(&ds, false);
	float *x = malloc(T_RUNS * T_NODES * 46 * sizeof(*x));
	CHECK_OK(wfad_features_transform(&fz, &ds, NULL, T_RUNS, x, &err), &err);
	CHECK(x[(0 * T_NODES + 1) * 46 + 19] == (float)(10.0 / 30.0)); /* runtime_rel */
	double v[T_NODES * WFAD_CTX_VALUES];
	wfad_error_clear(&err);
	CHECK_INT(wfad_features_context_values(&fz, &ds, NULL, 1, v, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "version 1") != NULL);

	/* Resaved as version 4 without log statistics; it loads back the same. */
	unsigned char *buf = NULL;
	size_t blen = 0;
	CHECK_INT(wfad_features_save_buffer(&fz, &buf, &blen), WFAD_OK);
	CHECK(blen > 12 && buf[8] == 4);
	struct wfad_featurizer back;
	wfad_featurizer_init(&back);
	CHECK_OK(wfad_features_load_buffer(&back, buf, blen, NULL, &err), &err);
	CHECK(back.tr_log_median == NULL && back.n_transformations == 1);

	/* A version 1 blob cannot claim the context set. */
	blob[12] = 2;
	p = blob + len - 8;
	put_le(&p, fnv1a64(blob, len - 8), 8);
	CHECK_INT(wfad_features_load_buffer(&back, blob, len, NULL, &err), WFAD_EPARSE);
	free(buf);
	free(x);
	wfad_featurizer_free(&fz);
	wfad_featurizer_free(&back);
	wfad_dataset_free(&ds);
}

/* Version 2 and 3 rich blobs load, the delays they predate (utime, the stage-in rate) with NaN
 * statistics; their context blobs (91, 98 columns) are refused with a message naming the
 * version and what it predates, and saying to retrain. */
WFAD_TEST(features_load_older_version_blobs)
{
	static const struct {
		uint32_t version, n_log, ctx_cols;
		const char *message;
	} old[] = {
		{2, 6, 91, "version 2 context featurizer (91 columns, before the utime delay)"},
		{3, 7, 98, "version 3 context featurizer (98 columns, before the stage-in rate)"},
	};
	for (size_t v = 0; v < sizeof(old) / sizeof(old[0]); v++) {
		unsigned char blob[4096];
		size_t len = legacy_blob(blob, old[v].version, WFAD_FEATURES_RICH, 46), used = 0;
		struct wfad_featurizer fz;
		wfad_featurizer_init(&fz);
		struct wfad_error err = {0};
		CHECK_OK(wfad_features_load_buffer(&fz, blob, len, &used, &err), &err);
		CHECK_INT(used, len);
		double med = 0, mad = 0;
		enum wfad_ctx_delay last = (enum wfad_ctx_delay)(old[v].n_log - 1);
		CHECK(wfad_features_transformation_log_stats(&fz, "proc", last, &med, &mad));
		CHECK(med == 1.0 + last && mad == 0.5);
		CHECK(wfad_features_transformation_log_stats(&fz, "proc", last + 1, &med, &mad));
		CHECK(isnan(med) && isnan(mad));

		len = legacy_blob(blob, old[v].version, WFAD_FEATURES_CONTEXT, old[v].ctx_cols);
		wfad_error_clear(&err);
		CHECK_INT(wfad_features_load_buffer(&fz, blob, len, NULL, &err), WFAD_EFORMAT);
		CHECK(strstr(err.message, old[v].message) != NULL);
		CHECK(strstr(err.message, "retrain") != NULL);
		CHECK_INT(fz.set, WFAD_FEATURES_RICH); /* a failed load leaves it as it was */
		wfad_featurizer_free(&fz);
	}
}
