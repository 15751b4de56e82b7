/*
** fdlimit.c -- raise the soft descriptor limit (see fdlimit.h).
*/
#include <sys/resource.h>
#include "fdlimit.h"

#define FDLIMIT_CAP 1048576L     /* what an "unlimited" hard limit means */

long sf_fdlimit_raise (void) {
  struct rlimit rl;
  rlim_t want;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
    return 1024;                 /* the common default; nothing to do */
  want = rl.rlim_max;
  if (want == RLIM_INFINITY || want > (rlim_t)FDLIMIT_CAP)
    want = (rlim_t)FDLIMIT_CAP;
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
    rlim_t old = rl.rlim_cur;
    rl.rlim_cur = want;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
      rl.rlim_cur = old;         /* e.g. a container's seccomp: keep it */
  }
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)FDLIMIT_CAP)
    return FDLIMIT_CAP;
  return (long)rl.rlim_cur;
}
