/* Tests of run-level model files (src/eval/run_model.c) and gnnrun's save, load and
 * explanations, on tests/data/flowbench-mini. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/detect/gnn_net.h"
#include "test.h"
#include "wfad/ingest.h"
#include "wfad/runlevel.h"

/* The mini collection: eht_imaging (10 runs, every label) and somospie. */
static bool mini_open(struct wfad_collection *c, const struct wfad_dataset **eht,
		      const struct wfad_dataset **somo)
{
	struct wfad_error err = {0};
	struct wfad_load_options lo = {.threads = 1};
	CHECK_OK(wfad_load("tests/data/flowbench-mini", &lo, c, &err), &err);
	*eht = *somo = NULL;
	for (size_t i = 0; i < c->count; i++) {
		if (strcmp(c->items[i]->workflow, "eht_imaging") == 0)
			*eht = c->items[i];
		if (strcmp(c->items[i]->workflow, "somospie") == 0)
			*somo = c->items[i];
	}
	CHECK(*eht && *somo && (*eht)->n_runs == 10);
	return *eht && *somo && (*eht)->n_runs == 10;
}

static long file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fclose(f);
	return n;
}

/* The first n bytes of src written to dst. */
static void copy_prefix(const char *src, const char *dst, long n)
{
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	CHECK(in && out);
	for (long i = 0; in && out && i < n; i++) {
		int ch = fgetc(in);
		if (ch == EOF)
			break;
		fputc(ch, out);
	}
	if (in)
		fclose(in);
	if (out)
		fclose(out);
}

/* src's file with its classifier name (the string after the magic and version) replaced by
 * name, written to dst: loading it must fail on the state's own check. */
static void check_renamed(const char *src, const char *dst, const char *name)
{
	FILE *in = fopen(src, "rb"), *out = fopen(dst, "wb");
	unsigned char head[12], len[4];
	CHECK(in && out && fread(head, 1, 12, in) == 12 && fread(len, 1, 4, in) == 4);
	if (!in || !out) {
		if (in)
			fclose(in);
		if (out)
			fclose(out);
		return;
	}
	uint32_t old = (uint32_t)len[0] | (uint32_t)len[1] << 8;
	fseek(in, (long)old, SEEK_CUR);
	uint32_t n = (uint32_t)strlen(name);
	unsigned char nl[4] = {(unsigned char)n, 0, 0, 0};
	fwrite(head, 1, 12, out);
	fwrite(nl, 1, 4, out);
	fwrite(name, 1, n, out);
	for (int ch; (ch = fgetc(in)) != EOF;)
		fputc(ch, out);
	fclose(in);
	fclose(out);
	struct wfad_run_model t = {0};
	struct wfad_error err = {0};
	CHECK_INT(wfad_run_model_load(&t, dst, &err), WFAD_EFORMAT);
	CHECK(strstr(err.message, "not a") != NULL);
	wfad_run_model_free(&t);
}

/* Every run classifier (gnnrun, gnnrundag, gbdt, ganttcnn) trained as a run model: saved and loaded
 * they predict the same bits, keep their classes and workflow; every truncation of the file is
 * refused with its name, and one classifier's state is not loaded as another's. */
