#include "tw_flatten.h"
#include "tw_csv.h"
#include "tw_time.h"
#include "tw_util.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ---- short copies and compares ---- */

/*
 * Copies n bytes, n at most 32, in at most two overlapping moves: GCC
 * would make a short copy of unknown length a `rep movs`, which starts
 * slowly. Touches only s[0..n) and d[0..n).
 */
static inline void
copy_small(char *d, const char *s, size_t n)
{
	if (n >= 16) {
		memcpy(d, s, 16);
		memcpy(d + n - 16, s + n - 16, 16);
	} else if (n >= 8) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else if (n > 0) {
		d[0] = s[0];
		d[n >> 1] = s[n >> 1];
		d[n - 1] = s[n - 1];
	}
}

/* 1 when a[0..n) equals b[0..n), n at most 32, as copy_small reads. */
static inline int
eq_small(const char *a, const char *b, size_t n)
{
	uint64_t x, y, u, w;

	if (n >= 8) {
		if (n > 16)
			return memcmp(a, b, n) == 0;
		memcpy(&x, a, 8);
		memcpy(&y, b, 8);
		memcpy(&u, a + n - 8, 8);
		memcpy(&w, b + n - 8, 8);
		return ((x ^ y) | (u ^ w)) == 0;
	}
	if (n >= 4) {
		uint32_t x4, y4, u4, w4;

		memcpy(&x4, a, 4);
		memcpy(&y4, b, 4);
		memcpy(&u4, a + n - 4, 4);
		memcpy(&w4, b + n - 4, 4);
		return ((x4 ^ y4) | (u4 ^ w4)) == 0;
	}
	return n == 0 || (a[0] == b[0] && a[n >> 1] == b[n >> 1] &&
	    a[n - 1] == b[n - 1]);
}

/* ---- bounded de-duplication: two generations of 64-bit id sets ---- */

struct u64set {
	uint64_t *slot;		/* 0 means empty; ids are stored + 1 */
	size_t cap, n;
};

struct tw_dedup {
	struct u64set gen[2];	/* gen[0] current, gen[1] previous */
	size_t limit;		/* ids per generation */
};

static int
u64set_has(const struct u64set *s, uint64_t k)
{
	size_t i;

	if (s->cap == 0)
		return 0;
	for (i = tw_mix64(k) & (s->cap - 1); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == k + 1)
			return 1;
	return 0;
}

static void
u64set_add(struct u64set *s, uint64_t k)
{
	size_t i;

	for (i = tw_mix64(k) & (s->cap - 1); s->slot[i]; i = (i + 1) & (s->cap - 1))
		if (s->slot[i] == k + 1)
			return;
	s->slot[i] = k + 1;
	s->n++;
}

static void
u64set_init(struct u64set *s, size_t limit)
{
	size_t cap = 16;

	while (cap < limit * 2)
		cap *= 2;
	s->slot = tw_xcalloc(cap, sizeof *s->slot);
	s->cap = cap;
	s->n = 0;
}

/* Returns 1 when k was seen recently, else remembers it. */
static int
dedup_seen(struct tw_dedup *d, uint64_t k)
{
	struct u64set t;

	if (u64set_has(&d->gen[0], k) || u64set_has(&d->gen[1], k))
		return 1;
	if (d->gen[0].n >= d->limit) {
		/* Forget the oldest generation. */
		t = d->gen[1];
		d->gen[1] = d->gen[0];
		memset(t.slot, 0, t.cap * sizeof *t.slot);
		t.n = 0;
		d->gen[0] = t;
	}
	u64set_add(&d->gen[0], k);
	return 0;
}

static int xfield_lookup(const struct tw_flatten *f, const char *n, size_t len);

/* ---- per-document context ---- */

#define MAXSEEN 4096
#define NFINDEX 8		/* indexed arrays a document */
#define FINDEX_MIN 16		/* shorter arrays are searched in order */
#define REFCAP 8192		/* a power of two */

struct tw_flat_ctx {
	struct tw_flatten *f;
	const struct tw_json *j;
	struct tw_buf *out;
	size_t rec_start;	/* where the current record begins in out */
	enum tw_rtype rt;
	/* v2 includes */
	const struct tw_jval *inc_users, *inc_tweets, *inc_places, *inc_media,
	    *inc_polls;
	const struct tw_jval *rules;	/* matching_rules of a stream line */
	/* kcat provenance */
	const struct tw_jval *k_topic, *k_part, *k_off, *k_ts;
	const struct tw_jval *root;	/* the document (a kcat payload's) */
	/* event time for dimension records (see dim_ts) */
	int in_tweet, cur_have, have_newest, note_refs;
	int64_t cur_ts, newest_ts;
	/* the record being written: its type's settings */
	const unsigned char *on;
	char *const *keys;
	const unsigned char *keylen;
	int reo;			/* fields to be put in -f order */
	int track;			/* keep where each field starts (pos) */
	/* indexes of long arrays by a key field (see find_by) */
	struct findex {
		const struct tw_jval *arr;
		const char *field;
		size_t off;		/* its slots: hslot[off..off+mask] */
		uint32_t mask;
	} fx[NFINDEX];
	int nfx;
	size_t hused;
	/* dimension records already written for this document */
	uint64_t seen[MAXSEEN];
	size_t nseen;
	int dims_done;
	/* users and places referenced by the tweets of a v2 document, with
	 * the first referencing tweet's time; a slot is live when its gen is
	 * the document's */
	struct { uint64_t h; int64_t ts; uint32_t gen; } ref[REFCAP];
	uint32_t gen;
	size_t nref;
	/* with reo: where each field of the record starts, and which */
	size_t pos[TW_FLAT_MAXF];
	short pidx[TW_FLAT_MAXF], where[TW_FLAT_MAXF];
	int npos;
	/* the slots of fx[]: element << 32 | its key's node, 0 when empty;
	 * kept from one document to the next */
	uint64_t *hslot;
	size_t hcap;
};

/* The hash of s[0..n), apart for each salt (a kind of key). */
static uint64_t
hash_bytes(const char *s, size_t n, uint64_t salt)
{
	return tw_hash64(s, n) ^ tw_mix64(salt);
}

static int seen_hash(struct tw_flat_ctx *c, uint64_t h);

/* Remembers a (kind, key) pair; returns 1 if already written. */
static int
seen_once(struct tw_flat_ctx *c, unsigned kind, const struct tw_jval *key)
{
	if (key == NULL)
		return 0;
	return seen_hash(c, hash_bytes(key->p, key->len, kind));
}

/* The same for a (kind, key, key2) triple: a media item of one tweet. */
static int
seen_once2(struct tw_flat_ctx *c, unsigned kind, const struct tw_jval *key,
    const struct tw_jval *key2)
{
	if (key == NULL)
		return 0;
	return seen_hash(c, hash_bytes(key->p, key->len, key2 == NULL ? kind :
	    hash_bytes(key2->p, key2->len, kind)));
}

static int
seen_hash(struct tw_flat_ctx *c, uint64_t h)
{
	size_t i;

	for (i = 0; i < c->nseen; i++)
		if (c->seen[i] == h)
			return 1;
	if (c->nseen < MAXSEEN)
		c->seen[c->nseen++] = h;
	return 0;
}

/* ---- typed access: a wrong type makes the whole document bad ---- */

enum want { W_STR, W_ID, W_COUNT, W_BOOL, W_OBJ, W_ARR, W_ANY };

static const char *
type_name(int t)
{
	switch (t) {
	case TW_JNULL: return "null";
	case TW_JTRUE: case TW_JFALSE: return "a boolean";
	case TW_JNUM: return "a number";
	case TW_JSTR: return "a string";
	case TW_JARR: return "an array";
	case TW_JOBJ: return "an object";
	}
	return "?";
}

static const char *const want_name[] = {
	"a string", "an id (decimal digits)", "a count (an integer from 0)", "a boolean",
	"an object", "an array", "a value"
};

/* 1 when s[0..n) are all decimal digits. */
static inline int
all_digits(const char *s, size_t n)
{
	return tw_digits_end(s, s + n) == s + n;
}

static inline int
type_ok(const struct tw_jval *v, enum want w)
{
	switch (w) {
	case W_STR: return v->type == TW_JSTR;
	case W_ID:
		if (v->type == TW_JSTR)	/* Snowflake ids: 1 to 20 digits */
			return v->len > 0 && v->len <= 20 && v->flags == 0 &&
			    all_digits(v->p, v->len);
		return v->type == TW_JNUM && (v->flags & TW_JF_INT) &&
		    v->p[0] != '-' && v->len <= 20;
	case W_COUNT: {
		int64_t x;

		/* Counts are integers from 0 that fit 64 bits: 18 digits
		 * always do. */
		if (v->type != TW_JNUM || !(v->flags & TW_JF_INT))
			return 0;
		if (v->p[0] != '-' && v->len <= 18)
			return 1;
		return tw_json_i64(v, &x) == 0 && x >= 0;	/* "-0" is one */
	}
	case W_BOOL: return v->type == TW_JTRUE || v->type == TW_JFALSE;
	case W_OBJ: return v->type == TW_JOBJ;
	case W_ARR: return v->type == TW_JARR;
	case W_ANY: return 1;
	}
	return 0;
}

static void TW_PRINTF(2, 3)
bad(struct tw_flat_ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->f->err[0] == '\0') {
		va_start(ap, fmt);
		vsnprintf(c->f->err, sizeof c->f->err, fmt, ap);
		va_end(ap);
	}
}

static inline __attribute__((always_inline)) const struct tw_jval *
jget_t(struct tw_flat_ctx *c, const struct tw_jval *obj, const char *key,
    size_t klen, enum want w)
{
	const struct tw_jval *v;

	if (obj == NULL)
		return NULL;
	v = tw_json_get(c->j, obj, key, klen);
	if (v == NULL || v->type == TW_JNULL)
		return NULL;
	if (!type_ok(v, w)) {
		bad(c, "field \"%s\" is %s, expected %s", key,
		    w == W_ID && v->type == TW_JSTR ? "a string of other characters" :
		    type_name(v->type), want_name[w]);
		return NULL;
	}
	return v;
}

#define G(c, o, lit, w) jget_t((c), (o), lit, sizeof(lit) - 1, (w))

/* An object member of the given type, or NULL: never an error. Inline,
 * so that the key (a literal) folds into a constant. */
static inline __attribute__((always_inline)) const struct tw_jval *
member(struct tw_flat_ctx *c, const struct tw_jval *o, const char *k,
    int type)
{
	const struct tw_jval *v;

	if (o == NULL || o->type != TW_JOBJ)
		return NULL;
	v = tw_json_get(c->j, o, k, strlen(k));
	return v != NULL && v->type == type ? v : NULL;
}

/*
 * ---- one pass over a tweet's members ----
 * A tweet object is read for some forty keys; one pass that files each
 * member under its key (the first of a repeated key, as tw_json_get)
 * costs less than a lookup per key, most of which miss.
 */
#define TW_TWEET_KEYS(X) \
	X(id) X(id_str) X(text) X(full_text) X(created_at) X(author_id) \
	X(author) X(user) X(lang) X(source) X(conversation_id) \
	X(in_reply_to_user_id) X(in_reply_to_user_id_str) \
	X(in_reply_to_status_id) X(in_reply_to_status_id_str) \
	X(referenced_tweets) X(note_tweet) X(entities) X(extended_entities) \
	X(extended_tweet) X(attachments) X(public_metrics) X(geo) X(place) \
	X(coordinates) X(matching_rules) X(possibly_sensitive) \
	X(reply_settings) X(edit_history_tweet_ids) X(edit_history) \
	X(edit_controls) X(context_annotations) X(withheld) \
	X(withheld_in_countries) X(retweeted_status) X(quoted_status) \
	X(quoted_status_id) X(quoted_status_id_str) X(is_quote_status) \
	X(retweet_count) X(reply_count) X(favorite_count) X(quote_count) \
	X(event_type) X(dm_conversation_id) X(username) X(screen_name) \
	X(record_type) X(data) X(meta) X(statuses) X(results) X(payload) \
	X(topic) X(offset)
#define TK_ENUM(n) TK_##n,
#define KS_NAME(n) #n,
enum { TW_TWEET_KEYS(TK_ENUM) TK_N };
static const char *const tk_names[] = { TW_TWEET_KEYS(KS_NAME) };

#define KS_MAX 64

/*
 * The keys an object is read for, in one pass over its members (see
 * ks_scan): filing each member under its key costs less than a lookup
 * for each key, most of which miss.
 */
struct keyset {
	int n;
	const char *const *name;
	unsigned char len[KS_MAX];
	uint64_t word[KS_MAX];		/* a plain key node's first 8 bytes */
	unsigned char slot[256];	/* key index + 1, 0 for none */
};

static struct keyset tweet_ks;

/* The slot of a key node's first 8 bytes (type, flags, hint, len). */
static inline unsigned
ks_hash(uint64_t w)
{
	return (unsigned)((w * 0x9E3779B97F4A7C15ULL) >> 56);
}

static void
ks_init(struct keyset *ks, const char *const *name, int n)
{
	unsigned h;
	int i;

	memset(ks, 0, sizeof *ks);
	ks->n = n;
	ks->name = name;
	for (i = 0; i < n; i++) {
		ks->len[i] = (unsigned char)strlen(name[i]);
		ks->word[i] = tw_json_keyword(name[i], ks->len[i]);
		for (h = ks_hash(ks->word[i]); ks->slot[h]; h = (h + 1) & 255)
			;
		ks->slot[h] = (unsigned char)(i + 1);
	}
}

/* The keys of a tweet's author that the tweet record reads (v2 and v1.1). */
#define TW_USER_KEYS(X) \
	X(username) X(screen_name) X(name) X(public_metrics) \
	X(followers_count) X(friends_count) X(statuses_count) X(verified) \
	X(location) X(verified_type)
#define UK_ENUM(n) UK_##n,
enum { TW_USER_KEYS(UK_ENUM) UK_N };
static const char *const uk_names[] = { TW_USER_KEYS(KS_NAME) };
static struct keyset user_ks;

static void
tk_init(void)
{
	if (tweet_ks.n != 0)
		return;
	ks_init(&tweet_ks, tk_names, TK_N);
	ks_init(&user_ks, uk_names, UK_N);
}

/*
 * Files the members of object o under the keys of ks in v[0..ks->n)
 * (NULL if absent): the first of a repeated key, and escaped keys
 * compared decoded, as tw_json_get does.
 */
static inline __attribute__((always_inline)) void
ks_scan(struct tw_flat_ctx *c, const struct tw_jval *o,
    const struct keyset *ks, const struct tw_jval **v)
{
	const struct tw_jval *k;
	uint64_t w;
	unsigned h;
	uint32_t m;
	int i;

	memset(v, 0, (size_t)ks->n * sizeof *v);
	if (o == NULL || o->type != TW_JOBJ)
		return;
	for (m = 0, k = o + 1; m < o->len; m++, k = c->j->v + k[1].next) {
		memcpy(&w, k, sizeof w);
		if (TW_UNLIKELY(k->flags != 0)) {
			for (i = 0; i < ks->n; i++)
				if (v[i] == NULL && tw_json_streq(k, ks->name[i], ks->len[i])) {
					v[i] = k + 1;
					break;
				}
			continue;
		}
		for (h = ks_hash(w); ks->slot[h]; h = (h + 1) & 255) {
			i = ks->slot[h] - 1;
			if (ks->word[i] == w && eq_small(ks->name[i], k->p, k->len)) {
				if (v[i] == NULL)
					v[i] = k + 1;
				break;
			}
		}
	}
}

typedef const struct tw_jval *tkeys[TK_N];

/* Files the members of tweet object o under their keys. */
static inline void
tk_scan(struct tw_flat_ctx *c, const struct tw_jval *o, tkeys v)
{
	ks_scan(c, o, &tweet_ks, v);
}

/* A scanned member of the wanted type, as G gives it (null is NULL, a
 * wrong type makes the document bad). */
