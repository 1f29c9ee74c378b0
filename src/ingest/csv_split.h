/* Internal: CSV line splitting, a vectorised version and the naive reference it is tested
 * against (tests/test_ingest.c). */
#ifndef WFAD_INGEST_CSV_SPLIT_H
#define WFAD_INGEST_CSV_SPLIT_H

#include <stddef.h>

/* Splits line[0..len) at commas outside double quotes. Field k is fs[k][0..fl[k]) with its
 * enclosing quotes removed (a doubled "" inside stays doubled). Only the first max fields are
 * stored. Returns the number of fields, -1 with *bad_col (1-based) at an unterminated quote or
 * a quote inside an unquoted field / text after a closing quote, or -2 at a NUL byte. */
long wfad_csv_split(const char *line, size_t len, const char **fs, size_t *fl, size_t max,
		    size_t *bad_col);
long wfad_csv_split_ref(const char *line, size_t len, const char **fs, size_t *fl, size_t max,
			size_t *bad_col);

#endif
