/* Flow-Bench run CSV reader: streaming, quote-aware, with file:line:column errors. */
#include <stdlib.h>
#include <string.h>

#include "wfad/ingest.h"

#include "csv_split.h"

/* What a CSV column feeds. */
enum col_kind {
	COL_IGNORE,
	COL_ID,
	COL_ANOMALY,
	COL_TYPE,
	COL_CLUSTERED,
	COL_HOST,
	COL_SITE,
	COL_EXITCODE,
	COL_FIELD, /* numeric: field enum in col.field */
};

struct col {
	enum col_kind kind;
	enum wfad_field field;
};

/* Streaming line reader over a pull callback; the buffer never grows beyond
 * WFAD_CSV_MAX_LINE plus one read chunk. */
struct line_reader {
	wfad_read_fn read;
	void *ctx;
	char *buf;
	size_t cap, start, end;
	bool eof;
	long lineno;
};

enum { READ_CHUNK = 1 << 18 };

/* Returns 1 with the next line in [*line, *line + *len) (without \r\n), 0 at end, or a
 * negative status. */
static int next_line(struct line_reader *r, const char **line, size_t *len, const char *source,
		     struct wfad_error *err)
{
	for (;;) {
		char *nl = r->end > r->start ? memchr(r->buf + r->start, '\n', r->end - r->start)
					     : NULL;
		if (nl || (r->eof && r->end > r->start)) {
			char *s = r->buf + r->start;
			char *e = nl ? nl : r->buf + r->end;
			r->start = nl ? (size_t)(nl - r->buf) + 1 : r->end;
			r->lineno++;
			if (e > s && e[-1] == '\r')
				e--;
			if ((size_t)(e - s) > WFAD_CSV_MAX_LINE)
				return wfad_error_set(err, WFAD_ELIMIT, source, r->lineno, 0,
						      "line longer than %u bytes",
						      WFAD_CSV_MAX_LINE);
			*line = s;
			*len = (size_t)(e - s);
			return 1;
		}
		if (r->eof)
			return 0;
		if (r->end - r->start > WFAD_CSV_MAX_LINE)
			return wfad_error_set(err, WFAD_ELIMIT, source, r->lineno + 1, 0,
					      "line longer than %u bytes", WFAD_CSV_MAX_LINE);
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->cap - r->end < READ_CHUNK) {
			size_t cap = r->cap ? r->cap * 2 : 2 * READ_CHUNK;
			char *nb = realloc(r->buf, cap);
			if (!nb)
				return wfad_error_set(err, WFAD_ENOMEM, source, r->lineno, 0,
						      "out of memory");
			r->buf = nb;
			r->cap = cap;
		}
		long got = r->read(r->ctx, r->buf + r->end, r->cap - r->end);
		if (got < 0)
			return wfad_error_set(err, WFAD_EIO, source, r->lineno, 0, "read error");
		if (got == 0)
			r->eof = true;
		r->end += (size_t)got;
	}
}

enum { MAX_COLS = 256 };

struct reader_state {
	struct wfad_dataset *ds;
	const char *source;
	const char *line; /* current line, for column numbers */
	struct col cols[MAX_COLS];
	size_t n_cols;
	const char *fs[MAX_COLS];
	size_t fl[MAX_COLS];
	uint8_t *seen;       /* per DAG node */
	uint32_t last_id[2]; /* COL_HOST, COL_SITE: the last value interned (consecutive rows
				repeat) */
};

