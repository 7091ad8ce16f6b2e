/*
 * tw_parquet: a streaming Apache Parquet writer, written from the format
 * specification (apache/parquet-format: parquet.thrift, Encodings.md,
 * LogicalTypes.md, Compression.md).
 *
 * What it writes. One file to a file descriptor, in order and without
 * seeking:
 *
 *   "PAR1"
 *   row group 1: column chunk 1, column chunk 2, ...
 *       a column chunk: [dictionary page] data page, data page, ...
 *   row group 2 ...
 *   FileMetaData (Thrift compact), its length (4 bytes LE), "PAR1"
 *
 * Data pages are version 1 (DATA_PAGE: every reader has them): repetition
 * levels, then definition levels, each RLE/bit-packed hybrid with a 4-byte
 * length, then the values; the whole page body is compressed with the
 * file's codec. BYTE_ARRAY columns asked to try a dictionary hold
 * RLE_DICTIONARY indices into one dictionary page per column chunk, as
 * long as it pays. It does not pay when, after the chunk's first 4096
 * values or 64 KiB (or at the end of its first page, if sooner),
 * dictionary plus indices are not smaller than PLAIN would be (text, ids
 * as text): the chunk goes without from its first page on, and no more
 * hashing is spent on it. It stops paying when the dictionary grows past
 * dict_bytes: the pages already written keep it, the rest of the chunk
 * goes without (a chunk may mix encodings; readers follow each page's).
 * Every row group tries again.
 *
 * Values outside a dictionary are PLAIN (BOOLEAN, DOUBLE), or for INT64
 * PLAIN or DELTA_BINARY_PACKED, for BYTE_ARRAY PLAIN,
 * DELTA_LENGTH_BYTE_ARRAY or DELTA_BYTE_ARRAY: whichever makes the
 * smallest compressed page of the chunk's first 64 KiB of values (each
 * candidate encoded and compressed with the file's codec; PLAIN on a
 * tie) is the encoding of the chunk's other pages too. Ids and times in
 * order, counts that change little, strings sharing prefixes (URLs, ids
 * as text) shrink so; text gains from its lengths apart. opts.plain
 * keeps to PLAIN and dictionaries, for readers without the DELTA
 * encodings (Spark's vectorized reader before 3.3, for one).
 *
 * Every INT64 chunk also tries a dictionary on its first page (the page
 * buffer holds PLAIN values, mapped at the page's end): it is kept when
 * the page's indices and the dictionary, each compressed, plus 32 bytes
 * for the dictionary page's header, are smaller than the page in the
 * encoding chosen above (its sample's size scaled to the page). Counts
 * and user ids that repeat across a file pay so. It ends, as for
 * strings, when it would grow past dict_bytes.
 *
 * Every column chunk has statistics: null_count, and min_value/max_value
 * (BOOLEAN false < true, INT64 signed, DOUBLE numeric with -0 as min and
 * +0 as max, BYTE_ARRAY unsigned bytes); FileMetaData lists
 * TypeDefinedOrder for every column, so engines trust them and skip row
 * groups (DuckDB, Spark, Trino). INT64, DOUBLE and BOOLEAN also get the
 * old min/max fields (their signed order is the same). Strings longer than
 * TW_PQ_STAT_MAX bytes are bounded by a shorter prefix (min) and a prefix
 * with its last character incremented (max), both valid UTF-8, flagged
 * not exact. No page index, no bloom filter, no encryption.
 *
 * Schema. Top-level fields, each one of:
 *   SCALAR        <optional|required> <type> name (<logical>)
 *   LIST          optional group name (LIST) {
 *                   repeated group list { optional <type> element (<logical>) } }
 *   LIST_STRUCT   optional group name (LIST) {
 *                   repeated group list { optional group element {
 *                     optional <type> member1 (<logical>); ... } } }
 * with types BOOLEAN, INT64, DOUBLE, BYTE_ARRAY and logical types STRING,
 * JSON, TIMESTAMP(MILLIS, isAdjustedToUTC=true) and INT(64, signed) (with
 * their old ConvertedType twins for older readers). That is the standard
 * three-level LIST of LogicalTypes.md, which DuckDB, Spark, Hive, Trino
 * and Arrow read as list<...> / array<...>. Fields may be added at any
 * time: the row groups already written get a column chunk of nulls for
 * it. A field's type may be widened (tw_pq_retype: INT64 to DOUBLE,
 * anything to BYTE_ARRAY STRING): the row group in memory is re-encoded,
 * and the chunks of row groups already written are read back (pread),
 * re-encoded and appended; the footer points at the new ones (the old
 * bytes stay, unreferenced).
 *
 * Rows. Values are given field by field (any order; a field given twice
 * keeps the first value; a field not given is null) and the row ends
 * with tw_pq_row_end. Values are encoded straight into the column's page
 * buffer: no per-value allocation. Lists are given element by element
 * between tw_pq_list_begin and tw_pq_list_end; the writer computes
 * repetition and definition levels (Dremel). tw_pq_row_cancel drops a
 * half-given row (a bad value found halfway through a record).
 *
 * Memory. A row group is written when what the writer holds for it
 * (compressed pages, the pages being filled, dictionaries and their hash
 * tables) reaches row_group_bytes, so memory stays about row_group_bytes
 * plus one row, plus the codec's state and one compression buffer of a
 * page. zstd compresses byte-array pages over 1 MiB with hash and
 * chain tables of at least 2^20 entries (levels 1 to 5 have 2^16 to
 * 2^19; text finds more matches in them, 1-2% smaller text for 20-30%
 * more time on those pages; smaller pages do not repay setting up 8 MiB
 * of tables), so its state is about 9 MiB once such a page was
 * compressed. At levels 2 and 3 (the default) chunks whose sample
 * compresses at level 1 to within 1/64 of the file's level go at level
 * 1, in a second context of about 1 MiB. Pages are cut at page_bytes
 * (4 MiB by default: more context for the codec; whole rows only, so a
 * page never splits a list). The footer's metadata grows with
 * the number of row groups times columns (a few hundred bytes each).
 *
 * Byte-stable: the same rows, schema and options give the same bytes
 * (no time, host or random value is written; created_by is fixed).
 *
 * Errors. Write errors are returned (-1, with errno and tw_pq_error's
 * message) and are sticky: after one, every call that writes returns -1
 * and tw_pq_close writes nothing more. The writer never exits; out of
 * memory ends the program through tw_oom (the tw_x* allocators; the
 * zlib and zstd states use them too; snappy allocates through C++ new,
 * which aborts when memory runs out).
 *
 * Ownership. The writer borrows the file descriptor (never closes it) and
 * copies every name and value it is given.
 */
