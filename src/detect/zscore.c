/* zscore detectors: the naive baseline. Robust z of the raw delays of a job against the median
 * and MAD of its transformation over the training jobs. `zscore` uses runtime alone (the peers'
 * RobustZ-runtime); `zscore_max` takes the largest z over the six Flow-Bench delays. */
#include <stdlib.h>
#include <string.h>

#include "wfad/detect.h"

#define ZSCORE_MAGIC 0x53435a57u /* "WZCS" little-endian */
#define ZSCORE_VERSION 1u
#define ZSCORE_MAX_TRANSFORMATIONS (1u << 24)
#define ZSCORE_MAX_NAME 4096u
/* Floor under the robust scale 1.4826 * MAD (seconds), so a transformation whose delays never
 * vary gives large but finite z; Flow-Bench records delays in whole seconds. */
#define ZSCORE_SCALE_FLOOR 1e-3

static const enum wfad_field delay_fields[] = {
	WFAD_F_RUNTIME,           WFAD_F_WMS_DELAY,      WFAD_F_QUEUE_DELAY,
	WFAD_F_POST_SCRIPT_DELAY, WFAD_F_STAGE_IN_DELAY, WFAD_F_STAGE_OUT_DELAY,
};
enum { N_DELAYS = sizeof(delay_fields) / sizeof(delay_fields[0]) };

struct zscore {
	struct wfad_detector base;
	uint32_t n_delays; /* the first n_delays of delay_fields: 1 (runtime) or N_DELAYS */
	bool fitted;
	size_t n_tr;
	char **names;  /* n_tr, sorted by strcmp */
	double *med;   /* n_tr x N_DELAYS, NaN when no training job had the delay */
	double *scale; /* n_tr x N_DELAYS: max(1.4826 * MAD, floor) */
};

WFAD_DETECTOR_REGISTER(zscore);
WFAD_DETECTOR_REGISTER(zscore_max);

static enum wfad_status create_with(const struct wfad_detector_ops *ops, uint32_t n_delays,
				    struct wfad_detector **out)
{
	struct zscore *m = calloc(1, sizeof(*m));
	if (!m)
		return WFAD_ENOMEM;
	m->base.ops = ops;
	m->n_delays = n_delays;
	*out = &m->base;
	return WFAD_OK;
}

static enum wfad_status zscore_create(const struct wfad_detector_params *p,
				      struct wfad_detector **out)
{
	return create_with(&wfad_detector_zscore, 1, out);
}

static enum wfad_status zscore_max_create(const struct wfad_detector_params *p,
					  struct wfad_detector **out)
{
	return create_with(&wfad_detector_zscore_max, N_DELAYS, out);
}

static void zscore_reset(struct zscore *m)
{
	for (size_t t = 0; m->names && t < m->n_tr; t++)
		free(m->names[t]);
	free(m->names);
	free(m->med);
	free(m->scale);
	m->names = NULL;
	m->med = m->scale = NULL;
	m->n_tr = 0;
	m->fitted = false;
}

/* Allocates the tables for n transformations (names NULL). */
static enum wfad_status zscore_alloc(struct zscore *m, size_t n)
{
	m->n_tr = n;
	m->names = calloc(n ? n : 1, sizeof(*m->names));
	m->med = malloc((n ? n : 1) * N_DELAYS * sizeof(*m->med));
	m->scale = malloc((n ? n : 1) * N_DELAYS * sizeof(*m->scale));
	return m->names && m->med && m->scale ? WFAD_OK : WFAD_ENOMEM;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Index of a transformation name, or -1. */
static long find_name(const struct zscore *m, const char *name)
{
	if (!m->n_tr)
		return -1;
	char *const *hit = bsearch(&name, m->names, m->n_tr, sizeof(*m->names), str_cmp);
	return hit ? (long)(hit - m->names) : -1;
}

static enum wfad_status zscore_fit(struct wfad_detector *det, const struct wfad_jobset *train,
				   const struct wfad_jobset *valid, struct wfad_error *err)
{
	struct zscore *m = (struct zscore *)det;
	zscore_reset(m);
	const struct wfad_dataset *ds = train->ds;
	size_t n_ids = ds->strings.count, n_nodes = ds->dag.n_nodes;
	enum wfad_status st = WFAD_OK;
	bool *seen = calloc(n_ids ? n_ids : 1, sizeof(*seen));
	double *vals = malloc((train->n ? train->n : 1) * sizeof(*vals));
	if (!seen || !vals)
		goto nomem;
	if (train->n_runs == 0 || n_nodes == 0) {
		st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "%s: no training jobs",
				    det->ops->name);
		goto cleanup;
	}
	size_t n_tr = 0;
	for (size_t r = 0; r < train->n_runs; r++)
		for (size_t i = 0; i < n_nodes; i++) {
			uint32_t id = ds->runs[train->runs[r]].jobs[i].transformation;
			if (id < n_ids && !seen[id]) {
				seen[id] = true;
				n_tr++;
			}
		}
	if (zscore_alloc(m, n_tr) != WFAD_OK)
		goto nomem;
	size_t t = 0;
	for (size_t id = 0; id < n_ids; id++)
		if (seen[id] && !(m->names[t++] = strdup(ds->strings.items[id])))
			goto nomem;
	qsort(m->names, n_tr, sizeof(*m->names), str_cmp);
	/* One pass per (transformation, delay): the training sets are small enough. */
	for (t = 0; t < n_tr; t++) {
		uint32_t id;
		bool found = wfad_strings_find(&ds->strings, m->names[t], strlen(m->names[t]), &id);
		WFAD_ASSERT(found);
		for (uint32_t k = 0; k < N_DELAYS; k++) {
			size_t n = 0;
			for (size_t r = 0; r < train->n_runs; r++) {
				const struct wfad_job *jobs = ds->runs[train->runs[r]].jobs;
				for (size_t i = 0; i < n_nodes; i++) {
					double v = jobs[i].f[delay_fields[k]];
					if (jobs[i].transformation == id && isfinite(v))
						vals[n++] = v;
				}
			}
			double med = NAN, scale = NAN;
			if (n) {
				med = wfad_median(vals, n);
				for (size_t i = 0; i < n; i++)
					vals[i] = fabs(vals[i] - med);
				scale = fmax(1.4826 * wfad_median(vals, n), ZSCORE_SCALE_FLOOR);
			}
			m->med[t * N_DELAYS + k] = med;
			m->scale[t * N_DELAYS + k] = scale;
		}
	}
	m->fitted = true;
	goto cleanup;
nomem:
	st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory", det->ops->name);
cleanup:
	if (st != WFAD_OK)
		zscore_reset(m);
	free(seen);
	free(vals);
	return st;
}

