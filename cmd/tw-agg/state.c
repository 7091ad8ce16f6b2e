/*
 * state.c: the state file of tw-agg --state.
 *
 * Layout (NDJSON): a header line {"twpipe_agg_state":2,"spec":...,
 * "watermark":...,"max_event":...,"offsets":[[topic,partition,offset,n],
 * ...]}, one partial record per open cell (as --partial writes them), and
 * an end line {"twpipe_agg_state_end":CELLS}, so that a copy cut short at a
 * line end is told from a whole file. The spec is the fingerprint of the
 * options that shape the cells; a state saved with other options is
 * refused rather than misread. Saving writes FILE.tmp.PID, fsyncs it and
 * renames it over FILE, so a reader sees the old or the new state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agg.h"
#include "tw_input.h"
#include "tw_time.h"
#include "tw_util.h"


/* An integer or null (left as it is): 0, or -1 for anything else. */
static int
opt_i64(const struct tw_json *j, const struct tw_jval *v, int64_t *x)
{
	(void)j;
	if (v != NULL && v->type == TW_JNULL)
		return 0;
	return tw_json_i64(v, x);
}

/*
 * "offsets":[["topic",partition,offset,n,kafka_ts,first,first_ts,ev],...] of a
 * state file's header: n records of the message at offset were counted;
 * kafka_ts is that message's Kafka time, first and first_ts the offset and
 * time of the first message ever counted (null: unknown), and last the
 * newest event time of the messages counted. tw-agg 0.1 wrote the first
 * four only; five and seven are earlier forms of this one.
 */
static void
offsets_load(struct app *a, const struct tw_json *j, const struct tw_jval *arr)
{
	const struct tw_jval *e, *t;
	int64_t part, off, n, kts, first, fts, ev;
	size_t i;

	if (arr == NULL || arr->type == TW_JNULL)
		return;
	if (arr->type != TW_JARR)
		tw_die(1, "%s: corrupt state file: bad offsets", a->state_path);
	for (i = 0; i < arr->len; i++) {
		struct pos *p;

		e = tw_json_index(j, arr, i);
		t = e && e->type == TW_JARR && (e->len == 4 || e->len == 5 ||
		    e->len == 7 || e->len == 8) ?
		    tw_json_index(j, e, 0) : NULL;
		kts = fts = ev = NO_TIME;
		first = -1;
		if (t == NULL || t->type != TW_JSTR || t->flags != 0 ||
		    tw_json_i64(tw_json_index(j, e, 1), &part) != 0 ||
		    tw_json_i64(tw_json_index(j, e, 2), &off) != 0 || off < 0 ||
		    tw_json_i64(tw_json_index(j, e, 3), &n) != 0 || n < 1 ||
		    (e->len >= 5 && opt_i64(j, tw_json_index(j, e, 4), &kts) != 0) ||
		    (e->len >= 7 && (opt_i64(j, tw_json_index(j, e, 5), &first) != 0 ||
		    opt_i64(j, tw_json_index(j, e, 6), &fts) != 0)) ||
		    (e->len == 8 && opt_i64(j, tw_json_index(j, e, 7), &ev) != 0))
			tw_die(1, "%s: corrupt state file: bad offsets", a->state_path);
		if ((p = pos_get(a, t->p, t->len, part)) == NULL)
			tw_die(1, "%s: corrupt state file: too many partitions", a->state_path);
		p->max = p->loaded = p->hi = off;
		p->max_n = p->skip = n;
		p->max_ts = p->loaded_ts = kts;
		p->first_off = first < 0 ? -1 : first;
		p->first_ts = first < 0 ? NO_TIME : fts;
		p->ev_all = p->loaded_ev = ev;
	}
}

/* Counts of every run: "counts":{"records":N,"late":N,"bad":N,"replayed":N}. */
static void
counts_load(struct app *a, const struct tw_json *j, const struct tw_jval *o)
{
	int64_t x;

	if (o == NULL || o->type != TW_JOBJ)
		return;
	if (tw_json_i64(TW_JGET(j, o, "records"), &x) == 0 && x >= 0)
		a->total_records = (uint64_t)x;
	if (tw_json_i64(TW_JGET(j, o, "late"), &x) == 0 && x >= 0)
		a->total_late = (uint64_t)x;
	if (tw_json_i64(TW_JGET(j, o, "bad"), &x) == 0 && x >= 0)
		a->total_bad = (uint64_t)x;
	if (tw_json_i64(TW_JGET(j, o, "replayed"), &x) == 0 && x >= 0)
		a->total_replayed = (uint64_t)x;
}

