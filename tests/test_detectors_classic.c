/* Tests for the classic unsupervised detectors (iforest, knn, lof, hbos): planted outliers on
 * seeded synthetic data, determinism, save/load, truncated blobs, and exactness of the
 * neighbour search against brute force. */
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "wfad/detect.h"
#include "wfad/eval.h"

#include "../src/detect/iforest.h"
#include "../src/detect/neighbors.h"

static const char *const classic[] = {"iforest", "knn", "lof", "hbos"};
#define N_CLASSIC (sizeof(classic) / sizeof(classic[0]))

/* ---- synthetic data ---- */

/* Standard normal by Box-Muller (one value per call; the pair's second half is dropped). */
static double gauss(struct wfad_rng *rng)
{
	double u = 1.0 - wfad_rng_uniform(rng); /* (0, 1] */
	double v = wfad_rng_uniform(rng);
	return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* A row far from the blob: every coordinate is +-(5..8), beyond any of the blob's values. */
static void far_row(struct wfad_rng *rng, float *row, size_t d)
{
	for (size_t j = 0; j < d; j++) {
		double mag = 5.0 + 3.0 * wfad_rng_uniform(rng);
		row[j] = (float)(wfad_rng_below(rng, 2) ? mag : -mag);
	}
}

#define DIM 6
#define N_TRAIN 2000
#define N_CONTAM 10 /* far rows mixed into the training data: "normal-ish" */
#define N_TEST_NORMAL 1000
#define N_PLANTED 20

/* Training rows (N_TRAIN blob + N_CONTAM far) and test rows (N_TEST_NORMAL blob then
 * N_PLANTED far, labelled). */
struct synth {
	float train[(N_TRAIN + N_CONTAM) * DIM];
	float test[(N_TEST_NORMAL + N_PLANTED) * DIM];
	uint8_t y[N_TEST_NORMAL + N_PLANTED];
	struct wfad_jobset tr, te;
};

static struct synth *synth_make(uint64_t seed)
{
	struct synth *s = calloc(1, sizeof(*s));
	struct wfad_rng rng;
	wfad_rng_seed(&rng, seed);
	for (size_t i = 0; i < N_TRAIN * DIM; i++)
		s->train[i] = (float)gauss(&rng);
	for (size_t i = 0; i < N_CONTAM; i++)
		far_row(&rng, s->train + (N_TRAIN + i) * DIM, DIM);
	for (size_t i = 0; i < N_TEST_NORMAL * DIM; i++)
		s->test[i] = (float)gauss(&rng);
	for (size_t i = 0; i < N_PLANTED; i++) {
		far_row(&rng, s->test + (N_TEST_NORMAL + i) * DIM, DIM);
		s->y[N_TEST_NORMAL + i] = 1;
	}
	s->tr = (struct wfad_jobset){.n = N_TRAIN + N_CONTAM, .d = DIM, .x = s->train};
	s->te = (struct wfad_jobset){
		.n = N_TEST_NORMAL + N_PLANTED, .d = DIM, .x = s->test, .y = s->y};
	return s;
}

static struct wfad_jobset jobset(const float *x, size_t n, size_t d)
{
	return (struct wfad_jobset){.n = n, .d = d, .x = x};
}

/* Creates, fits and scores; returns the detector (NULL on failure, already reported). */
static struct wfad_detector *fit_score(const char *name, const struct wfad_detector_params *p,
				       const struct wfad_jobset *train,
				       const struct wfad_jobset *test, double *scores)
{
	const struct wfad_detector_ops *ops = wfad_detector_find(name);
	CHECK(ops != NULL);
	if (!ops)
		return NULL;
	struct wfad_detector *det = NULL;
	struct wfad_error err = {0};
	CHECK_INT(ops->create(p, &det), WFAD_OK);
	if (!det)
		return NULL;
	enum wfad_status st = ops->fit(det, train, NULL, &err);
	CHECK_OK(st, &err);
	if (st == WFAD_OK)
		CHECK_OK(st = ops->score(det, test, scores, &err), &err);
	if (st != WFAD_OK) {
		ops->destroy(det);
		return NULL;
	}
	return det;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* Every planted outlier above the 95th percentile of the normal test rows, ROC-AUC >= 0.99. */
static void check_planted(const char *name, const struct wfad_detector_params *p)
{
	struct synth *s = synth_make(42);
	size_t n = s->te.n;
	double *scores = malloc(n * sizeof(double));
	double normal[N_TEST_NORMAL];
	struct wfad_detector *det = fit_score(name, p, &s->tr, &s->te, scores);
	if (det) {
		for (size_t i = 0; i < n; i++)
			CHECK(isfinite(scores[i]));
		memcpy(normal, scores, sizeof(normal));
		qsort(normal, N_TEST_NORMAL, sizeof(double), cmp_double);
		double p95 = normal[(size_t)(0.95 * (N_TEST_NORMAL - 1))];
		size_t above = 0;
		for (size_t i = N_TEST_NORMAL; i < n; i++)
			above += scores[i] > p95;
		CHECK_INT(above, N_PLANTED);
		double auc = wfad_metrics_roc_auc(scores, s->y, n);
		printf("  %s: ROC-AUC %.4f, planted above p95 %zu/%d\n", name, auc, above,
		       N_PLANTED);
		CHECK(auc >= 0.99);
		det->ops->destroy(det);
	}
	free(scores);
	free(s);
}

WFAD_TEST(iforest_planted_outliers)
{
	check_planted("iforest", &(struct wfad_detector_params){.seed = 7});
}

WFAD_TEST(knn_planted_outliers)
{
	check_planted("knn", &(struct wfad_detector_params){0});
}

WFAD_TEST(lof_planted_outliers)
{
	check_planted("lof", &(struct wfad_detector_params){0});
}

WFAD_TEST(hbos_planted_outliers)
{
	check_planted("hbos", &(struct wfad_detector_params){0});
}

/* ---- determinism ---- */

WFAD_TEST(classic_detectors_deterministic_any_threads)
{
	struct synth *s = synth_make(3);
	size_t n = s->te.n;
	double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));
	for (size_t i = 0; i < N_CLASSIC; i++) {
		struct wfad_detector_params p1 = {.seed = 11, .threads = 1};
		struct wfad_detector_params p3 = {.seed = 11, .threads = 3};
		struct wfad_detector *d1 = fit_score(classic[i], &p1, &s->tr, &s->te, a);
		struct wfad_detector *d3 = fit_score(classic[i], &p3, &s->tr, &s->te, b);
		if (d1 && d3 && memcmp(a, b, n * sizeof(double)) != 0) {
			printf("  %s: scores differ between 1 and 3 threads\n", classic[i]);
			wfad_test_failures++;
		}
		if (d1)
			d1->ops->destroy(d1);
		if (d3)
			d3->ops->destroy(d3);
	}
	free(a);
	free(b);
	free(s);
}

