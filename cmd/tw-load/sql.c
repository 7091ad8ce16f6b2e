/*
 * sql.c: tables, column types and the text each database's client runs.
 *
 * Safety rules (man/tw-load.1, SAFETY): no NUL byte and no raw CR or LF
 * is ever written inside a literal, so every statement line stands on
 * its own and no client can be made to cut a line short; MySQL strings
 * that hold anything but plain printable text are hex literals, safe
 * with and without NO_BACKSLASH_ESCAPES; identifiers are plain words.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "load.h"
#include "tw_csv.h"
#include "tw_time.h"
#include "tw_util.h"

#define STMT_MAX ((size_t)1 << 20)	/* bytes of rows per INSERT */
#define MYSQL_KEYLEN 191		/* characters of a VARCHAR key */
#define MAX_COLUMNS 1000	/* of an inferred table: under PostgreSQL's 1600,
				 * SQLite's 2000 and MySQL's 4096 */

static void txn_end(struct load *L);
static int add_row(struct load *L, struct table *t, const struct tw_json *j,
    const struct tw_jval *root);

int
ident_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > 63)	/* PostgreSQL cuts names at 63 bytes */
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (!(c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (i > 0 && c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

static void
add_ident(struct load *L, struct tw_buf *b, const char *name)
{
	char q = (L->o.dialect == D_MYSQL || L->o.dialect == D_HIVE) ? '`' : '"';

	/* Names are checked by ident_ok, so quoting is only for keywords. */
	tw_buf_addc(b, q);
	tw_buf_adds(b, name);
	tw_buf_addc(b, q);
}

/* Strings: decoded, invalid UTF-8 repaired by the decoder, NUL removed. */
void
load_str(struct load *L, struct tw_buf *b, const struct tw_jval *v)
{
	size_t start;

	if (v->flags == 0) {
		/* No escapes, valid UTF-8: the raw text is the value. */
		tw_buf_add(b, v->p, v->len);
		return;
	}
	start = b->len;
	L->repaired += tw_json_str_decode(b, v);
	L->nul_removed += tw_buf_strip_nul(b, start);
}

/* JSON values: compact canonical JSON, with NUL removed from strings. */
void
load_json(struct load *L, struct tw_buf *b, const struct tw_json *j,
    const struct tw_jval *v)
{
	size_t nuls = 0;

	L->repaired += tw_json_emit_opt(b, j, v, TW_JSON_NONUL, &nuls);
	L->nul_removed += nuls;
}

/* ---- literals -------------------------------------------------------- */

static void
add_hex(struct tw_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i;

	tw_buf_grow(b, n * 2 + 1);
	for (i = 0; i < n; i++) {
		b->p[b->len++] = hex[(unsigned char)s[i] >> 4];
		b->p[b->len++] = hex[(unsigned char)s[i] & 15];
	}
	b->p[b->len] = '\0';
}

/*
 * The first byte at or after i in s[0..n) that is one of sp[0..3]
 * (repeat one to look for fewer), or n.
 */
static size_t
next_special(const char *s, size_t i, size_t n, const char sp[4])
{
#ifdef __SSE2__
	__m128i a = _mm_set1_epi8(sp[0]), b = _mm_set1_epi8(sp[1]),
	    c = _mm_set1_epi8(sp[2]), d = _mm_set1_epi8(sp[3]);

	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		int m = _mm_movemask_epi8(_mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(x, a), _mm_cmpeq_epi8(x, b)),
		    _mm_or_si128(_mm_cmpeq_epi8(x, c), _mm_cmpeq_epi8(x, d))));

		if (m)
			return i + (size_t)__builtin_ctz((unsigned)m);
	}
#endif
	for (; i < n; i++)
		if (s[i] == sp[0] || s[i] == sp[1] || s[i] == sp[2] || s[i] == sp[3])
			break;
	return i;
}

/*
 * Appends s[0..n), each byte of sp[0..3] replaced by its two-byte escape
 * (esc[2k], esc[2k + 1] for sp[k]); the runs between are copied whole.
 */
static void
add_escaped(struct tw_buf *b, const char *s, size_t n, const char sp[4],
    const char esc[8])
{
	size_t i = 0, run;
	char *d;
	int k;

	if (b->cap - b->len <= n * 2 + 1)
		tw_buf_grow(b, n * 2 + 1);
	d = b->p + b->len;
	while (i < n) {
		run = next_special(s, i, n, sp);
		memcpy(d, s + i, run - i);
		d += run - i;
		if (run == n)
			break;
		for (k = 0; sp[k] != s[run]; k++)
			;
		*d++ = esc[2 * k];
		*d++ = esc[2 * k + 1];
		i = run + 1;
	}
	b->len = (size_t)(d - b->p);
	b->p[b->len] = '\0';
}

/* Quote doubling, PostgreSQL E'' strings, COPY text fields. */
static const char sp_quote[4] = { '\'', '\'', '\'', '\'' };
static const char esc_quote[8] = { '\'', '\'' };
static const char sp_pg[4] = { '\'', '\\', '\n', '\r' };
static const char esc_pg[8] = { '\'', '\'', '\\', '\\', '\\', 'n', '\\', 'r' };
static const char sp_copy[4] = { '\\', '\n', '\r', '\t' };
static const char esc_copy[8] = { '\\', '\\', '\\', 'n', '\\', 'r', '\\', 't' };
static const char sp_pgesc[4] = { '\\', '\n', '\r', '\r' };

static void
lit_sqlite(struct tw_buf *b, const char *s, size_t n)
{
	/* A line break goes as hex text: 'a'||char(10)||'b' nests one
	 * level per break, and SQLite stops at 1000 levels. */
	if (memchr(s, '\n', n) || memchr(s, '\r', n)) {
		tw_buf_adds(b, "CAST(X'");
		add_hex(b, s, n);
		tw_buf_adds(b, "' AS TEXT)");
		return;
	}
	tw_buf_addc(b, '\'');
	add_escaped(b, s, n, sp_quote, esc_quote);
	tw_buf_addc(b, '\'');
}

static void
lit_postgres(struct tw_buf *b, const char *s, size_t n)
{
	int esc = next_special(s, 0, n, sp_pgesc) < n;

	if (esc)
		tw_buf_addc(b, 'E');
	tw_buf_addc(b, '\'');
	if (esc)
		add_escaped(b, s, n, sp_pg, esc_pg);
	else
		add_escaped(b, s, n, sp_quote, esc_quote);
	tw_buf_addc(b, '\'');
}

static void
lit_mysql(struct tw_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '\'' || c == '\\' || c == '"')
			break;
	}
	if (i == n) {
		/* Plain text means the same in every sql_mode. */
		tw_buf_addc(b, '\'');
		tw_buf_add(b, s, n);
		tw_buf_addc(b, '\'');
		return;
	}
	tw_buf_adds(b, "_utf8mb4 X'");
	add_hex(b, s, n);
	tw_buf_addc(b, '\'');
}

static void
lit(struct load *L, struct tw_buf *b, const char *s, size_t n)
{
	switch (L->o.dialect) {
	case D_MYSQL:
		lit_mysql(b, s, n);
		break;
	case D_POSTGRES:
		lit_postgres(b, s, n);
		break;
	default:
		lit_sqlite(b, s, n);
	}
}

/* COPY text format: \N for null; backslash, newline, CR, tab escaped. */
static void
copy_text(struct tw_buf *b, const char *s, size_t n)
{
	add_escaped(b, s, n, sp_copy, esc_copy);
}

/* ---- column types ---------------------------------------------------- */

/* Column c's type in L's dialect (a VARCHAR's is in static storage, valid
 * until the next call). */
static const char *
sql_type(struct load *L, const struct column *c)
{
	static char vc[24];
	enum ctype t = c->type == C_NONE ? C_STR : c->type;

	switch (L->o.dialect) {
	case D_MYSQL:
		switch (t) {
		case C_BOOL: return "BOOLEAN";
		case C_INT: case C_ID: return "BIGINT";
		case C_NUM: return "DOUBLE";
		case C_JSON: return "JSON";
		case C_TIME: return "DATETIME(3)";
		default:
			if (c->key || c->indexed)
				return "VARCHAR(191)";
			if (c->vlen == 0)
				return "LONGTEXT";
			snprintf(vc, sizeof vc, "VARCHAR(%d)", c->vlen);
			return vc;
		}
	case D_POSTGRES:
		switch (t) {
		case C_BOOL: return "boolean";
		case C_INT: case C_ID: return "bigint";
		case C_NUM: return "double precision";
		case C_JSON: return "jsonb";
		case C_TIME: return "timestamptz";
		default: return "text";
		}
	case D_HIVE:
		/* Times stay text: the part files hold them as written. */
		switch (t) {
		case C_BOOL: return "BOOLEAN";
		case C_INT: case C_ID: return "BIGINT";
		case C_NUM: return "DOUBLE";
		default: return "STRING";
		}
	default:
		switch (t) {
		case C_BOOL: return "BOOLEAN";
		case C_INT: case C_ID: return "INTEGER";
		case C_NUM: return "REAL";
		case C_TIME: return "DATETIME";
		default: return "TEXT";
		}
	}
}

