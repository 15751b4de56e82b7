/* check.h -- the few assertions the C unit tests need; each failure
** prints where and why, and the closing line counts passes and fails. */
#ifndef CHECK_H
#define CHECK_H
#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond) do {                                            \
    if (cond) check_passed++;                                       \
    else { check_failed++;                                          \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,        \
              __LINE__, #cond); }                                   \
  } while (0)

#define CHECK_DONE() \
  (printf("%d passed, %d failed\n", check_passed, check_failed), \
   check_failed != 0)
#endif
