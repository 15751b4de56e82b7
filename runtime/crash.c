/*
** crash.c -- test crash points (see crash.h).
*/
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "crash.h"

void sf_crashpoint (const char *name) {
  /* read once; the process is single-threaded where this is called */
  static int loaded, hits, target;
  static char point[64];
  if (!loaded) {
    const char *env = getenv("SONICFLOW_CRASH_AT");
    const char *colon;
    loaded = 1;
    target = 1;
    if (env != NULL) {
      colon = strchr(env, ':');
      size_t n = colon ? (size_t)(colon - env) : strlen(env);
      if (n < sizeof(point)) {
        memcpy(point, env, n);
        point[n] = '\0';
      }
      if (colon != NULL)
        target = atoi(colon + 1);
    }
  }
  if (point[0] == '\0' || strcmp(point, name) != 0)
    return;
  if (++hits >= target)
    kill(getpid(), SIGKILL);
}
