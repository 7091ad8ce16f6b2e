/*
 * Unit tests for lib/tw_thrift, lib/tw_parquet and lib/tw_pqrec against
 * their contracts and the specifications: Thrift compact bytes computed
 * by hand from thrift-compact-protocol.md, the RLE/bit-packing examples
 * of Encodings.md, and files read back by a small reader written here
 * (footer through tw_thrift_rd, pages decoded independently of the
 * writer's own code paths).
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "tw_buf.h"
#include "tw_json.h"
#include "tw_parquet.h"
#include "tw_pqrec.h"
#include "tw_schema.h"
#include "tw_thrift.h"
#include "tw_time.h"
#include "tap.h"

/* ---- Thrift compact ------------------------------------------------------ */

#define CHECK_BYTES(name, b, ...) do { \
	static const unsigned char want_[] = { __VA_ARGS__ }; \
	CHECK_MEM(name, (b)->p, (b)->len, (const char *)want_, sizeof want_); \
} while (0)

static void
test_thrift_encode(void)
{
	struct tw_buf b = TW_BUF_INIT;
	struct tw_thrift t;

	tw_thrift_varint(&b, 50399);
	CHECK_BYTES("varint 50399 (the spec's example)", &b, 0xDF, 0x89, 0x03);
	tw_buf_reset(&b);
	tw_thrift_varint(&b, 0);
	tw_thrift_varint(&b, 127);
	tw_thrift_varint(&b, 128);
	CHECK_BYTES("varint 0, 127, 128", &b, 0x00, 0x7F, 0x80, 0x01);
	tw_buf_reset(&b);
	tw_thrift_varint(&b, UINT64_MAX);
	CHECK_BYTES("varint 2^64-1: ten bytes", &b, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
	    0xFF, 0xFF, 0xFF, 0xFF, 0x01);
	CHECK_UINT("zigzag 0", tw_thrift_zigzag(0), 0);
	CHECK_UINT("zigzag -1", tw_thrift_zigzag(-1), 1);
	CHECK_UINT("zigzag 1", tw_thrift_zigzag(1), 2);
	CHECK_UINT("zigzag -2", tw_thrift_zigzag(-2), 3);
	CHECK_UINT("zigzag 2147483647", tw_thrift_zigzag(2147483647), 4294967294u);
	CHECK_UINT("zigzag -2147483648", tw_thrift_zigzag(-2147483647 - 1), 4294967295u);
	CHECK_UINT("zigzag INT64_MIN", tw_thrift_zigzag(INT64_MIN), UINT64_MAX);

	/*
	 * A PageHeader{type 0, uncompressed 100, compressed 50,
	 * data_page_header{num_values 10, encoding 0, 3, 3}}: field headers
	 * (delta << 4 | type), zigzag varints, a nested struct, two stops.
	 */
	tw_buf_reset(&b);
	tw_thrift_begin(&t, &b);
	tw_thrift_i32(&t, 1, 0);
	tw_thrift_i32(&t, 2, 100);
	tw_thrift_i32(&t, 3, 50);
	tw_thrift_struct_begin(&t, 5);
	tw_thrift_i32(&t, 1, 10);
	tw_thrift_i32(&t, 2, 0);
	tw_thrift_i32(&t, 3, 3);
	tw_thrift_i32(&t, 4, 3);
	tw_thrift_end(&t);
	tw_thrift_end(&t);
	CHECK_BYTES("PageHeader by hand", &b,
	    0x15, 0x00, 0x15, 0xC8, 0x01, 0x15, 0x64, 0x2C,
	    0x15, 0x14, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00, 0x00);
	CHECK_INT("writer depth back to 0", t.depth, 0);

	/* Bools in the header; long-form ids (delta 0 or > 15, or backwards);
	 * i8, i16, i64, binary, empty struct. */
	tw_buf_reset(&b);
	tw_thrift_begin(&t, &b);
	tw_thrift_bool(&t, 1, 1);
	tw_thrift_bool(&t, 2, 0);
	tw_thrift_i8(&t, 3, -2);
	tw_thrift_i16(&t, 4, -300);
	tw_thrift_i64(&t, 20, INT64_C(1741610183685509317));
	tw_thrift_binary(&t, 21, "abc", 3);
	tw_thrift_empty(&t, 22);
	tw_thrift_string(&t, 7, "");
	tw_thrift_end(&t);
	CHECK_BYTES("bools, i8, i16, long-form i64, binary, empty struct, backwards id", &b,
	    0x11, 0x12, 0x13, 0xFE, 0x14, 0xD7, 0x04,
	    0x06, 0x28, 0x8A, 0xC3, 0xB8, 0xFC, 0x81, 0xCF, 0xB8, 0xAB, 0x30,
	    0x18, 0x03, 'a', 'b', 'c', 0x1C, 0x00,
	    0x08, 0x0E, 0x00, 0x00);

	/* Lists: short form (< 15), long form, struct elements. */
	tw_buf_reset(&b);
	tw_thrift_begin(&t, &b);
	tw_thrift_list_begin(&t, 2, TW_TT_I32, 3);
	tw_thrift_elem_i32(&t, 1);
	tw_thrift_elem_i32(&t, 2);
	tw_thrift_elem_i32(&t, -3);
	tw_thrift_list_begin(&t, 3, TW_TT_BINARY, 15);
	{
		int i;

		for (i = 0; i < 15; i++)
			tw_thrift_elem_binary(&t, "", 0);
	}
	tw_thrift_list_begin(&t, 4, TW_TT_STRUCT, 1);
	tw_thrift_elem_struct_begin(&t);
	tw_thrift_empty(&t, 1);
	tw_thrift_end(&t);
	tw_thrift_end(&t);
	CHECK_BYTES("lists: short, long (15 elements), of structs", &b,
	    0x29, 0x35, 0x02, 0x04, 0x05,
	    0x19, 0xF8, 0x0F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0x19, 0x1C, 0x1C, 0x00, 0x00, 0x00);
	tw_buf_free(&b);
}

static void
test_thrift_read(void)
{
	static const unsigned char msg[] = {
		0x15, 0x00, 0x15, 0xC8, 0x01, 0x15, 0x64, 0x2C,
		0x15, 0x14, 0x15, 0x00, 0x15, 0x06, 0x15, 0x06, 0x00,
		0x11, 0x06, 0x28, 0x8A, 0xC3, 0xB8, 0xFC, 0x81, 0xCF, 0xB8, 0xAB, 0x30,
		0x19, 0x35, 0x02, 0x04, 0x05, 0x00
	};
	struct tw_thrift_rd r;
	int id, ft, et, sum = 0;
	uint32_t n, i;

	tw_thrift_rd_init(&r, msg, sizeof msg);
	ft = tw_thrift_rd_field(&r, &id);
	CHECK("read field 1 i32", ft == TW_TT_I32 && id == 1 && tw_thrift_rd_int(&r) == 0);
	ft = tw_thrift_rd_field(&r, &id);
	CHECK("read field 2 = 100", ft == TW_TT_I32 && id == 2 && tw_thrift_rd_int(&r) == 100);
	ft = tw_thrift_rd_field(&r, &id);
	tw_thrift_rd_skip(&r, ft);
	ft = tw_thrift_rd_field(&r, &id);
	CHECK("read struct field 5", ft == TW_TT_STRUCT && id == 5);
	tw_thrift_rd_skip(&r, ft);
	ft = tw_thrift_rd_field(&r, &id);
	CHECK("read bool field 6 (after the skipped struct)", ft == TW_TT_TRUE && id == 6 && r.bool_val == 1);
	ft = tw_thrift_rd_field(&r, &id);
	CHECK("read long-form i64 field 20", ft == TW_TT_I64 && id == 20 &&
	    tw_thrift_rd_int(&r) == INT64_C(1741610183685509317));
	ft = tw_thrift_rd_field(&r, &id);
	CHECK("read list field 21", ft == TW_TT_LIST && id == 21);
	n = tw_thrift_rd_list(&r, &et);
	for (i = 0; i < n; i++)
		sum += (int)tw_thrift_rd_int(&r);
	CHECK("read list of 3 i32", n == 3 && et == TW_TT_I32 && sum == 0);
	CHECK("read stop", tw_thrift_rd_field(&r, &id) == TW_TT_STOP && !r.err);

	/* Truncated anywhere: an error, never a read past the end. */
	for (i = 0; i < sizeof msg - 1; i++) {
		unsigned char *cut = malloc(i + 1);

		memcpy(cut, msg, i);
		tw_thrift_rd_init(&r, cut, i);
		tw_thrift_rd_skip(&r, TW_TT_STRUCT);
		free(cut);
		if (!r.err)
			break;
	}
	CHECKF("every truncation is an error", i == sizeof msg - 1, "no error at %u bytes", i);
	{
		/* Structs nested 1000 deep and lists of lists: bounded. */
		unsigned char deep[2000];

		memset(deep, 0x1C, 1000);
		memset(deep + 1000, 0, 1000);
		tw_thrift_rd_init(&r, deep, sizeof deep);
		tw_thrift_rd_skip(&r, TW_TT_STRUCT);
		CHECK("1000 nested structs: an error, not a deep recursion", r.err);
		memset(deep, 0x19, sizeof deep);
		tw_thrift_rd_init(&r, deep, sizeof deep);
		tw_thrift_rd_skip(&r, TW_TT_LIST);
		CHECK("nested lists: an error, not a deep recursion", r.err);
	}
}

