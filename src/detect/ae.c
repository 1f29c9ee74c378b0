/* ae detector: an MLP autoencoder d -> hidden -> bottleneck -> hidden -> d trained on
 * reconstruction (MSE); score = mean squared reconstruction error of the row. */
#include <stdlib.h>

#include "nn_train.h"

#define AE_MAGIC 0x45414e57u /* "WNAE" little-endian */

WFAD_DETECTOR_REGISTER(ae);

static const struct wfad_nnd_config ae_defaults = {
	.hidden = 64,
	.epochs = 50,
	.batch = 256,
	.patience = 5,
	.lr = 1e-3,
	.weight_decay = 1e-4,
	.dropout = 0.0f,
};

static enum wfad_status ae_create(const struct wfad_detector_params *p, struct wfad_detector **out)
{
	struct wfad_nnd *m = calloc(1, sizeof(*m));
	if (!m)
		return WFAD_ENOMEM;
	enum wfad_status st = wfad_nnd_config(p, &ae_defaults, &m->cfg);
	if (st != WFAD_OK) {
		free(m);
		return st;
	}
	m->base.ops = &wfad_detector_ae;
	m->name = "ae";
	m->task = WFAD_NND_RECONSTRUCT;
	*out = &m->base;
	return WFAD_OK;
}

static enum wfad_status ae_fit(struct wfad_detector *det, const struct wfad_jobset *train,
			       const struct wfad_jobset *valid, struct wfad_error *err)
{
	struct wfad_nnd *m = (struct wfad_nnd *)det;
	size_t d = train->d, h = (size_t)m->cfg.hidden;
	size_t bottleneck = d / 4 > 2 ? d / 4 : 2;
	size_t dims[5] = {d, h, bottleneck, h, d};
	return wfad_nnd_fit(m, 4, dims, train, valid, err);
}

static enum wfad_status ae_score(const struct wfad_detector *det, const struct wfad_jobset *js,
				 double *out, struct wfad_error *err)
{
	return wfad_nnd_score((const struct wfad_nnd *)det, js, out, err);
}

static enum wfad_status ae_save(const struct wfad_detector *det, FILE *f)
{
	return wfad_nnd_save((const struct wfad_nnd *)det, AE_MAGIC, f);
}

static void ae_destroy(struct wfad_detector *det)
{
	if (!det)
		return;
	wfad_nnd_reset((struct wfad_nnd *)det);
	free(det);
}

static enum wfad_status ae_load(const struct wfad_detector_params *p, FILE *f,
				struct wfad_detector **out, struct wfad_error *err)
{
	struct wfad_detector *det = NULL;
	enum wfad_status st = ae_create(p, &det);
	if (st != WFAD_OK)
		return wfad_error_set(err, st, "", 0, 0, "ae: cannot create the detector");
	if ((st = wfad_nnd_load((struct wfad_nnd *)det, AE_MAGIC, f, err)) != WFAD_OK) {
		ae_destroy(det);
		return st;
	}
	*out = det;
	return WFAD_OK;
}

const struct wfad_detector_ops wfad_detector_ae = {
	.name = "ae",
	.summary = "autoencoder (MLP d-64-d/4-64-d, AdamW, early stopping): reconstruction error",
	.flags = 0,
	.create = ae_create,
	.fit = ae_fit,
	.score = ae_score,
	.save = ae_save,
	.load = ae_load,
	.destroy = ae_destroy,
};
