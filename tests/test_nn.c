/* Tests of the neural-network core: finite-difference gradient checks of every backward, the
 * optimised matrix product against the reference, AdamW, clipping and a small overfit. */
#include <stdlib.h>

#include "test.h"
#include "wfad/nn.h"

/* ---- helpers ---------------------------------------------------------------------------- */

static void fill_uniform(float *v, size_t n, float lo, float hi, struct wfad_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		v[i] = lo + (hi - lo) * (float)wfad_rng_uniform(rng);
}

/* Away from 0 by at least 0.1, so ReLU kinks stay out of the finite-difference stencil. */
static void fill_away_from_zero(float *v, size_t n, struct wfad_rng *rng)
{
	for (size_t i = 0; i < n; i++) {
		float u = 0.1f + (float)wfad_rng_uniform(rng);
		v[i] = wfad_rng_uniform(rng) < 0.5 ? -u : u;
	}
}

static double dot_r(const float *y, const float *r, size_t n)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += (double)y[i] * r[i];
	return s;
}

/* Relative error ||a - b|| / max(||a||, ||b||, 1e-6), in double. */
static double rel_err(const float *a, const double *b, size_t n)
{
	double d = 0.0, na = 0.0, nb = 0.0;
	for (size_t i = 0; i < n; i++) {
		d += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
		na += (double)a[i] * a[i];
		nb += b[i] * b[i];
	}
	double den = sqrt(na > nb ? na : nb);
	return sqrt(d) / (den > 1e-6 ? den : 1e-6);
}

/* A scalar function of the float vector v, for central differences. */
typedef double (*scalar_fn)(void *ctx);

/* num[i] = (f(v + h e_i) - f(v - h e_i)) / 2h, evaluated in double from float outputs. */
static void numeric_grad(float *v, size_t n, scalar_fn f, void *ctx, double *num)
{
	const float h = 1e-3f;
	for (size_t i = 0; i < n; i++) {
		float keep = v[i];
		v[i] = keep + h;
		double fp = f(ctx);
		v[i] = keep - h;
		double fm = f(ctx);
		v[i] = keep;
		num[i] = (fp - fm) / (2.0 * (double)h);
	}
}

#define GRAD_TOL 1e-2

/* ---- matrix products ------------------------------------------------------------------- */

static void check_gemm_case(bool ta, bool tb, size_t m, size_t n, size_t k, size_t pad,
			    struct wfad_rng *rng)
{
	size_t lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad;
	size_t arows = ta ? k : m, brows = tb ? n : k;
	float *a = malloc(arows * lda * sizeof(float));
	float *b = malloc(brows * ldb * sizeof(float));
	float *c1 = malloc(m * ldc * sizeof(float));
	float *c2 = malloc(m * ldc * sizeof(float));
	fill_uniform(a, arows * lda, -1.0f, 1.0f, rng);
	fill_uniform(b, brows * ldb, -1.0f, 1.0f, rng);
	fill_uniform(c1, m * ldc, -1.0f, 1.0f, rng);
	memcpy(c2, c1, m * ldc * sizeof(float));
	wfad_nn_gemm_ref(ta, tb, m, n, k, a, lda, b, ldb, c1, ldc);
	wfad_nn_gemm(ta, tb, m, n, k, a, lda, b, ldb, c2, ldc);
	double worst = 0.0;
	bool pad_ok = true;
	for (size_t i = 0; i < m; i++) {
		for (size_t j = 0; j < n; j++) {
			/* scale: the sum of |terms|, the natural size of float rounding error */
			double scale = 1.0;
			for (size_t p = 0; p < k; p++)
				scale += fabs((double)(ta ? a[p * lda + i] : a[i * lda + p]) *
					      (tb ? b[j * ldb + p] : b[p * ldb + j]));
			double e = fabs((double)c1[i * ldc + j] - c2[i * ldc + j]) / scale;
			if (e > worst)
				worst = e;
		}
		for (size_t j = n; j < ldc; j++)
			pad_ok = pad_ok && c1[i * ldc + j] == c2[i * ldc + j];
	}
	if (!(worst < 1e-5) || !pad_ok)
		printf("  gemm ta=%d tb=%d m=%zu n=%zu k=%zu pad=%zu: rel err %.3g, pad %s\n", ta,
		       tb, m, n, k, pad, worst, pad_ok ? "kept" : "overwritten");
	CHECK(worst < 1e-5);
	CHECK(pad_ok);
	free(a);
	free(b);
	free(c1);
	free(c2);
}

