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
 *   job's transformation; a missing indicator for each of those 20 values; job-type one-hot.
 * CONTEXT (98 columns): the RICH columns, then for each context delay (enum wfad_ctx_delay) the
 *   job's robust z against its transformation, its z relative to the transformation's median
 *   in the same run, and the mean, max and run-relative mean of z over the compute jobs on the
 *   job's host in the same run; the host's compute-job count and host evidence (the hostz
 *   score); missing indicators. Formulas in docs/features.md. */
enum wfad_feature_set {
	WFAD_FEATURES_DELAYS,
	WFAD_FEATURES_RICH,
	WFAD_FEATURES_CONTEXT,
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

/* Delays that the context columns compare with the job's transformation, in log space:
 * l = log(max(x, WFAD_FEATURES_LOG_FLOOR)). WAIT is log(runtime) - log(cpu time) (both floored),
 * the job's wall-clock time per CPU second. UTIME is kickstart's online (sampled) user CPU time:
 * a starved CPU shows there even when the runtime barely moves. STAGE_IN_RATE is the log of
 * the stage-in's effective throughput (bytes/s as Pegasus measured the transfer; missing when
 * not positive): a throttled disk or link reads there directly, whatever the input's size. */
enum wfad_ctx_delay {
	WFAD_CTX_RUNTIME,
	WFAD_CTX_CPU_TIME,
	WFAD_CTX_WAIT,
	WFAD_CTX_STAGE_IN,
	WFAD_CTX_STAGE_OUT,
	WFAD_CTX_QUEUE,
	WFAD_CTX_UTIME,
	WFAD_CTX_STAGE_IN_RATE,
	WFAD_CTX_COUNT
};

/* Floor (seconds) under a delay before its log: Flow-Bench records cpu time in 0.1 s steps. */
#define WFAD_FEATURES_LOG_FLOOR 0.1
/* Floor under the robust scale 1.4826 * MAD of a log delay: a transformation whose delays
 * barely vary is not treated as infinitely precise (0.1 is about a 10% change). */
#define WFAD_FEATURES_MAD_FLOOR 0.1
/* Context z values are clipped to [-CLIP, CLIP] so one wild job cannot dominate a host mean. */
#define WFAD_FEATURES_Z_CLIP 10.0

/* Raw context values of one job (wfad_features_context_values), WFAD_CTX_VALUES doubles per
 * job, NaN when missing. Each *_Z..._HOST_REL block has one entry per enum wfad_ctx_delay. */
enum {
	WFAD_CTX_Z = 0,                                  /* robust z vs the fitted transformation */
	WFAD_CTX_REL = WFAD_CTX_COUNT,                   /* z vs the transformation in this run */
	WFAD_CTX_HOST_MEAN = 2 * WFAD_CTX_COUNT,         /* mean z over the host's compute jobs */
	WFAD_CTX_HOST_MAX = 3 * WFAD_CTX_COUNT,          /* max z over them */
	WFAD_CTX_HOST_REL = 4 * WFAD_CTX_COUNT,          /* host mean minus the run's median host */
	WFAD_CTX_HOST_JOBS = 5 * WFAD_CTX_COUNT,         /* compute jobs on the host (0 = none) */
	WFAD_CTX_HOST_EVIDENCE = 5 * WFAD_CTX_COUNT + 1, /* the hostz score of the host */
	WFAD_CTX_VALUES = 5 * WFAD_CTX_COUNT + 2
};

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
	/* [n_transformations][WFAD_CTX_COUNT]: median and MAD of the log delays (NaN when no
	 * training job had the delay; all NaN after loading a version 1 blob). */
	double *tr_log_median;
	double *tr_log_mad;
};

void wfad_featurizer_init(struct wfad_featurizer *fz);
void wfad_featurizer_free(struct wfad_featurizer *fz);

/* "delays" / "rich" / "context" and back. parse returns WFAD_EINVAL for an unknown name (*out
 * untouched). */
const char *wfad_feature_set_name(enum wfad_feature_set set);
enum wfad_status wfad_feature_set_parse(const char *name, enum wfad_feature_set *out);
/* "none" / "minmax" / "standard" / "robust" and back; same contract. */
const char *wfad_norm_name(enum wfad_norm norm);
enum wfad_status wfad_norm_parse(const char *name, enum wfad_norm *out);

/* Number of columns of a set (7, 46 or 98), before any fit. */
size_t wfad_feature_set_n_cols(enum wfad_feature_set set);

