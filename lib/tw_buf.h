/*
 * tw_buf: a growable byte buffer, after git's strbuf.
 *
 * Invariants: p is never NULL and p[len] is a NUL byte, so b.p can be
 * used as a C string at any time (when the contents hold no NUL), even
 * before anything was added. Either cap == 0 and p points to
 * tw_buf_slop, a shared read-only empty string (len is 0, nothing is
 * allocated), or p points to cap bytes the buffer owns, of which the
 * first len are in use. Never write to p[] or free p of a buffer with
 * cap == 0: grow it first, or use tw_buf_setlen, tw_buf_detach,
 * tw_buf_free. tw_buf_free releases the memory, tw_buf_reset keeps it.
 * Growth never fails: out of memory ends the program (tw_oom).
 *
 * Initialise with TW_BUF_INIT or tw_buf_init. A zeroed buffer (calloc,
 * memset, a static with no initialiser) is accepted by every tw_buf
 * function, but its p is NULL until it is first grown, reset or freed:
 * whoever zeroes a struct whose buffer may be read before it is written
 * calls tw_buf_init on it.
 */
#ifndef TW_BUF_H
#define TW_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct tw_buf {
	char *p;
	size_t len;
	size_t cap;
};

/* The empty string of every buffer that has not allocated: never written. */
extern const char tw_buf_slop[1];

#define TW_BUF_INIT { (char *)tw_buf_slop, 0, 0 }

/* Makes b an empty buffer that owns nothing (the memory b held is not freed). */
static inline void
tw_buf_init(struct tw_buf *b)
{
	b->p = (char *)tw_buf_slop;
	b->len = b->cap = 0;
}

/* Makes room for at least n more bytes (plus the trailing NUL). */
void tw_buf_grow(struct tw_buf *b, size_t n);

/* Releases the memory; the buffer is empty and usable again. */
void tw_buf_free(struct tw_buf *b);

/*
 * Returns the contents as a NUL-terminated string the caller owns (free
 * it with free): the buffer's own memory, or a new "" when it had none.
 * The buffer is left empty and owns nothing. The length was b->len.
 */
char *tw_buf_detach(struct tw_buf *b);

/* Empties the buffer and keeps its memory. */
static inline void
tw_buf_reset(struct tw_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->p[0] = '\0';
	else
		b->p = (char *)tw_buf_slop;
}

/* Cuts the contents back to their first len bytes (len <= b->len). */
static inline void
tw_buf_setlen(struct tw_buf *b, size_t len)
{
	if (b->cap == 0) {
		tw_buf_reset(b);
		return;
	}
	b->len = len;
	b->p[len] = '\0';
}

static inline void
tw_buf_add(struct tw_buf *b, const void *s, size_t n)
{
	if (n == 0)
		return;	/* s may be NULL then, and memcpy must not see it */
	if (b->cap - b->len <= n)
		tw_buf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static inline void
tw_buf_addc(struct tw_buf *b, char c)
{
	if (b->cap - b->len <= 1)
		tw_buf_grow(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

/* Appends a C string literal or any NUL-terminated string. */
static inline void
tw_buf_adds(struct tw_buf *b, const char *s)
{
	tw_buf_add(b, s, strlen(s));
}

/* "00" "01" ... "99": the digit pairs for number formatting. */
extern const char tw_digits2[200];

/*
 * Writes v in decimal so that it ends just before e and returns its
 * first byte: at most 20 bytes before e. Eight digits at a time in
 * 32-bit arithmetic, so a 19-digit id costs two 64-bit divisions.
 */
static inline char *
tw_fmt_u64(char *e, uint64_t v)
{
	uint32_t w;

	while (v >= 100000000) {
		uint32_t lo = (uint32_t)(v % 100000000), a = lo / 10000,
		    c = lo % 10000;

		v /= 100000000;
		e -= 8;
		memcpy(e, tw_digits2 + 2 * (a / 100), 2);
		memcpy(e + 2, tw_digits2 + 2 * (a % 100), 2);
		memcpy(e + 4, tw_digits2 + 2 * (c / 100), 2);
		memcpy(e + 6, tw_digits2 + 2 * (c % 100), 2);
	}
	w = (uint32_t)v;
	while (w >= 100) {
		e -= 2;
		memcpy(e, tw_digits2 + 2 * (w % 100), 2);
		w /= 100;
	}
	if (w >= 10) {
		e -= 2;
		memcpy(e, tw_digits2 + 2 * w, 2);
	} else {
		*--e = (char)('0' + w);
	}
	return e;
}

/* Appends the decimal form of v. */
void tw_buf_add_i64(struct tw_buf *b, int64_t v);
void tw_buf_add_u64(struct tw_buf *b, uint64_t v);

/* Appends v in the shortest form that reads back as the same double
 * ("%.17g" trimmed); NaN and infinities are written as null. */
void tw_buf_add_double(struct tw_buf *b, double v);

/* Appends printf-formatted text. */
void tw_buf_addf(struct tw_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * Appends s[0..n) as a JSON string with its quotes. The input must be
 * valid UTF-8 (see tw_utf8_valid); '"', '\\' and control characters are
 * escaped, everything else is written as raw UTF-8.
 */
void tw_buf_add_jstr(struct tw_buf *b, const char *s, size_t n);

/*
 * Appends s[0..n) as UTF-8, replacing each invalid sequence by U+FFFD.
 * Returns the number of replacements made.
 */
size_t tw_buf_add_utf8_repair(struct tw_buf *b, const char *s, size_t n);

/* Returns the length of the longest valid UTF-8 prefix of s[0..n). */
size_t tw_utf8_valid_prefix(const char *s, size_t n);

/* The number of characters (non-continuation bytes) in s[0..n). */
static inline size_t
tw_utf8_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* Removes the NUL bytes of b->p[from..len); returns how many there were. */
size_t tw_buf_strip_nul(struct tw_buf *b, size_t from);

/* Appends code point cp (0 to 0x10FFFF, not a surrogate) as UTF-8. */
void tw_buf_add_cp(struct tw_buf *b, uint32_t cp);

#endif
