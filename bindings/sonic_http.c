/*
** sonic_http.c -- the service and the audio as Lua sees them:
** core.request (one JSON call to the API) and core.download (one file to
** disk). Both yield the calling task until the transfer ends; the
** results are built in the continuation, inside the task.
**
** Money is handled here, not in Lua: the price of a POST is looked up in
** C from the same table that is encoded as the body, reserved against the
** run's budget before anything is sent, and given back only when the
** service definitely refused the call.
*/
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <lauxlib.h>
#include "bindings.h"
#include "checksum.h"
#include "crash.h"
#include "headers.h"
#include "credits.h"
#include "journal.h"
#include "log.h"
#include "progress.h"
#include "steps.h"
#include "task.h"

#define CALL_MT "sonic.Call"
#define JSON_LIMIT (4u << 20)        /* larger JSON answers are refused */
#define ERROR_BODY_LIMIT (64u << 10) /* what we keep of an error page */

static const char ENCODE_KEY = 0;    /* registry: cjson.safe's encode */

/* One transfer in flight, owned by Lua (a userdata on the task's stack):
** it lives exactly as long as the task may still look at it. */
typedef struct Call {
  SfRequest req;
  SfTask *task;
  unsigned gen;           /* the task's wait this call wakes */
  long long price;        /* credits reserved for it */
  int aborted;            /* released early by a cancel */
  int fd;                 /* download: the .part file, or -1 */
  char *part_path;        /* download: "<dest>.part" (owned) */
  char *dest_path;        /* download: final name (owned) */
  int renamed;            /* download: the .part became the final file */
  int journaled;          /* a paid call recorded as a journal step */
  int held;               /* leaves only after the journal commit */
  SfStepId step;
  char *source;           /* download: journal key of what is fetched */
  int is_poll;            /* GET of a task's status */
  int keep_part;          /* keep the .part of a failed download */
} Call;

/* --------------------------------------------------------------- object */

/* Free everything 'c' owns; a download not completed loses its .part.
** Idempotent: used by the continuations and by __gc. */
static void call_release (Call *c) {
  sf_progress_download_end(c);
  sf_request_release(&c->req);
  if (c->fd >= 0) {
    close(c->fd);
    c->fd = -1;
  }
  if (c->part_path != NULL && !c->renamed && !c->keep_part)
    unlink(c->part_path);
  free(c->part_path);
  free(c->dest_path);
  free(c->source);
  c->part_path = c->dest_path = c->source = NULL;
}

static int call_gc (lua_State *L) {
  call_release((Call *)luaL_checkudata(L, 1, CALL_MT));
  return 0;
}

/* A new, closed Call on the stack (safe to collect at any point). */
static Call *call_new (lua_State *L) {
  Call *c = (Call *)lua_newuserdatauv(L, sizeof(Call), 0);
  memset(c, 0, sizeof(*c));
  c->fd = -1;
  luaL_setmetatable(L, CALL_MT);
  return c;
}

/* on_done: runs in sf_http_report_done, outside libcurl callbacks. */
static void call_done (SfRequest *r) {
  Call *c = (Call *)r->owner;
  sf_task_wake(c->task, c->gen);
}

/* abort_wait hook: a free call may be dropped when its task is cancelled;
** a paid one must finish so that its answer is not lost. */
static int call_abort (SfTask *t) {
  Call *c = (Call *)t->wait_obj;
  if (c->price > 0)
    return 0;
  sf_request_release(&c->req);
  c->aborted = 1;
  return 1;
}

/* Hand 'c' to the engine and yield until it finishes. */
static int call_start (lua_State *L, SfTask *t, Call *c, lua_KFunction k) {
  c->task = t;
  c->gen = t->wait_gen;
  c->req.owner = c;
  c->req.on_done = call_done;
  if (c->held)
    sf_http_hold(&c->req);
  else
    sf_http_submit(&c->req);
  t->wait_obj = c;
  t->abort_wait = call_abort;
  return sf_task_yield(L, t, SF_WAIT_HTTP, (lua_KContext)c, k);
}