/* ---- RLE / bit-packed hybrid ------------------------------------------------ */

static void
test_rle(void)
{
	struct tw_buf b = TW_BUF_INIT;
	uint32_t v[4096], d[4096];
	unsigned seed = 12345;
	int i, w, round, ok = 1;

	for (i = 0; i < 8; i++)
		v[i] = (uint32_t)i;
	tw_pq_rle_encode(&b, v, 8, 3);
	/* Encodings.md: 0..7 in 3 bits pack as 10001000 11000110 11111010. */
	CHECK_BYTES("bit-packed 0..7, width 3 (the spec's example)", &b, 0x03, 0x88, 0xC6, 0xFA);
	tw_buf_reset(&b);
	for (i = 0; i < 100; i++)
		v[i] = 5;
	tw_pq_rle_encode(&b, v, 100, 3);
	CHECK_BYTES("RLE run of 100 fives", &b, 0xC8, 0x01, 0x05);
	tw_buf_reset(&b);
	for (i = 0; i < 300; i++)
		v[i] = 1000;
	tw_pq_rle_encode(&b, v, 300, 10);
	CHECK_BYTES("RLE run, two-byte value (width 10)", &b, 0xD8, 0x04, 0xE8, 0x03);
	tw_buf_reset(&b);
	for (i = 0; i < 10; i++)
		v[i] = 1;
	v[10] = 2;
	v[11] = 3;
	tw_pq_rle_encode(&b, v, 12, 2);
	CHECK_BYTES("run then literals padded to a group", &b, 0x14, 0x01, 0x03, 0x0E, 0x00);
	tw_buf_reset(&b);
	/* 3 literals then 10 sevens: the run lends 5, 5 are left: no run. */
	v[0] = 1; v[1] = 2; v[2] = 3;
	for (i = 3; i < 13; i++)
		v[i] = 7;
	tw_pq_rle_encode(&b, v, 13, 3);
	CHECK("a run too short after lending: all bit-packed", b.len == 1 + 6 && b.p[0] == 0x05);
	tw_buf_reset(&b);
	/* 3 literals then 20 sevens: 8 packed (5 borrowed), a run of 15. */
	for (i = 3; i < 23; i++)
		v[i] = 7;
	tw_pq_rle_encode(&b, v, 23, 3);
	CHECK_BYTES("literals made a whole group by the run", &b,
	    0x03, 0xD1, 0xFE, 0xFF, 0x1E, 0x07);
	tw_buf_reset(&b);
	v[0] = 0;
	tw_pq_rle_encode(&b, v, 1, 0);
	CHECK_BYTES("width 0: a group of nothing", &b, 0x03);
	CHECK_INT("width 0 decodes", tw_pq_rle_decode(b.p, b.len, 0, d, 1), 1);
	tw_buf_reset(&b);
	/* Round trips: random widths, lengths and run shapes. */
	for (round = 0; round < 2000 && ok; round++) {
		int n = (int)(rand_r(&seed) % 600) + 1, runs = (int)(rand_r(&seed) % 4);
		long used;

		w = (int)(rand_r(&seed) % 33);
		for (i = 0; i < n; i++) {
			uint32_t x = w == 32 ? (uint32_t)rand_r(&seed) * 2654435761u :
			    (uint32_t)rand_r(&seed) & (w ? ((1u << w) - 1) : 0);

			if (i > 0 && runs && rand_r(&seed) % (runs + 1))
				x = v[i - 1];
			v[i] = x;
		}
		tw_buf_reset(&b);
		tw_pq_rle_encode(&b, v, (size_t)n, w);
		memset(d, 0xAB, sizeof d);
		used = tw_pq_rle_decode(b.p, b.len, w, d, (size_t)n);
		if (used != (long)b.len || memcmp(v, d, (size_t)n * 4) != 0)
			ok = 0;
	}
	CHECKF("2000 random round trips (widths 0..32)", ok, "round %d width %d", round, w);
	CHECK("decode: cut input is an error", tw_pq_rle_decode("\x03\x88", 2, 3, d, 8) < 0);
	CHECK("decode: empty RLE run is an error", tw_pq_rle_decode("\x00\x01", 2, 1, d, 1) < 0);
	CHECK("decode: value wider than width is an error", tw_pq_rle_decode("\x02\x05", 2, 2, d, 1) < 0);
	CHECK("decode: bad width", tw_pq_rle_decode("\x02\x05", 2, 33, d, 1) < 0);
	tw_buf_free(&b);
}

static void
test_delta(void)
{
	static int64_t v[3000], d[3000];
	struct tw_buf b = TW_BUF_INIT;
	unsigned seed = 777;
	int64_t x;
	int i, round, ok = 1, n = 0;
	long used;

	for (i = 0; i < 5; i++)
		v[i] = i + 1;
	tw_pq_delta_encode(&b, v, 5);
	/* Encodings.md's example 1 (in blocks of 128, 4 miniblocks): header
	 * 128 4 5 zigzag(1), then min delta zigzag(1), widths 0 0 0 0. */
	CHECK_BYTES("1 2 3 4 5 (the spec's example 1)", &b, 0x80, 0x01, 0x04, 0x05, 0x02,
	    0x02, 0x00, 0x00, 0x00, 0x00);
	CHECK_INT("  ... decodes to its end", tw_pq_delta_decode(b.p, b.len, d, 5), (long)b.len);
	CHECK("  ... to 1 2 3 4 5", memcmp(v, d, 5 * 8) == 0);
	tw_buf_reset(&b);
	v[0] = 7; v[1] = 5; v[2] = 3; v[3] = 1; v[4] = 2; v[5] = 3; v[6] = 4; v[7] = 5;
	tw_pq_delta_encode(&b, v, 8);
	/* Example 2: deltas -2 -2 -2 1 1 1 1, min -2, then 0 0 0 3 3 3 3 in
	 * 2 bits and 25 zeros of padding (one miniblock of 32: 8 bytes),
	 * the three other widths 0. */
	CHECK_BYTES("7 5 3 1 2 3 4 5 (the spec's example 2)", &b, 0x80, 0x01, 0x04, 0x08, 0x0E,
	    0x03, 0x02, 0x00, 0x00, 0x00, 0xC0, 0x3F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00);
	tw_buf_reset(&b);
	v[0] = -42;
	tw_pq_delta_encode(&b, v, 1);
	CHECK_BYTES("one value: the header alone", &b, 0x80, 0x01, 0x04, 0x01, 0x53);
	CHECK_INT("  ... decodes", tw_pq_delta_decode(b.p, b.len, d, 1), 5);
	CHECK("  ... to -42", d[0] == -42);
	tw_buf_reset(&b);
	tw_pq_delta_encode(&b, v, 0);
	CHECK_BYTES("no value", &b, 0x80, 0x01, 0x04, 0x00, 0x00);
	tw_buf_reset(&b);
	v[0] = INT64_MIN; v[1] = INT64_MAX; v[2] = INT64_MIN; v[3] = 0; v[4] = -1; v[5] = INT64_MAX;
	tw_pq_delta_encode(&b, v, 6);
	CHECK("int64 extremes: deltas wrap around, 64 bits wide",
	    tw_pq_delta_decode(b.p, b.len, d, 6) == (long)b.len && memcmp(v, d, 6 * 8) == 0);
	/* Round trips: lengths across blocks and miniblocks, all kinds of
	 * steps (equal, small, negative, full 64-bit). */
	for (round = 0; round < 2000 && ok; round++) {
		int kind = (int)(rand_r(&seed) % 5);

		n = (int)(rand_r(&seed) % 700);
		if (round % 100 == 0)
			n = 3000;
		x = (int64_t)((uint64_t)rand_r(&seed) << 33 ^ (uint64_t)rand_r(&seed));
		for (i = 0; i < n; i++) {
			switch (kind) {
			case 0: break;
			case 1: x = (int64_t)((uint64_t)x + (uint64_t)(rand_r(&seed) % 50)); break;
			case 2: x = (int64_t)((uint64_t)x - (uint64_t)(rand_r(&seed) % 100000)); break;
			case 3: x = (int64_t)((uint64_t)rand_r(&seed) << 42 ^ (uint64_t)rand_r(&seed) << 21 ^ (uint64_t)rand_r(&seed)); break;
			default: x = rand_r(&seed) % 7 == 0 ? (rand_r(&seed) % 2 ? INT64_MAX : INT64_MIN) : (int64_t)(rand_r(&seed) % 1000) - 500; break;
			}
			v[i] = x;
		}
		tw_buf_reset(&b);
		tw_pq_delta_encode(&b, v, (size_t)n);
		memset(d, 0xAB, sizeof d);
		used = tw_pq_delta_decode(b.p, b.len, d, (size_t)n);
		if (used != (long)b.len || memcmp(v, d, (size_t)n * 8) != 0)
			ok = 0;
	}
	CHECKF("2000 random round trips (0 to 3000 values)", ok, "round %d n %d", round, n);
	for (i = 0; i < 300; i++)
		v[i] = i * 3;
	tw_buf_reset(&b);
	tw_pq_delta_encode(&b, v, 300);
	CHECK("decode: a count other than the header's is an error", tw_pq_delta_decode(b.p, b.len, d, 299) < 0);
	CHECK("decode: cut input is an error", tw_pq_delta_decode(b.p, b.len - 1, d, 300) < 0);
	CHECK("decode: a block size not a multiple of 128 is an error",
	    tw_pq_delta_decode("\x40\x04\x01\x00", 4, d, 1) < 0);
	CHECK("decode: a miniblock wider than 64 bits is an error",
	    tw_pq_delta_decode("\x80\x01\x01\x02\x00\x00\x41", 7, d, 2) < 0);
	tw_buf_free(&b);
}

