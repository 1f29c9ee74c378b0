/* Internal to src/detect: a fork-join parallel loop over independent rows (or trees). Each
 * index is processed by exactly one worker and workers share no accumulators, so results do
 * not depend on the thread count. */
#ifndef WFAD_DETECT_ROW_THREADS_H
#define WFAD_DETECT_ROW_THREADS_H

#include <stddef.h>

/* Most workers one loop starts. */
#define WFAD_ROW_THREADS_MAX 64

/* Processes [begin, end) as worker `worker` (0 <= worker < the count given to _run). */
typedef void (*wfad_row_threads_fn)(void *ctx, size_t worker, size_t begin, size_t end);

/* Workers for n items: `threads` (0 = one per online CPU), capped by WFAD_ROW_THREADS_MAX and
 * by n / min_per_worker, at least 1. Callers size per-worker scratch with it. */
size_t wfad_row_threads_count(unsigned threads, size_t n, size_t min_per_worker);

/* Splits [0, n) into `workers` contiguous chunks and runs fn on each, chunk 0 in the calling
 * thread. A thread that cannot be started runs its chunk in the caller, so this never fails. */
void wfad_row_threads_run(size_t workers, size_t n, wfad_row_threads_fn fn, void *ctx);

#endif
