/* The job-level evaluation protocol: split by run, seeded, several seeds, metrics from
 * continuous scores plus precision/recall/F1 at the model's automatic threshold. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/experiment.h"

struct wfad_stat wfad_stat_of(const double *v, size_t n)
{
	struct wfad_stat s = {NAN, NAN, 0};
	double mean = 0, m2 = 0; /* Welford */
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		s.n++;
		double delta = v[i] - mean;
		mean += delta / (double)s.n;
		m2 += delta * (v[i] - mean);
	}
	if (s.n) {
		s.mean = mean;
		s.std = s.n > 1 ? sqrt(m2 / (double)(s.n - 1)) : 0;
	}
	return s;
}

void wfad_eval_result_free(struct wfad_eval_result *r)
{
	if (!r)
		return;
	free(r->roc_auc);
	free(r->average_precision);
	free(r->precision_at_k);
	free(r->precision);
	free(r->recall);
	free(r->f1);
	free(r->fit_seconds);
	free(r->score_seconds);
	free(r->threshold);
	free(r->accuracy);
	free(r->part_roc_auc);
	free(r->part_names);
	memset(r, 0, sizeof(*r));
}

bool wfad_eval_result_alloc(struct wfad_eval_result *r, const char *name, unsigned seeds)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->detector, sizeof(r->detector), "%s", name);
	r->seeds = seeds;
	double **arrays[] = {&r->roc_auc,        &r->average_precision,
			     &r->precision_at_k, &r->precision,
			     &r->recall,         &r->f1,
			     &r->fit_seconds,    &r->score_seconds,
			     &r->threshold,      &r->accuracy};
	for (size_t i = 0; i < sizeof(arrays) / sizeof(arrays[0]); i++) {
		*arrays[i] = malloc(seeds * sizeof(double));
		if (!*arrays[i])
			return false;
		for (unsigned s = 0; s < seeds; s++)
			(*arrays[i])[s] = NAN;
	}
	return true;
}

enum wfad_status wfad_eval_record(struct wfad_eval_result *r, unsigned seed, const double *scores,
				  const uint8_t *y, size_t n, double threshold)
{
	struct wfad_ranking rk;
	if (wfad_metrics_ranking(scores, y, n, &rk) != WFAD_OK)
		return WFAD_ENOMEM;
	r->roc_auc[seed] = rk.roc_auc;
	r->average_precision[seed] = rk.average_precision;
	r->precision_at_k[seed] = rk.precision_at_k;
	struct wfad_prf prf = wfad_metrics_prf(scores, y, n, threshold);
	/* Without anomalous test jobs recall and F1 are undefined. */
	r->precision[seed] = prf.flagged ? prf.precision : NAN;
	r->recall[seed] = prf.positives ? prf.recall : NAN;
	r->f1[seed] = prf.positives ? prf.f1 : NAN;
	r->threshold[seed] = threshold;
	/* Right: the flagged positives and the unflagged negatives. */
	size_t right = prf.hits + (n - prf.positives) - (prf.flagged - prf.hits);
	r->accuracy[seed] = n ? (double)right / (double)n : NAN;
	return WFAD_OK;
}

void wfad_eval_split_rows(const struct wfad_eval_options *o, unsigned seed,
			  const struct wfad_dataset *ds, const struct wfad_split *sp)
{
	const size_t *runs[3] = {sp->train, sp->valid, sp->test};
	size_t n[3] = {sp->n_train, sp->n_valid, sp->n_test};
	for (int part = 0; o->run_row && part < 3; part++)
		for (size_t r = 0; r < n[part]; r++)
			o->run_row(o->row_user,
				   &(struct wfad_run_row){.seed = seed,
							  .ds = ds,
							  .run = runs[part][r],
							  .part = (enum wfad_split_part)part});
}

void wfad_eval_job_rows(const struct wfad_eval_options *o, unsigned seed,
			const struct wfad_dataset *ds, const struct wfad_split *sp,
			const char *detector, const double *scores, double threshold)
{
	size_t nodes = ds->dag.n_nodes;
	for (size_t r = 0; o->job_row && r < sp->n_test; r++)
		for (size_t i = 0; i < nodes; i++) {
			double v = scores[r * nodes + i];
			o->job_row(o->row_user, &(struct wfad_job_row){.seed = seed,
								       .ds = ds,
								       .run = sp->test[r],
								       .node = i,
								       .detector = detector,
								       .score = v,
								       .flagged = v >= threshold});
		}
}

