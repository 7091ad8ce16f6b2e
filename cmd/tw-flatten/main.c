/*
 * tw-flatten: Twitter API payloads to flat NDJSON (or CSV) records.
 *
 * Data flow: tw_reader (lines) -> tw_input (JSON documents, joined when
 * pretty-printed) -> tw_flatten (records, straight into the writer's
 * buffer as NDJSON, CSV rows or keyed lines) -> tw_writer. With --jq the
 * records go to a stage buffer first, through jq, and jq's results are
 * made CSV rows or keyed lines here. Bad documents are reported with
 * file:line, counted, and kept verbatim in the --rejects file.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tw_csv.h"
#include "tw_flatten.h"
#include "tw_guard.h"
#include "tw_input.h"
#include "tw_jq.h"
#include "tw_mark.h"
#include "tw_opt.h"
#include "tw_rejects.h"
#include "tw_sig.h"
#include "tw_util.h"
#include "tw_writer.h"

static const char usage_text[] =
    "usage: tw-flatten [-cqsv] [-t TYPES] [-f FIELDS] [-j EXPR] [-r FILE]\n"
    "                  [--dedup[=N]] [--time-parts] [--no-multiline]\n"
    "                  [--max-line SIZE] [--max-bad N] [--kafka-key FIELD]\n"
    "                  [FILE ...]\n";

static void
usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	if (status == 0)
		fputs("\n"
		    "  -t, --types LIST      record types: tweets,users,places,media,hashtags,\n"
		    "                        polls,all\n"
		    "  -f, --fields LIST     write only these fields, in this order (any record\n"
		    "                        type); NAME=PATH adds a payload value to tweets\n"
		    "      --time-parts      add year, month, day, hour to tweets\n"
		    "  -c, --csv             CSV with a header row (one record type)\n"
		    "  -j, --jq EXPR         filter or transform each record with jq\n"
		    "  -u, --dedup[=N]       drop repeated tweet ids (remembers N, default 1000000)\n"
		    "  -r, --rejects FILE    append bad input lines to FILE verbatim,\n"
		    "                        and file:line<TAB>reason to FILE.reasons\n"
		    "  -s, --strict          stop at the first bad line (status 1)\n"
		    "      --max-bad N       stop when the first N lines are all bad (default 100;\n"
		    "                        0: no limit)\n"
		    "      --no-multiline    do not join pretty-printed documents\n"
		    "      --max-line SIZE   longest line or document (default 256M)\n"
		    "      --kafka-key FIELD write FIELD's value, a tab, then the record (kcat -K)\n"
		    "  -q, --quiet           no per-line messages, only the summary\n"
		    "  -v, --verbose         always print the summary\n"
		    "  -h, --help            this help\n"
		    "      --version         the version\n", stdout);
	exit(status);
}

struct opts {
	int csv, strict, quiet, verbose, multiline;
	const char *rejects_path;
	const char *jq_expr;
	const char *key_field;
	int64_t max_line;
};

struct state {
	struct opts o;
	struct tw_flatten f;
	struct tw_writer w;
	struct tw_rejects rej;
	int have_rej;
	struct tw_jq *jq;
	struct tw_guard guard;
	struct tw_json csvj;
	struct tw_buf stage, conv;
	int csv_type;
	int header_done;
	char **cols;		/* --csv: the columns, in header order */
	int ncols, cols_set;
	int extra_warned;
	uint64_t docs, bad, blank, ioerr, jqerr, marks;
};

static void
report_bad(struct state *s, struct tw_input *in, const char *reason)
{
	s->bad++;
	if (!s->o.quiet)
		tw_warn("%s:%llu: %s", in->name,
		    (unsigned long long)in->lineno, reason);
	if (s->have_rej && tw_rejects_add(&s->rej, in->name, in->lineno,
	    in->raw, in->rawlen, in->cr, reason) < 0)
		tw_writer_fail(tw_rejects_failed(&s->rej));
	if (s->o.strict) {
		tw_writer_close(&s->w);
		if (s->have_rej)
			tw_rejects_close(&s->rej);
		tw_die(1, "stopping at the first bad line (--strict)");
	}
	if (tw_guard_bad(&s->guard)) {
		tw_writer_close(&s->w);
		if (s->have_rej)
			tw_rejects_close(&s->rej);
		tw_guard_stop(&s->guard);
	}
}

/*
 * The CSV columns: the selected fields of the record type, or with --jq
 * the fields of the first result, in its order (obj; NULL when there
 * is none). Rows are then filled by column name.
 */