#ifndef TW_PARQUET_H
#define TW_PARQUET_H

#include <stddef.h>
#include <stdint.h>

/* Physical types (the values are parquet.thrift's Type). */
enum tw_pq_type {
	TW_PQ_BOOLEAN = 0,
	TW_PQ_INT64 = 2,
	TW_PQ_DOUBLE = 5,
	TW_PQ_BYTE_ARRAY = 6
};

/* Logical types (annotations). */
enum tw_pq_logical {
	TW_PQ_L_NONE,
	TW_PQ_L_STRING,		/* BYTE_ARRAY, UTF-8 */
	TW_PQ_L_JSON,		/* BYTE_ARRAY, JSON text */
	TW_PQ_L_TIMESTAMP_MS,	/* INT64, ms since the epoch, UTC */
	TW_PQ_L_INT64		/* INT64, INT(64, signed) */
};

enum tw_pq_shape {
	TW_PQ_SCALAR,
	TW_PQ_LIST,		/* list of scalars */
	TW_PQ_LIST_STRUCT	/* list of structs of scalars */
};

/* Codecs (the values are parquet.thrift's CompressionCodec). */
enum tw_pq_codec {
	TW_PQ_UNCOMPRESSED = 0,
	TW_PQ_SNAPPY = 1,
	TW_PQ_GZIP = 2,
	TW_PQ_ZSTD = 6
};

