#!/usr/bin/env python3
"""ref_flatten.py: a reference for tw-flatten, written from the API documentation.

usage: python3 tests/ref_flatten.py [-v] [--tw-flatten PATH] FILE...

For every tweet of every file (v2 pages, stream lines and twarc2 flattened
tweets; v1.1 statuses, timelines, search and premium-search pages) this
computes, from the payload alone, what the flat record must hold, runs
tw-flatten -t all on the file, and compares field by field: ids, time,
text, author, retweet/reply/quote facts, entities, media, place, metrics
and the fields twarc-csv users expect; then the dimension records: one
user and place record per user and place of each document, with the
event time twpipe(7) gives them, one media record per tweet and media
item, one poll record per tweet with a poll. Exits 1 and lists the first
differences when any field differs.

It reads the payload the way the API documents it, not the way tw-flatten
is written:

- X API v2 data dictionary (developer.x.com/en/docs/x-api/data-dictionary):
  the Tweet object (id, text, created_at, author_id, conversation_id,
  in_reply_to_user_id, referenced_tweets of type retweeted/replied_to/quoted,
  attachments.media_keys and poll_ids, entities with hashtags, cashtags,
  mentions, urls and annotations, context_annotations, geo.place_id and
  geo.coordinates, public_metrics, possibly_sensitive, reply_settings,
  edit_history_tweet_ids, edit_controls, withheld, note_tweet for long
  posts); expansions resolved from includes.users/tweets/media/places/polls
  by id; the User, Media, Place and Poll objects.
- "Using fields and expansions" and the twarc2 flattened form, which puts
  each expansion inside the tweet (author, in_reply_to_user, referenced
  tweets, attachments.media, geo merged with the place).
- The standard v1.1 data dictionary (developer.x.com/en/docs/twitter-api/v1/
  data-dictionary/object-model/tweet, entities, user, geo) and "Extended
  Tweets": text or full_text, extended_tweet.full_text and its entities in
  streams, retweeted_status and quoted_status embedded whole, id_str for
  64-bit ids, in_reply_to_*_str, entities.symbols, extended_entities.media,
  place and coordinates ([longitude, latitude]).
- "Standard v1.1 to v2" migration guide: favorite_count is like_count,
  friends_count is following_count, statuses_count is tweet_count, and
  text is HTML-escaped (&amp; &lt; &gt;) in both versions.

Where the API leaves a choice, the contract is twpipe(7): a retweet's text,
entities, media, context annotations and poll come from its original, and
so do its quote facts; a reply to a user without a tweet is a reply; urls
leave out the link of an attached photo or video (a url entity with a
media_key or a pic.twitter.com display_url); hashtags are lowercased in
ASCII, Latin, Greek and Cyrillic, cashtags uppercased in ASCII; lists are
distinct in order; v1.1 has no reply settings, context annotations,
annotations or poll ids (null).
"""
import collections
import datetime
import json
import os
import re
import subprocess
import sys

# ---- reading files as the API sent them ----


def documents(path):
    """The JSON documents of a file: the whole file when it is one
    document (pretty-printed bodies), else one per line; lines that are
    not JSON (a truncated stream line) are left out."""
    with open(path, 'rb') as f:
        raw = f.read()
    txt = raw.decode('utf-8', errors='replace')
    try:
        return [json.loads(txt)]
    except ValueError:
        pass
    out = []
    for line in txt.split('\n'):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            pass
    return out


def clean(s):
    """A string as a JSON writer that replaces lone surrogates keeps it."""
    if not isinstance(s, str):
        return s
    return ''.join('\ufffd' if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in s)


def unescape(s):
    """Tweet text is HTML-escaped by the API: &amp; &lt; &gt; (one pass)."""
    if not isinstance(s, str):
        return None
    return re.sub(r'&(amp|lt|gt);', lambda m: {'amp': '&', 'lt': '<', 'gt': '>'}[m.group(1)], s)


