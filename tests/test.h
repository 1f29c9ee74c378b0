/* wfad test harness: WFAD_TEST(name) registers a test (see scripts/gen-test-registry.sh);
 * CHECK macros print both values and mark the current test failed. */
#ifndef WFAD_TEST_H
#define WFAD_TEST_H

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "wfad/core.h"

extern int wfad_test_failures;
extern int wfad_test_skipped;

#define WFAD_TEST(name)                                                                            \
	void test_##name(void);                                                                    \
	void test_##name(void)

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			printf("  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);          \
			wfad_test_failures++;                                                      \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long va_ = (long long)(a), vb_ = (long long)(b);                              \
		if (va_ != vb_) {                                                                  \
			printf("  %s:%d: %s == %s failed: %lld vs %lld\n", __FILE__, __LINE__, #a, \
			       #b, va_, vb_);                                                      \
			wfad_test_failures++;                                                      \
		}                                                                                  \
	} while (0)

#define CHECK_NEAR(a, b, tol)                                                                      \
	do {                                                                                       \
		double va_ = (double)(a), vb_ = (double)(b);                                       \
		if (!(fabs(va_ - vb_) <= (tol)) && !(isnan(va_) && isnan(vb_))) {                  \
			printf("  %s:%d: %s ~= %s failed: %.17g vs %.17g\n", __FILE__, __LINE__,   \
			       #a, #b, va_, vb_);                                                  \
			wfad_test_failures++;                                                      \
		}                                                                                  \
	} while (0)

#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *va_ = (a), *vb_ = (b);                                                 \
		if (!va_ || !vb_ || strcmp(va_, vb_) != 0) {                                       \
			printf("  %s:%d: %s == %s failed: \"%s\" vs \"%s\"\n", __FILE__, __LINE__, \
			       #a, #b, va_ ? va_ : "(null)", vb_ ? vb_ : "(null)");                \
			wfad_test_failures++;                                                      \
		}                                                                                  \
	} while (0)

#define CHECK_OK(expr, errp)                                                                       \
	do {                                                                                       \
		enum wfad_status st_ = (expr);                                                     \
		if (st_ != WFAD_OK) {                                                              \
			char eb_[1200];                                                            \
			wfad_error_format((errp), eb_, sizeof(eb_));                               \
			printf("  %s:%d: %s failed: %s\n", __FILE__, __LINE__, #expr, eb_);        \
			wfad_test_failures++;                                                      \
		}                                                                                  \
	} while (0)

/* Marks the current test skipped (with a reason) when a precondition such as ../shared
 * data is missing; the caller returns right after. */
#define SKIP(reason)                                                                               \
	do {                                                                                       \
		printf("  skipped: %s\n", reason);                                                 \
		wfad_test_skipped = 1;                                                             \
	} while (0)

/* Path of the shared data folder (WFAD_SHARED, default ../shared), or NULL if absent. */
const char *wfad_test_shared(void);
/* "<shared>/<rel>" in a static buffer, or NULL if shared data is absent or rel is missing. */
const char *wfad_test_shared_path(const char *rel);
/* Path of the wfad CLI binary under test (WFAD_BIN, default build/wfad). */
const char *wfad_test_bin(void);
/* Runs a shell command, captures stdout (and stderr when merge_stderr) into a malloc'ed
 * string; returns the exit status (or -1). */
int wfad_test_run(const char *cmd, char **output);

/* Fits detector `name` on js with an absurd learning rate: the fit must fail, naming the epoch
 * of the divergence, and leave no (NaN) model to score with. */
struct wfad_jobset;
void wfad_test_divergence_names_epoch(const char *name, const struct wfad_jobset *js);

#endif
