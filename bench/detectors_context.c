/* bench/detectors_context: the run-split protocol of shared/BASELINES.md for the zscore,
 * zscore_max, hostz and gbdt detectors (gbdt on the rich and the context feature sets). Per
 * seed, runs are split 60/20/20 stratified by run label, the featurizers and unsupervised
 * detectors are fitted on the training runs, gbdt early-stops on the validation runs, and
 * ROC-AUC / AP / P@k are computed over every job of the test runs; mean +- std over the seeds.
 * --ablate instead fits gbdt on column subsets of the context matrix (which context columns
 * earn their place).
 * usage: detectors_context [FLOWBENCH_ROOT] [--seeds N] [--threads N] [--only NAME] [--ablate]
 *                          [WORKFLOW...] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "wfad/eval.h"
#include "wfad/ingest.h"

enum { MAX_SEEDS = 16 };

struct entry {
	const char *detector;
	enum wfad_feature_set set; /* ignored by raw-trace detectors */
	const char *label;
};

static const struct entry entries[] = {
	{"zscore", WFAD_FEATURES_RICH, "raw"},      {"zscore_max", WFAD_FEATURES_RICH, "raw"},
	{"hostz", WFAD_FEATURES_RICH, "raw"},       {"gbdt", WFAD_FEATURES_RICH, "rich"},
	{"gbdt", WFAD_FEATURES_CONTEXT, "context"},
};
enum { N_ENTRIES = sizeof(entries) / sizeof(entries[0]) };

static int fail(const char *what, const struct wfad_error *err)
{
	char buf[1200];
	wfad_error_format(err, buf, sizeof(buf));
	fprintf(stderr, "detectors_context: %s: %s\n", what, buf);
	return 1;
}

struct result {
	double auc[MAX_SEEDS], ap[MAX_SEEDS], pk[MAX_SEEDS], fit_s[MAX_SEEDS];
};

static void mean_std(const double *v, int n, double *mean, double *sd)
{
	double m = 0, s = 0;
	for (int i = 0; i < n; i++)
		m += v[i];
	m /= n;
	for (int i = 0; i < n; i++)
		s += (v[i] - m) * (v[i] - m);
	*mean = m;
	*sd = sqrt(s / n);
}

/* Featurizer and jobsets of one split for one feature set. */
struct sets {
	struct wfad_featurizer fz;
	struct wfad_jobset_owned train, valid, test;
};

static void sets_free(struct sets *s)
{
	wfad_jobset_free(&s->train);
	wfad_jobset_free(&s->valid);
	wfad_jobset_free(&s->test);
	wfad_featurizer_free(&s->fz);
}

static enum wfad_status sets_build(struct sets *s, const struct wfad_dataset *ds,
				   const struct wfad_split *sp, enum wfad_feature_set set,
				   struct wfad_error *err)
{
	memset(s, 0, sizeof(*s));
	enum wfad_status st =
		wfad_features_fit(&s->fz, set, WFAD_NORM_NONE, ds, sp->train, sp->n_train, err);
	if (st == WFAD_OK)
		st = wfad_jobset_build(&s->train, ds, sp->train, sp->n_train, &s->fz, err);
	if (st == WFAD_OK)
		st = wfad_jobset_build(&s->valid, ds, sp->valid, sp->n_valid, &s->fz, err);
	if (st == WFAD_OK)
		st = wfad_jobset_build(&s->test, ds, sp->test, sp->n_test, &s->fz, err);
	return st;
}

static int run_entry(const struct entry *e, const struct sets *s, unsigned threads, uint64_t seed,
		     double *scores, struct result *res, int k)
{
	const struct wfad_detector_ops *ops = wfad_detector_find(e->detector);
	if (!ops) {
		fprintf(stderr, "detectors_context: no detector %s\n", e->detector);
		return 1;
	}
	struct wfad_detector_params p = {.seed = seed, .threads = threads};
	struct wfad_detector *det = NULL;
	struct wfad_error err = {0};
	if (ops->create(&p, &det) != WFAD_OK)
		return 1;
	double t0 = wfad_clock_seconds();
	int rc = 0;
	if (ops->fit(det, &s->train.js, &s->valid.js, &err) != WFAD_OK)
		rc = fail(e->detector, &err);
	double t1 = wfad_clock_seconds();
	if (!rc && ops->score(det, &s->test.js, scores, &err) != WFAD_OK)
		rc = fail(e->detector, &err);
	ops->destroy(det);
	if (rc)
		return rc;
	const struct wfad_jobset *te = &s->test.js;
	size_t pos = 0;
	for (size_t i = 0; i < te->n; i++)
		pos += te->y[i] != 0;
	res->auc[k] = wfad_metrics_roc_auc(scores, te->y, te->n);
	res->ap[k] = wfad_metrics_average_precision(scores, te->y, te->n);
	res->pk[k] = wfad_metrics_precision_at_k(scores, te->y, te->n, pos);
	res->fit_s[k] = t1 - t0;
	return 0;
}

