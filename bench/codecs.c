/*
 * codecs: the gzip and zstd comparison behind twpipe's choice of codec.
 *
 * usage: codecs [-r reps] [-s sync] [-m rows] FILE
 *
 * Loads FILE (NDJSON or CSV) into memory and, with each library, times
 *
 *   write  compression as a part writer does it: the data handed over in
 *          128 KiB pieces, compressed output appended to memory (its size
 *          is the "MB out" column). With -s BYTES a sync point (a flush
 *          after which everything so far is decodable) every BYTES of
 *          input, in extra rows.
 *   read   decompression as tw_reader does it: the compressed data handed
 *          over in 256 KiB reads, decoded into a 1 MiB buffer that is
 *          used again for every call (nothing accumulates).
 *
 * Libraries: zlib (deflate/inflate, gzip wrapper), ISA-L (igzip's
 * isal_deflate/isal_inflate, streaming), libdeflate (whole buffers only:
 * it has no streaming API, so its write rows compress the whole file at
 * once, or 1 MiB at a time as separate gzip members, the only way to use
 * it for a stream; its read row needs the whole compressed file and the
 * whole output in memory), zstd (ZSTD_compressStream2 with a checksum, as
 * the zstd CLI writes; ZSTD_decompressStream).
 *
 * The read rows decode what zlib level 6 wrote (gzip -6, how most
 * archives are made) and what zstd levels 3 (the CLI's default) and 1
 * wrote. Every write is decoded once afterwards, untimed, and compared
 * with the input; every read's output is compared in a separate untimed
 * pass. Each row is the best of reps runs (default 3).
 *
 * MB/s is uncompressed bytes (MB = 10^6) over wall time for both
 * directions; "cpu" is the process's CPU time for the same run, so a
 * busy machine shows as wall above cpu. With -m, every row is also
 * appended to the file rows as "op|codec|MB/s|MB/cpu-s|bytes out|bytes in"
 * (for bench/codec.sh).
 *
 * Exit status: 0 when every row ran and verified, 1 otherwise, 2 on bad
 * usage.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/mman.h>

#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>

#ifdef HAVE_TW
#include "tw_zout.h"
#endif

#define WCHUNK ((size_t)128 << 10)
#define RCHUNK ((size_t)256 << 10)
#define OUTBUF ((size_t)1 << 20)

static const char *prog = "codecs";
static int reps = 3;
static size_t sync_every;
static int failed;
static FILE *rows;

static unsigned char *in;	/* the file */
static size_t in_len;

/* Compressed output, grown as needed. */
struct out {
	unsigned char *p;
	size_t len, cap;
};

static void
die(const char *msg)
{
	fprintf(stderr, "%s: %s\n", prog, msg);
	exit(1);
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (p == NULL)
		die("out of memory");
	return p;
}

static void
out_room(struct out *o, size_t n)
{
	if (o->cap - o->len >= n)
		return;
	while (o->cap - o->len < n)
		o->cap = o->cap ? o->cap * 2 : (size_t)1 << 20;
	o->p = realloc(o->p, o->cap);
	if (o->p == NULL)
		die("out of memory");
}

static double
now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- writers: compress in[0..in_len) into o in 128 KiB pieces ---- */

static void
w_zlib(int level, struct out *o)
{
	z_stream z;
	size_t off = 0, next_sync = sync_every;
	int flush;

	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2 failed");
	do {
		size_t n = in_len - off < WCHUNK ? in_len - off : WCHUNK;

		z.next_in = in + off;
		z.avail_in = (uInt)n;
		off += n;
		flush = off == in_len ? Z_FINISH : Z_NO_FLUSH;
		if (flush == Z_NO_FLUSH && sync_every && off >= next_sync) {
			flush = Z_SYNC_FLUSH;
			next_sync += sync_every;
		}
		do {
			out_room(o, WCHUNK);
			z.next_out = o->p + o->len;
			z.avail_out = (uInt)(o->cap - o->len);
			deflate(&z, flush);
			o->len = (size_t)(z.next_out - o->p);
		} while (z.avail_out == 0);
	} while (flush != Z_FINISH);
	deflateEnd(&z);
}

