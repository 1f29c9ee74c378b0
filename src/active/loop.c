/* The active-learning loop: seeded split into pool / validation / test, a random burn-in, then
 * rounds of choose -> reveal (oracle) -> update (warm start or refit) -> evaluate; and its
 * learner over job-level detectors (the run-level one is in loop_runs.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loop_internal.h"

#define ACTIVE_DEFAULT_EPOCHS 5
#define ACTIVE_DEFAULT_SWITCH 3

/* ---- Job-level learner --------------------------------------------------------------------- */

/* A jobset gathered from the precomputed feature rows of every run. */
struct gathered {
	struct wfad_jobset js;
	float *x;
	uint8_t *y;
	size_t *runs;
};

/* Job-level learner, one seed: featurizer, features of every run, the detector. */
struct session {
	struct active_learner base;
	const struct wfad_detector_ops *ops;
	size_t nodes, d;
	struct wfad_featurizer fz;
	float *x_all; /* [n_runs * nodes][d] */
	const char **columns;
	struct gathered valid, test;
	struct wfad_detector *det;
	double *calib; /* unsupervised: sorted scores of normal validation jobs */
	size_t n_calib;
};

static void gathered_free(struct gathered *g)
{
	free(g->x);
	free(g->y);
	free(g->runs);
	memset(g, 0, sizeof(*g));
}

static enum wfad_status gather(const struct session *s, const size_t *runs, size_t n_runs,
			       struct gathered *g, struct wfad_error *err)
{
	gathered_free(g);
	const struct wfad_dataset *ds = s->base.ds;
	size_t n = n_runs * s->nodes, d = s->d;
	g->x = malloc((n * d + 1) * sizeof(float));
	g->y = malloc(n ? n : 1);
	g->runs = malloc((n_runs ? n_runs : 1) * sizeof(size_t));
	if (!g->x || !g->y || !g->runs) {
		gathered_free(g);
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	}
	memcpy(g->runs, runs, n_runs * sizeof(size_t));
	for (size_t r = 0; r < n_runs; r++) {
		memcpy(g->x + r * s->nodes * d, s->x_all + runs[r] * s->nodes * d,
		       s->nodes * d * sizeof(float));
		for (size_t i = 0; i < s->nodes; i++)
			g->y[r * s->nodes + i] = ds->runs[runs[r]].jobs[i].label;
	}
	g->js = (struct wfad_jobset){.ds = ds,
				     .runs = g->runs,
				     .n_runs = n_runs,
				     .n = n,
				     .d = d,
				     .x = g->x,
				     .y = g->y,
				     .columns = s->columns};
	return WFAD_OK;
}

static void session_close(struct active_learner *l)
{
	struct session *s = (struct session *)l;
	if (s->det)
		s->ops->destroy(s->det);
	wfad_split_free(&s->base.sp);
	wfad_featurizer_free(&s->fz);
	free(s->x_all);
	free(s->columns);
	gathered_free(&s->valid);
	gathered_free(&s->test);
	free(s->calib);
	free(s);
}

enum wfad_status active_split(const struct wfad_dataset *ds, const struct wfad_active_options *o,
			      struct wfad_split *sp, struct wfad_error *err)
{
	size_t anomalous = 0;
	for (size_t r = 0; r < ds->n_runs; r++)
		anomalous += wfad_run_anomalous_jobs(ds, &ds->runs[r]) > 0;
	if (ds->n_runs < 3 || anomalous == 0)
		return wfad_error_set(
			err, WFAD_EINVAL, "", 0, 0,
			"active learning needs labelled runs with anomalies: workflow "
			"'%s' has %zu runs, %zu with anomalous jobs",
			ds->workflow, ds->n_runs, anomalous);
	double tf = o->test_frac > 0 ? o->test_frac : 0.2;
	double vf = o->valid_frac > 0 ? o->valid_frac : 0.1;
	if (tf + vf >= 1.0)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "test (%g) and validation (%g) fractions leave no pool", tf,
				      vf);
	return wfad_split_runs(ds, o->seed, 1.0 - tf - vf, vf, sp, err);
}

/* Scores of js; for a detector without probabilities also P(anomalous) by calibration: the
 * share of normal validation jobs scoring below (as wfad_model_confidence). */
