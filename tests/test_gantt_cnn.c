/* Tests of the convolution kernels (finite-difference gradients of conv2d and max pooling)
 * and of the ganttcnn run classifier (planted classes, determinism for a seed). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "wfad/nn.h"
#include "wfad/render.h"
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

/* Scratch of the optimised kernels for the CI x CH x CW images above. */
static float conv_work[CI * CK * CK * CH * CW];

static void conv_forward(bool ref, const struct wfad_nn_conv2d *l, const float *x, float *y)
{
	if (ref)
		wfad_nn_conv2d_forward_ref(l, CN, CH, CW, x, y);
	else
		wfad_nn_conv2d_forward(l, CN, CH, CW, x, y, conv_work);
}

static void conv_backward(bool ref, const struct wfad_nn_conv2d *l, const float *x, const float *dy,
			  float *dx)
{
	if (ref)
		wfad_nn_conv2d_backward_ref(l, CN, CH, CW, x, dy, dx);
	else
		wfad_nn_conv2d_backward(l, CN, CH, CW, x, dy, dx, conv_work);
}

static double conv_loss(bool ref, const struct wfad_nn_conv2d *l, const float *x, float *y,
			const float *r)
{
	conv_forward(ref, l, x, y);
	return dot(y, r, CN * CO * CH * CW);
}

/* The finite-difference check of one implementation (reference or optimised). */
static void conv_gradient_check(bool ref)
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
	conv_forward(ref, &l, x, y);
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
	conv_backward(ref, &l, x, r, dx);
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
		double up = conv_loss(ref, &l, x, y, r);
		blk.param[i] = keep - eps;
		double down = conv_loss(ref, &l, x, y, r);
		blk.param[i] = keep;
		double fd = (up - down) / (2 * eps);
		if (fabs(fd - blk.grad[i]) > 2e-3 * (1 + fabs(fd)) && bad++ < 5)
			printf("  param %zu: fd %g, backward %g\n", i, fd, (double)blk.grad[i]);
	}
	/* Inputs. */
	for (size_t i = 0; i < NX; i++) {
		float keep = x[i];
		x[i] = keep + eps;
		double up = conv_loss(ref, &l, x, y, r);
		x[i] = keep - eps;
		double down = conv_loss(ref, &l, x, y, r);
		x[i] = keep;
		double fd = (up - down) / (2 * eps);
		if (fabs(fd - dx[i]) > 2e-3 * (1 + fabs(fd)) && bad++ < 5)
			printf("  x %zu: fd %g, backward %g\n", i, fd, (double)dx[i]);
	}
	CHECK_INT(bad, 0);
	/* Backward accumulates: a second call doubles the gradients. */
	float g0 = blk.grad[l.w_off], dx0 = dx[3];
	conv_backward(ref, &l, x, r, dx);
	CHECK_NEAR(blk.grad[l.w_off], 2 * g0, 1e-4 * (1 + fabs(g0)));
	CHECK_NEAR(dx[3], 2 * dx0, 1e-4 * (1 + fabs(dx0)));
	wfad_nn_block_free(&blk);
}

WFAD_TEST(conv2d_gradients_match_finite_differences)
{
	conv_gradient_check(true);
	conv_gradient_check(false);
}

/* Largest |a - b| relative to 1 + |b| over n values. */
static double max_rel_diff(const float *a, const float *b, size_t n)
{
	double worst = 0;
	for (size_t i = 0; i < n; i++) {
		double d = fabs((double)a[i] - b[i]) / (1 + fabs((double)b[i]));
		worst = d > worst || isnan(d) ? d : worst;
	}
	return worst;
}