WFAD_TEST(iforest_seed_changes_scores)
{
	struct synth *s = synth_make(5);
	size_t n = s->te.n;
	double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));
	double *c = malloc(n * sizeof(double));
	struct wfad_detector *d1 =
		fit_score("iforest", &(struct wfad_detector_params){.seed = 1}, &s->tr, &s->te, a);
	struct wfad_detector *d2 =
		fit_score("iforest", &(struct wfad_detector_params){.seed = 1}, &s->tr, &s->te, b);
	struct wfad_detector *d3 =
		fit_score("iforest", &(struct wfad_detector_params){.seed = 2}, &s->tr, &s->te, c);
	CHECK(d1 && d2 && d3);
	if (d1 && d2 && d3) {
		CHECK(memcmp(a, b, n * sizeof(double)) == 0);
		size_t differ = 0;
		for (size_t i = 0; i < n; i++)
			differ += a[i] != c[i];
		CHECK(differ > n / 2);
		for (size_t i = 0; i < n; i++)
			CHECK(a[i] > 0.0 && a[i] < 1.0);
	}
	for (int i = 0; i < 3; i++) {
		struct wfad_detector *d = i == 0 ? d1 : i == 1 ? d2 : d3;
		if (d)
			d->ops->destroy(d);
	}
	free(a);
	free(b);
	free(c);
	free(s);
}

