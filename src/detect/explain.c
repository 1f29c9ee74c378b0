/* Explanations: which features drove a job's score. Feature-based detectors: ablation (set one
 * feature to the median of the job's transformation in training, rescore, the score drop is the
 * contribution). Graph detectors with gradients: gradient x (input - typical) over the
 * features of the job and of the jobs that weigh most on it (parents, children, same host).
 * Detectors reading the raw trace: robust z of the raw delays against the same per-transformation
 * statistics. Reasons name raw values and typical values in seconds. */
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

/* Robust z of a raw value against its transformation's statistics (NaN when unknown). */
static double raw_z(const struct wfad_model_tstats *ts, int s, double v)
{
	if (!ts || isnan(v) || isnan(ts->median[s]))
		return NAN;
	double scale = fmax(1.4826 * ts->mad[s], 0.05 * fabs(ts->median[s]) + 0.1);
	return (v - ts->median[s]) / scale;
}

/* Host-level evidence: how much slower than their transformations' medians the compute jobs
 * of this job's host ran in this run (geometric mean of runtime ratios). */
static bool host_reason(const struct wfad_model *m, const struct wfad_dataset *ds, size_t run,
			const struct wfad_job *job, struct wfad_reason *r)
{
	if (job->host == WFAD_NO_ID)
		return false;
	const struct wfad_run *rr = &ds->runs[run];
	double sum = 0;
	size_t n = 0;
	for (size_t i = 0; i < ds->dag.n_nodes; i++) {
		const struct wfad_job *j = &rr->jobs[i];
		if (j->host != job->host || j->type != WFAD_JOB_COMPUTE)
			continue;
		long ti = wfad_model_find_tstats(m, wfad_dataset_string(ds, j->transformation));
		double v = j->f[WFAD_F_RUNTIME];
		double med = ti >= 0 ? m->tstats[ti].median[2] : NAN;
		if (isnan(v) || isnan(med) || med <= 0 || v <= 0)
			continue;
		sum += log(v / med);
		n++;
	}
	if (n == 0)
		return false;
	double ratio = exp(sum / (double)n);
	memset(r, 0, sizeof(*r));
	snprintf(r->feature, sizeof(r->feature), "host_runtime");
	r->value = ratio;
	r->typical = 1;
	r->feature_value = r->feature_typical = NAN;
	r->contribution = 10 * log(ratio); /* ranks with the z of the job's own delays */
	snprintf(r->text, sizeof(r->text),
		 "jobs on host %s ran %.2fx their transformation's median runtime (%zu jobs)",
		 wfad_dataset_string(ds, job->host), ratio, n);
	return true;
}

/* Raw-trace detectors: rank the raw delays by robust z against their transformation; keep the
 * ones above the typical range (z > 1) when there are any. */
static size_t explain_raw(const struct wfad_model *m, const struct wfad_dataset *ds, size_t run,
			  const struct wfad_job *job, const struct wfad_model_tstats *ts,
			  const char *tname, struct wfad_reason *out, size_t max)
{
	struct wfad_reason cand[WFAD_MODEL_STATS + 1];
	size_t n = 0;
	if (m->ops->flags & WFAD_DETECTOR_HOST_POOLED && host_reason(m, ds, run, job, &cand[n]))
		n++;
	for (int s = 0; s < WFAD_MODEL_STATS && ts; s++) {
		double z = raw_z(ts, s, job->f[wfad_model_stat_fields[s]]);
		if (isnan(z))
			continue;
		cand[n].feature_value = NAN;
		cand[n].feature_typical = NAN;
		describe(&cand[n], stat_names[s], s, job, ts, tname, "");
		cand[n].contribution = z;
		n++;
	}
	qsort(cand, n, sizeof(*cand), cmp_reason);
	size_t strong = 0;
	while (strong < n && cand[strong].contribution > 1)
		strong++;
	if (strong)
		n = strong;
	if (n > max)
		n = max;
	memcpy(out, cand, n * sizeof(*cand));
	return n;
}

