/*
** sonic_task.c -- tasks and time as Lua sees them: core.spawn, core.join,
** core.group, core.group_next, core.cancel, core.sleep, core.now, and the methods of a
** task handle (handle:wait(), handle:cancel(), handle:done()).
*/
#include <lauxlib.h>
#include "bindings.h"
#include "events.h"
#include "task.h"

/* ---------------------------------------------------------------- time */

static int sleep_k (lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  sf_task_check_cancel(L, (SfTask *)ctx);
  return 0;
}

/* core.sleep(seconds): 0 just lets the other tasks run. */
static int core_sleep (lua_State *L) {
  lua_Number s = luaL_checknumber(L, 1);
  SfTask *t;
  luaL_argcheck(L, s >= 0, 1, "must be non-negative");
  t = sf_task_current(L, "sonic.sleep");
  return sf_task_sleep(L, t, s, (lua_KContext)t, sleep_k);
}

/* core.now() -> seconds on the monotonic clock */
static int core_now (lua_State *L) {
  lua_pushnumber(L, sf_now());
  return 1;
}

/* Continuation of core.wait_event: true if the event came. */
static int wait_event_k (lua_State *L, int status, lua_KContext ctx) {
  (void)status;
  sf_task_check_cancel(L, (SfTask *)ctx);
  lua_pushboolean(L, sf_event_take(L, luaL_checkstring(L, 1)));
  return 1;
}

/* core.wait_event(name, seconds) -> true (it came) | false (time out) */
static int core_wait_event (lua_State *L) {
  const char *name = luaL_checkstring(L, 1);
  lua_Number s = luaL_checknumber(L, 2);
  SfTask *t;
  luaL_argcheck(L, s >= 0, 2, "must be non-negative");
  lua_settop(L, 2);
  if (sf_event_take(L, name)) {
    lua_pushboolean(L, 1);
    return 1;
  }
  t = sf_task_current(L, "sonic.wait");
  sf_event_add_waiter(L, name, t);
  return sf_task_sleep(L, t, s, (lua_KContext)t, wait_event_k);
}

/* ---------------------------------------------------------------- spawn */

/* core.spawn(fn, ...) -> handle; fn runs from the next loop turn. */
static int core_spawn (lua_State *L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  sf_task_spawn(L, SF_RUNTIME(L), lua_gettop(L) - 1);
  return 1;
}

/* core.cancel(handle): its current or next wait raises "cancelled". */
static int core_cancel (lua_State *L) {
  sf_task_cancel(sf_task_check(L, 1));
  return 0;
}

/* core.observe(handle): its outcome is handled by the caller. */
static int core_observe (lua_State *L) {
  sf_task_observe(L, 1);
  return 0;
}

/* ---------------------------------------------------------------- join */

/* Outcome of the finished handle at 1: with 'raise', results or the
** task's own error raised here; else true, results... | false, err. */
static int join_result (lua_State *L, int raise) {
  int n;
  lua_settop(L, 1);
  n = sf_task_push_outcome(L, 1);
  if (!raise)
    return n;
  if (!lua_toboolean(L, 2))
    return lua_error(L);                   /* the task's error value */
  return n - 1;
}

static int join_k (lua_State *L, int status, lua_KContext ctx) {
  SfTask *self = sf_task_current(L, "handle:wait()");
  SfTask *t = sf_task_check(L, 1);
  (void)status;
  sf_task_check_cancel(L, self);
  if (!t->done) {                          /* not finished: wait again */
    sf_task_add_joiner(L, 1, self);
    return sf_task_yield(L, self, SF_WAIT_JOIN, ctx, join_k);
  }
  return join_result(L, (int)ctx);
}

