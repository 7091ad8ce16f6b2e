/* Unit tests for lib/tw_flatten against its header, on small payloads:
 * v2 lines and pages, v1.1 statuses, flat records (passed through),
 * documents without tweets (kinds and counts), bad documents (nothing
 * appended, a reason), field selection and NAME=PATH fields, record
 * types, columns, time parts and de-duplication. */
#include <stdio.h>
#include <string.h>

#include "tw_buf.h"
#include "tw_flatten.h"
#include "tw_json.h"
#include "tap.h"

static const char v2_line[] =
    "{\"data\":{\"id\":\"1440717170493689866\",\"text\":\"hola &amp; #Mundo\","
    "\"author_id\":\"12\",\"created_at\":\"2021-09-22T16:45:01.000Z\","
    "\"lang\":\"es\",\"public_metrics\":{\"retweet_count\":3,"
    "\"reply_count\":0,\"like_count\":5,\"quote_count\":1},"
    "\"entities\":{\"hashtags\":[{\"start\":12,\"end\":18,\"tag\":\"Mundo\"}]}},"
    "\"includes\":{\"users\":[{\"id\":\"12\",\"name\":\"Ana\","
    "\"username\":\"ana\"}]},\"matching_rules\":[{\"id\":\"1\",\"tag\":\"t\"}]}";

static const char v2_page[] =
    "{\"data\":[{\"id\":\"2\",\"text\":\"a\",\"created_at\":"
    "\"2021-09-22T16:45:01.000Z\",\"author_id\":\"12\"},{\"id\":\"3\","
    "\"text\":\"b\",\"created_at\":\"2021-09-22T16:45:02.000Z\","
    "\"author_id\":\"12\"}],\"includes\":{\"users\":[{\"id\":\"12\","
    "\"username\":\"ana\"}]},\"meta\":{\"result_count\":2}}";

/* A v1.1 retweet with numeric ids beyond 2^53. */
static const char v1_rt[] =
    "{\"created_at\":\"Wed Sep 22 16:45:01 +0000 2021\","
    "\"id\":1440717170493689867,\"id_str\":\"1440717170493689867\","
    "\"text\":\"RT @bob: hi\",\"user\":{\"id\":12,\"id_str\":\"12\","
    "\"screen_name\":\"ana\",\"name\":\"Ana\"},\"retweeted_status\":{"
    "\"created_at\":\"Wed Sep 22 16:00:00 +0000 2021\","
    "\"id\":9007199254740993,\"id_str\":\"9007199254740993\","
    "\"text\":\"hi\",\"user\":{\"id\":13,\"id_str\":\"13\","
    "\"screen_name\":\"bob\",\"name\":\"Bob\"},\"lang\":\"en\"},"
    "\"lang\":\"en\",\"entities\":{\"hashtags\":[]}}";

/* Flattens text with f into out (reset first); returns tw_flatten_doc's
 * result, or -2 when text is not JSON. */
static int
flat(struct tw_flatten *f, const char *text, struct tw_buf *out)
{
	static struct tw_json j;
	static int init;

	if (!init) {
		tw_json_init(&j);
		init = 1;
	}
	tw_buf_reset(out);
	if (tw_json_parse(&j, text, strlen(text)) != TW_JSON_OK)
		return -2;
	return tw_flatten_doc(f, &j, out);
}

static const char *
str(const struct tw_buf *b)
{
	return b->p;
}

static void
test_v2(void)
{
	struct tw_flatten f;
	struct tw_buf out = TW_BUF_INIT;

	tw_flatten_init(&f);
	CHECK_INT("v2 line: 0", flat(&f, v2_line, &out), 0);
	CHECK_INT("v2 line: kind tweets", f.kind, TW_DOC_TWEETS);
	CHECK("v2 line: a default record, schema order, one line",
	    strncmp(str(&out), "{\"record_type\":\"tweet\",\"id\":\"1440717170493689866\","
	    "\"created_at\":\"2021-09-22T16:45:01.000Z\",\"ts\":1632329101000,"
	    "\"author_id\":\"12\",\"username\":\"ana\",\"name\":\"Ana\",", 150) == 0 &&
	    strchr(str(&out), '\n') == str(&out) + out.len - 1);
	CHECK("v2 line: text unescaped, engagement summed, hashtags folded",
	    strstr(str(&out), "\"text\":\"hola & #Mundo\"") &&
	    strstr(str(&out), "\"engagement\":9,\"hashtags\":[\"mundo\"]") &&
	    strstr(str(&out), "\"matching_rules\":[\"t\"]"));
	CHECK_UINT("v2 line: counted", f.n_out[TW_R_TWEET], 1);
	tw_flatten_free(&f);

	tw_flatten_init(&f);
	CHECK_INT("select: 0", tw_flatten_select(&f, "username,id,engagement"), 0);
	flat(&f, v2_line, &out);
	CHECK_STR("select: the fields in the order named", str(&out),
	    "{\"username\":\"ana\",\"id\":\"1440717170493689866\",\"engagement\":9}\n");
	CHECK_INT("v2 page: 0", flat(&f, v2_page, &out), 0);
	CHECK_STR("v2 page: a record per tweet, its author from the includes",
	    str(&out), "{\"username\":\"ana\",\"id\":\"2\",\"engagement\":null}\n"
	    "{\"username\":\"ana\",\"id\":\"3\",\"engagement\":null}\n");
	CHECK_UINT("v2 page: counted", f.n_out[TW_R_TWEET], 3);
	tw_flatten_free(&f);
	tw_buf_free(&out);
}

