#include "tw_json.h"
#include "tw_time.h"
#include "tw_util.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#include <tmmintrin.h>
#define TW_UTF8_SIMD 1
#define TW_JSON_FAST 1
/* 1 when the CPU has SSSE3 (pshufb): text in other scripts is then
 * validated 16 bytes at a time; tw_json_simd(0) turns it off (tests). */
static int utf8_simd = -1;
static int fast_ok = -1;

/*
 * What the two-stage parser may use: 0 nothing, 1 AVX2 (with PCLMUL,
 * POPCNT, BMI1 and BMI2), 2 AVX-512 (BW and VBMI2) too.
 */
static int
fast_cpu(void)
{
	if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul") &&
	    __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi") &&
	    __builtin_cpu_supports("bmi2")))
		return 0;
	if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
	    __builtin_cpu_supports("avx512vbmi2"))
		return 2;
	return 1;
}
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
		fast_ok = fast_cpu();
	}
#endif
}

int
tw_json_simd(int level)
{
#ifdef TW_UTF8_SIMD
	int was = fast_ok > 0 ? fast_ok : utf8_simd > 0;
	int have;

	__builtin_cpu_init();
	have = fast_cpu();
	utf8_simd = level > 0 ? __builtin_cpu_supports("ssse3") != 0 : 0;
	fast_ok = level < have ? level : have;
	if (fast_ok < 0)
		fast_ok = 0;
	return was;
#else
	(void)level;
	return 0;
#endif
}

void
tw_json_free(struct tw_json *j)
{
	free(j->v);
	free(j->stack);
	free(j->ix);
	j->v = NULL;
	j->stack = NULL;
	j->ix = NULL;
	j->n = j->cap = j->stack_cap = j->ix_cap = 0;
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
	v->hint[0] = v->hint[1] = 0;
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

static inline enum tw_json_status
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

/*
 * The reference parser: one byte (or one 16-byte string block) at a
 * time. Every error and its position come from here; the two-stage
 * parser below hands it any document it does not accept.
 */
static enum tw_json_status
parse_scalar(struct tw_json *j, const char *s, size_t n)
{
	size_t i, d = 0, end;
	uint32_t idx;
	uint8_t flags;
	enum tw_json_status st;

	j->n = 0;
	j->nbadutf8 = 0;
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
	if (end > i + 1) {	/* see tw_json_keyword */
		j->v[idx].hint[0] = (uint8_t)s[i + 1];
		j->v[idx].hint[1] = (uint8_t)s[i + 2];
	}
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

#ifdef TW_JSON_FAST
/*
 * ---- the two-stage parser (x86-64 with AVX2) ----
 *
 * After simdjson (Langdale and Lemire, "Parsing Gigabytes of JSON per
 * Second", 2019). Stage 1 reads the document 64 bytes at a time, finds
 * with bit masks where its tokens are (brackets and braces, both quotes
 * of every string, the first byte of every number and literal) and
 * writes their offsets in order into j->ix, the closing quote of every
 * string that holds a backslash marked with bit 31 (ESC_BIT). On
 * the way it checks what needs no grammar: UTF-8 everywhere, no control
 * character and only valid escapes inside strings, every string closed.
 * Stage 2 reads the offsets and builds the tape: a string is two
 * offsets, its body is never read again, and the bytes between two
 * tokens (a comma or colon, white space) are checked where they are.
 *
 * It accepts only what parse_scalar accepts and builds the same tape.
 * Anything it does not accept (an error, invalid UTF-8 to be flagged,
 * nesting too deep) goes to parse_scalar, which decides with its own
 * messages: errors are rare, so they may cost a second parse.
 */
#define FAST_TARGET __attribute__((target("avx2,pclmul,popcnt,bmi,bmi2")))

/* Bytes that continue a number or literal: not white space, not a
 * bracket, comma, colon or quote. */
static const unsigned char scalar_ch[256] = {
#define R8(x) x, x, x, x, x, x, x, x
	R8(1), 1, 0, 0, 1, 1, 0, 1, 1, R8(1), R8(1),	/* 0x00-0x1F */
	0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,	/* ' ' '"' ',' */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1,	/* ':' */
	R8(1), R8(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1,	/* '[' ']' */
	R8(1), R8(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1,	/* '{' '}' */
	R8(1), R8(1), R8(1), R8(1), R8(1), R8(1), R8(1), R8(1),
	R8(1), R8(1), R8(1), R8(1), R8(1), R8(1), R8(1), R8(1),
#undef R8
};

FAST_TARGET static inline uint64_t
mask64(__m256i lo, __m256i hi)
{
	return (uint32_t)_mm256_movemask_epi8(lo) |
	    (uint64_t)(uint32_t)_mm256_movemask_epi8(hi) << 32;
}

FAST_TARGET static inline uint64_t
eq64(__m256i lo, __m256i hi, char c)
{
	const __m256i v = _mm256_set1_epi8(c);

	return mask64(_mm256_cmpeq_epi8(lo, v), _mm256_cmpeq_epi8(hi, v));
}

/* The bytes before `in`, from the previous block: the last k of prev
 * then the first 32-k of in. */
#define PREV(in, prev, k) _mm256_alignr_epi8((in), \
	_mm256_permute2x128_si256((prev), (in), 0x21), 16 - (k))

/* UTF-8 errors of in, after prev (see utf8_errors above). */
FAST_TARGET static inline __m256i
utf8_err256(__m256i in, __m256i prev)
{
	const __m256i lo = _mm256_set1_epi8(0x0F);
	const __m256i t1h = _mm256_setr_epi8(
	    U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
	    U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
	    (char)U8_TWO_CONTS, (char)U8_TWO_CONTS, (char)U8_TWO_CONTS, (char)U8_TWO_CONTS,
	    U8_TOO_SHORT | U8_OVERLONG_2,
	    U8_TOO_SHORT,
	    U8_TOO_SHORT | U8_OVERLONG_3 | U8_SURROGATE,
	    U8_TOO_SHORT | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_OVERLONG_4,
	    U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
	    U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
	    (char)U8_TWO_CONTS, (char)U8_TWO_CONTS, (char)U8_TWO_CONTS, (char)U8_TWO_CONTS,
	    U8_TOO_SHORT | U8_OVERLONG_2,
	    U8_TOO_SHORT,
	    U8_TOO_SHORT | U8_OVERLONG_3 | U8_SURROGATE,
	    U8_TOO_SHORT | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_OVERLONG_4);
#define T1L \
	    (char)(U8_CARRY | U8_OVERLONG_3 | U8_OVERLONG_2 | U8_OVERLONG_4), \
	    (char)(U8_CARRY | U8_OVERLONG_2), \
	    (char)U8_CARRY, (char)U8_CARRY, \
	    (char)(U8_CARRY | U8_TOO_LARGE), \
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000), \
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000), \
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000), \
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000), \
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000), \
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000), \
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000), \
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000), \
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_SURROGATE), \
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000), \
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000)
	const __m256i t1l = _mm256_setr_epi8(T1L, T1L);
