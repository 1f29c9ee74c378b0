/* wfad active learning: an oracle that reveals labelled runs on request, per-run uncertainty
 * strategies, and the loop that grows a labelled set round by round and records learning
 * curves on held-out test runs. The protocol is described in docs/active.md. */
#ifndef WFAD_ACTIVE_H
#define WFAD_ACTIVE_H

#include "wfad/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Oracle --------------------------------------------------------------------------------
 * Something that hands out labelled runs: the recorded-data oracle answers from a dataset's
 * pool; a live experiment controller could run the workflow with the requested fault injected,
 * append the run to its dataset and answer with its index. */

/* request.run for "any run of the requested class". */
#define WFAD_ORACLE_ANY_RUN SIZE_MAX

struct wfad_oracle_request {
	const char *workflow; /* NULL or "": the oracle's own workflow */
	size_t run;           /* a run to label (index into the dataset), or WFAD_ORACLE_ANY_RUN */
	/* With WFAD_ORACLE_ANY_RUN: "any", "normal", a fault family ("cpu", "hdd") or an exact
	 * label with its magnitude ("cpu_2"). NULL means "any". */
	const char *label;
	const char *hosts; /* hint: hosts (comma-separated) to disturb; NULL = no preference */
};

/* The interface. request writes the revealed run's index (into the oracle's dataset) to *run;
 * WFAD_ENOTFOUND (with err saying so) when nothing left matches, WFAD_EINVAL for a request for
 * another workflow. classes writes up to max class labels the oracle can still produce
 * (borrowed strings) and returns how many there are. */
struct wfad_oracle {
	void *self;
	enum wfad_status (*request)(void *self, const struct wfad_oracle_request *req, size_t *run,
				    struct wfad_error *err);
	size_t (*classes)(void *self, const char **out, size_t max);
};

/* Oracle over recorded runs: pool[0..n_pool) of ds are unlabelled until requested; each run is
 * handed out once. Random choices (a class request) use the seeded RNG. Caller-owned: init,
 * use wfad_oracle_recorded_as, free (accepts a zeroed struct). Borrows ds for its lifetime. */
struct wfad_oracle_recorded {
	const struct wfad_dataset *ds;
	size_t *pool; /* the runs not yet handed out, in ascending order */
	size_t n_pool;
	const char **labels; /* distinct labels of the initial pool (arena strings of ds) */
	size_t n_labels;
	struct wfad_rng rng;
};
enum wfad_status wfad_oracle_recorded_init(struct wfad_oracle_recorded *o,
					   const struct wfad_dataset *ds, const size_t *pool,
					   size_t n_pool, uint64_t seed);
void wfad_oracle_recorded_free(struct wfad_oracle_recorded *o);
struct wfad_oracle wfad_oracle_recorded_as(struct wfad_oracle_recorded *o);
/* Runs of the pool still matching label ("any", family or exact label). */
size_t wfad_oracle_recorded_count(const struct wfad_oracle_recorded *o, const char *label);

/* Whether a run label matches a requested class ("any", "normal", family or exact label). */
bool wfad_active_label_matches(const char *run_label, const char *want);

/* ---- Strategies ---------------------------------------------------------------------------- */

enum wfad_active_strategy {
	WFAD_ACTIVE_RANDOM,
	WFAD_ACTIVE_LEAST_CONFIDENCE,  /* job: 1 - max(p, 1 - p) */
	WFAD_ACTIVE_MARGIN,            /* job: 1 - |2p - 1| */
	WFAD_ACTIVE_ENTROPY,           /* job: -(p log2 p + (1 - p) log2 (1 - p)) */
	WFAD_ACTIVE_ANOMALY_TARGETING, /* asks for runs of the class the model knows least */
	WFAD_ACTIVE_STRATEGY_COUNT
};
/* "random", "least-confidence", "margin", "entropy", "anomaly-targeting" and back; parse
 * returns WFAD_EINVAL for an unknown name (*out untouched). */
const char *wfad_active_strategy_name(enum wfad_active_strategy s);
enum wfad_status wfad_active_strategy_parse(const char *name, enum wfad_active_strategy *out);

/* How the job uncertainties of a run become the run's: their mean, or their maximum. */
enum wfad_active_aggregate { WFAD_ACTIVE_MEAN, WFAD_ACTIVE_MAX };

/* Uncertainty of one job with P(anomalous) = p (clamped to [0, 1]) under an uncertainty
 * strategy; 0 for random and anomaly-targeting. */
double wfad_active_job_uncertainty(enum wfad_active_strategy s, double p);
/* Uncertainty of a run from the probabilities of its n_jobs jobs. */
double wfad_active_run_uncertainty(enum wfad_active_strategy s, enum wfad_active_aggregate agg,
				   const double *p, size_t n_jobs);
/* Picks the k most uncertain of n_runs runs whose job probabilities are p[r * jobs_per_run +
 * i]; ties go to the lower index. Writes min(k, n_runs) run positions (0..n_runs-1) to out,
 * most uncertain first, and returns their number. scratch holds n_runs doubles. */
size_t wfad_active_select(enum wfad_active_strategy s, enum wfad_active_aggregate agg,
			  const double *p, size_t n_runs, size_t jobs_per_run, size_t k,
			  size_t *out, double *scratch);
/* The positions of the k largest of u[0..n) (ties: the lower position), largest first;
 * writes min(k, n) to out and returns that number. */
size_t wfad_active_top(const double *u, size_t n, size_t k, size_t *out);

