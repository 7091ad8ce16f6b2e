/* Unit tests for lib/tw_zout against its header. The output is decoded
 * by zlib and libzstd themselves (not by tw_zin), and by tw_reader.
 * Files are written into the current directory (a temp dir of the runner). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "tw_buf.h"
#include "tw_reader.h"
#include "tw_zout.h"
#include "tap.h"

/* Test data: NDJSON-like lines, some repetition, some noise. */
static void
make_data(struct tw_buf *b, size_t lines, unsigned seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	size_t i;

	for (i = 0; i < lines; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		tw_buf_addf(b, "{\"id\":\"%llu\",\"lang\":\"%s\",\"n\":%zu,\"x\":\"%016llx\"}\n",
		    (unsigned long long)(1500000000000000000ull + i),
		    (x & 3) == 0 ? "en" : (x & 3) == 1 ? "ja" : "es", i,
		    (unsigned long long)x);
	}
}

static void
slurp(const char *path, struct tw_buf *b)
{
	char tmp[65536];
	FILE *f = fopen(path, "rb");
	size_t k;

	tw_buf_reset(b);
	if (f == NULL)
		return;
	while ((k = fread(tmp, 1, sizeof tmp, f)) > 0)
		tw_buf_add(b, tmp, k);
	fclose(f);
}

/* Decodes p[0..n) as gzip with zlib (all members), stopping where the
 * bytes end. Returns 1 when the stream ended cleanly. */
static int
ref_gunzip(const char *p, size_t n, struct tw_buf *out)
{
	z_stream z;
	char o[65536];
	int rc = Z_OK, clean = 0;

	tw_buf_reset(out);
	memset(&z, 0, sizeof z);
	inflateInit2(&z, 16 + MAX_WBITS);
	z.next_in = (unsigned char *)p;
	z.avail_in = (uInt)n;
	for (;;) {
		z.next_out = (unsigned char *)o;
		z.avail_out = sizeof o;
		rc = inflate(&z, Z_NO_FLUSH);
		tw_buf_add(out, o, sizeof o - z.avail_out);
		if (rc == Z_STREAM_END) {
			clean = 1;
			if (z.avail_in == 0)
				break;
			inflateReset(&z);
			clean = 0;
			continue;
		}
		if (rc != Z_OK || (z.avail_in == 0 && z.avail_out > 0))
			break;
	}
	inflateEnd(&z);
	return clean && rc == Z_STREAM_END;
}

/* The same with libzstd (all frames). */
static int
ref_unzstd(const char *p, size_t n, struct tw_buf *out)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { p, n, 0 };
	char o[65536];
	size_t r = 1;

	tw_buf_reset(out);
	for (;;) {
		ZSTD_outBuffer ob = { o, sizeof o, 0 };

		r = ZSTD_decompressStream(d, &ob, &ib);
		if (ZSTD_isError(r))
			break;
		tw_buf_add(out, o, ob.pos);
		if (ib.pos == ib.size && ob.pos < ob.size)
			break;
	}
	ZSTD_freeDCtx(d);
	return !ZSTD_isError(r) && r == 0;
}

static int
ref_decode(int codec, const char *p, size_t n, struct tw_buf *out)
{
	if (codec == TW_ZOUT_GZIP)
		return ref_gunzip(p, n, out);
	if (codec == TW_ZOUT_ZSTD)
		return ref_unzstd(p, n, out);
	tw_buf_reset(out);
	tw_buf_add(out, p, n);
	return 1;
}

/* Lines read back by tw_reader, joined with newlines. */
static int
reader_decode(const char *path, struct tw_buf *out, char *err, size_t errlen)
{
	char *files[] = { (char *)path };
	struct tw_reader r;
	const char *line;
	size_t len;
	int st, ok = 1;

	tw_buf_reset(out);
	err[0] = '\0';
	tw_reader_open(&r, files, 1);
	while ((st = tw_reader_next(&r, &line, &len)) != TW_READ_EOF) {
		if (st == TW_READ_LINE) {
			tw_buf_add(out, line, len);
			tw_buf_adds(out, "\n");
		} else {
			snprintf(err, errlen, "%s", r.errmsg);
			ok = 0;
		}
	}
	tw_reader_close(&r);
	return ok;
}

/* Writes data[0..n) through tw_zout into path in pieces of varying size
 * (1 byte to 300 KiB, crossing both buffers). Returns the z.out. */