#undef T1L
#define T2H \
	    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, \
	    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, \
	    (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 | \
	    U8_TOO_LARGE_1000 | U8_OVERLONG_4), \
	    (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 | U8_TOO_LARGE), \
	    (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE), \
	    (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE), \
	    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT
	const __m256i t2h = _mm256_setr_epi8(T2H, T2H);
#undef T2H
	__m256i p1 = PREV(in, prev, 1);
	__m256i p2 = PREV(in, prev, 2);
	__m256i p3 = PREV(in, prev, 3);
	__m256i sc = _mm256_and_si256(_mm256_and_si256(
	    _mm256_shuffle_epi8(t1h, _mm256_and_si256(_mm256_srli_epi16(p1, 4), lo)),
	    _mm256_shuffle_epi8(t1l, _mm256_and_si256(p1, lo))),
	    _mm256_shuffle_epi8(t2h, _mm256_and_si256(_mm256_srli_epi16(in, 4), lo)));
	__m256i must = _mm256_and_si256(_mm256_or_si256(
	    _mm256_subs_epu8(p2, _mm256_set1_epi8((char)(0xE0 - 0x80))),
	    _mm256_subs_epu8(p3, _mm256_set1_epi8((char)(0xF0 - 0x80)))),
	    _mm256_set1_epi8((char)0x80));

	return _mm256_xor_si256(must, sc);
}

/* A lead byte in the last three places of in without room for its
 * continuations: the next block must bring them. */
FAST_TARGET static inline __m256i
utf8_incomplete256(__m256i in)
{
	const __m256i maxv = _mm256_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1,
	    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
	    -1, -1, -1, -1, -1, (char)(0xF0 - 1), (char)(0xE0 - 1), (char)(0xC0 - 1));

	return _mm256_subs_epu8(in, maxv);
}

/* What stage 1 carries from one block to the next. */
struct s1 {
	uint64_t in_str;	/* all ones inside a string */
	uint64_t prev_scalar;	/* the last byte was a number byte */
	uint64_t next_esc;	/* the next byte is escaped */
	uint64_t hex_carry;	/* bytes of the next block that must be hex */
	uint64_t esc_carry;	/* the open string holds a backslash */
	size_t used;		/* offsets written */
};

#define BITS_TARGET __attribute__((target("pclmul,popcnt,bmi,bmi2")))

/* Every bit from a set bit up to the next one: the inside of strings. */
BITS_TARGET static inline uint64_t
prefix_xor(uint64_t x)
{
	return (uint64_t)_mm_cvtsi128_si64(_mm_clmulepi64_si128(
	    _mm_set_epi64x(0, (long long)x), _mm_set1_epi8((char)0xFF), 0));
}

/*
 * The bit logic of one block, the same for every vector width. From the
 * block's quotes, backslashes, brackets, bytes that cannot be in a
 * number (nonsc) and control bytes: the escaped bytes (*escp), the
 * closing quotes of strings that hold a backslash (*ebp), and the
 * tokens, returned. Returns 0 with *bad set for a control byte inside a
 * string.
 */
BITS_TARGET static inline uint64_t
block_bits(struct s1 *st, uint64_t q, uint64_t bs, uint64_t brk,
    uint64_t nonsc, uint64_t ctrl, uint64_t *escp, uint64_t *ebp, int *bad)
{
	const uint64_t ODD = 0xAAAAAAAAAAAAAAAAULL;
	uint64_t esc = 0, quo, str, sc, eb = 0, tok;

	/* Escaped bytes: after an odd run of backslashes (simdjson's
	 * escape scanner; a run may come from the block before). */
	if (bs | st->next_esc) {
		uint64_t pot = bs & ~st->next_esc;
		uint64_t code = (((pot << 1) | ODD) - pot) ^ ODD;

		esc = code ^ (bs | st->next_esc);
		st->next_esc = (code & bs) >> 63;
	}
	quo = q & ~esc;
	str = prefix_xor(quo) ^ st->in_str;
	if (ctrl & str) {
		*bad = 1;	/* a control character in a string */
		return 0;
	}
	/*
	 * The strings that hold a backslash, marked at their closing
	 * quote: a carry from each backslash runs up to the next opening
	 * quote, through the closing quote before it. A string still open
	 * at the end carries its mark on.
	 */
	if ((bs & str) | st->esc_carry) {
		uint64_t ones = ~(quo & str), r;
		int over = __builtin_add_overflow(ones, (bs & str) | st->esc_carry, &r);

		eb = (r ^ ones) & quo & ~str;
		st->esc_carry = over && (str >> 63);
	}
	st->in_str = (uint64_t)((int64_t)str >> 63);
	/* Tokens: brackets outside strings, every unescaped quote, the
	 * first byte of every number or literal. */
	sc = ~nonsc & ~str;
	tok = (brk & ~str) | quo | (sc & ~((sc << 1) | st->prev_scalar));
	st->prev_scalar = sc >> 63;
	*escp = esc;
	*ebp = eb;
	return tok;
}

/* Room for one more block's offsets (64, and 8 more written past). */
static inline uint32_t *
ix_room(struct tw_json *j, size_t used)
{
	if (j->ix_cap - used < 128) {
		j->ix_cap = j->ix_cap * 2 + 256;
		j->ix = tw_xrealloc(j->ix, j->ix_cap * sizeof *j->ix);
	}
	return j->ix + used;
}

#define ESC_BIT ((uint32_t)1 << 31)

