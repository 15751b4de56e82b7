/*
** loop.c -- the event loop (see loop.h).
**
** One turn: resume the tasks that are ready, fire due timers, then sleep
** (sf_http_wait, on epoll) until a transfer's socket is ready, the nearest
** timer is due, or a signal or webhook writes to the wake pipe; libcurl
** moves the transfers whose sockets woke us, and the tasks whose
** transfers finished are made ready.
*/
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "crash.h"
#include "events.h"
#include "webhook_receiver.h"
#include "journal.h"
#include "log.h"
#include "progress.h"
#include "loop.h"
#include "task.h"

/* The runtime that signal handlers report to. A process runs one loop at
** a time; this is the only file-level mutable state, and only the handler
** and sf_loop_catch_signals touch it. */
static SfRuntime *signal_target;

/* SIGALRM, armed by a second signal: the process is still there a
** second later (a C function that runs long, such as a pathological
** string.find, kept the loop from getting control back): end it now. */
static void on_watchdog (int sig) {
  static const char msg[] = "sonicflow: still busy a second after the "
                            "second signal: stopped at once\n";
  (void)sig;
  if (write(2, msg, sizeof(msg) - 1) < 0) {
    /* nothing more can be done */
  }
  _exit(130);
}

/*
** SIGINT/SIGTERM. Only async-signal-safe steps: flags, a byte on the wake
** pipe (for a loop asleep in epoll), lua_sethook on the task thread that
** runs Lua code now (so a busy Lua loop raises "cancelled" at its next
** instruction), and from the second signal on a watchdog.
*/
static void on_signal (int sig) {
  int saved = errno;
  SfRuntime *rt = signal_target;
  lua_State *co;
  if (rt != NULL) {
    rt->interrupted = sig;
    rt->signals++;
    if ((co = rt->running) != NULL)
      sf_limits_interrupt(co, &rt->limits, (int)rt->signals);
    if (rt->signals > 1) {
      struct sigaction sa;
      memset(&sa, 0, sizeof(sa));
      sa.sa_handler = on_watchdog;
      sigemptyset(&sa.sa_mask);
      if (!rt->watchdog)        /* keep the embedding program's action */
        sigaction(SIGALRM, &sa, &rt->saved_alarm);
      rt->watchdog = 1;
      alarm(1);
    }
    if (write(rt->wake_pipe[1], "x", 1) < 0) {
      /* the pipe is full: a wake is already pending */
    }
  }
  errno = saved;
}

