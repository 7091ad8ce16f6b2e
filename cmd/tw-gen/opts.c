/*
 * tw-gen: option values and the paced sleep, for every mode (opts.h).
 */
#include "opts.h"
#include "tw_opt.h"
#include "tw_sig.h"
#include "tw_util.h"

#include <errno.h>
#include <time.h>

int64_t
opt_int(const char *name, const char *s, int64_t min, int64_t max)
{
	int64_t v;
	const char *err;

	if (tw_parse_int(s, min, max, &v, &err))
		tw_die(2, "%s: %s", name, err);
	return v;
}

double
opt_double(const char *name, const char *s, double min, double max)
{
	double v;
	const char *err;

	if (tw_parse_double(s, min, max, &v, &err))
		tw_die(2, "%s: %s", name, err);
	return v;
}

int64_t
opt_duration(const char *name, const char *s, int64_t min, int64_t max)
{
	int64_t v;
	const char *err;

	if (tw_parse_duration(s, min, max, &v, &err))
		tw_die(2, "%s: %s", name, err);
	return v;
}

void
sleep_until(int64_t ns)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ns / 1000000000);
	ts.tv_nsec = (long)(ns % 1000000000);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		if (tw_sig_caught)
			return;
}
