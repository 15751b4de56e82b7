/*
** test_synth_cover.c -- a cover is the same song in a new style.
**
** For several ideas, render the bass stem of the song in "lo-fi, mellow"
** and in "rock, energetic", cut it into bars (4 beats at the tempo
** sf_synth_style_bpm reports), estimate each bar's bass pitch class with
** a harmonic-sum pitch detector, and compare with the chord roots that
** sf_synth_idea_info reports. Also: the tempos differ, an extension keeps
** the idea's chords, and the melody of a cover is the same notes.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

#include "synth_check.h"

#define DECIM 8                      /* bass lives below 500 Hz */
#define SR ((double)SF_SYNTH_RATE / DECIM)

/* The stem named 'name' from the 12-stem set. */
static uint32_t stem_mask (const char *name) {
  SfStemDef d[24];
  int n = sf_synth_stem_set(12, d), i;
  for (i = 0; i < n; i++)
    if (strcmp(d[i].name, name) == 0)
      return d[i].mask;
  fprintf(stderr, "no stem %s\n", name);
  exit(2);
}

/* Mono, averaged down by DECIM (a crude low-pass, fine for bass). */
static float *render_mono (const SfRecipe *r, size_t *n) {
  int16_t *pcm;
  size_t frames, i;
  float *m;
  if (sf_synth_render(r, &pcm, &frames) != 0)
    exit(2);
  *n = frames / DECIM;
  m = calloc(*n + 1, sizeof *m);
  if (m == NULL)
    exit(2);
  for (i = 0; i < *n * DECIM; i++)
    m[i / DECIM] += (pcm[2 * i] + pcm[2 * i + 1]) / (2.0f * DECIM);
  free(pcm);
  return m;
}

