/*
 * tw-gen: synthetic tweets as NDJSON, deterministic for a seed, paced
 * in real time or as fast as possible; or the replay of a recording.
 *
 * The loop decides when tweet k is due (at once, or at t0 + k/rate on
 * the monotonic clock), has gen.c append its line to the writer buffer,
 * and adds the optional duplicate and malformed lines after it. The
 * writer is flushed after each paced batch so lines leave on time.
 */
#include "fetch.h"
#include "gen.h"
#include "opts.h"
#include "tw_mark.h"
#include "tw_opt.h"
#include "tw_sig.h"
#include "tw_time.h"
#include "tw_util.h"
#include "tw_writer.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAXKEYWORDS 64
#define MAXKWLEN 60
#define DUPRING 32

static const char usage_text[] =
    "usage: tw-gen [-n COUNT] [--duration DUR] [--rate N] [--start TIME] [--seed N]\n"
    "              [--format v2|v2-page|v1] [--event-rate N] [--disorder DUR]\n"
    "              [--keywords WORD,...] [--users N] [--page-size N]\n"
    "              [--dup-rate P] [--bad-rate P] [--marks DUR [--source NAME]]\n"
    "       tw-gen --replay FILE [--speed X] [--marks DUR [--source NAME]] [-q]\n"
    "       tw-gen fetch search|stream|rules ... (see tw-gen fetch -h)\n";

static void __attribute__((noreturn))
usage(int status)
{
	fputs(usage_text, status ? stderr : stdout);
	if (status == 0)
		fputs("\n"
		    "  -n, --count COUNT     how many tweets (default 1000; no limit with --rate or\n"
		    "                        --duration)\n"
		    "      --duration DUR    stop after DUR of wall time with --rate, of tweet time\n"
		    "                        without\n"
		    "      --rate N          pace N tweets a second in real time (default: at once)\n"
		    "      --start TIME      the first tweet's time, ISO 8601 or epoch (default\n"
		    "                        2024-01-01, now with --rate)\n"
		    "      --seed N          the random seed: the same seed, the same tweets (default 1)\n"
		    "      --format FMT      v2 (stream lines, default), v2-page (search pages), v1 (v1.1)\n"
		    "      --event-rate N    tweets a second of tweet time (default: --rate, else 100)\n"
		    "      --disorder DUR    tweets arrive up to DUR out of time order\n"
		    "      --keywords LIST   words the tweets use, comma-separated (up to 64)\n"
		    "      --users N         how many distinct authors (default 100000)\n"
		    "      --page-size N     tweets a v2-page (1 to 500, default 100)\n"
		    "      --dup-rate P      also repeat a recent tweet with probability P\n"
		    "      --bad-rate P      also write a malformed line with probability P\n"
		    "      --marks DUR       a stream mark every DUR (for tw-load --acks)\n"
		    "      --source NAME     the marks' source name (default host:pid)\n"
		    "      --replay FILE     write FILE's lines again, paced by their tweet times\n"
		    "      --speed X         replay X times as fast (0: at once; default 1)\n"
		    "  -q, --quiet           no per-line messages about a replayed file's bad lines\n"
		    "  -h, --help            this help\n"
		    "      --version         the version\n"
		    "  fetch                 the X API: tw-gen fetch -h\n", stdout);
	exit(status);
}

enum {
	O_START = 256, O_EVRATE, O_DISORDER, O_KEYWORDS, O_USERS, O_PAGESIZE,
	O_DUPRATE, O_BADRATE, O_REPLAY, O_SPEED, O_VERSION, O_MARKS, O_SOURCE
};

static const struct option longopts[] = {
	{ "bad-rate", required_argument, NULL, O_BADRATE },
	{ "count", required_argument, NULL, 'n' },
	{ "disorder", required_argument, NULL, O_DISORDER },
	{ "dup-rate", required_argument, NULL, O_DUPRATE },
	{ "duration", required_argument, NULL, 'd' },
	{ "event-rate", required_argument, NULL, O_EVRATE },
	{ "format", required_argument, NULL, 'f' },
	{ "help", no_argument, NULL, 'h' },
	{ "keywords", required_argument, NULL, O_KEYWORDS },
	{ "marks", required_argument, NULL, O_MARKS },
	{ "page-size", required_argument, NULL, O_PAGESIZE },
	{ "quiet", no_argument, NULL, 'q' },
	{ "rate", required_argument, NULL, 'r' },
	{ "replay", required_argument, NULL, O_REPLAY },
	{ "seed", required_argument, NULL, 's' },
	{ "source", required_argument, NULL, O_SOURCE },
	{ "speed", required_argument, NULL, O_SPEED },
	{ "start", required_argument, NULL, O_START },
	{ "users", required_argument, NULL, O_USERS },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 }
};

