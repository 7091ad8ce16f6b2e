/*
 * The meter: copies its input to standard output byte for byte (like
 * cat: no line is changed, joined or dropped, gzip is not inflated) and
 * measures it on the way.
 *
 * Raw read(2)/write(2) of up to BUFSZ (or PIPESZ) bytes; each chunk is written as
 * soon as it is read, so nothing waits in a buffer and a record in a
 * quiet stream passes at once. Lines are found 64 bytes at a time with
 * AVX2 where the CPU has it (memchr otherwise), while the read is still
 * in the cache. The event
 * time is read (a full JSON parse, then ts, timestamp_ms, created_at,
 * data.created_at) from a sample of the lines: the first BURST lines of
 * every WINDOW_MS that come in reads shorter than BACKLOG, one line in
 * SAMPLE_EVERY, and the first line of a read once every SAMPLE_NS. So every line of a live stream under 2,000 lines a
 * second (where latency means something) is sampled, while a backlog or
 * a file read at full speed (64 KiB or more a read) costs a parse for
 * about one line in a thousand.
 *
 * Reads block with no poll(2) in front of them (a syscall per read
 * costs several percent next to cat); a periodic SIGALRM interrupts a
 * read that waits on a quiet input, so stats records and the progress
 * display keep coming.
 *
 * Batch or streaming is decided by what arrives (tw-perf(1) states the
 * rule). From the first record on, time is cut into windows of about a
 * second (struct cls); each window's records arrived live or from a
 * backlog: live when the meter had to wait for its input and the
 * records' event time (else kafka_ts) advanced no faster than the clock,
 * in each Kafka partition apart (without any time: when the input paused,
 * 50 ms or more, for a quarter of the window and once per 1000 records);
 * never from a regular file. The run is streaming when most of its
 * records arrived live. Every sample gives a data age (now minus its
 * event time); the samples of live windows also give a latency (now
 * minus the ingest time: kafka_ts, else the event time), so the samples
 * of a window wait in the window until it is classified.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perf.h"
#include "tw_json.h"
#include "tw_opt.h"
#include "tw_sig.h"
#include "tw_time.h"
#include "tw_util.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define TW_METER_AVX2 1
static int have_avx2;
#endif

/*
 * Reads of BUFSZ (256 KiB: half the system calls of cat's 128 KiB, and
 * still in the L2 cache when the lines are counted) when the output is a
 * file or /dev/null; of PIPESZ when it is a pipe or a socket, where
 * larger writes only wait longer for the reader (measured: 256 KiB made
 * file | tw-perf | cat 20% slower than with cat in its place, 128 KiB 3-6%).
 */
#define BUFSZ ((size_t)256 << 10)
#define PIPESZ ((size_t)128 << 10)
static size_t rdsz = BUFSZ;
#define BURST 2000
#define BACKLOG ((size_t)64 << 10)
#define WINDOW_MS 1000
#define SAMPLE_EVERY 1024
/* and the first line of a read once every SAMPLE_NS (at most a thousand
 * parses a second): a short backlog read in a few large reads (from a pipe
 * of 1 MiB) has no burst and may not reach SAMPLE_EVERY lines, and its pace
 * needs times far enough apart */
#define SAMPLE_NS ((int64_t)1000000)
#define CARRY_MAX ((size_t)1 << 20)
#define PROGRESS_MS 500
/* Classification: a wait for input of WAIT_NS or more found the input
 * idle (the meter had caught up); for records without a time, pauses of
 * LONG_WAIT_NS or more are what a paced stream shows and a busy producer
 * does not, even one the scheduler holds up on a loaded machine. A wait
 * runs from a read's start to the data (or the end), across the reads
 * the timer interrupts. PENDING_MAX samples at most wait in a window. */
