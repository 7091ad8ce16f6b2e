/*
 * hive.c: Hive DDL for a directory written by tw-load's partition mode.
 *
 * CREATE EXTERNAL TABLE with the columns of the records read (a known
 * record type's schema, or inferred; with -f parquet, the Parquet files'
 * columns and types, STORED AS PARQUET), PARTITIONED BY the names of the
 * pattern's components, then ALTER TABLE ... ADD IF NOT EXISTS PARTITION
 * for every partition directory found under --out (or, with
 * --add-partitions read, every partition of the records read), in byte
 * order of their paths, up to HIVE_BATCH partitions a statement.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <unistd.h>

#include "load.h"
#include "tw_part.h"
#include "tw_pqrec.h"
#include "tw_util.h"

#define TW_PART_DEFAULT_TEXT TW_PART_DEFAULT

extern const char *hive_location;
const char *load_hive_type(struct load *L, const struct column *c);

struct pcol {
	char *name;
	int is_int;
};

static struct pcol *pcols;
static int npcols;
static char **found;
static size_t nfound, capfound;
static int noted;	/* found holds the records' partitions (hive_note) */

#define HIVE_BATCH 100	/* partitions in one ALTER TABLE */

/*
 * -f parquet: the records go through the Parquet mapping, as tw-load's
 * parts would take them (into an unlinked temporary file), so that the
 * DDL's columns are the files' columns, inferred ones and widenings too.
 */
static struct tw_pqrec *hpq;
static FILE *hpq_file;

void
hive_pq_note(struct load *L, const struct tw_json *j)
{
	if (hpq == NULL) {
		struct tw_pq_opts po = { TW_PQ_UNCOMPRESSED, 0, 0, 0, 0, NULL, 0 };
		struct tw_pqrec_opts ro;
		char **omit = NULL;
		int nomit = 0;
		const char *c = L->o.pattern;

		while (*c) {
			size_t n = strcspn(c, "/");
			const char *eq = memchr(c, '=', n);

			if (eq) {
				omit = tw_xrealloc(omit, (size_t)(nomit + 1) * sizeof *omit);
				omit[nomit++] = tw_xstrndup(c, (size_t)(eq - c));
			}
			c += n + (c[n] == '/');
		}
		if ((hpq_file = tmpfile()) == NULL)
			tw_die(1, "cannot create a temporary file: %s", strerror(errno));
		memset(&ro, 0, sizeof ro);
		ro.omit = (const char *const *)omit;
		ro.nomit = nomit;
		hpq = tw_pqrec_new(fileno(hpq_file), &po, &ro);
		while (nomit > 0)
			free(omit[--nomit]);
		free(omit);
	}
	/* Bad records and records of another kind are not columns. */
	if (tw_pqrec_add(hpq, j, j->v) == TW_PQREC_IOERR)
		tw_die(1, "temporary file: %s", tw_pqrec_error(hpq));
}

/* The columns of the Parquet files, less the partition columns. */
static void
pq_columns(struct tw_buf *b)
{
	struct tw_pq *w;
	int i, k, n;

	if (tw_pqrec_close(hpq) < 0)
		tw_die(1, "temporary file: %s", tw_pqrec_error(hpq));
	w = tw_pqrec_writer(hpq);
	for (i = 0, n = 0; i < tw_pq_nfields(w); i++) {
		const struct tw_pq_field *f = tw_pq_field(w, i);
		int clash = 0;

		for (k = 0; k < npcols; k++)
			clash |= strcasecmp(f->name, pcols[k].name) == 0;
		if (clash)
			continue;
		if (n++)
			tw_buf_adds(b, ",\n");
		tw_buf_addf(b, "  `%s` ", f->name);
		tw_pqrec_hive_type(b, f);
	}
	tw_pqrec_free(hpq);
	hpq = NULL;
	fclose(hpq_file);
}

static void
add_found(const char *rel)
{
	if (nfound == capfound) {
		capfound = capfound ? capfound * 2 : 64;
		found = tw_xrealloc(found, capfound * sizeof *found);
	}
	found[nfound++] = tw_xstrdup(rel);
}

/* Remembers rel once (a hash set of the paths seen). */
void
hive_note(const char *rel)
{
	static uint64_t *set;
	static size_t cap, n;
	uint64_t h = tw_hash64(rel, strlen(rel)) | 1;
	size_t i;

	noted = 1;
	if (n * 2 >= cap) {
		uint64_t *old = set;
		size_t oc = cap;

		cap = cap ? cap * 2 : 256;
		set = tw_xcalloc(cap, sizeof *set);
		for (i = 0; i < oc; i++)
			if (old[i]) {
				size_t k = old[i] & (cap - 1);

				while (set[k])
					k = (k + 1) & (cap - 1);
				set[k] = old[i];
			}
		free(old);
	}
	for (i = h & (cap - 1); set[i]; i = (i + 1) & (cap - 1))
		if (set[i] == h)
			return;
	set[i] = h;
	n++;
	add_found(rel);
}

