#include "tw_json.h"
#include "tw_time.h"
#include "tw_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <tmmintrin.h>
#define TW_UTF8_SIMD 1
/* 1 when the CPU has SSSE3 (pshufb): text in other scripts is then
 * validated 16 bytes at a time; tw_json_simd(0) turns it off (tests). */
static int utf8_simd = -1;
#endif

void
tw_json_init(struct tw_json *j)
{
	memset(j, 0, sizeof *j);
	j->max_depth = TW_JSON_MAX_DEPTH;
#ifdef TW_UTF8_SIMD
	if (utf8_simd < 0) {
		__builtin_cpu_init();
		utf8_simd = __builtin_cpu_supports("ssse3") != 0;
	}
#endif
}

int
tw_json_simd(int on)
{
#ifdef TW_UTF8_SIMD
	int was = utf8_simd > 0;

	utf8_simd = on ? __builtin_cpu_supports("ssse3") != 0 : 0;
	return was;
#else
	(void)on;
	return 0;
#endif
}

void
tw_json_free(struct tw_json *j)
{
	free(j->v);
	free(j->stack);
	j->v = NULL;
	j->stack = NULL;
	j->n = j->cap = j->stack_cap = 0;
}

static void
tape_grow(struct tw_json *j)
{
	size_t cap = j->cap ? j->cap * 2 : 256;

	j->v = tw_xrealloc(j->v, cap * sizeof *j->v);
	j->cap = cap;
}

/* Appends a node and returns its index. */
static inline uint32_t
tape_push(struct tw_json *j, uint8_t type, const char *p, size_t len)
{
	struct tw_jval *v;

	if (TW_UNLIKELY(j->n == j->cap))
		tape_grow(j);
	v = &j->v[j->n];
	v->type = type;
	v->flags = 0;
	v->len = (uint32_t)len;
	v->p = p;
	v->next = (uint32_t)(j->n + 1);
	return (uint32_t)j->n++;
}

