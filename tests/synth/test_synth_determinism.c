/*
** test_synth_determinism.c -- same recipe, same bytes; lengths exact.
**
** The sandbox caches rendered audio and serves byte ranges from it, and a
** clip's reported duration must match its audio: so a recipe must always
** render to the same PCM, of exactly round(seconds * 44100) frames.
*/
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

#include "synth_check.h"

static SfRecipe one (uint64_t idea, const char *tags, double seconds) {
  SfRecipe r;
  memset(&r, 0, sizeof r);
  r.nseg = 1;
  r.seg[0].idea = idea;
  r.seg[0].tags = tags;
  r.seg[0].seconds = seconds;
  return r;
}

/* Render or die: these tests are about content, not allocation. */
static int16_t *render (const SfRecipe *r, size_t *frames) {
  int16_t *pcm = NULL;
  if (sf_synth_render(r, &pcm, frames) != 0) {
    fprintf(stderr, "render failed\n");
    exit(2);
  }
  return pcm;
}

static int same_pcm (const int16_t *a, size_t na, const int16_t *b,
                     size_t nb) {
  return na == nb && memcmp(a, b, na * 4) == 0;
}


static void test_same_recipe_same_bytes (void) {
  SfRecipe r = one(42, "synthwave, energetic", 12.0);
  size_t n1, n2;
  int16_t *a = render(&r, &n1), *b = render(&r, &n2);
  CHECK(same_pcm(a, n1, b, n2), "two renders of one recipe differ");
  CHECK(rms(a, n1) > 0.02, "render is (nearly) silent: rms %.4f",
        rms(a, n1));
  free(a);
  free(b);
}

static void test_seeds_and_tags_matter (void) {
  SfRecipe r1 = one(1, "pop", 8.0), r2 = one(2, "pop", 8.0);
  SfRecipe r3 = one(1, "jazz", 8.0);
  size_t n1, n2, n3;
  int16_t *a = render(&r1, &n1), *b = render(&r2, &n2), *c = render(&r3,
                                                                     &n3);
  CHECK(n1 == n2 && n2 == n3, "same length expected");
  CHECK(!same_pcm(a, n1, b, n2), "different ideas rendered the same");
  CHECK(!same_pcm(a, n1, c, n3), "different tags rendered the same");
  free(a);
  free(b);
  free(c);
}

static void test_frames_exact (void) {
  static const double SECS[] = {1.0, 2.5, 0.01, 3.333333, 0.7777, 10.0};
  size_t i;
  for (i = 0; i < sizeof SECS / sizeof SECS[0]; i++) {
    SfRecipe r = one(7 + i, "lo-fi", SECS[i]);
    size_t n;
    int16_t *p = render(&r, &n);
    size_t want = (size_t)llround(SECS[i] * SF_SYNTH_RATE);
    CHECK(n == want, "%.6f s: %zu frames, want %zu", SECS[i], n, want);
    CHECK(fabs(sf_synth_recipe_seconds(&r) - SECS[i]) < 1e-9,
          "recipe seconds");
    free(p);
  }
}

/* Several segments: frames = round(sum of seconds * rate). */
static void test_frames_multi_segment (void) {
  SfRecipe r = one(9, "rock", 1.37);
  size_t n;
  int16_t *p;
  r.nseg = 3;
  r.seg[1] = r.seg[0];
  r.seg[1].seconds = 2.011;
  r.seg[1].song_pos = 1.37;
  r.seg[1].extension = 1;
  r.seg[2] = r.seg[0];
  r.seg[2].seconds = 0.505;
  r.seg[2].tags = "jazz";
  p = render(&r, &n);
  CHECK(fabs(sf_synth_recipe_seconds(&r) - 3.886) < 1e-9, "recipe seconds");
  CHECK(n == (size_t)llround(3.886 * SF_SYNTH_RATE), "%zu frames", n);
  free(p);
}

static void test_empty_recipe (void) {
  SfRecipe r;
  int16_t *p = NULL;
  size_t n = 99;
  memset(&r, 0, sizeof r);
  CHECK(sf_synth_render(&r, &p, &n) == 0, "empty recipe renders");
  CHECK(n == 0, "empty recipe has 0 frames, got %zu", n);
  free(p);
}

/* Unknown tags pick a stable default; case and punctuation do not matter. */
static void test_tags_stable (void) {
  SfRecipe a = one(5, "zorblax quantum polka", 4.0);
  SfRecipe b = one(5, "zorblax quantum polka", 4.0);
  size_t na, nb;
  int16_t *pa = render(&a, &na), *pb = render(&b, &nb);
  double t1 = sf_synth_style_bpm(5, "zorblax quantum polka");
  CHECK(same_pcm(pa, na, pb, nb), "unknown tags not deterministic");
  CHECK(t1 == sf_synth_style_bpm(5, "zorblax quantum polka"),
        "unknown-tag tempo unstable");
  CHECK(t1 >= 50 && t1 <= 200, "tempo %.1f out of range", t1);
  CHECK(sf_synth_style_bpm(3, "Lo-Fi, MELLOW") ==
        sf_synth_style_bpm(3, "lofi,mellow"), "tags are case-sensitive");
  CHECK(sf_synth_style_bpm(3, NULL) == sf_synth_style_bpm(3, ""),
        "NULL and empty tags differ");
  free(pa);
  free(pb);
}

