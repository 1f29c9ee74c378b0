/* wfad per-run aggregate features, the input of run-level classifiers such as gbdt. */
#ifndef WFAD_RUN_FEATURES_H
#define WFAD_RUN_FEATURES_H

#include "wfad/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { WFAD_RUN_STATS = 6 }; /* runtime, stage_in, stage_out, queue, cpu time, wms delay */
/* The last columns of a row (host pooling, makespan) mean the same in every workflow. */
enum { WFAD_RUN_SHARED_COLS = 9 };

/* Fitted statistics: the medians of each delay per transformation over the training runs.
 * Caller-owned; zero it, fit, free (accepts a zeroed struct). */
struct wfad_run_featurizer {
	size_t n_tr;
	char **tr_names;
	double *median; /* n_tr x WFAD_RUN_STATS */
	double makespan_median;
};

enum wfad_status wfad_run_features_fit(struct wfad_run_featurizer *rf,
				       const struct wfad_dataset *ds, const size_t *runs,
				       size_t n_runs);
size_t wfad_run_featurizer_n_cols(const struct wfad_run_featurizer *rf);
/* out: n_runs x n_cols; NaN marks a missing aggregate (XGBoost treats it as missing). Columns:
 * per transformation and delay the mean and max of log((v + 1) / (median + 1)); per host
 * pooled runtime and stage-in ratios (max, second max, mean, share above 1.5x); makespan. */
enum wfad_status wfad_run_features_transform(const struct wfad_run_featurizer *rf,
					     const struct wfad_dataset *ds, const size_t *runs,
					     size_t n_runs, float *out);
void wfad_run_featurizer_free(struct wfad_run_featurizer *rf);
/* A readable name of column col of a row ("mean runtime ratio of individuals jobs", "the
 * slowest host's runtime ratio", "makespan ratio") into buf (always NUL-terminated). */
void wfad_run_features_column_name(const struct wfad_run_featurizer *rf, size_t col, char *buf,
				   size_t size);

/* Blob: u32 magic "WRFT", u32 version 1, u32 transformations, per transformation its name
 * and WFAD_RUN_STATS f64 medians, then the f64 makespan median. load consumes exactly its
 * bytes; WFAD_EFORMAT (magic, version), WFAD_EPARSE (truncated or inconsistent), WFAD_ENOMEM;
 * on failure *rf is untouched. */
enum wfad_status wfad_run_features_save(const struct wfad_run_featurizer *rf, FILE *f);
enum wfad_status wfad_run_features_load(struct wfad_run_featurizer *rf, FILE *f,
					struct wfad_error *err);

/* Columns of a row that mean the same in every workflow: the WFAD_RUN_SHARED_COLS host and
 * makespan columns, then per delay the largest and the mean of the per-transformation mean log
 * ratios and the largest job log ratio (NaN where no job has the delay). */
enum { WFAD_RUN_SUMMARY_COLS = WFAD_RUN_SHARED_COLS + 3 * WFAD_RUN_STATS };
void wfad_run_features_summary(const struct wfad_run_featurizer *rf, const float *row, float *out);

#ifdef __cplusplus
}
#endif
#endif
