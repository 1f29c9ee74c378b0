/* Run-level ganttcnn: a small CNN on each run's Gantt raster (wfad_render_raster_ex, with the
 * CPU-utilisation channel against each transformation's typical value and the same scaled by
 * the transformation's spread, averaged where jobs share a row) -> conv 3x3 -> ReLU -> max-pool ->
 * conv 3x3 -> ReLU -> max-pool -> dense -> ReLU -> dense -> softmax over the run labels; AdamW,
 * early stopping on the validation loss; the mean probability of an ensemble of nets with seeds
 * drawn from the detector's seed, deterministic. docs/gantt.md has the choices. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "row_threads.h"
#include "wfad/detect.h"
#include "wfad/nn.h"
#include "wfad/render.h"
#include "wfad/runlevel.h"

#define GANTT_CNN_MAGIC 0x544e4757u /* "WGNT" */
#define GANTT_CNN_VERSION 2u        /* 2: the scaled utilisation channel (10 channels) */

/* Raster side; a build may override it (-DWFAD_GANTT_CNN_RN=64) for experiments. */
#ifndef WFAD_GANTT_CNN_RN
#define WFAD_GANTT_CNN_RN 32
#endif

enum {
	RN = WFAD_GANTT_CNN_RN,                /* raster side */
	C0 = WFAD_RASTER_UTIL_SCALED_CHANNELS, /* input channels */
	C1 = 16,                               /* first conv channels */
	C2 = 32,                               /* second conv channels */
	KS = 3,                                /* kernel side */
	H1 = RN / 2,                           /* after the first pool */
	H2 = RN / 4,                           /* after the second pool */
	FLAT = C2 * H2 * H2,
	BATCH = 16,
	DEFAULT_NETS = 5, /* ensemble size (--nets) */
	HID = 64,         /* hidden width of the head */
	DEFAULT_EPOCHS = 80,
	DEFAULT_PATIENCE = 12,
};

/* One net of the ensemble: its parameters in one block. */
struct net {
	struct wfad_nn_conv2d c1, c2;
	struct wfad_nn_dense fc, fc2;
	struct wfad_nn_block blk;
};

struct gantt_cnn {
	struct wfad_run_classifier base;
	struct wfad_detector_params p;
	size_t n_classes;
	double span;        /* seconds on the raster's time axis (longest training run) */
	double *util;       /* [n_util] typical log utilisation of each node's transformation */
	double *util_scale; /* [n_util] divisor of the scaled utilisation channel */
	size_t n_util;      /* nodes of the training DAG */
	size_t n_nets;      /* nets fitted */
	struct net nets[WFAD_MAX_NETS];
};

/* Activations and their gradients for up to BATCH images, one allocation. */
struct acts {
	float *mem;
	float *z1, *r1, *p1, *z2, *r2, *p2, *h, *rh, *logits;
	float *dz1, *dr1, *dp1, *dz2, *dr2, *dp2, *dh, *drh, *dlogits;
	float *work; /* im2col scratch of the convolutions */
	uint32_t *a1, *a2;
};

WFAD_RUN_CLASSIFIER_REGISTER(ganttcnn);

