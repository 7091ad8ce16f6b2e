/*
 * tw-gen fetch: recent search pages and the filtered stream of the X
 * (Twitter) API v2, through libcurl, written to standard output as the
 * API sent them: one search page per line, one stream tweet per line.
 *
 * What a response means (page meta, error bodies, rate limit headers,
 * stream lines, rules files) is decided by lib/tw_api.c, which has no
 * network code and is fuzzed; this file only talks HTTP, waits and
 * writes. The bearer token goes into one request header and nowhere
 * else: it is never printed, and curl's verbose output stays off.
 */
#include "fetch.h"
#include "opts.h"
#include "tw_api.h"
#include "tw_buf.h"
#include "tw_json.h"
#include "tw_opt.h"
#include "tw_sig.h"
#include "tw_time.h"
#include "tw_util.h"
#include "tw_writer.h"

/* The functions are called through pointers (see curl_load). */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * libcurl is loaded when a fetch starts, not with tw-gen: the generator
 * never needs it, and the thirty-odd libraries it pulls in were most of
 * tw-gen's start-up time. The calls below go through this table.
 */
static struct {
	CURLcode (*global_init)(long);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	CURLcode (*easy_perform)(CURL *);
	const char *(*easy_strerror)(CURLcode);
	char *(*easy_escape)(CURL *, const char *, int);
	void (*free)(void *);
	struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
	void (*slist_free_all)(struct curl_slist *);
} C;

#define curl_global_init (*C.global_init)
#define curl_global_cleanup (*C.global_cleanup)
#define curl_easy_init (*C.easy_init)
#define curl_easy_cleanup (*C.easy_cleanup)
#undef curl_easy_setopt		/* curl.h's own pass-through macros */
#undef curl_easy_getinfo
#define curl_easy_setopt (*C.easy_setopt)
#define curl_easy_getinfo (*C.easy_getinfo)
#define curl_easy_perform (*C.easy_perform)
#define curl_easy_strerror (*C.easy_strerror)
#define curl_easy_escape (*C.easy_escape)
#define curl_free (*C.free)
#define curl_slist_append (*C.slist_append)
#define curl_slist_free_all (*C.slist_free_all)

static void
curl_sym(void *h, void *fp, const char *name)
{
	void *p = dlsym(h, name);

	if (p == NULL)
		tw_die(1, "libcurl: %s not found (%s)", name, dlerror());
	memcpy(fp, &p, sizeof p);	/* POSIX: a function pointer fits */
}

static void
curl_load(void)
{
	void *h;

	if (C.global_init != NULL)
		return;
	h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		tw_die(1, "cannot load libcurl (%s): install libcurl4 "
		    "(Debian: apt-get install libcurl4)", dlerror());
	curl_sym(h, &C.global_cleanup, "curl_global_cleanup");
	curl_sym(h, &C.easy_init, "curl_easy_init");
	curl_sym(h, &C.easy_cleanup, "curl_easy_cleanup");
	curl_sym(h, &C.easy_setopt, "curl_easy_setopt");
	curl_sym(h, &C.easy_getinfo, "curl_easy_getinfo");
	curl_sym(h, &C.easy_perform, "curl_easy_perform");
	curl_sym(h, &C.easy_strerror, "curl_easy_strerror");
	curl_sym(h, &C.easy_escape, "curl_easy_escape");
	curl_sym(h, &C.free, "curl_free");
	curl_sym(h, &C.slist_append, "curl_slist_append");
	curl_sym(h, &C.slist_free_all, "curl_slist_free_all");
	curl_sym(h, &C.global_init, "curl_global_init");	/* last: the flag */
}

#define DEFAULT_API "https://api.twitter.com"

/* The expansions and fields tw-flatten reads. */
#define EXPANSIONS "author_id,referenced_tweets.id," \
	"referenced_tweets.id.author_id,entities.mentions.username," \
	"attachments.media_keys,geo.place_id,in_reply_to_user_id"
#define TWEET_FIELDS "created_at,author_id,lang,source,conversation_id," \
	"public_metrics,entities,referenced_tweets,attachments,geo," \
	"in_reply_to_user_id,possibly_sensitive,note_tweet," \
	"edit_history_tweet_ids"
#define USER_FIELDS "created_at,description,location,name,username," \
	"verified,protected,profile_image_url,public_metrics,url"
#define PLACE_FIELDS "full_name,name,country,country_code,place_type,geo"
#define MEDIA_FIELDS "type,url,preview_image_url,width,height," \
	"duration_ms,public_metrics,alt_text"

#define RATE_CAP_MS (15 * 60 * 1000)	/* longest wait for a rate limit */
#define MAX_LIMITED 20			/* 429s in a row before giving up */
#define SEARCH_STALL_MS 60000		/* a search response that stops */
#define MAX_BODY ((size_t)256 << 20)	/* a page, as tw-flatten's limit */
#define MAX_ERRBODY ((size_t)1 << 20)	/* an error body, kept for its reason */

static const char usage_text[] =
    "usage: tw-gen fetch search -q QUERY [--since-id-file FILE] [--start-time TIME]\n"
    "                    [--end-time TIME] [--max-results N] [--max-pages N] [COMMON]\n"
    "       tw-gen fetch stream [--rules-file FILE] [--stall-timeout DUR] [COMMON]\n"
    "       tw-gen fetch rules list|sync [--rules-file FILE] [COMMON]\n"
    "COMMON: [--api-url URL] [--token-file FILE] [--backoff-max DUR] [--retries N]\n"
    "The bearer token is read from TW_BEARER_TOKEN or --token-file.\n";

