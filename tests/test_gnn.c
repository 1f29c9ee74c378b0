/* Tests of the graph layers (CSR propagation, pooling) and the graph detectors (gcn, gcnplain,
 * gcnae) on hand-built DAGs: gradients, reference kernels, a planted label only a graph model
 * can see, determinism, model round trips and divergence. */
#include <float.h>
#include <stdlib.h>
#include <unistd.h>

#include "../src/detect/gnn_net.h"
#include "test.h"
#include "wfad/detect.h"
#include "wfad/eval.h"
#include "wfad/ingest.h"
#include "wfad/model.h"
#include "wfad/nn.h"
#include "wfad/runlevel.h"

static double gauss(struct wfad_rng *rng)
{
	double u = wfad_rng_uniform(rng), v = wfad_rng_uniform(rng);
	return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

/* A dataset holding only a DAG over n nodes with the given edges. */
static void make_dag(struct wfad_dataset *ds, size_t n, const uint32_t *parents,
		     const uint32_t *children, size_t n_edges)
{
	struct wfad_error err = {0};
	wfad_dataset_init(ds);
	ds->dag.n_nodes = n;
	ds->dag.node_ids = wfad_arena_alloc(&ds->arena, n * sizeof(*ds->dag.node_ids));
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "job_%zu", i);
		uint32_t id;
		CHECK_INT(wfad_strings_intern(&ds->dag.ids, name, strlen(name), &id), WFAD_OK);
		ds->dag.node_ids[i] = ds->dag.ids.items[id];
	}
	CHECK_OK(wfad_dag_build(ds, parents, children, n_edges, "test", &err), &err);
}

/* A random DAG: each node i > 0 gets 1-3 parents among the nodes before it. */
static void make_random_dag(struct wfad_dataset *ds, size_t n, uint64_t seed)
{
	struct wfad_rng rng;
	wfad_rng_seed(&rng, seed);
	uint32_t *p = malloc(3 * n * sizeof(uint32_t)), *c = malloc(3 * n * sizeof(uint32_t));
	size_t e = 0;
	for (size_t i = 1; i < n; i++) {
		size_t k = 1 + (size_t)wfad_rng_below(&rng, 3);
		for (size_t j = 0; j < k; j++) {
			p[e] = (uint32_t)wfad_rng_below(&rng, i);
			c[e++] = (uint32_t)i;
		}
	}
	make_dag(ds, n, p, c, e);
	free(p);
	free(c);
}

static void fill_gauss(float *x, size_t n, struct wfad_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)gauss(rng);
}

static struct wfad_nn_graph graph_of(const struct wfad_dataset *ds)
{
	struct wfad_nn_graph g = {0};
	const struct wfad_dag *d = &ds->dag;
	CHECK_INT(wfad_nn_graph_build(&g, d->n_nodes, d->child_ptr, d->child_idx, d->parent_ptr,
				      d->parent_idx),
		  WFAD_OK);
	return g;
}

WFAD_TEST(gnn_graph_is_normalised_symmetric)
{
	/* 0 -> 1, 0 -> 2, 1 -> 2: degrees with self loops 3, 3, 3 */
	const uint32_t p[] = {0, 0, 1}, c[] = {1, 2, 2};
	struct wfad_dataset ds;
	make_dag(&ds, 3, p, c, 3);
	struct wfad_nn_graph g = graph_of(&ds);
	CHECK_INT(g.nnz, 9);
	for (uint32_t e = 0; e < g.nnz; e++)
		CHECK_NEAR(g.val[e], 1.0 / 3.0, 1e-7);
	/* a path 0 -> 1 -> 2: S[0][1] = 1 / sqrt(2 * 3) */
	wfad_nn_graph_free(&g);
	wfad_dataset_free(&ds);
	const uint32_t p2[] = {0, 1}, c2[] = {1, 2};
	make_dag(&ds, 3, p2, c2, 2);
	g = graph_of(&ds);
	float x[3] = {1, 0, 0}, y[3];
	wfad_nn_graph_propagate(&g, 1, 1, x, y);
	CHECK_NEAR(y[0], 0.5, 1e-7);
	CHECK_NEAR(y[1], 1.0 / sqrt(6.0), 1e-7);
	CHECK_NEAR(y[2], 0.0, 0.0);
	wfad_nn_graph_free(&g);
	wfad_dataset_free(&ds);
}

WFAD_TEST(gnn_propagate_matches_reference)
{
	struct wfad_dataset ds;
	make_random_dag(&ds, 57, 3);
	struct wfad_nn_graph g = graph_of(&ds);
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 4);
	const size_t cols_list[] = {1, 5, 64, 67};
	for (size_t t = 0; t < 4; t++) {
		size_t cols = cols_list[t], B = 3, m = B * g.n * cols;
		float *x = malloc(m * sizeof(float)), *y = malloc(m * sizeof(float));
		float *yr = malloc(m * sizeof(float)), *dx = malloc(m * sizeof(float));
		fill_gauss(x, m, &rng);
		wfad_nn_graph_propagate(&g, B, cols, x, y);
		wfad_nn_graph_propagate_ref(&g, B, cols, x, yr);
		double worst = 0.0;
		for (size_t i = 0; i < m; i++)
			worst = fmax(worst, fabs((double)y[i] - yr[i]));
		CHECK(worst < 1e-5);
		/* backward accumulates S dy on top of what is there */
		for (size_t i = 0; i < m; i++)
			dx[i] = 1.0f;
		wfad_nn_graph_propagate_backward(&g, B, cols, x, dx);
		worst = 0.0;
		for (size_t i = 0; i < m; i++)
			worst = fmax(worst, fabs((double)dx[i] - 1.0 - yr[i]));
		CHECK(worst < 1e-5);
		free(x);
		free(y);
		free(yr);
		free(dx);
	}
	wfad_nn_graph_free(&g);
	wfad_dataset_free(&ds);
}

/* L(x) = sum w * f(x) in double, for finite differences. */
enum fd_op { FD_PROPAGATE, FD_MEAN, FD_MAX };

static double fd_loss(enum fd_op op, const struct wfad_nn_graph *g, size_t B, size_t cols,
		      const float *x, const float *w, float *y, uint32_t *arg)
{
	size_t rows = op == FD_PROPAGATE ? B * g->n : B;
	if (op == FD_PROPAGATE)
		wfad_nn_graph_propagate_ref(g, B, cols, x, y);
	else if (op == FD_MEAN)
		wfad_nn_pool_mean_forward(B, g->n, cols, x, y, cols);
	else
		wfad_nn_pool_max_forward(B, g->n, cols, x, y, cols, arg);
	double s = 0.0;
	for (size_t i = 0; i < rows * cols; i++)
		s += (double)w[i] * y[i];
	return s;
}

