/* Tests of the Flow-Bench readers and wfad_load: layouts, values, labels, bad input. */
#include <stdlib.h>

#include "test.h"
#include "wfad/ingest.h"

#include "../src/ingest/csv_split.h"

#define MINI "tests/data/flowbench-mini"
#define EHT_DAG MINI "/adjacency_list_dags/eht_imaging.json"

static const struct wfad_dataset *find_workflow(const struct wfad_collection *c, const char *name)
{
	for (size_t i = 0; i < c->count; i++)
		if (strcmp(c->items[i]->workflow, name) == 0)
			return c->items[i];
	return NULL;
}

static const struct wfad_run *find_run(const struct wfad_dataset *ds, const char *id)
{
	for (size_t i = 0; i < ds->n_runs; i++)
		if (strcmp(ds->runs[i].id, id) == 0)
			return &ds->runs[i];
	return NULL;
}

static uint32_t node_of(const struct wfad_dataset *ds, const char *id)
{
	uint32_t n = WFAD_NO_ID;
	wfad_strings_find(&ds->dag.ids, id, strlen(id), &n);
	return n;
}

WFAD_TEST(load_root_with_both_layouts)
{
	struct wfad_collection c = {0};
	struct wfad_error err = {0};
	CHECK_OK(wfad_load(MINI, NULL, &c, &err), &err);
	CHECK_INT(c.count, 2);
	const struct wfad_dataset *eht = find_workflow(&c, "eht_imaging");
	const struct wfad_dataset *som = find_workflow(&c, "somospie");
	CHECK(eht && som);
	if (!eht || !som)
		goto cleanup;
	CHECK_INT(eht->n_runs, 10);
	CHECK_INT(eht->dag.n_nodes, 12);
	CHECK_INT(eht->dag.n_edges, 18);
	CHECK_INT(som->n_runs, 5);
	CHECK_INT(som->dag.n_nodes, 60);
	CHECK_INT(som->dag.n_edges, 185);
	/* Runs are sorted by id; the folder gives the label in the parsed layout. */
	CHECK_STR(eht->runs[0].id, "eht-imaging-run0001");
	const struct wfad_run *r = find_run(eht, "eht-imaging-run0102");
	CHECK(r != NULL);
	if (!r)
		goto cleanup;
	CHECK_STR(r->label, "cpu_2");
	/* Row 3 of eht-imaging-run0102.csv, read off the file. */
	uint32_t n = node_of(eht, "eht-imaging_pipeline_ID0000001");
	CHECK(n != WFAD_NO_ID);
	const struct wfad_job *j = &r->jobs[n];
	CHECK_NEAR(j->f[WFAD_F_READY], 1714496211.0, 0);
	CHECK_NEAR(j->f[WFAD_F_SUBMIT], 1714496216.0, 0);
	CHECK_NEAR(j->f[WFAD_F_EXECUTE_START], 1714496234.0, 0);
	CHECK_NEAR(j->f[WFAD_F_EXECUTE_END], 1714496326.0, 0);
	CHECK_NEAR(j->f[WFAD_F_RUNTIME], 92.0, 0);
	CHECK_NEAR(j->f[WFAD_F_QUEUE_DELAY], 18.0, 0);
	CHECK_NEAR(j->f[WFAD_F_STAGE_IN_BYTES], 1152496270.0, 0);
	CHECK_NEAR(j->f[WFAD_F_STAGE_IN_BPS], 126257839.5, 0);
	CHECK_NEAR(j->f[WFAD_F_CPU_TIME], 57.6, 0);
	CHECK(isnan(j->f[WFAD_F_PRE_SCRIPT_DELAY])); /* empty field: missing, not zero */
	CHECK_INT(j->type, WFAD_JOB_COMPUTE);
	CHECK_STR(wfad_dataset_string(eht, j->host), "poseidon-worker-2-container-20-23");
	CHECK_STR(wfad_dataset_string(eht, j->site), "condorpool");
	CHECK_STR(wfad_dataset_string(eht, j->transformation), "eht-imaging_pipeline");
	CHECK_INT(j->exit_code, 0);
	/* The create_dir job is auxiliary, never anomalous. */
	const struct wfad_job *cd = &r->jobs[node_of(eht, "create_dir_eht-imaging_0_condorpool")];
	CHECK_INT(cd->type, WFAD_JOB_AUXILIARY);
	CHECK_INT(cd->label, 0);
	CHECK_STR(wfad_dataset_string(eht, cd->transformation), "create_dir");
	/* Every anomalous job of an anomalous run carries the run's fault family. */
	size_t bad = wfad_run_anomalous_jobs(eht, r);
	CHECK(bad > 0);
	for (size_t i = 0; i < eht->dag.n_nodes; i++)
		if (r->jobs[i].label)
			CHECK_INT(r->jobs[i].anomaly, WFAD_ANOMALY_CPU);
	/* In the zip layout the label comes from anomaly_type. */
	const struct wfad_run *s = find_run(som, "somospie-run0001");
	CHECK(s && strcmp(s->label, "normal") == 0 && wfad_run_anomalous_jobs(som, s) == 0);
cleanup:
	wfad_collection_free(&c);
}