#define WAIT_NS ((int64_t)200 * 1000)
#define LONG_WAIT_NS ((int64_t)50 * 1000000)
#define PACE_SLACK_MS 1000.0
#define PENDING_MAX 8192
/* Sources whose pace is followed apart: Kafka partitions by number
 * (modulo), and one for records without a partition. */
#define NSRC 1024
#define SRC_NONE NSRC

/* The pace of one source: its newest event time before the current
 * window (and when that window closed), and in the current window. */
struct src {
	int seen, touched;
	int64_t prev_max, prev_ns;
	int64_t first, max;
};

/* The current classification window (see the comment at the top). */
struct cls {
	int open;			/* from the first record on */
	int64_t start_ns;
	uint64_t records;
	int64_t idle_ns, long_idle_ns;	/* time spent waiting for input */
	uint64_t long_waits;		/* pauses of LONG_WAIT_NS or more */
	int have_pace;			/* a sample had a time */
	size_t ntouched;		/* sources with samples: */
	int touched[NSRC + 1];
	int regular;			/* read from a regular file */
	size_t n;			/* samples waiting: */
	double *age, *since;		/* now - event time, now - ingest time */
};

struct meter {
	const char *label;
	const char *logpath;
	int64_t every_ms;
	int progress;			/* stderr is a terminal and no --log */
	struct tw_writer log;
	struct tw_writer out;		/* only for its error policy */

	uint64_t records, bytes, blank, live_records;
	uint64_t last_records, last_bytes;
	int64_t start_ms, start_ns, last_ns, next_ns, next_prog_ns;
	/* Data age and latency: this interval, whole run. */
	struct tw_quant age_i, age_t, lat_i, lat_t;
	struct cls cls;
	struct src src[NSRC + 1];
	int regular;			/* the file being read is a regular one */
	int waiting;			/* for input, since wait_from */
	int64_t wait_from;
	struct tw_json json;

	struct tw_buf carry;		/* the start of a line cut by a read */
	size_t partial;			/* its length, even when not kept */
	uint64_t since_sample, win_lines;
	int64_t forced_ns;		/* the last sample forced by SAMPLE_NS */
	int64_t win_start_ns;
	int in_failed;
};

/* Finds the event time of one line: 0 when found, -1 when the line is
 * an object without one (left parsed in m->json), -2 when it is not a
 * JSON object. */
static int
event_time(struct meter *m, const char *s, size_t n, int64_t *t)
{
	const struct tw_jval *root, *v, *rt;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n == 0 || *s != '{')
		return -2;
	if (tw_json_parse(&m->json, s, n) != TW_JSON_OK)
		return -2;
	root = m->json.v;
	if (tw_json_time(TW_JGET(&m->json, root, "ts"), t) == 0)
		return 0;
	if (tw_json_time(TW_JGET(&m->json, root, "timestamp_ms"), t) == 0)
		return 0;
	/* A flat user record's created_at is when the account was made. */
	rt = TW_JGET(&m->json, root, "record_type");
	if ((rt == NULL || !TW_JSTREQ(rt, "user")) &&
	    tw_json_time(TW_JGET(&m->json, root, "created_at"), t) == 0)
		return 0;
	v = TW_JGET(&m->json, root, "data");
	if (v != NULL && v->type == TW_JOBJ &&
	    tw_json_time(TW_JGET(&m->json, v, "created_at"), t) == 0)
		return 0;
	return -1;
}

static void cls_close(struct meter *m, int64_t now_ns);
static void cls_wait(struct meter *m, int64_t t1);

/*
 * One sampled line: its data age; its ingest time (when the record
 * entered the pipeline: a flat tweet's kafka_ts, the time the broker
 * took it, else its event time) for the latency; its event time (else
 * kafka_ts) for the pace of its source (its Kafka partition: a backlog
 * of several partitions comes interleaved, each partition's history
 * after another's, so one newest time for all would stand still).
 */