/* Fits transformation statistics (every set fits all of them) and the normaliser on the jobs
 * of ds->runs[runs[0..n_runs)] (runs NULL: the first n_runs runs). Run indices must be valid
 * (asserted). Fails with WFAD_EINVAL when n_runs or the DAG is empty, WFAD_ENOMEM; on failure
 * *fz is untouched, on success its previous state is replaced. */
enum wfad_status wfad_features_fit(struct wfad_featurizer *fz, enum wfad_feature_set set,
				   enum wfad_norm norm, const struct wfad_dataset *ds,
				   const size_t *runs, size_t n_runs, struct wfad_error *err);

/* Writes the feature matrix of the given runs (runs NULL: the first n_runs) into out, which
 * holds [n_runs * ds->dag.n_nodes][wfad_features_n_cols(fz)] floats, row-major, rows in run
 * order then DAG node order. Missing or non-finite values come out as 0 with their indicator
 * set. fz must be fitted (asserted). Errors: WFAD_ENOMEM (scratch is allocated per call, none
 * per job), WFAD_EINVAL for a context featurizer without log statistics. */
enum wfad_status wfad_features_transform(const struct wfad_featurizer *fz,
					 const struct wfad_dataset *ds, const size_t *runs,
					 size_t n_runs, float *out, struct wfad_error *err);

size_t wfad_features_n_cols(const struct wfad_featurizer *fz);

/* Writes the raw (unnormalised) context values of every job of the given runs (runs NULL: the
 * first n_runs) into out: [n_runs * ds->dag.n_nodes][WFAD_CTX_VALUES] doubles, rows in run
 * order then DAG node order, NaN when missing, otherwise finite. Works with a featurizer of
 * any set (the statistics are always fitted) but fails with WFAD_EINVAL when it holds no log
 * statistics (loaded from a version 1 blob). fz must be fitted (asserted); else WFAD_ENOMEM. */
enum wfad_status wfad_features_context_values(const struct wfad_featurizer *fz,
					      const struct wfad_dataset *ds, const size_t *runs,
					      size_t n_runs, double *out, struct wfad_error *err);

/* Short name of a context delay: "runtime", "cpu_time", "wait", "stage_in", "stage_out",
 * "queue". */
const char *wfad_ctx_delay_name(enum wfad_ctx_delay k);

/* Name of column col < n_cols, e.g. "runtime", "log_stage_in_bytes", "missing_cpu_time",
 * "runtime_rel_transformation", "type_compute". Static string. Like wfad_features_n_cols it
 * depends only on fz->set, so it works before a fit too. */
const char *wfad_features_column_name(const struct wfad_featurizer *fz, size_t col);

/* Fitted medians of a transformation by name; false when it was not seen at fit time. */
bool wfad_features_transformation_median(const struct wfad_featurizer *fz, const char *name,
					 double *runtime, double *cpu_time);

/* Fitted log median and MAD of context delay k for a transformation by name (either pointer
 * may be NULL); false when the name was not seen at fit time. */
bool wfad_features_transformation_log_stats(const struct wfad_featurizer *fz, const char *name,
					    enum wfad_ctx_delay k, double *median, double *mad);

/* Serialises a fitted featurizer (asserted) as a little-endian blob with magic "WFADFEAT", a
 * version and an FNV-1a checksum (layout in docs/features.md). WFAD_EIO on a write error,
 * WFAD_ENOMEM. The _buffer variant returns a malloc'ed blob the caller frees. */
enum wfad_status wfad_features_save(const struct wfad_featurizer *fz, FILE *f);
enum wfad_status wfad_features_save_buffer(const struct wfad_featurizer *fz, unsigned char **buf,
					   size_t *len);

/* Reads a blob written by wfad_features_save (version 2) or by an older build (version 1:
 * no log statistics, which the context set and wfad_features_context_values need), consuming
 * exactly its bytes (so it can sit inside a larger file). Errors: WFAD_EFORMAT for a foreign
 * blob (bad magic) or an unknown version, WFAD_EPARSE for a truncated, corrupt or
 * inconsistent one, WFAD_ELIMIT for absurd sizes, WFAD_EIO, WFAD_ENOMEM. On failure *fz is
 * untouched. The _buffer variant reads buf[0..len) and writes the bytes consumed to *used
 * (may be NULL). */
enum wfad_status wfad_features_load(struct wfad_featurizer *fz, FILE *f, struct wfad_error *err);
enum wfad_status wfad_features_load_buffer(struct wfad_featurizer *fz, const void *buf, size_t len,
					   size_t *used, struct wfad_error *err);

#ifdef __cplusplus
}
#endif
#endif
