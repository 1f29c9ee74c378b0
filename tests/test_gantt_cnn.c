/* Tests of the convolution kernels (finite-difference gradients of conv2d and max pooling)
 * and of the ganttcnn run classifier (planted classes, determinism for a seed). */
#include <stdlib.h>

#include "test.h"
#include "wfad/nn.h"
#include "wfad/runlevel.h"

static void fill_uniform(float *x, size_t n, struct wfad_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(2 * wfad_rng_uniform(rng) - 1);
}

/* loss = sum(y * r): its gradient with respect to y is r. */
static double dot(const float *y, const float *r, size_t n)
{
	double s = 0;
	for (size_t i = 0; i < n; i++)
		s += (double)y[i] * r[i];
	return s;
}

enum { CN = 2, CI = 3, CO = 4, CK = 3, CH = 5, CW = 6 };

static double conv_loss(const struct wfad_nn_conv2d *l, const float *x, float *y, const float *r)
{
	wfad_nn_conv2d_forward(l, CN, CH, CW, x, y);
	return dot(y, r, CN * CO * CH * CW);
}

WFAD_TEST(conv2d_gradients_match_finite_differences)
{
	struct wfad_nn_conv2d l;
	size_t size = 0;
	wfad_nn_conv2d_plan(&l, CI, CO, CK, &size);
	struct wfad_nn_block blk = {0};
	CHECK_INT(wfad_nn_block_alloc(&blk, size), WFAD_OK);
	if (!blk.param)
		return;
	wfad_nn_conv2d_bind(&l, &blk);
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 7);
	wfad_nn_conv2d_init(&l, &rng);
	fill_uniform(l.b, CO, &rng);
	enum { NX = CN * CI * CH * CW, NY = CN * CO * CH * CW };
	float x[NX], y[NY], r[NY], dx[NX] = {0};
	fill_uniform(x, NX, &rng);
	fill_uniform(r, NY, &rng);
	/* One output against the definition, with a tap that reads the zero padding. */
	wfad_nn_conv2d_forward(&l, CN, CH, CW, x, y);
	double want = l.b[1];
	for (size_t c = 0; c < CI; c++)
		for (size_t u = 0; u < CK; u++)
			for (size_t v = 0; v < CK; v++) {
				long a = 0 + (long)u - 1, b = 2 + (long)v - 1;
				if (a < 0 || a >= CH || b < 0 || b >= CW)
					continue;
				want += (double)l.w[((1 * CI + c) * CK + u) * CK + v] *
					x[((1 * CI + c) * CH + (size_t)a) * CW + (size_t)b];
			}
	CHECK_NEAR(y[((1 * CO + 1) * CH + 0) * CW + 2], want, 1e-5);
	wfad_nn_block_zero_grad(&blk);
	wfad_nn_conv2d_backward(&l, CN, CH, CW, x, r, dx);
	const float eps = 1e-2f;
	int bad = 0;
	/* Parameters: every weight and bias. */
	for (size_t i = 0; i < size && i < l.b_off + CO; i++) {
		bool is_w = i >= l.w_off && i < l.w_off + CO * CI * CK * CK;
		bool is_b = i >= l.b_off && i < l.b_off + CO;
		if (!is_w && !is_b)
			continue;
		float keep = blk.param[i];
		blk.param[i] = keep + eps;
		double up = conv_loss(&l, x, y, r);
		blk.param[i] = keep - eps;
		double down = conv_loss(&l, x, y, r);
		blk.param[i] = keep;
		double fd = (up - down) / (2 * eps);
		if (fabs(fd - blk.grad[i]) > 2e-3 * (1 + fabs(fd)) && bad++ < 5)
			printf("  param %zu: fd %g, backward %g\n", i, fd, (double)blk.grad[i]);
	}
	/* Inputs. */
	for (size_t i = 0; i < NX; i++) {
		float keep = x[i];
		x[i] = keep + eps;
		double up = conv_loss(&l, x, y, r);
		x[i] = keep - eps;
		double down = conv_loss(&l, x, y, r);
		x[i] = keep;
		double fd = (up - down) / (2 * eps);
		if (fabs(fd - dx[i]) > 2e-3 * (1 + fabs(fd)) && bad++ < 5)
			printf("  x %zu: fd %g, backward %g\n", i, fd, (double)dx[i]);
	}
	CHECK_INT(bad, 0);
	/* Backward accumulates: a second call doubles the gradients. */
	float g0 = blk.grad[l.w_off], dx0 = dx[3];
	wfad_nn_conv2d_backward(&l, CN, CH, CW, x, r, dx);
	CHECK_NEAR(blk.grad[l.w_off], 2 * g0, 1e-4 * (1 + fabs(g0)));
	CHECK_NEAR(dx[3], 2 * dx0, 1e-4 * (1 + fabs(dx0)));
	wfad_nn_block_free(&blk);
}

