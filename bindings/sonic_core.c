/*
** sonic_core.c -- module "sonic.core" and the module loaders.
**
** "sonic.core" gathers the primitives of the other binding files plus the
** run's settings; the Lua half of "sonic" (scripts/lib/sonic.lua, compiled
** into the binary) builds the documented API on top of it.
*/
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <lauxlib.h>
#include <lualib.h>
#include "bindings.h"
#include "embedded_lua.h"
#include "headers.h"
#include "webhook_receiver.h"
#include "log.h"
#include "progress.h"
#include "task.h"

int luaopen_cjson (lua_State *L);
int luaopen_cjson_safe (lua_State *L);

/* core.settings() -> table of the run's defaults (no secrets in it). */
static int core_settings (lua_State *L) {
  SfRuntime *rt = SF_RUNTIME(L);
  lua_createtable(L, 0, 10);
  lua_pushstring(L, rt->base_url);
  lua_setfield(L, -2, "base_url");
  lua_pushboolean(L, rt->in_process_sandbox);
  lua_setfield(L, -2, "sandbox");
  lua_pushnumber(L, rt->poll_first);
  lua_setfield(L, -2, "poll_first");
  if (rt->poll_fixed > 0) {
    lua_pushnumber(L, rt->poll_fixed);
    lua_setfield(L, -2, "poll_interval");
  }
  lua_pushnumber(L, rt->poll_min);
  lua_setfield(L, -2, "poll_min");
  lua_pushnumber(L, rt->poll_max);
  lua_setfield(L, -2, "poll_max");
  lua_pushnumber(L, rt->wait_timeout);
  lua_setfield(L, -2, "wait_timeout");
  lua_pushinteger(L, rt->http.max_inflight);
  lua_setfield(L, -2, "max_inflight");
  lua_pushinteger(L, sf_log_level());
  lua_setfield(L, -2, "verbosity");
  lua_pushboolean(L, rt->journal != NULL);
  lua_setfield(L, -2, "journal");
  lua_pushboolean(L, rt->resuming);
  lua_setfield(L, -2, "resuming");
  lua_pushboolean(L, rt->webhooks != NULL);
  lua_setfield(L, -2, "webhooks");
  lua_pushnumber(L, rt->webhook_fallback);
  lua_setfield(L, -2, "webhook_fallback");
  lua_pushstring(L, rt->run_id);
  lua_setfield(L, -2, "run_id");
  return 1;
}

/* core.set_max_inflight(n): transfers run at once; more wait in line. */
static int core_set_max_inflight (lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  luaL_argcheck(L, n >= 1 && n <= 100000, 1, "must be in 1..100000");
  sf_http_set_max_inflight(&SF_RUNTIME(L)->http, (int)n);
  return 0;
}

/* core.spending() -> {spent, budget (or nil), tasks} */
static int core_spending (lua_State *L) {
  SfRuntime *rt = SF_RUNTIME(L);
  lua_createtable(L, 0, 3);
  lua_pushinteger(L, rt->spent);
  lua_setfield(L, -2, "spent");
  if (rt->budget >= 0) {
    lua_pushinteger(L, rt->budget);
    lua_setfield(L, -2, "budget");
  }
  lua_pushinteger(L, rt->http.requests_sent);
  lua_setfield(L, -2, "requests");
  lua_pushinteger(L, rt->polls);
  lua_setfield(L, -2, "polls");
  if (rt->webhooks != NULL) {
    SfWebhookStats w;
    sf_webhooks_stats(rt->webhooks, &w);
    lua_pushinteger(L, w.accepted);
    lua_setfield(L, -2, "webhooks_accepted");
    lua_pushinteger(L, w.duplicates);
    lua_setfield(L, -2, "webhooks_duplicates");
    lua_pushinteger(L, w.rejected);
    lua_setfield(L, -2, "webhooks_rejected");
  }
  return 1;
}

