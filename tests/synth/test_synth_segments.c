/*
** test_synth_segments.c -- extend and concat.
**
** A concat is the source cut at continue_at followed by the extension:
** its first part must sound like the source (same notes, same timing),
** the join must not click, and the extension must be new music (new
** sections) over the same chords.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

#include "synth_check.h"

static int16_t *render (const SfRecipe *r, size_t *frames) {
  int16_t *pcm;
  if (sf_synth_render(r, &pcm, frames) != 0)
    exit(2);
  return pcm;
}

static SfSegment seg (uint64_t idea, const char *tags, double pos,
                      double secs, int ext) {
  SfSegment g;
  memset(&g, 0, sizeof g);
  g.idea = idea;
  g.tags = tags;
  g.song_pos = pos;
  g.seconds = secs;
  g.extension = ext;
  g.lyrics = "[Verse]\nwalking down the empty road tonight\n"
             "counting all the lights that pass me by\n"
             "[Chorus]\noh we are the fire\noh we are the rain\n";
  return g;
}

/* Normalized correlation of the left channels over frames [a, b). */
static double corr (const int16_t *x, const int16_t *y, size_t a, size_t b) {
  double sxy = 0, sxx = 0, syy = 0;
  size_t i;
  for (i = a; i < b; i++) {
    sxy += (double)x[2 * i] * y[2 * i];
    sxx += (double)x[2 * i] * x[2 * i];
    syy += (double)y[2 * i] * y[2 * i];
  }
  return sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
}

/* Largest step between neighbouring samples in frames [a, b). */
static int max_step (const int16_t *x, size_t a, size_t b) {
  int m = 0;
  size_t i;
  for (i = a + 1; i < b; i++) {
    int d = abs(x[2 * i] - x[2 * (i - 1)]);
    int e = abs(x[2 * i + 1] - x[2 * (i - 1) + 1]);
    m = d > m ? d : m;
    m = e > m ? e : m;
  }
  return m;
}

static void test_concat (uint64_t idea, const char *src_tags,
                         const char *ext_tags) {
  SfRecipe src, cat;
  size_t ns, nc, join = (size_t)llround(12.0 * SF_SYNTH_RATE), w = 2205;
  int16_t *s, *c;
  double cr;
  int jstep, body;
  memset(&src, 0, sizeof src);
  memset(&cat, 0, sizeof cat);
  src.nseg = 1;
  src.seg[0] = seg(idea, src_tags, 0, 20.0, 0);
  cat.nseg = 2;
  cat.seg[0] = seg(idea, src_tags, 0, 12.0, 0);
  cat.seg[1] = seg(idea, ext_tags, 12.0, 10.0, 1);
  s = render(&src, &ns);
  c = render(&cat, &nc);
  CHECK(nc == (size_t)llround(22.0 * SF_SYNTH_RATE), "concat length");
  cr = corr(s, c, SF_SYNTH_RATE / 2, join - w);
  printf("%s -> %s: before the join, concat vs source corr %.4f\n",
         src_tags, ext_tags, cr);
  CHECK(cr > 0.98, "concat does not start with the source (corr %.3f)",
        cr);
  /* no click: the join is no harsher than the music around it */
  jstep = max_step(c, join - w, join + w);
  body = max_step(c, join - 20 * w, join - w);
  printf("  largest step at the join %d, in the second before %d\n", jstep,
         body);
  CHECK(jstep <= body + body / 2 + 200, "click at the join: %d vs %d",
        jstep, body);
  /* after the join: the extension, not the source replayed */
  cr = corr(s, c, join + w, join + 6 * SF_SYNTH_RATE);
  CHECK(fabs(cr) < 0.9, "extension replays the source (corr %.3f)", cr);
  free(s);
  free(c);
}

/* An extension from the same point differs from the original song. */
static void test_extension_is_new (void) {
  SfRecipe a, b;
  size_t na, nb;
  int16_t *pa, *pb;
  double cr;
  memset(&a, 0, sizeof a);
  memset(&b, 0, sizeof b);
  a.nseg = b.nseg = 1;
  a.seg[0] = seg(77, "pop", 30.0, 12.0, 0);
  b.seg[0] = seg(77, "pop", 30.0, 12.0, 1);
  a.seg[0].lyrics = b.seg[0].lyrics = NULL;
  pa = render(&a, &na);
  pb = render(&b, &nb);
  cr = corr(pa, pb, 0, na);
  printf("original vs extension at 30 s: corr %.3f\n", cr);
  CHECK(na == nb && cr < 0.9, "extension sounds like the original (%.3f)",
        cr);
  free(pa);
  free(pb);
}

int main (void) {
  test_concat(31, "pop", "pop");
  test_concat(32, "lo-fi, mellow", "lo-fi, mellow");
  test_concat(33, "rock", "jazz");
  test_extension_is_new();
  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  else
    printf("ok\n");
  return failures ? 1 : 0;
}
