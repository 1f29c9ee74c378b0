/* Pegasus stampede database reader (SQLite, read-only): the same job table as the submit
 * directory reader, from the job, job_edge, job_instance, jobstate, invocation, host and
 * workflowstate tables. Sub-workflows (job_instance.subwf_id) are flattened the same way:
 * "<job>_<pegasus-plan job>", roots wired to the plan job's parents, leaves to its children.
 * Per job the last job_instance (highest job_submit_seq) counts; CPU time is the sum of
 * invocation.remote_cpu_time over kickstart tasks (task_submit_seq >= 1) and the exit code
 * is decoded from invocation.exitcode (a raw wait status). */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "wfad/ingest.h"
#include "wfad/pegasus.h"

struct snode {
	long long db_id; /* job.job_id */
	const char *exec_id;
	struct wfad_pegasus_timeline tl;
	long long last_seq; /* job_submit_seq of the last instance, -1 = none */
	long long subwf;    /* subwf_id of the last instance, -1 = none */
	uint32_t host, site;
	int32_t exit_code;
	double cpu;
	unsigned n_inv;
};

/* Workflows on the way from the root to the one being read, for loop detection. */
struct chain {
	long long wf_id;
	const struct chain *up;
};

struct sloader {
	sqlite3 *db;
	const char *path;
	struct wfad_error *err;
	struct wfad_arena tmp;
	struct wfad_dataset *ds; /* the dataset being built (a temporary) */
	struct snode *nodes;
	size_t n_nodes, cap_nodes;
	uint32_t *ep, *ec;
	size_t n_edges, cap_edges;
};

static enum wfad_status oom(struct sloader *L)
{
	return wfad_error_set(L->err, WFAD_ENOMEM, L->path, 0, 0, "out of memory");
}

static enum wfad_status db_error(struct sloader *L, int rc)
{
	const char *msg = L->db ? sqlite3_errmsg(L->db) : sqlite3_errstr(rc);
	int primary = rc & 0xff;
	if (primary == SQLITE_NOMEM)
		return oom(L);
	if (primary == SQLITE_NOTADB)
		return wfad_error_set(L->err, WFAD_EFORMAT, L->path, 0, 0,
				      "not an SQLite database (%s)", msg);
	if (strstr(msg, "no such table") || strstr(msg, "no such column"))
		return wfad_error_set(L->err, WFAD_EFORMAT, L->path, 0, 0,
				      "not a Pegasus stampede database (%s)", msg);
	return wfad_error_set(L->err, WFAD_EIO, L->path, 0, 0, "sqlite: %s", msg);
}

/* Prepares sql and binds ?1 to wf_id. */
static enum wfad_status prepare(struct sloader *L, const char *sql, long long wf_id,
				sqlite3_stmt **out)
{
	int rc = sqlite3_prepare_v2(L->db, sql, -1, out, NULL);
	if (rc != SQLITE_OK)
		return db_error(L, rc);
	if (sqlite3_bind_parameter_count(*out) >= 1 &&
	    (rc = sqlite3_bind_int64(*out, 1, wf_id)) != SQLITE_OK) {
		enum wfad_status st = db_error(L, rc);
		sqlite3_finalize(*out);
		*out = NULL;
		return st;
	}
	return WFAD_OK;
}

static double column_double(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? NAN : sqlite3_column_double(s, i);
}

static long long column_id(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, i);
}

/* Node of job.job_id db_id among the workflow's nodes [first, last) (sorted by job_id). */
static struct snode *find_node(struct sloader *L, size_t first, size_t last, long long db_id)
{
	while (first < last) {
		size_t mid = first + (last - first) / 2;
		if (L->nodes[mid].db_id < db_id)
			first = mid + 1;
		else if (L->nodes[mid].db_id > db_id)
			last = mid;
		else
			return &L->nodes[mid];
	}
	return NULL;
}

static enum wfad_status intern(struct sloader *L, const unsigned char *s, uint32_t *id)
{
	if (!s)
		return WFAD_OK;
	if (wfad_strings_intern(&L->ds->strings, (const char *)s, strlen((const char *)s), id) !=
	    WFAD_OK)
		return oom(L);
	return WFAD_OK;
}