def iso_ms(s):
    """Epoch milliseconds of a v2 ISO time or a v1.1 created_at."""
    if not isinstance(s, str):
        return None
    for fmt in ('%Y-%m-%dT%H:%M:%S.%f%z', '%Y-%m-%dT%H:%M:%S%z', '%a %b %d %H:%M:%S %z %Y'):
        try:
            d = datetime.datetime.strptime(s.replace('Z', '+0000'), fmt)
            return int(d.timestamp() * 1000 + 0.5) if d.microsecond else int(d.timestamp()) * 1000
        except ValueError:
            continue
    return None


def iso(ms):
    if ms is None:
        return None
    d = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
    return d.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (ms % 1000)


def sid(v):
    """An id as the decimal string twpipe writes (v1.1 numbers are exact
    in Python's json)."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str) and v.isdigit():
        return v
    return None


def distinct(xs):
    out = []
    for x in xs:
        if x is not None and x not in out:
            out.append(x)
    return out


LOWER_RANGES = [(0x41, 0x5A), (0xC0, 0xDE), (0x100, 0x17F), (0x391, 0x3AB), (0x400, 0x42F)]


def tag_lower(s):
    """Lowercase as twpipe(7) says: ASCII, Latin, Greek, Cyrillic letters."""
    out = []
    for ch in s:
        c = ord(ch)
        if any(a <= c <= b for a, b in LOWER_RANGES) and c not in (0xD7, 0x130, 0x131, 0x138, 0x149, 0x17F) and len(ch.lower()) == 1:
            out.append(ch.lower())
        else:
            out.append(ch)
    return ''.join(out)


def media_link(u):
    """A url entity that is the link of an attached photo or video."""
    if not isinstance(u, dict):
        return False
    d = u.get('display_url') or ''
    return 'media_key' in u or d.startswith('pic.twitter.com') or d.startswith('pic.x.com')


def obj(v):
    return v if isinstance(v, dict) else {}


def arr(v):
    return v if isinstance(v, list) else []


def count(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, int) and v >= 0:
        return v
    if isinstance(v, str) and v.isdigit():
        return int(v)
    return None


# ---- what a flat tweet must hold ----


def v2_tweet(t, inc, doc):
    e = {'_v': 'v2'}
    users = {u.get('id'): u for u in arr(inc.get('users')) if isinstance(u, dict)}
    tweets = {x.get('id'): x for x in arr(inc.get('tweets')) if isinstance(x, dict)}
    media = {m.get('media_key'): m for m in arr(inc.get('media')) if isinstance(m, dict)}
    places = {p.get('id'): p for p in arr(inc.get('places')) if isinstance(p, dict)}
    e['id'] = t['id']
    ms = iso_ms(t.get('created_at'))
    e['created_at'] = iso(ms)
    e['ts'] = ms
    e['author_id'] = t.get('author_id')
    author = obj(t.get('author')) or obj(users.get(t.get('author_id')))
    pm = obj(author.get('public_metrics'))
    e['username'] = author.get('username')
    e['name'] = clean(author.get('name'))
    e['followers_count'] = pm.get('followers_count')
    e['following_count'] = pm.get('following_count')
    e['tweet_count'] = pm.get('tweet_count')
    e['verified'] = author.get('verified')
    e['user_location'] = clean(author.get('location'))
    e['verified_type'] = author.get('verified_type')
    e['lang'] = t.get('lang')
    e['source'] = t.get('source')
    e['conversation_id'] = t.get('conversation_id')

    def refs_of(x):
        out = {}
        for r in arr(obj(x).get('referenced_tweets')):
            if isinstance(r, dict) and r.get('type') and r.get('id') and r['type'] not in out:
                # twarc2 puts the referenced tweet itself in the reference
                out[r['type']] = (r['id'], r if 'text' in r else tweets.get(r['id']))
        return out
    refs = refs_of(t)
    rt = refs.get('retweeted')
    orig = rt[1] if rt else None
    e['is_retweet'] = rt is not None
    e['retweeted_id'] = rt[0] if rt else None
    e['retweeted_user_id'] = obj(orig).get('author_id') if rt else None
    rep = refs.get('replied_to')
    e['in_reply_to_id'] = rep[0] if rep else None
    e['in_reply_to_user_id'] = t.get('in_reply_to_user_id')
    e['is_reply'] = rep is not None or t.get('in_reply_to_user_id') is not None
    q = refs_of(orig).get('quoted') if orig is not None else None
    if q is None:
        q = refs.get('quoted')
    e['is_quote'] = q is not None
    e['quoted_id'] = q[0] if q else None
    e['quoted_user_id'] = obj(q[1]).get('author_id') if q else None
    src = orig if orig is not None else t
    note = obj(src.get('note_tweet'))
    text = note.get('text') if isinstance(note.get('text'), str) else src.get('text')
    if text is None:
        text = t.get('text')
    e['text'] = clean(unescape(text))
    met = obj(t.get('public_metrics'))
    for k in ('retweet_count', 'reply_count', 'like_count', 'quote_count', 'impression_count'):
        e[k] = met.get(k)
    got = [met[k] for k in ('retweet_count', 'reply_count', 'like_count', 'quote_count') if isinstance(met.get(k), int)]
    e['engagement'] = sum(got) if got else None
    ent = obj(note.get('entities')) or obj(src.get('entities'))
    e['hashtags'] = distinct(tag_lower(clean(h.get('tag'))) for h in arr(ent.get('hashtags')) if isinstance(h, dict) and isinstance(h.get('tag'), str))
    e['cashtags'] = distinct(re.sub('[a-z]+', lambda m: m.group(0).upper(), clean(h['tag'])) for h in arr(ent.get('cashtags')) if isinstance(h, dict) and isinstance(h.get('tag'), str))
    e['mentions'] = distinct(clean(m.get('username')) for m in arr(ent.get('mentions')) if isinstance(m, dict) and isinstance(m.get('username'), str))
    e['mention_ids'] = distinct(sid(m.get('id')) for m in arr(ent.get('mentions')) if isinstance(m, dict))
    e['urls'] = distinct(clean(u.get('expanded_url') if isinstance(u.get('expanded_url'), str) else u.get('url'))
                         for u in arr(ent.get('urls')) if isinstance(u, dict) and not media_link(u))
    e['annotations'] = distinct(clean(a.get('normalized_text')) for a in arr(obj(src.get('entities')).get('annotations')) if isinstance(a, dict) and isinstance(a.get('normalized_text'), str))
    ca = arr(src.get('context_annotations'))
    e['context_domains'] = distinct(clean(obj(c.get('domain')).get('name')) for c in ca if isinstance(c, dict))
    e['context_entities'] = distinct(clean(obj(c.get('entity')).get('name')) for c in ca if isinstance(c, dict))
    att = obj(src.get('attachments')) or obj(t.get('attachments'))
    inline = {m.get('media_key'): m for m in arr(att.get('media')) if isinstance(m, dict)}
    e['media'] = []
    for k in arr(att.get('media_keys')):
        if not isinstance(k, str):
            continue
        m = inline.get(k) or media.get(k) or {}
        e['media'].append({'media_key': k, 'type': m.get('type'),
                           'url': m.get('url') if m.get('url') is not None else m.get('preview_image_url')})
    e['poll_ids'] = distinct(sid(p) for p in arr(att.get('poll_ids')))
    geo = obj(t.get('geo'))
    pid = geo.get('place_id')
    place = geo if 'full_name' in geo else obj(places.get(pid))
    e['place_id'] = pid if pid is not None else place.get('id')
    e['place_name'] = clean(place.get('full_name'))
    e['country'] = clean(place.get('country'))
    e['country_code'] = place.get('country_code')
    co = arr(obj(geo.get('coordinates')).get('coordinates'))
    e['lon'], e['lat'] = (co[0], co[1]) if len(co) >= 2 else (None, None)
    rules = doc.get('matching_rules') if isinstance(doc, dict) and 'matching_rules' in doc else t.get('matching_rules')
    # a rule's tag, or its id (a string of digits, as every id)
    e['matching_rules'] = None if not isinstance(rules, list) else [r.get('tag') if r.get('tag') is not None else sid(r.get('id')) for r in rules if isinstance(r, dict) and (r.get('tag') is not None or r.get('id') is not None)]
    e['possibly_sensitive'] = t.get('possibly_sensitive') if isinstance(t.get('possibly_sensitive'), bool) else None
    e['reply_settings'] = t.get('reply_settings')
    eh = t.get('edit_history_tweet_ids')
    e['edit_history_tweet_ids'] = distinct(sid(x) for x in eh) if isinstance(eh, list) else None
    ec = obj(t.get('edit_controls'))
    e['editable_until'] = iso(iso_ms(ec.get('editable_until')))
    e['edits_remaining'] = count(ec.get('edits_remaining'))
    cc = obj(t.get('withheld')).get('country_codes')
    e['withheld'] = cc if isinstance(cc, list) else None
    return e


V1_SOURCE = re.compile(r'<a [^>]*>(.*)</a>$', re.S)


def v1_tweet(t):
    e = {'_v': 'v1.1'}
    e['id'] = t.get('id_str') or sid(t.get('id'))
    ms = iso_ms(t.get('created_at'))
    e['created_at'] = iso(ms)
    e['ts'] = ms
    u = obj(t.get('user'))
    e['author_id'] = u.get('id_str') or sid(u.get('id'))
    e['username'] = u.get('screen_name')
    e['name'] = clean(u.get('name'))
    e['followers_count'] = u.get('followers_count')
    e['following_count'] = u.get('friends_count')
    e['tweet_count'] = u.get('statuses_count')
    e['verified'] = u.get('verified')
    e['user_location'] = clean(u.get('location'))
    e['verified_type'] = u.get('verified_type')
    e['lang'] = t.get('lang')
    m = V1_SOURCE.match(t.get('source') or '')
    e['source'] = m.group(1) if m else t.get('source')
    e['conversation_id'] = None
    rt = t.get('retweeted_status') if isinstance(t.get('retweeted_status'), dict) else None
    e['is_retweet'] = rt is not None
    e['retweeted_id'] = (rt.get('id_str') or sid(rt.get('id'))) if rt else None
    e['retweeted_user_id'] = obj(rt.get('user')).get('id_str') if rt else None
    e['in_reply_to_id'] = t.get('in_reply_to_status_id_str') or sid(t.get('in_reply_to_status_id'))
    e['in_reply_to_user_id'] = t.get('in_reply_to_user_id_str') or sid(t.get('in_reply_to_user_id'))
    e['is_reply'] = e['in_reply_to_id'] is not None or e['in_reply_to_user_id'] is not None
    src = rt if rt is not None else t
    qst = obj(src.get('quoted_status')) or obj(t.get('quoted_status'))
    qid = src.get('quoted_status_id_str') or sid(src.get('quoted_status_id')) or t.get('quoted_status_id_str') or qst.get('id_str') or sid(qst.get('id'))
    e['quoted_id'] = qid
    quser = obj(qst.get('user'))
    e['quoted_user_id'] = (quser.get('id_str') or sid(quser.get('id'))) if qst else None
    e['is_quote'] = qid is not None or src.get('is_quote_status') is True
    ext = obj(src.get('extended_tweet'))
    text = ext.get('full_text') or src.get('full_text') or src.get('text')
    e['text'] = clean(unescape(text))
    e['retweet_count'] = t.get('retweet_count')
    e['reply_count'] = t.get('reply_count')
    e['like_count'] = t.get('favorite_count')
    e['quote_count'] = t.get('quote_count')
    e['impression_count'] = None
    got = [t[k] for k in ('retweet_count', 'reply_count', 'favorite_count', 'quote_count') if isinstance(t.get(k), int)]
    e['engagement'] = sum(got) if got else None
    ent = obj(ext.get('entities')) or obj(src.get('entities'))
    xent = obj(ext.get('extended_entities')) or obj(src.get('extended_entities'))
    e['hashtags'] = distinct(tag_lower(clean(h.get('text'))) for h in arr(ent.get('hashtags')) if isinstance(h, dict) and isinstance(h.get('text'), str))
    e['cashtags'] = distinct(re.sub('[a-z]+', lambda m: m.group(0).upper(), clean(h['text'])) for h in arr(ent.get('symbols')) if isinstance(h, dict) and isinstance(h.get('text'), str))
    e['mentions'] = distinct(m.get('screen_name') for m in arr(ent.get('user_mentions')) if isinstance(m, dict))
    e['mention_ids'] = distinct(m.get('id_str') or sid(m.get('id')) for m in arr(ent.get('user_mentions')) if isinstance(m, dict))
    e['urls'] = distinct(clean(u.get('expanded_url') if isinstance(u.get('expanded_url'), str) else u.get('url'))
                         for u in arr(ent.get('urls')) if isinstance(u, dict) and not media_link(u))
    e['annotations'] = e['context_domains'] = e['context_entities'] = e['poll_ids'] = None
    e['reply_settings'] = None
    e['media'] = []
    for m in arr(xent.get('media')) or arr(ent.get('media')):
        if not isinstance(m, dict):
            continue
        url = m.get('media_url_https') or m.get('media_url')
        e['media'].append({'media_key': m.get('id_str') or sid(m.get('id')), 'type': m.get('type'), 'url': url})
    place = obj(t.get('place'))
    e['place_id'] = place.get('id')
    e['place_name'] = clean(place.get('full_name'))
    e['country'] = clean(place.get('country'))
    e['country_code'] = place.get('country_code')
    co = arr(obj(t.get('coordinates')).get('coordinates'))
    e['lon'], e['lat'] = (co[0], co[1]) if len(co) >= 2 else (None, None)
    rules = t.get('matching_rules')
    e['matching_rules'] = None if not isinstance(rules, list) else [r.get('tag') if r.get('tag') is not None else r.get('id_str') or sid(r.get('id')) for r in rules if isinstance(r, dict) and (r.get('tag') is not None or r.get('id') is not None)]
    e['possibly_sensitive'] = t.get('possibly_sensitive') if isinstance(t.get('possibly_sensitive'), bool) else None
    eh = obj(t.get('edit_history')).get('edit_tweet_ids')
    e['edit_history_tweet_ids'] = distinct(sid(x) for x in eh) if isinstance(eh, list) else None
    ec = obj(t.get('edit_controls'))
    um = ec.get('editable_until_ms')
    e['editable_until'] = iso(um) if isinstance(um, int) else None
    e['edits_remaining'] = count(ec.get('edits_remaining'))
    w = t.get('withheld_in_countries')
    e['withheld'] = w if isinstance(w, list) else None
    return e


# ---- the tweets, users and places of a document ----

def is_v1_status(x):
    return isinstance(x, dict) and ('text' in x or 'full_text' in x) and (isinstance(x.get('user'), dict) or 'id_str' in x)


def is_v2_tweet(x):
    return (isinstance(x, dict) and 'id' in x and ('text' in x or 'edit_history_tweet_ids' in x)
            and 'event_type' not in x and 'dm_conversation_id' not in x)


class Doc:
    def __init__(self):
        self.tweets = []	# expected flat tweets, in order
        self.users = {}		# id -> expected ts, first wins
        self.places = {}
        self.polls = []		# tweet ids with a poll
        self.media = []		# (tweet_id, media_key)


def v1_dims(d, s, ts, depth=0):
    if not isinstance(s, dict):
        return
    u = s.get('user')
    if isinstance(u, dict):
        uid = u.get('id_str') or sid(u.get('id'))
        if uid and uid not in d.users:
            d.users[uid] = ts
    p = s.get('place')
    if isinstance(p, dict) and p.get('id') and p['id'] not in d.places:
        d.places[p['id']] = ts
    if depth < 2:
        v1_dims(d, s.get('retweeted_status'), ts, depth + 1)
        v1_dims(d, s.get('quoted_status'), ts, depth + 1)


def flat_dims(d, t, ts, depth=0):
    """The users and places twarc2 embeds in a flattened tweet."""
    for u in [t.get('author'), t.get('in_reply_to_user')] + [m for m in arr(obj(t.get('entities')).get('mentions')) if isinstance(m, dict) and 'name' in m]:
        if isinstance(u, dict) and sid(u.get('id')) and u['id'] not in d.users:
            d.users[u['id']] = ts
    g = obj(t.get('geo'))
    if 'full_name' in g:
        pid = g.get('id') or g.get('place_id')
        if pid and pid not in d.places:
            d.places[pid] = ts
    if depth < 2:
        for r in arr(t.get('referenced_tweets')):
            if isinstance(r, dict) and 'text' in r:
                flat_dims(d, r, ts, depth + 1)


def read_doc(x):
    d = Doc()
    items = None
    if isinstance(x, list):
        items = x
    elif isinstance(x, dict) and 'record_type' in x:
        return d
    elif isinstance(x, dict) and 'data' in x:
        data = x['data']
        inc = obj(x.get('includes'))
        data = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
        refs = {}	# user/place id -> time of the first tweet of data that references it
        newest = None
        for t in data:
            if not is_v2_tweet(t):
                if isinstance(t, dict) and 'username' in t and 'text' not in t and sid(t.get('id')):
                    d.users.setdefault(t['id'], None)
                continue
            if is_v1_status(t):
                continue
            e = v2_tweet(t, inc, x)
            d.tweets.append(e)
            ts = e['ts']
            if ts is not None:
                newest = ts if newest is None else max(newest, ts)
                for uid in [e['author_id'], e['in_reply_to_user_id'], e['retweeted_user_id'], e['quoted_user_id']] + e['mention_ids']:
                    if uid is not None:
                        refs.setdefault(('u', uid), ts)
                if e['place_id'] is not None:
                    refs.setdefault(('p', e['place_id']), ts)
            d.media += [(e['id'], m['media_key']) for m in e['media']]
            d.polls += [e['id'] for _ in e['poll_ids']]
            flat_dims(d, t, ts)
        for u in arr(inc.get('users')):
            if isinstance(u, dict) and sid(u.get('id')) and u['id'] not in d.users:
                d.users[u['id']] = refs.get(('u', u['id']), newest)
        for p in arr(inc.get('places')):
            if isinstance(p, dict) and p.get('id') and p['id'] not in d.places:
                d.places[p['id']] = refs.get(('p', p['id']), newest)
        return d
    elif isinstance(x, dict) and isinstance(x.get('statuses'), list):
        items = x['statuses']
    elif isinstance(x, dict) and isinstance(x.get('results'), list):
        items = x['results']
    else:
        items = [x]
    for t in items:
        if is_v1_status(t):
            e = v1_tweet(t)
            d.tweets.append(e)
            v1_dims(d, t, e['ts'])
            d.media += [(e['id'], m['media_key']) for m in e['media']]
            polls = arr(obj(obj(obj(t.get('retweeted_status')).get('extended_tweet') or t.get('extended_tweet')).get('entities')).get('polls')) or \
                arr(obj((t.get('retweeted_status') or t).get('entities')).get('polls'))
            d.polls += [e['id'] for p in polls if isinstance(p, dict)]
        elif is_v2_tweet(t):
            e = v2_tweet(t, {}, None)
            d.tweets.append(e)
            d.media += [(e['id'], m['media_key']) for m in e['media']]
            d.polls += [e['id'] for _ in e['poll_ids']]
            flat_dims(d, t, e['ts'])
        elif isinstance(t, dict) and 'text' not in t and ('username' in t or 'screen_name' in t):
            uid = t.get('id_str') or sid(t.get('id'))
            if uid:
                d.users.setdefault(uid, None)
    return d


# ---- comparing with tw-flatten ----

FIELDS = ['id', 'created_at', 'ts', 'author_id', 'username', 'name', 'followers_count',
          'following_count', 'tweet_count', 'verified', 'user_location', 'verified_type',
          'lang', 'text', 'source', 'conversation_id', 'is_retweet', 'is_reply', 'is_quote',
          'retweeted_id', 'retweeted_user_id', 'in_reply_to_id', 'in_reply_to_user_id',
          'quoted_id', 'quoted_user_id', 'retweet_count', 'reply_count', 'like_count',
          'quote_count', 'impression_count', 'engagement', 'hashtags', 'cashtags', 'mentions',
          'mention_ids', 'urls', 'media', 'place_id', 'place_name', 'country', 'country_code',
          'lon', 'lat', 'matching_rules', 'possibly_sensitive', 'reply_settings',
          'edit_history_tweet_ids', 'editable_until', 'edits_remaining', 'context_domains',
          'context_entities', 'annotations', 'poll_ids', 'withheld']


def main(argv):
    flat = os.environ.get('TW_FLATTEN', 'tw-flatten')
    verbose = False
    files = []
    it = iter(argv)
    for a in it:
        if a == '-v':
            verbose = True
        elif a == '--tw-flatten':
            flat = next(it)
        else:
            files.append(a)
    errors = []
    n = collections.Counter()
    for path in files:
        name = os.path.relpath(path, os.path.dirname(os.path.dirname(path)))
        docs = [read_doc(x) for x in documents(path)]
        want = [e for d in docs for e in d.tweets]
        p = subprocess.run([flat, '-q', '-t', 'all', path], capture_output=True)
        recs = [json.loads(l) for l in p.stdout.decode('utf-8').splitlines()]
        by = collections.defaultdict(list)
        for r in recs:
            by[r['record_type']].append(r)
        got = by['tweet']
        if len(got) != len(want):
            errors.append(f'{name}: {len(got)} tweets, the reference has {len(want)}')
            continue
        for w, g in zip(want, got):
            where = f"{name}:{w['id']}"
            n['tweets'] += 1
            n[w['_v']] += 1
            for f in FIELDS:
                n['fields'] += 1
                if g.get(f) != w[f]:
                    errors.append(f'{where}: {f}: tw-flatten {g.get(f)!r}, reference {w[f]!r}')
        # dimension records: users and places once per document, with
        # the event time of twpipe(7); media per tweet and item; polls.
        wu = collections.Counter((uid, ts) for d in docs for uid, ts in d.users.items())
        gu = collections.Counter((r.get('id'), r.get('ts')) for r in by['user'])
        if wu != gu:
            errors.append(f'{name}: user records (id, ts) differ: missing {sorted(wu - gu)[:3]}, extra {sorted(gu - wu)[:3]}')
        wp = collections.Counter((pid, ts) for d in docs for pid, ts in d.places.items())
        gp = collections.Counter((r.get('id'), r.get('ts')) for r in by['place'])
        if wp != gp:
            errors.append(f'{name}: place records (id, ts) differ: missing {sorted(wp - gp)[:3]}, extra {sorted(gp - wp)[:3]}')
        wm = collections.Counter(m for d in docs for m in d.media)
        gm = collections.Counter((r['tweet_id'], r['media_key']) for r in by['media'])
        if wm != gm:
            errors.append(f'{name}: media records differ: missing {sorted(wm - gm)[:3]}, extra {sorted(gm - wm)[:3]}')
        wo = collections.Counter(t for d in docs for t in d.polls)
        go = collections.Counter(r['tweet_id'] for r in by['poll'])
        if wo != go:
            errors.append(f'{name}: poll records differ: missing {sorted(wo - go)[:3]}, extra {sorted(go - wo)[:3]}')
        n['users'] += sum(wu.values())
        n['places'] += sum(wp.values())
        n['media'] += sum(wm.values())
        n['polls'] += sum(wo.values())
        if verbose:
            print(f'{name}: {len(want)} tweets')
    print(f"{n['tweets']} tweets ({n['v2']} v2, {n['v1.1']} v1.1) in {len(files)} files, "
          f"{n['fields']} fields compared; {n['users']} user, {n['places']} place, "
          f"{n['media']} media and {n['polls']} poll records checked")
    if errors:
        print(f'{len(errors)} differences:')
        print('\n'.join(errors[:40]))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