/* Optimised against reference kernels on random inputs of one shape. */
static void conv_compare(size_t n, size_t ci, size_t co, size_t k, size_t h, size_t w,
			 uint64_t seed)
{
	struct wfad_nn_conv2d l;
	size_t size = 0;
	wfad_nn_conv2d_plan(&l, ci, co, k, &size);
	struct wfad_nn_block ref = {0}, opt = {0};
	size_t nx = n * ci * h * w, ny = n * co * h * w;
	float *x = calloc(nx, sizeof(float)), *dy = calloc(ny, sizeof(float));
	float *y_ref = calloc(ny, sizeof(float)), *y_opt = calloc(ny, sizeof(float));
	float *dx_ref = calloc(nx, sizeof(float)), *dx_opt = calloc(nx, sizeof(float));
	float *work = calloc(wfad_nn_conv2d_work_size(&l, h, w), sizeof(float));
	CHECK_INT(wfad_nn_block_alloc(&ref, size), WFAD_OK);
	CHECK_INT(wfad_nn_block_alloc(&opt, size), WFAD_OK);
	if (!x || !dy || !y_ref || !y_opt || !dx_ref || !dx_opt || !work || !ref.param ||
	    !opt.param)
		goto cleanup;
	struct wfad_rng rng;
	wfad_rng_seed(&rng, seed);
	wfad_nn_conv2d_bind(&l, &ref);
	wfad_nn_conv2d_init(&l, &rng);
	fill_uniform(l.b, co, &rng);
	memcpy(opt.param, ref.param, size * sizeof(float));
	fill_uniform(x, nx, &rng);
	fill_uniform(dy, ny, &rng);
	fill_uniform(dx_ref, nx, &rng); /* backward accumulates onto what is there */
	memcpy(dx_opt, dx_ref, nx * sizeof(float));
	wfad_nn_conv2d_forward_ref(&l, n, h, w, x, y_ref);
	wfad_nn_conv2d_backward_ref(&l, n, h, w, x, dy, dx_ref);
	wfad_nn_conv2d_bind(&l, &opt);
	wfad_nn_conv2d_forward(&l, n, h, w, x, y_opt, work);
	wfad_nn_conv2d_backward(&l, n, h, w, x, dy, dx_opt, work);
	CHECK(max_rel_diff(y_opt, y_ref, ny) < 1e-5);
	CHECK(max_rel_diff(dx_opt, dx_ref, nx) < 1e-5);
	CHECK(max_rel_diff(opt.grad, ref.grad, size) < 1e-4);
	printf("  n %zu, %zu -> %zu channels, k %zu, %zu x %zu: y %.2g, dx %.2g, dw %.2g\n", n, ci,
	       co, k, h, w, max_rel_diff(y_opt, y_ref, ny), max_rel_diff(dx_opt, dx_ref, nx),
	       max_rel_diff(opt.grad, ref.grad, size));
cleanup:
	wfad_nn_block_free(&ref);
	wfad_nn_block_free(&opt);
	free(x);
	free(dy);
	free(y_ref);
	free(y_opt);
	free(dx_ref);
	free(dx_opt);
	free(work);
}

