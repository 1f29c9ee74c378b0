/* Workflows trained together (--workflow all): joint job sets, graph batches that mix DAGs,
 * and the joint job- and run-level protocols, on the two workflows of flowbench-mini. */
#include <stdlib.h>

#include "test.h"
#include "wfad/experiment.h"
#include "wfad/ingest.h"
#include "wfad/runlevel.h"

#define MINI "tests/data/flowbench-mini"

static bool load_mini(struct wfad_collection *c)
{
	struct wfad_error err = {0};
	struct wfad_load_options lo = {.threads = 1};
	CHECK_OK(wfad_load(MINI, &lo, c, &err), &err);
	CHECK_INT(c->count, 2);
	return c->count == 2;
}

/* Every run of ds featurised by a featurizer fitted on all of them. */
static void whole_set(const struct wfad_dataset *ds, struct wfad_featurizer *fz,
		      struct wfad_jobset_owned *o)
{
	struct wfad_error err = {0};
	size_t *runs = malloc(ds->n_runs * sizeof(size_t));
	for (size_t r = 0; r < ds->n_runs; r++)
		runs[r] = r;
	wfad_featurizer_init(fz);
	CHECK_OK(wfad_features_fit(fz, WFAD_FEATURES_CONTEXT, WFAD_NORM_STANDARD, ds, runs,
				   ds->n_runs, &err),
		 &err);
	CHECK_OK(wfad_jobset_build(o, ds, runs, ds->n_runs, fz, &err), &err);
	free(runs);
}

/* Both workflows of flowbench-mini, each featurised on all its runs, and joined. */
struct both {
	struct wfad_collection c;
	struct wfad_featurizer fz[2];
	struct wfad_jobset_owned o[2];
	struct wfad_jobset parts[2];
	struct wfad_jobset_joint j;
};

static bool both_open(struct both *b)
{
	memset(b, 0, sizeof(*b));
	if (!load_mini(&b->c))
		return false;
	for (int i = 0; i < 2; i++) {
		whole_set(b->c.items[i], &b->fz[i], &b->o[i]);
		b->parts[i] = b->o[i].js;
	}
	struct wfad_error err = {0};
	CHECK_OK(wfad_jobset_join(&b->j, b->parts, 2, &err), &err);
	return b->j.x != NULL;
}

static void both_close(struct both *b)
{
	wfad_jobset_joint_free(&b->j);
	for (int i = 0; i < 2; i++) {
		wfad_jobset_free(&b->o[i]);
		wfad_featurizer_free(&b->fz[i]);
	}
	wfad_collection_free(&b->c);
}

/* A joint set is its parts' rows in order; parts of other widths are refused. */
WFAD_TEST(joint_jobset_join_concatenates_parts)
{
	struct both b;
	if (!both_open(&b)) {
		both_close(&b);
		return;
	}
	struct wfad_jobset_owned *o = b.o;
	struct wfad_jobset_joint j = b.j;
	struct wfad_error err = {0};
	CHECK_INT(j.js.n, o[0].js.n + o[1].js.n);
	CHECK_INT(j.js.n_runs, b.c.items[0]->n_runs + b.c.items[1]->n_runs);
	CHECK(j.js.ds == NULL && j.js.n_parts == 2);
	CHECK(j.js.parts[1].x == j.js.x + o[0].js.n * o[0].js.d);
	CHECK(memcmp(j.js.parts[1].x, o[1].js.x, o[1].js.n * o[1].js.d * sizeof(float)) == 0);
	CHECK(memcmp(j.js.y + o[0].js.n, o[1].js.y, o[1].js.n) == 0);
	struct wfad_jobset_joint refused = {0};
	b.parts[1].d--;
	CHECK_INT(wfad_jobset_join(&refused, b.parts, 2, &err), WFAD_EINVAL);
	both_close(&b);
}

/* gcn on batches that mix the 60-job somospie DAG and the 12-job eht DAG scores every job as
 * it does when each workflow is scored alone. */
WFAD_TEST(joint_gcn_mixed_dags_score_as_alone)
{
	struct both b;
	if (!both_open(&b)) {
		both_close(&b);
		return;
	}
	struct wfad_jobset_owned *o = b.o;
	struct wfad_jobset_joint j = b.j;
	struct wfad_error err = {0};
	const struct wfad_detector_ops *ops = wfad_detector_find("gcn");
	struct wfad_detector *det = NULL;
	CHECK_INT(ops->create(&(struct wfad_detector_params){.seed = 1, .epochs = 5}, &det),
		  WFAD_OK);
	CHECK_OK(ops->fit(det, &j.js, NULL, &err), &err);
	double *joint = malloc(j.js.n * sizeof(double));
	double *alone = malloc(j.js.n * sizeof(double));
	CHECK_OK(ops->score(det, &j.js, joint, &err), &err);
	CHECK_OK(ops->score(det, &o[0].js, alone, &err), &err);
	CHECK_OK(ops->score(det, &o[1].js, alone + o[0].js.n, &err), &err);
	double worst = 0;
	for (size_t i = 0; i < j.js.n; i++) {
		CHECK(joint[i] >= 0 && joint[i] <= 1);
		worst = fmax(worst, fabs(joint[i] - alone[i]));
	}
	CHECK_NEAR(worst, 0, 1e-6);
	ops->destroy(det);
	free(joint);
	free(alone);
	both_close(&b);
}