WFAD_TEST(nn_gemm_matches_reference)
{
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 11);
	static const size_t shapes[][3] = {
		{1, 1, 1},      {3, 17, 5},   {37, 64, 46},  {256, 1, 64},  {5, 3, 200},
		{130, 70, 300}, {8, 16, 128}, {17, 33, 129}, {64, 46, 256}, {2, 100, 7},
	};
	/* every build the CPU can run: AVX-512, AVX2+FMA, baseline SSE2 */
	for (int isa = WFAD_NN_ISA_AVX512; isa >= WFAD_NN_ISA_BASELINE; isa--) {
		if ((int)wfad_nn_set_isa_cap((enum wfad_nn_isa)isa) != isa)
			continue;
		for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++)
			for (int t = 0; t < 4; t++)
				check_gemm_case(t & 1, t & 2, shapes[s][0], shapes[s][1],
						shapes[s][2], s % 3 == 1 ? 3 : 0, &rng);
	}
	wfad_nn_set_isa_cap(WFAD_NN_ISA_AVX512);
}

WFAD_TEST(nn_gemm_accumulates_and_handles_empty)
{
	float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 1, 1}, c[4] = {10, 20, 30, 40};
	/* [2 x 3] * [3 x 2] */
	wfad_nn_gemm(false, false, 2, 2, 3, a, 3, b, 2, c, 2);
	CHECK_NEAR(c[0], 10 + 1 + 3, 0);
	CHECK_NEAR(c[1], 20 + 2 + 3, 0);
	CHECK_NEAR(c[2], 30 + 4 + 6, 0);
	CHECK_NEAR(c[3], 40 + 5 + 6, 0);
	wfad_nn_gemm(false, false, 2, 2, 0, a, 3, b, 2, c, 2); /* k = 0: C unchanged */
	CHECK_NEAR(c[0], 14, 0);
}

WFAD_TEST(nn_sum_rows_matches_loop)
{
	/* column sums in row order: bitwise the plain loop, for every width class and build */
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 4);
	static const size_t cols[] = {1, 11, 16, 46, 64, 80, 130};
	static const size_t rows[] = {0, 1, 7, 256};
	float *x = malloc(256 * 130 * sizeof(float));
	fill_uniform(x, 256 * 130, -1.0f, 1.0f, &rng);
	for (int isa = WFAD_NN_ISA_AVX512; isa >= WFAD_NN_ISA_BASELINE; isa--) {
		wfad_nn_set_isa_cap((enum wfad_nn_isa)isa);
		for (size_t a = 0; a < sizeof(cols) / sizeof(cols[0]); a++) {
			for (size_t b = 0; b < sizeof(rows) / sizeof(rows[0]); b++) {
				float got[130], want[130];
				fill_uniform(got, cols[a], -1.0f, 1.0f, &rng);
				memcpy(want, got, sizeof(got));
				for (size_t j = 0; j < cols[a]; j++)
					for (size_t i = 0; i < rows[b]; i++)
						want[j] += x[i * cols[a] + j];
				wfad_nn_sum_rows(rows[b], cols[a], x, got);
				CHECK(memcmp(got, want, cols[a] * sizeof(float)) == 0);
			}
		}
	}
	wfad_nn_set_isa_cap(WFAD_NN_ISA_AVX512);
	free(x);
}

/* ---- dense ------------------------------------------------------------------------------ */

struct dense_ctx {
	struct wfad_nn_dense *l;
	size_t n;
	float *x, *y, *r;
};

static double dense_f(void *p)
{
	struct dense_ctx *c = p;
	wfad_nn_dense_forward(c->l, c->n, c->x, c->y);
	return dot_r(c->y, c->r, c->n * c->l->out);
}

