/* Unit tests for lib/tw_reader and lib/tw_input against their headers.
 * Files are written into the current directory (a temp dir of the runner). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tw_buf.h"
#include "tw_input.h"
#include "tw_json.h"
#include "tw_reader.h"
#include "tap.h"

static void
write_file(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(s, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

#define WRITES(path, lit) write_file((path), (lit), sizeof(lit) - 1)

static void
write_gz(const char *path, const char *mode, const char *s, size_t n)
{
	gzFile g = gzopen(path, mode);

	if (!g || gzwrite(g, s, (unsigned)n) != (int)n || gzclose(g) != Z_OK) {
		fprintf(stderr, "gzip write %s failed\n", path);
		exit(1);
	}
}

/* One event from the reader, copied. */
struct ev {
	int st;
	char *line;
	size_t len;
	uint64_t lineno;
	char name[64];
	char err[256];
};

struct evs {
	struct ev *e;
	size_t n;
};

/* Reads everything from files (at most 100000 events), with max_line ml (0 = default). */
static struct evs
read_all(char **files, int nfiles, size_t ml)
{
	struct tw_reader r;
	struct evs v = { NULL, 0 };
	const char *line;
	size_t len;
	int st, pad_ok = 1;

	tw_reader_open(&r, files, nfiles);
	if (ml)
		r.max_line = ml;
	v.e = calloc(100001, sizeof *v.e);
	while (v.n < 100000) {
		struct ev *e = &v.e[v.n++];
		line = NULL;
		len = 0;
		st = tw_reader_next(&r, &line, &len);
		e->st = st;
		e->len = len;
		e->lineno = r.lineno;
		snprintf(e->name, sizeof e->name, "%s", r.name ? r.name : "(null)");
		if (st == TW_READ_ERR)
			snprintf(e->err, sizeof e->err, "%s", r.errmsg);
		if (st == TW_READ_LINE) {
			volatile char touch;
			e->line = malloc(len + 1);
			memcpy(e->line, line, len + 1);
			if (line[len] != '\0')
				pad_ok = 0;
			/* The pad after the line must be readable (ASan checks). */
			touch = line[len + TW_READER_PAD - 1];
			(void)touch;
		}
		if (st == TW_READ_EOF)
			break;
	}
	CHECK("reader lines NUL-terminated", pad_ok);
	tw_reader_close(&r);
	return v;
}

static void
free_evs(struct evs *v)
{
	size_t i;

	for (i = 0; i < v->n; i++)
		free(v->e[i].line);
	free(v->e);
}

/* Checks event i is a line with text s, number ln and file name. */
static void
check_line(const char *tname, struct evs *v, size_t i, const char *s, size_t slen,
    uint64_t ln, const char *file)
{
	char name[160];

	snprintf(name, sizeof name, "%s: event %zu is a line", tname, i);
	if (!CHECKF(name, i < v->n && v->e[i].st == TW_READ_LINE, "status %d",
	    i < v->n ? v->e[i].st : -1))
		return;
	snprintf(name, sizeof name, "%s: line %zu text", tname, i);
	CHECK_MEM(name, v->e[i].line, v->e[i].len, s, slen);
	snprintf(name, sizeof name, "%s: line %zu number", tname, i);
	CHECK_UINT(name, v->e[i].lineno, ln);
	if (file) {
		snprintf(name, sizeof name, "%s: line %zu file name", tname, i);
		CHECK_STR(name, v->e[i].name, file);
	}
}

#define LINE(t, v, i, lit, ln, f) check_line((t), (v), (i), (lit), sizeof(lit) - 1, (ln), (f))

static void
check_eof(const char *tname, struct evs *v, size_t i)
{
	char name[160];

	snprintf(name, sizeof name, "%s: EOF after %zu events", tname, i);
	CHECKF(name, v->n == i + 1 && v->e[i].st == TW_READ_EOF, "%zu events, last status %d",
	    v->n, v->n ? v->e[v->n - 1].st : -1);
}

