/*
 * dash.c: tw-plot dashboard SPEC -o FILE.
 *
 * Reads a line-based spec (title, refresh, chart lines that take the
 * chart command's arguments), renders every chart, and writes one
 * self-contained HTML page: inline CSS, SVG and script, no external
 * script, font, stylesheet or image. A chart that cannot be drawn (its
 * input unreadable or not records, a field in no record) becomes a
 * placeholder panel saying why; the page is still written, and the exit
 * status is 1. The page is written to a temporary file and renamed, so
 * a browser (or the page's own refresh) that reads it during a run gets
 * the old page or the new one, never half.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plot.h"
#include "tw_chart.h"
#include "tw_opt.h"
#include "tw_reader.h"
#include "tw_time.h"
#include "tw_util.h"
#include "tw_writer.h"

/* Two columns from 1400 px, one below; charts scale to their column. */
static const char css[] =
    "*{box-sizing:border-box}\n"
    "body{margin:0;padding:16px 20px;background:#f4f5f7;color:#222;"
    "font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',Arial,sans-serif}\n"
    "header{margin:0 0 14px}\n"
    "h1{font-size:24px;margin:0 0 4px}\n"
    ".updated{color:#555;margin:0;font-size:14px}\n"
    "main{display:grid;grid-template-columns:minmax(0,1fr);gap:16px}\n"
    "@media (min-width:1400px){main{grid-template-columns:repeat(2,minmax(0,1fr))}}\n"
    ".panel{background:#fff;border:1px solid #dde;border-radius:6px;padding:10px;"
    "text-align:center;min-width:0}\n"
    ".panel svg{width:100%;height:auto;display:block}\n"
    ".hits .hit:hover{fill-opacity:.07}\n"
    "svg>.hit:hover{filter:brightness(1.15)}\n"
    ".note{color:#666;font-size:13px;margin:6px 0 2px}\n"
    ".error{border-color:#d9534f;background:#fff6f6;min-height:160px}\n"
    ".error h2{font-size:17px;margin:24px 0 8px}\n"
    ".error p{color:#a12622;font-family:ui-monospace,monospace;font-size:14px}\n"
    "#tip{position:fixed;z-index:9;pointer-events:none;background:#222;color:#fff;"
    "font-size:13px;line-height:1.4;padding:6px 9px;border-radius:4px;"
    "white-space:pre-line;text-align:left;max-width:380px;box-shadow:0 2px 6px #0004}\n"
    "#tip[hidden]{display:none}\n"
    "footer{color:#888;font-size:12px;margin-top:16px}\n";

/*
 * The page's script: tips and refresh, inline (the page is one file).
 *
 * Tips: each mark's <title> becomes its data-tip, shown at once next to
 * the pointer (a title's own tooltip comes late); without the script the
 * titles still work. Refresh: every data-refresh seconds the page fetches
 * itself and replaces the panels whose data-sum changed, and the update
 * time: no reload, so the scroll position, a tip and the page's state
 * stay. A fetch that fails from a web server leaves the charts as they
 * are and says so (a reload would show an error page instead); from a
 * file:// URL, which browsers do not let a page fetch, the page reloads
 * whole instead. window.twDashboard counts refreshes, for tests.
 */