static void check_dense(size_t n, size_t in, size_t out, uint64_t seed)
{
	struct wfad_rng rng;
	wfad_rng_seed(&rng, seed);
	struct wfad_nn_dense l;
	size_t size = 0;
	wfad_nn_dense_plan(&l, in, out, &size);
	struct wfad_nn_block blk = {0};
	CHECK_INT(wfad_nn_block_alloc(&blk, size), WFAD_OK);
	wfad_nn_dense_bind(&l, &blk);
	wfad_nn_dense_init(&l, WFAD_NN_INIT_XAVIER, &rng);
	fill_uniform(l.b, out, -0.5f, 0.5f, &rng);
	float *x = malloc(n * in * sizeof(float)), *y = malloc(n * out * sizeof(float));
	float *r = malloc(n * out * sizeof(float)), *dx = calloc(n * in, sizeof(float));
	size_t big = n * in > in * out ? n * in : in * out;
	double *num = malloc(big * sizeof(double));
	fill_uniform(x, n * in, -1.0f, 1.0f, &rng);
	fill_uniform(r, n * out, -1.0f, 1.0f, &rng);
	struct dense_ctx c = {&l, n, x, y, r};

	/* dL/dy = r; backward twice checks that it accumulates */
	wfad_nn_block_zero_grad(&blk);
	wfad_nn_dense_backward(&l, n, x, r, dx);
	wfad_nn_dense_backward(&l, n, x, r, dx);
	for (size_t i = 0; i < in * out; i++)
		l.dw[i] *= 0.5f;
	for (size_t j = 0; j < out; j++)
		l.db[j] *= 0.5f;
	for (size_t i = 0; i < n * in; i++)
		dx[i] *= 0.5f;

	numeric_grad(l.w, in * out, dense_f, &c, num);
	double ew = rel_err(l.dw, num, in * out);
	numeric_grad(l.b, out, dense_f, &c, num);
	double eb = rel_err(l.db, num, out);
	numeric_grad(x, n * in, dense_f, &c, num);
	double ex = rel_err(dx, num, n * in);
	if (!(ew < GRAD_TOL && eb < GRAD_TOL && ex < GRAD_TOL))
		printf("  dense %zux%zu->%zu: rel err w %.3g b %.3g x %.3g\n", n, in, out, ew, eb,
		       ex);
	CHECK(ew < GRAD_TOL);
	CHECK(eb < GRAD_TOL);
	CHECK(ex < GRAD_TOL);
	/* the input layer passes dx = NULL: the same parameter gradients, no input gradient */
	float *dw_keep = malloc(in * out * sizeof(float));
	memcpy(dw_keep, l.dw, in * out * sizeof(float));
	wfad_nn_block_zero_grad(&blk);
	wfad_nn_dense_backward(&l, n, x, r, NULL);
	double diff = 0.0;
	for (size_t i = 0; i < in * out; i++)
		diff = fmax(diff, fabs((double)l.dw[i] - dw_keep[i]));
	CHECK(diff <= 1e-6);
	free(dw_keep);
	free(x);
	free(y);
	free(r);
	free(dx);
	free(num);
	wfad_nn_block_free(&blk);
}

WFAD_TEST(nn_dense_gradients)
{
	check_dense(5, 7, 19, 1);
	check_dense(11, 4, 1, 2);   /* width-1 output: the transposed gemm path */
	check_dense(13, 18, 33, 3); /* partial register tiles in every direction */
}

/* ---- ReLU and dropout ------------------------------------------------------------------ */

struct ew_ctx {
	size_t n;
	float *x, *y, *r, *mask;
};

static double relu_f(void *p)
{
	struct ew_ctx *c = p;
	wfad_nn_relu_forward(c->n, c->x, c->y);
	return dot_r(c->y, c->r, c->n);
}

static double dropout_f(void *p)
{
	struct ew_ctx *c = p;
	wfad_nn_dropout_forward(c->n, c->x, c->mask, c->y);
	return dot_r(c->y, c->r, c->n);
}

