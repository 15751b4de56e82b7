/*
** task.h -- Lua coroutines run by the host ("tasks").
**
** Every piece of Lua that may wait runs in a task: the script's main chunk
** and each sonic.spawn. A waiting C function records what it waits for
** in the task and yields with a continuation (lua_yieldk); the loop puts
** the task on the ready queue when that thing happens, and resumes it with
** no values: the continuation builds the results inside the task, so any
** error it raises is an ordinary error in the task's Lua code.
**
** Only registered tasks may wait. A coroutine the script made itself
** (coroutine.wrap) gets a clear error instead of having its yield
** swallowed by the host.
*/
#ifndef SF_TASK_H
#define SF_TASK_H

#include <lua.h>
#include "kinds.h"
#include "runtime.h"
#include "timer.h"

#define SF_TASK_MT "sonic.Task"
#define SF_ERROR_MT "sonic.Error"

typedef enum SfWait {
  SF_WAIT_NONE, SF_WAIT_TIMER, SF_WAIT_HTTP, SF_WAIT_JOIN
} SfWait;

struct SfTask {
  SfRuntime *rt;
  lua_State *co;             /* the coroutine; anchored by the userdata */
  int id;
  int started;               /* resumed at least once */
  int nargs;                 /* arguments waiting on 'co' for the start */
  int done;                  /* finished, with or without error */
  int ok;                    /* finished without error */
  int cancel_requested;
  int cancel_error;          /* ended by a "cancelled" error */
  int observed;              /* its outcome was taken by someone */
  SfWait waiting;
  unsigned wait_gen;         /* bumped at every wait: stale wakes ignored */
  void *wait_obj;            /* the SfRequest waited on, if any */
  int (*abort_wait) (SfTask *t);  /* cancel hook for the current wait */
  SfTimer timer;
  int queued;                /* on the ready list */
  char path[64];             /* "main", "main.2", "main.2.1": spawn order */
  int children;              /* tasks spawned by this one so far */
  int steps;                 /* paid calls made by this one so far */
  SfTask *next_ready;
};

/* Create the registry tables and the task metatable. Call once. */
void sf_task_setup (lua_State *L, SfRuntime *rt);

/*
** Spawn a task running the function below 'nargs' arguments on L's
** stack. Pops them and pushes the task handle (a "sonic.Task" userdata).
** The task first runs on the next loop turn.
*/
SfTask *sf_task_spawn (lua_State *L, SfRuntime *rt, int nargs);

/* The task running on L; raises a clear error when L is not a task. */
SfTask *sf_task_current (lua_State *L, const char *what);
SfTask *sf_task_check (lua_State *L, int arg);

/* Yield the current task until woken; 'k' runs inside it afterwards. */
int sf_task_yield (lua_State *L, SfTask *t, SfWait kind, lua_KContext ctx,
                   lua_KFunction k);
/* Make 't' runnable if it still waits on wait generation 'gen'. */
void sf_task_wake (SfTask *t, unsigned gen);
/* Wait 'seconds' (a timer on the loop). */
int sf_task_sleep (lua_State *L, SfTask *t, double seconds, lua_KContext ctx,
                   lua_KFunction k);
/* In a continuation: raise "cancelled" if the task was cancelled. */
void sf_task_check_cancel (lua_State *L, SfTask *t);
/* Ask 't' to stop: its current or next wait raises "cancelled". */
void sf_task_cancel (SfTask *t);

/* Cancel every task still running (the main chunk failed). */
void sf_task_cancel_all (lua_State *L);

/* Push "file:line: " of the innermost caller outside module sonic (the
** script line that made the call), or "". */
void sf_push_user_where (lua_State *L);

/* Push an error table {kind=..., message=...} with the error metatable. */
void sf_push_error (lua_State *L, SfKind kind, const char *message);
/* Set field 'where' of the error table at 'idx' to "file:line:" of the
** script line that made the call (as the Lua half's errors do). */
void sf_set_error_where (lua_State *L, int idx);

/*
** Push the outcome of the finished task at 'idx': true followed by its
** results, or false and its error. Marks it observed. Returns the number
** of values pushed.
*/
int sf_task_push_outcome (lua_State *L, int idx);

/* Wake 'self' (the task running on L) when the task at 'idx' finishes,
** if 'self' still waits on its current wait then. */
void sf_task_add_joiner (lua_State *L, int idx, SfTask *self);
/* Make the task at 'idx' a member of the group table at 'g' (sonic.all):
** when it finishes, 'index' is appended to the group's array part (its
** inbox) and the group's "owner" task is woken if it waits on the group
** (wait_obj == the group). A finished task goes to the inbox at once. */
void sf_task_group_add (lua_State *L, int g, int idx, lua_Integer index);
/* Push the handle of the task running on L. */
void sf_task_push_self (lua_State *L);

/* Take responsibility for the outcome of the task at 'idx': its error,
** now or later, is not reported as unobserved (sonic.all raised for it). */
void sf_task_observe (lua_State *L, int idx);

/* Resume every ready task (called by the loop). */
void sf_task_run_ready (SfRuntime *rt);

/* Push the error value of every failed task that nobody waited for. */
int sf_task_push_unobserved (lua_State *L);

#endif
