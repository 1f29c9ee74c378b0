/* bench/nn: the neural core's speed. (1) The optimised matrix product against the naive
 * reference on the shapes of an MLP training step (GFLOP/s and ratio), and the im2col
 * convolution against the direct loops on ganttcnn's layers (ms per batch). (2) Seconds per
 * training epoch of the mlp and ae detectors on a synthetic ROWS x 46 matrix (the size of
 * montage's training split with `rich` features), one thread; when /usr/bin/python3 has
 * PyTorch, the same model, batch size and optimiser are timed by bench/nn_torch.py on the same
 * matrix in the same run and the ratio (torch seconds / wfad seconds) is printed.
 * usage: nn [ROWS] [EPOCHS] [TORCH_THREADS] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "wfad/detect.h"
#include "wfad/nn.h"

typedef void (*gemm_fn)(bool, bool, size_t, size_t, size_t, const float *, size_t, const float *,
			size_t, float *, size_t);

/* Best GFLOP/s of fn over a few timed batches of calls. */
static double gemm_rate(gemm_fn fn, bool ta, bool tb, size_t m, size_t n, size_t k, const float *a,
			const float *b, float *c, double budget_s)
{
	size_t lda = ta ? m : k, ldb = tb ? k : n;
	double flops = 2.0 * (double)m * (double)n * (double)k, best = 0.0;
	for (int rep = 0; rep < 3; rep++) {
		size_t calls = 0;
		double t0 = wfad_clock_seconds(), t;
		do {
			fn(ta, tb, m, n, k, a, lda, b, ldb, c, n);
			calls++;
			t = wfad_clock_seconds() - t0;
		} while (t < budget_s / 3);
		double rate = flops * (double)calls / t * 1e-9;
		if (rate > best)
			best = rate;
	}
	return best;
}

static void bench_gemm(void)
{
	static const struct {
		const char *what;
		bool ta, tb;
		size_t m, n, k;
	} cases[] = {
		{"forward 256x46 * 46x64", false, false, 256, 64, 46},
		{"forward 256x64 * 64x64", false, false, 256, 64, 64},
		{"forward 256x64 * 64x1", false, false, 256, 1, 64},
		{"forward 256x64 * 64x11", false, false, 256, 11, 64},
		{"dX 256x64 * 11x64 (B^T)", false, true, 256, 11, 64},
		{"dW 46x256 * 256x64 (A^T)", true, false, 46, 64, 256},
		{"dX 256x64 * 64x64 (B^T)", false, true, 256, 64, 64},
		{"large 1024x256 * 256x256", false, false, 1024, 256, 256},
	};
	float *a = malloc(1024 * 256 * sizeof(float)), *b = malloc(256 * 256 * sizeof(float));
	float *c = calloc(1024 * 256, sizeof(float));
	if (!a || !b || !c)
		exit(1);
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 1);
	for (size_t i = 0; i < 1024 * 256; i++)
		a[i] = (float)wfad_rng_uniform(&rng) - 0.5f;
	for (size_t i = 0; i < 256 * 256; i++)
		b[i] = (float)wfad_rng_uniform(&rng) - 0.5f;
	printf("%-28s %12s %12s %8s\n", "gemm", "ref GFLOP/s", "opt GFLOP/s", "ratio");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double ref = gemm_rate(wfad_nn_gemm_ref, cases[i].ta, cases[i].tb, cases[i].m,
				       cases[i].n, cases[i].k, a, b, c, 0.3);
		double opt = gemm_rate(wfad_nn_gemm, cases[i].ta, cases[i].tb, cases[i].m,
				       cases[i].n, cases[i].k, a, b, c, 0.3);
		printf("%-28s %12.2f %12.2f %7.1fx\n", cases[i].what, ref, opt, opt / ref);
	}
	static const char *const isa_names[] = {"baseline SSE2", "AVX2+FMA", "AVX-512"};
	printf("%-28s %12s\n", "forward 256x64 * 64x64 with", "opt GFLOP/s");
	for (int isa = WFAD_NN_ISA_AVX512; isa >= WFAD_NN_ISA_BASELINE; isa--) {
		if ((int)wfad_nn_set_isa_cap((enum wfad_nn_isa)isa) != isa)
			continue;
		printf("  %-26s %12.2f\n", isa_names[isa],
		       gemm_rate(wfad_nn_gemm, false, false, 256, 64, 64, a, b, c, 0.3));
	}
	wfad_nn_set_isa_cap(WFAD_NN_ISA_AVX512);
	free(a);
	free(b);
	free(c);
}

