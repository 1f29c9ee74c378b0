/* Models: training with automatic thresholds, scoring, calibration and class guesses. The
 * file format and explanations are in model_io.c and explain.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

void wfad_model_init(struct wfad_model *m)
{
	memset(m, 0, sizeof(*m));
	wfad_featurizer_init(&m->fz);
}

void wfad_model_free(struct wfad_model *m)
{
	if (!m)
		return;
	if (m->det)
		m->ops->destroy(m->det);
	wfad_featurizer_free(&m->fz);
	free(m->calib);
	for (size_t i = 0; i < m->n_tstats; i++)
		free(m->tstats[i].name);
	free(m->tstats);
	free(m->tcol_median);
	free(m->class_centroid);
	memset(m, 0, sizeof(*m));
	wfad_featurizer_init(&m->fz);
}

uint64_t wfad_dag_hash(const struct wfad_dag *dag)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < dag->n_nodes; i++) {
		for (const char *p = dag->node_ids[i]; *p; p++) {
			h ^= (unsigned char)*p;
			h *= 1099511628211ull;
		}
		h ^= 0xff;
		h *= 1099511628211ull;
	}
	return h;
}

static int cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;
	return x < y ? -1 : x > y;
}

const enum wfad_field wfad_model_stat_fields[WFAD_MODEL_STATS] = {
	WFAD_F_WMS_DELAY,      WFAD_F_QUEUE_DELAY,     WFAD_F_RUNTIME,  WFAD_F_POST_SCRIPT_DELAY,
	WFAD_F_STAGE_IN_DELAY, WFAD_F_STAGE_OUT_DELAY, WFAD_F_CPU_TIME,
};

static int cmp_tstats(const void *a, const void *b)
{
	return strcmp(((const struct wfad_model_tstats *)a)->name,
		      ((const struct wfad_model_tstats *)b)->name);
}

long wfad_model_find_tstats(const struct wfad_model *m, const char *name)
{
	size_t lo = 0, hi = m->n_tstats;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(m->tstats[mid].name, name);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* Per transformation of the fit jobs: raw delay medians/MADs and the median feature row. */
static enum wfad_status gather_tstats(struct wfad_model *m, const struct wfad_jobset *js)
{
	const struct wfad_dataset *ds = js->ds;
	size_t nodes = ds->dag.n_nodes, nt = ds->strings.count, d = js->d;
	size_t *count = calloc(nt ? nt : 1, sizeof(size_t));
	size_t **rows = calloc(nt ? nt : 1, sizeof(size_t *));
	double *buf = malloc((js->n ? js->n : 1) * sizeof(double));
	float *fbuf = malloc((js->n ? js->n : 1) * sizeof(float));
	enum wfad_status st = WFAD_ENOMEM;
	if (!count || !rows || !buf || !fbuf)
		goto cleanup;
	for (size_t r = 0; r < js->n; r++) {
		uint32_t t = ds->runs[js->runs[r / nodes]].jobs[r % nodes].transformation;
		if (t != WFAD_NO_ID)
			count[t]++;
	}
	size_t used = 0;
	for (size_t t = 0; t < nt; t++) {
		if (!count[t])
			continue;
		used++;
		if (!(rows[t] = malloc(count[t] * sizeof(size_t))))
			goto cleanup;
		count[t] = 0;
	}
	for (size_t r = 0; r < js->n; r++) {
		uint32_t t = ds->runs[js->runs[r / nodes]].jobs[r % nodes].transformation;
		if (t != WFAD_NO_ID)
			rows[t][count[t]++] = r;
	}
	m->tstats = calloc(used ? used : 1, sizeof(*m->tstats));
	m->tcol_median = malloc((used * d > 0 ? used * d : 1) * sizeof(float));
	if (!m->tstats || !m->tcol_median)
		goto cleanup;
	size_t k = 0;
	for (size_t t = 0; t < nt; t++) {
		if (!count[t])
			continue;
		struct wfad_model_tstats *ts = &m->tstats[k++];
		if (!(ts->name = strdup(ds->strings.items[t])))
			goto cleanup;
		ts->count = count[t];
		for (int s = 0; s < WFAD_MODEL_STATS; s++) {
			size_t nv = 0;
			for (size_t i = 0; i < count[t]; i++) {
				size_t r = rows[t][i];
				double v = ds->runs[js->runs[r / nodes]]
						   .jobs[r % nodes]
						   .f[wfad_model_stat_fields[s]];
				if (!isnan(v))
					buf[nv++] = v;
			}
			double med = wfad_median(buf, nv);
			for (size_t i = 0; i < nv; i++)
				buf[i] = fabs(buf[i] - med);
			ts->median[s] = med;
			ts->mad[s] = wfad_median(buf, nv);
		}
	}
	m->n_tstats = used;
	/* Median feature rows, in the order of the sorted names. */
	qsort(m->tstats, used, sizeof(*m->tstats), cmp_tstats);
	for (size_t t = 0; t < nt; t++) {
		if (!count[t])
			continue;
		long idx = wfad_model_find_tstats(m, ds->strings.items[t]);
		WFAD_ASSERT(idx >= 0);
		for (size_t c = 0; c < d; c++) {
			for (size_t i = 0; i < count[t]; i++)
				fbuf[i] = js->x[rows[t][i] * d + c];
			qsort(fbuf, count[t], sizeof(float), cmp_float);
			m->tcol_median[(size_t)idx * d + c] = fbuf[count[t] / 2];
		}
	}
	st = WFAD_OK;
cleanup:
	for (size_t t = 0; rows && t < nt; t++)
		free(rows[t]);
	free(rows);
	free(count);
	free(buf);
	free(fbuf);
	return st;
}

