/*
** task.c -- the host's Lua tasks: spawn, wait, wake, cancel, finish.
**
** Ownership: a task is a full userdata ("sonic.Task") whose user values
** hold (1) its coroutine, (2) its outcome once finished, (3) the table of
** tasks joined on it. While it runs, registry[TASKS][thread] = userdata
** anchors it (and maps a thread back to its task); the anchor is dropped
** when it finishes, after which the handle lives as long as Lua refers to
** it. A task that failed and that nobody waited for stays in
** registry[FAILED] so its error can still be reported at exit.
*/
#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <lauxlib.h>
#include "events.h"
#include "task.h"

static const char TASKS_KEY = 0;   /* registry[&TASKS_KEY] = {[co] = ud} */
static const char FAILED_KEY = 0;  /* registry[&FAILED_KEY] = {[ud] = true} */

enum { UV_THREAD = 1, UV_OUTCOME = 2, UV_JOINERS = 3 };

static SfTask *task_of (lua_State *L);

/* ------------------------------------------------------------ ready queue */

static void ready_push (SfRuntime *rt, SfTask *t) {
  t->queued = 1;
  t->next_ready = NULL;
  if (rt->ready_tail != NULL)
    rt->ready_tail->next_ready = t;
  else
    rt->ready_head = t;
  rt->ready_tail = t;
}

static void ready_unlink (SfRuntime *rt, SfTask *t) {
  SfTask **pp = &rt->ready_head, *prev = NULL;
  while (*pp != NULL && *pp != t) {
    prev = *pp;
    pp = &(*pp)->next_ready;
  }
  if (*pp == NULL)
    return;
  *pp = t->next_ready;
  if (rt->ready_tail == t)
    rt->ready_tail = prev;
  t->queued = 0;
}

void sf_task_wake (SfTask *t, unsigned gen) {
  if (t->done || t->queued || gen != t->wait_gen)
    return;
  t->wait_gen++;                        /* later wakes for this wait: stale */
  sf_heap_remove(&t->rt->timers, &t->timer);
  ready_push(t->rt, t);
}

static void timer_fire (SfTimer *tm) {
  SfTask *t = (SfTask *)tm->data;
  sf_task_wake(t, t->wait_gen);
}

/* ------------------------------------------------------------- metatable */

static int task_gc (lua_State *L) {
  SfTask *t = (SfTask *)luaL_checkudata(L, 1, SF_TASK_MT);
  if (t->rt != NULL) {         /* NULL: zeroed object never armed */
    sf_heap_remove(&t->rt->timers, &t->timer);
    if (t->queued)
      ready_unlink(t->rt, t);
  }
  return 0;
}

static int task_tostring (lua_State *L) {
  SfTask *t = (SfTask *)luaL_checkudata(L, 1, SF_TASK_MT);
  lua_pushfstring(L, "sonic.Task #%d (%s)", t->id,
                  !t->done ? "running" : t->ok ? "done" : "failed");
  return 1;
}

void sf_task_setup (lua_State *L, SfRuntime *rt) {
  (void)rt;
  sf_events_setup(L);
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &TASKS_KEY);
  lua_newtable(L);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &FAILED_KEY);
  luaL_newmetatable(L, SF_TASK_MT);
  lua_pushcfunction(L, task_gc);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, task_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
}

/* ----------------------------------------------------------------- spawn */

SfTask *sf_task_spawn (lua_State *L, SfRuntime *rt, int nargs) {
  int fidx = lua_gettop(L) - nargs;
  lua_State *co;
  SfTask *t;
  luaL_checktype(L, fidx, LUA_TFUNCTION);
  t = (SfTask *)lua_newuserdatauv(L, sizeof(SfTask), 3);
  memset(t, 0, sizeof(*t));               /* a valid finished-looking ... */
  sf_timer_init(&t->timer, timer_fire, t);
  luaL_setmetatable(L, SF_TASK_MT);       /* ... object before __gc arms */
  t->rt = rt;
  co = lua_newthread(L);                  /* f args ud co */
  lua_setiuservalue(L, -2, UV_THREAD);    /* f args ud */
  t->co = co;
  lua_insert(L, fidx);                    /* ud f args */
  if (!lua_checkstack(co, nargs + 1))     /* a new thread has room for */
    luaL_error(L, "too many arguments");  /* LUA_MINSTACK values only */
  lua_xmove(L, co, nargs + 1);            /* ud; co holds f args */
  t->nargs = nargs;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &TASKS_KEY);  /* ud TASKS */
  lua_getiuservalue(L, -2, UV_THREAD);            /* ud TASKS co */
  lua_pushvalue(L, -3);                           /* ud TASKS co ud */
  lua_rawset(L, -3);                              /* TASKS[co] = ud */
  lua_pop(L, 1);                                  /* ud */
  t->id = ++rt->next_task_id;
  {                         /* deterministic for a deterministic script */
    SfTask *parent = task_of(L);
    if (parent != NULL)
      snprintf(t->path, sizeof(t->path), "%.48s.%d", parent->path,
               ++parent->children);
    else
      snprintf(t->path, sizeof(t->path), "main");
  }
  rt->tasks_alive++;
  ready_push(rt, t);
  return t;
}

