/* Little-endian binary read/write helpers for model files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/detect.h"

static bool write_le(FILE *f, uint64_t v, int bytes)
{
	unsigned char b[8];
	for (int i = 0; i < bytes; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	return fwrite(b, 1, (size_t)bytes, f) == (size_t)bytes;
}

static bool read_le(FILE *f, uint64_t *v, int bytes)
{
	unsigned char b[8];
	if (fread(b, 1, (size_t)bytes, f) != (size_t)bytes)
		return false;
	*v = 0;
	for (int i = 0; i < bytes; i++)
		*v |= (uint64_t)b[i] << (8 * i);
	return true;
}

bool wfad_io_write_u32(FILE *f, uint32_t v)
{
	return write_le(f, v, 4);
}

bool wfad_io_write_u64(FILE *f, uint64_t v)
{
	return write_le(f, v, 8);
}

bool wfad_io_write_f64(FILE *f, double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	return write_le(f, u, 8);
}

bool wfad_io_write_f32s(FILE *f, const float *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint32_t u;
		memcpy(&u, &v[i], 4);
		if (!write_le(f, u, 4))
			return false;
	}
	return true;
}

bool wfad_io_write_f64s(FILE *f, const double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!wfad_io_write_f64(f, v[i]))
			return false;
	return true;
}

bool wfad_io_read_u32(FILE *f, uint32_t *v)
{
	uint64_t u;
	if (!read_le(f, &u, 4))
		return false;
	*v = (uint32_t)u;
	return true;
}

bool wfad_io_read_u64(FILE *f, uint64_t *v)
{
	return read_le(f, v, 8);
}

bool wfad_io_read_f64(FILE *f, double *v)
{
	uint64_t u;
	if (!read_le(f, &u, 8))
		return false;
	memcpy(v, &u, 8);
	return true;
}

bool wfad_io_read_f32s(FILE *f, float *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t u;
		if (!read_le(f, &u, 4))
			return false;
		uint32_t w = (uint32_t)u;
		memcpy(&v[i], &w, 4);
	}
	return true;
}

bool wfad_io_read_f64s(FILE *f, double *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!wfad_io_read_f64(f, &v[i]))
			return false;
	return true;
}

bool wfad_io_has_bytes(FILE *f, uint64_t n)
{
	long at = ftell(f);
	if (at < 0 || fseek(f, 0, SEEK_END) != 0)
		return true; /* not seekable: the reads will tell */
	long end = ftell(f);
	bool ok = end >= at && (uint64_t)(end - at) >= n;
	if (fseek(f, at, SEEK_SET) != 0)
		return false;
	return ok;
}

bool wfad_io_write_str(FILE *f, const char *s)
{
	size_t n = strlen(s);
	return n <= WFAD_IO_MAX_STRING && wfad_io_write_u32(f, (uint32_t)n) &&
	       fwrite(s, 1, n, f) == n;
}

bool wfad_io_read_str(FILE *f, char *buf, size_t cap)
{
	uint32_t n;
	if (!wfad_io_read_u32(f, &n) || n >= cap || n > WFAD_IO_MAX_STRING)
		return false;
	if (fread(buf, 1, n, f) != n)
		return false;
	buf[n] = '\0';
	return true;
}

enum wfad_status wfad_io_read_head(FILE *f, const char magic[8], uint32_t version, const char *path,
				   const char *what, struct wfad_error *err)
{
	char got[8];
	uint32_t v = 0;
	if (fread(got, 1, 8, f) != 8 || memcmp(got, magic, 8) != 0)
		return wfad_error_set(err, WFAD_EFORMAT, path, 0, 0, "not a wfad %s file", what);
	if (!wfad_io_read_u32(f, &v) || v != version)
		return wfad_error_set(
			err, WFAD_EFORMAT, path, 0, 0,
			"%s format version %u; this wfad reads version %u (retrain the "
			"model)",
			what, v, version);
	return WFAD_OK;
}

FILE *wfad_io_open_temp(const char *path, char **tmp, struct wfad_error *err)
{
	size_t n = strlen(path) + 8;
	if (!(*tmp = malloc(n))) {
		wfad_error_set(err, WFAD_ENOMEM, path, 0, 0, "out of memory");
		return NULL;
	}
	snprintf(*tmp, n, "%s.tmp", path);
	FILE *f = fopen(*tmp, "wb");
	if (!f) {
		wfad_error_set(err, WFAD_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
		free(*tmp);
		*tmp = NULL;
	}
	return f;
}

enum wfad_status wfad_io_commit_temp(FILE *f, char *tmp, const char *path, bool ok,
				     struct wfad_error *err)
{
	ok = (fclose(f) == 0) && ok;
	enum wfad_status st = WFAD_OK;
	if (!ok || rename(tmp, path) != 0) {
		st = wfad_error_set(err, WFAD_EIO, path, 0, 0, "cannot write: %s", strerror(errno));
		remove(tmp);
	}
	free(tmp);
	return st;
}

enum wfad_status wfad_io_read_tag(FILE *f, uint32_t magic, uint32_t version, const char *what,
				  struct wfad_error *err)
{
	uint32_t got, v;
	if (!wfad_io_read_u32(f, &got) || !wfad_io_read_u32(f, &v))
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated %s", what);
	if (got != magic)
		return wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
				      "not a %s (bad magic: another model's?)", what);
	if (v != version)
		return wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
				      "%s version %u is not supported (this wfad reads %u)", what,
				      v, version);
	return WFAD_OK;
}
