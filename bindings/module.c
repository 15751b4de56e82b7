/*
** module.c -- module "sonic" for the stock Lua interpreter (sonic.so).
**
** `require "sonic"` from Debian's lua5.4 lands in luaopen_sonic, which
** sets up what `sonicflow run` sets up with no options -- the loop, the
** key (MUSICAPI_KEY or the key file), the service (SONICFLOW_BASE_URL, or
** a sandbox started inside the process), no journal -- and then the very
** same bindings (sf_bindings_open), so the table returned is the module
** sonicflow scripts know, plus one function:
**
**   sonic.run(fn, ...) -> fn's results
**
** runs fn as the main task and drives the loop until every task has
** finished. Only inside it can sonic functions wait. A failure is raised
** to the caller as the sonic error table itself.
**
** Ownership: everything lives in one full userdata (Module), created
** zeroed with its __gc armed before anything is acquired (STYLE.md H4),
** and anchored in the registry once the module is ready. Being created
** before any request or task, it is finalized after them at lua_close:
** their __gc still finds the transfer engine they used.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include "bindings.h"
#include "error_text.h"
#include "journal.h"
#include "log.h"
#include "loop.h"
#include "target.h"
#include "wiring.h"
#include "task.h"

#define MODULE_MT "sonic.Runtime"
#define ERRLEN 512

typedef struct Module {
  SfRuntime rt;
  SfWired wired;              /* loop, key, in-process sandbox (wiring.h) */
  int running;                /* inside sonic.run */
} Module;

enum { UV_MODULE = 1, UV_REPORTED = 2 };  /* user values of the Module */

static const char MODULE_KEY = 0;  /* registry[&MODULE_KEY] = Module ud */

/* ============================================================ lifecycle */

/* Release everything 'm' owns. Idempotent: __gc may see a half-made one. */
static void module_release (Module *m) {
  SfRuntime *rt = &m->rt;
  sf_unwire(rt, &m->wired);
  sf_journal_close(rt->journal);
  rt->journal = NULL;
}

static int module_gc (lua_State *L) {
  module_release((Module *)luaL_checkudata(L, 1, MODULE_MT));
  return 0;
}

/* Push a new Module: a valid closed object before __gc is armed. */
static Module *module_new (lua_State *L) {
  Module *m = (Module *)lua_newuserdatauv(L, sizeof(Module), 2);
  memset(m, 0, sizeof(*m));
  if (luaL_newmetatable(L, MODULE_MT)) {
    lua_pushcfunction(L, module_gc);
    lua_setfield(L, -2, "__gc");
  }
  lua_setmetatable(L, -2);
  return m;
}

/* ============================================================ configure */

/*
** Configure 'm' from the environment as `sonicflow run` does with no
** options, through the same wiring (runtime/wiring.c). Returns 0, or -1
** with a one-line message in 'err'.
*/
static int module_configure (Module *m, char *err, size_t errlen) {
  SfRuntime *rt = &m->rt;
  SfWiring w;
  int usage;
  memset(&w, 0, sizeof(w));
  w.paid_interval = -1;        /* the service's pace */
  rt->embedded = 1;            /* no globals, print left alone */
  rt->budget = -1;
  w.base_url = getenv("SONICFLOW_BASE_URL");
  if (w.base_url != NULL && w.base_url[0] == '\0')
    w.base_url = NULL;
  w.sandbox_args = getenv("SONICFLOW_SANDBOX_ARGS");
  if (sf_wire_loop(rt, &w, &m->wired, err, errlen) != 0 ||
      sf_wire_service(rt, &w, &m->wired, &usage, err, errlen) != 0)
    return -1;
  if (m->wired.sandbox != NULL)
    sf_log_info("sonic: no API key and no base URL: using the built-in "
                "sandbox at %s (%gx speed; nothing is charged)",
                rt->base_url, rt->sandbox_speed);
  return 0;
}

/* ============================================================ sonic.run */

/* The loop under lua_pcall: a memory error in the scheduler itself is
** caught. Upvalue-free; arg 1 is the runtime. Returns the SfLoopEnd. */
static int loop_main (lua_State *L) {
  SfRuntime *rt = (SfRuntime *)lua_touserdata(L, 1);
  lua_pushinteger(L, sf_loop_run(rt));
  return 1;
}

