/* Two-layer GCN network of the graph detectors: forward / backward over batches of graphs,
 * mini-batch training with AdamW and early stopping, inference and model I/O. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gnn_net.h"
#include "row_threads.h"
#include "wfad/eval.h"

#define GNN_VERSION 1u
#define GNN_CLIP_NORM 10.0
#define GNN_EVAL_GRAPHS 32 /* graphs per pass when validating or predicting */
#define GNN_MAX_WIDTH (1u << 20)
#define GNN_MAX_PARAMS ((uint64_t)1 << 26) /* 256 MB of parameters; models here have ~20k */

/* Lays out net's layers for the shape; returns the parameter count (nothing allocated). */
static size_t net_plan(struct wfad_gnn_net *net, enum wfad_gnn_task task, size_t d, size_t h,
		       size_t out, bool skip, float dropout)
{
	*net = (struct wfad_gnn_net){.task = task, .d = d, .h = h, .out = out, .dropout = dropout};
	net->skip = skip && task != WFAD_GNN_GRAPH_XENT;
	size_t head_in = task == WFAD_GNN_GRAPH_XENT ? 2 * h : h + (net->skip ? d : 0);
	size_t size = 0;
	wfad_nn_dense_plan(&net->layer[0], d, h, &size);
	wfad_nn_dense_plan(&net->layer[1], h, h, &size);
	wfad_nn_dense_plan(&net->layer[2], head_in, h, &size);
	wfad_nn_dense_plan(&net->layer[3], h, out, &size);
	return size;
}

enum wfad_status wfad_gnn_net_create(struct wfad_gnn_net *net, enum wfad_gnn_task task, size_t d,
				     size_t h, size_t out, bool skip, float dropout)
{
	WFAD_ASSERT(d > 0 && h > 0 && out > 0 && dropout >= 0.0f && dropout < 1.0f);
	size_t size = net_plan(net, task, d, h, out, skip, dropout);
	enum wfad_status st = wfad_nn_block_alloc(&net->block, size);
	if (st != WFAD_OK) {
		*net = (struct wfad_gnn_net){0};
		return st;
	}
	for (size_t l = 0; l < 4; l++)
		wfad_nn_dense_bind(&net->layer[l], &net->block);
	return WFAD_OK;
}

void wfad_gnn_net_free(struct wfad_gnn_net *net)
{
	wfad_nn_block_free(&net->block);
	*net = (struct wfad_gnn_net){0};
}

static void init_params(struct wfad_gnn_net *net, struct wfad_rng *rng)
{
	wfad_nn_dense_init(&net->layer[0], WFAD_NN_INIT_HE, rng);
	wfad_nn_dense_init(&net->layer[1], WFAD_NN_INIT_HE, rng);
	wfad_nn_dense_init(&net->layer[2], WFAD_NN_INIT_HE, rng);
	wfad_nn_dense_init(&net->layer[3], WFAD_NN_INIT_XAVIER, rng);
}

/* ---- activations -------------------------------------------------------------------------- */

/* Activations for up to cap graphs of up to `rows` node rows in all, H head rows (rows for
 * node tasks, cap for graph tasks). One allocation. */
struct gnn_act {
	size_t cap, rows, head_rows;
	float *mem;
	float *t[2], *z[2], *r[2], *hd[2], *mask[2]; /* [R x h] per GCN layer */
	float *c;                                    /* head input [H x head_in] */
	float *u, *ur, *uh, *umask;                  /* head hidden [H x h] */
	float *o;                                    /* [H x out] */
	float *gh, *gr, *gz, *gt;                    /* node-row gradients [R x h] */
	float *gc, *gu, *gur, *guh;                  /* head gradients */
	uint32_t *arg;                               /* max pooling winners [cap x h] */
	bool dropped;
};

static void act_free(struct gnn_act *a)
{
	free(a->mem);
	free(a->arg);
	*a = (struct gnn_act){0};
}

static enum wfad_status act_alloc(struct gnn_act *a, const struct wfad_gnn_net *net, size_t cap,
				  size_t rows)
{
	*a = (struct gnn_act){.cap = cap, .rows = rows};
	a->head_rows = net->task == WFAD_GNN_GRAPH_XENT ? cap : a->rows;
	size_t h = net->h, R = a->rows, H = a->head_rows, hin = net->layer[2].in;
	/* Each view rounded to 16 floats keeps them 64-byte aligned. */
	size_t rh = (R * h + 15) & ~(size_t)15, hh = (H * h + 15) & ~(size_t)15;
	size_t hc = (H * hin + 15) & ~(size_t)15, ho = (H * net->out + 15) & ~(size_t)15;
	size_t total = 14 * rh + 2 * hc + 8 * hh + ho;
	a->mem = wfad_nn_alloc_floats(total);
	a->arg = malloc((cap * h + 1) * sizeof(uint32_t));
	if (!a->mem || !a->arg) {
		act_free(a);
		return WFAD_ENOMEM;
	}
	float *p = a->mem;
	for (int l = 0; l < 2; l++) {
		a->t[l] = p, p += rh;
		a->z[l] = p, p += rh;
		a->r[l] = p, p += rh;
		a->hd[l] = p, p += rh;
		a->mask[l] = p, p += rh;
	}
	a->gh = p, p += rh;
	a->gr = p, p += rh;
	a->gz = p, p += rh;
	a->gt = p, p += rh;
	a->c = p, p += hc;
	a->gc = p, p += hc;
	a->u = p, p += hh;
	a->ur = p, p += hh;
	a->uh = p, p += hh;
	a->umask = p, p += hh;
	a->gu = p, p += hh;
	a->gur = p, p += hh;
	a->guh = p, p += hh;
	p += hh;
	a->o = p;
	return WFAD_OK;
}

/* ---- batches ------------------------------------------------------------------------------- */

/* B graphs of a pass: graph b has adjacency g[b] and node rows [off[b], off[b + 1]) of the
 * batch's stacked rows. g and off hold room for the activations' cap graphs. */
struct gnn_batch {
	size_t B, cap;
	const struct wfad_nn_graph **g;
	size_t *off;
};

static void batch_free(struct gnn_batch *bt)
{
	free(bt->g);
	free(bt->off);
	*bt = (struct gnn_batch){0};
}

static bool batch_alloc(struct gnn_batch *bt, size_t cap)
{
	*bt = (struct gnn_batch){.cap = cap};
	bt->g = malloc((cap + 1) * sizeof(*bt->g));
	bt->off = malloc((cap + 1) * sizeof(*bt->off));
	if (!bt->g || !bt->off) {
		batch_free(bt);
		return false;
	}
	return true;
}