/* Splits the comma-separated keywords into kw (strings owned). */
static int
split_keywords(const char *s, char **kw)
{
	int n = 0;
	const char *p = s, *e;

	for (;;) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		if (e == p)
			tw_die(2, "--keywords: empty keyword");
		if (e - p > MAXKWLEN)
			tw_die(2, "--keywords: keyword longer than %d bytes",
			    MAXKWLEN);
		if (tw_utf8_valid_prefix(p, (size_t)(e - p)) != (size_t)(e - p))
			tw_die(2, "--keywords: not valid UTF-8");
		if (n == MAXKEYWORDS)
			tw_die(2, "--keywords: more than %d keywords",
			    MAXKEYWORDS);
		kw[n++] = tw_xstrndup(p, (size_t)(e - p));
		if (*e == '\0')
			break;
		p = e + 1;
	}
	return n;
}

/* Appends line[0..n) with ins inserted after its first "text":" (or
 * at its start), and a newline. */
static void
add_with(struct tw_buf *o, const char *line, size_t n, const char *ins,
    size_t insn)
{
	size_t at = 0, i;

	for (i = 0; i + 8 <= n; i++) {
		if (memcmp(line + i, "\"text\":\"", 8) == 0) {
			at = i + 8;
			break;
		}
	}

	tw_buf_add(o, line, at);
	tw_buf_add(o, ins, insn);
	tw_buf_add(o, line + at, n - at);
	tw_buf_addc(o, '\n');
}

/*
 * Appends malformed line number k (the kinds take turns) derived from
 * the good line line[0..n) (without its newline).
 */
static void
add_bad(struct tw_buf *o, const char *line, size_t n, uint64_t k,
    enum gen_format fmt)
{
	size_t cut;

	switch (k % 6) {
	case 0:		/* cut in the middle, at an ASCII byte */
		cut = n / 2;
		while (cut > 1 && ((unsigned char)line[cut] & 0x80))
			cut--;
		tw_buf_add(o, line, cut);
		tw_buf_addc(o, '\n');
		break;
	case 1:		/* not JSON */
		tw_buf_adds(o, "{\"data\":{\"id\":\"1\",\"text\":'single quotes'},}\n");
		break;
	case 2:		/* JSON, but an array */
		tw_buf_addc(o, '[');
		tw_buf_add(o, line, n);
		tw_buf_adds(o, "]\n");
		break;
	case 3:		/* invalid UTF-8 inside the text */
		add_with(o, line, n, "\xff\xfe\xc3(", 4);
		break;
	case 4:		/* a lone surrogate escape */
		add_with(o, line, n, "\\uD83D", 6);
		break;
	default:	/* well-formed, wrong types */
		if (fmt == FMT_V1)
			tw_buf_adds(o, "{\"created_at\":42,\"id\":\"not a number\","
			    "\"id_str\":1234,\"text\":{\"a\":1},\"user\":\"nobody\","
			    "\"entities\":[]}\n");
		else
			tw_buf_adds(o, "{\"data\":{\"id\":12345,\"text\":[\"not\","
			    "\"a\",\"string\"],\"author_id\":true,\"created_at\":"
			    "{\"date\":\"2024-01-01\"}},\"includes\":[],"
			    "\"matching_rules\":\"none\"}\n");
	}
}

struct run {
	struct gen_cfg cfg;
	int64_t count;		/* -1: unlimited */
	int64_t duration_ms;	/* -1: none */
	double rate;		/* 0: unpaced */
	double dup_rate, bad_rate;
	int64_t t0;		/* monotonic start, ns */
	struct tw_marker *marks;	/* --marks, or NULL */
};

/* 1 when tweet k is past the end (-n or --duration). */
static int
past_end(const struct run *r, const struct gen *g, uint64_t k)
{
	if (r->count >= 0 && k >= (uint64_t)r->count)
		return 1;
	if (r->duration_ms >= 0) {
		if (r->rate > 0)
			return (double)k * 1000.0 / r->rate >=
			    (double)r->duration_ms;
		return gen_event_offset(g, k) >= r->duration_ms;
	}
	return 0;
}

static int64_t
deadline(const struct run *r, uint64_t k)
{
	return r->t0 + (int64_t)((double)k * 1e9 / r->rate);
}

static void
check(struct tw_writer *w)
{
	if (w->err)
		tw_writer_fail(w);
}

