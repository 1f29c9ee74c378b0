/* wfad neural-network core: dense matrix kernels, layers as forward/backward pairs, losses,
 * initialisers and the AdamW optimiser, over one contiguous "model block" per model.
 * Formulas, the blocking scheme and the ae/mlp model blob are in docs/nn.md.
 *
 * Conventions. Matrices are row-major float arrays with explicit dimensions; a shape comment
 * on each kernel names them ([rows x cols]). Kernels never allocate, never print and are
 * deterministic: the same inputs give bitwise the same outputs (no float reduction is ever
 * split across threads). Every _backward ACCUMULATES (+=) into its gradient outputs, so the
 * caller zeroes gradients before a step (wfad_nn_block_zero_grad, or memset of activation
 * gradients). NaN and Inf propagate; callers check losses and gradient norms.
 *
 * Memory (model block, see STYLE.md): a model's parameters live in one float array, its
 * gradients in a second and the AdamW moments in two more, all with the same layout; layers
 * hold named views (pointers) into them. Layouts are planned first (wfad_nn_block_reserve
 * through each layer's _plan), then the block is allocated once and each layer is bound to
 * it. Activations are the caller's: allocated once for a maximum row count, never inside
 * forward or backward. The GCN layers of the graph detectors reuse the dense layer on the
 * stacked node rows of a batch of graphs and add a CSR propagation kernel beside it. */
#ifndef WFAD_NN_H
#define WFAD_NN_H

#include "wfad/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Model block ---------------------------------------------------------------------- */

/* Parameters, gradients and AdamW moments of one model: four arrays of n floats each, 64-byte
 * aligned, with the same layout. Caller-owned struct; wfad_nn_block_alloc fills it,
 * wfad_nn_block_free releases it (accepts a zeroed struct). */
struct wfad_nn_block {
	size_t n;
	float *param;
	float *grad;
	float *m; /* AdamW first moment */
	float *v; /* AdamW second moment */
};

/* Reserves count floats in a layout being planned: returns the offset of the reservation and
 * advances *size past it. Offsets are multiples of 16 floats (64 bytes). */
size_t wfad_nn_block_reserve(size_t *size, size_t count);

/* Allocates the four arrays of n floats, all zero. WFAD_ENOMEM; on failure *blk is untouched. */
enum wfad_status wfad_nn_block_alloc(struct wfad_nn_block *blk, size_t n);
void wfad_nn_block_free(struct wfad_nn_block *blk);
void wfad_nn_block_zero_grad(struct wfad_nn_block *blk);

/* 64-byte aligned float array for activations (free with free()); NULL when out of memory or
 * when n * sizeof(float) overflows. Contents are zero. */
float *wfad_nn_alloc_floats(size_t n);

/* ---- Matrix products (nn/gemm.c) ---------------------------------------------------------
 * C[m x n] += op(A)[m x k] * op(B)[k x n], where op(A) = A ([m x k], leading dimension lda)
 * or, with trans_a, A^T (A stored [k x m]); likewise op(B) = B [k x n] or, with trans_b,
 * B^T (B stored [n x k]). C must not overlap A or B. */

/* Reference: the textbook triple loop with a double accumulator per element. */
void wfad_nn_gemm_ref(bool trans_a, bool trans_b, size_t m, size_t n, size_t k,
		      const float *restrict a, size_t lda, const float *restrict b, size_t ldb,
		      float *restrict c, size_t ldc);
/* Optimised: cache-blocked, packed panels, register-tiled micro-kernel, built for AVX-512,
 * AVX2+FMA and SSE2 on x86-64 and picked at run time. Sums in float in a fixed order: results
 * are bitwise reproducible on a given CPU, and an element of C does not depend on how many
 * rows share the call (scoring one row or a batch gives the same bits). Uses 36 KiB of stack
 * for packed panels; allocates nothing. */
void wfad_nn_gemm(bool trans_a, bool trans_b, size_t m, size_t n, size_t k, const float *restrict a,
		  size_t lda, const float *restrict b, size_t ldb, float *restrict c, size_t ldc);

/* Instruction sets of the kernels above. */
enum wfad_nn_isa { WFAD_NN_ISA_BASELINE, WFAD_NN_ISA_AVX2, WFAD_NN_ISA_AVX512 };
/* Caps the instruction set the kernels may use (default: the best the CPU has) and returns
 * the one they use from now on; process-wide. For tests and benchmarks of the slower builds:
 * results then differ from the default in the last bits (FMA or not). */
