#include "tw_opt.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_util.h"

int
tw_parse_int(const char *s, int64_t min, int64_t max, int64_t *out,
    const char **err)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || strchr(" \t\n", *s)) {
		*err = "not a number";
		return -1;
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0') {
		*err = "not a number";
		return -1;
	}
	if ((errno == ERANGE && v < 0) || v < min) {
		*err = "too small";
		return -1;
	}
	if (errno == ERANGE || v > max) {
		*err = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

/* Parses the leading number of s; *end points past it. */
static int
lead_number(const char *s, double *v, const char **end, const char **err)
{
	char *e;

	if (s == NULL || !((*s >= '0' && *s <= '9') || *s == '.' || *s == '-' ||
	    *s == '+')) {
		*err = "not a number";
		return -1;
	}
	errno = 0;
	*v = strtod(s, &e);
	if (e == s || errno == ERANGE || !isfinite(*v)) {
		*err = "not a number";
		return -1;
	}
	*end = e;
	return 0;
}

int
tw_parse_double(const char *s, double min, double max, double *out,
    const char **err)
{
	const char *end;
	double v;

	if (lead_number(s, &v, &end, err))
		return -1;
	if (*end != '\0') {
		*err = "not a number";
		return -1;
	}
	if (v < min) {
		*err = "too small";
		return -1;
	}
	if (v > max) {
		*err = "too large";
		return -1;
	}
	*out = v;
	return 0;
}

static int
scaled(const char *s, const char *const units[], const double mult[],
    double dflt, int64_t min, int64_t max, int64_t *out, const char **err,
    const char *what)
{
	const char *end;
	double v, m = -1, r;
	int k;

	if (lead_number(s, &v, &end, err))
		return -1;
	if (*end == '\0') {
		m = dflt;
	} else {
		for (k = 0; units[k]; k++) {
			if (strcmp(end, units[k]) == 0) {
				m = mult[k];
				break;
			}
		}
	}
	if (m < 0) {
		*err = what;
		return -1;
	}
	r = v * m;
	if (r < (double)min || r < -9.2e18) {
		*err = "too small";
		return -1;
	}
	if (r > (double)max || r > 9.2e18) {
		*err = "too large";
		return -1;
	}
	*out = (int64_t)llround(r);
	return 0;
}

int
tw_parse_duration(const char *s, int64_t min, int64_t max, int64_t *ms,
    const char **err)
{
	static const char *const u[] = { "ms", "s", "m", "h", "d", "w", NULL };
	static const double m[] = { 1, 1e3, 60e3, 3600e3, 86400e3, 604800e3 };

	return scaled(s, u, m, 1e3, min, max, ms, err,
	    "unknown unit (use ms, s, m, h, d or w)");
}

int
tw_parse_size(const char *s, int64_t min, int64_t max, int64_t *bytes,
    const char **err)
{
	static const char *const u[] = { "B", "k", "K", "kB", "KB", "M", "MB",
	    "G", "GB", "T", "TB", NULL };
	static const double m[] = { 1, 1024., 1024., 1024., 1024., 1048576.,
	    1048576., 1073741824., 1073741824., 1099511627776.,
	    1099511627776. };

	return scaled(s, u, m, 1, min, max, bytes, err,
	    "unknown unit (use k, M, G or T)");
}

void
tw_opt_refused_msg(int ch, char **argv, const struct tw_opt_moved *moved,
    char *msg, size_t len)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	char name[128];
	size_t n;

	/* The option as written: a long one from its argument (without a
	 * value after '='), a short one from optopt. */
	if (arg != NULL && strncmp(arg, "--", 2) == 0) {
		n = strcspn(arg, "=");
		snprintf(name, sizeof name, "%.*s", (int)(n < 100 ? n : 100), arg);
	} else if (optopt > 32 && optopt < 127) {
		snprintf(name, sizeof name, "-%c", optopt);
		for (; moved != NULL && moved->letter != 0; moved++)
			if (moved->letter == optopt) {
				snprintf(msg, len, "%s is now %s (a letter means one thing "
				    "in every tool: twpipe(7))", name, moved->now);
				return;
			}
	} else
		snprintf(name, sizeof name, "%s", arg ? arg : "?");
	if (ch == ':')
		snprintf(msg, len, "option '%s' needs a value", name);
	else
		snprintf(msg, len, "unknown option '%s' (%s --help lists them)", name,
		    tw_prog);
}

void
tw_opt_refused(int ch, char **argv, const struct tw_opt_moved *moved)
{
	char msg[300];

	tw_opt_refused_msg(ch, argv, moved, msg, sizeof msg);
	tw_warn("%s", msg);
}

int64_t
tw_opt_int(const char *name, const char *s, int64_t min, int64_t max)
{
	int64_t v;
	const char *err;

	if (tw_parse_int(s, min, max, &v, &err))
		tw_die(2, "%s: %s", name, err);
	return v;
}

double
tw_opt_double(const char *name, const char *s, double min, double max)
{
	double v;
	const char *err;

	if (tw_parse_double(s, min, max, &v, &err))
		tw_die(2, "%s: %s", name, err);
	return v;
}

int64_t
tw_opt_duration(const char *name, const char *s, int64_t min, int64_t max)
{
	int64_t v;
	const char *err;

	if (tw_parse_duration(s, min, max, &v, &err))
		tw_die(2, "%s: %s", name, err);
	return v;
}

int64_t
tw_opt_size(const char *name, const char *s, int64_t min, int64_t max)
{
	int64_t v;
	const char *err;

	if (tw_parse_size(s, min, max, &v, &err))
		tw_die(2, "%s: %s", name, err);
	return v;
}
