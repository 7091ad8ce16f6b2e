#!/usr/bin/env bash
# batch.sh: the batch part of the socket pipeline, run by cron every 5
# minutes (crontab.txt). Replaces the Hive landing -> raw -> processed jobs
# and the dashboard refresh. Each run reads only what is new: the landing
# parts published since the last run, and the hours they belong to, so
# its cost does not grow with the history.
#
#   landing/record_type=T/year=Y/month=M/day=D/hour=H/part-*.ndjson.gz  (collector.sh)
#     -> raw: WAREHOUSE/raw/{tweets,users,places,media,hashtags}/year=../hour=../
#        each changed hour rebuilt from its landing parts, each record once
#        (a tweet sent twice after a crash lands twice, is kept once), as
#        Parquet parts (typed columns; WAREHOUSE_FORMAT=ndjson: gzip NDJSON);
#        and the same records upserted into SQLite (DB) for the dashboard
#     -> processed: WAREHOUSE/processed/{user_activity,users_tweets,
#        totals_metrics}/year=../hour=../ for each changed hour of tweets
#        (the seed's facts, per hour of the tweets, from its landing parts),
#        Parquet too, upserted into DB, and kept as NDJSON in WORK/serve/
#        for the dashboard
#     -> dashboard: tw-plot dashboard of the last DASH_HOURS hours -> WWW
#     -> ddl: Hive DDL for the new partitions of every table -> appended to DDL
#        (STORED AS PARQUET for the Parquet layers)
#
# The landing stays gzip NDJSON: it is what the tools read again (a
# rebuilt hour, a quarantined part), and the collector's acknowledgements
# need a part published as soon as its records are on disk.
#
# Steps: `batch.sh` runs them all in order; `batch.sh raw processed`, and so
# on, runs some. A step that fails stops the run with status 1 and a
# message; what it had not finished is done again by the next run (every
# write is keyed or replaces a whole hour, so doing it twice changes
# nothing). A landing part that cannot be read whole (cut short, damaged)
# is moved to WORK/bad/, its whole records are landed again as a new part,
# and the rest is kept in WORK/bad/*.rejects: one bad part is reported,
# not a wall.
#
# Env: LANDING (landing), WAREHOUSE (warehouse), DB (warehouse.db), WWW
# (www), DDL (warehouse.hql), WORK (batch-work: what was read, what is
# pending), DASH_HOURS (24), WAREHOUSE_FORMAT (parquet, or ndjson). The
# Hive tables' locations are file:// URIs of
# the directories (tw-load -d hive --location names others).
set -u -o pipefail
LANDING=${LANDING:-landing}
WAREHOUSE=${WAREHOUSE:-warehouse}
DB=${DB:-warehouse.db}
WWW=${WWW:-www}
DDL=${DDL:-warehouse.hql}
WORK=${WORK:-batch-work}
DASH_HOURS=${DASH_HOURS:-24}
WAREHOUSE_FORMAT=${WAREHOUSE_FORMAT:-parquet}
case $WAREHOUSE_FORMAT in
parquet) FMT=(--format parquet) ;;
ndjson) FMT=() ;;
*) echo "batch.sh: WAREHOUSE_FORMAT is parquet or ndjson" >&2; exit 2 ;;
esac
HOUR='year=%Y/month=%m/day=%d/hour=%H'
TYPES='tweet user place media hashtag'
me=batch.sh

log() { printf '%s %s: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$me" "$*" >&2; }
plural() { case $1 in media) echo media ;; *) echo "${1}s" ;; esac; }

mkdir -p "$WORK" "$WAREHOUSE" || exit 1
touch "$WORK/parts.done" "$WORK/hours.raw" "$WORK/hours.facts" "$WORK/ddl.pending" || exit 1

# Published landing parts (names starting with '.' are being written).
parts() { find "$LANDING" -name 'part-*' -type f 2> /dev/null | LC_ALL=C sort; }
# sort -u of a file, in place.
sortu() { LC_ALL=C sort -u "$1" -o "$1"; }

