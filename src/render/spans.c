/* Gantt data shared by charts and rasters: segment bounds of a job, job order, run bounds,
 * the flagged-jobs summary and reading flags from `wfad score --format csv` output. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/render.h"

static const char *const segment_names[WFAD_SEG_COUNT] = {
	"wms delay", "pre-script", "queue", "runtime", "stage-in", "stage-out", "post-script",
};

const char *wfad_gantt_segment_name(enum wfad_gantt_segment s)
{
	WFAD_ASSERT((unsigned)s < WFAD_SEG_COUNT);
	return segment_names[s];
}

static void span_set(struct wfad_gantt_span *s, double a, double b, double origin)
{
	if (isfinite(a) && isfinite(b) && b >= a) {
		s->t0 = a - origin;
		s->t1 = b - origin;
	} else {
		s->t0 = s->t1 = NAN;
	}
}

size_t wfad_gantt_job_spans(const struct wfad_job *j, double t_origin,
			    struct wfad_gantt_span spans[WFAD_SEG_COUNT])
{
	const double *f = j->f;
	double wms_end = isfinite(f[WFAD_F_PRE_SCRIPT_START]) ? f[WFAD_F_PRE_SCRIPT_START]
							      : f[WFAD_F_SUBMIT];
	span_set(&spans[WFAD_SEG_WMS], f[WFAD_F_READY], wms_end, t_origin);
	span_set(&spans[WFAD_SEG_PRE_SCRIPT], f[WFAD_F_PRE_SCRIPT_START], f[WFAD_F_PRE_SCRIPT_END],
		 t_origin);
	span_set(&spans[WFAD_SEG_QUEUE], f[WFAD_F_SUBMIT], f[WFAD_F_EXECUTE_START], t_origin);
	span_set(&spans[WFAD_SEG_RUNTIME], f[WFAD_F_EXECUTE_START], f[WFAD_F_EXECUTE_END],
		 t_origin);
	span_set(&spans[WFAD_SEG_STAGE_IN], f[WFAD_F_STAGE_IN_START], f[WFAD_F_STAGE_IN_END],
		 t_origin);
	span_set(&spans[WFAD_SEG_STAGE_OUT], f[WFAD_F_STAGE_OUT_START], f[WFAD_F_STAGE_OUT_END],
		 t_origin);
	span_set(&spans[WFAD_SEG_POST_SCRIPT], f[WFAD_F_POST_SCRIPT_START],
		 f[WFAD_F_POST_SCRIPT_END], t_origin);
	size_t n = 0;
	for (int s = 0; s < WFAD_SEG_COUNT; s++)
		n += !isnan(spans[s].t0);
	return n;
}

bool wfad_gantt_job_incomplete(const struct wfad_job *j)
{
	return j->failed || !isfinite(j->f[WFAD_F_READY]) ||
	       !isfinite(j->f[WFAD_F_EXECUTE_START]) || !isfinite(j->f[WFAD_F_EXECUTE_END]);
}

/* The timestamp fields (not the delays, rates or counters). */
static const enum wfad_field stamp_fields[] = {
	WFAD_F_READY,         WFAD_F_PRE_SCRIPT_START,  WFAD_F_PRE_SCRIPT_END,
	WFAD_F_SUBMIT,        WFAD_F_STAGE_IN_START,    WFAD_F_STAGE_IN_END,
	WFAD_F_EXECUTE_START, WFAD_F_EXECUTE_END,       WFAD_F_STAGE_OUT_START,
	WFAD_F_STAGE_OUT_END, WFAD_F_POST_SCRIPT_START, WFAD_F_POST_SCRIPT_END,
};

