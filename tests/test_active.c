/* Active learning: the recorded oracle, the strategies on hand-made scores, the loop's curves
 * (job and run level), determinism and budgets, the warm start and the plot. */
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "wfad/active.h"
#include "wfad/ingest.h"

static bool load_sample(struct wfad_collection *c)
{
	struct wfad_error err = {0};
	enum wfad_status st = wfad_load("data/flowbench-sample", NULL, c, &err);
	CHECK_OK(st, &err);
	return st == WFAD_OK && c->count == 1;
}

static struct wfad_active_options sample_options(void)
{
	struct wfad_active_options o = {.detector = "mlp",
					.features = WFAD_FEATURES_RICH,
					.norm = WFAD_NORM_MINMAX,
					.strategy = WFAD_ACTIVE_ENTROPY,
					.burn_in = 4,
					.rounds = 3,
					.per_round = 2,
					.seed = 1};
	o.params.threads = 1;
	o.params.epochs = 20;
	return o;
}

WFAD_TEST(active_oracle_answers_and_exhaustion)
{
	struct wfad_collection c = {0};
	if (!load_sample(&c))
		return;
	const struct wfad_dataset *ds = c.items[0];
	/* Pool: the first 12 runs (sorted by id, a mix of labels). */
	size_t pool[12];
	for (size_t i = 0; i < 12; i++)
		pool[i] = i;
	struct wfad_oracle_recorded rec;
	CHECK_INT(wfad_oracle_recorded_init(&rec, ds, pool, 12, 7), WFAD_OK);
	struct wfad_oracle o = wfad_oracle_recorded_as(&rec);
	struct wfad_error err = {0};
	size_t run = 99;
	/* A named run is revealed once. */
	struct wfad_oracle_request req = {.run = 3};
	CHECK_INT(o.request(o.self, &req, &run, &err), WFAD_OK);
	CHECK_INT(run, 3);
	CHECK_INT(o.request(o.self, &req, &run, &err), WFAD_ENOTFOUND);
	CHECK(strstr(err.message, "not in the pool") != NULL);
	/* Another workflow is refused. */
	struct wfad_oracle_request other = {.workflow = "montage", .run = WFAD_ORACLE_ANY_RUN};
	CHECK_INT(o.request(o.self, &other, &run, &err), WFAD_EINVAL);
	/* Class requests until the class runs out. */
	const char *cls[16];
	size_t n_cls = o.classes(o.self, cls, 16);
	CHECK(n_cls >= 2);
	const char *label = cls[n_cls - 1];
	size_t left = wfad_oracle_recorded_count(&rec, label);
	CHECK(left >= 1);
	for (size_t i = 0; i < left; i++) {
		struct wfad_oracle_request r = {
			.workflow = "1000-genome", .run = WFAD_ORACLE_ANY_RUN, .label = label};
		CHECK_INT(o.request(o.self, &r, &run, &err), WFAD_OK);
		CHECK_STR(ds->runs[run].label, label);
	}
	struct wfad_oracle_request r = {.run = WFAD_ORACLE_ANY_RUN, .label = label};
	CHECK_INT(o.request(o.self, &r, &run, &err), WFAD_ENOTFOUND);
	CHECK(strstr(err.message, "no unlabelled run of class") != NULL);
	CHECK_INT(o.classes(o.self, cls, 16), n_cls - 1);
	/* Families and "any" drain the rest; then the pool is empty. */
	size_t rest = rec.n_pool;
	CHECK_INT(wfad_oracle_recorded_count(&rec, "any"), rest);
	for (size_t i = 0; i < rest; i++) {
		struct wfad_oracle_request a = {.run = WFAD_ORACLE_ANY_RUN, .label = NULL};
		CHECK_INT(o.request(o.self, &a, &run, &err), WFAD_OK);
	}
	CHECK_INT(o.request(o.self, &r, &run, &err), WFAD_ENOTFOUND);
	CHECK(strstr(err.message, "pool is empty") != NULL);
	CHECK_INT(o.classes(o.self, cls, 16), 0);
	wfad_oracle_recorded_free(&rec);
	wfad_oracle_recorded_free(&rec); /* accepts a zeroed struct */
	wfad_collection_free(&c);
}