/* core.log(level, text): level "info" | "debug" | "error" */
static int core_log (lua_State *L) {
  static const char *const levels[] = {"info", "debug", "error", NULL};
  int lv = luaL_checkoption(L, 1, NULL, levels);
  const char *msg = luaL_checkstring(L, 2);
  if (lv == 0)
    sf_log_info("%s", msg);
  else if (lv == 1)
    sf_log_debug("%s", msg);
  else
    sf_log_error("%s", msg);
  return 0;
}

/* core.progress("task", id, kind, label, credits) |
**               ("state", id, state): feeds the live display. */
static int core_progress (lua_State *L) {
  const char *ev = luaL_checkstring(L, 1);
  const char *id = luaL_checkstring(L, 2);
  if (strcmp(ev, "task") == 0) {
    sf_progress_task(id, luaL_checkstring(L, 3), luaL_optstring(L, 4, ""),
                     (long long)luaL_optinteger(L, 5, 0));
    sf_progress_spent(SF_RUNTIME(L)->spent);
  } else if (strcmp(ev, "state") == 0) {
    sf_progress_state(id, luaL_checkstring(L, 3));
  }
  return 0;
}

/*
** print, as the stand-alone lua's, but aware of the live progress block:
** the block is taken away, the line written and flushed, and the block
** drawn again below it, so the two never overwrite each other.
*/
static int live_print (lua_State *L) {
  int n = lua_gettop(L), i;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (i = 1; i <= n; i++) {
    if (i > 1)
      luaL_addchar(&b, '\t');
    luaL_tolstring(L, i, NULL);
    luaL_addvalue(&b);
  }
  luaL_addchar(&b, '\n');
  luaL_pushresult(&b);
  sf_progress_hide();
  fwrite(lua_tostring(L, -1), 1, luaL_len(L, -1), stdout);
  fflush(stdout);
  sf_progress_show();
  return 0;
}

/* io.write around the original (upvalue 1), with the same care. */
static int live_write (lua_State *L) {
  int n = lua_gettop(L);
  sf_progress_hide();
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  fflush(stdout);
  sf_progress_show();
  return lua_gettop(L);
}

/* Put live_print and live_write in place of print and io.write. */
static void wrap_output (lua_State *L) {
  lua_pushcfunction(L, live_print);
  lua_setglobal(L, "print");
  if (lua_getglobal(L, "io") == LUA_TTABLE &&
      lua_getfield(L, -1, "write") == LUA_TFUNCTION) {
    lua_pushcclosure(L, live_write, 1);
    lua_setfield(L, -2, "write");
  } else {
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

/* core.retry_base(seconds): the first backoff's ceiling (sonic.config). */
static int core_retry_base (lua_State *L) {
  SfRuntime *rt = SF_RUNTIME(L);
  if (!lua_isnoneornil(L, 1))
    rt->retry.base = luaL_checknumber(L, 1);
  lua_pushnumber(L, rt->retry.base);
  return 1;
}

/* core.paid_interval(seconds) -> the account's pace (sonic.config) */
static int core_paid_interval (lua_State *L) {
  SfRuntime *rt = SF_RUNTIME(L);
  if (!lua_isnoneornil(L, 1)) {
    lua_Number v = luaL_checknumber(L, 1);
    luaL_argcheck(L, v >= 0 && v <= 3600, 1, "0 to 3600 seconds expected");
    rt->paid_interval = v;
  }
  lua_pushnumber(L, rt->paid_interval);
  return 1;
}

/* core.retries() -> the retries made in this run (reports, tests) */
static int core_retries (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)SF_RUNTIME(L)->retry.retries);
  return 1;
}

static const luaL_Reg core_funcs[] = {
  {"retry_base", core_retry_base},
  {"retries", core_retries},
  {"paid_interval", core_paid_interval},
  {"settings", core_settings},
  {"progress", core_progress},
  {"set_max_inflight", core_set_max_inflight},
  {"spending", core_spending},
  {"log", core_log},
  {NULL, NULL}
};

