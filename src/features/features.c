/* Feature extraction: the column tables, transformation statistics, normaliser fit, transform. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum col_kind {
	COL_FIELD,   /* job->f[arg] */
	COL_DEPTH,   /* DAG level of the node */
	COL_LOG,     /* signed log1p of job->f[arg] */
	COL_REL,     /* job->f[arg] / median of the job's transformation */
	COL_MISSING, /* 1 when value column arg is missing */
	COL_TYPE,    /* 1 when job->type == arg */
	COL_CTX,     /* context value arg of the job (wfad_features_context_values) */
};

struct column {
	const char *name;
	unsigned char kind;
	unsigned char arg;
};

/* Each set is a prefix of the table: DELAYS the first 7 entries, RICH the first 46 (its value
 * columns first, then indicators, then one-hot), CONTEXT all 105 (RICH, then context values,
 * then their indicators). Value columns are the ones normalised. */
enum { N_DELAYS_COLS = 7, N_RICH_COLS = 46, N_CONTEXT_COLS = 105 };

static const struct column columns[N_CONTEXT_COLS] = {
	{"wms_delay", COL_FIELD, WFAD_F_WMS_DELAY},
	{"queue_delay", COL_FIELD, WFAD_F_QUEUE_DELAY},
	{"runtime", COL_FIELD, WFAD_F_RUNTIME},
	{"post_script_delay", COL_FIELD, WFAD_F_POST_SCRIPT_DELAY},
	{"stage_in_delay", COL_FIELD, WFAD_F_STAGE_IN_DELAY},
	{"stage_out_delay", COL_FIELD, WFAD_F_STAGE_OUT_DELAY},
	{"depth", COL_DEPTH, 0},
	/* 7 */
	{"log_stage_in_bytes", COL_LOG, WFAD_F_STAGE_IN_BYTES},
	{"log_stage_out_bytes", COL_LOG, WFAD_F_STAGE_OUT_BYTES},
	{"log_cpu_time", COL_LOG, WFAD_F_CPU_TIME},
	{"log_online_iowait", COL_LOG, WFAD_F_ONLINE_IOWAIT},
	{"log_online_bytes_read", COL_LOG, WFAD_F_ONLINE_BYTES_READ},
	{"log_online_bytes_written", COL_LOG, WFAD_F_ONLINE_BYTES_WRITTEN},
	{"log_online_read_syscalls", COL_LOG, WFAD_F_ONLINE_READ_SYSCALLS},
	{"log_online_write_syscalls", COL_LOG, WFAD_F_ONLINE_WRITE_SYSCALLS},
	{"log_online_utime", COL_LOG, WFAD_F_ONLINE_UTIME},
	{"log_online_stime", COL_LOG, WFAD_F_ONLINE_STIME},
	{"log_online_bytes_read_per_second", COL_LOG, WFAD_F_ONLINE_BYTES_READ_PER_SECOND},
	{"log_online_bytes_written_per_second", COL_LOG, WFAD_F_ONLINE_BYTES_WRITTEN_PER_SECOND},
	/* 19 */
	{"runtime_rel_transformation", COL_REL, WFAD_F_RUNTIME},
	{"cpu_time_rel_transformation", COL_REL, WFAD_F_CPU_TIME},
	/* 21: indicators; arg is the value column */
	{"missing_wms_delay", COL_MISSING, 0},
	{"missing_queue_delay", COL_MISSING, 1},
	{"missing_runtime", COL_MISSING, 2},
	{"missing_post_script_delay", COL_MISSING, 3},
	{"missing_stage_in_delay", COL_MISSING, 4},
	{"missing_stage_out_delay", COL_MISSING, 5},
	{"missing_stage_in_bytes", COL_MISSING, 7},
	{"missing_stage_out_bytes", COL_MISSING, 8},
	{"missing_cpu_time", COL_MISSING, 9},
	{"missing_online_iowait", COL_MISSING, 10},
	{"missing_online_bytes_read", COL_MISSING, 11},
	{"missing_online_bytes_written", COL_MISSING, 12},
	{"missing_online_read_syscalls", COL_MISSING, 13},
	{"missing_online_write_syscalls", COL_MISSING, 14},
	{"missing_online_utime", COL_MISSING, 15},
	{"missing_online_stime", COL_MISSING, 16},
	{"missing_online_bytes_read_per_second", COL_MISSING, 17},
	{"missing_online_bytes_written_per_second", COL_MISSING, 18},
	{"missing_runtime_rel_transformation", COL_MISSING, 19},
	{"missing_cpu_time_rel_transformation", COL_MISSING, 20},
	/* 41: one-hot of enum wfad_job_type */
	{"type_unknown", COL_TYPE, WFAD_JOB_UNKNOWN},
	{"type_auxiliary", COL_TYPE, WFAD_JOB_AUXILIARY},
	{"type_compute", COL_TYPE, WFAD_JOB_COMPUTE},
	{"type_transfer", COL_TYPE, WFAD_JOB_TRANSFER},
	{"type_subwf", COL_TYPE, WFAD_JOB_SUBWF},
	/* 46: context values; arg is the index in a wfad_features_context_values row */
	{"ctx_z_runtime", COL_CTX, WFAD_CTX_Z + WFAD_CTX_RUNTIME},
	{"ctx_z_cpu_time", COL_CTX, WFAD_CTX_Z + WFAD_CTX_CPU_TIME},
	{"ctx_z_wait", COL_CTX, WFAD_CTX_Z + WFAD_CTX_WAIT},
	{"ctx_z_stage_in", COL_CTX, WFAD_CTX_Z + WFAD_CTX_STAGE_IN},
	{"ctx_z_stage_out", COL_CTX, WFAD_CTX_Z + WFAD_CTX_STAGE_OUT},
	{"ctx_z_queue", COL_CTX, WFAD_CTX_Z + WFAD_CTX_QUEUE},
	{"ctx_z_utime", COL_CTX, WFAD_CTX_Z + WFAD_CTX_UTIME},
	{"ctx_z_stage_in_rate", COL_CTX, WFAD_CTX_Z + WFAD_CTX_STAGE_IN_RATE},
	{"ctx_rel_runtime", COL_CTX, WFAD_CTX_REL + WFAD_CTX_RUNTIME},
	{"ctx_rel_cpu_time", COL_CTX, WFAD_CTX_REL + WFAD_CTX_CPU_TIME},
	{"ctx_rel_wait", COL_CTX, WFAD_CTX_REL + WFAD_CTX_WAIT},
	{"ctx_rel_stage_in", COL_CTX, WFAD_CTX_REL + WFAD_CTX_STAGE_IN},
	{"ctx_rel_stage_out", COL_CTX, WFAD_CTX_REL + WFAD_CTX_STAGE_OUT},
	{"ctx_rel_queue", COL_CTX, WFAD_CTX_REL + WFAD_CTX_QUEUE},
	{"ctx_rel_utime", COL_CTX, WFAD_CTX_REL + WFAD_CTX_UTIME},
	{"ctx_rel_stage_in_rate", COL_CTX, WFAD_CTX_REL + WFAD_CTX_STAGE_IN_RATE},
	{"ctx_host_mean_runtime", COL_CTX, WFAD_CTX_HOST_MEAN + WFAD_CTX_RUNTIME},
	{"ctx_host_mean_cpu_time", COL_CTX, WFAD_CTX_HOST_MEAN + WFAD_CTX_CPU_TIME},
	{"ctx_host_mean_wait", COL_CTX, WFAD_CTX_HOST_MEAN + WFAD_CTX_WAIT},
	{"ctx_host_mean_stage_in", COL_CTX, WFAD_CTX_HOST_MEAN + WFAD_CTX_STAGE_IN},
	{"ctx_host_mean_stage_out", COL_CTX, WFAD_CTX_HOST_MEAN + WFAD_CTX_STAGE_OUT},
	{"ctx_host_mean_queue", COL_CTX, WFAD_CTX_HOST_MEAN + WFAD_CTX_QUEUE},
	{"ctx_host_mean_utime", COL_CTX, WFAD_CTX_HOST_MEAN + WFAD_CTX_UTIME},
	{"ctx_host_mean_stage_in_rate", COL_CTX, WFAD_CTX_HOST_MEAN + WFAD_CTX_STAGE_IN_RATE},
	{"ctx_host_max_runtime", COL_CTX, WFAD_CTX_HOST_MAX + WFAD_CTX_RUNTIME},
	{"ctx_host_max_cpu_time", COL_CTX, WFAD_CTX_HOST_MAX + WFAD_CTX_CPU_TIME},
	{"ctx_host_max_wait", COL_CTX, WFAD_CTX_HOST_MAX + WFAD_CTX_WAIT},
	{"ctx_host_max_stage_in", COL_CTX, WFAD_CTX_HOST_MAX + WFAD_CTX_STAGE_IN},
	{"ctx_host_max_stage_out", COL_CTX, WFAD_CTX_HOST_MAX + WFAD_CTX_STAGE_OUT},
	{"ctx_host_max_queue", COL_CTX, WFAD_CTX_HOST_MAX + WFAD_CTX_QUEUE},
	{"ctx_host_max_utime", COL_CTX, WFAD_CTX_HOST_MAX + WFAD_CTX_UTIME},
	{"ctx_host_max_stage_in_rate", COL_CTX, WFAD_CTX_HOST_MAX + WFAD_CTX_STAGE_IN_RATE},
	{"ctx_host_rel_runtime", COL_CTX, WFAD_CTX_HOST_REL + WFAD_CTX_RUNTIME},
	{"ctx_host_rel_cpu_time", COL_CTX, WFAD_CTX_HOST_REL + WFAD_CTX_CPU_TIME},
	{"ctx_host_rel_wait", COL_CTX, WFAD_CTX_HOST_REL + WFAD_CTX_WAIT},
	{"ctx_host_rel_stage_in", COL_CTX, WFAD_CTX_HOST_REL + WFAD_CTX_STAGE_IN},
	{"ctx_host_rel_stage_out", COL_CTX, WFAD_CTX_HOST_REL + WFAD_CTX_STAGE_OUT},
	{"ctx_host_rel_queue", COL_CTX, WFAD_CTX_HOST_REL + WFAD_CTX_QUEUE},
	{"ctx_host_rel_utime", COL_CTX, WFAD_CTX_HOST_REL + WFAD_CTX_UTIME},
	{"ctx_host_rel_stage_in_rate", COL_CTX, WFAD_CTX_HOST_REL + WFAD_CTX_STAGE_IN_RATE},
	{"ctx_host_jobs", COL_CTX, WFAD_CTX_HOST_JOBS},
	{"ctx_host_evidence", COL_CTX, WFAD_CTX_HOST_EVIDENCE},
	/* 88: indicators of the context values (each covers the values listed in docs) */
	{"missing_ctx_runtime", COL_MISSING, N_RICH_COLS + WFAD_CTX_Z + WFAD_CTX_RUNTIME},
	{"missing_ctx_cpu_time", COL_MISSING, N_RICH_COLS + WFAD_CTX_Z + WFAD_CTX_CPU_TIME},
	{"missing_ctx_wait", COL_MISSING, N_RICH_COLS + WFAD_CTX_Z + WFAD_CTX_WAIT},
	{"missing_ctx_stage_in", COL_MISSING, N_RICH_COLS + WFAD_CTX_Z + WFAD_CTX_STAGE_IN},
	{"missing_ctx_stage_out", COL_MISSING, N_RICH_COLS + WFAD_CTX_Z + WFAD_CTX_STAGE_OUT},
	{"missing_ctx_queue", COL_MISSING, N_RICH_COLS + WFAD_CTX_Z + WFAD_CTX_QUEUE},
	{"missing_ctx_utime", COL_MISSING, N_RICH_COLS + WFAD_CTX_Z + WFAD_CTX_UTIME},
	{"missing_ctx_stage_in_rate", COL_MISSING,
	 N_RICH_COLS + WFAD_CTX_Z + WFAD_CTX_STAGE_IN_RATE},
	{"missing_ctx_host_runtime", COL_MISSING,
	 N_RICH_COLS + WFAD_CTX_HOST_MEAN + WFAD_CTX_RUNTIME},
	{"missing_ctx_host_cpu_time", COL_MISSING,
	 N_RICH_COLS + WFAD_CTX_HOST_MEAN + WFAD_CTX_CPU_TIME},
	{"missing_ctx_host_wait", COL_MISSING, N_RICH_COLS + WFAD_CTX_HOST_MEAN + WFAD_CTX_WAIT},
	{"missing_ctx_host_stage_in", COL_MISSING,
	 N_RICH_COLS + WFAD_CTX_HOST_MEAN + WFAD_CTX_STAGE_IN},
	{"missing_ctx_host_stage_out", COL_MISSING,
	 N_RICH_COLS + WFAD_CTX_HOST_MEAN + WFAD_CTX_STAGE_OUT},
	{"missing_ctx_host_queue", COL_MISSING, N_RICH_COLS + WFAD_CTX_HOST_MEAN + WFAD_CTX_QUEUE},
	{"missing_ctx_host_utime", COL_MISSING, N_RICH_COLS + WFAD_CTX_HOST_MEAN + WFAD_CTX_UTIME},
	{"missing_ctx_host_stage_in_rate", COL_MISSING,
	 N_RICH_COLS + WFAD_CTX_HOST_MEAN + WFAD_CTX_STAGE_IN_RATE},
	{"missing_ctx_host_evidence", COL_MISSING, N_RICH_COLS + WFAD_CTX_HOST_EVIDENCE},
};

