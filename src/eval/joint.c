/* The job-level protocol over several workflows trained together: per workflow splits and
 * featurizers, one detector on the joint job sets, metrics over all test jobs and per
 * workflow. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/experiment.h"

/* One seed's job sets of one workflow: its split, featurizer and train/valid/test rows. */
struct part {
	const struct wfad_dataset *ds;
	struct wfad_split sp;
	struct wfad_featurizer fz;
	size_t *fit;
	size_t n_fit;
	struct wfad_jobset_owned set[3]; /* fit, valid, test */
};

static void part_free(struct part *p)
{
	wfad_split_free(&p->sp);
	wfad_featurizer_free(&p->fz);
	free(p->fit);
	for (int k = 0; k < 3; k++)
		wfad_jobset_free(&p->set[k]);
}

static enum wfad_status part_build(struct part *p, const struct wfad_dataset *ds, unsigned seed,
				   double tf, double vf, const struct wfad_eval_options *o,
				   struct wfad_error *err)
{
	wfad_featurizer_init(&p->fz);
	p->ds = ds;
	enum wfad_status st = wfad_split_runs(ds, seed, tf, vf, &p->sp, err);
	if (st != WFAD_OK)
		return st;
	wfad_eval_split_rows(o, seed, ds, &p->sp);
	p->fit = malloc((p->sp.n_train + 1) * sizeof(size_t));
	if (!p->fit)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	for (size_t i = 0; i < p->sp.n_train; i++)
		if (o->fit_on == WFAD_FIT_ALL ||
		    wfad_anomaly_of_label(ds->runs[p->sp.train[i]].label) == WFAD_ANOMALY_NONE)
			p->fit[p->n_fit++] = p->sp.train[i];
	if (p->n_fit == 0)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "workflow '%s' has no %straining run", ds->workflow,
				      o->fit_on == WFAD_FIT_NORMAL ? "normal " : "");
	st = wfad_features_fit(&p->fz, o->features, o->norm, ds, p->fit, p->n_fit, err);
	const size_t *runs[3] = {p->fit, p->sp.valid, p->sp.test};
	size_t n[3] = {p->n_fit, p->sp.n_valid, p->sp.n_test};
	for (int k = 0; k < 3 && st == WFAD_OK; k++)
		st = wfad_jobset_build(&p->set[k], ds, runs[k], n[k], &p->fz, err);
	return st;
}

/* Fits one detector on the joint sets (of parts) and records the seed's metrics in r. */
static enum wfad_status run_detector(const struct wfad_detector_ops *ops,
				     const struct wfad_eval_options *o, unsigned seed,
				     const struct part *parts, struct wfad_jobset_joint *j,
				     double *scores, struct wfad_eval_result *r,
				     struct wfad_error *err)
{
	struct wfad_detector_params p = o->params;
	p.seed = seed;
	struct wfad_detector *det = NULL;
	enum wfad_status st = ops->create(&p, &det);
	if (st != WFAD_OK)
		return wfad_error_set(err, st, "", 0, 0, "%s: cannot create the detector",
				      ops->name);
	double t0 = wfad_clock_seconds();
	st = ops->fit(det, &j[0].js, j[1].js.n ? &j[1].js : NULL, err);
	double t1 = wfad_clock_seconds(), threshold = INFINITY;
	if (st == WFAD_OK && j[1].js.n) {
		st = ops->score(det, &j[1].js, scores, err);
		bool max_f1;
		if (st == WFAD_OK && wfad_metrics_auto_threshold(scores, j[1].js.y, NULL, j[1].js.n,
								 &threshold, &max_f1) != WFAD_OK)
			st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	}
	double t2 = wfad_clock_seconds();
	if (st == WFAD_OK)
		st = ops->score(det, &j[2].js, scores, err);
	double t3 = wfad_clock_seconds();
	ops->destroy(det);
	if (st != WFAD_OK)
		return st;
	r->fit_seconds[seed] = t1 - t0;
	r->score_seconds[seed] = t3 - t2;
	if (wfad_eval_record(r, seed, scores, j[2].js.y, j[2].js.n, threshold) != WFAD_OK)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0,
				      "out of memory computing the metrics");
	for (size_t i = 0; i < j[2].js.n_parts; i++) {
		const struct wfad_jobset *t = &j[2].js.parts[i];
		const double *ts = scores + (t->x - j[2].js.x) / (ptrdiff_t)t->d; /* its rows' */
		wfad_eval_job_rows(o, seed, parts[i].ds, &parts[i].sp, ops->name, ts, threshold);
		if (wfad_metrics_roc_auc_status(ts, t->y, t->n,
						&r->part_roc_auc[i * r->seeds + seed]) != WFAD_OK)
			return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0,
					      "out of memory computing the metrics");
	}
	return WFAD_OK;
}