static enum wfad_status score(const struct session *s, const struct wfad_jobset *js, double *raw,
			      double *prob, struct wfad_error *err)
{
	enum wfad_status st = s->ops->score(s->det, js, raw, err);
	if (st != WFAD_OK || !prob)
		return st;
	for (size_t i = 0; i < js->n; i++) {
		if (s->ops->flags & WFAD_DETECTOR_PROBABILITY) {
			prob[i] = raw[i];
			continue;
		}
		size_t lo = 0, hi = s->n_calib;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;
			if (s->calib[mid] < raw[i])
				lo = mid + 1;
			else
				hi = mid;
		}
		prob[i] = s->n_calib ? (double)lo / (double)s->n_calib : 0.5;
	}
	return WFAD_OK;
}

static enum wfad_status calibrate(struct session *s, struct wfad_error *err)
{
	if (s->ops->flags & WFAD_DETECTOR_PROBABILITY)
		return WFAD_OK;
	size_t n = s->valid.js.n;
	double *v = malloc((n ? n : 1) * sizeof(double));
	if (!v)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	enum wfad_status st = n ? s->ops->score(s->det, &s->valid.js, v, err) : WFAD_OK;
	if (st != WFAD_OK) {
		free(v);
		return st;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (!s->valid.js.y[i])
			v[k++] = v[i];
	qsort(v, k, sizeof(double), wfad_double_compare);
	free(s->calib);
	s->calib = v;
	s->n_calib = k;
	return WFAD_OK;
}

/* Fresh fit (or warm start when allowed) on the labelled runs. */
static enum wfad_status session_train(struct active_learner *l, const size_t *labelled, size_t n,
				      bool warm, struct wfad_error *err)
{
	struct session *s = (struct session *)l;
	const struct wfad_active_options *o = l->o;
	struct gathered tr = {0};
	enum wfad_status st = gather(s, labelled, n, &tr, err);
	if (st != WFAD_OK)
		return st;
	const struct wfad_jobset *valid = s->valid.js.n ? &s->valid.js : NULL;
	if (warm && s->det && s->ops->update) {
		int epochs = o->epochs_per_round > 0 ? o->epochs_per_round : ACTIVE_DEFAULT_EPOCHS;
		st = s->ops->update(s->det, &tr.js, valid, epochs, err);
	} else {
		if (s->det) {
			s->ops->destroy(s->det);
			s->det = NULL;
		}
		struct wfad_detector_params p = o->params;
		p.seed = o->seed;
		st = s->ops->create(&p, &s->det);
		if (st != WFAD_OK) {
			wfad_error_set(err, st, "", 0, 0, "cannot create detector '%s'",
				       s->ops->name);
		} else {
			st = s->ops->fit(s->det, &tr.js, valid, err);
		}
	}
	if (st == WFAD_OK)
		st = calibrate(s, err);
	gathered_free(&tr);
	return st;
}

static enum wfad_status session_evaluate(const struct active_learner *l,
					 struct wfad_active_point *pt, struct wfad_error *err)
{
	const struct session *s = (const struct session *)l;
	size_t n = s->test.js.n;
	double *sc = malloc((n ? n : 1) * sizeof(double));
	if (!sc)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	enum wfad_status st = score(s, &s->test.js, sc, NULL, err);
	struct wfad_ranking rk;
	if (st == WFAD_OK && wfad_metrics_ranking(sc, s->test.js.y, n, &rk) != WFAD_OK)
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	if (st == WFAD_OK) {
		pt->roc_auc = rk.roc_auc;
		pt->average_precision = rk.average_precision;
		pt->precision_at_k = rk.precision_at_k;
		pt->accuracy = NAN;
	}
	free(sc);
	return st;
}

/* A run's uncertainty aggregates its jobs' (mean or max). */
static enum wfad_status session_uncertainty(const struct active_learner *l, const size_t *runs,
					    size_t n, double *u, struct wfad_error *err)
{
	const struct session *s = (const struct session *)l;
	struct gathered g = {0};
	enum wfad_status st = gather(s, runs, n, &g, err);
	if (st != WFAD_OK)
		return st;
	double *raw = malloc((2 * g.js.n + 1) * sizeof(double));
	if (!raw) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	} else if ((st = score(s, &g.js, raw, raw + g.js.n, err)) == WFAD_OK) {
		const double *p = raw + g.js.n;
		for (size_t r = 0; r < n; r++)
			u[r] = wfad_active_run_uncertainty(l->o->strategy, l->o->aggregate,
							   p + r * s->nodes, s->nodes);
	}
	free(raw);
	gathered_free(&g);
	return st;
}