/* ---- save / load ---- */

/* The detector's blob in a malloc'ed buffer. */
static unsigned char *save_blob(const struct wfad_detector *det, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	CHECK(f != NULL);
	if (!f)
		return NULL;
	CHECK_INT(det->ops->save(det, f), WFAD_OK);
	fclose(f);
	*len = size;
	return (unsigned char *)buf;
}

/* Loads blob[0..len) through a temporary file (so len may be 0). */
static enum wfad_status load_blob(const struct wfad_detector_ops *ops, const unsigned char *blob,
				  size_t len, struct wfad_detector **out, struct wfad_error *err)
{
	FILE *f = tmpfile();
	if (!f)
		return WFAD_EIO;
	if (len)
		CHECK_INT(fwrite(blob, 1, len, f), len);
	rewind(f);
	enum wfad_status st = ops->load(&(struct wfad_detector_params){.threads = 2}, f, out, err);
	fclose(f);
	return st;
}

WFAD_TEST(classic_save_load_identical_scores)
{
	struct synth *s = synth_make(9);
	size_t n = s->te.n;
	double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));
	for (size_t i = 0; i < N_CLASSIC; i++) {
		struct wfad_detector *det = fit_score(
			classic[i], &(struct wfad_detector_params){.seed = 4}, &s->tr, &s->te, a);
		if (!det)
			continue;
		size_t len = 0;
		unsigned char *blob = save_blob(det, &len);
		struct wfad_detector *back = NULL;
		struct wfad_error err = {0};
		CHECK_OK(load_blob(det->ops, blob, len, &back, &err), &err);
		if (back) {
			CHECK(back->ops == det->ops);
			CHECK_OK(back->ops->score(back, &s->te, b, &err), &err);
			if (memcmp(a, b, n * sizeof(double)) != 0) {
				printf("  %s: scores differ after save/load\n", classic[i]);
				wfad_test_failures++;
			}
			/* Saving the loaded detector gives the same bytes. */
			size_t len2 = 0;
			unsigned char *blob2 = save_blob(back, &len2);
			CHECK(len2 == len && blob2 && memcmp(blob, blob2, len) == 0);
			free(blob2);
			back->ops->destroy(back);
		}
		free(blob);
		det->ops->destroy(det);
	}
	free(a);
	free(b);
	free(s);
}

WFAD_TEST(classic_load_rejects_truncated_and_foreign_blobs)
{
	struct synth *s = synth_make(10);
	double *a = malloc(s->te.n * sizeof(double));
	unsigned char *blobs[N_CLASSIC] = {0};
	size_t lens[N_CLASSIC] = {0};
	for (size_t i = 0; i < N_CLASSIC; i++) {
		struct wfad_detector *det =
			fit_score(classic[i], &(struct wfad_detector_params){0}, &s->tr, &s->te, a);
		if (!det)
			continue;
		blobs[i] = save_blob(det, &lens[i]);
		det->ops->destroy(det);
	}
	for (size_t i = 0; i < N_CLASSIC; i++) {
		if (!blobs[i])
			continue;
		const struct wfad_detector_ops *ops = wfad_detector_find(classic[i]);
		size_t len = lens[i];
		/* Every cut in the header region, a stride through the body, the last byte. */
		size_t bad = 0, tried = 0;
		for (size_t cut = 0; cut < len; cut = cut < 96 ? cut + 1 : cut + 1 + len / 61) {
			struct wfad_detector *out = NULL;
			struct wfad_error err = {0};
			enum wfad_status st = load_blob(ops, blobs[i], cut, &out, &err);
			tried++;
			if (st != WFAD_EPARSE || out != NULL || err.message[0] == '\0') {
				if (bad++ < 3)
					printf("  %s cut at %zu of %zu: %s (%s)\n", classic[i], cut,
					       len, wfad_status_name(st), err.message);
			}
			if (out)
				out->ops->destroy(out);
		}
		struct wfad_detector *out = NULL;
		struct wfad_error err = {0};
		CHECK_INT(load_blob(ops, blobs[i], len - 1, &out, &err), WFAD_EPARSE);
		CHECK(out == NULL);
		CHECK_INT(bad, 0);
		CHECK(tried > 96);
		/* Another detector's blob is foreign. */
		size_t other = (i + 1) % N_CLASSIC;
		if (blobs[other]) {
			CHECK_INT(load_blob(ops, blobs[other], lens[other], &out, &err),
				  WFAD_EFORMAT);
			CHECK(out == NULL);
		}
	}
	for (size_t i = 0; i < N_CLASSIC; i++)
		free(blobs[i]);
	free(a);
	free(s);
}

