/* Internal to src/detect: the training loop, scoring and model I/O shared by the detectors
 * built on a multi-layer perceptron (ae, mlp). */
#ifndef WFAD_DETECT_NN_TRAIN_H
#define WFAD_DETECT_NN_TRAIN_H

#include "wfad/detect.h"
#include "wfad/nn.h"

enum wfad_nnd_task {
	WFAD_NND_RECONSTRUCT, /* output = input, MSE; score = per-row reconstruction error */
	WFAD_NND_CLASSIFY,    /* output = one logit, BCE with pos_weight; score = sigmoid */
};

/* Hyper-parameters after defaults were applied. */
struct wfad_nnd_config {
	int hidden, epochs, batch, patience;
	int nets; /* ensemble size of the graph nets; 0 where --nets does not apply (ae, mlp) */
	double lr, weight_decay;
	float dropout;
	bool stop_auc; /* graph nets: stop on the validation ROC-AUC, not the loss */
	uint64_t seed;
	unsigned threads; /* scoring only; training is sequential */
	void (*progress)(void *user, size_t done, size_t total);
	void *progress_user;
};

/* What ae and mlp embed: the detector header first, then the network. */
struct wfad_nnd {
	struct wfad_detector base;
	const char *name; /* for messages: "ae", "mlp" */
	enum wfad_nnd_task task;
	struct wfad_nnd_config cfg;
	bool fitted;
	struct wfad_nn_mlp net;
	int epochs_run; /* by the last fit */
	int best_epoch; /* whose weights were kept (epochs_run without validation) */
};

/* Fills cfg from p (NULL: all defaults) and the given defaults; WFAD_EINVAL for a negative
 * count or a negative or non-finite rate. */
enum wfad_status wfad_nnd_config(const struct wfad_detector_params *p,
				 const struct wfad_nnd_config *defaults,
				 struct wfad_nnd_config *cfg);

/* Trains a fresh network of widths dims[0..n_layers] (dims[0] == train->d) on train, with
 * early stopping on valid (NULL or empty: none). On failure m is left unfitted and err says
 * why: WFAD_EINVAL for unusable data, labels or a diverging run (naming the epoch),
 * WFAD_ENOMEM. */
enum wfad_status wfad_nnd_fit(struct wfad_nnd *m, size_t n_layers, const size_t *dims,
			      const struct wfad_jobset *train, const struct wfad_jobset *valid,
			      struct wfad_error *err);

/* Warm start: continues training a fitted m on train for exactly `epochs` epochs with a fresh
 * AdamW state, keeping the best epoch's weights on valid (NULL or empty: the last). On failure
 * m keeps its previous weights; WFAD_EINVAL when unfitted, for mismatched columns or labels. */
enum wfad_status wfad_nnd_update(struct wfad_nnd *m, const struct wfad_jobset *train,
				 const struct wfad_jobset *valid, int epochs,
				 struct wfad_error *err);

/* One finite score per row of js; WFAD_EINVAL when unfitted, for a column-count mismatch or
 * a non-finite score, WFAD_ENOMEM. */
enum wfad_status wfad_nnd_score(const struct wfad_nnd *m, const struct wfad_jobset *js,
				double *out, struct wfad_error *err);

/* Blob: u32 magic, u32 version, u32 n_layers, u32 dims[n_layers + 1], u64 parameter count,
 * f32 parameters (the model block's layout). */
enum wfad_status wfad_nnd_save(const struct wfad_nnd *m, uint32_t magic, FILE *f);
/* Reads a blob of the task's shape into an unfitted m: WFAD_EFORMAT for another magic or
 * version, WFAD_EPARSE for truncation or inconsistent sizes, non-finite parameters or a shape
 * the task cannot have, WFAD_ENOMEM. */
enum wfad_status wfad_nnd_load(struct wfad_nnd *m, uint32_t magic, FILE *f,
			       struct wfad_error *err);

/* Frees the network; m stays usable (unfitted). */
void wfad_nnd_reset(struct wfad_nnd *m);

#endif
