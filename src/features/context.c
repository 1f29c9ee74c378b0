/* Context values: each job's log delays against its transformation (fitted and in-run) and the
 * evidence pooled over the compute jobs of its host in the same run. Formulas in
 * docs/features.md ("context") and docs/detectors.md (hostz). */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Weight of the run's median host in the host evidence: the average of the absolute evidence
 * (h) and the run-relative evidence (h - median host), i.e. h - 0.5 * median. */
static const double host_beta = 0.5;
/* 1.4826 * MAD estimates the standard deviation of a normal sample. */
static const double mad_to_sd = 1.4826;

struct ctx_pair {
	uint32_t id;  /* transformation (ds string id) */
	uint32_t job; /* node index, or unused */
	double v;
};

static int pair_cmp(const void *a, const void *b)
{
	const struct ctx_pair *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	if (x->v != y->v)
		return x->v < y->v ? -1 : 1;
	return (x->job > y->job) - (x->job < y->job);
}

static double floored_log(double x)
{
	return isnan(x) ? NAN : log(fmax(x, WFAD_FEATURES_LOG_FLOOR));
}

double wfad_ctx_log_delay(const struct wfad_job *job, enum wfad_ctx_delay k)
{
	double l = NAN;
	switch (k) {
	case WFAD_CTX_RUNTIME: l = floored_log(job->f[WFAD_F_RUNTIME]); break;
	case WFAD_CTX_CPU_TIME: l = floored_log(job->f[WFAD_F_CPU_TIME]); break;
	case WFAD_CTX_WAIT:
		l = floored_log(job->f[WFAD_F_RUNTIME]) - floored_log(job->f[WFAD_F_CPU_TIME]);
		break;
	case WFAD_CTX_STAGE_IN: l = floored_log(job->f[WFAD_F_STAGE_IN_DELAY]); break;
	case WFAD_CTX_STAGE_OUT: l = floored_log(job->f[WFAD_F_STAGE_OUT_DELAY]); break;
	case WFAD_CTX_QUEUE: l = floored_log(job->f[WFAD_F_QUEUE_DELAY]); break;
	case WFAD_CTX_UTIME: l = floored_log(job->f[WFAD_F_ONLINE_UTIME]); break;
	case WFAD_CTX_STAGE_IN_RATE:
		l = job->f[WFAD_F_STAGE_IN_BPS] > 0.0 ? log(job->f[WFAD_F_STAGE_IN_BPS]) : NAN;
		break;
	case WFAD_CTX_COUNT: WFAD_ASSERT(!"bad context delay");
	}
	return isfinite(l) ? l : NAN;
}

enum wfad_status wfad_ctx_fit_stats(const struct wfad_dataset *ds, const size_t *runs,
				    size_t n_runs, double *med, double *mad)
{
	size_t n_ids = ds->strings.count, n_nodes = ds->dag.n_nodes, n_jobs = n_runs * n_nodes;
	struct ctx_pair *pairs = malloc((n_jobs ? n_jobs : 1) * sizeof(*pairs));
	double *dev = malloc((n_jobs ? n_jobs : 1) * sizeof(*dev));
	enum wfad_status st = WFAD_OK;
	if (!pairs || !dev) {
		st = WFAD_ENOMEM;
		goto cleanup;
	}
	for (size_t i = 0; i < n_ids * WFAD_CTX_COUNT; i++)
		med[i] = mad[i] = NAN;
	for (int k = 0; k < WFAD_CTX_COUNT; k++) {
		size_t m = 0;
		for (size_t r = 0; r < n_runs; r++) {
			const struct wfad_job *jobs = ds->runs[runs ? runs[r] : r].jobs;
			for (size_t i = 0; i < n_nodes; i++) {
				double l = wfad_ctx_log_delay(&jobs[i], (enum wfad_ctx_delay)k);
				if (jobs[i].transformation < n_ids && !isnan(l))
					pairs[m++] =
						(struct ctx_pair){jobs[i].transformation, 0, l};
			}
		}
		qsort(pairs, m, sizeof(*pairs), pair_cmp);
		for (size_t a = 0; a < m;) {
			size_t b = a;
			while (b < m && pairs[b].id == pairs[a].id)
				b++;
			size_t n = b - a, h = a + n / 2; /* a..b sorted by value */
			double md = n % 2 ? pairs[h].v : 0.5 * (pairs[h - 1].v + pairs[h].v);
			for (size_t i = a; i < b; i++)
				dev[i - a] = fabs(pairs[i].v - md);
			med[pairs[a].id * WFAD_CTX_COUNT + k] = md;
			mad[pairs[a].id * WFAD_CTX_COUNT + k] = wfad_median(dev, n);
			a = b;
		}
	}
cleanup:
	free(pairs);
	free(dev);
	return st;
}

