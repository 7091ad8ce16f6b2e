/*
 * tw-gen: the output helpers the renderers share: JSON strings in the
 * v2 and the v1.1 wire forms, coordinates and v1.1 times.
 */
#include "gen_internal.h"
#include "tw_time.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

const char *const out_media_type[3] = { "photo", "video", "animated_gif" };

/* Micro-degrees as a decimal number without trailing zeros. */
void
out_fix6(struct tw_buf *o, int32_t v)
{
	char f[7];
	int n = 6, i;
	uint32_t a;

	if (v < 0) {
		tw_buf_addc(o, '-');
		a = (uint32_t)-(int64_t)v;
	} else {
		a = (uint32_t)v;
	}
	add_u64(o, a / 1000000);
	a %= 1000000;
	for (i = 5; i >= 0; i--) {
		f[i] = (char)('0' + a % 10);
		a /= 10;
	}
	while (n > 1 && f[n - 1] == '0')
		n--;
	tw_buf_addc(o, '.');
	tw_buf_add(o, f, (size_t)n);
}

static inline char *
put_u(char *d, unsigned v, const char *hx)
{
	d[0] = '\\';
	d[1] = 'u';
	d[2] = hx[(v >> 12) & 15];
	d[3] = hx[(v >> 8) & 15];
	d[4] = hx[(v >> 4) & 15];
	d[5] = hx[v & 15];
	return d + 6;
}

/*
 * Byte classes for the JSON writers: 0 copy as is, 1 escape, 2 start of
 * a non-BMP character (escaped as a surrogate pair), 3 start of another
 * non-ASCII character (v1 escapes it).
 */
static unsigned char cls_v2[256], cls_v1[256];

void
out_init(void)
{
	int c;

	for (c = 0; c < 256; c++) {
		cls_v2[c] = c < 0x20 || c == '"' || c == '\\' ? 1 :
		    c >= 0xF0 ? 2 : 0;
		cls_v1[c] = c < 0x20 || c == '"' || c == '\\' || c == '/' ||
		    c == '<' || c == '>' ? 1 : c >= 0xF0 ? 2 : c >= 0xC0 ? 3 :
		    c >= 0x80 ? 1 : 0;
	}
}

/* High bit set in each byte of x equal to b, possibly more (only used
 * to decide whether to look closer). */
static inline uint64_t
hasbyte(uint64_t x, unsigned b)
{
	uint64_t y = x ^ (0x0101010101010101ULL * b);

	return (y - 0x0101010101010101ULL) & ~y;
}

#ifdef __SSE2__
/* Nonzero when one of the 16 bytes of x needs care in the v2 form: a
 * control character, '"', '\\' or a 4-byte lead byte (>= 0xF0). */
static inline int
v2_care16(__m128i x)
{
	__m128i t = _mm_or_si128(_mm_cmpeq_epi8(x, _mm_set1_epi8('"')),
	    _mm_cmpeq_epi8(x, _mm_set1_epi8('\\')));

	t = _mm_or_si128(t, _mm_cmpeq_epi8(_mm_max_epu8(x,
	    _mm_set1_epi8(0x1F)), _mm_set1_epi8(0x1F)));
	t = _mm_or_si128(t, _mm_cmpeq_epi8(_mm_max_epu8(x,
	    _mm_set1_epi8((char)0xF0)), x));
	return _mm_movemask_epi8(t);
}
#endif

/*
 * Writes s[0..n) (valid UTF-8) at d as a JSON string and returns the
 * end: the v2 wire form (raw UTF-8, non-BMP as uppercase surrogate
 * pairs) or, with v1 set, the v1.1 form (ASCII only: every non-ASCII
 * character as lowercase \u escapes, "/" as "\/", "<" and ">"
 * escaped). d must have room for 6 * n + 18 bytes (the v2 tail is
 * stored 16 bytes at a time).
 */
