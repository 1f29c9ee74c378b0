/* libFuzzer harness: job-level model files (src/detect/model_io.c, the featurizer blob and the
 * detectors' own readers: gcn ensembles, mlp, gbdt, ...). A file that loads has a detector
 * and a featurizer of the width it says; a failed load names the file. */
#include <string.h>

#include "fuzz_stream.h"

#include "wfad/model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fuzz_stream(data, size);
	if (!f)
		return 0;
	struct wfad_model m;
	wfad_model_init(&m);
	struct wfad_error err;
	wfad_error_clear(&err);
	enum wfad_status st = wfad_model_read(&m, f, "fuzz.wfad", &err);
	fclose(f);
	if (st == WFAD_OK) {
		if (!m.det || !m.ops || wfad_features_n_cols(&m.fz) == 0)
			wfad_assert_fail("loaded model without a detector or features", __FILE__,
					 __LINE__);
	} else if (strcmp(err.file, "fuzz.wfad") != 0 || !err.message[0]) {
		wfad_assert_fail("failed load without the file's name", __FILE__, __LINE__);
	}
	wfad_model_free(&m);
	return 0;
}
