/* bench/gnn: the gcn network's training speed against PyTorch in one run. Loads a workflow
 * (default montage: 320 runs x 539 jobs), context features (standardised on the training
 * runs), seed-0 run split; trains gcndag (gcn's network -- 2 GCN layers of 64, skip, MLP head,
 * dropout 0.1, AdamW lr 1e-3, batches of 32 runs, clip 10 -- on the DAG alone, the graph the
 * torch GCN gets; gcn adds same-host edges to each run's graph) for a fixed number of epochs
 * without early stopping, then bench/gnn_torch.py trains the same model on the same matrices.
 * Prints seconds per epoch, the ratio, both test ROC-AUCs, GFLOP/s (2 x multiply-adds counted
 * below) and peak RSS of the wfad process, then of one wfad epoch on all runs.
 * usage: gnn [FLOWBENCH_ROOT] [WORKFLOW] [EPOCHS] [TORCH_THREADS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "wfad/detect.h"
#include "wfad/eval.h"
#include "wfad/ingest.h"
#include "wfad/nn.h"

static double peak_rss_mb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

static bool write_file(const char *dir, const char *name, const void *p, size_t bytes)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(p, 1, bytes, f) == bytes;
	if (f)
		ok = fclose(f) == 0 && ok;
	return ok;
}

/* Multiply-adds of one training epoch over rows node rows in graphs of nnz entries. */
static double epoch_macs(size_t rows, size_t graphs, size_t nnz, size_t d, size_t h)
{
	double r = (double)rows,
	       dense_fwd = r * ((double)d * h + (double)h * h + (double)(h + d) * h + h);
	/* dX of head1, head0 (only its h graph columns: the skipped features need none) and
	 * gcn1; none for gcn0 */
	double dense_dx = r * ((double)h + (double)h * h + (double)h * h);
	double prop = 2.0 * (double)graphs * (double)nnz * (double)h; /* two GCN layers */
	return 2.0 * dense_fwd + dense_dx + 2.0 * prop;               /* fwd, dW, dX; S fwd+bwd */
}

/* GFLOP/s of wfad_nn_gemm on 1024 x 1024 x 1024, one thread: this machine's practical peak
 * for the dense layers' kernel (the best of three). */
static double gemm_roof(void)
{
	size_t k = 1024;
	float *a = wfad_nn_alloc_floats(k * k), *b = wfad_nn_alloc_floats(k * k);
	float *c = wfad_nn_alloc_floats(k * k);
	double best = 0.0;
	for (size_t i = 0; a && b && i < k * k; i++) {
		a[i] = (float)(i % 7) * 0.1f;
		b[i] = (float)(i % 5) * 0.1f;
	}
	for (int rep = 0; a && b && c && rep < 3; rep++) {
		double t0 = wfad_clock_seconds();
		wfad_nn_gemm(false, false, k, k, k, a, k, b, k, c, k);
		double gf = 2.0 * (double)k * (double)k * (double)k * 1e-9 /
			    (wfad_clock_seconds() - t0);
		best = gf > best ? gf : best;
	}
	free(a);
	free(b);
	free(c);
	return best;
}