static inline __attribute__((always_inline)) const struct tw_jval *
ks_get(struct tw_flat_ctx *c, const struct keyset *ks,
    const struct tw_jval *const *v, int i, enum want w)
{
	const struct tw_jval *x = v[i];

	if (x == NULL || x->type == TW_JNULL)
		return NULL;
	if (!type_ok(x, w)) {
		bad(c, "field \"%s\" is %s, expected %s", ks->name[i],
		    w == W_ID && x->type == TW_JSTR ? "a string of other characters" :
		    type_name(x->type), want_name[w]);
		return NULL;
	}
	return x;
}

#define tk_get(c, v, i, w) ks_get((c), &tweet_ks, (v), (i), (w))
#define uk_get(c, v, name, w) ks_get((c), &user_ks, (v), UK_##name, (w))

/* A scanned member of JSON type `type`, or NULL: never an error. */
static const struct tw_jval *
tk_lax(const struct tw_jval *const *v, int i, int type)
{
	return v[i] != NULL && v[i]->type == type ? v[i] : NULL;
}

#define K(v, name, w) tk_get(c, (v), TK_##name, (w))


/* ---- record writing ---- */

/*
 * Appends s[0..n) to o. Inside a record the byte after the end is not
 * kept NUL (tw_buf's invariant): rec_end and a failed document restore
 * it, and nothing reads the buffer in between.
 */
static inline __attribute__((always_inline)) void
out_add(struct tw_buf *o, const char *s, size_t n)
{
	if (TW_UNLIKELY(o->cap - o->len <= n + 32))
		tw_buf_grow(o, n + 32);
	if (n <= 32)
		copy_small(o->p + o->len, s, n);
	else
		memcpy(o->p + o->len, s, n);
	o->len += n;
}

static inline void
out_c(struct tw_buf *o, char ch)
{
	if (TW_UNLIKELY(o->cap - o->len <= 1))
		tw_buf_grow(o, 1);
	o->p[o->len++] = ch;
}

/* Appends v in decimal, written in place. */
static inline void
out_u64(struct tw_buf *o, uint64_t v)
{
	uint64_t t = 10;
	size_t n = 1;

	if (TW_UNLIKELY(o->cap - o->len <= 24))
		tw_buf_grow(o, 24);
	while (n < 20 && v >= t) {
		n++;
		t *= 10;
	}
	tw_fmt_u64(o->p + o->len + n, v);
	o->len += n;
}

static inline void
out_i64(struct tw_buf *o, int64_t v)
{
	if (v < 0) {
		out_c(o, '-');
		out_u64(o, (uint64_t)0 - (uint64_t)v);
	} else {
		out_u64(o, (uint64_t)v);
	}
}

static void
rec_begin(struct tw_flat_ctx *c, enum tw_rtype rt)
{
	c->rt = rt;
	c->on = c->f->on[rt];
	c->keys = c->f->keys[rt];
	c->keylen = c->f->keylen[rt];
	c->reo = c->f->reorder[rt];
	c->track = c->reo || c->f->out_fmt != TW_OUT_NDJSON;
	c->npos = 0;
	c->rec_start = c->out->len;
	/* no '{' yet: every key comes with a comma before it, and the
	 * first one's becomes the '{' (rec_end) */
}

/* The longest key: ,"name": for a name of 64 bytes. */
#define KEY_ROOM 72

/*
 * Writes ,"name": for field idx when it is selected; returns 1 if the
 * value follows. Inlined: a record has some seventy fields.
 */
static inline __attribute__((always_inline)) int
key(struct tw_flat_ctx *c, int idx)
{
	struct tw_buf *o = c->out;
	size_t kl;

	if (!c->on[idx])
		return 0;
	if (TW_UNLIKELY(o->cap - o->len <= KEY_ROOM + 32))
		tw_buf_grow(o, KEY_ROOM + 32);
	if (TW_UNLIKELY(c->track) && c->npos < TW_FLAT_MAXF) {
		c->pos[c->npos] = o->len;
		c->pidx[c->npos++] = (short)idx;
	}
	/* keys are stored in at least 32 bytes (set_key) */
	kl = c->keylen[idx];
	memcpy(o->p + o->len, c->keys[idx], 32);
	if (TW_UNLIKELY(kl > 32))
		memcpy(o->p + o->len + 32, c->keys[idx] + 32, kl - 32);
	o->len += kl;
	return 1;
}

/*
 * Puts the fields of the record just written in the order -f gave:
 * they were written in schema order, each field's text (its comma
 * first) starting at pos[] and ending where the next one's starts.
 */
static void
reorder(struct tw_flat_ctx *c)
{
	struct tw_buf *r = &c->f->reo;
	const short *ord = c->f->order[c->rt];
	size_t end = c->out->len, a, b;
	int i, k;

	for (i = 0; i < c->npos; i++)
		c->where[c->pidx[i]] = (short)i;
	tw_buf_reset(r);
	for (i = 0; i < c->f->norder[c->rt]; i++) {
		if (!c->on[ord[i]] || (k = c->where[ord[i]]) < 0)
			continue;
		a = c->pos[k];
		b = k + 1 < c->npos ? c->pos[k + 1] : end;
		tw_buf_add(r, c->out->p + a, b - a);
	}
	for (i = 0; i < c->npos; i++)
		c->where[c->pidx[i]] = -1;
	c->out->len = c->rec_start;
	tw_buf_add(c->out, r->p, r->len);
}

/*
 * Decodes the inside of a JSON string this module wrote (canonical) into
 * b, NUL bytes kept (a kafka key).
 */
static void
canon_decode(struct tw_buf *b, const char *q, size_t n)
{
	const char *e = q + n, *bs;
	char ch;

	while (q < e) {
		if ((bs = memchr(q, '\\', (size_t)(e - q))) == NULL) {
			out_add(b, q, (size_t)(e - q));
			return;
		}
		out_add(b, q, (size_t)(bs - q));
		switch (bs[1]) {
		case 'b': ch = '\b'; break;
		case 'f': ch = '\f'; break;
		case 'n': ch = '\n'; break;
		case 'r': ch = '\r'; break;
		case 't': ch = '\t'; break;
		case 'u':	/* \u00XX: a control character */
			ch = (char)((bs[4] <= '9' ? bs[4] - '0' : bs[4] - 'a' + 10) << 4 |
			    (bs[5] <= '9' ? bs[5] - '0' : bs[5] - 'a' + 10));
			q = bs + 6;
			out_c(b, ch);
			continue;
		default: ch = bs[1]; break;	/* \" and \\ */
		}
		out_c(b, ch);
		q = bs + 2;
	}
}

/*
 * Appends the JSON value v[0..n) (as this module writes it) as one CSV
 * field, as tw_csv_add_value would from its parse: null empty, numbers
 * and booleans bare, strings decoded without NUL bytes and quoted,
 * arrays and objects quoted as they are.
 */
static inline void
csv_field(struct tw_buf *b, const char *v, size_t n)
{
	switch (v[0]) {
	case 'n':
		return;
	case '"':
		tw_csv_quote(b, v + 1, n - 2, 1);
		return;
	case '[': case '{':
		tw_csv_quote(b, v, n, 0);
		return;
	default:
		out_add(b, v, n);
	}
}

/* The text of field idx in the record being written, or NULL. */
static const char *
field_text(struct tw_flat_ctx *c, int idx, size_t end, size_t *n)
{
	int k;

	for (k = 0; k < c->npos; k++)
		if (c->pidx[k] == idx) {
			size_t a = c->pos[k] + c->keylen[idx];

			*n = (k + 1 < c->npos ? c->pos[k + 1] : end) - a;
			return c->out->p + a;
		}
	return NULL;
}

/*
 * Replaces the record being written by its CSV row: the columns of
 * tw_flatten_columns, a field the record lacks empty.
 */
static void
csv_row(struct tw_flat_ctx *c)
{
	struct tw_buf *r = &c->f->reo, *o = c->out;
	const short *ord = c->f->order[c->rt];
	size_t end = o->len, a, b;
	int i, k, n = 0;

	for (i = 0; i < c->npos; i++)
		if (c->where[c->pidx[i]] < 0)
			c->where[c->pidx[i]] = (short)i;	/* the first */
	tw_buf_reset(r);
	for (i = 0; i < c->f->norder[c->rt]; i++) {
		if (!c->on[ord[i]])
			continue;
		if (n++)
			out_c(r, ',');
		if ((k = c->where[ord[i]]) < 0)
			continue;
		a = c->pos[k] + c->keylen[ord[i]];
		b = k + 1 < c->npos ? c->pos[k + 1] : end;
		csv_field(r, o->p + a, b - a);
	}
	out_c(r, '\n');
	for (i = 0; i < c->npos; i++)
		c->where[c->pidx[i]] = -1;
	o->len = c->rec_start;
	tw_buf_add(o, r->p, r->len);
}

/* Tabs and line ends in the key made spaces: they would split the line. */
static void
key_text_spaces(struct tw_flatten *f)
{
	size_t i;

	for (i = 0; i < f->keyb.len; i++)
		if (f->keyb.p[i] == '\t' || f->keyb.p[i] == '\n' || f->keyb.p[i] == '\r')
			f->keyb.p[i] = ' ';
}

/*
 * The key of a keyed record (TW_OUT_KEYED) into f->keyb, from the JSON
 * text of its key field v[0..n) (NULL when the record lacks it): a
 * string decoded, null empty, anything else as JSON; tabs and line ends
 * in it made spaces.
 */
static void
key_text(struct tw_flatten *f, const char *v, size_t n)
{
	tw_buf_reset(&f->keyb);
	if (v == NULL || v[0] == 'n')
		return;
	if (v[0] == '"')
		canon_decode(&f->keyb, v + 1, n - 2);
	else
		out_add(&f->keyb, v, n);
	key_text_spaces(f);
}

/* Puts f->keyb and a tab before the record that starts at `at`. */
static void
key_insert(struct tw_flatten *f, struct tw_buf *o, size_t at)
{
	size_t kl = f->keyb.len + 1;

	tw_buf_grow(o, kl);
	memmove(o->p + at + kl, o->p + at, o->len - at);
	if (f->keyb.len > 0)
		memcpy(o->p + at, f->keyb.p, f->keyb.len);
	o->p[at + kl - 1] = '\t';
	o->len += kl;
	o->p[o->len] = '\0';
}

static void
rec_end(struct tw_flat_ctx *c)
{
	struct tw_flatten *f = c->f;

	if (f->out_fmt == TW_OUT_CSV) {
		csv_row(c);
		f->n_out[c->rt]++;
		return;
	}
	if (f->out_fmt == TW_OUT_KEYED) {
		const char *v = NULL;
		size_t n = 0;

		if (f->key_idx[c->rt] >= 0)
			v = field_text(c, f->key_idx[c->rt], c->out->len, &n);
		key_text(f, v, n);
	}
	if (c->reo)
		reorder(c);
	if (c->out->len == c->rec_start)
		out_c(c->out, '{');	/* no field at all */
	else
		c->out->p[c->rec_start] = '{';	/* the first field's comma */
	tw_buf_add(c->out, "}\n", 2);	/* and the NUL after it */
	if (f->out_fmt == TW_OUT_KEYED)
		key_insert(f, c->out, c->rec_start);
	f->n_out[c->rt]++;
}

static inline __attribute__((always_inline)) void
put_null(struct tw_flat_ctx *c)
{
	out_add(c->out, "null", 4);
}

static inline __attribute__((always_inline)) void
put_str(struct tw_flat_ctx *c, const struct tw_jval *v)
{
	if (v == NULL || v->type != TW_JSTR)
		put_null(c);
	else if (TW_LIKELY(v->flags == 0 && v->len <= 30)) {
		struct tw_buf *o = c->out;

		/* the common short plain string: as tw_json_str_emit */
		if (TW_UNLIKELY(o->cap - o->len <= 64))
			tw_buf_grow(o, 64);
		o->p[o->len] = '"';
		copy_small(o->p + o->len + 1, v->p, v->len);
		o->p[o->len + 1 + v->len] = '"';
		o->len += v->len + 2;
	} else if (tw_json_str_emit(c->out, v))
		c->f->n_repaired++;
}

static void
put_lit(struct tw_flat_ctx *c, const char *s)
{
	out_c(c->out, '"');
	out_add(c->out, s, strlen(s));
	out_c(c->out, '"');
}

/* An id as a decimal string, exact: from a string or an integer number. */
static inline __attribute__((always_inline)) void
put_id(struct tw_flat_ctx *c, const struct tw_jval *v)
{
	if (v == NULL)
		put_null(c);
	else if (v->type == TW_JSTR)
		put_str(c, v);
	else if (v->type == TW_JNUM && (v->flags & TW_JF_INT)) {
		out_c(c->out, '"');
		out_add(c->out, v->p, v->len);
		out_c(c->out, '"');
	} else
		put_null(c);
}

static inline __attribute__((always_inline)) void
put_num(struct tw_flat_ctx *c, const struct tw_jval *v)
{
	if (v == NULL || v->type != TW_JNUM)
		put_null(c);
	else
		out_add(c->out, v->p, v->len);
}

static inline __attribute__((always_inline)) void
put_b(struct tw_flat_ctx *c, int b)
{
	if (b)
		out_add(c->out, "true", 4);
	else
		out_add(c->out, "false", 5);
}

static inline __attribute__((always_inline)) void
put_bool(struct tw_flat_ctx *c, const struct tw_jval *v)
{
	if (v == NULL || (v->type != TW_JTRUE && v->type != TW_JFALSE))
		put_null(c);
	else
		put_b(c, v->type == TW_JTRUE);
}

/* An integer, or null when !have. */
static inline __attribute__((always_inline)) void
put_int(struct tw_flat_ctx *c, int have, int64_t x)
{
	if (have)
		out_i64(c->out, x);
	else
		put_null(c);
}

static void
put_double(struct tw_flat_ctx *c, int have, double d)
{
	if (!have)
		put_null(c);
	else
		tw_buf_add_double(c->out, d);
}

/*
 * A coordinate read from number text v (value d): what put_double writes,
 * without printf when the text is a plain decimal of at most 15
 * significant digits (any such decimal survives a double, so "%.15g"
 * gives its digits back, trailing zeros dropped) and not below 1e-4
 * ("%g" would go to an exponent).
 */
static void
put_coord(struct tw_flat_ctx *c, int have, double d, const struct tw_jval *v)
{
	const char *p, *e, *dot = NULL, *first = NULL;
	int sig = 0;

	if (!have || v == NULL || d == (double)(int64_t)d || fabs(d) < 1e-4) {
		put_double(c, have, d);
		return;
	}
	p = v->p;
	e = v->p + v->len;
	if (p < e && *p == '-')
		p++;
	for (; p < e; p++) {
		if (*p == '.' && dot == NULL)
			dot = p;
		else if (*p < '0' || *p > '9')
			break;		/* an exponent */
		else if (first != NULL || *p != '0')
			first = first ? first : p;
	}
	if (p != e || dot == NULL || first == NULL) {
		put_double(c, have, d);
		return;
	}
	while (e[-1] == '0')	/* trailing zeros of the fraction */
		e--;
	for (p = first; p < e; p++)
		sig += *p != '.';
	if (sig > 15) {
		put_double(c, have, d);
		return;
	}
	out_add(c->out, v->p, (size_t)(e - v->p));
}

static void
put_time(struct tw_flat_ctx *c, int have, int64_t ms)
{
	if (!have) {
		put_null(c);
		return;
	}
	out_c(c->out, '"');
	tw_buf_add_iso(c->out, ms);
	out_c(c->out, '"');
}

/*
 * 1 when v's text is a time as put_time writes it, YYYY-MM-DDTHH:MM:SS.mmmZ
 * with seconds below 60: when tw_time_parse accepted it, its milliseconds
 * written back give the same 24 bytes, so they can be copied instead.
 */