static void
generate(struct run *r)
{
	struct tw_writer w;
	struct gen *g = gen_new(&r->cfg);
	struct tw_buf ring[DUPRING];
	int nring = 0, ring_at = 0;
	uint64_t k, nbad = 0;
	int64_t now = 0;

	memset(ring, 0, sizeof ring);
	tw_writer_init(&w, 1, "<stdout>");
	if (r->rate > 0)
		now = r->t0 = tw_mono_ns();
	for (k = 0; !past_end(r, g, k); k++) {
		size_t start = w.out.len;

		if (r->rate > 0 && deadline(r, k) > now) {
			int64_t wake = deadline(r, k);

			/* At high rates wake once per millisecond and emit
			 * what has come due, not once per tweet. */
			if (r->rate > 1000)
				wake += 1000000;
			if (r->marks)
				tw_marker_tick(r->marks, &w.out, now);
			if (tw_writer_flush(&w))
				tw_writer_fail(&w);
			sleep_until(wake);
			now = tw_mono_ns();
			if (tw_sig_caught)
				break;
		}
		if (gen_next(g, &w.out, past_end(r, g, k + 1))) {
			const char *line = w.out.p + start;
			size_t n = w.out.len - start - 1;

			if (r->dup_rate > 0) {
				tw_buf_reset(&ring[ring_at]);
				tw_buf_add(&ring[ring_at], line, n + 1);
				ring_at = (ring_at + 1) % DUPRING;
				if (nring < DUPRING)
					nring++;
				if (gen_uniform(g) < r->dup_rate) {
					struct tw_buf *d = &ring[(ring_at +
					    DUPRING - 1 - (int)(gen_rand(g) %
					    (uint64_t)nring)) % DUPRING];

					tw_buf_add(&w.out, d->p, d->len);
				}
			}
			if (r->bad_rate > 0 && gen_uniform(g) < r->bad_rate) {
				/* Copy: add_bad appends to the same buffer. */
				struct tw_buf good = TW_BUF_INIT;

				tw_buf_add(&good, w.out.p + start, n);
				add_bad(&w.out, good.p, good.len, nbad++,
				    r->cfg.format);
				tw_buf_free(&good);
			}
		}
		if (r->marks && r->rate == 0)
			tw_marker_tick(r->marks, &w.out, tw_mono_ns());
		if (tw_writer_end_record(&w))
			tw_writer_fail(&w);
		if (tw_sig_caught)
			break;
	}
	if (!tw_sig_caught)
		gen_finish(g, &w.out);
	/* A last mark: everything before it has been written. */
	if (r->marks)
		tw_marker_add(r->marks, &w.out);
	if (tw_writer_flush(&w))
		tw_writer_fail(&w);
	for (k = 0; k < DUPRING; k++)
		tw_buf_free(&ring[k]);
	gen_free(g);
	if (tw_sig_caught)
		tw_sig_reraise();
	if (tw_writer_close(&w))
		check(&w);
}

