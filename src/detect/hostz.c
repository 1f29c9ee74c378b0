/* hostz detector: compares each job with its transformation (robust z of log runtime and log
 * wall time per CPU second) and pools that evidence over the compute jobs of the job's worker
 * host in the same run. Derivation in docs/detectors.md. */
#include <stdlib.h>
#include <string.h>

#include "wfad/detect.h"

#define HOSTZ_MAGIC 0x5a54534fu /* "OSTZ" little-endian */
#define HOSTZ_VERSION 1u
/* Runs whose context values are computed at once while scoring (bounds the scratch memory). */
#define HOSTZ_CHUNK_VALUES ((size_t)1 << 20)

/* The host evidence is h - 0.5 * median with h the mean of z(runtime) + z(wait), each clipped
 * to [-C, C], so it lies in [-3C, 3C]; jobs on no worker host score just below that. */
static const double hostz_floor = -3.0 * WFAD_FEATURES_Z_CLIP - 1.0;

struct hostz {
	struct wfad_detector base;
	bool fitted;
	struct wfad_featurizer fz; /* only its per-transformation statistics are used */
};

WFAD_DETECTOR_REGISTER(hostz);

static enum wfad_status hostz_create(const struct wfad_detector_params *p,
				     struct wfad_detector **out)
{
	struct hostz *m = calloc(1, sizeof(*m));
	if (!m)
		return WFAD_ENOMEM;
	m->base.ops = &wfad_detector_hostz;
	wfad_featurizer_init(&m->fz);
	*out = &m->base;
	return WFAD_OK;
}

static enum wfad_status hostz_fit(struct wfad_detector *det, const struct wfad_jobset *train,
				  const struct wfad_jobset *valid, struct wfad_error *err)
{
	struct hostz *m = (struct hostz *)det;
	/* The statistics are fitted with every feature set; delays without a normaliser is the
	 * cheapest. Labels are not used. */
	struct wfad_featurizer fz;
	wfad_featurizer_init(&fz);
	enum wfad_status st = wfad_features_fit(&fz, WFAD_FEATURES_DELAYS, WFAD_NORM_NONE,
						train->ds, train->runs, train->n_runs, err);
	if (st != WFAD_OK) {
		wfad_featurizer_free(&fz);
		return st;
	}
	wfad_featurizer_free(&m->fz);
	m->fz = fz;
	m->fitted = true;
	return WFAD_OK;
}

/* Shapes: raw trace of js (n = n_runs x n_nodes jobs) -> out [n]. */
static enum wfad_status hostz_score(const struct wfad_detector *det, const struct wfad_jobset *js,
				    double *out, struct wfad_error *err)
{
	const struct hostz *m = (const struct hostz *)det;
	if (!m->fitted)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "hostz: not fitted");
	size_t n_nodes = js->ds->dag.n_nodes;
	WFAD_ASSERT(js->n == js->n_runs * n_nodes);
	if (js->n == 0)
		return WFAD_OK;
	size_t per_run = n_nodes * WFAD_CTX_VALUES;
	size_t chunk = HOSTZ_CHUNK_VALUES / per_run;
	chunk = chunk ? chunk : 1;
	chunk = chunk < js->n_runs ? chunk : js->n_runs;
	double *ctx = malloc(chunk * per_run * sizeof(*ctx));
	if (!ctx)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "hostz: out of memory");
	enum wfad_status st = WFAD_OK;
	for (size_t r0 = 0; r0 < js->n_runs; r0 += chunk) {
		size_t nr = js->n_runs - r0 < chunk ? js->n_runs - r0 : chunk;
		st = wfad_features_context_values(&m->fz, js->ds, js->runs + r0, nr, ctx, err);
		if (st != WFAD_OK)
			break;
		for (size_t i = 0; i < nr * n_nodes; i++) {
			double e = ctx[i * WFAD_CTX_VALUES + WFAD_CTX_HOST_EVIDENCE];
			out[r0 * n_nodes + i] = isnan(e) ? hostz_floor : e;
		}
	}
	free(ctx);
	return st;
}

static enum wfad_status hostz_save(const struct wfad_detector *det, FILE *f)
{
	const struct hostz *m = (const struct hostz *)det;
	WFAD_ASSERT(m->fitted);
	if (!wfad_io_write_u32(f, HOSTZ_MAGIC) || !wfad_io_write_u32(f, HOSTZ_VERSION))
		return WFAD_EIO;
	return wfad_features_save(&m->fz, f);
}

static enum wfad_status hostz_load(const struct wfad_detector_params *p, FILE *f,
				   struct wfad_detector **out, struct wfad_error *err)
{
	enum wfad_status st = WFAD_OK;
	struct wfad_detector *det = NULL;
	uint32_t magic, version;
	if (!wfad_io_read_u32(f, &magic) || !wfad_io_read_u32(f, &version)) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated hostz model");
		goto cleanup;
	}
	if (magic != HOSTZ_MAGIC) {
		st = wfad_error_set(err, WFAD_EFORMAT, "", 0, 0, "not a hostz model (bad magic)");
		goto cleanup;
	}
	if (version != HOSTZ_VERSION) {
		st = wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
				    "hostz model version %u is not supported", version);
		goto cleanup;
	}
	if ((st = hostz_create(p, &det)) != WFAD_OK) {
		st = wfad_error_set(err, st, "", 0, 0, "hostz: out of memory");
		goto cleanup;
	}
	struct hostz *m = (struct hostz *)det;
	if ((st = wfad_features_load(&m->fz, f, err)) != WFAD_OK)
		goto cleanup;
	if (!m->fz.tr_log_median) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				    "hostz model without log statistics");
		goto cleanup;
	}
	m->fitted = true;
	*out = det;
	det = NULL;
cleanup:
	if (det)
		wfad_detector_hostz.destroy(det);
	return st;
}

static void hostz_destroy(struct wfad_detector *det)
{
	struct hostz *m = (struct hostz *)det;
	if (!m)
		return;
	wfad_featurizer_free(&m->fz);
	free(m);
}

const struct wfad_detector_ops wfad_detector_hostz = {
	.name = "hostz",
	.summary = "robust z of runtime and wall time per CPU second vs the transformation, "
		   "pooled over the compute jobs of each worker host (unsupervised)",
	.flags = WFAD_DETECTOR_RAW_TRACE | WFAD_DETECTOR_HOST_POOLED,
	.create = hostz_create,
	.fit = hostz_fit,
	.score = hostz_score,
	.save = hostz_save,
	.load = hostz_load,
	.destroy = hostz_destroy,
};
