/* CLI golden tests: tests/golden/<case>/args is run as `wfad ARGS` (stdout and stderr
 * together) and must print exactly tests/golden/<case>/expected, ending with [exit N]. */
#include <dirent.h>
#include <stdlib.h>

#include "test.h"

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

WFAD_TEST(cli_golden_files)
{
	/* Cases that run several commands name the binary as $WFAD_BIN. */
	setenv("WFAD_BIN", wfad_test_bin(), 0);
	DIR *d = opendir("tests/golden");
	CHECK(d != NULL);
	if (!d)
		return;
	char *names[256];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 256)
		if (e->d_name[0] != '.')
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	CHECK(n >= 10);
	for (size_t i = 0; i < n; i++) {
		char path[512], *args = NULL, *expected = NULL, *out = NULL;
		size_t len;
		struct wfad_error err = {0};
		snprintf(path, sizeof(path), "tests/golden/%s/args", names[i]);
		if (wfad_read_file(path, 1 << 16, &args, &len, &err) != WFAD_OK)
			goto next;
		while (len && (args[len - 1] == '\n' || args[len - 1] == '\r'))
			args[--len] = '\0';
		snprintf(path, sizeof(path), "tests/golden/%s/expected", names[i]);
		if (wfad_read_file(path, 1 << 24, &expected, &len, &err) != WFAD_OK) {
			printf("  %s: no expected file (run scripts/update-golden.sh)\n", names[i]);
			wfad_test_failures++;
			goto next;
		}
		char cmd[4096];
		snprintf(cmd, sizeof(cmd), "%s %s 2>&1; echo \"[exit $?]\"", wfad_test_bin(), args);
		wfad_test_run(cmd, &out);
		if (!out || strcmp(out, expected) != 0) {
			printf("  %s: output differs from tests/golden/%s/expected\n", names[i],
			       names[i]);
			printf("  --- got ---\n%.2000s  --- end ---\n", out ? out : "");
			wfad_test_failures++;
		}
	next:
		free(args);
		free(expected);
		free(out);
		free(names[i]);
	}
}
