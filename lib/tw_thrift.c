#include <stdlib.h>
#include <string.h>

#include "tw_thrift.h"

void
tw_thrift_varint(struct tw_buf *b, uint64_t v)
{
	char tmp[10];
	int n = 0;

	while (v >= 0x80) {
		tmp[n++] = (char)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (char)v;
	tw_buf_add(b, tmp, (size_t)n);
}

static void
push(struct tw_thrift *t)
{
	if (t->depth >= TW_THRIFT_DEPTH)
		abort();	/* a programming error: Parquet nests 5 deep */
	t->last[t->depth++] = 0;
}

void
tw_thrift_begin(struct tw_thrift *t, struct tw_buf *b)
{
	t->b = b;
	t->depth = 0;
	push(t);
}

void
tw_thrift_end(struct tw_thrift *t)
{
	tw_buf_addc(t->b, 0);
	if (t->depth > 0)
		t->depth--;
}

/* The header of field id of type type in the innermost struct. */
static void
field(struct tw_thrift *t, int id, int type)
{
	int16_t *last = &t->last[t->depth - 1];
	int d = id - *last;

	if (d > 0 && d <= 15) {
		tw_buf_addc(t->b, (char)(d << 4 | type));
	} else {
		tw_buf_addc(t->b, (char)type);
		tw_thrift_varint(t->b, tw_thrift_zigzag(id));
	}
	*last = (int16_t)id;
}

void
tw_thrift_bool(struct tw_thrift *t, int id, int v)
{
	field(t, id, v ? TW_TT_TRUE : TW_TT_FALSE);
}

void
tw_thrift_i8(struct tw_thrift *t, int id, int8_t v)
{
	field(t, id, TW_TT_I8);
	tw_buf_addc(t->b, (char)v);
}

void
tw_thrift_i16(struct tw_thrift *t, int id, int16_t v)
{
	field(t, id, TW_TT_I16);
	tw_thrift_varint(t->b, tw_thrift_zigzag(v));
}

void
tw_thrift_i32(struct tw_thrift *t, int id, int32_t v)
{
	field(t, id, TW_TT_I32);
	tw_thrift_varint(t->b, tw_thrift_zigzag(v));
}

void
tw_thrift_i64(struct tw_thrift *t, int id, int64_t v)
{
	field(t, id, TW_TT_I64);
	tw_thrift_varint(t->b, tw_thrift_zigzag(v));
}

void
tw_thrift_binary(struct tw_thrift *t, int id, const void *p, size_t n)
{
	field(t, id, TW_TT_BINARY);
	tw_thrift_elem_binary(t, p, n);
}

void
tw_thrift_string(struct tw_thrift *t, int id, const char *s)
{
	tw_thrift_binary(t, id, s, strlen(s));
}

void
tw_thrift_struct_begin(struct tw_thrift *t, int id)
{
	field(t, id, TW_TT_STRUCT);
	push(t);
}

void
tw_thrift_empty(struct tw_thrift *t, int id)
{
	field(t, id, TW_TT_STRUCT);
	tw_buf_addc(t->b, 0);
}

void
tw_thrift_list_begin(struct tw_thrift *t, int id, enum tw_thrift_type et,
    uint32_t n)
{
	field(t, id, TW_TT_LIST);
	if (n < 15) {
		tw_buf_addc(t->b, (char)(n << 4 | et));
	} else {
		tw_buf_addc(t->b, (char)(0xF0 | et));
		tw_thrift_varint(t->b, n);
	}
}

void
tw_thrift_elem_i32(struct tw_thrift *t, int32_t v)
{
	tw_thrift_varint(t->b, tw_thrift_zigzag(v));
}

void
tw_thrift_elem_i64(struct tw_thrift *t, int64_t v)
{
	tw_thrift_varint(t->b, tw_thrift_zigzag(v));
}

void
tw_thrift_elem_binary(struct tw_thrift *t, const void *p, size_t n)
{
	tw_thrift_varint(t->b, n);
	tw_buf_add(t->b, p, n);
}

void
tw_thrift_elem_struct_begin(struct tw_thrift *t)
{
	push(t);
}

/* ---- reading --------------------------------------------------------- */

void
tw_thrift_rd_init(struct tw_thrift_rd *r, const void *s, size_t n)
{
	r->p = s;
	r->end = r->p + n;
	r->err = 0;
	r->depth = 1;
	r->last[0] = 0;
	r->bool_val = 0;
	r->nest = 0;
}

static int
rd_byte(struct tw_thrift_rd *r)
{
	if (r->err || r->p >= r->end) {
		r->err = 1;
		return 0;
	}
	return *r->p++;
}

uint64_t
tw_thrift_rd_varint(struct tw_thrift_rd *r)
{
	uint64_t v = 0;
	int shift = 0, c;

	do {
		c = rd_byte(r);
		if (r->err)
			return 0;
		if (shift > 63 || (shift == 63 && (c & 0x7e))) {
			r->err = 1;	/* more than 64 bits */
			return 0;
		}
		v |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	} while (c & 0x80);
	return v;
}

int64_t
tw_thrift_rd_int(struct tw_thrift_rd *r)
{
	uint64_t z = tw_thrift_rd_varint(r);

	return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

int8_t
tw_thrift_rd_i8(struct tw_thrift_rd *r)
{
	return (int8_t)rd_byte(r);
}

size_t
tw_thrift_rd_binary(struct tw_thrift_rd *r, const uint8_t **p)
{
	uint64_t n = tw_thrift_rd_varint(r);

	if (r->err || n > (uint64_t)(r->end - r->p)) {
		r->err = 1;
		*p = r->end;
		return 0;
	}
	*p = r->p;
	r->p += n;
	return (size_t)n;
}

uint32_t
tw_thrift_rd_list(struct tw_thrift_rd *r, int *et)
{
	int h = rd_byte(r);
	uint64_t n;

	*et = h & 0x0f;
	n = (unsigned)h >> 4;
	if (n == 15)
		n = tw_thrift_rd_varint(r);
	/* Every element takes at least one byte. */
	if (r->err || n > (uint64_t)(r->end - r->p)) {
		r->err = 1;
		return 0;
	}
	return (uint32_t)n;
}

void
tw_thrift_rd_enter(struct tw_thrift_rd *r)
{
	if (r->depth >= TW_THRIFT_DEPTH) {
		r->err = 1;
		return;
	}
	r->last[r->depth++] = 0;
}

int
tw_thrift_rd_field(struct tw_thrift_rd *r, int *id)
{
	int h, type, d;

	*id = 0;
	if (r->err || r->depth == 0)
		return TW_TT_STOP;
	h = rd_byte(r);
	if (r->err)
		return TW_TT_STOP;
	if (h == 0) {
		r->depth--;
		return TW_TT_STOP;
	}
	type = h & 0x0f;
	d = h >> 4;
	if (d)
		*id = r->last[r->depth - 1] + d;
	else
		*id = (int)tw_thrift_rd_int(r);
	if (type > TW_TT_STRUCT || *id < -32768 || *id > 32767) {
		r->err = 1;
		return TW_TT_STOP;
	}
	r->last[r->depth - 1] = (int16_t)*id;
	if (type == TW_TT_TRUE || type == TW_TT_FALSE) {
		r->bool_val = type == TW_TT_TRUE;
		return TW_TT_TRUE;
	}
	return type;
}

void
tw_thrift_rd_skip(struct tw_thrift_rd *r, int type)
{
	const uint8_t *p;
	uint32_t n, i;
	int et, id, t;

	if (r->err)
		return;
	switch (type) {
	case TW_TT_TRUE:
	case TW_TT_FALSE:
		/* A bool field has no value; a bool element is one byte. */
		break;
	case TW_TT_I8:
		rd_byte(r);
		break;
	case TW_TT_I16:
	case TW_TT_I32:
	case TW_TT_I64:
		tw_thrift_rd_varint(r);
		break;
	case TW_TT_DOUBLE:
		if (r->end - r->p < 8)
			r->err = 1;
		else
			r->p += 8;
		break;
	case TW_TT_BINARY:
		tw_thrift_rd_binary(r, &p);
		break;
	case TW_TT_LIST:
	case TW_TT_SET:
		n = tw_thrift_rd_list(r, &et);
		if (++r->nest > TW_THRIFT_DEPTH)
			r->err = 1;	/* lists of lists: bounded like structs */
		for (i = 0; i < n && !r->err; i++) {
			if (et == TW_TT_TRUE || et == TW_TT_FALSE)
				rd_byte(r);
			else
				tw_thrift_rd_skip(r, et);
		}
		r->nest--;
		break;
	case TW_TT_STRUCT:
		tw_thrift_rd_enter(r);
		while (!r->err && (t = tw_thrift_rd_field(r, &id)) != TW_TT_STOP)
			tw_thrift_rd_skip(r, t);
		break;
	default:
		/* Maps are not in Parquet. */
		r->err = 1;
	}
}