WFAD_TEST(nn_relu_dropout_gradients)
{
	enum { N = 40 };
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 5);
	float x[N], y[N], r[N], dx[N], mask[N];
	double num[N];
	fill_away_from_zero(x, N, &rng);
	fill_uniform(r, N, -1.0f, 1.0f, &rng);
	struct ew_ctx c = {N, x, y, r, mask};

	memset(dx, 0, sizeof(dx));
	wfad_nn_relu_backward(N, x, r, dx);
	numeric_grad(x, N, relu_f, &c, num);
	CHECK(rel_err(dx, num, N) < GRAD_TOL);

	wfad_nn_dropout_mask(N, 0.3f, &rng, mask);
	size_t dropped = 0;
	for (size_t i = 0; i < N; i++) {
		CHECK(mask[i] == 0.0f || fabsf(mask[i] - 1.0f / 0.7f) < 1e-6f);
		dropped += mask[i] == 0.0f;
	}
	CHECK(dropped > 0 && dropped < N);
	memset(dx, 0, sizeof(dx));
	wfad_nn_dropout_backward(N, mask, r, dx);
	numeric_grad(x, N, dropout_f, &c, num);
	CHECK(rel_err(dx, num, N) < GRAD_TOL);

	/* the mask comes from the seeded stream: 16 bits per element, four per draw */
	struct wfad_rng r1, r2;
	wfad_rng_seed(&r1, 77);
	wfad_rng_seed(&r2, 77);
	float m10[10];
	wfad_nn_dropout_mask(10, 0.5f, &r1, m10);
	for (size_t i = 0; i < 10; i += 4) {
		uint64_t bits = wfad_rng_next(&r2);
		for (size_t k = 0; k < 4 && i + k < 10; k++) {
			bool drop = (bits >> (16 * k) & 0xffff) < 32768;
			CHECK(m10[i + k] == (drop ? 0.0f : 2.0f));
		}
	}
	CHECK(wfad_rng_next(&r1) == wfad_rng_next(&r2)); /* both streams advanced alike */

	/* NaN survives ReLU (a signal for the training loop) */
	float nan_in = NAN, out;
	wfad_nn_relu_forward(1, &nan_in, &out);
	CHECK(isnan(out));
	/* p = 0 keeps everything with scale 1; the mask rate is close to p */
	wfad_nn_dropout_mask(N, 0.0f, &rng, mask);
	for (size_t i = 0; i < N; i++)
		CHECK(mask[i] == 1.0f);
	enum { M = 100000 };
	float *big = malloc(M * sizeof(float));
	wfad_nn_dropout_mask(M, 0.1f, &rng, big);
	size_t zeros = 0;
	for (size_t i = 0; i < M; i++)
		zeros += big[i] == 0.0f;
	CHECK_NEAR((double)zeros / M, 0.1, 0.005);
	free(big);
}

/* ---- losses ----------------------------------------------------------------------------- */

struct loss_ctx {
	size_t n, c;
	float *z, *t, *w;
	uint32_t *y;
	float pos_weight;
};

static double xent_f(void *p)
{
	struct loss_ctx *c = p;
	return wfad_nn_softmax_xent_forward(c->n, c->c, c->z, c->y, c->w);
}

static double bce_f(void *p)
{
	struct loss_ctx *c = p;
	return wfad_nn_bce_logits_forward(c->n, c->z, c->t, c->pos_weight);
}

static double mse_f(void *p)
{
	struct loss_ctx *c = p;
	return wfad_nn_mse_forward(c->n, c->z, c->t);
}

