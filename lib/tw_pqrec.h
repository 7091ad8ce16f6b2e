/*
 * tw_pqrec: twpipe records (JSON objects) as the rows of one Parquet file
 * (lib/tw_parquet), with the column types of lib/tw_schema.
 *
 * One file holds one kind of record, set by the first record added: its
 * record_type, or none. A later record of another kind is not added
 * (TW_PQREC_OTHER: the caller writes it elsewhere, or counts it).
 *
 * Known record types (tweet, user, place, media, hashtag) have a fixed
 * schema, every field of tw_schema.h in its order, all nullable:
 *   TW_F_ID    INT64 (the decimal string parsed exactly; never a double)
 *   TW_F_INT   INT64
 *   TW_F_NUM   DOUBLE
 *   TW_F_BOOL  BOOLEAN
 *   TW_F_TIME  INT64 TIMESTAMP(MILLIS, UTC) (ISO 8601, the v1.1 form or
 *              epoch ms, as lib/tw_time parses them; finer digits cut)
 *   TW_F_STR   BYTE_ARRAY STRING (a dictionary is tried: lang, source,
 *              country_code pay; text falls back to PLAIN)
 *   TW_F_JSON  hashtags, mentions, urls, matching_rules: LIST of STRING;
 *              mention_ids, edit_history_tweet_ids, poll_ids: LIST of
 *              INT64 (each id parsed exactly, as TW_F_ID);
 *              bbox: LIST of DOUBLE; media: LIST of STRUCT(media_key,
 *              type, url: STRING); any other: BYTE_ARRAY JSON text
 * A value of the wrong type for its field is a bad record (TW_PQREC_BAD,
 * with the reason); a string field also takes a number or boolean as its
 * JSON text. Fields the schema does not know are ignored and counted
 * (skipped_fields), as are unknown members of a media object.
 *
 * Why media is a LIST of STRUCT and not JSON text: its shape is fixed by
 * tw-flatten (twpipe(7)), so the struct costs nothing in flexibility and
 * gives typed, columnar members: DuckDB reads STRUCT(media_key VARCHAR,
 * type VARCHAR, url VARCHAR)[] (unnest(media), media[1].type), Spark and
 * Hive array<struct<...>> (explode, LATERAL VIEW, media.type), each
 * member its own column chunk with statistics and a dictionary (type is
 * photo/video/animated_gif). As JSON text every engine would parse the
 * JSON again for each query (json_extract, get_json_object, from_json),
 * which is the cost Parquet is there to remove; Hive would see a STRING.
 *
 * Other records (tw-agg windows, --jq output) get an inferred schema:
 * columns in the order their fields first appear, typed by their first
 * non-null value: true/false BOOLEAN, an integer INT64 (DOUBLE for
 * tw-agg's avg_ and pNN_ fields), another number DOUBLE, a string STRING
 * (window_start, window_end and any string in the exact form
 * YYYY-MM-DDTHH:MM:SS.mmmZ: TIMESTAMP, and for window_start/window_end
 * also epoch ms numbers), an array or object JSON text. A field seen only
 * as null is a STRING column of nulls. A later value that does not fit
 * widens its column, in the whole file: integer to double, anything to
 * string (JSON columns take any value as JSON text); each widening is
 * reported once through on_widen. When row groups are already written,
 * widening reads them back (tw_pq_retype): the file descriptor must be a
 * regular file open for reading too; if it is not, the record is bad and
 * says so. At most TW_PQREC_MAX_COLUMNS columns; fields beyond, or named
 * with control characters, are ignored and counted.
 *
 * Strings (policy of twpipe(7) and tw-load(1), SAFETY): escapes decoded;
 * NUL bytes (\u0000) removed and counted; invalid UTF-8 and lone
 * surrogates make the record bad, or, with repair_utf8, are replaced by
 * U+FFFD and counted; a value longer than max_value bytes makes the
 * record bad. JSON text is compact canonical JSON (tw_json's form) with
 * the same string policy.
 *
 * Partition columns (omit) are left out of the schema and their values
 * ignored: the directory names carry them.
 *
 * Ownership: the JSON passed to tw_pqrec_add is borrowed for the call;
 * everything kept is copied. The file descriptor is borrowed.
 */
