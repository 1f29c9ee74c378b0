/* iforest detector: isolation forest (Liu, Ting and Zhou 2008; TKDD 2012). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/detect.h"

#include "iforest.h"
#include "row_dedup.h"
#include "row_threads.h"

#define IFOREST_MAGIC 0x46494657u /* "WFIF" little-endian */
#define IFOREST_VERSION 1u
#define IFOREST_DEFAULT_TREES 100
#define IFOREST_DEFAULT_SAMPLE 256
#define IFOREST_MAX_TREES (1 << 20)
#define IFOREST_MAX_COLS ((uint64_t)1 << 24)
#define IFOREST_MAX_NODES ((uint64_t)1 << 30) /* per tree, in a loaded model */
/* Euler-Mascheroni constant, to the precision the paper's H(i) = ln(i) + 0.5772156649 uses. */
#define EULER_GAMMA 0.5772156649
/* Rows walking one tree together: enough independent loads in flight to hide their latency,
 * few enough that the block's state stays in registers and L1. */
#define SCORE_BLOCK 16
#define SCORE_MIN_ROWS_PER_THREAD 512

/* One node of a tree; each tree is a flat array of them. An internal node sends a row to
 * child (x[feature] < split) or child + 1 (otherwise). A leaf is its own child with split NaN
 * (x >= NaN is false), so a row that reaches it stays there: every row takes the same number
 * of steps, branch-free, a block of rows in lockstep. 12 bytes, so the <= 511 nodes of a
 * 256-sample tree take 6 KB and the default forest stays in L2. */
struct iforest_node {
	float split;
	uint32_t feature;
	uint32_t child;
};

struct iforest {
	struct wfad_detector base;
	uint64_t seed;
	unsigned threads;
	size_t n_trees_req, sample_req;
	bool fitted;
	size_t d, psi, n_trees;
	double c_psi;     /* c(psi): the score's normaliser */
	size_t steps;     /* depth of the deepest leaf: steps that take every row to its leaf */
	size_t *node_off; /* n_trees + 1: tree t is nodes[node_off[t], node_off[t + 1]) */
	struct iforest_node *nodes;
	double *path; /* per node; at a leaf h = e + c(size): its depth plus the expected path
		       * length of the unbuilt subtree over its training rows; 0 elsewhere */
};

WFAD_DETECTOR_REGISTER(iforest);

double wfad_iforest_c(size_t n)
{
	if (n <= 1)
		return 0.0;
	if (n == 2)
		return 1.0;
	double nm1 = (double)(n - 1);
	return 2.0 * (log(nm1) + EULER_GAMMA) - 2.0 * nm1 / (double)n;
}

static enum wfad_status iforest_create(const struct wfad_detector_params *p,
				       struct wfad_detector **out)
{
	if (p && (p->n_trees < 0 || p->n_trees > IFOREST_MAX_TREES || p->sample_size < 0))
		return WFAD_EINVAL;
	struct iforest *m = calloc(1, sizeof(*m));
	if (!m)
		return WFAD_ENOMEM;
	m->base.ops = &wfad_detector_iforest;
	m->seed = p ? p->seed : 0;
	m->threads = p ? p->threads : 0;
	m->n_trees_req = p && p->n_trees > 0 ? (size_t)p->n_trees : IFOREST_DEFAULT_TREES;
	m->sample_req = p && p->sample_size > 0 ? (size_t)p->sample_size : IFOREST_DEFAULT_SAMPLE;
	*out = &m->base;
	return WFAD_OK;
}

static void iforest_reset(struct iforest *m)
{
	free(m->node_off);
	free(m->nodes);
	free(m->path);
	m->node_off = NULL;
	m->nodes = NULL;
	m->path = NULL;
	m->fitted = false;
	m->d = m->psi = m->n_trees = m->steps = 0;
}

/* ---- fit ---- */

/* Per-worker scratch for growing one tree at a time. */
struct grow_scratch {
	uint32_t *slots; /* Floyd sampling hash set: row + 1, 0 = empty; slot_cap entries */
	size_t slot_cap;
	uint32_t *rows; /* psi sampled row indices, partitioned in place while growing */
	float *lo, *hi; /* d: a node's per-feature range */
	uint32_t *cand; /* d: the node's non-constant features */
};

