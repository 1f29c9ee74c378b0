/* The model block: parameters, gradients and AdamW moments in four equally laid out arrays. */
#include <stdlib.h>
#include <string.h>

#include "wfad/nn.h"

enum { ALIGN_FLOATS = 16 }; /* 64 bytes: a cache line, one AVX-512 register */

size_t wfad_nn_block_reserve(size_t *size, size_t count)
{
	size_t off = (*size + ALIGN_FLOATS - 1) / ALIGN_FLOATS * ALIGN_FLOATS;
	*size = off + count;
	return off;
}

float *wfad_nn_alloc_floats(size_t n)
{
	if (n > (SIZE_MAX - 64) / sizeof(float))
		return NULL;
	size_t bytes = (n * sizeof(float) + 63) / 64 * 64;
	if (bytes == 0)
		bytes = 64;
	float *p = aligned_alloc(64, bytes);
	if (p)
		memset(p, 0, bytes);
	return p;
}

enum wfad_status wfad_nn_block_alloc(struct wfad_nn_block *blk, size_t n)
{
	enum wfad_status st = WFAD_ENOMEM;
	float *param = wfad_nn_alloc_floats(n);
	float *grad = wfad_nn_alloc_floats(n);
	float *m = wfad_nn_alloc_floats(n);
	float *v = wfad_nn_alloc_floats(n);
	if (!param || !grad || !m || !v)
		goto cleanup;
	*blk = (struct wfad_nn_block){n, param, grad, m, v};
	param = grad = m = v = NULL;
	st = WFAD_OK;
cleanup:
	free(param);
	free(grad);
	free(m);
	free(v);
	return st;
}

void wfad_nn_block_free(struct wfad_nn_block *blk)
{
	free(blk->param);
	free(blk->grad);
	free(blk->m);
	free(blk->v);
	memset(blk, 0, sizeof(*blk));
}

void wfad_nn_block_zero_grad(struct wfad_nn_block *blk)
{
	if (blk->n)
		memset(blk->grad, 0, blk->n * sizeof(float));
}