static const unsigned char ws_tab[256] = {
	[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1,
};

static inline size_t
skip_ws(const char *s, size_t i, size_t n)
{
	/* Compact JSON has no space between tokens: one compare, no table. */
	if (i < n && (unsigned char)s[i] > ' ')
		return i;
	while (i < n && ws_tab[(unsigned char)s[i]])
		i++;
	return i;
}

static inline int
hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Length of a valid UTF-8 sequence starting with a byte >= 0x80, or 0. */
static inline size_t
utf8_len(const unsigned char *u, size_t avail)
{
	unsigned char c = u[0];

	if (c >= 0xC2 && c <= 0xDF)
		return avail >= 2 && (u[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (avail < 3 || (u[1] & 0xC0) != 0x80 || (u[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && u[1] < 0xA0) || (c == 0xED && u[1] >= 0xA0))
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (avail < 4 || (u[1] & 0xC0) != 0x80 ||
		    (u[2] & 0xC0) != 0x80 || (u[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && u[1] < 0x90) || (c == 0xF4 && u[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

#ifdef TW_UTF8_SIMD
/*
 * UTF-8 validation 16 bytes at a time, after Keiser and Lemire,
 * "Validating UTF-8 In Less Than One Instruction Per Byte" (2021): three
 * table lookups on the nibbles of each byte and the byte before it flag
 * every two-byte error (a missing or stray continuation, overlong forms,
 * surrogates, code points past U+10FFFF); the third and fourth bytes of
 * long sequences are checked from the bytes two and three back.
 */
#define U8_TOO_SHORT	0x01
#define U8_TOO_LONG	0x02
#define U8_OVERLONG_3	0x04
#define U8_TOO_LARGE	0x08
#define U8_SURROGATE	0x10
#define U8_OVERLONG_2	0x20
#define U8_TOO_LARGE_1000 0x40
#define U8_OVERLONG_4	0x40
#define U8_TWO_CONTS	0x80
#define U8_CARRY	(U8_TOO_SHORT | U8_TOO_LONG | U8_TWO_CONTS)

__attribute__((target("ssse3"))) static __m128i
utf8_errors(__m128i in, __m128i prev)
{
	const __m128i lo = _mm_set1_epi8(0x0F);
	const __m128i t1h = _mm_setr_epi8(
	    U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
	    U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
	    (char)U8_TWO_CONTS, (char)U8_TWO_CONTS, (char)U8_TWO_CONTS, (char)U8_TWO_CONTS,
	    U8_TOO_SHORT | U8_OVERLONG_2,
	    U8_TOO_SHORT,
	    U8_TOO_SHORT | U8_OVERLONG_3 | U8_SURROGATE,
	    U8_TOO_SHORT | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_OVERLONG_4);
	const __m128i t1l = _mm_setr_epi8(
	    (char)(U8_CARRY | U8_OVERLONG_3 | U8_OVERLONG_2 | U8_OVERLONG_4),
	    (char)(U8_CARRY | U8_OVERLONG_2),
	    (char)U8_CARRY, (char)U8_CARRY,
	    (char)(U8_CARRY | U8_TOO_LARGE),
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_SURROGATE),
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000),
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000));
	const __m128i t2h = _mm_setr_epi8(
	    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
	    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
	    (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 |
	    U8_TOO_LARGE_1000 | U8_OVERLONG_4),
	    (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 | U8_TOO_LARGE),
	    (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE),
	    (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE),
	    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT);
	__m128i p1 = _mm_alignr_epi8(in, prev, 15);
	__m128i p2 = _mm_alignr_epi8(in, prev, 14);
	__m128i p3 = _mm_alignr_epi8(in, prev, 13);
	__m128i sc = _mm_and_si128(_mm_and_si128(
	    _mm_shuffle_epi8(t1h, _mm_and_si128(_mm_srli_epi16(p1, 4), lo)),
	    _mm_shuffle_epi8(t1l, _mm_and_si128(p1, lo))),
	    _mm_shuffle_epi8(t2h, _mm_and_si128(_mm_srli_epi16(in, 4), lo)));
	/* A third or fourth byte must be a continuation, and is flagged
	 * TWO_CONTS above: the two must agree. */
	__m128i must = _mm_and_si128(_mm_or_si128(
	    _mm_subs_epu8(p2, _mm_set1_epi8((char)(0xE0 - 0x80))),
	    _mm_subs_epu8(p3, _mm_set1_epi8((char)(0xF0 - 0x80)))),
	    _mm_set1_epi8((char)0x80));

	return _mm_xor_si128(must, sc);
}

/*
 * From s[i], a lead byte (a character boundary), skips 16-byte blocks of
 * valid UTF-8 that hold no '"', '\\' or control character. Returns the
 * index where the scalar scan takes over, always a character boundary.
 */
__attribute__((target("ssse3"))) static size_t
skip_utf8(const char *s, size_t i, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
	const __m128i c1f = _mm_set1_epi8(0x1F), zero = _mm_setzero_si128();
	/* Bytes that may not end a block: a lead in the last three places
	 * without all its continuations in the block. */
	const __m128i maxv = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	    -1, -1, -1, (char)(0xF0 - 1), (char)(0xE0 - 1), (char)(0xC0 - 1));
	__m128i prev = zero, inc = zero;
	size_t start = i;

	while (i + 16 <= n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i sp = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q),
		    _mm_cmpeq_epi8(x, bs)), _mm_cmpeq_epi8(_mm_max_epu8(x, c1f), c1f));

		if (_mm_movemask_epi8(sp) != 0)
			break;
		if (_mm_movemask_epi8(_mm_cmpeq_epi8(utf8_errors(x, prev), zero)) != 0xFFFF)
			break;
		inc = _mm_subs_epu8(x, maxv);
		prev = x;
		i += 16;
	}
	if (i > start && _mm_movemask_epi8(_mm_cmpeq_epi8(inc, zero)) != 0xFFFF) {
		/* The last block ended inside a character: back to its lead. */
		while ((u[i - 1] & 0xC0) == 0x80)
			i--;
		i--;
	}
	return i;
}
#endif

/*
 * Scans a string whose opening quote is at s[i-1]. On success returns 0,
 * sets *end to the index of the closing quote and *flags.
 */
static enum tw_json_status
scan_string(struct tw_json *j, const char *s, size_t i, size_t n,
    size_t *end, uint8_t *flags)
{
	const unsigned char *u = (const unsigned char *)s;
	uint8_t f = 0;

	for (;;) {
#ifdef __SSE2__
		const __m128i q = _mm_set1_epi8('"');
		const __m128i bs = _mm_set1_epi8('\\');
		const __m128i sp = _mm_set1_epi8(0x20);

		while (i + 16 <= n) {
			__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
			/* Signed compare: catches control bytes and bytes >= 0x80. */
			__m128i m = _mm_or_si128(_mm_or_si128(
			    _mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs)),
			    _mm_cmplt_epi8(x, sp));
			int mask = _mm_movemask_epi8(m);

			if (mask == 0) {
				i += 16;
				continue;
			}
			i += (size_t)__builtin_ctz((unsigned)mask);
			break;
		}
#endif
#ifdef TW_UTF8_SIMD
		if (utf8_simd > 0 && i + 16 <= n && u[i] >= 0x80) {
			size_t k = skip_utf8(s, i, n);

			if (k > i) {
				i = k;
				continue;
			}
		}
#endif
		while (i < n && u[i] >= 0x20 && u[i] < 0x80 && u[i] != '"' &&
		    u[i] != '\\')
			i++;
		if (i >= n)
			return TW_JSON_INCOMPLETE;
		if (u[i] == '"') {
			*end = i;
			*flags = f;
			return TW_JSON_OK;
		}
		if (u[i] == '\\') {
			f |= TW_JF_ESC;
			if (i + 1 >= n)
				return TW_JSON_INCOMPLETE;
			switch (u[i + 1]) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				i += 2;
				break;
			case 'u':
				if (i + 6 > n) {
					size_t k;

					for (k = i + 2; k < n; k++)
						if (hexval(u[k]) < 0)
							goto badu;
					return TW_JSON_INCOMPLETE;
				}
				if (hexval(u[i + 2]) < 0 || hexval(u[i + 3]) < 0 ||
				    hexval(u[i + 4]) < 0 || hexval(u[i + 5]) < 0)
					goto badu;
				i += 6;
				break;
			default:
				j->errmsg = "invalid escape in string";
				j->erroff = i;
				return TW_JSON_SYNTAX;
			}
			continue;
badu:
			j->errmsg = "invalid \\u escape in string";
			j->erroff = i;
			return TW_JSON_SYNTAX;
		}
		if (u[i] < 0x20) {
			j->errmsg = "control character in string";
			j->erroff = i;
			return TW_JSON_SYNTAX;
		}
		{
			size_t k = utf8_len(u + i, n - i);

			if (k == 0) {
				/* A sequence cut by the end may be completed by more input. */
				if (n - i < 4 && u[i] >= 0xC2 && u[i] <= 0xF4) {
					size_t t;

					for (t = i + 1; t < n && (u[t] & 0xC0) == 0x80; t++)
						;
					if (t == n)
						return TW_JSON_INCOMPLETE;
				}
				f |= TW_JF_BADUTF8;
				k = 1;
			}
			i += k;
			/* Text in other scripts: stay here for a run of them. */
			while (i < n && u[i] >= 0x80 && (k = utf8_len(u + i, n - i)) != 0)
				i += k;
		}
	}
}