_Static_assert(WFAD_JOB_TYPE_COUNT == 5, "one type_* column per job type");
_Static_assert(WFAD_CTX_COUNT == 8 && WFAD_CTX_VALUES == 42, "the ctx_* columns list every value");

static const char *const set_names[WFAD_FEATURES_SET_COUNT] = {"delays", "rich", "context"};
static const size_t set_cols[WFAD_FEATURES_SET_COUNT] = {N_DELAYS_COLS, N_RICH_COLS,
							 N_CONTEXT_COLS};
static const char *const ctx_delay_names[WFAD_CTX_COUNT] = {
	"runtime", "cpu_time", "wait", "stage_in", "stage_out", "queue", "utime", "stage_in_rate"};
static const char *const norm_names[WFAD_NORM_COUNT] = {"none", "minmax", "standard", "robust"};

static bool is_value_col(const struct column *c)
{
	return c->kind == COL_FIELD || c->kind == COL_DEPTH || c->kind == COL_LOG ||
	       c->kind == COL_REL || c->kind == COL_CTX;
}

const char *wfad_ctx_delay_name(enum wfad_ctx_delay k)
{
	WFAD_ASSERT((unsigned)k < WFAD_CTX_COUNT);
	return ctx_delay_names[k];
}

void wfad_featurizer_init(struct wfad_featurizer *fz)
{
	memset(fz, 0, sizeof(*fz));
}