/*
 * Marks with ESC_BIT the offsets (written from o on for the token bits
 * tok) of the closing quotes in eb: strings that hold a backslash.
 */
BITS_TARGET static inline void
mark_esc(uint32_t *o, uint64_t tok, uint64_t eb)
{
	while (eb) {
		o[__builtin_popcountll(tok & (eb - 1) & ~eb)] |= ESC_BIT;
		eb &= eb - 1;
	}
}

/* After the last block: the end marks (see stage2), or -1. */
static long long
stage1_end(struct tw_json *j, struct s1 *st)
{
	size_t b;

	if (st->in_str || st->hex_carry || st->used == 0)
		return -1;
	ix_room(j, st->used);
	/* the end: the first token's offset again (see stage2) */
	for (b = 0; b < 8; b++)
		j->ix[st->used + b] = j->ix[0];
	return (long long)st->used;
}

/*
 * Stage 1 with AVX2: the token offsets of s[0..n) into j->ix (then end
 * marks). Returns the number of tokens, or -1 when the document is not
 * for the fast path.
 */
FAST_TARGET static long long
stage1_avx2(struct tw_json *j, const char *s, size_t n)
{
	const __m256i v20 = _mm256_set1_epi8(0x20), v1f = _mm256_set1_epi8(0x1F);
	const __m256i wst = _mm256_setr_epi8(' ', 100, 100, 100, 17, 100, 113, 2,
	    100, '\t', '\n', 112, 100, '\r', 100, 100, ' ', 100, 100, 100, 17, 100,
	    113, 2, 100, '\t', '\n', 112, 100, '\r', 100, 100);
	const __m256i vq = _mm256_set1_epi8('"'), vb = _mm256_set1_epi8('\\');
	const __m256i vob = _mm256_set1_epi8('{'), vcb = _mm256_set1_epi8('}');
	const __m256i vco = _mm256_set1_epi8(','), vcl = _mm256_set1_epi8(':');
	size_t nb = (n + 63) / 64, b;
	struct s1 st;
	__m256i prev = _mm256_setzero_si256(), inc = prev, err = prev;
	char tail[64];

	memset(&st, 0, sizeof st);
	for (b = 0; b < nb; b++) {
		const char *p = s + b * 64;
		__m256i lo, hi, bl, bh, nl, nh;
		uint64_t q, bs, brk, nonsc, ctrl, esc, eb, tok;
		int bad = 0;

		if (b * 64 + 64 > n) {
			memset(tail, ' ', sizeof tail);
			memcpy(tail, p, n - b * 64);
			p = tail;
		}
		lo = _mm256_loadu_si256((const __m256i *)p);
		hi = _mm256_loadu_si256((const __m256i *)(p + 32));
		q = mask64(_mm256_cmpeq_epi8(lo, vq), _mm256_cmpeq_epi8(hi, vq));
		bs = mask64(_mm256_cmpeq_epi8(lo, vb), _mm256_cmpeq_epi8(hi, vb));
		/* brackets: '[' and ']' are '{' and '}' less 0x20 */
		bl = _mm256_or_si256(lo, v20);
		bh = _mm256_or_si256(hi, v20);
		bl = _mm256_or_si256(_mm256_cmpeq_epi8(bl, vob), _mm256_cmpeq_epi8(bl, vcb));
		bh = _mm256_or_si256(_mm256_cmpeq_epi8(bh, vob), _mm256_cmpeq_epi8(bh, vcb));
		brk = mask64(bl, bh);
		nl = _mm256_or_si256(_mm256_or_si256(bl,
		    _mm256_cmpeq_epi8(_mm256_shuffle_epi8(wst, lo), lo)),
		    _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(lo, vco),
		    _mm256_cmpeq_epi8(lo, vcl)), _mm256_cmpeq_epi8(lo, vq)));
		nh = _mm256_or_si256(_mm256_or_si256(bh,
		    _mm256_cmpeq_epi8(_mm256_shuffle_epi8(wst, hi), hi)),
		    _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(hi, vco),
		    _mm256_cmpeq_epi8(hi, vcl)), _mm256_cmpeq_epi8(hi, vq)));
		nonsc = mask64(nl, nh);
		ctrl = mask64(_mm256_cmpeq_epi8(_mm256_max_epu8(lo, v1f), v1f),
		    _mm256_cmpeq_epi8(_mm256_max_epu8(hi, v1f), v1f));
		tok = block_bits(&st, q, bs, brk, nonsc, ctrl, &esc, &eb, &bad);
		if (bad)
			return -1;
		if (esc | st.hex_carry) {
			/* Escapes: one of "\/bfnrt, or u and four hex digits. */
			__m256i cl = _mm256_or_si256(lo, v20), ch = _mm256_or_si256(hi, v20);
			uint64_t ok, u, need, hex;

			ok = eq64(lo, hi, '"') | bs | eq64(lo, hi, '/') |
			    eq64(lo, hi, 'b') | eq64(lo, hi, 'f') | eq64(lo, hi, 'n') |
			    eq64(lo, hi, 'r') | eq64(lo, hi, 't');
			u = eq64(lo, hi, 'u') & esc;
			if (esc & ~(ok | u))
				return -1;
			/* '0'-'9' and, with 0x20 set, 'a'-'f' */
			hex = mask64(_mm256_or_si256(
			    _mm256_and_si256(_mm256_cmpgt_epi8(cl, _mm256_set1_epi8('0' - 1)),
			    _mm256_cmpgt_epi8(_mm256_set1_epi8('9' + 1), cl)),
			    _mm256_and_si256(_mm256_cmpgt_epi8(cl, _mm256_set1_epi8('a' - 1)),
			    _mm256_cmpgt_epi8(_mm256_set1_epi8('f' + 1), cl))),
			    _mm256_or_si256(
			    _mm256_and_si256(_mm256_cmpgt_epi8(ch, _mm256_set1_epi8('0' - 1)),
			    _mm256_cmpgt_epi8(_mm256_set1_epi8('9' + 1), ch)),
			    _mm256_and_si256(_mm256_cmpgt_epi8(ch, _mm256_set1_epi8('a' - 1)),
			    _mm256_cmpgt_epi8(_mm256_set1_epi8('f' + 1), ch))));
			need = (u << 1) | (u << 2) | (u << 3) | (u << 4) | st.hex_carry;
			st.hex_carry = (u >> 63) | (u >> 62) | (u >> 61) | (u >> 60);
			if (need & ~hex)
				return -1;
		}
		/* UTF-8, where there is anything but ASCII. */
		if (_mm256_movemask_epi8(_mm256_or_si256(lo, hi)) != 0) {
			err = _mm256_or_si256(err, utf8_err256(lo, prev));
			err = _mm256_or_si256(err, utf8_err256(hi, lo));
			inc = utf8_incomplete256(hi);
		} else {
			err = _mm256_or_si256(err, inc);
			inc = _mm256_setzero_si256();
		}
		prev = hi;
		/* The offsets, eight at a time: writing past the count is
		 * harmless (there is room, and the next block overwrites). */
		if (tok) {
			uint32_t base = (uint32_t)(b * 64), *o = ix_room(j, st.used);
			int cnt = __builtin_popcountll(tok);

			uint64_t all = tok;
			uint32_t *o0 = o;

			st.used += (size_t)cnt;
			for (;;) {
				o[0] = base + (uint32_t)_tzcnt_u64(tok);
				tok = _blsr_u64(tok);
				o[1] = base + (uint32_t)_tzcnt_u64(tok);
				tok = _blsr_u64(tok);
				o[2] = base + (uint32_t)_tzcnt_u64(tok);
				tok = _blsr_u64(tok);
				o[3] = base + (uint32_t)_tzcnt_u64(tok);
				tok = _blsr_u64(tok);
				o[4] = base + (uint32_t)_tzcnt_u64(tok);
				tok = _blsr_u64(tok);
				o[5] = base + (uint32_t)_tzcnt_u64(tok);
				tok = _blsr_u64(tok);
				o[6] = base + (uint32_t)_tzcnt_u64(tok);
				tok = _blsr_u64(tok);
				o[7] = base + (uint32_t)_tzcnt_u64(tok);
				tok = _blsr_u64(tok);
				if (tok == 0)
					break;
				o += 8;
			}
			if (eb)
				mark_esc(o0, all, eb);
		}
	}
	err = _mm256_or_si256(err, inc);
	if (!_mm256_testz_si256(err, err))
		return -1;
	return stage1_end(j, &st);
}