/* Run the loop protected. Pushes the SfLoopEnd, or the error. */
static int run_loop (lua_State *L, SfRuntime *rt) {
  lua_pushcfunction(L, loop_main);
  lua_pushlightuserdata(L, rt);
  return lua_pcall(L, 1, 1, 0);
}

/* The signal dispositions of the embedding program, saved for the run. */
typedef struct Signals {
  struct sigaction sint, sterm, spipe;
} Signals;

/* SIGINT/SIGTERM stop the run cleanly (calls in flight get their answer)
** while sonic.run drives the loop; the interpreter's own handlers (lua.c
** sets one for SIGINT) are put back afterwards. */
static void signals_take (SfRuntime *rt, Signals *s) {
  sigaction(SIGINT, NULL, &s->sint);
  sigaction(SIGTERM, NULL, &s->sterm);
  sigaction(SIGPIPE, NULL, &s->spipe);
  sf_loop_catch_signals(rt);
}

static void signals_restore (const Signals *s) {
  sigaction(SIGINT, &s->sint, NULL);
  sigaction(SIGTERM, &s->sterm, NULL);
  sigaction(SIGPIPE, &s->spipe, NULL);
}

/* Ready the runtime for another sonic.run. */
static void run_reset (SfRuntime *rt) {
  rt->main_task = NULL;
  rt->cancelled_all = 0;
  rt->interrupted = 0;
  rt->signals = 0;
  rt->stopping = 0;
}

/* Print the error on top (a spawned task's that nobody waited for) as
** one line, whatever its __tostring does, and pop it. */
static void report_unobserved (lua_State *L) {
  int top = lua_gettop(L);
  sf_log_error("error in a spawned task that nobody waited for: %s",
               sf_error_text(L, -1));
  lua_settop(L, top - 1);
}

/*
** Push the first error of a spawned task that failed with nobody waiting
** for it and that no earlier run reported (the others are logged), or
** nothing. Returns 1 when it pushed one. 'mod' is the Module's index.
*/
static int push_unobserved (lua_State *L, int mod) {
  int n, i, found = 0;
  lua_getiuservalue(L, mod, UV_REPORTED);        /* reported */
  n = sf_task_push_unobserved(L);                /* reported list */
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);                       /* reported list outcome */
    if (lua_rawget(L, -3) == LUA_TNIL) {         /* reported list seen? */
      lua_pop(L, 1);
      lua_rawgeti(L, -1, i);
      lua_pushboolean(L, 1);
      lua_rawset(L, -4);                         /* reported[outcome] */
      lua_rawgeti(L, -1, i);
      lua_getfield(L, -1, "err");                /* ... outcome err */
      lua_remove(L, -2);
      if (!found) {
        found = 1;
        lua_insert(L, -3);                       /* err reported list */
      } else {
        report_unobserved(L);                    /* pops err */
      }
    } else {
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 2);
  return found;
}

/* Raise a sonic error table {kind, message}. */
static int raise_error (lua_State *L, SfKind kind, const char *msg) {
  sf_push_error(L, kind, msg);
  return lua_error(L);
}

/*
** After a run that did not finish (stuck, or a second Ctrl-C): cancel what
** is left and let it unwind, so the next sonic.run starts clean. Paid
** calls in flight still get their answer (task.c).
*/
static void run_unwind (lua_State *L, SfRuntime *rt) {
  if (rt->tasks_alive == 0)
    return;
  run_reset(rt);
  rt->cancelled_all = 1;
  sf_task_cancel_all(rt->L);
  if (run_loop(L, rt) == LUA_OK && lua_tointeger(L, -1) != SF_LOOP_FINISHED)
    sf_log_error("sonic.run: %d task(s) could not be stopped",
                 rt->tasks_alive);
  lua_pop(L, 1);
}

