/* Explanations: which features drove a job's score. Feature-based detectors: ablation (set one
 * feature to the median of the job's transformation in training, rescore, the score drop is the
 * contribution). Detectors reading the raw trace: robust z of the raw delays against the same
 * per-transformation statistics. Reasons name raw values and typical values in seconds. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model_internal.h"

static const char *const stat_names[WFAD_MODEL_STATS] = {
	"wms_delay",      "queue_delay",     "runtime", "post_script_delay",
	"stage_in_delay", "stage_out_delay", "cpu_time"};

/* The raw statistic a column is about, or -1 ("log_cpu_time" -> cpu_time). */
static int column_stat(const char *col)
{
	if (!col)
		return -1;
	if (strstr(col, "bytes") || strstr(col, "online") || strstr(col, "missing"))
		return -1;
	for (int s = 0; s < WFAD_MODEL_STATS; s++)
		if (strstr(col, stat_names[s]))
			return s;
	return -1;
}

static int cmp_reason(const void *a, const void *b)
{
	double x = ((const struct wfad_reason *)a)->contribution;
	double y = ((const struct wfad_reason *)b)->contribution;
	return x > y ? -1 : x < y;
}

static void describe(struct wfad_reason *r, const char *col, int stat, const struct wfad_job *job,
		     const struct wfad_model_tstats *ts, const char *tname, const char *host)
{
	snprintf(r->feature, sizeof(r->feature), "%s", col);
	r->value = stat >= 0 ? job->f[wfad_model_stat_fields[stat]] : NAN;
	r->typical = stat >= 0 && ts ? ts->median[stat] : NAN;
	bool pooled = strstr(col, "host") != NULL;
	char prefix[96] = "";
	if (pooled)
		snprintf(prefix, sizeof(prefix), "jobs on host %s: ", host[0] ? host : "?");
	if (stat < 0 && !isnan(r->feature_value)) {
		snprintf(r->text, sizeof(r->text), "%s%s %.3g (typical for %s: %.3g, scaled)",
			 prefix, col, r->feature_value, tname, r->feature_typical);
	} else if (stat < 0) {
		snprintf(r->text, sizeof(r->text), "%s%s", prefix, col);
	} else if (isnan(r->value)) {
		snprintf(r->text, sizeof(r->text), "%s%s missing", prefix, stat_names[stat]);
	} else if (!isnan(r->typical) && r->typical > 0) {
		snprintf(r->text, sizeof(r->text),
			 "%s%s %.6g s, %.1fx the median of %s jobs (%.6g s)", pooled ? prefix : "",
			 stat_names[stat], r->value, r->value / r->typical, tname, r->typical);
		if (pooled)
			snprintf(r->text + strlen(r->text), sizeof(r->text) - strlen(r->text),
				 " [%s]", col);
	} else {
		snprintf(r->text, sizeof(r->text), "%s%s %.6g s (median of %s jobs: %.6g s)",
			 prefix, stat_names[stat], r->value, tname,
			 isnan(r->typical) ? 0.0 : r->typical);
	}
}

/* Raw-trace detectors: rank the raw delays by robust z against their transformation. */
static size_t explain_raw(const struct wfad_model *m, const struct wfad_dataset *ds,
			  const struct wfad_job *job, const struct wfad_model_tstats *ts,
			  const char *tname, struct wfad_reason *out, size_t max)
{
	struct wfad_reason cand[WFAD_MODEL_STATS];
	size_t n = 0;
	for (int s = 0; s < WFAD_MODEL_STATS && ts; s++) {
		double v = job->f[wfad_model_stat_fields[s]];
		if (isnan(v) || isnan(ts->median[s]))
			continue;
		double scale = fmax(1.4826 * ts->mad[s], 0.05 * fabs(ts->median[s]) + 0.1);
		cand[n].feature_value = NAN;
		cand[n].feature_typical = NAN;
		describe(&cand[n], stat_names[s], s, job, ts, tname, "");
		cand[n].contribution = (v - ts->median[s]) / scale;
		n++;
	}
	(void)m;
	(void)ds;
	qsort(cand, n, sizeof(*cand), cmp_reason);
	if (n > max)
		n = max;
	memcpy(out, cand, n * sizeof(*cand));
	return n;
}

size_t wfad_model_explain(const struct wfad_model *m, const struct wfad_dataset *ds, size_t run,
			  size_t node, struct wfad_reason *out, size_t max)
{
	const struct wfad_job *job = &ds->runs[run].jobs[node];
	const char *tname = wfad_dataset_string(ds, job->transformation);
	const char *host = wfad_dataset_string(ds, job->host);
	long ti = wfad_model_find_tstats(m, tname);
	const struct wfad_model_tstats *ts = ti >= 0 ? &m->tstats[ti] : NULL;
	if (max == 0)
		return 0;
	if (m->ops->flags & WFAD_DETECTOR_RAW_TRACE || ti < 0)
		return explain_raw(m, ds, job, ts, tname, out, max);

	size_t d = wfad_features_n_cols(&m->fz), nodes = ds->dag.n_nodes;
	float *xrun = malloc(nodes * d * sizeof(float));
	float *var = malloc((d + 1) * d * sizeof(float));
	double *sc = malloc((d + 1) * sizeof(double));
	struct wfad_reason *cand = malloc(d * sizeof(*cand));
	size_t n = 0;
	if (!xrun || !var || !sc || !cand ||
	    wfad_features_transform(&m->fz, ds, &run, 1, xrun, NULL) != WFAD_OK)
		goto cleanup;
	/* Row 0: the job as it is; row 1 + c: feature c set to its transformation's median. */
	const float *x = &xrun[node * d];
	const float *typ = &m->tcol_median[(size_t)ti * d];
	for (size_t v = 0; v <= d; v++) {
		memcpy(&var[v * d], x, d * sizeof(float));
		if (v > 0)
			var[v * d + (v - 1)] = typ[v - 1];
	}
	/* The variants form a jobset of d + 1 rows; feature-based detectors score rows
	 * independently of the run structure. */
	struct wfad_jobset js = {.ds = ds, .runs = &run, .n_runs = 1, .n = d + 1, .d = d, .x = var};
	if (m->ops->score(m->det, &js, sc, NULL) != WFAD_OK)
		goto cleanup;
	for (size_t c = 0; c < d; c++) {
		if (var[(c + 1) * d + c] == x[c])
			continue; /* already typical: no information */
		const char *col = wfad_features_column_name(&m->fz, c);
		cand[n].feature_value = x[c];
		cand[n].feature_typical = typ[c];
		describe(&cand[n], col, column_stat(col), job, ts, tname, host);
		cand[n].contribution = sc[0] - sc[c + 1];
		n++;
	}
	qsort(cand, n, sizeof(*cand), cmp_reason);
	if (n > max)
		n = max;
	memcpy(out, cand, n * sizeof(*cand));
	if (n == 0) {
		/* Every feature is at its transformation's typical value: the detector finds the
		 * job unusual among all jobs, not among its own kind. Say so. */
		struct wfad_reason *r = &out[0];
		memset(r, 0, sizeof(*r));
		snprintf(r->feature, sizeof(r->feature), "transformation");
		r->value = r->typical = r->feature_value = r->feature_typical = NAN;
		snprintf(r->text, sizeof(r->text),
			 "no feature stands out: typical of %s jobs, which are rare in training "
			 "(%zu of %zu jobs)",
			 tname, ts->count, m->n_train_jobs);
		n = 1;
	}
cleanup:
	free(xrun);
	free(var);
	free(sc);
	free(cand);
	return n;
}
