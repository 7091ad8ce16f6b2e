/*
 * tw_csv: RFC 4180 CSV output through libcsv.
 *
 * Text fields are always quoted (libcsv's csv_write), so an empty string
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
 * Appends JSON value v as one CSV field: strings decoded (NUL bytes
 * removed) and quoted, numbers and booleans bare, null empty, arrays and
 * objects as compact JSON text, quoted.
 */
void tw_csv_add_value(struct tw_buf *b, const struct tw_json *j,
    const struct tw_jval *v);

#endif
