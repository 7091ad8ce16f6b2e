#include "tw_sig.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

volatile sig_atomic_t tw_sig_caught;

static void
on_signal(int sig)
{
	tw_sig_caught = sig;
}

void
tw_sig_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

static void die_by(int sig) __attribute__((noreturn));

static void
die_by(int sig)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	raise(sig);
	_exit(128 + sig);
}

void
tw_sig_reraise(void)
{
	die_by(tw_sig_caught ? tw_sig_caught : SIGTERM);
}

void
tw_sig_pipe_exit(void)
{
	die_by(SIGPIPE);
}
