/*
 * tw_json: an in-place JSON parser that builds a flat tape of nodes.
 *
 * Ownership: the parser does not copy the input. Every node points into
 * the text given to tw_json_parse, which must stay alive and unchanged
 * while the nodes are used. The node array belongs to the struct tw_json
 * and is reused by the next parse; tw_json_free releases it.
 *
 * Layout: node 0 is the root. A container's children follow it directly;
 * an object's children alternate key (a string node) and value. Every
 * node's `next` is the index just past its subtree, so siblings are
 * reached without walking the children. Strings and numbers keep their
 * raw text: numbers are never converted on parse, so 64-bit ids stay exact.
 *
 * Strictness: RFC 8259 JSON. Raw control characters in strings are
 * errors. Invalid UTF-8 in strings is accepted and flagged (TW_JF_BADUTF8);
 * decoding replaces it, and lone \u surrogates, with U+FFFD and counts
 * the replacements. \u0000 decodes to a NUL byte and is written back as
 * \u0000. Nesting deeper than max_depth (default TW_JSON_MAX_DEPTH) is
 * an error, so hostile input cannot exhaust the stack or memory.
 *
 * Speed: on x86-64 with AVX2 (or AVX-512), an object or array of valid
 * UTF-8 is parsed in two stages, as simdjson does: the tokens are found
 * 64 bytes at a time with bit masks, then the tape is built from their
 * offsets. Anything else (errors, invalid UTF-8, a bare value, nesting
 * too deep) goes to the scalar parser, which gives every status and
 * message; both build the same tape (tests/unit/test_json.c, fuzz/json.c).
 *
 * Threads: a struct tw_json is used by one thread at a time. Besides,
 * tw_json_streq (so tw_json_get and TW_JGET on a key with escapes) and
 * the emitters (tw_json_str_emit, tw_json_str_emit_html, tw_json_emit,
 * tw_json_emit_opt) decode into a static scratch buffer when a string
 * needs it: they are not thread safe; every tool calls them from its one
 * thread (a reader's decode thread parses no JSON).
 */
#ifndef TW_JSON_H
#define TW_JSON_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "tw_buf.h"

enum tw_jtype {
	TW_JNULL, TW_JFALSE, TW_JTRUE, TW_JNUM, TW_JSTR, TW_JARR, TW_JOBJ
};

#define TW_JF_ESC	0x01	/* string holds backslash escapes */
#define TW_JF_BADUTF8	0x02	/* string holds invalid UTF-8 bytes */
#define TW_JF_INT	0x04	/* number has no fraction or exponent */

struct tw_jval {
	uint8_t type;
	uint8_t flags;
	uint8_t hint[2];	/* an object key: the two bytes after its opening
				 * quote as written (a one-byte key's second is
				 * its closing quote; 0 and 0 when empty); 0 in
				 * other nodes. See tw_json_keyword. */
	uint32_t len;	/* string/number: raw bytes; array: elements; object: members */
	uint32_t next;	/* index just past this subtree */
	const char *p;	/* string: contents between the quotes; number: its text */
};

enum tw_json_status {
	TW_JSON_OK,
	TW_JSON_EMPTY,		/* only white space */
	TW_JSON_INCOMPLETE,	/* input ended inside a value */
	TW_JSON_SYNTAX,		/* not JSON */
	TW_JSON_DEPTH,		/* nested deeper than max_depth */
	TW_JSON_TOOBIG		/* more than 2^32-1 nodes or a string over 4 GiB */
};

#define TW_JSON_MAX_DEPTH 512

struct tw_json {
	struct tw_jval *v;	/* the tape, v[0] is the root */
	size_t n, cap;
	uint32_t *stack;
	size_t stack_cap;
	uint32_t *ix;		/* the two-stage parser's token offsets */
	size_t ix_cap;
	unsigned max_depth;
	/* After a failed parse: what and where (byte offset in the input). */
	const char *errmsg;
	size_t erroff;
	/* After a successful parse: strings flagged TW_JF_BADUTF8. */
	size_t nbadutf8;
	/* Documents the two-stage parser built (the rest went to the scalar
	 * one): for tests and profiles. */
	unsigned long long nfast;
};

/* Prepares j for use; max_depth is TW_JSON_MAX_DEPTH. */
void tw_json_init(struct tw_json *j);

/* Releases the tape and stack. */
void tw_json_free(struct tw_json *j);

/*
 * Parses exactly one JSON value, with optional surrounding white space,
 * from s[0..n). Returns TW_JSON_OK, or another status with errmsg and
 * erroff set. Input that stops inside a value gives TW_JSON_INCOMPLETE,
 * which lets a reader join the lines of a pretty-printed document.
 */
enum tw_json_status tw_json_parse(struct tw_json *j, const char *s, size_t n);

/* The node just past v's subtree, and v's first child. */
static inline const struct tw_jval *
tw_json_after(const struct tw_json *j, const struct tw_jval *v)
{
	return j->v + v->next;
}

/*
 * 1 when v is a string whose decoded value equals s[0..n). Not thread
 * safe: an escaped string is decoded into a static scratch buffer.
 */
int tw_json_streq(const struct tw_jval *v, const char *s, size_t n);

