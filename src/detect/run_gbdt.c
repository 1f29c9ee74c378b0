/* Run-level gbdt: XGBoost multi:softprob on per-run aggregate features, early stopping on the
 * validation runs' multi-class log loss. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xgboost/c_api.h>

#include "wfad/detect.h"
#include "wfad/run_features.h"
#include "wfad/runlevel.h"
#include "xgb_io.h"

#define RUN_GBDT_MAGIC 0x42475257u /* "WRGB" */
#define RUN_GBDT_VERSION 1u

/* One run featurizer per workflow fitted on. A joint model's columns: JOINT_SHARED
 * workflow-agnostic ones (host pooling, makespan, and per delay the largest and the mean of
 * the per-transformation mean log ratios and the largest job log ratio), then each
 * workflow's own per-transformation block, missing (NaN) for the runs of other workflows. */
struct run_gbdt {
	struct wfad_run_classifier base;
	struct wfad_detector_params p;
	struct wfad_run_featurizer *rf;
	char **names;
	size_t n_rf;
	bool joint;
	size_t *block0; /* joint: first column of each workflow's block */
	size_t cols;
	BoosterHandle booster;
	int best_iter;
	size_t n_classes;
};

enum { TAIL = WFAD_RUN_SHARED_COLS, JOINT_SHARED = WFAD_RUN_SUMMARY_COLS };

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
	for (size_t i = 0; i < g->n_rf; i++) {
		wfad_run_featurizer_free(&g->rf[i]);
		free(g->names[i]);
	}
	free(g->rf);
	free(g->names);
	free(g->block0);
	free(g);
}

static enum wfad_status xgb_error(struct wfad_error *err, const char *what)
{
	return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "xgboost: %s: %s", what,
			      XGBGetLastError());
}

static long featurizer_of(const struct run_gbdt *g, const struct wfad_dataset *ds)
{
	if (!g->joint)
		return 0;
	for (size_t i = 0; i < g->n_rf; i++)
		if (wfad_workflow_name_equal(g->names[i], ds->workflow))
			return (long)i;
	return -1;
}

/* Joint row: the summary columns from one workflow's row f, then f's per-transformation
 * block at block0; every other column missing. */
static void joint_row(const struct run_gbdt *g, const struct wfad_run_featurizer *rf,
		      const float *f, size_t block0, float *o)
{
	for (size_t c = 0; c < g->cols; c++)
		o[c] = NAN;
	wfad_run_features_summary(rf, f, o);
	memcpy(o + block0, f, rf->n_tr * WFAD_RUN_STATS * 2 * sizeof(float));
}

/* Features of a task's runs: x[n_runs x g->cols]. */
static enum wfad_status features(const struct run_gbdt *g, const struct wfad_run_task *t, float *x,
				 struct wfad_error *err)
{
	size_t np, at = 0;
	const struct wfad_run_task *parts = wfad_run_task_parts(t, &np);
	for (size_t p = 0; p < np; p++) {
		long k = featurizer_of(g, parts[p].ds);
		if (k < 0)
			return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
					      "gbdt: not trained on workflow '%s'",
					      parts[p].ds->workflow);
		const struct wfad_run_featurizer *rf = &g->rf[k];
		size_t cols = wfad_run_featurizer_n_cols(rf), n = parts[p].n_runs;
		float *f = g->joint ? malloc((n * cols + 1) * sizeof(float)) : x + at * cols;
		if (!f || wfad_run_features_transform(rf, parts[p].ds, parts[p].runs, n, f)) {
			if (g->joint)
				free(f);
			return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		}
		for (size_t r = 0; g->joint && r < n; r++)
			joint_row(g, rf, f + r * cols, g->block0[k], x + (at + r) * g->cols);
		if (g->joint)
			free(f);
		at += n;
	}
	return WFAD_OK;
}

/* Features (and labels) of a task as an XGBoost matrix; *out is NULL on failure. */
static enum wfad_status matrix(const struct run_gbdt *g, const struct wfad_run_task *t,
			       DMatrixHandle *out, struct wfad_error *err)
{
	*out = NULL;
	size_t cols = g->cols;
	float *x = malloc((t->n_runs * cols + 1) * sizeof(float));
	float *y = malloc((t->n_runs + 1) * sizeof(float));
	enum wfad_status st = WFAD_OK;
	if (!x || !y) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	if ((st = features(g, t, x, err)) != WFAD_OK)
		goto cleanup;
	if (XGDMatrixCreateFromMat(x, t->n_runs, cols, NAN, out) != 0) {
		st = xgb_error(err, "matrix");
		*out = NULL;
		goto cleanup;
	}
	if (t->y) {
		for (size_t i = 0; i < t->n_runs; i++)
			y[i] = (float)t->y[i];
		if (XGDMatrixSetFloatInfo(*out, "label", y, t->n_runs) != 0) {
			st = xgb_error(err, "labels");
			XGDMatrixFree(*out);
			*out = NULL;
		}
	}
cleanup:
	free(x);
	free(y);
	return st;
}

