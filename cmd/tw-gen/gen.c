/*
 * The tweet generator: builds a tweet model (struct post) from the
 * vocabulary, then renders it as a v2 stream line, a v2 search page or
 * a v1.1 status.
 *
 * Speed matters (tw-gen feeds benchmarks): users and places are
 * rendered once into JSON fragments and copied; text is built as
 * UTF-8 with its code point count kept as it grows, so entity offsets
 * cost nothing; output goes straight into the caller's tw_buf.
 *
 * Entity offsets count code points of the text as sent, that is after
 * HTML escaping ("&amp;" counts 5): that is what the real API does (see
 * the twarc-csv and python-twitter files of the corpus).
 */
#include "gen.h"
#include "tw_time.h"
#include "tw_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define TW_EPOCH	1288834974657LL	/* snowflake epoch, ms */
#define TEXTMAX		2048		/* bytes; 280 code points escaped fit */
#define MAXTAG		8
#define MAXMEN		6
#define MAXURL		4
#define MAXMEDIA	4
#define MAXKW		64
#define SETSIZE		8192		/* page de-duplication set, power of 2 */

enum { K_ORIG, K_RT, K_REPLY, K_QUOTE };
enum { U_LINK, U_QUOTE, U_MEDIA, U_WEB };
enum { M_PHOTO, M_VIDEO, M_GIF };
enum { MT_RT, MT_REPLY, MT_LIKE, MT_QUOTE, MT_IMPR, MT_BOOK };

struct ent_tag {
	uint16_t s, e;
	const char *tag;
	uint16_t len;
};

struct ent_men {
	uint16_t s, e;
	uint32_t user;
};

struct ent_url {
	uint16_t s, e;
	uint8_t kind;
	uint8_t explen, displen;
	char tco[10];
	char exp[128];
	char disp[48];
};

struct media {
	uint64_t id;
	uint8_t type;
	int8_t alt;
	uint16_t w, h;
	uint32_t dur;
	uint64_t views;
	char file[15];
};

struct post {
	uint64_t id, conv;
	int64_t ms;		/* created_at */
	uint32_t user;
	uint8_t lang, src, kind, sensitive, rs;
	uint8_t nh, nm, nu, nmedia;
	uint8_t prev_word;
	uint16_t tlen, tcp, limit;
	uint16_t disp_start, disp_end;
	char text[TEXTMAX];
	struct ent_tag tags[MAXTAG];
	struct ent_men men[MAXMEN];
	struct ent_url urls[MAXURL];
	struct media media[MAXMEDIA];
	int16_t place;		/* city index or -1 */
	int32_t lon, lat;	/* micro-degrees */
	uint64_t m[6];
	struct post *ref;	/* retweeted, replied-to or quoted tweet */
	uint64_t rules;		/* keyword bit set (primary only) */
};

struct user {
	uint64_t id;
	uint8_t lang, ulen, namelen;
	char uname[16];
	char name[64];
	char *frag;		/* the user object in the output format */
	uint32_t fraglen;
};

struct place {
	char id[17];
	int32_t w, s, e, n;	/* micro-degrees */
	char *v2, *v1;		/* the place object, per format */
	size_t v2len, v1len;
};

struct kw {
	char *esc;		/* HTML-escaped, as it appears in text */
	size_t len;
	uint16_t cp;
	int tag;		/* usable as a hashtag */
	char rule[20];		/* rule id */
};

struct gen {
	const struct gen_cfg *cfg;
	uint64_t s[4];
	uint64_t k;		/* tweets generated */
	uint64_t last_id;
	struct user **users;
	double ln_users, ln_tags, ln_emoji, ln_domains;
	double lang_cdf[64], ulang_cdf[64], src_cdf[16];
	struct place *places;
	struct kw kw[MAXKW];
	char sample_rule[20];
	char *src_v1[16];
	size_t src_v1len[16];
	struct post prim, ref;
	/* Record assembly: the tweet objects and the includes. */
	struct tw_buf data, inc[4];
	int ninc[4];
	size_t *doff;		/* page: start of each tweet in data */
	uint64_t *did;		/* page: its id */
	int *dord;		/* page: the order written */
	int dn;
	uint64_t newest, oldest;
	uint64_t setkey[SETSIZE];
	uint32_t setgen[SETSIZE];
	uint32_t gen_no;
	/* Users live in an arena: built once, freed together. */
	char **chunks;
	size_t nchunks, chunk_left;
	char *chunk_at;
	struct tw_buf ubuf, dbuf;	/* scratch for render_user */
};

#define CHUNK ((size_t)2 << 20)

/*
 * One arena chunk: 2 MiB on a 2 MiB boundary, marked for a transparent
 * huge page where the kernel offers them (madvise mode), so that the users
 * of a long run cost one page fault a chunk, not 512.
 */
static void *
chunk_new(void)
{
	void *p;

	if (posix_memalign(&p, CHUNK, CHUNK) != 0)
		return tw_xmalloc(CHUNK);
#ifdef MADV_HUGEPAGE
	(void)madvise(p, CHUNK, MADV_HUGEPAGE);
#endif
	return p;
}

/* n bytes (n <= CHUNK) from the arena, 16-byte aligned. */
static void *
arena_alloc(struct gen *g, size_t n)
{
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n > g->chunk_left) {
		g->chunks = tw_xrealloc(g->chunks, (g->nchunks + 1) *
		    sizeof *g->chunks);
		g->chunk_at = g->chunks[g->nchunks++] = chunk_new();
		g->chunk_left = CHUNK;
	}
	p = g->chunk_at;
	g->chunk_at += n;
	g->chunk_left -= n;
	return p;
}

enum { INC_USERS, INC_TWEETS, INC_PLACES, INC_MEDIA };

/* ---- random numbers: xoshiro256** seeded by splitmix64 ---- */

static uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* A hash of (a, b) for per-user attributes. */
static uint64_t
hash2(uint64_t a, uint64_t b)
{
	uint64_t x = a * 0x9E3779B97F4A7C15ULL + b;

	return splitmix(&x);
}

static inline uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
rnd(struct gen *g)
{
	uint64_t *s = g->s, r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return r;
}

/* Uniform in [0, n), n < 2^32. */
static inline uint32_t
below(struct gen *g, uint32_t n)
{
	return (uint32_t)(((rnd(g) >> 32) * n) >> 32);
}

/* Uniform in [0, 1). */
static inline double
unif(struct gen *g)
{
	return (double)(rnd(g) >> 11) * 0x1.0p-53;
}

uint64_t
gen_rand(struct gen *g)
{
	return rnd(g);
}

double
gen_uniform(struct gen *g)
{
	return unif(g);
}

/*
 * Table-driven exp and log: the hot loop draws several Zipf ranks and
 * Pareto counts per tweet, and libm's exp/log were a tenth of the time.
 * Accurate to about 1e-7 relative, plenty for random draws.
 */
static double exp_tab[262], log_tab[257];

static void
init_math(void)
{
	int i;

	for (i = 0; i < 262; i++)
		exp_tab[i] = exp(i / 16.0);
	for (i = 0; i < 257; i++)
		log_tab[i] = log(0.5 + i / 512.0);
}

/* e^x for x >= 0. */
static inline double
fexp(double x)
{
	int i;
	double d;

	if (!(x < 16.25))
		return exp(x);
	i = (int)(x * 16);
	d = x - i / 16.0;
	return exp_tab[i] * (1 + d * (1 + d * (0.5 + d / 6)));
}

/* ln(u) for u > 0. */
static inline double
flog(double u)
{
	int e, i;
	double m, mi, y;
	uint64_t b;

	/* frexp by hand for normal u (libm's is a call): the same m and e. */
	memcpy(&b, &u, sizeof b);
	if ((b >> 52 & 0x7FF) == 0) {
		m = frexp(u, &e);
	} else {
		e = (int)(b >> 52 & 0x7FF) - 1022;
		b = (b & ~(0x7FFULL << 52)) | 1022ULL << 52;
		memcpy(&m, &b, sizeof m);
	}

	i = (int)((m - 0.5) * 512);
	mi = 0.5 + i / 512.0;
	y = (m - mi) / mi;
	return log_tab[i] + y * (1 - y * (0.5 - y / 3)) + e * 0.69314718055994530942;
}

/* Zipf-like (exponent 1) rank in [0, n) given ln(n + 1). */
static inline uint32_t
zipf(struct gen *g, double lnn1, uint32_t n)
{
	uint32_t r = (uint32_t)fexp(unif(g) * lnn1) - 1;

	return r < n ? r : n - 1;
}

/* A heavy-tailed count (Pareto with shape alpha) scaled by scale. */
static uint64_t
heavy(struct gen *g, double scale, double alpha)
{
	double u = 1.0 - unif(g), v = scale * (fexp(-flog(u) / alpha) - 1.0);

	return v > 5e8 ? 500000000 : (uint64_t)v;
}

static int
pick_cdf(struct gen *g, const double *cdf, int n)
{
	double u = unif(g) * cdf[n - 1];
	int i;

	for (i = 0; i < n - 1; i++)
		if (u < cdf[i])
			break;
	return i;
}

