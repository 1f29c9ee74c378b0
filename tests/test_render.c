/* Tests of Gantt rendering: segment bounds, job order, SVG structure of a hand-made run (one
 * bar per job, widths proportional to the durations), output errors, scores CSV and rasters. */
#include <stdlib.h>
#include <unistd.h>

#include "test.h"
#include "wfad/ingest.h"
#include "wfad/render.h"

/* Three jobs a -> b, a -> c from t = 1000 s: a waits 2 s, queues 2 s, runs 6 s; b waits 1 s,
 * queues 2 s, runs 12 s and post-scripts 5 s; c waits 2 s then fails without running. */
/* fontconfig, under cairo's text, keeps its configuration until exit, which LeakSanitizer
 * reports in asan builds; the sanitizer runtime reads this hook (unused otherwise). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

/* A per-process scratch path, so concurrent test runs do not collide. */
static const char *tmp_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "/tmp/wfad-test-%ld-%s", (long)getpid(), name);
	return buf;
}

static void make_tiny(struct wfad_dataset *ds)
{
	struct wfad_error err = {0};
	wfad_dataset_init(ds);
	ds->workflow = "tiny";
	ds->dag.n_nodes = 3;
	ds->dag.node_ids = wfad_arena_alloc(&ds->arena, 3 * sizeof(*ds->dag.node_ids));
	const char *names[3] = {"a_ID01", "b_ID02", "c_ID03"};
	for (size_t i = 0; i < 3; i++) {
		uint32_t id;
		CHECK_INT(wfad_strings_intern(&ds->dag.ids, names[i], strlen(names[i]), &id),
			  WFAD_OK);
		ds->dag.node_ids[i] = ds->dag.ids.items[id];
	}
	uint32_t parents[2] = {0, 0}, children[2] = {1, 2};
	CHECK_OK(wfad_dag_build(ds, parents, children, 2, "tiny", &err), &err);
	struct wfad_run *run;
	CHECK_INT(wfad_dataset_add_run(ds, "tiny-run1", "cpu_2", "test", &run), WFAD_OK);
	double *a = run->jobs[0].f, *b = run->jobs[1].f, *c = run->jobs[2].f;
	a[WFAD_F_READY] = 1000, a[WFAD_F_SUBMIT] = 1002;
	a[WFAD_F_EXECUTE_START] = 1004, a[WFAD_F_EXECUTE_END] = 1010;
	b[WFAD_F_READY] = 1010, b[WFAD_F_SUBMIT] = 1011;
	b[WFAD_F_EXECUTE_START] = 1013, b[WFAD_F_EXECUTE_END] = 1025;
	b[WFAD_F_POST_SCRIPT_START] = 1025, b[WFAD_F_POST_SCRIPT_END] = 1030;
	c[WFAD_F_READY] = 1010, c[WFAD_F_SUBMIT] = 1012;
	run->jobs[2].failed = 1;
}

WFAD_TEST(render_job_spans_and_order)
{
	struct wfad_dataset ds;
	make_tiny(&ds);
	struct wfad_gantt_span sp[WFAD_SEG_COUNT];
	CHECK_INT(wfad_gantt_job_spans(&ds.runs[0].jobs[1], 1000, sp), 4);
	CHECK_NEAR(sp[WFAD_SEG_WMS].t0, 10, 0);
	CHECK_NEAR(sp[WFAD_SEG_WMS].t1, 11, 0);
	CHECK_NEAR(sp[WFAD_SEG_QUEUE].t1, 13, 0);
	CHECK_NEAR(sp[WFAD_SEG_RUNTIME].t1, 25, 0);
	CHECK_NEAR(sp[WFAD_SEG_POST_SCRIPT].t1, 30, 0);
	CHECK(isnan(sp[WFAD_SEG_STAGE_IN].t0));
	CHECK_INT(wfad_gantt_job_spans(&ds.runs[0].jobs[2], 1000, sp), 1);
	CHECK(!wfad_gantt_job_incomplete(&ds.runs[0].jobs[0]));
	CHECK(wfad_gantt_job_incomplete(&ds.runs[0].jobs[2]));
	double lo, hi;
	CHECK(wfad_gantt_run_bounds(&ds, 0, &lo, &hi));
	CHECK_NEAR(lo, 1000, 0);
	CHECK_NEAR(hi, 1030, 0);
	/* b and c are ready together: DAG order breaks the tie; making c ready first swaps. */
	uint32_t order[3];
	wfad_gantt_order(&ds, 0, WFAD_GANTT_SORT_READY, order);
	CHECK_INT(order[0], 0);
	CHECK_INT(order[1], 1);
	CHECK_INT(order[2], 2);
	ds.runs[0].jobs[2].f[WFAD_F_READY] = 1005;
	wfad_gantt_order(&ds, 0, WFAD_GANTT_SORT_READY, order);
	CHECK_INT(order[1], 2);
	wfad_gantt_order(&ds, 0, WFAD_GANTT_SORT_DAG, order);
	CHECK_INT(order[1], 1);
	wfad_dataset_free(&ds);
}

