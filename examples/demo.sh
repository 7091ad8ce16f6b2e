#!/bin/sh
# make demo: the whole twpipe pipeline on SQLite and local files.
#
#   generate -> flatten (star schema) -> aggregate in windows -> load SQLite
#            -> land Hive-partitioned files -> performance report -> dashboard
#
# Usage: examples/demo.sh [BUILD_DIR]   (TW_DEMO_DIR sets the output folder,
# TW_DEMO_N the number of tweets). Everything lands in demo/ by default.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PATH=$BUILD:$PATH
export PATH
N=${TW_DEMO_N:-100000}
OUT=${TW_DEMO_DIR:-$ROOT/demo}
CORPUS=$ROOT/../shared/corpus
t0=$(date +%s)

step() { printf '\n== %s\n' "$*"; }

rm -rf "$OUT"
mkdir -p "$OUT"
cd "$OUT"

step "1. Generate $N tweets (API v2 filtered-stream lines, 5 s of disorder)"
# Event times end about now, so the data age reads in minutes, not years.
START=$(date -u -d "@$(( $(date +%s) - N / 200 ))" +%Y-%m-%dT%H:%M:%SZ)
tw-gen -n "$N" --seed 42 --start "$START" --event-rate 200 \
    --disorder 5s --keywords news,music,football,election,ai |
    tw-perf --label generate --log perf.log > raw.ndjson
if [ -d "$CORPUS" ]; then
	# Real API payloads too: v2 pages, stream lines and v1.1 statuses.
	cat "$CORPUS"/twarc-csv/*.jsonl "$CORPUS"/python-twitter/*.json > corpus.json
fi
echo "raw.ndjson: $(wc -l < raw.ndjson) lines, $(du -h raw.ndjson | cut -f1)"

step "2. Flatten into the star schema: tweets, users, places, media, hashtags (batch, measured)"
tw-perf run --label batch --log perf.log -- \
    sh -c 'tw-perf --label batch --log perf.log < raw.ndjson | tw-flatten -t all --dedup -r rejects.ndjson > star.ndjson'
grep '"record_type":"tweet"' star.ndjson > tweets.ndjson
# The real corpus joins the tables, but not the windows of the generated stream.
if [ -f corpus.json ]; then tw-flatten -q -t all corpus.json > corpus_star.ndjson 2>/dev/null || true; fi
for t in tweet user place media hashtag; do
	printf '  %-8s %s\n' "$t" "$(grep -c "^{\"record_type\":\"$t\"" star.ndjson)"
done

step "3. Aggregate in event-time windows"
tw-agg -w 1m -l 10s -g lang -a count,avg:engagement,max:engagement,distinct:author_id \
    --late late.ndjson tweets.ndjson > lang_1m.ndjson
tw-agg -w 5m -l 10s -a count,top:hashtags:10 tweets.ndjson > trending_5m.ndjson
tw-agg -g lang -a count,avg:engagement,p95:engagement tweets.ndjson > by_lang.ndjson
tw-agg -g author_id -a count,sum:engagement,last:username tweets.ndjson > user_activity.ndjson
tw-agg -a top:hashtags:15 tweets.ndjson > top_hashtags.ndjson
echo "  lang_1m: $(wc -l < lang_1m.ndjson) windows x languages; trending_5m: $(wc -l < trending_5m.ndjson) windows"

step "4. Load the star schema and the aggregates into SQLite (twpipe.db)"
tw-load star.ndjson | sqlite3 twpipe.db
[ -f corpus_star.ndjson ] && tw-load corpus_star.ndjson | sqlite3 twpipe.db
tw-load --table lang_1m lang_1m.ndjson | sqlite3 twpipe.db
tw-load --table user_activity user_activity.ndjson | sqlite3 twpipe.db
sqlite3 twpipe.db "SELECT 'tweets', COUNT(*) FROM tweets UNION ALL SELECT 'users', COUNT(*) FROM users
    UNION ALL SELECT 'places', COUNT(*) FROM places UNION ALL SELECT 'media', COUNT(*) FROM media
    UNION ALL SELECT 'hashtags', COUNT(*) FROM hashtags UNION ALL SELECT 'lang_1m', COUNT(*) FROM lang_1m;" |
    sed 's/|/ rows: /; s/^/  /'
echo "  top languages:"
sqlite3 twpipe.db "SELECT lang, SUM(count) AS n FROM lang_1m GROUP BY lang ORDER BY n DESC LIMIT 5;" |
    sed 's/^/    /'

step "5. Land Hive-partitioned gzip files and Parquet files, and the Hive DDL for them"
tw-load -p 'year=%Y/month=%m/day=%d/hour=%H' -o landing tweets.ndjson
tw-load -d hive -p 'year=%Y/month=%m/day=%d/hour=%H' -o landing -t tweets tweets.ndjson > landing.hql
echo "  $(find landing -name '*.gz' | wc -l) part files in $(find landing -mindepth 4 -type d | wc -l) hour partitions; DDL in landing.hql"
# The same tweets as Parquet parts (typed columns, snappy pages), and a
# DuckDB query on them when node and the readers are installed (make deps).
tw-load --format parquet -p 'year=%Y/month=%m/day=%d/hour=%H' -o landing_parquet tweets.ndjson
tw-load -d hive --format parquet -p 'year=%Y/month=%m/day=%d/hour=%H' -o landing_parquet -t tweets tweets.ndjson > landing_parquet.hql
echo "  Parquet: $(find landing_parquet -name '*.parquet' | wc -l) part files, $(du -sk landing_parquet | cut -f1) KiB against $(du -sk landing | cut -f1) KiB of gzip NDJSON; DDL in landing_parquet.hql"
if command -v node > /dev/null 2>&1 && node "$ROOT/tests/js/duckdb.mjs" "SELECT 1" > /dev/null 2>&1; then
	echo "  DuckDB, tweets per hour and language (top 5) from the Parquet landing:"
	node "$ROOT/tests/js/duckdb.mjs" "SELECT hour, lang, count(*) AS n FROM read_parquet('landing_parquet/**/*.parquet', hive_partitioning = true) GROUP BY ALL ORDER BY n DESC LIMIT 5" |
	    sed 's/^/    /'