void wfad_featurizer_free(struct wfad_featurizer *fz)
{
	if (!fz)
		return;
	free(fz->center);
	free(fz->scale);
	free(fz->tr_names);
	free(fz->tr_text);
	free(fz->tr_runtime);
	free(fz->tr_cpu_time);
	free(fz->tr_log_median);
	free(fz->tr_log_mad);
	memset(fz, 0, sizeof(*fz));
}

const char *wfad_feature_set_name(enum wfad_feature_set set)
{
	WFAD_ASSERT((unsigned)set < WFAD_FEATURES_SET_COUNT);
	return set_names[set];
}

enum wfad_status wfad_feature_set_parse(const char *name, enum wfad_feature_set *out)
{
	for (int i = 0; name && i < WFAD_FEATURES_SET_COUNT; i++) {
		if (strcmp(name, set_names[i]) == 0) {
			*out = (enum wfad_feature_set)i;
			return WFAD_OK;
		}
	}
	return WFAD_EINVAL;
}

const char *wfad_norm_name(enum wfad_norm norm)
{
	WFAD_ASSERT((unsigned)norm < WFAD_NORM_COUNT);
	return norm_names[norm];
}

enum wfad_status wfad_norm_parse(const char *name, enum wfad_norm *out)
{
	for (int i = 0; name && i < WFAD_NORM_COUNT; i++) {
		if (strcmp(name, norm_names[i]) == 0) {
			*out = (enum wfad_norm)i;
			return WFAD_OK;
		}
	}
	return WFAD_EINVAL;
}

