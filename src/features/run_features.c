/* Per-run aggregate features for run-level classifiers: per transformation, the mean and max
 * log ratio of each delay to its training median; per host, pooled runtime and stage-in
 * ratios; and the makespan ratio. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/detect.h"
#include "wfad/run_features.h"

static const enum wfad_field stat_fields[WFAD_RUN_STATS] = {
	WFAD_F_RUNTIME,     WFAD_F_STAGE_IN_DELAY, WFAD_F_STAGE_OUT_DELAY,
	WFAD_F_QUEUE_DELAY, WFAD_F_CPU_TIME,       WFAD_F_WMS_DELAY,
};
enum { HOST_COLS = 8 };
_Static_assert(HOST_COLS + 1 == WFAD_RUN_SHARED_COLS, "shared columns: host pooling, makespan");

void wfad_run_featurizer_free(struct wfad_run_featurizer *rf)
{
	if (!rf)
		return;
	for (size_t t = 0; t < rf->n_tr; t++)
		free(rf->tr_names[t]);
	free(rf->tr_names);
	free(rf->median);
	memset(rf, 0, sizeof(*rf));
}

size_t wfad_run_featurizer_n_cols(const struct wfad_run_featurizer *rf)
{
	return rf->n_tr * WFAD_RUN_STATS * 2 + HOST_COLS + 1;
}

static double makespan(const struct wfad_dataset *ds, const struct wfad_run *run)
{
	double lo = INFINITY, hi = -INFINITY;
	for (size_t i = 0; i < ds->dag.n_nodes; i++) {
		const double *f = run->jobs[i].f;
		if (!isnan(f[WFAD_F_READY]))
			lo = fmin(lo, f[WFAD_F_READY]);
		double end = !isnan(f[WFAD_F_POST_SCRIPT_END]) ? f[WFAD_F_POST_SCRIPT_END]
							       : f[WFAD_F_EXECUTE_END];
		if (!isnan(end))
			hi = fmax(hi, end);
	}
	return hi > lo ? hi - lo : NAN;
}

static long find_tr(const struct wfad_run_featurizer *rf, const char *name)
{
	for (size_t t = 0; t < rf->n_tr; t++)
		if (strcmp(rf->tr_names[t], name) == 0)
			return (long)t;
	return -1;
}

enum wfad_status wfad_run_features_fit(struct wfad_run_featurizer *rf,
				       const struct wfad_dataset *ds, const size_t *runs,
				       size_t n_runs)
{
	struct wfad_run_featurizer t = {0};
	size_t nodes = ds->dag.n_nodes;
	double *buf = malloc((n_runs * nodes + 1) * sizeof(double));
	enum wfad_status st = WFAD_ENOMEM;
	t.tr_names = calloc(nodes + 1, sizeof(char *));
	if (!buf || !t.tr_names || !ds->node_transformation)
		goto cleanup;
	/* Transformations of the DAG, in node order of first appearance. */
	for (size_t i = 0; i < nodes; i++) {
		const char *name = wfad_dataset_string(ds, ds->node_transformation[i]);
		if (find_tr(&t, name) < 0 && !(t.tr_names[t.n_tr++] = strdup(name)))
			goto cleanup;
	}
	t.median = malloc(t.n_tr * WFAD_RUN_STATS * sizeof(double));
	if (!t.median)
		goto cleanup;
	for (size_t k = 0; k < t.n_tr; k++) {
		for (int s = 0; s < WFAD_RUN_STATS; s++) {
			size_t n = 0;
			for (size_t r = 0; r < n_runs; r++)
				for (size_t i = 0; i < nodes; i++) {
					if (strcmp(wfad_dataset_string(ds,
								       ds->node_transformation[i]),
						   t.tr_names[k]) != 0)
						continue;
					double v = ds->runs[runs[r]].jobs[i].f[stat_fields[s]];
					if (!isnan(v))
						buf[n++] = v;
				}
			t.median[k * WFAD_RUN_STATS + (size_t)s] = wfad_median(buf, n);
		}
	}
	size_t n = 0;
	for (size_t r = 0; r < n_runs; r++) {
		double m = makespan(ds, &ds->runs[runs[r]]);
		if (!isnan(m))
			buf[n++] = m;
	}
	t.makespan_median = wfad_median(buf, n);
	wfad_run_featurizer_free(rf);
	*rf = t;
	memset(&t, 0, sizeof(t));
	st = WFAD_OK;
cleanup:
	wfad_run_featurizer_free(&t);
	free(buf);
	return st;
}

/* log((v + 1) / (m + 1)): the ratio to the typical value, robust near zero. */
static double log_ratio(double v, double m)
{
	return isnan(v) || isnan(m) ? NAN : log((fmax(v, 0) + 1) / (fmax(m, 0) + 1));
}