else
	echo "  (DuckDB query skipped: node and @duckdb/node-api are not installed; make deps installs them)"
fi

step "6. A streaming run: 5 s paced at 2000 tweets/s through the same tools"
tw-gen --rate 2000 --duration 5s --seed 7 |
    tw-perf --label streaming --log perf.log |
    tw-flatten | tw-agg -w 1s -a count --time now > stream_counts.ndjson
echo "  $(wc -l < stream_counts.ndjson) one-second windows written while the stream ran"

step "7. Performance report (batch vs streaming) and storage"
tw-perf report --storage sqlite:twpipe.db --storage dir:landing --svg charts perf.log | tee report.txt

step "8. Dashboard"
cat > dashboard.spec <<'SPEC'
title twpipe demo
refresh 300
chart line -x window_start -y count --by lang --title "Tweets per minute by language" lang_1m.ndjson
chart hbar -y top_hashtags --title "Top hashtags" top_hashtags.ndjson
chart bar -x lang -y avg_engagement --sort --limit 15 --title "Average engagement by language" by_lang.ndjson
chart line -x window_start -y count --title "Streaming run: tweets per second" stream_counts.ndjson
SPEC
tw-plot dashboard dashboard.spec -o www/index.html

t1=$(date +%s)
cat <<MSG

Done in $((t1 - t0)) s. Look at:
  $OUT/www/index.html      the dashboard (open it in a browser)
  $OUT/report.txt          batch vs streaming, storage per table and partition
  $OUT/twpipe.db           sqlite3 $OUT/twpipe.db 'SELECT * FROM lang_1m LIMIT 5'
  $OUT/landing/            Hive-partitioned gzip NDJSON, with landing.hql
  $OUT/landing_parquet/    the same as Parquet, with landing_parquet.hql
  $OUT/charts/             SVG charts of the report
Next: the Kafka pipeline (examples/kafka/), MariaDB (tw-load -d mysql | mariadb),
PostgreSQL (tw-load -d postgres | psql), and the socket/Hive pipeline (examples/hive/).
MSG
