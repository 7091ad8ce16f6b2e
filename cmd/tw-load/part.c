/*
 * part.c: Hive-style partitioned directories of gzip part files.
 *
 * Each record goes to the directory its time and fields name through
 * the pattern (year=%Y/month=%m/lang=%{lang}). A part is written as
 * DIR/.../.part-<ms>-<host>-<pid>-<seq>.<ext>.gz.tmp, and published when it is
 * rolled, evicted (more than --max-open open) or at the end: deflate
 * finished, fsync, rename to part-<ms>-<host>-<pid>-<seq>.<ext>.gz, fsync
 * of the directory. Readers ignore names starting with '.', so a part is
 * either absent or complete.
 *
 * Stream marks (tw_mark.h) make what came before them durable: every open
 * part is flushed to a point where its bytes so far decode on their own
 * (Z_SYNC_FLUSH), fsynced, and then the mark is acknowledged on --acks.
 * A tw-load killed with SIGKILL leaves its temporary parts behind; the
 * next tw-load on the same host and directory salvages them: the whole
 * records they hold (everything before the last acknowledged mark, and
 * maybe more) are published under the name the dead writer would have
 * used, so a salvage that is itself interrupted is simply done again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "load.h"
#include "tw_csv.h"
#include "tw_part.h"
#include "tw_reader.h"
#include "tw_time.h"
#include "tw_util.h"

#define ZOUT (64 << 10)


struct part {
	char *key;		/* relative directory */
	char *tmp, *fin, *dir;
	int fd;
	z_stream z;
	unsigned char *zbuf;
	uint64_t in_bytes;
	int64_t opened_ms;
	uint64_t used;
	int broken;		/* a write failed: never published */
	int synced;		/* nothing written since the last sync */
};

struct pstate {
	struct tw_part_pat pat;
	struct part **open;
	int nopen;
	uint64_t seq, clock;
	struct tw_buf path, rec, val;
	/* CSV: the columns of the first record's type */
	char **cols;
	int ncols;
	int rtype;
	char *rtname;
	int have_cols;
	uint64_t parts_published;
	/* --acks: where acknowledged marks go */
	int ack_fd;
	const char *ack_path;
	uint64_t marks, acks_dropped;
	int ack_broken;
};

static struct pstate P;

