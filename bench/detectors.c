/* bench/detectors: fits the classic detectors (iforest, knn, lof, hbos) on the training jobs of
 * one workflow (default montage; runs split 60/20/20 with seed 0, `delays` features min-max
 * scaled on the training runs) and scores the test jobs; prints fit and score seconds and the
 * test ROC-AUC. When /usr/bin/python3 has scikit-learn, the same matrices go to
 * bench/detectors_sklearn.py and the ratios (sklearn seconds / wfad seconds) are printed,
 * measured in the same run.
 * usage: detectors [FLOWBENCH_ROOT] [WORKFLOW] [REPEATS] [--lof-sklearn] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wfad/eval.h"
#include "wfad/ingest.h"

static int fail(const char *what, const struct wfad_error *err)
{
	char buf[1200];
	wfad_error_format(err, buf, sizeof(buf));
	fprintf(stderr, "detectors: %s: %s\n", what, buf);
	return 1;
}

struct timing {
	double fit, score, auc; /* best seconds over the repeats */
	bool ok;
};

/* Fits and scores `repeats` times (best times kept); the AUC is from the last repeat (every
 * repeat gives bitwise the same scores). */
static struct timing run_detector(const char *name, const struct wfad_detector_params *p,
				  const struct wfad_jobset *tr, const struct wfad_jobset *te,
				  int repeats, double *scores)
{
	struct timing t = {1e30, 1e30, 0, false};
	const struct wfad_detector_ops *ops = wfad_detector_find(name);
	if (!ops) {
		fprintf(stderr, "detectors: no detector %s\n", name);
		return t;
	}
	for (int r = 0; r < repeats; r++) {
		struct wfad_detector *det = NULL;
		struct wfad_error err = {0};
		if (ops->create(p, &det) != WFAD_OK)
			return t;
		double t0 = wfad_clock_seconds();
		if (ops->fit(det, tr, NULL, &err) != WFAD_OK) {
			fail(name, &err);
			ops->destroy(det);
			return t;
		}
		double t1 = wfad_clock_seconds();
		if (ops->score(det, te, scores, &err) != WFAD_OK) {
			fail(name, &err);
			ops->destroy(det);
			return t;
		}
		double t2 = wfad_clock_seconds();
		ops->destroy(det);
		t.fit = t1 - t0 < t.fit ? t1 - t0 : t.fit;
		t.score = t2 - t1 < t.score ? t2 - t1 : t.score;
	}
	t.auc = wfad_metrics_roc_auc(scores, te->y, te->n);
	t.ok = true;
	return t;
}

static bool write_file(const char *dir, const char *name, const void *data, size_t bytes)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return false;
	bool ok = fwrite(data, 1, bytes, f) == bytes;
	return fclose(f) == 0 && ok;
}

static void remove_in(const char *dir, const char *name)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	remove(path);
}

