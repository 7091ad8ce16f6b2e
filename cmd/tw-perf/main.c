/*
 * tw-perf: meter a stream, measure a command, report on measurements.
 * The first argument picks the mode: "run", "report", or else the meter.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"
#include "tw_sig.h"
#include "tw_util.h"

const char *perf_argv0;
int perf_quiet;

void
perf_usage(int status)
{
	fputs(PERF_USAGE, status ? stderr : stdout);
	if (status == 0)
		fputs("\n"
		    "meter (passes its input through unchanged):\n"
		    "      --label NAME      name of the run in every record\n"
		    "      --every DUR       a stats record every DUR (default 10s)\n"
		    "  -o, --log FILE        append records to FILE (default: standard error)\n"
		    "run (measures COMMAND and its process tree):\n"
		    "      --every DUR       sample /proc every DUR (default 100ms)\n"
		    "  -m, --meter           meter the standard input on its way to COMMAND\n"
		    "report:\n"
		    "      --format FMT      text (default), markdown or json\n"
		    "      --storage K:PATH  sqlite:FILE, dir:PATH or tsv:FILE (repeatable)\n"
		    "      --svg DIR         also draw bar charts as SVG files in DIR\n"
		    "all:\n"
		    "  -q, --quiet           no message per bad line\n"
		    "  -h, --help            this help\n"
		    "      --version         the version\n", stdout);
	exit(status);
}

int
main(int argc, char **argv)
{
	perf_argv0 = argv[0];
	tw_setprog(argv[0]);
	argv[0] = (char *)tw_prog;	/* getopt names the program by argv[0] */
	tw_sig_init();
	{
		/* run --meter starts this program with them blocked, so that
		 * a stop sent at once is handled (a summary written). */
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGINT);
		sigaddset(&set, SIGTERM);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
	}
	if (argc > 1 && strcmp(argv[1], "run") == 0)
		return run_main(argc - 1, argv + 1);
	if (argc > 1 && strcmp(argv[1], "report") == 0)
		return report_main(argc - 1, argv + 1);
	return meter_main(argc, argv);
}
