/* 2-D convolution (stride 1, zero "same" padding) and 2 x 2 max pooling over NCHW batches,
 * forward and backward: direct loops as the reference, im2col + wfad_nn_gemm as the fast path. */
#include <string.h>

#include "wfad/nn.h"

void wfad_nn_conv2d_plan(struct wfad_nn_conv2d *l, size_t c_in, size_t c_out, size_t k,
			 size_t *size)
{
	WFAD_ASSERT(c_in > 0 && c_out > 0 && k > 0 && k % 2 == 1);
	*l = (struct wfad_nn_conv2d){.c_in = c_in, .c_out = c_out, .k = k};
	l->w_off = wfad_nn_block_reserve(size, c_out * c_in * k * k);
	l->b_off = wfad_nn_block_reserve(size, c_out);
}

void wfad_nn_conv2d_bind(struct wfad_nn_conv2d *l, const struct wfad_nn_block *blk)
{
	WFAD_ASSERT(l->w_off + l->c_out * l->c_in * l->k * l->k <= blk->n &&
		    l->b_off + l->c_out <= blk->n);
	l->w = blk->param + l->w_off;
	l->b = blk->param + l->b_off;
	l->dw = blk->grad + l->w_off;
	l->db = blk->grad + l->b_off;
}

void wfad_nn_conv2d_init(const struct wfad_nn_conv2d *l, struct wfad_rng *rng)
{
	/* He-uniform on fan_in = c_in k k: each output channel's filter is one column. */
	size_t fan_in = l->c_in * l->k * l->k;
	wfad_nn_init_uniform(l->w, fan_in, l->c_out, WFAD_NN_INIT_HE, rng);
	for (size_t o = 0; o < l->c_out; o++)
		l->b[o] = 0.0f;
}

void wfad_nn_conv2d_forward_ref(const struct wfad_nn_conv2d *l, size_t n, size_t h, size_t w,
				const float *restrict x, float *restrict y)
{
	/* x: [n x c_in x h x w], w: [c_out x c_in x k x k], b: [c_out], y: [n x c_out x h x w] */
	size_t ci = l->c_in, co = l->c_out, k = l->k, r = k / 2, hw = h * w;
	for (size_t i = 0; i < n; i++)
		for (size_t o = 0; o < co; o++) {
			float *yo = y + (i * co + o) * hw;
			for (size_t p = 0; p < hw; p++)
				yo[p] = l->b[o];
			for (size_t c = 0; c < ci; c++) {
				const float *xc = x + (i * ci + c) * hw;
				const float *wk = l->w + (o * ci + c) * k * k;
				for (size_t u = 0; u < k; u++)
					for (size_t v = 0; v < k; v++) {
						float wt = wk[u * k + v];
						/* y[a][b] += wt x[a + u - r][b + v - r] where valid
						 */
						size_t a0 = u < r ? r - u : 0;
						size_t a1 = h + r > u ? h + r - u : 0;
						a1 = a1 < h ? a1 : h;
						size_t b0 = v < r ? r - v : 0;
						size_t b1 = w + r > v ? w + r - v : 0;
						b1 = b1 < w ? b1 : w;
						for (size_t a = a0; a < a1; a++) {
							size_t base = (a + u - r) * w + v;
							float *yr = yo + a * w;
							for (size_t b = b0; b < b1; b++)
								yr[b] += wt * xc[base + b - r];
						}
					}
			}
		}
}

