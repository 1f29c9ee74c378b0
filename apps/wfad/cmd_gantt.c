/* wfad gantt: draw one run as a Gantt chart (PNG, SVG or PDF), optionally marking the jobs a
 * model or a scores CSV flagged; or write its fixed-size raster (--raster N). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "wfad/model.h"
#include "wfad/runlevel.h"
#include "wfad/render.h"

/* fontconfig, under cairo's text, keeps its configuration until exit, which LeakSanitizer
 * reports in asan builds; the sanitizer runtime reads this hook (unused otherwise). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\n";
}

/* Writes the raster as text: a header line, then per channel n lines of n values. */
static int write_raster(const struct wfad_dataset *ds, size_t run, size_t n, const char *path)
{
	float *px = malloc((size_t)WFAD_RASTER_CHANNELS * n * n * sizeof(float));
	if (!px) {
		fprintf(stderr, "wfad gantt: out of memory\n");
		return EXIT_DATA;
	}
	wfad_render_raster(ds, run, n, px);
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	if (!f) {
		fprintf(stderr, "wfad: %s: cannot write: %s\n", path, strerror(errno));
		free(px);
		return EXIT_DATA;
	}
	fprintf(f, "# wfad raster run=%s channels=%d n=%zu order=", ds->runs[run].id,
		WFAD_RASTER_CHANNELS, n);
	for (int c = 0; c < WFAD_SEG_COUNT; c++)
		fprintf(f, "%s%s", c ? "," : "",
			wfad_gantt_segment_name((enum wfad_gantt_segment)c));
	fprintf(f, ",incomplete\n");
	for (size_t c = 0; c < WFAD_RASTER_CHANNELS; c++)
		for (size_t y = 0; y < n; y++)
			for (size_t x = 0; x < n; x++)
				fprintf(f, "%.4g%c", px[(c * n + y) * n + x],
					x + 1 < n ? ' ' : '\n');
	int rc = ferror(f) ? EXIT_DATA : 0;
	if (f != stdout && fclose(f) != 0)
		rc = EXIT_DATA;
	if (rc)
		fprintf(stderr, "wfad: %s: write failed\n", path);
	free(px);
	return rc;
}

/* A run-level model's verdict on run 0 of ds: source says "gnnrun: cpu_3 (p 0.81)" and
 * flagged marks the (up to 3) jobs that drove a verdict other than normal. */
static int run_model_flags(const struct wfad_dataset *ds, const char *path, uint8_t *flagged,
			   char *source, size_t size)
{
	enum { TOP = 3 };
	struct wfad_run_model m = {0};
	struct wfad_error err;
	wfad_error_clear(&err);
	size_t nodes = ds->dag.n_nodes, run0 = 0, top[TOP];
	double *proba = NULL, *push = malloc((nodes + 1) * sizeof(double)), share[TOP];
	int rc = EXIT_DATA;
	if (wfad_run_model_load(&m, path, &err) != WFAD_OK)
		goto fail;
	if (!push || !(proba = malloc(m.n_classes * sizeof(double)))) {
		fprintf(stderr, "wfad gantt: out of memory\n");
		goto cleanup;
	}
	if (wfad_run_model_predict(&m, ds, &run0, 1, proba, &err) != WFAD_OK)
		goto fail;
	size_t best = wfad_run_verdict(proba, m.n_classes);
	snprintf(source, size, "%s: %s (p %.2f)", m.ops->name, m.classes[best], proba[best]);
	if (best != 0 && m.ops->explain) {
		if (wfad_run_model_explain(&m, ds, 0, best, push, NULL, &err) != WFAD_OK)
			goto fail;
		size_t nt = cli_top_jobs(push, nodes, TOP, top, share);
		for (size_t k = 0; k < nt; k++)
			flagged[top[k]] = 1;
	}
	rc = 0;
	goto cleanup;
fail:
	cli_error(&err);
cleanup:
	free(proba);
	free(push);
	wfad_run_model_free(&m);
	return rc;
}

