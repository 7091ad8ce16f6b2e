/* Unit tests for lib/tw_reader and lib/tw_input against their headers.
 * Files are written into the current directory (a temp dir of the runner). */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "tw_buf.h"
#include "tw_input.h"
#include "tw_json.h"
#include "tw_reader.h"
#include "tw_sig.h"
#include "tap.h"

/* 1: the reader decodes in the calling thread (decode_inline). */
static int inline_mode;

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
	r.decode_inline = inline_mode;
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


/* ---- zstd ---- */

/* Compresses s[0..n) as one zstd frame (level 3, with a checksum),
 * ending a block (ZSTD_e_flush) every `every` lines when every > 0, and
 * appends it to buf. */
static void
zst_frame(struct tw_buf *buf, const char *s, size_t n, int every)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t off = 0, lines = 0, r;
	char out[1 << 16];

	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	while (off <= n) {
		const char *nl = off < n ? memchr(s + off, '\n', n - off) : NULL;
		size_t k = nl ? (size_t)(nl - (s + off)) + 1 : n - off;
		ZSTD_EndDirective e = ZSTD_e_continue;
		ZSTD_inBuffer ib = { s + off, k, 0 };

		off += k;
		if (off == n)
			e = ZSTD_e_end;
		else if (every > 0 && ++lines % (size_t)every == 0)
			e = ZSTD_e_flush;
		do {
			ZSTD_outBuffer ob = { out, sizeof out, 0 };

			r = ZSTD_compressStream2(c, &ob, &ib, e);
			if (ZSTD_isError(r)) {
				fprintf(stderr, "zstd: %s\n", ZSTD_getErrorName(r));
				exit(1);
			}
			tw_buf_add(buf, out, ob.pos);
		} while (ib.pos < ib.size || (e != ZSTD_e_continue && r != 0));
		if (e == ZSTD_e_end)
			break;
	}
	ZSTD_freeCCtx(c);
}

/* A skippable frame (magic 0x184D2A5x) holding len bytes. */
static void
zst_skippable(struct tw_buf *buf, unsigned variant, const char *s, uint32_t len)
{
	unsigned char h[8] = { (unsigned char)(0x50 + variant), 0x2a, 0x4d, 0x18,
	    (unsigned char)len, (unsigned char)(len >> 8), (unsigned char)(len >> 16),
	    (unsigned char)(len >> 24) };

	tw_buf_add(buf, (const char *)h, 8);
	tw_buf_add(buf, s, len);
}

/* What a streaming zstd decoder gets from p[0..n): decoded bytes into out. */
static void
zst_ref(struct tw_buf *out, const char *p, size_t n)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { p, n, 0 };
	char o[1 << 16];
	size_t r;

	tw_buf_reset(out);
	do {
		ZSTD_outBuffer ob = { o, sizeof o, 0 };

		r = ZSTD_decompressStream(d, &ob, &ib);
		if (ZSTD_isError(r))
			break;
		tw_buf_add(out, o, ob.pos);
		if (ob.pos < ob.size && ib.pos == ib.size)
			break;
	} while (1);
	ZSTD_freeDCtx(d);
}

/* What zlib's inflate gets from the gzip data p[0..n). */
static void
gz_ref(struct tw_buf *out, const char *p, size_t n)
{
	z_stream z;
	char o[1 << 16];
	int rc;

	memset(&z, 0, sizeof z);
	inflateInit2(&z, 16 + MAX_WBITS);
	tw_buf_reset(out);
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;
	do {
		z.next_out = (unsigned char *)o;
		z.avail_out = sizeof o;
		rc = inflate(&z, Z_NO_FLUSH);
		tw_buf_add(out, o, sizeof o - z.avail_out);
	} while (rc == Z_OK && z.avail_out == 0);
	inflateEnd(&z);
}

/* The bytes the reader delivered from file f before an error or the next
 * file (lines with their newlines; the last line without one when ref,
 * the text expected, does not end in one). Sets *end to the event after. */
static void
delivered(struct evs *v, const char *f, size_t *end, const char *ref, size_t reflen,
    struct tw_buf *got)
{
	size_t i = 0;

