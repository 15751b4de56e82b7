/*
** report_html.c -- the report page (see report_model.h).
**
** One file, no external assets: inline CSS, inline SVG waveforms, and
** one small inline script (players report whether their source loaded,
** a click on a waveform seeks). Every string that came from the journal
** goes through sf_html_esc(): titles, tags and prompts are written by whoever
** wrote the script or answered it, and must never become markup. As a
** second fence, the page's Content-Security-Policy allows no script but
** the one whose SHA-256 it names.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "journal.h"
#include "report_model.h"
#include "report_util.h"
#include "version.h"

#define WAVE_H 64                 /* the waveform's viewBox height */

static const char css[] =
  ":root{--fg:#1d2330;--mute:#5d6677;--line:#dde2ea;--card:#fff;"
  "--bg:#f3f5f8;--accent:#3559c7;--wave:#9fb3ea;--rms:#3559c7}"
  "*{box-sizing:border-box}"
  "body{margin:0;font:14px/1.45 system-ui,-apple-system,'Segoe UI',"
  "Roboto,sans-serif;color:var(--fg);background:var(--bg)}"
  "header,main,footer{max-width:1400px;margin:0 auto;padding:16px 24px}"
  "h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:24px 0 4px}"
  "h3{font-size:15px;margin:0 0 6px}"
  "code{font:12px ui-monospace,Menlo,Consolas,monospace}"
  ".meta{display:grid;grid-template-columns:repeat(auto-fill,"
  "minmax(190px,1fr));gap:8px 16px;margin:12px 0}"
  ".meta div{background:var(--card);border:1px solid var(--line);"
  "border-radius:8px;padding:8px 12px}"
  ".meta dt,.inputs dt{color:var(--mute);font-size:12px}"
  ".meta dd{margin:0;font-weight:600;overflow-wrap:anywhere}"
  ".badge{display:inline-block;padding:1px 8px;border-radius:10px;"
  "font-size:12px;background:#e4e8f0}"
  ".st-finished,.st-succeeded,.st-complete{background:#d5f0dc;"
  "color:#14592a}"
  ".st-failed,.st-error,.st-unknown{background:#f8d7d7;color:#7a1717}"
  ".st-running,.st-interrupted{background:#fbecc8;color:#6b4a00}"
  ".row{display:grid;grid-auto-flow:column;grid-auto-columns:"
  "minmax(270px,1fr);gap:12px;margin:12px 0 20px;align-items:start;"
  "overflow-x:auto;padding-bottom:4px}"
  ".rowhead{margin:16px 0 0;color:var(--mute)}"
  ".task{background:var(--card);border:1px solid var(--line);"
  "border-radius:10px;padding:12px 14px;margin:12px 0}"
  ".row .task{margin:0}"
  ".task.source{border-style:dashed}"
  ".kind{font:600 11px ui-monospace,monospace;text-transform:uppercase;"
  "color:var(--accent);letter-spacing:.04em}"
  ".inputs{display:grid;grid-template-columns:max-content 1fr;"
  "gap:2px 10px;margin:6px 0 10px}"
  ".inputs dd{margin:0;overflow-wrap:anywhere;white-space:pre-wrap}"
  ".clips{display:grid;grid-template-columns:repeat(auto-fill,"
  "minmax(min(280px,100%),1fr));gap:10px}"
  ".task,.clip{min-width:0}"
  ".clip{border-top:1px solid var(--line);padding-top:8px}"
  ".clip .ct{font-weight:600;overflow-wrap:anywhere}"
  ".dur{color:var(--mute);font-weight:400;margin-left:6px}"
  "svg.wave{display:block;width:100%;height:64px;margin:6px 0;"
  "background:#f7f8fb;border-radius:4px;cursor:pointer}"
  "svg.wave .pk{fill:var(--wave)}svg.wave .rm{fill:var(--rms)}"
  "svg.wave .pos{fill:rgba(53,89,199,.15)}"
  ".nowave{height:64px;margin:6px 0;display:flex;align-items:center;"
  "justify-content:center;color:var(--mute);background:#f7f8fb;"
  "border-radius:4px;font-size:12px}"
  "audio{width:100%;height:36px}"
  ".small{color:var(--mute);font-size:12px;overflow-wrap:anywhere}"
  ".err{color:#7a1717}"
  ".broken audio{outline:2px solid #c33}"
  "footer{color:var(--mute);font-size:12px}";