WFAD_TEST(gnn_graph_and_pooling_gradients)
{
	struct wfad_dataset ds;
	make_random_dag(&ds, 11, 9);
	struct wfad_nn_graph g = graph_of(&ds);
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 10);
	size_t B = 2, cols = 3, m = B * g.n * cols;
	float *x = malloc(m * sizeof(float)), *w = malloc(m * sizeof(float));
	float *y = malloc(m * sizeof(float)), *dx = malloc(m * sizeof(float));
	uint32_t arg[6];
	fill_gauss(x, m, &rng);
	fill_gauss(w, m, &rng);
	for (int op = FD_PROPAGATE; op <= FD_MAX; op++) {
		/* analytic: dx = backward(w) */
		memset(dx, 0, m * sizeof(float));
		fd_loss(op, &g, B, cols, x, w, y, arg);
		if (op == FD_PROPAGATE)
			wfad_nn_graph_propagate_backward(&g, B, cols, w, dx);
		else if (op == FD_MEAN)
			wfad_nn_pool_mean_backward(B, g.n, cols, w, cols, dx);
		else
			wfad_nn_pool_max_backward(B, g.n, cols, arg, w, cols, dx);
		double worst = 0.0;
		for (size_t i = 0; i < m; i++) {
			float keep = x[i], h = 1e-2f;
			x[i] = keep + h;
			double lp = fd_loss(op, &g, B, cols, x, w, y, arg);
			x[i] = keep - h;
			double lm = fd_loss(op, &g, B, cols, x, w, y, arg);
			x[i] = keep;
			double num = (lp - lm) / (2.0 * (double)h);
			worst = fmax(worst, fabs(num - dx[i]));
		}
		if (!(worst < 1e-3))
			printf("  op %d: worst gradient error %g\n", op, worst);
		CHECK(worst < 1e-3);
	}
	free(x);
	free(w);
	free(y);
	free(dx);
	wfad_nn_graph_free(&g);
	wfad_dataset_free(&ds);
}

/* ---- detectors on a planted graph label ---------------------------------------------------- */

/* Producers 0..7 feed three consumers each (8..31), consumer 8 + 3k + j has parent k, and
 * consumer 31 also reads producer 0. A producer fails with probability 0.25 (feature 0 near
 * 2.5 instead of near 0); the consumers of a failed producer are the anomalous jobs, while
 * their own features are pure noise: only the parent's feature tells. Columns: x0, x1 noise,
 * is_producer, is_consumer. */
enum { P_PROD = 8, P_NODES = 32, P_D = 4 };

struct planted {
	struct wfad_dataset ds;
	size_t n_runs;
	float *x;
	uint8_t *y;
	struct wfad_jobset js;
};

static void planted_dag(struct wfad_dataset *ds)
{
	uint32_t p[P_NODES], c[P_NODES];
	size_t e = 0;
	for (uint32_t k = 0; k < P_NODES - P_PROD; k++) {
		p[e] = k / 3;
		c[e++] = P_PROD + k;
	}
	p[e] = 0;
	c[e++] = P_NODES - 1;
	make_dag(ds, P_NODES, p, c, e);
}

static void make_planted(struct planted *s, size_t n_runs, uint64_t seed)
{
	planted_dag(&s->ds);
	s->n_runs = n_runs;
	size_t n = n_runs * P_NODES;
	s->x = malloc(n * P_D * sizeof(float));
	s->y = calloc(n, 1);
	struct wfad_rng rng;
	wfad_rng_seed(&rng, seed);
	for (size_t r = 0; r < n_runs; r++) {
		bool failed[P_PROD];
		for (size_t k = 0; k < P_PROD; k++)
			failed[k] = wfad_rng_uniform(&rng) < 0.25;
		for (size_t i = 0; i < P_NODES; i++) {
			float *row = s->x + (r * P_NODES + i) * P_D;
			bool prod = i < P_PROD;
			row[0] = (float)(0.3 * gauss(&rng) + (prod && failed[i] ? 2.5 : 0.0));
			row[1] = (float)gauss(&rng);
			row[2] = prod ? 1.0f : 0.0f;
			row[3] = prod ? 0.0f : 1.0f;
			if (!prod)
				s->y[r * P_NODES + i] =
					failed[(i - P_PROD) / 3] || (i == P_NODES - 1 && failed[0]);
		}
	}
	s->js = (struct wfad_jobset){
		.ds = &s->ds, .n_runs = n_runs, .n = n, .d = P_D, .x = s->x, .y = s->y};
}

static void planted_free(struct planted *s)
{
	free(s->x);
	free(s->y);
	wfad_dataset_free(&s->ds);
}

static struct wfad_detector *fit_det(const char *name, const struct wfad_detector_params *p,
				     const struct wfad_jobset *tr, const struct wfad_jobset *va)
{
	const struct wfad_detector_ops *ops = wfad_detector_find(name);
	CHECK(ops != NULL);
	if (!ops)
		return NULL;
	struct wfad_detector *det = NULL;
	CHECK_INT(ops->create(p, &det), WFAD_OK);
	struct wfad_error err = {0};
	enum wfad_status st = ops->fit(det, tr, va, &err);
	CHECK_OK(st, &err);
	if (st != WFAD_OK) {
		ops->destroy(det);
		return NULL;
	}
	return det;
}

static double auc_of(const struct wfad_detector *det, const struct planted *s, double *scores)
{
	struct wfad_error err = {0};
	CHECK_OK(det->ops->score(det, &s->js, scores, &err), &err);
	return wfad_metrics_roc_auc(scores, s->y, s->js.n);
}

WFAD_TEST(gnn_gcn_sees_planted_parent_label)
{
	struct planted tr, va, te;
	make_planted(&tr, 120, 1);
	make_planted(&va, 30, 2);
	make_planted(&te, 60, 3);
	double *s = malloc(te.js.n * sizeof(double));
	struct wfad_detector_params p = {.seed = 1, .epochs = 150, .lr = 5e-3};
	const char *names[2] = {"gcn", "gcnplain"};
	for (int k = 0; k < 2; k++) {
		struct wfad_detector *det = fit_det(names[k], &p, &tr.js, &va.js);
		if (!det)
			continue;
		double auc = auc_of(det, &te, s);
		printf("  %s AUC %.3f\n", names[k], auc);
		CHECK(auc >= 0.9);
		det->ops->destroy(det);
	}
	/* the per-job mlp cannot see it */
	struct wfad_detector *mlp =
		fit_det("mlp", &(struct wfad_detector_params){.seed = 1}, &tr.js, &va.js);
	if (mlp) {
		double auc = auc_of(mlp, &te, s);
		printf("  mlp AUC %.3f\n", auc);
		CHECK(auc < 0.75);
		mlp->ops->destroy(mlp);
	}
	free(s);
	planted_free(&tr);
	planted_free(&va);
	planted_free(&te);
}

