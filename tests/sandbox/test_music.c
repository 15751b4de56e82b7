/*
** test_music.c -- what the audio means (issue 2 item 5, SYNTH.md): a cover
** keeps the song's harmony (same bass root sequence) while its tags change
** tempo or timbre; an extend holds only the extension; concat is the
** source up to continue_at followed by the extension; stems are the
** layers of the mix (basic 2, full 12, or 24 with --stems-full 24).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_audio.h"
#include "sbx_harness.h"

#define HOP 0.05          /* pitch analysis hop, seconds */
#define WIN 0.10          /* pitch analysis window, seconds */
#define MAXROOTS 1024

static const char *const note_names[12] = {
  "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"
};

/* ---- fetching ----------------------------------------------------------*/

static SbxJson *submit_wait (SbxServer *s, const char *path,
                             const char *body, const char *what) {
  SbxJson *a = sbx_run(s, path, body, 30.0);
  size_t i;
  if (!SBX_CHECK(a != NULL, "%s: task did not finish", what))
    return NULL;
  for (i = 0; i < sbx_jlen(sbx_clips(a)); i++)
    SBX_CHECK(strcmp(sbx_clip_str(a, i, "state") ?
                     sbx_clip_str(a, i, "state") : "", "succeeded") == 0,
              "%s: clip %zu did not succeed", what, i);
  return a;
}

static SbxJson *cover (SbxServer *s, const char *clip, const char *tags) {
  char body[512];
  snprintf(body, sizeof(body), "{\"task_type\":\"cover_music\","
           "\"continue_clip_id\":\"%s\",\"mv\":\"sonic-v5\",\"tags\":\"%s\"}",
           clip, tags);
  return submit_wait(s, "/sonic/create", body, tags);
}

static SbxJson *stems (SbxServer *s, const char *kind, const char *clip) {
  char body[128], path[64];
  snprintf(body, sizeof(body), "{\"clip_id\":\"%s\"}", clip);
  snprintf(path, sizeof(path), "/sonic/stems/%s", kind);
  return submit_wait(s, path, body, path);
}

/* Mono samples of a clip through /sonic/wav (malloc'd), NULL on error. */
static float *clip_wav (SbxServer *s, const char *clip, size_t *n,
                        int *rate) {
  char body[128], err[160];
  SbxResp r, f;
  SbxWav w;
  float *x = NULL;
  const char *url;
  *n = 0;
  snprintf(body, sizeof(body), "{\"clip_id\":\"%s\"}", clip ? clip : "");
  sbx_post(s, SBX_API "/sonic/wav", body, &r);
  url = sbx_jstr(sbx_jget(r.json, "data.wav_url"));
  if (SBX_CHECK(url != NULL, "/sonic/wav for %s: %.200s", clip,
                r.body ? r.body : "")) {
    sbx_fetch(s, url, &f);
    if (SBX_CHECK(f.status == 200 && sbx_wav_parse((unsigned char *)f.body,
                  f.len, &w, err, sizeof(err)) == 0, "wav of %s: HTTP %ld "
                  "%s", clip, f.status, f.status == 200 ? err : "")) {
      x = sbx_wav_mono(&w, n);
      *rate = w.rate;
    }
    sbx_resp_free(&f);
  }
  sbx_resp_free(&r);
  return x;
}

/* Clip id of the stem titled "<anything> - <name>". */
static const char *stem_clip (const SbxJson *a, const char *name) {
  size_t i, l = strlen(name);
  for (i = 0; i < sbx_jlen(sbx_clips(a)); i++) {
    const char *t = sbx_clip_str(a, i, "title");
    if (t != NULL && strlen(t) > l + 3 && strcmp(t + strlen(t) - l, name)
        == 0 && strncmp(t + strlen(t) - l - 3, " - ", 3) == 0)
      return sbx_clip_str(a, i, "clip_id");
  }
  return NULL;
}

/* ---- harmony -----------------------------------------------------------*/

