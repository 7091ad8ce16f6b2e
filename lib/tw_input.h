/*
 * tw_input: JSON documents from a tw_reader, with line-level recovery.
 *
 * Each line is parsed as one JSON document (NDJSON). A line that ends
 * inside a value (an opening '{' of a pretty-printed document) is joined
 * with the lines after it until the document is complete; if the joined
 * text turns out not to be JSON, the first line is reported as truncated
 * and the lines after it are read again one by one, so one cut-off line
 * in an NDJSON stream costs exactly one record.
 *
 * A document never spans two files: a cut-off last line is reported as
 * truncated in its own file.
 *
 * Documents stuck together on one line (API bodies saved without a final
 * newline and concatenated: `}{`) are read as separate documents, as jq
 * reads them: when a document that starts with '{' or '[' is followed by
 * another '{' or '[', the first is returned and the rest of the line is
 * read next, with the same line number. Anything else after a document
 * (`{...} junk`) leaves the whole line bad, as before.
 *
 * Blank lines (keep-alives) are returned as TW_IN_BLANK so tools can
 * count them. Bad documents come back as TW_IN_BAD with a reason and the
 * raw text, for the rejects file.
 */
#ifndef TW_INPUT_H
#define TW_INPUT_H

#include "tw_buf.h"
#include "tw_json.h"
#include "tw_reader.h"

enum tw_in_status {
	TW_IN_DOC,	/* json parsed; raw/rawlen is its text */
	TW_IN_BLANK,	/* an empty or white-space line */
	TW_IN_BAD,	/* reason set; raw/rawlen is the text */
	TW_IN_IOERR,	/* reader->errmsg says why; input goes on */
	TW_IN_EOF
};

struct tw_input {
	struct tw_reader *r;
	struct tw_json *json;
	int multiline;		/* join pretty-printed documents (default 1) */
	size_t max_doc;		/* largest joined document */

	/* Per document, read only. */
	const char *name;	/* file it came from (use this, not r->name) */
	uint64_t lineno;	/* line where the document starts */
	const char *raw;
	size_t rawlen;
	int cr;			/* raw is one line that ended in CR LF */
	int line_cr;		/* internal: the last line read did */
	int line_replayed;	/* internal: it came from the replay queue */
	/* Internal: bytes read fresh and bytes spent joining, so that
	 * hostile input (every line an opening bracket) stays linear. */
	uint64_t bytes_read, bytes_joined;
	char reason[160];

	/* Internal. */
	struct tw_buf acc, replay;
	size_t *rep_off, *rep_len;
	uint64_t *rep_line;
	const char **rep_name;
	size_t rep_n, rep_i, rep_cap;
	/* The rest of a line after a document stuck to it: read next.
	 * It points into the reader's line, a replayed line, or restbuf. */
	const char *rest;
	size_t restlen;
	uint64_t rest_line;
	const char *rest_name;
	int rest_cr, rest_replayed;
	struct tw_buf restbuf;
	int pend;		/* a reader event met while joining, 0 if none */
	size_t pend_n;
	uint64_t pend_line;
	const char *pend_name;
};

/* Starts reading documents from r, parsing into json (both borrowed). */
void tw_input_init(struct tw_input *in, struct tw_reader *r,
    struct tw_json *json);

/* The next document, blank line, bad document or I/O error. */
enum tw_in_status tw_input_next(struct tw_input *in);

void tw_input_free(struct tw_input *in);

#endif
