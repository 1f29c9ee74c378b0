/* wfad ingest: readers that turn trace sources into datasets (Flow-Bench CSV/zip + DAG JSON,
 * Pegasus submit directories, stampede databases). See docs/formats.md for what is read. */
#ifndef WFAD_INGEST_H
#define WFAD_INGEST_H

#include "wfad/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest CSV line accepted; longer lines are an error (WFAD_ELIMIT), never a huge allocation. */
#define WFAD_CSV_MAX_LINE (4u << 20)

/* A set of datasets, one per workflow, as found under one path. Caller-owned: zero it,
 * a loader fills it, wfad_collection_free releases it (accepts a zeroed struct). */
struct wfad_collection {
	struct wfad_dataset **items; /* heap-allocated: a dataset must not move (its interners
				      * point at its arena) */
	size_t count;
};
void wfad_collection_free(struct wfad_collection *c);

struct wfad_load_options {
	const char *workflow; /* load only this workflow (name matched loosely), NULL = all */
	const char *dag_path; /* DAG JSON for a single run CSV or zip (--dag) */
	const char *run;      /* keep only the run with this id, NULL = all */
	unsigned threads;     /* reader threads, 0 = one per online CPU; results are identical
			       * for any count */
};

/* Loads whatever PATH designates: a Flow-Bench root (parsed/<label>/ CSVs and/or
 * data/<workflow>.zip with adjacency_list_dags/), a single CSV or zip (needs opt->dag_path), a
 * Pegasus submit directory (braindump.yml / jobstate.log), or a stampede SQLite database. Datasets
 * come out sorted by workflow name, runs by id. On failure *out is untouched and err says where. */
enum wfad_status wfad_load(const char *path, const struct wfad_load_options *opt,
			   struct wfad_collection *out, struct wfad_error *err);

/* Parses a Flow-Bench DAG JSON ({"parent": ["child", ...], ...}) from memory into ds->dag:
 * node i is the i-th key. Every child must be a key; the DAG must be acyclic. */
enum wfad_status wfad_dag_json_parse(struct wfad_dataset *ds, const char *buf, size_t len,
				     const char *source, struct wfad_error *err);
enum wfad_status wfad_dag_json_load(struct wfad_dataset *ds, const char *path,
				    struct wfad_error *err);

/* Pull callback for streaming input: reads up to cap bytes into buf, returns the count
 * (0 at end) or -1 on error. */
typedef long (*wfad_read_fn)(void *ctx, char *buf, size_t cap);

/* Reads one Flow-Bench run CSV (45 columns; the first, unnamed, is the job id) into a new run
 * of ds, whose DAG must be loaded. label: the run label from the folder name, or NULL to take
 * it from the anomaly_type column (the one value that is not "None", else "normal").
 * run_id names the run. Every DAG node must appear exactly once. */
enum wfad_status wfad_flowbench_read_run(struct wfad_dataset *ds, wfad_read_fn read, void *ctx,
					 const char *source, const char *run_id, const char *label,
					 struct wfad_error *err);
/* Same, from a memory buffer (used by the fuzz harness and tests). */
enum wfad_status wfad_flowbench_parse_run(struct wfad_dataset *ds, const char *buf, size_t len,
					  const char *source, const char *run_id, const char *label,
					  struct wfad_error *err);

/* Pegasus submit directory: one run; the DAG from JOB and PARENT/CHILD lines of the .dag
 * file (sub-workflows of pegasus-plan jobs flattened as "<job>_<pegasus-plan job>"),
 * timestamps from jobstate.log, runtime/cpu/host/exit code from kickstart records.
 * Implemented in src/ingest/pegasus_dir.c; the format-level parsers are in wfad/pegasus.h. */
enum wfad_status wfad_pegasus_load(const char *dir, struct wfad_dataset *ds,
				   struct wfad_error *err);

/* Pegasus stampede database (SQLite): each root workflow becomes a run of ds (all must share
 * one DAG); like wfad_pegasus_load it adds to a ds whose DAG matches, else WFAD_EINVAL with ds
 * untouched. */
enum wfad_status wfad_stampede_load(const char *db_path, struct wfad_dataset *ds,
				    struct wfad_error *err);

#ifdef __cplusplus
}
#endif
#endif
