/*
** test_json.c -- JSON as it enters Lua (bindings/sonic_json.c): Debian's
** lua-cjson decodes every number as a float under Lua 5.4; integral values
** must arrive as integers (credits are 50, not 50.0), everywhere in the
** tree, and nothing else may change.
*/
#include <string.h>
#include <lauxlib.h>
#include <lualib.h>
#include "bindings.h"
#include "check.h"

static lua_State *L;

/* Decode 'json' and run the Lua expression 'expr' on it as 'v'. */
static int holds (const char *json, const char *expr) {
  char chunk[512];
  int ok;
  snprintf(chunk, sizeof(chunk), "local v = ... return %s", expr);
  if (luaL_loadstring(L, chunk) != LUA_OK)
    return 0;
  if (sf_json_decode(L, json, strlen(json)) != 1) {
    lua_pop(L, 2);
    return 0;
  }
  ok = lua_pcall(L, 1, 1, 0) == LUA_OK && lua_toboolean(L, -1);
  lua_pop(L, 1);
  return ok;
}

int main (void) {
  SfRuntime rt;
  memset(&rt, 0, sizeof(rt));
  L = luaL_newstate();
  luaL_openlibs(L);
  lua_newtable(L);
  sf_open_json_funcs(L, &rt);
  lua_pop(L, 1);
  CHECK(holds("{\"credits\":50}", "math.type(v.credits) == 'integer'"));
  CHECK(holds("{\"credits\":50}", "v.credits == 50"));
  CHECK(holds("{\"d\":104.88}", "math.type(v.d) == 'float' and v.d == 104.88"));
  CHECK(holds("{\"d\":1e3}", "math.type(v.d) == 'integer' and v.d == 1000"));
  CHECK(holds("{\"a\":[1,2.5,{\"b\":[3]}]}",
              "math.type(v.a[1]) == 'integer' and math.type(v.a[2]) == "
              "'float' and math.type(v.a[3].b[1]) == 'integer'"));
  CHECK(holds("7", "math.type(v) == 'integer' and v == 7"));
  CHECK(holds("-0", "v == 0"));
  /* beyond 2^53 a float is not exact: left alone */
  CHECK(holds("{\"n\":1e300}", "math.type(v.n) == 'float'"));
  CHECK(holds("{\"n\":9007199254740993}", "v.n ~= nil"));
  CHECK(holds("{\"s\":\"50\"}", "v.s == '50'"));     /* strings stay */
  CHECK(holds("{\"x\":null}", "v.x ~= nil"));        /* cjson.null kept */
  /* malformed: nil and a message, never a raise */
  CHECK(sf_json_decode(L, "{\"a\":", 5) == 2 && lua_isnil(L, -2) &&
        lua_isstring(L, -1));
  lua_pop(L, 2);
  lua_close(L);
  return CHECK_DONE();
}
