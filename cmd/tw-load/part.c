/*
 * part.c: Hive-style partitioned directories of part files: NDJSON or
 * CSV through a compressor (lib/tw_zout: gzip, zstd, none), or Parquet
 * (lib/tw_pqrec); and one Parquet file for a stream without partitions.
 *
 * Each record goes to the directory its time and fields name through
 * the pattern (year=%Y/month=%m/lang=%{lang}). A part is written as
 * DIR/.../.part-<ms>-<host>-<pid>-<seq>.<ext>.tmp, and published when it
 * is rolled, evicted (more than --max-open open) or at the end: the
 * stream finished (gzip trailer, zstd's last block, Parquet's footer),
 * fsync, rename to part-<ms>-<host>-<pid>-<seq>.<ext>, fsync of the
 * directory (for a set of parts published at once: syncfs, the renames,
 * syncfs; see publish_set). Readers ignore names starting with '.', so a
 * part is either absent or complete.
 *
 * Files per partition. Parts beyond --max-open are closed to make room,
 * so a partition visited in turn with many others would get a file for
 * every visit. Each partition counts the parts published early for it
 * (evicted) since its last roll; one that reached EVICT_MAX is not
 * evicted again until it rolls: the least recently used of the others
 * goes, or, when every open part is of such a partition, none, and
 * --max-open is exceeded (up to the limit of descriptors, which then
 * wins). So a partition gets at most EVICT_MAX + 1 files a roll (a run,
 * without --roll), and a part reopened after an eviction keeps the time
 * its roll period started.
 *
 * Stream marks (tw_mark.h) make what came before them durable. NDJSON
 * and CSV parts are synced at a mark (tw_zout_sync: their bytes so far
 * decode on their own) and fsynced, and the mark is acknowledged on
 * --acks at once. A tw-load killed with SIGKILL leaves its temporary
 * parts behind; the next tw-load on the same host and directory
 * salvages them: the whole records a decoder reads from them (every
 * record before the last acknowledged mark, and maybe more) are
 * published under the name the dead writer would have used, so a
 * salvage that is itself interrupted is simply done again. A writer is
 * known dead by its lock alone: it holds a flock on each part from the
 * moment the part's name exists (created locked under a ".new" name,
 * then renamed) until it has its final name (renamed before it is
 * closed), so a lock that can be taken is a dead writer's, however soon
 * after its death, and whatever program its pid now names.
 *
 * A Parquet part cannot be synced (its footer comes last) nor salvaged:
 * a dead writer's temporary Parquet part is removed. That loses nothing
 * acknowledged, because for Parquet a mark is acknowledged only once
 * every part that was open at the mark has been published (marks wait,
 * in order, in P.pending): each part remembers how many marks came
 * before it opened, and mark k goes out when no open Parquet part
 * opened before it.
 */
#define _GNU_SOURCE	/* syncfs */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "load.h"
#include "tw_csv.h"
#include "tw_part.h"
#include "tw_pqrec.h"
#include "tw_reader.h"
#include "tw_time.h"
#include "tw_util.h"
#include "tw_zout.h"

#define EVICT_MAX 2		/* early publications of a partition a roll */
#define SYNC_SET 4		/* parts published at once synced together */
#define SYNC_FS 8		/* file systems a set may span (more: each part alone) */
#define EVICT_SET 8		/* parts evicted at once, at most */
#define PENDING_MAX 4096	/* marks waiting for Parquet parts */

struct part;

/* A partition written to in this roll period. */
struct pinfo {
	char *key;		/* relative directory */
	uint64_t hash;
	struct part *open;	/* its open part, or NULL */
	int evicted;		/* parts published early since its last roll */
	int64_t since;		/* when its roll period began */
};

struct part {
	struct pinfo *pi;
	char *tmp, *fin, *dir;
	int fd;
	struct tw_zout z;	/* NDJSON, CSV */
	int zopen;
	struct tw_pqrec *pq;	/* Parquet */
	uint64_t in_bytes;	/* NDJSON and CSV bytes given */
	uint64_t nrec;
	int64_t opened_ms;
	uint64_t used;
	uint64_t mark0;		/* marks seen before it opened */
	int broken;		/* a write failed: never published */
	int synced;		/* nothing written since the last sync */
	int named;		/* its directory was fsynced with its name in it */
};

struct pstate {
	struct tw_part_pat pat;
	struct part **open;
	int nopen;
	int64_t hard_open;	/* descriptors we may hold at most */
	int over_warned;
	uint64_t seq, clock;
	struct tw_buf path, rec, val;
	/* partitions of this roll period: open addressing on key hashes */
	struct pinfo **pset;
	size_t pcap, pn;
	/* CSV: the columns of the first record's type */
	char **cols;
	size_t *collen;
	const struct tw_jval **slot;	/* a record's value of each column */
	int ncols;
	int rtype;
	int have_cols;
	/* Parquet */
	struct tw_pq_opts po;
	struct tw_pqrec_opts ro;
	char **omit;
	int nomit;
	/* one file (-f parquet -o FILE without -p) */
	char *sdir, *sstem;
	uint64_t sfiles;
	/* Other writers' temporary parts found locked at the start: watched,
	 * and salvaged once their lock is free (a killed writer can hold its
	 * locks for a moment after a restart began, while it exits). */
	char **watch;
	int nwatch;
	int64_t watch_ms;
	uint64_t parts_published, evictions, nul_removed, widened,
	    skipped_fields;
	/* --acks: where acknowledged marks go */
	int ack_fd;
	const char *ack_path;
	uint64_t marks, acked, acks_dropped;
	int ack_broken;
	struct tw_buf *pending;	/* marks marks - npending + 1 .. marks */
	/* compressors of published parts, kept for the next ones: a part
	 * in a partition with few records costs no new state (404 KiB for
	 * gzip, 1.3 MiB for zstd, zeroed page by page) */
	struct tw_zout *zpool;
	int nzpool;
	size_t npending;
	uint64_t superseded;
	/* Directories whose new subdirectories are not yet synced in them
	 * (and their file systems): synced with the next set of parts
	 * (syncfs), or by dirs_sync before a part alone is published or a
	 * mark acknowledged. */
	char **newdirs;
	dev_t *newdev;
	int nnew, newcap;
};

static struct pstate P;

void
part_escape(struct tw_buf *b, const char *s, size_t n)
{
	tw_part_escape(b, s, n);
}

/*
 * TW_LOAD_TRACE=FILE: one line per event of the parts' lives (start,
 * open, publish, ack, watch, salvage, remove) appended to FILE: "MS PID
 * EVENT PATH...". For finding where a record went after a crash: the
 * lines of every tw-load on a landing can go to one file (O_APPEND).
 */
static int trace_fd = -2;

static void TW_PRINTF(1, 2)
trace(const char *fmt, ...)
{
	char b[PATH_MAX * 2 + 200];
	va_list ap;
	int k, m;

	if (trace_fd == -2) {
		const char *t = getenv("TW_LOAD_TRACE");

		trace_fd = t != NULL && *t != '\0' ?
		    open(t, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666) : -1;
	}
	if (trace_fd < 0)
		return;
	k = snprintf(b, sizeof b, "%lld %ld ", (long long)tw_now_ms(), (long)getpid());
	va_start(ap, fmt);
	m = vsnprintf(b + k, sizeof b - (size_t)k - 1, fmt, ap);
	va_end(ap);
	k = m < 0 ? k : k + m > (int)sizeof b - 2 ? (int)sizeof b - 2 : k + m;
	b[k++] = '\n';
	if (write(trace_fd, b, (size_t)k) < 0) {
		close(trace_fd);	/* (a debugging aid: never fails the load) */
		trace_fd = -1;
	}
}

/* This host's name as it goes into temporary part names. */
static char host[40];

static void
set_host(void)
{
	size_t i;

	if (gethostname(host, sizeof host - 1) < 0 || host[0] == '\0')
		strcpy(host, "host");
	host[sizeof host - 1] = '\0';
	for (i = 0; host[i]; i++)
		if (!((host[i] >= 'a' && host[i] <= 'z') || (host[i] >= 'A' &&
		    host[i] <= 'Z') || (host[i] >= '0' && host[i] <= '9')))
			host[i] = '_';
}

static int fail_io(struct load *L, const char *what, const char *path);
static int publish_set(struct load *L, struct part **v, int n);
static void part_free(struct part *pt);
static int fsync_dir(const char *dir);

/* The extension of part names: "ndjson.gz", "csv.zst", "parquet" (static
 * storage, valid until the next call). */