size_t wfad_feature_set_n_cols(enum wfad_feature_set set)
{
	WFAD_ASSERT((unsigned)set < WFAD_FEATURES_SET_COUNT);
	return set_cols[set];
}

size_t wfad_features_n_cols(const struct wfad_featurizer *fz)
{
	return wfad_feature_set_n_cols(fz->set);
}

const char *wfad_features_column_name(const struct wfad_featurizer *fz, size_t col)
{
	WFAD_ASSERT(col < wfad_features_n_cols(fz));
	return columns[col].name;
}

static int name_cmp(const void *key, const void *item)
{
	return strcmp(key, *(const char *const *)item);
}

/* Index of a transformation name in fz, or -1. */
static long find_transformation(const struct wfad_featurizer *fz, const char *name)
{
	if (!fz->n_transformations)
		return -1;
	const char **hit =
		bsearch(name, fz->tr_names, fz->n_transformations, sizeof(*fz->tr_names), name_cmp);
	return hit ? (long)(hit - fz->tr_names) : -1;
}

bool wfad_features_transformation_median(const struct wfad_featurizer *fz, const char *name,
					 double *runtime, double *cpu_time)
{
	long i = find_transformation(fz, name);
	if (i < 0)
		return false;
	if (runtime)
		*runtime = fz->tr_runtime[i];
	if (cpu_time)
		*cpu_time = fz->tr_cpu_time[i];
	return true;
}

bool wfad_features_transformation_log_stats(const struct wfad_featurizer *fz, const char *name,
					    enum wfad_ctx_delay k, double *median, double *mad)
{
	WFAD_ASSERT((unsigned)k < WFAD_CTX_COUNT);
	long i = find_transformation(fz, name);
	if (i < 0 || !fz->tr_log_median)
		return false;
	if (median)
		*median = fz->tr_log_median[(size_t)i * WFAD_CTX_COUNT + k];
	if (mad)
		*mad = fz->tr_log_mad[(size_t)i * WFAD_CTX_COUNT + k];
	return true;
}

enum wfad_status wfad_features_tr_map(const struct wfad_featurizer *fz,
				      const struct wfad_dataset *ds, uint32_t **map)
{
	size_t n = ds->strings.count;
	uint32_t *m = malloc((n ? n : 1) * sizeof(*m));
	if (!m)
		return WFAD_ENOMEM;
	for (size_t id = 0; id < n; id++) {
		long i = find_transformation(fz, ds->strings.items[id]);
		m[id] = i < 0 ? UINT32_MAX : (uint32_t)i;
	}
	*map = m;
	return WFAD_OK;
}

/* The value columns of one job. vals: [n_cols], NaN = missing (non-finite counts as missing);
 * entries of other columns are left alone. tr: the job's transformation index in fz, or
 * UINT32_MAX. ctx: the job's context values (NULL unless the set has ctx_* columns). */