static void __attribute__((noreturn))
usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	exit(status);
}

enum cmd { C_SEARCH, C_STREAM, C_RULES_LIST, C_RULES_SYNC };

struct opts {
	enum cmd cmd;
	const char *query, *since_file, *rules_file, *token_file;
	const char *api_url;
	char start_time[32], end_time[32];	/* RFC 3339, or empty */
	int64_t max_results, max_pages;	/* max_pages -1: no limit */
	int64_t stall_ms, backoff_max_ms, retries;
};

/* One connection to the API and what the last response said. */
struct conn {
	CURL *curl;
	char base[1024];		/* --api-url without a trailing '/' */
	struct curl_slist *get_hdrs, *post_hdrs;
	struct tw_api_rate rate;	/* headers of the last response */
	long status;
	struct tw_buf body;		/* body, or error body of a stream */
	char errbuf[CURL_ERROR_SIZE];
	int64_t stall_ns;		/* 0: none */
	int64_t last_ns;		/* monotonic time of the last byte */
	int stalled, too_big;
	/* Streaming: lines go to w as they complete. */
	int streaming;
	struct tw_buf line;		/* the incomplete line */
	struct tw_writer *w;
	struct tw_json j;
	struct tw_buf msg;
	int disconnect, got_tweet, write_failed;
	unsigned long long tweets;
};

/* ---- options ---- */

/* Stores time s as the API wants it, "YYYY-MM-DDTHH:MM:SSZ". */
static int64_t
opt_time(const char *name, const char *s, char *out, size_t outsz)
{
	struct tw_tm tm;
	int64_t ms;

	if (tw_time_parse(s, strlen(s), &ms) || ms < 0)
		tw_die(2, "%s: not a time: '%s'", name, s);
	tw_time_split(ms, &tm);
	snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.year,
	    tm.mon, tm.day, tm.hour, tm.min, tm.sec);
	return ms;
}

/* A bearer token: visible ASCII only, so it cannot break the header. */
static int
token_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 4096)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

/* Reads the token (never echoed) into b; exits 2 when there is none. */
static void
read_token(const char *file, struct tw_buf *b)
{
	if (file) {
		char chunk[4096];
		size_t a = 0, n;
		FILE *f = fopen(file, "r");

		if (f == NULL)
			tw_die(2, "--token-file: %s: %s", file, strerror(errno));
		while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 &&
		    b->len < 8192)
			tw_buf_add(b, chunk, n);
		if (ferror(f))
			tw_die(2, "--token-file: %s: %s", file, strerror(errno));
		fclose(f);
		explicit_bzero(chunk, sizeof chunk);
		if (b->len == 0)
			tw_die(2, "--token-file: %s: empty", file);
		/* Surrounding white space (the newline of an editor) goes. */
		while (b->len > 0 && strchr(" \t\r\n", b->p[b->len - 1]))
			b->p[--b->len] = '\0';
		while (a < b->len && strchr(" \t\r\n", b->p[a]))
			a++;
		memmove(b->p, b->p + a, b->len - a + 1);
		b->len -= a;
		if (!token_valid(b->p, b->len))
			tw_die(2, "--token-file: %s: not a bearer token", file);
		return;
	}
	file = getenv("TW_BEARER_TOKEN");
	if (file == NULL || *file == '\0')
		tw_die(2, "no bearer token: set TW_BEARER_TOKEN or use "
		    "--token-file");
	tw_buf_adds(b, file);
	if (!token_valid(b->p, b->len))
		tw_die(2, "TW_BEARER_TOKEN: not a bearer token");
}

/* ---- waiting ---- */

/* Sleeps ms, in short steps so that a signal ends the wait at once. */
static void
nap(int64_t ms)
{
	int64_t end = tw_mono_ns() + ms * 1000000;

	while (!tw_sig_caught) {
		int64_t left = end - tw_mono_ns();
		struct timespec ts;

		if (left <= 0)
			break;
		if (left > 100000000)
			left = 100000000;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left;
		nanosleep(&ts, NULL);
	}
}

/* "250 ms" or "3 s", for messages. */
static const char *
dur_text(int64_t ms, char *buf, size_t n)
{
	if (ms < 1000)
		snprintf(buf, n, "%lld ms", (long long)ms);
	else
		snprintf(buf, n, "%lld s", (long long)((ms + 999) / 1000));
	return buf;
}

/* ---- HTTP ---- */

static size_t
on_header(char *s, size_t size, size_t nitems, void *arg)
{
	struct conn *c = arg;
	size_t n = size * nitems;

	/* A new status line starts a new response (after a 100). */
	if (n >= 5 && memcmp(s, "HTTP/", 5) == 0)
		tw_api_rate_init(&c->rate);
	else
		tw_api_rate_header(&c->rate, s, n);
	return n;
}

/* Writes one complete stream line s[0..n) (line ending removed). */
static int
stream_line(struct conn *c, const char *s, size_t n)
{
	enum tw_api_line kind;
	const char *m, *e;
	size_t start;

	tw_buf_reset(&c->msg);
	kind = tw_api_stream_line(&c->j, s, n, &c->msg);
	for (m = c->msg.p; m && *m; m = e + 1) {
		e = strchr(m, '\n');
		tw_warn("api: %.*s", (int)(e - m), m);
	}
	switch (kind) {
	case TW_API_KEEPALIVE:
	case TW_API_ERROR:
		return 0;
	case TW_API_DISCONNECT:
		c->disconnect = 1;
		return -1;
	case TW_API_OTHER:
		tw_warn("stream: a line that is not a JSON object, written "
		    "as it came");
		break;
	case TW_API_TWEET:
		c->got_tweet = 1;
		c->tweets++;
		break;
	}
	start = c->w->out.len;
	tw_buf_add(&c->w->out, s, n);
	tw_buf_addc(&c->w->out, '\n');
	tw_api_scrub(&c->w->out, start);
	if (tw_writer_flush(c->w)) {
		c->write_failed = 1;
		return -1;
	}
	return 0;
}

