-- flatten_v1.sql: the twpipe flatten benchmark job in DuckDB, on v1.1 statuses.
-- The same records as bench/flatten.jq and
--   tw-flatten -f id,created_at,author_id,username,lang,text,is_retweet,retweet_count,like_count,engagement,hashtags
-- read with an explicit schema (the fields the job needs; DuckDB skips the
-- rest). bench/shapes.sh puts the file names for @INPUT@ and @OUTPUT@ and
-- runs it with tests/js/duckdb.mjs (two threads).
SET TimeZone = 'UTC';
COPY (
  WITH st AS (
    SELECT *, coalesce(retweeted_status.extended_tweet.full_text, retweeted_status.full_text, retweeted_status.text) AS rt_text
    FROM read_json('@INPUT@', format = 'newline_delimited', columns = {
      id_str: 'VARCHAR', created_at: 'VARCHAR', lang: 'VARCHAR', text: 'VARCHAR', full_text: 'VARCHAR',
      user: 'STRUCT(id_str VARCHAR, screen_name VARCHAR)',
      extended_tweet: 'STRUCT(full_text VARCHAR, entities STRUCT(hashtags STRUCT(text VARCHAR)[]))',
      entities: 'STRUCT(hashtags STRUCT(text VARCHAR)[])',
      retweet_count: 'BIGINT', reply_count: 'BIGINT', favorite_count: 'BIGINT', quote_count: 'BIGINT',
      retweeted_status: 'STRUCT(text VARCHAR, full_text VARCHAR, extended_tweet STRUCT(full_text VARCHAR, entities STRUCT(hashtags STRUCT(text VARCHAR)[])), entities STRUCT(hashtags STRUCT(text VARCHAR)[]))'})
    WHERE id_str IS NOT NULL AND "user" IS NOT NULL
  ), u AS (
    SELECT *,
      CASE WHEN retweeted_status IS NULL THEN coalesce(extended_tweet.full_text, full_text, text) ELSE rt_text END AS txt,
      list_filter(list_transform(CASE WHEN retweeted_status IS NULL
          THEN coalesce(extended_tweet.entities, entities).hashtags
          ELSE coalesce(retweeted_status.extended_tweet.entities, retweeted_status.entities).hashtags END,
        h -> lower(h.text)), x -> x IS NOT NULL) AS tags
    FROM st
  )
  SELECT id_str AS id,
    strftime(strptime(created_at, '%a %b %d %H:%M:%S %z %Y'), '%Y-%m-%dT%H:%M:%S.000Z') AS created_at,
    "user".id_str AS author_id, "user".screen_name AS username, lang,
    replace(replace(replace(txt, '&lt;', '<'), '&gt;', '>'), '&amp;', '&') AS text,
    retweeted_status IS NOT NULL AS is_retweet,
    retweet_count, favorite_count AS like_count,
    CASE WHEN retweet_count IS NULL AND reply_count IS NULL AND favorite_count IS NULL AND quote_count IS NULL THEN NULL
      ELSE coalesce(retweet_count, 0) + coalesce(reply_count, 0) + coalesce(favorite_count, 0) + coalesce(quote_count, 0) END AS engagement,
    coalesce(list_filter(tags, (x, i) -> list_position(tags, x) = i)[1:64], []) AS hashtags
  FROM u
) TO '@OUTPUT@' (FORMAT JSON)
;
