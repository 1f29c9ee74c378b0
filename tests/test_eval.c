/* Tests of metrics (values worked out by hand, matching scikit-learn) and run splits. */
#include <stdlib.h>

#include "test.h"
#include "wfad/eval.h"
#include "wfad/ingest.h"

WFAD_TEST(metrics_match_hand_computed_values)
{
	/* positives {0.9, 0.8, 0.1}, negatives {0.8, 0.3}. Pairs won: (0.9,*) 2, (0.8,0.8) half,
	 * (0.8,0.3) 1, (0.1,*) 0 -> 3.5 / 6 = 0.58333 (sklearn roc_auc_score: same).
	 * AP over distinct thresholds: 0.9: P 1, R 1/3; 0.8: P 2/3, R 2/3; 0.3: R unchanged;
	 * 0.1: P 3/5, R 1 -> 1/3 + 2/9 + 1/5 = 0.755556 (sklearn: same). */
	const double s[] = {0.9, 0.8, 0.8, 0.3, 0.1};
	const uint8_t y[] = {1, 0, 1, 0, 1};
	CHECK_NEAR(wfad_metrics_roc_auc(s, y, 5), 3.5 / 6, 1e-15);
	CHECK_NEAR(wfad_metrics_average_precision(s, y, 5), 1.0 / 3 + 2.0 / 9 + 0.2, 1e-15);
	CHECK_NEAR(wfad_metrics_precision_at_k(s, y, 5, 3), 2.0 / 3, 1e-15);
	/* All tied: AUC 0.5, AP = prevalence. */
	const double t[] = {1, 1, 1, 1};
	const uint8_t yt[] = {0, 1, 0, 1};
	CHECK_NEAR(wfad_metrics_roc_auc(t, yt, 4), 0.5, 1e-15);
	CHECK_NEAR(wfad_metrics_average_precision(t, yt, 4), 0.5, 1e-15);
	/* {0.35, 0.8} vs {0.1, 0.4}: 3 of 4 pairs -> 0.75; AP: 0.8 P1 R1/2; 0.4 P1/2; 0.35 P2/3
	 * R1 -> 1/2 + 1/3 = 0.8333 */
	const double u[] = {0.1, 0.4, 0.35, 0.8};
	const uint8_t yu[] = {0, 0, 1, 1};
	CHECK_NEAR(wfad_metrics_roc_auc(u, yu, 4), 0.75, 1e-15);
	CHECK_NEAR(wfad_metrics_average_precision(u, yu, 4), 5.0 / 6, 1e-15);
	/* One class only: undefined, reported as NaN (never printed as a number). */
	const uint8_t none[] = {0, 0, 0, 0};
	CHECK(isnan(wfad_metrics_roc_auc(u, none, 4)));
	CHECK(isnan(wfad_metrics_average_precision(u, none, 4)));
}

WFAD_TEST(metrics_f1_threshold)
{
	const double s[] = {0.9, 0.8, 0.8, 0.3, 0.1};
	const uint8_t y[] = {1, 0, 1, 0, 1};
	/* Thresholds: 0.9 -> P1 R1/3 F1 .5; 0.8 -> P2/3 R2/3 F1 .667; 0.3 -> P.5 R2/3 .571;
	 * 0.1 -> P.6 R1 F1 .75 (best). */
	double f1;
	double t = wfad_metrics_best_f1_threshold(s, y, 5, &f1);
	CHECK_NEAR(t, 0.1, 0);
	CHECK_NEAR(f1, 0.75, 1e-15);
	struct wfad_prf m = wfad_metrics_prf(s, y, 5, 0.8);
	CHECK_NEAR(m.precision, 2.0 / 3, 1e-15);
	CHECK_NEAR(m.recall, 2.0 / 3, 1e-15);
	CHECK_INT(m.flagged, 3);
	CHECK_INT(m.hits, 2);
	CHECK_INT(m.positives, 3);
	m = wfad_metrics_prf(s, y, 5, 2.0);
	CHECK_INT(m.flagged, 0);
	CHECK_INT(m.hits, 0);
	CHECK_INT(m.positives, 3);
	CHECK_NEAR(m.f1, 0, 0);
}

WFAD_TEST(metrics_auto_threshold_rules)
{
	const double s[] = {0.9, 0.8, 0.8, 0.3, 0.1};
	const uint8_t y[] = {1, 0, 1, 0, 1}, none[5] = {0};
	double t;
	bool max_f1;
	/* Both classes: the F1-maximising threshold. */
	CHECK(wfad_metrics_auto_threshold(s, y, NULL, 5, &t, &max_f1) == WFAD_OK);
	CHECK(max_f1);
	CHECK_NEAR(t, 0.1, 0);
	/* One class: just above the 99th percentile (floor(0.99 x (n - 1)) = 3 of the sorted
	 * scores 0.1 0.3 0.8 0.8 0.9) of every job ... */
	CHECK(wfad_metrics_auto_threshold(s, none, NULL, 5, &t, &max_f1) == WFAD_OK);
	CHECK(!max_f1);
	CHECK(t > 0.8 && t == nextafter(0.8, INFINITY));
	/* ... of the jobs of normal runs only (0.3 and 0.1: index 0, the lower one) ... */
	const uint8_t normal[] = {0, 0, 0, 1, 1};
	CHECK(wfad_metrics_auto_threshold(s, none, normal, 5, &t, &max_f1) == WFAD_OK);
	CHECK(t == nextafter(0.1, INFINITY));
	/* ... or of every job when no run is normal. */
	CHECK(wfad_metrics_auto_threshold(s, none, none, 5, &t, &max_f1) == WFAD_OK);
	CHECK(t == nextafter(0.8, INFINITY));
	/* No validation jobs: nothing is flagged. */
	CHECK(wfad_metrics_auto_threshold(s, y, NULL, 0, &t, &max_f1) == WFAD_OK);
	CHECK(!max_f1 && t == INFINITY);
}