static uint64_t
write_file_z(const char *path, int codec, int level, const char *data, size_t n,
    int *status)
{
	static const size_t sizes[] = { 1, 7, 100, 4095, 131072, 131071, 300000, 65536, 3 };
	struct tw_zout z;
	size_t off = 0, i = 0;
	uint64_t out;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);

	*status = -1;
	if (fd < 0 || tw_zout_open(&z, codec, level, fd) < 0)
		return 0;
	*status = 0;
	while (off < n) {
		size_t k = sizes[i++ % (sizeof sizes / sizeof sizes[0])];

		if (k > n - off)
			k = n - off;
		if (tw_zout_write(&z, data + off, k) < 0)
			*status = -1;
		off += k;
	}
	if (tw_zout_finish(&z) < 0)
		*status = -1;
	if (z.in != n || z.synced_in != n || z.synced_out != z.out)
		*status = -2;
	out = z.out;
	tw_zout_free(&z);
	close(fd);
	return out;
}

static void
test_roundtrip(void)
{
	static const struct { int codec, level; } cs[] = {
		{ TW_ZOUT_GZIP, TW_ZOUT_DEFAULT }, { TW_ZOUT_GZIP, 1 }, { TW_ZOUT_GZIP, 2 },
		{ TW_ZOUT_GZIP, 3 }, { TW_ZOUT_GZIP, 4 }, { TW_ZOUT_GZIP, 6 },
		{ TW_ZOUT_GZIP, 9 }, { TW_ZOUT_ZSTD, TW_ZOUT_DEFAULT }, { TW_ZOUT_ZSTD, -7 },
		{ TW_ZOUT_ZSTD, -1 }, { TW_ZOUT_ZSTD, 1 }, { TW_ZOUT_ZSTD, 3 },
		{ TW_ZOUT_ZSTD, 9 }, { TW_ZOUT_ZSTD, 19 }, { TW_ZOUT_NONE, TW_ZOUT_DEFAULT },
	};
	struct tw_buf data = TW_BUF_INIT, file = TW_BUF_INIT, dec = TW_BUF_INIT;
	char name[200], err[256];
	size_t i;
	uint64_t size_g1 = 0, size_g9 = 0;

	make_data(&data, 30000, 1);	/* about 2.5 MB */
	for (i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		const char *cn = tw_zout_name(cs[i].codec);
		int st, clean;
		uint64_t out = write_file_z("rt.out", cs[i].codec, cs[i].level, data.p,
		    data.len, &st);

		slurp("rt.out", &file);
		clean = ref_decode(cs[i].codec, file.p, file.len, &dec);
		snprintf(name, sizeof name, "%s level %d: %zu bytes -> %llu, decoded by %s "
		    "to the same bytes", cn, cs[i].level, data.len, (unsigned long long)out,
		    cs[i].codec == TW_ZOUT_ZSTD ? "libzstd" : "zlib");
		CHECKF(name, st == 0 && clean && out == file.len && dec.len == data.len &&
		    memcmp(dec.p, data.p, data.len) == 0, "status %d, clean %d, file %zu, "
		    "decoded %zu of %zu", st, clean, file.len, dec.len, data.len);
		snprintf(name, sizeof name, "  ... and by tw_reader");
		CHECKF(name, reader_decode("rt.out", &dec, err, sizeof err) &&
		    dec.len == data.len && memcmp(dec.p, data.p, data.len) == 0,
		    "%zu bytes, error \"%s\"", dec.len, err);
		if (cs[i].codec == TW_ZOUT_GZIP && cs[i].level == 1)
			size_g1 = out;
		if (cs[i].codec == TW_ZOUT_GZIP && cs[i].level == 9)
			size_g9 = out;
		if (cs[i].codec == TW_ZOUT_NONE)
			CHECK("none writes the bytes as given", out == data.len);
	}
	CHECKF("gzip level 9 (zlib) makes smaller files than level 1 (ISA-L)",
	    size_g9 > 0 && size_g9 < size_g1, "%llu and %llu",
	    (unsigned long long)size_g9, (unsigned long long)size_g1);

	/* An empty stream is a valid empty file. */
	for (i = 0; i < 3; i++) {
		int codec = i == 0 ? TW_ZOUT_GZIP : i == 1 ? TW_ZOUT_ZSTD : TW_ZOUT_NONE;
		int st, clean;

		write_file_z("empty.out", codec, TW_ZOUT_DEFAULT, "", 0, &st);
		slurp("empty.out", &file);
		clean = ref_decode(codec, file.p, file.len, &dec);
		snprintf(name, sizeof name, "%s: an empty stream is a complete file "
		    "(%zu bytes) of nothing", tw_zout_name(codec), file.len);
		CHECKF(name, st == 0 && clean && dec.len == 0 && (codec == TW_ZOUT_NONE ?
		    file.len == 0 : file.len > 0), "status %d, clean %d, %zu decoded",
		    st, clean, dec.len);
	}
	tw_buf_free(&data);
	tw_buf_free(&file);
	tw_buf_free(&dec);
}