static enum wfad_status acts_alloc(struct acts *a, size_t k)
{
	size_t s1 = BATCH * C1 * RN * RN, q1 = BATCH * C1 * H1 * H1, s2 = BATCH * C2 * H1 * H1,
	       q2 = BATCH * FLAT, sh = BATCH * HID, sl = BATCH * k;
	size_t total = 2 * (2 * s1 + q1 + 2 * s2 + q2 + 2 * sh + sl);
	size_t w1 = (size_t)C0 * KS * KS * RN * RN, w2 = (size_t)C1 * KS * KS * H1 * H1;
	a->mem = wfad_nn_alloc_floats(total + (w1 > w2 ? w1 : w2));
	uint32_t *idx = malloc((q1 + q2) * sizeof(uint32_t));
	if (!a->mem || !idx) {
		free(a->mem);
		free(idx);
		*a = (struct acts){0};
		return WFAD_ENOMEM;
	}
	float *m = a->mem;
	float **views[] = {&a->z1,  &a->r1,  &a->p1,     &a->z2,  &a->r2,  &a->p2,
			   &a->h,   &a->rh,  &a->logits, &a->dz1, &a->dr1, &a->dp1,
			   &a->dz2, &a->dr2, &a->dp2,    &a->dh,  &a->drh, &a->dlogits};
	size_t sizes[] = {s1, s1, q1, s2, s2, q2, sh, sh, sl, s1, s1, q1, s2, s2, q2, sh, sh, sl};
	for (size_t v = 0; v < sizeof(sizes) / sizeof(sizes[0]); v++) {
		*views[v] = m;
		m += sizes[v];
	}
	a->work = m;
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

/* logits[n x k] of net g for images x[n x C0 x RN x RN], n <= BATCH. */
static void forward(const struct net *g, struct acts *a, size_t n, const float *x)
{
	wfad_nn_conv2d_forward(&g->c1, n, RN, RN, x, a->z1, a->work);
	wfad_nn_relu_forward(n * C1 * RN * RN, a->z1, a->r1);
	wfad_nn_maxpool2_forward(n * C1, RN, RN, a->r1, a->p1, a->a1);
	wfad_nn_conv2d_forward(&g->c2, n, H1, H1, a->p1, a->z2, a->work);
	wfad_nn_relu_forward(n * C2 * H1 * H1, a->z2, a->r2);
	wfad_nn_maxpool2_forward(n * C2, H1, H1, a->r2, a->p2, a->a2);
	wfad_nn_dense_forward(&g->fc, n, a->p2, a->h);
	wfad_nn_relu_forward(n * HID, a->h, a->rh);
	wfad_nn_dense_forward(&g->fc2, n, a->rh, a->logits);
}

/* Parameter gradients of net g for the mean cross-entropy of the last forward (labels y[n]
 * of k classes). */
static void backward(struct net *g, struct acts *a, size_t n, size_t k, const float *x,
		     const uint32_t *y)
{
	memset(a->dlogits, 0, n * k * sizeof(float));
	memset(a->drh, 0, n * HID * sizeof(float));
	memset(a->dh, 0, n * HID * sizeof(float));
	memset(a->dp2, 0, n * FLAT * sizeof(float));
	memset(a->dr2, 0, n * C2 * H1 * H1 * sizeof(float));
	memset(a->dz2, 0, n * C2 * H1 * H1 * sizeof(float));
	memset(a->dp1, 0, n * C1 * H1 * H1 * sizeof(float));
	memset(a->dr1, 0, n * C1 * RN * RN * sizeof(float));
	memset(a->dz1, 0, n * C1 * RN * RN * sizeof(float));
	wfad_nn_softmax_xent_backward(n, k, a->logits, y, NULL, a->dlogits);
	wfad_nn_dense_backward(&g->fc2, n, a->rh, a->dlogits, a->drh);
	wfad_nn_relu_backward(n * HID, a->h, a->drh, a->dh);
	wfad_nn_dense_backward(&g->fc, n, a->p2, a->dh, a->dp2);
	wfad_nn_maxpool2_backward(n * C2, H1, H1, a->a2, a->dp2, a->dr2);
	wfad_nn_relu_backward(n * C2 * H1 * H1, a->z2, a->dr2, a->dz2);
	wfad_nn_conv2d_backward(&g->c2, n, H1, H1, a->p1, a->dz2, a->dp1, a->work);
	wfad_nn_maxpool2_backward(n * C1, RN, RN, a->a1, a->dp1, a->dr1);
	wfad_nn_relu_backward(n * C1 * RN * RN, a->z1, a->dr1, a->dz1);
	wfad_nn_conv2d_backward(&g->c1, n, RN, RN, x, a->dz1, NULL, a->work);
}

static enum wfad_status create(const struct wfad_detector_params *p,
			       struct wfad_run_classifier **out)
{
	if (p->nets < 0 || p->nets > WFAD_MAX_NETS)
		return WFAD_EINVAL;
	struct gantt_cnn *g = calloc(1, sizeof(*g));
	if (!g)
		return WFAD_ENOMEM;
	g->base.ops = &wfad_run_classifier_ganttcnn;
	g->p = *p;
	*out = &g->base;
	return WFAD_OK;
}

/* Drops what fit() built. */
static void unfit(struct gantt_cnn *g)
{
	for (size_t e = 0; e < g->n_nets; e++)
		wfad_nn_block_free(&g->nets[e].blk);
	g->n_nets = 0;
	free(g->util);
	free(g->util_scale);
	g->util_scale = NULL;
	g->util = NULL;
}

static void destroy(struct wfad_run_classifier *c)
{
	struct gantt_cnn *g = (struct gantt_cnn *)c;
	if (!g)
		return;
	unfit(g);
	free(g);
}

/* How g draws a run: its time span, both utilisation channels, averaged where jobs share a
 * row. */
static struct wfad_raster_options raster_options(const struct gantt_cnn *g)
{
	return (struct wfad_raster_options){
		.span = g->span, .util = g->util, .util_scale = g->util_scale, .util_mean = true};
}

/* Rasters of a task's runs: [n_runs x C0 x RN x RN]. */
static float *rasters(const struct gantt_cnn *g, const struct wfad_run_task *t)
{
	size_t one = (size_t)C0 * RN * RN;
	float *x = wfad_nn_alloc_floats(t->n_runs * one + 1);
	if (!x)
		return NULL;
	struct wfad_raster_options opt = raster_options(g);
	for (size_t i = 0; i < t->n_runs; i++)
		wfad_render_raster_ex(t->ds, t->runs[i], RN, &opt, x + i * one);
	return x;
}

/* Mean cross-entropy of a task under the current parameters of net t. */
static double task_loss(const struct net *t, size_t k, struct acts *a, const float *x,
			const uint32_t *y, size_t n)
{
	double sum = 0;
	size_t one = (size_t)C0 * RN * RN;
	for (size_t i = 0; i < n; i += BATCH) {
		size_t b = n - i < BATCH ? n - i : BATCH;
		forward(t, a, b, x + i * one);
		sum += wfad_nn_softmax_xent_forward(b, k, a->logits, y + i, NULL) * (double)b;
	}
	return n ? sum / (double)n : 0;
}

/* The scaled utilisation channel: the deviation in units of UTIL_Z_PER_UNIT robust standard
 * deviations (1.4826 x MAD) of the transformation's training jobs, the spread floored at
 * UTIL_SCALE_FLOOR (a transformation that never varies is not infinitely precise). */
#define UTIL_SCALE_FLOOR 0.01
#define UTIL_Z_PER_UNIT 5.0

/* Whether nodes a and b share a typical value: same transformation, or the same node when the
 * DAG names none. */
static bool same_group(const struct wfad_dataset *ds, size_t a, size_t b)
{
	return ds->node_transformation ? ds->node_transformation[a] == ds->node_transformation[b]
				       : a == b;
}

/* Typical utilisation per transformation: the median over the training runs' jobs of that
 * transformation, and the scaled channel's divisor from their spread, stored per node.
 * WFAD_ENOMEM. */
static enum wfad_status fit_util(struct gantt_cnn *g, const struct wfad_run_task *t)
{
	const struct wfad_dataset *ds = t->ds;
	size_t m = ds->dag.n_nodes;
	g->util = malloc((m + 1) * sizeof(double));
	g->n_util = m;
	g->util_scale = malloc((m + 1) * sizeof(double));
	double *buf = malloc((m * t->n_runs + 1) * sizeof(double));
	if (!g->util || !g->util_scale || !buf) {
		free(buf);
		return WFAD_ENOMEM;
	}
	for (size_t i = 0; i < m; i++) {
		size_t first = 0;
		while (!same_group(ds, first, i))
			first++;
		if (first < i) { /* the group's first node has it */
			g->util[i] = g->util[first];
			g->util_scale[i] = g->util_scale[first];
			continue;
		}
		size_t n = 0;
		for (size_t r = 0; r < t->n_runs; r++)
			for (size_t q = i; q < m; q++) {
				if (!same_group(ds, q, i))
					continue;
				double u =
					wfad_render_job_utilisation(&ds->runs[t->runs[r]].jobs[q]);
				if (!isnan(u))
					buf[n++] = u;
			}
		g->util[i] = n ? wfad_median(buf, n) : NAN;
		for (size_t q = 0; q < n; q++)
			buf[q] = fabs(buf[q] - g->util[i]);
		double spread = n ? 1.4826 * wfad_median(buf, n) : 1.0;
		g->util_scale[i] = fmax(spread, UTIL_SCALE_FLOOR) * UTIL_Z_PER_UNIT;
	}
	free(buf);
	return WFAD_OK;
}

/* Plans the layers of net t for k classes; returns the parameter count. */
static size_t net_plan(struct net *t, size_t k)
{
	size_t size = 0;
	wfad_nn_conv2d_plan(&t->c1, C0, C1, KS, &size);
	wfad_nn_conv2d_plan(&t->c2, C1, C2, KS, &size);
	wfad_nn_dense_plan(&t->fc, FLAT, HID, &size);
	wfad_nn_dense_plan(&t->fc2, HID, k, &size);
	return size;
}

/* Plans and allocates net t for k classes, its layers bound to the block. */
static enum wfad_status net_alloc(struct net *t, size_t k)
{
	size_t size = net_plan(t, k);
	enum wfad_status st = wfad_nn_block_alloc(&t->blk, size);
	if (st != WFAD_OK)
		return st;
	wfad_nn_conv2d_bind(&t->c1, &t->blk);
	wfad_nn_conv2d_bind(&t->c2, &t->blk);
	wfad_nn_dense_bind(&t->fc, &t->blk);
	wfad_nn_dense_bind(&t->fc2, &t->blk);
	return WFAD_OK;
}

/* Plans, allocates and initialises net t from the seeded stream. */
static enum wfad_status net_init(struct net *t, size_t k, struct wfad_rng *rng)
{
	enum wfad_status st = net_alloc(t, k);
	if (st != WFAD_OK)
		return st;
	wfad_nn_conv2d_init(&t->c1, rng);
	wfad_nn_conv2d_init(&t->c2, rng);
	wfad_nn_dense_init(&t->fc, WFAD_NN_INIT_HE, rng);
	wfad_nn_dense_init(&t->fc2, WFAD_NN_INIT_XAVIER, rng);
	return WFAD_OK;
}

/* What one fit trains on, shared by the nets: rasters and labels of the training runs and,
 * when n_valid > 0, of the validation runs. */
struct train_data {
	const float *xt, *xv;
	const uint32_t *yt, *yv;
	size_t n, n_valid, k;
};

/* Scratch of train_net. */
struct train_buf {
	float *best, *xb;
	uint32_t *perm, *yb;
};

/* One epoch of shuffled mini-batches; false when the gradients are not finite. */
static bool train_epoch(struct net *t, struct acts *a, const struct train_data *d,
			struct wfad_rng *rng, struct train_buf *b, struct wfad_nn_adamw *opt)
{
	size_t one = (size_t)C0 * RN * RN, n = d->n;
	for (size_t i = n; i > 1; i--) { /* Fisher-Yates from the seeded stream */
		size_t j = (size_t)wfad_rng_below(rng, i);
		uint32_t tmp = b->perm[i - 1];
		b->perm[i - 1] = b->perm[j];
		b->perm[j] = tmp;
	}
	for (size_t i = 0; i < n; i += BATCH) {
		size_t m = n - i < BATCH ? n - i : BATCH;
		for (size_t q = 0; q < m; q++) {
			memcpy(b->xb + q * one, d->xt + (size_t)b->perm[i + q] * one,
			       one * sizeof(float));
			b->yb[q] = d->yt[b->perm[i + q]];
		}
		wfad_nn_block_zero_grad(&t->blk);
		forward(t, a, m, b->xb);
		backward(t, a, m, d->k, b->xb, b->yb);
		if (!isfinite(wfad_nn_clip_grad_norm(&t->blk, 5.0)))
			return false;
		wfad_nn_adamw_step(opt, &t->blk);
	}
	return true;
}

/* Trains net t (AdamW, early stopping on the validation loss, best weights kept). */
static enum wfad_status train_net(const struct gantt_cnn *g, struct net *t, struct acts *a,
				  const struct train_data *d, struct wfad_rng *rng,
				  struct train_buf *b, struct wfad_error *err)
{
	size_t size = t->blk.n;
	for (size_t i = 0; i < d->n; i++)
		b->perm[i] = (uint32_t)i;
	int epochs = g->p.epochs > 0 ? g->p.epochs : DEFAULT_EPOCHS;
	int patience = g->p.patience > 0 ? g->p.patience : DEFAULT_PATIENCE;
	struct wfad_nn_adamw opt;
	wfad_nn_adamw_init(&opt, g->p.lr > 0 ? (float)g->p.lr : 2e-3f,
			   g->p.weight_decay > 0 ? (float)g->p.weight_decay : 1e-4f);
	double best_loss = INFINITY;
	int since = 0;
	memcpy(b->best, t->blk.param, size * sizeof(float));
	for (int e = 0; e < epochs; e++) {
		if (!train_epoch(t, a, d, rng, b, &opt))
			return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
					      "ganttcnn: training diverged (epoch %d)", e + 1);
		if (!d->n_valid)
			continue;
		double loss = task_loss(t, d->k, a, d->xv, d->yv, d->n_valid);
		if (loss < best_loss - 1e-6) {
			best_loss = loss;
			since = 0;
			memcpy(b->best, t->blk.param, size * sizeof(float));
		} else if (++since >= patience) {
			break;
		}
	}
	if (d->n_valid)
		memcpy(t->blk.param, b->best, size * sizeof(float));
	return WFAD_OK;
}