static enum wfad_status read_jobs(struct sloader *L, long long wf_id, const char *suffix)
{
	sqlite3_stmt *s = NULL;
	enum wfad_status st =
		prepare(L, "SELECT job_id, exec_job_id FROM job WHERE wf_id = ?1 ORDER BY job_id",
			wf_id, &s);
	if (st != WFAD_OK)
		return st;
	int rc;
	struct wfad_strings *ids = &L->ds->dag.ids;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *exec_id = (const char *)sqlite3_column_text(s, 1);
		if (!exec_id) {
			st = wfad_error_set(L->err, WFAD_EINVAL, L->path, 0, 0,
					    "job %lld has no exec_job_id",
					    (long long)sqlite3_column_int64(s, 0));
			goto cleanup;
		}
		if (L->n_nodes == L->cap_nodes) {
			size_t cap = L->cap_nodes ? L->cap_nodes * 2 : 64;
			struct snode *nn = realloc(L->nodes, cap * sizeof(*nn));
			if (!nn) {
				st = oom(L);
				goto cleanup;
			}
			L->nodes = nn;
			L->cap_nodes = cap;
		}
		size_t n = strlen(exec_id) + strlen(suffix) + 1;
		char *id = wfad_arena_alloc(&L->tmp, n);
		char *orig = wfad_arena_strdup(&L->tmp, exec_id);
		if (!id || !orig) {
			st = oom(L);
			goto cleanup;
		}
		memcpy(id, exec_id, strlen(exec_id));
		memcpy(id + strlen(exec_id), suffix, strlen(suffix) + 1);
		size_t before = ids->count;
		uint32_t got;
		if (wfad_strings_intern(ids, id, n - 1, &got) != WFAD_OK) {
			st = oom(L);
			goto cleanup;
		}
		if (ids->count == before || L->n_nodes >= UINT32_MAX - 1) {
			st = wfad_error_set(L->err, WFAD_EINVAL, L->path, 0, 0,
					    "job id '%s' appears twice (workflow %lld)", id, wf_id);
			goto cleanup;
		}
		struct snode *nd = &L->nodes[L->n_nodes++];
		*nd = (struct snode){.db_id = sqlite3_column_int64(s, 0),
				     .exec_id = orig,
				     .last_seq = -1,
				     .subwf = -1,
				     .host = WFAD_NO_ID,
				     .site = WFAD_NO_ID,
				     .exit_code = INT32_MIN,
				     .cpu = NAN};
		wfad_pegasus_timeline_init(&nd->tl);
	}
	if (rc != SQLITE_DONE)
		st = db_error(L, rc);
cleanup:
	sqlite3_finalize(s);
	return st;
}

static enum wfad_status add_edge(struct sloader *L, uint32_t p, uint32_t c)
{
	if (L->n_edges >= WFAD_DAGFILE_MAX_EDGES)
		return wfad_error_set(L->err, WFAD_ELIMIT, L->path, 0, 0, "more than %u edges",
				      WFAD_DAGFILE_MAX_EDGES);
	if (L->n_edges == L->cap_edges) {
		size_t cap = L->cap_edges ? L->cap_edges * 2 : 256;
		uint32_t *np = realloc(L->ep, cap * sizeof(*np));
		if (np)
			L->ep = np;
		uint32_t *nc = realloc(L->ec, cap * sizeof(*nc));
		if (nc)
			L->ec = nc;
		if (!np || !nc)
			return oom(L);
		L->cap_edges = cap;
	}
	L->ep[L->n_edges] = p;
	L->ec[L->n_edges++] = c;
	return WFAD_OK;
}

static enum wfad_status read_edges(struct sloader *L, long long wf_id, size_t first, size_t last)
{
	struct wfad_strings local; /* exec_job_id -> node index - first */
	wfad_strings_init(&local, &L->tmp);
	sqlite3_stmt *s = NULL;
	enum wfad_status st = WFAD_OK;
	for (size_t i = first; i < last; i++) {
		uint32_t id;
		if (wfad_strings_intern(&local, L->nodes[i].exec_id, strlen(L->nodes[i].exec_id),
					&id) != WFAD_OK) {
			st = oom(L);
			goto cleanup;
		}
	}
	if ((st = prepare(L,
			  "SELECT parent_exec_job_id, child_exec_job_id FROM job_edge "
			  "WHERE wf_id = ?1",
			  wf_id, &s)) != WFAD_OK)
		goto cleanup;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *ends[2] = {(const char *)sqlite3_column_text(s, 0),
				       (const char *)sqlite3_column_text(s, 1)};
		uint32_t idx[2];
		for (int k = 0; k < 2; k++) {
			if (!ends[k] ||
			    !wfad_strings_find(&local, ends[k], strlen(ends[k]), &idx[k])) {
				st = wfad_error_set(
					L->err, WFAD_EINVAL, L->path, 0, 0,
					"job_edge names unknown job '%s' (workflow %lld)",
					ends[k] ? ends[k] : "(null)", wf_id);
				goto cleanup;
			}
		}
		if ((st = add_edge(L, (uint32_t)(first + idx[0]), (uint32_t)(first + idx[1]))) !=
		    WFAD_OK)
			goto cleanup;
	}
	if (rc != SQLITE_DONE)
		st = db_error(L, rc);