static void
sample(struct meter *m, const char *s, size_t n, int64_t now)
{
	struct cls *w = &m->cls;
	int64_t t, k, pace, part;
	int have_t, have_k, rc, i;
	struct src *sp;

	m->since_sample = 0;
	rc = event_time(m, s, n, &t);
	if (rc == -2)
		return;
	have_t = rc == 0;
	have_k = tw_json_time(TW_JGET(&m->json, m->json.v, "kafka_ts"), &k) == 0;
	if (!have_t && !have_k)
		return;
	if (w->n == PENDING_MAX)
		cls_close(m, tw_mono_ns());
	w->age[w->n] = have_t ? (double)(now - t) : NAN;
	w->since[w->n++] = (double)(now - (have_k ? k : t));
	/* The pace is the data's own time: a topic filled in a burst and
	 * read at the speed it was filled is still hours of tweets read in
	 * minutes. */
	pace = have_t ? t : k;
	if (tw_json_i64(TW_JGET(&m->json, m->json.v, "kafka_partition"), &part) == 0 ||
	    tw_json_i64(TW_JGET(&m->json, m->json.v, "partition"), &part) == 0)
		i = (int)((uint64_t)part % NSRC);
	else
		i = SRC_NONE;
	sp = &m->src[i];
	w->have_pace = 1;
	if (!sp->touched) {
		sp->touched = 1;
		sp->first = sp->max = pace;
		w->touched[w->ntouched++] = i;
	} else if (pace > sp->max) {
		sp->max = pace;
	}
}

/* One complete line (without its newline) of total length n. */
static inline void
line(struct meter *m, const char *s, size_t n, int burst, int64_t now)
{
	if (n == 0 || (n == 1 && s[0] == '\r')) {
		m->blank++;
		return;
	}
	m->records++;
	m->cls.records++;
	if ((burst && ++m->win_lines <= BURST) ||
	    ++m->since_sample >= SAMPLE_EVERY)
		sample(m, s, n, now);
}

/*
 * Calls line() for every complete line in [s, end), s at the start of a
 * line, searching for newlines from b (s <= b: none lies in [s, b));
 * returns the start of the incomplete line at the end (end when there
 * is none).
 */
static const char *
lines_from(struct meter *m, const char *s, const char *b, const char *end,
    int burst, int64_t now)
{
	const char *nl;

	while ((nl = memchr(b, '\n', (size_t)(end - b))) != NULL) {
		line(m, s, (size_t)(nl - s), burst, now);
		s = b = nl + 1;
	}
	return s;
}

#ifdef TW_METER_AVX2
/* The newlines of 64 bytes at b, as a bit mask. */
__attribute__((target("avx2"))) static inline uint64_t
nl_mask(const char *b)
{
	const __m256i nl = _mm256_set1_epi8('\n');
	uint32_t lo = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
	    _mm256_loadu_si256((const void *)b), nl));
	uint32_t hi = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(
	    _mm256_loadu_si256((const void *)(b + 32)), nl));

	return (uint64_t)hi << 32 | lo;
}

/* lines() 64 bytes at a time: a block without a newline costs two
 * compares, and each line one bit scan instead of a memchr call; the
 * tail of under 64 bytes goes to lines_from. */
__attribute__((target("avx2"))) static const char *
lines_avx2(struct meter *m, const char *s, const char *end, int burst,
    int64_t now)
{
	const char *b = s, *nl;
	uint64_t k;

	for (; end - b >= 64; b += 64)
		for (k = nl_mask(b); k != 0; k &= k - 1) {
			nl = b + __builtin_ctzll(k);
			line(m, s, (size_t)(nl - s), burst, now);
			s = nl + 1;
		}
	return lines_from(m, s, b, end, burst, now);
}
#endif

/* lines_from(s, s, ...), 64 bytes at a time where the CPU has AVX2. */
static const char *
lines(struct meter *m, const char *s, const char *end, int burst, int64_t now)
{
#ifdef TW_METER_AVX2
	if (have_avx2)
		return lines_avx2(m, s, end, burst, now);
#endif
	return lines_from(m, s, s, end, burst, now);
}

