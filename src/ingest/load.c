/* wfad_load: finds what a path designates (Flow-Bench root in either layout, single CSV or
 * zip, Pegasus submit directory, stampede database) and loads it into datasets. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zip.h>

#include "wfad/ingest.h"

#include "load_internal.h"

struct plan {
	struct wfad_arena arena;
	struct wfad_run_item *items;
	size_t n_items, cap_items;
	const char **dags; /* DAG JSON paths */
	size_t n_dags, cap_dags;
};

static enum wfad_status push(void **arr, size_t *n, size_t *cap, size_t size, const void *elem)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		void *na = realloc(*arr, nc * size);
		if (!na)
			return WFAD_ENOMEM;
		*arr = na;
		*cap = nc;
	}
	memcpy((char *)*arr + *n * size, elem, size);
	(*n)++;
	return WFAD_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* "montage-run0587.csv" -> run id "montage-run0587", workflow "montage";
 * "1000genome-20200610T041238Z-run0001.csv" -> workflow "1000genome". */
static void split_run_name(struct wfad_arena *a, const char *file, const char **run_id,
			   const char **workflow)
{
	const char *b = base_name(file);
	size_t n = strlen(b);
	if (n > 4 && strcmp(b + n - 4, ".csv") == 0)
		n -= 4;
	*run_id = wfad_arena_strndup(a, b, n);
	size_t w = n;
	for (size_t i = n; i >= 4; i--) {
		if (strncmp(b + i - 4, "-run", 4) == 0 && i < n) {
			w = i - 4;
			break;
		}
	}
	/* Legacy names carry a timestamp: "-YYYYMMDDTHHMMSSZ". */
	if (w > 17 && b[w - 17] == '-' && b[w - 8] == 'T' && b[w - 1] == 'Z')
		w -= 17;
	*workflow = wfad_arena_strndup(a, b, w);
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Sorted names in a directory (no dot files); caller frees the array, names in the arena. */
static enum wfad_status list_dir(struct wfad_arena *a, const char *dir, const char ***names,
				 size_t *count, struct wfad_error *err)
{
	DIR *d = opendir(dir);
	if (!d)
		return wfad_error_set(err, WFAD_EIO, dir, 0, 0, "cannot open directory: %s",
				      strerror(errno));
	const char **arr = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	enum wfad_status st = WFAD_OK;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		const char *copy = wfad_arena_strdup(a, e->d_name);
		if (!copy || push((void **)&arr, &n, &cap, sizeof(*arr), &copy) != WFAD_OK) {
			st = wfad_error_set(err, WFAD_ENOMEM, dir, 0, 0, "out of memory");
			free(arr);
			arr = NULL;
			n = 0;
			break;
		}
	}
	closedir(d);
	if (st == WFAD_OK)
		if (n)
			qsort(arr, n, sizeof(*arr), cmp_str);
	*names = arr;
	*count = n;
	return st;
}

