/* Unit tests for lib/tw_guard against the contract in tw_guard.h. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tw_guard.h"
#include "tw_json.h"
#include "tap.h"

/* The hint for the first line s (parsed when it is JSON), or NULL. */
static const char *
first(enum tw_guard_expect ex, const char *s)
{
	static struct tw_json j;
	static int init;
	struct tw_guard g;
	int ok;

	if (!init) {
		tw_json_init(&j);
		init = 1;
	}
	tw_guard_init(&g, ex);
	ok = tw_json_parse(&j, s, strlen(s)) == TW_JSON_OK;
	return tw_guard_first(&g, s, strlen(s), ok ? &j : NULL);
}

static void
hint(enum tw_guard_expect ex, const char *s, const char *want)
{
	char name[160];
	const char *h = first(ex, s);

	snprintf(name, sizeof name, "%s: %.60s", want ? want : "no hint", s);
	if (want == NULL)
		CHECKF(name, h == NULL, "hint %s", h ? h : "");
	else
		CHECKF(name, h != NULL && strstr(h, want) != NULL, "hint %s",
		    h ? h : "(none)");
}

int
main(void)
{
	struct tw_guard g;
	struct tw_json j;
	uint64_t i;

	hint(TW_GUARD_FLAT, "id,lang,ts", "CSV");
	hint(TW_GUARD_FLAT, "  1,en", "CSV");
	hint(TW_GUARD_FLAT, "{\"a\":1", NULL);	/* broken JSON, not CSV */
	hint(TW_GUARD_FLAT, "hello", NULL);
	hint(TW_GUARD_FLAT, "[{\"id_str\":\"1\"}]", "JSON array");
	hint(TW_GUARD_FLAT, "{\"data\":[],\"includes\":{}}", "API payload (X API v2)");
	hint(TW_GUARD_FLAT, "{\"data\":{\"id\":\"1\"}}", "API payload (X API v2)");
	hint(TW_GUARD_FLAT, "{\"data\":[],\"meta\":{\"result_count\":0}}", "X API v2");
	hint(TW_GUARD_FLAT, "{\"id_str\":\"1\",\"user\":{}}", "v1.1 status");
	hint(TW_GUARD_FLAT, "{\"topic\":\"t\",\"offset\":3,\"payload\":\"{}\"}", "kcat -J");
	/* flat records, and records that only share a key name */
	hint(TW_GUARD_FLAT, "{\"record_type\":\"tweet\",\"data\":1,\"includes\":{}}", NULL);
	hint(TW_GUARD_FLAT, "{\"data\":1,\"x\":2}", NULL);
	hint(TW_GUARD_FLAT, "{\"id_str\":\"1\",\"user\":\"bob\"}", NULL);
	hint(TW_GUARD_FLAT, "{\"topic\":\"t\",\"offset\":\"3\",\"payload\":1}", NULL);
	hint(TW_GUARD_FLAT, "{\"ts\":1}", NULL);
	/* tw-flatten takes payloads and arrays; CSV is still wrong */
	hint(TW_GUARD_PAYLOAD, "{\"data\":[],\"includes\":{}}", NULL);
	hint(TW_GUARD_PAYLOAD, "[{\"id_str\":\"1\"}]", NULL);
	hint(TW_GUARD_PAYLOAD, "a,b", "CSV");

	/* Only the first line is judged. */
	tw_json_init(&j);
	tw_guard_init(&g, TW_GUARD_FLAT);
	CHECK("first line: a record", tw_json_parse(&j, "{\"ts\":1}", 8) == TW_JSON_OK &&
	    tw_guard_first(&g, "{\"ts\":1}", 8, &j) == NULL);
	CHECK("second line not judged", tw_guard_first(&g, "a,b", 3, NULL) == NULL);

	/* The budget: bad lines at the start only. */
	tw_guard_init(&g, TW_GUARD_FLAT);
	CHECK_UINT("default budget", g.budget, TW_GUARD_BUDGET);
	g.budget = 3;
	CHECK_INT("bad 1", tw_guard_bad(&g), 0);
	CHECK_INT("bad 2", tw_guard_bad(&g), 0);
	CHECK_INT("bad 3 runs the budget out", tw_guard_bad(&g), 1);
	CHECK_INT("none usable", tw_guard_none_usable(&g), 1);
	tw_guard_init(&g, TW_GUARD_FLAT);
	g.budget = 3;
	tw_guard_bad(&g);
	tw_guard_good(&g);
	for (i = 0; i < 10; i++)
		if (tw_guard_bad(&g))
			break;
	CHECK_UINT("after a good record bad lines never stop", i, 10);
	CHECK_INT("usable", tw_guard_none_usable(&g), 0);
	tw_guard_init(&g, TW_GUARD_FLAT);
	g.budget = 0;
	for (i = 0; i < 100000; i++)
		if (tw_guard_bad(&g))
			break;
	CHECK_UINT("budget 0: no limit", i, 100000);
	tw_guard_init(&g, TW_GUARD_FLAT);
	CHECK_INT("empty input: not 'none usable'", tw_guard_none_usable(&g), 0);
	tw_json_free(&j);
	return tap_done();
}