static void
w_isal(int level, struct out *o)
{
	static const uint32_t bufsz[] = { ISAL_DEF_LVL0_DEFAULT,
	    ISAL_DEF_LVL1_DEFAULT, ISAL_DEF_LVL2_DEFAULT, ISAL_DEF_LVL3_DEFAULT };
	struct isal_zstream z;
	uint8_t *lb = xmalloc(bufsz[level]);
	size_t off = 0, next_sync = sync_every;

	isal_deflate_init(&z);
	z.level = (uint32_t)level;
	z.level_buf = lb;
	z.level_buf_size = bufsz[level];
	z.gzip_flag = IGZIP_GZIP;
	do {
		size_t n = in_len - off < WCHUNK ? in_len - off : WCHUNK;

		z.next_in = in + off;
		z.avail_in = (uint32_t)n;
		off += n;
		z.end_of_stream = off == in_len;
		z.flush = NO_FLUSH;
		if (!z.end_of_stream && sync_every && off >= next_sync) {
			z.flush = SYNC_FLUSH;
			next_sync += sync_every;
		}
		do {
			out_room(o, WCHUNK);
			z.next_out = o->p + o->len;
			z.avail_out = (uint32_t)(o->cap - o->len);
			if (isal_deflate(&z) != COMP_OK)
				die("isal_deflate failed");
			o->len = (size_t)(z.next_out - o->p);
		} while (z.avail_in > 0 || z.avail_out == 0 ||
		    (z.end_of_stream && z.internal_state.state != ZSTATE_END));
	} while (!z.end_of_stream);
	free(lb);
}

static void
w_zstd(int level, struct out *o)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	size_t off = 0, next_sync = sync_every, r;

	if (c == NULL)
		die("out of memory");
	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, level);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	for (;;) {
		size_t n = in_len - off < WCHUNK ? in_len - off : WCHUNK;
		ZSTD_inBuffer ib = { in + off, n, 0 };
		ZSTD_EndDirective e;

		off += n;
		e = off == in_len ? ZSTD_e_end : ZSTD_e_continue;
		if (e == ZSTD_e_continue && sync_every && off >= next_sync) {
			e = ZSTD_e_flush;
			next_sync += sync_every;
		}
		do {
			ZSTD_outBuffer ob;

			out_room(o, WCHUNK);
			ob.dst = o->p + o->len;
			ob.size = o->cap - o->len;
			ob.pos = 0;
			r = ZSTD_compressStream2(c, &ob, &ib, e);
			if (ZSTD_isError(r))
				die(ZSTD_getErrorName(r));
			o->len += ob.pos;
		} while (ib.pos < ib.size || (e != ZSTD_e_continue && r != 0));
		if (e == ZSTD_e_end)
			break;
	}
	ZSTD_freeCCtx(c);
}

/* libdeflate: the whole input at once (member 0), or one gzip member per
 * member bytes of input. */
static void
w_libdeflate(int level, size_t member, struct out *o)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	size_t off = 0;

	if (c == NULL)
		die("out of memory");
	if (member == 0)
		member = in_len;
	while (off < in_len) {
		size_t n = in_len - off < member ? in_len - off : member;
		size_t b = libdeflate_gzip_compress_bound(c, n), k;

		out_room(o, b);
		k = libdeflate_gzip_compress(c, in + off, n, o->p + o->len, b);
		if (k == 0)
			die("libdeflate_gzip_compress failed");
		o->len += k;
		off += n;
	}
	libdeflate_free_compressor(c);
}

#ifdef HAVE_TW
/*
 * twpipe's own module, lib/tw_zout, as the partition writer uses it: one
 * write per line (a record) when member is 1, else 128 KiB writes; a
 * sync every sync_every bytes of input. The output goes to a memfd (a
 * file in memory) and is read back into o afterwards.
 */
static void
w_zout(int codec, int level, int by_line, struct out *o)
{
	struct tw_zout z;
	int fd = memfd_create("zout", 0);
	size_t off = 0, next_sync = sync_every;
	ssize_t k;

	if (fd < 0 || tw_zout_open(&z, codec, level, fd) < 0)
		die("tw_zout_open failed");
	while (off < in_len) {
		size_t n;

		if (by_line) {
			unsigned char *nl = memchr(in + off, '\n', in_len - off);

			n = nl ? (size_t)(nl - (in + off)) + 1 : in_len - off;
		} else {
			n = in_len - off < WCHUNK ? in_len - off : WCHUNK;
		}
		if (tw_zout_write(&z, in + off, n) < 0)
			die("tw_zout_write failed");
		off += n;
		if (sync_every && off >= next_sync) {
			if (tw_zout_sync(&z) < 0)
				die("tw_zout_sync failed");
			next_sync += sync_every;
		}
	}
	if (tw_zout_finish(&z) < 0)
		die("tw_zout_finish failed");
	out_room(o, (size_t)z.out);
	if ((k = pread(fd, o->p, (size_t)z.out, 0)) != (ssize_t)z.out)
		die("memfd read failed");
	o->len = (size_t)k;
	tw_zout_free(&z);
	close(fd);
}

