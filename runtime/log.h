/*
** log.h -- what the host says on stderr: errors always, progress unless
** quiet, exchanges and tracebacks only when verbose. Nothing printed here
** ever contains the API key (http.c logs it as "Bearer ***").
*/
#ifndef SF_LOG_H
#define SF_LOG_H

typedef enum SfLogLevel {
  SF_LOG_QUIET = 0,   /* -q: errors only */
  SF_LOG_INFO = 1,    /* default: progress lines */
  SF_LOG_DEBUG = 2    /* -v */
} SfLogLevel;

void sf_log_set_level (SfLogLevel level);
SfLogLevel sf_log_level (void);
void sf_log_error (const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sf_log_info (const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void sf_log_debug (const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