int cmd_gantt(int argc, char **argv)
{
	const char *out = NULL, *scores_path = NULL, *model_path = NULL, *sort = "ready",
		   *run_id = NULL, *workflow = NULL, *dag = NULL, *raster = NULL, *width = NULL;
	const struct cli_option options[] = {
		{"output", 'o', "FILE", "chart file: .png, .svg or .pdf (required)", &out},
		{"scores", 0, "CSV", "mark the jobs 'wfad score --format csv' flagged",
		 &scores_path},
		{"model", 'm', "FILE",
		 "score the run with this model and mark flagged jobs (a run-level model: its "
		 "verdict, and the jobs that drove it)",
		 &model_path},
		{"sort", 0, "ORDER", "job order: ready (default) or dag", &sort},
		{"run", 0, "ID", "the run to draw when RUN holds several", &run_id},
		{"workflow", 'w', "NAME", "the workflow under RUN", &workflow},
		{"dag", 0, "FILE", "DAG JSON for a run CSV, zip or folder", &dag},
		{"raster", 0, "N",
		 "write the N x N model raster instead: PNG for .png, else text (- = stdout)",
		 &raster},
		{"width", 0, "PX", "chart width (default 1200)", &width},
	};
	const struct cli_command cmd = {
		"gantt",
		"RUN -o FILE [options]",
		"Draws one run as a Gantt chart: a bar per job from ready to post-script, with "
		"the\nwms delay, pre-script, queue, runtime, stage-in, stage-out and post-script "
		"parts\ncoloured. --model or --scores outline the flagged jobs and say which hosts "
		"they ran on.",
		options,
		sizeof(options) / sizeof(options[0]),
		1,
		1};
	const char *pos[1];
	size_t n_pos;
	int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!out) {
		return cli_usage_error(&cmd, "--output is required");
	}
	struct wfad_gantt_options go = {0};
	if (strcmp(sort, "ready") == 0)
		go.sort = WFAD_GANTT_SORT_READY;
	else if (strcmp(sort, "dag") == 0)
		go.sort = WFAD_GANTT_SORT_DAG;
	else {
		fprintf(stderr, "wfad gantt: unknown --sort '%s' (ready or dag)\n", sort);
		return EXIT_USAGE;
	}
	if (scores_path && model_path) {
		fprintf(stderr, "wfad gantt: give --scores or --model, not both\n");
		return EXIT_USAGE;
	}
	long raster_n = 0;
	if (raster) {
		if (!cli_parse_long(raster, 1, 4096, &raster_n)) {
			fprintf(stderr, "wfad gantt: --raster wants a size from 1 to 4096\n");
			return EXIT_USAGE;
		}
	}
	if (width) {
		go.width = atof(width);
		if (!(go.width >= 400 && go.width <= 20000)) {
			fprintf(stderr, "wfad gantt: --width wants 400 to 20000\n");
			return EXIT_USAGE;
		}
	}
	struct wfad_collection c = {0};
	struct wfad_model m;
	wfad_model_init(&m);
	uint8_t *flagged = NULL;
	double *scores = NULL;
	struct wfad_error err;
	wfad_error_clear(&err);
	if ((rc = cli_load(pos[0], workflow, dag, run_id, &c)))
		goto cleanup;
	const struct wfad_dataset *ds;
	if ((rc = cli_pick_dataset(&c, &ds)))
		goto cleanup;
	if (ds->n_runs != 1) {
		fprintf(stderr, "wfad gantt: %s holds %zu runs of %s; pick one with --run ID\n",
			pos[0], ds->n_runs, ds->workflow);
		rc = EXIT_USAGE;
		goto cleanup;
	}
	if (raster) {
		size_t len = strlen(out);
		if (len > 4 && strcmp(out + len - 4, ".png") == 0) {
			if (wfad_render_raster_png(ds, 0, (size_t)raster_n, out, &err) != WFAD_OK) {
				cli_error(&err);
				rc = EXIT_DATA;
			}
		} else {
			rc = write_raster(ds, 0, (size_t)raster_n, out);
		}
		goto cleanup;
	}
	size_t nodes = ds->dag.n_nodes;
	char source[300];
	if (scores_path || model_path) {
		flagged = calloc(nodes + 1, 1);
		scores = malloc((nodes + 1) * sizeof(double));
		if (!flagged || !scores) {
			fprintf(stderr, "wfad gantt: out of memory\n");
			rc = EXIT_DATA;
			goto cleanup;
		}
	}
	if (scores_path) {
		size_t matched = 0;
		if (wfad_gantt_read_scores(ds, 0, scores_path, flagged, &matched, &err) !=
		    WFAD_OK) {
			cli_error(&err);
			rc = EXIT_DATA;
			goto cleanup;
		}
		if (matched == 0)
			fprintf(stderr, "wfad gantt: warning: %s has no rows for run %s\n",
				scores_path, ds->runs[0].id);
		snprintf(source, sizeof(source), "%s", scores_path);
		go.source = source;
	} else if (model_path && wfad_run_model_is_file(model_path)) {
		if ((rc = run_model_flags(ds, model_path, flagged, source, sizeof(source))))
			goto cleanup;
		go.source = source;
	} else if (model_path) {
		if (wfad_model_load(&m, model_path, &err) != WFAD_OK) {
			cli_error(&err);
			rc = EXIT_DATA;
			goto cleanup;
		}
		size_t run0 = 0;
		if (wfad_model_score(&m, ds, &run0, 1, scores, &err) != WFAD_OK) {
			cli_error(&err);
			rc = EXIT_DATA;
			goto cleanup;
		}
		for (size_t i = 0; i < nodes; i++)
			flagged[i] = scores[i] >= m.threshold;
		snprintf(source, sizeof(source), "model %s", m.ops->name);
		go.source = source;
	}
	go.flagged = flagged;
	if (wfad_render_gantt(ds, 0, &go, out, &err) != WFAD_OK) {
		cli_error(&err);
		rc = EXIT_DATA;
		goto cleanup;
	}
	rc = 0;
cleanup:
	free(flagged);
	free(scores);
	wfad_model_free(&m);
	wfad_collection_free(&c);
	return rc;
}
