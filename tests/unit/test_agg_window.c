/* Unit tests for tw-agg's window assignment: engine_window and
 * engine_first_end (cmd/tw-agg/engine.c, linked from tw-agg's build),
 * against their contract in cmd/tw-agg/agg.h and against a brute-force
 * enumeration of hopping windows. tw-agg's options guarantee
 * 0 < hop <= size and size % hop == 0; the tests stay in that domain. */
#include <stdint.h>
#include <stdio.h>

#include "../../cmd/tw-agg/agg.h"
#include "tap.h"

/* Every window of e holding t, through engine_window, into s/en (at most
 * max); returns how many. */
static int
windows(const struct engine *e, int64_t t, int64_t *s, int64_t *en, int max)
{
	int i;

	for (i = 0; i < max && engine_window(e, t, i, &s[i], &en[i]); i++)
		;
	return i;
}

static void
engine_of(struct engine *e, enum mode m, int64_t size, int64_t hop,
    int64_t gap)
{
	engine_init(e);
	e->mode = m;
	e->size = size;
	e->hop = hop;
	e->gap = gap;
}

static void
test_tumbling(void)
{
	struct engine e;
	int64_t s[4], en[4];
	static const struct { int64_t t, start; } tab[] = {
		{ 0, 0 }, { 1, 0 }, { 59999, 0 }, { 60000, 60000 },
		{ 1704067199999LL, 1704067140000LL }, { 1704067200000LL, 1704067200000LL },
		{ -1, -60000 }, { -59999, -60000 }, { -60000, -60000 },
		{ -60001, -120000 },
		/* year 0000, the earliest time tw_json_time accepts */
		{ -62167219200000LL, -62167219200000LL },
	};
	size_t k;
	char name[128];

	engine_of(&e, M_TUMBLE, 60000, 0, 0);
	for (k = 0; k < sizeof tab / sizeof tab[0]; k++) {
		int n = windows(&e, tab[k].t, s, en, 4);

		snprintf(name, sizeof name, "tumbling 1m: t=%lld in one window",
		    (long long)tab[k].t);
		CHECK_INT(name, n, 1);
		snprintf(name, sizeof name, "tumbling 1m: t=%lld starts at %lld (floor)",
		    (long long)tab[k].t, (long long)tab[k].start);
		CHECK_INT(name, s[0], tab[k].start);
		snprintf(name, sizeof name, "tumbling 1m: t=%lld ends a size later",
		    (long long)tab[k].t);
		CHECK_INT(name, en[0], tab[k].start + 60000);
		snprintf(name, sizeof name, "tumbling 1m: first_end of t=%lld",
		    (long long)tab[k].t);
		CHECK_INT(name, engine_first_end(&e, tab[k].t), tab[k].start + 60000);
	}
	engine_of(&e, M_TUMBLE, 86400000, 0, 0);
	CHECK_INT("tumbling 1d: a day from midnight UTC",
	    windows(&e, 1704110400000LL, s, en, 4) == 1 && s[0] == 1704067200000LL &&
	    en[0] == 1704153600000LL, 1);
	CHECK_INT("tumbling: i = 1 is past the last", engine_window(&e, 5, 1, &s[0],
	    &en[0]), 0);
}

