/*
** events.c -- named events for waiting tasks (see events.h).
**
** registry[WAITERS][name] = {[task handle] = wait generation}
** registry[FIRED][name] = true until a wait takes it
*/
#include <lauxlib.h>
#include "events.h"

static const char WAITERS_KEY = 0;
static const char FIRED_KEY = 0;

void sf_events_setup (lua_State *L) {
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &WAITERS_KEY);
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &FIRED_KEY);
}

void sf_event_fire (lua_State *L, const char *name) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &FIRED_KEY);
  lua_pushboolean(L, 1);
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WAITERS_KEY);
  if (lua_getfield(L, -1, name) == LUA_TTABLE) {  /* WAITERS list */
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {                 /* WAITERS list ud gen */
      SfTask *t = (SfTask *)lua_touserdata(L, -2);
      sf_task_wake(t, (unsigned)lua_tointeger(L, -1));
      lua_pop(L, 1);
    }
  }
  lua_pop(L, 1);
  lua_pushnil(L);
  lua_setfield(L, -2, name);                       /* nobody waits now */
  lua_pop(L, 1);
}

int sf_event_take (lua_State *L, const char *name) {
  int fired;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &FIRED_KEY);
  fired = lua_getfield(L, -1, name) != LUA_TNIL;
  lua_pop(L, 1);
  if (fired) {
    lua_pushnil(L);
    lua_setfield(L, -2, name);
  }
  lua_pop(L, 1);
  return fired;
}

void sf_event_add_waiter (lua_State *L, const char *name, SfTask *t) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &WAITERS_KEY);
  if (lua_getfield(L, -1, name) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, name);
  }
  sf_task_push_self(L);
  lua_pushinteger(L, (lua_Integer)t->wait_gen);
  lua_rawset(L, -3);
  lua_pop(L, 2);
}