/* The batch of graphs idx[0..B) of data (idx NULL: graphs first .. first + B - 1). */
static void batch_of(struct gnn_batch *bt, const struct wfad_gnn_data *data, const size_t *idx,
		     size_t first, size_t B)
{
	WFAD_ASSERT(B <= bt->cap);
	bt->B = B;
	bt->off[0] = 0;
	for (size_t b = 0; b < B; b++) {
		size_t i = idx ? idx[b] : first + b;
		bt->g[b] = data->g[i];
		bt->off[b + 1] = bt->off[b] + (data->row0[i + 1] - data->row0[i]);
	}
}

/* ---- forward / backward --------------------------------------------------------------------- */

static void propagate(const struct gnn_batch *bt, size_t h, const float *x, float *y, bool back)
{
	for (size_t b = 0; b < bt->B; b++) {
		const float *xb = x + bt->off[b] * h;
		float *yb = y + bt->off[b] * h;
		if (back)
			wfad_nn_graph_propagate_backward(bt->g[b], 1, h, xb, yb);
		else
			wfad_nn_graph_propagate(bt->g[b], 1, h, xb, yb);
	}
}

/* x[rows x d] of the batch -> output [head rows x out] (in act). rng non-NULL: training
 * (dropout). */
static const float *forward(const struct wfad_gnn_net *net, const struct gnn_batch *bt,
			    struct gnn_act *a, const float *restrict x, struct wfad_rng *rng)
{
	size_t B = bt->B, R = bt->off[B], h = net->h, d = net->d;
	WFAD_ASSERT(B <= a->cap && R <= a->rows);
	a->dropped = rng && net->dropout > 0.0f;
	const float *in = x;
	for (int l = 0; l < 2; l++) {
		wfad_nn_dense_forward(&net->layer[l], R, in, a->t[l]);
		propagate(bt, h, a->t[l], a->z[l], false);
		wfad_nn_relu_forward(R * h, a->z[l], a->r[l]);
		if (a->dropped) {
			wfad_nn_dropout_mask(R * h, net->dropout, rng, a->mask[l]);
			wfad_nn_dropout_forward(R * h, a->r[l], a->mask[l], a->hd[l]);
			in = a->hd[l];
		} else {
			in = a->r[l];
		}
	}
	size_t H, hin = net->layer[2].in;
	if (net->task == WFAD_GNN_GRAPH_XENT) {
		H = B;
		for (size_t b = 0; b < B; b++) {
			size_t n = bt->off[b + 1] - bt->off[b];
			const float *ib = in + bt->off[b] * h;
			wfad_nn_pool_mean_forward(1, n, h, ib, a->c + b * hin, hin);
			wfad_nn_pool_max_forward(1, n, h, ib, a->c + b * hin + h, hin,
						 a->arg + b * h);
		}
	} else {
		H = R;
		for (size_t i = 0; i < R; i++) {
			memcpy(a->c + i * hin, in + i * h, h * sizeof(float));
			if (net->skip)
				memcpy(a->c + i * hin + h, x + i * d, d * sizeof(float));
		}
	}
	wfad_nn_dense_forward(&net->layer[2], H, a->c, a->u);
	wfad_nn_relu_forward(H * h, a->u, a->ur);
	const float *uin = a->ur;
	if (a->dropped) {
		wfad_nn_dropout_mask(H * h, net->dropout, rng, a->umask);
		wfad_nn_dropout_forward(H * h, a->ur, a->umask, a->uh);
		uin = a->uh;
	}
	wfad_nn_dense_forward(&net->layer[3], H, uin, a->o);
	return a->o;
}

/* After a forward of the same batch: dout[head rows x out]; gradients accumulate into
 * net->block.grad. dx non-NULL: also the gradient of the input rows (overwritten; the skipped
 * features' share included). */
static void backward(struct wfad_gnn_net *net, const struct gnn_batch *bt, struct gnn_act *a,
		     const float *restrict x, const float *restrict dout, float *restrict dx)
{
	size_t B = bt->B, R = bt->off[B], h = net->h, hin = net->layer[2].in, d = net->d;
	size_t H = net->task == WFAD_GNN_GRAPH_XENT ? B : R;
	const float *uin = a->dropped ? a->uh : a->ur;
	memset(a->guh, 0, H * h * sizeof(float));
	wfad_nn_dense_backward(&net->layer[3], H, uin, dout, a->guh);
	const float *gur = a->guh;
	if (a->dropped) {
		memset(a->gur, 0, H * h * sizeof(float));
		wfad_nn_dropout_backward(H * h, a->umask, a->guh, a->gur);
		gur = a->gur;
	}
	memset(a->gu, 0, H * h * sizeof(float));
	wfad_nn_relu_backward(H * h, a->u, gur, a->gu);
	/* The head's input gradient is formed only where it flows on: the skipped input
	 * features need none unless dx is asked for (dense backward written out for that). */
	const struct wfad_nn_dense *l2 = &net->layer[2];
	size_t need = net->task == WFAD_GNN_GRAPH_XENT || dx ? hin : h;
	wfad_nn_sum_rows(H, h, a->gu, l2->db);
	wfad_nn_gemm(true, false, hin, h, H, a->c, hin, a->gu, h, l2->dw, h);
	memset(a->gc, 0, H * hin * sizeof(float));
	wfad_nn_gemm(false, true, H, need, h, a->gu, h, l2->w, h, a->gc, hin);
	/* gh = gradient of the second GCN layer's output (after dropout) */
	memset(a->gh, 0, R * h * sizeof(float));
	if (net->task == WFAD_GNN_GRAPH_XENT) {
		for (size_t b = 0; b < B; b++) {
			size_t n = bt->off[b + 1] - bt->off[b];
			float *gb = a->gh + bt->off[b] * h;
			wfad_nn_pool_mean_backward(1, n, h, a->gc + b * hin, hin, gb);
			wfad_nn_pool_max_backward(1, n, h, a->arg + b * h, a->gc + b * hin + h, hin,
						  gb);
		}
	} else {
		for (size_t i = 0; i < R; i++)
			memcpy(a->gh + i * h, a->gc + i * hin, h * sizeof(float));
	}
	if (dx) {
		memset(dx, 0, R * d * sizeof(float));
		if (net->skip)
			for (size_t i = 0; i < R; i++)
				for (size_t c = 0; c < d; c++)
					dx[i * d + c] = a->gc[i * hin + h + c];
	}
	for (int l = 1; l >= 0; l--) {
		const float *gr = a->gh;
		if (a->dropped) {
			memset(a->gr, 0, R * h * sizeof(float));
			wfad_nn_dropout_backward(R * h, a->mask[l], a->gh, a->gr);
			gr = a->gr;
		}
		memset(a->gz, 0, R * h * sizeof(float));
		wfad_nn_relu_backward(R * h, a->z[l], gr, a->gz);
		memset(a->gt, 0, R * h * sizeof(float));
		propagate(bt, h, a->gz, a->gt, true);
		const float *in = l == 0 ? x : (a->dropped ? a->hd[0] : a->r[0]);
		if (l == 1) {
			memset(a->gh, 0, R * h * sizeof(float));
			wfad_nn_dense_backward(&net->layer[l], R, in, a->gt, a->gh);
		} else {
			wfad_nn_dense_backward(&net->layer[l], R, in, a->gt, dx);
		}
	}
}

