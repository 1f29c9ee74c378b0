/* Kickstart invocation records and braindump.yml, read with the libyaml event API. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "wfad/pegasus.h"

/* ---- ISO 8601 ------------------------------------------------------------------------- */

static bool digits(const char *s, size_t len, size_t at, size_t n, int *out)
{
	if (at + n > len)
		return false;
	int v = 0;
	for (size_t i = at; i < at + n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (month 1..12). */
static long days_from_civil(long y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool wfad_pegasus_parse_time(const char *s, size_t len, double *out)
{
	int year, mon, day, hh, mm, ss;
	if (!digits(s, len, 0, 4, &year) || len < 19 || s[4] != '-' ||
	    !digits(s, len, 5, 2, &mon) || s[7] != '-' || !digits(s, len, 8, 2, &day) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || !digits(s, len, 11, 2, &hh) ||
	    s[13] != ':' || !digits(s, len, 14, 2, &mm) || s[16] != ':' ||
	    !digits(s, len, 17, 2, &ss))
		return false;
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return false;
	size_t i = 19;
	double frac = 0, scale = 0.1;
	if (i < len && s[i] == '.') {
		i++;
		size_t start = i;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			frac += (s[i] - '0') * scale;
			scale /= 10;
			i++;
		}
		if (i == start)
			return false;
	}
	long offset = 0;
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i] == '-' ? -1 : 1, oh, om = 0;
		i++;
		if (!digits(s, len, i, 2, &oh))
			return false;
		i += 2;
		if (i < len && s[i] == ':')
			i++;
		if (i < len) {
			if (!digits(s, len, i, 2, &om))
				return false;
			i += 2;
		}
		if (oh > 23 || om > 59)
			return false;
		offset = sign * (oh * 3600L + om * 60L);
	} else {
		return false;
	}
	if (i != len)
		return false;
	long secs = days_from_civil(year, mon, day) * 86400L + hh * 3600L + mm * 60L + ss - offset;
	/* Milliseconds are what kickstart writes; rounding the fraction to the microsecond keeps
	 * 22:24:20.615 exact in decimal terms instead of carrying the binary error of 0.615. */
	*out = (double)secs + round(frac * 1e6) / 1e6;
	return true;
}

/* ---- event walker ----------------------------------------------------------------------- */

enum { MAX_DEPTH = 32, KEY_MAX = 48 };

/* Tracks where the parser is: one frame per open mapping or sequence. For mappings, the
 * current key (truncated keys never match a known name). */
struct walker {
	int depth;
	bool is_map[MAX_DEPTH];
	bool want_key[MAX_DEPTH];
	char key[MAX_DEPTH][KEY_MAX];
};

static void walker_key(struct walker *w, int level, const char *s, size_t len)
{
	if (level >= MAX_DEPTH)
		return;
	if (len >= KEY_MAX)
		len = 0;
	memcpy(w->key[level], s, len);
	w->key[level][len] = '\0';
}

/* A node (scalar or collection) finished inside the top frame. */
static void walker_node_done(struct walker *w)
{
	int top = w->depth - 1;
	if (top >= 0 && top < MAX_DEPTH && w->is_map[top]) {
		if (w->want_key[top])
			walker_key(w, top, "", 0); /* a complex key: never matches */
		w->want_key[top] = !w->want_key[top];
	}
}

static void walker_push(struct walker *w, bool is_map)
{
	if (w->depth < MAX_DEPTH) {
		w->is_map[w->depth] = is_map;
		w->want_key[w->depth] = true;
		w->key[w->depth][0] = '\0';
	}
	w->depth++;
}

/* True when the scalar about to be handled is a key of the top mapping. */
static bool walker_scalar_is_key(const struct walker *w)
{
	int top = w->depth - 1;
	return top >= 0 && top < MAX_DEPTH && w->is_map[top] && w->want_key[top];
}

static enum wfad_status yaml_error(const yaml_parser_t *p, const char *source, long line0,
				   struct wfad_error *err)
{
	if (p->error == YAML_MEMORY_ERROR)
		return wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
	return wfad_error_set(err, WFAD_EPARSE, source, line0 + (long)p->problem_mark.line + 1,
			      (long)p->problem_mark.column + 1, "invalid YAML: %s%s%s",
			      p->problem ? p->problem : "syntax error", p->context ? " " : "",
			      p->context ? p->context : "");
}

/* ---- kickstart -------------------------------------------------------------------------- */

struct ks_ctx {
	const char *source;
	struct wfad_arena *arena;
	struct wfad_error *err;
	struct wfad_kickstart_invocation *inv;
	size_t n_inv, cap_inv;
	struct wfad_kickstart_invocation *cur;
	int cur_depth; /* depth of the invocation mapping's frame + 1 */
	long line0;    /* 0-based line of the record in the buffer */
	bool have_regular, have_signal;
	long raw;
};