/*
 * The first eight bytes (type, flags, hint, len) of the node of a plain
 * key s[0..n), as one little-endian word (built in a register: a struct
 * written byte by byte and read back as a word stalls the load until the
 * stores retire).
 */
static inline uint64_t
tw_json_keyword(const char *s, size_t n)
{
	uint64_t w = TW_JSTR | (uint64_t)(uint32_t)n << 32;

	if (n > 0)
		w |= (uint64_t)(uint8_t)s[0] << 16 |
		    (uint64_t)(n > 1 ? (uint8_t)s[1] : '"') << 24;
	return w;
}

/*
 * Looks up key in object obj (first match); NULL when obj is not an
 * object or has no such member. A key node's first eight bytes (type,
 * flags, hint, len) are compared with those the key would have, in one
 * compare a member; escaped keys are compared decoded. Inline, so that
 * a literal key (TW_JGET) folds into a constant.
 */
static inline const struct tw_jval *
tw_json_get(const struct tw_json *j, const struct tw_jval *obj,
    const char *key, size_t keylen)
{
	const struct tw_jval *k;
	uint64_t want, w;
	uint32_t m;

	if (obj == NULL || obj->type != TW_JOBJ)
		return NULL;
	want = tw_json_keyword(key, keylen);
	for (m = obj->len, k = obj + 1; m > 0; m--, k = j->v + k[1].next) {
		memcpy(&w, k, sizeof w);
		if (w == want) {
			/* the first two bytes matched in the hint */
			if (keylen <= 2 || memcmp(k->p + 2, key + 2, keylen - 2) == 0)
				return k + 1;
		} else if (k->flags != 0 && tw_json_streq(k, key, keylen)) {
			return k + 1;
		}
	}
	return NULL;
}

#define TW_JGET(j, obj, lit) tw_json_get((j), (obj), lit, sizeof(lit) - 1)

/* Element i of array arr, or NULL (linear time). */
const struct tw_jval *tw_json_index(const struct tw_json *j,
    const struct tw_jval *arr, size_t i);

#define TW_JSTREQ(v, lit) tw_json_streq((v), lit, sizeof(lit) - 1)

/*
 * Reads v as a 64-bit integer: an integer number, or a string of
 * decimal digits (with optional '-'), as v1.1's id_str. Returns 0 on
 * success, -1 when v is NULL, not integral or out of range.
 */
int tw_json_i64(const struct tw_jval *v, int64_t *out);

/*
 * Chooses the SIMD paths, for tests that compare them with the scalar
 * parser: TW_SIMD_OFF, the scalar parser alone; TW_SIMD_AVX2, the
 * two-stage parser with AVX2 and the SSSE3 UTF-8 check of the scalar
 * one; TW_SIMD_ALL (the default), AVX-512 too. Each is limited to what
 * the CPU has. Returns the level that was in use.
 */
#define TW_SIMD_OFF	0
#define TW_SIMD_AVX2	1
#define TW_SIMD_ALL	2
int tw_json_simd(int level);

/* Reads a number (or numeric string) as a double; -1 when not numeric. */
int tw_json_double(const struct tw_jval *v, double *out);

/*
 * Reads an event time as epoch milliseconds: a number (milliseconds,
 * a fraction is cut), or a string tw_time_parse accepts (ISO 8601, the
 * v1.1 date, decimal milliseconds). -1 when v is NULL or neither, or the
 * time is outside the years 0000 to 9999.
 */
int tw_json_time(const struct tw_jval *v, int64_t *ms);

/*
 * Appends the decoded value of string v to b as UTF-8. Returns the number
 * of replacements made (invalid UTF-8, lone surrogates).
 */
size_t tw_json_str_decode(struct tw_buf *b, const struct tw_jval *v);

/*
 * Appends string v to b as a canonical JSON string: quotes, raw UTF-8,
 * only '"', '\\' and control characters escaped. Returns replacements.
 * Not thread safe: a string with invalid UTF-8 is decoded into a static
 * scratch buffer first (so are the three emitters below).
 */
size_t tw_json_str_emit(struct tw_buf *b, const struct tw_jval *v);

/*
 * As tw_json_str_emit, with the HTML entities &amp; &lt; &gt; (which the
 * Twitter API writes in tweet text) turned into & < > after the JSON
 * escapes are decoded; other '&' stay. Returns replacements. Not thread
 * safe (a static scratch buffer).
 */
size_t tw_json_str_emit_html(struct tw_buf *b, const struct tw_jval *v);

/*
 * Appends v and its subtree to b as compact canonical JSON (numbers as
 * written, strings as tw_json_str_emit). Returns replacements.
 */
size_t tw_json_emit(struct tw_buf *b, const struct tw_json *j,
    const struct tw_jval *v);

/* Options of tw_json_emit_opt. */
#define TW_JSON_NONUL 0x01	/* U+0000 left out of strings and keys */

/*
 * As tw_json_emit, with options opt: TW_JSON_NONUL writes strings and
 * keys without their U+0000 characters (\u0000), for a database whose
 * text cannot hold one, and adds the number left out to *nuls. Returns
 * replacements.
 */
size_t tw_json_emit_opt(struct tw_buf *b, const struct tw_json *j,
    const struct tw_jval *v, unsigned opt, size_t *nuls);

/* A short human name for a status ("truncated JSON", ...). */
const char *tw_json_status_name(enum tw_json_status st);

#endif
