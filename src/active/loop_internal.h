/* The active-learning loop's learners: what the loop (loop.c) needs from a model, implemented
 * for job-level detectors (loop.c) and run-level classifiers (loop_runs.c). */
#ifndef WFAD_ACTIVE_LOOP_INTERNAL_H
#define WFAD_ACTIVE_LOOP_INTERNAL_H

#include "wfad/active.h"

#define ACTIVE_MAX_CLASSES 64

struct active_learner;

struct active_learner_ops {
	/* Fits on the labelled runs (indices into ds), warm-starting when warm and able. */
	enum wfad_status (*train)(struct active_learner *l, const size_t *labelled, size_t n,
				  bool warm, struct wfad_error *err);
	/* Metrics of the test runs after a round (all fields but round and labeled_runs). */
	enum wfad_status (*evaluate)(const struct active_learner *l, struct wfad_active_point *pt,
				     struct wfad_error *err);
	/* Uncertainty u[i] of runs[i] under the options' (uncertainty) strategy. */
	enum wfad_status (*uncertainty)(const struct active_learner *l, const size_t *runs,
					size_t n, double *u, struct wfad_error *err);
	/* Anomaly-targeting: the model's mean error err_out[c] on the validation runs of class
	 * cls[c], 1 for a class without validation runs. */
	enum wfad_status (*class_error)(const struct active_learner *l, const char *const *cls,
					size_t n, double *err_out, struct wfad_error *err);
	void (*close)(struct active_learner *l); /* frees the learner itself */
};

/* The part every learner shares; each learner embeds it as its first member. */
struct active_learner {
	const struct active_learner_ops *ops;
	const struct wfad_dataset *ds;
	const struct wfad_active_options *o;
	const char *name;     /* the detector's or classifier's name */
	struct wfad_split sp; /* train = pool */
	bool supervised;
	bool can_update; /* the rounds warm-start */
};

/* Checks ds (at least 3 runs, some with anomalous jobs) and the fractions of o, then splits
 * the runs into pool (sp->train), validation and test. */
enum wfad_status active_split(const struct wfad_dataset *ds, const struct wfad_active_options *o,
			      struct wfad_split *sp, struct wfad_error *err);

/* Learner over a run-level classifier (o->detector names one); *out is malloc'ed, closed
 * with (*out)->ops->close. WFAD_ENOTFOUND for an unknown classifier. */
enum wfad_status active_open_runs(const struct wfad_dataset *ds,
				  const struct wfad_active_options *o, struct active_learner **out,
				  struct wfad_error *err);

#endif
