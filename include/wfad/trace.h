/* wfad trace model: jobs, runs, the workflow DAG in CSR form, and datasets of runs. */
#ifndef WFAD_TRACE_H
#define WFAD_TRACE_H

#include <math.h>

#include "wfad/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Numeric per-job fields. Missing values are NaN (missing is not zero). The order is the
 * Flow-Bench CSV order; wfad_field_name gives the CSV column name. */
enum wfad_field {
	WFAD_F_READY,
	WFAD_F_PRE_SCRIPT_START,
	WFAD_F_PRE_SCRIPT_END,
	WFAD_F_SUBMIT,
	WFAD_F_STAGE_IN_START,
	WFAD_F_STAGE_IN_END,
	WFAD_F_STAGE_IN_BPS,
	WFAD_F_EXECUTE_START,
	WFAD_F_EXECUTE_END,
	WFAD_F_STAGE_OUT_START,
	WFAD_F_STAGE_OUT_END,
	WFAD_F_STAGE_OUT_BPS,
	WFAD_F_POST_SCRIPT_START,
	WFAD_F_POST_SCRIPT_END,
	WFAD_F_WMS_DELAY,
	WFAD_F_PRE_SCRIPT_DELAY,
	WFAD_F_QUEUE_DELAY,
	WFAD_F_RUNTIME,
	WFAD_F_POST_SCRIPT_DELAY,
	WFAD_F_STAGE_IN_DELAY,
	WFAD_F_STAGE_IN_BYTES,
	WFAD_F_STAGE_OUT_DELAY,
	WFAD_F_STAGE_OUT_BYTES,
	WFAD_F_CPU_TIME,
	WFAD_F_ONLINE_IOWAIT,
	WFAD_F_ONLINE_BYTES_READ,
	WFAD_F_ONLINE_BYTES_WRITTEN,
	WFAD_F_ONLINE_READ_SYSCALLS,
	WFAD_F_ONLINE_WRITE_SYSCALLS,
	WFAD_F_ONLINE_UTIME,
	WFAD_F_ONLINE_STIME,
	WFAD_F_ONLINE_BYTES_READ_PER_SECOND,
	WFAD_F_ONLINE_BYTES_WRITTEN_PER_SECOND,
	WFAD_F_COUNT
};
#define WFAD_F_ONLINE_FIRST WFAD_F_ONLINE_IOWAIT
#define WFAD_F_ONLINE_COUNT (WFAD_F_COUNT - WFAD_F_ONLINE_FIRST)

/* Column name of a field as in the Flow-Bench CSV (e.g. "queue_delay"). */
const char *wfad_field_name(enum wfad_field f);
/* Field for a CSV column name; false when the name is not a numeric field. */
bool wfad_field_lookup(const char *name, size_t len, enum wfad_field *f);

enum wfad_job_type {
	WFAD_JOB_UNKNOWN,
	WFAD_JOB_AUXILIARY, /* create_dir, cleanup, register, chmod */
	WFAD_JOB_COMPUTE,
	WFAD_JOB_TRANSFER, /* stage_in, stage_out, stage_inter, stage_worker */
	WFAD_JOB_SUBWF,    /* pegasus-plan / dax / dag jobs */
	WFAD_JOB_TYPE_COUNT
};
const char *wfad_job_type_name(enum wfad_job_type t);
bool wfad_job_type_lookup(const char *name, size_t len, enum wfad_job_type *t);

/* Fault family of a label: the text before '_' of "cpu_2", "hdd_10", "loss_0.1". */
enum wfad_anomaly {
	WFAD_ANOMALY_NONE,
	WFAD_ANOMALY_CPU,
	WFAD_ANOMALY_HDD,
	WFAD_ANOMALY_NETWORK, /* "loss_*" and "net_*" */
	WFAD_ANOMALY_OTHER,
	WFAD_ANOMALY_COUNT
};
const char *wfad_anomaly_name(enum wfad_anomaly a);
/* Family of a label string ("None", "normal" and "" are WFAD_ANOMALY_NONE). */
enum wfad_anomaly wfad_anomaly_of_label(const char *label);

#define WFAD_NO_ID UINT32_MAX

/* One job of one run. Strings are ids into the dataset's interner (WFAD_NO_ID when unknown). */
struct wfad_job {
	double f[WFAD_F_COUNT];  /* NaN = missing */
	uint32_t transformation; /* first kickstart transformation, else derived from the job id */
	uint32_t host;           /* kickstart hostname (the worker) */
	uint32_t site;           /* kickstart site: local, condorpool, ... */
	int32_t exit_code;       /* kickstart exit code, INT32_MIN when unknown */
	uint16_t attempts;       /* submissions of this job (retries + 1); 0 = never submitted */
	uint8_t type;            /* enum wfad_job_type */
	uint8_t clustered;       /* 1 when kickstart ran several invocations */
	uint8_t label;           /* 1 = anomalous (anomaly_type != None) */
	uint8_t anomaly;         /* enum wfad_anomaly of the job's anomaly_type */
	uint8_t failed;          /* 1 when the last attempt failed */
	uint8_t pad;
};