/* ---- errors ---- */

WFAD_TEST(classic_fit_errors_leave_detector_unfitted)
{
	float x[4 * 3] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
	struct wfad_jobset empty = jobset(x, 0, 3), one = jobset(x, 1, 3), four = jobset(x, 4, 3);
	struct wfad_jobset wrong_d = jobset(x, 4, 2);
	double out[4];
	for (size_t i = 0; i < N_CLASSIC; i++) {
		const struct wfad_detector_ops *ops = wfad_detector_find(classic[i]);
		CHECK(ops != NULL);
		if (!ops)
			continue;
		CHECK_STR(ops->name, classic[i]);
		CHECK(ops->summary && ops->summary[0]);
		struct wfad_detector *det = NULL;
		struct wfad_error err = {0};
		CHECK_INT(ops->create(&(struct wfad_detector_params){0}, &det), WFAD_OK);
		if (!det)
			continue;
		CHECK_INT(ops->score(det, &four, out, &err), WFAD_EINVAL); /* not fitted */
		CHECK_INT(ops->fit(det, &empty, NULL, &err), WFAD_EINVAL);
		CHECK(err.message[0] != '\0');
		CHECK_INT(ops->score(det, &four, out, &err), WFAD_EINVAL);
		/* A good fit, then a failed one: unfitted again. */
		CHECK_OK(ops->fit(det, &four, NULL, &err), &err);
		CHECK_OK(ops->score(det, &four, out, &err), &err);
		CHECK_INT(ops->score(det, &wrong_d, out, &err), WFAD_EINVAL);
		CHECK_INT(ops->fit(det, &empty, NULL, &err), WFAD_EINVAL);
		CHECK_INT(ops->score(det, &four, out, &err), WFAD_EINVAL);
		/* One row: enough for knn and hbos, not for lof (no neighbour) or iforest. */
		enum wfad_status st = ops->fit(det, &one, NULL, &err);
		bool needs_two = !strcmp(classic[i], "lof") || !strcmp(classic[i], "iforest");
		CHECK_INT(st, needs_two ? WFAD_EINVAL : WFAD_OK);
		ops->destroy(det);
	}
}

WFAD_TEST(classic_create_rejects_negative_params)
{
	struct wfad_detector *det = NULL;
	CHECK_INT(wfad_detector_find("knn")->create(&(struct wfad_detector_params){.k = -1}, &det),
		  WFAD_EINVAL);
	CHECK_INT(wfad_detector_find("hbos")->create(&(struct wfad_detector_params){.bins = -3},
						     &det),
		  WFAD_EINVAL);
	CHECK_INT(wfad_detector_find("iforest")->create(
			  &(struct wfad_detector_params){.n_trees = -1}, &det),
		  WFAD_EINVAL);
	CHECK(det == NULL);
}

/* ---- iforest specifics ---- */