static size_t
on_body(char *s, size_t size, size_t nitems, void *arg)
{
	struct conn *c = arg;
	size_t n = size * nitems, i, start;
	long code = 0;

	c->last_ns = tw_mono_ns();
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
	if (!c->streaming || code != 200) {
		if (c->body.len + n > (c->streaming ? MAX_ERRBODY : MAX_BODY)) {
			c->too_big = 1;
			return 0;
		}
		tw_buf_add(&c->body, s, n);
		return n;
	}
	/* Streaming: split into lines; the last piece waits for more. */
	start = 0;
	for (i = 0; i < n; i++) {
		const char *p;
		size_t len;

		if (s[i] != '\n')
			continue;
		if (c->line.len > 0) {
			tw_buf_add(&c->line, s + start, i - start);
			p = c->line.p;
			len = c->line.len;
		} else {
			p = s + start;
			len = i - start;
		}
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (stream_line(c, p, len))
			return 0;
		tw_buf_reset(&c->line);
		start = i + 1;
	}
	if (c->line.len + (n - start) > MAX_BODY) {
		c->too_big = 1;
		return 0;
	}
	tw_buf_add(&c->line, s + start, n - start);
	return n;
}

static int
on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	struct conn *c = arg;

	if (tw_sig_caught)
		return 1;
	if (c->stall_ns > 0 && tw_mono_ns() - c->last_ns > c->stall_ns) {
		c->stalled = 1;
		return 1;
	}
	return 0;
}

static void
conn_open(struct conn *c, const char *api_url, const char *token_file)
{
	struct tw_buf h = TW_BUF_INIT, tok = TW_BUF_INIT;
	size_t n = strlen(api_url);

	memset(c, 0, sizeof *c);
	tw_buf_init(&c->body);
	tw_buf_init(&c->line);
	tw_buf_init(&c->msg);
	tw_json_init(&c->j);
	tw_api_rate_init(&c->rate);
	if (strncmp(api_url, "http://", 7) != 0 &&
	    strncmp(api_url, "https://", 8) != 0)
		tw_die(2, "--api-url: not an http or https URL");
	while (n > 0 && api_url[n - 1] == '/')
		n--;
	if (n >= sizeof c->base)
		tw_die(2, "--api-url: too long");
	memcpy(c->base, api_url, n);
	c->base[n] = '\0';
	read_token(token_file, &tok);
	tw_api_secret(tok.p, tok.len);	/* never in a message */

	curl_load();
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		tw_die(1, "cannot initialise libcurl");
	c->curl = curl_easy_init();
	if (c->curl == NULL)
		tw_die(1, "cannot initialise libcurl");
	tw_buf_adds(&h, "Authorization: Bearer ");
	tw_buf_add(&h, tok.p, tok.len);
	c->get_hdrs = curl_slist_append(NULL, h.p);
	c->post_hdrs = curl_slist_append(NULL, h.p);
	if (c->get_hdrs == NULL || c->post_hdrs == NULL)
		tw_oom();
	c->post_hdrs = curl_slist_append(c->post_hdrs,
	    "Content-Type: application/json");
	if (c->post_hdrs == NULL)
		tw_oom();
	/* Our copies go; curl keeps its own in the lists. */
	explicit_bzero(h.p, h.len);
	explicit_bzero(tok.p, tok.len);
	tw_buf_free(&h);
	tw_buf_free(&tok);

	curl_easy_setopt(c->curl, CURLOPT_VERBOSE, 0L);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "twpipe/" TW_VERSION);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 30L);
	curl_easy_setopt(c->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, c);
}

static void
conn_close(struct conn *c)
{
	curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->get_hdrs);
	curl_slist_free_all(c->post_hdrs);
	curl_global_cleanup();
	tw_buf_free(&c->body);
	tw_buf_free(&c->line);
	tw_buf_free(&c->msg);
	tw_json_free(&c->j);
}

/* One request; the response is in c->status, c->body and c->rate. */
static CURLcode
perform(struct conn *c, const char *url, const char *post, int streaming)
{
	CURLcode rc;

	tw_buf_reset(&c->body);
	tw_buf_reset(&c->line);
	tw_api_rate_init(&c->rate);
	c->status = 0;
	c->errbuf[0] = '\0';
	c->stalled = c->too_big = c->disconnect = c->write_failed = 0;
	c->streaming = streaming;
	c->last_ns = tw_mono_ns();
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	if (post) {
		curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->post_hdrs);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, post);
	} else {
		curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->get_hdrs);
		curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	}
	/* Compressed pages are smaller; the stream stays line by line. */
	curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING,
	    streaming ? NULL : "");
	rc = curl_easy_perform(c->curl);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &c->status);
	return rc;
}

/* Why transfer rc failed, for a message. */
static const char *
net_reason(struct conn *c, CURLcode rc)
{
	if (c->stalled)
		return "no data, timed out";
	if (c->too_big)
		return "response too large";
	return c->errbuf[0] ? c->errbuf : curl_easy_strerror(rc);
}

