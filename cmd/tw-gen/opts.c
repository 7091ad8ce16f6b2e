/*
 * tw-gen: the paced sleep, for every mode (opts.h).
 */
#include "opts.h"
#include "tw_sig.h"

#include <errno.h>
#include <time.h>

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
