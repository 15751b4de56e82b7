/* synth_check.h -- what the synth tests share: the CHECK assertion (a
** failed check prints where and why, and is counted in 'failures') and
** the RMS level of rendered PCM. */
#ifndef SYNTH_CHECK_H
#define SYNTH_CHECK_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

static int failures = 0;

#define CHECK(cond, ...)                                                    \
  do {                                                                      \
    if (!(cond)) {                                                          \
      failures++;                                                           \
      fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                  \
      fprintf(stderr, __VA_ARGS__);                                         \
      fputc('\n', stderr);                                                  \
    }                                                                       \
  } while (0)

/* RMS of interleaved stereo 16-bit PCM, 0..1 of full scale. */
static inline double rms (const int16_t *p, size_t frames) {
  double s = 0;
  size_t i;
  for (i = 0; i < 2 * frames; i++)
    s += (double)p[i] * p[i];
  return frames ? sqrt(s / (2.0 * frames)) / 32768.0 : 0;
}

#endif