/* The loader of "sonic.core"; rt comes as upvalue 1. */
static int luaopen_sonic_core (lua_State *L) {
  SfRuntime *rt = (SfRuntime *)lua_touserdata(L, lua_upvalueindex(1));
  lua_newtable(L);
  sf_open_error_funcs(L, rt);
  sf_open_json_funcs(L, rt);
  sf_open_task_funcs(L, rt);
  sf_open_call_funcs(L, rt);
  sf_open_download_funcs(L, rt);
  sf_open_results_funcs(L, rt);
  sf_open_fs_funcs(L, rt);
  sf_open_analyze_funcs(L, rt);
  lua_pushlightuserdata(L, rt);
  luaL_setfuncs(L, core_funcs, 1);
  return 1;
}

static const char MODULE_ENV_KEY = 0;  /* registry: the modules' _ENV */

/*
** Loader of an embedded module: upvalue 1 is its index in the table. The
** module runs in a private copy of the standard globals, made before any
** script ran: a script that replaces pairs or error in its own globals
** cannot change how module sonic behaves.
*/
static int load_embedded (lua_State *L) {
  const SfEmbeddedLua *m =
      &sf_embedded_lua[lua_tointeger(L, lua_upvalueindex(1))];
  char chunkname[128];
  snprintf(chunkname, sizeof(chunkname), "@sonic/%s.lua", m->name);
  if (luaL_loadbufferx(L, m->src, m->len, chunkname, "t") != LUA_OK)
    return lua_error(L);
  lua_rawgetp(L, LUA_REGISTRYINDEX, &MODULE_ENV_KEY);
  if (lua_setupvalue(L, -2, 1) == NULL)      /* _ENV of the chunk */
    lua_pop(L, 1);
  lua_pushstring(L, m->name);
  lua_call(L, 1, 1);
  return 1;
}

/* registry[MODULE_ENV_KEY] = a shallow copy of _G as it is now. */
static void make_module_env (lua_State *L) {
  lua_newtable(L);
  lua_pushglobaltable(L);
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {            /* env G key value */
    lua_pushvalue(L, -2);
    lua_insert(L, -2);                      /* env G key key value */
    lua_rawset(L, -5);
  }
  lua_pop(L, 1);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &MODULE_ENV_KEY);
}

int sf_bindings_open (lua_State *L, SfRuntime *rt) {
  int i;
  sf_task_setup(L, rt);
  make_module_env(L);
  luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_PRELOAD_TABLE);
  lua_pushcfunction(L, luaopen_cjson);
  lua_setfield(L, -2, "cjson");
  lua_pushcfunction(L, luaopen_cjson_safe);
  lua_setfield(L, -2, "cjson.safe");
  lua_pushlightuserdata(L, rt);
  lua_pushcclosure(L, luaopen_sonic_core, 1);
  lua_setfield(L, -2, "sonic.core");
  for (i = 0; sf_embedded_lua[i].name != NULL; i++) {
    char name[96];
    snprintf(name, sizeof(name), "%s", sf_embedded_lua[i].name);
    /* sonic_retry.lua is module "sonic.retry"; sonic.lua is "sonic" */
    if (strncmp(name, "sonic_", 6) == 0)
      name[5] = '.';
    lua_pushinteger(L, i);
    lua_pushcclosure(L, load_embedded, 1);
    lua_setfield(L, -2, name);
  }
  lua_pop(L, 1);                                /* preload table */
  lua_getglobal(L, "require");
  lua_pushliteral(L, "sonic");
  if (lua_pcall(L, 1, 1, 0) != LUA_OK)
    return -1;
  if (rt->embedded) {          /* someone else's interpreter: no globals */
    lua_pop(L, 1);
  } else {
    lua_setglobal(L, "sonic");
    wrap_output(L);
  }
  if (rt->untrusted) {                       /* --sandbox-script */
    lua_getglobal(L, "require");
    lua_pushliteral(L, "sonic.untrusted");
    if (lua_pcall(L, 1, 1, 0) != LUA_OK)
      return -1;
    lua_pushglobaltable(L);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK)
      return -1;
  }
  return 0;
}
