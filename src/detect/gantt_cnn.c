/* Run-level ganttcnn: a small CNN on each run's Gantt raster (wfad_render_raster_span) ->
 * conv 3x3 -> ReLU -> max-pool -> conv 3x3 -> ReLU -> max-pool -> dense -> softmax over the run
 * labels; AdamW, early stopping on the validation loss, deterministic for a seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/nn.h"
#include "wfad/render.h"
#include "wfad/runlevel.h"

/* Raster side; a build may override it (-DWFAD_GANTT_CNN_RN=64) for experiments. */
#ifndef WFAD_GANTT_CNN_RN
#define WFAD_GANTT_CNN_RN 32
#endif

enum {
	RN = WFAD_GANTT_CNN_RN,    /* raster side */
	C0 = WFAD_RASTER_CHANNELS, /* input channels */
	C1 = 8,                    /* first conv channels */
	C2 = 16,                   /* second conv channels */
	KS = 3,                    /* kernel side */
	H1 = RN / 2,               /* after the first pool */
	H2 = RN / 4,               /* after the second pool */
	FLAT = C2 * H2 * H2,
	BATCH = 16,
	DEFAULT_EPOCHS = 80,
	DEFAULT_PATIENCE = 12,
};

struct gantt_cnn {
	struct wfad_run_classifier base;
	struct wfad_detector_params p;
	size_t n_classes;
	double span; /* seconds on the raster's time axis (longest training run) */
	struct wfad_nn_conv2d c1, c2;
	struct wfad_nn_dense fc;
	struct wfad_nn_block blk;
};

/* Activations and their gradients for up to BATCH images, one allocation. */
struct acts {
	float *mem;
	float *z1, *r1, *p1, *z2, *r2, *p2, *logits;
	float *dz1, *dr1, *dp1, *dz2, *dr2, *dp2, *dlogits;
	uint32_t *a1, *a2;
};

WFAD_RUN_CLASSIFIER_REGISTER(ganttcnn);

static enum wfad_status acts_alloc(struct acts *a, size_t k)
{
	size_t s1 = BATCH * C1 * RN * RN, q1 = BATCH * C1 * H1 * H1, s2 = BATCH * C2 * H1 * H1,
	       q2 = BATCH * FLAT, sl = BATCH * k;
	size_t total = 2 * (2 * s1 + q1 + 2 * s2 + q2 + sl);
	a->mem = wfad_nn_alloc_floats(total);
	uint32_t *idx = malloc((q1 + q2) * sizeof(uint32_t));
	if (!a->mem || !idx) {
		free(a->mem);
		free(idx);
		*a = (struct acts){0};
		return WFAD_ENOMEM;
	}
	float *m = a->mem;
	float **views[] = {&a->z1,  &a->r1,  &a->p1,  &a->z2,  &a->r2,  &a->p2,  &a->logits,
			   &a->dz1, &a->dr1, &a->dp1, &a->dz2, &a->dr2, &a->dp2, &a->dlogits};
	size_t sizes[] = {s1, s1, q1, s2, s2, q2, sl, s1, s1, q1, s2, s2, q2, sl};
	for (size_t v = 0; v < sizeof(sizes) / sizeof(sizes[0]); v++) {
		*views[v] = m;
		m += sizes[v];
	}
	a->a1 = idx;
	a->a2 = idx + q1;
	return WFAD_OK;
}

static void acts_free(struct acts *a)
{
	free(a->mem);
	free(a->a1);
	*a = (struct acts){0};
}

/* logits[n x k] of images x[n x C0 x RN x RN], n <= BATCH. */
static void forward(const struct gantt_cnn *g, struct acts *a, size_t n, const float *x)
{
	wfad_nn_conv2d_forward(&g->c1, n, RN, RN, x, a->z1);
	wfad_nn_relu_forward(n * C1 * RN * RN, a->z1, a->r1);
	wfad_nn_maxpool2_forward(n * C1, RN, RN, a->r1, a->p1, a->a1);
	wfad_nn_conv2d_forward(&g->c2, n, H1, H1, a->p1, a->z2);
	wfad_nn_relu_forward(n * C2 * H1 * H1, a->z2, a->r2);
	wfad_nn_maxpool2_forward(n * C2, H1, H1, a->r2, a->p2, a->a2);
	wfad_nn_dense_forward(&g->fc, n, a->p2, a->logits);
}