/* Reports an error response: "api: HTTP 400: title: detail". */
static void
report_status(struct conn *c)
{
	struct tw_buf m = TW_BUF_INIT;

	if (tw_api_problem(&m, &c->j, c->body.p,
	    c->body.len) == 0)
		tw_warn("api: HTTP %ld: %s", c->status, m.p);
	else
		tw_warn("api: HTTP %ld", c->status);
	tw_buf_free(&m);
}

/* Reports each line of msg as "api: line". */
static void
report_errors(const char *msg)
{
	const char *e;

	for (; msg && *msg; msg = e + 1) {
		e = strchr(msg, '\n');
		if (e == NULL)
			break;
		tw_warn("api: %.*s", (int)(e - msg), msg);
	}
}

/* Waits as the rate limit of the last response says. */
static void
pace(struct conn *c, int limited)
{
	int64_t w = tw_api_rate_wait(&c->rate, limited, tw_now_ms(),
	    RATE_CAP_MS);
	char d[32];

	if (w <= 0)
		return;
	if (limited)
		tw_warn("rate limited, waiting %s", dur_text(w, d, sizeof d));
	else
		tw_warn("rate limit used up, waiting %s for its reset",
		    dur_text(w, d, sizeof d));
	nap(w);
	tw_api_rate_init(&c->rate);
}

/*
 * A search or rules request with retries: 429 waits for the reset,
 * 5xx and network errors are tried again with backoff. Returns 0 with a
 * 2xx response, -1 when a signal came, -2 after reporting an error
 * that ends the command.
 */
static int
call(struct conn *c, const struct opts *o, const char *url, const char *post)
{
	int64_t backoff = 1000;
	int tries = 0, limited = 0;
	char d[32];

	for (;;) {
		CURLcode rc;
		int64_t w;

		pace(c, 0);
		if (tw_sig_caught)
			return -1;
		c->stall_ns = (int64_t)SEARCH_STALL_MS * 1000000;
		rc = perform(c, url, post, 0);
		if (tw_sig_caught)
			return -1;
		w = backoff < o->backoff_max_ms ? backoff : o->backoff_max_ms;
		if (rc != CURLE_OK) {
			if (c->too_big || tries++ >= o->retries) {
				tw_warn("api: %s", net_reason(c, rc));
				return -2;
			}
			tw_warn("api: %s, trying again in %s",
			    net_reason(c, rc), dur_text(w, d, sizeof d));
		} else if (c->status == 429) {
			if (++limited > MAX_LIMITED) {
				report_status(c);
				return -2;
			}
			pace(c, 1);
			continue;
		} else if (c->status >= 500) {
			if (tries++ >= o->retries) {
				report_status(c);
				return -2;
			}
			tw_warn("api: HTTP %ld, trying again in %s", c->status,
			    dur_text(w, d, sizeof d));
		} else if (c->status >= 200 && c->status < 300) {
			return 0;
		} else {
			report_status(c);
			return -2;
		}
		nap(w);
		backoff *= 2;
	}
}

/* Appends "&name=value" (or "?name=value" first), value escaped. */
static void
add_param(struct conn *c, struct tw_buf *url, const char *name,
    const char *value)
{
	char *e = curl_easy_escape(c->curl, value, (int)strlen(value));

	if (e == NULL)
		tw_oom();
	tw_buf_addc(url, strchr(url->p, '?') ? '&' : '?');
	tw_buf_adds(url, name);
	tw_buf_addc(url, '=');
	tw_buf_adds(url, e);
	curl_free(e);
}

static void
add_fields(struct conn *c, struct tw_buf *url)
{
	add_param(c, url, "expansions", EXPANSIONS);
	add_param(c, url, "tweet.fields", TWEET_FIELDS);
	add_param(c, url, "user.fields", USER_FIELDS);
	add_param(c, url, "place.fields", PLACE_FIELDS);
	add_param(c, url, "media.fields", MEDIA_FIELDS);
}

/* ---- search ---- */