/* Tells the test (and the reader) whether every player found its file,
** and lets a click on a waveform seek its player. */
static const char script[] =
  "(function(){var b=document.body,a=document.querySelectorAll('audio'),"
  "n=a.length,ok=0,bad=0;"
  "function done(){if(ok+bad<n)return;"
  "b.setAttribute('data-audio-ok',n===0?'none':bad?'no':'yes');"
  "b.setAttribute('data-audio-count',ok+'/'+n);}"
  "a.forEach(function(e){var s=0,c=e.closest('.clip'),"
  "w=c&&c.querySelector('svg.wave'),p=w&&w.querySelector('.pos');"
  "function y(){if(!s){s=1;ok++;done();}}"
  "function f(){if(!s){s=1;bad++;if(c)c.classList.add('broken');done();}}"
  "if(e.error)f();else if(e.readyState>=1)y();else{"
  "e.addEventListener('loadedmetadata',y);e.addEventListener('error',f);}"
  "if(p)e.addEventListener('timeupdate',function(){if(e.duration>0)"
  "p.setAttribute('width',400*e.currentTime/e.duration);});"
  "if(w)w.addEventListener('click',function(v){if(!(e.duration>0))return;"
  "var r=w.getBoundingClientRect();"
  "e.currentTime=(v.clientX-r.left)/r.width*e.duration;e.play();});});"
  "done();})();";

/* ------------------------------------------------------------- times */

/* Seconds since the epoch of "2026-11-23T21:23:14(.662)Z"; -1 if not. */
static double parse_iso (const char *s) {
  struct tm tm;
  double frac = 0;
  int n = 0;
  memset(&tm, 0, sizeof(tm));
  if (s == NULL || sscanf(s, "%d-%d-%dT%d:%d:%d%n", &tm.tm_year, &tm.tm_mon,
                          &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec,
                          &n) != 6)
    return -1;
  if (s[n] == '.')
    frac = strtod(s + n, NULL);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return (double)timegm(&tm) + frac;
}

/* "2026-11-23 21:23:14 UTC", or the text as it is if it is not ISO. */
static void put_time (FILE *f, const char *iso) {
  if (iso == NULL) {
    fputs("&ndash;", f);
  } else if (parse_iso(iso) >= 0 && strlen(iso) >= 19) {
    fprintf(f, "%.10s %.8s UTC", iso, iso + 11);
  } else {
    sf_html_esc(f, iso);
  }
}

/* "1:05.3" */
static void put_duration (FILE *f, double secs) {
  int m = (int)(secs / 60);
  fprintf(f, "%d:%04.1f", m, secs - m * 60.0);
}

/* --------------------------------------------------------- the header */

static void put_item (FILE *f, const char *label, const char *value) {
  fprintf(f, "<div><dt>%s</dt><dd>", label);
  sf_html_esc(f, value ? value : "-");
  fputs("</dd></div>", f);
}

static void put_status (FILE *f, const char *label, const char *status) {
  fprintf(f, "<div><dt>%s</dt><dd><span class=\"badge st-", label);
  sf_html_esc(f, status);
  fputs("\">", f);
  sf_html_esc(f, status);
  fputs("</span></dd></div>", f);
}