enum wfad_status wfad_ctx_work_init(struct wfad_ctx_work *w, const struct wfad_dataset *ds)
{
	memset(w, 0, sizeof(*w));
	size_t n = ds->dag.n_nodes ? ds->dag.n_nodes : 1;
	size_t h = ds->strings.count ? ds->strings.count : 1;
	w->n_nodes = ds->dag.n_nodes;
	w->n_ids = ds->strings.count;
	w->pairs = malloc(n * sizeof(*w->pairs));
	w->host_sum = calloc(h * WFAD_CTX_COUNT, sizeof(*w->host_sum));
	w->host_max = calloc(h * WFAD_CTX_COUNT, sizeof(*w->host_max));
	w->host_cnt = calloc(h * WFAD_CTX_COUNT, sizeof(*w->host_cnt));
	w->host_jobs = calloc(h, sizeof(*w->host_jobs));
	w->host_e = calloc(h, sizeof(*w->host_e));
	w->hosts = malloc(n * sizeof(*w->hosts));
	w->tmp = malloc(n * sizeof(*w->tmp));
	if (!w->pairs || !w->host_sum || !w->host_max || !w->host_cnt || !w->host_jobs ||
	    !w->host_e || !w->hosts || !w->tmp) {
		wfad_ctx_work_free(w);
		return WFAD_ENOMEM;
	}
	return WFAD_OK;
}

void wfad_ctx_work_free(struct wfad_ctx_work *w)
{
	free(w->pairs);
	free(w->host_sum);
	free(w->host_max);
	free(w->host_cnt);
	free(w->host_jobs);
	free(w->host_e);
	free(w->hosts);
	free(w->tmp);
	memset(w, 0, sizeof(*w));
}

static double clip_z(double z)
{
	return fmin(fmax(z, -WFAD_FEATURES_Z_CLIP), WFAD_FEATURES_Z_CLIP);
}

/* Robust scale of delay k of fitted transformation tr (NaN when unknown). */
static double tr_scale(const struct wfad_featurizer *fz, uint32_t tr, int k)
{
	if (tr == UINT32_MAX)
		return NAN;
	double mad = fz->tr_log_mad[(size_t)tr * WFAD_CTX_COUNT + k];
	return isnan(mad) ? NAN : fmax(mad_to_sd * mad, WFAD_FEATURES_MAD_FLOOR);
}

/* Z and REL blocks of out. */
static void job_z(const struct wfad_featurizer *fz, const uint32_t *map,
		  const struct wfad_dataset *ds, const struct wfad_job *jobs,
		  struct wfad_ctx_work *w, double *out)
{
	size_t n = w->n_nodes;
	for (int k = 0; k < WFAD_CTX_COUNT; k++) {
		size_t m = 0;
		for (size_t i = 0; i < n; i++) {
			const struct wfad_job *job = &jobs[i];
			uint32_t tr = UINT32_MAX;
			if (job->transformation < ds->strings.count)
				tr = map[job->transformation];
			double l = wfad_ctx_log_delay(job, (enum wfad_ctx_delay)k);
			double s = tr_scale(fz, tr, k), z = NAN;
			if (!isnan(l) && !isnan(s)) {
				double med = fz->tr_log_median[(size_t)tr * WFAD_CTX_COUNT + k];
				z = clip_z((l - med) / s);
			}
			out[i * WFAD_CTX_VALUES + WFAD_CTX_Z + k] = z;
			out[i * WFAD_CTX_VALUES + WFAD_CTX_REL + k] = NAN;
			if (!isnan(z))
				w->pairs[m++] =
					(struct ctx_pair){job->transformation, (uint32_t)i, l};
		}
		/* In-run median of each transformation over its jobs with a z, then REL. */
		qsort(w->pairs, m, sizeof(*w->pairs), pair_cmp);
		for (size_t a = 0; a < m;) {
			size_t b = a;
			while (b < m && w->pairs[b].id == w->pairs[a].id)
				b++;
			size_t cnt = b - a, h = a + cnt / 2;
			double md =
				cnt % 2 ? w->pairs[h].v : 0.5 * (w->pairs[h - 1].v + w->pairs[h].v);
			for (size_t p = a; p < b; p++) {
				size_t i = w->pairs[p].job;
				uint32_t tr = map[jobs[i].transformation];
				out[i * WFAD_CTX_VALUES + WFAD_CTX_REL + k] =
					clip_z((w->pairs[p].v - md) / tr_scale(fz, tr, k));
			}
			a = b;
		}
	}
}

