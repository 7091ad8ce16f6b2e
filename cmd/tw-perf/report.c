/*
 * tw-perf report: reads stats and summary records (and tw-agg results)
 * from logs, storage figures from sqlite3, a directory tree or a TSV
 * file, and prints the tables: runs, batch vs streaming, data figures,
 * storage. Bad lines are reported as file:line: reason and skipped.
 */
#define _XOPEN_SOURCE 700	/* nftw */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "perf.h"
#include "report.h"
#include "tw_input.h"
#include "tw_opt.h"
#include "tw_util.h"

static struct report R;

static void TW_PRINTF(2, 3)
bad(struct tw_input *in, const char *fmt, ...)
{
	char msg[300];
	va_list ap;

	R.bad++;
	if (perf_quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tw_warn("%s:%llu: %s", in->name, (unsigned long long)in->lineno, msg);
}

static char *
jstrdup(const struct tw_jval *v)
{
	struct tw_buf b = TW_BUF_INIT;

	if (v == NULL || v->type != TW_JSTR)
		return NULL;
	tw_json_str_decode(&b, v);
	return tw_buf_detach(&b);
}

/* A number field: NaN when missing or null; -1 when not a number. */
static int
num(struct tw_input *in, const struct tw_json *j, const struct tw_jval *obj,
    const char *key, double *out)
{
	const struct tw_jval *v = tw_json_get(j, obj, key, strlen(key));

	*out = NAN;
	if (v == NULL || v->type == TW_JNULL)
		return 0;
	if (v->type != TW_JNUM || tw_json_double(v, out) < 0) {
		char msg[120];

		snprintf(msg, sizeof msg, "field \"%s\" is not a number", key);
		bad(in, "%s", msg);
		return -1;
	}
	return 0;
}

static struct run *
new_run(void)
{
	struct run *r;

	if (R.nruns == R.capruns) {
		R.capruns = R.capruns ? 2 * R.capruns : 16;
		R.runs = tw_xrealloc(R.runs, R.capruns * sizeof *R.runs);
	}
	r = &R.runs[R.nruns++];
	memset(r, 0, sizeof *r);
	return r;
}

static int
same_label(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* Percentiles {"p50","p95","p99","max"} of field key into lat (NaN
 * when key is NULL, or the field missing or null); -1 after a message
 * when malformed. */
static int
read_latency(struct tw_input *in, const struct tw_json *j,
    const struct tw_jval *obj, const char *key, double lat[4])
{
	const struct tw_jval *l;
	static const char *keys[4] = { "p50", "p95", "p99", "max" };
	int i;

	for (i = 0; i < 4; i++)
		lat[i] = NAN;
	if (key == NULL)
		return 0;
	l = tw_json_get(j, obj, key, strlen(key));
	if (l == NULL || l->type == TW_JNULL)
		return 0;
	if (l->type != TW_JOBJ) {
		bad(in, "field \"%s\" is not an object", key);
		return -1;
	}
	for (i = 0; i < 4; i++)
		if (num(in, j, l, keys[i], &lat[i]) < 0)
			return -1;
	return 0;
}

static void
summary_rec(struct tw_input *in, const struct tw_json *j,
    const struct tw_jval *o)
{
	struct run t, *r;
	double es;
	size_t i;

	memset(&t, 0, sizeof t);
	/* Before age and latency were told apart, "latency_ms" was the age. */
	t.old = TW_JGET(j, o, "age_ms") == NULL;
	if (num(in, j, o, "records", &t.records) < 0 ||
	    num(in, j, o, "live_records", &t.live) < 0 ||
	    num(in, j, o, "bytes", &t.bytes) < 0 ||
	    num(in, j, o, "processing_s", &t.seconds) < 0 ||
	    num(in, j, o, "throughput_rps", &t.rps) < 0 ||
	    num(in, j, o, "throughput_bps", &t.bps) < 0 ||
	    num(in, j, o, "cpu_user_s", &t.cpu_user) < 0 ||
	    num(in, j, o, "cpu_sys_s", &t.cpu_sys) < 0 ||
	    num(in, j, o, "peak_rss_kb", &t.peak_rss_kb) < 0 ||
	    num(in, j, o, "max_single_rss_kb", &t.max_single_kb) < 0 ||
	    num(in, j, o, "exit_status", &es) < 0 ||
	    read_latency(in, j, o, t.old ? "latency_ms" : "age_ms", t.age) < 0 ||
	    read_latency(in, j, o, t.old ? NULL : "latency_ms", t.lat) < 0)
		return;
	t.exit_status = es;
	t.label = jstrdup(TW_JGET(j, o, "label"));
	t.mode = jstrdup(TW_JGET(j, o, "mode"));
	t.ended = jstrdup(TW_JGET(j, o, "ended"));
	t.command = jstrdup(TW_JGET(j, o, "command"));
	t.start = jstrdup(TW_JGET(j, o, "start"));
	t.end = jstrdup(TW_JGET(j, o, "end"));
	t.file = in->name;
	t.line = in->lineno;
	if (t.command != NULL) {
		/* A run summary takes the figures of the meter inside it
		 * (the latest one of the same label not yet taken). */
		for (i = R.nruns; i-- > 0;) {
			struct run *m = &R.runs[i];

			if (m->hidden || m->command != NULL || m->from_stats ||
			    !same_label(m->label, t.label))
				continue;
			m->hidden = 1;
			t.records = m->records;
			t.live = m->live;
			t.bytes = m->bytes;
			t.rps = m->rps;
			t.bps = m->bps;
			memcpy(t.age, m->age, sizeof t.age);
			memcpy(t.lat, m->lat, sizeof t.lat);
			/* Batch or streaming is the meter's measurement (a
			 * run record of an older log has its own). */
			if (t.mode == NULL && m->mode != NULL)
				t.mode = tw_xstrdup(m->mode);
			t.merged = 1;
			break;
		}
	}
	r = new_run();
	*r = t;
}

static void
stats_rec(struct tw_input *in, const struct tw_json *j,
    const struct tw_jval *o)
{
	struct stats *s;
	double rec, by, el, rps;
	char *label;
	size_t i;

	if (num(in, j, o, "records", &rec) < 0 ||
	    num(in, j, o, "bytes", &by) < 0 ||
	    num(in, j, o, "elapsed_s", &el) < 0 ||
	    num(in, j, o, "rate_rps", &rps) < 0)
		return;
	label = jstrdup(TW_JGET(j, o, "label"));
	for (i = 0; i < R.nstats; i++)
		if (same_label(R.stats[i].label, label))
			break;
	if (i == R.nstats) {
		R.stats = tw_xrealloc(R.stats, (R.nstats + 1) * sizeof *R.stats);
		s = &R.stats[R.nstats++];
		memset(s, 0, sizeof *s);
		s->label = label;
		s->peak_rps = NAN;
	} else {
		s = &R.stats[i];
		free(label);
	}
	s->n++;
	s->records = rec;
	s->bytes = by;
	s->elapsed = el;
	if (isfinite(rps) && !(rps <= s->peak_rps))
		s->peak_rps = rps;
	s->file = in->name;
	s->line = in->lineno;
}

static void
agg_rec(struct tw_input *in, const struct tw_json *j, const struct tw_jval *o)
{
	struct data *d = &R.data;
	double count, avg, mx, users, langs;
	const struct tw_jval *lang;
	char *ws, *we;
	size_t i;

	if (num(in, j, o, "count", &count) < 0 ||
	    num(in, j, o, "avg_engagement", &avg) < 0 ||
	    num(in, j, o, "max_engagement", &mx) < 0 ||
	    num(in, j, o, "distinct_author_id", &users) < 0 ||
	    num(in, j, o, "distinct_lang", &langs) < 0)
		return;
	d->results++;
	if (isfinite(count)) {
		d->tweets += count;
		d->have_tweets = 1;
	}
	if (isfinite(avg)) {
		double w = isfinite(count) ? count : 1;

		d->eng_sum += avg * w;
		d->eng_w += w;
	}
	if (isfinite(mx) && (!d->have_max || mx > d->eng_max)) {
		d->eng_max = mx;
		d->have_max = 1;
	}
	if (isfinite(users)) {
		if (users > d->users)
			d->users = users;
		d->user_windows++;
	}
	if (isfinite(langs) && langs > d->langs)
		d->langs = langs;
	lang = TW_JGET(j, o, "lang");
	if (lang != NULL && lang->type == TW_JSTR) {
		char *l = jstrdup(lang);

		for (i = 0; i < d->nlang; i++)
			if (strcmp(d->lang[i], l) == 0)
				break;
		if (i == d->nlang) {
			d->lang = tw_xrealloc(d->lang, (d->nlang + 1) * sizeof *d->lang);
			d->lang[d->nlang++] = l;
		} else {
			free(l);
		}
	}
	ws = jstrdup(TW_JGET(j, o, "window_start"));
	we = jstrdup(TW_JGET(j, o, "window_end"));
	if (ws != NULL) {
		/* Windows: distinct starts (results come one per group). */
		for (i = d->nwin; i-- > 0;)
			if (strcmp(d->win[i], ws) == 0)
				break;
		if (i == (size_t)-1) {
			d->win = tw_xrealloc(d->win, (d->nwin + 1) * sizeof *d->win);
			d->win[d->nwin++] = tw_xstrdup(ws);
		}
	}
	if (ws && (d->first == NULL || strcmp(ws, d->first) < 0)) {
		free(d->first);
		d->first = ws;
		ws = NULL;
	}
	if (we && (d->last == NULL || strcmp(we, d->last) > 0)) {
		free(d->last);
		d->last = we;
		we = NULL;
	}
	free(ws);
	free(we);
}

static void
read_log(char *path)
{
	struct tw_reader r;
	struct tw_input in;
	struct tw_json j;
	enum tw_in_status st;
	uint64_t n = 0;
	char *files[1] = { path };
	const struct tw_jval *o, *type;

	tw_reader_open(&r, files, 1);
	tw_json_init(&j);
	tw_input_init(&in, &r, &j);
	in.multiline = 0;
	while ((st = tw_input_next(&in)) != TW_IN_EOF) {
		switch (st) {
		case TW_IN_DOC:
			n++;
			o = j.v;
			if (o->type != TW_JOBJ) {
				bad(&in, "expected a JSON object");
				break;
			}
			type = TW_JGET(&j, o, "type");
			if (type != NULL && TW_JSTREQ(type, "summary"))
				summary_rec(&in, &j, o);
			else if (type != NULL && TW_JSTREQ(type, "stats"))
				stats_rec(&in, &j, o);
			else if (TW_JGET(&j, o, "window_start") != NULL)
				agg_rec(&in, &j, o);
			else
				bad(&in, "not a tw-perf or tw-agg record");
			break;
		case TW_IN_BLANK:
			break;
		case TW_IN_BAD:
			n++;
			bad(&in, "%s", in.reason);
			break;
		case TW_IN_IOERR:
			tw_warn("%s: %s", in.name, r.errmsg);
			R.ioerr++;
			break;
		case TW_IN_EOF:
			break;
		}
	}
	if (n == 0 && r.nfiles_failed == 0) {
		tw_warn("%s: no records", strcmp(path, "-") ? path : "<stdin>");
		R.bad++;
	}
	if (r.nfiles_failed)
		R.ioerr++;
	tw_input_free(&in);
	tw_json_free(&j);
	tw_reader_close(&r);
}

/* Runs with stats records but no summary (a meter killed hard) become
 * rows built from their last stats record. */
static void
orphan_stats(void)
{
	size_t i, k;

	for (i = 0; i < R.nstats; i++) {
		struct stats *s = &R.stats[i];
		struct run *r;

		for (k = 0; k < R.nruns; k++)
			if (same_label(R.runs[k].label, s->label))
				break;
		if (k < R.nruns)
			continue;
		r = new_run();
		r->label = s->label ? tw_xstrdup(s->label) : NULL;
		r->mode = tw_xstrdup("incomplete");
		r->records = s->records;
		r->bytes = s->bytes;
		r->seconds = s->elapsed;
		r->rps = s->elapsed > 0 ? s->records / s->elapsed : NAN;
		r->bps = s->elapsed > 0 ? s->bytes / s->elapsed : NAN;
		r->cpu_user = r->cpu_sys = r->peak_rss_kb = r->max_single_kb = NAN;
		r->exit_status = NAN;
		r->live = NAN;
		r->age[0] = r->age[1] = r->age[2] = r->age[3] = NAN;
		r->lat[0] = r->lat[1] = r->lat[2] = r->lat[3] = NAN;
		r->from_stats = 1;
		r->file = s->file;
		r->line = s->line;
	}
	for (k = 0; k < R.nruns; k++)
		for (i = 0; i < R.nstats; i++)
			if (same_label(R.runs[k].label, R.stats[i].label))
				R.runs[k].stats = &R.stats[i];
}

/* ---- storage ---- */

static void
add_storage(const char *source, const char *name, double bytes, double files)
{
	struct store *s;

	R.store = tw_xrealloc(R.store, (R.nstore + 1) * sizeof *R.store);
	s = &R.store[R.nstore++];
	s->source = tw_xstrdup(source);
	s->name = tw_xstrdup(name);
	s->bytes = bytes;
	s->files = files;
}

/* Runs sqlite3 FILE SQL; its output (tab-separated) goes to out.
 * Returns the exit status, -1 when it could not start. */
static int
sqlite(const char *file, const char *sql, struct tw_buf *out)
{
	int p[2], status;
	pid_t pid;
	char buf[4096];
	ssize_t n;

	if (pipe(p) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(p[1], STDOUT_FILENO);
		if (devnull >= 0)
			dup2(devnull, STDERR_FILENO);
		close(p[0]);
		close(p[1]);
		execlp("sqlite3", "sqlite3", "-readonly", "-batch", "-noheader",
		    "-separator", "\t", file, sql, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		tw_buf_add(out, buf, (size_t)n);
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static void
storage_sqlite(const char *spec, const char *file)
{
	struct tw_buf out = TW_BUF_INIT;
	char *line, *save = NULL, *tab;
	int rc;
	double pc, ps;

	if (access(file, R_OK) < 0) {
		tw_warn("%s: %s", file, strerror(errno));
		R.ioerr++;
		return;
	}
	rc = sqlite(file, "SELECT name, SUM(pgsize) FROM dbstat GROUP BY name "
	    "ORDER BY name;", &out);
	if (rc == 127) {
		tw_warn("%s: sqlite3 not found (Debian package sqlite3)", spec);
		R.ioerr++;
		tw_buf_free(&out);
		return;
	}
	if (rc == 0) {
		for (line = strtok_r(out.p, "\n", &save);
		    line != NULL; line = strtok_r(NULL, "\n", &save)) {
			if ((tab = strchr(line, '\t')) == NULL)
				continue;
			*tab = '\0';
			add_storage(spec, line, strtod(tab + 1, NULL), NAN);
		}
		tw_buf_free(&out);
		return;
	}
	/* No dbstat in this sqlite3: only the file's total is known. */
	tw_buf_reset(&out);
	if (sqlite(file, "PRAGMA page_count; PRAGMA page_size;", &out) != 0 ||
	    sscanf(out.p, "%lf %lf", &pc, &ps) != 2) {
		tw_warn("%s: sqlite3 could not read the database", spec);
		R.ioerr++;
	} else {
		add_storage(spec, "(all tables)", pc * ps, NAN);
	}
	tw_buf_free(&out);
}

static const char *walk_root;
static size_t walk_first;

static int
walk(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	char rel[4096];
	const char *p;
	size_t i, rl = strlen(walk_root);

	(void)ftw;
	if (flag != FTW_F || !S_ISREG(st->st_mode))
		return 0;
	p = path + rl;
	while (*p == '/')
		p++;
	snprintf(rel, sizeof rel, "%s", p);
	if (strrchr(rel, '/') != NULL)
		*strrchr(rel, '/') = '\0';
	else
		snprintf(rel, sizeof rel, ".");
	for (i = R.nstore; i-- > walk_first;)
		if (strcmp(R.store[i].name, rel) == 0)
			break;
	if (i == (size_t)-1 || i < walk_first) {
		add_storage("", rel, 0, 0);
		i = R.nstore - 1;
	}
	R.store[i].bytes += (double)st->st_size;
	R.store[i].files += 1;
	return 0;
}

static int
store_cmp(const void *a, const void *b)
{
	return strcmp(((const struct store *)a)->name,
	    ((const struct store *)b)->name);
}

static void
storage_dir(const char *spec, const char *path)
{
	size_t i;

	walk_root = path;
	walk_first = R.nstore;
	if (nftw(path, walk, 32, FTW_PHYS) < 0) {
		tw_warn("%s: %s", path, strerror(errno));
		R.ioerr++;
		return;
	}
	qsort(R.store + walk_first, R.nstore - walk_first, sizeof *R.store,
	    store_cmp);
	for (i = walk_first; i < R.nstore; i++) {
		free(R.store[i].source);
		R.store[i].source = tw_xstrdup(spec);
	}
}

static void
storage_tsv(const char *spec, char *file)
{
	struct tw_reader r;
	char *files[1] = { file };
	const char *line, *tab;
	size_t len;
	enum tw_read_status st;
	char *name, *end;
	double v;
	uint64_t n = 0;

	tw_reader_open(&r, files, 1);
	while ((st = tw_reader_next(&r, &line, &len)) != TW_READ_EOF) {
		if (st == TW_READ_ERR) {
			tw_warn("%s: %s", r.name, r.errmsg);
			R.ioerr++;
			continue;
		}
		if (st == TW_READ_LONG || len == 0)
			continue;
		n++;
		tab = memchr(line, '\t', len);
		if (tab == NULL || tab == line) {
			tw_warn("%s:%llu: expected \"table<TAB>bytes\"", r.name,
			    (unsigned long long)r.lineno);
			R.bad++;
			continue;
		}
		errno = 0;
		v = strtod(tab + 1, &end);
		if (end == tab + 1 || *end != '\0' || errno || v < 0 || !isfinite(v)) {
			tw_warn("%s:%llu: size of \"%.*s\" is not a number", r.name,
			    (unsigned long long)r.lineno, (int)(tab - line), line);
			R.bad++;
			continue;
		}
		name = tw_xstrndup(line, (size_t)(tab - line));
		add_storage(spec, name, v, NAN);
		free(name);
	}
	if (n == 0 && r.nfiles_failed == 0) {
		tw_warn("%s: no records", file);
		R.bad++;
	}
	if (r.nfiles_failed)
		R.ioerr++;
	tw_reader_close(&r);
}

static void
storage(char *spec)
{
	char *colon = strchr(spec, ':');

	if (colon == NULL)
		tw_die(2, "--storage: expected sqlite:FILE, dir:PATH or tsv:FILE");
	if (strncmp(spec, "sqlite:", 7) == 0)
		storage_sqlite(spec, colon + 1);
	else if (strncmp(spec, "dir:", 4) == 0)
		storage_dir(spec, colon + 1);
	else if (strncmp(spec, "tsv:", 4) == 0)
		storage_tsv(spec, colon + 1);
	else
		tw_die(2, "--storage: unknown kind \"%.*s\" (sqlite, dir, tsv)",
		    (int)(colon - spec), spec);
}

/*
 * Which side of the comparison a run is on by its label
 * ("...batch...", "...stream..."), so that a job named streaming is
 * compared as such even when what it read was a backlog (its measured
 * mode says so); 0 when the label names neither.
 */
static int
label_side(const struct run *r)
{
	if (r->label && strstr(r->label, "stream"))
		return 2;
	if (r->label && strstr(r->label, "batch"))
		return 1;
	return 0;
}

/* The side by the measured mode, for runs whose label names none. */
static int
mode_side(const struct run *r)
{
	if (label_side(r) != 0 || r->mode == NULL)
		return 0;
	if (strcmp(r->mode, "streaming") == 0)
		return 2;
	if (strcmp(r->mode, "batch") == 0)
		return 1;
	return 0;
}

/* The compared pair: the last run of each side by label, else by mode. */
static void
pair(void)
{
	struct run *by_label[3] = { NULL, NULL, NULL };
	struct run *by_mode[3] = { NULL, NULL, NULL };
	size_t k;

	for (k = 0; k < R.nruns; k++) {
		struct run *r = &R.runs[k];

		if (r->hidden)
			continue;
		by_label[label_side(r)] = r;
		by_mode[mode_side(r)] = r;
	}
	R.batch = by_label[1] ? by_label[1] : by_mode[1];
	R.streaming = by_label[2] ? by_label[2] : by_mode[2];
}

int
report_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "format", required_argument, NULL, 3 },
		{ "storage", required_argument, NULL, 4 },
		{ "quiet", no_argument, NULL, 'q' },
		{ "svg", required_argument, NULL, 1 },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 2 },
		{ NULL, 0, NULL, 0 }
	};
	char **specs = NULL, *stdin_only[1] = { (char *)"-" };
	const char *svgdir = NULL;
	int ch, i, nspecs = 0, usable;

	R.format = FMT_TEXT;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hq", longopts, NULL)) != -1) {
		switch (ch) {
		case 3:
			if (strcmp(optarg, "text") == 0)
				R.format = FMT_TEXT;
			else if (strcmp(optarg, "markdown") == 0 || strcmp(optarg, "md") == 0)
				R.format = FMT_MARKDOWN;
			else if (strcmp(optarg, "json") == 0)
				R.format = FMT_JSON;
			else
				tw_die(2, "--format: expected text, markdown or json");
			break;
		case 'q':
			perf_quiet = 1;
			break;
		case 'h':
			perf_usage(0);
		case 4:
			specs = tw_xrealloc(specs, (size_t)(nspecs + 1) * sizeof *specs);
			specs[nspecs++] = optarg;
			break;
		case 1:
			svgdir = optarg;
			break;
		case 2:
			printf("tw-perf %s\n", TW_VERSION);
			return 0;
		default: {
			static const struct tw_opt_moved moved[] = {
				{ 'f', "--format" }, { 's', "--storage" }, { 0, NULL } };

			tw_opt_refused(ch, argv, moved);
			perf_usage(2);
		}
		}
	}
	argc -= optind;
	argv += optind;
	for (i = 0; i < nspecs; i++)
		if (strchr(specs[i], ':') == NULL ||
		    (strncmp(specs[i], "sqlite:", 7) && strncmp(specs[i], "dir:", 4) &&
		    strncmp(specs[i], "tsv:", 4)))
			storage(specs[i]);	/* dies with the usage message */
	if (argc == 0 && nspecs == 0) {
		argv = stdin_only;
		argc = 1;
	}
	for (i = 0; i < argc; i++)
		read_log(argv[i]);
	orphan_stats();
	for (i = 0; i < nspecs; i++)
		storage(specs[i]);
	free(specs);

	pair();
	usable = R.nruns > 0 || R.data.results > 0 || R.nstore > 0;
	if (!usable) {
		tw_warn("nothing to report");
		return 1;
	}
	report_print(&R);
	if (svgdir != NULL && svg_write(&R, svgdir) < 0)
		return 1;
	return R.ioerr ? 1 : 0;
}