static void put_header (FILE *f, const RpRun *r) {
  double t0 = parse_iso(r->started_at), t1 = parse_iso(r->finished_at);
  fputs("<header><h1>Run <code>", f);
  sf_html_esc(f, r->id);
  fputs("</code></h1><dl class=\"meta\">", f);
  put_item(f, "script", r->script);
  put_item(f, "arguments", r->args);
  put_status(f, "status", r->status);
  fputs("<div><dt>started</dt><dd>", f);
  put_time(f, r->started_at);
  fputs("</dd></div><div><dt>finished</dt><dd>", f);
  put_time(f, r->finished_at);
  if (t0 >= 0 && t1 >= t0)
    fprintf(f, " <span class=\"dur\">(%.0f s)</span>", t1 - t0);
  fprintf(f, "</dd></div><div><dt>credits spent</dt><dd>%lld", r->spent);
  if (r->budget >= 0)
    fprintf(f, " <span class=\"dur\">of a budget of %lld</span>", r->budget);
  fputs("</dd></div>", f);
  if (r->unknown > 0)
    fprintf(f, "<div><dt>credits unknown</dt><dd class=\"err\">%lld "
               "(answer lost: may have been charged)</dd></div>", r->unknown);
  fprintf(f, "<div><dt>tasks</dt><dd>%d</dd></div>", r->ntasks);
  fprintf(f, "<div><dt>attempts</dt><dd>%lld</dd></div>", r->attempts);
  put_item(f, "service", r->service);
  fputs("</dl></header>\n", f);
}

/* ---------------------------------------------------------- waveforms */

/* One closed outline, mirrored around the middle: 'v' per column. */
static void put_outline (FILE *f, const float *v, int cols, const char *cls) {
  double mid = WAVE_H / 2.0;
  int i;
  fprintf(f, "<path class=\"%s\" d=\"M0 %.1f", cls, mid);
  for (i = 0; i < cols; i++)
    fprintf(f, "L%d %.1f", i, mid - v[i] * (mid - 1));
  for (i = cols - 1; i >= 0; i--)
    fprintf(f, "L%d %.1f", i, mid + v[i] * (mid - 1));
  fputs("Z\"/>", f);
}

static void put_wave (FILE *f, const RpClip *c) {
  if (c->wave == NULL || c->wave->cols == 0) {
    fprintf(f, "<div class=\"nowave\">%s</div>", c->local
            ? "no waveform (the file could not be decoded)"
            : "no waveform (not downloaded)");
    return;
  }
  fprintf(f, "<svg class=\"wave\" viewBox=\"0 0 %d %d\" "
          "preserveAspectRatio=\"none\" role=\"img\" aria-label=\"waveform\""
          " xmlns=\"http://www.w3.org/2000/svg\">"
          "<rect class=\"pos\" x=\"0\" y=\"0\" width=\"0\" height=\"%d\"/>",
          c->wave->cols, WAVE_H, WAVE_H);
  put_outline(f, c->wave->peak, c->wave->cols, "pk");
  put_outline(f, c->wave->rms, c->wave->cols, "rm");
  fputs("</svg>", f);
}

/* -------------------------------------------------------------- clips */

static void put_clip_meta (FILE *f, const RpClip *c, double t0) {
  double at = parse_iso(c->created_at);
  fputs("<div class=\"small\">clip <code>", f);
  sf_html_esc(f, c->id);
  fputs("</code>", f);
  if (c->state && strcmp(c->state, "succeeded") != 0) {
    fputs(" &middot; <span class=\"badge st-", f);
    sf_html_esc(f, c->state);
    fputs("\">", f);
    sf_html_esc(f, c->state);
    fputs("</span>", f);
  }
  if (c->tags && *c->tags) {
    fputs(" &middot; tags: ", f);
    sf_html_esc(f, c->tags);
  }
  fputs(" &middot; created ", f);
  put_time(f, c->created_at);
  if (at >= 0 && t0 >= 0)
    fprintf(f, " (+%.1f s into the run)", at - t0);
  if (c->duration) {
    fputs(" &middot; service duration ", f);
    sf_html_esc(f, c->duration);
    fputs(" s", f);
  }
  fputs("</div>", f);
  if (c->error) {
    fputs("<div class=\"small err\">", f);
    sf_html_esc(f, c->error);
    fputs("</div>", f);
  }
}

