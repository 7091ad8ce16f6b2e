/*
 * tw-load: records into SQLite, MariaDB/MySQL, PostgreSQL (as text for
 * each database's own client), Hive DDL, or Hive-style partitioned
 * gzip files.
 *
 * Data flow: tw_reader -> tw_input (documents) -> sql_record (tables,
 * rows, statements; sql.c) or part_record (part files; part.c) ->
 * tw_writer. Bad documents are reported with file:line, counted, and
 * kept verbatim in the --rejects file. When the input pauses, pending
 * rows are committed (or, for parts, nothing is held that a reader
 * could see half-written).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"
#include "tw_guard.h"
#include "tw_input.h"
#include "tw_mark.h"
#include "tw_opt.h"
#include "tw_parquet.h"
#include "tw_rejects.h"
#include "tw_sig.h"
#include "tw_time.h"
#include "tw_util.h"
#include "tw_zout.h"

static const char usage_text[] =
    "usage: tw-load [-cqsv] [-d sqlite|mysql|postgres|hive] [-t TABLE] [-k KEYS]\n"
    "               [--no-key] [-b N] [--no-create] [--no-index] [--bulk[=FILE]]\n"
    "               [-r FILE] [--max-bad N] [--commit-interval DUR]\n"
    "               [--busy-timeout DUR] [FILE ...]\n"
    "       tw-load -p PATTERN -o DIR [--format ndjson|csv|parquet] [--codec NAME]\n"
    "               [--level N] [--row-group SIZE] [--no-delta] [--roll SIZE|DUR]\n"
    "               [--max-open N] [--no-fsync] [--acks FILE] [FILE ...]\n"
    "       tw-load --format parquet -o FILE [--codec NAME] [--level N]\n"
    "               [--row-group SIZE] [--no-delta] [--roll SIZE|DUR] [--no-fsync]\n"
    "               [FILE ...]\n"
    "       tw-load -d hive -p PATTERN -o DIR [--format ndjson|csv|parquet]\n"
    "               [--location URI] [-t TABLE] [--add-partitions all|read]\n"
    "               [FILE ...]\n"
    "       tw-load -d sqlite|mysql|postgres --storage-query\n";

static void
usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	if (status == 0)
		fputs("\n"
		    "  -d, --dialect NAME      sqlite (default), mysql, postgres or hive\n"
		    "  -t, --table NAME        one table for every record\n"
		    "  -k, --key LIST          primary key and upsert key (default per type)\n"
		    "      --no-key            no primary key, plain INSERTs\n"
		    "  -b, --batch N           rows per transaction (default 500)\n"
		    "      --commit-interval D longest time a transaction stays open (1s)\n"
		    "      --busy-timeout D    sqlite3 waits this long for a lock (10s; 0: no\n"
		    "                          .timeout line, for clients other than sqlite3)\n"
		    "      --no-create         no CREATE TABLE\n"
		    "      --no-index          no CREATE INDEX (time and author of tweets,\n"
		    "                          tag of hashtags, window_start)\n"
		    "  -c, --csv               CSV with a header row, one table\n"
		    "      --bulk[=FILE]       the database's bulk loader (COPY, LOAD DATA,\n"
		    "                          .import); FILE gets the data for mysql, sqlite\n"
		    "  -p, --partition-by PAT  write partitioned files, e.g. year=%Y/month=%m\n"
		    "  -o, --out DIR           the partitioned directory (without -p and\n"
		    "                          with -f parquet: one Parquet file)\n"
		    "      --format FMT        ndjson (default), csv or parquet part files\n"
		    "      --codec NAME        ndjson, csv: gzip (default), zstd or none;\n"
		    "                          parquet: snappy (default), zstd, gzip or none\n"
		    "      --level N           the codec's level (gzip 2, zstd 1; Parquet:\n"
		    "                          zstd 3, gzip 6)\n"
		    "      --row-group SIZE    Parquet: bytes held a part before a row\n"
		    "                          group is written (default 64M)\n"
		    "      --no-delta          Parquet: values PLAIN or in dictionaries\n"
		    "                          only (readers without DELTA encodings)\n"
		    "      --roll SIZE|DUR     start a new part after SIZE bytes or DUR\n"
		    "      --max-open N        open part files at most (default 64)\n"
		    "      --no-fsync          do not fsync parts (faster, less safe)\n"
		    "      --acks FILE         write each stream mark to FILE once the\n"
		    "                          records before it are durable\n"
		    "      --location URI      LOCATION of the Hive table (default file://DIR)\n"
		    "      --add-partitions W  all: every partition under DIR (default);\n"
		    "                          read: only those of the records read\n"
		    "      --storage-query     print the query of table sizes for\n"
		    "                          tw-perf report -s tsv:FILE, and exit\n"
		    "  -r, --rejects FILE      append bad input lines to FILE verbatim,\n"
		    "                          and file:line<TAB>reason to FILE.reasons\n"
		    "  -s, --strict            stop at the first bad line (status 1)\n"
		    "      --max-bad N         stop when the first N lines are all bad\n"
		    "                          (default 100; 0: no limit)\n"
		    "      --max-line SIZE     longest line or document (default 256M)\n"
		    "  -q, --quiet             no per-line messages, only the summary\n"
		    "  -v, --verbose           always print the summary\n"
		    "  -h, --help              this help\n"
		    "      --version           the version\n", stdout);
	exit(status);
}

static struct load st;
static struct tw_rejects rej;
static int have_rej;
static uint64_t nbad, nblank, nioerr, ndocs;
static struct tw_guard guard;

const char *hive_location;

static void
flush_rejects(void)
{
	if (have_rej && tw_rejects_flush(&rej) < 0)
		tw_writer_fail(tw_rejects_failed(&rej));
}

static void
on_idle(void *arg)
{
	struct load *L = arg;

	flush_rejects();
	if (L->o.mode == M_PART)
		part_tick(L);
	else
		sql_commit(L);
}

static void
on_tick(void *arg)
{
	struct load *L = arg;

	if (L->o.mode == M_PART)
		part_tick(L);
	else if (tw_writer_reader_gone(&L->w)) {
		/* The database client has gone: end now, as a closed pipe
		 * does, so that what feeds us learns it too (tw-agg then saves
		 * no state that assumed these rows landed). */
		L->w.err = EPIPE;
		tw_writer_fail(&L->w);
	}
}