struct grow_job {
	const struct iforest *m;
	const float *x; /* training rows, n x d */
	size_t n;
	size_t max_nodes;             /* node slots per tree */
	uint64_t *seeds;              /* n_trees */
	struct iforest_node *nodes;   /* n_trees x max_nodes (compacted after) */
	double *path;                 /* n_trees x max_nodes */
	size_t *n_nodes, *depth;      /* n_trees: nodes used, deepest leaf */
	struct grow_scratch *scratch; /* one per worker */
};

/* Draws psi distinct rows of [0, n) (Floyd's algorithm: psi draws, no n-sized array). */
static void sample_rows(struct wfad_rng *rng, size_t n, size_t psi, struct grow_scratch *s)
{
	memset(s->slots, 0, s->slot_cap * sizeof(*s->slots));
	size_t mask = s->slot_cap - 1, got = 0;
	for (size_t j = n - psi; j < n; j++) {
		uint32_t t = (uint32_t)wfad_rng_below(rng, j + 1);
		for (int pass = 0; pass < 2; pass++) {
			/* First try t; if already drawn, insert j (which cannot be). */
			uint32_t v = pass == 0 ? t : (uint32_t)j;
			size_t h = ((size_t)v * 0x9e3779b97f4a7c15ull >> 17) & mask;
			bool dup = false;
			while (s->slots[h]) {
				if (s->slots[h] == v + 1) {
					dup = true;
					break;
				}
				h = (h + 1) & mask;
			}
			if (dup)
				continue;
			s->slots[h] = v + 1;
			s->rows[got++] = v;
			break;
		}
	}
}

struct grower {
	const float *x;
	size_t d, height_limit;
	struct wfad_rng *rng;
	struct grow_scratch *s;
	struct iforest_node *nodes;
	double *path;
	size_t n_nodes, max_depth;
};

static void make_leaf(struct grower *g, size_t at, size_t depth, size_t size)
{
	g->nodes[at] = (struct iforest_node){NAN, 0, (uint32_t)at};
	g->path[at] = (double)depth + wfad_iforest_c(size);
	g->max_depth = depth > g->max_depth ? depth : g->max_depth;
}

/* Grows the subtree of rows[begin, end) at node slot `at` (its children get two adjacent
 * slots). Shapes: x [n][d]; rows index into it. */
static void grow_node(struct grower *g, size_t at, size_t begin, size_t end, size_t depth)
{
	size_t size = end - begin, d = g->d;
	if (depth >= g->height_limit || size <= 1) {
		make_leaf(g, at, depth, size);
		return;
	}
	struct grow_scratch *s = g->s;
	const float *first = g->x + (size_t)s->rows[begin] * d;
	memcpy(s->lo, first, d * sizeof(float));
	memcpy(s->hi, first, d * sizeof(float));
	for (size_t i = begin + 1; i < end; i++) {
		const float *r = g->x + (size_t)s->rows[i] * d;
		for (size_t j = 0; j < d; j++) {
			s->lo[j] = r[j] < s->lo[j] ? r[j] : s->lo[j];
			s->hi[j] = r[j] > s->hi[j] ? r[j] : s->hi[j];
		}
	}
	size_t n_cand = 0;
	for (size_t j = 0; j < d; j++)
		if (s->hi[j] > s->lo[j])
			s->cand[n_cand++] = (uint32_t)j;
	if (n_cand == 0) { /* identical rows cannot be isolated further */
		make_leaf(g, at, depth, size);
		return;
	}
	uint32_t q = s->cand[wfad_rng_below(g->rng, n_cand)];
	float lo = s->lo[q], hi = s->hi[q];
	double p = (double)lo + wfad_rng_uniform(g->rng) * ((double)hi - (double)lo);
	/* Rounded to float, the split must stay in (lo, hi] so both sides get a row. */
	float split = (float)p;
	if (split <= lo)
		split = nextafterf(lo, INFINITY);
	if (split > hi)
		split = hi;
	size_t mid = begin;
	for (size_t i = begin; i < end; i++) {
		if (g->x[(size_t)s->rows[i] * d + q] < split) {
			uint32_t t = s->rows[i];
			s->rows[i] = s->rows[mid];
			s->rows[mid++] = t;
		}
	}
	size_t child = g->n_nodes;
	g->n_nodes += 2;
	g->nodes[at] = (struct iforest_node){split, q, (uint32_t)child};
	g->path[at] = 0.0;
	grow_node(g, child, begin, mid, depth + 1);
	grow_node(g, child + 1, mid, end, depth + 1);
}