cleanup:
	sqlite3_finalize(s);
	wfad_strings_free(&local);
	return st;
}

static enum wfad_status read_jobstates(struct sloader *L, long long wf_id, size_t first,
				       size_t last)
{
	sqlite3_stmt *s = NULL;
	enum wfad_status st = prepare(
		L,
		"SELECT ji.job_id, ji.job_submit_seq, js.state, js.timestamp FROM jobstate js "
		"JOIN job_instance ji ON ji.job_instance_id = js.job_instance_id "
		"JOIN job j ON j.job_id = ji.job_id WHERE j.wf_id = ?1 "
		"ORDER BY ji.job_id, ji.job_submit_seq, js.jobstate_submit_seq, js.timestamp",
		wf_id, &s);
	if (st != WFAD_OK)
		return st;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct snode *nd = find_node(L, first, last, sqlite3_column_int64(s, 0));
		const char *state = (const char *)sqlite3_column_text(s, 2);
		double ts = column_double(s, 3);
		if (!nd || !state || isnan(ts))
			continue;
		long long seq = column_id(s, 1);
		wfad_pegasus_timeline_add(&nd->tl, wfad_jobstate_lookup(state, strlen(state)), ts,
					  seq > LONG_MAX ? LONG_MAX : (long)seq);
	}
	if (rc != SQLITE_DONE)
		st = db_error(L, rc);
	sqlite3_finalize(s);
	return st;
}

static enum wfad_status read_instances(struct sloader *L, long long wf_id, size_t first,
				       size_t last)
{
	sqlite3_stmt *s = NULL;
	enum wfad_status st =
		prepare(L,
			"SELECT ji.job_id, ji.job_submit_seq, ji.site, h.hostname, ji.subwf_id "
			"FROM job_instance ji JOIN job j ON j.job_id = ji.job_id "
			"LEFT JOIN host h ON h.host_id = ji.host_id WHERE j.wf_id = ?1 "
			"ORDER BY ji.job_id, ji.job_submit_seq",
			wf_id, &s);
	if (st != WFAD_OK)
		return st;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct snode *nd = find_node(L, first, last, sqlite3_column_int64(s, 0));
		long long seq = column_id(s, 1);
		if (!nd || seq < nd->last_seq)
			continue;
		nd->last_seq = seq;
		nd->site = nd->host = WFAD_NO_ID;
		nd->subwf = column_id(s, 4);
		if ((st = intern(L, sqlite3_column_text(s, 2), &nd->site)) != WFAD_OK ||
		    (st = intern(L, sqlite3_column_text(s, 3), &nd->host)) != WFAD_OK)
			goto cleanup;
	}
	if (rc != SQLITE_DONE)
		st = db_error(L, rc);
cleanup:
	sqlite3_finalize(s);
	return st;
}

static enum wfad_status read_invocations(struct sloader *L, long long wf_id, size_t first,
					 size_t last)
{
	sqlite3_stmt *s = NULL;
	enum wfad_status st =
		prepare(L,
			"SELECT ji.job_id, ji.job_submit_seq, inv.remote_cpu_time, inv.exitcode "
			"FROM invocation inv "
			"JOIN job_instance ji ON ji.job_instance_id = inv.job_instance_id "
			"JOIN job j ON j.job_id = ji.job_id "
			"WHERE j.wf_id = ?1 AND inv.task_submit_seq >= 1 "
			"ORDER BY ji.job_id, ji.job_submit_seq, inv.task_submit_seq",
			wf_id, &s);
	if (st != WFAD_OK)
		return st;
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct snode *nd = find_node(L, first, last, sqlite3_column_int64(s, 0));
		if (!nd || column_id(s, 1) != nd->last_seq)
			continue;
		double cpu = column_double(s, 2);
		if (!isnan(cpu))
			nd->cpu = isnan(nd->cpu) ? cpu : nd->cpu + cpu;
		if (sqlite3_column_type(s, 3) != SQLITE_NULL)
			nd->exit_code = wfad_pegasus_exit_combine(
				nd->exit_code,
				wfad_pegasus_exit_from_raw((long)sqlite3_column_int64(s, 3)));
		nd->n_inv++;
	}
	if (rc != SQLITE_DONE)
		st = db_error(L, rc);
	sqlite3_finalize(s);
	return st;
}