static void ww_zout_gz_line(int l, size_t m, struct out *o) { w_zout(TW_ZOUT_GZIP, l, (int)m, o); }
static void ww_zout_zstd_line(int l, size_t m, struct out *o) { w_zout(TW_ZOUT_ZSTD, l, (int)m, o); }
#endif

/* ---- readers: decode src[0..n) in 256 KiB reads into a 1 MiB buffer;
 * with check, compare with the input as it comes ---- */

static unsigned char *obuf;

/* Compares produced bytes with the input at *pos; returns 0 on mismatch. */
static int
check_out(int check, size_t *pos, const unsigned char *p, size_t n)
{
	int ok = 1;

	if (check)
		ok = *pos + n <= in_len && memcmp(in + *pos, p, n) == 0;
	*pos += n;
	return ok;
}

static size_t
r_zlib(const unsigned char *src, size_t n, int check)
{
	z_stream z;
	size_t off = 0, pos = 0;
	int zr = Z_OK, ok = 1;

	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		die("inflateInit2 failed");
	for (;;) {
		if (z.avail_in == 0) {
			size_t k = n - off < RCHUNK ? n - off : RCHUNK;

			if (k == 0)
				break;
			z.next_in = (unsigned char *)src + off;
			z.avail_in = (uInt)k;
			off += k;
		}
		if (zr == Z_STREAM_END)
			inflateReset(&z);
		z.next_out = obuf;
		z.avail_out = (uInt)OUTBUF;
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR)
			die("inflate failed");
		ok &= check_out(check, &pos, obuf, OUTBUF - z.avail_out);
	}
	inflateEnd(&z);
	return ok ? pos : 0;
}

static size_t
r_isal(const unsigned char *src, size_t n, int check)
{
	struct inflate_state *s = xmalloc(sizeof *s);
	size_t off = 0, pos = 0;
	int ok = 1;

	isal_inflate_init(s);
	s->crc_flag = ISAL_GZIP;
	for (;;) {
		if (s->avail_in == 0) {
			size_t k = n - off < RCHUNK ? n - off : RCHUNK;

			if (k == 0)
				break;
			s->next_in = (uint8_t *)src + off;
			s->avail_in = (uint32_t)k;
			off += k;
		}
		if (s->block_state == ISAL_BLOCK_FINISH) {
			uint8_t *ni = s->next_in;
			uint32_t ai = s->avail_in;

			isal_inflate_reset(s);
			s->crc_flag = ISAL_GZIP;
			s->next_in = ni;
			s->avail_in = ai;
		}
		s->next_out = obuf;
		s->avail_out = (uint32_t)OUTBUF;
		if (isal_inflate(s) != ISAL_DECOMP_OK)
			die("isal_inflate failed");
		ok &= check_out(check, &pos, obuf, OUTBUF - s->avail_out);
	}
	free(s);
	return ok ? pos : 0;
}

static size_t
r_zstd(const unsigned char *src, size_t n, int check)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	size_t off = 0, pos = 0, r;
	ZSTD_inBuffer ib = { NULL, 0, 0 };
	int ok = 1;

	if (d == NULL)
		die("out of memory");
	for (;;) {
		ZSTD_outBuffer ob = { obuf, OUTBUF, 0 };

		if (ib.pos == ib.size) {
			size_t k = n - off < RCHUNK ? n - off : RCHUNK;

			if (k == 0)
				break;
			ib.src = src + off;
			ib.size = k;
			ib.pos = 0;
			off += k;
		}
		r = ZSTD_decompressStream(d, &ob, &ib);
		if (ZSTD_isError(r))
			die(ZSTD_getErrorName(r));
		ok &= check_out(check, &pos, obuf, ob.pos);
	}
	ZSTD_freeDCtx(d);
	return ok ? pos : 0;
}

static size_t
r_libdeflate(const unsigned char *src, size_t n, int check)
{
	static unsigned char *whole;
	struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
	size_t off = 0, pos = 0;

	if (d == NULL)
		die("out of memory");
	if (whole == NULL)
		whole = xmalloc(in_len);
	/* Member by member: gzip allows several. */
	while (off < n) {
		size_t used, got;

		if (libdeflate_gzip_decompress_ex(d, src + off, n - off,
		    whole + pos, in_len - pos, &used, &got) != LIBDEFLATE_SUCCESS)
			die("libdeflate_gzip_decompress failed");
		off += used;
		pos += got;
	}
	libdeflate_free_decompressor(d);
	if (check && (pos != in_len || memcmp(whole, in, in_len) != 0))
		return 0;
	return pos;
}