enum wfad_status wfad_eval_jobs(const struct wfad_dataset *ds, const struct wfad_eval_options *o,
				struct wfad_eval_result *results, struct wfad_error *err)
{
	unsigned seeds = o->seeds ? o->seeds : 5;
	double tf = o->train_frac > 0 ? o->train_frac : 0.6;
	double vf = o->valid_frac > 0 ? o->valid_frac : 0.2;
	enum wfad_status st = WFAD_OK;
	double *scores = NULL;
	uint8_t *y = NULL;
	size_t nodes = ds->dag.n_nodes;
	for (size_t k = 0; k < o->n_detectors; k++) {
		if (!wfad_eval_result_alloc(&results[k], o->detectors[k], seeds)) {
			st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
			goto cleanup;
		}
	}
	size_t rows = ds->n_runs * nodes + 1;
	scores = malloc(rows * sizeof(double));
	y = malloc(rows);
	if (!scores || !y) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	size_t labelled = 0, anomalous = 0;
	for (size_t r = 0; r < ds->n_runs; r++) {
		labelled += strcmp(ds->runs[r].label, "unlabeled") != 0;
		anomalous += wfad_run_anomalous_jobs(ds, &ds->runs[r]) > 0;
	}
	if (ds->n_runs < 3 || labelled == 0 || anomalous == 0) {
		st = wfad_error_set(
			err, WFAD_EINVAL, "", 0, 0,
			"evaluation needs labelled runs with anomalies: workflow '%s' has "
			"%zu runs, %zu labelled, %zu with anomalous jobs",
			ds->workflow, ds->n_runs, labelled, anomalous);
		goto cleanup;
	}
	size_t done = 0, total = (size_t)seeds * o->n_detectors;
	for (unsigned seed = 0; seed < seeds && st == WFAD_OK; seed++) {
		struct wfad_split sp = {0};
		st = wfad_split_runs(ds, seed, tf, vf, &sp, err);
		if (st != WFAD_OK)
			break;
		wfad_eval_split_rows(o, seed, ds, &sp);
		size_t n = sp.n_test * nodes;
		for (size_t r = 0; r < sp.n_test; r++)
			for (size_t i = 0; i < nodes; i++)
				y[r * nodes + i] = ds->runs[sp.test[r]].jobs[i].label;
		for (size_t k = 0; k < o->n_detectors && st == WFAD_OK; k++) {
			if (o->progress) {
				char what[96];
				snprintf(what, sizeof(what), "%s seed %u", o->detectors[k], seed);
				o->progress(o->progress_user, what, done, total);
			}
			struct wfad_model m;
			wfad_model_init(&m);
			struct wfad_model_options mo = {.detector = o->detectors[k],
							.features = o->features,
							.norm = o->norm,
							.fit_on = o->fit_on,
							.params = o->params};
			mo.params.seed = seed;
			double t0 = wfad_clock_seconds();
			st = wfad_model_train(&m, &mo, ds, sp.train, sp.n_train, sp.valid,
					      sp.n_valid, err);
			double t1 = wfad_clock_seconds();
			if (st == WFAD_OK)
				st = wfad_model_score(&m, ds, sp.test, sp.n_test, scores, err);
			double t2 = wfad_clock_seconds();
			if (st == WFAD_OK) {
				struct wfad_eval_result *r = &results[k];
				r->fit_seconds[seed] = t1 - t0;
				r->score_seconds[seed] = t2 - t1;
				st = wfad_eval_record(r, seed, scores, y, n, m.threshold);
				if (st != WFAD_OK)
					wfad_error_set(err, st, "", 0, 0,
						       "%s: out of memory computing the metrics",
						       o->detectors[k]);
				else
					wfad_eval_job_rows(o, seed, ds, &sp, o->detectors[k],
							   scores, m.threshold);
			}
			wfad_model_free(&m);
			done++;
		}
		wfad_split_free(&sp);
	}
	if (o->progress && st == WFAD_OK)
		o->progress(o->progress_user, "done", total, total);
cleanup:
	free(scores);
	free(y);
	if (st != WFAD_OK)
		for (size_t k = 0; k < o->n_detectors; k++)
			wfad_eval_result_free(&results[k]);
	return st;
}