/* Milliseconds of one forward + backward of a convolution layer on a batch, best of three
 * timed loops; ref picks the direct loops. */
static double conv_ms(bool ref, const struct wfad_nn_conv2d *l, size_t n, size_t h, const float *x,
		      float *y, float *dx, float *work, double budget_s)
{
	double best = 1e30;
	for (int rep = 0; rep < 3; rep++) {
		size_t calls = 0;
		double t0 = wfad_clock_seconds(), t;
		do {
			if (ref) {
				wfad_nn_conv2d_forward_ref(l, n, h, h, x, y);
				wfad_nn_conv2d_backward_ref(l, n, h, h, x, y, dx);
			} else {
				wfad_nn_conv2d_forward(l, n, h, h, x, y, work);
				wfad_nn_conv2d_backward(l, n, h, h, x, y, dx, work);
			}
			calls++;
			t = wfad_clock_seconds() - t0;
		} while (t < budget_s / 3);
		double ms = t / (double)calls * 1e3;
		best = ms < best ? ms : best;
	}
	return best;
}

/* The two convolutions of ganttcnn (batch 16, 3x3), direct loops against im2col + gemm. */
static void bench_conv(void)
{
	static const struct {
		const char *what;
		size_t c_in, c_out, h;
	} cases[] = {
		{"conv 9->16 32x32, batch 16", 9, 16, 32},
		{"conv 16->32 16x16, batch 16", 16, 32, 16},
	};
	enum { N = 16, MAXF = N * 32 * 32 * 32 };
	float *x = calloc(MAXF, sizeof(float)), *y = calloc(MAXF, sizeof(float));
	float *dx = calloc(MAXF, sizeof(float)), *work = calloc(16 * 9 * 32 * 32, sizeof(float));
	if (!x || !y || !dx || !work)
		exit(1);
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 2);
	for (size_t i = 0; i < MAXF; i++)
		x[i] = (float)wfad_rng_uniform(&rng) - 0.5f;
	printf("%-28s %12s %12s %8s\n", "conv2d forward + backward", "ref ms", "opt ms", "ratio");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wfad_nn_conv2d l;
		size_t size = 0;
		wfad_nn_conv2d_plan(&l, cases[i].c_in, cases[i].c_out, 3, &size);
		struct wfad_nn_block blk = {0};
		if (wfad_nn_block_alloc(&blk, size) != WFAD_OK)
			exit(1);
		wfad_nn_conv2d_bind(&l, &blk);
		wfad_nn_conv2d_init(&l, &rng);
		double ref = conv_ms(true, &l, N, cases[i].h, x, y, dx, work, 0.5);
		double opt = conv_ms(false, &l, N, cases[i].h, x, y, dx, work, 0.5);
		printf("%-28s %12.2f %12.2f %7.1fx\n", cases[i].what, ref, opt, ref / opt);
		wfad_nn_block_free(&blk);
	}
	free(x);
	free(y);
	free(dx);
	free(work);
}

/* Seconds per epoch of one detector fit (no validation set, so every epoch runs). */
static double epoch_seconds(const char *name, const struct wfad_jobset *js, int epochs)
{
	const struct wfad_detector_ops *ops = wfad_detector_find(name);
	struct wfad_detector_params p = {.seed = 0, .threads = 1, .epochs = epochs};
	struct wfad_detector *det = NULL;
	struct wfad_error err = {0};
	if (!ops || ops->create(&p, &det) != WFAD_OK)
		return -1.0;
	double t0 = wfad_clock_seconds();
	enum wfad_status st = ops->fit(det, js, NULL, &err);
	double t = wfad_clock_seconds() - t0;
	ops->destroy(det);
	if (st != WFAD_OK) {
		fprintf(stderr, "nn: %s fit: %s\n", name, err.message);
		return -1.0;
	}
	return t / epochs;
}

