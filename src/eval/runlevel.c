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

const struct wfad_run_task *wfad_run_task_parts(const struct wfad_run_task *t, size_t *n)
{
	*n = t->n_parts ? t->n_parts : 1;
	return t->n_parts ? t->parts : t;
}

size_t wfad_run_labels(const struct wfad_dataset *ds, const char ***out)
{
	return wfad_run_labels_joint(&ds, 1, out);
}

size_t wfad_run_labels_joint(const struct wfad_dataset *const *ds, size_t n_ds, const char ***out)
{
	size_t total = 0;
	for (size_t i = 0; i < n_ds; i++)
		total += ds[i]->n_runs;
	const char **l = malloc((total + 1) * sizeof(*l));
	WFAD_ASSERT(l);
	size_t n = 0;
	for (size_t i = 0; i < n_ds; i++)
		for (size_t r = 0; r < ds[i]->n_runs; r++) {
			bool seen = false;
			for (size_t k = 0; k < n && !seen; k++)
				seen = strcmp(l[k], ds[i]->runs[r].label) == 0;
			if (!seen)
				l[n++] = ds[i]->runs[r].label;
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

/* The runs of one seed's split of every dataset, as classifier tasks: one part per dataset
 * (a task of its own when there is only one) with the class of each run. */
struct split_tasks {
	struct wfad_split *sp;
	struct wfad_run_task *part[3]; /* train, valid, test parts */
	uint32_t *y[3];                /* classes of all parts' runs, concatenated */
	struct wfad_run_task task[3];
};

static void split_tasks_free(struct split_tasks *t, size_t n_ds)
{
	for (size_t i = 0; t->sp && i < n_ds; i++)
		wfad_split_free(&t->sp[i]);
	free(t->sp);
	for (int k = 0; k < 3; k++) {
		free(t->part[k]);
		free(t->y[k]);
	}
	memset(t, 0, sizeof(*t));
}

static enum wfad_status split_tasks_build(struct split_tasks *t,
					  const struct wfad_dataset *const *ds, size_t n_ds,
					  unsigned seed, double tf, double vf,
					  const char *const *classes, size_t k,
					  struct wfad_error *err)
{
	memset(t, 0, sizeof(*t));
	t->sp = calloc(n_ds, sizeof(*t->sp));
	if (!t->sp)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	size_t total[3] = {0, 0, 0};
	for (size_t i = 0; i < n_ds; i++) {
		enum wfad_status st = wfad_split_runs(ds[i], seed, tf, vf, &t->sp[i], err);
		if (st != WFAD_OK)
			return st;
		total[0] += t->sp[i].n_train;
		total[1] += t->sp[i].n_valid;
		total[2] += t->sp[i].n_test;
	}
	for (int s = 0; s < 3; s++) {
		t->part[s] = calloc(n_ds, sizeof(**t->part));
		t->y[s] = malloc((total[s] + 1) * sizeof(**t->y));
		if (!t->part[s] || !t->y[s])
			return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		size_t at = 0;
		for (size_t i = 0; i < n_ds; i++) {
			const struct wfad_split *sp = &t->sp[i];
			const size_t *runs = s == 0 ? sp->train : s == 1 ? sp->valid : sp->test;
			size_t n = s == 0 ? sp->n_train : s == 1 ? sp->n_valid : sp->n_test;
			for (size_t r = 0; r < n; r++)
				t->y[s][at + r] =
					(uint32_t)class_of(ds[i]->runs[runs[r]].label, classes, k);
			t->part[s][i] = (struct wfad_run_task){.ds = ds[i],
							       .runs = runs,
							       .n_runs = n,
							       .y = t->y[s] + at,
							       .classes = classes,
							       .n_classes = k};
			at += n;
		}
		if (n_ds == 1)
			t->task[s] = t->part[s][0];
		else
			t->task[s] = (struct wfad_run_task){.n_runs = total[s],
							    .y = t->y[s],
							    .classes = classes,
							    .n_classes = k,
							    .parts = t->part[s],
							    .n_parts = n_ds};
	}
	/* The test truth is the protocol's, never the classifier's to see. */
	for (size_t i = 0; i < n_ds; i++)
		t->part[2][i].y = NULL;
	t->task[2].y = NULL;
	return WFAD_OK;
}

static bool result_alloc(struct wfad_run_eval_result *res, const char *name, unsigned seeds,
			 const char *const *classes, size_t k)
{
	memset(res, 0, sizeof(*res));
	snprintf(res->detector, sizeof(res->detector), "%s", name);
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
	if (ok)
		memcpy(res->classes, classes, k * sizeof(char *));
	return ok;
}

enum wfad_status wfad_eval_runs(const struct wfad_dataset *ds, const struct wfad_eval_options *o,
				struct wfad_run_eval_result *results, struct wfad_error *err)
{
	return wfad_eval_runs_joint(&ds, 1, o, results, err);
}

enum wfad_status wfad_eval_runs_joint(const struct wfad_dataset *const *ds, size_t n_ds,
				      const struct wfad_eval_options *o,
				      struct wfad_run_eval_result *results, struct wfad_error *err)
{
	unsigned seeds = o->seeds ? o->seeds : 5;
	double tf = o->train_frac > 0 ? o->train_frac : 0.6;
	double vf = o->valid_frac > 0 ? o->valid_frac : 0.2;
	const char **classes = NULL;
	size_t k = wfad_run_labels_joint(ds, n_ds, &classes), n_runs = 0;
	for (size_t i = 0; i < n_ds; i++)
		n_runs += ds[i]->n_runs;
	double *proba = malloc((n_runs * k + 1) * sizeof(double));
	double *bscore = malloc((n_runs + 1) * sizeof(double));
	uint8_t *btrue = malloc(n_runs + 1);
	size_t *conf = malloc((k * k + 1) * sizeof(size_t));
	enum wfad_status st = WFAD_OK;
	for (size_t d = 0; d < o->n_detectors; d++)
		memset(&results[d], 0, sizeof(results[d]));
	if (!proba || !bscore || !btrue || !conf) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	if (k < 2) {
		st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				    "workflow '%s' has only one run label: nothing to classify",
				    n_ds ? ds[0]->workflow : "");
		goto cleanup;
	}
	long normal = -1;
	for (size_t c = 0; c < k; c++)
		if (wfad_anomaly_of_label(classes[c]) == WFAD_ANOMALY_NONE)
			normal = (long)c;
	for (size_t d = 0; d < o->n_detectors; d++) {
		if (!result_alloc(&results[d], o->detectors[d], seeds, classes, k)) {
			st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
			goto cleanup;
		}
		const struct wfad_run_classifier_ops *ops =
			wfad_run_classifier_find(o->detectors[d]);
		if (!ops) {
			st = wfad_error_set(err, WFAD_ENOTFOUND, "", 0, 0,
					    "'%s' is not a run-level classifier (see 'wfad "
					    "detectors')",
					    o->detectors[d]);
			goto cleanup;
		}
		if (n_ds > 1 && !(ops->flags & WFAD_RUN_CLASSIFIER_JOINT)) {
			st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
					    "run classifier '%s' takes one workflow at a time; "
					    "trained across workflows: gnnrun, gbdt",
					    ops->name);
			goto cleanup;
		}
	}
	size_t done = 0, total = (size_t)seeds * o->n_detectors;
	for (unsigned seed = 0; seed < seeds && st == WFAD_OK; seed++) {
		struct split_tasks t;
		st = split_tasks_build(&t, ds, n_ds, seed, tf, vf, classes, k, err);
		const struct wfad_run_task *tr = &t.task[0], *va = &t.task[1], *te = &t.task[2];
		for (size_t i = 0; st == WFAD_OK && i < n_ds; i++)
			wfad_eval_split_rows(o, seed, ds[i], &t.sp[i]);
		for (size_t d = 0; d < o->n_detectors && st == WFAD_OK; d++) {
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
				st = ops->fit(c, tr, va->n_runs ? va : NULL, err);
			res->fit_seconds[seed] = wfad_clock_seconds() - t0;
			if (st == WFAD_OK)
				st = ops->predict(c, te, proba, err);
			if (c)
				ops->destroy(c);
			if (st != WFAD_OK)
				break;
			memset(conf, 0, k * k * sizeof(size_t));
			size_t correct = 0, bcorrect = 0, nt = te->n_runs;
			/* The test runs, dataset by dataset as the task concatenates them. */
			for (size_t q = 0, i = 0; q < n_ds; q++)
				for (size_t r = 0; r < t.part[2][q].n_runs; r++, i++) {
					size_t pred = wfad_run_verdict(proba + i * k, k);
					size_t truth = t.y[2][i];
					conf[truth * k + pred]++;
					res->confusion[truth * k + pred]++;
					correct += pred == truth;
					bool bt = (long)truth != normal, bp = (long)pred != normal;
					bcorrect += bt == bp;
					btrue[i] = bt;
					bscore[i] =
						normal >= 0 ? 1 - proba[i * k + (size_t)normal] : 0;
					if (o->run_row)
						o->run_row(o->row_user,
							   &(struct wfad_run_row){
								   .seed = seed,
								   .ds = ds[q],
								   .run = t.part[2][q].runs[r],
								   .part = WFAD_PART_TEST,
								   .detector = o->detectors[d],
								   .predicted = classes[pred],
								   .probability =
									   proba[i * k + pred]});
				}
			res->accuracy[seed] = nt ? (double)correct / (double)nt : NAN;
			res->macro_f1[seed] = macro_f1(conf, k);
			res->binary_accuracy[seed] = nt ? (double)bcorrect / (double)nt : NAN;
			if (normal >= 0 &&
			    wfad_metrics_roc_auc_status(bscore, btrue, nt,
							&res->binary_roc_auc[seed]) != WFAD_OK) {
				st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0,
						    "out of memory computing the metrics");
				break;
			}
			done++;
		}
		split_tasks_free(&t, n_ds);
	}
	if (o->progress && st == WFAD_OK)
		o->progress(o->progress_user, "done", total, total);
cleanup:
	if (st != WFAD_OK)
		for (size_t d = 0; d < o->n_detectors; d++)
			wfad_run_eval_result_free(&results[d]);
	free(classes);
	free(proba);
	free(bscore);
	free(btrue);
	free(conf);
	return st;
}

struct wfad_run_task wfad_run_task_one(const struct wfad_run_task *t, size_t i)
{
	WFAD_ASSERT(t->ds && i < t->n_runs);
	struct wfad_run_task one = *t;
	one.runs = t->runs + i;
	one.n_runs = 1;
	one.y = NULL;
	return one;
}

size_t wfad_run_verdict(const double *proba, size_t n_classes)
{
	size_t best = 0;
	for (size_t k = 1; k < n_classes; k++)
		if (proba[k] > proba[best])
			best = k;
	return best;
}