static void
finish(struct load *L)
{
	if (L->o.mode == M_PART) {
		if (part_finish(L) < 0)
			exit(1);
	} else
		sql_finish(L);
	if (tw_writer_close(&L->w) < 0)
		tw_writer_fail(&L->w);
	if (have_rej && tw_rejects_close(&rej) < 0)
		tw_writer_fail(tw_rejects_failed(&rej));
}

/* Counts, reports and keeps a bad record read at name:line. */
static void
report_at(struct load *L, const char *name, uint64_t line, const char *raw,
    size_t rawlen, int cr, const char *reason)
{
	nbad++;
	if (!L->o.quiet)
		tw_warn("%s:%llu: %s", name, (unsigned long long)line, reason);
	if (have_rej && raw != NULL &&
	    tw_rejects_add(&rej, name, line, raw, rawlen, cr, reason) < 0)
		tw_writer_fail(tw_rejects_failed(&rej));
	if (L->o.strict)
		L->stop = 1;
}

static void
report_bad(struct load *L, struct tw_input *in, const char *reason)
{
	report_at(L, in->name, in->lineno, in->raw, in->rawlen, in->cr, reason);
	if (L->o.strict) {
		finish(L);
		tw_die(1, "stopping at the first bad line (--strict)");
	}
	if (tw_guard_bad(&guard)) {
		finish(L);
		tw_guard_stop(&guard);
	}
}

static void
summary(struct load *L)
{
	struct tw_buf b = TW_BUF_INIT;
	uint64_t total = 0, skipped = 0;
	int i;

	for (i = 0; i < L->ntables; i++)
		skipped += L->tables[i]->skipped_fields;
	if (!L->o.verbose && nbad == 0 && nioerr == 0 && L->nul_removed == 0 &&
	    L->repaired == 0 && L->other_type == 0 && skipped == 0)
		return;
	for (i = 0; i < L->ntables; i++) {
		struct table *t = L->tables[i];

		total += t->loaded;
		tw_buf_addf(&b, "%s%s %llu", i ? ", " : " (", t->name,
		    (unsigned long long)t->loaded);
		if (t->skipped_fields)
			tw_buf_addf(&b, " [%llu unknown fields ignored]",
			    (unsigned long long)t->skipped_fields);
	}
	if (L->ntables)
		tw_buf_addc(&b, ')');
	if (L->o.mode == M_PART)
		tw_warn("%llu documents, %llu records written; %llu bad lines",
		    (unsigned long long)ndocs, (unsigned long long)(ndocs - nbad),
		    (unsigned long long)nbad);
	else
		tw_warn("%llu documents, %llu rows%s; %llu bad lines, %llu NUL bytes "
		    "removed, %llu strings repaired (U+FFFD), %llu records of "
		    "another type skipped",
		    (unsigned long long)ndocs, (unsigned long long)total,
		    b.p, (unsigned long long)nbad,
		    (unsigned long long)L->nul_removed,
		    (unsigned long long)L->repaired,
		    (unsigned long long)L->other_type);
	tw_buf_free(&b);
}