/* nil, message, kind[, status]: the world failing is a value (H2). */
static int push_fail (lua_State *L, const char *msg, const char *kind,
                      long status) {
  luaL_pushfail(L);
  lua_pushstring(L, msg);
  lua_pushstring(L, kind);
  if (status <= 0)
    return 3;
  lua_pushinteger(L, status);
  return 4;
}

static const char *fail_message (SfRequest *r) {
  if (r->fail == SF_FAIL_TOO_LARGE)
    return "the answer is larger than the limit";
  if (r->fail == SF_FAIL_WRITE)
    return strerror(r->write_errno);
  return r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->result);
}

/* ---------------------------------------------------------------- request */

/* The "task_id" of a JSON answer, or "" (decoded in the task). */
static void answer_task_id (lua_State *L, const char *body, size_t len,
                            char *out, size_t n) {
  out[0] = '\0';
  if (sf_json_decode(L, body, len) == 1 && lua_istable(L, -1)) {
    lua_getfield(L, -1, "task_id");
    if (lua_type(L, -1) == LUA_TSTRING)
      snprintf(out, n, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
  }
  lua_settop(L, lua_gettop(L) - (lua_isnil(L, -2) ? 2 : 1));
}

/* Journal what became of a paid call. Only a connection that never
** opened proves the service did not see it (refused: may be resent);
** a 4xx/429 is a refusal too; anything else after sending is unknown. */
static void record_outcome (lua_State *L, SfRuntime *rt, Call *c) {
  SfRequest *r = &c->req;
  SfStepState st;
  char task_id[80] = "";
  sf_crashpoint("after_send");
  if (r->fail == SF_FAIL_CONNECT || r->fail == SF_FAIL_TLS)
    st = SF_STEP_REFUSED;
  else if (r->fail != SF_FAIL_NONE || r->status >= 500 || r->status < 200)
    st = SF_STEP_UNKNOWN;
  else if (r->status >= 300)
    st = SF_STEP_REFUSED;
  else {
    st = SF_STEP_ANSWERED;
    answer_task_id(L, r->body.data ? r->body.data : "", r->body.len,
                   task_id, sizeof(task_id));
  }
  sf_journal_step_outcome(rt->journal, rt->run_id, c->step.key, st,
                          r->fail == SF_FAIL_NONE ? r->status : 0,
                          st == SF_STEP_ANSWERED ? r->body.data : NULL,
                          task_id[0] ? task_id : NULL);
}


static int request_k (lua_State *L, int status, lua_KContext ctx) {
  Call *c = (Call *)ctx;
  SfRuntime *rt = SF_RUNTIME(L);
  SfRequest *r = &c->req;
  int n = 3;
  (void)status;
  if (c->aborted)
    sf_task_check_cancel(L, c->task);
  if (c->journaled)
    record_outcome(L, rt, c);
  if (c->is_poll)
    sf_crashpoint("during_poll");
  if (r->fail != SF_FAIL_NONE) {
    /* only a call that never left us is certainly not charged */
    if (c->price > 0 && (r->fail == SF_FAIL_CONNECT ||
                         r->fail == SF_FAIL_TLS))
      sf_budget_release(rt, c->price);
    n = push_fail(L, fail_message(r), sf_fail_name(r->fail), 0);
  } else {
    if (c->price > 0 && r->status >= 400 && r->status < 500)
      sf_budget_release(rt, c->price);   /* refused: nothing charged */
    lua_pushinteger(L, r->status);
    lua_pushlstring(L, r->body.data ? r->body.data : "", r->body.len);
    lua_createtable(L, 0, 3);
    if (r->retry_after[0]) {
      lua_pushstring(L, r->retry_after);
      lua_setfield(L, -2, "retry_after");
    }
    lua_pushstring(L, r->content_type);
    lua_setfield(L, -2, "content_type");
    lua_pushinteger(L, c->price);
    lua_setfield(L, -2, "price");
    if (c->journaled) {
      lua_pushstring(L, c->step.key);
      lua_setfield(L, -2, "step");
    }
  }
  call_release(c);
  sf_task_check_cancel(L, c->task);
  return n;
}

/*
** Consult the journal before a paid call goes out. Returns 0 to send it
** (its intent recorded, to be committed before it leaves), or the number
** of results pushed: a replayed answer, or a failure.
*/
static int journal_before_send (lua_State *L, SfRuntime *rt, SfTask *t,
                                Call *c, const char *path, const char *text,
                                const char *retry_of) {
  SfStep s;
  int found;
  if (sf_step_identify(L, t, "POST", path, 3, retry_of, &c->step) != 0)
    return push_fail(L, "the request body cannot be journaled (a table "
                     "mixing list and string keys?)", "bad_request", 0);
  found = sf_journal_step_get(rt->journal, rt->run_id, c->step.key, &s);
  if (found == 1 && s.state == SF_STEP_ANSWERED) {
    sf_log_info("step %lld replayed from the journal: %s -> task %.8s",
                s.seq, s.summary, s.task_id);
    lua_pushinteger(L, s.status);
    lua_pushstring(L, s.response ? s.response : "{}");
    free(s.response);
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, 0);
    lua_setfield(L, -2, "price");
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "replayed");
    lua_pushstring(L, c->step.key);
    lua_setfield(L, -2, "step");
    return 3;
  }
  free(s.response);
  if (found == 1 && s.state != SF_STEP_REFUSED && !rt->resend_unknown) {
    lua_pushfstring(L, "step %I (%s) was sent before the run stopped and "
                    "its answer was lost: it may have been accepted and "
                    "charged. Check the account, then `sonicflow resume "
                    "--resend-unknown` to send it again",
                    (lua_Integer)s.seq, s.summary);
    return push_fail(L, lua_tostring(L, -1), "unknown", 0);
  }
  if (found == 0 && rt->resuming && !c->step.retry &&
      sf_journal_step_at(rt->journal, rt->run_id, c->step.position,
                         &s) == 1) {
    free(s.response);
    if (strcmp(s.hash, c->step.hash) != 0) {
      lua_pushfstring(L, "script changed since the run: step %I was %s, "
                      "now the script asks for %s; start a new run "
                      "instead of resuming", (lua_Integer)s.seq, s.summary,
                      c->step.summary);
      return push_fail(L, lua_tostring(L, -1), "changed", 0);
    }
  }
  return 0;
}