WFAD_TEST(run_model_round_trip_and_truncation)
{
	struct wfad_collection c = {0};
	const struct wfad_dataset *eht, *somo;
	if (!mini_open(&c, &eht, &somo)) {
		wfad_collection_free(&c);
		return;
	}
	size_t train[6] = {0, 2, 4, 6, 8, 9}, valid[2] = {1, 5}, all[10];
	for (size_t i = 0; i < 10; i++)
		all[i] = i;
	char path[64], cut[64];
	snprintf(path, sizeof(path), "/tmp/wfad-test-run-model-%ld.wfad", (long)getpid());
	snprintf(cut, sizeof(cut), "/tmp/wfad-test-run-model-%ld.cut", (long)getpid());
	const char *names[] = {"gnnrun", "gnnrundag", "gbdt", "ganttcnn"};
	for (int v = 0; v < 4; v++) {
		struct wfad_run_model m = {0}, back = {0};
		struct wfad_error err = {0};
		struct wfad_detector_params p = {.seed = 5, .epochs = 6};
		CHECK_OK(wfad_run_model_train(&m, names[v], &p, eht, train, 6, valid, 2, &err),
			 &err);
		CHECK(m.n_classes == 5 && strcmp(m.classes[0], "normal") == 0);
		CHECK_OK(wfad_run_model_save(&m, path, &err), &err);
		CHECK(wfad_run_model_is_file(path));
		CHECK_OK(wfad_run_model_load(&back, path, &err), &err);
		CHECK(back.ops == m.ops && back.n_classes == m.n_classes && back.n_train_runs == 6);
		CHECK(strcmp(back.workflow, "eht_imaging") == 0 && back.dag_hash == m.dag_hash);
		/* It knows which runs it was fitted on (training and validation), and no others. */
		CHECK(back.n_fit_runs == 8);
		for (size_t i = 0; i < 10; i++)
			CHECK(wfad_run_model_fitted_on(&back, eht->runs[i].id) ==
			      (i != 3 && i != 7));
		double p1[50], p2[50];
		CHECK_OK(wfad_run_model_predict(&m, eht, all, 10, p1, &err), &err);
		CHECK_OK(wfad_run_model_predict(&back, eht, all, 10, p2, &err), &err);
		CHECK(memcmp(p1, p2, sizeof(p1)) == 0);
		/* Runs of another workflow are refused, naming both. */
		size_t one = 0;
		CHECK_INT(wfad_run_model_predict(&back, somo, &one, 1, p2, &err), WFAD_EINVAL);
		CHECK(strstr(err.message, "eht_imaging") && strstr(err.message, "somospie"));
		/* Every cut of the file fails cleanly (ASan checks the paths taken). */
		long size = file_size(path);
		CHECK(size > 100);
		for (long n = 0; n < size; n += n < 64 ? 1 : 97 + size / 60) {
			struct wfad_run_model t = {0};
			copy_prefix(path, cut, n);
			enum wfad_status st = wfad_run_model_load(&t, cut, &err);
			CHECK(st == WFAD_EPARSE || st == WFAD_EFORMAT);
			CHECK(strstr(err.file, "wfad-test-run-model") != NULL);
			wfad_run_model_free(&t);
		}
		if (v == 0)
			check_renamed(path, cut, "gnnrundag");
		if (v == 2)
			check_renamed(path, cut, "gnnrun");
		if (v == 3)
			check_renamed(path, cut, "gbdt");
		if (v == 2) { /* a flipped byte of the booster: caught before XGBoost reads it */
			copy_prefix(path, cut, size);
			FILE *f = fopen(cut, "r+b");
			CHECK(f && fseek(f, size - 40, SEEK_SET) == 0);
			if (f) {
				int ch = fgetc(f);
				fseek(f, size - 40, SEEK_SET);
				fputc(ch ^ 0x20, f);
				fclose(f);
			}
			struct wfad_run_model t = {0};
			CHECK_INT(wfad_run_model_load(&t, cut, &err), WFAD_EPARSE);
			CHECK(strstr(err.message, "checksum") != NULL);
			wfad_run_model_free(&t);
		}
		wfad_run_model_free(&m);
		wfad_run_model_free(&back);
	}
	struct wfad_error err = {0};
	struct wfad_run_model m = {0};
	CHECK_INT(wfad_run_model_train(&m, "mlp", &(struct wfad_detector_params){0}, eht, train, 6,
				       valid, 2, &err),
		  WFAD_EINVAL);
	CHECK(strstr(err.message, "unknown run classifier") != NULL);
	CHECK_INT(wfad_run_model_load(&m, "tests/data/flowbench-mini/ATTRIBUTION.md", &err),
		  WFAD_EFORMAT);
	CHECK(!wfad_run_model_is_file("tests/data/flowbench-mini/ATTRIBUTION.md"));
	remove(path);
	remove(cut);
	wfad_collection_free(&c);
}

/* A gnnrun model explains a run: one finite share per job, not all zero, and for class 0
 * (normal against itself) all zero. */
