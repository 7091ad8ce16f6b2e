/*
 * parsers: the JSON parser comparison behind twpipe's choice of parser.
 *
 * usage: parsers [-r reps] [-p name,...] file.ndjson
 *
 * Loads the whole file into memory, then runs the core of the flatten
 * job over every line with each parser compiled in: parse the line, take
 * data.id, data.author_id, data.text, data.lang and
 * data.public_metrics.like_count, and look the author's username up in
 * includes.users by id. Strings are used decoded (escapes resolved), as
 * tw-flatten needs them. Every value goes into a running checksum, so no
 * work can be optimised away and every parser must print the same sum.
 * Each parser runs reps times over the data (default 3), in turn with the
 * others; the fastest pass is reported.
 *
 * Parsers are chosen at build time (bench/run.sh sets them):
 *   HAVE_TW    lib/tw_json.h, twpipe's in-place scanner (build/libtw.a)
 *   HAVE_JQ    libjq's jv parser, jv_parse_sized
 *   HAVE_JSMN  jsmn, a tokenizer: strings come back raw, so the strings
 *              used are decoded here (only when they hold a backslash)
 *   HAVE_YAJL  yajl's tree API, yajl_tree_parse (needs a NUL-terminated
 *              copy of the line; the copy is timed)
 *   HAVE_CJSON cJSON_ParseWithLength
 *   HAVE_JSONC json-c, json_tokener_parse_ex with one reused tokener
 *
 * Exit status: 0 when every parser ran, 1 on an I/O error, 2 on bad usage.
 * Checksums that differ are reported in the table, not in the status.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_TW
#include "tw_buf.h"
#include "tw_json.h"
#endif
#ifdef HAVE_JQ
#include <jv.h>
#endif
#ifdef HAVE_JSMN
#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>
#endif
#ifdef HAVE_YAJL
#include <yajl/yajl_tree.h>
#endif
#ifdef HAVE_CJSON
#include <cjson/cJSON.h>
#endif
#ifdef HAVE_JSONC
#include <json-c/json.h>
#endif

static const char *prog = "parsers";

/* The input: one buffer, lines found once before any timing. */
struct corpus {
	char *buf;
	size_t size;
	size_t nlines;
	size_t *off;
	size_t *len;	/* without the newline */
};

/* The checksum every parser feeds in the same order. */
struct sum {
	uint64_t h;
	size_t errors;	/* lines a parser rejected */
};

static void
die(const char *msg, const char *arg)
{
	if (arg)
		fprintf(stderr, "%s: %s: '%s'\n", prog, msg, arg);
	else
		fprintf(stderr, "%s: %s\n", prog, msg);
	exit(1);
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		die("out of memory", NULL);
	return p;
}

static void *
xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		die("out of memory", NULL);
	return p;
}

/* A multiply-xor mix, eight bytes at a time: cheap next to any parser. */
static inline uint64_t
mix(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

static void
sum_str(struct sum *s, const char *p, size_t n)
{
	uint64_t h = mix(s->h, n);
	uint64_t v;

	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&v, p, 8);
		h = mix(h, v);
	}
	v = 0;
	memcpy(&v, p, n);
	s->h = mix(h, v);
}

static void
sum_int(struct sum *s, int64_t v)
{
	s->h = mix(s->h, (uint64_t)v ^ 0x1234567ULL);
}