/* Centroid of the training anomalies of each fault family, in feature space. */
static enum wfad_status gather_centroids(struct wfad_model *m, const struct wfad_jobset *js)
{
	size_t d = js->d, nodes = js->ds->dag.n_nodes;
	m->class_centroid = malloc(WFAD_ANOMALY_COUNT * d * sizeof(float));
	double *sum = calloc(WFAD_ANOMALY_COUNT * d, sizeof(double));
	size_t cnt[WFAD_ANOMALY_COUNT] = {0};
	if (!m->class_centroid || !sum) {
		free(sum);
		return WFAD_ENOMEM;
	}
	for (size_t r = 0; r < js->n; r++) {
		const struct wfad_job *j = &js->ds->runs[js->runs[r / nodes]].jobs[r % nodes];
		if (!j->label || j->anomaly == WFAD_ANOMALY_NONE)
			continue;
		cnt[j->anomaly]++;
		for (size_t c = 0; c < d; c++)
			sum[j->anomaly * d + c] += js->x[r * d + c];
	}
	for (size_t a = 0; a < WFAD_ANOMALY_COUNT; a++)
		for (size_t c = 0; c < d; c++)
			m->class_centroid[a * d + c] =
				cnt[a] ? (float)(sum[a * d + c] / (double)cnt[a]) : NAN;
	free(sum);
	return WFAD_OK;
}

/* Threshold and calibration from the validation scores (or the training scores). */
static enum wfad_status pick_threshold(struct wfad_model *m, const double *score, const uint8_t *y,
				       const uint8_t *normal_run, size_t n)
{
	size_t normal = 0;
	for (size_t i = 0; i < n; i++)
		normal += normal_run[i] != 0;
	double *norm = malloc((normal ? normal : 1) * sizeof(double));
	if (!norm)
		return WFAD_ENOMEM;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (normal_run[i])
			norm[k++] = score[i];
	qsort(norm, k, sizeof(double), wfad_double_compare);
	/* Best F1, or with no anomalies to tune on: flag what exceeds 99% of normal jobs. */
	bool max_f1;
	if (wfad_metrics_auto_threshold(score, y, normal_run, n, &m->threshold, &max_f1) !=
	    WFAD_OK) {
		free(norm);
		return WFAD_ENOMEM;
	}
	m->rule = max_f1 ? WFAD_THRESHOLD_MAX_F1 : WFAD_THRESHOLD_NORMAL_Q99;
	/* Calibration: up to 2000 evenly spaced normal scores. */
	size_t nc = k < 2000 ? k : 2000;
	m->calib = malloc((nc ? nc : 1) * sizeof(double));
	if (!m->calib) {
		free(norm);
		return WFAD_ENOMEM;
	}
	for (size_t i = 0; i < nc; i++)
		m->calib[i] = norm[nc == k ? i : (size_t)((double)i * (double)(k - 1) / (nc - 1))];
	m->n_calib = nc;
	free(norm);
	return WFAD_OK;
}

double wfad_model_confidence(const struct wfad_model *m, double score)
{
	if (m->n_calib == 0)
		return 0.5;
	size_t lo = 0, hi = m->n_calib;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (m->calib[mid] < score)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (double)lo / (double)m->n_calib;
}

