/* mlp detector: a supervised job classifier d -> 64 -> 64 -> 1 (ReLU, dropout 0.1) trained
 * with class-weighted binary cross-entropy; score = P(anomalous). */
#include <stdlib.h>

#include "nn_train.h"

#define MLP_MAGIC 0x504c4d57u /* "WMLP" little-endian */

WFAD_DETECTOR_REGISTER(mlp);

static const struct wfad_nnd_config mlp_defaults = {
	.hidden = 64,
	.epochs = 100,
	.batch = 256,
	.patience = 10,
	.lr = 1e-3,
	.weight_decay = 1e-4,
	.dropout = 0.1f,
};

static enum wfad_status mlp_create(const struct wfad_detector_params *p, struct wfad_detector **out)
{
	struct wfad_nnd *m = calloc(1, sizeof(*m));
	if (!m)
		return WFAD_ENOMEM;
	enum wfad_status st = wfad_nnd_config(p, &mlp_defaults, &m->cfg);
	if (st != WFAD_OK) {
		free(m);
		return st;
	}
	m->base.ops = &wfad_detector_mlp;
	m->name = "mlp";
	m->task = WFAD_NND_CLASSIFY;
	*out = &m->base;
	return WFAD_OK;
}

static enum wfad_status mlp_fit(struct wfad_detector *det, const struct wfad_jobset *train,
				const struct wfad_jobset *valid, struct wfad_error *err)
{
	struct wfad_nnd *m = (struct wfad_nnd *)det;
	size_t h = (size_t)m->cfg.hidden;
	size_t dims[4] = {train->d, h, h, 1};
	return wfad_nnd_fit(m, 3, dims, train, valid, err);
}

static enum wfad_status mlp_update(struct wfad_detector *det, const struct wfad_jobset *train,
				   const struct wfad_jobset *valid, int epochs,
				   struct wfad_error *err)
{
	return wfad_nnd_update((struct wfad_nnd *)det, train, valid, epochs, err);
}

static enum wfad_status mlp_score(const struct wfad_detector *det, const struct wfad_jobset *js,
				  double *out, struct wfad_error *err)
{
	return wfad_nnd_score((const struct wfad_nnd *)det, js, out, err);
}

static enum wfad_status mlp_save(const struct wfad_detector *det, FILE *f)
{
	return wfad_nnd_save((const struct wfad_nnd *)det, MLP_MAGIC, f);
}

static void mlp_destroy(struct wfad_detector *det)
{
	if (!det)
		return;
	wfad_nnd_reset((struct wfad_nnd *)det);
	free(det);
}

static enum wfad_status mlp_load(const struct wfad_detector_params *p, FILE *f,
				 struct wfad_detector **out, struct wfad_error *err)
{
	struct wfad_detector *det = NULL;
	enum wfad_status st = mlp_create(p, &det);
	if (st != WFAD_OK)
		return wfad_error_set(err, st, "", 0, 0, "mlp: cannot create the detector");
	if ((st = wfad_nnd_load((struct wfad_nnd *)det, MLP_MAGIC, f, err)) != WFAD_OK) {
		mlp_destroy(det);
		return st;
	}
	*out = det;
	return WFAD_OK;
}

const struct wfad_detector_ops wfad_detector_mlp = {
	.name = "mlp",
	.summary = "supervised MLP classifier (d-64-64-1, dropout 0.1, class-weighted BCE, AdamW, "
		   "early stopping): P(anomalous)",
	.flags = WFAD_DETECTOR_SUPERVISED | WFAD_DETECTOR_PROBABILITY | WFAD_DETECTOR_CONTEXT,
	.create = mlp_create,
	.fit = mlp_fit,
	.score = mlp_score,
	.save = mlp_save,
	.load = mlp_load,
	.destroy = mlp_destroy,
	.update = mlp_update,
};
