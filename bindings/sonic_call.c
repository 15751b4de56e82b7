/*
** sonic_call.c -- core.call: one API call as Lua sees it.
**
** This file only describes the call to runtime/steps.c (method, path,
** the JSON text, price, class, and for a paid call its journal identity)
** and carries it through its waits: a transfer, a backoff timer, again.
** Every decision -- budget, journal, fresh connection, replay, retry --
** is steps.c's. The result is one shape: the decoded answer and a small
** info table (and the answer's text when asked for), or nil and an error
** value.
*/
#include <string.h>
#include <lauxlib.h>
#include "bindings.h"
#include "endpoints.h"
#include "step_identity.h"
#include "steps.h"
#include "task.h"

#define CALL_MT "sonic.Call"
#define SLOT_CALL 5                /* the userdata, kept while waiting */

static const char ENCODE_KEY = 0;  /* registry: cjson.safe's encode */

/* The call in flight, owned by Lua: it lives exactly as long as the task
** may still look at it (H4), and __gc releases the transfer. */
typedef struct Call {
  SfCall c;
  SfTask *task;
  unsigned gen;                    /* the task's wait this call wakes */
  int aborted;                     /* dropped by a cancel */
  int journal_text;                /* the answer's text is returned too */
} Call;

static int call_gc (lua_State *L) {
  sf_call_release(&((Call *)luaL_checkudata(L, 1, CALL_MT))->c);
  return 0;
}

static void call_done (SfRequest *r) {
  Call *u = (Call *)r->owner;
  sf_task_wake(u->task, u->gen);
}

static int call_abort (SfTask *t) {
  Call *u = (Call *)t->wait_obj;
  if (!sf_call_abortable(&u->c))
    return 0;                      /* paid: its answer must be journaled */
  sf_request_release(&u->c.req);
  u->aborted = 1;
  return 1;
}

/* ------------------------------------------------------------ results */

/* The service's message in an error answer: message, then error, then
** detail; for a body that is not JSON, its first line. Pushes it. */
static void push_message_of (lua_State *L, int data, const char *text,
                             size_t len, long status) {
  static const char *const keys[] = {"message", "error", "detail", NULL};
  size_t i, n;
  if (lua_istable(L, data))
    for (i = 0; keys[i]; i++) {
      if (lua_getfield(L, data, keys[i]) == LUA_TSTRING &&
          lua_rawlen(L, -1) > 0)
        return;
      lua_pop(L, 1);
    }
  for (i = 0; i < len && (text[i] == ' ' || text[i] == '\t' ||
                          text[i] == '\r' || text[i] == '\n'); i++)
    ;
  for (n = 0; i + n < len && text[i + n] != '\r' && text[i + n] != '\n'; n++)
    ;
  if (n == 0)
    lua_pushfstring(L, "HTTP %d with an empty body", (int)status);
  else if (n > 120)
    lua_pushfstring(L, "HTTP %d: %s...", (int)status,
                    lua_pushlstring(L, text + i, 120)), lua_remove(L, -2);
  else
    lua_pushfstring(L, "HTTP %d: %s", (int)status,
                    lua_pushlstring(L, text + i, n)), lua_remove(L, -2);
}

/* nil, error value: the world failing is a value (H2). 'data' is the
** decoded error body or 0. */
static int push_failure (lua_State *L, SfCall *c, int data) {
  const char *text = c->req.body.data ? c->req.body.data : "";
  luaL_pushfail(L);
  if (c->message_from_body) {
    push_message_of(L, data, text, c->req.body.len, c->status);
    if (c->message[0]) {            /* "... not a JSON object: <line>" */
      lua_pushfstring(L, "%s: %s", c->message, lua_tostring(L, -1));
      lua_remove(L, -2);
    }
  } else {
    lua_pushstring(L, c->message);
  }
  sf_push_error(L, c->kind, lua_tostring(L, -1));
  lua_remove(L, -2);
  if (c->status > 0 && (c->message_from_body || c->kind != SF_KIND_SERVER)) {
    lua_pushinteger(L, c->status);
    lua_setfield(L, -2, "status");
  }
  if (c->outcome_unknown) {
    lua_pushliteral(L, "unknown");
    lua_setfield(L, -2, "outcome");
  }
  sf_set_error_where(L, -1);
  return 2;
}