#define AVX512_TARGET __attribute__((target( \
	"avx512f,avx512bw,avx512vbmi2,pclmul,popcnt,bmi,bmi2")))

/* The bytes before `in`: the last k of prev then the first 64-k of in. */
#define PREV512(in, prev, k) _mm512_alignr_epi8((in), \
	_mm512_permutex2var_epi64((prev), _mm512_set_epi64(13, 12, 11, 10, 9, \
	8, 7, 6), (in)), 16 - (k))

/* UTF-8 errors of in, after prev (see utf8_errors above). */
AVX512_TARGET static inline __m512i
utf8_err512(__m512i in, __m512i prev)
{
	const __m512i lo = _mm512_set1_epi8(0x0F);
	const __m512i t1h = _mm512_broadcast_i32x4(_mm_setr_epi8(
	    U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
	    U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG, U8_TOO_LONG,
	    (char)U8_TWO_CONTS, (char)U8_TWO_CONTS, (char)U8_TWO_CONTS, (char)U8_TWO_CONTS,
	    U8_TOO_SHORT | U8_OVERLONG_2,
	    U8_TOO_SHORT,
	    U8_TOO_SHORT | U8_OVERLONG_3 | U8_SURROGATE,
	    U8_TOO_SHORT | U8_TOO_LARGE | U8_TOO_LARGE_1000 | U8_OVERLONG_4));
	const __m512i t1l = _mm512_broadcast_i32x4(_mm_setr_epi8(
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
	    (char)(U8_CARRY | U8_TOO_LARGE | U8_TOO_LARGE_1000)));
	const __m512i t2h = _mm512_broadcast_i32x4(_mm_setr_epi8(
	    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
	    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT,
	    (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 |
	    U8_TOO_LARGE_1000 | U8_OVERLONG_4),
	    (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_OVERLONG_3 | U8_TOO_LARGE),
	    (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE),
	    (char)(U8_TOO_LONG | U8_OVERLONG_2 | U8_TWO_CONTS | U8_SURROGATE | U8_TOO_LARGE),
	    U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT, U8_TOO_SHORT));
	__m512i p1 = PREV512(in, prev, 1);
	__m512i p2 = PREV512(in, prev, 2);
	__m512i p3 = PREV512(in, prev, 3);
	__m512i sc = _mm512_and_si512(_mm512_and_si512(
	    _mm512_shuffle_epi8(t1h, _mm512_and_si512(_mm512_srli_epi16(p1, 4), lo)),
	    _mm512_shuffle_epi8(t1l, _mm512_and_si512(p1, lo))),
	    _mm512_shuffle_epi8(t2h, _mm512_and_si512(_mm512_srli_epi16(in, 4), lo)));
	__m512i must = _mm512_and_si512(_mm512_or_si512(
	    _mm512_subs_epu8(p2, _mm512_set1_epi8((char)(0xE0 - 0x80))),
	    _mm512_subs_epu8(p3, _mm512_set1_epi8((char)(0xF0 - 0x80)))),
	    _mm512_set1_epi8((char)0x80));

	return _mm512_xor_si512(must, sc);
}

