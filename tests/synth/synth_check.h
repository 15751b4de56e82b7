/* synth_check.h -- the one assertion the synth tests use: a failed check
** prints where and why, and is counted in 'failures'. */
#ifndef SYNTH_CHECK_H
#define SYNTH_CHECK_H

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

#endif