/* Column subsets of the context set for --ablate: a column is kept when its name starts with
 * none of the dropped prefixes (missing_ctx_* indicators follow their values). */
struct ablation {
	const char *label;
	const char *drop[8];
};

static const struct ablation ablations[] = {
	{"rich (no ctx_*)", {"ctx_", "missing_ctx_"}},
	{"+ z", {"ctx_rel_", "ctx_host_", "missing_ctx_host_"}},
	{"+ z, rel", {"ctx_host_", "missing_ctx_host_"}},
	{"+ z, host mean/max/rel",
	 {"ctx_rel_", "ctx_host_jobs", "ctx_host_evidence", "missing_ctx_host_evidence"}},
	{"+ z, rel, host mean/max/rel",
	 {"ctx_host_jobs", "ctx_host_evidence", "missing_ctx_host_evidence"}},
	{"all but the utime delay",
	 {"ctx_z_utime", "ctx_rel_utime", "ctx_host_mean_utime", "ctx_host_max_utime",
	  "ctx_host_rel_utime", "missing_ctx_utime", "missing_ctx_host_utime"}},
	{"all but the stage-in rate",
	 {"ctx_z_stage_in_rate", "ctx_rel_stage_in_rate", "ctx_host_mean_stage_in_rate",
	  "ctx_host_max_stage_in_rate", "ctx_host_rel_stage_in_rate", "missing_ctx_stage_in_rate",
	  "missing_ctx_host_stage_in_rate"}},
	{"all context columns", {NULL}},
};
enum { N_ABLATIONS = sizeof(ablations) / sizeof(ablations[0]) };

static bool keep_column(const struct ablation *a, const char *name)
{
	for (size_t k = 0; k < sizeof(a->drop) / sizeof(a->drop[0]) && a->drop[k]; k++)
		if (strncmp(name, a->drop[k], strlen(a->drop[k])) == 0)
			return false;
	return true;
}

/* A copy of js restricted to the kept columns (x and columns owned by *o). */
static bool subset(const struct wfad_jobset *js, const struct ablation *a,
		   struct wfad_jobset_owned *o)
{
	memset(o, 0, sizeof(*o));
	size_t d = 0;
	size_t *keep = malloc(js->d * sizeof(*keep));
	o->x = malloc((js->n ? js->n : 1) * js->d * sizeof(float));
	if (!keep || !o->x) {
		free(keep);
		free(o->x);
		return false;
	}
	for (size_t c = 0; c < js->d; c++)
		if (keep_column(a, js->columns[c]))
			keep[d++] = c;
	for (size_t i = 0; i < js->n; i++)
		for (size_t c = 0; c < d; c++)
			o->x[i * d + c] = js->x[i * js->d + keep[c]];
	free(keep);
	o->js = *js;
	o->js.d = d;
	o->js.x = o->x;
	o->js.columns = NULL;
	return true;
}

static int ablate_workflow(const struct wfad_dataset *ds, int n_seeds, unsigned threads)
{
	static struct result res[N_ABLATIONS];
	memset(res, 0, sizeof(res));
	double *scores = malloc((ds->n_runs * ds->dag.n_nodes + 1) * sizeof(*scores));
	if (!scores)
		return 1;
	const struct entry gbdt = {"gbdt", WFAD_FEATURES_CONTEXT, "context"};
	size_t cols[N_ABLATIONS] = {0};
	int rc = 0;
	for (int k = 0; k < n_seeds && !rc; k++) {
		struct wfad_error err = {0};
		struct wfad_split sp = {0};
		struct sets s;
		if (wfad_split_runs(ds, (uint64_t)k, 0.6, 0.2, &sp, &err) != WFAD_OK)
			return fail("split", &err);
		if (sets_build(&s, ds, &sp, WFAD_FEATURES_CONTEXT, &err) != WFAD_OK)
			rc = fail("features", &err);
		for (int a = 0; a < N_ABLATIONS && !rc; a++) {
			struct sets t = {0};
			if (!subset(&s.train.js, &ablations[a], &t.train) ||
			    !subset(&s.valid.js, &ablations[a], &t.valid) ||
			    !subset(&s.test.js, &ablations[a], &t.test))
				rc = 1;
			cols[a] = t.train.js.d;
			if (!rc)
				rc = run_entry(&gbdt, &t, threads, (uint64_t)k, scores, &res[a], k);
			free(t.train.x);
			free(t.valid.x);
			free(t.test.x);
		}
		sets_free(&s);
		wfad_split_free(&sp);
	}
	free(scores);
	if (rc)
		return rc;
	printf("\n### %s: gbdt on column subsets of the context set (%d seeds)\n\n", ds->workflow,
	       n_seeds);
	printf("| columns | n | ROC-AUC | AP | P@k |\n|---|---|---|---|---|\n");
	for (int a = 0; a < N_ABLATIONS; a++) {
		double auc, auc_sd, ap, ap_sd, pk, pk_sd;
		mean_std(res[a].auc, n_seeds, &auc, &auc_sd);
		mean_std(res[a].ap, n_seeds, &ap, &ap_sd);
		mean_std(res[a].pk, n_seeds, &pk, &pk_sd);
		printf("| %s | %zu | %.3f ± %.3f | %.3f | %.3f |\n", ablations[a].label, cols[a],
		       auc, auc_sd, ap, pk);
	}
	fflush(stdout);
	return 0;
}

