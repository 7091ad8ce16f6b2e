#include "tw_input.h"
#include "tw_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bracket state of a document being joined from several lines. */
struct depth {
	long depth;
	int in_str, esc, broken;
};

/* Feeds one line; sets broken when the text cannot be one document. */
static void
depth_feed(struct depth *d, const char *s, size_t n)
{
	size_t i;

	if (d->in_str) {
		/* A JSON string cannot hold a raw newline. */
		d->broken = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (d->in_str) {
			if (d->esc)
				d->esc = 0;
			else if (c == '\\')
				d->esc = 1;
			else if (c == '"')
				d->in_str = 0;
			continue;
		}
		if (c == '"')
			d->in_str = 1;
		else if (c == '{' || c == '[')
			d->depth++;
		else if (c == '}' || c == ']') {
			if (--d->depth < 0)
				d->broken = 1;
		}
	}
}

void
tw_input_init(struct tw_input *in, struct tw_reader *r, struct tw_json *json)
{
	memset(in, 0, sizeof *in);
	tw_buf_init(&in->acc);
	tw_buf_init(&in->replay);
	tw_buf_init(&in->restbuf);
	in->r = r;
	in->json = json;
	in->multiline = 1;
	in->max_doc = (size_t)256 << 20;
}

void
tw_input_free(struct tw_input *in)
{
	tw_buf_free(&in->acc);
	tw_buf_free(&in->replay);
	tw_buf_free(&in->restbuf);
	in->rest = NULL;
	free(in->rep_off);
	free(in->rep_len);
	free(in->rep_line);
	free(in->rep_name);
	in->rep_off = in->rep_len = NULL;
	in->rep_line = NULL;
	in->rep_name = NULL;
}

static enum tw_read_status
get_line(struct tw_input *in, const char **l, size_t *n, uint64_t *line,
    const char **name)
{
	enum tw_read_status st;

	in->line_cr = 0;
	in->line_replayed = 0;
	if (in->rest != NULL) {
		/* what followed a document on its line */
		*l = in->rest;
		*n = in->restlen;
		*line = in->rest_line;
		*name = in->rest_name;
		in->line_cr = in->rest_cr;
		in->line_replayed = in->rest_replayed;
		in->rest = NULL;
		return TW_READ_LINE;
	}
	if (in->rep_i < in->rep_n) {
		size_t i = in->rep_i++;

		in->line_replayed = 1;
		*l = in->replay.p + in->rep_off[i];
		*n = in->rep_len[i];
		*line = in->rep_line[i];
		*name = in->rep_name[i];
		return TW_READ_LINE;
	}
	if (in->pend) {
		st = (enum tw_read_status)in->pend;
		in->pend = 0;
		*l = NULL;
		*n = in->pend_n;
		*line = in->pend_line;
		*name = in->pend_name;
		return st;
	}
	st = tw_reader_next(in->r, l, n);
	*line = in->r->lineno;
	*name = in->r->name;
	in->line_cr = st == TW_READ_LINE && in->r->cr;
	if (st == TW_READ_LINE)
		in->bytes_read += *n + 1;
	return st;
}

static int
blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

static void
set_reason(struct tw_input *in, enum tw_json_status st)
{
	if (st == TW_JSON_INCOMPLETE)
		snprintf(in->reason, sizeof in->reason, "truncated JSON");
	else
		snprintf(in->reason, sizeof in->reason, "%s at column %zu",
		    in->json->errmsg ? in->json->errmsg :
		    tw_json_status_name(st), in->json->erroff + 1);
}

/*
 * After a parse of s[0..n) failed with a syntax error: if the text is a
 * document that starts with '{' or '[' followed by another '{' or '['
 * (documents stuck together), parses the first one alone into in->json
 * and returns its length; else 0 (in->json then holds nothing useful:
 * the caller parses again for the error).
 */
static size_t
stuck(struct tw_input *in, const char *s, size_t n, size_t *next)
{
	size_t at = in->json->erroff, i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	if (i == n || (s[i] != '{' && s[i] != '[') || at == 0 || at >= n ||
	    (s[at] != '{' && s[at] != '['))
		return 0;
	if (tw_json_parse(in->json, s, at) != TW_JSON_OK)
		return 0;
	*next = at;
	while (at > 0 && (s[at - 1] == ' ' || s[at - 1] == '\t' ||
	    s[at - 1] == '\r' || s[at - 1] == '\n'))
		at--;
	return at;
}

/*
 * Keeps s[0..n) as the text to read next, at line `line` of file `name`
 * (it stays where it is: a line of the reader or of the replay queue is
 * not overwritten before it is read).
 */
static void
set_rest(struct tw_input *in, const char *s, size_t n, uint64_t line,
    const char *name, int cr, int replayed)
{
	in->rest = s;
	in->restlen = n;
	in->rest_line = line;
	in->rest_name = name;
	in->rest_cr = cr;
	in->rest_replayed = replayed;
}

/*
 * Gives up on joining: lines 2.. of the joined text, then whatever was
 * still queued, are read again one by one. Offsets of the joined lines
 * are in off/len/ln[0..k).
 */
