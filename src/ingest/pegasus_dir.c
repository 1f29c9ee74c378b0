/* Pegasus submit directory reader: the .dag gives the DAG, jobstate.log the timeline and the
 * kickstart records (.out.NNN) host, site, CPU time and exit code; sub-workflows planned by
 * pegasus-plan jobs (and SUBDAG EXTERNAL nodes) are flattened into the same DAG.
 *
 * Rules (docs/pegasus.md):
 * - runtime stays execute_end - execute_start from jobstate.log (as in Flow-Bench), not the
 *   kickstart duration;
 * - a flattened job is "<job>_<pegasus-plan job>"; the sub-workflow's roots get the plan job's
 *   parents and its leaves the plan job's children (the layout of Flow-Bench's
 *   predict_future_sales DAG), and the plan job keeps its own edges, so the usual ready rule
 *   applies to every job;
 * - a sub-workflow directory without jobstate.log contributes its jobs and kickstart data but
 *   no timestamps; a plan job whose sub-workflow directory is missing is not flattened;
 * - a kickstart record that cannot be read or parsed is logged and skipped. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wfad/ingest.h"
#include "wfad/pegasus.h"

#define MAX_TEXT ((size_t)256 << 20)     /* .dag and jobstate.log */
#define MAX_KICKSTART ((size_t)64 << 20) /* one .out.NNN */
#define MAX_SMALL ((size_t)1 << 20)      /* braindump.yml, sub-workflow pointer files */

struct node {
	uint32_t wf, job; /* workflow index, index into its .dag jobs */
	struct wfad_pegasus_timeline tl;
	uint32_t js_site; /* site of the last attempt in jobstate.log (dataset string) */
	uint32_t host, site;
	int32_t exit_code;
	double cpu;
	uint8_t clustered;
};

struct wf {
	const char *dir; /* submit directory */
	const char *dag_path;
	char *real_dag;     /* realpath of the .dag (heap), for loop detection */
	const char *suffix; /* appended to job ids: "" or "_<pegasus-plan job>..." */
	uint32_t parent;    /* enclosing workflow, UINT32_MAX for the top */
	struct wfad_braindump bd;
	struct wfad_dagfile dag;
	uint32_t first; /* index of its first job */
	double dagman_start;
};

struct loader {
	struct wfad_arena tmp;   /* parsed files and paths */
	struct wfad_dataset *ds; /* the dataset being built (a temporary) */
	struct wf *wfs;
	size_t n_wfs, cap_wfs;
	struct node *nodes;
	size_t n_nodes, cap_nodes;
	uint32_t *ep, *ec; /* edges */
	size_t n_edges, cap_edges;
	struct wfad_error *err;
};

static enum wfad_status oom(struct loader *L, const char *where)
{
	return wfad_error_set(L->err, WFAD_ENOMEM, where, 0, 0, "out of memory");
}

/* ---- paths ---------------------------------------------------------------------------- */

static char *join(struct wfad_arena *a, const char *dir, const char *name)
{
	if (!dir || !*dir || name[0] == '/')
		return wfad_arena_strdup(a, name);
	size_t n = strlen(dir), m = strlen(name);
	char *p = wfad_arena_alloc(a, n + m + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, n);
	size_t k = n;
	if (dir[n - 1] != '/')
		p[k++] = '/';
	memcpy(p + k, name, m + 1);
	return p;
}

static char *dirname_of(struct wfad_arena *a, const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return wfad_arena_strdup(a, ".");
	if (slash == path)
		return wfad_arena_strdup(a, "/");
	return wfad_arena_strndup(a, path, (size_t)(slash - path));
}

static const char *basename_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* Collapses "//" and "/./" and drops a trailing "/" or "/." (".." is left alone). */
static char *normalize(struct wfad_arena *a, const char *path)
{
	size_t n = strlen(path);
	char *out = wfad_arena_alloc(a, n + 1);
	if (!out)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		if (path[i] == '/' && k > 0 && out[k - 1] == '/') {
			i++;
		} else if (path[i] == '.' && (k == 0 || out[k - 1] == '/') &&
			   (i + 1 == n || path[i + 1] == '/') && k > 0) {
			i += 2;
		} else {
			out[k++] = path[i++];
		}
	}
	while (k > 1 && out[k - 1] == '/')
		k--;
	out[k] = '\0';
	return out;
}