/* Span of the time axis: the longest training run (at least 1 s). */
static double fit_span(const struct wfad_run_task *t)
{
	double span = 1;
	for (size_t i = 0; i < t->n_runs; i++) {
		double lo, hi;
		if (wfad_gantt_run_bounds(t->ds, t->runs[i], &lo, &hi) && hi - lo > span)
			span = hi - lo;
	}
	return span;
}

/* Fits the nets one after another, each from its own seeded stream. */
static enum wfad_status fit_nets(struct gantt_cnn *g, struct acts *a, const struct train_data *d,
				 struct train_buf *b, struct wfad_error *err)
{
	size_t nets = g->p.nets > 0 ? (size_t)g->p.nets : DEFAULT_NETS;
	for (size_t e = 0; e < nets; e++) {
		struct wfad_rng rng;
		wfad_rng_seed(&rng, (g->p.seed ^ 0x6a77c0ffeeULL) + 0x9e3779b97f4a7c15ULL * e);
		g->n_nets = e + 1;
		if (net_init(&g->nets[e], d->k, &rng) != WFAD_OK)
			return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0,
					      "ganttcnn: out of memory");
		enum wfad_status st = train_net(g, &g->nets[e], a, d, &rng, b, err);
		if (st != WFAD_OK)
			return st;
		if (g->p.progress)
			g->p.progress(g->p.progress_user, e + 1, nets);
	}
	return WFAD_OK;
}