static void job_values(const struct wfad_featurizer *fz, size_t n_cols, const struct wfad_job *job,
		       uint32_t depth, uint32_t tr, const double *ctx, double *restrict vals)
{
	for (size_t k = 0; k < n_cols; k++) {
		const struct column *c = &columns[k];
		double v = NAN;
		switch ((enum col_kind)c->kind) {
		case COL_FIELD: v = job->f[c->arg]; break;
		case COL_DEPTH: v = (double)depth; break;
		case COL_LOG: {
			double x = job->f[c->arg];
			v = copysign(log1p(fabs(x)), x);
			break;
		}
		case COL_REL: {
			if (tr == UINT32_MAX)
				break;
			double med =
				c->arg == WFAD_F_RUNTIME ? fz->tr_runtime[tr] : fz->tr_cpu_time[tr];
			if (isnan(med))
				break;
			v = job->f[c->arg] / fmax(med, WFAD_FEATURES_MEDIAN_FLOOR);
			break;
		}
		case COL_CTX: v = ctx[c->arg]; break;
		case COL_MISSING:
		case COL_TYPE: continue;
		}
		vals[k] = isfinite(v) ? v : NAN;
	}
}

static uint32_t job_transformation(const struct wfad_job *job, const uint32_t *map, size_t n_map)
{
	return job->transformation < n_map ? map[job->transformation] : UINT32_MAX;
}

/* (x - center) / scale as a float, saturating at +-FLT_MAX so every entry stays finite. */
static float scaled(double x, double center, double scale)
{
	double z = (x - center) / scale;
	return fabs(z) <= FLT_MAX ? (float)z : (float)copysign(FLT_MAX, z);
}

/* What a pass over the jobs of some runs needs: the transformation map and, for a set with
 * ctx_* columns, the context values of the current run. */
struct walker {
	uint32_t *map;
	bool has_ctx;
	struct wfad_ctx_work work;
	double *ctx; /* [n_nodes][WFAD_CTX_VALUES] */
};

static void walker_free(struct walker *w)
{
	free(w->map);
	free(w->ctx);
	wfad_ctx_work_free(&w->work);
	memset(w, 0, sizeof(*w));
}

/* WFAD_ENOMEM, or WFAD_EINVAL when the set needs log statistics that fz lacks. */
static enum wfad_status walker_init(struct walker *w, const struct wfad_featurizer *fz,
				    const struct wfad_dataset *ds)
{
	memset(w, 0, sizeof(*w));
	w->has_ctx = fz->n_cols > N_RICH_COLS;
	if (w->has_ctx && !fz->tr_log_median)
		return WFAD_EINVAL;
	enum wfad_status st = wfad_features_tr_map(fz, ds, &w->map);
	if (st == WFAD_OK && w->has_ctx) {
		size_t n = ds->dag.n_nodes ? ds->dag.n_nodes : 1;
		w->ctx = malloc(n * WFAD_CTX_VALUES * sizeof(*w->ctx));
		st = w->ctx ? wfad_ctx_work_init(&w->work, ds) : WFAD_ENOMEM;
	}
	if (st != WFAD_OK)
		walker_free(w);
	return st;
}

/* Context values of the current run's jobs, or NULL when the set has none. */
static const double *walker_run(struct walker *w, const struct wfad_featurizer *fz,
				const struct wfad_dataset *ds, const struct wfad_job *jobs)
{
	if (!w->has_ctx)
		return NULL;
	wfad_ctx_run(fz, w->map, ds, jobs, &w->work, w->ctx);
	return w->ctx;
}

static enum wfad_status walker_error(enum wfad_status st, struct wfad_error *err)
{
	if (st == WFAD_EINVAL)
		return wfad_error_set(err, st, NULL, 0, 0,
				      "featurizer has no log statistics "
				      "(a version 1 blob): refit it");
	return wfad_error_set(err, st, NULL, 0, 0, "out of memory");
}

enum wfad_status wfad_features_transform(const struct wfad_featurizer *fz,
					 const struct wfad_dataset *ds, const size_t *runs,
					 size_t n_runs, float *restrict out, struct wfad_error *err)
{
	WFAD_ASSERT(fz->fitted);
	size_t n_nodes = ds->dag.n_nodes;
	size_t n_cols = wfad_features_n_cols(fz);
	WFAD_ASSERT(n_cols == fz->n_cols && n_cols <= N_CONTEXT_COLS);
	WFAD_ASSERT(n_nodes == 0 || ds->dag.depth);
	struct walker w;
	enum wfad_status st = walker_init(&w, fz, ds);
	if (st != WFAD_OK)
		return walker_error(st, err);
	/* out: [n_runs * n_nodes][n_cols], row = run-major then node. */
	double vals[N_CONTEXT_COLS];
	for (size_t r = 0; r < n_runs; r++) {
		size_t ri = runs ? runs[r] : r;
		WFAD_ASSERT(ri < ds->n_runs);
		const struct wfad_job *jobs = ds->runs[ri].jobs;
		const double *ctx = walker_run(&w, fz, ds, jobs);
		for (size_t i = 0; i < n_nodes; i++) {
			const struct wfad_job *job = &jobs[i];
			uint32_t tr = job_transformation(job, w.map, ds->strings.count);
			job_values(fz, n_cols, job, ds->dag.depth[i], tr,
				   ctx ? ctx + i * WFAD_CTX_VALUES : NULL, vals);
			float *restrict row = out + (r * n_nodes + i) * n_cols;
			for (size_t c = 0; c < n_cols; c++) {
				const struct column *col = &columns[c];
				if (col->kind == COL_MISSING)
					row[c] = isnan(vals[col->arg]) ? 1.0f : 0.0f;
				else if (col->kind == COL_TYPE)
					row[c] = job->type == col->arg ? 1.0f : 0.0f;
				else
					row[c] = isnan(vals[c]) ? 0.0f
								: scaled(vals[c], fz->center[c],
									 fz->scale[c]);
			}
		}
	}
	walker_free(&w);
	return st;
}