WFAD_TEST(iforest_c_normaliser)
{
	/* c(n) = 2 H(n-1) - 2 (n-1)/n with H(i) = ln(i) + 0.5772156649. For n = 256:
	 *   ln(255)          = 5.541263545158426 (= ln(3) + ln(5) + ln(17))
	 *   H(255)           = 5.541263545158426 + 0.5772156649 = 6.118479210058426
	 *   2 H(255)         = 12.236958420116852
	 *   2 * 255 / 256    = 1.9921875
	 *   c(256)           = 12.236958420116852 - 1.9921875 = 10.244770920116852
	 * For n = 3: 2 (ln 2 + 0.5772156649) - 4/3 = 2.5407256909198906 - 1.3333333333333333
	 *   = 1.2073923575865573. The paper's small cases: c(2) = 1, c(1) = c(0) = 0. */
	CHECK_NEAR(wfad_iforest_c(256), 10.244770920116851, 1e-12);
	CHECK_NEAR(wfad_iforest_c(3), 1.2073923575865573, 1e-12);
	CHECK_NEAR(wfad_iforest_c(2), 1.0, 0.0);
	CHECK_NEAR(wfad_iforest_c(1), 0.0, 0.0);
	CHECK_NEAR(wfad_iforest_c(0), 0.0, 0.0);
	/* Grows like 2 ln n: c(1e6) = 2 (ln(999999) + gamma) - 2 * 999999 / 1e6. */
	CHECK_NEAR(wfad_iforest_c(1000000),
		   2.0 * (log(999999.0) + 0.5772156649) - 2.0 * 999999.0 / 1e6, 1e-12);
}

WFAD_TEST(iforest_constant_data_scores_one_half)
{
	/* No feature can split: every tree is one leaf of psi rows, h = c(psi) for any row, and
	 * the score is 2^(-c/c) = 0.5 exactly. */
	float x[300 * 4];
	for (size_t i = 0; i < 300 * 4; i++)
		x[i] = (float)(i % 4);
	struct wfad_jobset js = jobset(x, 300, 4);
	double out[300];
	struct wfad_detector *det =
		fit_score("iforest", &(struct wfad_detector_params){.n_trees = 10}, &js, &js, out);
	if (det) {
		for (size_t i = 0; i < 300; i++)
			CHECK_NEAR(out[i], 0.5, 0.0);
		det->ops->destroy(det);
	}
}

WFAD_TEST(iforest_constant_feature_is_skipped)
{
	/* Column 0 constant, column 1 separates one far row: it must be the most anomalous. */
	float x[200 * 2];
	for (size_t i = 0; i < 200; i++) {
		x[2 * i] = 3.0f;
		x[2 * i + 1] = i == 137 ? 1000.0f : (float)(i % 10);
	}
	struct wfad_jobset js = jobset(x, 200, 2);
	double out[200];
	struct wfad_detector *det =
		fit_score("iforest", &(struct wfad_detector_params){.seed = 3}, &js, &js, out);
	if (det) {
		for (size_t i = 0; i < 200; i++)
			if (i != 137)
				CHECK(out[137] > out[i]);
		det->ops->destroy(det);
	}
}

/* ---- neighbour search exactness ---- */

/* Small data with ties: values on a coarse grid, many exact duplicates. */
static void grid_rows(struct wfad_rng *rng, float *x, size_t n, size_t d, int levels)
{
	for (size_t i = 0; i < n * d; i++)
		x[i] = (float)wfad_rng_below(rng, (uint64_t)levels) * 0.25f;
}

static double dist2_ref(const float *a, const float *b, size_t d)
{
	double acc = 0.0;
	for (size_t j = 0; j < d; j++) {
		double diff = (double)a[j] - (double)b[j];
		acc += diff * diff;
	}
	return acc;
}

/* First row of x equal to row i: the tie-break key of the brute-force references. */
static size_t first_equal(const float *x, size_t d, size_t i)
{
	for (size_t r = 0; r < i; r++)
		if (memcmp(x + r * d, x + i * d, d * sizeof(float)) == 0)
			return r;
	return i;
}

