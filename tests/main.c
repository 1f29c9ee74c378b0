/* Test runner: runs every registered test (or those whose name contains an argument) and
 * ends with "N passed, N failed". Fuzz harnesses replay their seed corpora as tests. */
#include <dirent.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"
#include "wfad/detect.h"

int wfad_test_failures;
int wfad_test_skipped;

#define X(name) void test_##name(void);
#define FUZZ(name) int wfad_fuzz_##name(const uint8_t *data, size_t size);
#include "test_registry.h"
#undef X
#undef FUZZ

void wfad_test_divergence_names_epoch(const char *name, const struct wfad_jobset *js)
{
	const struct wfad_detector_ops *ops = wfad_detector_find(name);
	struct wfad_detector_params p = {.seed = 1, .lr = 1e30, .epochs = 20};
	struct wfad_detector *det = NULL;
	CHECK_INT(ops->create(&p, &det), WFAD_OK);
	struct wfad_error err = {0};
	CHECK_INT(ops->fit(det, js, NULL, &err), WFAD_EINVAL);
	printf("  %s\n", err.message);
	CHECK(strstr(err.message, "diverged at epoch") != NULL);
	double *s = malloc((js->n + 1) * sizeof(double));
	CHECK_INT(ops->score(det, js, s, &err), WFAD_EINVAL); /* no NaN model */
	free(s);
	ops->destroy(det);
}

const char *wfad_test_shared(void)
{
	const char *s = getenv("WFAD_SHARED");
	if (!s)
		s = "../shared";
	struct stat st;
	return stat(s, &st) == 0 && S_ISDIR(st.st_mode) ? s : NULL;
}

const char *wfad_test_shared_path(const char *rel)
{
	static char buf[4096];
	const char *s = wfad_test_shared();
	if (!s)
		return NULL;
	snprintf(buf, sizeof(buf), "%s/%s", s, rel);
	struct stat st;
	return stat(buf, &st) == 0 ? buf : NULL;
}

const char *wfad_test_bin(void)
{
	const char *b = getenv("WFAD_BIN");
	return b ? b : "build/wfad";
}

int wfad_test_run(const char *cmd, char **output)
{
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	size_t n = 0, cap = 4096;
	char *buf = malloc(cap);
	for (;;) {
		if (cap - n < 4096) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		size_t got = fread(buf + n, 1, cap - n - 1, p);
		if (!got)
			break;
		n += got;
	}
	buf[n] = '\0';
	int status = pclose(p);
	if (output)
		*output = buf;
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Feeds every file of fuzz/corpus/<name>/ to the harness; a crash fails the whole run. */
static void replay_corpus(const char *name, int (*fn)(const uint8_t *, size_t))
{
	char dir[512];
	snprintf(dir, sizeof(dir), "fuzz/corpus/%s", name);
	DIR *d = opendir(dir);
	if (!d) {
		printf("  no corpus at %s\n", dir);
		wfad_test_failures++;
		return;
	}
	int files = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		char *data;
		size_t len;
		struct wfad_error err = {0};
		if (wfad_read_file(path, 64u << 20, &data, &len, &err) != WFAD_OK)
			continue;
		fn((const uint8_t *)data, len);
		free(data);
		files++;
	}
	closedir(d);
	if (files == 0) {
		printf("  empty corpus at %s\n", dir);
		wfad_test_failures++;
	}
}

struct test {
	const char *name;
	void (*fn)(void);
	const char *fuzz;
	int (*fuzz_fn)(const uint8_t *, size_t);
};

static const struct test tests[] = {
#define X(name) {#name, test_##name, NULL, NULL},
#define FUZZ(name) {"fuzz_corpus_" #name, NULL, #name, wfad_fuzz_##name},
#include "test_registry.h"
#undef X
#undef FUZZ
};

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
		const struct test *t = &tests[i];
		if (argc > 1) {
			bool match = false;
			for (int a = 1; a < argc; a++)
				match |= strstr(t->name, argv[a]) != NULL;
			if (!match)
				continue;
		}
		printf("%s\n", t->name);
		wfad_test_failures = 0;
		wfad_test_skipped = 0;
		if (t->fn)
			t->fn();
		else
			replay_corpus(t->fuzz, t->fuzz_fn);
		if (wfad_test_failures) {
			printf("  FAILED\n");
			failed++;
		} else if (wfad_test_skipped) {
			skipped++;
		} else {
			passed++;
		}
	}
	if (skipped)
		printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	else
		printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