/* The type a value asks for, for inference. */
static enum ctype
value_type(const struct tw_jval *v)
{
	int64_t x;

	switch (v->type) {
	case TW_JNULL: return C_NONE;
	case TW_JTRUE: case TW_JFALSE: return C_BOOL;
	case TW_JNUM:
		return (v->flags & TW_JF_INT) && tw_json_i64(v, &x) == 0 ? C_INT : C_NUM;
	case TW_JSTR: return C_STR;
	default: return C_JSON;
	}
}

/* The narrowest type holding both (INTEGER -> REAL -> TEXT). */
static enum ctype
widen(enum ctype a, enum ctype b)
{
	if (a == C_NONE)
		return b;
	if (b == C_NONE || a == b)
		return a;
	if ((a == C_INT && b == C_NUM) || (a == C_NUM && b == C_INT))
		return C_NUM;
	if (a == C_JSON && b != C_JSON)
		return C_JSON;	/* any scalar is a JSON value too */
	return C_STR;
}

/* ---- tables ---------------------------------------------------------- */

/* PostgreSQL's system columns: no table may have a column so named. */
static int
sys_column(const char *s, size_t n)
{
	static const char *const sys[] = { "tableoid", "xmin", "cmin", "xmax",
	    "cmax", "ctid", "oid" };
	size_t i;

	for (i = 0; i < sizeof sys / sizeof sys[0]; i++)
		if (strlen(sys[i]) == n && strncasecmp(sys[i], s, n) == 0)
			return 1;
	return 0;
}

static int
add_column(struct table *t, const char *name, size_t n, enum ctype type)
{
	if (t->ncols == t->capcols) {
		t->capcols = t->capcols ? t->capcols * 2 : 16;
		t->cols = tw_xrealloc(t->cols, (size_t)t->capcols * sizeof *t->cols);
	}
	memset(&t->cols[t->ncols], 0, sizeof t->cols[0]);
	t->cols[t->ncols].src = tw_xstrndup(name, n);
	t->cols[t->ncols].srclen = n;
	t->cols[t->ncols].name = tw_xstrndup(name, n);
	if (sys_column(name, n)) {
		t->cols[t->ncols].name = tw_xrealloc(t->cols[t->ncols].name, n + 2);
		memcpy(t->cols[t->ncols].name + n, "_", 2);
	}
	t->cols[t->ncols].type = type;
	t->cols[t->ncols].agg = -1;
	return t->ncols++;
}

/*
 * The SQL name a record field would get clashes with a column already
 * there, compared without case as the databases do ("Id" and "id").
 */
static int
name_clash(const struct table *t, const char *name, size_t n)
{
	char buf[80];
	int i;

	if (n + 2 > sizeof buf)
		return 1;
	memcpy(buf, name, n);
	buf[n] = '\0';
	if (sys_column(name, n))
		memcpy(buf + n, "_", 2);
	for (i = 0; i < t->ncols; i++)
		if (strcasecmp(t->cols[i].name, buf) == 0)
			return 1;
	return 0;
}

/* Adds a column at position at (0 to ncols); returns at. */
static int
insert_column(struct table *t, int at, const char *name, enum ctype type)
{
	struct column c;
	int n = add_column(t, name, strlen(name), type);

	c = t->cols[n];
	memmove(&t->cols[at + 1], &t->cols[at], (size_t)(n - at) * sizeof c);
	t->cols[at] = c;
	return at;
}

/*
 * 1 when name is a field tw-agg writes other than a group field: the
 * window bounds, count, final, NAME_approx, or KIND_FIELD for the
 * aggregates (sum, avg, min, max, first, last, distinct, top, pNN and
 * pNN_N quantiles). The group fields of a window are the others.
 */
static int
agg_field(const char *s)
{
	static const char *const pre[] = { "sum_", "avg_", "min_", "max_",
	    "first_", "last_", "distinct_", "top_" };
	size_t n = strlen(s), i;
	const char *q;

	if (strcmp(s, "window_start") == 0 || strcmp(s, "window_end") == 0 ||
	    strcmp(s, "count") == 0 || strcmp(s, "final") == 0)
		return 1;
	if (n > 7 && strcmp(s + n - 7, "_approx") == 0)
		return 1;
	for (i = 0; i < sizeof pre / sizeof pre[0]; i++)
		if (strncmp(s, pre[i], strlen(pre[i])) == 0 && s[strlen(pre[i])])
			return 1;
	if (s[0] != 'p' || s[1] < '0' || s[1] > '9')
		return 0;
	for (q = s + 1; *q >= '0' && *q <= '9'; q++)
		;
	if (q[0] == '_' && q[1] >= '0' && q[1] <= '9') {
		for (q++; *q >= '0' && *q <= '9'; q++)
			;
		if (*q == '_' && q[1])
			return 1;	/* p99_9_F, or p99_F with F a number */
	}
	return *q == '_' && q[1];
}

/*
 * The schema's type of a field of tw-agg output named name[0..n), a
 * plain name: a group field's own, first_F's and last_F's that of F;
 * 0 for the window bounds, the other aggregates and unknown names.
 */
static int
agg_known_type(const char *name, size_t n, enum ctype *type, int *vlen)
{
	char buf[64];

	if (n >= sizeof buf)
		return 0;
	memcpy(buf, name, n);
	buf[n] = '\0';
	if (strcmp(buf, "window_start") == 0 || strcmp(buf, "window_end") == 0 ||
	    strcmp(buf, "group_key") == 0)
		return 0;
	if (!agg_field(buf))
		return load_known_type(buf, n, type, vlen);
	if (strncmp(buf, "first_", 6) == 0)
		return load_known_type(buf + 6, n - 6, type, vlen);
	if (strncmp(buf, "last_", 5) == 0)
		return load_known_type(buf + 5, n - 5, type, vlen);
	return 0;
}

static inline int
name_eq(const struct column *c, const char *name, size_t n)
{
	return c->srclen == n && memcmp(c->src, name, n) == 0;
}

static int
find_column(struct table *t, const char *name, size_t n)
{
	int i, h = t->next_hint;

	if (h < t->ncols && name_eq(&t->cols[h], name, n))
		return h;
	for (i = 0; i < t->ncols; i++)
		if (name_eq(&t->cols[i], name, n))
			return i;
	return -1;
}

static struct table *
table_get(struct load *L, const char *name, int rtype, int windows)
{
	struct table *t;
	int i;

	for (i = 0; i < L->ntables; i++)
		if (strcmp(L->tables[i]->name, name) == 0)
			return L->tables[i];
	t = tw_xcalloc(1, sizeof *t);
	t->name = tw_xstrdup(name);
	t->rtype = rtype;
	t->windows = windows;
	t->gkey = -1;
	if (rtype >= 0) {
		const struct tw_rdef *d = &tw_rdefs[rtype];

		for (i = 1; i < d->nfields; i++) {	/* not record_type */
			size_t n = strlen(d->fields[i].name);
			int c = add_column(t, d->fields[i].name, n,
			    load_ctype(d->fields[i].type));

			if (t->cols[c].type == C_STR)
				t->cols[c].vlen = load_short_len(d->fields[i].name, n);
			t->cols[c].fixed = 1;
		}
	}
	L->tables = tw_xrealloc(L->tables, (size_t)(L->ntables + 1) * sizeof *L->tables);
	L->tables[L->ntables++] = t;
	return t;
}

/* Marks the key columns from a comma-separated list; dies on a bad one. */
static void
set_key(struct load *L, struct table *t, const char *list)
{
	const char *p = list, *e;
	int c;

	while (*p) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		c = find_column(t, p, (size_t)(e - p));
		if (c < 0)
			tw_die(L->o.key ? 2 : 1, "--key: table %s has no column '%.*s'",
			    t->name, (int)(e - p), p);
		if (t->cols[c].type == C_JSON)
			tw_die(2, "--key: column '%s' of %s holds JSON", t->cols[c].name,
			    t->name);
		if (!t->cols[c].key) {
			t->cols[c].key = 1;
			t->keyidx = tw_xrealloc(t->keyidx, (size_t)(t->nkey + 1) * sizeof(int));
			t->keyidx[t->nkey++] = c;
		}
		p = *e ? e + 1 : e;
	}
}