/* ---- a small reader ------------------------------------------------------- */

struct chunk {
	int type, codec;
	unsigned enc;		/* bit per Encoding */
	int64_t nvals, data_off, dict_off, comp;
	int has_min, has_max, min_exact, max_exact;
	int64_t nulls;
	unsigned char min[128], max[128];
	size_t minlen, maxlen;
	int npath;
	char leaf[64];
};

struct pfile {
	unsigned char *p;
	size_t n;
	int64_t rows;
	int nrg, ncol;
	int64_t rg_rows[64];
	struct chunk ch[64][16];
	int nschema;
	char sname[32][32];
	int stype[32], sconv[32], slogical[32], srep[32];
	char created_by[64];
	int norders;
	int ok;
};

static void
read_stats(struct tw_thrift_rd *r, struct chunk *c)
{
	int id, ft;
	const uint8_t *p;
	size_t n;

	tw_thrift_rd_enter(r);
	while ((ft = tw_thrift_rd_field(r, &id)) != TW_TT_STOP) {
		if (id == 3)
			c->nulls = tw_thrift_rd_int(r);
		else if (id == 5 || id == 6) {
			n = tw_thrift_rd_binary(r, &p);
			if (n > sizeof c->min)
				n = sizeof c->min;
			memcpy(id == 5 ? c->max : c->min, p, n);
			*(id == 5 ? &c->maxlen : &c->minlen) = n;
			*(id == 5 ? &c->has_max : &c->has_min) = 1;
		} else if (id == 7)
			c->max_exact = r->bool_val;
		else if (id == 8)
			c->min_exact = r->bool_val;
		else
			tw_thrift_rd_skip(r, ft);
	}
}

static void
read_colmeta(struct tw_thrift_rd *r, struct chunk *c)
{
	int id, ft, et;
	uint32_t k, n;
	const uint8_t *p;
	size_t len;

	tw_thrift_rd_enter(r);
	while ((ft = tw_thrift_rd_field(r, &id)) != TW_TT_STOP) {
		switch (id) {
		case 1: c->type = (int)tw_thrift_rd_int(r); break;
		case 2:
			n = tw_thrift_rd_list(r, &et);
			for (k = 0; k < n; k++)
				c->enc |= 1u << tw_thrift_rd_int(r);
			break;
		case 3:
			n = tw_thrift_rd_list(r, &et);
			for (k = 0; k < n; k++) {
				len = tw_thrift_rd_binary(r, &p);
				if (len >= sizeof c->leaf)
					len = sizeof c->leaf - 1;
				memcpy(c->leaf, p, len);
				c->leaf[len] = '\0';
			}
			c->npath = (int)n;
			break;
		case 4: c->codec = (int)tw_thrift_rd_int(r); break;
		case 5: c->nvals = tw_thrift_rd_int(r); break;
		case 7: c->comp = tw_thrift_rd_int(r); break;
		case 9: c->data_off = tw_thrift_rd_int(r); break;
		case 11: c->dict_off = tw_thrift_rd_int(r); break;
		case 12: read_stats(r, c); break;
		default: tw_thrift_rd_skip(r, ft);
		}
	}
}

/* The logical type union: which member is set. */
static int
read_logical(struct tw_thrift_rd *r)
{
	int id, ft, which = 0;

	tw_thrift_rd_enter(r);
	while ((ft = tw_thrift_rd_field(r, &id)) != TW_TT_STOP) {
		which = id;
		tw_thrift_rd_skip(r, ft);
	}
	return which;
}

static int
read_file(const char *path, struct pfile *f)
{
	FILE *fp = fopen(path, "rb");
	struct tw_thrift_rd r;
	uint32_t flen, n, k, m;
	int id, ft, et;
	long sz;

	memset(f, 0, sizeof *f);
	if (fp == NULL)
		return -1;
	fseek(fp, 0, SEEK_END);
	sz = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	f->p = malloc((size_t)sz + 1);
	f->n = fread(f->p, 1, (size_t)sz, fp);
	fclose(fp);
	if (f->n < 12 || memcmp(f->p, "PAR1", 4) || memcmp(f->p + f->n - 4, "PAR1", 4))
		return -1;
	memcpy(&flen, f->p + f->n - 8, 4);
	if (flen > f->n - 12)
		return -1;
	tw_thrift_rd_init(&r, f->p + f->n - 8 - flen, flen);
	while ((ft = tw_thrift_rd_field(&r, &id)) != TW_TT_STOP) {
		if (id == 2) {
			n = tw_thrift_rd_list(&r, &et);
			for (k = 0; k < n; k++) {
				int i = f->nschema < 32 ? f->nschema++ : 31;

				f->stype[i] = f->sconv[i] = f->slogical[i] = f->srep[i] = -1;
				tw_thrift_rd_enter(&r);
				while ((ft = tw_thrift_rd_field(&r, &id)) != TW_TT_STOP) {
					const uint8_t *p;
					size_t len;

					if (id == 1) f->stype[i] = (int)tw_thrift_rd_int(&r);
					else if (id == 3) f->srep[i] = (int)tw_thrift_rd_int(&r);
					else if (id == 4) {
						len = tw_thrift_rd_binary(&r, &p);
						if (len > 31)
							len = 31;
						memcpy(f->sname[i], p, len);
						f->sname[i][len] = '\0';
					} else if (id == 6) f->sconv[i] = (int)tw_thrift_rd_int(&r);
					else if (id == 10) f->slogical[i] = read_logical(&r);
					else tw_thrift_rd_skip(&r, ft);
				}
			}
		} else if (id == 3)
			f->rows = tw_thrift_rd_int(&r);
		else if (id == 4) {
			n = tw_thrift_rd_list(&r, &et);
			for (k = 0; k < n; k++) {
				if (k >= 64) {
					tw_thrift_rd_skip(&r, TW_TT_STRUCT);
					continue;
				}
				tw_thrift_rd_enter(&r);
				while ((ft = tw_thrift_rd_field(&r, &id)) != TW_TT_STOP) {
					if (id == 1) {
						m = tw_thrift_rd_list(&r, &et);
						f->ncol = (int)m;
						for (uint32_t c = 0; c < m; c++) {
							tw_thrift_rd_enter(&r);
							while ((ft = tw_thrift_rd_field(&r, &id)) != TW_TT_STOP) {
								if (id == 3 && c < 16)
									read_colmeta(&r, &f->ch[k][c]);
								else
									tw_thrift_rd_skip(&r, ft);
							}
						}
					} else if (id == 3)
						f->rg_rows[k] = tw_thrift_rd_int(&r);
					else
						tw_thrift_rd_skip(&r, ft);
				}
			}
			f->nrg = n < 64 ? (int)n : 64;
		} else if (id == 6) {
			const uint8_t *p;
			size_t len = tw_thrift_rd_binary(&r, &p);

			if (len > 63)
				len = 63;
			memcpy(f->created_by, p, len);
		} else if (id == 7) {
			f->norders = (int)tw_thrift_rd_list(&r, &et);
			for (k = 0; k < (uint32_t)f->norders; k++)
				tw_thrift_rd_skip(&r, TW_TT_STRUCT);
		} else
			tw_thrift_rd_skip(&r, ft);
	}
	f->ok = !r.err && r.p == r.end;
	return f->ok ? 0 : -1;
}

/* Decompresses one page body (codec c) into a malloc'd buffer. */
static unsigned char *
unpack(int codec, const unsigned char *s, size_t n, size_t unc)
{
	unsigned char *d = malloc(unc + 1);
	size_t got = unc;
	z_stream z;

	switch (codec) {
	case 0:
		memcpy(d, s, n);
		break;
	case 1:
		if (snappy_uncompress((const char *)s, n, (char *)d, &got) != SNAPPY_OK || got != unc)
			goto bad;
		break;
	case 6:
		if (ZSTD_decompress(d, unc, s, n) != unc)
			goto bad;
		break;
	case 2:
		memset(&z, 0, sizeof z);
		inflateInit2(&z, 15 + 16);
		z.next_in = (unsigned char *)(uintptr_t)s;
		z.avail_in = (unsigned)n;
		z.next_out = d;
		z.avail_out = (unsigned)unc;
		got = inflate(&z, Z_FINISH) == Z_STREAM_END && z.total_out == unc;
		inflateEnd(&z);
		if (!got)
			goto bad;
		break;
	default:
		goto bad;
	}
	return d;
bad:
	free(d);
	return NULL;
}