enum wfad_nn_isa wfad_nn_set_isa_cap(enum wfad_nn_isa cap);
/* The instruction set the kernels use now (the CPU's best within the cap). */
enum wfad_nn_isa wfad_nn_isa_now(void);

/* out[cols] += column sums of x[n x cols] (bias gradients), each summed in row order; the
 * same bits on every CPU. */
void wfad_nn_sum_rows(size_t n, size_t cols, const float *restrict x, float *restrict out);

/* ---- Initialisers (nn/init.c) ---------------------------------------------------------- */

enum wfad_nn_init {
	WFAD_NN_INIT_XAVIER, /* uniform +-sqrt(6 / (fan_in + fan_out)): linear, sigmoid outputs */
	WFAD_NN_INIT_HE,     /* uniform +-sqrt(6 / fan_in): layers followed by ReLU */
};

/* w[fan_in x fan_out] = uniform draws from rng in the kind's bound, in row-major order. */
void wfad_nn_init_uniform(float *restrict w, size_t fan_in, size_t fan_out, enum wfad_nn_init kind,
			  struct wfad_rng *rng);

/* ---- Dense layer (nn/dense.c) -----------------------------------------------------------
 * y = x * w + b with w stored [in x out] (the transpose of PyTorch's weight). */

struct wfad_nn_dense {
	size_t in, out;
	size_t w_off, b_off; /* offsets in the block */
	float *w, *b;        /* views: w[in x out], b[out] */
	float *dw, *db;      /* gradient views, same shapes */
};

/* Sets the dimensions and reserves w and b in a layout being planned. */
void wfad_nn_dense_plan(struct wfad_nn_dense *l, size_t in, size_t out, size_t *size);
/* Points the views into a block allocated from the planned layout. */
void wfad_nn_dense_bind(struct wfad_nn_dense *l, const struct wfad_nn_block *blk);
/* w from wfad_nn_init_uniform, b = 0. */
void wfad_nn_dense_init(const struct wfad_nn_dense *l, enum wfad_nn_init kind,
			struct wfad_rng *rng);

/* y[n x out] = x[n x in] * w[in x out] + b[out] (overwrites y). */
void wfad_nn_dense_forward(const struct wfad_nn_dense *l, size_t n, const float *restrict x,
			   float *restrict y);
/* dw[in x out] += x^T * dy; db[out] += column sums of dy[n x out];
 * dx[n x in] += dy * w^T unless dx is NULL (the input layer needs no input gradient). */
void wfad_nn_dense_backward(const struct wfad_nn_dense *l, size_t n, const float *restrict x,
			    const float *restrict dy, float *restrict dx);

/* ---- ReLU (nn/activation.c) ------------------------------------------------------------ */

/* y[n] = max(x, 0); NaN stays NaN. n counts elements (rows * cols). */
void wfad_nn_relu_forward(size_t n, const float *restrict x, float *restrict y);
/* dx[n] += dy where x > 0. */
void wfad_nn_relu_backward(size_t n, const float *restrict x, const float *restrict dy,
			   float *restrict dx);

/* ---- Dropout (nn/dropout.c) --------------------------------------------------------------
 * Inverted dropout: during training each element is kept with probability 1 - p and scaled
 * by 1 / (1 - p), so inference is the identity. */

/* mask[n] = 0 with probability p, else 1 / (1 - p); 0 <= p < 1 (asserted). */
void wfad_nn_dropout_mask(size_t n, float p, struct wfad_rng *rng, float *restrict mask);
/* y[n] = x * mask. */
void wfad_nn_dropout_forward(size_t n, const float *restrict x, const float *restrict mask,
			     float *restrict y);
/* dx[n] += dy * mask. */
void wfad_nn_dropout_backward(size_t n, const float *restrict mask, const float *restrict dy,
			      float *restrict dx);

/* ---- Losses (nn/loss.c) ------------------------------------------------------------------
 * Each _forward returns the mean loss in double; each _backward adds d(loss)/d(input) to its
 * gradient (the gradient of the same mean). */

/* Softmax cross-entropy over c classes: z[n x c] logits, y[n] class indices < c (asserted),
 * w[c] class weights or NULL for 1. loss = sum_i w[y_i] * -log softmax(z_i)[y_i] / sum_i
 * w[y_i] (PyTorch's weighted mean); 0 when n == 0 or the weights sum to 0. */
double wfad_nn_softmax_xent_forward(size_t n, size_t c, const float *restrict z,
				    const uint32_t *restrict y, const float *restrict w);
/* dz[n x c] += w[y_i] * (softmax(z_i) - onehot(y_i)) / sum_i w[y_i]. */
void wfad_nn_softmax_xent_backward(size_t n, size_t c, const float *restrict z,
				   const uint32_t *restrict y, const float *restrict w,
				   float *restrict dz);