/*
 * Classifies the window's records as live or backlog (the rule at the
 * top), moves its samples into the interval's sketches and starts the
 * next window at now_ns.
 */
static void
cls_close(struct meter *m, int64_t now_ns)
{
	struct cls *w = &m->cls;
	int live = 0;
	size_t i;

	if (!w->open)
		return;
	if (m->waiting) {
		/* A wait that goes on: its part so far is this window's. */
		cls_wait(m, now_ns);
		m->waiting = 1;
		m->wait_from = now_ns;
	}
	if (w->records > 0 && !w->regular) {
		if (w->have_pace) {
			/* Every source kept the clock's pace: its event time
			 * advanced by at most twice the time since it was
			 * last seen (this window's start, for a new one),
			 * plus a second. */
			live = w->idle_ns > 0;
			for (i = 0; i < w->ntouched && live; i++) {
				const struct src *sp = &m->src[w->touched[i]];
				int64_t base = sp->seen ? sp->prev_max : sp->first;
				int64_t since = sp->seen ? sp->prev_ns : w->start_ns;

				live = (double)(sp->max - base) <=
				    2 * (now_ns - since) / 1e6 + PACE_SLACK_MS;
			}
		} else {
			/* Paused for a quarter of the window, and often: a
			 * busy producer the scheduler holds up pauses now
			 * and then, a paced one at least once per 1000
			 * records. */
			live = w->long_idle_ns * 4 >= now_ns - w->start_ns &&
			    w->long_waits * 1000 >= w->records;
		}
	}
	for (i = 0; i < w->n; i++) {
		if (!isnan(w->age[i]))
			tw_quant_add(&m->age_i, w->age[i]);
		if (live)
			tw_quant_add(&m->lat_i, w->since[i]);
	}
	if (live)
		m->live_records += w->records;
	for (i = 0; i < w->ntouched; i++) {
		struct src *sp = &m->src[w->touched[i]];

		if (!sp->seen || sp->max > sp->prev_max)
			sp->prev_max = sp->max;
		sp->prev_ns = now_ns;
		sp->seen = 1;
		sp->touched = 0;
	}
	w->ntouched = 0;
	w->start_ns = now_ns;
	w->records = 0;
	w->idle_ns = w->long_idle_ns = 0;
	w->long_waits = 0;
	w->have_pace = 0;
	w->regular = 0;
	w->n = 0;
}

/* A read returned data or the end at t1 (ns): the wait for it counts
 * to the open window (none before the first record). */
static void
cls_wait(struct meter *m, int64_t t1)
{
	struct cls *w = &m->cls;
	int64_t d = t1 - m->wait_from;

	if (!m->waiting)
		return;
	m->waiting = 0;
	if (w->open && d >= WAIT_NS) {
		w->idle_ns += d;
		if (d >= LONG_WAIT_NS) {
			w->long_idle_ns += d;
			w->long_waits++;
		}
	}
}

/*
 * A read returned data at t1: its wait counts to the open window; data
 * opens the first window, or closes one that is a second old and opens
 * the next.
 */
static void
cls_read(struct meter *m, int64_t t1)
{
	struct cls *w = &m->cls;

	cls_wait(m, t1);
	if (!w->open) {
		w->open = 1;
		w->start_ns = t1;
	} else if (t1 - w->start_ns >= (int64_t)WINDOW_MS * 1000000) {
		cls_close(m, t1);
	}
	if (m->regular)
		w->regular = 1;
}