static void grow_trees(void *ctx, size_t worker, size_t begin, size_t end)
{
	struct grow_job *job = ctx;
	const struct iforest *m = job->m;
	struct grow_scratch *s = &job->scratch[worker];
	for (size_t t = begin; t < end; t++) {
		struct wfad_rng rng;
		wfad_rng_seed(&rng, job->seeds[t]);
		sample_rows(&rng, job->n, m->psi, s);
		struct grower g = {
			.x = job->x,
			.d = m->d,
			.height_limit = (size_t)ceil(log2((double)m->psi)),
			.rng = &rng,
			.s = s,
			.nodes = job->nodes + t * job->max_nodes,
			.path = job->path + t * job->max_nodes,
			.n_nodes = 1,
		};
		grow_node(&g, 0, 0, m->psi, 0);
		job->n_nodes[t] = g.n_nodes;
		job->depth[t] = g.max_depth;
	}
}

static enum wfad_status iforest_fit(struct wfad_detector *det, const struct wfad_jobset *train,
				    const struct wfad_jobset *valid, struct wfad_error *err)
{
	struct iforest *m = (struct iforest *)det;
	iforest_reset(m);
	size_t n = train->n, d = train->d;
	if (n < 2 || d == 0)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "iforest: needs at least 2 training rows and 1 column (got "
				      "%zu x %zu)",
				      n, d);
	if (n > UINT32_MAX - 1 || d > IFOREST_MAX_COLS)
		return wfad_error_set(err, WFAD_ELIMIT, "", 0, 0,
				      "iforest: %zu x %zu training rows is too large", n, d);
	if (m->sample_req < 2)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "iforest: sample size must be at least 2");
	enum wfad_status st = WFAD_OK;
	m->d = d;
	m->psi = m->sample_req < n ? m->sample_req : n;
	m->n_trees = m->n_trees_req;
	m->c_psi = wfad_iforest_c(m->psi);
	/* Every leaf holds a sampled row, so a tree has at most 2 psi - 1 nodes. */
	size_t max_nodes = 2 * m->psi - 1;
	size_t workers = wfad_row_threads_count(m->threads, m->n_trees, 4);
	struct grow_job job = {
		.m = m,
		.x = train->x,
		.n = n,
		.max_nodes = max_nodes,
		.seeds = malloc(m->n_trees * sizeof(uint64_t)),
		.nodes = malloc(m->n_trees * max_nodes * sizeof(struct iforest_node)),
		.path = malloc(m->n_trees * max_nodes * sizeof(double)),
		.n_nodes = malloc(m->n_trees * sizeof(size_t)),
		.depth = malloc(m->n_trees * sizeof(size_t)),
		.scratch = calloc(workers, sizeof(struct grow_scratch)),
	};
	m->node_off = malloc((m->n_trees + 1) * sizeof(size_t));
	bool ok = job.seeds && job.nodes && job.path && job.n_nodes && job.depth && job.scratch &&
		  m->node_off;
	size_t slot_cap = 16;
	while (slot_cap < 2 * m->psi)
		slot_cap *= 2;
	for (size_t w = 0; ok && w < workers; w++) {
		struct grow_scratch *s = &job.scratch[w];
		s->slot_cap = slot_cap;
		s->slots = malloc(slot_cap * sizeof(uint32_t));
		s->rows = malloc(m->psi * sizeof(uint32_t));
		s->lo = malloc(d * sizeof(float));
		s->hi = malloc(d * sizeof(float));
		s->cand = malloc(d * sizeof(uint32_t));
		ok = s->slots && s->rows && s->lo && s->hi && s->cand;
	}
	if (!ok) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "iforest: out of memory");
		goto cleanup;
	}
	/* Per-tree seeds come from one stream seeded with the detector's seed, so tree t is the
	 * same whichever worker grows it. */
	struct wfad_rng rng;
	wfad_rng_seed(&rng, m->seed);
	for (size_t t = 0; t < m->n_trees; t++)
		job.seeds[t] = wfad_rng_next(&rng);
	wfad_row_threads_run(workers, m->n_trees, grow_trees, &job);
	/* Compact the trees (in place: every tree moves down or stays). */
	m->node_off[0] = 0;
	for (size_t t = 0; t < m->n_trees; t++) {
		memmove(job.nodes + m->node_off[t], job.nodes + t * max_nodes,
			job.n_nodes[t] * sizeof(struct iforest_node));
		memmove(job.path + m->node_off[t], job.path + t * max_nodes,
			job.n_nodes[t] * sizeof(double));
		m->node_off[t + 1] = m->node_off[t] + job.n_nodes[t];
		m->steps = job.depth[t] > m->steps ? job.depth[t] : m->steps;
	}
	m->nodes = realloc(job.nodes, m->node_off[m->n_trees] * sizeof(struct iforest_node));
	m->path = realloc(job.path, m->node_off[m->n_trees] * sizeof(double));
	if (!m->nodes) /* shrinking cannot really fail; keep the larger block if it does */
		m->nodes = job.nodes;
	if (!m->path)
		m->path = job.path;
	job.nodes = NULL;
	job.path = NULL;
	m->fitted = true;