/* p[n x c] = the softmax of each row of z[n x c], in double. */
void wfad_nn_softmax_rows(size_t n, size_t c, const float *restrict z, double *restrict p);
/* Balanced class weights ("balanced" in PyTorch and scikit-learn): w[k] = N / (K * count[k])
 * for the K classes with count[k] > 0 (N their total), 0 for the others. */
void wfad_nn_balanced_weights(size_t c, const size_t *restrict count, float *restrict w);

/* Binary cross-entropy on logits with a positive-class weight: z[n] logits, t[n] targets in
 * [0, 1]. loss = mean_i -(pos_weight * t_i * log sigmoid(z_i) + (1 - t_i) * log(1 -
 * sigmoid(z_i))), computed stably for any z. */
double wfad_nn_bce_logits_forward(size_t n, const float *restrict z, const float *restrict t,
				  float pos_weight);
/* dz[n] += ((1 - t) - (1 + (pos_weight - 1) t) sigmoid(-z)) / n. */
void wfad_nn_bce_logits_backward(size_t n, const float *restrict z, const float *restrict t,
				 float pos_weight, float *restrict dz);

/* Mean squared error over all n elements of p (prediction) and t (target). */
double wfad_nn_mse_forward(size_t n, const float *restrict p, const float *restrict t);
/* dp[n] += 2 (p - t) / n. */
void wfad_nn_mse_backward(size_t n, const float *restrict p, const float *restrict t,
			  float *restrict dp);
/* out[rows] = mean over the cols of row r of (p - t)^2, in double: per-row reconstruction
 * error. p, t are [rows x cols]. */
void wfad_nn_mse_rows(size_t rows, size_t cols, const float *restrict p, const float *restrict t,
		      double *restrict out);

/* ---- AdamW (nn/adamw.c) ------------------------------------------------------------------ */

/* Optimiser hyper-parameters and step count. Decoupled weight decay (Loshchilov & Hutter):
 * p -= lr * (weight_decay * p + mhat / (sqrt(vhat) + eps)), as torch.optim.AdamW. */
struct wfad_nn_adamw {
	float lr;
	float beta1, beta2;
	float eps;
	float weight_decay;
	uint64_t t; /* steps taken */
};

/* lr and weight_decay as given, betas 0.9 / 0.999, eps 1e-8, t = 0. */
void wfad_nn_adamw_init(struct wfad_nn_adamw *opt, float lr, float weight_decay);
/* One update of every parameter of blk from blk->grad (gradients are left as they are). */
void wfad_nn_adamw_step(struct wfad_nn_adamw *opt, struct wfad_nn_block *blk);

/* Global L2 norm of blk->grad, accumulated in double. When it exceeds max_norm (> 0) the
 * gradients are scaled by max_norm / (norm + 1e-6), as torch.nn.utils.clip_grad_norm_.
 * Returns the norm before clipping; a non-finite norm is returned without scaling, for the
 * caller to stop on. */
double wfad_nn_clip_grad_norm(struct wfad_nn_block *blk, double max_norm);

/* ---- Multi-layer perceptron (nn/mlp.c) ---------------------------------------------------
 * Dense layers with ReLU between them (none after the last) and, in training, inverted
 * dropout after each hidden ReLU: the body of the ae and mlp detectors. Parameters (struct
 * wfad_nn_mlp, one model block) are kept apart from activations (struct wfad_nn_mlp_act), so
 * several workers can score with one set of weights. Hidden layers start He-uniform, the
 * output layer Xavier-uniform, biases 0. */

#define WFAD_NN_MLP_MAX_LAYERS 8

struct wfad_nn_mlp {
	size_t n_layers;
	size_t dims[WFAD_NN_MLP_MAX_LAYERS + 1]; /* dims[0] inputs ... dims[n_layers] outputs */
	float dropout;                           /* probability, applied only in training */
	struct wfad_nn_dense layer[WFAD_NN_MLP_MAX_LAYERS];
	struct wfad_nn_block block;
};