/* A field that is absent or of the wrong type. */
static void
sum_missing(struct sum *s)
{
	s->h = mix(s->h, 0xdeadbeefULL);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
corpus_load(struct corpus *c, const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 24, n, i, start, lcap = 1 << 16;

	if (!f)
		die(strerror(errno), path);
	c->buf = xmalloc(cap);
	c->size = 0;
	while ((n = fread(c->buf + c->size, 1, cap - c->size, f)) > 0) {
		c->size += n;
		if (c->size == cap)
			c->buf = xrealloc(c->buf, cap *= 2);
	}
	if (ferror(f))
		die(strerror(errno), path);
	fclose(f);

	c->off = xmalloc(lcap * sizeof *c->off);
	c->len = xmalloc(lcap * sizeof *c->len);
	c->nlines = 0;
	for (start = 0; start < c->size; start = i + 1) {
		char *nl = memchr(c->buf + start, '\n', c->size - start);

		i = nl ? (size_t)(nl - c->buf) : c->size;
		if (i == start)
			continue;
		if (c->nlines == lcap) {
			lcap *= 2;
			c->off = xrealloc(c->off, lcap * sizeof *c->off);
			c->len = xrealloc(c->len, lcap * sizeof *c->len);
		}
		c->off[c->nlines] = start;
		c->len[c->nlines] = i - start;
		c->nlines++;
	}
}

/* The value of four hex digits (the parser has checked them). */
static unsigned long
hex4(const char *s)
{
	unsigned long v = 0;
	int k;

	for (k = 0; k < 4; k++) {
		unsigned char c = (unsigned char)s[k];

		v = v << 4 | (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return v;
}

/*
 * Decodes the JSON string body s[0..n) (between the quotes) into dst,
 * which has room for n bytes: decoding never makes a string longer.
 * Lone surrogates become U+FFFD. Used for jsmn, which does not decode.
 */
static size_t
unescape(char *dst, const char *s, size_t n)
{
	char *d = dst;
	size_t i = 0;

	while (i < n) {
		unsigned long cp;

		if (s[i] != '\\') {
			*d++ = s[i++];
			continue;
		}
		if (i + 1 >= n)
			break;
		switch (s[i + 1]) {
		case 'b': *d++ = '\b'; i += 2; continue;
		case 'f': *d++ = '\f'; i += 2; continue;
		case 'n': *d++ = '\n'; i += 2; continue;
		case 'r': *d++ = '\r'; i += 2; continue;
		case 't': *d++ = '\t'; i += 2; continue;
		case 'u': break;
		default: *d++ = s[i + 1]; i += 2; continue;
		}
		if (i + 6 > n)
			break;
		cp = hex4(s + i + 2);
		i += 6;
		if (cp >= 0xd800 && cp < 0xdc00 && i + 6 <= n && s[i] == '\\' &&
		    s[i + 1] == 'u') {
			unsigned long lo = hex4(s + i + 2);

			if (lo >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			}
		}
		if (cp >= 0xd800 && cp < 0xe000)
			cp = 0xfffd;
		if (cp < 0x80) {
			*d++ = (char)cp;
		} else if (cp < 0x800) {
			*d++ = (char)(0xc0 | cp >> 6);
			*d++ = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			*d++ = (char)(0xe0 | cp >> 12);
			*d++ = (char)(0x80 | ((cp >> 6) & 0x3f));
			*d++ = (char)(0x80 | (cp & 0x3f));
		} else {
			*d++ = (char)(0xf0 | cp >> 18);
			*d++ = (char)(0x80 | ((cp >> 12) & 0x3f));
			*d++ = (char)(0x80 | ((cp >> 6) & 0x3f));
			*d++ = (char)(0x80 | (cp & 0x3f));
		}
	}
	return (size_t)(d - dst);
}

#ifdef HAVE_TW
/* tw_json: strings without escapes are used in place, as tw-flatten does. */
static struct tw_json tw_j;
static struct tw_buf tw_b = TW_BUF_INIT;

static void
tw_sum_str(struct sum *s, const struct tw_jval *v)
{
	if (!v || v->type != TW_JSTR) {
		sum_missing(s);
	} else if (!(v->flags & (TW_JF_ESC | TW_JF_BADUTF8))) {
		sum_str(s, v->p, v->len);
	} else {
		tw_buf_reset(&tw_b);
		tw_json_str_decode(&tw_b, v);
		sum_str(s, tw_b.p, tw_b.len);
	}
}

static void
run_tw(const struct corpus *c, struct sum *s)
{
	size_t i;

	for (i = 0; i < c->nlines; i++) {
		const struct tw_jval *root, *d, *aid, *m, *like, *users, *u, *end;
		const char *uname = NULL;
		int64_t n;

		if (tw_json_parse(&tw_j, c->buf + c->off[i], c->len[i]) !=
		    TW_JSON_OK) {
			s->errors++;
			continue;
		}
		root = tw_j.v;
		d = TW_JGET(&tw_j, root, "data");
		tw_sum_str(s, d ? TW_JGET(&tw_j, d, "id") : NULL);
		aid = d ? TW_JGET(&tw_j, d, "author_id") : NULL;
		tw_sum_str(s, aid);
		tw_sum_str(s, d ? TW_JGET(&tw_j, d, "text") : NULL);
		tw_sum_str(s, d ? TW_JGET(&tw_j, d, "lang") : NULL);
		m = d ? TW_JGET(&tw_j, d, "public_metrics") : NULL;
		like = m ? TW_JGET(&tw_j, m, "like_count") : NULL;
		if (like && like->type == TW_JNUM && tw_json_i64(like, &n) == 0)
			sum_int(s, n);
		else
			sum_missing(s);

		users = TW_JGET(&tw_j, root, "includes");
		users = users ? TW_JGET(&tw_j, users, "users") : NULL;
		if (users && users->type == TW_JARR && aid && aid->type == TW_JSTR) {
			const char *ap = aid->p;
			size_t an = aid->len;

			/* an escaped id (never seen in practice) is decoded first */
			if (aid->flags & TW_JF_ESC) {
				tw_buf_reset(&tw_b);
				tw_json_str_decode(&tw_b, aid);
				ap = tw_b.p;
				an = tw_b.len;
			}
			end = tw_json_after(&tw_j, users);
			for (u = users + 1; u < end; u = tw_json_after(&tw_j, u)) {
				const struct tw_jval *id = TW_JGET(&tw_j, u, "id");

				if (!id || id->type != TW_JSTR)
					continue;
				if (tw_json_streq(id, ap, an)) {
					uname = "";
					tw_sum_str(s, TW_JGET(&tw_j, u, "username"));
					break;
				}
			}
		}
		if (!uname)
			sum_missing(s);
	}
}
#endif

#ifdef HAVE_JQ
/* jv functions consume their arguments: jv_copy whatever is used again. */
static jv
jq_get(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT) {
		jv_free(obj);
		return jv_invalid();
	}
	return jv_object_get(obj, jv_string(key));
}

/* Sums string v and frees it. */
static void
jq_sum_str(struct sum *s, jv v)
{
	if (jv_get_kind(v) == JV_KIND_STRING)
		sum_str(s, jv_string_value(v), jv_string_length_bytes(jv_copy(v)));
	else
		sum_missing(s);
	jv_free(v);
}

static void
run_jq(const struct corpus *c, struct sum *s)
{
	size_t i;

	for (i = 0; i < c->nlines; i++) {
		jv root = jv_parse_sized(c->buf + c->off[i], (int)c->len[i]);
		jv d, aid, like, users;
		int found = 0;

		if (!jv_is_valid(root)) {
			jv_free(root);
			s->errors++;
			continue;
		}
		d = jq_get(jv_copy(root), "data");
		jq_sum_str(s, jq_get(jv_copy(d), "id"));
		aid = jq_get(jv_copy(d), "author_id");
		jq_sum_str(s, jv_copy(aid));
		jq_sum_str(s, jq_get(jv_copy(d), "text"));
		jq_sum_str(s, jq_get(jv_copy(d), "lang"));
		like = jq_get(jq_get(jv_copy(d), "public_metrics"), "like_count");
		if (jv_get_kind(like) == JV_KIND_NUMBER)
			sum_int(s, (int64_t)jv_number_value(like));
		else
			sum_missing(s);
		jv_free(like);
		jv_free(d);

		users = jq_get(jq_get(root, "includes"), "users");
		if (jv_get_kind(users) == JV_KIND_ARRAY &&
		    jv_get_kind(aid) == JV_KIND_STRING) {
			jv_array_foreach(users, k, u) {
				jv id = jq_get(jv_copy(u), "id");

				if (!found && jv_equal(id, jv_copy(aid))) {
					found = 1;
					jq_sum_str(s, jq_get(jv_copy(u), "username"));
				}
				jv_free(u);
				if (found)
					break;
			}
		}
		if (!found)
			sum_missing(s);
		jv_free(users);
		jv_free(aid);
	}
}
#endif

#ifdef HAVE_JSMN
static jsmntok_t *jsmn_tok;
static unsigned jsmn_ntok = 1024;
static char *jsmn_scratch;
static size_t jsmn_scratch_cap;

/* The index just past the subtree at t[i]; an object key's size is 1. */
static int
jsmn_skip(const jsmntok_t *t, int i)
{
	int pending = 1;

	while (pending > 0) {
		pending += t[i].size - 1;
		i++;
	}
	return i;
}

/* The value of key in object t[obj], or -1. */
static int
jsmn_get(const char *js, const jsmntok_t *t, int obj, const char *key)
{
	size_t klen = strlen(key);
	int i, k;

	if (obj < 0 || t[obj].type != JSMN_OBJECT)
		return -1;
	for (i = obj + 1, k = 0; k < t[obj].size; k++) {
		if ((size_t)(t[i].end - t[i].start) == klen &&
		    memcmp(js + t[i].start, key, klen) == 0)
			return i + 1;
		i = jsmn_skip(t, i + 1);
	}
	return -1;
}

static void
jsmn_sum_str(struct sum *s, const char *js, const jsmntok_t *t, int i)
{
	const char *p;
	size_t n;

	if (i < 0 || t[i].type != JSMN_STRING) {
		sum_missing(s);
		return;
	}
	p = js + t[i].start;
	n = (size_t)(t[i].end - t[i].start);
	if (!memchr(p, '\\', n)) {
		sum_str(s, p, n);
		return;
	}
	if (n > jsmn_scratch_cap) {
		jsmn_scratch_cap = n * 2;
		jsmn_scratch = xrealloc(jsmn_scratch, jsmn_scratch_cap);
	}
	sum_str(s, jsmn_scratch, unescape(jsmn_scratch, p, n));
}

static void
run_jsmn(const struct corpus *c, struct sum *s)
{
	size_t i;

	if (!jsmn_tok)
		jsmn_tok = xmalloc(jsmn_ntok * sizeof *jsmn_tok);
	for (i = 0; i < c->nlines; i++) {
		const char *js = c->buf + c->off[i];
		const jsmntok_t *t;
		jsmn_parser p;
		int r, d, aid, m, like, users, u, k, found = 0;

		for (;;) {
			jsmn_init(&p);
			r = jsmn_parse(&p, js, c->len[i], jsmn_tok, jsmn_ntok);
			if (r != JSMN_ERROR_NOMEM)
				break;
			jsmn_ntok *= 2;
			jsmn_tok = xrealloc(jsmn_tok, jsmn_ntok * sizeof *jsmn_tok);
		}
		if (r < 1) {
			s->errors++;
			continue;
		}
		t = jsmn_tok;
		d = jsmn_get(js, t, 0, "data");
		jsmn_sum_str(s, js, t, jsmn_get(js, t, d, "id"));
		aid = jsmn_get(js, t, d, "author_id");
		jsmn_sum_str(s, js, t, aid);
		jsmn_sum_str(s, js, t, jsmn_get(js, t, d, "text"));
		jsmn_sum_str(s, js, t, jsmn_get(js, t, d, "lang"));
		m = jsmn_get(js, t, d, "public_metrics");
		like = jsmn_get(js, t, m, "like_count");
		if (like >= 0 && t[like].type == JSMN_PRIMITIVE &&
		    (js[t[like].start] == '-' ||
		    (js[t[like].start] >= '0' && js[t[like].start] <= '9')))
			sum_int(s, strtoll(js + t[like].start, NULL, 10));
		else
			sum_missing(s);

		users = jsmn_get(js, t, jsmn_get(js, t, 0, "includes"), "users");
		if (users >= 0 && t[users].type == JSMN_ARRAY && aid >= 0 &&
		    t[aid].type == JSMN_STRING) {
			const char *ap = js + t[aid].start;
			size_t an = (size_t)(t[aid].end - t[aid].start);

			for (u = users + 1, k = 0; k < t[users].size;
			    k++, u = jsmn_skip(t, u)) {
				int id = jsmn_get(js, t, u, "id");

				if (id >= 0 && t[id].type == JSMN_STRING &&
				    (size_t)(t[id].end - t[id].start) == an &&
				    memcmp(js + t[id].start, ap, an) == 0) {
					found = 1;
					jsmn_sum_str(s, js, t,
					    jsmn_get(js, t, u, "username"));
					break;
				}
			}
		}
		if (!found)
			sum_missing(s);
	}
}
#endif

#ifdef HAVE_YAJL
static char *yajl_copy;
static size_t yajl_copy_cap;

static void
yajl_sum_str(struct sum *s, yajl_val v)
{
	const char *p = v ? YAJL_GET_STRING(v) : NULL;

	if (p)
		sum_str(s, p, strlen(p));
	else
		sum_missing(s);
}

static void
run_yajl(const struct corpus *c, struct sum *s)
{
	static const char *p_data[] = { "data", NULL };
	static const char *p_id[] = { "id", NULL };
	static const char *p_aid[] = { "author_id", NULL };
	static const char *p_text[] = { "text", NULL };
	static const char *p_lang[] = { "lang", NULL };
	static const char *p_like[] = { "public_metrics", "like_count", NULL };
	static const char *p_users[] = { "includes", "users", NULL };
	static const char *p_uname[] = { "username", NULL };
	size_t i, k;

	for (i = 0; i < c->nlines; i++) {
		yajl_val root, d, aid, like, users;
		int found = 0;

		if (c->len[i] >= yajl_copy_cap) {
			yajl_copy_cap = c->len[i] * 2 + 1;
			yajl_copy = xrealloc(yajl_copy, yajl_copy_cap);
		}
		memcpy(yajl_copy, c->buf + c->off[i], c->len[i]);
		yajl_copy[c->len[i]] = '\0';
		root = yajl_tree_parse(yajl_copy, NULL, 0);
		if (!root) {
			s->errors++;
			continue;
		}
		d = yajl_tree_get(root, p_data, yajl_t_object);
		yajl_sum_str(s, d ? yajl_tree_get(d, p_id, yajl_t_string) : NULL);
		aid = d ? yajl_tree_get(d, p_aid, yajl_t_string) : NULL;
		yajl_sum_str(s, aid);
		yajl_sum_str(s, d ? yajl_tree_get(d, p_text, yajl_t_string) : NULL);
		yajl_sum_str(s, d ? yajl_tree_get(d, p_lang, yajl_t_string) : NULL);
		like = d ? yajl_tree_get(d, p_like, yajl_t_number) : NULL;
		if (like && YAJL_IS_INTEGER(like))
			sum_int(s, YAJL_GET_INTEGER(like));
		else
			sum_missing(s);

		users = yajl_tree_get(root, p_users, yajl_t_array);
		if (users && aid) {
			const char *a = YAJL_GET_STRING(aid);

			for (k = 0; k < YAJL_GET_ARRAY(users)->len; k++) {
				yajl_val u = YAJL_GET_ARRAY(users)->values[k];
				yajl_val id = yajl_tree_get(u, p_id, yajl_t_string);
				const char *ip = id ? YAJL_GET_STRING(id) : NULL;

				if (ip && a && strcmp(ip, a) == 0) {
					found = 1;
					yajl_sum_str(s, yajl_tree_get(u, p_uname,
					    yajl_t_string));
					break;
				}
			}
		}
		if (!found)
			sum_missing(s);
		yajl_tree_free(root);
	}
}
#endif

#ifdef HAVE_CJSON
static void
cjson_sum_str(struct sum *s, const cJSON *v)
{
	if (cJSON_IsString(v) && v->valuestring)
		sum_str(s, v->valuestring, strlen(v->valuestring));
	else
		sum_missing(s);
}

static void
run_cjson(const struct corpus *c, struct sum *s)
{
	size_t i;

	for (i = 0; i < c->nlines; i++) {
		cJSON *root = cJSON_ParseWithLength(c->buf + c->off[i], c->len[i]);
		const cJSON *d, *aid, *like, *users, *u;
		int found = 0;

		if (!root) {
			s->errors++;
			continue;
		}
		d = cJSON_GetObjectItemCaseSensitive(root, "data");
		cjson_sum_str(s, cJSON_GetObjectItemCaseSensitive(d, "id"));
		aid = cJSON_GetObjectItemCaseSensitive(d, "author_id");
		cjson_sum_str(s, aid);
		cjson_sum_str(s, cJSON_GetObjectItemCaseSensitive(d, "text"));
		cjson_sum_str(s, cJSON_GetObjectItemCaseSensitive(d, "lang"));
		like = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(d, "public_metrics"),
		    "like_count");
		if (cJSON_IsNumber(like))
			sum_int(s, (int64_t)like->valuedouble);
		else
			sum_missing(s);

		users = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(root, "includes"), "users");
		if (cJSON_IsArray(users) && cJSON_IsString(aid)) {
			cJSON_ArrayForEach(u, users) {
				const cJSON *id =
				    cJSON_GetObjectItemCaseSensitive(u, "id");

				if (cJSON_IsString(id) &&
				    strcmp(id->valuestring, aid->valuestring) == 0) {
					found = 1;
					cjson_sum_str(s, cJSON_GetObjectItemCaseSensitive(
					    u, "username"));
					break;
				}
			}
		}
		if (!found)
			sum_missing(s);
		cJSON_Delete(root);
	}
}
#endif

