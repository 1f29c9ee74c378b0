/* Internal to src/features: the context computation shared by the featurizer and the public
 * wfad_features_context_values. Not installed. */
#ifndef WFAD_FEATURES_INTERNAL_H
#define WFAD_FEATURES_INTERNAL_H

#include "wfad/features.h"

/* map[id] = index in fz of the transformation whose name is ds string id, else UINT32_MAX.
 * Caller frees *map. WFAD_ENOMEM only. */
enum wfad_status wfad_features_tr_map(const struct wfad_featurizer *fz,
				      const struct wfad_dataset *ds, uint32_t **map);

/* Log of context delay k of a job (NaN when missing or not finite). */
double wfad_ctx_log_delay(const struct wfad_job *job, enum wfad_ctx_delay k);

/* Fits med[id * WFAD_CTX_COUNT + k] and mad[...] (NaN when unseen) for every ds string id from
 * the jobs of the given runs. WFAD_ENOMEM only. */
enum wfad_status wfad_ctx_fit_stats(const struct wfad_dataset *ds, const size_t *runs,
				    size_t n_runs, double *med, double *mad);

/* Scratch space for the context values of one run: allocated once per call, reused per run. */
struct wfad_ctx_work {
	size_t n_nodes, n_ids;
	struct ctx_pair *pairs; /* n_nodes */
	double *host_sum;       /* n_ids x WFAD_CTX_COUNT */
	double *host_max;       /* n_ids x WFAD_CTX_COUNT */
	uint32_t *host_cnt;     /* n_ids x WFAD_CTX_COUNT */
	uint32_t *host_jobs;    /* n_ids */
	double *host_e;         /* n_ids: sum of the job evidence */
	uint32_t *hosts;        /* n_nodes: hosts touched in this run */
	double *tmp;            /* n_nodes */
};

enum wfad_status wfad_ctx_work_init(struct wfad_ctx_work *w, const struct wfad_dataset *ds);
void wfad_ctx_work_free(struct wfad_ctx_work *w);

/* Context values of the jobs of one run: out[n_nodes][WFAD_CTX_VALUES]. fz must hold log
 * statistics; map from wfad_features_tr_map. No allocation. */
void wfad_ctx_run(const struct wfad_featurizer *fz, const uint32_t *map,
		  const struct wfad_dataset *ds, const struct wfad_job *jobs,
		  struct wfad_ctx_work *w, double *out);

#endif
