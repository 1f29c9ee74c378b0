/* Flow-Bench DAG JSON reader: {"parent": ["child", ...], ...}; node i is the i-th key. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/ingest.h"

/* Upper bound on nodes and edges, so a hostile file cannot make us allocate without limit. */
enum { MAX_NODES = 1 << 24 };

enum wfad_status wfad_dag_json_parse(struct wfad_dataset *ds, const char *buf, size_t len,
				     const char *source, struct wfad_error *err)
{
	enum wfad_status st = WFAD_OK;
	json_error_t jerr;
	uint32_t *parents = NULL, *children = NULL;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return wfad_error_set(err, WFAD_EPARSE, source, jerr.line, jerr.column, "%s",
				      jerr.text);
	if (!json_is_object(root)) {
		st = wfad_error_set(err, WFAD_EPARSE, source, 1, 0,
				    "expected a JSON object mapping each job to its children");
		goto cleanup;
	}
	size_t n = json_object_size(root);
	if (n == 0 || n > MAX_NODES) {
		st = wfad_error_set(err, WFAD_EINVAL, source, 0, 0, "the DAG has %zu jobs", n);
		goto cleanup;
	}
	struct wfad_dag *dag = &ds->dag;
	dag->node_ids = wfad_arena_alloc(&ds->arena, n * sizeof(*dag->node_ids));
	if (!dag->node_ids) {
		st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
		goto cleanup;
	}
	/* Pass 1: keys in file order (jansson keeps insertion order) become node ids. */
	size_t n_edges = 0;
	const char *key;
	json_t *value;
	json_object_foreach(root, key, value)
	{
		if (!json_is_array(value)) {
			st = wfad_error_set(err, WFAD_EPARSE, source, 0, 0,
					    "the children of '%s' are not a list", key);
			goto cleanup;
		}
		uint32_t id;
		size_t klen = strlen(key);
		if (klen == 0) {
			st = wfad_error_set(err, WFAD_EINVAL, source, 0, 0, "empty job id");
			goto cleanup;
		}
		if (wfad_strings_intern(&dag->ids, key, klen, &id) != WFAD_OK) {
			st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
			goto cleanup;
		}
		dag->node_ids[id] = dag->ids.items[id];
		n_edges += json_array_size(value);
	}
	dag->n_nodes = n;
	parents = malloc((n_edges ? n_edges : 1) * sizeof(*parents));
	children = malloc((n_edges ? n_edges : 1) * sizeof(*children));
	if (!parents || !children) {
		st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
		goto cleanup;
	}
	size_t k = 0;
	uint32_t p = 0;
	json_object_foreach(root, key, value)
	{
		size_t i;
		json_t *child;
		json_array_foreach(value, i, child)
		{
			const char *c = json_string_value(child);
			uint32_t cid;
			if (!c) {
				st = wfad_error_set(err, WFAD_EPARSE, source, 0, 0,
						    "child %zu of '%s' is not a string", i, key);
				goto cleanup;
			}
			if (!wfad_strings_find(&dag->ids, c, strlen(c), &cid)) {
				st = wfad_error_set(err, WFAD_EINVAL, source, 0, 0,
						    "child '%s' of '%s' is not a job of the DAG "
						    "(every job must be a key)",
						    c, key);
				goto cleanup;
			}
			parents[k] = p;
			children[k] = cid;
			k++;
		}
		p++;
	}
	st = wfad_dag_build(ds, parents, children, k, source, err);
cleanup:
	free(parents);
	free(children);
	json_decref(root);
	return st;
}

enum wfad_status wfad_dag_json_load(struct wfad_dataset *ds, const char *path,
				    struct wfad_error *err)
{
	char *buf;
	size_t len;
	enum wfad_status st = wfad_read_file(path, 256u << 20, &buf, &len, err);
	if (st != WFAD_OK)
		return st;
	st = wfad_dag_json_parse(ds, buf, len, path, err);
	free(buf);
	return st;
}
