/* Exact k-nearest-neighbour search for knn and lof: row dedup, k-d tree, pruned queries. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/detect.h"

#include "neighbors.h"
#include "row_dedup.h"
#include "row_threads.h"

/* Rows per leaf: small enough that boxes prune well, large enough to amortise the box tests. */
#define LEAF_ROWS 32
/* Rows sampled per node to pick the column to cut. */
#define VAR_SAMPLE 256
/* Nodes cut between distinct values down to this depth, then at the median rank. */
#define VALUE_SPLIT_DEPTH 64
/* Traversal stack: the tree is at most VALUE_SPLIT_DEPTH + 33 levels deep (below that depth
 * every cut halves the node), and the depth-first search keeps at most one pending sibling
 * per level. */
#define STACK_DEPTH 128
/* Loaded indexes: at most 2^32 floats of rows, 2^20 columns. */
#define LOAD_MAX_CELLS ((uint64_t)1 << 32)
#define LOAD_MAX_COLS ((uint64_t)1 << 20)

/* ---- tree construction ---- */

/* The tree is built on ix->trow itself: partitions move whole rows (and their ids in ix->tid),
 * so every pass over a node reads contiguous memory and the rows end in tree order. */

struct key {
	float v;     /* the row's value in the column being cut */
	uint32_t id; /* its unique id: ties broken by it make the order total */
};

struct builder {
	struct wfad_nbr_index *ix;
	struct key *keys; /* n: scratch for the median */
	size_t cap;       /* node slots allocated in ix->nodes and ix->box */
	bool nomem;
};

static bool key_before(struct key a, struct key b)
{
	return a.v < b.v || (a.v == b.v && a.id < b.id);
}

static void swap_keys(struct key *a, struct key *b)
{
	struct key t = *a;
	*a = *b;
	*b = t;
}

/* Reorders k[lo, hi) so that k[nth] holds the element of that rank, smaller ones before it
 * (quickselect, median-of-three pivot). The order is total, so the element found does not
 * depend on the input order. */
static void select_nth(struct key *k, size_t lo, size_t hi, size_t nth)
{
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2, last = hi - 1;
		if (key_before(k[mid], k[lo]))
			swap_keys(&k[mid], &k[lo]);
		if (key_before(k[last], k[lo]))
			swap_keys(&k[last], &k[lo]);
		if (key_before(k[mid], k[last]))
			swap_keys(&k[mid], &k[last]);
		struct key pivot = k[last]; /* median of the three */
		size_t store = lo;
		for (size_t i = lo; i < last; i++)
			if (key_before(k[i], pivot))
				swap_keys(&k[i], &k[store++]);
		swap_keys(&k[store], &k[last]);
		if (nth == store)
			return;
		if (nth < store)
			hi = store;
		else
			lo = store + 1;
	}
}

static void swap_rows(struct wfad_nbr_index *ix, size_t a, size_t b)
{
	double *ra = ix->trow + a * ix->d, *rb = ix->trow + b * ix->d;
	for (size_t j = 0; j < ix->d; j++) {
		double t = ra[j];
		ra[j] = rb[j];
		rb[j] = t;
	}
	uint32_t t = ix->tid[a];
	ix->tid[a] = ix->tid[b];
	ix->tid[b] = t;
}

/* Sorts rows [begin, end) and returns where the right child starts. From depth
 * VALUE_SPLIT_DEPTH on, the cut is at the median rank under (value, id), which halves every
 * node and so bounds the depth. Above it the rows are split three ways around the median
 * value v (< v, == v, > v) and the cut goes between distinct values at whichever side of the
 * block of v is nearer the middle: the children's boxes then do not overlap in dim even when
 * many rows share a value (Flow-Bench delays: most jobs share a few values). */
