/* lof detector: local outlier factor in novelty mode (new rows against the training rows). */
#include <math.h>
#include <stdlib.h>

#include "wfad/detect.h"

#include "neighbors.h"
#include "row_threads.h"

#define LOF_MAGIC 0x464f4c57u /* "WLOF" little-endian */
#define LOF_VERSION 1u
#define LOF_DEFAULT_K 20
/* Added to the mean reachability distance before inverting it, as scikit-learn does, so rows
 * with k or more exact duplicates get a large finite density instead of 1/0. */
#define LOF_EPS 1e-10

/* As sklearn.neighbors.LocalOutlierFactor(novelty=True): training rows are their own
 * neighbourhood minus themselves (other copies of the same values do count), k is capped at
 * training rows - 1, and
 *   k-distance(o) = distance from o to its k-th nearest training row,
 *   reach(p, o)   = max(k-distance(o), dist(p, o)),
 *   lrd(p)        = 1 / (mean over p's k neighbours o of reach(p, o) + 1e-10),
 *   score(p)      = mean over p's k neighbours o of lrd(o) / lrd(p)   (sklearn: its negative).
 * Ties at the k-th distance go to the training row that came first (see neighbors.h). */
struct lof {
	struct wfad_detector base;
	unsigned threads;
	size_t k; /* requested */
	bool fitted;
	size_t k_eff;
	struct wfad_nbr_index ix;
	double *kdist; /* ix.n: k-distance of each unique training row */
	double *lrd;   /* ix.n: its local reachability density */
};

WFAD_DETECTOR_REGISTER(lof);

static enum wfad_status lof_create(const struct wfad_detector_params *p, struct wfad_detector **out)
{
	if (p && p->k < 0)
		return WFAD_EINVAL;
	struct lof *m = calloc(1, sizeof(*m));
	if (!m)
		return WFAD_ENOMEM;
	m->base.ops = &wfad_detector_lof;
	m->threads = p ? p->threads : 0;
	m->k = p && p->k > 0 ? (size_t)p->k : LOF_DEFAULT_K;
	*out = &m->base;
	return WFAD_OK;
}

static void lof_reset(struct lof *m)
{
	wfad_nbr_free(&m->ix);
	free(m->kdist);
	free(m->lrd);
	m->kdist = m->lrd = NULL;
	m->fitted = false;
	m->k_eff = 0;
}

/* Local reachability density of q from its neighbours; terms are added in neighbour order,
 * one per copy. Shapes: q [d] -> 1; hits [k_eff] scratch. */
static double lrd_of(const struct lof *m, const float *q, uint32_t self, struct wfad_nbr_hit *hits,
		     size_t *nh)
{
	*nh = wfad_nbr_query(&m->ix, q, m->k_eff, self, hits);
	double s = 0.0;
	for (size_t h = 0; h < *nh; h++) {
		double dist = sqrt(hits[h].dist2), kd = m->kdist[hits[h].id];
		double reach = dist > kd ? dist : kd;
		for (uint32_t t = 0; t < hits[h].take; t++)
			s += reach;
	}
	return 1.0 / (s / (double)m->k_eff + LOF_EPS);
}

/* Neighbour lists of the training rows kept between the two fit passes when they fit in
 * LOF_CACHE_MAX entries (8 bytes each); otherwise pass 2 searches again. */
#define LOF_CACHE_MAX ((size_t)1 << 24)

struct fit_ctx {
	const struct lof *m;
	uint32_t *nb_id, *nb_take; /* ix.n x k_eff, NULL without the cache */
	uint32_t *nb_len;          /* ix.n */
};

/* Fit pass 1: k-distance of unique training row `row` (leaving out one copy of itself). */
static double kdist_row(const void *model, const float *q, size_t row, struct wfad_nbr_hit *hits)
{
	const struct fit_ctx *c = model;
	size_t k = c->m->k_eff;
	size_t nh = wfad_nbr_query(&c->m->ix, q, k, (uint32_t)row, hits);
	if (c->nb_id) {
		for (size_t h = 0; h < nh; h++) {
			c->nb_id[row * k + h] = hits[h].id;
			c->nb_take[row * k + h] = hits[h].take;
		}
		c->nb_len[row] = (uint32_t)nh;
	}
	return sqrt(hits[nh - 1].dist2);
}

/* Fit pass 2 without the cache: lrd of unique training row `row` by a new search. */
static double lrd_row(const void *model, const float *q, size_t row, struct wfad_nbr_hit *hits)
{
	const struct fit_ctx *c = model;
	size_t nh;
	return lrd_of(c->m, q, (uint32_t)row, hits, &nh);
}