/* answer, {status, price, replayed[, kind]}[, text]: the text only for a
** call that asked for it (opts.journal_text) while a journal is open, its
** one use: every other answer is not copied into a Lua string. */
static int push_answer (lua_State *L, Call *u, int data) {
  SfCall *c = &u->c;
  lua_pushvalue(L, data);
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, c->status);
  lua_setfield(L, -2, "status");
  lua_pushinteger(L, c->replayed ? 0 : c->price);
  lua_setfield(L, -2, "price");
  lua_pushboolean(L, c->replayed);
  lua_setfield(L, -2, "replayed");
  if (c->task_kind[0]) {
    lua_pushstring(L, c->task_kind);
    lua_setfield(L, -2, "kind");
  }
  if (!u->journal_text)
    return 2;
  lua_pushlstring(L, c->answer, c->answer_len);
  return 3;
}

/* --------------------------------------------------------------- waits */

static int call_k (lua_State *L, int status, lua_KContext ctx);
static int sleep_k (lua_State *L, int status, lua_KContext ctx);

/* Follow steps.c's verdict: wait for the transfer, back off, or answer. */
static int follow (lua_State *L, Call *u, SfCallNext next) {
  SfCall *c = &u->c;
  SfTask *t = u->task;
  lua_settop(L, SLOT_CALL);
  if (next == SF_NEXT_WAIT) {
    u->gen = t->wait_gen;
    c->req.owner = u;
    c->req.on_done = call_done;
    t->wait_obj = u;
    t->abort_wait = call_abort;
    return sf_task_yield(L, t, SF_WAIT_HTTP, (lua_KContext)u, call_k);
  }
  if (next == SF_NEXT_SLEEP)
    return sf_task_sleep(L, t, c->delay, (lua_KContext)u, sleep_k);
  if (c->kind != SF_KIND_NONE) {
    int n = push_failure(L, c, 0);
    sf_call_release(c);
    return n;
  }
  /* a replayed answer: decode it here, inside the task */
  if (sf_json_decode(L, c->answer, c->answer_len) != 1)
    lua_pushnil(L);
  lua_settop(L, SLOT_CALL + 1);
  {
    int n = push_answer(L, u, SLOT_CALL + 1);
    sf_call_release(c);
    return n;
  }
}

static int sleep_k (lua_State *L, int status, lua_KContext ctx) {
  Call *u = (Call *)ctx;
  (void)status;
  sf_task_check_cancel(L, u->task);
  return follow(L, u, sf_call_again(SF_RUNTIME(L), &u->c));
}

static int call_k (lua_State *L, int status, lua_KContext ctx) {
  Call *u = (Call *)ctx;
  SfCall *c = &u->c;
  SfRequest *r = &c->req;
  SfAnswerView view = {0, NULL};
  SfCallNext next;
  int data = SLOT_CALL + 1;
  (void)status;
  if (u->aborted)
    sf_task_check_cancel(L, u->task);
  lua_settop(L, SLOT_CALL);
  /* decode every answer body: a 2xx is the result, an error body
  ** carries the service's message */
  if (r->fail == SF_FAIL_NONE && r->body.len > 0 &&
      sf_json_decode(L, r->body.data, r->body.len) == 1) {
    view.is_object = lua_istable(L, -1);
    if (view.is_object && lua_getfield(L, -1, "task_id") == LUA_TSTRING &&
        lua_rawlen(L, -1) > 0)
      view.task_id = lua_tostring(L, -1);   /* anchored by the answer */
    lua_settop(L, data);
  } else {
    lua_settop(L, SLOT_CALL);
    lua_pushnil(L);
  }
  next = sf_call_finish(SF_RUNTIME(L), c, &view);
  if (next == SF_NEXT_DONE) {
    int n = c->kind == SF_KIND_NONE ? push_answer(L, u, data)
                                    : push_failure(L, c, data);
    sf_call_release(c);
    sf_task_check_cancel(L, u->task);
    return n;
  }
  return follow(L, u, next);
}