/* 1 when t has every column of the comma-separated list. */
static int
has_columns(struct table *t, const char *list)
{
	const char *p = list, *e;

	while (*p) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if (find_column(t, p, (size_t)(e - p)) < 0)
			return 0;
		p = *e ? e + 1 : e;
	}
	return 1;
}

static void
preamble(struct load *L)
{
	if (L->preamble_done)
		return;
	L->preamble_done = 1;
	if (L->o.mode == M_CSV || L->o.dialect == D_HIVE)
		return;
	if (L->o.dialect == D_MYSQL)
		/* Times are UTC: DATETIME takes them as written, and NOW()
		 * and TIMESTAMP columns of the session agree. */
		tw_buf_adds(&L->w.out, "SET NAMES utf8mb4;\n"
		    "SET time_zone = '+00:00';\n");
	else if (L->o.dialect == D_POSTGRES)
		tw_buf_adds(&L->w.out, "SET client_encoding = 'UTF8';\n"
		    "SET standard_conforming_strings = on;\n");
	else if (L->o.busy_ms > 0) {
		/*
		 * Without a busy timeout the sqlite3 shell fails a COMMIT at
		 * once while a reader (a dashboard, a poll) holds the database;
		 * its rows then wait for the next commit, and are lost if it
		 * was the last.
		 */
		tw_buf_addf(&L->w.out, ".timeout %lld\n", (long long)L->o.busy_ms);
	}
}

/*
 * The name of t's index of column col: TABLE_COLUMN_idx, or, when that
 * is longer than 63 bytes (PostgreSQL would cut it, and two long names
 * could then meet), idx_ and 16 hex digits of a hash of both names.
 * Index names are per schema in SQLite and PostgreSQL, so they hold the
 * table's.
 */
static void
index_name(struct tw_buf *b, const char *table, const char *col)
{
	uint64_t h;
	int i;

	if (strlen(table) + strlen(col) + 5 <= 63) {
		tw_buf_addf(b, "%s_%s_idx", table, col);
		return;
	}
	h = tw_fnv64(TW_FNV_INIT, table, strlen(table));
	h = tw_fnv64(h, ".", 1);
	h = tw_fnv64(h, col, strlen(col));
	tw_buf_adds(b, "idx_");
	for (i = 0; i < 16; i++)
		tw_buf_addc(b, "0123456789abcdef"[h >> (60 - 4 * i) & 15]);
}

static void
add_index_ident(struct load *L, struct tw_buf *b, struct table *t,
    const struct column *c)
{
	struct tw_buf n = TW_BUF_INIT;

	index_name(&n, t->name, c->name);
	add_ident(L, b, n.p);
	tw_buf_free(&n);
}

/*
 * SQLite and PostgreSQL: CREATE INDEX IF NOT EXISTS for each indexed
 * column, so tables an earlier tw-load made get them too. (MySQL's are
 * clauses of CREATE TABLE.)
 */
static void
index_stmts(struct load *L, struct tw_buf *b, struct table *t)
{
	int i;

	if (L->o.dialect != D_SQLITE && L->o.dialect != D_POSTGRES)
		return;
	for (i = 0; i < t->ncols; i++) {
		if (!t->cols[i].indexed)
			continue;
		tw_buf_adds(b, "CREATE INDEX IF NOT EXISTS ");
		add_index_ident(L, b, t, &t->cols[i]);
		tw_buf_adds(b, " ON ");
		add_ident(L, b, t->name);
		tw_buf_adds(b, " (");
		add_ident(L, b, t->cols[i].name);
		tw_buf_adds(b, ");\n");
	}
}

/*
 * MySQL: stops the script (the client stops at an error) when the table
 * existed with text in a time column, as an earlier tw-load made it:
 * rows would get times in another text form than the rows there, and
 * keys would no longer meet. tw-load(1), Old tables, says what to run.
 * The error is setting sql_mode to the message (sql_mode is set to
 * itself otherwise): MySQL, unlike MariaDB, cannot SIGNAL outside a
 * stored program, and this needs no PREPARE either.
 */
static void
time_guard(struct load *L, struct tw_buf *b, struct table *t)
{
	int i, n = 0;

	for (i = 0; i < t->ncols; i++)
		if (t->cols[i].type == C_TIME)
			n++;
	if (n == 0)
		return;
	tw_buf_adds(b, "SET SESSION sql_mode = (SELECT IF(COUNT(*) = 0, "
	    "@@SESSION.sql_mode, 'tw-load: ");
	tw_buf_adds(b, t->name);
	tw_buf_adds(b, " holds times as text: see Old tables in tw-load(1)') "
	    "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
	    "AND TABLE_NAME = '");
	tw_buf_adds(b, t->name);
	tw_buf_adds(b, "' AND COLUMN_NAME IN (");
	for (i = 0, n = 0; i < t->ncols; i++) {
		if (t->cols[i].type != C_TIME)
			continue;
		if (n++)
			tw_buf_adds(b, ", ");
		tw_buf_addf(b, "'%s'", t->cols[i].name);
	}
	tw_buf_adds(b, ") AND DATA_TYPE NOT IN ('datetime', 'timestamp'));\n");
}

static void
create_stmt(struct load *L, struct tw_buf *b, struct table *t, const char *name,
    int temp)
{
	int i, more, nidx = 0;

	if (!temp && L->o.dialect == D_MYSQL)
		for (i = 0; i < t->ncols; i++)
			nidx += t->cols[i].indexed;
	tw_buf_adds(b, temp ? "CREATE TEMP TABLE " : "CREATE TABLE IF NOT EXISTS ");
	add_ident(L, b, name);
	tw_buf_adds(b, " (\n");
	for (i = 0; i < t->ncols; i++) {
		tw_buf_adds(b, "  ");
		add_ident(L, b, t->cols[i].name);
		tw_buf_addc(b, ' ');
		if (temp && L->o.dialect == D_SQLITE)
			tw_buf_adds(b, "TEXT");
		else
			tw_buf_adds(b, sql_type(L, &t->cols[i]));
		if (t->cols[i].key && !temp)
			tw_buf_adds(b, " NOT NULL");
		if (i + 1 < t->ncols || (t->nkey && !temp) || nidx)
			tw_buf_addc(b, ',');
		tw_buf_addc(b, '\n');
	}
	more = 0;
	if (t->nkey && !temp) {
		tw_buf_adds(b, "  PRIMARY KEY (");
		for (i = 0; i < t->nkey; i++) {
			if (i)
				tw_buf_adds(b, ", ");
			add_ident(L, b, t->cols[t->keyidx[i]].name);
		}
		tw_buf_addc(b, ')');
		more = 1;
	}
	/* MySQL has no CREATE INDEX IF NOT EXISTS (MariaDB has). */
	for (i = 0; i < t->ncols && nidx; i++) {
		if (!t->cols[i].indexed)
			continue;
		tw_buf_adds(b, more ? ",\n  INDEX " : "  INDEX ");
		add_index_ident(L, b, t, &t->cols[i]);
		tw_buf_adds(b, " (");
		add_ident(L, b, t->cols[i].name);
		tw_buf_addc(b, ')');
		more = 1;
	}
	if (more)
		tw_buf_addc(b, '\n');
	tw_buf_addc(b, ')');
	if (L->o.dialect == D_MYSQL && !temp)
		tw_buf_adds(b, " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin");
	tw_buf_adds(b, ";\n");
	if (temp)
		return;
	/* A bulk load builds them after the data, in one pass. */
	if (L->o.mode != M_BULK)
		index_stmts(L, b, t);
	if (L->o.dialect == D_MYSQL)
		time_guard(L, b, t);
}

static void
col_list(struct load *L, struct tw_buf *b, struct table *t, const char *pre)
{
	int i;

	for (i = 0; i < t->ncols; i++) {
		if (i)
			tw_buf_adds(b, ", ");
		if (pre)
			tw_buf_adds(b, pre);
		add_ident(L, b, t->cols[i].name);
	}
}

static void
open_bulk(struct load *L)
{
	int fd = open(L->o.bulk_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd < 0)
		tw_die(1, "%s: %s", L->o.bulk_file, strerror(errno));
	tw_writer_init(&L->bulk, fd, L->o.bulk_file);
	L->bulk_open = 1;
}