WFAD_TEST(active_label_matching)
{
	CHECK(wfad_active_label_matches("cpu_2", "any"));
	CHECK(wfad_active_label_matches("cpu_2", NULL));
	CHECK(wfad_active_label_matches("cpu_2", "cpu"));
	CHECK(wfad_active_label_matches("cpu_2", "cpu_2"));
	CHECK(!wfad_active_label_matches("cpu_2", "cpu_3"));
	CHECK(!wfad_active_label_matches("cpu_2", "hdd"));
	CHECK(!wfad_active_label_matches("cpu_2", "normal"));
	CHECK(wfad_active_label_matches("normal", "normal"));
	CHECK(!wfad_active_label_matches("normal", "cpu"));
}

WFAD_TEST(active_strategies_pick_uncertain_runs)
{
	CHECK_NEAR(wfad_active_job_uncertainty(WFAD_ACTIVE_LEAST_CONFIDENCE, 0.5), 0.5, 1e-12);
	CHECK_NEAR(wfad_active_job_uncertainty(WFAD_ACTIVE_LEAST_CONFIDENCE, 0.9), 0.1, 1e-12);
	CHECK_NEAR(wfad_active_job_uncertainty(WFAD_ACTIVE_MARGIN, 0.5), 1.0, 1e-12);
	CHECK_NEAR(wfad_active_job_uncertainty(WFAD_ACTIVE_MARGIN, 0.75), 0.5, 1e-12);
	CHECK_NEAR(wfad_active_job_uncertainty(WFAD_ACTIVE_ENTROPY, 0.5), 1.0, 1e-12);
	CHECK_NEAR(wfad_active_job_uncertainty(WFAD_ACTIVE_ENTROPY, 0.0), 0.0, 1e-12);
	CHECK_NEAR(wfad_active_job_uncertainty(WFAD_ACTIVE_ENTROPY, 1.0), 0.0, 1e-12);
	CHECK_NEAR(wfad_active_job_uncertainty(WFAD_ACTIVE_RANDOM, 0.5), 0.0, 1e-12);
	/* Four runs of two jobs: run 1 sits nearest 0.5, run 3 next, then 2 and 0. */
	const double p[8] = {0.01, 0.02, 0.45, 0.55, 0.95, 0.99, 0.3, 0.8};
	size_t out[4];
	double scratch[4];
	const enum wfad_active_strategy unc[] = {WFAD_ACTIVE_LEAST_CONFIDENCE, WFAD_ACTIVE_MARGIN,
						 WFAD_ACTIVE_ENTROPY};
	for (size_t k = 0; k < 3; k++) {
		CHECK_INT(wfad_active_select(unc[k], WFAD_ACTIVE_MEAN, p, 4, 2, 3, out, scratch),
			  3);
		CHECK_INT(out[0], 1);
		CHECK_INT(out[1], 3);
		CHECK_INT(out[2], 2);
	}
	/* k larger than the pool returns the whole pool. */
	CHECK_INT(
		wfad_active_select(WFAD_ACTIVE_MARGIN, WFAD_ACTIVE_MEAN, p, 4, 2, 9, out, scratch),
		4);
	/* Mean and max disagree: run 0 has one job at 0.5 and one certain, run 1 two at 0.3. */
	const double q[4] = {0.5, 0.0, 0.3, 0.3};
	wfad_active_select(WFAD_ACTIVE_LEAST_CONFIDENCE, WFAD_ACTIVE_MAX, q, 2, 2, 1, out, scratch);
	CHECK_INT(out[0], 0);
	wfad_active_select(WFAD_ACTIVE_LEAST_CONFIDENCE, WFAD_ACTIVE_MEAN, q, 2, 2, 1, out,
			   scratch);
	CHECK_INT(out[0], 1);
	/* Ties go to the lower index. */
	const double t[4] = {0.5, 0.5, 0.5, 0.5};
	wfad_active_select(WFAD_ACTIVE_ENTROPY, WFAD_ACTIVE_MEAN, t, 2, 2, 1, out, scratch);
	CHECK_INT(out[0], 0);
	enum wfad_active_strategy s;
	CHECK_INT(wfad_active_strategy_parse("anomaly-targeting", &s), WFAD_OK);
	CHECK_INT(s, WFAD_ACTIVE_ANOMALY_TARGETING);
	CHECK_INT(wfad_active_strategy_parse("bogus", &s), WFAD_EINVAL);
	CHECK_STR(wfad_active_strategy_name(WFAD_ACTIVE_LEAST_CONFIDENCE), "least-confidence");
}