static const char *
part_ext(const struct load *L)
{
	static char ext[32];

	if (L->o.part_parquet)
		return "parquet";
	snprintf(ext, sizeof ext, "%s%s", L->o.part_csv ? "csv" : "ndjson",
	    tw_zout_suffix(L->o.codec));
	return ext;
}

/*
 * Parses the name of a temporary part, ".part-MS-HOST-PID-SEQ.EXT.tmp" or
 * ".salvage-HOST-PID-...tmp": returns the pid when its host is this host,
 * else 0.
 */
static long
temp_owner(const char *name, int *salvage)
{
	size_t n = strlen(name), hl = strlen(host);
	const char *p;
	char *end;
	long pid;

	if (n < 4 || strcmp(name + n - 4, ".tmp") != 0)
		return 0;
	if (strncmp(name, ".part-", 6) == 0) {
		*salvage = 0;
		p = strchr(name + 6, '-');	/* past the time */
		if (p == NULL)
			return 0;
		p++;
	} else if (strncmp(name, ".salvage-", 9) == 0) {
		*salvage = 1;
		p = name + 9;
	} else
		return 0;
	if (strncmp(p, host, hl) != 0 || p[hl] != '-')
		return 0;
	pid = strtol(p + hl + 1, &end, 10);
	if (end == p + hl + 1 || *end != '-' || pid <= 0)
		return 0;
	return pid;
}

static int
ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);

	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/*
 * Creates path (open flags as given) holding an exclusive flock on it
 * from the moment the name exists: the file is made under ".new" plus
 * its base name, a name no other tw-load looks at, locked, then renamed
 * to path (the lock belongs to the open file, not to the name). So a
 * temporary part whose lock can be taken is a dead writer's, with no
 * window where a live writer's is not locked. Returns the descriptor, or
 * -1 with errno set (ENOENT: the directory is missing).
 */
static int
create_locked(const char *path, int flags)
{
	const char *base = strrchr(path, '/');
	size_t dl = base != NULL ? (size_t)(base - path) + 1 : 0;
	struct tw_buf nw = TW_BUF_INIT;
	int fd, e, tries = 0;

	tw_buf_add(&nw, path, dl);
	tw_buf_adds(&nw, ".new");
	tw_buf_adds(&nw, path + dl);
again:
	fd = open(nw.p, flags, 0666);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		/* Another tw-load's clean-up is looking at it: never go on
		 * without the lock (the part would look dead). */
		e = errno;
		unlink(nw.p);
		close(fd);
		fd = -1;
		errno = e;
		if (++tries < 50) {
			usleep(2000);
			goto again;
		}
	} else if (fd >= 0) {
		if (rename(nw.p, path) < 0) {
			e = errno;
			unlink(nw.p);
			close(fd);
			fd = -1;
			errno = e;
			/* Removed by a tw-load's clean-up before we locked
			 * it (see clean_stale): make it again. */
			if (e == ENOENT && ++tries < 5)
				goto again;
		}
	}
	e = errno;
	tw_buf_free(&nw);
	errno = e;
	return fd;
}

/*
 * Salvages dir/name, a temporary NDJSON or CSV part of a dead writer:
 * the whole records a decoder reads from it (lines that end in a
 * newline; for CSV, outside quotes too) are written, with the same
 * codec, to a new part under the final name the writer would have given
 * it. Returns the records kept, or -1 when the file could not be read
 * (it is left as it is).
 */
static int64_t
salvage(struct load *L, const char *dir, const char *name)
{
	struct tw_reader r;
	struct part pt;
	char *files[1];
	struct tw_buf path = TW_BUF_INIT, rec = TW_BUF_INIT;
	const char *line;
	size_t len, n = strlen(name);
	enum tw_read_status rs;
	int64_t kept = 0;
	int csv = strstr(name, ".csv.") != NULL, quotes = 0, bad = 0, header;
	int codec = ends_with(name, n, ".gz.tmp") ? TW_ZOUT_GZIP :
	    ends_with(name, n, ".zst.tmp") ? TW_ZOUT_ZSTD : TW_ZOUT_NONE;

	tw_buf_addf(&path, "%s/%s", dir, name);
	memset(&pt, 0, sizeof pt);
	pt.fd = -1;
	pt.dir = tw_xstrdup(dir);
	tw_buf_reset(&P.val);
	/* part-MS-HOST-PID-SEQ.EXT: the name the dead writer would have used. */
	tw_buf_addf(&P.val, "%s/", dir);
	tw_buf_add(&P.val, name + 1, n - 5);
	pt.fin = tw_xstrdup(P.val.p);
	tw_buf_reset(&P.val);
	tw_buf_addf(&P.val, "%s/.salvage-%s-%ld-", dir, host, (long)getpid());
	tw_buf_add(&P.val, name + 1, n - 1);
	pt.tmp = tw_xstrdup(P.val.p);

	header = csv;
	files[0] = path.p;
	tw_reader_open(&r, files, 1);
	/* Read to the end even when this tw-load is being stopped: an early
	 * end would look like the file's, and what followed would be lost
	 * with the file. */
	r.finish = 1;
	while ((rs = tw_reader_next(&r, &line, &len)) != TW_READ_EOF) {
		size_t i;

		if (rs == TW_READ_ERR) {
			/* A cut-off stream is what a kill leaves: keep what
			 * came before. Anything else: leave the file. */
			if (strstr(r.errmsg, "cut short") == NULL &&
			    strstr(r.errmsg, "invalid") == NULL)
				bad = 1;
			break;
		}
		if (rs == TW_READ_LONG || !r.nl)
			break;	/* the last, cut-off line */
		tw_buf_add(&rec, line, len);
		if (r.cr)
			tw_buf_addc(&rec, '\r');
		tw_buf_addc(&rec, '\n');
		if (csv) {
			for (i = 0; i < len; i++)
				quotes ^= line[i] == '"';
			if (quotes)
				continue;	/* a quoted newline: the row goes on */
		}
		if (pt.fd < 0) {
			pt.fd = create_locked(pt.tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
			if (pt.fd < 0) {
				fail_io(L, "cannot create", pt.tmp);
				bad = 1;
				break;
			}
			if (tw_zout_open(&pt.z, codec, TW_ZOUT_DEFAULT, pt.fd) < 0)
				tw_die(1, "%s: %s", pt.tmp, strerror(errno));
			pt.zopen = 1;
		}
		if (tw_zout_write(&pt.z, rec.p, rec.len) < 0) {
			pt.broken = 1;
			fail_io(L, "write error", pt.tmp);
			bad = 1;
			break;
		}
		/* A CSV part's header is not a record. */
		if (header)
			header = 0;
		else
			kept++;
		pt.nrec++;
		tw_buf_reset(&rec);
	}
	if (r.stopped)
		bad = 1;	/* (not with finish set; never take it for the end) */
	tw_reader_close(&r);
	trace("salvage-read %s records=%lld %s", path.p, (long long)kept,
	    bad ? "unreadable: left in place" : "whole");
	if (bad) {
		if (pt.fd >= 0) {
			close(pt.fd);
			unlink(pt.tmp);
		}
		kept = -1;
	} else if (pt.fd >= 0 && kept > 0) {
		L->fatal = 0;
		struct part *one = &pt;

		if (publish_set(L, &one, 1) < 0)
			kept = -1;
		else if (unlink(path.p) < 0 && errno != ENOENT)
			kept = -1;
		else
			trace("salvaged %s -> %s", path.p, pt.fin);
	} else {
		if (pt.fd >= 0) {
			close(pt.fd);
			unlink(pt.tmp);
		}
		unlink(path.p);
		trace("removed %s (no whole record)", path.p);
		kept = 0;
	}
	if (pt.zopen)
		tw_zout_free(&pt.z);
	free(pt.tmp);
	free(pt.fin);
	free(pt.dir);
	tw_buf_free(&path);
	tw_buf_free(&rec);
	return kept;
}

/*
 * Whether a live tw-load writes the temporary part at path. A writer
 * holds a lock on each of its parts from the moment the name exists
 * (create_locked) until the part has its final name, and the kernel drops
 * the lock with the process: a lock we can take means a dead writer,
 * whatever became of its pid (it may run another program by now, or be a
 * zombie its parent has not reaped). A file we cannot open is left alone.
 */
static int
writer_alive(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r, e;

	if (fd < 0)
		return 1;
	r = flock(fd, LOCK_EX | LOCK_NB);
	e = errno;
	close(fd);		/* (our lock, if we took it, goes with it) */
	return r < 0 && e == EWOULDBLOCK;
}

struct salvage_count {
	uint64_t parts, records, removed, parquet, failed;
};

/*
 * Salvages the temporary parts that a tw-load of this host killed by
 * SIGKILL (or a power cut) left: .part-MS-HOST-PID-SEQ.EXT.tmp with this
 * host's name whose writer no longer holds its lock (writer_alive); an
 * interrupted salvage's own temporary file is removed (its source is still there), and so is a
 * Parquet part (no footer: nothing in it can be read, and no mark was
 * acknowledged for its records). Parts of other hosts (a shared file
 * system) and of live writers are left alone. maxdepth 0: dir only.
 */
static void stale_one(struct load *L, const char *dir, const char *p, int sv,
    struct salvage_count *c);

static void
clean_stale(struct load *L, const char *dir, int depth, int maxdepth,
    struct salvage_count *c)
{
	DIR *d;
	struct dirent *e;
	char path[PATH_MAX];

	if (depth > maxdepth || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		struct stat sb;
		const char *p = e->d_name;
		long pid;
		int sv = 0;

		if (strcmp(p, ".") == 0 || strcmp(p, "..") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, p) >= sizeof path ||
		    lstat(path, &sb) < 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			clean_stale(L, path, depth + 1, maxdepth, c);
			continue;
		}
		/* A ".new" file is a part killed between its creation and
		 * its rename, or one being created now: empty either way (a
		 * writer writes only after the rename). Removed when its lock
		 * is free: a live writer that loses it so, between creating
		 * and locking it, fails its rename and creates another. */
		if (S_ISREG(sb.st_mode) && strncmp(p, ".new.", 5) == 0 &&
		    temp_owner(p + 4, &sv) != 0 && sb.st_size == 0 &&
		    !writer_alive(path)) {
			trace("removed %s (an empty part being created)", path);
			if (unlink(path) == 0)
				c->removed++;
			continue;
		}
		if (!S_ISREG(sb.st_mode) || (pid = temp_owner(p, &sv)) == 0 ||
		    pid == (long)getpid())
			continue;
		if (writer_alive(path)) {
			trace("watch %s (locked)", path);
			if (P.nwatch < 4096) {
				P.watch = tw_xrealloc(P.watch,
				    (size_t)(P.nwatch + 1) * sizeof *P.watch);
				P.watch[P.nwatch++] = tw_xstrdup(path);
			}
			continue;
		}
		stale_one(L, dir, p, sv, c);
	}
	closedir(d);
}

