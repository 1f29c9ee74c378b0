/* Weight initialisers: Xavier (Glorot) and He (Kaiming) uniform, drawn from a seeded RNG. */
#include <math.h>

#include "wfad/nn.h"

void wfad_nn_init_uniform(float *restrict w, size_t fan_in, size_t fan_out, enum wfad_nn_init kind,
			  struct wfad_rng *rng)
{
	/* w: [fan_in x fan_out] */
	WFAD_ASSERT(fan_in > 0 && fan_out > 0);
	double bound = kind == WFAD_NN_INIT_HE ? sqrt(6.0 / (double)fan_in)
					       : sqrt(6.0 / (double)(fan_in + fan_out));
	for (size_t i = 0; i < fan_in * fan_out; i++)
		w[i] = (float)((2.0 * wfad_rng_uniform(rng) - 1.0) * bound);
}
