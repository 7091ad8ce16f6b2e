#include <string.h>

#include "tw_guard.h"
#include "tw_input.h"
#include "tw_util.h"

void
tw_guard_init(struct tw_guard *g, enum tw_guard_expect expect)
{
	memset(g, 0, sizeof *g);
	g->expect = expect;
	g->budget = TW_GUARD_BUDGET;
}

/* A line that is not JSON but reads as comma-separated fields. */
static int
looks_csv(const char *s, size_t n)
{
	size_t i, commas = 0;

	while (n > 0 && (*s == ' ' || *s == '\t'))
		s++, n--;
	if (n == 0 || *s == '{' || *s == '[')
		return 0;
	for (i = 0; i < n; i++)
		commas += s[i] == ',';
	return commas > 0;
}

static int
has(const struct tw_json *j, const char *key, int type)
{
	const struct tw_jval *v = tw_json_get(j, &j->v[0], key, strlen(key));

	return v != NULL && (type < 0 || (int)v->type == type);
}

/* The hint for a JSON document that is not a flat record, or NULL. */
static const char *
judge(const struct tw_json *j)
{
	if (j->v[0].type == TW_JARR)
		return "this is a JSON array, and twpipe's tools read one record "
		    "(a JSON object) a line: for API statuses run tw-flatten first, "
		    "else split it with jq -c '.[]'";
	if (j->v[0].type != TW_JOBJ || has(j, "record_type", -1))
		return NULL;
	if (has(j, "topic", TW_JSTR) && has(j, "offset", TW_JNUM) &&
	    has(j, "payload", -1))
		return "this looks like a kcat -J envelope, not a flat record: "
		    "run tw-flatten first (kcat ... -J | tw-flatten | ...)";
	if (has(j, "data", -1) && (has(j, "includes", TW_JOBJ) ||
	    has(j, "matching_rules", TW_JARR) || has(j, "meta", TW_JOBJ) ||
	    j->v[0].len == 1))
		return "this looks like an API payload (X API v2), not a flat "
		    "record: run tw-flatten first (tw-flatten FILE | ...)";
	if (has(j, "id_str", TW_JSTR) && has(j, "user", TW_JOBJ))
		return "this looks like an API payload (a v1.1 status), not a "
		    "flat record: run tw-flatten first (tw-flatten FILE | ...)";
	return NULL;
}

const char *
tw_guard_first(struct tw_guard *g, const char *line, size_t n,
    const struct tw_json *j)
{
	if (g->looked)
		return NULL;
	g->looked = 1;
	if (j == NULL && looks_csv(line, n))
		return g->expect == TW_GUARD_FLAT ? "this looks like CSV, but "
		    "twpipe's tools read NDJSON (one JSON object a line): convert "
		    "it first (mlr --icsv --ojsonl cat FILE), or make records "
		    "from API payloads with tw-flatten" : "this looks like CSV, "
		    "but tw-flatten reads API payloads as JSON (a document a "
		    "line, or pretty-printed): give it the API's JSON, not a CSV "
		    "export";
	if (j == NULL || g->expect != TW_GUARD_FLAT)
		return NULL;
	return judge(j);
}

void
tw_guard_look(struct tw_guard *g, const struct tw_input *in,
    const struct tw_json *j)
{
	const char *hint = tw_guard_first(g, in->raw, in->rawlen, j);

	if (hint != NULL)
		tw_warn("%s:%llu: %s", in->name, (unsigned long long)in->lineno, hint);
}

const char *
tw_guard_not_flat(const struct tw_guard *g, const struct tw_json *j)
{
	return g->expect == TW_GUARD_FLAT ? judge(j) : NULL;
}

void
tw_guard_stop(const struct tw_guard *g)
{
	tw_die(1, "stopping: the first %llu lines were all bad, not one record "
	    "could be used (--max-bad N allows more, 0 any number)",
	    (unsigned long long)g->bad_start);
}

void
tw_guard_good(struct tw_guard *g)
{
	g->good++;
}

int
tw_guard_bad(struct tw_guard *g)
{
	if (g->good > 0)
		return 0;
	g->bad_start++;
	return g->budget > 0 && g->bad_start >= g->budget;
}

int
tw_guard_none_usable(const struct tw_guard *g)
{
	return g->good == 0 && g->bad_start > 0;
}