static void
test_v1(void)
{
	struct tw_flatten f;
	struct tw_buf out = TW_BUF_INIT;

	tw_flatten_init(&f);
	tw_flatten_select(&f, "id,created_at,username,is_retweet,retweeted_id,"
	    "retweeted_user_id,text,lang");
	CHECK_INT("v1.1: 0", flat(&f, v1_rt, &out), 0);
	CHECK_STR("v1.1 retweet: ids exact, time in ISO, the original's text",
	    str(&out), "{\"id\":\"1440717170493689867\",\"created_at\":"
	    "\"2021-09-22T16:45:01.000Z\",\"username\":\"ana\",\"is_retweet\":true,"
	    "\"retweeted_id\":\"9007199254740993\",\"retweeted_user_id\":\"13\","
	    "\"text\":\"hi\",\"lang\":\"en\"}\n");
	tw_flatten_free(&f);
	tw_buf_free(&out);
}

static void
test_flat_and_kinds(void)
{
	struct tw_flatten f;
	struct tw_buf out = TW_BUF_INIT, once = TW_BUF_INIT;

	tw_flatten_init(&f);
	flat(&f, v2_line, &once);
	CHECK_INT("flat record: 0", flat(&f, once.p, &out), 0);
	CHECK_INT("flat record: kind flat", f.kind, TW_DOC_FLAT);
	CHECK_STR("flat record: passed through unchanged (idempotent)", str(&out),
	    str(&once));
	tw_flatten_free(&f);

	tw_flatten_init(&f);
	tw_flatten_select(&f, "lang,id");
	once.p[once.len - 1] = '\0';	/* without its newline */
	flat(&f, once.p, &out);
	CHECK_STR("flat record: selected fields taken from it", str(&out),
	    "{\"lang\":\"es\",\"id\":\"1440717170493689866\"}\n");

	CHECK_INT("API error: 0", flat(&f,
	    "{\"errors\":[{\"title\":\"x\"},{\"title\":\"y\"}]}", &out), 0);
	CHECK_INT("API error: kind", f.kind, TW_DOC_API_ERROR);
	CHECK_INT("API error: entries counted", f.api_errors, 2);
	CHECK_INT("API error: nothing written", out.len, 0);
	flat(&f, "{\"delete\":{\"status\":{\"id\":1,\"id_str\":\"1\"}}}", &out);
	CHECK_INT("v1.1 delete: a notice", f.kind, TW_DOC_NOTICE);
	CHECK_INT("v1.1 delete: nothing written", out.len, 0);
	flat(&f, "[]", &out);
	CHECK_INT("empty array: kind empty", f.kind, TW_DOC_EMPTY);
	flat(&f, "{\"meta\":{\"result_count\":0}}", &out);
	CHECK_INT("page of no results: kind empty", f.kind, TW_DOC_EMPTY);
	flat(&f, "{\"hello\":1}", &out);
	CHECK_INT("other JSON: kind other", f.kind, TW_DOC_OTHER);
	flat(&f, "{\"data\":[{\"id\":\"12\",\"username\":\"ana\",\"name\":\"A\"}]}", &out);
	CHECK_INT("a users page: kind users", f.kind, TW_DOC_USERS);
	CHECK_UINT("kinds counted", f.n_kind[TW_DOC_API_ERROR] +
	    f.n_kind[TW_DOC_NOTICE] + f.n_kind[TW_DOC_EMPTY] +
	    f.n_kind[TW_DOC_OTHER] + f.n_kind[TW_DOC_USERS], 6);
	CHECK_UINT("API errors totalled", f.n_api_errors, 2);
	tw_flatten_free(&f);
	tw_buf_free(&out);
	tw_buf_free(&once);
}