static int
iso_canon(const struct tw_jval *v)
{
	return v != NULL && v->type == TW_JSTR && v->flags == 0 &&
	    tw_time_iso24(v->p, v->len) && v->p[17] < '6';
}

/* put_time for a time read from text v: v itself when it is canonical. */
static void
put_time_text(struct tw_flat_ctx *c, int have, int64_t ms,
    const struct tw_jval *v)
{
	if (have && iso_canon(v))
		put_str(c, v);	/* a plain string: copied between quotes */
	else
		put_time(c, have, ms);
}

/*
 * Tweet text: decoded, with the HTML escapes the API adds (&amp; &lt;
 * &gt;) undone, as a JSON string.
 */
static void
put_text(struct tw_flat_ctx *c, const struct tw_jval *v)
{
	if (v == NULL || v->type != TW_JSTR)
		put_null(c);
	else if (tw_json_str_emit_html(c->out, v))
		c->f->n_repaired++;
}

/* v1.1 source is an HTML anchor; keep its text, as v2 sends it. */
static void
put_source(struct tw_flat_ctx *c, const struct tw_jval *v)
{
	struct tw_buf *t = &c->f->tmp;
	const char *gt, *lt;

	if (v == NULL || v->type != TW_JSTR) {
		put_null(c);
		return;
	}
	/* The wire form usually escapes '<' as \u003c: look at the
	 * decoded text. */
	if (v->len < 2 || (v->p[0] != '<' && v->p[0] != '\\')) {
		put_str(c, v);
		return;
	}
	tw_buf_reset(t);
	tw_json_str_decode(t, v);
	if (t->len < 2 || t->p[0] != '<') {
		put_str(c, v);
		return;
	}
	gt = memchr(t->p, '>', t->len);
	lt = gt ? memchr(gt, '<', t->len - (size_t)(gt - t->p)) : NULL;
	if (gt && lt)
		tw_buf_add_jstr(c->out, gt + 1, (size_t)(lt - gt - 1));
	else
		tw_buf_add_jstr(c->out, t->p, t->len);
}

/* Lowercases the common cased scripts: ASCII, Latin-1, Greek, Cyrillic. */
static uint32_t
lower_cp(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
	if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) ||
	    (cp >= 0x391 && cp <= 0x3AB && cp != 0x3A2) ||
	    (cp >= 0x410 && cp <= 0x42F))
		return cp + 32;
	if (cp >= 0x400 && cp <= 0x40F)
		return cp + 80;
	if (cp >= 0x100 && cp <= 0x17F && cp != 0x130 && cp != 0x131 &&
	    cp != 0x138 && cp != 0x149 && cp != 0x17F) {
		/* Latin Extended-A alternates upper/lower, in two runs. */
		if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E))
			return (cp & 1) ? cp + 1 : cp;
		return (cp & 1) ? cp : cp + 1;
	}
	return cp;
}

static void
lower_utf8(struct tw_buf *dst, const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;
	char *o;

	/* Lowercase has the length of its uppercase in these scripts. */
	tw_buf_grow(dst, n);
	o = dst->p + dst->len;
	while (i < n) {
		uint32_t cp;

		if (u[i] < 0x80) {
			*o++ = (char)lower_cp(u[i]);
			i++;
		} else if ((u[i] & 0xE0) == 0xC0 && i + 1 < n) {
			cp = lower_cp((uint32_t)(u[i] & 0x1F) << 6 | (u[i + 1] & 0x3F));
			*o++ = (char)(0xC0 | cp >> 6);
			*o++ = (char)(0x80 | (cp & 0x3F));
			i += 2;
		} else {
			/* Scripts above U+07FF have no case we fold: copy. */
			k = (u[i] & 0xF0) == 0xE0 ? 3 : (u[i] & 0xF8) == 0xF0 ? 4 : 1;
			if (i + k > n)
				k = n - i;
			memcpy(o, s + i, k);
			o += k;
			i += k;
		}
	}
	dst->len = (size_t)(o - dst->p);
	dst->p[dst->len] = '\0';
}

/* ---- arrays of the flat tweet ---- */

/*
 * A url entity that is the link of an attached photo or video, not a
 * link the user shared: v2 gives it a media_key (older v2 payloads do
 * not), and its display_url is pic.twitter.com/... in v1.1 and v2.
 */
static int
media_link(struct tw_flat_ctx *c, const struct tw_jval *e)
{
	const struct tw_jval *d;

	if (e->type != TW_JOBJ)
		return 0;
	if (TW_JGET(c->j, e, "media_key") != NULL)
		return 1;
	d = TW_JGET(c->j, e, "display_url");
	return d != NULL && d->type == TW_JSTR &&
	    ((d->len >= 15 && memcmp(d->p, "pic.twitter.com", 15) == 0) ||
	    (d->len >= 9 && memcmp(d->p, "pic.x.com", 9) == 0));
}

enum {
	PS_LOWER = 1,		/* lowercase (hashtags) */
	PS_NOMEDIA = 2,		/* leave out media links (urls) */
	PS_UPPER = 4,		/* ASCII uppercase (cashtags) */
	PS_ID = 8,		/* ids: a string of digits or an integer */
	PS_NAME = 16		/* the "name" of the object at `field` */
};

/* The string (or with PS_ID, id) that element e of a list contributes:
 * its member `field` (flen bytes), or `alt`, or e itself. */
static const struct tw_jval *
pick(struct tw_flat_ctx *c, const struct tw_jval *e, const char *field,
    size_t flen, const char *alt, int flags)
{
	const struct tw_jval *s = e;

	if (field != NULL) {
		if (e->type != TW_JOBJ)
			return NULL;
		s = tw_json_get(c->j, e, field, flen);
		if ((s == NULL || s->type != TW_JSTR) && alt != NULL &&
		    !(flags & PS_NAME))
			s = tw_json_get(c->j, e, alt, strlen(alt));
		if (s != NULL && (flags & PS_NAME))
			s = s->type == TW_JOBJ ? TW_JGET(c->j, s, "name") : NULL;
	}
	if (s == NULL)
		return NULL;
	if (flags & PS_ID)
		return type_ok(s, W_ID) ? s : NULL;
	return s->type == TW_JSTR ? s : NULL;
}

/* 1 when s[0..n) is all ASCII. */
static int
ascii(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/*
 * Appends unique strings taken from key `field` (or `alt`) of each object
 * of arr, or from the elements themselves when field is NULL, as a JSON
 * list; flags as above. [] when arr is NULL.
 *
 * A plain string (no escape, valid UTF-8) is its own decoded text and
 * its own JSON: it is compared and copied from the input. Others are
 * decoded, or case-folded, into tmp first.
 */
static void
put_strings_of(struct tw_flat_ctx *c, const struct tw_jval *arr,
    const char *field, const char *alt, int flags)
{
	struct item {
		const char *raw;	/* the text in the input, or NULL: */
		size_t off;		/* at tmp.p + off */
		size_t len;
		int esc;		/* may need JSON escapes */
	} it[64];
	const struct tw_jval *e, *s;
	struct tw_buf *t = &c->f->tmp, *o = c->out;
	size_t ns = 0, k, flen;
	uint32_t i;

	out_c(o, '[');
	if (arr != NULL && arr->type == TW_JARR && arr->len > 0) {
		flen = field != NULL ? strlen(field) : 0;
		tw_buf_reset(t);
		for (i = 0, e = arr + 1; i < arr->len; i++, e = tw_json_after(c->j, e)) {
			struct item x;
			const char *xp;

			if ((flags & PS_NOMEDIA) && media_link(c, e))
				continue;
			if ((s = pick(c, e, field, flen, alt, flags)) == NULL)
				continue;
			x.raw = NULL;
			x.off = t->len;
			x.esc = 0;
			if (s->type == TW_JNUM) {
				x.raw = s->p;	/* an integer id */
			} else if (flags & PS_LOWER) {
				if (s->flags == 0 && ascii(s->p, s->len)) {
					tw_buf_grow(t, s->len);
					for (k = 0; k < s->len; k++) {
						char ch = s->p[k];

						t->p[t->len++] = ch >= 'A' && ch <= 'Z' ?
						    (char)(ch + 32) : ch;
					}
				} else {
					struct tw_buf *d = &c->f->tmp2;

					tw_buf_reset(d);
					tw_json_str_decode(d, s);
					lower_utf8(t, d->p, d->len);
					x.esc = s->flags != 0;
				}
			} else if (s->flags == 0 && !(flags & PS_UPPER)) {
				x.raw = s->p;
			} else {
				if (tw_json_str_decode(t, s))
					c->f->n_repaired++;
				x.esc = s->flags != 0;
			}
			x.len = x.raw ? s->len : t->len - x.off;
			if (flags & PS_UPPER)
				for (k = x.off; k < t->len; k++)
					if (t->p[k] >= 'a' && t->p[k] <= 'z')
						t->p[k] = (char)(t->p[k] - 32);
			xp = x.raw ? x.raw : t->p + x.off;
			for (k = 0; k < ns; k++)
				if (it[k].len == x.len && memcmp(it[k].raw ? it[k].raw :
				    t->p + it[k].off, xp, x.len) == 0)
					break;
			if (k < ns || ns == 64) {
				t->len = x.off;
				continue;
			}
			it[ns++] = x;
		}
		for (k = 0; k < ns; k++) {
			const char *xp = it[k].raw ? it[k].raw : t->p + it[k].off;

			if (k)
				out_c(o, ',');
			if (it[k].esc) {
				tw_buf_add_jstr(o, xp, it[k].len);
			} else {
				out_c(o, '"');
				out_add(o, xp, it[k].len);
				out_c(o, '"');
			}
		}
	}
	out_c(o, ']');
}

/*
 * put_strings_of with PS_ID alone: an id is a plain string of digits or
 * an integer (type_ok), so its text is its value, compared and copied as
 * it stands.
 */
static void
put_ids(struct tw_flat_ctx *c, const struct tw_jval *arr, const char *field,
    const char *alt)
{
	const struct tw_jval *seen[64], *e, *s;
	struct tw_buf *o = c->out;
	size_t flen = field != NULL ? strlen(field) : 0;
	uint32_t i;
	int ns = 0, k;

	out_c(o, '[');
	for (i = 0, e = arr + 1; i < arr->len; i++, e = tw_json_after(c->j, e)) {
		if ((s = pick(c, e, field, flen, alt, PS_ID)) == NULL)
			continue;
		for (k = 0; k < ns; k++)
			if (seen[k]->len == s->len &&
			    memcmp(seen[k]->p, s->p, s->len) == 0)
				break;
		if (k < ns || ns == 64)
			continue;
		if (ns > 0)
			out_c(o, ',');
		seen[ns++] = s;
		out_c(o, '"');
		out_add(o, s->p, s->len);
		out_c(o, '"');
	}
	out_c(o, ']');
}

/* put_strings_of, with an absent or empty list ([]) written inline. */
static inline __attribute__((always_inline)) void
put_strings(struct tw_flat_ctx *c, const struct tw_jval *arr,
    const char *field, const char *alt, int flags)
{
	if (arr == NULL || arr->type != TW_JARR || arr->len == 0)
		out_add(c->out, "[]", 2);
	else if (flags == PS_ID)
		put_ids(c, arr, field, alt);
	else
		put_strings_of(c, arr, field, alt, flags);
}

/* put_strings, but null when the payload has no such list at all. */
static void
put_list(struct tw_flat_ctx *c, const struct tw_jval *arr, const char *field,
    const char *alt, int flags)
{
	if (arr == NULL || arr->type != TW_JARR)
		put_null(c);
	else
		put_strings(c, arr, field, alt, flags);
}

/* ---- lookups in v2 includes ---- */

/* A hash of a key's type and raw bytes, eight at a time. */
static uint64_t
key_hash(const struct tw_jval *k)
{
	const char *p = k->p;
	size_t n = k->len, i;
	uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ULL ^ k->type, x;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&x, p, 8);
		h = (h ^ x) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	for (x = 0, i = 0; i < n; i++)
		x |= (uint64_t)(unsigned char)p[i] << (8 * i);
	h = (h ^ x) * 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 29);
}

/* 1 when two keys have the same type and raw bytes (find_by's test). */
static inline int
key_same(const struct tw_jval *a, const struct tw_jval *b)
{
	return a->len == b->len && a->type == b->type &&
	    memcmp(a->p, b->p, a->len) == 0;
}

/*
 * Indexes arr (a long array of objects) by the value of `field` in each
 * element: the first element with a value wins, as in a search in
 * order. Returns the index, or NULL when the document has too many.
 */
static const struct findex *
findex_build(struct tw_flat_ctx *c, const struct tw_jval *arr,
    const char *field, size_t flen)
{
	const struct tw_jval *tape = c->j->v, *e, *k;
	struct findex *x;
	uint32_t i, mask = 15;
	size_t h;

	if (c->nfx == NFINDEX)
		return NULL;
	while (mask < arr->len * 2)
		mask = mask * 2 + 1;
	if (c->hcap - c->hused < (size_t)mask + 1) {
		c->hcap = (c->hused + mask + 1) * 2;
		c->hslot = tw_xrealloc(c->hslot, c->hcap * sizeof *c->hslot);
	}
	x = &c->fx[c->nfx++];
	x->arr = arr;
	x->field = field;
	x->off = c->hused;
	x->mask = mask;
	c->hused += (size_t)mask + 1;
	memset(c->hslot + x->off, 0, ((size_t)mask + 1) * sizeof *c->hslot);
	for (i = 0, e = arr + 1; i < arr->len; i++, e = tw_json_after(c->j, e)) {
		if (e->type != TW_JOBJ || (k = tw_json_get(c->j, e, field, flen)) == NULL)
			continue;
		for (h = key_hash(k) & mask; c->hslot[x->off + h]; h = (h + 1) & mask)
			if (key_same(tape + (uint32_t)c->hslot[x->off + h], k))
				break;
		if (c->hslot[x->off + h] == 0)
			c->hslot[x->off + h] = (uint64_t)(e - tape) << 32 |
			    (uint64_t)(k - tape);
	}
	return x;
}

/*
 * The first object of array arr whose `field` has id's type and raw
 * bytes, or NULL. Long arrays (a page's includes) are indexed on the
 * first search; short ones are searched in order.
 */
static const struct tw_jval *
find_by(struct tw_flat_ctx *c, const struct tw_jval *arr, const char *field,
    const struct tw_jval *id)
{
	const struct tw_jval *e, *k;
	size_t flen;
	uint32_t i;
	int n;

	if (arr == NULL || id == NULL || arr->type != TW_JARR)
		return NULL;
	flen = strlen(field);
	if (arr->len >= FINDEX_MIN) {
		const struct findex *x = NULL;
		const struct tw_jval *tape = c->j->v;
		size_t h;

		for (n = 0; n < c->nfx; n++)
			if (c->fx[n].arr == arr && strcmp(c->fx[n].field, field) == 0)
				x = &c->fx[n];
		if (x == NULL)
			x = findex_build(c, arr, field, flen);
		if (x != NULL) {
			for (h = key_hash(id) & x->mask; c->hslot[x->off + h];
			    h = (h + 1) & x->mask)
				if (key_same(tape + (uint32_t)c->hslot[x->off + h], id))
					return tape + (c->hslot[x->off + h] >> 32);
			return NULL;
		}
	}
	for (i = 0, e = arr + 1; i < arr->len; i++, e = tw_json_after(c->j, e)) {
		if (e->type != TW_JOBJ)
			continue;
		k = tw_json_get(c->j, e, field, flen);
		if (k != NULL && key_same(k, id))
			return e;
	}
	return NULL;
}

/* ---- event time of dimension records ---- */

/*
 * A user or place of a v2 page's includes gets the time of the first
 * tweet of the document that references it (its author, the user it
 * replies to, a user it mentions, the author of what it retweets or
 * quotes, the place it is tagged with), or else the document's newest
 * tweet's time. v1.1 and twarc2 flattened tweets carry their users and
 * places inside the tweet: they get that tweet's time (in_tweet).
 */