struct ref_nbr {
	double d2;
	size_t key, row;
};

static int cmp_ref(const void *a, const void *b)
{
	const struct ref_nbr *x = a, *y = b;
	if (x->d2 != y->d2)
		return x->d2 < y->d2 ? -1 : 1;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return (x->row > y->row) - (x->row < y->row);
}

/* Brute force: the training rows sorted by (distance, first equal row), leaving out row
 * `skip` (SIZE_MAX: none). Returns how many there are; nb holds n. */
static size_t ref_neighbours(const float *x, size_t n, size_t d, const size_t *key, const float *q,
			     size_t skip, struct ref_nbr *nb)
{
	size_t m = 0;
	for (size_t r = 0; r < n; r++)
		if (r != skip)
			nb[m++] = (struct ref_nbr){dist2_ref(q, x + r * d, d), key[r], r};
	qsort(nb, m, sizeof(*nb), cmp_ref);
	return m;
}

WFAD_TEST(nbr_query_matches_naive_scan)
{
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 99);
	size_t n = 700, d = 5;
	float *x = malloc(n * d * sizeof(float)), *q = malloc(200 * d * sizeof(float));
	grid_rows(&rng, x, n, d, 6);
	grid_rows(&rng, q, 200, d, 7);
	struct wfad_nbr_index ix = {0};
	struct wfad_error err = {0};
	CHECK_OK(wfad_nbr_build(&ix, x, n, d, &err), &err);
	CHECK(ix.n < n); /* the grid has duplicates */
	CHECK_INT(ix.total, n);
	struct wfad_nbr_hit a[64], b[64];
	size_t ks[] = {1, 5, 20, 64};
	size_t mismatches = 0;
	for (size_t ki = 0; ki < 4; ki++) {
		for (size_t i = 0; i < 200 + 50; i++) {
			/* The first 200 queries are new rows; the rest are training rows with
			 * themselves left out. */
			const float *row = i < 200 ? q + i * d : ix.rows + (i - 200) * d;
			uint32_t self = i < 200 ? UINT32_MAX : (uint32_t)(i - 200);
			size_t na = wfad_nbr_query(&ix, row, ks[ki], self, a);
			size_t nb = wfad_nbr_query_naive(&ix, row, ks[ki], self, b);
			size_t taken = 0;
			for (size_t h = 0; h < na; h++)
				taken += a[h].take;
			CHECK_INT(taken, ks[ki]);
			if (na != nb || memcmp(a, b, na * sizeof(a[0])) != 0)
				mismatches++;
		}
	}
	CHECK_INT(mismatches, 0);
	/* More neighbours asked than rows exist: all of them. */
	struct wfad_nbr_index small = {0};
	CHECK_OK(wfad_nbr_build(&small, x, 7, d, &err), &err);
	size_t nh = wfad_nbr_query(&small, q, 64, UINT32_MAX, a);
	size_t taken = 0;
	for (size_t h = 0; h < nh; h++)
		taken += a[h].take;
	CHECK_INT(taken, 7);
	wfad_nbr_free(&small);
	wfad_nbr_free(&ix);
	free(x);
	free(q);
}

/* Fits knn and lof on n grid rows and checks their scores of m queries against brute force
 * over the raw rows, bit for bit. */
