/* Tests of the ae and mlp detectors on seeded synthetic data: planted anomalies must score
 * high, runs are reproducible, models round-trip, and bad input or divergence fails clearly. */
#include <stdlib.h>

#include "test.h"
#include "wfad/detect.h"
#include "wfad/eval.h"

/* Synthetic rows with labels; the jobset borrows them. */
struct synth {
	size_t n, d;
	float *x;
	uint8_t *y;
	struct wfad_jobset js;
};

static void synth_alloc(struct synth *s, size_t n, size_t d)
{
	s->n = n;
	s->d = d;
	s->x = malloc(n * d * sizeof(float));
	s->y = calloc(n, 1);
	s->js = (struct wfad_jobset){.n = n, .d = d, .x = s->x, .y = s->y};
}

static void synth_free(struct synth *s)
{
	free(s->x);
	free(s->y);
}

static double gauss(struct wfad_rng *rng)
{
	double u = wfad_rng_uniform(rng), v = wfad_rng_uniform(rng);
	return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

/* Normal rows lie near a curved 2-D surface in 8-D: x = A z + 0.3 B (z * z) + noise, z in
 * [-1, 1]^2; the first n_out rows (label 1) are uniform in the box around it instead. */
static void make_manifold(struct synth *s, size_t n, size_t n_out, uint64_t seed)
{
	enum { D = 8 };
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 1234); /* the surface is fixed, the sample varies */
	double a[D][2], b[D][2];
	for (size_t j = 0; j < D; j++)
		for (size_t k = 0; k < 2; k++) {
			a[j][k] = 2.0 * wfad_rng_uniform(&rng) - 1.0;
			b[j][k] = 2.0 * wfad_rng_uniform(&rng) - 1.0;
		}
	wfad_rng_seed(&rng, seed);
	synth_alloc(s, n, D);
	for (size_t i = 0; i < n; i++) {
		bool out = i < n_out;
		s->y[i] = out;
		double z0 = 2.0 * wfad_rng_uniform(&rng) - 1.0,
		       z1 = 2.0 * wfad_rng_uniform(&rng) - 1.0;
		for (size_t j = 0; j < D; j++) {
			double v = a[j][0] * z0 + a[j][1] * z1 +
				   0.3 * (b[j][0] * z0 * z0 + b[j][1] * z1 * z1);
			if (out)
				v = 3.0 * wfad_rng_uniform(&rng) - 1.5;
			else
				v += 0.02 * gauss(&rng);
			s->x[i * D + j] = (float)v;
		}
	}
}

/* Rows N(0, I) in 10-D; label 1 when x0^2 + x1^2 > 4.6 (about 10% of rows): separable, but
 * not linearly. */
static void make_ring(struct synth *s, size_t n, uint64_t seed)
{
	enum { D = 10 };
	struct wfad_rng rng;
	wfad_rng_seed(&rng, seed);
	synth_alloc(s, n, D);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < D; j++)
			s->x[i * D + j] = (float)gauss(&rng);
		double r2 = (double)s->x[i * D] * s->x[i * D] +
			    (double)s->x[i * D + 1] * s->x[i * D + 1];
		s->y[i] = r2 > 4.6;
	}
}

static struct wfad_detector *fit_or_null(const char *name, const struct wfad_detector_params *p,
					 const struct wfad_jobset *train,
					 const struct wfad_jobset *valid)
{
	const struct wfad_detector_ops *ops = wfad_detector_find(name);
	CHECK(ops != NULL);
	if (!ops)
		return NULL;
	struct wfad_detector *det = NULL;
	CHECK_INT(ops->create(p, &det), WFAD_OK);
	if (!det)
		return NULL;
	struct wfad_error err = {0};
	enum wfad_status st = ops->fit(det, train, valid, &err);
	CHECK_OK(st, &err);
	if (st != WFAD_OK) {
		ops->destroy(det);
		return NULL;
	}
	return det;
}

