/*
 * types.c: the column type of a field by its name, from the schema of
 * lib/tw_schema.h, for SQL tables; man/tw-load.1 (TYPES) documents it.
 *
 * Known record types take their fields' types. Aggregate tables (tw-agg
 * output) take, for each group field and each first_F / last_F, the type
 * that the schema gives a field so named, so that they join the star
 * schema's tables; names the schema does not know are inferred.
 */
#include <string.h>

#include "load.h"

enum ctype
load_ctype(enum tw_ftype f)
{
	switch (f) {
	case TW_F_ID: return C_ID;
	case TW_F_INT: return C_INT;
	case TW_F_NUM: return C_NUM;
	case TW_F_BOOL: return C_BOOL;
	case TW_F_TIME: return C_TIME;
	case TW_F_JSON: return C_JSON;
	default: return C_STR;
	}
}

/*
 * Text fields whose values the API keeps short (a user name, a language
 * tag, a country code, a hashtag): MySQL stores them as VARCHAR, which
 * can be indexed and grouped fast, rather than LONGTEXT.
 */
static const char *const short_text[] = {
	"username", "name", "lang", "source", "user_location", "location",
	"place_id", "place_name", "full_name", "country", "country_code",
	"place_type", "media_key", "type", "tag", "kafka_topic",
	"reply_settings", "verified_type", "voting_status",
};

int
load_short_len(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof short_text / sizeof short_text[0]; i++)
		if (strlen(short_text[i]) == n && memcmp(short_text[i], name, n) == 0)
			return LOAD_SHORT_LEN;
	return 0;
}

/*
 * Array fields that tw-agg -g splits into one group per element: the
 * group column holds one element, typed as the field it comes from.
 */
static const struct {
	const char *name, *as;
} elements[] = {
	{ "hashtags", "tag" },		/* a hashtag, as hashtags.tag */
	{ "mentions", "username" },	/* a user name, as users.username */
	{ "cashtags", "tag" },		/* a cashtag, as a hashtag */
	{ "mention_ids", "author_id" },	/* a user id */
};

int
load_known_type(const char *name, size_t n, enum ctype *type, int *vlen)
{
	int t, f, found = 0;
	enum ctype ct = C_NONE, c;
	size_t i;

	for (i = 0; i < sizeof elements / sizeof elements[0]; i++)
		if (strlen(elements[i].name) == n &&
		    memcmp(elements[i].name, name, n) == 0) {
			name = elements[i].as;
			n = strlen(name);
			break;
		}
	if (n == 11 && memcmp(name, "record_type", 11) == 0)
		return 0;
	for (t = 0; t < TW_R_N; t++) {
		f = tw_field_lookup(t, name, n);
		if (f < 0)
			continue;
		c = load_ctype(tw_rdefs[t].fields[f].type);
		if (found && c != ct)
			return 0;	/* places.id is text, tweets.id an id */
		ct = c;
		found = 1;
	}
	if (!found || ct == C_JSON)
		return 0;
	*type = ct;
	*vlen = ct == C_STR ? load_short_len(name, n) : 0;
	return 1;
}