static enum wfad_status fit(struct wfad_run_classifier *c, const struct wfad_run_task *train,
			    const struct wfad_run_task *valid, struct wfad_error *err)
{
	struct gantt_cnn *g = (struct gantt_cnn *)c;
	WFAD_ASSERT(train->y && train->n_classes > 0);
	if (!train->ds || (valid && valid->n_runs && !valid->ds))
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "ganttcnn: one workflow at a time (no joint tasks)");
	if (train->n_runs == 0)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "ganttcnn: no training runs");
	unfit(g);
	g->n_classes = train->n_classes;
	g->span = fit_span(train);
	struct acts a = {0};
	struct train_buf b = {0};
	float *xt = NULL, *xv = NULL;
	enum wfad_status st = fit_util(g, train);
	if (st != WFAD_OK) {
		st = wfad_error_set(err, st, "", 0, 0, "ganttcnn: out of memory");
		goto cleanup;
	}
	bool use_valid = valid && valid->n_runs && valid->y;
	xt = rasters(g, train);
	xv = use_valid ? rasters(g, valid) : NULL;
	struct net plan;
	b.best = malloc(net_plan(&plan, g->n_classes) * sizeof(float));
	b.perm = malloc(train->n_runs * sizeof(uint32_t));
	b.yb = malloc(BATCH * sizeof(uint32_t));
	b.xb = wfad_nn_alloc_floats((size_t)BATCH * C0 * RN * RN);
	if (!xt || (use_valid && !xv) || !b.best || !b.perm || !b.yb || !b.xb ||
	    acts_alloc(&a, g->n_classes) != WFAD_OK) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "ganttcnn: out of memory");
		goto cleanup;
	}
	struct train_data d = {xt,
			       xv,
			       train->y,
			       use_valid ? valid->y : NULL,
			       train->n_runs,
			       use_valid ? valid->n_runs : 0,
			       g->n_classes};
	st = fit_nets(g, &a, &d, &b, err);
