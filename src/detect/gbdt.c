/* gbdt detector: supervised gradient-boosted trees (XGBoost binary:logistic, hist method) on
 * the feature rows, early-stopped on the validation jobs' ROC-AUC; score = P(anomalous). */
#include <stdlib.h>
#include <string.h>

#include <xgboost/c_api.h>

#include "wfad/detect.h"
#include "xgb_io.h"

#define GBDT_MAGIC 0x54424757u /* "WGBT" little-endian */
#define GBDT_VERSION 2u        /* 2: the trees carry a checksum; version 1 files still load */
#define GBDT_DEFAULT_TREES 300
#define GBDT_DEFAULT_PATIENCE 30
#define GBDT_DEFAULT_ETA 0.1
#define GBDT_MAX_DEPTH 6
#define GBDT_MAX_TREES 100000

struct gbdt {
	struct wfad_detector base;
	struct wfad_detector_params p;
	BoosterHandle booster; /* NULL until fitted or loaded; holds the best trees only */
	size_t d;              /* feature columns it was fitted on */
	int n_trees;           /* trees kept */
};

WFAD_DETECTOR_REGISTER(gbdt);

static enum wfad_status xgb_error(struct wfad_error *err, const char *what)
{
	return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "gbdt: xgboost %s failed: %s", what,
			      XGBGetLastError());
}

static enum wfad_status gbdt_create(const struct wfad_detector_params *p,
				    struct wfad_detector **out)
{
	if (p && (p->n_trees < 0 || p->n_trees > GBDT_MAX_TREES || p->patience < 0 ||
		  !(p->lr >= 0 && p->lr <= 1)))
		return WFAD_EINVAL;
	struct gbdt *m = calloc(1, sizeof(*m));
	if (!m)
		return WFAD_ENOMEM;
	m->base.ops = &wfad_detector_gbdt;
	if (p)
		m->p = *p;
	*out = &m->base;
	return WFAD_OK;
}

/* The rows of js as an XGBoost matrix, with labels when with_labels. */
static enum wfad_status make_matrix(const struct wfad_jobset *js, bool with_labels,
				    DMatrixHandle *out, struct wfad_error *err)
{
	enum wfad_status st = WFAD_OK;
	DMatrixHandle h = NULL;
	float *label = NULL;
	if (XGDMatrixCreateFromMat(js->x, js->n, js->d, NAN, &h) != 0) {
		st = xgb_error(err, "matrix");
		goto cleanup;
	}
	if (with_labels) {
		label = malloc((js->n ? js->n : 1) * sizeof(*label));
		if (!label) {
			st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "gbdt: out of memory");
			goto cleanup;
		}
		for (size_t i = 0; i < js->n; i++)
			label[i] = js->y[i] ? 1.0f : 0.0f;
		if (XGDMatrixSetFloatInfo(h, "label", label, js->n) != 0) {
			st = xgb_error(err, "labels");
			goto cleanup;
		}
	}
	*out = h;
	h = NULL;
cleanup:
	if (h)
		XGDMatrixFree(h);
	free(label);
	return st;
}

/* Thread count for XGBoost: p->threads, 0 = its default (all cores) except on small tables,
 * where OpenMP's spinning threads cost far more than they save when the CPUs are busy (seen:
 * 30 s instead of 0.3 s on 6k rows). Results do not depend on it. */
enum { GBDT_ROWS_PER_THREAD = 50000 };
static enum wfad_status set_threads(BoosterHandle b, unsigned threads, size_t rows,
				    struct wfad_error *err)
{
	char buf[32];
	if (threads == 0 && rows < GBDT_ROWS_PER_THREAD)
		threads = 1;
	snprintf(buf, sizeof(buf), "%u", threads);
	if (XGBoosterSetParam(b, "nthread", buf) != 0 || XGBoosterSetParam(b, "verbosity", "0"))
		return xgb_error(err, "parameters");
	return WFAD_OK;
}