/*
 * Sync, then more writes: the file cut at any byte from the sync point
 * on decodes to at least everything synced (exactly that at the sync
 * point), and to a prefix of the input.
 */
static void
test_sync(void)
{
	struct tw_buf a = TW_BUF_INIT, b = TW_BUF_INIT, all = TW_BUF_INIT;
	struct tw_buf file = TW_BUF_INIT, dec = TW_BUF_INIT;
	char name[240], err[256];
	int codec;

	make_data(&a, 400, 2);
	make_data(&b, 40000, 3);
	tw_buf_add(&all, a.p, a.len);
	tw_buf_add(&all, b.p, b.len);
	for (codec = TW_ZOUT_GZIP; codec <= TW_ZOUT_ZSTD; codec++) {
		const char *cn = tw_zout_name(codec);
		struct tw_zout z;
		int fd = open("sync.out", O_RDWR | O_CREAT | O_TRUNC, 0666);
		uint64_t s1, s1in, before, cut, bad = 0, firstbad = 0, grew = 0;
		size_t off;

		tw_zout_open(&z, codec, TW_ZOUT_DEFAULT, fd);
		tw_zout_write(&z, a.p, a.len);
		CHECK("nothing is written before a sync when less than a buffer is given",
		    z.out == 0);
		CHECKF("sync returns 0", tw_zout_sync(&z) == 0, "errno %d", errno);
		s1 = z.synced_out;
		s1in = z.synced_in;
		snprintf(name, sizeof name, "%s: after sync, synced_in is all input and "
		    "synced_out all output (%llu bytes)", cn, (unsigned long long)s1);
		CHECK(name, s1in == a.len && s1 == z.out && s1 > 0);
		before = z.out;
		CHECK("  ... a second sync with nothing new writes nothing",
		    tw_zout_sync(&z) == 0 && z.out == before);
		/* More data, in pieces, without a sync: some of it reaches the file. */
		for (off = 0; off < b.len; off += 1000)
			tw_zout_write(&z, b.p + off, b.len - off < 1000 ? b.len - off : 1000);
		slurp("sync.out", &file);
		snprintf(name, sizeof name, "%s: writes after the sync reach the file "
		    "before the next sync (%zu bytes in it, %llu at the sync)", cn, file.len,
		    (unsigned long long)s1);
		CHECK(name, file.len > s1);
		/* Every byte for 4 KiB after the sync, then 200 cuts spread out. */
		for (cut = s1; cut <= file.len; cut += cut < s1 + 4096 ? 1 :
		    (file.len - s1) / 200 + 1) {
			ref_decode(codec, file.p, (size_t)cut, &dec);
			if (dec.len < a.len || dec.len > all.len ||
			    memcmp(dec.p, all.p, dec.len) != 0 || (cut == s1 && dec.len != a.len)) {
				if (!bad++)
					firstbad = cut;
			} else if (dec.len > a.len) {
				grew++;
			}
		}
		snprintf(name, sizeof name, "%s: the file cut anywhere in the %llu bytes "
		    "from the sync on (every byte of the first 4 KiB) decodes to the "
		    "synced input (exactly, at the sync point), then a prefix of the rest",
		    cn, (unsigned long long)(file.len - s1 + 1));
		CHECKF(name, bad == 0, "%llu cuts wrong, first at %llu", (unsigned long long)bad,
		    (unsigned long long)firstbad);
		CHECKF("  ... and cuts further on decode more than the synced part", grew > 0,
		    "%llu", (unsigned long long)grew);
		/* tw_reader on the file cut at the sync: the synced lines, then
		 * the cut named. */
		if (ftruncate(fd, (off_t)s1) == 0) {
			int ok = reader_decode("sync.out", &dec, err, sizeof err);

			snprintf(name, sizeof name, "%s: tw_reader on the file cut at the sync "
			    "reads the synced lines, then names the cut", cn);
			CHECKF(name, !ok && dec.len == a.len && memcmp(dec.p, a.p, a.len) == 0 &&
			    strstr(err, "cut short") != NULL, "%zu bytes of %zu, \"%s\"",
			    dec.len, a.len, err);
		}
		tw_zout_free(&z);
		close(fd);
	}

	/* A writer killed (SIGKILL) after a sync: the file holds the synced
	 * data whole, whatever else it holds. */
	for (codec = TW_ZOUT_GZIP; codec <= TW_ZOUT_ZSTD; codec++) {
		int p[2], st;
		uint64_t synced[2] = { 0, 0 };
		pid_t pid;

		if (pipe(p) < 0)
			exit(1);
		pid = fork();
		if (pid == 0) {
			struct tw_zout z;
			int fd = open("killed.out", O_WRONLY | O_CREAT | O_TRUNC, 0666);
			size_t off;

			close(p[0]);
			tw_zout_open(&z, codec, TW_ZOUT_DEFAULT, fd);
			for (off = 0; off < a.len; off += 333)
				tw_zout_write(&z, a.p + off, a.len - off < 333 ? a.len - off : 333);
			tw_zout_sync(&z);
			synced[0] = z.synced_in;
			synced[1] = z.synced_out;
			if (write(p[1], synced, sizeof synced) < 0)
				_exit(1);
			for (off = 0; off < b.len / 2; off += 100)
				tw_zout_write(&z, b.p + off, 100);
			raise(SIGKILL);
			_exit(0);
		}
		close(p[1]);
		if (read(p[0], synced, sizeof synced) != (ssize_t)sizeof synced)
			synced[0] = synced[1] = 0;
		close(p[0]);
		waitpid(pid, &st, 0);
		slurp("killed.out", &file);
		ref_decode(codec, file.p, file.len, &dec);
		snprintf(name, sizeof name, "%s: a writer killed after a sync leaves the "
		    "synced %llu bytes decodable (file %zu bytes, synced at %llu)",
		    tw_zout_name(codec), (unsigned long long)synced[0], file.len,
		    (unsigned long long)synced[1]);
		CHECKF(name, WIFSIGNALED(st) && synced[0] == a.len && file.len >= synced[1] &&
		    dec.len >= a.len && memcmp(dec.p, all.p, dec.len) == 0,
		    "decoded %zu bytes", dec.len);
	}
	tw_buf_free(&a);
	tw_buf_free(&b);
	tw_buf_free(&all);
	tw_buf_free(&file);
	tw_buf_free(&dec);
}