cleanup:
	if (st != WFAD_OK)
		unfit(g);
	acts_free(&a);
	free(xt);
	free(xv);
	free(b.best);
	free(b.perm);
	free(b.yb);
	free(b.xb);
	return st;
}

/* WFAD_OK when g is fitted and task is of one workflow with g's DAG size and classes. */
static enum wfad_status check_task(const struct gantt_cnn *g, const struct wfad_run_task *task,
				   struct wfad_error *err)
{
	if (!g->n_nets)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "ganttcnn: not fitted");
	if (!task->ds)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "ganttcnn: one workflow at a time (no joint tasks)");
	if (task->ds->dag.n_nodes != g->n_util || task->n_classes != g->n_classes)
		return wfad_error_set(
			err, WFAD_EINVAL, "", 0, 0,
			"ganttcnn: trained on a DAG of %zu jobs and %zu classes, asked "
			"for %zu and %zu",
			g->n_util, g->n_classes, task->ds->dag.n_nodes, task->n_classes);
	return WFAD_OK;
}

static enum wfad_status predict(const struct wfad_run_classifier *c,
				const struct wfad_run_task *task, double *proba,
				struct wfad_error *err)
{
	const struct gantt_cnn *g = (const struct gantt_cnn *)c;
	enum wfad_status st = check_task(g, task, err);
	if (st != WFAD_OK)
		return st;
	size_t k = g->n_classes, one = (size_t)C0 * RN * RN;
	struct acts a = {0};
	float *x = rasters(g, task);
	double *p = malloc(BATCH * k * sizeof(double));
	if (!x || !p || acts_alloc(&a, k) != WFAD_OK) {
		free(x);
		free(p);
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "ganttcnn: out of memory");
	}
	memset(proba, 0, task->n_runs * k * sizeof(double));
	for (size_t e = 0; e < g->n_nets; e++)
		for (size_t i = 0; i < task->n_runs; i += BATCH) {
			size_t b = task->n_runs - i < BATCH ? task->n_runs - i : BATCH;
			forward(&g->nets[e], &a, b, x + i * one);
			wfad_nn_softmax_rows(b, k, a.logits, p);
			for (size_t j = 0; j < b * k; j++)
				proba[i * k + j] += p[j] / (double)g->n_nets;
		}
	acts_free(&a);
	free(x);
	free(p);
	return WFAD_OK;
}

