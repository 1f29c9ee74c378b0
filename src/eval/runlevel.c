/* The run-level protocol: classifiers predict run labels; accuracy, macro-F1, confusion
 * matrix, and anomalous-vs-normal accuracy and ROC-AUC, per seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/runlevel.h"

static int cmp_label(const void *x, const void *y)
{
	return wfad_label_compare(*(const char *const *)x, *(const char *const *)y);
}

size_t wfad_run_labels(const struct wfad_dataset *ds, const char ***out)
{
	const char **l = malloc((ds->n_runs + 1) * sizeof(*l));
	WFAD_ASSERT(l);
	size_t n = 0;
	for (size_t r = 0; r < ds->n_runs; r++) {
		bool seen = false;
		for (size_t k = 0; k < n && !seen; k++)
			seen = strcmp(l[k], ds->runs[r].label) == 0;
		if (!seen)
			l[n++] = ds->runs[r].label;
	}
	qsort(l, n, sizeof(*l), cmp_label);
	*out = l;
	return n;
}

void wfad_run_eval_result_free(struct wfad_run_eval_result *r)
{
	if (!r)
		return;
	free(r->accuracy);
	free(r->macro_f1);
	free(r->binary_accuracy);
	free(r->binary_roc_auc);
	free(r->fit_seconds);
	free(r->confusion);
	free(r->classes);
	memset(r, 0, sizeof(*r));
}

static size_t class_of(const char *label, const char *const *classes, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (strcmp(classes[k], label) == 0)
			return k;
	WFAD_ASSERT(!"label not among the classes");
	return 0;
}

/* Macro-F1 over the classes present in truth or prediction of this seed. */
static double macro_f1(const size_t *conf, size_t k)
{
	double sum = 0;
	size_t used = 0;
	for (size_t c = 0; c < k; c++) {
		double tp = (double)conf[c * k + c], fp = 0, fn = 0;
		for (size_t o = 0; o < k; o++) {
			if (o == c)
				continue;
			fp += (double)conf[o * k + c];
			fn += (double)conf[c * k + o];
		}
		if (tp + fp + fn == 0)
			continue;
		used++;
		sum += 2 * tp / (2 * tp + fp + fn);
	}
	return used ? sum / (double)used : NAN;
}