cleanup:
	for (size_t w = 0; job.scratch && w < workers; w++) {
		free(job.scratch[w].slots);
		free(job.scratch[w].rows);
		free(job.scratch[w].lo);
		free(job.scratch[w].hi);
		free(job.scratch[w].cand);
	}
	free(job.scratch);
	free(job.seeds);
	free(job.nodes);
	free(job.path);
	free(job.n_nodes);
	free(job.depth);
	if (st != WFAD_OK)
		iforest_reset(m);
	return st;
}

/* ---- score ---- */

struct score_job {
	const struct iforest *m;
	const float *x; /* n x d */
	double *out;    /* n */
};

/* score = 2^(-E[h(x)] / c(psi)), E over the trees. A block of rows walks each tree in lockstep
 * for `steps` steps, so their independent loads overlap; each row's path lengths are summed in
 * tree order whatever the blocking, so scores are identical for any thread count.
 * Shapes: x [n][d] -> out [n]. */
static void score_rows(void *ctx, size_t worker, size_t begin, size_t end)
{
	const struct score_job *job = ctx;
	const struct iforest *m = job->m;
	double sum[SCORE_BLOCK];
	uint32_t at[SCORE_BLOCK];
	const float *row[SCORE_BLOCK];
	for (size_t b0 = begin; b0 < end; b0 += SCORE_BLOCK) {
		size_t nb = end - b0 < SCORE_BLOCK ? end - b0 : SCORE_BLOCK;
		for (size_t i = 0; i < nb; i++) {
			sum[i] = 0.0;
			row[i] = job->x + (b0 + i) * m->d;
		}
		for (size_t t = 0; t < m->n_trees; t++) {
			const struct iforest_node *restrict root = m->nodes + m->node_off[t];
			for (size_t i = 0; i < nb; i++)
				at[i] = 0;
			if (nb == SCORE_BLOCK) {
				/* A full block: a constant trip count the compiler can unroll. */
				for (size_t s = 0; s < m->steps; s++) {
					for (size_t i = 0; i < SCORE_BLOCK; i++) {
						const struct iforest_node *nd = root + at[i];
						bool right = row[i][nd->feature] >= nd->split;
						at[i] = nd->child + right;
					}
				}
			} else {
				for (size_t s = 0; s < m->steps; s++) {
					for (size_t i = 0; i < nb; i++) {
						const struct iforest_node *nd = root + at[i];
						bool right = row[i][nd->feature] >= nd->split;
						at[i] = nd->child + right;
					}
				}
			}
			const double *path = m->path + m->node_off[t];
			for (size_t i = 0; i < nb; i++)
				sum[i] += path[at[i]];
		}
		for (size_t i = 0; i < nb; i++)
			job->out[b0 + i] = exp2(-(sum[i] / (double)m->n_trees) / m->c_psi);
	}
}