/* The normal-run flag of every row of a jobset. */
static uint8_t *normal_rows(const struct wfad_jobset *js)
{
	size_t nodes = js->ds->dag.n_nodes;
	uint8_t *f = malloc(js->n ? js->n : 1);
	if (!f)
		return NULL;
	for (size_t r = 0; r < js->n; r++)
		f[r] = wfad_anomaly_of_label(js->ds->runs[js->runs[r / nodes]].label) ==
		       WFAD_ANOMALY_NONE;
	return f;
}

enum wfad_status wfad_model_train(struct wfad_model *m, const struct wfad_model_options *opt,
				  const struct wfad_dataset *ds, const size_t *train,
				  size_t n_train, const size_t *valid, size_t n_valid,
				  struct wfad_error *err)
{
	struct wfad_model t;
	wfad_model_init(&t);
	struct wfad_jobset_owned fit = {0}, val = {0}, all = {0};
	size_t *fit_runs = malloc((n_train ? n_train : 1) * sizeof(size_t));
	double *vscore = NULL;
	uint8_t *vnormal = NULL;
	enum wfad_status st = WFAD_OK;
	if (!fit_runs) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	t.ops = wfad_detector_find(opt->detector);
	if (!t.ops) {
		st = wfad_error_set(err, WFAD_ENOTFOUND, "", 0, 0, "unknown detector '%s'",
				    opt->detector);
		goto cleanup;
	}
	size_t n_fit = 0;
	for (size_t i = 0; i < n_train; i++)
		if (opt->fit_on == WFAD_FIT_ALL ||
		    wfad_anomaly_of_label(ds->runs[train[i]].label) == WFAD_ANOMALY_NONE)
			fit_runs[n_fit++] = train[i];
	if (n_fit == 0) {
		st = wfad_error_set(
			err, WFAD_EINVAL, "", 0, 0,
			opt->fit_on == WFAD_FIT_NORMAL
				? "--fit-on normal: workflow '%s' has no normal training "
				  "run"
				: "workflow '%s' has no training run",
			ds->workflow);
		goto cleanup;
	}
	t.params = opt->params;
	t.fit_on = opt->fit_on;
	st = wfad_features_fit(&t.fz, opt->features, opt->norm, ds, fit_runs, n_fit, err);
	if (st == WFAD_OK)
		st = wfad_jobset_build(&fit, ds, fit_runs, n_fit, &t.fz, err);
	if (st == WFAD_OK && n_valid)
		st = wfad_jobset_build(&val, ds, valid, n_valid, &t.fz, err);
	if (st != WFAD_OK)
		goto cleanup;
	if (t.ops->flags & WFAD_DETECTOR_SUPERVISED) {
		size_t pos = 0;
		for (size_t i = 0; i < fit.js.n; i++)
			pos += fit.js.y[i];
		if (pos == 0 || pos == fit.js.n) {
			st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
					    "detector '%s' is supervised but the training runs of "
					    "'%s' have %s anomalous job",
					    t.ops->name, ds->workflow, pos ? "only" : "no");
			goto cleanup;
		}
	}
	st = t.ops->create(&t.params, &t.det);
	if (st != WFAD_OK) {
		wfad_error_set(err, st, "", 0, 0, "cannot create detector '%s'", t.ops->name);
		goto cleanup;
	}
	st = t.ops->fit(t.det, &fit.js, n_valid ? &val.js : NULL, err);
	if (st != WFAD_OK)
		goto cleanup;
	/* Threshold on the validation jobs, else on the fit jobs. */
	const struct wfad_jobset *tj = n_valid ? &val.js : &fit.js;
	vscore = malloc((tj->n ? tj->n : 1) * sizeof(double));
	vnormal = normal_rows(tj);
	if (!vscore || !vnormal) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	st = t.ops->score(t.det, tj, vscore, err);
	if (st != WFAD_OK)
		goto cleanup;
	for (size_t i = 0; i < tj->n; i++) {
		if (!isfinite(vscore[i])) {
			st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
					    "detector '%s' produced a non-finite score",
					    t.ops->name);
			goto cleanup;
		}
	}
	if (pick_threshold(&t, vscore, tj->y, vnormal, tj->n) != WFAD_OK ||
	    gather_tstats(&t, &fit.js) != WFAD_OK) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	/* Class centroids come from every training run that carries labels; with fit_on all
	 * those are the fit runs, already transformed. */
	if (n_fit != n_train) {
		st = wfad_jobset_build(&all, ds, train, n_train, &t.fz, err);
		if (st != WFAD_OK)
			goto cleanup;
	}
	if (gather_centroids(&t, n_fit != n_train ? &all.js : &fit.js) != WFAD_OK) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	snprintf(t.workflow, sizeof(t.workflow), "%s", ds->workflow ? ds->workflow : "");
	t.dag_hash = wfad_dag_hash(&ds->dag);
	t.n_nodes = (uint32_t)ds->dag.n_nodes;
	t.n_train_jobs = fit.js.n;
	wfad_model_free(m);
	*m = t;
	wfad_model_init(&t);