/* Stage 1 with AVX-512 (BW and VBMI2): as stage1_avx2. */
AVX512_TARGET static long long
stage1_avx512(struct tw_json *j, const char *s, size_t n)
{
	const __m512i v20 = _mm512_set1_epi8(0x20);
	const __m512i wst = _mm512_broadcast_i32x4(_mm_setr_epi8(' ', 100, 100,
	    100, 17, 100, 113, 2, 100, '\t', '\n', 112, 100, '\r', 100, 100));
	const __m512i iota = _mm512_set_epi8(63, 62, 61, 60, 59, 58, 57, 56,
	    55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40,
	    39, 38, 37, 36, 35, 34, 33, 32, 31, 30, 29, 28, 27, 26, 25, 24,
	    23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8,
	    7, 6, 5, 4, 3, 2, 1, 0);
	/* a lead byte in the last three places that needs more bytes */
	const __m512i maxv = _mm512_mask_blend_epi8((__mmask64)7 << 61,
	    _mm512_set1_epi8(-1), _mm512_set_epi8((char)(0xC0 - 1),
	    (char)(0xE0 - 1), (char)(0xF0 - 1), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0));
	size_t nb = (n + 63) / 64, b;
	struct s1 st;
	__m512i prev = _mm512_setzero_si512(), inc = prev, err = prev;

	memset(&st, 0, sizeof st);
	for (b = 0; b < nb; b++) {
		__m512i x, c;
		uint64_t q, bs, brk, ws, sep, nonsc, ctrl, esc, eb, tok;
		int bad = 0;

		if (b * 64 + 64 > n)	/* the tail, padded with spaces */
			x = _mm512_mask_loadu_epi8(_mm512_set1_epi8(' '),
			    ((__mmask64)1 << (n - b * 64)) - 1, s + b * 64);
		else
			x = _mm512_loadu_si512((const void *)(s + b * 64));
		q = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('"'));
		bs = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('\\'));
		c = _mm512_or_si512(x, v20);
		brk = _mm512_cmpeq_epi8_mask(c, _mm512_set1_epi8('{')) |
		    _mm512_cmpeq_epi8_mask(c, _mm512_set1_epi8('}'));
		ws = _mm512_cmpeq_epi8_mask(_mm512_shuffle_epi8(wst, x), x);
		sep = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(',')) |
		    _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8(':'));
		nonsc = q | brk | ws | sep;
		ctrl = _mm512_cmplt_epu8_mask(x, v20);
		tok = block_bits(&st, q, bs, brk, nonsc, ctrl, &esc, &eb, &bad);
		if (bad)
			return -1;
		if (esc | st.hex_carry) {
			/* Escapes: one of "\/bfnrt, or u and four hex digits. */
			uint64_t ok, u, need, hex;

			ok = q | bs | _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('/')) |
			    _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('b')) |
			    _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('f')) |
			    _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('n')) |
			    _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('r')) |
			    _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('t'));
			u = _mm512_cmpeq_epi8_mask(x, _mm512_set1_epi8('u')) & esc;
			if (esc & ~(ok | u))
				return -1;
			/* '0'-'9' and, with 0x20 set, 'a'-'f' */
			hex = _mm512_cmple_epu8_mask(_mm512_sub_epi8(c,
			    _mm512_set1_epi8('0')), _mm512_set1_epi8(9)) |
			    _mm512_cmple_epu8_mask(_mm512_sub_epi8(c,
			    _mm512_set1_epi8('a')), _mm512_set1_epi8(5));
			need = (u << 1) | (u << 2) | (u << 3) | (u << 4) | st.hex_carry;
			st.hex_carry = (u >> 63) | (u >> 62) | (u >> 61) | (u >> 60);
			if (need & ~hex)
				return -1;
		}
		/* UTF-8, where there is anything but ASCII. */
		if (_mm512_movepi8_mask(x) != 0) {
			err = _mm512_or_si512(err, utf8_err512(x, prev));
			inc = _mm512_subs_epu8(x, maxv);
		} else {
			err = _mm512_or_si512(err, inc);
			inc = _mm512_setzero_si512();
		}
		prev = x;
		/* The offsets: the bytes 0-63 where a token is, packed,
		 * widened to 32 bits 16 at a time. */
		if (tok) {
			uint32_t *o = ix_room(j, st.used);
			int cnt = __builtin_popcountll(tok), k;
			__m512i pk = _mm512_maskz_compress_epi8(tok, iota);
			__m512i base = _mm512_set1_epi32((int)(b * 64));

			st.used += (size_t)cnt;
			_mm512_storeu_si512((void *)o, _mm512_add_epi32(base,
			    _mm512_cvtepu8_epi32(_mm512_castsi512_si128(pk))));
			for (k = 1; k * 16 < cnt; k++) {
				__m128i part = k == 1 ? _mm512_extracti32x4_epi32(pk, 1) :
				    k == 2 ? _mm512_extracti32x4_epi32(pk, 2) :
				    _mm512_extracti32x4_epi32(pk, 3);

				_mm512_storeu_si512((void *)(o + 16 * k), _mm512_add_epi32(
				    base, _mm512_cvtepu8_epi32(part)));
			}
			if (eb)
				mark_esc(o, tok, eb);
		}
	}
	err = _mm512_or_si512(err, inc);
	if (_mm512_test_epi8_mask(err, err) != 0)
		return -1;
	return stage1_end(j, &st);
}

/*
 * The gap s[a..b) between two tokens: white space around at most one
 * `sep`. Returns 1 with a separator, 0 without, -1 for anything else,
 * and -1 when b comes before a: the end mark (see stage2).
 */
static int
gap(const char *s, size_t a, size_t b, char sep)
{
	int seen = 0;

	if (b < a)
		return -1;
	for (; a < b; a++) {
		if (s[a] == sep && !seen)
			seen = 1;
		else if (!ws_tab[(unsigned char)s[a]])
			return -1;
	}
	return seen;
}

/*
 * Stage 2: the tape from the offsets; 0, or -1 for parse_scalar. The
 * open containers are on j->stack; the count of the innermost one is
 * in cnt, an outer one's waits in its node's len. The root must be an
 * object or an array (a bare value goes to parse_scalar).
 *
 * Past the last token, ix holds the offset of the first one (the root's
 * bracket): every token read but a string's closing quote is followed
 * by a check of the bytes since the last token, which fails when the
 * offset goes backwards, so the end needs no test of its own.
 */
FAST_TARGET static int
stage2(struct tw_json *j, const char *s, size_t n)
{
	const uint32_t *ix = j->ix;
	struct tw_jval *tape = j->v, *v = tape;
	uint32_t *sp = j->stack, cnt = 0, cur = 0, pos, e, node = 0;
	uint32_t lit;
	uint64_t w;
	uint16_t h2;
	unsigned char c;
	int obj;

/* a node of the next index; type, flags, hint and len in one store */
#define PUT(W, P) do { \
		uint64_t w_ = (W); \
		memcpy(v, &w_, sizeof w_); \
		v->next = ++node; \
		v->p = (P); \
		v++; \
	} while (0)