	tw_buf_reset(got);
	while (i < v->n && v->e[i].st == TW_READ_LINE && strcmp(v->e[i].name, f) == 0) {
		tw_buf_add(got, v->e[i].line, v->e[i].len);
		tw_buf_adds(got, "\n");
		i++;
	}
	if (got->len > 0 && (reflen == 0 || ref[reflen - 1] != '\n'))
		got->len--;
	*end = i;
}

/* Reads f (then p1) and checks: the bytes before the first error are
 * exactly ref, then an error naming the cut (when cut) or none, then
 * p1's first line. With slack, one byte fewer than ref is accepted when
 * ref does not end in a newline (a cut inside a gzip block: ISA-L keeps
 * the last byte it decoded when the input ends there), and *short_by
 * counts those. Returns 1 when all holds; else says why. */
static int
cut_case(char *f, const char *ref, size_t reflen, int cut, const char *codec,
    int slack, size_t *short_by, char *why, size_t whylen)
{
	char *files[] = { f, "p1" };
	struct evs v = read_all(files, 2, 0);
	struct tw_buf got = TW_BUF_INIT;
	size_t e;
	int ok = 1;

	delivered(&v, f, &e, ref, reflen, &got);
	if (slack && cut && reflen > 0 && ref[reflen - 1] != '\n' && got.len + 1 == reflen
	    && (got.len == 0 || memcmp(got.p, ref, got.len) == 0)) {
		(*short_by)++;
		reflen--;
	}
	if (got.len != reflen || (reflen > 0 && memcmp(got.p, ref, reflen) != 0)) {
		snprintf(why, whylen, "delivered %zu bytes, want %zu", got.len, reflen);
		ok = 0;
	} else if (cut && (e >= v.n || v.e[e].st != TW_READ_ERR ||
	    strstr(v.e[e].err, codec) == NULL || strstr(v.e[e].err, "cut short") == NULL)) {
		snprintf(why, whylen, "event %zu: status %d \"%.60s\", want the cut named", e,
		    e < v.n ? v.e[e].st : -1, e < v.n ? v.e[e].err : "");
		ok = 0;
	} else if (!cut && e < v.n && v.e[e].st == TW_READ_ERR) {
		snprintf(why, whylen, "error \"%.60s\" on a whole file", v.e[e].err);
		ok = 0;
	} else {
		size_t k = e + (size_t)cut;

		if (k >= v.n || v.e[k].st != TW_READ_LINE || strcmp(v.e[k].line, "a") != 0
		    || strcmp(v.e[k].name, "p1") != 0) {
			snprintf(why, whylen, "the next file was not read after it");
			ok = 0;
		}
	}
	free_evs(&v);
	tw_buf_free(&got);
	return ok;
}