/*
** A bass line may hold the chord root, repeat it, or move root-fifth-
** octave within the bar. The root is the lowest note that recurs around a
** point in time, so each frame gets the lowest MIDI note present in at
** least a fifth of the voiced frames within +-'half' frames. Runs held
** >= 0.3 s become the "stable roots", repeats collapsed. The window is
** tried at several sizes (bass patterns and tempo differ per style) and
** every comparison uses the best pair, with the same rule for all pairs.
*/
#define NWIN 3
static const int win_half[NWIN] = { 3, 7, 13 };   /* +-0.15, 0.35, 0.65 s */

typedef struct Roots {
  int pc[MAXROOTS];          /* stable bass roots, repeats collapsed */
  int n;
  double hist[12];           /* seconds of stable root per pitch class */
} Roots;

/* Lowest recurring note within +-h frames, as a pitch class; -1. */
static int lowest_at (const int *notes, size_t m, size_t i, size_t h) {
  int cnt[128] = {0}, voiced = 0, k;
  size_t j, lo = i > h ? i - h : 0, hi = i + h < m ? i + h : m - 1;
  for (j = lo; j <= hi; j++)
    if (notes[j] >= 0 && notes[j] < 128) {
      cnt[notes[j]]++;
      voiced++;
    }
  if (voiced * 2 < (int)(hi - lo + 1))
    return -1;                               /* mostly silence */
  for (k = 0; k < 128; k++)
    if (cnt[k] >= 2 && cnt[k] * 5 >= voiced)
      return k % 12;
  return -1;
}

static void close_run (Roots *r, int pc, size_t start, size_t last) {
  double secs = (double)(last - start + 1) * HOP;
  if (pc < 0 || secs < 0.3)
    return;
  r->hist[pc] += secs;
  if (r->n > 0 && r->pc[r->n - 1] == pc)
    return;
  if (r->n < MAXROOTS)
    r->pc[r->n++] = pc;
}

/* Stable roots of a note track with window +-h frames. */
static void stable_roots (const int *notes, size_t m, size_t h, Roots *r) {
  size_t i, start = 0, last = 0;
  int cur = -1;
  memset(r, 0, sizeof(*r));
  for (i = 0; i < m; i++) {
    int p = lowest_at(notes, m, i, h);
    if (p < 0) {
      if (cur >= 0 && i - last > 8) {
        close_run(r, cur, start, last);
        cur = -1;
      }
    } else if (p == cur) {
      last = i;
    } else {
      close_run(r, cur, start, last);
      cur = p;
      start = last = i;
    }
  }
  close_run(r, cur, start, last);
}

static int bass_roots (SbxServer *s, const SbxJson *st, Roots r[NWIN],
                       const char *what) {
  const char *bass = stem_clip(st, "Bass");
  size_t n, m, cap;
  int rate = 44100, *notes, w;
  float *x;
  memset(r, 0, NWIN * sizeof(Roots));
  if (!SBX_CHECK(bass != NULL, "%s: full stems have no \"... - Bass\"",
                 what))
    return -1;
  if ((x = clip_wav(s, bass, &n, &rate)) == NULL)
    return -1;
  cap = n / (size_t)(HOP * rate) + 2;
  notes = malloc(cap * sizeof(int));
  m = sbx_bass_notes(x, n, rate, WIN, HOP, notes, cap);
  for (w = 0; w < NWIN; w++)
    stable_roots(notes, m, (size_t)win_half[w], &r[w]);
  free(notes);
  free(x);
  return 0;
}

static void print_roots (const char *what, const Roots *r) {
  char line[400];
  size_t k = 0;
  int i;
  for (i = 0; i < r->n && k + 5 < sizeof(line); i++)
    k += (size_t)snprintf(line + k, sizeof(line) - k, "%s ",
                          note_names[r->pc[i]]);
  line[k] = '\0';
  sbx_note("%-18s bass roots (%d): %s", what, r->n, line);
}

/* Transitions a->b seen at least 'min' times, as a 144-entry set. */
static void bigrams (const Roots *r, int min, int set[144]) {
  int cnt[144] = {0}, i;
  for (i = 0; i + 1 < r->n; i++)
    cnt[r->pc[i] * 12 + r->pc[i + 1]]++;
  for (i = 0; i < 144; i++)
    set[i] = cnt[i] >= min;
}

