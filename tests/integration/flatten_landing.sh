#!/bin/sh
# The landing by event time (issue 13): with the README's recipe
#   tw-flatten -t all | tw-load -p 'record_type=%{record_type}/year=%Y/...'
# every record, dimension records too, is filed under the hour of the
# tweet it was seen with (its ts), so an hour of tweets makes a few files
# per record type, not one directory per account-creation hour.
. "$TW_ROOT/tests/lib.sh"

P='record_type=%{record_type}/year=%Y/month=%m/day=%d/hour=%H'
tw-gen -n 50000 --seed 1 > "$T/gen.ndjson"
tw-flatten -t all "$T/gen.ndjson" > "$T/flat.ndjson"
tw-load -q -p "$P" -o "$T/landing" "$T/flat.ndjson"
rc=$?
eq "the landing recipe runs" "$rc" 0

# The tweets span minutes: one hour, so one directory per record type
# (tweet, user, place, media, hashtag, poll) at most, in each of the
# hours the tweets cover.
hours=$(python3 -c "
import json, sys
hs = set()
for l in open('$T/flat.ndjson'):
    r = json.loads(l)
    if r['record_type'] == 'tweet':
        hs.add(r['created_at'][:13])
print(len(hs))")
types=$(cut -d '"' -f 4 "$T/flat.ndjson" | sort -u | wc -l)
dirs=$(find "$T/landing" -type d -name 'hour=*' | wc -l)
files=$(find "$T/landing" -type f | wc -l)
check "50,000 tweets land in at most one directory per record type and hour ($dirs directories, $hours hours, $types types)" \
	test "$dirs" -le $((hours * types))
check "and in a few files per record type and hour ($files files)" \
	test "$files" -le $((hours * types * 4))
check "every record of tw-gen's stream has a ts" python3 -c "
import json
for l in open('$T/flat.ndjson'):
    r = json.loads(l)
    assert r['ts'] is not None, r
"

# Each dimension record's ts is the time of a tweet of its document that
# references it (or the document's newest), never the account's age.
check "a user's ts is the time of a tweet that references it" python3 -c "
import json
docs = [json.loads(l) for l in open('$T/gen.ndjson')]
flat = [json.loads(l) for l in open('$T/flat.ndjson')]
import calendar, datetime
def ms(s):
    d = datetime.datetime.strptime(s, '%Y-%m-%dT%H:%M:%S.%fZ')
    return calendar.timegm(d.timetuple()) * 1000 + d.microsecond // 1000
times = set(ms(d['data']['created_at']) for d in docs)
n = 0
for r in flat:
    if r['record_type'] in ('user', 'place'):
        assert r['ts'] in times, r
        n += 1
assert n > 50000, n
"