/*
 * Inferred tables keep their first records in t->early, each as
 * [u64 length][u64 line][const char *file][the raw text].
 */
static void
early_add(struct load *L, struct table *t, const char *raw, size_t rawlen)
{
	uint64_t n = rawlen, line = L->cur_line;
	const char *name = L->cur_name;

	tw_buf_add(&t->early, &n, sizeof n);
	tw_buf_add(&t->early, &line, sizeof line);
	tw_buf_add(&t->early, &name, sizeof name);
	tw_buf_add(&t->early, raw, rawlen);
}

/* Reads the kept record at *pp and moves past it. */
static const char *
early_next(const char **pp, uint64_t *n, uint64_t *line, const char **name)
{
	const char *p = *pp;

	memcpy(n, p, sizeof *n);
	memcpy(line, p + 8, sizeof *line);
	memcpy(name, p + 16, sizeof *name);
	p += 16 + sizeof *name;
	*pp = p + *n;
	return p;
}

/* Marks column name of t for an index, unless the primary key leads with it. */
static void
want_index(struct table *t, const char *name)
{
	int c = find_column(t, name, strlen(name));

	if (c < 0 || t->cols[c].type == C_JSON || (t->nkey > 0 && t->keyidx[0] == c))
		return;
	t->cols[c].indexed = 1;
}

/*
 * The indexes the usual queries need: tweets by time and by author,
 * hashtags by tag (to join windows grouped by hashtag), windows by
 * window_start (which their primary key leads with, unless --key or
 * --no-key says otherwise).
 */
static void
plan_indexes(struct load *L, struct table *t)
{
	if (L->o.no_index || L->o.no_create || L->o.mode == M_CSV ||
	    L->o.dialect == D_HIVE)
		return;
	if (t->rtype == TW_R_TWEET) {
		want_index(t, "created_at");
		want_index(t, "author_id");
	} else if (t->rtype == TW_R_HASHTAG)
		want_index(t, "tag");
	else if (t->windows)
		want_index(t, "window_start");
}

/* Fixes the columns and writes the DDL (and CSV header, COPY start). */
static void
table_create(struct load *L, struct table *t)
{
	struct tw_buf *b = &L->w.out;
	const char *p, *e;
	int i;

	if (t->created)
		return;
	if (L->txn_open || L->txn_rows)
		txn_end(L);
	/* Inferred: the kept records decide the columns and types. */
	if (t->rtype < 0 && t->early.len > 0) {
		p = t->early.p;
		e = p + t->early.len;
		while (p < e) {
			uint64_t n, line;
			const char *name, *raw = early_next(&p, &n, &line, &name);
			const struct tw_jval *k, *end;

			if (tw_json_parse(&L->j2, raw, n) == TW_JSON_OK) {
				end = tw_json_after(&L->j2, L->j2.v);
				for (k = L->j2.v + 1; k < end; k = tw_json_after(&L->j2, k + 1)) {
					int c;
					enum ctype vt = value_type(k + 1);

					if (k->flags || !ident_ok(k->p, k->len) ||
					    TW_JSTREQ(k, "record_type"))
						continue;
					if ((TW_JSTREQ(k, "window_start") ||
					    TW_JSTREQ(k, "window_end")) && vt == C_STR)
						vt = C_TIME;
					c = find_column(t, k->p, k->len);
					if (c < 0 && (name_clash(t, k->p, k->len) ||
					    t->ncols >= MAX_COLUMNS))
						continue;	/* reported as not a column */
					if (c < 0) {
						enum ctype st;
						int vlen;

						if (t->windows && L->o.dialect != D_HIVE &&
						    agg_known_type(k->p, k->len, &st, &vlen)) {
							c = add_column(t, k->p, k->len, st);
							t->cols[c].vlen = vlen;
							t->cols[c].fixed = 1;
						} else
							c = add_column(t, k->p, k->len, vt);
					} else if (!t->cols[c].fixed)
						t->cols[c].type = widen(t->cols[c].type, vt);
				}
			}
		}
	}
	for (i = 0; i < t->ncols; i++)
		if (t->cols[i].type == C_NONE)
			t->cols[i].type = C_STR;
	if (!L->o.no_key) {
		/*
		 * --key for every table that has its columns; a table of a
		 * known type (or windows) that lacks one keeps its own key,
		 * so that one --key serves a star schema. Any other table
		 * without the columns is an error (set_key dies).
		 */
		int own = L->o.key == NULL;

		if (L->o.key && !has_columns(t, L->o.key) &&
		    (t->rtype >= 0 || t->windows)) {
			own = 1;
			if (!L->o.quiet)
				tw_warn("--key: table %s has not every column of "
				    "'%s': its own key is used", t->name, L->o.key);
		}
		if (!own)
			set_key(L, t, L->o.key);
		else if (t->rtype >= 0)
			set_key(L, t, tw_rdefs[t->rtype].key);
		else if (t->windows && find_column(t, "window_start", 12) >= 0 &&
		    find_column(t, "window_end", 10) >= 0) {
			/*
			 * The window and its group. Group values may be null
			 * and of any type, which no primary key column takes
			 * in every database, so the key holds their hash:
			 * group_key, placed after window_end.
			 */
			int g = find_column(t, "group_key", 9);

			if (g < 0)
				g = insert_column(t, find_column(t, "window_end",
				    10) + 1, "group_key", C_STR);
			t->cols[g].type = C_STR;
			t->gkey = g;
			set_key(L, t, "window_start,window_end,group_key");
		}
	}
	t->created = 1;
	if (t->ncols == 0) {
		add_column(t, "value", 5, C_STR);	/* only {} seen */
	}
	plan_indexes(L, t);
	preamble(L);
	if (L->o.dialect == D_HIVE)
		;
	else if (L->o.mode == M_CSV) {
		for (i = 0; i < t->ncols; i++) {
			if (i)
				tw_buf_addc(b, ',');
			tw_buf_adds(b, t->cols[i].name);
		}
		tw_buf_addc(b, '\n');
	} else {
		if (!L->o.no_create)
			create_stmt(L, b, t, t->name, 0);
		if (L->o.mode == M_BULK && L->o.dialect == D_POSTGRES) {
			const char *into = t->name;

			tw_buf_adds(b, "BEGIN;\n");
			if (t->nkey) {
				tw_buf_adds(b, "CREATE TEMP TABLE tw_stage ON COMMIT DROP AS SELECT ");
				col_list(L, b, t, NULL);
				tw_buf_adds(b, " FROM ");
				add_ident(L, b, t->name);
				tw_buf_adds(b, " WITH NO DATA;\n"
				    "ALTER TABLE tw_stage ADD COLUMN tw_ord bigserial;\n");
				into = "tw_stage";
			}
			tw_buf_adds(b, "COPY ");
			add_ident(L, b, into);
			tw_buf_adds(b, " (");
			col_list(L, b, t, NULL);
			tw_buf_adds(b, ") FROM STDIN;\n");
		} else if (L->o.mode == M_BULK) {
			open_bulk(L);
			for (i = 0; i < t->ncols; i++) {
				if (i)
					tw_buf_addc(&L->bulk.out, ',');
				tw_buf_adds(&L->bulk.out, t->cols[i].name);
			}
			tw_buf_addc(&L->bulk.out, '\n');
		}
	}
	if (tw_writer_end_record(&L->w) < 0)
		tw_writer_fail(&L->w);
	/* Now the kept records become rows. */
	if (t->early.len > 0) {
		struct tw_buf early = t->early;

		memset(&t->early, 0, sizeof t->early);
		p = early.p;
		e = p + early.len;
		while (p < e) {
			uint64_t n, line;
			const char *name, *raw = early_next(&p, &n, &line, &name);

			/* A kept record that does not fit is a bad line
			 * like any other, reported where it was read. */
			if (tw_json_parse(&L->j2, raw, n) == TW_JSON_OK &&
			    add_row(L, t, &L->j2, L->j2.v) < 0)
				L->on_bad(L, name, line, raw, n, 0, L->err);
		}
		tw_buf_free(&early);
		t->nearly = 0;
	}
}

/* ---- pending rows ---------------------------------------------------- */

/* A key's hash: never 0, which marks an empty slot. */
static uint64_t
hash(const char *s, size_t n)
{
	return tw_hash64(s, n) | 1;
}

static void
rows_reset(struct table *t)
{
	tw_buf_reset(&t->rows);
	t->nrows = t->live = 0;
	if (t->kcap)
		memset(t->khash, 0, t->kcap * sizeof *t->khash);
}