WFAD_TEST(run_model_gnnrun_explains_runs)
{
	struct wfad_collection c = {0};
	const struct wfad_dataset *eht, *somo;
	if (!mini_open(&c, &eht, &somo)) {
		wfad_collection_free(&c);
		return;
	}
	size_t train[8] = {0, 1, 2, 3, 4, 5, 6, 7};
	struct wfad_run_model m = {0};
	struct wfad_error err = {0};
	CHECK_OK(wfad_run_model_train(&m, "gnnrun",
				      &(struct wfad_detector_params){.seed = 1, .epochs = 8}, eht,
				      train, 8, NULL, 0, &err),
		 &err);
	size_t n = eht->dag.n_nodes;
	double *out = malloc(n * sizeof(double));
	double big = 0.0;
	bool finite = true;
	const char **why = malloc(n * sizeof(*why));
	CHECK_OK(wfad_run_model_explain(&m, eht, 9, 3, out, why, &err), &err);
	size_t named = 0; /* every job pushing toward cpu_3 names a feature */
	for (size_t j = 0; j < n; j++) {
		named += why[j] != NULL;
		if (out[j] > 0.0)
			CHECK(why[j] != NULL);
	}
	CHECK(named > 0);
	free(why);
	for (size_t j = 0; j < n; j++) {
		finite &= isfinite(out[j]);
		big = fmax(big, fabs(out[j]));
	}
	CHECK(finite && big > 0.0);
	CHECK_OK(wfad_run_model_explain(&m, eht, 9, 0, out, NULL, &err), &err);
	for (size_t j = 0; j < n; j++)
		CHECK(out[j] == 0.0);
	CHECK_INT(wfad_run_model_explain(&m, eht, 9, 99, out, NULL, &err), WFAD_EINVAL);
	char names[3][WFAD_RUN_REASON_LEN];
	double vals[3];
	size_t nr = 9;
	CHECK_INT(wfad_run_model_explain_features(&m, eht, 9, 3, 3, names, vals, &nr, &err),
		  WFAD_EINVAL);
	wfad_run_model_free(&m);
	/* The run-level gbdt gives no per-job explanation and says so, but names the run
	 * aggregates behind a verdict: positive contributions, largest first. */
	CHECK_OK(wfad_run_model_train(&m, "gbdt", &(struct wfad_detector_params){.seed = 1}, eht,
				      train, 8, NULL, 0, &err),
		 &err);
	CHECK_INT(wfad_run_model_explain(&m, eht, 9, 3, out, NULL, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "does not explain") != NULL);
	CHECK_OK(wfad_run_model_explain_features(&m, eht, 9, 4, 3, names, vals, &nr, &err), &err);
	CHECK(nr >= 1 && nr <= 3);
	for (size_t k = 0; k < nr; k++) {
		CHECK(vals[k] > 0.0 && strlen(names[k]) > 0);
		if (k)
			CHECK(vals[k] <= vals[k - 1]);
	}
	printf("  gbdt run reason: %s (+%.3g)\n", nr ? names[0] : "-", nr ? vals[0] : 0.0);
	free(out);
	wfad_run_model_free(&m);
	wfad_collection_free(&c);
}

/* The graph task's input gradient (gnnrun's explanations) matches central finite differences
 * of the log-odds log(p_k / p_0) = z_k - z_0. */