static enum wfad_status set_params(BoosterHandle b, const struct wfad_detector_params *p,
				   double pos_weight, size_t rows, struct wfad_error *err)
{
	char seed[32], depth[32], eta[32], spw[64];
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)(p->seed % 2147483647u));
	snprintf(depth, sizeof(depth), "%d", GBDT_MAX_DEPTH);
	snprintf(eta, sizeof(eta), "%.17g", p->lr > 0 ? p->lr : GBDT_DEFAULT_ETA);
	snprintf(spw, sizeof(spw), "%.17g", pos_weight);
	/* No row or column subsampling: with the hist method the trees are then a function of the
	 * data alone, identical for every thread count (checked in the tests). */
	const char *kv[][2] = {
		{"objective", "binary:logistic"},
		{"eval_metric", "auc"},
		{"tree_method", "hist"},
		{"max_depth", depth},
		{"eta", eta},
		{"scale_pos_weight", spw},
		{"subsample", "1"},
		{"colsample_bytree", "1"},
		{"seed", seed},
	};
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (XGBoosterSetParam(b, kv[i][0], kv[i][1]) != 0)
			return xgb_error(err, "parameters");
	return set_threads(b, p->threads, rows, err);
}

/* Validation metric from an XGBoosterEvalOneIter line "[3]\tvalid-auc:0.912". */
static double parse_metric(const char *res)
{
	const char *colon = res ? strrchr(res, ':') : NULL;
	return colon ? strtod(colon + 1, NULL) : NAN;
}

/* Checks the labels: both classes present; writes the negative / positive ratio. */
static enum wfad_status check_labels(const struct wfad_jobset *js, const char *what, double *ratio,
				     struct wfad_error *err)
{
	if (!js->y)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "gbdt is supervised: the %s jobs have no labels", what);
	size_t pos = 0;
	for (size_t i = 0; i < js->n; i++)
		pos += js->y[i] != 0;
	if (pos == 0 || pos == js->n)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "gbdt needs anomalous and normal %s jobs (%zu of %zu are "
				      "anomalous)",
				      what, pos, js->n);
	if (ratio)
		*ratio = (double)(js->n - pos) / (double)pos;
	return WFAD_OK;
}

/* Matrices of train (and valid, when not NULL) and a booster caching them; the caller frees
 * them with free_boosting, also on failure. */
static enum wfad_status open_booster(const struct wfad_jobset *train,
				     const struct wfad_jobset *valid, DMatrixHandle *dtrain,
				     DMatrixHandle *dvalid, BoosterHandle *b,
				     struct wfad_error *err)
{
	enum wfad_status st = make_matrix(train, true, dtrain, err);
	if (st == WFAD_OK && valid)
		st = make_matrix(valid, true, dvalid, err);
	if (st != WFAD_OK)
		return st;
	DMatrixHandle cache[2] = {*dtrain, *dvalid};
	if (XGBoosterCreate(cache, valid ? 2 : 1, b) != 0)
		return xgb_error(err, "booster");
	return WFAD_OK;
}

/* The validation AUC of b after round it. */
static enum wfad_status valid_auc(BoosterHandle b, int it, DMatrixHandle dvalid, double *auc,
				  struct wfad_error *err)
{
	const char *names[1] = {"valid"}, *res = NULL;
	if (XGBoosterEvalOneIter(b, it, &dvalid, names, 1, &res) != 0)
		return xgb_error(err, "evaluation");
	*auc = parse_metric(res);
	return WFAD_OK;
}

/* Boosts rounds [first, last) of b on dtrain (report: through the progress callback). With
 * dvalid, *best_iter becomes the round of the best validation AUC above *best_auc, stopping
 * after `patience` rounds without a gain (0: never); without, the last round. */
