/*
 * tw_parquet.c: the Parquet writer (see tw_parquet.h for the layout).
 *
 * Inside: every top-level field has one leaf (a Parquet column) per
 * primitive it holds: one for SCALAR and LIST, one per member for
 * LIST_STRUCT. A leaf fills its page buffers as values arrive (levels one
 * byte each, values PLAIN or dictionary indices), turns a full page into
 * an encoded, compressed page appended to its chunk buffer, and the chunk
 * buffers of all leaves are written, in schema order, as a row group.
 * What each written chunk was (offsets, sizes, statistics) is kept for
 * the footer.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dlfcn.h>
#include <snappy-c.h>
#include <zlib.h>
/* ZSTD_createCCtx_advanced (exported by libzstd.so): our allocator. */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "tw_buf.h"
#include "tw_parquet.h"
#include "tw_thrift.h"
#include "tw_time.h"
#include "tw_util.h"

#ifndef TW_VERSION
#define TW_VERSION "0"
#endif

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tw_parquet writes little-endian values with memcpy: port put_le*"
#endif

/* Encodings and page types of parquet.thrift. */
enum { E_PLAIN = 0, E_RLE = 3, E_DELTA = 5, E_DLBA = 6, E_DBA = 7,
    E_RLE_DICT = 8, E_N };
enum { P_DATA = 0, P_DICT = 2 };

/* ---- byte vectors (no trailing NUL, unlike tw_buf) -------------------- */

struct vec {
	uint8_t *p;
	size_t len, cap;
};

static void
vec_grow(struct vec *v, size_t n)
{
	size_t cap = v->cap ? v->cap : 256;

	if (v->len + n < v->len)
		tw_oom();
	while (cap < v->len + n) {
		if (cap > SIZE_MAX / 2)
			tw_oom();
		cap *= 2;
	}
	v->p = tw_xrealloc(v->p, cap);
	v->cap = cap;
}

static inline void
vec_reserve(struct vec *v, size_t n)
{
	if (v->cap - v->len < n)
		vec_grow(v, n);
}

static inline void
vec_put(struct vec *v, const void *s, size_t n)
{
	vec_reserve(v, n);
	if (n)
		memcpy(v->p + v->len, s, n);
	v->len += n;
}

static inline void
vec_putc(struct vec *v, uint8_t c)
{
	if (v->cap == v->len)
		vec_grow(v, 1);
	v->p[v->len++] = c;
}

static inline void
vec_put32(struct vec *v, uint32_t x)
{
	vec_reserve(v, 4);
	memcpy(v->p + v->len, &x, 4);
	v->len += 4;
}

static inline void
vec_put64(struct vec *v, const void *x)
{
	vec_reserve(v, 8);
	memcpy(v->p + v->len, x, 8);
	v->len += 8;
}

static void
vec_free(struct vec *v)
{
	free(v->p);
	v->p = NULL;
	v->len = v->cap = 0;
}

/* ---- RLE / bit-packed hybrid ------------------------------------------ */

/* Bits needed for values 0..max. */
static int
bit_width(uint64_t max)
{
	int w = 0;

	while (max) {
		w++;
		max >>= 1;
	}
	return w;
}

static void
put_varint(struct tw_buf *b, uint64_t v)
{
	tw_thrift_varint(b, v);
}

/* Bit-packs v[0..n) (n a multiple of 8, or the tail padded with 0). */
#define PACK(T) \
static void \
pack_##T(struct tw_buf *out, const T *v, size_t n, size_t groups, int width) \
{ \
	uint64_t acc = 0; \
	int bits = 0; \
	size_t i, total = groups * 8; \
	char *d; \
\
	if (out->cap - out->len <= groups * (size_t)width) \
		tw_buf_grow(out, groups * (size_t)width); \
	d = out->p + out->len; \
	for (i = 0; i < total; i++) { \
		acc |= (uint64_t)(i < n ? v[i] : 0) << bits; \
		bits += width; \
		while (bits >= 8) { \
			*d++ = (char)acc; \
			acc >>= 8; \
			bits -= 8; \
		} \
	} \
	out->len = (size_t)(d - out->p); \
	out->p[out->len] = '\0'; \
}

/*
 * The hybrid: runs of 8 or more equal values are RLE runs; the values
 * between are bit-packed in groups of 8. Pending literals must be a whole
 * number of groups before a run starts, so a run lends them its first
 * values when they are not (it stays a run if 8 are left).
 */
#define RLE(T) \
PACK(T) \
static void \
rle_##T(struct tw_buf *out, const T *v, size_t n, int width) \
{ \
	size_t pos = 0, lit = 0, r, k; \
	int nb = (width + 7) / 8, i; \
\
	while (pos < n) { \
		T x = v[pos]; \
\
		for (r = 1; pos + r < n && v[pos + r] == x; r++) \
			; \
		if (r < 8) { \
			pos += r; \
			continue; \
		} \
		k = (pos - lit) % 8; \
		if (k) { \
			pos += 8 - k; \
			r -= 8 - k; \
			if (r < 8) { \
				pos += r; \
				continue; \
			} \
		} \
		if (pos > lit) { \
			put_varint(out, (uint64_t)((pos - lit) / 8) << 1 | 1); \
			pack_##T(out, v + lit, pos - lit, (pos - lit) / 8, width); \
		} \
		put_varint(out, (uint64_t)r << 1); \
		for (i = 0; i < nb; i++) \
			tw_buf_addc(out, (char)((uint32_t)x >> (8 * i))); \
		pos += r; \
		lit = pos; \
	} \
	if (n > lit) { \
		size_t g = (n - lit + 7) / 8; \
\
		put_varint(out, (uint64_t)g << 1 | 1); \
		pack_##T(out, v + lit, n - lit, g, width); \
	} \
}

RLE(uint8_t)
RLE(uint32_t)

void
tw_pq_rle_encode(struct tw_buf *out, const uint32_t *v, size_t n, int width)
{
	rle_uint32_t(out, v, n, width);
}

long
tw_pq_rle_decode(const void *s, size_t len, int width, uint32_t *v, size_t n)
{
	const uint8_t *p = s, *end = p + len;
	size_t got = 0, i;
	int nb = (width + 7) / 8;

	if (width < 0 || width > 32)
		return -1;
	while (got < n) {
		uint64_t h = 0;
		int shift = 0;

		do {
			if (p >= end || shift > 35)
				return -1;
			h |= (uint64_t)(*p & 0x7f) << shift;
			shift += 7;
		} while (*p++ & 0x80);
		if (h & 1) {
			size_t cnt = (size_t)(h >> 1) * 8, bytes = (h >> 1) * (size_t)width;
			uint64_t acc = 0;
			int bits = 0;

			if (bytes > (size_t)(end - p))
				return -1;
			for (i = 0; i < cnt; i++) {
				while (bits < width) {
					acc |= (uint64_t)*p++ << bits;
					bits += 8;
				}
				if (got < n)
					v[got++] = (uint32_t)(acc & (((uint64_t)1 << width) - 1));
				acc >>= width;
				bits -= width;
			}
		} else {
			size_t cnt = (size_t)(h >> 1);
			uint32_t x = 0;
			int b;

			if (cnt == 0 || nb > end - p)
				return -1;
			for (b = 0; b < nb; b++)
				x |= (uint32_t)*p++ << (8 * b);
			if (width < 32 && x >> width)
				return -1;
			for (i = 0; i < cnt && got < n; i++)
				v[got++] = x;
		}
	}
	return (long)(p - (const uint8_t *)s);
}

/* ---- DELTA_BINARY_PACKED -------------------------------------------------- */

/* Blocks of 128 values, 4 miniblocks of 32 (parquet-mr's shape). */
#define DBP_BLOCK 128
#define DBP_MINI 32
#define DBP_NMINI (DBP_BLOCK / DBP_MINI)

/* Bit-packs the DBP_MINI values of d, LSB first, width bits each (0-64). */
static void
pack64(struct tw_buf *out, const uint64_t *d, int width)
{
	uint64_t acc = 0;
	int bits = 0, i, k;
	char *o;

	if (out->cap - out->len <= (size_t)width * DBP_MINI / 8)
		tw_buf_grow(out, (size_t)width * DBP_MINI / 8);
	o = out->p + out->len;
	for (i = 0; i < DBP_MINI; i++) {
		uint64_t x = d[i];
		int left = width;

		/* At most 32 bits a step, so acc (under 8 bits) never overflows. */
		while (left > 0) {
			k = left > 32 ? 32 : left;
			acc |= (x & (((uint64_t)1 << k) - 1)) << bits;
			x >>= k;
			bits += k;
			left -= k;
			while (bits >= 8) {
				*o++ = (char)acc;
				acc >>= 8;
				bits -= 8;
			}
		}
	}
	out->len = (size_t)(o - out->p);
	out->p[out->len] = '\0';
}

void
tw_pq_delta_encode(struct tw_buf *out, const int64_t *v, size_t n)
{
	uint64_t d[DBP_BLOCK];
	size_t pos = 1, k, i;
	int m;

	put_varint(out, DBP_BLOCK);
	put_varint(out, DBP_NMINI);
	put_varint(out, n);
	put_varint(out, tw_thrift_zigzag(n ? v[0] : 0));
	while (pos < n) {
		size_t cnt = n - pos < DBP_BLOCK ? n - pos : DBP_BLOCK;
		uint64_t min;
		uint8_t wd[DBP_NMINI];

		/* Deltas wrap (unsigned arithmetic), as the spec says. */
		for (k = 0; k < cnt; k++)
			d[k] = (uint64_t)v[pos + k] - (uint64_t)v[pos + k - 1];
		min = d[0];
		for (k = 1; k < cnt; k++)
			if ((int64_t)d[k] < (int64_t)min)
				min = d[k];
		for (k = 0; k < DBP_BLOCK; k++)
			d[k] = k < cnt ? d[k] - min : 0;
		put_varint(out, tw_thrift_zigzag((int64_t)min));
		for (m = 0; m < DBP_NMINI; m++) {
			uint64_t or = 0;

			if ((size_t)m * DBP_MINI < cnt)
				for (i = 0; i < DBP_MINI; i++)
					or |= d[m * DBP_MINI + i];
			wd[m] = (uint8_t)bit_width(or);
		}
		tw_buf_add(out, wd, DBP_NMINI);
		for (m = 0; m < DBP_NMINI && (size_t)m * DBP_MINI < cnt; m++)
			pack64(out, d + m * DBP_MINI, wd[m]);
		pos += cnt;
	}
}