static void
requeue(struct tw_input *in, size_t k, const size_t *off, const size_t *len,
    const uint64_t *ln, const char **nm)
{
	struct tw_buf nb = TW_BUF_INIT;
	size_t total = (k - 1) + (in->rep_n - in->rep_i), i, j = 0;
	size_t *no = tw_xmalloc((total + 1) * sizeof *no);
	size_t *nl = tw_xmalloc((total + 1) * sizeof *nl);
	uint64_t *nn = tw_xmalloc((total + 1) * sizeof *nn);
	const char **na = tw_xmalloc((total + 1) * sizeof *na);

	for (i = 1; i < k; i++, j++) {
		no[j] = nb.len;
		nl[j] = len[i];
		nn[j] = ln[i];
		na[j] = nm[i];
		tw_buf_add(&nb, in->acc.p + off[i], len[i]);
		tw_buf_addc(&nb, '\0');
	}
	for (i = in->rep_i; i < in->rep_n; i++, j++) {
		no[j] = nb.len;
		nl[j] = in->rep_len[i];
		nn[j] = in->rep_line[i];
		na[j] = in->rep_name[i];
		tw_buf_add(&nb, in->replay.p + in->rep_off[i], in->rep_len[i]);
		tw_buf_addc(&nb, '\0');
	}
	tw_buf_free(&in->replay);
	free(in->rep_off);
	free(in->rep_len);
	free(in->rep_line);
	free(in->rep_name);
	in->replay = nb;
	in->rep_off = no;
	in->rep_len = nl;
	in->rep_line = nn;
	in->rep_name = na;
	in->rep_n = total;
	in->rep_i = 0;
}

/*
 * A line that may start a document of its own: '{' or '[' at column 0,
 * as NDJSON records and the first line of `jq .` output do (the lines
 * inside a pretty-printed document are indented).
 */
static int
doc_start(const char *s, size_t n)
{
	return n > 0 && (s[0] == '{' || s[0] == '[');
}

/*
 * Joins lines from first on while they can still be one document (a
 * pretty-printed one). The joined text is parsed when its brackets
 * close, and also after 2, 4, 8, ... lines so that a syntax error (an
 * NDJSON line cut short, then the next record) ends the attempt early
 * and at linear cost. Then:
 *  - a syntax error, or a document over max_doc: the first line is a
 *    truncated record and the others are read again one by one;
 *  - the input (or the file) ends inside the document: the whole text
 *    is one truncated document, one report; unless a later line may
 *    start a document of its own (doc_start), in which case as for a
 *    syntax error, so that what follows a cut line is not lost.
 */