/* Mean |y - P(anomalous)| over the jobs of the validation runs of each class. */
static enum wfad_status session_class_error(const struct active_learner *l, const char *const *cls,
					    size_t n, double *err_out, struct wfad_error *err)
{
	const struct session *s = (const struct session *)l;
	size_t nv = s->valid.js.n;
	double *raw = malloc((2 * nv + 1) * sizeof(double));
	double err_sum[ACTIVE_MAX_CLASSES] = {0};
	size_t cnt[ACTIVE_MAX_CLASSES] = {0};
	if (!raw)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	enum wfad_status st = nv ? score(s, &s->valid.js, raw, raw + nv, err) : WFAD_OK;
	if (st == WFAD_OK) {
		for (size_t i = 0; i < nv; i++) {
			const char *label = l->ds->runs[s->valid.js.runs[i / s->nodes]].label;
			for (size_t c = 0; c < n; c++) {
				if (strcmp(cls[c], label) != 0)
					continue;
				err_sum[c] += fabs((double)s->valid.js.y[i] - raw[nv + i]);
				cnt[c]++;
			}
		}
		for (size_t c = 0; c < n; c++)
			err_out[c] = cnt[c] ? err_sum[c] / (double)cnt[c] : 1.0;
	}
	free(raw);
	return st;
}

static const struct active_learner_ops session_ops = {
	.train = session_train,
	.evaluate = session_evaluate,
	.uncertainty = session_uncertainty,
	.class_error = session_class_error,
	.close = session_close,
};

/* Split, featurizer fitted on the pool and validation runs (no labels used), features of every
 * run, the validation and test job sets. */
static enum wfad_status session_open(const struct wfad_dataset *ds,
				     const struct wfad_active_options *o,
				     struct active_learner **out, struct wfad_error *err)
{
	const struct wfad_detector_ops *ops = wfad_detector_find(o->detector ? o->detector : "");
	if (!ops)
		return wfad_error_set(err, WFAD_ENOTFOUND, "", 0, 0, "unknown detector '%s'",
				      o->detector ? o->detector : "");
	struct session *s = calloc(1, sizeof(*s));
	if (!s)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	wfad_featurizer_init(&s->fz);
	s->base =
		(struct active_learner){.ops = &session_ops,
					.ds = ds,
					.o = o,
					.name = ops->name,
					.supervised = (ops->flags & WFAD_DETECTOR_SUPERVISED) != 0,
					.can_update = ops->update && !o->refit};
	s->ops = ops;
	s->nodes = ds->dag.n_nodes;
	struct wfad_split *sp = &s->base.sp;
	size_t *fit_runs = NULL;
	enum wfad_status st = active_split(ds, o, sp, err);
	if (st != WFAD_OK)
		goto cleanup;
	size_t n_fit = sp->n_train + sp->n_valid;
	fit_runs = malloc((n_fit ? n_fit : 1) * sizeof(size_t));
	if (!fit_runs)
		goto nomem;
	memcpy(fit_runs, sp->train, sp->n_train * sizeof(size_t));
	memcpy(fit_runs + sp->n_train, sp->valid, sp->n_valid * sizeof(size_t));
	st = wfad_features_fit(&s->fz, o->features, o->norm, ds, fit_runs, n_fit, err);
	if (st != WFAD_OK)
		goto cleanup;
	s->d = wfad_features_n_cols(&s->fz);
	s->x_all = malloc((ds->n_runs * s->nodes * s->d + 1) * sizeof(float));
	s->columns = malloc((s->d + 1) * sizeof(char *));
	if (!s->x_all || !s->columns)
		goto nomem;
	for (size_t c = 0; c < s->d; c++)
		s->columns[c] = wfad_features_column_name(&s->fz, c);
	st = wfad_features_transform(&s->fz, ds, NULL, ds->n_runs, s->x_all, err);
	if (st == WFAD_OK)
		st = gather(s, sp->valid, sp->n_valid, &s->valid, err);
	if (st == WFAD_OK)
		st = gather(s, sp->test, sp->n_test, &s->test, err);
	goto cleanup;
nomem:
	st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
cleanup:
	free(fit_runs);
	if (st != WFAD_OK)
		session_close(&s->base);
	else
		*out = &s->base;
	return st;
}