WFAD_TEST(nn_loss_gradients)
{
	enum { N = 9, C = 4 };
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 9);
	float z[N * C], dz[N * C], t[N * C], w[C] = {0.5f, 2.0f, 1.0f, 3.0f};
	uint32_t y[N];
	double num[N * C];
	fill_uniform(z, N * C, -3.0f, 3.0f, &rng);
	fill_uniform(t, N * C, -1.0f, 1.0f, &rng);
	for (size_t i = 0; i < N; i++)
		y[i] = (uint32_t)wfad_rng_below(&rng, C);
	struct loss_ctx c = {N, C, z, t, w, y, 1.0f};

	for (int weighted = 0; weighted < 2; weighted++) {
		c.w = weighted ? w : NULL;
		memset(dz, 0, sizeof(dz));
		wfad_nn_softmax_xent_backward(N, C, z, y, c.w, dz);
		numeric_grad(z, N * C, xent_f, &c, num);
		double e = rel_err(dz, num, N * C);
		if (!(e < GRAD_TOL))
			printf("  softmax xent (weighted %d): rel err %.3g\n", weighted, e);
		CHECK(e < GRAD_TOL);
	}
	/* uniform logits over C classes cost log C whatever the weights */
	float zero[2 * C] = {0};
	uint32_t y2[2] = {0, 3};
	CHECK_NEAR(wfad_nn_softmax_xent_forward(2, C, zero, y2, w), log(4.0), 1e-12);

	/* BCE: targets 0, 1 and in between; logits up to +-12 */
	float zb[N] = {-12.0f, -3.0f, -0.5f, 0.0f, 0.4f, 2.0f, 7.0f, 12.0f, -1.5f};
	float tb[N] = {0, 1, 0, 1, 0.3f, 1, 0, 1, 0.8f};
	c.z = zb;
	c.t = tb;
	for (int k = 0; k < 2; k++) {
		c.pos_weight = k ? 4.5f : 1.0f;
		memset(dz, 0, sizeof(dz));
		wfad_nn_bce_logits_backward(N, zb, tb, c.pos_weight, dz);
		numeric_grad(zb, N, bce_f, &c, num);
		double e = rel_err(dz, num, N);
		if (!(e < GRAD_TOL))
			printf("  bce (pos_weight %g): rel err %.3g\n", c.pos_weight, e);
		CHECK(e < GRAD_TOL);
	}
	/* closed form: z = 0 costs log 2 per row, times pos_weight for positives */
	float z0[2] = {0, 0}, t01[2] = {0, 1};
	CHECK_NEAR(wfad_nn_bce_logits_forward(2, z0, t01, 3.0f), (log(2.0) + 3.0 * log(2.0)) / 2,
		   1e-12);
	/* extreme logits stay finite */
	float zx[2] = {-1e4f, 1e4f};
	CHECK(isfinite(wfad_nn_bce_logits_forward(2, zx, t01, 2.0f)));
	CHECK_NEAR(wfad_nn_bce_logits_forward(2, zx, t01, 2.0f), 0.0, 1e-12);

	/* MSE and its per-row form */
	c.z = z;
	c.t = t;
	memset(dz, 0, sizeof(dz));
	wfad_nn_mse_backward(N * C, z, t, dz);
	c.n = N * C;
	numeric_grad(z, N * C, mse_f, &c, num);
	CHECK(rel_err(dz, num, N * C) < GRAD_TOL);
	double rows[N], total = 0.0;
	wfad_nn_mse_rows(N, C, z, t, rows);
	for (size_t i = 0; i < N; i++)
		total += rows[i];
	CHECK_NEAR(total / N, wfad_nn_mse_forward(N * C, z, t), 1e-12);
}

/* ---- optimiser -------------------------------------------------------------------------- */

WFAD_TEST(nn_adamw_converges_on_quadratic)
{
	enum { P = 40 };
	struct wfad_nn_block blk = {0};
	CHECK_INT(wfad_nn_block_alloc(&blk, P), WFAD_OK);
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 3);
	float target[P], curv[P];
	fill_uniform(target, P, -2.0f, 2.0f, &rng);
	fill_uniform(curv, P, 0.1f, 10.0f, &rng);
	struct wfad_nn_adamw opt;
	wfad_nn_adamw_init(&opt, 0.05f, 0.0f);
	/* f(p) = sum curv (p - target)^2 / 2 */
	for (int it = 0; it < 3000; it++) {
		for (size_t i = 0; i < P; i++)
			blk.grad[i] = curv[i] * (blk.param[i] - target[i]);
		wfad_nn_adamw_step(&opt, &blk);
	}
	double worst = 0.0;
	for (size_t i = 0; i < P; i++)
		worst = fmax(worst, fabs(blk.param[i] - target[i]));
	CHECK(worst < 1e-3);
	CHECK_INT(opt.t, 3000);
	wfad_nn_block_free(&blk);

	/* First step by hand: mhat = g, vhat = g^2, so p1 = p0 (1 - lr wd) - lr g / (|g| + eps). */
	CHECK_INT(wfad_nn_block_alloc(&blk, 2), WFAD_OK);
	blk.param[0] = 1.0f;
	blk.param[1] = -2.0f;
	blk.grad[0] = 0.5f;
	blk.grad[1] = -4.0f;
	wfad_nn_adamw_init(&opt, 0.1f, 0.01f);
	wfad_nn_adamw_step(&opt, &blk);
	CHECK_NEAR(blk.param[0], 1.0 * (1 - 0.001) - 0.1, 1e-6);
	CHECK_NEAR(blk.param[1], -2.0 * (1 - 0.001) + 0.1, 1e-6);
	wfad_nn_block_free(&blk);

	/* Vector lanes and the scalar tail (13 = 3 x 4 + 1) follow the same formula: three
	 * steps against a double-precision transcription of torch.optim.AdamW. */
	enum { Q = 13 };
	CHECK_INT(wfad_nn_block_alloc(&blk, Q), WFAD_OK);
	double pd[Q], md[Q] = {0}, vd[Q] = {0};
	fill_uniform(blk.param, Q, -1.0f, 1.0f, &rng);
	for (size_t i = 0; i < Q; i++)
		pd[i] = blk.param[i];
	wfad_nn_adamw_init(&opt, 0.01f, 0.1f);
	double worst_rel = 0.0;
	for (int t = 1; t <= 3; t++) {
		fill_uniform(blk.grad, Q, -2.0f, 2.0f, &rng);
		wfad_nn_adamw_step(&opt, &blk);
		for (size_t i = 0; i < Q; i++) {
			double gi = blk.grad[i], lr = opt.lr, wd = opt.weight_decay;
			pd[i] *= 1.0 - lr * wd;
			md[i] = 0.9 * md[i] + 0.1 * gi;
			vd[i] = 0.999 * vd[i] + 0.001 * gi * gi;
			double mhat = md[i] / (1.0 - pow(0.9, t)),
			       vhat = vd[i] / (1.0 - pow(0.999, t));
			pd[i] -= lr * mhat / (sqrt(vhat) + 1e-8);
			worst_rel = fmax(worst_rel, fabs(blk.param[i] - pd[i]) / fabs(pd[i]));
		}
	}
	CHECK(worst_rel < 1e-5);
	wfad_nn_block_free(&blk);
}