/* Fit pass 2 with the cache: lrd of unique training rows [begin, end) from their lists. The
 * distances recomputed by wfad_nbr_dist2 are bitwise those of the search, and the terms are
 * added in the same order as lrd_of, so both ways give the same bits. */
static void lrd_cached(void *ctx, size_t worker, size_t begin, size_t end)
{
	const struct fit_ctx *c = ctx;
	struct lof *m = (struct lof *)c->m;
	size_t k = m->k_eff, d = m->ix.d;
	for (size_t row = begin; row < end; row++) {
		const float *q = m->ix.rows + row * d;
		double s = 0.0;
		for (size_t h = 0; h < c->nb_len[row]; h++) {
			uint32_t id = c->nb_id[row * k + h];
			double dist = sqrt(wfad_nbr_dist2(q, m->ix.rows + (size_t)id * d, d));
			double kd = m->kdist[id], reach = dist > kd ? dist : kd;
			for (uint32_t t = 0; t < c->nb_take[row * k + h]; t++)
				s += reach;
		}
		m->lrd[row] = 1.0 / (s / (double)k + LOF_EPS);
	}
}

/* Score of a new row: mean of lrd(o) / lrd(q) over its neighbours o. Shapes: q [d] -> 1. */
static double lof_row(const void *model, const float *q, size_t row, struct wfad_nbr_hit *hits)
{
	const struct lof *m = model;
	size_t nh;
	double lq = lrd_of(m, q, UINT32_MAX, hits, &nh);
	double s = 0.0;
	for (size_t h = 0; h < nh; h++) {
		double ratio = m->lrd[hits[h].id] / lq;
		for (uint32_t t = 0; t < hits[h].take; t++)
			s += ratio;
	}
	return s / (double)m->k_eff;
}

static enum wfad_status lof_fit(struct wfad_detector *det, const struct wfad_jobset *train,
				const struct wfad_jobset *valid, struct wfad_error *err)
{
	struct lof *m = (struct lof *)det;
	lof_reset(m);
	if (train->n < 2 || train->d == 0)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "lof: needs at least 2 training rows and 1 column (got %zu x "
				      "%zu)",
				      train->n, train->d);
	enum wfad_status st = wfad_nbr_build(&m->ix, train->x, train->n, train->d, err);
	if (st != WFAD_OK)
		goto cleanup;
	m->k_eff = m->k < m->ix.total - 1 ? m->k : m->ix.total - 1;
	m->kdist = malloc(m->ix.n * sizeof(double));
	m->lrd = malloc(m->ix.n * sizeof(double));
	if (!m->kdist || !m->lrd) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "lof: out of memory");
		goto cleanup;
	}
	/* Both passes visit the unique rows (no dedup: they are distinct already). */
	struct fit_ctx ctx = {m, NULL, NULL, NULL};
	if (m->ix.n <= LOF_CACHE_MAX / m->k_eff) {
		ctx.nb_id = malloc(m->ix.n * m->k_eff * sizeof(uint32_t));
		ctx.nb_take = malloc(m->ix.n * m->k_eff * sizeof(uint32_t));
		ctx.nb_len = malloc(m->ix.n * sizeof(uint32_t));
		if (!ctx.nb_id || !ctx.nb_take || !ctx.nb_len) {
			free(ctx.nb_id);
			free(ctx.nb_take);
			free(ctx.nb_len);
			ctx = (struct fit_ctx){m, NULL, NULL, NULL}; /* search twice instead */
		}
	}
	st = wfad_nbr_map_rows(&m->ix, m->ix.rows, m->ix.n, false, m->threads, m->k_eff, kdist_row,
			       &ctx, m->kdist, "lof", err);
	if (st == WFAD_OK && ctx.nb_id)
		wfad_row_threads_run(wfad_row_threads_count(m->threads, m->ix.n, 1024), m->ix.n,
				     lrd_cached, &ctx);
	else if (st == WFAD_OK)
		st = wfad_nbr_map_rows(&m->ix, m->ix.rows, m->ix.n, false, m->threads, m->k_eff,
				       lrd_row, &ctx, m->lrd, "lof", err);
	free(ctx.nb_id);
	free(ctx.nb_take);
	free(ctx.nb_len);
	if (st != WFAD_OK)
		goto cleanup;
	m->fitted = true;
cleanup:
	if (st != WFAD_OK)
		lof_reset(m);
	return st;
}