static enum wfad_status learner_open(const struct wfad_dataset *ds,
				     const struct wfad_active_options *o,
				     struct active_learner **out, struct wfad_error *err)
{
	if (o->task == WFAD_ACTIVE_TASK_RUN)
		return active_open_runs(ds, o, out, err);
	return session_open(ds, o, out, err);
}

/* ---- The loop ------------------------------------------------------------------------------ */

/* The burn-in: burn_in pool runs in a seeded random order, starting with one anomalous and
 * (when the pool has one) one normal run for a supervised learner. */
static enum wfad_status burn_in(const struct active_learner *l, struct wfad_oracle *oracle,
				size_t *labelled, size_t *n_labelled, struct wfad_error *err)
{
	const struct wfad_active_options *o = l->o;
	const struct wfad_dataset *ds = l->ds;
	size_t n = l->sp.n_train;
	size_t *order = malloc((n ? n : 1) * sizeof(size_t));
	if (!order)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	memcpy(order, l->sp.train, n * sizeof(size_t));
	struct wfad_rng rng;
	wfad_rng_seed(&rng, o->seed ^ 0x6275726e696eull); /* "burnin" */
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)wfad_rng_below(&rng, i);
		size_t t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}
	enum wfad_status st = WFAD_OK;
	if (l->supervised) {
		/* Move the first anomalous and the first normal run to the front. */
		size_t front = 0;
		for (int want_anomalous = 1; want_anomalous >= 0; want_anomalous--) {
			for (size_t i = front; i < n; i++) {
				const struct wfad_run *run = &ds->runs[order[i]];
				bool anomalous = wfad_run_anomalous_jobs(ds, run) > 0;
				if (anomalous != (bool)want_anomalous)
					continue;
				size_t t = order[front];
				order[front++] = order[i];
				order[i] = t;
				break;
			}
			if (want_anomalous && front == 0) {
				st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
						    "the pool of '%s' has no run with anomalous "
						    "jobs for the burn-in",
						    ds->workflow);
				goto cleanup;
			}
		}
	}
	for (size_t i = 0; i < o->burn_in; i++) {
		struct wfad_oracle_request req = {.run = order[i], .label = "any"};
		st = oracle->request(oracle->self, &req, &labelled[*n_labelled], err);
		if (st != WFAD_OK)
			goto cleanup;
		(*n_labelled)++;
	}
cleanup:
	free(order);
	return st;
}

/* Anomaly-targeting: the classes the oracle can still produce, least confident first (the
 * learner's class error on the validation runs; a class without validation runs counts as
 * unknown, 1), or one at random every switch_every-th round. */
static enum wfad_status target_classes(const struct active_learner *l, struct wfad_oracle *oracle,
				       size_t round, struct wfad_rng *rng, const char **cls,
				       size_t *n_cls, struct wfad_error *err)
{
	size_t n = oracle->classes(oracle->self, cls, ACTIVE_MAX_CLASSES);
	if (n > ACTIVE_MAX_CLASSES)
		n = ACTIVE_MAX_CLASSES;
	*n_cls = n;
	if (n == 0)
		return WFAD_OK;
	unsigned every = l->o->switch_every ? l->o->switch_every : ACTIVE_DEFAULT_SWITCH;
	if (round % every == 0) {
		size_t k = (size_t)wfad_rng_below(rng, n);
		const char *t = cls[0];
		cls[0] = cls[k];
		cls[k] = t;
		return WFAD_OK;
	}
	double conf[ACTIVE_MAX_CLASSES];
	enum wfad_status st = l->ops->class_error(l, cls, n, conf, err);
	if (st != WFAD_OK)
		return st;
	/* Stable insertion sort, largest error first. */
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0 && conf[j] > conf[j - 1]; j--) {
			double t = conf[j];
			conf[j] = conf[j - 1];
			conf[j - 1] = t;
			const char *tc = cls[j];
			cls[j] = cls[j - 1];
			cls[j - 1] = tc;
		}
	}
	return WFAD_OK;
}