WFAD_TEST(nn_clip_grad_norm)
{
	struct wfad_nn_block blk = {0};
	CHECK_INT(wfad_nn_block_alloc(&blk, 4), WFAD_OK);
	float g[4] = {3, 4, 0, 12}; /* norm 13 */
	memcpy(blk.grad, g, sizeof(g));
	CHECK_NEAR(wfad_nn_clip_grad_norm(&blk, 1.0), 13.0, 1e-9);
	double after = 0.0;
	for (size_t i = 0; i < 4; i++)
		after += (double)blk.grad[i] * blk.grad[i];
	CHECK_NEAR(sqrt(after), 1.0, 1e-5);
	CHECK_NEAR(blk.grad[3] / blk.grad[0], 4.0, 1e-5); /* direction kept */
	/* under the bound: untouched */
	memcpy(blk.grad, g, sizeof(g));
	CHECK_NEAR(wfad_nn_clip_grad_norm(&blk, 20.0), 13.0, 1e-9);
	CHECK(memcmp(blk.grad, g, sizeof(g)) == 0);
	/* non-finite: reported, not scaled */
	blk.grad[2] = NAN;
	CHECK(isnan(wfad_nn_clip_grad_norm(&blk, 1.0)));
	CHECK(blk.grad[3] == 12.0f);
	wfad_nn_block_free(&blk);
}

WFAD_TEST(nn_block_layout_and_init)
{
	size_t size = 0;
	CHECK_INT(wfad_nn_block_reserve(&size, 5), 0);
	CHECK_INT(wfad_nn_block_reserve(&size, 20), 16);
	CHECK_INT(size, 36);
	struct wfad_nn_block blk = {0};
	wfad_nn_block_free(&blk); /* zeroed struct is fine */
	CHECK_INT(wfad_nn_block_alloc(&blk, size), WFAD_OK);
	CHECK(((uintptr_t)blk.param & 63) == 0 && ((uintptr_t)blk.v & 63) == 0);
	wfad_nn_block_free(&blk);

	/* He bound sqrt(6 / fan_in); Xavier sqrt(6 / (fan_in + fan_out)); same seed, same draw */
	enum { IN = 50, OUT = 30 };
	float w1[IN * OUT], w2[IN * OUT];
	struct wfad_rng a, b;
	wfad_rng_seed(&a, 1);
	wfad_rng_seed(&b, 1);
	wfad_nn_init_uniform(w1, IN, OUT, WFAD_NN_INIT_HE, &a);
	wfad_nn_init_uniform(w2, IN, OUT, WFAD_NN_INIT_HE, &b);
	CHECK(memcmp(w1, w2, sizeof(w1)) == 0);
	double mx = 0.0;
	for (size_t i = 0; i < IN * OUT; i++)
		mx = fmax(mx, fabs(w1[i]));
	CHECK(mx <= sqrt(6.0 / IN) && mx > 0.9 * sqrt(6.0 / IN));
	wfad_nn_init_uniform(w1, IN, OUT, WFAD_NN_INIT_XAVIER, &a);
	mx = 0.0;
	for (size_t i = 0; i < IN * OUT; i++)
		mx = fmax(mx, fabs(w1[i]));
	CHECK(mx <= sqrt(6.0 / (IN + OUT)) && mx > 0.9 * sqrt(6.0 / (IN + OUT)));
}

