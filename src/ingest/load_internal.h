/* Internal to src/ingest: the run files a load found, and the (parallel) reader over them. */
#ifndef WFAD_INGEST_LOAD_INTERNAL_H
#define WFAD_INGEST_LOAD_INTERNAL_H

#include "wfad/ingest.h"

/* One run file to read: a CSV on disk or an entry of a zip. Strings are borrowed. */
struct wfad_run_item {
	const char *path;     /* CSV path, or zip path */
	const char *entry;    /* zip entry name, NULL for a plain CSV */
	const char *run_id;
	const char *label;    /* folder label, NULL = from anomaly_type */
	const char *workflow; /* as written in the file name */
};

/* Reads the items, in order, as runs of ds (whose DAG is loaded), on up to `threads` threads
 * (0 = one per online CPU). The result (runs sorted by id, interned ids, the error reported:
 * the first failing item in item order) is the same for any thread count. */
enum wfad_status wfad_ingest_read_items(const struct wfad_run_item *items, size_t n,
					struct wfad_dataset *ds, unsigned threads,
					struct wfad_error *err);

#endif