WFAD_TEST(gnn_gcn_overfits_tiny_graph)
{
	struct planted tr;
	make_planted(&tr, 6, 7);
	struct wfad_detector_params p = {.seed = 3, .epochs = 400, .lr = 1e-2, .batch = 2};
	struct wfad_detector *det = fit_det("gcn", &p, &tr.js, NULL);
	if (det) {
		double s[6 * P_NODES];
		double auc = auc_of(det, &tr, s);
		printf("  training AUC %.3f\n", auc);
		CHECK(auc >= 0.99);
		det->ops->destroy(det);
	}
	planted_free(&tr);
}

WFAD_TEST(gnn_gcnae_flags_broken_parent_child_link)
{
	/* Normal runs: a consumer's x0 copies its producer's x0 (plus small noise); anomalous
	 * consumers do not. Each job alone looks normal; the edge tells. */
	struct planted tr, te;
	make_planted(&tr, 100, 11);
	make_planted(&te, 40, 12);
	struct planted *sets[2] = {&tr, &te};
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 13);
	for (int k = 0; k < 2; k++) {
		struct planted *s = sets[k];
		for (size_t r = 0; r < s->n_runs; r++)
			for (size_t i = P_PROD; i < P_NODES; i++) {
				size_t row = r * P_NODES + i;
				float parent = s->x[(r * P_NODES + (i - P_PROD) / 3) * P_D];
				bool anomalous = k == 1 && wfad_rng_uniform(&rng) < 0.1;
				s->x[row * P_D] = anomalous ? (float)(0.3 * gauss(&rng) +
								      (parent > 1.2f ? 0.0 : 2.5))
							    : parent + (float)(0.05 * gauss(&rng));
				s->y[row] = anomalous;
			}
		for (size_t r = 0; r < s->n_runs; r++)
			for (size_t i = 0; i < P_PROD; i++)
				s->y[r * P_NODES + i] = 0;
	}
	struct wfad_detector_params p = {.seed = 2, .epochs = 200, .lr = 5e-3};
	struct wfad_detector *det = fit_det("gcnae", &p, &tr.js, NULL);
	if (det) {
		double *s = malloc(te.js.n * sizeof(double));
		double auc = auc_of(det, &te, s);
		printf("  gcnae AUC %.3f\n", auc);
		CHECK(auc >= 0.8);
		free(s);
		det->ops->destroy(det);
	}
	planted_free(&tr);
	planted_free(&te);
}

WFAD_TEST(gnn_detectors_deterministic_and_round_trip)
{
	struct planted tr, va;
	make_planted(&tr, 40, 21);
	make_planted(&va, 10, 22);
	const char *names[3] = {"gcn", "gcnplain", "gcnae"};
	size_t n = tr.js.n;
	double *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));
	for (int k = 0; k < 3; k++) {
		struct wfad_detector_params p1 = {.seed = 5, .epochs = 3, .threads = 1};
		struct wfad_detector_params p3 = {.seed = 5, .epochs = 3, .threads = 3};
		struct wfad_detector *d1 = fit_det(names[k], &p1, &tr.js, &va.js);
		struct wfad_detector *d3 = fit_det(names[k], &p3, &tr.js, &va.js);
		if (!d1 || !d3) {
			if (d1)
				d1->ops->destroy(d1);
			if (d3)
				d3->ops->destroy(d3);
			continue;
		}
		struct wfad_error err = {0};
		CHECK_OK(d1->ops->score(d1, &tr.js, a, &err), &err);
		CHECK_OK(d3->ops->score(d3, &tr.js, b, &err), &err);
		CHECK(memcmp(a, b, n * sizeof(double)) == 0);
		/* save, load, same scores; every truncation is a parse error */
		char *buf = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&buf, &len);
		CHECK_INT(d1->ops->save(d1, f), WFAD_OK);
		fclose(f);
		f = fmemopen(buf, len, "rb");
		struct wfad_detector *dl = NULL;
		CHECK_OK(d1->ops->load(&p1, f, &dl, &err), &err);
		fclose(f);
		if (dl) {
			CHECK_OK(dl->ops->score(dl, &tr.js, b, &err), &err);
			CHECK(memcmp(a, b, n * sizeof(double)) == 0);
			if (memcmp(a, b, n * sizeof(double)) != 0)
				printf("  %s: %.17g vs %.17g\n", names[k], a[0], b[0]);
			dl->ops->destroy(dl);
		}
		/* a file of one graph variant does not load as another */
		const struct wfad_detector_ops *other =
			wfad_detector_find(strcmp(names[k], "gcn") == 0 ? "gcndag" : "gcn");
		f = fmemopen(buf, len, "rb");
		struct wfad_detector *dx = NULL;
		CHECK_INT(other->load(&p1, f, &dx, &err), WFAD_EFORMAT);
		CHECK(dx == NULL && strstr(err.message, "retrain") != NULL);
		fclose(f);
		for (size_t cut = 0; cut < len; cut += 1 + cut / 3) {
			f = fmemopen(buf, cut ? cut : 1, "rb");
			if (cut == 0)
				fgetc(f);
			struct wfad_detector *dt = NULL;
			CHECK_INT(d1->ops->load(&p1, f, &dt, &err), WFAD_EPARSE);
			CHECK(dt == NULL);
			fclose(f);
		}
		free(buf);
		d1->ops->destroy(d1);
		d3->ops->destroy(d3);
	}
	free(a);
	free(b);
	planted_free(&tr);
	planted_free(&va);
}

/* Saves det into a memory buffer (*len bytes, the caller frees it). */
static char *saved(const struct wfad_detector *det, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	CHECK_INT(det->ops->save(det, f), WFAD_OK);
	fclose(f);
	return buf;
}

static enum wfad_status load_buf(const char *buf, size_t len, struct wfad_detector **out,
				 struct wfad_error *err)
{
	struct wfad_detector_params p = {0};
	FILE *f = fmemopen((void *)buf, len, "rb");
	enum wfad_status st = wfad_detector_find("gcn")->load(&p, f, out, err);
	fclose(f);
	return st;
}

/* gcn is an ensemble: its score is the mean of its nets' scores, net k trained from the
 * detector's seed + k * 0x9e3779b97f4a7c15 (so net 1 of seed s is the one-net model of that
 * seed). A one-net file is the single net's blob of before ensembles and loads as it did;
 * a bad ensemble header is refused. */
