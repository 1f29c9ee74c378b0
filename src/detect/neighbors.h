/* Internal to src/detect: exact k-nearest-neighbour search shared by knn and lof. Identical
 * training rows are merged into one row with a count; the unique rows go into a k-d tree with
 * per-node bounding boxes. A query prunes by box distance and by partial distances, and
 * returns exactly the neighbours a brute-force scan returns (wfad_nbr_query_naive). */
#ifndef WFAD_DETECT_NEIGHBORS_H
#define WFAD_DETECT_NEIGHBORS_H

#include <stdint.h>
#include <stdio.h>

#include "wfad/core.h"

#include "row_dedup.h"

/* Neighbours are ordered by squared distance, ties by unique-row id (that is, by the first
 * training row holding those values). Distances are sums over columns 0..d-1, in that order,
 * of ((double)q - (double)x)^2, so every kernel here computes bitwise the same values. */
struct wfad_nbr_hit {
	double dist2;  /* squared Euclidean distance */
	uint32_t id;   /* unique training row */
	uint32_t take; /* copies of that row among the k neighbours, >= 1 */
};

struct wfad_nbr_node {
	uint32_t begin, end; /* rows [begin, end) of trow */
	uint32_t left;       /* child nodes; 0 for a leaf (the root is node 0, never a child) */
	uint32_t right;
};

/* Deduplicated training rows and their k-d tree. Ownership: caller-owned struct; zero it, then
 * wfad_nbr_build or wfad_nbr_adopt; wfad_nbr_free (accepts a zeroed struct). */
struct wfad_nbr_index {
	size_t n, d;     /* unique rows, columns */
	size_t total;    /* training rows: the sum of count */
	float *rows;     /* n x d unique rows in order of first occurrence */
	uint32_t *count; /* n, each >= 1 */
	size_t n_nodes;
	struct wfad_nbr_node *nodes; /* n_nodes */
	double *box;                 /* n_nodes x 2 x d: the rows' min, then max, per node */
	double *trow;                /* n x d: the rows widened, in tree order (leaves together) */
	uint32_t *tid;               /* n: unique id of trow row i */
};

/* Most rows an index accepts: ids are uint32_t. */
#define WFAD_NBR_MAX_ROWS WFAD_ROWS_MAX

/* Indexes the n x d training rows x (copied; n >= 1, d >= 1). On failure *ix is untouched. */
enum wfad_status wfad_nbr_build(struct wfad_nbr_index *ix, const float *x, size_t n, size_t d,
				struct wfad_error *err);

/* Indexes unique rows that are already merged (a loaded model): takes ownership of rows (n x d)
 * and count (n) on success and on failure (they are freed then). */
enum wfad_status wfad_nbr_adopt(struct wfad_nbr_index *ix, float *rows, uint32_t *count,
				size_t n, size_t d, struct wfad_error *err);

void wfad_nbr_free(struct wfad_nbr_index *ix);

/* Squared distance of two float rows as every search here computes it: the sum over columns
 * 0..d-1, in that order, of ((double)q - (double)x)^2. Shapes: q [d], x [d]. */
double wfad_nbr_dist2(const float *restrict q, const float *restrict x, size_t d);

/* The k nearest training rows of q (d floats), counting each unique row `count` times, minus
 * one copy of unique row `self` (UINT32_MAX: none; lof uses it to leave a training row out of
 * its own neighbours). Writes m <= k hits in neighbour order, their takes summing to
 * min(k, rows available), and returns m. hits holds k entries. Never allocates.
 * Shapes: q [d], hits [k]. */
size_t wfad_nbr_query(const struct wfad_nbr_index *ix, const float *restrict q, size_t k,
		      uint32_t self, struct wfad_nbr_hit *restrict hits);

/* Reference for wfad_nbr_query: the same contract by scanning every unique row. */
size_t wfad_nbr_query_naive(const struct wfad_nbr_index *ix, const float *restrict q, size_t k,
			    uint32_t self, struct wfad_nbr_hit *restrict hits);

/* Per-row kernel for wfad_nbr_map_rows: the value of row `row` (values q, d floats), with hits
 * as scratch for k neighbours. */
typedef double (*wfad_nbr_row_fn)(const void *model, const float *q, size_t row,
				  struct wfad_nbr_hit *hits);

/* out[i] = fn(model, row i of x, ...) for the n x ix->d rows x, computed once per distinct row
 * when dedup is set (row is then the distinct row's number, not i), in parallel over rows with
 * wfad_row_threads (threads 0 = one per CPU; results do not depend on it) and in the order of
 * the leaves of ix the rows fall in (for the cache). fn must give equal values for equal rows.
 * WFAD_ENOMEM, WFAD_ELIMIT (err filled, prefixed by `what`). */
enum wfad_status wfad_nbr_map_rows(const struct wfad_nbr_index *ix, const float *x, size_t n,
				   bool dedup, unsigned threads, size_t k, wfad_nbr_row_fn fn,
				   const void *model, double *out, const char *what,
				   struct wfad_error *err);

/* Writes n, d, the unique rows and their counts (little-endian) / reads them back and builds
 * the tree. Read errors: WFAD_EPARSE (truncated or inconsistent, message names `what`),
 * WFAD_ELIMIT (absurd sizes), WFAD_ENOMEM; on failure *ix is untouched. */
bool wfad_nbr_save(const struct wfad_nbr_index *ix, FILE *f);
enum wfad_status wfad_nbr_load(struct wfad_nbr_index *ix, FILE *f, const char *what,
			       struct wfad_error *err);

#endif