static void
test_levels(void)
{
	struct tw_zout z;
	int min, max;
	char name[160];

	tw_zout_levels(TW_ZOUT_GZIP, &min, &max);
	CHECK("gzip levels 1 to 9", min == 1 && max == 9);
	tw_zout_levels(TW_ZOUT_ZSTD, &min, &max);
	CHECK("zstd levels -7 to 19", min == -7 && max == 19);
	tw_zout_levels(TW_ZOUT_NONE, &min, &max);
	CHECK("none has no levels", min == 0 && max == 0);
	{
		static const struct { int codec, level; } bad[] = {
			{ TW_ZOUT_GZIP, 10 }, { TW_ZOUT_GZIP, -1 }, { TW_ZOUT_ZSTD, 20 },
			{ TW_ZOUT_ZSTD, -8 }, { TW_ZOUT_NONE, 1 }, { 7, 0 }, { -1, 0 },
		};
		size_t i;

		for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
			int rc;

			errno = 0;
			rc = tw_zout_open(&z, bad[i].codec, bad[i].level, 1);
			snprintf(name, sizeof name, "codec %d level %d is refused with EINVAL",
			    bad[i].codec, bad[i].level);
			CHECKF(name, rc == -1 && errno == EINVAL, "rc %d errno %d", rc, errno);
		}
	}
	CHECK("default levels: gzip 2", tw_zout_open(&z, TW_ZOUT_GZIP, TW_ZOUT_DEFAULT, 1) == 0
	    && z.level == 2);
	tw_zout_free(&z);
	CHECK("default levels: zstd 1", tw_zout_open(&z, TW_ZOUT_ZSTD, TW_ZOUT_DEFAULT, 1) == 0
	    && z.level == 1);
	tw_zout_free(&z);
	CHECK("codec names", tw_zout_codec("gzip") == TW_ZOUT_GZIP &&
	    tw_zout_codec("zstd") == TW_ZOUT_ZSTD && tw_zout_codec("none") == TW_ZOUT_NONE &&
	    tw_zout_codec("gz") == -1 && tw_zout_codec("") == -1);
	CHECK("suffixes", strcmp(tw_zout_suffix(TW_ZOUT_GZIP), ".gz") == 0 &&
	    strcmp(tw_zout_suffix(TW_ZOUT_ZSTD), ".zst") == 0 &&
	    strcmp(tw_zout_suffix(TW_ZOUT_NONE), "") == 0);
}

