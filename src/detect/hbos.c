/* hbos detector: histogram-based outlier score, one equal-width histogram per feature. */
#include <math.h>
#include <stdlib.h>

#include "wfad/detect.h"

#define HBOS_MAGIC 0x534f4248u /* "HBOS" little-endian */
#define HBOS_VERSION 1u
#define HBOS_DEFAULT_BINS 10
#define HBOS_MAX_BINS (1 << 20)
#define HBOS_MAX_COLS (1 << 20)
/* Density regulariser and edge tolerance, pyod's HBOS defaults. */
#define HBOS_ALPHA 0.1
#define HBOS_TOL 0.5

/* As pyod.models.hbos.HBOS(n_bins=10, alpha=0.1, tol=0.5), except far outside the range.
 * Per feature j, `bins` equal-width bins span the training [min, max] (a constant feature gets
 * [v - 0.5, v + 0.5], as numpy.histogram does). Bin b has density h = count / (n * width) and
 * the row's term is -log2(h + alpha); the score sums the terms over the features. A value
 * within tol bin widths outside the range counts in the edge bin (as pyod). Farther out pyod
 * takes the least dense bin's term; here it takes an empty bin's term, -log2(alpha), the
 * largest a term can be, so values never seen in training are never less anomalous than
 * values seen rarely. */
struct hbos {
	struct wfad_detector base;
	size_t bins;
	bool fitted;
	size_t d;
	uint64_t n;      /* training rows */
	double *lo, *hi; /* d: histogram range */
	uint64_t *count; /* d x bins */
	double *term;    /* d x bins: -log2(density + alpha) */
};

WFAD_DETECTOR_REGISTER(hbos);

static enum wfad_status hbos_create(const struct wfad_detector_params *p,
				    struct wfad_detector **out)
{
	if (p && (p->bins < 0 || p->bins > HBOS_MAX_BINS))
		return WFAD_EINVAL;
	struct hbos *m = calloc(1, sizeof(*m));
	if (!m)
		return WFAD_ENOMEM;
	m->base.ops = &wfad_detector_hbos;
	m->bins = p && p->bins > 0 ? (size_t)p->bins : HBOS_DEFAULT_BINS;
	*out = &m->base;
	return WFAD_OK;
}

static void hbos_reset(struct hbos *m)
{
	free(m->lo);
	free(m->hi);
	free(m->count);
	free(m->term);
	m->lo = m->hi = m->term = NULL;
	m->count = NULL;
	m->fitted = false;
	m->d = 0;
	m->n = 0;
}

static enum wfad_status hbos_alloc(struct hbos *m, size_t d)
{
	m->d = d;
	m->lo = malloc(d * sizeof(double));
	m->hi = malloc(d * sizeof(double));
	m->count = calloc(d * m->bins, sizeof(uint64_t));
	m->term = malloc(d * m->bins * sizeof(double));
	return m->lo && m->hi && m->count && m->term ? WFAD_OK : WFAD_ENOMEM;
}

/* Bin of x in [lo, hi] split into `bins`; -1 beyond the tolerance outside it. The same
 * function places training and scored values, so a training value lands where it counted. */
static long bin_of(double x, double lo, double hi, size_t bins)
{
	double width = (hi - lo) / (double)bins;
	if (x < lo)
		return lo - x <= HBOS_TOL * width ? 0 : -1;
	if (x > hi)
		return x - hi <= HBOS_TOL * width ? (long)bins - 1 : -1;
	double b = floor((x - lo) / width);
	return b >= (double)bins ? (long)bins - 1 : (long)b;
}

static void hbos_terms(struct hbos *m)
{
	for (size_t j = 0; j < m->d; j++) {
		double width = (m->hi[j] - m->lo[j]) / (double)m->bins;
		for (size_t b = 0; b < m->bins; b++) {
			double density = (double)m->count[j * m->bins + b] / ((double)m->n * width);
			m->term[j * m->bins + b] = -log2(density + HBOS_ALPHA);
		}
	}
}

/* Shapes: x [n][d] -> lo, hi [d], count [d][bins]. */
static enum wfad_status hbos_fit(struct wfad_detector *det, const struct wfad_jobset *train,
				 const struct wfad_jobset *valid, struct wfad_error *err)
{
	struct hbos *m = (struct hbos *)det;
	hbos_reset(m);
	size_t n = train->n, d = train->d;
	if (n == 0 || d == 0)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "hbos: no training data (%zu rows x %zu columns)", n, d);
	if (d > HBOS_MAX_COLS)
		return wfad_error_set(err, WFAD_ELIMIT, "", 0, 0, "hbos: %zu columns, at most %d",
				      d, HBOS_MAX_COLS);
	if (hbos_alloc(m, d) != WFAD_OK) {
		hbos_reset(m);
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "hbos: out of memory");
	}
	const float *x = train->x;
	for (size_t j = 0; j < d; j++)
		m->lo[j] = m->hi[j] = x[j];
	for (size_t i = 1; i < n; i++) {
		for (size_t j = 0; j < d; j++) {
			double v = x[i * d + j];
			m->lo[j] = v < m->lo[j] ? v : m->lo[j];
			m->hi[j] = v > m->hi[j] ? v : m->hi[j];
		}
	}
	for (size_t j = 0; j < d; j++) {
		if (m->hi[j] == m->lo[j]) {
			m->lo[j] -= 0.5;
			m->hi[j] += 0.5;
		}
	}
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < d; j++) {
			long b = bin_of(x[i * d + j], m->lo[j], m->hi[j], m->bins);
			WFAD_ASSERT(b >= 0);
			m->count[j * m->bins + (size_t)b]++;
		}
	}
	m->n = n;
	hbos_terms(m);
	m->fitted = true;
	return WFAD_OK;
}

