/* File reading and the fast, correctly rounded decimal parser used by every reader. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wfad/core.h"

uint64_t wfad_fnv1a(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

enum wfad_status wfad_read_file(const char *path, size_t max_bytes, char **data, size_t *len,
				struct wfad_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return wfad_error_set(err, WFAD_EIO, path, 0, 0, "cannot open: %s",
				      strerror(errno));
	enum wfad_status st = WFAD_OK;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	for (;;) {
		if (cap - n < 65536) {
			size_t ncap = cap ? cap * 2 : 65536;
			if (ncap > max_bytes + 65536)
				ncap = max_bytes + 65536;
			if (ncap <= cap) {
				st = wfad_error_set(err, WFAD_ELIMIT, path, 0, 0,
						    "file larger than %zu bytes", max_bytes);
				goto cleanup;
			}
			char *nb = realloc(buf, ncap + 1);
			if (!nb) {
				st = wfad_error_set(err, WFAD_ENOMEM, path, 0, 0, "out of memory");
				goto cleanup;
			}
			buf = nb;
			cap = ncap;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n > max_bytes) {
			st = wfad_error_set(err, WFAD_ELIMIT, path, 0, 0,
					    "file larger than %zu bytes", max_bytes);
			goto cleanup;
		}
		if (got == 0) {
			if (ferror(f)) {
				st = wfad_error_set(err, WFAD_EIO, path, 0, 0, "read error: %s",
						    strerror(errno));
				goto cleanup;
			}
			break;
		}
	}
	if (!buf && !(buf = malloc(1))) {
		st = wfad_error_set(err, WFAD_ENOMEM, path, 0, 0, "out of memory");
		goto cleanup;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	buf = NULL;
cleanup:
	free(buf);
	fclose(f);
	return st;
}

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static bool parse_slow(const char *s, size_t len, double *out)
{
	char small[128];
	char *tmp = len < sizeof(small) ? small : malloc(len + 1);
	if (!tmp)
		return false;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	char *end;
	errno = 0;
	double v = strtod(tmp, &end);
	bool ok = end == tmp + len;
	if (tmp != small)
		free(tmp);
	if (ok)
		*out = v;
	return ok;
}

bool wfad_parse_double(const char *s, size_t len, double *out)
{
	const char *p = s, *end = s + len;
	bool neg = false;
	if (p < end && (*p == '-' || *p == '+')) {
		neg = *p == '-';
		p++;
	}
	/* Every digit goes into mant; more than 19 digits (leading zeros included) take the
	 * slow path, so mant cannot overflow. */
	uint64_t mant = 0;
	int nd = 0, frac = 0;
	while (p < end && (unsigned)(*p - '0') < 10) {
		mant = mant * 10 + (uint64_t)(*p++ - '0');
		nd++;
	}
	if (p < end && *p == '.') {
		p++;
		while (p < end && (unsigned)(*p - '0') < 10) {
			mant = mant * 10 + (uint64_t)(*p++ - '0');
			nd++;
			frac++;
		}
	}
	if (nd == 0)
		return false;
	long exp10 = 0;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		bool eneg = false;
		if (p < end && (*p == '-' || *p == '+')) {
			eneg = *p == '-';
			p++;
		}
		if (p >= end || (unsigned)(*p - '0') >= 10)
			return false;
		while (p < end && (unsigned)(*p - '0') < 10) {
			if (exp10 < 100000)
				exp10 = exp10 * 10 + (*p - '0');
			p++;
		}
		if (eneg)
			exp10 = -exp10;
	}
	if (p != end)
		return false;
	if (nd > 19)
		return parse_slow(s, len, out);
	long e = exp10 - frac;
	if (mant <= (1ull << 53) && e >= -22 && e <= 22) {
		double v = (double)mant;
		v = e < 0 ? v / pow10_exact[-e] : v * pow10_exact[e];
		*out = neg ? -v : v;
		return true;
	}
	if (mant == 0) {
		*out = neg ? -0.0 : 0.0;
		return true;
	}
	return parse_slow(s, len, out);
}

double wfad_clock_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
