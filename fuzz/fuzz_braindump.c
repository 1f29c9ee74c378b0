/* libFuzzer harness: the braindump.yml parser (libyaml). */
#include <stddef.h>
#include <stdint.h>

#include "wfad/pegasus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wfad_arena arena;
	struct wfad_error err;
	struct wfad_braindump bd = {0};
	wfad_arena_init(&arena);
	wfad_error_clear(&err);
	if (wfad_pegasus_parse_braindump((const char *)data, size, "braindump.yml", &arena, &bd,
					 &err) != WFAD_OK &&
	    (bd.wf_uuid || bd.dag))
		wfad_assert_fail("failed parse filled its output", __FILE__, __LINE__);
	wfad_arena_free(&arena);
	return 0;
}
