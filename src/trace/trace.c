/* The trace model: field tables, datasets, runs and job helpers. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/trace.h"

static const char *const field_names[WFAD_F_COUNT] = {
	[WFAD_F_READY] = "ready",
	[WFAD_F_PRE_SCRIPT_START] = "pre_script_start",
	[WFAD_F_PRE_SCRIPT_END] = "pre_script_end",
	[WFAD_F_SUBMIT] = "submit",
	[WFAD_F_STAGE_IN_START] = "stage_in_start",
	[WFAD_F_STAGE_IN_END] = "stage_in_end",
	[WFAD_F_STAGE_IN_BPS] = "stage_in_effective_bytes_per_sec",
	[WFAD_F_EXECUTE_START] = "execute_start",
	[WFAD_F_EXECUTE_END] = "execute_end",
	[WFAD_F_STAGE_OUT_START] = "stage_out_start",
	[WFAD_F_STAGE_OUT_END] = "stage_out_end",
	[WFAD_F_STAGE_OUT_BPS] = "stage_out_effective_bytes_per_sec",
	[WFAD_F_POST_SCRIPT_START] = "post_script_start",
	[WFAD_F_POST_SCRIPT_END] = "post_script_end",
	[WFAD_F_WMS_DELAY] = "wms_delay",
	[WFAD_F_PRE_SCRIPT_DELAY] = "pre_script_delay",
	[WFAD_F_QUEUE_DELAY] = "queue_delay",
	[WFAD_F_RUNTIME] = "runtime",
	[WFAD_F_POST_SCRIPT_DELAY] = "post_script_delay",
	[WFAD_F_STAGE_IN_DELAY] = "stage_in_delay",
	[WFAD_F_STAGE_IN_BYTES] = "stage_in_bytes",
	[WFAD_F_STAGE_OUT_DELAY] = "stage_out_delay",
	[WFAD_F_STAGE_OUT_BYTES] = "stage_out_bytes",
	[WFAD_F_CPU_TIME] = "kickstart_executables_cpu_time",
	[WFAD_F_ONLINE_IOWAIT] = "kickstart_online_iowait",
	[WFAD_F_ONLINE_BYTES_READ] = "kickstart_online_bytes_read",
	[WFAD_F_ONLINE_BYTES_WRITTEN] = "kickstart_online_bytes_written",
	[WFAD_F_ONLINE_READ_SYSCALLS] = "kickstart_online_read_system_calls",
	[WFAD_F_ONLINE_WRITE_SYSCALLS] = "kickstart_online_write_system_calls",
	[WFAD_F_ONLINE_UTIME] = "kickstart_online_utime",
	[WFAD_F_ONLINE_STIME] = "kickstart_online_stime",
	[WFAD_F_ONLINE_BYTES_READ_PER_SECOND] = "kickstart_online_bytes_read_per_second",
	[WFAD_F_ONLINE_BYTES_WRITTEN_PER_SECOND] = "kickstart_online_bytes_written_per_second",
};

const char *wfad_field_name(enum wfad_field f)
{
	WFAD_ASSERT((unsigned)f < WFAD_F_COUNT);
	return field_names[f];
}

bool wfad_field_lookup(const char *name, size_t len, enum wfad_field *f)
{
	for (int i = 0; i < WFAD_F_COUNT; i++) {
		if (strncmp(field_names[i], name, len) == 0 && field_names[i][len] == '\0') {
			*f = (enum wfad_field)i;
			return true;
		}
	}
	return false;
}

static const char *const job_type_names[WFAD_JOB_TYPE_COUNT] = {"unknown", "auxiliary", "compute",
								"transfer", "subwf"};

const char *wfad_job_type_name(enum wfad_job_type t)
{
	WFAD_ASSERT((unsigned)t < WFAD_JOB_TYPE_COUNT);
	return job_type_names[t];
}

bool wfad_job_type_lookup(const char *name, size_t len, enum wfad_job_type *t)
{
	for (int i = 0; i < WFAD_JOB_TYPE_COUNT; i++) {
		if (strncmp(job_type_names[i], name, len) == 0 && job_type_names[i][len] == '\0') {
			*t = (enum wfad_job_type)i;
			return true;
		}
	}
	return false;
}

static const char *const anomaly_names[WFAD_ANOMALY_COUNT] = {"none", "cpu", "hdd", "network",
							      "other"};

const char *wfad_anomaly_name(enum wfad_anomaly a)
{
	WFAD_ASSERT((unsigned)a < WFAD_ANOMALY_COUNT);
	return anomaly_names[a];
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

enum wfad_anomaly wfad_anomaly_of_label(const char *label)
{
	if (!label || !*label || strcmp(label, "None") == 0 || strcmp(label, "normal") == 0 ||
	    strcmp(label, "unlabeled") == 0)
		return WFAD_ANOMALY_NONE;
	if (has_prefix(label, "cpu"))
		return WFAD_ANOMALY_CPU;
	if (has_prefix(label, "hdd") || has_prefix(label, "disk"))
		return WFAD_ANOMALY_HDD;
	if (has_prefix(label, "loss") || has_prefix(label, "net"))
		return WFAD_ANOMALY_NETWORK;
	return WFAD_ANOMALY_OTHER;
}

void wfad_dataset_init(struct wfad_dataset *ds)
{
	memset(ds, 0, sizeof(*ds));
	wfad_arena_init(&ds->arena);
	wfad_strings_init(&ds->strings, &ds->arena);
	wfad_strings_init(&ds->dag.ids, &ds->arena);
}

void wfad_dataset_free(struct wfad_dataset *ds)
{
	if (!ds)
		return;
	wfad_strings_free(&ds->strings);
	wfad_strings_free(&ds->dag.ids);
	free(ds->runs);
	wfad_arena_free(&ds->arena);
	memset(ds, 0, sizeof(*ds));
}

const char *wfad_dataset_string(const struct wfad_dataset *ds, uint32_t id)
{
	if (id == WFAD_NO_ID || id >= ds->strings.count)
		return "";
	return ds->strings.items[id];
}

enum wfad_status wfad_dataset_add_run(struct wfad_dataset *ds, const char *id, const char *label,
				      const char *source, struct wfad_run **out)
{
	if (ds->n_runs == ds->cap_runs) {
		size_t cap = ds->cap_runs ? ds->cap_runs * 2 : 16;
		struct wfad_run *runs = realloc(ds->runs, cap * sizeof(*runs));
		if (!runs)
			return WFAD_ENOMEM;
		ds->runs = runs;
		ds->cap_runs = cap;
	}
	size_t n = ds->dag.n_nodes;
	struct wfad_run run = {0};
	run.id = wfad_arena_strdup(&ds->arena, id ? id : "");
	run.label = wfad_arena_strdup(&ds->arena, label ? label : "unlabeled");
	run.source = wfad_arena_strdup(&ds->arena, source ? source : "");
	run.jobs = wfad_arena_alloc(&ds->arena, (n ? n : 1) * sizeof(*run.jobs));
	if (!run.id || !run.label || !run.source || !run.jobs)
		return WFAD_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct wfad_job *j = &run.jobs[i];
		for (int k = 0; k < WFAD_F_COUNT; k++)
			j->f[k] = NAN;
		j->transformation = WFAD_NO_ID;
		j->host = WFAD_NO_ID;
		j->site = WFAD_NO_ID;
		j->exit_code = INT32_MIN;
		j->attempts = 0;
		j->type = WFAD_JOB_UNKNOWN;
		j->clustered = 0;
		j->label = 0;
		j->anomaly = WFAD_ANOMALY_NONE;
		j->failed = 0;
		j->pad = 0;
	}
	ds->runs[ds->n_runs] = run;
	*out = &ds->runs[ds->n_runs++];
	return WFAD_OK;
}

static void derive(double *f, enum wfad_field delay, enum wfad_field end, enum wfad_field start)
{
	if (isnan(f[delay]) && !isnan(f[end]) && !isnan(f[start]))
		f[delay] = f[end] - f[start];
}

void wfad_job_derive_delays(struct wfad_job *job)
{
	double *f = job->f;
	/* Flow-Bench: wms_delay = submit - ready, or pre_script_start - ready for sub-workflows. */
	if (!isnan(f[WFAD_F_PRE_SCRIPT_START]))
		derive(f, WFAD_F_WMS_DELAY, WFAD_F_PRE_SCRIPT_START, WFAD_F_READY);
	derive(f, WFAD_F_WMS_DELAY, WFAD_F_SUBMIT, WFAD_F_READY);
	derive(f, WFAD_F_PRE_SCRIPT_DELAY, WFAD_F_PRE_SCRIPT_END, WFAD_F_PRE_SCRIPT_START);
	derive(f, WFAD_F_QUEUE_DELAY, WFAD_F_EXECUTE_START, WFAD_F_SUBMIT);
	derive(f, WFAD_F_RUNTIME, WFAD_F_EXECUTE_END, WFAD_F_EXECUTE_START);
	derive(f, WFAD_F_POST_SCRIPT_DELAY, WFAD_F_POST_SCRIPT_END, WFAD_F_POST_SCRIPT_START);
	derive(f, WFAD_F_STAGE_IN_DELAY, WFAD_F_STAGE_IN_END, WFAD_F_STAGE_IN_START);
	derive(f, WFAD_F_STAGE_OUT_DELAY, WFAD_F_STAGE_OUT_END, WFAD_F_STAGE_OUT_START);
}

