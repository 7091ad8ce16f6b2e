#!/usr/bin/env python3
"""agg_pandas.py: the tw-agg benchmark job with pandas.

usage: agg_pandas.py FILE

Reads flat records (tw-flatten output, one JSON object a line) with
pandas.read_json(lines=True), which loads every field of every record
into a DataFrame, then groups by floor(ts / 60000) * 60000 and lang:
count (rows), mean and max of engagement (NaN, from null or missing,
skipped), nunique of author_id. Writes one compact JSON object a line
with the fields of tw-agg's result (window_start, window_end, lang,
count, avg_engagement, max_engagement, distinct_author_id).

dtype=False and convert_dates=False keep read_json from guessing types
(it would turn the numeric-looking id strings into integers and
created_at into datetimes, work the other tools do not do). Nulls in
lang form a group of their own (dropna=False), as in tw-agg; a null
author_id is not counted by nunique, where tw-agg counts null as a
value (tw-gen writes none).
"""
import json
import math
import sys
import time

import pandas as pd


def iso(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ms // 1000)) + \
        ".%03dZ" % (ms % 1000)


def num(v):
    """A numpy scalar as a Python number; NaN as None."""
    if v is None:
        return None
    v = v.item() if hasattr(v, "item") else v
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: agg_pandas.py FILE\n")
        sys.exit(2)
    df = pd.read_json(sys.argv[1], lines=True, dtype=False,
                      convert_dates=False, keep_default_dates=False)
    df["window"] = df["ts"] // 60000 * 60000
    eng = pd.to_numeric(df["engagement"], errors="coerce")
    df["engagement"] = eng
    res = df.groupby(["window", "lang"], dropna=False, sort=True).agg(
        count=("ts", "size"),
        avg_engagement=("engagement", "mean"),
        max_engagement=("engagement", "max"),
        distinct_author_id=("author_id", "nunique"),
    )
    out = sys.stdout
    for (w, lang), row in res.iterrows():
        w = int(w)
        mx = num(row["max_engagement"])
        if isinstance(mx, float) and mx.is_integer():
            mx = int(mx)
        if isinstance(lang, float) and math.isnan(lang):
            lang = None
        out.write(json.dumps({
            "window_start": iso(w),
            "window_end": iso(w + 60000),
            "lang": lang,
            "count": int(row["count"]),
            "avg_engagement": num(row["avg_engagement"]),
            "max_engagement": mx,
            "distinct_author_id": int(row["distinct_author_id"]),
        }, separators=(",", ":"), ensure_ascii=False))
        out.write("\n")


if __name__ == "__main__":
    main()