#define WORD(T, F, L) ((T) | (uint64_t)(F) << 8 | (uint64_t)(L) << 32)

	pos = *ix++;
	c = (unsigned char)s[pos];
	if ((c != '{' && c != '[') || (pos > 0 && gap(s, 0, pos, 0) != 0))
		return -1;
	goto open;
value:
	c = (unsigned char)s[pos];
	if (c == '"') {
		e = *ix++;	/* its closing quote, ESC_BIT if escaped */
		PUT(WORD(TW_JSTR, e >> 31, (e & ~ESC_BIT) - pos - 1), s + pos + 1);
		e = (e & ~ESC_BIT) + 1;
		goto next;
	}
	if ((unsigned)(c - '0') < 10 || c == '-') {
		const char *q = s + pos, *qe = s + n;
		unsigned flags = TW_JF_INT;

		if (*q == '-' && ++q == qe)
			return -1;
		if (*q == '0') {
			q++;
		} else if ((unsigned char)(*q - '1') < 9) {
			q = tw_digits_end(q + 1, qe);
		} else {
			return -1;
		}
		if (q < qe && (*q == '.' || *q == 'e' || *q == 'E')) {
			size_t end;
			uint8_t fl;

			if (scan_number(j, s, pos, n, &end, &fl) != TW_JSON_OK)
				return -1;
			q = s + end;
			flags = fl;
		}
		e = (uint32_t)(q - s);
		if (e < n && scalar_ch[(unsigned char)s[e]])
			return -1;	/* more number bytes than a number */
		PUT(WORD(TW_JNUM, flags, e - pos), s + pos);
		goto next;
	}
	if (c == '{' || c == '[') {
open:
		if ((size_t)(sp - j->stack) >= j->max_depth)
			return -1;
		if (sp == j->stack + j->stack_cap) {
			size_t d = (size_t)(sp - j->stack);

			j->stack_cap = j->stack_cap ? j->stack_cap * 2 : 64;
			j->stack = tw_xrealloc(j->stack, j->stack_cap * sizeof *j->stack);
			sp = j->stack + d;
		}
		tape[cur].len = cnt;
		*sp++ = cur;
		cur = node;
		cnt = 0;
		obj = c == '{';
		PUT(WORD(obj ? TW_JOBJ : TW_JARR, 0, 0), s + pos);
		e = pos + 1;
		pos = *ix++;
		if (pos != e && gap(s, e, pos, 0) != 0)
			return -1;
		if (s[pos] == '}' || s[pos] == ']')
			goto close;
		if (obj)
			goto key;
		goto value;
	}
	if (n - pos < 4)
		return -1;
	memcpy(&lit, s + pos, 4);
	if (lit == 0x65757274) {		/* "true" */
		PUT(WORD(TW_JTRUE, 0, 4), s + pos);
		e = pos + 4;
	} else if (lit == 0x6c6c756e) {		/* "null" */
		PUT(WORD(TW_JNULL, 0, 4), s + pos);
		e = pos + 4;
	} else if (lit == 0x736c6166 && n - pos > 4 && s[pos + 4] == 'e') {
		PUT(WORD(TW_JFALSE, 0, 5), s + pos);
		e = pos + 5;
	} else {
		return -1;
	}
	if (e < n && scalar_ch[(unsigned char)s[e]])
		return -1;

next:	/* a value ends before e: a comma, or the end of its container */
	cnt++;
	pos = *ix++;
	if (pos != e + 1 || s[e] != ',') {
		int g = gap(s, e, pos, ',');

		if (g < 0)
			return -1;
		if (g == 0)
			goto close;
	}
	if (!obj)
		goto value;

key:
	/*
	 * The common member, "key":"string", in a loop of its own: the
	 * key, its colon, the string, then a comma and the next key.
	 */
	for (;;) {
		uint32_t q;

		if (s[pos] != '"')
			return -1;
		e = *ix++;
		w = WORD(TW_JSTR, e >> 31, (e & ~ESC_BIT) - pos - 1);
		e &= ~ESC_BIT;
		if (TW_LIKELY(e > pos + 1)) {
			/* the hint, the two bytes after the quote (see
			 * tw_json_keyword): their place does not wait for
			 * the end's */
			memcpy(&h2, s + pos + 1, 2);
			w |= (uint64_t)h2 << 16;
		}
		PUT(w, s + pos + 1);
		e++;
		pos = *ix++;
		if ((pos != e + 1 || s[e] != ':') && gap(s, e, pos, ':') != 1)
			return -1;
		c = (unsigned char)s[pos];
		if (c == '"') {
			q = *ix++;
			PUT(WORD(TW_JSTR, q >> 31, (q & ~ESC_BIT) - pos - 1), s + pos + 1);
			e = (q & ~ESC_BIT) + 1;
		} else if ((unsigned char)(c - '1') < 9) {
			/* a count: digits up to the next token's separator */
			const char *d = tw_digits_end(s + pos + 1, s + n), *de = s + n;

			if (d < de && scalar_ch[(unsigned char)*d])
				goto value;	/* a fraction or exponent: the long way */
			e = (uint32_t)(d - s);
			PUT(WORD(TW_JNUM, TW_JF_INT, e - pos), s + pos);
		} else {
			goto value;
		}
		cnt++;
		pos = *ix++;
		if (pos != e + 1 || s[e] != ',') {
			int g = gap(s, e, pos, ',');

			if (g < 0)
				return -1;
			if (g == 0)
				goto close;
		}
	}

close:
	if (s[pos] != (obj ? '}' : ']'))
		return -1;
	tape[cur].len = cnt;
	tape[cur].next = node;
	e = pos + 1;
	if (--sp == j->stack) {
		/* the root: nothing but white space may follow */
		for (; e < n; e++)
			if (!ws_tab[(unsigned char)s[e]])
				return -1;
		j->n = node;
		return 0;
	}
	cur = *sp;
	cnt = tape[cur].len;
	obj = tape[cur].type == TW_JOBJ;
	goto next;
#undef PUT
#undef WORD
}