cleanup:
	wfad_model_free(&t);
	wfad_jobset_free(&fit);
	wfad_jobset_free(&val);
	wfad_jobset_free(&all);
	free(fit_runs);
	free(vscore);
	free(vnormal);
	return st;
}

enum wfad_status wfad_model_check_dataset(const struct wfad_model *m, const struct wfad_dataset *ds,
					  struct wfad_error *err)
{
	if (wfad_dag_hash(&ds->dag) == m->dag_hash)
		return WFAD_OK;
	size_t seen = 0, total = 0;
	for (size_t t = 0; t < ds->strings.count; t++) {
		bool is_transformation = false;
		for (size_t i = 0; i < ds->dag.n_nodes && ds->node_transformation; i++)
			if (ds->node_transformation[i] == t) {
				is_transformation = true;
				break;
			}
		if (!is_transformation)
			continue;
		total++;
		seen += wfad_model_find_tstats(m, ds->strings.items[t]) >= 0;
	}
	if (seen == 0)
		return wfad_error_set(
			err, WFAD_EINVAL, "", 0, 0,
			"the model was trained on workflow '%s'; '%s' has a different "
			"DAG and none of its %zu transformations",
			m->workflow, ds->workflow, total);
	wfad_log(WFAD_LOG_WARN,
		 "model trained on '%s' applied to '%s' (different DAG): its features are per "
		 "job, so it applies; %zu of %zu transformations were seen in training, the "
		 "others are scored as unseen",
		 m->workflow, ds->workflow, seen, total);
	return WFAD_OK;
}

enum wfad_status wfad_model_score(const struct wfad_model *m, const struct wfad_dataset *ds,
				  const size_t *runs, size_t n_runs, double *scores,
				  struct wfad_error *err)
{
	WFAD_ASSERT(m->det);
	enum wfad_status st = wfad_model_check_dataset(m, ds, err);
	if (st != WFAD_OK)
		return st;
	struct wfad_jobset_owned js = {0};
	st = wfad_jobset_build(&js, ds, runs, n_runs, &m->fz, err);
	if (st == WFAD_OK)
		st = m->ops->score(m->det, &js.js, scores, err);
	wfad_jobset_free(&js);
	return st;
}

void wfad_model_guess_classes(const struct wfad_model *m, const struct wfad_dataset *ds, size_t run,
			      uint8_t *out)
{
	size_t nodes = ds->dag.n_nodes, d = wfad_features_n_cols(&m->fz);
	memset(out, WFAD_ANOMALY_NONE, nodes);
	bool own = m->ops->classify != NULL;
	float *x = m->class_centroid || own ? malloc(nodes * d * sizeof(float)) : NULL;
	if (!x || wfad_features_transform(&m->fz, ds, &run, 1, x, NULL) != WFAD_OK) {
		free(x);
		return;
	}
	/* A detector trained on the families answers itself. */
	struct wfad_jobset js = {.ds = ds, .runs = &run, .n_runs = 1, .n = nodes, .d = d, .x = x};
	if (own && m->ops->classify(m->det, &js, out, NULL) == WFAD_OK) {
		free(x);
		return;
	}
	if (!m->class_centroid) {
		free(x);
		return;
	}
	/* x: [nodes x d], centroids: [WFAD_ANOMALY_COUNT x d] */
	for (size_t i = 0; i < nodes; i++) {
		double best_d = INFINITY;
		for (int a = 1; a < WFAD_ANOMALY_COUNT; a++) {
			const float *c = &m->class_centroid[(size_t)a * d];
			if (isnan(c[0]))
				continue;
			double dist = 0;
			for (size_t k = 0; k < d; k++) {
				double diff = (double)x[i * d + k] - c[k];
				dist += diff * diff;
			}
			if (dist < best_d) {
				best_d = dist;
				out[i] = (uint8_t)a;
			}
		}
	}
	free(x);
}
