#include "tw_api.h"
#include "tw_util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void
tw_api_page_init(struct tw_api_page *pg)
{
	memset(pg, 0, sizeof *pg);
	tw_buf_init(&pg->line);
	tw_buf_init(&pg->next_token);
	tw_buf_init(&pg->newest_id);
	tw_buf_init(&pg->errors);
	pg->result_count = -1;
}

void
tw_api_page_free(struct tw_api_page *pg)
{
	tw_buf_free(&pg->line);
	tw_buf_free(&pg->next_token);
	tw_buf_free(&pg->newest_id);
	tw_buf_free(&pg->errors);
	tw_api_page_init(pg);
}

static char *secret;
static size_t secretlen;

void
tw_api_secret(const char *s, size_t n)
{
	if (secret != NULL)
		explicit_bzero(secret, secretlen);
	free(secret);
	secret = NULL;
	secretlen = 0;
	if (n < 8)
		return;
	secret = tw_xmalloc(n);
	memcpy(secret, s, n);
	secretlen = n;
}

/* The first occurrence of the secret in s[0..n), or NULL. */
static const char *
find_secret(const char *s, size_t n)
{
	const char *e = s + n, *p = s;

	while ((size_t)(e - p) >= secretlen &&
	    (p = memchr(p, secret[0], (size_t)(e - p) - secretlen + 1)) != NULL) {
		if (memcmp(p, secret, secretlen) == 0)
			return p;
		p++;
	}
	return NULL;
}

void
tw_api_scrub(struct tw_buf *b, size_t start)
{
	struct tw_buf o = TW_BUF_INIT;
	const char *p, *e, *hit;

	if (secret == NULL || b->len - start < secretlen ||
	    find_secret(b->p + start, b->len - start) == NULL)
		return;
	p = b->p + start;
	e = b->p + b->len;
	while ((hit = find_secret(p, (size_t)(e - p))) != NULL) {
		tw_buf_add(&o, p, (size_t)(hit - p));
		tw_buf_adds(&o, "[token]");
		p = hit + secretlen;
	}
	tw_buf_add(&o, p, (size_t)(e - p));
	explicit_bzero(b->p + start, b->len - start);
	b->len = start;
	tw_buf_add(b, o.p, o.len);
	explicit_bzero(o.p, o.len);
	tw_buf_free(&o);
}

void
tw_api_add_safe(struct tw_buf *b, const char *s, size_t n)
{
	size_t start = b->len, i, keep;

	tw_buf_add_utf8_repair(b, s, n);
	for (i = start; i < b->len; i++)
		if ((unsigned char)b->p[i] < 0x20 || b->p[i] == 0x7f)
			b->p[i] = ' ';
	tw_api_scrub(b, start);
	if (b->len - start > TW_API_MSGMAX) {
		/* Cut on a UTF-8 boundary: back off continuation bytes. */
		keep = TW_API_MSGMAX;
		while (keep > 0 &&
		    ((unsigned char)b->p[start + keep] & 0xc0) == 0x80)
			keep--;
		b->len = start + keep;
		b->p[b->len] = '\0';
		tw_buf_adds(b, "...");
	}
}

/* Appends the decoded string member key of obj, safe; 1 if present. */
static int
add_member(struct tw_buf *b, const struct tw_json *j,
    const struct tw_jval *obj, const char *key, size_t keylen)
{
	const struct tw_jval *v = tw_json_get(j, obj, key, keylen);
	struct tw_buf tmp = TW_BUF_INIT;

	if (v == NULL)
		return 0;
	if (v->type == TW_JSTR) {
		if (v->len == 0)
			return 0;
		tw_json_str_decode(&tmp, v);
	} else if (v->type == TW_JNUM) {
		tw_buf_add(&tmp, v->p, v->len);
	} else {
		return 0;
	}
	tw_api_add_safe(b, tmp.p, tmp.len);
	tw_buf_free(&tmp);
	return 1;
}

