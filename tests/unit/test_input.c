/* Unit tests for lib/tw_input: documents stuck together on one line.
 * Files are written into the current directory (a temp dir of the runner). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tw_buf.h"
#include "tw_input.h"
#include "tw_json.h"
#include "tw_reader.h"
#include "tap.h"

static void
write_file(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(s, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/*
 * Reads path through tw_input and describes each event on one line of
 * out: "DOC 3 <json>" (line number, the document re-emitted), "BAD 2
 * <raw>", "BLANK 4"; raw text has newlines shown as '|'.
 */
static size_t
describe(const char *path, int multiline, struct tw_buf *out)
{
	char *files[1];
	struct tw_reader r;
	struct tw_json j;
	struct tw_input in;
	enum tw_in_status st;
	size_t n = 0, i;

	files[0] = (char *)path;
	tw_reader_open(&r, files, 1);
	tw_json_init(&j);
	tw_input_init(&in, &r, &j);
	in.multiline = multiline;
	tw_buf_reset(out);
	while ((st = tw_input_next(&in)) != TW_IN_EOF) {
		char num[32];

		n++;
		snprintf(num, sizeof num, " %llu", (unsigned long long)in.lineno);
		tw_buf_adds(out, st == TW_IN_DOC ? "DOC" : st == TW_IN_BAD ? "BAD" :
		    st == TW_IN_BLANK ? "BLANK" : "IOERR");
		tw_buf_adds(out, num);
		if (st == TW_IN_DOC) {
			tw_buf_addc(out, ' ');
			tw_json_emit(out, &j, &j.v[0]);
			if (in.cr)
				tw_buf_adds(out, " CR");
		} else if (st == TW_IN_BAD) {
			tw_buf_addc(out, ' ');
			for (i = 0; i < in.rawlen; i++)
				tw_buf_addc(out, in.raw[i] == '\n' ? '|' : in.raw[i]);
		}
		tw_buf_addc(out, '\n');
	}
	tw_input_free(&in);
	tw_json_free(&j);
	tw_reader_close(&r);
	return n;
}

static void
expect(const char *name, const char *input, int multiline, const char *want)
{
	struct tw_buf got = TW_BUF_INIT;

	write_file("in.json", input, strlen(input));
	describe("in.json", multiline, &got);
	CHECK_STR(name, got.p, want);
	tw_buf_free(&got);
}

int
main(void)
{
	struct tw_buf b = TW_BUF_INIT, got = TW_BUF_INIT;
	size_t i, n;

	expect("two objects stuck together",
	    "{\"a\":1}{\"b\":2}\n", 1,
	    "DOC 1 {\"a\":1}\nDOC 1 {\"b\":2}\n");
	expect("three, with spaces and an array between",
	    "{\"a\":1} [1,2]\t{\"b\":2}\n{\"c\":3}\n", 1,
	    "DOC 1 {\"a\":1}\nDOC 1 [1,2]\nDOC 1 {\"b\":2}\nDOC 2 {\"c\":3}\n");
	expect("the last piece keeps the line's CR LF",
	    "{\"a\":1}{\"b\":2}\r\n", 1,
	    "DOC 1 {\"a\":1}\nDOC 1 {\"b\":2} CR\n");
	expect("a document then junk is one bad line",
	    "{\"a\":1} junk\n{\"b\":2}\n", 1,
	    "BAD 1 {\"a\":1} junk\nDOC 2 {\"b\":2}\n");
	expect("a scalar is not split off",
	    "1{\"a\":1}\n", 1,
	    "BAD 1 1{\"a\":1}\n");
	expect("good pieces, then a bad one: the rest of the line is bad",
	    "{\"a\":1}{\"b\":2}{\"c\" 3}\n{\"d\":4}\n", 1,
	    "DOC 1 {\"a\":1}\nDOC 1 {\"b\":2}\nBAD 1 {\"c\" 3}\nDOC 2 {\"d\":4}\n");
	expect("a stuck document cut short at the end of the file",
	    "{\"a\":1}{\"b\":", 1,
	    "DOC 1 {\"a\":1}\nBAD 1 {\"b\":\n");
	expect("a stuck document that goes on over the next lines",
	    "{\"a\":1}{\n  \"b\": 2\n}\n{\"c\":3}\n", 1,
	    "DOC 1 {\"a\":1}\nDOC 1 {\"b\":2}\nDOC 4 {\"c\":3}\n");
	expect("pretty documents saved without final newlines",
	    "{\n  \"a\": 1\n}{\n  \"b\": 2\n}{\n  \"c\": 3\n}\n", 1,
	    "DOC 1 {\"a\":1}\nDOC 3 {\"b\":2}\nDOC 5 {\"c\":3}\n");
	expect("a pretty document, then a compact one on its last line",
	    "{\n  \"a\": [1,\n 2]\n}{\"b\":2}{\"c\":3}\n", 1,
	    "DOC 1 {\"a\":[1,2]}\nDOC 4 {\"b\":2}\nDOC 4 {\"c\":3}\n");
	expect("without --multiline a stuck document cut short is bad",
	    "{\"a\":1}{\n\"b\":2}\n", 0,
	    "DOC 1 {\"a\":1}\nBAD 1 {\nBAD 2 \"b\":2}\n");
	expect("a cut NDJSON line still costs one record",
	    "{\"a\":1}{\"b\":\n{\"c\":3}\n", 1,
	    "DOC 1 {\"a\":1}\nBAD 1 {\"b\":\nDOC 2 {\"c\":3}\n");

	/* Many documents on one line: linear (each parsed at most twice). */
	tw_buf_reset(&b);
	for (i = 0; i < 200000; i++)
		tw_buf_adds(&b, "{\"i\":1}");
	tw_buf_addc(&b, '\n');
	write_file("many.json", b.p, b.len);
	n = describe("many.json", 1, &got);
	CHECK_UINT("200000 documents on one line are 200000 documents", n, 200000);
	CHECK("all on line 1", strstr(got.p, "DOC 2") == NULL);

	tw_buf_free(&b);
	tw_buf_free(&got);
	return tap_done();
}