static enum tw_in_status
join(struct tw_input *in, const char *first, size_t firstlen, uint64_t line0,
    const char *name0)
{
	size_t cap = 16, k = 0, next_try = 2, i, split, at;
	size_t *off = tw_xmalloc(cap * sizeof *off);
	size_t *len = tw_xmalloc(cap * sizeof *len);
	uint64_t *ln = tw_xmalloc(cap * sizeof *ln);
	const char **nm = tw_xmalloc(cap * sizeof *nm);
	const char *lname;
	struct depth d = { 0, 0, 0, 0 };
	enum tw_json_status ps;
	enum tw_read_status st;
	enum tw_in_status ret;
	const char *l;
	size_t n;
	uint64_t lno;
	int ended = 0, other_file = 0;

	tw_buf_reset(&in->acc);
	tw_buf_add(&in->acc, first, firstlen);
	off[0] = 0;
	len[0] = firstlen;
	ln[0] = line0;
	nm[0] = name0;
	k = 1;
	depth_feed(&d, first, firstlen);
	for (;;) {
		st = get_line(in, &l, &n, &lno, &lname);
		if (st != TW_READ_LINE) {
			/* An error or an over-long line ends the attempt; it is
			 * delivered after the lines given back. */
			if (st != TW_READ_EOF) {
				in->pend = (int)st;
				in->pend_n = n;
				in->pend_line = lno;
				in->pend_name = lname;
			}
			ended = 1;
			break;
		}
		if (k == cap) {
			cap *= 2;
			off = tw_xrealloc(off, cap * sizeof *off);
			len = tw_xrealloc(len, cap * sizeof *len);
			ln = tw_xrealloc(ln, cap * sizeof *ln);
			nm = tw_xrealloc(nm, cap * sizeof *nm);
		}
		tw_buf_addc(&in->acc, '\n');
		off[k] = in->acc.len;
		len[k] = n;
		ln[k] = lno;
		nm[k] = lname;
		tw_buf_add(&in->acc, l, n);
		k++;
		in->bytes_joined += n + 1;
		if (lname != name0) {
			/* The next file: never join across files. */
			ended = other_file = 1;
			break;
		}
		if (in->acc.len > in->max_doc)
			break;
		depth_feed(&d, l, n);
		/* Deeper than the parser goes: it can never be one document. */
		if (d.broken || d.depth > (long)in->json->max_depth)
			break;
		ps = TW_JSON_INCOMPLETE;
		if (d.depth == 0 && !d.in_str) {
			in->bytes_joined += in->acc.len;
			ps = tw_json_parse(in->json, in->acc.p, in->acc.len);
			if (ps == TW_JSON_OK) {
				in->raw = in->acc.p;
				in->rawlen = in->acc.len;
				in->lineno = line0;
				in->name = name0;
				in->cr = 0;	/* lines joined by LF */
				ret = TW_IN_DOC;
				goto out;
			}
		} else if (k >= next_try) {
			next_try *= 2;
			in->bytes_joined += in->acc.len;
			ps = tw_json_parse(in->json, in->acc.p, in->acc.len);
		}
		if (ps == TW_JSON_SYNTAX &&
		    (split = stuck(in, in->acc.p, in->acc.len, &at)) > 0) {
			/* A document, then the next one stuck to one of its
			 * lines: the rest is read next, from a copy (acc is
			 * reused), numbered by the line it starts on. */
			size_t r0 = 0;

			for (i = 0; i < k && off[i] <= at; i++)
				r0 = i;
			tw_buf_reset(&in->restbuf);
			tw_buf_add(&in->restbuf, in->acc.p + at, in->acc.len - at);
			set_rest(in, in->restbuf.p, in->restbuf.len, ln[r0], name0,
			    0, 1);
			/* stuck() parsed the first document into json */
			in->raw = in->acc.p;
			in->rawlen = split;
			in->lineno = line0;
			in->name = name0;
			in->cr = 0;
			ret = TW_IN_DOC;
			goto out;
		}
		if (ps != TW_JSON_INCOMPLETE)
			break;
	}
	if (ended) {
		size_t last = k - other_file;	/* lines of this document */
		int rec = 0;

		for (i = 1; i < last && !rec; i++)
			rec = doc_start(in->acc.p + off[i], len[i]);
		if (!rec && last > 1) {
			/* One truncated document; the other file's line, if
			 * any, is read again. */
			if (other_file)
				requeue(in, 2, off + k - 2, len + k - 2,
				    ln + k - 2, nm + k - 2);
			in->acc.len = off[last - 1] + len[last - 1];
			in->acc.p[in->acc.len] = '\0';
			in->raw = in->acc.p;
			in->rawlen = in->acc.len;
			in->lineno = line0;
			in->name = name0;
			in->cr = 0;
			snprintf(in->reason, sizeof in->reason,
			    "truncated JSON (a document of %zu lines, cut short)",
			    last);
			ret = TW_IN_BAD;
			goto out;
		}
	}
	/* Not one document: the first line is truncated, the rest is re-read. */
	requeue(in, k, off, len, ln, nm);
	in->raw = in->acc.p;
	in->rawlen = firstlen;
	in->lineno = line0;
	in->name = name0;
	snprintf(in->reason, sizeof in->reason, "truncated JSON");
	ret = TW_IN_BAD;
out:
	free(off);
	free(len);
	free(ln);
	free(nm);
	return ret;
}

enum tw_in_status
tw_input_next(struct tw_input *in)
{
	enum tw_json_status ps;
	enum tw_read_status st;
	const char *l, *name;
	size_t n;
	uint64_t lno;

	st = get_line(in, &l, &n, &lno, &name);
	in->lineno = lno;
	in->name = name;
	in->raw = l;
	in->rawlen = n;
	in->cr = in->line_cr;
	switch (st) {
	case TW_READ_EOF:
		return TW_IN_EOF;
	case TW_READ_ERR:
		return TW_IN_IOERR;
	case TW_READ_LONG:
		in->raw = NULL;
		in->rawlen = 0;
		snprintf(in->reason, sizeof in->reason,
		    "line of %zu bytes exceeds the limit of %zu", n,
		    in->r->max_line);
		return TW_IN_BAD;
	case TW_READ_LINE:
		break;
	}
	if (blank(l, n))
		return TW_IN_BLANK;
	ps = tw_json_parse(in->json, l, n);
	if (ps == TW_JSON_OK)
		return TW_IN_DOC;
	if (ps == TW_JSON_SYNTAX) {
		size_t at, len = stuck(in, l, n, &at);

		if (len > 0) {
			/* Documents stuck together: this one now, the rest of
			 * the line next (it ends the line: the CR LF is its). */
			set_rest(in, l + at, n - at, lno, name, in->cr,
			    in->line_replayed);
			in->rawlen = len;
			in->cr = 0;
			return TW_IN_DOC;
		}
		ps = tw_json_parse(in->json, l, n);	/* the error again */
	}
	/* A line given back by a failed join starts a join of its own only
	 * while joining has cost at most four times the input read (plus
	 * 1 MiB): normal input stays well inside, and input made of
	 * opening brackets stays linear. */
	if (ps == TW_JSON_INCOMPLETE && in->multiline && (!in->line_replayed ||
	    in->bytes_joined < 4 * in->bytes_read + ((uint64_t)1 << 20)))
		return join(in, l, n, lno, name);
	set_reason(in, ps);
	return TW_IN_BAD;
}