/* Power at frequency f over x[0..n) (Goertzel). */
static double goertzel (const float *x, size_t n, double f) {
  double w = 2 * M_PI * f / SR, c = 2 * cos(w), s1 = 0, s2 = 0;
  size_t i;
  for (i = 0; i < n; i++) {
    double s0 = x[i] + c * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return s1 * s1 + s2 * s2 - c * s1 * s2;
}

/* Harmonic-sum pitch estimate over E1..C4: the note whose first three
** harmonics carry the most energy. Returns a pitch class, or -1 when the
** window is silent. */
static int bass_pc (const float *x, size_t n) {
  double best = 0, total = 0;
  int m, pc = -1;
  size_t i;
  for (i = 0; i < n; i++)
    total += (double)x[i] * x[i];
  if (total / (n ? n : 1) < 1.0)
    return -1;
  for (m = 28; m <= 60; m++) {
    double f = 440.0 * pow(2.0, (m - 69) / 12.0);
    double s = goertzel(x, n, f) + 0.5 * goertzel(x, n, 2 * f) +
               0.33 * goertzel(x, n, 3 * f);
    if (s > best) {
      best = s;
      pc = m % 12;
    }
  }
  return pc;
}

/* Fraction of bars of a rendered bass stem whose pitch class is the
** reported chord root. 'song_pos' is the song time of the first frame. */
static double root_match (const SfRecipe *r, uint64_t idea, const char *tags,
                          double song_pos, int *nbars) {
  SfIdeaInfo in;
  size_t n;
  float *x = render_mono(r, &n);
  double bar = 240.0 / sf_synth_style_bpm(idea, tags);
  double end = n / SR - 1.6;   /* the clip's last 1.5 s fade out */
  long b;
  int ok = 0, total = 0;
  sf_synth_idea_info(idea, &in);
  for (b = (long)ceil(song_pos / bar); (b + 1) * bar - song_pos <= end;
       b++) {
    double t0 = b * bar - song_pos + 0.03, t1 = (b + 1) * bar - song_pos -
                                                0.03;
    size_t i0 = (size_t)(t0 * SR), i1 = (size_t)(t1 * SR);
    int pc = bass_pc(x + i0, i1 - i0);
    total++;
    if (pc == in.chord_root[b % in.bars])
      ok++;
  }
  free(x);
  *nbars = total;
  return total ? (double)ok / total : 0;
}

static SfRecipe bass_recipe (uint64_t idea, const char *tags, double secs) {
  SfRecipe r;
  memset(&r, 0, sizeof r);
  r.nseg = 1;
  r.seg[0].idea = idea;
  r.seg[0].tags = tags;
  r.seg[0].seconds = secs;
  r.stem_mask = stem_mask("Bass");
  return r;
}

static void test_cover_keeps_roots (uint64_t idea) {
  static const char *STYLES[2] = {"lo-fi, mellow", "rock, energetic"};
  double bpm[2];
  int s;
  for (s = 0; s < 2; s++) {
    SfRecipe r = bass_recipe(idea, STYLES[s], 40.0);
    int nb;
    double m = root_match(&r, idea, STYLES[s], 0, &nb);
    bpm[s] = sf_synth_style_bpm(idea, STYLES[s]);
    printf("idea %llu, %-16s %5.1f bpm: %2d bars, %3.0f%% roots match\n",
           (unsigned long long)idea, STYLES[s], bpm[s], nb, 100 * m);
    CHECK(nb >= 6, "too few bars (%d) to judge", nb);
    CHECK(m >= 0.9, "idea %llu %s: only %.0f%% of bars play the root",
          (unsigned long long)idea, STYLES[s], 100 * m);
  }
  CHECK(bpm[1] > bpm[0] * 1.2, "cover tempos too close: %.1f vs %.1f",
        bpm[0], bpm[1]);
}

/* An extension from 30 s: new sections, same chords on the same bars. */
static void test_extension_keeps_roots (uint64_t idea) {
  SfRecipe r = bass_recipe(idea, "pop", 30.0);
  int nb;
  double m;
  r.seg[0].song_pos = 30.0;
  r.seg[0].extension = 1;
  m = root_match(&r, idea, "pop", 30.0, &nb);
  printf("idea %llu, extension: %d bars, %.0f%% roots match\n",
         (unsigned long long)idea, nb, 100 * m);
  CHECK(m >= 0.9, "extension: only %.0f%% of bars play the root", 100 * m);
}

/* Pitch-class profile of x[0..n) over the voice's range (C3..C6). */
static void chroma (const float *x, size_t n, double *pc) {
  int m;
  memset(pc, 0, 12 * sizeof *pc);
  for (m = 48; m <= 84; m++)
    pc[m % 12] += goertzel(x, n, 440.0 * pow(2.0, (m - 69) / 12.0));
}

static double cosine (const double *a, const double *b) {
  double ab = 0, aa = 0, bb = 0;
  int i;
  for (i = 0; i < 12; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0;
}

/* Mean similarity, bar by bar, of the lead vocal's pitch classes in two
** renders (each cut into bars at its own tempo); bars where either is
** silent are skipped. */
static double melody_similarity (uint64_t ia, const char *ta, uint64_t ib,
                                 const char *tb) {
  SfRecipe a = bass_recipe(ia, ta, 40.0), b = bass_recipe(ib, tb, 40.0);
  size_t na, nb;
  float *xa, *xb;
  double bar_a = 240.0 / sf_synth_style_bpm(ia, ta);
  double bar_b = 240.0 / sf_synth_style_bpm(ib, tb), sum = 0;
  int bar, cnt = 0;
  a.stem_mask = b.stem_mask = stem_mask("Lead Vocal");
  xa = render_mono(&a, &na);
  xb = render_mono(&b, &nb);
  for (bar = 0; (bar + 1) * bar_a < 38.0 && (bar + 1) * bar_b < 38.0;
       bar++) {
    double pa[12], pb[12], ea = 0, eb = 0;
    size_t a0 = (size_t)(bar * bar_a * SR), a1 = (size_t)((bar + 1) *
                                                          bar_a * SR);
    size_t b0 = (size_t)(bar * bar_b * SR), b1 = (size_t)((bar + 1) *
                                                          bar_b * SR);
    int i;
    chroma(xa + a0, a1 - a0, pa);
    chroma(xb + b0, b1 - b0, pb);
    for (i = 0; i < 12; i++) {
      ea += pa[i];
      eb += pb[i];
    }
    if (ea < 1e3 * (a1 - a0) || eb < 1e3 * (b1 - b0))
      continue;  /* an instrumental bar */
    sum += cosine(pa, pb);
    cnt++;
  }
  free(xa);
  free(xb);
  return cnt >= 4 ? sum / cnt : 0;
}

/* The voice of a cover sings the same notes: the pitch classes of each
** sung bar match those of the source far better than another song's. */
static void test_cover_same_melody (uint64_t idea, uint64_t other) {
  double same = melody_similarity(idea, "acoustic", idea, "synthwave");
  double diff = melody_similarity(idea, "acoustic", other, "synthwave");
  printf("idea %llu: melody similarity, cover %.2f, another song %.2f\n",
         (unsigned long long)idea, same, diff);
  CHECK(same > 0.8, "the cover's melody differs (%.2f)", same);
  CHECK(same > diff + 0.1, "a cover is no closer than another song "
        "(%.2f vs %.2f)", same, diff);
}

int main (void) {
  static const uint64_t IDEAS[] = {1, 2, 3, 7, 11, 1234567, 99};
  size_t i;
  for (i = 0; i < sizeof IDEAS / sizeof IDEAS[0]; i++)
    test_cover_keeps_roots(IDEAS[i]);
  test_extension_keeps_roots(5);
  test_extension_keeps_roots(123);
  test_cover_same_melody(3, 4);
  test_cover_same_melody(17, 18);
  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  else
    printf("ok\n");
  return failures ? 1 : 0;
}
