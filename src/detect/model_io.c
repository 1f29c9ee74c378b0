/* Model files. Layout (little-endian): "WFADMDL\0", u32 version, detector name, fit_on, rule,
 * threshold, workflow, dag hash, n_nodes, n_train_jobs, calibration, transformation
 * statistics, class centroids, the featurizer blob, the detector blob, "WFADEND\0". */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

#define MODEL_MAGIC "WFADMDL"
#define MODEL_END "WFADEND"
enum { MODEL_VERSION = 1, MAX_ITEMS = 1 << 24 };

enum wfad_status wfad_model_save(const struct wfad_model *m, const char *path,
				 struct wfad_error *err)
{
	WFAD_ASSERT(m->det);
	char *tmp;
	FILE *f = wfad_io_open_temp(path, &tmp, err);
	if (!f)
		return err->status;
	size_t d = wfad_features_n_cols(&m->fz);
	bool ok = fwrite(MODEL_MAGIC, 1, 8, f) == 8 && wfad_io_write_u32(f, MODEL_VERSION) &&
		  wfad_io_write_str(f, m->ops->name) && wfad_io_write_u32(f, (uint32_t)m->fit_on) &&
		  wfad_io_write_u32(f, (uint32_t)m->rule) && wfad_io_write_f64(f, m->threshold) &&
		  wfad_io_write_str(f, m->workflow) && wfad_io_write_u64(f, m->dag_hash) &&
		  wfad_io_write_u32(f, m->n_nodes) && wfad_io_write_u64(f, m->n_train_jobs) &&
		  wfad_io_write_u64(f, m->n_calib) && wfad_io_write_f64s(f, m->calib, m->n_calib) &&
		  wfad_io_write_u64(f, m->n_tstats) && wfad_io_write_u64(f, d);
	for (size_t i = 0; ok && i < m->n_tstats; i++) {
		const struct wfad_model_tstats *t = &m->tstats[i];
		ok = wfad_io_write_str(f, t->name) && wfad_io_write_u64(f, t->count) &&
		     wfad_io_write_f64s(f, t->median, WFAD_MODEL_STATS) &&
		     wfad_io_write_f64s(f, t->mad, WFAD_MODEL_STATS) &&
		     wfad_io_write_f32s(f, &m->tcol_median[i * d], d);
	}
	ok = ok && wfad_io_write_u32(f, m->class_centroid ? 1 : 0);
	if (ok && m->class_centroid)
		ok = wfad_io_write_f32s(f, m->class_centroid, WFAD_ANOMALY_COUNT * d);
	ok = ok && wfad_features_save(&m->fz, f) == WFAD_OK && m->ops->save(m->det, f) == WFAD_OK &&
	     fwrite(MODEL_END, 1, 8, f) == 8;
	return wfad_io_commit_temp(f, tmp, path, ok, err);
}

enum wfad_status wfad_model_load(struct wfad_model *m, const char *path, struct wfad_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return wfad_error_set(err, WFAD_EIO, path, 0, 0, "cannot open: %s",
				      strerror(errno));
	enum wfad_status st = wfad_model_read(m, f, path, err);
	fclose(f);
	return st;
}

