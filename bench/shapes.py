#!/usr/bin/env python3
"""shapes.py: v2 filtered-stream lines of other shapes than tw-gen's, for
the per-shape flatten benchmark (bench/shapes.sh).

usage: shapes.py SHAPE N [SEED] > FILE
       shapes.py corpus DIR [COPIES] > FILE

SHAPE is one of
  small-inc  the author alone in includes.users, nothing else expanded,
             no context annotations (about 1.6 KB a line); text in a mix
             of scripts
  large-inc  every expansion: ten to twenty users with long bios, the
             referenced tweets, media, places and polls (about 9 KB)
  ascii      English text and names only
  cjk        Chinese, Japanese and Korean text, names and bios, with many
             emoji (written as the v2 wire writes them: BMP raw, others as
             surrogate-pair escapes)
  escaped    every non-ASCII character as a \\u escape (as v1.1 writes
             them), '/' as '\\/', quotes and newlines in text, and the
             HTML entities &amp; &lt; &gt;
The lines carry the fields the API sends (public metrics, entities with
offsets, context annotations, edit history, matching rules), so
tw-flatten's default record has as much to do as on real lines.

`corpus DIR` writes every JSON document under DIR (the real API payloads
of ../shared/corpus) one a line, with the white space between tokens
removed and the strings left byte for byte as they were (escapes kept),
COPIES times over (default 10). Files that are not JSON are left out.

The output depends only on SHAPE, N and SEED (default 7).
"""
import json
import os
import random
import sys

WORDS = {
    "en": "the new game tonight love this day great time people vote season "
          "friends music live watch today happy best world news video week "
          "team play thanks follow here what really good morning night".split(),
    "es": "el la que de y en un gracias fútbol mañana vamos partido "
          "canción noticias mejor día nunca siempre ahora".split(),
    "pt": "que não muito obrigado amanhã jogo você notícia cidade "
          "música hoje sempre agora melhor".split(),
    "fr": "le la et très merci aujourd'hui été élève match ville "
          "musique nouvelle soirée être".split(),
    "ru": "привет спасибо сегодня новости игра музыка город друзья "
          "завтра очень хорошо".split(),
    "ar": "مرحبا شكرا اليوم اخبار مباراة موسيقى مدينة اصدقاء جميل".split(),
    "ja": "今日 明日 ありがとう 最高 ライブ 試合 天気 推し 新曲 発表 応援 "
          "楽しかった おはよう".split(),
    "zh": "今天 明天 谢谢 比赛 音乐 新闻 城市 朋友 开心 加油 视频 晚安".split(),
    "ko": "오늘 내일 감사합니다 경기 음악 뉴스 도시 친구 사랑해 최고 "
          "응원 컴백".split(),
}
NOSPACE = {"ja", "zh"}
EMOJI = ["\U0001F602", "\U0001F60D", "\U0001F525", "\u2764\ufe0f",
         "\U0001F64F", "\U0001F389", "\u2728", "\U0001F44D", "\U0001F62D",
         "\U0001F970", "\u263A", "\U0001F3B6", "\U0001F1EF\U0001F1F5"]
TAGS = ["BTS", "NBA", "WorldCup", "Oscars", "LaLiga", "BLACKPINK", "Ｔｏｋｙｏ",
        "Música", "京都", "ÇAĞ", "ΑΘΗΝΑ", "Україна", "케이팝", "AI", "Crypto"]
NAMES = {
    "latin": ["Giulia", "Sam Lee", "Ana María", "José", "Chris ✨", "Noor",
              "Zoë", "François", "Mike \U0001F3C0"],
    "cjk": ["こはる", "田中 太郎", "김민지", "王小明", "さくら\U0001F338",
            "이서연", "陈静"],
}
SOURCES = ["Twitter for iPhone", "Twitter for Android", "Twitter Web App",
           "TweetDeck", "Buffer"]
DOMAINS = [("10", "Person", "Named people in the world"),
           ("11", "Sport", "Types of sports, like soccer and basketball"),
           ("46", "Business Taxonomy", "Categories within Brand Verticals"),
           ("65", "Interests and Hobbies Vertical", "Top level interests")]
CITIES = [("Tokyo", "Tokyo, Japan", "Japan", "JP", 139.69, 35.69),
          ("Madrid", "Madrid, Spain", "Spain", "ES", -3.70, 40.42),
          ("Seoul", "Seoul, Republic of Korea", "Republic of Korea", "KR",
           126.98, 37.57),
          ("Chicago", "Chicago, IL", "United States", "US", -87.63, 41.88)]