/* ---- training ------------------------------------------------------------------------------- */

struct batch_loss {
	float pos_weight;
	const float *class_w;
	float *tb;     /* [R] node targets */
	uint32_t *yb;  /* [cap] graph classes */
	float *target; /* NODE_MSE: the input rows */
	uint32_t *yn;  /* [rows] node classes (NODE_XENT) */
};

/* Loss of one forward output over the batch of graphs idx[0..B) of data; writes dout when
 * non-NULL. */
static double batch_loss(const struct wfad_gnn_net *net, const struct wfad_gnn_data *data,
			 const size_t *idx, const struct gnn_batch *bt, const float *out,
			 const float *xb, struct batch_loss *bl, float *dout)
{
	size_t B = bt->B, R = bt->off[B];
	double loss;
	switch (net->task) {
	case WFAD_GNN_NODE_BCE:
		for (size_t b = 0; b < B; b++) {
			const uint8_t *y = data->y_node + data->row0[idx[b]];
			for (size_t i = bt->off[b]; i < bt->off[b + 1]; i++)
				bl->tb[i] = y[i - bt->off[b]] ? 1.0f : 0.0f;
		}
		loss = wfad_nn_bce_logits_forward(R, out, bl->tb, bl->pos_weight);
		if (dout)
			wfad_nn_bce_logits_backward(R, out, bl->tb, bl->pos_weight, dout);
		return loss;
	case WFAD_GNN_NODE_XENT:
		for (size_t b = 0; b < B; b++) {
			const uint8_t *y = data->y_node + data->row0[idx[b]];
			for (size_t i = bt->off[b]; i < bt->off[b + 1]; i++)
				bl->yn[i] = y[i - bt->off[b]];
		}
		loss = wfad_nn_softmax_xent_forward(R, net->out, out, bl->yn, bl->class_w);
		if (dout)
			wfad_nn_softmax_xent_backward(R, net->out, out, bl->yn, bl->class_w, dout);
		return loss;
	case WFAD_GNN_NODE_MSE:
		loss = wfad_nn_mse_forward(R * net->d, out, xb);
		if (dout)
			wfad_nn_mse_backward(R * net->d, out, xb, dout);
		return loss;
	case WFAD_GNN_GRAPH_XENT:
	default:
		for (size_t b = 0; b < B; b++)
			bl->yb[b] = data->y_graph[idx[b]];
		loss = wfad_nn_softmax_xent_forward(B, net->out, out, bl->yb, bl->class_w);
		if (dout)
			wfad_nn_softmax_xent_backward(B, net->out, out, bl->yb, bl->class_w, dout);
		return loss;
	}
}

static void gather(const struct wfad_gnn_net *net, const struct wfad_gnn_data *data,
		   const size_t *idx, size_t B, float *xb)
{
	size_t d = net->d, at = 0;
	for (size_t b = 0; b < B; b++) {
		size_t r0 = data->row0[idx[b]], rows = data->row0[idx[b] + 1] - r0;
		memcpy(xb + at * d, data->x + r0 * d, rows * d * sizeof(float));
		at += rows;
	}
}

/* Mean validation loss (weighted like the training loss: by rows, or by class weight);
 * node_out non-NULL (NODE_BCE): every node's logit too. */
static double eval_loss(const struct wfad_gnn_net *net, struct gnn_act *a, struct gnn_batch *bt,
			const struct wfad_gnn_data *data, struct batch_loss *bl, size_t *idx,
			double *node_out)
{
	double total = 0.0, weight = 0.0;
	for (size_t g0 = 0; g0 < data->n_graphs; g0 += a->cap) {
		size_t B = data->n_graphs - g0 < a->cap ? data->n_graphs - g0 : a->cap;
		for (size_t b = 0; b < B; b++)
			idx[b] = g0 + b;
		batch_of(bt, data, NULL, g0, B);
		const float *xb = data->x + data->row0[g0] * net->d;
		const float *out = forward(net, bt, a, xb, NULL);
		double l = batch_loss(net, data, idx, bt, out, xb, bl, NULL), w = (double)B;
		for (size_t i = 0; node_out && i < bt->off[B]; i++)
			node_out[data->row0[g0] + i] = out[i];
		if (net->task == WFAD_GNN_GRAPH_XENT && bl->class_w) {
			w = 0.0;
			for (size_t b = 0; b < B; b++)
				w += bl->class_w[bl->yb[b]];
		} else if (net->task == WFAD_GNN_NODE_XENT && bl->class_w) {
			w = 0.0;
			for (size_t i = 0; i < bt->off[B]; i++)
				w += bl->class_w[bl->yn[i]];
		}
		total += l * w;
		weight += w;
	}
	return weight > 0.0 ? total / weight : 0.0;
}

/* Node rows of the largest graph of data. */
static size_t largest(const struct wfad_gnn_data *data)
{
	size_t m = 0;
	for (size_t i = 0; i < data->n_graphs; i++) {
		size_t n = data->row0[i + 1] - data->row0[i];
		m = n > m ? n : m;
	}
	return m;
}

static bool all_finite(const float *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

static enum wfad_status diverged(const char *name, struct wfad_error *err, int epoch,
				 const char *what, double value)
{
	return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
			      "%s: training diverged at epoch %d (%s is %s); try a smaller "
			      "learning rate",
			      name, epoch, what, isnan(value) ? "NaN" : "infinite");
}

/* ---- one training step, sharded ----------------------------------------------------------- */

/* A batch is cut into shards of GNN_SHARD graphs, a partition that depends on the batch only;
 * workers run whole shards (forward, loss, backward into the shard's own gradient buffer,
 * dropout from the shard's own stream) and the buffers are summed in shard order, so the
 * result is the same for any number of threads. */
#define GNN_SHARD 2
#define GNN_ROWS_PER_WORKER 2048 /* fewer rows than this per worker: not worth a thread */

