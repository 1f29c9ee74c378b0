/* knn detector: score = mean Euclidean distance to the k nearest training rows (exact). */
#include <math.h>
#include <stdlib.h>

#include "wfad/detect.h"

#include "neighbors.h"

#define KNN_MAGIC 0x4e4e4b57u /* "WKNN" little-endian */
#define KNN_VERSION 1u
#define KNN_DEFAULT_K 5

struct knn {
	struct wfad_detector base;
	unsigned threads;
	size_t k; /* requested */
	bool fitted;
	size_t k_eff; /* min(k, training rows) */
	struct wfad_nbr_index ix;
};

WFAD_DETECTOR_REGISTER(knn);

static enum wfad_status knn_create(const struct wfad_detector_params *p, struct wfad_detector **out)
{
	if (p && p->k < 0)
		return WFAD_EINVAL;
	struct knn *m = calloc(1, sizeof(*m));
	if (!m)
		return WFAD_ENOMEM;
	m->base.ops = &wfad_detector_knn;
	m->threads = p ? p->threads : 0;
	m->k = p && p->k > 0 ? (size_t)p->k : KNN_DEFAULT_K;
	*out = &m->base;
	return WFAD_OK;
}

static void knn_reset(struct knn *m)
{
	wfad_nbr_free(&m->ix);
	m->fitted = false;
	m->k_eff = 0;
}

static enum wfad_status knn_fit(struct wfad_detector *det, const struct wfad_jobset *train,
				const struct wfad_jobset *valid, struct wfad_error *err)
{
	struct knn *m = (struct knn *)det;
	knn_reset(m);
	if (train->n == 0 || train->d == 0)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "knn: no training data (%zu rows x %zu columns)", train->n,
				      train->d);
	enum wfad_status st = wfad_nbr_build(&m->ix, train->x, train->n, train->d, err);
	if (st != WFAD_OK)
		return st;
	m->k_eff = m->k < m->ix.total ? m->k : m->ix.total;
	m->fitted = true;
	return WFAD_OK;
}

/* Mean neighbour distance of one row; the sum runs in neighbour order, one term per copy, so
 * it equals a brute-force sum over the sorted distances bit for bit. Shapes: q [d] -> 1. */
static double knn_row(const void *model, const float *q, size_t row, struct wfad_nbr_hit *hits)
{
	const struct knn *m = model;
	size_t nh = wfad_nbr_query(&m->ix, q, m->k_eff, UINT32_MAX, hits);
	double s = 0.0;
	for (size_t h = 0; h < nh; h++) {
		double dist = sqrt(hits[h].dist2);
		for (uint32_t t = 0; t < hits[h].take; t++)
			s += dist;
	}
	return s / (double)m->k_eff;
}

static enum wfad_status knn_score(const struct wfad_detector *det, const struct wfad_jobset *js,
				  double *out, struct wfad_error *err)
{
	const struct knn *m = (const struct knn *)det;
	if (!m->fitted)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "knn: not fitted");
	if (js->d != m->ix.d)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "knn: fitted on %zu feature columns, asked to score %zu",
				      m->ix.d, js->d);
	return wfad_nbr_map_rows(&m->ix, js->x, js->n, true, m->threads, m->k_eff, knn_row, m, out,
				 "knn", err);
}

static enum wfad_status knn_save(const struct wfad_detector *det, FILE *f)
{
	const struct knn *m = (const struct knn *)det;
	WFAD_ASSERT(m->fitted);
	if (!wfad_io_write_u32(f, KNN_MAGIC) || !wfad_io_write_u32(f, KNN_VERSION) ||
	    !wfad_io_write_u64(f, m->k) || !wfad_nbr_save(&m->ix, f))
		return WFAD_EIO;
	return WFAD_OK;
}

static enum wfad_status knn_load(const struct wfad_detector_params *p, FILE *f,
				 struct wfad_detector **out, struct wfad_error *err)
{
	enum wfad_status st = WFAD_OK;
	struct wfad_detector *det = NULL;
	uint32_t magic, version;
	uint64_t k;
	if (!wfad_io_read_u32(f, &magic) || !wfad_io_read_u32(f, &version)) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated knn model");
		goto cleanup;
	}
	if (magic != KNN_MAGIC || version != KNN_VERSION) {
		if (magic != KNN_MAGIC)
			st = wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
					    "not a knn model (bad magic)");
		else
			st = wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
					    "knn model version %u is not supported", version);
		goto cleanup;
	}
	if (!wfad_io_read_u64(f, &k)) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated knn model");
		goto cleanup;
	}
	if (k == 0 || k > INT32_MAX) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "knn model with k = %llu",
				    (unsigned long long)k);
		goto cleanup;
	}
	if ((st = knn_create(p, &det)) != WFAD_OK) {
		st = wfad_error_set(err, st, "", 0, 0, "knn: cannot create the detector");
		goto cleanup;
	}
	struct knn *m = (struct knn *)det;
	m->k = (size_t)k;
	if ((st = wfad_nbr_load(&m->ix, f, "knn", err)) != WFAD_OK)
		goto cleanup;
	m->k_eff = m->k < m->ix.total ? m->k : m->ix.total;
	m->fitted = true;
	*out = det;
	det = NULL;
cleanup:
	if (det)
		wfad_detector_knn.destroy(det);
	return st;
}

static void knn_destroy(struct wfad_detector *det)
{
	if (!det)
		return;
	knn_reset((struct knn *)det);
	free(det);
}

const struct wfad_detector_ops wfad_detector_knn = {
	.name = "knn",
	.summary = "mean Euclidean distance to the k nearest training jobs (exact k-d tree search)",
	.flags = 0,
	.create = knn_create,
	.fit = knn_fit,
	.score = knn_score,
	.save = knn_save,
	.load = knn_load,
	.destroy = knn_destroy,
};