static size_t cut_rows(struct builder *b, size_t begin, size_t end, size_t dim, size_t depth)
{
	struct wfad_nbr_index *ix = b->ix;
	size_t d = ix->d, half = begin + (end - begin) / 2;
	struct key *k = b->keys;
	for (size_t i = begin; i < end; i++)
		k[i] = (struct key){(float)ix->trow[i * d + dim], ix->tid[i]};
	select_nth(k, begin, end, half);
	struct key median = k[half];
	if (depth >= VALUE_SPLIT_DEPTH) {
		size_t store = begin;
		for (size_t i = begin; i < end; i++) {
			struct key ki = {(float)ix->trow[i * d + dim], ix->tid[i]};
			if (key_before(ki, median))
				swap_rows(ix, i, store++);
		}
		return store;
	}
	size_t lt = begin, i = begin, gt = end;
	while (i < gt) {
		double v = ix->trow[i * d + dim];
		if (v < median.v)
			swap_rows(ix, lt++, i++);
		else if (v > median.v)
			swap_rows(ix, i, --gt);
		else
			i++;
	}
	/* The column is not constant here, so at least one cut leaves both sides non-empty. */
	bool lt_ok = lt > begin, gt_ok = gt < end;
	size_t dlt = lt > half ? lt - half : half - lt, dgt = gt > half ? gt - half : half - gt;
	return lt_ok && (!gt_ok || dlt <= dgt) ? lt : gt;
}

static size_t new_node(struct builder *b)
{
	struct wfad_nbr_index *ix = b->ix;
	if (ix->n_nodes == b->cap) {
		size_t cap = b->cap ? 2 * b->cap : 64;
		struct wfad_nbr_node *nodes = realloc(ix->nodes, cap * sizeof(*nodes));
		if (nodes)
			ix->nodes = nodes;
		double *box = realloc(ix->box, cap * 2 * ix->d * sizeof(double));
		if (box)
			ix->box = box;
		if (!nodes || !box) {
			b->nomem = true;
			return SIZE_MAX;
		}
		b->cap = cap;
	}
	return ix->n_nodes++;
}

static uint32_t build_node(struct builder *b, size_t begin, size_t end, size_t depth)
{
	struct wfad_nbr_index *ix = b->ix;
	size_t d = ix->d, me = new_node(b);
	if (me == SIZE_MAX)
		return 0;
	ix->nodes[me] = (struct wfad_nbr_node){(uint32_t)begin, (uint32_t)end, 0, 0};
	double *restrict lo = ix->box + me * 2 * d, *restrict hi = lo + d;
	const double *restrict trow = ix->trow;
	memcpy(lo, trow + begin * d, d * sizeof(double));
	memcpy(hi, trow + begin * d, d * sizeof(double));
	for (size_t i = begin + 1; i < end; i++) {
		const double *r = trow + i * d;
		for (size_t j = 0; j < d; j++) {
			lo[j] = r[j] < lo[j] ? r[j] : lo[j];
			hi[j] = r[j] > hi[j] ? r[j] : hi[j];
		}
	}
	if (end - begin <= LEAF_ROWS)
		return (uint32_t)me;
	/* Cut the column of largest variance: on skewed columns the range is set by a few far
	 * rows, the variance by where the rows are. Estimated (two passes: mean, then squared
	 * deviations) on at most about VAR_SAMPLE evenly spaced rows, so building stays
	 * O(n log n). */
	size_t dim = 0, step = (end - begin) / VAR_SAMPLE + 1;
	double widest = -1.0;
	for (size_t j = 0; j < d; j++) {
		if (!(hi[j] > lo[j]))
			continue;
		double sum = 0.0, seen = 0.0, m2 = 0.0;
		for (size_t i = begin; i < end; i += step) {
			sum += trow[i * d + j];
			seen += 1.0;
		}
		double mean = sum / seen;
		for (size_t i = begin; i < end; i += step)
			m2 += (trow[i * d + j] - mean) * (trow[i * d + j] - mean);
		if (m2 > widest) {
			widest = m2;
			dim = j;
		}
	}
	if (widest < 0.0)
		return (uint32_t)me; /* unreachable for distinct rows; keeps a leaf well formed */
	size_t cut = cut_rows(b, begin, end, dim, depth);
	uint32_t left = build_node(b, begin, cut, depth + 1);
	uint32_t right = build_node(b, cut, end, depth + 1);
	if (!b->nomem) {
		ix->nodes[me].left = left;
		ix->nodes[me].right = right;
	}
	return (uint32_t)me;
}