/* 0 with the tape built, -1 when parse_scalar must decide. */
static int
parse_fast(struct tw_json *j, const char *s, size_t n)
{
	size_t k = n;
	long long ntok;

	/* A complete document ends in '}', ']', '"', a digit or a literal's
	 * last letter: a partial one (a line being joined) goes straight
	 * to parse_scalar. */
	while (k > 0 && ws_tab[(unsigned char)s[k - 1]])
		k--;
	if (k == 0 || n >= (size_t)1 << 31)
		return -1;
	switch (s[k - 1]) {
	case '}': case ']': case '"': case 'e': case 'l':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		break;
	default:
		return -1;
	}
	ntok = fast_ok > 1 ? stage1_avx512(j, s, n) : stage1_avx2(j, s, n);
	if (ntok <= 0)
		return -1;
	while (j->cap < (size_t)ntok)
		tape_grow(j);
	if (j->stack_cap == 0) {
		j->stack_cap = 64;
		j->stack = tw_xrealloc(j->stack, j->stack_cap * sizeof *j->stack);
	}
	return stage2(j, s, n);
}
#endif

enum tw_json_status
tw_json_parse(struct tw_json *j, const char *s, size_t n)
{
	j->n = 0;
	j->nbadutf8 = 0;
	j->errmsg = NULL;
	j->erroff = 0;
	if (n > UINT32_MAX)
		return fail(j, TW_JSON_TOOBIG, "document larger than 4 GiB", 0);
#ifdef TW_JSON_FAST
	if (fast_ok > 0 && parse_fast(j, s, n) == 0) {
		j->nfast++;
		return TW_JSON_OK;
	}
#endif
	return parse_scalar(j, s, n);
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

_Static_assert(offsetof(struct tw_jval, type) == 0 &&
    offsetof(struct tw_jval, flags) == 1 && offsetof(struct tw_jval, hint) == 2 &&
    offsetof(struct tw_jval, len) == 4 &&
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
    "tw_json_get reads these as one little-endian word");

int
tw_json_streq(const struct tw_jval *v, const char *s, size_t n)
{
	static struct tw_buf tmp = TW_BUF_INIT;

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
		/* valid UTF-8 (the parser checked) is copied as it is */
		if (i > start && (v->flags & TW_JF_BADUTF8))
			bad += tw_buf_add_utf8_repair(b, v->p + start, i - start);
		else if (i > start)
			tw_buf_add(b, v->p + start, i - start);
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

/* Hex digit values, -1 for other bytes. */
static const signed char hexv[256] = {
#define H16 -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1
	H16, H16, H16,
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -1, -1, -1, -1, -1,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, H16,
	-1, 10, 11, 12, 13, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, H16,
	H16, H16, H16, H16, H16, H16, H16, H16
#undef H16
};

/* The code point of the 4 hex digits at u (the parser checked them). */
static inline uint32_t
hex4(const unsigned char *u)
{
	return (uint32_t)(hexv[u[0]] << 12 | hexv[u[1]] << 8 | hexv[u[2]] << 4 |
	    hexv[u[3]]);
}

/* Writes code point cp as canonical JSON string text: raw UTF-8, with
 * '"', '\\' and control characters escaped as tw_buf_add_jstr does. */
static inline char *
put_cp(char *o, uint32_t cp)
{
	static const char hexdig[] = "0123456789abcdef";

	if (cp >= 0x80) {
		if (cp < 0x800) {
			*o++ = (char)(0xC0 | cp >> 6);
		} else if (cp < 0x10000) {
			*o++ = (char)(0xE0 | cp >> 12);
			*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
		} else {
			*o++ = (char)(0xF0 | cp >> 18);
			*o++ = (char)(0x80 | (cp >> 12 & 0x3F));
			*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
		}
		*o++ = (char)(0x80 | (cp & 0x3F));
		return o;
	}
	if (cp >= 0x20 && cp != '"' && cp != '\\') {
		*o++ = (char)cp;
		return o;
	}
	*o++ = '\\';
	switch (cp) {
	case '"': *o++ = '"'; break;
	case '\\': *o++ = '\\'; break;
	case '\n': *o++ = 'n'; break;
	case '\r': *o++ = 'r'; break;
	case '\t': *o++ = 't'; break;
	case '\b': *o++ = 'b'; break;
	case '\f': *o++ = 'f'; break;
	default:
		*o++ = 'u'; *o++ = '0'; *o++ = '0';
		*o++ = hexdig[cp >> 4]; *o++ = hexdig[cp & 15];
		break;
	}
	return o;
}

/*
 * String v as canonical JSON (quotes included) in one pass over its
 * text: runs without a backslash (valid UTF-8 without control bytes:
 * the parser checked) are copied as they are, 16 bytes at a time, and
 * escapes are rewritten in place, never longer than they were. With
 * `html`, &amp; &lt; &gt; become & < >, as if decoded after the JSON
 * escapes. With `nuls`, U+0000 is left out and counted there. Returns
 * the replacements made (lone surrogates), or (size_t)-1 with nothing
 * written when one pass cannot do it: invalid UTF-8 to repair, or an
 * entity made with an escape ("\u0026amp;").
 */
static size_t
transcode(struct tw_buf *b, const struct tw_jval *v, int html, size_t *nuls)
{
	const unsigned char *s = (const unsigned char *)v->p, *e = s + v->len;
	size_t bad = 0, start = b->len;
	char *o;

	if (v->flags & TW_JF_BADUTF8)
		return (size_t)-1;
	if (b->cap - b->len <= (size_t)v->len + 2 + 16)
		tw_buf_grow(b, (size_t)v->len + 2 + 16);
	o = b->p + b->len;
	*o++ = '"';
	for (;;) {
#ifdef __SSE2__
		const __m128i vb = _mm_set1_epi8('\\');
		const __m128i va = _mm_set1_epi8(html ? '&' : '\\');

		while (e - s >= 16) {
			__m128i x = _mm_loadu_si128((const __m128i *)s);
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
			    _mm_cmpeq_epi8(x, vb), _mm_cmpeq_epi8(x, va)));

			_mm_storeu_si128((__m128i *)o, x);
			if (m) {
				m = (unsigned)__builtin_ctz(m);
				s += m;
				o += m;
				goto special;
			}
			s += 16;
			o += 16;
		}
#endif
		while (s < e && *s != '\\' && !(html && *s == '&'))
			*o++ = (char)*s++;
		if (s == e)
			break;
#ifdef __SSE2__
special:
#endif
		if (*s == '&') {
			size_t left = (size_t)(e - s), k;

			if (left >= 5 && memcmp(s, "&amp;", 5) == 0) {
				*o++ = '&';
				s += 5;
			} else if (left >= 4 && (memcmp(s, "&lt;", 4) == 0 ||
			    memcmp(s, "&gt;", 4) == 0)) {
				*o++ = s[1] == 'l' ? '<' : '>';
				s += 4;
			} else {
				/* an escape where an entity could end: decode first */
				for (k = 1; k < 5 && k < left; k++)
					if (s[k] == '\\')
						goto redo;
				*o++ = '&';
				s++;
			}
			continue;
		}
		switch (s[1]) {
		case '/':
			*o++ = '/';
			s += 2;
			continue;
		case 'u':
			break;
		default:	/* \" \\ \b \f \n \r \t are canonical */
			*o++ = '\\';
			*o++ = (char)s[1];
			s += 2;
			continue;
		}
		/* \uXXXX, and the ones straight after it (text in a script
		 * the sender escaped is a run of them) */
		do {
			uint32_t cp = hex4(s + 2), lo;

			s += 6;
			if (cp >= 0xD800 && cp <= 0xDFFF) {
				if (cp <= 0xDBFF && e - s >= 6 && s[0] == '\\' &&
				    s[1] == 'u' && (lo = hex4(s + 2)) >= 0xDC00 &&
				    lo <= 0xDFFF) {
					cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
					s += 6;
				} else {
					cp = 0xFFFD;
					bad++;
				}
			} else if (cp == '&' && html) {
				goto redo;
			} else if (cp == 0 && nuls) {
				(*nuls)++;
				continue;
			}
			o = put_cp(o, cp);
		} while (e - s >= 6 && s[0] == '\\' && s[1] == 'u');
	}
	*o++ = '"';
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
	return bad;
redo:
	b->len = start;
	b->p[start] = '\0';
	return (size_t)-1;
}