/* A sorted copy that cannot be had (here: more rows than memory can hold, caught before any
 * is read) gives NaN, not an abort; the callers turn it into WFAD_ENOMEM. */
WFAD_TEST(metrics_nan_when_the_copy_cannot_be_allocated)
{
	double s[1] = {0.5};
	uint8_t y[1] = {1};
	size_t huge = SIZE_MAX / 8;
	CHECK(isnan(wfad_metrics_roc_auc(s, y, huge)));
	CHECK(isnan(wfad_metrics_average_precision(s, y, huge)));
	CHECK(isnan(wfad_metrics_precision_at_k(s, y, huge, 1)));
	double f1 = 0;
	CHECK(isnan(wfad_metrics_best_f1_threshold(s, y, huge, &f1)));
	CHECK(isnan(f1));
}

/* The status variants give the same values, and NaN (not an error) where the labels leave a
 * metric undefined. */
WFAD_TEST(metrics_ranking_matches_the_single_metrics)
{
	double s[6] = {0.9, 0.1, 0.8, 0.3, 0.3, 0.7};
	uint8_t y[6] = {1, 0, 0, 1, 0, 1}, none[6] = {0};
	struct wfad_ranking r = {0};
	CHECK_INT(wfad_metrics_ranking(s, y, 6, &r), WFAD_OK);
	CHECK(r.roc_auc == wfad_metrics_roc_auc(s, y, 6));
	CHECK(r.average_precision == wfad_metrics_average_precision(s, y, 6));
	CHECK(r.precision_at_k == wfad_metrics_precision_at_k(s, y, 6, 3));
	CHECK_NEAR(r.roc_auc, 6.5 / 9, 1e-12);
	double auc = 0;
	CHECK_INT(wfad_metrics_roc_auc_status(s, y, 6, &auc), WFAD_OK);
	CHECK(auc == r.roc_auc);
	CHECK_INT(wfad_metrics_roc_auc_status(s, none, 6, &auc), WFAD_OK);
	CHECK(isnan(auc));
	CHECK_INT(wfad_metrics_ranking(s, none, 6, &r), WFAD_OK);
	CHECK(isnan(r.roc_auc) && isnan(r.average_precision) && isnan(r.precision_at_k));
}

WFAD_TEST(metrics_auc_random_matches_pair_count)
{
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 3);
	enum { N = 300 };
	double s[N];
	uint8_t y[N];
	for (int i = 0; i < N; i++) {
		s[i] = (double)wfad_rng_below(&rng, 20); /* many ties */
		y[i] = wfad_rng_uniform(&rng) < 0.3;
	}
	double won = 0, pairs = 0;
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++)
			if (y[i] && !y[j]) {
				pairs++;
				won += s[i] > s[j] ? 1 : s[i] == s[j] ? 0.5 : 0;
			}
	CHECK_NEAR(wfad_metrics_roc_auc(s, y, N), won / pairs, 1e-12);
}

WFAD_TEST(split_is_stratified_disjoint_and_seeded)
{
	struct wfad_collection c = {0};
	struct wfad_error err = {0};
	CHECK_OK(wfad_load("data/flowbench-sample", NULL, &c, &err), &err);
	if (c.count != 1)
		return;
	const struct wfad_dataset *ds = c.items[0];
	struct wfad_split a = {0}, b = {0}, d = {0};
	CHECK_OK(wfad_split_runs(ds, 0, 0.6, 0.2, &a, &err), &err);
	CHECK_OK(wfad_split_runs(ds, 0, 0.6, 0.2, &b, &err), &err);
	CHECK_OK(wfad_split_runs(ds, 1, 0.6, 0.2, &d, &err), &err);
	/* 40 runs, 8 per label: 5 / 2 / 1 per label (round(4.8) = 5, round(1.6) = 2). */
	CHECK_INT(a.n_train, 25);
	CHECK_INT(a.n_valid, 10);
	CHECK_INT(a.n_test, 5);
	uint8_t seen[40] = {0};
	for (size_t i = 0; i < a.n_train; i++)
		seen[a.train[i]]++;
	for (size_t i = 0; i < a.n_valid; i++)
		seen[a.valid[i]]++;
	for (size_t i = 0; i < a.n_test; i++)
		seen[a.test[i]]++;
	for (int i = 0; i < 40; i++)
		CHECK_INT(seen[i], 1);
	CHECK_INT(memcmp(a.test, b.test, a.n_test * sizeof(size_t)), 0);
	CHECK(memcmp(a.test, d.test, a.n_test * sizeof(size_t)) != 0);
	/* each label has exactly one test run */
	for (size_t i = 0; i < a.n_test; i++)
		for (size_t j = i + 1; j < a.n_test; j++)
			CHECK(strcmp(ds->runs[a.test[i]].label, ds->runs[a.test[j]].label) != 0);
	wfad_split_free(&d);
	CHECK_OK(wfad_split_runs(ds, 0, 0.8, 0.2, &d, &err), &err);
	CHECK_INT(d.n_test, 0);
	CHECK_INT(d.n_train + d.n_valid, 40);
	CHECK_INT(wfad_split_runs(ds, 0, 0.9, 0.2, &b, &err), WFAD_EINVAL);
	wfad_split_free(&a);
	wfad_split_free(&b);
	wfad_split_free(&d);
	wfad_collection_free(&c);
}