int
main(int argc, char *argv[])
{
	struct run r;
	char *keywords[MAXKEYWORDS];
	const char *replay = NULL, *start = NULL, *source = NULL;
	char defsource[128];
	struct tw_marker marker;
	int64_t marks_ms = 0;
	double speed = 1, event_rate = 0;
	int speed_given = 0;
	int c, gen_opts = 0, i, rc, quiet = 0;

	tw_setprog(argv[0]);
	argv[0] = (char *)tw_prog;	/* getopt names the program by argv[0] */
	tw_sig_init();
	if (argc > 1 && strcmp(argv[1], "fetch") == 0)
		return fetch_main(argc - 1, argv + 1);
	memset(&r, 0, sizeof r);
	r.count = -1;
	r.duration_ms = -1;
	r.cfg.seed = 1;
	r.cfg.format = FMT_V2;
	r.cfg.users = 100000;
	r.cfg.page_size = 100;
	r.cfg.keywords = keywords;

	opterr = 0;	/* our own messages, named "tw-gen" not argv[0] */
	while ((c = getopt_long(argc, argv, ":hn:q", longopts,
	    NULL)) != -1) {
		gen_opts += c != O_REPLAY && c != O_SPEED && c != O_MARKS &&
		    c != O_SOURCE && c != 'q';
		switch (c) {
		case 'q':
			quiet = 1;
			break;
		case 'd':
			r.duration_ms = tw_opt_duration("--duration", optarg, 1,
			    (int64_t)1000 * 86400 * 3650);
			break;
		case 'f':
			if (strcmp(optarg, "v2") == 0)
				r.cfg.format = FMT_V2;
			else if (strcmp(optarg, "v2-page") == 0)
				r.cfg.format = FMT_V2PAGE;
			else if (strcmp(optarg, "v1") == 0)
				r.cfg.format = FMT_V1;
			else
				tw_die(2, "--format: unknown format '%s'",
				    optarg);
			break;
		case 'h':
			usage(0);
		case 'n':
			r.count = tw_opt_int("-n", optarg, 0, INT64_MAX);
			break;
		case 'r':
			r.rate = tw_opt_double("--rate", optarg, 0.001, 1000000);
			break;
		case 's':
			r.cfg.seed = (uint64_t)tw_opt_int("--seed", optarg, 0,
			    INT64_MAX);
			break;
		case O_BADRATE:
			r.bad_rate = tw_opt_double("--bad-rate", optarg, 0, 1);
			break;
		case O_DISORDER:
			r.cfg.disorder_ms = tw_opt_duration("--disorder", optarg,
			    0, (int64_t)1000 * 86400 * 365);
			break;
		case O_DUPRATE:
			r.dup_rate = tw_opt_double("--dup-rate", optarg, 0, 1);
			break;
		case O_EVRATE:
			event_rate = tw_opt_double("--event-rate", optarg, 0.001,
			    1e9);
			break;
		case O_MARKS:
			marks_ms = tw_opt_duration("--marks", optarg, 1,
			    (int64_t)1000 * 86400);
			break;
		case O_SOURCE:
			if (*optarg == '\0' || strlen(optarg) > 200 ||
			    tw_utf8_valid_prefix(optarg, strlen(optarg)) != strlen(optarg))
				tw_die(2, "--source: give a name of 1 to 200 bytes of UTF-8");
			source = optarg;
			break;
		case O_KEYWORDS:
			for (i = 0; i < r.cfg.nkeywords; i++)
				free(keywords[i]);
			r.cfg.nkeywords = split_keywords(optarg, keywords);
			break;
		case O_PAGESIZE:
			r.cfg.page_size = (int)tw_opt_int("--page-size", optarg, 1,
			    500);
			break;
		case O_REPLAY:
			replay = optarg;
			break;
		case O_SPEED:
			speed = tw_opt_double("--speed", optarg, 0, 1e6);
			speed_given = 1;
			break;
		case O_START:
			start = optarg;
			break;
		case O_USERS:
			r.cfg.users = (uint32_t)tw_opt_int("--users", optarg, 1,
			    10000000);
			break;
		case O_VERSION:
			puts("tw-gen " TW_VERSION);
			return 0;
		default: {
			static const struct tw_opt_moved moved[] = {
				{ 'd', "--duration" }, { 'f', "--format" },
				{ 'r', "--rate" }, { 's', "--seed" }, { 0, NULL } };

			tw_opt_refused(c, argv, moved);
			usage(2);
		}
		}
	}
	if (optind < argc) {
		tw_warn("unexpected argument '%s'", argv[optind]);
		usage(2);
	}
	if (source && !marks_ms)
		tw_die(2, "--source: goes with --marks");
	if (marks_ms) {
		if (source == NULL) {
			tw_mark_default_source(defsource, sizeof defsource);
			source = defsource;
		}
		tw_marker_init(&marker, source, marks_ms);
		r.marks = &marker;
	}
	if (replay) {
		if (gen_opts)
			tw_die(2, "--replay: takes no generator options");
		return replay_run(replay, speed, r.marks, quiet);
	}
	if (speed_given)
		tw_die(2, "--speed: goes with --replay");
	if (r.cfg.format != FMT_V2PAGE && r.cfg.page_size != 100)
		tw_die(2, "--page-size: needs --format v2-page");
	if (start) {
		if (tw_time_parse(start, strlen(start), &r.cfg.start_ms))
			tw_die(2, "--start: not a time: '%s'", start);
	} else if (r.rate > 0) {
		r.cfg.start_ms = tw_now_ms();
	} else {
		r.cfg.start_ms = 1704067200000LL;	/* 2024-01-01 */
	}
	r.cfg.event_rate = event_rate > 0 ? event_rate :
	    r.rate > 0 ? r.rate : 100;
	if (r.count < 0 && r.rate == 0 && r.duration_ms < 0)
		r.count = 1000;
	vocab_init();
	generate(&r);
	vocab_free();
	for (i = 0; i < r.cfg.nkeywords; i++)
		free(keywords[i]);
	rc = 0;
	return rc;
}