/*
 * The n values of a DELTA_BINARY_PACKED (enc 5: INT64),
 * DELTA_LENGTH_BYTE_ARRAY (6) or DELTA_BYTE_ARRAY (7) page s[0..len) as
 * PLAIN values, in a malloc'd buffer; NULL when they do not decode to
 * exactly the page's end.
 */
static unsigned char *
delta_to_plain(int enc, const unsigned char *s, size_t len, size_t n)
{
	int64_t *pre = calloc(n + 1, sizeof *pre), *suf = calloc(n + 1, sizeof *suf);
	unsigned char *out = NULL;
	size_t i, o = 0, prev = 0, total = 0, outlen = 0;
	uint32_t l, pl = 0;
	long used = 0, u;

	if (enc == 5) {
		if (tw_pq_delta_decode(s, len, pre, n) == (long)len) {
			out = malloc(n * 8 + 1);
			memcpy(out, pre, n * 8);
		}
		goto done;
	}
	if (enc == 7 && (used = tw_pq_delta_decode(s, len, pre, n)) < 0)
		goto done;
	if ((u = tw_pq_delta_decode(s + used, len - (size_t)used, suf, n)) < 0)
		goto done;
	used += u;
	for (i = 0; i < n; i++) {
		if (suf[i] < 0 || pre[i] < 0 || suf[i] > (int64_t)len)
			goto done;
		total += (size_t)suf[i];
		outlen += 4 + (size_t)suf[i] + (pre[i] > (int64_t)len + 8 ? 0 : (size_t)pre[i]);
	}
	if ((size_t)used + total != len)
		goto done;
	out = malloc(outlen + 1);
	for (i = 0; i < n; i++) {
		/* A prefix comes from the value before (PLAIN at out + prev). */
		if ((uint64_t)pre[i] > pl) {
			free(out);
			out = NULL;
			goto done;
		}
		l = (uint32_t)(pre[i] + suf[i]);
		memcpy(out + o, &l, 4);
		memmove(out + o + 4, out + prev + 4, (size_t)pre[i]);
		memcpy(out + o + 4 + pre[i], s + used, (size_t)suf[i]);
		used += suf[i];
		prev = o;
		pl = l;
		o += 4 + (size_t)l;
	}
done:
	free(pre);
	free(suf);
	return out;
}

/*
 * The values of flat optional column chunk c (max definition level 1),
 * each as text ("null", integers, %.17g doubles, true/false, strings) on
 * a line of out. Returns the values read, or -1.
 */
static long
column_text(const struct pfile *f, const struct chunk *c, struct tw_buf *out)
{
	int64_t pos = c->dict_off > 0 ? c->dict_off : c->data_off, end = pos + c->comp;
	unsigned char *dict = NULL;
	size_t dictlen = 0;
	uint32_t *doff = NULL, ndict = 0;
	long total = 0;

	while (pos < end) {
		struct tw_thrift_rd r;
		int id, ft, type = -1, enc = -1;
		int64_t unc = 0, comp = 0, nv = 0;
		unsigned char *body;
		uint32_t dl, *lv, *ix = NULL;
		const unsigned char *vals;
		unsigned char *plain = NULL;
		size_t vi = 0, k;

		tw_thrift_rd_init(&r, f->p + pos, (size_t)(end - pos));
		while ((ft = tw_thrift_rd_field(&r, &id)) != TW_TT_STOP) {
			if (id == 1) type = (int)tw_thrift_rd_int(&r);
			else if (id == 2) unc = tw_thrift_rd_int(&r);
			else if (id == 3) comp = tw_thrift_rd_int(&r);
			else if (id == 5 || id == 7) {
				tw_thrift_rd_enter(&r);
				while ((ft = tw_thrift_rd_field(&r, &id)) != TW_TT_STOP) {
					if (id == 1) nv = tw_thrift_rd_int(&r);
					else if (id == 2) enc = (int)tw_thrift_rd_int(&r);
					else tw_thrift_rd_skip(&r, ft);
				}
			} else
				tw_thrift_rd_skip(&r, ft);
		}
		if (r.err)
			return -1;
		pos += r.p - (f->p + pos);
		body = unpack(c->codec, f->p + pos, (size_t)comp, (size_t)unc);
		pos += comp;
		if (body == NULL)
			return -1;
		if (type == 2) {
			/* The dictionary: PLAIN byte arrays. */
			size_t o = 0;

			dict = body;
			dictlen = (size_t)unc;
			doff = calloc((size_t)nv + 1, sizeof *doff);
			/* INT64: 8-byte values; byte arrays: with their lengths. */
			if (c->type == 2) {
				for (ndict = 0; ndict < nv && (size_t)ndict * 8 + 8 <= dictlen; ndict++)
					doff[ndict] = ndict * 8;
			} else {
				for (ndict = 0; ndict < nv && o + 4 <= dictlen; ndict++) {
					uint32_t len;

					doff[ndict] = (uint32_t)o;
					memcpy(&len, dict + o, 4);
					o += 4 + len;
				}
			}
			continue;
		}
		memcpy(&dl, body, 4);
		lv = calloc((size_t)nv + 1, sizeof *lv);
		if (tw_pq_rle_decode(body + 4, dl, 1, lv, (size_t)nv) < 0)
			return -1;
		vals = body + 4 + dl;
		if (enc >= 5 && enc <= 7) {
			/* The DELTA encodings, rewritten as PLAIN. */
			size_t nn = 0;

			for (k = 0; k < (size_t)nv; k++)
				nn += lv[k] != 0;
			vals = plain = delta_to_plain(enc, vals, (size_t)(unc - 4 - dl), nn);
			if (plain == NULL)
				return -1;
		}
		if (enc == 8) {
			int width = vals[0];
			size_t nn = 0;

			for (k = 0; k < (size_t)nv; k++)
				nn += lv[k] != 0;
			ix = calloc(nn + 1, sizeof *ix);
			if (tw_pq_rle_decode(vals + 1, (size_t)(unc - 4 - dl - 1), width, ix, nn) < 0)
				return -1;
		}
		for (k = 0; k < (size_t)nv; k++, total++) {
			int64_t x;
			double d;
			uint32_t len;

			if (lv[k] == 0) {
				tw_buf_adds(out, "null\n");
				continue;
			}
			switch (c->type) {
			case 0:
				tw_buf_adds(out, (vals[vi / 8] >> (vi % 8)) & 1 ? "true\n" : "false\n");
				vi++;
				break;
			case 2:
				if (enc == 8) {
					uint32_t e = ix[vi++];

					if (e >= ndict)
						return -1;
					memcpy(&x, dict + doff[e], 8);
				} else {
					memcpy(&x, vals + vi, 8);
					vi += 8;
				}
				tw_buf_addf(out, "%lld\n", (long long)x);
				break;
			case 5:
				memcpy(&d, vals + vi, 8);
				vi += 8;
				tw_buf_addf(out, "%.17g\n", d);
				break;
			case 6:
				if (enc == 8) {
					uint32_t e = ix[vi++];

					memcpy(&len, dict + doff[e], 4);
					tw_buf_add(out, dict + doff[e] + 4, len);
				} else {
					memcpy(&len, vals + vi, 4);
					tw_buf_add(out, vals + vi + 4, len);
					vi += 4 + len;
				}
				tw_buf_addc(out, '\n');
				break;
			}
		}
		free(ix);
		free(lv);
		free(body);
		free(plain);
	}
	free(dict);
	free(doff);
	return total;
}

/* ---- the writer ------------------------------------------------------------ */

static char tmpdir[] = "/tmp/test_parquet.XXXXXX";

