/*
 * tw-perf run: starts COMMAND with this process's standard input, output
 * and error, samples its process tree from /proc every --every (100ms),
 * and writes one summary record when it ends.
 *
 * The tree is every process whose parent chain leads to the child. Per
 * sample: VmRSS of /proc/PID/status summed over the live members (the
 * peak of that sum is peak_rss_kb) and their /proc/PID/io counters.
 * CPU time comes from wait4's rusage, which holds the child and every
 * descendant that was waited for. I/O of exited processes is found the
 * same way: Linux adds a reaped child's counters to its parent's, so
 * after wait4 /proc/self/io minus this thread's own /proc/self/task/TID/io
 * is the whole tree; the largest sampled sum is kept when that is more
 * (a process orphaned to init is only seen by sampling).
 *
 * With --meter, a meter (this program again, without a subcommand) sits
 * between this process's standard input and the command's: a sibling of
 * the command, so its own costs are not the command's. It writes its
 * summary before the run's (the run waits for it), which is how report
 * pairs them.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "perf.h"
#include "tw_opt.h"
#include "tw_sig.h"
#include "tw_time.h"
#include "tw_util.h"

struct io {
	uint64_t rchar, wchar, read_bytes, write_bytes;
};

struct proc {
	int pid, ppid, in;
};

struct tree {
	struct proc *p;
	size_t n, cap;
	uint64_t peak_rss_kb, samples;
	struct io io_peak;
};

static int
read_small(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "re");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (int)n;
}

static void
io_read(const char *path, struct io *io)
{
	char buf[1024], *s;

	memset(io, 0, sizeof *io);
	if (read_small(path, buf, sizeof buf) <= 0)
		return;
	for (s = buf; s != NULL && *s; s = strchr(s, '\n'), s = s ? s + 1 : NULL) {
		unsigned long long v;

		if (sscanf(s, "rchar: %llu", &v) == 1)
			io->rchar = v;
		else if (sscanf(s, "wchar: %llu", &v) == 1)
			io->wchar = v;
		else if (sscanf(s, "read_bytes: %llu", &v) == 1)
			io->read_bytes = v;
		else if (sscanf(s, "write_bytes: %llu", &v) == 1)
			io->write_bytes = v;
	}
}

static void
io_max(struct io *a, const struct io *b)
{
	if (b->rchar > a->rchar) a->rchar = b->rchar;
	if (b->wchar > a->wchar) a->wchar = b->wchar;
	if (b->read_bytes > a->read_bytes) a->read_bytes = b->read_bytes;
	if (b->write_bytes > a->write_bytes) a->write_bytes = b->write_bytes;
}

static void
io_sub(struct io *a, const struct io *b)
{
	a->rchar = a->rchar > b->rchar ? a->rchar - b->rchar : 0;
	a->wchar = a->wchar > b->wchar ? a->wchar - b->wchar : 0;
	a->read_bytes = a->read_bytes > b->read_bytes ? a->read_bytes - b->read_bytes : 0;
	a->write_bytes = a->write_bytes > b->write_bytes ? a->write_bytes - b->write_bytes : 0;
}

/* One sample of the tree rooted at root. */
static void
sample(struct tree *t, int root)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	char path[64], buf[4096], *s;
	size_t i;
	int changed;
	uint64_t rss = 0;
	struct io sum, one;

	if (d == NULL)
		return;
	t->n = 0;
	while ((de = readdir(d)) != NULL) {
		int pid = atoi(de->d_name), ppid;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%d/stat", pid);
		if (read_small(path, buf, sizeof buf) <= 0)
			continue;
		/* The name may hold anything: fields start after the last ')'. */
		if ((s = strrchr(buf, ')')) == NULL ||
		    sscanf(s + 1, " %*c %d", &ppid) != 1)
			continue;
		if (t->n == t->cap) {
			t->cap = t->cap ? 2 * t->cap : 256;
			t->p = tw_xrealloc(t->p, t->cap * sizeof *t->p);
		}
		t->p[t->n].pid = pid;
		t->p[t->n].ppid = ppid;
		t->p[t->n].in = pid == root;
		t->n++;
	}
	closedir(d);
	do {
		changed = 0;
		for (i = 0; i < t->n; i++) {
			size_t j;

			if (t->p[i].in)
				continue;
			for (j = 0; j < t->n; j++)
				if (t->p[j].in && t->p[j].pid == t->p[i].ppid) {
					t->p[i].in = changed = 1;
					break;
				}
		}
	} while (changed);
	memset(&sum, 0, sizeof sum);
	for (i = 0; i < t->n; i++) {
		if (!t->p[i].in)
			continue;
		snprintf(path, sizeof path, "/proc/%d/status", t->p[i].pid);
		if (read_small(path, buf, sizeof buf) > 0 &&
		    (s = strstr(buf, "\nVmRSS:")) != NULL)
			rss += strtoull(s + 7, NULL, 10);
		snprintf(path, sizeof path, "/proc/%d/io", t->p[i].pid);
		io_read(path, &one);
		sum.rchar += one.rchar;
		sum.wchar += one.wchar;
		sum.read_bytes += one.read_bytes;
		sum.write_bytes += one.write_bytes;
	}
	if (rss > t->peak_rss_kb)
		t->peak_rss_kb = rss;
	io_max(&t->io_peak, &sum);
	t->samples++;
}

