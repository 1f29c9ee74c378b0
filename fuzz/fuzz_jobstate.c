/* libFuzzer harness: the Pegasus jobstate.log parser and the job timeline rules. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wfad/pegasus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wfad_arena arena;
	struct wfad_error err;
	struct wfad_jobstate_log log = {0};
	wfad_arena_init(&arena);
	wfad_error_clear(&err);
	if (wfad_pegasus_parse_jobstate((const char *)data, size, "fuzz.log", &arena, &log, &err) ==
	    WFAD_OK) {
		struct wfad_pegasus_timeline t;
		wfad_pegasus_timeline_init(&t);
		long last_line = 0;
		for (size_t i = 0; i < log.n_events; i++) {
			const struct wfad_jobstate_event *e = &log.events[i];
			if (!e->job_id || !e->state_word || e->line <= last_line ||
			    !isfinite(e->ts))
				wfad_assert_fail("bad event", __FILE__, __LINE__);
			last_line = e->line;
			wfad_pegasus_timeline_add(&t, e->state, e->ts, e->submit_seq);
		}
		struct wfad_job job;
		memset(&job, 0, sizeof(job));
		wfad_pegasus_timeline_fill(&t, &job);
	} else if (log.events != NULL || err.status == WFAD_OK) {
		wfad_assert_fail("failed parse filled its output", __FILE__, __LINE__);
	}
	wfad_arena_free(&arena);
	return 0;
}