/* ---- explanations: occlusion ---------------------------------------------------------- */

/* Jobs whose channels are occluded one at a time to name what in their bars mattered. */
#define EXPLAIN_NAMED 5
_Static_assert(C0 < BATCH, "explain puts a job's occluded raster in batch slot C0");

/* lo[q] = the ensemble's mean log-odds of class k against class 0 for images x[n], n <= BATCH. */
static void log_odds(const struct gantt_cnn *g, struct acts *a, size_t n, size_t k, const float *x,
		     double *lo)
{
	for (size_t q = 0; q < n; q++)
		lo[q] = 0.0;
	for (size_t e = 0; e < g->n_nets; e++) {
		forward(&g->nets[e], a, n, x);
		for (size_t q = 0; q < n; q++)
			lo[q] += ((double)a->logits[q * g->n_classes + k] -
				  (double)a->logits[q * g->n_classes]) /
				 (double)g->n_nets;
	}
}

static const char *channel_name(size_t ch)
{
	if (ch < WFAD_SEG_COUNT)
		return wfad_gantt_segment_name((enum wfad_gantt_segment)ch);
	return ch == WFAD_SEG_COUNT         ? "incomplete"
	       : ch == WFAD_RASTER_CHANNELS ? "cpu utilisation"
					    : "cpu utilisation (scaled)";
}

/* One worker's part of the occlusion loop: its activations and a batch of rasters. */
struct occlusion_worker {
	struct acts a;
	float *x; /* [BATCH x C0 x RN x RN] */
};

struct occlusion {
	const struct gantt_cnn *g;
	const struct wfad_dataset *ds;
	size_t run, k;
	const float *full; /* the run's raster with every job */
	double base;       /* its log-odds */
	double *out;
	struct occlusion_worker *w;
};

/* Jobs [begin, end): each left out of the raster in turn, BATCH at a time. */
static void occlude_jobs(void *ctx, size_t worker, size_t begin, size_t end)
{
	struct occlusion *o = ctx;
	struct occlusion_worker *w = &o->w[worker];
	size_t one = (size_t)C0 * RN * RN;
	struct wfad_raster_options opt = raster_options(o->g);
	opt.omit = true;
	opt.base = o->full; /* repaint the omitted job's rows only */
	double lo[BATCH];
	for (size_t j0 = begin; j0 < end; j0 += BATCH) {
		size_t b = end - j0 < BATCH ? end - j0 : BATCH;
		for (size_t q = 0; q < b; q++) {
			opt.omit_node = (uint32_t)(j0 + q);
			wfad_render_raster_ex(o->ds, o->run, RN, &opt, w->x + q * one);
		}
		log_odds(o->g, &w->a, b, o->k, w->x, lo);
		for (size_t q = 0; q < b; q++)
			o->out[j0 + q] = o->base - lo[q];
	}
}

