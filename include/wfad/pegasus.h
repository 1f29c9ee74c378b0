/* wfad Pegasus formats: parsers for jobstate.log, HTCondor .dag files, kickstart records and
 * braindump.yml that work on memory buffers, plus the job-timeline rules shared by the submit
 * directory and stampede database readers (wfad_pegasus_load / wfad_stampede_load in ingest.h).
 * See docs/pegasus.md for the rules and FORMATS.md ("Pegasus") for the formats.
 *
 * Memory: every parser is arena-owned (pattern 2): all strings and arrays of a result live in
 * the arena the caller passes, and wfad_arena_free releases them. On failure the result struct
 * is untouched, err says file:line:col, and what the parser put in the arena stays there until
 * the arena is freed (never leaked). */
#ifndef WFAD_PEGASUS_H
#define WFAD_PEGASUS_H

#include "wfad/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- jobstate.log ---------------------------------------------------------------------- */

/* Job and workflow states written by pegasus-monitord (monitoring.rst, condor_jobstates). */
enum wfad_jobstate {
	WFAD_JS_UNKNOWN, /* a state word this version does not know; the line is kept */
	WFAD_JS_PRE_SCRIPT_STARTED,
	WFAD_JS_PRE_SCRIPT_TERMINATED,
	WFAD_JS_PRE_SCRIPT_SUCCESS,
	WFAD_JS_PRE_SCRIPT_FAILURE, /* written PRE_SCRIPT_FAILED or PRE_SCRIPT_FAILURE */
	WFAD_JS_SUBMIT,
	WFAD_JS_GRID_SUBMIT,
	WFAD_JS_GLOBUS_SUBMIT,
	WFAD_JS_SUBMIT_FAILED,
	WFAD_JS_EXECUTE,
	WFAD_JS_REMOTE_ERROR,
	WFAD_JS_IMAGE_SIZE,
	WFAD_JS_JOB_TERMINATED,
	WFAD_JS_JOB_SUCCESS,
	WFAD_JS_JOB_FAILURE,
	WFAD_JS_JOB_HELD,
	WFAD_JS_JOB_EVICTED,
	WFAD_JS_JOB_RELEASED,
	WFAD_JS_POST_SCRIPT_STARTED,
	WFAD_JS_POST_SCRIPT_TERMINATED,
	WFAD_JS_POST_SCRIPT_SUCCESS,
	WFAD_JS_POST_SCRIPT_FAILURE, /* written POST_SCRIPT_FAILED or POST_SCRIPT_FAILURE */
	/* Workflow-level lines: "<ts> INTERNAL *** NAME [arg] ***". */
	WFAD_JS_MONITORD_STARTED,
	WFAD_JS_MONITORD_FINISHED,
	WFAD_JS_DAGMAN_STARTED,
	WFAD_JS_DAGMAN_FINISHED,
	WFAD_JS_COUNT
};

/* Canonical name of a state ("POST_SCRIPT_FAILURE"); "UNKNOWN" for WFAD_JS_UNKNOWN. */
const char *wfad_jobstate_name(enum wfad_jobstate state);
/* State of a word as written in jobstate.log or the stampede jobstate table (both spellings of
 * the failure states are accepted); WFAD_JS_UNKNOWN when the word is not a known state. */
enum wfad_jobstate wfad_jobstate_lookup(const char *word, size_t len);

/* One line of jobstate.log. Strings are arena strings; optional fields are NULL or -1. */
struct wfad_jobstate_event {
	double ts;          /* epoch seconds (field 1) */
	const char *job_id; /* DAG job name, or "INTERNAL" for workflow-level lines */
	enum wfad_jobstate state;
	const char *state_word; /* the state as written, e.g. "POST_SCRIPT_FAILURE" */
	const char *arg;        /* field 4: Condor id or status; for INTERNAL lines the word after
				 * the name (DAGMan id, exit code); NULL for "-" or absent */
	const char *site;       /* field 5, NULL for "-" or absent */
	double walltime;        /* field 6, NaN for "-" or absent */
	long submit_seq;        /* field 7 (job_submit_seq), -1 for "-" or absent */
	long line;              /* 1-based line number in the buffer */
};