WFAD_TEST(load_selects_workflow_and_run)
{
	struct wfad_collection c = {0};
	struct wfad_error err = {0};
	struct wfad_load_options opt = {.workflow = "EHT-imaging"};
	CHECK_OK(wfad_load(MINI, &opt, &c, &err), &err);
	CHECK_INT(c.count, 1);
	if (c.count)
		CHECK_STR(c.items[0]->workflow, "eht_imaging");
	wfad_collection_free(&c);

	struct wfad_load_options opt2 = {.run = "somospie-run0150"};
	CHECK_OK(wfad_load(MINI, &opt2, &c, &err), &err);
	CHECK_INT(c.count, 1);
	if (c.count)
		CHECK_INT(c.items[0]->n_runs, 1);
	wfad_collection_free(&c);

	struct wfad_load_options opt3 = {.workflow = "montage"};
	CHECK_INT(wfad_load(MINI, &opt3, &c, &err), WFAD_ENOTFOUND);
	CHECK(strstr(err.message, "montage") != NULL);
	CHECK_INT(c.count, 0);
}

WFAD_TEST(load_single_csv_and_zip)
{
	struct wfad_collection c = {0};
	struct wfad_error err = {0};
	/* A CSV inside parsed/<label>/ finds the root's DAG by itself. */
	CHECK_OK(wfad_load(MINI "/parsed/hdd_5/eht-imaging-run0303.csv", NULL, &c, &err), &err);
	CHECK_INT(c.count, 1);
	if (c.count) {
		CHECK_INT(c.items[0]->n_runs, 1);
		CHECK_STR(c.items[0]->runs[0].label, "hdd_5");
	}
	wfad_collection_free(&c);
	struct wfad_load_options opt = {.dag_path = MINI "/adjacency_list_dags/somospie.json"};
	CHECK_OK(wfad_load(MINI "/data/somospie.zip", &opt, &c, &err), &err);
	CHECK_INT(c.count, 1);
	if (c.count)
		CHECK_INT(c.items[0]->n_runs, 5);
	wfad_collection_free(&c);
	/* A folder of CSVs with --dag. */
	struct wfad_load_options opt2 = {.dag_path = EHT_DAG};
	CHECK_OK(wfad_load(MINI "/parsed/normal", &opt2, &c, &err), &err);
	CHECK_INT(c.count, 1);
	if (c.count)
		CHECK_INT(c.items[0]->n_runs, 2);
	wfad_collection_free(&c);
}

