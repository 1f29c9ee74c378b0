/* wfad export: the normalised job table, one row per job, as CSV or JSON lines. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Shortest decimal text that reads back to the same double. */
static void fmt_double(char *buf, size_t size, double v)
{
	snprintf(buf, size, "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, size, "%.17g", v);
}

static void put_json_string(FILE *out, const char *s)
{
	putc('"', out);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			putc(ch, out);
	}
	putc('"', out);
}

static const char *const text_columns[] = {"workflow", "run_id",         "run_label", "job_id",
					   "type",     "transformation", "host",      "site"};
static const char *const tail_columns[] = {"exit_code", "attempts", "failed",       "clustered",
					   "depth",     "label",    "anomaly_class"};

static void write_header(FILE *out)
{
	for (size_t i = 0; i < sizeof(text_columns) / sizeof(*text_columns); i++)
		fprintf(out, "%s%s", i ? "," : "", text_columns[i]);
	for (int f = 0; f < WFAD_F_COUNT; f++)
		fprintf(out, ",%s", wfad_field_name((enum wfad_field)f));
	for (size_t i = 0; i < sizeof(tail_columns) / sizeof(*tail_columns); i++)
		fprintf(out, ",%s", tail_columns[i]);
	putc('\n', out);
}

static void write_job(FILE *out, bool jsonl, const struct wfad_dataset *ds,
		      const struct wfad_run *run, size_t node)
{
	const struct wfad_job *j = &run->jobs[node];
	const char *text[] = {ds->workflow,
			      run->id,
			      run->label,
			      ds->dag.node_ids[node],
			      wfad_job_type_name((enum wfad_job_type)j->type),
			      wfad_dataset_string(ds, j->transformation),
			      wfad_dataset_string(ds, j->host),
			      wfad_dataset_string(ds, j->site)};
	char num[40];
	if (jsonl)
		putc('{', out);
	for (size_t i = 0; i < sizeof(text) / sizeof(*text); i++) {
		if (jsonl) {
			fprintf(out, "%s\"%s\":", i ? "," : "", text_columns[i]);
			put_json_string(out, text[i]);
		} else {
			if (i)
				putc(',', out);
			cli_csv_string(out, text[i]);
		}
	}
	for (int f = 0; f < WFAD_F_COUNT; f++) {
		double v = j->f[f];
		if (jsonl)
			fprintf(out, ",\"%s\":", wfad_field_name((enum wfad_field)f));
		else
			putc(',', out);
		if (isnan(v)) {
			if (jsonl)
				fputs("null", out);
		} else {
			fmt_double(num, sizeof(num), v);
			fputs(num, out);
		}
	}
	long long tail[] = {j->exit_code, j->attempts,         j->failed,
			    j->clustered, ds->dag.depth[node], j->label};
	for (size_t i = 0; i < sizeof(tail) / sizeof(*tail); i++) {
		if (jsonl)
			fprintf(out, ",\"%s\":", tail_columns[i]);
		else
			putc(',', out);
		if (i == 0 && j->exit_code == INT32_MIN) {
			if (jsonl)
				fputs("null", out);
		} else {
			fprintf(out, "%lld", tail[i]);
		}
	}
	const char *cls = wfad_anomaly_name((enum wfad_anomaly)j->anomaly);
	if (jsonl) {
		fprintf(out, ",\"anomaly_class\":");
		put_json_string(out, cls);
		fputs("}\n", out);
	} else {
		fprintf(out, ",%s\n", cls);
	}
}

int cmd_export(int argc, char **argv)
{
	const char *format = "csv", *workflow = NULL, *dag = NULL, *run = NULL, *output = NULL;
	const struct cli_option options[] = {
		{"format", 'f', "FMT", "csv (default) or jsonl", &format},
		{"output", 'o', "FILE", "write here instead of standard output", &output},
		{"workflow", 'w', "NAME", "only this workflow", &workflow},
		{"dag", 0, "FILE", "DAG JSON for a run CSV, zip or folder of CSVs", &dag},
		{"run", 0, "ID", "only this run", &run},
	};
	const struct cli_command cmd = {
		"export",
		"PATH [options]",
		"Writes the normalised job table: one row per job with workflow, run, job id, "
		"type,\n"
		"transformation, host, site, the Pegasus timestamps and delays, bytes, kickstart\n"
		"counters, exit code, attempts, DAG depth, label (0/1) and anomaly class.\n"
		"Missing values are empty (csv) or null (jsonl).",
		options,
		sizeof(options) / sizeof(options[0]),
		1,
		1};
	const char *pos[1];
	size_t n_pos;
	int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
	if (rc)
		return rc < 0 ? 0 : rc;
	bool jsonl = strcmp(format, "jsonl") == 0;
	if (!jsonl && strcmp(format, "csv") != 0) {
		fprintf(stderr, "wfad export: unknown format '%s' (csv or jsonl)\n", format);
		return EXIT_USAGE;
	}
	struct wfad_collection c = {0};
	if ((rc = cli_load(pos[0], workflow, dag, run, &c)))
		return rc;
	FILE *out = stdout;
	if (output && !(out = fopen(output, "w"))) {
		fprintf(stderr, "wfad: %s: cannot write: %s\n", output, strerror(errno));
		wfad_collection_free(&c);
		return EXIT_DATA;
	}
	if (!jsonl)
		write_header(out);
	for (size_t d = 0; d < c.count; d++) {
		const struct wfad_dataset *ds = c.items[d];
		for (size_t r = 0; r < ds->n_runs; r++)
			for (size_t i = 0; i < ds->dag.n_nodes; i++)
				write_job(out, jsonl, ds, &ds->runs[r], i);
	}
	rc = 0;
	if (fflush(out) != 0 || ferror(out)) {
		fprintf(stderr, "wfad: %s: write error: %s\n", output ? output : "stdout",
			strerror(errno));
		rc = EXIT_DATA;
	}
	if (out != stdout)
		fclose(out);
	wfad_collection_free(&c);
	return rc;
}