enum wfad_status wfad_features_context_values(const struct wfad_featurizer *fz,
					      const struct wfad_dataset *ds, const size_t *runs,
					      size_t n_runs, double *out, struct wfad_error *err)
{
	WFAD_ASSERT(fz->fitted);
	enum wfad_status st = WFAD_OK;
	uint32_t *map = NULL;
	struct wfad_ctx_work work = {0};
	if (!fz->tr_log_median) {
		st = walker_error(WFAD_EINVAL, err);
		goto cleanup;
	}
	if (wfad_features_tr_map(fz, ds, &map) != WFAD_OK ||
	    wfad_ctx_work_init(&work, ds) != WFAD_OK) {
		st = walker_error(WFAD_ENOMEM, err);
		goto cleanup;
	}
	size_t n_nodes = ds->dag.n_nodes;
	for (size_t r = 0; r < n_runs; r++) {
		size_t ri = runs ? runs[r] : r;
		WFAD_ASSERT(ri < ds->n_runs);
		wfad_ctx_run(fz, map, ds, ds->runs[ri].jobs, &work,
			     out + r * n_nodes * WFAD_CTX_VALUES);
	}
cleanup:
	free(map);
	wfad_ctx_work_free(&work);
	return st;
}

struct tr_value {
	uint32_t id;
	double v;
};

static int tr_value_cmp(const void *a, const void *b)
{
	const struct tr_value *x = a, *y = b;
	if (x->id != y->id)
		return x->id < y->id ? -1 : 1;
	return (x->v > y->v) - (x->v < y->v);
}

/* Median of sorted a[0..n), n > 0. */
static double sorted_median(const double *a, size_t n)
{
	return n % 2 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
}

/* Quantile q of sorted a[0..n), n > 0, interpolating linearly between order statistics. */
static double sorted_quantile(const double *a, size_t n, double q)
{
	double pos = q * (double)(n - 1);
	size_t lo = (size_t)pos;
	if (lo + 1 >= n)
		return a[n - 1];
	double frac = pos - (double)lo;
	return a[lo] + frac * (a[lo + 1] - a[lo]);
}

/* Writes to med[id] the median of the observed values of field f over the training jobs of each
 * transformation id (NaN when it has none). pairs: scratch of n_runs * n_nodes entries. */
static void medians_of(const struct wfad_dataset *ds, const size_t *runs, size_t n_runs,
		       enum wfad_field f, struct tr_value *pairs, double *med, size_t n_ids)
{
	size_t m = 0;
	for (size_t r = 0; r < n_runs; r++) {
		const struct wfad_job *jobs = ds->runs[runs ? runs[r] : r].jobs;
		for (size_t i = 0; i < ds->dag.n_nodes; i++) {
			double v = jobs[i].f[f];
			if (jobs[i].transformation < n_ids && isfinite(v))
				pairs[m++] = (struct tr_value){jobs[i].transformation, v};
		}
	}
	qsort(pairs, m, sizeof(*pairs), tr_value_cmp);
	for (size_t id = 0; id < n_ids; id++)
		med[id] = NAN;
	for (size_t a = 0; a < m;) {
		size_t b = a;
		while (b < m && pairs[b].id == pairs[a].id)
			b++;
		size_t n = b - a, h = a + n / 2; /* group a..b is sorted by value */
		med[pairs[a].id] = n % 2 ? pairs[h].v : 0.5 * (pairs[h - 1].v + pairs[h].v);
		a = b;
	}
}

struct tr_name {
	const char *name;
	uint32_t id;
};

static int tr_name_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tr_name *)a)->name, ((const struct tr_name *)b)->name);
}

/* Fills the transformation tables of fz (a zeroed temporary) from the training jobs: medians
 * of runtime and cpu time, median and MAD of the log context delays. */