void wfad_nn_conv2d_backward_ref(const struct wfad_nn_conv2d *l, size_t n, size_t h, size_t w,
				 const float *restrict x, const float *restrict dy,
				 float *restrict dx)
{
	/* x, dx: [n x c_in x h x w], dy: [n x c_out x h x w]; dw, db accumulate */
	size_t ci = l->c_in, co = l->c_out, k = l->k, r = k / 2, hw = h * w;
	for (size_t i = 0; i < n; i++)
		for (size_t o = 0; o < co; o++) {
			const float *dyo = dy + (i * co + o) * hw;
			double sb = 0;
			for (size_t p = 0; p < hw; p++)
				sb += dyo[p];
			l->db[o] += (float)sb;
			for (size_t c = 0; c < ci; c++) {
				const float *xc = x + (i * ci + c) * hw;
				float *dxc = dx ? dx + (i * ci + c) * hw : NULL;
				const float *wk = l->w + (o * ci + c) * k * k;
				float *dwk = l->dw + (o * ci + c) * k * k;
				for (size_t u = 0; u < k; u++)
					for (size_t v = 0; v < k; v++) {
						size_t a0 = u < r ? r - u : 0;
						size_t a1 = h + r > u ? h + r - u : 0;
						a1 = a1 < h ? a1 : h;
						size_t b0 = v < r ? r - v : 0;
						size_t b1 = w + r > v ? w + r - v : 0;
						b1 = b1 < w ? b1 : w;
						float wt = wk[u * k + v];
						double sw = 0;
						for (size_t a = a0; a < a1; a++) {
							size_t base = (a + u - r) * w + v;
							const float *dr = dyo + a * w;
							for (size_t b = b0; b < b1; b++)
								sw += (double)dr[b] *
								      xc[base + b - r];
							if (dxc)
								for (size_t b = b0; b < b1; b++)
									dxc[base + b - r] +=
										wt * dr[b];
						}
						dwk[u * k + v] += (float)sw;
					}
			}
		}
}

/* Optimised convolution: each image's receptive fields are unrolled into a column matrix
 * (im2col) so that the layer is one matrix product per image with wfad_nn_gemm. */

size_t wfad_nn_conv2d_work_size(const struct wfad_nn_conv2d *l, size_t h, size_t w)
{
	return l->c_in * l->k * l->k * h * w;
}

/* Row range [*a0, *a1) of outputs whose tap at offset d - r (d in [0, k)) lies inside [0, h). */
static void tap_range(size_t d, size_t r, size_t h, size_t *a0, size_t *a1)
{
	*a0 = d < r ? r - d : 0;
	size_t hi = h + r > d ? h + r - d : 0;
	*a1 = hi < h ? hi : h;
	if (*a1 < *a0)
		*a1 = *a0;
}

/* col[(c k k + u k + v) x (h w)] = x[c][a + u - r][b + v - r], zero outside the image. */
static void im2col(size_t ci, size_t k, size_t h, size_t w, const float *restrict x,
		   float *restrict col)
{
	size_t r = k / 2, hw = h * w;
	for (size_t c = 0; c < ci; c++)
		for (size_t u = 0; u < k; u++)
			for (size_t v = 0; v < k; v++) {
				float *row = col + ((c * k + u) * k + v) * hw;
				const float *xc = x + c * hw;
				size_t a0, a1, b0, b1;
				tap_range(u, r, h, &a0, &a1);
				tap_range(v, r, w, &b0, &b1);
				memset(row, 0, hw * sizeof(float));
				for (size_t a = a0; a < a1; a++)
					memcpy(row + a * w + b0, xc + (a + u - r) * w + b0 + v - r,
					       (b1 - b0) * sizeof(float));
			}
}

/* dx[c][a + u - r][b + v - r] += col[(c k k + u k + v) x (h w)] (the adjoint of im2col). */
static void col2im_add(size_t ci, size_t k, size_t h, size_t w, const float *restrict col,
		       float *restrict dx)
{
	size_t r = k / 2, hw = h * w;
	for (size_t c = 0; c < ci; c++)
		for (size_t u = 0; u < k; u++)
			for (size_t v = 0; v < k; v++) {
				const float *row = col + ((c * k + u) * k + v) * hw;
				float *dxc = dx + c * hw;
				size_t a0, a1, b0, b1;
				tap_range(u, r, h, &a0, &a1);
				tap_range(v, r, w, &b0, &b1);
				for (size_t a = a0; a < a1; a++) {
					float *dst = dxc + (a + u - r) * w;
					const float *src = row + a * w;
					for (size_t b = b0; b < b1; b++)
						dst[b + v - r] += src[b];
				}
			}
}

