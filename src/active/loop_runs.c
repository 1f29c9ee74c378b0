/* The active-learning loop's learner over run-level classifiers: refit every round on the
 * labelled runs, uncertainty from each pool run's class-probability vector, curves of the
 * anomalous-vs-normal problem on the test runs (score 1 - P(normal)) and their accuracy. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loop_internal.h"
#include "wfad/runlevel.h"

struct run_learner {
	struct active_learner base;
	const struct wfad_run_classifier_ops *ops;
	struct wfad_run_classifier *clf;
	const char **classes; /* wfad_run_labels of the dataset: fixed across rounds */
	size_t k;
	long normal;     /* class index of "normal", -1 when the dataset has no normal run */
	uint32_t *y_all; /* class of every run of the dataset */
	uint32_t *y_buf; /* classes of the runs of a training task */
	uint32_t *y_valid;
	double *proba; /* [n_runs][k] scratch for predictions */
	uint8_t *truth;
	double *score;
};

static void run_close(struct active_learner *l)
{
	struct run_learner *r = (struct run_learner *)l;
	if (r->clf)
		r->ops->destroy(r->clf);
	wfad_split_free(&r->base.sp);
	free(r->classes);
	free(r->y_all);
	free(r->y_buf);
	free(r->y_valid);
	free(r->proba);
	free(r->truth);
	free(r->score);
	free(r);
}

/* A task over runs[0..n) of the dataset; y NULL (truth hidden) or their classes. */
static struct wfad_run_task task_of(const struct run_learner *r, const size_t *runs, size_t n,
				    const uint32_t *y)
{
	return (struct wfad_run_task){.ds = r->base.ds,
				      .runs = runs,
				      .n_runs = n,
				      .y = y,
				      .classes = r->classes,
				      .n_classes = r->k};
}

/* Class probabilities of runs[0..n) into r->proba. */
static enum wfad_status predict(const struct run_learner *r, const size_t *runs, size_t n,
				struct wfad_error *err)
{
	if (n == 0)
		return WFAD_OK;
	struct wfad_run_task t = task_of(r, runs, n, NULL);
	return r->ops->predict(r->clf, &t, r->proba, err);
}

/* No warm start: a fresh classifier on the labelled runs, validation for early stopping. */
static enum wfad_status run_train(struct active_learner *l, const size_t *labelled, size_t n,
				  bool warm, struct wfad_error *err)
{
	struct run_learner *r = (struct run_learner *)l;
	size_t distinct = 0;
	for (size_t i = 0; i < n; i++) {
		r->y_buf[i] = r->y_all[labelled[i]];
		bool seen = false;
		for (size_t j = 0; j < i && !seen; j++)
			seen = r->y_buf[j] == r->y_buf[i];
		distinct += !seen;
	}
	if (distinct < 2)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "run classifier '%s' needs at least two run labels among "
				      "the labelled runs; the %zu labelled runs are all '%s'",
				      l->name, n, n ? r->classes[r->y_buf[0]] : "");
	if (r->clf) {
		r->ops->destroy(r->clf);
		r->clf = NULL;
	}
	struct wfad_detector_params p = l->o->params;
	p.seed = l->o->seed;
	enum wfad_status st = r->ops->create(&p, &r->clf);
	if (st != WFAD_OK)
		return wfad_error_set(err, st, "", 0, 0, "cannot create run classifier '%s'",
				      l->name);
	struct wfad_run_task train = task_of(r, labelled, n, r->y_buf);
	struct wfad_run_task valid = task_of(r, l->sp.valid, l->sp.n_valid, r->y_valid);
	return r->ops->fit(r->clf, &train, valid.n_runs ? &valid : NULL, err);
}

static enum wfad_status run_evaluate(const struct active_learner *l, struct wfad_active_point *pt,
				     struct wfad_error *err)
{
	const struct run_learner *r = (const struct run_learner *)l;
	const size_t *runs = l->sp.test, n = l->sp.n_test, k = r->k;
	enum wfad_status st = predict(r, runs, n, err);
	if (st != WFAD_OK)
		return st;
	size_t correct = 0;
	for (size_t i = 0; i < n; i++) {
		const double *p = r->proba + i * k;
		uint32_t y = r->y_all[runs[i]];
		r->truth[i] = (long)y != r->normal;
		r->score[i] = r->normal >= 0 ? 1.0 - p[r->normal] : 1.0;
		correct += wfad_run_verdict(p, k) == y;
	}
	struct wfad_ranking rk;
	if (wfad_metrics_ranking(r->score, r->truth, n, &rk) != WFAD_OK)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	pt->roc_auc = rk.roc_auc;
	pt->average_precision = rk.average_precision;
	pt->precision_at_k = rk.precision_at_k;
	pt->accuracy = n ? (double)correct / (double)n : NAN;
	return WFAD_OK;
}

