/* Tests of the Pegasus readers: jobstate.log, .dag, kickstart and braindump parsers, the
 * submit-directory loader (values worked out by hand from tests/data/pegasus), the stampede
 * reader against the directory reader, and bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "test.h"
#include "wfad/ingest.h"
#include "wfad/pegasus.h"

#define PG "tests/data/pegasus"
#define PLAN "_pegasus-plan_diamond_subworkflow"

static uint32_t node_of(const struct wfad_dataset *ds, const char *id)
{
	uint32_t n = WFAD_NO_ID;
	wfad_strings_find(&ds->dag.ids, id, strlen(id), &n);
	return n;
}

/* The job with this id in run r, or a static all-NaN job so checks fail without crashing. */
static const struct wfad_job *job_of(const struct wfad_dataset *ds, size_t r, const char *id)
{
	static struct wfad_job missing;
	uint32_t n = node_of(ds, id);
	if (n == WFAD_NO_ID || r >= ds->n_runs) {
		printf("  no job %s in run %zu\n", id, r);
		wfad_test_failures++;
		for (int k = 0; k < WFAD_F_COUNT; k++)
			missing.f[k] = NAN;
		return &missing;
	}
	return &ds->runs[r].jobs[n];
}

static bool has_edge(const struct wfad_dataset *ds, const char *p, const char *c)
{
	uint32_t a = node_of(ds, p), b = node_of(ds, c);
	if (a == WFAD_NO_ID || b == WFAD_NO_ID)
		return false;
	for (uint32_t e = ds->dag.child_ptr[a]; e < ds->dag.child_ptr[a + 1]; e++)
		if (ds->dag.child_idx[e] == b)
			return true;
	return false;
}

/* Checks the timeline fields of a job: NAN where a value must be missing. */
static void check_times(const struct wfad_job *j, double ready, double submit, double exec_start,
			double exec_end, double post_start, double post_end)
{
	CHECK_NEAR(j->f[WFAD_F_READY], ready, 0);
	CHECK_NEAR(j->f[WFAD_F_SUBMIT], submit, 0);
	CHECK_NEAR(j->f[WFAD_F_EXECUTE_START], exec_start, 0);
	CHECK_NEAR(j->f[WFAD_F_EXECUTE_END], exec_end, 0);
	CHECK_NEAR(j->f[WFAD_F_POST_SCRIPT_START], post_start, 0);
	CHECK_NEAR(j->f[WFAD_F_POST_SCRIPT_END], post_end, 0);
}

