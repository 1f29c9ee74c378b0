/* HTCondor DAGMan .dag parser (the statements Pegasus writes) and pegasus-plan arguments. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wfad/pegasus.h"

struct tok {
	const char *s;
	size_t len;
	long column;
};

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* Next whitespace-separated token of line[*pos..len); false at the end. */
static bool next_tok(const char *line, size_t len, size_t *pos, struct tok *t)
{
	size_t i = *pos;
	while (i < len && is_space(line[i]))
		i++;
	if (i >= len)
		return false;
	size_t start = i;
	while (i < len && !is_space(line[i]))
		i++;
	t->s = line + start;
	t->len = i - start;
	t->column = (long)start + 1;
	*pos = i;
	return true;
}

static bool tok_is(const struct tok *t, const char *kw)
{
	return strlen(kw) == t->len && strncasecmp(t->s, kw, t->len) == 0;
}

/* Signed decimal integer of at most 18 digits. */
static bool tok_long(const struct tok *t, long *out)
{
	size_t i = 0;
	bool neg = false;
	if (i < t->len && (t->s[i] == '-' || t->s[i] == '+'))
		neg = t->s[i++] == '-';
	if (i == t->len || t->len - i > 18)
		return false;
	long v = 0;
	for (; i < t->len; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return false;
		v = v * 10 + (t->s[i] - '0');
	}
	*out = neg ? -v : v;
	return true;
}

struct dag_ctx {
	const char *source;
	struct wfad_arena *arena;
	struct wfad_error *err;
	struct wfad_strings ids; /* node name -> index into jobs */
	struct wfad_dagfile_job *jobs;
	size_t n_jobs, cap_jobs;
	struct wfad_dagfile_edge *edges;
	size_t n_edges, cap_edges;
	long line;
};

static enum wfad_status oom(struct dag_ctx *c)
{
	return wfad_error_set(c->err, WFAD_ENOMEM, c->source, c->line, 0, "out of memory");
}

static enum wfad_status find_job(struct dag_ctx *c, const struct tok *t, uint32_t *idx)
{
	if (wfad_strings_find(&c->ids, t->s, t->len, idx))
		return WFAD_OK;
	return wfad_error_set(c->err, WFAD_EINVAL, c->source, c->line, t->column,
			      "node '%.*s' is used before its JOB line",
			      (int)(t->len > 200 ? 200 : t->len), t->s);
}

/* JOB name submit [DIR d] [NOOP] [DONE]; SUBDAG EXTERNAL name file [DIR d] [NOOP] [DONE]. */
static enum wfad_status parse_job(struct dag_ctx *c, const char *line, size_t len, size_t pos,
				  bool subdag, const struct tok *kw)
{
	struct tok name, file, t;
	if (!next_tok(line, len, &pos, &name) || !next_tok(line, len, &pos, &file))
		return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line, kw->column,
				      "%s needs a node name and a %s file",
				      subdag ? "SUBDAG" : "JOB", subdag ? "DAG" : "submit");
	uint32_t id;
	if (wfad_strings_find(&c->ids, name.s, name.len, &id))
		return wfad_error_set(c->err, WFAD_EINVAL, c->source, c->line, name.column,
				      "duplicate node '%.*s' (first defined on line %ld)",
				      (int)(name.len > 200 ? 200 : name.len), name.s,
				      c->jobs[id].line);
	if (c->n_jobs >= UINT32_MAX - 1)
		return wfad_error_set(c->err, WFAD_ELIMIT, c->source, c->line, 0, "too many nodes");
	if (c->n_jobs == c->cap_jobs) {
		size_t cap = c->cap_jobs ? c->cap_jobs * 2 : 64;
		struct wfad_dagfile_job *nj = realloc(c->jobs, cap * sizeof(*nj));
		if (!nj)
			return oom(c);
		c->jobs = nj;
		c->cap_jobs = cap;
	}
	if (wfad_strings_intern(&c->ids, name.s, name.len, &id) != WFAD_OK)
		return oom(c);
	struct wfad_dagfile_job *j = &c->jobs[c->n_jobs];
	*j = (struct wfad_dagfile_job){.id = c->ids.items[id], .subdag = subdag, .line = c->line};
	if (!(j->submit = wfad_arena_strndup(c->arena, file.s, file.len)))
		return oom(c);
	c->n_jobs++;
	while (next_tok(line, len, &pos, &t)) {
		if (tok_is(&t, "DIR")) {
			struct tok d;
			if (!next_tok(line, len, &pos, &d))
				return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line,
						      t.column, "DIR needs a directory");
			if (!(j->dir = wfad_arena_strndup(c->arena, d.s, d.len)))
				return oom(c);
		} else if (tok_is(&t, "NOOP")) {
			j->noop = true;
		} else if (tok_is(&t, "DONE")) {
			j->done = true;
		}
	}
	return WFAD_OK;
}

