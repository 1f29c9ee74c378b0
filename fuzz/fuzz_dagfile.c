/* libFuzzer harness: the HTCondor .dag parser, then the DAG built from it (cycle check). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/pegasus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Builds ds's DAG from the parsed file the way the submit-directory reader does. */
static void build(const struct wfad_dagfile *dag)
{
	struct wfad_dataset ds;
	struct wfad_error err;
	wfad_dataset_init(&ds);
	wfad_error_clear(&err);
	const char **ids = wfad_arena_alloc(&ds.arena, (dag->n_jobs + 1) * sizeof(*ids));
	uint32_t *par = malloc((dag->n_edges + 1) * sizeof(*par));
	uint32_t *chi = malloc((dag->n_edges + 1) * sizeof(*chi));
	if (!ids || !par || !chi)
		goto cleanup;
	for (size_t i = 0; i < dag->n_jobs; i++) {
		uint32_t id;
		if (wfad_strings_intern(&ds.dag.ids, dag->jobs[i].id, strlen(dag->jobs[i].id),
					&id) != WFAD_OK)
			goto cleanup;
		if (id != i) /* job ids are unique */
			wfad_assert_fail("duplicate job id", __FILE__, __LINE__);
		ids[i] = ds.dag.ids.items[id];
	}
	for (size_t e = 0; e < dag->n_edges; e++) {
		if (dag->edges[e].parent >= dag->n_jobs || dag->edges[e].child >= dag->n_jobs)
			wfad_assert_fail("edge out of range", __FILE__, __LINE__);
		par[e] = dag->edges[e].parent;
		chi[e] = dag->edges[e].child;
	}
	ds.dag.node_ids = ids;
	ds.dag.n_nodes = dag->n_jobs;
	wfad_dag_build(&ds, par, chi, dag->n_edges, "fuzz.dag", &err);
cleanup:
	free(par);
	free(chi);
	wfad_dataset_free(&ds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wfad_arena arena;
	struct wfad_error err;
	struct wfad_dagfile dag = {0};
	wfad_arena_init(&arena);
	wfad_error_clear(&err);
	if (wfad_pegasus_parse_dagfile((const char *)data, size, "fuzz.dag", &arena, &dag, &err) ==
	    WFAD_OK) {
		for (size_t i = 0; i < dag.n_jobs; i++) {
			struct wfad_pegasus_plan_args args;
			wfad_pegasus_plan_args(dag.jobs[i].pre_script, &arena, &args);
			wfad_pegasus_job_type(dag.jobs[i].id);
		}
		build(&dag);
	} else if (dag.jobs != NULL || err.line <= 0) {
		wfad_assert_fail("failed parse without a line", __FILE__, __LINE__);
	}
	wfad_arena_free(&arena);
	return 0;
}
