/*
** sonic_results.c -- terminal task results in the journal, for resumes:
** core.record_task and core.recorded_task. A resumed run reads a task's
** final status from here instead of polling for it again.
*/
#include <stdlib.h>
#include <lauxlib.h>
#include "bindings.h"
#include "journal.h"

/* core.record_task(id, body): a terminal task status. */
static int core_record_task (lua_State *L) {
  SfRuntime *rt = SF_RUNTIME(L);
  const char *id = luaL_checkstring(L, 1);
  const char *body = luaL_checkstring(L, 2);
  if (rt->journal != NULL)
    sf_journal_task_put(rt->journal, rt->run_id, id, body);
  return 0;
}

/* core.recorded_task(id) -> body | nil */
static int core_recorded_task (lua_State *L) {
  SfRuntime *rt = SF_RUNTIME(L);
  const char *id = luaL_checkstring(L, 1);
  char *body = rt->journal != NULL && rt->resuming
               ? sf_journal_task_get(rt->journal, rt->run_id, id) : NULL;
  if (body == NULL) {
    luaL_pushfail(L);
    return 1;
  }
  lua_pushstring(L, body);
  free(body);
  return 1;
}

static const luaL_Reg results_funcs[] = {
  {"record_task", core_record_task},
  {"recorded_task", core_recorded_task},
  {NULL, NULL}
};

void sf_open_results_funcs (lua_State *L, SfRuntime *rt) {
  lua_pushlightuserdata(L, rt);
  luaL_setfuncs(L, results_funcs, 1);
}