struct worker {
	struct gnn_act a;
	struct gnn_batch bt;
	struct batch_loss bl;
	float *xb, *dout;
};

struct step {
	struct wfad_gnn_net *net;
	const struct wfad_gnn_data *data;
	const size_t *idx; /* the batch's graphs */
	size_t B, n_shards;
	uint64_t seed; /* the batch's dropout streams */
	struct worker *w;
	float **grad;  /* [n_shards][block.n] */
	double *loss;  /* per shard, already weighted by its share */
	double *share; /* per shard: its part of the batch's loss normaliser */
	bool auto_threads;
};

static void worker_free(struct worker *w)
{
	act_free(&w->a);
	batch_free(&w->bt);
	free(w->bl.tb);
	free(w->bl.yb);
	free(w->bl.yn);
	free(w->xb);
	free(w->dout);
	*w = (struct worker){0};
}

static bool worker_alloc(struct worker *w, const struct wfad_gnn_net *net, size_t n_max,
			 float pos_weight, const float *class_w)
{
	size_t rows = GNN_SHARD * n_max;
	*w = (struct worker){.bl = {.pos_weight = pos_weight, .class_w = class_w}};
	bool ok =
		act_alloc(&w->a, net, GNN_SHARD, rows) == WFAD_OK && batch_alloc(&w->bt, GNN_SHARD);
	w->bl.tb = wfad_nn_alloc_floats(rows);
	w->bl.yb = malloc(GNN_SHARD * sizeof(uint32_t));
	w->bl.yn = malloc(rows * sizeof(uint32_t));
	w->xb = wfad_nn_alloc_floats(rows * net->d);
	w->dout = wfad_nn_alloc_floats(w->a.head_rows * net->out);
	if (ok && w->bl.tb && w->bl.yb && w->bl.yn && w->xb && w->dout)
		return true;
	worker_free(w);
	return false;
}

/* The net with its gradient views bound to buf (parameters shared, read only). */
static struct wfad_gnn_net grad_view(const struct wfad_gnn_net *net, float *buf)
{
	struct wfad_gnn_net v = *net;
	struct wfad_nn_block blk = net->block;
	blk.grad = buf;
	for (size_t l = 0; l < 4; l++)
		wfad_nn_dense_bind(&v.layer[l], &blk);
	return v;
}

static void step_shards(void *arg, size_t worker, size_t begin, size_t end)
{
	struct step *c = arg;
	struct worker *w = &c->w[worker];
	for (size_t sh = begin; sh < end; sh++) {
		size_t g0 = sh * GNN_SHARD, B = c->B - g0 < GNN_SHARD ? c->B - g0 : GNN_SHARD;
		const size_t *idx = c->idx + g0;
		struct wfad_gnn_net view = grad_view(c->net, c->grad[sh]);
		struct wfad_rng rng;
		wfad_rng_seed(&rng, c->seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(sh + 1)));
		batch_of(&w->bt, c->data, idx, 0, B);
		gather(c->net, c->data, idx, B, w->xb);
		const float *out = forward(&view, &w->bt, &w->a, w->xb, &rng);
		size_t H = view.task == WFAD_GNN_GRAPH_XENT ? B : w->bt.off[B];
		memset(w->dout, 0, H * view.out * sizeof(float));
		double loss = batch_loss(&view, c->data, idx, &w->bt, out, w->xb, &w->bl, w->dout);
		float f = (float)c->share[sh];
		for (size_t i = 0; i < H * view.out; i++)
			w->dout[i] *= f;
		c->loss[sh] = loss * c->share[sh];
		memset(c->grad[sh], 0, view.block.n * sizeof(float));
		backward(&view, &w->bt, &w->a, w->xb, w->dout, NULL);
	}
}

/* Each shard's share of the batch's loss normaliser (rows, or class weight for graphs). */
static void shard_shares(const struct wfad_gnn_net *net, const struct wfad_gnn_data *data,
			 const size_t *idx, size_t B, const float *class_w, double *share)
{
	size_t n_shards = (B + GNN_SHARD - 1) / GNN_SHARD;
	double total = 0.0;
	for (size_t sh = 0; sh < n_shards; sh++) {
		double w = 0.0;
		for (size_t b = sh * GNN_SHARD; b < B && b < (sh + 1) * GNN_SHARD; b++) {
			size_t g = idx[b];
			if (net->task == WFAD_GNN_GRAPH_XENT)
				w += class_w ? (double)class_w[data->y_graph[g]] : 1.0;
			else if (net->task == WFAD_GNN_NODE_XENT && class_w)
				for (size_t r = data->row0[g]; r < data->row0[g + 1]; r++)
					w += (double)class_w[data->y_node[r]];
			else
				w += (double)(data->row0[g + 1] - data->row0[g]);
		}
		share[sh] = w;
		total += w;
	}
	for (size_t sh = 0; sh < n_shards; sh++)
		share[sh] = total > 0.0 ? share[sh] / total : 0.0;
}

/* Loss and gradients (into net->block.grad) of the batch idx[0..B). */
static double train_step(struct step *c, size_t workers, const size_t *idx, size_t B, uint64_t seed,
			 const float *class_w)
{
	c->idx = idx;
	c->B = B;
	c->seed = seed;
	c->n_shards = (B + GNN_SHARD - 1) / GNN_SHARD;
	shard_shares(c->net, c->data, idx, B, class_w, c->share);
	size_t rows = 0;
	for (size_t b = 0; b < B; b++)
		rows += c->data->row0[idx[b] + 1] - c->data->row0[idx[b]];
	/* Automatic thread counts skip threads too small to pay; explicit ones are obeyed. */
	size_t use = c->auto_threads ? rows / GNN_ROWS_PER_WORKER : workers;
	use = use < workers ? use : workers;
	use = use < c->n_shards ? use : c->n_shards;
	wfad_row_threads_run(use ? use : 1, c->n_shards, step_shards, c);
	size_t n = c->net->block.n;
	float *g = c->net->block.grad;
	memcpy(g, c->grad[0], n * sizeof(float));
	double loss = c->loss[0];
	for (size_t sh = 1; sh < c->n_shards; sh++) {
		const float *gs = c->grad[sh];
		for (size_t i = 0; i < n; i++)
			g[i] += gs[i];
		loss += c->loss[sh];
	}
	return loss;
}

/* The training loop: `epochs` epochs from the current weights (init: fresh ones from seed),
 * shuffles and dropout drawn from seed. */
