/* Seeded xoshiro256** generator; the state is always passed explicitly. */
#include "wfad/core.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void wfad_rng_seed(struct wfad_rng *rng, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&seed);
}

double wfad_rng_uniform(struct wfad_rng *rng)
{
	return (double)(wfad_rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t wfad_rng_below(struct wfad_rng *rng, uint64_t n)
{
	WFAD_ASSERT(n > 0);
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = wfad_rng_next(rng);
	while (x >= limit);
	return x % n;
}