/* Uncertainty of a run-level prediction, the class-probability vector p[0..n_classes) (NaN
 * entries count as 0): least-confidence 1 - max p, margin 1 - (p_top1 - p_top2), entropy
 * -sum p log2 p; 0 for random and anomaly-targeting. */
double wfad_active_class_uncertainty(enum wfad_active_strategy s, const double *p,
				     size_t n_classes);

/* ---- The loop ------------------------------------------------------------------------------ */

/* What the model predicts: a label per job (job-level detectors, struct wfad_detector_ops) or
 * per run (run-level classifiers, struct wfad_run_classifier_ops in wfad/runlevel.h). */
enum wfad_active_task { WFAD_ACTIVE_TASK_JOB, WFAD_ACTIVE_TASK_RUN };

struct wfad_active_options {
	enum wfad_active_task task; /* job (default) or run */
	/* Registry name: a job-level detector, supervised or not (then calibrated), or with
	 * WFAD_ACTIVE_TASK_RUN a run classifier. */
	const char *detector;
	/* Job task only (run classifiers build their own features): */
	enum wfad_feature_set features;
	enum wfad_norm norm;
	struct wfad_detector_params params; /* params.seed is set from seed */
	enum wfad_active_strategy strategy;
	enum wfad_active_aggregate aggregate; /* job task only */
	size_t burn_in;                       /* random labelled runs before round 1 */
	size_t rounds;                        /* rounds after the burn-in */
	size_t per_round;                     /* runs requested per round */
	int epochs_per_round;                 /* warm-start epochs per round (0: 5) */
	bool refit; /* refit every round even when the detector can warm start (run classifiers
		     * always refit) */
	unsigned switch_every; /* anomaly-targeting: every n-th round a random class (0: 3) */
	uint64_t seed;         /* split, burn-in, oracle and detector */
	double test_frac;      /* held-out test runs (0: 0.2) */
	double valid_frac;     /* validation runs for thresholds and early stopping (0: 0.1) */
	/* Called after each round with (round, rounds); may be NULL. */
	void (*progress)(void *user, size_t round, size_t rounds);
	void *progress_user;
};

/* One point of a learning curve: metrics of the test jobs (job task) or test runs (run task:
 * anomalous vs normal run, score 1 - P(normal)) after a round (0 = burn-in). */
struct wfad_active_point {
	size_t round;
	size_t labeled_runs; /* burn-in plus the runs revealed so far (validation not counted) */
	double roc_auc, average_precision, precision_at_k; /* NaN where undefined */
	double accuracy; /* run task: multi-class accuracy of the test runs; job task: NaN */
};

/* A learning curve. Caller-owned: zero it, wfad_active_run fills it, wfad_active_curve_free. */
struct wfad_active_curve {
	struct wfad_active_point *points;
	size_t n_points;
	size_t pool_runs, valid_runs, test_runs;
	bool exhausted;   /* the pool ran out before the last round */
	size_t fallbacks; /* anomaly-targeting requests the oracle could not serve */
	bool warm_start;  /* rounds used the detector's update op */
};
void wfad_active_curve_free(struct wfad_active_curve *c);

/* Runs the loop on ds for one seed: per label, test_frac of the runs are held out, valid_frac
 * validate, the rest form the pool (split stratified by label, as wfad_split_runs). The
 * burn-in draws burn_in pool runs at random, at least one normal and one anomalous run when
 * the detector is supervised (run classifiers always are, and refit every round on the
 * classes of wfad_run_labels). Errors: WFAD_EINVAL for a burn-in larger than the pool, a
 * supervised detector with burn_in < 2, a run-level burn-in with a single run label, a
 * dataset without anomalous runs, a detector's fit error; WFAD_ENOTFOUND for a detector (or
 * run classifier) unknown for the task; WFAD_ENOMEM. A pool that runs out ends the loop early
 * (curve->exhausted). On failure *curve is untouched. */
enum wfad_status wfad_active_run(const struct wfad_dataset *ds, const struct wfad_active_options *o,
				 struct wfad_active_curve *curve, struct wfad_error *err);

/* Test ROC-AUC of the same detector trained on the whole pool (fresh fit), for the seed and
 * split of o: the target a learning curve is compared with. */
enum wfad_status wfad_active_reference(const struct wfad_dataset *ds,
				       const struct wfad_active_options *o, double *roc_auc,
				       struct wfad_error *err);

/* Normalised area under a curve: trapezoids of ROC-AUC over labelled runs divided by the span
 * of labelled runs (a mean AUC in [0, 1]); the single value for one point; NaN when empty or
 * any AUC is NaN. */
double wfad_active_curve_area(const struct wfad_active_point *p, size_t n);
/* Labelled runs at the first point whose ROC-AUC >= target; 0 when never reached. */
size_t wfad_active_runs_to_reach(const struct wfad_active_point *p, size_t n, double target);

/* ---- Plot ---------------------------------------------------------------------------------- */

/* One series of the plot: x[i] labelled runs, mean and min/max of ROC-AUC over seeds. */
struct wfad_active_series {
	const char *name;
	size_t n;
	const double *x, *mean, *lo, *hi;
};
/* Draws ROC-AUC against labelled runs, one line with a min-max band per series, a legend and
 * axis labels, as a PNG of width x height pixels (cairo). title may be NULL. WFAD_EIO when the
 * file cannot be written. */
enum wfad_status wfad_active_plot_png(const struct wfad_active_series *s, size_t n_series,
				      const char *title, const char *path, int width, int height,
				      struct wfad_error *err);

#ifdef __cplusplus
}
#endif
#endif