# swap NEW DIR: DIR (a partition) becomes NEW's content, whole.
swap() {
	mkdir -p "$(dirname "$2")" || return 1
	if [ -e "$2" ]; then
		mv "$2" "$2.old.$$" && mv "$1" "$2" && rm -rf "$2.old.$$"
	else
		mv "$1" "$2"
	fi
}

# scan: the new parts (not in parts.done) into WORK/new.list, each checked
# whole first; their hours (T HOURDIR) go to hours.raw.
scan() {
	parts | LC_ALL=C comm -23 - "$WORK/parts.done" > "$WORK/new.list" || return 1
	local p bad=0
	while read -r p; do
		gzip -t "$p" 2> /dev/null && continue
		quarantine "$p" || return 1
		bad=1
	done < "$WORK/new.list"
	# The parts that replaced bad ones are new too.
	[ $bad = 1 ] && { parts | LC_ALL=C comm -23 - "$WORK/parts.done" > "$WORK/new.list" || return 1; }
	sed -n "s|^$LANDING/record_type=\([a-z]*\)/\(.*\)/part-[^/]*\$|\1 \2|p" "$WORK/new.list" >> "$WORK/hours.raw"
	sortu "$WORK/hours.raw"
	log "scan: $(wc -l < "$WORK/new.list") new parts, $(wc -l < "$WORK/hours.raw") hours to rebuild"
}

# quarantine PART: moves a damaged part out of the landing and lands its
# whole records again (the rest goes to WORK/bad/NAME.rejects).
quarantine() {
	local p=$1 name rc
	name=$(printf '%s' "${p#"$LANDING"/}" | tr / _)
	mkdir -p "$WORK/bad" && mv "$p" "$WORK/bad/$name" || return 1
	tw-load -q -p "record_type=%{record_type}/$HOUR" -o "$LANDING" \
		-r "$WORK/bad/$name.rejects" "$WORK/bad/$name" 2> "$WORK/bad/$name.err"
	rc=$?
	# Status 1 is expected (the part is damaged), but nothing else may
	# have failed: then the part goes back, for the next run.
	if [ $rc -gt 1 ] || grep -E -q 'write error|No space|cannot|denied|failed' "$WORK/bad/$name.err"; then
		log "scan: $p is damaged, and landing its records again failed: $(head -n 1 "$WORK/bad/$name.err")"
		mv "$WORK/bad/$name" "$p"
		return 1
	fi
	log "scan: $p is damaged ($(grep -m 1 'gzip data' "$WORK/bad/$name.err")): moved to $WORK/bad/$name, its whole records landed again, $(wc -l < "$WORK/bad/$name.rejects" 2> /dev/null || echo 0) lines kept in $name.rejects"
}

# raw: the new parts into SQLite (upsert by key), then each changed hour
# of each record type rebuilt in WAREHOUSE/raw from all its landing parts.
raw() {
	scan || return 1
	if [ -s "$WORK/new.list" ]; then
		xargs -d '\n' cat < "$WORK/new.list" | tw-flatten -q -t all -u | tw-load -q |
			sqlite3 -bail "$DB" || return 1
	fi
	local t h p n=0
	while read -r t h; do
		p=$(plural "$t")
		rm -rf "$WORK/tmp" && mkdir -p "$WORK/tmp" || return 1
		landed "$t" "$h" | tw-flatten -q -t all -u |
			tw-load -q -p "$HOUR" -o "$WORK/tmp" "${FMT[@]}" || return 1
		[ -d "$WORK/tmp/$h" ] || mkdir -p "$WORK/tmp/$h"
		swap "$WORK/tmp/$h" "$WAREHOUSE/raw/$p/$h" || return 1
		[ "$t" = tweet ] && echo "$h" >> "$WORK/hours.facts"
		echo "raw/$p $h" >> "$WORK/ddl.pending"
		echo "landing/$p $h" >> "$WORK/ddl.pending"
		n=$((n + 1))
	done < "$WORK/hours.raw"
	sortu "$WORK/hours.facts"
	sortu "$WORK/ddl.pending"
	# Done: these parts and hours are not read again.
	cat "$WORK/new.list" >> "$WORK/parts.done" && sortu "$WORK/parts.done" &&
		: > "$WORK/hours.raw" || return 1
	log "raw: $(wc -l < "$WORK/new.list") parts loaded into $DB, $n hours rebuilt"
}