static enum wfad_status ks_bad_value(struct ks_ctx *c, const yaml_event_t *ev, const char *what)
{
	return wfad_error_set(c->err, WFAD_EPARSE, c->source,
			      c->line0 + (long)ev->start_mark.line + 1,
			      (long)ev->start_mark.column + 1, "%s '%.*s' is not valid", what,
			      (int)(ev->data.scalar.length > 40 ? 40 : ev->data.scalar.length),
			      (const char *)ev->data.scalar.value);
}

static bool scalar_long(const char *s, size_t len, long *out)
{
	double v;
	if (!wfad_parse_double(s, len, &v) || v != floor(v) || fabs(v) > 1e15)
		return false;
	*out = (long)v;
	return true;
}

/* Dotted path of the current keys from frame `from` to the top frame ("mainjob.usage.utime");
 * false when a frame on the way is a sequence or the path is too deep. */
static bool walker_path(const struct walker *w, int from, char *buf, size_t cap)
{
	size_t n = 0;
	if (w->depth > MAX_DEPTH || from < 0)
		return false;
	for (int l = from; l < w->depth; l++) {
		if (!w->is_map[l])
			return false;
		size_t k = strlen(w->key[l]);
		if (n + k + 2 > cap)
			return false;
		if (l > from)
			buf[n++] = '.';
		memcpy(buf + n, w->key[l], k);
		n += k;
	}
	buf[n] = '\0';
	return true;
}

static enum wfad_status ks_oom(struct ks_ctx *c)
{
	return wfad_error_set(c->err, WFAD_ENOMEM, c->source, 0, 0, "out of memory");
}

/* A plain null ("", "~", "null"): the field is left missing. */
static bool is_null_scalar(const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t n = ev->data.scalar.length;
	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return n == 0 || (n == 1 && s[0] == '~') ||
	       (n == 4 && (memcmp(s, "null", 4) == 0 || memcmp(s, "Null", 4) == 0 ||
			   memcmp(s, "NULL", 4) == 0));
}

static enum wfad_status ks_scalar(struct ks_ctx *c, const struct walker *w, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	size_t len = ev->data.scalar.length;
	struct wfad_kickstart_invocation *inv = c->cur;
	char path[3 * KEY_MAX];
	if (is_null_scalar(ev) || !walker_path(w, c->cur_depth - 1, path, sizeof(path)))
		return WFAD_OK;
	static const char *const str_keys[] = {"transformation", "derivation", "hostname",
					       "resource", "user"};
	const char **str_slots[] = {&inv->transformation, &inv->derivation, &inv->hostname,
				    &inv->resource, &inv->user};
	for (size_t i = 0; i < sizeof(str_keys) / sizeof(str_keys[0]); i++) {
		if (strcmp(path, str_keys[i]) == 0) {
			if (!(*str_slots[i] = wfad_arena_strndup(c->arena, s, len)))
				return ks_oom(c);
			return WFAD_OK;
		}
	}
	if (strcmp(path, "start") == 0) {
		if (!wfad_pegasus_parse_time(s, len, &inv->start))
			return ks_bad_value(c, ev, "start time");
		return WFAD_OK;
	}
	static const char *const num_keys[] = {"duration", "mainjob.usage.utime",
					       "mainjob.usage.stime", "machine.load_min1"};
	double *num_slots[] = {&inv->duration, &inv->utime, &inv->stime, &inv->load_min1};
	for (size_t i = 0; i < sizeof(num_keys) / sizeof(num_keys[0]); i++) {
		if (strcmp(path, num_keys[i]) == 0) {
			if (!wfad_parse_double(s, len, num_slots[i]))
				return ks_bad_value(c, ev, num_keys[i]);
			return WFAD_OK;
		}
	}
	long v;
	if (strcmp(path, "mainjob.status.regular_exitcode") == 0) {
		if (!scalar_long(s, len, &v) || v < INT32_MIN + 1 || v > INT32_MAX)
			return ks_bad_value(c, ev, "regular_exitcode");
		inv->exit_code = (int32_t)v;
		c->have_regular = true;
	} else if (strcmp(path, "mainjob.status.signalled_signal") == 0) {
		if (!scalar_long(s, len, &v) || v < 0 || v > 1024)
			return ks_bad_value(c, ev, "signalled_signal");
		if (!c->have_regular)
			inv->exit_code = (int32_t)-v;
		c->have_signal = true;
	} else if (strcmp(path, "mainjob.status.raw") == 0) {
		if (!scalar_long(s, len, &v))
			return ks_bad_value(c, ev, "raw status");
		c->raw = v;
	} else if (strcmp(path, "machine.cpu_count") == 0) {
		if (!scalar_long(s, len, &v) || v < 0)
			return ks_bad_value(c, ev, "cpu_count");
		inv->cpu_count = v;
	}
	return WFAD_OK;
}