SHAPES = {
    # includes, script mix, escaping
    "small-inc": ("small", "mixed", False),
    "large-inc": ("large", "mixed", False),
    "ascii": ("normal", "ascii", False),
    "cjk": ("normal", "cjk", False),
    "escaped": ("normal", "mixed", True),
}


class Gen:
    def __init__(self, shape, seed):
        self.inc, self.script, self.esc = SHAPES[shape]
        self.r = random.Random(seed)
        self.tid = 1741610183688812122
        self.ms = 1704067200000

    def lang(self):
        r = self.r
        if self.script == "ascii":
            return "en"
        if self.script == "cjk":
            return r.choice(["ja", "ja", "zh", "ko"])
        return r.choice(["en", "en", "en", "ja", "es", "ko", "pt", "ar",
                         "fr", "ru", "zh"])

    def snowflake(self):
        self.tid += self.r.randint(1, 1 << 22)
        return str(self.tid)

    def uid(self):
        r = self.r
        return str(r.choice([r.randint(10 ** 6, 10 ** 9),
                             r.randint(10 ** 17, 10 ** 19 - 1)]))

    def time(self, ms):
        s, m = divmod(ms, 1000)
        import time
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%03dZ" % m

    def emoji(self):
        return self.r.choice(EMOJI)

    def words(self, lang, n):
        r = self.r
        w = WORDS[lang]
        out = []
        for _ in range(n):
            x = r.random()
            if self.script == "cjk" and x < 0.2:
                out.append(self.emoji() * r.randint(1, 3))
            elif self.script != "ascii" and x < 0.05:
                out.append(self.emoji())
            else:
                out.append(r.choice(w))
        return ("" if lang in NOSPACE else " ").join(out)

    def user(self, uid=None):
        r = self.r
        lang = self.lang()
        cjk = self.script == "cjk" or (self.script == "mixed" and
                                       lang in ("ja", "zh", "ko"))
        name = r.choice(NAMES["cjk" if cjk else "latin"])
        if self.script == "ascii":
            name = r.choice(["Giulia", "Sam Lee", "Ana Maria", "Jose", "Noor"])
        uname = "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789_")
                        for _ in range(r.randint(4, 14)))
        bio_n = 25 if self.inc == "large" else 6
        u = {
            "id": uid or self.uid(),
            "name": name,
            "username": uname,
            "created_at": self.time(self.ms - r.randint(10 ** 9, 4 * 10 ** 11)),
            "description": self.words(lang, r.randint(2, bio_n)),
            "verified": r.random() < 0.1,
            "protected": False,
            "profile_image_url": "https://pbs.twimg.com/profile_images/%d/"
                                 "%s_normal.jpg" % (r.randint(10 ** 17, 10 ** 18),
                                                    uname),
            "url": "" if r.random() < 0.6 else "https://t.co/" + uname[:10],
            "public_metrics": {
                "followers_count": r.randint(0, 5 * 10 ** 6),
                "following_count": r.randint(0, 5000),
                "tweet_count": r.randint(0, 10 ** 5),
                "listed_count": r.randint(0, 10 ** 4),
                "like_count": r.randint(0, 10 ** 5)},
        }
        if r.random() < 0.5:
            u["location"] = r.choice(CITIES)[1]
        if r.random() < 0.2:
            u["verified_type"] = "blue"
        return u

    def text_entities(self, lang, mentions, tags, link):
        """Text with mentions, hashtags and a link, and their entities
        (offsets in code points, as the API counts them)."""
        r = self.r
        parts = []
        ent = {}
        pos = 0

        def add(s):
            nonlocal pos
            parts.append(s)
            pos += len(s)
        sep = "" if lang in NOSPACE else " "
        for m in mentions:
            ent.setdefault("mentions", []).append(
                {"start": pos, "end": pos + 1 + len(m["username"]),
                 "username": m["username"], "id": m["id"]})
            add("@" + m["username"] + " ")
        add(self.words(lang, r.randint(6, 18)))
        for t in tags:
            add(sep + " ")
            ent.setdefault("hashtags", []).append(
                {"start": pos, "end": pos + 1 + len(t), "tag": t})
            add("#" + t)
        if r.random() < 0.3:
            add(" " + r.choice(["Q&A", "<3", "R&D", "a > b"]))
        if self.esc:
            add('\n"' + self.words(lang, 3) + '"')
        if link:
            u = "https://t.co/" + "".join(r.choice("abcdefghijkLMNOP0123")
                                          for _ in range(10))
            add(" ")
            ent.setdefault("urls", []).append(
                {"start": pos, "end": pos + len(u), "url": u,
                 "expanded_url": "https://example.com/news/%d/story.html"
                                 % r.randint(1, 10 ** 6),
                 "display_url": "example.com/news/…",
                 "unwound_url": "https://example.com/news/story.html",
                 "status": 200, "title": self.words(lang, 5),
                 "description": self.words(lang, 12)})
            add(u)
        # The API escapes the text as HTML: & < > as entities.
        text = "".join(parts).replace("&", "&amp;").replace("<", "&lt;") \
            .replace(">", "&gt;")
        if r.random() < 0.3:
            ent["annotations"] = [{"start": 0, "end": 5, "probability": 0.6,
                                   "type": "Place",
                                   "normalized_text": r.choice(CITIES)[0]}]
        return text, ent

    def tweet(self, author, users, lang=None, rt_of=None):
        r = self.r
        lang = lang or self.lang()
        ms = self.ms
        tid = self.snowflake()
        t = {"id": tid}
        mentions = r.sample(users, min(len(users), r.randint(0, 3)))
        tags = r.sample(TAGS, r.randint(0, 3))
        if self.script == "ascii":
            tags = [x for x in tags if x.isascii()]
        link = r.random() < 0.4
        text, ent = self.text_entities(lang, mentions, tags, link)
        if rt_of is not None:
            text = "RT @%s: %s" % (rt_of[1]["username"], rt_of[0]["text"])
            text = text[:140 + text.count("&") * 4]
            ent = dict(rt_of[0].get("entities", {}))
        t.update({
            "text": text, "author_id": author["id"],
            "created_at": self.time(ms), "lang": lang,
            "source": r.choice(SOURCES), "conversation_id": tid,
            "edit_history_tweet_ids": [tid],
            "edit_controls": {"edits_remaining": 5, "is_edit_eligible": True,
                              "editable_until": self.time(ms + 3600000)},
            "possibly_sensitive": r.random() < 0.02,
            "reply_settings": "everyone",
            "public_metrics": {
                "retweet_count": r.randint(0, 2000),
                "reply_count": r.randint(0, 50),
                "like_count": r.randint(0, 10 ** 4),
                "quote_count": r.randint(0, 20),
                "bookmark_count": r.randint(0, 20),
                "impression_count": r.randint(0, 10 ** 6)},
        })
        if ent:
            t["entities"] = ent
        if self.inc != "small" and r.random() < 0.5:
            ca = []
            for d in r.sample(DOMAINS, r.randint(1, 3)):
                ca.append({"domain": {"id": d[0], "name": d[1],
                                      "description": d[2]},
                           "entity": {"id": str(r.randint(10 ** 17, 10 ** 18)),
                                      "name": self.words("en", 2)}})
            t["context_annotations"] = ca
        return t

    def media(self):
        r = self.r
        key = "3_%d" % r.randint(10 ** 17, 10 ** 18)
        m = {"media_key": key, "type": r.choice(["photo", "photo", "video"]),
             "width": r.choice([1200, 1080, 640]),
             "height": r.choice([675, 1350, 480])}
        if m["type"] == "photo":
            m["url"] = "https://pbs.twimg.com/media/%s.jpg" % key[2:12]
        else:
            m["preview_image_url"] = ("https://pbs.twimg.com/ext_tw_video_"
                                      "thumb/%s/pu/img/x.jpg" % key[2:])
            m["duration_ms"] = r.randint(1000, 140000)
            m["public_metrics"] = {"view_count": r.randint(0, 10 ** 6)}
        if r.random() < 0.3:
            m["alt_text"] = self.words(self.lang(), 8)
        return m

    def place(self):
        c = self.r.choice(CITIES)
        return {"full_name": c[1], "id": "%016x" % self.r.getrandbits(64),
                "contained_within": [], "country": c[2], "country_code": c[3],
                "geo": {"type": "Feature",
                        "bbox": [c[4] - 0.2, c[5] - 0.2, c[4] + 0.2,
                                 c[5] + 0.2], "properties": {}},
                "name": c[0], "place_type": "city"}

    def line(self):
        r = self.r
        self.ms += r.randint(1, 40)
        large = self.inc == "large"
        author = self.user()
        others = [self.user() for _ in range(r.randint(1, 3) if not large
                                              else r.randint(10, 20))]
        users = [author]
        inc = {}
        data = self.tweet(author, others)
        refs = []
        x = r.random()
        kinds = []
        if x < 0.35:
            kinds.append("retweeted")
        elif x < 0.5:
            kinds.append("replied_to")
        if r.random() < (0.6 if large else 0.1):
            kinds.append("quoted")
        inc_tweets = []
        for k in kinds:
            ou = others[0] if k == "retweeted" else r.choice(others)
            orig = self.tweet(ou, others)
            orig["created_at"] = self.time(self.ms - r.randint(1000, 10 ** 7))
            refs.append({"type": k, "id": orig["id"]})
            inc_tweets.append(orig)
            if k == "retweeted":
                data = self.tweet(author, others, lang=orig["lang"],
                                  rt_of=(orig, ou))
            if k == "replied_to":
                data["in_reply_to_user_id"] = ou["id"]
            if ou not in users:
                users.append(ou)
        if refs:
            data["referenced_tweets"] = refs
        if self.inc != "small":
            for m in data.get("entities", {}).get("mentions", []):
                for o in others:
                    if o["id"] == m["id"] and o not in users:
                        users.append(o)
            if large:
                users += [o for o in others if o not in users]
            if inc_tweets:
                inc["tweets"] = inc_tweets
        if large or r.random() < 0.15:
            media = [self.media() for _ in range(r.randint(1, 4))]
            data["attachments"] = {"media_keys": [m["media_key"] for m in media]}
            if self.inc != "small":
                inc["media"] = media
        if large or r.random() < 0.05:
            p = self.place()
            data["geo"] = {"place_id": p["id"]}
            if r.random() < 0.3:
                data["geo"]["coordinates"] = {"type": "Point", "coordinates": [
                    p["geo"]["bbox"][0] + 0.1, p["geo"]["bbox"][1] + 0.1]}
            if self.inc != "small":
                inc["places"] = [p]
        if large and r.random() < 0.3:
            pid = str(r.randint(10 ** 18, 10 ** 19 - 1))
            data.setdefault("attachments", {})["poll_ids"] = [pid]
            inc["polls"] = [{"id": pid, "options": [
                {"position": i + 1, "label": self.words(self.lang(), 2),
                 "votes": r.randint(0, 1000)} for i in range(r.randint(2, 4))],
                "voting_status": "closed", "duration_minutes": 1440,
                "end_datetime": self.time(self.ms + 86400000)}]
        inc["users"] = users
        # the API's order: users first
        inc = {k: inc[k] for k in ("users", "tweets", "media", "places",
                                   "polls") if k in inc}
        doc = {"data": data, "includes": inc,
               "matching_rules": [{"id": str(r.randint(10 ** 18, 10 ** 19 - 1)),
                                   "tag": r.choice(["news", "sports", "kpop",
                                                    "sample"])}]}
        return self.dump(doc)

    def dump(self, doc):
        if self.esc:
            s = json.dumps(doc, separators=(",", ":"), ensure_ascii=True)
            return s.replace("/", "\\/")
        # v2 wire: BMP characters raw, others as uppercase surrogate pairs
        s = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
        out = []
        for ch in s:
            o = ord(ch)
            if o > 0xFFFF:
                o -= 0x10000
                out.append("\\u%04X\\u%04X" % (0xD800 + (o >> 10),
                                               0xDC00 + (o & 0x3FF)))
            else:
                out.append(ch)
        return "".join(out)