static char *join(struct wfad_arena *a, const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = wfad_arena_alloc(a, n);
	if (p)
		snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static enum wfad_status add_csv(struct plan *pl, const char *path, const char *label,
				struct wfad_error *err)
{
	struct wfad_run_item it = {0};
	it.path = wfad_arena_strdup(&pl->arena, path);
	it.label = label ? wfad_arena_strdup(&pl->arena, label) : NULL;
	split_run_name(&pl->arena, path, &it.run_id, &it.workflow);
	if (!it.path || !it.run_id || !it.workflow ||
	    push((void **)&pl->items, &pl->n_items, &pl->cap_items, sizeof(it), &it))
		return wfad_error_set(err, WFAD_ENOMEM, path, 0, 0, "out of memory");
	return WFAD_OK;
}

/* Adds every CSV entry of a zip; the workflow is named after the entries' file names. */
static enum wfad_status add_zip(struct plan *pl, const char *path, struct wfad_error *err)
{
	int zerr = 0;
	zip_t *z = zip_open(path, ZIP_RDONLY, &zerr);
	if (!z) {
		zip_error_t ze;
		zip_error_init_with_code(&ze, zerr);
		enum wfad_status st =
			wfad_error_set(err, zerr == ZIP_ER_OPEN ? WFAD_EIO : WFAD_EFORMAT, path, 0,
				       0, "cannot open zip: %s", zip_error_strerror(&ze));
		zip_error_fini(&ze);
		return st;
	}
	enum wfad_status st = WFAD_OK;
	zip_int64_t n = zip_get_num_entries(z, 0);
	size_t added = 0;
	for (zip_int64_t i = 0; i < n; i++) {
		const char *name = zip_get_name(z, (zip_uint64_t)i, 0);
		if (!name || !ends_with(name, ".csv") || strstr(name, "__MACOSX") ||
		    base_name(name)[0] == '.')
			continue;
		struct wfad_run_item it = {0};
		it.path = wfad_arena_strdup(&pl->arena, path);
		it.entry = wfad_arena_strdup(&pl->arena, name);
		split_run_name(&pl->arena, name, &it.run_id, &it.workflow);
		if (!it.path || !it.entry || !it.run_id || !it.workflow ||
		    push((void **)&pl->items, &pl->n_items, &pl->cap_items, sizeof(it), &it)) {
			st = wfad_error_set(err, WFAD_ENOMEM, path, 0, 0, "out of memory");
			goto cleanup;
		}
		added++;
	}
	if (added == 0)
		st = wfad_error_set(err, WFAD_ENOTFOUND, path, 0, 0,
				    "the zip holds no run CSV (%lld entries)", (long long)n);
cleanup:
	zip_discard(z);
	return st;
}

/* CSVs and zips directly in dir (label from the data), and label folders of CSVs. */
static enum wfad_status scan_runs(struct plan *pl, const char *dir, bool label_dirs,
				  struct wfad_error *err)
{
	const char **names;
	size_t n;
	enum wfad_status st = list_dir(&pl->arena, dir, &names, &n, err);
	if (st != WFAD_OK)
		return st;
	for (size_t i = 0; i < n && st == WFAD_OK; i++) {
		char *p = join(&pl->arena, dir, names[i]);
		if (!p) {
			st = wfad_error_set(err, WFAD_ENOMEM, dir, 0, 0, "out of memory");
			break;
		}
		if (ends_with(names[i], ".csv") && is_file(p)) {
			st = add_csv(pl, p, NULL, err);
		} else if (ends_with(names[i], ".zip") && is_file(p)) {
			st = add_zip(pl, p, err);
		} else if (label_dirs && is_dir(p)) {
			const char **sub;
			size_t m;
			st = list_dir(&pl->arena, p, &sub, &m, err);
			for (size_t j = 0; j < m && st == WFAD_OK; j++) {
				if (!ends_with(sub[j], ".csv"))
					continue;
				char *q = join(&pl->arena, p, sub[j]);
				st = q ? add_csv(pl, q, names[i], err)
				       : wfad_error_set(err, WFAD_ENOMEM, p, 0, 0, "out of memory");
			}
			free(sub);
		}
	}
	free(names);
	return st;
}

static enum wfad_status scan_dags(struct plan *pl, const char *dir, struct wfad_error *err)
{
	const char **names;
	size_t n;
	enum wfad_status st = list_dir(&pl->arena, dir, &names, &n, err);
	if (st != WFAD_OK)
		return st;
	for (size_t i = 0; i < n; i++) {
		if (!ends_with(names[i], ".json"))
			continue;
		const char *p = join(&pl->arena, dir, names[i]);
		if (!p || push((void **)&pl->dags, &pl->n_dags, &pl->cap_dags, sizeof(p), &p)) {
			st = wfad_error_set(err, WFAD_ENOMEM, dir, 0, 0, "out of memory");
			break;
		}
	}
	free(names);
	return st;
}

/* Workflow name of a DAG file: its base name without ".json". */
static const char *dag_workflow(struct wfad_arena *a, const char *dag_path)
{
	const char *b = base_name(dag_path);
	size_t n = strlen(b);
	return wfad_arena_strndup(a, b, ends_with(b, ".json") ? n - 5 : n);
}

static const char *find_dag(struct plan *pl, const char *workflow)
{
	for (size_t i = 0; i < pl->n_dags; i++)
		if (wfad_workflow_name_equal(dag_workflow(&pl->arena, pl->dags[i]), workflow))
			return pl->dags[i];
	return NULL;
}

static bool run_selected(const struct wfad_load_options *opt, const char *run_id)
{
	if (!opt || !opt->run)
		return true;
	size_t n = strlen(run_id);
	return strcmp(opt->run, run_id) == 0 ||
	       (strncmp(opt->run, run_id, n) == 0 && strcmp(opt->run + n, ".csv") == 0);
}

/* Reads the runs of one workflow (those opt selects, each run id once) into ds. */
static enum wfad_status read_items(struct plan *pl, const char *workflow, struct wfad_dataset *ds,
				   const struct wfad_load_options *opt, struct wfad_error *err)
{
	struct wfad_run_item *sel = malloc((pl->n_items ? pl->n_items : 1) * sizeof(*sel));
	if (!sel)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	size_t n = 0;
	for (size_t i = 0; i < pl->n_items; i++) {
		const struct wfad_run_item *it = &pl->items[i];
		if (!wfad_workflow_name_equal(it->workflow, workflow) ||
		    !run_selected(opt, it->run_id))
			continue;
		bool dup = false;
		for (size_t k = 0; k < n && !dup; k++)
			dup = strcmp(sel[k].run_id, it->run_id) == 0;
		if (dup) {
			wfad_log(WFAD_LOG_WARN, "%s: run %s seen before; keeping the first copy",
				 it->path, it->run_id);
			continue;
		}
		sel[n++] = *it;
	}
	enum wfad_status st = wfad_ingest_read_items(sel, n, ds, opt ? opt->threads : 0, err);
	free(sel);
	return st;
}

void wfad_collection_free(struct wfad_collection *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->count; i++) {
		wfad_dataset_free(c->items[i]);
		free(c->items[i]);
	}
	free(c->items);
	c->items = NULL;
	c->count = 0;
}