/* Streams to fd until an error; returns the errno of the first failure
 * (0 if none), and whether later calls keep failing with it. */
static int
fill_until_error(int codec, int fd, size_t max, int *sticky)
{
	struct tw_buf d = TW_BUF_INIT;
	struct tw_zout z;
	size_t off = 0;
	int e = 0;

	make_data(&d, 20000, 9);
	tw_zout_open(&z, codec, TW_ZOUT_DEFAULT, fd);
	while (off < max) {
		if (tw_zout_write(&z, d.p, d.len) < 0 || tw_zout_sync(&z) < 0) {
			e = errno;
			break;
		}
		off += d.len;
	}
	if (e == 0 && tw_zout_finish(&z) < 0)
		e = errno;
	*sticky = e != 0 && tw_zout_write(&z, "x", 1) == -1 && errno == e &&
	    tw_zout_sync(&z) == -1 && errno == e && tw_zout_finish(&z) == -1 &&
	    errno == e && z.err == e;
	tw_zout_free(&z);
	tw_buf_free(&d);
	return e;
}

static void
test_errors(void)
{
	char name[200];
	int codec;

	signal(SIGPIPE, SIG_IGN);
	for (codec = TW_ZOUT_NONE; codec <= TW_ZOUT_ZSTD; codec++) {
		const char *cn = tw_zout_name(codec);
		int fd, p[2], e, sticky;

		fd = open("/dev/full", O_WRONLY);
		e = fill_until_error(codec, fd, (size_t)64 << 20, &sticky);
		close(fd);
		snprintf(name, sizeof name, "%s on /dev/full: ENOSPC returned, and "
		    "again by every later call", cn);
		CHECKF(name, e == ENOSPC && sticky, "errno %d (%s), sticky %d", e,
		    strerror(e), sticky);

		if (pipe(p) < 0)
			exit(1);
		close(p[0]);
		e = fill_until_error(codec, p[1], (size_t)64 << 20, &sticky);
		close(p[1]);
		snprintf(name, sizeof name, "%s into a closed pipe: EPIPE returned, "
		    "and again by every later call", cn);
		CHECKF(name, e == EPIPE && sticky, "errno %d (%s), sticky %d", e,
		    strerror(e), sticky);

		e = fill_until_error(codec, 1000, (size_t)1 << 20, &sticky);
		snprintf(name, sizeof name, "%s on a closed descriptor: EBADF", cn);
		CHECKF(name, e == EBADF && sticky, "errno %d (%s)", e, strerror(e));
	}

	/* A full file system: a 256 KiB tmpfs (root only). */
	if (mkdir("tiny", 0700) == 0 &&
	    mount("tmpfs", "tiny", "tmpfs", 0, "size=256k") == 0) {
		for (codec = TW_ZOUT_NONE; codec <= TW_ZOUT_ZSTD; codec++) {
			int fd = open("tiny/part", O_WRONLY | O_CREAT | O_TRUNC, 0666);
			int e, sticky;
			struct stat sb;

			e = fill_until_error(codec, fd, (size_t)64 << 20, &sticky);
			fstat(fd, &sb);
			close(fd);
			unlink("tiny/part");
			snprintf(name, sizeof name, "%s on a full 256 KiB tmpfs: ENOSPC "
			    "(after %lld bytes), and again by every later call",
			    tw_zout_name(codec), (long long)sb.st_size);
			CHECKF(name, e == ENOSPC && sticky && sb.st_size > 0,
			    "errno %d (%s), sticky %d", e, strerror(e), sticky);
		}
		umount("tiny");
	} else {
		printf("skip - a full tmpfs: cannot mount one here (%s)\n", strerror(errno));
	}
	rmdir("tiny");
}