bool wfad_gantt_run_bounds(const struct wfad_dataset *ds, size_t run, double *t_min, double *t_max)
{
	WFAD_ASSERT(run < ds->n_runs);
	double lo = INFINITY, hi = -INFINITY;
	const struct wfad_job *jobs = ds->runs[run].jobs;
	for (size_t i = 0; i < ds->dag.n_nodes; i++)
		for (size_t k = 0; k < sizeof(stamp_fields) / sizeof(stamp_fields[0]); k++) {
			double v = jobs[i].f[stamp_fields[k]];
			if (!isfinite(v))
				continue;
			lo = v < lo ? v : lo;
			hi = v > hi ? v : hi;
		}
	if (!(lo <= hi))
		return false;
	*t_min = lo;
	*t_max = hi;
	return true;
}

/* qsort has no context argument: the sort key travels with the index. */
struct order_key {
	double ready;
	uint32_t rank; /* position in topological order */
	uint32_t node;
};

static int cmp_ready(const void *a, const void *b)
{
	const struct order_key *x = a, *y = b;
	bool fx = isfinite(x->ready), fy = isfinite(y->ready);
	if (fx != fy)
		return fx ? -1 : 1;
	if (fx && x->ready != y->ready)
		return x->ready < y->ready ? -1 : 1;
	return x->rank < y->rank ? -1 : x->rank > y->rank;
}

void wfad_gantt_order(const struct wfad_dataset *ds, size_t run, enum wfad_gantt_sort sort,
		      uint32_t *order)
{
	WFAD_ASSERT(run < ds->n_runs);
	size_t n = ds->dag.n_nodes;
	for (size_t i = 0; i < n; i++)
		order[i] = ds->dag.topo ? ds->dag.topo[i] : (uint32_t)i;
	if (sort == WFAD_GANTT_SORT_DAG || n < 2)
		return;
	struct order_key *keys = malloc(n * sizeof(*keys));
	if (!keys)
		return; /* DAG order is a valid fallback */
	for (size_t i = 0; i < n; i++)
		keys[i] = (struct order_key){ds->runs[run].jobs[order[i]].f[WFAD_F_READY],
					     (uint32_t)i, order[i]};
	qsort(keys, n, sizeof(*keys), cmp_ready);
	for (size_t i = 0; i < n; i++)
		order[i] = keys[i].node;
	free(keys);
}

struct host_tally {
	uint32_t host;
	size_t flagged, jobs;
};

static int cmp_tally(const void *a, const void *b)
{
	const struct host_tally *x = a, *y = b;
	if (x->flagged != y->flagged)
		return x->flagged > y->flagged ? -1 : 1;
	return x->host < y->host ? -1 : x->host > y->host;
}

void wfad_gantt_flag_summary(const struct wfad_dataset *ds, size_t run, const uint8_t *flagged,
			     const char *source, char *buf, size_t size)
{
	WFAD_ASSERT(run < ds->n_runs && size > 0);
	size_t n = ds->dag.n_nodes, count = 0, nh = 0;
	const struct wfad_job *jobs = ds->runs[run].jobs;
	struct host_tally *hosts = malloc((n + 1) * sizeof(*hosts));
	for (size_t i = 0; i < n; i++) {
		count += flagged[i] != 0;
		uint32_t h = jobs[i].host;
		if (!hosts || h == WFAD_NO_ID)
			continue;
		size_t k = 0;
		while (k < nh && hosts[k].host != h)
			k++;
		if (k == nh)
			hosts[nh++] = (struct host_tally){h, 0, 0};
		hosts[k].jobs++;
		hosts[k].flagged += flagged[i] != 0;
	}
	int w = snprintf(buf, size, "%zu of %zu jobs flagged%s%s", count, n, source ? " by " : "",
			 source ? source : "");
	if (hosts && count) {
		qsort(hosts, nh, sizeof(*hosts), cmp_tally);
		size_t shown = 0, more = 0;
		for (size_t k = 0; k < nh && hosts[k].flagged; k++) {
			if (shown == 5) {
				more++;
				continue;
			}
			if (w >= 0 && (size_t)w < size)
				w += snprintf(buf + w, size - (size_t)w, "%s %s (%zu of %zu)",
					      shown ? "," : "; hosts:",
					      wfad_dataset_string(ds, hosts[k].host),
					      hosts[k].flagged, hosts[k].jobs);
			shown++;
		}
		if (more && w >= 0 && (size_t)w < size)
			snprintf(buf + w, size - (size_t)w, " and %zu more", more);
	}
	free(hosts);
}