/* Feature ablation needs the detector to score rows on their own. */
static bool uses_ablation(const struct wfad_model *m)
{
	return !(m->ops->flags & (WFAD_DETECTOR_RAW_TRACE | WFAD_DETECTOR_GRAPH));
}

/* Graph detectors with input gradients: gradient x (input - typical) over the job and its
 * parents. */
static bool uses_gradient(const struct wfad_model *m)
{
	return (m->ops->flags & WFAD_DETECTOR_GRAPH) && m->ops->gradient;
}

/* How job `row` relates to job `node` in the run: itself, a DAG parent or child, a job of
 * the same worker host, or another job. */
static const char *relation(const struct wfad_dataset *ds, size_t run, size_t node, size_t row)
{
	if (row == node)
		return NULL;
	switch (wfad_dag_relation(&ds->dag, (uint32_t)node, (uint32_t)row)) {
	case WFAD_DAG_PARENT: return "parent";
	case WFAD_DAG_CHILD: return "child";
	case WFAD_DAG_NONE: break;
	}
	const struct wfad_job *jobs = ds->runs[run].jobs;
	if (jobs[row].host != WFAD_NO_ID && jobs[row].host == jobs[node].host)
		return "same host";
	return "job";
}

enum { GRADIENT_ROWS = 8 }; /* jobs whose features may give reasons: the job and 7 others */

/* Gradient x (x - typical) of the job's logit for every feature of the jobs of its run (each
 * row against its own transformation's median row): the first-order estimate of how much the
 * score would drop were that feature typical. Reasons come from the job itself and the
 * GRADIENT_ROWS - 1 other jobs with the largest total contribution (its parents, children or,
 * with the host relation, jobs of the same worker), each named with its relation. */
static size_t explain_gradient(const struct wfad_model *m, const struct wfad_dataset *ds,
			       size_t run, size_t node, const float *xrun, struct wfad_reason *out,
			       size_t max)
{
	size_t d = wfad_features_n_cols(&m->fz), nodes = ds->dag.n_nodes;
	float *grad = malloc((nodes * d + 1) * sizeof(float));
	double *total = calloc(nodes + 1, sizeof(double));
	struct wfad_reason *cand = malloc((GRADIENT_ROWS * d + 1) * sizeof(*cand));
	size_t rows[GRADIENT_ROWS], n_rows = 0, n = 0;
	struct wfad_jobset js = {
		.ds = ds, .runs = &run, .n_runs = 1, .n = nodes, .d = d, .x = xrun};
	if (!grad || !total || !cand || m->ops->gradient(m->det, &js, node, grad, NULL) != WFAD_OK)
		goto cleanup;
	for (size_t r = 0; r < nodes; r++) {
		const struct wfad_job *job = &ds->runs[run].jobs[r];
		long ti = wfad_model_find_tstats(m, wfad_dataset_string(ds, job->transformation));
		for (size_t c = 0; ti >= 0 && c < d; c++) {
			double v = (double)grad[r * d + c] *
				   (double)(xrun[r * d + c] - m->tcol_median[(size_t)ti * d + c]);
			total[r] += v > 0 ? v : 0;
		}
	}
	/* The job itself, then the others by total contribution (ties: DAG order). */
	rows[n_rows++] = node;
	while (n_rows < GRADIENT_ROWS) {
		size_t best = nodes;
		for (size_t r = 0; r < nodes; r++) {
			bool taken = false;
			for (size_t k = 0; k < n_rows && !taken; k++)
				taken = rows[k] == r;
			if (!taken && total[r] > 0 && (best == nodes || total[r] > total[best]))
				best = r;
		}
		if (best == nodes)
			break;
		rows[n_rows++] = best;
	}
	for (size_t k = 0; k < n_rows; k++) {
		size_t row = rows[k];
		const struct wfad_job *job = &ds->runs[run].jobs[row];
		const char *tname = wfad_dataset_string(ds, job->transformation);
		long ti = wfad_model_find_tstats(m, tname);
		if (ti < 0)
			continue;
		const char *rel = relation(ds, run, node, row);
		const float *x = &xrun[row * d], *typ = &m->tcol_median[(size_t)ti * d];
		for (size_t c = 0; c < d; c++) {
			double contribution = (double)grad[row * d + c] * (double)(x[c] - typ[c]);
			if (!(contribution > 0))
				continue;
			struct wfad_reason *r = &cand[n++];
			const char *col = wfad_features_column_name(&m->fz, c);
			r->feature_value = x[c];
			r->feature_typical = typ[c];
			describe(r, col, column_stat(col), job, &m->tstats[ti], tname,
				 wfad_dataset_string(ds, job->host));
			r->contribution = contribution;
			if (rel) {
				char text[sizeof(r->text)];
				snprintf(text, sizeof(text), "%s %.40s: %.140s", rel,
					 ds->dag.node_ids[row], r->text);
				memcpy(r->text, text, sizeof(text));
				snprintf(text, sizeof(r->feature), "%s.%.45s",
					 strcmp(rel, "same host") == 0 ? "host" : rel, r->feature);
				memcpy(r->feature, text, sizeof(r->feature));
			}
		}
	}
	qsort(cand, n, sizeof(*cand), cmp_reason);
	n = n > max ? max : n;
	memcpy(out, cand, n * sizeof(*cand));
cleanup:
	free(grad);
	free(total);
	free(cand);
	return n;
}