static enum wfad_status train_loop(struct wfad_gnn_net *net, const char *name,
				   const struct wfad_nnd_config *cfg, int epochs, bool init,
				   uint64_t seed, const struct wfad_gnn_data *train,
				   const struct wfad_gnn_data *valid, const float *class_w,
				   int *epochs_run, int *best_epoch, struct wfad_error *err)
{
	size_t N = train->n_graphs, rows = N ? train->row0[N] : 0;
	if (N == 0 || rows == 0)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "%s: no training graphs", name);
	bool use_valid = valid && valid->n_graphs > 0;
	float pos_weight = 1.0f;
	if (net->task == WFAD_GNN_NODE_BCE) {
		size_t pos = 0;
		for (size_t i = 0; i < rows; i++)
			pos += train->y_node[i] != 0;
		if (pos == 0 || pos == rows)
			return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
					      "%s: the training set has no %s jobs; a classifier "
					      "needs both classes",
					      name, pos == 0 ? "anomalous" : "normal");
		pos_weight = (float)((double)(rows - pos) / (double)pos);
	}
	/* Early stopping on the validation jobs' ROC-AUC (the lower loss breaking ties) needs
	 * 0/1 labels, and both classes among the validation jobs. */
	bool by_auc = use_valid && cfg->stop_auc;
	if (by_auc && net->task != WFAD_GNN_NODE_BCE)
		return wfad_error_set(
			err, WFAD_EINVAL, "", 0, 0,
			"%s: early stopping on AUC needs 0/1 job labels (not --classes, "
			"not an autoencoder or run classifier)",
			name);
	size_t vrows = use_valid ? valid->row0[valid->n_graphs] : 0, vpos = 0;
	for (size_t i = 0; by_auc && i < vrows; i++)
		vpos += valid->y_node[i] != 0;
	if (by_auc && (vpos == 0 || vpos == vrows)) {
		wfad_log(WFAD_LOG_INFO,
			 "%s: the validation jobs hold one class; stopping on the loss", name);
		by_auc = false;
	}
	size_t batch = (size_t)cfg->batch < N ? (size_t)cfg->batch : N;
	size_t n_shards = (batch + GNN_SHARD - 1) / GNN_SHARD;
	size_t n_max = largest(train), n_valid_max = use_valid ? largest(valid) : 0;
	n_max = n_valid_max > n_max ? n_valid_max : n_max;
	size_t workers = wfad_row_threads_count(cfg->threads, n_shards, 1);
	struct step c = {.net = net, .data = train, .auto_threads = cfg->threads == 0};
	c.w = calloc(workers, sizeof(*c.w));
	c.grad = calloc(n_shards, sizeof(*c.grad));
	c.loss = calloc(n_shards, sizeof(*c.loss));
	c.share = calloc(n_shards, sizeof(*c.share));
	size_t *perm = malloc((N + GNN_SHARD) * sizeof(size_t));
	float *best = wfad_nn_alloc_floats(net->block.n);
	double *vscore = by_auc ? malloc(vrows * sizeof(double)) : NULL;
	enum wfad_status st = WFAD_OK;
	bool ok = c.w && c.grad && c.loss && c.share && perm && best && (!by_auc || vscore);
	for (size_t i = 0; ok && i < workers; i++)
		ok = worker_alloc(&c.w[i], net, n_max, pos_weight, class_w);
	for (size_t i = 0; ok && i < n_shards; i++)
		ok = (c.grad[i] = wfad_nn_alloc_floats(net->block.n)) != NULL;
	if (!ok) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory", name);
		goto cleanup;
	}
	size_t *vidx = perm + N;
	struct wfad_rng rng;
	wfad_rng_seed(&rng, seed);
	if (init)
		init_params(net, &rng);
	struct wfad_nn_adamw opt;
	wfad_nn_adamw_init(&opt, (float)cfg->lr, (float)cfg->weight_decay);
	for (size_t i = 0; i < N; i++)
		perm[i] = i;
	double best_loss = INFINITY, best_auc = -INFINITY;
	int bad = 0, epoch;
	*best_epoch = 0;
	*epochs_run = 0;
	for (epoch = 1; epoch <= epochs; epoch++) {
		for (size_t i = N - 1; i > 0; i--) {
			size_t j = (size_t)wfad_rng_below(&rng, i + 1), t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
		}
		for (size_t b0 = 0; b0 < N; b0 += batch) {
			size_t B = N - b0 < batch ? N - b0 : batch;
			double loss =
				train_step(&c, workers, perm + b0, B, wfad_rng_next(&rng), class_w);
			if (!isfinite(loss)) {
				st = diverged(name, err, epoch, "the training loss", loss);
				goto cleanup;
			}
			double norm = wfad_nn_clip_grad_norm(&net->block, GNN_CLIP_NORM);
			if (!isfinite(norm)) {
				st = diverged(name, err, epoch, "the gradient norm", norm);
				goto cleanup;
			}
			wfad_nn_adamw_step(&opt, &net->block);
		}
		*epochs_run = epoch;
		bool stop = false;
		if (use_valid) {
			double vloss = eval_loss(net, &c.w[0].a, &c.w[0].bt, valid, &c.w[0].bl,
						 vidx, vscore);
			if (!isfinite(vloss)) {
				st = diverged(name, err, epoch, "the validation loss", vloss);
				goto cleanup;
			}
			double vauc = 0;
			if (by_auc && wfad_metrics_roc_auc_status(vscore, valid->y_node, vrows,
								  &vauc) != WFAD_OK) {
				st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory",
						    name);
				goto cleanup;
			}
			if (by_auc ? vauc > best_auc || (vauc == best_auc && vloss < best_loss)
				   : vloss < best_loss) {
				best_loss = vloss;
				best_auc = vauc;
				*best_epoch = epoch;
				bad = 0;
				memcpy(best, net->block.param, net->block.n * sizeof(float));
			} else {
				stop = ++bad >= cfg->patience;
			}
		}
		if (cfg->progress)
			cfg->progress(cfg->progress_user, (size_t)epoch, (size_t)epochs);
		if (stop)
			break;
	}
	if (use_valid)
		memcpy(net->block.param, best, net->block.n * sizeof(float));
	else
		*best_epoch = *epochs_run;
	if (!all_finite(net->block.param, net->block.n)) {
		st = diverged(name, err, *epochs_run, "a weight", NAN);
		goto cleanup;
	}
	if (by_auc)
		wfad_log(WFAD_LOG_INFO,
			 "%s: %d epochs, kept epoch %d (validation ROC-AUC %.6f, loss %.6g)", name,
			 *epochs_run, *best_epoch, best_auc, best_loss);
	else if (use_valid)
		wfad_log(WFAD_LOG_INFO, "%s: %d epochs, kept epoch %d (validation loss %.6g)", name,
			 *epochs_run, *best_epoch, best_loss);
	st = WFAD_OK;
