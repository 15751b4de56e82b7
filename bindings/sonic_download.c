/*
** sonic_download.c -- core.download: one audio file as Lua sees it.
**
** A thin binding over runtime/download.c, which owns every rule about
** files. This file carries the download through its waits and, between
** two tries, asks the script's side for a fresh URL (the service's audio
** URLs may expire): that is a Lua function, called with lua_callk so it
** may itself wait on a poll.
*/
#include <string.h>
#include <lauxlib.h>
#include "bindings.h"
#include "download.h"
#include "task.h"

#define DOWNLOAD_MT "sonic.Download"
#define SLOT_UD 3                  /* the userdata, kept while waiting */

typedef struct Download {
  SfDownload d;
  SfTask *task;
  unsigned gen;
  int aborted;
} Download;

static int download_gc (lua_State *L) {
  sf_download_release(&((Download *)luaL_checkudata(L, 1, DOWNLOAD_MT))->d);
  return 0;
}

static void download_done (SfRequest *r) {
  Download *u = (Download *)r->owner;
  sf_task_wake(u->task, u->gen);
}

/* A download is free and idempotent: a cancel may drop it. */
static int download_abort (SfTask *t) {
  Download *u = (Download *)t->wait_obj;
  sf_request_release(&u->d.req);
  u->aborted = 1;
  return 1;
}

/* path, {bytes, type, kept} | nil, error value */
static int push_result (lua_State *L, Download *u) {
  SfDownload *d = &u->d;
  int n = 2;
  lua_settop(L, SLOT_UD);
  if (d->kind != SF_KIND_NONE) {
    luaL_pushfail(L);
    sf_push_error(L, d->kind, d->message);
    if (d->status > 0) {
      lua_pushinteger(L, d->status);
      lua_setfield(L, -2, "status");
    }
    sf_set_error_where(L, -1);
  } else {
    lua_pushstring(L, d->dest_path);
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, d->bytes);
    lua_setfield(L, -2, "bytes");
    if (d->type) {
      lua_pushstring(L, d->type);
      lua_setfield(L, -2, "type");
    }
    if (d->kept) {
      lua_pushstring(L, d->kept == 1 ? "verified" : "adopted");
      lua_setfield(L, -2, "kept");
    }
  }
  sf_download_release(d);
  sf_task_check_cancel(L, u->task);
  return n;
}

static int transfer_k (lua_State *L, int status, lua_KContext ctx);
static int sleep_k (lua_State *L, int status, lua_KContext ctx);

static int follow (lua_State *L, Download *u, SfCallNext next) {
  SfTask *t = u->task;
  lua_settop(L, SLOT_UD);
  if (next == SF_NEXT_WAIT) {
    u->gen = t->wait_gen;
    u->d.req.owner = u;
    u->d.req.on_done = download_done;
    t->wait_obj = u;
    t->abort_wait = download_abort;
    return sf_task_yield(L, t, SF_WAIT_HTTP, (lua_KContext)u, transfer_k);
  }
  if (next == SF_NEXT_SLEEP)
    return sf_task_sleep(L, t, u->d.delay, (lua_KContext)u, sleep_k);
  return push_result(L, u);
}

static int transfer_k (lua_State *L, int status, lua_KContext ctx) {
  Download *u = (Download *)ctx;
  (void)status;
  if (u->aborted)
    sf_task_check_cancel(L, u->task);
  return follow(L, u, sf_download_finish(SF_RUNTIME(L), &u->d));
}

/* The refresh function returned: a fresh URL, or nothing. */
static int refreshed_k (lua_State *L, int status, lua_KContext ctx) {
  Download *u = (Download *)ctx;
  const char *url = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                   : NULL;
  (void)status;
  sf_task_check_cancel(L, u->task);
  return follow(L, u, sf_download_again(SF_RUNTIME(L), &u->d, url));
}

static int sleep_k (lua_State *L, int status, lua_KContext ctx) {
  Download *u = (Download *)ctx;
  (void)status;
  sf_task_check_cancel(L, u->task);
  lua_settop(L, SLOT_UD);
  if (lua_getiuservalue(L, SLOT_UD, 1) == LUA_TFUNCTION) {
    lua_callk(L, 0, 1, (lua_KContext)u, refreshed_k);
    return refreshed_k(L, LUA_OK, (lua_KContext)u);
  }
  return follow(L, u, sf_download_again(SF_RUNTIME(L), &u->d, NULL));
}

static const char *opt_string (lua_State *L, int t, const char *k) {
  const char *s = NULL;
  if (lua_getfield(L, t, k) == LUA_TSTRING)
    s = lua_tostring(L, -1);       /* anchored by the options table */
  lua_pop(L, 1);
  return s;
}

/*
** core.download(url, opts) -> path, info | nil, err
** opts: dest (a file path) or dir + base + id + ext (a named download),
** source (journal key), refresh (a function giving a fresh URL between
** tries).
*/
static int core_download (lua_State *L) {
  SfRuntime *rt = SF_RUNTIME(L);
  const char *url = luaL_checkstring(L, 1);
  const char *dest, *dir;
  SfTask *t;
  Download *u;
  luaL_checktype(L, 2, LUA_TTABLE);
  dest = opt_string(L, 2, "dest");
  dir = opt_string(L, 2, "dir");
  luaL_argcheck(L, (dest != NULL) != (dir != NULL), 2,
                "either dest or dir expected");
  luaL_argcheck(L, !rt->untrusted || (((dest && dest[0] != '/' &&
                strstr(dest, "..") == NULL) || (dir && dir[0] != '/' &&
                strstr(dir, "..") == NULL))), 2, "in --sandbox-script mode "
                "files go below the working directory only");
  t = sf_task_current(L, "sonic.download");
  sf_task_check_cancel(L, t);
  lua_settop(L, 2);
  u = (Download *)lua_newuserdatauv(L, sizeof(Download), 1);   /* slot 3 */
  memset(u, 0, sizeof(*u));
  u->d.fd = -1;
  luaL_setmetatable(L, DOWNLOAD_MT);
  u->task = t;
  lua_getfield(L, 2, "refresh");
  lua_setiuservalue(L, SLOT_UD, 1);
  if (sf_download_describe(&u->d, url, opt_string(L, 2, "source"), dest, dir,
                           opt_string(L, 2, "base"), opt_string(L, 2, "id"),
                           opt_string(L, 2, "ext")) != 0 ||
      (dir && !(u->d.base && u->d.id && u->d.ext)))
    return luaL_error(L, "core.download: not enough memory, or a named "
                      "download without base, id and ext");
  return follow(L, u, sf_download_start(rt, &u->d));
}

static const luaL_Reg download_meta[] = {
  {"__gc", download_gc},
  {"__close", download_gc},
  {NULL, NULL}
};

void sf_open_download_funcs (lua_State *L, SfRuntime *rt) {
  luaL_newmetatable(L, DOWNLOAD_MT);
  luaL_setfuncs(L, download_meta, 0);
  lua_pop(L, 1);
  lua_pushlightuserdata(L, rt);
  lua_pushcclosure(L, core_download, 1);
  lua_setfield(L, -2, "download");
}