# landed T HOUR: the landing parts of record type T and that hour, as read.
landed() {
	find "$LANDING/record_type=$1/$2" -name 'part-*' -type f -print0 2> /dev/null |
		xargs -0 -r cat
}
# serve FACT HOUR: the NDJSON copy of a fact's hour, for the dashboard.
serve() { echo "$WORK/serve/$1/$(echo "$2" | tr / _).ndjson"; }

# processed: the facts of each changed hour of tweets, from its tweets (the
# landing's, each once: what raw holds, in the form the tools read).
processed() {
	local h n=0 d=$WORK/facts
	while read -r h; do
		rm -rf "$d" && mkdir -p "$d" || return 1
		landed tweet "$h" | tw-flatten -q -t all -u > "$d/tweets.ndjson" || return 1
		# user_activity: per hour and author. totals_metrics: per hour,
		# distinct authors exact at any size. users_tweets: each tweet
		# with its author's name and audience.
		tw-agg -q -w 1h -g author_id \
			-a count,sum:engagement,avg:engagement,max:followers_count,last:username,first:created_at,last:created_at \
			"$d/tweets.ndjson" > "$d/user_activity.ndjson" &&
		tw-agg -q -w 1h -a count,sum:engagement,avg:engagement,distinct:author_id:exact,distinct:lang \
			"$d/tweets.ndjson" > "$d/totals_metrics.ndjson" &&
		tw-flatten -q -f id,created_at,author_id,username,name,followers_count,lang,engagement,text \
			"$d/tweets.ndjson" > "$d/users_tweets.ndjson" || return 1
		for f in user_activity totals_metrics users_tweets; do
			rm -rf "$d/out" &&
				tw-load -q -p "$HOUR" -o "$d/out" "${FMT[@]}" "$d/$f.ndjson" || return 1
			[ -d "$d/out/$h" ] || mkdir -p "$d/out/$h"
			swap "$d/out/$h" "$WAREHOUSE/processed/$f/$h" || return 1
			mkdir -p "$WORK/serve/$f" && mv "$d/$f.ndjson" "$(serve $f "$h")" || return 1
			echo "processed/$f $h" >> "$WORK/ddl.pending"
		done
		{
			tw-load -q -t user_activity "$(serve user_activity "$h")" &&
				tw-load -q -t totals_metrics "$(serve totals_metrics "$h")" &&
				tw-load -q -t users_tweets -k id "$(serve users_tweets "$h")"
		} | sqlite3 -bail "$DB" || return 1
		n=$((n + 1))
	done < "$WORK/hours.facts"
	sortu "$WORK/ddl.pending"
	: > "$WORK/hours.facts"
	log "processed: $n hours of facts"
}

# The NDJSON of FACT's last DASH_HOURS hours (names sort by time).
recent() {
	find "$WORK/serve/$1" -name '*.ndjson' -type f 2> /dev/null |
		LC_ALL=C sort | tail -n "$DASH_HOURS" | xargs -r cat
}