void wfad_job_id_transformation(const char *job_id, size_t *len)
{
	static const char *const planner_prefixes[] = {
		"create_dir",  "cleanup",      "register", "stage_in",     "stage_out",
		"stage_inter", "stage_worker", "chmod",    "pegasus-plan", "dax",
	};
	for (size_t i = 0; i < sizeof(planner_prefixes) / sizeof(planner_prefixes[0]); i++) {
		size_t n = strlen(planner_prefixes[i]);
		if (strncmp(job_id, planner_prefixes[i], n) == 0 &&
		    (job_id[n] == '_' || job_id[n] == '\0')) {
			*len = n;
			return;
		}
	}
	/* Compute jobs: "<transformation>_ID<digits>[...]". */
	for (const char *p = strstr(job_id, "_ID"); p; p = strstr(p + 1, "_ID")) {
		if (isdigit((unsigned char)p[3]) && p > job_id) {
			*len = (size_t)(p - job_id);
			return;
		}
	}
	*len = strlen(job_id);
}

size_t wfad_run_anomalous_jobs(const struct wfad_dataset *ds, const struct wfad_run *run)
{
	size_t n = 0;
	for (size_t i = 0; i < ds->dag.n_nodes; i++)
		n += run->jobs[i].label != 0;
	return n;
}

bool wfad_workflow_name_equal(const char *a, const char *b)
{
	for (;;) {
		while (*a == '-' || *a == '_')
			a++;
		while (*b == '-' || *b == '_')
			b++;
		if (!*a || !*b)
			return *a == *b;
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
		a++;
		b++;
	}
}

static int label_rank(const char *l)
{
	if (strcmp(l, "normal") == 0)
		return 0;
	if (strcmp(l, "unlabeled") == 0)
		return 2;
	return 1;
}

int wfad_label_compare(const char *a, const char *b)
{
	int ra = label_rank(a), rb = label_rank(b);
	if (ra != rb)
		return ra - rb;
	const char *ua = strchr(a, '_'), *ub = strchr(b, '_');
	size_t fa = ua ? (size_t)(ua - a) : strlen(a), fb = ub ? (size_t)(ub - b) : strlen(b);
	int c = strncmp(a, b, fa < fb ? fa : fb);
	if (c || fa != fb)
		return c ? c : (fa < fb ? -1 : 1);
	if (ua && ub) {
		double ma = strtod(ua + 1, NULL), mb = strtod(ub + 1, NULL);
		if (ma != mb)
			return ma < mb ? -1 : 1;
	}
	return strcmp(a, b);
}
