/* Save and load of a fitted featurizer: the little-endian blob described in docs/features.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/features.h"

static const unsigned char magic[8] = {'W', 'F', 'A', 'D', 'F', 'E', 'A', 'T'};
/* Version 2 added the log statistics of the context delays, version 3 the utime delay (7 log
 * statistics per transformation, 98 context columns), version 4 the stage-in rate (8, 105).
 * Version 1 to 3 blobs of the delays and rich sets still load (the statistics they lack read
 * as NaN); older context blobs do not, since their columns no longer line up. */
enum { BLOB_VERSION = 4, BLOB_VERSION_V1 = 1 };
/* Log statistics per transformation (n_log) and context columns each version wrote. */
static const uint32_t version_ctx_count[BLOB_VERSION + 1] = {0, 0, 6, 7, WFAD_CTX_COUNT};
static const uint32_t version_ctx_cols[BLOB_VERSION + 1] = {0, 0, 91, 98, 105};
static const char *const version_ctx_added[BLOB_VERSION + 1] = {"", "", "", "the utime delay",
								"the stage-in rate"};
/* Limits that keep a corrupt header from asking for huge allocations. */
enum { MAX_TRANSFORMATIONS = 1 << 24, MAX_NAME_LEN = 4096 };

/* Writes to a FILE or to a growing heap buffer; the first failure sticks. */
struct writer {
	FILE *f;
	unsigned char *buf;
	size_t len, cap;
	uint64_t hash;
	enum wfad_status st;
};