/* ------------------------------------------------------------ who am I */

/* The task whose coroutine is L, or NULL. */
static SfTask *task_of (lua_State *L) {
  SfTask *t;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &TASKS_KEY);
  lua_pushthread(L);
  lua_rawget(L, -2);
  t = (SfTask *)lua_touserdata(L, -1);
  lua_pop(L, 2);
  return t;
}

void sf_push_user_where (lua_State *L) {
  lua_Debug ar;
  int level;
  for (level = 1; lua_getstack(L, level, &ar); level++) {
    lua_getinfo(L, "Sl", &ar);
    if (ar.currentline > 0 && strncmp(ar.source, "@sonic/", 7) != 0) {
      lua_pushfstring(L, "%s:%d: ", ar.short_src, ar.currentline);
      return;
    }
  }
  lua_pushliteral(L, "");
}

void sf_set_error_where (lua_State *L, int idx) {
  lua_Debug ar;
  int level;
  idx = lua_absindex(L, idx);
  for (level = 1; lua_getstack(L, level, &ar); level++) {
    lua_getinfo(L, "Sl", &ar);
    if (ar.currentline > 0 && strncmp(ar.source, "@sonic/", 7) != 0) {
      lua_pushfstring(L, "%s:%d:", ar.short_src, ar.currentline);
      lua_setfield(L, idx, "where");
      return;
    }
  }
}

SfTask *sf_task_current (lua_State *L, const char *what) {
  SfTask *t = task_of(L);
  if (t == NULL || !lua_isyieldable(L)) {
    sf_push_user_where(L);
    lua_pushfstring(L, "%s%s cannot wait here: only the script itself and "
                    "functions started with sonic.spawn can wait (not code "
                    "inside coroutine.wrap/create, metamethods or sort "
                    "comparators)", lua_tostring(L, -1), what);
    lua_error(L);
  }
  return t;
}


SfTask *sf_task_check (lua_State *L, int arg) {
  return (SfTask *)luaL_checkudata(L, arg, SF_TASK_MT);
}

/* ------------------------------------------------------------ waiting */

void sf_push_error (lua_State *L, SfKind kind, const char *message) {
  lua_createtable(L, 0, 3);
  lua_pushstring(L, sf_kind_name(kind));
  lua_setfield(L, -2, "kind");
  lua_pushstring(L, message);
  lua_setfield(L, -2, "message");
  luaL_setmetatable(L, SF_ERROR_MT);
}

void sf_task_check_cancel (lua_State *L, SfTask *t) {
  if (t->cancel_requested) {
    sf_push_error(L, SF_KIND_CANCELLED, "the task was cancelled");
    lua_error(L);
  }
}

int sf_task_yield (lua_State *L, SfTask *t, SfWait kind, lua_KContext ctx,
                   lua_KFunction k) {
  t->waiting = kind;
  return lua_yieldk(L, 0, ctx, k);
}

int sf_task_sleep (lua_State *L, SfTask *t, double seconds, lua_KContext ctx,
                   lua_KFunction k) {
  uint64_t ms = 0;
  sf_task_check_cancel(L, t);
  if (seconds > 0)
    ms = seconds >= 1e9 ? (uint64_t)1e12 : (uint64_t)ceil(seconds * 1000.0);
  if (sf_heap_add(&t->rt->timers, &t->timer, sf_now_ms() + ms) != 0)
    luaL_error(L, "not enough memory");
  return sf_task_yield(L, t, SF_WAIT_TIMER, ctx, k);
}

void sf_task_cancel (SfTask *t) {
  if (t->done || t->cancel_requested)
    return;
  t->cancel_requested = 1;
  switch (t->waiting) {
    case SF_WAIT_HTTP:
      /* a paid call in flight is let finish: its answer must be seen */
      if (t->abort_wait == NULL || !t->abort_wait(t))
        return;
      break;
    default:
      break;
  }
  sf_task_wake(t, t->wait_gen);
}

/* ------------------------------------------------------------ finishing */

