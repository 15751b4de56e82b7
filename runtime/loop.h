/*
** loop.h -- the event loop: ready tasks, timers, transfers, signals.
*/
#ifndef SF_LOOP_H
#define SF_LOOP_H

#include <signal.h>
#include "runtime.h"

/* Outcome of sf_loop_run. */
typedef enum SfLoopEnd {
  SF_LOOP_FINISHED,      /* every task finished */
  SF_LOOP_INTERRUPTED,   /* SIGINT/SIGTERM */
  SF_LOOP_STUCK,         /* tasks left, but nothing can ever wake them */
  SF_LOOP_KILLED         /* the script ran out of its instruction budget */
} SfLoopEnd;

/* Initialise timers, transfers and the signal pipe. 0 or -1. */
int sf_loop_init (SfRuntime *rt, int max_inflight);
void sf_loop_free (SfRuntime *rt);

/* Route SIGINT/SIGTERM to 'rt' (so the loop can stop cleanly). */
void sf_loop_catch_signals (SfRuntime *rt);

/*
** Run until every task has finished or a signal arrives. Sleeps on epoll
** until the next timer or socket event; never spins.
** Lua errors outside tasks (out of memory) propagate: call it inside a
** protected call.
*/
SfLoopEnd sf_loop_run (SfRuntime *rt);

/* Around starting a thread of our own: it inherits a mask that keeps
** SIGINT/SIGTERM/SIGALRM for the Lua thread (see loop.c). */
void sf_block_stop_signals (sigset_t *old);
void sf_restore_signals (const sigset_t *old);

#endif