static int bench_workflow(const struct wfad_dataset *ds, int n_seeds, unsigned threads,
			  const char *only)
{
	static struct result res[N_ENTRIES];
	memset(res, 0, sizeof(res));
	double *scores = malloc((ds->n_runs * ds->dag.n_nodes + 1) * sizeof(*scores));
	if (!scores)
		return 1;
	int rc = 0;
	for (int k = 0; k < n_seeds && !rc; k++) {
		struct wfad_error err = {0};
		struct wfad_split sp = {0};
		if (wfad_split_runs(ds, (uint64_t)k, 0.6, 0.2, &sp, &err) != WFAD_OK) {
			rc = fail("split", &err);
			break;
		}
		for (int set = WFAD_FEATURES_RICH; set <= WFAD_FEATURES_CONTEXT && !rc; set++) {
			bool wanted = false;
			for (int e = 0; e < N_ENTRIES; e++)
				wanted |= entries[e].set == (enum wfad_feature_set)set &&
					  (!only || strcmp(only, entries[e].detector) == 0);
			if (!wanted)
				continue;
			struct sets s;
			if (sets_build(&s, ds, &sp, (enum wfad_feature_set)set, &err) != WFAD_OK)
				rc = fail("features", &err);
			for (int e = 0; e < N_ENTRIES && !rc; e++)
				if (entries[e].set == (enum wfad_feature_set)set &&
				    (!only || strcmp(only, entries[e].detector) == 0))
					rc = run_entry(&entries[e], &s, threads, (uint64_t)k,
						       scores, &res[e], k);
			sets_free(&s);
		}
		wfad_split_free(&sp);
	}
	free(scores);
	if (rc)
		return rc;
	printf("\n### %s (%zu runs x %zu jobs, %d seeds)\n\n", ds->workflow, ds->n_runs,
	       ds->dag.n_nodes, n_seeds);
	printf("| features | detector | ROC-AUC | AP | P@k | fit s |\n|---|---|---|---|---|---|\n");
	for (int e = 0; e < N_ENTRIES; e++) {
		if (only && strcmp(only, entries[e].detector) != 0)
			continue;
		double auc, auc_sd, ap, ap_sd, pk, pk_sd, fit, fit_sd;
		mean_std(res[e].auc, n_seeds, &auc, &auc_sd);
		mean_std(res[e].ap, n_seeds, &ap, &ap_sd);
		mean_std(res[e].pk, n_seeds, &pk, &pk_sd);
		mean_std(res[e].fit_s, n_seeds, &fit, &fit_sd);
		printf("| %s | %s | %.3f ± %.3f | %.3f | %.3f | %.2f |\n", entries[e].label,
		       entries[e].detector, auc, auc_sd, ap, pk, fit);
	}
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *root = "../shared/data/flowbench", *only = NULL;
	const char *workflows[16];
	int n_workflows = 0, n_seeds = 5;
	unsigned threads = 2;
	bool ablate = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc)
			n_seeds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc)
			threads = (unsigned)atoi(argv[++i]);
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			only = argv[++i];
		else if (strcmp(argv[i], "--ablate") == 0)
			ablate = true;
		else if (strchr(argv[i], '/'))
			root = argv[i];
		else if (n_workflows < 16)
			workflows[n_workflows++] = argv[i];
	}
	if (n_seeds < 1 || n_seeds > MAX_SEEDS) {
		fprintf(stderr, "detectors_context: --seeds must be 1..%d\n", MAX_SEEDS);
		return 2;
	}
	if (n_workflows == 0) {
		static const char *const def[] = {"1000genome", "montage", "predict_future_sales"};
		for (int i = 0; i < 3; i++)
			workflows[n_workflows++] = def[i];
	}
	printf("# detectors_context: %d seeds, split 60/20/20 by run, %u threads\n", n_seeds,
	       threads);
	for (int w = 0; w < n_workflows; w++) {
		struct wfad_load_options opt = {.workflow = workflows[w], .threads = threads};
		struct wfad_collection c = {0};
		struct wfad_error err = {0};
		if (wfad_load(root, &opt, &c, &err) != WFAD_OK)
			return fail(workflows[w], &err);
		int rc = !c.count ? 1
			 : ablate ? ablate_workflow(c.items[0], n_seeds, threads)
				  : bench_workflow(c.items[0], n_seeds, threads, only);
		wfad_collection_free(&c);
		if (rc)
			return rc;
	}
	return 0;
}