static void
test_bad(void)
{
	struct tw_flatten f;
	struct tw_buf out = TW_BUF_INIT;
	struct tw_json j;
	static const char bad[] = "{\"data\":{\"id\":\"1\",\"text\":\"x\","
	    "\"created_at\":5}}";

	tw_flatten_init(&f);
	tw_json_init(&j);
	tw_buf_adds(&out, "before\n");
	tw_json_parse(&j, bad, sizeof bad - 1);
	CHECK_INT("bad document: -1", tw_flatten_doc(&f, &j, &out), -1);
	CHECK_STR("bad document: nothing appended", str(&out), "before\n");
	CHECK_STR("bad document: the reason", f.err,
	    "field \"created_at\" is a number, expected a string");
	CHECK_UINT("bad document: nothing counted", f.n_out[TW_R_TWEET], 0);
	/* A page with one bad tweet: none of its records are written. */
	tw_buf_reset(&out);
	CHECK_INT("bad page: -1", flat(&f, "{\"data\":[{\"id\":\"2\",\"text\":\"a\","
	    "\"created_at\":\"2021-09-22T16:45:01.000Z\"},{\"id\":\"3\",\"text\":"
	    "\"b\",\"created_at\":\"yesterday\"}]}", &out), -1);
	CHECK_INT("bad page: no record of the good tweet either", out.len, 0);
	CHECK("bad page: the reason", f.err[0] != '\0');

	CHECK_INT("select: an unknown field, -1", tw_flatten_select(&f, "id,bogus"), -1);
	CHECK("select: ... named", strstr(f.err, "bogus") != NULL);
	CHECK_INT("types: an unknown type, -1", tw_flatten_types(&f, "tweets,cats"), -1);
	CHECK("types: ... named", strstr(f.err, "cats") != NULL);
	tw_json_free(&j);
	tw_flatten_free(&f);
	tw_buf_free(&out);
}

static void
test_options(void)
{
	struct tw_flatten f;
	struct tw_buf out = TW_BUF_INIT;
	const char *names[TW_FLAT_MAXF];
	int n;

	/* NAME=PATH fields, found in the tweet or the document around it. */
	tw_flatten_init(&f);
	CHECK_INT("NAME=PATH: select 0", tw_flatten_select(&f,
	    "id,pm=data.public_metrics.like_count,who=includes.users.0.name,"
	    "x=no.such.path"), 0);
	flat(&f, v2_line, &out);
	CHECK_STR("NAME=PATH: values as JSON, null when absent", str(&out),
	    "{\"id\":\"1440717170493689866\",\"pm\":5,\"who\":\"Ana\",\"x\":null}\n");
	n = tw_flatten_columns(&f, TW_R_TWEET, names, TW_FLAT_MAXF);
	CHECK("columns: the names in output order", n == 4 &&
	    strcmp(names[0], "id") == 0 && strcmp(names[1], "pm") == 0 &&
	    strcmp(names[3], "x") == 0);
	tw_flatten_free(&f);

	/* Record types: users beside tweets, each user once per document. */
	tw_flatten_init(&f);
	CHECK_INT("types: tweets,users 0", tw_flatten_types(&f, "tweets,users"), 0);
	tw_flatten_select(&f, "id,username");
	flat(&f, v2_page, &out);
	CHECK_STR("types: two tweets, then their author once", str(&out),
	    "{\"id\":\"2\",\"username\":\"ana\"}\n{\"id\":\"3\",\"username\":\"ana\"}\n"
	    "{\"id\":\"12\",\"username\":\"ana\"}\n");
	CHECK_UINT("types: users counted", f.n_out[TW_R_USER], 1);
	tw_flatten_free(&f);

	/* Time parts. */
	tw_flatten_init(&f);
	tw_flatten_time_parts(&f);
	n = tw_flatten_columns(&f, TW_R_TWEET, names, TW_FLAT_MAXF);
	{
		int i, found = 0;

		for (i = 0; i < n; i++)
			found += strcmp(names[i], "year") == 0 ||
			    strcmp(names[i], "month") == 0 ||
			    strcmp(names[i], "day") == 0 || strcmp(names[i], "hour") == 0;
		CHECK_INT("time parts: year, month, day, hour among the columns",
		    found, 4);
	}
	flat(&f, v2_line, &out);
	CHECK("time parts: in the record", strstr(str(&out), "\"year\":2021") &&
	    strstr(str(&out), "\"hour\":16"));
	tw_flatten_free(&f);

	/* De-duplication by id. */
	tw_flatten_init(&f);
	tw_flatten_dedup(&f, 100);
	tw_flatten_select(&f, "id");
	flat(&f, v2_line, &out);
	CHECK_INT("dedup: the first time written", out.len > 0, 1);
	flat(&f, v2_line, &out);
	CHECK_INT("dedup: the second time not", out.len, 0);
	CHECK_UINT("dedup: counted", f.n_dups, 1);
	flat(&f, v2_page, &out);
	CHECK_STR("dedup: other ids still written", str(&out),
	    "{\"id\":\"2\"}\n{\"id\":\"3\"}\n");
	tw_flatten_free(&f);
	tw_buf_free(&out);
}

int
main(void)
{
	test_v2();
	test_v1();
	test_flat_and_kinds();
	test_bad();
	test_options();
	return tap_done();
}