/* ---- the table ---- */

static void
row(const char *op, const char *name, double wall, double cpu, size_t out)
{
	printf("%-6s %-30s %9.0f %9.0f %10.2f %8.2f%%\n", op, name,
	    (double)in_len / 1e6 / wall, (double)in_len / 1e6 / cpu,
	    (double)out / 1e6, 100.0 * (double)out / (double)in_len);
	fflush(stdout);
	if (rows != NULL) {
		fprintf(rows, "%s|%s|%.1f|%.1f|%zu|%zu\n", op, name,
		    (double)in_len / 1e6 / wall, (double)in_len / 1e6 / cpu, out, in_len);
		fflush(rows);
	}
}

/* Times one writer reps times, keeps the fastest, checks its output by
 * decoding it with reader r. Returns the output (caller frees). */
static struct out
time_write(const char *name, void (*w)(int, size_t, struct out *), int level,
    size_t member, size_t (*r)(const unsigned char *, size_t, int))
{
	struct out o = { NULL, 0, 0 };
	double bw = 1e30, bc = 1e30;
	int i;

	for (i = 0; i < reps; i++) {
		double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
		double w1, c1;

		o.len = 0;
		w(level, member, &o);
		w1 = now(CLOCK_MONOTONIC);
		c1 = now(CLOCK_PROCESS_CPUTIME_ID);
		if (w1 - w0 < bw)
			bw = w1 - w0;
		if (c1 - c0 < bc)
			bc = c1 - c0;
	}
	row("write", name, bw, bc, o.len);
	if (r(o.p, o.len, 1) != in_len) {
		printf("       %s: OUTPUT DOES NOT DECODE TO THE INPUT\n", name);
		failed = 1;
	}
	return o;
}

static void
time_read(const char *name, const struct out *src,
    size_t (*r)(const unsigned char *, size_t, int))
{
	double bw = 1e30, bc = 1e30;
	int i;

	for (i = 0; i < reps; i++) {
		double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
		double w1, c1;
		size_t k = r(src->p, src->len, 0);

		w1 = now(CLOCK_MONOTONIC);
		c1 = now(CLOCK_PROCESS_CPUTIME_ID);
		if (k != in_len) {
			printf("       %s: decoded %zu bytes, not %zu\n", name, k, in_len);
			failed = 1;
		}
		if (w1 - w0 < bw)
			bw = w1 - w0;
		if (c1 - c0 < bc)
			bc = c1 - c0;
	}
	row("read", name, bw, bc, src->len);
	if (r(src->p, src->len, 1) != in_len) {
		printf("       %s: OUTPUT DIFFERS FROM THE INPUT\n", name);
		failed = 1;
	}
}

/* Adapters to one signature. */
static void ww_zlib(int l, size_t m, struct out *o) { (void)m; w_zlib(l, o); }
static void ww_isal(int l, size_t m, struct out *o) { (void)m; w_isal(l, o); }
static void ww_zstd(int l, size_t m, struct out *o) { (void)m; w_zstd(l, o); }

static void
load(const char *path)
{
	FILE *f = fopen(path, "rb");
	size_t cap = (size_t)64 << 20, k;

	if (f == NULL) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		exit(1);
	}
	in = xmalloc(cap);
	while ((k = fread(in + in_len, 1, cap - in_len, f)) > 0) {
		in_len += k;
		if (in_len == cap) {
			cap *= 2;
			in = realloc(in, cap);
			if (in == NULL)
				die("out of memory");
		}
	}
	if (ferror(f))
		die("read error");
	fclose(f);
	if (in_len == 0)
		die("empty input");
}

