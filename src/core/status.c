/* Status names, error reports, assertions and the log hook. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/core.h"

const char *wfad_status_name(enum wfad_status status)
{
	switch (status) {
	case WFAD_OK: return "ok";
	case WFAD_ENOMEM: return "out of memory";
	case WFAD_EIO: return "i/o error";
	case WFAD_EPARSE: return "parse error";
	case WFAD_EINVAL: return "invalid input";
	case WFAD_ENOTFOUND: return "not found";
	case WFAD_EFORMAT: return "unsupported format";
	case WFAD_ELIMIT: return "limit exceeded";
	}
	return "unknown status";
}

void wfad_error_clear(struct wfad_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
}

enum wfad_status wfad_error_set(struct wfad_error *err, enum wfad_status status, const char *file,
				long line, long column, const char *fmt, ...)
{
	if (!err)
		return status;
	err->status = status;
	snprintf(err->file, sizeof(err->file), "%s", file ? file : "");
	err->line = line;
	err->column = column;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	return status;
}

void wfad_error_format(const struct wfad_error *err, char *buf, size_t size)
{
	if (!size)
		return;
	const char *msg = err->message[0] ? err->message : wfad_status_name(err->status);
	if (err->file[0] && err->line > 0 && err->column > 0)
		snprintf(buf, size, "%s:%ld:%ld: %s", err->file, err->line, err->column, msg);
	else if (err->file[0] && err->line > 0)
		snprintf(buf, size, "%s:%ld: %s", err->file, err->line, msg);
	else if (err->file[0])
		snprintf(buf, size, "%s: %s", err->file, msg);
	else
		snprintf(buf, size, "%s", msg);
}

_Noreturn void wfad_assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, expr);
	abort();
}

static wfad_log_fn log_fn;
static void *log_user;

void wfad_log_set_handler(wfad_log_fn fn, void *user)
{
	log_fn = fn;
	log_user = user;
}

void wfad_log(enum wfad_log_level level, const char *fmt, ...)
{
	if (!log_fn)
		return;
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_fn(level, buf, log_user);
}