static void put_player (FILE *f, const RpClip *c) {
  if (c->href == NULL) {
    fputs("<div class=\"small\">no audio: not downloaded in this run</div>",
          f);
    return;
  }
  fputs("<audio controls preload=\"metadata\" src=\"", f);
  sf_html_esc(f, c->href);
  fputs("\"></audio>", f);
  fputs(c->local ? "<div class=\"small\">file: <code>"
                 : "<div class=\"small\">streamed from the service (not "
                   "downloaded): <code>", f);
  sf_html_esc(f, c->href);
  fputs("</code></div>", f);
}

/* One clip; 'anchor' gives it the id other cards link to. */
static void put_clip (FILE *f, const RpClip *c, double t0, int anchor) {
  double secs = c->wave ? c->wave->seconds : c->duration
                ? strtod(c->duration, NULL) : 0;
  fputs("<div class=\"clip\"", f);
  if (anchor) {
    fputs(" id=\"clip-", f);
    sf_html_esc(f, c->id);
    fputs("\"", f);
  }
  fputs("><div class=\"ct\">", f);
  sf_html_esc(f, c->title && *c->title ? c->title : "(untitled)");
  if (secs > 0) {
    fputs("<span class=\"dur\">", f);
    put_duration(f, secs);
    fputs("</span>", f);
  }
  fputs("</div>", f);
  put_wave(f, c);
  put_player(f, c);
  put_clip_meta(f, c, t0);
  fputs("</div>", f);
}

/* -------------------------------------------------------------- tasks */

static const char *state_name (int s) {
  switch (s) {
    case SF_STEP_INTENT: return "sent";
    case SF_STEP_ANSWERED: return "accepted";
    case SF_STEP_REFUSED: return "refused";
    case SF_STEP_UNKNOWN: return "unknown";
    default: return "none";
  }
}

static void put_input (FILE *f, const char *label, const char *v) {
  if (v == NULL || *v == '\0')
    return;
  fprintf(f, "<dt>%s</dt><dd>", label);
  sf_html_esc(f, v);
  fputs("</dd>", f);
}

/* The clip a task started from, as a link when it is in this run. */
static void put_source (FILE *f, const RpRun *r, const RpTask *t) {
  const RpClip *c;
  if (t->source == NULL)
    return;
  c = sf_report_find_clip(r, t->source);
  fputs("<dt>source clip</dt><dd>", f);
  if (c != NULL) {
    fputs("<a href=\"#clip-", f);
    sf_html_esc(f, c->id);
    fputs("\">", f);
    sf_html_esc(f, c->title && *c->title ? c->title : c->id);
    fputs("</a> <code>", f);
  } else {
    fputs("<code>", f);
  }
  sf_html_esc(f, t->source);
  fputs("</code></dd>", f);
}

static void put_inputs (FILE *f, const RpRun *r, const RpTask *t) {
  char price[64];
  fputs("<dl class=\"inputs\">", f);
  put_input(f, "tags", t->tags);
  put_input(f, "negative tags", t->negative_tags);
  put_input(f, "description", t->description);
  put_input(f, "prompt", t->prompt);
  put_input(f, "title", t->title);
  put_source(f, r, t);
  put_input(f, "continue at", t->continue_at);
  put_input(f, "model", t->model);
  snprintf(price, sizeof(price), "%lld (%s)", t->price, state_name(t->state));
  put_input(f, "credits", price);
  fputs("<dt>task</dt><dd><code>", f);
  sf_html_esc(f, t->task_id);
  fputs("</code></dd></dl>", f);
}

static void put_task (FILE *f, const RpRun *r, const RpTask *t) {
  double t0 = parse_iso(r->started_at);
  int i;
  fputs("<article class=\"task\"><h3><span class=\"kind\">", f);
  sf_html_esc(f, t->kind);
  fprintf(f, "</span> #%lld ", t->seq);
  sf_html_esc(f, t->tags ? t->tags : t->title ? t->title : t->description);
  fputs("</h3>", f);
  put_inputs(f, r, t);
  fputs("<div class=\"clips\">", f);
  for (i = 0; i < t->nclips; i++)
    put_clip(f, &t->clips[i], t0, 1);
  if (t->nclips == 0)
    fputs("<div class=\"small\">no final status in the journal (the task "
          "did not finish in this run)</div>", f);
  fputs("</div></article>\n", f);
}

