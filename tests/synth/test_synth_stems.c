/*
** test_synth_stems.c -- stems are the mix's buses rendered alone.
**
** The sets: 2, 12 and 24 stems with capitalized names, disjoint masks
** covering the whole mix. Renders: every stem has the mix's length; the
** 12 stems add up to the full mix (up to the master's soft clip); the
** layers that play are audible in their stem; the vocal stem is silent
** when the recipe is instrumental.
*/
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

#include "synth_check.h"

static SfRecipe recipe (uint64_t idea, const char *tags, double secs,
                        int instrumental) {
  SfRecipe r;
  memset(&r, 0, sizeof r);
  r.nseg = 1;
  r.seg[0].idea = idea;
  r.seg[0].tags = tags;
  r.seg[0].seconds = secs;
  r.seg[0].instrumental = instrumental;
  return r;
}

static int16_t *render (const SfRecipe *r, size_t *frames) {
  int16_t *pcm;
  if (sf_synth_render(r, &pcm, frames) != 0)
    exit(2);
  return pcm;
}


static void test_sets (void) {
  static const int COUNTS[3] = {2, 12, 24};
  SfStemDef d[24];
  int c, i, j;
  uint32_t all = 0;
  CHECK(sf_synth_stem_set(5, d) == 0, "5 stems is not a set");
  for (c = 0; c < 3; c++) {
    uint32_t u = 0;
    CHECK(sf_synth_stem_set(COUNTS[c], d) == COUNTS[c], "set %d",
          COUNTS[c]);
    for (i = 0; i < COUNTS[c]; i++) {
      CHECK(d[i].mask != 0, "%s: empty mask", d[i].name);
      CHECK((u & d[i].mask) == 0, "set %d: %s overlaps", COUNTS[c],
            d[i].name);
      CHECK(d[i].name && isupper((unsigned char)d[i].name[0]),
            "name '%s' not capitalized", d[i].name);
      for (j = 0; j < i; j++)
        CHECK(strcmp(d[i].name, d[j].name) != 0, "duplicate %s",
              d[i].name);
      u |= d[i].mask;
    }
    if (c == 0)
      all = u;
    CHECK(u == all, "set %d covers %08x, set 2 covers %08x", COUNTS[c], u,
          all);
  }
  sf_synth_stem_set(2, d);
  CHECK(strcmp(d[0].name, "Vocals") == 0 &&
        strcmp(d[1].name, "Instrumental") == 0, "basic set names");
  sf_synth_stem_set(12, d);
  CHECK(strcmp(d[0].name, "Kick") == 0 && strcmp(d[3].name, "Bass") == 0 &&
        strcmp(d[6].name, "Lead Vocal") == 0, "full set names");
}

/* The stems of a set add up to the mix; where the mix is louder than
** the soft clip's knee they may not, so allow a small residual. */
static void test_sum_is_mix (uint64_t idea, const char *tags, int count) {
  SfRecipe r = recipe(idea, tags, 16.0, 0);
  SfStemDef d[24];
  size_t n, k, i;
  int16_t *mix = render(&r, &n);
  double *sum = calloc(2 * n, sizeof *sum), err = 0, pow_ = 0;
  int c = sf_synth_stem_set(count, d), s;
  if (sum == NULL)
    exit(2);
  for (s = 0; s < c; s++) {
    int16_t *p;
    r.stem_mask = d[s].mask;
    p = render(&r, &k);
    CHECK(k == n, "%s: %zu frames, mix has %zu", d[s].name, k, n);
    for (i = 0; i < 2 * n && i < 2 * k; i++)
      sum[i] += p[i];
    free(p);
  }
  for (i = 0; i < 2 * n; i++) {
    err += (sum[i] - mix[i]) * (sum[i] - mix[i]);
    pow_ += (double)mix[i] * mix[i];
  }
  printf("%s, %d stems: residual %.3f%% of the mix's energy\n", tags,
         count, 100 * err / pow_);
  CHECK(err < 0.005 * pow_, "%s: %d stems do not add up to the mix "
        "(%.3f%%)", tags, count, 100 * err / pow_);
  free(sum);
  free(mix);
}

static double stem_rms (const SfRecipe *base, const char *name, int count) {
  SfStemDef d[24];
  SfRecipe r = *base;
  int c = sf_synth_stem_set(count, d), i;
  size_t n;
  int16_t *p;
  double v;
  for (i = 0; i < c && strcmp(d[i].name, name) != 0; i++)
    ;
  if (i == c) {
    fprintf(stderr, "no stem %s\n", name);
    exit(2);
  }
  r.stem_mask = d[i].mask;
  p = render(&r, &n);
  v = rms(p, n);
  free(p);
  return v;
}

static void test_layers_audible (void) {
  SfRecipe r = recipe(21, "pop", 30.0, 0);
  static const char *PLAYING[] = {"Kick", "Snare", "Hi-Hats", "Bass",
                                  "Chords", "Lead Vocal"};
  size_t i;
  for (i = 0; i < sizeof PLAYING / sizeof PLAYING[0]; i++) {
    double v = stem_rms(&r, PLAYING[i], 12);
    CHECK(v > 0.003, "pop: stem %s is silent (rms %.5f)", PLAYING[i], v);
  }
  CHECK(stem_rms(&r, "Vocals", 2) > 0.01, "vocals silent with vocals on");
  CHECK(stem_rms(&r, "Instrumental", 2) > 0.02, "instrumental silent");
}

static void test_instrumental (void) {
  SfRecipe r = recipe(21, "pop", 20.0, 1);
  SfRecipe neg = recipe(21, "pop", 20.0, 0);
  CHECK(stem_rms(&r, "Vocals", 2) == 0, "instrumental=1 but vocals sound");
  CHECK(stem_rms(&r, "Lead Vocal", 12) == 0, "lead vocal not silent");
  CHECK(stem_rms(&r, "Instrumental", 2) > 0.02, "instrumental silent");
  neg.seg[0].negative_tags = "vocals, drums";
  CHECK(stem_rms(&neg, "Vocals", 2) == 0, "negative 'vocals' ignored");
  CHECK(stem_rms(&neg, "Kick", 12) == 0, "negative 'drums' ignored");
  CHECK(stem_rms(&neg, "Bass", 12) > 0.003, "bass gone with the drums");
}

int main (void) {
  test_sets();
  test_sum_is_mix(4, "pop", 12);
  test_sum_is_mix(8, "lo-fi", 12);
  test_sum_is_mix(15, "rock, energetic", 12);
  test_sum_is_mix(16, "edm", 24);
  test_sum_is_mix(23, "synthwave", 2);
  test_layers_audible();
  test_instrumental();
  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  else
    printf("ok\n");
  return failures ? 1 : 0;
}