#ifdef HAVE_JSONC
static struct json_tokener *jsonc_tok;

static void
jsonc_sum_str(struct sum *s, struct json_object *v)
{
	if (v && json_object_is_type(v, json_type_string))
		sum_str(s, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v));
	else
		sum_missing(s);
}

/* The member key of obj, or NULL (also when obj is NULL or no object). */
static struct json_object *
jsonc_get(struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (!obj || !json_object_is_type(obj, json_type_object))
		return NULL;
	return json_object_object_get_ex(obj, key, &v) ? v : NULL;
}

static void
run_jsonc(const struct corpus *c, struct sum *s)
{
	size_t i, k, n;

	if (!jsonc_tok && !(jsonc_tok = json_tokener_new()))
		die("out of memory", NULL);
	for (i = 0; i < c->nlines; i++) {
		struct json_object *root, *d, *aid, *like, *users;
		int found = 0;

		json_tokener_reset(jsonc_tok);
		root = json_tokener_parse_ex(jsonc_tok, c->buf + c->off[i],
		    (int)c->len[i]);
		if (!root || json_tokener_get_error(jsonc_tok) !=
		    json_tokener_success) {
			json_object_put(root);
			s->errors++;
			continue;
		}
		d = jsonc_get(root, "data");
		jsonc_sum_str(s, jsonc_get(d, "id"));
		aid = jsonc_get(d, "author_id");
		jsonc_sum_str(s, aid);
		jsonc_sum_str(s, jsonc_get(d, "text"));
		jsonc_sum_str(s, jsonc_get(d, "lang"));
		like = jsonc_get(jsonc_get(d, "public_metrics"), "like_count");
		if (like && json_object_is_type(like, json_type_int))
			sum_int(s, json_object_get_int64(like));
		else
			sum_missing(s);

		users = jsonc_get(jsonc_get(root, "includes"), "users");
		if (users && json_object_is_type(users, json_type_array) && aid &&
		    json_object_is_type(aid, json_type_string)) {
			const char *a = json_object_get_string(aid);

			n = json_object_array_length(users);
			for (k = 0; k < n; k++) {
				struct json_object *u =
				    json_object_array_get_idx(users, k);
				struct json_object *id = jsonc_get(u, "id");

				if (id && json_object_is_type(id, json_type_string) &&
				    strcmp(json_object_get_string(id), a) == 0) {
					found = 1;
					jsonc_sum_str(s, jsonc_get(u, "username"));
					break;
				}
			}
		}
		if (!found)
			sum_missing(s);
		json_object_put(root);
	}
}
#endif

