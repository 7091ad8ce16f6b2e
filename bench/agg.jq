# agg.jq: the tw-agg benchmark job in jq, for jq 1.6 and gojq alike:
#   jq -n -c -f bench/agg.jq FILE
# One-minute tumbling windows by lang with count, avg and max engagement
# and distinct author_id, as
#   tw-agg -w 1m -g lang -a count,avg:engagement,max:engagement,distinct:author_id
# computes them (without its distinct_author_id_approx and final).
#
# Each record is cut to [window, lang, author_id, engagement] (window:
# floor(ts / 60000) * 60000, ts in epoch milliseconds; an engagement that
# is not a number becomes null and is skipped by avg and max, which are
# null when a cell has none), the small arrays are collected and
# group_by sorts them into cells. Memory thus grows with the input (about
# 100 bytes a record here), unlike tw-agg's.
#
# Why not `reduce inputs as $r ({}; ...)` with a set of authors per cell:
# gojq 0.12 copies an object on every update, so such a reduce is
# quadratic (106 s for 20,000 records, 377 s for 40,000); jq 1.6 copies a
# nested object on every update below the top level, or the whole state
# when the right-hand side can backtrack (`//`, `|=`). A reduce over one
# flat object updated only by setpath([k]; getpath([k]) + ...) stays
# linear in jq 1.6 and took about a third less time than this script there
# but not in gojq; one script serves both.
def iso: (. / 1000) | todate | .[:-1] + ".000Z";
[inputs | [((.ts / 60000) | floor) * 60000, .lang, .author_id,
	(.engagement | if type == "number" then . else null end)]]
| group_by(.[0:2])[]
| .[0][0] as $w
| [.[][3] | numbers] as $e
| {
	window_start: ($w | iso),
	window_end: ($w + 60000 | iso),
	lang: .[0][1],
	count: length,
	avg_engagement: (if ($e | length) > 0 then ($e | add) / ($e | length) else null end),
	max_engagement: ($e | max),
	distinct_author_id: (map(.[2]) | unique | length)
  }