enum wfad_status wfad_nbr_adopt(struct wfad_nbr_index *ix, float *rows, uint32_t *count, size_t n,
				size_t d, struct wfad_error *err)
{
	WFAD_ASSERT(n >= 1 && d >= 1 && n <= WFAD_NBR_MAX_ROWS);
	enum wfad_status st = WFAD_OK;
	struct wfad_nbr_index t = {.n = n, .d = d, .rows = rows, .count = count};
	struct builder b = {&t, malloc(n * sizeof(struct key)), 0, false};
	t.trow = malloc(n * d * sizeof(double));
	t.tid = malloc(n * sizeof(uint32_t));
	if (!b.keys || !t.trow || !t.tid) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory for the k-d tree");
		goto cleanup;
	}
	for (size_t i = 0; i < n * d; i++)
		t.trow[i] = rows[i];
	for (size_t i = 0; i < n; i++) {
		t.tid[i] = (uint32_t)i;
		t.total += count[i];
	}
	build_node(&b, 0, n, 0);
	if (b.nomem) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory for the k-d tree");
		goto cleanup;
	}
	free(b.keys);
	*ix = t;
	return WFAD_OK;
cleanup:
	free(b.keys);
	wfad_nbr_free(&t);
	return st;
}

enum wfad_status wfad_nbr_build(struct wfad_nbr_index *ix, const float *x, size_t n, size_t d,
				struct wfad_error *err)
{
	WFAD_ASSERT(n >= 1 && d >= 1);
	if (n > WFAD_NBR_MAX_ROWS)
		return wfad_error_set(err, WFAD_ELIMIT, "", 0, 0,
				      "%zu training rows: at most %zu are supported", n,
				      WFAD_NBR_MAX_ROWS);
	enum wfad_status st = WFAD_OK;
	float *rows = NULL;
	uint32_t *count = NULL;
	uint32_t *group = malloc(n * sizeof(*group));
	uint32_t *first = malloc(n * sizeof(*first));
	size_t u = 0;
	if (!group || !first || wfad_rows_dedup(x, n, d, group, first, &u) != WFAD_OK)
		goto nomem;
	rows = malloc(u * d * sizeof(float));
	count = calloc(u, sizeof(*count));
	if (!rows || !count)
		goto nomem;
	for (size_t i = 0; i < u; i++)
		memcpy(rows + i * d, x + (size_t)first[i] * d, d * sizeof(float));
	for (size_t i = 0; i < n; i++)
		count[group[i]]++;
	st = wfad_nbr_adopt(ix, rows, count, u, d, err);
	rows = NULL; /* adopted (or freed) */
	count = NULL;
	goto cleanup;
nomem:
	st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
cleanup:
	free(group);
	free(first);
	free(rows);
	free(count);
	return st;
}

void wfad_nbr_free(struct wfad_nbr_index *ix)
{
	free(ix->rows);
	free(ix->count);
	free(ix->nodes);
	free(ix->box);
	free(ix->trow);
	free(ix->tid);
	memset(ix, 0, sizeof(*ix));
}

/* ---- queries ---- */

/* Squared distance of q to x over columns 0..d-1, stopping early once it exceeds limit (the
 * partial sum is then returned; it only grows, so the row cannot qualify). x holds the float
 * values widened to double, so this is bitwise the distance to the float row.
 * Shapes: q [d], x [d]. */
static inline double dist2_bounded(const float *restrict q, const double *restrict x, size_t d,
				   double limit)
{
	double acc = 0.0;
	size_t j = 0;
	/* The exit test every 8 columns: short rows are summed without branches. */
	for (; j + 8 <= d; j += 8) {
		for (size_t t = j; t < j + 8; t++) {
			double diff = (double)q[t] - x[t];
			acc += diff * diff;
		}
		if (acc > limit)
			return acc;
	}
	for (; j < d; j++) {
		double diff = (double)q[j] - x[j];
		acc += diff * diff;
	}
	return acc;
}