static bool is_dir(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool is_file(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* Reads a whole file; a missing file is WFAD_ENOTFOUND naming it and what it is. */
static enum wfad_status read_required(struct loader *L, const char *path, size_t max,
				      const char *what, char **buf, size_t *len)
{
	if (!is_file(path))
		return wfad_error_set(L->err, WFAD_ENOTFOUND, path, 0, 0, "%s not found", what);
	return wfad_read_file(path, max, buf, len, L->err);
}

/* ---- sub-workflow directories ----------------------------------------------------------- */

/* Numeric suffix of name after prefix + ".", or -1. */
static long dot_number(const char *name, const char *prefix, size_t prefix_len)
{
	if (strncmp(name, prefix, prefix_len) != 0 || name[prefix_len] != '.')
		return -1;
	const char *d = name + prefix_len + 1;
	if (!*d || strlen(d) > 9)
		return -1;
	long v = 0;
	for (; *d; d++) {
		if (*d < '0' || *d > '9')
			return -1;
		v = v * 10 + (*d - '0');
	}
	return v;
}

/* The submit directory a planned sub-workflow path designates: the path itself when it is a
 * directory (Pegasus makes it a symlink to <path>.NNN); a small file holding the name of a
 * sibling (a symlink stored as a file, as in the Pegasus repository's samples); else the
 * highest-numbered <path>.NNN directory. NULL when there is none. */
static const char *resolve_subdir(struct loader *L, const char *path)
{
	if (is_dir(path))
		return path;
	const char *parent = dirname_of(&L->tmp, path);
	if (!parent)
		return NULL;
	struct stat sb;
	if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 && sb.st_size < 4096) {
		char *buf = NULL;
		size_t len = 0;
		struct wfad_error ignore = {0};
		if (wfad_read_file(path, 4096, &buf, &len, &ignore) == WFAD_OK) {
			while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' ||
				       buf[len - 1] == ' '))
				buf[--len] = '\0';
			bool plain = len > 0 && strcmp(buf, ".") != 0 && strcmp(buf, "..") != 0 &&
				     strlen(buf) == len;
			for (size_t i = 0; plain && i < len; i++)
				plain = buf[i] != '/' && (unsigned char)buf[i] >= 0x20;
			const char *target = plain ? join(&L->tmp, parent, buf) : NULL;
			free(buf);
			if (target && is_dir(target))
				return target;
		}
	}
	const char *base = basename_of(path);
	size_t base_len = strlen(base);
	DIR *d = opendir(parent);
	if (!d)
		return NULL;
	long best = -1;
	const char *best_path = NULL;
	struct dirent *e;
	while ((e = readdir(d))) {
		long v = dot_number(e->d_name, base, base_len);
		if (v <= best)
			continue;
		const char *p = join(&L->tmp, parent, e->d_name);
		if (p && is_dir(p)) {
			best = v;
			best_path = p;
		}
	}
	closedir(d);
	return best_path;
}

/* Where a pegasus-plan job planned its sub-workflow, in this copy of the submit tree: the
 * planner's path made relative to the planning-time submit_dir of braindump.yml, else the
 * directory of the job's submit file. */
static const char *plan_subdir(struct loader *L, const struct wf *w,
			       const struct wfad_dagfile_job *job,
			       const struct wfad_pegasus_plan_args *args)
{
	const char *rel = args->relative_submit_dir;
	if (w->bd.submit_dir) {
		const char *full = rel[0] == '/' ? rel
				   : args->dir   ? join(&L->tmp, args->dir, rel)
						 : NULL;
		char *nfull = full ? normalize(&L->tmp, full) : NULL;
		char *nsub = normalize(&L->tmp, w->bd.submit_dir);
		size_t k = nsub ? strlen(nsub) : 0;
		if (nfull && k && strncmp(nfull, nsub, k) == 0 && nfull[k] == '/') {
			const char *cand = join(&L->tmp, w->dir, nfull + k + 1);
			const char *found = cand ? resolve_subdir(L, cand) : NULL;
			if (found)
				return found;
		}
	}
	const char *sub_dir = job->submit ? dirname_of(&L->tmp, job->submit) : ".";
	const char *base = sub_dir ? join(&L->tmp, w->dir, sub_dir) : NULL;
	const char *cand = base ? join(&L->tmp, base, basename_of(rel)) : NULL;
	return cand ? resolve_subdir(L, cand) : NULL;
}

