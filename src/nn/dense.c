/* Dense (fully connected) layer y = x w + b, forward and backward over a batch of rows. */
#include <string.h>

#include "wfad/nn.h"

void wfad_nn_dense_plan(struct wfad_nn_dense *l, size_t in, size_t out, size_t *size)
{
	WFAD_ASSERT(in > 0 && out > 0);
	*l = (struct wfad_nn_dense){.in = in, .out = out};
	l->w_off = wfad_nn_block_reserve(size, in * out);
	l->b_off = wfad_nn_block_reserve(size, out);
}

void wfad_nn_dense_bind(struct wfad_nn_dense *l, const struct wfad_nn_block *blk)
{
	WFAD_ASSERT(l->b_off + l->out <= blk->n && l->w_off + l->in * l->out <= blk->n);
	l->w = blk->param + l->w_off;
	l->b = blk->param + l->b_off;
	l->dw = blk->grad + l->w_off;
	l->db = blk->grad + l->b_off;
}

void wfad_nn_dense_init(const struct wfad_nn_dense *l, enum wfad_nn_init kind, struct wfad_rng *rng)
{
	wfad_nn_init_uniform(l->w, l->in, l->out, kind, rng);
	for (size_t j = 0; j < l->out; j++)
		l->b[j] = 0.0f;
}

void wfad_nn_dense_forward(const struct wfad_nn_dense *l, size_t n, const float *restrict x,
			   float *restrict y)
{
	/* x: [n x in], w: [in x out], b: [out], y: [n x out] */
	size_t out = l->out;
	for (size_t i = 0; i < n; i++)
		memcpy(y + i * out, l->b, out * sizeof(float));
	wfad_nn_gemm(false, false, n, out, l->in, x, l->in, l->w, out, y, out);
}

void wfad_nn_dense_backward(const struct wfad_nn_dense *l, size_t n, const float *restrict x,
			    const float *restrict dy, float *restrict dx)
{
	/* x: [n x in], dy: [n x out], dx: [n x in] or NULL; dw: [in x out], db: [out] */
	size_t in = l->in, out = l->out;
	wfad_nn_sum_rows(n, out, dy, l->db);
	wfad_nn_gemm(true, false, in, out, n, x, in, dy, out, l->dw, out);
	if (dx)
		wfad_nn_gemm(false, true, n, in, out, dy, out, l->w, out, dx, in);
}