static enum wfad_status ks_begin(struct ks_ctx *c, const yaml_event_t *ev, int depth)
{
	if (c->n_inv == c->cap_inv) {
		size_t cap = c->cap_inv ? c->cap_inv * 2 : 4;
		struct wfad_kickstart_invocation *ni = realloc(c->inv, cap * sizeof(*ni));
		if (!ni)
			return ks_oom(c);
		c->inv = ni;
		c->cap_inv = cap;
	}
	c->cur = &c->inv[c->n_inv++];
	*c->cur = (struct wfad_kickstart_invocation){
		.start = NAN,
		.duration = NAN,
		.utime = NAN,
		.stime = NAN,
		.exit_code = INT32_MIN,
		.cpu_count = -1,
		.load_min1 = NAN,
		.line = c->line0 + (long)ev->start_mark.line + 1,
	};
	c->cur_depth = depth;
	c->have_regular = c->have_signal = false;
	c->raw = -1;
	return WFAD_OK;
}

static void ks_end(struct ks_ctx *c)
{
	/* Only "raw" (a wait status): decode it the way the shell does. */
	if (!c->have_regular && !c->have_signal && c->raw >= 0)
		c->cur->exit_code = wfad_pegasus_exit_from_raw(c->raw);
	c->cur = NULL;
}

/* Line (0-based, relative to s) of byte offset off. */
static long line_of(const char *s, size_t len, size_t off)
{
	long line = 0;
	for (size_t i = 0; i < off && i < len; i++)
		line += s[i] == '\n';
	return line;
}

/* Parses one record rec[0..len) that starts on 0-based line line0 of the buffer. */
static enum wfad_status ks_record(struct ks_ctx *c, const char *rec, size_t len)
{
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return ks_oom(c);
	yaml_parser_set_input_string(&p, (const unsigned char *)rec, len);
	enum wfad_status st = WFAD_OK;
	struct walker w = {0};
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			if (p.error == YAML_READER_ERROR)
				st = wfad_error_set(
					c->err, WFAD_EPARSE, c->source,
					c->line0 + line_of(rec, len, p.problem_offset) + 1, 0,
					"invalid YAML: %s", p.problem ? p.problem : "bad input");
			else
				st = yaml_error(&p, c->source, c->line0, c->err);
			break;
		}
		yaml_event_type_t type = ev.type;
		switch (type) {
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (type == YAML_MAPPING_START_EVENT && w.depth == 1 && !w.is_map[0] &&
			    !c->cur)
				st = ks_begin(c, &ev, 2);
			walker_push(&w, type == YAML_MAPPING_START_EVENT);
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			w.depth--;
			if (c->cur && w.depth == c->cur_depth - 1)
				ks_end(c);
			walker_node_done(&w);
			break;
		case YAML_SCALAR_EVENT:
			if (walker_scalar_is_key(&w)) {
				walker_key(&w, w.depth - 1, (const char *)ev.data.scalar.value,
					   ev.data.scalar.length);
				w.want_key[w.depth - 1] = false;
				break;
			}
			if (c->cur && w.depth >= c->cur_depth)
				st = ks_scalar(c, &w, &ev);
			walker_node_done(&w);
			break;
		case YAML_ALIAS_EVENT: walker_node_done(&w); break;
		default: break;
		}
		yaml_event_delete(&ev);
		if (st != WFAD_OK || type == YAML_STREAM_END_EVENT)
			break;
	}
	if (c->cur)
		ks_end(c);
	yaml_parser_delete(&p);
	return st;
}

static bool contains(const char *buf, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (buf[i] == needle[0] && memcmp(buf + i, needle, n) == 0)
			return true;
	return false;
}

static bool line_is_blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