void sf_loop_catch_signals (SfRuntime *rt) {
  struct sigaction sa;
  if (rt->L != NULL)           /* the interrupt hook reads it (sonic.so */
    sf_limits_register(rt->L, &rt->limits);   /* has no limits of its own) */
  signal_target = rt;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

int sf_loop_init (SfRuntime *rt, int max_inflight) {
  int i;
  sf_heap_init(&rt->timers);
  rt->wake_pipe[0] = rt->wake_pipe[1] = -1;
  if (pipe(rt->wake_pipe) != 0)
    return -1;
  for (i = 0; i < 2; i++) {
    fcntl(rt->wake_pipe[i], F_SETFL,
          fcntl(rt->wake_pipe[i], F_GETFL) | O_NONBLOCK);
    fcntl(rt->wake_pipe[i], F_SETFD, FD_CLOEXEC);
  }
  if (sf_http_init(&rt->http, max_inflight) != 0)
    return -1;
  sf_retry_init(&rt->retry, (uint64_t)time(NULL) * 2654435761u ^
                (uint64_t)getpid());
  rt->max_download = (long long)2048 << 20;   /* well above any song */
  return sf_http_watch_wake_fd(&rt->http, rt->wake_pipe[0]);
}

void sf_loop_free (SfRuntime *rt) {
  int i;
  if (signal_target == rt)
    signal_target = NULL;
  sf_http_free(&rt->http);
  sf_heap_free(&rt->timers);
  for (i = 0; i < 2; i++)
    if (rt->wake_pipe[i] >= 0)
      close(rt->wake_pipe[i]);
}

/* Fire every timer that is due. A fired timer only queues its task. */
static void fire_timers (SfRuntime *rt) {
  uint64_t now = sf_now_ms();
  SfTimer *t;
  while ((t = sf_heap_peek(&rt->timers)) != NULL && t->due_ms <= now) {
    sf_heap_remove(&rt->timers, t);
    t->fire(t);
  }
}

/* Milliseconds until the next timer: 0 when tasks are ready, -1 none. */
static long next_wait_ms (SfRuntime *rt) {
  SfTimer *t;
  uint64_t now;
  if (rt->ready_head != NULL)
    return 0;
  if ((t = sf_heap_peek(&rt->timers)) == NULL)
    return -1;
  now = sf_now_ms();
  return t->due_ms <= now ? 0 : (long)(t->due_ms - now);
}

/* Wake the tasks waiting for the task ids whose deliveries came in. */
static void dispatch_webhooks (SfRuntime *rt) {
  char ids[64][80];
  int n, i;
  while ((n = sf_webhooks_take(rt->webhooks, ids, 64)) > 0)
    for (i = 0; i < n; i++)
      sf_event_fire(rt->L, ids[i]);
}

static void drain_wake_pipe (SfRuntime *rt) {
  char buf[64];
  while (read(rt->wake_pipe[0], buf, sizeof(buf)) > 0)
    ;
}

/* The turns of the loop, until it ends. */
static SfLoopEnd run_turns (SfRuntime *rt) {
  for (;;) {
    long wait_ms;
    sf_task_run_ready(rt);
    if (rt->limits.exceeded)
      return SF_LOOP_KILLED;     /* no task of this script runs again */
    fire_timers(rt);
    if (rt->main_task != NULL && rt->main_task->done &&
        !rt->main_task->ok && !rt->cancelled_all) {
      rt->cancelled_all = 1;    /* the workflow failed: stop the rest */
      sf_task_cancel_all(rt->L);
      continue;
    }
    if (rt->tasks_alive == 0)   /* (a signal may have ended the tasks
                                ** before the loop saw it) */
      return rt->stopping || (rt->interrupted && (rt->main_task == NULL ||
             !rt->main_task->ok)) ? SF_LOOP_INTERRUPTED : SF_LOOP_FINISHED;
    if (rt->interrupted && !rt->stopping) {
      /* stop starting work; let paid calls in flight get their answer
      ** (and its journal record) so nothing ends up "unknown" */
      rt->stopping = 1;
      rt->stop_deadline = sf_now_ms() + 30000;
      sf_log_error("interrupted: finishing the calls in flight "
                   "(press Ctrl-C again to stop at once)");
      sf_task_cancel_all(rt->L);
      continue;
    }
    if (rt->stopping && (rt->signals > 1 || sf_now_ms() > rt->stop_deadline))
      return SF_LOOP_INTERRUPTED;
    if (sf_http_has_held(&rt->http)) {
      /* the intents of this turn's paid calls reach the disk first */
      if (sf_journal_flush(rt->journal) != 0)   /* steps.c words it */
        sf_http_release_held(&rt->http, "the journal could not be written");
      else {
        sf_crashpoint("after_intent");
        sf_http_release_held(&rt->http, NULL);
      }
    } else if (rt->journal != NULL) {
      /* outcomes, task results, downloads: committed now (they survive
      ** the process), on disk with the next paid call's flush or within
      ** SF_JOURNAL_SYNC_MS (journal.c says why that is safe) */
      if (sf_journal_sync_due(rt->journal) == 0)
        sf_journal_flush(rt->journal);
      else
        sf_journal_commit(rt->journal);
    }
    wait_ms = next_wait_ms(rt);
    if (wait_ms < 0 && sf_http_busy(&rt->http) == 0)
      return SF_LOOP_STUCK;   /* e.g. two tasks waiting on each other */
    if (rt->journal != NULL) {
      long sync_ms = sf_journal_sync_due(rt->journal);
      if (sync_ms >= 0 && (wait_ms < 0 || sync_ms < wait_ms))
        wait_ms = sync_ms;    /* wake up to put the commits on disk */
    }
    sf_progress_tick();
    if (sf_progress_live() && (wait_ms < 0 || wait_ms > 500))
      wait_ms = 500;          /* the clock on screen keeps moving */
    if (wait_ms < 0 || wait_ms > 60000)
      wait_ms = 60000;        /* curl's own timeouts still apply inside */
    if (rt->stopping && wait_ms > 250)
      wait_ms = 250;          /* notice the drain deadline in time */
    if (sf_http_wait(&rt->http, wait_ms)) {
      drain_wake_pipe(rt);
      if (rt->webhooks != NULL)
        dispatch_webhooks(rt);
    }
    sf_http_report_done(&rt->http);
  }
}

SfLoopEnd sf_loop_run (SfRuntime *rt) {
  SfLoopEnd end = run_turns(rt);
  /* the outcomes of the last turn (an answered create before a Ctrl-C)
  ** are committed now, whatever the teardown brings */
  sf_journal_flush(rt->journal);
  if (rt->watchdog && rt->embedded) {   /* sonic.run returns to its */
    alarm(0);                           /* caller: no watchdog there */
    sigaction(SIGALRM, &rt->saved_alarm, NULL);
    rt->watchdog = 0;
  }   /* (sonicflow itself ends now: the watchdog bounds the teardown) */
  return end;
}

/* Threads started between the two calls (the sandbox's, the webhook
** receiver's) block the stop signals, so SIGINT/SIGTERM always reach
** the main thread, whose handler hooks the Lua code running there. */
void sf_block_stop_signals (sigset_t *old) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &set, old);
}

void sf_restore_signals (const sigset_t *old) {
  pthread_sigmask(SIG_SETMASK, old, NULL);
}