static int
get_varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	uint64_t x = 0;
	int s;

	for (s = 0; s < 64 && *p < end; s += 7) {
		uint8_t c = *(*p)++;

		x |= (uint64_t)(c & 0x7f) << s;
		if (!(c & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

long
tw_pq_delta_decode(const void *s, size_t len, int64_t *v, size_t n)
{
	const uint8_t *p = s, *end = p + len;
	uint64_t bs, nm, cnt, first, zmin, prev;
	size_t pos = 1, per, k;

	if (get_varint(&p, end, &bs) < 0 || get_varint(&p, end, &nm) < 0 ||
	    get_varint(&p, end, &cnt) < 0 || get_varint(&p, end, &first) < 0)
		return -1;
	if (bs == 0 || bs % 128 || bs > 1 << 20 || nm == 0 || bs % nm ||
	    (bs / nm) % 32 || cnt != n)
		return -1;
	per = (size_t)(bs / nm);
	prev = (first >> 1) ^ (uint64_t)-(int64_t)(first & 1);
	if (n)
		v[0] = (int64_t)prev;
	while (pos < n) {
		const uint8_t *wd;
		uint64_t min;
		size_t m;

		if (get_varint(&p, end, &zmin) < 0 || (size_t)(end - p) < nm)
			return -1;
		min = (zmin >> 1) ^ (uint64_t)-(int64_t)(zmin & 1);
		wd = p;
		p += nm;
		for (m = 0; m < nm && pos < n; m++) {
			int width = wd[m];
			uint64_t acc = 0;
			int bits = 0;

			if (width > 64 || (size_t)(end - p) < per * (size_t)width / 8)
				return -1;
			for (k = 0; k < per; k++) {
				uint64_t x = 0;
				int got = 0;

				while (got < width) {
					int take;

					if (bits == 0) {
						acc = *p++;
						bits = 8;
					}
					take = width - got < bits ? width - got : bits;
					x |= (acc & ((1u << take) - 1)) << got;
					acc >>= take;
					bits -= take;
					got += take;
				}
				if (pos < n) {
					prev += min + x;
					v[pos++] = (int64_t)prev;
				}
			}
		}
	}
	return (long)(p - (const uint8_t *)s);
}

/* ---- the writer ------------------------------------------------------ */

/* What a written (or about to be written) column chunk was. */
struct colmeta {
	uint64_t num_values, unc, comp;
	int64_t start, data_off, dict_off;	/* dict_off -1: none */
	int64_t null_count;
	uint32_t npages[E_N];	/* data pages by encoding */
	int has_dict, has_minmax, min_exact, max_exact;
	uint8_t minlen, maxlen;
	uint8_t min[TW_PQ_STAT_MAX + 4], max[TW_PQ_STAT_MAX + 4];
};

struct rgmeta {
	uint64_t rows;
	struct colmeta *cols;	/* one per leaf, in schema order */
	int ncols;
};

enum { DICT_OFF, DICT_ON, DICT_FELL };

/* An INT64 chunk's dictionary: tried on its first page, then kept while
 * it fits (decided at page ends, the page buffer holding PLAIN values). */
enum { ID_TRY, ID_ON, ID_OFF };

/* The first page of a chunk decides whether its dictionary pays after
 * this many values or PLAIN bytes, or at its end if it is smaller. */
#define DICT_CHECK_N 4096
#define DICT_CHECK_BYTES (64 << 10)

struct leaf {
	int field, member;
	enum tw_pq_type type;
	enum tw_pq_logical logical;
	int max_def, max_rep;
	int try_dict;
	int venc;		/* its chunk's encoding of values outside a
				 * dictionary; -1: chosen at the first page */
	uint64_t vest;		/* its compressed size of the first page */
	int zfast;		/* zstd: its chunk's value pages go at level 1 */
	int idict;		/* INT64: ID_TRY, ID_ON, ID_OFF */

	/* The page being filled. */
	struct vec def, rep, val;
	uint32_t nlev, nval;
	size_t plain;		/* PLAIN size of its values (dictionary pages) */

	/* Where the current row began (for tw_pq_row_cancel). */
	uint64_t stamp;
	size_t mdef, mrep, mval, mplain;
	uint32_t mnlev, mnval;

	/* The column chunk of the row group being built. */
	struct vec chunk;
	struct colmeta cm;

	/* Its dictionary: PLAIN entries, their offsets, a hash table. */
	int dict;
	struct vec dvals;
	uint32_t *doff;
	uint64_t *slots;	/* hash << 32 | index + 1; 0: empty */
	uint32_t ndict, dcap, nslots;
	int checked;		/* the early "does it pay" test was made */

	/* Statistics of the chunk. */
	int has_stats;
	int64_t imin, imax;
	double dmin, dmax;
	struct vec smin, smax;
};

struct field {
	struct tw_pq_field f;
	struct tw_pq_member *members;
	int leaf0, nleaf;
	uint64_t stamp;
	int inlist, instruct, skip;
	uint32_t nelem;
	uint64_t mset;
};

struct tw_pq {
	int fd;
	enum tw_pq_codec codec;
	int level;
	size_t rg_bytes, page_bytes, dict_bytes;
	int plain_only;
	char *created_by;

	struct field *fields;
	int nfields, capfields;
	struct leaf **leaves;
	int nleaves, capleaves;

	uint64_t row;		/* stamp of the row being built (from 1) */
	int in_row;		/* a value was given since the last row end */
	int misuse;		/* a call that did not fit the schema */
	uint64_t rows, rg_rows;
	uint64_t held;		/* bytes held after the last row end */

	struct rgmeta *rgs;
	int nrgs, caprgs;

	int64_t off;		/* bytes written so far */
	int started;		/* "PAR1" written */
	int err;		/* errno of the first write error */
	char errmsg[160];

	char **kv;
	int nkv;

	struct tw_buf body, hdr;
	struct vec cbuf;
	int ztext;		/* the page to compress holds byte arrays */
	int zfast;		/* zstd: the page goes at level 1 */
	int zset, zbig;		/* zstd parameters set, with big tables */
	int64_t *i64;		/* lengths and prefixes of a page (DLBA, DBA) */
	size_t ni64;
	uint32_t *idx;		/* dictionary indices of an INT64 page */
	size_t nidx;
	ZSTD_CCtx *zc, *zc1;	/* the file's level; level 1 */
	z_stream z;
	int zinit;
};

/* ---- allocation hooks for zlib and zstd ---------------------------- */

static voidpf
z_alloc(voidpf op, uInt items, uInt size)
{
	(void)op;
	if (size && items > SIZE_MAX / size)
		tw_oom();
	return tw_xmalloc((size_t)items * size);
}

static void
z_free(voidpf op, voidpf p)
{
	(void)op;
	free(p);
}

static void *
zs_alloc(void *op, size_t n)
{
	(void)op;
	return tw_xmalloc(n);
}

static void
zs_free(void *op, void *p)
{
	(void)op;
	free(p);
}

/*
 * libsnappy, loaded on first use. It is C++: linked, it brings libstdc++
 * and libgcc_s into every start of the tools (0.7 ms of tw-load's 2.0 ms
 * here, where their CPU probes trap to the hypervisor), though only
 * snappy Parquet pages use it.
 */
static struct {
	__typeof__(snappy_max_compressed_length) *max_len;
	__typeof__(snappy_compress) *compress;
	__typeof__(snappy_uncompressed_length) *ulen;
	__typeof__(snappy_uncompress) *uncompress;
} snp;

#define SNAPPY_SO "libsnappy.so.1"

/* Loads libsnappy, or ends the program as a missing library would. */
static void
snappy_load(void)
{
	void *h;

	if (snp.compress != NULL)
		return;
	h = dlopen(SNAPPY_SO, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		const char *e = dlerror();

		tw_die(1, "cannot load %s (snappy): %s", SNAPPY_SO, e ? e : "not found");
	}
	*(void **)&snp.max_len = dlsym(h, "snappy_max_compressed_length");
	*(void **)&snp.compress = dlsym(h, "snappy_compress");
	*(void **)&snp.ulen = dlsym(h, "snappy_uncompressed_length");
	*(void **)&snp.uncompress = dlsym(h, "snappy_uncompress");
	if (!snp.max_len || !snp.compress || !snp.ulen || !snp.uncompress)
		tw_die(1, "%s lacks the snappy C functions", SNAPPY_SO);
}

/* ---- errors and output ------------------------------------------------ */

static int
fail(struct tw_pq *w, int e, const char *what)
{
	if (!w->err) {
		w->err = e;
		snprintf(w->errmsg, sizeof w->errmsg, "%s: %s", what, strerror(e));
	}
	errno = w->err;
	return -1;
}

static int
wr(struct tw_pq *w, const void *p, size_t n)
{
	const char *s = p;

	if (w->err) {
		errno = w->err;
		return -1;
	}
	while (n > 0) {
		ssize_t k = write(w->fd, s, n > ((size_t)1 << 30) ? (size_t)1 << 30 : n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return fail(w, errno, "write");
		}
		if (k == 0)
			return fail(w, EIO, "write");
		s += k;
		n -= (size_t)k;
		w->off += k;
	}
	return 0;
}

static int
start(struct tw_pq *w)
{
	if (w->started)
		return w->err ? -1 : 0;
	w->started = 1;
	return wr(w, "PAR1", 4);
}

/* ---- compression -------------------------------------------------------- */

/* zstd: byte-array pages above this size get hash and chain tables of
 * at least 2^ZSTD_TABLE_LOG entries (8 MiB: smaller pages do not repay
 * setting them up). */
#define ZSTD_BIG_PAGE ((size_t)1 << 20)
#define ZSTD_TABLE_LOG 20

/* Whether pages and estimates may go at zstd level 1 (w->zfast): at
 * levels 2 and 3, where speed was asked for. */
static int
zfast_ok(const struct tw_pq *w)
{
	return w->codec == TW_PQ_ZSTD && (w->level == 0 || w->level == 2 || w->level == 3);
}

/* The zstd context *c, made with our allocator on first use. */
static ZSTD_CCtx *
zstd_cctx(ZSTD_CCtx **c)
{
	if (*c == NULL) {
		ZSTD_customMem mem = { zs_alloc, zs_free, NULL };

		*c = ZSTD_createCCtx_advanced(mem);
		if (*c == NULL)
			tw_oom();
	}
	return *c;
}

/* Compresses src[0..n) into w->cbuf (replacing it; zstd at level 1 with
 * w->zfast, which only zfast_ok's levels set). */
static void
pq_compress(struct tw_pq *w, const void *src, size_t n)
{
	size_t cap, out;
	int lvl, big;

	w->cbuf.len = 0;
	switch (w->codec) {
	case TW_PQ_SNAPPY:
		cap = snp.max_len(n);
		vec_reserve(&w->cbuf, cap);
		out = cap;
		if (snp.compress(src, n, (char *)w->cbuf.p, &out) != SNAPPY_OK)
			tw_oom();	/* only a too small buffer fails */
		w->cbuf.len = out;
		break;
	case TW_PQ_ZSTD: {
		ZSTD_CCtx *zc;

		if (w->zfast) {
			/* Its own context: its parameters never change. */
			if (w->zc1 == NULL)
				ZSTD_CCtx_setParameter(zstd_cctx(&w->zc1),
				    ZSTD_c_compressionLevel, 1);
			zc = w->zc1;
		} else {
			lvl = w->level ? w->level : 3;
			zc = zstd_cctx(&w->zc);
			big = n > ZSTD_BIG_PAGE && w->ztext;
			if (!w->zset || big != w->zbig) {
				/* Text pages find more matches in bigger
				 * tables (levels 1-5 use 2^16-2^19 entries),
				 * other pages only lose speed to them. The
				 * parameters stay between pages: a change
				 * costs the tables' set-up. */
				ZSTD_CCtx_reset(zc, ZSTD_reset_session_and_parameters);
				ZSTD_CCtx_setParameter(zc, ZSTD_c_compressionLevel, lvl);
				if (big) {
					ZSTD_compressionParameters cp = ZSTD_getCParams(lvl, 0, 0);

					if (cp.hashLog < ZSTD_TABLE_LOG)
						ZSTD_CCtx_setParameter(zc, ZSTD_c_hashLog, ZSTD_TABLE_LOG);
					if (cp.chainLog < ZSTD_TABLE_LOG)
						ZSTD_CCtx_setParameter(zc, ZSTD_c_chainLog, ZSTD_TABLE_LOG);
				}
				w->zset = 1;
				w->zbig = big;
			}
		}
		cap = ZSTD_compressBound(n);
		vec_reserve(&w->cbuf, cap);
		out = ZSTD_compress2(zc, w->cbuf.p, cap, src, n);
		if (ZSTD_isError(out))
			tw_oom();	/* the bound fits: only memory fails */
		w->cbuf.len = out;
		break;
	}
	case TW_PQ_GZIP:
		if (!w->zinit) {
			w->z.zalloc = z_alloc;
			w->z.zfree = z_free;
			w->z.opaque = NULL;
			if (deflateInit2(&w->z, w->level ? w->level : 6, Z_DEFLATED,
			    15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
				tw_oom();
			w->zinit = 1;
		} else
			deflateReset(&w->z);
		cap = deflateBound(&w->z, (uLong)n) + 32;
		vec_reserve(&w->cbuf, cap);
		w->z.next_in = (Bytef *)(uintptr_t)src;
		w->z.avail_in = (uInt)n;
		w->z.next_out = w->cbuf.p;
		w->z.avail_out = (uInt)cap;
		if (deflate(&w->z, Z_FINISH) != Z_STREAM_END)
			tw_oom();
		w->cbuf.len = cap - w->z.avail_out;
		break;
	default:
		break;
	}
}

/* ---- statistics ------------------------------------------------------- */

static inline void
stat_i64(struct leaf *L, int64_t v)
{
	if (!L->has_stats) {
		L->imin = L->imax = v;
		L->has_stats = 1;
	} else if (v < L->imin)
		L->imin = v;
	else if (v > L->imax)
		L->imax = v;
}

static inline void
stat_double(struct leaf *L, double v)
{
	if (v != v)
		return;		/* NaN has no place in min/max */
	if (!L->has_stats) {
		L->dmin = L->dmax = v;
		L->has_stats = 1;
	} else if (v < L->dmin)
		L->dmin = v;
	else if (v > L->dmax)
		L->dmax = v;
}

/* Unsigned byte order, shorter first on a tie. */
static int
bytes_cmp(const void *a, size_t an, const void *b, size_t bn)
{
	size_t m = an < bn ? an : bn;
	int c = m ? memcmp(a, b, m) : 0;	/* an empty value may be NULL */

	return c ? c : (an > bn) - (an < bn);
}

static void
stat_bytes(struct leaf *L, const void *p, size_t n)
{
	if (!L->has_stats) {
		L->smin.len = L->smax.len = 0;
		vec_put(&L->smin, p, n);
		vec_put(&L->smax, p, n);
		L->has_stats = 1;
		return;
	}
	if (bytes_cmp(p, n, L->smin.p, L->smin.len) < 0) {
		L->smin.len = 0;
		vec_put(&L->smin, p, n);
	} else if (bytes_cmp(p, n, L->smax.p, L->smax.len) > 0) {
		L->smax.len = 0;
		vec_put(&L->smax, p, n);
	}
}

/* The length of the longest prefix of s[0..n) of at most max bytes that
 * does not cut a UTF-8 sequence. */
static size_t
utf8_cut(const uint8_t *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	while (max > 0 && (s[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* Decodes the character ending s[0..n) (valid UTF-8 assumed): its code
 * point and, in *len, its length; -1 when it is not valid. */
static long
last_cp(const uint8_t *s, size_t n, size_t *len)
{
	size_t i = n;
	long cp;

	while (i > 0 && (s[i - 1] & 0xC0) == 0x80 && n - i < 3)
		i--;
	if (i == 0)
		return -1;
	i--;
	*len = n - i;
	if (*len == 1 && s[i] < 0x80)
		return s[i];
	if (*len == 2 && (s[i] & 0xE0) == 0xC0)
		cp = s[i] & 0x1F;
	else if (*len == 3 && (s[i] & 0xF0) == 0xE0)
		cp = s[i] & 0x0F;
	else if (*len == 4 && (s[i] & 0xF8) == 0xF0)
		cp = s[i] & 0x07;
	else
		return -1;
	for (i++; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3F);
	return cp;
}

static size_t
put_cp(uint8_t *d, long cp)
{
	if (cp < 0x80) {
		d[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		d[0] = (uint8_t)(0xC0 | cp >> 6);
		d[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (uint8_t)(0xE0 | cp >> 12);
		d[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
		d[2] = (uint8_t)(0x80 | (cp & 0x3F));
		return 3;
	}
	d[0] = (uint8_t)(0xF0 | cp >> 18);
	d[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
	d[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
	d[3] = (uint8_t)(0x80 | (cp & 0x3F));
	return 4;
}

/*
 * An upper bound of every string starting with s[0..n) (whole UTF-8
 * characters): the prefix with its last character incremented (carrying
 * over U+10FFFF, skipping the surrogates). 0 when there is none.
 */
static size_t
upper_bound(uint8_t *s, size_t n)
{
	while (n > 0) {
		size_t len;
		long cp = last_cp(s, n, &len);

		if (cp < 0)
			return 0;
		n -= len;
		if (cp < 0x10FFFF) {
			cp = cp == 0xD7FF ? 0xE000 : cp + 1;
			return n + put_cp(s + n, cp);
		}
	}
	return 0;
}

/* Statistics of leaf L's chunk into its colmeta (strings bounded). */
static void
stats_close(struct leaf *L)
{
	struct colmeta *c = &L->cm;
	double d;

	c->has_minmax = L->has_stats;
	c->min_exact = c->max_exact = 1;
	if (!L->has_stats)
		return;
	switch (L->type) {
	case TW_PQ_BOOLEAN:
	case TW_PQ_INT64:
		c->minlen = c->maxlen = L->type == TW_PQ_BOOLEAN ? 1 : 8;
		memcpy(c->min, &L->imin, c->minlen);
		memcpy(c->max, &L->imax, c->maxlen);
		break;
	case TW_PQ_DOUBLE:
		/* Zero is written as -0 for min and +0 for max (-0 == +0). */
		d = L->dmin == 0 ? -0.0 : L->dmin;
		memcpy(c->min, &d, 8);
		d = L->dmax == 0 ? 0.0 : L->dmax;
		memcpy(c->max, &d, 8);
		c->minlen = c->maxlen = 8;
		break;
	case TW_PQ_BYTE_ARRAY:
		if (L->smin.len <= TW_PQ_STAT_MAX) {
			c->minlen = (uint8_t)L->smin.len;
			if (L->smin.len)
				memcpy(c->min, L->smin.p, L->smin.len);
		} else {
			c->minlen = (uint8_t)utf8_cut(L->smin.p, L->smin.len, TW_PQ_STAT_MAX);
			memcpy(c->min, L->smin.p, c->minlen);
			c->min_exact = 0;
		}
		if (L->smax.len <= TW_PQ_STAT_MAX) {
			c->maxlen = (uint8_t)L->smax.len;
			if (L->smax.len)
				memcpy(c->max, L->smax.p, L->smax.len);
		} else {
			size_t n = utf8_cut(L->smax.p, L->smax.len, TW_PQ_STAT_MAX);

			memcpy(c->max, L->smax.p, n);
			c->maxlen = (uint8_t)upper_bound(c->max, n);
			c->max_exact = 0;
			if (c->maxlen == 0)
				c->has_minmax = 0;	/* no bound: none at all */
		}
		break;
	}
}

/* ---- dictionary ---------------------------------------------------------- */

static inline uint32_t
hash_bytes(const void *s, size_t n)
{
	const uint8_t *p = s;
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ n, x;

	while (n >= 8) {
		memcpy(&x, p, 8);
		h = (h ^ x) * 0xBF58476D1CE4E5B9ULL;
		h ^= h >> 31;
		p += 8;
		n -= 8;
	}
	if (n) {
		x = 0;
		memcpy(&x, p, n);
		h = (h ^ x) * 0xBF58476D1CE4E5B9ULL;
	}
	h ^= h >> 29;
	h *= 0x94D049BB133111EBULL;
	return (uint32_t)(h >> 32);
}

static void
dict_reset(struct leaf *L)
{
	L->dvals.len = 0;
	L->ndict = 0;
	L->checked = 0;
	if (L->nslots > 4096) {
		/* A big table goes: the next chunk grows its own. */
		free(L->slots);
		L->slots = NULL;
		L->nslots = 0;
	} else if (L->slots)
		memset(L->slots, 0, L->nslots * sizeof *L->slots);
	L->dict = L->try_dict ? DICT_ON : DICT_OFF;
}

static void
dict_rehash(struct leaf *L)
{
	uint32_t n = L->nslots ? L->nslots * 2 : 1024, i, j;
	uint64_t *old = L->slots;

	L->slots = tw_xcalloc(n, sizeof *L->slots);
	for (i = 0; i < L->nslots; i++) {
		if (old[i] == 0)
			continue;
		for (j = (uint32_t)(old[i] >> 32) & (n - 1); L->slots[j]; j = (j + 1) & (n - 1))
			;
		L->slots[j] = old[i];
	}
	free(old);
	L->nslots = n;
}

/* The PLAIN page of leaf L's dictionary indices rewritten as PLAIN values. */
static void
dict_to_plain(struct tw_pq *w, struct leaf *L)
{
	struct vec v = { NULL, 0, 0 };
	const uint32_t *ix = (const uint32_t *)(void *)L->val.p;
	uint32_t i, k, n;
	size_t mark = 0;
	int have_mark = L->stamp == w->row;

	vec_reserve(&v, L->plain + 4);
	for (i = 0; i < L->val.len / 4; i++) {
		if (have_mark && (size_t)i * 4 == L->mval)
			mark = v.len;
		k = ix[i];
		memcpy(&n, L->dvals.p + L->doff[k], 4);
		vec_put(&v, L->dvals.p + L->doff[k], (size_t)n + 4);
	}
	if (have_mark && L->mval == L->val.len)
		mark = v.len;
	vec_free(&L->val);
	L->val = v;
	L->mval = mark;
	L->mplain = mark;
}

/* Ends dictionary encoding for the rest of the chunk. */
static void
dict_fallback(struct tw_pq *w, struct leaf *L)
{
	dict_to_plain(w, L);
	L->dict = DICT_FELL;
	if (L->cm.npages[E_RLE_DICT] == 0) {
		/* No page uses it: no dictionary page at all. */
		L->dvals.len = 0;
		L->ndict = 0;
	}
}

/* The index of s[0..n) in L's dictionary, added if new; -1 when it does
 * not fit (the caller falls back to PLAIN). */
static long
dict_index(struct tw_pq *w, struct leaf *L, const void *s, size_t n)
{
	uint32_t h = hash_bytes(s, n), j, len;
	uint64_t e;

	if (L->nslots == 0)
		dict_rehash(L);
	for (j = h & (L->nslots - 1); (e = L->slots[j]) != 0; j = (j + 1) & (L->nslots - 1)) {
		const uint8_t *d;

		if ((uint32_t)(e >> 32) != h)
			continue;
		d = L->dvals.p + L->doff[(uint32_t)e - 1];
		memcpy(&len, d, 4);
		if (len == n && memcmp(d + 4, s, n) == 0)
			return (long)(uint32_t)e - 1;
	}
	if (L->dvals.len + n + 4 > w->dict_bytes || n > UINT32_MAX)
		return -1;
	if (L->ndict == L->dcap) {
		L->dcap = L->dcap ? L->dcap * 2 : 256;
		L->doff = tw_xrealloc(L->doff, L->dcap * sizeof *L->doff);
	}
	L->doff[L->ndict] = (uint32_t)L->dvals.len;
	vec_put32(&L->dvals, (uint32_t)n);
	vec_put(&L->dvals, s, n);
	L->slots[j] = (uint64_t)h << 32 | ++L->ndict;
	stat_bytes(L, s, n);	/* only new values can move min and max */
	if (L->ndict * 2 > L->nslots)
		dict_rehash(L);
	return L->ndict - 1;
}

/* The index of v in INT64 leaf L's dictionary (8-byte PLAIN entries),
 * added if new; -1 when it does not fit. */
static long
dict_index_i64(struct tw_pq *w, struct leaf *L, int64_t v)
{
	uint32_t h = hash_bytes(&v, 8), j;
	uint64_t e;

	if (L->nslots == 0)
		dict_rehash(L);
	for (j = h & (L->nslots - 1); (e = L->slots[j]) != 0; j = (j + 1) & (L->nslots - 1))
		if ((uint32_t)(e >> 32) == h &&
		    memcmp(L->dvals.p + ((size_t)(uint32_t)e - 1) * 8, &v, 8) == 0)
			return (long)(uint32_t)e - 1;
	if (L->dvals.len + 8 > w->dict_bytes)
		return -1;
	vec_put64(&L->dvals, &v);
	L->slots[j] = (uint64_t)h << 32 | ++L->ndict;
	if (L->ndict * 2 > L->nslots)
		dict_rehash(L);
	return L->ndict - 1;
}

/* ---- values into a leaf ----------------------------------------------- */

static inline void
lev(struct leaf *L, int rep, int def)
{
	if (L->max_rep)
		vec_putc(&L->rep, (uint8_t)rep);
	if (L->max_def)
		vec_putc(&L->def, (uint8_t)def);
	L->nlev++;
}

static void
put_i64(struct leaf *L, int64_t v)
{
	vec_put64(&L->val, &v);
	L->nval++;
	stat_i64(L, v);
}

static void
put_double(struct leaf *L, double v)
{
	vec_put64(&L->val, &v);
	L->nval++;
	stat_double(L, v);
}

static void
put_bool(struct leaf *L, int v)
{
	vec_putc(&L->val, v != 0);
	L->nval++;
	stat_i64(L, v != 0);
}

static int dict_pays(const struct leaf *L);

static void
put_bytes(struct tw_pq *w, struct leaf *L, const void *p, size_t n)
{
	L->nval++;
	if (L->dict == DICT_ON) {
		long k = dict_index(w, L, p, n);

		if (k >= 0) {
			vec_put32(&L->val, (uint32_t)k);
			L->plain += n + 4;
			/* Whether it pays is clear long before a page is full:
			 * text and ids stop paying for the hashing early. */
			if (TW_UNLIKELY(!L->checked && (L->nval >= DICT_CHECK_N ||
			    L->plain >= DICT_CHECK_BYTES) && L->cm.npages[E_RLE_DICT] == 0)) {
				L->checked = 1;
				if (!dict_pays(L))
					dict_fallback(w, L);
			}
			return;
		}
		dict_fallback(w, L);
	}
	vec_reserve(&L->val, n + 4);
	memcpy(L->val.p + L->val.len, &(uint32_t){ (uint32_t)n }, 4);
	if (n)
		memcpy(L->val.p + L->val.len + 4, p, n);
	L->val.len += n + 4;
	stat_bytes(L, p, n);
}

/* ---- pages ------------------------------------------------------------ */

static void
add_levels(struct tw_pq *w, const struct vec *lv, int max)
{
	size_t at = w->body.len;

	tw_buf_add(&w->body, "\0\0\0\0", 4);
	rle_uint8_t(&w->body, lv->p, lv->len, bit_width((uint32_t)max));
	memcpy(w->body.p + at, &(uint32_t){ (uint32_t)(w->body.len - at - 4) }, 4);
}

static void
page_header(struct tw_pq *w, int type, size_t unc, size_t comp, uint32_t nvals,
    int enc)
{
	struct tw_thrift t;

	tw_buf_reset(&w->hdr);
	tw_thrift_begin(&t, &w->hdr);
	tw_thrift_i32(&t, 1, type);
	tw_thrift_i32(&t, 2, (int32_t)unc);
	tw_thrift_i32(&t, 3, (int32_t)comp);
	if (type == P_DATA) {
		tw_thrift_struct_begin(&t, 5);
		tw_thrift_i32(&t, 1, (int32_t)nvals);
		tw_thrift_i32(&t, 2, enc);
		tw_thrift_i32(&t, 3, E_RLE);
		tw_thrift_i32(&t, 4, E_RLE);
		tw_thrift_end(&t);
	} else {
		tw_thrift_struct_begin(&t, 7);
		tw_thrift_i32(&t, 1, (int32_t)nvals);
		tw_thrift_i32(&t, 2, E_PLAIN);
		tw_thrift_end(&t);
	}
	tw_thrift_end(&t);
}

/* Compresses w->body and appends header and page to out; returns the
 * compressed size of the page (header included) in *comp, uncompressed
 * in *unc. */
static void
emit_page(struct tw_pq *w, struct vec *out, int type, uint32_t nvals, int enc,
    uint64_t *unc, uint64_t *comp)
{
	const void *data = w->body.p;
	size_t n = w->body.len, cn = n;

	if (w->codec != TW_PQ_UNCOMPRESSED) {
		pq_compress(w, w->body.p, n);
		data = w->cbuf.p;
		cn = w->cbuf.len;
	}
	page_header(w, type, n, cn, nvals, enc);
	vec_put(out, w->hdr.p, w->hdr.len);
	vec_put(out, data, cn);
	*unc += w->hdr.len + n;
	*comp += w->hdr.len + cn;
}

static int
dict_pays(const struct leaf *L)
{
	size_t idx = ((size_t)L->nval * (size_t)bit_width(L->ndict ? L->ndict - 1 : 0) + 7) / 8;

	return L->dvals.len + idx + 2 < L->plain;
}

static void
reset_page(struct leaf *L)
{
	L->def.len = L->rep.len = L->val.len = 0;
	L->nlev = L->nval = 0;
	L->plain = 0;
	L->mdef = L->mrep = L->mval = L->mplain = 0;
	L->mnlev = L->mnval = 0;
}

/*
 * Appends the n values of PLAIN page values p[0..len) of leaf type t to
 * out in encoding enc: PLAIN, DELTA_BINARY_PACKED (INT64),
 * DELTA_LENGTH_BYTE_ARRAY or DELTA_BYTE_ARRAY (BYTE_ARRAY).
 */
static void
encode_values(struct tw_pq *w, struct tw_buf *out, enum tw_pq_type t,
    const uint8_t *p, size_t len, uint32_t n, int enc)
{
	int64_t *pre, *suf;
	const uint8_t *prev = NULL;
	uint32_t l, pl = 0, i, k;
	size_t o;

	if (enc == E_PLAIN) {
		if (t == TW_PQ_BOOLEAN)
			pack_uint8_t(out, p, len, (len + 7) / 8, 1);
		else
			tw_buf_add(out, p, len);
		return;
	}
	if (enc == E_DELTA) {
		tw_pq_delta_encode(out, (const int64_t *)(const void *)p, n);
		return;
	}
	if (w->ni64 < 2 * (size_t)n) {
		w->ni64 = 2 * (size_t)n;
		w->i64 = tw_xrealloc(w->i64, w->ni64 * sizeof *w->i64);
	}
	pre = w->i64;
	suf = w->i64 + n;
	for (i = 0, o = 0; i < n; i++) {
		const uint8_t *cur = p + o + 4;

		memcpy(&l, p + o, 4);
		k = 0;
		if (enc == E_DBA)
			while (k < l && k < pl && prev[k] == cur[k])
				k++;
		pre[i] = k;
		suf[i] = l - k;
		prev = cur;
		pl = l;
		o += 4 + (size_t)l;
	}
	if (enc == E_DBA)
		tw_pq_delta_encode(out, pre, n);
	tw_pq_delta_encode(out, suf, n);
	for (i = 0, o = 0; i < n; i++) {
		memcpy(&l, p + o, 4);
		tw_buf_add(out, p + o + 4 + pre[i], (size_t)suf[i]);
		o += 4 + (size_t)l;
	}
}

/* The first values of a page that the choice of encoding looks at: an
 * eighth of its PLAIN bytes, at least ENC_SAMPLE_MIN and at most
 * ENC_SAMPLE (so that small chunks do not spend more on the trials than
 * on their pages). */
#define ENC_SAMPLE (64 << 10)
#define ENC_SAMPLE_MIN (8 << 10)

static size_t
enc_sample(const struct leaf *L)
{
	size_t s = L->val.len / 8;

	return s < ENC_SAMPLE_MIN ? ENC_SAMPLE_MIN : s > ENC_SAMPLE ? ENC_SAMPLE : s;
}

/*
 * The encoding of leaf L's values outside a dictionary for the rest of
 * its chunk, chosen on the first page with values: each candidate
 * encodes the page's first ENC_SAMPLE bytes of PLAIN values (whole
 * values, at least one), is compressed with the file's codec, and the
 * smallest wins (the earlier on a tie: PLAIN first). w->body is used as
 * scratch.
 */
static int
choose_enc(struct tw_pq *w, struct leaf *L)
{
	static const int c64[] = { E_PLAIN, E_DELTA };
	static const int cba[] = { E_PLAIN, E_DLBA, E_DBA };
	const int *c;
	int nc, k, best = E_PLAIN, fast;
	size_t len = 0, size, min = SIZE_MAX, smp = enc_sample(L);
	uint32_t n = 0, l;

	L->vest = UINT64_MAX;
	if (w->plain_only || L->nval == 0)
		return E_PLAIN;
	if (L->type == TW_PQ_INT64) {
		c = c64;
		nc = 2;
		n = L->nval < smp / 8 ? L->nval : (uint32_t)(smp / 8);
		len = (size_t)n * 8;
	} else if (L->type == TW_PQ_BYTE_ARRAY) {
		c = cba;
		nc = 3;
		while (n < L->nval && (n == 0 || len < smp)) {
			memcpy(&l, L->val.p + len, 4);
			len += 4 + (size_t)l;
			n++;
		}
	} else
		return E_PLAIN;
	/*
	 * zstd at levels 2 and 3 (the default) ranks the candidates at
	 * level 1, then compresses the winner at the file's level too:
	 * where level 1 makes it at most 1/64 larger, the chunk's value
	 * pages go at level 1, 3 to 7 times as fast there. That is data
	 * that barely compresses (hashes, random ids, bit-packed deltas) or
	 * that level 1 suits as well (URLs of one pattern). Higher levels
	 * ask for size: their trials and pages keep the file's level.
	 */
	fast = zfast_ok(w);
	for (k = 0; k < nc; k++) {
		tw_buf_reset(&w->body);
		encode_values(w, &w->body, L->type, L->val.p, len, n, c[k]);
		size = w->body.len;
		if (w->codec != TW_PQ_UNCOMPRESSED) {
			w->zfast = fast;
			pq_compress(w, w->body.p, w->body.len);
			w->zfast = 0;
			size = w->cbuf.len;
		}
		if (size < min) {
			min = size;
			best = c[k];
		}
	}
	L->zfast = 0;
	if (fast) {
		tw_buf_reset(&w->body);
		encode_values(w, &w->body, L->type, L->val.p, len, n, best);
		pq_compress(w, w->body.p, w->body.len);
		if (min <= w->cbuf.len + w->cbuf.len / 64)
			L->zfast = 1;
		else
			min = w->cbuf.len;
	}
	/* The whole page at the sample's rate (the dictionary's yardstick). */
	L->vest = (uint64_t)min * L->nval / n;
	return best;
}

/* Compressed size of w->body (as it would go into a page; zstd at levels
 * 2 and 3: at level 1, an estimate a little high). */
static size_t
body_size(struct tw_pq *w)
{
	if (w->codec == TW_PQ_UNCOMPRESSED)
		return w->body.len;
	w->zfast = zfast_ok(w);
	pq_compress(w, w->body.p, w->body.len);
	w->zfast = 0;
	return w->cbuf.len;
}

/* What a dictionary page adds beyond its values: its header, and the
 * offset and encoding statistics in the footer. */
#define DICT_PAGE_COST 32

/*
 * Whether INT64 leaf L's page goes as dictionary indices (then in
 * w->idx). On the chunk's first page the dictionary is tried: it stays
 * if the page's indices and the dictionary, each compressed, are smaller
 * than the page as choose_enc found it (L->vest). It ends for the rest
 * of the chunk when it would grow past dict_bytes. w->body is scratch.
 */
static int
i64_dict(struct tw_pq *w, struct leaf *L)
{
	const int64_t *v = (const int64_t *)(const void *)L->val.p;
	uint32_t i, n = L->nval;
	int width;
	size_t isz;

	if (L->idict == ID_OFF)
		return 0;
	if (w->nidx < n) {
		w->nidx = n;
		w->idx = tw_xrealloc(w->idx, w->nidx * sizeof *w->idx);
	}
	for (i = 0; i < n; i++) {
		long k = dict_index_i64(w, L, v[i]);

		if (k < 0)
			break;
		w->idx[i] = (uint32_t)k;
	}
	if (i == n && L->idict == ID_TRY) {
		width = bit_width(L->ndict - 1);
		if (width == 0)
			width = 1;
		tw_buf_reset(&w->body);
		tw_buf_addc(&w->body, (char)width);
		rle_uint32_t(&w->body, w->idx, n, width);
		isz = body_size(w);
		if (isz < L->vest) {
			tw_buf_reset(&w->body);
			tw_buf_add(&w->body, L->dvals.p, L->dvals.len);
			if (isz + body_size(w) + DICT_PAGE_COST < L->vest)
				L->idict = ID_ON;
		}
	}
	if (i < n || L->idict != ID_ON) {
		/* Pages written with it keep it (and the unused entries of
		 * this page: harmless); else it goes. */
		if (L->cm.npages[E_RLE_DICT] == 0)
			dict_reset(L);
		L->idict = ID_OFF;
		return 0;
	}
	return 1;
}

/* Encodes, compresses and appends the page being filled to the chunk. */
static void
flush_page(struct tw_pq *w, struct leaf *L)
{
	int enc = E_PLAIN;
	size_t i;

	if (L->nlev == 0)
		return;
	/* A page of nulls only says nothing about the dictionary. */
	if (L->dict == DICT_ON && L->nval > 0 && L->cm.npages[E_RLE_DICT] == 0 &&
	    !dict_pays(L))
		dict_fallback(w, L);
	if (L->dict != DICT_ON && L->nval > 0) {
		if (L->venc < 0)
			L->venc = choose_enc(w, L);
		enc = L->venc;
		if (L->type == TW_PQ_INT64 && i64_dict(w, L))
			enc = E_RLE_DICT;
	}
	w->ztext = L->type == TW_PQ_BYTE_ARRAY;
	w->zfast = L->zfast && L->dict != DICT_ON && enc == L->venc;
	tw_buf_reset(&w->body);
	if (L->max_rep)
		add_levels(w, &L->rep, L->max_rep);
	if (L->max_def) {
		add_levels(w, &L->def, L->max_def);
		for (i = 0; i < L->def.len; i++)
			L->cm.null_count += L->def.p[i] != L->max_def;
	}
	if (L->dict == DICT_ON && L->nval > 0) {
		int width = bit_width(L->ndict - 1);

		if (width == 0)
			width = 1;
		tw_buf_addc(&w->body, (char)width);
		rle_uint32_t(&w->body, (const uint32_t *)(void *)L->val.p,
		    L->val.len / 4, width);
		enc = E_RLE_DICT;
	} else if (enc == E_RLE_DICT) {
		int width = bit_width(L->ndict - 1);

		if (width == 0)
			width = 1;
		tw_buf_addc(&w->body, (char)width);
		rle_uint32_t(&w->body, w->idx, L->nval, width);
	} else
		encode_values(w, &w->body, L->type, L->val.p, L->val.len, L->nval, enc);
	L->cm.npages[enc]++;
	emit_page(w, &L->chunk, P_DATA, L->nlev, enc, &L->cm.unc, &L->cm.comp);
	w->zfast = 0;
	L->cm.num_values += L->nlev;
	reset_page(L);
}

/* ---- leaves and fields -------------------------------------------------- */

static struct leaf *
leaf_new(struct tw_pq *w, int field, int member, enum tw_pq_type type,
    enum tw_pq_logical logical, int max_def, int max_rep, int dict)
{
	struct leaf *L = tw_xcalloc(1, sizeof *L);

	L->field = field;
	L->member = member;
	L->type = type;
	L->logical = logical;
	L->max_def = max_def;
	L->max_rep = max_rep;
	L->try_dict = dict && type == TW_PQ_BYTE_ARRAY;
	L->dict = L->try_dict ? DICT_ON : DICT_OFF;
	L->venc = -1;
	L->cm.dict_off = -1;
	(void)w;
	return L;
}

static void
leaf_free(struct leaf *L)
{
	if (L == NULL)
		return;
	vec_free(&L->def);
	vec_free(&L->rep);
	vec_free(&L->val);
	vec_free(&L->chunk);
	vec_free(&L->dvals);
	vec_free(&L->smin);
	vec_free(&L->smax);
	free(L->doff);
	free(L->slots);
	free(L);
}

/* Resets a leaf's chunk state for the next row group. */
static void
chunk_reset(struct leaf *L)
{
	L->chunk.len = 0;
	memset(&L->cm, 0, sizeof L->cm);
	L->cm.dict_off = -1;
	L->venc = -1;
	L->zfast = 0;
	L->idict = ID_TRY;
	L->has_stats = 0;
	dict_reset(L);
}

struct tw_pq *
tw_pq_new(int fd, const struct tw_pq_opts *o)
{
	struct tw_pq *w = tw_xcalloc(1, sizeof *w);
	struct tw_pq_opts d = { TW_PQ_SNAPPY, 0, 0, 0, 0, NULL, 0 };

	if (o == NULL)
		o = &d;
	w->fd = fd;
	w->codec = o->codec;
	if (w->codec == TW_PQ_SNAPPY)
		snappy_load();
	w->level = o->level;
	w->rg_bytes = o->row_group_bytes ? o->row_group_bytes : TW_PQ_ROW_GROUP;
	w->page_bytes = o->page_bytes ? o->page_bytes : TW_PQ_PAGE;
	w->dict_bytes = o->dict_bytes ? o->dict_bytes : TW_PQ_DICT;
	w->plain_only = o->plain;
	if (w->page_bytes > ((size_t)1 << 30))
		w->page_bytes = (size_t)1 << 30;	/* page sizes are i32 */
	if (w->dict_bytes > ((size_t)1 << 30))
		w->dict_bytes = (size_t)1 << 30;
	w->created_by = tw_xstrdup(o->created_by ? o->created_by :
	    "twpipe version " TW_VERSION);
	w->row = 1;
	return w;
}

int
tw_pq_nfields(const struct tw_pq *w)
{
	return w->nfields;
}

const struct tw_pq_field *
tw_pq_field(const struct tw_pq *w, int i)
{
	return i >= 0 && i < w->nfields ? &w->fields[i].f : NULL;
}

static void
add_leaf(struct tw_pq *w, struct leaf *L)
{
	if (w->nleaves == w->capleaves) {
		w->capleaves = w->capleaves ? w->capleaves * 2 : 32;
		w->leaves = tw_xrealloc(w->leaves, (size_t)w->capleaves * sizeof *w->leaves);
	}
	w->leaves[w->nleaves++] = L;
}

static int write_chunk(struct tw_pq *w, struct leaf *L, struct colmeta *out);

/*
 * The column chunk of leaf L for a row group of rows rows all null,
 * written now (a field added after the group was written).
 */
static int
null_chunk(struct tw_pq *w, struct leaf *L, uint64_t rows, struct colmeta *out)
{
	uint64_t i;

	for (i = 0; i < rows; i++) {
		lev(L, 0, 0);
		if (L->def.len + L->rep.len >= w->page_bytes)
			flush_page(w, L);
	}
	return write_chunk(w, L, out);
}

int
tw_pq_add_field(struct tw_pq *w, const struct tw_pq_field *f)
{
	struct field *F;
	int i, idx = w->nfields;

	if (w->in_row || w->nfields >= TW_PQ_MAX_FIELDS ||
	    (f->required && (w->rows > 0 || f->shape != TW_PQ_SCALAR)) ||
	    (f->shape == TW_PQ_LIST_STRUCT && (f->nmembers < 1 ||
	    f->nmembers > TW_PQ_MAX_MEMBERS || f->members == NULL))) {
		errno = EINVAL;
		return -1;
	}
	if (w->nfields == w->capfields) {
		w->capfields = w->capfields ? w->capfields * 2 : 32;
		w->fields = tw_xrealloc(w->fields, (size_t)w->capfields * sizeof *w->fields);
	}
	F = &w->fields[w->nfields++];
	memset(F, 0, sizeof *F);
	F->f = *f;
	F->f.name = tw_xstrdup(f->name);
	F->leaf0 = w->nleaves;
	switch (f->shape) {
	case TW_PQ_SCALAR:
		F->f.members = NULL;
		F->f.nmembers = 0;
		add_leaf(w, leaf_new(w, idx, -1, f->type, f->logical,
		    f->required ? 0 : 1, 0, f->dict));
		break;
	case TW_PQ_LIST:
		F->f.members = NULL;
		F->f.nmembers = 0;
		add_leaf(w, leaf_new(w, idx, -1, f->type, f->logical, 3, 1, f->dict));
		break;
	case TW_PQ_LIST_STRUCT:
		F->members = tw_xcalloc((size_t)f->nmembers, sizeof *F->members);
		for (i = 0; i < f->nmembers; i++) {
			F->members[i] = f->members[i];
			F->members[i].name = tw_xstrdup(f->members[i].name);
			add_leaf(w, leaf_new(w, idx, i, f->members[i].type,
			    f->members[i].logical, 4, 1, f->members[i].dict));
		}
		F->f.members = F->members;
		break;
	}
	F->nleaf = w->nleaves - F->leaf0;
	/* Row groups already written get a chunk of nulls for it. */
	for (i = 0; i < w->nrgs; i++) {
		struct rgmeta *g = &w->rgs[i];
		int k;

		g->cols = tw_xrealloc(g->cols, (size_t)w->nleaves * sizeof *g->cols);
		for (k = F->leaf0; k < w->nleaves; k++) {
			memset(&g->cols[k], 0, sizeof g->cols[k]);
			if (null_chunk(w, w->leaves[k], g->rows, &g->cols[k]) < 0)
				return -1;
		}
		g->ncols = w->nleaves;
	}
	/* And the rows of the row group being built are null in it. */
	for (i = F->leaf0; i < w->nleaves; i++) {
		uint64_t r;

		for (r = 0; r < w->rg_rows; r++) {
			lev(w->leaves[i], 0, 0);
			if (w->leaves[i]->def.len + w->leaves[i]->rep.len >= w->page_bytes)
				flush_page(w, w->leaves[i]);
		}
	}
	return w->err ? -1 : idx;
}

/* ---- building rows ------------------------------------------------------ */

static inline void
touch(struct tw_pq *w, struct leaf *L)
{
	if (L->stamp != w->row) {
		L->stamp = w->row;
		L->mdef = L->def.len;
		L->mrep = L->rep.len;
		L->mval = L->val.len;
		L->mplain = L->plain;
		L->mnlev = L->nlev;
		L->mnval = L->nval;
	}
}

/* The field for a value call, or NULL (and misuse noted). */
static inline struct field *
get_field(struct tw_pq *w, int i)
{
	w->in_row = 1;
	if (TW_UNLIKELY(i < 0 || i >= w->nfields)) {
		w->misuse = 1;
		return NULL;
	}
	return &w->fields[i];
}

/*
 * Where a value of field F goes: its leaf, with rep and def set for a
 * value (the caller lowers def for a null). NULL when it is to be ignored
 * (a field given twice keeps its first value).
 */
static inline struct leaf *
slot(struct tw_pq *w, struct field *F, enum tw_pq_type type, int *rep, int *def)
{
	struct leaf *L = w->leaves[F->leaf0];

	if (F->f.shape == TW_PQ_SCALAR) {
		if (F->stamp == w->row)
			return NULL;
		F->stamp = w->row;
		*rep = 0;
		*def = L->max_def;
	} else if (F->inlist && F->f.shape == TW_PQ_LIST) {
		if (F->skip)
			return NULL;
		*rep = F->nelem++ ? 1 : 0;
		*def = 3;
	} else {
		w->misuse = 1;
		return NULL;
	}
	if (TW_UNLIKELY(type != L->type)) {
		w->misuse = 1;
		return NULL;
	}
	touch(w, L);
	return L;
}

void
tw_pq_i64(struct tw_pq *w, int i, int64_t v)
{
	struct field *F = get_field(w, i);
	struct leaf *L;
	int rep, def;

	if (F && (L = slot(w, F, TW_PQ_INT64, &rep, &def)) != NULL) {
		lev(L, rep, def);
		put_i64(L, v);
	}
}

void
tw_pq_double(struct tw_pq *w, int i, double v)
{
	struct field *F = get_field(w, i);
	struct leaf *L;
	int rep, def;

	if (F && (L = slot(w, F, TW_PQ_DOUBLE, &rep, &def)) != NULL) {
		lev(L, rep, def);
		put_double(L, v);
	}
}

void
tw_pq_bool(struct tw_pq *w, int i, int v)
{
	struct field *F = get_field(w, i);
	struct leaf *L;
	int rep, def;

	if (F && (L = slot(w, F, TW_PQ_BOOLEAN, &rep, &def)) != NULL) {
		lev(L, rep, def);
		put_bool(L, v);
	}
}

void
tw_pq_bytes(struct tw_pq *w, int i, const void *p, size_t n)
{
	struct field *F = get_field(w, i);
	struct leaf *L;
	int rep, def;

	if (n > INT32_MAX) {
		w->misuse = 1;
		return;
	}
	if (F && (L = slot(w, F, TW_PQ_BYTE_ARRAY, &rep, &def)) != NULL) {
		lev(L, rep, def);
		put_bytes(w, L, p, n);
	}
}

/* Every leaf of F gets one level entry. */
static void
all_levels(struct tw_pq *w, struct field *F, int rep, int def)
{
	int k;

	for (k = 0; k < F->nleaf; k++) {
		struct leaf *L = w->leaves[F->leaf0 + k];

		touch(w, L);
		lev(L, rep, def);
	}
}

void
tw_pq_null(struct tw_pq *w, int i)
{
	struct field *F = get_field(w, i);

	if (F == NULL)
		return;
	if (F->inlist) {
		if (F->skip || F->instruct) {
			w->misuse |= F->instruct;
			return;
		}
		/* A null element. */
		all_levels(w, F, F->nelem++ ? 1 : 0, 2);
		return;
	}
	if (F->stamp == w->row)
		return;
	if (F->f.required) {
		w->misuse = 1;
		return;
	}
	F->stamp = w->row;
	all_levels(w, F, 0, 0);
}

void
tw_pq_list_begin(struct tw_pq *w, int i)
{
	struct field *F = get_field(w, i);

	if (F == NULL)
		return;
	if (F->f.shape == TW_PQ_SCALAR || F->inlist) {
		w->misuse = 1;
		return;
	}
	F->inlist = 1;
	F->nelem = 0;
	F->skip = F->stamp == w->row;
	F->stamp = w->row;
}

void
tw_pq_list_end(struct tw_pq *w, int i)
{
	struct field *F = get_field(w, i);

	if (F == NULL)
		return;
	if (!F->inlist || F->instruct) {
		w->misuse = 1;
		return;
	}
	if (!F->skip && F->nelem == 0)
		all_levels(w, F, 0, 1);		/* an empty list */
	F->inlist = 0;
	F->skip = 0;
}

void
tw_pq_struct_begin(struct tw_pq *w, int i)
{
	struct field *F = get_field(w, i);

	if (F == NULL)
		return;
	if (F->f.shape != TW_PQ_LIST_STRUCT || !F->inlist || F->instruct) {
		w->misuse = 1;
		return;
	}
	F->instruct = 1;
	F->mset = 0;
}

void
tw_pq_struct_end(struct tw_pq *w, int i)
{
	struct field *F = get_field(w, i);
	int k, rep;

	if (F == NULL)
		return;
	if (!F->instruct) {
		w->misuse = 1;
		return;
	}
	F->instruct = 0;
	if (F->skip)
		return;
	rep = F->nelem++ ? 1 : 0;
	for (k = 0; k < F->nleaf; k++) {
		struct leaf *L = w->leaves[F->leaf0 + k];

		if (F->mset & ((uint64_t)1 << k))
			continue;
		touch(w, L);
		lev(L, rep, 3);
	}
}

/* The leaf for member m of the element being built, or NULL. */
static struct leaf *
member(struct tw_pq *w, int i, int m, enum tw_pq_type type)
{
	struct field *F = get_field(w, i);
	struct leaf *L;

	if (F == NULL)
		return NULL;
	if (!F->instruct || m < 0 || m >= F->nleaf ||
	    w->leaves[F->leaf0 + m]->type != type) {
		w->misuse = 1;
		return NULL;
	}
	if (F->skip || (F->mset & ((uint64_t)1 << m)))
		return NULL;
	F->mset |= (uint64_t)1 << m;
	L = w->leaves[F->leaf0 + m];
	touch(w, L);
	lev(L, F->nelem ? 1 : 0, 4);
	return L;
}

void
tw_pq_member_bool(struct tw_pq *w, int i, int m, int v)
{
	struct leaf *L = member(w, i, m, TW_PQ_BOOLEAN);

	if (L)
		put_bool(L, v);
}

void
tw_pq_member_i64(struct tw_pq *w, int i, int m, int64_t v)
{
	struct leaf *L = member(w, i, m, TW_PQ_INT64);

	if (L)
		put_i64(L, v);
}

void
tw_pq_member_double(struct tw_pq *w, int i, int m, double v)
{
	struct leaf *L = member(w, i, m, TW_PQ_DOUBLE);

	if (L)
		put_double(L, v);
}

void
tw_pq_member_bytes(struct tw_pq *w, int i, int m, const void *p, size_t n)
{
	struct leaf *L;

	if (n > INT32_MAX) {
		w->misuse = 1;
		return;
	}
	if ((L = member(w, i, m, TW_PQ_BYTE_ARRAY)) != NULL)
		put_bytes(w, L, p, n);
}

void
tw_pq_row_cancel(struct tw_pq *w)
{
	int i;

	for (i = 0; i < w->nleaves; i++) {
		struct leaf *L = w->leaves[i];

		if (L->stamp != w->row)
			continue;
		if (L->dict != DICT_ON && L->mval > L->val.len)
			L->mval = L->val.len;	/* cannot happen: safety */
		L->def.len = L->mdef;
		L->rep.len = L->mrep;
		L->val.len = L->mval;
		L->plain = L->mplain;
		L->nlev = L->mnlev;
		L->nval = L->mnval;
		L->stamp = 0;
	}
	for (i = 0; i < w->nfields; i++) {
		struct field *F = &w->fields[i];

		F->inlist = F->instruct = F->skip = 0;
		if (F->stamp == w->row)
			F->stamp = 0;
	}
	w->row++;
	w->in_row = 0;
	w->misuse = 0;
}

/* ---- row groups ---------------------------------------------------------- */

/*
 * Writes leaf L's chunk (its last page flushed first, its dictionary page
 * before its data pages), fills out, and resets the leaf for the next
 * chunk.
 */
static int
write_chunk(struct tw_pq *w, struct leaf *L, struct colmeta *out)
{
	struct vec dp = { NULL, 0, 0 };
	int rc = 0;

	flush_page(w, L);
	stats_close(L);
	L->cm.start = w->off;
	w->ztext = L->type == TW_PQ_BYTE_ARRAY;
	if (L->cm.npages[E_RLE_DICT] > 0) {
		tw_buf_reset(&w->body);
		tw_buf_add(&w->body, L->dvals.p, L->dvals.len);
		emit_page(w, &dp, P_DICT, L->ndict, E_PLAIN, &L->cm.unc, &L->cm.comp);
		L->cm.dict_off = w->off;
		L->cm.has_dict = 1;
		rc = wr(w, dp.p, dp.len);
		vec_free(&dp);
	}
	L->cm.data_off = w->off;
	if (rc == 0)
		rc = wr(w, L->chunk.p, L->chunk.len);
	*out = L->cm;
	chunk_reset(L);
	return rc;
}

static int
flush_row_group(struct tw_pq *w)
{
	struct rgmeta *g;
	int i;

	if (w->rg_rows == 0)
		return w->err ? -1 : 0;
	if (start(w) < 0)
		return -1;
	if (w->nrgs == w->caprgs) {
		w->caprgs = w->caprgs ? w->caprgs * 2 : 16;
		w->rgs = tw_xrealloc(w->rgs, (size_t)w->caprgs * sizeof *w->rgs);
	}
	g = &w->rgs[w->nrgs++];
	g->rows = w->rg_rows;
	g->ncols = w->nleaves;
	g->cols = tw_xcalloc((size_t)(w->nleaves ? w->nleaves : 1), sizeof *g->cols);
	for (i = 0; i < w->nleaves; i++)
		if (write_chunk(w, w->leaves[i], &g->cols[i]) < 0)
			return -1;
	w->rg_rows = 0;
	w->held = 0;
	return 0;
}

int
tw_pq_row_end(struct tw_pq *w)
{
	uint64_t held = 0;
	int i;

	if (w->err) {
		tw_pq_row_cancel(w);
		errno = w->err;
		return -1;
	}
	for (i = 0; i < w->nfields && !w->misuse; i++) {
		struct field *F = &w->fields[i];

		if (F->inlist)
			w->misuse = 1;
		else if (F->stamp != w->row) {
			if (F->f.required)
				w->misuse = 1;
			else {
				F->stamp = w->row;
				all_levels(w, F, 0, 0);
			}
		}
	}
	if (w->misuse) {
		tw_pq_row_cancel(w);
		snprintf(w->errmsg, sizeof w->errmsg, "a value that does not fit the schema");
		errno = EINVAL;
		return -1;
	}
	w->row++;
	w->rows++;
	w->rg_rows++;
	w->in_row = 0;
	for (i = 0; i < w->nleaves; i++) {
		struct leaf *L = w->leaves[i];
		size_t pg = L->def.len + L->rep.len + L->val.len;

		if (pg >= w->page_bytes) {
			flush_page(w, L);
			pg = 0;
		}
		/* A dictionary entry also costs two hash slots and an offset. */
		held += L->chunk.len + pg + L->dvals.len + (uint64_t)L->ndict * 20;
	}
	w->held = held;
	if (held >= w->rg_bytes)
		return flush_row_group(w);
	return 0;
}

/* ---- footer --------------------------------------------------------------- */

static void
logical(struct tw_thrift *t, enum tw_pq_logical l)
{
	switch (l) {
	case TW_PQ_L_STRING:
		tw_thrift_i32(t, 6, 0);		/* UTF8 */
		tw_thrift_struct_begin(t, 10);
		tw_thrift_empty(t, 1);
		tw_thrift_end(t);
		break;
	case TW_PQ_L_JSON:
		tw_thrift_i32(t, 6, 19);	/* JSON */
		tw_thrift_struct_begin(t, 10);
		tw_thrift_empty(t, 12);
		tw_thrift_end(t);
		break;
	case TW_PQ_L_TIMESTAMP_MS:
		tw_thrift_i32(t, 6, 9);		/* TIMESTAMP_MILLIS */
		tw_thrift_struct_begin(t, 10);
		tw_thrift_struct_begin(t, 8);
		tw_thrift_bool(t, 1, 1);	/* isAdjustedToUTC */
		tw_thrift_struct_begin(t, 2);
		tw_thrift_empty(t, 1);		/* MILLIS */
		tw_thrift_end(t);
		tw_thrift_end(t);
		tw_thrift_end(t);
		break;
	case TW_PQ_L_INT64:
		tw_thrift_i32(t, 6, 18);	/* INT_64 */
		tw_thrift_struct_begin(t, 10);
		tw_thrift_struct_begin(t, 10);
		tw_thrift_i8(t, 1, 64);
		tw_thrift_bool(t, 2, 1);
		tw_thrift_end(t);
		tw_thrift_end(t);
		break;
	default:
		break;
	}
}

/* A SchemaElement: a primitive (type >= 0) or a group of n children. */
static void
schema_elem(struct tw_thrift *t, int type, int rep, const char *name,
    int nchildren, enum tw_pq_logical l, int list)
{
	tw_thrift_elem_struct_begin(t);
	if (type >= 0)
		tw_thrift_i32(t, 1, type);
	if (rep >= 0)
		tw_thrift_i32(t, 3, rep);
	tw_thrift_string(t, 4, name);
	if (nchildren >= 0)
		tw_thrift_i32(t, 5, nchildren);
	if (list) {
		tw_thrift_i32(t, 6, 3);		/* LIST */
		tw_thrift_struct_begin(t, 10);
		tw_thrift_empty(t, 3);
		tw_thrift_end(t);
	} else
		logical(t, l);
	tw_thrift_end(t);
}

enum { R_REQUIRED, R_OPTIONAL, R_REPEATED };

static void
write_schema(struct tw_pq *w, struct tw_thrift *t)
{
	uint32_t n = 1;
	int i, k;

	for (i = 0; i < w->nfields; i++)
		n += w->fields[i].f.shape == TW_PQ_SCALAR ? 1 :
		    w->fields[i].f.shape == TW_PQ_LIST ? 3 :
		    3 + (uint32_t)w->fields[i].f.nmembers;
	tw_thrift_list_begin(t, 2, TW_TT_STRUCT, n);
	schema_elem(t, -1, -1, "schema", w->nfields, TW_PQ_L_NONE, 0);
	for (i = 0; i < w->nfields; i++) {
		const struct tw_pq_field *f = &w->fields[i].f;

		switch (f->shape) {
		case TW_PQ_SCALAR:
			schema_elem(t, f->type, f->required ? R_REQUIRED : R_OPTIONAL,
			    f->name, -1, f->logical, 0);
			break;
		case TW_PQ_LIST:
			schema_elem(t, -1, R_OPTIONAL, f->name, 1, TW_PQ_L_NONE, 1);
			schema_elem(t, -1, R_REPEATED, "list", 1, TW_PQ_L_NONE, 0);
			schema_elem(t, f->type, R_OPTIONAL, "element", -1, f->logical, 0);
			break;
		case TW_PQ_LIST_STRUCT:
			schema_elem(t, -1, R_OPTIONAL, f->name, 1, TW_PQ_L_NONE, 1);
			schema_elem(t, -1, R_REPEATED, "list", 1, TW_PQ_L_NONE, 0);
			schema_elem(t, -1, R_OPTIONAL, "element", f->nmembers,
			    TW_PQ_L_NONE, 0);
			for (k = 0; k < f->nmembers; k++)
				schema_elem(t, f->members[k].type, R_OPTIONAL,
				    f->members[k].name, -1, f->members[k].logical, 0);
			break;
		}
	}
}

static void
write_stats(struct tw_thrift *t, const struct leaf *L, const struct colmeta *c)
{
	int legacy = L->type != TW_PQ_BYTE_ARRAY;

	tw_thrift_struct_begin(t, 12);
	if (c->has_minmax && legacy) {
		tw_thrift_binary(t, 1, c->max, c->maxlen);
		tw_thrift_binary(t, 2, c->min, c->minlen);
	}
	tw_thrift_i64(t, 3, c->null_count);
	if (c->has_minmax) {
		tw_thrift_binary(t, 5, c->max, c->maxlen);
		tw_thrift_binary(t, 6, c->min, c->minlen);
		tw_thrift_bool(t, 7, c->max_exact);
		tw_thrift_bool(t, 8, c->min_exact);
	}
	tw_thrift_end(t);
}

/* Whether column chunk c of leaf L uses encoding e. */
static int
has_enc(const struct leaf *L, const struct colmeta *c, int e)
{
	switch (e) {
	case E_PLAIN:
		return c->has_dict || c->npages[E_PLAIN] > 0;
	case E_RLE:
		return L->max_def || L->max_rep || c->npages[E_RLE_DICT] > 0;
	case E_DELTA:
	case E_DLBA:
	case E_DBA:
	case E_RLE_DICT:
		return c->npages[e] > 0;
	}
	return 0;
}

static void
write_column(struct tw_pq *w, struct tw_thrift *t, const struct leaf *L,
    const struct colmeta *c)
{
	/* Data pages of dictionary indices first, as before the DELTA
	 * encodings came. */
	static const int stat_order[] = { E_RLE_DICT, E_PLAIN, E_DELTA, E_DLBA,
	    E_DBA };
	const struct field *F = &w->fields[L->field];
	int ne = 0, nst = 0, e, k;

	tw_thrift_elem_struct_begin(t);
	tw_thrift_i64(t, 2, 0);		/* file_offset: deprecated, 0 */
	tw_thrift_struct_begin(t, 3);
	tw_thrift_i32(t, 1, L->type);
	/* Encodings used, in increasing order. */
	for (e = 0; e < E_N; e++)
		ne += has_enc(L, c, e);
	tw_thrift_list_begin(t, 2, TW_TT_I32, (uint32_t)ne);
	for (e = 0; e < E_N; e++)
		if (has_enc(L, c, e))
			tw_thrift_elem_i32(t, e);
	if (F->f.shape == TW_PQ_SCALAR) {
		tw_thrift_list_begin(t, 3, TW_TT_BINARY, 1);
		tw_thrift_elem_binary(t, F->f.name, strlen(F->f.name));
	} else {
		const char *m = L->member >= 0 ? F->f.members[L->member].name : NULL;

		tw_thrift_list_begin(t, 3, TW_TT_BINARY, m ? 4 : 3);
		tw_thrift_elem_binary(t, F->f.name, strlen(F->f.name));
		tw_thrift_elem_binary(t, "list", 4);
		tw_thrift_elem_binary(t, "element", 7);
		if (m)
			tw_thrift_elem_binary(t, m, strlen(m));
	}
	tw_thrift_i32(t, 4, w->codec);
	tw_thrift_i64(t, 5, (int64_t)c->num_values);
	tw_thrift_i64(t, 6, (int64_t)c->unc);
	tw_thrift_i64(t, 7, (int64_t)c->comp);
	tw_thrift_i64(t, 9, c->data_off);
	if (c->has_dict)
		tw_thrift_i64(t, 11, c->dict_off);
	write_stats(t, L, c);
	/* encoding_stats: how many pages of each kind. */
	nst = c->has_dict;
	for (e = 0; e < E_N; e++)
		nst += c->npages[e] > 0;
	tw_thrift_list_begin(t, 13, TW_TT_STRUCT, (uint32_t)nst);
	if (c->has_dict) {
		tw_thrift_elem_struct_begin(t);
		tw_thrift_i32(t, 1, P_DICT);
		tw_thrift_i32(t, 2, E_PLAIN);
		tw_thrift_i32(t, 3, 1);
		tw_thrift_end(t);
	}
	for (k = 0; k < (int)(sizeof stat_order / sizeof stat_order[0]); k++) {
		e = stat_order[k];
		if (c->npages[e] == 0)
			continue;
		tw_thrift_elem_struct_begin(t);
		tw_thrift_i32(t, 1, P_DATA);
		tw_thrift_i32(t, 2, e);
		tw_thrift_i32(t, 3, (int32_t)c->npages[e]);
		tw_thrift_end(t);
	}
	tw_thrift_end(t);	/* ColumnMetaData */
	tw_thrift_end(t);	/* ColumnChunk */
}

static void
write_footer(struct tw_pq *w, struct tw_buf *b)
{
	struct tw_thrift t;
	int i, k;

	tw_thrift_begin(&t, b);
	tw_thrift_i32(&t, 1, 1);
	write_schema(w, &t);
	tw_thrift_i64(&t, 3, (int64_t)w->rows);
	tw_thrift_list_begin(&t, 4, TW_TT_STRUCT, (uint32_t)w->nrgs);
	for (i = 0; i < w->nrgs; i++) {
		const struct rgmeta *g = &w->rgs[i];
		uint64_t unc = 0, comp = 0;
		int64_t first = -1;

		for (k = 0; k < g->ncols; k++) {
			unc += g->cols[k].unc;
			comp += g->cols[k].comp;
			if (first < 0 || g->cols[k].start < first)
				first = g->cols[k].start;
		}
		tw_thrift_elem_struct_begin(&t);
		tw_thrift_list_begin(&t, 1, TW_TT_STRUCT, (uint32_t)g->ncols);
		for (k = 0; k < g->ncols; k++)
			write_column(w, &t, w->leaves[k], &g->cols[k]);
		tw_thrift_i64(&t, 2, (int64_t)unc);
		tw_thrift_i64(&t, 3, (int64_t)g->rows);
		if (first >= 0)
			tw_thrift_i64(&t, 5, first);
		tw_thrift_i64(&t, 6, (int64_t)comp);
		if (i <= INT16_MAX)
			tw_thrift_i16(&t, 7, (int16_t)i);
		tw_thrift_end(&t);
	}
	if (w->nkv) {
		tw_thrift_list_begin(&t, 5, TW_TT_STRUCT, (uint32_t)w->nkv);
		for (i = 0; i < w->nkv; i++) {
			tw_thrift_elem_struct_begin(&t);
			tw_thrift_string(&t, 1, w->kv[2 * i]);
			tw_thrift_string(&t, 2, w->kv[2 * i + 1]);
			tw_thrift_end(&t);
		}
	}
	tw_thrift_string(&t, 6, w->created_by);
	tw_thrift_list_begin(&t, 7, TW_TT_STRUCT, (uint32_t)w->nleaves);
	for (i = 0; i < w->nleaves; i++) {
		tw_thrift_elem_struct_begin(&t);
		tw_thrift_empty(&t, 1);		/* TYPE_ORDER */
		tw_thrift_end(&t);
	}
	tw_thrift_end(&t);
}

void
tw_pq_kv(struct tw_pq *w, const char *key, const char *value)
{
	w->kv = tw_xrealloc(w->kv, (size_t)(w->nkv + 1) * 2 * sizeof *w->kv);
	w->kv[2 * w->nkv] = tw_xstrdup(key);
	w->kv[2 * w->nkv + 1] = tw_xstrdup(value);
	w->nkv++;
}

int
tw_pq_close(struct tw_pq *w)
{
	struct tw_buf b = TW_BUF_INIT;
	uint32_t n;
	int rc;

	if (w->in_row)
		tw_pq_row_cancel(w);
	if (w->err) {
		errno = w->err;
		return -1;
	}
	if (flush_row_group(w) < 0 || start(w) < 0)
		return -1;
	write_footer(w, &b);
	n = (uint32_t)b.len;
	tw_buf_add(&b, &n, 4);
	tw_buf_add(&b, "PAR1", 4);
	rc = wr(w, b.p, b.len);
	tw_buf_free(&b);
	return rc;
}

void
tw_pq_free(struct tw_pq *w)
{
	int i, k;

	if (w == NULL)
		return;
	for (i = 0; i < w->nleaves; i++)
		leaf_free(w->leaves[i]);
	free(w->leaves);
	for (i = 0; i < w->nfields; i++) {
		free((char *)w->fields[i].f.name);
		for (k = 0; k < w->fields[i].f.nmembers; k++)
			free((char *)w->fields[i].members[k].name);
		free(w->fields[i].members);
	}
	free(w->fields);
	for (i = 0; i < w->nrgs; i++)
		free(w->rgs[i].cols);
	free(w->rgs);
	for (i = 0; i < 2 * w->nkv; i++)
		free(w->kv[i]);
	free(w->kv);
	free(w->created_by);
	tw_buf_free(&w->body);
	tw_buf_free(&w->hdr);
	vec_free(&w->cbuf);
	free(w->i64);
	free(w->idx);
	if (w->zc)
		ZSTD_freeCCtx(w->zc);
	if (w->zc1)
		ZSTD_freeCCtx(w->zc1);
	if (w->zinit)
		deflateEnd(&w->z);
	free(w);
}

uint64_t
tw_pq_rows(const struct tw_pq *w)
{
	return w->rows;
}

uint64_t
tw_pq_written(const struct tw_pq *w)
{
	return (uint64_t)w->off;
}

uint64_t
tw_pq_buffered(const struct tw_pq *w)
{
	return w->held;
}

int
tw_pq_row_groups(const struct tw_pq *w)
{
	return w->nrgs;
}

const char *
tw_pq_error(const struct tw_pq *w)
{
	return w->errmsg;
}

static const char *const codec_names[] = {
	[TW_PQ_UNCOMPRESSED] = "none", [TW_PQ_SNAPPY] = "snappy",
	[TW_PQ_GZIP] = "gzip", [TW_PQ_ZSTD] = "zstd"
};

const char *
tw_pq_codec_name(enum tw_pq_codec c)
{
	return (unsigned)c < sizeof codec_names / sizeof codec_names[0] &&
	    codec_names[c] ? codec_names[c] : "?";
}

int
tw_pq_codec_parse(const char *s)
{
	size_t i;

	if (strcmp(s, "uncompressed") == 0)
		return TW_PQ_UNCOMPRESSED;
	for (i = 0; i < sizeof codec_names / sizeof codec_names[0]; i++)
		if (codec_names[i] && strcmp(s, codec_names[i]) == 0)
			return (int)i;
	return -1;
}

/* ---- widening ------------------------------------------------------------ */

/* Reads n bytes at off from the file into v (replacing it). */
static int
read_back(struct tw_pq *w, int64_t off, size_t n, struct vec *v)
{
	size_t got = 0;

	v->len = 0;
	vec_reserve(v, n);
	while (got < n) {
		ssize_t k = pread(w->fd, v->p + got, n - got, (off_t)(off + (int64_t)got));

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return fail(w, errno, "read");
		if (k == 0)
			return fail(w, EIO, "read");
		got += (size_t)k;
	}
	v->len = n;
	return 0;
}

/* Decompresses src[0..n) into out, which must become exactly unc bytes. */
static int
uncompress_page(struct tw_pq *w, const uint8_t *src, size_t n, size_t unc,
    struct vec *out)
{
	size_t got = unc;
	int ok = 0;

	out->len = 0;
	vec_reserve(out, unc + 1);
	switch (w->codec) {
	case TW_PQ_UNCOMPRESSED:
		ok = n == unc;
		if (ok && n)
			memcpy(out->p, src, n);
		break;
	case TW_PQ_SNAPPY:
		ok = snp.ulen((const char *)src, n, &got) == SNAPPY_OK &&
		    got == unc && snp.uncompress((const char *)src, n,
		    (char *)out->p, &got) == SNAPPY_OK && got == unc;
		break;
	case TW_PQ_ZSTD: {
		ZSTD_customMem mem = { zs_alloc, zs_free, NULL };
		ZSTD_DCtx *d = ZSTD_createDCtx_advanced(mem);

		if (d == NULL)
			tw_oom();
		got = ZSTD_decompressDCtx(d, out->p, unc, src, n);
		ok = !ZSTD_isError(got) && got == unc;
		ZSTD_freeDCtx(d);
		break;
	}
	case TW_PQ_GZIP: {
		z_stream z;

		memset(&z, 0, sizeof z);
		z.zalloc = z_alloc;
		z.zfree = z_free;
		if (inflateInit2(&z, 15 + 16) != Z_OK)
			tw_oom();
		z.next_in = (Bytef *)(uintptr_t)src;
		z.avail_in = (uInt)n;
		z.next_out = out->p;
		z.avail_out = (uInt)unc + 1;
		ok = inflate(&z, Z_FINISH) == Z_STREAM_END && z.total_out == unc;
		inflateEnd(&z);
		break;
	}
	}
	out->len = unc;
	return ok ? 0 : -1;
}

/* Value x of type from (logical fl) as it goes into leaf to. */
static void
convert(struct tw_pq *w, struct leaf *to, enum tw_pq_type from,
    enum tw_pq_logical fl, const uint8_t *x, struct tw_buf *tmp)
{
	int64_t i;
	double d;

	memcpy(&i, x, 8);
	if (to->type == TW_PQ_DOUBLE) {
		put_double(to, (double)i);
		return;
	}
	tw_buf_reset(tmp);
	switch (from) {
	case TW_PQ_BOOLEAN:
		tw_buf_adds(tmp, x[0] ? "true" : "false");
		break;
	case TW_PQ_INT64:
		if (fl == TW_PQ_L_TIMESTAMP_MS)
			tw_buf_add_iso(tmp, i);
		else
			tw_buf_add_i64(tmp, i);
		break;
	case TW_PQ_DOUBLE:
		memcpy(&d, x, 8);
		tw_buf_add_double(tmp, d);
		break;
	default:
		break;
	}
	put_bytes(w, to, tmp->p, tmp->len);
}

/*
 * Feeds the values of an optional scalar column chunk of type from
 * (chunk[0..n), as this writer wrote it: PLAIN data pages, and for INT64
 * DELTA_BINARY_PACKED pages, dictionary pages and their RLE_DICTIONARY
 * pages) into leaf to, converted. dict0: the dictionary of a chunk held
 * in memory (its page is not in chunk yet), or NULL. Returns 0, or -1
 * when the chunk does not read as it should.
 */
static int
refeed(struct tw_pq *w, const uint8_t *chunk, size_t n, enum tw_pq_type from,
    enum tw_pq_logical fl, struct leaf *to, const struct vec *dict0)
{
	struct vec body = { NULL, 0, 0 }, dv = { NULL, 0, 0 }, dict = { NULL, 0, 0 };
	struct tw_buf tmp = TW_BUF_INIT;
	uint32_t *lv = NULL, *ix = NULL;
	size_t pos = 0, cap = 0;
	int rc = -1;

	/* The chunk being built has its dictionary in memory, not before
	 * its pages. */
	if (dict0 != NULL)
		vec_put(&dict, dict0->p, dict0->len);

	while (pos < n) {
		struct tw_thrift_rd r;
		int type = -1, id, ft, enc = -1;
		int64_t unc = -1, comp = -1, nv = -1;
		size_t hlen, k, vi = 0, lvlen;
		uint32_t dl;
		long used;
		const uint8_t *vals;

		tw_thrift_rd_init(&r, chunk + pos, n - pos);
		while ((ft = tw_thrift_rd_field(&r, &id)) != TW_TT_STOP) {
			if (id == 1 && ft == TW_TT_I32)
				type = (int)tw_thrift_rd_int(&r);
			else if (id == 2 && ft == TW_TT_I32)
				unc = tw_thrift_rd_int(&r);
			else if (id == 3 && ft == TW_TT_I32)
				comp = tw_thrift_rd_int(&r);
			else if ((id == 5 || id == 7) && ft == TW_TT_STRUCT) {
				tw_thrift_rd_enter(&r);
				while ((ft = tw_thrift_rd_field(&r, &id)) != TW_TT_STOP) {
					if (id == 1 && ft == TW_TT_I32)
						nv = tw_thrift_rd_int(&r);
					else if (id == 2 && ft == TW_TT_I32)
						enc = (int)tw_thrift_rd_int(&r);
					else
						tw_thrift_rd_skip(&r, ft);
				}
			} else
				tw_thrift_rd_skip(&r, ft);
		}
		hlen = (size_t)(r.p - (chunk + pos));
		if (!r.err && type == P_DICT && from == TW_PQ_INT64 && unc >= 0 &&
		    comp >= 0 && (uint64_t)comp <= n - pos - hlen) {
			/* An INT64 dictionary: PLAIN values. */
			if (uncompress_page(w, chunk + pos + hlen, (size_t)comp, (size_t)unc, &body) < 0 ||
			    body.len % 8)
				goto out;
			dict.len = 0;
			vec_put(&dict, body.p, body.len);
			pos += hlen + (size_t)comp;
			continue;
		}
		if (r.err || type != P_DATA || (enc != E_PLAIN && !((enc == E_DELTA ||
		    enc == E_RLE_DICT) && from == TW_PQ_INT64)) || unc < 4 || comp < 0 ||
		    nv < 0 || (uint64_t)comp > n - pos - hlen)
			goto out;
		if (uncompress_page(w, chunk + pos + hlen, (size_t)comp, (size_t)unc, &body) < 0)
			goto out;
		memcpy(&dl, body.p, 4);
		if ((size_t)nv > cap) {
			cap = (size_t)nv;
			lv = tw_xrealloc(lv, cap * sizeof *lv);
		}
		if (dl > body.len - 4 ||
		    (used = tw_pq_rle_decode(body.p + 4, dl, 1, lv, (size_t)nv)) < 0)
			goto out;
		vals = body.p + 4 + dl;
		lvlen = body.len - 4 - dl;
		if (enc == E_DELTA) {
			/* Decoded to PLAIN values in place of the page's. */
			size_t nn = 0;

			for (k = 0; k < (size_t)nv; k++)
				nn += lv[k] != 0;
			dv.len = 0;
			vec_reserve(&dv, nn * 8 + 8);
			if (tw_pq_delta_decode(vals, lvlen, (int64_t *)(void *)dv.p, nn) < 0)
				goto out;
			vals = dv.p;
			lvlen = nn * 8;
		} else if (enc == E_RLE_DICT) {
			/* Indices into the dictionary, to PLAIN values. */
			size_t nn = 0;

			for (k = 0; k < (size_t)nv; k++)
				nn += lv[k] != 0;
			ix = tw_xrealloc(ix, (nn + 1) * sizeof *ix);
			dv.len = 0;
			vec_reserve(&dv, nn * 8 + 8);
			if (lvlen < 1 || vals[0] > 32 ||
			    tw_pq_rle_decode(vals + 1, lvlen - 1, vals[0], ix, nn) < 0)
				goto out;
			for (k = 0; k < nn; k++) {
				if ((size_t)ix[k] >= dict.len / 8)
					goto out;
				memcpy(dv.p + k * 8, dict.p + (size_t)ix[k] * 8, 8);
			}
			vals = dv.p;
			lvlen = nn * 8;
		}
		for (k = 0; k < (size_t)nv; k++) {
			uint8_t x[8] = { 0 };

			if (lv[k] == 0) {
				lev(to, 0, 0);
			} else if (from == TW_PQ_BOOLEAN) {
				if (vi / 8 >= lvlen)
					goto out;
				x[0] = (vals[vi / 8] >> (vi % 8)) & 1;
				vi++;
				lev(to, 0, 1);
				convert(w, to, from, fl, x, &tmp);
			} else {
				if (vi + 8 > lvlen)
					goto out;
				memcpy(x, vals + vi, 8);
				vi += 8;
				lev(to, 0, 1);
				convert(w, to, from, fl, x, &tmp);
			}
			if (to->def.len + to->val.len >= w->page_bytes)
				flush_page(w, to);
		}
		pos += hlen + (size_t)comp;
	}
	rc = 0;
out:
	free(lv);
	free(ix);
	vec_free(&body);
	vec_free(&dv);
	vec_free(&dict);
	tw_buf_free(&tmp);
	return rc;
}

int
tw_pq_retype(struct tw_pq *w, int i, enum tw_pq_type t, enum tw_pq_logical l)
{
	struct field *F;
	struct leaf *L, *N;
	struct vec old = { NULL, 0, 0 };
	int g, idx;
	char c;

	if (w->err) {
		errno = w->err;
		return -1;
	}
	if (w->in_row || i < 0 || i >= w->nfields) {
		errno = EINVAL;
		return -1;
	}
	F = &w->fields[i];
	idx = F->leaf0;
	L = w->leaves[idx];
	if (F->f.shape != TW_PQ_SCALAR || F->f.required ||
	    !((t == TW_PQ_DOUBLE && l == TW_PQ_L_NONE && L->type == TW_PQ_INT64 &&
	    L->logical != TW_PQ_L_TIMESTAMP_MS) ||
	    (t == TW_PQ_BYTE_ARRAY && l == TW_PQ_L_STRING))) {
		errno = EINVAL;
		return -1;
	}
	if (L->type == t) {
		/* JSON text is text: only the annotation changes. */
		L->logical = F->f.logical = l;
		return 0;
	}
	/* Row groups written must be read back: fail before changing anything. */
	if (w->nrgs > 0 && pread(w->fd, &c, 1, 0) != 1) {
		if (errno == 0 || errno == EINTR)
			errno = EIO;
		return -1;
	}
	N = leaf_new(w, L->field, -1, t, l, L->max_def, 0, F->f.dict || t == TW_PQ_BYTE_ARRAY);
	for (g = 0; g < w->nrgs; g++) {
		struct colmeta *cm = &w->rgs[g].cols[idx];

		if (read_back(w, cm->start, (size_t)cm->comp, &old) < 0)
			goto fail;
		if (refeed(w, old.p, old.len, L->type, L->logical, N, NULL) < 0) {
			fail(w, EIO, "read back");
			goto fail;
		}
		if (write_chunk(w, N, cm) < 0)
			goto fail;
	}
	/* The row group being built: its pages are all in memory. */
	flush_page(w, L);
	if (refeed(w, L->chunk.p, L->chunk.len, L->type, L->logical, N,
	    L->cm.npages[E_RLE_DICT] ? &L->dvals : NULL) < 0) {
		fail(w, EIO, "re-encode");
		goto fail;
	}
	vec_free(&old);
	leaf_free(L);
	w->leaves[idx] = N;
	F->f.type = t;
	F->f.logical = l;
	F->f.dict = N->try_dict;
	return 0;
fail:
	vec_free(&old);
	leaf_free(N);
	errno = w->err ? w->err : EIO;
	return -1;
}
