/*
 * tw_api: what tw-gen fetch makes of the X (Twitter) API v2 responses,
 * without any network code, so that it can be unit tested and fuzzed.
 *
 * Every function here reads a response body, a header line or a stream
 * line given as bytes (not NUL-terminated, any content), and fills
 * caller-owned buffers. Nothing is printed; the caller decides what to
 * report. The tw_json given is only scratch space: its tape points into
 * the bytes passed and is reused by the next call.
 *
 * Messages built from API bodies are made safe for a terminal: control
 * characters become spaces, the bearer token (tw_api_secret) becomes
 * "[token]", and each message is cut at TW_API_MSGMAX bytes (on a
 * UTF-8 boundary).
 */
#ifndef TW_API_H
#define TW_API_H

#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"
#include "tw_json.h"

#define TW_API_MSGMAX 400

/* What a search page (or a rules response) carries. */
struct tw_api_page {
	struct tw_buf line;	/* the page as one line, with its newline */
	struct tw_buf next_token;	/* meta.next_token, empty when none */
	struct tw_buf newest_id;	/* meta.newest_id when a tweet id */
	int64_t result_count;	/* meta.result_count, -1 when absent */
	size_t ndata;		/* elements of data (1 for an object) */
	size_t nerrors;		/* elements of errors */
	struct tw_buf errors;	/* one message per error, each ending in \n */
};

void tw_api_page_init(struct tw_api_page *pg);
void tw_api_page_free(struct tw_api_page *pg);

/*
 * Reads a 200 response body s[0..n). Returns 0 when it is a JSON object
 * and fills pg (earlier contents are replaced): line is the body as it
 * came when it is already one line, else (pretty-printed) its compact
 * form from tw_json_emit, so one page is always one line. Returns -1
 * when the body is not a JSON object (pg->line is then empty).
 */
int tw_api_page_parse(struct tw_api_page *pg, struct tw_json *j,
    const char *s, size_t n);

/*
 * Appends to msg the reason an error response s[0..n) gives: "title:
 * detail" of a problem ({"title":..,"detail":..}), then, when it also
 * has "errors", "; " and the first of them (the parameter at fault);
 * or else the first element of "errors" (v2 {"title","detail"} or
 * {"message"}, v1.1 {"message","code"}); " (and N more)" when there
 * are several.
 * Returns 0 when a reason was found, -1 (msg unchanged) otherwise.
 */
int tw_api_problem(struct tw_buf *msg, struct tw_json *j, const char *s,
    size_t n);

/* The rate limit headers of the last response; -1 when not sent. */
struct tw_api_rate {
	int64_t limit;
	int64_t remaining;
	int64_t reset;		/* epoch seconds */
};

void tw_api_rate_init(struct tw_api_rate *r);

/*
 * Reads one header line ("x-rate-limit-remaining: 12\r\n", any case).
 * Returns 1 when it was one of the x-rate-limit-* headers with a valid
 * value (stored in r), else 0.
 */
int tw_api_rate_header(struct tw_api_rate *r, const char *s, size_t n);

/*
 * How long to wait, in ms, before the next request, at time now_ms
 * (epoch): when limited (a 429) or when no request remains, until the
 * reset time plus one second, at least 1 s after a 429 (60 s when the
 * reset is unknown), never more than cap_ms. Otherwise 0.
 */
int64_t tw_api_rate_wait(const struct tw_api_rate *r, int limited,
    int64_t now_ms, int64_t cap_ms);

/* What a line of the filtered stream is. */
enum tw_api_line {
	TW_API_KEEPALIVE,	/* blank: nothing to write */
	TW_API_TWEET,		/* an object with data: write it verbatim */
	TW_API_ERROR,		/* errors only: report, do not write */
	TW_API_DISCONNECT,	/* an operational-disconnect: reconnect */
	TW_API_OTHER		/* not a JSON object: write it, warn */
};

/*
 * Classifies stream line s[0..n) (without its line ending). For
 * TW_API_TWEET with errors, TW_API_ERROR and TW_API_DISCONNECT the
 * error messages are appended to msg, one per line.
 */
enum tw_api_line tw_api_stream_line(struct tw_json *j, const char *s,
    size_t n, struct tw_buf *msg);

/*
 * Reads one line s[0..n) of a rules file: "tag<TAB>value", a bare
 * value, or a JSON object {"value":..,"tag":..}. Blank lines and lines
 * starting with '#' are skipped. Returns 1 with value and tag (UTF-8,
 * reset first; tag empty when none), 0 for a skipped line, -1 with
 * *err set for a bad line.
 */
int tw_api_rule_parse(struct tw_json *j, const char *s, size_t n,
    struct tw_buf *value, struct tw_buf *tag, const char **err);

/* 1 when s[0..n) is a tweet id: 1 to 19 decimal digits. */
int tw_api_id_valid(const char *s, size_t n);

/* Compares two tweet ids as numbers (<0, 0, >0). */
int tw_api_id_cmp(const char *a, size_t an, const char *b, size_t bn);

/*
 * Appends s[0..n), safe for a terminal (see above), with every
 * occurrence of the secret given to tw_api_secret replaced by
 * "[token]", so that an API that echoes the Authorization header back
 * never makes a message show the token.
 */
void tw_api_add_safe(struct tw_buf *b, const char *s, size_t n);

/*
 * Sets the secret (the bearer token) that tw_api_add_safe removes; the
 * bytes are copied (process-wide: the tools are one thread). A secret
 * shorter than 8 bytes is not searched for.
 */
void tw_api_secret(const char *s, size_t n);

/*
 * Replaces the secret by "[token]" in b[start..]: for API text written
 * as data (a page or stream line that echoes the header).
 */
void tw_api_scrub(struct tw_buf *b, size_t start);

#endif
