/* libFuzzer harness: the Flow-Bench DAG JSON reader. */
#include <stddef.h>
#include <stdint.h>

#include "wfad/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wfad_dataset ds;
	struct wfad_error err;
	wfad_dataset_init(&ds);
	wfad_error_clear(&err);
	if (wfad_dag_json_parse(&ds, (const char *)data, size, "fuzz.json", &err) == WFAD_OK) {
		/* A DAG that parses is acyclic: every edge goes forward in topological order. */
		const struct wfad_dag *g = &ds.dag;
		for (size_t i = 0; i < g->n_nodes; i++)
			for (uint32_t k = g->child_ptr[i]; k < g->child_ptr[i + 1]; k++)
				if (g->depth[g->child_idx[k]] <= g->depth[i])
					wfad_assert_fail("child deeper than parent", __FILE__,
							 __LINE__);
	}
	wfad_dataset_free(&ds);
	return 0;
}