static int cmp_desc(const void *a, const void *b)
{
	return -wfad_double_compare(a, b);
}

/* Host pooling of one statistic: max, second max, mean over hosts of the mean ratio, share
 * of hosts above log 1.5. */
static void host_pool(const double *sum, const size_t *cnt, size_t nh, size_t stride, double *tmp,
		      float *out)
{
	size_t m = 0;
	for (size_t h = 0; h < nh; h++)
		if (cnt[h * stride])
			tmp[m++] = sum[h * stride] / (double)cnt[h * stride];
	if (!m) {
		for (int k = 0; k < 4; k++)
			out[k] = NAN;
		return;
	}
	qsort(tmp, m, sizeof(double), cmp_desc);
	double mean = 0, above = 0;
	for (size_t h = 0; h < m; h++) {
		mean += tmp[h];
		above += tmp[h] > log(1.5);
	}
	out[0] = (float)tmp[0];
	out[1] = (float)(m > 1 ? tmp[1] : tmp[0]);
	out[2] = (float)(mean / (double)m);
	out[3] = (float)(above / (double)m);
}

enum wfad_status wfad_run_features_transform(const struct wfad_run_featurizer *rf,
					     const struct wfad_dataset *ds, const size_t *runs,
					     size_t n_runs, float *out)
{
	size_t nodes = ds->dag.n_nodes, cols = wfad_run_featurizer_n_cols(rf);
	size_t nt = ds->strings.count;
	long *tr_of = malloc((nt + 1) * sizeof(long));
	double *acc = malloc(rf->n_tr * WFAD_RUN_STATS * 3 * sizeof(double) + 1);
	double *hsum = malloc((2 * nt + 2) * sizeof(double));
	size_t *hcnt = malloc((2 * nt + 2) * sizeof(size_t));
	double *tmp = malloc((nt + 1) * sizeof(double));
	if (!tr_of || !acc || !hsum || !hcnt || !tmp) {
		free(tr_of);
		free(acc);
		free(hsum);
		free(hcnt);
		free(tmp);
		return WFAD_ENOMEM;
	}
	for (size_t s = 0; s < nt; s++)
		tr_of[s] = find_tr(rf, ds->strings.items[s]);
	for (size_t r = 0; r < n_runs; r++) {
		const struct wfad_run *run = &ds->runs[runs[r]];
		float *o = &out[r * cols];
		/* acc per (transformation, stat): sum, count, max */
		for (size_t k = 0; k < rf->n_tr * WFAD_RUN_STATS; k++) {
			acc[3 * k] = 0;
			acc[3 * k + 1] = 0;
			acc[3 * k + 2] = -INFINITY;
		}
		memset(hsum, 0, (2 * nt + 2) * sizeof(double));
		memset(hcnt, 0, (2 * nt + 2) * sizeof(size_t));
		for (size_t i = 0; i < nodes; i++) {
			const struct wfad_job *j = &run->jobs[i];
			long t = j->transformation == WFAD_NO_ID ? -1 : tr_of[j->transformation];
			if (t < 0)
				continue;
			for (int s = 0; s < WFAD_RUN_STATS; s++) {
				double lr = log_ratio(
					j->f[stat_fields[s]],
					rf->median[(size_t)t * WFAD_RUN_STATS + (size_t)s]);
				if (isnan(lr))
					continue;
				double *a = &acc[3 * ((size_t)t * WFAD_RUN_STATS + (size_t)s)];
				a[0] += lr;
				a[1] += 1;
				a[2] = fmax(a[2], lr);
				/* host pooling over compute jobs: runtime (s 0) and stage-in (s 1)
				 */
				if (s < 2 && j->type == WFAD_JOB_COMPUTE && j->host != WFAD_NO_ID) {
					hsum[2 * j->host + (size_t)s] += lr;
					hcnt[2 * j->host + (size_t)s]++;
				}
			}
		}
		size_t c = 0;
		for (size_t k = 0; k < rf->n_tr * WFAD_RUN_STATS; k++) {
			bool any = acc[3 * k + 1] > 0;
			o[c++] = any ? (float)(acc[3 * k] / acc[3 * k + 1]) : NAN;
			o[c++] = any ? (float)acc[3 * k + 2] : NAN;
		}
		for (size_t s = 0; s < 2; s++, c += 4)
			host_pool(hsum + s, hcnt + s, nt, 2, tmp, &o[c]);
		o[c++] = (float)log_ratio(makespan(ds, run), rf->makespan_median);
		WFAD_ASSERT(c == cols);
	}
	free(tr_of);
	free(acc);
	free(hsum);
	free(hcnt);
	free(tmp);
	return WFAD_OK;
}