int
main(int argc, char **argv)
{
	struct out gz6, z3, z1, o;
	char name[64];
	int c, l;

	while ((c = getopt(argc, argv, "m:r:s:")) != -1) {
		switch (c) {
		case 'm':
			rows = fopen(optarg, "a");
			if (rows == NULL) {
				fprintf(stderr, "%s: %s: %s\n", prog, optarg, strerror(errno));
				return 1;
			}
			break;
		case 'r':
			reps = atoi(optarg);
			break;
		case 's':
			sync_every = (size_t)strtoull(optarg, NULL, 10);
			break;
		default:
			fprintf(stderr, "usage: %s [-r reps] [-s sync] [-m rows] FILE\n", prog);
			return 2;
		}
	}
	if (optind != argc - 1 || reps < 1) {
		fprintf(stderr, "usage: %s [-r reps] [-s sync] [-m rows] FILE\n", prog);
		return 2;
	}
	load(argv[optind]);
	obuf = xmalloc(OUTBUF);
	printf("%s: %.1f MB; zlib %s, ISA-L (igzip), libdeflate %s, zstd %s; best of %d\n",
	    argv[optind], (double)in_len / 1e6, zlibVersion(),
	    LIBDEFLATE_VERSION_STRING, ZSTD_versionString(), reps);
	printf("%-6s %-30s %9s %9s %10s %9s\n", "op", "codec", "MB/s", "MB/cpu-s",
	    "MB out", "size");

	o = time_write("zlib -1", ww_zlib, 1, 0, r_zlib);
	free(o.p);
	gz6 = time_write("zlib -6", ww_zlib, 6, 0, r_zlib);
	for (l = 0; l <= 3; l++) {
		snprintf(name, sizeof name, "isal -%d", l);
		o = time_write(name, ww_isal, l, 0, r_zlib);
		free(o.p);
	}
	o = time_write("libdeflate -1 (whole file)", w_libdeflate, 1, 0, r_zlib);
	free(o.p);
	o = time_write("libdeflate -1 (1 MiB members)", w_libdeflate, 1, 1u << 20, r_zlib);
	free(o.p);
	o = time_write("libdeflate -6 (whole file)", w_libdeflate, 6, 0, r_zlib);
	free(o.p);
	z1 = time_write("zstd -1", ww_zstd, 1, 0, r_zstd);
	z3 = time_write("zstd -3", ww_zstd, 3, 0, r_zstd);
	o = time_write("zstd --fast=1 (level -1)", ww_zstd, -1, 0, r_zstd);
	free(o.p);
	o = time_write("zstd --fast=3 (level -3)", ww_zstd, -3, 0, r_zstd);
	free(o.p);
#ifdef HAVE_TW
	o = time_write("tw_zout gzip 2 (default), lines", ww_zout_gz_line, TW_ZOUT_DEFAULT, 1, r_zlib);
	free(o.p);
	o = time_write("tw_zout gzip 1, lines", ww_zout_gz_line, 1, 1, r_zlib);
	free(o.p);
	o = time_write("tw_zout zstd 1 (default), lines", ww_zout_zstd_line, TW_ZOUT_DEFAULT, 1, r_zstd);
	free(o.p);
	o = time_write("tw_zout gzip 2, 128 KiB writes", ww_zout_gz_line, TW_ZOUT_DEFAULT, 0, r_zlib);
	free(o.p);
#endif
	if (sync_every) {
		size_t saved = sync_every;

		snprintf(name, sizeof name, "isal -2, sync every %zu KiB", saved >> 10);
		o = time_write(name, ww_isal, 2, 0, r_zlib);
		free(o.p);
		snprintf(name, sizeof name, "zlib -1, sync every %zu KiB", saved >> 10);
		o = time_write(name, ww_zlib, 1, 0, r_zlib);
		free(o.p);
		snprintf(name, sizeof name, "zstd -1, sync every %zu KiB", saved >> 10);
		o = time_write(name, ww_zstd, 1, 0, r_zstd);
		free(o.p);
#ifdef HAVE_TW
		snprintf(name, sizeof name, "tw_zout gzip 2, lines, sync %zuK", saved >> 10);
		o = time_write(name, ww_zout_gz_line, TW_ZOUT_DEFAULT, 1, r_zlib);
		free(o.p);
		snprintf(name, sizeof name, "tw_zout zstd 1, lines, sync %zuK", saved >> 10);
		o = time_write(name, ww_zout_zstd_line, TW_ZOUT_DEFAULT, 1, r_zstd);
		free(o.p);
#endif
		sync_every = 0;
	}

	time_read("zlib (gzip -6 data)", &gz6, r_zlib);
	time_read("isal (gzip -6 data)", &gz6, r_isal);
	time_read("libdeflate (gzip -6, whole)", &gz6, r_libdeflate);
	time_read("zstd (zstd -3 data)", &z3, r_zstd);
	time_read("zstd (zstd -1 data)", &z1, r_zstd);
	free(gz6.p);
	free(z3.p);
	free(z1.p);
	free(obuf);
	free(in);
	return failed;
}