static void
test_zstd(void)
{
	struct tw_buf b = TW_BUF_INIT, z = TW_BUF_INIT, ref = TW_BUF_INIT;
	char *f[] = { "z1.zst" }, *g[] = { "z2.zst" }, *h[] = { "zskip.zst" };
	char why[200], name[200];
	struct evs v;
	size_t i, bad, firstbad;

	zst_frame(&z, "one\r\ntwo\nthree", 14, 0);
	write_file("z1.zst", z.p, z.len);
	v = read_all(f, 1, 0);
	LINE("zstd", &v, 0, "one", 1, "z1.zst");
	LINE("zstd", &v, 1, "two", 2, "z1.zst");
	LINE("zstd", &v, 2, "three", 3, "z1.zst");
	check_eof("zstd", &v, 3);
	free_evs(&v);

	/* Two frames; a line spans the boundary. */
	tw_buf_reset(&z);
	zst_frame(&z, "f1\nspl", 6, 0);
	zst_frame(&z, "it\nf2\n", 6, 0);
	write_file("z2.zst", z.p, z.len);
	v = read_all(g, 1, 0);
	LINE("zstd two frames", &v, 0, "f1", 1, NULL);
	LINE("zstd two frames", &v, 1, "split", 2, NULL);
	LINE("zstd two frames", &v, 2, "f2", 3, NULL);
	check_eof("zstd two frames", &v, 3);
	free_evs(&v);

	/* Skippable frames first (as pzstd writes them), between and last. */
	tw_buf_reset(&z);
	zst_skippable(&z, 0, "meta", 4);
	zst_frame(&z, "s1\n", 3, 0);
	zst_skippable(&z, 15, "", 0);
	zst_skippable(&z, 7, "{\"not\":\"data\"}\n", 15);
	zst_frame(&z, "s2\n", 3, 0);
	zst_skippable(&z, 1, "end", 3);
	write_file("zskip.zst", z.p, z.len);
	v = read_all(h, 1, 0);
	LINE("zstd skippable frames", &v, 0, "s1", 1, NULL);
	LINE("zstd skippable frames", &v, 1, "s2", 2, NULL);
	check_eof("zstd skippable frames", &v, 2);
	free_evs(&v);

	/* Only a skippable frame: an empty input, not an error. */
	{
		char *k[] = { "zonly.zst" };

		tw_buf_reset(&z);
		zst_skippable(&z, 3, "x\ny\n", 4);
		write_file("zonly.zst", z.p, z.len);
		v = read_all(k, 1, 0);
		check_eof("zstd file of one skippable frame", &v, 0);
		free_evs(&v);
	}

	/* An empty frame, then one with a BOM. */
	{
		char *k[] = { "zbom.zst" };

		tw_buf_reset(&z);
		zst_frame(&z, "", 0, 0);
		zst_frame(&z, "\xEF\xBB\xBFhi\n", 6, 0);
		write_file("zbom.zst", z.p, z.len);
		v = read_all(k, 1, 0);
		LINE("zstd empty frame, then bom stripped", &v, 0, "hi", 1, NULL);
		check_eof("zstd empty frame", &v, 1);
		free_evs(&v);
	}

	/* Plain text that begins like a magic number, or with part of one. */
	{
		char *k[] = { "like1", "like2", "like3", "like4", "like5" };

		WRITES("like1", "(\xb5/x\n");		/* 28 b5 2f, then not fd */
		WRITES("like2", "(\xb5/");		/* a proper prefix, then the end */
		WRITES("like3", "P*Mx\n");		/* 50 2a 4d, then not 18 */
		WRITES("like4", "\x1f" "a\n");		/* 1f, then not 8b */
		WRITES("like5", "(");
		v = read_all(k, 5, 0);
		LINE("text like zstd magic", &v, 0, "(\xb5/x", 1, "like1");
		LINE("text of a magic prefix", &v, 1, "(\xb5/", 1, "like2");
		LINE("text like a skippable frame", &v, 2, "P*Mx", 1, "like3");
		LINE("text like gzip magic", &v, 3, "\x1f" "a", 1, "like4");
		LINE("one byte of a magic", &v, 4, "(", 1, "like5");
		check_eof("text like magic numbers", &v, 5);
		free_evs(&v);
	}

	/* Corrupt: garbage after the magic; a good frame then garbage. */
	{
		char *k[] = { "zjunk.zst", "ztail.zst", "p1" };

		WRITES("zjunk.zst", "\x28\xb5\x2f\xfd garbage garbage garbage\n");
		tw_buf_reset(&z);
		zst_frame(&z, "ok\n", 3, 0);
		tw_buf_adds(&z, "trailing junk\n");
		write_file("ztail.zst", z.p, z.len);
		v = read_all(k, 3, 0);
		CHECKF("corrupt zstd is an error", v.n > 0 && v.e[0].st == TW_READ_ERR
		    && strstr(v.e[0].err, "invalid zstd data"), "status %d \"%s\"",
		    v.n ? v.e[0].st : -1, v.n ? v.e[0].err : "");
		LINE("zstd frame before junk", &v, 1, "ok", 1, "ztail.zst");
		CHECKF("junk after a zstd frame is an error", v.n > 2 && v.e[2].st == TW_READ_ERR
		    && strstr(v.e[2].err, "invalid zstd data"), "status %d \"%s\"",
		    v.n > 2 ? v.e[2].st : -1, v.n > 2 ? v.e[2].err : "");
		LINE("after corrupt zstd", &v, 3, "a", 1, "p1");
		free_evs(&v);
	}

	/* A file of 120 lines in blocks of 7 lines, cut at every byte: the
	 * reader delivers exactly what a streaming decoder gets from the
	 * bytes before the cut (every whole block), then names the cut, then
	 * reads the next file. Before 4 bytes there is no magic number yet:
	 * the bytes are read as plain text. */
	tw_buf_reset(&b);
	for (i = 0; i < 120; i++)
		tw_buf_addf(&b, "{\"id\":\"%zu\",\"text\":\"line %zu of a zstd file\"}\n",
		    1000000000000000000u + i, i);
	tw_buf_reset(&z);
	zst_frame(&z, b.p, b.len, 7);
	for (int mode = 0; mode < 2; mode++) {
		inline_mode = mode;
		bad = 0;
		firstbad = 0;
		why[0] = '\0';
		for (i = 0; i <= z.len; i++) {
			char w[160];

			write_file("zcut.zst", z.p, i);
			if (i < 4)
				tw_buf_reset(&ref), tw_buf_add(&ref, z.p, i);
			else
				zst_ref(&ref, z.p, i);
			if (!cut_case("zcut.zst", ref.p, ref.len, i >= 4 && i < z.len, "zstd",
			    0, NULL, w, sizeof w)) {
				if (!bad++) {
					firstbad = i;
					snprintf(why, sizeof why, "%s", w);
				}
			}
		}
		snprintf(name, sizeof name, "zstd cut at each of %zu bytes (%s): the "
		    "decodable prefix, then the cut named", z.len,
		    mode ? "inline" : "decode thread");
		CHECKF(name, bad == 0, "%zu cuts wrong, first at %zu: %s", bad, firstbad, why);
		zst_ref(&ref, z.p, z.len / 2);
		snprintf(name, sizeof name, "  ... (a cut half way delivers %zu of %zu bytes)",
		    ref.len, b.len);
		CHECK(name, ref.len > b.len / 4 && ref.len < b.len);
	}
	inline_mode = 0;

	/* The same for gzip (zlib's Z_SYNC_FLUSH every 7 lines): the reader
	 * (ISA-L) delivers what zlib's inflate gets from the same bytes. */
	{
		z_stream zs;
		unsigned char out[1 << 16];
		size_t off = 0, lines = 0;

		memset(&zs, 0, sizeof zs);
		deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
		tw_buf_reset(&z);
		while (off < b.len) {
			char *nl = memchr(b.p + off, '\n', b.len - off);
			size_t k = (size_t)(nl - (b.p + off)) + 1;
			int fl = off + k == b.len ? Z_FINISH : ++lines % 7 == 0 ? Z_SYNC_FLUSH :
			    Z_NO_FLUSH;

			zs.next_in = (unsigned char *)b.p + off;
			zs.avail_in = (uInt)k;
			off += k;
			do {
				zs.next_out = out;
				zs.avail_out = sizeof out;
				deflate(&zs, fl);
				tw_buf_add(&z, (char *)out, sizeof out - zs.avail_out);
			} while (zs.avail_out == 0);
		}
		deflateEnd(&zs);
	}
	for (int mode = 0; mode < 2; mode++) {
		size_t shortby = 0;

		inline_mode = mode;
		bad = 0;
		firstbad = 0;
		why[0] = '\0';
		for (i = 2; i <= z.len; i++) {
			char w[160];

			write_file("gcut.gz", z.p, i);
			gz_ref(&ref, z.p, i);
			if (!cut_case("gcut.gz", ref.p, ref.len, i < z.len, "gzip", 1, &shortby,
			    w, sizeof w)) {
				if (!bad++) {
					firstbad = i;
					snprintf(why, sizeof why, "%s", w);
				}
			}
		}
		snprintf(name, sizeof name, "gzip cut at each of %zu bytes (%s): what zlib "
		    "decodes from the same bytes (every whole line; %zu cuts inside a "
		    "line one byte short), then the cut named", z.len - 2,
		    mode ? "inline" : "decode thread", shortby);
		CHECKF(name, bad == 0, "%zu cuts wrong, first at %zu: %s", bad, firstbad, why);
	}
	inline_mode = 0;

	/* A big file (several decode-thread blocks) cut in the middle. */
	{
		char *k[] = { "bigcut.zst", "p1" };
		size_t nl = 0, wrong = 0;

		tw_buf_reset(&b);
		for (i = 0; i < 90000; i++)
			tw_buf_addf(&b, "line %zu %08x\n", i, (unsigned)(i * 2654435761u));
		tw_buf_reset(&z);
		zst_frame(&z, b.p, b.len, 2000);
		write_file("bigcut.zst", z.p, z.len * 2 / 3);
		v = read_all(k, 2, 0);
		while (nl < v.n && v.e[nl].st == TW_READ_LINE) {
			char want[64];
			int wl = snprintf(want, sizeof want, "line %zu %08x", nl,
			    (unsigned)(nl * 2654435761u));

			if (v.e[nl].len != (size_t)wl || memcmp(v.e[nl].line, want, (size_t)wl))
				wrong++;
			nl++;
		}
		CHECKF("big zstd cut: whole lines before the cut", nl > 50000 && nl < 90000
		    && wrong == 0, "%zu lines, %zu wrong", nl, wrong);
		CHECKF("big zstd cut: then the cut named", nl < v.n && v.e[nl].st == TW_READ_ERR
		    && strcmp(v.e[nl].err, "unexpected end of zstd data (file cut short)") == 0,
		    "\"%s\"", nl < v.n ? v.e[nl].err : "");
		LINE("big zstd cut: next file read", &v, nl + 1, "a", 1, "p1");
		free_evs(&v);
	}

	tw_buf_free(&b);
	tw_buf_free(&z);
	tw_buf_free(&ref);
}