static void
parse_roll(struct opts *o, const char *s)
{
	const char *err;
	int64_t v;

	if (tw_parse_size(s, 1, (int64_t)1 << 50, &v, &err) == 0)
		o->roll_bytes = v;
	else if (tw_parse_duration(s, 1, (int64_t)1 << 40, &v, &err) == 0)
		o->roll_ms = v;
	else
		tw_die(2, "--roll: '%s' is neither a size (64M) nor a duration (5m)", s);
}

/*
 * --codec and --level: for NDJSON and CSV parts tw_zout's codecs (gzip by
 * default) and their levels; for Parquet its page codecs (snappy by
 * default, as Spark and Hive), zstd 1-22 and gzip 1-9.
 */
static void
parse_codec(struct opts *o, const char *codec, const char *level)
{
	const char *err;
	int64_t v;
	int min, max;

	if (o->part_parquet) {
		int c = codec ? tw_pq_codec_parse(codec) : TW_PQ_SNAPPY;

		if (c < 0)
			tw_die(2, "--codec: '%s' is not snappy, zstd, gzip or none "
			    "(Parquet)", codec);
		o->codec = c;
		min = c == TW_PQ_ZSTD || c == TW_PQ_GZIP ? 1 : 0;
		max = c == TW_PQ_ZSTD ? 22 : c == TW_PQ_GZIP ? 9 : 0;
	} else {
		int c = codec ? tw_zout_codec(codec) : TW_ZOUT_GZIP;

		if (c < 0)
			tw_die(2, "--codec: '%s' is not gzip, zstd or none", codec);
		o->codec = c;
		tw_zout_levels(c, &min, &max);
	}
	if (level == NULL)
		return;
	if (min == 0 && max == 0)
		tw_die(2, "--level: the codec %s has no levels", codec ? codec :
		    o->part_parquet ? "snappy" : "gzip");
	if (tw_parse_int(level, min, max, &v, &err) < 0 || v == 0)
		tw_die(2, "--level: '%s': %s (%d to %d, not 0)", level,
		    err ? err : "not a level", min, max);
	o->level = (int)v;
}

/*
 * --storage-query: the query whose output, run by the database's own
 * client, is "table<TAB>bytes" lines for tw-perf report -s tsv:FILE.
 */
