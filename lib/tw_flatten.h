/*
 * tw_flatten: Twitter API payloads to flat twpipe records.
 *
 * Input is one parsed JSON document (see tw_json): a v2 page or stream
 * line, a single v2 tweet (also twarc2's flattened form), a v1.1 status,
 * a v1.1 search or premium-search page, a JSON array of any of these, a
 * kcat -J envelope whose payload is one of these, or an already flat
 * twpipe record (passed through, so flattening is idempotent).
 * Output is zero or more NDJSON records appended to a tw_buf, each with
 * the fields of lib/tw_schema.h in schema order (see man/twpipe.7).
 *
 * Non-tweet documents (API error objects, v1.1 delete/limit/warning and
 * other stream notices, user pages, rule lists, counts) produce no tweet
 * records and are counted by kind. A document that cannot be flattened
 * (a field of the wrong type, an unparsable time, a broken kcat payload)
 * produces no output at all and a reason in `err`.
 */
#ifndef TW_FLATTEN_H
#define TW_FLATTEN_H

#include <stdint.h>

#include "tw_buf.h"
#include "tw_json.h"
#include "tw_schema.h"

enum tw_doc_kind {
	TW_DOC_TWEETS,		/* held tweets (maybe zero after filtering) */
	TW_DOC_FLAT,		/* an already flat record */
	TW_DOC_USERS,		/* user objects only */
	TW_DOC_API_ERROR,	/* only an "errors" array */
	TW_DOC_NOTICE,		/* v1.1 stream notice: delete, limit, ... */
	TW_DOC_EMPTY,		/* nothing: a kcat message without payload, an
				 * empty array or page of no results */
	TW_DOC_UNSUPPORTED,	/* Activity Streams */
	TW_DOC_OTHER		/* valid JSON that holds no tweets */
};

struct tw_dedup;

#define TW_FLAT_MAXX 32		/* NAME=PATH fields (tweets only) */
#define TW_FLAT_MAXF 128	/* schema fields of a type plus NAME=PATH ones */

/* What tw_flatten_doc writes (tw_flatten_output). */
enum tw_flat_out {
	TW_OUT_NDJSON,		/* one JSON object a record */
	TW_OUT_CSV,		/* one CSV row a record */
	TW_OUT_KEYED		/* key, a tab, the JSON record (kcat -K '\t') */
};

/* A field taken from the payload by path: -f NAME=PATH. */
struct tw_xfield {
	char *name;		/* the column name */
	char *path;		/* dot-separated keys and array indexes */
};

struct tw_flatten {
	/* Settings (tw_flatten_init sets the defaults). */
	unsigned types;			/* bit (1 << enum tw_rtype) per type */
	/* Written fields of each type: on[t][i] for schema field i, and
	 * for tweets on[t][nfields + k] for NAME=PATH field k. */
	unsigned char on[TW_R_N][TW_FLAT_MAXF];
	/* The order they are written in: every field i with on[t][i], in
	 * the order -f named them (schema order by default). */
	short order[TW_R_N][TW_FLAT_MAXF];
	int norder[TW_R_N];
	int reorder[TW_R_N];		/* order is not ascending */
	int sel_default;		/* no -f: flat records pass verbatim */
	struct tw_xfield xf[TW_FLAT_MAXX];
	int nxf;
	enum tw_flat_out out_fmt;	/* NDJSON unless tw_flatten_output */
	char *key_name;			/* TW_OUT_KEYED: the key field */
	int key_idx[TW_R_N];		/* its index in each type, or -1 */

	/* Result of the last document. */
	enum tw_doc_kind kind;
	char err[200];
	size_t api_errors;		/* "errors" entries seen in it */

	/* Totals. */
	uint64_t n_out[TW_R_N];
	uint64_t n_kind[TW_DOC_OTHER + 1];
	uint64_t n_api_errors;
	uint64_t n_dups;
	uint64_t n_repaired;		/* strings with U+FFFD substituted */

	/* Internal. */
	struct tw_dedup *dedup;
	struct tw_json payload;
	struct tw_buf tmp, tmp2, reo, keyb;
	char *keys[TW_R_N][TW_FLAT_MAXF];	/* ,"name": of each field */
	unsigned char keylen[TW_R_N][TW_FLAT_MAXF];
	struct tw_flat_ctx *ctx;
};

/* Defaults: tweets only; all fields but the time parts. */
void tw_flatten_init(struct tw_flatten *f);
void tw_flatten_free(struct tw_flatten *f);

/*
 * Enables de-duplication of tweets by id, remembering at least the last
 * `size` ids (memory: about 32 bytes per id).
 */
void tw_flatten_dedup(struct tw_flatten *f, size_t size);

/*
 * Sets the field selection from a comma-separated list of names, written
 * in that order; each name applies to every record type that has it. An
 * item NAME=PATH adds to tweets a field NAME holding the payload value at
 * PATH (keys and array indexes joined by '.', looked up in the tweet
 * object, a leading "data." skipped, or else in the document around it),
 * as JSON. Returns 0, or -1 with f->err naming the unknown field.
 */
int tw_flatten_select(struct tw_flatten *f, const char *list);

/* Adds year, month, day and hour to the default tweet fields. */
void tw_flatten_time_parts(struct tw_flatten *f);

/*
 * The names of the fields written for type t, in output order, into
 * names[0..max); returns how many there are.
 */
int tw_flatten_columns(const struct tw_flatten *f, enum tw_rtype t,
    const char **names, int max);

/*
 * Chooses what tw_flatten_doc writes, from the records themselves (no
 * second parse): NDJSON (the default); CSV rows (TW_OUT_CSV) of the
 * columns tw_flatten_columns gives, values as tw_csv_add_value writes
 * them, a field a record lacks empty, no header (the caller writes it;
 * one record type only); or (TW_OUT_KEYED) each record after the text
 * of its field `key` (a string decoded, null or absent empty, anything
 * else as JSON; tabs and line ends made spaces) and a tab. Call after
 * tw_flatten_select; key is copied.
 */
void tw_flatten_output(struct tw_flatten *f, enum tw_flat_out fmt,
    const char *key);

/*
 * Sets the record types from a comma-separated list (tweets, users,
 * places, media, hashtags, all). Returns 0 or -1 with f->err set.
 */
int tw_flatten_types(struct tw_flatten *f, const char *list);

/*
 * Flattens document j (root j->v[0]) and appends records to out.
 * Returns 0, or -1 when the document is bad: nothing is appended and
 * f->err says why.
 */
int tw_flatten_doc(struct tw_flatten *f, const struct tw_json *j,
    struct tw_buf *out);

#endif