/*
 * Most strings (keys, ids, short values) are plain ASCII and end within
 * 16 bytes: found here inline, without a call; the rest go to
 * scan_string.
 */
static inline enum tw_json_status
scan_str(struct tw_json *j, const char *s, size_t i, size_t n,
    size_t *end, uint8_t *flags)
{
#ifdef __SSE2__
	if (i + 16 <= n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i qe = _mm_cmpeq_epi8(x, _mm_set1_epi8('"'));
		unsigned q = (unsigned)_mm_movemask_epi8(qe);
		unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(qe,
		    _mm_cmpeq_epi8(x, _mm_set1_epi8('\\'))),
		    _mm_cmplt_epi8(x, _mm_set1_epi8(0x20))));

		/* The first byte that needs care is the closing quote. */
		if ((mask & (0u - mask) & q) != 0) {
			*end = i + (size_t)__builtin_ctz(q);
			*flags = 0;
			return TW_JSON_OK;
		}
	}
#endif
	return scan_string(j, s, i, n, end, flags);
}

static enum tw_json_status
scan_number(struct tw_json *j, const char *s, size_t i, size_t n,
    size_t *end, uint8_t *flags)
{
	size_t st = i;
	uint8_t f = TW_JF_INT;

	if (s[i] == '-')
		i++;
	if (i >= n)
		return TW_JSON_INCOMPLETE;
	if (s[i] == '0') {
		i++;
	} else if (s[i] >= '1' && s[i] <= '9') {
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		goto bad;
	}
	if (i < n && s[i] == '.') {
		f = 0;
		i++;
		if (i >= n)
			return TW_JSON_INCOMPLETE;
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		f = 0;
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n)
			return TW_JSON_INCOMPLETE;
		if (s[i] < '0' || s[i] > '9')
			goto bad;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	*end = i;
	*flags = f;
	return TW_JSON_OK;
bad:
	j->errmsg = "invalid number";
	j->erroff = st;
	return TW_JSON_SYNTAX;
}