static enum wfad_status read_header(struct reader_state *rs, const char *line, size_t len,
				    long lineno, struct wfad_error *err)
{
	size_t bad;
	long n = wfad_csv_split(line, len, rs->fs, rs->fl, MAX_COLS, &bad);
	if (n < 0)
		return wfad_error_set(err, WFAD_EPARSE, rs->source, lineno, (long)bad,
				      n == -2 ? "NUL byte: this is not a text CSV file"
					      : "unterminated quoted field in the header");
	if (n > MAX_COLS)
		return wfad_error_set(err, WFAD_ELIMIT, rs->source, lineno, 0,
				      "%ld columns in the header; at most %d", n, MAX_COLS);
	rs->n_cols = (size_t)n;
	bool have_anomaly = false, have_type = false;
	bool have[WFAD_F_COUNT] = {false};
	for (size_t c = 0; c < rs->n_cols; c++) {
		const char *name = rs->fs[c];
		size_t nl = rs->fl[c];
		struct col *col = &rs->cols[c];
		col->kind = COL_IGNORE;
#define IS(s) (nl == sizeof(s) - 1 && memcmp(name, s, nl) == 0)
		if (c == 0) {
			if (nl != 0 && !IS("job_id") && !IS("node_id"))
				return wfad_error_set(
					err, WFAD_EPARSE, rs->source, lineno, 1,
					"the first column must be the job id (an empty "
					"name, as pandas writes its index)");
			col->kind = COL_ID;
		} else if (IS("anomaly_type")) {
			col->kind = COL_ANOMALY;
			have_anomaly = true;
		} else if (IS("type")) {
			col->kind = COL_TYPE;
			have_type = true;
		} else if (IS("is_clustered")) {
			col->kind = COL_CLUSTERED;
		} else if (IS("kickstart_hostname")) {
			col->kind = COL_HOST;
		} else if (IS("kickstart_site")) {
			col->kind = COL_SITE;
		} else if (IS("kickstart_executables_exitcode")) {
			col->kind = COL_EXITCODE;
		} else if (wfad_field_lookup(name, nl, &col->field)) {
			col->kind = COL_FIELD;
			have[col->field] = true;
		}
#undef IS
	}
	const char *missing = !have_anomaly                 ? "anomaly_type"
			      : !have_type                  ? "type"
			      : !have[WFAD_F_READY]         ? "ready"
			      : !have[WFAD_F_SUBMIT]        ? "submit"
			      : !have[WFAD_F_EXECUTE_START] ? "execute_start"
			      : !have[WFAD_F_EXECUTE_END]   ? "execute_end"
			      : !have[WFAD_F_RUNTIME]       ? "runtime"
							    : NULL;
	if (missing)
		return wfad_error_set(err, WFAD_ENOTFOUND, rs->source, lineno, 0,
				      "no '%s' column: not a Flow-Bench run CSV", missing);
	return WFAD_OK;
}

static bool is_none(const char *s, size_t n)
{
	return (n == 4 && memcmp(s, "None", 4) == 0) || n == 0 ||
	       (n == 6 && memcmp(s, "normal", 6) == 0);
}