static const char script[] =
    "(function () {\n"
    "'use strict';\n"
    "var every = Number(document.body.getAttribute('data-refresh')) || 0;\n"
    "var tip = document.getElementById('tip');\n"
    "var note = document.getElementById('refresh-note');\n"
    "var state = window.twDashboard = { refreshes: 0, swapped: 0, failed: 0, error: '' };\n"
    "function prep(root) {\n"
    "  root.querySelectorAll('.hit').forEach(function (e) {\n"
    "    var t = e.querySelector('title');\n"
    "    if (t) { e.setAttribute('data-tip', t.textContent); t.remove(); }\n"
    "  });\n"
    "}\n"
    "function move(ev) {\n"
    "  var e = ev.target && ev.target.closest ? ev.target.closest('[data-tip]') : null;\n"
    "  if (!e) { tip.hidden = true; return; }\n"
    "  tip.textContent = e.getAttribute('data-tip');\n"
    "  tip.hidden = false;\n"
    "  var x = ev.clientX + 14, y = ev.clientY + 14;\n"
    "  if (x + tip.offsetWidth > innerWidth - 4) x = ev.clientX - tip.offsetWidth - 10;\n"
    "  if (y + tip.offsetHeight > innerHeight - 4) y = ev.clientY - tip.offsetHeight - 10;\n"
    "  tip.style.left = Math.max(4, x) + 'px';\n"
    "  tip.style.top = Math.max(4, y) + 'px';\n"
    "}\n"
    "prep(document);\n"
    "document.addEventListener('pointermove', move);\n"
    "document.addEventListener('pointerdown', move);\n"
    "document.documentElement.addEventListener('pointerleave', function () { tip.hidden = true; });\n"
    "if (!every) return;\n"
    "function swap(html) {\n"
    "  var d = new DOMParser().parseFromString(html, 'text/html');\n"
    "  var fresh = d.querySelector('main'), main = document.querySelector('main');\n"
    "  if (!fresh || !d.getElementById('updated')) throw new Error('not a dashboard page');\n"
    "  var olds = main.children, news = Array.prototype.slice.call(fresh.children), n = 0;\n"
    "  if (olds.length !== news.length) {\n"
    "    main.replaceChildren.apply(main, news.map(function (e) { return document.adoptNode(e); }));\n"
    "    n = news.length;\n"
    "  } else {\n"
    "    news.forEach(function (e, i) {\n"
    "      if (olds[i].getAttribute('data-sum') !== e.getAttribute('data-sum')) {\n"
    "        main.replaceChild(document.adoptNode(e), olds[i]);\n"
    "        n++;\n"
    "      }\n"
    "    });\n"
    "  }\n"
    "  prep(main);\n"
    "  document.getElementById('updated').textContent = d.getElementById('updated').textContent;\n"
    "  document.title = d.title;\n"
    "  document.querySelector('h1').textContent = d.querySelector('h1').textContent;\n"
    "  return n;\n"
    "}\n"
    "var busy = false;\n"
    "function refresh() {\n"
    "  if (busy) return;\n"
    "  busy = true;\n"
    "  fetch(location.href.split('#')[0], { cache: 'no-store' }).then(function (r) {\n"
    "    if (!r.ok) throw new Error('HTTP ' + r.status);\n"
    "    return r.text();\n"
    "  }).then(function (t) {\n"
    "    state.swapped += swap(t);\n"
    "    state.refreshes++;\n"
    "    note.textContent = '; charts refresh every ' + every + ' s';\n"
    "  }).catch(function (e) {\n"
    "    if (location.protocol === 'file:') { location.reload(); return; }\n"
    "    state.failed++;\n"
    "    state.error = String(e && e.message || e);\n"
    "    note.textContent = '; refresh failed (' + state.error + '): showing the charts as they were, trying again every ' + every + ' s';\n"
    "  }).then(function () { busy = false; });\n"
    "}\n"
    "var last = Date.now();\n"
    "setInterval(function () {\n"
    "  if (document.hidden || Date.now() - last < every * 1000 - 50) return;\n"
    "  last = Date.now();\n"
    "  refresh();\n"
    "}, Math.min(every * 1000, 1000));\n"
    "})();\n";

struct dchart {
	struct chart c;
	char **argv;		/* owned tokens */
	int argc;
	unsigned long lineno;
};

/* Splits a spec line into words: blanks separate, "..." (with \" and
 * \\) and '...' quote. Returns the count, or -1 with err set. */
