/* Pegasus jobstate.log parser: one event per line, job and workflow (INTERNAL) states. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/pegasus.h"

static const char *const state_names[WFAD_JS_COUNT] = {
	[WFAD_JS_UNKNOWN] = "UNKNOWN",
	[WFAD_JS_PRE_SCRIPT_STARTED] = "PRE_SCRIPT_STARTED",
	[WFAD_JS_PRE_SCRIPT_TERMINATED] = "PRE_SCRIPT_TERMINATED",
	[WFAD_JS_PRE_SCRIPT_SUCCESS] = "PRE_SCRIPT_SUCCESS",
	[WFAD_JS_PRE_SCRIPT_FAILURE] = "PRE_SCRIPT_FAILURE",
	[WFAD_JS_SUBMIT] = "SUBMIT",
	[WFAD_JS_GRID_SUBMIT] = "GRID_SUBMIT",
	[WFAD_JS_GLOBUS_SUBMIT] = "GLOBUS_SUBMIT",
	[WFAD_JS_SUBMIT_FAILED] = "SUBMIT_FAILED",
	[WFAD_JS_EXECUTE] = "EXECUTE",
	[WFAD_JS_REMOTE_ERROR] = "REMOTE_ERROR",
	[WFAD_JS_IMAGE_SIZE] = "IMAGE_SIZE",
	[WFAD_JS_JOB_TERMINATED] = "JOB_TERMINATED",
	[WFAD_JS_JOB_SUCCESS] = "JOB_SUCCESS",
	[WFAD_JS_JOB_FAILURE] = "JOB_FAILURE",
	[WFAD_JS_JOB_HELD] = "JOB_HELD",
	[WFAD_JS_JOB_EVICTED] = "JOB_EVICTED",
	[WFAD_JS_JOB_RELEASED] = "JOB_RELEASED",
	[WFAD_JS_POST_SCRIPT_STARTED] = "POST_SCRIPT_STARTED",
	[WFAD_JS_POST_SCRIPT_TERMINATED] = "POST_SCRIPT_TERMINATED",
	[WFAD_JS_POST_SCRIPT_SUCCESS] = "POST_SCRIPT_SUCCESS",
	[WFAD_JS_POST_SCRIPT_FAILURE] = "POST_SCRIPT_FAILURE",
	[WFAD_JS_MONITORD_STARTED] = "MONITORD_STARTED",
	[WFAD_JS_MONITORD_FINISHED] = "MONITORD_FINISHED",
	[WFAD_JS_DAGMAN_STARTED] = "DAGMAN_STARTED",
	[WFAD_JS_DAGMAN_FINISHED] = "DAGMAN_FINISHED",
};

const char *wfad_jobstate_name(enum wfad_jobstate state)
{
	WFAD_ASSERT((unsigned)state < WFAD_JS_COUNT);
	return state_names[state];
}

static bool word_is(const char *word, size_t len, const char *name)
{
	return strlen(name) == len && memcmp(word, name, len) == 0;
}

enum wfad_jobstate wfad_jobstate_lookup(const char *word, size_t len)
{
	for (int i = 1; i < WFAD_JS_COUNT; i++)
		if (word_is(word, len, state_names[i]))
			return (enum wfad_jobstate)i;
	/* The monitord enum says *_FAILED; the sample jobstate.log files say *_FAILURE. */
	if (word_is(word, len, "PRE_SCRIPT_FAILED"))
		return WFAD_JS_PRE_SCRIPT_FAILURE;
	if (word_is(word, len, "POST_SCRIPT_FAILED"))
		return WFAD_JS_POST_SCRIPT_FAILURE;
	return WFAD_JS_UNKNOWN;
}

/* A whitespace-separated field of one line: [begin, begin + len), column 1-based. */
struct field {
	const char *s;
	size_t len;
	long column;
};

enum { MAX_FIELDS = 16 };

/* Splits line[0..len) into at most MAX_FIELDS fields; returns the count (MAX_FIELDS + 1 when
 * there are more). */
