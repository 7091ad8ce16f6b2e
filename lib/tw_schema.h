/*
 * tw_schema: the record types twpipe writes and their fields, in output
 * order. One table serves tw-flatten (what to write), field selection,
 * CSV headers and tw-load (column types). man/twpipe.7 documents it.
 */
#ifndef TW_SCHEMA_H
#define TW_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

enum tw_ftype {
	TW_F_STR,	/* text */
	TW_F_ID,	/* 64-bit id, written as a decimal string */
	TW_F_INT,	/* integer */
	TW_F_NUM,	/* floating point */
	TW_F_BOOL,
	TW_F_TIME,	/* ISO 8601 UTC text */
	TW_F_JSON	/* array or object */
};

#define TW_TWEET_FIELDS(X) \
	X(record_type, STR) X(id, ID) X(created_at, TIME) X(ts, INT) \
	X(year, INT) X(month, INT) X(day, INT) X(hour, INT) \
	X(author_id, ID) X(username, STR) X(name, STR) \
	X(followers_count, INT) X(following_count, INT) X(tweet_count, INT) \
	X(verified, BOOL) X(user_location, STR) X(lang, STR) X(text, STR) \
	X(source, STR) X(conversation_id, ID) \
	X(is_retweet, BOOL) X(is_reply, BOOL) X(is_quote, BOOL) \
	X(retweeted_id, ID) X(retweeted_user_id, ID) \
	X(in_reply_to_id, ID) X(in_reply_to_user_id, ID) \
	X(quoted_id, ID) X(quoted_user_id, ID) \
	X(retweet_count, INT) X(reply_count, INT) X(like_count, INT) \
	X(quote_count, INT) X(impression_count, INT) X(engagement, INT) \
	X(hashtags, JSON) X(mentions, JSON) X(urls, JSON) X(media, JSON) \
	X(place_id, STR) X(place_name, STR) X(country, STR) \
	X(country_code, STR) X(lon, NUM) X(lat, NUM) X(matching_rules, JSON) \
	X(kafka_topic, STR) X(kafka_partition, INT) X(kafka_offset, INT) X(kafka_ts, INT) \
	X(possibly_sensitive, BOOL) X(reply_settings, STR) X(cashtags, JSON) \
	X(mention_ids, JSON) X(edit_history_tweet_ids, JSON) \
	X(editable_until, TIME) X(edits_remaining, INT) \
	X(context_domains, JSON) X(context_entities, JSON) \
	X(annotations, JSON) X(poll_ids, JSON) X(withheld, JSON) \
	X(verified_type, STR)

#define TW_USER_FIELDS(X) \
	X(record_type, STR) X(id, ID) X(username, STR) X(name, STR) \
	X(created_at, TIME) X(description, STR) X(location, STR) X(url, STR) \
	X(verified, BOOL) X(protected, BOOL) X(followers_count, INT) \
	X(following_count, INT) X(tweet_count, INT) X(listed_count, INT) \
	X(profile_image_url, STR) X(verified_type, STR) X(pinned_tweet_id, ID) \
	X(ts, INT)

#define TW_PLACE_FIELDS(X) \
	X(record_type, STR) X(id, STR) X(full_name, STR) X(name, STR) \
	X(country, STR) X(country_code, STR) X(place_type, STR) \
	X(lon, NUM) X(lat, NUM) X(bbox, JSON) X(ts, INT)

#define TW_MEDIA_FIELDS(X) \
	X(record_type, STR) X(media_key, STR) X(tweet_id, ID) X(type, STR) \
	X(url, STR) X(preview_image_url, STR) X(width, INT) X(height, INT) \
	X(duration_ms, INT) X(view_count, INT) X(alt_text, STR) X(ts, INT)

#define TW_HASHTAG_FIELDS(X) \
	X(record_type, STR) X(tweet_id, ID) X(tag, STR) X(created_at, TIME) \
	X(ts, INT) X(author_id, ID) X(lang, STR)

#define TW_POLL_FIELDS(X) \
	X(record_type, STR) X(tweet_id, ID) X(id, ID) X(ts, INT) \
	X(options, JSON) X(votes, INT) X(voting_status, STR) \
	X(duration_minutes, INT) X(end_datetime, TIME)

/*
 * The JSON fields that hold a list of strings (the rest hold objects:
 * media, poll options, a place's bbox of numbers), for readers that type
 * a column by its contents, as Hive's ARRAY<STRING>.
 */
#define TW_STRLIST_FIELDS \
	"hashtags", "mentions", "urls", "matching_rules", "cashtags", \
	"mention_ids", "edit_history_tweet_ids", "context_domains", \
	"context_entities", "annotations", "poll_ids", "withheld"

#define TW_ENUM_T(n, t) TWF_T_##n,
#define TW_ENUM_U(n, t) TWF_U_##n,
#define TW_ENUM_P(n, t) TWF_P_##n,
#define TW_ENUM_M(n, t) TWF_M_##n,
#define TW_ENUM_H(n, t) TWF_H_##n,
#define TW_ENUM_O(n, t) TWF_O_##n,
enum { TW_TWEET_FIELDS(TW_ENUM_T) TWF_T_N };
enum { TW_USER_FIELDS(TW_ENUM_U) TWF_U_N };
enum { TW_PLACE_FIELDS(TW_ENUM_P) TWF_P_N };
enum { TW_MEDIA_FIELDS(TW_ENUM_M) TWF_M_N };
enum { TW_HASHTAG_FIELDS(TW_ENUM_H) TWF_H_N };
enum { TW_POLL_FIELDS(TW_ENUM_O) TWF_O_N };

enum tw_rtype {
	TW_R_TWEET, TW_R_USER, TW_R_PLACE, TW_R_MEDIA, TW_R_HASHTAG, TW_R_POLL,
	TW_R_N
};

struct tw_field {
	const char *name;
	enum tw_ftype type;
};

struct tw_rdef {
	const char *name;	/* "tweet": the record_type value */
	const char *plural;	/* "tweets": the default table name */
	const char *key;	/* primary key, comma-separated fields */
	const struct tw_field *fields;
	int nfields;
};

extern const struct tw_rdef tw_rdefs[TW_R_N];

/* The record type named name (singular or plural), or -1. */
int tw_rtype_lookup(const char *name, size_t len);

/* The index of field name in record type t, or -1. */
int tw_field_lookup(enum tw_rtype t, const char *name, size_t len);

/* 1 when a JSON field of that name holds a list of strings. */
int tw_field_strlist(const char *name);

#endif