/* Jaccard similarity of the repeated root transitions: cyclic and
** repetition-invariant, tolerant of a few misread notes. */
static double transition_similarity (const Roots *a, const Roots *b) {
  int sa[144], sb[144], i, inter = 0, uni = 0;
  bigrams(a, a->n >= 12 ? 2 : 1, sa);
  bigrams(b, b->n >= 12 ? 2 : 1, sb);
  for (i = 0; i < 144; i++) {
    inter += sa[i] && sb[i];
    uni += sa[i] || sb[i];
  }
  return uni ? (double)inter / uni : 0;
}

static double hist_cosine (const Roots *a, const Roots *b) {
  double ab = 0, aa = 0, bb = 0;
  int i;
  for (i = 0; i < 12; i++) {
    ab += a->hist[i] * b->hist[i];
    aa += a->hist[i] * a->hist[i];
    bb += b->hist[i] * b->hist[i];
  }
  return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

/* A usable sequence: a progression, not one note or noise. */
static int distinct_roots (const Roots *r) {
  int seen[12] = {0}, i, d = 0;
  for (i = 0; i < r->n; i++)
    if (!seen[r->pc[i]]++)
      d++;
  return d;
}

/* Best window pair for a and b: transition similarity, then histogram;
** the chosen windows in *wa, *wb. */
static double best_similarity (const Roots a[NWIN], const Roots b[NWIN],
                               double *hist, int *wa, int *wb) {
  double best = -1;
  int i, j;
  *hist = 0;
  *wa = *wb = 0;
  for (i = 0; i < NWIN; i++)
    for (j = 0; j < NWIN; j++) {
      double t;
      if (distinct_roots(&a[i]) < 2 || distinct_roots(&b[j]) < 2 ||
          a[i].n < 4 || b[j].n < 4)
        continue;
      t = transition_similarity(&a[i], &b[j]);
      if (t > best) {
        best = t;
        *hist = hist_cosine(&a[i], &b[j]);
        *wa = i;
        *wb = j;
      }
    }
  return best < 0 ? 0 : best;
}

/* ---- style -------------------------------------------------------------*/

typedef struct Style {
  double centroid, bpm;
} Style;

static void mix_style (SbxServer *s, const char *clip, Style *st) {
  size_t n;
  int rate = 44100;
  float *x = clip_wav(s, clip, &n, &rate);
  st->centroid = x ? sbx_centroid(x, n, rate) : 0;
  st->bpm = x ? sbx_tempo(x, n, rate) : 0;
  free(x);
}

static double rel_diff (double a, double b) {
  double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
  return m > 0 ? fabs(a - b) / m : 0;
}

static void styles_differ (const Style *a, const Style *b, const char *what) {
  SBX_CHECK(rel_diff(a->centroid, b->centroid) >= 0.10 ||
            rel_diff(a->bpm, b->bpm) >= 0.05,
            "%s: style should differ in tempo or timbre: centroid %.0f vs "
            "%.0f Hz, tempo %.1f vs %.1f BPM", what, a->centroid,
            b->centroid, a->bpm, b->bpm);
}

/* ---- the cover test ----------------------------------------------------*/

typedef struct Song {
  const char *name;
  SbxJson *task, *stems;
  Roots roots[NWIN];
  Style style;
} Song;

static void analyse (SbxServer *s, Song *g) {
  const char *clip = sbx_clip_str(g->task, 0, "clip_id");
  g->stems = stems(s, "full", clip);
  if (g->stems != NULL)
    bass_roots(s, g->stems, g->roots, g->name);
  mix_style(s, clip, &g->style);
  print_roots(g->name, &g->roots[1]);
  sbx_note("%-18s centroid %.0f Hz, tempo %.1f BPM", g->name,
           g->style.centroid, g->style.bpm);
}

static void same_harmony (const Song *src, const Song *cov) {
  double c, j;
  int wa, wb;
  j = best_similarity(src->roots, cov->roots, &c, &wa, &wb);
  sbx_note("%s vs %s: transitions %.2f, root histogram %.2f (windows "
           "+-%d/+-%d frames)", src->name, cov->name, j, c, win_half[wa],
           win_half[wb]);
  print_roots(src->name, &src->roots[wa]);
  print_roots(cov->name, &cov->roots[wb]);
  SBX_CHECK(j >= 0.5, "%s should share the source's bass root sequence: "
            "transition similarity %.2f < 0.5", cov->name, j);
  SBX_CHECK(c >= 0.8, "%s should share the source's bass roots: "
            "histogram cosine %.2f < 0.8", cov->name, c);
}

static void test_cover_harmony (void) {
  SbxServer s;
  static Song g[4];
  static const char *const names[4] = {
    "source (acoustic)", "cover lo-fi", "cover rock", "unrelated song"
  };
  char *b1 = sbx_song_body("a calm song about the sea at night", "acoustic");
  char *b2 = sbx_song_body("loud trains crossing a frozen desert",
                           "acoustic");
  const char *clip;
  int i;
  double uj, uc;
  int wa, wb;
  sbx_case("a cover keeps the harmony and changes the style");
  for (i = 0; i < 4; i++) {
    memset(&g[i], 0, sizeof(g[i]));
    g[i].name = names[i];
  }
  if (sbx_start(&s, "--speed 500 --clip-seconds 72 --seed 5 "
                "--credits 100000") != 0)
    goto done;
  g[0].task = submit_wait(&s, "/sonic/create", b1, "source song");
  clip = sbx_clip_str(g[0].task, 0, "clip_id");
  if (clip == NULL)
    goto stop;
  g[1].task = cover(&s, clip, "lo-fi, mellow");
  g[2].task = cover(&s, clip, "rock, energetic");
  g[3].task = submit_wait(&s, "/sonic/create", b2, "unrelated song");
  for (i = 0; i < 4; i++)
    if (g[i].task != NULL)
      analyse(&s, &g[i]);
  SBX_CHECK(distinct_roots(&g[0].roots[1]) >= 2 && g[0].roots[1].n >= 4,
            "source bass should move through a chord progression: %d "
            "stable roots", g[0].roots[1].n);
  SBX_EQ_STR(sbx_clip_str(g[1].task, 0, "tags"), "lo-fi, mellow",
             "cover clip tags");
  same_harmony(&g[0], &g[1]);
  same_harmony(&g[0], &g[2]);
  uj = best_similarity(g[0].roots, g[3].roots, &uc, &wa, &wb);
  sbx_note("(unrelated song, for reference: transitions %.2f, histogram "
           "%.2f)", uj, uc);
  styles_differ(&g[0].style, &g[1].style, "source vs lo-fi cover");
  styles_differ(&g[0].style, &g[2].style, "source vs rock cover");
  styles_differ(&g[1].style, &g[2].style, "lo-fi vs rock cover");
stop:
  for (i = 0; i < 4; i++) {
    sbx_json_free(g[i].task);
    sbx_json_free(g[i].stems);
  }
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
done:
  free(b1);
  free(b2);
}

/* ---- extend and concat -------------------------------------------------*/

typedef struct Pcm {
  float *x;
  size_t n;
  int rate;
} Pcm;

static void pcm_load (SbxServer *s, const char *clip, Pcm *p) {
  p->rate = 44100;
  p->x = clip_wav(s, clip, &p->n, &p->rate);
}

/* Correlation of a[a0, a0+len) with b[b0, b0+len), seconds; -2 if short. */
static double seg_corr (const Pcm *a, double a0, const Pcm *b, double b0,
                        double len) {
  size_t ia = (size_t)(a0 * a->rate), ib = (size_t)(b0 * b->rate);
  size_t n = (size_t)(len * a->rate);
  if (a->x == NULL || b->x == NULL || len <= 0 || ia + n > a->n ||
      ib + n > b->n)
    return -2;
  return sbx_corr(a->x + ia, b->x + ib, n, 64);
}

static void check_wav_length (const Pcm *p, double dur, const char *what) {
  double secs = p->x ? (double)p->n / p->rate : -1;
  SBX_CHECK(secs > dur - 0.03 && secs < dur + 0.03, "%s: audio is %.3f s, "
            "duration says %.3f", what, secs, dur);
}

static double clip_dur (const SbxJson *a, size_t i) {
  return sbx_clip_duration(sbx_jat(sbx_clips(a), i));
}

static SbxJson *extend (SbxServer *s, const char *clip, double at) {
  char body[256];
  snprintf(body, sizeof(body), "{\"task_type\":\"extend_music\","
           "\"continue_clip_id\":\"%s\",\"continue_at\":%g,\"mv\":"
           "\"sonic-v5\"}", clip, at);
  return submit_wait(s, "/sonic/create", body, "extend_music");
}

static SbxJson *concat (SbxServer *s, const char *clip) {
  char body[256];
  snprintf(body, sizeof(body), "{\"task_type\":\"concat_music\","
           "\"continue_clip_id\":\"%s\"}", clip ? clip : "none");
  return submit_wait(s, "/sonic/create", body, "concat_music");
}

/* The joins, sample by sample: concat = source[0, c) + extension. */
static void check_join (SbxServer *s, const char *src, const char *ext,
                        const char *cat, double c, double d, double e,
                        double cd) {
  Pcm ps, pe, pc;
  double l1 = c - 0.5, l2 = e - 1.0 < 5 ? e - 1.0 : 5, l3;
  pcm_load(s, src, &ps);
  pcm_load(s, ext, &pe);
  pcm_load(s, cat, &pc);
  check_wav_length(&ps, d, "source wav");
  check_wav_length(&pe, e, "extension wav");
  check_wav_length(&pc, cd, "concat wav");
  l3 = e < d ? e - 0.5 : d - 0.5;
  l3 = l3 > 3 ? 3 : l3;
  {
    double head = seg_corr(&pc, 0.2, &ps, 0.2, l1 - 0.2);
    double tail = seg_corr(&pc, c + 0.5, &pe, 0.5, l2);
    double same = seg_corr(&pe, 0.2, &ps, 0.2, l3);
    sbx_note("concat head~source %.3f, concat tail~extension %.3f, "
             "extension~source start %.3f", head, tail, same);
    SBX_CHECK(head >= 0.8, "concat before continue_at should be the "
              "source: correlation %.3f", head);
    SBX_CHECK(tail >= 0.8, "concat after continue_at should be the "
              "extension: correlation %.3f", tail);
    SBX_CHECK(same < 0.95, "the extension should not start with the "
              "source's audio: correlation %.3f", same);
  }
  free(ps.x);
  free(pe.x);
  free(pc.x);
}

static void test_extend_concat (const char *opts, double fixed,
                                const char *name) {
  SbxServer s;
  SbxJson *src = NULL, *ext = NULL, *cat = NULL;
  char *body = sbx_song_body("a song that goes on and on", "synthwave");
  double d, c, e, cd;
  size_t i;
  sbx_case(name);
  if (sbx_start(&s, opts) != 0) {
    free(body);
    return;
  }
  src = submit_wait(&s, "/sonic/create", body, "source");
  d = clip_dur(src, 0);
  c = fixed > 0 ? 4 : floor(d * 2 / 3 > 30 ? 30 : d * 2 / 3);
  if (src == NULL || (ext = extend(&s, sbx_clip_str(src, 0, "clip_id"), c))
      == NULL)
    goto stop;
  e = clip_dur(ext, 0);
  for (i = 0; fixed > 0 && i < sbx_jlen(sbx_clips(ext)); i++)
    SBX_CHECK(fabs(clip_dur(ext, i) - fixed) < 0.03, "extend from %g s of "
              "a %g s song should hold only the extension (%g s), got %.2f",
              c, d, fixed, clip_dur(ext, i));
  cat = concat(&s, sbx_clip_str(ext, 0, "clip_id"));
  cd = clip_dur(cat, 0);
  SBX_EQ_INT(sbx_jlen(sbx_clips(cat)), 1, "concat gives one clip");
  SBX_CHECK(fabs(cd - (c + e)) < 0.06, "concat duration %.2f, want "
            "continue_at %g + extension %.2f = %.2f", cd, c, e, c + e);
  if (fixed > 0) {
    check_join(&s, sbx_clip_str(src, 0, "clip_id"),
               sbx_clip_str(ext, 0, "clip_id"),
               sbx_clip_str(cat, 0, "clip_id"), c, d, e, cd);
  } else if (cat != NULL) {
    Pcm pc;
    pcm_load(&s, sbx_clip_str(cat, 0, "clip_id"), &pc);
    check_wav_length(&pc, cd, "concat wav");
    free(pc.x);
  }
  sbx_note("source %.2f s, extend at %g -> %.2f s, concat %.2f s", d, c, e,
           cd);
stop:
  sbx_json_free(src);
  sbx_json_free(ext);
  sbx_json_free(cat);
  free(body);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

/* ---- stems ------------------------------------------------------------ */

/* Titles "<title> - <name>", unique, durations equal the source's. */
static void check_stem_set (const SbxJson *st, const char *title, double d,
                            size_t want, const char *what) {
  size_t i, j, n = sbx_jlen(sbx_clips(st)), tl = strlen(title);
  SBX_CHECK(n == want, "%s: %zu stems, want %zu", what, n, want);
  for (i = 0; i < n; i++) {
    const char *t = sbx_clip_str(st, i, "title");
    SBX_CHECK(t != NULL && strncmp(t, title, tl) == 0 &&
              strncmp(t + tl, " - ", 3) == 0 && t[tl + 3] != '\0',
              "%s: stem title \"%s\" should be \"%s - <name>\"", what,
              t ? t : "(none)", title);
    SBX_CHECK(fabs(clip_dur(st, i) - d) < 0.03, "%s: stem %zu lasts %.2f, "
              "source %.2f", what, i, clip_dur(st, i), d);
    for (j = 0; j < i; j++)
      SBX_CHECK(t == NULL || sbx_clip_str(st, j, "title") == NULL ||
                strcmp(t, sbx_clip_str(st, j, "title")) != 0,
                "%s: duplicate stem title \"%s\"", what, t);
  }
}

/* Least squares mix ~ a*v + b*i; returns R^2. */
static double two_stem_fit (const Pcm *m, const Pcm *v, const Pcm *i) {
  double vv = 0, ii = 0, vi = 0, mv = 0, mi = 0, mm = 0, det, a, b;
  size_t k, n = m->n;
  if (!m->x || !v->x || !i->x || v->n < n || i->n < n || n == 0)
    return -1;
  for (k = 0; k < n; k++) {
    vv += (double)v->x[k] * v->x[k];
    ii += (double)i->x[k] * i->x[k];
    vi += (double)v->x[k] * i->x[k];
    mv += (double)m->x[k] * v->x[k];
    mi += (double)m->x[k] * i->x[k];
    mm += (double)m->x[k] * m->x[k];
  }
  det = vv * ii - vi * vi;
  if (det <= 0 || mm <= 0)
    return -1;
  a = (mv * ii - mi * vi) / det;
  b = (mi * vv - mv * vi) / det;
  return 1 - (mm - a * mv - b * mi) / mm;
}

static void check_basic_layers (SbxServer *s, const char *clip,
                                const SbxJson *st) {
  Pcm m, v, i;
  double r2;
  pcm_load(s, clip, &m);
  pcm_load(s, stem_clip(st, "Vocals"), &v);
  pcm_load(s, stem_clip(st, "Instrumental"), &i);
  r2 = two_stem_fit(&m, &v, &i);
  sbx_note("mix ~ a*vocals + b*instrumental: R^2 %.3f; rms vocals %.3f, "
           "instrumental %.3f", r2, v.x ? sbx_rms(v.x, v.n) : 0,
           i.x ? sbx_rms(i.x, i.n) : 0);
  SBX_CHECK(v.x && sbx_rms(v.x, v.n) > 0.005, "vocals stem is silent");
  SBX_CHECK(i.x && sbx_rms(i.x, i.n) > 0.005, "instrumental stem is "
            "silent");
  SBX_CHECK(r2 >= 0.8, "basic stems should be the layers of the mix: "
            "R^2 %.3f < 0.8", r2);
  free(m.x);
  free(v.x);
  free(i.x);
}

static void check_stems_answer (SbxServer *s, const char *clip) {
  char body[128];
  SbxResp r;
  snprintf(body, sizeof(body), "{\"clip_id\":\"%s\"}", clip);
  sbx_post(s, SBX_API "/sonic/stems/basic", body, &r);
  SBX_EQ_INT(r.status, 200, "stems/basic status");
  SBX_EQ_STR(sbx_jstr(sbx_jfield(r.json, "message")), "success",
             "stems/basic message");
  SBX_CHECK(sbx_is_uuid(sbx_jstr(sbx_jfield(r.json, "task_id"))),
            "stems/basic answer should carry a task_id: %.200s", r.body);
  sbx_resp_free(&r);
}

static void test_stems (void) {
  SbxServer s;
  SbxJson *src, *basic, *full;
  char *body = sbx_song_body("a song to take apart", "rock");
  const char *clip, *title;
  double d;
  sbx_case("stems: basic 2 layers of the mix, full 12");
  if (sbx_start(&s, "--speed 500 --clip-seconds 24 --seed 4") != 0) {
    free(body);
    return;
  }
  src = submit_wait(&s, "/sonic/create", body, "source");
  clip = sbx_clip_str(src, 0, "clip_id");
  title = sbx_clip_str(src, 0, "title");
  d = clip_dur(src, 0);
  if (clip != NULL && title != NULL) {
    char vt[256], it[256];
    check_stems_answer(&s, clip);
    basic = stems(&s, "basic", clip);
    check_stem_set(basic, title, d, 2, "basic stems");
    snprintf(vt, sizeof(vt), "%s - Vocals", title);
    snprintf(it, sizeof(it), "%s - Instrumental", title);
    SBX_CHECK(stem_clip(basic, "Vocals") && stem_clip(basic, "Instrumental"),
              "basic stems should be \"%s\" and \"%s\"", vt, it);
    check_basic_layers(&s, clip, basic);
    full = stems(&s, "full", clip);
    check_stem_set(full, title, d, 12, "full stems");
    SBX_CHECK(stem_clip(full, "Bass") != NULL, "full stems have a Bass");
    sbx_json_free(basic);
    sbx_json_free(full);
  }
  sbx_json_free(src);
  free(body);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

static void test_stems_24 (void) {
  SbxServer s;
  SbxJson *src, *full;
  char *body = sbx_song_body("many parts", NULL);
  sbx_case("--stems-full 24");
  if (sbx_start(&s, "--speed 500 --clip-seconds 3 --stems-full 24") != 0) {
    free(body);
    return;
  }
  src = submit_wait(&s, "/sonic/create", body, "source");
  if (sbx_clip_str(src, 0, "clip_id") && sbx_clip_str(src, 0, "title")) {
    full = stems(&s, "full", sbx_clip_str(src, 0, "clip_id"));
    check_stem_set(full, sbx_clip_str(src, 0, "title"), clip_dur(src, 0), 24,
                   "full stems with --stems-full 24");
    sbx_json_free(full);
  }
  sbx_json_free(src);
  free(body);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

int main (int argc, char **argv) {
  sbx_init(argc, argv);
  test_cover_harmony();
  test_extend_concat("--speed 500 --clip-seconds 6 --seed 9", 6,
                     "extend holds only the extension; concat joins "
                     "(--clip-seconds 6)");
  test_extend_concat("--speed 1000 --seed 9", 0,
                     "extend and concat at realistic lengths");
  test_stems();
  test_stems_24();
  return sbx_finish();
}
