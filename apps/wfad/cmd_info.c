/* wfad info: per workflow, runs, jobs per run, DAG edges, runs per label and job counts. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int cmp_label(const void *x, const void *y)
{
	return wfad_label_compare(*(const char *const *)x, *(const char *const *)y);
}

struct labels {
	const char **names;
	size_t n;
};

static void labels_add(struct labels *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->names[i], name) == 0)
			return;
	l->names = realloc(l->names, (l->n + 1) * sizeof(*l->names));
	WFAD_ASSERT(l->names);
	l->names[l->n++] = name;
}

static size_t count_label(const struct wfad_dataset *ds, const char *label)
{
	size_t n = 0;
	for (size_t r = 0; r < ds->n_runs; r++)
		n += strcmp(ds->runs[r].label, label) == 0;
	return n;
}

static size_t anomalous_jobs(const struct wfad_dataset *ds)
{
	size_t n = 0;
	for (size_t r = 0; r < ds->n_runs; r++)
		n += wfad_run_anomalous_jobs(ds, &ds->runs[r]);
	return n;
}

static void print_table(const struct wfad_collection *c, const struct labels *l)
{
	printf("%-22s %6s %9s %7s", "workflow", "runs", "jobs/run", "edges");
	for (size_t i = 0; i < l->n; i++)
		printf(" %*s", (int)(strlen(l->names[i]) > 6 ? strlen(l->names[i]) : 6),
		       l->names[i]);
	printf("  %s\n", "anomalous/jobs");
	for (size_t d = 0; d < c->count; d++) {
		const struct wfad_dataset *ds = c->items[d];
		printf("%-22s %6zu %9zu %7zu", ds->workflow, ds->n_runs, ds->dag.n_nodes,
		       ds->dag.n_edges);
		for (size_t i = 0; i < l->n; i++)
			printf(" %*zu", (int)(strlen(l->names[i]) > 6 ? strlen(l->names[i]) : 6),
			       count_label(ds, l->names[i]));
		printf("  %zu/%zu\n", anomalous_jobs(ds), ds->n_runs * ds->dag.n_nodes);
	}
}

static json_t *workflow_json(const struct wfad_dataset *ds, const struct labels *l)
{
	json_t *labels = json_object();
	for (size_t i = 0; i < l->n; i++)
		json_object_set_new(labels, l->names[i],
				    json_integer((json_int_t)count_label(ds, l->names[i])));
	return json_pack("{s:s, s:I, s:I, s:I, s:o, s:I, s:I}", "workflow", ds->workflow, "runs",
			 (json_int_t)ds->n_runs, "jobs_per_run", (json_int_t)ds->dag.n_nodes,
			 "edges", (json_int_t)ds->dag.n_edges, "labels", labels, "jobs",
			 (json_int_t)(ds->n_runs * ds->dag.n_nodes), "anomalous_jobs",
			 (json_int_t)anomalous_jobs(ds));
}

int cmd_info(int argc, char **argv)
{
	const char *format = "table", *workflow = NULL, *dag = NULL, *run = NULL;
	const struct cli_option options[] = {
		{"format", 'f', "FMT", "table (default) or json", &format},
		{"workflow", 'w', "NAME", "only this workflow (1000-genome = 1000genome)",
		 &workflow},
		{"dag", 0, "FILE", "DAG JSON for a run CSV, zip or folder of CSVs", &dag},
		{"run", 0, "ID", "only this run", &run},
	};
	const struct cli_command cmd = {
		"info",
		"PATH [options]",
		"Describes the workflows under PATH (a Flow-Bench root in either layout, a run CSV "
		"or "
		"zip,\na Pegasus submit directory or a stampede database): runs, jobs per run, DAG "
		"edges,\nruns per label, jobs and anomalous jobs.",
		options,
		sizeof(options) / sizeof(options[0]),
		1,
		1};
	const char *pos[1];
	size_t n_pos;
	int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
	if (rc)
		return rc < 0 ? 0 : rc;
	bool json = strcmp(format, "json") == 0;
	if (!json && strcmp(format, "table") != 0) {
		fprintf(stderr, "wfad info: unknown format '%s' (table or json)\n", format);
		return EXIT_USAGE;
	}
	struct wfad_collection c = {0};
	if ((rc = cli_load(pos[0], workflow, dag, run, &c)))
		return rc;
	struct labels l = {0};
	for (size_t d = 0; d < c.count; d++)
		for (size_t r = 0; r < c.items[d]->n_runs; r++)
			labels_add(&l, c.items[d]->runs[r].label);
	if (l.n)
		qsort(l.names, l.n, sizeof(*l.names), cmp_label);
	if (json) {
		json_t *out;
		if (c.count == 1) {
			out = workflow_json(c.items[0], &l);
		} else {
			out = json_array();
			for (size_t d = 0; d < c.count; d++)
				json_array_append_new(out, workflow_json(c.items[d], &l));
		}
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(out);
	} else {
		print_table(&c, &l);
	}
	free(l.names);
	wfad_collection_free(&c);
	return 0;
}
