/*
 * tw-load internals: what main.c, sql.c, types.c, part.c and hive.c
 * share.
 *
 * Data flow (SQL, CSV and bulk modes): main.c reads documents and hands
 * each record to sql_record, which finds (or makes) its table, converts
 * the values for the table's column types (types.c: the schema's type of
 * a field by name) and appends one row to the table's pending rows. Pending rows leave as one multi-row statement
 * per table when the transaction is committed (every --batch rows, at
 * least once a second, when the input pauses, at end of input).
 *
 * Partition mode: main.c hands each record to part_record, which picks
 * the directory from the pattern and appends the record to that
 * directory's open part file (NDJSON or CSV through gzip, zstd or no
 * compressor; or Parquet), publishing parts by rename.
 *
 * Ownership: records (struct tw_json, the raw text) are borrowed for the
 * duration of one call. Everything a table keeps is copied.
 */
#ifndef TW_LOAD_H
#define TW_LOAD_H

#include <stdint.h>

#include "tw_buf.h"
#include "tw_json.h"
#include "tw_schema.h"
#include "tw_writer.h"

enum dialect { D_SQLITE, D_MYSQL, D_POSTGRES, D_HIVE };

enum outmode {
	M_SQL,		/* INSERT statements in transactions */
	M_CSV,		/* plain CSV, one table */
	M_BULK,		/* the database's bulk loader, one table */
	M_PART		/* partitioned part files, or one Parquet file */
};

/* Column types: the schema's, plus what inference finds. */
enum ctype { C_NONE, C_BOOL, C_INT, C_ID, C_NUM, C_TIME, C_STR, C_JSON };

struct column {
	char *name;	/* in SQL */
	char *src;	/* in the records (name, unless name had to change) */
	size_t srclen;
	enum ctype type;
	int key;	/* part of the primary key */
	int warned;
	int vlen;	/* MySQL text: VARCHAR(vlen), 0 for LONGTEXT */
	int fixed;	/* typed by the schema, not by the values seen */
	int indexed;	/* has an index of its own */
	int agg;	/* windows: not a group field (1), one (0), not known (-1) */
};

struct table {
	char *name;
	int rtype;		/* TW_R_* or -1 for inferred */
	int windows;		/* tw-agg output */
	int created;		/* DDL written, columns fixed */
	struct column *cols;
	int ncols, capcols;
	int *keyidx;		/* column index of each key field */
	int nkey;
	int next_hint;		/* where the next member's column likely is */
	int gkey;		/* windows: the group_key column, or -1 */

	/* Inferred tables: records kept until the first batch is seen. */
	struct tw_buf early;
	uint64_t nearly;

	/* Pending rows: each row's text in rows, at rowoff[i], rowlen[i];
	 * rowlen 0 marks a row replaced by a later one with the same key. */
	struct tw_buf rows;
	size_t *rowoff, *rowlen;
	size_t nrows, caprows, live;
	/* key text -> row index, open addressing, for "last row wins" */
	uint64_t *khash;
	size_t *kslot;
	size_t kcap;

	uint64_t loaded, skipped_fields;
};

struct opts {
	enum dialect dialect;
	enum outmode mode;
	const char *table;
	const char *key;
	int no_key;
	int64_t batch;
	int no_create;
	int no_index;	/* no CREATE INDEX (--no-index) */
	int strict, quiet, verbose;
	const char *rejects_path;
	const char *bulk_file;	/* sqlite/mysql bulk: where the CSV goes */
	int64_t commit_ms;	/* longest a transaction stays open */
	int64_t busy_ms;	/* sqlite3 shell .timeout; 0: none */
	/* partition mode */
	const char *pattern;
	const char *out;
	int part_csv;
	int part_parquet;	/* -f parquet */
	int single;		/* -f parquet -o FILE without -p: one file */
	int codec;		/* TW_ZOUT_*, or for Parquet TW_PQ_* */
	int level;		/* 0: the codec's default */
	int64_t row_group;	/* Parquet: bytes held before a row group */
	int no_delta;		/* Parquet: no DELTA encodings */
	int64_t roll_bytes, roll_ms;
	int64_t max_open;
	int fsync;
	const char *acks;	/* --acks FILE: acknowledged stream marks */
	int hive_add_read;	/* --add-partitions read: those of the records */
};