/* Writes the table's pending rows as one INSERT. */
static void
flush_rows(struct load *L, struct table *t)
{
	struct tw_buf *b = &L->w.out;
	size_t i;
	int c, n;

	if (t->live == 0) {
		rows_reset(t);
		return;
	}
	if (!L->txn_open) {
		tw_buf_adds(b, L->o.dialect == D_MYSQL ? "START TRANSACTION;\n" : "BEGIN;\n");
		L->txn_open = 1;
	}
	tw_buf_adds(b, "INSERT INTO ");
	add_ident(L, b, t->name);
	tw_buf_adds(b, " (");
	col_list(L, b, t, NULL);
	tw_buf_adds(b, ") VALUES\n");
	for (i = 0, n = 0; i < t->nrows; i++) {
		if (t->rowlen[i] == 0)
			continue;
		if (n++)
			tw_buf_adds(b, ",\n");
		tw_buf_add(b, t->rows.p + t->rowoff[i], t->rowlen[i]);
	}
	if (t->nkey) {
		int nonkey = t->ncols - t->nkey;

		if (L->o.dialect == D_MYSQL) {
			tw_buf_adds(b, "\nON DUPLICATE KEY UPDATE ");
			for (c = 0, n = 0; c < t->ncols; c++) {
				if (t->cols[c].key && nonkey > 0)
					continue;
				if (n++)
					tw_buf_adds(b, ", ");
				add_ident(L, b, t->cols[c].name);
				tw_buf_adds(b, " = VALUES(");
				add_ident(L, b, t->cols[c].name);
				tw_buf_addc(b, ')');
			}
		} else {
			tw_buf_adds(b, "\nON CONFLICT (");
			for (c = 0; c < t->nkey; c++) {
				if (c)
					tw_buf_adds(b, ", ");
				add_ident(L, b, t->cols[t->keyidx[c]].name);
			}
			if (nonkey == 0)
				tw_buf_adds(b, ") DO NOTHING");
			else {
				tw_buf_adds(b, ") DO UPDATE SET ");
				for (c = 0, n = 0; c < t->ncols; c++) {
					if (t->cols[c].key)
						continue;
					if (n++)
						tw_buf_adds(b, ", ");
					add_ident(L, b, t->cols[c].name);
					tw_buf_adds(b, " = excluded.");
					add_ident(L, b, t->cols[c].name);
				}
			}
		}
	}
	tw_buf_adds(b, ";\n");
	t->loaded += t->live;
	rows_reset(t);
	if (tw_writer_end_record(&L->w) < 0)
		tw_writer_fail(&L->w);
}

static void
txn_end(struct load *L)
{
	int i;

	for (i = 0; i < L->ntables; i++)
		if (L->tables[i]->created)
			flush_rows(L, L->tables[i]);
	if (L->txn_open) {
		tw_buf_adds(&L->w.out, "COMMIT;\n");
		L->txn_open = 0;
	}
	L->txn_rows = 0;
	if (tw_writer_end_record(&L->w) < 0)
		tw_writer_fail(&L->w);
}

/* Keeps a row; with a key, a later row with the same key replaces it. */
static void
keep_row(struct load *L, struct table *t, size_t off, const char *key,
    size_t keylen)
{
	size_t i, slot, len = t->rows.len - off;
	uint64_t h;

	if (t->nrows == t->caprows) {
		t->caprows = t->caprows ? t->caprows * 2 : 256;
		t->rowoff = tw_xrealloc(t->rowoff, t->caprows * sizeof(size_t));
		t->rowlen = tw_xrealloc(t->rowlen, t->caprows * sizeof(size_t));
	}
	if (key != NULL) {
		if (t->nrows * 2 >= t->kcap) {
			size_t ncap = t->kcap ? t->kcap * 2 : 1024, k;
			uint64_t *nh = tw_xcalloc(ncap, sizeof *nh);
			size_t *ns = tw_xcalloc(ncap, sizeof *ns);

			for (k = 0; k < t->kcap; k++) {
				if (!t->khash[k])
					continue;
				for (slot = t->khash[k] & (ncap - 1); nh[slot];
				    slot = (slot + 1) & (ncap - 1))
					;
				nh[slot] = t->khash[k];
				ns[slot] = t->kslot[k];
			}
			free(t->khash);
			free(t->kslot);
			t->khash = nh;
			t->kslot = ns;
			t->kcap = ncap;
		}
		h = hash(key, keylen);
		for (slot = h & (t->kcap - 1); t->khash[slot];
		    slot = (slot + 1) & (t->kcap - 1)) {
			/* The key text is stored right after each row's text. */
			i = t->kslot[slot];
			if (t->khash[slot] == h && t->rowlen[i] != 0 &&
			    memcmp(t->rows.p + t->rowoff[i] + t->rowlen[i] + 1, key,
			    keylen) == 0 && t->rows.p[t->rowoff[i] + t->rowlen[i] + 1 + keylen] == '\x1e') {
				t->rowlen[i] = 0;	/* replaced */
				t->live--;
				break;
			}
		}
		t->khash[slot] = h;
		t->kslot[slot] = t->nrows;
		/* Row text, a separator, the key text, an end mark. */
		tw_buf_addc(&t->rows, '\x1e');
		tw_buf_add(&t->rows, key, keylen);
		tw_buf_addc(&t->rows, '\x1e');
	}
	t->rowoff[t->nrows] = off;
	t->rowlen[t->nrows] = len;
	t->nrows++;
	t->live++;
}

/* ---- values ---------------------------------------------------------- */

static int TW_PRINTF(2, 3)
bad(struct load *L, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(L->errbuf, sizeof L->errbuf, fmt, ap);
	va_end(ap);
	L->err = L->errbuf;
	return -1;
}

/* 0001-01-01T00:00:00Z: PostgreSQL has no year 0, so no dialect takes it. */
#define TIME_MIN_MS (-62135596800000LL)

static int
dig2(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/*
 * 1 when p[0..n) is a valid time in the form tools write,
 * 2024-01-01T00:00:00.000Z, of the years 0001 to 9999 (a leap second,
 * which tw_buf_add_iso would move, is not).
 */
static int
iso_canonical(const char *p, size_t n)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ";
	static const unsigned char mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31,
	    30, 31, 30, 31 };
	int i, y, mo, d;

	if (n != 24)
		return 0;
	for (i = 0; i < 24; i++)
		if (shape[i] == 'd' ? (unsigned char)(p[i] - '0') > 9 : p[i] != shape[i])
			return 0;
	y = dig2(p) * 100 + dig2(p + 2);
	mo = dig2(p + 5);
	d = dig2(p + 8);
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || dig2(p + 11) > 23 ||
	    dig2(p + 14) > 59 || dig2(p + 17) > 59)
		return 0;
	if (d <= mdays[mo - 1])
		return 1;
	return mo == 2 && d == 29 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/*
 * Appends time v to s as the dialect's text of it: ISO 8601 UTC with
 * milliseconds and Z (2024-01-01T00:00:00.000Z), for MySQL without T
 * and Z (2024-01-01 00:00:00.000), which DATETIME(3) takes. v is ISO
 * 8601 text (any offset), the v1.1 form, or an integer of epoch
 * seconds (11 digits at most) or milliseconds. Returns 0, or -1 when v
 * is no time of the years 0001 to 9999.
 */
static int
time_text(struct load *L, const struct tw_jval *v, struct tw_buf *s)
{
	const char *p;
	size_t n, start;
	int64_t ms;

	if (v->type == TW_JSTR) {
		if (v->flags == 0 && iso_canonical(v->p, v->len)) {
			/* Most times: already the text to write. */
			if (L->o.dialect == D_MYSQL) {
				tw_buf_add(s, v->p, 23);
				s->p[s->len - 13] = ' ';
			} else
				tw_buf_add(s, v->p, 24);
			return 0;
		}
		if (v->flags == 0) {
			p = v->p;
			n = v->len;
		} else {
			tw_buf_reset(&L->tmp2);
			tw_json_str_decode(&L->tmp2, v);
			p = L->tmp2.p;
			n = L->tmp2.len;
		}
		if (tw_time_parse_iso(p, n, &ms) < 0 && tw_time_parse_v1(p, n, &ms) < 0)
			return -1;
	} else if (v->type == TW_JNUM && (v->flags & TW_JF_INT)) {
		if (tw_time_parse(v->p, v->len, &ms) < 0)
			return -1;
	} else
		return -1;
	if (ms < TIME_MIN_MS || ms > TW_TIME_MAX_MS)
		return -1;
	start = s->len;
	tw_buf_add_iso(s, ms);
	if (L->o.dialect == D_MYSQL) {
		s->p[start + 10] = ' ';
		s->p[--s->len] = '\0';
	}
	return 0;
}