/* ---- the MLP stack ---------------------------------------------------------------------- */

struct mlp_ctx {
	struct wfad_nn_mlp *net;
	struct wfad_nn_mlp_act *act;
	size_t n;
	float *x, *r;
};

static double mlp_f(void *p)
{
	struct mlp_ctx *c = p;
	const float *out = wfad_nn_mlp_forward(c->net, c->act, c->n, c->x, NULL);
	return dot_r(out, c->r, c->n * c->net->dims[c->net->n_layers]);
}

WFAD_TEST(nn_mlp_gradients)
{
	/* the whole stack (dense, ReLU, dense, ReLU, dense) against central differences */
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 21);
	size_t dims[4] = {6, 9, 5, 3};
	enum { N = 7 };
	struct wfad_nn_mlp net;
	struct wfad_nn_mlp_act act;
	CHECK_INT(wfad_nn_mlp_create(&net, 3, dims, 0.0f), WFAD_OK);
	CHECK_INT(wfad_nn_mlp_act_alloc(&act, &net, N), WFAD_OK);
	wfad_nn_mlp_init_params(&net, &rng);
	for (size_t l = 0; l < 3; l++)
		fill_uniform(net.layer[l].b, dims[l + 1], 0.05f, 0.3f, &rng);
	float x[N * 6], r[N * 3];
	fill_uniform(x, N * 6, -1.0f, 1.0f, &rng);
	fill_uniform(r, N * 3, -1.0f, 1.0f, &rng);
	struct mlp_ctx c = {&net, &act, N, x, r};
	wfad_nn_block_zero_grad(&net.block);
	wfad_nn_mlp_forward(&net, &act, N, x, NULL);
	wfad_nn_mlp_backward(&net, &act, N, x, r);
	float *analytic = malloc(net.block.n * sizeof(float));
	memcpy(analytic, net.block.grad, net.block.n * sizeof(float));
	double *num = malloc(net.block.n * sizeof(double));
	numeric_grad(net.block.param, net.block.n, mlp_f, &c, num);
	double e = rel_err(analytic, num, net.block.n);
	if (!(e < GRAD_TOL))
		printf("  mlp: rel err %.3g\n", e);
	CHECK(e < GRAD_TOL);
	free(analytic);
	free(num);
	wfad_nn_mlp_act_free(&act);
	wfad_nn_mlp_free(&net);
}

WFAD_TEST(nn_mlp_overfits_random_labels)
{
	/* 32 random points with random labels: a 4 -> 64 -> 64 -> 1 net must memorise them. */
	enum { N = 32, D = 4 };
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 42);
	float x[N * D], t[N], dz[N];
	fill_uniform(x, N * D, -1.0f, 1.0f, &rng);
	for (size_t i = 0; i < N; i++)
		t[i] = i % 2 ? 1.0f : 0.0f;
	size_t dims[4] = {D, 64, 64, 1};
	struct wfad_nn_mlp net;
	struct wfad_nn_mlp_act act;
	CHECK_INT(wfad_nn_mlp_create(&net, 3, dims, 0.0f), WFAD_OK);
	CHECK_INT(wfad_nn_mlp_act_alloc(&act, &net, N), WFAD_OK);
	wfad_nn_mlp_init_params(&net, &rng);
	struct wfad_nn_adamw opt;
	wfad_nn_adamw_init(&opt, 1e-2f, 0.0f);
	double first = 0.0, loss = 0.0;
	for (int it = 0; it < 600; it++) {
		const float *z = wfad_nn_mlp_forward(&net, &act, N, x, &rng);
		loss = wfad_nn_bce_logits_forward(N, z, t, 1.0f);
		if (it == 0)
			first = loss;
		memset(dz, 0, sizeof(dz));
		wfad_nn_bce_logits_backward(N, z, t, 1.0f, dz);
		wfad_nn_block_zero_grad(&net.block);
		wfad_nn_mlp_backward(&net, &act, N, x, dz);
		wfad_nn_clip_grad_norm(&net.block, 10.0);
		wfad_nn_adamw_step(&opt, &net.block);
	}
	if (!(loss < 0.01))
		printf("  overfit: loss %.4g -> %.4g\n", first, loss);
	CHECK(first > 0.5);
	CHECK(loss < 0.01);
	wfad_nn_mlp_act_free(&act);
	wfad_nn_mlp_free(&net);
}

