#!/usr/bin/env bash
# batch.sh: the batch part of the socket pipeline, run by cron every 5
# minutes (crontab.txt). Replaces the Hive landing -> raw -> processed jobs
# and the dashboard refresh. Each step can also be run alone:
#
#   batch.sh raw        landing parts not seen yet -> dimension tables tweets,
#                       users, places, media, hashtags (SQLite, upsert by key,
#                       so a part or a tweet seen twice changes nothing)
#   batch.sh processed  fact tables: user_activity (tw-agg -g author_id),
#                       users_tweets (tweets with their author), totals
#   batch.sh dashboard  tw-plot dashboard -> $WWW/index.html
#   batch.sh ddl        Hive DDL for the landing directory -> $DDL
#   batch.sh            all of them, in that order
#
# Env: LANDING (landing), DB (warehouse.db), WWW (www), DDL (landing.hql),
# WORK (batch-work: the list of parts loaded, the dashboard inputs).
set -u -o pipefail
LANDING=${LANDING:-landing}
DB=${DB:-warehouse.db}
WWW=${WWW:-www}
DDL=${DDL:-landing.hql}
WORK=${WORK:-batch-work}
PATTERN='year=%Y/month=%m/day=%d/hour=%H'
me=batch.sh
mkdir -p "$WORK" || exit 1
touch "$WORK/loaded.list"

# Published parts only: names starting with '.' are still being written.
parts() { find "$LANDING" -name 'part-*.gz' 2> /dev/null | LC_ALL=C sort; }

raw() {
	parts | LC_ALL=C comm -23 - "$WORK/loaded.list" > "$WORK/new.list"
	[ -s "$WORK/new.list" ] || return 0
	# One pass: tw-load sends each record type to its own table.
	xargs zcat < "$WORK/new.list" | tw-load -q | sqlite3 -bail "$DB" || return 1
	LC_ALL=C sort -m "$WORK/loaded.list" "$WORK/new.list" > "$WORK/loaded.new" &&
		mv "$WORK/loaded.new" "$WORK/loaded.list"
}

processed() {
	sqlite3 "$DB" 'SELECT 1 FROM tweets LIMIT 1' > /dev/null 2>&1 || return 0
	# Recomputed from every landed tweet, each id once (a resent tweet is landed twice).
	parts | xargs -r zcat | tw-flatten -q -t tweets --dedup > "$WORK/tweets.ndjson" || return 1
	{
		echo 'DROP TABLE IF EXISTS user_activity; DROP TABLE IF EXISTS totals;'
		tw-agg -q -g author_id,username \
			-a count,sum:engagement,avg:engagement,max:followers_count,first:created_at,last:created_at \
			"$WORK/tweets.ndjson" | tw-load -q -t user_activity -k author_id
		tw-agg -q -a count,sum:engagement,avg:engagement,distinct:author_id,distinct:lang \
			"$WORK/tweets.ndjson" | tw-load -q -t totals --no-key
		echo 'DROP TABLE IF EXISTS users_tweets;'
		echo 'CREATE TABLE users_tweets AS SELECT t.author_id, u.username, u.name, u.followers_count,'
		echo '  t.id AS tweet_id, t.created_at, t.lang, t.engagement, t.text'
		echo '  FROM tweets t LEFT JOIN users u ON u.id = t.author_id;'
	} | sqlite3 -bail "$DB"
}

dashboard() {
	[ -s "$WORK/tweets.ndjson" ] || return 0
	tw-agg -q -w 1m -g lang -a count,avg:engagement "$WORK/tweets.ndjson" > "$WORK/agg_lang.ndjson" &&
		tw-agg -q -a top:hashtags:15 "$WORK/tweets.ndjson" > "$WORK/top.ndjson" &&
		tw-agg -q -g lang -a count,avg:engagement "$WORK/tweets.ndjson" > "$WORK/by_lang.ndjson" || return 1
	cat > "$WORK/dashboard.spec" <<-'SPEC'
		title Tweets dashboard
		refresh 300
		chart line -x window_start -y count --by lang --title "Tweets per minute by language" agg_lang.ndjson
		chart hbar -y top_hashtags --title "Top hashtags" top.ndjson
		chart bar -x lang -y avg_engagement --sort --limit 15 --title "Average engagement by language" by_lang.ndjson
	SPEC
	tw-plot dashboard "$WORK/dashboard.spec" -o "$WWW/index.html"
}

ddl() {
	[ -n "$(parts)" ] || return 0
	# One external table per record type (the collector lands each type in
	# a tree of its own); the columns are learnt from its parts, the
	# partitions from its tree.
	: > "$DDL.tmp" || return 1
	for t in tweet user place media hashtag; do
		d=$LANDING/record_type=$t
		[ -d "$d" ] || continue
		find "$d" -name 'part-*.gz' | LC_ALL=C sort | xargs -r zcat |
			tw-load -q -d hive -p "$PATTERN" -o "$d" -t "landing_${t}s" >> "$DDL.tmp" ||
			return 1
	done
	mv "$DDL.tmp" "$DDL"
}

steps=${*:-raw processed dashboard ddl}
for s in $steps; do
	case $s in
	raw | processed | dashboard | ddl) "$s" || { echo "$me: step $s failed" >&2; exit 1; } ;;
	*) echo "usage: $me [raw] [processed] [dashboard] [ddl]" >&2; exit 2 ;;
	esac
done