static void
test_hopping(void)
{
	struct engine e;
	int64_t s[8], en[8];
	int n;

	engine_of(&e, M_HOP, 60000, 20000, 0);
	n = windows(&e, 65000, s, en, 8);
	CHECK_INT("hopping 1m/20s: t=65s in three windows", n, 3);
	CHECK("hopping 1m/20s: [20s,80s) [40s,100s) [60s,120s), earliest first",
	    n == 3 && s[0] == 20000 && en[0] == 80000 && s[1] == 40000 &&
	    en[1] == 100000 && s[2] == 60000 && en[2] == 120000);
	CHECK_INT("hopping 1m/20s: first_end of 65s", engine_first_end(&e, 65000),
	    80000);
	n = windows(&e, 60000, s, en, 8);
	CHECK("hopping 1m/20s: t=60s (a boundary) not in [0,60s)",
	    n == 3 && s[0] == 20000 && s[2] == 60000);
	n = windows(&e, -1, s, en, 8);
	CHECK("hopping 1m/20s: t=-1ms in [-60s,0) [-40s,20s) [-20s,40s)",
	    n == 3 && s[0] == -60000 && en[0] == 0 && s[1] == -40000 &&
	    s[2] == -20000);
	CHECK_INT("hopping 1m/20s: first_end of -1ms", engine_first_end(&e, -1), 0);
	CHECK_INT("hopping: i past the last", engine_window(&e, 65000, 3, &s[0],
	    &en[0]), 0);
	CHECK_INT("hopping: i far past the last", engine_window(&e, 65000, 100,
	    &s[0], &en[0]), 0);
}

/* Windows of a hopping engine, by brute force: every multiple of hop s
 * with s <= t < s + size, in increasing order. */
static int
brute(int64_t size, int64_t hop, int64_t t, int64_t *s, int max)
{
	int64_t x = (t / hop - size / hop - 2) * hop;
	int n = 0;

	for (; x <= t + hop; x += hop)
		if (x <= t && t < x + size && n < max)
			s[n++] = x;
	return n;
}

static void
test_hopping_brute(void)
{
	static const int64_t sizes[][2] = { { 60000, 20000 }, { 60000, 60000 },
	    { 3600000, 300000 }, { 10, 1 }, { 7, 7 }, { 12, 4 }, { 12, 3 } };
	struct engine e;
	int64_t s[64], en[64], b[64];
	size_t k;
	int64_t t;
	int bad = 0, n, m, i;
	char name[160], where[120] = "";

	for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		int64_t size = sizes[k][0], hop = sizes[k][1];

		engine_of(&e, M_HOP, size, hop, 0);
		bad = 0;
		for (t = -3 * size - 7; t <= 3 * size + 7;
		    t += size > 1000 ? hop / 4 + 1 : 1) {
			n = windows(&e, t, s, en, 64);
			m = brute(size, hop, t, b, 64);
			if (n != m || engine_first_end(&e, t) != (m ? b[0] + size : -1))
				bad = 1;
			for (i = 0; i < n && i < m && !bad; i++)
				if (s[i] != b[i] || en[i] != s[i] + size)
					bad = 1;
			if (bad) {
				snprintf(where, sizeof where, "t=%lld: %d windows, "
				    "want %d", (long long)t, n, m);
				break;
			}
		}
		snprintf(name, sizeof name, "hopping %lld/%lld: every t's windows as "
		    "enumerated, earliest first", (long long)size, (long long)hop);
		CHECKF(name, !bad, "%s", where);
	}
}

static void
test_session_global(void)
{
	struct engine e;
	int64_t s[4], en[4];

	engine_of(&e, M_SESSION, 0, 0, 30000);
	CHECK("session 30s: t's own window [t, t + gap)",
	    windows(&e, 1234567, s, en, 4) == 1 && s[0] == 1234567 &&
	    en[0] == 1264567);
	CHECK_INT("session: first_end is t + gap", engine_first_end(&e, -5), 29995);
	engine_of(&e, M_GLOBAL, 0, 0, 0);
	CHECK("global: one window, from NO_TIME to INT64_MAX",
	    windows(&e, 42, s, en, 4) == 1 && s[0] == NO_TIME && en[0] == INT64_MAX);
	CHECK("global: the same for any t", windows(&e, -42, s, en, 4) == 1 &&
	    s[0] == NO_TIME);
	CHECK("global: first_end INT64_MAX (never closes by time)",
	    engine_first_end(&e, 42) == INT64_MAX);
}

int
main(void)
{
	test_tumbling();
	test_hopping();
	test_hopping_brute();
	test_session_global();
	return tap_done();
}