enum wfad_status wfad_model_read(struct wfad_model *m, FILE *f, const char *path,
				 struct wfad_error *err)
{
	struct wfad_model t;
	wfad_model_init(&t);
	enum wfad_status st = WFAD_OK;
	char name[128], end[8];
	uint32_t fit_on, rule;
	uint64_t n_calib, n_tstats, d, n_train;
	if ((st = wfad_io_read_head(f, MODEL_MAGIC, MODEL_VERSION, path, "model", err)) != WFAD_OK)
		goto cleanup;
#define NEED(cond, what)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			st = wfad_error_set(err, WFAD_EPARSE, path, 0, 0,                          \
					    "truncated or corrupt model file (%s)", what);         \
			goto cleanup;                                                              \
		}                                                                                  \
	} while (0)
	NEED(wfad_io_read_str(f, name, sizeof(name)), "detector name");
	t.ops = wfad_detector_find(name);
	if (!t.ops) {
		st = wfad_error_set(err, WFAD_EFORMAT, path, 0, 0,
				    "model uses detector '%s', unknown to this wfad", name);
		goto cleanup;
	}
	NEED(wfad_io_read_u32(f, &fit_on) && fit_on <= WFAD_FIT_NORMAL, "fit-on");
	NEED(wfad_io_read_u32(f, &rule) && rule <= WFAD_THRESHOLD_NORMAL_Q99, "threshold rule");
	t.fit_on = (enum wfad_fit_on)fit_on;
	t.rule = (enum wfad_threshold_rule)rule;
	NEED(wfad_io_read_f64(f, &t.threshold) && !isnan(t.threshold), "threshold");
	NEED(wfad_io_read_str(f, t.workflow, sizeof(t.workflow)), "workflow");
	NEED(wfad_io_read_u64(f, &t.dag_hash) && wfad_io_read_u32(f, &t.n_nodes), "DAG");
	NEED(wfad_io_read_u64(f, &n_train), "training size");
	t.n_train_jobs = (size_t)n_train;
	NEED(wfad_io_read_u64(f, &n_calib) && n_calib <= MAX_ITEMS &&
		     wfad_io_has_bytes(f, n_calib * 8),
	     "calibration");
	t.calib = malloc((n_calib ? n_calib : 1) * sizeof(double));
	NEED(t.calib && wfad_io_read_f64s(f, t.calib, n_calib), "calibration");
	t.n_calib = (size_t)n_calib;
	NEED(wfad_io_read_u64(f, &n_tstats) && n_tstats <= MAX_ITEMS, "statistics");
	NEED(wfad_io_read_u64(f, &d) && d > 0 && d <= 100000, "feature count");
	/* each transformation's row: name length, count, medians, MADs, d column medians */
	NEED(wfad_io_has_bytes(f, n_tstats * (4 + 8 + 16 * WFAD_MODEL_STATS + 4 * d)),
	     "statistics");
	t.tstats = calloc(n_tstats ? n_tstats : 1, sizeof(*t.tstats));
	t.tcol_median = malloc((n_tstats * d > 0 ? n_tstats * d : 1) * sizeof(float));
	NEED(t.tstats && t.tcol_median, "statistics");
	for (size_t i = 0; i < n_tstats; i++) {
		struct wfad_model_tstats *ts = &t.tstats[i];
		char buf[WFAD_IO_MAX_STRING + 1];
		uint64_t count;
		NEED(wfad_io_read_str(f, buf, sizeof(buf)) && (ts->name = strdup(buf)),
		     "statistics");
		t.n_tstats = i + 1;
		NEED(wfad_io_read_u64(f, &count) &&
			     wfad_io_read_f64s(f, ts->median, WFAD_MODEL_STATS) &&
			     wfad_io_read_f64s(f, ts->mad, WFAD_MODEL_STATS) &&
			     wfad_io_read_f32s(f, &t.tcol_median[i * d], d),
		     "statistics");
		ts->count = (size_t)count;
	}
	uint32_t has_centroids;
	NEED(wfad_io_read_u32(f, &has_centroids) && has_centroids <= 1, "class centroids");
	if (has_centroids) {
		t.class_centroid = malloc(WFAD_ANOMALY_COUNT * d * sizeof(float));
		NEED(t.class_centroid &&
			     wfad_io_read_f32s(f, t.class_centroid, WFAD_ANOMALY_COUNT * d),
		     "class centroids");
	}
	st = wfad_features_load(&t.fz, f, err);
	if (st != WFAD_OK) {
		snprintf(err->file, sizeof(err->file), "%s", path);
		goto cleanup;
	}
	NEED(wfad_features_n_cols(&t.fz) == d, "feature count mismatch");
	st = t.ops->load(&t.params, f, &t.det, err);
	if (st != WFAD_OK) {
		if (err)
			snprintf(err->file, sizeof(err->file), "%s", path);
		goto cleanup;
	}
	NEED(fread(end, 1, 8, f) == 8 && memcmp(end, MODEL_END, 8) == 0, "end marker");
#undef NEED
	wfad_model_free(m);
	*m = t;
	wfad_model_init(&t);
cleanup:
	wfad_model_free(&t);
	return st;
}