static double *score_or_null(const struct wfad_detector *det, const struct wfad_jobset *js)
{
	double *s = malloc((js->n ? js->n : 1) * sizeof(double));
	struct wfad_error err = {0};
	enum wfad_status st = det->ops->score(det, js, s, &err);
	CHECK_OK(st, &err);
	if (st != WFAD_OK) {
		free(s);
		return NULL;
	}
	return s;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

WFAD_TEST(ae_flags_off_manifold_points)
{
	struct synth train, valid, test;
	make_manifold(&train, 2000, 0, 1);
	make_manifold(&valid, 500, 0, 2);
	make_manifold(&test, 1000, 40, 3);
	struct wfad_detector_params p = {.seed = 7};
	struct wfad_detector *det = fit_or_null("ae", &p, &train.js, &valid.js);
	double *s = det ? score_or_null(det, &test.js) : NULL;
	if (s) {
		double auc = wfad_metrics_roc_auc(s, test.y, test.n);
		/* 95th percentile of the normal rows' scores */
		size_t n_norm = test.n - 40;
		double *norm = malloc(n_norm * sizeof(double));
		memcpy(norm, s + 40, n_norm * sizeof(double));
		qsort(norm, n_norm, sizeof(double), cmp_double);
		double p95 = norm[(size_t)(0.95 * (double)n_norm)];
		size_t above = 0;
		for (size_t i = 0; i < 40; i++)
			above += s[i] > p95;
		printf("  ae: AUC %.4f, %zu of 40 outliers above the normal p95 %.4g\n", auc, above,
		       p95);
		CHECK(auc >= 0.95);
		CHECK(above >= 38);
		free(norm);
	}
	free(s);
	if (det)
		det->ops->destroy(det);
	synth_free(&train);
	synth_free(&valid);
	synth_free(&test);
}

WFAD_TEST(mlp_learns_ring_labels)
{
	struct synth train, valid, test;
	make_ring(&train, 3000, 11);
	make_ring(&valid, 1000, 12);
	make_ring(&test, 2000, 13);
	struct wfad_detector_params p = {.seed = 3};
	const struct wfad_detector_ops *ops = wfad_detector_find("mlp");
	CHECK(ops && (ops->flags & WFAD_DETECTOR_SUPERVISED) &&
	      (ops->flags & WFAD_DETECTOR_PROBABILITY));
	struct wfad_detector *det = fit_or_null("mlp", &p, &train.js, &valid.js);
	double *s = det ? score_or_null(det, &test.js) : NULL;
	if (s) {
		double auc = wfad_metrics_roc_auc(s, test.y, test.n);
		printf("  mlp: test AUC %.4f\n", auc);
		CHECK(auc >= 0.95);
		for (size_t i = 0; i < test.n; i++)
			CHECK(s[i] >= 0.0 && s[i] <= 1.0);
	}
	free(s);
	if (det)
		det->ops->destroy(det);
	synth_free(&train);
	synth_free(&valid);
	synth_free(&test);
}

/* Fits twice with one seed (identical scores) and once with another (different scores). */
static void check_deterministic(const char *name, const struct synth *train,
				const struct synth *valid, const struct synth *test)
{
	struct wfad_detector_params p = {.seed = 99, .epochs = 5};
	struct wfad_detector *a = fit_or_null(name, &p, &train->js, &valid->js);
	struct wfad_detector *b = fit_or_null(name, &p, &train->js, &valid->js);
	p.seed = 100;
	struct wfad_detector *c = fit_or_null(name, &p, &train->js, &valid->js);
	if (a && b && c) {
		double *sa = score_or_null(a, &test->js), *sb = score_or_null(b, &test->js);
		double *sc = score_or_null(c, &test->js);
		if (sa && sb && sc) {
			CHECK(memcmp(sa, sb, test->n * sizeof(double)) == 0);
			CHECK(memcmp(sa, sc, test->n * sizeof(double)) != 0);
		}
		free(sa);
		free(sb);
		free(sc);
	}
	if (a)
		a->ops->destroy(a);
	if (b)
		b->ops->destroy(b);
	if (c)
		c->ops->destroy(c);
}

WFAD_TEST(nn_detectors_deterministic)
{
	struct synth tr, va, te;
	make_manifold(&tr, 600, 0, 1);
	make_manifold(&va, 200, 0, 2);
	make_manifold(&te, 300, 10, 3);
	check_deterministic("ae", &tr, &va, &te);
	synth_free(&tr);
	synth_free(&va);
	synth_free(&te);
	make_ring(&tr, 600, 1);
	make_ring(&va, 200, 2);
	make_ring(&te, 300, 3);
	check_deterministic("mlp", &tr, &va, &te);
	synth_free(&tr);
	synth_free(&va);
	synth_free(&te);
}

WFAD_TEST(nn_detectors_scores_independent_of_threads)
{
	/* 20000 rows: enough for several scoring workers */
	struct synth tr, te;
	make_ring(&tr, 1000, 1);
	make_ring(&te, 20000, 2);
	const char *names[2] = {"ae", "mlp"};
	for (int k = 0; k < 2; k++) {
		struct wfad_detector_params p1 = {.seed = 5, .epochs = 2, .threads = 1};
		struct wfad_detector_params p3 = {.seed = 5, .epochs = 2, .threads = 3};
		struct wfad_detector *a = fit_or_null(names[k], &p1, &tr.js, NULL);
		struct wfad_detector *b = fit_or_null(names[k], &p3, &tr.js, NULL);
		if (a && b) {
			double *sa = score_or_null(a, &te.js), *sb = score_or_null(b, &te.js);
			if (sa && sb)
				CHECK(memcmp(sa, sb, te.n * sizeof(double)) == 0);
			/* a single row scores as it does inside a batch */
			struct wfad_jobset one = te.js;
			one.n = 1;
			one.x = te.x + 777 * te.d;
			double s1;
			struct wfad_error err = {0};
			CHECK_OK(a->ops->score(a, &one, &s1, &err), &err);
			if (sa)
				CHECK(s1 == sa[777]);
			free(sa);
			free(sb);
		}
		if (a)
			a->ops->destroy(a);
		if (b)
			b->ops->destroy(b);
	}
	synth_free(&tr);
	synth_free(&te);
}

/* Saves det, loads it back (same scores), then every truncation fails with WFAD_EPARSE. */
static void check_save_load(struct wfad_detector *det, const struct synth *test)
{
	const struct wfad_detector_ops *ops = det->ops;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(ops->save(det, f), WFAD_OK);
	fclose(f);
	struct wfad_detector_params p = {0};
	struct wfad_detector *back = NULL;
	struct wfad_error err = {0};
	f = fmemopen(buf, len, "rb");
	CHECK_OK(ops->load(&p, f, &back, &err), &err);
	CHECK(fgetc(f) == EOF); /* consumed exactly its bytes */
	fclose(f);
	if (back) {
		double *s1 = score_or_null(det, &test->js), *s2 = score_or_null(back, &test->js);
		if (s1 && s2)
			CHECK(memcmp(s1, s2, test->n * sizeof(double)) == 0);
		free(s1);
		free(s2);
		ops->destroy(back);
	}
	size_t bad = 0;
	for (size_t cut = 1; cut < len; cut += cut < 64 ? 1 : 61) {
		f = fmemopen(buf, cut, "rb");
		back = NULL;
		enum wfad_status st = ops->load(&p, f, &back, &err);
		fclose(f);
		if (st != WFAD_EPARSE || back != NULL)
			bad++;
	}
	f = fmemopen(buf, len - 1, "rb");
	CHECK_INT(ops->load(&p, f, &back, &err), WFAD_EPARSE);
	fclose(f);
	CHECK_INT(bad, 0);
	/* another detector's blob is not ours */
	const struct wfad_detector_ops *other =
		wfad_detector_find(strcmp(ops->name, "ae") == 0 ? "mlp" : "ae");
	f = fmemopen(buf, len, "rb");
	back = NULL;
	CHECK_INT(other->load(&p, f, &back, &err), WFAD_EFORMAT);
	CHECK(back == NULL);
	fclose(f);
	/* a corrupted width is caught */
	buf[12] = (char)0xff;
	buf[13] = (char)0xff;
	buf[14] = (char)0xff;
	f = fmemopen(buf, len, "rb");
	CHECK_INT(ops->load(&p, f, &back, &err), WFAD_EPARSE);
	fclose(f);
	free(buf);
}

WFAD_TEST(nn_detectors_save_load)
{
	struct synth tr, te;
	make_ring(&tr, 500, 1);
	make_ring(&te, 200, 2);
	struct wfad_detector_params p = {.seed = 1, .epochs = 3};
	struct wfad_detector *ae = fit_or_null("ae", &p, &tr.js, NULL);
	struct wfad_detector *mlp = fit_or_null("mlp", &p, &tr.js, NULL);
	if (ae) {
		check_save_load(ae, &te);
		ae->ops->destroy(ae);
	}
	if (mlp) {
		check_save_load(mlp, &te);
		mlp->ops->destroy(mlp);
	}
	synth_free(&tr);
	synth_free(&te);
}

WFAD_TEST(mlp_needs_both_classes)
{
	struct synth tr;
	make_ring(&tr, 300, 1);
	const struct wfad_detector_ops *ops = wfad_detector_find("mlp");
	struct wfad_detector *det = NULL;
	CHECK_INT(ops->create(NULL, &det), WFAD_OK);
	struct wfad_error err = {0};
	memset(tr.y, 0, tr.n);
	CHECK_INT(ops->fit(det, &tr.js, NULL, &err), WFAD_EINVAL);
	printf("  %s\n", err.message);
	CHECK(strstr(err.message, "no anomalous") != NULL);
	memset(tr.y, 1, tr.n);
	CHECK_INT(ops->fit(det, &tr.js, NULL, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "no normal") != NULL);
	struct wfad_jobset unlabelled = tr.js;
	unlabelled.y = NULL;
	CHECK_INT(ops->fit(det, &unlabelled, NULL, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "labels") != NULL);
	double s;
	CHECK_INT(ops->score(det, &tr.js, &s, &err), WFAD_EINVAL); /* still unfitted */
	ops->destroy(det);
	synth_free(&tr);
}

WFAD_TEST(nn_detectors_divergence_names_epoch)
{
	struct synth tr;
	make_ring(&tr, 600, 1);
	wfad_test_divergence_names_epoch("ae", &tr.js);
	wfad_test_divergence_names_epoch("mlp", &tr.js);
	synth_free(&tr);
}

struct progress_log {
	size_t calls, last_done, total;
};

static void on_progress(void *user, size_t done, size_t total)
{
	struct progress_log *log = user;
	log->calls++;
	CHECK_INT(done, log->calls);
	log->last_done = done;
	log->total = total;
}

WFAD_TEST(nn_detectors_progress_and_early_stop)
{
	struct synth tr, va;
	make_manifold(&tr, 400, 0, 1);
	make_manifold(&va, 200, 0, 2);
	struct progress_log log = {0};
	struct wfad_detector_params p = {
		.seed = 2, .epochs = 4, .progress = on_progress, .progress_user = &log};
	struct wfad_detector *det = fit_or_null("ae", &p, &tr.js, NULL);
	CHECK_INT(log.calls, 4);
	CHECK_INT(log.total, 4);
	if (det)
		det->ops->destroy(det);
	/* with validation and patience 2 the run stops once the validation loss plateaus */
	log = (struct progress_log){0};
	p = (struct wfad_detector_params){.seed = 2,
					  .epochs = 500,
					  .patience = 2,
					  .progress = on_progress,
					  .progress_user = &log};
	det = fit_or_null("ae", &p, &tr.js, &va.js);
	CHECK(log.calls >= 3 && log.calls < 500);
	CHECK_INT(log.total, 500);
	if (det)
		det->ops->destroy(det);
	/* column mismatch at scoring time */
	det = fit_or_null("ae", &(struct wfad_detector_params){.epochs = 1}, &tr.js, NULL);
	if (det) {
		struct wfad_jobset narrow = tr.js;
		narrow.d = 7;
		double s[400];
		struct wfad_error err = {0};
		CHECK_INT(det->ops->score(det, &narrow, s, &err), WFAD_EINVAL);
		det->ops->destroy(det);
	}
	synth_free(&tr);
	synth_free(&va);
}