/* ---- building ----------------------------------------------------------------------------- */

static enum wfad_status add_edge(struct loader *L, uint32_t p, uint32_t c, const char *where)
{
	if (L->n_edges >= WFAD_DAGFILE_MAX_EDGES)
		return wfad_error_set(L->err, WFAD_ELIMIT, where, 0, 0,
				      "more than %u edges after flattening sub-workflows",
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
			return oom(L, where);
		L->cap_edges = cap;
	}
	L->ep[L->n_edges] = p;
	L->ec[L->n_edges++] = c;
	return WFAD_OK;
}

/* Folds jobstate.log events into the workflow's jobs. */
static enum wfad_status apply_jobstate(struct loader *L, uint32_t w,
				       const struct wfad_jobstate_log *log, const char *path)
{
	enum wfad_status st = WFAD_OK;
	struct wf *wf = &L->wfs[w];
	struct wfad_strings local; /* original job id -> index in the .dag */
	wfad_strings_init(&local, &L->tmp);
	for (size_t j = 0; j < wf->dag.n_jobs; j++) {
		uint32_t id;
		if (wfad_strings_intern(&local, wf->dag.jobs[j].id, strlen(wf->dag.jobs[j].id),
					&id) != WFAD_OK) {
			st = oom(L, path);
			goto cleanup;
		}
	}
	for (size_t i = 0; i < log->n_events; i++) {
		const struct wfad_jobstate_event *e = &log->events[i];
		if (e->state == WFAD_JS_DAGMAN_STARTED) {
			if (isnan(wf->dagman_start) || e->ts < wf->dagman_start)
				wf->dagman_start = e->ts;
			continue;
		}
		uint32_t j;
		if (e->state >= WFAD_JS_MONITORD_STARTED ||
		    !wfad_strings_find(&local, e->job_id, strlen(e->job_id), &j))
			continue; /* jobs of another DAG (e.g. a rescue) are not ours */
		struct node *nd = &L->nodes[wf->first + j];
		wfad_pegasus_timeline_add(&nd->tl, e->state, e->ts, e->submit_seq);
		if (e->site && (e->submit_seq < 0 || e->submit_seq >= nd->tl.seq) &&
		    wfad_strings_intern(&L->ds->strings, e->site, strlen(e->site), &nd->js_site) !=
			    WFAD_OK) {
			st = oom(L, path);
			goto cleanup;
		}
	}
cleanup:
	wfad_strings_free(&local);
	return st;
}

/* Fills a job from its kickstart record; unreadable records are logged and skipped. */
static enum wfad_status attach_kickstart(struct loader *L, struct node *nd, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	struct wfad_error kerr = {0};
	struct wfad_kickstart ks = {0};
	enum wfad_status st = wfad_read_file(path, MAX_KICKSTART, &buf, &len, &kerr);
	if (st == WFAD_OK)
		st = wfad_pegasus_parse_kickstart(buf, len, path, &L->tmp, &ks, &kerr);
	free(buf);
	if (st == WFAD_ENOMEM)
		return oom(L, path);
	if (st != WFAD_OK) {
		char msg[1200];
		wfad_error_format(&kerr, msg, sizeof(msg));
		wfad_log(WFAD_LOG_WARN, "skipping kickstart record: %s", msg);
		return WFAD_OK;
	}
	struct wfad_strings *strs = &L->ds->strings;
	const struct wfad_kickstart_invocation *first = &ks.inv[0];
	if ((first->hostname && wfad_strings_intern(strs, first->hostname, strlen(first->hostname),
						    &nd->host) != WFAD_OK) ||
	    (first->resource && wfad_strings_intern(strs, first->resource, strlen(first->resource),
						    &nd->site) != WFAD_OK))
		return oom(L, path);
	for (size_t i = 0; i < ks.n_inv; i++) {
		const struct wfad_kickstart_invocation *inv = &ks.inv[i];
		nd->exit_code = wfad_pegasus_exit_combine(nd->exit_code, inv->exit_code);
		double cpu =
			(isnan(inv->utime) ? 0 : inv->utime) + (isnan(inv->stime) ? 0 : inv->stime);
		if (!isnan(inv->utime) || !isnan(inv->stime))
			nd->cpu = isnan(nd->cpu) ? cpu : nd->cpu + cpu;
	}
	nd->clustered = ks.n_inv > 1;
	return WFAD_OK;
}