static enum wfad_status read_workflow(struct sloader *L, long long wf_id, const char *suffix,
				      const struct chain *up, int depth)
{
	if (depth > WFAD_PEGASUS_MAX_DEPTH)
		return wfad_error_set(L->err, WFAD_ELIMIT, L->path, 0, 0,
				      "sub-workflows nested deeper than %d levels",
				      WFAD_PEGASUS_MAX_DEPTH);
	for (const struct chain *c = up; c; c = c->up)
		if (c->wf_id == wf_id)
			return wfad_error_set(L->err, WFAD_EINVAL, L->path, 0, 0,
					      "workflow %lld is its own sub-workflow", wf_id);
	size_t first = L->n_nodes;
	enum wfad_status st;
	if ((st = read_jobs(L, wf_id, suffix)) != WFAD_OK)
		return st;
	size_t last = L->n_nodes;
	if ((st = read_edges(L, wf_id, first, last)) != WFAD_OK ||
	    (st = read_jobstates(L, wf_id, first, last)) != WFAD_OK ||
	    (st = read_instances(L, wf_id, first, last)) != WFAD_OK ||
	    (st = read_invocations(L, wf_id, first, last)) != WFAD_OK)
		return st;
	struct chain here = {wf_id, up};
	for (size_t i = first; i < last; i++) {
		long long sub = L->nodes[i].subwf;
		if (sub < 0)
			continue;
		const char *exec_id = L->nodes[i].exec_id;
		size_t n = strlen(exec_id) + strlen(suffix) + 2;
		char *sub_suffix = wfad_arena_alloc(&L->tmp, n);
		if (!sub_suffix)
			return oom(L);
		sub_suffix[0] = '_';
		memcpy(sub_suffix + 1, exec_id, strlen(exec_id));
		memcpy(sub_suffix + 1 + strlen(exec_id), suffix, strlen(suffix) + 1);
		uint32_t a = (uint32_t)L->n_nodes;
		if ((st = read_workflow(L, sub, sub_suffix, &here, depth + 1)) != WFAD_OK)
			return st;
		st = wfad_pegasus_flatten_edges(&L->ep, &L->ec, &L->n_edges, &L->cap_edges,
						(uint32_t)i, a, (uint32_t)L->n_nodes);
		if (st == WFAD_ELIMIT)
			return wfad_error_set(L->err, st, L->path, 0, 0, "more than %u edges",
					      WFAD_DAGFILE_MAX_EDGES);
		if (st != WFAD_OK)
			return oom(L);
	}
	return WFAD_OK;
}