static enum wfad_status collection_add(struct wfad_collection *c, struct wfad_dataset **out)
{
	struct wfad_dataset **items = realloc(c->items, (c->count + 1) * sizeof(*items));
	if (!items)
		return WFAD_ENOMEM;
	c->items = items;
	struct wfad_dataset *ds = malloc(sizeof(*ds));
	if (!ds)
		return WFAD_ENOMEM;
	wfad_dataset_init(ds);
	items[c->count++] = ds;
	*out = ds;
	return WFAD_OK;
}

/* For a --run that matched nothing: " (did you mean A, B?)" with up to three run ids of
 * the plan (of opt->workflow) that contain it, else " (N runs, FIRST ... LAST)". */
static void run_hint(const struct plan *pl, const struct wfad_load_options *opt, char *out,
		     size_t cap)
{
	const char *first = NULL, *last = NULL, *like[3];
	size_t n = 0, n_like = 0;
	for (size_t i = 0; i < pl->n_items; i++) {
		const struct wfad_run_item *it = &pl->items[i];
		if (opt->workflow && !wfad_workflow_name_equal(it->workflow, opt->workflow))
			continue;
		n++;
		if (!first || strcmp(it->run_id, first) < 0)
			first = it->run_id;
		if (!last || strcmp(it->run_id, last) > 0)
			last = it->run_id;
		if (strstr(it->run_id, opt->run) && n_like < 3)
			like[n_like++] = it->run_id;
	}
	if (n_like)
		snprintf(out, cap, " (did you mean %s%s%s%s%s?)", like[0], n_like > 1 ? ", " : "",
			 n_like > 1 ? like[1] : "", n_like > 2 ? ", " : "",
			 n_like > 2 ? like[2] : "");
	else if (n)
		snprintf(out, cap, " (%zu run%s, %s ... %s)", n, n == 1 ? "" : "s", first, last);
	else if (cap)
		out[0] = '\0';
}