static int
split(const char *s, char ***out, char *err, size_t errlen)
{
	char **v = NULL;
	int n = 0;
	struct tw_buf w = TW_BUF_INIT;

	for (;;) {
		int inword = 0;

		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '\0')
			break;
		tw_buf_reset(&w);
		while (*s && *s != ' ' && *s != '\t') {
			inword = 1;
			if (*s == '"') {
				for (s++; *s && *s != '"'; s++) {
					if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
						s++;
					tw_buf_addc(&w, *s);
				}
				if (*s != '"')
					goto unterminated;
				s++;
			} else if (*s == '\'') {
				for (s++; *s && *s != '\''; s++)
					tw_buf_addc(&w, *s);
				if (*s != '\'')
					goto unterminated;
				s++;
			} else {
				tw_buf_addc(&w, *s++);
			}
		}
		if (inword) {
			v = tw_xrealloc(v, (size_t)(n + 2) * sizeof *v);
			v[n++] = tw_xstrndup(w.p, w.len);
			v[n] = NULL;
		}
	}
	tw_buf_free(&w);
	*out = v;
	return n;
unterminated:
	snprintf(err, errlen, "unterminated quote");
	tw_buf_free(&w);
	while (n > 0)
		free(v[--n]);
	free(v);
	return -1;
}

static void
free_words(char **v, int n)
{
	while (n > 0)
		free(v[--n]);
	free(v);
}

/* Creates the directories above path (mkdir -p of its dirname). */
static int
make_parent(const char *path)
{
	char *d = tw_xstrdup(path), *p;
	int rc = 0, e = 0;

	for (p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0777) < 0 && errno != EEXIST) {
			rc = -1;
			e = errno;
		}
		*p = '/';
	}
	free(d);
	errno = e;
	return rc;
}

static void
esc(struct tw_buf *b, const char *s)
{
	tw_chart_xml(b, s, strlen(s));
}

static void
panel_body(struct tw_buf *b, struct dchart *d)
{
	struct chart *c = &d->c;
	int i;

	if (c->failed) {
		tw_buf_adds(b, "<h2>");
		if (c->title)
			esc(b, c->title);
		else
			tw_buf_adds(b, "chart");
		tw_buf_adds(b, "</h2>\n<p>");
		esc(b, c->errs);
		tw_buf_addf(b, "</p>\n<p class=\"note\">%s</p>\n",
		    c->failed == FAIL_IO ? "the chart appears when its input can be read" :
		    c->failed == FAIL_WRONG ? "the chart appears when its input is flat NDJSON records" :
		    "the chart appears when its records have the fields it reads");
		return;
	}
	svg_render(b, c);
	tw_buf_addf(b, "<p class=\"note\">%llu record%s from ", (unsigned long long)c->records,
	    c->records == 1 ? "" : "s");
	for (i = 0; i < c->nfiles; i++) {
		if (i)
			tw_buf_adds(b, ", ");
		esc(b, c->files[i]);
	}
	if (c->bad)
		tw_buf_addf(b, "; %llu bad line%s skipped", (unsigned long long)c->bad,
		    c->bad == 1 ? "" : "s");
	tw_buf_adds(b, "</p>\n");
}

/* A panel: its id (the chart's place in the spec) and a sum of its
 * contents, by which the page's refresh swaps only what changed. */
static void
panel(struct tw_buf *b, struct dchart *d, int n)
{
	struct tw_buf body = TW_BUF_INIT;

	panel_body(&body, d);
	tw_buf_addf(b, "<section class=\"panel%s\" id=\"chart-%d\" data-sum=\"%016llx\">\n",
	    d->c.failed ? " error" : "", n,
	    (unsigned long long)tw_fnv64(TW_FNV_INIT, body.p, body.len));
	if (body.len)
		tw_buf_add(b, body.p, body.len);
	tw_buf_adds(b, "</section>\n");
	tw_buf_free(&body);
}

