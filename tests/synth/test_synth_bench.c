/*
** test_synth_bench.c -- cost of a two-minute clip, and its loudness.
**
** Prints the CPU time of rendering and MP3-encoding a 120 s clip in a few
** styles (the budget is "well under 2 s on one core"; times are printed,
** not asserted, since test machines are noisy). Asserts what a listener
** relies on: a steady loudness from style to style, and no clipping.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "synth.h"

#include "synth_check.h"

static double cpu_now (void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* Gated RMS in dBFS: the mean power of the 400 ms windows that are no
** more than 10 dB below the average (a crude BS.1770 without the K
** filter, enough to compare styles), and the peak sample. */
static double loud_db (const int16_t *p, size_t frames, int *peak) {
  size_t w = SF_SYNTH_RATE * 2 / 5, nw = frames / w, i, k;
  double *e = calloc(nw + 1, sizeof *e), mean = 0, sum = 0;
  int cnt = 0, pk = 0;
  if (e == NULL)
    exit(2);
  for (k = 0; k < nw; k++) {
    for (i = k * w * 2; i < (k + 1) * w * 2; i++) {
      e[k] += (double)p[i] * p[i];
      pk = abs(p[i]) > pk ? abs(p[i]) : pk;
    }
    e[k] /= 2.0 * w;
    mean += e[k] / nw;
  }
  for (k = 0; k < nw; k++)
    if (e[k] >= 0.1 * mean) {
      sum += e[k];
      cnt++;
    }
  free(e);
  *peak = pk;
  return 10 * log10(sum / (cnt ? cnt : 1) / (32768.0 * 32768.0));
}

int main (void) {
  static const char *STYLES[] = {
    "pop", "lo-fi, mellow", "rock, energetic", "synthwave", "jazz",
    "orchestral", "ambient", "edm", "acoustic", "metal", "hip-hop",
  };
  size_t s;
  double lo = 0, hi = -100, worst = 0;
  for (s = 0; s < sizeof STYLES / sizeof STYLES[0]; s++) {
    SfRecipe r;
    int16_t *pcm;
    unsigned char *mp3;
    size_t frames, len;
    double t0, t1, t2, db;
    int peak;
    memset(&r, 0, sizeof r);
    r.nseg = 1;
    r.seg[0].idea = 1000 + s;
    r.seg[0].tags = STYLES[s];
    r.seg[0].seconds = 120.0;
    t0 = cpu_now();
    if (sf_synth_render(&r, &pcm, &frames) != 0)
      return 2;
    t1 = cpu_now();
    if (sf_synth_encode_mp3(pcm, frames, &mp3, &len) != 0)
      return 2;
    t2 = cpu_now();
    db = loud_db(pcm, frames, &peak);
    printf("%-16s render %.3f s + mp3 %.3f s = %.3f s cpu; %5.1f dBFS "
           "rms, peak %d\n", STYLES[s], t1 - t0, t2 - t1, t2 - t0, db,
           peak);
    worst = t2 - t0 > worst ? t2 - t0 : worst;
    lo = s == 0 || db < lo ? db : lo;
    hi = db > hi ? db : hi;
    CHECK(peak < 32767, "%s clips", STYLES[s]);
    CHECK(db > -22 && db < -10, "%s: loudness %.1f dBFS out of range",
          STYLES[s], db);
    free(pcm);
    free(mp3);
  }
  printf("slowest 120 s clip: %.3f s cpu; loudness spread %.1f dB\n", worst,
         hi - lo);
  CHECK(hi - lo < 4.0, "loudness varies by %.1f dB between styles",
        hi - lo);
  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  else
    printf("ok\n");
  return failures ? 1 : 0;
}