static enum wfad_status iforest_score(const struct wfad_detector *det, const struct wfad_jobset *js,
				      double *out, struct wfad_error *err)
{
	const struct iforest *m = (const struct iforest *)det;
	if (!m->fitted)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "iforest: not fitted");
	if (js->d != m->d)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "iforest: fitted on %zu feature columns, asked to score %zu",
				      m->d, js->d);
	size_t n = js->n, d = js->d, nu = 0;
	if (n == 0)
		return WFAD_OK;
	if (n > WFAD_ROWS_MAX)
		return wfad_error_set(err, WFAD_ELIMIT, "", 0, 0, "iforest: %zu rows, at most %zu",
				      n, WFAD_ROWS_MAX);
	enum wfad_status st = WFAD_OK;
	uint32_t *group = malloc(n * sizeof(*group));
	uint32_t *first = malloc(n * sizeof(*first));
	float *q = NULL;
	double *uout = NULL;
	if (!group || !first || wfad_rows_dedup(js->x, n, d, group, first, &nu) != WFAD_OK)
		goto nomem;
	/* Identical rows walk the same paths: score each distinct row once (jobs repeat their
	 * delays a lot), then copy. */
	struct score_job job = {m, js->x, out};
	if (nu < n) {
		q = malloc(nu * d * sizeof(float));
		uout = malloc(nu * sizeof(double));
		if (!q || !uout)
			goto nomem;
		for (size_t u = 0; u < nu; u++)
			memcpy(q + u * d, js->x + (size_t)first[u] * d, d * sizeof(float));
		job = (struct score_job){m, q, uout};
	}
	size_t workers = wfad_row_threads_count(m->threads, nu, SCORE_MIN_ROWS_PER_THREAD);
	wfad_row_threads_run(workers, nu, score_rows, &job);
	if (nu < n)
		for (size_t i = 0; i < n; i++)
			out[i] = uout[group[i]];
	goto cleanup;
nomem:
	st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "iforest: out of memory");
cleanup:
	free(group);
	free(first);
	free(q);
	free(uout);
	return st;
}

/* ---- save / load ---- */

static enum wfad_status iforest_save(const struct wfad_detector *det, FILE *f)
{
	const struct iforest *m = (const struct iforest *)det;
	WFAD_ASSERT(m->fitted);
	if (!wfad_io_write_u32(f, IFOREST_MAGIC) || !wfad_io_write_u32(f, IFOREST_VERSION) ||
	    !wfad_io_write_u64(f, m->seed) || !wfad_io_write_u64(f, m->d) ||
	    !wfad_io_write_u64(f, m->psi) || !wfad_io_write_u64(f, m->n_trees))
		return WFAD_EIO;
	for (size_t t = 0; t < m->n_trees; t++) {
		size_t nn = m->node_off[t + 1] - m->node_off[t];
		if (!wfad_io_write_u32(f, (uint32_t)nn))
			return WFAD_EIO;
		for (size_t i = m->node_off[t]; i < m->node_off[t + 1]; i++) {
			const struct iforest_node *nd = &m->nodes[i];
			if (!wfad_io_write_f32s(f, &nd->split, 1) ||
			    !wfad_io_write_u32(f, nd->feature) ||
			    !wfad_io_write_u32(f, nd->child) || !wfad_io_write_f64(f, m->path[i]))
				return WFAD_EIO;
		}
	}
	return WFAD_OK;
}

/* A loaded tree must be one the lockstep walk handles: internal nodes with a finite split, a
 * feature < d and children after them inside the tree; leaves (NaN split) their own child with
 * feature 0 and a finite path length >= 0. Writes the depth of the deepest node to *depth
 * (children come after parents, so one forward pass finds every node's longest path); the
 * walk needs that many steps. scratch holds nn entries. */
static bool tree_valid(const struct iforest_node *nodes, const double *path, size_t nn, size_t d,
		       uint32_t *scratch, size_t *depth)
{
	memset(scratch, 0, nn * sizeof(*scratch));
	size_t deepest = 0;
	for (size_t i = 0; i < nn; i++) {
		const struct iforest_node *nd = &nodes[i];
		if (isnan(nd->split)) {
			if (nd->child != i || nd->feature != 0 || !(path[i] >= 0.0) ||
			    !isfinite(path[i]))
				return false;
			deepest = scratch[i] > deepest ? scratch[i] : deepest;
			continue;
		}
		if (nd->feature >= d || nd->child <= i || (size_t)nd->child + 1 >= nn ||
		    !isfinite(nd->split))
			return false;
		for (uint32_t c = nd->child; c <= nd->child + 1; c++)
			scratch[c] = scratch[c] > scratch[i] + 1 ? scratch[c] : scratch[i] + 1;
	}
	*depth = deepest;
	return true;
}