/* Wait for the task at 1; 'raise' selects the result convention. */
static int join (lua_State *L, int raise) {
  SfTask *t = sf_task_check(L, 1);
  SfTask *self;
  if (t->done)
    return join_result(L, raise);
  self = sf_task_current(L, "handle:wait()");
  luaL_argcheck(L, t != self, 1, "a task cannot wait for itself");
  sf_task_check_cancel(L, self);
  lua_settop(L, 1);
  sf_task_add_joiner(L, 1, self);
  return sf_task_yield(L, self, SF_WAIT_JOIN, (lua_KContext)raise, join_k);
}

/* core.join(handle) -> true, results... | false, err (never raises) */
static int core_join (lua_State *L) {
  return join(L, 0);
}

/* handle:wait() -> results... (raises the task's error) */
static int task_wait (lua_State *L) {
  return join(L, 1);
}

/* core.group({handles}) -> group: a table whose array part receives the
** index of each handle as it finishes, in the order they finish. */
static int core_group (lua_State *L) {
  lua_Integer i, n;
  luaL_checktype(L, 1, LUA_TTABLE);
  sf_task_current(L, "sonic.all");
  n = luaL_len(L, 1);
  lua_createtable(L, (int)n, 2);                  /* list group */
  sf_task_push_self(L);
  lua_setfield(L, 2, "owner");
  lua_pushinteger(L, 1);
  lua_setfield(L, 2, "head");
  for (i = 1; i <= n; i++) {
    lua_rawgeti(L, 1, i);
    if (luaL_testudata(L, -1, SF_TASK_MT) == NULL)
      return luaL_error(L, "bad handle #%d (sonic.Task expected)", (int)i);
    sf_task_group_add(L, 2, -1, i);
    lua_pop(L, 1);
  }
  return 1;
}

/* The next index in the group's inbox (the group at 1), or nil. */
static int group_pop (lua_State *L) {
  lua_Integer head;
  lua_getfield(L, 1, "head");
  head = lua_tointeger(L, -1);
  lua_pop(L, 1);
  if (head > (lua_Integer)lua_rawlen(L, 1))
    return 0;
  lua_pushinteger(L, head + 1);
  lua_setfield(L, 1, "head");
  lua_rawgeti(L, 1, head);
  return 1;
}

static int group_next_k (lua_State *L, int status, lua_KContext ctx) {
  SfTask *self = (SfTask *)ctx;
  (void)status;
  sf_task_check_cancel(L, self);
  if (group_pop(L))
    return 1;
  self->wait_obj = (void *)lua_topointer(L, 1);  /* group_deliver wakes */
  return sf_task_yield(L, self, SF_WAIT_JOIN, ctx, group_next_k);
}

/* core.group_next(group) -> index of the next member to finish */
static int core_group_next (lua_State *L) {
  SfTask *self;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  self = sf_task_current(L, "sonic.all");
  return group_next_k(L, LUA_YIELD, (lua_KContext)self);
}

/* ------------------------------------------------------------ handles */

static int task_cancel (lua_State *L) {
  sf_task_cancel(sf_task_check(L, 1));
  return 0;
}

/* handle:done() -> whether it finished */
static int task_done (lua_State *L) {
  lua_pushboolean(L, sf_task_check(L, 1)->done);
  return 1;
}

static const luaL_Reg task_methods[] = {
  {"wait", task_wait},
  {"cancel", task_cancel},
  {"done", task_done},
  {NULL, NULL}
};

static const luaL_Reg core_funcs[] = {
  {"sleep", core_sleep},
  {"now", core_now},
  {"spawn", core_spawn},
  {"cancel", core_cancel},
  {"observe", core_observe},
  {"join", core_join},
  {"group", core_group},
  {"group_next", core_group_next},
  {"wait_event", core_wait_event},
  {NULL, NULL}
};

void sf_open_task_funcs (lua_State *L, SfRuntime *rt) {
  luaL_getmetatable(L, SF_TASK_MT);        /* made by sf_task_setup */
  luaL_newlib(L, task_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  lua_pushlightuserdata(L, rt);
  luaL_setfuncs(L, core_funcs, 1);
}