static enum wfad_status lof_score(const struct wfad_detector *det, const struct wfad_jobset *js,
				  double *out, struct wfad_error *err)
{
	const struct lof *m = (const struct lof *)det;
	if (!m->fitted)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "lof: not fitted");
	if (js->d != m->ix.d)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "lof: fitted on %zu feature columns, asked to score %zu",
				      m->ix.d, js->d);
	return wfad_nbr_map_rows(&m->ix, js->x, js->n, true, m->threads, m->k_eff, lof_row, m, out,
				 "lof", err);
}

static enum wfad_status lof_save(const struct wfad_detector *det, FILE *f)
{
	const struct lof *m = (const struct lof *)det;
	WFAD_ASSERT(m->fitted);
	if (!wfad_io_write_u32(f, LOF_MAGIC) || !wfad_io_write_u32(f, LOF_VERSION) ||
	    !wfad_io_write_u64(f, m->k) || !wfad_io_write_u64(f, m->k_eff) ||
	    !wfad_nbr_save(&m->ix, f) || !wfad_io_write_f64s(f, m->kdist, m->ix.n) ||
	    !wfad_io_write_f64s(f, m->lrd, m->ix.n))
		return WFAD_EIO;
	return WFAD_OK;
}

static enum wfad_status lof_load(const struct wfad_detector_params *p, FILE *f,
				 struct wfad_detector **out, struct wfad_error *err)
{
	enum wfad_status st = WFAD_OK;
	struct wfad_detector *det = NULL;
	uint32_t magic, version;
	uint64_t k, k_eff;
	if (!wfad_io_read_u32(f, &magic) || !wfad_io_read_u32(f, &version))
		goto truncated;
	if (magic != LOF_MAGIC) {
		st = wfad_error_set(err, WFAD_EFORMAT, "", 0, 0, "not a lof model (bad magic)");
		goto cleanup;
	}
	if (version != LOF_VERSION) {
		st = wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
				    "lof model version %u is not supported", version);
		goto cleanup;
	}
	if (!wfad_io_read_u64(f, &k) || !wfad_io_read_u64(f, &k_eff))
		goto truncated;
	if (k == 0 || k > INT32_MAX || k_eff == 0 || k_eff > k) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "lof model with k = %llu, %llu",
				    (unsigned long long)k, (unsigned long long)k_eff);
		goto cleanup;
	}
	if ((st = lof_create(p, &det)) != WFAD_OK) {
		st = wfad_error_set(err, st, "", 0, 0, "lof: cannot create the detector");
		goto cleanup;
	}
	struct lof *m = (struct lof *)det;
	m->k = (size_t)k;
	m->k_eff = (size_t)k_eff;
	if ((st = wfad_nbr_load(&m->ix, f, "lof", err)) != WFAD_OK)
		goto cleanup;
	if (k_eff != (k < m->ix.total - 1 ? k : m->ix.total - 1)) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				    "lof model: k = %llu does not fit %zu training rows",
				    (unsigned long long)k_eff, m->ix.total);
		goto cleanup;
	}
	m->kdist = malloc(m->ix.n * sizeof(double));
	m->lrd = malloc(m->ix.n * sizeof(double));
	if (!m->kdist || !m->lrd) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "lof: out of memory");
		goto cleanup;
	}
	if (!wfad_io_read_f64s(f, m->kdist, m->ix.n) || !wfad_io_read_f64s(f, m->lrd, m->ix.n))
		goto truncated;
	for (size_t i = 0; i < m->ix.n; i++) {
		if (!(m->kdist[i] >= 0.0 && isfinite(m->kdist[i]) && m->lrd[i] > 0.0 &&
		      isfinite(m->lrd[i]))) {
			st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
					    "lof model: bad density of training row %zu", i);
			goto cleanup;
		}
	}
	m->fitted = true;
	*out = det;
	det = NULL;
	goto cleanup;
truncated:
	st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated lof model");
cleanup:
	if (det)
		wfad_detector_lof.destroy(det);
	return st;
}

static void lof_destroy(struct wfad_detector *det)
{
	if (!det)
		return;
	lof_reset((struct lof *)det);
	free(det);
}

const struct wfad_detector_ops wfad_detector_lof = {
	.name = "lof",
	.summary = "local outlier factor against the training jobs (novelty mode, k = 20)",
	.flags = 0,
	.create = lof_create,
	.fit = lof_fit,
	.score = lof_score,
	.save = lof_save,
	.load = lof_load,
	.destroy = lof_destroy,
};