static size_t split_fields(const char *line, size_t len, struct field *f)
{
	size_t n = 0, i = 0;
	while (i < len) {
		while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
			i++;
		if (i >= len)
			break;
		size_t start = i;
		while (i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
			i++;
		if (n == MAX_FIELDS)
			return MAX_FIELDS + 1;
		f[n].s = line + start;
		f[n].len = i - start;
		f[n].column = (long)start + 1;
		n++;
	}
	return n;
}

static bool is_dash(const struct field *f)
{
	return f->len == 1 && f->s[0] == '-';
}

/* Non-negative decimal integer without sign, at most 18 digits. */
static bool parse_seq(const struct field *f, long *out)
{
	if (f->len == 0 || f->len > 18)
		return false;
	long v = 0;
	for (size_t i = 0; i < f->len; i++) {
		if (f->s[i] < '0' || f->s[i] > '9')
			return false;
		v = v * 10 + (f->s[i] - '0');
	}
	*out = v;
	return true;
}

struct parse_ctx {
	const char *source;
	struct wfad_arena *arena;
	struct wfad_strings names; /* job ids and sites, deduplicated */
	struct wfad_error *err;
	long line;
};

static enum wfad_status intern_field(struct parse_ctx *c, const struct field *f, const char **out)
{
	uint32_t id;
	if (wfad_strings_intern(&c->names, f->s, f->len, &id) != WFAD_OK)
		return wfad_error_set(c->err, WFAD_ENOMEM, c->source, c->line, 0, "out of memory");
	*out = c->names.items[id];
	return WFAD_OK;
}

static enum wfad_status parse_internal(struct parse_ctx *c, const struct field *f, size_t n,
				       struct wfad_jobstate_event *ev)
{
	/* "<ts> INTERNAL *** NAME [arg ...] ***" */
	if (n < 5 || !word_is(f[2].s, f[2].len, "***") || !word_is(f[n - 1].s, f[n - 1].len, "***"))
		return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line,
				      n > 2 ? f[2].column : f[1].column,
				      "INTERNAL line is not of the form '*** NAME ... ***'");
	ev->state = wfad_jobstate_lookup(f[3].s, f[3].len);
	if (ev->state == WFAD_JS_UNKNOWN) {
		ev->state_word = wfad_arena_strndup(c->arena, f[3].s, f[3].len);
		if (!ev->state_word)
			return wfad_error_set(c->err, WFAD_ENOMEM, c->source, c->line, 0,
					      "out of memory");
	} else {
		ev->state_word = wfad_jobstate_name(ev->state);
	}
	if (n > 5) {
		ev->arg = wfad_arena_strndup(c->arena, f[4].s, f[4].len);
		if (!ev->arg)
			return wfad_error_set(c->err, WFAD_ENOMEM, c->source, c->line, 0,
					      "out of memory");
	}
	return WFAD_OK;
}

static enum wfad_status parse_job_line(struct parse_ctx *c, const struct field *f, size_t n,
				       struct wfad_jobstate_event *ev)
{
	enum wfad_status st;
	if (n < 3)
		return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line, f[n - 1].column,
				      "expected '<timestamp> <job> <state> ...', got %zu field%s",
				      n, n == 1 ? "" : "s");
	if (n > 7)
		return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line, f[7].column,
				      "too many fields (%zu, at most 7)", n);
	ev->state = wfad_jobstate_lookup(f[2].s, f[2].len);
	if (ev->state >= WFAD_JS_MONITORD_STARTED)
		return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line, f[2].column,
				      "workflow state %.*s on a job line", (int)f[2].len, f[2].s);
	if (ev->state == WFAD_JS_UNKNOWN) {
		if (!(ev->state_word = wfad_arena_strndup(c->arena, f[2].s, f[2].len)))
			return wfad_error_set(c->err, WFAD_ENOMEM, c->source, c->line, 0,
					      "out of memory");
	} else {
		ev->state_word = wfad_jobstate_name(ev->state);
	}
	if (n > 3 && !is_dash(&f[3]) && !(ev->arg = wfad_arena_strndup(c->arena, f[3].s, f[3].len)))
		return wfad_error_set(c->err, WFAD_ENOMEM, c->source, c->line, 0, "out of memory");
	if (n > 4 && !is_dash(&f[4]) && (st = intern_field(c, &f[4], &ev->site)) != WFAD_OK)
		return st;
	if (n > 5 && !is_dash(&f[5]) && !wfad_parse_double(f[5].s, f[5].len, &ev->walltime))
		return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line, f[5].column,
				      "walltime '%.*s' is not a number", (int)f[5].len, f[5].s);
	if (n > 6 && !is_dash(&f[6]) && !parse_seq(&f[6], &ev->submit_seq))
		return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line, f[6].column,
				      "job_submit_seq '%.*s' is not a non-negative integer",
				      (int)f[6].len, f[6].s);
	return WFAD_OK;
}