struct load {
	struct opts o;
	struct tw_writer w;
	struct table **tables;
	int ntables;
	int txn_open;		/* BEGIN written, COMMIT not yet */
	uint64_t txn_rows;
	int64_t txn_start_ns;
	int preamble_done;
	struct tw_json j2;	/* for re-parsing kept records */
	struct tw_buf tmp, tmp2;
	const char *err;	/* reason for a bad record */
	char errbuf[200];
	/* bulk mode */
	struct tw_writer bulk;
	int bulk_open;
	/* counters */
	uint64_t nul_removed, repaired, other_type;
	int other_warned;
	int fatal;		/* partition mode: a write failed, reported */
	int stop;		/* --strict: a bad record was reported */
	/* Where the current record was read (for records kept a while). */
	const char *cur_name;
	uint64_t cur_line;
	/* Reports a bad record read earlier at name:line (main.c). */
	void (*on_bad)(struct load *L, const char *name, uint64_t line,
	    const char *raw, size_t rawlen, int cr, const char *reason);
	void *part;		/* part.c state */
};

/* sql.c */
void sql_init(struct load *L);
/* Adds one record; returns 0, or -1 with L->err set (a bad record). */
int sql_record(struct load *L, const struct tw_json *j, const char *raw,
    size_t rawlen);
/* Commits what is pending (the idle hook and the 1 s check call it). */
void sql_commit(struct load *L);
/* Called often: commits when the transaction is older than commit_ms. */
void sql_tick(struct load *L);
/* End of input: creates what is still waiting, commits, writes trailers. */
void sql_finish(struct load *L);
/* Appends a string value with NUL bytes removed (counted in L). */
void load_str(struct load *L, struct tw_buf *b, const struct tw_jval *v);
/* Appends compact JSON of v with NUL bytes removed from its strings. */
void load_json(struct load *L, struct tw_buf *b, const struct tw_json *j,
    const struct tw_jval *v);
/* 1 when s is a plain identifier: [A-Za-z_][A-Za-z0-9_]*, at most 63. */
int ident_ok(const char *s, size_t n);

/* types.c */
#define LOAD_SHORT_LEN 191	/* MySQL VARCHAR of keys and short text */
/* The column type of a schema field type. */
enum ctype load_ctype(enum tw_ftype f);
/* LOAD_SHORT_LEN when the text field name is short by the API's rules
 * (a user name, a language tag), else 0. */
int load_short_len(const char *name, size_t n);
/*
 * The type the schema gives a field named name[0..n) in every record
 * type that has one (and an array group field's element: hashtags as
 * tag): returns 1 and sets *type and *vlen (load_short_len), or 0 when
 * no record type has it, they disagree (id), or it is JSON.
 */
int load_known_type(const char *name, size_t n, enum ctype *type, int *vlen);

/* part.c */
int part_init(struct load *L, char *errbuf, size_t errlen);
int part_record(struct load *L, const struct tw_json *j, const char *raw,
    size_t rawlen);
void part_tick(struct load *L);
/*
 * A stream mark: makes every open part salvageable up to here (synced
 * and fsynced), then writes the mark to --acks. Returns 0, or -1 after
 * a write error (reported, L->fatal set).
 */
int part_mark(struct load *L, const char *raw, size_t rawlen);
/* Publishes every open part; returns 0 or -1 (message printed). */
int part_finish(struct load *L);
/* Removes the temporary files of open parts (after a write error). */
void part_abort(struct load *L);
/* Hive's FileUtils.escapePathName, plus '.' and '..' made harmless. */
void part_escape(struct tw_buf *b, const char *s, size_t n);

/* The partition directory (relative to --out) of record j, in *rel
 * (valid until the next call); -1 with L->err set when it has none. */
int part_path_of(struct load *L, const struct tw_json *j, const char **rel);

/* hive.c */
int hive_ddl(struct load *L);
/* -d hive -f parquet: notes a record, for the columns of inferred files. */
void hive_pq_note(struct load *L, const struct tw_json *j);
/* --add-partitions read: notes the partition directory of a record. */
void hive_note(const char *rel);

#endif
