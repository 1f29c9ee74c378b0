/* ReLU activation, forward and backward. */
#include "wfad/nn.h"

/* Elementwise loops run in blocks of EW with a constant inner trip count: GCC's -O2
 * vectoriser only takes loops it needs no remainder code for. */
enum { EW = 16 };

void wfad_nn_relu_forward(size_t n, const float *restrict x, float *restrict y)
{
	/* x, y: [n]; written as x < 0 ? 0 : x so that NaN passes through */
	size_t i = 0;
	for (; i + EW <= n; i += EW)
		for (size_t k = 0; k < EW; k++)
			y[i + k] = x[i + k] < 0.0f ? 0.0f : x[i + k];
	for (; i < n; i++)
		y[i] = x[i] < 0.0f ? 0.0f : x[i];
}

void wfad_nn_relu_backward(size_t n, const float *restrict x, const float *restrict dy,
			   float *restrict dx)
{
	/* x, dy, dx: [n] */
	size_t i = 0;
	for (; i + EW <= n; i += EW)
		for (size_t k = 0; k < EW; k++) {
			float g = dy[i + k]; /* loaded unconditionally: lets the loop vectorise */
			dx[i + k] += x[i + k] > 0.0f ? g : 0.0f;
		}
	for (; i < n; i++)
		dx[i] += x[i] > 0.0f ? dy[i] : 0.0f;
}