/* Reads the id kept in file into id; 0 when the file does not exist. */
static int
read_since(const char *file, struct tw_buf *id)
{
	char buf[64];
	size_t n;
	FILE *f = fopen(file, "r");

	if (f == NULL) {
		if (errno == ENOENT)
			return 0;
		tw_die(1, "%s: %s", file, strerror(errno));
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	if (ferror(f))
		tw_die(1, "%s: %s", file, strerror(errno));
	fclose(f);
	while (n > 0 && strchr(" \t\r\n", buf[n - 1]))
		n--;
	if (!tw_api_id_valid(buf, n))
		tw_die(1, "%s: not a tweet id", file);
	tw_buf_add(id, buf, n);
	return 1;
}

/* Replaces file by one holding id: temp file, fsync, rename, fsync dir. */
static int
write_since(const char *file, const char *id)
{
	struct tw_buf tmp = TW_BUF_INIT, line = TW_BUF_INIT;
	char *dcopy, *dir;
	int fd, dfd, rc = -1;

	tw_buf_addf(&tmp, "%s.tmpXXXXXX", file);
	tw_buf_addf(&line, "%s\n", id);
	fd = mkstemp(tmp.p);
	if (fd < 0) {
		tw_warn("%s: %s", tmp.p, strerror(errno));
		goto out;
	}
	if (write(fd, line.p, line.len) != (ssize_t)line.len ||
	    fchmod(fd, 0644) || fsync(fd)) {
		tw_warn("%s: %s", tmp.p, strerror(errno));
		close(fd);
		unlink(tmp.p);
		goto out;
	}
	if (close(fd) || rename(tmp.p, file)) {
		tw_warn("%s: %s", file, strerror(errno));
		unlink(tmp.p);
		goto out;
	}
	dcopy = tw_xstrdup(file);
	dir = dirname(dcopy);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	free(dcopy);
	rc = 0;
out:
	tw_buf_free(&tmp);
	tw_buf_free(&line);
	return rc;
}

static int
search(struct conn *c, const struct opts *o)
{
	struct tw_writer w;
	struct tw_api_page pg;
	struct tw_buf since = TW_BUF_INIT, newest = TW_BUF_INIT;
	struct tw_buf url = TW_BUF_INIT, token = TW_BUF_INIT;
	char num[24];
	int64_t pages = 0;
	int status = 0, done = 0, cut = 0, have_since = 0;
	struct stat st;

	if (o->since_file)
		have_since = read_since(o->since_file, &since);
	tw_writer_init(&w, 1, "<stdout>");
	tw_api_page_init(&pg);
	while (!done) {
		tw_buf_reset(&url);
		tw_buf_addf(&url, "%s/2/tweets/search/recent", c->base);
		add_param(c, &url, "query", o->query);
		snprintf(num, sizeof num, "%lld", (long long)o->max_results);
		add_param(c, &url, "max_results", num);
		if (have_since)
			add_param(c, &url, "since_id", since.p);
		else if (o->start_time[0])
			add_param(c, &url, "start_time", o->start_time);
		if (o->end_time[0])
			add_param(c, &url, "end_time", o->end_time);
		if (token.len > 0)
			add_param(c, &url, "next_token", token.p);
		add_fields(c, &url);

		status = call(c, o, url.p, NULL);
		if (status)
			break;
		if (tw_api_page_parse(&pg, &c->j, c->body.p,
		    c->body.len)) {
			tw_warn("api: the response is not a JSON object");
			status = -2;
			break;
		}
		report_errors(pg.errors.p);
		if (pg.ndata > 0) {
			size_t at = w.out.len;

			tw_buf_add(&w.out, pg.line.p, pg.line.len);
			tw_api_scrub(&w.out, at);
			if (tw_writer_flush(&w))
				break;
		}
		if (pg.newest_id.len > 0 && (newest.len == 0 ||
		    tw_api_id_cmp(pg.newest_id.p, pg.newest_id.len, newest.p,
		    newest.len) > 0)) {
			tw_buf_reset(&newest);
			tw_buf_add(&newest, pg.newest_id.p, pg.newest_id.len);
		}
		pages++;
		if (pg.next_token.len == 0)
			done = 1;
		else if (o->max_pages >= 0 && pages >= o->max_pages)
			done = cut = 1;
		else if (token.len == pg.next_token.len &&
		    memcmp(token.p, pg.next_token.p, token.len) == 0) {
			tw_warn("api: the same next_token twice");
			status = -2;
			break;
		}
		tw_buf_reset(&token);
		tw_buf_add(&token, pg.next_token.p, pg.next_token.len);
	}
	if (tw_writer_flush(&w))
		tw_writer_fail(&w);
	if (tw_sig_caught)
		tw_sig_reraise();
	/* The pages are on disk before the file says they were fetched. */
	if (fstat(1, &st) == 0 && S_ISREG(st.st_mode) && fsync(1) &&
	    errno != EINVAL) {
		w.err = errno;
		tw_writer_fail(&w);
	}
	if (tw_writer_close(&w))
		tw_writer_fail(&w);
	if (status == 0 && cut)
		tw_warn("--max-pages: stopped with pages left; tweets older "
		    "than those written are not fetched%s", o->since_file ?
		    ", now nor by a later run from the since-id file" : "");
	if (status == 0 && o->since_file && newest.len > 0 &&
	    write_since(o->since_file, newest.p))
		status = -2;
	tw_api_page_free(&pg);
	tw_buf_free(&since);
	tw_buf_free(&newest);
	tw_buf_free(&url);
	tw_buf_free(&token);
	return status ? 1 : 0;
}

/* ---- rules ---- */

struct rule {
	char *id, *value, *tag;	/* tag "" when none */
	int keep;
};

struct rules {
	struct rule *r;
	size_t n, cap;
};

static void
rules_add(struct rules *rs, const char *id, const char *value,
    const char *tag)
{
	struct rule *r;

	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 16;
		rs->r = tw_xrealloc(rs->r, rs->cap * sizeof *rs->r);
	}
	r = &rs->r[rs->n++];
	r->id = tw_xstrdup(id);
	r->value = tw_xstrdup(value);
	r->tag = tw_xstrdup(tag);
	r->keep = 0;
}

static void
rules_free(struct rules *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->r[i].id);
		free(rs->r[i].value);
		free(rs->r[i].tag);
	}
	free(rs->r);
	memset(rs, 0, sizeof *rs);
}

/* Decoded string member key of obj into b ("" when absent). */
static void
member(struct tw_buf *b, const struct tw_json *j, const struct tw_jval *obj,
    const char *key)
{
	const struct tw_jval *v = tw_json_get(j, obj, key, strlen(key));

	tw_buf_reset(b);
	if (v && v->type == TW_JSTR)
		tw_json_str_decode(b, v);
	else if (v && v->type == TW_JNUM)
		tw_buf_add(b, v->p, v->len);
}

/*
 * Fetches the rules in place into rs; with w, also writes each as one
 * line. Returns 0, or the status of call().
 */
static int
rules_get(struct conn *c, const struct opts *o, struct rules *rs,
    struct tw_writer *w)
{
	struct tw_buf url = TW_BUF_INIT, id = TW_BUF_INIT, value = TW_BUF_INIT,
	    tag = TW_BUF_INIT;
	const struct tw_jval *data, *e;
	size_t k;
	int rc;