static enum wfad_status fit_medians(struct wfad_featurizer *fz, const struct wfad_dataset *ds,
				    const size_t *runs, size_t n_runs)
{
	enum wfad_status st = WFAD_OK;
	size_t n_ids = ds->strings.count, n_jobs = n_runs * ds->dag.n_nodes;
	bool *seen = calloc(n_ids ? n_ids : 1, sizeof(*seen));
	double *med_rt = malloc((n_ids ? n_ids : 1) * sizeof(*med_rt));
	double *med_cpu = malloc((n_ids ? n_ids : 1) * sizeof(*med_cpu));
	struct tr_value *pairs = malloc((n_jobs ? n_jobs : 1) * sizeof(*pairs));
	double *log_med = malloc((n_ids ? n_ids : 1) * WFAD_CTX_COUNT * sizeof(*log_med));
	double *log_mad = malloc((n_ids ? n_ids : 1) * WFAD_CTX_COUNT * sizeof(*log_mad));
	struct tr_name *names = NULL;
	if (!seen || !med_rt || !med_cpu || !pairs || !log_med || !log_mad) {
		st = WFAD_ENOMEM;
		goto cleanup;
	}
	size_t n_seen = 0, text_len = 0;
	for (size_t r = 0; r < n_runs; r++) {
		const struct wfad_job *jobs = ds->runs[runs ? runs[r] : r].jobs;
		for (size_t i = 0; i < ds->dag.n_nodes; i++) {
			uint32_t id = jobs[i].transformation;
			if (id < n_ids && !seen[id]) {
				seen[id] = true;
				n_seen++;
				text_len += strlen(ds->strings.items[id]) + 1;
			}
		}
	}
	medians_of(ds, runs, n_runs, WFAD_F_RUNTIME, pairs, med_rt, n_ids);
	medians_of(ds, runs, n_runs, WFAD_F_CPU_TIME, pairs, med_cpu, n_ids);
	if ((st = wfad_ctx_fit_stats(ds, runs, n_runs, log_med, log_mad)) != WFAD_OK)
		goto cleanup;

	names = malloc((n_seen ? n_seen : 1) * sizeof(*names));
	fz->tr_names = malloc((n_seen ? n_seen : 1) * sizeof(*fz->tr_names));
	fz->tr_text = malloc(text_len ? text_len : 1);
	fz->tr_runtime = malloc((n_seen ? n_seen : 1) * sizeof(*fz->tr_runtime));
	fz->tr_cpu_time = malloc((n_seen ? n_seen : 1) * sizeof(*fz->tr_cpu_time));
	size_t n_log = (n_seen ? n_seen : 1) * WFAD_CTX_COUNT;
	fz->tr_log_median = malloc(n_log * sizeof(*fz->tr_log_median));
	fz->tr_log_mad = malloc(n_log * sizeof(*fz->tr_log_mad));
	if (!names || !fz->tr_names || !fz->tr_text || !fz->tr_runtime || !fz->tr_cpu_time ||
	    !fz->tr_log_median || !fz->tr_log_mad) {
		st = WFAD_ENOMEM;
		goto cleanup;
	}
	size_t k = 0;
	for (size_t id = 0; id < n_ids; id++)
		if (seen[id])
			names[k++] = (struct tr_name){ds->strings.items[id], (uint32_t)id};
	qsort(names, n_seen, sizeof(*names), tr_name_cmp);
	char *p = fz->tr_text;
	for (k = 0; k < n_seen; k++) {
		size_t len = strlen(names[k].name);
		memcpy(p, names[k].name, len + 1);
		fz->tr_names[k] = p;
		p += len + 1;
		fz->tr_runtime[k] = med_rt[names[k].id];
		fz->tr_cpu_time[k] = med_cpu[names[k].id];
		memcpy(fz->tr_log_median + k * WFAD_CTX_COUNT,
		       log_med + (size_t)names[k].id * WFAD_CTX_COUNT,
		       WFAD_CTX_COUNT * sizeof(*log_med));
		memcpy(fz->tr_log_mad + k * WFAD_CTX_COUNT,
		       log_mad + (size_t)names[k].id * WFAD_CTX_COUNT,
		       WFAD_CTX_COUNT * sizeof(*log_mad));
	}
	fz->n_transformations = n_seen;
cleanup:
	free(seen);
	free(med_rt);
	free(med_cpu);
	free(pairs);
	free(log_med);
	free(log_mad);
	free(names);
	return st;
}

/* center/scale of one value column from its training values x[0..n) (NaN = missing; x is
 * reordered). Constant, empty or overflowing columns get scale 1. */
