/* wfad detectors: one interface (create, fit, score, save, load, destroy) behind an ops table,
 * a registry by name, and the job sets they consume. */
#ifndef WFAD_DETECT_H
#define WFAD_DETECT_H

#include <stdio.h>

#include "wfad/features.h"
#include "wfad/trace.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The jobs a detector fits on or scores: every job of the listed runs of one dataset, with
 * their feature rows. Row r * ds->dag.n_nodes + i is DAG node i of run runs[r]. Borrowed.
 *
 * A joint jobset spans several datasets (workflows trained together): ds and runs are NULL,
 * n_runs, n, x and y cover all of them, and parts[0..n_parts) are the one-dataset jobsets whose
 * rows follow each other in x and y (parts[i].x points into x). Detectors that read the raw
 * traces (WFAD_DETECTOR_RAW_TRACE, WFAD_DETECTOR_HOST_POOLED) take one dataset only. */
struct wfad_jobset {
	const struct wfad_dataset *ds;
	const size_t *runs; /* indices into ds->runs */
	size_t n_runs;
	size_t n;                   /* rows: n_runs * ds->dag.n_nodes */
	size_t d;                   /* feature columns */
	const float *x;             /* n x d, row-major; finite (the featurizer guarantees it) */
	const uint8_t *y;           /* n labels, 1 = anomalous; NULL when unknown */
	const char *const *columns; /* d column names (for explanations); may be NULL */
	const uint8_t *family;      /* n fault families (enum wfad_anomaly); NULL when unknown */
	const struct wfad_jobset *parts; /* joint jobsets only */
	size_t n_parts;
};

/* What early stopping watches on the validation runs. */
enum wfad_stop_on {
	WFAD_STOP_DEFAULT, /* the detector's choice */
	WFAD_STOP_LOSS,    /* the validation loss */
	WFAD_STOP_AUC,     /* the validation jobs' ROC-AUC (binary graph job classifiers) */
};

/* Most nets an ensemble detector trains (struct wfad_detector_params.nets). */
#define WFAD_MAX_NETS 16

/* Knobs shared by the detectors; 0 (or 0.0) means "the detector's default". */
struct wfad_detector_params {
	uint64_t seed;
	unsigned threads;    /* 0 = one per CPU; results do not depend on it */
	int n_trees;         /* iforest (100), gbdt (300) */
	int sample_size;     /* iforest subsample (256) */
	int k;               /* knn / lof neighbours (5 / 20) */
	int bins;            /* hbos (10) */
	int hidden;          /* ae / mlp / gcn hidden width (64) */
	int epochs;          /* ae / mlp / gcn max epochs */
	int batch;           /* mini-batch size (runs or jobs, per detector) */
	double lr;           /* learning rate */
	double weight_decay; /* AdamW weight decay */
	int patience;        /* early-stopping patience in epochs */
	enum wfad_stop_on stop_on;
	bool classes; /* gcn: classify each job's fault family (softmax), not 0/1 */
	int nets;     /* graph nets (gcn, gcndag, gcnplain, gcnae, gnnrun) and ganttcnn: nets in
		       * the ensemble, 1..WFAD_MAX_NETS (0: the detector's default) */
	/* Progress for long fits: called with (done, total) now and then; may be NULL. */
	void (*progress)(void *user, size_t done, size_t total);
	void *progress_user;
};

/* Implementations embed this as their first member. */
struct wfad_detector {
	const struct wfad_detector_ops *ops;
};

enum {
	WFAD_DETECTOR_SUPERVISED = 1u << 0,  /* fit needs train->y (and uses valid for stopping) */
	WFAD_DETECTOR_PROBABILITY = 1u << 1, /* scores are P(anomalous) in [0, 1] */
	WFAD_DETECTOR_RAW_TRACE = 1u << 2,   /* reads the raw trace (ds) rather than x */
	WFAD_DETECTOR_HOST_POOLED = 1u << 3, /* pools evidence over the jobs of a host in a run */
	WFAD_DETECTOR_GRAPH = 1u << 4,       /* scores depend on the run's DAG (rows must be whole
					      * runs); explanations: gradient x input when the
					      * detector has `gradient`, else raw-trace reasons */
	WFAD_DETECTOR_CONTEXT = 1u << 5,     /* wfad's commands give it the context feature set
					      * unless told otherwise (it profits from the
					      * transformation and host columns; others get rich) */
};

