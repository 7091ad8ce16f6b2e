/*
 * part.c: Hive-style partitioned directories of gzip part files.
 *
 * Each record goes to the directory its time and fields name through
 * the pattern (year=%Y/month=%m/lang=%{lang}). A part is written as
 * DIR/.../.part-<ms>-<host>-<pid>-<seq>.<ext>.gz.tmp, and published when it is
 * rolled, evicted (more than --max-open open) or at the end: deflate
 * finished, fsync, rename to part-<ms>-<pid>-<seq>.<ext>.gz, fsync of
 * the directory. Readers ignore names starting with '.', so a part is
 * either absent or complete.
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

/*
 * Removes the temporary parts that a tw-load of this host killed by
 * SIGKILL (or a power cut) left: .part-MS-HOST-PID-SEQ.EXT.gz.tmp with
 * this host's name and a pid that no longer runs. Parts of other hosts
 * (a shared file system) and of live writers are left alone.
 */
static void
clean_stale(const char *dir, int depth, uint64_t *removed)
{
	DIR *d;
	struct dirent *e;
	char path[PATH_MAX];
	size_t hl = strlen(host);

	if (depth > 32 || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		struct stat sb;
		const char *p = e->d_name;
		char *end;
		long pid;

		if (strcmp(p, ".") == 0 || strcmp(p, "..") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, p) >= sizeof path ||
		    lstat(path, &sb) < 0)
			continue;
		if (S_ISDIR(sb.st_mode)) {
			clean_stale(path, depth + 1, removed);
			continue;
		}
		if (!S_ISREG(sb.st_mode) || strncmp(p, ".part-", 6) != 0 ||
		    strlen(p) < 4 || strcmp(p + strlen(p) - 4, ".tmp") != 0)
			continue;
		p = strchr(p + 6, '-');	/* past the time */
		if (p == NULL || strncmp(p + 1, host, hl) != 0 || p[1 + hl] != '-')
			continue;
		pid = strtol(p + 2 + hl, &end, 10);
		if (end == p + 2 + hl || *end != '-' || pid <= 0 || pid == (long)getpid())
			continue;
		if (kill((pid_t)pid, 0) < 0 && errno == ESRCH && unlink(path) == 0)
			(*removed)++;
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

int
part_init(struct load *L, char *errbuf, size_t errlen)
{
	struct stat sb;
	struct rlimit rl;
	uint64_t removed = 0;

	if (tw_part_compile(&P.pat, L->o.pattern, errbuf, errlen) < 0)
		return -1;
	if (mkdir(L->o.out, 0777) < 0 && errno != EEXIST) {
		snprintf(errbuf, errlen, "%s: %s", L->o.out, strerror(errno));
		return -1;
	}
	if (stat(L->o.out, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(errbuf, errlen, "%s: not a directory", L->o.out);
		return -1;
	}
	P.rtype = -2;
	L->part = &P;
	set_host();
	clean_stale(L->o.out, 0, &removed);
	if (removed && !L->o.quiet)
		tw_warn("%s: removed %llu temporary parts left by a killed tw-load",
		    L->o.out, (unsigned long long)removed);
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

/* The record's time: ts (epoch ms), else created_at. */
static int
record_time(const struct tw_json *j, int64_t *ms)
{
	const struct tw_jval *v = TW_JGET(j, j->v, "ts");
	struct tw_buf b = TW_BUF_INIT;
	int rc;

	if (v != NULL && v->type == TW_JNUM && tw_json_i64(v, ms) == 0)
		return 0;
	v = TW_JGET(j, j->v, "created_at");
	if (v == NULL || v->type != TW_JSTR)
		return -1;
	tw_json_str_decode(&b, v);
	rc = tw_time_parse(b.p ? b.p : "", b.len, ms);
	tw_buf_free(&b);
	return rc;
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

static int
zwrite(struct load *L, struct part *pt, const void *data, size_t n, int flush)
{
	pt->z.next_in = (unsigned char *)(uintptr_t)data;
	pt->z.avail_in = (unsigned)n;
	do {
		size_t have;
		int zr = deflate(&pt->z, flush);

		if (zr == Z_STREAM_ERROR) {
			errno = EIO;
			pt->broken = 1;
			return fail_io(L, "deflate failed", pt->tmp);
		}
		have = ZOUT - pt->z.avail_out;
		if (pt->z.avail_out == 0 || (flush == Z_FINISH && have > 0)) {
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
		if (flush == Z_FINISH && zr == Z_STREAM_END)
			break;
	} while (pt->z.avail_in > 0 || (flush == Z_FINISH));
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
	return rc;
}

void
part_abort(struct load *L)
{
	/* Complete parts are still published; any that fail are removed. */
	part_finish(L);
	tw_warn("stopped after a write error; unpublished data was discarded");
}