/* Occlusion: a job's share in the verdict for class k is how much the ensemble's log-odds of
 * k against normal drop when the job is left out of the run's raster (the rest of the picture
 * unchanged). For the EXPLAIN_NAMED jobs of largest share, each channel of the job is
 * occluded alone and the one whose removal drops the log-odds most names the job's reason.
 * Jobs are spread over worker threads; each share is computed alone, so the result does not
 * depend on their number. */
static enum wfad_status explain(const struct wfad_run_classifier *c,
				const struct wfad_run_task *task, size_t i, size_t k, double *out,
				const char **feature, struct wfad_error *err)
{
	const struct gantt_cnn *g = (const struct gantt_cnn *)c;
	enum wfad_status st = check_task(g, task, err);
	if (st != WFAD_OK)
		return st;
	if (i >= task->n_runs || k >= g->n_classes)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "ganttcnn: no run %zu or class %zu to explain", i, k);
	size_t m = task->ds->dag.n_nodes, one = (size_t)C0 * RN * RN, plane = (size_t)RN * RN;
	size_t workers = wfad_row_threads_count(g->p.threads, m, 2 * BATCH);
	struct occlusion o = {.g = g, .ds = task->ds, .run = task->runs[i], .k = k, .out = out};
	o.w = calloc(workers, sizeof(*o.w));
	float *full = wfad_nn_alloc_floats(one); /* the run's own raster */
	bool ok = o.w && full;
	for (size_t q = 0; ok && q < workers; q++)
		ok = (o.w[q].x = wfad_nn_alloc_floats(BATCH * one)) &&
		     acts_alloc(&o.w[q].a, g->n_classes) == WFAD_OK;
	if (!ok) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "ganttcnn: out of memory");
		goto cleanup;
	}
	struct wfad_raster_options opt = raster_options(g);
	wfad_render_raster_ex(o.ds, o.run, RN, &opt, full);
	o.full = full;
	log_odds(g, &o.w[0].a, 1, k, full, &o.base);
	wfad_row_threads_run(workers, m, occlude_jobs, &o);
	if (feature) {
		size_t top[EXPLAIN_NAMED];
		size_t nt = wfad_top_positive(out, m, EXPLAIN_NAMED, top);
		for (size_t j = 0; j < m; j++)
			feature[j] = NULL;
		float *x = o.w[0].x, *omitted = x + C0 * one; /* slot C0 of the batch; C0 < BATCH */
		double lo[BATCH];
		opt.omit = true;
		opt.base = full;
		for (size_t t = 0; t < nt; t++) {
			opt.omit_node = (uint32_t)top[t];
			wfad_render_raster_ex(o.ds, o.run, RN, &opt, omitted);
			for (size_t ch = 0; ch < C0; ch++) {
				memcpy(x + ch * one, full, one * sizeof(float));
				memcpy(x + ch * one + ch * plane, omitted + ch * plane,
				       plane * sizeof(float));
			}
			log_odds(g, &o.w[0].a, C0, k, x, lo);
			double best = 0.0;
			for (size_t ch = 0; ch < C0; ch++)
				if (o.base - lo[ch] > best) {
					best = o.base - lo[ch];
					feature[top[t]] = channel_name(ch);
				}
		}
	}
cleanup:
	for (size_t q = 0; o.w && q < workers; q++) {
		acts_free(&o.w[q].a);
		free(o.w[q].x);
	}
	free(o.w);
	free(full);
	return st;
}

/* State: u32 magic, u32 version, u32 raster side, u32 channels, u32 classes, f64 span, u32
 * nodes, their f64 typical utilisations and f64 utilisation scales, u32 nets, per net u64
 * parameter count and the f32 parameters. */