WFAD_TEST(run_model_graph_input_gradient_matches_finite_differences)
{
	struct wfad_collection c = {0};
	const struct wfad_dataset *eht, *somo;
	if (!mini_open(&c, &eht, &somo)) {
		wfad_collection_free(&c);
		return;
	}
	const struct wfad_dag *dag = &somo->dag;
	struct wfad_nn_graph g = {0};
	CHECK_INT(wfad_nn_graph_build(&g, dag->n_nodes, dag->child_ptr, dag->child_idx,
				      dag->parent_ptr, dag->parent_idx),
		  WFAD_OK);
	size_t n = dag->n_nodes, d = 5, C = 3;
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 17);
	float *x = malloc(2 * n * d * sizeof(float)), *dx = malloc(n * d * sizeof(float));
	for (size_t i = 0; i < 2 * n * d; i++)
		x[i] = (float)(2.0 * wfad_rng_uniform(&rng) - 1.0);
	const struct wfad_nn_graph *gp[2] = {&g, &g};
	size_t row0[3] = {0, n, 2 * n};
	uint32_t y[2] = {0, 2};
	struct wfad_gnn_data data = {.n_graphs = 2, .g = gp, .row0 = row0, .x = x, .y_graph = y};
	struct wfad_gnn_net net;
	CHECK_INT(wfad_gnn_net_create(&net, WFAD_GNN_GRAPH_XENT, d, 8, C, false, 0.0f), WFAD_OK);
	struct wfad_nnd_config cfg = {.hidden = 8, .epochs = 3, .batch = 2, .lr = 1e-2, .seed = 3};
	int ran, best;
	struct wfad_error err = {0};
	float w[3] = {1, 1, 1};
	CHECK_OK(wfad_gnn_train(&net, "test", &cfg, &data, NULL, w, &ran, &best, &err), &err);
	CHECK_INT(wfad_gnn_input_gradient(&net, &g, x, 2, dx), WFAD_OK);
	struct wfad_gnn_data one = {.n_graphs = 1, .g = gp, .row0 = row0, .x = x};
	double worst = 0, biggest = 0, pr[3];
	for (size_t i = 0; i < n * d; i += 11) {
		float keep = x[i];
		double lo[2];
		for (int side = 0; side < 2; side++) {
			x[i] = keep + (side ? 1e-2f : -1e-2f);
			CHECK_OK(wfad_gnn_predict(&net, "test", &one, pr, &err), &err);
			lo[side] = log(pr[2] / pr[0]);
		}
		x[i] = keep;
		double fd = (lo[1] - lo[0]) / 2e-2;
		worst = fmax(worst, fabs(fd - dx[i]) / fmax(1.0, fabs(dx[i])));
		biggest = fmax(biggest, fabs(dx[i]));
	}
	printf("  gnnrun input gradient: largest |g| %.3g, worst relative error %.2g\n", biggest,
	       worst);
	CHECK(worst < 2e-2);
	CHECK(biggest > 1e-4);
	CHECK_INT(wfad_gnn_input_gradient(&net, &g, x, C, dx), WFAD_EINVAL);
	wfad_gnn_net_free(&net);
	wfad_nn_graph_free(&g);
	free(x);
	free(dx);
	wfad_collection_free(&c);
}

/* ganttcnn's occlusion shares are computed job by job on worker threads: one thread and two
 * give the same shares and names (1000genome sample: 137 jobs, enough for two workers). */
WFAD_TEST(run_model_ganttcnn_explain_independent_of_threads)
{
	struct wfad_collection c = {0};
	struct wfad_error err = {0};
	struct wfad_load_options lo = {.threads = 1};
	CHECK_OK(wfad_load("data/flowbench-sample", &lo, &c, &err), &err);
	if (c.count != 1) {
		CHECK_INT(c.count, 1);
		wfad_collection_free(&c);
		return;
	}
	const struct wfad_dataset *ds = c.items[0];
	size_t train[30], valid[10];
	for (size_t i = 0; i < 30; i++)
		train[i] = i;
	for (size_t i = 0; i < 10; i++)
		valid[i] = 30 + i;
	size_t n = ds->dag.n_nodes, run = 35;
	double *out[2] = {malloc(n * sizeof(double)), malloc(n * sizeof(double))};
	const char **why[2] = {malloc(n * sizeof(char *)), malloc(n * sizeof(char *))};
	for (unsigned t = 0; t < 2; t++) {
		struct wfad_run_model m = {0};
		struct wfad_detector_params p = {.seed = 3, .epochs = 3, .threads = t + 1};
		CHECK_OK(wfad_run_model_train(&m, "ganttcnn", &p, ds, train, 30, valid, 10, &err),
			 &err);
		CHECK_OK(wfad_run_model_explain(&m, ds, run, 1, out[t], why[t], &err), &err);
		wfad_run_model_free(&m);
	}
	CHECK(memcmp(out[0], out[1], n * sizeof(double)) == 0);
	size_t named = 0;
	for (size_t j = 0; j < n; j++) {
		CHECK(why[0][j] == why[1][j]);
		named += why[0][j] != NULL;
	}
	CHECK(named <= 5);
	printf("  %zu jobs, %zu named\n", n, named);
	for (int t = 0; t < 2; t++) {
		free(out[t]);
		free(why[t]);
	}
	wfad_collection_free(&c);
}