static enum tw_json_status
fail(struct tw_json *j, enum tw_json_status st, const char *msg, size_t off)
{
	j->errmsg = msg;
	j->erroff = off;
	return st;
}

enum tw_json_status
tw_json_parse(struct tw_json *j, const char *s, size_t n)
{
	size_t i, d = 0, end;
	uint32_t idx;
	uint8_t flags;
	enum tw_json_status st;

	j->n = 0;
	j->nbadutf8 = 0;
	j->errmsg = NULL;
	j->erroff = 0;
	if (n > UINT32_MAX)
		return fail(j, TW_JSON_TOOBIG, "document larger than 4 GiB", 0);
	i = skip_ws(s, 0, n);
	if (i == n)
		return fail(j, TW_JSON_EMPTY, "empty input", 0);

value:
	if (i >= n)
		return fail(j, TW_JSON_INCOMPLETE, "truncated JSON", n);
	switch (s[i]) {
	case '{':
	case '[':
		if (d >= j->max_depth)
			return fail(j, TW_JSON_DEPTH, "nesting too deep", i);
		if (d == j->stack_cap) {
			j->stack_cap = j->stack_cap ? j->stack_cap * 2 : 64;
			j->stack = tw_xrealloc(j->stack,
			    j->stack_cap * sizeof *j->stack);
		}
		idx = tape_push(j, s[i] == '{' ? TW_JOBJ : TW_JARR, s + i, 0);
		j->stack[d++] = idx;
		i = skip_ws(s, i + 1, n);
		if (i >= n)
			return fail(j, TW_JSON_INCOMPLETE, "truncated JSON", n);
		if (j->v[idx].type == TW_JOBJ) {
			if (s[i] == '}')
				goto close;
			goto key;
		}
		if (s[i] == ']')
			goto close;
		goto value;
	case '"':
		st = scan_str(j, s, i + 1, n, &end, &flags);
		if (st != TW_JSON_OK)
			goto sfail;
		if (end - i - 1 > UINT32_MAX)
			return fail(j, TW_JSON_TOOBIG, "string too long", i);
		idx = tape_push(j, TW_JSTR, s + i + 1, end - i - 1);
		j->v[idx].flags = flags;
		if (flags & TW_JF_BADUTF8)
			j->nbadutf8++;
		i = end + 1;
		break;
	case 't':
		if (n - i >= 4 && memcmp(s + i, "true", 4) == 0) {
			tape_push(j, TW_JTRUE, s + i, 4);
			i += 4;
			break;
		}
		goto literal;
	case 'f':
		if (n - i >= 5 && memcmp(s + i, "false", 5) == 0) {
			tape_push(j, TW_JFALSE, s + i, 5);
			i += 5;
			break;
		}
		goto literal;
	case 'n':
		if (n - i >= 4 && memcmp(s + i, "null", 4) == 0) {
			tape_push(j, TW_JNULL, s + i, 4);
			i += 4;
			break;
		}
		goto literal;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		st = scan_number(j, s, i, n, &end, &flags);
		if (st != TW_JSON_OK)
			goto sfail;
		/* A number that ends the input inside a container may go on. */
		idx = tape_push(j, TW_JNUM, s + i, end - i);
		j->v[idx].flags = flags;
		i = end;
		break;
	default:
		return fail(j, TW_JSON_SYNTAX, "unexpected character", i);
	}

after:
	if (d == 0) {
		i = skip_ws(s, i, n);
		if (i != n)
			return fail(j, TW_JSON_SYNTAX,
			    "unexpected data after JSON value", i);
		return TW_JSON_OK;
	}
	idx = j->stack[d - 1];
	j->v[idx].len++;
	i = skip_ws(s, i, n);
	if (i >= n)
		return fail(j, TW_JSON_INCOMPLETE, "truncated JSON", n);
	if (s[i] == ',') {
		i = skip_ws(s, i + 1, n);
		if (j->v[idx].type == TW_JOBJ)
			goto key;
		goto value;
	}
	if (s[i] == (j->v[idx].type == TW_JOBJ ? '}' : ']'))
		goto close;
	return fail(j, TW_JSON_SYNTAX, j->v[idx].type == TW_JOBJ ?
	    "expected ',' or '}'" : "expected ',' or ']'", i);

key:
	if (i >= n)
		return fail(j, TW_JSON_INCOMPLETE, "truncated JSON", n);
	if (s[i] != '"')
		return fail(j, TW_JSON_SYNTAX, "expected string key", i);
	st = scan_str(j, s, i + 1, n, &end, &flags);
	if (st != TW_JSON_OK)
		goto sfail;
	idx = tape_push(j, TW_JSTR, s + i + 1, end - i - 1);
	j->v[idx].flags = flags;
	if (flags & TW_JF_BADUTF8)
		j->nbadutf8++;
	i = skip_ws(s, end + 1, n);
	if (i >= n)
		return fail(j, TW_JSON_INCOMPLETE, "truncated JSON", n);
	if (s[i] != ':')
		return fail(j, TW_JSON_SYNTAX, "expected ':'", i);
	i = skip_ws(s, i + 1, n);
	goto value;

close:
	idx = j->stack[--d];
	j->v[idx].next = (uint32_t)j->n;
	i++;
	goto after;

literal:
	{
		const char *lit = s[i] == 't' ? "true" : s[i] == 'f' ? "false" : "null";
		size_t k = 0;

		while (i + k < n && lit[k] && s[i + k] == lit[k])
			k++;
		if (i + k == n && lit[k])
			return fail(j, TW_JSON_INCOMPLETE, "truncated JSON", n);
		return fail(j, TW_JSON_SYNTAX, "invalid literal", i);
	}

sfail:
	if (st == TW_JSON_INCOMPLETE)
		return fail(j, st, "truncated JSON", n);
	return st;
}