#define ADD_MEMBER(b, j, o, lit) add_member((b), (j), (o), lit, sizeof(lit) - 1)

/* Appends "title: detail" (or message, or type) of one error object. */
static void
add_error(struct tw_buf *b, const struct tw_json *j, const struct tw_jval *e)
{
	size_t start = b->len;

	if (e->type != TW_JOBJ) {
		tw_buf_adds(b, "unknown error");
		return;
	}
	if (ADD_MEMBER(b, j, e, "title")) {
		tw_buf_adds(b, ": ");
		if (!ADD_MEMBER(b, j, e, "detail") &&
		    !ADD_MEMBER(b, j, e, "message")) {
			b->len -= 2;
			b->p[b->len] = '\0';
		}
	} else if (ADD_MEMBER(b, j, e, "message")) {
		size_t at = b->len;

		tw_buf_adds(b, " (code ");
		if (ADD_MEMBER(b, j, e, "code"))
			tw_buf_addc(b, ')');
		else {
			b->len = at;
			b->p[at] = '\0';
		}
	} else if (!ADD_MEMBER(b, j, e, "detail") &&
	    !ADD_MEMBER(b, j, e, "type")) {
		tw_buf_adds(b, "unknown error");
	}
	if (b->len == start)
		tw_buf_adds(b, "unknown error");
}

/* Appends "; " and the first error (the detail of a problem), if any. */
static void
add_more(struct tw_buf *b, const struct tw_json *j, const struct tw_jval *errs)
{
	if (errs == NULL || errs->type != TW_JARR || errs->len == 0)
		return;
	tw_buf_adds(b, "; ");
	add_error(b, j, errs + 1);
	if (errs->len > 1)
		tw_buf_addf(b, " (and %u more)", (unsigned)(errs->len - 1));
}

/* Appends each element of array errs as a line; returns the count. */
static size_t
add_errors(struct tw_buf *b, const struct tw_json *j,
    const struct tw_jval *errs)
{
	const struct tw_jval *e;
	size_t k = 0;

	if (errs == NULL || errs->type != TW_JARR)
		return 0;
	for (e = errs + 1; k < errs->len; e = tw_json_after(j, e), k++) {
		add_error(b, j, e);
		tw_buf_addc(b, '\n');
	}
	return k;
}

/* 1 when s[0..n) holds a line break before its trailing white space. */
static int
multiline(const char *s, size_t n)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
	    s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return memchr(s, '\n', n) != NULL || memchr(s, '\r', n) != NULL;
}

int
tw_api_page_parse(struct tw_api_page *pg, struct tw_json *j, const char *s,
    size_t n)
{
	const struct tw_jval *root, *meta, *v;

	tw_buf_reset(&pg->line);
	tw_buf_reset(&pg->next_token);
	tw_buf_reset(&pg->newest_id);
	tw_buf_reset(&pg->errors);
	pg->result_count = -1;
	pg->ndata = pg->nerrors = 0;
	if (tw_json_parse(j, s, n) != TW_JSON_OK || j->v[0].type != TW_JOBJ)
		return -1;
	root = j->v;
	if (multiline(s, n)) {
		tw_json_emit(&pg->line, j, root);
	} else {
		size_t a = 0, e = n;

		/* Trim the white space around the one line. */
		while (a < e && (s[a] == ' ' || s[a] == '\t' || s[a] == '\n' ||
		    s[a] == '\r'))
			a++;
		while (e > a && (s[e - 1] == ' ' || s[e - 1] == '\t' ||
		    s[e - 1] == '\n' || s[e - 1] == '\r'))
			e--;
		tw_buf_add(&pg->line, s + a, e - a);
	}
	tw_buf_addc(&pg->line, '\n');

	v = TW_JGET(j, root, "data");
	if (v && v->type == TW_JARR)
		pg->ndata = v->len;
	else if (v && v->type == TW_JOBJ)
		pg->ndata = 1;
	pg->nerrors = add_errors(&pg->errors, j, TW_JGET(j, root, "errors"));
	meta = TW_JGET(j, root, "meta");
	if (meta && meta->type == TW_JOBJ) {
		v = TW_JGET(j, meta, "next_token");
		if (v && v->type == TW_JSTR && v->len > 0) {
			tw_json_str_decode(&pg->next_token, v);
			/* A token with a NUL could not be sent: drop it. */
			if (memchr(pg->next_token.p, '\0',
			    pg->next_token.len) != NULL)
				tw_buf_reset(&pg->next_token);
		}
		v = TW_JGET(j, meta, "newest_id");
		if (v && v->type == TW_JSTR && !(v->flags & TW_JF_ESC) &&
		    tw_api_id_valid(v->p, v->len))
			tw_buf_add(&pg->newest_id, v->p, v->len);
		v = TW_JGET(j, meta, "result_count");
		if (v == NULL || tw_json_i64(v, &pg->result_count) ||
		    pg->result_count < 0)
			pg->result_count = -1;
	}
	return 0;
}