static enum wfad_status read_row(struct reader_state *rs, struct wfad_run *run, size_t row,
				 long lineno, const char **run_label, size_t *run_label_len,
				 struct wfad_error *err)
{
	struct wfad_dataset *ds = rs->ds;
	const char **fs = rs->fs;
	const size_t *fl = rs->fl;
	uint32_t node = WFAD_NO_ID;
	if (fl[0] == 0)
		return wfad_error_set(err, WFAD_EPARSE, rs->source, lineno, 1, "empty job id");
	if (row < ds->dag.n_nodes && ds->row_hint[row] != WFAD_NO_ID) {
		uint32_t guess = ds->row_hint[row];
		if (ds->dag.ids.lens[guess] == fl[0] &&
		    memcmp(ds->dag.ids.items[guess], fs[0], fl[0]) == 0)
			node = guess;
	}
	if (node == WFAD_NO_ID && !wfad_strings_find(&ds->dag.ids, fs[0], fl[0], &node))
		return wfad_error_set(err, WFAD_EINVAL, rs->source, lineno, 1,
				      "job '%.*s' is not a job of the workflow's DAG", (int)fl[0],
				      fs[0]);
	if (rs->seen[node])
		return wfad_error_set(err, WFAD_EINVAL, rs->source, lineno, 1,
				      "job '%.*s' appears twice", (int)fl[0], fs[0]);
	rs->seen[node] = 1;
	if (row < ds->dag.n_nodes)
		ds->row_hint[row] = node;
	struct wfad_job *job = &run->jobs[node];
	for (size_t c = 1; c < rs->n_cols; c++) {
		const char *s = fs[c];
		size_t n = fl[c];
		long column = (long)(s - rs->line) + 1;
		switch (rs->cols[c].kind) {
		case COL_IGNORE:
		case COL_ID: break;
		case COL_FIELD:
			if (n == 0)
				break;
			if (!wfad_parse_double(s, n, &job->f[rs->cols[c].field]))
				return wfad_error_set(err, WFAD_EPARSE, rs->source, lineno, column,
						      "%s: '%.*s' is not a number",
						      wfad_field_name(rs->cols[c].field),
						      n > 40 ? 40 : (int)n, s);
			break;
		case COL_ANOMALY:
			if (is_none(s, n))
				break;
			job->label = 1;
			if (!*run_label) {
				*run_label = s;
				*run_label_len = n;
			} else if (*run_label_len != n || memcmp(*run_label, s, n) != 0) {
				return wfad_error_set(err, WFAD_EINVAL, rs->source, lineno, column,
						      "anomaly_type '%.*s' differs from '%.*s' "
						      "earlier in the run",
						      (int)n, s, (int)*run_label_len, *run_label);
			}
			break;
		case COL_TYPE: {
			enum wfad_job_type t;
			if (!wfad_job_type_lookup(s, n, &t))
				return wfad_error_set(
					err, WFAD_EPARSE, rs->source, lineno, column,
					"unknown job type '%.*s' (expected auxiliary, "
					"compute, transfer or subwf)",
					n > 40 ? 40 : (int)n, s);
			job->type = (uint8_t)t;
			break;
		}
		case COL_CLUSTERED: {
			double v;
			if (n && (!wfad_parse_double(s, n, &v) || (v != 0 && v != 1)))
				return wfad_error_set(err, WFAD_EPARSE, rs->source, lineno, column,
						      "is_clustered must be 0 or 1");
			job->clustered = n && v == 1;
			break;
		}
		case COL_EXITCODE: {
			double v;
			if (n == 0)
				break;
			if (!wfad_parse_double(s, n, &v) || v != (double)(int32_t)v)
				return wfad_error_set(err, WFAD_EPARSE, rs->source, lineno, column,
						      "exit code '%.*s' is not an integer",
						      n > 40 ? 40 : (int)n, s);
			job->exit_code = (int32_t)v;
			break;
		}
		case COL_HOST:
		case COL_SITE: {
			if (n == 0)
				break;
			int k = rs->cols[c].kind == COL_HOST ? 0 : 1;
			uint32_t *id = k == 0 ? &job->host : &job->site, last = rs->last_id[k];
			if (last != WFAD_NO_ID && ds->strings.lens[last] == n &&
			    memcmp(ds->strings.items[last], s, n) == 0) {
				*id = last;
				break;
			}
			if (wfad_strings_intern(&ds->strings, s, n, id))
				return wfad_error_set(err, WFAD_ENOMEM, rs->source, lineno, 0,
						      "out of memory");
			rs->last_id[k] = *id;
			break;
		}
		}
	}
	if (ds->node_transformation[node] == WFAD_NO_ID) {
		size_t tl;
		const char *id = ds->dag.node_ids[node];
		wfad_job_id_transformation(id, &tl);
		if (wfad_strings_intern(&ds->strings, id, tl, &ds->node_transformation[node]))
			return wfad_error_set(err, WFAD_ENOMEM, rs->source, lineno, 0,
					      "out of memory");
	}
	job->transformation = ds->node_transformation[node];
	job->attempts = isnan(job->f[WFAD_F_SUBMIT]) ? 0 : 1;
	job->failed = job->exit_code != INT32_MIN && job->exit_code != 0;
	return WFAD_OK;
}

