/*
 * tw_util: program name, messages and memory for every twpipe tool.
 *
 * Messages follow "prog: message" (or "prog: file:line: message"),
 * lowercase, no full stop. Library code returns errors; only commands
 * call tw_die. Allocation failure is not recoverable: the x* functions
 * print one message and exit with status 1.
 */
#ifndef TW_UTIL_H
#define TW_UTIL_H

#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>

#if defined(__GNUC__)
#define TW_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define TW_NORETURN __attribute__((noreturn))
#define TW_LIKELY(x) __builtin_expect(!!(x), 1)
#define TW_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define TW_PRINTF(a, b)
#define TW_NORETURN
#define TW_LIKELY(x) (x)
#define TW_UNLIKELY(x) (x)
#endif

/* Name used as the message prefix; set once from argv[0] by tw_setprog. */
extern const char *tw_prog;

/* Sets tw_prog to the last path component of argv0. */
void tw_setprog(const char *argv0);

/* Prints "prog: message" to stderr. */
void tw_warn(const char *fmt, ...) TW_PRINTF(1, 2);
void tw_vwarn(const char *fmt, va_list ap);

/* Prints "prog: message" to stderr, flushes stdio and exits with status
 * (through _exit: no exit handlers run). */
TW_NORETURN void tw_die(int status, const char *fmt, ...) TW_PRINTF(2, 3);

/* Out-of-memory: one message, exit 1. */
TW_NORETURN void tw_oom(void);

/*
 * Registers fn to run when tw_die or tw_oom ends the program (at most
 * four; they run newest first, once). For cleanup that must not be
 * skipped, such as removing temporary files: fn must not allocate.
 */
void tw_atdie(void (*fn)(void));

/* Allocation that never returns NULL (dies through tw_oom). */
void *tw_xmalloc(size_t n);
void *tw_xcalloc(size_t n, size_t size);
void *tw_xrealloc(void *p, size_t n);
char *tw_xstrdup(const char *s);
char *tw_xstrndup(const char *s, size_t n);

/*
 * Grows the pipe or FIFO fd to TW_PIPE_BYTES when it is smaller (Linux;
 * else, or when refused, nothing happens): with the 64 KiB default a
 * block of tw_writer's output is several writes and the two processes of
 * a pipeline take turns every 64 KiB; with 1 MiB they run side by side.
 * The kernel allocates the pages only while data waits in the pipe.
 */
#define TW_PIPE_BYTES (1 << 20)
void tw_pipe_grow(int fd);

/*
 * The 64-bit hash of s[0..n), with good avalanche: for every hash table
 * and for the sketches. Its values are saved (HLL registers and exact
 * distinct sets in tw-agg's state files and partials), so it must never
 * change: tests/unit/test_sketch.c pins a few.
 */
uint64_t tw_hash64(const void *s, size_t n);

/*
 * FNV-1a over s[0..n), continuing from h (TW_FNV_INIT to start): only
 * where a hash is written out (tw-load's index names and synthetic keys,
 * tw-plot's panel sums, tw-gen's place and rule ids), which must stay as
 * they are; tables and sketches use tw_hash64.
 */
#define TW_FNV_INIT 1469598103934665603ULL

static inline uint64_t
tw_fnv64(uint64_t h, const void *s, size_t n)
{
	const unsigned char *p = s;

	while (n--)
		h = (h ^ *p++) * 1099511628211ULL;
	return h;
}

/* MurmurHash3's 64-bit finaliser: each bit of x moves every output bit. */
static inline uint64_t
tw_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

/*
 * The end of the run of decimal digits at s (s itself when none), not
 * past e: eight bytes at a time where eight are left. A byte is a digit
 * when neither b - '0' nor b + 0x46 sets its top bit; a borrow or carry
 * only moves up from a byte that is not a digit, so the lowest flagged
 * byte is the first non-digit.
 */
static inline const char *
tw_digits_end(const char *s, const char *e)
{
	uint64_t x, m;

	while (e - s >= 8) {
		__builtin_memcpy(&x, s, 8);
		m = ((x - 0x3030303030303030ULL) | (x + 0x4646464646464646ULL)) &
		    0x8080808080808080ULL;
		if (m != 0)
			return s + (__builtin_ctzll(m) >> 3);
		s += 8;
	}
	while (s < e && (unsigned char)(*s - '0') < 10)
		s++;
	return s;
}

/* a / b rounded toward minus infinity (C rounds toward zero); b != 0. */
static inline int64_t
tw_floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

#endif