/* Registers the "<prefix>.out.NNN" files of dir under key "<dir_id>/<prefix>", keeping the
 * highest NNN. */
static enum wfad_status scan_outs(struct loader *L, const char *dir, uint32_t dir_id,
				  struct wfad_strings *outs, long **nnn, const char ***names,
				  size_t *cap)
{
	DIR *d = opendir(dir);
	if (!d)
		return WFAD_OK;
	enum wfad_status st = WFAD_OK;
	struct dirent *e;
	char key[1024];
	while ((e = readdir(d))) {
		const char *name = e->d_name, *dot = NULL;
		for (const char *p = strstr(name, ".out."); p; p = strstr(p + 1, ".out."))
			dot = p;
		if (!dot || dot == name)
			continue;
		long v = dot_number(name, name, (size_t)(dot - name + 4));
		int kn = snprintf(key, sizeof(key), "%u/%.*s", dir_id, (int)(dot - name), name);
		if (v < 0 || kn < 0 || (size_t)kn >= sizeof(key))
			continue;
		uint32_t id;
		if (wfad_strings_intern(outs, key, (size_t)kn, &id) != WFAD_OK) {
			st = oom(L, dir);
			break;
		}
		if (id >= *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			long *nn = realloc(*nnn, ncap * sizeof(*nn));
			if (nn)
				*nnn = nn;
			const char **nm = realloc(*names, ncap * sizeof(*nm));
			if (nm)
				*names = nm;
			if (!nn || !nm) {
				st = oom(L, dir);
				break;
			}
			for (size_t i = *cap; i < ncap; i++)
				(*nnn)[i] = -1;
			*cap = ncap;
		}
		if (v > (*nnn)[id]) {
			const char *path = join(&L->tmp, dir, name);
			if (!path) {
				st = oom(L, dir);
				break;
			}
			(*nnn)[id] = v;
			(*names)[id] = path;
		}
	}
	closedir(d);
	return st;
}

/* Finds each job's last kickstart record next to its submit file and reads it. */
static enum wfad_status attach_kickstarts(struct loader *L, uint32_t w)
{
	enum wfad_status st = WFAD_OK;
	struct wfad_strings dirs, outs;
	wfad_strings_init(&dirs, &L->tmp);
	wfad_strings_init(&outs, &L->tmp);
	long *nnn = NULL;
	const char **names = NULL;
	size_t cap = 0;
	char key[1024];
	for (size_t j = 0; j < L->wfs[w].dag.n_jobs && st == WFAD_OK; j++) {
		const struct wf *wf = &L->wfs[w];
		const struct wfad_dagfile_job *job = &wf->dag.jobs[j];
		const char *base = job->dir ? join(&L->tmp, wf->dir, job->dir) : wf->dir;
		const char *sub = dirname_of(&L->tmp, job->submit);
		const char *full = base && sub ? join(&L->tmp, base, sub) : NULL;
		const char *dir = full ? normalize(&L->tmp, full) : NULL;
		if (!dir) {
			st = oom(L, wf->dag_path);
			break;
		}
		size_t before = dirs.count;
		uint32_t dir_id;
		if (wfad_strings_intern(&dirs, dir, strlen(dir), &dir_id) != WFAD_OK) {
			st = oom(L, dir);
			break;
		}
		if (dirs.count != before &&
		    (st = scan_outs(L, dir, dir_id, &outs, &nnn, &names, &cap)) != WFAD_OK)
			break;
		int kn = snprintf(key, sizeof(key), "%u/%s", dir_id, job->id);
		uint32_t id;
		if (kn < 0 || (size_t)kn >= sizeof(key) ||
		    !wfad_strings_find(&outs, key, (size_t)kn, &id))
			continue;
		st = attach_kickstart(L, &L->nodes[wf->first + j], names[id]);
	}
	free(nnn);
	free(names);
	wfad_strings_free(&dirs);
	wfad_strings_free(&outs);
	return st;
}