static int
key_eq(const struct tw_jval *k, const char *key, size_t keylen)
{
	if (TW_LIKELY(k->flags == 0))
		return k->len == keylen && (keylen == 0 || (k->p[0] == key[0] &&
		    memcmp(k->p, key, keylen) == 0));
	return tw_json_streq(k, key, keylen);
}

const struct tw_jval *
tw_json_get(const struct tw_json *j, const struct tw_jval *obj,
    const char *key, size_t keylen)
{
	const struct tw_jval *k;
	uint32_t m;

	if (obj == NULL || obj->type != TW_JOBJ)
		return NULL;
	k = obj + 1;
	for (m = 0; m < obj->len; m++) {
		if (key_eq(k, key, keylen))
			return k + 1;
		k = j->v + k[1].next;
	}
	return NULL;
}

const struct tw_jval *
tw_json_index(const struct tw_json *j, const struct tw_jval *arr, size_t i)
{
	const struct tw_jval *e;
	size_t k;

	if (arr == NULL || arr->type != TW_JARR || i >= arr->len)
		return NULL;
	e = arr + 1;
	for (k = 0; k < i; k++)
		e = j->v + e->next;
	return e;
}

int
tw_json_streq(const struct tw_jval *v, const char *s, size_t n)
{
	static struct tw_buf tmp;

	if (v == NULL || v->type != TW_JSTR)
		return 0;
	if (v->flags == 0)
		return v->len == n && memcmp(v->p, s, n) == 0;
	tw_buf_reset(&tmp);
	tw_json_str_decode(&tmp, v);
	return tmp.len == n && memcmp(tmp.p, s, n) == 0;
}