struct wfad_jobstate_log {
	struct wfad_jobstate_event *events; /* in file order (which is not time order) */
	size_t n_events;
};

/* Parses a jobstate.log buffer. Blank lines are skipped. Errors (WFAD_EPARSE, with the line and
 * column): a timestamp that is not a number, fewer than 3 fields or more than 7, a
 * job_submit_seq that is not a non-negative integer, an INTERNAL line not of the form
 * "*** NAME ... ***". source names the buffer in errors. */
enum wfad_status wfad_pegasus_parse_jobstate(const char *buf, size_t len, const char *source,
					     struct wfad_arena *arena,
					     struct wfad_jobstate_log *out, struct wfad_error *err);

/* ---- HTCondor DAGMan .dag file --------------------------------------------------------- */

/* One JOB (or SUBDAG EXTERNAL) node and the per-node lines that name it. Arena strings. */
struct wfad_dagfile_job {
	const char *id;          /* node name */
	const char *submit;      /* submit file (or the .dag file of a SUBDAG) as written */
	const char *dir;         /* DIR option, NULL when absent */
	const char *pre_script;  /* SCRIPT PRE command line (executable and arguments), or NULL */
	const char *post_script; /* SCRIPT POST command line, or NULL */
	const char *category;    /* CATEGORY, or NULL */
	long retry;              /* RETRY count, 0 when absent */
	long priority;           /* PRIORITY, 0 when absent */
	bool noop, done;         /* NOOP / DONE options of the JOB line */
	bool subdag;             /* declared with SUBDAG EXTERNAL */
	long line;               /* line of the JOB statement */
};

struct wfad_dagfile_edge {
	uint32_t parent, child; /* indices into jobs */
	long line;              /* line of the PARENT statement */
};

struct wfad_dagfile {
	struct wfad_dagfile_job *jobs; /* in JOB order */
	size_t n_jobs;
	struct wfad_dagfile_edge *edges; /* every (parent, child) pair of every PARENT line, in
					  * file order; duplicates are kept */
	size_t n_edges;
};

/* Most edges one .dag may expand to (PARENT a b ... CHILD c d ... is a cross product). */
#define WFAD_DAGFILE_MAX_EDGES (1u << 24)

/* Parses a DAGMan .dag buffer: JOB, SUBDAG EXTERNAL, SCRIPT [DEFER s t] [DEBUG f t] PRE|POST,
 * RETRY, PRIORITY, CATEGORY and PARENT p... CHILD c... (several names each side). Keywords are
 * case-insensitive; comments (#) and blank lines are skipped, and so are other keywords (VARS,
 * MAXJOBS, CONFIG, DOT, FINAL, SPLICE, ...), which DAGMan has many of. Errors, with the line:
 * WFAD_EPARSE for a statement missing its fields (a PARENT line without CHILD, JOB without a
 * submit file, a RETRY/PRIORITY count that is not an integer); WFAD_EINVAL for a duplicate JOB
 * or a node named before its JOB line; WFAD_ELIMIT past WFAD_DAGFILE_MAX_EDGES. Cycles are not
 * checked here (wfad_dag_build does). */
enum wfad_status wfad_pegasus_parse_dagfile(const char *buf, size_t len, const char *source,
					    struct wfad_arena *arena, struct wfad_dagfile *out,
					    struct wfad_error *err);

/* Where a pegasus-plan job's SCRIPT PRE says the sub-workflow is planned: the values of
 * --dir, --relative-submit-dir (or --relative-dir when that is absent) and --basename, as
 * arena strings (NULL when absent). Returns false when the command has no relative submit
 * directory, i.e. it does not describe a sub-workflow (or when the arena is out of memory). */
