#include <stddef.h>
#include <string.h>

#include "tw_schema.h"

#define TW_DEF(n, t) { #n, TW_F_##t },
static const struct tw_field tweet_f[] = { TW_TWEET_FIELDS(TW_DEF) };
static const struct tw_field user_f[] = { TW_USER_FIELDS(TW_DEF) };
static const struct tw_field place_f[] = { TW_PLACE_FIELDS(TW_DEF) };
static const struct tw_field media_f[] = { TW_MEDIA_FIELDS(TW_DEF) };
static const struct tw_field hashtag_f[] = { TW_HASHTAG_FIELDS(TW_DEF) };
static const struct tw_field poll_f[] = { TW_POLL_FIELDS(TW_DEF) };

const struct tw_rdef tw_rdefs[TW_R_N] = {
	{ "tweet", "tweets", "id", tweet_f, TWF_T_N },
	{ "user", "users", "id", user_f, TWF_U_N },
	{ "place", "places", "id", place_f, TWF_P_N },
	{ "media", "media", "media_key,tweet_id", media_f, TWF_M_N },
	{ "hashtag", "hashtags", "tweet_id,tag", hashtag_f, TWF_H_N },
	/* A tweet has one poll; a v1.1 poll has no id of its own. */
	{ "poll", "polls", "tweet_id", poll_f, TWF_O_N },
};

int
tw_rtype_lookup(const char *name, size_t len)
{
	int t;

	for (t = 0; t < TW_R_N; t++) {
		if ((strlen(tw_rdefs[t].name) == len &&
		    memcmp(tw_rdefs[t].name, name, len) == 0) ||
		    (strlen(tw_rdefs[t].plural) == len &&
		    memcmp(tw_rdefs[t].plural, name, len) == 0))
			return t;
	}
	return -1;
}

int
tw_field_lookup(enum tw_rtype t, const char *name, size_t len)
{
	int i;

	for (i = 0; i < tw_rdefs[t].nfields; i++)
		if (strlen(tw_rdefs[t].fields[i].name) == len &&
		    memcmp(tw_rdefs[t].fields[i].name, name, len) == 0)
			return i;
	return -1;
}

int
tw_field_strlist(const char *name)
{
	static const char *const lists[] = { TW_STRLIST_FIELDS, NULL };
	const char *const *l;

	for (l = lists; *l; l++)
		if (strcmp(*l, name) == 0)
			return 1;
	return 0;
}