int main(int argc, char **argv)
{
	const char *pos[3] = {"../shared/data/flowbench", "montage", "3"};
	bool lof_sklearn = false;
	for (int a = 1, np = 0; a < argc; a++) {
		if (!strcmp(argv[a], "--lof-sklearn"))
			lof_sklearn = true;
		else if (np < 3)
			pos[np++] = argv[a];
	}
	const char *root = pos[0], *workflow = pos[1];
	int repeats = atoi(pos[2]) > 0 ? atoi(pos[2]) : 3;
	struct wfad_load_options opt = {.workflow = workflow};
	struct wfad_collection c = {0};
	struct wfad_error err = {0};
	if (wfad_load(root, &opt, &c, &err) != WFAD_OK)
		return fail("load", &err);
	if (c.count == 0) {
		fprintf(stderr, "detectors: no workflow %s under %s\n", workflow, root);
		return 1;
	}
	const struct wfad_dataset *ds = c.items[0];
	struct wfad_split split = {0};
	struct wfad_featurizer fz;
	wfad_featurizer_init(&fz);
	struct wfad_jobset_owned tr = {0}, te = {0};
	if (wfad_split_runs(ds, 0, 0.6, 0.2, &split, &err) != WFAD_OK)
		return fail("split", &err);
	if (wfad_features_fit(&fz, WFAD_FEATURES_DELAYS, WFAD_NORM_MINMAX, ds, split.train,
			      split.n_train, &err) != WFAD_OK)
		return fail("features", &err);
	if (wfad_jobset_build(&tr, ds, split.train, split.n_train, &fz, &err) != WFAD_OK ||
	    wfad_jobset_build(&te, ds, split.test, split.n_test, &fz, &err) != WFAD_OK)
		return fail("jobset", &err);
	size_t anomalous = 0;
	for (size_t i = 0; i < te.js.n; i++)
		anomalous += te.js.y[i];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	printf("workflow %s: %zu train runs (%zu jobs), %zu test runs (%zu jobs, %zu anomalous), "
	       "features delays (%zu columns, minmax); best of %d\n",
	       ds->workflow, split.n_train, tr.js.n, split.n_test, te.js.n, anomalous, tr.js.d,
	       repeats);

	double *scores = malloc(te.js.n * sizeof(double));
	if (!scores)
		return 1;
	static const char *const names[] = {"iforest", "knn", "lof", "hbos"};
	struct timing one[4], all[4];
	printf("%-8s %10s %10s %10s %10s %8s\n", "detector", "fit 1T", "score 1T", "fit allT",
	       "score allT", "AUC");
	for (int i = 0; i < 4; i++) {
		struct wfad_detector_params p = {.seed = 0, .threads = 1};
		one[i] = run_detector(names[i], &p, &tr.js, &te.js, repeats, scores);
		p.threads = 0;
		all[i] = run_detector(names[i], &p, &tr.js, &te.js, repeats, scores);
		if (!one[i].ok || !all[i].ok)
			return 1;
		printf("%-8s %9.4fs %9.4fs %9.4fs %9.4fs %8.4f\n", names[i], one[i].fit,
		       one[i].score, all[i].fit, all[i].score, one[i].auc);
	}
	printf("(1T = one thread, allT = %ld threads, one per CPU; iforest: 100 trees x 256 "
	       "samples, knn k=5, lof k=20, hbos 10 bins)\n",
	       cpus);
	/* The forest's AUC varies with its seed: the mean over seeds 0..4 as well. */
	double if_mean = 0.0;
	for (uint64_t seed = 0; seed < 5; seed++) {
		struct wfad_detector_params p = {.seed = seed};
		if_mean += run_detector("iforest", &p, &tr.js, &te.js, 1, scores).auc / 5.0;
	}
	printf("iforest AUC, mean over seeds 0..4: %.4f\n", if_mean);

	/* The same matrices for scikit-learn. */
	int rc = 0;
	char dir[] = "/tmp/wfad-bench-detectors-XXXXXX";
	if (system("/usr/bin/python3 -c 'import sklearn' 2>/dev/null") != 0) {
		printf("scikit-learn: not available to /usr/bin/python3 (apt-get install "
		       "python3-sklearn)\n");
		goto done;
	}
	if (!mkdtemp(dir) ||
	    !write_file(dir, "train.f32", tr.js.x, tr.js.n * tr.js.d * sizeof(float)) ||
	    !write_file(dir, "test.f32", te.js.x, te.js.n * te.js.d * sizeof(float)) ||
	    !write_file(dir, "test_y.u8", te.js.y, te.js.n)) {
		fprintf(stderr, "detectors: cannot write the matrices under /tmp\n");
		rc = 1;
		goto done;
	}
	char cmd[1400];
	snprintf(cmd, sizeof(cmd),
		 "/usr/bin/python3 bench/detectors_sklearn.py %s %zu %zu %zu %d%s", dir, tr.js.n,
		 te.js.n, tr.js.d, repeats, lof_sklearn ? " --lof" : "");
	FILE *py = popen(cmd, "r");
	if (!py) {
		rc = 1;
		goto cleanup_dir;
	}
	printf("\nscikit-learn on the same matrices (one thread), ratio = sklearn s / wfad s:\n");
	printf("%-8s %9s %9s %8s %8s | %11s %11s %11s\n", "detector", "fit", "score", "AUC",
	       "wfad AUC", "total 1T", "total allT", "score 1T");
	char name[32];
	double sf, ss, sa;
	while (fscanf(py, "%31s %lf %lf %lf", name, &sf, &ss, &sa) == 4) {
		int i = -1;
		for (int j = 0; j < 4; j++)
			if (!strcmp(names[j], name))
				i = j;
		if (!strcmp(name, "iforest_seeds")) {
			printf("%-8s mean AUC over seeds 0..4: sklearn %.4f, wfad %.4f\n",
			       "iforest", sa, if_mean);
			continue;
		}
		if (i < 0)
			continue;
		double w1 = one[i].fit + one[i].score, wa = all[i].fit + all[i].score;
		printf("%-8s %8.4fs %8.4fs %8.4f %8.4f | %10.1fx %10.1fx %10.1fx\n", name, sf, ss,
		       sa, one[i].auc, (sf + ss) / w1, (sf + ss) / wa, ss / one[i].score);
	}
	if (pclose(py) != 0) {
		fprintf(stderr, "detectors: bench/detectors_sklearn.py failed\n");
		rc = 1;
	}
cleanup_dir:
	remove_in(dir, "train.f32");
	remove_in(dir, "test.f32");
	remove_in(dir, "test_y.u8");
	remove(dir);
done:
	free(scores);
	wfad_jobset_free(&tr);
	wfad_jobset_free(&te);
	wfad_featurizer_free(&fz);
	wfad_split_free(&split);
	wfad_collection_free(&c);
	return rc;
}