static void
csv_header(struct state *s, const struct tw_json *j, const struct tw_jval *obj)
{
	const struct tw_jval *k;
	struct tw_buf name = TW_BUF_INIT;
	uint32_t m;
	int i;

	if (s->cols_set) {
		/* the columns are known (a header taken back: no row came) */
	} else if (s->jq != NULL && obj != NULL) {
		for (m = 0, k = obj + 1; m < obj->len; m++, k = j->v + k[1].next) {
			tw_buf_reset(&name);
			tw_json_str_decode(&name, k);
			s->cols = tw_xrealloc(s->cols, (size_t)(s->ncols + 1) * sizeof *s->cols);
			s->cols[s->ncols++] = tw_xstrndup(name.p, name.len);
		}
	} else {
		const char *names[TW_FLAT_MAXF];
		int n = tw_flatten_columns(&s->f, (enum tw_rtype)s->csv_type,
		    names, TW_FLAT_MAXF);

		for (i = 0; i < n; i++) {
			s->cols = tw_xrealloc(s->cols, (size_t)(s->ncols + 1) * sizeof *s->cols);
			s->cols[s->ncols++] = tw_xstrdup(names[i]);
		}
	}
	s->cols_set = 1;
	for (i = 0; i < s->ncols; i++) {
		if (i)
			tw_buf_addc(&s->w.out, ',');
		if (strspn(s->cols[i], "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == strlen(s->cols[i]))
			tw_buf_adds(&s->w.out, s->cols[i]);
		else
			tw_csv_add_quoted(&s->w.out, s->cols[i], strlen(s->cols[i]));
	}
	tw_buf_addc(&s->w.out, '\n');
	tw_buf_free(&name);
	s->header_done = 1;
}

/* Converts the NDJSON records in s->stage (one per line) to CSV rows. */
static void
to_csv(struct state *s, struct tw_input *in)
{
	const char *p = s->stage.p, *end = s->stage.p + s->stage.len, *nl;
	const struct tw_jval *o, *v;
	int i;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		if (tw_json_parse(&s->csvj, p, (size_t)(nl - p)) == TW_JSON_OK &&
		    s->csvj.v[0].type == TW_JOBJ) {
			o = s->csvj.v;
			if (!s->header_done)
				csv_header(s, &s->csvj, o);
			for (i = 0; i < s->ncols; i++) {
				if (i)
					tw_buf_addc(&s->w.out, ',');
				v = tw_json_get(&s->csvj, o, s->cols[i], strlen(s->cols[i]));
				if (v != NULL)
					tw_csv_add_value(&s->w.out, &s->csvj, v);
			}
			tw_buf_addc(&s->w.out, '\n');
			if (o->len > (uint32_t)s->ncols && !s->extra_warned++ &&
			    !s->o.quiet)
				tw_warn("%s:%llu: --csv: a result has fields that are "
				    "not columns (the columns are those of the first "
				    "result); they are left out", in->name,
				    (unsigned long long)in->lineno);
		} else {
			/* jq made something that is not an object: say so. */
			s->jqerr++;
			if (!s->o.quiet)
				tw_warn("%s:%llu: --csv needs objects; skipped a result",
				    in->name, (unsigned long long)in->lineno);
		}
		p = nl + 1;
	}
}

/*
 * key<TAB>record lines for kcat -K '\t': the key is the field's value as
 * text (a string decoded, anything else as JSON), tabs and newlines in it
 * replaced by spaces; a record without the field gets an empty key.
 */
static void
keyed(struct state *s)
{
	const char *p = s->stage.p, *end = s->stage.p + s->stage.len, *nl;
	const struct tw_jval *v;
	size_t k0, i;

	while (p && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		k0 = s->w.out.len;
		if (tw_json_parse(&s->csvj, p, (size_t)(nl - p)) == TW_JSON_OK &&
		    (v = tw_json_get(&s->csvj, s->csvj.v, s->o.key_field,
		    strlen(s->o.key_field))) != NULL && v->type != TW_JNULL) {
			if (v->type == TW_JSTR)
				tw_json_str_decode(&s->w.out, v);
			else
				tw_json_emit(&s->w.out, &s->csvj, v);
			for (i = k0; i < s->w.out.len; i++)
				if (s->w.out.p[i] == '\t' || s->w.out.p[i] == '\n' ||
				    s->w.out.p[i] == '\r')
					s->w.out.p[i] = ' ';
		}
		tw_buf_addc(&s->w.out, '\t');
		tw_buf_add(&s->w.out, p, (size_t)(nl - p));
		tw_buf_addc(&s->w.out, '\n');
		p = nl + 1;
	}
}

static void
emit(struct state *s, struct tw_input *in)
{
	const char *p, *end, *nl;
	char err[256];

	if (s->jq != NULL) {
		tw_buf_reset(&s->conv);
		p = s->stage.p;
		end = p + s->stage.len;
		while (p < end) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if (nl == NULL)
				nl = end;
			if (tw_jq_run(s->jq, p, (size_t)(nl - p), &s->conv, err,
			    sizeof err) < 0) {
				s->jqerr++;
				if (!s->o.quiet)
					tw_warn("%s:%llu: %s", in->name,
					    (unsigned long long)in->lineno, err);
			}
			p = nl + 1;
		}
		/* jq's results are the records now: no copy */
		{
			struct tw_buf t = s->stage;

			s->stage = s->conv;
			s->conv = t;
		}
	}
	if (s->o.csv)
		to_csv(s, in);
	else if (s->o.key_field)
		keyed(s);
	else
		tw_buf_add(&s->w.out, s->stage.p, s->stage.len);
	tw_buf_reset(&s->stage);
}