static enum wfad_status boost(const struct gbdt *m, BoosterHandle b, DMatrixHandle dtrain,
			      DMatrixHandle dvalid, int first, int last, int patience, bool report,
			      int *best_iter, double *best_auc, struct wfad_error *err)
{
	for (int it = first; it < last; it++) {
		if (XGBoosterUpdateOneIter(b, it, dtrain) != 0)
			return xgb_error(err, "training");
		if (report && m->p.progress)
			m->p.progress(m->p.progress_user, (size_t)it + 1, (size_t)last);
		if (!dvalid) {
			*best_iter = it;
			continue;
		}
		double auc;
		enum wfad_status st = valid_auc(b, it, dvalid, &auc, err);
		if (st != WFAD_OK)
			return st;
		if (auc > *best_auc) {
			*best_auc = auc;
			*best_iter = it;
		} else if (patience > 0 && it - *best_iter >= patience) {
			break;
		}
	}
	return WFAD_OK;
}

/* Makes trees [0, best_iter] of b the model (replacing any), threads sized for rows. */
static enum wfad_status keep_trees(struct gbdt *m, BoosterHandle b, int best_iter, size_t rows,
				   struct wfad_error *err)
{
	BoosterHandle best = NULL;
	if (best_iter + 1 > GBDT_MAX_TREES || XGBoosterSlice(b, 0, best_iter + 1, 1, &best) != 0)
		return xgb_error(err, "slice");
	enum wfad_status st = set_threads(best, m->p.threads, rows, err);
	if (st != WFAD_OK) {
		XGBoosterFree(best);
		return st;
	}
	if (m->booster)
		XGBoosterFree(m->booster);
	m->booster = best;
	m->n_trees = best_iter + 1;
	return WFAD_OK;
}

static void free_boosting(BoosterHandle b, DMatrixHandle dtrain, DMatrixHandle dvalid)
{
	if (b)
		XGBoosterFree(b);
	if (dtrain)
		XGDMatrixFree(dtrain);
	if (dvalid)
		XGDMatrixFree(dvalid);
}

static enum wfad_status gbdt_fit(struct wfad_detector *det, const struct wfad_jobset *train,
				 const struct wfad_jobset *valid, struct wfad_error *err)
{
	struct gbdt *m = (struct gbdt *)det;
	enum wfad_status st = WFAD_OK;
	DMatrixHandle dtrain = NULL, dvalid = NULL;
	BoosterHandle b = NULL;
	double ratio;
	if (m->booster) { /* a failed fit leaves the detector unfitted */
		XGBoosterFree(m->booster);
		m->booster = NULL;
	}
	if (train->n == 0 || train->d == 0)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "gbdt: no training data (%zu rows x %zu columns)", train->n,
				      train->d);
	if ((st = check_labels(train, "training", &ratio, err)) != WFAD_OK)
		return st;
	bool stop_early = valid && valid->n > 0;
	if (stop_early) {
		if (valid->d != train->d)
			return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
					      "gbdt: %zu validation columns, %zu training columns",
					      valid->d, train->d);
		if ((st = check_labels(valid, "validation", NULL, err)) != WFAD_OK)
			return st;
	}
	if ((st = open_booster(train, stop_early ? valid : NULL, &dtrain, &dvalid, &b, err)) !=
		    WFAD_OK ||
	    (st = set_params(b, &m->p, ratio, train->n, err)) != WFAD_OK)
		goto cleanup;
	int rounds = m->p.n_trees > 0 ? m->p.n_trees : GBDT_DEFAULT_TREES;
	int patience = m->p.patience > 0 ? m->p.patience : GBDT_DEFAULT_PATIENCE;
	int best_iter = rounds - 1;
	double best_auc = -INFINITY;
	if ((st = boost(m, b, dtrain, dvalid, 0, rounds, patience, true, &best_iter, &best_auc,
			err)) != WFAD_OK)
		goto cleanup;
	/* Keep the trees up to the best iteration only, so save and score need no bookkeeping. */
	if ((st = keep_trees(m, b, best_iter, train->n, err)) == WFAD_OK)
		m->d = train->d;
cleanup:
	free_boosting(b, dtrain, dvalid);
	return st;
}

/* Warm start: continues boosting the fitted trees on train, GBDT_TREES_PER_EPOCH trees per
 * epoch, and keeps the prefix with the best validation AUC (the trees it had when no new
 * one helps). The fitted model is untouched on failure. */