cleanup:
	for (size_t i = 0; c.w && i < workers; i++)
		worker_free(&c.w[i]);
	for (size_t i = 0; c.grad && i < n_shards; i++)
		free(c.grad[i]);
	free(c.w);
	free(c.grad);
	free(c.loss);
	free(c.share);
	free(perm);
	free(best);
	free(vscore);
	return st;
}

enum wfad_status wfad_gnn_train(struct wfad_gnn_net *net, const char *name,
				const struct wfad_nnd_config *cfg,
				const struct wfad_gnn_data *train,
				const struct wfad_gnn_data *valid, const float *class_w,
				int *epochs_run, int *best_epoch, struct wfad_error *err)
{
	return train_loop(net, name, cfg, cfg->epochs, true, cfg->seed, train, valid, class_w,
			  epochs_run, best_epoch, err);
}

static void report_ensemble_progress(void *user, size_t done, size_t total)
{
	const struct wfad_gnn_progress *np = user;
	np->base->progress(np->base->progress_user, np->k * total + done,
			   (size_t)np->base->nets * total);
}

struct wfad_nnd_config wfad_gnn_ensemble_config(const struct wfad_nnd_config *base, size_t k,
						struct wfad_gnn_progress *np)
{
	struct wfad_nnd_config cfg = *base;
	cfg.seed = base->seed + 0x9e3779b97f4a7c15ULL * k;
	if (cfg.progress && cfg.nets > 1) {
		*np = (struct wfad_gnn_progress){base, k};
		cfg.progress = report_ensemble_progress;
		cfg.progress_user = np;
	}
	return cfg;
}

enum wfad_status wfad_gnn_train_ensemble(struct wfad_gnn_net *net, size_t *n_nets, const char *name,
					 const struct wfad_nnd_config *base,
					 const struct wfad_gnn_data *train,
					 const struct wfad_gnn_data *valid, const float *class_w,
					 struct wfad_error *err)
{
	const struct wfad_gnn_net *shape = &net[0];
	*n_nets = 1;
	enum wfad_status st = WFAD_OK;
	for (size_t k = 0; st == WFAD_OK && k < (size_t)base->nets; k++) {
		if (k > 0) {
			st = wfad_gnn_net_create(&net[k], shape->task, shape->d, shape->h,
						 shape->out, shape->skip, shape->dropout);
			if (st != WFAD_OK)
				return wfad_error_set(err, st, "", 0, 0, "%s: out of memory", name);
			*n_nets = k + 1;
		}
		struct wfad_gnn_progress np;
		struct wfad_nnd_config cfg = wfad_gnn_ensemble_config(base, k, &np);
		int epochs_run, best_epoch;
		st = wfad_gnn_train(&net[k], name, &cfg, train, valid, class_w, &epochs_run,
				    &best_epoch, err);
	}
	return st;
}

enum wfad_status wfad_gnn_update(struct wfad_gnn_net *net, const char *name,
				 const struct wfad_nnd_config *cfg, int epochs,
				 const struct wfad_gnn_data *train,
				 const struct wfad_gnn_data *valid, const float *class_w,
				 struct wfad_error *err)
{
	if (epochs < 1)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: a warm start needs at least one epoch, not %d", name,
				      epochs);
	float *saved = wfad_nn_alloc_floats(net->block.n);
	if (!saved)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory", name);
	memcpy(saved, net->block.param, net->block.n * sizeof(float));
	/* A shuffle that differs from update to update (the labelled set grows) yet is fixed by
	 * the seed. */
	size_t rows = train->n_graphs ? train->row0[train->n_graphs] : 0;
	uint64_t seed = cfg->seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(rows + 1));
	int epochs_run, best_epoch;
	enum wfad_status st = train_loop(net, name, cfg, epochs, false, seed, train, valid, class_w,
					 &epochs_run, &best_epoch, err);
	if (st != WFAD_OK)
		memcpy(net->block.param, saved, net->block.n * sizeof(float));
	free(saved);
	return st;
}

/* ---- inference ------------------------------------------------------------------------------ */

enum wfad_status wfad_gnn_predict(const struct wfad_gnn_net *net, const char *name,
				  const struct wfad_gnn_data *data, double *out,
				  struct wfad_error *err)
{
	size_t N = data->n_graphs;
	if (N == 0 || data->row0[N] == 0)
		return WFAD_OK;
	size_t cap = N < GNN_EVAL_GRAPHS ? N : GNN_EVAL_GRAPHS;
	struct gnn_act a = {0};
	struct gnn_batch bt = {0};
	if (act_alloc(&a, net, cap, cap * largest(data)) != WFAD_OK || !batch_alloc(&bt, cap)) {
		act_free(&a);
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory", name);
	}
	for (size_t g0 = 0; g0 < N; g0 += cap) {
		size_t B = N - g0 < cap ? N - g0 : cap, r0 = data->row0[g0];
		batch_of(&bt, data, NULL, g0, B);
		size_t R = bt.off[B];
		const float *xb = data->x + r0 * net->d;
		const float *o = forward(net, &bt, &a, xb, NULL);
		if (net->task == WFAD_GNN_NODE_BCE) {
			for (size_t i = 0; i < R; i++)
				out[r0 + i] = 1.0 / (1.0 + exp(-(double)o[i]));
		} else if (net->task == WFAD_GNN_NODE_MSE) {
			wfad_nn_mse_rows(R, net->d, o, xb, out + r0);
		} else if (net->task == WFAD_GNN_NODE_XENT) {
			wfad_nn_softmax_rows(R, net->out, o, out + r0 * net->out);
		} else {
			wfad_nn_softmax_rows(B, net->out, o, out + g0 * net->out);
		}
	}
	act_free(&a);
	batch_free(&bt);
	size_t total = net->task == WFAD_GNN_GRAPH_XENT  ? N * net->out
		       : net->task == WFAD_GNN_NODE_XENT ? data->row0[N] * net->out
							 : data->row0[N];
	for (size_t i = 0; i < total; i++)
		if (!isfinite(out[i]))
			return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
					      "%s: non-finite score (features far outside the "
					      "training range?)",
					      name);
	return WFAD_OK;
}

/* ---- input gradients ---------------------------------------------------------------------- */