/* Reveals up to per_round runs for the round; *got says how many came. */
static enum wfad_status choose(const struct active_learner *l, struct wfad_oracle_recorded *rec,
			       struct wfad_oracle *oracle, size_t round, struct wfad_rng *rng,
			       size_t *labelled, size_t *got, size_t *fallbacks,
			       struct wfad_error *err)
{
	const struct wfad_active_options *o = l->o;
	size_t want = o->per_round < rec->n_pool ? o->per_round : rec->n_pool;
	enum wfad_status st = WFAD_OK;
	*got = 0;
	if (o->strategy == WFAD_ACTIVE_RANDOM) {
		for (; *got < want && st == WFAD_OK; (*got)++) {
			struct wfad_oracle_request req = {.run = WFAD_ORACLE_ANY_RUN,
							  .label = "any"};
			st = oracle->request(oracle->self, &req, &labelled[*got], err);
		}
		return st;
	}
	if (o->strategy == WFAD_ACTIVE_ANOMALY_TARGETING) {
		const char *cls[ACTIVE_MAX_CLASSES];
		size_t n_cls = 0;
		if ((st = target_classes(l, oracle, round, rng, cls, &n_cls, err)) != WFAD_OK)
			return st;
		size_t c = 0;
		while (*got < want) {
			const char *label = c < n_cls ? cls[c] : "any";
			struct wfad_oracle_request req = {.run = WFAD_ORACLE_ANY_RUN,
							  .label = label};
			struct wfad_error ignored = {0};
			st = oracle->request(oracle->self, &req, &labelled[*got], &ignored);
			if (st == WFAD_OK) {
				(*got)++;
			} else if (st == WFAD_ENOTFOUND && c < n_cls) {
				(*fallbacks)++; /* that class ran out: the next one */
				c++;
			} else {
				return wfad_error_set(err, st, "", 0, 0, "%s", ignored.message);
			}
		}
		return WFAD_OK;
	}
	/* Uncertainty sampling over the whole remaining pool. */
	size_t n_pool = rec->n_pool;
	size_t *cand = malloc((n_pool + 1) * sizeof(size_t));
	size_t *pick = malloc((want + 1) * sizeof(size_t));
	double *u = malloc((n_pool + 1) * sizeof(double));
	if (!cand || !pick || !u) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	memcpy(cand, rec->pool, n_pool * sizeof(size_t));
	if ((st = l->ops->uncertainty(l, cand, n_pool, u, err)) != WFAD_OK)
		goto cleanup;
	size_t m = wfad_active_top(u, n_pool, want, pick);
	for (; *got < m && st == WFAD_OK; (*got)++) {
		struct wfad_oracle_request req = {.run = cand[pick[*got]], .label = "any"};
		st = oracle->request(oracle->self, &req, &labelled[*got], err);
	}
cleanup:
	free(cand);
	free(pick);
	free(u);
	return st;
}

void wfad_active_curve_free(struct wfad_active_curve *c)
{
	if (!c)
		return;
	free(c->points);
	memset(c, 0, sizeof(*c));
}