struct parser {
	const char *name;
	const char *what;
	void (*run)(const struct corpus *, struct sum *);
};

static const struct parser parsers[] = {
#ifdef HAVE_TW
	{ "tw_json", "in-place tape (lib/tw_json.h)", run_tw },
#endif
#ifdef HAVE_JSMN
	{ "jsmn", "tokenizer, strict (strings decoded here)", run_jsmn },
#endif
#ifdef HAVE_YAJL
	{ "yajl", "yajl_tree_parse (+ NUL-terminated copy)", run_yajl },
#endif
#ifdef HAVE_CJSON
	{ "cjson", "cJSON_ParseWithLength", run_cjson },
#endif
#ifdef HAVE_JSONC
	{ "json-c", "json_tokener_parse_ex, reused tokener", run_jsonc },
#endif
#ifdef HAVE_JQ
	{ "jq-jv", "libjq jv_parse_sized", run_jq },
#endif
	{ NULL, NULL, NULL }	/* the end; keeps the array non-empty */
};

static void
usage(void)
{
	fprintf(stderr, "usage: %s [-r reps] [-p name,...] file.ndjson\n", prog);
	exit(2);
}

/* 1 when name is in the comma-separated list (NULL: every name). */
static int
selected(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	if (!list)
		return 1;
	while ((p = strstr(p, name)) != NULL) {
		if ((p == list || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct corpus c;
	const char *only = NULL;
	uint64_t ref = 0;
	int reps = 3, ch, r, first = 1;
	size_t k, np = sizeof parsers / sizeof parsers[0] - 1;
	struct sum sums[sizeof parsers / sizeof parsers[0]];
	double secs[sizeof parsers / sizeof parsers[0]], jq_secs = 0;

	while ((ch = getopt(argc, argv, "p:r:")) != -1) {
		switch (ch) {
		case 'p':
			only = optarg;
			break;
		case 'r':
			reps = atoi(optarg);
			if (reps < 1 || reps > 100)
				usage();
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	if (np == 0)
		die("no parser compiled in (see HAVE_* at the top)", NULL);
	corpus_load(&c, argv[optind]);
	if (c.nlines == 0)
		die("no lines", argv[optind]);
#ifdef HAVE_TW
	tw_json_init(&tw_j);
#endif

	printf("%zu lines, %.1f MB in memory, best of %d passes\n",
	    c.nlines, c.size / 1e6, reps);
	/* Round robin, so a slow spell on a shared machine hits every parser. */
	for (k = 0; k < np; k++)
		secs[k] = 0;
	for (r = 0; r < reps; r++) {
		for (k = 0; k < np; k++) {
			double t0, t;

			if (!selected(only, parsers[k].name))
				continue;
			sums[k].h = 0;
			sums[k].errors = 0;
			t0 = now();
			parsers[k].run(&c, &sums[k]);
			t = now() - t0;
			if (r == 0 || t < secs[k])
				secs[k] = t;
		}
	}
	for (k = 0; k < np; k++)
		/* jq-jv, the parser jq itself uses, is the yardstick */
		if (secs[k] > 0 && strcmp(parsers[k].name, "jq-jv") == 0)
			jq_secs = secs[k];

	printf("%-8s %9s %11s %8s  %-16s %6s  %s\n", "parser", "MB/s",
	    "lines/s", "x jq-jv", "checksum", "errors", "how");
	for (k = 0; k < np; k++) {
		char ratio[32] = "-";

		if (secs[k] == 0)
			continue;
		if (first)
			ref = sums[k].h;
		if (jq_secs > 0)
			snprintf(ratio, sizeof ratio, "%.1f", jq_secs / secs[k]);
		printf("%-8s %9.0f %11.0f %8s  %016llx %6zu  %s%s\n",
		    parsers[k].name, c.size / 1e6 / secs[k], c.nlines / secs[k],
		    ratio, (unsigned long long)sums[k].h, sums[k].errors,
		    parsers[k].what,
		    first || sums[k].h == ref ? "" : "  CHECKSUM DIFFERS");
		first = 0;
	}
	if (fflush(stdout) == EOF || ferror(stdout))
		die("write error", "<stdout>");

	/* Freed so that a leak checker reports only the parsers' leaks. */
	free(c.buf);
	free(c.off);
	free(c.len);
#ifdef HAVE_TW
	tw_json_free(&tw_j);
	tw_buf_free(&tw_b);
#endif
#ifdef HAVE_JSMN
	free(jsmn_tok);
	free(jsmn_scratch);
#endif
#ifdef HAVE_YAJL
	free(yajl_copy);
#endif
#ifdef HAVE_JSONC
	if (jsonc_tok)
		json_tokener_free(jsonc_tok);
#endif
	return 0;
}