/*
 * Appends value v for column c to b in the output format. Returns 0, -1
 * (bad: L->err set), 1 (an inferred column must widen first) or 2 (a
 * MySQL VARCHAR column must become LONGTEXT first).
 */
static int
add_value(struct load *L, struct table *t, struct column *c,
    const struct tw_json *j, const struct tw_jval *v, struct tw_buf *b)
{
	enum outmode m = L->o.mode;
	enum dialect d = L->o.dialect;
	int pgcopy = m == M_BULK && d == D_POSTGRES;
	int64_t x;
	double dv;
	struct tw_buf *s = &L->tmp;
	const char *text;
	size_t len, mark = 0;

	if (v == NULL || v->type == TW_JNULL) {
		if (c->key)
			return bad(L, "key column '%s' is null", c->name);
		if (m == M_SQL)
			tw_buf_adds(b, "NULL");
		else if (pgcopy)
			tw_buf_adds(b, "\\N");
		else if (m == M_BULK && d == D_MYSQL)
			tw_buf_adds(b, "NULL");
		return 0;
	}
	switch (c->type) {
	case C_ID:
	case C_INT:
		if (tw_json_i64(v, &x) < 0 || (v->type == TW_JNUM && !(v->flags & TW_JF_INT))) {
			if (t->rtype < 0 && value_type(v) != C_INT)
				return 1;
			return bad(L, "column '%s': %s", c->name,
			    c->type == C_ID ? "not an id that fits BIGINT" :
			    "not an integer that fits BIGINT");
		}
		if ((v->p[0] != '0' || v->len == 1) &&
		    (v->p[0] != '-' || v->p[1] != '0'))
			/* Already in its shortest form: no leading zero, no -0. */
			tw_buf_add(b, v->p, v->len);
		else
			tw_buf_add_i64(b, x);
		return 0;
	case C_NUM:
		if (v->type != TW_JNUM && !(v->type == TW_JSTR && t->rtype >= 0)) {
			if (t->rtype < 0)
				return 1;
			return bad(L, "column '%s': %s", c->name, "not a number");
		}
		if (tw_json_double(v, &dv) < 0 || !isfinite(dv))
			return bad(L, "column '%s': %s", c->name, "not a finite number");
		if (v->type == TW_JNUM)
			tw_buf_add(b, v->p, v->len);
		else
			tw_buf_add_double(b, dv);
		return 0;
	case C_TIME:
		if (m == M_CSV)
			break;	/* plain CSV has no types: as written */
		tw_buf_reset(s);
		if (m == M_BULK && d == D_SQLITE)
			tw_buf_addc(s, 's');	/* the mark of text, as below */
		if (time_text(L, v, s) < 0) {
			if (t->rtype < 0)
				return 1;
			return bad(L, "column '%s': %s", c->name,
			    "not a time (ISO 8601, years 0001 to 9999)");
		}
		if (m == M_SQL) {
			/* Digits, '-', ':', '.', 'T', 'Z', ' ': no quoting needed. */
			tw_buf_addc(b, '\'');
			tw_buf_add(b, s->p, s->len);
			tw_buf_addc(b, '\'');
		} else if (pgcopy)
			tw_buf_add(b, s->p, s->len);
		else
			tw_csv_add_quoted(b, s->p, s->len);
		return 0;
	case C_BOOL:
		if (v->type != TW_JTRUE && v->type != TW_JFALSE) {
			if (t->rtype < 0)
				return 1;
			return bad(L, "column '%s': %s", c->name, "not a boolean");
		}
		if (m == M_SQL)
			tw_buf_adds(b, v->type == TW_JTRUE ? "TRUE" : "FALSE");
		else if (pgcopy)
			tw_buf_addc(b, v->type == TW_JTRUE ? 't' : 'f');
		else if (m == M_BULK)
			tw_buf_addc(b, v->type == TW_JTRUE ? '1' : '0');
		else
			tw_buf_adds(b, v->type == TW_JTRUE ? "true" : "false");
		return 0;
	default:
		break;
	}
	/* Text and JSON: the value's text, then quoted for the output. */
	if (c->type != C_JSON && v->type == TW_JSTR && v->flags == 0 &&
	    !(m == M_BULK && d == D_SQLITE)) {
		/* No escapes, valid UTF-8, so no NUL: the raw text is it. */
		text = v->p;
		len = v->len;
	} else {
		tw_buf_reset(s);
		if (m == M_BULK && d == D_SQLITE)
			/* A leading mark keeps '' apart from NULL through
			 * .import. */
			tw_buf_addc(s, 's');
		mark = s->len;
		if (c->type == C_JSON)
			load_json(L, s, j, v);
		else if (v->type == TW_JSTR)
			load_str(L, s, v);
		else if (v->type == TW_JNUM)
			tw_buf_add(s, v->p, v->len);
		else
			load_json(L, s, j, v);	/* stringified */
		text = s->p;
		len = s->len;
	}
	if (d == D_MYSQL && (c->key || c->indexed) && len - mark > MYSQL_KEYLEN &&
	    tw_utf8_chars(text + mark, len - mark) > MYSQL_KEYLEN)
		return bad(L, "%s column '%s' longer than 191 characters",
		    c->key ? "key" : "indexed", c->name);
	if (d == D_MYSQL && c->vlen > 0 && m != M_CSV && !L->o.no_create &&
	    len - mark > (size_t)c->vlen &&
	    tw_utf8_chars(text + mark, len - mark) > (size_t)c->vlen)
		return 2;
	if (m == M_SQL)
		lit(L, b, text, len);
	else if (pgcopy)
		copy_text(b, text, len);
	else
		tw_csv_add_quoted(b, text, len);
	return 0;
}

/* Widens an inferred column in place (ALTER where the database needs it). */
/*
 * Starts the UPDATE that rewrites a widened boolean column's stored one
 * and zero (literals as the dialect stored them) as 'true' and 'false';
 * the caller ends the CASE.
 */
static void
bool_to_text(struct load *L, struct tw_buf *b, struct table *t,
    struct column *c, const char *one, const char *zero)
{
	tw_buf_adds(b, "UPDATE ");
	add_ident(L, b, t->name);
	tw_buf_adds(b, " SET ");
	add_ident(L, b, c->name);
	tw_buf_adds(b, " = CASE ");
	add_ident(L, b, c->name);
	tw_buf_adds(b, " WHEN ");
	tw_buf_adds(b, one);
	tw_buf_adds(b, " THEN 'true' WHEN ");
	tw_buf_adds(b, zero);
	tw_buf_adds(b, " THEN 'false'");
}

