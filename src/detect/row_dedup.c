/* Dedup of identical feature rows (open-addressing hash over the rows' bits). */
#include <stdlib.h>
#include <string.h>

#include "row_dedup.h"

static uint64_t row_hash(const float *r, size_t d)
{
	uint64_t h = 0x243f6a8885a308d3ull;
	for (size_t j = 0; j < d; j++) {
		float v = r[j] == 0.0f ? 0.0f : r[j]; /* -0.0 hashes as 0.0 */
		uint32_t bits;
		memcpy(&bits, &v, sizeof(bits));
		h = (h ^ bits) * 0x9e3779b97f4a7c15ull;
		h ^= h >> 32;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	return h ^ (h >> 32);
}

static bool rows_equal(const float *a, const float *b, size_t d)
{
	for (size_t j = 0; j < d; j++)
		if (a[j] != b[j])
			return false;
	return true;
}

enum wfad_status wfad_rows_dedup(const float *x, size_t n, size_t d, uint32_t *group,
				 uint32_t *first, size_t *n_unique)
{
	if (n > WFAD_ROWS_MAX)
		return WFAD_ELIMIT;
	size_t cap = 16;
	while (cap < 2 * n)
		cap *= 2;
	uint32_t *slots = calloc(cap, sizeof(*slots)); /* unique id + 1; 0 = empty */
	if (!slots)
		return WFAD_ENOMEM;
	size_t mask = cap - 1, u = 0;
	for (size_t i = 0; i < n; i++) {
		const float *row = x + i * d;
		size_t h = (size_t)row_hash(row, d) & mask;
		for (;;) {
			uint32_t s = slots[h];
			if (s == 0) {
				first[u] = (uint32_t)i;
				group[i] = (uint32_t)u;
				slots[h] = (uint32_t)++u;
				break;
			}
			if (rows_equal(x + (size_t)first[s - 1] * d, row, d)) {
				group[i] = s - 1;
				break;
			}
			h = (h + 1) & mask;
		}
	}
	free(slots);
	*n_unique = u;
	return WFAD_OK;
}