static enum wfad_status run_uncertainty(const struct active_learner *l, const size_t *runs,
					size_t n, double *u, struct wfad_error *err)
{
	const struct run_learner *r = (const struct run_learner *)l;
	enum wfad_status st = predict(r, runs, n, err);
	for (size_t i = 0; st == WFAD_OK && i < n; i++)
		u[i] = wfad_active_class_uncertainty(l->o->strategy, r->proba + i * r->k, r->k);
	return st;
}

/* Mean 1 - P(true class) over the validation runs of each class. */
static enum wfad_status run_class_error(const struct active_learner *l, const char *const *cls,
					size_t n, double *err_out, struct wfad_error *err)
{
	const struct run_learner *r = (const struct run_learner *)l;
	enum wfad_status st = predict(r, l->sp.valid, l->sp.n_valid, err);
	if (st != WFAD_OK)
		return st;
	for (size_t c = 0; c < n; c++) {
		double sum = 0.0;
		size_t cnt = 0;
		for (size_t i = 0; i < l->sp.n_valid; i++) {
			uint32_t y = r->y_valid[i];
			if (strcmp(r->classes[y], cls[c]) != 0)
				continue;
			sum += 1.0 - r->proba[i * r->k + y];
			cnt++;
		}
		err_out[c] = cnt ? sum / (double)cnt : 1.0;
	}
	return WFAD_OK;
}

static const struct active_learner_ops run_ops = {
	.train = run_train,
	.evaluate = run_evaluate,
	.uncertainty = run_uncertainty,
	.class_error = run_class_error,
	.close = run_close,
};

enum wfad_status active_open_runs(const struct wfad_dataset *ds,
				  const struct wfad_active_options *o, struct active_learner **out,
				  struct wfad_error *err)
{
	const char *name = o->detector ? o->detector : "";
	const struct wfad_run_classifier_ops *ops = wfad_run_classifier_find(name);
	if (!ops)
		return wfad_error_set(err, WFAD_ENOTFOUND, "", 0, 0,
				      "unknown run classifier '%s' (see 'wfad detectors')", name);
	struct run_learner *r = calloc(1, sizeof(*r));
	if (!r)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	r->base = (struct active_learner){
		.ops = &run_ops, .ds = ds, .o = o, .name = ops->name, .supervised = true};
	r->ops = ops;
	enum wfad_status st = active_split(ds, o, &r->base.sp, err);
	if (st != WFAD_OK)
		goto cleanup;
	r->k = wfad_run_labels(ds, &r->classes);
	r->normal = -1;
	for (size_t c = 0; c < r->k; c++)
		if (wfad_anomaly_of_label(r->classes[c]) == WFAD_ANOMALY_NONE)
			r->normal = (long)c;
	size_t n = ds->n_runs;
	r->y_all = malloc((n + 1) * sizeof(uint32_t));
	r->y_buf = malloc((n + 1) * sizeof(uint32_t));
	r->y_valid = malloc((n + 1) * sizeof(uint32_t));
	r->proba = malloc((n * r->k + 1) * sizeof(double));
	r->truth = malloc(n + 1);
	r->score = malloc((n + 1) * sizeof(double));
	if (!r->y_all || !r->y_buf || !r->y_valid || !r->proba || !r->truth || !r->score) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++)
		for (size_t c = 0; c < r->k; c++)
			if (strcmp(ds->runs[i].label, r->classes[c]) == 0)
				r->y_all[i] = (uint32_t)c;
	for (size_t i = 0; i < r->base.sp.n_valid; i++)
		r->y_valid[i] = r->y_all[r->base.sp.valid[i]];
cleanup:
	if (st != WFAD_OK)
		run_close(&r->base);
	else
		*out = &r->base;
	return st;
}