/* A filled path of the SVG: the bounding box of its coordinates. */
struct svg_box {
	double x0, x1, y0, y1;
};

/* Boxes of the <path> elements whose style names the colour with both percentages (cairo
 * writes rgb(r%,g%,b%)); returns the count (at most max). */
static size_t svg_boxes(const char *svg, const char *g_pct, const char *b_pct, struct svg_box *out,
			size_t max)
{
	size_t n = 0;
	for (const char *p = strstr(svg, "<path"); p; p = strstr(p + 5, "<path")) {
		const char *end = strchr(p, '>');
		const char *d = strstr(p, " d=\"");
		if (!end || !d || d > end)
			continue;
		size_t len = (size_t)(end - p);
		char *el = strndup(p, len);
		bool match = strstr(el, g_pct) && strstr(el, b_pct) && strstr(el, "fill:rgb(0%") &&
			     !strstr(el, "stroke:rgb");
		free(el);
		if (!match)
			continue;
		struct svg_box b = {INFINITY, -INFINITY, INFINITY, -INFINITY};
		const char *q = d + 4;
		int k = 0;
		while (q < end && *q != '"') {
			char *e;
			double v = strtod(q, &e);
			if (e == q) {
				q++;
				continue;
			}
			if (k++ % 2 == 0) {
				b.x0 = v < b.x0 ? v : b.x0;
				b.x1 = v > b.x1 ? v : b.x1;
			} else {
				b.y0 = v < b.y0 ? v : b.y0;
				b.y1 = v > b.y1 ? v : b.y1;
			}
			q = e;
		}
		if (n < max)
			out[n] = b;
		n++;
	}
	return n;
}

static int cmp_box_y(const void *a, const void *b)
{
	const struct svg_box *x = a, *y = b;
	return x->y0 < y->y0 ? -1 : x->y0 > y->y0;
}

WFAD_TEST(render_svg_bars_proportional_to_delays)
{
	struct wfad_dataset ds;
	make_tiny(&ds);
	char pbuf[128];
	const char *path = tmp_path(pbuf, sizeof(pbuf), "gantt.svg");
	struct wfad_error err = {0};
	struct wfad_gantt_options opt = {0};
	CHECK_OK(wfad_render_gantt(&ds, 0, &opt, path, &err), &err);
	char *svg = NULL;
	size_t len;
	CHECK_OK(wfad_read_file(path, 1 << 24, &svg, &len, &err), &err);
	if (!svg) {
		wfad_dataset_free(&ds);
		return;
	}
	/* Runtime blue #0072B2 = rgb(0%, 44.7%, 69.8%): a bar for a and b, one legend swatch. */
	struct svg_box run_box[8], queue_box[8];
	size_t nr = svg_boxes(svg, "44.705882%", "69.803922%", run_box, 8);
	CHECK_INT(nr, 3);
	/* Queue orange #E69F00 = rgb(90.2%, 62.4%, 0%): bars of a and b and the swatch. */
	size_t nq = 0;
	for (const char *p = strstr(svg, "<path"); p; p = strstr(p + 5, "<path")) {
		const char *end = strchr(p, '>');
		char *el = end ? strndup(p, (size_t)(end - p)) : NULL;
		nq += el && strstr(el, "fill:rgb(90.196078%,62.352941%,0%)");
		free(el);
	}
	CHECK_INT(nq, 3);
	(void)queue_box;
	if (nr == 3) {
		qsort(run_box, nr, sizeof(run_box[0]), cmp_box_y);
		double wa = run_box[0].x1 - run_box[0].x0, wb = run_box[1].x1 - run_box[1].x0;
		CHECK_NEAR(wb / wa, 12.0 / 6.0, 1e-3);
		/* x = 260 + 910 * t / 30: a runs from t = 4 s, b from t = 13 s. */
		CHECK_NEAR(run_box[0].x0, 260 + 910 * 4.0 / 30, 0.01);
		CHECK_NEAR(run_box[1].x0, 260 + 910 * 13.0 / 30, 0.01);
		CHECK_NEAR(run_box[1].x1, 260 + 910 * 25.0 / 30, 0.01);
		CHECK(run_box[0].y0 < run_box[1].y0 && run_box[1].y1 < run_box[2].y0);
	}
	/* Legend entry for the incomplete job c, and its cross (no bar is dropped). */
	CHECK(strstr(svg, "<svg") != NULL);
	free(svg);
	remove(path);
	wfad_dataset_free(&ds);
}