static void
scan(struct meter *m, const char *p, size_t n)
{
	const char *end = p + n, *nl;
	/* A read this large means a backlog: no burst, the input waits. */
	int burst = n < BACKLOG;
	int64_t now = tw_now_ms(), mono = tw_mono_ns();

	if (mono - m->win_start_ns >= (int64_t)WINDOW_MS * 1000000) {
		m->win_start_ns = mono;
		m->win_lines = 0;
	}
	if (mono - m->forced_ns >= SAMPLE_NS) {
		m->forced_ns = mono;
		if (m->since_sample < SAMPLE_EVERY - 1)
			m->since_sample = SAMPLE_EVERY - 1;
	}

	if (m->partial > 0) {
		nl = memchr(p, '\n', n);
		if (nl == NULL) {
			if (m->partial + n <= CARRY_MAX)
				tw_buf_add(&m->carry, p, n);
			m->partial += n;
			return;
		}
		if (m->partial + (size_t)(nl - p) <= CARRY_MAX) {
			tw_buf_add(&m->carry, p, (size_t)(nl - p));
			line(m, m->carry.p, m->carry.len, burst, now);
		} else {
			/* Too long to keep: counted, not sampled. */
			m->records++;
		}
		tw_buf_reset(&m->carry);
		m->partial = 0;
		p = nl + 1;
	}
	p = lines(m, p, end, burst, now);
	if (p < end) {
		m->partial = (size_t)(end - p);
		if (m->partial <= CARRY_MAX)
			tw_buf_add(&m->carry, p, m->partial);
	}
}

static void
log_write(struct meter *m)
{
	tw_buf_addc(&m->log.out, '\n');
	if (tw_writer_flush(&m->log) < 0)
		tw_writer_fail(&m->log);
}

static void
head(struct meter *m, const char *type)
{
	struct tw_buf *b = &m->log.out;

	tw_buf_adds(b, "{\"type\":\"");
	tw_buf_adds(b, type);
	tw_buf_addc(b, '"');
	rec_key(b, "label");
	rec_str(b, m->label);
}

static void
stats(struct meter *m, int64_t now_ns)
{
	struct tw_buf *b = &m->log.out;
	double dt = (now_ns - m->last_ns) / 1e9;

	if (dt <= 0)
		dt = 1e-9;
	head(m, "stats");
	rec_key(b, "time");
	rec_time(b, tw_now_ms());
	rec_key(b, "elapsed_s");
	rec_num(b, (now_ns - m->start_ns) / 1e9, 3);
	rec_key(b, "records");
	tw_buf_add_u64(b, m->records);
	rec_key(b, "bytes");
	tw_buf_add_u64(b, m->bytes);
	rec_key(b, "rate_rps");
	rec_num(b, (m->records - m->last_records) / dt, 1);
	rec_key(b, "rate_bps");
	rec_num(b, (m->bytes - m->last_bytes) / dt, 1);
	rec_key(b, "live_records");
	tw_buf_add_u64(b, m->live_records);
	rec_key(b, "age_ms");
	rec_latency(b, &m->age_i);
	rec_key(b, "latency_ms");
	rec_latency(b, &m->lat_i);
	tw_buf_addc(b, '}');
	log_write(m);
}

static void
human(char *buf, size_t n, double v, const char *unit)
{
	static const char pre[] = " kMGT";
	int i = 0;

	while (v >= 1000 && i < 4) {
		v /= 1000;
		i++;
	}
	if (i == 0)
		snprintf(buf, n, "%.0f %s", v, unit);
	else
		snprintf(buf, n, "%.1f %c%s", v, pre[i], unit);
}