/* Loads every workflow of the plan that has runs (and matches opt->workflow). */
static enum wfad_status load_plan(struct plan *pl, const char *path, const char *dag_override,
				  const struct wfad_load_options *opt, struct wfad_collection *c,
				  struct wfad_error *err)
{
	/* Distinct workflows in the order of first appearance, then sorted by name. */
	const char **wfs = NULL;
	size_t n_wf = 0, cap_wf = 0;
	enum wfad_status st = WFAD_OK;
	for (size_t i = 0; i < pl->n_items; i++) {
		bool seen = false;
		for (size_t w = 0; w < n_wf && !seen; w++)
			seen = wfad_workflow_name_equal(wfs[w], pl->items[i].workflow);
		if (!seen && push((void **)&wfs, &n_wf, &cap_wf, sizeof(*wfs),
				  &pl->items[i].workflow) != WFAD_OK) {
			st = wfad_error_set(err, WFAD_ENOMEM, path, 0, 0, "out of memory");
			goto cleanup;
		}
	}
	if (n_wf)
		qsort(wfs, n_wf, sizeof(*wfs), cmp_str);
	size_t matched = 0;
	for (size_t w = 0; w < n_wf; w++) {
		const char *dag = dag_override;
		if (opt && opt->workflow && !dag_override &&
		    !wfad_workflow_name_equal(opt->workflow, wfs[w]))
			continue;
		if (!dag && !(dag = find_dag(pl, wfs[w]))) {
			st = wfad_error_set(err, WFAD_ENOTFOUND, path, 0, 0,
					    "no DAG for workflow '%s': expected "
					    "adjacency_list_dags/%s.json (or pass --dag FILE)",
					    wfs[w], wfs[w]);
			goto cleanup;
		}
		matched++;
		struct wfad_dataset *ds;
		if (collection_add(c, &ds) != WFAD_OK) {
			st = wfad_error_set(err, WFAD_ENOMEM, path, 0, 0, "out of memory");
			goto cleanup;
		}
		ds->workflow = dag_override ? wfad_arena_strdup(&ds->arena, wfs[w])
					    : dag_workflow(&ds->arena, dag);
		st = wfad_dag_json_load(ds, dag, err);
		if (st == WFAD_OK)
			st = read_items(pl, wfs[w], ds, opt, err);
		if (st != WFAD_OK)
			goto cleanup;
		if (ds->n_runs == 0 && opt && opt->run) {
			wfad_dataset_free(ds);
			free(ds);
			c->count--;
		}
	}
	if (opt && opt->workflow && matched == 0) {
		char avail[512] = "";
		for (size_t w = 0; w < n_wf; w++) {
			size_t l = strlen(avail);
			snprintf(avail + l, sizeof(avail) - l, "%s%s", w ? ", " : "", wfs[w]);
		}
		st = wfad_error_set(err, WFAD_ENOTFOUND, path, 0, 0,
				    "no workflow '%s' here (found: %s)", opt->workflow,
				    n_wf ? avail : "none");
		goto cleanup;
	}
	if (c->count == 0) {
		if (opt && opt->run) {
			char hint[512];
			run_hint(pl, opt, hint, sizeof(hint));
			st = wfad_error_set(err, WFAD_ENOTFOUND, path, 0, 0, "no run '%s' here%s",
					    opt->run, hint);
		} else {
			st = wfad_error_set(err, WFAD_ENOTFOUND, path, 0, 0,
					    "no Flow-Bench run CSV found");
		}
		goto cleanup;
	}
cleanup:
	free(wfs);
	return st;
}

static int cmp_dataset(const void *x, const void *y)
{
	const struct wfad_dataset *a = *(struct wfad_dataset *const *)x;
	const struct wfad_dataset *b = *(struct wfad_dataset *const *)y;
	return strcmp(a->workflow, b->workflow);
}

static bool has_sqlite_magic(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return false;
	char magic[16];
	bool ok = fread(magic, 1, 16, f) == 16 && memcmp(magic, "SQLite format 3", 16) == 0;
	fclose(f);
	return ok;
}