static enum wfad_status load_wf(struct loader *L, const char *dir, const char *dag_name,
				const char *suffix, uint32_t parent, int depth, uint32_t *out);

/* Follows job j of workflow w into its sub-workflow, if it has one that was planned. */
static enum wfad_status flatten(struct loader *L, uint32_t w, uint32_t j, int depth)
{
	const struct wf *wf = &L->wfs[w];
	const struct wfad_dagfile_job *job = &wf->dag.jobs[j];
	const char *sub_dir = NULL, *dag_name = NULL;
	struct wfad_pegasus_plan_args args;
	if (job->subdag) {
		const char *base = job->dir ? join(&L->tmp, wf->dir, job->dir) : wf->dir;
		const char *full = base ? join(&L->tmp, base, job->submit) : NULL;
		if (!full)
			return oom(L, wf->dag_path);
		sub_dir = dirname_of(&L->tmp, full);
		dag_name = basename_of(full);
	} else if (wfad_pegasus_job_type(job->id) == WFAD_JOB_SUBWF &&
		   wfad_pegasus_plan_args(job->pre_script, &L->tmp, &args)) {
		sub_dir = plan_subdir(L, wf, job, &args);
		if (args.basename) {
			char *name = wfad_arena_alloc(&L->tmp, strlen(args.basename) + 5);
			if (!name)
				return oom(L, wf->dag_path);
			snprintf(name, strlen(args.basename) + 5, "%s.dag", args.basename);
			dag_name = name;
		}
	} else {
		return WFAD_OK;
	}
	if (!sub_dir || !is_dir(sub_dir)) {
		wfad_log(WFAD_LOG_INFO, "%s: sub-workflow of %s not found; not flattened",
			 wf->dag_path, job->id);
		return WFAD_OK;
	}
	size_t n = strlen(job->id) + strlen(wf->suffix) + 2;
	char *suffix = wfad_arena_alloc(&L->tmp, n);
	if (!suffix)
		return oom(L, wf->dag_path);
	snprintf(suffix, n, "_%s%s", job->id, wf->suffix);
	uint32_t plan = wf->first + j, a = (uint32_t)L->n_nodes, sw;
	const char *where = wf->dag_path;
	enum wfad_status st = load_wf(L, sub_dir, dag_name, suffix, w, depth + 1, &sw);
	if (st != WFAD_OK || sw == UINT32_MAX)
		return st;
	st = wfad_pegasus_flatten_edges(&L->ep, &L->ec, &L->n_edges, &L->cap_edges, plan, a,
					(uint32_t)L->n_nodes);
	if (st == WFAD_ELIMIT)
		return wfad_error_set(L->err, st, where, 0, 0,
				      "more than %u edges after flattening sub-workflows",
				      WFAD_DAGFILE_MAX_EDGES);
	return st == WFAD_OK ? st : oom(L, where);
}

/* The .dag of a submit directory when braindump.yml does not name it: the only *.dag file,
 * or the one ending in "-0.dag". */
static const char *find_dag(struct loader *L, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return NULL;
	const char *found = NULL;
	int count = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".dag") != 0)
			continue;
		bool preferred = n >= 6 && strcmp(e->d_name + n - 6, "-0.dag") == 0;
		if (!found || preferred) {
			found = wfad_arena_strdup(&L->tmp, e->d_name);
			count = preferred ? 1 : count + 1;
		}
	}
	closedir(d);
	return count == 1 ? found : NULL;
}