static void
widen_column(struct load *L, struct table *t, struct column *c, enum ctype to)
{
	struct tw_buf *b = &L->w.out;
	int was_bool = c->type == C_BOOL, was_time = c->type == C_TIME;

	if (L->o.mode == M_SQL && !L->o.no_create && L->o.dialect == D_SQLITE &&
	    was_bool) {
		/* SQLite stored TRUE as 1: the same text as the others. */
		flush_rows(L, t);
		c->type = to;
		bool_to_text(L, b, t, c, "1", "0");
		tw_buf_adds(b, " END WHERE typeof(");
		add_ident(L, b, c->name);
		tw_buf_adds(b, ") = 'integer';\n");
	} else if (L->o.mode == M_SQL && !L->o.no_create &&
	    (L->o.dialect == D_MYSQL || L->o.dialect == D_POSTGRES)) {
		flush_rows(L, t);
		c->type = to;
		tw_buf_adds(b, "ALTER TABLE ");
		add_ident(L, b, t->name);
		if (L->o.dialect == D_MYSQL) {
			tw_buf_adds(b, " MODIFY ");
			add_ident(L, b, c->name);
			tw_buf_addc(b, ' ');
			tw_buf_adds(b, sql_type(L, c));
		} else {
			tw_buf_adds(b, " ALTER COLUMN ");
			add_ident(L, b, c->name);
			tw_buf_adds(b, " TYPE ");
			tw_buf_adds(b, sql_type(L, c));
			tw_buf_adds(b, " USING ");
			if (was_time) {
				/* The text the later rows write, whatever
				 * the session's time zone and DateStyle. */
				tw_buf_adds(b, "to_char(");
				add_ident(L, b, c->name);
				tw_buf_adds(b, " AT TIME ZONE 'UTC', "
				    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')");
			} else {
				add_ident(L, b, c->name);
				tw_buf_adds(b, "::");
				tw_buf_adds(b, sql_type(L, c));
			}
		}
		tw_buf_adds(b, ";\n");
		if (L->o.dialect == D_MYSQL && was_time) {
			/* DATETIME(3) became '2024-01-01 00:00:00.000'. */
			tw_buf_adds(b, "UPDATE ");
			add_ident(L, b, t->name);
			tw_buf_adds(b, " SET ");
			add_ident(L, b, c->name);
			tw_buf_adds(b, " = CONCAT(REPLACE(");
			add_ident(L, b, c->name);
			tw_buf_adds(b, ", ' ', 'T'), 'Z');\n");
		}
		if (L->o.dialect == D_MYSQL && was_bool) {
			/* MySQL turns TRUE into '1': make it 'true', as
			 * PostgreSQL's cast and the later rows write it. */
			bool_to_text(L, b, t, c, "'1'", "'0'");
			tw_buf_adds(b, " ELSE ");
			add_ident(L, b, c->name);
			tw_buf_adds(b, " END;\n");
		}
	} else
		c->type = to;
	if (!L->o.quiet && L->o.mode != M_CSV)
		tw_warn("%s.%s: widened to %s", t->name, c->name, sql_type(L, c));
}

/*
 * MySQL: a short text column given a longer value becomes LONGTEXT (in
 * SQL mode after the pending rows; in bulk mode before LOAD DATA, which
 * comes last).
 */
static void
widen_text(struct load *L, struct table *t, struct column *c)
{
	struct tw_buf *b = &L->w.out;

	int was = c->vlen;

	if (L->o.mode == M_SQL)
		flush_rows(L, t);
	c->vlen = 0;
	tw_buf_adds(b, "ALTER TABLE ");
	add_ident(L, b, t->name);
	tw_buf_adds(b, " MODIFY ");
	add_ident(L, b, c->name);
	tw_buf_adds(b, " LONGTEXT;\n");
	if (!L->o.quiet)
		tw_warn("%s.%s: a value longer than %d characters: widened to LONGTEXT",
		    t->name, c->name, was);
}

static const struct tw_jval **vals;
static int nvals;

/*
 * The group_key of a window record: 16 hex digits of a 64-bit hash of
 * its group fields (every field agg_field does not claim, whether or
 * not it is a column), each as name, type and value (strings decoded),
 * so equal groups have equal keys whatever the spelling of their JSON.
 * The node and its text are static storage, valid until the next call.
 */
static const struct tw_jval *
group_key(struct load *L, struct table *t, const struct tw_json *j,
    const struct tw_jval *root)
{
	static char text[17];
	static struct tw_jval kv;
	struct tw_buf *s = &L->tmp;
	const struct tw_jval *k, *v, *end = tw_json_after(j, root);
	uint64_t h = 1469598103934665603ULL;
	size_t i;
	int c, hint = 0;

	for (k = root + 1; k < end; k = tw_json_after(j, k + 1)) {
		v = k + 1;
		if (k->flags == 0) {
			/* A column's name is judged once, not per record; the
			 * fields come in the columns' order. */
			if (hint < t->ncols && name_eq(&t->cols[hint], k->p, k->len))
				c = hint;
			else
				c = find_column(t, k->p, k->len);
			if (c >= 0) {
				struct column *col = &t->cols[c];

				hint = c + 1 == t->gkey ? c + 2 : c + 1;
				if (col->agg < 0)
					col->agg = agg_field(col->src) ||
					    strcmp(col->src, "group_key") == 0 ||
					    strcmp(col->src, "record_type") == 0;
				if (col->agg)
					continue;
			}
		}
		tw_buf_reset(s);
		tw_json_str_decode(s, k);
		if (agg_field(s->p) || strcmp(s->p, "group_key") == 0 ||
		    strcmp(s->p, "record_type") == 0)
			continue;
		tw_buf_addc(s, '\x1e');
		if (v->type == TW_JNULL)
			tw_buf_addc(s, 'n');
		else if (v->type == TW_JTRUE || v->type == TW_JFALSE)
			tw_buf_addc(s, v->type == TW_JTRUE ? 't' : 'f');
		else if (v->type == TW_JNUM) {
			tw_buf_addc(s, 'd');
			tw_buf_add(s, v->p, v->len);
		} else if (v->type == TW_JSTR) {
			tw_buf_addc(s, 's');
			tw_json_str_decode(s, v);
		} else {
			tw_buf_addc(s, 'j');
			load_json(L, s, j, v);
		}
		tw_buf_addc(s, '\x1f');
		h = tw_fnv64(h, s->p, s->len);
	}
	/* A final mix so that every bit depends on every byte. */
	h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9ULL;
	h = (h ^ (h >> 27)) * 0x94D049BB133111EBULL;
	h ^= h >> 31;
	for (i = 0; i < 16; i++)
		text[i] = "0123456789abcdef"[h >> (60 - 4 * i) & 15];
	text[16] = '\0';
	kv.type = TW_JSTR;
	kv.flags = 0;
	kv.p = text;
	kv.len = 16;
	return &kv;
}

/* Converts one record to a row of created table t. */
static int
add_row(struct load *L, struct table *t, const struct tw_json *j,
    const struct tw_jval *root)
{
	const struct tw_jval *k, *end;
	struct tw_buf *b, keytext = TW_BUF_INIT;
	size_t off;
	int i, rc;
	size_t koff[16], klen[16];

	if (t->ncols > nvals) {
		nvals = t->ncols * 2;
		vals = tw_xrealloc(vals, (size_t)nvals * sizeof *vals);
	}
	for (i = 0; i < t->ncols; i++)
		vals[i] = NULL;
	end = tw_json_after(j, root);
	for (k = root + 1; k < end; k = tw_json_after(j, k + 1)) {
		int c = k->flags ? -1 : find_column(t, k->p, k->len);

		if (c < 0) {
			if (TW_JSTREQ(k, "record_type"))
				continue;
			t->skipped_fields++;
			if (t->skipped_fields == 1 && !L->o.quiet)
				tw_warn("%s: field '%.*s' is not a column: ignored "
				    "(further ones are counted)", t->name,
				    (int)(k->len > 64 ? 64 : k->len), k->p);
			continue;
		}
		vals[c] = k + 1;
		t->next_hint = c + 1;
	}
	if (t->gkey >= 0)
		vals[t->gkey] = group_key(L, t, j, root);
	b = L->o.mode == M_SQL ? &t->rows : (L->bulk_open ? &L->bulk.out : &L->w.out);
	if (L->o.dialect == D_HIVE)
		return 0;
again:
	off = b->len;
	if (L->o.mode == M_SQL)
		tw_buf_addc(b, '(');
	for (i = 0; i < t->ncols; i++) {
		size_t before;

		if (i)
			tw_buf_addc(b, L->o.mode == M_BULK && L->o.dialect == D_POSTGRES ?
			    '\t' : ',');
		before = b->len;
		rc = add_value(L, t, &t->cols[i], j, vals[i], b);
		if (rc == 2) {
			b->len = off;
			b->p[off] = '\0';
			widen_text(L, t, &t->cols[i]);
			goto again;
		}
		if (rc == 1) {
			enum ctype to = widen(t->cols[i].type, value_type(vals[i]));

			/* Plain CSV has no types; a bulk load's table does. */
			if ((L->o.mode != M_SQL && L->o.mode != M_CSV) ||
			    to == t->cols[i].type) {
				b->len = off;
				b->p[off] = '\0';
				return bad(L, "column '%s': value does not fit type %s",
				    t->cols[i].name, sql_type(L, &t->cols[i]));
			}
			b->len = off;
			b->p[off] = '\0';
			widen_column(L, t, &t->cols[i], to);
			goto again;
		}
		if (rc < 0) {
			b->len = off;
			b->p[off] = '\0';
			return -1;
		}
		if (t->cols[i].key) {
			int ki;

			for (ki = 0; ki < t->nkey && ki < 16; ki++)
				if (t->keyidx[ki] == i) {
					koff[ki] = before;
					klen[ki] = b->len - before;
				}
		}
	}
	if (L->o.mode == M_SQL) {
		tw_buf_addc(b, ')');
		if (t->nkey > 0 && t->nkey <= 16) {
			for (i = 0; i < t->nkey; i++) {
				if (i)
					tw_buf_addc(&keytext, '\x1f');
				tw_buf_add(&keytext, b->p + koff[i], klen[i]);
			}
			keep_row(L, t, off, keytext.p, keytext.len);
		} else
			keep_row(L, t, off, NULL, 0);
		tw_buf_free(&keytext);
		L->txn_rows++;
		if (L->txn_rows == 1)
			L->txn_start_ns = tw_mono_ns();
		if (L->txn_rows >= (uint64_t)L->o.batch)
			txn_end(L);
		else if (t->rows.len >= STMT_MAX)
			flush_rows(L, t);
	} else {
		tw_buf_addc(b, '\n');
		t->loaded++;
		if (L->bulk_open) {
			if (tw_writer_end_record(&L->bulk) < 0)
				tw_writer_fail(&L->bulk);
		} else if (tw_writer_end_record(&L->w) < 0)
			tw_writer_fail(&L->w);
	}
	return 0;
}

/* ---- the record entry points ----------------------------------------- */

void
sql_init(struct load *L)
{
	tw_json_init(&L->j2);
}

int
sql_record(struct load *L, const struct tw_json *j, const char *raw,
    size_t rawlen)
{
	const struct tw_jval *root = j->v, *rt;
	struct table *t;
	const char *name;
	int rtype = -1, windows = 0;
	char nbuf[80];

	rt = TW_JGET(j, root, "record_type");
	if (rt != NULL && rt->type == TW_JSTR && rt->flags == 0) {
		rtype = tw_rtype_lookup(rt->p, rt->len);
		if (rtype >= 0)
			name = tw_rdefs[rtype].plural;
		else if (ident_ok(rt->p, rt->len)) {
			memcpy(nbuf, rt->p, rt->len);
			nbuf[rt->len] = '\0';
			name = nbuf;
		} else
			name = "records";
	} else if (rt != NULL && rt->type != TW_JNULL) {
		name = "records";
	} else if (TW_JGET(j, root, "window_start") && TW_JGET(j, root, "window_end")) {
		name = "windows";
		windows = 1;
	} else
		name = "records";
	if (L->o.table)
		name = L->o.table;
	if ((L->o.table || L->o.mode == M_CSV || L->o.mode == M_BULK) &&
	    L->ntables > 0 && L->tables[0]->rtype != rtype &&
	    (rtype >= 0 || L->tables[0]->rtype >= 0)) {
		/* One table: records of another type do not belong. */
		L->other_type++;
		if (!L->other_warned++ && !L->o.quiet)
			tw_warn("records of another type than %s are skipped "
			    "(one table per run with --table, --csv or --bulk)",
			    L->tables[0]->name);
		return 0;
	}
	t = table_get(L, name, rtype, windows);
	if (t->created)
		return add_row(L, t, j, root);
	if (rtype >= 0) {
		table_create(L, t);
		return add_row(L, t, j, root);
	}
	/* Inferred: keep the record until the first batch is complete. */
	early_add(L, t, raw, rawlen);
	if (++t->nearly >= (uint64_t)L->o.batch)
		table_create(L, t);
	return 0;
}

static void
create_waiting(struct load *L)
{
	int i;

	for (i = 0; i < L->ntables; i++)
		if (!L->tables[i]->created && L->tables[i]->nearly > 0)
			table_create(L, L->tables[i]);
}

void
sql_commit(struct load *L)
{
	if (L->o.dialect == D_HIVE)
		return;
	if (L->o.mode == M_SQL) {
		create_waiting(L);
		if (L->txn_rows || L->txn_open)
			txn_end(L);
	} else if (L->o.mode == M_CSV)
		create_waiting(L);
	if (L->bulk_open)
		tw_writer_flush(&L->bulk);
	tw_writer_flush(&L->w);
}

void
sql_tick(struct load *L)
{
	if (L->txn_rows && tw_mono_ns() - L->txn_start_ns >= L->o.commit_ms * 1000000)
		sql_commit(L);
}

/* Path as a quoted shell or SQL string; the caller checked the bytes. */
static void
bulk_trailer(struct load *L)
{
	struct tw_buf *b = &L->w.out;
	struct table *t = L->ntables ? L->tables[0] : NULL;
	int i, c;

	if (t == NULL || !t->created)
		return;
	if (L->o.dialect == D_POSTGRES) {
		tw_buf_adds(b, "\\.\n");
		if (t->nkey) {
			tw_buf_adds(b, "INSERT INTO ");
			add_ident(L, b, t->name);
			tw_buf_adds(b, " (");
			col_list(L, b, t, NULL);
			tw_buf_adds(b, ")\nSELECT DISTINCT ON (");
			for (i = 0; i < t->nkey; i++) {
				if (i)
					tw_buf_adds(b, ", ");
				add_ident(L, b, t->cols[t->keyidx[i]].name);
			}
			tw_buf_adds(b, ") ");
			col_list(L, b, t, NULL);
			tw_buf_adds(b, " FROM tw_stage ORDER BY ");
			for (i = 0; i < t->nkey; i++) {
				add_ident(L, b, t->cols[t->keyidx[i]].name);
				tw_buf_adds(b, ", ");
			}
			tw_buf_adds(b, "tw_ord DESC\nON CONFLICT (");
			for (i = 0; i < t->nkey; i++) {
				if (i)
					tw_buf_adds(b, ", ");
				add_ident(L, b, t->cols[t->keyidx[i]].name);
			}
			if (t->nkey == t->ncols)
				tw_buf_adds(b, ") DO NOTHING;\n");
			else {
				tw_buf_adds(b, ") DO UPDATE SET ");
				for (c = 0, i = 0; c < t->ncols; c++) {
					if (t->cols[c].key)
						continue;
					if (i++)
						tw_buf_adds(b, ", ");
					add_ident(L, b, t->cols[c].name);
					tw_buf_adds(b, " = excluded.");
					add_ident(L, b, t->cols[c].name);
				}
				tw_buf_adds(b, ";\n");
			}
		}
		tw_buf_adds(b, "COMMIT;\n");
		index_stmts(L, b, t);
	} else if (L->o.dialect == D_MYSQL) {
		tw_buf_adds(b, "LOAD DATA LOCAL INFILE '");
		tw_buf_adds(b, L->o.bulk_file);
		tw_buf_adds(b, t->nkey ? "' REPLACE INTO TABLE " : "' INTO TABLE ");
		add_ident(L, b, t->name);
		tw_buf_adds(b, " CHARACTER SET utf8mb4\n"
		    "  FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' ESCAPED BY ''\n"
		    "  LINES TERMINATED BY '\\n' IGNORE 1 LINES (");
		col_list(L, b, t, NULL);
		tw_buf_adds(b, ");\n");
	} else {
		create_stmt(L, b, t, "tw_stage", 1);
		tw_buf_adds(b, ".import --csv --skip 1 \"");
		tw_buf_adds(b, L->o.bulk_file);
		tw_buf_adds(b, "\" tw_stage\n");
		tw_buf_adds(b, t->nkey ? "INSERT OR REPLACE INTO " : "INSERT INTO ");
		add_ident(L, b, t->name);
		tw_buf_adds(b, " (");
		col_list(L, b, t, NULL);
		tw_buf_adds(b, ")\nSELECT ");
		for (c = 0; c < t->ncols; c++) {
			const char *n = t->cols[c].name;

			if (c)
				tw_buf_adds(b, ", ");
			switch (t->cols[c].type) {
			case C_STR: case C_TIME: case C_JSON: case C_NONE:
				tw_buf_adds(b, "CASE WHEN ");
				add_ident(L, b, n);
				tw_buf_adds(b, " = '' THEN NULL ELSE substr(");
				add_ident(L, b, n);
				tw_buf_adds(b, ", 2) END");
				break;
			default:
				tw_buf_adds(b, "NULLIF(");
				add_ident(L, b, n);
				tw_buf_adds(b, ", '')");
			}
		}
		tw_buf_adds(b, "\nFROM tw_stage ORDER BY rowid;\nDROP TABLE tw_stage;\n");
		index_stmts(L, b, t);
	}
}

void
sql_finish(struct load *L)
{
	int i;

	for (i = 0; i < L->ntables; i++)
		if (!L->tables[i]->created)
			table_create(L, L->tables[i]);
	if (L->o.dialect == D_HIVE) {
		hive_ddl(L);
		return;
	}
	if (L->o.mode == M_SQL)
		txn_end(L);
	else if (L->o.mode == M_BULK)
		bulk_trailer(L);
	if (L->bulk_open) {
		if (tw_writer_close(&L->bulk) < 0)
			tw_writer_fail(&L->bulk);
		L->bulk_open = 0;
	}
}

/* For hive.c: the column type name in Hive. */
const char *load_hive_type(struct load *L, const struct column *c);
const char *
load_hive_type(struct load *L, const struct column *c)
{
	return sql_type(L, c);
}