struct wfad_pegasus_plan_args {
	const char *dir;
	const char *relative_submit_dir;
	const char *basename;
};
bool wfad_pegasus_plan_args(const char *pre_script, struct wfad_arena *arena,
			    struct wfad_pegasus_plan_args *out);

/* ---- kickstart invocation records (YAML, Pegasus >= 4.8) -------------------------------- */

/* One "- invocation:" record. Strings are arena strings (NULL when absent); numbers NaN when
 * absent. */
struct wfad_kickstart_invocation {
	const char *transformation;
	const char *derivation;
	const char *hostname;
	const char *resource; /* the site */
	const char *user;
	double start;        /* "start" (ISO 8601 with ms and TZ) as epoch seconds */
	double duration;     /* seconds */
	double utime, stime; /* mainjob usage, seconds */
	int32_t exit_code;   /* mainjob status: regular_exitcode, -signal when signalled,
			      * decoded from "raw" when only that is present; INT32_MIN unknown */
	long cpu_count;      /* machine cpu_count, -1 when absent */
	double load_min1;    /* machine load_min1 */
	long line;           /* line of the "- invocation:" record in the buffer */
};

struct wfad_kickstart {
	struct wfad_kickstart_invocation *inv; /* clustered jobs have several */
	size_t n_inv;
};

/* Parses a kickstart output file (.out.NNN) from memory. Records start at lines beginning with
 * "- invocation:" and run until the next line that starts in column 0; anything else (#@
 * stdout prefixes, [cluster-task ...] lines, pegasus-multipart blocks) is skipped. Each
 * record is parsed with libyaml. Errors: WFAD_EPARSE with line and column when a record is
 * not valid YAML or a known field has a bad value, or when there is no record at all;
 * WFAD_EFORMAT for the old XML record format. */
enum wfad_status wfad_pegasus_parse_kickstart(const char *buf, size_t len, const char *source,
					      struct wfad_arena *arena, struct wfad_kickstart *out,
					      struct wfad_error *err);

/* Parses an ISO 8601 date-time "YYYY-MM-DD[T ]hh:mm:ss[.frac](Z|+hh:mm|+hhmm|+hh)" into epoch
 * seconds. A time zone is required. Returns false when s[0..len) is not such a time. */
bool wfad_pegasus_parse_time(const char *s, size_t len, double *out);

/* ---- braindump.yml ---------------------------------------------------------------------- */

/* The braindump keys wfad uses (arena strings, NULL when absent or null). */
struct wfad_braindump {
	const char *wf_uuid;
	const char *root_wf_uuid;
	const char *dax_label;
	const char *pegasus_wf_name;
	const char *dag;        /* the .dag file name */
	const char *jsd;        /* the jobstate file name */
	const char *submit_dir; /* submit directory on the planning host */
};

/* Parses braindump.yml (a flat YAML mapping of key: "value"). Errors: WFAD_EPARSE with line
 * and column for invalid YAML or a top level that is not a mapping. */
enum wfad_status wfad_pegasus_parse_braindump(const char *buf, size_t len, const char *source,
					      struct wfad_arena *arena, struct wfad_braindump *out,
					      struct wfad_error *err);

/* ---- job timelines and runs (shared by the directory and stampede readers) --------------- */

/* Job type from a Pegasus job id: create_dir/cleanup/register/chmod -> auxiliary, stage_* ->
 * transfer, pegasus-plan/dax -> subwf, anything else -> compute. */
enum wfad_job_type wfad_pegasus_job_type(const char *job_id);

/* The job states of one job folded into the fields of its last attempt. Retries: the attempt
 * with the highest job_submit_seq counts; states of older attempts are ignored except that
 * every SUBMIT counts towards attempts. Within an attempt SUBMIT and EXECUTE keep their
 * earliest time (an evicted job executes again), the *_SUCCESS/FAILURE states their latest,
 * and the attempt failed when its final state (in phase order pre-script < submit < job <
 * post-script) is a failure. Caller-owned plain struct; init, add states in any order, fill. */
