/* wfad score: apply a model to runs: per job its score, verdict, confidence, likely fault and
 * why; per run how many jobs were flagged, on which hosts, and the likely fault. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "wfad/model.h"
#include "wfad/runlevel.h"

enum { MAX_REASONS = 5 };

struct host_count {
	uint32_t host;
	size_t flagged, jobs;
};

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int cmp_hosts(const void *a, const void *b)
{
	const struct host_count *x = a, *y = b;
	if (x->flagged != y->flagged)
		return x->flagged > y->flagged ? -1 : 1;
	return x->host < y->host ? -1 : x->host > y->host;
}

/* Per-run summary: flagged hosts (sorted by flagged jobs) and the majority likely class. */
static size_t summarise(const struct wfad_dataset *ds, const struct wfad_run *run,
			const uint8_t *flag, const uint8_t *cls, struct host_count *hosts,
			enum wfad_anomaly *likely)
{
	size_t nh = 0, votes[WFAD_ANOMALY_COUNT] = {0};
	for (size_t i = 0; i < ds->dag.n_nodes; i++) {
		uint32_t h = run->jobs[i].host;
		if (flag[i])
			votes[cls[i]]++;
		if (h == WFAD_NO_ID)
			continue;
		size_t k = 0;
		while (k < nh && hosts[k].host != h)
			k++;
		if (k == nh)
			hosts[nh++] = (struct host_count){h, 0, 0};
		hosts[k].jobs++;
		hosts[k].flagged += flag[i];
	}
	qsort(hosts, nh, sizeof(*hosts), cmp_hosts);
	*likely = WFAD_ANOMALY_NONE;
	size_t best = 0;
	for (int a = 1; a < WFAD_ANOMALY_COUNT; a++)
		if (votes[a] > best) {
			best = votes[a];
			*likely = (enum wfad_anomaly)a;
		}
	return nh;
}

/* wfad score with a run-level model: per run its verdict (the most likely run label), the
 * probabilities, and the jobs that pushed it away from normal. */