/* SCRIPT [DEFER status time] [DEBUG file type] PRE|POST|HOLD name command... */
static enum wfad_status parse_script(struct dag_ctx *c, const char *line, size_t len, size_t pos,
				     const struct tok *kw)
{
	struct tok t, name;
	for (;;) {
		if (!next_tok(line, len, &pos, &t))
			return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line, kw->column,
					      "SCRIPT needs PRE or POST, a node and a command");
		if (tok_is(&t, "DEFER") || tok_is(&t, "DEBUG")) {
			struct tok a, b;
			if (!next_tok(line, len, &pos, &a) || !next_tok(line, len, &pos, &b))
				return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line,
						      t.column, "%.*s needs two values", (int)t.len,
						      t.s);
			continue;
		}
		break;
	}
	bool pre = tok_is(&t, "PRE"), post = tok_is(&t, "POST");
	if (!pre && !post && !tok_is(&t, "HOLD"))
		return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line, t.column,
				      "SCRIPT type must be PRE, POST or HOLD");
	if (!next_tok(line, len, &pos, &name))
		return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line, t.column,
				      "SCRIPT %.*s needs a node name", (int)t.len, t.s);
	while (pos < len && is_space(line[pos]))
		pos++;
	size_t end = len;
	while (end > pos && is_space(line[end - 1]))
		end--;
	if (end == pos)
		return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line, name.column,
				      "SCRIPT for '%.*s' has no command",
				      (int)(name.len > 200 ? 200 : name.len), name.s);
	if (tok_is(&name, "ALL_NODES") || (!pre && !post))
		return WFAD_OK;
	uint32_t id;
	enum wfad_status st = find_job(c, &name, &id);
	if (st != WFAD_OK)
		return st;
	char *cmd = wfad_arena_strndup(c->arena, line + pos, end - pos);
	if (!cmd)
		return oom(c);
	if (pre)
		c->jobs[id].pre_script = cmd;
	else
		c->jobs[id].post_script = cmd;
	return WFAD_OK;
}

/* RETRY name n [UNLESS-EXIT v]; PRIORITY name n; CATEGORY name cat. */
static enum wfad_status parse_node_value(struct dag_ctx *c, const char *line, size_t len,
					 size_t pos, const struct tok *kw)
{
	struct tok name, value;
	if (!next_tok(line, len, &pos, &name) || !next_tok(line, len, &pos, &value))
		return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line, kw->column,
				      "%.*s needs a node name and a value", (int)kw->len, kw->s);
	long n = 0;
	bool category = tok_is(kw, "CATEGORY");
	if (!category && !tok_long(&value, &n))
		return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line, value.column,
				      "%.*s value '%.*s' is not an integer", (int)kw->len, kw->s,
				      (int)(value.len > 40 ? 40 : value.len), value.s);
	if (tok_is(&name, "ALL_NODES"))
		return WFAD_OK;
	uint32_t id;
	enum wfad_status st = find_job(c, &name, &id);
	if (st != WFAD_OK)
		return st;
	struct wfad_dagfile_job *j = &c->jobs[id];
	if (category) {
		if (!(j->category = wfad_arena_strndup(c->arena, value.s, value.len)))
			return oom(c);
	} else if (tok_is(kw, "RETRY")) {
		j->retry = n;
	} else {
		j->priority = n;
	}
	return WFAD_OK;
}

/* PARENT p1 p2 ... CHILD c1 c2 ... */
static enum wfad_status parse_parent(struct dag_ctx *c, const char *line, size_t len, size_t pos,
				     const struct tok *kw)
{
	enum wfad_status st = WFAD_OK;
	struct tok t;
	size_t n_par = 0, n_child = 0;
	bool seen_child = false;
	uint32_t *par = NULL;
	size_t cap_par = 0;
	size_t first_edge = c->n_edges;
	while (next_tok(line, len, &pos, &t)) {
		if (!seen_child && tok_is(&t, "CHILD")) {
			seen_child = true;
			if (n_par == 0) {
				st = wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line,
						    t.column, "PARENT without parent nodes");
				goto cleanup;
			}
			continue;
		}
		uint32_t id;
		if ((st = find_job(c, &t, &id)) != WFAD_OK)
			goto cleanup;
		if (!seen_child) {
			if (n_par == cap_par) {
				size_t cap = cap_par ? cap_par * 2 : 8;
				uint32_t *np = realloc(par, cap * sizeof(*np));
				if (!np) {
					st = oom(c);
					goto cleanup;
				}
				par = np;
				cap_par = cap;
			}
			par[n_par++] = id;
			continue;
		}
		n_child++;
		if (c->n_edges + n_par > WFAD_DAGFILE_MAX_EDGES) {
			st = wfad_error_set(c->err, WFAD_ELIMIT, c->source, c->line, t.column,
					    "more than %u edges", WFAD_DAGFILE_MAX_EDGES);
			goto cleanup;
		}
		while (c->n_edges + n_par > c->cap_edges) {
			size_t cap = c->cap_edges ? c->cap_edges * 2 : 256;
			struct wfad_dagfile_edge *ne = realloc(c->edges, cap * sizeof(*ne));
			if (!ne) {
				st = oom(c);
				goto cleanup;
			}
			c->edges = ne;
			c->cap_edges = cap;
		}
		for (size_t k = 0; k < n_par; k++)
			c->edges[c->n_edges++] = (struct wfad_dagfile_edge){
				.parent = par[k], .child = id, .line = c->line};
	}
	if (!seen_child)
		st = wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line, kw->column,
				    "PARENT line without CHILD");
	else if (n_child == 0)
		st = wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line, kw->column,
				    "CHILD without child nodes");
