/*
** fuzz_task_status.c -- libFuzzer harness for the task-status path: the
** service's answer read into Lua by the host's JSON reader
** (bindings/sonic_json.c: integral numbers as integers) and turned into a
** poll view by module sonic. Malformed input must end as a typed sonic
** error (kind "server"), never as a crash or an untyped Lua error.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include <lualib.h>
#include "bindings.h"

static lua_State *L;
static SfRuntime rt;

static void setup (void) {
  L = luaL_newstate();
  luaL_openlibs(L);
  if (sf_bindings_open(L, &rt) != 0)
    abort();
  luaL_dostring(L, "view = sonic._task_view");
}

int LLVMFuzzerTestOneInput (const unsigned char *data, size_t size) {
  int top;
  if (L == NULL)
    setup();
  top = lua_gettop(L);
  lua_getglobal(L, "view");
  lua_pushliteral(L, "fuzz-task");
  lua_pushlstring(L, (const char *)data, size);
  if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
    int typed = 0;
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "kind");
      typed = lua_isstring(L, -1) &&
              strcmp(lua_tostring(L, -1), "server") == 0;
      lua_pop(L, 1);
    }
    if (!typed) {
      fprintf(stderr, "untyped error: %s\n", luaL_tolstring(L, -1, NULL));
      abort();
    }
  }
  lua_settop(L, top);
  lua_gc(L, LUA_GCSTEP, 0);
  return 0;
}