WFAD_TEST(gnn_gcn_ensemble_mean_and_files)
{
	struct planted tr, va;
	make_planted(&tr, 20, 51);
	make_planted(&va, 6, 52);
	size_t n = tr.js.n;
	double *s2 = malloc(n * sizeof(double)), *a = malloc(n * sizeof(double)),
	       *b = malloc(n * sizeof(double));
	struct wfad_detector_params p2 = {.seed = 8, .epochs = 4, .nets = 2};
	struct wfad_detector_params pa = {.seed = 8, .epochs = 4, .nets = 1};
	struct wfad_detector_params pb = {
		.seed = 8 + 0x9e3779b97f4a7c15ULL, .epochs = 4, .nets = 1};
	struct wfad_detector *d2 = fit_det("gcn", &p2, &tr.js, &va.js);
	struct wfad_detector *da = fit_det("gcn", &pa, &tr.js, &va.js);
	struct wfad_detector *db = fit_det("gcn", &pb, &tr.js, &va.js);
	struct wfad_error err = {0};
	if (d2 && da && db) {
		CHECK_OK(d2->ops->score(d2, &tr.js, s2, &err), &err);
		CHECK_OK(da->ops->score(da, &tr.js, a, &err), &err);
		CHECK_OK(db->ops->score(db, &tr.js, b, &err), &err);
		size_t same = 0, differ = 0;
		for (size_t i = 0; i < n; i++) {
			same += s2[i] == (a[i] + b[i]) / 2.0;
			differ += a[i] != b[i];
		}
		CHECK_INT(same, n);
		CHECK(differ > 0); /* two nets, not one twice */

		/* a one-net file is a bare net blob ("WGCH") and loads into a default gcn */
		size_t len;
		char *buf = saved(da, &len);
		CHECK(len > 8 && memcmp(buf, "WGCH", 4) == 0);
		struct wfad_detector *dl = NULL;
		CHECK_OK(load_buf(buf, len, &dl, &err), &err);
		if (dl) {
			CHECK_OK(dl->ops->score(dl, &tr.js, b, &err), &err);
			CHECK(memcmp(a, b, n * sizeof(double)) == 0);
			dl->ops->destroy(dl);
		}
		free(buf);

		/* an ensemble: "WGCE", version 1, count, blobs; bad counts and versions */
		buf = saved(d2, &len);
		CHECK(len > 12 && memcmp(buf, "WGCE\1\0\0\0\2\0\0\0", 12) == 0);
		const struct {
			size_t at;
			char byte;
			enum wfad_status st;
			const char *says;
		} bad[] = {{8, 0, WFAD_EPARSE, "ensemble of 0 nets"},
			   {8, 17, WFAD_EPARSE, "ensemble of 17 nets"},
			   {8, 3, WFAD_EPARSE, "truncated gcn model"},
			   {4, 2, WFAD_EFORMAT, "ensemble version 2"}};
		for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
			char keep = buf[bad[k].at];
			buf[bad[k].at] = bad[k].byte;
			struct wfad_detector *dx = NULL;
			err = (struct wfad_error){0};
			CHECK_INT(load_buf(buf, len, &dx, &err), bad[k].st);
			CHECK(dx == NULL && strstr(err.message, bad[k].says) != NULL);
			buf[bad[k].at] = keep;
		}

		/* A warm start that fails on net 1 (its weights set to FLT_MAX: the first
		 * epoch's loss is not finite) leaves net 0 as it was too: the model saves to
		 * the same bytes. Net 1's blob: after the 12-byte header and net 0's blob (the
		 * same size), 36 bytes of its own header, then its f32 parameters. */
		size_t blob = (len - 12) / 2;
		for (size_t at = 12 + blob + 36; at + 4 <= len; at += 4)
			memcpy(buf + at, &(float){FLT_MAX}, 4);
		struct wfad_detector *du = NULL;
		CHECK_OK(load_buf(buf, len, &du, &err), &err);
		if (du) {
			err = (struct wfad_error){0};
			CHECK(du->ops->update(du, &tr.js, &va.js, 2, &err) != WFAD_OK);
			CHECK(strstr(err.message, "epoch") != NULL);
			size_t len2;
			char *again = saved(du, &len2);
			CHECK(len2 == len && memcmp(again, buf, len) == 0);
			free(again);
			du->ops->destroy(du);
		}
		free(buf);
	}
	if (d2)
		d2->ops->destroy(d2);
	if (da)
		da->ops->destroy(da);
	if (db)
		db->ops->destroy(db);
	free(s2);
	free(a);
	free(b);
	planted_free(&tr);
	planted_free(&va);
}

WFAD_TEST(gnn_detectors_divergence_and_progress)
{
	struct planted tr;
	make_planted(&tr, 20, 31);
	wfad_test_divergence_names_epoch("gcn", &tr.js);
	wfad_test_divergence_names_epoch("gcnae", &tr.js);
	planted_free(&tr);
}

/* gcn trains 5 nets of up to 500 epochs: progress counts the ensemble's epochs, up to 2500;
 * each net stops early, so it jumps to the next net's first epoch. */
struct epochs_seen {
	size_t calls, last, jumps;
};

static void count_epochs(void *user, size_t done, size_t total)
{
	struct epochs_seen *seen = user;
	seen->calls++;
	CHECK(done > seen->last && done <= total);
	seen->jumps += done != seen->last + 1;
	seen->last = done;
	CHECK_INT(total, 2500);
}

WFAD_TEST(gnn_gcn_progress_and_early_stop)
{
	struct planted tr, va;
	make_planted(&tr, 30, 41);
	make_planted(&va, 10, 42);
	struct epochs_seen seen = {0};
	struct wfad_detector_params p = {.seed = 4,
					 .epochs = 500,
					 .patience = 2,
					 .lr = 1e-2,
					 .progress = count_epochs,
					 .progress_user = &seen};
	struct wfad_detector *det = fit_det("gcn", &p, &tr.js, &va.js);
	CHECK(seen.calls >= 15 && seen.calls < 2500);
	CHECK_INT(seen.jumps, 4); /* to nets 1, 2, 3 and 4 */
	CHECK(seen.last > 2000);  /* the last net's epochs */
	if (det) {
		/* rows that are not whole runs are refused */
		struct wfad_jobset part = tr.js;
		part.n -= 1;
		struct wfad_error err = {0};
		double *s = malloc(tr.js.n * sizeof(double));
		CHECK_INT(det->ops->score(det, &part, s, &err), WFAD_EINVAL);
		free(s);
		det->ops->destroy(det);
	}
	planted_free(&tr);
	planted_free(&va);
}