static void
test_reset(void)
{
	struct tw_buf d = TW_BUF_INIT, file = TW_BUF_INIT, dec = TW_BUF_INIT;
	char name[160];
	int codec;

	make_data(&d, 2000, 5);
	for (codec = TW_ZOUT_GZIP; codec <= TW_ZOUT_ZSTD; codec++) {
		struct tw_zout z;
		int fd1 = open("r1.out", O_WRONLY | O_CREAT | O_TRUNC, 0666);
		int fd2 = open("r2.out", O_WRONLY | O_CREAT | O_TRUNC, 0666);
		int ok1, ok2;
		size_t half = d.len / 2;

		tw_zout_open(&z, codec, TW_ZOUT_DEFAULT, fd1);
		tw_zout_write(&z, d.p, half);
		tw_zout_finish(&z);
		tw_zout_reset(&z, fd2);
		CHECK("reset starts the counters again", z.in == 0 && z.out == 0 &&
		    !z.finished && z.err == 0);
		tw_zout_write(&z, d.p + half, d.len - half);
		tw_zout_finish(&z);
		tw_zout_free(&z);
		close(fd1);
		close(fd2);
		slurp("r1.out", &file);
		ok1 = ref_decode(codec, file.p, file.len, &dec) && dec.len == half &&
		    memcmp(dec.p, d.p, half) == 0;
		slurp("r2.out", &file);
		ok2 = ref_decode(codec, file.p, file.len, &dec) && dec.len == d.len - half &&
		    memcmp(dec.p, d.p + half, d.len - half) == 0;
		snprintf(name, sizeof name, "%s: two files from one tw_zout (reset between), "
		    "each complete with its own data", tw_zout_name(codec));
		CHECK(name, ok1 && ok2);
	}

	/* Two streams into one file, one after the other: a multi-member gzip
	 * file and a two-frame zstd file, read whole by zlib, libzstd and
	 * tw_reader. */
	for (codec = TW_ZOUT_GZIP; codec <= TW_ZOUT_ZSTD; codec++) {
		struct tw_zout z;
		int fd = open("two.out", O_WRONLY | O_CREAT | O_TRUNC, 0666);
		size_t half = d.len / 3;
		char err[256];
		int ok, rok;

		tw_zout_open(&z, codec, TW_ZOUT_DEFAULT, fd);
		tw_zout_write(&z, d.p, half);
		tw_zout_finish(&z);
		tw_zout_reset(&z, fd);
		tw_zout_write(&z, d.p + half, d.len - half);
		tw_zout_finish(&z);
		tw_zout_free(&z);
		close(fd);
		slurp("two.out", &file);
		ok = ref_decode(codec, file.p, file.len, &dec) && dec.len == d.len &&
		    memcmp(dec.p, d.p, d.len) == 0;
		rok = reader_decode("two.out", &dec, err, sizeof err) && dec.len == d.len &&
		    memcmp(dec.p, d.p, d.len) == 0;
		snprintf(name, sizeof name, "%s: two streams appended to one file are "
		    "read whole (%s, tw_reader)", tw_zout_name(codec),
		    codec == TW_ZOUT_GZIP ? "zlib" : "libzstd");
		CHECKF(name, ok && rok, "ref %d, reader %d \"%s\"", ok, rok, err);
	}

	/* Bounded memory: a big stream reaches the file as it goes; what is
	 * held back (given but not yet decodable from the file) stays under
	 * a bound that does not grow with the input. */
	for (codec = TW_ZOUT_NONE; codec <= TW_ZOUT_ZSTD; codec++) {
		struct tw_zout z;
		int fd = open("big.out", O_WRONLY | O_CREAT | O_TRUNC, 0666);
		size_t i, most = 0;

		tw_zout_open(&z, codec, TW_ZOUT_DEFAULT, fd);
		for (i = 1; i <= 40; i++) {
			tw_buf_reset(&d);
			make_data(&d, 2000, 100 + (unsigned)i);	/* new data each time */
			tw_zout_write(&z, d.p, d.len);
			if (i % 8 == 0) {
				slurp("big.out", &file);
				ref_decode(codec, file.p, file.len, &dec);
				if (z.in - dec.len > most)
					most = (size_t)(z.in - dec.len);
			}
		}
		snprintf(name, sizeof name, "%s: %.1f MB streamed without a sync: at most "
		    "%zu KiB held back at any point", tw_zout_name(codec), (double)z.in / 1e6,
		    most >> 10);
		/* The input buffer, the output buffer (128 KiB each; the output
		 * at this data's ratio, about 4) and the compressor's block. */
		CHECK(name, z.out > 0 && most <= ((size_t)3 << 20) / 2);
		tw_zout_free(&z);
		close(fd);
	}
	tw_buf_free(&d);
	tw_buf_free(&file);
	tw_buf_free(&dec);
}

int
main(void)
{
	test_levels();
	test_roundtrip();
	test_sync();
	test_errors();
	test_reset();
	return tap_done();
}