/* A member of a LIST_STRUCT field's element: always optional. */
struct tw_pq_member {
	const char *name;
	enum tw_pq_type type;
	enum tw_pq_logical logical;
	int dict;		/* BYTE_ARRAY: try a dictionary */
};

struct tw_pq_field {
	const char *name;
	enum tw_pq_shape shape;
	enum tw_pq_type type;	/* the scalar, or the LIST's element */
	enum tw_pq_logical logical;
	int required;		/* SCALAR only: no nulls, no definition levels */
	int dict;		/* BYTE_ARRAY: try a dictionary */
	const struct tw_pq_member *members;	/* LIST_STRUCT */
	int nmembers;
};

struct tw_pq_opts {
	enum tw_pq_codec codec;
	int level;		/* zstd or gzip level; 0: zstd 3, gzip 6 */
	size_t row_group_bytes;	/* 0: TW_PQ_ROW_GROUP */
	size_t page_bytes;	/* 0: TW_PQ_PAGE */
	size_t dict_bytes;	/* largest dictionary of a chunk; 0: TW_PQ_DICT */
	const char *created_by;	/* NULL: "twpipe version " TW_VERSION */
	int plain;		/* values PLAIN or RLE_DICTIONARY only (no
				 * DELTA encodings: for older readers) */
};

#define TW_PQ_ROW_GROUP ((size_t)64 << 20)
#define TW_PQ_PAGE ((size_t)4 << 20)
#define TW_PQ_DICT ((size_t)1 << 20)
#define TW_PQ_STAT_MAX 64	/* longest string kept whole in statistics */
#define TW_PQ_MAX_FIELDS 4096
#define TW_PQ_MAX_MEMBERS 64

struct tw_pq;

/*
 * A writer on fd (borrowed, never closed) with options o (copied; NULL:
 * the defaults). Nothing is written until the first row group or close.
 */
struct tw_pq *tw_pq_new(int fd, const struct tw_pq_opts *o);

/*
 * Adds a field at the end of the schema; returns its index (0, 1, ...),
 * or -1: a write error (the null chunks for row groups already written),
 * or EINVAL (a required field after the first row, a LIST_STRUCT without
 * members or with more than TW_PQ_MAX_MEMBERS, more than
 * TW_PQ_MAX_FIELDS fields, called inside a row). f and its strings are
 * copied.
 */
int tw_pq_add_field(struct tw_pq *w, const struct tw_pq_field *f);

/* The number of fields, and field i as added (strings owned by w). */
int tw_pq_nfields(const struct tw_pq *w);
const struct tw_pq_field *tw_pq_field(const struct tw_pq *w, int i);

/*
 * Changes optional SCALAR field i to type t (logical l): from INT64 to
 * DOUBLE, or from any type to BYTE_ARRAY with STRING (booleans become
 * "true"/"false", integers decimal, doubles the shortest text that reads
 * back the same, timestamps ISO 8601 "YYYY-MM-DDTHH:MM:SS.mmmZ"). Not
 * inside a row. Row groups already written are read back from fd, which
 * must then be a regular file open for reading too (O_RDWR). Returns 0,
 * or -1 with errno: EINVAL (not such a change), ESPIPE or EBADF (fd cannot
 * be read back; nothing changed), or a write error (sticky).
 */
int tw_pq_retype(struct tw_pq *w, int i, enum tw_pq_type t,
    enum tw_pq_logical l);

/*
 * Values of field i in the row being built. For a SCALAR field, its value;
 * between tw_pq_list_begin and tw_pq_list_end of a LIST field, one
 * element. The value must be of the field's type (a programming error
 * otherwise: the call is ignored). Byte arrays are copied.
 */
void tw_pq_null(struct tw_pq *w, int i);
void tw_pq_bool(struct tw_pq *w, int i, int v);
void tw_pq_i64(struct tw_pq *w, int i, int64_t v);
void tw_pq_double(struct tw_pq *w, int i, double v);
void tw_pq_bytes(struct tw_pq *w, int i, const void *p, size_t n);