/*
 * Takes back what the document wrote to b since out0: its records, and
 * the CSV header written for them when hdr is not 0.
 */
static void
unwrite(struct state *s, struct tw_buf *b, size_t out0, size_t hdr)
{
	tw_buf_setlen(b, out0);
	if (hdr)
		s->header_done = 0;
}

static void
summary(struct state *s, struct tw_reader *r)
{
	struct tw_flatten *f = &s->f;
	/* Users-only documents and empty results are normal input. */
	uint64_t empty = f->n_kind[TW_DOC_USERS] + f->n_kind[TW_DOC_EMPTY];

	if (!s->o.verbose && s->bad == 0 && s->ioerr == 0 && s->jqerr == 0)
		return;
	tw_warn("%llu documents, %llu tweets, %llu users, %llu places, "
	    "%llu media, %llu hashtags, %llu polls; skipped: %llu blank, %llu API errors, "
	    "%llu notices, %llu unsupported, %llu empty, %llu other, "
	    "%llu duplicates; "
	    "%llu bad lines, %llu repaired strings%s%s",
	    (unsigned long long)s->docs,
	    (unsigned long long)f->n_out[TW_R_TWEET],
	    (unsigned long long)f->n_out[TW_R_USER],
	    (unsigned long long)f->n_out[TW_R_PLACE],
	    (unsigned long long)f->n_out[TW_R_MEDIA],
	    (unsigned long long)f->n_out[TW_R_HASHTAG],
	    (unsigned long long)f->n_out[TW_R_POLL],
	    (unsigned long long)s->blank,
	    (unsigned long long)f->n_api_errors,
	    (unsigned long long)f->n_kind[TW_DOC_NOTICE],
	    (unsigned long long)f->n_kind[TW_DOC_UNSUPPORTED],
	    (unsigned long long)empty,
	    (unsigned long long)f->n_kind[TW_DOC_OTHER],
	    (unsigned long long)f->n_dups,
	    (unsigned long long)s->bad,
	    (unsigned long long)f->n_repaired,
	    s->jqerr ? "; some --jq results failed" : "",
	    s->marks ? "; stream marks passed on" : "");
	(void)r;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "types", required_argument, NULL, 't' },
		{ "type", required_argument, NULL, 't' },
		{ "fields", required_argument, NULL, 'f' },
		{ "csv", no_argument, NULL, 'c' },
		{ "jq", required_argument, NULL, 'j' },
		{ "dedup", optional_argument, NULL, 'u' },
		{ "rejects", required_argument, NULL, 'r' },
		{ "strict", no_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "time-parts", no_argument, NULL, 1 },
		{ "no-multiline", no_argument, NULL, 2 },
		{ "max-line", required_argument, NULL, 3 },
		{ "version", no_argument, NULL, 4 },
		{ "kafka-key", required_argument, NULL, 5 },
		{ "max-bad", required_argument, NULL, 6 },
		{ NULL, 0, NULL, 0 }
	};
	static struct state st;
	struct state *s = &st;
	struct tw_reader r;
	struct tw_input in;
	struct tw_json json;
	const char *fields = NULL, *types = NULL, *err;
	int64_t dedup = 0;
	int ch, t, ntypes, time_parts = 0;
	enum tw_in_status ist;
	struct tw_buf *target;
	size_t out0, hdr;
	uint64_t rep0;
	int surr;
	char jqerr[512];

	tw_setprog(argv[0]);
	argv[0] = (char *)tw_prog;	/* getopt names the program by argv[0] */
	tw_sig_init();
	tw_flatten_init(&s->f);
	s->o.multiline = 1;
	s->o.max_line = (int64_t)TW_READER_MAX_LINE;
	tw_guard_init(&s->guard, TW_GUARD_PAYLOAD);
	opterr = 0;	/* tw_opt_refused says what was wrong */
	while ((ch = getopt_long(argc, argv, ":cf:hj:qr:st:u::v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			s->o.csv = 1;
			break;
		case 'f':
			fields = optarg;
			break;
		case 'h':
			usage(0);
			break;
		case 'j':
			s->o.jq_expr = optarg;
			break;
		case 'q':
			s->o.quiet = 1;
			break;
		case 'r':
			s->o.rejects_path = optarg;
			break;
		case 's':
			s->o.strict = 1;
			break;
		case 't':
			types = optarg;
			break;
		case 'u':
			dedup = 1000000;
			if (optarg && tw_parse_int(optarg, 1, (int64_t)1 << 32, &dedup, &err))
				tw_die(2, "--dedup: %s", err);
			break;
		case 'v':
			s->o.verbose = 1;
			break;
		case 1:
			time_parts = 1;
			break;
		case 2:
			s->o.multiline = 0;
			break;
		case 3:
			s->o.max_line = tw_opt_size("--max-line", optarg, 1024, (int64_t)1 << 32);
			break;
		case 4:
			printf("tw-flatten %s\n", TW_VERSION);
			return 0;
		case 5:
			s->o.key_field = optarg;
			break;
		case 6: {
			int64_t x;

			x = tw_opt_int("--max-bad", optarg, 0, INT64_MAX);
			s->guard.budget = (uint64_t)x;
			break;
		}
		default:
			tw_opt_refused(ch, argv, NULL);
			usage(2);
		}
	}
	argc -= optind;
	argv += optind;

	if (types != NULL && tw_flatten_types(&s->f, types) < 0)
		tw_die(2, "--types: %s", s->f.err);
	if (fields != NULL && tw_flatten_select(&s->f, fields) < 0)
		tw_die(2, "--fields: %s", s->f.err);
	if (time_parts)
		tw_flatten_time_parts(&s->f);	/* unless -f names the fields */
	if (dedup > 0)
		tw_flatten_dedup(&s->f, (size_t)dedup);
	if (s->o.csv && s->o.key_field)
		tw_die(2, "--kafka-key and --csv cannot be used together");
	if (s->o.csv) {
		for (t = 0, ntypes = 0; t < TW_R_N; t++)
			if (s->f.types & (1u << t)) {
				ntypes++;
				s->csv_type = t;
			}
		if (ntypes != 1)
			tw_die(2, "--csv: give exactly one record type with -t");
	}
	if (s->o.jq_expr != NULL) {
		s->jq = tw_jq_new(s->o.jq_expr, jqerr, sizeof jqerr);
		if (s->jq == NULL)
			tw_die(2, "--jq: %s", jqerr);
	} else if (s->o.csv) {
		tw_flatten_output(&s->f, TW_OUT_CSV, NULL);
	} else if (s->o.key_field) {
		tw_flatten_output(&s->f, TW_OUT_KEYED, s->o.key_field);
	}
	tw_writer_init(&s->w, STDOUT_FILENO, "<stdout>");
	if (s->o.rejects_path != NULL) {
		char err[300];

		if (tw_rejects_open(&s->rej, s->o.rejects_path, 1, err, sizeof err) < 0)
			tw_die(1, "%s", err);
		s->have_rej = 1;
	}

	tw_reader_open(&r, argv, argc);
	r.max_line = (size_t)s->o.max_line;
	r.idle = tw_writer_idle;
	r.arg = &s->w;
	/* A later stage that ends is seen at once, even on a quiet input
	 * (which would else keep this filter, and what feeds it, waiting). */
	r.watch_fd = tw_writer_watch_fd(&s->w);
	r.gone = tw_writer_gone;
	tw_json_init(&json);
	tw_json_init(&s->csvj);
	tw_input_init(&in, &r, &json);
	in.multiline = s->o.multiline;
	in.max_doc = (size_t)s->o.max_line;
	if (s->have_rej) {
		/* Rejects must be on disk before we sit waiting for input. */
		r.idle = NULL;
	}

	while ((ist = tw_input_next(&in)) != TW_IN_EOF) {
		switch (ist) {
		case TW_IN_DOC:
			if (tw_mark_is(in.raw, in.rawlen)) {
				/* A stream mark goes on, in order, after the
				 * records before it (and their rejects). */
				s->marks++;
				if (s->have_rej && tw_rejects_flush(&s->rej) < 0)
					tw_writer_fail(tw_rejects_failed(&s->rej));
				if (!s->o.csv) {
					tw_buf_add(&s->w.out, in.raw, in.rawlen);
					tw_buf_addc(&s->w.out, '\n');
					if (tw_writer_end_record(&s->w) < 0)
						tw_writer_fail(&s->w);
				}
				break;
			}
			s->docs++;
			tw_guard_look(&s->guard, &in, &json);
			if (json.nbadutf8 > 0 && s->o.strict) {
				report_bad(s, &in, "invalid UTF-8");
				break;
			}
			target = s->jq ? &s->stage : &s->w.out;
			out0 = target->len;
			rep0 = s->f.n_repaired;
			hdr = 0;
			if (s->o.csv && !s->jq && !s->header_done) {
				/* before the first row; taken back if none comes */
				csv_header(s, NULL, NULL);
				hdr = target->len;
			}
			if (tw_flatten_doc(&s->f, &json, target) < 0) {
				unwrite(s, target, out0, hdr);
				report_bad(s, &in, s->f.err);
				break;
			}
			if (hdr && target->len == hdr)
				unwrite(s, target, out0, hdr);
			/* Repairs the parser did not see: lone surrogate
			 * escapes (\uD800), replaced while decoding. */
			surr = s->f.n_repaired > rep0 && json.nbadutf8 == 0;
			if (surr && s->o.strict) {
				unwrite(s, target, out0, hdr);
				report_bad(s, &in, "a lone surrogate escape");
				break;
			}
			if (json.nbadutf8 > 0 && !s->o.quiet)
				tw_warn("%s:%llu: invalid UTF-8 replaced by U+FFFD",
				    in.name, (unsigned long long)in.lineno);
			if (surr && !s->o.quiet)
				tw_warn("%s:%llu: a lone surrogate escape replaced by "
				    "U+FFFD", in.name, (unsigned long long)in.lineno);
			/* Other API responses (counts, rules, lists) are
			 * counted and skipped; --strict wants tweets only. */
			if (s->f.kind == TW_DOC_OTHER && s->o.strict) {
				unwrite(s, target, out0, hdr);
				report_bad(s, &in, "no tweet in this document "
				    "(an API response of another kind)");
				break;
			}
			if (s->jq)
				emit(s, &in);
			tw_guard_good(&s->guard);
			if (tw_writer_end_record(&s->w) < 0)
				tw_writer_fail(&s->w);
			break;
		case TW_IN_BLANK:
			s->blank++;
			break;
		case TW_IN_BAD:
			tw_guard_look(&s->guard, &in, NULL);
			report_bad(s, &in, in.reason);
			break;
		case TW_IN_IOERR:
			s->ioerr++;
			tw_warn("%s: %s", in.name, r.errmsg);
			break;
		case TW_IN_EOF:
			break;
		}
		if (s->have_rej && !tw_reader_ready(&r)) {
			tw_rejects_flush(&s->rej);
			tw_writer_flush(&s->w);
		}
	}
	if (s->o.csv && !s->header_done)
		csv_header(s, NULL, NULL);
	if (tw_writer_close(&s->w) < 0)
		tw_writer_fail(&s->w);
	if (s->have_rej && tw_rejects_close(&s->rej) < 0)
		tw_writer_fail(tw_rejects_failed(&s->rej));
	summary(s, &r);
	tw_input_free(&in);
	tw_json_free(&json);
	tw_json_free(&s->csvj);
	tw_reader_close(&r);
	tw_jq_free(s->jq);
	tw_flatten_free(&s->f);
	tw_buf_free(&s->stage);
	tw_buf_free(&s->conv);
	if (r.stopped || tw_sig_caught)
		tw_sig_reraise();
	if (tw_guard_none_usable(&s->guard)) {
		tw_warn("no line of the input could be used");
		return 1;
	}
	return s->ioerr > 0 || r.nfiles_failed > 0 ? 1 : 0;
}