WFAD_TEST(active_class_uncertainty_separates_strategies)
{
	const double p[3] = {0.5, 0.3, 0.2};
	CHECK_NEAR(wfad_active_class_uncertainty(WFAD_ACTIVE_LEAST_CONFIDENCE, p, 3), 0.5, 1e-12);
	CHECK_NEAR(wfad_active_class_uncertainty(WFAD_ACTIVE_MARGIN, p, 3), 0.8, 1e-12);
	double h = -(0.5 * log2(0.5) + 0.3 * log2(0.3) + 0.2 * log2(0.2));
	CHECK_NEAR(wfad_active_class_uncertainty(WFAD_ACTIVE_ENTROPY, p, 3), h, 1e-12);
	CHECK_NEAR(wfad_active_class_uncertainty(WFAD_ACTIVE_RANDOM, p, 3), 0.0, 1e-12);
	/* Two classes: the job-level values of P(anomalous) = 0.8. */
	const double q[2] = {0.2, 0.8};
	const enum wfad_active_strategy unc[] = {WFAD_ACTIVE_LEAST_CONFIDENCE, WFAD_ACTIVE_MARGIN,
						 WFAD_ACTIVE_ENTROPY};
	for (size_t k = 0; k < 3; k++)
		CHECK_NEAR(wfad_active_class_uncertainty(unc[k], q, 2),
			   wfad_active_job_uncertainty(unc[k], 0.8), 1e-12);
	/* Run a = {0.5, 0.5, 0}: a tie between two classes; run b = {0.4, 0.3, 0.3}: spread.
	 * Margin asks for a, least-confidence and entropy for b. */
	const double ab[6] = {0.5, 0.5, 0.0, 0.4, 0.3, 0.3};
	double u[2];
	size_t out[3];
	for (size_t k = 0; k < 3; k++) {
		for (size_t r = 0; r < 2; r++)
			u[r] = wfad_active_class_uncertainty(unc[k], ab + 3 * r, 3);
		CHECK_INT(wfad_active_top(u, 2, 1, out), 1);
		CHECK_INT(out[0], unc[k] == WFAD_ACTIVE_MARGIN ? 0 : 1);
	}
	/* Ties go to the lower position; k beyond n returns all. */
	const double t[3] = {0.2, 0.7, 0.7};
	CHECK_INT(wfad_active_top(t, 3, 5, out), 3);
	CHECK_INT(out[0], 1);
	CHECK_INT(out[1], 2);
}

WFAD_TEST(active_curve_area_and_reach)
{
	struct wfad_active_point p[3] = {
		{.round = 0, .labeled_runs = 10, .roc_auc = 0.8},
		{.round = 1, .labeled_runs = 20, .roc_auc = 0.9},
		{.round = 2, .labeled_runs = 30, .roc_auc = 0.9},
	};
	CHECK_NEAR(wfad_active_curve_area(p, 3), (0.85 + 0.9) / 2, 1e-12);
	CHECK_NEAR(wfad_active_curve_area(p, 1), 0.8, 1e-12);
	CHECK(isnan(wfad_active_curve_area(p, 0)));
	CHECK_INT(wfad_active_runs_to_reach(p, 3, 0.85), 20);
	CHECK_INT(wfad_active_runs_to_reach(p, 3, 0.8), 10);
	CHECK_INT(wfad_active_runs_to_reach(p, 3, 0.95), 0);
}