WFAD_TEST(dag_csr_topology)
{
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	struct wfad_error err = {0};
	const char *json = "{\"a\": [\"b\", \"c\"], \"b\": [\"d\"], \"c\": [\"d\", \"d\"], "
			   "\"d\": [], \"e\": [\"d\"]}";
	CHECK_OK(wfad_dag_json_parse(&ds, json, strlen(json), "t.json", &err), &err);
	CHECK_INT(ds.dag.n_nodes, 5);
	CHECK_INT(ds.dag.n_edges, 5); /* the duplicate c->d counts once */
	CHECK_STR(ds.dag.node_ids[3], "d");
	/* d's parents: b, c, e (node order) */
	CHECK_INT(ds.dag.parent_ptr[4] - ds.dag.parent_ptr[3], 3);
	CHECK_INT(ds.dag.parent_idx[ds.dag.parent_ptr[3]], 1);
	CHECK_INT(ds.dag.parent_idx[ds.dag.parent_ptr[3] + 2], 4);
	CHECK_INT(ds.dag.depth[0], 0);
	CHECK_INT(ds.dag.depth[3], 2); /* longest path a->b->d */
	CHECK_INT(ds.dag.depth[4], 0);
	/* topological: every edge goes forward in topo order */
	int pos[5];
	for (int i = 0; i < 5; i++)
		pos[ds.dag.topo[i]] = i;
	for (uint32_t v = 0; v < 5; v++)
		for (uint32_t k = ds.dag.child_ptr[v]; k < ds.dag.child_ptr[v + 1]; k++)
			CHECK(pos[v] < pos[ds.dag.child_idx[k]]);
	/* how nodes relate: b is a's child, a is b's parent, a and d are not adjacent */
	CHECK_INT(wfad_dag_relation(&ds.dag, 0, 1), WFAD_DAG_CHILD);
	CHECK_INT(wfad_dag_relation(&ds.dag, 1, 0), WFAD_DAG_PARENT);
	CHECK_INT(wfad_dag_relation(&ds.dag, 3, 4), WFAD_DAG_PARENT);
	CHECK_INT(wfad_dag_relation(&ds.dag, 0, 3), WFAD_DAG_NONE);
	CHECK_INT(wfad_dag_relation(&ds.dag, 0, 0), WFAD_DAG_NONE);
	wfad_dataset_free(&ds);
}

static enum wfad_status parse_dag(const char *json, struct wfad_error *err)
{
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	enum wfad_status st = wfad_dag_json_parse(&ds, json, strlen(json), "bad.json", err);
	wfad_dataset_free(&ds);
	return st;
}

WFAD_TEST(dag_json_bad_input)
{
	struct wfad_error err = {0};
	CHECK_INT(parse_dag("{\"a\": [\"b\"], \"b\": [\"a\"]}", &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "cycle") != NULL);
	CHECK_INT(parse_dag("{\"a\": [\"zz\"]}", &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "'zz'") != NULL);
	CHECK_INT(parse_dag("{\"a\": [\"a\"]}", &err), WFAD_EINVAL);
	CHECK_INT(parse_dag("{\"a\": [1]}", &err), WFAD_EPARSE);
	CHECK_INT(parse_dag("[1, 2]", &err), WFAD_EPARSE);
	CHECK_INT(parse_dag("{}", &err), WFAD_EINVAL);
	CHECK_INT(parse_dag("{\"a\": [], \"a\": []}", &err), WFAD_EPARSE);
	CHECK_INT(parse_dag("{\"a\": [\n\"b\"", &err), WFAD_EPARSE);
	CHECK_INT(err.line, 2);
}

/* A three-job DAG and CSV rows in the Flow-Bench column layout (a subset of columns). */
static const char *tiny_dag = "{\"create_dir_x\": [\"a_ID01\", \"b_ID02\"], \"a_ID01\": [], "
			      "\"b_ID02\": []}";
static const char *tiny_head =
	",anomaly_type,type,ready,submit,execute_start,execute_end,runtime,kickstart_hostname\n";

static enum wfad_status parse_csv(const char *body, const char *label, struct wfad_error *err,
				  char *run_label, size_t size)
{
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	enum wfad_status st = wfad_dag_json_parse(&ds, tiny_dag, strlen(tiny_dag), "t.json", err);
	WFAD_ASSERT(st == WFAD_OK);
	st = wfad_flowbench_parse_run(&ds, body, strlen(body), "t.csv", "t-run0001", label, err);
	if (st == WFAD_OK && run_label)
		snprintf(run_label, size, "%s", ds.runs[0].label);
	if (st != WFAD_OK)
		CHECK_INT(ds.n_runs, 0); /* a failed read leaves no partial run behind */
	wfad_dataset_free(&ds);
	return st;
}

WFAD_TEST(csv_quotes_crlf_and_labels)
{
	char buf[2048], label[64];
	struct wfad_error err = {0};
	snprintf(buf, sizeof(buf),
		 "%s"
		 "create_dir_x,None,auxiliary,1,2,3,4,1,\"host,with comma\"\r\n"
		 "a_ID01,hdd_5,compute,4,5,6,16,10,w1\r\n"
		 "b_ID02,None,compute,4,5,6,9,3,w2\r\n",
		 tiny_head);
	CHECK_OK(parse_csv(buf, NULL, &err, label, sizeof(label)), &err);
	CHECK_STR(label, "hdd_5");
	CHECK_OK(parse_csv(buf, "hdd_5", &err, label, sizeof(label)), &err);
	CHECK_INT(parse_csv(buf, "cpu_2", &err, NULL, 0), WFAD_EINVAL);
	CHECK(strstr(err.message, "contradicts") != NULL);
}