enum wfad_status wfad_pegasus_parse_jobstate(const char *buf, size_t len, const char *source,
					     struct wfad_arena *arena,
					     struct wfad_jobstate_log *out, struct wfad_error *err)
{
	enum wfad_status st = WFAD_OK;
	struct parse_ctx c = {.source = source, .arena = arena, .err = err, .line = 0};
	wfad_strings_init(&c.names, arena);
	struct wfad_jobstate_event *ev = NULL;
	size_t n_ev = 0, cap = 0;
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		const char *line = buf + pos;
		size_t line_len = end - pos;
		pos = end + 1;
		c.line++;
		const char *nul = memchr(line, '\0', line_len);
		if (nul) {
			st = wfad_error_set(err, WFAD_EPARSE, source, c.line,
					    (long)(nul - line) + 1, "NUL byte in line");
			goto cleanup;
		}
		struct field f[MAX_FIELDS];
		size_t n = split_fields(line, line_len, f);
		if (n == 0)
			continue;
		if (n > MAX_FIELDS) {
			st = wfad_error_set(err, WFAD_EPARSE, source, c.line, 0, "too many fields");
			goto cleanup;
		}
		if (n_ev == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			struct wfad_jobstate_event *nev = realloc(ev, ncap * sizeof(*nev));
			if (!nev) {
				st = wfad_error_set(err, WFAD_ENOMEM, source, c.line, 0,
						    "out of memory");
				goto cleanup;
			}
			ev = nev;
			cap = ncap;
		}
		struct wfad_jobstate_event *e = &ev[n_ev];
		*e = (struct wfad_jobstate_event){
			.walltime = NAN, .submit_seq = -1, .line = c.line};
		double ts;
		if (!wfad_parse_double(f[0].s, f[0].len, &ts) || !isfinite(ts)) {
			st = wfad_error_set(err, WFAD_EPARSE, source, c.line, f[0].column,
					    "timestamp '%.*s' is not a number",
					    (int)(f[0].len > 40 ? 40 : f[0].len), f[0].s);
			goto cleanup;
		}
		e->ts = ts;
		if (n < 2) {
			st = wfad_error_set(err, WFAD_EPARSE, source, c.line, f[0].column,
					    "expected '<timestamp> <job> <state> ...'");
			goto cleanup;
		}
		if ((st = intern_field(&c, &f[1], &e->job_id)) != WFAD_OK)
			goto cleanup;
		if (word_is(f[1].s, f[1].len, "INTERNAL"))
			st = parse_internal(&c, f, n, e);
		else
			st = parse_job_line(&c, f, n, e);
		if (st != WFAD_OK)
			goto cleanup;
		n_ev++;
	}
	struct wfad_jobstate_event *final =
		wfad_arena_alloc(arena, (n_ev ? n_ev : 1) * sizeof(*ev));
	if (!final) {
		st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
		goto cleanup;
	}
	if (n_ev)
		memcpy(final, ev, n_ev * sizeof(*ev));
	out->events = final;
	out->n_events = n_ev;
cleanup:
	free(ev);
	wfad_strings_free(&c.names);
	return st;
}
