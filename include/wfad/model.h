/* wfad models: a detector with its fitted featurizer, an automatic threshold, score
 * calibration, per-transformation statistics for explanations, and a versioned file format. */
#ifndef WFAD_MODEL_H
#define WFAD_MODEL_H

#include "wfad/eval.h"

#ifdef __cplusplus
extern "C" {
#endif

enum wfad_fit_on {
	WFAD_FIT_ALL,    /* every training run (labels unused by unsupervised detectors) */
	WFAD_FIT_NORMAL, /* only the training runs labelled normal */
};

struct wfad_model_options {
	const char *detector; /* registry name */
	enum wfad_feature_set features;
	enum wfad_norm norm;
	enum wfad_fit_on fit_on;
	struct wfad_detector_params params;
};

/* How the threshold was chosen. */
enum wfad_threshold_rule {
	WFAD_THRESHOLD_MAX_F1,     /* maximises F1 on the validation runs' jobs */
	WFAD_THRESHOLD_NORMAL_Q99, /* 99th percentile of normal validation (or training) jobs */
};

/* Per transformation: medians and MADs of the raw delays, for explanations. */
enum { WFAD_MODEL_STATS = 7 }; /* wms, queue, runtime, post_script, stage_in, stage_out, cpu */
struct wfad_model_tstats {
	char *name;
	double median[WFAD_MODEL_STATS];
	double mad[WFAD_MODEL_STATS];
	size_t count;
};

/* A trained model. Caller-owned: wfad_model_init, train or load, wfad_model_free. */
struct wfad_model {
	const struct wfad_detector_ops *ops;
	struct wfad_detector *det;
	struct wfad_featurizer fz;
	struct wfad_detector_params params;
	enum wfad_fit_on fit_on;
	enum wfad_threshold_rule rule;
	double threshold; /* scores >= threshold are flagged */
	double *calib;    /* sorted scores of normal validation jobs (<= 2000) */
	size_t n_calib;
	struct wfad_model_tstats *tstats; /* sorted by name */
	size_t n_tstats;
	float *tcol_median;    /* n_tstats x d: median feature row of each transformation */
	float *class_centroid; /* per anomaly family (enum wfad_anomaly) x d; NaN = unseen */
	char workflow[128];
	uint64_t dag_hash; /* hash of the DAG's node ids in order */
	uint32_t n_nodes;
	size_t n_train_jobs;
};

void wfad_model_init(struct wfad_model *m);
void wfad_model_free(struct wfad_model *m);

/* Fits the featurizer and the detector on the train runs of ds (filtered by fit_on), picks
 * the threshold on the valid runs, and gathers calibration and explanation statistics.
 * valid may be empty (n_valid = 0): the threshold then comes from the training jobs. */
enum wfad_status wfad_model_train(struct wfad_model *m, const struct wfad_model_options *opt,
				  const struct wfad_dataset *ds, const size_t *train,
				  size_t n_train, const size_t *valid, size_t n_valid,
				  struct wfad_error *err);

/* Scores every job of the given runs (rows as in struct wfad_jobset). If the dataset's DAG
 * differs from the training DAG the model still applies (its features are per job) but a
 * warning is logged; with no transformation in common it is an error. */
enum wfad_status wfad_model_score(const struct wfad_model *m, const struct wfad_dataset *ds,
				  const size_t *runs, size_t n_runs, double *scores,
				  struct wfad_error *err);

/* Confidence that a score is anomalous: the share of normal validation jobs scoring below it
 * (0.5 when the model has no calibration). */
double wfad_model_confidence(const struct wfad_model *m, double score);

/* One reason for a verdict. */
struct wfad_reason {
	char feature[64];    /* column or raw quantity, e.g. "runtime" */
	double value;        /* the job's raw value (NaN when not a raw quantity) */
	double typical;      /* the median of its transformation in the training data (or NaN) */
	double contribution; /* score drop when the feature is set to its typical value */
	double feature_value, feature_typical; /* in feature (scaled) units; NaN for raw reasons */
	char text[200]; /* "runtime 1022 s, 4.1x the median of individuals jobs (249 s)" */
};

/* Explains the score of DAG node `node` of run ds->runs[run]: up to max reasons, the
 * strongest first. Returns the number written. */
size_t wfad_model_explain(const struct wfad_model *m, const struct wfad_dataset *ds, size_t run,
			  size_t node, struct wfad_reason *out, size_t max);
/* The same for every job i of ds->runs[run] with which[i] != 0, sharing one feature transform:
 * its reasons go to out[i * max ..], their number to counts[i] (0 for the jobs not asked). */
void wfad_model_explain_run(const struct wfad_model *m, const struct wfad_dataset *ds, size_t run,
			    const uint8_t *which, struct wfad_reason *out, size_t max,
			    size_t *counts);

/* The likely anomaly family (enum wfad_anomaly) of every job of ds->runs[run], written to
 * out[0..n_nodes) (WFAD_ANOMALY_NONE when the model has no class information): the nearest
 * class centroid of the training anomalies in feature space. One feature transform per run. */
void wfad_model_guess_classes(const struct wfad_model *m, const struct wfad_dataset *ds, size_t run,
			      uint8_t *out);

/* Model files: magic "WFADMDL", format version, then the parts; a truncated, corrupt or
 * foreign file is WFAD_EFORMAT / WFAD_EPARSE with a message naming the file. */
enum wfad_status wfad_model_save(const struct wfad_model *m, const char *path,
				 struct wfad_error *err);
enum wfad_status wfad_model_load(struct wfad_model *m, const char *path, struct wfad_error *err);
/* The same from an open stream; path names it in errors. m is left as it was on failure. */
enum wfad_status wfad_model_read(struct wfad_model *m, FILE *f, const char *path,
				 struct wfad_error *err);

/* Hash of a DAG's node ids (order-sensitive). */
uint64_t wfad_dag_hash(const struct wfad_dag *dag);

#ifdef __cplusplus
}
#endif
#endif
