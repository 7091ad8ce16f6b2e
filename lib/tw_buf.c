#include "tw_buf.h"
#include "tw_util.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

const char tw_digits2[200] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

const char tw_buf_slop[1];

void
tw_buf_grow(struct tw_buf *b, size_t n)
{
	size_t want, cap;

	if (b->cap == 0) {
		/* tw_buf_slop or a zeroed buffer: nothing is owned yet. */
		b->p = NULL;
		b->len = 0;
	}
	want = b->len + n + 1;
	cap = b->cap ? b->cap : 64;
	if (want < b->len)
		tw_oom();
	while (cap < want) {
		if (cap > SIZE_MAX / 2)
			tw_oom();
		cap *= 2;
	}
	if (cap != b->cap) {
		b->p = tw_xrealloc(b->p, cap);
		if (b->cap == 0)
			b->p[0] = '\0';
		b->cap = cap;
	}
}

void
tw_buf_free(struct tw_buf *b)
{
	if (b->cap)
		free(b->p);
	tw_buf_init(b);
}

char *
tw_buf_detach(struct tw_buf *b)
{
	char *s = b->cap ? b->p : tw_xstrdup("");

	tw_buf_init(b);
	return s;
}

void
tw_buf_add_u64(struct tw_buf *b, uint64_t v)
{
	char tmp[24], *e = tmp + sizeof tmp, *s = tw_fmt_u64(e, v);

	tw_buf_add(b, s, (size_t)(e - s));
}

void
tw_buf_add_i64(struct tw_buf *b, int64_t v)
{
	if (v < 0) {
		tw_buf_addc(b, '-');
		tw_buf_add_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		tw_buf_add_u64(b, (uint64_t)v);
	}
}

void
tw_buf_add_double(struct tw_buf *b, double v)
{
	char tmp[40];
	int prec;

	if (!isfinite(v)) {
		tw_buf_add(b, "null", 4);
		return;
	}
	/* Range first: converting a larger double to int64_t is undefined. */
	if (fabs(v) < 1e15 && v == (double)(int64_t)v) {
		tw_buf_add_i64(b, (int64_t)v);
		return;
	}
	/* The shortest precision that round-trips keeps output readable. */
	for (prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	tw_buf_adds(b, tmp);
}

void
tw_buf_addf(struct tw_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	tw_buf_grow(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static const char hexdig[] = "0123456789abcdef";

void
tw_buf_add_jstr(struct tw_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i, run = 0;
	char *o;

	/* Worst case every byte becomes \u00XX. */
	if (b->cap - b->len <= n * 6 + 2)
		tw_buf_grow(b, n * 6 + 2);
	o = b->p + b->len;
	*o++ = '"';
	for (i = 0; i < n; i++) {
		unsigned char c = u[i];

		if (TW_LIKELY(c >= 0x20 && c != '"' && c != '\\')) {
			run++;
			continue;
		}
		memcpy(o, s + i - run, run);
		o += run;
		run = 0;
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			*o++ = 'u'; *o++ = '0'; *o++ = '0';
			*o++ = hexdig[c >> 4]; *o++ = hexdig[c & 15];
			break;
		}
	}
	memcpy(o, s + n - run, run);
	o += run;
	*o++ = '"';
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		if (n >= 2 && (s[1] & 0xC0) == 0x80)
			return 2;
		return 0;
	}
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			return 0;
		if (c == 0xE0 && s[1] < 0xA0)
			return 0;	/* overlong */
		if (c == 0xED && s[1] >= 0xA0)
			return 0;	/* surrogate */
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
		    (s[3] & 0xC0) != 0x80)
			return 0;
		if (c == 0xF0 && s[1] < 0x90)
			return 0;	/* overlong */
		if (c == 0xF4 && s[1] >= 0x90)
			return 0;	/* above U+10FFFF */
		return 4;
	}
	return 0;
}

size_t
tw_utf8_valid_prefix(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		k = utf8_seq(u + i, n - i);
		if (k == 0)
			break;
		i += k;
	}
	return i;
}

size_t
tw_buf_add_utf8_repair(struct tw_buf *b, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, start, k = 0, bad = 0;

	while (i < n) {
		start = i;
		while (i < n && (u[i] < 0x80 || (k = utf8_seq(u + i, n - i)) != 0))
			i += u[i] < 0x80 ? 1 : k;
		tw_buf_add(b, s + start, i - start);
		if (i < n) {
			tw_buf_add(b, "\xEF\xBF\xBD", 3);
			bad++;
			i++;
			/* Skip the continuation bytes of the broken sequence. */
			while (i < n && (u[i] & 0xC0) == 0x80)
				i++;
		}
	}
	return bad;
}

size_t
tw_buf_strip_nul(struct tw_buf *b, size_t from)
{
	size_t i, o, n = 0;

	if (from >= b->len || memchr(b->p + from, '\0', b->len - from) == NULL)
		return 0;
	for (i = o = from; i < b->len; i++) {
		if (b->p[i] == '\0') {
			n++;
			continue;
		}
		b->p[o++] = b->p[i];
	}
	tw_buf_setlen(b, o);
	return n;
}

void
tw_buf_add_cp(struct tw_buf *b, uint32_t cp)
{
	char t[4];

	if (cp < 0x80) {
		tw_buf_addc(b, (char)cp);
	} else if (cp < 0x800) {
		t[0] = (char)(0xC0 | (cp >> 6));
		t[1] = (char)(0x80 | (cp & 0x3F));
		tw_buf_add(b, t, 2);
	} else if (cp < 0x10000) {
		t[0] = (char)(0xE0 | (cp >> 12));
		t[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		t[2] = (char)(0x80 | (cp & 0x3F));
		tw_buf_add(b, t, 3);
	} else {
		t[0] = (char)(0xF0 | (cp >> 18));
		t[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		t[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		t[3] = (char)(0x80 | (cp & 0x3F));
		tw_buf_add(b, t, 4);
	}
}
