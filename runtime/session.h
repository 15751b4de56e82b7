/*
** session.h -- everything one invocation of run/resume/credits/task
** sets up and tears down: the service it talks to (maybe a sandbox in
** this process), the key, the journal and its run record, the loop and
** the Lua state with module sonic.
*/
#ifndef SF_SESSION_H
#define SF_SESSION_H

#include "journal.h"
#include "options.h"
#include "run_lock.h"
#include "runtime.h"
#include "wiring.h"

struct SfSandbox;

/* Opens module 'sonic' in a new state (the bindings, given by main.c so
** that runtime/ never depends on bindings/). 0, or -1 with a message on
** the Lua stack. */
typedef int (*SfOpenBindings) (lua_State *L, SfRuntime *rt);

typedef struct SfSession {
  SfRuntime rt;
  SfWired wired;             /* loop, key, in-process sandbox */
  SfRunInfo run;             /* the journaled run (when journaling) */
  SfRunLock lock;            /* this process owns the run (run_lock.h) */
  int exited;                /* the script called os.exit() */
} SfSession;

/*
** Set up a session for 'o'. 'resume' names the run to resume (or "" for
** the latest unfinished one; NULL to start a new run); 'script' and
** 'args_json' describe a new run. Returns an exit code: 0 when ready.
*/
int sf_session_open (SfSession *s, const SfRunOptions *o,
                     const char *script, const char *args_json,
                     const char *resume, SfOpenBindings open_bindings);

/* Record how the run ended (exit code), tear everything down. */
void sf_session_close (SfSession *s, int code);

#endif
