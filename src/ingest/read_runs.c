/* Reads many run files into one dataset: each thread parses a contiguous slice of the files
 * into a shard dataset sharing the DAG; shards are merged in file order, so the result does
 * not depend on the thread count. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

#include "load_internal.h"

struct fd_ctx {
	FILE *f;
};

static long file_read(void *ctx, char *buf, size_t cap)
{
	struct fd_ctx *c = ctx;
	size_t n = fread(buf, 1, cap, c->f);
	return n == 0 && ferror(c->f) ? -1 : (long)n;
}

static long zip_read(void *ctx, char *buf, size_t cap)
{
	zip_int64_t n = zip_fread((zip_file_t *)ctx, buf, cap);
	return n < 0 ? -1 : (long)n;
}

/* One run CSV on disk: mapped and parsed in place (no copy through a read buffer); files that
 * cannot be mapped (pipes, empty files) are streamed. */
static enum wfad_status read_file_run(struct wfad_dataset *ds, const struct wfad_run_item *it,
				      struct wfad_error *err)
{
	int fd = open(it->path, O_RDONLY);
	if (fd < 0)
		return wfad_error_set(err, WFAD_EIO, it->path, 0, 0, "cannot open: %s",
				      strerror(errno));
	struct stat sb;
	enum wfad_status st;
	void *map = MAP_FAILED;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0)
		map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
	if (map != MAP_FAILED) {
		st = wfad_flowbench_parse_run(ds, map, (size_t)sb.st_size, it->path, it->run_id,
					      it->label, err);
		munmap(map, (size_t)sb.st_size);
		close(fd);
		return st;
	}
	FILE *f = fdopen(fd, "rb");
	if (!f) {
		close(fd);
		return wfad_error_set(err, WFAD_EIO, it->path, 0, 0, "cannot read: %s",
				      strerror(errno));
	}
	struct fd_ctx c = {f};
	st = wfad_flowbench_read_run(ds, file_read, &c, it->path, it->run_id, it->label, err);
	fclose(f);
	return st;
}

/* Reads items[0..n) in order into ds; stops at the first failure, *failed = its index. */
static enum wfad_status read_sequential(const struct wfad_run_item *items, size_t n,
					struct wfad_dataset *ds, size_t *failed,
					struct wfad_error *err)
{
	enum wfad_status st = WFAD_OK;
	zip_t *z = NULL;
	const char *z_path = NULL;
	char source[1024];
	size_t i = 0;
	for (; i < n && st == WFAD_OK; i++) {
		const struct wfad_run_item *it = &items[i];
		if (!it->entry) {
			st = read_file_run(ds, it, err);
			if (st != WFAD_OK)
				break;
			continue;
		}
		if (!z || strcmp(z_path, it->path) != 0) {
			if (z)
				zip_discard(z);
			int zerr = 0;
			z = zip_open(it->path, ZIP_RDONLY, &zerr);
			z_path = it->path;
			if (!z) {
				st = wfad_error_set(err, WFAD_EIO, it->path, 0, 0,
						    "cannot open zip");
				break;
			}
		}
		snprintf(source, sizeof(source), "%s:%s", it->path, it->entry);
		zip_file_t *zf = zip_fopen(z, it->entry, 0);
		if (!zf) {
			st = wfad_error_set(err, WFAD_EFORMAT, source, 0, 0,
					    "cannot read entry: %s", zip_strerror(z));
			break;
		}
		st = wfad_flowbench_read_run(ds, zip_read, zf, source, it->run_id, it->label, err);
		zip_fclose(zf);
		if (st != WFAD_OK)
			break;
	}
	if (z)
		zip_discard(z);
	*failed = i;
	return st;
}

struct shard {
	struct wfad_dataset ds; /* shares the parent's DAG (read-only) */
	const struct wfad_run_item *items;
	size_t n;
	size_t failed;
	enum wfad_status st;
	struct wfad_error err;
};

static void *shard_main(void *arg)
{
	struct shard *s = arg;
	s->st = read_sequential(s->items, s->n, &s->ds, &s->failed, &s->err);
	return NULL;
}