enum wfad_status wfad_gnn_input_gradient(const struct wfad_gnn_net *net,
					 const struct wfad_nn_graph *g, const float *x, size_t node,
					 float *dx)
{
	bool graph = net->task == WFAD_GNN_GRAPH_XENT;
	if (net->task == WFAD_GNN_NODE_MSE || node >= (graph ? net->out : g->n))
		return WFAD_EINVAL;
	/* A scratch copy: the backward pass accumulates parameter gradients, which the scoring
	 * net (shared, const) must not see. */
	struct wfad_gnn_net tmp;
	enum wfad_status st =
		wfad_gnn_net_create(&tmp, net->task, net->d, net->h, net->out, net->skip, 0.0f);
	struct gnn_act a = {0};
	struct gnn_batch bt = {0};
	float *dout = wfad_nn_alloc_floats(g->n * net->out);
	double *p = malloc(net->out * sizeof(double));
	if (st == WFAD_OK &&
	    (act_alloc(&a, &tmp, 1, g->n) != WFAD_OK || !batch_alloc(&bt, 1) || !dout || !p))
		st = WFAD_ENOMEM;
	if (st == WFAD_OK) {
		memcpy(tmp.block.param, net->block.param, net->block.n * sizeof(float));
		wfad_nn_block_zero_grad(&tmp.block);
		bt.B = 1;
		bt.g[0] = g;
		bt.off[0] = 0;
		bt.off[1] = g->n;
		const float *o = forward(&tmp, &bt, &a, x, NULL);
		size_t C = net->out;
		memset(dout, 0, g->n * C * sizeof(float));
		if (graph) {
			dout[node] += 1.0f; /* z_k - z_0: zero for k = 0 */
			dout[0] -= 1.0f;
		} else if (C == 1) {
			dout[node] = 1.0f;
		} else {
			/* d/dz of log sum_{k>0} e^z_k - z_0: -1, then the softmax of z_1.. */
			wfad_nn_softmax_rows(1, C - 1, o + node * C + 1, p);
			dout[node * C] = -1.0f;
			for (size_t k = 1; k < C; k++)
				dout[node * C + k] = (float)p[k - 1];
		}
		backward(&tmp, &bt, &a, x, dout, dx);
	}
	free(dout);
	free(p);
	act_free(&a);
	batch_free(&bt);
	if (tmp.block.param)
		wfad_gnn_net_free(&tmp);
	return st;
}

/* ---- graphs of jobsets ---------------------------------------------------------------------- */

void wfad_gnn_graphs_free(struct wfad_gnn_graphs *gs)
{
	for (size_t i = 0; gs->dag && i < gs->n_dag; i++)
		wfad_nn_graph_free(&gs->dag[i]);
	free(gs->dag);
	free(gs->g);
	free(gs->row0);
	*gs = (struct wfad_gnn_graphs){0};
}

struct host_node {
	uint32_t host, node;
};

static int host_node_cmp(const void *a, const void *b)
{
	const struct host_node *x = a, *y = b;
	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	return x->node < y->node ? -1 : x->node > y->node;
}

/* The run's graph: the DAG's edges plus, for the jobs of each worker host in DAG order, an edge
 * to each of the WFAD_GNN_HOST_WINDOW next jobs on that host (not already DAG neighbours).
 * The extra edges go in as "parent" (lower node) / "child" (higher node) lists so that
 * wfad_nn_graph_build normalises the union. */
static enum wfad_status host_graph(struct wfad_nn_graph *g, const struct wfad_dataset *ds,
				   size_t run)
{
	const struct wfad_dag *dag = &ds->dag;
	const struct wfad_job *jobs = run < ds->n_runs ? ds->runs[run].jobs : NULL;
	size_t n = dag->n_nodes, m = 0, W = WFAD_GNN_HOST_WINDOW;
	struct host_node *hn = malloc((n + 1) * sizeof(*hn));
	uint32_t *pc = calloc(n + 1, sizeof(uint32_t)), *cc = calloc(n + 1, sizeof(uint32_t));
	uint32_t *pp = NULL, *pi = NULL, *cp = NULL, *ci = NULL;
	enum wfad_status st = WFAD_ENOMEM;
	if (!hn || !pc || !cc)
		goto cleanup;
	for (uint32_t i = 0; jobs && i < n; i++)
		if (jobs[i].host != WFAD_NO_ID)
			hn[m++] = (struct host_node){jobs[i].host, i};
	qsort(hn, m, sizeof(*hn), host_node_cmp);
	/* Two passes: count, then fill (hn[a].node < hn[b].node within a host). */
	for (int fill = 0; fill < 2; fill++) {
		if (fill) {
			pp = malloc((n + 1) * sizeof(uint32_t));
			cp = malloc((n + 1) * sizeof(uint32_t));
			if (!pp || !cp)
				goto cleanup;
			pp[0] = cp[0] = 0;
			for (size_t i = 0; i < n; i++) {
				pp[i + 1] = pp[i] + pc[i];
				cp[i + 1] = cp[i] + cc[i];
			}
			pi = malloc((pp[n] + 1) * sizeof(uint32_t));
			ci = malloc((cp[n] + 1) * sizeof(uint32_t));
			if (!pi || !ci)
				goto cleanup;
			memset(pc, 0, n * sizeof(uint32_t));
			memset(cc, 0, n * sizeof(uint32_t));
		}
		for (uint32_t i = 0; i < n; i++) {
			for (uint32_t e = dag->parent_ptr[i]; e < dag->parent_ptr[i + 1]; e++) {
				if (fill)
					pi[pp[i] + pc[i]] = dag->parent_idx[e];
				pc[i]++;
			}
			for (uint32_t e = dag->child_ptr[i]; e < dag->child_ptr[i + 1]; e++) {
				if (fill)
					ci[cp[i] + cc[i]] = dag->child_idx[e];
				cc[i]++;
			}
		}
		for (size_t a = 0; a < m; a++)
			for (size_t b = a + 1; b < m && b <= a + W && hn[b].host == hn[a].host;
			     b++) {
				uint32_t lo = hn[a].node, hi = hn[b].node;
				if (wfad_dag_relation(dag, lo, hi) != WFAD_DAG_NONE)
					continue;
				if (fill) {
					ci[cp[lo] + cc[lo]] = hi;
					pi[pp[hi] + pc[hi]] = lo;
				}
				cc[lo]++;
				pc[hi]++;
			}
	}
	st = wfad_nn_graph_build(g, n, cp, ci, pp, pi);
cleanup:
	free(hn);
	free(pc);
	free(cc);
	free(pp);
	free(pi);
	free(cp);
	free(ci);
	return st;
}

