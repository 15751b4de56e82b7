/*
** log.c -- stderr output with levels (see log.h).
**
** The level is process-wide: it is set once from the command line before
** any Lua state exists, and the sandbox thread never logs through here.
*/
#include <stdarg.h>
#include <stdio.h>
#include "log.h"
#include "progress.h"
#include "timer.h"

static SfLogLevel current_level = SF_LOG_INFO;
static double started_at = -1;

void sf_log_set_level (SfLogLevel level) {
  current_level = level;
}

SfLogLevel sf_log_level (void) {
  return current_level;
}

/* One whole line per call, so lines from one process never interleave. */
static void emit (const char *prefix, const char *fmt, va_list ap) {
  char line[2048];
  int n;
  if (started_at < 0)
    started_at = sf_now();
  if (prefix == NULL)
    n = snprintf(line, sizeof(line), "[%7.2fs] ", sf_now() - started_at);
  else
    n = snprintf(line, sizeof(line), "%s", prefix);
  vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
  sf_progress_hide();                   /* the line goes above the block */
  fprintf(stderr, "%s\n", line);
  fflush(stderr);
  sf_progress_show();
}

void sf_log_error (const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  emit("sonicflow: ", fmt, ap);
  va_end(ap);
}

void sf_log_info (const char *fmt, ...) {
  va_list ap;
  if (current_level < SF_LOG_INFO)
    return;
  va_start(ap, fmt);
  emit(NULL, fmt, ap);
  va_end(ap);
}

void sf_log_debug (const char *fmt, ...) {
  va_list ap;
  if (current_level < SF_LOG_DEBUG)
    return;
  va_start(ap, fmt);
  emit(NULL, fmt, ap);
  va_end(ap);
}