int
state_resume_point(struct app *a)
{
	struct tw_reader r;
	const char *line;
	size_t len, i;
	char *files[1];
	struct tw_json j;
	int64_t min = INT64_MAX;
	int all = 1;

	files[0] = (char *)a->state_path;
	tw_reader_open(&r, files, 1);
	r.finish = 1;	/* a signal now must not look like a short file */
	tw_json_init(&j);
	if (access(a->state_path, F_OK) == 0 &&
	    tw_reader_next(&r, &line, &len) == TW_READ_LINE &&
	    tw_json_parse(&j, (char *)line, len) == 0 &&
	    TW_JGET(&j, &j.v[0], "twpipe_agg_state") != NULL) {
		offsets_load(a, &j, TW_JGET(&j, &j.v[0], "offsets"));
		for (i = 0; i < a->npos; i++) {
			if (a->pos[i].max_ts == NO_TIME)
				all = 0;
			else if (a->pos[i].max_ts < min)
				min = a->pos[i].max_ts;
		}
	} else if (access(a->state_path, F_OK) == 0)
		tw_die(1, "%s: not a tw-agg state file", a->state_path);
	tw_json_free(&j);
	tw_reader_close(&r);
	/* A minute before the oldest of the partitions' last counted
	 * messages: the messages between come again and are skipped. */
	if (a->npos == 0 || !all)
		puts("beginning");
	else
		printf("s@%lld\n", (long long)(min - 60000 < 0 ? 0 : min - 60000));
	if (fflush(stdout) == EOF || ferror(stdout))
		tw_die(1, "<stdout>: write error: %s", strerror(errno));
	pos_free(a);
	return 0;
}

/*
 * Removes FILE.tmp.PID left by a tw-agg that was killed while saving
 * (PID no longer running): a crash leaves no litter beside the state.
 */
