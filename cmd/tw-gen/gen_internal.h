/*
 * tw-gen's generator inside: what its files share. gen.h is the
 * generator as main.c sees it; this header is for the files below only.
 *
 *   gen.c        gen_new, gen_next, gen_free: the driver, per format
 *   rng.c        random numbers (the draws the hot loop makes are
 *                inline, below)
 *   out.c        JSON strings in the v2 and the v1.1 wire forms,
 *                coordinates, v1.1 times (the cursor helpers are inline)
 *   users.c      the author population: each user built on first use,
 *                rendered once into a fragment, kept in an arena
 *   places.c     the places, rendered once per run
 *   tweet.c      the tweet model: text with its entities, media, the
 *                referenced tweet, metrics
 *   render_v2.c  a v2 stream line, or a search page
 *   render_v1.c  a v1.1 status
 *
 * Per tweet: gen_next calls tweet_build, which fills g->prim (and
 * g->ref, its referenced tweet), then one renderer appends it to the
 * caller's buffer. Users and places are rendered once, in the run's
 * format, and copied into every record that includes them.
 *
 * Ownership: everything hangs off struct gen and is freed by gen_free;
 * user and place fragments live until then. Nothing here writes to a
 * descriptor or exits, except through tw_xmalloc's out-of-memory death.
 *
 * Entity offsets count code points of the text as sent, that is after
 * HTML escaping ("&amp;" counts 5): that is what the real API does (see
 * the twarc-csv and python-twitter files of the corpus).
 */
#ifndef TW_GEN_INTERNAL_H
#define TW_GEN_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "gen.h"
#include "tw_buf.h"
#include "tw_util.h"

/* ---- the tweet model and the generator's state ---- */

#define TW_EPOCH	1288834974657LL	/* snowflake epoch, ms */
#define TEXTMAX		2048		/* bytes; 280 code points escaped fit */
#define MAXTAG		8
#define MAXMEN		6
#define MAXURL		4
#define MAXMEDIA	4
#define MAXKW		64
#define SETSIZE		8192		/* page de-duplication set, power of 2 */

enum { K_ORIG, K_RT, K_REPLY, K_QUOTE };		/* post.kind */
enum { U_LINK, U_QUOTE, U_MEDIA, U_WEB };		/* ent_url.kind */
enum { M_PHOTO, M_VIDEO, M_GIF };			/* media.type */
enum { MT_RT, MT_REPLY, MT_LIKE, MT_QUOTE, MT_IMPR, MT_BOOK };	/* post.m[] */

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

/* A tweet of the model: what the renderers write, in any format. */
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

/* An author (users.c), with its object rendered once. */
struct user {
	uint64_t id;
	uint8_t lang, ulen, namelen;
	char uname[16];
	char name[64];
	char *frag;		/* the user object in the output format */
	uint32_t fraglen;
};

/* A place (places.c), its object rendered once per format. */
struct place {
	char id[17];
	int32_t w, s, e, n;	/* micro-degrees */
	char *v2, *v1;		/* the place object, per format */
	size_t v2len, v1len;
};

/* A --keywords word, as tweet.c puts it in texts. */
struct kw {
	char *esc;		/* HTML-escaped, as it appears in text */
	size_t len;
	uint16_t cp;
	int tag;		/* usable as a hashtag */
	char rule[20];		/* rule id */
};

/* The generator: configuration, random state, model and record assembly. */
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
	struct tw_buf ubuf, dbuf;	/* users.c's scratch */
};

enum { INC_USERS, INC_TWEETS, INC_PLACES, INC_MEDIA };	/* gen.inc[] */

/* ---- random numbers (rng.c): xoshiro256** seeded by splitmix64 ---- */

/*
 * The draws of the hot loop are inline here so that every file's calls
 * compile as they did when the generator was one file.
 */

static inline uint64_t
splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

/* A hash of (a, b) for per-user attributes. */
static inline uint64_t
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

/* Tables of rng_init, read by fexp and flog. */
extern double rng_exp_tab[262], rng_log_tab[257];

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
	return rng_exp_tab[i] * (1 + d * (1 + d * (0.5 + d / 6)));
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
	return rng_log_tab[i] + y * (1 - y * (0.5 - y / 3)) + e * 0.69314718055994530942;
}

/* Zipf-like (exponent 1) rank in [0, n) given ln(n + 1). */
static inline uint32_t
zipf(struct gen *g, double lnn1, uint32_t n)
{
	uint32_t r = (uint32_t)fexp(unif(g) * lnn1) - 1;

	return r < n ? r : n - 1;
}

/* The snowflake id of time ms with a zero sequence (ms before the
 * epoch count as the epoch). */
static inline uint64_t
snowflake(int64_t ms)
{
	if (ms < TW_EPOCH)
		ms = TW_EPOCH;
	return (uint64_t)(ms - TW_EPOCH) << 22;
}