WFAD_TEST(nn_mlp_dropout_training_path)
{
	/* With dropout the training forward differs from inference, and backward follows the
	 * path the forward took: a dropped unit gets no gradient. */
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 8);
	size_t dims[3] = {3, 32, 2};
	enum { N = 4 };
	struct wfad_nn_mlp net;
	struct wfad_nn_mlp_act act;
	CHECK_INT(wfad_nn_mlp_create(&net, 2, dims, 0.5f), WFAD_OK);
	CHECK_INT(wfad_nn_mlp_act_alloc(&act, &net, N), WFAD_OK);
	wfad_nn_mlp_init_params(&net, &rng);
	float x[N * 3], out_inf[N * 2], dout[N * 2];
	fill_uniform(x, N * 3, -1.0f, 1.0f, &rng);
	fill_uniform(dout, N * 2, -1.0f, 1.0f, &rng);
	memcpy(out_inf, wfad_nn_mlp_forward(&net, &act, N, x, NULL), sizeof(out_inf));
	const float *out_tr = wfad_nn_mlp_forward(&net, &act, N, x, &rng);
	CHECK(memcmp(out_inf, out_tr, sizeof(out_inf)) != 0);
	wfad_nn_block_zero_grad(&net.block);
	wfad_nn_mlp_backward(&net, &act, N, x, dout);
	/* gradient of the output weight of hidden unit j is sum_i h[i][j] dout[i]: zero when
	 * unit j was dropped for every row */
	for (size_t j = 0; j < 32; j++) {
		bool all_dropped = true;
		for (size_t i = 0; i < N; i++)
			all_dropped = all_dropped && act.mask[0][i * 32 + j] == 0.0f;
		if (all_dropped)
			CHECK(net.layer[1].dw[j * 2] == 0.0f && net.layer[1].dw[j * 2 + 1] == 0.0f);
	}
	wfad_nn_mlp_act_free(&act);
	wfad_nn_mlp_free(&net);
}

/* Balanced weights: N / (K * count) over the K present classes, 0 for absent ones, so that
 * every present class carries the same total weight; softmax rows sum to 1 and keep order. */
WFAD_TEST(balanced_weights_and_softmax_rows)
{
	const size_t count[4] = {6, 0, 2, 4};
	float w[4];
	wfad_nn_balanced_weights(4, count, w);
	CHECK(fabsf(w[0] - 12.0f / 18.0f) < 1e-6f);
	CHECK(w[1] == 0.0f);
	CHECK(fabsf(w[2] - 2.0f) < 1e-6f);
	CHECK(fabsf(w[3] - 1.0f) < 1e-6f);
	for (size_t k = 0; k < 4; k++)
		if (count[k])
			CHECK(fabs((double)w[k] * (double)count[k] - 4.0) < 1e-5);
	const float z[6] = {1.0f, 2.0f, 3.0f, 1000.0f, -1000.0f, 0.0f};
	double p[6];
	wfad_nn_softmax_rows(2, 3, z, p);
	CHECK(fabs(p[0] + p[1] + p[2] - 1.0) < 1e-12 && p[0] < p[1] && p[1] < p[2]);
	CHECK(fabs(p[2] - exp(3.0) / (exp(1.0) + exp(2.0) + exp(3.0))) < 1e-12);
	CHECK(fabs(p[3] - 1.0) < 1e-12 && p[4] == 0.0 && isfinite(p[5]));
}