struct bad_case {
	const char *what;
	const char *body;
	enum wfad_status status;
	long line;
	const char *needle;
};

WFAD_TEST(csv_bad_input_gets_line_and_reason)
{
	static const struct bad_case cases[] = {
		{"empty file", "", WFAD_EPARSE, 1, "empty"},
		{"truncated (jobs missing)",
		 "create_dir_x,None,auxiliary,1,2,3,4,1,h\na_ID01,None,compute,4,5,6,16,10,w1\n",
		 WFAD_EINVAL, 0, "missing"},
		{"truncated mid-row", "create_dir_x,None,auxiliary,1,2,3,4,1,h\na_ID01,None,com",
		 WFAD_EPARSE, 3, "fields"},
		{"wrong column count", "create_dir_x,None,auxiliary,1,2,3,4,1\n", WFAD_EPARSE, 2,
		 "8 fields, the header has 9"},
		{"non-numeric timestamp", "create_dir_x,None,auxiliary,1,2,soon,4,1,h\n",
		 WFAD_EPARSE, 2, "execute_start: 'soon' is not a number"},
		{"unknown job id", "zzz,None,auxiliary,1,2,3,4,1,h\n", WFAD_EINVAL, 2, "'zzz'"},
		{"duplicate job id",
		 "create_dir_x,None,auxiliary,1,2,3,4,1,h\ncreate_dir_x,None,auxiliary,1,2,3,4,1,"
		 "h\n",
		 WFAD_EINVAL, 3, "twice"},
		{"two labels in one run",
		 "create_dir_x,None,auxiliary,1,2,3,4,1,h\na_ID01,cpu_2,compute,4,5,6,16,10,w1\n"
		 "b_ID02,hdd_5,compute,4,5,6,9,3,w2\n",
		 WFAD_EINVAL, 4, "differs"},
		{"unterminated quote", "create_dir_x,None,auxiliary,1,2,3,4,1,\"h\n", WFAD_EPARSE,
		 2, "unterminated"},
		{"unknown job type", "create_dir_x,None,daemon,1,2,3,4,1,h\n", WFAD_EPARSE, 2,
		 "job type"},
	};
	char buf[4096];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad_case *bc = &cases[i];
		struct wfad_error err = {0};
		if (i == 0)
			snprintf(buf, sizeof(buf), "%s", "");
		else
			snprintf(buf, sizeof(buf), "%s%s", tiny_head, bc->body);
		enum wfad_status st = parse_csv(buf, NULL, &err, NULL, 0);
		if (st != bc->status || (bc->line && err.line != bc->line) ||
		    !strstr(err.message, bc->needle) || strcmp(err.file, "t.csv") != 0) {
			printf("  case '%s': status %d line %ld: %s\n", bc->what, st, err.line,
			       err.message);
			wfad_test_failures++;
		}
	}
}

WFAD_TEST(csv_binary_and_huge_lines_are_refused)
{
	struct wfad_error err = {0};
	char bin[64] = "\x7f"
		       "ELF\x02\x01\x01";
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	CHECK_OK(wfad_dag_json_parse(&ds, tiny_dag, strlen(tiny_dag), "t.json", &err), &err);
	CHECK_INT(wfad_flowbench_parse_run(&ds, bin, sizeof(bin), "bin.csv", "r", NULL, &err),
		  WFAD_EPARSE);
	CHECK(strstr(err.message, "NUL") != NULL);
	/* A line past WFAD_CSV_MAX_LINE is refused without reading it whole; the reader never
	 * holds more than the limit plus one chunk, so a 2 GB line costs no more memory. */
	size_t n = WFAD_CSV_MAX_LINE + (1u << 20);
	char *huge = malloc(n);
	CHECK(huge != NULL);
	if (huge) {
		memset(huge, 'a', n);
		size_t h = strlen(tiny_head);
		memcpy(huge, tiny_head, h);
		CHECK_INT(wfad_flowbench_parse_run(&ds, huge, n, "huge.csv", "r", NULL, &err),
			  WFAD_ELIMIT);
		CHECK_INT(err.line, 2);
		free(huge);
	}
	CHECK_INT(ds.n_runs, 0);
	wfad_dataset_free(&ds);
}