WFAD_TEST(render_formats_and_errors)
{
	struct wfad_dataset ds;
	make_tiny(&ds);
	struct wfad_error err = {0};
	uint8_t flagged[3] = {0, 1, 0};
	struct wfad_gantt_options opt = {.flagged = flagged, .source = "test"};
	char p0[128], p1[128], p2[128];
	const char *paths[2] = {tmp_path(p0, sizeof(p0), "gantt.png"),
				tmp_path(p1, sizeof(p1), "gantt.pdf")};
	const char *magic[2] = {"\x89PNG", "%PDF"};
	for (int k = 0; k < 2; k++) {
		CHECK_OK(wfad_render_gantt(&ds, 0, &opt, paths[k], &err), &err);
		char *data = NULL;
		size_t len = 0;
		CHECK_OK(wfad_read_file(paths[k], 1 << 24, &data, &len, &err), &err);
		CHECK(data && len > 100 && memcmp(data, magic[k], 4) == 0);
		free(data);
		remove(paths[k]);
	}
	CHECK_INT(wfad_render_gantt(&ds, 0, &opt, "/nonexistent-dir/x.png", &err), WFAD_EIO);
	CHECK(strstr(err.file, "/nonexistent-dir/x.png") != NULL);
	CHECK_INT(wfad_render_gantt(&ds, 0, &opt, tmp_path(p2, sizeof(p2), "g.gif"), &err),
		  WFAD_EFORMAT);
	char buf[256];
	wfad_gantt_flag_summary(&ds, 0, flagged, "test", buf, sizeof(buf));
	CHECK_STR(buf, "1 of 3 jobs flagged by test");
	wfad_dataset_free(&ds);
}

WFAD_TEST(render_reads_score_csv)
{
	struct wfad_dataset ds;
	make_tiny(&ds);
	char pbuf[128];
	const char *path = tmp_path(pbuf, sizeof(pbuf), "scores.csv");
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f) {
		wfad_dataset_free(&ds);
		return;
	}
	fputs("workflow,run_id,run_label,job_id,transformation,host,score,confidence,verdict,"
	      "likely_class,label,reason1\n"
	      "tiny,tiny-run1,cpu_2,a_ID01,a,h,0.1,0.5,normal,,0,\n"
	      "tiny,tiny-run1,cpu_2,b_ID02,b,h,0.9,0.99,anomaly,cpu,1,\"runtime 12 s, 2x\"\n"
	      "tiny,other-run,cpu_2,c_ID03,c,h,0.9,0.99,anomaly,cpu,1,\n"
	      "tiny,tiny-run1,cpu_2,zz_ID09,c,h,0.9,0.99,anomaly,cpu,1,\n",
	      f);
	fclose(f);
	uint8_t flagged[3] = {1, 1, 1};
	size_t matched = 0;
	struct wfad_error err = {0};
	CHECK_OK(wfad_gantt_read_scores(&ds, 0, path, flagged, &matched, &err), &err);
	CHECK_INT(matched, 2);
	CHECK_INT(flagged[0], 0);
	CHECK_INT(flagged[1], 1);
	CHECK_INT(flagged[2], 0);
	f = fopen(path, "w");
	if (f) {
		fputs("a,b,c\n1,2,3\n", f);
		fclose(f);
	}
	CHECK_INT(wfad_gantt_read_scores(&ds, 0, path, flagged, &matched, &err), WFAD_EPARSE);
	remove(path);
	wfad_dataset_free(&ds);
}