struct wfad_detector_ops {
	const char *name;    /* "iforest" */
	const char *summary; /* one line for --help */
	unsigned flags;
	/* Allocates an unfitted detector. */
	enum wfad_status (*create)(const struct wfad_detector_params *p,
				   struct wfad_detector **out);
	/* Fits on train; valid (may be NULL) is for early stopping and is never trained on. On
	 * failure the detector stays unfitted and err says why. */
	enum wfad_status (*fit)(struct wfad_detector *det, const struct wfad_jobset *train,
				const struct wfad_jobset *valid, struct wfad_error *err);
	/* One score per row of js, higher = more anomalous; finite. */
	enum wfad_status (*score)(const struct wfad_detector *det, const struct wfad_jobset *js,
				  double *out, struct wfad_error *err);
	/* Binary state after the model header; little-endian; load rejects truncation. */
	enum wfad_status (*save)(const struct wfad_detector *det, FILE *f);
	enum wfad_status (*load)(const struct wfad_detector_params *p, FILE *f,
				 struct wfad_detector **out, struct wfad_error *err);
	void (*destroy)(struct wfad_detector *det);
	/* Optional warm start (NULL: not supported, callers refit): continues training a fitted
	 * detector on train for exactly `epochs` more epochs (valid, may be NULL, picks which of
	 * those epochs' weights are kept). The columns must match the fit. On failure the
	 * detector keeps its previous state. */
	enum wfad_status (*update)(struct wfad_detector *det, const struct wfad_jobset *train,
				   const struct wfad_jobset *valid, int epochs,
				   struct wfad_error *err);
	/* Optional (graph detectors; NULL: explanations use raw-trace reasons): the gradient of
	 * the score of row `node` of js, one run (js->n_runs == 1), in logit units, with respect
	 * to every feature of every job of that run: grad[js->n x js->d]. */
	enum wfad_status (*gradient)(const struct wfad_detector *det, const struct wfad_jobset *js,
				     size_t node, float *grad, struct wfad_error *err);
	/* Optional (detectors trained on fault families, e.g. gcn --classes; NULL: models guess
	 * families from class centroids): the likely family (enum wfad_anomaly, NONE when the
	 * job looks normal) of every row of js. */
	enum wfad_status (*classify)(const struct wfad_detector *det, const struct wfad_jobset *js,
				     uint8_t *family, struct wfad_error *err);
};

/* Registry (src/detect/registry.c is generated from WFAD_DETECTOR_REGISTER lines). */
const struct wfad_detector_ops *wfad_detector_find(const char *name);
size_t wfad_detector_count(void);
const struct wfad_detector_ops *wfad_detector_at(size_t i);

/* In an implementation file, at file scope: WFAD_DETECTOR_REGISTER(iforest) declares that
 * `const struct wfad_detector_ops wfad_detector_iforest` exists in this file. */
#define WFAD_DETECTOR_REGISTER(name) extern const struct wfad_detector_ops wfad_detector_##name

/* Little-endian binary helpers for save/load (return false on short read/write). */
bool wfad_io_write_u32(FILE *f, uint32_t v);
bool wfad_io_write_u64(FILE *f, uint64_t v);
bool wfad_io_write_f64(FILE *f, double v);
bool wfad_io_write_f32s(FILE *f, const float *v, size_t n);
bool wfad_io_write_f64s(FILE *f, const double *v, size_t n);
bool wfad_io_read_u32(FILE *f, uint32_t *v);
bool wfad_io_read_u64(FILE *f, uint64_t *v);
bool wfad_io_read_f64(FILE *f, double *v);
bool wfad_io_read_f32s(FILE *f, float *v, size_t n);
bool wfad_io_read_f64s(FILE *f, double *v, size_t n);
/* False when a seekable stream has fewer than n bytes left (a reader's check before it
 * allocates what a count read from the file asks for); true for streams that cannot seek. */
bool wfad_io_has_bytes(FILE *f, uint64_t n);
/* Strings: u32 length (at most WFAD_IO_MAX_STRING), then the bytes. read_str fails for a
 * string that does not fit buf[cap] with its terminating NUL. */
#define WFAD_IO_MAX_STRING 4096
bool wfad_io_write_str(FILE *f, const char *s);
bool wfad_io_read_str(FILE *f, char *buf, size_t cap);
/* Model files are written to "<path>.tmp" and renamed over path, so that an existing model
 * is never half-overwritten. open_temp: the stream (NULL with err set, WFAD_EIO / WFAD_ENOMEM
 * naming path) and *tmp, the temporary name; commit_temp closes f and, when ok and the close
 * worked, renames; else removes the temporary file (WFAD_EIO naming path). Frees *tmp. */
FILE *wfad_io_open_temp(const char *path, char **tmp, struct wfad_error *err);
enum wfad_status wfad_io_commit_temp(FILE *f, char *tmp, const char *path, bool ok,
				     struct wfad_error *err);
/* The u32 magic and u32 version that open a blob inside a model file: WFAD_EPARSE "truncated
 * <what>", WFAD_EFORMAT "not a <what> (bad magic: another model's?)" or "<what> version N is
 * not supported (this wfad reads V)". */
enum wfad_status wfad_io_read_tag(FILE *f, uint32_t magic, uint32_t version, const char *what,
				  struct wfad_error *err);
/* The head of a model file: 8 magic bytes, then u32 version. WFAD_EFORMAT naming path: "not a
 * wfad <what> file", or "<what> format version N; this wfad reads version V (retrain the
 * model)". */
enum wfad_status wfad_io_read_head(FILE *f, const char magic[8], uint32_t version, const char *path,
				   const char *what, struct wfad_error *err);

#ifdef __cplusplus
}
#endif
#endif