/* Parameter gradients of the mean cross-entropy of the last forward (labels y[n]). */
static void backward(struct gantt_cnn *g, struct acts *a, size_t n, const float *x,
		     const uint32_t *y)
{
	size_t k = g->n_classes;
	memset(a->dlogits, 0, n * k * sizeof(float));
	memset(a->dp2, 0, n * FLAT * sizeof(float));
	memset(a->dr2, 0, n * C2 * H1 * H1 * sizeof(float));
	memset(a->dz2, 0, n * C2 * H1 * H1 * sizeof(float));
	memset(a->dp1, 0, n * C1 * H1 * H1 * sizeof(float));
	memset(a->dr1, 0, n * C1 * RN * RN * sizeof(float));
	memset(a->dz1, 0, n * C1 * RN * RN * sizeof(float));
	wfad_nn_softmax_xent_backward(n, k, a->logits, y, NULL, a->dlogits);
	wfad_nn_dense_backward(&g->fc, n, a->p2, a->dlogits, a->dp2);
	wfad_nn_maxpool2_backward(n * C2, H1, H1, a->a2, a->dp2, a->dr2);
	wfad_nn_relu_backward(n * C2 * H1 * H1, a->z2, a->dr2, a->dz2);
	wfad_nn_conv2d_backward(&g->c2, n, H1, H1, a->p1, a->dz2, a->dp1);
	wfad_nn_maxpool2_backward(n * C1, RN, RN, a->a1, a->dp1, a->dr1);
	wfad_nn_relu_backward(n * C1 * RN * RN, a->z1, a->dr1, a->dz1);
	wfad_nn_conv2d_backward(&g->c1, n, RN, RN, x, a->dz1, NULL);
}

static enum wfad_status create(const struct wfad_detector_params *p,
			       struct wfad_run_classifier **out)
{
	struct gantt_cnn *g = calloc(1, sizeof(*g));
	if (!g)
		return WFAD_ENOMEM;
	g->base.ops = &wfad_run_classifier_ganttcnn;
	g->p = *p;
	*out = &g->base;
	return WFAD_OK;
}

static void destroy(struct wfad_run_classifier *c)
{
	struct gantt_cnn *g = (struct gantt_cnn *)c;
	if (!g)
		return;
	wfad_nn_block_free(&g->blk);
	free(g);
}

/* Rasters of a task's runs: [n_runs x C0 x RN x RN]. */
static float *rasters(const struct gantt_cnn *g, const struct wfad_run_task *t)
{
	size_t one = (size_t)C0 * RN * RN;
	float *x = wfad_nn_alloc_floats(t->n_runs * one + 1);
	if (!x)
		return NULL;
	for (size_t i = 0; i < t->n_runs; i++)
		wfad_render_raster_span(t->ds, t->runs[i], RN, g->span, x + i * one);
	return x;
}

/* Mean cross-entropy of a task under the current parameters. */
static double task_loss(const struct gantt_cnn *g, struct acts *a, const float *x,
			const uint32_t *y, size_t n)
{
	double sum = 0;
	size_t one = (size_t)C0 * RN * RN;
	for (size_t i = 0; i < n; i += BATCH) {
		size_t b = n - i < BATCH ? n - i : BATCH;
		forward(g, a, b, x + i * one);
		sum += wfad_nn_softmax_xent_forward(b, g->n_classes, a->logits, y + i, NULL) *
		       (double)b;
	}
	return n ? sum / (double)n : 0;
}