static enum wfad_status iforest_load(const struct wfad_detector_params *p, FILE *f,
				     struct wfad_detector **out, struct wfad_error *err)
{
	enum wfad_status st = WFAD_OK;
	struct wfad_detector *det = NULL;
	uint32_t *scratch = NULL;
	uint32_t magic, version;
	uint64_t seed, d, psi, n_trees;
	if (!wfad_io_read_u32(f, &magic) || !wfad_io_read_u32(f, &version))
		goto truncated;
	if (magic != IFOREST_MAGIC) {
		st = wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
				    "not an iforest model (bad magic)");
		goto cleanup;
	}
	if (version != IFOREST_VERSION) {
		st = wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
				    "iforest model version %u is not supported", version);
		goto cleanup;
	}
	if (!wfad_io_read_u64(f, &seed) || !wfad_io_read_u64(f, &d) || !wfad_io_read_u64(f, &psi) ||
	    !wfad_io_read_u64(f, &n_trees))
		goto truncated;
	if (d == 0 || psi < 2 || n_trees == 0) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				    "iforest model with %llu columns, sample %llu, %llu trees",
				    (unsigned long long)d, (unsigned long long)psi,
				    (unsigned long long)n_trees);
		goto cleanup;
	}
	if (d > IFOREST_MAX_COLS || psi > UINT32_MAX || n_trees > IFOREST_MAX_TREES) {
		st = wfad_error_set(err, WFAD_ELIMIT, "", 0, 0, "iforest model too large");
		goto cleanup;
	}
	struct wfad_detector_params q = p ? *p : (struct wfad_detector_params){0};
	q.n_trees = (int)n_trees;
	q.sample_size = (int)psi;
	q.seed = seed;
	if ((st = iforest_create(&q, &det)) != WFAD_OK) {
		st = wfad_error_set(err, st, "", 0, 0, "iforest: cannot create the detector");
		goto cleanup;
	}
	struct iforest *m = (struct iforest *)det;
	m->d = (size_t)d;
	m->psi = (size_t)psi;
	m->n_trees = (size_t)n_trees;
	m->c_psi = wfad_iforest_c(m->psi);
	m->node_off = calloc(m->n_trees + 1, sizeof(size_t));
	if (!m->node_off)
		goto nomem;
	/* Trees are read one by one into arrays grown as needed, so a lying header cannot make
	 * us allocate much more than the blob holds. */
	size_t cap = 0;
	for (size_t t = 0; t < m->n_trees; t++) {
		uint32_t nn;
		if (!wfad_io_read_u32(f, &nn))
			goto truncated;
		if (nn == 0 || nn > IFOREST_MAX_NODES) {
			st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
					    "iforest model: tree %zu has %u nodes", t, nn);
			goto cleanup;
		}
		size_t no = m->node_off[t];
		if (no + nn > cap) {
			size_t grown_cap = (no + nn) * 2;
			struct iforest_node *nodes = realloc(m->nodes, grown_cap * sizeof(*nodes));
			if (nodes)
				m->nodes = nodes;
			double *path = realloc(m->path, grown_cap * sizeof(*path));
			if (path)
				m->path = path;
			uint32_t *sc = realloc(scratch, grown_cap * sizeof(*sc));
			if (sc)
				scratch = sc;
			if (!nodes || !path || !sc)
				goto nomem;
			cap = grown_cap;
		}
		for (size_t i = no; i < no + nn; i++) {
			struct iforest_node *nd = &m->nodes[i];
			if (!wfad_io_read_f32s(f, &nd->split, 1) ||
			    !wfad_io_read_u32(f, &nd->feature) ||
			    !wfad_io_read_u32(f, &nd->child) || !wfad_io_read_f64(f, &m->path[i]))
				goto truncated;
		}
		size_t depth;
		if (!tree_valid(m->nodes + no, m->path + no, nn, m->d, scratch, &depth)) {
			st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
					    "iforest model: tree %zu is malformed", t);
			goto cleanup;
		}
		m->steps = depth > m->steps ? depth : m->steps;
		m->node_off[t + 1] = no + nn;
	}
	m->fitted = true;
	*out = det;
	det = NULL;
	goto cleanup;
nomem:
	st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "iforest: out of memory");
	goto cleanup;
truncated:
	st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated iforest model");
cleanup:
	free(scratch);
	if (det)
		wfad_detector_iforest.destroy(det);
	return st;
}

static void iforest_destroy(struct wfad_detector *det)
{
	if (!det)
		return;
	iforest_reset((struct iforest *)det);
	free(det);
}

const struct wfad_detector_ops wfad_detector_iforest = {
	.name = "iforest",
	.summary = "isolation forest (100 trees of 256 sampled jobs; Liu et al.)",
	.flags = 0,
	.create = iforest_create,
	.fit = iforest_fit,
	.score = iforest_score,
	.save = iforest_save,
	.load = iforest_load,
	.destroy = iforest_destroy,
};
