/* wfad core: status codes, error reports, assertions, arenas, RNG and the log hook. */
#ifndef WFAD_CORE_H
#define WFAD_CORE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WFAD_VERSION_MAJOR 0
#define WFAD_VERSION_MINOR 1
#define WFAD_VERSION_PATCH 0
#define WFAD_VERSION_STRING "0.1.0"

/* Result of every fallible call: 0 is success, negative values are errors. */
enum wfad_status {
	WFAD_OK = 0,
	WFAD_ENOMEM = -1,    /* allocation failed */
	WFAD_EIO = -2,       /* a file could not be opened, read or written */
	WFAD_EPARSE = -3,    /* malformed input: syntax, types, column counts */
	WFAD_EINVAL = -4,    /* inconsistent input: unknown ids, cycles, duplicates */
	WFAD_ENOTFOUND = -5, /* a required file, column or entry is missing */
	WFAD_EFORMAT = -6,   /* input of an unknown or unsupported kind */
	WFAD_ELIMIT = -7,    /* input exceeds a documented limit (line length, sizes) */
};

/* Short text for a status, e.g. "parse error". Never NULL. */
const char *wfad_status_name(enum wfad_status status);

/* Where and why a parser or loader failed. Callers own it (usually on the stack); zero it or
 * call wfad_error_clear before use. line and column are 1-based, 0 when unknown. */
struct wfad_error {
	enum wfad_status status;
	char file[512];
	long line;
	long column;
	char message[512];
};

void wfad_error_clear(struct wfad_error *err);

/* Fills err (if not NULL) and returns status, so a reader can `return wfad_error_set(...)`. */
enum wfad_status wfad_error_set(struct wfad_error *err, enum wfad_status status, const char *file,
				long line, long column, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Formats the error as "file:line:col: message" (parts that are unknown are left out). */
void wfad_error_format(const struct wfad_error *err, char *buf, size_t size);

/* Programmer errors abort with file and line, in release builds too. */
#define WFAD_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond))                                                                       \
			wfad_assert_fail(#cond, __FILE__, __LINE__);                               \
	} while (0)
_Noreturn void wfad_assert_fail(const char *expr, const char *file, int line);

/* Logging: the library never prints; the application installs a handler (default: none). */
enum wfad_log_level { WFAD_LOG_DEBUG, WFAD_LOG_INFO, WFAD_LOG_WARN, WFAD_LOG_ERROR };
typedef void (*wfad_log_fn)(enum wfad_log_level level, const char *message, void *user);
void wfad_log_set_handler(wfad_log_fn fn, void *user);
void wfad_log(enum wfad_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Arena: bump allocator for everything parsed from one source. Caller-owned struct:
 * zero it (or wfad_arena_init), allocate, then wfad_arena_free releases every block at once. */
struct wfad_arena_block;
struct wfad_arena {
	struct wfad_arena_block *head;
	size_t bytes; /* total bytes reserved, for memory accounting */
};
void wfad_arena_init(struct wfad_arena *arena);
void wfad_arena_free(struct wfad_arena *arena);
/* Moves every block of src into dst (src ends empty); pointers into src stay valid. */
void wfad_arena_adopt(struct wfad_arena *dst, struct wfad_arena *src);
/* 16-byte aligned; NULL when out of memory. */
void *wfad_arena_alloc(struct wfad_arena *arena, size_t size);
/* Copies len bytes and a terminating NUL into the arena. */
char *wfad_arena_strndup(struct wfad_arena *arena, const char *s, size_t len);
char *wfad_arena_strdup(struct wfad_arena *arena, const char *s);

/* String interner: maps equal strings to one arena copy and a dense id (0, 1, 2, ...).
 * Caller-owned; strings live in the given arena, the table itself in the heap. */
struct wfad_strings {
	struct wfad_arena *arena;
	char **items;   /* id -> string */
	uint32_t *lens; /* id -> length */
	size_t count;
	size_t cap_items;
	uint32_t *slots; /* open addressing: id + 1, 0 = empty */
	size_t cap_slots;
};
void wfad_strings_init(struct wfad_strings *s, struct wfad_arena *arena);
void wfad_strings_free(struct wfad_strings *s);
/* Interns s[0..len); writes the id to *id. */
enum wfad_status wfad_strings_intern(struct wfad_strings *s, const char *str, size_t len,
				     uint32_t *id);
/* Looks up without inserting; returns false when absent. */
bool wfad_strings_find(const struct wfad_strings *s, const char *str, size_t len, uint32_t *id);

/* Seeded RNG (xoshiro256**): state passed explicitly, never global. */
struct wfad_rng {
	uint64_t s[4];
};
void wfad_rng_seed(struct wfad_rng *rng, uint64_t seed);
/* Next 64 random bits. Inline: hot loops (dropout masks, sampling) call it per element. */
static inline uint64_t wfad_rng_next(struct wfad_rng *rng)
{
	uint64_t *s = rng->s;
	uint64_t x = s[1] * 5;
	uint64_t result = ((x << 7) | (x >> 57)) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = (s[3] << 45) | (s[3] >> 19);
	return result;
}
/* Uniform in [0, 1). */
double wfad_rng_uniform(struct wfad_rng *rng);
/* Uniform integer in [0, n), n > 0, without modulo bias. */
uint64_t wfad_rng_below(struct wfad_rng *rng, uint64_t n);

/* qsort comparator for doubles, ascending. */
int wfad_double_compare(const void *a, const void *b);
/* Median of v[0..n), sorting v in place: the mean of the two middle values when n is even,
 * NaN when n == 0. */
double wfad_median(double *v, size_t n);
/* top[0..r) = the indices of the (at most max) largest positive values of v[0..n), largest
 * first, the lower index first among equals; returns r. NaN counts as not positive. */
size_t wfad_top_positive(const double *v, size_t n, size_t max, size_t *top);

/* Monotonic wall-clock seconds, for timings reported next to results. */
double wfad_clock_seconds(void);

/* 64-bit FNV-1a of p[0..n) continued from h (start with WFAD_FNV_OFFSET): the checksums of
 * the binary blobs in model files. */
#define WFAD_FNV_OFFSET 0xcbf29ce484222325ull
uint64_t wfad_fnv1a(uint64_t h, const void *p, size_t n);

/* Reads a whole file into a heap buffer with a terminating NUL (not counted in *len).
 * Fails with WFAD_ELIMIT when the file is larger than max_bytes. Caller frees *data. */
enum wfad_status wfad_read_file(const char *path, size_t max_bytes, char **data, size_t *len,
				struct wfad_error *err);

/* Fast decimal parser for s[0..len): the whole span must be a number ("1659744775.0", "-2.5e3",
 * "nan" is rejected). Correctly rounded (falls back to strtod when the fast path cannot be
 * exact). Returns false when the span is not a number. */
bool wfad_parse_double(const char *s, size_t len, double *out);

#ifdef __cplusplus
}
#endif
#endif