static enum wfad_status new_wf(struct loader *L, uint32_t *w)
{
	if (L->n_wfs == L->cap_wfs) {
		size_t cap = L->cap_wfs ? L->cap_wfs * 2 : 8;
		struct wf *nw = realloc(L->wfs, cap * sizeof(*nw));
		if (!nw)
			return oom(L, NULL);
		L->wfs = nw;
		L->cap_wfs = cap;
	}
	*w = (uint32_t)L->n_wfs++;
	L->wfs[*w] = (struct wf){.parent = UINT32_MAX, .dagman_start = NAN};
	return WFAD_OK;
}

static enum wfad_status add_nodes(struct loader *L, uint32_t w)
{
	struct wf *wf = &L->wfs[w];
	struct wfad_strings *ids = &L->ds->dag.ids;
	wf->first = (uint32_t)L->n_nodes;
	if (L->n_nodes + wf->dag.n_jobs >= UINT32_MAX)
		return wfad_error_set(L->err, WFAD_ELIMIT, wf->dag_path, 0, 0, "too many jobs");
	if (L->n_nodes + wf->dag.n_jobs > L->cap_nodes) {
		size_t cap = L->cap_nodes ? L->cap_nodes : 64;
		while (cap < L->n_nodes + wf->dag.n_jobs)
			cap *= 2;
		struct node *nn = realloc(L->nodes, cap * sizeof(*nn));
		if (!nn)
			return oom(L, wf->dag_path);
		L->nodes = nn;
		L->cap_nodes = cap;
	}
	char small[256];
	for (size_t j = 0; j < wf->dag.n_jobs; j++) {
		const struct wfad_dagfile_job *job = &wf->dag.jobs[j];
		size_t n = strlen(job->id) + strlen(wf->suffix) + 1;
		char *id = n <= sizeof(small) ? small : wfad_arena_alloc(&L->tmp, n);
		if (!id)
			return oom(L, wf->dag_path);
		snprintf(id, n, "%s%s", job->id, wf->suffix);
		size_t before = ids->count;
		uint32_t got;
		if (wfad_strings_intern(ids, id, n - 1, &got) != WFAD_OK)
			return oom(L, wf->dag_path);
		if (ids->count == before)
			return wfad_error_set(L->err, WFAD_EINVAL, wf->dag_path, job->line, 0,
					      "job id '%s' appears twice after flattening "
					      "sub-workflows",
					      id);
		struct node *nd = &L->nodes[L->n_nodes++];
		*nd = (struct node){.wf = w,
				    .job = (uint32_t)j,
				    .js_site = WFAD_NO_ID,
				    .host = WFAD_NO_ID,
				    .site = WFAD_NO_ID,
				    .exit_code = INT32_MIN,
				    .cpu = NAN};
		wfad_pegasus_timeline_init(&nd->tl);
	}
	for (size_t e = 0; e < wf->dag.n_edges; e++) {
		enum wfad_status st = add_edge(L, wf->first + wf->dag.edges[e].parent,
					       wf->first + wf->dag.edges[e].child, wf->dag_path);
		if (st != WFAD_OK)
			return st;
	}
	return WFAD_OK;
}

static enum wfad_status read_braindump(struct loader *L, struct wf *wf)
{
	const char *path = join(&L->tmp, wf->dir, "braindump.yml");
	if (!path)
		return oom(L, wf->dir);
	if (!is_file(path))
		return WFAD_OK;
	char *buf = NULL;
	size_t len = 0;
	enum wfad_status st = wfad_read_file(path, MAX_SMALL, &buf, &len, L->err);
	if (st == WFAD_OK)
		st = wfad_pegasus_parse_braindump(buf, len, path, &L->tmp, &wf->bd, L->err);
	free(buf);
	return st;
}

/* Reads one submit directory (and, recursively, its sub-workflows) into L. The top directory
 * (depth 0) must have a .dag and jobstate.log; a sub-workflow without its .dag is skipped
 * (*out = UINT32_MAX) and one without jobstate.log has no timestamps. */