/* One execution of a workflow. jobs[i] is DAG node i of the dataset. */
struct wfad_run {
	const char *id;     /* e.g. "1000-genome-run0059" or a wf_uuid (arena string) */
	const char *label;  /* run label: "normal", "cpu_2", ... (arena string) */
	const char *source; /* file it came from (arena string) */
	struct wfad_job *jobs;
};

/* The workflow DAG in CSR form. Node ids are arena strings; node i is the i-th key of the
 * DAG JSON (or the order of appearance in a .dag file). */
struct wfad_dag {
	size_t n_nodes;
	size_t n_edges;
	const char **node_ids;
	uint32_t *child_ptr; /* n_nodes + 1 */
	uint32_t *child_idx; /* n_edges */
	uint32_t *parent_ptr;
	uint32_t *parent_idx;
	uint32_t *topo;          /* nodes in topological order (Kahn, queue seeded in node order) */
	uint32_t *depth;         /* level: hops on the longest path from a root (roots are 0) */
	struct wfad_strings ids; /* node id -> index */
};

/* A dataset: the runs of one workflow sharing one DAG. Owns everything through its arena.
 * Ownership: caller-owned struct; wfad_dataset_init, then a loader fills it; wfad_dataset_free. */
struct wfad_dataset {
	struct wfad_arena arena;
	const char *workflow; /* display name, e.g. "1000genome" */
	struct wfad_dag dag;
	struct wfad_strings strings; /* transformations, hosts, sites */
	struct wfad_run *runs;
	size_t n_runs;
	size_t cap_runs;
	/* Reader's cache: the DAG node of each CSV row in the last run read (runs of one workflow
	 * usually list jobs in the same order), so most rows skip the hash lookup. */
	uint32_t *row_hint;
	/* Interned transformation of each DAG node (filled by the readers; NULL before). */
	uint32_t *node_transformation;
};

void wfad_dataset_init(struct wfad_dataset *ds);
void wfad_dataset_free(struct wfad_dataset *ds);
const char *wfad_dataset_string(const struct wfad_dataset *ds, uint32_t id); /* "" for WFAD_NO_ID */

/* Builds the CSR DAG from an edge list over node ids 0..n_nodes-1 (already in ds->dag.node_ids
 * and ds->dag.ids). Rejects self loops, duplicate edges are kept once, cycles are an error
 * naming a node on the cycle. source names the file for errors. */
enum wfad_status wfad_dag_build(struct wfad_dataset *ds, const uint32_t *parents,
				const uint32_t *children, size_t n_edges, const char *source,
				struct wfad_error *err);

/* How node `other` stands to `node` in the DAG: one of its parents, one of its children, or
 * neither (parents are looked at first). */
enum wfad_dag_relation { WFAD_DAG_NONE, WFAD_DAG_PARENT, WFAD_DAG_CHILD };
enum wfad_dag_relation wfad_dag_relation(const struct wfad_dag *dag, uint32_t node, uint32_t other);

/* Adds a run with n_nodes jobs, every field NaN and ids WFAD_NO_ID; *out points into ds. The
 * pointer stays valid until the next wfad_dataset_add_run. */
enum wfad_status wfad_dataset_add_run(struct wfad_dataset *ds, const char *id, const char *label,
				      const char *source, struct wfad_run **out);

/* Fills the delays that can be derived from timestamps where they are missing
 * (wms = submit - ready, queue = execute_start - submit, ...). */
void wfad_job_derive_delays(struct wfad_job *job);

/* Transformation name derived from a Pegasus job id: "individuals_ID0000047" -> "individuals",
 * "stage_out_local_condorpool_2_1" -> "stage_out", "create_dir_1000-genome_0_condorpool"
 * -> "create_dir". Writes the length of the prefix to *len. */
void wfad_job_id_transformation(const char *job_id, size_t *len);

/* Order of run labels for display: normal first, then by fault family and numeric magnitude
 * (cpu_2 < cpu_10 < hdd_5), unlabeled last. strcmp-like. */
int wfad_label_compare(const char *a, const char *b);

/* Number of anomalous jobs in a run. */
size_t wfad_run_anomalous_jobs(const struct wfad_dataset *ds, const struct wfad_run *run);

/* Workflow names match ignoring case, '-' and '_' ("1000-genome" == "1000genome"). */
bool wfad_workflow_name_equal(const char *a, const char *b);

#ifdef __cplusplus
}
#endif
#endif