#define GBDT_TREES_PER_EPOCH 10
static enum wfad_status gbdt_update(struct wfad_detector *det, const struct wfad_jobset *train,
				    const struct wfad_jobset *valid, int epochs,
				    struct wfad_error *err)
{
	struct gbdt *m = (struct gbdt *)det;
	if (!m->booster)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "gbdt: a warm start needs a fitted model");
	if (epochs < 1 || epochs > GBDT_MAX_TREES / GBDT_TREES_PER_EPOCH)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "gbdt: a warm start needs 1 to %d epochs, not %d",
				      GBDT_MAX_TREES / GBDT_TREES_PER_EPOCH, epochs);
	if (train->d != m->d || (valid && valid->n > 0 && valid->d != m->d))
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "gbdt: fitted on %zu feature columns, asked to update on %zu",
				      m->d, train->d);
	double ratio;
	enum wfad_status st = check_labels(train, "training", &ratio, err);
	bool stop_early = valid && valid->n > 0;
	if (st == WFAD_OK && stop_early)
		st = check_labels(valid, "validation", NULL, err);
	if (st != WFAD_OK)
		return st;
	DMatrixHandle dtrain = NULL, dvalid = NULL;
	BoosterHandle b = NULL;
	bst_ulong len = 0;
	const char *raw = NULL;
	if ((st = open_booster(train, stop_early ? valid : NULL, &dtrain, &dvalid, &b, err)) !=
	    WFAD_OK)
		goto cleanup;
	if (XGBoosterSaveModelToBuffer(m->booster, "{\"format\": \"ubj\"}", &len, &raw) != 0 ||
	    XGBoosterLoadModelFromBuffer(b, raw, len) != 0) {
		st = xgb_error(err, "warm start");
		goto cleanup;
	}
	if ((st = set_params(b, &m->p, ratio, train->n, err)) != WFAD_OK)
		goto cleanup;
	int start = m->n_trees, best_iter = start - 1, more = epochs * GBDT_TREES_PER_EPOCH;
	double best_auc = -INFINITY;
	if (stop_early && (st = valid_auc(b, start - 1, dvalid, &best_auc, err)) != WFAD_OK)
		goto cleanup;
	if ((st = boost(m, b, dtrain, dvalid, start, start + more, 0, false, &best_iter, &best_auc,
			err)) != WFAD_OK)
		goto cleanup;
	st = keep_trees(m, b, best_iter, train->n, err);
cleanup:
	free_boosting(b, dtrain, dvalid);
	return st;
}

/* Shapes: x [n][d] -> out [n], probabilities. */
static enum wfad_status gbdt_score(const struct wfad_detector *det, const struct wfad_jobset *js,
				   double *out, struct wfad_error *err)
{
	const struct gbdt *m = (const struct gbdt *)det;
	if (!m->booster)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "gbdt: not fitted");
	if (js->d != m->d)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "gbdt: fitted on %zu feature columns, asked to score %zu",
				      m->d, js->d);
	if (js->n == 0)
		return WFAD_OK;
	/* Threads by the size of this call, as for fitting: explanations score batches of a
	 * hundred rows, where OpenMP start-up dominated. Predictions do not depend on it. */
	enum wfad_status st = set_threads(m->booster, m->p.threads, js->n, err);
	if (st != WFAD_OK)
		return st;
	DMatrixHandle d = NULL;
	st = make_matrix(js, false, &d, err);
	if (st != WFAD_OK)
		return st;
	static const char config[] = "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
				     "\"iteration_end\": 0, \"strict_shape\": false}";
	const bst_ulong *shape = NULL;
	bst_ulong dim = 0;
	const float *res = NULL;
	if (XGBoosterPredictFromDMatrix(m->booster, d, config, &shape, &dim, &res) != 0) {
		st = xgb_error(err, "prediction");
	} else if (dim != 1 || shape[0] != js->n) {
		st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				    "gbdt: unexpected prediction shape (%llu dimensions)",
				    (unsigned long long)dim);
	} else {
		for (size_t i = 0; i < js->n; i++)
			out[i] = res[i];
	}
	XGDMatrixFree(d);
	return st;
}