WFAD_TEST(render_raster_tiny_pixels)
{
	struct wfad_dataset ds;
	make_tiny(&ds);
	enum { N = 6 };
	float px[WFAD_RASTER_CHANNELS * N * N], again[WFAD_RASTER_CHANNELS * N * N];
	wfad_render_raster(&ds, 0, N, px);
	wfad_render_raster(&ds, 0, N, again);
	CHECK(memcmp(px, again, sizeof(px)) == 0);
	/* Span 30 s, 5 s per column; job k covers rows 2k and 2k + 1. */
	float want[WFAD_RASTER_CHANNELS][3][N] = {{{0}}};
	want[WFAD_SEG_WMS][0][0] = 0.4f;
	want[WFAD_SEG_WMS][1][2] = 0.2f;
	want[WFAD_SEG_WMS][2][2] = 0.4f;
	want[WFAD_SEG_QUEUE][0][0] = 0.4f;
	want[WFAD_SEG_QUEUE][1][2] = 0.4f;
	want[WFAD_SEG_RUNTIME][0][0] = 0.2f;
	want[WFAD_SEG_RUNTIME][0][1] = 1.0f;
	want[WFAD_SEG_RUNTIME][1][2] = 0.4f;
	want[WFAD_SEG_RUNTIME][1][3] = 1.0f;
	want[WFAD_SEG_RUNTIME][1][4] = 1.0f;
	want[WFAD_SEG_POST_SCRIPT][1][5] = 1.0f;
	for (size_t x = 0; x < N; x++)
		want[WFAD_SEG_COUNT][2][x] = 1.0f;
	int bad = 0;
	for (size_t c = 0; c < WFAD_RASTER_CHANNELS; c++)
		for (size_t y = 0; y < N; y++)
			for (size_t x = 0; x < N; x++) {
				float got = px[(c * N + y) * N + x], w = want[c][y / 2][x];
				if (fabsf(got - w) > 1e-6f && bad++ < 5)
					printf("  raster c%zu y%zu x%zu: %g, want %g\n", c, y, x,
					       (double)got, (double)w);
			}
	CHECK_INT(bad, 0);
	/* A fixed span twice the run's squeezes the picture into the left half. */
	wfad_render_raster_span(&ds, 0, N, 60, px);
	CHECK_NEAR(px[(WFAD_SEG_RUNTIME * N + 2) * N + 1], 0.7, 1e-6);
	CHECK_NEAR(px[(WFAD_SEG_POST_SCRIPT * N + 2) * N + 2], 0.5, 1e-6);
	CHECK_NEAR(px[(WFAD_SEG_POST_SCRIPT * N + 2) * N + 5], 0.0, 0);
	wfad_dataset_free(&ds);
}

/* The sample's run 1000-genome-run0059, loaded into c; NULL (c freed) when it is not there. */
static const struct wfad_dataset *load_sample_run(struct wfad_collection *c)
{
	struct wfad_error err = {0};
	struct wfad_load_options opt = {.run = "1000-genome-run0059"};
	CHECK_OK(wfad_load("data/flowbench-sample", &opt, c, &err), &err);
	CHECK_INT(c->count, 1);
	if (c->count != 1) {
		wfad_collection_free(c);
		return NULL;
	}
	return c->items[0];
}

WFAD_TEST(render_sample_run_deterministic)
{
	struct wfad_collection c = {0};
	const struct wfad_dataset *ds = load_sample_run(&c);
	if (!ds)
		return;
	CHECK_INT(ds->n_runs, 1);
	enum { N = 32 };
	float *a = malloc(WFAD_RASTER_CHANNELS * N * N * sizeof(float));
	float *b = malloc(WFAD_RASTER_CHANNELS * N * N * sizeof(float));
	if (a && b) {
		wfad_render_raster(ds, 0, N, a);
		wfad_render_raster(ds, 0, N, b);
		CHECK(memcmp(a, b, WFAD_RASTER_CHANNELS * N * N * sizeof(float)) == 0);
		double runtime = 0;
		for (size_t i = 0; i < N * N; i++)
			runtime += a[WFAD_SEG_RUNTIME * N * N + i];
		CHECK(runtime > 10);
	}
	free(a);
	free(b);
	/* Two SVG renderings of the same run by the CLI are the same bytes (cairo numbers its
	 * surfaces per process, so the comparison needs two processes). */
	char f1[128], f2[128], cmd[1024];
	tmp_path(f1, sizeof(f1), "s1.svg");
	tmp_path(f2, sizeof(f2), "s2.svg");
	snprintf(cmd, sizeof(cmd),
		 "%s gantt data/flowbench-sample --run 1000-genome-run0059 -o %s && %s gantt "
		 "data/flowbench-sample --run 1000-genome-run0059 -o %s && cmp %s %s && echo same",
		 wfad_test_bin(), f1, wfad_test_bin(), f2, f1, f2);
	char *out = NULL;
	wfad_test_run(cmd, &out);
	CHECK_STR(out, "same\n");
	free(out);
	remove(f1);
	remove(f2);
	wfad_collection_free(&c);
}