/* Runs o twice on ds with every strategy: curves of 4 points (burn-in 4, 2 runs a round),
 * metrics in range, bit-identical for the seed, warm start as expected. */
static void check_curves(const struct wfad_dataset *ds, struct wfad_active_options o,
			 bool warm_start)
{
	struct wfad_error err = {0};
	for (int s = 0; s < WFAD_ACTIVE_STRATEGY_COUNT; s++) {
		o.strategy = (enum wfad_active_strategy)s;
		struct wfad_active_curve a = {0}, b = {0};
		CHECK_OK(wfad_active_run(ds, &o, &a, &err), &err);
		CHECK_OK(wfad_active_run(ds, &o, &b, &err), &err);
		CHECK_INT(a.n_points, 4);
		CHECK_INT(b.n_points, a.n_points);
		CHECK(a.warm_start == warm_start);
		CHECK(!a.exhausted);
		CHECK_INT(a.pool_runs + a.valid_runs + a.test_runs, ds->n_runs);
		for (size_t i = 0; i < a.n_points; i++) {
			const struct wfad_active_point *p = &a.points[i];
			CHECK_INT(p->round, i);
			CHECK_INT(p->labeled_runs, 4 + 2 * i);
			CHECK(p->roc_auc >= 0.0 && p->roc_auc <= 1.0);
			CHECK(p->average_precision > 0.0 && p->average_precision <= 1.0);
			CHECK(p->precision_at_k >= 0.0 && p->precision_at_k <= 1.0);
			/* Accuracy only for run classifiers. */
			if (o.task == WFAD_ACTIVE_TASK_RUN)
				CHECK(p->accuracy >= 0.0 && p->accuracy <= 1.0);
			else
				CHECK(isnan(p->accuracy));
		}
		/* Bit-identical for a seed. */
		if (a.n_points == b.n_points)
			CHECK(memcmp(a.points, b.points, a.n_points * sizeof(*a.points)) == 0);
		wfad_active_curve_free(&a);
		wfad_active_curve_free(&b);
	}
}

WFAD_TEST(active_loop_curves_and_determinism)
{
	struct wfad_collection c = {0};
	if (!load_sample(&c))
		return;
	const struct wfad_dataset *ds = c.items[0];
	struct wfad_error err = {0};
	check_curves(ds, sample_options(), true);
	/* Refit instead of warm start: same shape, no warm start. */
	struct wfad_active_options o = sample_options();
	o.refit = true;
	struct wfad_active_curve r = {0};
	CHECK_OK(wfad_active_run(ds, &o, &r, &err), &err);
	CHECK(!r.warm_start);
	CHECK_INT(r.n_points, 4);
	wfad_active_curve_free(&r);
	/* An unsupervised detector works through calibration. */
	o = sample_options();
	o.detector = "zscore";
	o.burn_in = 1;
	CHECK_OK(wfad_active_run(ds, &o, &r, &err), &err);
	CHECK_INT(r.n_points, 4);
	CHECK(!r.warm_start);
	wfad_active_curve_free(&r);
	double ref = NAN;
	CHECK_OK(wfad_active_reference(ds, &o, &ref, &err), &err);
	CHECK(ref > 0.5 && ref <= 1.0);
	wfad_collection_free(&c);
}