/* Room for np run featurizers and their names. */
static bool alloc_featurizers(struct run_gbdt *g, size_t np)
{
	g->rf = calloc(np, sizeof(*g->rf));
	g->names = calloc(np, sizeof(*g->names));
	g->block0 = calloc(np, sizeof(*g->block0));
	return g->rf && g->names && g->block0;
}

/* The column layout of the fitted featurizers: block0 and cols. */
static void layout(struct run_gbdt *g)
{
	g->cols = g->joint ? JOINT_SHARED : 0;
	for (size_t p = 0; p < g->n_rf; p++) {
		size_t cols = wfad_run_featurizer_n_cols(&g->rf[p]);
		WFAD_ASSERT(cols >= TAIL);
		g->block0[p] = g->cols;
		g->cols += g->joint ? cols - TAIL : cols;
	}
}

/* One run featurizer per part of the training task and the column layout. */
static enum wfad_status fit_featurizers(struct run_gbdt *g, const struct wfad_run_task *train,
					struct wfad_error *err)
{
	size_t np;
	const struct wfad_run_task *parts = wfad_run_task_parts(train, &np);
	g->joint = train->n_parts > 0;
	if (!alloc_featurizers(g, np))
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	g->n_rf = np;
	for (size_t p = 0; p < np; p++)
		if (!(g->names[p] = strdup(parts[p].ds->workflow)) ||
		    wfad_run_features_fit(&g->rf[p], parts[p].ds, parts[p].runs, parts[p].n_runs) !=
			    WFAD_OK)
			return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	layout(g);
	return WFAD_OK;
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
	if ((st = fit_featurizers(g, train, err)) != WFAD_OK)
		return st;
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

/* XGBoost's output of the given type (0: probabilities, 2: SHAP contributions) for the task's
 * runs with the best round's trees; *d is the matrix (the caller frees it; NULL when it could
 * not be made). */
static enum wfad_status booster_predict(const struct run_gbdt *g, const struct wfad_run_task *t,
					int type, DMatrixHandle *d, const bst_ulong **shape,
					bst_ulong *dim, const float **out, struct wfad_error *err)
{
	enum wfad_status st = matrix(g, t, d, err);
	if (st != WFAD_OK)
		return st;
	char config[256];
	snprintf(config, sizeof(config),
		 "{\"type\": %d, \"training\": false, \"iteration_begin\": 0, "
		 "\"iteration_end\": %d, \"strict_shape\": true}",
		 type, g->best_iter + 1);
	if (XGBoosterPredictFromDMatrix(g->booster, *d, config, shape, dim, out) != 0)
		return xgb_error(err, "prediction");
	return WFAD_OK;
}

static enum wfad_status predict(const struct wfad_run_classifier *c,
				const struct wfad_run_task *task, double *proba,
				struct wfad_error *err)
{
	const struct run_gbdt *g = (const struct run_gbdt *)c;
	DMatrixHandle d = NULL;
	const bst_ulong *shape;
	bst_ulong dim;
	const float *out;
	enum wfad_status st = booster_predict(g, task, 0, &d, &shape, &dim, &out, err);
	if (st == WFAD_OK && (dim != 2 || shape[0] != task->n_runs || shape[1] != g->n_classes))
		st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "xgboost: unexpected output shape");
	for (size_t i = 0; st == WFAD_OK && i < task->n_runs * g->n_classes; i++)
		proba[i] = out[i];
	if (d)
		XGDMatrixFree(d);
	return st;
}

/* SHAP contributions (XGBoost's pred_contribs) of run i's aggregates to the margin of class k
 * minus that of class 0, the positive ones largest first. One-workflow models. */
static enum wfad_status explain_features(const struct wfad_run_classifier *c,
					 const struct wfad_run_task *task, size_t i, size_t k,
					 size_t max, char (*name)[WFAD_RUN_REASON_LEN],
					 double *value, size_t *n, struct wfad_error *err)
{
	const struct run_gbdt *g = (const struct run_gbdt *)c;
	*n = 0;
	if (g->joint || !task->ds || i >= task->n_runs || k >= g->n_classes)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "gbdt: explains one run of a one-workflow model");
	struct wfad_run_task one = wfad_run_task_one(task, i);
	DMatrixHandle d = NULL;
	const bst_ulong *shape;
	bst_ulong dim;
	const float *out;
	enum wfad_status st = booster_predict(g, &one, 2, &d, &shape, &dim, &out, err);
	if (st == WFAD_OK &&
	    (dim != 3 || shape[0] != 1 || shape[1] != g->n_classes || shape[2] != g->cols + 1))
		st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				    "xgboost: unexpected contribution shape");
	double *v = st == WFAD_OK ? malloc((g->cols + 1) * sizeof(double)) : NULL;
	size_t *top = st == WFAD_OK ? malloc((max + 1) * sizeof(size_t)) : NULL;
	if (st == WFAD_OK && (!v || !top))
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "gbdt: out of memory");
	if (st == WFAD_OK) {
		const float *ck = out + k * (g->cols + 1), *c0 = out;
		for (size_t f = 0; f < g->cols; f++)
			v[f] = (double)ck[f] - (double)c0[f];
		*n = wfad_top_positive(v, g->cols, max, top);
		for (size_t j = 0; j < *n; j++) {
			value[j] = v[top[j]];
			wfad_run_features_column_name(&g->rf[0], top[j], name[j],
						      WFAD_RUN_REASON_LEN);
		}
	}
	free(v);
	free(top);
	if (d)
		XGDMatrixFree(d);
	return st;
}