WFAD_TEST(load_bad_paths)
{
	struct wfad_collection c = {0};
	struct wfad_error err = {0};
	CHECK_INT(wfad_load("tests/data/no-such-thing", NULL, &c, &err), WFAD_EIO);
	CHECK_INT(wfad_load("tests/data", NULL, &c, &err), WFAD_EFORMAT);
	CHECK(strstr(err.message, "adjacency_list_dags") != NULL);
	CHECK_INT(wfad_load("tests/data/bad/empty.zip", NULL, &c, &err), WFAD_ENOTFOUND);
	CHECK(strstr(err.message, "no run CSV") != NULL);
	CHECK_INT(wfad_load("tests/data/bad/not-a-zip.zip", NULL, &c, &err), WFAD_EFORMAT);
	CHECK_INT(wfad_load("tests/data/bad/no-dag/parsed/normal/x-run0001.csv", NULL, &c, &err),
		  WFAD_ENOTFOUND);
	CHECK(strstr(err.message, "no DAG for workflow 'x'") != NULL);
	CHECK_INT(wfad_load("tests/data/bad/no-dag", NULL, &c, &err), WFAD_ENOTFOUND);
	CHECK_INT(c.count, 0);
}

/* The full Flow-Bench data in ../shared: the counts of issue 2, exactly. */
WFAD_TEST(shared_flowbench_counts)
{
	const char *root = wfad_test_shared_path("data/flowbench");
	if (!root) {
		SKIP("../shared/data/flowbench not present");
		return;
	}
	static const struct {
		const char *wf;
		size_t runs, jobs, edges, normal, cpu2, cpu3, cpu4, hdd5, hdd10, anomalous;
	} want[] = {
		{"1000genome", 351, 137, 289, 51, 100, 25, 0, 100, 75, 15689},
		{"eht_imaging", 501, 12, 18, 212, 76, 74, 0, 70, 69, 1104},
		{"montage", 320, 539, 2838, 51, 46, 80, 0, 67, 76, 35251},
		{"predict_future_sales", 540, 165, 581, 100, 88, 88, 88, 88, 88, 16491},
		{"somospie", 505, 60, 185, 125, 98, 97, 0, 92, 93, 5892},
	};
	struct wfad_collection c = {0};
	struct wfad_error err = {0};
	CHECK_OK(wfad_load(root, NULL, &c, &err), &err);
	CHECK_INT(c.count, 5);
	for (size_t w = 0; w < 5 && w < c.count; w++) {
		const struct wfad_dataset *ds = c.items[w];
		CHECK_STR(ds->workflow, want[w].wf);
		CHECK_INT(ds->n_runs, want[w].runs);
		CHECK_INT(ds->dag.n_nodes, want[w].jobs);
		CHECK_INT(ds->dag.n_edges, want[w].edges);
		size_t counts[5] = {0}, anomalous = 0;
		const char *names[5] = {"normal", "cpu_2", "cpu_3", "cpu_4", "hdd_5"};
		size_t hdd10 = 0;
		for (size_t r = 0; r < ds->n_runs; r++) {
			for (int k = 0; k < 5; k++)
				counts[k] += strcmp(ds->runs[r].label, names[k]) == 0;
			hdd10 += strcmp(ds->runs[r].label, "hdd_10") == 0;
			anomalous += wfad_run_anomalous_jobs(ds, &ds->runs[r]);
		}
		CHECK_INT(counts[0], want[w].normal);
		CHECK_INT(counts[1], want[w].cpu2);
		CHECK_INT(counts[2], want[w].cpu3);
		CHECK_INT(counts[3], want[w].cpu4);
		CHECK_INT(counts[4], want[w].hdd5);
		CHECK_INT(hdd10, want[w].hdd10);
		CHECK_INT(anomalous, want[w].anomalous);
	}
	wfad_collection_free(&c);
}