static enum wfad_status check_detectors(const struct wfad_eval_options *o, struct wfad_error *err)
{
	for (size_t k = 0; k < o->n_detectors; k++) {
		const struct wfad_detector_ops *ops = wfad_detector_find(o->detectors[k]);
		if (!ops)
			return wfad_error_set(err, WFAD_ENOTFOUND, "", 0, 0,
					      "unknown detector '%s'", o->detectors[k]);
		if (ops->flags & (WFAD_DETECTOR_RAW_TRACE | WFAD_DETECTOR_HOST_POOLED))
			return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
					      "detector '%s' reads one workflow's raw traces; it "
					      "cannot be trained across workflows",
					      ops->name);
	}
	return WFAD_OK;
}

enum wfad_status wfad_eval_jobs_joint(const struct wfad_dataset *const *ds, size_t n_ds,
				      const struct wfad_eval_options *o,
				      struct wfad_eval_result *results, struct wfad_error *err)
{
	unsigned seeds = o->seeds ? o->seeds : 5;
	double tf = o->train_frac > 0 ? o->train_frac : 0.6;
	double vf = o->valid_frac > 0 ? o->valid_frac : 0.2;
	size_t rows = 1;
	for (size_t i = 0; i < n_ds; i++)
		rows += ds[i]->n_runs * ds[i]->dag.n_nodes;
	double *scores = malloc(rows * sizeof(double));
	struct part *parts = calloc(n_ds ? n_ds : 1, sizeof(*parts));
	struct wfad_jobset *views = calloc(n_ds ? n_ds : 1, sizeof(*views));
	enum wfad_status st = check_detectors(o, err);
	for (size_t k = 0; k < o->n_detectors; k++)
		memset(&results[k], 0, sizeof(results[k]));
	if (st != WFAD_OK)
		goto cleanup;
	if (!scores || !parts || !views) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	for (size_t k = 0; k < o->n_detectors; k++) {
		struct wfad_eval_result *r = &results[k];
		if (!wfad_eval_result_alloc(r, o->detectors[k], seeds) ||
		    !(r->part_roc_auc = malloc(n_ds * seeds * sizeof(double))) ||
		    !(r->part_names = malloc(n_ds * sizeof(char *)))) {
			st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
			goto cleanup;
		}
		r->n_parts = n_ds;
		for (size_t i = 0; i < n_ds; i++) {
			r->part_names[i] = ds[i]->workflow;
			for (unsigned s = 0; s < seeds; s++)
				r->part_roc_auc[i * seeds + s] = NAN;
		}
	}
	size_t done = 0, total = (size_t)seeds * o->n_detectors;
	for (unsigned seed = 0; seed < seeds && st == WFAD_OK; seed++) {
		struct wfad_jobset_joint j[3];
		memset(j, 0, sizeof(j));
		for (size_t i = 0; i < n_ds && st == WFAD_OK; i++)
			st = part_build(&parts[i], ds[i], seed, tf, vf, o, err);
		for (int s = 0; s < 3 && st == WFAD_OK; s++) {
			for (size_t i = 0; i < n_ds; i++)
				views[i] = parts[i].set[s].js;
			st = wfad_jobset_join(&j[s], views, n_ds, err);
		}
		for (size_t k = 0; k < o->n_detectors && st == WFAD_OK; k++) {
			if (o->progress) {
				char what[96];
				snprintf(what, sizeof(what), "%s seed %u", o->detectors[k], seed);
				o->progress(o->progress_user, what, done, total);
			}
			st = run_detector(wfad_detector_find(o->detectors[k]), o, seed, parts, j,
					  scores, &results[k], err);
			done++;
		}
		for (int s = 0; s < 3; s++)
			wfad_jobset_joint_free(&j[s]);
		for (size_t i = 0; i < n_ds; i++) {
			part_free(&parts[i]);
			memset(&parts[i], 0, sizeof(parts[i]));
		}
	}
	if (o->progress && st == WFAD_OK)
		o->progress(o->progress_user, "done", total, total);
cleanup:
	if (st != WFAD_OK)
		for (size_t k = 0; k < o->n_detectors; k++)
			wfad_eval_result_free(&results[k]);
	free(scores);
	free(parts);
	free(views);
	return st;
}