void wfad_nn_conv2d_forward(const struct wfad_nn_conv2d *l, size_t n, size_t h, size_t w,
			    const float *restrict x, float *restrict y, float *restrict work)
{
	/* x: [n x c_in x h x w], y: [n x c_out x h x w], work: [c_in k k x h w] */
	size_t ci = l->c_in, co = l->c_out, kk = ci * l->k * l->k, hw = h * w;
	for (size_t i = 0; i < n; i++) {
		float *yi = y + i * co * hw;
		for (size_t o = 0; o < co; o++)
			for (size_t p = 0; p < hw; p++)
				yi[o * hw + p] = l->b[o];
		im2col(ci, l->k, h, w, x + i * ci * hw, work);
		wfad_nn_gemm(false, false, co, hw, kk, l->w, kk, work, hw, yi, hw);
	}
}

void wfad_nn_conv2d_backward(const struct wfad_nn_conv2d *l, size_t n, size_t h, size_t w,
			     const float *restrict x, const float *restrict dy, float *restrict dx,
			     float *restrict work)
{
	/* x, dx: [n x c_in x h x w], dy: [n x c_out x h x w], work: [c_in k k x h w] */
	size_t ci = l->c_in, co = l->c_out, kk = ci * l->k * l->k, hw = h * w;
	for (size_t i = 0; i < n; i++) {
		const float *dyi = dy + i * co * hw;
		for (size_t o = 0; o < co; o++) {
			double sb = 0;
			for (size_t p = 0; p < hw; p++)
				sb += dyi[o * hw + p];
			l->db[o] += (float)sb;
		}
		/* dw[co x kk] += dy_i[co x hw] col^T */
		im2col(ci, l->k, h, w, x + i * ci * hw, work);
		wfad_nn_gemm(false, true, co, kk, hw, dyi, hw, work, hw, l->dw, kk);
		if (!dx)
			continue;
		/* dcol[kk x hw] = w^T dy_i, then folded back onto the image */
		memset(work, 0, kk * hw * sizeof(float));
		wfad_nn_gemm(true, false, kk, hw, co, l->w, kk, dyi, hw, work, hw);
		col2im_add(ci, l->k, h, w, work, dx + i * ci * hw);
	}
}

void wfad_nn_maxpool2_forward(size_t planes, size_t h, size_t w, const float *restrict x,
			      float *restrict y, uint32_t *restrict arg)
{
	/* x: [planes x h x w], y and arg: [planes x h/2 x w/2]; arg = index in the plane */
	WFAD_ASSERT(h % 2 == 0 && w % 2 == 0);
	size_t ho = h / 2, wo = w / 2;
	for (size_t p = 0; p < planes; p++) {
		const float *xp = x + p * h * w;
		for (size_t a = 0; a < ho; a++) {
			const float *r0 = xp + 2 * a * w, *r1 = r0 + w;
			float *ya = y + (p * ho + a) * wo;
			uint32_t *ga = arg + (p * ho + a) * wo, base = (uint32_t)(2 * a * w);
			for (size_t b = 0; b < wo; b++) {
				/* candidates in the order (0,0) (0,1) (1,0) (1,1): the first wins
				 * ties, NaN loses */
				uint32_t i = (uint32_t)(2 * b), wi = (uint32_t)w + i, best = i;
				float v = r0[i], c = r0[i + 1];
				/* selects, not branches: the comparisons are data, half
				 * mispredicted */
				best = c > v ? i + 1 : best;
				v = c > v ? c : v;
				c = r1[i];
				best = c > v ? wi : best;
				v = c > v ? c : v;
				c = r1[i + 1];
				best = c > v ? wi + 1 : best;
				v = c > v ? c : v;
				ya[b] = v;
				ga[b] = base + best;
			}
		}
	}
}

void wfad_nn_maxpool2_backward(size_t planes, size_t h, size_t w, const uint32_t *restrict arg,
			       const float *restrict dy, float *restrict dx)
{
	/* dy, arg: [planes x h/2 x w/2], dx: [planes x h x w] */
	size_t m = (h / 2) * (w / 2);
	for (size_t p = 0; p < planes; p++)
		for (size_t q = 0; q < m; q++)
			dx[p * h * w + arg[p * m + q]] += dy[p * m + q];
}