static void put(struct writer *w, const void *p, size_t n)
{
	if (w->st != WFAD_OK)
		return;
	w->hash = wfad_fnv1a(w->hash, p, n);
	if (w->f) {
		if (fwrite(p, 1, n, w->f) != n)
			w->st = WFAD_EIO;
		return;
	}
	if (w->cap - w->len < n) {
		size_t cap = w->cap ? w->cap : 256;
		while (cap - w->len < n)
			cap *= 2;
		unsigned char *b = realloc(w->buf, cap);
		if (!b) {
			w->st = WFAD_ENOMEM;
			return;
		}
		w->buf = b;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_u32(struct writer *w, uint32_t v)
{
	unsigned char b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put(w, b, 4);
}

static void put_u64(struct writer *w, uint64_t v)
{
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put(w, b, 8);
}

static void put_f64(struct writer *w, double v)
{
	uint64_t u;
	memcpy(&u, &v, sizeof(u));
	put_u64(w, u);
}

static void write_blob(const struct wfad_featurizer *fz, struct writer *w)
{
	WFAD_ASSERT(fz->fitted);
	WFAD_ASSERT(fz->n_cols <= UINT32_MAX && fz->n_transformations <= UINT32_MAX);
	w->hash = WFAD_FNV_OFFSET;
	put(w, magic, sizeof(magic));
	put_u32(w, BLOB_VERSION);
	put_u32(w, (uint32_t)fz->set);
	put_u32(w, (uint32_t)fz->norm);
	put_u32(w, (uint32_t)fz->n_cols);
	put_u32(w, (uint32_t)fz->n_transformations);
	uint32_t n_log = fz->tr_log_median ? WFAD_CTX_COUNT : 0;
	put_u32(w, n_log);
	for (size_t c = 0; c < fz->n_cols; c++)
		put_f64(w, fz->center[c]);
	for (size_t c = 0; c < fz->n_cols; c++)
		put_f64(w, fz->scale[c]);
	for (size_t t = 0; t < fz->n_transformations; t++) {
		size_t len = strlen(fz->tr_names[t]);
		WFAD_ASSERT(len <= MAX_NAME_LEN);
		put_u32(w, (uint32_t)len);
		put(w, fz->tr_names[t], len);
		put_f64(w, fz->tr_runtime[t]);
		put_f64(w, fz->tr_cpu_time[t]);
		for (uint32_t k = 0; k < n_log; k++) {
			put_f64(w, fz->tr_log_median[t * WFAD_CTX_COUNT + k]);
			put_f64(w, fz->tr_log_mad[t * WFAD_CTX_COUNT + k]);
		}
	}
	put_u64(w, w->hash);
}

enum wfad_status wfad_features_save(const struct wfad_featurizer *fz, FILE *f)
{
	struct writer w = {.f = f};
	write_blob(fz, &w);
	return w.st;
}

enum wfad_status wfad_features_save_buffer(const struct wfad_featurizer *fz, unsigned char **buf,
					   size_t *len)
{
	struct writer w = {0};
	write_blob(fz, &w);
	if (w.st != WFAD_OK) {
		free(w.buf);
		return w.st;
	}
	*buf = w.buf;
	*len = w.len;
	return WFAD_OK;
}

/* Reads from a FILE or a memory span; counts the bytes consumed and hashes them. */
struct reader {
	FILE *f;
	const unsigned char *p;
	size_t len;
	size_t pos;
	uint64_t hash;
	struct wfad_error *err;
};

/* Reads n bytes; on a short read fills the error (naming what was being read) and fails. */
static enum wfad_status get(struct reader *r, void *dst, size_t n, const char *what)
{
	size_t got;
	if (r->f) {
		got = fread(dst, 1, n, r->f);
		if (got < n && ferror(r->f))
			return wfad_error_set(r->err, WFAD_EIO, NULL, 0, 0,
					      "featurizer: read error at byte %zu (%s)",
					      r->pos + got, what);
	} else {
		got = r->len - r->pos < n ? r->len - r->pos : n;
		if (got)
			memcpy(dst, r->p + r->pos, got);
	}
	if (got < n)
		return wfad_error_set(r->err, WFAD_EPARSE, NULL, 0, 0,
				      "featurizer blob truncated at byte %zu (%s)", r->pos + got,
				      what);
	r->hash = wfad_fnv1a(r->hash, dst, n);
	r->pos += n;
	return WFAD_OK;
}

static enum wfad_status get_u32(struct reader *r, uint32_t *v, const char *what)
{
	unsigned char b[4];
	enum wfad_status st = get(r, b, 4, what);
	if (st == WFAD_OK)
		*v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
		     (uint32_t)b[3] << 24;
	return st;
}

static enum wfad_status get_u64(struct reader *r, uint64_t *v, const char *what)
{
	unsigned char b[8];
	enum wfad_status st = get(r, b, 8, what);
	if (st == WFAD_OK) {
		*v = 0;
		for (int i = 7; i >= 0; i--)
			*v = *v << 8 | b[i];
	}
	return st;
}

static enum wfad_status get_f64(struct reader *r, double *v, const char *what)
{
	uint64_t u;
	enum wfad_status st = get_u64(r, &u, what);
	if (st == WFAD_OK)
		memcpy(v, &u, sizeof(*v));
	return st;
}

static enum wfad_status bad(struct reader *r, enum wfad_status st, const char *what)
{
	return wfad_error_set(r->err, st, NULL, 0, 0, "featurizer blob: %s (byte %zu)", what,
			      r->pos);
}

/* Grows the transformation arrays of fz to hold at least n entries (doubling); the log
 * statistics arrays only when with_log. */
static enum wfad_status reserve_transformations(struct wfad_featurizer *fz, size_t n, size_t *cap,
						uint32_t **offsets, bool with_log)
{
	if (n <= *cap)
		return WFAD_OK;
	size_t c = *cap ? *cap * 2 : 64;
	uint32_t *o = realloc(*offsets, c * sizeof(*o));
	if (o)
		*offsets = o;
	double *rt = realloc(fz->tr_runtime, c * sizeof(*rt));
	if (rt)
		fz->tr_runtime = rt;
	double *cpu = realloc(fz->tr_cpu_time, c * sizeof(*cpu));
	if (cpu)
		fz->tr_cpu_time = cpu;
	if (!o || !rt || !cpu)
		return WFAD_ENOMEM;
	if (with_log) {
		double *lm = realloc(fz->tr_log_median, c * WFAD_CTX_COUNT * sizeof(*lm));
		if (lm)
			fz->tr_log_median = lm;
		double *ld = realloc(fz->tr_log_mad, c * WFAD_CTX_COUNT * sizeof(*ld));
		if (ld)
			fz->tr_log_mad = ld;
		if (!lm || !ld)
			return WFAD_ENOMEM;
	}
	*cap = c;
	return WFAD_OK;
}

/* Reads the transformation table; names are appended to fz->tr_text, offsets kept until the
 * text stops moving. Arrays grow with the data read, never from the header's count alone. */
/* n_log: the log statistics stored per transformation (0, or up to WFAD_CTX_COUNT; the
 * delays after them read as NaN). */
static enum wfad_status read_transformations(struct reader *r, struct wfad_featurizer *fz,
					     uint32_t n, uint32_t n_log)
{
	bool with_log = n_log != 0;
	enum wfad_status st = WFAD_OK;
	uint32_t *offsets = NULL;
	size_t cap = 0, text_len = 0, text_cap = 0;
	char name[MAX_NAME_LEN + 1];
	for (uint32_t t = 0; t < n; t++) {
		uint32_t len;
		if ((st = get_u32(r, &len, "name length")) != WFAD_OK)
			goto cleanup;
		if (len > MAX_NAME_LEN) {
			st = bad(r, WFAD_ELIMIT, "transformation name too long");
			goto cleanup;
		}
		if ((st = get(r, name, len, "transformation name")) != WFAD_OK)
			goto cleanup;
		name[len] = '\0';
		if (memchr(name, '\0', len)) {
			st = bad(r, WFAD_EPARSE, "NUL byte inside a transformation name");
			goto cleanup;
		}
		if (t > 0 && strcmp(fz->tr_text + offsets[t - 1], name) >= 0) {
			st = bad(r, WFAD_EPARSE, "transformation names not strictly sorted");
			goto cleanup;
		}
		if (reserve_transformations(fz, t + 1, &cap, &offsets, with_log) != WFAD_OK)
			goto nomem;
		if (text_cap - text_len < len + 1) {
			size_t c = text_cap ? text_cap : 1024;
			while (c - text_len < len + 1)
				c *= 2;
			char *text = realloc(fz->tr_text, c);
			if (!text)
				goto nomem;
			fz->tr_text = text;
			text_cap = c;
		}
		memcpy(fz->tr_text + text_len, name, len + 1);
		offsets[t] = (uint32_t)text_len;
		text_len += len + 1;
		if ((st = get_f64(r, &fz->tr_runtime[t], "median runtime")) != WFAD_OK ||
		    (st = get_f64(r, &fz->tr_cpu_time[t], "median cpu time")) != WFAD_OK)
			goto cleanup;
		for (int k = 0; with_log && k < WFAD_CTX_COUNT; k++) {
			double *med = &fz->tr_log_median[(size_t)t * WFAD_CTX_COUNT + k];
			double *mad = &fz->tr_log_mad[(size_t)t * WFAD_CTX_COUNT + k];
			if ((uint32_t)k >= n_log) {
				*med = *mad = NAN;
				continue;
			}
			if ((st = get_f64(r, med, "log median")) != WFAD_OK ||
			    (st = get_f64(r, mad, "log MAD")) != WFAD_OK)
				goto cleanup;
			if (isinf(*med) || isinf(*mad) || *mad < 0 || isnan(*med) != isnan(*mad)) {
				st = bad(r, WFAD_EPARSE, "bad log statistics");
				goto cleanup;
			}
		}
		fz->n_transformations = t + 1;
	}
	fz->tr_names = malloc((n ? n : 1) * sizeof(*fz->tr_names));
	if (!fz->tr_names)
		goto nomem;
	if (with_log && !fz->tr_log_median) { /* n == 0: still mark the statistics present */
		fz->tr_log_median = malloc(sizeof(*fz->tr_log_median));
		fz->tr_log_mad = malloc(sizeof(*fz->tr_log_mad));
		if (!fz->tr_log_median || !fz->tr_log_mad)
			goto nomem;
	}
	for (uint32_t t = 0; t < n; t++)
		fz->tr_names[t] = fz->tr_text + offsets[t];
	goto cleanup;
nomem:
	st = wfad_error_set(r->err, WFAD_ENOMEM, NULL, 0, 0, "out of memory");
cleanup:
	free(offsets);
	return st;
}

static enum wfad_status read_blob(struct reader *r, struct wfad_featurizer *fz)
{
	enum wfad_status st;
	unsigned char m[sizeof(magic)];
	uint32_t version, set, norm, n_cols, n_tr, n_log = 0;
	uint64_t sum, expect;
	r->hash = WFAD_FNV_OFFSET;
	if ((st = get(r, m, sizeof(m), "magic")) != WFAD_OK)
		goto cleanup;
	if (memcmp(m, magic, sizeof(magic)) != 0) {
		st = bad(r, WFAD_EFORMAT, "not a wfad featurizer (bad magic)");
		goto cleanup;
	}
	if ((st = get_u32(r, &version, "version")) != WFAD_OK)
		goto cleanup;
	if (version < BLOB_VERSION_V1 || version > BLOB_VERSION) {
		st = wfad_error_set(r->err, WFAD_EFORMAT, NULL, 0, 0,
				    "featurizer blob: unsupported version %u (this build reads %d "
				    "to %d)",
				    (unsigned)version, BLOB_VERSION_V1, BLOB_VERSION);
		goto cleanup;
	}
	if ((st = get_u32(r, &set, "feature set")) != WFAD_OK ||
	    (st = get_u32(r, &norm, "normaliser")) != WFAD_OK ||
	    (st = get_u32(r, &n_cols, "column count")) != WFAD_OK ||
	    (st = get_u32(r, &n_tr, "transformation count")) != WFAD_OK)
		goto cleanup;
	if (version >= 2 && (st = get_u32(r, &n_log, "log statistics count")) != WFAD_OK)
		goto cleanup;
	/* Version 1 knew only the delays and rich sets. */
	uint32_t n_sets =
		version == BLOB_VERSION_V1 ? WFAD_FEATURES_CONTEXT : WFAD_FEATURES_SET_COUNT;
	if (set >= n_sets || norm >= WFAD_NORM_COUNT) {
		st = bad(r, WFAD_EPARSE, "unknown feature set or normaliser");
		goto cleanup;
	}
	if (version < BLOB_VERSION && set == WFAD_FEATURES_CONTEXT) {
		st = wfad_error_set(
			r->err, WFAD_EFORMAT, NULL, 0, 0,
			"featurizer blob: a version %u context featurizer (%u columns, "
			"before %s); this build's context set has %zu: retrain the model",
			(unsigned)version, (unsigned)version_ctx_cols[version],
			version_ctx_added[version + 1],
			wfad_feature_set_n_cols(WFAD_FEATURES_CONTEXT));
		goto cleanup;
	}
	if (n_log != 0 && n_log != version_ctx_count[version]) {
		st = bad(r, WFAD_EPARSE, "log statistics count does not match the version");
		goto cleanup;
	}
	if (set == WFAD_FEATURES_CONTEXT && n_log == 0) {
		st = bad(r, WFAD_EPARSE, "context featurizer without log statistics");
		goto cleanup;
	}
	if (n_cols != wfad_feature_set_n_cols((enum wfad_feature_set)set)) {
		st = bad(r, WFAD_EPARSE, "column count does not match the feature set");
		goto cleanup;
	}
	if (n_tr > MAX_TRANSFORMATIONS) {
		st = bad(r, WFAD_ELIMIT, "too many transformations");
		goto cleanup;
	}
	fz->set = (enum wfad_feature_set)set;
	fz->norm = (enum wfad_norm)norm;
	fz->n_cols = n_cols;
	fz->center = malloc(n_cols * sizeof(*fz->center));
	fz->scale = malloc(n_cols * sizeof(*fz->scale));
	if (!fz->center || !fz->scale) {
		st = wfad_error_set(r->err, WFAD_ENOMEM, NULL, 0, 0, "out of memory");
		goto cleanup;
	}
	for (uint32_t c = 0; c < n_cols; c++)
		if ((st = get_f64(r, &fz->center[c], "center")) != WFAD_OK)
			goto cleanup;
	for (uint32_t c = 0; c < n_cols; c++)
		if ((st = get_f64(r, &fz->scale[c], "scale")) != WFAD_OK)
			goto cleanup;
	for (uint32_t c = 0; c < n_cols; c++) {
		if (!isfinite(fz->center[c]) || !isfinite(fz->scale[c]) || fz->scale[c] == 0.0) {
			st = bad(r, WFAD_EPARSE, "non-finite center or zero scale");
			goto cleanup;
		}
	}
	if ((st = read_transformations(r, fz, n_tr, n_log)) != WFAD_OK)
		goto cleanup;
	expect = r->hash;
	if ((st = get_u64(r, &sum, "checksum")) != WFAD_OK)
		goto cleanup;
	if (sum != expect) {
		st = bad(r, WFAD_EPARSE, "checksum mismatch (corrupt blob)");
		goto cleanup;
	}
	fz->fitted = true;
cleanup:
	return st;
}

/* Reads into a temporary and replaces *fz only on success. */
static enum wfad_status load(struct wfad_featurizer *fz, struct reader *r)
{
	struct wfad_featurizer tmp;
	wfad_featurizer_init(&tmp);
	enum wfad_status st = read_blob(r, &tmp);
	if (st == WFAD_OK) {
		wfad_featurizer_free(fz);
		*fz = tmp;
		wfad_featurizer_init(&tmp);
	}
	wfad_featurizer_free(&tmp);
	return st;
}

enum wfad_status wfad_features_load(struct wfad_featurizer *fz, FILE *f, struct wfad_error *err)
{
	struct reader r = {.f = f, .err = err};
	return load(fz, &r);
}

enum wfad_status wfad_features_load_buffer(struct wfad_featurizer *fz, const void *buf, size_t len,
					   size_t *used, struct wfad_error *err)
{
	struct reader r = {.p = buf, .len = len, .err = err};
	enum wfad_status st = load(fz, &r);
	if (st == WFAD_OK && used)
		*used = r.pos;
	return st;
}