/* Early stopping on the validation ROC-AUC: with the same seed both fits follow the same
 * trajectory (patience past the last epoch), so the weights kept for the best validation
 * AUC score the validation jobs at least as well as those kept for the least loss. A task
 * without 0/1 job labels cannot stop on AUC. */
WFAD_TEST(gnn_gcn_stops_on_validation_auc)
{
	struct planted tr, va;
	make_planted(&tr, 4, 51);
	make_planted(&va, 12, 52);
	double *s = malloc(va.js.n * sizeof(double));
	double auc[2] = {0, 0};
	const enum wfad_stop_on how[2] = {WFAD_STOP_LOSS, WFAD_STOP_AUC};
	for (int k = 0; s && k < 2; k++) {
		struct wfad_detector_params p = {
			.seed = 9, .epochs = 200, .patience = 1000, .lr = 3e-2, .stop_on = how[k]};
		struct wfad_detector *det = fit_det("gcn", &p, &tr.js, &va.js);
		if (!det)
			continue;
		auc[k] = auc_of(det, &va, s);
		det->ops->destroy(det);
	}
	printf("  validation AUC kept by loss %.4f, by AUC %.4f\n", auc[0], auc[1]);
	CHECK(auc[1] >= auc[0] && auc[1] > 0.5);
	free(s);
	/* gcnae has no labels to rank by */
	const struct wfad_detector_ops *ae = wfad_detector_find("gcnae");
	struct wfad_detector *det = NULL;
	struct wfad_detector_params p = {.seed = 1, .epochs = 3, .stop_on = WFAD_STOP_AUC};
	if (ae && ae->create(&p, &det) == WFAD_OK) {
		struct wfad_error err = {0};
		CHECK_INT(ae->fit(det, &tr.js, &va.js, &err), WFAD_EINVAL);
		CHECK(strstr(err.message, "early stopping on AUC") != NULL);
		ae->destroy(det);
	}
	planted_free(&tr);
	planted_free(&va);
}

/* gnnrun on real 1000-genome runs: a third of the runs to train, a tenth to stop on; the run
 * label must be predicted well above chance, probabilities (the ensemble's mean) sum to 1, a
 * refit with the same seed gives the same bits, and a task with more classes is refused. */
WFAD_TEST(gnn_gnnrun_classifies_1000genome_runs)
{
	const char *root = wfad_test_shared_path("data/flowbench");
	if (!root) {
		SKIP("no ../shared/data/flowbench");
		return;
	}
	struct wfad_collection c = {0};
	struct wfad_error err = {0};
	struct wfad_load_options lo = {.workflow = "1000genome", .threads = 1};
	CHECK_OK(wfad_load(root, &lo, &c, &err), &err);
	if (c.count != 1) {
		wfad_collection_free(&c);
		return;
	}
	const struct wfad_dataset *ds = c.items[0];
	const char **classes = NULL;
	size_t n_classes = wfad_run_labels(ds, &classes);
	uint32_t *y = malloc(ds->n_runs * sizeof(uint32_t));
	for (size_t r = 0; r < ds->n_runs; r++)
		for (size_t k = 0; k < n_classes; k++)
			if (strcmp(ds->runs[r].label, classes[k]) == 0)
				y[r] = (uint32_t)k;
	struct wfad_split sp = {0};
	CHECK_OK(wfad_split_runs(ds, 1, 0.3, 0.1, &sp, &err), &err);
	uint32_t *ytr = malloc(sp.n_train * sizeof(uint32_t)), *yva = malloc(sp.n_valid * 4);
	for (size_t i = 0; i < sp.n_train; i++)
		ytr[i] = y[sp.train[i]];
	for (size_t i = 0; i < sp.n_valid; i++)
		yva[i] = y[sp.valid[i]];
	struct wfad_run_task tr = {.ds = ds,
				   .runs = sp.train,
				   .n_runs = sp.n_train,
				   .y = ytr,
				   .classes = classes,
				   .n_classes = n_classes};
	struct wfad_run_task va = {.ds = ds,
				   .runs = sp.valid,
				   .n_runs = sp.n_valid,
				   .y = yva,
				   .classes = classes,
				   .n_classes = n_classes};
	struct wfad_run_task te = {.ds = ds,
				   .runs = sp.test,
				   .n_runs = sp.n_test,
				   .y = NULL,
				   .classes = classes,
				   .n_classes = n_classes};
	const struct wfad_run_classifier_ops *ops = wfad_run_classifier_find("gnnrun");
	CHECK(ops != NULL);
	double *p1 = malloc(sp.n_test * n_classes * sizeof(double));
	double *p2 = malloc(sp.n_test * n_classes * sizeof(double));
	for (int rep = 0; ops && rep < 2; rep++) {
		struct wfad_run_classifier *m = NULL;
		CHECK_INT(ops->create(&(struct wfad_detector_params){.seed = 3, .epochs = 40}, &m),
			  WFAD_OK);
		CHECK_OK(ops->fit(m, &tr, &va, &err), &err);
		CHECK_OK(ops->predict(m, &te, rep ? p2 : p1, &err), &err);
		/* A task with another class list than the one trained on is refused. */
		struct wfad_run_task more = te;
		more.n_classes = n_classes + 1;
		CHECK_INT(ops->predict(m, &more, p2, &err), WFAD_EINVAL);
		CHECK(strstr(err.message, "trained on") != NULL);
		ops->destroy(m);
	}
	if (ops) {
		CHECK(memcmp(p1, p2, sp.n_test * n_classes * sizeof(double)) == 0);
		size_t right = 0;
		for (size_t i = 0; i < sp.n_test; i++) {
			double sum = 0.0;
			size_t best = 0;
			for (size_t k = 0; k < n_classes; k++) {
				sum += p1[i * n_classes + k];
				if (p1[i * n_classes + k] > p1[i * n_classes + best])
					best = k;
			}
			CHECK_NEAR(sum, 1.0, 1e-9);
			right += best == y[sp.test[i]];
		}
		double acc = (double)right / (double)sp.n_test;
		printf("  gnnrun accuracy %.3f over %zu test runs\n", acc, sp.n_test);
		CHECK(acc >= 0.6);
	}
	free(p1);
	free(p2);
	free(ytr);
	free(yva);
	free(y);
	free(classes);
	wfad_split_free(&sp);
	wfad_collection_free(&c);
}

/* The ten eht_imaging runs of flowbench-mini with a context featurizer fitted on all of them. */
struct mini_eht {
	struct wfad_collection c;
	struct wfad_featurizer fz;
	size_t runs[10];
};

