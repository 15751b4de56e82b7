/*
** test_synth_oom.c -- every allocation failure is survived.
**
** The sandbox renders clips in its server threads: running out of memory
** must give -1 with nothing leaked, never a crash. This test replaces
** malloc and friends with versions that fail from the N-th call on, and
** runs a render and the WAV encoder for N = 0, 1, 2, ... until they pass:
** each run returns -1 with no allocation left behind, or 0 with exactly
** the audio of an unconstrained run (a failed cache insert, say, must not
** change the sound). Skipped under AddressSanitizer, which owns malloc.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"
#include "synth_check.h"

#if defined(__SANITIZE_ADDRESS__)
#define NO_HOOKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_HOOKS 1
#endif
#endif

#ifndef NO_HOOKS
extern void *__libc_malloc (size_t);
extern void *__libc_calloc (size_t, size_t);
extern void *__libc_realloc (void *, size_t);
extern void __libc_free (void *);

static long calls, fail_at = -1, live;

static int refuse (void) {
  return fail_at >= 0 && calls++ >= fail_at;
}

void *malloc (size_t n) {
  void *p;
  if (refuse())
    return NULL;
  if ((p = __libc_malloc(n)) != NULL)
    live++;
  return p;
}

void *calloc (size_t a, size_t b) {
  void *p;
  if (refuse())
    return NULL;
  if ((p = __libc_calloc(a, b)) != NULL)
    live++;
  return p;
}

void *realloc (void *q, size_t n) {
  void *p;
  if (refuse())
    return NULL;
  p = __libc_realloc(q, n);
  if (p != NULL && q == NULL)
    live++;
  return p;
}

void free (void *p) {
  if (p != NULL)
    live--;
  __libc_free(p);
}
#endif


#ifndef NO_HOOKS
static SfRecipe recipe (void) {
  SfRecipe r;
  memset(&r, 0, sizeof r);
  r.nseg = 2;
  r.seg[0].idea = 5;
  r.seg[0].tags = "synthwave";
  r.seg[0].seconds = 1.5;
  r.seg[0].lyrics = "[Verse]\nla la la\n";
  r.seg[1] = r.seg[0];
  r.seg[1].song_pos = 1.5;
  r.seg[1].extension = 1;
  r.seg[1].tags = "rock";
  return r;
}

static void test_render (void) {
  SfRecipe r = recipe();
  int16_t *ref, *p;
  size_t nref, n;
  long n_fail = 0;
  fail_at = -1;
  if (sf_synth_render(&r, &ref, &nref) != 0)
    exit(2);
  for (fail_at = 0;; fail_at++) {
    long before = live;
    int rc;
    calls = 0;
    p = NULL;
    rc = sf_synth_render(&r, &p, &n);
    if (rc != 0) {
      n_fail++;
      CHECK(live == before, "fail at %ld: %ld allocation(s) leaked",
            fail_at, live - before);
      CHECK(p == NULL, "fail at %ld: output set on failure", fail_at);
      continue;
    }
    CHECK(n == nref && memcmp(p, ref, n * 4) == 0,
          "fail at %ld: render succeeded with different audio", fail_at);
    free(p);
    break;  /* the first success: later points, see below */
  }
  printf("render: %ld failing allocation points survived\n", n_fail);
  fail_at = -1;
  free(ref);
}

/* Past the first success, failures can only hit optional allocations
** (the note cache): keep failing later and later calls. */
static void test_render_late_failures (void) {
  SfRecipe r = recipe();
  int16_t *ref, *p;
  size_t nref, n;
  long total, k;
  fail_at = -1;
  calls = 0;
  fail_at = 1L << 40;  /* count only */
  if (sf_synth_render(&r, &ref, &nref) != 0)
    exit(2);
  total = calls;
  for (k = 0; k < total; k += 1 + total / 200) {
    long before = live;
    int rc;
    calls = 0;
    fail_at = k;
    rc = sf_synth_render(&r, &p, &n);
    fail_at = -1;
    if (rc != 0) {
      CHECK(live == before, "fail at %ld of %ld: leak", k, total);
      continue;
    }
    CHECK(n == nref && memcmp(p, ref, n * 4) == 0,
          "fail at %ld of %ld: different audio", k, total);
    free(p);
  }
  printf("render: %ld allocations per run, failures spread over them ok\n",
         total);
  free(ref);
}

static void test_encoders (void) {
  int16_t pcm[2 * 4410];
  unsigned char *out;
  size_t len;
  long k;
  memset(pcm, 0, sizeof pcm);
  for (k = 0; k < 64; k++) {
    long before = live;
    int rc;
    calls = 0;
    fail_at = k;
    rc = sf_synth_encode_wav(pcm, 4410, &out, &len);
    fail_at = -1;
    if (rc != 0)
      CHECK(live == before && out == NULL, "wav: leak at %ld", k);
    else
      free(out);
  }
  /* MP3: only the failures we can survive. LAME 3.100 itself crashes
  ** when some of its own allocations fail (InitVbrTag, "can't allocate
  ** VbrFrames buffer"), so only the first ones, ours and lame_init's,
  ** are tried here. */
  for (k = 0; k < 2; k++) {
    long before = live;
    int rc;
    calls = 0;
    fail_at = k;
    rc = sf_synth_encode_mp3(pcm, 4410, &out, &len);
    fail_at = -1;
    if (rc != 0)
      CHECK(live == before && out == NULL, "mp3: leak at %ld", k);
    else
      free(out);
  }
}
#endif

int main (void) {
#ifdef NO_HOOKS
  (void)failures;
  printf("skipped: allocator hooks are not used under sanitizers\n");
  return 0;
#else
  test_render();
  test_render_late_failures();
  test_encoders();
  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  else
    printf("ok\n");
  return failures ? 1 : 0;
#endif
}