/* Activations and their gradients for up to cap rows: one allocation, views per layer. */
struct wfad_nn_mlp_act {
	size_t cap;
	float *mem;
	float *z[WFAD_NN_MLP_MAX_LAYERS];    /* pre-activation of layer l [cap x dims[l+1]] */
	float *r[WFAD_NN_MLP_MAX_LAYERS];    /* ReLU output of hidden layer l */
	float *h[WFAD_NN_MLP_MAX_LAYERS];    /* after dropout (== r when dropout is 0) */
	float *mask[WFAD_NN_MLP_MAX_LAYERS]; /* dropout masks (NULL when dropout is 0) */
	float *dz[WFAD_NN_MLP_MAX_LAYERS];   /* gradients of z, r, h of the hidden layers */
	float *dr[WFAD_NN_MLP_MAX_LAYERS];
	float *dh[WFAD_NN_MLP_MAX_LAYERS];
	bool dropped; /* the last forward applied dropout (backward follows the same path) */
};

/* Plans and allocates the parameters of a 1 <= n_layers <= WFAD_NN_MLP_MAX_LAYERS stack with
 * widths dims[0..n_layers] (all > 0), 0 <= dropout < 1 (asserted). Parameters start at 0;
 * call wfad_nn_mlp_init_params. Caller-owned struct; WFAD_ENOMEM leaves *net zeroed. */
enum wfad_status wfad_nn_mlp_create(struct wfad_nn_mlp *net, size_t n_layers, const size_t *dims,
				    float dropout);
void wfad_nn_mlp_free(struct wfad_nn_mlp *net); /* accepts a zeroed struct */
void wfad_nn_mlp_init_params(struct wfad_nn_mlp *net, struct wfad_rng *rng);

/* Activation buffers of net's shape for cap > 0 rows. Caller-owned; WFAD_ENOMEM. */
enum wfad_status wfad_nn_mlp_act_alloc(struct wfad_nn_mlp_act *act, const struct wfad_nn_mlp *net,
				       size_t cap);
void wfad_nn_mlp_act_free(struct wfad_nn_mlp_act *act); /* accepts a zeroed struct */

/* Forward pass of n <= act->cap rows x[n x dims[0]]; returns the output [n x dims[n_layers]]
 * (it lives in act). train_rng non-NULL means training: dropout masks are drawn from it. */
const float *wfad_nn_mlp_forward(const struct wfad_nn_mlp *net, struct wfad_nn_mlp_act *act,
				 size_t n, const float *restrict x, struct wfad_rng *train_rng);
/* Backward pass after a forward of the same rows (training or not): dout[n x dims[n_layers]] is the
 * loss gradient of the output; parameter gradients accumulate into net->block.grad. */
void wfad_nn_mlp_backward(struct wfad_nn_mlp *net, struct wfad_nn_mlp_act *act, size_t n,
			  const float *restrict x, const float *restrict dout);

/* ---- Graph convolution and pooling (nn/graph.c) ------------------------------------------
 * S = D^-1/2 (A + A^T + I) D^-1/2 of one DAG in CSR (D = degree of A + A^T + I), applied to
 * every graph of a batch: rows [b * n, (b + 1) * n) of a [n_graphs * n x cols] matrix are the
 * nodes of graph b, all graphs sharing the DAG (block-diagonal, never dense). S is symmetric,
 * so its backward applies S again. A GCN layer is a dense layer followed by S. */

struct wfad_nn_graph {
	size_t n;      /* nodes of one graph */
	size_t nnz;    /* stored entries (self loops included) */
	uint32_t *ptr; /* [n + 1] row starts */
	uint32_t *idx; /* [nnz] column (neighbour) of each entry */
	float *val;    /* [nnz] 1 / sqrt(deg_i deg_j) */
};

/* Builds S from a DAG's child and parent CSR lists over n nodes (no self loops, no duplicate
 * edges, as wfad_dag_build makes them). Caller-owned struct; WFAD_ENOMEM leaves *g zeroed,
 * WFAD_ELIMIT when the entries overflow 32 bits. */
enum wfad_status wfad_nn_graph_build(struct wfad_nn_graph *g, size_t n, const uint32_t *child_ptr,
				     const uint32_t *child_idx, const uint32_t *parent_ptr,
				     const uint32_t *parent_idx);
void wfad_nn_graph_free(struct wfad_nn_graph *g); /* accepts a zeroed struct */

/* y[n_graphs * n x cols] = S x per graph (overwrites y); the reference sums each element in
 * double, the optimised kernel in float over whole rows (same entry order). */
void wfad_nn_graph_propagate_ref(const struct wfad_nn_graph *g, size_t n_graphs, size_t cols,
				 const float *restrict x, float *restrict y);
void wfad_nn_graph_propagate(const struct wfad_nn_graph *g, size_t n_graphs, size_t cols,
			     const float *restrict x, float *restrict y);
/* dx[n_graphs * n x cols] += S^T dy (= S dy). */
void wfad_nn_graph_propagate_backward(const struct wfad_nn_graph *g, size_t n_graphs, size_t cols,
				      const float *restrict dy, float *restrict dx);