/*
 * A list value of LIST or LIST_STRUCT field i: begin, then its elements
 * (for LIST_STRUCT, each between tw_pq_struct_begin and tw_pq_struct_end,
 * or a null element: tw_pq_null), then end. Begin and end with nothing
 * between is an empty list; tw_pq_null outside begin/end a null list.
 */
void tw_pq_list_begin(struct tw_pq *w, int i);
void tw_pq_list_end(struct tw_pq *w, int i);
void tw_pq_struct_begin(struct tw_pq *w, int i);
void tw_pq_struct_end(struct tw_pq *w, int i);

/* Member m of the element being built (members not given are null). */
void tw_pq_member_bool(struct tw_pq *w, int i, int m, int v);
void tw_pq_member_i64(struct tw_pq *w, int i, int m, int64_t v);
void tw_pq_member_double(struct tw_pq *w, int i, int m, double v);
void tw_pq_member_bytes(struct tw_pq *w, int i, int m, const void *p,
    size_t n);

/*
 * Ends the row: fields not given are null (a required field not given
 * makes the row invalid: it is dropped and -1 returned with errno
 * EINVAL); then pages and the row group are written when full. Returns 0,
 * or -1 after a write error (errno, tw_pq_error).
 */
int tw_pq_row_end(struct tw_pq *w);

/* Drops the values given since the last tw_pq_row_end. */
void tw_pq_row_cancel(struct tw_pq *w);

/* Adds a key/value pair to the footer's key_value_metadata (copied). */
void tw_pq_kv(struct tw_pq *w, const char *key, const char *value);

/*
 * Writes the last row group and the footer. Returns 0, or -1 after a
 * write error now or before. The descriptor stays open (fsync and close
 * are the caller's). Call tw_pq_free after it.
 */
int tw_pq_close(struct tw_pq *w);

/* Releases everything (without writing anything); NULL is allowed. */
void tw_pq_free(struct tw_pq *w);

/* Rows ended so far, and rows in the row group being built. */
uint64_t tw_pq_rows(const struct tw_pq *w);
/* Bytes written to fd so far, and bytes held for the next row group. */
uint64_t tw_pq_written(const struct tw_pq *w);
uint64_t tw_pq_buffered(const struct tw_pq *w);
/* Row groups written so far. */
int tw_pq_row_groups(const struct tw_pq *w);

/* The last error's message ("write: No space left on device"), or "". */
const char *tw_pq_error(const struct tw_pq *w);

/* The name of a codec ("snappy"), and the codec of a name, or -1. */
const char *tw_pq_codec_name(enum tw_pq_codec c);
int tw_pq_codec_parse(const char *s);

/*
 * RLE/bit-packed hybrid encoding (Encodings.md) of v[0..n), each below
 * 2^width (width 0 to 32), appended to out without a length prefix. Runs
 * of 8 or more equal values become RLE runs, the rest bit-packed groups
 * of 8 (the last padded with zeros). Exposed for the tests.
 */
struct tw_buf;
void tw_pq_rle_encode(struct tw_buf *out, const uint32_t *v, size_t n,
    int width);

/*
 * Decodes n values of width bits from s[0..len) into v; returns the
 * bytes used, or -1 when the input is malformed or ends early.
 */
long tw_pq_rle_decode(const void *s, size_t len, int width, uint32_t *v,
    size_t n);

/*
 * DELTA_BINARY_PACKED (Encodings.md) of v[0..n), appended to out: blocks
 * of 128 values in 4 miniblocks of 32, deltas wrapping around (any int64
 * sequence encodes). Exposed for the tests.
 */
void tw_pq_delta_encode(struct tw_buf *out, const int64_t *v, size_t n);

/*
 * Decodes DELTA_BINARY_PACKED from s[0..len) into v, which must hold the
 * n values its header counts; returns the bytes used (the end of the last
 * miniblock with values: DELTA_LENGTH_BYTE_ARRAY's bytes follow), or -1
 * when the input is malformed, ends early or counts other than n values.
 */
long tw_pq_delta_decode(const void *s, size_t len, int64_t *v, size_t n);

#endif