static void check_exact(size_t n, size_t m, size_t d, int levels, int k, uint64_t seed)
{
	struct wfad_rng rng;
	wfad_rng_seed(&rng, seed);
	float *x = malloc(n * d * sizeof(float)), *q = malloc(m * d * sizeof(float));
	grid_rows(&rng, x, n, d, levels);
	grid_rows(&rng, q, m, d, levels + 1);
	memcpy(q, x, d * sizeof(float)); /* a query equal to a training row */
	size_t *key = malloc(n * sizeof(size_t));
	for (size_t i = 0; i < n; i++)
		key[i] = first_equal(x, d, i);
	struct ref_nbr *nb = malloc(n * sizeof(*nb));
	double *kdist = malloc(n * sizeof(double)), *lrd = malloc(n * sizeof(double));
	double *knn_ref = malloc(m * sizeof(double)), *lof_ref = malloc(m * sizeof(double));
	double *got = malloc(m * sizeof(double));

	size_t kk = (size_t)k < n ? (size_t)k : n; /* knn */
	for (size_t i = 0; i < m; i++) {
		ref_neighbours(x, n, d, key, q + i * d, SIZE_MAX, nb);
		double s = 0.0;
		for (size_t h = 0; h < kk; h++)
			s += sqrt(nb[h].d2);
		knn_ref[i] = s / (double)kk;
	}
	size_t kl = (size_t)k < n - 1 ? (size_t)k : n - 1; /* lof */
	for (size_t i = 0; i < n; i++) {
		ref_neighbours(x, n, d, key, x + i * d, i, nb);
		kdist[i] = sqrt(nb[kl - 1].d2);
	}
	for (size_t i = 0; i < n; i++) {
		ref_neighbours(x, n, d, key, x + i * d, i, nb);
		double s = 0.0;
		for (size_t h = 0; h < kl; h++)
			s += fmax(sqrt(nb[h].d2), kdist[nb[h].row]);
		lrd[i] = 1.0 / (s / (double)kl + 1e-10);
	}
	for (size_t i = 0; i < m; i++) {
		ref_neighbours(x, n, d, key, q + i * d, SIZE_MAX, nb);
		double s = 0.0;
		for (size_t h = 0; h < kl; h++)
			s += fmax(sqrt(nb[h].d2), kdist[nb[h].row]);
		double lq = 1.0 / (s / (double)kl + 1e-10);
		double r = 0.0;
		for (size_t h = 0; h < kl; h++)
			r += lrd[nb[h].row] / lq;
		lof_ref[i] = r / (double)kl;
	}

	struct wfad_jobset tr = jobset(x, n, d), te = jobset(q, m, d);
	struct wfad_detector_params p = {.k = k, .threads = 2};
	struct wfad_detector *det = fit_score("knn", &p, &tr, &te, got);
	if (det) {
		size_t bad = 0;
		for (size_t i = 0; i < m; i++)
			if (got[i] != knn_ref[i] && bad++ < 3)
				printf("  knn row %zu: %.17g vs %.17g\n", i, got[i], knn_ref[i]);
		CHECK_INT(bad, 0);
		det->ops->destroy(det);
	}
	det = fit_score("lof", &p, &tr, &te, got);
	if (det) {
		size_t bad = 0;
		for (size_t i = 0; i < m; i++)
			if (got[i] != lof_ref[i] && bad++ < 3)
				printf("  lof row %zu: %.17g vs %.17g\n", i, got[i], lof_ref[i]);
		CHECK_INT(bad, 0);
		det->ops->destroy(det);
	}
	free(x);
	free(q);
	free(key);
	free(nb);
	free(kdist);
	free(lrd);
	free(knn_ref);
	free(lof_ref);
	free(got);
}

WFAD_TEST(knn_lof_exact_vs_brute_force)
{
	check_exact(400, 150, 3, 5, 5, 1);   /* many duplicates and ties */
	check_exact(400, 150, 4, 40, 20, 2); /* few duplicates */
	check_exact(300, 100, 2, 3, 7, 3);   /* rows repeated more than k times */
	check_exact(6, 20, 3, 4, 20, 4);     /* k larger than the training set */
}