/* Reads one run through lr (streaming, or over memory when lr->eof is already set). */
static enum wfad_status read_run(struct wfad_dataset *ds, struct line_reader *reader,
				 const char *source, const char *run_id, const char *label,
				 struct wfad_error *err)
{
	WFAD_ASSERT(ds->dag.n_nodes > 0);
	enum wfad_status st = WFAD_OK;
	size_t n_nodes = ds->dag.n_nodes;
	struct line_reader lr = *reader;
	struct reader_state *rs = malloc(sizeof(*rs));
	uint8_t *seen = calloc(n_nodes, 1);
	size_t runs_before = ds->n_runs;
	if (!rs || !seen) {
		st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
		goto cleanup;
	}
	if (!ds->row_hint) {
		ds->row_hint = wfad_arena_alloc(&ds->arena, n_nodes * sizeof(*ds->row_hint));
		ds->node_transformation =
			wfad_arena_alloc(&ds->arena, n_nodes * sizeof(*ds->node_transformation));
		if (!ds->row_hint || !ds->node_transformation) {
			st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
			goto cleanup;
		}
		memset(ds->row_hint, 0xff, n_nodes * sizeof(*ds->row_hint));
		memset(ds->node_transformation, 0xff, n_nodes * sizeof(*ds->node_transformation));
	}
	rs->ds = ds;
	rs->last_id[0] = rs->last_id[1] = WFAD_NO_ID;
	rs->source = source;
	rs->seen = seen;
	const char *line;
	size_t len;
	int r = next_line(&lr, &line, &len, source, err);
	if (r < 0) {
		st = (enum wfad_status)r;
		goto cleanup;
	}
	if (r == 0) {
		st = wfad_error_set(err, WFAD_EPARSE, source, 1, 0, "empty file: no CSV header");
		goto cleanup;
	}
	if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 byte order mark */
		line += 3;
		len -= 3;
	}
	st = read_header(rs, line, len, lr.lineno, err);
	if (st != WFAD_OK)
		goto cleanup;
	struct wfad_run *run;
	if (wfad_dataset_add_run(ds, run_id, label ? label : "normal", source, &run) != WFAD_OK) {
		st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
		goto cleanup;
	}
	const char *run_label = NULL;
	size_t run_label_len = 0;
	size_t rows = 0;
	while ((r = next_line(&lr, &line, &len, source, err)) == 1) {
		if (len == 0)
			continue;
		size_t bad;
		long n = wfad_csv_split(line, len, rs->fs, rs->fl, MAX_COLS, &bad);
		if (n < 0) {
			st = wfad_error_set(err, WFAD_EPARSE, source, lr.lineno, (long)bad,
					    n == -2 ? "NUL byte: this is not a text CSV file"
						    : "unterminated quoted field");
			goto cleanup;
		}
		if ((size_t)n != rs->n_cols) {
			st = wfad_error_set(err, WFAD_EPARSE, source, lr.lineno, 0,
					    "%ld fields, the header has %zu", n, rs->n_cols);
			goto cleanup;
		}
		rs->line = line;
		st = read_row(rs, run, rows, lr.lineno, &run_label, &run_label_len, err);
		if (st != WFAD_OK)
			goto cleanup;
		rows++;
	}
	if (r < 0) {
		st = (enum wfad_status)r;
		goto cleanup;
	}
	for (size_t i = 0; i < n_nodes; i++) {
		if (!seen[i]) {
			st = wfad_error_set(err, WFAD_EINVAL, source, lr.lineno, 0,
					    "%zu of %zu DAG jobs present; job '%s' is missing "
					    "(truncated file or another workflow's DAG?)",
					    rows, n_nodes, ds->dag.node_ids[i]);
			goto cleanup;
		}
	}
	if (run_label) {
		if (label && (strlen(label) != run_label_len ||
			      memcmp(label, run_label, run_label_len) != 0)) {
			st = wfad_error_set(err, WFAD_EINVAL, source, 0, 0,
					    "anomaly_type '%.*s' contradicts the run label '%s'",
					    (int)run_label_len, run_label, label);
			goto cleanup;
		}
		run->label = wfad_arena_strndup(&ds->arena, run_label, run_label_len);
		if (!run->label) {
			st = wfad_error_set(err, WFAD_ENOMEM, source, 0, 0, "out of memory");
			goto cleanup;
		}
	} else if (label && wfad_anomaly_of_label(label) != WFAD_ANOMALY_NONE) {
		/* An anomaly run in which no job was hit: keep the folder's label. */
		wfad_log(WFAD_LOG_WARN, "%s: run labelled '%s' has no anomalous job", source,
			 label);
	}
	enum wfad_anomaly a = wfad_anomaly_of_label(run->label);
	for (size_t i = 0; i < n_nodes; i++)
		if (run->jobs[i].label)
			run->jobs[i].anomaly = (uint8_t)a;
cleanup:
	if (st != WFAD_OK)
		ds->n_runs = runs_before; /* arena memory of the dropped run is reclaimed with ds */
	*reader = lr;
	free(rs);
	free(seen);
	return st;
}

enum wfad_status wfad_flowbench_read_run(struct wfad_dataset *ds, wfad_read_fn read, void *ctx,
					 const char *source, const char *run_id, const char *label,
					 struct wfad_error *err)
{
	struct line_reader lr = {.read = read, .ctx = ctx};
	enum wfad_status st = read_run(ds, &lr, source, run_id, label, err);
	free(lr.buf);
	return st;
}

enum wfad_status wfad_flowbench_parse_run(struct wfad_dataset *ds, const char *buf, size_t len,
					  const char *source, const char *run_id, const char *label,
					  struct wfad_error *err)
{
	/* Lines are read in place: at end of input the reader never reads, grows or writes its
	 * buffer, so the const memory is only ever read. */
	struct line_reader lr = {
		.buf = (char *)(uintptr_t)buf, .cap = len, .end = len, .eof = true};
	return read_run(ds, &lr, source, run_id, label, err);
}