#ifndef TW_PQREC_H
#define TW_PQREC_H

#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"
#include "tw_json.h"
#include "tw_parquet.h"

#define TW_PQREC_MAX_VALUE ((size_t)16 << 20)
#define TW_PQREC_MAX_COLUMNS 1000

enum tw_pqrec_status {
	TW_PQREC_OK = 0,
	TW_PQREC_BAD = 1,	/* not added; tw_pqrec_error says why */
	TW_PQREC_OTHER = 2,	/* another kind of record; not added */
	TW_PQREC_IOERR = -1	/* a write error: errno, tw_pqrec_error */
};

struct tw_pqrec_opts {
	const char *const *omit;	/* field names left out (partitions) */
	int nomit;
	int repair_utf8;	/* U+FFFD for invalid UTF-8 instead of bad */
	size_t max_value;	/* longest string or JSON value; 0: the default */
	/* Called once per widening: field, old and new type ("int64",
	 * "double", "boolean", "timestamp", "string"). */
	void (*on_widen)(void *arg, const char *field, const char *from,
	    const char *to);
	void *arg;
};

struct tw_pqrec_counts {
	uint64_t rows;		/* records added */
	uint64_t nul_removed;	/* NUL bytes removed from strings */
	uint64_t repaired;	/* U+FFFD replacements (repair_utf8) */
	uint64_t skipped_fields;	/* fields no column takes */
	uint64_t widened;	/* columns widened */
};

struct tw_pqrec;

/*
 * A writer of one Parquet file on fd (borrowed) with the writer options
 * po and the mapping options ro (both copied, strings too; NULL: the
 * defaults). Nothing is written before the first row group or close.
 */
struct tw_pqrec *tw_pqrec_new(int fd, const struct tw_pq_opts *po,
    const struct tw_pqrec_opts *ro);

/*
 * Adds record obj (an object node of j) as one row. Returns TW_PQREC_OK,
 * TW_PQREC_BAD or TW_PQREC_OTHER (nothing added), or TW_PQREC_IOERR
 * (sticky: the file is broken; nothing more will be written).
 */
int tw_pqrec_add(struct tw_pqrec *r, const struct tw_json *j,
    const struct tw_jval *obj);

/* Why the last add failed ("field 'id': not an id that fits int64"). */
const char *tw_pqrec_error(const struct tw_pqrec *r);

/* The counters so far. */
const struct tw_pqrec_counts *tw_pqrec_counts(const struct tw_pqrec *r);

/* The kind of the file's records ("tweet", an inferred record_type, or
 * "" when they have none or no record was added yet). */
const char *tw_pqrec_kind(const struct tw_pqrec *r);

/* The Parquet writer underneath (for its sizes and row counts). */
struct tw_pq *tw_pqrec_writer(struct tw_pqrec *r);

/* Writes the rest and the footer; 0, or -1 after a write error (errno,
 * tw_pqrec_error). The descriptor stays open. */
int tw_pqrec_close(struct tw_pqrec *r);

/* Releases everything; NULL is allowed. */
void tw_pqrec_free(struct tw_pqrec *r);

/*
 * The Parquet fields of known record type t (TW_R_*, lib/tw_schema.h), in
 * schema order, and their number in *n. Static storage, built by the
 * first call (not thread safe) and valid for the rest of the program.
 */
const struct tw_pq_field *tw_pqrec_schema(int t, int *n);

/* Appends the Hive type of field f ("bigint", "timestamp",
 * "array<string>", "array<struct<media_key:string,...>>"). */
void tw_pqrec_hive_type(struct tw_buf *b, const struct tw_pq_field *f);

#endif
