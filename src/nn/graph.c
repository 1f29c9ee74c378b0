/* Graph convolution propagation S = D^-1/2 (A + A^T + I) D^-1/2 in CSR over batches of graphs
 * sharing one DAG, and per-graph mean / max pooling, forward and backward. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/nn.h"

void wfad_nn_graph_free(struct wfad_nn_graph *g)
{
	free(g->ptr);
	free(g->idx);
	free(g->val);
	*g = (struct wfad_nn_graph){0};
}

enum wfad_status wfad_nn_graph_build(struct wfad_nn_graph *g, size_t n, const uint32_t *child_ptr,
				     const uint32_t *child_idx, const uint32_t *parent_ptr,
				     const uint32_t *parent_idx)
{
	size_t edges = n ? child_ptr[n] : 0, nnz = n + 2 * edges;
	if (n >= UINT32_MAX || nnz >= UINT32_MAX)
		return WFAD_ELIMIT;
	struct wfad_nn_graph t = {.n = n, .nnz = nnz};
	t.ptr = malloc((n + 1) * sizeof(uint32_t));
	t.idx = malloc((nnz + 1) * sizeof(uint32_t));
	t.val = malloc((nnz + 1) * sizeof(float));
	double *isd = malloc((n + 1) * sizeof(double));
	if (!t.ptr || !t.idx || !t.val || !isd) {
		free(isd);
		wfad_nn_graph_free(&t);
		return WFAD_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		size_t deg =
			1 + (child_ptr[i + 1] - child_ptr[i]) + (parent_ptr[i + 1] - parent_ptr[i]);
		isd[i] = 1.0 / sqrt((double)deg);
	}
	/* Row i lists its parents, itself, then its children (each in DAG order). */
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		t.ptr[i] = (uint32_t)k;
		for (uint32_t e = parent_ptr[i]; e < parent_ptr[i + 1]; e++)
			t.idx[k++] = parent_idx[e];
		t.idx[k++] = (uint32_t)i;
		for (uint32_t e = child_ptr[i]; e < child_ptr[i + 1]; e++)
			t.idx[k++] = child_idx[e];
		for (size_t e = t.ptr[i]; e < k; e++)
			t.val[e] = (float)(isd[i] * isd[t.idx[e]]);
	}
	t.ptr[n] = (uint32_t)k;
	WFAD_ASSERT(k == nnz);
	free(isd);
	*g = t;
	return WFAD_OK;
}

void wfad_nn_graph_propagate_ref(const struct wfad_nn_graph *g, size_t n_graphs, size_t cols,
				 const float *restrict x, float *restrict y)
{
	/* x, y: [n_graphs * n x cols] */
	size_t n = g->n;
	for (size_t b = 0; b < n_graphs; b++)
		for (size_t i = 0; i < n; i++)
			for (size_t c = 0; c < cols; c++) {
				double s = 0.0;
				for (uint32_t e = g->ptr[i]; e < g->ptr[i + 1]; e++)
					s += (double)g->val[e] *
					     (double)x[(b * n + g->idx[e]) * cols + c];
				y[(b * n + i) * cols + c] = (float)s;
			}
}

/* yrow[cols] += v * xrow[cols]: the inner loop the compiler vectorises. */
static inline void axpy(size_t cols, float v, const float *restrict xrow, float *restrict yrow)
{
	for (size_t c = 0; c < cols; c++)
		yrow[c] += v * xrow[c];
}

/* Rows of 64 columns (the hidden width of the graph models): each output row is summed in
 * vector registers over its neighbours and written once, in the same order of operations as
 * axpy from a zero row, so every instruction set gives the same bits. W floats per vector. */
#define PROP64_KERNEL(W, NAME, TARGET)                                                             \
	TARGET static void NAME(const struct wfad_nn_graph *g, size_t n_graphs,                    \
				const float *restrict x, float *restrict y, bool add)              \
	{                                                                                          \
		typedef float vec __attribute__((vector_size(W * sizeof(float))));                 \
		enum { V = 64 / W };                                                               \
		size_t n = g->n;                                                                   \
		for (size_t b = 0; b < n_graphs; b++) {                                            \
			const float *xb = x + b * n * 64;                                          \
			float *yb = y + b * n * 64;                                                \
			for (size_t i = 0; i < n; i++) {                                           \
				vec s[V];                                                          \
				for (int k = 0; k < V; k++)                                        \
					s[k] = (vec){0};                                           \
				for (uint32_t e = g->ptr[i]; e < g->ptr[i + 1]; e++) {             \
					float v = g->val[e];                                       \
					const float *xr = xb + (size_t)g->idx[e] * 64;             \
					for (int k = 0; k < V; k++) {                              \
						vec xv;                                            \
						memcpy(&xv, xr + k * W, sizeof(xv));               \
						s[k] += v * xv;                                    \
					}                                                          \
				}                                                                  \
				float *yr = yb + i * 64;                                           \
				for (int k = 0; k < V; k++) {                                      \
					if (add) {                                                 \
						vec yv;                                            \
						memcpy(&yv, yr + k * W, sizeof(yv));               \
						s[k] = yv + s[k];                                  \
					}                                                          \
					memcpy(yr + k * W, &s[k], sizeof(s[k]));                   \
				}                                                                  \
			}                                                                          \
		}                                                                                  \
	}

