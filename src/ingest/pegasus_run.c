/* Pegasus job timelines shared by the submit-directory and stampede readers: job types, the
 * last-attempt rules, ready times, and merging a reader's run into a dataset. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/pegasus.h"

enum wfad_job_type wfad_pegasus_job_type(const char *job_id)
{
	size_t n;
	wfad_job_id_transformation(job_id, &n);
	static const struct {
		const char *prefix;
		enum wfad_job_type type;
	} planner[] = {
		{"create_dir", WFAD_JOB_AUXILIARY}, {"cleanup", WFAD_JOB_AUXILIARY},
		{"register", WFAD_JOB_AUXILIARY},   {"chmod", WFAD_JOB_AUXILIARY},
		{"stage_in", WFAD_JOB_TRANSFER},    {"stage_out", WFAD_JOB_TRANSFER},
		{"stage_inter", WFAD_JOB_TRANSFER}, {"stage_worker", WFAD_JOB_TRANSFER},
		{"pegasus-plan", WFAD_JOB_SUBWF},   {"dax", WFAD_JOB_SUBWF},
	};
	for (size_t i = 0; i < sizeof(planner) / sizeof(planner[0]); i++)
		if (strlen(planner[i].prefix) == n && strncmp(job_id, planner[i].prefix, n) == 0)
			return planner[i].type;
	return WFAD_JOB_COMPUTE;
}

void wfad_pegasus_timeline_init(struct wfad_pegasus_timeline *t)
{
	*t = (struct wfad_pegasus_timeline){
		.pre_start = NAN,
		.pre_end = NAN,
		.submit = NAN,
		.execute_start = NAN,
		.execute_end = NAN,
		.post_start = NAN,
		.post_end = NAN,
		.seq = -1,
	};
}

static void keep_min(double *slot, double ts)
{
	if (isnan(*slot) || ts < *slot)
		*slot = ts;
}

static void keep_max(double *slot, double ts)
{
	if (isnan(*slot) || ts > *slot)
		*slot = ts;
}

/* Terminal states and their phase: the final state of an attempt is the one in the latest
 * phase (times tie too often to order by time). */
static void terminal(struct wfad_pegasus_timeline *t, int phase, bool failed)
{
	if (phase >= t->final_phase) {
		t->final_phase = phase;
		t->failed = failed;
	}
}

void wfad_pegasus_timeline_add(struct wfad_pegasus_timeline *t, enum wfad_jobstate state, double ts,
			       long submit_seq)
{
	if (state == WFAD_JS_UNKNOWN || state >= WFAD_JS_MONITORD_STARTED)
		return;
	if (state == WFAD_JS_SUBMIT)
		t->submits++;
	long seq = submit_seq;
	if (seq < 0) {
		/* No job_submit_seq: a PRE script starts an attempt, and so does a SUBMIT that
		 * does not follow this attempt's PRE script. */
		if (state == WFAD_JS_PRE_SCRIPT_STARTED) {
			t->synth_seq++;
			t->synth_in_pre = true;
		} else if (state == WFAD_JS_SUBMIT) {
			if (!t->synth_in_pre)
				t->synth_seq++;
			t->synth_in_pre = false;
		}
		seq = t->synth_seq;
	}
	if (seq < t->seq)
		return; /* an older attempt */
	if (seq > t->seq) {
		unsigned submits = t->submits;
		long synth = t->synth_seq;
		bool in_pre = t->synth_in_pre;
		wfad_pegasus_timeline_init(t);
		t->submits = submits;
		t->synth_seq = synth;
		t->synth_in_pre = in_pre;
		t->seq = seq;
	}
	switch (state) {
	case WFAD_JS_PRE_SCRIPT_STARTED: keep_min(&t->pre_start, ts); break;
	case WFAD_JS_PRE_SCRIPT_SUCCESS:
		keep_max(&t->pre_end, ts);
		terminal(t, 1, false);
		break;
	case WFAD_JS_PRE_SCRIPT_FAILURE:
		keep_max(&t->pre_end, ts);
		terminal(t, 1, true);
		break;
	case WFAD_JS_SUBMIT: keep_min(&t->submit, ts); break;
	case WFAD_JS_SUBMIT_FAILED: terminal(t, 2, true); break;
	case WFAD_JS_EXECUTE: keep_min(&t->execute_start, ts); break;
	case WFAD_JS_JOB_SUCCESS:
		keep_max(&t->execute_end, ts);
		terminal(t, 3, false);
		break;
	case WFAD_JS_JOB_FAILURE:
		keep_max(&t->execute_end, ts);
		terminal(t, 3, true);
		break;
	case WFAD_JS_POST_SCRIPT_STARTED: keep_min(&t->post_start, ts); break;
	case WFAD_JS_POST_SCRIPT_SUCCESS:
		keep_max(&t->post_end, ts);
		terminal(t, 4, false);
		break;
	case WFAD_JS_POST_SCRIPT_FAILURE:
		keep_max(&t->post_end, ts);
		terminal(t, 4, true);
		break;
	default: break;
	}
}

