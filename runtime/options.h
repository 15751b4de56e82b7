/*
** options.h -- the command line of `sonicflow run` (and of the one-shot
** commands that share its connection options).
*/
#ifndef SF_OPTIONS_H
#define SF_OPTIONS_H

#include <stddef.h>

typedef struct SfRunOptions {
  const char *script;        /* NULL for the one-shot commands */
  int script_argc;           /* ARGS after the script */
  char **script_argv;
  const char *base_url;      /* --base-url, else SONICFLOW_BASE_URL */
  int force_sandbox;         /* --sandbox */
  const char *sandbox_args;  /* --sandbox-args "..." */
  const char *key_file;      /* --key-file */
  double poll_interval;      /* --poll-interval; <= 0: service defaults */
  double wait_timeout;       /* --wait-timeout; <= 0: 15 minutes */
  long long budget;          /* --budget; -1: no limit */
  int max_inflight;          /* --max-inflight; 0: default */
  int verbosity;             /* 0 -q, 1 default, 2 -v */
  int help;                  /* --help seen */
  const char *journal;       /* --journal FILE */
  int no_journal;            /* --no-journal */
  int resend_unknown;        /* --resend-unknown */
  int dry_run;               /* --dry-run */
  int json;                  /* --json (runs) */
  int untrusted;             /* --sandbox-script */
  int no_progress;           /* --no-progress */
  const char *webhook_listen;  /* --webhook-listen ADDR:PORT */
  const char *webhook_url;     /* --webhook-url PUBLIC_URL */
  const char *webhook_secret;  /* --webhook-secret S */
  double webhook_fallback;     /* --webhook-fallback S */
  double memory_mb;          /* --memory-limit MB (0: default) */
  double instructions;       /* --instruction-limit N (0: default) */
  double max_download_mb;    /* --max-download-mb (0: 2048) */
  double paid_interval;      /* --paid-interval S (-1: the service's) */
  double clip_seconds;       /* --clip-seconds S for the in-process sandbox */
  const char *har;           /* --har FILE: record every exchange (har.h) */
} SfRunOptions;

/*
** Parse options up to the first non-option (the script, when
** 'want_script'); the rest are the script's ARGS. Returns 0, or -1 with a
** one-line message in 'err'.
*/
int sf_run_options_parse (SfRunOptions *o, int argc, char **argv,
                          int want_script, char *err, size_t errlen);

#endif