int
tw_json_i64(const struct tw_jval *v, int64_t *out)
{
	const char *p;
	size_t i = 0, n, e;
	uint64_t acc = 0, lim;
	int neg = 0;

	if (v == NULL)
		return -1;
	if (v->type == TW_JNUM) {
		if (!(v->flags & TW_JF_INT))
			return -1;
	} else if (v->type != TW_JSTR || v->flags != 0) {
		return -1;
	}
	p = v->p;
	n = v->len;
	if (n > 0 && p[0] == '-') {
		neg = 1;
		i = 1;
	}
	if (i == n)
		return -1;
	/* The first 18 digits cannot overflow. */
	for (e = n - i > 18 ? i + 18 : n; i < e; i++) {
		unsigned dgt = (unsigned char)p[i] - '0';

		if (dgt > 9)
			return -1;
		acc = acc * 10 + dgt;
	}
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	for (; i < n; i++) {
		unsigned dgt = (unsigned char)p[i] - '0';

		if (dgt > 9)
			return -1;
		if (acc > (lim - dgt) / 10)
			return -1;
		acc = acc * 10 + dgt;
	}
	*out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
	return 0;
}

int
tw_json_double(const struct tw_jval *v, double *out)
{
	char tmp[64], *end;
	double d;

	if (v == NULL || (v->type != TW_JNUM && v->type != TW_JSTR))
		return -1;
	if (v->len == 0 || v->len >= sizeof tmp)
		return -1;
	if (v->type == TW_JNUM && (v->flags & TW_JF_INT) && v->len <= 15) {
		/* Below 2^53: the integer converts exactly, as strtod would. */
		int64_t x;

		if (tw_json_i64(v, &x) == 0 && (x != 0 || v->p[0] != '-')) {
			*out = (double)x;
			return 0;
		}
	}
	memcpy(tmp, v->p, v->len);
	tmp[v->len] = '\0';
	if (v->type == TW_JSTR) {
		/* Only plain decimal text counts, as JSON would write it. */
		size_t k;

		for (k = 0; k < v->len; k++)
			if (!strchr("0123456789+-.eE", tmp[k]))
				return -1;
	}
	errno = 0;
	d = strtod(tmp, &end);
	if (*end != '\0' || errno == ERANGE)
		return -1;
	*out = d;
	return 0;
}

size_t
tw_json_str_decode(struct tw_buf *b, const struct tw_jval *v)
{
	const unsigned char *u = (const unsigned char *)v->p;
	size_t i = 0, n = v->len, start, bad = 0;

	if (!(v->flags & TW_JF_ESC)) {
		if (v->flags & TW_JF_BADUTF8)
			return tw_buf_add_utf8_repair(b, v->p, n);
		tw_buf_add(b, v->p, n);
		return 0;
	}
	while (i < n) {
		uint32_t cp;

		start = i;
		while (i < n && u[i] != '\\')
			i++;
		if (i > start)
			bad += tw_buf_add_utf8_repair(b, v->p + start, i - start);
		if (i >= n)
			break;
		/* The parser has checked every escape. */
		switch (u[i + 1]) {
		case 'b': tw_buf_addc(b, '\b'); i += 2; continue;
		case 'f': tw_buf_addc(b, '\f'); i += 2; continue;
		case 'n': tw_buf_addc(b, '\n'); i += 2; continue;
		case 'r': tw_buf_addc(b, '\r'); i += 2; continue;
		case 't': tw_buf_addc(b, '\t'); i += 2; continue;
		case 'u': break;
		default: tw_buf_addc(b, (char)u[i + 1]); i += 2; continue;
		}
		cp = (uint32_t)(hexval(u[i + 2]) << 12 | hexval(u[i + 3]) << 8 |
		    hexval(u[i + 4]) << 4 | hexval(u[i + 5]));
		i += 6;
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			uint32_t lo;

			if (i + 6 <= n && u[i] == '\\' && u[i + 1] == 'u') {
				lo = (uint32_t)(hexval(u[i + 2]) << 12 |
				    hexval(u[i + 3]) << 8 | hexval(u[i + 4]) << 4 |
				    hexval(u[i + 5]));
				if (lo >= 0xDC00 && lo <= 0xDFFF) {
					i += 6;
					cp = 0x10000 + ((cp - 0xD800) << 10) +
					    (lo - 0xDC00);
					tw_buf_add_cp(b, cp);
					continue;
				}
			}
			cp = 0xFFFD;
			bad++;
		} else if (cp >= 0xDC00 && cp <= 0xDFFF) {
			cp = 0xFFFD;
			bad++;
		}
		tw_buf_add_cp(b, cp);
	}
	return bad;
}

