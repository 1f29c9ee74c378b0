/* wfad evaluation: run splits, metrics computed in double precision from continuous scores
 * (ties handled as scikit-learn does), and seeded multi-seed experiments. */
#ifndef WFAD_EVAL_H
#define WFAD_EVAL_H

#include "wfad/detect.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The ranking metrics sort a copy of the scores (which must not be NaN) and return NaN when
 * that copy cannot be allocated, besides the cases named. */
/* ROC-AUC with tied scores counted half (Mann-Whitney); NaN when y has one class only. */
double wfad_metrics_roc_auc(const double *score, const uint8_t *y, size_t n);
/* Average precision as sklearn.metrics.average_precision_score: sum over distinct score
 * thresholds of (R_k - R_{k-1}) * P_k; NaN without positives. */
double wfad_metrics_average_precision(const double *score, const uint8_t *y, size_t n);
/* Precision among the k highest scores (ties broken by row order); NaN when k == 0. */
double wfad_metrics_precision_at_k(const double *score, const uint8_t *y, size_t n, size_t k);

/* The same ROC-AUC, WFAD_ENOMEM when the copy cannot be allocated (*auc is then untouched). */
enum wfad_status wfad_metrics_roc_auc_status(const double *score, const uint8_t *y, size_t n,
					     double *auc);
/* ROC-AUC, average precision and precision@k with k = the positives, as above (NaN where y
 * leaves one undefined) from one sorted copy; WFAD_ENOMEM when it cannot be allocated. */
struct wfad_ranking {
	double roc_auc, average_precision, precision_at_k;
};
enum wfad_status wfad_metrics_ranking(const double *score, const uint8_t *y, size_t n,
				      struct wfad_ranking *out);

struct wfad_prf {
	double precision, recall, f1;    /* precision is 0 when nothing is flagged */
	size_t flagged, hits, positives; /* scores flagged, of them positive; positives in y */
};
/* Scores >= threshold are flagged. */
struct wfad_prf wfad_metrics_prf(const double *score, const uint8_t *y, size_t n, double threshold);
/* The threshold (one of the scores) that maximises F1 on (score, y); *f1 gets that F1 (both
 * NaN when out of memory). */
double wfad_metrics_best_f1_threshold(const double *score, const uint8_t *y, size_t n, double *f1);
/* The automatic threshold over validation jobs (score, y): the F1-maximising one when y holds
 * both classes (*max_f1 = true), else just above the 99th percentile of the scores of the jobs
 * with normal[i] != 0 (normal NULL, or no such job: of every job). n == 0: INFINITY, nothing
 * flagged. WFAD_ENOMEM. */
enum wfad_status wfad_metrics_auto_threshold(const double *score, const uint8_t *y,
					     const uint8_t *normal, size_t n, double *threshold,
					     bool *max_f1);

/* Runs split into train / validation / test, stratified by run label. Caller-owned; free
 * with wfad_split_free (accepts a zeroed struct). Indices are into ds->runs, ascending. */
struct wfad_split {
	size_t *train, *valid, *test;
	size_t n_train, n_valid, n_test;
};
/* Per label, the runs are shuffled with the seed and cut at train_frac and
 * train_frac + valid_frac (rounded; every label with >= 3 runs gets >= 1 run in each part that
 * has a positive fraction). train_frac + valid_frac == 1 leaves the test part empty. */
enum wfad_status wfad_split_runs(const struct wfad_dataset *ds, uint64_t seed, double train_frac,
				 double valid_frac, struct wfad_split *out, struct wfad_error *err);
void wfad_split_free(struct wfad_split *s);

/* A jobset that owns its buffers: features from a fitted featurizer, labels from the trace. */
struct wfad_jobset_owned {
	struct wfad_jobset js;
	float *x;
	uint8_t *y, *family;
	size_t *runs;
	const char **columns;
};
enum wfad_status wfad_jobset_build(struct wfad_jobset_owned *out, const struct wfad_dataset *ds,
				   const size_t *runs, size_t n_runs,
				   const struct wfad_featurizer *fz, struct wfad_error *err);
void wfad_jobset_free(struct wfad_jobset_owned *o);

/* A joint jobset (struct wfad_jobset's parts) over job sets of several datasets with the same
 * feature columns: their rows copied one after the other (labels only when every part has
 * them); the parts' runs and column names stay borrowed. WFAD_EINVAL when the columns differ. */
struct wfad_jobset_joint {
	struct wfad_jobset js;
	struct wfad_jobset *parts;
	float *x;
	uint8_t *y, *family;
};
enum wfad_status wfad_jobset_join(struct wfad_jobset_joint *out, const struct wfad_jobset *parts,
				  size_t n_parts, struct wfad_error *err);
void wfad_jobset_joint_free(struct wfad_jobset_joint *j); /* accepts a zeroed struct */

#ifdef __cplusplus
}
#endif
#endif