static bool mini_eht_open(struct mini_eht *e)
{
	struct wfad_error err = {0};
	struct wfad_load_options lo = {.workflow = "eht_imaging", .threads = 1};
	memset(e, 0, sizeof(*e));
	wfad_featurizer_init(&e->fz);
	CHECK_OK(wfad_load("tests/data/flowbench-mini", &lo, &e->c, &err), &err);
	if (e->c.count != 1 || e->c.items[0]->n_runs < 10) {
		wfad_collection_free(&e->c);
		return false;
	}
	for (size_t r = 0; r < 10; r++)
		e->runs[r] = r;
	CHECK_OK(wfad_features_fit(&e->fz, WFAD_FEATURES_CONTEXT, WFAD_NORM_STANDARD, e->c.items[0],
				   e->runs, 10, &err),
		 &err);
	return true;
}

static void mini_eht_close(struct mini_eht *e)
{
	wfad_featurizer_free(&e->fz);
	wfad_collection_free(&e->c);
}

/* gcn's input gradient (behind its gradient x input explanations) matches central finite
 * differences of the job's logit, for features of the job, of its parents and of a job far
 * away in the DAG (zero-ish through two graph layers, but still consistent). */
WFAD_TEST(gnn_gcn_input_gradient_matches_finite_differences)
{
	struct mini_eht e;
	if (!mini_eht_open(&e))
		return;
	const struct wfad_dataset *ds = e.c.items[0];
	const size_t *runs = e.runs;
	struct wfad_error err = {0};
	struct wfad_jobset_owned all = {0}, one = {0};
	CHECK_OK(wfad_jobset_build(&all, ds, runs, 10, &e.fz, &err), &err);
	CHECK_OK(wfad_jobset_build(&one, ds, runs + 6, 1, &e.fz, &err), &err);
	const struct wfad_detector_ops *ops = wfad_detector_find("gcn");
	CHECK(ops->gradient != NULL);
	for (int classes = 0; classes < 2; classes++) {
		/* binary: d logit; --classes: d log-odds of any fault against none */
		struct wfad_detector *det = NULL;
		struct wfad_detector_params p = {.seed = 2, .epochs = 20, .classes = classes};
		CHECK_INT(ops->create(&p, &det), WFAD_OK);
		CHECK_OK(ops->fit(det, &all.js, NULL, &err), &err);
		size_t n = one.js.n, d = one.js.d, node = n - 1;
		float *grad = malloc(n * d * sizeof(float));
		double *sc = malloc(n * sizeof(double));
		CHECK_OK(ops->gradient(det, &one.js, node, grad, &err), &err);
		size_t parent = ds->dag.parent_idx[ds->dag.parent_ptr[node]];
		size_t rows[3] = {node, parent, 0};
		double worst = 0, biggest = 0;
		for (int k = 0; k < 3; k++)
			for (size_t col = 0; col < d; col += 7) {
				float *x = &one.x[rows[k] * d + col], keep = *x;
				double logit[2];
				for (int side = 0; side < 2; side++) {
					*x = keep + (side ? 1e-2f : -1e-2f);
					CHECK_OK(ops->score(det, &one.js, sc, &err), &err);
					logit[side] = log(sc[node] / (1 - sc[node]));
				}
				*x = keep;
				double fd = (logit[1] - logit[0]) / 2e-2,
				       g = grad[rows[k] * d + col];
				worst = fmax(worst, fabs(fd - g) / fmax(1.0, fabs(g)));
				biggest = fmax(biggest, fabs(g));
			}
		printf("  gcn%s input gradient: largest |g| %.3g, worst relative error %.2g\n",
		       classes ? " --classes" : "", biggest, worst);
		CHECK(worst < 2e-2);
		CHECK(biggest > 1e-3); /* the check saw real gradients */
		ops->destroy(det);
		free(grad);
		free(sc);
	}
	wfad_jobset_free(&all);
	wfad_jobset_free(&one);
	mini_eht_close(&e);
}

/* gcn warm start (the active-learning loop's update): more epochs move the scores, the same
 * update from the same state gives the same bits, and a refused update leaves the model. */
WFAD_TEST(gnn_gcn_update_warm_starts)
{
	struct mini_eht e;
	if (!mini_eht_open(&e))
		return;
	const struct wfad_dataset *ds = e.c.items[0];
	struct wfad_error err = {0};
	struct wfad_jobset_owned a = {0}, b = {0};
	CHECK_OK(wfad_jobset_build(&a, ds, e.runs, 5, &e.fz, &err), &err);
	CHECK_OK(wfad_jobset_build(&b, ds, e.runs, 10, &e.fz, &err), &err);
	const struct wfad_detector_ops *ops = wfad_detector_find("gcn");
	CHECK(ops->update != NULL);
	struct wfad_detector *det[2] = {NULL, NULL};
	double *s0 = malloc(b.js.n * sizeof(double)), *s1 = malloc(b.js.n * sizeof(double));
	double *s2 = malloc(b.js.n * sizeof(double));
	for (int k = 0; k < 2; k++) {
		CHECK_INT(ops->create(&(struct wfad_detector_params){.seed = 4, .epochs = 10},
				      &det[k]),
			  WFAD_OK);
		CHECK_OK(ops->fit(det[k], &a.js, NULL, &err), &err);
	}
	CHECK_OK(ops->score(det[0], &b.js, s0, &err), &err);
	CHECK_INT(ops->update(det[0], &b.js, NULL, 0, &err), WFAD_EINVAL);
	CHECK_OK(ops->score(det[0], &b.js, s1, &err), &err);
	CHECK(memcmp(s0, s1, b.js.n * sizeof(double)) == 0);
	for (int k = 0; k < 2; k++)
		CHECK_OK(ops->update(det[k], &b.js, NULL, 3, &err), &err);
	CHECK_OK(ops->score(det[0], &b.js, s1, &err), &err);
	CHECK_OK(ops->score(det[1], &b.js, s2, &err), &err);
	CHECK(memcmp(s1, s2, b.js.n * sizeof(double)) == 0);
	double moved = 0;
	for (size_t i = 0; i < b.js.n; i++)
		moved = fmax(moved, fabs(s1[i] - s0[i]));
	CHECK(moved > 1e-4);
	for (int k = 0; k < 2; k++)
		ops->destroy(det[k]);
	free(s0);
	free(s1);
	free(s2);
	wfad_jobset_free(&a);
	wfad_jobset_free(&b);
	mini_eht_close(&e);
}

/* The sample (data/flowbench-sample, one workflow) loaded with one thread into c, NULL (checks
 * failed) when it does not load as one dataset. */