static void check_delays(const struct wfad_job *j, double wms, double queue, double runtime,
			 double post)
{
	CHECK_NEAR(j->f[WFAD_F_WMS_DELAY], wms, 0);
	CHECK_NEAR(j->f[WFAD_F_QUEUE_DELAY], queue, 0);
	CHECK_NEAR(j->f[WFAD_F_RUNTIME], runtime, 0);
	CHECK_NEAR(j->f[WFAD_F_POST_SCRIPT_DELAY], post, 0);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

static char *make_tmpdir(char *buf, size_t size)
{
	snprintf(buf, size, "/tmp/wfad-test-pegasus-XXXXXX");
	char *d = mkdtemp(buf);
	CHECK(d != NULL);
	return d;
}

static void remove_tree(const char *dir)
{
	char cmd[1200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK_INT(wfad_test_run(cmd, NULL), 0);
}

/* ---- jobstate.log ------------------------------------------------------------------------ */

WFAD_TEST(pegasus_jobstate_parses_lines)
{
	const char *text = "1677913790 INTERNAL *** MONITORD_STARTED ***\n"
			   "1677913788 INTERNAL *** DAGMAN_STARTED 7.0 ***\n"
			   "\n"
			   "1677913809 ls_ID0000001 SUBMIT 9.0 condorpool - 2\r\n"
			   "1677913864 ls_ID0000001 JOB_FAILURE 2 condorpool 1.5 2\n"
			   "1677913869 ls_ID0000001 POST_SCRIPT_FAILURE 1 condorpool - 2\n"
			   "1677913870 ls_ID0000001 POST_SCRIPT_FAILED 1 - - -\n"
			   "1677913871 ls_ID0000001 SOMETHING_NEW\n";
	struct wfad_arena a;
	wfad_arena_init(&a);
	struct wfad_jobstate_log log = {0};
	struct wfad_error err = {0};
	CHECK_OK(wfad_pegasus_parse_jobstate(text, strlen(text), "js", &a, &log, &err), &err);
	CHECK_INT(log.n_events, 7);
	if (log.n_events == 7) {
		const struct wfad_jobstate_event *e = log.events;
		CHECK_INT(e[0].state, WFAD_JS_MONITORD_STARTED);
		CHECK(e[0].arg == NULL);
		CHECK_INT(e[1].state, WFAD_JS_DAGMAN_STARTED);
		CHECK_NEAR(e[1].ts, 1677913788, 0);
		CHECK_STR(e[1].arg, "7.0");
		CHECK_STR(e[1].job_id, "INTERNAL");
		CHECK_INT(e[2].line, 4);
		CHECK_STR(e[2].job_id, "ls_ID0000001");
		CHECK_INT(e[2].state, WFAD_JS_SUBMIT);
		CHECK_STR(e[2].arg, "9.0");
		CHECK_STR(e[2].site, "condorpool");
		CHECK(isnan(e[2].walltime));
		CHECK_INT(e[2].submit_seq, 2);
		CHECK_NEAR(e[3].walltime, 1.5, 0);
		CHECK_INT(e[4].state, WFAD_JS_POST_SCRIPT_FAILURE);
		CHECK_INT(e[5].state, WFAD_JS_POST_SCRIPT_FAILURE);
		CHECK_STR(e[5].state_word, "POST_SCRIPT_FAILURE");
		CHECK(e[5].site == NULL);
		CHECK_INT(e[5].submit_seq, -1);
		CHECK_INT(e[6].state, WFAD_JS_UNKNOWN);
		CHECK_STR(e[6].state_word, "SOMETHING_NEW");
	}
	wfad_arena_free(&a);
}

WFAD_TEST(pegasus_jobstate_bad_lines)
{
	struct {
		const char *text;
		long line, column;
	} cases[] = {
		/* A non-numeric timestamp on line 3 (line 2 is blank). */
		{"1677911023 INTERNAL *** DAGMAN_STARTED 1.0 ***\n\nabc ls SUBMIT 3.0 x - 2\n", 3,
		 1},
		{"1677911044 ls SUBMIT 3.0 condorpool - two\n", 1, 39},
		{"1677911044 ls\n", 1, 12},
		{"1 ls SUBMIT 3.0 condorpool - 2 extra\n", 1, 32},
		{"1 INTERNAL DAGMAN_STARTED 1.0\n", 1, 12},
		{"1 ls DAGMAN_STARTED\n", 1, 6},
		{"nan ls SUBMIT\n", 1, 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wfad_arena a;
		wfad_arena_init(&a);
		struct wfad_jobstate_log log = {0};
		struct wfad_error err = {0};
		CHECK_INT(wfad_pegasus_parse_jobstate(cases[i].text, strlen(cases[i].text),
						      "jobstate.log", &a, &log, &err),
			  WFAD_EPARSE);
		CHECK_INT(err.line, cases[i].line);
		CHECK_INT(err.column, cases[i].column);
		CHECK_STR(err.file, "jobstate.log");
		CHECK(log.events == NULL);
		wfad_arena_free(&a);
	}
}

WFAD_TEST(pegasus_timeline_keeps_last_attempt)
{
	/* Two attempts with job_submit_seq, added out of order: the seq 3 attempt counts. */
	struct wfad_pegasus_timeline t;
	wfad_pegasus_timeline_init(&t);
	wfad_pegasus_timeline_add(&t, WFAD_JS_SUBMIT, 20, 3);
	wfad_pegasus_timeline_add(&t, WFAD_JS_SUBMIT, 10, 2);
	wfad_pegasus_timeline_add(&t, WFAD_JS_JOB_FAILURE, 15, 2);
	wfad_pegasus_timeline_add(&t, WFAD_JS_EXECUTE, 22, 3);
	wfad_pegasus_timeline_add(&t, WFAD_JS_POST_SCRIPT_SUCCESS, 30, 3);
	wfad_pegasus_timeline_add(&t, WFAD_JS_JOB_FAILURE, 25, 3);
	struct wfad_job j = {0};
	wfad_pegasus_timeline_fill(&t, &j);
	CHECK_INT(j.attempts, 2);
	CHECK_NEAR(j.f[WFAD_F_SUBMIT], 20, 0);
	CHECK_NEAR(j.f[WFAD_F_EXECUTE_END], 25, 0);
	CHECK_INT(j.failed, 0); /* the POST script (latest phase) succeeded */
	/* No job_submit_seq: PRE_SCRIPT_STARTED and a bare SUBMIT start attempts. */
	wfad_pegasus_timeline_init(&t);
	wfad_pegasus_timeline_add(&t, WFAD_JS_PRE_SCRIPT_STARTED, 1, -1);
	wfad_pegasus_timeline_add(&t, WFAD_JS_SUBMIT, 2, -1);
	wfad_pegasus_timeline_add(&t, WFAD_JS_JOB_FAILURE, 3, -1);
	wfad_pegasus_timeline_add(&t, WFAD_JS_SUBMIT, 4, -1);
	wfad_pegasus_timeline_add(&t, WFAD_JS_JOB_FAILURE, 5, -1);
	wfad_pegasus_timeline_fill(&t, &j);
	CHECK_INT(j.attempts, 2);
	CHECK_NEAR(j.f[WFAD_F_SUBMIT], 4, 0);
	CHECK(isnan(j.f[WFAD_F_PRE_SCRIPT_START]));
	CHECK_INT(j.failed, 1);
}

/* ---- .dag --------------------------------------------------------------------------------- */

WFAD_TEST(pegasus_dagfile_parses_statements)
{
	const char *text = "# comment\n"
			   "MAXJOBS stagein 10\n"
			   "CONFIG dagman.config\n"
			   "job a 00/00/a.sub DIR sub NOOP\n"
			   "JOB b b.sub\n"
			   "JOB c c.sub\n"
			   "JOB d d.sub DONE\n"
			   "SUBDAG EXTERNAL s inner.dag\n"
			   "SCRIPT PRE b /bin/pre.sh --dir x\n"
			   "SCRIPT DEFER 4 300 POST a /bin/post -r $RETURN   \n"
			   "RETRY a 3 UNLESS-EXIT 2\n"
			   "PRIORITY b -5\n"
			   "CATEGORY c stageout\n"
			   "VARS a +DAGNodeRetry=\"$(RETRY)\" x=\"a b\"\n"
			   "DOT dag.dot\n"
			   "SOME_FUTURE_KEYWORD a b c\n"
			   "PARENT a b CHILD c d\n"
			   "  PARENT   c CHILD s\n";
	struct wfad_arena ar;
	wfad_arena_init(&ar);
	struct wfad_dagfile dag = {0};
	struct wfad_error err = {0};
	CHECK_OK(wfad_pegasus_parse_dagfile(text, strlen(text), "x.dag", &ar, &dag, &err), &err);
	CHECK_INT(dag.n_jobs, 5);
	CHECK_INT(dag.n_edges, 5);
	if (dag.n_jobs == 5 && dag.n_edges == 5) {
		const struct wfad_dagfile_job *j = dag.jobs;
		CHECK_STR(j[0].id, "a");
		CHECK_STR(j[0].submit, "00/00/a.sub");
		CHECK_STR(j[0].dir, "sub");
		CHECK(j[0].noop && !j[0].done);
		CHECK_INT(j[0].retry, 3);
		CHECK_STR(j[0].post_script, "/bin/post -r $RETURN");
		CHECK_STR(j[1].pre_script, "/bin/pre.sh --dir x");
		CHECK_INT(j[1].priority, -5);
		CHECK_STR(j[2].category, "stageout");
		CHECK(j[3].done);
		CHECK(j[4].subdag);
		CHECK_STR(j[4].submit, "inner.dag");
		CHECK_INT(j[4].line, 8);
		/* PARENT a b CHILD c d expands to a->c, b->c, a->d, b->d. */
		CHECK_INT(dag.edges[0].parent, 0);
		CHECK_INT(dag.edges[0].child, 2);
		CHECK_INT(dag.edges[1].parent, 1);
		CHECK_INT(dag.edges[3].child, 3);
		CHECK_INT(dag.edges[4].parent, 2);
		CHECK_INT(dag.edges[4].child, 4);
		CHECK_INT(dag.edges[4].line, 18);
	}
	wfad_arena_free(&ar);
}

WFAD_TEST(pegasus_dagfile_bad_statements)
{
	struct {
		const char *text;
		enum wfad_status status;
		long line;
	} cases[] = {
		{"JOB a a.sub\nJOB b b.sub\n\nPARENT a b\n", WFAD_EPARSE, 4},
		{"JOB a a.sub\nPARENT CHILD a\n", WFAD_EPARSE, 2},
		{"JOB a a.sub\nPARENT a CHILD\n", WFAD_EPARSE, 2},
		{"JOB a a.sub\nPARENT a CHILD zz\n", WFAD_EINVAL, 2},
		{"JOB a a.sub\nJOB a b.sub\n", WFAD_EINVAL, 2},
		{"JOB a\n", WFAD_EPARSE, 1},
		{"JOB a a.sub\nRETRY a many\n", WFAD_EPARSE, 2},
		{"JOB a a.sub\nSCRIPT PRE a\n", WFAD_EPARSE, 2},
		{"JOB a a.sub\nSCRIPT LATER a x\n", WFAD_EPARSE, 2},
		{"SCRIPT PRE a x\nJOB a a.sub\n", WFAD_EINVAL, 1},
		{"SUBDAG a x.dag\n", WFAD_EPARSE, 1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wfad_arena ar;
		wfad_arena_init(&ar);
		struct wfad_dagfile dag = {0};
		struct wfad_error err = {0};
		CHECK_INT(wfad_pegasus_parse_dagfile(cases[i].text, strlen(cases[i].text), "w.dag",
						     &ar, &dag, &err),
			  cases[i].status);
		CHECK_INT(err.line, cases[i].line);
		CHECK(dag.jobs == NULL);
		wfad_arena_free(&ar);
	}
}

WFAD_TEST(pegasus_plan_args_from_sample)
{
	/* The SCRIPT PRE of pegasus-plan_diamond_subworkflow, shortened. */
	const char *pre = "00/00/pegasus-plan_diamond_subworkflow.pre.sh  -Dpegasus.log.*=/x "
			  "--conf c.properties --dir /home/u/submit --relative-dir "
			  "u/run0001/00/00/./bd --relative-submit-dir u/run0001/00/00/./bd_sub "
			  "--basename inner --sites condorpool";
	struct wfad_arena ar;
	wfad_arena_init(&ar);
	struct wfad_pegasus_plan_args args;
	CHECK(wfad_pegasus_plan_args(pre, &ar, &args));
	CHECK_STR(args.dir, "/home/u/submit");
	CHECK_STR(args.relative_submit_dir, "u/run0001/00/00/./bd_sub");
	CHECK_STR(args.basename, "inner");
	CHECK(!wfad_pegasus_plan_args("/bin/pre.sh --dir x", &ar, &args));
	CHECK(!wfad_pegasus_plan_args(NULL, &ar, &args));
	wfad_arena_free(&ar);
}

/* ---- kickstart, time, braindump ------------------------------------------------------------ */

WFAD_TEST(pegasus_time_iso8601)
{
	double t;
	/* 2023-03-04T00:00:00Z = 1672531200 (2023-01-01) + 62 days * 86400 = 1677888000. */
	CHECK(wfad_pegasus_parse_time("2023-03-04T00:00:00Z", 20, &t));
	CHECK_NEAR(t, 1677888000, 0);
	/* 22:24:20.615-08:00 on Mar 3 = 06:24:20.615Z on Mar 4 = 1677888000 + 23060.615. */
	const char *s = "2023-03-03T22:24:20.615-08:00";
	CHECK(wfad_pegasus_parse_time(s, strlen(s), &t));
	CHECK_NEAR(t, 1677911060.615, 1e-6);
	s = "2023-03-04 01:02:29.008+0530";
	CHECK(wfad_pegasus_parse_time(s, strlen(s), &t));
	CHECK_NEAR(t, 1677888000 + 3749.008 - 19800, 1e-6);
	CHECK(wfad_pegasus_parse_time("1970-01-01T00:00:00+00", 22, &t));
	CHECK_NEAR(t, 0, 0);
	CHECK(wfad_pegasus_parse_time("2024-02-29T12:00:00Z", 20, &t)); /* leap day */
	CHECK_NEAR(t, 1709208000, 0);
	const char *bad[] = {
		"2023-03-04T00:00:00",      "2023-13-04T00:00:00Z", "2023-03-04T24:00:00Z",
		"2023-03-04T00:00:00.Z",    "2023-03-04",           "2023-03-04T00:00:00+5",
		"2023-03-04T00:00:00Zjunk", "x023-03-04T00:00:00Z"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(!wfad_pegasus_parse_time(bad[i], strlen(bad[i]), &t));
}

WFAD_TEST(pegasus_kickstart_sample_record)
{
	char *buf = NULL;
	size_t len = 0;
	struct wfad_error err = {0};
	CHECK_OK(wfad_read_file(PG "/process_wf_success/00/00/ls_ID0000001.out.000", 1 << 20, &buf,
				&len, &err),
		 &err);
	if (!buf)
		return;
	struct wfad_arena ar;
	wfad_arena_init(&ar);
	struct wfad_kickstart ks = {0};
	CHECK_OK(wfad_pegasus_parse_kickstart(buf, len, "ls.out", &ar, &ks, &err), &err);
	CHECK_INT(ks.n_inv, 1);
	if (ks.n_inv == 1) {
		const struct wfad_kickstart_invocation *inv = &ks.inv[0];
		CHECK_STR(inv->transformation, "ls");
		CHECK_STR(inv->derivation, "ID0000001");
		CHECK_STR(inv->hostname, "workflow.isi.edu");
		CHECK_STR(inv->resource, "condorpool");
		CHECK_STR(inv->user, "mzalam");
		CHECK_NEAR(inv->start, 1677911060.615, 1e-6); /* see pegasus_time_iso8601 */
		CHECK_NEAR(inv->duration, 0.099, 0);
		CHECK_NEAR(inv->utime, 0.001, 0); /* mainjob usage, not kickstart's own */
		CHECK_NEAR(inv->stime, 0.004, 0);
		CHECK_INT(inv->exit_code, 0);
		CHECK_INT(inv->cpu_count, 24);
		CHECK_NEAR(inv->load_min1, 0.72, 0);
		CHECK_INT(inv->line, 1);
	}
	wfad_arena_free(&ar);
	free(buf);
}

WFAD_TEST(pegasus_kickstart_clustered_with_noise)
{
	const char *text =
		"#@ 1 stdout\n"
		"plain stdout text\n"
		"- invocation: True\n"
		"  transformation: \"a\"\n"
		"  hostname: w1\n"
		"  mainjob:\n"
		"    usage:\n"
		"      utime: 1.5\n"
		"      stime: 0.25\n"
		"    status:\n"
		"      raw: 512\n"
		"      regular_exitcode: 2\n"
		"  files:\n"
		"    stdout:\n"
		"      data: |\n"
		"        text in a block\n"
		"\n"
		"        more\n"
		"[cluster-task id=1, start=\"2023-03-03T22:24:20.615-08:00\", status=0]\n"
		"- invocation: True\n"
		"  transformation: b\n"
		"  mainjob:\n"
		"    status:\n"
		"      raw: 9\n"
		"      signalled_signal: 9\n"
		"      signalled_name: KILL\n"
		"---------------pegasus-multipart\n"
		"- integrity_summary:\n"
		"    succeeded: 2\n"
		"- invocation: True\n"
		"  mainjob:\n"
		"    status: {raw: 256}\n";
	struct wfad_arena ar;
	wfad_arena_init(&ar);
	struct wfad_kickstart ks = {0};
	struct wfad_error err = {0};
	CHECK_OK(wfad_pegasus_parse_kickstart(text, strlen(text), "c.out", &ar, &ks, &err), &err);
	CHECK_INT(ks.n_inv, 3);
	if (ks.n_inv == 3) {
		CHECK_STR(ks.inv[0].transformation, "a");
		CHECK_NEAR(ks.inv[0].utime + ks.inv[0].stime, 1.75, 0);
		CHECK_INT(ks.inv[0].exit_code, 2);
		CHECK_INT(ks.inv[0].line, 3);
		CHECK_STR(ks.inv[1].transformation, "b");
		CHECK(ks.inv[1].hostname == NULL);
		CHECK(isnan(ks.inv[1].utime));
		CHECK_INT(ks.inv[1].exit_code, -9);
		CHECK_INT(ks.inv[1].line, 20);
		CHECK_INT(ks.inv[2].exit_code, 1); /* raw 256 = exit 1 */
		/* The job's exit code folds the three: non-zero beats 0, the larger wins. */
		int32_t code = INT32_MIN;
		for (size_t i = 0; i < ks.n_inv; i++)
			code = wfad_pegasus_exit_combine(code, ks.inv[i].exit_code);
		CHECK_INT(code, 2);
	}
	wfad_arena_free(&ar);
}

WFAD_TEST(pegasus_kickstart_bad_input)
{
	struct {
		const char *text;
		enum wfad_status status;
		long line;
	} cases[] = {
		{"this is not a kickstart record\n", WFAD_EPARSE, 0},
		{"", WFAD_EPARSE, 0},
		{"<?xml version=\"1.0\"?>\n<invocation version=\"2.1\">\n", WFAD_EFORMAT, 0},
		{"junk\n- invocation: True\n  start: [unclosed\n  duration: 1\n", WFAD_EPARSE, 4},
		{"- invocation: True\n  duration: abc\n", WFAD_EPARSE, 2},
		{"- invocation: True\n  start: yesterday\n", WFAD_EPARSE, 2},
		{"- invocation: True\n  mainjob:\n    status:\n      regular_exitcode: 1.5\n",
		 WFAD_EPARSE, 4},
		{"- invocation: True\n  transformation: \"unterminated\n", WFAD_EPARSE, 3},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct wfad_arena ar;
		wfad_arena_init(&ar);
		struct wfad_kickstart ks = {0};
		struct wfad_error err = {0};
		CHECK_INT(wfad_pegasus_parse_kickstart(cases[i].text, strlen(cases[i].text),
						       "k.out", &ar, &ks, &err),
			  cases[i].status);
		CHECK_INT(err.line, cases[i].line);
		CHECK(ks.inv == NULL);
		wfad_arena_free(&ar);
	}
}

WFAD_TEST(pegasus_braindump_sample)
{
	char *buf = NULL;
	size_t len = 0;
	struct wfad_error err = {0};
	CHECK_OK(wfad_read_file(PG "/hierarchical_wf_success/braindump.yml", 1 << 20, &buf, &len,
				&err),
		 &err);
	if (!buf)
		return;
	struct wfad_arena ar;
	wfad_arena_init(&ar);
	struct wfad_braindump bd = {0};
	CHECK_OK(wfad_pegasus_parse_braindump(buf, len, "braindump.yml", &ar, &bd, &err), &err);
	CHECK_STR(bd.wf_uuid, "48f759a4-165f-47d6-8c32-571649ce311b");
	CHECK_STR(bd.root_wf_uuid, "48f759a4-165f-47d6-8c32-571649ce311b");
	CHECK_STR(bd.dax_label, "hierarchical-workflow");
	CHECK_STR(bd.pegasus_wf_name, "hierarchical-workflow-0");
	CHECK_STR(bd.dag, "hierarchical-workflow-0.dag");
	CHECK_STR(bd.jsd, "jobstate.log");
	CHECK_STR(bd.submit_dir, "/home/mzalam/hierar/hierarichal-sample-wf/submit/mzalam/pegasus/"
				 "hierarchical-workflow/run0001");
	const char *nul = "wf_uuid: null\ndag: ~\n";
	CHECK_OK(wfad_pegasus_parse_braindump(nul, strlen(nul), "b", &ar, &bd, &err), &err);
	CHECK(bd.wf_uuid == NULL && bd.dag == NULL);
	const char *bad[] = {"- a\n- b\n", "key: [1, 2\n", "just a string\n"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK_INT(wfad_pegasus_parse_braindump(bad[i], strlen(bad[i]), "b", &ar, &bd, &err),
			  WFAD_EPARSE);
		CHECK(err.line >= 1);
	}
	wfad_arena_free(&ar);
	free(buf);
}

/* ---- submit directories -------------------------------------------------------------------- */

WFAD_TEST(pegasus_load_process_wf_success)
{
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	struct wfad_error err = {0};
	CHECK_OK(wfad_pegasus_load(PG "/process_wf_success", &ds, &err), &err);
	if (ds.n_runs != 1) {
		CHECK_INT(ds.n_runs, 1);
		wfad_dataset_free(&ds);
		return;
	}
	CHECK_STR(ds.workflow, "process");
	CHECK_STR(ds.runs[0].id, "f00c0056-abd4-4e8e-b793-24eb760dda1f");
	CHECK_STR(ds.runs[0].label, "unlabeled");
	/* Node order = JOB order of process-0.dag; 4 PARENT lines. */
	CHECK_INT(ds.dag.n_nodes, 5);
	CHECK_INT(ds.dag.n_edges, 4);
	CHECK_STR(ds.dag.node_ids[0], "create_dir_process_0_local");
	CHECK_STR(ds.dag.node_ids[4], "register_local_0_0");
	CHECK(has_edge(&ds, "ls_ID0000001", "stage_out_local_local_0_0"));
	/* DAGMAN_STARTED 1677911023 (the line after MONITORD_STARTED 1677911025).
	 * create_dir (root): ready 1677911023, SUBMIT 1677911024 -> wms 1; EXECUTE 1677911028 ->
	 * queue 4; JOB_SUCCESS 1677911034 -> runtime 6; POST 1677911034..1677911039 -> post 5.
	 * kickstart: pegasus::dirmanager utime 0.165 + stime 0.056 = 0.221 cpu, site local. */
	const struct wfad_job *j = job_of(&ds, 0, "create_dir_process_0_local");
	check_times(j, 1677911023, 1677911024, 1677911028, 1677911034, 1677911034, 1677911039);
	check_delays(j, 1, 4, 6, 5);
	CHECK_NEAR(j->f[WFAD_F_CPU_TIME], 0.221, 1e-9);
	CHECK_INT(j->type, WFAD_JOB_AUXILIARY);
	CHECK_STR(wfad_dataset_string(&ds, j->transformation), "create_dir");
	CHECK_STR(wfad_dataset_string(&ds, j->site), "local");
	/* ls_ID0000001: ready = create_dir post end 1677911039; SUBMIT 1677911044 -> wms 5;
	 * EXECUTE 1677911059 -> queue 15; JOB_SUCCESS 1677911064 -> runtime 5; POST
	 * 1677911064..1677911069 -> 5. kickstart: utime 0.001 + stime 0.004 = 0.005, exit 0. */
	j = job_of(&ds, 0, "ls_ID0000001");
	check_times(j, 1677911039, 1677911044, 1677911059, 1677911064, 1677911064, 1677911069);
	check_delays(j, 5, 15, 5, 5);
	CHECK_NEAR(j->f[WFAD_F_CPU_TIME], 0.005, 1e-12);
	CHECK_STR(wfad_dataset_string(&ds, j->host), "workflow.isi.edu");
	CHECK_STR(wfad_dataset_string(&ds, j->site), "condorpool");
	CHECK_STR(wfad_dataset_string(&ds, j->transformation), "ls");
	CHECK_INT(j->type, WFAD_JOB_COMPUTE);
	CHECK_INT(j->exit_code, 0);
	CHECK_INT(j->attempts, 1);
	CHECK_INT(j->failed, 0);
	CHECK_INT(j->clustered, 0);
	CHECK(isnan(j->f[WFAD_F_PRE_SCRIPT_START]) && isnan(j->f[WFAD_F_PRE_SCRIPT_DELAY]));
	/* stage_out: ready 1677911069, SUBMIT = EXECUTE = 1677911074 -> wms 5, queue 0;
	 * JOB_SUCCESS 1677911079 -> 5; POST ..1677911084 -> 5. */
	j = job_of(&ds, 0, "stage_out_local_local_0_0");
	check_delays(j, 5, 0, 5, 5);
	CHECK_INT(j->type, WFAD_JOB_TRANSFER);
	/* cleanup and register both follow stage_out (post end 1677911084): SUBMIT 1677911089
	 * -> wms 5, EXECUTE 1677911090 -> 1, JOB_SUCCESS 1677911094 -> 4, POST ..1677911100 -> 6.
	 * register's kickstart: 3.364 + 0.637 = 4.001 cpu seconds. */
	j = job_of(&ds, 0, "cleanup_process_0_local");
	check_times(j, 1677911084, 1677911089, 1677911090, 1677911094, 1677911094, 1677911100);
	check_delays(j, 5, 1, 4, 6);
	j = job_of(&ds, 0, "register_local_0_0");
	check_delays(j, 5, 1, 4, 6);
	CHECK_NEAR(j->f[WFAD_F_CPU_TIME], 4.001, 1e-9);
	wfad_dataset_free(&ds);
}

WFAD_TEST(pegasus_load_process_wf_failure)
{
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	struct wfad_error err = {0};
	CHECK_OK(wfad_pegasus_load(PG "/process_wf_failure", &ds, &err), &err);
	CHECK_INT(ds.n_runs, 1);
	if (ds.n_runs != 1) {
		wfad_dataset_free(&ds);
		return;
	}
	/* create_dir: DAGMAN_STARTED 1677913788, SUBMIT 1677913789, EXECUTE 1677913793,
	 * JOB_SUCCESS 1677913799, POST 1677913799..1677913804 -> 1, 4, 6, 5. */
	const struct wfad_job *j = job_of(&ds, 0, "create_dir_process_0_local");
	check_delays(j, 1, 4, 6, 5);
	/* ls_ID0000001 ran twice (job_submit_seq 2 and 3, .out.000 and .out.001). The last
	 * attempt counts: SUBMIT = EXECUTE = 1677913874, JOB_FAILURE 1677913879, POST
	 * 1677913879..POST_SCRIPT_FAILURE 1677913884. ready = create_dir's post end 1677913804,
	 * so wms = 1677913874 - 1677913804 = 70 (it includes the failed first attempt);
	 * queue 0, runtime 5, post 5. Kickstart .out.001: utime 0.001 + stime 0.002 = 0.003,
	 * regular_exitcode 2. */
	j = job_of(&ds, 0, "ls_ID0000001");
	check_times(j, 1677913804, 1677913874, 1677913874, 1677913879, 1677913879, 1677913884);
	check_delays(j, 70, 0, 5, 5);
	CHECK_INT(j->attempts, 2);
	CHECK_INT(j->failed, 1);
	CHECK_INT(j->exit_code, 2);
	CHECK_NEAR(j->f[WFAD_F_CPU_TIME], 0.003, 1e-12);
	/* Jobs after the failure never ran: nodes with no timestamps, attempts 0, and no ready
	 * time (their parent failed, so DAGMan never made them ready). */
	const char *never[] = {"stage_out_local_local_0_0", "cleanup_process_0_local",
			       "register_local_0_0"};
	for (size_t i = 0; i < 3; i++) {
		j = job_of(&ds, 0, never[i]);
		CHECK_INT(j->attempts, 0);
		CHECK_INT(j->failed, 0);
		CHECK(isnan(j->f[WFAD_F_READY]) && isnan(j->f[WFAD_F_SUBMIT]) &&
		      isnan(j->f[WFAD_F_RUNTIME]) && isnan(j->f[WFAD_F_CPU_TIME]));
		CHECK(j->host == WFAD_NO_ID);
		CHECK_INT(j->exit_code, INT32_MIN);
	}
	wfad_dataset_free(&ds);
}

WFAD_TEST(pegasus_load_hierarchical_flattened)
{
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	struct wfad_error err = {0};
	CHECK_OK(wfad_pegasus_load(PG "/hierarchical_wf_success", &ds, &err), &err);
	if (ds.n_runs != 1) {
		CHECK_INT(ds.n_runs, 1);
		wfad_dataset_free(&ds);
		return;
	}
	CHECK_STR(ds.workflow, "hierarchical-workflow");
	/* 13 JOBs in hierarchical-workflow-0.dag + 15 in inner.dag = 28 nodes. Edges: 17 + 20
	 * PARENT lines, plus the sub-workflow's one root (create_dir_blackdiamond_0_local) wired
	 * to the plan job's 2 parents (curl, stage_in_local_local_1_0) = 2, plus its 3 leaves
	 * (register_local_{0,1,2}_0) wired to the plan job's 3 children = 9: 48. */
	CHECK_INT(ds.dag.n_nodes, 28);
	CHECK_INT(ds.dag.n_edges, 48);
	CHECK_STR(ds.dag.node_ids[13], "create_dir_blackdiamond_0_local" PLAN);
	CHECK(has_edge(&ds, "curl_ID0000001", "create_dir_blackdiamond_0_local" PLAN));
	CHECK(has_edge(&ds, "stage_in_local_local_1_0", "create_dir_blackdiamond_0_local" PLAN));
	CHECK(has_edge(&ds, "register_local_2_0" PLAN, "wc_ID0000002"));
	CHECK(has_edge(&ds, "register_local_0_0" PLAN, "cleanup_hierarchical-workflow_0_local"));
	CHECK(has_edge(&ds, "curl_ID0000001", "pegasus-plan_diamond_subworkflow"));
	CHECK(has_edge(&ds, "pegasus-plan_diamond_subworkflow", "wc_ID0000002"));
	CHECK(!has_edge(&ds, "pegasus-plan_diamond_subworkflow",
			"create_dir_blackdiamond_0_local" PLAN));
	/* The plan job: ready = max(curl post end 1677920531, stage_in_1 post end 1677920501);
	 * PRE_SCRIPT 1677920531..1677920539 -> pre delay 8, wms = pre start - ready = 0; SUBMIT =
	 * EXECUTE = 1677920541 -> queue 0; JOB_SUCCESS 1677920731 -> runtime 190; no POST. */
	const struct wfad_job *j = job_of(&ds, 0, "pegasus-plan_diamond_subworkflow");
	CHECK_INT(j->type, WFAD_JOB_SUBWF);
	CHECK_NEAR(j->f[WFAD_F_READY], 1677920531, 0);
	CHECK_NEAR(j->f[WFAD_F_PRE_SCRIPT_START], 1677920531, 0);
	CHECK_NEAR(j->f[WFAD_F_PRE_SCRIPT_DELAY], 8, 0);
	check_delays(j, 0, 0, 190, NAN);
	CHECK_STR(wfad_dataset_string(&ds, j->site), "local"); /* from jobstate.log */
	CHECK(j->host == WFAD_NO_ID);
	/* wc_ID0000002: parents plan (end 1677920731) and the sub-workflow leaves (no
	 * timestamps: inner has no jobstate.log) -> ready 1677920731; SUBMIT 1677920736 -> 5,
	 * EXECUTE 1677920760 -> 24, JOB_SUCCESS 1677920766 -> 6, POST ..1677920771 -> 5. */
	j = job_of(&ds, 0, "wc_ID0000002");
	check_delays(j, 5, 24, 6, 5);
	/* stage_out_local_local_2_0: POST_SCRIPT_STARTED 1677920781 but no end (the log stops),
	 * so its child register_local_2_0 is ready at its execute_end 1677920781. */
	j = job_of(&ds, 0, "stage_out_local_local_2_0");
	CHECK(isnan(j->f[WFAD_F_POST_SCRIPT_END]) && isnan(j->f[WFAD_F_POST_SCRIPT_DELAY]));
	j = job_of(&ds, 0, "register_local_2_0");
	CHECK_NEAR(j->f[WFAD_F_READY], 1677920781, 0);
	CHECK_INT(j->attempts, 0);
	/* Sub-workflow jobs: kickstart data, no timestamps; the root's ready comes from the plan
	 * job's parents (1677920531). preprocess: utime 19.965 + stime 0.002 = 19.967. */
	j = job_of(&ds, 0, "create_dir_blackdiamond_0_local" PLAN);
	CHECK_NEAR(j->f[WFAD_F_READY], 1677920531, 0);
	CHECK(isnan(j->f[WFAD_F_SUBMIT]));
	j = job_of(&ds, 0, "preprocess_ID0000001" PLAN);
	CHECK_NEAR(j->f[WFAD_F_CPU_TIME], 19.967, 1e-9);
	CHECK_STR(wfad_dataset_string(&ds, j->transformation), "preprocess");
	CHECK_STR(wfad_dataset_string(&ds, j->site), "condorpool");
	CHECK_INT(j->type, WFAD_JOB_COMPUTE);
	CHECK_INT(j->exit_code, 0);
	CHECK(isnan(j->f[WFAD_F_READY]));
	wfad_dataset_free(&ds);
}

WFAD_TEST(pegasus_load_missing_jobstate)
{
	char buf[64];
	const char *dir = make_tmpdir(buf, sizeof(buf));
	if (!dir)
		return;
	write_file(dir, "braindump.yml", "wf_uuid: \"u\"\ndag: \"w.dag\"\n");
	write_file(dir, "w.dag", "JOB a a.sub\n");
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	struct wfad_error err = {0};
	CHECK_INT(wfad_pegasus_load(dir, &ds, &err), WFAD_ENOTFOUND);
	CHECK(strstr(err.file, "jobstate.log") != NULL);
	CHECK(strstr(err.message, "jobstate.log") != NULL);
	CHECK_INT(ds.n_runs, 0);
	CHECK_INT(ds.dag.n_nodes, 0);
	wfad_dataset_free(&ds);
	/* No .dag at all (and no braindump naming one). */
	char path[256];
	snprintf(path, sizeof(path), "%s/w.dag", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/braindump.yml", dir);
	unlink(path);
	write_file(dir, "jobstate.log", "1 INTERNAL *** DAGMAN_STARTED 1.0 ***\n");
	wfad_dataset_init(&ds);
	CHECK_INT(wfad_pegasus_load(dir, &ds, &err), WFAD_ENOTFOUND);
	wfad_dataset_free(&ds);
	/* Not a directory. */
	wfad_dataset_init(&ds);
	CHECK_INT(wfad_pegasus_load(PG "/process_wf_success/jobstate.log", &ds, &err),
		  WFAD_ENOTFOUND);
	wfad_dataset_free(&ds);
	remove_tree(dir);
}

WFAD_TEST(pegasus_load_rejects_cycle_and_bad_lines)
{
	char buf[64];
	const char *dir = make_tmpdir(buf, sizeof(buf));
	if (!dir)
		return;
	write_file(dir, "w.dag",
		   "JOB a a.sub\nJOB b b.sub\nJOB c c.sub\nPARENT a CHILD b\nPARENT b CHILD c\n"
		   "PARENT c CHILD a\n");
	write_file(dir, "jobstate.log", "1 INTERNAL *** DAGMAN_STARTED 1.0 ***\n");
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	struct wfad_error err = {0};
	CHECK_INT(wfad_pegasus_load(dir, &ds, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "cycle") != NULL);
	CHECK(strstr(err.file, "w.dag") != NULL);
	CHECK_INT(ds.dag.n_nodes, 0);
	wfad_dataset_free(&ds);
	/* A bad jobstate.log line is reported with its file and line. */
	write_file(dir, "w.dag", "JOB a a.sub\n");
	write_file(dir, "jobstate.log", "1 INTERNAL *** DAGMAN_STARTED 1.0 ***\nx a SUBMIT\n");
	wfad_dataset_init(&ds);
	CHECK_INT(wfad_pegasus_load(dir, &ds, &err), WFAD_EPARSE);
	CHECK(strstr(err.file, "jobstate.log") != NULL);
	CHECK_INT(err.line, 2);
	wfad_dataset_free(&ds);
	/* A broken kickstart record is skipped, not fatal: the job just has no kickstart data. */
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/00", dir);
	CHECK_INT(mkdir(sub, 0755), 0);
	write_file(dir, "w.dag", "JOB a 00/a.sub\n");
	write_file(dir, "jobstate.log",
		   "1 INTERNAL *** DAGMAN_STARTED 1.0 ***\n2 a SUBMIT 1.0 s - 1\n");
	write_file(sub, "a.out.000", "- invocation: True\n  hostname: h0\n");
	write_file(sub, "a.out.001", "not yaml at all\n");
	wfad_dataset_init(&ds);
	CHECK_OK(wfad_pegasus_load(dir, &ds, &err), &err);
	if (ds.n_runs == 1) {
		const struct wfad_job *j = &ds.runs[0].jobs[0];
		CHECK(j->host == WFAD_NO_ID); /* .out.001 is the last record, and it is broken */
		CHECK_STR(wfad_dataset_string(&ds, j->site), "s");
		CHECK_NEAR(j->f[WFAD_F_WMS_DELAY], 1, 0);
		CHECK_STR(ds.workflow, "w");
		CHECK_STR(ds.runs[0].id, strrchr(dir, '/') + 1);
	}
	wfad_dataset_free(&ds);
	remove_tree(dir);
}

/* Writes a chain of `levels` nested submit directories under top: each level's w.dag has a
 * compute job leaf_ID0000001 and, except the last, a pegasus-plan_x job (after the leaf) whose
 * sub-workflow lives in 00/00/sub_x.000 (found as the highest sub_x.NNN). */
static void make_levels(const char *top, int levels)
{
	char dir[2048];
	snprintf(dir, sizeof(dir), "%s", top);
	for (int i = 0; i < levels; i++) {
		bool plan = i + 1 < levels;
		char dag[512];
		snprintf(dag, sizeof(dag), "JOB leaf_ID0000001 00/00/leaf_ID0000001.sub\n%s",
			 plan ? "JOB pegasus-plan_x 00/00/pegasus-plan_x.sub\n"
				"SCRIPT PRE pegasus-plan_x pre.sh --relative-submit-dir r/sub_x "
				"--basename w\n"
				"PARENT leaf_ID0000001 CHILD pegasus-plan_x\n"
			      : "");
		write_file(dir, "w.dag", dag);
		if (i == 0)
			write_file(dir, "jobstate.log", "5 INTERNAL *** DAGMAN_STARTED 1.0 ***\n");
		if (!plan)
			break;
		const char *parts[] = {"/00", "/00", "/sub_x.000"};
		for (int k = 0; k < 3; k++) {
			strncat(dir, parts[k], sizeof(dir) - strlen(dir) - 1);
			mkdir(dir, 0755);
		}
	}
}

WFAD_TEST(pegasus_load_nested_subworkflows)
{
	char buf[64];
	const char *dir = make_tmpdir(buf, sizeof(buf));
	if (!dir)
		return;
	make_levels(dir, 3);
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	struct wfad_error err = {0};
	CHECK_OK(wfad_pegasus_load(dir, &ds, &err), &err);
	/* 2 + 2 + 1 jobs; edges: leaf->plan in the two upper levels, plus the connectors
	 * top leaf -> level-1 leaf and level-1 leaf -> level-2 leaf (roots get the plan job's
	 * parents; the plan jobs have no children). */
	CHECK_INT(ds.dag.n_nodes, 5);
	CHECK_INT(ds.dag.n_edges, 4);
	const char *deep = "leaf_ID0000001_pegasus-plan_x_pegasus-plan_x";
	CHECK(node_of(&ds, deep) != WFAD_NO_ID);
	CHECK(has_edge(&ds, "leaf_ID0000001_pegasus-plan_x", deep));
	CHECK(has_edge(&ds, "leaf_ID0000001", "leaf_ID0000001_pegasus-plan_x"));
	if (ds.n_runs == 1)
		CHECK_NEAR(ds.runs[0].jobs[0].f[WFAD_F_READY], 5, 0); /* the root: DAGMAN_STARTED */
	wfad_dataset_free(&ds);
	remove_tree(dir);

	/* Ten levels is deeper than WFAD_PEGASUS_MAX_DEPTH. */
	dir = make_tmpdir(buf, sizeof(buf));
	if (!dir)
		return;
	make_levels(dir, WFAD_PEGASUS_MAX_DEPTH + 2);
	wfad_dataset_init(&ds);
	CHECK_INT(wfad_pegasus_load(dir, &ds, &err), WFAD_ELIMIT);
	CHECK_INT(ds.dag.n_nodes, 0);
	wfad_dataset_free(&ds);
	remove_tree(dir);
}

WFAD_TEST(pegasus_load_subworkflow_symlink_loop)
{
	char buf[64];
	const char *dir = make_tmpdir(buf, sizeof(buf));
	if (!dir)
		return;
	make_levels(dir, 1);
	/* The top workflow plans a sub-workflow whose directory is a symlink back to itself. */
	write_file(dir, "w.dag",
		   "JOB pegasus-plan_x 00/00/pegasus-plan_x.sub\n"
		   "SCRIPT PRE pegasus-plan_x pre.sh --dir /orig --relative-submit-dir "
		   "top/00/00/./sub_x --basename w\n");
	write_file(dir, "braindump.yml", "submit_dir: \"/orig/top/\"\ndag: \"w.dag\"\n");
	char path[256];
	snprintf(path, sizeof(path), "%s/00", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/00/00", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/00/00/sub_x", dir);
	CHECK_INT(symlink("../..", path), 0);
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	struct wfad_error err = {0};
	CHECK_INT(wfad_pegasus_load(dir, &ds, &err), WFAD_EINVAL);
	CHECK(strstr(err.message, "loop") != NULL);
	wfad_dataset_free(&ds);
	/* A symlink that loops on itself is just a missing sub-workflow: not flattened. */
	unlink(path);
	CHECK_INT(symlink("sub_x", path), 0);
	wfad_dataset_init(&ds);
	CHECK_OK(wfad_pegasus_load(dir, &ds, &err), &err);
	CHECK_INT(ds.dag.n_nodes, 1);
	wfad_dataset_free(&ds);
	/* So is a sub-workflow directory without its .dag (planning failed). */
	unlink(path);
	CHECK_INT(mkdir(path, 0755), 0);
	wfad_dataset_init(&ds);
	CHECK_OK(wfad_pegasus_load(dir, &ds, &err), &err);
	CHECK_INT(ds.dag.n_nodes, 1);
	CHECK_INT(ds.dag.n_edges, 0);
	wfad_dataset_free(&ds);
	remove_tree(dir);
}

WFAD_TEST(pegasus_merge_runs_of_one_workflow)
{
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	struct wfad_error err = {0};
	CHECK_OK(wfad_pegasus_load(PG "/process_wf_success", &ds, &err), &err);
	/* Same jobs and edges: a second run of the same DAG. */
	CHECK_OK(wfad_pegasus_load(PG "/process_wf_failure", &ds, &err), &err);
	CHECK_INT(ds.n_runs, 2);
	/* A different DAG is refused and the dataset is left as it was. */
	CHECK_INT(wfad_pegasus_load(PG "/hierarchical_wf_success", &ds, &err), WFAD_EINVAL);
	CHECK_INT(ds.n_runs, 2);
	CHECK_INT(ds.dag.n_nodes, 5);
	wfad_dataset_free(&ds);
}

/* ---- stampede ------------------------------------------------------------------------------ */

static void check_same_runs(const struct wfad_dataset *ds)
{
	CHECK_INT(ds->n_runs, 2);
	if (ds->n_runs != 2)
		return;
	for (size_t i = 0; i < ds->dag.n_nodes; i++) {
		const struct wfad_job *a = &ds->runs[0].jobs[i], *b = &ds->runs[1].jobs[i];
		int before = wfad_test_failures;
		for (int k = 0; k < WFAD_F_COUNT; k++)
			CHECK_NEAR(a->f[k], b->f[k], 1e-9);
		CHECK_INT(a->host, b->host);
		CHECK_INT(a->site, b->site);
		CHECK_INT(a->exit_code, b->exit_code);
		CHECK_INT(a->attempts, b->attempts);
		CHECK_INT(a->failed, b->failed);
		CHECK_INT(a->type, b->type);
		CHECK_INT(a->transformation, b->transformation);
		CHECK_INT(a->clustered, b->clustered);
		if (wfad_test_failures != before)
			printf("  (job %s)\n", ds->dag.node_ids[i]);
	}
}

WFAD_TEST(stampede_matches_directory)
{
	const char *runs[][2] = {
		{PG "/process_wf_success", PG "/process_wf_success/process-0.stampede.db"},
		{PG "/process_wf_failure", PG "/process_wf_failure/process-0.stampede.db"},
	};
	for (size_t r = 0; r < 2; r++) {
		struct wfad_dataset ds;
		wfad_dataset_init(&ds);
		struct wfad_error err = {0};
		CHECK_OK(wfad_pegasus_load(runs[r][0], &ds, &err), &err);
		/* Loading the database into the same dataset checks it has the same DAG. */
		CHECK_OK(wfad_stampede_load(runs[r][1], &ds, &err), &err);
		check_same_runs(&ds);
		if (ds.n_runs == 2) {
			CHECK_STR(ds.runs[1].id, ds.runs[0].id);
			CHECK_STR(ds.runs[1].source, runs[r][1]);
		}
		wfad_dataset_free(&ds);
	}
	/* Read off the success database by hand: ls_ID0000001's last job_instance (2) has
	 * SUBMIT 1677911044, EXECUTE 1677911059 -> queue 15, and invocation 3 (task_submit_seq
	 * 1) remote_cpu_time 0.005; WORKFLOW_STARTED 1677911023 is create_dir's ready. */
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	struct wfad_error err = {0};
	CHECK_OK(wfad_stampede_load(runs[0][1], &ds, &err), &err);
	CHECK_STR(ds.workflow, "process");
	const struct wfad_job *j = job_of(&ds, 0, "ls_ID0000001");
	CHECK_NEAR(j->f[WFAD_F_QUEUE_DELAY], 15, 0);
	CHECK_NEAR(j->f[WFAD_F_CPU_TIME], 0.005, 1e-12);
	j = job_of(&ds, 0, "create_dir_process_0_local");
	CHECK_NEAR(j->f[WFAD_F_READY], 1677911023, 0);
	wfad_dataset_free(&ds);
}

WFAD_TEST(stampede_hierarchical_flattened)
{
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	struct wfad_error err = {0};
	CHECK_OK(wfad_stampede_load(PG
				    "/hierarchical_wf_success/hierarchical-workflow-0.stampede.db",
				    &ds, &err),
		 &err);
	/* job_instance 5 (the plan job) has subwf_id 2: wf 2's 15 jobs are flattened, giving
	 * the same 28 nodes and 48 edges as the directory (checked by loading it on top). */
	CHECK_INT(ds.dag.n_nodes, 28);
	CHECK_INT(ds.dag.n_edges, 48);
	CHECK_OK(wfad_pegasus_load(PG "/hierarchical_wf_success", &ds, &err), &err);
	CHECK_INT(ds.n_runs, 2);
	/* Unlike the directory, the database has the sub-workflow's job states. preprocess
	 * (job_instance 13): parents stage_in_remote_local_0_0 and stage_in_local_local_0_0
	 * end their POST scripts at 1677920572 -> ready; SUBMIT 1677920577 -> wms 5; EXECUTE
	 * 1677920580 -> queue 3; JOB_SUCCESS 1677920602 -> runtime 22; POST ..1677920607 -> 5;
	 * remote_cpu_time 19.967 (= the kickstart's 19.965 + 0.002). */
	const struct wfad_job *j = job_of(&ds, 0, "preprocess_ID0000001" PLAN);
	check_times(j, 1677920572, 1677920577, 1677920580, 1677920602, 1677920602, 1677920607);
	check_delays(j, 5, 3, 22, 5);
	CHECK_NEAR(j->f[WFAD_F_CPU_TIME], 19.967, 1e-9);
	CHECK_NEAR(job_of(&ds, 1, "preprocess_ID0000001" PLAN)->f[WFAD_F_CPU_TIME], 19.967, 1e-9);
	/* The sub-workflow's root is ready when the plan job is (1677920531) and its SUBMIT
	 * 1677920542 gives wms 11 (planning and the sub-DAGMan start-up). */
	j = job_of(&ds, 0, "create_dir_blackdiamond_0_local" PLAN);
	CHECK_NEAR(j->f[WFAD_F_READY], 1677920531, 0);
	CHECK_NEAR(j->f[WFAD_F_WMS_DELAY], 11, 0);
	/* Top-level jobs agree with the directory. */
	const char *top[] = {"curl_ID0000001", "stage_in_local_local_1_0", "wc_ID0000002",
			     "pegasus-plan_diamond_subworkflow"};
	for (size_t i = 0; i < 4; i++) {
		const struct wfad_job *a = job_of(&ds, 0, top[i]), *b = job_of(&ds, 1, top[i]);
		for (int k = WFAD_F_WMS_DELAY; k <= WFAD_F_POST_SCRIPT_DELAY; k++)
			CHECK_NEAR(a->f[k], b->f[k], 0);
	}
	wfad_dataset_free(&ds);
}

WFAD_TEST(stampede_bad_input)
{
	char buf[64];
	const char *dir = make_tmpdir(buf, sizeof(buf));
	if (!dir)
		return;
	struct wfad_dataset ds;
	wfad_dataset_init(&ds);
	struct wfad_error err = {0};
	/* Not SQLite at all. */
	write_file(dir, "text.db",
		   "this is not an SQLite database, just text that is long "
		   "enough to fill a header of one hundred bytes or so..........\n");
	char path[256];
	snprintf(path, sizeof(path), "%s/text.db", dir);
	CHECK_INT(wfad_stampede_load(path, &ds, &err), WFAD_EFORMAT);
	CHECK(strstr(err.message, "not an SQLite database") != NULL);
	CHECK_STR(err.file, path);
	/* Missing. */
	snprintf(path, sizeof(path), "%s/missing.db", dir);
	CHECK_INT(wfad_stampede_load(path, &ds, &err), WFAD_ENOTFOUND);
	/* SQLite, but not a stampede database; then one with no root workflow. */
	snprintf(path, sizeof(path), "%s/other.db", dir);
	sqlite3 *db = NULL;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db, "CREATE TABLE t(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(wfad_stampede_load(path, &ds, &err), WFAD_EFORMAT);
	CHECK(strstr(err.message, "stampede") != NULL);
	db = NULL;
	CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
	CHECK_INT(sqlite3_exec(db,
			       "CREATE TABLE workflow(wf_id INTEGER, wf_uuid TEXT, dax_label TEXT,"
			       " parent_wf_id INTEGER)",
			       NULL, NULL, NULL),
		  SQLITE_OK);
	sqlite3_close(db);
	CHECK_INT(wfad_stampede_load(path, &ds, &err), WFAD_ENOTFOUND);
	CHECK_INT(ds.n_runs, 0);
	CHECK_INT(ds.dag.n_nodes, 0);
	wfad_dataset_free(&ds);
	remove_tree(dir);
}