/* Shapes: x [n][d] -> out [n]. */
static enum wfad_status hbos_score(const struct wfad_detector *det, const struct wfad_jobset *js,
				   double *out, struct wfad_error *err)
{
	const struct hbos *m = (const struct hbos *)det;
	if (!m->fitted)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "hbos: not fitted");
	if (js->d != m->d)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "hbos: fitted on %zu feature columns, asked to score %zu",
				      m->d, js->d);
	const double floor_term = -log2(HBOS_ALPHA);
	size_t d = m->d;
	for (size_t i = 0; i < js->n; i++) {
		const float *row = js->x + i * d;
		double s = 0.0;
		for (size_t j = 0; j < d; j++) {
			long b = bin_of(row[j], m->lo[j], m->hi[j], m->bins);
			s += b < 0 ? floor_term : m->term[j * m->bins + (size_t)b];
		}
		out[i] = s;
	}
	return WFAD_OK;
}

static enum wfad_status hbos_save(const struct wfad_detector *det, FILE *f)
{
	const struct hbos *m = (const struct hbos *)det;
	WFAD_ASSERT(m->fitted);
	if (!wfad_io_write_u32(f, HBOS_MAGIC) || !wfad_io_write_u32(f, HBOS_VERSION) ||
	    !wfad_io_write_u64(f, m->bins) || !wfad_io_write_u64(f, m->d) ||
	    !wfad_io_write_u64(f, m->n) || !wfad_io_write_f64s(f, m->lo, m->d) ||
	    !wfad_io_write_f64s(f, m->hi, m->d))
		return WFAD_EIO;
	for (size_t i = 0; i < m->d * m->bins; i++)
		if (!wfad_io_write_u64(f, m->count[i]))
			return WFAD_EIO;
	return WFAD_OK;
}

static enum wfad_status hbos_load(const struct wfad_detector_params *p, FILE *f,
				  struct wfad_detector **out, struct wfad_error *err)
{
	enum wfad_status st = WFAD_OK;
	struct wfad_detector *det = NULL;
	uint32_t magic, version;
	uint64_t bins, d, n;
	if (!wfad_io_read_u32(f, &magic) || !wfad_io_read_u32(f, &version))
		goto truncated;
	if (magic != HBOS_MAGIC) {
		st = wfad_error_set(err, WFAD_EFORMAT, "", 0, 0, "not a hbos model (bad magic)");
		goto cleanup;
	}
	if (version != HBOS_VERSION) {
		st = wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
				    "hbos model version %u is not supported", version);
		goto cleanup;
	}
	if (!wfad_io_read_u64(f, &bins) || !wfad_io_read_u64(f, &d) || !wfad_io_read_u64(f, &n))
		goto truncated;
	if (bins == 0 || d == 0 || n == 0) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				    "hbos model with %llu bins, %llu columns, %llu rows",
				    (unsigned long long)bins, (unsigned long long)d,
				    (unsigned long long)n);
		goto cleanup;
	}
	if (bins > HBOS_MAX_BINS || d > HBOS_MAX_COLS || bins * d > ((uint64_t)1 << 28)) {
		st = wfad_error_set(err, WFAD_ELIMIT, "", 0, 0,
				    "hbos model too large: %llu bins x %llu columns",
				    (unsigned long long)bins, (unsigned long long)d);
		goto cleanup;
	}
	struct wfad_detector_params q = p ? *p : (struct wfad_detector_params){0};
	q.bins = (int)bins;
	if ((st = hbos_create(&q, &det)) != WFAD_OK) {
		st = wfad_error_set(err, st, "", 0, 0, "hbos: cannot create the detector");
		goto cleanup;
	}
	struct hbos *m = (struct hbos *)det;
	if (hbos_alloc(m, (size_t)d) != WFAD_OK) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "hbos: out of memory");
		goto cleanup;
	}
	m->n = n;
	if (!wfad_io_read_f64s(f, m->lo, m->d) || !wfad_io_read_f64s(f, m->hi, m->d))
		goto truncated;
	for (size_t i = 0; i < m->d * m->bins; i++)
		if (!wfad_io_read_u64(f, &m->count[i]))
			goto truncated;
	for (size_t j = 0; j < m->d; j++) {
		uint64_t sum = 0;
		for (size_t b = 0; b < m->bins; b++)
			sum += m->count[j * m->bins + b];
		if (!(isfinite(m->lo[j]) && isfinite(m->hi[j]) && m->lo[j] < m->hi[j]) ||
		    sum != n) {
			st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
					    "hbos model: inconsistent histogram of column %zu", j);
			goto cleanup;
		}
	}
	hbos_terms(m);
	m->fitted = true;
	*out = det;
	det = NULL;
	goto cleanup;
truncated:
	st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated hbos model");
cleanup:
	if (det)
		wfad_detector_hbos.destroy(det);
	return st;
}

static void hbos_destroy(struct wfad_detector *det)
{
	if (!det)
		return;
	hbos_reset((struct hbos *)det);
	free(det);
}

const struct wfad_detector_ops wfad_detector_hbos = {
	.name = "hbos",
	.summary = "histogram-based outlier score: equal-width bins per feature (10), summed "
		   "-log2 density",
	.flags = 0,
	.create = hbos_create,
	.fit = hbos_fit,
	.score = hbos_score,
	.save = hbos_save,
	.load = hbos_load,
	.destroy = hbos_destroy,
};