enum wfad_status wfad_pegasus_parse_kickstart(const char *buf, size_t len, const char *source,
					      struct wfad_arena *arena, struct wfad_kickstart *out,
					      struct wfad_error *err)
{
	static const char marker[] = "- invocation:";
	const size_t marker_len = sizeof(marker) - 1;
	enum wfad_status st = WFAD_OK;
	struct ks_ctx c = {.source = source, .arena = arena, .err = err};
	size_t pos = 0, rec_start = 0;
	long line = 0, rec_line = 0;
	bool in_rec = false;
	while (pos <= len) {
		const char *nl = pos < len ? memchr(buf + pos, '\n', len - pos) : NULL;
		size_t end = nl ? (size_t)(nl - buf) : len;
		size_t n = end - pos;
		bool at_end = pos == len;
		bool starts =
			!at_end && n >= marker_len && memcmp(buf + pos, marker, marker_len) == 0;
		bool ends = at_end || starts ||
			    (!line_is_blank(buf + pos, n) && buf[pos] != ' ' && buf[pos] != '\t');
		if (in_rec && ends) {
			c.line0 = rec_line;
			if ((st = ks_record(&c, buf + rec_start, pos - rec_start)) != WFAD_OK)
				goto cleanup;
			in_rec = false;
		}
		if (starts) {
			in_rec = true;
			rec_start = pos;
			rec_line = line;
		}
		if (at_end)
			break;
		pos = end + 1;
		line++;
	}
	if (c.n_inv == 0) {
		if (contains(buf, len, "<invocation"))
			st = wfad_error_set(
				err, WFAD_EFORMAT, source, 0, 0,
				"XML kickstart records (Pegasus < 4.8) are not supported");
		else
			st = wfad_error_set(err, WFAD_EPARSE, source, 0, 0,
					    "no kickstart record (no line starts with '%s')",
					    marker);
		goto cleanup;
	}
	struct wfad_kickstart_invocation *inv = wfad_arena_alloc(arena, c.n_inv * sizeof(*inv));
	if (!inv) {
		st = ks_oom(&c);
		goto cleanup;
	}
	memcpy(inv, c.inv, c.n_inv * sizeof(*inv));
	out->inv = inv;
	out->n_inv = c.n_inv;
cleanup:
	free(c.inv);
	return st;
}

/* ---- braindump.yml ---------------------------------------------------------------------- */

enum wfad_status wfad_pegasus_parse_braindump(const char *buf, size_t len, const char *source,
					      struct wfad_arena *arena, struct wfad_braindump *out,
					      struct wfad_error *err)
{
	static const char *const keys[] = {"wf_uuid",         "root_wf_uuid", "dax_label",
					   "pegasus_wf_name", "dag",          "jsd",
					   "submit_dir"};
	struct wfad_braindump bd = {0};
	const char **slots[] = {&bd.wf_uuid, &bd.root_wf_uuid, &bd.dax_label, &bd.pegasus_wf_name,
				&bd.dag,     &bd.jsd,          &bd.submit_dir};
	yaml_parser_t p;
	if (!yaml_parser_initialize(&p))
		return wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	enum wfad_status st = WFAD_OK;
	struct walker w = {0};
	for (;;) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			if (p.error == YAML_READER_ERROR)
				st = wfad_error_set(err, WFAD_EPARSE, source,
						    line_of(buf, len, p.problem_offset) + 1, 0,
						    "invalid YAML: %s",
						    p.problem ? p.problem : "bad input");
			else
				st = yaml_error(&p, source, 0, err);
			break;
		}
		yaml_event_type_t type = ev.type;
		bool top_level = w.depth == 0 &&
				 (type == YAML_SCALAR_EVENT || type == YAML_SEQUENCE_START_EVENT ||
				  type == YAML_ALIAS_EVENT);
		if (top_level) {
			st = wfad_error_set(err, WFAD_EPARSE, source, (long)ev.start_mark.line + 1,
					    (long)ev.start_mark.column + 1,
					    "braindump is not a mapping of key: value");
		} else if (type == YAML_MAPPING_START_EVENT || type == YAML_SEQUENCE_START_EVENT) {
			walker_push(&w, type == YAML_MAPPING_START_EVENT);
		} else if (type == YAML_MAPPING_END_EVENT || type == YAML_SEQUENCE_END_EVENT) {
			w.depth--;
			walker_node_done(&w);
		} else if (type == YAML_SCALAR_EVENT && walker_scalar_is_key(&w)) {
			walker_key(&w, w.depth - 1, (const char *)ev.data.scalar.value,
				   ev.data.scalar.length);
			w.want_key[w.depth - 1] = false;
		} else if (type == YAML_SCALAR_EVENT || type == YAML_ALIAS_EVENT) {
			for (size_t i = 0; w.depth == 1 && type == YAML_SCALAR_EVENT &&
					   i < sizeof(keys) / sizeof(keys[0]);
			     i++) {
				if (strcmp(w.key[0], keys[i]) != 0)
					continue;
				*slots[i] = NULL;
				if (is_null_scalar(&ev))
					break;
				*slots[i] = wfad_arena_strndup(arena,
							       (const char *)ev.data.scalar.value,
							       ev.data.scalar.length);
				if (!*slots[i])
					st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0,
							    "out of memory");
				break;
			}
			walker_node_done(&w);
		}
		yaml_event_delete(&ev);
		if (st != WFAD_OK || type == YAML_STREAM_END_EVENT)
			break;
	}
	yaml_parser_delete(&p);
	if (st == WFAD_OK)
		*out = bd;
	return st;
}