WFAD_TEST(active_budgets_and_bad_input)
{
	struct wfad_collection c = {0};
	if (!load_sample(&c))
		return;
	const struct wfad_dataset *ds = c.items[0];
	struct wfad_error err = {0};
	/* A budget larger than the pool: the loop stops when the pool is empty. */
	struct wfad_active_options o = sample_options();
	o.rounds = 100;
	o.per_round = 7;
	o.strategy = WFAD_ACTIVE_ANOMALY_TARGETING;
	struct wfad_active_curve a = {0};
	CHECK_OK(wfad_active_run(ds, &o, &a, &err), &err);
	CHECK(a.exhausted);
	CHECK(a.n_points >= 2 && a.n_points < 101);
	if (a.n_points)
		CHECK_INT(a.points[a.n_points - 1].labeled_runs, a.pool_runs);
	CHECK(a.fallbacks > 0); /* classes ran out along the way */
	wfad_active_curve_free(&a);
	/* Burn-in larger than the pool. */
	o = sample_options();
	o.burn_in = 1000;
	CHECK_INT(wfad_active_run(ds, &o, &a, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "larger than the pool") != NULL);
	/* A supervised detector needs both classes in the burn-in. */
	o.burn_in = 0;
	CHECK_INT(wfad_active_run(ds, &o, &a, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "both classes") != NULL);
	o.burn_in = 1;
	CHECK_INT(wfad_active_run(ds, &o, &a, &err), WFAD_EINVAL);
	/* Unknown detector. */
	o = sample_options();
	o.detector = "nope";
	CHECK_INT(wfad_active_run(ds, &o, &a, &err), WFAD_ENOTFOUND);
	CHECK(a.points == NULL);
	wfad_collection_free(&c);
}

static struct wfad_active_options run_options(void)
{
	struct wfad_active_options o = sample_options();
	o.task = WFAD_ACTIVE_TASK_RUN;
	o.detector = "gbdt";
	o.params.n_trees = 20;
	return o;
}

/* Run-level classifiers: refit every round, curves on the test runs, accuracy recorded. */
WFAD_TEST(active_run_task_curves_and_determinism)
{
	struct wfad_collection c = {0};
	if (!load_sample(&c))
		return;
	const struct wfad_dataset *ds = c.items[0];
	struct wfad_error err = {0};
	check_curves(ds, run_options(), false);
	double ref = NAN;
	struct wfad_active_options o = run_options();
	CHECK_OK(wfad_active_reference(ds, &o, &ref, &err), &err);
	CHECK(ref >= 0.5 && ref <= 1.0);
	wfad_collection_free(&c);
}

WFAD_TEST(active_run_task_bad_input)
{
	struct wfad_collection c = {0};
	if (!load_sample(&c))
		return;
	const struct wfad_dataset *ds = c.items[0];
	struct wfad_error err = {0};
	struct wfad_active_curve a = {0};
	/* Run classifiers are supervised: a burn-in of 0 or 1 run is refused. */
	struct wfad_active_options o = run_options();
	o.burn_in = 1;
	CHECK_INT(wfad_active_run(ds, &o, &a, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "both classes") != NULL);
	o.burn_in = 0;
	CHECK_INT(wfad_active_run(ds, &o, &a, &err), WFAD_EINVAL);
	o.burn_in = 1000;
	CHECK_INT(wfad_active_run(ds, &o, &a, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "larger than the pool") != NULL);
	/* Names are looked up for the task: mlp is no run classifier, gnnrun no detector. */
	o = run_options();
	o.detector = "mlp";
	CHECK_INT(wfad_active_run(ds, &o, &a, &err), WFAD_ENOTFOUND);
	CHECK(strstr(err.message, "unknown run classifier 'mlp'") != NULL);
	double ref = NAN;
	CHECK_INT(wfad_active_reference(ds, &o, &ref, &err), WFAD_ENOTFOUND);
	CHECK(isnan(ref));
	o = sample_options();
	o.detector = "gnnrun";
	CHECK_INT(wfad_active_run(ds, &o, &a, &err), WFAD_ENOTFOUND);
	CHECK(a.points == NULL);
	wfad_collection_free(&c);
}

/* Warm starts (mlp: more epochs; gbdt: more trees): refused when unfitted or with zero
 * epochs (leaving the model as it was), and they change the scores. */