	tw_buf_addf(&url, "%s/2/tweets/search/stream/rules", c->base);
	rc = call(c, o, url.p, NULL);
	tw_buf_free(&url);
	if (rc)
		return rc;
	if (tw_json_parse(&c->j, c->body.p, c->body.len) !=
	    TW_JSON_OK || c->j.v[0].type != TW_JOBJ) {
		tw_warn("api: the rules response is not a JSON object");
		return -2;
	}
	data = TW_JGET(&c->j, c->j.v, "data");
	if (data && data->type == TW_JARR) {
		for (e = data + 1, k = 0; k < data->len;
		    e = tw_json_after(&c->j, e), k++) {
			if (e->type != TW_JOBJ)
				continue;
			member(&id, &c->j, e, "id");
			member(&value, &c->j, e, "value");
			member(&tag, &c->j, e, "tag");
			rules_add(rs, id.p, value.p,
			    tag.p);
			if (w) {
				size_t at = w->out.len;

				tw_json_emit(&w->out, &c->j, e);
				tw_buf_addc(&w->out, '\n');
				tw_api_scrub(&w->out, at);
			}
		}
	}
	tw_buf_free(&id);
	tw_buf_free(&value);
	tw_buf_free(&tag);
	return 0;
}

/* Reads the rules file; exits 1 on a bad line. */
static void
rules_read(const char *file, struct rules *rs)
{
	struct tw_json j;
	struct tw_buf value = TW_BUF_INIT, tag = TW_BUF_INIT;
	char *line = NULL;
	size_t cap = 0, i;
	ssize_t n;
	long lineno = 0;
	const char *err;
	FILE *f = fopen(file, "r");

	if (f == NULL)
		tw_die(1, "%s: %s", file, strerror(errno));
	tw_json_init(&j);
	while ((n = getline(&line, &cap, f)) > 0) {
		lineno++;
		switch (tw_api_rule_parse(&j, line, (size_t)n, &value, &tag,
		    &err)) {
		case -1:
			tw_die(1, "%s:%ld: %s", file, lineno, err);
		case 0:
			continue;
		}
		for (i = 0; i < rs->n; i++)
			if (strcmp(rs->r[i].value, value.p) == 0 &&
			    strcmp(rs->r[i].tag, tag.p) == 0)
				break;
		if (i == rs->n)	/* the same rule twice is one rule */
			rules_add(rs, "", value.p, tag.p);
	}
	if (ferror(f))
		tw_die(1, "%s: %s", file, strerror(errno));
	fclose(f);
	free(line);
	tw_json_free(&j);
	tw_buf_free(&value);
	tw_buf_free(&tag);
}

/* POSTs body to the rules endpoint; reports errors. 0 or -1/-2. */
static int
rules_post(struct conn *c, const struct opts *o, const char *body)
{
	struct tw_buf url = TW_BUF_INIT;
	struct tw_api_page pg;
	int rc;

	tw_buf_addf(&url, "%s/2/tweets/search/stream/rules", c->base);
	rc = call(c, o, url.p, body);
	tw_buf_free(&url);
	if (rc)
		return rc;
	tw_api_page_init(&pg);
	if (tw_api_page_parse(&pg, &c->j, c->body.p,
	    c->body.len) == 0 && pg.nerrors > 0) {
		report_errors(pg.errors.p);
		rc = -2;
	}
	tw_api_page_free(&pg);
	return rc;
}

/* Makes the rules in place those of the file. Returns 0 or -1/-2. */
static int
rules_sync(struct conn *c, const struct opts *o)
{
	struct rules want = { 0 }, have = { 0 };
	struct tw_buf del = TW_BUF_INIT, add = TW_BUF_INIT;
	size_t i, k, ndel = 0, nadd = 0;
	int rc;

	rules_read(o->rules_file, &want);
	rc = rules_get(c, o, &have, NULL);
	if (rc)
		goto out;
	tw_buf_adds(&del, "{\"delete\":{\"ids\":[");
	for (i = 0; i < have.n; i++) {
		for (k = 0; k < want.n; k++)
			if (!want.r[k].keep &&
			    strcmp(want.r[k].value, have.r[i].value) == 0 &&
			    strcmp(want.r[k].tag, have.r[i].tag) == 0)
				break;
		if (k < want.n) {
			want.r[k].keep = 1;
			continue;
		}
		if (ndel++)
			tw_buf_addc(&del, ',');
		tw_buf_add_jstr(&del, have.r[i].id, strlen(have.r[i].id));
	}
	tw_buf_adds(&del, "]}}");
	tw_buf_adds(&add, "{\"add\":[");
	for (k = 0; k < want.n; k++) {
		if (want.r[k].keep)
			continue;
		if (nadd++)
			tw_buf_addc(&add, ',');
		tw_buf_adds(&add, "{\"value\":");
		tw_buf_add_jstr(&add, want.r[k].value, strlen(want.r[k].value));
		if (want.r[k].tag[0]) {
			tw_buf_adds(&add, ",\"tag\":");
			tw_buf_add_jstr(&add, want.r[k].tag,
			    strlen(want.r[k].tag));
		}
		tw_buf_addc(&add, '}');
	}
	tw_buf_adds(&add, "]}");
	/* Deletes first, so that a rule whose tag changed can be added. */
	if (ndel > 0 && (rc = rules_post(c, o, del.p)) != 0)
		goto out;
	if (nadd > 0 && (rc = rules_post(c, o, add.p)) != 0)
		goto out;
	tw_warn("rules: %zu kept, %zu added, %zu deleted", want.n - nadd,
	    nadd, ndel);
out:
	rules_free(&want);
	rules_free(&have);
	tw_buf_free(&del);
	tw_buf_free(&add);
	return rc;
}

