/*
 * pqwrite: NDJSON records to one Parquet file, through lib/tw_pqrec and
 * lib/tw_parquet: the test driver of the Parquet writer (tests/cases,
 * tests/integration/parquet.sh, bench/parquet.sh), built into BUILD by
 * make units, never installed.
 *
 * Records of the first record's kind are written; others are counted.
 * Bad records are reported as "pqwrite: file:line: reason", counted and
 * kept with --rejects. Exit status: 0, 1 after a write error (the message
 * names it; EPIPE ends quietly by SIGPIPE), 2 for a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tw_input.h"
#include "tw_opt.h"
#include "tw_parquet.h"
#include "tw_pqrec.h"
#include "tw_rejects.h"
#include "tw_sig.h"
#include "tw_util.h"

static const char usage_text[] =
    "usage: pqwrite [-qv] [-c CODEC] [-l LEVEL] [-g SIZE] [-p SIZE] [-d SIZE]\n"
    "               [-o FILE] [-x FIELDS] [-r FILE] [--repair-utf8]\n"
    "               [--max-value SIZE] [--plain] [FILE ...]\n";

static void
usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	if (status == 0)
		fputs("\n"
		    "  -c, --codec CODEC     snappy (default), zstd, gzip or none\n"
		    "  -l, --level N         zstd or gzip level\n"
		    "  -g, --row-group SIZE  bytes held before a row group is written (64M)\n"
		    "  -p, --page SIZE       page size (4M)\n"
		    "  -d, --dict SIZE       largest dictionary of a column chunk (1M)\n"
		    "  -o, --output FILE     the Parquet file (default standard output)\n"
		    "  -x, --omit FIELDS     leave these fields out (partition columns)\n"
		    "  -r, --rejects FILE    append bad lines to FILE, reasons to FILE.reasons\n"
		    "      --repair-utf8     replace invalid UTF-8 by U+FFFD instead of rejecting\n"
		    "      --max-value SIZE  longest string value (16M)\n"
		    "      --plain           values PLAIN or dictionary only (no DELTA encodings)\n"
		    "  -q, --quiet           no per-line messages\n"
		    "  -v, --verbose         always print the summary\n", stdout);
	exit(status);
}

struct where {
	const char *name;
	uint64_t line;
	int quiet;
};

static void
on_widen(void *arg, const char *field, const char *from, const char *to)
{
	struct where *w = arg;

	if (!w->quiet)
		tw_warn("%s:%llu: column '%s' widened from %s to %s", w->name,
		    (unsigned long long)w->line, field, from, to);
}

static int64_t
size_arg(const char *opt, const char *s, int64_t min)
{
	int64_t v;
	const char *err;

	if (tw_parse_size(s, min, (int64_t)1 << 40, &v, &err) < 0) {
		tw_warn("%s: '%s': %s", opt, s, err);
		usage(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "codec", required_argument, NULL, 'c' },
		{ "level", required_argument, NULL, 'l' },
		{ "row-group", required_argument, NULL, 'g' },
		{ "page", required_argument, NULL, 'p' },
		{ "dict", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "omit", required_argument, NULL, 'x' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "repair-utf8", no_argument, NULL, 'U' },
		{ "max-value", required_argument, NULL, 'M' },
		{ "plain", no_argument, NULL, 'P' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct tw_pq_opts po = { TW_PQ_SNAPPY, 0, 0, 0, 0, NULL, 0 };
	struct tw_pqrec_opts ro;
	struct tw_pqrec *pr;
	struct tw_reader rd;
	struct tw_json json;
	struct tw_input in;
	struct tw_rejects rej;
	struct where where = { "", 0, 0 };
	const struct tw_pqrec_counts *cnt;
	enum tw_in_status st;
	const char *out = NULL, *rej_path = NULL, *err;
	char **omit = NULL, errbuf[300];
	int nomit = 0, c, fd = 1, verbose = 0, have_rej = 0;
	int64_t v;
	uint64_t docs = 0, bad = 0, other = 0;

	tw_setprog(argv[0]);
	memset(&ro, 0, sizeof ro);
	while ((c = getopt_long(argc, argv, "c:d:g:hl:o:p:qr:vx:", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			if ((c = tw_pq_codec_parse(optarg)) < 0) {
				tw_warn("--codec: '%s': not snappy, zstd, gzip or none", optarg);
				usage(2);
			}
			po.codec = (enum tw_pq_codec)c;
			break;
		case 'd':
			po.dict_bytes = (size_t)size_arg("--dict", optarg, 16);
			break;
		case 'g':
			po.row_group_bytes = (size_t)size_arg("--row-group", optarg, 1);
			break;
		case 'h':
			usage(0);
			break;
		case 'l':
			if (tw_parse_int(optarg, 1, 22, &v, &err) < 0) {
				tw_warn("--level: '%s': %s", optarg, err);
				usage(2);
			}
			po.level = (int)v;
			break;
		case 'M':
			ro.max_value = (size_t)size_arg("--max-value", optarg, 1);
			break;
		case 'o':
			out = optarg;
			break;
		case 'P':
			po.plain = 1;
			break;
		case 'p':
			po.page_bytes = (size_t)size_arg("--page", optarg, 1);
			break;
		case 'q':
			where.quiet = 1;
			break;
		case 'r':
			rej_path = optarg;
			break;
		case 'U':
			ro.repair_utf8 = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'x': {
			char *s = tw_xstrdup(optarg), *tok, *save = NULL;

			for (tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				omit = tw_xrealloc(omit, (size_t)(nomit + 1) * sizeof *omit);
				omit[nomit++] = tw_xstrdup(tok);
			}
			free(s);
			break;
		}
		default:
			usage(2);
		}
	}
	argc -= optind;
	argv += optind;
	tw_sig_init();
	if (rej_path) {
		if (tw_rejects_open(&rej, rej_path, 1, errbuf, sizeof errbuf) < 0)
			tw_die(1, "%s", errbuf);
		have_rej = 1;
	}
	if (out && (fd = open(out, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0666)) < 0)
		tw_die(1, "%s: %s", out, strerror(errno));
	ro.omit = (const char *const *)omit;
	ro.nomit = nomit;
	ro.on_widen = on_widen;
	ro.arg = &where;
	pr = tw_pqrec_new(fd, &po, &ro);

	tw_reader_open(&rd, argv, argc);
	tw_json_init(&json);
	tw_input_init(&in, &rd, &json);
	while ((st = tw_input_next(&in)) != TW_IN_EOF) {
		const char *why = NULL;
		int rc;

		switch (st) {
		case TW_IN_DOC:
			docs++;
			where.name = in.name;
			where.line = in.lineno;
			rc = tw_pqrec_add(pr, &json, json.v);
			if (rc == TW_PQREC_IOERR)
				goto werr;
			if (rc == TW_PQREC_OTHER)
				other++;
			else if (rc == TW_PQREC_BAD)
				why = tw_pqrec_error(pr);
			break;
		case TW_IN_BAD:
			why = in.reason;
			break;
		case TW_IN_IOERR:
			tw_warn("%s: %s", in.name, rd.errmsg);
			break;
		default:
			break;
		}
		if (why) {
			bad++;
			if (!where.quiet)
				tw_warn("%s:%llu: %s", in.name, (unsigned long long)in.lineno, why);
			if (have_rej && tw_rejects_add(&rej, in.name, in.lineno, in.raw,
			    in.rawlen, in.cr, why) < 0)
				tw_writer_fail(tw_rejects_failed(&rej));
		}
	}
	if (tw_pqrec_close(pr) < 0)
		goto werr;
	if (fd != 1 && close(fd) < 0) {
		fd = -1;
		errno = errno ? errno : EIO;
		goto werr;
	}
	if (have_rej) {
		if (tw_rejects_close(&rej) < 0)
			tw_writer_fail(tw_rejects_failed(&rej));
		free(rej.why_path);
	}
	cnt = tw_pqrec_counts(pr);
	if (verbose || bad || other || cnt->nul_removed || cnt->repaired ||
	    cnt->skipped_fields || cnt->widened)
		tw_warn("%llu documents, %llu rows in %d row groups; %llu bad, %llu of "
		    "another kind, %llu NUL bytes removed, %llu repaired (U+FFFD), "
		    "%llu fields ignored, %llu columns widened",
		    (unsigned long long)docs, (unsigned long long)cnt->rows,
		    tw_pq_row_groups(tw_pqrec_writer(pr)),
		    (unsigned long long)bad, (unsigned long long)other,
		    (unsigned long long)cnt->nul_removed,
		    (unsigned long long)cnt->repaired,
		    (unsigned long long)cnt->skipped_fields,
		    (unsigned long long)cnt->widened);
	tw_pqrec_free(pr);
	tw_input_free(&in);
	tw_json_free(&json);
	tw_reader_close(&rd);
	while (nomit > 0)
		free(omit[--nomit]);
	free(omit);
	return 0;
werr:
	if (errno == EPIPE)
		tw_sig_pipe_exit();
	tw_die(1, "%s: %s", out ? out : "<stdout>",
	    pr && tw_pqrec_error(pr)[0] ? tw_pqrec_error(pr) : strerror(errno));
}