void wfad_pegasus_timeline_fill(const struct wfad_pegasus_timeline *t, struct wfad_job *job)
{
	job->f[WFAD_F_PRE_SCRIPT_START] = t->pre_start;
	job->f[WFAD_F_PRE_SCRIPT_END] = t->pre_end;
	job->f[WFAD_F_SUBMIT] = t->submit;
	job->f[WFAD_F_EXECUTE_START] = t->execute_start;
	job->f[WFAD_F_EXECUTE_END] = t->execute_end;
	job->f[WFAD_F_POST_SCRIPT_START] = t->post_start;
	job->f[WFAD_F_POST_SCRIPT_END] = t->post_end;
	job->attempts = (uint16_t)(t->submits > UINT16_MAX ? UINT16_MAX : t->submits);
	job->failed = t->failed ? 1 : 0;
}

int32_t wfad_pegasus_exit_from_raw(long raw)
{
	if (raw < 0 || raw > 0xffff)
		return INT32_MIN;
	if (raw & 0x7f)
		return -(int32_t)(raw & 0x7f);
	return (int32_t)((raw >> 8) & 0xff);
}

int32_t wfad_pegasus_exit_combine(int32_t acc, int32_t code)
{
	if (code == INT32_MIN)
		return acc;
	if (acc == INT32_MIN || acc == 0)
		return code;
	return code != 0 && code > acc ? code : acc;
}

void wfad_pegasus_finish_run(const struct wfad_dataset *ds, struct wfad_run *run,
			     double dagman_start)
{
	const struct wfad_dag *dag = &ds->dag;
	for (size_t k = 0; k < dag->n_nodes; k++) {
		uint32_t v = dag->topo[k];
		struct wfad_job *job = &run->jobs[v];
		if (isnan(job->f[WFAD_F_READY])) {
			double ready = NAN;
			bool blocked = false;
			uint32_t first = dag->parent_ptr[v], last = dag->parent_ptr[v + 1];
			if (first == last)
				ready = dagman_start;
			for (uint32_t e = first; e < last; e++) {
				const struct wfad_job *p = &run->jobs[dag->parent_idx[e]];
				double end = !isnan(p->f[WFAD_F_POST_SCRIPT_END])
						     ? p->f[WFAD_F_POST_SCRIPT_END]
						     : p->f[WFAD_F_EXECUTE_END];
				blocked |= p->failed != 0;
				if (!isnan(end) && (isnan(ready) || end > ready))
					ready = end;
			}
			job->f[WFAD_F_READY] = blocked ? NAN : ready;
		}
		wfad_job_derive_delays(job);
	}
}

enum wfad_status wfad_pegasus_flatten_edges(uint32_t **parents, uint32_t **children, size_t *n,
					    size_t *cap, uint32_t plan, uint32_t first,
					    uint32_t last)
{
	enum wfad_status st = WFAD_OK;
	size_t span = last - first, m = *n;
	bool *has_in = calloc(span ? span : 1, sizeof(*has_in));
	bool *has_out = calloc(span ? span : 1, sizeof(*has_out));
	if (!has_in || !has_out) {
		st = WFAD_ENOMEM;
		goto cleanup;
	}
	for (size_t e = 0; e < m; e++) {
		if ((*children)[e] >= first && (*children)[e] < last)
			has_in[(*children)[e] - first] = true;
		if ((*parents)[e] >= first && (*parents)[e] < last)
			has_out[(*parents)[e] - first] = true;
	}
	for (size_t e = 0; e < m; e++) {
		bool to_plan = (*children)[e] == plan, from_plan = (*parents)[e] == plan;
		if (!to_plan && !from_plan)
			continue;
		uint32_t other = to_plan ? (*parents)[e] : (*children)[e];
		for (uint32_t v = first; v < last; v++) {
			if (to_plan ? has_in[v - first] : has_out[v - first])
				continue;
			if (*n >= WFAD_DAGFILE_MAX_EDGES) {
				st = WFAD_ELIMIT;
				goto cleanup;
			}
			if (*n == *cap) {
				size_t ncap = *cap ? *cap * 2 : 256;
				uint32_t *np = realloc(*parents, ncap * sizeof(*np));
				if (np)
					*parents = np;
				uint32_t *nc = realloc(*children, ncap * sizeof(*nc));
				if (nc)
					*children = nc;
				if (!np || !nc) {
					st = WFAD_ENOMEM;
					goto cleanup;
				}
				*cap = ncap;
			}
			(*parents)[*n] = to_plan ? other : v;
			(*children)[*n] = to_plan ? v : other;
			(*n)++;
		}
	}
cleanup:
	free(has_in);
	free(has_out);
	return st;
}