/* State: u32 magic, u32 version, u32 joint, u32 featurizers, per featurizer its workflow name
 * and run featurizer blob, u32 classes, u32 best iteration, the booster blob. */
static enum wfad_status save(const struct wfad_run_classifier *c, FILE *f)
{
	const struct run_gbdt *g = (const struct run_gbdt *)c;
	WFAD_ASSERT(g->booster);
	if (!wfad_io_write_u32(f, RUN_GBDT_MAGIC) || !wfad_io_write_u32(f, RUN_GBDT_VERSION) ||
	    !wfad_io_write_u32(f, g->joint) || !wfad_io_write_u32(f, (uint32_t)g->n_rf))
		return WFAD_EIO;
	for (size_t i = 0; i < g->n_rf; i++) {
		if (!wfad_io_write_str(f, g->names[i]))
			return WFAD_EIO;
		enum wfad_status st = wfad_run_features_save(&g->rf[i], f);
		if (st != WFAD_OK)
			return st;
	}
	if (!wfad_io_write_u32(f, (uint32_t)g->n_classes) ||
	    !wfad_io_write_u32(f, (uint32_t)g->best_iter))
		return WFAD_EIO;
	return wfad_xgb_write_booster(g->booster, f);
}

static enum wfad_status load(struct wfad_run_classifier *c, FILE *f, struct wfad_error *err)
{
	struct run_gbdt *g = (struct run_gbdt *)c;
	uint32_t joint, n_rf, n_classes, best_iter;
	enum wfad_status tag =
		wfad_io_read_tag(f, RUN_GBDT_MAGIC, RUN_GBDT_VERSION, "run-level gbdt state", err);
	if (tag != WFAD_OK)
		return tag;
	if (!wfad_io_read_u32(f, &joint) || !wfad_io_read_u32(f, &n_rf))
		goto truncated;
	if (joint > 1 || n_rf == 0 || n_rf > 1024 || (!joint && n_rf != 1))
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				      "run-level gbdt state with %u featurizers", n_rf);
	g->joint = joint;
	if (!alloc_featurizers(g, n_rf))
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "gbdt: out of memory");
	for (uint32_t i = 0; i < n_rf; i++) {
		char buf[WFAD_IO_MAX_STRING + 1];
		g->n_rf = i + 1;
		if (!wfad_io_read_str(f, buf, sizeof(buf)))
			goto truncated;
		if (!(g->names[i] = strdup(buf)))
			return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "gbdt: out of memory");
		enum wfad_status st = wfad_run_features_load(&g->rf[i], f, err);
		if (st != WFAD_OK)
			return st;
	}
	layout(g);
	if (!wfad_io_read_u32(f, &n_classes) || !wfad_io_read_u32(f, &best_iter))
		goto truncated;
	if (n_classes < 2 || n_classes > 4096 || best_iter >= 100000)
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				      "run-level gbdt state with %u classes, best round %u",
				      n_classes, best_iter);
	g->n_classes = n_classes;
	g->best_iter = (int)best_iter;
	enum wfad_status st = wfad_xgb_read_booster(f, "gbdt", true, &g->booster, err);
	if (st != WFAD_OK)
		return st;
	bst_ulong n_features = 0;
	int rounds = 0;
	if (XGBoosterGetNumFeature(g->booster, &n_features) != 0 ||
	    XGBoosterBoostedRounds(g->booster, &rounds) != 0 || n_features != g->cols ||
	    rounds <= g->best_iter)
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				      "run-level gbdt: the trees do not match the state");
	return WFAD_OK;
truncated:
	return wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated run-level gbdt state");
}

const struct wfad_run_classifier_ops wfad_run_classifier_gbdt = {
	.name = "gbdt",
	.summary = "XGBoost on per-run aggregates (per-transformation delay ratios, host pooling)",
	.create = create,
	.fit = fit,
	.predict = predict,
	.destroy = destroy,
	.flags = WFAD_RUN_CLASSIFIER_JOINT,
	.save = save,
	.load = load,
	.explain_features = explain_features,
};