WFAD_TEST(conv2d_optimised_matches_reference)
{
	conv_compare(3, 5, 7, 3, 9, 11, 21);
	conv_compare(2, 8, 16, 3, 32, 32, 22);
	conv_compare(1, 2, 3, 5, 4, 7, 23); /* kernel wider than the image's rows */
	conv_compare(2, 1, 1, 1, 1, 1, 24);
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

static const char *chain_classes[2] = {"normal", "cpu_2"};

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

/* ganttcnn fitted on runs 0-39 of make_runs' dataset, validated on 40-49 (NULL on failure,
 * with a failed check). */
static struct wfad_run_classifier *fit_chain_with(const struct wfad_dataset *ds,
						  const struct wfad_detector_params *p)
{
	size_t train[40], valid[10];
	uint32_t ytr[40], yva[10];
	for (size_t i = 0; i < 40; i++)
		train[i] = i, ytr[i] = (uint32_t)(i % 2);
	for (size_t i = 0; i < 10; i++)
		valid[i] = 40 + i, yva[i] = (uint32_t)((40 + i) % 2);
	struct wfad_run_task tr = {.ds = ds,
				   .runs = train,
				   .n_runs = 40,
				   .y = ytr,
				   .classes = chain_classes,
				   .n_classes = 2};
	struct wfad_run_task va = {.ds = ds,
				   .runs = valid,
				   .n_runs = 10,
				   .y = yva,
				   .classes = chain_classes,
				   .n_classes = 2};
	const struct wfad_run_classifier_ops *ops = wfad_run_classifier_find("ganttcnn");
	CHECK(ops != NULL);
	if (!ops)
		return NULL;
	struct wfad_run_classifier *c = NULL;
	struct wfad_error err = {0};
	CHECK_INT(ops->create(p, &c), WFAD_OK);
	enum wfad_status st = ops->fit(c, &tr, &va, &err);
	CHECK_OK(st, &err);
	if (st != WFAD_OK) {
		ops->destroy(c);
		return NULL;
	}
	return c;
}

static struct wfad_run_classifier *fit_chain(const struct wfad_dataset *ds, uint64_t seed)
{
	return fit_chain_with(ds, &(struct wfad_detector_params){.seed = seed, .epochs = 30});
}

/* The test runs 50 .. 50 + n - 1 of make_runs' dataset as a task. */
static struct wfad_run_task chain_test(const struct wfad_dataset *ds, size_t *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		runs[i] = 50 + i;
	return (struct wfad_run_task){
		.ds = ds, .runs = runs, .n_runs = n, .classes = chain_classes, .n_classes = 2};
}

static void classify(const struct wfad_dataset *ds, uint64_t seed, double *proba, size_t n_test)
{
	size_t test[20];
	struct wfad_run_task te = chain_test(ds, test, n_test);
	struct wfad_run_classifier *c = fit_chain(ds, seed);
	struct wfad_error err = {0};
	if (c)
		CHECK_OK(c->ops->predict(c, &te, proba, &err), &err);
	if (c)
		c->ops->destroy(c);
}

/* The utilisation channel: the segment channels as without it, and over the runtime of the
 * one job with a CPU time, coverage x (its utilisation - the typical value). */
WFAD_TEST(raster_utilisation_channel)
{
	struct wfad_dataset ds;
	make_runs(&ds, 1, 5);
	double *f = ds.runs[0].jobs[1].f;
	f[WFAD_F_CPU_TIME] = (f[WFAD_F_EXECUTE_END] - f[WFAD_F_EXECUTE_START]) / 2;
	enum { N = 16, PLANE = N * N };
	static float plain[WFAD_RASTER_CHANNELS * PLANE], util[WFAD_RASTER_UTIL_CHANNELS * PLANE];
	const double typical[3] = {0.0, -1.0, 0.0};
	struct wfad_raster_options opt = {.span = 60, .util = typical};
	wfad_render_raster_span(&ds, 0, N, 60, plain);
	wfad_render_raster_ex(&ds, 0, N, &opt, util);
	CHECK(memcmp(plain, util, sizeof(plain)) == 0);
	double u = wfad_render_job_utilisation(&ds.runs[0].jobs[1]) + 1.0;
	CHECK(u > 0.2 && u < 0.5); /* about log(6 / 11) + 1 */
	const float *rt = plain + WFAD_SEG_RUNTIME * PLANE,
		    *uc = util + WFAD_RASTER_CHANNELS * PLANE;
	size_t lit = 0;
	for (size_t p = 0; p < PLANE; p++) {
		size_t row = p / N;
		bool job1 = row >= N / 3 && row < 2 * N / 3; /* rows of job 1 of 3 */
		if (job1)
			CHECK_NEAR(uc[p], u * rt[p], 1e-6);
		else
			CHECK_NEAR(uc[p], 0, 0);
		lit += uc[p] > 0;
	}
	CHECK(lit > 0);
	CHECK(isnan(wfad_render_job_utilisation(&ds.runs[0].jobs[0])));
	/* The scaled channel: the same deviation divided by the node's scale, clipped at
	 * WFAD_RASTER_UTIL_MAX; the channels before it as without it. */
	static float scaled[WFAD_RASTER_UTIL_SCALED_CHANNELS * PLANE];
	const double scale[3] = {1.0, 0.25, 1.0}, narrow[3] = {1.0, 0.1, 1.0};
	opt.util_scale = scale;
	wfad_render_raster_ex(&ds, 0, N, &opt, scaled);
	CHECK(memcmp(util, scaled, sizeof(util)) == 0);
	const float *sc = scaled + WFAD_RASTER_UTIL_CHANNELS * PLANE;
	for (size_t p = 0; p < PLANE; p++)
		CHECK_NEAR(sc[p], uc[p] / 0.25, 1e-5);
	opt.util_scale = narrow; /* u / 0.1 > 2: clipped */
	wfad_render_raster_ex(&ds, 0, N, &opt, scaled);
	for (size_t p = 0; p < PLANE; p++)
		CHECK_NEAR(sc[p], WFAD_RASTER_UTIL_MAX * rt[p] * (uc[p] > 0), 1e-6);
	wfad_dataset_free(&ds);
}

/* util_mean: where jobs share a row, the utilisation pixel is the mean over them rather than
 * the value of larger magnitude. On a 2 x 2 raster jobs 0 and 1 of the chain share row 0 and
 * both run inside column 0; job 2 has row 1 to itself. */
WFAD_TEST(raster_utilisation_mean_over_shared_rows)
{
	struct wfad_dataset ds;
	make_runs(&ds, 1, 7);
	double v[3], w2 = 0, span = 60, dt = span / 2; /* v: column 0; w2: job 2 in column 1 */
	for (size_t i = 0; i < 3; i++) {
		double *f = ds.runs[0].jobs[i].f;
		double t0 = f[WFAD_F_EXECUTE_START] - 1000, t1 = f[WFAD_F_EXECUTE_END] - 1000;
		f[WFAD_F_CPU_TIME] = i == 0 ? 0 : i == 1 ? (t1 - t0) / 2 : 2 * (t1 - t0);
		double u = wfad_render_job_utilisation(&ds.runs[0].jobs[i]);
		v[i] = u * (fmin(t1, dt) - t0) / dt;
		if (i < 2)
			CHECK(t1 < dt); /* jobs 0 and 1 inside column 0 */
		else
			w2 = u * fmax(t1 - dt, 0) / dt;
	}
	enum { N = 2, PLANE = N * N, C = WFAD_RASTER_UTIL_CHANNELS };
	float mx[C * PLANE], mean[C * PLANE];
	const double typical[3] = {0, 0, 0};
	struct wfad_raster_options opt = {.span = span, .util = typical};
	wfad_render_raster_ex(&ds, 0, N, &opt, mx);
	opt.util_mean = true;
	wfad_render_raster_ex(&ds, 0, N, &opt, mean);
	CHECK(memcmp(mx, mean, WFAD_RASTER_CHANNELS * PLANE * sizeof(float)) == 0);
	const float *um = mx + WFAD_RASTER_CHANNELS * PLANE,
		    *ua = mean + WFAD_RASTER_CHANNELS * PLANE;
	CHECK(v[0] < 0 && v[1] < 0 && fabs(v[0] - v[1]) > 0.05);
	CHECK_NEAR(um[0], fabs(v[0]) > fabs(v[1]) ? v[0] : v[1], 1e-6);
	CHECK_NEAR(ua[0], (v[0] + v[1]) / 2, 1e-6);
	CHECK_NEAR(ua[1], 0, 0);
	CHECK(v[2] > 0);
	for (size_t x = 0; x < 2; x++) { /* row 1, job 2 alone: the same either way */
		CHECK_NEAR(um[2 + x], x ? w2 : v[2], 1e-6);
		CHECK_NEAR(ua[2 + x], x ? w2 : v[2], 1e-6);
	}
	wfad_dataset_free(&ds);
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

static void count_nets(void *user, size_t done, size_t total)
{
	size_t *calls = user;
	CHECK_INT(done, ++*calls);
	CHECK_INT(total, 2);
}

/* --nets: the ensemble trains as many nets as asked (progress counts them), 1 to
 * WFAD_MAX_NETS. */
WFAD_TEST(ganttcnn_nets_option)
{
	struct wfad_dataset ds;
	make_runs(&ds, 50, 3);
	size_t calls = 0;
	struct wfad_detector_params p = {
		.seed = 1, .epochs = 2, .nets = 2, .progress = count_nets, .progress_user = &calls};
	struct wfad_run_classifier *c = fit_chain_with(&ds, &p);
	CHECK_INT(calls, 2);
	if (c)
		c->ops->destroy(c);
	const struct wfad_run_classifier_ops *ops = wfad_run_classifier_find("ganttcnn");
	p.nets = WFAD_MAX_NETS + 1;
	c = NULL;
	CHECK_INT(ops->create(&p, &c), WFAD_EINVAL);
	CHECK(c == NULL);
	wfad_dataset_free(&ds);
}

/* Occlusion: a raster with a job left out is the full raster without that job's rows, the
 * time axis unchanged; ganttcnn's explanation of a slow run puts the slow job first and
 * names its runtime, and explains nothing toward normal itself. */
WFAD_TEST(gantt_cnn_explains_by_occlusion)
{
	struct wfad_dataset ds;
	make_runs(&ds, 60, 3);
	enum { N = 12, PLANE = N * N };
	static float full[WFAD_RASTER_CHANNELS * PLANE], cut[WFAD_RASTER_CHANNELS * PLANE];
	struct wfad_raster_options opt = {.span = 80};
	wfad_render_raster_ex(&ds, 1, N, &opt, full);
	opt.omit = true;
	opt.omit_node = 1; /* rows 4..7 of 12 */
	wfad_render_raster_ex(&ds, 1, N, &opt, cut);
	size_t differ = 0, left = 0;
	for (size_t ch = 0; ch < WFAD_RASTER_CHANNELS; ch++)
		for (size_t y = 0; y < N; y++)
			for (size_t x = 0; x < N; x++) {
				size_t at = ch * PLANE + y * N + x;
				bool own = y >= 4 && y < 8;
				differ += !own && cut[at] != full[at];
				left += own && cut[at] != 0.0f;
			}
	CHECK_INT(differ, 0);
	CHECK_INT(left, 0);
	/* Job c runs beside b (starting when b does) rather than after it, so that only b's own
	 * bar tells the classes apart: in the chain c's start moves with b's length too. */
	for (size_t r = 0; r < ds.n_runs; r++) {
		double *fb = ds.runs[r].jobs[1].f, *fc = ds.runs[r].jobs[2].f;
		double shift = fc[WFAD_F_READY] - fb[WFAD_F_READY];
		for (int k = 0; k < WFAD_F_COUNT; k++)
			if (k == WFAD_F_READY || k == WFAD_F_SUBMIT || k == WFAD_F_EXECUTE_START ||
			    k == WFAD_F_EXECUTE_END)
				fc[k] -= shift;
	}
	struct wfad_run_classifier *c = fit_chain(&ds, 7);
	if (!c) {
		wfad_dataset_free(&ds);
		return;
	}
	size_t test[10];
	struct wfad_run_task te = chain_test(&ds, test, 10);
	double out[3];
	const char *why[3];
	struct wfad_error err = {0};
	CHECK_OK(c->ops->explain(c, &te, 1, 1, out, why, &err), &err); /* run 51: slow */
	printf("  shares of a, b, c toward cpu_2: %.3f %.3f %.3f (b: %s)\n", out[0], out[1], out[2],
	       why[1] ? why[1] : "-");
	CHECK(out[1] > out[0] && out[1] > out[2] && out[1] > 0.0);
	CHECK(why[1] != NULL && strcmp(why[1], "runtime") == 0);
	CHECK_OK(c->ops->explain(c, &te, 1, 0, out, why, &err), &err);
	for (size_t j = 0; j < 3; j++)
		CHECK(out[j] == 0.0 && why[j] == NULL);
	CHECK_INT(c->ops->explain(c, &te, 10, 1, out, NULL, &err), WFAD_EINVAL);
	c->ops->destroy(c);
	wfad_dataset_free(&ds);
}