double wfad_nbr_dist2(const float *restrict q, const float *restrict x, size_t d)
{
	double acc = 0.0;
	for (size_t j = 0; j < d; j++) {
		double diff = (double)q[j] - (double)x[j];
		acc += diff * diff;
	}
	return acc;
}

/* Lower bound of dist2_bounded over any row inside the box [lo, hi]: per column the gap to the
 * box is at most the gap to the row, and rounding is monotonic, so term by term and sum by sum
 * the bound never exceeds the row's computed distance. Shapes: q, lo, hi [d]. */
static inline double box_dist2(const float *restrict q, const double *restrict lo,
			       const double *restrict hi, size_t d)
{
	double acc = 0.0;
	for (size_t j = 0; j < d; j++) {
		double qj = q[j], below = lo[j] - qj, above = qj - hi[j];
		double gap = below > above ? below : above; /* at most one is positive */
		gap = gap > 0.0 ? gap : 0.0;
		acc += gap * gap;
	}
	return acc;
}

/* The running neighbour list: hits[0..m) sorted by (dist2, id), take = the row's full count
 * until the end; `taken` sums them. Only the last entry may be partly used. */
struct knn_list {
	struct wfad_nbr_hit *hits;
	size_t m, k, taken;
};

static inline bool list_full(const struct knn_list *l)
{
	return l->taken >= l->k;
}

static inline double list_limit(const struct knn_list *l)
{
	return list_full(l) ? l->hits[l->m - 1].dist2 : INFINITY;
}

static void list_offer(struct knn_list *l, double d2, uint32_t id, uint32_t c)
{
	struct wfad_nbr_hit *h = l->hits;
	if (list_full(l)) {
		const struct wfad_nbr_hit *w = &h[l->m - 1];
		if (d2 > w->dist2 || (d2 == w->dist2 && id > w->id))
			return;
	}
	size_t pos = l->m;
	/* When the list holds k rows, the last one is certainly dropped (the first k then sum to
	 * at least k), so it may fall off the end of the array. */
	if (pos == l->k)
		l->taken -= h[--pos].take;
	while (pos > 0 &&
	       (h[pos - 1].dist2 > d2 || (h[pos - 1].dist2 == d2 && h[pos - 1].id > id))) {
		h[pos] = h[pos - 1];
		pos--;
	}
	h[pos] = (struct wfad_nbr_hit){d2, id, c};
	l->m = l->m == l->k ? l->k : l->m + 1;
	l->taken += c;
	while (l->m > 1 && l->taken - h[l->m - 1].take >= l->k)
		l->taken -= h[--l->m].take;
}

static size_t list_finish(struct knn_list *l)
{
	if (l->taken > l->k)
		l->hits[l->m - 1].take -= (uint32_t)(l->taken - l->k);
	return l->m;
}

size_t wfad_nbr_query(const struct wfad_nbr_index *ix, const float *restrict q, size_t k,
		      uint32_t self, struct wfad_nbr_hit *restrict hits)
{
	if (k == 0 || ix->n == 0)
		return 0;
	size_t d = ix->d;
	struct knn_list l = {hits, 0, k, 0};
	uint32_t stack_node[STACK_DEPTH];
	double stack_bound[STACK_DEPTH];
	size_t top = 0;
	stack_node[top] = 0;
	stack_bound[top++] = 0.0;
	while (top > 0) {
		top--;
		uint32_t ni = stack_node[top];
		if (stack_bound[top] > list_limit(&l))
			continue;
		const struct wfad_nbr_node *node = &ix->nodes[ni];
		if (node->left == 0) {
			for (uint32_t i = node->begin; i < node->end; i++) {
				uint32_t id = ix->tid[i];
				uint32_t c = ix->count[id] - (id == self);
				if (c == 0)
					continue;
				double limit = list_limit(&l);
				double d2 = dist2_bounded(q, ix->trow + (size_t)i * d, d, limit);
				if (d2 <= limit)
					list_offer(&l, d2, id, c);
			}
			continue;
		}
		double limit = list_limit(&l);
		const double *bl = ix->box + (size_t)node->left * 2 * d;
		const double *br = ix->box + (size_t)node->right * 2 * d;
		double dl = box_dist2(q, bl, bl + d, d);
		double dr = box_dist2(q, br, br + d, d);
		/* Push the farther child first so the nearer one is searched first. */
		uint32_t near = dl <= dr ? node->left : node->right;
		uint32_t far = dl <= dr ? node->right : node->left;
		double dnear = dl <= dr ? dl : dr, dfar = dl <= dr ? dr : dl;
		WFAD_ASSERT(top + 2 <= STACK_DEPTH);
		if (dfar <= limit) {
			stack_node[top] = far;
			stack_bound[top++] = dfar;
		}
		if (dnear <= limit) {
			stack_node[top] = near;
			stack_bound[top++] = dnear;
		}
	}
	return list_finish(&l);
}