static void fit_column(enum wfad_norm norm, double *x, size_t n, double *center, double *scale)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (!isnan(x[i]))
			x[m++] = x[i];
	double c = 0.0, s = 1.0;
	if (m > 0) {
		switch (norm) {
		case WFAD_NORM_NONE: break;
		case WFAD_NORM_MINMAX: {
			double lo = x[0], hi = x[0];
			for (size_t i = 1; i < m; i++) {
				lo = fmin(lo, x[i]);
				hi = fmax(hi, x[i]);
			}
			c = lo;
			s = hi - lo;
			break;
		}
		case WFAD_NORM_STANDARD: {
			double mean = 0.0, m2 = 0.0; /* Welford */
			for (size_t i = 0; i < m; i++) {
				double d = x[i] - mean;
				mean += d / (double)(i + 1);
				m2 += d * (x[i] - mean);
			}
			c = mean;
			s = sqrt(m2 / (double)m);
			break;
		}
		case WFAD_NORM_ROBUST:
			qsort(x, m, sizeof(*x), wfad_double_compare);
			c = sorted_median(x, m);
			s = sorted_quantile(x, m, 0.75) - sorted_quantile(x, m, 0.25);
			break;
		case WFAD_NORM_COUNT: WFAD_ASSERT(!"bad norm");
		}
	}
	if (!isfinite(c)) {
		c = 0.0;
		s = 1.0;
	}
	if (!isfinite(s) || !(s > 0.0))
		s = 1.0;
	*center = c;
	*scale = s;
}

/* Fits center/scale of every column of fz (transformation statistics already fitted). */
static enum wfad_status fit_norm(struct wfad_featurizer *fz, const struct wfad_dataset *ds,
				 const size_t *runs, size_t n_runs)
{
	size_t n_nodes = ds->dag.n_nodes, n_rows = n_runs * n_nodes;
	/* slot[c]: the column's place among the value columns. */
	size_t slot[N_CONTEXT_COLS], n_values = 0;
	for (size_t c = 0; c < fz->n_cols; c++)
		slot[c] = is_value_col(&columns[c]) ? n_values++ : SIZE_MAX;
	struct walker w;
	enum wfad_status st = walker_init(&w, fz, ds);
	if (st != WFAD_OK)
		return st;
	/* x: [n_values][n_rows], column-major so each column can be sorted in place. */
	double *x = malloc(n_values * n_rows * sizeof(*x));
	fz->center = malloc(fz->n_cols * sizeof(*fz->center));
	fz->scale = malloc(fz->n_cols * sizeof(*fz->scale));
	if (!x || !fz->center || !fz->scale) {
		st = WFAD_ENOMEM;
		goto cleanup;
	}
	double vals[N_CONTEXT_COLS];
	for (size_t r = 0; r < n_runs; r++) {
		const struct wfad_job *jobs = ds->runs[runs ? runs[r] : r].jobs;
		const double *ctx = walker_run(&w, fz, ds, jobs);
		for (size_t i = 0; i < n_nodes; i++) {
			uint32_t tr = job_transformation(&jobs[i], w.map, ds->strings.count);
			job_values(fz, fz->n_cols, &jobs[i], ds->dag.depth[i], tr,
				   ctx ? ctx + i * WFAD_CTX_VALUES : NULL, vals);
			for (size_t c = 0; c < fz->n_cols; c++)
				if (slot[c] != SIZE_MAX)
					x[slot[c] * n_rows + r * n_nodes + i] = vals[c];
		}
	}
	for (size_t c = 0; c < fz->n_cols; c++) {
		fz->center[c] = 0.0;
		fz->scale[c] = 1.0;
		if (slot[c] != SIZE_MAX)
			fit_column(fz->norm, x + slot[c] * n_rows, n_rows, &fz->center[c],
				   &fz->scale[c]);
	}
cleanup:
	free(x);
	walker_free(&w);
	return st;
}

enum wfad_status wfad_features_fit(struct wfad_featurizer *fz, enum wfad_feature_set set,
				   enum wfad_norm norm, const struct wfad_dataset *ds,
				   const size_t *runs, size_t n_runs, struct wfad_error *err)
{
	WFAD_ASSERT((unsigned)set < WFAD_FEATURES_SET_COUNT && (unsigned)norm < WFAD_NORM_COUNT);
	enum wfad_status st = WFAD_OK;
	struct wfad_featurizer tmp;
	wfad_featurizer_init(&tmp);
	if (n_runs == 0 || ds->dag.n_nodes == 0) {
		st = wfad_error_set(err, WFAD_EINVAL, NULL, 0, 0, "cannot fit features: %s",
				    n_runs ? "the DAG has no jobs" : "no training runs");
		goto cleanup;
	}
	WFAD_ASSERT(ds->dag.depth);
	for (size_t r = 0; r < n_runs; r++)
		WFAD_ASSERT((runs ? runs[r] : r) < ds->n_runs);
	tmp.set = set;
	tmp.norm = norm;
	tmp.n_cols = wfad_feature_set_n_cols(set);
	st = fit_medians(&tmp, ds, runs, n_runs);
	if (st == WFAD_OK)
		st = fit_norm(&tmp, ds, runs, n_runs);
	if (st != WFAD_OK) {
		wfad_error_set(err, st, NULL, 0, 0, "out of memory fitting features");
		goto cleanup;
	}
	tmp.fitted = true;
	wfad_featurizer_free(fz);
	*fz = tmp;
	wfad_featurizer_init(&tmp);
cleanup:
	wfad_featurizer_free(&tmp);
	return st;
}