static void
ref_note(struct tw_flat_ctx *c, unsigned kind, const struct tw_jval *id,
    int64_t ts)
{
	uint64_t h;
	size_t i;

	if (id == NULL || c->nref >= REFCAP / 2)
		return;
	h = hash_bytes(id->p, id->len, kind);
	for (i = h & (REFCAP - 1); c->ref[i].gen == c->gen; i = (i + 1) & (REFCAP - 1))
		if (c->ref[i].h == h)
			return;		/* the first tweet's time stays */
	c->ref[i].h = h;
	c->ref[i].ts = ts;
	c->ref[i].gen = c->gen;
	c->nref++;
}

static int
ref_get(struct tw_flat_ctx *c, unsigned kind, const struct tw_jval *id,
    int64_t *ts)
{
	uint64_t h;
	size_t i;

	if (id == NULL || c->nref == 0)
		return 0;
	h = hash_bytes(id->p, id->len, kind);
	for (i = h & (REFCAP - 1); c->ref[i].gen == c->gen; i = (i + 1) & (REFCAP - 1))
		if (c->ref[i].h == h) {
			*ts = c->ref[i].ts;
			return 1;
		}
	return 0;
}

/* ---- dimension records ---- */

/*
 * The event time of a user (kind 1) or place (kind 2) record: see
 * dim_time below.
 */
static void
put_dim_ts(struct tw_flat_ctx *c, unsigned kind, const struct tw_jval *id)
{
	int64_t ts;

	if (c->in_tweet) {
		/* seen in this tweet (v1.1, twarc2 flattened) */
		if (c->cur_have) out_i64(c->out, c->cur_ts); else put_null(c);
	} else if (ref_get(c, kind, id, &ts)) {
		out_i64(c->out, ts);
	} else if (c->have_newest) {
		out_i64(c->out, c->newest_ts);
	} else {
		put_null(c);
	}
}

/* A user's pinned tweet id: v2 pinned_tweet_id, or the first of v1.1's
 * pinned_tweet_ids_str; never an error. */
static const struct tw_jval *
pinned(struct tw_flat_ctx *c, const struct tw_jval *u, const char *k)
{
	const struct tw_jval *v = u ? tw_json_get(c->j, u, k, strlen(k)) : NULL;

	if (v != NULL && v->type == TW_JARR)
		v = v->len > 0 ? v + 1 : NULL;
	return v != NULL && type_ok(v, W_ID) ? v : NULL;
}

static void
v2_user(struct tw_flat_ctx *c, const struct tw_jval *u)
{
	const struct tw_jval *pm, *id;
	int64_t ms;
	const struct tw_jval *ca;
	int have;

	if (!(c->f->types & (1u << TW_R_USER)) || u == NULL)
		return;
	id = G(c, u, "id", W_ID);
	if (id == NULL || seen_once(c, 1, id))
		return;
	pm = G(c, u, "public_metrics", W_OBJ);
	ca = G(c, u, "created_at", W_STR);
	have = ca && tw_time_parse(ca->p, ca->len, &ms) == 0;
	rec_begin(c, TW_R_USER);
	if (key(c, TWF_U_record_type)) put_lit(c, "user");
	if (key(c, TWF_U_id)) put_id(c, id);
	if (key(c, TWF_U_username)) put_str(c, G(c, u, "username", W_STR));
	if (key(c, TWF_U_name)) put_str(c, G(c, u, "name", W_STR));
	if (key(c, TWF_U_created_at)) put_time(c, have, ms);
	if (key(c, TWF_U_description)) put_str(c, G(c, u, "description", W_STR));
	if (key(c, TWF_U_location)) put_str(c, G(c, u, "location", W_STR));
	if (key(c, TWF_U_url)) put_str(c, G(c, u, "url", W_STR));
	if (key(c, TWF_U_verified)) put_bool(c, G(c, u, "verified", W_BOOL));
	if (key(c, TWF_U_protected)) put_bool(c, G(c, u, "protected", W_BOOL));
	if (key(c, TWF_U_followers_count)) put_num(c, G(c, pm, "followers_count", W_COUNT));
	if (key(c, TWF_U_following_count)) put_num(c, G(c, pm, "following_count", W_COUNT));
	if (key(c, TWF_U_tweet_count)) put_num(c, G(c, pm, "tweet_count", W_COUNT));
	if (key(c, TWF_U_listed_count)) put_num(c, G(c, pm, "listed_count", W_COUNT));
	if (key(c, TWF_U_profile_image_url)) put_str(c, G(c, u, "profile_image_url", W_STR));
	if (key(c, TWF_U_verified_type)) put_str(c, member(c, u, "verified_type", TW_JSTR));
	if (key(c, TWF_U_pinned_tweet_id)) put_id(c, pinned(c, u, "pinned_tweet_id"));
	if (key(c, TWF_U_ts)) put_dim_ts(c, 1, id);
	rec_end(c);
}

static void
v1_user(struct tw_flat_ctx *c, const struct tw_jval *u)
{
	const struct tw_jval *id, *ca, *img;
	int64_t ms;
	int have;

	if (!(c->f->types & (1u << TW_R_USER)) || u == NULL)
		return;
	id = G(c, u, "id_str", W_STR);
	if (id == NULL)
		id = G(c, u, "id", W_ID);
	if (id == NULL || seen_once(c, 1, id))
		return;
	ca = G(c, u, "created_at", W_STR);
	have = ca && tw_time_parse(ca->p, ca->len, &ms) == 0;
	img = G(c, u, "profile_image_url_https", W_STR);
	if (img == NULL)
		img = G(c, u, "profile_image_url", W_STR);
	rec_begin(c, TW_R_USER);
	if (key(c, TWF_U_record_type)) put_lit(c, "user");
	if (key(c, TWF_U_id)) put_id(c, id);
	if (key(c, TWF_U_username)) put_str(c, G(c, u, "screen_name", W_STR));
	if (key(c, TWF_U_name)) put_str(c, G(c, u, "name", W_STR));
	if (key(c, TWF_U_created_at)) put_time(c, have, ms);
	if (key(c, TWF_U_description)) put_str(c, G(c, u, "description", W_STR));
	if (key(c, TWF_U_location)) put_str(c, G(c, u, "location", W_STR));
	if (key(c, TWF_U_url)) put_str(c, G(c, u, "url", W_STR));
	if (key(c, TWF_U_verified)) put_bool(c, G(c, u, "verified", W_BOOL));
	if (key(c, TWF_U_protected)) put_bool(c, G(c, u, "protected", W_BOOL));
	if (key(c, TWF_U_followers_count)) put_num(c, G(c, u, "followers_count", W_COUNT));
	if (key(c, TWF_U_following_count)) put_num(c, G(c, u, "friends_count", W_COUNT));
	if (key(c, TWF_U_tweet_count)) put_num(c, G(c, u, "statuses_count", W_COUNT));
	if (key(c, TWF_U_listed_count)) put_num(c, G(c, u, "listed_count", W_COUNT));
	if (key(c, TWF_U_profile_image_url)) put_str(c, img);
	if (key(c, TWF_U_verified_type)) put_str(c, member(c, u, "verified_type", TW_JSTR));
	if (key(c, TWF_U_pinned_tweet_id)) put_id(c, pinned(c, u, "pinned_tweet_ids_str"));
	if (key(c, TWF_U_ts)) put_dim_ts(c, 1, id);
	rec_end(c);
}

/* Bounding box [w,s,e,n] of a v2 place (geo.bbox) or a v1.1 polygon. */
static int
place_bbox(struct tw_flat_ctx *c, const struct tw_jval *p, double bb[4])
{
	const struct tw_jval *geo, *box, *poly, *ring, *pt, *e;
	uint32_t i, k;
	int n = 0;

	geo = G(c, p, "geo", W_OBJ);
	box = G(c, geo, "bbox", W_ARR);
	if (box != NULL && box->len == 4) {
		for (i = 0, e = box + 1; i < 4; i++, e = tw_json_after(c->j, e))
			if (tw_json_double(e, &bb[i]) != 0)
				return 0;
		return 1;
	}
	poly = G(c, G(c, p, "bounding_box", W_OBJ), "coordinates", W_ARR);
	ring = poly && poly->len > 0 ? poly + 1 : NULL;
	if (ring == NULL || ring->type != TW_JARR)
		return 0;
	for (i = 0, pt = ring + 1; i < ring->len; i++, pt = tw_json_after(c->j, pt)) {
		double lon, lat;

		if (pt->type != TW_JARR || pt->len < 2)
			return 0;
		e = pt + 1;
		if (tw_json_double(e, &lon) != 0)
			return 0;
		e = tw_json_after(c->j, e);
		if (tw_json_double(e, &lat) != 0)
			return 0;
		if (n++ == 0) {
			bb[0] = bb[2] = lon;
			bb[1] = bb[3] = lat;
		}
		if (lon < bb[0]) bb[0] = lon;
		if (lon > bb[2]) bb[2] = lon;
		if (lat < bb[1]) bb[1] = lat;
		if (lat > bb[3]) bb[3] = lat;
		(void)k;
	}
	return n > 0;
}

static void
place_rec(struct tw_flat_ctx *c, const struct tw_jval *p)
{
	const struct tw_jval *id;
	double bb[4];
	int have, i;

	if (!(c->f->types & (1u << TW_R_PLACE)) || p == NULL)
		return;
	id = G(c, p, "id", W_STR);
	if (id == NULL)
		id = G(c, p, "place_id", W_STR);	/* twarc merges it into geo */
	if (id == NULL || seen_once(c, 2, id))
		return;
	have = place_bbox(c, p, bb);
	rec_begin(c, TW_R_PLACE);
	if (key(c, TWF_P_record_type)) put_lit(c, "place");
	if (key(c, TWF_P_id)) put_str(c, id);
	if (key(c, TWF_P_full_name)) put_str(c, G(c, p, "full_name", W_STR));
	if (key(c, TWF_P_name)) put_str(c, G(c, p, "name", W_STR));
	if (key(c, TWF_P_country)) put_str(c, G(c, p, "country", W_STR));
	if (key(c, TWF_P_country_code)) put_str(c, G(c, p, "country_code", W_STR));
	if (key(c, TWF_P_place_type)) put_str(c, G(c, p, "place_type", W_STR));
	if (key(c, TWF_P_lon)) put_double(c, have, (bb[0] + bb[2]) / 2);
	if (key(c, TWF_P_lat)) put_double(c, have, (bb[1] + bb[3]) / 2);
	if (key(c, TWF_P_bbox)) {
		if (!have) {
			put_null(c);
		} else {
			out_c(c->out, '[');
			for (i = 0; i < 4; i++) {
				if (i)
					out_c(c->out, ',');
				tw_buf_add_double(c->out, bb[i]);
			}
			out_c(c->out, ']');
		}
	}
	if (key(c, TWF_P_ts)) put_dim_ts(c, 2, id);
	rec_end(c);
}

/* One media item, v2 (media_key) or v1.1 (id_str), in either output. */
struct media {
	const struct tw_jval *key, *type, *url, *preview, *width, *height,
	    *duration, *views, *alt;
};

static void
media_v2(struct tw_flat_ctx *c, const struct tw_jval *m, struct media *o)
{
	memset(o, 0, sizeof *o);
	o->key = G(c, m, "media_key", W_STR);
	o->type = G(c, m, "type", W_STR);
	o->url = G(c, m, "url", W_STR);
	o->preview = G(c, m, "preview_image_url", W_STR);
	o->width = G(c, m, "width", W_COUNT);
	o->height = G(c, m, "height", W_COUNT);
	o->duration = G(c, m, "duration_ms", W_COUNT);
	o->views = G(c, G(c, m, "public_metrics", W_OBJ), "view_count", W_COUNT);
	o->alt = G(c, m, "alt_text", W_STR);
}

static void
media_v1(struct tw_flat_ctx *c, const struct tw_jval *m, struct media *o)
{
	const struct tw_jval *oi, *vi;

	memset(o, 0, sizeof *o);
	o->key = G(c, m, "id_str", W_STR);
	if (o->key == NULL)
		o->key = G(c, m, "id", W_ID);
	o->type = G(c, m, "type", W_STR);
	o->url = G(c, m, "media_url_https", W_STR);
	if (o->url == NULL)
		o->url = G(c, m, "media_url", W_STR);
	oi = G(c, m, "original_info", W_OBJ);
	o->width = G(c, oi, "width", W_COUNT);
	o->height = G(c, oi, "height", W_COUNT);
	vi = G(c, m, "video_info", W_OBJ);
	o->duration = G(c, vi, "duration_millis", W_COUNT);
	o->alt = G(c, m, "ext_alt_text", W_STR);
	if (o->type != NULL && !TW_JSTREQ(o->type, "photo")) {
		/* For video the image is a preview, as v2 names it. */
		o->preview = o->url;
		o->url = NULL;
	}
}

static void
media_rec(struct tw_flat_ctx *c, const struct media *m,
    const struct tw_jval *tweet_id, int have_ts, int64_t ts)
{
	/* One record per tweet and media item: the tweets of a page that
	 * share an item (a retweet and its original) each get theirs. */
	if (!(c->f->types & (1u << TW_R_MEDIA)) || m->key == NULL ||
	    seen_once2(c, 3, m->key, tweet_id))
		return;
	rec_begin(c, TW_R_MEDIA);
	if (key(c, TWF_M_record_type)) put_lit(c, "media");
	if (key(c, TWF_M_media_key)) put_id(c, m->key);
	if (key(c, TWF_M_tweet_id)) put_id(c, tweet_id);
	if (key(c, TWF_M_type)) put_str(c, m->type);
	if (key(c, TWF_M_url)) put_str(c, m->url);
	if (key(c, TWF_M_preview_image_url)) put_str(c, m->preview);
	if (key(c, TWF_M_width)) put_num(c, m->width);
	if (key(c, TWF_M_height)) put_num(c, m->height);
	if (key(c, TWF_M_duration_ms)) put_num(c, m->duration);
	if (key(c, TWF_M_view_count)) put_num(c, m->views);
	if (key(c, TWF_M_alt_text)) put_str(c, m->alt);
	if (key(c, TWF_M_ts)) {
		if (have_ts) out_i64(c->out, ts); else put_null(c);
	}
	rec_end(c);
}

static void
put_media_item(struct tw_flat_ctx *c, const struct media *m, int first)
{
	if (!first)
		out_c(c->out, ',');
	tw_buf_add(c->out, "{\"media_key\":", 13);
	put_id(c, m->key);
	tw_buf_add(c->out, ",\"type\":", 8);
	put_str(c, m->type);
	tw_buf_add(c->out, ",\"url\":", 7);
	put_str(c, m->url ? m->url : m->preview);
	out_c(c->out, '}');
}

/* ---- the flat tweet ---- */

/* Everything a flat tweet needs, gathered from either API version. */
struct tweet {
	const struct tw_jval *id, *created, *author_id, *user, *lang, *text,
	    *source, *conv, *rt_id, *rt_user, *reply_id, *reply_user,
	    *q_id, *q_user, *rts, *replies, *likes, *quotes, *impressions,
	    *hashtags, *mentions, *urls, *place, *place_id, *coords, *rules,
	    *verified;
	const struct tw_jval *obj;	/* the tweet object itself */
	const struct tw_jval *const *k;		/* its members (tkeys) */
	const struct tw_jval *const *uk;	/* the author's (user_ks) */
	const struct tw_jval *const *sk;	/* the original's (src) */
	/* where the original's facts are: the original for a retweet (else
	 * the tweet), its entities (a long tweet's own), its attachments */
	const struct tw_jval *src, *ent, *att;
	int v1;
	int is_rt, is_reply, is_quote;
	int64_t ts;
	int have_ts;
	/* media: v2 keys resolved against includes, or v1.1 objects */
	const struct tw_jval *media_keys, *media_arr, *media_inline;
};