/* Shapes: raw trace of js -> out [n]. A job's score is its largest z over the delays it has
 * (0 when none, or when its transformation was not seen in training). */
static enum wfad_status zscore_score(const struct wfad_detector *det, const struct wfad_jobset *js,
				     double *out, struct wfad_error *err)
{
	const struct zscore *m = (const struct zscore *)det;
	if (!m->fitted)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "%s: not fitted", det->ops->name);
	const struct wfad_dataset *ds = js->ds;
	size_t n_ids = ds->strings.count, n_nodes = ds->dag.n_nodes;
	WFAD_ASSERT(js->n == js->n_runs * n_nodes);
	long *map = malloc((n_ids ? n_ids : 1) * sizeof(*map));
	if (!map)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory",
				      det->ops->name);
	for (size_t id = 0; id < n_ids; id++)
		map[id] = find_name(m, ds->strings.items[id]);
	for (size_t r = 0; r < js->n_runs; r++) {
		const struct wfad_job *jobs = ds->runs[js->runs[r]].jobs;
		for (size_t i = 0; i < n_nodes; i++) {
			const struct wfad_job *job = &jobs[i];
			long t = job->transformation < n_ids ? map[job->transformation] : -1;
			double best = -INFINITY;
			for (uint32_t k = 0; t >= 0 && k < m->n_delays; k++) {
				double v = job->f[delay_fields[k]];
				double med = m->med[(size_t)t * N_DELAYS + k];
				double z = (v - med) / m->scale[(size_t)t * N_DELAYS + k];
				if (isfinite(z))
					best = fmax(best, z);
			}
			out[r * n_nodes + i] = best == -INFINITY ? 0.0 : best;
		}
	}
	free(map);
	return WFAD_OK;
}

static enum wfad_status zscore_save(const struct wfad_detector *det, FILE *f)
{
	const struct zscore *m = (const struct zscore *)det;
	WFAD_ASSERT(m->fitted);
	if (!wfad_io_write_u32(f, ZSCORE_MAGIC) || !wfad_io_write_u32(f, ZSCORE_VERSION) ||
	    !wfad_io_write_u32(f, m->n_delays) || !wfad_io_write_u32(f, N_DELAYS) ||
	    !wfad_io_write_u64(f, m->n_tr))
		return WFAD_EIO;
	for (size_t t = 0; t < m->n_tr; t++) {
		size_t len = strlen(m->names[t]);
		if (!wfad_io_write_u32(f, (uint32_t)len) || fwrite(m->names[t], 1, len, f) != len ||
		    !wfad_io_write_f64s(f, m->med + t * N_DELAYS, N_DELAYS) ||
		    !wfad_io_write_f64s(f, m->scale + t * N_DELAYS, N_DELAYS))
			return WFAD_EIO;
	}
	return WFAD_OK;
}