static const struct wfad_dataset *sample_open(struct wfad_collection *c)
{
	struct wfad_error err = {0};
	struct wfad_load_options lo = {.threads = 1};
	CHECK_OK(wfad_load("data/flowbench-sample", &lo, c, &err), &err);
	CHECK_INT(c->count, 1);
	return c->count == 1 ? c->items[0] : NULL;
}

/* Sharded training gives the same bits for 1, 2 and 3 threads (node and graph tasks). */
WFAD_TEST(gnn_training_same_bits_for_any_thread_count)
{
	struct wfad_collection c = {0};
	struct wfad_error err = {0};
	const struct wfad_dataset *ds = sample_open(&c);
	if (!ds) {
		wfad_collection_free(&c);
		return;
	}
	size_t runs[40];
	uint32_t y[40];
	const char **classes = NULL;
	size_t k = wfad_run_labels(ds, &classes);
	for (size_t r = 0; r < 40; r++) {
		runs[r] = r;
		for (size_t j = 0; j < k; j++)
			if (strcmp(ds->runs[r].label, classes[j]) == 0)
				y[r] = (uint32_t)j;
	}
	struct wfad_featurizer fz;
	wfad_featurizer_init(&fz);
	CHECK_OK(wfad_features_fit(&fz, WFAD_FEATURES_CONTEXT, WFAD_NORM_STANDARD, ds, runs, 40,
				   &err),
		 &err);
	struct wfad_jobset_owned js = {0};
	CHECK_OK(wfad_jobset_build(&js, ds, runs, 40, &fz, &err), &err);
	const struct wfad_detector_ops *ops = wfad_detector_find("gcn");
	const struct wfad_run_classifier_ops *rops = wfad_run_classifier_find("gnnrun");
	struct wfad_run_task task = {
		.ds = ds, .runs = runs, .n_runs = 40, .y = y, .classes = classes, .n_classes = k};
	double *s[3], *p[3];
	for (unsigned t = 0; t < 3; t++) {
		struct wfad_detector_params params = {.seed = 5, .epochs = 3, .threads = t + 1};
		s[t] = malloc(js.js.n * sizeof(double));
		p[t] = malloc(40 * k * sizeof(double));
		struct wfad_detector *det = NULL;
		CHECK_INT(ops->create(&params, &det), WFAD_OK);
		CHECK_OK(ops->fit(det, &js.js, NULL, &err), &err);
		CHECK_OK(ops->score(det, &js.js, s[t], &err), &err);
		ops->destroy(det);
		struct wfad_run_classifier *rc = NULL;
		CHECK_INT(rops->create(&params, &rc), WFAD_OK);
		CHECK_OK(rops->fit(rc, &task, NULL, &err), &err);
		CHECK_OK(rops->predict(rc, &task, p[t], &err), &err);
		rops->destroy(rc);
	}
	for (unsigned t = 1; t < 3; t++) {
		CHECK(memcmp(s[0], s[t], js.js.n * sizeof(double)) == 0);
		CHECK(memcmp(p[0], p[t], 40 * k * sizeof(double)) == 0);
	}
	for (unsigned t = 0; t < 3; t++) {
		free(s[t]);
		free(p[t]);
	}
	free(classes);
	wfad_jobset_free(&js);
	wfad_featurizer_free(&fz);
	wfad_collection_free(&c);
}

/* gcn --classes learns fault families: on the sample's anomalous jobs the family it names is
 * mostly the true one, its score is 1 - P(no fault), and a saved model comes back as the
 * --classes variant with the same scores. */
/* Loads the sample, splits it 60/20/20 with seed 0 and trains model m with mo on it; false
 * (checks failed) when any step fails. */
static bool sample_model(const struct wfad_model_options *mo, struct wfad_collection *c,
			 struct wfad_split *sp, struct wfad_model *m)
{
	struct wfad_error err = {0};
	wfad_model_init(m);
	const struct wfad_dataset *ds = sample_open(c);
	if (!ds)
		return false;
	CHECK_OK(wfad_split_runs(ds, 0, 0.6, 0.2, sp, &err), &err);
	enum wfad_status st =
		wfad_model_train(m, mo, ds, sp->train, sp->n_train, sp->valid, sp->n_valid, &err);
	CHECK_OK(st, &err);
	return st == WFAD_OK;
}

WFAD_TEST(gnn_gcn_classes_learns_fault_families)
{
	struct wfad_collection c = {0};
	struct wfad_error err = {0};
	struct wfad_split sp = {0};
	struct wfad_model m;
	struct wfad_model_options mo = {.detector = "gcn",
					.features = WFAD_FEATURES_CONTEXT,
					.norm = WFAD_NORM_STANDARD,
					.params = {.seed = 1, .classes = true, .threads = 1}};
	if (!sample_model(&mo, &c, &sp, &m)) {
		wfad_model_free(&m);
		wfad_split_free(&sp);
		wfad_collection_free(&c);
		return;
	}
	const struct wfad_dataset *ds = c.items[0];
	size_t right = 0, anomalous = 0, nodes = ds->dag.n_nodes;
	uint8_t *fam = malloc(nodes);
	for (size_t r = 0; r < sp.n_test; r++) {
		const struct wfad_run *run = &ds->runs[sp.test[r]];
		wfad_model_guess_classes(&m, ds, sp.test[r], fam);
		for (size_t i = 0; i < nodes; i++) {
			if (!run->jobs[i].label)
				continue;
			anomalous++;
			right += fam[i] == run->jobs[i].anomaly;
		}
	}
	printf("  gcn --classes: family right for %zu of %zu anomalous test jobs\n", right,
	       anomalous);
	CHECK(anomalous > 0 && right * 10 >= anomalous * 8);
	double *s1 = malloc(sp.n_test * nodes * sizeof(double));
	double *s2 = malloc(sp.n_test * nodes * sizeof(double));
	CHECK_OK(wfad_model_score(&m, ds, sp.test, sp.n_test, s1, &err), &err);
	char path[] = "/tmp/wfad-test-gcnc-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	CHECK_OK(wfad_model_save(&m, path, &err), &err);
	struct wfad_model back;
	wfad_model_init(&back);
	CHECK_OK(wfad_model_load(&back, path, &err), &err);
	CHECK_OK(wfad_model_score(&back, ds, sp.test, sp.n_test, s2, &err), &err);
	CHECK(memcmp(s1, s2, sp.n_test * nodes * sizeof(double)) == 0);
	CHECK(back.ops->classify != NULL);
	uint8_t *fam2 = malloc(nodes);
	wfad_model_guess_classes(&back, ds, sp.test[0], fam2);
	wfad_model_guess_classes(&m, ds, sp.test[0], fam);
	CHECK(memcmp(fam, fam2, nodes) == 0);
	unlink(path);
	free(fam);
	free(fam2);
	free(s1);
	free(s2);
	wfad_model_free(&m);
	wfad_model_free(&back);
	wfad_split_free(&sp);
	wfad_collection_free(&c);
}