static void
user_fields(struct tw_flat_ctx *c, const struct tweet *t)
{
	const struct tw_jval *const *u = t->uk, *pm;

	if (t->v1) {
		if (key(c, TWF_T_username)) put_str(c, uk_get(c, u, screen_name, W_STR));
		if (key(c, TWF_T_name)) put_str(c, uk_get(c, u, name, W_STR));
		if (key(c, TWF_T_followers_count)) put_num(c, uk_get(c, u, followers_count, W_COUNT));
		if (key(c, TWF_T_following_count)) put_num(c, uk_get(c, u, friends_count, W_COUNT));
		if (key(c, TWF_T_tweet_count)) put_num(c, uk_get(c, u, statuses_count, W_COUNT));
	} else {
		pm = uk_get(c, u, public_metrics, W_OBJ);
		if (key(c, TWF_T_username)) put_str(c, uk_get(c, u, username, W_STR));
		if (key(c, TWF_T_name)) put_str(c, uk_get(c, u, name, W_STR));
		if (key(c, TWF_T_followers_count)) put_num(c, G(c, pm, "followers_count", W_COUNT));
		if (key(c, TWF_T_following_count)) put_num(c, G(c, pm, "following_count", W_COUNT));
		if (key(c, TWF_T_tweet_count)) put_num(c, G(c, pm, "tweet_count", W_COUNT));
	}
	if (key(c, TWF_T_verified)) put_bool(c, uk_get(c, u, verified, W_BOOL));
	if (key(c, TWF_T_user_location)) put_str(c, uk_get(c, u, location, W_STR));
}

/* Resolves the tweet's media items into m[]; returns how many. */
static int
collect_media(struct tw_flat_ctx *c, const struct tweet *t, struct media *m,
    int max)
{
	const struct tw_jval *e, *it;
	uint32_t i;
	int n = 0;

	if (t->v1) {
		if (t->media_arr == NULL)
			return 0;
		for (i = 0, e = t->media_arr + 1; i < t->media_arr->len && n < max;
		    i++, e = tw_json_after(c->j, e))
			if (e->type == TW_JOBJ)
				media_v1(c, e, &m[n++]);
		return n;
	}
	if (t->media_keys == NULL)
		return 0;
	for (i = 0, e = t->media_keys + 1; i < t->media_keys->len && n < max;
	    i++, e = tw_json_after(c->j, e)) {
		if (e->type != TW_JSTR)
			continue;
		it = find_by(c, t->media_inline, "media_key", e);
		if (it == NULL)
			it = find_by(c, c->inc_media, "media_key", e);
		if (it != NULL) {
			media_v2(c, it, &m[n++]);
		} else {
			/* Not expanded: the key alone, the rest unknown. */
			memset(&m[n], 0, sizeof m[n]);
			m[n++].key = e;
		}
	}
	return n;
}

static void
coords(struct tw_flat_ctx *c, const struct tweet *t, int *have, double *lon,
    double *lat)
{
	const struct tw_jval *a = t->coords, *e;

	*have = 0;
	if (a == NULL)
		return;
	e = a + 1;
	/* A GeoJSON point: [longitude, latitude], two numbers in range. */
	if (a->type != TW_JARR || a->len < 2 || e->type != TW_JNUM ||
	    tw_json_after(c->j, e)->type != TW_JNUM ||
	    tw_json_double(e, lon) != 0 ||
	    tw_json_double(tw_json_after(c->j, e), lat) != 0 ||
	    !(*lon >= -180 && *lon <= 180 && *lat >= -90 && *lat <= 90)) {
		bad(c, "coordinates are not a point [longitude, latitude]");
		return;
	}
	*have = 1;
}

static void
put_rules(struct tw_flat_ctx *c, const struct tw_jval *rules)
{
	const struct tw_jval *e, *tag;
	uint32_t i;
	int n = 0;

	if (rules == NULL || rules->type != TW_JARR) {
		put_null(c);
		return;
	}
	out_c(c->out, '[');
	for (i = 0, e = rules + 1; i < rules->len; i++, e = tw_json_after(c->j, e)) {
		tag = G(c, e, "tag", W_STR);
		if (tag == NULL)
			tag = G(c, e, "id", W_ID);
		if (tag == NULL)
			continue;
		if (n++)
			out_c(c->out, ',');
		put_id(c, tag);
	}
	out_c(c->out, ']');
}

static int64_t
count_of(const struct tw_jval *v, int *have)
{
	int64_t x;

	if (v != NULL && tw_json_i64(v, &x) == 0) {
		*have = 1;
		return x;
	}
	return 0;
}

/* A time given as ISO 8601 text or as epoch milliseconds, or null. */
static void
put_when(struct tw_flat_ctx *c, const struct tw_jval *v)
{
	int64_t ms = 0;
	int have = v != NULL && v->type != TW_JNULL && !(v->flags & TW_JF_ESC) &&
	    tw_json_time(v, &ms) == 0;

	put_time_text(c, have, ms, v);
}

/* A count sent as a number or as a string of digits, or null. */
static void
put_count(struct tw_flat_ctx *c, const struct tw_jval *v)
{
	int64_t x;

	if (v != NULL && (v->type == TW_JNUM || (v->type == TW_JSTR &&
	    v->flags == 0)) && tw_json_i64(v, &x) == 0 && x >= 0)
		out_i64(c->out, x);
	else
		put_null(c);
}

/*
 * The fields twarc-csv users expect (issue 17), read leniently: a value
 * of an unexpected type is null, never a bad document, since older
 * payloads and other clients vary here. v1.1 has no reply settings,
 * context annotations, annotations or poll ids: null there.
 */
static void
new_fields(struct tw_flat_ctx *c, const struct tweet *t)
{
	const struct tw_jval *const *k = t->k, *ec, *w, *ps;

	if (key(c, TWF_T_possibly_sensitive)) {
		ps = tk_lax(k, TK_possibly_sensitive, TW_JTRUE);
		put_bool(c, ps ? ps : tk_lax(k, TK_possibly_sensitive, TW_JFALSE));
	}
	if (key(c, TWF_T_reply_settings))
		put_str(c, tk_lax(k, TK_reply_settings, TW_JSTR));
	if (key(c, TWF_T_cashtags))
		put_strings(c, member(c, t->ent, t->v1 ? "symbols" : "cashtags",
		    TW_JARR), t->v1 ? "text" : "tag", NULL, PS_UPPER);
	if (key(c, TWF_T_mention_ids))
		put_strings(c, t->mentions, t->v1 ? "id_str" : "id", "id", PS_ID);
	if (key(c, TWF_T_edit_history_tweet_ids))
		put_list(c, t->v1 ? member(c, tk_lax(k, TK_edit_history, TW_JOBJ),
		    "edit_tweet_ids", TW_JARR) : tk_lax(k,
		    TK_edit_history_tweet_ids, TW_JARR), NULL, NULL, PS_ID);
	ec = tk_lax(k, TK_edit_controls, TW_JOBJ);
	if (key(c, TWF_T_editable_until))
		put_when(c, t->v1 ? member(c, ec, "editable_until_ms", TW_JNUM) :
		    member(c, ec, "editable_until", TW_JSTR));
	if (key(c, TWF_T_edits_remaining))
		put_count(c, ec ? TW_JGET(c->j, ec, "edits_remaining") : NULL);
	if (key(c, TWF_T_context_domains)) {
		if (t->v1)
			put_null(c);
		else
			put_strings(c, tk_lax(t->sk, TK_context_annotations, TW_JARR),
			    "domain", NULL, PS_NAME);
	}
	if (key(c, TWF_T_context_entities)) {
		if (t->v1)
			put_null(c);
		else
			put_strings(c, tk_lax(t->sk, TK_context_annotations, TW_JARR),
			    "entity", NULL, PS_NAME);
	}
	if (key(c, TWF_T_annotations)) {
		if (t->v1)
			put_null(c);
		else	/* a long post's entities have none: the tweet's */
			put_strings(c, member(c, tk_lax(t->sk, TK_entities, TW_JOBJ),
			    "annotations", TW_JARR), "normalized_text", NULL, 0);
	}
	if (key(c, TWF_T_poll_ids)) {
		if (t->v1)
			put_null(c);
		else
			put_strings(c, member(c, t->att, "poll_ids", TW_JARR), NULL,
			    NULL, PS_ID);
	}
	if (key(c, TWF_T_withheld)) {
		w = t->v1 ? tk_lax(k, TK_withheld_in_countries, TW_JARR) :
		    member(c, tk_lax(k, TK_withheld, TW_JOBJ), "country_codes",
		    TW_JARR);
		put_list(c, w, NULL, NULL, 0);
	}
	if (key(c, TWF_T_verified_type))
		put_str(c, tk_lax(t->uk, UK_verified_type, TW_JSTR));
}

/* One poll's record, for tweet t: p is the v2 poll object (NULL when the
 * page did not expand it), id its id; or v1.1's entities.polls item. */
static void
poll_rec(struct tw_flat_ctx *c, const struct tweet *t, const struct tw_jval *p,
    const struct tw_jval *id)
{
	const struct tw_jval *opts, *e, *v;
	int64_t total = 0, x;
	int have = 0, n = 0;
	uint32_t i;

	if (seen_once2(c, 4, id != NULL ? id : t->id, t->id))
		return;
	opts = member(c, p, "options", TW_JARR);
	rec_begin(c, TW_R_POLL);
	if (key(c, TWF_O_record_type)) put_lit(c, "poll");
	if (key(c, TWF_O_tweet_id)) put_id(c, t->id);
	if (key(c, TWF_O_id)) put_id(c, id);
	if (key(c, TWF_O_ts)) {
		if (t->have_ts) out_i64(c->out, t->ts); else put_null(c);
	}
	if (key(c, TWF_O_options)) {
		if (opts == NULL) {
			put_null(c);
		} else {
			out_c(c->out, '[');
			for (i = 0, e = opts + 1; i < opts->len; i++, e = tw_json_after(c->j, e)) {
				if (e->type != TW_JOBJ)
					continue;
				if (n++)
					out_c(c->out, ',');
				tw_buf_add(c->out, "{\"position\":", 12);
				put_count(c, TW_JGET(c->j, e, "position"));
				tw_buf_add(c->out, ",\"label\":", 9);
				v = member(c, e, "label", TW_JSTR);
				put_str(c, v != NULL ? v : member(c, e, "text", TW_JSTR));
				tw_buf_add(c->out, ",\"votes\":", 9);
				put_count(c, TW_JGET(c->j, e, "votes"));
				out_c(c->out, '}');
			}
			out_c(c->out, ']');
		}
	}
	if (key(c, TWF_O_votes)) {
		for (i = 0, e = opts ? opts + 1 : NULL; opts && i < opts->len;
		    i++, e = tw_json_after(c->j, e)) {
			v = e->type == TW_JOBJ ? TW_JGET(c->j, e, "votes") : NULL;
			if (v != NULL && v->type == TW_JNUM && tw_json_i64(v, &x) == 0 &&
			    x >= 0) {
				total += x;
				have = 1;
			}
		}
		if (have) out_i64(c->out, total); else put_null(c);
	}
	if (key(c, TWF_O_voting_status)) put_str(c, member(c, p, "voting_status", TW_JSTR));
	if (key(c, TWF_O_duration_minutes)) put_count(c, member(c, p, "duration_minutes", TW_JNUM));
	if (key(c, TWF_O_end_datetime)) put_when(c, member(c, p, "end_datetime", TW_JSTR));
	rec_end(c);
}

/*
 * The poll records of tweet t: v2 poll_ids resolved in includes.polls (or
 * the poll twarc2 puts in attachments.poll), v1.1 entities.polls.
 */
static void
poll_recs(struct tw_flat_ctx *c, const struct tweet *t)
{
	const struct tw_jval *ids, *e, *p, *inl;
	uint32_t i;

	if (t->v1) {
		ids = member(c, t->ent, "polls", TW_JARR);
		for (i = 0, e = ids ? ids + 1 : NULL; ids && i < ids->len; i++, e = tw_json_after(c->j, e))
			if (e->type == TW_JOBJ)
				poll_rec(c, t, e, NULL);
		return;
	}
	ids = member(c, t->att, "poll_ids", TW_JARR);
	inl = member(c, t->att, "poll", TW_JOBJ);
	for (i = 0, e = ids ? ids + 1 : NULL; ids && i < ids->len; i++, e = tw_json_after(c->j, e)) {
		if (!type_ok(e, W_ID))
			continue;
		p = find_by(c, c->inc_polls, "id", e);
		if (p == NULL && inl != NULL && member(c, inl, "id", e->type) != NULL &&
		    tw_json_streq(TW_JGET(c->j, inl, "id"), e->p, e->len))
			p = inl;
		poll_rec(c, t, p, e);
	}
}

/* The value at path (keys and array indexes joined by '.') under v. */
static const struct tw_jval *
path_get(struct tw_flat_ctx *c, const struct tw_jval *v, const char *path)
{
	const char *s = path, *e;
	size_t n, i, k;

	while (v != NULL && *s) {
		e = strchr(s, '.');
		n = e ? (size_t)(e - s) : strlen(s);
		if (v->type == TW_JOBJ) {
			v = tw_json_get(c->j, v, s, n);
		} else if (v->type == TW_JARR) {
			for (i = 0, k = 0; i < n && s[i] >= '0' && s[i] <= '9' &&
			    k < ((size_t)1 << 32); i++)
				k = k * 10 + (size_t)(s[i] - '0');
			v = i == n && n > 0 ? tw_json_index(c->j, v, k) : NULL;
		} else
			v = NULL;
		s += n;
		if (*s == '.')
			s++;
	}
	return v;
}

/*
 * A NAME=PATH field: the value at path in the tweet (a leading "data."
 * skipped, as a v2 stream line's path has it), or where the tweet lacks
 * it, in the document around the tweet (a page's __twarc, say); as JSON.
 */
static void
put_path(struct tw_flat_ctx *c, const struct tw_jval *o, const char *path)
{
	const struct tw_jval *v;

	v = path_get(c, o, strncmp(path, "data.", 5) == 0 &&
	    tw_json_get(c->j, o, "data", 4) == NULL ? path + 5 : path);
	if (v == NULL && c->root != NULL && c->root != o)
		v = path_get(c, c->root, path);
	if (v == NULL)
		put_null(c);
	else if (tw_json_emit(c->out, c->j, v))
		c->f->n_repaired++;
}

/* The users and place a v2 tweet of a page references, with its time. */
static void
note_refs(struct tw_flat_ctx *c, const struct tweet *t)
{
	const struct tw_jval *e, *id;
	uint32_t i;

	ref_note(c, 1, t->author_id, t->ts);
	ref_note(c, 1, t->reply_user, t->ts);
	ref_note(c, 1, t->rt_user, t->ts);
	ref_note(c, 1, t->q_user, t->ts);
	if (t->mentions != NULL)
		for (i = 0, e = t->mentions + 1; i < t->mentions->len; i++, e = tw_json_after(c->j, e))
			if ((id = member(c, e, "id", TW_JSTR)) != NULL)
				ref_note(c, 1, id, t->ts);
	ref_note(c, 2, t->place_id, t->ts);
}