def compact(text):
    """The JSON text without white space between tokens; strings kept
    byte for byte."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            out.append(text[i:j + 1])
            i = j + 1
        elif c in " \t\r\n":
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def corpus(root, copies):
    docs = []
    for d, _, files in sorted(os.walk(root)):
        for f in sorted(files):
            if not (f.endswith(".json") or f.endswith(".jsonl")):
                continue
            with open(os.path.join(d, f), encoding="utf-8",
                      errors="surrogateescape") as fh:
                text = fh.read()
            # a file is one document (maybe pretty), or one a line
            try:
                json.loads(text)
                docs.append(compact(text))
                continue
            except ValueError:
                pass
            for line in text.splitlines():
                try:
                    json.loads(line)
                except ValueError:
                    continue
                docs.append(compact(line))
    out = sys.stdout
    for _ in range(copies):
        for d in docs:
            out.write(d)
            out.write("\n")


def main():
    a = sys.argv[1:]
    if len(a) >= 2 and a[0] == "corpus":
        sys.stdout.reconfigure(errors="surrogateescape")
        corpus(a[1], int(a[2]) if len(a) > 2 else 10)
        return
    if len(a) not in (2, 3) or a[0] not in SHAPES:
        sys.stderr.write("usage: shapes.py %s N [SEED]\n"
                         "       shapes.py corpus DIR [COPIES]\n"
                         % "|".join(SHAPES))
        sys.exit(2)
    g = Gen(a[0], int(a[2]) if len(a) == 3 else 7)
    w = sys.stdout.write
    for _ in range(int(a[1])):
        w(g.line())
        w("\n")


if __name__ == "__main__":
    main()
