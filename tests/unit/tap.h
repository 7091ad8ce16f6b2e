/*
 * tap.h: the smallest test helper for twpipe's unit tests.
 *
 * Each check prints one line, "ok - NAME" or
 * "not ok - NAME (file:line: detail)"; tests/run.sh counts those lines.
 * main ends with `return tap_done();`, which prints a summary comment
 * and returns 1 when any check failed, 0 otherwise, so a failing test
 * program never exits successfully.
 *
 *   CHECK(name, cond)                    detail is the condition's text
 *   CHECKF(name, cond, fmt, ...)         detail is printf-formatted
 *   CHECK_INT(name, got, want)           integers, compared as long long
 *   CHECK_UINT(name, got, want)          unsigned, compared as unsigned long long
 *   CHECK_STR(name, got, want)           NUL-terminated strings (NULL allowed)
 *   CHECK_MEM(name, got, glen, want, wlen)  byte strings, shown escaped
 *
 * Names are plain strings; build dynamic ones with snprintf.
 */
#ifndef TAP_H
#define TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_nfail, tap_n;

static inline int
tap_vcheck(int ok, const char *file, int line, const char *name,
    const char *fmt, va_list ap)
{
	tap_n++;
	if (ok) {
		printf("ok - %s\n", name);
	} else {
		tap_nfail++;
		printf("not ok - %s (%s:%d: ", name, file, line);
		vprintf(fmt, ap);
		printf(")\n");
	}
	fflush(stdout);
	return ok;
}

static inline int
tap_check(int ok, const char *file, int line, const char *name,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static inline int
tap_check(int ok, const char *file, int line, const char *name,
    const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = tap_vcheck(ok, file, line, name, fmt, ap);
	va_end(ap);
	return r;
}

/* Writes s[0..n) into out (size cap) with C escapes, cut at ~80 bytes. */
static inline const char *
tap_esc(char *out, size_t cap, const char *s, size_t n)
{
	size_t o = 0, i;

	if (!s) {
		snprintf(out, cap, "(null)");
		return out;
	}
	for (i = 0; i < n && o + 8 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (i >= 80) {
			o += (size_t)snprintf(out + o, cap - o, "...[%zu bytes]", n);
			break;
		}
		if (c == '\\' || c == '"')
			o += (size_t)snprintf(out + o, cap - o, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, cap - o, "\\x%02X", c);
	}
	out[o < cap ? o : cap - 1] = '\0';
	return out;
}

static inline int
tap_check_mem(const char *file, int line, const char *name, const char *got,
    size_t glen, const char *want, size_t wlen)
{
	char a[400], b[400];
	int ok = got && want && glen == wlen && memcmp(got, want, glen) == 0;

	if (!got && !want)
		ok = 1;
	return tap_check(ok, file, line, name, "got \"%s\" (%zu), want \"%s\" (%zu)",
	    tap_esc(a, sizeof a, got, glen), glen,
	    tap_esc(b, sizeof b, want, wlen), wlen);
}

static inline int
tap_done(void)
{
	printf("# %d checks, %d failed\n", tap_n, tap_nfail);
	fflush(stdout);
	return tap_nfail ? 1 : 0;
}

#define CHECK(name, cond) \
	tap_check(!!(cond), __FILE__, __LINE__, (name), "%s", #cond)
#define CHECKF(name, cond, ...) \
	tap_check(!!(cond), __FILE__, __LINE__, (name), __VA_ARGS__)
#define CHECK_INT(name, got, want) do { \
	long long tap_g_ = (long long)(got), tap_w_ = (long long)(want); \
	tap_check(tap_g_ == tap_w_, __FILE__, __LINE__, (name), \
	    "got %lld, want %lld", tap_g_, tap_w_); \
} while (0)
#define CHECK_UINT(name, got, want) do { \
	unsigned long long tap_g_ = (unsigned long long)(got); \
	unsigned long long tap_w_ = (unsigned long long)(want); \
	tap_check(tap_g_ == tap_w_, __FILE__, __LINE__, (name), \
	    "got %llu, want %llu", tap_g_, tap_w_); \
} while (0)
#define CHECK_STR(name, got, want) do { \
	const char *tap_gs_ = (got), *tap_ws_ = (want); \
	tap_check_mem(__FILE__, __LINE__, (name), tap_gs_, \
	    tap_gs_ ? strlen(tap_gs_) : 0, tap_ws_, tap_ws_ ? strlen(tap_ws_) : 0); \
} while (0)
#define CHECK_MEM(name, got, glen, want, wlen) \
	tap_check_mem(__FILE__, __LINE__, (name), (got), (glen), (want), (wlen))

#endif