size_t wfad_nbr_query_naive(const struct wfad_nbr_index *ix, const float *restrict q, size_t k,
			    uint32_t self, struct wfad_nbr_hit *restrict hits)
{
	if (k == 0 || ix->n == 0)
		return 0;
	struct knn_list l = {hits, 0, k, 0};
	for (size_t id = 0; id < ix->n; id++) {
		uint32_t c = ix->count[id] - (id == self);
		if (c == 0)
			continue;
		double d2 = wfad_nbr_dist2(q, ix->rows + id * ix->d, ix->d);
		list_offer(&l, d2, (uint32_t)id, c);
	}
	return list_finish(&l);
}

/* ---- save / load ---- */

bool wfad_nbr_save(const struct wfad_nbr_index *ix, FILE *f)
{
	if (!wfad_io_write_u64(f, ix->n) || !wfad_io_write_u64(f, ix->d) ||
	    !wfad_io_write_f32s(f, ix->rows, ix->n * ix->d))
		return false;
	for (size_t i = 0; i < ix->n; i++)
		if (!wfad_io_write_u32(f, ix->count[i]))
			return false;
	return true;
}

enum wfad_status wfad_nbr_load(struct wfad_nbr_index *ix, FILE *f, const char *what,
			       struct wfad_error *err)
{
	enum wfad_status st = WFAD_OK;
	float *rows = NULL;
	uint32_t *count = NULL;
	uint64_t n, d;
	if (!wfad_io_read_u64(f, &n) || !wfad_io_read_u64(f, &d)) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated %s model", what);
		goto cleanup;
	}
	if (n == 0 || d == 0) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				    "%s model with %llu rows x %llu columns", what,
				    (unsigned long long)n, (unsigned long long)d);
		goto cleanup;
	}
	if (n > WFAD_NBR_MAX_ROWS || d > LOAD_MAX_COLS || n * d > LOAD_MAX_CELLS) {
		st = wfad_error_set(err, WFAD_ELIMIT, "", 0, 0, "%s model too large: %llu x %llu",
				    what, (unsigned long long)n, (unsigned long long)d);
		goto cleanup;
	}
	rows = malloc((size_t)(n * d) * sizeof(float));
	count = malloc((size_t)n * sizeof(uint32_t));
	if (!rows || !count) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	bool ok = wfad_io_read_f32s(f, rows, (size_t)(n * d));
	for (size_t i = 0; ok && i < n; i++)
		ok = wfad_io_read_u32(f, &count[i]);
	if (!ok) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated %s model", what);
		goto cleanup;
	}
	for (size_t i = 0; i < n * d; i++) {
		if (!isfinite(rows[i])) {
			st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
					    "%s model: non-finite training value", what);
			goto cleanup;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (count[i] == 0) {
			st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
					    "%s model: training row with count 0", what);
			goto cleanup;
		}
	}
	st = wfad_nbr_adopt(ix, rows, count, (size_t)n, (size_t)d, err);
	rows = NULL;
	count = NULL;
cleanup:
	free(rows);
	free(count);
	return st;
}

/* ---- parallel map over rows ---- */

/* Queries per worker before another thread pays off. */
#define MAP_MIN_ROWS_PER_THREAD 256