int
tw_api_problem(struct tw_buf *msg, struct tw_json *j, const char *s,
    size_t n)
{
	const struct tw_jval *root, *errs;
	size_t start = msg->len;

	if (tw_json_parse(j, s, n) != TW_JSON_OK || j->v[0].type != TW_JOBJ)
		return -1;
	root = j->v;
	errs = TW_JGET(j, root, "errors");
	if (TW_JGET(j, root, "title") || TW_JGET(j, root, "detail")) {
		add_error(msg, j, root);
		add_more(msg, j, errs);
	} else if (errs && errs->type == TW_JARR && errs->len > 0) {
		add_error(msg, j, errs + 1);
		if (errs->len > 1)
			tw_buf_addf(msg, " (and %u more)",
			    (unsigned)(errs->len - 1));
	} else if (ADD_MEMBER(msg, j, root, "error")) {
		/* OAuth endpoints: {"error":"invalid_request",...} */
		;
	} else {
		return -1;
	}
	return msg->len > start ? 0 : -1;
}

void
tw_api_rate_init(struct tw_api_rate *r)
{
	r->limit = r->remaining = r->reset = -1;
}

/* A decimal value of at most 18 digits in s[0..n), white space around. */
static int
header_int(const char *s, size_t n, int64_t *out)
{
	size_t i = 0, digits = 0;
	int64_t v = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
		if (++digits > 18)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	if (digits == 0)
		return -1;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
	    s[i] == '\n'))
		i++;
	if (i != n)
		return -1;
	*out = v;
	return 0;
}

int
tw_api_rate_header(struct tw_api_rate *r, const char *s, size_t n)
{
	static const char pre[] = "x-rate-limit-";
	const size_t pl = sizeof pre - 1;
	const char *colon;
	size_t nl;
	int64_t v, *dst;

	if (n <= pl || strncasecmp(s, pre, pl) != 0)
		return 0;
	colon = memchr(s, ':', n);
	if (colon == NULL)
		return 0;
	nl = (size_t)(colon - s) - pl;
	if (nl == 5 && strncasecmp(s + pl, "limit", 5) == 0)
		dst = &r->limit;
	else if (nl == 9 && strncasecmp(s + pl, "remaining", 9) == 0)
		dst = &r->remaining;
	else if (nl == 5 && strncasecmp(s + pl, "reset", 5) == 0)
		dst = &r->reset;
	else
		return 0;
	if (header_int(colon + 1, n - (size_t)(colon + 1 - s), &v))
		return 0;
	*dst = v;
	return 1;
}

int64_t
tw_api_rate_wait(const struct tw_api_rate *r, int limited, int64_t now_ms,
    int64_t cap_ms)
{
	int64_t w;

	if (!limited && r->remaining != 0)
		return 0;
	if (r->reset < 0 || r->reset > INT64_MAX / 1000 - 1000)
		w = limited ? 60000 : 0;
	else
		w = r->reset * 1000 + 1000 - now_ms;
	if (limited && w < 1000)
		w = 1000;
	if (w < 0)
		w = 0;
	if (w > cap_ms)
		w = cap_ms;
	return w;
}