/* tw_json_str_emit, with U+0000 left out and counted in *nuls if given. */
static size_t
str_emit(struct tw_buf *b, const struct tw_jval *v, size_t *nuls)
{
	static struct tw_buf tmp = TW_BUF_INIT;
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
	if ((bad = transcode(b, v, 0, nuls)) != (size_t)-1)
		return bad;
	tw_buf_reset(&tmp);
	bad = tw_json_str_decode(&tmp, v);
	if (nuls)
		*nuls += tw_buf_strip_nul(&tmp, 0);
	tw_buf_add_jstr(b, tmp.p, tmp.len);
	return bad;
}

size_t
tw_json_str_emit(struct tw_buf *b, const struct tw_jval *v)
{
	return str_emit(b, v, NULL);
}

size_t
tw_json_str_emit_html(struct tw_buf *b, const struct tw_jval *v)
{
	static struct tw_buf tmp = TW_BUF_INIT;
	const char *p, *e, *amp;
	size_t bad, n;

	if (v->flags == 0 && memchr(v->p, '&', v->len) == NULL)
		return tw_json_str_emit(b, v);
	if ((bad = transcode(b, v, 1, NULL)) != (size_t)-1)
		return bad;
	/* Decode, then undo the entities in place: never longer. */
	tw_buf_reset(&tmp);
	bad = tw_json_str_decode(&tmp, v);
	p = tmp.p;
	e = tmp.p + tmp.len;
	n = 0;
	while (p < e) {
		amp = memchr(p, '&', (size_t)(e - p));
		if (amp == NULL) {
			memmove(tmp.p + n, p, (size_t)(e - p));
			n += (size_t)(e - p);
			break;
		}
		memmove(tmp.p + n, p, (size_t)(amp - p));
		n += (size_t)(amp - p);
		if (e - amp >= 5 && memcmp(amp, "&amp;", 5) == 0) {
			tmp.p[n++] = '&';
			p = amp + 5;
		} else if (e - amp >= 4 && memcmp(amp, "&lt;", 4) == 0) {
			tmp.p[n++] = '<';
			p = amp + 4;
		} else if (e - amp >= 4 && memcmp(amp, "&gt;", 4) == 0) {
			tmp.p[n++] = '>';
			p = amp + 4;
		} else {
			tmp.p[n++] = '&';
			p = amp + 1;
		}
	}
	tw_buf_add_jstr(b, tmp.p, n);
	return bad;
}

/* tw_json_emit, with U+0000 left out and counted in *nuls if given. */
static size_t
emit(struct tw_buf *b, const struct tw_json *j, const struct tw_jval *v,
    size_t *nuls)
{
	const struct tw_jval *e;
	size_t bad = 0;
	uint32_t k;

	switch (v->type) {
	case TW_JNULL: tw_buf_add(b, "null", 4); break;
	case TW_JTRUE: tw_buf_add(b, "true", 4); break;
	case TW_JFALSE: tw_buf_add(b, "false", 5); break;
	case TW_JNUM: tw_buf_add(b, v->p, v->len); break;
	case TW_JSTR: bad += str_emit(b, v, nuls); break;
	case TW_JARR:
		tw_buf_addc(b, '[');
		for (k = 0, e = v + 1; k < v->len; k++, e = j->v + e->next) {
			if (k)
				tw_buf_addc(b, ',');
			bad += emit(b, j, e, nuls);
		}
		tw_buf_addc(b, ']');
		break;
	case TW_JOBJ:
		tw_buf_addc(b, '{');
		for (k = 0, e = v + 1; k < v->len; k++, e = j->v + e[1].next) {
			if (k)
				tw_buf_addc(b, ',');
			bad += str_emit(b, e, nuls);
			tw_buf_addc(b, ':');
			bad += emit(b, j, e + 1, nuls);
		}
		tw_buf_addc(b, '}');
		break;
	}
	return bad;
}

size_t
tw_json_emit(struct tw_buf *b, const struct tw_json *j, const struct tw_jval *v)
{
	return emit(b, j, v, NULL);
}

size_t
tw_json_emit_opt(struct tw_buf *b, const struct tw_json *j,
    const struct tw_jval *v, unsigned opt, size_t *nuls)
{
	size_t n = 0, bad;

	bad = emit(b, j, v, (opt & TW_JSON_NONUL) ? &n : NULL);
	if (nuls)
		*nuls += n;
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
