/*
 * tw_thrift: the Thrift compact protocol, the encoding of Parquet's page
 * headers and file footer (apache/thrift doc/specs/thrift-compact-protocol.md).
 *
 * Writing: struct tw_thrift appends to a caller's tw_buf (borrowed; it
 * must outlive the writer). Structs nest: tw_thrift_begin opens the
 * outermost one, *_struct_begin a field or list element that is a
 * struct, tw_thrift_end closes the innermost (its stop byte). Fields
 * must be written in increasing id order within a struct; the writer
 * keeps the last id of every open struct for the one-byte field headers
 * (id delta 1 to 15). A union is a struct with one field. Nesting is
 * limited to TW_THRIFT_DEPTH (Parquet needs 5); deeper is a programming
 * error and aborts.
 *
 * Reading: struct tw_thrift_rd walks an encoded buffer (borrowed) field
 * by field and skips what the caller does not want. It never reads past
 * its end and never recurses deeper than TW_THRIFT_DEPTH: any malformed
 * input sets err and makes every later call return 0 or a stop.
 */
#ifndef TW_THRIFT_H
#define TW_THRIFT_H

#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"

/* Field and element types of the compact protocol. */
enum tw_thrift_type {
	TW_TT_STOP = 0,
	TW_TT_TRUE = 1,		/* a bool field's header holds its value */
	TW_TT_FALSE = 2,	/* (as an element type: BOOL) */
	TW_TT_I8 = 3,
	TW_TT_I16 = 4,
	TW_TT_I32 = 5,
	TW_TT_I64 = 6,
	TW_TT_DOUBLE = 7,
	TW_TT_BINARY = 8,
	TW_TT_LIST = 9,
	TW_TT_SET = 10,
	TW_TT_MAP = 11,
	TW_TT_STRUCT = 12
};

#define TW_THRIFT_DEPTH 16

struct tw_thrift {
	struct tw_buf *b;
	int16_t last[TW_THRIFT_DEPTH];
	int depth;
};

/* Appends v as an unsigned LEB128 varint. */
void tw_thrift_varint(struct tw_buf *b, uint64_t v);

/* The zigzag form of v (0, -1, 1, -2 ... -> 0, 1, 2, 3 ...). */
static inline uint64_t
tw_thrift_zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

/* Starts writing into b and opens the outermost struct. */
void tw_thrift_begin(struct tw_thrift *t, struct tw_buf *b);

/* Closes the innermost open struct (writes its stop byte). */
void tw_thrift_end(struct tw_thrift *t);

/* Fields of the innermost open struct, by id (1 to 32767, increasing). */
void tw_thrift_bool(struct tw_thrift *t, int id, int v);
void tw_thrift_i8(struct tw_thrift *t, int id, int8_t v);
void tw_thrift_i16(struct tw_thrift *t, int id, int16_t v);
void tw_thrift_i32(struct tw_thrift *t, int id, int32_t v);
void tw_thrift_i64(struct tw_thrift *t, int id, int64_t v);
void tw_thrift_binary(struct tw_thrift *t, int id, const void *p, size_t n);
void tw_thrift_string(struct tw_thrift *t, int id, const char *s);

/* A struct field: opens it; close with tw_thrift_end. */
void tw_thrift_struct_begin(struct tw_thrift *t, int id);

/* An empty struct field (the Parquet logical type markers). */
void tw_thrift_empty(struct tw_thrift *t, int id);

/* A list field of n elements of type et; the elements follow. */
void tw_thrift_list_begin(struct tw_thrift *t, int id, enum tw_thrift_type et,
    uint32_t n);

/* List elements. */
void tw_thrift_elem_i32(struct tw_thrift *t, int32_t v);
void tw_thrift_elem_i64(struct tw_thrift *t, int64_t v);
void tw_thrift_elem_binary(struct tw_thrift *t, const void *p, size_t n);
/* A struct element: opens it; close with tw_thrift_end. */
void tw_thrift_elem_struct_begin(struct tw_thrift *t);

struct tw_thrift_rd {
	const uint8_t *p, *end;
	int err;
	int16_t last[TW_THRIFT_DEPTH];
	int depth;
	int bool_val;		/* the value of the last bool field read */
	int nest;		/* lists being skipped */
};

/* Starts reading s[0..n) at an outermost struct. */
void tw_thrift_rd_init(struct tw_thrift_rd *r, const void *s, size_t n);

/*
 * The next field of the innermost struct: returns its type and sets *id,
 * or TW_TT_STOP at the struct's end (the struct is then closed, and the
 * fields of the enclosing one follow). A bool field's value is in
 * r->bool_val (its type is returned as TW_TT_TRUE). After an error, STOP.
 */
int tw_thrift_rd_field(struct tw_thrift_rd *r, int *id);

/* Values (of a field just read, or of a list element). */
uint64_t tw_thrift_rd_varint(struct tw_thrift_rd *r);
int64_t tw_thrift_rd_int(struct tw_thrift_rd *r);	/* i16, i32, i64 */
int8_t tw_thrift_rd_i8(struct tw_thrift_rd *r);
/* Binary: sets *p to the bytes (inside the buffer) and returns the length. */
size_t tw_thrift_rd_binary(struct tw_thrift_rd *r, const uint8_t **p);
/* A list header: returns the element count and sets *et. */
uint32_t tw_thrift_rd_list(struct tw_thrift_rd *r, int *et);
/* Enters a struct value (a field of type STRUCT, or a struct element). */
void tw_thrift_rd_enter(struct tw_thrift_rd *r);
/* Skips a value of type type (a field's, or an element's). */
void tw_thrift_rd_skip(struct tw_thrift_rd *r, int type);

#endif