/* Evidence of one job for the host pool: z(runtime) + z(wait), a missing term counting 0. */
static double job_evidence(const double *row)
{
	double zr = row[WFAD_CTX_Z + WFAD_CTX_RUNTIME], zw = row[WFAD_CTX_Z + WFAD_CTX_WAIT];
	return (isnan(zr) ? 0.0 : zr) + (isnan(zw) ? 0.0 : zw);
}

void wfad_ctx_run(const struct wfad_featurizer *fz, const uint32_t *map,
		  const struct wfad_dataset *ds, const struct wfad_job *jobs,
		  struct wfad_ctx_work *w, double *out)
{
	WFAD_ASSERT(fz->tr_log_median && fz->tr_log_mad);
	WFAD_ASSERT(w->n_nodes == ds->dag.n_nodes && w->n_ids == ds->strings.count);
	size_t n = w->n_nodes, n_hosts = 0;
	job_z(fz, map, ds, jobs, w, out);

	/* Pool over the compute jobs of each host. Hosts are ds string ids; only the hosts of
	 * this run are touched (and reset at the end). */
	for (size_t i = 0; i < n; i++) {
		const struct wfad_job *job = &jobs[i];
		uint32_t h = job->host;
		if (job->type != WFAD_JOB_COMPUTE || h >= w->n_ids)
			continue;
		if (w->host_jobs[h]++ == 0)
			w->hosts[n_hosts++] = h;
		const double *row = out + i * WFAD_CTX_VALUES;
		w->host_e[h] += job_evidence(row);
		for (int k = 0; k < WFAD_CTX_COUNT; k++) {
			double z = row[WFAD_CTX_Z + k];
			size_t hk = (size_t)h * WFAD_CTX_COUNT + k;
			if (isnan(z))
				continue;
			w->host_max[hk] = w->host_cnt[hk] ? fmax(w->host_max[hk], z) : z;
			w->host_sum[hk] += z;
			w->host_cnt[hk]++;
		}
	}
	/* The run's median host, per delay and for the evidence. */
	double med_k[WFAD_CTX_COUNT], med_e = 0.0;
	for (int k = 0; k < WFAD_CTX_COUNT; k++) {
		size_t m = 0;
		for (size_t a = 0; a < n_hosts; a++) {
			size_t hk = (size_t)w->hosts[a] * WFAD_CTX_COUNT + k;
			if (w->host_cnt[hk])
				w->tmp[m++] = w->host_sum[hk] / w->host_cnt[hk];
		}
		med_k[k] = m ? wfad_median(w->tmp, m) : NAN;
	}
	for (size_t a = 0; a < n_hosts; a++)
		w->tmp[a] = w->host_e[w->hosts[a]] / w->host_jobs[w->hosts[a]];
	if (n_hosts)
		med_e = wfad_median(w->tmp, n_hosts);

	for (size_t i = 0; i < n; i++) {
		double *row = out + i * WFAD_CTX_VALUES;
		uint32_t h = jobs[i].host;
		bool worker = h < w->n_ids && w->host_jobs[h] > 0;
		row[WFAD_CTX_HOST_JOBS] = worker ? (double)w->host_jobs[h] : 0.0;
		row[WFAD_CTX_HOST_EVIDENCE] =
			worker ? w->host_e[h] / w->host_jobs[h] - host_beta * med_e : NAN;
		for (int k = 0; k < WFAD_CTX_COUNT; k++) {
			size_t hk = (size_t)h * WFAD_CTX_COUNT + k;
			double mean = NAN, max = NAN, rel = NAN;
			if (worker && w->host_cnt[hk]) {
				mean = w->host_sum[hk] / w->host_cnt[hk];
				max = w->host_max[hk];
				rel = mean - med_k[k];
			}
			row[WFAD_CTX_HOST_MEAN + k] = mean;
			row[WFAD_CTX_HOST_MAX + k] = max;
			row[WFAD_CTX_HOST_REL + k] = rel;
		}
	}
	for (size_t a = 0; a < n_hosts; a++) {
		uint32_t h = w->hosts[a];
		w->host_jobs[h] = 0;
		w->host_e[h] = 0.0;
		for (int k = 0; k < WFAD_CTX_COUNT; k++) {
			size_t hk = (size_t)h * WFAD_CTX_COUNT + k;
			w->host_sum[hk] = w->host_max[hk] = 0.0;
			w->host_cnt[hk] = 0;
		}
	}
}
