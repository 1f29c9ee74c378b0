/* wfad render: Gantt charts of one run for people (PNG, SVG, PDF through cairo) and fixed-size
 * rasters of the same encoding for models. Layout, colours and rules are in docs/gantt.md. */
#ifndef WFAD_RENDER_H
#define WFAD_RENDER_H

#include "wfad/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The parts of a job's life drawn as stacked segments, in drawing order. */
enum wfad_gantt_segment {
	WFAD_SEG_WMS,         /* ready -> pre-script start (or submit): the WMS delay */
	WFAD_SEG_PRE_SCRIPT,  /* pre_script_start -> pre_script_end */
	WFAD_SEG_QUEUE,       /* submit -> execute_start */
	WFAD_SEG_RUNTIME,     /* execute_start -> execute_end */
	WFAD_SEG_STAGE_IN,    /* stage_in_start -> stage_in_end (drawn over the runtime) */
	WFAD_SEG_STAGE_OUT,   /* stage_out_start -> stage_out_end (drawn over the runtime) */
	WFAD_SEG_POST_SCRIPT, /* post_script_start -> post_script_end */
	WFAD_SEG_COUNT
};

/* Legend text of a segment, e.g. "queue". */
const char *wfad_gantt_segment_name(enum wfad_gantt_segment s);

/* The segment's colour in the charts (Okabe-Ito), components in [0, 1]. */
void wfad_gantt_segment_rgb(enum wfad_gantt_segment s, double rgb[3]);

/* A segment's bounds in seconds; both NaN when the job lacks the timestamps. */
struct wfad_gantt_span {
	double t0, t1;
};

/* Segment bounds of job j relative to t_origin (seconds). A segment whose start or end is
 * missing, or that ends before it starts, is absent (NaN). Returns the number present. */
size_t wfad_gantt_job_spans(const struct wfad_job *j, double t_origin,
			    struct wfad_gantt_span spans[WFAD_SEG_COUNT]);

/* True when a job is drawn as incomplete: it failed, or lacks its ready, execute_start or
 * execute_end timestamp (never executed, or the trace is cut short). */
bool wfad_gantt_job_incomplete(const struct wfad_job *j);

/* Earliest and latest timestamp of a run (seconds since the epoch); false when the run has no
 * timestamp at all. */
bool wfad_gantt_run_bounds(const struct wfad_dataset *ds, size_t run, double *t_min, double *t_max);

enum wfad_gantt_sort {
	WFAD_GANTT_SORT_READY, /* by ready time (jobs without one last), ties in DAG order */
	WFAD_GANTT_SORT_DAG,   /* topological order of the DAG */
};

/* Job order of a chart: order[n_nodes] receives DAG node indices. */
void wfad_gantt_order(const struct wfad_dataset *ds, size_t run, enum wfad_gantt_sort sort,
		      uint32_t *order);

enum wfad_render_format {
	WFAD_RENDER_AUTO, /* from the path's extension: .png, .svg or .pdf */
	WFAD_RENDER_PNG,
	WFAD_RENDER_SVG,
	WFAD_RENDER_PDF,
};

struct wfad_gantt_options {
	enum wfad_gantt_sort sort;
	enum wfad_render_format format;
	const uint8_t *flagged; /* n_nodes flags (1 = flagged by a detector), NULL = none given */
	const char *source;     /* what flagged the jobs, for the summary line ("model hostz") */
	double width;           /* page width in points (pixels for PNG); 0 = 1200 */
};

/* Draws the Gantt chart of ds->runs[run] to path. With opt->flagged the flagged jobs are
 * outlined and a summary line says how many and on which hosts. WFAD_EFORMAT for an unknown
 * extension, WFAD_EIO when the file cannot be written; err names the path. Borrows all. */
enum wfad_status wfad_render_gantt(const struct wfad_dataset *ds, size_t run,
				   const struct wfad_gantt_options *opt, const char *path,
				   struct wfad_error *err);

/* Summary of flagged jobs: "3 of 80 jobs flagged by model hostz; hosts: w1 (2 of 9), w2 (1
 * of 8)" (up to 5 hosts), written into buf (always NUL-terminated). */
void wfad_gantt_flag_summary(const struct wfad_dataset *ds, size_t run, const uint8_t *flagged,
			     const char *source, char *buf, size_t size);

/* Reads `wfad score --format csv` output (a header with run_id, job_id and verdict columns)
 * and sets flagged[node] = 1 for the jobs of ds->runs[run] whose verdict is "anomaly";
 * flagged[n_nodes] is zeroed first. Unknown job ids are skipped; *n_matched counts the rows
 * of this run that named a known job. WFAD_EPARSE / WFAD_ENOTFOUND with err set. */