/* 1 when error object e says the stream was disconnected upstream. */
static int
is_disconnect(const struct tw_json *j, const struct tw_jval *e)
{
	const struct tw_jval *v;

	if (e->type != TW_JOBJ)
		return 0;
	v = TW_JGET(j, e, "title");
	if (v && (TW_JSTREQ(v, "operational-disconnect") ||
	    TW_JSTREQ(v, "OperationalDisconnect")))
		return 1;
	v = TW_JGET(j, e, "disconnect_type");
	return v != NULL && v->type == TW_JSTR;
}

enum tw_api_line
tw_api_stream_line(struct tw_json *j, const char *s, size_t n,
    struct tw_buf *msg)
{
	const struct tw_jval *root, *errs, *e;
	size_t i, k;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			break;
	if (i == n)
		return TW_API_KEEPALIVE;
	if (tw_json_parse(j, s, n) != TW_JSON_OK || j->v[0].type != TW_JOBJ)
		return TW_API_OTHER;
	root = j->v;
	errs = TW_JGET(j, root, "errors");
	if (TW_JGET(j, root, "data")) {
		add_errors(msg, j, errs);
		return TW_API_TWEET;
	}
	if (errs == NULL || errs->type != TW_JARR)
		return TW_API_OTHER;
	add_errors(msg, j, errs);
	for (e = errs + 1, k = 0; k < errs->len; e = tw_json_after(j, e), k++)
		if (is_disconnect(j, e))
			return TW_API_DISCONNECT;
	return TW_API_ERROR;
}

/* Decodes string v into b; -1 when it is not a usable rule string. */
static int
rule_str(struct tw_buf *b, const struct tw_jval *v)
{
	if (v->type != TW_JSTR)
		return -1;
	if (tw_json_str_decode(b, v) != 0 ||
	    (b->len > 0 && memchr(b->p, '\0', b->len)))
		return -1;
	return 0;
}

int
tw_api_rule_parse(struct tw_json *j, const char *s, size_t n,
    struct tw_buf *value, struct tw_buf *tag, const char **err)
{
	const char *tab;
	size_t a = 0;

	tw_buf_reset(value);
	tw_buf_reset(tag);
	while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	while (a < n && (s[a] == ' ' || s[a] == '\t'))
		a++;
	if (a == n || s[a] == '#')
		return 0;
	if (s[a] == '{') {
		const struct tw_jval *root, *v;

		if (tw_json_parse(j, s, n) != TW_JSON_OK ||
		    j->v[0].type != TW_JOBJ) {
			*err = "not a JSON object";
			return -1;
		}
		root = j->v;
		v = TW_JGET(j, root, "value");
		if (v == NULL || rule_str(value, v) || value->len == 0) {
			*err = "no \"value\" string";
			return -1;
		}
		v = TW_JGET(j, root, "tag");
		if (v && v->type != TW_JNULL && rule_str(tag, v)) {
			*err = "\"tag\" is not a string";
			return -1;
		}
		return 1;
	}
	if (tw_utf8_valid_prefix(s, n) != n || memchr(s, '\0', n)) {
		*err = "not valid UTF-8";
		return -1;
	}
	tab = memchr(s, '\t', n);
	if (tab) {
		tw_buf_add(tag, s, (size_t)(tab - s));
		tw_buf_add(value, tab + 1, n - (size_t)(tab + 1 - s));
	} else {
		tw_buf_add(value, s + a, n - a);
	}
	if (value->len == 0) {
		*err = "empty rule value";
		return -1;
	}
	return 1;
}

int
tw_api_id_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 19 || (n > 1 && s[0] == '0'))
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

int
tw_api_id_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c;

	while (an > 1 && *a == '0')
		a++, an--;
	while (bn > 1 && *b == '0')
		b++, bn--;
	if (an != bn)
		return an < bn ? -1 : 1;
	c = memcmp(a, b, an);
	return c;
}