/* ---------------------------------------------------------- describing */

/* Read body[task_type] without metamethods (what cjson will encode). */
static const char *raw_task_type (lua_State *L, int body) {
  const char *tt = NULL;
  if (lua_type(L, body) != LUA_TTABLE)
    return NULL;
  lua_pushliteral(L, "task_type");
  if (lua_rawget(L, body) == LUA_TSTRING)
    tt = lua_tostring(L, -1);     /* still referenced by 'body' */
  lua_pop(L, 1);
  return tt;
}

/* A batch costs what its items cost: read each item's task_type (what
** cjson will encode) for the endpoint table's prices. */
static long long batch_price (lua_State *L, int body) {
  const char *types[10];
  long long sum = 0;
  int i, n = 0;
  if (lua_type(L, body) != LUA_TTABLE)
    return 0;
  lua_pushliteral(L, "items");
  if (lua_rawget(L, body) == LUA_TTABLE) {
    int items = lua_gettop(L);
    for (i = 1; lua_rawgeti(L, items, i) != LUA_TNIL; i++) {
      types[n++] = raw_task_type(L, lua_gettop(L));   /* anchored: body */
      lua_pop(L, 1);
      if (n == 10) {           /* the service takes 10; more is priced too */
        sum += sf_batch_price(types, n);
        n = 0;
      }
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return sum + sf_batch_price(types, n);
}

/* Encode the table at 'body' as JSON; pushes the text. */
static const char *encode_body (lua_State *L, int body, size_t *len) {
  lua_rawgetp(L, LUA_REGISTRYINDEX, &ENCODE_KEY);
  lua_pushvalue(L, body);
  lua_call(L, 1, 2);                       /* text | nil, msg */
  if (lua_isnil(L, -2))
    luaL_error(L, "request body cannot be encoded as JSON: %s",
               lua_tostring(L, -1));
  lua_pop(L, 1);
  return lua_tolstring(L, -1, len);
}

/* The body at 'body' with webhook_url and webhook_secret added
** (--webhook-listen), encoded: a copy, so neither the step's identity nor
** the journaled request carries the secret. Pushes the text. */
static const char *with_webhook (lua_State *L, SfRuntime *rt, int body,
                                 size_t *len) {
  lua_newtable(L);
  lua_pushnil(L);
  while (lua_next(L, body) != 0) {          /* copy key value */
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  lua_pushstring(L, rt->webhook_url);
  lua_setfield(L, -2, "webhook_url");
  lua_pushstring(L, rt->webhook_secret);
  lua_setfield(L, -2, "webhook_secret");
  encode_body(L, lua_gettop(L), len);       /* copy text */
  lua_remove(L, -2);
  return lua_tostring(L, -1);
}

/*
** core.call(method, path, body, opts) -> answer, info[, text] | nil, err
** 'path' is relative to the API prefix ("sonic/create"): the URL is built
** in steps.c, so the key can only ever go to the API host. opts:
** timeout (seconds), task_id (the answer must carry one), once (a free
** call that is not worth retrying), journal_text (also return the
** answer's text, for core.record_task; only while a journal is open).
*/
static int core_call (lua_State *L) {
  static const char *const methods[] = {"GET", "POST", NULL};
  SfRuntime *rt = SF_RUNTIME(L);
  int post = luaL_checkoption(L, 1, NULL, methods) == 1;
  const char *path = luaL_checkstring(L, 2);
  lua_Number timeout = 60;
  int wants_task_id = 0, once = 0, journal_text = 0;
  size_t len = 0;
  SfTask *t;
  Call *u;
  SfCall *c;
  luaL_argcheck(L, path[0] != '/' && strstr(path, "..") == NULL, 2,
                "relative API path expected");
  if (!lua_isnoneornil(L, 3))
    luaL_checktype(L, 3, LUA_TTABLE);
  if (lua_istable(L, 4)) {
    if (lua_getfield(L, 4, "timeout") != LUA_TNIL)
      timeout = luaL_checknumber(L, -1);
    lua_getfield(L, 4, "task_id");
    wants_task_id = lua_toboolean(L, -1);
    lua_getfield(L, 4, "once");
    once = lua_toboolean(L, -1);
    lua_getfield(L, 4, "journal_text");
    journal_text = lua_toboolean(L, -1) && rt->journal != NULL;
  }
  lua_settop(L, 3);
  t = sf_task_current(L, "a sonic call");
  sf_task_check_cancel(L, t);
  if (post && !lua_isnil(L, 3))
    encode_body(L, 3, &len);                /* slot 4: journaled text */
  else
    lua_pushnil(L);
  /* the texts hang on the userdata: a retry sends them again later */
  u = (Call *)lua_newuserdatauv(L, sizeof(Call), 2);   /* slot 5 */
  memset(u, 0, sizeof(*u));
  luaL_setmetatable(L, CALL_MT);
  u->task = t;
  c = &u->c;
  c->post = post;
  c->path = path;                           /* slot 2 outlives the call */
  lua_pushvalue(L, 4);
  lua_setiuservalue(L, SLOT_CALL, 1);
  c->body = c->journal_body = lua_tostring(L, 4);
  c->body_len = len;
  if (post) {                  /* one row of the endpoint table */
    const char *tt = raw_task_type(L, 3);    /* anchored by the body */
    const SfEndpoint *e = sf_endpoint_find(path, tt);
    c->price = e == NULL ? 0 : strcmp(path, "sonic/batch") == 0
             ? batch_price(L, 3) : e->price;
    sf_endpoint_kind(path, tt, c->task_kind, sizeof(c->task_kind));
    c->paced = e != NULL && e->paced && c->price > 0;
  }
  c->cls = c->price > 0 ? SF_CALL_PAID : (post || once) ? SF_CALL_ONCE
         : SF_CALL_READ;
  c->wants_task_id = wants_task_id;
  u->journal_text = journal_text;
  c->timeout_ms = (long)(timeout * 1000);
  if (c->price > 0 && rt->journal != NULL &&
      sf_step_identify(L, t, "POST", path, 3, &c->id) != 0) {
    c->kind = SF_KIND_BAD_REQUEST;
    snprintf(c->message, sizeof(c->message), "the request body cannot be "
             "journaled (a table mixing list and string keys?)");
    lua_settop(L, SLOT_CALL);
    return push_failure(L, c, 0);
  }
  if (post && rt->webhook_url != NULL && c->body != NULL &&
      strcmp(path, "sonic/create") == 0) {
    c->body = with_webhook(L, rt, 3, &c->body_len);   /* not journaled */
    lua_setiuservalue(L, SLOT_CALL, 2);
  }
  lua_settop(L, SLOT_CALL);
  rt->polls += !post && strncmp(path, "sonic/task/", 11) == 0;
  return follow(L, u, sf_call_start(rt, c));
}

/* ------------------------------------------------------------ register */

int luaopen_cjson_safe (lua_State *L);

static const luaL_Reg call_meta[] = {
  {"__gc", call_gc},
  {"__close", call_gc},
  {NULL, NULL}
};

void sf_open_call_funcs (lua_State *L, SfRuntime *rt) {
  luaL_newmetatable(L, CALL_MT);
  luaL_setfuncs(L, call_meta, 0);
  lua_pop(L, 1);
  lua_pushcfunction(L, luaopen_cjson_safe);     /* a private instance */
  lua_call(L, 0, 1);
  lua_getfield(L, -1, "encode");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &ENCODE_KEY);
  lua_pop(L, 1);
  lua_pushlightuserdata(L, rt);
  lua_pushcclosure(L, core_call, 1);
  lua_setfield(L, -2, "call");
}
