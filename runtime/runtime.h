/*
** runtime.h -- the state of one sonicflow run: the Lua state, the loop's
** timers and transfers, the ready queue, and the run's settings.
*/
#ifndef SF_RUNTIME_H
#define SF_RUNTIME_H

#include <signal.h>
#include <lua.h>
#include "http.h"
#include "lua_limits.h"
#include "retry.h"
#include "timer.h"

typedef struct SfTask SfTask;

typedef struct SfRuntime {
  lua_State *L;              /* main thread: tasks are resumed from here */
  SfTimerHeap timers;
  SfHttp http;
  SfTask *ready_head, *ready_tail;   /* tasks to resume this turn */
  int tasks_alive;           /* spawned and not finished */
  SfTask *main_task;         /* the script's main chunk */
  lua_State *volatile running;  /* the task thread resumed right now, for
                                   the signal handler (loop.c) */
  int cancelled_all;         /* the main chunk failed: others stopped */
  int next_task_id;
  int wake_pipe[2];          /* written by signal handlers */
  volatile sig_atomic_t interrupted;  /* the last signal's number */
  volatile sig_atomic_t signals;      /* how many arrived */
  volatile sig_atomic_t watchdog;     /* SIGALRM armed by a 2nd signal */
  struct sigaction saved_alarm;       /* SIGALRM's action before that */
  int stopping;              /* interrupted: draining the calls in flight */
  uint64_t stop_deadline;    /* ms: give up draining after this */
  /* where the service is */
  char *base_url;            /* service root, no trailing slash */
  char *api_prefix;          /* base_url + "/api/v1/" */
  int in_process_sandbox;    /* talking to our own sandbox */
  double sandbox_speed;      /* its speed factor (1 otherwise) */
  /* defaults for the Lua side (sonic.config may change them) */
  double poll_first;         /* seconds before the first poll */
  double poll_min, poll_max; /* later polls: uniform in [min, max] */
  double poll_fixed;         /* --poll-interval, or 0 */
  double wait_timeout;       /* seconds; sonic.wait's default */
  /* money: enforced here, not in Lua, so a script cannot change it */
  long long budget;          /* credits this run may spend; -1 = no limit */
  long long spent;           /* credits of accepted or unknown paid calls */
  /* the journal (NULL: not kept) */
  struct SfJournal *journal;
  const char *journal_path;  /* its file, for messages */
  SfRetry retry;             /* the retry table's state (retry.h) */
  long long max_download;    /* bytes; a longer download fails */
  /* the account's pace: paid generations at most one per interval */
  double paid_interval;      /* seconds; 0: not paced */
  uint64_t paid_next_ms;     /* the next free slot */
  char run_id[40];
  int resuming;              /* a resumed run: steps may replay */
  int resend_unknown;        /* --resend-unknown */
  int untrusted;             /* --sandbox-script: a script from others */
  int embedded;              /* sonic.so inside another program's Lua */
  SfLimits limits;           /* memory and instruction caps */
  /* webhooks (--webhook-listen); NULL when polling only */
  struct SfWebhooks *webhooks;
  char *webhook_url;         /* added to every create, with the secret */
  char *webhook_secret;
  double webhook_fallback;   /* seconds between fallback polls */
  long long polls;           /* GETs of task status made (for tests) */
  /* outcome */
  char failure_kind[32];     /* kind of the main chunk's error, if any */
} SfRuntime;

#endif