static int
rules(struct conn *c, const struct opts *o)
{
	struct tw_writer w;
	struct rules have = { 0 };
	int rc;

	if (o->cmd == C_RULES_SYNC)
		rc = rules_sync(c, o);
	else {
		tw_writer_init(&w, 1, "<stdout>");
		rc = rules_get(c, o, &have, &w);
		rules_free(&have);
		if (tw_writer_close(&w))
			tw_writer_fail(&w);
	}
	if (tw_sig_caught)
		tw_sig_reraise();
	return rc ? 1 : 0;
}

/* ---- stream ---- */

static int
stream(struct conn *c, const struct opts *o)
{
	struct tw_writer w;
	struct tw_buf url = TW_BUF_INIT;
	int64_t start = o->backoff_max_ms < 1000 ? o->backoff_max_ms : 1000;
	int64_t backoff = start;
	int status = 0, limited = 0;
	char d[32];

	if (o->rules_file) {
		status = rules_sync(c, o);
		if (tw_sig_caught)
			tw_sig_reraise();
		if (status)
			return 1;
	}
	tw_writer_init(&w, 1, "<stdout>");
	c->w = &w;
	tw_buf_addf(&url, "%s/2/tweets/search/stream", c->base);
	add_fields(c, &url);
	while (!tw_sig_caught) {
		CURLcode rc;
		const char *why;

		c->got_tweet = 0;
		c->stall_ns = o->stall_ms * 1000000;
		rc = perform(c, url.p, NULL, 1);
		if (c->write_failed)
			tw_writer_fail(&w);
		if (tw_sig_caught)
			break;
		if (c->status == 200) {
			limited = 0;
			if (c->got_tweet)
				backoff = start;
			if (c->line.len > 0)
				tw_warn("stream: an incomplete line of %zu "
				    "bytes dropped", c->line.len);
			why = c->disconnect ? "operational disconnect" :
			    c->stalled ? "no data, not even a keep-alive, for "
			    "the stall timeout" : rc == CURLE_OK ?
			    "the connection was closed" : net_reason(c, rc);
			tw_warn("stream: %s, reconnecting in %s", why,
			    dur_text(backoff, d, sizeof d));
		} else if (c->status == 429) {
			if (++limited > MAX_LIMITED) {
				report_status(c);
				status = 1;
				break;
			}
			pace(c, 1);
			continue;
		} else if (c->status >= 400 && c->status < 500) {
			report_status(c);
			status = 1;
			break;
		} else if (c->status >= 500) {
			tw_warn("api: HTTP %ld, reconnecting in %s", c->status,
			    dur_text(backoff, d, sizeof d));
		} else {
			tw_warn("stream: %s, reconnecting in %s",
			    net_reason(c, rc), dur_text(backoff, d, sizeof d));
		}
		nap(backoff);
		backoff = backoff * 2 < o->backoff_max_ms ? backoff * 2 :
		    o->backoff_max_ms;
	}
	tw_buf_free(&url);
	if (tw_writer_flush(&w))
		tw_writer_fail(&w);
	if (tw_sig_caught)
		tw_sig_reraise();
	if (tw_writer_close(&w))
		tw_writer_fail(&w);
	return status;
}

/* ---- main ---- */

enum {
	O_API = 256, O_BACKOFF, O_END, O_MAXPAGES, O_MAXRESULTS, O_RETRIES,
	O_RULES, O_SINCE, O_STALL, O_START, O_TOKEN
};

static const struct option longopts[] = {
	{ "api-url", required_argument, NULL, O_API },
	{ "backoff-max", required_argument, NULL, O_BACKOFF },
	{ "end-time", required_argument, NULL, O_END },
	{ "help", no_argument, NULL, 'h' },
	{ "max-pages", required_argument, NULL, O_MAXPAGES },
	{ "max-results", required_argument, NULL, O_MAXRESULTS },
	{ "query", required_argument, NULL, 'q' },
	{ "retries", required_argument, NULL, O_RETRIES },
	{ "rules-file", required_argument, NULL, O_RULES },
	{ "since-id-file", required_argument, NULL, O_SINCE },
	{ "stall-timeout", required_argument, NULL, O_STALL },
	{ "start-time", required_argument, NULL, O_START },
	{ "token-file", required_argument, NULL, O_TOKEN },
	{ NULL, 0, NULL, 0 }
};

/*
 * getopt_long takes any unambiguous prefix of a long option, so
 * "--token SECRET" would be read as --token-file SECRET and the secret
 * named in the error. Here long options must be given in full: exits 2
 * on any other, without repeating what followed it.
 */
static void
exact_long_options(int argc, char *argv[])
{
	int i, k;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t n;

		if (strcmp(a, "--") == 0)
			return;
		if (a[0] != '-' || a[1] != '-') {
			/* -q takes the next argument when it has none attached. */
			if (strcmp(a, "-q") == 0)
				i++;
			continue;
		}
		n = strcspn(a + 2, "=");
		for (k = 0; longopts[k].name; k++)
			if (strlen(longopts[k].name) == n &&
			    strncmp(longopts[k].name, a + 2, n) == 0)
				break;
		if (longopts[k].name == NULL) {
			tw_warn("unknown option '%.*s' (long options are given in "
			    "full)", (int)(n > 40 ? 40 : n) + 2, a);
			usage(2);
		}
		if (longopts[k].has_arg == required_argument && a[2 + n] != '=')
			i++;
	}
}

