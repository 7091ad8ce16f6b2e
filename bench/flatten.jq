# flatten.jq: the twpipe flatten benchmark job in jq (run by bench/run.sh
# with `jq -c -f` and `gojq -c -f`).
#
# Input: one v2 filtered-stream line, {"data":{...},"includes":{...},...}.
# Output: the same record as
#   tw-flatten -f id,created_at,author_id,username,lang,text,is_retweet,\
#       retweet_count,like_count,engagement,hashtags
# For a retweet (data.referenced_tweets has type "retweeted") text and
# hashtags come from the original in includes.tweets; when the original
# is not included they fall back to data itself. As man/twpipe.7 says,
# hashtags are distinct (at most 64) and engagement is the sum of the
# counts present, null when none is.

# &amp; last, so "&amp;lt;" becomes "&lt;" as a single-pass decoder does.
# split/join rather than gsub: same result for literals, and jq 1.6's gsub
# is slow enough that it, not parsing, would dominate the run.
def unescape:
	split("&lt;") | join("<") | split("&gt;") | join(">")
	| split("&amp;") | join("&");

# A line without a data object (a stream error or system message) gives
# no record, as in tw-flatten.
select(.data | type == "object")
| .data as $d
| (.includes // {}) as $inc
| ([$d.referenced_tweets[]? | select(.type == "retweeted") | .id][0]) as $rtid
| (if $rtid != null
   then ([$inc.tweets[]? | select(.id == $rtid)][0] // $d)
   else $d end) as $src
| ($d.public_metrics // {}) as $m
| {
	id: $d.id,
	created_at: $d.created_at,
	author_id: $d.author_id,
	username: ([$inc.users[]? | select(.id == $d.author_id) | .username][0]),
	lang: $d.lang,
	text: ($src.text | if type == "string" then unescape else . end),
	is_retweet: ($rtid != null),
	retweet_count: $m.retweet_count,
	like_count: $m.like_count,
	# the sum of the counts present; null when none is
	engagement: ([$m.retweet_count, $m.reply_count, $m.like_count,
	    $m.quote_count | numbers] | if length > 0 then add else null end),
	# distinct, in order of first appearance, at most 64
	hashtags: (reduce ($src.entities.hashtags[]?.tag | strings | ascii_downcase)
	    as $t ([]; if any(.[]; . == $t) then . else . + [$t] end) | .[:64])
  }