WFAD_TEST(csv_split_vector_matches_reference)
{
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 11);
	const char alphabet[] = "ab,\"\",,x\"1";
	char line[300];
	const char *fa[64], *fb[64];
	size_t la[64], lb[64];
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = wfad_rng_below(&rng, sizeof(line));
		for (size_t i = 0; i < len; i++)
			line[i] = alphabet[wfad_rng_below(&rng, sizeof(alphabet) - 1)];
		size_t ba = 0, bb = 0;
		long na = wfad_csv_split(line, len, fa, la, 64, &ba);
		long nb = wfad_csv_split_ref(line, len, fb, lb, 64, &bb);
		bool same = na == nb && (na >= 0 || ba == bb);
		for (long k = 0; same && k < na && k < 64; k++)
			same = fa[k] == fb[k] && la[k] == lb[k];
		if (!same) {
			printf("  mismatch on '%.*s': %ld vs %ld\n", (int)len, line, na, nb);
			wfad_test_failures++;
			return;
		}
	}
	const char *f[8];
	size_t l[8], bad;
	CHECK_INT(wfad_csv_split("a,\"b,c\",,\"d\"\"e\"", 15, f, l, 8, &bad), 4);
	CHECK(l[1] == 3 && memcmp(f[1], "b,c", 3) == 0);
	CHECK_INT(l[2], 0);
	CHECK(l[3] == 4 && memcmp(f[3], "d\"\"e", 4) == 0);
	CHECK_INT(wfad_csv_split("ab\"c", 4, f, l, 8, &bad), -1);
	CHECK_INT(wfad_csv_split("\"ab\"c,d", 7, f, l, 8, &bad), -1);
	CHECK_INT(bad, 1);
}

WFAD_TEST(load_parallel_equals_sequential)
{
	struct wfad_collection a = {0}, b = {0};
	struct wfad_error err = {0};
	struct wfad_load_options one = {.threads = 1}, many = {.threads = 3};
	CHECK_OK(wfad_load("data/flowbench-sample", &one, &a, &err), &err);
	CHECK_OK(wfad_load("data/flowbench-sample", &many, &b, &err), &err);
	CHECK(a.count == 1 && b.count == 1);
	if (a.count == 1 && b.count == 1) {
		const struct wfad_dataset *x = a.items[0], *y = b.items[0];
		CHECK_INT(x->n_runs, 40);
		CHECK_INT(y->n_runs, x->n_runs);
		CHECK_INT(y->strings.count, x->strings.count);
		for (size_t s = 0; s < x->strings.count && s < y->strings.count; s++)
			CHECK_STR(y->strings.items[s], x->strings.items[s]);
		for (size_t r = 0; r < x->n_runs && r < y->n_runs; r++) {
			CHECK_STR(y->runs[r].id, x->runs[r].id);
			CHECK_STR(y->runs[r].label, x->runs[r].label);
			CHECK_INT(memcmp(y->runs[r].jobs, x->runs[r].jobs,
					 x->dag.n_nodes * sizeof(struct wfad_job)),
				  0);
		}
	}
	wfad_collection_free(&a);
	wfad_collection_free(&b);
	/* An error is the same whichever thread meets it: the first bad file in file order.
	 * 30 good runs with two bad ones at positions 12 and 25 (sorted by name). */
	char dir[] = "/tmp/wfad-test-par-XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "for i in $(seq 10 39); do cp " MINI "/parsed/normal/eht-imaging-run0001.csv "
		 "%s/eht-imaging-run00$i.csv; done; cp tests/data/bad/eht-imaging-run9001.csv "
		 "%s/eht-imaging-run0022.csv; cp tests/data/bad/eht-imaging-run9003.csv "
		 "%s/eht-imaging-run0035.csv",
		 dir, dir, dir);
	CHECK_INT(wfad_test_run(cmd, NULL), 0);
	struct wfad_load_options bad1 = {.threads = 1, .dag_path = EHT_DAG},
				 bad3 = {.threads = 3, .dag_path = EHT_DAG};
	struct wfad_error e1 = {0}, e3 = {0};
	CHECK_INT(wfad_load(dir, &bad1, &a, &e1), WFAD_EPARSE);
	CHECK_INT(wfad_load(dir, &bad3, &b, &e3), WFAD_EPARSE);
	CHECK(strstr(e1.file, "run0022.csv") != NULL);
	CHECK_STR(e3.file, e1.file);
	CHECK_INT(e3.line, e1.line);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	wfad_test_run(cmd, NULL);
}
