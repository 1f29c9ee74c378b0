/* Inverted dropout: a seeded keep mask scaled by 1 / (1 - p), applied forward and backward. */
#include <string.h>

#include "wfad/nn.h"

/* Elementwise loops run in blocks of EW with a constant inner trip count: GCC's -O2
 * vectoriser only takes loops it needs no remainder code for. */
enum { EW = 16 };

/* 1 / (1 - p) where the 16-bit uniform u keeps the element (u >= threshold), else 0, built
 * from bits: drops are unpredictable, so a branch here would be mispredicted p of the time. */
static inline float keep_or_zero(uint64_t u, uint32_t threshold, uint32_t keep_bits)
{
	uint32_t bits = keep_bits & (0u - (uint32_t)((uint32_t)u >= threshold));
	float f;
	memcpy(&f, &bits, sizeof(f));
	return f;
}

void wfad_nn_dropout_mask(size_t n, float p, struct wfad_rng *rng, float *restrict mask)
{
	/* mask: [n] */
	WFAD_ASSERT(p >= 0.0f && p < 1.0f);
	float keep = 1.0f / (1.0f - p);
	uint32_t keep_bits;
	memcpy(&keep_bits, &keep, sizeof(keep_bits));
	/* Drawing the mask was a quarter of an MLP training step: four 16-bit uniforms per
	 * 64-bit draw (p resolved to 1/65536), from an inlined copy of the generator. */
	uint32_t threshold = (uint32_t)((double)p * 65536.0 + 0.5);
	struct wfad_rng s = *rng;
	size_t i = 0;
	for (; i + 4 <= n; i += 4) {
		uint64_t bits = wfad_rng_next(&s);
		mask[i] = keep_or_zero(bits & 0xffffu, threshold, keep_bits);
		mask[i + 1] = keep_or_zero(bits >> 16 & 0xffffu, threshold, keep_bits);
		mask[i + 2] = keep_or_zero(bits >> 32 & 0xffffu, threshold, keep_bits);
		mask[i + 3] = keep_or_zero(bits >> 48, threshold, keep_bits);
	}
	if (i < n) {
		uint64_t bits = wfad_rng_next(&s);
		for (size_t k = 0; i + k < n; k++)
			mask[i + k] =
				keep_or_zero(bits >> (16 * k) & 0xffffu, threshold, keep_bits);
	}
	*rng = s;
}

void wfad_nn_dropout_forward(size_t n, const float *restrict x, const float *restrict mask,
			     float *restrict y)
{
	/* x, mask, y: [n] */
	size_t i = 0;
	for (; i + EW <= n; i += EW)
		for (size_t k = 0; k < EW; k++)
			y[i + k] = x[i + k] * mask[i + k];
	for (; i < n; i++)
		y[i] = x[i] * mask[i];
}

void wfad_nn_dropout_backward(size_t n, const float *restrict mask, const float *restrict dy,
			      float *restrict dx)
{
	/* mask, dy, dx: [n] */
	size_t i = 0;
	for (; i + EW <= n; i += EW)
		for (size_t k = 0; k < EW; k++)
			dx[i + k] += dy[i + k] * mask[i + k];
	for (; i < n; i++)
		dx[i] += dy[i] * mask[i];
}