struct wfad_pegasus_timeline {
	double pre_start, pre_end, submit, execute_start, execute_end, post_start, post_end;
	long seq;          /* job_submit_seq of the attempt kept, -1 before the first state */
	long synth_seq;    /* attempt counter for states without a job_submit_seq */
	bool synth_in_pre; /* a PRE script started and its SUBMIT has not been seen yet */
	int final_phase;   /* phase of the latest terminal state (0 = none yet) */
	bool failed;
	unsigned submits; /* SUBMIT states over all attempts */
};
void wfad_pegasus_timeline_init(struct wfad_pegasus_timeline *t);
/* Adds one state of the job. submit_seq < 0 means unknown: attempts are then counted in the
 * order the states are added (PRE_SCRIPT_STARTED, or a SUBMIT not preceded by one, starts a
 * new attempt). Workflow-level and unknown states are ignored. */
void wfad_pegasus_timeline_add(struct wfad_pegasus_timeline *t, enum wfad_jobstate state, double ts,
			       long submit_seq);
/* Writes submit, execute_start/end, pre/post-script start/end, attempts and failed. */
void wfad_pegasus_timeline_fill(const struct wfad_pegasus_timeline *t, struct wfad_job *job);

/* Exit code from a wait status ("raw" in kickstart, invocation.exitcode in stampede): the
 * exit value, or -signal when the process was killed; INT32_MIN when raw is out of range. */
int32_t wfad_pegasus_exit_from_raw(long raw);
/* Folds one invocation's exit code into a job's (INT32_MIN = unknown): a non-zero code wins
 * over 0, the larger of two non-zero codes wins (Flow-Bench takes the max). */
int32_t wfad_pegasus_exit_combine(int32_t acc, int32_t code);

/* Completes a run once every job's timestamps are filled: in topological order, ready = for
 * root jobs dagman_start, otherwise the max over parents of (post_script_end if present, else
 * execute_end) -- parents with neither are skipped, and a job with a failed parent (or no
 * parent end at all) gets NaN because DAGMan never made it ready -- then
 * wfad_job_derive_delays. A ready value already set is kept. */
void wfad_pegasus_finish_run(const struct wfad_dataset *ds, struct wfad_run *run,
			     double dagman_start);

/* Adds every run of src (a dataset a reader built) to dst. When dst has no DAG yet it takes
 * src's DAG and workflow name; otherwise src must have the same job ids and edges
 * (WFAD_EINVAL). Strings are re-interned into dst; src is not changed and stays owned by the
 * caller. On WFAD_EINVAL dst is untouched; on WFAD_ENOMEM it may hold a partial DAG or run
 * and must still be freed with wfad_dataset_free. */
enum wfad_status wfad_pegasus_merge(struct wfad_dataset *dst, const struct wfad_dataset *src,
				    const char *source, struct wfad_error *err);

/* Flattening a sub-workflow: its jobs are nodes [first, last) and every edge touching them so
 * far is inside that range. Appends to the edge list (parents/children, *n used of *cap,
 * grown with realloc) the edges that give the sub-workflow's roots the plan job's parents and
 * its leaves the plan job's children; the plan job keeps its own edges. Returns WFAD_ENOMEM,
 * or WFAD_ELIMIT past WFAD_DAGFILE_MAX_EDGES (the list stays valid and caller-owned). */
enum wfad_status wfad_pegasus_flatten_edges(uint32_t **parents, uint32_t **children, size_t *n,
					    size_t *cap, uint32_t plan, uint32_t first,
					    uint32_t last);

/* Deepest sub-workflow nesting wfad_pegasus_load and wfad_stampede_load follow (WFAD_ELIMIT
 * beyond). */
#define WFAD_PEGASUS_MAX_DEPTH 8

#ifdef __cplusplus
}
#endif
#endif