static void
test_plain(void)
{
	char *f1[] = { "p1" }, *f2[] = { "p1", "p2" }, *f3[] = { "p2", "empty", "p3" };
	struct evs v;

	WRITES("p1", "a\nbb\nccc\n");
	WRITES("p2", "x\ny");
	WRITES("p3", "\n\nz\n");
	WRITES("empty", "");

	v = read_all(f1, 1, 0);
	LINE("plain", &v, 0, "a", 1, "p1");
	LINE("plain", &v, 1, "bb", 2, "p1");
	LINE("plain", &v, 2, "ccc", 3, "p1");
	check_eof("plain", &v, 3);
	free_evs(&v);

	v = read_all(f2, 2, 0);
	LINE("two files", &v, 0, "a", 1, "p1");
	LINE("two files", &v, 2, "ccc", 3, "p1");
	LINE("two files", &v, 3, "x", 1, "p2");
	LINE("two files", &v, 4, "y", 2, "p2");
	check_eof("two files", &v, 5);
	free_evs(&v);

	v = read_all(f3, 3, 0);
	LINE("no final newline then empty file", &v, 0, "x", 1, "p2");
	LINE("no final newline then empty file", &v, 1, "y", 2, "p2");
	LINE("empty lines", &v, 2, "", 1, "p3");
	LINE("empty lines", &v, 3, "", 2, "p3");
	LINE("empty lines", &v, 4, "z", 3, "p3");
	check_eof("empty file in the middle", &v, 5);
	free_evs(&v);

	char *fe[] = { "empty" };
	v = read_all(fe, 1, 0);
	check_eof("empty file", &v, 0);
	free_evs(&v);

	/* bytes counts what was returned, newlines included. */
	struct tw_reader r;
	const char *line;
	size_t len;
	tw_reader_open(&r, f1, 1);
	while (tw_reader_next(&r, &line, &len) == TW_READ_LINE)
		;
	CHECK_UINT("bytes counter", r.bytes, 9);
	CHECK_INT("ready at eof", tw_reader_ready(&r), 1);
	tw_reader_close(&r);
}

static void
test_crlf_bom(void)
{
	char *f[] = { "crlf" }, *g[] = { "bom", "bom2" };
	struct evs v;

	WRITES("crlf", "a\r\nb\r\nc\rd\r\n\r\nlast\r");
	v = read_all(f, 1, 0);
	LINE("crlf", &v, 0, "a", 1, NULL);
	LINE("crlf", &v, 1, "b", 2, NULL);
	LINE("crlf inner CR kept", &v, 2, "c\rd", 3, NULL);
	LINE("crlf empty", &v, 3, "", 4, NULL);
	/* A final "\r" with no "\n" is not a CRLF ending: either form is fine, but
	 * it must be one line. */
	CHECK("crlf last line", v.n == 6 && v.e[4].st == TW_READ_LINE
	    && (v.e[4].len == 4 || v.e[4].len == 5) && memcmp(v.e[4].line, "last", 4) == 0);
	check_eof("crlf", &v, 5);
	free_evs(&v);

	WRITES("bom", "\xEF\xBB\xBF{\"a\":1}\n\xEF\xBB\xBFx\n");
	WRITES("bom2", "\xEF\xBB\xBFy\r\n");
	v = read_all(g, 2, 0);
	LINE("bom stripped", &v, 0, "{\"a\":1}", 1, "bom");
	LINE("bom kept on line 2", &v, 1, "\xEF\xBB\xBFx", 2, "bom");
	LINE("bom stripped in second file", &v, 2, "y", 1, "bom2");
	check_eof("bom", &v, 3);
	free_evs(&v);

	char *h[] = { "bomonly" };
	WRITES("bomonly", "\xEF\xBB");
	v = read_all(h, 1, 0);
	LINE("partial bom kept", &v, 0, "\xEF\xBB", 1, NULL);
	free_evs(&v);

	char *k[] = { "nul" };
	WRITES("nul", "a\0b\nc\n");
	v = read_all(k, 1, 0);
	LINE("NUL inside line", &v, 0, "a\0b", 1, NULL);
	LINE("after NUL line", &v, 1, "c", 2, NULL);
	free_evs(&v);
}