static double torch_epoch_seconds(const char *model, const char *dir, size_t rows, size_t d,
				  int epochs, int threads)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "/usr/bin/python3 bench/nn_torch.py %s %s %zu %zu %d %d", model,
		 dir, rows, d, epochs, threads);
	FILE *py = popen(cmd, "r");
	double s = -1.0;
	if (!py)
		return s;
	if (fscanf(py, "%lf", &s) != 1)
		s = -1.0;
	pclose(py);
	return s;
}

int main(int argc, char **argv)
{
	size_t rows = argc > 1 && atol(argv[1]) > 0 ? (size_t)atol(argv[1]) : 100000;
	int epochs = argc > 2 && atoi(argv[2]) > 0 ? atoi(argv[2]) : 5;
	int torch_threads = argc > 3 && atoi(argv[3]) > 0 ? atoi(argv[3]) : 1;
	enum { D = 46 };

	bench_gemm();
	bench_conv();

	/* Rows in [0, 1) like min-max scaled features; about 20% labelled anomalous by a
	 * nonlinear rule, so the classifier has something to learn. */
	float *x = malloc(rows * D * sizeof(float));
	uint8_t *y = malloc(rows);
	if (!x || !y)
		return 1;
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 42);
	for (size_t i = 0; i < rows; i++) {
		for (size_t j = 0; j < D; j++)
			x[i * D + j] = (float)wfad_rng_uniform(&rng);
		y[i] = x[i * D + 2] * x[i * D + 3] + 0.3f * x[i * D + 5] > 0.55f;
	}
	struct wfad_jobset js = {.n = rows, .d = D, .x = x, .y = y};
	printf("\nepochs of %d on %zu x %d (batch 256, one thread):\n", epochs, rows, D);
	double mlp = epoch_seconds("mlp", &js, epochs);
	double ae = epoch_seconds("ae", &js, epochs);
	printf("%-6s %10.4f s/epoch  (%.0f rows/s)\n", "mlp", mlp, (double)rows / mlp);
	printf("%-6s %10.4f s/epoch  (%.0f rows/s)\n", "ae", ae, (double)rows / ae);

	int rc = 0;
	char dir[] = "/tmp/wfad-bench-nn-XXXXXX";
	if (system("/usr/bin/python3 -c 'import torch' 2>/dev/null") != 0) {
		printf("PyTorch: not available to /usr/bin/python3\n");
		goto done;
	}
	char path[512];
	if (!mkdtemp(dir))
		goto done;
	snprintf(path, sizeof(path), "%s/x.f32", dir);
	FILE *f = fopen(path, "wb");
	bool ok = f && fwrite(x, sizeof(float), rows * D, f) == rows * D;
	if (f)
		ok = fclose(f) == 0 && ok;
	snprintf(path, sizeof(path), "%s/y.u8", dir);
	f = ok ? fopen(path, "wb") : NULL;
	ok = f && fwrite(y, 1, rows, f) == rows;
	if (f)
		ok = fclose(f) == 0 && ok;
	if (ok) {
		double tm = torch_epoch_seconds("mlp", dir, rows, D, epochs, torch_threads);
		double ta = torch_epoch_seconds("ae", dir, rows, D, epochs, torch_threads);
		printf("PyTorch (%d thread%s), same model, batch and optimiser:\n", torch_threads,
		       torch_threads == 1 ? "" : "s");
		printf("%-6s %10.4f s/epoch  torch / wfad = %.2f\n", "mlp", tm, tm / mlp);
		printf("%-6s %10.4f s/epoch  torch / wfad = %.2f\n", "ae", ta, ta / ae);
	} else {
		rc = 1;
	}
	snprintf(path, sizeof(path), "%s/x.f32", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/y.u8", dir);
	unlink(path);
	rmdir(dir);
done:
	free(x);
	free(y);
	return rc;
}