enum wfad_status wfad_eval_runs(const struct wfad_dataset *ds, const struct wfad_eval_options *o,
				struct wfad_run_eval_result *results, struct wfad_error *err)
{
	unsigned seeds = o->seeds ? o->seeds : 5;
	double tf = o->train_frac > 0 ? o->train_frac : 0.6;
	double vf = o->valid_frac > 0 ? o->valid_frac : 0.2;
	const char **classes = NULL;
	size_t k = wfad_run_labels(ds, &classes);
	uint32_t *y = malloc((ds->n_runs + 1) * sizeof(*y));
	double *proba = malloc((ds->n_runs * k + 1) * sizeof(double));
	double *bscore = malloc((ds->n_runs + 1) * sizeof(double));
	uint8_t *btrue = malloc(ds->n_runs + 1);
	size_t *conf = malloc(k * k * sizeof(size_t));
	enum wfad_status st = WFAD_OK;
	if (!y || !proba || !bscore || !btrue || !conf) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	if (k < 2) {
		st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				    "workflow '%s' has only one run label: nothing to classify",
				    ds->workflow);
		goto cleanup;
	}
	long normal = -1;
	for (size_t c = 0; c < k; c++)
		if (wfad_anomaly_of_label(classes[c]) == WFAD_ANOMALY_NONE)
			normal = (long)c;
	for (size_t r = 0; r < ds->n_runs; r++)
		y[r] = (uint32_t)class_of(ds->runs[r].label, classes, k);
	for (size_t d = 0; d < o->n_detectors; d++) {
		struct wfad_run_eval_result *res = &results[d];
		memset(res, 0, sizeof(*res));
		snprintf(res->detector, sizeof(res->detector), "%s", o->detectors[d]);
		res->seeds = seeds;
		res->n_classes = k;
		res->classes = malloc(k * sizeof(char *));
		res->confusion = calloc(k * k, sizeof(size_t));
		double **arrays[] = {&res->accuracy, &res->macro_f1, &res->binary_accuracy,
				     &res->binary_roc_auc, &res->fit_seconds};
		bool ok = res->classes && res->confusion;
		for (size_t i = 0; i < 5 && ok; i++) {
			ok = (*arrays[i] = malloc(seeds * sizeof(double))) != NULL;
			for (unsigned s = 0; ok && s < seeds; s++)
				(*arrays[i])[s] = NAN;
		}
		if (!ok) {
			st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
			goto cleanup;
		}
		memcpy(res->classes, classes, k * sizeof(char *));
		if (!wfad_run_classifier_find(o->detectors[d])) {
			st = wfad_error_set(err, WFAD_ENOTFOUND, "", 0, 0,
					    "'%s' is not a run-level classifier (see 'wfad "
					    "detectors')",
					    o->detectors[d]);
			goto cleanup;
		}
	}
	size_t done = 0, total = (size_t)seeds * o->n_detectors;
	for (unsigned seed = 0; seed < seeds && st == WFAD_OK; seed++) {
		struct wfad_split sp = {0};
		st = wfad_split_runs(ds, seed, tf, vf, &sp, err);
		if (st != WFAD_OK)
			break;
		uint32_t *ytr = malloc((sp.n_train + 1) * sizeof(*ytr));
		uint32_t *yva = malloc((sp.n_valid + 1) * sizeof(*yva));
		for (size_t i = 0; ytr && i < sp.n_train; i++)
			ytr[i] = y[sp.train[i]];
		for (size_t i = 0; yva && i < sp.n_valid; i++)
			yva[i] = y[sp.valid[i]];
		struct wfad_run_task tr = {ds, sp.train, sp.n_train, ytr, classes, k};
		struct wfad_run_task va = {ds, sp.valid, sp.n_valid, yva, classes, k};
		struct wfad_run_task te = {ds, sp.test, sp.n_test, NULL, classes, k};
		for (size_t d = 0; d < o->n_detectors && st == WFAD_OK && ytr && yva; d++) {
			struct wfad_run_eval_result *res = &results[d];
			if (o->progress) {
				char what[96];
				snprintf(what, sizeof(what), "%s seed %u", o->detectors[d], seed);
				o->progress(o->progress_user, what, done, total);
			}
			const struct wfad_run_classifier_ops *ops =
				wfad_run_classifier_find(o->detectors[d]);
			struct wfad_detector_params p = o->params;
			p.seed = seed;
			struct wfad_run_classifier *c = NULL;
			double t0 = wfad_clock_seconds();
			st = ops->create(&p, &c);
			if (st == WFAD_OK)
				st = ops->fit(c, &tr, sp.n_valid ? &va : NULL, err);
			res->fit_seconds[seed] = wfad_clock_seconds() - t0;
			if (st == WFAD_OK)
				st = ops->predict(c, &te, proba, err);
			if (c)
				ops->destroy(c);
			if (st != WFAD_OK)
				break;
			memset(conf, 0, k * k * sizeof(size_t));
			size_t correct = 0, bcorrect = 0;
			for (size_t i = 0; i < sp.n_test; i++) {
				size_t pred = 0;
				for (size_t c2 = 1; c2 < k; c2++)
					if (proba[i * k + c2] > proba[i * k + pred])
						pred = c2;
				size_t truth = y[sp.test[i]];
				conf[truth * k + pred]++;
				res->confusion[truth * k + pred]++;
				correct += pred == truth;
				bool bt = (long)truth != normal, bp = (long)pred != normal;
				bcorrect += bt == bp;
				btrue[i] = bt;
				bscore[i] = normal >= 0 ? 1 - proba[i * k + (size_t)normal] : 0;
			}
			res->accuracy[seed] = sp.n_test ? (double)correct / (double)sp.n_test : NAN;
			res->macro_f1[seed] = macro_f1(conf, k);
			res->binary_accuracy[seed] =
				sp.n_test ? (double)bcorrect / (double)sp.n_test : NAN;
			res->binary_roc_auc[seed] =
				normal >= 0 ? wfad_metrics_roc_auc(bscore, btrue, sp.n_test) : NAN;
			done++;
		}
		if (!ytr || !yva)
			st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		free(ytr);
		free(yva);
		wfad_split_free(&sp);
	}
	if (o->progress && st == WFAD_OK)
		o->progress(o->progress_user, "done", total, total);
cleanup:
	if (st != WFAD_OK)
		for (size_t d = 0; d < o->n_detectors; d++)
			wfad_run_eval_result_free(&results[d]);
	free(classes);
	free(y);
	free(proba);
	free(bscore);
	free(btrue);
	free(conf);
	return st;
}