char *
out_jstr_at(char *d, const char *s, size_t n, int v1)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + n;
	const unsigned char *cls = v1 ? cls_v1 : cls_v2;
	const char *hx = v1 ? hexl : hexu;
	unsigned c, cp;

	*d++ = '"';
	while (p < e) {
		/* v2: copy 8 bytes at a time while none needs care (a
		 * control character, '"', '\\' or a 4-byte lead byte). */
		if (!v1) {
#ifdef __SSE2__
			/* 16 bytes a step while none needs care. */
			while (e - p >= 16) {
				__m128i x = _mm_loadu_si128((const __m128i *)p);

				if (v2_care16(x))
					break;
				_mm_storeu_si128((__m128i *)d, x);
				d += 16;
				p += 16;
			}
			/* The tail, through a padded copy: short strings
			 * (tags, URLs) are mostly tail. */
			if (e - p < 16 && p < e) {
				unsigned char tb[16];
				__m128i x;

				memset(tb, 'a', sizeof tb);
				memcpy(tb, p, (size_t)(e - p));
				x = _mm_loadu_si128((const __m128i *)tb);
				if (!v2_care16(x)) {
					_mm_storeu_si128((__m128i *)d, x);
					d += e - p;
					break;
				}
			}
#endif
			while (e - p >= 8) {
				uint64_t x, t;

				memcpy(&x, p, 8);
				t = ((x - 0x2020202020202020ULL) & ~x) |
				    hasbyte(x, '"') | hasbyte(x, '\\') |
				    hasbyte(x & 0xF0F0F0F0F0F0F0F0ULL, 0xF0);
				if (t & 0x8080808080808080ULL)
					break;
				memcpy(d, &x, 8);
				d += 8;
				p += 8;
			}
			if (p == e)
				break;
		}
		c = *p;
		switch (cls[c]) {
		case 0:
			*d++ = (char)c;
			p++;
			continue;
		case 1:
			*d++ = '\\';
			switch (c) {
			case '"': *d++ = '"'; break;
			case '\\': *d++ = '\\'; break;
			case '/': *d++ = '/'; break;
			case '\n': *d++ = 'n'; break;
			case '\t': *d++ = 't'; break;
			case '\r': *d++ = 'r'; break;
			default:
				d = put_u(d - 1, c, hx);
			}
			p++;
			continue;
		case 2:
			cp = (c & 7u) << 18 | (p[1] & 63u) << 12 |
			    (p[2] & 63u) << 6 | (p[3] & 63u);
			cp -= 0x10000;
			d = put_u(d, 0xD800 + (cp >> 10), hx);
			d = put_u(d, 0xDC00 + (cp & 0x3FF), hx);
			p += 4;
			continue;
		default:
			if (c < 0xE0) {
				cp = (c & 31u) << 6 | (p[1] & 63u);
				p += 2;
			} else {
				cp = (c & 15u) << 12 | (p[1] & 63u) << 6 |
				    (p[2] & 63u);
				p += 3;
			}
			d = put_u(d, cp, hx);
		}
	}
	*d++ = '"';
	return d;
}

/* out_jstr_at on a tw_buf. */
void
out_jstr(struct tw_buf *o, const char *s, size_t n, int v1)
{
	char *d;

	reserve(o, n * 6 + 18);
	d = out_jstr_at(o->p + o->len, s, n, v1);
	o->len = (size_t)(d - o->p);
	o->p[o->len] = '\0';
}

/* v1.1 created_at: "Wed Oct 10 20:19:24 +0000 2018". */
void
out_v1time(struct tw_buf *o, int64_t ms)
{
	static const char days[] = "SunMonTueWedThuFriSat";
	static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	struct tw_tm tm;
	char b[32];

	tw_time_split(ms, &tm);
	b[0] = '"';
	memcpy(b + 1, days + 3 * tm.wday, 3);
	b[4] = ' ';
	memcpy(b + 5, mons + 3 * (tm.mon - 1), 3);
	b[8] = ' ';
	b[9] = (char)('0' + tm.day / 10);
	b[10] = (char)('0' + tm.day % 10);
	b[11] = ' ';
	b[12] = (char)('0' + tm.hour / 10);
	b[13] = (char)('0' + tm.hour % 10);
	b[14] = ':';
	b[15] = (char)('0' + tm.min / 10);
	b[16] = (char)('0' + tm.min % 10);
	b[17] = ':';
	b[18] = (char)('0' + tm.sec / 10);
	b[19] = (char)('0' + tm.sec % 10);
	memcpy(b + 20, " +0000 ", 7);
	b[27] = (char)('0' + tm.year / 1000 % 10);
	b[28] = (char)('0' + tm.year / 100 % 10);
	b[29] = (char)('0' + tm.year / 10 % 10);
	b[30] = (char)('0' + tm.year % 10);
	b[31] = '"';
	tw_buf_add(o, b, 32);
}