void
part_escape(struct tw_buf *b, const char *s, size_t n)
{
	tw_part_escape(b, s, n);
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
static int zwrite(struct load *L, struct part *pt, const void *data, size_t n,
    int flush);
static int publish(struct load *L, struct part *pt);
static void part_free(struct part *pt);
static int fsync_dir(const char *dir);

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

/*
 * Salvages dir/name, a temporary part of a dead writer: its whole records
 * (lines that end in a newline; for CSV, outside quotes too) are written
 * to a new part under the final name the writer would have given it.
 * Returns the records kept, or -1 when the file could not be read (it is
 * left as it is).
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
	int csv = strstr(name, ".csv.") != NULL, quotes = 0, bad = 0;
	int seen_err = 0;

	tw_buf_addf(&path, "%s/%s", dir, name);
	memset(&pt, 0, sizeof pt);
	pt.fd = -1;
	pt.dir = tw_xstrdup(dir);
	pt.key = tw_xstrdup("");
	tw_buf_reset(&P.val);
	/* part-MS-HOST-PID-SEQ.EXT: the name the dead writer would have used. */
	tw_buf_addf(&P.val, "%s/", dir);
	tw_buf_add(&P.val, name + 1, n - 5);
	pt.fin = tw_xstrdup(P.val.p);
	tw_buf_reset(&P.val);
	tw_buf_addf(&P.val, "%s/.salvage-%s-%ld-", dir, host, (long)getpid());
	tw_buf_add(&P.val, name + 1, n - 1);
	pt.tmp = tw_xstrdup(P.val.p);

	files[0] = path.p;
	tw_reader_open(&r, files, 1);
	while ((rs = tw_reader_next(&r, &line, &len)) != TW_READ_EOF) {
		size_t i;

		if (rs == TW_READ_ERR) {
			/* A cut-off stream is what a kill leaves: keep what
			 * came before. Anything else: leave the file. */
			if (strstr(r.errmsg, "cut short") == NULL &&
			    strstr(r.errmsg, "invalid") == NULL)
				bad = 1;
			seen_err = 1;
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
			pt.fd = open(pt.tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
			if (pt.fd < 0) {
				fail_io(L, "cannot create", pt.tmp);
				bad = 1;
				break;
			}
			if (deflateInit2(&pt.z, 6, Z_DEFLATED, 15 + 16, 8,
			    Z_DEFAULT_STRATEGY) != Z_OK)
				tw_oom();
			pt.zbuf = tw_xmalloc(ZOUT);
			pt.z.next_out = pt.zbuf;
			pt.z.avail_out = ZOUT;
		}
		if (zwrite(L, &pt, rec.p, rec.len, Z_NO_FLUSH) < 0) {
			bad = 1;
			break;
		}
		/* A CSV part's header is not a record. */
		if (!(csv && kept == 0 && pt.in_bytes == 0))
			kept++;
		pt.in_bytes += rec.len;
		tw_buf_reset(&rec);
	}
	(void)seen_err;
	tw_reader_close(&r);
	if (bad) {
		if (pt.fd >= 0) {
			close(pt.fd);
			unlink(pt.tmp);
		}
		kept = -1;
	} else if (pt.fd >= 0 && kept > 0) {
		L->fatal = 0;
		if (publish(L, &pt) < 0)
			kept = -1;
		else if (unlink(path.p) < 0 && errno != ENOENT)
			kept = -1;
	} else {
		if (pt.fd >= 0) {
			close(pt.fd);
			unlink(pt.tmp);
		}
		unlink(path.p);
		kept = 0;
	}
	if (pt.zbuf)
		deflateEnd(&pt.z);
	free(pt.zbuf);
	free(pt.key);
	free(pt.tmp);
	free(pt.fin);
	free(pt.dir);
	tw_buf_free(&path);
	tw_buf_free(&rec);
	return kept;
}

struct salvage_count {
	uint64_t parts, records, removed, failed;
};

/*
 * Salvages the temporary parts that a tw-load of this host killed by
 * SIGKILL (or a power cut) left: .part-MS-HOST-PID-SEQ.EXT.tmp with this
 * host's name and a pid that no longer runs; an interrupted salvage's
 * own temporary file is removed (its source is still there). Parts of
 * other hosts (a shared file system) and of live writers are left alone.
 */
static void
clean_stale(struct load *L, const char *dir, int depth, struct salvage_count *c)
{
	DIR *d;
	struct dirent *e;
	char path[PATH_MAX];

	if (depth > 32 || (d = opendir(dir)) == NULL)
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
			clean_stale(L, path, depth + 1, c);
			continue;
		}
		if (!S_ISREG(sb.st_mode) || (pid = temp_owner(p, &sv)) == 0 ||
		    pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if (sv) {
			if (unlink(path) == 0)
				c->removed++;
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
	closedir(d);
}

/* The die hook: out of memory or another fatal error leaves no temp part. */
static void
unlink_open(void)
{
	int i;

	for (i = 0; i < P.nopen; i++)
		if (P.open[i]->tmp)
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

int
part_init(struct load *L, char *errbuf, size_t errlen)
{
	struct stat sb;
	struct rlimit rl;
	struct salvage_count c = { 0, 0, 0, 0 };

	if (tw_part_compile(&P.pat, L->o.pattern, errbuf, errlen) < 0)
		return -1;
	if (mkdir_p(L->o.out) < 0) {
		snprintf(errbuf, errlen, "%s: %s", L->o.out, strerror(errno));
		return -1;
	}
	if (stat(L->o.out, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(errbuf, errlen, "%s: not a directory", L->o.out);
		return -1;
	}
	P.rtype = -2;
	P.ack_fd = -1;
	L->part = &P;
	set_host();
	clean_stale(L, L->o.out, 0, &c);
	L->fatal = 0;
	/* Said even with -q: a crash was repaired. */
	if (c.parts)
		tw_warn("%s: salvaged %llu records from %llu parts left by a killed tw-load",
		    L->o.out, (unsigned long long)c.records, (unsigned long long)c.parts);
	if (c.removed && !L->o.quiet)
		tw_warn("%s: removed %llu temporary files left by a killed tw-load "
		    "(no whole record in them)", L->o.out, (unsigned long long)c.removed);
	if (c.failed)
		tw_warn("%s: %llu temporary parts left by a killed tw-load could not "
		    "be salvaged (left in place)", L->o.out, (unsigned long long)c.failed);
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
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    (int64_t)rl.rlim_cur - 16 < L->o.max_open) {
		L->o.max_open = (int64_t)rl.rlim_cur > 32 ? (int64_t)rl.rlim_cur - 16 : 1;
		if (!L->o.quiet)
			tw_warn("--max-open: %lld, below the limit of open files",
			    (long long)L->o.max_open);
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

static int
mkdirs(struct load *L, const char *path)
{
	char *p = tw_xstrdup(path), *s = p + strlen(L->o.out) + 1;

	for (;;) {
		char *e = strchr(s, '/');

		if (e)
			*e = '\0';
		if (mkdir(p, 0777) == 0) {
			char *parent = tw_xstrdup(p), *sl = strrchr(parent, '/');

			if (sl)
				*sl = '\0';
			if (L->o.fsync)
				fsync_dir(parent);
			free(parent);
		} else if (errno != EEXIST) {
			fail_io(L, "cannot create directory", p);
			free(p);
			return -1;
		}
		if (!e)
			break;
		*e = '/';
		s = e + 1;
	}
	free(p);
	return 0;
}

/*
 * Deflates data[0..n) into the part and writes what deflate hands out.
 * flush: Z_NO_FLUSH; Z_SYNC_FLUSH, after which every byte given so far
 * is in the file in a form that decodes without what follows; Z_FINISH.
 */
static int
zwrite(struct load *L, struct part *pt, const void *data, size_t n, int flush)
{
	pt->z.next_in = (unsigned char *)(uintptr_t)data;
	pt->z.avail_in = (unsigned)n;
	for (;;) {
		size_t have;
		int full, zr = deflate(&pt->z, flush);

		if (zr == Z_STREAM_ERROR) {
			errno = EIO;
			pt->broken = 1;
			return fail_io(L, "deflate failed", pt->tmp);
		}
		full = pt->z.avail_out == 0;
		have = ZOUT - pt->z.avail_out;
		if (full || (flush != Z_NO_FLUSH && have > 0)) {
			size_t off = 0;

			while (off < have) {
				ssize_t k = write(pt->fd, pt->zbuf + off, have - off);

				if (k < 0 && errno == EINTR)
					continue;
				if (k < 0) {
					pt->broken = 1;
					return fail_io(L, "write error", pt->tmp);
				}
				off += (size_t)k;
			}
			pt->z.next_out = pt->zbuf;
			pt->z.avail_out = ZOUT;
		}
		/* Done when deflate had room to spare: all input taken and,
		 * for a flush, all of it handed out. */
		if (flush == Z_FINISH ? zr == Z_STREAM_END : !full && pt->z.avail_in == 0)
			break;
	}
	if (n > 0)
		pt->synced = 0;
	return 0;
}

static void
part_free(struct part *pt)
{
	deflateEnd(&pt->z);
	free(pt->zbuf);
	free(pt->key);
	free(pt->tmp);
	free(pt->fin);
	free(pt->dir);
	free(pt);
}

/* Finishes, syncs and renames a part; on failure its temp file goes. */
static int
publish(struct load *L, struct part *pt)
{
	int rc = 0;

	if (pt->broken)
		rc = -1;
	else if (zwrite(L, pt, "", 0, Z_FINISH) < 0)
		rc = -1;
	else if (L->o.fsync && fsync(pt->fd) < 0)
		rc = fail_io(L, "fsync failed", pt->tmp);
	if (close(pt->fd) < 0 && rc == 0)
		rc = fail_io(L, "close failed", pt->tmp);
	pt->fd = -1;
	if (rc == 0 && rename(pt->tmp, pt->fin) < 0)
		rc = fail_io(L, "cannot publish", pt->tmp);
	if (rc == 0 && L->o.fsync && fsync_dir(pt->dir) < 0)
		rc = fail_io(L, "fsync of the directory failed", pt->dir);
	if (rc < 0)
		unlink(pt->tmp);
	else
		P.parts_published++;
	return rc;
}

static void
drop(int i)
{
	P.open[i] = P.open[--P.nopen];
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

static struct part *
part_open(struct load *L, const char *rel)
{
	struct part *pt;
	int64_t now = tw_now_ms();
	const char *ext = L->o.part_csv ? "csv" : "ndjson";
	int i, lru = 0;

	if (P.nopen >= L->o.max_open) {
		for (i = 1; i < P.nopen; i++)
			if (P.open[i]->used < P.open[lru]->used)
				lru = i;
		pt = P.open[lru];
		drop(lru);
		if (publish(L, pt) < 0) {
			part_free(pt);
			return NULL;
		}
		part_free(pt);
	}
	P.open = tw_xrealloc(P.open, (size_t)(P.nopen + 1) * sizeof *P.open);
	pt = tw_xcalloc(1, sizeof *pt);
	pt->key = tw_xstrdup(rel);
	tw_buf_reset(&P.val);
	tw_buf_addf(&P.val, "%s/%s", L->o.out, rel);
	pt->dir = tw_xstrdup(P.val.p);
	P.seq++;
	tw_buf_reset(&P.val);
	tw_buf_addf(&P.val, "%s/.part-%lld-%s-%ld-%llu.%s.gz.tmp", pt->dir,
	    (long long)now, host, (long)getpid(), (unsigned long long)P.seq, ext);
	pt->tmp = tw_xstrdup(P.val.p);
	tw_buf_reset(&P.val);
	tw_buf_addf(&P.val, "%s/part-%lld-%s-%ld-%llu.%s.gz", pt->dir,
	    (long long)now, host, (long)getpid(), (unsigned long long)P.seq, ext);
	pt->fin = tw_xstrdup(P.val.p);
	pt->opened_ms = now;
	pt->fd = -1;
	if (mkdirs(L, pt->dir) < 0) {
		part_free(pt);
		return NULL;
	}
	pt->fd = open(pt->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	while (pt->fd < 0 && (errno == EMFILE || errno == ENFILE) && P.nopen > 0) {
		/* Out of descriptors: publish the least used part, retry. */
		struct part *old;

		for (i = 1, lru = 0; i < P.nopen; i++)
			if (P.open[i]->used < P.open[lru]->used)
				lru = i;
		old = P.open[lru];
		drop(lru);
		if (publish(L, old) < 0) {
			part_free(old);
			part_free(pt);
			return NULL;
		}
		part_free(old);
		pt->fd = open(pt->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	}
	if (pt->fd < 0) {
		fail_io(L, "cannot create", pt->tmp);
		part_free(pt);
		return NULL;
	}
	/* Listed before anything else can fail, so that the die hook
	 * (out of memory) removes its file too. */
	P.open[P.nopen++] = pt;
	/* The name must survive a power cut too: a mark's acknowledgement
	 * counts on salvaging this file. */
	if (L->o.fsync)
		fsync_dir(pt->dir);
	if (deflateInit2(&pt->z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		tw_oom();
	pt->zbuf = tw_xmalloc(ZOUT);
	pt->z.next_out = pt->zbuf;
	pt->z.avail_out = ZOUT;
	if (L->o.part_csv) {
		tw_buf_reset(&P.val);
		csv_header(&P.val);
		if (zwrite(L, pt, P.val.p, P.val.len, Z_NO_FLUSH) < 0)
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
	P.cols[P.ncols++] = tw_xstrndup(name, n);
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
		L->other_type++;
		if (!L->other_warned++ && !L->o.quiet)
			tw_warn("--format csv: records of another type are skipped "
			    "(one record type per directory)");
		return 1;
	}
	for (i = 0; i < P.ncols; i++) {
		if (i)
			tw_buf_addc(b, ',');
		v = tw_json_get(j, j->v, P.cols[i], strlen(P.cols[i]));
		if (v == NULL || v->type == TW_JNULL)
			continue;
		tw_buf_reset(&P.val);
		switch (v->type) {
		case TW_JTRUE: tw_buf_adds(b, "true"); break;
		case TW_JFALSE: tw_buf_adds(b, "false"); break;
		case TW_JNUM: tw_buf_add(b, v->p, v->len); break;
		case TW_JSTR:
			load_str(L, &P.val, v);
			tw_csv_add_quoted(b, P.val.p ? P.val.p : "", P.val.len);
			break;
		default:
			load_json(L, &P.val, j, v);
			tw_csv_add_quoted(b, P.val.p, P.val.len);
		}
	}
	tw_buf_addc(b, '\n');
	return 0;
}

int
part_record(struct load *L, const struct tw_json *j, const char *raw,
    size_t rawlen)
{
	struct part *pt = NULL;
	int i;

	if (make_path(L, j) < 0)
		return -1;
	tw_buf_reset(&P.rec);
	if (L->o.part_csv) {
		if (csv_row(L, j, &P.rec) > 0)
			return 0;
	} else if (memchr(raw, '\n', rawlen) != NULL) {
		tw_json_emit(&P.rec, j, j->v);	/* a pretty document: one line */
		tw_buf_addc(&P.rec, '\n');
	} else {
		tw_buf_add(&P.rec, raw, rawlen);
		tw_buf_addc(&P.rec, '\n');
	}
	for (i = 0; i < P.nopen; i++)
		if (strcmp(P.open[i]->key, P.path.p) == 0) {
			pt = P.open[i];
			break;
		}
	if (pt != NULL && ((L->o.roll_bytes && pt->in_bytes + P.rec.len > (uint64_t)L->o.roll_bytes &&
	    pt->in_bytes > 0) ||
	    (L->o.roll_ms && tw_now_ms() - pt->opened_ms >= L->o.roll_ms))) {
		drop(i);
		if (publish(L, pt) < 0) {
			part_free(pt);
			return -1;
		}
		part_free(pt);
		pt = NULL;
	}
	if (pt == NULL && (pt = part_open(L, P.path.p)) == NULL)
		return -1;
	pt->used = ++P.clock;
	if (zwrite(L, pt, P.rec.p, P.rec.len, Z_NO_FLUSH) < 0)
		return -1;
	pt->in_bytes += P.rec.len;
	return 0;
}

/* Writes the mark line to --acks; never blocks, never fails the load. */
static void
ack(struct load *L, const char *raw, size_t n)
{
	size_t off = 0;

	if (P.ack_fd < 0 || P.ack_broken)
		return;
	tw_buf_reset(&P.val);
	tw_buf_add(&P.val, raw, n);
	tw_buf_addc(&P.val, '\n');
	while (off < P.val.len) {
		ssize_t k = write(P.ack_fd, P.val.p + off, P.val.len - off);

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

int
part_mark(struct load *L, const char *raw, size_t rawlen)
{
	int i;

	for (i = 0; i < P.nopen; i++) {
		struct part *pt = P.open[i];

		if (pt->synced)
			continue;
		if (zwrite(L, pt, "", 0, Z_SYNC_FLUSH) < 0)
			return -1;
		if (L->o.fsync && fsync(pt->fd) < 0) {
			pt->broken = 1;
			return fail_io(L, "fsync failed", pt->tmp);
		}
		pt->synced = 1;
	}
	P.marks++;
	ack(L, raw, rawlen);
	return 0;
}

void
part_tick(struct load *L)
{
	int64_t now;
	int i;

	if (!L->o.roll_ms || P.nopen == 0 || L->fatal)
		return;
	now = tw_now_ms();
	for (i = 0; i < P.nopen; ) {
		struct part *pt = P.open[i];

		if (now - pt->opened_ms >= L->o.roll_ms) {
			drop(i);
			publish(L, pt);
			part_free(pt);
			if (L->fatal)
				return;
			continue;
		}
		i++;
	}
}

int
part_finish(struct load *L)
{
	int rc = 0;

	while (P.nopen > 0) {
		struct part *pt = P.open[P.nopen - 1];

		P.nopen--;
		if (publish(L, pt) < 0)
			rc = -1;
		part_free(pt);
	}
	if (P.ack_fd >= 0) {
		close(P.ack_fd);
		P.ack_fd = -1;
	}
	if (P.acks_dropped && L->o.verbose)
		tw_warn("%s: %llu acknowledgements dropped (nobody was reading)",
		    P.ack_path, (unsigned long long)P.acks_dropped);
	return rc;
}

void
part_abort(struct load *L)
{
	/* Complete parts are still published; any that fail are removed. */
	part_finish(L);
	tw_warn("stopped after a write error; unpublished data was discarded");
}