static void
emit_tweet(struct tw_flat_ctx *c, struct tweet *t)
{
	struct tw_flatten *f = c->f;
	struct media m[32];
	int nm = 0, i, have_c, have_e = 0;
	double lon = 0, lat = 0;
	int64_t eng;

	if (f->dedup != NULL && t->id != NULL) {
		int64_t v;
		uint64_t k = tw_json_i64(t->id, &v) == 0 ? (uint64_t)v :
		    hash_bytes(t->id->p, t->id->len, 7);

		if (dedup_seen(f->dedup, k)) {
			f->n_dups++;
			return;
		}
	}
	if (t->have_ts && (!c->have_newest || t->ts > c->newest_ts)) {
		c->newest_ts = t->ts;
		c->have_newest = 1;
	}
	if (c->note_refs && t->have_ts)
		note_refs(c, t);
	nm = collect_media(c, t, m, 32);
	if (f->types & (1u << TW_R_TWEET)) {
		const struct tw_jval *uk[UK_N];
		struct tw_tm tm;

		/* the author's members, in one pass (user_fields, new_fields) */
		ks_scan(c, t->user, &user_ks, uk);
		t->uk = uk;
		rec_begin(c, TW_R_TWEET);
		if (t->have_ts && (c->on[TWF_T_year] | c->on[TWF_T_month] |
		    c->on[TWF_T_day] | c->on[TWF_T_hour]))
			tw_time_split(t->ts, &tm);
		if (key(c, TWF_T_record_type)) put_lit(c, "tweet");
		if (key(c, TWF_T_id)) put_id(c, t->id);
		if (key(c, TWF_T_created_at)) put_time_text(c, t->have_ts, t->ts, t->created);
		if (key(c, TWF_T_ts)) {
			if (t->have_ts) out_i64(c->out, t->ts); else put_null(c);
		}
		if (key(c, TWF_T_year)) { if (t->have_ts) out_i64(c->out, tm.year); else put_null(c); }
		if (key(c, TWF_T_month)) { if (t->have_ts) out_i64(c->out, tm.mon); else put_null(c); }
		if (key(c, TWF_T_day)) { if (t->have_ts) out_i64(c->out, tm.day); else put_null(c); }
		if (key(c, TWF_T_hour)) { if (t->have_ts) out_i64(c->out, tm.hour); else put_null(c); }
		if (key(c, TWF_T_author_id)) put_id(c, t->author_id);
		user_fields(c, t);
		if (key(c, TWF_T_lang)) put_str(c, t->lang);
		if (key(c, TWF_T_text)) put_text(c, t->text);
		if (key(c, TWF_T_source)) put_source(c, t->source);
		if (key(c, TWF_T_conversation_id)) put_id(c, t->conv);
		if (key(c, TWF_T_is_retweet)) put_b(c, t->is_rt);
		if (key(c, TWF_T_is_reply)) put_b(c, t->is_reply);
		if (key(c, TWF_T_is_quote)) put_b(c, t->is_quote);
		if (key(c, TWF_T_retweeted_id)) put_id(c, t->rt_id);
		if (key(c, TWF_T_retweeted_user_id)) put_id(c, t->rt_user);
		if (key(c, TWF_T_in_reply_to_id)) put_id(c, t->reply_id);
		if (key(c, TWF_T_in_reply_to_user_id)) put_id(c, t->reply_user);
		if (key(c, TWF_T_quoted_id)) put_id(c, t->q_id);
		if (key(c, TWF_T_quoted_user_id)) put_id(c, t->q_user);
		if (key(c, TWF_T_retweet_count)) put_num(c, t->rts);
		if (key(c, TWF_T_reply_count)) put_num(c, t->replies);
		if (key(c, TWF_T_like_count)) put_num(c, t->likes);
		if (key(c, TWF_T_quote_count)) put_num(c, t->quotes);
		if (key(c, TWF_T_impression_count)) put_num(c, t->impressions);
		if (key(c, TWF_T_engagement)) {
			eng = count_of(t->rts, &have_e) + count_of(t->replies, &have_e) +
			    count_of(t->likes, &have_e) + count_of(t->quotes, &have_e);
			if (have_e) out_i64(c->out, eng); else put_null(c);
		}
		if (key(c, TWF_T_hashtags)) put_strings(c, t->hashtags, t->v1 ? "text" : "tag", NULL, PS_LOWER);
		if (key(c, TWF_T_mentions)) put_strings(c, t->mentions, t->v1 ? "screen_name" : "username", NULL, 0);
		if (key(c, TWF_T_urls)) put_strings(c, t->urls, "expanded_url", "url", PS_NOMEDIA);
		if (key(c, TWF_T_media)) {
			out_c(c->out, '[');
			for (i = 0; i < nm; i++)
				put_media_item(c, &m[i], i == 0);
			out_c(c->out, ']');
		}
		if (key(c, TWF_T_place_id)) {
			const struct tw_jval *pid = t->place_id;

			if (pid == NULL && t->place != NULL)
				pid = G(c, t->place, "id", W_STR);
			put_str(c, pid);
		}
		if (key(c, TWF_T_place_name)) put_str(c, G(c, t->place, "full_name", W_STR));
		if (key(c, TWF_T_country)) put_str(c, G(c, t->place, "country", W_STR));
		if (key(c, TWF_T_country_code)) put_str(c, G(c, t->place, "country_code", W_STR));
		coords(c, t, &have_c, &lon, &lat);
		if (key(c, TWF_T_lon)) put_coord(c, have_c, lon, have_c ? t->coords + 1 : NULL);
		if (key(c, TWF_T_lat)) put_coord(c, have_c, lat, have_c ?
		    tw_json_after(c->j, t->coords + 1) : NULL);
		if (key(c, TWF_T_matching_rules)) put_rules(c, t->rules);
		if (key(c, TWF_T_kafka_topic)) put_str(c, c->k_topic);
		if (key(c, TWF_T_kafka_partition)) put_num(c, c->k_part);
		if (key(c, TWF_T_kafka_offset)) put_num(c, c->k_off);
		if (key(c, TWF_T_kafka_ts)) put_num(c, c->k_ts);
		new_fields(c, t);
		for (i = 0; i < f->nxf; i++)
			if (key(c, tw_rdefs[TW_R_TWEET].nfields + i))
				put_path(c, t->obj, f->xf[i].path);
		rec_end(c);
	}
	for (i = 0; i < nm; i++)
		media_rec(c, &m[i], t->id, t->have_ts, t->ts);
	if ((f->types & (1u << TW_R_HASHTAG)) && t->hashtags != NULL) {
		/* One record per distinct tag: reuse the flat array writer. */
		struct tw_buf tags = TW_BUF_INIT;
		struct tw_buf *save = c->out;
		struct tw_json tj;
		const struct tw_jval *e;
		uint32_t k;

		c->out = &tags;
		put_strings(c, t->hashtags, t->v1 ? "text" : "tag", NULL, PS_LOWER);
		c->out = save;
		tw_json_init(&tj);
		if (tw_json_parse(&tj, tags.p, tags.len) == TW_JSON_OK) {
			for (k = 0, e = tj.v + 1; k < tj.v[0].len; k++, e = tj.v + e->next) {
				rec_begin(c, TW_R_HASHTAG);
				if (key(c, TWF_H_record_type)) put_lit(c, "hashtag");
				if (key(c, TWF_H_tweet_id)) put_id(c, t->id);
				if (key(c, TWF_H_tag)) tw_json_str_emit(c->out, e);
				if (key(c, TWF_H_created_at)) put_time(c, t->have_ts, t->ts);
				if (key(c, TWF_H_ts)) {
					if (t->have_ts) out_i64(c->out, t->ts); else put_null(c);
				}
				if (key(c, TWF_H_author_id)) put_id(c, t->author_id);
				if (key(c, TWF_H_lang)) put_str(c, t->lang);
				rec_end(c);
			}
		}
		tw_json_free(&tj);
		tw_buf_free(&tags);
	}
	if (f->types & (1u << TW_R_POLL))
		poll_recs(c, t);
}

static void
set_time(struct tw_flat_ctx *c, struct tweet *t)
{
	if (t->created == NULL)
		return;
	if (tw_time_parse(t->created->p, t->created->len, &t->ts) != 0 ||
	    (t->created->flags & TW_JF_ESC)) {
		char tmp[48];
		size_t n = t->created->len < 40 ? t->created->len : 40;

		memcpy(tmp, t->created->p, n);
		tmp[n] = '\0';
		bad(c, "field \"created_at\" is not a valid time: \"%s\"", tmp);
		return;
	}
	t->have_ts = 1;
}

/*
 * The id of the tweet that v2 tweet o quotes, or NULL; *full is the quoted
 * tweet itself when the document has it (twarc2 embeds it in the
 * reference, a page has it in includes.tweets).
 */
static const struct tw_jval *
v2_quoted(struct tw_flat_ctx *c, const struct tw_jval *o,
    const struct tw_jval **full)
{
	const struct tw_jval *refs, *e, *ty, *rid;
	uint32_t i;

	*full = NULL;
	refs = G(c, o, "referenced_tweets", W_ARR);
	if (refs == NULL)
		return NULL;
	for (i = 0, e = refs + 1; i < refs->len; i++, e = tw_json_after(c->j, e)) {
		ty = G(c, e, "type", W_STR);
		rid = G(c, e, "id", W_ID);
		if (ty == NULL || rid == NULL || !TW_JSTREQ(ty, "quoted"))
			continue;
		*full = tw_json_get(c->j, e, "text", 4) ? e :
		    find_by(c, c->inc_tweets, "id", rid);
		return rid;
	}
	return NULL;
}

/*
 * The users and places that twarc2 embeds in a flattened v2 tweet: its
 * author, the user it replies to, mentioned users, the place merged into
 * geo, and the same in the tweets it references. A page's own tweets
 * have none of these (their expansions are in includes).
 */
static void
v2_embedded_dims(struct tw_flat_ctx *c, const struct tw_jval *o, int depth)
{
	const struct tw_jval *a, *e, *geo;
	uint32_t i;

	v2_user(c, member(c, o, "author", TW_JOBJ));
	v2_user(c, member(c, o, "in_reply_to_user", TW_JOBJ));
	a = member(c, member(c, o, "entities", TW_JOBJ), "mentions", TW_JARR);
	for (i = 0, e = a ? a + 1 : NULL; a && i < a->len; i++, e = tw_json_after(c->j, e))
		if (member(c, e, "name", TW_JSTR) != NULL)	/* a whole user */
			v2_user(c, e);
	geo = member(c, o, "geo", TW_JOBJ);
	if (geo != NULL && tw_json_get(c->j, geo, "full_name", 9) != NULL)
		place_rec(c, geo);
	a = member(c, o, "referenced_tweets", TW_JARR);
	if (a == NULL || depth >= 2)
		return;
	for (i = 0, e = a + 1; i < a->len; i++, e = tw_json_after(c->j, e))
		if (member(c, e, "text", TW_JSTR) != NULL)
			v2_embedded_dims(c, e, depth + 1);
}

/*
 * The users and places of a v1.1 status and of the statuses it embeds
 * (retweeted_status, quoted_status, and the quote of a retweeted one).
 */
static void
v1_dims(struct tw_flat_ctx *c, const struct tw_jval *o, int depth)
{
	v1_user(c, member(c, o, "user", TW_JOBJ));
	place_rec(c, member(c, o, "place", TW_JOBJ));
	if (depth >= 2)
		return;
	v1_dims(c, member(c, o, "retweeted_status", TW_JOBJ), depth + 1);
	v1_dims(c, member(c, o, "quoted_status", TW_JOBJ), depth + 1);
}

/* Writes the users and places a tweet carries, with the tweet's time. */
static void
in_tweet_dims(struct tw_flat_ctx *c, const struct tweet *t,
    const struct tw_jval *o,
    void (*dims)(struct tw_flat_ctx *, const struct tw_jval *, int))
{
	c->in_tweet = 1;
	c->cur_ts = t->ts;
	c->cur_have = t->have_ts;
	dims(c, o, 0);
	c->in_tweet = 0;
}

/* A v2 tweet object (page item, stream data, or twarc2 flattened);
 * kv holds its members (tk_scan). */
static void
v2_tweet(struct tw_flat_ctx *c, const struct tw_jval *o, const tkeys kv)
{
	struct tweet t;
	const struct tw_jval *refs, *e, *src, *rt = NULL, *q = NULL, *pm, *ent,
	    *geo, *note, *att;
	const struct tw_jval *const *sv = kv;	/* the original's members */
	tkeys rv;
	uint32_t i;

	memset(&t, 0, sizeof t);
	t.obj = o;
	t.k = kv;
	t.id = K(kv, id, W_ID);
	if (t.id == NULL) {
		bad(c, "tweet without an id");
		return;
	}
	t.created = K(kv, created_at, W_STR);
	set_time(c, &t);
	t.author_id = K(kv, author_id, W_ID);
	t.user = K(kv, author, W_OBJ);	/* twarc2 embeds it */
	if (t.user == NULL)
		t.user = find_by(c, c->inc_users, "id", t.author_id);
	t.lang = K(kv, lang, W_STR);
	t.source = K(kv, source, W_STR);
	t.conv = K(kv, conversation_id, W_ID);
	t.reply_user = K(kv, in_reply_to_user_id, W_ID);
	refs = K(kv, referenced_tweets, W_ARR);
	if (refs != NULL) {
		for (i = 0, e = refs + 1; i < refs->len; i++, e = tw_json_after(c->j, e)) {
			const struct tw_jval *ty = G(c, e, "type", W_STR);
			const struct tw_jval *rid = G(c, e, "id", W_ID);
			const struct tw_jval *full;

			if (ty == NULL || rid == NULL)
				continue;
			/* twarc2 puts the whole tweet in the reference. */
			full = tw_json_get(c->j, e, "text", 4) ? e :
			    find_by(c, c->inc_tweets, "id", rid);
			if (TW_JSTREQ(ty, "retweeted")) {
				t.is_rt = 1;
				t.rt_id = rid;
				rt = full;
			} else if (TW_JSTREQ(ty, "replied_to")) {
				t.is_reply = 1;
				t.reply_id = rid;
			} else if (TW_JSTREQ(ty, "quoted")) {
				t.is_quote = 1;
				t.q_id = rid;
				q = full;
			}
		}
	}
	if (rt != NULL) {
		const struct tw_jval *oq = NULL, *oqid;

		tk_scan(c, rt, rv);
		sv = rv;
		t.rt_user = K(rv, author_id, W_ID);
		/* A retweet carries the quote facts of its original, as a
		 * v1.1 retweet does. */
		if ((oqid = v2_quoted(c, rt, &oq)) != NULL) {
			t.is_quote = 1;
			t.q_id = oqid;
			q = oq;
		}
	}
	if (q != NULL)
		t.q_user = G(c, q, "author_id", W_ID);
	if (t.reply_user != NULL)
		t.is_reply = 1;
	/* A retweet's text and entities are the original's, untruncated. */
	src = rt != NULL ? rt : o;
	note = K(sv, note_tweet, W_OBJ);
	t.text = G(c, note, "text", W_STR);
	if (t.text == NULL)
		t.text = K(sv, text, W_STR);
	if (rt != NULL && t.text == NULL)
		t.text = K(kv, text, W_STR);
	ent = G(c, note, "entities", W_OBJ);
	if (ent == NULL)
		ent = K(sv, entities, W_OBJ);
	t.hashtags = G(c, ent, "hashtags", W_ARR);
	t.mentions = G(c, ent, "mentions", W_ARR);
	t.urls = G(c, ent, "urls", W_ARR);
	att = K(sv, attachments, W_OBJ);
	if (att == NULL && src != o)
		att = K(kv, attachments, W_OBJ);
	t.src = src;
	t.sk = sv;
	t.ent = ent;
	t.att = att;
	t.media_keys = G(c, att, "media_keys", W_ARR);
	t.media_inline = G(c, att, "media", W_ARR);
	pm = K(kv, public_metrics, W_OBJ);
	t.rts = G(c, pm, "retweet_count", W_COUNT);
	t.replies = G(c, pm, "reply_count", W_COUNT);
	t.likes = G(c, pm, "like_count", W_COUNT);
	t.quotes = G(c, pm, "quote_count", W_COUNT);
	t.impressions = G(c, pm, "impression_count", W_COUNT);
	geo = K(kv, geo, W_OBJ);
	t.place_id = G(c, geo, "place_id", W_STR);
	t.coords = G(c, G(c, geo, "coordinates", W_OBJ), "coordinates", W_ARR);
	if (geo != NULL && tw_json_get(c->j, geo, "full_name", 9) != NULL)
		t.place = geo;	/* twarc2 merges the place into geo */
	else
		t.place = find_by(c, c->inc_places, "id", t.place_id);
	t.rules = c->rules ? c->rules : K(kv, matching_rules, W_ARR);
	if (c->f->err[0])
		return;
	emit_tweet(c, &t);
	if (c->f->types & ((1u << TW_R_USER) | (1u << TW_R_PLACE)))
		in_tweet_dims(c, &t, o, v2_embedded_dims);
}