static void
progress(struct meter *m, int64_t now_ns, int final)
{
	char line[256], rc[32], by[32], rr[32], br[32];
	double el = (now_ns - m->start_ns) / 1e9;
	double dt = (now_ns - m->last_ns) / 1e9;
	long s = (long)el;
	int n;

	if (dt <= 0)
		dt = 1e-9;
	human(rc, sizeof rc, (double)m->records, "rec");
	human(by, sizeof by, (double)m->bytes, "B");
	human(rr, sizeof rr, (m->records - m->last_records) / dt, "rec/s");
	human(br, sizeof br, (m->bytes - m->last_bytes) / dt, "B/s");
	n = snprintf(line, sizeof line, "\r%s%s%s  %s  [%s, %s]  %ld:%02ld:%02ld\033[K%s",
	    m->label ? m->label : "", m->label ? ": " : "", rc, by, rr, br,
	    s / 3600, s / 60 % 60, s % 60, final ? "\n" : "");
	if (n > (int)sizeof line - 1)
		n = (int)sizeof line - 1;
	tw_buf_add(&m->log.out, line, (size_t)n);
	if (tw_writer_flush(&m->log) < 0)
		tw_writer_fail(&m->log);
}

/* Stats and progress due at now_ns. */
static void
clock_work(struct meter *m, int64_t now_ns)
{
	if (m->progress) {
		if (now_ns >= m->next_prog_ns) {
			progress(m, now_ns, 0);
			m->last_ns = now_ns;
			m->last_records = m->records;
			m->last_bytes = m->bytes;
			m->next_prog_ns = now_ns + (int64_t)PROGRESS_MS * 1000000;
		}
		/* Still merge latency per interval, for the summary. */
	}
	if (now_ns < m->next_ns)
		return;
	/* The interval's figures hold every window so far. */
	cls_close(m, now_ns);
	if (!m->progress) {
		stats(m, now_ns);
		m->last_ns = now_ns;
		m->last_records = m->records;
		m->last_bytes = m->bytes;
	}
	tw_quant_merge(&m->age_t, &m->age_i);
	tw_quant_free(&m->age_i);
	memset(&m->age_i, 0, sizeof m->age_i);
	tw_quant_merge(&m->lat_t, &m->lat_i);
	tw_quant_free(&m->lat_i);
	memset(&m->lat_i, 0, sizeof m->lat_i);
	while (m->next_ns <= now_ns)
		m->next_ns += m->every_ms * 1000000;
}

static volatile sig_atomic_t alarm_fired;

static void
on_alarm(int sig)
{
	(void)sig;
	alarm_fired = 1;
}

/*
 * Starts a periodic timer, a quarter of --every (10ms to 250ms), so a
 * record is due at most that late; periodic rather than one-shot so an
 * alarm lost just before a read blocks is made up by the next one.
 */