static const char *
tpath(const char *name)
{
	static char p[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
	return p[k];
}

static int
ropen(const char *name)
{
	return open(tpath(name), O_RDWR | O_CREAT | O_TRUNC, 0644);
}

static const struct tw_pq_field F_ID = { "id", TW_PQ_SCALAR, TW_PQ_INT64, TW_PQ_L_NONE, 0, 0, NULL, 0 };
static const struct tw_pq_field F_LANG = { "lang", TW_PQ_SCALAR, TW_PQ_BYTE_ARRAY, TW_PQ_L_STRING, 0, 1, NULL, 0 };
static const struct tw_pq_field F_X = { "x", TW_PQ_SCALAR, TW_PQ_DOUBLE, TW_PQ_L_NONE, 0, 0, NULL, 0 };
static const struct tw_pq_field F_B = { "b", TW_PQ_SCALAR, TW_PQ_BOOLEAN, TW_PQ_L_NONE, 0, 0, NULL, 0 };
static const struct tw_pq_field F_T = { "t", TW_PQ_SCALAR, TW_PQ_INT64, TW_PQ_L_TIMESTAMP_MS, 0, 0, NULL, 0 };

static void
test_schema_and_stats(void)
{
	struct tw_pq_opts o = { TW_PQ_UNCOMPRESSED, 0, 0, 0, 0, NULL, 0 };
	static const struct tw_pq_member mm[] = {
		{ "k", TW_PQ_BYTE_ARRAY, TW_PQ_L_STRING, 0 },
		{ "n", TW_PQ_INT64, TW_PQ_L_NONE, 0 },
	};
	struct tw_pq_field fl = { "tags", TW_PQ_LIST, TW_PQ_BYTE_ARRAY, TW_PQ_L_STRING, 0, 1, NULL, 0 };
	struct tw_pq_field fs = { "media", TW_PQ_LIST_STRUCT, TW_PQ_BYTE_ARRAY, TW_PQ_L_NONE, 0, 0, mm, 2 };
	struct tw_pq_field fj = { "j", TW_PQ_SCALAR, TW_PQ_BYTE_ARRAY, TW_PQ_L_JSON, 0, 0, NULL, 0 };
	struct tw_pq_field fr = { "r", TW_PQ_SCALAR, TW_PQ_INT64, TW_PQ_L_INT64, 1, 0, NULL, 0 };
	struct tw_pq *w;
	struct pfile f;
	struct tw_buf t = TW_BUF_INIT;
	int fd = ropen("s.parquet"), i;
	char longs[200];

	w = tw_pq_new(fd, &o);
	CHECK("required field before rows", tw_pq_add_field(w, &fr) == 0);
	tw_pq_add_field(w, &F_ID);
	tw_pq_add_field(w, &F_X);
	tw_pq_add_field(w, &F_LANG);
	tw_pq_add_field(w, &F_B);
	tw_pq_add_field(w, &F_T);
	CHECK("list field", tw_pq_add_field(w, &fl) == 6);
	CHECK("list of structs field", tw_pq_add_field(w, &fs) == 7);
	CHECK("json field", tw_pq_add_field(w, &fj) == 8);
	CHECK_INT("nfields", tw_pq_nfields(w), 9);
	CHECK_STR("field name copied", tw_pq_field(w, 3)->name, "lang");
	fs.members = NULL;
	CHECK("list of structs without members: EINVAL", tw_pq_add_field(w, &fs) < 0 && errno == EINVAL);
	memset(longs, 'z', sizeof longs);
	for (i = 0; i < 5; i++) {
		tw_pq_i64(w, 0, i);
		/* ids around the sign: signed order */
		tw_pq_i64(w, 1, i == 2 ? INT64_MIN : i == 3 ? INT64_MAX : -i);
		if (i == 1)
			tw_pq_double(w, 2, 0.0);
		else if (i == 2)
			tw_pq_double(w, 2, -0.0);
		else if (i == 3)
			tw_pq_double(w, 2, 2.5);
		/* "é" (C3 A9) sorts after "z" as unsigned bytes. */
		if (i == 0)
			tw_pq_bytes(w, 3, "\xC3\xA9", 2);
		else if (i == 1)
			tw_pq_bytes(w, 3, "z", 1);
		else if (i == 2)
			tw_pq_bytes(w, 3, "", 0);
		if (i < 3)
			tw_pq_bool(w, 4, i == 1);
		tw_pq_i64(w, 5, INT64_C(1704067200000) + i);
		tw_pq_list_begin(w, 6);
		if (i == 4)
			tw_pq_bytes(w, 6, longs, sizeof longs);
		tw_pq_list_end(w, 6);
		CHECK("row", tw_pq_row_end(w) == 0);
	}
	/* A row with a value of the wrong type: dropped, EINVAL. */
	tw_pq_i64(w, 0, 99);
	tw_pq_bytes(w, 1, "x", 1);
	CHECK("wrong type: the row is refused", tw_pq_row_end(w) < 0 && errno == EINVAL);
	/* A required field not given: refused. */
	tw_pq_i64(w, 1, 5);
	CHECK("required field missing: refused", tw_pq_row_end(w) < 0 && errno == EINVAL);
	/* A row given then cancelled. */
	tw_pq_i64(w, 0, 7);
	tw_pq_i64(w, 1, 1000000);
	tw_pq_row_cancel(w);
	/* A value given twice keeps the first. */
	tw_pq_i64(w, 0, 5);
	tw_pq_i64(w, 0, 6);
	CHECK("row with a repeated value", tw_pq_row_end(w) == 0);
	CHECK_UINT("rows", tw_pq_rows(w), 6);
	CHECK("close", tw_pq_close(w) == 0);
	tw_pq_free(w);
	close(fd);

	CHECK("the file reads back", read_file(tpath("s.parquet"), &f) == 0);
	CHECK_INT("num_rows", f.rows, 6);
	CHECK_INT("one row group", f.nrg, 1);
	CHECK_INT("leaf columns", f.ncol, 10);
	CHECK_INT("column orders, one per leaf", f.norders, 10);
	CHECK_STR("created_by", f.created_by, "twpipe version " TW_VERSION);
	CHECK_STR("schema root", f.sname[0], "schema");
	CHECK("required r: REQUIRED INT64 INT(64,signed)",
	    f.srep[1] == 0 && f.stype[1] == 2 && f.sconv[1] == 18 && f.slogical[1] == 10);
	CHECK("lang: STRING", f.stype[4] == 6 && f.sconv[4] == 0 && f.slogical[4] == 1);
	CHECK("t: TIMESTAMP", f.stype[6] == 2 && f.sconv[6] == 9 && f.slogical[6] == 8);
	CHECK("tags: optional group LIST, repeated list, optional element",
	    strcmp(f.sname[7], "tags") == 0 && f.stype[7] == -1 && f.srep[7] == 1 &&
	    f.sconv[7] == 3 && f.slogical[7] == 3 && strcmp(f.sname[8], "list") == 0 &&
	    f.srep[8] == 2 && strcmp(f.sname[9], "element") == 0 && f.srep[9] == 1);
	CHECK("media: LIST of a struct of 2", strcmp(f.sname[10], "media") == 0 &&
	    strcmp(f.sname[12], "element") == 0 && f.stype[12] == -1 &&
	    strcmp(f.sname[13], "k") == 0 && strcmp(f.sname[14], "n") == 0);
	CHECK("j: JSON", f.sconv[15] == 19 && f.slogical[15] == 12);

	{
		struct chunk *c = &f.ch[0][1];
		int64_t mn, mx;

		memcpy(&mn, c->min, 8);
		memcpy(&mx, c->max, 8);
		CHECK("int64 stats signed", mn == INT64_MIN && mx == INT64_MAX &&
		    c->minlen == 8 && c->nulls == 1);
		c = &f.ch[0][2];
		{
			double a, b;

			memcpy(&a, c->min, 8);
			memcpy(&b, c->max, 8);
			CHECK("double stats: zero min is -0", a == 0 && signbit(a) && b == 2.5);
			CHECK_INT("double nulls", c->nulls, 3);
		}
		c = &f.ch[0][3];
		CHECK_MEM("string min: empty", (char *)c->min, c->minlen, "", 0);
		CHECK_MEM("string max: unsigned bytes (é > z)", (char *)c->max, c->maxlen, "\xC3\xA9", 2);
		CHECK("string stats exact", c->has_min && c->min_exact && c->max_exact);
		CHECK("three distinct strings: the dictionary does not pay",
		    !(c->enc & (1u << 8)) && c->dict_off == 0);
		c = &f.ch[0][4];
		CHECK("bool stats", c->minlen == 1 && c->min[0] == 0 && c->max[0] == 1 && c->nulls == 3);
		c = &f.ch[0][6];
		CHECK_MEM("long string: min a prefix", (char *)c->min, c->minlen, longs, TW_PQ_STAT_MAX);
		CHECK("long string: max bounded ('z' * 63 then '{'), not exact",
		    c->maxlen == TW_PQ_STAT_MAX && c->max[TW_PQ_STAT_MAX - 1] == '{' &&
		    !c->max_exact && !c->min_exact);
		CHECK_INT("list leaf: one level per empty list, one per element", c->nvals, 6);
		CHECK_INT("list leaf nulls (empty lists count as not defined)", c->nulls, 5);
		CHECK("all-null chunk: null_count only", f.ch[0][7].nulls == 6 && !f.ch[0][7].has_min);
		CHECK_STR("leaf path", f.ch[0][8].leaf, "n");
		CHECK_INT("struct member path depth", f.ch[0][8].npath, 4);
	}
	CHECK("values of id", column_text(&f, &f.ch[0][1], &t) == 6);
	CHECK_STR("id values read back", t.p, "0\n-1\n-9223372036854775808\n9223372036854775807\n-4\nnull\n");
	tw_buf_reset(&t);
	column_text(&f, &f.ch[0][3], &t);
	CHECK_STR("lang values (dictionary) read back", t.p, "\xC3\xA9\nz\n\nnull\nnull\nnull\n");
	tw_buf_reset(&t);
	column_text(&f, &f.ch[0][4], &t);
	CHECK_STR("bool values read back", t.p, "false\ntrue\nfalse\nnull\nnull\nnull\n");
	tw_buf_free(&t);
	free(f.p);
}

/* Row i's word: the first `head` rows cycle over 10 words, the rest over
 * v words (0: all distinct). */
static int head;

static int
word(int i, int v)
{
	return i < head ? i % 10 : v ? i % v : i;
}

/* A file of n rows: id, and lang from a vocabulary (word()). */
static void
write_words(const char *name, int codec, int n, int v, size_t rg, size_t page,
    size_t dict)
{
	struct tw_pq_opts o = { codec, 0, rg, page, dict, NULL, 0 };
	int fd = ropen(name), i;
	struct tw_pq *w = tw_pq_new(fd, &o);
	char s[64];

	tw_pq_add_field(w, &F_ID);
	tw_pq_add_field(w, &F_LANG);
	for (i = 0; i < n; i++) {
		tw_pq_i64(w, 0, i);
		snprintf(s, sizeof s, "word%d", word(i, v));
		tw_pq_bytes(w, 1, s, strlen(s));
		tw_pq_row_end(w);
	}
	tw_pq_close(w);
	tw_pq_free(w);
	close(fd);
}

static int
words_ok(const struct pfile *f, int n, int v)
{
	struct tw_buf t = TW_BUF_INIT, want = TW_BUF_INIT;
	int g, i;

	for (g = 0; g < f->nrg; g++)
		column_text(f, &f->ch[g][1], &t);
	for (i = 0; i < n; i++)
		tw_buf_addf(&want, "word%d\n", word(i, v));
	i = t.len == want.len && memcmp(t.p, want.p, t.len) == 0;
	tw_buf_free(&t);
	tw_buf_free(&want);
	return i;
}

/* The i-th of a pseudo-random sequence of 0 to 8 (i below 30000). */
static int
pick(int i)
{
	static unsigned char seq[30000];
	static int made;

	if (!made) {
		unsigned seed = 99;
		int k;

		for (k = 0; k < 30000; k++)
			seq[k] = (unsigned char)(rand_r(&seed) % 9);
		made = 1;
	}
	return seq[i];
}

/* INT64 values of 9 scattered values (a dictionary pays), 16 KiB row
 * groups, then a widening to string with row groups written. */
static void
test_int_dictionary(void)
{
	static const int64_t vals[] = { INT64_MIN, INT64_MAX, 0, -1, 77,
	    1741610183685509317, -99999999999, 12345678901234, 3 };
	struct tw_pq_opts o = { TW_PQ_ZSTD, 0, 16 << 10, 0, 0, NULL, 0 };
	struct tw_buf t = TW_BUF_INIT, want = TW_BUF_INIT;
	struct pfile f;
	int fd = ropen("di.parquet"), i, g, dict = 1;
	struct tw_pq *w = tw_pq_new(fd, &o);

	tw_pq_add_field(w, &F_ID);
	for (i = 0; i < 30000; i++) {
		tw_pq_i64(w, 0, vals[pick(i)]);
		tw_pq_row_end(w);
		tw_buf_addf(&want, "%lld\n", (long long)vals[pick(i)]);
	}
	tw_pq_close(w);
	tw_pq_free(w);
	close(fd);
	read_file(tpath("di.parquet"), &f);
	for (g = 0; g < f.nrg; g++) {
		dict &= f.ch[g][0].dict_off > 0 && f.ch[g][0].enc == (1u << 0 | 1u << 3 | 1u << 8);
		column_text(&f, &f.ch[g][0], &t);
	}
	CHECK("int64 of 9 values: a dictionary in every row group", f.nrg > 2 && dict);
	CHECK("  ... read back", t.len == want.len && memcmp(t.p, want.p, t.len) == 0);
	free(f.p);
	/* The same, widened to string once row groups are written. */
	fd = ropen("dw.parquet");
	w = tw_pq_new(fd, &o);
	tw_pq_add_field(w, &F_ID);
	for (i = 0; i < 30000; i++) {
		if (i == 20000)
			CHECK("  ... widened to string with row groups written",
			    tw_pq_nfields(w) == 1 && tw_pq_row_groups(w) > 2 &&
			    tw_pq_retype(w, 0, TW_PQ_BYTE_ARRAY, TW_PQ_L_STRING) == 0);
		if (i < 20000)
			tw_pq_i64(w, 0, vals[pick(i)]);
		else {
			char s[32];

			snprintf(s, sizeof s, "%lld", (long long)vals[pick(i)]);
			tw_pq_bytes(w, 0, s, strlen(s));
		}
		tw_pq_row_end(w);
	}
	tw_pq_close(w);
	tw_pq_free(w);
	close(fd);
	read_file(tpath("dw.parquet"), &f);
	tw_buf_reset(&t);
	for (g = 0; g < f.nrg; g++)
		column_text(&f, &f.ch[g][0], &t);
	CHECK("  ... and reads back as its text", f.ch[0][0].type == 6 &&
	    t.len == want.len && memcmp(t.p, want.p, t.len) == 0);
	free(f.p);
	tw_buf_free(&t);
	tw_buf_free(&want);
}

static void
test_dictionary(void)
{
	struct pfile f;
	int codecs[] = { TW_PQ_UNCOMPRESSED, TW_PQ_SNAPPY, TW_PQ_GZIP, TW_PQ_ZSTD }, k;

	for (k = 0; k < 4; k++) {
		char name[80];

		write_words("d1.parquet", codecs[k], 20000, 7, 0, 4096, 0);
		read_file(tpath("d1.parquet"), &f);
		snprintf(name, sizeof name, "%s: low cardinality: dictionary in every page",
		    tw_pq_codec_name(codecs[k]));
		CHECK(name, f.ch[0][1].dict_off > 0 && (f.ch[0][1].enc & (1u << 8)) &&
		    f.ch[0][1].codec == codecs[k]);
		snprintf(name, sizeof name, "%s: values read back", tw_pq_codec_name(codecs[k]));
		CHECK(name, words_ok(&f, 20000, 7));
		free(f.p);
	}
	write_words("d2.parquet", TW_PQ_SNAPPY, 5000, 0, 0, 4096, 0);
	read_file(tpath("d2.parquet"), &f);
	CHECK("unique strings: the dictionary does not pay, no dictionary page",
	    f.ch[0][1].dict_off == 0 && !(f.ch[0][1].enc & (1u << 8)));
	/* word0, word1, ...: each shares a prefix with the one before. */
	CHECK("  ... and DELTA_BYTE_ARRAY pays", f.ch[0][1].enc == (1u << 3 | 1u << 7));
	CHECK("  ... and ids 0, 1, 2 ... DELTA_BINARY_PACKED", f.ch[0][0].enc == (1u << 3 | 1u << 5));
	CHECK("unique strings read back", words_ok(&f, 5000, 0));
	free(f.p);
	/* 10 words, then 3000, with a dictionary bound of 16 KiB: pages with
	 * the dictionary, then PLAIN pages in the same chunk. */
	head = 5000;
	write_words("d3.parquet", TW_PQ_ZSTD, 20000, 3000, 0, 2048, 16 << 10);
	read_file(tpath("d3.parquet"), &f);
	CHECK("dictionary past its bound: both encodings in the chunk",
	    f.ch[0][1].dict_off > 0 && (f.ch[0][1].enc & (1u << 8)) && (f.ch[0][1].enc & 1));
	CHECK("mixed chunk reads back", words_ok(&f, 20000, 3000));
	free(f.p);
	head = 0;
	/* Row groups: each chunk tries the dictionary again. */
	write_words("d4.parquet", TW_PQ_SNAPPY, 20000, 5, 8 << 10, 4096, 0);
	read_file(tpath("d4.parquet"), &f);
	CHECK("several row groups, each with its dictionary", f.nrg > 2 && f.ch[f.nrg - 1][1].dict_off > 0);
	CHECK("several row groups read back", words_ok(&f, 20000, 5));
	{
		int64_t sum = 0;
		int g;

		for (g = 0; g < f.nrg; g++)
			sum += f.rg_rows[g];
		CHECK_INT("row group rows add up", sum, 20000);
	}
	free(f.p);
	test_int_dictionary();
}

static int
file_eq(const char *a, const char *b)
{
	struct pfile x, y;
	int eq;

	read_file(a, &x);
	read_file(b, &y);
	eq = x.n == y.n && memcmp(x.p, y.p, x.n) == 0;
	free(x.p);
	free(y.p);
	return eq;
}

static void
test_stable(void)
{
	char a[256], b[256];

	write_words("e1.parquet", TW_PQ_ZSTD, 3000, 9, 16 << 10, 1024, 0);
	write_words("e2.parquet", TW_PQ_ZSTD, 3000, 9, 16 << 10, 1024, 0);
	snprintf(a, sizeof a, "%s", tpath("e1.parquet"));
	snprintf(b, sizeof b, "%s", tpath("e2.parquet"));
	CHECK("byte-stable: the same rows give the same bytes", file_eq(a, b));
}

static int nwiden;
static char widen_log[512];

static void
on_widen(void *arg, const char *field, const char *from, const char *to)
{
	(void)arg;
	nwiden++;
	snprintf(widen_log + strlen(widen_log), sizeof widen_log - strlen(widen_log),
	    "%s:%s>%s ", field, from, to);
}

static void
test_retype(void)
{
	struct tw_pq_opts o = { TW_PQ_SNAPPY, 0, 4096, 1024, 0, NULL, 0 };
	struct pfile f;
	struct tw_buf t = TW_BUF_INIT, want = TW_BUF_INIT;
	int fd = ropen("r.parquet"), i, g, p[2];
	struct tw_pq *w = tw_pq_new(fd, &o);

	tw_pq_add_field(w, &F_ID);
	tw_pq_add_field(w, &F_X);
	tw_pq_add_field(w, &F_B);
	tw_pq_add_field(w, &F_T);
	for (i = 0; i < 3000; i++) {
		char v[40];

		if (i <= 2000) {
			if (i % 10)
				tw_pq_i64(w, 0, i * 1000003LL);
			tw_pq_double(w, 1, i / 4.0);
			tw_pq_bool(w, 2, i & 1);
			tw_pq_i64(w, 3, INT64_C(1704067200000) + i);
		} else {
			if (i % 10)
				tw_pq_double(w, 0, i * 1000003.0);
			snprintf(v, sizeof v, "s%d", i);
			tw_pq_bytes(w, 1, v, strlen(v));
			tw_pq_bytes(w, 2, "maybe", 5);
			tw_pq_bytes(w, 3, "later", 5);
		}
		if (tw_pq_row_end(w) < 0)
			break;
		if (i == 2000) {
			CHECK("rows groups were written before", tw_pq_row_groups(w) > 3);
			CHECK("int64 to double after row groups were written",
			    tw_pq_retype(w, 0, TW_PQ_DOUBLE, TW_PQ_L_NONE) == 0);
			CHECK("double to string", tw_pq_retype(w, 1, TW_PQ_BYTE_ARRAY, TW_PQ_L_STRING) == 0);
			CHECK("boolean to string", tw_pq_retype(w, 2, TW_PQ_BYTE_ARRAY, TW_PQ_L_STRING) == 0);
			CHECK("timestamp to string", tw_pq_retype(w, 3, TW_PQ_BYTE_ARRAY, TW_PQ_L_STRING) == 0);
			CHECK("string to double: EINVAL", tw_pq_retype(w, 1, TW_PQ_DOUBLE,
			    TW_PQ_L_NONE) < 0 && errno == EINVAL);
			CHECK_INT("the field says so", tw_pq_field(w, 0)->type, TW_PQ_DOUBLE);
		}
	}
	CHECK_INT("every row taken", i, 3000);
	CHECK("close", tw_pq_close(w) == 0);
	tw_pq_free(w);
	close(fd);
	CHECK("widened file reads back", read_file(tpath("r.parquet"), &f) == 0);
	CHECK_INT("rows", f.rows, 3000);
	for (g = 0; g < f.nrg; g++)
		column_text(&f, &f.ch[g][3], &t);
	for (i = 0; i < 3000; i++) {
		if (i <= 2000)
			tw_buf_add_iso(&want, INT64_C(1704067200000) + i);
		else
			tw_buf_adds(&want, "later");
		tw_buf_addc(&want, '\n');
	}
	CHECK_MEM("timestamps became ISO text in every row group", t.p, t.len, want.p, want.len);
	CHECK("id is DOUBLE in every row group", f.ch[0][0].type == 5 && f.ch[f.nrg - 1][0].type == 5);
	tw_buf_reset(&t);
	column_text(&f, &f.ch[0][0], &t);
	CHECK("converted ids: nulls kept, values exact", strncmp(t.p, "null\n1000003\n2000006\n", 21) == 0);
	tw_buf_reset(&t);
	column_text(&f, &f.ch[0][1], &t);
	CHECK("converted doubles: shortest text", strncmp(t.p, "0\n0.25\n0.5\n0.75\n1\n", 18) == 0);
	tw_buf_reset(&t);
	column_text(&f, &f.ch[0][2], &t);
	CHECK("converted booleans", strncmp(t.p, "false\ntrue\nfalse\n", 17) == 0);
	tw_buf_reset(&t);
	column_text(&f, &f.ch[f.nrg - 1][1], &t);
	CHECK("later values as given", t.len > 6 && memcmp(t.p + t.len - 6, "s2999\n", 6) == 0);
	free(f.p);

	/* A pipe cannot be read back: ESPIPE, nothing changed. */
	if (pipe(p) == 0) {
		struct tw_pq_opts o2 = { TW_PQ_UNCOMPRESSED, 0, 1, 0, 0, NULL, 0 };

		fcntl(p[1], F_SETFL, O_NONBLOCK);
		w = tw_pq_new(p[1], &o2);
		tw_pq_add_field(w, &F_ID);
		for (i = 0; i < 3; i++) {
			tw_pq_i64(w, 0, i);
			tw_pq_row_end(w);
		}
		CHECK("row groups written to a pipe", tw_pq_row_groups(w) > 0);
		CHECK("retype on a pipe: ESPIPE", tw_pq_retype(w, 0, TW_PQ_DOUBLE, TW_PQ_L_NONE) < 0 &&
		    errno == ESPIPE);
		CHECK_INT("the field unchanged", tw_pq_field(w, 0)->type, TW_PQ_INT64);
		tw_pq_i64(w, 0, 5);
		CHECK("and usable", tw_pq_row_end(w) == 0);
		tw_pq_free(w);
		close(p[0]);
		close(p[1]);
	}
	tw_buf_free(&t);
	tw_buf_free(&want);
}

static void
test_late_field(void)
{
	struct tw_pq_opts o = { TW_PQ_GZIP, 0, 2048, 0, 0, NULL, 0 };
	struct pfile f;
	struct tw_buf t = TW_BUF_INIT;
	int fd = ropen("l.parquet"), i, g, n = 0;
	struct tw_pq *w = tw_pq_new(fd, &o);

	tw_pq_add_field(w, &F_ID);
	for (i = 0; i < 1000; i++) {
		if (i == 700)
			CHECK("a field added after row groups were written", tw_pq_add_field(w, &F_LANG) == 1);
		tw_pq_i64(w, 0, i);
		if (i >= 700)
			tw_pq_bytes(w, 1, "late", 4);
		tw_pq_row_end(w);
	}
	CHECK("close", tw_pq_close(w) == 0);
	tw_pq_free(w);
	close(fd);
	CHECK("reads back", read_file(tpath("l.parquet"), &f) == 0);
	for (g = 0; g < f.nrg; g++)
		column_text(&f, &f.ch[g][1], &t);
	for (i = 0; i < (int)t.len; i += 5)
		n += strncmp(t.p + i, "null\n", 5) == 0;
	CHECK("every row group has the late column", f.ncol == 2 && f.nrg > 2);
	CHECK_INT("700 nulls before it", n, 700);
	CHECK("then its values", t.len == 700 * 5 + 300 * 5 && memcmp(t.p + 3500, "late\n", 5) == 0);
	tw_buf_free(&t);
	free(f.p);
}

static void
test_errors(void)
{
	struct tw_pq_opts o = { TW_PQ_SNAPPY, 0, 1024, 0, 0, NULL, 0 };
	int fd = open("/dev/full", O_WRONLY), i, rc = 0, p[2];
	struct tw_pq *w;

	if (fd >= 0) {
		w = tw_pq_new(fd, &o);
		tw_pq_add_field(w, &F_ID);
		for (i = 0; i < 1000 && rc == 0; i++) {
			tw_pq_i64(w, 0, i);
			rc = tw_pq_row_end(w);
		}
		CHECK("/dev/full: ENOSPC from the row that fills a row group", rc < 0 && errno == ENOSPC);
		CHECK_STR("message", tw_pq_error(w), "write: No space left on device");
		tw_pq_i64(w, 0, 1);
		CHECK("sticky", tw_pq_row_end(w) < 0 && errno == ENOSPC);
		CHECK("close fails too", tw_pq_close(w) < 0 && errno == ENOSPC);
		tw_pq_free(w);
		close(fd);
		fd = open("/dev/full", O_WRONLY);
		w = tw_pq_new(fd, &o);
		tw_pq_add_field(w, &F_ID);
		tw_pq_i64(w, 0, 1);
		tw_pq_row_end(w);
		CHECK("/dev/full: a small file fails at close", tw_pq_close(w) < 0 && errno == ENOSPC);
		tw_pq_free(w);
		close(fd);
	}
	signal(SIGPIPE, SIG_IGN);
	if (pipe(p) == 0) {
		close(p[0]);
		w = tw_pq_new(p[1], &o);
		tw_pq_add_field(w, &F_ID);
		CHECK("closed pipe: EPIPE", tw_pq_close(w) < 0 && errno == EPIPE);
		tw_pq_free(w);
		close(p[1]);
	}
	CHECK_INT("codec names", tw_pq_codec_parse("zstd"), TW_PQ_ZSTD);
	CHECK_INT("codec none", tw_pq_codec_parse("none"), TW_PQ_UNCOMPRESSED);
	CHECK_INT("codec unknown", tw_pq_codec_parse("lzo"), -1);
	CHECK_STR("codec name", tw_pq_codec_name(TW_PQ_GZIP), "gzip");
}

/* ---- records ------------------------------------------------------------------ */

static struct tw_json J;

static int
add(struct tw_pqrec *r, const char *s)
{
	static char buf[300000];
	size_t n = strlen(s);

	memcpy(buf, s, n + 1);
	if (tw_json_parse(&J, buf, n) != TW_JSON_OK)
		return -100;
	return tw_pqrec_add(r, &J, J.v);
}

static void
test_pqrec(void)
{
	struct tw_pq_opts po = { TW_PQ_ZSTD, 0, 0, 0, 0, NULL, 0 };
	struct tw_pqrec_opts ro;
	const char *omit[] = { "lang" };
	struct tw_pqrec *r;
	struct pfile f;
	struct tw_buf t = TW_BUF_INIT, big = TW_BUF_INIT;
	int fd, n, i;
	const struct tw_pq_field *sch;

	tw_json_init(&J);
	memset(&ro, 0, sizeof ro);
	ro.omit = omit;
	ro.nomit = 1;
	ro.max_value = 100000;
	fd = ropen("k.parquet");
	r = tw_pqrec_new(fd, &po, &ro);
	CHECK_INT("a tweet", add(r, "{\"record_type\":\"tweet\",\"id\":\"1741610183685509317\","
	    "\"created_at\":\"2024-01-01T00:00:00.123Z\",\"lang\":\"en\",\"text\":\"a\\u0000b\","
	    "\"verified\":true,\"lon\":1.5,\"hashtags\":[\"x\",\"y\"],"
	    "\"media\":[{\"media_key\":\"3_1\",\"type\":\"photo\",\"url\":\"u\",\"extra\":1}],"
	    "\"unknown\":5}"), TW_PQREC_OK);
	CHECK_STR("kind", tw_pqrec_kind(r), "tweet");
	CHECK_INT("NUL removed and counted", tw_pqrec_counts(r)->nul_removed, 1);
	CHECK_INT("unknown fields counted", tw_pqrec_counts(r)->skipped_fields, 2);
	CHECK_INT("a user: another kind", add(r, "{\"record_type\":\"user\",\"id\":\"1\"}"), TW_PQREC_OTHER);
	CHECK_INT("no record_type: another kind", add(r, "{\"id\":\"1\"}"), TW_PQREC_OTHER);
	CHECK_INT("id too big", add(r, "{\"record_type\":\"tweet\",\"id\":\"99999999999999999999\"}"), TW_PQREC_BAD);
	CHECK_STR("its reason", tw_pqrec_error(r), "field 'id': not an id that fits int64");
	CHECK_INT("count not an integer", add(r, "{\"record_type\":\"tweet\",\"like_count\":1.5}"), TW_PQREC_BAD);
	CHECK_INT("time not a time", add(r, "{\"record_type\":\"tweet\",\"created_at\":\"yesterday\"}"), TW_PQREC_BAD);
	CHECK_STR("its reason", tw_pqrec_error(r), "field 'created_at': not a time");
	CHECK_INT("flag not a boolean", add(r, "{\"record_type\":\"tweet\",\"verified\":1}"), TW_PQREC_BAD);
	CHECK_INT("hashtags not a list", add(r, "{\"record_type\":\"tweet\",\"hashtags\":\"x\"}"), TW_PQREC_BAD);
	CHECK_INT("text an object", add(r, "{\"record_type\":\"tweet\",\"text\":{}}"), TW_PQREC_BAD);
	CHECK_INT("lone surrogate", add(r, "{\"record_type\":\"tweet\",\"text\":\"\\ud800\"}"), TW_PQREC_BAD);
	CHECK_INT("invalid UTF-8", add(r, "{\"record_type\":\"tweet\",\"text\":\"\xff\"}"), TW_PQREC_BAD);
	CHECK_STR("its reason", tw_pqrec_error(r), "field 'text': invalid UTF-8");
	tw_buf_adds(&big, "{\"record_type\":\"tweet\",\"text\":\"");
	for (i = 0; i < 100001; i++)
		tw_buf_addc(&big, 'a');
	tw_buf_adds(&big, "\"}");
	CHECK_INT("over-long value", add(r, big.p), TW_PQREC_BAD);
	CHECK_STR("its reason", tw_pqrec_error(r), "field 'text': value longer than 100000 bytes");
	CHECK_INT("number in a string field: its text", add(r, "{\"record_type\":\"tweet\",\"id\":2,\"text\":12.50}"), TW_PQREC_OK);
	CHECK_INT("first of a repeated key wins", add(r, "{\"record_type\":\"tweet\",\"id\":3,\"id\":\"x\"}"), TW_PQREC_OK);
	CHECK_UINT("rows", tw_pqrec_counts(r)->rows, 3);
	CHECK("close", tw_pqrec_close(r) == 0);
	tw_pqrec_free(r);
	close(fd);
	sch = tw_pqrec_schema(0, &n);
	CHECK("tweet schema: omitted lang is not in the file", read_file(tpath("k.parquet"), &f) == 0 &&
	    f.ncol == n - 1 + 2 && f.rows == 3);
	tw_buf_reset(&t);
	column_text(&f, &f.ch[0][1], &t);
	CHECK_STR("ids exact", t.p, "1741610183685509317\n2\n3\n");
	free(f.p);
	tw_buf_reset(&t);
	tw_pqrec_hive_type(&t, &sch[TWF_T_media]);
	CHECK_STR("hive type of media", t.p, "array<struct<media_key:string,type:string,url:string>>");
	tw_buf_reset(&t);
	tw_pqrec_hive_type(&t, &sch[TWF_T_created_at]);
	tw_buf_addc(&t, ' ');
	tw_pqrec_hive_type(&t, &sch[TWF_T_hashtags]);
	tw_buf_addc(&t, ' ');
	tw_pqrec_hive_type(&t, &sch[TWF_T_id]);
	CHECK_STR("hive types", t.p, "timestamp array<string> bigint");

	/* Repair instead of rejecting. */
	ro.repair_utf8 = 1;
	fd = ropen("u.parquet");
	r = tw_pqrec_new(fd, &po, &ro);
	CHECK_INT("repair: invalid UTF-8 kept", add(r, "{\"record_type\":\"user\",\"name\":\"a\xff\"}"), TW_PQREC_OK);
	CHECK_INT("repair: lone surrogate kept", add(r, "{\"record_type\":\"user\",\"name\":\"\\udc00\"}"), TW_PQREC_OK);
	CHECK_INT("repairs counted", tw_pqrec_counts(r)->repaired, 2);
	tw_pqrec_close(r);
	tw_pqrec_free(r);
	close(fd);
	read_file(tpath("u.parquet"), &f);
	tw_buf_reset(&t);
	column_text(&f, &f.ch[0][3], &t);
	CHECK_STR("repaired with U+FFFD", t.p, "a\xEF\xBF\xBD\n\xEF\xBF\xBD\n");
	free(f.p);

	/* Inferred: widening reported once per column. */
	memset(&ro, 0, sizeof ro);
	ro.on_widen = on_widen;
	fd = ropen("i.parquet");
	po.row_group_bytes = 512;
	r = tw_pqrec_new(fd, &po, &ro);
	for (i = 0; i < 200; i++) {
		char rec[200];

		snprintf(rec, sizeof rec, "{\"window_start\":\"2024-01-01T00:00:00Z\",\"n\":%s,\"s\":%s,"
		    "\"avg_x\":3,\"z\":null,\"\\u0001bad\":1}",
		    i == 150 ? "1.5" : i > 150 ? "2" : "1", i == 100 ? "\"txt\"" : i == 120 ? "[1]" : "true");
		if (add(r, rec) != TW_PQREC_OK)
			break;
	}
	CHECK_INT("inferred records added", i, 200);
	CHECK_INT("widenings reported once each", nwiden, 2);
	CHECK_STR("what widened", widen_log, "s:boolean>string n:int64>double ");
	CHECK_INT("badly named fields counted", tw_pqrec_counts(r)->skipped_fields, 200);
	tw_pqrec_close(r);
	tw_pqrec_free(r);
	close(fd);
	CHECK("inferred file reads back", read_file(tpath("i.parquet"), &f) == 0 && f.nrg > 2);
	CHECK("window_start TIMESTAMP, n DOUBLE, s STRING, avg_x DOUBLE, z STRING",
	    f.sconv[1] == 9 && f.stype[2] == 5 && f.sconv[3] == 0 && f.stype[4] == 5 &&
	    f.sconv[5] == 0);
	tw_buf_reset(&t);
	column_text(&f, &f.ch[f.nrg - 1][2], &t);
	CHECK("s: booleans as text, array as JSON text", strstr(t.p, "true\n") != NULL);
	tw_buf_reset(&t);
	column_text(&f, &f.ch[0][2], &t);
	CHECK("first row group's s converted", strncmp(t.p, "true\ntrue\n", 10) == 0);
	free(f.p);
	tw_buf_free(&t);
	tw_buf_free(&big);
	tw_json_free(&J);
}

int
main(void)
{
	if (mkdtemp(tmpdir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	test_thrift_encode();
	test_thrift_read();
	test_rle();
	test_delta();
	test_schema_and_stats();
	test_dictionary();
	test_stable();
	test_retype();
	test_late_field();
	test_errors();
	test_pqrec();
	{
		char cmd[300];

		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			perror("rm");
	}
	return tap_done();
}