static void
reaped_io(struct io *io)
{
	char path[64];
	struct io self;

	io_read("/proc/self/io", io);
	snprintf(path, sizeof path, "/proc/self/task/%ld/io", (long)syscall(SYS_gettid));
	io_read(path, &self);
	io_sub(io, &self);
}

/*
 * Starts the meter of --meter reading standard input; returns its pid
 * and the read end of its output in *rd.
 */
static pid_t
start_meter(const char *label, const char *logpath, int *rd)
{
	char *av[8];
	int p[2], n = 0;
	pid_t pid;

	if (pipe(p) < 0)
		tw_die(1, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		tw_die(1, "fork: %s", strerror(errno));
	if (pid == 0) {
		sigset_t set;

		/* A stop that comes before the meter can handle it waits
		 * (blocked, pending across exec) until main unblocks it. */
		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		dup2(p[1], STDOUT_FILENO);
		close(p[0]);
		close(p[1]);
		av[n++] = (char *)"tw-perf";
		if (label != NULL) {
			av[n++] = (char *)"--label";
			av[n++] = (char *)label;
		}
		if (logpath != NULL) {
			av[n++] = (char *)"-o";
			av[n++] = (char *)logpath;
		}
		av[n] = NULL;
		/* This very program: by its path, else as the kernel knows
		 * it (a name found in PATH might be another build). */
		if (strchr(perf_argv0, '/') != NULL)
			execv(perf_argv0, av);
		execv("/proc/self/exe", av);
		execvp(perf_argv0, av);
		tw_warn("run: cannot start the meter: %s", strerror(errno));
		_exit(126);
	}
	close(p[1]);
	*rd = p[0];
	return pid;
}

static void
add_command(struct tw_buf *b, char **argv)
{
	struct tw_buf c = TW_BUF_INIT;
	int i;

	for (i = 0; argv[i] != NULL; i++) {
		const char *a = argv[i];

		if (i)
			tw_buf_addc(&c, ' ');
		if (*a && strpbrk(a, " \t\n'\"\\$`*?[]{}()<>|&;#~") == NULL) {
			tw_buf_adds(&c, a);
			continue;
		}
		tw_buf_addc(&c, '\'');
		for (; *a; a++) {
			if (*a == '\'')
				tw_buf_adds(&c, "'\\''");
			else
				tw_buf_addc(&c, *a);
		}
		tw_buf_addc(&c, '\'');
	}
	rec_str(b, c.p);
	tw_buf_free(&c);
}

int
run_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "label", required_argument, NULL, 2 },
		{ "every", required_argument, NULL, 3 },
		{ "quiet", no_argument, NULL, 'q' },
		{ "log", required_argument, NULL, 'o' },
		{ "meter", no_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 1 },
		{ NULL, 0, NULL, 0 }
	};
	const char *label = NULL, *logpath = NULL;
	int meter = 0, meter_rd = -1;
	pid_t mpid = -1;
	int64_t every_ms = 100, start_ms, start_ns, end_ns;
	struct tw_writer log;
	struct tw_buf *b;
	struct tree t;
	struct rusage ru;
	struct io io, base;
	struct sigaction sa;
	int ch, status = 0, pidfd, forwarded = 0, rc;
	pid_t pid, w;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:hmo:q", longopts, NULL)) != -1) {
		switch (ch) {
		case 3:
			every_ms = tw_opt_duration("--every", optarg, 1, (int64_t)1 << 40);
			break;
		case 'q':
			perf_quiet = 1;
			break;
		case 'h':
			perf_usage(0);
		case 2:
			label = optarg;
			break;
		case 'm':
			meter = 1;
			break;
		case 'o':
			logpath = optarg;
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
	if (argc == 0) {
		tw_warn("run: no command given");
		perf_usage(2);
	}
	log_open(&log, logpath);
	memset(&t, 0, sizeof t);
	if (meter)
		mpid = start_meter(label, logpath, &meter_rd);
	reaped_io(&base);
	start_ms = tw_now_ms();
	start_ns = tw_mono_ns();
	pid = fork();
	if (pid < 0)
		tw_die(1, "fork: %s", strerror(errno));
	if (pid == 0) {
		/* The command gets the usual signal dispositions back. */
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = SIG_DFL;
		sigaction(SIGPIPE, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		if (logpath != NULL)
			close(log.fd);
		if (meter_rd >= 0) {
			dup2(meter_rd, STDIN_FILENO);
			close(meter_rd);
		}
		execvp(argv[0], argv);
		tw_warn("%s: %s", argv[0], strerror(errno));
		_exit(errno == ENOENT ? 127 : 126);
	}
	if (meter_rd >= 0)
		close(meter_rd);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		w = wait4(pid, &status, WNOHANG, &ru);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			tw_die(1, "wait: %s", strerror(errno));
		if (tw_sig_caught && !forwarded) {
			/* Pass SIGINT/SIGTERM on and wait for the command. */
			kill(pid, tw_sig_caught);
			forwarded = tw_sig_caught;
		}
		sample(&t, pid);
		{
			/* Short commands are sampled often (every 10 ms for
			 * the first half second), long ones every every_ms. */
			int64_t ms = tw_mono_ns() - start_ns < 500000000 &&
			    every_ms > 10 ? 10 : every_ms;

			if (pidfd >= 0) {
				struct pollfd p = { .fd = pidfd, .events = POLLIN };

				poll(&p, 1, (int)ms);
			} else {
				struct timespec ts = { ms / 1000, ms % 1000 * 1000000 };

				nanosleep(&ts, NULL);
			}
		}
	}
	end_ns = tw_mono_ns();
	if (pidfd >= 0)
		close(pidfd);
	reaped_io(&io);
	io_sub(&io, &base);
	io_max(&io, &t.io_peak);
	rc = WIFEXITED(status) ? WEXITSTATUS(status) :
	    WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 1;
	if (mpid > 0) {
		/* The command is gone: so is the meter's reader. A meter
		 * still waiting for input is stopped (it writes its summary
		 * first); its summary must precede the run's. */
		int ms;

		if (waitpid(mpid, &ms, WNOHANG) == 0) {
			kill(mpid, SIGTERM);
			while (waitpid(mpid, &ms, 0) < 0 && errno == EINTR)
				;
		}
	}

	b = &log.out;
	tw_buf_adds(b, "{\"type\":\"summary\"");
	rec_key(b, "label");
	rec_str(b, label);
	/* Batch or streaming is what a meter measures (report takes it
	 * from the meter inside); how the command ended is known here. */
	rec_key(b, "mode");
	tw_buf_adds(b, "null");
	rec_key(b, "ended");
	rec_str(b, forwarded ? "signal" : "exit");
	rec_key(b, "command");
	add_command(b, argv);
	rec_key(b, "exit_status");
	tw_buf_add_i64(b, rc);
	rec_key(b, "records");
	tw_buf_adds(b, "null");
	rec_key(b, "bytes");
	tw_buf_adds(b, "null");
	rec_key(b, "start");
	rec_time(b, start_ms);
	rec_key(b, "end");
	rec_time(b, start_ms + (end_ns - start_ns) / 1000000);
	rec_key(b, "processing_s");
	rec_num(b, (end_ns - start_ns) / 1e9, 3);
	rec_key(b, "throughput_rps");
	tw_buf_adds(b, "null");
	rec_key(b, "throughput_bps");
	tw_buf_adds(b, "null");
	rec_key(b, "cpu_user_s");
	rec_num(b, ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, 3);
	rec_key(b, "cpu_sys_s");
	rec_num(b, ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, 3);
	rec_key(b, "peak_rss_kb");
	/* The tree's sampled total, but never below the largest single
	 * process's own peak, which the kernel measures exactly (a short
	 * command may end between two samples). */
	tw_buf_add_u64(b, t.peak_rss_kb > (uint64_t)ru.ru_maxrss ?
	    t.peak_rss_kb : (uint64_t)ru.ru_maxrss);
	rec_key(b, "max_single_rss_kb");
	tw_buf_add_i64(b, ru.ru_maxrss);
	rec_key(b, "io_read_bytes");
	tw_buf_add_u64(b, io.read_bytes);
	rec_key(b, "io_write_bytes");
	tw_buf_add_u64(b, io.write_bytes);
	rec_key(b, "io_rchar");
	tw_buf_add_u64(b, io.rchar);
	rec_key(b, "io_wchar");
	tw_buf_add_u64(b, io.wchar);
	rec_key(b, "samples");
	tw_buf_add_u64(b, t.samples);
	rec_key(b, "metered");
	tw_buf_adds(b, meter ? "true" : "false");
	rec_key(b, "age_ms");
	tw_buf_adds(b, "null");
	rec_key(b, "latency_ms");
	tw_buf_adds(b, "null");
	tw_buf_adds(b, "}\n");
	if (tw_writer_close(&log) < 0)
		tw_writer_fail(&log);
	free(t.p);
	return rc;
}