/* Record the intent of the identified call 'c'; it is held until the
** loop commits the journal. 0, or the number of failure results. */
static int journal_intent (lua_State *L, SfRuntime *rt, Call *c,
                           const char *text) {
  SfStep s;
  sf_crashpoint("before_intent");
  memset(&s, 0, sizeof(s));
  snprintf(s.hash, sizeof(s.hash), "%s", c->step.hash);
  snprintf(s.position, sizeof(s.position), "%s", c->step.position);
  snprintf(s.summary, sizeof(s.summary), "%s", c->step.summary);
  s.price = c->price;
  if (sf_journal_step_intent(rt->journal, rt->run_id, c->step.key, &s,
                             text) != 0)
    return push_fail(L, "cannot write the journal (disk full?); the call "
                     "was not sent", "journal", 0);
  c->journaled = c->held = 1;
  return 0;
}

/* Read body[task_type] without metamethods (what cjson will encode). */
static const char *raw_task_type (lua_State *L, int body) {
  const char *tt = NULL;
  if (lua_type(L, body) != LUA_TTABLE)
    return NULL;
  lua_pushliteral(L, "task_type");
  if (lua_rawget(L, body) == LUA_TSTRING)
    tt = lua_tostring(L, -1);   /* still referenced by 'body' */
  lua_pop(L, 1);
  return tt;
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

/*
** The body at 'body' encoded with webhook_url and webhook_secret added
** (--webhook-listen): a copy, so neither the step's identity nor the
** journaled request carries the secret. Pushes the text.
*/
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
** core.request(method, path, body, opts)
**   -> status, body_text, info | nil, message, kind
** 'path' is relative to the API prefix ("sonic/create"): the URL is built
** here, so the key can only ever go to the API host.
*/
static int core_request (lua_State *L) {
  static const char *const methods[] = {"GET", "POST", NULL};
  SfRuntime *rt = SF_RUNTIME(L);
  int m = luaL_checkoption(L, 1, NULL, methods);
  const char *path = luaL_checkstring(L, 2);
  lua_Number timeout = 60;
  const char *text = NULL, *url;
  size_t len = 0;
  long long price = 0;
  char retry_buf[80];
  const char *retry_of = NULL;
  SfTask *t;
  Call *c;
  int n;
  luaL_argcheck(L, path[0] != '/' && strstr(path, "..") == NULL, 2,
                "relative API path expected");
  if (!lua_isnoneornil(L, 3))
    luaL_checktype(L, 3, LUA_TTABLE);
  if (lua_istable(L, 4) && lua_getfield(L, 4, "timeout") != LUA_TNIL)
    timeout = luaL_checknumber(L, -1);
  if (lua_istable(L, 4) && lua_getfield(L, 4, "retry_of") == LUA_TSTRING) {
    snprintf(retry_buf, sizeof(retry_buf), "%s", lua_tostring(L, -1));
    retry_of = retry_buf;                 /* the same step, tried again */
  }
  lua_settop(L, 3);
  t = sf_task_current(L, "a sonic call");
  sf_task_check_cancel(L, t);
  if (!lua_isnil(L, 3))
    text = encode_body(L, 3, &len);        /* slot 4 */
  else
    lua_pushnil(L);
  url = lua_pushfstring(L, "%s%s", rt->api_prefix, path);   /* slot 5 */
  c = call_new(L);                          /* slot 6: kept while waiting */
  if (m == 1)
    price = sf_price(path, raw_task_type(L, 3));
  c->price = price;
  if (price > 0 && rt->journal != NULL &&
      (n = journal_before_send(L, rt, t, c, path, text, retry_of)) > 0)
    return n;                             /* replayed, or refused */
  if (price > 0 && sf_budget_reserve(rt, price) != 0) {
    lua_pushfstring(L, "this call costs %I credits and the run has "
                    "committed %I of its budget of %I", (lua_Integer)price,
                    (lua_Integer)rt->spent, (lua_Integer)rt->budget);
    return push_fail(L, lua_tostring(L, -1), "budget", 0);
  }
  if (price > 0 && rt->journal != NULL &&
      (n = journal_intent(L, rt, c, text)) > 0) {
    sf_budget_release(rt, price);
    return n;
  }
  if (m == 1 && rt->webhook_url != NULL && text != NULL &&
      strcmp(path, "sonic/create") == 0)
    text = with_webhook(L, rt, 3, &len);   /* slot 7; not journaled */
  if (sf_request_prepare(&c->req, &rt->http, methods[m], url,
                         m == 1 ? (text ? text : "{}") : NULL,
                         m == 1 ? (text ? len : 2) : 0, JSON_LIMIT) != 0) {
    if (price > 0)
      sf_budget_release(rt, price);
    if (c->journaled)                       /* it never left */
      sf_journal_step_outcome(rt->journal, rt->run_id, c->step.key,
                              SF_STEP_REFUSED, 0, NULL, NULL);
    return push_fail(L, c->req.errbuf, "network", 0);
  }
  if (c->journaled)
    snprintf(t->last_step, sizeof(t->last_step), "%s", c->step.key);
  c->is_poll = m == 0 && strncmp(path, "sonic/task/", 11) == 0;
  rt->polls += c->is_poll;
  c->req.with_auth = 1;
  c->req.fresh = (m == 1);   /* POSTs never ride a reused connection */
  c->req.connect_timeout_ms = 10000;
  c->req.total_timeout_ms = (long)(timeout * 1000);
  return call_start(L, t, c, request_k);
}

/* -------------------------------------------------------------- download */

/* Does the file start like audio we know? Returns a type name or NULL. */
static const char *sniff_audio (int fd) {
  unsigned char b[12];
  ssize_t n = pread(fd, b, sizeof(b), 0);
  if (n >= 3 && memcmp(b, "ID3", 3) == 0)
    return "mp3";
  if (n >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0)
    return "mp3";
  if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WAVE", 4) == 0)
    return "wav";
  if (n >= 4 && memcmp(b, "fLaC", 4) == 0)
    return "flac";
  if (n >= 4 && memcmp(b, "OggS", 4) == 0)
    return "ogg";
  if (n >= 8 && memcmp(b + 4, "ftyp", 4) == 0)
    return "mp4";
  return NULL;
}

/* fsync the directory holding 'path', so the rename itself is durable. */
static void sync_parent_dir (const char *path) {
  char *copy = strdup(path);
  int dfd;
  if (copy == NULL)
    return;
  dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  free(copy);
}

/* Push the download failure results, with what a retry needs to resume:
** nil, msg, kind, status, {etag, last_modified, partial}. A failure worth
** resuming keeps its .part when the caller asked for that. */
static int download_fail (lua_State *L, Call *c, const char *msg,
                          const char *kind, int resumable) {
  SfRequest *r = &c->req;
  const char *validator = r->etag[0] ? r->etag : r->last_modified;
  luaL_pushfail(L);
  lua_pushstring(L, msg);
  lua_pushstring(L, kind);
  lua_pushinteger(L, r->status);
  lua_createtable(L, 0, 2);
  if (resumable && validator[0] && r->written + r->resume_from > 0 &&
      c->keep_part) {
    lua_pushstring(L, validator);
    lua_setfield(L, -2, "validator");
    lua_pushinteger(L, (r->restarted ? 0 : r->resume_from) + r->written);
    lua_setfield(L, -2, "partial");
  } else {
    c->keep_part = 0;           /* nothing to resume from: drop it */
  }
  return 5;
}

/* Is the 206 the continuation we asked for? */
static int range_matches (SfRequest *r) {
  long long first, last, total;
  if (sf_parse_content_range(r->content_range, &first, &last, &total) != 0)
    return 0;
  return first == r->resume_from && last - first + 1 == r->written &&
         (total < 0 || total == last + 1);
}

/* Check the finished transfer of 'c'; on success the .part file becomes
** the final file. Pushes the Lua results. */
static int download_finish (lua_State *L, SfRuntime *rt, Call *c) {
  SfRequest *r = &c->req;
  long long size = (r->restarted ? 0 : r->resume_from) + r->written;
  const char *kind;
  if (r->fail != SF_FAIL_NONE)
    return download_fail(L, c, fail_message(r), sf_fail_name(r->fail),
                         r->fail != SF_FAIL_WRITE);
  if (r->status == 206 && !(r->resume_from > 0 && range_matches(r)))
    return download_fail(L, c, "the server answered a different range "
                         "than the one asked for", "truncated", 0);
  if (r->status != 200 && r->status != 206) {
    lua_pushfstring(L, "HTTP %d while downloading (%s)", (int)r->status,
                    r->content_type[0] ? r->content_type : "no content type");
    return download_fail(L, c, lua_tostring(L, -1), "http", 0);
  }
  if (r->content_length >= 0 && r->written != r->content_length) {
    lua_pushfstring(L, "truncated download: got %I of %I bytes",
                    (lua_Integer)r->written, (lua_Integer)r->content_length);
    return download_fail(L, c, lua_tostring(L, -1), "truncated", 1);
  }
  if ((kind = sniff_audio(c->fd)) == NULL) {
    lua_pushfstring(L, "the server sent something that is not audio "
                    "(%s, %I bytes)", r->content_type[0] ? r->content_type
                    : "no content type", (lua_Integer)size);
    return download_fail(L, c, lua_tostring(L, -1), "not_audio", 0);
  }
  if (fsync(c->fd) != 0 || rename(c->part_path, c->dest_path) != 0) {
    lua_pushfstring(L, "cannot save '%s': %s", c->dest_path,
                    strerror(errno));
    return download_fail(L, c, lua_tostring(L, -1), "write", 0);
  }
  c->renamed = 1;
  sync_parent_dir(c->dest_path);
  sf_crashpoint("after_rename");
  if (rt->journal != NULL && c->source != NULL) {
    char sum[40];
    sf_xxh64_format(sf_xxh64_final(&r->xxh), sum);
    sf_journal_download_put(rt->journal, rt->run_id, c->source,
                            c->dest_path, size, sum);
  }
  lua_pushstring(L, c->dest_path);
  lua_pushinteger(L, size);
  lua_pushstring(L, kind);
  return 3;
}

/* Open the .part for 'c': appended to when resuming from a validator
** (its bytes hashed again), else truncated. Returns the fd or -1. */
static int open_part (lua_State *L, Call *c, const char *validator) {
  SfRequest *r = &c->req;
  struct stat st;
  char range[64], line[300];
  unsigned char buf[65536];
  ssize_t n;
  sf_xxh64_init(&r->xxh);
  if (validator != NULL && stat(c->part_path, &st) == 0 && st.st_size > 0) {
    int fd = open(c->part_path, O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
      while ((n = read(fd, buf, sizeof(buf))) > 0)   /* at the end now */
        sf_xxh64_update(&r->xxh, buf, (size_t)n);
      r->resume_from = (long long)st.st_size;
      snprintf(range, sizeof(range), "Range: bytes=%lld-", r->resume_from);
      snprintf(line, sizeof(line), "If-Range: %s", validator);
      if (sf_request_add_header(r, range) != 0 ||
          sf_request_add_header(r, line) != 0)
        luaL_error(L, "not enough memory");
      return fd;
    }
  }
  return open(c->part_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static int download_k (lua_State *L, int status, lua_KContext ctx) {
  Call *c = (Call *)ctx;
  int n;
  (void)status;
  if (c->aborted)
    sf_task_check_cancel(L, c->task);
  n = download_finish(L, SF_RUNTIME(L), c);
  call_release(c);                /* closes the file; drops a bad .part */
  sf_task_check_cancel(L, c->task);
  return n;
}

/*
** core.download(url, dest, opts) -> path, bytes, type | nil, msg, kind
** Streams to "<dest>.part", checks status, length and magic bytes, then
** fsyncs and renames. Never sends the API key.
*/
static int core_download (lua_State *L) {
  SfRuntime *rt = SF_RUNTIME(L);
  const char *url = luaL_checkstring(L, 1);
  const char *dest = luaL_checkstring(L, 2);
  const char *validator = NULL;
  SfTask *t;
  Call *c;
  luaL_argcheck(L, strncmp(url, "http://", 7) == 0 ||
                strncmp(url, "https://", 8) == 0, 1, "http(s) URL expected");
  luaL_argcheck(L, !rt->untrusted || (dest[0] != '/' &&
                strstr(dest, "..") == NULL), 2, "in --sandbox-script mode "
                "files go below the working directory only");
  t = sf_task_current(L, "sonic.download");
  sf_task_check_cancel(L, t);
  lua_settop(L, 3);
  c = call_new(L);                                  /* slot 4 */
  if ((c->dest_path = strdup(dest)) == NULL ||
      (c->part_path = malloc(strlen(dest) + 6)) == NULL)
    return luaL_error(L, "not enough memory");
  sprintf(c->part_path, "%s.part", dest);
  if (lua_istable(L, 3)) {
    if (lua_getfield(L, 3, "source") == LUA_TSTRING &&
        (c->source = strdup(lua_tostring(L, -1))) == NULL)
      return luaL_error(L, "not enough memory");
    if (lua_getfield(L, 3, "resume") == LUA_TSTRING)
      validator = lua_tostring(L, -1);              /* anchored in opts */
    lua_getfield(L, 3, "keep_part");
    c->keep_part = lua_toboolean(L, -1);
  }
  if (sf_request_prepare(&c->req, &rt->http, "GET", url, NULL, 0,
                         ERROR_BODY_LIMIT) != 0)
    return push_fail(L, c->req.errbuf, "network", 0);
  c->fd = open_part(L, c, validator);
  if (c->fd < 0) {
    lua_pushfstring(L, "cannot write '%s': %s", c->part_path,
                    strerror(errno));
    free(c->part_path);                 /* nothing of ours to unlink */
    c->part_path = NULL;
    return push_fail(L, lua_tostring(L, -1), "write", 0);
  }
  c->req.download_fd = c->fd;
  c->req.checksum = 1;
  c->req.connect_timeout_ms = 15000;
  c->req.low_speed_bytes = 1024;       /* slower than 1 KiB/s for 30 s: */
  c->req.low_speed_secs = 30;          /* the transfer is stuck */
  sf_progress_download(c, c->dest_path, &c->req);
  return call_start(L, t, c, download_k);
}

/* ------------------------------------------------------ journaled files */

/* Does the file at 'path' hold 'bytes' bytes with checksum 'sum'? */
static int file_matches (const char *path, long long bytes,
                         const char *sum) {
  uint64_t h;
  long long n;
  char got[40];
  if (sf_xxh64_file(path, &h, &n) != 0 || n != bytes)
    return 0;
  sf_xxh64_format(h, got);
  return strcmp(got, sum) == 0;
}

/* core.recorded_download(source, dest) -> bytes | nil
** A verified download of this run whose file is still intact. */
static int core_recorded_download (lua_State *L) {
  SfRuntime *rt = SF_RUNTIME(L);
  const char *source = luaL_checkstring(L, 1);
  const char *dest = luaL_checkstring(L, 2);
  long long bytes;
  char sum[40];
  if (rt->journal != NULL &&
      sf_journal_download_get(rt->journal, rt->run_id, source, dest, &bytes,
                              sum) == 1 && file_matches(dest, bytes, sum)) {
    lua_pushinteger(L, bytes);
    return 1;
  }
  luaL_pushfail(L);
  return 1;
}

/* core.adopt_download(source, dest) -> bytes | nil
** A complete audio file already at 'dest' (saved just before a crash,
** before its journal record): record it instead of fetching it again. */
static int core_adopt_download (lua_State *L) {
  SfRuntime *rt = SF_RUNTIME(L);
  const char *source = luaL_checkstring(L, 1);
  const char *dest = luaL_checkstring(L, 2);
  uint64_t h;
  long long bytes;
  char sum[40];
  int fd = open(dest, O_RDONLY | O_CLOEXEC), audio;
  if (fd < 0) {
    luaL_pushfail(L);
    return 1;
  }
  audio = sniff_audio(fd) != NULL;
  close(fd);
  if (!audio || rt->journal == NULL || sf_xxh64_file(dest, &h, &bytes) != 0) {
    luaL_pushfail(L);
    return 1;
  }
  sf_xxh64_format(h, sum);
  sf_journal_download_put(rt->journal, rt->run_id, source, dest, bytes, sum);
  lua_pushinteger(L, bytes);
  return 1;
}

static int head_k (lua_State *L, int status, lua_KContext ctx) {
  Call *c = (Call *)ctx;
  int n = 2;
  (void)status;
  if (c->aborted)
    sf_task_check_cancel(L, c->task);
  if (c->req.fail != SF_FAIL_NONE)
    n = push_fail(L, fail_message(&c->req), sf_fail_name(c->req.fail), 0);
  else {
    lua_pushinteger(L, c->req.status);
    lua_pushinteger(L, c->req.content_length);
  }
  call_release(c);
  sf_task_check_cancel(L, c->task);
  return n;
}

/* core.head(url) -> status, content_length | nil, msg, kind (no key) */
static int core_head (lua_State *L) {
  SfRuntime *rt = SF_RUNTIME(L);
  const char *url = luaL_checkstring(L, 1);
  SfTask *t;
  Call *c;
  luaL_argcheck(L, strncmp(url, "http://", 7) == 0 ||
                strncmp(url, "https://", 8) == 0, 1, "http(s) URL expected");
  t = sf_task_current(L, "sonic.download");
  sf_task_check_cancel(L, t);
  lua_settop(L, 1);
  c = call_new(L);
  if (sf_request_prepare(&c->req, &rt->http, "HEAD", url, NULL, 0,
                         ERROR_BODY_LIMIT) != 0)
    return push_fail(L, c->req.errbuf, "network", 0);
  c->req.connect_timeout_ms = 15000;
  c->req.total_timeout_ms = 60000;
  return call_start(L, t, c, head_k);
}

/* core.last_step() -> the journal key of this task's last paid call */
static int core_last_step (lua_State *L) {
  SfTask *t = sf_task_current(L, "core.last_step");
  if (t->last_step[0] == '\0')
    luaL_pushfail(L);
  else
    lua_pushstring(L, t->last_step);
  return 1;
}

/* core.record_task(id, body): a terminal task status, for resumes. */
static int core_record_task (lua_State *L) {
  SfRuntime *rt = SF_RUNTIME(L);
  const char *id = luaL_checkstring(L, 1);
  const char *body = luaL_checkstring(L, 2);
  if (rt->journal != NULL)
    sf_journal_task_put(rt->journal, rt->run_id, id, body);
  return 0;
}

/* core.recorded_task(id) -> body | nil */
static int core_recorded_task (lua_State *L) {
  SfRuntime *rt = SF_RUNTIME(L);
  const char *id = luaL_checkstring(L, 1);
  char *body = rt->journal != NULL && rt->resuming
               ? sf_journal_task_get(rt->journal, rt->run_id, id) : NULL;
  if (body == NULL) {
    luaL_pushfail(L);
    return 1;
  }
  lua_pushstring(L, body);
  free(body);
  return 1;
}

/* ------------------------------------------------------------- register */

int luaopen_cjson_safe (lua_State *L);

static const luaL_Reg call_meta[] = {
  {"__gc", call_gc},
  {"__close", call_gc},
  {NULL, NULL}
};

static const luaL_Reg http_funcs[] = {
  {"request", core_request},
  {"download", core_download},
  {"head", core_head},
  {"recorded_download", core_recorded_download},
  {"adopt_download", core_adopt_download},
  {"last_step", core_last_step},
  {"record_task", core_record_task},
  {"recorded_task", core_recorded_task},
  {NULL, NULL}
};

void sf_open_http_funcs (lua_State *L, SfRuntime *rt) {
  luaL_newmetatable(L, CALL_MT);
  luaL_setfuncs(L, call_meta, 0);
  lua_pop(L, 1);
  lua_pushcfunction(L, luaopen_cjson_safe);     /* a private instance */
  lua_call(L, 0, 1);
  lua_getfield(L, -1, "encode");
  lua_rawsetp(L, LUA_REGISTRYINDEX, &ENCODE_KEY);
  lua_pop(L, 1);
  lua_pushlightuserdata(L, rt);
  luaL_setfuncs(L, http_funcs, 1);
}