static void
parse_pattern(const char *pat)
{
	const char *c = pat;

	while (*c) {
		size_t n = strcspn(c, "/");
		const char *eq = memchr(c, '=', n), *v;
		int only_time = 1;

		if (eq == NULL || !ident_ok(c, (size_t)(eq - c)))
			tw_die(2, "--partition-by: component '%.*s' is not name=value",
			    (int)n, c);
		for (v = eq + 1; v < c + n; v += 2)
			if (v[0] != '%' || v + 1 >= c + n || !strchr("YmdHMj", v[1]))
				only_time = 0;
		if (eq + 1 == c + n)
			only_time = 0;
		pcols = tw_xrealloc(pcols, (size_t)(npcols + 1) * sizeof *pcols);
		pcols[npcols].name = tw_xstrndup(c, (size_t)(eq - c));
		pcols[npcols].is_int = only_time;
		npcols++;
		c += n;
		if (*c == '/')
			c++;
	}
}

/* Collects relative directories depth levels down that match pcols. */
static void
scan(const char *root, const char *rel, int depth)
{
	char path[PATH_MAX], sub[PATH_MAX];
	DIR *d;
	struct dirent *e;
	size_t nl = strlen(pcols[depth].name);

	snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
	if ((d = opendir(path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		struct stat sb;
		char full[PATH_MAX];

		if (strncmp(e->d_name, pcols[depth].name, nl) != 0 || e->d_name[nl] != '=')
			continue;
		if ((size_t)snprintf(full, sizeof full, "%s/%s", path, e->d_name) >= sizeof full)
			continue;
		if (stat(full, &sb) < 0 || !S_ISDIR(sb.st_mode))
			continue;
		if ((size_t)snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "",
		    e->d_name) >= sizeof sub)
			continue;
		if (depth + 1 < npcols)
			scan(root, sub, depth + 1);
		else
			add_found(sub);
	}
	closedir(d);
}

static int
cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A HiveQL string literal: backslash escapes for ', \ and controls. */
static void
hive_lit(struct tw_buf *b, const char *s, size_t n)
{
	size_t i;

	tw_buf_addc(b, '\'');
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\'' || c == '\\') {
			tw_buf_addc(b, '\\');
			tw_buf_addc(b, (char)c);
		} else if (c == '\n')
			tw_buf_adds(b, "\\n");
		else if (c == '\r')
			tw_buf_adds(b, "\\r");
		else if (c == '\t')
			tw_buf_adds(b, "\\t");
		else if (c < 0x20 || c == 0x7f)
			tw_buf_addf(b, "\\u%04X", c);
		else
			tw_buf_addc(b, (char)c);
	}
	tw_buf_addc(b, '\'');
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Hive's unescapePathName. */
static void
unescape(struct tw_buf *b, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			tw_buf_addc(b, (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2])));
			i += 2;
		} else
			tw_buf_addc(b, s[i]);
	}
}

static const char *
json_hive_type(const char *name)
{
	if (!strcmp(name, "matching_rules") ||
	    tw_field_strlist(name))
		return "ARRAY<STRING>";
	if (!strcmp(name, "media"))
		return "ARRAY<STRUCT<media_key:STRING,type:STRING,url:STRING>>";
	if (!strcmp(name, "bbox"))
		return "ARRAY<DOUBLE>";
	return "STRING";
}