static char *
pattern(size_t n, unsigned seed)
{
	char *s = malloc(n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		s[i] = (char)('a' + (i * 7 + seed) % 26);
	s[n] = '\0';
	return s;
}

static void
test_long(void)
{
	size_t big = 10u << 20, huge = 3u << 20;
	char *p = pattern(big, 1), *q = pattern(huge, 2);
	struct tw_buf b = TW_BUF_INIT;
	char *f[] = { "big" }, *g[] = { "huge" }, *h[] = { "hugeend", "p1" };
	struct evs v;

	tw_buf_adds(&b, "first\n");
	tw_buf_add(&b, p, big);
	tw_buf_adds(&b, "\nlast\n");
	write_file("big", b.p, b.len);
	v = read_all(f, 1, 0);
	LINE("10 MB line", &v, 0, "first", 1, NULL);
	CHECK("10 MB line read whole", v.n > 1 && v.e[1].st == TW_READ_LINE && v.e[1].len == big
	    && memcmp(v.e[1].line, p, big) == 0 && v.e[1].lineno == 2);
	LINE("after 10 MB line", &v, 2, "last", 3, NULL);
	check_eof("10 MB line", &v, 3);
	free_evs(&v);

	tw_buf_reset(&b);
	tw_buf_adds(&b, "x\n");
	tw_buf_add(&b, q, huge);
	tw_buf_adds(&b, "\nz\n");
	write_file("huge", b.p, b.len);
	v = read_all(g, 1, 1u << 20);
	LINE("long line", &v, 0, "x", 1, NULL);
	CHECKF("line over max_line is LONG", v.n > 1 && v.e[1].st == TW_READ_LONG,
	    "status %d", v.n > 1 ? v.e[1].st : -1);
	CHECKF("LONG gives the full length", v.n > 1 && v.e[1].len == huge, "len %zu",
	    v.n > 1 ? v.e[1].len : 0);
	CHECK_UINT("LONG line number", v.n > 1 ? v.e[1].lineno : 0, 2);
	LINE("line after LONG read normally", &v, 2, "z", 3, NULL);
	check_eof("long line", &v, 3);
	free_evs(&v);

	/* A long last line without newline, then the next file. */
	tw_buf_reset(&b);
	tw_buf_add(&b, q, huge);
	write_file("hugeend", b.p, b.len);
	v = read_all(h, 2, 1u << 20);
	CHECKF("long last line without newline is LONG", v.n > 0 && v.e[0].st == TW_READ_LONG,
	    "first event status %d len %zu", v.n ? v.e[0].st : -1, v.n ? v.e[0].len : 0);
	CHECKF("long last line length", v.n > 0 && v.e[0].len == huge, "len %zu",
	    v.n ? v.e[0].len : 0);
	{
		size_t k = 0;
		while (k < v.n && v.e[k].st != TW_READ_LINE)
			k++;
		LINE("next file after long last line", &v, k, "a", 1, "p1");
	}
	free_evs(&v);

	/* LONG lengths for several sizes over a small max_line. */
	{
		static const size_t sz[] = { 1001, 4097, 70000, 300001 };
		char *m[] = { "longs" };
		size_t k, bad = 0, firstbad = 0, firstlen = 0;
		int firstst = -1;
		tw_buf_reset(&b);
		for (k = 0; k < 4; k++) {
			tw_buf_add(&b, q, sz[k]);
			tw_buf_adds(&b, "\nshort\n");
		}
		write_file("longs", b.p, b.len);
		v = read_all(m, 1, 1000);
		for (k = 0; k < 4; k++) {
			struct ev *x = 2 * k < v.n ? &v.e[2 * k] : NULL;
			if (!x || x->st != TW_READ_LONG || x->len != sz[k] || x->lineno != 2 * k + 1) {
				if (!bad++) {
					firstbad = sz[k];
					firstlen = x ? x->len : 0;
					firstst = x ? x->st : -1;
				}
			}
			LINE("short line after LONG", &v, 2 * k + 1, "short", 2 * k + 2, NULL);
		}
		CHECKF("LONG length exact for 1001, 4097, 70000, 300001 bytes", bad == 0,
		    "%zu wrong, first: size %zu came back as status %d len %zu",
		    bad, firstbad, firstst, firstlen);
		free_evs(&v);
	}

	/* Exactly max_line is allowed. */
	char *k[] = { "exact" };
	tw_buf_reset(&b);
	tw_buf_add(&b, q, 1000);
	tw_buf_adds(&b, "\nok\n");
	write_file("exact", b.p, b.len);
	v = read_all(k, 1, 1000);
	CHECK("line of exactly max_line", v.n > 0 && v.e[0].st == TW_READ_LINE && v.e[0].len == 1000);
	LINE("after exact line", &v, 1, "ok", 2, NULL);
	free_evs(&v);

	free(p);
	free(q);
	tw_buf_free(&b);
}

static void
test_gzip(void)
{
	char *f[] = { "g1.gz" }, *g[] = { "g2.gz" }, *h[] = { "cut.gz", "p1" };
	struct evs v;
	struct tw_buf b = TW_BUF_INIT;
	size_t i, n, nl, bad;
	FILE *fp;

	write_gz("g1.gz", "wb", "one\r\ntwo\nthree", 14);
	v = read_all(f, 1, 0);
	LINE("gzip", &v, 0, "one", 1, "g1.gz");
	LINE("gzip", &v, 1, "two", 2, "g1.gz");
	LINE("gzip", &v, 2, "three", 3, "g1.gz");
	check_eof("gzip", &v, 3);
	free_evs(&v);

	/* Two members; a line spans the boundary. */
	write_gz("g2.gz", "wb", "m1\nspl", 6);
	write_gz("g2.gz", "ab", "it\nm2\n", 6);
	v = read_all(g, 1, 0);
	LINE("gzip two members", &v, 0, "m1", 1, NULL);
	LINE("gzip two members", &v, 1, "split", 2, NULL);
	LINE("gzip two members", &v, 2, "m2", 3, NULL);
	check_eof("gzip two members", &v, 3);
	free_evs(&v);

	/* gzip with a BOM inside. */
	char *bb[] = { "bom.gz" };
	write_gz("bom.gz", "wb", "\xEF\xBB\xBFhi\n", 6);
	v = read_all(bb, 1, 0);
	LINE("gzip bom stripped", &v, 0, "hi", 1, NULL);
	free_evs(&v);

	/* A big gzip file cut in the middle, followed by a good file. */
	for (i = 0; i < 40000; i++)
		tw_buf_addf(&b, "line %zu %08x\n", i, (unsigned)(i * 2654435761u));
	write_gz("full.gz", "wb", b.p, b.len);
	fp = fopen("full.gz", "rb");
	char *z = malloc(1u << 22);
	n = fread(z, 1, 1u << 22, fp);
	fclose(fp);
	write_file("cut.gz", z, n / 2);
	free(z);
	v = read_all(h, 2, 0);
	nl = 0;
	bad = 0;
	while (nl < v.n && v.e[nl].st == TW_READ_LINE) {
		char want[64];
		int wl = snprintf(want, sizeof want, "line %zu %08x", nl, (unsigned)(nl * 2654435761u));
		if (v.e[nl].len != (size_t)wl || memcmp(v.e[nl].line, want, (size_t)wl) != 0) {
			/* Only the last line before the cut may be partial. */
			if (!(nl + 1 < v.n && v.e[nl + 1].st == TW_READ_ERR
			    && v.e[nl].len < (size_t)wl && memcmp(v.e[nl].line, want, v.e[nl].len) == 0))
				bad++;
		}
		nl++;
	}
	CHECKF("cut gzip: lines before the cut", nl > 1000 && nl < 40000 && bad == 0,
	    "%zu lines, %zu wrong", nl, bad);
	CHECKF("cut gzip: then an error", nl < v.n && v.e[nl].st == TW_READ_ERR,
	    "status %d", nl < v.n ? v.e[nl].st : -1);
	CHECKF("cut gzip: message mentions gzip end", nl < v.n && strstr(v.e[nl].err, "gzip")
	    && (strstr(v.e[nl].err, "end") || strstr(v.e[nl].err, "truncat")
	    || strstr(v.e[nl].err, "short")), "errmsg \"%s\"", nl < v.n ? v.e[nl].err : "");
	LINE("cut gzip: next file read", &v, nl + 1, "a", 1, "p1");
	free_evs(&v);

	/* Only a gzip header. */
	char *hh[] = { "hdr.gz", "p1" };
	write_file("hdr.gz", "\x1f\x8b\x08\0\0\0", 6);
	v = read_all(hh, 2, 0);
	CHECK("gzip header only is an error", v.n > 0 && v.e[0].st == TW_READ_ERR && v.e[0].err[0]);
	LINE("after gzip header only", &v, 1, "a", 1, "p1");
	free_evs(&v);

	/* Garbage after the magic. */
	char *gg[] = { "junk.gz" };
	write_file("junk.gz", "\x1f\x8b\x08\0\0\0\0\0\0\x03garbage garbage garbage\n", 33);
	v = read_all(gg, 1, 0);
	{
		size_t k, err = 0;
		for (k = 0; k < v.n; k++)
			err += v.e[k].st == TW_READ_ERR;
		CHECK("corrupt gzip is an error", err == 1 && v.e[v.n - 1].st == TW_READ_EOF);
	}
	free_evs(&v);
	tw_buf_free(&b);
}

static void
test_missing(void)
{
	char *f[] = { "no-such-file", "p1", "no-such-2" };
	struct tw_reader r;
	const char *line;
	size_t len;
	int st;

	tw_reader_open(&r, f, 3);
	st = tw_reader_next(&r, &line, &len);
	CHECK_INT("missing file is ERR", st, TW_READ_ERR);
	CHECK("missing file errmsg", r.errmsg[0] != '\0');
	CHECK("missing file name", r.name && strcmp(r.name, "no-such-file") == 0);
	st = tw_reader_next(&r, &line, &len);
	CHECK("reader goes on to next file", st == TW_READ_LINE && len == 1 && line[0] == 'a'
	    && r.lineno == 1 && strcmp(r.name, "p1") == 0);
	while ((st = tw_reader_next(&r, &line, &len)) == TW_READ_LINE)
		;
	CHECK_INT("missing last file is ERR", st, TW_READ_ERR);
	CHECK_INT("then EOF", tw_reader_next(&r, &line, &len), TW_READ_EOF);
	CHECK_INT("EOF again", tw_reader_next(&r, &line, &len), TW_READ_EOF);
	CHECK_UINT("nfiles_failed", r.nfiles_failed, 2);
	tw_reader_close(&r);
}

/* ---- tw_input ---- */

struct iev {
	int st;
	uint64_t lineno;
	char *raw;
	size_t rawlen;
	char reason[160];
	char *emit;	/* the parsed document, re-emitted */
};

static size_t
input_all(char **files, int nfiles, int multiline, struct iev *out, size_t max)
{
	struct tw_reader r;
	struct tw_json j;
	struct tw_input in;
	struct tw_buf b = TW_BUF_INIT;
	size_t n = 0;
	int st;

	tw_reader_open(&r, files, nfiles);
	tw_json_init(&j);
	tw_input_init(&in, &r, &j);
	in.multiline = multiline;
	while (n < max) {
		st = tw_input_next(&in);
		out[n].st = st;
		out[n].lineno = in.lineno;
		out[n].raw = NULL;
		out[n].emit = NULL;
		out[n].reason[0] = '\0';
		if (st == TW_IN_DOC || st == TW_IN_BAD) {
			out[n].raw = malloc(in.rawlen + 1);
			memcpy(out[n].raw, in.raw, in.rawlen);
			out[n].raw[in.rawlen] = '\0';
			out[n].rawlen = in.rawlen;
		}
		if (st == TW_IN_BAD)
			snprintf(out[n].reason, sizeof out[n].reason, "%s", in.reason);
		if (st == TW_IN_DOC) {
			tw_buf_reset(&b);
			tw_json_emit(&b, &j, &j.v[0]);
			out[n].emit = strdup(b.p);
		}
		n++;
		if (st == TW_IN_EOF)
			break;
	}
	tw_input_free(&in);
	tw_json_free(&j);
	tw_reader_close(&r);
	tw_buf_free(&b);
	return n;
}

static void
free_iev(struct iev *e, size_t n)
{
	while (n--) {
		free(e[n].raw);
		free(e[n].emit);
	}
}

static const char *
stname(int st)
{
	static const char *s[] = { "DOC", "BLANK", "BAD", "IOERR", "EOF" };
	return st >= 0 && st <= 4 ? s[st] : "?";
}

/* Checks event i: status, line, and for DOC the re-emitted JSON, for BAD a
 * substring of the reason. */
static void
ichk(const char *t, struct iev *e, size_t n, size_t i, int st, uint64_t ln, const char *s)
{
	char name[200];

	snprintf(name, sizeof name, "%s: event %zu is %s at line %llu", t, i, stname(st),
	    (unsigned long long)ln);
	if (!CHECKF(name, i < n && e[i].st == st && (st == TW_IN_EOF || e[i].lineno == ln),
	    "got %s at line %llu", i < n ? stname(e[i].st) : "nothing",
	    i < n ? (unsigned long long)e[i].lineno : 0ULL))
		return;
	if (!s)
		return;
	snprintf(name, sizeof name, "%s: event %zu %s", t, i, st == TW_IN_DOC ? "document" : "reason");
	if (st == TW_IN_DOC)
		CHECK_STR(name, e[i].emit, s);
	else
		CHECKF(name, strstr(e[i].reason, s) != NULL, "reason \"%s\" lacks \"%s\"",
		    e[i].reason, s);
}

static void
test_input(void)
{
	struct iev e[64];
	size_t n;
	char *f[1];

	WRITES("nd", "{\"a\":1}\n{\"a\":2}\n\n  \t\n[3]\r\n\"s\"\n");
	f[0] = "nd";
	n = input_all(f, 1, 1, e, 64);
	ichk("ndjson", e, n, 0, TW_IN_DOC, 1, "{\"a\":1}");
	CHECK("ndjson raw", n > 0 && e[0].raw && strcmp(e[0].raw, "{\"a\":1}") == 0);
	ichk("ndjson", e, n, 1, TW_IN_DOC, 2, "{\"a\":2}");
	ichk("ndjson", e, n, 2, TW_IN_BLANK, 3, NULL);
	ichk("ndjson", e, n, 3, TW_IN_BLANK, 4, NULL);
	ichk("ndjson", e, n, 4, TW_IN_DOC, 5, "[3]");
	ichk("ndjson", e, n, 5, TW_IN_DOC, 6, "\"s\"");
	ichk("ndjson", e, n, 6, TW_IN_EOF, 0, NULL);
	free_iev(e, n);

	/* As `jq .` writes it. */
	WRITES("pretty",
	    "{\"x\":0}\n"
	    "{\n"
	    "  \"a\": [\n"
	    "    1,\n"
	    "    2\n"
	    "  ],\n"
	    "  \"b\": {\n"
	    "    \"c\": \"d\"\n"
	    "  }\n"
	    "}\n"
	    "[\n"
	    "  true\n"
	    "]\n"
	    "{\"z\":1}\n");
	f[0] = "pretty";
	n = input_all(f, 1, 1, e, 64);
	ichk("pretty", e, n, 0, TW_IN_DOC, 1, "{\"x\":0}");
	ichk("pretty", e, n, 1, TW_IN_DOC, 2, "{\"a\":[1,2],\"b\":{\"c\":\"d\"}}");
	CHECK("pretty raw is the joined text", n > 1 && e[1].raw && e[1].raw[0] == '{'
	    && e[1].rawlen > 30 && e[1].raw[e[1].rawlen - 1] == '}');
	ichk("pretty", e, n, 2, TW_IN_DOC, 11, "[true]");
	ichk("pretty", e, n, 3, TW_IN_DOC, 14, "{\"z\":1}");
	ichk("pretty", e, n, 4, TW_IN_EOF, 0, NULL);
	free_iev(e, n);

	WRITES("trunc1", "{\"a\":1}\n{\"b\":\"hel\n{\"c\":3}\n{\"d\":4}\n");
	f[0] = "trunc1";
	n = input_all(f, 1, 1, e, 64);
	ichk("cut mid-string", e, n, 0, TW_IN_DOC, 1, "{\"a\":1}");
	ichk("cut mid-string", e, n, 1, TW_IN_BAD, 2, "truncated JSON");
	CHECK("cut mid-string raw is the one line", n > 1 && e[1].raw
	    && strcmp(e[1].raw, "{\"b\":\"hel") == 0);
	ichk("cut mid-string", e, n, 2, TW_IN_DOC, 3, "{\"c\":3}");
	ichk("cut mid-string", e, n, 3, TW_IN_DOC, 4, "{\"d\":4}");
	ichk("cut mid-string", e, n, 4, TW_IN_EOF, 0, NULL);
	free_iev(e, n);

	WRITES("trunc2", "{\"a\":1}\n{\"a\":1,\n{\"c\":3}\n{\"d\":4}\n");
	f[0] = "trunc2";
	n = input_all(f, 1, 1, e, 64);
	ichk("cut mid-structure", e, n, 0, TW_IN_DOC, 1, "{\"a\":1}");
	ichk("cut mid-structure", e, n, 1, TW_IN_BAD, 2, "truncated JSON");
	CHECK("cut mid-structure raw", n > 1 && e[1].raw && strcmp(e[1].raw, "{\"a\":1,") == 0);
	ichk("cut mid-structure", e, n, 2, TW_IN_DOC, 3, "{\"c\":3}");
	ichk("cut mid-structure", e, n, 3, TW_IN_DOC, 4, "{\"d\":4}");
	ichk("cut mid-structure", e, n, 4, TW_IN_EOF, 0, NULL);
	free_iev(e, n);

	/* A cut line whose join with the next stays incomplete for a while. */
	WRITES("trunc3", "[1,\n[2,\n{\"k\":\n3}\n");
	f[0] = "trunc3";
	n = input_all(f, 1, 1, e, 64);
	ichk("nested joins", e, n, 0, TW_IN_BAD, 1, "truncated JSON");
	ichk("nested joins", e, n, 1, TW_IN_BAD, 2, "truncated JSON");
	ichk("nested joins", e, n, 2, TW_IN_DOC, 3, "{\"k\":3}");
	ichk("nested joins", e, n, 3, TW_IN_EOF, 0, NULL);
	free_iev(e, n);

	/* A pretty document cut at end of file. */
	WRITES("trunc4", "{\"a\":1}\n{\n  \"b\": [\n    1,\n    2\n");
	f[0] = "trunc4";
	n = input_all(f, 1, 1, e, 64);
	ichk("pretty cut at eof", e, n, 0, TW_IN_DOC, 1, "{\"a\":1}");
	ichk("pretty cut at eof", e, n, 1, TW_IN_BAD, 2, "a document of 4 lines, cut short");
	CHECK("pretty cut at eof: one report, raw is the whole text", n > 1 && e[1].raw &&
	    strcmp(e[1].raw, "{\n  \"b\": [\n    1,\n    2") == 0);
	ichk("pretty cut at eof", e, n, 2, TW_IN_EOF, 0, NULL);
	free_iev(e, n);

	/* The same at the end of the first of two files: the second file's
	 * first line is read on its own. */
	WRITES("trunc4b", "{\"z\":9}\n");
	{
		char *ff[] = { "trunc4", "trunc4b" };

		n = input_all(ff, 2, 1, e, 64);
		ichk("pretty cut at end of file", e, n, 1, TW_IN_BAD, 2, "cut short");
		ichk("pretty cut at end of file", e, n, 2, TW_IN_DOC, 1, "{\"z\":9}");
		ichk("pretty cut at end of file", e, n, 3, TW_IN_EOF, 0, NULL);
		free_iev(e, n);
	}

	/* As the API documentation prints a tweet: inner objects compact
	 * on one line, indented; and a v1.1 array, one status a line. */
	WRITES("docs", "{\n  \"data\": {\n    \"id\": \"1\",\n    \"tags\": [\n"
	    "      {\"start\": 6, \"end\": 12, \"tag\": \"world\"}\n    ]\n  }\n}\n"
	    "[\n{\"id\":2},\n{\"id\":3}\n]\n");
	f[0] = "docs";
	n = input_all(f, 1, 1, e, 64);
	ichk("docs layout", e, n, 0, TW_IN_DOC, 1,
	    "{\"data\":{\"id\":\"1\",\"tags\":[{\"start\":6,\"end\":12,\"tag\":\"world\"}]}}");
	ichk("docs layout", e, n, 1, TW_IN_DOC, 9, "[{\"id\":2},{\"id\":3}]");
	ichk("docs layout", e, n, 2, TW_IN_EOF, 0, NULL);
	free_iev(e, n);

	/* A line cut inside an array, then one record, then the end: the
	 * record is not swallowed. */
	WRITES("trunc6", "{\"a\":[\n{\"b\":1}\n");
	f[0] = "trunc6";
	n = input_all(f, 1, 1, e, 64);
	ichk("cut in an array", e, n, 0, TW_IN_BAD, 1, "truncated JSON");
	ichk("cut in an array", e, n, 1, TW_IN_DOC, 2, "{\"b\":1}");
	ichk("cut in an array", e, n, 2, TW_IN_EOF, 0, NULL);
	free_iev(e, n);

	WRITES("trunc5", "{\"a\":1}\n{\"a\":");
	f[0] = "trunc5";
	n = input_all(f, 1, 1, e, 64);
	ichk("last line cut", e, n, 0, TW_IN_DOC, 1, NULL);
	ichk("last line cut", e, n, 1, TW_IN_BAD, 2, "truncated JSON");
	ichk("last line cut", e, n, 2, TW_IN_EOF, 0, NULL);
	free_iev(e, n);

	WRITES("inval", "{\"a\":x}\nhello\n{\"a\":1}}\n{\"ok\":true}\n");
	f[0] = "inval";
	n = input_all(f, 1, 1, e, 64);
	ichk("invalid", e, n, 0, TW_IN_BAD, 1, "column");
	CHECK("invalid raw", n > 0 && e[0].raw && strcmp(e[0].raw, "{\"a\":x}") == 0);
	ichk("invalid", e, n, 1, TW_IN_BAD, 2, "column");
	ichk("invalid", e, n, 2, TW_IN_BAD, 3, "column");
	ichk("invalid", e, n, 3, TW_IN_DOC, 4, "{\"ok\":true}");
	ichk("invalid", e, n, 4, TW_IN_EOF, 0, NULL);
	free_iev(e, n);

	/* Joined text that turns bad in the middle of a pretty document. */
	WRITES("prettybad", "{\n  \"a\": 1,\n  oops\n}\n{\"z\":2}\n");
	f[0] = "prettybad";
	n = input_all(f, 1, 1, e, 64);
	ichk("pretty bad", e, n, 0, TW_IN_BAD, 1, "truncated JSON");
	ichk("pretty bad", e, n, 1, TW_IN_BAD, 2, NULL);
	ichk("pretty bad", e, n, 2, TW_IN_BAD, 3, NULL);
	ichk("pretty bad", e, n, 3, TW_IN_BAD, 4, NULL);
	ichk("pretty bad", e, n, 4, TW_IN_DOC, 5, "{\"z\":2}");
	ichk("pretty bad", e, n, 5, TW_IN_EOF, 0, NULL);
	free_iev(e, n);

	/* multiline off: every line alone. */
	WRITES("pretty2", "{\n\"a\":1}\n{\"b\":2}\n");
	f[0] = "pretty2";
	n = input_all(f, 1, 0, e, 64);
	ichk("multiline off", e, n, 0, TW_IN_BAD, 1, "truncated JSON");
	ichk("multiline off", e, n, 1, TW_IN_BAD, 2, NULL);
	ichk("multiline off", e, n, 2, TW_IN_DOC, 3, "{\"b\":2}");
	free_iev(e, n);

	/* A missing file is an I/O error and input goes on. */
	char *g[] = { "no-such", "nd" };
	n = input_all(g, 2, 1, e, 64);
	ichk("missing file", e, n, 0, TW_IN_IOERR, 0, NULL);
	CHECK("missing file then first doc", n > 1 && e[1].st == TW_IN_DOC && e[1].lineno == 1);
	free_iev(e, n);

	/* gzip input through tw_input. */
	char *h[] = { "in.gz" };
	write_gz("in.gz", "wb", "{\"g\":1}\n{\n \"g\": 2\n}\n", 20);
	n = input_all(h, 1, 1, e, 64);
	ichk("gzip input", e, n, 0, TW_IN_DOC, 1, "{\"g\":1}");
	ichk("gzip input", e, n, 1, TW_IN_DOC, 2, "{\"g\":2}");
	ichk("gzip input", e, n, 2, TW_IN_EOF, 0, NULL);
	free_iev(e, n);
}

/* Input made of opening brackets: joining stays linear (counted, not timed). */
static void
test_input_hostile(void)
{
	static const char *const line[] = { "[    ", "{\"a\":", "[1,{\"b\":[" };
	struct tw_reader r;
	struct tw_json j;
	struct tw_input in;
	char *f[1] = { "hostile" };
	size_t k, i, bad;
	char name[120];

	for (k = 0; k < sizeof line / sizeof line[0]; k++) {
		FILE *fp = fopen("hostile", "w");

		for (i = 0; i < 20000; i++)
			fprintf(fp, "%s\n", line[k]);
		fclose(fp);
		tw_reader_open(&r, f, 1);
		tw_json_init(&j);
		tw_input_init(&in, &r, &j);
		bad = 0;
		while (tw_input_next(&in) != TW_IN_EOF)
			bad++;
		snprintf(name, sizeof name, "hostile '%s' x 20000: every line "
		    "reported, joining cost at most 5x the input + 1 MiB", line[k]);
		CHECKF(name, bad == 20000 && in.bytes_joined <=
		    5 * in.bytes_read + ((uint64_t)1 << 20),
		    "%zu reports, %llu bytes joined for %llu read", bad,
		    (unsigned long long)in.bytes_joined,
		    (unsigned long long)in.bytes_read);
		tw_input_free(&in);
		tw_json_free(&j);
		tw_reader_close(&r);
	}
}

int
main(void)
{
	test_plain();
	test_crlf_bom();
	test_long();
	test_gzip();
	test_missing();
	test_input();
	test_input_hostile();
	return tap_done();
}
