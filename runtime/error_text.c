/*
** error_text.c -- one line of text for any error value (see error_text.h).
*/
#include <lauxlib.h>
#include "error_text.h"

/* [value] -> its luaL_tolstring text. Runs __tostring: may raise. */
static int tolstring (lua_State *L) {
  luaL_tolstring(L, 1, NULL);
  return 1;
}

/* [value, why] -> the fallback line. Only the types and a string 'why'
** are read: the error of __tostring may be as broken as the value. */
static int fallback (lua_State *L) {
  if (lua_type(L, 2) == LUA_TSTRING)
    lua_pushfstring(L, "error object is a %s (its __tostring failed: %s)",
                    luaL_typename(L, 1), lua_tostring(L, 2));
  else
    lua_pushfstring(L, "error object is a %s (its __tostring failed: "
                    "error object is a %s)", luaL_typename(L, 1),
                    luaL_typename(L, 2));
  return 1;
}

const char *sf_error_text (lua_State *L, int idx) {
  idx = lua_absindex(L, idx);
  if (!lua_checkstack(L, 4))
    return "(an error that cannot be described: no stack space)";
  lua_pushcfunction(L, tolstring);        /* light: allocates nothing */
  lua_pushvalue(L, idx);
  if (lua_pcall(L, 1, 1, 0) == LUA_OK)    /* on the main thread a yield */
    return lua_tostring(L, -1);           /* in __tostring fails here */
  lua_pushcfunction(L, fallback);         /* why fallback */
  lua_pushvalue(L, idx);
  lua_pushvalue(L, -3);                   /* why fallback value why */
  if (lua_pcall(L, 2, 1, 0) == LUA_OK)
    return lua_tostring(L, -1);
  return "(an error that cannot be described: not enough memory)";
}