/* Explains one job; xrun is the run's feature matrix [nodes x d] when uses_ablation(m). */
static size_t explain_job(const struct wfad_model *m, const struct wfad_dataset *ds, size_t run,
			  size_t node, const float *xrun, struct wfad_reason *out, size_t max)
{
	const struct wfad_job *job = &ds->runs[run].jobs[node];
	const char *tname = wfad_dataset_string(ds, job->transformation);
	const char *host = wfad_dataset_string(ds, job->host);
	long ti = wfad_model_find_tstats(m, tname);
	const struct wfad_model_tstats *ts = ti >= 0 ? &m->tstats[ti] : NULL;
	if (max == 0)
		return 0;
	if (uses_gradient(m) && xrun) {
		size_t n = explain_gradient(m, ds, run, node, xrun, out, max);
		if (n > 0)
			return n;
	}
	if (!uses_ablation(m) || ti < 0)
		return explain_raw(m, ds, run, job, ts, tname, out, max);

	size_t d = wfad_features_n_cols(&m->fz);
	float *var = malloc((d + 1) * d * sizeof(float));
	double *sc = malloc((d + 1) * sizeof(double));
	struct wfad_reason *cand = malloc(d * sizeof(*cand));
	size_t n = 0;
	if (!xrun || !var || !sc || !cand)
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
	free(var);
	free(sc);
	free(cand);
	return n;
}

/* The run's feature matrix when explanations ablate features, else NULL (caller frees). */
static float *run_features(const struct wfad_model *m, const struct wfad_dataset *ds, size_t run)
{
	if (!uses_ablation(m) && !uses_gradient(m))
		return NULL;
	float *x = malloc(ds->dag.n_nodes * wfad_features_n_cols(&m->fz) * sizeof(float));
	if (x && wfad_features_transform(&m->fz, ds, &run, 1, x, NULL) != WFAD_OK) {
		free(x);
		x = NULL;
	}
	return x;
}

size_t wfad_model_explain(const struct wfad_model *m, const struct wfad_dataset *ds, size_t run,
			  size_t node, struct wfad_reason *out, size_t max)
{
	float *xrun = max ? run_features(m, ds, run) : NULL;
	size_t n = explain_job(m, ds, run, node, xrun, out, max);
	free(xrun);
	return n;
}

void wfad_model_explain_run(const struct wfad_model *m, const struct wfad_dataset *ds, size_t run,
			    const uint8_t *which, struct wfad_reason *out, size_t max,
			    size_t *counts)
{
	size_t nodes = ds->dag.n_nodes;
	bool any = false;
	for (size_t i = 0; i < nodes; i++) {
		counts[i] = 0;
		any |= which[i] != 0;
	}
	float *xrun = any && max ? run_features(m, ds, run) : NULL;
	for (size_t i = 0; i < nodes; i++)
		if (which[i])
			counts[i] = explain_job(m, ds, run, i, xrun, &out[i * max], max);
	free(xrun);
}