size_t
tw_json_str_emit(struct tw_buf *b, const struct tw_jval *v)
{
	static struct tw_buf tmp;
	size_t bad;

	if (TW_LIKELY(v->flags == 0)) {
		/* Valid UTF-8 with no escapes and no control bytes: copy as is. */
		if (b->cap - b->len <= (size_t)v->len + 2)
			tw_buf_grow(b, (size_t)v->len + 2);
		b->p[b->len++] = '"';
		memcpy(b->p + b->len, v->p, v->len);
		b->len += v->len;
		b->p[b->len++] = '"';
		b->p[b->len] = '\0';
		return 0;
	}
	tw_buf_reset(&tmp);
	bad = tw_json_str_decode(&tmp, v);
	tw_buf_add_jstr(b, tmp.p, tmp.len);
	return bad;
}

size_t
tw_json_emit(struct tw_buf *b, const struct tw_json *j, const struct tw_jval *v)
{
	const struct tw_jval *e;
	size_t bad = 0;
	uint32_t k;

	switch (v->type) {
	case TW_JNULL: tw_buf_add(b, "null", 4); break;
	case TW_JTRUE: tw_buf_add(b, "true", 4); break;
	case TW_JFALSE: tw_buf_add(b, "false", 5); break;
	case TW_JNUM: tw_buf_add(b, v->p, v->len); break;
	case TW_JSTR: bad += tw_json_str_emit(b, v); break;
	case TW_JARR:
		tw_buf_addc(b, '[');
		for (k = 0, e = v + 1; k < v->len; k++, e = j->v + e->next) {
			if (k)
				tw_buf_addc(b, ',');
			bad += tw_json_emit(b, j, e);
		}
		tw_buf_addc(b, ']');
		break;
	case TW_JOBJ:
		tw_buf_addc(b, '{');
		for (k = 0, e = v + 1; k < v->len; k++, e = j->v + e[1].next) {
			if (k)
				tw_buf_addc(b, ',');
			bad += tw_json_str_emit(b, e);
			tw_buf_addc(b, ':');
			bad += tw_json_emit(b, j, e + 1);
		}
		tw_buf_addc(b, '}');
		break;
	}
	return bad;
}

const char *
tw_json_status_name(enum tw_json_status st)
{
	switch (st) {
	case TW_JSON_OK: return "ok";
	case TW_JSON_EMPTY: return "empty input";
	case TW_JSON_INCOMPLETE: return "truncated JSON";
	case TW_JSON_SYNTAX: return "invalid JSON";
	case TW_JSON_DEPTH: return "nesting too deep";
	case TW_JSON_TOOBIG: return "document too large";
	}
	return "unknown";
}

int
tw_json_time(const struct tw_jval *v, int64_t *ms)
{
	int64_t i;
	double d;

	if (v == NULL)
		return -1;
	if (v->type == TW_JNUM) {
		if (tw_json_i64(v, &i) == 0) {
			if (i < TW_TIME_MIN_MS || i > TW_TIME_MAX_MS)
				return -1;
			*ms = i;
			return 0;
		}
		if (tw_json_double(v, &d) == 0 && d >= (double)TW_TIME_MIN_MS &&
		    d <= (double)TW_TIME_MAX_MS) {
			*ms = (int64_t)d;
			return 0;
		}
		return -1;
	}
	if (v->type == TW_JSTR && v->flags == 0)
		return tw_time_parse(v->p, v->len, ms);
	return -1;
}
