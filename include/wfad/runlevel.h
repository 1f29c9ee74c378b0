/* wfad run-level classification: predict a run's label (normal, cpu_2, hdd_10, ...) from the
 * run as a whole; classifiers behind one ops table, and the run-level protocol. */
#ifndef WFAD_RUNLEVEL_H
#define WFAD_RUNLEVEL_H

#include "wfad/experiment.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The runs a classifier fits on or predicts, with class indices when known. Borrowed.
 * A joint task spans several datasets (workflows trained together): ds and runs are NULL,
 * n_runs and y cover all of them and parts[0..n_parts) are one-dataset tasks, in that order,
 * sharing the classes. Classifiers that cannot span datasets say so with WFAD_EINVAL. */
struct wfad_run_task {
	const struct wfad_dataset *ds;
	const size_t *runs;
	size_t n_runs;
	const uint32_t *y; /* class per run (index into classes), NULL when unknown */
	const char *const *classes;
	size_t n_classes;
	const struct wfad_run_task *parts; /* joint tasks only */
	size_t n_parts;
};
/* The task of run i of a one-dataset task t alone, without labels (borrows t's). */
struct wfad_run_task wfad_run_task_one(const struct wfad_run_task *t, size_t i);
/* The one-dataset parts of a task (the task itself when it has none); *n gets their count. */
const struct wfad_run_task *wfad_run_task_parts(const struct wfad_run_task *t, size_t *n);

struct wfad_run_classifier {
	const struct wfad_run_classifier_ops *ops;
};
enum { WFAD_RUN_REASON_LEN = 128 };

struct wfad_run_classifier_ops {
	const char *name;
	const char *summary;
	enum wfad_status (*create)(const struct wfad_detector_params *p,
				   struct wfad_run_classifier **out);
	/* valid (may be NULL) is for early stopping only. */
	enum wfad_status (*fit)(struct wfad_run_classifier *c, const struct wfad_run_task *train,
				const struct wfad_run_task *valid, struct wfad_error *err);
	/* proba: n_runs x n_classes, rows sum to 1. */
	enum wfad_status (*predict)(const struct wfad_run_classifier *c,
				    const struct wfad_run_task *task, double *proba,
				    struct wfad_error *err);
	void (*destroy)(struct wfad_run_classifier *c);
	/* WFAD_RUN_CLASSIFIER_JOINT: fits and predicts joint tasks (parts) too. */
	unsigned flags;
	/* Optional (NULL: not saved). save writes a fitted classifier's state (little-endian);
	 * load reads one into a classifier fresh from create, consuming exactly its bytes
	 * (WFAD_EFORMAT for another classifier's state, WFAD_EPARSE for a truncated or
	 * inconsistent one; the caller destroys c on failure). */
	enum wfad_status (*save)(const struct wfad_run_classifier *c, FILE *f);
	enum wfad_status (*load)(struct wfad_run_classifier *c, FILE *f, struct wfad_error *err);
	/* Optional (NULL: no explanations). For run i of a one-dataset task, out[n_nodes] = each
	 * job's share in the verdict for class k against class 0 (normal): gradient x input of
	 * the log-odds, summed over the job's features (> 0: it pushes the run toward k);
	 * feature (may be NULL): per job the name of the feature that pushed most (a static
	 * string; NULL when none pushed toward k). */
	enum wfad_status (*explain)(const struct wfad_run_classifier *c,
				    const struct wfad_run_task *task, size_t i, size_t k,
				    double *out, const char **feature, struct wfad_error *err);
	/* Optional (NULL: none). For run i of a one-dataset task, the (at most max) features of
	 * the run as a whole that pushed it most toward class k against class 0, largest
	 * first: a readable name (name[j], WFAD_RUN_REASON_LEN bytes each) and the feature's
	 * contribution to the log-odds; *n gets how many (those with a positive push). */
	enum wfad_status (*explain_features)(const struct wfad_run_classifier *c,
					     const struct wfad_run_task *task, size_t i, size_t k,
					     size_t max, char (*name)[WFAD_RUN_REASON_LEN],
					     double *value, size_t *n, struct wfad_error *err);
};
enum { WFAD_RUN_CLASSIFIER_JOINT = 1u << 0 };

/* Registry, generated like the detectors': in an implementation file, at file scope,
 * WFAD_RUN_CLASSIFIER_REGISTER(name) declares `const struct wfad_run_classifier_ops
 * wfad_run_classifier_<name>` defined in that file. */
#define WFAD_RUN_CLASSIFIER_REGISTER(name)                                                         \
	extern const struct wfad_run_classifier_ops wfad_run_classifier_##name
const struct wfad_run_classifier_ops *wfad_run_classifier_find(const char *name);
size_t wfad_run_classifier_count(void);
const struct wfad_run_classifier_ops *wfad_run_classifier_at(size_t i);

/* Run-level results of one classifier: per seed values, the confusion matrix summed over the
 * seeds ([true][predicted], n_classes x n_classes). */
struct wfad_run_eval_result {
	char detector[32];
	unsigned seeds;
	double *accuracy, *macro_f1, *binary_accuracy, *binary_roc_auc, *fit_seconds;
	size_t n_classes;
	const char **classes; /* borrowed from the dataset */
	size_t *confusion;
};