/* The Flow-Bench root above a run file (…/parsed/<label>/x.csv or …/data/x.zip), if any. */
static void add_nearby_dags(struct plan *pl, const char *file)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", file);
	for (int up = 0; up < 3; up++) {
		char *s = strrchr(buf, '/');
		if (s)
			*s = '\0';
		else
			snprintf(buf, sizeof(buf), ".");
		char dags[4200];
		snprintf(dags, sizeof(dags), "%s/adjacency_list_dags", buf);
		if (is_dir(dags)) {
			struct wfad_error ignored;
			scan_dags(pl, dags, &ignored);
			return;
		}
		if (!s)
			return;
	}
}

static enum wfad_status load_single(const char *path, struct wfad_collection *c,
				    enum wfad_status (*fn)(const char *, struct wfad_dataset *,
							   struct wfad_error *),
				    struct wfad_error *err)
{
	struct wfad_dataset *ds;
	if (collection_add(c, &ds) != WFAD_OK)
		return wfad_error_set(err, WFAD_ENOMEM, path, 0, 0, "out of memory");
	return fn(path, ds, err);
}

enum wfad_status wfad_load(const char *path, const struct wfad_load_options *opt,
			   struct wfad_collection *out, struct wfad_error *err)
{
	struct plan pl = {0};
	wfad_arena_init(&pl.arena);
	struct wfad_collection c = {0};
	enum wfad_status st = WFAD_OK;
	struct stat sb;
	const char *dag = opt ? opt->dag_path : NULL;
	if (stat(path, &sb) != 0) {
		st = wfad_error_set(err, WFAD_EIO, path, 0, 0, "cannot open: %s", strerror(errno));
		goto cleanup;
	}
	if (S_ISDIR(sb.st_mode)) {
		char *p1 = join(&pl.arena, path, "braindump.yml");
		char *p2 = join(&pl.arena, path, "jobstate.log");
		char *dags = join(&pl.arena, path, "adjacency_list_dags");
		if (is_file(p1) || is_file(p2)) {
			st = load_single(path, &c, wfad_pegasus_load, err);
			goto cleanup;
		}
		if (dag) {
			st = scan_runs(&pl, path, false, err);
		} else if (is_dir(dags)) {
			st = scan_dags(&pl, dags, err);
			const char *sub[] = {"parsed", "data"};
			for (int i = 0; i < 2 && st == WFAD_OK; i++) {
				char *p = join(&pl.arena, path, sub[i]);
				if (is_dir(p))
					st = scan_runs(&pl, p, true, err);
			}
		} else {
			st = wfad_error_set(
				err, WFAD_EFORMAT, path, 0, 0,
				"not a Flow-Bench root (no adjacency_list_dags/) nor a "
				"Pegasus submit directory (no braindump.yml or "
				"jobstate.log); for a folder of run CSVs pass --dag FILE");
		}
	} else if (has_sqlite_magic(path)) {
		st = load_single(path, &c, wfad_stampede_load, err);
		goto cleanup;
	} else if (ends_with(path, ".zip")) {
		st = add_zip(&pl, path, err);
		if (!dag)
			add_nearby_dags(&pl, path);
	} else if (ends_with(path, ".csv")) {
		st = add_csv(&pl, path, NULL, err);
		if (!dag)
			add_nearby_dags(&pl, path);
	} else {
		st = wfad_error_set(err, WFAD_EFORMAT, path, 0, 0,
				    "unknown input: expected a Flow-Bench root, a run .csv or "
				    ".zip, a Pegasus submit directory or a stampede .db");
	}
	if (st == WFAD_OK)
		st = load_plan(&pl, path, dag, opt, &c, err);
cleanup:
	if (st == WFAD_OK) {
		if (c.count)
			qsort(c.items, c.count, sizeof(*c.items), cmp_dataset);
		*out = c;
	} else {
		wfad_collection_free(&c);
	}
	free(pl.items);
	free(pl.dags);
	wfad_arena_free(&pl.arena);
	return st;
}