/* The leaf a row falls in, descending towards the nearer child box (ties go left). */
static uint32_t leaf_of(const struct wfad_nbr_index *ix, const float *q)
{
	size_t d = ix->d;
	uint32_t ni = 0;
	while (ix->nodes[ni].left) {
		const struct wfad_nbr_node *node = &ix->nodes[ni];
		const double *bl = ix->box + (size_t)node->left * 2 * d;
		const double *br = ix->box + (size_t)node->right * 2 * d;
		ni = box_dist2(q, bl, bl + d, d) <= box_dist2(q, br, br + d, d) ? node->left
										: node->right;
	}
	return ni;
}

struct map_job {
	const float *x;        /* rows to visit, n x d */
	const uint32_t *order; /* n: visiting order */
	size_t d, k;
	wfad_nbr_row_fn fn;
	const void *model;
	double *out;               /* n */
	struct wfad_nbr_hit *hits; /* workers x k */
};

static void map_chunk(void *ctx, size_t worker, size_t begin, size_t end)
{
	struct map_job *job = ctx;
	struct wfad_nbr_hit *hits = job->hits + worker * job->k;
	for (size_t i = begin; i < end; i++) {
		size_t r = job->order[i];
		job->out[r] = job->fn(job->model, job->x + r * job->d, r, hits);
	}
}

enum wfad_status wfad_nbr_map_rows(const struct wfad_nbr_index *ix, const float *x, size_t n,
				   bool dedup, unsigned threads, size_t k, wfad_nbr_row_fn fn,
				   const void *model, double *out, const char *what,
				   struct wfad_error *err)
{
	if (n == 0)
		return WFAD_OK;
	if (n > WFAD_NBR_MAX_ROWS)
		return wfad_error_set(err, WFAD_ELIMIT, "", 0, 0, "%s: %zu rows, at most %zu", what,
				      n, WFAD_NBR_MAX_ROWS);
	enum wfad_status st = WFAD_OK;
	size_t d = ix->d;
	uint32_t *group = NULL, *first = NULL, *leaf = NULL, *order = NULL;
	size_t *start = NULL;
	float *q = NULL;
	double *uout = NULL;
	struct wfad_nbr_hit *hits = NULL;
	size_t nu = n;
	const float *rows = x;
	double *dst = out;
	if (dedup) {
		group = malloc(n * sizeof(*group));
		first = malloc(n * sizeof(*first));
		if (!group || !first || wfad_rows_dedup(x, n, d, group, first, &nu) != WFAD_OK)
			goto nomem;
		q = malloc(nu * d * sizeof(float));
		uout = malloc(nu * sizeof(double));
		if (!q || !uout)
			goto nomem;
		for (size_t u = 0; u < nu; u++)
			memcpy(q + u * d, x + (size_t)first[u] * d, d * sizeof(float));
		rows = q;
		dst = uout;
	}
	/* Visit the rows leaf by leaf (a counting sort on the leaf each falls in): consecutive
	 * queries then touch the same part of the tree and stay in cache. Each row's value does
	 * not depend on the order. */
	leaf = malloc(nu * sizeof(*leaf));
	order = malloc(nu * sizeof(*order));
	start = calloc(ix->n_nodes + 1, sizeof(*start));
	size_t workers = wfad_row_threads_count(threads, nu, MAP_MIN_ROWS_PER_THREAD);
	hits = malloc(workers * (k ? k : 1) * sizeof(*hits));
	if (!leaf || !order || !start || !hits)
		goto nomem;
	for (size_t i = 0; i < nu; i++)
		start[(leaf[i] = leaf_of(ix, rows + i * d)) + 1]++;
	for (size_t b = 0; b < ix->n_nodes; b++)
		start[b + 1] += start[b];
	for (size_t i = 0; i < nu; i++)
		order[start[leaf[i]]++] = (uint32_t)i;
	struct map_job job = {rows, order, d, k, fn, model, dst, hits};
	wfad_row_threads_run(workers, nu, map_chunk, &job);
	if (dedup)
		for (size_t i = 0; i < n; i++)
			out[i] = uout[group[i]];
	goto cleanup;
nomem:
	st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory", what);
cleanup:
	free(group);
	free(first);
	free(leaf);
	free(order);
	free(start);
	free(q);
	free(uout);
	free(hits);
	return st;
}