WFAD_TEST(joint_eval_jobs_reports_each_workflow)
{
	struct wfad_collection c = {0};
	if (!load_mini(&c))
		return;
	const struct wfad_dataset *const *ds = (const struct wfad_dataset *const *)c.items;
	const char *names[] = {"knn", "gcn"};
	struct wfad_eval_options o = {.detectors = names,
				      .n_detectors = 2,
				      .features = WFAD_FEATURES_CONTEXT,
				      .norm = WFAD_NORM_MINMAX,
				      .seeds = 2,
				      .params = {.epochs = 5}};
	struct wfad_eval_result res[2];
	struct wfad_error err = {0};
	CHECK_OK(wfad_eval_jobs_joint(ds, 2, &o, res, &err), &err);
	for (int k = 0; k < 2; k++) {
		CHECK_INT(res[k].n_parts, 2);
		CHECK_STR(res[k].part_names[0], c.items[0]->workflow);
		CHECK_STR(res[k].part_names[1], c.items[1]->workflow);
		for (unsigned s = 0; s < 2; s++) {
			CHECK(res[k].roc_auc[s] >= 0 && res[k].roc_auc[s] <= 1);
			CHECK(res[k].accuracy[s] >= 0 && res[k].accuracy[s] <= 1);
			/* every eht test split holds anomalous and normal jobs */
			double eht = res[k].part_roc_auc[0 * 2 + s];
			CHECK(eht >= 0 && eht <= 1);
		}
		wfad_eval_result_free(&res[k]);
	}
	/* A detector of one workflow's raw traces is refused, naming itself. */
	const char *raw[] = {"hostz"};
	o.detectors = raw;
	o.n_detectors = 1;
	CHECK_INT(wfad_eval_jobs_joint(ds, 2, &o, res, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "hostz") != NULL);
	wfad_collection_free(&c);
}

WFAD_TEST(joint_eval_runs_classes_are_the_union)
{
	struct wfad_collection c = {0};
	if (!load_mini(&c))
		return;
	const struct wfad_dataset *const *ds = (const struct wfad_dataset *const *)c.items;
	/* gnnrun: per-run graphs, built from the joint parts' runs; gnnrundag: one per DAG */
	const char *names[] = {"gnnrundag", "gnnrun"};
	struct wfad_eval_options o = {
		.detectors = names, .n_detectors = 2, .seeds = 2, .params = {.epochs = 5}};
	struct wfad_run_eval_result res[2];
	struct wfad_error err = {0};
	CHECK_OK(wfad_eval_runs_joint(ds, 2, &o, res, &err), &err);
	CHECK_INT(res[0].n_classes, 5); /* normal cpu_2 cpu_3 hdd_5 hdd_10 */
	CHECK_STR(res[0].classes[0], "normal");
	size_t total = 0, total_host = 0;
	for (size_t i = 0; i < 25; i++) {
		total += res[0].confusion[i];
		total_host += res[1].confusion[i];
	}
	CHECK_INT(total_host, total);
	wfad_run_eval_result_free(&res[1]);
	struct wfad_split sp[2];
	memset(sp, 0, sizeof(sp));
	size_t tests = 0;
	for (unsigned s = 0; s < 2; s++)
		for (int i = 0; i < 2; i++) {
			CHECK_OK(wfad_split_runs(c.items[i], s, 0.6, 0.2, &sp[i], &err), &err);
			tests += sp[i].n_test;
			wfad_split_free(&sp[i]);
		}
	CHECK_INT(total, tests);
	CHECK(res[0].accuracy[0] >= 0 && res[0].accuracy[0] <= 1);
	wfad_run_eval_result_free(&res[0]);
	/* gbdt's joint table: shared columns plus each workflow's own block. */
	const char *gb[] = {"gbdt"};
	o.detectors = gb;
	o.n_detectors = 1;
	CHECK_OK(wfad_eval_runs_joint(ds, 2, &o, res, &err), &err);
	CHECK(res[0].accuracy[1] >= 0 && res[0].accuracy[1] <= 1);
	wfad_run_eval_result_free(&res[0]);
	/* The image model reads one workflow's time scale: refused. */
	const char *cnn[] = {"ganttcnn"};
	o.detectors = cnn;
	CHECK_INT(wfad_eval_runs_joint(ds, 2, &o, res, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "ganttcnn") != NULL);
	wfad_collection_free(&c);
}