/* The base-62 digits of t.co codes. */
static const char b62[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/* Fills the tables of fexp and flog; gen_new calls it before the first
 * tweet. */
void rng_init(void);

/* A heavy-tailed count (Pareto with shape alpha) scaled by scale,
 * at most 500000000; one draw from g. */
uint64_t rng_heavy(struct gen *g, double scale, double alpha);

/* An index in [0, n) drawn with the cumulative weights cdf[0..n)
 * (increasing; the last is the total); one draw from g. */
int rng_pick(struct gen *g, const double *cdf, int n);

/* Writes n (at most 20) random base-62 characters at d, no NUL: a t.co
 * code or a file name. One draw from g, two when n > 10. */
void rng_code(struct gen *g, char *d, int n);

/* ---- output helpers (out.c) ---- */

#define LIT(o, s) tw_buf_add((o), s, sizeof(s) - 1)
/* One of two literals (LIT of a ?: would take the size of a pointer). */
#define LITC(o, c, a, b) ((c) ? LIT(o, a) : LIT(o, b))

/* Makes room for n more bytes (and the NUL) in o. */
static inline void
reserve(struct tw_buf *o, size_t n)
{
	if (o->cap - o->len <= n)
		tw_buf_grow(o, n);
}

/* Appends v in decimal. */
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

/* Writes v in decimal at d; returns the end. */
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

/* Writes s[0..n) at d; returns the end. */
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

/* Digits of \u escapes: v2 writes them uppercase, v1.1 lowercase. */
static const char hexu[] = "0123456789ABCDEF";
static const char hexl[] = "0123456789abcdef";

/* The "type" of a media object, by M_PHOTO, M_VIDEO, M_GIF. */
extern const char *const out_media_type[3];

/* Fills the byte classes of out_jstr_at; gen_new calls it first. */
void out_init(void);

/*
 * Writes s[0..n) (valid UTF-8) at d as a JSON string and returns the
 * end: the v2 wire form (raw UTF-8, non-BMP as uppercase surrogate
 * pairs) or, with v1 set, the v1.1 form (ASCII only: every non-ASCII
 * character as lowercase \u escapes, "/" as "\/", "<" and ">"
 * escaped). d must have room for 6 * n + 18 bytes (the v2 tail is
 * stored 16 bytes at a time).
 */
char *out_jstr_at(char *d, const char *s, size_t n, int v1);

/* out_jstr_at appended to o (grown as needed; NUL-terminated). */
void out_jstr(struct tw_buf *o, const char *s, size_t n, int v1);

/* A JSON string in the run's format; g must be in scope. */
#define JSTR(o, s, n) out_jstr((o), (s), (n), g->cfg->format == FMT_V1)
#define JSTRZ(o, s) JSTR(o, s, strlen(s))

/* Appends micro-degrees v as a decimal number without trailing zeros
 * ("-0.5", "12.345678"). */
void out_fix6(struct tw_buf *o, int32_t v);

/* Appends the v1.1 created_at of ms, with its quotes:
 * "Wed Oct 10 20:19:24 +0000 2018". */
void out_v1time(struct tw_buf *o, int64_t ms);

/* ---- users (users.c) ---- */

/* Allocates the table of g->cfg->users users, none built yet. */
void users_init(struct gen *g);

/* Frees every user, their fragments and the table. */
void users_free(struct gen *g);

/*
 * Builds the user of rank idx (idx < g->cfg->users) on its first use:
 * its attributes come from a hash of idx, not from the random stream, so
 * a user does not depend on when it is first seen; its object is
 * rendered in the run's format into u->frag. Owned by g.
 */
struct user *user_new(struct gen *g, uint32_t idx);

/* The user of rank idx, built on first use. The fast path is inline:
 * it runs a dozen times per tweet. */
static inline struct user *
user_get(struct gen *g, uint32_t idx)
{
	struct user *u = g->users[idx];

	return u ? u : user_new(g, idx);
}

/* ---- places (places.c) ---- */

/* Builds g->places, one per vocabulary city, each rendered in the run's
 * format (v2 or v1 object). */
void places_init(struct gen *g);

/* Frees g->places. */
void places_free(struct gen *g);

/* ---- the tweet model (tweet.c) ---- */

/*
 * Builds tweet number g->k in g->prim (and its retweeted, replied-to or
 * quoted tweet in g->ref, g->prim.ref pointing at it), then counts it.
 * Both are overwritten by the next call.
 */
void tweet_build(struct gen *g);

/* The byte length of s[0..len) cut at cp code points, backed up so as
 * not to split an HTML escape ("&amp;"); *got is the code points kept. */
size_t tweet_cut_at(const char *s, size_t len, unsigned cp, unsigned *got);

/* Appends s[0..n) to u's expanded URL (exp set) or display URL, cut at
 * its room. */
void tweet_url_set(struct ent_url *u, int exp, const char *s, size_t n);

/* ---- renderers (render_v2.c, render_v1.c) ---- */

/* Appends g->prim as a v2 filtered-stream line, with its newline. */
void v2_line(struct gen *g, struct tw_buf *o);

/* Adds g->prim to the page being assembled in g (its object to g->data,
 * its expansions to the includes, de-duplicated within the page). */
void v2_collect(struct gen *g);

/* Appends the page assembled in g (newest tweet first, its includes and
 * meta; no next_token when last is set), with its newline, and starts
 * an empty one. */
void v2_page(struct gen *g, struct tw_buf *o, int last);

/* Appends p as a v1.1 status object (no newline); top adds the
 * timestamp_ms of a top-level status. */
void v1_status(struct gen *g, struct tw_buf *o, const struct post *p,
    int top);

#endif