static enum wfad_status gbdt_save(const struct wfad_detector *det, FILE *f)
{
	const struct gbdt *m = (const struct gbdt *)det;
	WFAD_ASSERT(m->booster);
	if (!wfad_io_write_u32(f, GBDT_MAGIC) || !wfad_io_write_u32(f, GBDT_VERSION) ||
	    !wfad_io_write_u64(f, m->d) || !wfad_io_write_u32(f, (uint32_t)m->n_trees))
		return WFAD_EIO;
	return wfad_xgb_write_booster(m->booster, f);
}

static enum wfad_status gbdt_load(const struct wfad_detector_params *p, FILE *f,
				  struct wfad_detector **out, struct wfad_error *err)
{
	enum wfad_status st = WFAD_OK;
	struct wfad_detector *det = NULL;
	uint32_t magic, version, n_trees;
	uint64_t d;
	if (!wfad_io_read_u32(f, &magic) || !wfad_io_read_u32(f, &version))
		goto truncated;
	if (magic != GBDT_MAGIC) {
		st = wfad_error_set(err, WFAD_EFORMAT, "", 0, 0, "not a gbdt model (bad magic)");
		goto cleanup;
	}
	if (version != GBDT_VERSION && version != 1) {
		st = wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
				    "gbdt model version %u is not supported", version);
		goto cleanup;
	}
	if (!wfad_io_read_u64(f, &d) || !wfad_io_read_u32(f, &n_trees))
		goto truncated;
	if (d == 0 || n_trees == 0 || n_trees > GBDT_MAX_TREES) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				    "gbdt model with %llu columns, %u trees", (unsigned long long)d,
				    n_trees);
		goto cleanup;
	}
	if (d > ((uint64_t)1 << 24)) {
		st = wfad_error_set(err, WFAD_ELIMIT, "", 0, 0, "gbdt model too large");
		goto cleanup;
	}
	if ((st = gbdt_create(p, &det)) != WFAD_OK) {
		st = wfad_error_set(err, st, "", 0, 0, "gbdt: cannot create the detector");
		goto cleanup;
	}
	struct gbdt *m = (struct gbdt *)det;
	bst_ulong n_features = 0;
	int rounds = 0;
	if ((st = wfad_xgb_read_booster(f, "gbdt", version >= 2, &m->booster, err)) != WFAD_OK)
		goto cleanup;
	if (XGBoosterGetNumFeature(m->booster, &n_features) != 0 ||
	    XGBoosterBoostedRounds(m->booster, &rounds) != 0 || n_features != d ||
	    rounds != (int)n_trees) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				    "gbdt model: the trees do not match the header");
		goto cleanup;
	}
	if ((st = set_threads(m->booster, m->p.threads, SIZE_MAX, err)) != WFAD_OK)
		goto cleanup;
	m->d = (size_t)d;
	m->n_trees = (int)n_trees;
	*out = det;
	det = NULL;
	goto cleanup;
truncated:
	st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated gbdt model");
cleanup:
	if (det)
		wfad_detector_gbdt.destroy(det);
	return st;
}

static void gbdt_destroy(struct wfad_detector *det)
{
	struct gbdt *m = (struct gbdt *)det;
	if (!m)
		return;
	if (m->booster)
		XGBoosterFree(m->booster);
	free(m);
}

const struct wfad_detector_ops wfad_detector_gbdt = {
	.name = "gbdt",
	.summary = "gradient-boosted trees (XGBoost), early-stopped on the validation runs "
		   "(supervised)",
	.flags = WFAD_DETECTOR_SUPERVISED | WFAD_DETECTOR_PROBABILITY | WFAD_DETECTOR_CONTEXT,
	.create = gbdt_create,
	.fit = gbdt_fit,
	.score = gbdt_score,
	.save = gbdt_save,
	.load = gbdt_load,
	.destroy = gbdt_destroy,
	.update = gbdt_update,
};