/* Reads root workflow wf_id into L->ds as one run. */
static enum wfad_status read_root(struct sloader *L, long long wf_id, const char *uuid,
				  const char *label)
{
	enum wfad_status st = read_workflow(L, wf_id, "", NULL, 0);
	if (st != WFAD_OK)
		return st;
	struct wfad_dataset *ds = L->ds;
	if (L->n_nodes == 0)
		return wfad_error_set(L->err, WFAD_EINVAL, L->path, 0, 0, "workflow %s has no jobs",
				      uuid);
	const char **ids = wfad_arena_alloc(&ds->arena, L->n_nodes * sizeof(*ids));
	if (!ids)
		return oom(L);
	for (size_t i = 0; i < L->n_nodes; i++)
		ids[i] = ds->dag.ids.items[i];
	ds->dag.node_ids = ids;
	ds->dag.n_nodes = L->n_nodes;
	if ((st = wfad_dag_build(ds, L->ep, L->ec, L->n_edges, L->path, L->err)) != WFAD_OK)
		return st;
	double start = NAN;
	sqlite3_stmt *s = NULL;
	if ((st = prepare(L,
			  "SELECT MIN(timestamp) FROM workflowstate "
			  "WHERE wf_id = ?1 AND state = 'WORKFLOW_STARTED'",
			  wf_id, &s)) != WFAD_OK)
		return st;
	int rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		start = column_double(s, 0);
	else if (rc != SQLITE_DONE)
		st = db_error(L, rc);
	sqlite3_finalize(s);
	if (st != WFAD_OK)
		return st;
	struct wfad_run *run;
	if (wfad_dataset_add_run(ds, uuid, NULL, L->path, &run) != WFAD_OK)
		return oom(L);
	for (size_t i = 0; i < L->n_nodes; i++) {
		const struct snode *nd = &L->nodes[i];
		struct wfad_job *job = &run->jobs[i];
		wfad_pegasus_timeline_fill(&nd->tl, job);
		job->type = (uint8_t)wfad_pegasus_job_type(nd->exec_id);
		size_t tn;
		wfad_job_id_transformation(nd->exec_id, &tn);
		if (wfad_strings_intern(&ds->strings, nd->exec_id, tn, &job->transformation) !=
		    WFAD_OK)
			return oom(L);
		job->host = nd->host;
		job->site = nd->site;
		job->exit_code = nd->exit_code;
		job->f[WFAD_F_CPU_TIME] = nd->cpu;
		job->clustered = nd->n_inv > 1;
	}
	wfad_pegasus_finish_run(ds, run, start);
	if (label && !(ds->workflow = wfad_arena_strdup(&ds->arena, label)))
		return oom(L);
	return WFAD_OK;
}

static void reset_loader(struct sloader *L, struct wfad_dataset *ds)
{
	L->n_nodes = 0;
	L->n_edges = 0;
	wfad_arena_free(&L->tmp);
	wfad_dataset_free(ds);
	wfad_dataset_init(ds);
	L->ds = ds;
}

enum wfad_status wfad_stampede_load(const char *db_path, struct wfad_dataset *ds,
				    struct wfad_error *err)
{
	struct sloader L = {.path = db_path, .err = err};
	wfad_arena_init(&L.tmp);
	struct wfad_dataset one, all;
	wfad_dataset_init(&one);
	wfad_dataset_init(&all);
	L.ds = &one;
	sqlite3_stmt *roots = NULL;
	enum wfad_status st = WFAD_OK;
	struct stat sb;
	if (stat(db_path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		st = wfad_error_set(err, WFAD_ENOTFOUND, db_path, 0, 0, "no such database file");
		goto cleanup;
	}
	int rc = sqlite3_open_v2(db_path, &L.db, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		st = db_error(&L, rc);
		goto cleanup;
	}
	if ((st = prepare(&L,
			  "SELECT wf_id, wf_uuid, dax_label FROM workflow "
			  "WHERE parent_wf_id IS NULL ORDER BY wf_id",
			  0, &roots)) != WFAD_OK)
		goto cleanup;
	size_t n_roots = 0;
	while ((rc = sqlite3_step(roots)) == SQLITE_ROW) {
		const char *uuid = (const char *)sqlite3_column_text(roots, 1);
		const char *label = (const char *)sqlite3_column_text(roots, 2);
		char *uuid_copy = wfad_arena_strdup(&L.tmp, uuid ? uuid : "");
		char *label_copy = label ? wfad_arena_strdup(&L.tmp, label) : NULL;
		if (!uuid_copy || (label && !label_copy)) {
			st = oom(&L);
			goto cleanup;
		}
		if ((st = read_root(&L, sqlite3_column_int64(roots, 0), uuid_copy, label_copy)) !=
			    WFAD_OK ||
		    (st = wfad_pegasus_merge(&all, &one, db_path, err)) != WFAD_OK)
			goto cleanup;
		reset_loader(&L, &one);
		n_roots++;
	}
	if (rc != SQLITE_DONE) {
		st = db_error(&L, rc);
		goto cleanup;
	}
	if (n_roots == 0) {
		st = wfad_error_set(err, WFAD_ENOTFOUND, db_path, 0, 0,
				    "no root workflow in the database");
		goto cleanup;
	}
	st = wfad_pegasus_merge(ds, &all, db_path, err);
cleanup:
	sqlite3_finalize(roots);
	sqlite3_close(L.db);
	free(L.nodes);
	free(L.ep);
	free(L.ec);
	wfad_arena_free(&L.tmp);
	wfad_dataset_free(&one);
	wfad_dataset_free(&all);
	return st;
}