static enum wfad_status save(const struct wfad_run_classifier *c, FILE *f)
{
	const struct gantt_cnn *g = (const struct gantt_cnn *)c;
	WFAD_ASSERT(g->n_nets);
	bool ok = wfad_io_write_u32(f, GANTT_CNN_MAGIC) &&
		  wfad_io_write_u32(f, GANTT_CNN_VERSION) && wfad_io_write_u32(f, RN) &&
		  wfad_io_write_u32(f, C0) && wfad_io_write_u32(f, (uint32_t)g->n_classes) &&
		  wfad_io_write_f64(f, g->span) && wfad_io_write_u32(f, (uint32_t)g->n_util) &&
		  wfad_io_write_f64s(f, g->util, g->n_util) &&
		  wfad_io_write_f64s(f, g->util_scale, g->n_util) &&
		  wfad_io_write_u32(f, (uint32_t)g->n_nets);
	for (size_t e = 0; ok && e < g->n_nets; e++)
		ok = wfad_io_write_u64(f, g->nets[e].blk.n) &&
		     wfad_io_write_f32s(f, g->nets[e].blk.param, g->nets[e].blk.n);
	return ok ? WFAD_OK : WFAD_EIO;
}

static enum wfad_status load(struct wfad_run_classifier *c, FILE *f, struct wfad_error *err)
{
	struct gantt_cnn *g = (struct gantt_cnn *)c;
	uint32_t rn, c0, k, n_util, n_nets;
	enum wfad_status st =
		wfad_io_read_tag(f, GANTT_CNN_MAGIC, GANTT_CNN_VERSION, "ganttcnn state", err);
	if (st != WFAD_OK)
		return st;
	if (!wfad_io_read_u32(f, &rn) || !wfad_io_read_u32(f, &c0) || !wfad_io_read_u32(f, &k) ||
	    !wfad_io_read_f64(f, &g->span) || !wfad_io_read_u32(f, &n_util))
		goto truncated;
	if (rn != RN || c0 != C0)
		return wfad_error_set(
			err, WFAD_EFORMAT, "", 0, 0,
			"ganttcnn state for %u x %u rasters of %u channels; this build "
			"reads %d x %d of %d",
			rn, rn, c0, RN, RN, C0);
	if (k < 2 || k > 4096 || n_util == 0 || n_util > (1u << 24) || !(g->span >= 1.0))
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				      "ganttcnn state with %u classes, %u nodes, span %g", k,
				      n_util, g->span);
	g->n_classes = k;
	g->util = malloc(n_util * sizeof(double));
	g->util_scale = malloc(n_util * sizeof(double));
	if (!g->util || !g->util_scale)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "ganttcnn: out of memory");
	g->n_util = n_util;
	if (!wfad_io_read_f64s(f, g->util, n_util) ||
	    !wfad_io_read_f64s(f, g->util_scale, n_util) || !wfad_io_read_u32(f, &n_nets))
		goto truncated;
	for (size_t i = 0; i < n_util; i++)
		if (!(g->util_scale[i] > 0.0) || !isfinite(g->util_scale[i]))
			return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
					      "ganttcnn state with a utilisation scale of %g",
					      g->util_scale[i]);
	if (n_nets == 0 || n_nets > WFAD_MAX_NETS)
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "ganttcnn state with %u nets",
				      n_nets);
	for (uint32_t e = 0; e < n_nets; e++) {
		uint64_t count;
		if (!wfad_io_read_u64(f, &count))
			goto truncated;
		struct net plan = {0};
		if (count != net_plan(&plan, k))
			return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
					      "ganttcnn state: a net of %llu parameters",
					      (unsigned long long)count);
		if (net_alloc(&g->nets[e], k) != WFAD_OK)
			return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0,
					      "ganttcnn: out of memory");
		g->n_nets = e + 1;
		if (!wfad_io_read_f32s(f, g->nets[e].blk.param, g->nets[e].blk.n))
			goto truncated;
		for (size_t i = 0; i < g->nets[e].blk.n; i++)
			if (!isfinite(g->nets[e].blk.param[i]))
				return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
						      "ganttcnn state with non-finite weights");
	}
	return WFAD_OK;
truncated:
	return wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated ganttcnn state");
}

const struct wfad_run_classifier_ops wfad_run_classifier_ganttcnn = {
	.name = "ganttcnn",
	.summary = "small CNN on each run's Gantt raster (32x32, segment and CPU-utilisation "
		   "channels, the latter also scaled per transformation; MLP head), ensemble of "
		   "5 seeds",
	.create = create,
	.fit = fit,
	.predict = predict,
	.destroy = destroy,
	.save = save,
	.load = load,
	.explain = explain,
};