static int score_runs(const char *model_path, const char *path, const char *workflow,
		      const char *dag, const char *run_id, bool json, bool csv, size_t n_top)
{
	struct wfad_run_model m = {0};
	struct wfad_error err;
	wfad_error_clear(&err);
	if (wfad_run_model_load(&m, model_path, &err) != WFAD_OK) {
		cli_error(&err);
		return EXIT_DATA;
	}
	struct wfad_collection c = {0};
	int rc = cli_load(path, workflow ? workflow : m.workflow, dag, run_id, &c);
	if (rc) {
		wfad_run_model_free(&m);
		return rc;
	}
	const struct wfad_dataset *ds = NULL;
	size_t K = m.n_classes, *runs = NULL, top[MAX_REASONS];
	double *proba = NULL, *push = NULL, share[MAX_REASONS], rval[MAX_REASONS];
	char reason[MAX_REASONS][WFAD_RUN_REASON_LEN];
	const char **feat = NULL;
	if ((rc = cli_pick_dataset(&c, &ds)))
		goto cleanup;
	size_t nodes = ds->dag.n_nodes;
	runs = malloc((ds->n_runs + 1) * sizeof(size_t));
	proba = malloc((ds->n_runs * K + 1) * sizeof(double));
	push = malloc((nodes + 1) * sizeof(double));
	feat = malloc((nodes + 1) * sizeof(*feat));
	rc = EXIT_DATA;
	if (!runs || !proba || !push || !feat) {
		fprintf(stderr, "wfad score: out of memory\n");
		goto cleanup;
	}
	for (size_t r = 0; r < ds->n_runs; r++)
		runs[r] = r;
	if (wfad_run_model_predict(&m, ds, runs, ds->n_runs, proba, &err) != WFAD_OK)
		goto fail;
	if (csv) {
		printf("workflow,run_id,run_label,in_training,verdict,probability,p_%s",
		       m.classes[0]);
		for (size_t k = 0; k < n_top; k++)
			printf(",job%zu,host%zu,share%zu,feature%zu", k + 1, k + 1, k + 1, k + 1);
		printf(",run_reasons\n");
	} else if (json) {
		printf("{\"model\": {\"run_classifier\": \"%s\", \"trained_on\": ", m.ops->name);
		json_str(m.workflow);
		printf(", \"classes\": [");
		for (size_t k = 0; k < K; k++) {
			printf("%s", k ? ", " : "");
			json_str(m.classes[k]);
		}
		printf("]}, \"workflow\": ");
		json_str(ds->workflow);
		printf(", \"runs\": [");
	} else {
		printf("%s: %s run-level model (trained on %zu runs of %s)\n", ds->workflow,
		       m.ops->name, m.n_train_runs, m.workflow);
	}
	for (size_t r = 0; r < ds->n_runs; r++) {
		const struct wfad_run *run = &ds->runs[r];
		const double *p = proba + r * K;
		int fitted = wfad_run_model_fitted_on(&m, run->id);
		size_t best = wfad_run_verdict(p, K);
		size_t nt = 0, nr = 0;
		if (best != 0 && m.ops->explain) {
			if (wfad_run_model_explain(&m, ds, r, best, push, feat, &err) != WFAD_OK)
				goto fail;
			nt = cli_top_jobs(push, nodes, n_top, top, share);
		}
		if (best != 0 && m.ops->explain_features &&
		    wfad_run_model_explain_features(&m, ds, r, best, n_top, reason, rval, &nr,
						    &err) != WFAD_OK)
			goto fail;
		if (csv) {
			cli_csv_string(stdout, ds->workflow);
			putchar(',');
			cli_csv_string(stdout, run->id);
			putchar(',');
			cli_csv_string(stdout, run->label ? run->label : "");
			printf(",%d,", fitted);
			cli_csv_string(stdout, m.classes[best]);
			printf(",%.4f,%.4f", p[best], p[0]);
			for (size_t k = 0; k < n_top; k++) {
				putchar(',');
				if (k < nt) {
					cli_csv_string(stdout, ds->dag.node_ids[top[k]]);
					putchar(',');
					cli_csv_string(stdout, wfad_dataset_string(
								       ds, run->jobs[top[k]].host));
					printf(",%.4f,", share[k]);
					cli_csv_string(stdout, feat[top[k]] ? feat[top[k]] : "");
				} else {
					printf(",,,");
				}
			}
			putchar(',');
			char why[MAX_REASONS * (WFAD_RUN_REASON_LEN + 16)] = "";
			for (size_t k = 0, at = 0; k < nr; k++)
				at += (size_t)snprintf(why + at, sizeof(why) - at, "%s%s (+%.3g)",
						       k ? "; " : "", reason[k], rval[k]);
			cli_csv_string(stdout, why);
			putchar('\n');
		} else if (json) {
			printf("%s\n {\"run\": ", r ? "," : "");
			json_str(run->id);
			printf(", \"label\": ");
			json_str(run->label ? run->label : "");
			printf(", \"in_training\": %s, \"verdict\": ", fitted ? "true" : "false");
			json_str(m.classes[best]);
			printf(", \"probabilities\": {");
			for (size_t k = 0; k < K; k++) {
				printf("%s", k ? ", " : "");
				json_str(m.classes[k]);
				printf(": %.6f", p[k]);
			}
			printf("}, \"why\": [");
			for (size_t k = 0; k < nt; k++) {
				printf("%s{\"job\": ", k ? ", " : "");
				json_str(ds->dag.node_ids[top[k]]);
				printf(", \"host\": ");
				json_str(wfad_dataset_string(ds, run->jobs[top[k]].host));
				printf(", \"share\": %.4f, \"feature\": ", share[k]);
				json_str(feat[top[k]] ? feat[top[k]] : "");
				putchar('}');
			}
			printf("], \"run_reasons\": [");
			for (size_t k = 0; k < nr; k++) {
				printf("%s{\"feature\": ", k ? ", " : "");
				json_str(reason[k]);
				printf(", \"contribution\": %.6g}", rval[k]);
			}
			printf("]}");
		} else {
			printf("run %s (label %s%s): %s, p %.2f (%s %.2f)", run->id,
			       run->label ? run->label : "?", fitted ? ", a training run" : "",
			       m.classes[best], p[best], m.classes[0], p[0]);
			for (size_t k = 0; k < nt; k++)
				printf("%s %s on %s (%.0f%%%s%s)", k ? "," : "; driven by",
				       ds->dag.node_ids[top[k]],
				       wfad_dataset_string(ds, run->jobs[top[k]].host),
				       100.0 * share[k], feat[top[k]] ? ", " : "",
				       feat[top[k]] ? feat[top[k]] : "");
			for (size_t k = 0; k < nr; k++)
				printf("%s %s (+%.2f)", k ? "," : "; why:", reason[k], rval[k]);
			putchar('\n');
		}
	}
	if (json)
		printf("\n]}\n");
	rc = 0;
	goto cleanup;
fail:
	cli_error(&err);
cleanup:
	free(runs);
	free(proba);
	free(push);
	free(feat);
	wfad_collection_free(&c);
	wfad_run_model_free(&m);
	return rc;
}