/* "Last updated" time: SOURCE_DATE_EPOCH when set (reproducible pages). */
static int64_t
page_time(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH"), *e;
	int64_t v;

	if (s && *s && tw_parse_int(s, 0, (int64_t)1 << 40, &v, &e) == 0)
		return v * 1000;
	return tw_now_ms();
}

int
dash_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *out = NULL, *spec, *e;
	struct tw_reader r;
	struct tw_buf title = TW_BUF_INIT, page = TW_BUF_INIT, dir = TW_BUF_INIT;
	struct dchart *ch = NULL;
	const char *line;
	char err[600], **words, *slash;
	size_t len;
	int ch_opt, n, nch = 0, i, status = 0, spec_bad = 0, rc;
	int64_t refresh = 300, now;
	struct tw_tm tm;
	enum tw_read_status st;

	optind = 0;
	opterr = 0;
	while ((ch_opt = getopt_long(argc, argv, ":ho:", longopts, NULL)) != -1) {
		switch (ch_opt) {
		case 'o': out = optarg; break;
		case 'h':
			fputs("usage: tw-plot dashboard SPEC -o DIR/index.html\n", stdout);
			return 0;
		default:
			tw_opt_refused(ch_opt, argv, NULL);
			fputs("usage: tw-plot dashboard SPEC -o DIR/index.html\n", stderr);
			return 2;
		}
	}
	if (argc - optind != 1 || out == NULL) {
		tw_warn("dashboard: give one SPEC and -o FILE");
		fputs("usage: tw-plot dashboard SPEC -o DIR/index.html\n", stderr);
		return 2;
	}
	spec = argv[optind];
	tw_buf_adds(&dir, spec);
	slash = strrchr(dir.p, '/');
	if (slash)
		*slash = '\0';	/* "/x.spec" leaves "": the root */
	tw_buf_adds(&title, "twpipe dashboard");

	/* The spec: read it whole before any chart, so a typo costs no I/O. */
	tw_reader_open(&r, (char **)&argv[optind], 1);
	while ((st = tw_reader_next(&r, &line, &len)) != TW_READ_EOF) {
		if (st == TW_READ_ERR) {
			tw_warn("%s: %s", spec, r.errmsg);
			tw_reader_close(&r);
			tw_buf_free(&title);
			tw_buf_free(&dir);
			return 1;
		}
		if (st != TW_READ_LINE)
			continue;
		n = split(line, &words, err, sizeof err);
		if (n < 0) {
			tw_warn("%s:%llu: %s", spec, (unsigned long long)r.lineno, err);
			spec_bad = 1;
			continue;
		}
		if (n == 0 || words[0][0] == '#') {
			free_words(words, n);
			continue;
		}
		if (strcmp(words[0], "title") == 0) {
			const char *t = line;

			/* the rest of the line, as written */
			while (*t == ' ' || *t == '\t')
				t++;
			t += 5;
			while (*t == ' ' || *t == '\t')
				t++;
			tw_buf_reset(&title);
			tw_buf_adds(&title, t);
			while (title.len && (title.p[title.len - 1] == ' ' ||
			    title.p[title.len - 1] == '\t'))
				title.p[--title.len] = '\0';
			free_words(words, n);
		} else if (strcmp(words[0], "refresh") == 0) {
			if (n != 2 || tw_parse_int(words[1], 0, 86400 * 7, &refresh, &e) < 0) {
				tw_warn("%s:%llu: refresh: give seconds, 0 to 604800",
				    spec, (unsigned long long)r.lineno);
				spec_bad = 1;
			}
			free_words(words, n);
		} else if (strcmp(words[0], "chart") == 0) {
			struct dchart *d;

			ch = tw_xrealloc(ch, (size_t)(nch + 1) * sizeof *ch);
			d = &ch[nch];
			memset(d, 0, sizeof *d);
			d->argv = words;
			d->argc = n;
			d->lineno = (unsigned long)r.lineno;
			rc = n < 2 ? -1 : chart_parse(&d->c, n - 1, words + 1, 0, err, sizeof err);
			if (rc > 0)
				snprintf(err, sizeof err, "-h and --version are not allowed here");
			if (rc != 0) {
				tw_warn("%s:%llu: chart: %s", spec, (unsigned long long)r.lineno,
				    n < 2 ? "give a type (line, bar, hbar) and its arguments" : err);
				spec_bad = 1;
				free(d->c.yarg);
				free_words(words, n);
				continue;
			}
			if (d->c.nfiles == 0) {
				tw_warn("%s:%llu: chart: give an input file", spec,
				    (unsigned long long)r.lineno);
				spec_bad = 1;
				free(d->c.yarg);
				free_words(words, n);
				continue;
			}
			nch++;
		} else {
			tw_warn("%s:%llu: unknown directive \"%s\" (title, refresh, chart)",
			    spec, (unsigned long long)r.lineno, words[0]);
			spec_bad = 1;
			free_words(words, n);
		}
	}
	tw_reader_close(&r);
	if (!spec_bad && nch == 0) {
		tw_warn("%s: no chart lines", spec);
		spec_bad = 1;
	}
	if (spec_bad) {
		for (i = 0; i < nch; i++) {
			chart_free(&ch[i].c);
			free_words(ch[i].argv, ch[i].argc);
		}
		free(ch);
		tw_buf_free(&title);
		tw_buf_free(&dir);
		return 2;
	}

	now = page_time();
	tw_time_split(now, &tm);
	tw_buf_adds(&page, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
	/* Without the script the page reloads whole. */
	if (refresh > 0)
		tw_buf_addf(&page, "<noscript><meta http-equiv=\"refresh\" content=\"%lld\"></noscript>\n",
		    (long long)refresh);
	tw_buf_adds(&page, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
	esc(&page, title.p);
	tw_buf_addf(&page, "</title>\n<style>\n%s</style>\n</head>\n<body data-refresh=\"%lld\">\n<header>\n<h1>",
	    css, (long long)refresh);
	esc(&page, title.p);
	tw_buf_addf(&page, "</h1>\n<p class=\"updated\"><span id=\"updated\">last updated %04d-%02d-%02d %02d:%02d:%02d UTC</span><span id=\"refresh-note\">",
	    tm.year, tm.mon, tm.day, tm.hour, tm.min, tm.sec);
	if (refresh > 0)
		tw_buf_addf(&page, "; charts refresh every %lld s", (long long)refresh);
	tw_buf_adds(&page, "</span></p>\n</header>\n<main>\n");
	for (i = 0; i < nch; i++) {
		chart_load(&ch[i].c, slash ? dir.p : NULL);
		chart_finish(&ch[i].c);
		if (ch[i].c.failed) {
			status = 1;
			if (ch[i].c.failed != FAIL_IO && ch[i].c.failed != FAIL_WRONG)
				tw_warn("%s:%lu: chart: %s", spec, ch[i].lineno, ch[i].c.errs);
		}
		panel(&page, &ch[i], i + 1);
		chart_free(&ch[i].c);
		free_words(ch[i].argv, ch[i].argc);
	}
	tw_buf_adds(&page, "</main>\n<footer>made by tw-plot ");
	tw_buf_adds(&page, TW_VERSION);
	tw_buf_addf(&page, "</footer>\n<div id=\"tip\" role=\"tooltip\" hidden></div>\n<script>\n%s</script>\n</body>\n</html>\n",
	    script);
	if (make_parent(out) < 0) {
		tw_warn("%s: cannot make its directory: %s", out, strerror(errno));
		status = 1;
	} else if (tw_write_file(out, page.p, page.len, err, sizeof err) < 0) {
		tw_warn("%s", err);
		status = 1;
	}
	free(ch);
	tw_buf_free(&page);
	tw_buf_free(&title);
	tw_buf_free(&dir);
	return status;
}
