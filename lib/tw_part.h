/*
 * Hive-style partition paths: a pattern such as
 * "year=%Y/month=%m/day=%d/lang=%{lang}" compiled once, then a relative
 * directory built for each record from its time and field values.
 *
 * Values are escaped as Hive's FileUtils.escapePathName does ('%XX' for
 * control characters and "#%'*\/:=?\\{[]^), and "." and ".." are escaped
 * too, so no value can add, leave or rename a directory level; an empty
 * or missing value is __HIVE_DEFAULT_PARTITION__.
 */
#ifndef TW_PART_H
#define TW_PART_H

#include <stddef.h>
#include <stdint.h>

#include "tw_buf.h"

#define TW_PART_DEFAULT "__HIVE_DEFAULT_PARTITION__"
#define TW_PART_MAX_COMPONENT 200	/* bytes in one directory name */

enum { TW_PART_LIT, TW_PART_TIME, TW_PART_FIELD };

struct tw_part_seg {
	int kind;
	char conv;		/* TW_PART_TIME: one of Y m d H M j */
	char *text;		/* TW_PART_LIT text, TW_PART_FIELD field name */
	size_t len;
};

struct tw_part_pat {
	struct tw_part_seg *segs;
	int nsegs;
};

/*
 * Compiles pattern into pat. Returns 0, or -1 with a message in err:
 * an absolute or empty pattern, an empty, "." or ".." component, a bad
 * %{field} or an unknown conversion.
 */
int tw_part_compile(struct tw_part_pat *pat, const char *pattern,
    char *err, size_t errlen);
void tw_part_free(struct tw_part_pat *pat);

/* Appends the escaped form of the value s[0..n) to b. */
void tw_part_escape(struct tw_buf *b, const char *s, size_t n);

/*
 * The raw value of a field for a record: appended to val (left empty
 * for a missing or null field).
 */
typedef void (*tw_part_value_fn)(void *ctx, struct tw_buf *val,
    const char *field, size_t len);

/*
 * Builds the relative directory into out (reset first) for a record
 * whose time is *ms (NULL: it has none, so time parts are the default
 * partition). Returns 0, or -1 with *err set when a component would be
 * longer than TW_PART_MAX_COMPONENT.
 */
int tw_part_path(const struct tw_part_pat *pat, struct tw_buf *out,
    const int64_t *ms, tw_part_value_fn value, void *ctx, const char **err);

#endif