/* Exits 2 when option name was given to a command that does not take it. */
static void
only(const struct opts *o, int given, const char *name, int cmds)
{
	if (given && !(cmds & (1 << o->cmd)))
		tw_die(2, "%s: not an option of this command", name);
}

#define SEARCH (1 << C_SEARCH)
#define STREAM (1 << C_STREAM)
#define RULES ((1 << C_RULES_LIST) | (1 << C_RULES_SYNC))

int
fetch_main(int argc, char *argv[])
{
	struct opts o;
	struct conn c;
	const char *sub;
	int ch, skip, rc, given_search = 0, given_stall = 0;
	int64_t start_ms = -1, end_ms = -1;

	memset(&o, 0, sizeof o);
	o.api_url = getenv("TW_API_URL");
	if (o.api_url == NULL || *o.api_url == '\0')
		o.api_url = DEFAULT_API;
	o.max_results = 100;
	o.max_pages = -1;
	o.stall_ms = 20000;
	o.backoff_max_ms = 64000;
	o.retries = 5;
	if (argc < 2) {
		tw_warn("fetch: needs search, stream or rules");
		usage(2);
	}
	sub = argv[1];
	skip = 1;
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0)
		usage(0);
	if (strcmp(sub, "search") == 0)
		o.cmd = C_SEARCH;
	else if (strcmp(sub, "stream") == 0)
		o.cmd = C_STREAM;
	else if (strcmp(sub, "rules") == 0) {
		if (argc < 3) {
			tw_warn("fetch rules: needs list or sync");
			usage(2);
		}
		if (strcmp(argv[2], "list") == 0)
			o.cmd = C_RULES_LIST;
		else if (strcmp(argv[2], "sync") == 0)
			o.cmd = C_RULES_SYNC;
		else if (strcmp(argv[2], "-h") == 0 ||
		    strcmp(argv[2], "--help") == 0)
			usage(0);
		else {
			tw_warn("fetch rules: unknown action '%s'", argv[2]);
			usage(2);
		}
		skip = 2;
	} else {
		tw_warn("fetch: unknown command '%s'", sub);
		usage(2);
	}
	argc -= skip;
	argv += skip;

	opterr = 0;
	optind = 1;
	exact_long_options(argc, argv);
	while ((ch = getopt_long(argc, argv, ":hq:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(0);
		case 'q':
			o.query = optarg;
			given_search = 1;
			break;
		case O_API:
			if (strncmp(optarg, "http://", 7) != 0 &&
			    strncmp(optarg, "https://", 8) != 0)
				tw_die(2, "--api-url: not an http or https URL");
			o.api_url = optarg;
			break;
		case O_BACKOFF:
			o.backoff_max_ms = tw_opt_duration("--backoff-max", optarg,
			    1, (int64_t)3600 * 1000);
			break;
		case O_END:
			end_ms = opt_time("--end-time", optarg, o.end_time,
			    sizeof o.end_time);
			given_search = 1;
			break;
		case O_MAXPAGES:
			o.max_pages = tw_opt_int("--max-pages", optarg, 1,
			    INT64_MAX);
			given_search = 1;
			break;
		case O_MAXRESULTS:
			o.max_results = tw_opt_int("--max-results", optarg, 10,
			    100);
			given_search = 1;
			break;
		case O_RETRIES:
			o.retries = tw_opt_int("--retries", optarg, 0, 100);
			break;
		case O_RULES:
			o.rules_file = optarg;
			only(&o, 1, "--rules-file", STREAM | RULES);
			break;
		case O_SINCE:
			o.since_file = optarg;
			given_search = 1;
			break;
		case O_STALL:
			o.stall_ms = tw_opt_duration("--stall-timeout", optarg,
			    100, (int64_t)3600 * 1000);
			given_stall = 1;
			break;
		case O_START:
			start_ms = opt_time("--start-time", optarg,
			    o.start_time, sizeof o.start_time);
			given_search = 1;
			break;
		case O_TOKEN:
			o.token_file = optarg;
			break;
		case ':':
			tw_warn("%s: needs an argument", argv[optind - 1]);
			usage(2);
		default:
			if (optopt)
				tw_warn("unknown option '-%c'", optopt);
			else
				tw_warn("unknown option '%s'", argv[optind - 1]);
			usage(2);
		}
	}
	if (optind < argc) {
		tw_warn("unexpected argument '%s'", argv[optind]);
		usage(2);
	}
	if (given_search && o.cmd != C_SEARCH)
		tw_die(2, "search options given to fetch %s", sub);
	only(&o, given_stall, "--stall-timeout", STREAM);
	if (o.cmd == C_SEARCH) {
		if (o.query == NULL || *o.query == '\0')
			tw_die(2, "fetch search: needs --query");
		if (tw_utf8_valid_prefix(o.query, strlen(o.query)) !=
		    strlen(o.query))
			tw_die(2, "--query: not valid UTF-8");
		if (start_ms >= 0 && end_ms >= 0 && end_ms <= start_ms)
			tw_die(2, "--end-time: not after --start-time");
	}
	if (o.cmd == C_RULES_SYNC && o.rules_file == NULL)
		tw_die(2, "fetch rules sync: needs --rules-file");

	conn_open(&c, o.api_url, o.token_file);
	switch (o.cmd) {
	case C_SEARCH:
		rc = search(&c, &o);
		break;
	case C_STREAM:
		rc = stream(&c, &o);
		break;
	default:
		rc = rules(&c, &o);
		break;
	}
	conn_close(&c);
	return rc;
}
