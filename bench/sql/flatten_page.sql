-- flatten_page.sql: the twpipe flatten benchmark job in DuckDB, on v2 pages (data is a list of tweets).
-- The same records as bench/flatten.jq and
--   tw-flatten -f id,created_at,author_id,username,lang,text,is_retweet,retweet_count,like_count,engagement,hashtags
-- read with an explicit schema (the fields the job needs; DuckDB skips the
-- rest). bench/shapes.sh puts the file names for @INPUT@ and @OUTPUT@ and
-- runs it with tests/js/duckdb.mjs (two threads).
COPY (
  WITH lines AS (
    SELECT unnest(data) AS d, includes AS inc
    FROM read_json('@INPUT@', format = 'newline_delimited', columns = {
      data: 'STRUCT(id VARCHAR, text VARCHAR, author_id VARCHAR, created_at VARCHAR, lang VARCHAR, public_metrics STRUCT(retweet_count BIGINT, reply_count BIGINT, like_count BIGINT, quote_count BIGINT), entities STRUCT(hashtags STRUCT(tag VARCHAR)[]), referenced_tweets STRUCT(type VARCHAR, id VARCHAR)[])[]',
      includes: 'STRUCT(users STRUCT(id VARCHAR, username VARCHAR)[], tweets STRUCT(id VARCHAR, text VARCHAR, entities STRUCT(hashtags STRUCT(tag VARCHAR)[]))[])'})
  ), t AS (
    SELECT d, inc, list_filter(d.referenced_tweets, r -> r.type = 'retweeted')[1].id AS rtid
    FROM lines WHERE d IS NOT NULL
  ), s AS (
    SELECT d, inc, rtid,
      CASE WHEN rtid IS NULL THEN NULL ELSE list_filter(inc.tweets, x -> x.id = rtid)[1] END AS o
    FROM t
  ), u AS (
    SELECT d, inc, rtid,
      CASE WHEN o IS NULL THEN d.text ELSE o.text END AS txt,
      list_filter(list_transform(CASE WHEN o IS NULL THEN d.entities.hashtags ELSE o.entities.hashtags END, h -> lower(h.tag)), x -> x IS NOT NULL) AS tags,
      d.public_metrics AS m
    FROM s
  )
  SELECT d.id AS id, d.created_at AS created_at, d.author_id AS author_id,
    list_filter(inc.users, x -> x.id = d.author_id)[1].username AS username,
    d.lang AS lang,
    replace(replace(replace(txt, '&lt;', '<'), '&gt;', '>'), '&amp;', '&') AS text,
    rtid IS NOT NULL AS is_retweet,
    m.retweet_count AS retweet_count, m.like_count AS like_count,
    CASE WHEN m.retweet_count IS NULL AND m.reply_count IS NULL AND m.like_count IS NULL AND m.quote_count IS NULL THEN NULL
      ELSE coalesce(m.retweet_count, 0) + coalesce(m.reply_count, 0) + coalesce(m.like_count, 0) + coalesce(m.quote_count, 0) END AS engagement,
    coalesce(list_filter(tags, (x, i) -> list_position(tags, x) = i)[1:64], []) AS hashtags
  FROM u
) TO '@OUTPUT@' (FORMAT JSON)
;