enum wfad_status wfad_active_run(const struct wfad_dataset *ds, const struct wfad_active_options *o,
				 struct wfad_active_curve *curve, struct wfad_error *err)
{
	struct active_learner *l = NULL;
	struct wfad_oracle_recorded rec = {0};
	struct wfad_active_curve c = {0};
	size_t *labelled = NULL, n_labelled = 0;
	enum wfad_status st = learner_open(ds, o, &l, err);
	if (st != WFAD_OK)
		return st;
	if (o->burn_in > l->sp.n_train) {
		st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				    "the burn-in (%zu runs) is larger than the pool (%zu runs)",
				    o->burn_in, l->sp.n_train);
		goto cleanup;
	}
	if (l->supervised && o->burn_in < 2) {
		st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				    "%s '%s' is supervised: the burn-in must hold both "
				    "classes, so at least 2 runs (got %zu)",
				    o->task == WFAD_ACTIVE_TASK_RUN ? "run classifier" : "detector",
				    l->name, o->burn_in);
		goto cleanup;
	}
	if (o->burn_in == 0) {
		st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				    "the burn-in must hold at least one run to fit on");
		goto cleanup;
	}
	c.pool_runs = l->sp.n_train;
	c.valid_runs = l->sp.n_valid;
	c.test_runs = l->sp.n_test;
	c.points = calloc(o->rounds + 1, sizeof(*c.points));
	labelled = malloc((l->sp.n_train + 1) * sizeof(size_t));
	if (!c.points || !labelled) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	if ((st = wfad_oracle_recorded_init(&rec, ds, l->sp.train, l->sp.n_train, o->seed)) !=
	    WFAD_OK) {
		wfad_error_set(err, st, "", 0, 0, "out of memory");
		goto cleanup;
	}
	struct wfad_oracle oracle = wfad_oracle_recorded_as(&rec);
	if ((st = burn_in(l, &oracle, labelled, &n_labelled, err)) != WFAD_OK)
		goto cleanup;
	if ((st = l->ops->train(l, labelled, n_labelled, false, err)) != WFAD_OK)
		goto cleanup;
	c.warm_start = l->can_update;
	struct wfad_rng rng;
	wfad_rng_seed(&rng, o->seed ^ 0x726f756e64ull); /* "round" */
	for (size_t round = 0;; round++) {
		if (round > 0) {
			if (rec.n_pool == 0) {
				c.exhausted = true;
				break;
			}
			size_t got = 0;
			st = choose(l, &rec, &oracle, round, &rng, labelled + n_labelled, &got,
				    &c.fallbacks, err);
			n_labelled += got;
			if (st == WFAD_OK)
				st = l->ops->train(l, labelled, n_labelled, c.warm_start, err);
			if (st != WFAD_OK)
				goto cleanup;
		}
		struct wfad_active_point *pt = &c.points[c.n_points++];
		pt->round = round;
		pt->labeled_runs = n_labelled;
		if ((st = l->ops->evaluate(l, pt, err)) != WFAD_OK)
			goto cleanup;
		if (o->progress)
			o->progress(o->progress_user, round, o->rounds);
		if (round == o->rounds)
			break;
	}
	*curve = c;
	memset(&c, 0, sizeof(c));
cleanup:
	wfad_active_curve_free(&c);
	wfad_oracle_recorded_free(&rec);
	free(labelled);
	l->ops->close(l);
	return st;
}

enum wfad_status wfad_active_reference(const struct wfad_dataset *ds,
				       const struct wfad_active_options *o, double *roc_auc,
				       struct wfad_error *err)
{
	struct active_learner *l = NULL;
	enum wfad_status st = learner_open(ds, o, &l, err);
	if (st != WFAD_OK)
		return st;
	struct wfad_active_point pt = {0};
	st = l->ops->train(l, l->sp.train, l->sp.n_train, false, err);
	if (st == WFAD_OK)
		st = l->ops->evaluate(l, &pt, err);
	if (st == WFAD_OK)
		*roc_auc = pt.roc_auc;
	l->ops->close(l);
	return st;
}

double wfad_active_curve_area(const struct wfad_active_point *p, size_t n)
{
	if (n == 0)
		return NAN;
	if (n == 1)
		return p[0].roc_auc;
	double area = 0.0;
	for (size_t i = 1; i < n; i++)
		area += 0.5 * (p[i].roc_auc + p[i - 1].roc_auc) *
			((double)p[i].labeled_runs - (double)p[i - 1].labeled_runs);
	double span = (double)p[n - 1].labeled_runs - (double)p[0].labeled_runs;
	return span > 0 ? area / span : p[n - 1].roc_auc;
}

size_t wfad_active_runs_to_reach(const struct wfad_active_point *p, size_t n, double target)
{
	for (size_t i = 0; i < n; i++)
		if (p[i].roc_auc >= target)
			return p[i].labeled_runs;
	return 0;
}