enum wfad_status wfad_gantt_read_scores(const struct wfad_dataset *ds, size_t run, const char *path,
					uint8_t *flagged, size_t *n_matched,
					struct wfad_error *err);

/* ---- Rasters -------------------------------------------------------------------------
 * A fixed n x n picture of a run, no text or axes, one channel per segment kind plus one for
 * incomplete jobs: out[WFAD_RASTER_CHANNELS x n x n], row y = jobs in DAG topological order
 * (job k of m covers rows [k n / m, (k + 1) n / m), or shares one row when m > n), column x
 * = time [x, x + 1) * span / n from the run's start. A pixel holds the share of its time
 * interval covered by the segment (maximum over the jobs sharing a row); the incomplete
 * channel is 1 over the whole row of an incomplete job. Same run, same bytes. */
#define WFAD_RASTER_CHANNELS (WFAD_SEG_COUNT + 1)

/* Raster with the time axis spanning the run itself (its makespan). */
void wfad_render_raster(const struct wfad_dataset *ds, size_t run, size_t n, float *out);
/* Raster with a fixed time axis of span seconds (> 0), so runs of different lengths compare;
 * time past span is clipped. */
void wfad_render_raster_span(const struct wfad_dataset *ds, size_t run, size_t n, double span,
			     float *out);

/* A raster with a CPU-utilisation channel (wfad_raster_options.util set) has one more
 * channel after the WFAD_RASTER_CHANNELS above: over each job's runtime segment, coverage x
 * (the job's log utilisation - its typical value), clipped to +-WFAD_RASTER_UTIL_MAX (the
 * value of larger magnitude where jobs share a pixel, or with util_mean the mean over the
 * jobs sharing the row). Timestamps cannot show a CPU fault that leaves durations alone;
 * kickstart's CPU time can. */
#define WFAD_RASTER_UTIL_CHANNELS (WFAD_RASTER_CHANNELS + 1)
#define WFAD_RASTER_UTIL_MAX 2.0
/* With wfad_raster_options.util_scale set too, one more channel follows: the same deviation
 * divided by the node's scale (e.g. a multiple of its transformation's spread), clipped and
 * painted the same way. A transformation whose utilisation barely varies shows a small
 * shift there that the unscaled channel leaves below a pixel's resolution. */
#define WFAD_RASTER_UTIL_SCALED_CHANNELS (WFAD_RASTER_UTIL_CHANNELS + 1)

/* log((cpu_time + 1) / (runtime + 1)) of a job (seconds; runtime = execute_end -
 * execute_start); NaN when either is unknown. */
double wfad_render_job_utilisation(const struct wfad_job *j);

struct wfad_raster_options {
	double span;              /* seconds on the time axis (> 0); time past it is clipped */
	const double *util;       /* [n_nodes] typical utilisation per node (NaN unknown), or NULL
				   * for no utilisation channel */
	bool util_mean;           /* where jobs share a row (more jobs than rows), the utilisation
				   * pixel is the mean over them of coverage x value (0 for a job that
				   * does not cover it) rather than the value of larger magnitude */
	const double *util_scale; /* with util: [n_nodes] divisor (> 0) of the deviation per node
				   * for the scaled channel, or NULL for none */
	bool omit;                /* leave node omit_node out of the picture (occlusion: the time
				   * axis and the row layout stay as with every job) */
	uint32_t omit_node;
	const float *base; /* with omit, optionally: the run's raster with every job, drawn
			    * with these options; it is copied and only omit_node's rows are
			    * painted again (the same bytes, at the cost of the jobs of those
			    * rows instead of the whole run's) */
};
/* Channels of a raster drawn with opt: WFAD_RASTER_UTIL_SCALED_CHANNELS with opt->util and
 * opt->util_scale set, WFAD_RASTER_UTIL_CHANNELS with opt->util alone, else
 * WFAD_RASTER_CHANNELS. */
size_t wfad_raster_channels(const struct wfad_raster_options *opt);
/* The general raster: out[wfad_raster_channels(opt) x n x n]. Borrows everything; same
 * inputs, same bytes. */
void wfad_render_raster_ex(const struct wfad_dataset *ds, size_t run, size_t n,
			   const struct wfad_raster_options *opt, float *out);

/* Writes the n x n raster of ds->runs[run] as a PNG: white background, each segment kind
 * in its chart colour with the pixel's coverage as opacity (in drawing order), light grey
 * where an incomplete job's row is otherwise empty. Same run, same bytes. WFAD_EIO names the
 * path when it cannot be written. */
enum wfad_status wfad_render_raster_png(const struct wfad_dataset *ds, size_t run, size_t n,
					const char *path, struct wfad_error *err);

#ifdef __cplusplus
}
#endif
#endif