void wfad_run_features_summary(const struct wfad_run_featurizer *rf, const float *row, float *out)
{
	size_t n_tr = rf->n_tr, nb = n_tr * WFAD_RUN_STATS * 2;
	memcpy(out, row + nb, WFAD_RUN_SHARED_COLS * sizeof(float));
	float *o = out + WFAD_RUN_SHARED_COLS;
	for (size_t s = 0; s < WFAD_RUN_STATS; s++) {
		double top = -INFINITY, sum = 0, jmax = -INFINITY;
		size_t n = 0;
		for (size_t t = 0; t < n_tr; t++) {
			float mean = row[(t * WFAD_RUN_STATS + s) * 2];
			float mx = row[(t * WFAD_RUN_STATS + s) * 2 + 1];
			if (isnan(mean))
				continue;
			top = fmax(top, mean);
			jmax = fmax(jmax, mx);
			sum += mean;
			n++;
		}
		o[3 * s] = n ? (float)top : NAN;
		o[3 * s + 1] = n ? (float)(sum / (double)n) : NAN;
		o[3 * s + 2] = n ? (float)jmax : NAN;
	}
}

#define RUN_FEATURES_MAGIC 0x54465257u /* "WRFT" */
#define RUN_FEATURES_VERSION 1u

enum wfad_status wfad_run_features_save(const struct wfad_run_featurizer *rf, FILE *f)
{
	bool ok = wfad_io_write_u32(f, RUN_FEATURES_MAGIC) &&
		  wfad_io_write_u32(f, RUN_FEATURES_VERSION) &&
		  wfad_io_write_u32(f, (uint32_t)rf->n_tr);
	for (size_t t = 0; ok && t < rf->n_tr; t++)
		ok = wfad_io_write_str(f, rf->tr_names[t]) &&
		     wfad_io_write_f64s(f, rf->median + t * WFAD_RUN_STATS, WFAD_RUN_STATS);
	ok = ok && wfad_io_write_f64(f, rf->makespan_median);
	return ok ? WFAD_OK : WFAD_EIO;
}

enum wfad_status wfad_run_features_load(struct wfad_run_featurizer *rf, FILE *f,
					struct wfad_error *err)
{
	struct wfad_run_featurizer t = {0};
	uint32_t n_tr = 0;
	enum wfad_status st = wfad_io_read_tag(f, RUN_FEATURES_MAGIC, RUN_FEATURES_VERSION,
					       "run featurizer", err);
	if (st != WFAD_OK)
		return st;
	if (!wfad_io_read_u32(f, &n_tr))
		goto truncated;
	if (n_tr == 0 || n_tr > (1u << 20))
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				      "run featurizer with %u transformations", n_tr);
	t.tr_names = calloc(n_tr, sizeof(char *));
	t.median = malloc(n_tr * WFAD_RUN_STATS * sizeof(double));
	if (!t.tr_names || !t.median) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto fail;
	}
	for (uint32_t k = 0; k < n_tr; k++) {
		char buf[WFAD_IO_MAX_STRING + 1];
		if (!wfad_io_read_str(f, buf, sizeof(buf)) ||
		    !wfad_io_read_f64s(f, t.median + (size_t)k * WFAD_RUN_STATS, WFAD_RUN_STATS))
			goto truncated;
		if (!(t.tr_names[k] = strdup(buf))) {
			st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
			goto fail;
		}
		t.n_tr = k + 1;
	}
	if (!wfad_io_read_f64(f, &t.makespan_median))
		goto truncated;
	wfad_run_featurizer_free(rf);
	*rf = t;
	return WFAD_OK;
truncated:
	st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated run featurizer");
fail:
	t.n_tr = t.tr_names ? n_tr : 0; /* free every name slot (calloc'ed) */
	wfad_run_featurizer_free(&t);
	return st;
}

static const char *const stat_names[WFAD_RUN_STATS] = {
	"runtime", "stage-in", "stage-out", "queue", "CPU time", "WMS delay",
};

void wfad_run_features_column_name(const struct wfad_run_featurizer *rf, size_t col, char *buf,
				   size_t size)
{
	size_t nb = rf->n_tr * WFAD_RUN_STATS * 2;
	static const char *const pool[4] = {"the slowest host's", "the second slowest host's",
					    "the hosts' mean", "the share of hosts above 1.5x in"};
	if (col < nb) {
		size_t t = col / (WFAD_RUN_STATS * 2), s = col / 2 % WFAD_RUN_STATS;
		snprintf(buf, size, "%s %s ratio of %s jobs", col % 2 ? "largest" : "mean",
			 stat_names[s], rf->tr_names[t]);
	} else if (col < nb + 8) {
		size_t h = col - nb;
		snprintf(buf, size, "%s %s ratio", pool[h % 4], h < 4 ? "runtime" : "stage-in");
	} else if (col == nb + 8) {
		snprintf(buf, size, "makespan ratio");
	} else {
		snprintf(buf, size, "column %zu", col);
	}
}
