/*
** sonic_json.c -- JSON at the boundary: decode with lua-cjson, then turn
** integral numbers into Lua integers.
**
** Debian's lua-cjson 2.1.0 decodes every JSON number as a float under
** Lua 5.4, so credits would print as "50.0" and math.type would say
** "float". Integral values within 2^53 (exactly representable) become
** integers here, once, where JSON enters Lua.
*/
#include <math.h>
#include <lauxlib.h>
#include "bindings.h"

#define MAX_DEPTH 1000          /* cjson's own default nesting limit */

int luaopen_cjson_safe (lua_State *L);

static const char DECODE_KEY = 0;  /* registry: cjson.safe's decode */

/* Normalize the value on top of the stack in place (tables recursively). */
static void normalize (lua_State *L, int depth) {
  int t = lua_gettop(L);
  if (lua_type(L, t) != LUA_TTABLE || depth > MAX_DEPTH)
    return;
  luaL_checkstack(L, 4, "JSON nesting too deep");
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {               /* table key value */
    if (lua_type(L, -1) == LUA_TNUMBER && !lua_isinteger(L, -1)) {
      lua_Number v = lua_tonumber(L, -1);
      if (v == floor(v) && fabs(v) <= 9007199254740992.0) {
        lua_pushvalue(L, -2);                 /* table key value key */
        lua_pushinteger(L, (lua_Integer)v);
        lua_rawset(L, t);                     /* same key: allowed */
      }
    } else if (lua_type(L, -1) == LUA_TTABLE) {
      normalize(L, depth + 1);
    }
    lua_pop(L, 1);                            /* table key */
  }
}

int sf_json_decode (lua_State *L, const char *s, size_t len) {
  int ok;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &DECODE_KEY);
  lua_pushlstring(L, s, len);
  lua_call(L, 1, 2);                          /* value | nil, msg */
  ok = !lua_isnil(L, -2);
  if (!ok) {
    lua_remove(L, -2);
    lua_pushnil(L);
    lua_insert(L, -2);                        /* nil msg */
    return 2;
  }
  lua_pop(L, 1);
  if (lua_type(L, -1) == LUA_TNUMBER) {       /* a bare number */
    lua_Number v = lua_tonumber(L, -1);
    if (v == floor(v) && fabs(v) <= 9007199254740992.0) {
      lua_pop(L, 1);
      lua_pushinteger(L, (lua_Integer)v);
    }
  }
  normalize(L, 0);
  return 1;
}

/* core.decode(text) -> value | nil, message */
static int core_decode (lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  return sf_json_decode(L, s, len);
}

void sf_open_json_funcs (lua_State *L, SfRuntime *rt) {
  /* a private instance of cjson.safe: scripts changing the shared
  ** module's settings cannot change how the host reads answers */
  lua_pushcfunction(L, luaopen_cjson_safe);
  lua_call(L, 0, 1);
  lua_getfield(L, -1, "decode");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &DECODE_KEY);
  lua_pop(L, 1);
  lua_pushlightuserdata(L, rt);
  lua_pushcclosure(L, core_decode, 1);
  lua_setfield(L, -2, "decode");
}