int cmd_score(int argc, char **argv)
{
	const char *model_path = NULL, *workflow = NULL, *dag = NULL, *run_id = NULL,
		   *format = "table", *all = NULL, *top = "3";
	const struct cli_option options[] = {
		{"model", 'm', "FILE",
		 "model file from 'wfad train' (required; job level, or run level with --task run)",
		 &model_path},
		{"format", 'f', "FMT", "table (default), csv or json", &format},
		{"all", 'a', NULL, "table: list every job, not only the flagged ones", &all},
		{"reasons", 0, "N",
		 "reasons given per flagged job, or jobs per run for a run-level model (default 3)",
		 &top},
		{"workflow", 'w', "NAME", "the workflow under PATH", &workflow},
		{"run", 0, "ID", "only this run", &run_id},
		{"dag", 0, "FILE", "DAG JSON for a run CSV, zip or folder", &dag},
	};
	const struct cli_command cmd = {
		"score",
		"--model FILE RUN_OR_PATH [options]",
		"Scores every job of the runs under RUN_OR_PATH with a trained model. Per job: "
		"score,\nverdict at the model's threshold, confidence (share of normal validation "
		"jobs scoring\nlower), the likely fault family, and the features that drove the "
		"score. Per run:\nhow many jobs were flagged, on which hosts, and the likely "
		"fault. With a run-level model:\nper run its most likely label, the "
		"probabilities, and the jobs (and hosts) that\npushed it away from normal.",
		options,
		sizeof(options) / sizeof(options[0]),
		1,
		1};
	const char *pos[1];
	size_t n_pos;
	int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
	if (rc)
		return rc < 0 ? 0 : rc;
	if (!model_path) {
		return cli_usage_error(&cmd, "--model is required");
	}
	bool json = strcmp(format, "json") == 0, csv = strcmp(format, "csv") == 0;
	if (!json && !csv && strcmp(format, "table") != 0) {
		fprintf(stderr, "wfad score: unknown format '%s' (table, csv or json)\n", format);
		return EXIT_USAGE;
	}
	long n_top;
	if (!cli_parse_long(top, 0, 1000, &n_top)) {
		fprintf(stderr, "wfad score: --reasons takes a whole number\n");
		return EXIT_USAGE;
	}
	size_t n_reasons = n_top > MAX_REASONS ? MAX_REASONS : (size_t)n_top;
	if (wfad_run_model_is_file(model_path))
		return score_runs(model_path, pos[0], workflow, dag, run_id, json, csv, n_reasons);
	struct wfad_model m;
	wfad_model_init(&m);
	struct wfad_error err;
	wfad_error_clear(&err);
	if (wfad_model_load(&m, model_path, &err) != WFAD_OK) {
		cli_error(&err);
		return EXIT_DATA;
	}
	struct wfad_collection c = {0};
	if ((rc = cli_load(pos[0], workflow, dag, run_id, &c))) {
		wfad_model_free(&m);
		return rc;
	}
	const struct wfad_dataset *ds;
	double *scores = NULL;
	uint8_t *flag = NULL, *cls = NULL;
	struct host_count *hosts = NULL;
	struct wfad_reason *reasons = NULL;
	size_t *n_why = NULL;
	size_t *runs = NULL;
	if ((rc = cli_pick_dataset(&c, &ds)))
		goto cleanup;
	size_t nodes = ds->dag.n_nodes, n = ds->n_runs * nodes;
	scores = malloc((n + 1) * sizeof(double));
	flag = calloc(n + 1, 1);
	cls = calloc(n + 1, 1);
	hosts = malloc((nodes + 1) * sizeof(*hosts));
	reasons = malloc((nodes * n_reasons + 1) * sizeof(*reasons));
	n_why = malloc((nodes + 1) * sizeof(*n_why));
	runs = malloc((ds->n_runs + 1) * sizeof(size_t));
	if (!scores || !flag || !cls || !hosts || !reasons || !n_why || !runs) {
		fprintf(stderr, "wfad score: out of memory\n");
		rc = EXIT_DATA;
		goto cleanup;
	}
	for (size_t r = 0; r < ds->n_runs; r++)
		runs[r] = r;
	if (wfad_model_score(&m, ds, runs, ds->n_runs, scores, &err) != WFAD_OK) {
		cli_error(&err);
		rc = EXIT_DATA;
		goto cleanup;
	}
	for (size_t r = 0; r < ds->n_runs; r++)
		wfad_model_guess_classes(&m, ds, r, &cls[r * nodes]);
	for (size_t i = 0; i < n; i++) {
		flag[i] = scores[i] >= m.threshold;
		if (!flag[i])
			cls[i] = WFAD_ANOMALY_NONE; /* a fault is only named for flagged jobs */
	}
	if (csv) {
		printf("workflow,run_id,run_label,job_id,transformation,host,score,confidence,"
		       "verdict,likely_class,label");
		for (size_t k = 0; k < n_reasons; k++)
			printf(",reason%zu", k + 1);
		putchar('\n');
	} else if (json) {
		printf("{\"model\": {\"detector\": \"%s\", \"trained_on\": ", m.ops->name);
		json_str(m.workflow);
		printf(", \"threshold\": %.17g}, \"workflow\": ", m.threshold);
		json_str(ds->workflow);
		printf(", \"runs\": [");
	}
	for (size_t r = 0; r < ds->n_runs; r++) {
		const struct wfad_run *run = &ds->runs[r];
		enum wfad_anomaly likely;
		size_t nh = summarise(ds, run, &flag[r * nodes], &cls[r * nodes], hosts, &likely);
		size_t flagged = 0;
		for (size_t i = 0; i < nodes; i++)
			flagged += flag[r * nodes + i];
		if (json) {
			printf("%s\n {\"run\": ", r ? "," : "");
			json_str(run->id);
			printf(", \"label\": ");
			json_str(run->label);
			printf(", \"jobs\": %zu, \"flagged\": %zu, \"likely_class\": \"%s\", "
			       "\"hosts\": [",
			       nodes, flagged, flagged ? wfad_anomaly_name(likely) : "none");
			bool first = true;
			for (size_t h = 0; h < nh; h++) {
				if (!hosts[h].flagged)
					continue;
				printf("%s{\"host\": ", first ? "" : ", ");
				json_str(wfad_dataset_string(ds, hosts[h].host));
				printf(", \"flagged\": %zu, \"jobs\": %zu}", hosts[h].flagged,
				       hosts[h].jobs);
				first = false;
			}
			printf("], \"job_scores\": [");
		} else if (!csv) {
			printf("run %s (label %s): %zu of %zu jobs flagged", run->id, run->label,
			       flagged, nodes);
			if (flagged) {
				printf("; likely fault: %s; hosts:", wfad_anomaly_name(likely));
				size_t shown = 0, more = 0;
				for (size_t h = 0; h < nh && hosts[h].flagged; h++) {
					if (shown == 5) {
						more++;
						continue;
					}
					printf("%s %s (%zu of %zu jobs)", shown ? "," : "",
					       wfad_dataset_string(ds, hosts[h].host),
					       hosts[h].flagged, hosts[h].jobs);
					shown++;
				}
				if (more)
					printf(" and %zu more", more);
			}
			putchar('\n');
			if (flagged || all)
				printf("  %-40s %8s %5s %-7s %-7s %s\n", "job", "score", "conf",
				       "verdict", "fault", "why");
		}
		wfad_model_explain_run(&m, ds, r, &flag[r * nodes], reasons, n_reasons, n_why);
		for (size_t i = 0; i < nodes; i++) {
			size_t row = r * nodes + i;
			const struct wfad_job *j = &run->jobs[i];
			const struct wfad_reason *why = &reasons[i * n_reasons];
			size_t nw = n_why[i];
			double conf = wfad_model_confidence(&m, scores[row]);
			const char *verdict = flag[row] ? "anomaly" : "normal";
			const char *fault = flag[row] ? wfad_anomaly_name(cls[row]) : "";
			if (csv) {
				cli_csv_string(stdout, ds->workflow);
				putchar(',');
				cli_csv_string(stdout, run->id);
				putchar(',');
				cli_csv_string(stdout, run->label);
				putchar(',');
				cli_csv_string(stdout, ds->dag.node_ids[i]);
				putchar(',');
				cli_csv_string(stdout, wfad_dataset_string(ds, j->transformation));
				putchar(',');
				cli_csv_string(stdout, wfad_dataset_string(ds, j->host));
				printf(",%.9g,%.4f,%s,%s,%d", scores[row], conf, verdict, fault,
				       j->label);
				for (size_t k = 0; k < n_reasons; k++) {
					putchar(',');
					if (k < nw)
						cli_csv_string(stdout, why[k].text);
				}
				putchar('\n');
			} else if (json) {
				printf("%s\n  {\"job\": ", i ? "," : "");
				json_str(ds->dag.node_ids[i]);
				printf(", \"host\": ");
				json_str(wfad_dataset_string(ds, j->host));
				printf(", \"score\": %.9g, \"confidence\": %.4f, \"verdict\": "
				       "\"%s\"",
				       scores[row], conf, verdict);
				if (flag[row])
					printf(", \"likely_class\": \"%s\"", fault);
				printf(", \"reasons\": [");
				for (size_t k = 0; k < nw; k++) {
					printf("%s{\"feature\": ", k ? ", " : "");
					json_str(why[k].feature);
					printf(", \"text\": ");
					json_str(why[k].text);
					printf(", \"contribution\": %.6g}", why[k].contribution);
				}
				printf("]}");
			} else if (flag[row] || all) {
				printf("  %-40s %8.4g %5.2f %-7s %-7s", ds->dag.node_ids[i],
				       scores[row], conf, verdict, fault);
				for (size_t k = 0; k < nw; k++)
					printf("%s%s", k ? "; " : " ", why[k].text);
				putchar('\n');
			}
		}
		if (json)
			printf("]}");
	}
	if (json)
		printf("\n]}\n");
	rc = 0;
cleanup:
	free(scores);
	free(flag);
	free(cls);
	free(hosts);
	free(reasons);
	free(n_why);
	free(runs);
	wfad_collection_free(&c);
	wfad_model_free(&m);
	return rc;
}
