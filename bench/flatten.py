#!/usr/bin/env python3
"""flatten.py: the twpipe flatten benchmark job with Python's json module.

Reads v2 filtered-stream lines, v2 pages and v1.1 statuses on stdin, one
a line, and writes one compact JSON object a tweet with the fields of
    tw-flatten -f id,created_at,author_id,username,lang,text,is_retweet,
        retweet_count,like_count,engagement,hashtags
Same rules as bench/flatten.jq (hashtags distinct, at most 64; engagement
the sum of the counts present, null when none is). Hashtags use str.lower
(Unicode), where jq uses ascii_downcase; the agreement check casefolds
both sides.
"""
import codecs
import datetime
import json
import sys


def unescape(s):
    # &amp; last, so "&amp;lt;" becomes "&lt;" as a single-pass decoder does.
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def numbers(values):
    return [v for v in values if isinstance(v, (int, float))
            and not isinstance(v, bool)]


def distinct_tags(hashtags, key):
    """Lowercased, distinct, in order of first appearance, at most 64."""
    tags = []
    for h in hashtags or ():
        t = h.get(key) if isinstance(h, dict) else None
        if isinstance(t, str):
            t = t.lower()
            if t not in tags:
                tags.append(t)
    return tags[:64]


def v1(st):
    """A v1.1 status: the time in tw-flatten's form, ...T00:00:00.000Z."""
    src = st.get("retweeted_status") or st
    ext = src.get("extended_tweet") or {}
    text = ext.get("full_text") or src.get("full_text") or src.get("text")
    if isinstance(text, str):
        text = unescape(text)
    ent = ext.get("entities") or src.get("entities") or {}
    t = datetime.datetime.strptime(st["created_at"], "%a %b %d %H:%M:%S %z %Y")
    counts = numbers([st.get(k) for k in ("retweet_count", "reply_count",
                                          "favorite_count", "quote_count")])
    user = st["user"]
    return {
        "id": st.get("id_str"),
        "created_at": t.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "author_id": user.get("id_str"),
        "username": user.get("screen_name"),
        "lang": st.get("lang"),
        "text": text,
        "is_retweet": st.get("retweeted_status") is not None,
        "retweet_count": st.get("retweet_count"),
        "like_count": st.get("favorite_count"),
        "engagement": sum(counts) if counts else None,
        "hashtags": distinct_tags(ent.get("hashtags"), "text"),
    }


def flatten(rec):
    """The flat records of one line: a v2 stream line or page, a v1.1
    status; none for anything else."""
    if not isinstance(rec, dict):
        return []
    d = rec.get("data")
    inc = rec.get("includes") or {}
    if isinstance(d, dict):
        return [v2(d, inc)]
    if isinstance(d, list):
        return [v2(t, inc) for t in d if isinstance(t, dict)]
    if isinstance(rec.get("id_str"), str) and isinstance(rec.get("user"), dict):
        return [v1(rec)]
    return []


def v2(d, inc):
    """One v2 tweet d with its document's includes."""
    rtid = None
    for r in d.get("referenced_tweets") or ():
        if r.get("type") == "retweeted":
            rtid = r.get("id")
            break
    src = d
    if rtid is not None:
        for t in inc.get("tweets") or ():
            if t.get("id") == rtid:
                src = t
                break
    username = None
    aid = d.get("author_id")
    for u in inc.get("users") or ():
        if u.get("id") == aid:
            username = u.get("username")
            break
    m = d.get("public_metrics")
    if not isinstance(m, dict):
        m = {}
    counts = numbers([m.get(k) for k in ("retweet_count", "reply_count",
                                         "like_count", "quote_count")])
    text = src.get("text")
    if isinstance(text, str):
        text = unescape(text)
    tags = distinct_tags((src.get("entities") or {}).get("hashtags"), "tag")
    return {
        "id": d.get("id"),
        "created_at": d.get("created_at"),
        "author_id": aid,
        "username": username,
        "lang": d.get("lang"),
        "text": text,
        "is_retweet": rtid is not None,
        "retweet_count": m.get("retweet_count"),
        "like_count": m.get("like_count"),
        # the sum of the counts present; None when none is
        "engagement": sum(counts) if counts else None,
        "hashtags": tags,
    }


def main():
    # Invalid UTF-8 in and lone surrogates (a "\\ud800" escape) out become
    # U+FFFD, as in tw-flatten, instead of ending the run.
    # (The UTF-8 encoder takes only ASCII text from a handler: give bytes.)
    codecs.register_error("fffd", lambda e: (b"\xef\xbf\xbd" * (e.end - e.start),
                                             e.end))
    sys.stdin.reconfigure(errors="replace")
    sys.stdout.reconfigure(errors="fffd")
    out = sys.stdout
    dumps = json.dumps
    loads = json.loads
    for line in sys.stdin:
        if not line.strip():
            continue
        for rec in flatten(loads(line)):
            out.write(dumps(rec, separators=(",", ":"), ensure_ascii=False))
            out.write("\n")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(0)