/* The host relation (gcn; gcndag has the DAG alone): each run's graph holds its DAG edges and, for
 * the jobs of each worker host in DAG order, an edge to each of the next WFAD_GNN_HOST_WINDOW ones;
 * S stays symmetric with entries 1 / sqrt(deg_i deg_j). On the sample with the rich features (no
 * host pooling in the columns) the relation lifts gcn's test ROC-AUC. */
WFAD_TEST(gnn_host_relation_graph_and_gain)
{
	struct wfad_collection c = {0};
	struct wfad_error err = {0};
	const struct wfad_dataset *ds = sample_open(&c);
	if (!ds) {
		wfad_collection_free(&c);
		return;
	}
	struct wfad_split sp = {0};
	CHECK_OK(wfad_split_runs(ds, 0, 0.6, 0.2, &sp, &err), &err);
	struct wfad_featurizer fz;
	wfad_featurizer_init(&fz);
	CHECK_OK(wfad_features_fit(&fz, WFAD_FEATURES_RICH, WFAD_NORM_MINMAX, ds, sp.train,
				   sp.n_train, &err),
		 &err);
	struct wfad_jobset_owned tr = {0}, va = {0}, te = {0};
	CHECK_OK(wfad_jobset_build(&tr, ds, sp.train, sp.n_train, &fz, &err), &err);
	CHECK_OK(wfad_jobset_build(&va, ds, sp.valid, sp.n_valid, &fz, &err), &err);
	CHECK_OK(wfad_jobset_build(&te, ds, sp.test, sp.n_test, &fz, &err), &err);
	/* Structure of one run's graph. */
	struct wfad_gnn_graphs gs = {0};
	CHECK_OK(wfad_gnn_graphs_build(&gs, &te.js, true, "test", &err), &err);
	const struct wfad_nn_graph *g = gs.g[0];
	const struct wfad_job *jobs = ds->runs[sp.test[0]].jobs;
	size_t n = ds->dag.n_nodes, host_edges = 0, bad = 0;
	for (size_t i = 0; i < n; i++)
		for (uint32_t e = g->ptr[i]; e < g->ptr[i + 1]; e++) {
			size_t j = g->idx[e], back = 0;
			for (uint32_t f = g->ptr[j]; f < g->ptr[j + 1]; f++)
				back += g->idx[f] == i && g->val[f] == g->val[e];
			double deg_i = g->ptr[i + 1] - g->ptr[i], deg_j = g->ptr[j + 1] - g->ptr[j];
			bad += back != 1 || fabs(g->val[e] - 1 / sqrt(deg_i * deg_j)) > 1e-6;
			host_edges += i != j && jobs[i].host == jobs[j].host &&
				      jobs[i].host != WFAD_NO_ID;
		}
	CHECK_INT(bad, 0);
	CHECK(host_edges > 0);
	CHECK(gs.g[0] != gs.g[1]); /* one graph per run */
	wfad_gnn_graphs_free(&gs);
	/* The gain. */
	double auc[2];
	const char *names[2] = {"gcndag", "gcn"};
	double *sc = malloc(te.js.n * sizeof(double));
	for (int k = 0; k < 2; k++) {
		const struct wfad_detector_ops *ops = wfad_detector_find(names[k]);
		struct wfad_detector *det = NULL;
		CHECK_INT(
			ops->create(&(struct wfad_detector_params){.seed = 1, .threads = 1}, &det),
			WFAD_OK);
		CHECK_OK(ops->fit(det, &tr.js, &va.js, &err), &err);
		CHECK_OK(ops->score(det, &te.js, sc, &err), &err);
		auc[k] = wfad_metrics_roc_auc(sc, te.js.y, te.js.n);
		ops->destroy(det);
	}
	printf("  rich features: gcndag ROC-AUC %.3f, gcn (host relation) %.3f\n", auc[0], auc[1]);
	CHECK(auc[1] > auc[0] + 0.01);
	free(sc);
	wfad_jobset_free(&tr);
	wfad_jobset_free(&va);
	wfad_jobset_free(&te);
	wfad_featurizer_free(&fz);
	wfad_split_free(&sp);
	wfad_collection_free(&c);
}

/* Gradient explanations name the jobs that weigh on a verdict: with the host relation and no
 * host pooling in the columns, some reasons of the flagged jobs of a faulty test run come from
 * other jobs of the same worker ("host." features), each reason has a positive contribution,
 * and they are sorted. */
WFAD_TEST(gnn_gcn_explanations_name_host_mates)
{
	struct wfad_collection c = {0};
	struct wfad_split sp = {0};
	struct wfad_model m;
	struct wfad_model_options mo = {.detector = "gcn",
					.features = WFAD_FEATURES_RICH,
					.norm = WFAD_NORM_MINMAX,
					.params = {.seed = 1, .threads = 1}};
	if (!sample_model(&mo, &c, &sp, &m)) {
		wfad_model_free(&m);
		wfad_split_free(&sp);
		wfad_collection_free(&c);
		return;
	}
	const struct wfad_dataset *ds = c.items[0];
	size_t nodes = ds->dag.n_nodes, host = 0, total = 0, unsorted = 0;
	uint8_t *which = malloc(nodes);
	size_t *counts = malloc(nodes * sizeof(size_t));
	struct wfad_reason *reasons = malloc(nodes * 3 * sizeof(*reasons));
	for (size_t t = 0; t < sp.n_test; t++) {
		const struct wfad_run *run = &ds->runs[sp.test[t]];
		for (size_t i = 0; i < nodes; i++)
			which[i] = run->jobs[i].label;
		wfad_model_explain_run(&m, ds, sp.test[t], which, reasons, 3, counts);
		for (size_t i = 0; i < nodes; i++)
			for (size_t k = 0; k < counts[i]; k++) {
				const struct wfad_reason *r = &reasons[i * 3 + k];
				total++;
				host += strncmp(r->feature, "host.", 5) == 0;
				unsorted += k > 0 && r->contribution > r[-1].contribution;
				CHECK(r->contribution > 0);
			}
	}
	printf("  gcn: %zu of %zu reasons from jobs of the same host\n", host, total);
	CHECK(total > 0 && host > 0);
	CHECK_INT(unsorted, 0);
	free(which);
	free(counts);
	free(reasons);
	wfad_model_free(&m);
	wfad_split_free(&sp);
	wfad_collection_free(&c);
}