static int
storage_query(enum dialect d, int nargs)
{
	static const char *const q[] = {
		/* sqlite3 prints one column as is. */
		[D_SQLITE] = "SELECT name || char(9) || SUM(pgsize) FROM dbstat "
		    "GROUP BY name ORDER BY name;\n",
		/* mariadb -N -B separates columns by a tab (and would
		 * escape one inside a value). */
		[D_MYSQL] = "SELECT table_name, data_length + index_length FROM "
		    "information_schema.TABLES WHERE table_schema = DATABASE() "
		    "ORDER BY table_name;\n",
		/* psql -At prints one column as is. */
		[D_POSTGRES] = "SELECT relname || E'\\t' || "
		    "pg_total_relation_size(oid) FROM pg_class WHERE relkind = 'r' "
		    "AND relnamespace = 'public'::regnamespace ORDER BY relname;\n",
	};

	if (nargs > 0)
		tw_die(2, "--storage-query takes no input files");
	if (d == D_HIVE)
		tw_die(2, "--storage-query: use tw-perf report -s dir:PATH for "
		    "Hive directories");
	if (fputs(q[d], stdout) == EOF || fflush(stdout) == EOF || ferror(stdout))
		tw_die(1, "<stdout>: write error: %s", strerror(errno));
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dialect", required_argument, NULL, 'd' },
		{ "table", required_argument, NULL, 't' },
		{ "key", required_argument, NULL, 'k' },
		{ "batch", required_argument, NULL, 'b' },
		{ "csv", no_argument, NULL, 'c' },
		{ "partition-by", required_argument, NULL, 'p' },
		{ "out", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 19 },
		{ "rejects", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "no-key", no_argument, NULL, 1 },
		{ "no-create", no_argument, NULL, 2 },
		{ "bulk", optional_argument, NULL, 3 },
		{ "roll", required_argument, NULL, 4 },
		{ "max-bad", required_argument, NULL, 20 },
		{ "max-open", required_argument, NULL, 5 },
		{ "no-fsync", no_argument, NULL, 6 },
		{ "location", required_argument, NULL, 7 },
		{ "max-line", required_argument, NULL, 8 },
		{ "commit-interval", required_argument, NULL, 9 },
		{ "version", no_argument, NULL, 10 },
		{ "storage-query", no_argument, NULL, 11 },
		{ "busy-timeout", required_argument, NULL, 12 },
		{ "acks", required_argument, NULL, 13 },
		{ "add-partitions", required_argument, NULL, 14 },
		{ "no-index", no_argument, NULL, 15 },
		{ "codec", required_argument, NULL, 16 },
		{ "level", required_argument, NULL, 17 },
		{ "row-group", required_argument, NULL, 18 },
		{ "no-delta", no_argument, NULL, 21 },
		{ NULL, 0, NULL, 0 }
	};
	struct load *L = &st;
	struct opts *o = &L->o;
	struct tw_reader r;
	struct tw_input in;
	struct tw_json json;
	const char *bulk = NULL, *fmt = NULL, *codec = NULL, *level = NULL;
	int64_t x;
	int64_t max_line = (int64_t)TW_READER_MAX_LINE;
	int ch, want_bulk = 0, want_storage = 0, max_open_given = 0;
	enum tw_in_status ist;
	char errbuf[256];

	tw_setprog(argv[0]);
	argv[0] = (char *)tw_prog;	/* getopt names the program by argv[0] */
	tw_sig_init();
	o->batch = 500;
	o->commit_ms = 1000;
	o->busy_ms = 10000;
	o->max_open = 64;
	o->fsync = 1;
	tw_guard_init(&guard, TW_GUARD_FLAT);
	opterr = 0;	/* tw_opt_refused says what was wrong */
	while ((ch = getopt_long(argc, argv, ":b:cd:hk:o:p:qr:st:v", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'b':
			o->batch = tw_opt_int("--batch", optarg, 1, 1000000);
			break;
		case 'c':
			o->mode = M_CSV;
			break;
		case 'd':
			if (strcmp(optarg, "sqlite") == 0 || strcmp(optarg, "sqlite3") == 0)
				o->dialect = D_SQLITE;
			else if (strcmp(optarg, "mysql") == 0 || strcmp(optarg, "mariadb") == 0)
				o->dialect = D_MYSQL;
			else if (strcmp(optarg, "postgres") == 0 ||
			    strcmp(optarg, "postgresql") == 0 || strcmp(optarg, "pg") == 0)
				o->dialect = D_POSTGRES;
			else if (strcmp(optarg, "hive") == 0)
				o->dialect = D_HIVE;
			else
				tw_die(2, "--dialect: '%s' is not sqlite, mysql, postgres or hive",
				    optarg);
			break;
		case 19:
			fmt = optarg;
			break;
		case 'h':
			usage(0);
			break;
		case 'k':
			o->key = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'p':
			o->pattern = optarg;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'r':
			o->rejects_path = optarg;
			break;
		case 's':
			o->strict = 1;
			break;
		case 't':
			if (!ident_ok(optarg, strlen(optarg)))
				tw_die(2, "--table: '%s' is not a plain name ([A-Za-z_][A-Za-z0-9_]*)",
				    optarg);
			o->table = optarg;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case 1:
			o->no_key = 1;
			break;
		case 2:
			o->no_create = 1;
			break;
		case 3:
			want_bulk = 1;
			bulk = optarg;
			break;
		case 4:
			parse_roll(o, optarg);
			break;
		case 5:
			o->max_open = tw_opt_int("--max-open", optarg, 1, 100000);
			max_open_given = 1;
			break;
		case 6:
			o->fsync = 0;
			break;
		case 7:
			hive_location = optarg;
			break;
		case 8:
			max_line = tw_opt_size("--max-line", optarg, 1024, (int64_t)1 << 32);
			break;
		case 9:
			o->commit_ms = tw_opt_duration("--commit-interval", optarg, 1, 3600000);
			break;
		case 12:
			o->busy_ms = tw_opt_duration("--busy-timeout", optarg, 0, 86400000);
			break;
		case 13:
			o->acks = optarg;
			break;
		case 14:
			if (strcmp(optarg, "read") == 0)
				o->hive_add_read = 1;
			else if (strcmp(optarg, "all") != 0)
				tw_die(2, "--add-partitions: use all or read");
			break;
		case 15:
			o->no_index = 1;
			break;
		case 16:
			codec = optarg;
			break;
		case 17:
			level = optarg;
			break;
		case 20:
			x = tw_opt_int("--max-bad", optarg, 0, INT64_MAX);
			guard.budget = (uint64_t)x;
			break;
		case 18:
			o->row_group = tw_opt_size("--row-group", optarg, 1024, (int64_t)1 << 32);
			break;
		case 21:
			o->no_delta = 1;
			break;
		case 10:
			printf("tw-load %s\n", TW_VERSION);
			return 0;
		case 11:
			want_storage = 1;
			break;
		default: {
			static const struct tw_opt_moved moved[] = {
				{ 'f', "--format" }, { 0, NULL } };

			tw_opt_refused(ch, argv, moved);
			usage(2);
		}
		}
	}
	argc -= optind;
	argv += optind;
	if (want_storage)
		return storage_query(o->dialect, argc);

	if (o->key) {
		const char *p;

		for (p = o->key; *p; p++)
			if (!(*p == ',' || *p == '_' || (*p >= 'a' && *p <= 'z') ||
			    (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
				tw_die(2, "--key: '%s' is not a list of plain names", o->key);
		if (o->no_key)
			tw_die(2, "--key and --no-key together");
	}
	if (fmt != NULL) {
		if (strcmp(fmt, "csv") == 0)
			o->part_csv = 1;
		else if (strcmp(fmt, "parquet") == 0)
			o->part_parquet = 1;
		else if (strcmp(fmt, "ndjson") != 0)
			tw_die(2, "--format: '%s' is not ndjson, csv or parquet", fmt);
	}
	parse_codec(o, codec, level);
	if (o->row_group && !o->part_parquet)
		tw_die(2, "--row-group goes with --format parquet");
	if (o->no_delta && !o->part_parquet)
		tw_die(2, "--no-delta goes with --format parquet");
	if (want_bulk) {
		if (o->mode == M_CSV)
			tw_die(2, "--bulk and --csv together");
		o->mode = M_BULK;
		if (o->dialect == D_HIVE)
			tw_die(2, "--bulk: not for hive");
		if (o->dialect != D_POSTGRES && bulk == NULL)
			tw_die(2, "--bulk=FILE: %s needs a file for the data",
			    o->dialect == D_MYSQL ? "mysql" : "sqlite");
		if (bulk != NULL && bulk[strcspn(bulk, "'\"\\`\n\r\t")] != '\0')
			tw_die(2, "--bulk: the file name must not hold quotes, "
			    "backslashes or control characters");
		o->bulk_file = bulk;
	}
	if (o->dialect == D_HIVE) {
		if (o->out == NULL || o->pattern == NULL)
			tw_die(2, "--dialect hive needs --partition-by and --out");
		if (o->mode != M_SQL)
			tw_die(2, "--dialect hive writes DDL only (no --csv or --bulk)");
	} else if (o->pattern != NULL || o->out != NULL) {
		if (o->out != NULL && o->pattern == NULL && o->part_parquet)
			o->single = 1;	/* one Parquet file */
		else if (o->out == NULL || o->pattern == NULL)
			tw_die(2, "partition mode needs both --partition-by and --out");
		if (o->mode == M_BULK)
			tw_die(2, "--bulk loads a database; -p and -o write files "
			    "(for CSV files: --format csv)");
		if (o->mode != M_SQL)
			tw_die(2, "--csv writes one CSV table to stdout; -p and -o "
			    "write files (for CSV files: --format csv)");
		o->mode = M_PART;
	}
	if (o->acks != NULL && o->mode != M_PART)
		tw_die(2, "--acks goes with partition mode (-p and -o)");
	if ((codec != NULL || level != NULL || o->row_group) && o->mode != M_PART &&
	    o->dialect != D_HIVE)
		tw_die(2, "--codec, --level and --row-group go with partition mode "
		    "(-p and -o)");
	if (fmt != NULL && o->mode != M_PART && o->dialect != D_HIVE)
		tw_die(2, "--format %s writes files: give -p PATTERN and -o DIR "
		    "(or, for parquet, -o FILE)%s", fmt, o->part_csv ?
		    "; for CSV on stdout: --csv" : "");
	if ((o->roll_bytes || o->roll_ms || max_open_given || !o->fsync) &&
	    o->mode != M_PART)
		tw_die(2, "--roll, --max-open and --no-fsync go with partition "
		    "mode (-p and -o)");
	if (o->hive_add_read && o->dialect != D_HIVE)
		tw_die(2, "--add-partitions goes with --dialect hive");

	tw_writer_init(&L->w, STDOUT_FILENO, "<stdout>");
	if (o->rejects_path != NULL) {
		if (tw_rejects_open(&rej, o->rejects_path, 1, errbuf, sizeof errbuf) < 0)
			tw_die(1, "%s", errbuf);
		have_rej = 1;
	}
	sql_init(L);
	L->on_bad = report_at;
	if (o->mode == M_PART && part_init(L, errbuf, sizeof errbuf) < 0)
		tw_die(2, "%s", errbuf);

	tw_reader_open(&r, argv, argc);
	r.max_line = (size_t)max_line;
	r.idle = on_idle;
	r.tick = on_tick;
	r.tick_ms = 200;
	r.arg = L;
	tw_json_init(&json);
	tw_input_init(&in, &r, &json);
	in.max_doc = (size_t)max_line;

	while ((ist = tw_input_next(&in)) != TW_IN_EOF) {
		switch (ist) {
		case TW_IN_DOC:
			if (tw_mark_is(in.raw, in.rawlen)) {
				/* Everything before the mark is made durable
				 * (its bad lines kept), then the mark is
				 * acknowledged. */
				flush_rejects();
				if (o->mode == M_PART) {
					if (part_mark(L, in.raw, in.rawlen) < 0)
						goto fail;
				} else
					sql_commit(L);
				break;
			}
			ndocs++;
			tw_guard_look(&guard, &in, &json);
			if (json.v[0].type != TW_JOBJ) {
				report_bad(L, &in, "not a JSON object");
				break;
			}
			if (tw_guard_not_flat(&guard, &json) != NULL) {
				/* an API payload, an envelope: not a table */
				report_bad(L, &in, "not a flat record (run "
				    "tw-flatten first)");
				break;
			}
			if (json.nbadutf8 > 0 && o->strict) {
				report_bad(L, &in, "invalid UTF-8");
				break;
			}
			L->err = "bad record";
			if (o->dialect == D_HIVE && o->part_parquet)
				hive_pq_note(L, &json);
			L->cur_name = in.name;
			L->cur_line = in.lineno;
			if ((o->mode == M_PART ? part_record(L, &json, in.raw, in.rawlen) :
			    sql_record(L, &json, in.raw, in.rawlen)) < 0) {
				if (L->fatal)
					goto fail;	/* write error, reported */
				report_bad(L, &in, L->err);
				break;
			}
			tw_guard_good(&guard);
			if (o->hive_add_read) {
				const char *rel;

				if (part_path_of(L, &json, &rel) == 0)
					hive_note(rel);
			}
			break;
		case TW_IN_BLANK:
			nblank++;
			break;
		case TW_IN_BAD:
			tw_guard_look(&guard, &in, NULL);
			report_bad(L, &in, in.reason);
			break;
		case TW_IN_IOERR:
			nioerr++;
			tw_warn("%s: %s", in.name, r.errmsg);
			break;
		case TW_IN_EOF:
			break;
		}
		if (o->mode != M_PART)
			sql_tick(L);
		else
			part_tick(L);
		if (L->fatal)
			goto fail;
		if (L->stop) {
			/* A kept record of an inferred table was bad. */
			finish(L);
			tw_die(1, "stopping at the first bad line (--strict)");
		}
	}
	finish(L);
	if (L->stop)
		tw_die(1, "stopping at the first bad line (--strict)");
	summary(L);
	tw_input_free(&in);
	tw_json_free(&json);
	tw_reader_close(&r);
	if (r.stopped || tw_sig_caught)
		tw_sig_reraise();
	if (tw_guard_none_usable(&guard)) {
		tw_warn("no line of the input could be used");
		return 1;
	}
	return nioerr > 0 || r.nfiles_failed > 0 ? 1 : 0;
fail:
	part_abort(L);
	tw_input_free(&in);
	tw_json_free(&json);
	tw_reader_close(&r);
	return 1;
}
