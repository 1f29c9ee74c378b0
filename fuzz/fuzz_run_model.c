/* libFuzzer harness: run-level model files (src/eval/run_model.c and the run classifiers'
 * state readers). A file that loads must predict nothing out of shape: its classes are
 * named and the classifier is there. */
#include <string.h>

#include "fuzz_stream.h"

#include "wfad/runlevel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fuzz_stream(data, size);
	if (!f)
		return 0;
	struct wfad_run_model m = {0};
	struct wfad_error err;
	wfad_error_clear(&err);
	enum wfad_status st = wfad_run_model_read(&m, f, "fuzz.wfad", &err);
	fclose(f);
	if (st == WFAD_OK) {
		if (!m.c || !m.ops || m.n_classes < 2)
			wfad_assert_fail("loaded model without a classifier", __FILE__, __LINE__);
		for (size_t k = 0; k < m.n_classes; k++)
			if (!m.classes[k])
				wfad_assert_fail("unnamed class", __FILE__, __LINE__);
	} else if (strcmp(err.file, "fuzz.wfad") != 0 || !err.message[0]) {
		wfad_assert_fail("failed load without the file's name", __FILE__, __LINE__);
	}
	wfad_run_model_free(&m);
	return 0;
}