WFAD_TEST(render_raster_png_same_bytes)
{
	struct wfad_dataset ds;
	make_tiny(&ds);
	char p1[128], p2[128];
	tmp_path(p1, sizeof(p1), "r1.png");
	tmp_path(p2, sizeof(p2), "r2.png");
	struct wfad_error err = {0};
	CHECK_OK(wfad_render_raster_png(&ds, 0, 16, p1, &err), &err);
	CHECK_OK(wfad_render_raster_png(&ds, 0, 16, p2, &err), &err);
	char *a = NULL, *b = NULL;
	size_t la = 0, lb = 0;
	CHECK_OK(wfad_read_file(p1, 1 << 20, &a, &la, &err), &err);
	CHECK_OK(wfad_read_file(p2, 1 << 20, &b, &lb, &err), &err);
	CHECK(a && b && la == lb && la > 8 && memcmp(a, b, la) == 0 &&
	      memcmp(a, "\x89PNG", 4) == 0);
	free(a);
	free(b);
	remove(p1);
	remove(p2);
	CHECK_INT(wfad_render_raster_png(&ds, 0, 16, "/nonexistent-dir/r.png", &err), WFAD_EIO);
	wfad_dataset_free(&ds);
}

/* Occlusion from a base raster (only the omitted job's rows painted again) gives the bytes of
 * a raster drawn from scratch without the job: with rows shared by several jobs (side 8 for
 * 137 jobs), jobs over several rows (side 256), the utilisation channels averaged or not. */
WFAD_TEST(render_raster_omit_from_base_same_bytes)
{
	struct wfad_collection c = {0};
	const struct wfad_dataset *ds = load_sample_run(&c);
	if (!ds)
		return;
	size_t m = ds->dag.n_nodes;
	double *util = malloc(m * sizeof(double)), *scale = malloc(m * sizeof(double));
	for (size_t i = 0; util && scale && i < m; i++) {
		util[i] = -0.5 + 0.01 * (double)(i % 7);
		scale[i] = 0.05 + 0.01 * (double)(i % 3);
	}
	const size_t sides[] = {8, 256};
	for (size_t si = 0; util && scale && si < 2; si++)
		for (int mean = 0; mean < 2; mean++) {
			size_t n = sides[si];
			struct wfad_raster_options opt = {
				.span = 4000, .util = util, .util_scale = scale, .util_mean = mean};
			size_t len = wfad_raster_channels(&opt) * n * n;
			CHECK_INT(wfad_raster_channels(&opt), WFAD_RASTER_UTIL_SCALED_CHANNELS);
			float *full = malloc(len * sizeof(float)), *a = malloc(len * sizeof(float));
			float *b = malloc(len * sizeof(float));
			if (!full || !a || !b) {
				free(full);
				free(a);
				free(b);
				continue;
			}
			wfad_render_raster_ex(ds, 0, n, &opt, full);
			size_t differ = 0, changed = 0;
			for (uint32_t node = 0; node < m; node++) {
				opt.omit = true;
				opt.omit_node = node;
				opt.base = NULL;
				wfad_render_raster_ex(ds, 0, n, &opt, a);
				opt.base = full;
				wfad_render_raster_ex(ds, 0, n, &opt, b);
				differ += memcmp(a, b, len * sizeof(float)) != 0;
				changed += memcmp(a, full, len * sizeof(float)) != 0;
			}
			opt.omit = false;
			CHECK_INT(differ, 0);
			/* Every job leaves a mark, except under the maximum where 17 share a row.
			 */
			CHECK(changed == m || (!mean && n < m && changed > 0));
			free(full);
			free(a);
			free(b);
		}
	free(util);
	free(scale);
	wfad_collection_free(&c);
}
