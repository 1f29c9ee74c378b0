/* The workflow DAG in CSR form: build from an edge list, topological order, levels, and how
 * two nodes relate. */
#include <stdlib.h>
#include <string.h>

#include "wfad/trace.h"

struct edge {
	uint32_t parent, child;
};

static int edge_cmp(const void *a, const void *b)
{
	const struct edge *x = a, *y = b;
	if (x->parent != y->parent)
		return x->parent < y->parent ? -1 : 1;
	if (x->child != y->child)
		return x->child < y->child ? -1 : 1;
	return 0;
}

/* Fills ptr/idx (CSR) from edges sorted by the key; idx keeps the other endpoint. */
static void fill_csr(const struct edge *e, size_t m, size_t n, bool by_parent, uint32_t *ptr,
		     uint32_t *idx)
{
	memset(ptr, 0, (n + 1) * sizeof(*ptr));
	for (size_t k = 0; k < m; k++)
		ptr[(by_parent ? e[k].parent : e[k].child) + 1]++;
	for (size_t i = 0; i < n; i++)
		ptr[i + 1] += ptr[i];
	uint32_t *fill = malloc((n ? n : 1) * sizeof(*fill));
	WFAD_ASSERT(fill);
	memcpy(fill, ptr, n * sizeof(*fill));
	for (size_t k = 0; k < m; k++) {
		uint32_t key = by_parent ? e[k].parent : e[k].child;
		idx[fill[key]++] = by_parent ? e[k].child : e[k].parent;
	}
	free(fill);
}

enum wfad_status wfad_dag_build(struct wfad_dataset *ds, const uint32_t *parents,
				const uint32_t *children, size_t n_edges, const char *source,
				struct wfad_error *err)
{
	struct wfad_dag *dag = &ds->dag;
	size_t n = dag->n_nodes;
	enum wfad_status st = WFAD_OK;
	struct edge *e = malloc((n_edges ? n_edges : 1) * sizeof(*e));
	uint32_t *indeg = calloc(n ? n : 1, sizeof(*indeg));
	if (!e || !indeg) {
		st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
		goto cleanup;
	}
	for (size_t k = 0; k < n_edges; k++) {
		WFAD_ASSERT(parents[k] < n && children[k] < n);
		if (parents[k] == children[k]) {
			st = wfad_error_set(err, WFAD_EINVAL, source, 0, 0,
					    "job '%s' depends on itself",
					    dag->node_ids[parents[k]]);
			goto cleanup;
		}
		e[k].parent = parents[k];
		e[k].child = children[k];
	}
	qsort(e, n_edges, sizeof(*e), edge_cmp);
	size_t m = 0;
	for (size_t k = 0; k < n_edges; k++)
		if (m == 0 || edge_cmp(&e[m - 1], &e[k]) != 0)
			e[m++] = e[k];

	struct wfad_arena *a = &ds->arena;
	dag->child_ptr = wfad_arena_alloc(a, (n + 1) * sizeof(uint32_t));
	dag->parent_ptr = wfad_arena_alloc(a, (n + 1) * sizeof(uint32_t));
	dag->child_idx = wfad_arena_alloc(a, (m ? m : 1) * sizeof(uint32_t));
	dag->parent_idx = wfad_arena_alloc(a, (m ? m : 1) * sizeof(uint32_t));
	dag->topo = wfad_arena_alloc(a, (n ? n : 1) * sizeof(uint32_t));
	dag->depth = wfad_arena_alloc(a, (n ? n : 1) * sizeof(uint32_t));
	if (!dag->child_ptr || !dag->parent_ptr || !dag->child_idx || !dag->parent_idx ||
	    !dag->topo || !dag->depth) {
		st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
		goto cleanup;
	}
	fill_csr(e, m, n, true, dag->child_ptr, dag->child_idx);
	/* Parents: sort by child so each parent list comes out in node order. */
	for (size_t k = 0; k < m; k++) {
		uint32_t t = e[k].parent;
		e[k].parent = e[k].child;
		e[k].child = t;
	}
	qsort(e, m, sizeof(*e), edge_cmp);
	for (size_t k = 0; k < m; k++) {
		uint32_t t = e[k].parent;
		e[k].parent = e[k].child;
		e[k].child = t;
	}
	fill_csr(e, m, n, false, dag->parent_ptr, dag->parent_idx);
	dag->n_edges = m;

	/* Kahn's algorithm; the topo array doubles as the queue. */
	size_t head = 0, tail = 0;
	for (size_t i = 0; i < n; i++) {
		indeg[i] = dag->parent_ptr[i + 1] - dag->parent_ptr[i];
		dag->depth[i] = 0;
		if (indeg[i] == 0)
			dag->topo[tail++] = (uint32_t)i;
	}
	while (head < tail) {
		uint32_t v = dag->topo[head++];
		for (uint32_t k = dag->child_ptr[v]; k < dag->child_ptr[v + 1]; k++) {
			uint32_t c = dag->child_idx[k];
			if (dag->depth[c] < dag->depth[v] + 1)
				dag->depth[c] = dag->depth[v] + 1;
			if (--indeg[c] == 0)
				dag->topo[tail++] = c;
		}
	}
	if (tail != n) {
		size_t bad = 0;
		while (bad < n && indeg[bad] == 0)
			bad++;
		st = wfad_error_set(err, WFAD_EINVAL, source, 0, 0,
				    "the DAG has a cycle through job '%s'", dag->node_ids[bad]);
		goto cleanup;
	}
cleanup:
	free(e);
	free(indeg);
	return st;
}

enum wfad_dag_relation wfad_dag_relation(const struct wfad_dag *dag, uint32_t node, uint32_t other)
{
	for (uint32_t e = dag->parent_ptr[node]; e < dag->parent_ptr[node + 1]; e++)
		if (dag->parent_idx[e] == other)
			return WFAD_DAG_PARENT;
	for (uint32_t e = dag->child_ptr[node]; e < dag->child_ptr[node + 1]; e++)
		if (dag->child_idx[e] == other)
			return WFAD_DAG_CHILD;
	return WFAD_DAG_NONE;
}