/* Per-graph pooling of x[n_graphs * n x cols] into y (n_graphs rows of cols, leading
 * dimension ldy >= cols). mean: y = column means of the graph's rows. max: y = column maxima,
 * arg[n_graphs x cols] = the row (within the graph) that won, first on ties. */
void wfad_nn_pool_mean_forward(size_t n_graphs, size_t n, size_t cols, const float *restrict x,
			       float *restrict y, size_t ldy);
/* dx[n_graphs * n x cols] += dy / n broadcast over the graph's rows. */
void wfad_nn_pool_mean_backward(size_t n_graphs, size_t n, size_t cols, const float *restrict dy,
				size_t ldy, float *restrict dx);
void wfad_nn_pool_max_forward(size_t n_graphs, size_t n, size_t cols, const float *restrict x,
			      float *restrict y, size_t ldy, uint32_t *restrict arg);
/* dx[arg] += dy. */
void wfad_nn_pool_max_backward(size_t n_graphs, size_t n, size_t cols, const uint32_t *restrict arg,
			       const float *restrict dy, size_t ldy, float *restrict dx);

/* ---- 2-D convolution and max pooling (nn/conv.c) -----------------------------------------
 * Images are NCHW: [n x channels x h x w] row-major. Convolution has stride 1 and zero
 * padding k / 2 (odd k), so the output keeps h x w; pooling halves both sides. */

struct wfad_nn_conv2d {
	size_t c_in, c_out, k;
	size_t w_off, b_off; /* offsets in the block */
	float *w, *b;        /* views: w[c_out x c_in x k x k], b[c_out] */
	float *dw, *db;      /* gradient views, same shapes */
};

/* Sets the shape (k odd) and reserves w and b in a layout being planned. */
void wfad_nn_conv2d_plan(struct wfad_nn_conv2d *l, size_t c_in, size_t c_out, size_t k,
			 size_t *size);
/* Points the views into a block allocated from the planned layout. */
void wfad_nn_conv2d_bind(struct wfad_nn_conv2d *l, const struct wfad_nn_block *blk);
/* w He-uniform on fan_in = c_in k k, b = 0. */
void wfad_nn_conv2d_init(const struct wfad_nn_conv2d *l, struct wfad_rng *rng);
/* Reference: direct loops. y[n x c_out x h x w] = b + sum over c_in, taps of
 * w * x[n x c_in x h x w] (overwrites y). */
void wfad_nn_conv2d_forward_ref(const struct wfad_nn_conv2d *l, size_t n, size_t h, size_t w,
				const float *restrict x, float *restrict y);
/* Reference: dw += x (*) dy, db += sums of dy (both summed in double per element);
 * dx[n x c_in x h x w] += the transposed convolution of dy unless dx is NULL. */
void wfad_nn_conv2d_backward_ref(const struct wfad_nn_conv2d *l, size_t n, size_t h, size_t w,
				 const float *restrict x, const float *restrict dy,
				 float *restrict dx);
/* Floats of scratch the optimised kernels need for h x w images: c_in k k h w. */
size_t wfad_nn_conv2d_work_size(const struct wfad_nn_conv2d *l, size_t h, size_t w);
/* Optimised forward, same result as _ref up to float summation order: per image, im2col into
 * work (wfad_nn_conv2d_work_size floats, caller-owned) and one wfad_nn_gemm. Deterministic. */
void wfad_nn_conv2d_forward(const struct wfad_nn_conv2d *l, size_t n, size_t h, size_t w,
			    const float *restrict x, float *restrict y, float *restrict work);
/* Optimised backward, as _ref (dw summed in float by wfad_nn_gemm, image by image); work as
 * for the forward. */
void wfad_nn_conv2d_backward(const struct wfad_nn_conv2d *l, size_t n, size_t h, size_t w,
			     const float *restrict x, const float *restrict dy, float *restrict dx,
			     float *restrict work);

/* y[planes x h/2 x w/2] = maxima of the 2 x 2 blocks of x[planes x h x w] (h, w even);
 * arg records the winner's index within its plane (first on ties). */
void wfad_nn_maxpool2_forward(size_t planes, size_t h, size_t w, const float *restrict x,
			      float *restrict y, uint32_t *restrict arg);
/* dx[planes x h x w] += dy routed to the recorded winners. */
void wfad_nn_maxpool2_backward(size_t planes, size_t h, size_t w, const uint32_t *restrict arg,
			       const float *restrict dy, float *restrict dx);

#ifdef __cplusplus
}
#endif
#endif