void
state_litter(struct app *a)
{
	char *dir = tw_xstrdup(a->state_path), *slash = strrchr(dir, '/');
	const char *base = slash ? slash + 1 : a->state_path;
	size_t bl = strlen(base);
	struct tw_buf path = TW_BUF_INIT;
	struct dirent *de;
	DIR *d;

	if (slash)
		*slash = '\0';
	d = opendir(slash ? (*dir ? dir : "/") : ".");
	while (d != NULL && (de = readdir(d)) != NULL) {
		const char *t = de->d_name + bl;
		char *end;
		long pid;

		if (strncmp(de->d_name, base, bl) != 0 || strncmp(t, ".tmp.", 5) != 0)
			continue;
		errno = 0;
		pid = strtol(t + 5, &end, 10);
		if (errno || *end || end == t + 5 || pid <= 0 || pid == (long)getpid() ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		tw_buf_reset(&path);
		tw_buf_addf(&path, "%s%s%s", slash ? (*dir ? dir : "") : "", slash ? "/" : "",
		    de->d_name);
		if (unlink(path.p) == 0 && a->verbose)
			tw_warn("%s: removed, left by a tw-agg killed while saving", path.p);
	}
	if (d != NULL)
		closedir(d);
	tw_buf_free(&path);
	free(dir);
}

void
state_load(struct app *a)
{
	struct tw_reader r;
	struct tw_input in;
	struct tw_json j;
	char *files[1];
	enum tw_in_status st;
	int first = 1, saved_quiet = a->quiet, version = 0, ended = 0;
	uint64_t bad0 = a->bad, cells = 0;
	const struct tw_jval *v;
	struct stat sb;

	if (stat(a->state_path, &sb) != 0) {
		if (errno == ENOENT)
			return;	/* the first run */
		tw_die(1, "%s: %s", a->state_path, strerror(errno));
	}
	files[0] = (char *)a->state_path;
	tw_reader_open(&r, files, 1);
	/* Loaded whole even when a signal comes now: a state cut short by
	 * it would be saved back over the whole one. */
	r.finish = 1;
	tw_json_init(&j);
	tw_input_init(&in, &r, &j);
	a->quiet = 0;
	while ((st = tw_input_next(&in)) != TW_IN_EOF) {
		if (st == TW_IN_IOERR)
			tw_die(1, "%s: %s", a->state_path, r.errmsg);
		if (st == TW_IN_BAD)
			tw_die(1, "%s:%llu: corrupt state file: %s", a->state_path,
			    (unsigned long long)in.lineno, in.reason);
		if (st != TW_IN_DOC)
			continue;
		if (first) {
			int64_t x;

			first = 0;
			v = TW_JGET(&j, &j.v[0], "twpipe_agg_state");
			if (v == NULL || tw_json_i64(v, &x) != 0 || (x != 1 && x != 2))
				tw_die(1, "%s: not a tw-agg state file", a->state_path);
			version = (int)x;	/* 1: before the end line */
			v = TW_JGET(&j, &j.v[0], "spec");
			if (v == NULL || (!tw_json_streq(v, a->spec, strlen(a->spec)) &&
			    !tw_json_streq(v, a->spec_old, strlen(a->spec_old))))
				tw_die(1, "%s: saved by tw-agg with other options (%s)",
				    a->state_path, a->spec);
			if (tw_json_i64(TW_JGET(&j, &j.v[0], "watermark"), &x) == 0)
				a->e.watermark = x;
			if (tw_json_i64(TW_JGET(&j, &j.v[0], "max_event"), &x) == 0)
				a->e.max_event = x;
			offsets_load(a, &j, TW_JGET(&j, &j.v[0], "offsets"));
			counts_load(a, &j, TW_JGET(&j, &j.v[0], "counts"));
			continue;
		}
		if ((v = TW_JGET(&j, &j.v[0], "twpipe_agg_state_end")) != NULL) {
			int64_t x;

			if (tw_json_i64(v, &x) != 0 || (uint64_t)x != cells || ended)
				tw_die(1, "%s:%llu: corrupt state file: the end line "
				    "does not match the %llu windows read", a->state_path,
				    (unsigned long long)in.lineno, (unsigned long long)cells);
			ended = 1;
			continue;
		}
		if (ended)
			tw_die(1, "%s:%llu: corrupt state file: a window after the "
			    "end line", a->state_path, (unsigned long long)in.lineno);
		if (merge_record(a, &j, &in, 1) < 0 || a->bad != bad0)
			tw_die(1, "%s:%llu: state file not loaded (see above)", a->state_path,
			    (unsigned long long)in.lineno);
		cells++;
	}
	if (first)
		tw_die(1, "%s: empty state file", a->state_path);
	if (version >= 2 && !ended)
		tw_die(1, "%s: state file cut short (no end line): restore the whole "
		    "file, or remove it to start over", a->state_path);
	a->quiet = saved_quiet;
	tw_input_free(&in);
	tw_json_free(&j);
	tw_reader_close(&r);
}

static void
put_opt(struct tw_buf *b, int64_t x)
{
	if (x == NO_TIME)
		tw_buf_adds(b, "null");
	else
		tw_buf_add_i64(b, x);
}

void
state_save(struct app *a)
{
	struct tw_buf b = TW_BUF_INIT, tmp = TW_BUF_INIT;
	struct tw_writer w;
	char *dir, *slash;
	int fd;

	tw_buf_addf(&tmp, "%s.tmp.%ld", a->state_path, (long)getpid());
	fd = open(tmp.p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0)
		tw_die(1, "%s: %s", tmp.p, strerror(errno));
	tw_writer_init(&w, fd, tmp.p);
	tw_buf_add(&w.out, "{\"twpipe_agg_state\":2,\"spec\":", 29);
	tw_buf_add_jstr(&w.out, a->spec, strlen(a->spec));
	tw_buf_add(&w.out, ",\"watermark\":", 13);
	if (a->e.watermark == NO_TIME)
		tw_buf_add(&w.out, "null", 4);
	else
		tw_buf_add_i64(&w.out, a->e.watermark);
	tw_buf_add(&w.out, ",\"max_event\":", 13);
	if (a->e.max_event == NO_TIME)
		tw_buf_add(&w.out, "null", 4);
	else
		tw_buf_add_i64(&w.out, a->e.max_event);
	{
		size_t i;
		int n = 0;

		for (i = 0; i < a->npos; i++) {
			struct pos *p = &a->pos[i];

			if (p->max < 0)
				continue;
			tw_buf_adds(&w.out, n++ ? "," : ",\"offsets\":[");
			tw_buf_addc(&w.out, '[');
			tw_buf_add_jstr(&w.out, p->topic, p->tlen);
			tw_buf_addc(&w.out, ',');
			tw_buf_add_i64(&w.out, p->part);
			tw_buf_addc(&w.out, ',');
			tw_buf_add_i64(&w.out, p->max);
			tw_buf_addc(&w.out, ',');
			tw_buf_add_i64(&w.out, p->max_n);
			tw_buf_addc(&w.out, ',');
			put_opt(&w.out, p->max_ts);
			tw_buf_addc(&w.out, ',');
			put_opt(&w.out, p->first_off < 0 ? NO_TIME : p->first_off);
			tw_buf_addc(&w.out, ',');
			put_opt(&w.out, p->first_off < 0 ? NO_TIME : p->first_ts);
			tw_buf_addc(&w.out, ',');
			put_opt(&w.out, p->ev_all);
			tw_buf_addc(&w.out, ']');
		}
		if (n)
			tw_buf_addc(&w.out, ']');
	}
	tw_buf_addf(&w.out, ",\"counts\":{\"records\":%llu,\"late\":%llu,\"bad\":%llu,"
	    "\"replayed\":%llu}", (unsigned long long)(a->total_records + a->records),
	    (unsigned long long)(a->total_late + a->late_n),
	    (unsigned long long)(a->total_bad + a->bad),
	    (unsigned long long)(a->total_replayed + a->replayed));
	tw_buf_add(&w.out, "}\n", 2);
	/* The end line says how many records came: a copy cut short at a
	 * line end is told from a whole file. */
	{
		size_t lines = engine_dump(&a->e, &b);

		tw_buf_add(&w.out, b.p, b.len);
		tw_buf_addf(&w.out, "{\"twpipe_agg_state_end\":%zu}\n", lines);
	}
	tw_buf_free(&b);
	/* Write, sync, then rename: a reader sees the old or the new file. */
	if (tw_writer_flush(&w) < 0 || fsync(fd) < 0) {
		int err = w.err ? w.err : errno;

		close(fd);
		unlink(tmp.p);
		tw_die(1, "%s: cannot save state: %s", a->state_path, strerror(err));
	}
	if (tw_writer_close(&w) < 0) {
		unlink(tmp.p);
		tw_die(1, "%s: cannot save state: %s", a->state_path, strerror(w.err));
	}
	if (rename(tmp.p, a->state_path) < 0) {
		int err = errno;

		unlink(tmp.p);
		tw_die(1, "%s: cannot save state: %s", a->state_path, strerror(err));
	}
	dir = tw_xstrdup(a->state_path);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	fd = open(slash ? (*dir ? dir : "/") : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
	tw_buf_free(&tmp);
}

/*
 * A checkpoint: the windows written so far reach stdout (and late
 * records their file) before the state that no longer holds them is
 * published, so a crash after it loses no window; one before it only
 * means the windows since the last checkpoint are written again.
 */
void
outputs_alive(struct app *a)
{
	struct tw_writer *ws[4];
	int i, n = 0;

	ws[n++] = &a->w;
	if (a->have_copy)
		ws[n++] = &a->copy;
	if (a->have_tee)
		ws[n++] = &a->tee;
	if (a->have_late)
		ws[n++] = &a->late;
	for (i = 0; i < n; i++)
		if (tw_writer_reader_gone(ws[i])) {
			ws[i]->err = EPIPE;
			tw_writer_fail(ws[i]);
		}
}

void
outputs_flush(struct app *a)
{
	outputs_alive(a);
	if (tw_writer_flush(&a->w) < 0)
		tw_writer_fail(&a->w);
	if (a->have_late && tw_writer_flush(&a->late) < 0)
		tw_writer_fail(&a->late);
	if (a->have_tee && tw_writer_flush(&a->tee) < 0)
		tw_writer_fail(&a->tee);
}

void
checkpoint(struct app *a)
{
	outputs_flush(a);
	state_save(a);
	a->ckpt_due = 0;
	a->last_ckpt_ms = tw_mono_ns() / 1000000;
	a->checkpoints++;
}

