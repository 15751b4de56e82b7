/*
** script.c -- run a workflow to the end (see script.h).
*/
#include <stdio.h>
#include <string.h>
#include <lauxlib.h>
#include "error_text.h"
#include "log.h"
#include "loop.h"
#include "script.h"
#include "task.h"

void sf_script_set_arg (lua_State *L, const char *script, int argc,
                        char **argv) {
  int i;
  lua_createtable(L, argc, 1);
  lua_pushstring(L, script);
  lua_rawseti(L, -2, 0);
  for (i = 0; i < argc; i++) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setglobal(L, "arg");
}

/* Print one failure: its first line always, the traceback with -v. */
static void report_error (lua_State *L, int outcome, const char *prefix) {
  const char *msg, *nl;
  int top = lua_gettop(L);
  lua_getfield(L, outcome, "err");     /* the outcome is the host's table */
  msg = sf_error_text(L, -1);          /* __tostring of error tables, and
                                       ** no abort when that fails */
  nl = strchr(msg, '\n');
  sf_log_error("%s%.*s", prefix, nl ? (int)(nl - msg) : (int)strlen(msg),
               msg);
  if (sf_log_level() >= SF_LOG_DEBUG) {
    if (nl != NULL)
      fprintf(stderr, "%s\n", nl + 1);
    if (lua_getfield(L, outcome, "traceback") == LUA_TSTRING)
      fprintf(stderr, "%s\n", lua_tostring(L, -1));
  }
  lua_settop(L, top);
}

/* The loop, as a C function run under lua_pcall: a memory error raised
** by the scheduler itself ends the run instead of aborting the process.
** Returns the SfLoopEnd as an integer. */
static int loop_main (lua_State *L) {
  SfRuntime *rt = (SfRuntime *)lua_touserdata(L, 1);
  lua_pushinteger(L, sf_loop_run(rt));
  return 1;
}

int sf_script_run (SfRuntime *rt, int nargs) {
  lua_State *L = rt->L;
  int handle, end, code = SF_EXIT_OK, n, i;
  SfTask *main_task = sf_task_spawn(L, rt, nargs);   /* handle */
  handle = lua_gettop(L);
  rt->main_task = main_task;
  lua_pushcfunction(L, loop_main);
  lua_pushlightuserdata(L, rt);
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
    sf_log_error("%s", sf_error_text(L, -1));
    lua_settop(L, handle - 1);
    return SF_EXIT_FAILED;
  }
  end = (int)lua_tointeger(L, -1);
  lua_pop(L, 1);
  if (end == SF_LOOP_INTERRUPTED) {
    sf_log_error("interrupted (signal %d); nothing more was started",
                 (int)rt->interrupted);
    lua_settop(L, handle - 1);
    return SF_EXIT_INTERRUPTED;
  }
  if (end == SF_LOOP_KILLED) {
    sf_log_error("the script used up its instruction budget "
                 "(--instruction-limit %lld) and was stopped",
                 rt->limits.max_instructions);
    lua_settop(L, handle - 1);
    return SF_EXIT_FAILED;
  }
  if (end == SF_LOOP_STUCK) {
    sf_log_error("the script is stuck: %d task(s) wait for each other and "
                 "nothing can wake them", rt->tasks_alive);
    code = SF_EXIT_FAILED;
  }
  if (main_task->done && !main_task->ok) {
    lua_getiuservalue(L, handle, 2);           /* the outcome */
    if (lua_getfield(L, -1, "err") == LUA_TTABLE) {   /* outcome err */
      lua_pushliteral(L, "kind");   /* raw: a script's own error table */
      if (lua_rawget(L, -2) == LUA_TSTRING)   /* may have a broken __index */
        snprintf(rt->failure_kind, sizeof(rt->failure_kind), "%s",
                 lua_tostring(L, -1));
    }
    lua_settop(L, handle + 1);
    if (!main_task->cancel_error)
      report_error(L, lua_gettop(L), "");
    lua_pop(L, 1);
    sf_task_push_outcome(L, handle);           /* marks it observed */
    lua_settop(L, handle);
    code = SF_EXIT_FAILED;
  }
  n = sf_task_push_unobserved(L);              /* list */
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, -1, i);
    report_error(L, lua_gettop(L), "error in a spawned task that nobody "
                 "waited for: ");
    lua_pop(L, 1);
    code = SF_EXIT_FAILED;
  }
  lua_settop(L, handle - 1);
  return code;
}