WFAD_TEST(maxpool2_gradients_match_finite_differences)
{
	enum { P = 3, H = 4, W = 6, NX = P * H * W, NY = P * (H / 2) * (W / 2) };
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 11);
	float x[NX], y[NY], r[NY], dx[NX] = {0};
	uint32_t arg[NY];
	fill_uniform(x, NX, &rng); /* distinct values: no ties near the probes */
	fill_uniform(r, NY, &rng);
	wfad_nn_maxpool2_forward(P, H, W, x, y, arg);
	/* Block (1, 2) of plane 2 is the max of its four inputs. */
	const float *xp = x + 2 * H * W;
	float m = xp[2 * W + 4];
	m = xp[2 * W + 5] > m ? xp[2 * W + 5] : m;
	m = xp[3 * W + 4] > m ? xp[3 * W + 4] : m;
	m = xp[3 * W + 5] > m ? xp[3 * W + 5] : m;
	CHECK_NEAR(y[(2 * (H / 2) + 1) * (W / 2) + 2], m, 0);
	wfad_nn_maxpool2_backward(P, H, W, arg, r, dx);
	const float eps = 1e-3f;
	int bad = 0;
	for (size_t i = 0; i < NX; i++) {
		float keep = x[i];
		x[i] = keep + eps;
		wfad_nn_maxpool2_forward(P, H, W, x, y, arg);
		double up = dot(y, r, NY);
		x[i] = keep - eps;
		wfad_nn_maxpool2_forward(P, H, W, x, y, arg);
		double down = dot(y, r, NY);
		x[i] = keep;
		double fd = (up - down) / (2 * eps);
		if (fabs(fd - dx[i]) > 1e-3 && bad++ < 5)
			printf("  x %zu: fd %g, backward %g\n", i, fd, (double)dx[i]);
	}
	CHECK_INT(bad, 0);
}

/* Runs of a chain a -> b -> c: class 0 ("normal") runs b for 10 s, class 1 ("cpu_2") for
 * 30 s, with small seeded jitter. */
static void make_runs(struct wfad_dataset *ds, size_t n_runs, uint64_t seed)
{
	struct wfad_error err = {0};
	wfad_dataset_init(ds);
	ds->workflow = "chain";
	ds->dag.n_nodes = 3;
	ds->dag.node_ids = wfad_arena_alloc(&ds->arena, 3 * sizeof(*ds->dag.node_ids));
	const char *names[3] = {"a_ID1", "b_ID2", "c_ID3"};
	for (size_t i = 0; i < 3; i++) {
		uint32_t id;
		CHECK_INT(wfad_strings_intern(&ds->dag.ids, names[i], strlen(names[i]), &id),
			  WFAD_OK);
		ds->dag.node_ids[i] = ds->dag.ids.items[id];
	}
	uint32_t parents[2] = {0, 1}, children[2] = {1, 2};
	CHECK_OK(wfad_dag_build(ds, parents, children, 2, "chain", &err), &err);
	struct wfad_rng rng;
	wfad_rng_seed(&rng, seed);
	for (size_t r = 0; r < n_runs; r++) {
		char id[32];
		snprintf(id, sizeof(id), "run%03zu", r);
		bool slow = r % 2;
		struct wfad_run *run;
		CHECK_INT(wfad_dataset_add_run(ds, id, slow ? "cpu_2" : "normal", "test", &run),
			  WFAD_OK);
		double t = 1000;
		for (size_t i = 0; i < 3; i++) {
			double *f = run->jobs[i].f;
			double len = (i == 1 ? (slow ? 30 : 10) : 5) *
				     (1 + 0.1 * wfad_rng_uniform(&rng));
			f[WFAD_F_READY] = t;
			f[WFAD_F_SUBMIT] = t + 1;
			f[WFAD_F_EXECUTE_START] = t + 3;
			f[WFAD_F_EXECUTE_END] = t + 3 + len;
			t += 3 + len;
		}
	}
}

static void classify(const struct wfad_dataset *ds, uint64_t seed, double *proba, size_t n_test)
{
	size_t train[40], valid[10], test[20];
	uint32_t ytr[40], yva[10];
	for (size_t i = 0; i < 40; i++)
		train[i] = i, ytr[i] = (uint32_t)(i % 2);
	for (size_t i = 0; i < 10; i++)
		valid[i] = 40 + i, yva[i] = (uint32_t)((40 + i) % 2);
	for (size_t i = 0; i < n_test; i++)
		test[i] = 50 + i;
	const char *classes[2] = {"normal", "cpu_2"};
	struct wfad_run_task tr = {ds, train, 40, ytr, classes, 2};
	struct wfad_run_task va = {ds, valid, 10, yva, classes, 2};
	struct wfad_run_task te = {ds, test, n_test, NULL, classes, 2};
	const struct wfad_run_classifier_ops *ops = wfad_run_classifier_find("ganttcnn");
	CHECK(ops != NULL);
	if (!ops)
		return;
	struct wfad_detector_params p = {.seed = seed, .epochs = 30};
	struct wfad_run_classifier *c = NULL;
	struct wfad_error err = {0};
	CHECK_INT(ops->create(&p, &c), WFAD_OK);
	CHECK_OK(ops->fit(c, &tr, &va, &err), &err);
	CHECK_OK(ops->predict(c, &te, proba, &err), &err);
	ops->destroy(c);
}

WFAD_TEST(ganttcnn_separates_planted_classes_deterministically)
{
	struct wfad_dataset ds;
	make_runs(&ds, 70, 3);
	enum { NT = 20 };
	double p1[NT * 2], p2[NT * 2];
	classify(&ds, 1, p1, NT);
	classify(&ds, 1, p2, NT);
	CHECK(memcmp(p1, p2, sizeof(p1)) == 0);
	size_t correct = 0;
	for (size_t i = 0; i < NT; i++) {
		size_t truth = (50 + i) % 2;
		correct += (p1[i * 2 + 1] > p1[i * 2]) == (truth == 1);
		CHECK_NEAR(p1[i * 2] + p1[i * 2 + 1], 1.0, 1e-9);
	}
	printf("  ganttcnn: %zu of %d planted test runs right\n", correct, NT);
	CHECK(correct >= 18);
	wfad_dataset_free(&ds);
}