/* Deals with dir/p, a dead writer's temporary file (see clean_stale). */
static void
stale_one(struct load *L, const char *dir, const char *p, int sv,
    struct salvage_count *c)
{
	char path[PATH_MAX];

	snprintf(path, sizeof path, "%s/%s", dir, p);
	if (sv) {
		trace("removed %s (an interrupted salvage)", path);
		if (unlink(path) == 0)
			c->removed++;
	} else if (ends_with(p, strlen(p), ".parquet.tmp")) {
		trace("removed %s (a dead writer's Parquet part)", path);
		if (unlink(path) == 0)
			c->parquet++;
	} else {
		int64_t k = salvage(L, dir, p);

		if (k < 0)
			c->failed++;
		else if (k > 0) {
			c->parts++;
			c->records += (uint64_t)k;
		} else
			c->removed++;
	}
}

/*
 * Looks again, at most once a second, at the parts clean_stale found
 * locked: one that is gone was published by its live writer; one whose
 * lock is free now is a dead writer's, dealt with as at the start.
 */
static void
watch_stale(struct load *L, int force)
{
	struct salvage_count c = { 0, 0, 0, 0, 0 };
	int64_t now = tw_mono_ns() / 1000000;
	int i, sv, fatal = L->fatal;
	const char *err = L->err;
	struct stat sb;

	if (P.nwatch == 0 || (!force && now - P.watch_ms < 1000))
		return;
	P.watch_ms = now;
	for (i = 0; i < P.nwatch; ) {
		char *path = P.watch[i], *sl = strrchr(path, '/');

		if (lstat(path, &sb) == 0 && writer_alive(path)) {
			i++;
			continue;
		}
		/* Looked for again: a live writer renames its part, then lets
		 * the lock go, so a free lock on a name that is gone by now was
		 * a published part's, not a dead writer's. */
		if (lstat(path, &sb) == 0 && sl != NULL) {
			sv = 0;
			*sl = '\0';
			(void)temp_owner(sl + 1, &sv);
			stale_one(L, path, sl + 1, sv, &c);
			*sl = '/';
		}
		free(path);
		P.watch[i] = P.watch[--P.nwatch];
	}
	L->fatal = fatal;	/* a failed salvage is a warning, as at the start */
	L->err = err;
	if (c.parts)
		tw_warn("%s: salvaged %llu records from %llu parts left by a killed tw-load "
		    "(its lock was still held when this one started)", L->o.out,
		    (unsigned long long)c.records, (unsigned long long)c.parts);
	if (c.failed)
		tw_warn("%s: %llu temporary parts left by a killed tw-load could not "
		    "be salvaged (left in place)", L->o.out, (unsigned long long)c.failed);
}

/*
 * 1 when a part that cannot be published must stay for the next start's
 * salvage: an NDJSON or CSV part that holds records of an acknowledged
 * mark (synced, so readable up to there).
 */
static int
keep_for_salvage(const struct part *pt)
{
	return pt->pq == NULL && P.acked > pt->mark0;
}

/* The die hook: out of memory or another fatal error leaves no temp
 * part, but for those that hold acknowledged records. */
static void
unlink_open(void)
{
	int i;

	for (i = 0; i < P.nopen; i++)
		if (P.open[i]->tmp && !keep_for_salvage(P.open[i]))
			unlink(P.open[i]->tmp);
}

/* mkdir -p: creates dir and its missing parents. */
static int
mkdir_p(const char *dir)
{
	char *p = tw_xstrdup(dir), *s = p;
	int rc = 0;

	while (*s == '/')
		s++;
	for (;;) {
		char *e = strchr(s, '/');

		if (e)
			*e = '\0';
		if (mkdir(p, 0777) < 0 && errno != EEXIST) {
			rc = -1;
			break;
		}
		if (!e)
			break;
		*e = '/';
		s = e + 1;
		while (*s == '/')
			s++;
		if (*s == '\0')
			break;
	}
	free(p);
	return rc;
}

/* The names of the pattern's components (year for year=%Y). */
static void
pattern_names(const char *pattern)
{
	const char *c = pattern;

	while (c && *c) {
		size_t len = strcspn(c, "/");
		const char *eq = memchr(c, '=', len);

		if (eq) {
			P.omit = tw_xrealloc(P.omit, (size_t)(P.nomit + 1) * sizeof *P.omit);
			P.omit[P.nomit++] = tw_xstrndup(c, (size_t)(eq - c));
		}
		c += len;
		if (*c == '/')
			c++;
	}
}

static void
on_widen(void *arg, const char *field, const char *from, const char *to)
{
	struct load *L = arg;

	P.widened++;
	if (!L->o.quiet)
		tw_warn("%s:%llu: column '%s' widened from %s to %s in its part",
		    L->cur_name ? L->cur_name : "-", (unsigned long long)L->cur_line,
		    field, from, to);
}

/* One file: its directory and the stem of numbered names. */
static int
single_init(struct load *L, char *errbuf, size_t errlen)
{
	const char *out = L->o.out, *sl = strrchr(out, '/');
	struct stat sb;
	size_t n;

	if (sl == NULL)
		P.sdir = tw_xstrdup(".");
	else if (sl == out)
		P.sdir = tw_xstrdup("/");
	else
		P.sdir = tw_xstrndup(out, (size_t)(sl - out));
	if ((sl ? sl[1] : out[0]) == '\0') {
		snprintf(errbuf, errlen, "%s: a file name is needed (one Parquet "
		    "file without --partition-by)", out);
		return -1;
	}
	/* It is replaced by a rename: never a device, a FIFO or a directory. */
	if (stat(out, &sb) == 0 && !S_ISREG(sb.st_mode)) {
		snprintf(errbuf, errlen, "%s: not a regular file (one Parquet file "
		    "is written beside it and renamed over it)", out);
		return -1;
	}
	n = strlen(out);
	if (ends_with(out, n, ".parquet"))
		n -= 8;
	P.sstem = tw_xstrndup(out, n);
	if (mkdir_p(P.sdir) < 0) {
		snprintf(errbuf, errlen, "%s: %s", P.sdir, strerror(errno));
		return -1;
	}
	return 0;
}

