/* libFuzzer harness: the kickstart record parser (libyaml) and the ISO 8601 time parser. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "wfad/pegasus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wfad_arena arena;
	struct wfad_error err;
	struct wfad_kickstart ks = {0};
	wfad_arena_init(&arena);
	wfad_error_clear(&err);
	if (wfad_pegasus_parse_kickstart((const char *)data, size, "fuzz.out", &arena, &ks, &err) ==
	    WFAD_OK) {
		if (ks.n_inv == 0)
			wfad_assert_fail("no invocation", __FILE__, __LINE__);
		int32_t code = INT32_MIN;
		for (size_t i = 0; i < ks.n_inv; i++)
			code = wfad_pegasus_exit_combine(code, ks.inv[i].exit_code);
		(void)code;
	} else if (ks.inv != NULL) {
		wfad_assert_fail("failed parse filled its output", __FILE__, __LINE__);
	}
	double t;
	if (wfad_pegasus_parse_time((const char *)data, size, &t) && !isfinite(t))
		wfad_assert_fail("infinite time", __FILE__, __LINE__);
	wfad_arena_free(&arena);
	return 0;
}