/* A v1.1 status (REST, streaming, enterprise "original format"); kv
 * holds its members (tk_scan). */
static void
v1_tweet(struct tw_flat_ctx *c, const struct tw_jval *o, const tkeys kv)
{
	struct tweet t;
	const struct tw_jval *rt, *q, *src, *ext, *ent, *xent;
	const struct tw_jval *const *qv, *const *sv;
	tkeys rv;

	memset(&t, 0, sizeof t);
	t.obj = o;
	t.k = kv;
	t.v1 = 1;
	t.id = K(kv, id_str, W_STR);
	if (t.id == NULL)
		t.id = K(kv, id, W_ID);
	if (t.id == NULL) {
		bad(c, "tweet without an id");
		return;
	}
	t.created = K(kv, created_at, W_STR);
	set_time(c, &t);
	t.user = K(kv, user, W_OBJ);
	t.author_id = G(c, t.user, "id_str", W_STR);
	if (t.author_id == NULL)
		t.author_id = G(c, t.user, "id", W_ID);
	t.lang = K(kv, lang, W_STR);
	t.source = K(kv, source, W_STR);
	rt = K(kv, retweeted_status, W_OBJ);
	q = K(kv, quoted_status, W_OBJ);
	sv = kv;
	if (rt != NULL) {
		tk_scan(c, rt, rv);
		sv = rv;
		t.is_rt = 1;
		t.rt_id = K(rv, id_str, W_STR);
		if (t.rt_id == NULL)
			t.rt_id = K(rv, id, W_ID);
		t.rt_user = G(c, K(rv, user, W_OBJ), "id_str", W_STR);
	}
	t.reply_id = K(kv, in_reply_to_status_id_str, W_STR);
	if (t.reply_id == NULL)
		t.reply_id = K(kv, in_reply_to_status_id, W_ID);
	t.reply_user = K(kv, in_reply_to_user_id_str, W_STR);
	if (t.reply_user == NULL)
		t.reply_user = K(kv, in_reply_to_user_id, W_ID);
	/* A reply to a user without a tweet (a tweet that starts with
	 * @user) is a reply, as in v2. */
	t.is_reply = t.reply_id != NULL || t.reply_user != NULL;
	/* A retweet carries the quote facts of its original: v1.1 copies
	 * only some of them to the retweet itself. */
	qv = sv;
	if (rt != NULL && K(rv, quoted_status, W_OBJ) != NULL)
		q = K(rv, quoted_status, W_OBJ);
	t.q_id = K(qv, quoted_status_id_str, W_STR);
	if (t.q_id == NULL)
		t.q_id = K(qv, quoted_status_id, W_ID);
	if (t.q_id == NULL && qv != kv)
		t.q_id = K(kv, quoted_status_id_str, W_STR);
	if (t.q_id == NULL && q != NULL)
		t.q_id = G(c, q, "id_str", W_STR);
	if (t.q_id == NULL && q != NULL)
		t.q_id = G(c, q, "id", W_ID);
	if (q != NULL) {
		t.q_user = G(c, G(c, q, "user", W_OBJ), "id_str", W_STR);
		if (t.q_user == NULL)
			t.q_user = G(c, G(c, q, "user", W_OBJ), "id", W_ID);
	}
	{
		const struct tw_jval *iq = K(qv, is_quote_status, W_BOOL);

		t.is_quote = t.q_id != NULL || (iq && iq->type == TW_JTRUE);
	}
	src = rt != NULL ? rt : o;
	ext = K(sv, extended_tweet, W_OBJ);
	t.text = G(c, ext, "full_text", W_STR);
	if (t.text == NULL)
		t.text = K(sv, full_text, W_STR);
	if (t.text == NULL)
		t.text = K(sv, text, W_STR);
	ent = ext ? G(c, ext, "entities", W_OBJ) : NULL;
	if (ent == NULL)
		ent = K(sv, entities, W_OBJ);
	t.src = src;
	t.sk = sv;
	t.ent = ent;
	xent = ext ? G(c, ext, "extended_entities", W_OBJ) : NULL;
	if (xent == NULL)
		xent = K(sv, extended_entities, W_OBJ);
	t.hashtags = G(c, ent, "hashtags", W_ARR);
	t.mentions = G(c, ent, "user_mentions", W_ARR);
	t.urls = G(c, ent, "urls", W_ARR);
	t.media_arr = G(c, xent, "media", W_ARR);
	if (t.media_arr == NULL)
		t.media_arr = G(c, ent, "media", W_ARR);
	t.rts = K(kv, retweet_count, W_COUNT);
	t.replies = K(kv, reply_count, W_COUNT);
	t.likes = K(kv, favorite_count, W_COUNT);
	t.quotes = K(kv, quote_count, W_COUNT);
	t.place = K(kv, place, W_OBJ);
	t.coords = G(c, K(kv, coordinates, W_OBJ), "coordinates", W_ARR);
	t.rules = K(kv, matching_rules, W_ARR);
	if (c->f->err[0])
		return;
	emit_tweet(c, &t);
	if (c->f->types & ((1u << TW_R_USER) | (1u << TW_R_PLACE)))
		in_tweet_dims(c, &t, o, v1_dims);
}

/* ---- shape detection ---- */

static int
is_v1_status(const tkeys v)
{
	if (v[TK_text] == NULL && v[TK_full_text] == NULL)
		return 0;
	return (v[TK_user] != NULL && v[TK_user]->type == TW_JOBJ) ||
	    v[TK_id_str] != NULL;
}

static int
is_v2_tweet(const tkeys v)
{
	/* v2 direct-message events also have id and text. */
	if (v[TK_event_type] != NULL || v[TK_dm_conversation_id] != NULL)
		return 0;
	return v[TK_id] != NULL &&
	    (v[TK_text] != NULL || v[TK_edit_history_tweet_ids] != NULL);
}

static int
is_user(const tkeys v)
{
	return v[TK_text] == NULL &&
	    (v[TK_username] != NULL || v[TK_screen_name] != NULL);
}

/* An object found in a list or alone, its members in kv (tk_scan):
 * returns 1 if it was a tweet. */
static int
item_kv(struct tw_flat_ctx *c, const struct tw_jval *o, const tkeys kv,
    int *users)
{
	if (is_v1_status(kv)) {
		v1_tweet(c, o, kv);
		return 1;
	}
	if (is_v2_tweet(kv)) {
		v2_tweet(c, o, kv);
		return 1;
	}
	if (is_user(kv)) {
		if (kv[TK_screen_name] != NULL)
			v1_user(c, o);
		else
			v2_user(c, o);
		(*users)++;
	}
	return 0;
}

/* An object found in a list or alone: returns 1 if it was a tweet. */
static int
item(struct tw_flat_ctx *c, const struct tw_jval *o, int *users)
{
	tkeys kv;

	if (o->type != TW_JOBJ)
		return 0;
	tk_scan(c, o, kv);
	return item_kv(c, o, kv, users);
}

static const char *const notices[] = {
	"delete", "limit", "warning", "scrub_geo", "status_withheld",
	"user_withheld", "disconnect", "event", "friends", "friends_str",
	"direct_message", "control", "for_user", "status_deleted",
	"user_deleted", "user_suspended", "user_protect", "user_unprotect",
	NULL
};

static enum tw_doc_kind
v2_response(struct tw_flat_ctx *c, const struct tw_jval *root)
{
	const struct tw_jval *data, *inc, *e, *errs;
	int tweets = 0, users = 0;
	uint32_t i;

	data = tw_json_get(c->j, root, "data", 4);
	inc = G(c, root, "includes", W_OBJ);
	c->inc_users = G(c, inc, "users", W_ARR);
	c->inc_tweets = G(c, inc, "tweets", W_ARR);
	c->inc_places = G(c, inc, "places", W_ARR);
	c->inc_media = G(c, inc, "media", W_ARR);
	c->inc_polls = member(c, inc, "polls", TW_JARR);
	c->note_refs = (c->inc_users != NULL &&
	    (c->f->types & (1u << TW_R_USER))) || (c->inc_places != NULL &&
	    (c->f->types & (1u << TW_R_PLACE)));
	c->rules = G(c, root, "matching_rules", W_ARR);
	errs = G(c, root, "errors", W_ARR);
	if (errs)
		c->f->api_errors = errs->len;
	if (c->f->err[0])
		return TW_DOC_OTHER;
	if (data != NULL && data->type != TW_JARR && data->type != TW_JOBJ) {
		bad(c, "\"data\" is %s, expected an object or an array",
		    type_name(data->type));
		return TW_DOC_OTHER;
	}
	if (data != NULL && data->type == TW_JARR) {
		for (i = 0, e = data + 1; i < data->len; i++, e = tw_json_after(c->j, e))
			tweets += item(c, e, &users);
	} else if (data != NULL && data->type == TW_JOBJ) {
		tweets += item(c, data, &users);
	}
	/* Dimension records from the expansions. */
	if (c->inc_users != NULL && (c->f->types & (1u << TW_R_USER)))
		for (i = 0, e = c->inc_users + 1; i < c->inc_users->len; i++, e = tw_json_after(c->j, e))
			if (e->type == TW_JOBJ)
				v2_user(c, e);
	if (c->inc_places != NULL && (c->f->types & (1u << TW_R_PLACE)))
		for (i = 0, e = c->inc_places + 1; i < c->inc_places->len; i++, e = tw_json_after(c->j, e))
			if (e->type == TW_JOBJ)
				place_rec(c, e);
	if (tweets > 0)
		return TW_DOC_TWEETS;
	if (users > 0)
		return TW_DOC_USERS;
	if (data == NULL && errs != NULL)
		return TW_DOC_API_ERROR;
	if (data != NULL && data->type == TW_JARR && data->len == 0)
		return TW_DOC_EMPTY;	/* a page of no results */
	return TW_DOC_OTHER;
}

/* A search page with no results: {"meta":{"result_count":0}}. */
static int
no_results(struct tw_flat_ctx *c, const struct tw_jval *root)
{
	const struct tw_jval *meta = TW_JGET(c->j, root, "meta"), *n;
	int64_t v;

	if (meta == NULL || meta->type != TW_JOBJ)
		return 0;
	n = TW_JGET(c->j, meta, "result_count");
	return n != NULL && tw_json_i64(n, &v) == 0 && v == 0;
}

static enum tw_doc_kind
list(struct tw_flat_ctx *c, const struct tw_jval *arr)
{
	const struct tw_jval *e;
	int tweets = 0, users = 0;
	uint32_t i;

	if (arr->len == 0)
		return TW_DOC_EMPTY;	/* an empty timeline */
	for (i = 0, e = arr + 1; i < arr->len; i++, e = tw_json_after(c->j, e)) {
		char at[24];

		snprintf(at, sizeof at, "%u", (unsigned)i);
		if (e->type != TW_JOBJ) {
			bad(c, "array element %s is %s, expected an object", at,
			    type_name(e->type));
			return TW_DOC_OTHER;
		}
		if (TW_JGET(c->j, e, "data") != NULL) {
			/* Stream lines or pages belong one a line. */
			bad(c, "array element %s is an API response (with "
			    "\"data\"), expected a tweet", at);
			return TW_DOC_OTHER;
		}
		tweets += item(c, e, &users);
	}
	return tweets ? TW_DOC_TWEETS : users ? TW_DOC_USERS : TW_DOC_OTHER;
}

/* An already flat record: pass it through, applying the field selection. */
static enum tw_doc_kind
flat(struct tw_flat_ctx *c, const struct tw_jval *o, const struct tw_jval *rtype)
{
	const struct tw_jval *k;
	struct tw_buf *t = &c->f->tmp;
	uint64_t done[(TW_FLAT_MAXF + 63) / 64];	/* fields written */
	int rt, idx;
	uint32_t m;

	tw_buf_reset(t);
	tw_json_str_decode(t, rtype);
	rt = tw_rtype_lookup(t->p, t->len);
	if (rt < 0) {
		bad(c, "unknown record_type \"%s\"", t->p);
		return TW_DOC_FLAT;
	}
	if (!(c->f->types & (1u << rt)))
		return TW_DOC_FLAT;
	{
		/* The contract holds for records passed through too: ids
		 * are decimal strings. */
		const struct tw_jval *id = rt == TW_R_TWEET || rt == TW_R_USER ?
		    TW_JGET(c->j, o, "id") : NULL;	/* place ids are hex */

		if (id != NULL && id->type != TW_JNULL && !type_ok(id, W_ID)) {
			bad(c, "flat record: \"id\" is %s, expected an id (decimal "
			    "digits in a string)", type_name(id->type));
			return TW_DOC_FLAT;
		}
		if (id != NULL && id->type == TW_JNUM) {
			bad(c, "flat record: \"id\" is a number, expected a string "
			    "of digits");
			return TW_DOC_FLAT;
		}
	}
	if (c->f->dedup != NULL && rt == TW_R_TWEET) {
		const struct tw_jval *id = TW_JGET(c->j, o, "id");
		int64_t v;

		if (id != NULL) {
			uint64_t kk = tw_json_i64(id, &v) == 0 ? (uint64_t)v :
			    hash_bytes(id->p, id->len, 7);

			if (dedup_seen(c->f->dedup, kk)) {
				c->f->n_dups++;
				return TW_DOC_FLAT;
			}
		}
	} else if (c->f->dedup != NULL && rt > TW_R_TWEET) {
		/* A dimension record passed through: seen before when its
		 * type and key fields (tw_schema's key) were. */
		const char *kf = tw_rdefs[rt].key, *e;
		uint64_t kk = (uint64_t)rt * 0x9E3779B97F4A7C15ULL;

		for (; *kf; kf = *e ? e + 1 : e) {
			const struct tw_jval *v;

			e = strchr(kf, ',');
			if (e == NULL)
				e = kf + strlen(kf);
			v = tw_json_get(c->j, o, kf, (size_t)(e - kf));
			kk = v != NULL ? hash_bytes(v->p, v->len, kk) : kk * 31 + 1;
		}
		if (dedup_seen(c->f->dedup, kk)) {
			c->f->n_dups++;
			return TW_DOC_FLAT;
		}
	}
	if (c->f->sel_default && c->f->out_fmt != TW_OUT_CSV) {
		/* as it came (canonical JSON); a CSV row needs the fields */
		size_t st = c->out->len;

		if (tw_json_emit(c->out, c->j, o))
			c->f->n_repaired++;
		tw_buf_addc(c->out, '\n');
		if (c->f->out_fmt == TW_OUT_KEYED) {
			const struct tw_jval *v = tw_json_get(c->j, o, c->f->key_name,
			    strlen(c->f->key_name));

			tw_buf_reset(&c->f->keyb);
			if (v != NULL && v->type == TW_JSTR)
				tw_json_str_decode(&c->f->keyb, v);
			else if (v != NULL && v->type != TW_JNULL)
				tw_json_emit(&c->f->keyb, c->j, v);
			key_text_spaces(c->f);
			key_insert(c->f, c->out, st);
		}
		c->f->n_out[rt]++;
		return TW_DOC_FLAT;
	}
	rec_begin(c, (enum tw_rtype)rt);
	memset(done, 0, sizeof done);
	for (m = 0, k = o + 1; m < o->len; m++, k = c->j->v + k[1].next) {
		tw_buf_reset(t);
		tw_json_str_decode(t, k);
		idx = tw_field_lookup((enum tw_rtype)rt, t->p, t->len);
		if (idx < 0 && rt == TW_R_TWEET)
			idx = xfield_lookup(c->f, t->p, t->len);
		/* a repeated key: the first one, as everywhere (tw_json_get);
		 * so a record has each field once, within TW_FLAT_MAXF */
		if (idx < 0 || (done[idx / 64] >> (idx % 64) & 1))
			continue;
		done[idx / 64] |= (uint64_t)1 << (idx % 64);
		if (!key(c, idx))
			continue;
		tw_json_emit(c->out, c->j, k + 1);
	}
	rec_end(c);
	return TW_DOC_FLAT;
}