WFAD_TEST(active_warm_start_update)
{
	struct wfad_collection c = {0};
	if (!load_sample(&c))
		return;
	const struct wfad_dataset *ds = c.items[0];
	struct wfad_error err = {0};
	struct wfad_featurizer fz;
	wfad_featurizer_init(&fz);
	size_t runs[12];
	for (size_t i = 0; i < 12; i++)
		runs[i] = i * 3;
	CHECK_OK(wfad_features_fit(&fz, WFAD_FEATURES_RICH, WFAD_NORM_MINMAX, ds, runs, 12, &err),
		 &err);
	struct wfad_jobset_owned small = {0}, big = {0};
	CHECK_OK(wfad_jobset_build(&small, ds, runs, 6, &fz, &err), &err);
	CHECK_OK(wfad_jobset_build(&big, ds, runs, 12, &fz, &err), &err);
	const char *names[] = {"mlp", "gbdt"};
	for (int k = 0; k < 2; k++) {
		const struct wfad_detector_ops *ops = wfad_detector_find(names[k]);
		CHECK(ops && ops->update);
		if (!ops || !ops->update)
			continue;
		struct wfad_detector_params p = {
			.seed = 3, .threads = 1, .epochs = 5, .n_trees = 20};
		struct wfad_detector *det = NULL;
		CHECK_INT(ops->create(&p, &det), WFAD_OK);
		/* Unfitted: refused. */
		CHECK_INT(ops->update(det, &big.js, NULL, 2, &err), WFAD_EINVAL);
		CHECK_OK(ops->fit(det, &small.js, NULL, &err), &err);
		double *s0 = malloc(big.js.n * sizeof(double));
		double *s1 = malloc(big.js.n * sizeof(double));
		CHECK_OK(ops->score(det, &big.js, s0, &err), &err);
		CHECK_OK(ops->update(det, &big.js, NULL, 3, &err), &err);
		CHECK_OK(ops->score(det, &big.js, s1, &err), &err);
		bool changed = false;
		for (size_t i = 0; i < big.js.n; i++)
			changed |= s0[i] != s1[i];
		CHECK(changed);
		/* A failed update (zero epochs) leaves the model as it was. */
		CHECK_INT(ops->update(det, &big.js, NULL, 0, &err), WFAD_EINVAL);
		CHECK_OK(ops->score(det, &big.js, s0, &err), &err);
		CHECK(memcmp(s0, s1, big.js.n * sizeof(double)) == 0);
		free(s0);
		free(s1);
		ops->destroy(det);
	}
	wfad_jobset_free(&small);
	wfad_jobset_free(&big);
	wfad_featurizer_free(&fz);
	wfad_collection_free(&c);
}

WFAD_TEST(active_plot_writes_png)
{
	const double x[3] = {10, 15, 20}, m[3] = {0.8, 0.85, 0.9}, lo[3] = {0.7, 0.8, NAN},
		     hi[3] = {0.85, 0.9, 0.95};
	struct wfad_active_series s[2] = {{"random", 3, x, m, lo, hi},
					  {"entropy", 2, x, m, lo, hi}};
	struct wfad_error err = {0};
	char path[] = "/tmp/wfad-test-active-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	if (fd < 0)
		return;
	close(fd);
	CHECK_OK(wfad_active_plot_png(s, 2, "test", path, 640, 400, &err), &err);
	char *data = NULL;
	size_t len = 0;
	CHECK_OK(wfad_read_file(path, 1 << 24, &data, &len, &err), &err);
	CHECK(len > 8 && memcmp(data, "\x89PNG", 4) == 0);
	free(data);
	remove(path);
	CHECK_INT(wfad_active_plot_png(s, 2, NULL, "/nonexistent-dir/x.png", 640, 400, &err),
		  WFAD_EIO);
	CHECK_INT(wfad_active_plot_png(s, 2, NULL, path, 10, 10, &err), WFAD_EINVAL);
}