WFAD_TEST(knn_identical_rows_score_zero)
{
	/* Five copies of each row: the 5 nearest of a training row are its copies. */
	float x[40 * 2];
	for (size_t i = 0; i < 40; i++) {
		x[2 * i] = (float)(i % 8);
		x[2 * i + 1] = (float)(i % 8) * 0.5f;
	}
	struct wfad_jobset js = jobset(x, 40, 2);
	double out[40];
	struct wfad_detector *det =
		fit_score("knn", &(struct wfad_detector_params){0}, &js, &js, out);
	if (det) {
		for (size_t i = 0; i < 40; i++)
			CHECK_NEAR(out[i], 0.0, 0.0);
		det->ops->destroy(det);
	}
}

/* ---- hbos specifics ---- */

WFAD_TEST(hbos_histogram_terms)
{
	/* One feature, 10 rows at 0..9, 10 bins of width 0.9: one row per bin, density
	 * 1 / (10 * 0.9), term -log2(1/9 + 0.1). A value half a bin outside still counts in the
	 * edge bin; farther out it gets the empty-bin term -log2(0.1). */
	float x[10];
	for (int i = 0; i < 10; i++)
		x[i] = (float)i;
	float q[4] = {4.5f, -0.4f, 9.45f, 20.0f};
	struct wfad_jobset tr = jobset(x, 10, 1), te = jobset(q, 4, 1);
	double out[4];
	struct wfad_detector *det =
		fit_score("hbos", &(struct wfad_detector_params){0}, &tr, &te, out);
	if (det) {
		double t = -log2(1.0 / 9.0 + 0.1);
		CHECK_NEAR(out[0], t, 1e-12);
		CHECK_NEAR(out[1], t, 1e-12);
		CHECK_NEAR(out[2], t, 1e-12);
		CHECK_NEAR(out[3], -log2(0.1), 1e-12);
		det->ops->destroy(det);
	}
}

/* ---- corrupt blobs and dedup ---- */

WFAD_TEST(iforest_load_rejects_malformed_tree)
{
	struct synth *s = synth_make(12);
	double *a = malloc(s->te.n * sizeof(double));
	struct wfad_detector *det = fit_score(
		"iforest", &(struct wfad_detector_params){.n_trees = 3}, &s->tr, &s->te, a);
	if (det) {
		size_t len = 0;
		unsigned char *blob = save_blob(det, &len);
		/* Layout: magic, version (u32 each), seed, d, psi, n_trees (u64 each), then tree
		 * 0: its node count (u32) and nodes of split (f32), feature, child (u32), path
		 * (f64). The root (offset 44) is internal. */
		size_t root = 4 + 4 + 4 * 8 + 4;
		struct {
			size_t at;
			uint32_t value;
		} cases[] = {{root + 4, DIM}, {root + 8, 0}, {root + 8, 0xffffffffu}};
		for (size_t c = 0; blob && c < 3; c++) {
			unsigned char *bad = malloc(len);
			memcpy(bad, blob, len);
			for (int b = 0; b < 4; b++)
				bad[cases[c].at + (size_t)b] =
					(unsigned char)(cases[c].value >> (8 * b));
			struct wfad_detector *out = NULL;
			struct wfad_error err = {0};
			CHECK_INT(load_blob(det->ops, bad, len, &out, &err), WFAD_EPARSE);
			CHECK(out == NULL && strstr(err.message, "malformed") != NULL);
			free(bad);
		}
		free(blob);
		det->ops->destroy(det);
	}
	free(a);
	free(s);
}

WFAD_TEST(row_dedup_groups_identical_rows)
{
	float x[6 * 2] = {1, 2, 0.0f, 5, 1, 2, -0.0f, 5, 1, 2.5f, 0, 5};
	uint32_t group[6], first[6];
	size_t nu = 0;
	CHECK_INT(wfad_rows_dedup(x, 6, 2, group, first, &nu), WFAD_OK);
	CHECK_INT(nu, 3);
	uint32_t want[6] = {0, 1, 0, 1, 2, 1}; /* -0.0 equals 0.0 */
	for (int i = 0; i < 6; i++)
		CHECK_INT(group[i], want[i]);
	CHECK_INT(first[0], 0);
	CHECK_INT(first[1], 1);
	CHECK_INT(first[2], 4);
}