int
part_init(struct load *L, char *errbuf, size_t errlen)
{
	struct stat sb;
	struct rlimit rl;
	struct salvage_count c = { 0, 0, 0, 0, 0 };
	const char *top;

	if (L->o.pattern != NULL &&
	    tw_part_compile(&P.pat, L->o.pattern, errbuf, errlen) < 0)
		return -1;
	if (L->o.single) {
		if (single_init(L, errbuf, errlen) < 0)
			return -1;
		top = P.sdir;
	} else {
		if (mkdir_p(L->o.out) < 0) {
			snprintf(errbuf, errlen, "%s: %s", L->o.out, strerror(errno));
			return -1;
		}
		if (stat(L->o.out, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
			snprintf(errbuf, errlen, "%s: not a directory", L->o.out);
			return -1;
		}
		top = L->o.out;
	}
	P.rtype = -2;
	P.ack_fd = -1;
	L->part = &P;
	set_host();
	if (L->o.part_parquet) {
		pattern_names(L->o.pattern);
		P.po.codec = (enum tw_pq_codec)L->o.codec;
		P.po.level = L->o.level;
		P.po.row_group_bytes = (size_t)L->o.row_group;
		P.po.plain = L->o.no_delta;
		P.ro.omit = (const char *const *)P.omit;
		P.ro.nomit = P.nomit;
		P.ro.on_widen = on_widen;
		P.ro.arg = L;
	}
	trace("start %s", top);
	clean_stale(L, top, 0, L->o.single ? 0 : 32, &c);
	L->fatal = 0;
	/* Said even with -q: a crash was repaired. */
	if (c.parts)
		tw_warn("%s: salvaged %llu records from %llu parts left by a killed tw-load",
		    top, (unsigned long long)c.records, (unsigned long long)c.parts);
	if (c.removed && !L->o.quiet)
		tw_warn("%s: removed %llu temporary files left by a killed tw-load "
		    "(no whole record in them)", top, (unsigned long long)c.removed);
	if (c.parquet && !L->o.quiet)
		tw_warn("%s: removed %llu temporary Parquet parts left by a killed "
		    "tw-load (no mark was acknowledged for their records)", top,
		    (unsigned long long)c.parquet);
	if (c.failed)
		tw_warn("%s: %llu temporary parts left by a killed tw-load could not "
		    "be salvaged (left in place)", top, (unsigned long long)c.failed);
	if (L->o.acks != NULL) {
		int fd = open(L->o.acks, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);

		if (fd < 0 || fstat(fd, &sb) < 0) {
			snprintf(errbuf, errlen, "%s: %s", L->o.acks, strerror(errno));
			if (fd >= 0)
				close(fd);
			return -1;
		}
		/* Into a pipe (nc's standard input) an acknowledgement that
		 * does not fit is dropped, never waited for: a later one says
		 * as much. */
		if (S_ISFIFO(sb.st_mode) || S_ISSOCK(sb.st_mode))
			fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		P.ack_fd = fd;
		P.ack_path = L->o.acks;
	}
	/* Each open part holds a descriptor: stay under the limit. */
	P.hard_open = 100000;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		P.hard_open = (int64_t)rl.rlim_cur > 32 ? (int64_t)rl.rlim_cur - 16 : 1;
		if (P.hard_open < L->o.max_open) {
			L->o.max_open = P.hard_open;
			if (!L->o.quiet)
				tw_warn("--max-open: %lld, below the limit of open files",
				    (long long)L->o.max_open);
		}
	}
	tw_atdie(unlink_open);
	return 0;
}

/*
 * The record's time: the first of ts, created_at and window_start (a
 * tw-agg result) that holds a time, as epoch ms or ISO 8601 text.
 */
static int
record_time(const struct tw_json *j, int64_t *ms)
{
	static const char *const names[] = { "ts", "created_at", "window_start" };
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct tw_jval *v = tw_json_get(j, j->v, names[i], strlen(names[i]));

		if (v != NULL && v->type != TW_JNULL && tw_json_time(v, ms) == 0)
			return 0;
	}
	return -1;
}

struct valctx {
	struct load *L;
	const struct tw_json *j;
};

/* A field's value for its partition directory, as tw-load writes text. */
static void
field_value(void *arg, struct tw_buf *val, const char *field, size_t len)
{
	struct valctx *c = arg;
	const struct tw_jval *v = tw_json_get(c->j, c->j->v, field, len);

	if (v != NULL && v->type == TW_JSTR)
		load_str(c->L, val, v);
	else if (v != NULL && v->type != TW_JNULL)
		load_json(c->L, val, c->j, v);
}

static int make_path(struct load *L, const struct tw_json *j);

int
part_path_of(struct load *L, const struct tw_json *j, const char **rel)
{
	static int compiled;
	char err[200];

	if (!compiled) {
		if (tw_part_compile(&P.pat, L->o.pattern, err, sizeof err) < 0)
			tw_die(2, "%s", err);
		compiled = 1;
	}
	if (make_path(L, j) < 0)
		return -1;
	*rel = P.path.p;
	return 0;
}

/* Builds the relative directory of record j into P.path. */
static int
make_path(struct load *L, const struct tw_json *j)
{
	struct valctx c = { L, j };
	int64_t ms;

	if (L->o.single) {
		tw_buf_reset(&P.path);
		tw_buf_addc(&P.path, '\0');
		P.path.len = 0;
		return 0;
	}
	return tw_part_path(&P.pat, &P.path, record_time(j, &ms) == 0 ? &ms : NULL,
	    field_value, &c, &L->err);
}

static int
fail_io(struct load *L, const char *what, const char *path)
{
	tw_warn("%s: %s: %s", path, what, strerror(errno));
	L->fatal = 1;
	L->err = NULL;
	return -1;
}

static int
fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Notes that directory dir (on dev) holds a new subdirectory. */
static void
newdir_add(const char *dir, dev_t dev)
{
	if (P.nnew > 0 && strcmp(P.newdirs[P.nnew - 1], dir) == 0)
		return;
	if (P.nnew == P.newcap) {
		P.newcap = P.newcap ? P.newcap * 2 : 64;
		P.newdirs = tw_xrealloc(P.newdirs, (size_t)P.newcap * sizeof *P.newdirs);
		P.newdev = tw_xrealloc(P.newdev, (size_t)P.newcap * sizeof *P.newdev);
	}
	P.newdev[P.nnew] = dev;
	P.newdirs[P.nnew++] = tw_xstrdup(dir);
}

/*
 * Forgets the directories on the file systems devs[0..ndev) (synced
 * whole), or, with ndev -1, fsyncs every one: 0, or -1 when an fsync
 * failed (said).
 */
static int
dirs_sync(struct load *L, const dev_t *devs, int ndev)
{
	int i, k, keep = 0, rc = 0;

	for (i = 0; i < P.nnew; i++) {
		for (k = 0; k < ndev && devs[k] != P.newdev[i]; k++)
			;
		if (ndev >= 0 && k == ndev) {
			P.newdev[keep] = P.newdev[i];
			P.newdirs[keep++] = P.newdirs[i];
			continue;
		}
		if (ndev < 0 && rc == 0 && fsync_dir(P.newdirs[i]) < 0)
			rc = fail_io(L, "fsync of the directory failed", P.newdirs[i]);
		free(P.newdirs[i]);
	}
	P.nnew = keep;
	return rc;
}

/*
 * Creates directory path under --out and its missing parents, deepest
 * first: a new leaf next to existing parents costs one mkdir. New
 * directories are synced into their parents before a part in them is
 * published or acknowledged (newdir_add, dirs_sync).
 */