/* Tempo ranges of the documented tags (SYNTH.md), over many ideas. */
static void test_tag_tempos (void) {
  static const struct {
    const char *tags;
    double lo, hi;
  } T[] = {
    {"lo-fi", 70, 85}, {"acoustic", 90, 110}, {"synthwave", 100, 118},
    {"jazz", 120, 160}, {"rock", 120, 140}, {"orchestral", 70, 100},
    {"ambient", 60, 70}, {"edm", 124, 128}, {"house", 124, 128},
    {"metal", 150, 180}, {"punk", 160, 180},
    {"rock, mellow", 102, 119}, {"rock, energetic", 138, 161},
  };
  size_t i;
  uint64_t idea;
  for (i = 0; i < sizeof T / sizeof T[0]; i++)
    for (idea = 1; idea < 40; idea++) {
      double b = sf_synth_style_bpm(idea, T[i].tags);
      CHECK(b >= T[i].lo - 0.5 && b <= T[i].hi + 0.5,
            "%s: %.1f bpm not in %.0f..%.0f", T[i].tags, b, T[i].lo,
            T[i].hi);
    }
}

static void test_idea_info (void) {
  uint64_t idea;
  int minor = 0, eight = 0;
  for (idea = 0; idea < 200; idea++) {
    SfIdeaInfo a, b;
    int i;
    sf_synth_idea_info(idea, &a);
    sf_synth_idea_info(idea, &b);
    CHECK(memcmp(&a, &b, sizeof a) == 0, "idea info unstable");
    CHECK(a.key_root >= 0 && a.key_root < 12, "key %d", a.key_root);
    CHECK(a.bars == 4 || a.bars == 8, "bars %d", a.bars);
    for (i = 0; i < a.bars; i++)
      CHECK(a.chord_root[i] >= 0 && a.chord_root[i] < 12, "root");
    minor += a.minor;
    eight += a.bars == 8;
  }
  CHECK(minor > 20 && minor < 180, "modes not varied: %d minor", minor);
  CHECK(eight > 10 && eight < 190, "lengths not varied: %d of 8", eight);
}

/* Odd requests still render: NaN or negative lengths count as nothing,
** odd lyrics and tags are just text. */
static void test_odd_inputs (void) {
  SfRecipe r = one(3, NULL, 2.0);
  size_t n;
  int16_t *p;
  r.nseg = 4;
  r.seg[1] = r.seg[0];
  r.seg[1].seconds = NAN;
  r.seg[2] = r.seg[0];
  r.seg[2].seconds = -5;
  r.seg[2].song_pos = NAN;
  r.seg[3] = r.seg[0];
  r.seg[3].song_pos = 1e300;
  r.seg[3].lyrics = "[Chorus]\n[Verse]\n\n\xe6\x97\xa5\xe6\x9c\xac "
                    "caf\xc3\xa9 !!! 123\n[\n]]]\n(ooh)";
  r.seg[3].tags = ",,, ,LO-FI!!,\xf0\x9f\x8e\xb5,";
  r.seg[3].negative_tags = "everything, drums, vocals, reverb, bass";
  CHECK(fabs(sf_synth_recipe_seconds(&r) - 4.0) < 1e-9, "odd seconds");
  p = render(&r, &n);
  CHECK(n == 4 * SF_SYNTH_RATE, "%zu frames for 4 s", n);
  free(p);
  r.nseg = -3;
  CHECK(sf_synth_recipe_seconds(&r) == 0, "negative nseg");
  p = render(&r, &n);
  CHECK(n == 0, "negative nseg renders nothing");
  free(p);
}

/* The server renders and encodes from several threads at once: each
** must give the bytes a lone render and encode gives. */
typedef struct Job {
  SfRecipe r;
  int16_t *pcm;
  size_t frames;
  unsigned char *mp3;
  size_t len;
  int rc;
} Job;

static void *job_run (void *arg) {
  Job *j = (Job *)arg;
  j->rc = sf_synth_render(&j->r, &j->pcm, &j->frames);
  if (j->rc == 0)
    j->rc = sf_synth_encode_mp3(j->pcm, j->frames, &j->mp3, &j->len);
  return NULL;
}

static void test_threads (void) {
  static const char *TAGS[4] = {"pop", "lo-fi", "edm", "jazz, piano"};
  Job jobs[8];
  pthread_t th[8];
  int i;
  for (i = 0; i < 8; i++) {
    jobs[i].r = one(100 + i % 4, TAGS[i % 4], 6.0);
    pthread_create(&th[i], NULL, job_run, &jobs[i]);
  }
  for (i = 0; i < 8; i++)
    pthread_join(th[i], NULL);
  for (i = 0; i < 8; i++) {
    size_t n, len;
    int16_t *ref;
    unsigned char *mp3;
    CHECK(jobs[i].rc == 0, "thread %d failed", i);
    if (jobs[i].rc != 0)
      continue;
    ref = render(&jobs[i].r, &n);
    CHECK(same_pcm(ref, n, jobs[i].pcm, jobs[i].frames),
          "thread %d rendered other bytes than a lone render", i);
    CHECK(sf_synth_encode_mp3(ref, n, &mp3, &len) == 0, "encode");
    CHECK(len == jobs[i].len && memcmp(mp3, jobs[i].mp3, len) == 0,
          "thread %d encoded other bytes than a lone encode", i);
    free(mp3);
    free(ref);
    free(jobs[i].pcm);
    free(jobs[i].mp3);
  }
}

int main (void) {
  test_same_recipe_same_bytes();
  test_seeds_and_tags_matter();
  test_frames_exact();
  test_frames_multi_segment();
  test_empty_recipe();
  test_tags_stable();
  test_tag_tempos();
  test_idea_info();
  test_odd_inputs();
  test_threads();
  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  else
    printf("ok\n");
  return failures ? 1 : 0;
}