/*
** A member of the group at 'g' finished: append its index (on top of the
** stack) to the group's inbox and wake the owner if it waits on this
** group. Each completion costs O(1), whatever the size of the group.
*/
static void group_deliver (lua_State *L, int g) {
  SfTask *owner;
  lua_pushvalue(L, -1);                           /* index */
  lua_rawseti(L, g, (lua_Integer)lua_rawlen(L, g) + 1);
  lua_getfield(L, g, "owner");
  owner = (SfTask *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (owner != NULL && owner->waiting == SF_WAIT_JOIN &&
      owner->wait_obj == lua_topointer(L, g))
    sf_task_wake(owner, owner->wait_gen);
}

/* Wake every task joined on the finished task at 'idx' (on L). */
static void wake_joiners (lua_State *L, int idx) {
  if (lua_getiuservalue(L, idx, UV_JOINERS) == LUA_TTABLE) {
    lua_pushnil(L);
    while (lua_next(L, -2) != 0) {       /* joiners key value */
      if (lua_type(L, -2) == LUA_TTABLE)   /* a group: value = index */
        group_deliver(L, lua_gettop(L) - 1);
      else                                  /* a task: value = its gen */
        sf_task_wake((SfTask *)lua_touserdata(L, -2),
                     (unsigned)lua_tointeger(L, -1));
      lua_pop(L, 1);
    }
    lua_pushnil(L);                      /* nobody is left to wake */
    lua_setiuservalue(L, idx, UV_JOINERS);
  }
  lua_pop(L, 1);
}

/* Is the value on top an error table of kind "cancelled"? */
static int is_cancel_error (lua_State *L) {
  int r = 0;
  if (lua_type(L, -1) == LUA_TTABLE) {
    lua_pushliteral(L, "kind");   /* raw: this runs unprotected, and a */
    lua_rawget(L, -2);            /* script's table may have any __index */
    r = lua_type(L, -1) == LUA_TSTRING &&
        sf_kind_from_name(lua_tostring(L, -1)) == SF_KIND_CANCELLED;
    lua_pop(L, 1);
  }
  return r;
}

/*
** Record the outcome of 't', which just returned or raised, then release
** its coroutine. Stack of rt->L is left as it was.
*/
static void task_finish (SfRuntime *rt, SfTask *t, int status, int nres) {
  lua_State *L = rt->L, *co = t->co;
  int ud, i;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &TASKS_KEY);
  lua_pushthread(co);
  lua_xmove(co, L, 1);
  lua_rawget(L, -2);                  /* TASKS ud */
  ud = lua_gettop(L);
  if (status == LUA_OK) {
    lua_createtable(L, nres, 2);      /* TASKS ud outcome */
    for (i = nres; i >= 1; i--) {     /* one at a time: L's frame is */
      lua_xmove(co, L, 1);            /* small (LUA_MINSTACK) and nres */
      lua_rawseti(L, ud + 1, i);      /* is not bounded */
    }
    lua_pushinteger(L, nres);
    lua_setfield(L, -2, "n");
    t->ok = 1;
  } else {
    lua_createtable(L, 0, 3);         /* TASKS ud outcome */
    lua_xmove(co, L, 1);              /* TASKS ud outcome err */
    /* (a signal's hook raises "cancelled" before the loop has asked the
    ** tasks to stop: the same cancellation, not an error to report) */
    t->cancel_error = (t->cancel_requested || rt->interrupted) &&
                      is_cancel_error(L);
    lua_setfield(L, -2, "err");
    luaL_traceback(L, co, NULL, 0);
    lua_setfield(L, -2, "traceback");
  }
  lua_setiuservalue(L, ud, UV_OUTCOME);
  t->done = 1;
  rt->tasks_alive--;
  wake_joiners(L, ud);
  if (!t->ok && !t->cancel_error && !t->observed) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &FAILED_KEY);
    lua_pushvalue(L, ud);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
  }
  lua_resetthread(co);               /* runs pending __close handlers */
  lua_pushthread(co);
  lua_xmove(co, L, 1);                /* TASKS ud co */
  lua_pushnil(L);
  lua_rawset(L, -4);                  /* TASKS[co] = nil: drop anchor */
  lua_pushnil(L);
  lua_setiuservalue(L, ud, UV_THREAD);
  t->co = NULL;
  lua_pop(L, 2);
}