static int
mkdir_up(struct load *L, char *p, size_t top)
{
	char *sl;

	if (mkdir(p, 0777) == 0)
		goto made;
	if (errno == EEXIST)
		return 0;
	if (errno != ENOENT || (sl = strrchr(p, '/')) == NULL ||
	    (size_t)(sl - p) <= top) {
		fail_io(L, "cannot create directory", p);
		return -1;
	}
	*sl = '\0';
	if (mkdir_up(L, p, top) < 0)
		return -1;
	*sl = '/';
	if (mkdir(p, 0777) < 0 && errno != EEXIST) {
		fail_io(L, "cannot create directory", p);
		return -1;
	}
made:
	if (L->o.fsync && (sl = strrchr(p, '/')) != NULL) {
		struct stat sb;
		int rc;

		*sl = '\0';
		if ((rc = stat(p, &sb)) < 0)
			fail_io(L, "cannot create directory", p);
		else
			newdir_add(p, sb.st_dev);
		*sl = '/';
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int
mkdirs(struct load *L, const char *path)
{
	char *p;
	int rc;

	if (L->o.single)
		return 0;
	p = tw_xstrdup(path);
	rc = mkdir_up(L, p, strlen(L->o.out));
	free(p);
	return rc;
}

/* Compresses data[0..n) into the part. */
static int
zwrite(struct load *L, struct part *pt, const void *data, size_t n)
{
	if (tw_zout_write(&pt->z, data, n) < 0) {
		pt->broken = 1;
		return fail_io(L, "write error", pt->tmp);
	}
	if (n > 0)
		pt->synced = 0;
	return 0;
}

static void
part_free(struct part *pt)
{
	if (pt->zopen && pt->fd < 0 && P.nzpool < 16) {
		P.zpool = tw_xrealloc(P.zpool, (size_t)(P.nzpool + 1) * sizeof *P.zpool);
		P.zpool[P.nzpool++] = pt->z;
	} else if (pt->zopen)
		tw_zout_free(&pt->z);
	if (pt->pq) {
		const struct tw_pqrec_counts *c = tw_pqrec_counts(pt->pq);

		P.nul_removed += c->nul_removed;
		P.skipped_fields += c->skipped_fields;
		tw_pqrec_free(pt->pq);
	}
	free(pt->tmp);
	free(pt->fin);
	free(pt->dir);
	free(pt);
}

/*
 * Ends a part's stream (gzip trailer, zstd's last block, Parquet's
 * footer): 0 when it is to be published, 1 when it held no record (its
 * only records were bad) and is removed, -1 when it failed.
 */
static int
part_end(struct load *L, struct part *pt)
{
	if (pt->broken)
		return -1;
	if (pt->nrec == 0) {
		trace("removed %s (no record)", pt->tmp);
		close(pt->fd);
		pt->fd = -1;
		unlink(pt->tmp);
		return 1;
	}
	if (pt->pq != NULL) {
		if (tw_pqrec_close(pt->pq) < 0) {
			tw_warn("%s: write error: %s", pt->tmp, tw_pqrec_error(pt->pq));
			L->fatal = 1;
			L->err = NULL;
			return -1;
		}
		return 0;
	}
	return tw_zout_finish(&pt->z) < 0 ? fail_io(L, "write error", pt->tmp) : 0;
}

/*
 * 1 when syncfs on fd's file system makes everything written there
 * durable, as an fsync of each file would: the local file systems whose
 * sync_fs commits their journal or log (ext2/3/4, XFS, Btrfs, F2FS) and
 * tmpfs (nothing to make durable). Elsewhere (FUSE, which is not asked
 * to sync its backing store; network file systems; overlays) a set is
 * fsynced part by part.
 */
static int
fs_syncs_whole(int fd)
{
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return 0;
	switch ((unsigned long)sf.f_type) {
	case 0xEF53UL:		/* ext2, ext3, ext4 */
	case 0x58465342UL:	/* XFS */
	case 0x9123683EUL:	/* Btrfs */
	case 0xF2F52010UL:	/* F2FS */
	case 0x01021994UL:	/* tmpfs */
		return 1;
	}
	return 0;
}

/*
 * syncfs on the file system of each part v[i] with st[i] == 0 (one call a
 * file system, at most SYNC_FS): 0 with those file systems in seen[0..*nseen),
 * or -1 when one failed or is not one where syncfs will do (errno set).
 */
static int
sync_fs_of(struct part **v, const int *st, int n, dev_t seen[SYNC_FS], int *nseen)
{
	int i, k, ns = 0;
	struct stat sb;

	*nseen = 0;
	for (i = 0; i < n; i++) {
		if (st[i] != 0)
			continue;
		if (fstat(v[i]->fd, &sb) < 0)
			return -1;
		for (k = 0; k < ns && seen[k] != sb.st_dev; k++)
			;
		if (k < ns)
			continue;
		if (ns == SYNC_FS)
			return errno = EXDEV, -1;	/* (too many: the caller syncs each part) */
		seen[ns++] = sb.st_dev;
		if (!fs_syncs_whole(v[i]->fd))
			return errno = ENOTSUP, -1;
		if (syncfs(v[i]->fd) < 0)
			return -1;
	}
	*nseen = ns;
	return 0;
}

/*
 * Publishes parts v[0..n): finishes each, syncs, renames, syncs the
 * names; on failure a part's temp file goes (or stays for a salvage when
 * it holds acknowledged records). One part is fsynced, then its
 * directory after the rename. SYNC_SET or more, as a roll, an eviction
 * or the end publishes them, are synced together: one syncfs before the
 * renames (every part's bytes, and the directories made for them) and
 * one after (every name): two syncs for the set rather than two a part,
 * which is what the landing of many small partitions (a backfill by
 * hour) costs. A failed syncfs cannot say which part it was: then each
 * part is fsynced as one would be, and those that fail are reported.
 */
static int
publish_set(struct load *L, struct part **v, int n)
{
	int st1[SYNC_SET], *st = n <= SYNC_SET ? st1 : tw_xmalloc((size_t)n * sizeof *st);
	int i, ok = 0, rc = 0, together, nfs;
	dev_t fs[SYNC_FS];

	for (i = 0; i < n; i++) {
		st[i] = part_end(L, v[i]);
		ok += st[i] == 0;
	}
	together = L->o.fsync && ok >= SYNC_SET;
	if (together && sync_fs_of(v, st, n, fs, &nfs) < 0) {
		trace("syncfs failed (%s): fsync of each part", strerror(errno));
		together = 0;
	}
	/* The directories made for them, in their parents, before a name
	 * appears in them: in that sync, or fsynced now. */
	if (together)
		dirs_sync(L, fs, nfs);
	if (ok > 0 && L->o.fsync && dirs_sync(L, NULL, -1) < 0)
		for (i = 0; i < n; i++)
			if (st[i] == 0)
				st[i] = -1;
	for (i = 0; i < n; i++) {
		if (st[i] != 0)
			continue;
		if (!together && L->o.fsync && fsync(v[i]->fd) < 0)
			st[i] = fail_io(L, "fsync failed", v[i]->tmp);
		/* Renamed while still locked: another tw-load starting now
		 * must not take it for a dead writer's and salvage it. */
		else if (rename(v[i]->tmp, v[i]->fin) < 0)
			st[i] = fail_io(L, "cannot publish", v[i]->tmp);
	}
	if (together && sync_fs_of(v, st, n, fs, &nfs) < 0) {
		trace("syncfs failed (%s): fsync of each directory", strerror(errno));
		together = 0;
	}
	for (i = 0; i < n; i++) {
		struct part *pt = v[i];

		if (st[i] == 1)
			continue;	/* (removed: it held no record) */
		if (st[i] == 0 && !together && L->o.fsync && fsync_dir(pt->dir) < 0)
			st[i] = fail_io(L, "fsync of the directory failed", pt->dir);
		if (pt->fd >= 0 && close(pt->fd) < 0 && st[i] == 0)
			st[i] = fail_io(L, "close failed", pt->fin);
		pt->fd = -1;
		trace("publish %s -> %s records=%llu%s%s", pt->tmp, pt->fin,
		    (unsigned long long)pt->nrec, together ? " synced-together" : "",
		    st[i] < 0 ? " failed" : "");
		if (st[i] < 0 && keep_for_salvage(pt))
			tw_warn("%s: left for the next start to salvage (it holds "
			    "acknowledged records)", pt->tmp);
		else if (st[i] < 0)
			unlink(pt->tmp);
		else
			P.parts_published++;
		if (st[i] < 0)
			rc = -1;
	}
	if (st != st1)
		free(st);
	return rc;
}

/* ---- acknowledgements ---------------------------------------------------- */

/* Writes the mark line to --acks; never blocks, never fails the load. */
static void
ack(struct load *L, const char *raw, size_t n)
{
	size_t off = 0;

	trace("ack %.*s", (int)(n > 0 && raw[n - 1] == '\n' ? n - 1 : n), raw);
	if (P.ack_fd < 0 || P.ack_broken)
		return;
	while (off < n) {
		ssize_t k = write(P.ack_fd, raw + off, n - off);

		if (k >= 0) {
			off += (size_t)k;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			P.acks_dropped++;	/* nobody reads now; a later one will do */
			return;
		}
		if (!L->o.quiet)
			tw_warn("%s: %s; no more acknowledgements", P.ack_path,
			    strerror(errno));
		P.ack_broken = 1;
		return;
	}
}

/*
 * Acknowledges the marks that wait and may go: mark k when no open
 * Parquet part opened before it (mark0 < k).
 */
static void
acks_flush(struct load *L)
{
	uint64_t lim = P.marks;
	size_t i, go;
	int k;

	if (P.npending == 0)
		return;
	for (k = 0; k < P.nopen; k++)
		if (P.open[k]->pq != NULL && P.open[k]->mark0 < lim)
			lim = P.open[k]->mark0;
	if (lim <= P.acked)
		return;
	go = (size_t)(lim - P.acked);
	if (go > P.npending)
		go = P.npending;
	for (i = 0; i < go; i++) {
		ack(L, P.pending[i].p, P.pending[i].len);
		tw_buf_free(&P.pending[i]);
	}
	memmove(P.pending, P.pending + go, (P.npending - go) * sizeof *P.pending);
	P.npending -= go;
	P.acked = lim;
}

/* ---- partitions -------------------------------------------------------- */

static void
pset_grow(void)
{
	struct pinfo **old = P.pset;
	size_t oc = P.pcap, i;

	P.pcap = P.pcap ? P.pcap * 2 : 256;
	P.pset = tw_xcalloc(P.pcap, sizeof *P.pset);
	for (i = 0; i < oc; i++)
		if (old[i] != NULL) {
			size_t k = old[i]->hash & (P.pcap - 1);

			while (P.pset[k] != NULL)
				k = (k + 1) & (P.pcap - 1);
			P.pset[k] = old[i];
		}
	free(old);
}

/* The partition rel[0..n), added when new. */
static struct pinfo *
pinfo_get(const char *rel, size_t n)
{
	uint64_t h = tw_hash64(rel, n);
	size_t k;
	struct pinfo *pi;

	if (P.pn * 2 >= P.pcap)
		pset_grow();
	for (k = h & (P.pcap - 1); (pi = P.pset[k]) != NULL; k = (k + 1) & (P.pcap - 1))
		if (pi->hash == h && strcmp(pi->key, rel) == 0)
			return pi;
	pi = tw_xcalloc(1, sizeof *pi);
	pi->key = tw_xstrndup(rel, n);
	pi->hash = h;
	P.pset[k] = pi;
	P.pn++;
	return pi;
}

/* Forgets a partition with no open part and nothing to remember. */
static void
pinfo_drop(struct pinfo *pi)
{
	size_t k, j;

	for (k = pi->hash & (P.pcap - 1); P.pset[k] != pi; k = (k + 1) & (P.pcap - 1))
		;
	P.pset[k] = NULL;
	P.pn--;
	/* Backward-shift deletion keeps every probe chain whole. */
	for (j = (k + 1) & (P.pcap - 1); P.pset[j] != NULL; j = (j + 1) & (P.pcap - 1)) {
		size_t home = P.pset[j]->hash & (P.pcap - 1);

		if ((j > k && (home <= k || home > j)) ||
		    (j < k && (home <= k && home > j))) {
			P.pset[k] = P.pset[j];
			P.pset[j] = NULL;
			k = j;
		}
	}
	free(pi->key);
	free(pi);
}

enum why { W_ROLL, W_EVICT, W_END };

/*
 * Takes the open parts idx[0..n) (indices into P.open, each once) off the
 * open list and publishes them together. A roll or the end closes a
 * part's roll period; an eviction counts against it.
 */
static int
retire_set(struct load *L, int *idx, int n, enum why why)
{
	struct part *v1[SYNC_SET], **v = n <= SYNC_SET ? v1 : tw_xmalloc((size_t)n * sizeof *v);
	int i, j, t, rc;

	/* Highest index first: taking P.open[idx[i]] off then moves a part
	 * that is not in the set, or one already taken. */
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && idx[j - 1] < idx[j]; j--)
			t = idx[j], idx[j] = idx[j - 1], idx[j - 1] = t;
	for (i = 0; i < n; i++)
		v[i] = P.open[idx[i]];
	/* Still listed while they are published, so that the die hook (out
	 * of memory in the compressor's last call) removes their files. */
	rc = publish_set(L, v, n);
	for (i = 0; i < n; i++) {
		struct pinfo *pi = v[i]->pi;

		P.open[idx[i]] = P.open[--P.nopen];
		part_free(v[i]);
		pi->open = NULL;
		if (why == W_EVICT) {
			pi->evicted++;
			P.evictions++;
		} else
			pinfo_drop(pi);
	}
	if (v != v1)
		free(v);
	if (rc == 0 && !L->fatal)
		acks_flush(L);
	return rc;
}

static int
retire(struct load *L, int i, enum why why)
{
	return retire_set(L, &i, 1, why);
}

/*
 * Parts evicted at once when --max-open is reached: an eighth of it, so
 * that they are synced together, up to EVICT_SET (the least recently
 * used: a set, not one, costs a partition that comes back a file sooner).
 */
static int
evict_set(const struct load *L)
{
	int64_t k = L->o.max_open / 8;

	return k < 1 ? 1 : k > EVICT_SET ? EVICT_SET : (int)k;
}

/*
 * The least recently used part to evict, or -1 (any: the LRU of all),
 * other than the parts not[0..nn).
 */
static int
victim(struct load *L, int any, const int *not, int nn)
{
	int i, k, lru = -1;

	for (i = 0; i < P.nopen; i++) {
		if (!any && P.open[i]->pi->evicted >= EVICT_MAX)
			continue;
		for (k = 0; k < nn && not[k] != i; k++)
			;
		if (k < nn)
			continue;
		if (lru < 0 || P.open[i]->used < P.open[lru]->used)
			lru = i;
	}
	return lru;
}

static void
csv_header(struct tw_buf *b)
{
	int i;

	for (i = 0; i < P.ncols; i++) {
		if (i)
			tw_buf_addc(b, ',');
		tw_buf_adds(b, P.cols[i]);
	}
	tw_buf_addc(b, '\n');
}

static int
open_tmp(struct load *L, const char *path)
{
	int flags = O_CREAT | O_EXCL | O_CLOEXEC;

	/* Widening a Parquet column reads written row groups back. */
	flags |= L->o.part_parquet ? O_RDWR : O_WRONLY;
	return create_locked(path, flags);
}

static struct part *
part_open(struct load *L, struct pinfo *pi)
{
	struct part *pt;
	int64_t now = tw_now_ms();
	const char *ext = part_ext(L);
	int i;

	if (P.nopen >= L->o.max_open) {
		/* Make room: the least recently used part whose partition
		 * may still get another file this roll; at the limit of
		 * descriptors, any. */
		int vs[EVICT_SET], nv = 0, want = evict_set(L);

		while (nv < want && (i = victim(L, P.nopen >= P.hard_open, vs, nv)) >= 0)
			vs[nv++] = i;
		if (nv > 0) {
			if (retire_set(L, vs, nv, W_EVICT) < 0)
				return NULL;
		} else if (!P.over_warned++ && !L->o.quiet)
			tw_warn("--max-open %lld exceeded: every open part's partition "
			    "had %d parts published early this roll", (long long)L->o.max_open,
			    EVICT_MAX);
	}
	P.open = tw_xrealloc(P.open, (size_t)(P.nopen + 1) * sizeof *P.open);
	pt = tw_xcalloc(1, sizeof *pt);
	pt->pi = pi;
	tw_buf_reset(&P.val);
	if (L->o.single)
		tw_buf_adds(&P.val, P.sdir);
	else
		tw_buf_addf(&P.val, "%s/%s", L->o.out, pi->key);
	pt->dir = tw_xstrdup(P.val.p);
	P.seq++;
	tw_buf_reset(&P.val);
	tw_buf_addf(&P.val, "%s/.part-%lld-%s-%ld-%llu.%s.tmp", pt->dir,
	    (long long)now, host, (long)getpid(), (unsigned long long)P.seq, ext);
	pt->tmp = tw_xstrdup(P.val.p);
	tw_buf_reset(&P.val);
	if (L->o.single && (L->o.roll_bytes || L->o.roll_ms))
		tw_buf_addf(&P.val, "%s-%06llu.parquet", P.sstem,
		    (unsigned long long)++P.sfiles);
	else if (L->o.single)
		tw_buf_adds(&P.val, L->o.out);
	else
		tw_buf_addf(&P.val, "%s/part-%lld-%s-%ld-%llu.%s", pt->dir,
		    (long long)now, host, (long)getpid(), (unsigned long long)P.seq, ext);
	pt->fin = tw_xstrdup(P.val.p);
	/* A part that follows an eviction goes on with its partition's
	 * roll period. */
	if (pi->evicted == 0 || (L->o.roll_ms && now - pi->since >= L->o.roll_ms)) {
		pi->since = now;
		pi->evicted = 0;
	}
	pt->opened_ms = pi->since;
	pt->mark0 = P.marks;
	/* The directory usually exists: create it only when it does not. */
	pt->fd = open_tmp(L, pt->tmp);
	if (pt->fd < 0 && errno == ENOENT) {
		if (mkdirs(L, pt->dir) < 0) {
			part_free(pt);
			return NULL;
		}
		pt->fd = open_tmp(L, pt->tmp);
	}
	while (pt->fd < 0 && (errno == EMFILE || errno == ENFILE) && P.nopen > 0) {
		/* Out of descriptors: publish the least used part, retry. */
		if (retire(L, victim(L, 1, NULL, 0), W_EVICT) < 0) {
			part_free(pt);
			return NULL;
		}
		pt->fd = open_tmp(L, pt->tmp);
	}
	if (pt->fd < 0) {
		fail_io(L, "cannot create", pt->tmp);
		part_free(pt);
		return NULL;
	}
	trace("open %s", pt->tmp);
	/* Listed before anything else can fail, so that the die hook
	 * (out of memory) removes its file too. */
	P.open[P.nopen++] = pt;
	pi->open = pt;
	/* The name must survive a power cut too once a mark's
	 * acknowledgement counts on salvaging this file: its directory is
	 * fsynced at the first mark it is open at (part_mark), not here. A
	 * part published before any mark needs it not at all (publish
	 * fsyncs the directory with the final name in it), which halves
	 * the syncs a part costs where parts are many and small. */
	if (L->o.part_parquet) {
		pt->pq = tw_pqrec_new(pt->fd, &P.po, &P.ro);
		return pt;
	}
	if (P.nzpool > 0) {
		pt->z = P.zpool[--P.nzpool];
		tw_zout_reset(&pt->z, pt->fd);
	} else if (tw_zout_open(&pt->z, L->o.codec, L->o.level, pt->fd) < 0)
		tw_die(1, "%s: %s", pt->tmp, strerror(errno));	/* checked by main */
	pt->zopen = 1;
	if (L->o.part_csv) {
		tw_buf_reset(&P.val);
		csv_header(&P.val);
		if (zwrite(L, pt, P.val.p, P.val.len) < 0)
			return NULL;
	}
	return pt;
}

/* 1 when name is the name of a component of the pattern (year=%Y). */
static int
pattern_name(const char *pattern, const char *name, size_t n)
{
	const char *c = pattern;

	while (*c) {
		size_t len = strcspn(c, "/");
		const char *eq = memchr(c, '=', len);

		if (eq && (size_t)(eq - c) == n && strncasecmp(c, name, n) == 0)
			return 1;
		c += len;
		if (*c == '/')
			c++;
	}
	return 0;
}

static void
add_col(struct load *L, const char *name, size_t n)
{
	/* Hive reads a partition column from the directory name, not the
	 * file, and CSV is read by position: such a column is left out. */
	if (pattern_name(L->o.pattern, name, n))
		return;
	P.cols = tw_xrealloc(P.cols, (size_t)(P.ncols + 1) * sizeof *P.cols);
	P.collen = tw_xrealloc(P.collen, (size_t)(P.ncols + 1) * sizeof *P.collen);
	P.slot = tw_xrealloc(P.slot, (size_t)(P.ncols + 1) * sizeof *P.slot);
	P.collen[P.ncols] = n;
	P.cols[P.ncols++] = tw_xstrndup(name, n);
}

/*
 * a[0..n) == b[0..n), for the short names of fields: two overlapping
 * loads of 8 (or 4) bytes a side instead of a call to memcmp, reading
 * nothing outside either string.
 */
static inline int
name_eq(const char *a, const char *b, size_t n)
{
	uint64_t x, y, u, v;
	uint32_t x4, y4, u4, v4;

	if (n >= 8 && n <= 16) {
		memcpy(&x, a, 8), memcpy(&y, b, 8);
		memcpy(&u, a + n - 8, 8), memcpy(&v, b + n - 8, 8);
		return ((x ^ y) | (u ^ v)) == 0;
	}
	if (n >= 4 && n < 8) {
		memcpy(&x4, a, 4), memcpy(&y4, b, 4);
		memcpy(&u4, a + n - 4, 4), memcpy(&v4, b + n - 4, 4);
		return ((x4 ^ y4) | (u4 ^ v4)) == 0;
	}
	return memcmp(a, b, n) == 0;
}

/* Key k (of a parsed object) names column c. */
static inline int
col_is(const struct tw_jval *k, int c)
{
	if (k->flags == 0)
		return k->len == P.collen[c] && name_eq(k->p, P.cols[c], k->len);
	return tw_json_streq(k, P.cols[c], P.collen[c]);
}

/*
 * Finds each column's value in the record in one pass over its keys
 * (P.slot[c], NULL when absent; the first of a repeated key, as
 * tw_json_get). A record's keys mostly come in the columns' order (they
 * were taken from its type or from the first record), so each key is
 * tried first against the column after the last one found: a row costs
 * one comparison a field rather than a search of the record for each.
 */
static void
csv_slots(const struct tw_json *j)
{
	const struct tw_jval *obj = j->v, *k;
	uint32_t m;
	int c = 0, i, n;

	if (P.ncols == 0)
		return;
	memset(P.slot, 0, (size_t)P.ncols * sizeof *P.slot);
	for (m = obj->len, k = obj + 1; m > 0; m--, k = j->v + k[1].next) {
		i = -1;
		if (c < P.ncols && col_is(k, c))
			i = c;
		else
			for (n = 0; n < P.ncols && i < 0; n++)
				if (col_is(k, n))
					i = n;
		if (i < 0)
			continue;
		if (P.slot[i] == NULL)
			P.slot[i] = k + 1;
		c = i + 1;
	}
}

static void
other_type(struct load *L)
{
	L->other_type++;
	if (!L->other_warned++ && !L->o.quiet)
		tw_warn("--format %s: records of another type are skipped "
		    "(one record type per %s)", L->o.part_parquet ? "parquet" : "csv",
		    L->o.part_parquet ? "part: put record_type in the pattern" :
		    "directory");
}

/* The record as one CSV row of the columns chosen by the first record. */
static int
csv_row(struct load *L, const struct tw_json *j, struct tw_buf *b)
{
	const struct tw_jval *rt = TW_JGET(j, j->v, "record_type"), *v, *k, *end;
	int i, rtype = rt && rt->type == TW_JSTR ? tw_rtype_lookup(rt->p, rt->len) : -1;

	if (!P.have_cols) {
		P.have_cols = 1;
		P.rtype = rtype;
		if (rtype >= 0) {
			const struct tw_rdef *d = &tw_rdefs[rtype];

			for (i = 1; i < d->nfields; i++)
				add_col(L, d->fields[i].name,
				    strlen(d->fields[i].name));
		} else {
			end = tw_json_after(j, j->v);
			for (k = j->v + 1; k < end; k = tw_json_after(j, k + 1)) {
				if (k->flags || !ident_ok(k->p, k->len) ||
				    TW_JSTREQ(k, "record_type"))
					continue;
				add_col(L, k->p, k->len);
			}
		}
	} else if (rtype != P.rtype) {
		other_type(L);
		return 1;
	}
	csv_slots(j);
	for (i = 0; i < P.ncols; i++) {
		if (i)
			tw_buf_addc(b, ',');
		v = P.slot[i];
		if (v == NULL || v->type == TW_JNULL)
			continue;
		tw_buf_reset(&P.val);
		switch (v->type) {
		case TW_JTRUE: tw_buf_adds(b, "true"); break;
		case TW_JFALSE: tw_buf_adds(b, "false"); break;
		case TW_JNUM: tw_buf_add(b, v->p, v->len); break;
		case TW_JSTR:
			if (v->flags == 0) {
				/* No escapes, valid UTF-8: the text as it is. */
				tw_csv_add_quoted(b, v->p, v->len);
				break;
			}
			load_str(L, &P.val, v);
			tw_csv_add_quoted(b, P.val.p, P.val.len);
			break;
		default:
			load_json(L, &P.val, j, v);
			tw_csv_add_quoted(b, P.val.p, P.val.len);
		}
	}
	tw_buf_addc(b, '\n');
	return 0;
}

/* The part's size for --roll SIZE: NDJSON or CSV bytes given, or the
 * Parquet file's bytes (written, and held for its next row group). */
static uint64_t
part_size(const struct part *pt)
{
	if (pt->pq != NULL) {
		struct tw_pq *w = tw_pqrec_writer(pt->pq);

		return tw_pq_written(w) + tw_pq_buffered(w);
	}
	return pt->in_bytes;
}

/* Adds a record to a Parquet part: 0, 1 (another kind: skipped), -1. */
static int
pq_add(struct load *L, struct part *pt, const struct tw_json *j)
{
	switch (tw_pqrec_add(pt->pq, j, j->v)) {
	case TW_PQREC_OK:
		pt->nrec++;
		return 0;
	case TW_PQREC_OTHER:
		other_type(L);
		return 1;
	case TW_PQREC_BAD:
		snprintf(L->errbuf, sizeof L->errbuf, "%s", tw_pqrec_error(pt->pq));
		L->err = L->errbuf;
		return -1;
	default:
		pt->broken = 1;
		tw_warn("%s: write error: %s", pt->tmp, tw_pqrec_error(pt->pq));
		L->fatal = 1;
		L->err = NULL;
		return -1;
	}
}

int
part_record(struct load *L, const struct tw_json *j, const char *raw,
    size_t rawlen)
{
	struct part *pt;
	struct pinfo *pi;
	int i, line = 0;
	size_t reclen;

	if (make_path(L, j) < 0)
		return -1;
	tw_buf_reset(&P.rec);
	if (L->o.part_parquet)
		;
	else if (L->o.part_csv) {
		if (csv_row(L, j, &P.rec) > 0)
			return 0;
	} else if (memchr(raw, '\n', rawlen) != NULL) {
		tw_json_emit(&P.rec, j, j->v);	/* a pretty document: one line */
		tw_buf_addc(&P.rec, '\n');
	} else
		line = 1;	/* written as read, without a copy */
	reclen = line ? rawlen + 1 : P.rec.len;
	pi = pinfo_get(P.path.p, P.path.len);
	pt = pi->open;
	if (pt != NULL && ((L->o.roll_bytes && pt->nrec > 0 &&
	    part_size(pt) + reclen > (uint64_t)L->o.roll_bytes) ||
	    (L->o.roll_ms && tw_now_ms() - pt->opened_ms >= L->o.roll_ms))) {
		for (i = 0; P.open[i] != pt; i++)
			;
		if (retire(L, i, W_ROLL) < 0)
			return -1;
		pi = pinfo_get(P.path.p, P.path.len);
		pt = NULL;
	}
	if (pt == NULL && (pt = part_open(L, pi)) == NULL)
		return -1;
	pt->used = ++P.clock;
	if (pt->pq != NULL)
		return pq_add(L, pt, j) < 0 ? -1 : 0;
	if (line) {
		if (zwrite(L, pt, raw, rawlen) < 0 || zwrite(L, pt, "\n", 1) < 0)
			return -1;
	} else if (zwrite(L, pt, P.rec.p, P.rec.len) < 0)
		return -1;
	pt->in_bytes += reclen;
	pt->nrec++;
	return 0;
}

int
part_mark(struct load *L, const char *raw, size_t rawlen)
{
	struct part **v = NULL;
	int i, n = 0, wait = 0, *st, nfs;
	dev_t fs[SYNC_FS];

	/* Each NDJSON or CSV part written to since the last mark: its
	 * bytes so far made to decode on their own, then synced with its
	 * name (as publish_set does: SYNC_SET or more by syncfs, others by
	 * fsync of the part and, the first time, of its directory). */
	for (i = 0; i < P.nopen; i++) {
		struct part *pt = P.open[i];

		if (pt->pq != NULL) {
			wait = 1;	/* acknowledged once it is published */
			continue;
		}
		if (!pt->synced && tw_zout_sync(&pt->z) < 0) {
			pt->broken = 1;
			free(v);
			return fail_io(L, "write error", pt->tmp);
		}
		if (!L->o.fsync || (pt->synced && pt->named)) {
			pt->synced = 1;
			continue;
		}
		if (v == NULL)
			v = tw_xmalloc((size_t)P.nopen * sizeof *v);
		v[n++] = pt;
	}
	st = tw_xcalloc((size_t)n + 1, sizeof *st);
	if (n >= SYNC_SET && sync_fs_of(v, st, n, fs, &nfs) == 0) {
		for (i = 0; i < n; i++)
			v[i]->synced = v[i]->named = 1;
		dirs_sync(L, fs, nfs);
		trace("mark %llu: %d parts synced-together",
		    (unsigned long long)P.marks + 1, n);
		n = 0;
	} else if (n > 0)
		trace("mark %llu: %d parts synced one by one",
		    (unsigned long long)P.marks + 1, n);
	for (i = 0; i < n; i++) {
		struct part *pt = v[i];

		if (!pt->synced && fsync(pt->fd) < 0) {
			pt->broken = 1;
			free(v), free(st);
			return fail_io(L, "fsync failed", pt->tmp);
		}
		pt->synced = 1;
		if (!pt->named && fsync_dir(pt->dir) < 0) {
			pt->broken = 1;
			free(v), free(st);
			return fail_io(L, "fsync of the directory failed", pt->dir);
		}
		pt->named = 1;
	}
	free(v);
	free(st);
	if (L->o.fsync && dirs_sync(L, NULL, -1) < 0)
		return -1;
	P.marks++;
	if (!wait && P.npending == 0) {
		P.acked = P.marks;
		tw_buf_reset(&P.val);
		tw_buf_add(&P.val, raw, rawlen);
		tw_buf_addc(&P.val, '\n');
		ack(L, P.val.p, P.val.len);
		return 0;
	}
	if (P.npending == PENDING_MAX) {
		/* A later acknowledgement says as much as the oldest. */
		tw_buf_free(&P.pending[0]);
		memmove(P.pending, P.pending + 1, (P.npending - 1) * sizeof *P.pending);
		P.npending--;
		P.acked++;
		P.superseded++;
	}
	if (P.npending == 0)
		P.pending = tw_xrealloc(P.pending, PENDING_MAX * sizeof *P.pending);
	memset(&P.pending[P.npending], 0, sizeof *P.pending);
	tw_buf_add(&P.pending[P.npending], raw, rawlen);
	tw_buf_addc(&P.pending[P.npending], '\n');
	P.npending++;
	acks_flush(L);
	return 0;
}

void
part_tick(struct load *L)
{
	int64_t now;
	int i, n = 0, *due;

	if (!L->fatal)
		watch_stale(L, 0);
	if (!L->o.roll_ms || P.nopen == 0 || L->fatal)
		return;
	now = tw_now_ms();
	due = tw_xmalloc((size_t)P.nopen * sizeof *due);
	for (i = 0; i < P.nopen; i++)
		if (now - P.open[i]->opened_ms >= L->o.roll_ms)
			due[n++] = i;
	if (n > 0)
		retire_set(L, due, n, W_ROLL);
	free(due);
}

int
part_finish(struct load *L)
{
	int rc = 0;
	size_t k;

	if (P.nopen > 0) {
		int *all = tw_xmalloc((size_t)P.nopen * sizeof *all), i, n = P.nopen;

		for (i = 0; i < n; i++)
			all[i] = i;
		rc = retire_set(L, all, n, W_END);
		free(all);
	}
	if (!L->fatal)
		watch_stale(L, 1);
	while (P.nwatch > 0)
		free(P.watch[--P.nwatch]);
	if (rc == 0 && !L->fatal)
		acks_flush(L);
	for (k = 0; k < P.npending; k++)
		tw_buf_free(&P.pending[k]);
	P.npending = 0;
	if (P.ack_fd >= 0) {
		close(P.ack_fd);
		P.ack_fd = -1;
	}
	if (P.acks_dropped && L->o.verbose)
		tw_warn("%s: %llu acknowledgements dropped (nobody was reading)",
		    P.ack_path, (unsigned long long)P.acks_dropped);
	if (L->o.verbose && P.evictions)
		tw_warn("%llu parts published early to stay within --max-open",
		    (unsigned long long)P.evictions);
	L->nul_removed += P.nul_removed;
	while (P.nzpool > 0)
		tw_zout_free(&P.zpool[--P.nzpool]);
	free(P.zpool);
	P.zpool = NULL;
	/* New directories no part was published in: nothing to sync. */
	while (P.nnew > 0)
		free(P.newdirs[--P.nnew]);
	free(P.newdirs);
	free(P.newdev);
	P.newdirs = NULL;
	P.newdev = NULL;
	P.newcap = 0;
	return rc;
}

void
part_abort(struct load *L)
{
	/* Complete parts are still published; any that fail are removed. */
	part_finish(L);
	tw_warn("stopped after a write error; unpublished data was discarded");
}