static enum wfad_status fit(struct wfad_run_classifier *c, const struct wfad_run_task *train,
			    const struct wfad_run_task *valid, struct wfad_error *err)
{
	struct gantt_cnn *g = (struct gantt_cnn *)c;
	WFAD_ASSERT(train->y && train->n_classes > 0);
	if (train->n_runs == 0)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "ganttcnn: no training runs");
	g->n_classes = train->n_classes;
	g->span = 1;
	for (size_t i = 0; i < train->n_runs; i++) {
		double lo, hi;
		if (wfad_gantt_run_bounds(train->ds, train->runs[i], &lo, &hi) && hi - lo > g->span)
			g->span = hi - lo;
	}
	size_t size = 0;
	wfad_nn_conv2d_plan(&g->c1, C0, C1, KS, &size);
	wfad_nn_conv2d_plan(&g->c2, C1, C2, KS, &size);
	wfad_nn_dense_plan(&g->fc, FLAT, g->n_classes, &size);
	wfad_nn_block_free(&g->blk);
	struct acts a = {0};
	float *xt = NULL, *xv = NULL, *best = NULL;
	uint32_t *perm = NULL, *yb = NULL;
	float *xb = NULL;
	enum wfad_status st = wfad_nn_block_alloc(&g->blk, size);
	if (st != WFAD_OK)
		goto cleanup;
	wfad_nn_conv2d_bind(&g->c1, &g->blk);
	wfad_nn_conv2d_bind(&g->c2, &g->blk);
	wfad_nn_dense_bind(&g->fc, &g->blk);
	struct wfad_rng rng;
	wfad_rng_seed(&rng, g->p.seed ^ 0x6a77c0ffeeULL);
	wfad_nn_conv2d_init(&g->c1, &rng);
	wfad_nn_conv2d_init(&g->c2, &rng);
	wfad_nn_dense_init(&g->fc, WFAD_NN_INIT_XAVIER, &rng);

	size_t one = (size_t)C0 * RN * RN, n = train->n_runs;
	bool use_valid = valid && valid->n_runs && valid->y;
	xt = rasters(g, train);
	xv = use_valid ? rasters(g, valid) : NULL;
	best = malloc(size * sizeof(float));
	perm = malloc(n * sizeof(uint32_t));
	yb = malloc(BATCH * sizeof(uint32_t));
	xb = wfad_nn_alloc_floats(BATCH * one);
	if (!xt || (use_valid && !xv) || !best || !perm || !yb || !xb ||
	    acts_alloc(&a, g->n_classes) != WFAD_OK) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "ganttcnn: out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++)
		perm[i] = (uint32_t)i;
	int epochs = g->p.epochs > 0 ? g->p.epochs : DEFAULT_EPOCHS;
	int patience = g->p.patience > 0 ? g->p.patience : DEFAULT_PATIENCE;
	struct wfad_nn_adamw opt;
	wfad_nn_adamw_init(&opt, g->p.lr > 0 ? (float)g->p.lr : 2e-3f,
			   g->p.weight_decay > 0 ? (float)g->p.weight_decay : 1e-4f);
	double best_loss = INFINITY;
	int since = 0;
	memcpy(best, g->blk.param, size * sizeof(float));
	for (int e = 0; e < epochs; e++) {
		for (size_t i = n; i > 1; i--) { /* Fisher-Yates from the seeded stream */
			size_t j = (size_t)wfad_rng_below(&rng, i);
			uint32_t t = perm[i - 1];
			perm[i - 1] = perm[j];
			perm[j] = t;
		}
		for (size_t i = 0; i < n; i += BATCH) {
			size_t b = n - i < BATCH ? n - i : BATCH;
			for (size_t q = 0; q < b; q++) {
				memcpy(xb + q * one, xt + (size_t)perm[i + q] * one,
				       one * sizeof(float));
				yb[q] = train->y[perm[i + q]];
			}
			wfad_nn_block_zero_grad(&g->blk);
			forward(g, &a, b, xb);
			backward(g, &a, b, xb, yb);
			double norm = wfad_nn_clip_grad_norm(&g->blk, 5.0);
			if (!isfinite(norm)) {
				st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
						    "ganttcnn: training diverged (epoch %d)",
						    e + 1);
				goto cleanup;
			}
			wfad_nn_adamw_step(&opt, &g->blk);
		}
		if (g->p.progress)
			g->p.progress(g->p.progress_user, (size_t)e + 1, (size_t)epochs);
		if (!use_valid)
			continue;
		double loss = task_loss(g, &a, xv, valid->y, valid->n_runs);
		if (loss < best_loss - 1e-6) {
			best_loss = loss;
			since = 0;
			memcpy(best, g->blk.param, size * sizeof(float));
		} else if (++since >= patience) {
			break;
		}
	}
	if (use_valid)
		memcpy(g->blk.param, best, size * sizeof(float));
	st = WFAD_OK;
cleanup:
	acts_free(&a);
	free(xt);
	free(xv);
	free(best);
	free(perm);
	free(yb);
	free(xb);
	return st;
}

static enum wfad_status predict(const struct wfad_run_classifier *c,
				const struct wfad_run_task *task, double *proba,
				struct wfad_error *err)
{
	const struct gantt_cnn *g = (const struct gantt_cnn *)c;
	if (!g->blk.param)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "ganttcnn: not fitted");
	size_t k = g->n_classes, one = (size_t)C0 * RN * RN;
	struct acts a = {0};
	float *x = rasters(g, task);
	if (!x || acts_alloc(&a, k) != WFAD_OK) {
		free(x);
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "ganttcnn: out of memory");
	}
	for (size_t i = 0; i < task->n_runs; i += BATCH) {
		size_t b = task->n_runs - i < BATCH ? task->n_runs - i : BATCH;
		forward(g, &a, b, x + i * one);
		for (size_t q = 0; q < b; q++) {
			const float *z = a.logits + q * k;
			double mx = z[0], sum = 0;
			for (size_t j = 1; j < k; j++)
				mx = z[j] > mx ? z[j] : mx;
			for (size_t j = 0; j < k; j++)
				sum += exp(z[j] - mx);
			for (size_t j = 0; j < k; j++)
				proba[(i + q) * k + j] = exp(z[j] - mx) / sum;
		}
	}
	acts_free(&a);
	free(x);
	return WFAD_OK;
}

const struct wfad_run_classifier_ops wfad_run_classifier_ganttcnn = {
	.name = "ganttcnn",
	.summary = "small CNN on each run's Gantt raster (32x32, 8 channels), AdamW, early "
		   "stopping",
	.create = create,
	.fit = fit,
	.predict = predict,
	.destroy = destroy,
};