static enum wfad_status load_wf(struct loader *L, const char *dir, const char *dag_name,
				const char *suffix, uint32_t parent, int depth, uint32_t *out)
{
	enum wfad_status st = WFAD_OK;
	char *buf = NULL;
	size_t len = 0;
	uint32_t w = 0;
	*out = UINT32_MAX;
	if (depth > WFAD_PEGASUS_MAX_DEPTH) {
		st = wfad_error_set(L->err, WFAD_ELIMIT, dir, 0, 0,
				    "sub-workflows nested deeper than %d levels",
				    WFAD_PEGASUS_MAX_DEPTH);
		goto cleanup;
	}
	if ((st = new_wf(L, &w)) != WFAD_OK)
		goto cleanup;
	struct wf *wf = &L->wfs[w];
	wf->dir = dir;
	wf->suffix = suffix;
	wf->parent = parent;
	if ((st = read_braindump(L, wf)) != WFAD_OK)
		goto cleanup;
	const char *jsd = join(&L->tmp, dir, wf->bd.jsd ? wf->bd.jsd : "jobstate.log");
	if (!jsd) {
		st = oom(L, dir);
		goto cleanup;
	}
	bool have_jsd = is_file(jsd);
	if (!have_jsd && depth == 0) {
		st = wfad_error_set(
			L->err, WFAD_ENOTFOUND, jsd, 0, 0,
			"jobstate.log not found: not a Pegasus submit directory, or the "
			"workflow never started");
		goto cleanup;
	}
	if (!dag_name)
		dag_name = wf->bd.dag ? wf->bd.dag : find_dag(L, dir);
	if (dag_name && !(wf->dag_path = join(&L->tmp, dir, dag_name))) {
		st = oom(L, dir);
		goto cleanup;
	}
	if (depth > 0 && (!wf->dag_path || !is_file(wf->dag_path))) {
		wfad_log(WFAD_LOG_INFO, "%s: no .dag for the sub-workflow; not flattened", dir);
		L->n_wfs--; /* the entry just added; nothing refers to it */
		goto cleanup;
	}
	if (!wf->dag_path) {
		st = wfad_error_set(L->err, WFAD_ENOTFOUND, dir, 0, 0,
				    "no .dag file (braindump.yml names none and the directory "
				    "does not hold exactly one)");
		goto cleanup;
	}
	if ((st = read_required(L, wf->dag_path, MAX_TEXT, "DAGMan .dag file", &buf, &len)) !=
		    WFAD_OK ||
	    (st = wfad_pegasus_parse_dagfile(buf, len, wf->dag_path, &L->tmp, &wf->dag, L->err)) !=
		    WFAD_OK)
		goto cleanup;
	free(buf);
	buf = NULL;
	/* The same .dag on the way up means a symlink loop. */
	if (!(wf->real_dag = realpath(wf->dag_path, NULL))) {
		st = wfad_error_set(L->err, WFAD_EIO, wf->dag_path, 0, 0, "cannot resolve: %s",
				    strerror(errno));
		goto cleanup;
	}
	for (uint32_t a = parent; a != UINT32_MAX; a = L->wfs[a].parent) {
		if (strcmp(L->wfs[a].real_dag, wf->real_dag) == 0) {
			st = wfad_error_set(L->err, WFAD_EINVAL, wf->dag_path, 0, 0,
					    "sub-workflow loop: this .dag is also %s",
					    L->wfs[a].dag_path);
			goto cleanup;
		}
	}
	if ((st = add_nodes(L, w)) != WFAD_OK)
		goto cleanup;
	if (have_jsd) {
		struct wfad_jobstate_log log = {0};
		if ((st = wfad_read_file(jsd, MAX_TEXT, &buf, &len, L->err)) != WFAD_OK ||
		    (st = wfad_pegasus_parse_jobstate(buf, len, jsd, &L->tmp, &log, L->err)) !=
			    WFAD_OK ||
		    (st = apply_jobstate(L, w, &log, jsd)) != WFAD_OK)
			goto cleanup;
	} else {
		wfad_log(WFAD_LOG_INFO, "%s: no jobstate.log; its jobs have no timestamps", dir);
	}
	if ((st = attach_kickstarts(L, w)) != WFAD_OK)
		goto cleanup;
	for (size_t j = 0; j < L->wfs[w].dag.n_jobs; j++)
		if ((st = flatten(L, w, (uint32_t)j, depth)) != WFAD_OK)
			goto cleanup;
	*out = w;
cleanup:
	free(buf);
	return st;
}

