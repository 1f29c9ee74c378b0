/* CSV line splitting: SSE2 separator bitmasks (16 bytes per step) and a scalar reference. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "csv_split.h"

struct splitter {
	const char *line;
	const char **fs;
	size_t *fl;
	size_t max, n, start;
	bool in_quote, quoted; /* quoted: the current field has seen a quote */
	bool nul;              /* a NUL byte was met: not text */
};

/* Ends the field [start, end); checks its quoting. Returns false on a malformed field. */
static inline bool emit(struct splitter *s, size_t end, size_t *bad_col)
{
	const char *f = s->line + s->start;
	size_t len = end - s->start;
	if (s->quoted) {
		if (len < 2 || f[0] != '"' || f[len - 1] != '"') {
			*bad_col = s->start + 1;
			return false;
		}
		f++;
		len -= 2;
	}
	if (s->n < s->max) {
		s->fs[s->n] = f;
		s->fl[s->n] = len;
	}
	s->n++;
	s->start = end + 1;
	s->quoted = false;
	return true;
}

static inline bool separator(struct splitter *s, size_t i, size_t *bad_col)
{
	if (s->line[i] == '\0') {
		s->nul = true;
		*bad_col = i + 1;
		return false;
	}
	if (s->line[i] == '"') {
		s->in_quote = !s->in_quote;
		s->quoted = true;
		return true;
	}
	return s->in_quote || emit(s, i, bad_col);
}

static long finish(struct splitter *s, size_t len, size_t *bad_col)
{
	if (s->in_quote) {
		*bad_col = s->start + 1;
		return -1;
	}
	return emit(s, len, bad_col) ? (long)s->n : -1;
}

long wfad_csv_split_ref(const char *line, size_t len, const char **fs, size_t *fl, size_t max,
			size_t *bad_col)
{
	struct splitter s = {line, fs, fl, max, 0, 0, false, false, false};
	for (size_t i = 0; i < len; i++)
		if ((line[i] == ',' || line[i] == '"' || line[i] == '\0') &&
		    !separator(&s, i, bad_col))
			return s.nul ? -2 : -1;
	return finish(&s, len, bad_col);
}

long wfad_csv_split(const char *line, size_t len, const char **fs, size_t *fl, size_t max,
		    size_t *bad_col)
{
	struct splitter s = {line, fs, fl, max, 0, 0, false, false, false};
	size_t i = 0;
#ifdef __SSE2__
	const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"');
	const __m128i zero = _mm_setzero_si128();
	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(line + i));
		unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, quote)),
			_mm_cmpeq_epi8(v, zero)));
		while (mask) {
			if (!separator(&s, i + (size_t)__builtin_ctz(mask), bad_col))
				return s.nul ? -2 : -1;
			mask &= mask - 1;
		}
	}
#endif
	for (; i < len; i++)
		if ((line[i] == ',' || line[i] == '"' || line[i] == '\0') &&
		    !separator(&s, i, bad_col))
			return s.nul ? -2 : -1;
	return finish(&s, len, bad_col);
}