enum wfad_status wfad_gnn_graphs_build(struct wfad_gnn_graphs *out, const struct wfad_jobset *js,
				       bool hosts, const char *name, struct wfad_error *err)
{
	const struct wfad_jobset *parts = js->n_parts ? js->parts : js;
	size_t np = js->n_parts ? js->n_parts : 1;
	for (size_t p = 0; p < np; p++) {
		const struct wfad_dataset *ds = parts[p].ds;
		if (!ds || ds->dag.n_nodes == 0 || parts[p].n != parts[p].n_runs * ds->dag.n_nodes)
			return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
					      "%s: the rows are not whole runs of a DAG", name);
	}
	/* One adjacency per dataset, or per run with the host relation. */
	size_t n_adj = hosts ? js->n_runs : np;
	struct wfad_gnn_graphs gs = {.n_dag = n_adj, .n = js->n_runs};
	gs.dag = calloc(n_adj ? n_adj : 1, sizeof(*gs.dag));
	gs.g = malloc((js->n_runs + 1) * sizeof(*gs.g));
	gs.row0 = malloc((js->n_runs + 1) * sizeof(*gs.row0));
	enum wfad_status st = WFAD_ENOMEM;
	if (!gs.dag || !gs.g || !gs.row0)
		goto fail;
	size_t k = 0;
	gs.row0[0] = 0;
	for (size_t p = 0; p < np; p++) {
		const struct wfad_dataset *ds = parts[p].ds;
		const struct wfad_dag *dag = &ds->dag;
		if (!hosts && (st = wfad_nn_graph_build(&gs.dag[p], dag->n_nodes, dag->child_ptr,
							dag->child_idx, dag->parent_ptr,
							dag->parent_idx)) != WFAD_OK)
			goto fail;
		for (size_t r = 0; r < parts[p].n_runs && k < js->n_runs; r++, k++) {
			size_t run = parts[p].runs ? parts[p].runs[r] : SIZE_MAX;
			if (hosts && (st = host_graph(&gs.dag[k], ds, run)) != WFAD_OK)
				goto fail;
			gs.g[k] = hosts ? &gs.dag[k] : &gs.dag[p];
			gs.row0[k + 1] = gs.row0[k] + dag->n_nodes;
		}
	}
	if (k != js->n_runs || gs.row0[k] != js->n) {
		wfad_gnn_graphs_free(&gs);
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: the parts of the jobset do not add up to its rows",
				      name);
	}
	*out = gs;
	return WFAD_OK;
fail:
	wfad_gnn_graphs_free(&gs);
	return wfad_error_set(err, st, "", 0, 0, "%s: cannot build the DAG's adjacency", name);
}

struct wfad_gnn_data wfad_gnn_data_of(const struct wfad_gnn_graphs *gs, const float *x,
				      const uint8_t *y_node, const uint32_t *y_graph)
{
	return (struct wfad_gnn_data){
		gs->n, (const struct wfad_nn_graph *const *)gs->g, gs->row0, x, y_node, y_graph};
}

/* ---- model I/O ------------------------------------------------------------------------------ */

enum wfad_status wfad_gnn_save(const struct wfad_gnn_net *net, uint32_t magic, FILE *f)
{
	if (!wfad_io_write_u32(f, magic) || !wfad_io_write_u32(f, GNN_VERSION) ||
	    !wfad_io_write_u32(f, (uint32_t)net->task) || !wfad_io_write_u32(f, net->skip) ||
	    !wfad_io_write_u32(f, (uint32_t)net->d) || !wfad_io_write_u32(f, (uint32_t)net->h) ||
	    !wfad_io_write_u32(f, (uint32_t)net->out) || !wfad_io_write_u64(f, net->block.n) ||
	    !wfad_io_write_f32s(f, net->block.param, net->block.n))
		return WFAD_EIO;
	return WFAD_OK;
}

enum wfad_status wfad_gnn_load(struct wfad_gnn_net *net, const char *name, uint32_t magic,
			       enum wfad_gnn_task task, float dropout, FILE *f,
			       struct wfad_error *err)
{
	uint32_t got;
	if (!wfad_io_read_u32(f, &got))
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated %s model", name);
	return wfad_gnn_load_tagged(net, name, magic, got, task, dropout, f, err);
}

enum wfad_status wfad_gnn_load_tagged(struct wfad_gnn_net *net, const char *name, uint32_t magic,
				      uint32_t got, enum wfad_gnn_task task, float dropout, FILE *f,
				      struct wfad_error *err)
{
	uint32_t version, t, skip, d, h, out;
	uint64_t count;
	if (!wfad_io_read_u32(f, &version))
		goto truncated;
	if (got != magic)
		return wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
				      "not a %s model (bad magic: another model, or one written by "
				      "an earlier wfad whose %s differed; retrain it)",
				      name, name);
	if (version != GNN_VERSION)
		return wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
				      "%s model version %u is not supported", name, version);
	if (!wfad_io_read_u32(f, &t) || !wfad_io_read_u32(f, &skip) || !wfad_io_read_u32(f, &d) ||
	    !wfad_io_read_u32(f, &h) || !wfad_io_read_u32(f, &out) || !wfad_io_read_u64(f, &count))
		goto truncated;
	/* A node classifier file may hold either of its two tasks. */
	if (task == WFAD_GNN_NODE_BCE && t == (uint32_t)WFAD_GNN_NODE_XENT)
		task = WFAD_GNN_NODE_XENT;
	bool out_ok = task == WFAD_GNN_NODE_BCE   ? out == 1
		      : task == WFAD_GNN_NODE_MSE ? out == d
						  : out >= 2;
	if (t != (uint32_t)task || skip > 1 || d == 0 || h == 0 || d > GNN_MAX_WIDTH ||
	    h > GNN_MAX_WIDTH || out > GNN_MAX_WIDTH || !out_ok)
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				      "%s model with an impossible shape", name);
	/* The count must fit the shape before anything that large is allocated. */
	struct wfad_gnn_net plan;
	size_t planned = net_plan(&plan, task, d, h, out, skip != 0, dropout);
	if (count != planned || count > GNN_MAX_PARAMS)
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				      "%s model with %llu parameters where its shape has %zu", name,
				      (unsigned long long)count, planned);
	enum wfad_status st = wfad_gnn_net_create(net, task, d, h, out, skip != 0, dropout);
	if (st != WFAD_OK)
		return wfad_error_set(err, st, "", 0, 0, "%s: out of memory", name);
	if (!wfad_io_read_f32s(f, net->block.param, net->block.n)) {
		wfad_gnn_net_free(net);
		goto truncated;
	}
	if (!all_finite(net->block.param, net->block.n)) {
		wfad_gnn_net_free(net);
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				      "%s model with non-finite weights", name);
	}
	return WFAD_OK;
truncated:
	return wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated %s model", name);
}
