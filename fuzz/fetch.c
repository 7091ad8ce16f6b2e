/*
 * tw-gen fetch's response handling (lib/tw_api.c): any bytes as a search
 * page, an error body, a header line, a stream line and a rules line.
 * A page is always written as exactly one line of valid JSON; messages
 * never carry control characters other than their newlines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tw_api.h"

/* No control character except the newline ending each message. */
static void
check_msgs(const struct tw_buf *b)
{
	size_t i;

	for (i = 0; i < b->len; i++)
		FUZZ_ASSERT((unsigned char)b->p[i] >= 0x20 || b->p[i] == '\n');
	FUZZ_ASSERT(b->len == 0 || b->p[b->len - 1] == '\n');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct tw_json j, k;
	struct tw_api_page pg;
	struct tw_api_rate r;
	struct tw_buf msg = TW_BUF_INIT, v = TW_BUF_INIT, t = TW_BUF_INIT;
	const char *err = NULL;
	int rc;

	tw_json_init(&j);
	tw_json_init(&k);
	tw_api_page_init(&pg);
	if (tw_api_page_parse(&pg, &j, s, size) == 0) {
		/* One line, ending in its newline, that parses again. */
		FUZZ_ASSERT(pg.line.len > 0 && pg.line.p[pg.line.len - 1] == '\n');
		FUZZ_ASSERT(memchr(pg.line.p, '\n', pg.line.len - 1) == NULL);
		FUZZ_ASSERT(tw_json_parse(&k, pg.line.p, pg.line.len - 1) ==
		    TW_JSON_OK);
		FUZZ_ASSERT(k.v[0].type == TW_JOBJ);
		FUZZ_ASSERT(pg.newest_id.len == 0 ||
		    tw_api_id_valid(pg.newest_id.p, pg.newest_id.len));
		FUZZ_ASSERT(pg.next_token.len == 0 ||
		    memchr(pg.next_token.p, '\0', pg.next_token.len) == NULL);
		check_msgs(&pg.errors);
	} else {
		FUZZ_ASSERT(pg.line.len == 0);
	}

	if (tw_api_problem(&msg, &j, s, size) == 0) {
		FUZZ_ASSERT(msg.len > 0);
		tw_buf_addc(&msg, '\n');
		check_msgs(&msg);
	} else {
		FUZZ_ASSERT(msg.len == 0);
	}

	tw_buf_reset(&msg);
	switch (tw_api_stream_line(&j, s, size, &msg)) {
	case TW_API_KEEPALIVE:
	case TW_API_OTHER:
		FUZZ_ASSERT(msg.len == 0);
		break;
	case TW_API_DISCONNECT:
		FUZZ_ASSERT(msg.len > 0);
		/* fall through */
	default:
		check_msgs(&msg);
	}

	tw_api_rate_init(&r);
	if (tw_api_rate_header(&r, s, size)) {
		FUZZ_ASSERT(r.limit >= 0 || r.remaining >= 0 || r.reset >= 0);
		FUZZ_ASSERT(tw_api_rate_wait(&r, 1, 1700000000000LL, 900000) >= 1000);
	}
	FUZZ_ASSERT(tw_api_rate_wait(&r, 0, 1700000000000LL, 900000) <= 900000);

	rc = tw_api_rule_parse(&j, s, size, &v, &t, &err);
	if (rc == 1)
		FUZZ_ASSERT(v.len > 0 && tw_utf8_valid_prefix(v.p, v.len) == v.len);
	else if (rc == -1)
		FUZZ_ASSERT(err != NULL);

	if (size >= 2)
		(void)tw_api_id_cmp(s, size / 2, s + size / 2, size - size / 2);

	tw_api_page_free(&pg);
	tw_buf_free(&msg);
	tw_buf_free(&v);
	tw_buf_free(&t);
	tw_json_free(&j);
	tw_json_free(&k);
	return 0;
}
