# flatten.jq: the twpipe flatten benchmark job in jq (run by bench/run.sh
# and bench/shapes.sh with `jq -c -f` and `gojq -c -f`).
#
# Input: v2 filtered-stream lines {"data":{...},"includes":{...},...},
# v2 pages {"data":[...],"includes":{...}} and v1.1 statuses, one a line.
# Output: one record a tweet, the same as
#   tw-flatten -f id,created_at,author_id,username,lang,text,is_retweet,\
#       retweet_count,like_count,engagement,hashtags
# For a v2 retweet (data.referenced_tweets has type "retweeted") text and
# hashtags come from the original in includes.tweets; when the original
# is not included they fall back to the tweet itself. A v1.1 retweet
# takes them from retweeted_status (its extended_tweet when it has one).
# As man/twpipe.7 says, hashtags are distinct (at most 64) and engagement
# is the sum of the counts present, null when none is.

# &amp; last, so "&amp;lt;" becomes "&lt;" as a single-pass decoder does.
# split/join rather than gsub: same result for literals, and jq 1.6's gsub
# is slow enough that it, not parsing, would dominate the run.
def unescape:
	split("&lt;") | join("<") | split("&gt;") | join(">")
	| split("&amp;") | join("&");

# distinct, in order of first appearance, at most 64
def tags:
	reduce (.[]? | strings | ascii_downcase) as $t ([];
	    if any(.[]; . == $t) then . else . + [$t] end) | .[:64];

# the sum of the counts present; null when none is
def engagement:
	map(numbers) | if length > 0 then add else null end;

# One v2 tweet $d with the document's includes $inc.
def v2($d; $inc):
	([$d.referenced_tweets[]? | select(.type == "retweeted") | .id][0]) as $rtid
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
		engagement: ([$m.retweet_count, $m.reply_count, $m.like_count,
		    $m.quote_count] | engagement),
		hashtags: ([$src.entities.hashtags[]?.tag] | tags)
	  };

# One v1.1 status: the time in tw-flatten's form, 2024-01-01T00:00:00.000Z.
def v1:
	(.retweeted_status // .) as $src
	| {
		id: .id_str,
		created_at: (.created_at | strptime("%a %b %d %H:%M:%S %z %Y")
		    | mktime | todate | .[0:19] + ".000Z"),
		author_id: .user.id_str,
		username: .user.screen_name,
		lang: .lang,
		text: ($src | (.extended_tweet.full_text // .full_text // .text)
		    | if type == "string" then unescape else . end),
		is_retweet: (.retweeted_status != null),
		retweet_count: .retweet_count,
		like_count: .favorite_count,
		engagement: ([.retweet_count, .reply_count, .favorite_count,
		    .quote_count] | engagement),
		hashtags: ([($src.extended_tweet.entities // $src.entities)
		    .hashtags[]?.text] | tags)
	  };

# A line without tweets (a stream error or system message) gives no
# record, as in tw-flatten.
select(type == "object")
| if (.data | type) == "object" then v2(.data; .includes // {})
  elif (.data | type) == "array" then (.includes // {}) as $inc
      | .data[] | select(type == "object") | v2(.; $inc)
  elif (.id_str | type) == "string" and (.user | type) == "object" then v1
  else empty end
