/*
** sonic_error.c -- the metatable of error tables ("sonic.Error").
**
** Errors raised by the sonic module are tables {kind, message, status,
** task_id, where} so scripts can branch on 'kind'; their __tostring reads
** as one line, which is what an uncaught error prints.
*/
#include <lauxlib.h>
#include "bindings.h"
#include "kinds.h"
#include "task.h"

/* Append field 'k' of the table at 1 to 'b' as "<pre><value><post>",
** if the field is present. */
static void add_field (luaL_Buffer *b, lua_State *L, const char *k,
                       const char *pre, const char *post) {
  if (lua_getfield(L, 1, k) != LUA_TNIL && lua_isstring(L, -1)) {
    const char *v = lua_tostring(L, -1);
    lua_pop(L, 1);
    luaL_addstring(b, pre);
    luaL_addstring(b, v);
    luaL_addstring(b, post);
    return;
  }
  lua_pop(L, 1);
}

/* "where: kind: message (HTTP 403, task <id>)" on one line. */
static int error_tostring (lua_State *L) {
  luaL_Buffer b;
  int has_status, has_task;
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_buffinit(L, &b);
  add_field(&b, L, "where", "", " ");
  add_field(&b, L, "kind", "", ": ");
  add_field(&b, L, "message", "", "");
  has_status = lua_getfield(L, 1, "status") == LUA_TNUMBER;
  has_task = lua_getfield(L, 1, "task_id") == LUA_TSTRING;
  lua_pop(L, 2);
  if (has_status || has_task) {
    luaL_addstring(&b, " (");
    add_field(&b, L, "status", "HTTP ", has_task ? ", " : "");
    add_field(&b, L, "task_id", "task ", "");
    luaL_addstring(&b, ")");
  }
  luaL_pushresult(&b);
  return 1;
}

/* core.error_mt() -> the metatable, for the Lua half to build errors. */
static int core_error_mt (lua_State *L) {
  luaL_getmetatable(L, SF_ERROR_MT);
  return 1;
}

/* A misspelt kind in the Lua half is an error, not a nil. */
static int kinds_index (lua_State *L) {
  return luaL_error(L, "no error kind '%s'", luaL_checkstring(L, 2));
}

/* core.kinds: {bad_request = "bad_request", ...} from the one table in
** runtime/kinds.c, so the Lua half names kinds without literals. */
static void push_kinds (lua_State *L) {
  int k;
  lua_createtable(L, 0, SF_KIND_COUNT);
  for (k = 1; k < SF_KIND_COUNT; k++) {
    lua_pushstring(L, sf_kind_name((SfKind)k));
    lua_setfield(L, -2, sf_kind_name((SfKind)k));
  }
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, kinds_index);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
}

void sf_open_error_funcs (lua_State *L, SfRuntime *rt) {
  luaL_newmetatable(L, SF_ERROR_MT);
  lua_pushcfunction(L, error_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushstring(L, "sonic.Error");
  lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
  lua_pushlightuserdata(L, rt);
  lua_pushcclosure(L, core_error_mt, 1);
  lua_setfield(L, -2, "error_mt");
  push_kinds(L);
  lua_setfield(L, -2, "kinds");
}
