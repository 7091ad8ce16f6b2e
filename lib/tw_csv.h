/*
 * tw_csv: RFC 4180 CSV output.
 *
 * Text fields are always quoted, '"' doubled (as libcsv's csv_write
 * writes them: tests/unit/test_csv.c checks the two agree), so an empty string
 * ("") and a missing value (an empty unquoted field) stay distinct.
 * Numbers and booleans are written bare. Records end with CRLF only if
 * asked; twpipe writes LF by default, as most loaders expect.
 */
#ifndef TW_CSV_H
#define TW_CSV_H

#include <stddef.h>

#include "tw_buf.h"
#include "tw_json.h"

/* Appends s[0..n) as a quoted CSV field (no separator). */
void tw_csv_add_quoted(struct tw_buf *b, const char *s, size_t n);

/*
 * Appends q[0..n) as a quoted CSV field, without the NUL after it that
 * tw_csv_add_quoted writes; with json, q is the inside of a JSON string
 * in canonical form (only \" \\ \b \f \n \r \t and \u00XX escapes, as
 * tw_json's emitters write them), decoded on the way, NUL bytes left out.
 */
void tw_csv_quote(struct tw_buf *b, const char *q, size_t n, int json);

/*
 * Appends JSON value v as one CSV field: strings decoded (NUL bytes
 * removed) and quoted, numbers and booleans bare, null empty, arrays and
 * objects as compact JSON text, quoted.
 */
void tw_csv_add_value(struct tw_buf *b, const struct tw_json *j,
    const struct tw_jval *v);

#endif
