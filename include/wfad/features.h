/* wfad features: per-job feature matrices for detectors, fitted normalisers, and their
 * binary save/load. Formulas and the blob layout are in docs/features.md. */
#ifndef WFAD_FEATURES_H
#define WFAD_FEATURES_H

#include <stdio.h>

#include "wfad/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which columns a featurizer produces.
 * DELAYS (7 columns): wms_delay, queue_delay, runtime, post_script_delay, stage_in_delay,
 *   stage_out_delay, depth.
 * RICH (46 columns): the DELAYS columns; signed log1p of stage_in/out bytes, cpu time and the
 *   nine kickstart online counters; runtime and cpu time relative to the fitted median of the
 *   job's transformation; a missing indicator for each of those 20 values; job-type one-hot. */
enum wfad_feature_set {
	WFAD_FEATURES_DELAYS,
	WFAD_FEATURES_RICH,
	WFAD_FEATURES_SET_COUNT
};

/* Per-column normaliser fitted on the training rows: out = (x - center) / scale.
 * MINMAX: center = min, scale = max - min (test values may leave [0, 1]). STANDARD: mean and
 * population standard deviation. ROBUST: median and interquartile range (linear
 * interpolation). A constant or never-observed column gets scale 1. Indicator and one-hot
 * columns are never scaled (they stay exactly 0 or 1). */
enum wfad_norm {
	WFAD_NORM_NONE,
	WFAD_NORM_MINMAX,
	WFAD_NORM_STANDARD,
	WFAD_NORM_ROBUST,
	WFAD_NORM_COUNT
};

/* Ratios to a transformation median use max(median, WFAD_FEATURES_MEDIAN_FLOOR) as the divisor,
 * so zero medians (sub-second jobs; cpu time is recorded in 0.1 s steps) give finite ratios. */
#define WFAD_FEATURES_MEDIAN_FLOOR 0.1

/* Fitted feature extraction state. Ownership: caller-owned struct; wfad_featurizer_init (or
 * zero it), then wfad_features_fit or wfad_features_load, wfad_featurizer_free (accepts a
 * zeroed struct). Fields are read-only for callers. */
struct wfad_featurizer {
	enum wfad_feature_set set;
	enum wfad_norm norm;
	bool fitted;
	size_t n_cols;
	double *center; /* n_cols */
	double *scale;  /* n_cols, finite and non-zero */
	/* Medians per transformation NAME (so they transfer across datasets), sorted by strcmp. */
	size_t n_transformations;
	const char **tr_names; /* point into tr_text */
	char *tr_text;         /* the names, NUL-separated */
	double *tr_runtime;    /* median runtime; NaN when no training job had one */
	double *tr_cpu_time;   /* median cpu time; NaN likewise */
};

void wfad_featurizer_init(struct wfad_featurizer *fz);
void wfad_featurizer_free(struct wfad_featurizer *fz);

/* "delays" / "rich" and back. parse returns WFAD_EINVAL for an unknown name (*out untouched). */
const char *wfad_feature_set_name(enum wfad_feature_set set);
enum wfad_status wfad_feature_set_parse(const char *name, enum wfad_feature_set *out);
/* "none" / "minmax" / "standard" / "robust" and back; same contract. */
const char *wfad_norm_name(enum wfad_norm norm);
enum wfad_status wfad_norm_parse(const char *name, enum wfad_norm *out);

/* Number of columns of a set (7 or 46), before any fit. */
size_t wfad_feature_set_n_cols(enum wfad_feature_set set);

/* Fits transformation medians and the normaliser on the jobs of ds->runs[runs[0..n_runs)]
 * (runs NULL: the first n_runs runs). Run indices must be valid (asserted). Fails with
 * WFAD_EINVAL when n_runs or the DAG is empty, WFAD_ENOMEM; on failure *fz is untouched,
 * on success its previous state is replaced. */
enum wfad_status wfad_features_fit(struct wfad_featurizer *fz, enum wfad_feature_set set,
				   enum wfad_norm norm, const struct wfad_dataset *ds,
				   const size_t *runs, size_t n_runs, struct wfad_error *err);

/* Writes the feature matrix of the given runs (runs NULL: the first n_runs) into out, which
 * holds [n_runs * ds->dag.n_nodes][wfad_features_n_cols(fz)] floats, row-major, rows in run
 * order then DAG node order. Missing or non-finite values come out as 0 with their indicator
 * set. fz must be fitted (asserted); the only error is WFAD_ENOMEM (one allocation per call,
 * none per job). */
enum wfad_status wfad_features_transform(const struct wfad_featurizer *fz,
					 const struct wfad_dataset *ds, const size_t *runs,
					 size_t n_runs, float *out, struct wfad_error *err);

size_t wfad_features_n_cols(const struct wfad_featurizer *fz);

/* Name of column col < n_cols, e.g. "runtime", "log_stage_in_bytes", "missing_cpu_time",
 * "runtime_rel_transformation", "type_compute". Static string. Like wfad_features_n_cols it
 * depends only on fz->set, so it works before a fit too. */
const char *wfad_features_column_name(const struct wfad_featurizer *fz, size_t col);

/* Fitted medians of a transformation by name; false when it was not seen at fit time. */
bool wfad_features_transformation_median(const struct wfad_featurizer *fz, const char *name,
					 double *runtime, double *cpu_time);

/* Serialises a fitted featurizer (asserted) as a little-endian blob with magic "WFADFEAT", a
 * version and an FNV-1a checksum (layout in docs/features.md). WFAD_EIO on a write error,
 * WFAD_ENOMEM. The _buffer variant returns a malloc'ed blob the caller frees. */
enum wfad_status wfad_features_save(const struct wfad_featurizer *fz, FILE *f);
enum wfad_status wfad_features_save_buffer(const struct wfad_featurizer *fz, unsigned char **buf,
					   size_t *len);

/* Reads a blob written by wfad_features_save, consuming exactly its bytes (so it can sit
 * inside a larger file). Errors: WFAD_EFORMAT for a foreign blob (bad magic) or an unknown
 * version, WFAD_EPARSE for a truncated, corrupt or inconsistent one, WFAD_ELIMIT for absurd
 * sizes, WFAD_EIO, WFAD_ENOMEM. On failure *fz is untouched. The _buffer variant reads
 * buf[0..len) and writes the bytes consumed to *used (may be NULL). */
enum wfad_status wfad_features_load(struct wfad_featurizer *fz, FILE *f, struct wfad_error *err);
enum wfad_status wfad_features_load_buffer(struct wfad_featurizer *fz, const void *buf, size_t len,
					   size_t *used, struct wfad_error *err);

#ifdef __cplusplus
}
#endif
#endif