/*
** sonic.run(fn, ...) -> fn's results. Upvalue 1 is the Module. The stack
** during the run: [1] the main task's handle.
*/
static int module_run (lua_State *L) {
  Module *m = (Module *)lua_touserdata(L, lua_upvalueindex(1));
  SfRuntime *rt = &m->rt;
  Signals sig;
  int status, end, n;
  luaL_checktype(L, 1, LUA_TFUNCTION);
  if (m->running)
    return luaL_error(L, "sonic.run: already running (sonic.run cannot be "
                      "called from inside a run; use sonic.spawn)");
  if (m->rt.tasks_alive != 0)
    return luaL_error(L, "sonic.run: tasks of an earlier run are still "
                      "alive");
  run_reset(rt);
  rt->main_task = sf_task_spawn(L, rt, lua_gettop(L) - 1);  /* handle */
  m->running = 1;
  signals_take(rt, &sig);
  status = run_loop(L, rt);                      /* handle end|err */
  signals_restore(&sig);
  m->running = 0;
  if (status != LUA_OK) {                        /* out of memory */
    run_reset(rt);
    return lua_error(L);
  }
  end = (int)lua_tointeger(L, -1);
  lua_pop(L, 1);                                 /* handle */
  if (end == SF_LOOP_INTERRUPTED) {
    lua_pushfstring(L, "interrupted (signal %d); nothing more was started",
                    (int)rt->interrupted);
    run_unwind(L, rt);
    return raise_error(L, SF_KIND_INTERRUPTED, lua_tostring(L, -1));
  }
  if (!rt->main_task->done) {                    /* stuck */
    lua_pushfstring(L, "the script is stuck: %d task(s) wait for each "
                    "other and nothing can wake them", rt->tasks_alive);
    run_unwind(L, rt);
    return raise_error(L, SF_KIND_STUCK, lua_tostring(L, -1));
  }
  run_reset(rt);
  n = sf_task_push_outcome(L, 1);                /* handle ok r1..rn */
  if (!lua_toboolean(L, 2)) {                    /* handle false err */
    while (push_unobserved(L, lua_upvalueindex(1)))
      report_unobserved(L);                      /* pops err */
    return lua_error(L);                         /* the main task's err */
  }
  if (push_unobserved(L, lua_upvalueindex(1)))
    return lua_error(L);
  return n - 1;                                  /* r1..rn */
}

/* ============================================================ loader */

/*
** require "sonic": a runtime for this Lua state, then module sonic
** exactly as sonicflow builds it, plus sonic.run. Loading it again in the
** same state returns the same table. The one exported symbol of sonic.so
** (built with hidden visibility).
*/
__attribute__((visibility("default")))
int luaopen_sonic (lua_State *L) {
  char err[ERRLEN];
  Module *m;
  int ud;
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &MODULE_KEY) == LUA_TUSERDATA) {
    lua_getiuservalue(L, -1, UV_MODULE);
    return 1;
  }
  lua_pop(L, 1);
  m = module_new(L);                             /* ud */
  ud = lua_gettop(L);
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
  m->rt.L = lua_tothread(L, -1);                 /* tasks resume from it */
  lua_pop(L, 1);
  if (module_configure(m, err, sizeof(err)) != 0)
    return luaL_error(L, "sonic: %s", err);      /* __gc frees the rest */
  if (sf_bindings_open(L, &m->rt) != 0)          /* requires "sonic" */
    return luaL_error(L, "sonic: cannot load the module: %s",
                      lua_tostring(L, -1));
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
  lua_getfield(L, -1, "sonic");                  /* ud LOADED M */
  lua_remove(L, -2);                             /* ud M */
  if (!lua_istable(L, -1))
    return luaL_error(L, "sonic: module sonic did not load as a table");
  lua_pushvalue(L, ud);
  lua_pushcclosure(L, module_run, 1);
  lua_setfield(L, -2, "run");
  lua_pushvalue(L, -1);
  lua_setiuservalue(L, ud, UV_MODULE);
  lua_newtable(L);                               /* ud M reported */
  lua_createtable(L, 0, 1);
  lua_pushliteral(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setiuservalue(L, ud, UV_REPORTED);
  lua_pushvalue(L, ud);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &MODULE_KEY);  /* anchored for good */
  return 1;
}