# dashboard: the seed's views (activity per user, tweets per user, totals)
# and the languages, from the facts of the last DASH_HOURS hours.
dashboard() {
	local d=$WORK/dash
	mkdir -p "$d" "$WWW" || return 1
	recent user_activity > "$d/user_activity.ndjson" &&
		recent totals_metrics > "$d/totals.ndjson" &&
		recent users_tweets > "$d/users_tweets.ndjson" || return 1
	[ -s "$d/totals.ndjson" ] || { log "dashboard: no facts yet"; return 0; }
	tw-agg -q -g author_id -a sum:count,sum:sum_engagement,last:last_username \
		"$d/user_activity.ndjson" > "$d/per_user.ndjson" &&
		tw-agg -q -g lang -a count,avg:engagement "$d/users_tweets.ndjson" > "$d/by_lang.ndjson" &&
		tw-agg -q -w 1h -g lang -a count "$d/users_tweets.ndjson" > "$d/lang_hourly.ndjson" || return 1
	cat > "$d/dashboard.spec" <<-SPEC
		title Tweets dashboard (last $DASH_HOURS hours)
		refresh 300
		chart line -x window_start -y count --title "Tweets per hour" totals.ndjson
		chart line -x window_start -y distinct_author_id --title "Active users per hour" totals.ndjson
		chart hbar -x last_last_username -y sum_count --sort --limit 15 --title "Tweets per user (top 15)" per_user.ndjson
		chart hbar -x last_last_username -y sum_sum_engagement --sort --limit 15 --title "Activity per user: engagement (top 15)" per_user.ndjson
		chart line -x window_start -y count --by lang --title "Tweets per hour by language" lang_hourly.ndjson
		chart bar -x lang -y avg_engagement --sort --limit 15 --title "Average engagement by language" by_lang.ndjson
	SPEC
	tw-plot dashboard "$d/dashboard.spec" -o "$WWW/index.html" || return 1
	log "dashboard: $WWW/index.html"
}

# ddl: Hive DDL for the partitions made since the last run, appended to
# DDL (each statement is idempotent: IF NOT EXISTS).
ddl() {
	[ -s "$WORK/ddl.pending" ] || return 0
	local table dir n=0
	cut -d' ' -f1 "$WORK/ddl.pending" | LC_ALL=C sort -u > "$WORK/ddl.tables"
	: > "$WORK/ddl.new"
	# The records of a table's new hours, read as NDJSON: the landing
	# parts (for landing and raw tables: the same records), or the facts'
	# NDJSON copies; the Parquet layers' DDL says STORED AS PARQUET, with
	# the types their files have.
	while read -r table; do
		local fmt=("${FMT[@]}") t
		case $table in
		landing/*) t=$(singular "${table#landing/}"); dir=$LANDING/record_type=$t; fmt=() ;;
		raw/*) t=$(singular "${table#raw/}"); dir=$WAREHOUSE/$table ;;
		*) t=; dir=$WAREHOUSE/$table ;;
		esac
		grep "^$table " "$WORK/ddl.pending" | cut -d' ' -f2 | while read -r h; do
			if [ -n "$t" ]; then
				landed "$t" "$h"
			else
				cat "$(serve "${table#processed/}" "$h")" 2> /dev/null
			fi
		done |
			tw-load -q -d hive "${fmt[@]}" -p "$HOUR" -o "$dir" -t "$(echo "$table" | tr / _)" \
			    --add-partitions read >> "$WORK/ddl.new" || return 1
		n=$((n + 1))
	done < "$WORK/ddl.tables"
	cat "$WORK/ddl.new" >> "$DDL" && : > "$WORK/ddl.pending" || return 1
	log "ddl: $n tables, $(grep -c '^  PARTITION (' "$WORK/ddl.new") partitions declared in $DDL"
}
singular() { case $1 in media) echo media ;; *) echo "${1%s}" ;; esac; }

steps=${*:-raw processed dashboard ddl}
for s in $steps; do
	case $s in
	raw | processed | dashboard | ddl) ;;
	*) echo "usage: $me [raw] [processed] [dashboard] [ddl]" >&2; exit 2 ;;
	esac
done
t0=$(date +%s%N)
for s in $steps; do
	if ! "$s"; then
		log "step $s failed; what it had not finished is done again by the next run"
		exit 1
	fi
done
log "done in $((($(date +%s%N) - t0) / 1000000)) ms"