/* ---- a compressed stream on a pipe that stalls ---- */

struct hooks {
	struct tw_reader *r;
	int nlines;		/* lines returned so far */
	int idle_mid;		/* idle calls with two lines returned */
	int ntick;
};

static void
on_idle(void *arg)
{
	struct hooks *h = arg;

	if (h->nlines == 2)
		h->idle_mid++;
}

static void
on_tick(void *arg)
{
	((struct hooks *)arg)->ntick++;
}

/* Compressed data for "l1\nl2\n" made decodable (a flush), then "l3\n"
 * and the end: first[0..*n1), then rest[0..*n2). */
static void
stream_parts(int zstd, struct tw_buf *first, struct tw_buf *rest)
{
	tw_buf_reset(first);
	tw_buf_reset(rest);
	if (zstd) {
		ZSTD_CCtx *c = ZSTD_createCCtx();
		char out[4096];
		ZSTD_inBuffer a = { "l1\nl2\n", 6, 0 }, b = { "l3\n", 3, 0 };
		ZSTD_outBuffer o = { out, sizeof out, 0 };

		ZSTD_compressStream2(c, &o, &a, ZSTD_e_flush);
		tw_buf_add(first, out, o.pos);
		o.pos = 0;
		ZSTD_compressStream2(c, &o, &b, ZSTD_e_end);
		tw_buf_add(rest, out, o.pos);
		ZSTD_freeCCtx(c);
	} else {
		z_stream zs;
		unsigned char out[4096];

		memset(&zs, 0, sizeof zs);
		deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
		zs.next_in = (unsigned char *)"l1\nl2\n";
		zs.avail_in = 6;
		zs.next_out = out;
		zs.avail_out = sizeof out;
		deflate(&zs, Z_SYNC_FLUSH);
		tw_buf_add(first, (char *)out, sizeof out - zs.avail_out);
		zs.next_in = (unsigned char *)"l3\n";
		zs.avail_in = 3;
		zs.next_out = out;
		zs.avail_out = sizeof out;
		deflate(&zs, Z_FINISH);
		tw_buf_add(rest, (char *)out, sizeof out - zs.avail_out);
		deflateEnd(&zs);
	}
}

