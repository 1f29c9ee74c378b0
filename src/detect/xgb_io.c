/* XGBoost boosters inside model files (xgb_io.h). */
#include <stdlib.h>

#include "wfad/detect.h"
#include "xgb_io.h"

enum wfad_status wfad_xgb_write_booster(BoosterHandle b, FILE *f)
{
	bst_ulong len = 0;
	const char *buf = NULL;
	if (XGBoosterSaveModelToBuffer(b, "{\"format\": \"ubj\"}", &len, &buf) != 0)
		return WFAD_EINVAL;
	if (!wfad_io_write_u64(f, len) || fwrite(buf, 1, len, f) != len ||
	    !wfad_io_write_u64(f, wfad_fnv1a(WFAD_FNV_OFFSET, buf, len)))
		return WFAD_EIO;
	return WFAD_OK;
}

enum wfad_status wfad_xgb_read_booster(FILE *f, const char *name, bool checked, BoosterHandle *out,
				       struct wfad_error *err)
{
	uint64_t len;
	if (!wfad_io_read_u64(f, &len))
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated %s model", name);
	if (len == 0)
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "%s model with empty trees",
				      name);
	if (len > WFAD_XGB_MAX_MODEL_BYTES)
		return wfad_error_set(err, WFAD_ELIMIT, "", 0, 0, "%s model too large", name);
	/* Read in steps so a corrupt length cannot allocate more than the file holds. */
	char *buf = NULL;
	size_t got = 0, cap = 0;
	enum wfad_status st = WFAD_OK;
	while (st == WFAD_OK && got < len) {
		if (got == cap) {
			size_t c = cap ? 2 * cap : 1 << 16;
			c = c < len ? c : (size_t)len;
			char *nb = realloc(buf, c);
			if (!nb) {
				st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory",
						    name);
				break;
			}
			buf = nb;
			cap = c;
		}
		size_t n = fread(buf + got, 1, cap - got, f);
		if (n == 0)
			st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated %s model", name);
		got += n;
	}
	uint64_t sum;
	if (st == WFAD_OK && checked) {
		if (!wfad_io_read_u64(f, &sum))
			st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated %s model", name);
		else if (sum != wfad_fnv1a(WFAD_FNV_OFFSET, buf, len))
			st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
					    "%s model: the trees are corrupt (checksum mismatch)",
					    name);
	}
	BoosterHandle b = NULL;
	if (st == WFAD_OK &&
	    (XGBoosterCreate(NULL, 0, &b) != 0 || XGBoosterLoadModelFromBuffer(b, buf, len) != 0))
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "%s model: xgboost: %s", name,
				    XGBGetLastError());
	free(buf);
	if (st != WFAD_OK) {
		if (b)
			XGBoosterFree(b);
		return st;
	}
	*out = b;
	return WFAD_OK;
}