static const char b62[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

static void
rnd_code(struct gen *g, char *d, int n)
{
	int i;
	uint64_t x = rnd(g);

	for (i = 0; i < n; i++) {
		if (i == 10)
			x = rnd(g);
		d[i] = b62[(x >> 6 * (i % 10)) % 62];
	}
}

static uint64_t
snowflake(int64_t ms)
{
	if (ms < TW_EPOCH)
		ms = TW_EPOCH;
	return (uint64_t)(ms - TW_EPOCH) << 22;
}

/* ---- output helpers ---- */

#define LIT(o, s) tw_buf_add((o), s, sizeof(s) - 1)
/* One of two literals (LIT of a ?: would take the size of a pointer). */
#define LITC(o, c, a, b) ((c) ? LIT(o, a) : LIT(o, b))

static inline void
reserve(struct tw_buf *o, size_t n)
{
	if (o->cap - o->len <= n)
		tw_buf_grow(o, n);
}

static inline void
add_u64(struct tw_buf *o, uint64_t v)
{
	char tmp[24], *e = tmp + sizeof tmp, *s = tw_fmt_u64(e, v);

	tw_buf_add(o, s, (size_t)(e - s));
}

/* "123" with quotes. */
static inline void
add_qu64(struct tw_buf *o, uint64_t v)
{
	char tmp[24], *e = tmp + sizeof tmp - 1, *s;

	*e = '"';
	s = tw_fmt_u64(e, v);
	*--s = '"';
	tw_buf_add(o, s, (size_t)(e + 1 - s));
}

/*
 * Cursor writing for the hot renderers: the caller reserves a bound
 * once, then writes through a local pointer, with no capacity check or
 * length update per piece.
 */
#define PUT(d, s) (memcpy((d), (s), sizeof(s) - 1), (d) += sizeof(s) - 1)
#define PUTC(d, c, a, b) ((c) ? PUT(d, a) : PUT(d, b))

static const uint64_t pow10_tab[20] = { 1ULL, 10ULL, 100ULL, 1000ULL,
    10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
    1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
    10000000000000ULL, 100000000000000ULL, 1000000000000000ULL,
    10000000000000000ULL, 100000000000000000ULL, 1000000000000000000ULL,
    10000000000000000000ULL };

/* The number of decimal digits of v. */
static inline int
ndigits(uint64_t v)
{
	int t = (64 - __builtin_clzll(v | 1)) * 1233 >> 12;

	return t + ((v | 1) >= pow10_tab[t]);
}

static inline char *
put_u64(char *d, uint64_t v)
{
	int n = ndigits(v);

	tw_fmt_u64(d + n, v);
	return d + n;
}

/* "123" with quotes. */
static inline char *
put_qu64(char *d, uint64_t v)
{
	*d = '"';
	d = put_u64(d + 1, v);
	*d = '"';
	return d + 1;
}

static inline char *
put_mem(char *d, const void *s, size_t n)
{
	memcpy(d, s, n);
	return d + n;
}

/* Ends cursor writing into o at d. */
static inline void
put_end(struct tw_buf *o, char *d)
{
	o->len = (size_t)(d - o->p);
	o->p[o->len] = '\0';
}

/* Micro-degrees as a decimal number without trailing zeros. */
static void
add_fix6(struct tw_buf *o, int32_t v)
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

static const char hexu[] = "0123456789ABCDEF";
static const char hexl[] = "0123456789abcdef";

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

static void
init_classes(void)
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
static char *
jstr_at(char *d, const char *s, size_t n, int v1)
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

/* jstr_at on a tw_buf. */
static void
jstr(struct tw_buf *o, const char *s, size_t n, int v1)
{
	char *d;

	reserve(o, n * 6 + 18);
	d = jstr_at(o->p + o->len, s, n, v1);
	o->len = (size_t)(d - o->p);
	o->p[o->len] = '\0';
}

#define JSTR(o, s, n) jstr((o), (s), (n), g->cfg->format == FMT_V1)
#define JSTRZ(o, s) JSTR(o, s, strlen(s))

/* v1.1 created_at: "Wed Oct 10 20:19:24 +0000 2018". */
static void
add_v1time(struct tw_buf *o, int64_t ms)
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

/* ---- users ---- */

static void
strcat_n(char *d, uint8_t *dl, size_t max, const char *s, size_t n)
{
	if (*dl + n > max)
		n = max - *dl;
	memcpy(d + *dl, s, n);
	*dl = (uint8_t)(*dl + n);
}

static void render_user(struct gen *g, struct user *u, uint32_t idx);

/* Builds the user of rank idx (first use); see get_user. */
static struct user * __attribute__((noinline))
new_user(struct gen *g, uint32_t idx)
{
	struct user *u;
	uint64_t h = hash2(idx, 1);
	const struct vlist *nl;
	const struct vword *w;
	uint32_t v;
	int i;

	u = arena_alloc(g, sizeof *u);
	memset(u, 0, sizeof *u);
	/* From the hash, not the stream: a user does not depend on when
	 * it is first seen. */
	{
		double x = (double)(h >> 11) * 0x1.0p-53 *
		    g->ulang_cdf[vocab_nlangs - 1];

		for (i = 0; i < vocab_nlangs - 1; i++)
			if (x < g->ulang_cdf[i])
				break;
		u->lang = (uint8_t)i;
	}
	/* Username: one or two syllables and the rank in base 36, so
	 * names are distinct. */
	w = &vocab_syllables.w[hash2(idx, 2) % (uint64_t)vocab_syllables.n];
	strcat_n(u->uname, &u->ulen, 15, w->s, w->len);
	if (hash2(idx, 3) & 1) {
		w = &vocab_syllables.w[hash2(idx, 4) %
		    (uint64_t)vocab_syllables.n];
		strcat_n(u->uname, &u->ulen, 9, w->s, w->len);
	}
	if (hash2(idx, 5) % 3 == 0)
		strcat_n(u->uname, &u->ulen, 10, "_", 1);
	{
		char t[8];
		int n = 0;

		v = idx;
		do {
			t[n++] = "0123456789abcdefghijklmnopqrstuvwxyz"[v % 36];
			v /= 36;
		} while (v);
		while (n > 0 && u->ulen < 15)
			u->uname[u->ulen++] = t[--n];
	}
	nl = vocab_langs[u->lang].nl.n ? &vocab_langs[u->lang].nl :
	    &vocab_latin_names;
	w = &nl->w[hash2(idx, 6) % (uint64_t)nl->n];
	strcat_n(u->name, &u->namelen, 40, w->s, w->len);
	if (hash2(idx, 7) % 10 == 0) {
		w = &vocab_emoji.w[hash2(idx, 8) % (uint64_t)vocab_emoji.n];
		strcat_n(u->name, &u->namelen, 60, " ", 1);
		strcat_n(u->name, &u->namelen, 60, w->s, w->len);
	}
	render_user(g, u, idx);
	g->users[idx] = u;
	return u;
}

/* The user of rank idx, built on first use. The fast path is inline:
 * it runs a dozen times per tweet. */
static inline struct user *
get_user(struct gen *g, uint32_t idx)
{
	struct user *u = g->users[idx];

	return u ? u : new_user(g, idx);
}

static void
render_user(struct gen *g, struct user *u, uint32_t idx)
{
	struct tw_buf *bp = &g->ubuf, *dp = &g->dbuf;
	int v1 = g->cfg->format == FMT_V1;
	uint64_t h = hash2(idx, 9);
	int64_t created;
	uint64_t followers, following, tweets, listed;
	int verified, prot, i, nw;
	const struct vlist *wl = &vocab_langs[u->lang].wl;
	char img[20];
	char tco[10];
	int has_url = hash2(idx, 10) % 10 < 3;
	int loc = (int)(hash2(idx, 11) % (uint64_t)(vocab_ncities * 5 / 3));
	double noise = 0.3 + (double)(hash2(idx, 12) % 1000) / 300.0;

	tw_buf_reset(bp);
	tw_buf_reset(dp);
	/* Old accounts have small ids; newer ones snowflake ids. */
	if (h % 4) {
		created = 1173000000000LL + (int64_t)(hash2(idx, 13) %
		    270000000000ULL);
		u->id = 12000000ULL + (uint64_t)idx * 40009ULL +
		    hash2(idx, 14) % 40000;
	} else {
		created = 1451606400000LL + (int64_t)(hash2(idx, 13) %
		    252000000000ULL);
		u->id = snowflake(created) | (idx & 0x3FFFFF);
	}
	followers = (uint64_t)(2e7 / pow((double)idx + 1.0, 0.9) * noise);
	following = 20 + hash2(idx, 15) % 3000;
	tweets = 50 + hash2(idx, 16) % 150000;
	listed = followers / 200 + hash2(idx, 17) % 5;
	verified = idx < 100 || hash2(idx, 18) % 300 == 0;
	prot = hash2(idx, 19) % 1000 == 0;
	for (i = 0; i < 19; i++)
		img[i] = (char)('0' + hash2(idx, 20 + (uint64_t)i) % 10);
	img[0] = '1';
	img[19] = '\0';
	for (i = 0; i < 10; i++)
		tco[i] = b62[hash2(idx, 40 + (uint64_t)i) % 62];

	/* The description: a few words of the user's language. */
	nw = wl->n ? 3 + (int)(hash2(idx, 21) % 10) : 0;
	for (i = 0; i < nw; i++) {
		const struct vword *w = &wl->w[hash2(idx, 60 + (uint64_t)i) %
		    (uint64_t)wl->n];

		if (i && !vocab_langs[u->lang].nospace)
			tw_buf_addc(dp, ' ');
		tw_buf_add(dp, w->s, w->len);
	}
	if (hash2(idx, 22) % 4 == 0) {
		const struct vword *w = &vocab_emoji.w[hash2(idx, 23) %
		    (uint64_t)vocab_emoji.n];

		tw_buf_addc(dp, ' ');
		tw_buf_add(dp, w->s, w->len);
	}

	if (!v1) {
		LIT(bp, "{\"id\":");
		add_qu64(bp, u->id);
		LIT(bp, ",\"name\":");
		JSTR(bp, u->name, u->namelen);
		LIT(bp, ",\"username\":\"");
		tw_buf_add(bp, u->uname, u->ulen);
		LIT(bp, "\",\"created_at\":\"");
		tw_buf_add_iso(bp, created / 1000 * 1000);
		LIT(bp, "\",\"description\":");
		JSTR(bp, dp->p ? dp->p : "", dp->len);
		if (loc < vocab_ncities) {
			LIT(bp, ",\"location\":");
			JSTRZ(bp, vocab_cities[loc].full_name);
		}
		LIT(bp, ",\"verified\":");
		tw_buf_adds(bp, verified ? "true" : "false");
		LIT(bp, ",\"protected\":");
		tw_buf_adds(bp, prot ? "true" : "false");
		LIT(bp, ",\"profile_image_url\":\"https://pbs.twimg.com/profile_images/");
		tw_buf_add(bp, img, 19);
		tw_buf_addc(bp, '/');
		tw_buf_add(bp, tco, 8);
		LIT(bp, "_normal.jpg\",\"url\":\"");
		if (has_url) {
			LIT(bp, "https://t.co/");
			tw_buf_add(bp, tco, 10);
		}
		LIT(bp, "\",\"public_metrics\":{\"followers_count\":");
		add_u64(bp, followers);
		LIT(bp, ",\"following_count\":");
		add_u64(bp, following);
		LIT(bp, ",\"tweet_count\":");
		add_u64(bp, tweets);
		LIT(bp, ",\"listed_count\":");
		add_u64(bp, listed);
		LIT(bp, "}}");
	} else {
		LIT(bp, "{\"id\":");
		add_u64(bp, u->id);
		LIT(bp, ",\"id_str\":");
		add_qu64(bp, u->id);
		LIT(bp, ",\"name\":");
		JSTR(bp, u->name, u->namelen);
		LIT(bp, ",\"screen_name\":\"");
		tw_buf_add(bp, u->uname, u->ulen);
		LIT(bp, "\",\"location\":");
		if (loc < vocab_ncities)
			JSTRZ(bp, vocab_cities[loc].full_name);
		else
			LIT(bp, "null");
		LIT(bp, ",\"url\":");
		if (has_url) {
			LIT(bp, "\"https:\\/\\/t.co\\/");
			tw_buf_add(bp, tco, 10);
			tw_buf_addc(bp, '"');
		} else {
			LIT(bp, "null");
		}
		LIT(bp, ",\"description\":");
		JSTR(bp, dp->p ? dp->p : "", dp->len);
		LIT(bp, ",\"protected\":");
		tw_buf_adds(bp, prot ? "true" : "false");
		LIT(bp, ",\"verified\":");
		tw_buf_adds(bp, verified ? "true" : "false");
		LIT(bp, ",\"followers_count\":");
		add_u64(bp, followers);
		LIT(bp, ",\"friends_count\":");
		add_u64(bp, following);
		LIT(bp, ",\"listed_count\":");
		add_u64(bp, listed);
		LIT(bp, ",\"favourites_count\":");
		add_u64(bp, tweets / 3);
		LIT(bp, ",\"statuses_count\":");
		add_u64(bp, tweets);
		LIT(bp, ",\"created_at\":");
		add_v1time(bp, created);
		LIT(bp, ",\"profile_image_url_https\":\"https:\\/\\/pbs.twimg.com\\/profile_images\\/");
		tw_buf_add(bp, img, 19);
		LIT(bp, "\\/");
		tw_buf_add(bp, tco, 8);
		LIT(bp, "_normal.jpg\",\"default_profile\":true,\"default_profile_image\":false}");
	}
	u->frag = arena_alloc(g, bp->len);
	memcpy(u->frag, bp->p, bp->len);
	u->fraglen = (uint32_t)bp->len;
}

/* ---- places ---- */

static void
init_places(struct gen *g)
{
	int i, v1 = g->cfg->format == FMT_V1;
	struct tw_buf b;

	g->places = tw_xcalloc((size_t)vocab_ncities, sizeof *g->places);
	for (i = 0; i < vocab_ncities; i++) {
		const struct vcity *c = &vocab_cities[i];
		struct place *p = &g->places[i];
		uint64_t h = 1469598103934665603ULL;
		const char *s;
		int k;

		for (s = c->name; *s; s++)
			h = (h ^ (unsigned char)*s) * 1099511628211ULL;
		for (k = 0; k < 16; k++)
			p->id[k] = hexl[(h >> (4 * k)) & 15];
		p->w = (int32_t)lround(c->lon * 1e6) - 250000;
		p->e = (int32_t)lround(c->lon * 1e6) + 250000;
		p->s = (int32_t)lround(c->lat * 1e6) - 200000;
		p->n = (int32_t)lround(c->lat * 1e6) + 200000;
		memset(&b, 0, sizeof b);
		if (!v1) {
			LIT(&b, "{\"id\":\"");
			tw_buf_add(&b, p->id, 16);
			LIT(&b, "\",\"full_name\":");
			JSTRZ(&b, c->full_name);
			LIT(&b, ",\"name\":");
			JSTRZ(&b, c->name);
			LIT(&b, ",\"country\":");
			JSTRZ(&b, c->country);
			LIT(&b, ",\"country_code\":\"");
			tw_buf_adds(&b, c->cc);
			LIT(&b, "\",\"place_type\":\"city\",\"geo\":{\"type\":\"Feature\",\"bbox\":[");
			add_fix6(&b, p->w);
			tw_buf_addc(&b, ',');
			add_fix6(&b, p->s);
			tw_buf_addc(&b, ',');
			add_fix6(&b, p->e);
			tw_buf_addc(&b, ',');
			add_fix6(&b, p->n);
			LIT(&b, "],\"properties\":{}}}");
			p->v2 = b.p;
			p->v2len = b.len;
		} else {
			int32_t xs[4] = { p->w, p->e, p->e, p->w };
			int32_t ys[4] = { p->s, p->s, p->n, p->n };

			LIT(&b, "{\"id\":\"");
			tw_buf_add(&b, p->id, 16);
			LIT(&b, "\",\"url\":\"https:\\/\\/api.twitter.com\\/1.1\\/geo\\/id\\/");
			tw_buf_add(&b, p->id, 16);
			LIT(&b, ".json\",\"place_type\":\"city\",\"name\":");
			JSTRZ(&b, c->name);
			LIT(&b, ",\"full_name\":");
			JSTRZ(&b, c->full_name);
			LIT(&b, ",\"country_code\":\"");
			tw_buf_adds(&b, c->cc);
			LIT(&b, "\",\"country\":");
			JSTRZ(&b, c->country);
			LIT(&b, ",\"bounding_box\":{\"type\":\"Polygon\",\"coordinates\":[[");
			for (k = 0; k < 4; k++) {
				LITC(&b, k, ",[", "[");
				add_fix6(&b, xs[k]);
				tw_buf_addc(&b, ',');
				add_fix6(&b, ys[k]);
				tw_buf_addc(&b, ']');
			}
			LIT(&b, "]]},\"attributes\":{}}");
			p->v1 = b.p;
			p->v1len = b.len;
		}
	}
}

/* ---- text building ---- */

/* Appends a piece to p's text if it fits; 0 when it does not. A space
 * goes before it unless the text is empty or both it and the piece
 * before are words of a language written without spaces. */
static inline int
tb_add(struct post *p, const char *s, size_t len, uint16_t cp, int word,
    int nospace)
{
	/* The lengths are kept in locals: the text copies may alias p, so
	 * fields read after them are loaded again, and such a load right
	 * after the stores of the space stalls on store forwarding. */
	unsigned tlen = p->tlen, tcp = p->tcp;
	int sp = tlen > 0 && !(nospace && word && p->prev_word);

	if (tcp + sp + cp > p->limit || tlen + sp + len >= TEXTMAX - 24)
		return 0;
	if (sp) {
		p->text[tlen++] = ' ';
		tcp++;
	}
	/* Every source is padded to 16 readable bytes (see vocab_init),
	 * so short pieces are copied with one fixed-size move. */
	if (len <= 16)
		memcpy(p->text + tlen, s, 16);
	else
		memcpy(p->text + tlen, s, len);
	p->tlen = (uint16_t)(tlen + len);
	p->tcp = (uint16_t)(tcp + cp);
	p->prev_word = (uint8_t)word;
	return 1;
}

/* Appends "#tag" with its entity. */
static int
tb_tag(struct post *p, const char *tag, uint16_t len, uint16_t cp)
{
	char tmp[256];
	uint16_t s;

	if (p->nh == MAXTAG || len + 17 > (int)sizeof tmp)
		return 0;
	tmp[0] = '#';
	memcpy(tmp + 1, tag, len);
	s = p->tcp;
	if (!tb_add(p, tmp, len + 1u, (uint16_t)(cp + 1), 0, 0))
		return 0;
	p->tags[p->nh].e = p->tcp;
	p->tags[p->nh].s = (uint16_t)(p->tcp - cp - 1);
	(void)s;
	p->tags[p->nh].tag = tag;
	p->tags[p->nh].len = len;
	p->nh++;
	return 1;
}

static int
tb_mention(struct gen *g, struct post *p, uint32_t uidx)
{
	struct user *u = get_user(g, uidx);
	char tmp[32];

	if (p->nm == MAXMEN)
		return 0;
	tmp[0] = '@';
	memcpy(tmp + 1, u->uname, u->ulen);
	if (!tb_add(p, tmp, u->ulen + 1u, (uint16_t)(u->ulen + 1), 0, 0))
		return 0;
	p->men[p->nm].e = p->tcp;
	p->men[p->nm].s = (uint16_t)(p->tcp - u->ulen - 1);
	p->men[p->nm].user = uidx;
	p->nm++;
	return 1;
}

static void
url_set(struct ent_url *u, int exp, const char *s, size_t n)
{
	uint8_t *l = exp ? &u->explen : &u->displen;
	char *d = exp ? u->exp : u->disp;
	size_t max = exp ? sizeof u->exp : sizeof u->disp;

	if (*l + n > max)
		n = max - *l;
	memcpy(d + *l, s, n);
	*l = (uint8_t)(*l + n);
}

/* Shortens a display URL to 26 characters plus an ellipsis (ASCII). */
static void
url_cut_disp(struct ent_url *u)
{
	if (u->displen > 26) {
		u->displen = 26;
		url_set(u, 0, "\xE2\x80\xA6", 3);
	}
}

/* Appends " https://t.co/XXXXXXXXXX" (23 code points) with an entity;
 * the caller fills in expanded_url and display_url. */
static struct ent_url *
tb_url(struct gen *g, struct post *p, int kind)
{
	char tmp[32];
	struct ent_url *u;

	if (p->nu == MAXURL)
		return NULL;
	u = &p->urls[p->nu];
	memcpy(tmp, "https://t.co/", 13);
	rnd_code(g, u->tco, 10);
	memcpy(tmp + 13, u->tco, 10);
	p->limit = 280;
	if (!tb_add(p, tmp, 23, 23, 0, 0))
		return NULL;
	u->e = p->tcp;
	u->s = (uint16_t)(p->tcp - 23);
	u->kind = (uint8_t)kind;
	u->explen = u->displen = 0;
	p->nu++;
	return u;
}

/* Appends "user/status/id" to the expanded (exp set) or the display URL
 * of u; with host set, "https://twitter.com/" before it. */
static void
status_url(struct ent_url *u, int exp, const struct user *au, uint64_t id,
    int host)
{
	char num[24], *e = num + sizeof num, *s = e;

	do {
		*--s = (char)('0' + id % 10);
		id /= 10;
	} while (id);
	if (host)
		url_set(u, exp, "https://twitter.com/", 20);
	url_set(u, exp, au->uname, au->ulen);
	url_set(u, exp, "/status/", 8);
	url_set(u, exp, s, (size_t)(e - s));
}

static void
add_kw(struct gen *g, struct post *p, int kw, int nospace)
{
	const struct kw *k = &g->kw[kw];

	if (k->tag && below(g, 10) < 3 && tb_tag(p, k->esc, (uint16_t)k->len,
	    k->cp))
		return;
	if (!tb_add(p, k->esc, k->len, k->cp, 1, nospace)) {
		/* No room left: make room by dropping the limit. */
		p->limit = 280;
		tb_add(p, k->esc, k->len, k->cp, 1, nospace);
	}
}

static void
add_media(struct gen *g, struct post *p, const struct user *au)
{
	uint32_t r = below(g, 100);
	int n = 1, i, type = r < 75 ? M_PHOTO : r < 95 ? M_VIDEO : M_GIF;
	struct ent_url *u;

	if (type == M_PHOTO && below(g, 4) == 0)
		n = 2 + (int)below(g, 3);
	for (i = 0; i < n; i++) {
		struct media *m = &p->media[i];

		m->id = snowflake(p->ms - 1000 - below(g, 60000)) |
		    (rnd(g) & 0x3FFFFF);
		m->type = (uint8_t)type;
		rnd_code(g, m->file, 15);
		if (type == M_PHOTO) {
			static const uint16_t wh[][2] = { { 1200, 675 },
			    { 1080, 1080 }, { 1536, 2048 }, { 2048, 1536 },
			    { 750, 1334 } };
			r = below(g, 5);
			m->w = wh[r][0];
			m->h = wh[r][1];
		} else {
			m->w = below(g, 2) ? 1280 : 720;
			m->h = m->w == 1280 ? 720 : 1280;
		}
		m->dur = type == M_VIDEO ? 3000 + below(g, 140000) : 0;
		m->views = type == M_VIDEO ? heavy(g, 200, 1.1) : 0;
		m->alt = below(g, 5) == 0 ? (int8_t)below(g,
		    (uint32_t)vocab_alt.n) : -1;
	}
	p->nmedia = (uint8_t)n;
	u = tb_url(g, p, U_MEDIA);
	if (u) {
		status_url(u, 1, au, p->id, 1);
		url_set(u, 1, type == M_PHOTO ? "/photo/1" : "/video/1", 8);
		url_set(u, 0, "pic.twitter.com/", 16);
		url_set(u, 0, u->tco, 10);
	}
}

static void
post_reset(struct post *p)
{
	p->tlen = p->tcp = 0;
	p->nh = p->nm = p->nu = p->nmedia = 0;
	p->prev_word = 0;
	p->place = -1;
	p->ref = NULL;
	p->rules = 0;
	p->disp_start = 0;
}

/*
 * Builds the body of an original, reply or quote: text, entities,
 * media, place. kw is a keyword index or -1; kw_first puts it first.
 * link/quote/media say which trailing URLs to add.
 */
static void
build_body(struct gen *g, struct post *p, int kw, int kw_first)
{
	const struct vlang *L = &vocab_langs[p->lang];
	const struct user *au = get_user(g, p->user);
	int nospace = L->nospace, words = 0, kw_at = -1, reserve_cp = 0;
	int want_media = below(g, 100) < 10, want_link = below(g, 100) < 12;
	uint32_t r = below(g, 100), target;
	const struct vword *w;

	if (want_media)
		reserve_cp += 24;
	if (want_link)
		reserve_cp += 24;
	if (p->kind == K_QUOTE)
		reserve_cp += 24;
	target = r < 35 ? 20 + below(g, 50) : r < 75 ? 70 + below(g, 70) :
	    140 + below(g, 130);
	if (target + reserve_cp > 280)
		target = 280 - (uint32_t)reserve_cp;
	p->limit = (uint16_t)(280 - reserve_cp);

	if (p->kind == K_REPLY) {
		tb_mention(g, p, p->ref->user);
		p->disp_start = p->tcp + 1;
	}
	if (kw >= 0) {
		if (kw_first)
			add_kw(g, p, kw, nospace);
		else
			kw_at = (int)below(g, 5);
	}
	if (L->wl.n == 0) {
		/* "und": emoji and hashtags only. */
		int n = 1 + (int)below(g, 4), i;

		for (i = 0; i < n; i++) {
			if (below(g, 3) == 0) {
				w = &vocab_tags.w[zipf(g, g->ln_tags,
				    (uint32_t)vocab_tags.n)];
				tb_tag(p, w->s, w->len, w->cp);
			} else {
				w = &vocab_emoji.w[below(g, (uint32_t)vocab_emoji.n)];
				tb_add(p, w->s, w->len, w->cp, 0, 0);
			}
		}
		if (kw_at >= 0)
			add_kw(g, p, kw, 0);
		kw_at = -1;
	}
	while (L->wl.n && p->tcp < target) {
		int ok;

		if (words == kw_at) {
			add_kw(g, p, kw, nospace);
			kw_at = -1;
		}
		r = below(g, 100);
		if (r < 6) {
			w = &vocab_tags.w[zipf(g, g->ln_tags,
			    (uint32_t)vocab_tags.n)];
			ok = tb_tag(p, w->s, w->len, w->cp);
		} else if (r < 10) {
			w = &vocab_emoji.w[zipf(g, g->ln_emoji,
			    (uint32_t)vocab_emoji.n)];
			ok = tb_add(p, w->s, w->len, w->cp, 0, 0);
		} else if (r < 11) {
			ok = tb_mention(g, p, zipf(g, g->ln_users,
			    g->cfg->users));
		} else {
			w = &L->wl.w[below(g, (uint32_t)L->wl.n)];
			ok = tb_add(p, w->s, w->len, w->cp, 1, nospace);
			words++;
		}
		if (!ok)
			break;
	}
	if (kw_at >= 0)
		add_kw(g, p, kw, nospace);
	if (below(g, 4) == 0) {
		int n = 1 + (int)below(g, 2), i;

		for (i = 0; i < n; i++) {
			w = &vocab_tags.w[zipf(g, g->ln_tags,
			    (uint32_t)vocab_tags.n)];
			tb_tag(p, w->s, w->len, w->cp);
		}
	}
	if (p->tlen == 0) {
		w = &vocab_emoji.w[0];
		tb_add(p, w->s, w->len, w->cp, 0, 0);
	}
	p->disp_end = p->tcp;
	if (want_link) {
		struct ent_url *u = tb_url(g, p, U_LINK);

		if (u) {
			w = &vocab_domains.w[zipf(g, g->ln_domains,
			    (uint32_t)vocab_domains.n)];
			char code[11];

			rnd_code(g, code, 11);
			url_set(u, 1, "https://", 8);
			url_set(u, 1, w->s, w->len);
			url_set(u, 1, code, 11);
			url_set(u, 0, w->s, w->len);
			url_set(u, 0, code, 11);
			url_cut_disp(u);
			p->disp_end = p->tcp;
		}
	}
	if (p->kind == K_QUOTE) {
		struct ent_url *u = tb_url(g, p, U_QUOTE);

		if (u) {
			const struct user *qu = get_user(g, p->ref->user);

			status_url(u, 1, qu, p->ref->id, 1);
			url_set(u, 0, "twitter.com/", 12);
			status_url(u, 0, qu, p->ref->id, 0);
			url_cut_disp(u);
			p->disp_end = p->tcp;
		}
	}
	if (want_media)
		add_media(g, p, au);
	if (below(g, 100) < 5) {
		const struct place *pl;

		p->place = (int16_t)below(g, (uint32_t)vocab_ncities);
		pl = &g->places[p->place];
		p->lon = pl->w + (int32_t)below(g, (uint32_t)(pl->e - pl->w));
		p->lat = pl->s + (int32_t)below(g, (uint32_t)(pl->n - pl->s));
	}
	p->sensitive = below(g, 100) < 2;
}

static void
metrics(struct gen *g, struct post *p, double scale)
{
	p->m[MT_LIKE] = heavy(g, scale, 1.1);
	p->m[MT_RT] = heavy(g, scale / 4, 1.1);
	p->m[MT_REPLY] = heavy(g, scale / 8, 1.2);
	p->m[MT_QUOTE] = heavy(g, scale / 20, 1.3);
	p->m[MT_BOOK] = p->m[MT_LIKE] / 20 + below(g, 2);
	p->m[MT_IMPR] = p->m[MT_LIKE] * (20 + below(g, 80)) + heavy(g,
	    scale * 30, 1.2);
}

/* Fills p as an earlier original tweet by a Zipf-drawn author. */
static void
build_ref(struct gen *g, struct post *p, int64_t before, int kw)
{
	int64_t gap = 1000 + (int64_t)heavy(g, 60000, 0.8);

	if (gap > 30LL * 86400000)
		gap = 30LL * 86400000 - (int64_t)below(g, 1000000);
	post_reset(p);
	p->kind = K_ORIG;
	p->ms = before - gap;
	p->id = snowflake(p->ms) | (rnd(g) & 0x3FFFFF);
	p->conv = p->id;
	p->user = zipf(g, g->ln_users, g->cfg->users);
	p->lang = (uint8_t)(below(g, 10) < 8 ? get_user(g, p->user)->lang :
	    pick_cdf(g, g->lang_cdf, vocab_nlangs));
	p->src = (uint8_t)pick_cdf(g, g->src_cdf, vocab_nsources);
	p->rs = 0;
	build_body(g, p, kw, 1);
	metrics(g, p, 40);
}

/* Cuts s at code point cp (not inside an HTML entity); returns bytes. */
static size_t
cut_at(const char *s, size_t len, unsigned cp, unsigned *got)
{
	size_t i = 0, amp = (size_t)-1;
	unsigned n = 0;

	while (i < len && n < cp) {
		if (s[i] == '&')
			amp = i;
		else if (s[i] == ';' || s[i] == ' ')
			amp = (size_t)-1;
		i++;
		while (i < len && ((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
		n++;
	}
	if (amp != (size_t)-1 && i < len && i - amp < 5) {
		/* Back up to before the '&' of an escape we would split. */
		n -= (unsigned)(i - amp);
		i = amp;
	}
	*got = n;
	return i;
}

/* The retweet text "RT @user: " + original, cut at 140 code points. */
static void
build_rt(struct gen *g, struct post *p)
{
	const struct post *o = p->ref;
	const struct user *ou = get_user(g, o->user);
	char pre[32];
	size_t pl = 0, b;
	unsigned got, pcp;
	int i;

	memcpy(pre, "RT @", 4);
	memcpy(pre + 4, ou->uname, ou->ulen);
	pl = 4 + ou->ulen;
	pre[pl++] = ':';
	pre[pl++] = ' ';
	pcp = (unsigned)pl;
	memcpy(p->text, pre, pl);
	p->men[0].s = 3;
	p->men[0].e = (uint16_t)(4 + ou->ulen);
	p->men[0].user = o->user;
	p->nm = 1;
	if (pcp + o->tcp <= 140) {
		b = o->tlen;
		got = o->tcp;
	} else {
		b = cut_at(o->text, o->tlen, 139 - pcp, &got);
	}
	memcpy(p->text + pl, o->text, b);
	p->tlen = (uint16_t)(pl + b);
	p->tcp = (uint16_t)(pcp + got);
	if (b < o->tlen) {
		memcpy(p->text + p->tlen, "\xE2\x80\xA6", 3);
		p->tlen += 3;
		p->tcp++;
	}
	/* The original's entities that survive the cut, shifted. */
	for (i = 0; i < o->nh; i++) {
		if (o->tags[i].e + pcp > pcp + got || p->nh == MAXTAG)
			continue;
		p->tags[p->nh] = o->tags[i];
		p->tags[p->nh].s = (uint16_t)(p->tags[p->nh].s + pcp);
		p->tags[p->nh].e = (uint16_t)(p->tags[p->nh].e + pcp);
		p->nh++;
	}
	for (i = 0; i < o->nm; i++) {
		if (o->men[i].e + pcp > pcp + got || p->nm == MAXMEN)
			continue;
		p->men[p->nm] = o->men[i];
		p->men[p->nm].s = (uint16_t)(p->men[p->nm].s + pcp);
		p->men[p->nm].e = (uint16_t)(p->men[p->nm].e + pcp);
		p->nm++;
	}
	for (i = 0; i < o->nu; i++) {
		if (o->urls[i].e + pcp > pcp + got || o->urls[i].kind == U_MEDIA)
			continue;
		p->urls[p->nu] = o->urls[i];
		p->urls[p->nu].s = (uint16_t)(p->urls[p->nu].s + pcp);
		p->urls[p->nu].e = (uint16_t)(p->urls[p->nu].e + pcp);
		p->nu++;
	}
	p->disp_end = p->tcp;
	p->lang = o->lang;
	memcpy(p->m, o->m, sizeof p->m);
	p->m[MT_IMPR] = 0;
	p->m[MT_BOOK] = 0;
}

/* Case-insensitive (ASCII) search for k in s. */
static int
contains(const char *s, size_t n, const char *k, size_t kl)
{
	size_t i, j;

	if (kl == 0 || kl > n)
		return 0;
	for (i = 0; i + kl <= n; i++) {
		for (j = 0; j < kl; j++) {
			unsigned char a = (unsigned char)s[i + j];
			unsigned char b = (unsigned char)k[j];

			if (a >= 'A' && a <= 'Z')
				a += 32;
			if (b >= 'A' && b <= 'Z')
				b += 32;
			if (a != b)
				break;
		}
		if (j == kl)
			return 1;
	}
	return 0;
}

/* Builds the next primary tweet (and its referenced tweet) in g->prim. */
static void
build_tweet(struct gen *g)
{
	struct post *p = &g->prim, *o = &g->ref;
	const struct gen_cfg *c = g->cfg;
	int64_t ev = c->start_ms + gen_event_offset(g, g->k);
	uint64_t id;
	uint32_t r;
	int kw = c->nkeywords ? (int)below(g, (uint32_t)c->nkeywords) : -1;
	int i;

	post_reset(p);
	if (c->disorder_ms <= 0) {
		id = snowflake(ev) | (rnd(g) & 0x3FFFFF);
		if (id <= g->last_id)
			id = g->last_id + 1 + below(g, 16);
		g->last_id = id;
		p->ms = ev;
	} else {
		/*
		 * Out of order delivery: the tweet was created up to the
		 * disorder before it arrives (never before --start), and its
		 * id is the snowflake of its creation, as the API's are; the
		 * low 12 bits count tweets, as a snowflake's sequence does.
		 */
		p->ms = ev - (int64_t)(unif(g) * (double)(c->disorder_ms + 1));
		if (p->ms > ev)
			p->ms = ev;
		if (p->ms < c->start_ms)
			p->ms = c->start_ms;
		id = snowflake(p->ms) | (rnd(g) & 0x3FF000) | (g->k & 0xFFF);
	}
	p->id = p->conv = id;
	p->user = zipf(g, g->ln_users, c->users);
	p->lang = (uint8_t)(below(g, 10) < 8 ? get_user(g, p->user)->lang :
	    pick_cdf(g, g->lang_cdf, vocab_nlangs));
	p->src = (uint8_t)pick_cdf(g, g->src_cdf, vocab_nsources);
	p->rs = below(g, 100) < 90 ? 0 : (uint8_t)(1 + below(g, 2));
	r = below(g, 100);
	p->kind = r < 30 ? K_RT : r < 45 ? K_REPLY : r < 53 ? K_QUOTE : K_ORIG;
	if (p->kind == K_RT) {
		build_ref(g, o, ev, kw);
		p->ref = o;
		build_rt(g, p);
		p->sensitive = 0;
	} else {
		if (p->kind != K_ORIG) {
			build_ref(g, o, ev, -1);
			p->ref = o;
			if (p->kind == K_REPLY)
				p->conv = o->conv;
		}
		build_body(g, p, kw, 0);
		metrics(g, p, 0.5);
	}
	for (i = 0; i < c->nkeywords; i++)
		if (contains(p->text, p->tlen, g->kw[i].esc, g->kw[i].len))
			p->rules |= 1ULL << i;
	g->k++;
}

/* ---- v2 rendering ---- */

/* Adds key to the page set; 1 when it was new. */
static int
set_add(struct gen *g, uint64_t key)
{
	uint64_t h = key * 0x9E3779B97F4A7C15ULL;
	size_t i = (size_t)(h >> 51) & (SETSIZE - 1);

	while (g->setgen[i] == g->gen_no) {
		if (g->setkey[i] == key)
			return 0;
		i = (i + 1) & (SETSIZE - 1);
	}
	g->setgen[i] = g->gen_no;
	g->setkey[i] = key;
	return 1;
}

static void
inc_begin(struct gen *g, int which)
{
	tw_buf_addc(&g->inc[which], g->ninc[which]++ ? ',' : '[');
}

/* Writes p's entities at d; v2_bound counts their room. */
static char *
v2_entities(struct gen *g, char *d, const struct post *p)
{
	int i;

	if (p->nh + p->nm + p->nu == 0)
		return d;
	PUT(d, ",\"entities\":{");
	if (p->nh) {
		PUT(d, "\"hashtags\":[");
		for (i = 0; i < p->nh; i++) {
			PUTC(d, i, ",{\"start\":", "{\"start\":");
			d = put_u64(d, p->tags[i].s);
			PUT(d, ",\"end\":");
			d = put_u64(d, p->tags[i].e);
			PUT(d, ",\"tag\":");
			d = jstr_at(d, p->tags[i].tag, p->tags[i].len, 0);
			*d++ = '}';
		}
		*d++ = ']';
	}
	if (p->nm) {
		PUTC(d, p->nh, ",\"mentions\":[", "\"mentions\":[");
		for (i = 0; i < p->nm; i++) {
			const struct user *u = get_user(g, p->men[i].user);

			PUTC(d, i, ",{\"start\":", "{\"start\":");
			d = put_u64(d, p->men[i].s);
			PUT(d, ",\"end\":");
			d = put_u64(d, p->men[i].e);
			PUT(d, ",\"username\":\"");
			d = put_mem(d, u->uname, u->ulen);
			PUT(d, "\",\"id\":");
			d = put_qu64(d, u->id);
			*d++ = '}';
		}
		*d++ = ']';
	}
	if (p->nu) {
		PUTC(d, p->nh + p->nm, ",\"urls\":[", "\"urls\":[");
		for (i = 0; i < p->nu; i++) {
			const struct ent_url *u = &p->urls[i];

			PUTC(d, i, ",{\"start\":", "{\"start\":");
			d = put_u64(d, u->s);
			PUT(d, ",\"end\":");
			d = put_u64(d, u->e);
			PUT(d, ",\"url\":\"https://t.co/");
			d = put_mem(d, u->tco, 10);
			PUT(d, "\",\"expanded_url\":");
			d = jstr_at(d, u->exp, u->explen, 0);
			PUT(d, ",\"display_url\":");
			d = jstr_at(d, u->disp, u->displen, 0);
			if (u->kind == U_MEDIA && p->nmedia) {
				PUT(d, ",\"media_key\":\"");
				d = put_mem(d, p->media[0].type == M_PHOTO ? "3_" :
				    p->media[0].type == M_VIDEO ? "7_" : "16_",
				    p->media[0].type == M_GIF ? 3 : 2);
				d = put_u64(d, p->media[0].id);
				*d++ = '"';
			}
			*d++ = '}';
		}
		*d++ = ']';
	}
	*d++ = '}';
	return d;
}

/*
 * An upper bound of the bytes v2_tweet writes for p: fixed parts, then
 * each string at six bytes a byte (\\uXXXX) and each entity's fields.
 */
static size_t
v2_bound(const struct post *p)
{
	size_t n = 1024 + 6 * (size_t)p->tlen +
	    strlen(vocab_sources[p->src].name) + 160 * (size_t)p->nm +
	    64 * (size_t)p->nmedia;
	int i;

	for (i = 0; i < p->nh; i++)
		n += 96 + 6 * (size_t)p->tags[i].len;
	for (i = 0; i < p->nu; i++)
		n += 192 + 6 * ((size_t)p->urls[i].explen + p->urls[i].displen);
	return n;
}

static const char *const media_pfx[] = { "3_", "7_", "16_" };
static const char *const media_type[] = { "photo", "video", "animated_gif" };
static const char *const reply_settings[] = { "everyone", "following",
    "mentionedUsers" };

/* Adds p's place and media, and with users set its author, to the
 * includes. */
static void
v2_includes_of(struct gen *g, const struct post *p, int users)
{
	struct tw_buf *b;
	int i;

	if (users && set_add(g, (uint64_t)p->user << 2 | 1)) {
		const struct user *u = get_user(g, p->user);

		inc_begin(g, INC_USERS);
		tw_buf_add(&g->inc[INC_USERS], u->frag, u->fraglen);
	}
	if (p->place >= 0 && set_add(g, (uint64_t)p->place << 2 | 2)) {
		inc_begin(g, INC_PLACES);
		tw_buf_add(&g->inc[INC_PLACES], g->places[p->place].v2,
		    g->places[p->place].v2len);
	}
	b = &g->inc[INC_MEDIA];
	for (i = 0; i < p->nmedia; i++) {
		const struct media *m = &p->media[i];

		inc_begin(g, INC_MEDIA);
		LIT(b, "{\"media_key\":\"");
		tw_buf_adds(b, media_pfx[m->type]);
		add_u64(b, m->id);
		LIT(b, "\",\"type\":\"");
		tw_buf_adds(b, media_type[m->type]);
		if (m->type == M_PHOTO) {
			LIT(b, "\",\"url\":\"https://pbs.twimg.com/media/");
			tw_buf_add(b, m->file, 15);
			LIT(b, ".jpg\"");
		} else {
			LITC(b, m->type == M_VIDEO,
	    "\",\"preview_image_url\":\"https://pbs.twimg.com/ext_tw_video_thumb/", "\",\"preview_image_url\":\"https://pbs.twimg.com/tweet_video_thumb/");
			if (m->type == M_VIDEO) {
				add_u64(b, m->id);
				LIT(b, "/pu/img/");
			}
			tw_buf_add(b, m->file, 15);
			LIT(b, ".jpg\"");
		}
		LIT(b, ",\"width\":");
		add_u64(b, m->w);
		LIT(b, ",\"height\":");
		add_u64(b, m->h);
		if (m->type == M_VIDEO) {
			LIT(b, ",\"duration_ms\":");
			add_u64(b, m->dur);
			LIT(b, ",\"public_metrics\":{\"view_count\":");
			add_u64(b, m->views);
			tw_buf_addc(b, '}');
		}
		if (m->alt >= 0) {
			LIT(b, ",\"alt_text\":");
			JSTR(b, vocab_alt.w[m->alt].s, vocab_alt.w[m->alt].len);
		}
		tw_buf_addc(b, '}');
	}
}

/* Appends the v2 tweet object of p to o. */
static void
v2_tweet(struct gen *g, struct tw_buf *o, const struct post *p)
{
	const struct user *u = get_user(g, p->user);
	const char *lang = vocab_langs[p->lang].code,
	    *src = vocab_sources[p->src].name,
	    *rs = reply_settings[p->rs];
	char *d;
	int i;

	reserve(o, v2_bound(p));
	d = o->p + o->len;
	PUT(d, "{\"id\":");
	d = put_qu64(d, p->id);
	PUT(d, ",\"text\":");
	d = jstr_at(d, p->text, p->tlen, 0);
	PUT(d, ",\"author_id\":");
	d = put_qu64(d, u->id);
	PUT(d, ",\"created_at\":\"");
	put_end(o, d);
	tw_buf_add_iso(o, p->ms);
	d = o->p + o->len;
	PUT(d, "\",\"lang\":\"");
	d = put_mem(d, lang, strlen(lang));
	PUT(d, "\",\"source\":\"");
	d = put_mem(d, src, strlen(src));
	PUT(d, "\",\"conversation_id\":");
	d = put_qu64(d, p->conv);
	PUT(d, ",\"edit_history_tweet_ids\":[");
	d = put_qu64(d, p->id);
	PUT(d, "],\"possibly_sensitive\":");
	PUTC(d, p->sensitive, "true", "false");
	PUT(d, ",\"reply_settings\":\"");
	d = put_mem(d, rs, strlen(rs));
	PUT(d, "\",\"public_metrics\":{\"retweet_count\":");
	d = put_u64(d, p->m[MT_RT]);
	PUT(d, ",\"reply_count\":");
	d = put_u64(d, p->m[MT_REPLY]);
	PUT(d, ",\"like_count\":");
	d = put_u64(d, p->m[MT_LIKE]);
	PUT(d, ",\"quote_count\":");
	d = put_u64(d, p->m[MT_QUOTE]);
	PUT(d, ",\"impression_count\":");
	d = put_u64(d, p->m[MT_IMPR]);
	PUT(d, ",\"bookmark_count\":");
	d = put_u64(d, p->m[MT_BOOK]);
	*d++ = '}';
	d = v2_entities(g, d, p);
	if (p->ref) {
		PUT(d, ",\"referenced_tweets\":[{\"type\":\"");
		if (p->kind == K_RT)
			PUT(d, "retweeted");
		else if (p->kind == K_REPLY)
			PUT(d, "replied_to");
		else
			PUT(d, "quoted");
		PUT(d, "\",\"id\":");
		d = put_qu64(d, p->ref->id);
		PUT(d, "}]");
		if (p->kind == K_REPLY) {
			PUT(d, ",\"in_reply_to_user_id\":");
			d = put_qu64(d, get_user(g, p->ref->user)->id);
		}
	}
	if (p->nmedia) {
		PUT(d, ",\"attachments\":{\"media_keys\":[");
		for (i = 0; i < p->nmedia; i++) {
			PUTC(d, i, ",\"", "\"");
			d = put_mem(d, media_pfx[p->media[i].type],
			    p->media[i].type == M_GIF ? 3 : 2);
			d = put_u64(d, p->media[i].id);
			*d++ = '"';
		}
		PUT(d, "]}");
	}
	if (p->place >= 0) {
		PUT(d, ",\"geo\":{\"place_id\":\"");
		d = put_mem(d, g->places[p->place].id, 16);
		PUT(d, "\",\"coordinates\":{\"type\":\"Point\",\"coordinates\":[");
		put_end(o, d);
		add_fix6(o, p->lon);
		tw_buf_addc(o, ',');
		add_fix6(o, p->lat);
		LIT(o, "]}}");
		d = o->p + o->len;
	}
	*d++ = '}';
	put_end(o, d);
}

/* Adds the current tweet's data to g->data and its expansions to the
 * includes, de-duplicated within the record. */
static void
v2_collect(struct gen *g)
{
	const struct post *p = &g->prim;

	v2_tweet(g, &g->data, p);
	v2_includes_of(g, p, 1);
	if (p->ref) {
		if (set_add(g, p->ref->id << 2 | 3)) {
			inc_begin(g, INC_TWEETS);
			v2_tweet(g, &g->inc[INC_TWEETS], p->ref);
		}
		v2_includes_of(g, p->ref, 1);
	}
}

static void
record_reset(struct gen *g)
{
	int i;

	tw_buf_reset(&g->data);
	for (i = 0; i < 4; i++) {
		tw_buf_reset(&g->inc[i]);
		g->ninc[i] = 0;
	}
	g->dn = 0;
	if (++g->gen_no == 0) {
		memset(g->setgen, 0, sizeof g->setgen);
		g->gen_no = 1;
	}
}

static void
v2_put_includes(struct gen *g, struct tw_buf *o)
{
	static const char *const names[] = { "\"users\":", "\"tweets\":",
	    "\"places\":", "\"media\":" };
	int i, n = 0;

	LIT(o, ",\"includes\":{");
	for (i = 0; i < 4; i++) {
		if (!g->ninc[i])
			continue;
		if (n++)
			tw_buf_addc(o, ',');
		tw_buf_adds(o, names[i]);
		tw_buf_add(o, g->inc[i].p, g->inc[i].len);
		tw_buf_addc(o, ']');
	}
	tw_buf_addc(o, '}');
}

/* A stream line: written straight into o (no copy through g->data);
 * only places and media go through the include buffers. */
static void
v2_line(struct gen *g, struct tw_buf *o)
{
	const struct post *p = &g->prim;
	int i, n = 0;

	record_reset(g);
	LIT(o, "{\"data\":");
	v2_tweet(g, o, p);
	LIT(o, ",\"includes\":{\"users\":[");
	tw_buf_add(o, get_user(g, p->user)->frag, get_user(g, p->user)->fraglen);
	if (p->ref && p->ref->user != p->user) {
		const struct user *u = get_user(g, p->ref->user);

		tw_buf_addc(o, ',');
		tw_buf_add(o, u->frag, u->fraglen);
	}
	tw_buf_addc(o, ']');
	if (p->ref) {
		LIT(o, ",\"tweets\":[");
		v2_tweet(g, o, p->ref);
		tw_buf_addc(o, ']');
	}
	v2_includes_of(g, p, 0);
	if (p->ref)
		v2_includes_of(g, p->ref, 0);
	if (g->ninc[INC_PLACES]) {
		LIT(o, ",\"places\":");
		tw_buf_add(o, g->inc[INC_PLACES].p, g->inc[INC_PLACES].len);
		tw_buf_addc(o, ']');
	}
	if (g->ninc[INC_MEDIA]) {
		LIT(o, ",\"media\":");
		tw_buf_add(o, g->inc[INC_MEDIA].p, g->inc[INC_MEDIA].len);
		tw_buf_addc(o, ']');
	}
	tw_buf_addc(o, '}');
	LIT(o, ",\"matching_rules\":[");
	if (g->cfg->nkeywords == 0) {
		LIT(o, "{\"id\":\"");
		tw_buf_adds(o, g->sample_rule);
		LIT(o, "\",\"tag\":\"sample\"}");
	}
	for (i = 0; i < g->cfg->nkeywords; i++) {
		if (!(g->prim.rules >> i & 1))
			continue;
		LITC(o, n++, ",{\"id\":\"", "{\"id\":\"");
		tw_buf_adds(o, g->kw[i].rule);
		LIT(o, "\",\"tag\":");
		JSTRZ(o, g->cfg->keywords[i]);
		tw_buf_addc(o, '}');
	}
	LIT(o, "]}\n");
}

/* Appends the page in g->data (newest first) and its includes. */
static void
v2_page(struct gen *g, struct tw_buf *o, int last)
{
	int i;
	char tok[32];

	/* Newest first, by id, as the API sorts a page (with --disorder
	 * the tweets were not made in id order). */
	for (i = 0; i < g->dn; i++) {
		/* Insertion: a page is small and nearly in order. */
		int j = i;

		while (j > 0 && g->did[g->dord[j - 1]] < g->did[i]) {
			g->dord[j] = g->dord[j - 1];
			j--;
		}
		g->dord[j] = i;
	}
	g->newest = g->did[g->dord[0]];
	g->oldest = g->did[g->dord[g->dn - 1]];
	LIT(o, "{\"data\":[");
	for (i = 0; i < g->dn; i++) {
		int k = g->dord[i];
		size_t s = g->doff[k];
		size_t e = k + 1 < g->dn ? g->doff[k + 1] : g->data.len;

		tw_buf_add(o, g->data.p + s, e - s);
		if (i + 1 < g->dn)
			tw_buf_addc(o, ',');
	}
	tw_buf_addc(o, ']');
	v2_put_includes(g, o);
	LIT(o, ",\"meta\":{\"newest_id\":");
	add_qu64(o, g->newest);
	LIT(o, ",\"oldest_id\":");
	add_qu64(o, g->oldest);
	LIT(o, ",\"result_count\":");
	add_u64(o, (uint64_t)g->dn);
	if (!last) {
		static const char b36[] = "0123456789abcdefghijklmnopqrstuvwxyz";

		for (i = 0; i < 30; i++)
			tok[i] = b36[below(g, 36)];
		LIT(o, ",\"next_token\":\"");
		tw_buf_add(o, tok, 30);
		tw_buf_addc(o, '"');
	}
	LIT(o, "}}\n");
	record_reset(g);
}

/* ---- v1.1 rendering ---- */

static void
v1_indices(struct tw_buf *o, unsigned s, unsigned e)
{
	LIT(o, ",\"indices\":[");
	add_u64(o, s);
	tw_buf_addc(o, ',');
	add_u64(o, e);
	LIT(o, "]}");
}

static void
v1_media_obj(struct gen *g, struct tw_buf *o, const struct post *p,
    const struct ent_url *u, int i)
{
	const struct media *m = &p->media[i];

	LIT(o, "{\"id\":");
	add_u64(o, m->id);
	LIT(o, ",\"id_str\":");
	add_qu64(o, m->id);
	LIT(o, ",\"media_url_https\":\"https:\\/\\/pbs.twimg.com\\/");
	tw_buf_adds(o, m->type == M_PHOTO ? "media\\/" : m->type == M_VIDEO ?
	    "ext_tw_video_thumb\\/" : "tweet_video_thumb\\/");
	tw_buf_add(o, m->file, 15);
	LIT(o, ".jpg\",\"url\":\"https:\\/\\/t.co\\/");
	tw_buf_add(o, u->tco, 10);
	LIT(o, "\",\"display_url\":");
	JSTR(o, u->disp, u->displen);
	LIT(o, ",\"expanded_url\":");
	JSTR(o, u->exp, u->explen);
	LIT(o, ",\"type\":\"");
	tw_buf_adds(o, media_type[m->type]);
	LIT(o, "\",\"sizes\":{\"large\":{\"w\":");
	add_u64(o, m->w);
	LIT(o, ",\"h\":");
	add_u64(o, m->h);
	LIT(o, ",\"resize\":\"fit\"}}");
	if (m->type != M_PHOTO) {
		LIT(o, ",\"video_info\":{\"aspect_ratio\":");
		tw_buf_adds(o, m->w > m->h ? "[16,9]" : "[9,16]");
		if (m->type == M_VIDEO) {
			LIT(o, ",\"duration_millis\":");
			add_u64(o, m->dur);
		}
		LIT(o, ",\"variants\":[{\"bitrate\":2176000,\"content_type\":\"video\\/mp4\",\"url\":\"https:\\/\\/video.twimg.com\\/");
		tw_buf_adds(o, m->type == M_VIDEO ? "ext_tw_video\\/" :
		    "tweet_video\\/");
		tw_buf_add(o, m->file, 15);
		LIT(o, ".mp4\"}]}");
	}
	if (m->alt >= 0) {
		LIT(o, ",\"ext_alt_text\":");
		JSTR(o, vocab_alt.w[m->alt].s, vocab_alt.w[m->alt].len);
	}
	v1_indices(o, u->s, u->e);
}

/*
 * The v1 entities object of p, keeping entities that end at or before
 * lim; web, if not NULL, is the "read more" link of a truncated text.
 * With media set, entities.media is written too.
 */
static void
v1_entities(struct gen *g, struct tw_buf *o, const struct post *p,
    unsigned lim, const struct ent_url *web, int media)
{
	int i, n;
	const struct ent_url *mu = NULL;

	LIT(o, "{\"hashtags\":[");
	for (i = n = 0; i < p->nh; i++) {
		if (p->tags[i].e > lim)
			continue;
		LITC(o, n++, ",{\"text\":", "{\"text\":");
		JSTR(o, p->tags[i].tag, p->tags[i].len);
		v1_indices(o, p->tags[i].s, p->tags[i].e);
	}
	LIT(o, "],\"urls\":[");
	for (i = n = 0; i <= p->nu; i++) {
		const struct ent_url *u = i < p->nu ? &p->urls[i] : web;

		if (u == NULL || (u != web && u->e > lim))
			continue;
		if (u->kind == U_MEDIA) {
			mu = u;
			continue;
		}
		LITC(o, n++,
	    ",{\"url\":\"https:\\/\\/t.co\\/", "{\"url\":\"https:\\/\\/t.co\\/");
		tw_buf_add(o, u->tco, 10);
		LIT(o, "\",\"expanded_url\":");
		JSTR(o, u->exp, u->explen);
		LIT(o, ",\"display_url\":");
		JSTR(o, u->disp, u->displen);
		v1_indices(o, u->s, u->e);
	}
	LIT(o, "],\"user_mentions\":[");
	for (i = n = 0; i < p->nm; i++) {
		const struct user *u = get_user(g, p->men[i].user);

		if (p->men[i].e > lim)
			continue;
		LITC(o, n++,
	    ",{\"screen_name\":\"", "{\"screen_name\":\"");
		tw_buf_add(o, u->uname, u->ulen);
		LIT(o, "\",\"name\":");
		JSTR(o, u->name, u->namelen);
		LIT(o, ",\"id\":");
		add_u64(o, u->id);
		LIT(o, ",\"id_str\":");
		add_qu64(o, u->id);
		v1_indices(o, p->men[i].s, p->men[i].e);
	}
	LIT(o, "],\"symbols\":[]");
	if (media && mu && p->nmedia) {
		LIT(o, ",\"media\":[");
		v1_media_obj(g, o, p, mu, 0);
		tw_buf_addc(o, ']');
	}
	tw_buf_addc(o, '}');
}

static void
v1_ext_media(struct gen *g, struct tw_buf *o, const struct post *p)
{
	const struct ent_url *mu = NULL;
	int i;

	for (i = 0; i < p->nu; i++)
		if (p->urls[i].kind == U_MEDIA)
			mu = &p->urls[i];
	if (!mu || !p->nmedia)
		return;
	LIT(o, ",\"extended_entities\":{\"media\":[");
	for (i = 0; i < p->nmedia; i++) {
		if (i)
			tw_buf_addc(o, ',');
		v1_media_obj(g, o, p, mu, i);
	}
	LIT(o, "]}");
}

static void v1_status(struct gen *g, struct tw_buf *o, const struct post *p,
    int top);

static void
v1_status(struct gen *g, struct tw_buf *o, const struct post *p, int top)
{
	const struct user *u = get_user(g, p->user);
	int trunc = p->kind != K_RT && p->tcp > 140;
	struct ent_url web;
	unsigned got = p->tcp;

	LIT(o, "{\"created_at\":");
	add_v1time(o, p->ms);
	LIT(o, ",\"id\":");
	add_u64(o, p->id);
	LIT(o, ",\"id_str\":");
	add_qu64(o, p->id);
	LIT(o, ",\"text\":");
	if (trunc) {
		/* 140 code points: a cut, "…", a space and a link to the
		 * full text, as the streaming API sent long tweets. */
		char t[TEXTMAX];
		size_t b = cut_at(p->text, p->tlen, 115, &got);

		memcpy(t, p->text, b);
		memcpy(t + b, "\xE2\x80\xA6 https://t.co/", 17);
		memset(&web, 0, sizeof web);
		web.kind = U_WEB;
		rnd_code(g, web.tco, 10);
		memcpy(t + b + 17, web.tco, 10);
		web.s = (uint16_t)(got + 2);
		web.e = (uint16_t)(got + 25);
		url_set(&web, 1, "https://twitter.com/i/web/status/", 33);
		url_set(&web, 0, "twitter.com/i/web/status/", 25);
		{
			char num[24], *e = num + sizeof num, *s = e;
			uint64_t id = p->id;

			do {
				*--s = (char)('0' + id % 10);
				id /= 10;
			} while (id);
			url_set(&web, 1, s, (size_t)(e - s));
			url_set(&web, 0, s, 1);
			url_set(&web, 0, "\xE2\x80\xA6", 3);
		}
		JSTR(o, t, b + 27);
	} else {
		JSTR(o, p->text, p->tlen);
	}
	LIT(o, ",\"source\":");
	tw_buf_add(o, g->src_v1[p->src], g->src_v1len[p->src]);
	LIT(o, ",\"truncated\":");
	tw_buf_adds(o, trunc ? "true" : "false");
	if (p->kind == K_REPLY) {
		const struct user *ru = get_user(g, p->ref->user);

		LIT(o, ",\"in_reply_to_status_id\":");
		add_u64(o, p->ref->id);
		LIT(o, ",\"in_reply_to_status_id_str\":");
		add_qu64(o, p->ref->id);
		LIT(o, ",\"in_reply_to_user_id\":");
		add_u64(o, ru->id);
		LIT(o, ",\"in_reply_to_user_id_str\":");
		add_qu64(o, ru->id);
		LIT(o, ",\"in_reply_to_screen_name\":\"");
		tw_buf_add(o, ru->uname, ru->ulen);
		tw_buf_addc(o, '"');
	} else {
		LIT(o, ",\"in_reply_to_status_id\":null,\"in_reply_to_status_id_str\":null,\"in_reply_to_user_id\":null,\"in_reply_to_user_id_str\":null,\"in_reply_to_screen_name\":null");
	}
	LIT(o, ",\"user\":");
	tw_buf_add(o, u->frag, u->fraglen);
	if (p->place >= 0) {
		LIT(o, ",\"geo\":{\"type\":\"Point\",\"coordinates\":[");
		add_fix6(o, p->lat);
		tw_buf_addc(o, ',');
		add_fix6(o, p->lon);
		LIT(o, "]},\"coordinates\":{\"type\":\"Point\",\"coordinates\":[");
		add_fix6(o, p->lon);
		tw_buf_addc(o, ',');
		add_fix6(o, p->lat);
		LIT(o, "]},\"place\":");
		tw_buf_add(o, g->places[p->place].v1, g->places[p->place].v1len);
	} else {
		LIT(o, ",\"geo\":null,\"coordinates\":null,\"place\":null");
	}
	LIT(o, ",\"contributors\":null");
	if (p->kind == K_RT) {
		LIT(o, ",\"retweeted_status\":");
		v1_status(g, o, p->ref, 0);
	}
	if (p->kind == K_QUOTE) {
		LIT(o, ",\"quoted_status_id\":");
		add_u64(o, p->ref->id);
		LIT(o, ",\"quoted_status_id_str\":");
		add_qu64(o, p->ref->id);
		LIT(o, ",\"quoted_status\":");
		v1_status(g, o, p->ref, 0);
	}
	LIT(o, ",\"is_quote_status\":");
	tw_buf_adds(o, p->kind == K_QUOTE ? "true" : "false");
	if (trunc) {
		LIT(o, ",\"extended_tweet\":{\"full_text\":");
		JSTR(o, p->text, p->tlen);
		LIT(o, ",\"display_text_range\":[");
		add_u64(o, p->disp_start);
		tw_buf_addc(o, ',');
		add_u64(o, p->disp_end);
		LIT(o, "],\"entities\":");
		v1_entities(g, o, p, p->tcp, NULL, 1);
		v1_ext_media(g, o, p);
		tw_buf_addc(o, '}');
	}
	LIT(o, ",\"quote_count\":");
	add_u64(o, p->m[MT_QUOTE]);
	LIT(o, ",\"reply_count\":");
	add_u64(o, p->m[MT_REPLY]);
	LIT(o, ",\"retweet_count\":");
	add_u64(o, p->m[MT_RT]);
	LIT(o, ",\"favorite_count\":");
	add_u64(o, p->m[MT_LIKE]);
	LIT(o, ",\"entities\":");
	if (trunc) {
		v1_entities(g, o, p, got, &web, 0);
	} else {
		v1_entities(g, o, p, p->tcp, NULL, 1);
		v1_ext_media(g, o, p);
	}
	LIT(o, ",\"favorited\":false,\"retweeted\":false");
	if (p->nu) {
		LIT(o, ",\"possibly_sensitive\":");
		tw_buf_adds(o, p->sensitive ? "true" : "false");
	}
	LIT(o, ",\"filter_level\":\"low\",\"lang\":\"");
	tw_buf_adds(o, vocab_langs[p->lang].code);
	tw_buf_addc(o, '"');
	if (top) {
		LIT(o, ",\"timestamp_ms\":\"");
		add_u64(o, (uint64_t)p->ms);
		tw_buf_addc(o, '"');
	}
	tw_buf_addc(o, '}');
}

/* ---- the generator ---- */

int64_t
gen_event_offset(const struct gen *g, uint64_t k)
{
	return (int64_t)((double)k * 1000.0 / g->cfg->event_rate);
}

static void
rule_id(char *d, const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	int i;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	h = 1000000000000000000ULL + h % 900000000000000000ULL;
	for (i = 18; i >= 0; i--) {
		d[i] = (char)('0' + h % 10);
		h /= 10;
	}
	d[19] = '\0';
}

struct gen *
gen_new(const struct gen_cfg *cfg)
{
	struct gen *g = tw_xcalloc(1, sizeof *g);
	uint64_t x = cfg->seed;
	double sum;
	int i;

	g->cfg = cfg;
	for (i = 0; i < 4; i++)
		g->s[i] = splitmix(&x);
	init_classes();
	g->users = tw_xcalloc(cfg->users, sizeof *g->users);
	g->ln_users = log((double)cfg->users + 1.0);
	g->ln_tags = log((double)vocab_tags.n + 1.0);
	g->ln_emoji = log((double)vocab_emoji.n + 1.0);
	g->ln_domains = log((double)vocab_domains.n + 1.0);
	init_math();
	for (i = 0, sum = 0; i < vocab_nlangs; i++) {
		sum += vocab_langs[i].weight;
		g->lang_cdf[i] = sum;
	}
	for (i = 0, sum = 0; i < vocab_nlangs; i++) {
		if (vocab_langs[i].wl.n)
			sum += vocab_langs[i].weight;
		g->ulang_cdf[i] = sum;
	}
	for (i = 0, sum = 0; i < vocab_nsources; i++) {
		struct tw_buf a = TW_BUF_INIT, b = TW_BUF_INIT;

		sum += vocab_sources[i].weight;
		g->src_cdf[i] = sum;
		tw_buf_addf(&a, "<a href=\"%s\" rel=\"nofollow\">%s</a>",
		    vocab_sources[i].url, vocab_sources[i].name);
		jstr(&b, a.p, a.len, 1);
		tw_buf_free(&a);
		g->src_v1[i] = b.p;
		g->src_v1len[i] = b.len;
	}
	init_places(g);
	for (i = 0; i < cfg->nkeywords; i++) {
		struct tw_buf b = TW_BUF_INIT;
		const char *s;
		struct kw *k = &g->kw[i];

		k->tag = 1;
		for (s = cfg->keywords[i]; *s; s++) {
			unsigned char c = (unsigned char)*s;

			if (c == '&')
				LIT(&b, "&amp;");
			else if (c == '<')
				LIT(&b, "&lt;");
			else if (c == '>')
				LIT(&b, "&gt;");
			else
				tw_buf_addc(&b, (char)c);
			if (c < 0x80 && !(c == '_' || (c >= '0' && c <= '9') ||
			    ((c | 32) >= 'a' && (c | 32) <= 'z')))
				k->tag = 0;
		}
		tw_buf_grow(&b, 32);	/* tb_add reads 16 bytes */
		k->esc = b.p;
		k->len = b.len;
		k->cp = vocab_cplen(k->esc, k->len);
		rule_id(k->rule, cfg->keywords[i]);
	}
	rule_id(g->sample_rule, "sample");
	g->doff = tw_xmalloc((size_t)(cfg->page_size + 1) * sizeof *g->doff);
	g->did = tw_xmalloc((size_t)(cfg->page_size + 1) * sizeof *g->did);
	g->dord = tw_xmalloc((size_t)(cfg->page_size + 1) * sizeof *g->dord);
	g->gen_no = 1;
	return g;
}

void
gen_free(struct gen *g)
{
	size_t i;
	int k;

	for (i = 0; i < g->nchunks; i++)
		free(g->chunks[i]);
	free(g->chunks);
	free(g->users);
	tw_buf_free(&g->ubuf);
	tw_buf_free(&g->dbuf);
	for (k = 0; k < vocab_ncities; k++) {
		free(g->places[k].v1);
		free(g->places[k].v2);
	}
	free(g->places);
	for (k = 0; k < vocab_nsources; k++)
		free(g->src_v1[k]);
	for (k = 0; k < g->cfg->nkeywords; k++)
		free(g->kw[k].esc);
	tw_buf_free(&g->data);
	for (k = 0; k < 4; k++)
		tw_buf_free(&g->inc[k]);
	free(g->doff);
	free(g->did);
	free(g->dord);
	free(g);
}

int
gen_next(struct gen *g, struct tw_buf *o, int last)
{
	build_tweet(g);
	switch (g->cfg->format) {
	case FMT_V2:
		v2_line(g, o);
		return 1;
	case FMT_V1:
		v1_status(g, o, &g->prim, 1);
		tw_buf_addc(o, '\n');
		return 1;
	case FMT_V2PAGE:
		g->did[g->dn] = g->prim.id;
		g->doff[g->dn++] = g->data.len;
		v2_collect(g);
		if (g->dn >= g->cfg->page_size || last) {
			v2_page(g, o, last);
			return 1;
		}
		return 0;
	}
	return 0;
}

int
gen_finish(struct gen *g, struct tw_buf *o)
{
	if (g->cfg->format != FMT_V2PAGE || g->dn == 0)
		return 0;
	v2_page(g, o, 1);
	return 1;
}