int main(int argc, char **argv)
{
	const char *root = argc > 1 ? argv[1] : "../shared/data/flowbench";
	const char *workflow = argc > 2 ? argv[2] : "montage";
	int epochs = argc > 3 && atoi(argv[3]) > 0 ? atoi(argv[3]) : 10;
	int torch_threads = argc > 4 && atoi(argv[4]) > 0 ? atoi(argv[4]) : 2;
	struct wfad_collection c = {0};
	struct wfad_error err = {0};
	struct wfad_load_options lo = {.workflow = workflow, .threads = 2};
	if (wfad_load(root, &lo, &c, &err) != WFAD_OK || c.count == 0) {
		fprintf(stderr, "gnn: cannot load %s from %s: %s\n", workflow, root, err.message);
		return 1;
	}
	const struct wfad_dataset *ds = c.items[0];
	double rss_loaded = peak_rss_mb();
	struct wfad_split sp = {0};
	struct wfad_featurizer fz;
	wfad_featurizer_init(&fz);
	struct wfad_jobset_owned tr = {0}, te = {0}, all = {0};
	int rc = 1;
	if (wfad_split_runs(ds, 0, 0.6, 0.2, &sp, &err) != WFAD_OK ||
	    wfad_features_fit(&fz, WFAD_FEATURES_CONTEXT, WFAD_NORM_STANDARD, ds, sp.train,
			      sp.n_train, &err) != WFAD_OK ||
	    wfad_jobset_build(&tr, ds, sp.train, sp.n_train, &fz, &err) != WFAD_OK ||
	    wfad_jobset_build(&te, ds, sp.test, sp.n_test, &fz, &err) != WFAD_OK) {
		fprintf(stderr, "gnn: %s\n", err.message);
		goto done;
	}
	size_t n = ds->dag.n_nodes, d = tr.js.d, h = 64;
	struct wfad_nn_graph g = {0};
	wfad_nn_graph_build(&g, n, ds->dag.child_ptr, ds->dag.child_idx, ds->dag.parent_ptr,
			    ds->dag.parent_idx);
	printf("%s: %zu runs x %zu jobs, %zu context columns; train %zu runs (%zu rows), test %zu "
	       "runs; %d epochs, batches of 32 runs\n",
	       ds->workflow, ds->n_runs, n, d, sp.n_train, tr.js.n, sp.n_test, epochs);

	const struct wfad_detector_ops *ops = wfad_detector_find("gcndag");
	struct wfad_detector *det = NULL;
	double gflop = 2.0 * epoch_macs(tr.js.n, sp.n_train, g.nnz, d, h) * 1e-9;
	double roof = gemm_roof();
	printf("gemm roof (wfad_nn_gemm 1024^3, one thread): %.1f GFLOP/s\n", roof);
	double wfad_s = 0.0, wfad_s1 = 0.0, rss_train = 0.0;
	for (int threads = 1; threads <= torch_threads; threads++) {
		struct wfad_detector_params p = {.seed = 0,
						 .threads = (unsigned)threads,
						 .epochs = epochs,
						 .batch = 32,
						 .lr = 1e-3};
		if (ops->create(&p, &det) != WFAD_OK)
			goto done;
		double t0 = wfad_clock_seconds();
		enum wfad_status st = ops->fit(det, &tr.js, NULL, &err);
		wfad_s = (wfad_clock_seconds() - t0) / epochs;
		wfad_s1 = threads == 1 ? wfad_s : wfad_s1;
		rss_train = peak_rss_mb();
		double *score = malloc(te.js.n * sizeof(double));
		double wfad_auc = -1.0;
		if (st == WFAD_OK && score && ops->score(det, &te.js, score, &err) == WFAD_OK)
			wfad_auc = wfad_metrics_roc_auc(score, te.js.y, te.js.n);
		ops->destroy(det);
		free(score);
		if (st != WFAD_OK) {
			fprintf(stderr, "gnn: fit: %s\n", err.message);
			goto done;
		}
		printf("wfad   %8.4f s/epoch  %6.2f GFLOP/s (%.0f%% of %d x roof)  test ROC-AUC "
		       "%.3f  "
		       "(%d thread%s)\n",
		       wfad_s, gflop / wfad_s, 100.0 * gflop / wfad_s / (roof * threads), threads,
		       wfad_auc, threads, threads > 1 ? "s" : "");
	}
	printf("wfad   peak RSS %.0f MB (%.0f MB after loading)\n", rss_train, rss_loaded);

	char dir[] = "/tmp/wfad-bench-gnn-XXXXXX";
	if (system("/usr/bin/python3 -c 'import torch' 2>/dev/null") != 0) {
		printf("PyTorch: not available to /usr/bin/python3\n");
	} else if (mkdtemp(dir)) {
		bool ok = write_file(dir, "xtr.f32", tr.js.x, tr.js.n * d * sizeof(float)) &&
			  write_file(dir, "ytr.u8", tr.js.y, tr.js.n) &&
			  write_file(dir, "xte.f32", te.js.x, te.js.n * d * sizeof(float)) &&
			  write_file(dir, "yte.u8", te.js.y, te.js.n) &&
			  write_file(dir, "ptr.u32", g.ptr, (n + 1) * sizeof(uint32_t)) &&
			  write_file(dir, "idx.u32", g.idx, g.nnz * sizeof(uint32_t)) &&
			  write_file(dir, "val.f32", g.val, g.nnz * sizeof(float));
		char cmd[1024];
		snprintf(cmd, sizeof(cmd),
			 "/usr/bin/python3 bench/gnn_torch.py %s %zu %zu %zu %zu %zu %d %d", dir, n,
			 g.nnz, d, sp.n_train, sp.n_test, epochs, torch_threads);
		FILE *py = ok ? popen(cmd, "r") : NULL;
		double torch_s = -1.0, torch_auc = -1.0;
		if (py) {
			if (fscanf(py, "%lf %lf", &torch_s, &torch_auc) != 2)
				torch_s = -1.0;
			pclose(py);
		}
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "gnn: could not remove %s\n", dir);
		if (torch_s > 0)
			printf("torch  %8.4f s/epoch  %6.2f GFLOP/s  test ROC-AUC %.3f  (%d "
			       "threads)\n"
			       "ratio  torch / wfad = %.2fx per epoch (same threads); %.2fx with "
			       "wfad on one thread\n",
			       torch_s, gflop / torch_s, torch_auc, torch_threads, torch_s / wfad_s,
			       torch_s / wfad_s1);
		else
			printf("torch: run failed\n");
	}

	/* Memory of training on every run of the workflow (one epoch). */
	size_t *every = malloc(ds->n_runs * sizeof(size_t));
	for (size_t i = 0; every && i < ds->n_runs; i++)
		every[i] = i;
	if (every && wfad_jobset_build(&all, ds, every, ds->n_runs, &fz, &err) == WFAD_OK &&
	    ops->create(&(struct wfad_detector_params){.epochs = 1, .threads = 1, .batch = 32},
			&det) == WFAD_OK) {
		double t0 = wfad_clock_seconds();
		enum wfad_status st = ops->fit(det, &all.js, NULL, &err);
		printf("wfad   one epoch on all %zu runs (%zu rows): %.3f s, peak RSS %.0f MB%s\n",
		       ds->n_runs, all.js.n, wfad_clock_seconds() - t0, peak_rss_mb(),
		       st == WFAD_OK ? "" : " (failed)");
		ops->destroy(det);
	}
	free(every);
	wfad_nn_graph_free(&g);
	rc = 0;
done:
	wfad_jobset_free(&tr);
	wfad_jobset_free(&te);
	wfad_jobset_free(&all);
	wfad_featurizer_free(&fz);
	wfad_split_free(&sp);
	wfad_collection_free(&c);
	return rc;
}