/* Resume 't' once; returns when it waits again or has finished. */
static void task_resume (SfRuntime *rt, SfTask *t) {
  lua_State *co = t->co;
  int nargs = 0, nres = 0, status;
  if (t->cancel_requested && t->waiting == SF_WAIT_NONE) {
    /* never started, or parked in a plain coroutine.yield(): there is no
    ** continuation to raise from, so end it here with the cancel error */
    sf_push_error(rt->L, SF_KIND_CANCELLED, "the task was cancelled");
    lua_xmove(rt->L, co, 1);
    task_finish(rt, t, LUA_ERRRUN, 0);
    return;
  }
  if (!t->started) {
    t->started = 1;
    nargs = t->nargs;
  }
  t->waiting = SF_WAIT_NONE;
  t->abort_wait = NULL;
  t->wait_obj = NULL;
  rt->running = co;                   /* a signal now hooks this one */
  status = lua_resume(co, rt->L, nargs, &nres);
  rt->running = NULL;
  if (status == LUA_YIELD) {
    lua_pop(co, nres);
    if (t->waiting == SF_WAIT_NONE)   /* plain coroutine.yield(): let */
      ready_push(rt, t);              /* the others run, then go on */
    return;
  }
  task_finish(rt, t, status, nres);
}

void sf_task_run_ready (SfRuntime *rt) {
  /* only the tasks ready now: one woken meanwhile runs next turn, so a
  ** task that keeps yielding cannot starve the network */
  SfTask *list = rt->ready_head;
  rt->ready_head = rt->ready_tail = NULL;
  while (list != NULL) {
    SfTask *t = list;
    list = t->next_ready;
    t->next_ready = NULL;
    t->queued = 0;
    if (!t->done)
      task_resume(rt, t);
  }
}

/* ------------------------------------------------------------ outcomes */

int sf_task_push_outcome (lua_State *L, int idx) {
  SfTask *t = sf_task_check(L, idx);
  int n, i, o;
  idx = lua_absindex(L, idx);
  luaL_argcheck(L, t->done, idx, "task has not finished");
  t->observed = 1;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &FAILED_KEY);
  lua_pushvalue(L, idx);
  lua_pushnil(L);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_getiuservalue(L, idx, UV_OUTCOME);
  o = lua_gettop(L);                          /* outcome */
  if (!t->ok) {
    lua_pushboolean(L, 0);
    lua_getfield(L, o, "err");
    lua_remove(L, o);
    return 2;
  }
  lua_getfield(L, o, "n");
  n = (int)lua_tointeger(L, -1);
  lua_pop(L, 1);
  luaL_checkstack(L, n + 2, "too many results");
  lua_pushboolean(L, 1);
  for (i = 1; i <= n; i++)
    lua_rawgeti(L, o, i);
  lua_remove(L, o);                           /* true r1..rn */
  return n + 1;
}

void sf_task_observe (lua_State *L, int idx) {
  SfTask *t = sf_task_check(L, idx);
  idx = lua_absindex(L, idx);
  t->observed = 1;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &FAILED_KEY);
  lua_pushvalue(L, idx);
  lua_pushnil(L);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

int sf_task_push_unobserved (lua_State *L) {
  int n = 0;
  lua_newtable(L);                            /* list */
  lua_rawgetp(L, LUA_REGISTRYINDEX, &FAILED_KEY);
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {              /* list FAILED ud true */
    lua_pop(L, 1);
    lua_getiuservalue(L, -1, UV_OUTCOME);     /* list FAILED ud outcome */
    lua_rawseti(L, -4, ++n);
  }
  lua_pop(L, 1);
  lua_newtable(L);                     /* reported now: not again later */
  lua_rawsetp(L, LUA_REGISTRYINDEX, &FAILED_KEY);
  return n;
}

/* ------------------------------------------------------------ joining */

void sf_task_push_self (lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &TASKS_KEY);
  lua_pushthread(L);
  lua_rawget(L, -2);
  lua_remove(L, -2);
}

void sf_task_group_add (lua_State *L, int g, int idx, lua_Integer index) {
  SfTask *t = sf_task_check(L, idx);
  g = lua_absindex(L, g);
  idx = lua_absindex(L, idx);
  if (t->done) {                      /* already finished: in the inbox */
    lua_pushinteger(L, index);
    lua_rawseti(L, g, (lua_Integer)lua_rawlen(L, g) + 1);
    return;
  }
  if (lua_getiuservalue(L, idx, UV_JOINERS) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, idx, UV_JOINERS);
  }                                   /* joiners */
  lua_pushvalue(L, g);
  lua_pushinteger(L, index);
  lua_rawset(L, -3);                  /* joiners[group] = index */
  lua_pop(L, 1);
}

void sf_task_add_joiner (lua_State *L, int idx, SfTask *self) {
  idx = lua_absindex(L, idx);
  if (lua_getiuservalue(L, idx, UV_JOINERS) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, idx, UV_JOINERS);
  }                                           /* joiners */
  sf_task_push_self(L);                       /* joiners self */
  lua_pushinteger(L, (lua_Integer)self->wait_gen);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

void sf_task_cancel_all (lua_State *L) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &TASKS_KEY);
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {              /* TASKS co ud */
    sf_task_cancel((SfTask *)lua_touserdata(L, -1));
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}