PROP64_KERNEL(4, prop64_sse, )
#if defined(__x86_64__) && defined(__GNUC__)
PROP64_KERNEL(8, prop64_avx2, __attribute__((target("avx2"))))
PROP64_KERNEL(16, prop64_avx512, __attribute__((target("avx512f"))))
#endif

/* y = S x (add: y += S x) for rows of 64 columns; false for other widths. */
static bool prop64(const struct wfad_nn_graph *g, size_t n_graphs, size_t cols, const float *x,
		   float *y, bool add)
{
	if (cols != 64)
		return false;
#if defined(__x86_64__) && defined(__GNUC__)
	enum wfad_nn_isa isa = wfad_nn_isa_now();
	if (isa == WFAD_NN_ISA_AVX512)
		prop64_avx512(g, n_graphs, x, y, add);
	else if (isa == WFAD_NN_ISA_AVX2)
		prop64_avx2(g, n_graphs, x, y, add);
	else
		prop64_sse(g, n_graphs, x, y, add);
#else
	prop64_sse(g, n_graphs, x, y, add);
#endif
	return true;
}

void wfad_nn_graph_propagate(const struct wfad_nn_graph *g, size_t n_graphs, size_t cols,
			     const float *restrict x, float *restrict y)
{
	/* x, y: [n_graphs * n x cols] */
	if (prop64(g, n_graphs, cols, x, y, false))
		return;
	size_t n = g->n;
	memset(y, 0, n_graphs * n * cols * sizeof(float));
	wfad_nn_graph_propagate_backward(g, n_graphs, cols, x, y);
}

void wfad_nn_graph_propagate_backward(const struct wfad_nn_graph *g, size_t n_graphs, size_t cols,
				      const float *restrict dy, float *restrict dx)
{
	/* dy, dx: [n_graphs * n x cols]; S is symmetric, so S^T dy = S dy row by row */
	if (prop64(g, n_graphs, cols, dy, dx, true))
		return;
	size_t n = g->n;
	for (size_t b = 0; b < n_graphs; b++) {
		const float *xb = dy + b * n * cols;
		float *yb = dx + b * n * cols;
		for (size_t i = 0; i < n; i++) {
			float *yrow = yb + i * cols;
			for (uint32_t e = g->ptr[i]; e < g->ptr[i + 1]; e++)
				axpy(cols, g->val[e], xb + (size_t)g->idx[e] * cols, yrow);
		}
	}
}

void wfad_nn_pool_mean_forward(size_t n_graphs, size_t n, size_t cols, const float *restrict x,
			       float *restrict y, size_t ldy)
{
	/* x: [n_graphs * n x cols], y: [n_graphs x ldy] */
	for (size_t b = 0; b < n_graphs; b++) {
		float *yrow = y + b * ldy;
		for (size_t c = 0; c < cols; c++) {
			double s = 0.0;
			for (size_t i = 0; i < n; i++)
				s += x[(b * n + i) * cols + c];
			yrow[c] = n ? (float)(s / (double)n) : 0.0f;
		}
	}
}

void wfad_nn_pool_mean_backward(size_t n_graphs, size_t n, size_t cols, const float *restrict dy,
				size_t ldy, float *restrict dx)
{
	/* dy: [n_graphs x ldy], dx: [n_graphs * n x cols] */
	if (n == 0)
		return;
	float inv = 1.0f / (float)n;
	for (size_t b = 0; b < n_graphs; b++)
		for (size_t i = 0; i < n; i++)
			for (size_t c = 0; c < cols; c++)
				dx[(b * n + i) * cols + c] += dy[b * ldy + c] * inv;
}

void wfad_nn_pool_max_forward(size_t n_graphs, size_t n, size_t cols, const float *restrict x,
			      float *restrict y, size_t ldy, uint32_t *restrict arg)
{
	/* x: [n_graphs * n x cols], y: [n_graphs x ldy], arg: [n_graphs x cols] */
	WFAD_ASSERT(n > 0);
	for (size_t b = 0; b < n_graphs; b++) {
		float *yrow = y + b * ldy;
		uint32_t *arow = arg + b * cols;
		const float *x0 = x + b * n * cols;
		for (size_t c = 0; c < cols; c++) {
			yrow[c] = x0[c];
			arow[c] = 0;
		}
		for (size_t i = 1; i < n; i++)
			for (size_t c = 0; c < cols; c++)
				if (x0[i * cols + c] > yrow[c] || isnan(x0[i * cols + c])) {
					if (isnan(yrow[c]))
						continue;
					yrow[c] = x0[i * cols + c];
					arow[c] = (uint32_t)i;
				}
	}
}

void wfad_nn_pool_max_backward(size_t n_graphs, size_t n, size_t cols, const uint32_t *restrict arg,
			       const float *restrict dy, size_t ldy, float *restrict dx)
{
	/* arg: [n_graphs x cols], dy: [n_graphs x ldy], dx: [n_graphs * n x cols] */
	for (size_t b = 0; b < n_graphs; b++)
		for (size_t c = 0; c < cols; c++)
			dx[(b * n + arg[b * cols + c]) * cols + c] += dy[b * ldy + c];
}