/* ------------------------------------------------- tag experiment rows */

static int is_cover (const RpTask *t) {
  return t->source != NULL && strncmp(t->kind, "cover", 5) == 0;
}

/* A row for the covers of t's source: the source clip first, then every
** cover of it, side by side. Marks those tasks as shown. */
static void put_row (FILE *f, const RpRun *r, RpTask *first) {
  const RpClip *src = sf_report_find_clip(r, first->source);
  double t0 = parse_iso(r->started_at);
  int i;
  fputs("<p class=\"rowhead\">covers of <code>", f);
  sf_html_esc(f, first->source);
  fputs("</code></p><div class=\"row\">", f);
  if (src != NULL) {
    fputs("<article class=\"task source\"><h3><span class=\"kind\">source"
          "</span> ", f);
    sf_html_esc(f, src->title && *src->title ? src->title : src->id);
    fputs("</h3>", f);
    put_clip(f, src, t0, 0);
    fputs("</article>", f);
  }
  for (i = (int)(first - r->tasks); i < r->ntasks; i++) {
    RpTask *t = &r->tasks[i];
    if (is_cover(t) && !t->grouped && strcmp(t->source, first->source) == 0) {
      t->grouped = 1;
      put_task(f, r, t);
    }
  }
  fputs("</div>\n", f);
}

static void put_experiments (FILE *f, const RpRun *r) {
  int i, any = 0;
  for (i = 0; i < r->ntasks; i++) {
    RpTask *t = &r->tasks[i];
    if (!is_cover(t) || t->grouped)
      continue;
    if (!any)
      fputs("<section id=\"experiments\"><h2>Tag experiments</h2>"
            "<p class=\"small\">Covers of the same clip side by side, the "
            "source first. Click a waveform to play from there.</p>", f);
    any = 1;
    put_row(f, r, t);
  }
  if (any)
    fputs("</section>\n", f);
}

/* --------------------------------------------------------------- page */

const RpClip *sf_report_find_clip (const RpRun *run, const char *id) {
  int i, k;
  for (i = 0; id && i < run->ntasks; i++)
    for (k = 0; k < run->tasks[i].nclips; k++)
      if (run->tasks[i].clips[k].id &&
          strcmp(run->tasks[i].clips[k].id, id) == 0)
        return &run->tasks[i].clips[k];
  return NULL;
}

static void put_head (FILE *f, const RpRun *r) {
  sf_html_head(f, script);
  fputs("sonicflow report ", f);
  sf_html_esc(f, r->id);
  fprintf(f, "</title><style>%s</style></head>\n"
          "<body data-audio-ok=\"pending\">\n", css);
}

int sf_report_html (FILE *f, RpRun *r) {
  char now[32];
  time_t t = time(NULL);
  int i, rest = 0;
  strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
  put_head(f, r);
  put_header(f, r);
  fputs("<main>", f);
  for (i = 0; i < r->ntasks; i++)
    r->tasks[i].grouped = 0;
  put_experiments(f, r);
  for (i = 0; i < r->ntasks; i++) {
    if (r->tasks[i].grouped)
      continue;
    if (rest++ == 0)
      fputs("<section id=\"tasks\"><h2>Tasks</h2>", f);
    put_task(f, r, &r->tasks[i]);
  }
  if (rest)
    fputs("</section>", f);
  if (r->ntasks == 0)
    fputs("<p>This run started no task.</p>", f);
  fprintf(f, "</main><footer>sonicflow %s &middot; report written ",
          sf_version());
  put_time(f, now);
  fprintf(f, "</footer>\n<script>%s</script>\n</body></html>\n", script);
  return ferror(f) ? -1 : 0;
}