int
hive_ddl(struct load *L)
{
	struct tw_buf *b = &L->w.out, loc = TW_BUF_INIT, v = TW_BUF_INIT;
	struct table *t;
	char real[PATH_MAX];
	size_t f;
	int i, k, n, inbatch;

	parse_pattern(L->o.pattern);
	if (L->ntables == 0) {
		tw_warn("no records read: the table's columns are unknown");
		return -1;
	}
	if (L->ntables > 1 && !L->o.quiet)
		tw_warn("records of %d types read; DDL for %s only", L->ntables,
		    L->tables[0]->name);
	t = L->tables[0];
	/* A location says its file system: file:// for a local directory
	 * (Hive would take a bare path as one of its default, HDFS). */
	if (hive_location)
		tw_buf_adds(&loc, hive_location);
	else if (realpath(L->o.out, real) != NULL)
		tw_buf_addf(&loc, "file://%s", real);
	else
		tw_buf_addf(&loc, "file://%s", L->o.out);
	while (loc.len > 1 && loc.p[loc.len - 1] == '/')
		loc.p[--loc.len] = '\0';

	tw_buf_adds(b, "CREATE EXTERNAL TABLE IF NOT EXISTS `");
	tw_buf_adds(b, t->name);
	tw_buf_adds(b, "` (\n");
	for (i = 0, n = 0; i < t->ncols && hpq == NULL; i++) {
		const struct column *c = &t->cols[i];
		int clash = 0;

		for (k = 0; k < npcols; k++)
			clash |= strcasecmp(c->name, pcols[k].name) == 0;
		if (clash)
			continue;	/* the partition column stands for it */
		if (n++)
			tw_buf_adds(b, ",\n");
		tw_buf_adds(b, "  `");
		tw_buf_adds(b, c->name);
		tw_buf_adds(b, "` ");
		if (L->o.part_csv)
			tw_buf_adds(b, "STRING");
		else if (c->type == C_ID)
			tw_buf_adds(b, "STRING");
		else if (c->type == C_JSON)
			tw_buf_adds(b, t->rtype >= 0 ? json_hive_type(c->name) : "STRING");
		else
			tw_buf_adds(b, load_hive_type(L, c));
	}
	if (hpq != NULL)
		pq_columns(b);
	tw_buf_adds(b, "\n)\nPARTITIONED BY (");
	for (k = 0; k < npcols; k++) {
		if (k)
			tw_buf_adds(b, ", ");
		tw_buf_addf(b, "`%s` %s", pcols[k].name, pcols[k].is_int ? "INT" : "STRING");
	}
	tw_buf_adds(b, ")\n");
	if (L->o.part_parquet)
		tw_buf_adds(b, "STORED AS PARQUET\nLOCATION ");
	else if (L->o.part_csv)
		tw_buf_adds(b, "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.OpenCSVSerde'\n"
		    "STORED AS TEXTFILE\nLOCATION ");
	else
		tw_buf_adds(b, "ROW FORMAT SERDE 'org.apache.hive.hcatalog.data.JsonSerDe'\n"
		    "STORED AS TEXTFILE\nLOCATION ");
	hive_lit(b, loc.p, loc.len);
	if (L->o.part_csv)
		tw_buf_adds(b, "\nTBLPROPERTIES ('skip.header.line.count'='1')");
	tw_buf_adds(b, ";\n");

	if (!noted)
		scan(L->o.out, "", 0);
	if (nfound > 0)
		qsort(found, nfound, sizeof *found, cmp);
	for (f = 0, inbatch = 0; f < nfound; f++) {
		const char *p = found[f];
		struct tw_buf spec = TW_BUF_INIT;
		int skip = 0;

		for (k = 0; k < npcols; k++) {
			size_t len = strcspn(p, "/");
			const char *val = p + strlen(pcols[k].name) + 1;
			size_t vlen = len - strlen(pcols[k].name) - 1;

			if (k)
				tw_buf_adds(&spec, ", ");
			tw_buf_addf(&spec, "`%s`=", pcols[k].name);
			tw_buf_reset(&v);
			unescape(&v, val, vlen);
			if (pcols[k].is_int && v.len > 0 && strspn(v.p, "0123456789") == v.len) {
				size_t z = 0;

				while (z + 1 < v.len && v.p[z] == '0')
					z++;
				tw_buf_add(&spec, v.p + z, v.len - z);
			} else if (pcols[k].is_int) {
				/* Records without a time: Hive's type check
				 * refuses a string for an INT column, and Hive
				 * itself leaves such a partition out. */
				skip = 1;
			} else
				hive_lit(&spec, v.p, v.len);
			p += len + (p[len] == '/');
		}
		if (skip) {
			if (!L->o.quiet)
				tw_warn("partition %s left out: %s in an INT column "
				    "(records without a time)", found[f], TW_PART_DEFAULT_TEXT);
			tw_buf_free(&spec);
			free(found[f]);
			continue;
		}
		if (inbatch == 0) {
			tw_buf_adds(b, "ALTER TABLE `");
			tw_buf_adds(b, t->name);
			tw_buf_adds(b, "` ADD IF NOT EXISTS");
		}
		tw_buf_adds(b, "\n  PARTITION (");
		tw_buf_add(b, spec.p, spec.len);
		tw_buf_adds(b, ") LOCATION ");
		tw_buf_reset(&v);
		tw_buf_addf(&v, "%s/%s", loc.p, found[f]);
		hive_lit(b, v.p, v.len);
		if (++inbatch == HIVE_BATCH) {
			tw_buf_adds(b, ";\n");
			inbatch = 0;
		}
		tw_buf_free(&spec);
		free(found[f]);
	}
	if (inbatch)
		tw_buf_adds(b, ";\n");
	free(found);
	tw_buf_free(&loc);
	tw_buf_free(&v);
	return 0;
}