static void
arm(struct meter *m)
{
	struct itimerval it;
	int64_t us = m->every_ms * 1000 / 4;

	if (us > 250000)
		us = 250000;
	if (us < 10000)
		us = 10000;
	memset(&it, 0, sizeof it);
	it.it_value.tv_sec = it.it_interval.tv_sec = us / 1000000;
	it.it_value.tv_usec = it.it_interval.tv_usec = us % 1000000;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void
tick(struct meter *m)
{
	int64_t now = tw_mono_ns();

	alarm_fired = 0;
	clock_work(m, now);
}

/* How the input ended, for the summary. */
enum { END_EOF, END_SIGNAL, END_CLOSED };

static void
summary(struct meter *m, int ended)
{
	static const char *how[] = { "eof", "signal", "closed" };
	struct tw_buf *b = &m->log.out;
	int64_t now_ns = tw_mono_ns();
	double el = (now_ns - m->start_ns) / 1e9;

	{
		struct itimerval off;

		memset(&off, 0, sizeof off);
		setitimer(ITIMER_REAL, &off, NULL);
	}
	cls_close(m, now_ns);
	tw_quant_merge(&m->age_t, &m->age_i);
	tw_quant_free(&m->age_i);
	memset(&m->age_i, 0, sizeof m->age_i);
	tw_quant_merge(&m->lat_t, &m->lat_i);
	tw_quant_free(&m->lat_i);
	memset(&m->lat_i, 0, sizeof m->lat_i);
	if (el <= 0)
		el = 1e-9;
	if (m->progress)
		progress(m, now_ns, 1);
	head(m, "summary");
	rec_key(b, "mode");
	/* Streaming when most records arrived live; no records: batch. */
	rec_str(b, m->records > 0 && m->live_records * 2 > m->records ?
	    "streaming" : "batch");
	rec_key(b, "ended");
	rec_str(b, how[ended]);
	rec_key(b, "records");
	tw_buf_add_u64(b, m->records);
	rec_key(b, "live_records");
	tw_buf_add_u64(b, m->live_records);
	rec_key(b, "bytes");
	tw_buf_add_u64(b, m->bytes);
	rec_key(b, "blank");
	tw_buf_add_u64(b, m->blank);
	rec_key(b, "start");
	rec_time(b, m->start_ms);
	rec_key(b, "end");
	rec_time(b, m->start_ms + (now_ns - m->start_ns) / 1000000);
	rec_key(b, "processing_s");
	rec_num(b, el, 6);
	rec_key(b, "throughput_rps");
	rec_num(b, m->records / el, 1);
	rec_key(b, "throughput_bps");
	rec_num(b, m->bytes / el, 1);
	rec_rusage_self(b);
	rec_key(b, "age_samples");
	tw_buf_add_u64(b, m->age_t.n);
	rec_key(b, "age_ms");
	rec_latency(b, &m->age_t);
	rec_key(b, "latency_samples");
	tw_buf_add_u64(b, m->lat_t.n);
	rec_key(b, "latency_ms");
	rec_latency(b, &m->lat_t);
	tw_buf_addc(b, '}');
	log_write(m);
}

/* Writes all of p[0..n) to stdout; -1 with errno on failure. */
static int
write_all(const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(STDOUT_FILENO, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/*
 * Copies one file. Returns 0 at its end, 1 when stopped by a signal,
 * 2 when standard output failed (errno in m->out.err).
 */
static int
copy(struct meter *m, int fd, const char *name, char *buf)
{
	ssize_t n;
	int64_t now;

	for (;;) {
		if (tw_sig_caught)
			return 1;
		if (alarm_fired) {
			tick(m);
			/* A later stage that ended is seen at the next tick,
			 * even on a quiet input. */
			if (tw_writer_reader_gone(&m->out)) {
				m->out.err = EPIPE;
				return 2;
			}
		}
		if (!m->waiting) {
			m->waiting = 1;
			m->wait_from = tw_mono_ns();
		}
		n = read(fd, buf, rdsz);
		if (n > 0)
			cls_read(m, tw_mono_ns());
		else if (n == 0)
			cls_wait(m, tw_mono_ns());
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			tw_warn("%s: %s", name, strerror(errno));
			m->in_failed++;
			return 0;
		}
		if (write_all(buf, (size_t)n) < 0) {
			m->out.err = errno;
			return 2;
		}
		m->bytes += (uint64_t)n;
		scan(m, buf, (size_t)n);
		/* A fast input never waits for the timer. */
		now = tw_mono_ns();
		if (now >= m->next_ns || (m->progress && now >= m->next_prog_ns))
			clock_work(m, now);
	}
}

/* A regular file (or block device) is read as a backlog, whatever its
 * records say. */
static int
is_regular(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode));
}

int
meter_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "label", required_argument, NULL, 2 },
		{ "every", required_argument, NULL, 3 },
		{ "quiet", no_argument, NULL, 'q' },
		{ "log", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 1 },
		{ NULL, 0, NULL, 0 }
	};
	static struct meter M;
	struct meter *m = &M;
	char *buf;
	int ch, i, rc = 0, fd;

	m->every_ms = 10000;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":ho:q", longopts, NULL)) != -1) {
		switch (ch) {
		case 3:
			m->every_ms = tw_opt_duration("--every", optarg, 10, (int64_t)1 << 40);
			break;
		case 'q':
			perf_quiet = 1;
			break;
		case 'h':
			perf_usage(0);
		case 2:
			m->label = optarg;
			break;
		case 'o':
			m->logpath = optarg;
			break;
		case 1:
			printf("tw-perf %s\n", TW_VERSION);
			return 0;
		default: {
			static const struct tw_opt_moved moved[] = {
				{ 'e', "--every" }, { 'l', "--label" }, { 0, NULL } };

			tw_opt_refused(ch, argv, moved);
			perf_usage(2);
		}
		}
	}
	argc -= optind;
	argv += optind;

	log_open(&m->log, m->logpath);
	tw_writer_init(&m->out, STDOUT_FILENO, "<stdout>");
	m->progress = m->logpath == NULL && isatty(STDERR_FILENO);
	tw_json_init(&m->json);