/* Turns the loaded jobs into the temporary dataset's DAG and run. */
static enum wfad_status build_run(struct loader *L, const char *dir)
{
	struct wfad_dataset *ds = L->ds;
	const struct wf *top = &L->wfs[0];
	enum wfad_status st;
	if (L->n_nodes == 0)
		return wfad_error_set(L->err, WFAD_EINVAL, top->dag_path, 0, 0, "no JOB lines");
	const char **ids = wfad_arena_alloc(&ds->arena, L->n_nodes * sizeof(*ids));
	if (!ids)
		return oom(L, dir);
	for (size_t i = 0; i < L->n_nodes; i++)
		ids[i] = ds->dag.ids.items[i];
	ds->dag.node_ids = ids;
	ds->dag.n_nodes = L->n_nodes;
	if ((st = wfad_dag_build(ds, L->ep, L->ec, L->n_edges, top->dag_path, L->err)) != WFAD_OK)
		return st;
	const char *run_id = top->bd.wf_uuid ? top->bd.wf_uuid : basename_of(dir);
	struct wfad_run *run;
	if (wfad_dataset_add_run(ds, run_id, NULL, dir, &run) != WFAD_OK)
		return oom(L, dir);
	for (size_t i = 0; i < L->n_nodes; i++) {
		const struct node *nd = &L->nodes[i];
		const char *job_id = L->wfs[nd->wf].dag.jobs[nd->job].id;
		struct wfad_job *job = &run->jobs[i];
		wfad_pegasus_timeline_fill(&nd->tl, job);
		job->type = (uint8_t)(L->wfs[nd->wf].dag.jobs[nd->job].subdag
					      ? WFAD_JOB_SUBWF
					      : wfad_pegasus_job_type(job_id));
		size_t tn;
		wfad_job_id_transformation(job_id, &tn);
		if (wfad_strings_intern(&ds->strings, job_id, tn, &job->transformation) != WFAD_OK)
			return oom(L, dir);
		job->host = nd->host;
		job->site = nd->site != WFAD_NO_ID ? nd->site : nd->js_site;
		job->exit_code = nd->exit_code;
		job->f[WFAD_F_CPU_TIME] = nd->cpu;
		job->clustered = nd->clustered;
	}
	wfad_pegasus_finish_run(ds, run, top->dagman_start);
	const char *name = top->bd.dax_label ? top->bd.dax_label : top->bd.pegasus_wf_name;
	if (!name)
		name = basename_of(top->dag_path);
	size_t n = strlen(name);
	if (!top->bd.dax_label && !top->bd.pegasus_wf_name && n > 4)
		n -= 4; /* "<name>.dag" */
	if (!(ds->workflow = wfad_arena_strndup(&ds->arena, name, n)))
		return oom(L, dir);
	return WFAD_OK;
}

enum wfad_status wfad_pegasus_load(const char *dir, struct wfad_dataset *ds, struct wfad_error *err)
{
	struct loader L = {.err = err};
	wfad_arena_init(&L.tmp);
	struct wfad_dataset tmp;
	wfad_dataset_init(&tmp);
	L.ds = &tmp;
	enum wfad_status st = WFAD_OK;
	uint32_t top;
	if (!is_dir(dir)) {
		st = wfad_error_set(err, WFAD_ENOTFOUND, dir, 0, 0,
				    "not a directory (expected a Pegasus submit directory)");
		goto cleanup;
	}
	if ((st = load_wf(&L, dir, NULL, "", UINT32_MAX, 0, &top)) != WFAD_OK)
		goto cleanup;
	if ((st = build_run(&L, dir)) != WFAD_OK)
		goto cleanup;
	st = wfad_pegasus_merge(ds, &tmp, dir, err);
cleanup:
	for (size_t i = 0; i < L.n_wfs; i++)
		free(L.wfs[i].real_dag);
	free(L.wfs);
	free(L.nodes);
	free(L.ep);
	free(L.ec);
	wfad_arena_free(&L.tmp);
	wfad_dataset_free(&tmp);
	return st;
}
