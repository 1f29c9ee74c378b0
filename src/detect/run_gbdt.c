/* Run-level gbdt: XGBoost multi:softprob on per-run aggregate features, early stopping on the
 * validation runs' multi-class log loss. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "wfad/run_features.h"
#include "wfad/runlevel.h"

struct run_gbdt {
	struct wfad_run_classifier base;
	struct wfad_detector_params p;
	struct wfad_run_featurizer rf;
	BoosterHandle booster;
	int best_iter;
	size_t n_classes;
};

enum { DEFAULT_ROUNDS = 300, PATIENCE = 25 };

WFAD_RUN_CLASSIFIER_REGISTER(gbdt);

static enum wfad_status create(const struct wfad_detector_params *p,
			       struct wfad_run_classifier **out)
{
	struct run_gbdt *g = calloc(1, sizeof(*g));
	if (!g)
		return WFAD_ENOMEM;
	g->base.ops = &wfad_run_classifier_gbdt;
	g->p = *p;
	*out = &g->base;
	return WFAD_OK;
}

static void destroy(struct wfad_run_classifier *c)
{
	struct run_gbdt *g = (struct run_gbdt *)c;
	if (!g)
		return;
	if (g->booster)
		XGBoosterFree(g->booster);
	wfad_run_featurizer_free(&g->rf);
	free(g);
}

static enum wfad_status xgb_error(struct wfad_error *err, const char *what)
{
	return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "xgboost: %s: %s", what,
			      XGBGetLastError());
}

/* Features (and labels) of a task as an XGBoost matrix. */
static enum wfad_status matrix(const struct run_gbdt *g, const struct wfad_run_task *t,
			       DMatrixHandle *out, struct wfad_error *err)
{
	size_t cols = wfad_run_featurizer_n_cols(&g->rf);
	float *x = malloc((t->n_runs * cols + 1) * sizeof(float));
	float *y = malloc((t->n_runs + 1) * sizeof(float));
	enum wfad_status st = WFAD_OK;
	if (!x || !y || wfad_run_features_transform(&g->rf, t->ds, t->runs, t->n_runs, x)) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	if (XGDMatrixCreateFromMat(x, t->n_runs, cols, NAN, out) != 0) {
		st = xgb_error(err, "matrix");
		goto cleanup;
	}
	if (t->y) {
		for (size_t i = 0; i < t->n_runs; i++)
			y[i] = (float)t->y[i];
		if (XGDMatrixSetFloatInfo(*out, "label", y, t->n_runs) != 0) {
			st = xgb_error(err, "labels");
			XGDMatrixFree(*out);
		}
	}
cleanup:
	free(x);
	free(y);
	return st;
}

static enum wfad_status set_params(struct run_gbdt *g, size_t n_classes, struct wfad_error *err)
{
	char num_class[32], seed[32], depth[32], eta[32];
	snprintf(num_class, sizeof(num_class), "%zu", n_classes);
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)(g->p.seed % 2147483647));
	snprintf(depth, sizeof(depth), "%d", 4);
	snprintf(eta, sizeof(eta), "%g", g->p.lr > 0 ? g->p.lr : 0.1);
	const char *kv[][2] = {
		{"objective", "multi:softprob"},
		{"num_class", num_class},
		{"eval_metric", "mlogloss"},
		{"max_depth", depth},
		{"eta", eta},
		{"subsample", "1"},
		{"tree_method", "exact"},
		{"seed", seed},
		/* one thread: the run tables are small, and the result must not depend on it */
		{"nthread", "1"},
		{"verbosity", "0"},
	};
	for (size_t i = 0; i < sizeof(kv) / sizeof(kv[0]); i++)
		if (XGBoosterSetParam(g->booster, kv[i][0], kv[i][1]) != 0)
			return xgb_error(err, "parameters");
	return WFAD_OK;
}

static enum wfad_status fit(struct wfad_run_classifier *c, const struct wfad_run_task *train,
			    const struct wfad_run_task *valid, struct wfad_error *err)
{
	struct run_gbdt *g = (struct run_gbdt *)c;
	DMatrixHandle dtrain = NULL, dvalid = NULL;
	enum wfad_status st = WFAD_OK;
	if (!train->y || train->n_runs == 0)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "gbdt needs labelled runs");
	if (wfad_run_features_fit(&g->rf, train->ds, train->runs, train->n_runs) != WFAD_OK)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	st = matrix(g, train, &dtrain, err);
	if (st == WFAD_OK && valid && valid->n_runs)
		st = matrix(g, valid, &dvalid, err);
	if (st != WFAD_OK)
		goto cleanup;
	DMatrixHandle cache[2] = {dtrain, dvalid};
	if (XGBoosterCreate(cache, dvalid ? 2 : 1, &g->booster) != 0) {
		st = xgb_error(err, "booster");
		goto cleanup;
	}
	g->n_classes = train->n_classes;
	if ((st = set_params(g, train->n_classes, err)) != WFAD_OK)
		goto cleanup;
	int rounds = g->p.n_trees > 0 ? g->p.n_trees : DEFAULT_ROUNDS;
	double best = INFINITY;
	g->best_iter = rounds - 1;
	for (int it = 0; it < rounds; it++) {
		if (XGBoosterUpdateOneIter(g->booster, it, dtrain) != 0) {
			st = xgb_error(err, "training");
			goto cleanup;
		}
		if (!dvalid)
			continue;
		const char *res;
		const char *names[1] = {"valid"};
		if (XGBoosterEvalOneIter(g->booster, it, &dvalid, names, 1, &res) != 0) {
			st = xgb_error(err, "evaluation");
			goto cleanup;
		}
		const char *colon = strrchr(res, ':');
		double loss = colon ? strtod(colon + 1, NULL) : NAN;
		if (loss < best - 1e-9) {
			best = loss;
			g->best_iter = it;
		} else if (it - g->best_iter >= PATIENCE) {
			break;
		}
	}
cleanup:
	if (dtrain)
		XGDMatrixFree(dtrain);
	if (dvalid)
		XGDMatrixFree(dvalid);
	return st;
}

static enum wfad_status predict(const struct wfad_run_classifier *c,
				const struct wfad_run_task *task, double *proba,
				struct wfad_error *err)
{
	const struct run_gbdt *g = (const struct run_gbdt *)c;
	DMatrixHandle d = NULL;
	enum wfad_status st = matrix(g, task, &d, err);
	if (st != WFAD_OK)
		return st;
	char config[256];
	snprintf(config, sizeof(config),
		 "{\"type\": 0, \"training\": false, \"iteration_begin\": 0, "
		 "\"iteration_end\": %d, \"strict_shape\": true}",
		 g->best_iter + 1);
	const bst_ulong *shape;
	bst_ulong dim;
	const float *out;
	if (XGBoosterPredictFromDMatrix(g->booster, d, config, &shape, &dim, &out) != 0) {
		st = xgb_error(err, "prediction");
	} else if (dim != 2 || shape[0] != task->n_runs || shape[1] != g->n_classes) {
		st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "xgboost: unexpected output shape");
	} else {
		for (size_t i = 0; i < task->n_runs * g->n_classes; i++)
			proba[i] = out[i];
	}
	XGDMatrixFree(d);
	return st;
}

const struct wfad_run_classifier_ops wfad_run_classifier_gbdt = {
	.name = "gbdt",
	.summary = "XGBoost on per-run aggregates (per-transformation delay ratios, host pooling)",
	.create = create,
	.fit = fit,
	.predict = predict,
	.destroy = destroy,
};