/*
 * A writer that sends the first part, waits pause_ms, then either sends
 * the rest (sig 0) or signals the reader with sig and waits to be killed.
 */
static pid_t
stream_writer(int fd[2], struct tw_buf *first, struct tw_buf *rest, int pause_ms, int sig)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	close(fd[0]);
	if (write(fd[1], first->p, first->len) != (ssize_t)first->len)
		_exit(1);
	usleep((useconds_t)pause_ms * 1000);
	if (sig) {
		kill(getppid(), sig);
		pause();
		_exit(0);
	}
	if (write(fd[1], rest->p, rest->len) != (ssize_t)rest->len)
		_exit(1);
	_exit(0);
}

static void
test_stream(void)
{
	struct tw_buf first = TW_BUF_INIT, rest = TW_BUF_INIT;
	char name[200];
	int zstd, mode;

	tw_sig_init();
	for (zstd = 0; zstd < 2; zstd++) {
		stream_parts(zstd, &first, &rest);
		for (mode = 0; mode < 2; mode++) {
			const char *what = zstd ? "zstd" : "gzip";
			const char *how = mode ? "inline" : "decode thread";
			struct tw_reader r;
			struct hooks h = { &r, 0, 0, 0 };
			char path[64], *files[1] = { path };
			const char *line;
			size_t len;
			int fd[2], st, nl = 0, stopped;
			pid_t pid;
			char got[64] = "";

			/* 1. A stall: the lines before it come out, then the idle
			 * hook is called, ticks while waiting, then the rest. */
			if (pipe(fd) < 0)
				exit(1);
			pid = stream_writer(fd, &first, &rest, 400, 0);
			close(fd[1]);
			snprintf(path, sizeof path, "/proc/self/fd/%d", fd[0]);
			tw_reader_open(&r, files, 1);
			r.decode_inline = mode;
			r.idle = on_idle;
			r.tick = on_tick;
			r.arg = &h;
			r.tick_ms = 50;
			while ((st = tw_reader_next(&r, &line, &len)) == TW_READ_LINE) {
				h.nlines++;
				if (strlen(got) + len + 2 < sizeof got) {
					strcat(got, line);
					strcat(got, ",");
				}
			}
			tw_reader_close(&r);
			close(fd[0]);
			waitpid(pid, NULL, 0);
			snprintf(name, sizeof name, "%s stream on a pipe (%s): every line, "
			    "then EOF", what, how);
			CHECKF(name, st == TW_READ_EOF && strcmp(got, "l1,l2,l3,") == 0,
			    "status %d, lines %s", st, got);
			snprintf(name, sizeof name, "  ... the two lines sent before the stall "
			    "came out before it, and the idle hook ran then");
			CHECKF(name, h.idle_mid >= 1, "%d idle calls after two lines", h.idle_mid);
			snprintf(name, sizeof name, "  ... the tick hook ran while waiting");
			CHECKF(name, h.ntick >= 2, "%d ticks", h.ntick);

			/* 2. SIGINT while waiting: EOF with stopped set, after the
			 * lines that came before. */
			if (pipe(fd) < 0)
				exit(1);
			pid = stream_writer(fd, &first, &rest, 300, SIGINT);
			close(fd[1]);
			snprintf(path, sizeof path, "/proc/self/fd/%d", fd[0]);
			tw_reader_open(&r, files, 1);
			r.decode_inline = mode;
			while ((st = tw_reader_next(&r, &line, &len)) == TW_READ_LINE)
				nl++;
			stopped = r.stopped;
			tw_reader_close(&r);
			close(fd[0]);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			tw_sig_caught = 0;
			snprintf(name, sizeof name, "%s stream (%s): SIGINT while waiting ends "
			    "input (EOF, stopped) after the lines before it", what, how);
			CHECKF(name, st == TW_READ_EOF && stopped == SIGINT && nl == 2,
			    "status %d, stopped %d, %d lines", st, stopped, nl);
		}
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	tw_buf_free(&first);
	tw_buf_free(&rest);
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

	/* zstd input through tw_input. */
	{
		struct tw_buf z = TW_BUF_INIT;
		char *k[] = { "in.zst" };

		zst_frame(&z, "{\"z\":1}\n{\n \"z\": 2\n}\n", 20, 0);
		write_file("in.zst", z.p, z.len);
		n = input_all(k, 1, 1, e, 64);
		ichk("zstd input", e, n, 0, TW_IN_DOC, 1, "{\"z\":1}");
		ichk("zstd input", e, n, 1, TW_IN_DOC, 2, "{\"z\":2}");
		ichk("zstd input", e, n, 2, TW_IN_EOF, 0, NULL);
		free_iev(e, n);
		tw_buf_free(&z);
	}
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
	inline_mode = 1;
	test_gzip();
	inline_mode = 0;
	test_zstd();
	test_stream();
	test_missing();
	test_input();
	test_input_hostile();
	return tap_done();
}