/*
 * An error body that is not an "errors" list: a v2 problem
 * ({"title":"Unauthorized","type":"about:blank","status":401,...}, also
 * a stream's disconnect message) or v1.1's {"error":"Not authorized."}.
 */
static int
is_problem(struct tw_flat_ctx *c, const struct tw_jval *root)
{
	const struct tw_jval *v;

	if ((v = TW_JGET(c->j, root, "error")) != NULL && v->type == TW_JSTR)
		return 1;
	return member(c, root, "title", TW_JSTR) != NULL &&
	    member(c, root, "type", TW_JSTR) != NULL &&
	    (TW_JGET(c->j, root, "status") != NULL ||
	    TW_JGET(c->j, root, "detail") != NULL);
}

/* The document root, its members in rk (tk_scan) when it is an object. */
static enum tw_doc_kind
dispatch(struct tw_flat_ctx *c, const struct tw_jval *root, const tkeys rk)
{
	const struct tw_jval *v;
	const char *const *nt;
	int users = 0;

	if (root->type == TW_JARR)
		return list(c, root);
	if (root->type != TW_JOBJ) {
		bad(c, "expected a JSON object or array, got %s",
		    type_name(root->type));
		return TW_DOC_OTHER;
	}
	if (root->len == 0) {
		bad(c, "an empty object");
		return TW_DOC_OTHER;
	}
	c->root = root;
	if ((v = rk[TK_record_type]) != NULL && v->type == TW_JSTR)
		return flat(c, root, v);
	if (rk[TK_data] != NULL)
		return v2_response(c, root);
	if (no_results(c, root))
		return TW_DOC_EMPTY;
	if ((v = rk[TK_statuses]) != NULL && v->type == TW_JARR)
		return list(c, v);
	if ((v = rk[TK_results]) != NULL && v->type == TW_JARR)
		return list(c, v);
	if (item_kv(c, root, rk, &users))
		return TW_DOC_TWEETS;
	if (users)
		return TW_DOC_USERS;
	if ((v = TW_JGET(c->j, root, "errors")) != NULL && v->type == TW_JARR) {
		c->f->api_errors = v->len;
		return TW_DOC_API_ERROR;
	}
	if (is_problem(c, root)) {
		c->f->api_errors = 1;
		return TW_DOC_API_ERROR;
	}
	for (nt = notices; *nt; nt++)
		if (tw_json_get(c->j, root, *nt, strlen(*nt)) != NULL)
			return TW_DOC_NOTICE;
	if (TW_JGET(c->j, root, "verb") != NULL && TW_JGET(c->j, root, "actor") != NULL)
		return TW_DOC_UNSUPPORTED;
	return TW_DOC_OTHER;
}

/* A kcat -J envelope: {"topic":..,"partition":..,"offset":..,"payload":".."};
 * rk holds the root's members. */
static int
is_kcat(const struct tw_jval *root, const tkeys rk)
{
	return root->type == TW_JOBJ && rk[TK_payload] != NULL &&
	    rk[TK_topic] != NULL && rk[TK_offset] != NULL;
}

/* ---- public ---- */

/* Makes the "name": text of field i of type t. */
static void
set_key(struct tw_flatten *f, int t, int i, const char *n)
{
	size_t len = strlen(n);
	/* at least 32 bytes: key() copies 32 at once */
	char *k = tw_xcalloc(len + 5 > 32 ? len + 5 : 32, 1);

	k[0] = ',';
	k[1] = '"';
	memcpy(k + 2, n, len);
	memcpy(k + 2 + len, "\":", 3);
	free(f->keys[t][i]);
	f->keys[t][i] = k;
	f->keylen[t][i] = (unsigned char)(len + 4);
}

/* Every field of each type, in schema order: the default selection. */
static void
select_all(struct tw_flatten *f)
{
	int t, i;

	for (t = 0; t < TW_R_N; t++) {
		memset(f->on[t], 0, sizeof f->on[t]);
		for (i = 0; i < tw_rdefs[t].nfields; i++) {
			f->on[t][i] = 1;
			f->order[t][i] = (short)i;
		}
		f->norder[t] = tw_rdefs[t].nfields;
		f->reorder[t] = 0;
	}
	f->on[TW_R_TWEET][TWF_T_year] = f->on[TW_R_TWEET][TWF_T_month] =
	    f->on[TW_R_TWEET][TWF_T_day] = f->on[TW_R_TWEET][TWF_T_hour] = 0;
}

void
tw_flatten_init(struct tw_flatten *f)
{
	int t, i;

	memset(f, 0, sizeof *f);
	tw_buf_init(&f->tmp);
	tw_buf_init(&f->tmp2);
	tw_buf_init(&f->reo);
	tw_buf_init(&f->keyb);
	tk_init();
	f->types = 1u << TW_R_TWEET;
	for (t = 0; t < TW_R_N; t++)
		for (i = 0; i < tw_rdefs[t].nfields; i++)
			set_key(f, t, i, tw_rdefs[t].fields[i].name);
	select_all(f);
	f->sel_default = 1;
	tw_json_init(&f->payload);
	f->ctx = tw_xcalloc(1, sizeof *f->ctx);
	for (i = 0; i < TW_FLAT_MAXF; i++)
		f->ctx->where[i] = -1;
	f->ctx->gen = 1;
}

void
tw_flatten_time_parts(struct tw_flatten *f)
{
	if (!f->sel_default)
		return;	/* -f names the fields */
	f->on[TW_R_TWEET][TWF_T_year] = f->on[TW_R_TWEET][TWF_T_month] =
	    f->on[TW_R_TWEET][TWF_T_day] = f->on[TW_R_TWEET][TWF_T_hour] = 1;
	f->sel_default = 0;
}

int
tw_flatten_columns(const struct tw_flatten *f, enum tw_rtype t,
    const char **names, int max)
{
	int i, n = 0, idx;

	for (i = 0; i < f->norder[t] && n < max; i++) {
		idx = f->order[t][i];
		if (!f->on[t][idx])
			continue;
		names[n++] = idx < tw_rdefs[t].nfields ?
		    tw_rdefs[t].fields[idx].name :
		    f->xf[idx - tw_rdefs[t].nfields].name;
	}
	return n;
}

void
tw_flatten_free(struct tw_flatten *f)
{
	int t, i;

	for (t = 0; t < TW_R_N; t++)
		for (i = 0; i < TW_FLAT_MAXF; i++)
			free(f->keys[t][i]);
	for (i = 0; i < f->nxf; i++) {
		free(f->xf[i].name);
		free(f->xf[i].path);
	}
	tw_buf_free(&f->reo);
	if (f->dedup) {
		free(f->dedup->gen[0].slot);
		free(f->dedup->gen[1].slot);
		free(f->dedup);
	}
	tw_json_free(&f->payload);
	tw_buf_free(&f->tmp);
	tw_buf_free(&f->tmp2);
	tw_buf_free(&f->keyb);
	free(f->key_name);
	free(f->ctx->hslot);
	free(f->ctx);
}

void
tw_flatten_dedup(struct tw_flatten *f, size_t size)
{
	struct tw_dedup *d = tw_xcalloc(1, sizeof *d);

	d->limit = size / 2 > 0 ? size / 2 : 1;
	u64set_init(&d->gen[0], d->limit);
	u64set_init(&d->gen[1], d->limit);
	f->dedup = d;
}

/* A column name: a letter or '_', then letters, digits and '_'. */
static int
ident(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 64 || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/* 1 when s[0..n) holds two dots in a row (an empty key). */
static int
has_dots(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n; i++)
		if (s[i] == '.' && s[i + 1] == '.')
			return 1;
	return 0;
}

/* Index of the NAME=PATH field named n (as a tweet field index), or -1. */
static int
xfield_lookup(const struct tw_flatten *f, const char *n, size_t len)
{
	int k;

	for (k = 0; k < f->nxf; k++)
		if (strlen(f->xf[k].name) == len && memcmp(f->xf[k].name, n, len) == 0)
			return tw_rdefs[TW_R_TWEET].nfields + k;
	return -1;
}

/* Adds field idx of type t to the selection, in the order asked. */
static void
select_one(struct tw_flatten *f, int t, int idx)
{
	if (f->on[t][idx])
		return;		/* named twice: the first place counts */
	f->on[t][idx] = 1;
	if (f->norder[t] > 0 && f->order[t][f->norder[t] - 1] > idx)
		f->reorder[t] = 1;
	f->order[t][f->norder[t]++] = (short)idx;
}

int
tw_flatten_select(struct tw_flatten *f, const char *list)
{
	const char *s = list, *e, *eq;
	int t, idx, any;
	size_t n;

	for (t = 0; t < TW_R_N; t++) {
		memset(f->on[t], 0, sizeof f->on[t]);
		f->norder[t] = 0;
		f->reorder[t] = 0;
	}
	f->sel_default = 0;
	while (*s) {
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		n = (size_t)(e - s);
		eq = memchr(s, '=', n);
		if (eq != NULL) {
			struct tw_xfield *x;
			size_t nl = (size_t)(eq - s), pl = n - nl - 1;

			if (!ident(s, nl)) {
				snprintf(f->err, sizeof f->err, "\"%.*s\": NAME=PATH "
				    "needs a NAME of letters, digits and '_'", (int)n, s);
				return -1;
			}
			if (tw_field_lookup(TW_R_TWEET, s, nl) >= 0 ||
			    xfield_lookup(f, s, nl) >= 0) {
				snprintf(f->err, sizeof f->err, "\"%.*s\": the name "
				    "\"%.*s\" is taken", (int)n, s, (int)nl, s);
				return -1;
			}
			if (pl == 0 || eq[1] == '.' || eq[pl] == '.' ||
			    has_dots(eq + 1, pl)) {
				snprintf(f->err, sizeof f->err, "\"%.*s\": PATH must "
				    "be keys joined by '.'", (int)n, s);
				return -1;
			}
			if (f->nxf == TW_FLAT_MAXX ||
			    tw_rdefs[TW_R_TWEET].nfields + f->nxf >= TW_FLAT_MAXF) {
				snprintf(f->err, sizeof f->err, "more than %d "
				    "NAME=PATH fields", TW_FLAT_MAXX);
				return -1;
			}
			x = &f->xf[f->nxf];
			x->name = tw_xstrndup(s, nl);
			x->path = tw_xstrndup(eq + 1, pl);
			idx = tw_rdefs[TW_R_TWEET].nfields + f->nxf++;
			set_key(f, TW_R_TWEET, idx, x->name);
			select_one(f, TW_R_TWEET, idx);
		} else if (n > 0) {
			any = 0;
			for (t = 0; t < TW_R_N; t++) {
				idx = tw_field_lookup((enum tw_rtype)t, s, n);
				if (idx < 0 && t == TW_R_TWEET)
					idx = xfield_lookup(f, s, n);
				if (idx >= 0) {
					select_one(f, t, idx);
					any = 1;
				}
			}
			if (!any) {
				snprintf(f->err, sizeof f->err, "unknown field \"%.*s\"",
				    (int)n, s);
				return -1;
			}
		}
		s = *e ? e + 1 : e;
	}
	return 0;
}

void
tw_flatten_output(struct tw_flatten *f, enum tw_flat_out fmt, const char *key)
{
	int t;

	f->out_fmt = fmt;
	free(f->key_name);
	f->key_name = key != NULL ? tw_xstrdup(key) : NULL;
	for (t = 0; t < TW_R_N; t++) {
		f->key_idx[t] = -1;
		if (key == NULL)
			continue;
		f->key_idx[t] = tw_field_lookup((enum tw_rtype)t, key, strlen(key));
		if (f->key_idx[t] < 0 && t == TW_R_TWEET)
			f->key_idx[t] = xfield_lookup(f, key, strlen(key));
	}
}

int
tw_flatten_types(struct tw_flatten *f, const char *list)
{
	const char *s = list, *e;
	int t;

	f->types = 0;
	while (*s) {
		e = strchr(s, ',');
		if (e == NULL)
			e = s + strlen(s);
		if ((size_t)(e - s) == 3 && memcmp(s, "all", 3) == 0) {
			f->types = (1u << TW_R_N) - 1;
		} else if (e > s) {
			t = tw_rtype_lookup(s, (size_t)(e - s));
			if (t < 0) {
				snprintf(f->err, sizeof f->err,
				    "unknown record type \"%.*s\" (use tweets, users, places, media, hashtags, polls or all)",
				    (int)(e - s), s);
				return -1;
			}
			f->types |= 1u << t;
		}
		s = *e ? e + 1 : e;
	}
	if (f->types == 0) {
		snprintf(f->err, sizeof f->err, "no record type given");
		return -1;
	}
	return 0;
}

int
tw_flatten_doc(struct tw_flatten *f, const struct tw_json *j, struct tw_buf *out)
{
	struct tw_flat_ctx *c = f->ctx;
	const struct tw_jval *root = &j->v[0], *pl;
	size_t start = out->len;
	uint64_t before[TW_R_N];
	enum tw_json_status st;
	tkeys rk;

	memcpy(before, f->n_out, sizeof before);
	/* Everything but the large seen[] table, which nseen bounds. */
	memset(c, 0, offsetof(struct tw_flat_ctx, seen));
	c->nseen = 0;
	if (c->nref > 0) {
		/* a new generation frees the reference table at once */
		if (++c->gen == 0) {
			memset(c->ref, 0, sizeof c->ref);
			c->gen = 1;
		}
		c->nref = 0;
	}
	c->dims_done = 0;
	c->f = f;
	c->j = j;
	c->out = out;
	f->err[0] = '\0';
	f->api_errors = 0;
	tk_scan(c, root, rk);	/* nothing when the root is not an object */
	if (is_kcat(root, rk)) {
		c->k_topic = rk[TK_topic];
		c->k_part = TW_JGET(j, root, "partition");
		c->k_off = rk[TK_offset];
		c->k_ts = TW_JGET(j, root, "ts");
		if (c->k_topic && c->k_topic->type != TW_JSTR)
			c->k_topic = NULL;
		pl = rk[TK_payload];
		if (pl->type == TW_JNULL) {
			f->kind = TW_DOC_EMPTY;
			goto done;
		}
		if (pl->type != TW_JSTR) {
			snprintf(f->err, sizeof f->err,
			    "kcat envelope payload is %s, expected a string",
			    type_name(pl->type));
			goto fail;
		}
		tw_buf_reset(&f->tmp);
		tw_json_str_decode(&f->tmp, pl);
		/* The payload is parsed from a private copy: tmp is reused. */
		{
			char *copy = tw_xstrndup(f->tmp.p, f->tmp.len);
			size_t n = f->tmp.len;

			st = tw_json_parse(&f->payload, copy, n);
			if (st == TW_JSON_EMPTY) {
				f->kind = TW_DOC_EMPTY;
				free(copy);
				goto done;
			}
			if (st != TW_JSON_OK) {
				snprintf(f->err, sizeof f->err,
				    "kcat payload: %s at column %zu",
				    st == TW_JSON_INCOMPLETE ? "truncated JSON" :
				    f->payload.errmsg, f->payload.erroff + 1);
				free(copy);
				goto fail;
			}
			/* The envelope's nodes stay valid: they live in j. */
			c->j = &f->payload;
			tk_scan(c, &f->payload.v[0], rk);
			f->kind = dispatch(c, &f->payload.v[0], rk);
			free(copy);
		}
	} else {
		f->kind = dispatch(c, root, rk);
	}
	if (f->err[0])
		goto fail;
done:
	f->n_kind[f->kind]++;
	f->n_api_errors += f->api_errors;
	return 0;
fail:
	tw_buf_setlen(out, start);
	memcpy(f->n_out, before, sizeof before);
	return -1;
}