#ifdef TW_METER_AVX2
	/* TW_SIMD=0 takes the plain path (the tests compare the two). */
	__builtin_cpu_init();
	{
		const char *e = getenv("TW_SIMD");

		have_avx2 = __builtin_cpu_supports("avx2") &&
		    !(e != NULL && strcmp(e, "0") == 0);
	}
#endif
	{
		struct stat st;

		if (fstat(STDOUT_FILENO, &st) == 0 &&
		    (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
			rdsz = PIPESZ;
	}
	buf = tw_xmalloc(BUFSZ);
	m->cls.age = tw_xmalloc(PENDING_MAX * sizeof *m->cls.age);
	m->cls.since = tw_xmalloc(PENDING_MAX * sizeof *m->cls.since);
	m->start_ms = tw_now_ms();
	m->start_ns = m->last_ns = tw_mono_ns();
	m->next_ns = m->start_ns + m->every_ms * 1000000;
	m->next_prog_ns = m->start_ns + (int64_t)PROGRESS_MS * 1000000;
	m->win_start_ns = m->start_ns;
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = on_alarm;	/* no SA_RESTART: reads return */
		sigemptyset(&sa.sa_mask);
		sigaction(SIGALRM, &sa, NULL);
		arm(m);
	}

	for (i = 0; i < (argc ? argc : 1) && rc == 0; i++) {
		const char *name = argc ? argv[i] : "-";

		if (strcmp(name, "-") == 0) {
			m->regular = is_regular(STDIN_FILENO);
			rc = copy(m, STDIN_FILENO, "<stdin>", buf);
			continue;
		}
		fd = open(name, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			tw_warn("%s: %s", name, strerror(errno));
			m->in_failed++;
			continue;
		}
		m->regular = is_regular(fd);
		rc = copy(m, fd, name, buf);
		close(fd);
	}
	if (rc == 0 && m->partial > 0) {
		/* The last line had no newline: still a line. */
		if (m->partial <= CARRY_MAX)
			line(m, m->carry.p, m->carry.len, 1, tw_now_ms());
		else
			m->records++;
	}
	if (rc == 2) {
		/* Output closed or failed: the summary goes to a log file
		 * only, so `| head` stays quiet. */
		if (m->logpath != NULL) {
			m->progress = 0;
			summary(m, END_CLOSED);
			tw_writer_close(&m->log);
		}
		tw_writer_fail(&m->out);
	}
	summary(m, rc == 1 ? END_SIGNAL : END_EOF);
	if (m->logpath != NULL && tw_writer_close(&m->log) < 0)
		tw_writer_fail(&m->log);
	if (close(STDOUT_FILENO) < 0 && errno != EINTR) {
		m->out.err = errno;
		tw_writer_fail(&m->out);
	}
	tw_json_free(&m->json);
	tw_quant_free(&m->age_i);
	tw_quant_free(&m->age_t);
	tw_quant_free(&m->lat_i);
	tw_quant_free(&m->lat_t);
	free(m->cls.age);
	free(m->cls.since);
	tw_buf_free(&m->carry);
	free(buf);
	if (rc == 1)
		tw_sig_reraise();
	return m->in_failed ? 1 : 0;
}