/* Moves the shard's runs into ds, re-interning its strings in the shard's order. */
static enum wfad_status merge_shard(struct wfad_dataset *ds, struct shard *s)
{
	struct wfad_strings *from = &s->ds.strings;
	uint32_t *map = malloc((from->count ? from->count : 1) * sizeof(*map));
	if (!map)
		return WFAD_ENOMEM;
	enum wfad_status st = WFAD_OK;
	for (size_t id = 0; id < from->count && st == WFAD_OK; id++)
		st = wfad_strings_intern(&ds->strings, from->items[id], from->lens[id], &map[id]);
	size_t nodes = ds->dag.n_nodes;
	if (st == WFAD_OK && !ds->node_transformation && s->ds.node_transformation) {
		ds->node_transformation =
			wfad_arena_alloc(&ds->arena, nodes * sizeof(*ds->node_transformation));
		if (!ds->node_transformation)
			st = WFAD_ENOMEM;
		for (size_t i = 0; st == WFAD_OK && i < nodes; i++) {
			uint32_t t = s->ds.node_transformation[i];
			ds->node_transformation[i] = t == WFAD_NO_ID ? t : map[t];
		}
	}
	for (size_t r = 0; r < s->ds.n_runs && st == WFAD_OK; r++) {
		struct wfad_run *run = &s->ds.runs[r];
		for (size_t i = 0; i < nodes; i++) {
			struct wfad_job *j = &run->jobs[i];
			if (j->transformation != WFAD_NO_ID)
				j->transformation = map[j->transformation];
			if (j->host != WFAD_NO_ID)
				j->host = map[j->host];
			if (j->site != WFAD_NO_ID)
				j->site = map[j->site];
		}
		if (ds->n_runs == ds->cap_runs) {
			size_t cap = ds->cap_runs ? ds->cap_runs * 2 : 16;
			struct wfad_run *runs = realloc(ds->runs, cap * sizeof(*runs));
			if (!runs) {
				st = WFAD_ENOMEM;
				break;
			}
			ds->runs = runs;
			ds->cap_runs = cap;
		}
		ds->runs[ds->n_runs++] = *run;
	}
	free(map);
	if (st == WFAD_OK)
		wfad_arena_adopt(&ds->arena, &s->ds.arena);
	return st;
}

static int cmp_run(const void *x, const void *y)
{
	const struct wfad_run *a = x, *b = y;
	return strcmp(a->id, b->id);
}

enum { MAX_THREADS = 16, MIN_ITEMS_PER_THREAD = 8 };

enum wfad_status wfad_ingest_read_items(const struct wfad_run_item *items, size_t n,
					struct wfad_dataset *ds, unsigned threads,
					struct wfad_error *err)
{
	if (threads == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cpus > 0 ? (unsigned)cpus : 1;
	}
	if (threads > MAX_THREADS)
		threads = MAX_THREADS;
	if (threads > n / MIN_ITEMS_PER_THREAD)
		threads = (unsigned)(n / MIN_ITEMS_PER_THREAD);
	enum wfad_status st = WFAD_OK;
	if (threads <= 1) {
		size_t failed;
		st = read_sequential(items, n, ds, &failed, err);
		goto done;
	}
	struct shard *shards = calloc(threads, sizeof(*shards));
	pthread_t tid[MAX_THREADS];
	bool started[MAX_THREADS] = {false};
	if (!shards)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	for (unsigned t = 0; t < threads; t++) {
		struct shard *s = &shards[t];
		wfad_dataset_init(&s->ds);
		s->ds.workflow = ds->workflow;
		s->ds.dag = ds->dag; /* shallow, read-only: the shard never frees or grows it */
		s->items = items + n * t / threads;
		s->n = n * (t + 1) / threads - n * t / threads;
		started[t] = pthread_create(&tid[t], NULL, shard_main, s) == 0;
		if (!started[t])
			shard_main(s); /* no thread to be had: do it here */
	}
	for (unsigned t = 0; t < threads; t++)
		if (started[t])
			pthread_join(tid[t], NULL);
	/* The first failure in file order wins, as in a sequential read. */
	for (unsigned t = 0; t < threads && st == WFAD_OK; t++) {
		if (shards[t].st != WFAD_OK) {
			st = shards[t].st;
			if (err)
				*err = shards[t].err;
		}
	}
	for (unsigned t = 0; t < threads && st == WFAD_OK; t++)
		if (merge_shard(ds, &shards[t]) != WFAD_OK)
			st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	for (unsigned t = 0; t < threads; t++) {
		memset(&shards[t].ds.dag, 0, sizeof(shards[t].ds.dag)); /* borrowed */
		wfad_dataset_free(&shards[t].ds);
	}
	free(shards);
done:
	if (st == WFAD_OK && ds->n_runs)
		qsort(ds->runs, ds->n_runs, sizeof(*ds->runs), cmp_run);
	return st;
}
