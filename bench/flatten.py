#!/usr/bin/env python3
"""flatten.py: the twpipe flatten benchmark job with Python's json module.

Reads v2 filtered-stream lines on stdin, writes one compact JSON object a
line with the fields of
    tw-flatten -f id,created_at,author_id,username,lang,text,is_retweet,
        retweet_count,like_count,engagement,hashtags
Same rules as bench/flatten.jq (hashtags distinct, at most 64; engagement
the sum of the counts present, null when none is). Hashtags use str.lower
(Unicode), where jq uses ascii_downcase; the agreement check casefolds
both sides.
"""
import codecs
import json
import sys


def unescape(s):
    # &amp; last, so "&amp;lt;" becomes "&lt;" as a single-pass decoder does.
    return s.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def flatten(rec):
    """The flat record of one line, or None when it has no data object."""
    d = rec.get("data") if isinstance(rec, dict) else None
    if not isinstance(d, dict):
        return None
    inc = rec.get("includes") or {}
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
    counts = [m.get(k) for k in
              ("retweet_count", "reply_count", "like_count", "quote_count")]
    counts = [v for v in counts if isinstance(v, (int, float))
              and not isinstance(v, bool)]
    text = src.get("text")
    if isinstance(text, str):
        text = unescape(text)
    # distinct, in order of first appearance, at most 64
    tags = []
    for h in ((src.get("entities") or {}).get("hashtags")) or ():
        t = h.get("tag") if isinstance(h, dict) else None
        if isinstance(t, str):
            t = t.lower()
            if t not in tags:
                tags.append(t)
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
        "hashtags": tags[:64],
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
        rec = flatten(loads(line))
        if rec is not None:
            out.write(dumps(rec, separators=(",", ":"), ensure_ascii=False))
            out.write("\n")


if __name__ == "__main__":
    try:
        main()
    except BrokenPipeError:
        sys.exit(0)