cleanup:
	if (st != WFAD_OK)
		c->n_edges = first_edge;
	free(par);
	return st;
}

static enum wfad_status parse_line(struct dag_ctx *c, const char *line, size_t len)
{
	size_t pos = 0;
	struct tok kw;
	if (!next_tok(line, len, &pos, &kw) || kw.s[0] == '#')
		return WFAD_OK;
	if (tok_is(&kw, "JOB"))
		return parse_job(c, line, len, pos, false, &kw);
	if (tok_is(&kw, "SUBDAG")) {
		struct tok ext;
		if (!next_tok(line, len, &pos, &ext) || !tok_is(&ext, "EXTERNAL"))
			return wfad_error_set(c->err, WFAD_EPARSE, c->source, c->line, kw.column,
					      "SUBDAG must be followed by EXTERNAL");
		return parse_job(c, line, len, pos, true, &kw);
	}
	if (tok_is(&kw, "SCRIPT"))
		return parse_script(c, line, len, pos, &kw);
	if (tok_is(&kw, "RETRY") || tok_is(&kw, "PRIORITY") || tok_is(&kw, "CATEGORY"))
		return parse_node_value(c, line, len, pos, &kw);
	if (tok_is(&kw, "PARENT"))
		return parse_parent(c, line, len, pos, &kw);
	return WFAD_OK; /* VARS, MAXJOBS, CONFIG, DOT, FINAL, SPLICE, ...: not needed */
}

enum wfad_status wfad_pegasus_parse_dagfile(const char *buf, size_t len, const char *source,
					    struct wfad_arena *arena, struct wfad_dagfile *out,
					    struct wfad_error *err)
{
	enum wfad_status st = WFAD_OK;
	struct dag_ctx c = {.source = source, .arena = arena, .err = err};
	wfad_strings_init(&c.ids, arena);
	size_t pos = 0;
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		c.line++;
		const char *nul = memchr(buf + pos, '\0', end - pos);
		if (nul) {
			st = wfad_error_set(err, WFAD_EPARSE, source, c.line,
					    (long)(nul - (buf + pos)) + 1, "NUL byte in line");
			goto cleanup;
		}
		if ((st = parse_line(&c, buf + pos, end - pos)) != WFAD_OK)
			goto cleanup;
		pos = end + 1;
	}
	c.line = 0;
	struct wfad_dagfile_job *jobs =
		wfad_arena_alloc(arena, (c.n_jobs ? c.n_jobs : 1) * sizeof(*jobs));
	struct wfad_dagfile_edge *edges =
		wfad_arena_alloc(arena, (c.n_edges ? c.n_edges : 1) * sizeof(*edges));
	if (!jobs || !edges) {
		st = oom(&c);
		goto cleanup;
	}
	if (c.n_jobs)
		memcpy(jobs, c.jobs, c.n_jobs * sizeof(*jobs));
	if (c.n_edges)
		memcpy(edges, c.edges, c.n_edges * sizeof(*edges));
	out->jobs = jobs;
	out->n_jobs = c.n_jobs;
	out->edges = edges;
	out->n_edges = c.n_edges;
cleanup:
	free(c.jobs);
	free(c.edges);
	wfad_strings_free(&c.ids);
	return st;
}

bool wfad_pegasus_plan_args(const char *pre_script, struct wfad_arena *arena,
			    struct wfad_pegasus_plan_args *out)
{
	if (!pre_script)
		return false;
	size_t len = strlen(pre_script), pos = 0;
	struct tok t, v;
	struct tok dir = {0}, rel_submit = {0}, rel = {0}, base = {0};
	while (next_tok(pre_script, len, &pos, &t)) {
		struct tok *slot = NULL;
		if (tok_is(&t, "--dir"))
			slot = &dir;
		else if (tok_is(&t, "--relative-submit-dir"))
			slot = &rel_submit;
		else if (tok_is(&t, "--relative-dir"))
			slot = &rel;
		else if (tok_is(&t, "--basename"))
			slot = &base;
		if (slot && next_tok(pre_script, len, &pos, &v))
			*slot = v;
	}
	const struct tok *r = rel_submit.s ? &rel_submit : &rel;
	if (!r->s)
		return false;
	struct wfad_pegasus_plan_args a = {0};
	a.relative_submit_dir = wfad_arena_strndup(arena, r->s, r->len);
	if (dir.s)
		a.dir = wfad_arena_strndup(arena, dir.s, dir.len);
	if (base.s)
		a.basename = wfad_arena_strndup(arena, base.s, base.len);
	if (!a.relative_submit_dir || (dir.s && !a.dir) || (base.s && !a.basename))
		return false;
	*out = a;
	return true;
}
