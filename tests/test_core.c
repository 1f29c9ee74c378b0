/* Tests of the core: number parsing, interner, RNG, arena, errors. */
#include <stdlib.h>

#include "test.h"

WFAD_TEST(parse_double_matches_strtod)
{
	const char *cases[] = {"0",
			       "0.0",
			       "1659744775.0",
			       "934.6",
			       "-2.5",
			       "15801653.0",
			       "1e3",
			       "2.5E-3",
			       "123456789012345678901234",
			       "0.1",
			       "1091940.8",
			       "+7",
			       "3.14159265358979323846",
			       "1e-320",
			       "9007199254740993"};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double v = -1;
		CHECK(wfad_parse_double(cases[i], strlen(cases[i]), &v));
		CHECK_INT(memcmp(&v, &(double){strtod(cases[i], NULL)}, sizeof(v)), 0);
	}
	const char *bad[] = {"", "-", ".", "1e", "abc", "1.0x", "nan", "inf", "1 ", " 1", "1,0"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double v;
		CHECK(!wfad_parse_double(bad[i], strlen(bad[i]), &v));
	}
}

WFAD_TEST(parse_double_random_agrees_with_strtod)
{
	struct wfad_rng rng;
	wfad_rng_seed(&rng, 7);
	char buf[64];
	for (int i = 0; i < 20000; i++) {
		double x =
			(wfad_rng_uniform(&rng) - 0.3) * pow(10, (int)wfad_rng_below(&rng, 24) - 8);
		int prec = 1 + (int)wfad_rng_below(&rng, 17);
		snprintf(buf, sizeof(buf), "%.*f", prec > 10 ? 10 : prec, x);
		double v;
		CHECK(wfad_parse_double(buf, strlen(buf), &v));
		double ref = strtod(buf, NULL);
		if (memcmp(&v, &ref, sizeof(v)) != 0) {
			printf("  mismatch on %s\n", buf);
			wfad_test_failures++;
			break;
		}
	}
}

WFAD_TEST(strings_intern_dedupes)
{
	struct wfad_arena a;
	wfad_arena_init(&a);
	struct wfad_strings s;
	wfad_strings_init(&s, &a);
	uint32_t ids[1000];
	char buf[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(buf, sizeof(buf), "host-%d", i);
		CHECK_INT(wfad_strings_intern(&s, buf, strlen(buf), &ids[i]), WFAD_OK);
	}
	for (int i = 0; i < 1000; i++) {
		uint32_t id;
		snprintf(buf, sizeof(buf), "host-%d", i);
		CHECK_INT(wfad_strings_intern(&s, buf, strlen(buf), &id), WFAD_OK);
		CHECK_INT(id, ids[i]);
	}
	CHECK_INT(s.count, 1000);
	uint32_t id;
	CHECK(!wfad_strings_find(&s, "host-", 5, &id));
	CHECK(wfad_strings_find(&s, "host-12", 7, &id));
	CHECK_STR(s.items[id], "host-12");
	wfad_strings_free(&s);
	wfad_arena_free(&a);
}

WFAD_TEST(rng_is_seeded_and_unbiased)
{
	struct wfad_rng a, b;
	wfad_rng_seed(&a, 42);
	wfad_rng_seed(&b, 42);
	for (int i = 0; i < 100; i++)
		CHECK(wfad_rng_next(&a) == wfad_rng_next(&b));
	int counts[3] = {0};
	for (int i = 0; i < 30000; i++)
		counts[wfad_rng_below(&a, 3)]++;
	for (int i = 0; i < 3; i++)
		CHECK(counts[i] > 9500 && counts[i] < 10500);
}

WFAD_TEST(error_format_has_file_line)
{
	struct wfad_error err;
	wfad_error_clear(&err);
	wfad_error_set(&err, WFAD_EPARSE, "a.csv", 12, 3, "bad %s", "number");
	char buf[256];
	wfad_error_format(&err, buf, sizeof(buf));
	CHECK_STR(buf, "a.csv:12:3: bad number");
	err.column = 0;
	wfad_error_format(&err, buf, sizeof(buf));
	CHECK_STR(buf, "a.csv:12: bad number");
}

/* The largest positive values, largest first, the lower index first among equals; zero,
 * negative and NaN values never picked; max bounds the count. */
WFAD_TEST(top_positive_orders_and_bounds)
{
	const double v[8] = {0.5, -1.0, 2.0, NAN, 0.5, 0.0, 3.0, 0.25};
	size_t top[8];
	CHECK_INT(wfad_top_positive(v, 8, 8, top), 5);
	const size_t want[5] = {6, 2, 0, 4, 7};
	for (size_t k = 0; k < 5; k++)
		CHECK_INT(top[k], want[k]);
	CHECK_INT(wfad_top_positive(v, 8, 3, top), 3);
	CHECK_INT(top[0], 6);
	CHECK_INT(top[1], 2);
	CHECK_INT(top[2], 0);
	CHECK_INT(wfad_top_positive(v, 8, 0, top), 0);
	CHECK_INT(wfad_top_positive(v + 1, 1, 4, top), 0);
}