/* Per seed: split runs 60/20/20 stratified by label, fit on train (valid for early stopping),
 * predict test. Binary = anomalous (any label but normal) vs normal; its ROC-AUC uses
 * 1 - P(normal). Free results with wfad_run_eval_result_free. */
enum wfad_status wfad_eval_runs(const struct wfad_dataset *ds, const struct wfad_eval_options *o,
				struct wfad_run_eval_result *results, struct wfad_error *err);
void wfad_run_eval_result_free(struct wfad_run_eval_result *r);

/* The same protocol over several workflows trained together (`--workflow all`): each
 * dataset's runs split by its own labels, one classifier fitted on all training runs (a joint
 * task), the metrics over all test runs; the classes are the union of the run labels. */
enum wfad_status wfad_eval_runs_joint(const struct wfad_dataset *const *ds, size_t n_ds,
				      const struct wfad_eval_options *o,
				      struct wfad_run_eval_result *results, struct wfad_error *err);

/* The run labels of ds in display order (normal first, then by family and magnitude);
 * returns the count; *out is malloc'ed (strings borrowed). */
size_t wfad_run_labels(const struct wfad_dataset *ds, const char ***out);

/* A run-level model file: a fitted run classifier, its classes (run labels) and the workflow
 * it was trained on. Caller-owned: zero it, train or load, then wfad_run_model_free. */
struct wfad_run_model {
	const struct wfad_run_classifier_ops *ops;
	struct wfad_run_classifier *c;
	char **classes; /* owned */
	size_t n_classes;
	char workflow[128];
	uint64_t dag_hash; /* wfad_dag_hash of the training DAG */
	uint32_t n_nodes;
	size_t n_train_runs;
	char **fit_runs; /* owned: ids of the runs it was fitted on (training and validation) */
	size_t n_fit_runs;
};
/* Fits classifier `name` (it must have save) on ds->runs[train[..]] (valid: early stopping;
 * may be empty); the classes are all run labels of ds. WFAD_EINVAL for an unknown or unsaved
 * classifier or a run without a label. */
enum wfad_status wfad_run_model_train(struct wfad_run_model *m, const char *name,
				      const struct wfad_detector_params *p,
				      const struct wfad_dataset *ds, const size_t *train,
				      size_t n_train, const size_t *valid, size_t n_valid,
				      struct wfad_error *err);
/* proba: n_runs x m->n_classes, rows sum to 1. Runs of another workflow: WFAD_EINVAL naming
 * both. */
enum wfad_status wfad_run_model_predict(const struct wfad_run_model *m,
					const struct wfad_dataset *ds, const size_t *runs,
					size_t n_runs, double *proba, struct wfad_error *err);
/* out[n_nodes] and feature[n_nodes] (may be NULL): the classifier's explain for
 * ds->runs[run] and class k; WFAD_EINVAL when it has none. */
enum wfad_status wfad_run_model_explain(const struct wfad_run_model *m,
					const struct wfad_dataset *ds, size_t run, size_t k,
					double *out, const char **feature, struct wfad_error *err);
/* The classifier's explain_features for ds->runs[run] and class k; WFAD_EINVAL when it has
 * none. */
enum wfad_status wfad_run_model_explain_features(const struct wfad_run_model *m,
						 const struct wfad_dataset *ds, size_t run,
						 size_t k, size_t max,
						 char (*name)[WFAD_RUN_REASON_LEN], double *value,
						 size_t *n, struct wfad_error *err);
/* Whether the model was fitted on (trained or early-stopped with) the run of that id. */
bool wfad_run_model_fitted_on(const struct wfad_run_model *m, const char *run_id);
/* File: "WFADRUN\0", u32 version (2), classifier name, workflow, u64 DAG hash, u32 nodes, u64
 * training runs, u32 classes and their names, u32 fitted-on runs and their ids, the
 * classifier's state, "WFADEND\0". save
 * writes a temporary file and renames it over path. load: WFAD_EFORMAT / WFAD_EPARSE with
 * a message naming the file. */
enum wfad_status wfad_run_model_save(const struct wfad_run_model *m, const char *path,
				     struct wfad_error *err);
enum wfad_status wfad_run_model_load(struct wfad_run_model *m, const char *path,
				     struct wfad_error *err);
/* The same from an open stream; path names it in messages. */
enum wfad_status wfad_run_model_read(struct wfad_run_model *m, FILE *f, const char *path,
				     struct wfad_error *err);
void wfad_run_model_free(struct wfad_run_model *m); /* accepts a zeroed struct */
/* Whether the file at path starts like a run-level model file. */
bool wfad_run_model_is_file(const char *path);
size_t wfad_run_labels_joint(const struct wfad_dataset *const *ds, size_t n_ds, const char ***out);

/* The verdict of one run's class probabilities proba[n_classes]: the most likely class, the
 * lowest index on ties. */
size_t wfad_run_verdict(const double *proba, size_t n_classes);

#ifdef __cplusplus
}
#endif
#endif