/* Splits one CSV record starting at *p (RFC 4180 quotes) into fields written NUL-terminated
 * into scratch; returns the field count (at most max), advancing *p past the line end. */
static size_t csv_record(const char **p, const char *end, char *scratch, const char **fields,
			 size_t max)
{
	size_t nf = 0;
	const char *s = *p;
	char *o = scratch;
	bool more = s < end;
	while (more) {
		if (nf < max)
			fields[nf] = o;
		nf++;
		if (s < end && *s == '"') {
			s++;
			while (s < end) {
				if (*s == '"' && s + 1 < end && s[1] == '"') {
					*o++ = '"';
					s += 2;
				} else if (*s == '"') {
					s++;
					break;
				} else {
					*o++ = *s++;
				}
			}
		}
		while (s < end && *s != ',' && *s != '\n' && *s != '\r')
			*o++ = *s++;
		*o++ = '\0';
		if (s < end && *s == ',') {
			s++;
		} else {
			while (s < end && (*s == '\r' || *s == '\n')) {
				bool nl = *s == '\n';
				s++;
				if (nl)
					break;
			}
			more = false;
		}
	}
	*p = s;
	return nf < max ? nf : max;
}

enum { SCORES_MAX_FIELDS = 64 };

enum wfad_status wfad_gantt_read_scores(const struct wfad_dataset *ds, size_t run, const char *path,
					uint8_t *flagged, size_t *n_matched, struct wfad_error *err)
{
	WFAD_ASSERT(run < ds->n_runs);
	char *data = NULL, *scratch = NULL;
	size_t len;
	enum wfad_status st = wfad_read_file(path, (size_t)1 << 30, &data, &len, err);
	if (st != WFAD_OK)
		return st;
	scratch = malloc(len + 2);
	if (!scratch) {
		st = wfad_error_set(err, WFAD_ENOMEM, path, 0, 0, "out of memory");
		goto cleanup;
	}
	const char *p = data, *end = data + len;
	const char *fields[SCORES_MAX_FIELDS];
	size_t nf = csv_record(&p, end, scratch, fields, SCORES_MAX_FIELDS);
	long c_run = -1, c_job = -1, c_verdict = -1;
	for (size_t k = 0; k < nf; k++) {
		if (strcmp(fields[k], "run_id") == 0)
			c_run = (long)k;
		else if (strcmp(fields[k], "job_id") == 0)
			c_job = (long)k;
		else if (strcmp(fields[k], "verdict") == 0)
			c_verdict = (long)k;
	}
	if (c_run < 0 || c_job < 0 || c_verdict < 0) {
		st = wfad_error_set(err, WFAD_EPARSE, path, 1, 0,
				    "not a 'wfad score --format csv' file: the header needs "
				    "run_id, job_id and verdict columns");
		goto cleanup;
	}
	memset(flagged, 0, ds->dag.n_nodes);
	size_t matched = 0;
	long line = 1;
	const char *run_id = ds->runs[run].id;
	while (p < end) {
		line++;
		nf = csv_record(&p, end, scratch, fields, SCORES_MAX_FIELDS);
		if (nf == 1 && fields[0][0] == '\0')
			continue;
		if ((long)nf <= c_run || (long)nf <= c_job || (long)nf <= c_verdict) {
			st = wfad_error_set(err, WFAD_EPARSE, path, line, 0,
					    "%zu fields, the header has more", nf);
			goto cleanup;
		}
		if (strcmp(fields[c_run], run_id) != 0)
			continue;
		uint32_t node;
		if (!wfad_strings_find(&ds->dag.ids, fields[c_job], strlen(fields[c_job]), &node))
			continue;
		matched++;
		flagged[node] = strcmp(fields[c_verdict], "anomaly") == 0;
	}
	*n_matched = matched;
	st = WFAD_OK;
cleanup:
	free(scratch);
	free(data);
	return st;
}
