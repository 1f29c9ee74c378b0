/* Fork-join parallel loop over independent rows for the detectors (pthreads). */
#include <pthread.h>
#include <stdbool.h>
#include <unistd.h>

#include "row_threads.h"

struct chunk {
	wfad_row_threads_fn fn;
	void *ctx;
	size_t worker, begin, end;
};

static void *chunk_main(void *arg)
{
	struct chunk *c = arg;
	c->fn(c->ctx, c->worker, c->begin, c->end);
	return NULL;
}

size_t wfad_row_threads_count(unsigned threads, size_t n, size_t min_per_worker)
{
	size_t t = threads;
	if (t == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		t = cpus > 0 ? (size_t)cpus : 1;
	}
	if (t > WFAD_ROW_THREADS_MAX)
		t = WFAD_ROW_THREADS_MAX;
	size_t cap = min_per_worker ? n / min_per_worker : n;
	if (t > cap)
		t = cap;
	return t ? t : 1;
}

void wfad_row_threads_run(size_t workers, size_t n, wfad_row_threads_fn fn, void *ctx)
{
	if (workers > WFAD_ROW_THREADS_MAX)
		workers = WFAD_ROW_THREADS_MAX;
	if (workers <= 1 || n < 2) {
		if (n)
			fn(ctx, 0, 0, n);
		return;
	}
	struct chunk chunks[WFAD_ROW_THREADS_MAX];
	pthread_t tid[WFAD_ROW_THREADS_MAX];
	bool started[WFAD_ROW_THREADS_MAX];
	for (size_t w = 0; w < workers; w++) {
		chunks[w] = (struct chunk){fn, ctx, w, n * w / workers, n * (w + 1) / workers};
		started[w] = false;
	}
	for (size_t w = 1; w < workers; w++) {
		started[w] = pthread_create(&tid[w], NULL, chunk_main, &chunks[w]) == 0;
		if (!started[w])
			chunk_main(&chunks[w]);
	}
	chunk_main(&chunks[0]);
	for (size_t w = 1; w < workers; w++)
		if (started[w])
			pthread_join(tid[w], NULL);
}
