/* libFuzzer harness: a Flow-Bench run CSV against a fixed small DAG. */
#include <stddef.h>
#include <stdint.h>

#include "wfad/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char dag[] = "{\"create_dir_x\": [\"a_ID01\", \"b_ID02\"], \"a_ID01\": "
				  "[\"c_ID03\"], \"b_ID02\": [\"c_ID03\"], \"c_ID03\": []}";
	struct wfad_dataset ds;
	struct wfad_error err;
	wfad_dataset_init(&ds);
	wfad_error_clear(&err);
	if (wfad_dag_json_parse(&ds, dag, sizeof(dag) - 1, "fuzz.json", &err) != WFAD_OK)
		wfad_assert_fail("fixed DAG must parse", __FILE__, __LINE__);
	enum wfad_status st = wfad_flowbench_parse_run(&ds, (const char *)data, size, "fuzz.csv",
						       "fuzz-run0001", NULL, &err);
	/* Invariants: success means one complete run; failure leaves no run and a message. */
	if (st == WFAD_OK && ds.n_runs != 1)
		wfad_assert_fail("a successful read adds one run", __FILE__, __LINE__);
	if (st != WFAD_OK && (ds.n_runs != 0 || err.message[0] == '\0'))
		wfad_assert_fail("a failed read adds nothing and says why", __FILE__, __LINE__);
	wfad_dataset_free(&ds);
	return 0;
}
