/* wfad experiments: the evaluation protocol (split by run, several seeds) over detectors. */
#ifndef WFAD_EXPERIMENT_H
#define WFAD_EXPERIMENT_H

#include "wfad/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Per-run and per-job rows of an evaluation, for callers that keep what it decided: every run
 * of each seed's split once with detector NULL (job and run level), then at run level each
 * test run once more per classifier with its verdict. Strings are borrowed for the call. */
enum wfad_split_part { WFAD_PART_TRAIN, WFAD_PART_VALID, WFAD_PART_TEST };
struct wfad_run_row {
	unsigned seed;
	const struct wfad_dataset *ds;
	size_t run; /* index into ds->runs */
	enum wfad_split_part part;
	const char *detector;  /* NULL: the split row */
	const char *predicted; /* with detector: its verdict (a run label) */
	double probability;    /* with detector: the verdict's probability */
};
/* Job level: each job of each test run once per detector, with its score and whether it is
 * at or over the model's threshold. */
struct wfad_job_row {
	unsigned seed;
	const struct wfad_dataset *ds;
	size_t run, node; /* ds->runs[run].jobs[node] */
	const char *detector;
	double score;
	bool flagged;
};

struct wfad_eval_options {
	const char *const *detectors;
	size_t n_detectors;
	enum wfad_feature_set features;
	enum wfad_norm norm;
	enum wfad_fit_on fit_on;
	unsigned seeds;                     /* seeds 0 .. seeds-1 (default 5) */
	double train_frac;                  /* 0.6 */
	double valid_frac;                  /* 0.2 */
	struct wfad_detector_params params; /* params.seed is set per seed */
	/* Called before each fit with a short label ("iforest seed 2"), done and total fits. */
	void (*progress)(void *user, const char *what, size_t done, size_t total);
	void *progress_user;
	/* Optional: each seed's split, then (run level) each classifier's test verdicts. */
	void (*run_row)(void *user, const struct wfad_run_row *row);
	/* Optional, job level: each test job's score per detector. */
	void (*job_row)(void *user, const struct wfad_job_row *row);
	void *row_user; /* of both */
};

/* Job-level results of one detector: one value per seed (NaN where undefined). */
struct wfad_eval_result {
	char detector[32];
	unsigned seeds;
	double *roc_auc, *average_precision, *precision_at_k;
	double *precision, *recall, *f1; /* at the model's automatic threshold */
	double *fit_seconds, *score_seconds;
	double *threshold;
	double *accuracy; /* share of test jobs right at the threshold */
	/* Joint evaluations: ROC-AUC per workflow, part_roc_auc[part * seeds + seed]. */
	size_t n_parts;
	const char **part_names; /* borrowed from the datasets */
	double *part_roc_auc;
};

struct wfad_stat {
	double mean, std; /* sample std (n - 1); NaN when no finite value */
	size_t n;         /* finite values */
};
struct wfad_stat wfad_stat_of(const double *v, size_t n);

/* Runs the job-level protocol on ds: per seed, split runs 60/20/20 stratified by label, train
 * each detector on the training runs (thresholds on validation), score the test runs' jobs
 * and compute the metrics. results has n_detectors entries; free with
 * wfad_eval_result_free. A detector that fails stops the run with its error. */
enum wfad_status wfad_eval_jobs(const struct wfad_dataset *ds, const struct wfad_eval_options *o,
				struct wfad_eval_result *results, struct wfad_error *err);
void wfad_eval_result_free(struct wfad_eval_result *r);

/* The job-level protocol over several workflows trained together (`--workflow all`): per
 * seed each dataset's runs are split by its own labels and featurised by a featurizer fitted
 * on its own training runs (features are per job and workflow-agnostic); one detector fits
 * the joint training jobs (struct wfad_jobset's parts), its threshold is the best F1 on the
 * joint validation jobs, and the metrics cover all test jobs, with ROC-AUC per workflow too.
 * Detectors that read raw traces take one workflow only (WFAD_EINVAL). */
enum wfad_status wfad_eval_jobs_joint(const struct wfad_dataset *const *ds, size_t n_ds,
				      const struct wfad_eval_options *o,
				      struct wfad_eval_result *results, struct wfad_error *err);

/* For evaluators: allocates r's per-seed arrays (NaN-filled); false when out of memory. */
bool wfad_eval_result_alloc(struct wfad_eval_result *r, const char *name, unsigned seeds);
/* For evaluators: o->run_row's split rows of seed's split sp of ds (nothing without one). */
void wfad_eval_split_rows(const struct wfad_eval_options *o, unsigned seed,
			  const struct wfad_dataset *ds, const struct wfad_split *sp);
/* For evaluators: o->job_row's rows of detector's scores of the test runs of sp (the rows of
 * their jobs in run and node order, as a jobset of them has them). */
void wfad_eval_job_rows(const struct wfad_eval_options *o, unsigned seed,
			const struct wfad_dataset *ds, const struct wfad_split *sp,
			const char *detector, const double *scores, double threshold);
/* Records seed's metrics of scores against y (n test jobs) with the model's threshold;
 * WFAD_ENOMEM when a ranking metric that y defines could not be computed. */
enum wfad_status wfad_eval_record(struct wfad_eval_result *r, unsigned seed, const double *scores,
				  const uint8_t *y, size_t n, double threshold);

#ifdef __cplusplus
}
#endif
#endif
