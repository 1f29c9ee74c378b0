/* bench/ingest: loads every run of one workflow (default: montage from ../shared) and prints
 * MB/s, the loaded dataset's memory against the CSV bytes, and, when /usr/bin/python3 has
 * pandas, the ratio against pandas.read_csv over the same files measured in the same run.
 * usage: ingest [FLOWBENCH_ROOT] [WORKFLOW] [REPEATS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "wfad/ingest.h"

int main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : "../shared/data/flowbench";
	const char *workflow = argc > 2 ? argv[2] : "montage";
	int repeats = argc > 3 ? atoi(argv[3]) : 5;
	struct wfad_load_options opt = {.workflow = workflow, .threads = 1};
	struct wfad_error err = {0};
	double best = 1e30, best_mt = 1e30;
	size_t bytes = 0, mem = 0, runs = 0, jobs = 0;
	char list_path[] = "/tmp/wfad-bench-files-XXXXXX";
	FILE *list = NULL;
	/* rep 0 warms the page cache; then one thread, then one per CPU. */
	for (int rep = 0; rep <= 2 * repeats; rep++) {
		struct wfad_collection c = {0};
		opt.threads = rep <= repeats ? 1 : 0;
		double t0 = wfad_clock_seconds();
		if (wfad_load(root, &opt, &c, &err) != WFAD_OK) {
			char buf[1200];
			wfad_error_format(&err, buf, sizeof(buf));
			fprintf(stderr, "ingest: %s\n", buf);
			return 1;
		}
		double t = wfad_clock_seconds() - t0;
		if (rep > 0 && rep <= repeats && t < best)
			best = t;
		if (rep > repeats && t < best_mt)
			best_mt = t;
		if (rep == 0) {
			int fd = mkstemp(list_path);
			list = fd >= 0 ? fdopen(fd, "w") : NULL;
			const struct wfad_dataset *ds = c.items[0];
			runs = ds->n_runs;
			jobs = ds->n_runs * ds->dag.n_nodes;
			mem = ds->arena.bytes + ds->cap_runs * sizeof(*ds->runs) +
			      ds->strings.cap_items * sizeof(char *) +
			      ds->strings.cap_slots * sizeof(uint32_t);
			for (size_t r = 0; r < ds->n_runs; r++) {
				struct stat st;
				if (stat(ds->runs[r].source, &st) == 0)
					bytes += (size_t)st.st_size;
				if (list)
					fprintf(list, "%s\n", ds->runs[r].source);
			}
			if (list)
				fclose(list);
		}
		wfad_collection_free(&c);
	}
	double mb = bytes / 1e6;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("workflow %s: %zu runs, %zu jobs, %.1f MB of CSV\n", workflow, runs, jobs, mb);
	printf("wfad   load: %.3f s (best of %d)  %.0f MB/s  one thread\n", best, repeats,
	       mb / best);
	printf("wfad   load: %.3f s (best of %d)  %.0f MB/s  %ld threads (one per CPU)\n", best_mt,
	       repeats, mb / best_mt, sysconf(_SC_NPROCESSORS_ONLN));
	printf("wfad memory: dataset %.1f MB = %.2fx the CSV bytes; peak RSS %.1f MB\n", mem / 1e6,
	       (double)mem / bytes, ru.ru_maxrss / 1024.0);
	char cmd[512];
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 -c 'import pandas' 2>/dev/null && /usr/bin/python3 "
		 "bench/ingest_pandas.py %s %d",
		 list_path, repeats);
	FILE *p = popen(cmd, "r");
	double pd = 0;
	if (p) {
		if (fscanf(p, "%lf", &pd) != 1)
			pd = 0;
		pclose(p);
	}
	if (pd > 0)
		printf("pandas read_csv: %.3f s (best of %d)  %.0f MB/s (one thread)\n"
		       "ratio: wfad is %.1fx faster on one thread, %.1fx with all CPUs\n",
		       pd, repeats, mb / pd, pd / best, pd / best_mt);
	else
		printf("pandas: not available to /usr/bin/python3 (apt-get install "
		       "python3-pandas)\n");
	remove(list_path);
	return 0;
}