/* Copies src's DAG into an empty dst (ids re-interned in dst's arena). */
static enum wfad_status adopt_dag(struct wfad_dataset *dst, const struct wfad_dataset *src,
				  const char *source, struct wfad_error *err)
{
	const struct wfad_dag *s = &src->dag;
	size_t n = s->n_nodes, m = s->n_edges;
	enum wfad_status st = WFAD_OK;
	uint32_t *par = malloc((m ? m : 1) * sizeof(*par));
	uint32_t *chi = malloc((m ? m : 1) * sizeof(*chi));
	const char **ids = wfad_arena_alloc(&dst->arena, (n ? n : 1) * sizeof(*ids));
	if (!par || !chi || !ids) {
		st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < n; i++) {
		uint32_t id;
		if (wfad_strings_intern(&dst->dag.ids, s->node_ids[i], strlen(s->node_ids[i]),
					&id) != WFAD_OK) {
			st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
			goto cleanup;
		}
		WFAD_ASSERT(id == i);
		ids[i] = dst->dag.ids.items[id];
	}
	size_t k = 0;
	for (size_t v = 0; v < n; v++) {
		for (uint32_t e = s->child_ptr[v]; e < s->child_ptr[v + 1]; e++) {
			par[k] = (uint32_t)v;
			chi[k++] = s->child_idx[e];
		}
	}
	dst->dag.node_ids = ids;
	dst->dag.n_nodes = n;
	st = wfad_dag_build(dst, par, chi, m, source, err);
cleanup:
	free(par);
	free(chi);
	return st;
}

static bool has_edge(const struct wfad_dag *dag, uint32_t p, uint32_t c)
{
	for (uint32_t e = dag->child_ptr[p]; e < dag->child_ptr[p + 1]; e++)
		if (dag->child_idx[e] == c)
			return true;
	return false;
}

static uint32_t reintern(struct wfad_dataset *dst, const struct wfad_dataset *src, uint32_t id,
			 bool *oom)
{
	if (id == WFAD_NO_ID || id >= src->strings.count)
		return WFAD_NO_ID;
	const char *s = src->strings.items[id];
	uint32_t out;
	if (wfad_strings_intern(&dst->strings, s, strlen(s), &out) != WFAD_OK) {
		*oom = true;
		return WFAD_NO_ID;
	}
	return out;
}

enum wfad_status wfad_pegasus_merge(struct wfad_dataset *dst, const struct wfad_dataset *src,
				    const char *source, struct wfad_error *err)
{
	enum wfad_status st = WFAD_OK;
	size_t n = src->dag.n_nodes;
	uint32_t *map = malloc((n ? n : 1) * sizeof(*map));
	if (!map)
		return wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
	bool fresh = dst->dag.n_nodes == 0 && dst->dag.child_ptr == NULL;
	if (fresh && dst->dag.ids.count != 0) {
		st = wfad_error_set(err, WFAD_EINVAL, source, 0, 0,
				    "the dataset has job ids but no DAG");
		goto cleanup;
	}
	if (fresh) {
		for (size_t i = 0; i < n; i++)
			map[i] = (uint32_t)i;
	} else {
		if (dst->dag.n_nodes != n || dst->dag.n_edges != src->dag.n_edges) {
			st = wfad_error_set(
				err, WFAD_EINVAL, source, 0, 0,
				"DAG differs from the dataset's (%zu jobs, %zu edges vs "
				"%zu jobs, %zu edges)",
				n, src->dag.n_edges, dst->dag.n_nodes, dst->dag.n_edges);
			goto cleanup;
		}
		for (size_t i = 0; i < n; i++) {
			const char *id = src->dag.node_ids[i];
			if (!wfad_strings_find(&dst->dag.ids, id, strlen(id), &map[i])) {
				st = wfad_error_set(err, WFAD_EINVAL, source, 0, 0,
						    "job '%s' is not in the dataset's DAG", id);
				goto cleanup;
			}
		}
		for (size_t v = 0; v < n; v++) {
			for (uint32_t e = src->dag.child_ptr[v]; e < src->dag.child_ptr[v + 1];
			     e++) {
				uint32_t c = src->dag.child_idx[e];
				if (!has_edge(&dst->dag, map[v], map[c])) {
					st = wfad_error_set(
						err, WFAD_EINVAL, source, 0, 0,
						"edge %s -> %s is not in the dataset's DAG",
						src->dag.node_ids[v], src->dag.node_ids[c]);
					goto cleanup;
				}
			}
		}
	}
	if (fresh && (st = adopt_dag(dst, src, source, err)) != WFAD_OK)
		goto cleanup;
	if (!dst->workflow && src->workflow &&
	    !(dst->workflow = wfad_arena_strdup(&dst->arena, src->workflow))) {
		st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
		goto cleanup;
	}
	for (size_t r = 0; r < src->n_runs; r++) {
		const struct wfad_run *sr = &src->runs[r];
		struct wfad_run *dr;
		if (wfad_dataset_add_run(dst, sr->id, sr->label, sr->source, &dr) != WFAD_OK) {
			st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
			goto cleanup;
		}
		bool oom = false;
		for (size_t i = 0; i < n; i++) {
			struct wfad_job j = sr->jobs[i];
			j.transformation = reintern(dst, src, j.transformation, &oom);
			j.host = reintern(dst, src, j.host, &oom);
			j.site = reintern(dst, src, j.site, &oom);
			dr->jobs[map[i]] = j;
		}
		if (oom) {
			st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
			goto cleanup;
		}
	}
cleanup:
	free(map);
	return st;
}