/* Reads the body after magic and version into m (allocated by the caller's create). */
static enum wfad_status read_body(struct zscore *m, FILE *f, const char *name,
				  struct wfad_error *err)
{
	uint32_t n_delays, n_cols;
	uint64_t n_tr;
	if (!wfad_io_read_u32(f, &n_delays) || !wfad_io_read_u32(f, &n_cols) ||
	    !wfad_io_read_u64(f, &n_tr))
		goto truncated;
	if (n_delays != m->n_delays || n_cols != N_DELAYS)
		return wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
				      "%s model with %u of %u delays does not match this detector",
				      name, n_delays, n_cols);
	if (n_tr > ZSCORE_MAX_TRANSFORMATIONS)
		return wfad_error_set(err, WFAD_ELIMIT, "", 0, 0, "%s model: %llu transformations",
				      name, (unsigned long long)n_tr);
	/* Grow with the data read, so a corrupt count cannot ask for a huge allocation. */
	size_t cap = 0;
	for (size_t t = 0; t < n_tr; t++) {
		if (t == cap) {
			size_t c = cap ? 2 * cap : 64;
			char **names = realloc(m->names, c * sizeof(*names));
			if (names)
				m->names = names;
			double *med = realloc(m->med, c * N_DELAYS * sizeof(*med));
			if (med)
				m->med = med;
			double *scale = realloc(m->scale, c * N_DELAYS * sizeof(*scale));
			if (scale)
				m->scale = scale;
			if (!names || !med || !scale)
				return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0,
						      "%s: out of memory", name);
			cap = c;
		}
		uint32_t len;
		if (!wfad_io_read_u32(f, &len))
			goto truncated;
		if (len > ZSCORE_MAX_NAME)
			return wfad_error_set(err, WFAD_ELIMIT, "", 0, 0,
					      "%s model: transformation name too long", name);
		char *s = malloc((size_t)len + 1);
		if (!s)
			return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory",
					      name);
		m->names[t] = s;
		m->n_tr = t + 1;
		if (fread(s, 1, len, f) != len)
			goto truncated;
		s[len] = '\0';
		if (memchr(s, '\0', len) || (t > 0 && strcmp(m->names[t - 1], s) >= 0))
			return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
					      "%s model: bad or unsorted transformation names",
					      name);
		if (!wfad_io_read_f64s(f, m->med + t * N_DELAYS, N_DELAYS) ||
		    !wfad_io_read_f64s(f, m->scale + t * N_DELAYS, N_DELAYS))
			goto truncated;
		for (size_t k = 0; k < N_DELAYS; k++) {
			double med = m->med[t * N_DELAYS + k], sc = m->scale[t * N_DELAYS + k];
			if (isnan(med) ? !isnan(sc) : !(isfinite(med) && isfinite(sc) && sc > 0))
				return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
						      "%s model: bad statistics", name);
		}
	}
	return WFAD_OK;
truncated:
	return wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated %s model", name);
}

static enum wfad_status load_with(const struct wfad_detector_ops *ops,
				  const struct wfad_detector_params *p, FILE *f,
				  struct wfad_detector **out, struct wfad_error *err)
{
	enum wfad_status st = WFAD_OK;
	struct wfad_detector *det = NULL;
	uint32_t magic, version;
	if (!wfad_io_read_u32(f, &magic) || !wfad_io_read_u32(f, &version)) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated %s model", ops->name);
		goto cleanup;
	}
	if (magic != ZSCORE_MAGIC) {
		st = wfad_error_set(err, WFAD_EFORMAT, "", 0, 0, "not a %s model (bad magic)",
				    ops->name);
		goto cleanup;
	}
	if (version != ZSCORE_VERSION) {
		st = wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
				    "%s model version %u is not supported", ops->name, version);
		goto cleanup;
	}
	if ((st = ops->create(p, &det)) != WFAD_OK) {
		st = wfad_error_set(err, st, "", 0, 0, "%s: out of memory", ops->name);
		goto cleanup;
	}
	struct zscore *m = (struct zscore *)det;
	if ((st = read_body(m, f, ops->name, err)) != WFAD_OK)
		goto cleanup;
	m->fitted = true;
	*out = det;
	det = NULL;
cleanup:
	if (det)
		ops->destroy(det);
	return st;
}

static enum wfad_status zscore_load(const struct wfad_detector_params *p, FILE *f,
				    struct wfad_detector **out, struct wfad_error *err)
{
	return load_with(&wfad_detector_zscore, p, f, out, err);
}

static enum wfad_status zscore_max_load(const struct wfad_detector_params *p, FILE *f,
					struct wfad_detector **out, struct wfad_error *err)
{
	return load_with(&wfad_detector_zscore_max, p, f, out, err);
}

static void zscore_destroy(struct wfad_detector *det)
{
	struct zscore *m = (struct zscore *)det;
	if (!m)
		return;
	zscore_reset(m);
	free(m);
}

const struct wfad_detector_ops wfad_detector_zscore = {
	.name = "zscore",
	.summary = "robust z of the runtime vs its transformation (median/MAD of the training "
		   "jobs; unsupervised baseline)",
	.flags = WFAD_DETECTOR_RAW_TRACE,
	.create = zscore_create,
	.fit = zscore_fit,
	.score = zscore_score,
	.save = zscore_save,
	.load = zscore_load,
	.destroy = zscore_destroy,
};

const struct wfad_detector_ops wfad_detector_zscore_max = {
	.name = "zscore_max",
	.summary = "largest robust z over the six delays vs the job's transformation "
		   "(unsupervised baseline)",
	.flags = WFAD_DETECTOR_RAW_TRACE,
	.create = zscore_max_create,
	.fit = zscore_fit,
	.score = zscore_score,
	.save = zscore_save,
	.load = zscore_max_load,
	.destroy = zscore_destroy,
};
