/*
** sonic_steps.c -- paid calls as journal steps (see runtime/journal.h).
**
** Before a paid POST is sent, its step is identified here: the SHA-256 of its
** canonical form (method, path, body with sorted keys) plus how many
** times the same request occurred before in this run. A resumed run asks
** the journal first: an answered step is replayed from the record, an
** unknown one is refused (unless --resend-unknown), a new one is sent.
** The step's position -- the spawn path of the task and the index of the
** call in that task -- must hold the same request as last time, or the
** script changed since the run.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include "bindings.h"
#include "buf.h"
#include "endpoints.h"
#include "sha256.h"
#include "step_identity.h"
#include "task.h"

static const char OCC_KEY = 0;  /* registry: {[hash] = occurrences} */

/* ------------------------------------------------------- canonical JSON */

static int canon_value (lua_State *L, int idx, SfBuf *b, int depth);

static int cmp_str (const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* An object with its string keys sorted; -1 for a key of another type. */
static int canon_object (lua_State *L, int t, SfBuf *b, int depth) {
  const char **keys = NULL;
  size_t n = 0, cap = 0, i;
  int rc = 0;
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {                 /* key value */
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TSTRING || (n == cap &&
        (keys = realloc(keys, (cap = cap ? cap * 2 : 16) * sizeof(*keys)))
        == NULL)) {
      lua_pop(L, 1);
      free(keys);
      return -1;
    }
    keys[n++] = lua_tostring(L, -1);            /* anchored by the table */
  }
  if (n > 1)
    qsort(keys, n, sizeof(*keys), cmp_str);
  rc = sf_buf_append(b, "{", 1);
  for (i = 0; i < n && rc == 0; i++) {
    rc = (i ? sf_buf_append(b, ",", 1) : 0) ||
         sf_buf_append_json_string(b, keys[i], strlen(keys[i])) ||
         sf_buf_append(b, ":", 1);
    lua_getfield(L, t, keys[i]);
    rc = rc || canon_value(L, lua_gettop(L), b, depth + 1);
    lua_pop(L, 1);
  }
  free(keys);
  return rc ? -1 : sf_buf_append(b, "}", 1);
}

static int canon_value (lua_State *L, int idx, SfBuf *b, int depth) {
  char num[64];
  size_t len;
  const char *s;
  if (depth > 64 || !lua_checkstack(L, 4))
    return -1;
  switch (lua_type(L, idx)) {
    case LUA_TSTRING:
      s = lua_tolstring(L, idx, &len);
      return sf_buf_append_json_string(b, s, len);
    case LUA_TNUMBER:
      if (lua_isinteger(L, idx))
        snprintf(num, sizeof(num), LUA_INTEGER_FMT, lua_tointeger(L, idx));
      else
        snprintf(num, sizeof(num), "%.17g", lua_tonumber(L, idx));
      return sf_buf_append(b, num, strlen(num));
    case LUA_TBOOLEAN:
      return lua_toboolean(L, idx) ? sf_buf_append(b, "true", 4)
                                   : sf_buf_append(b, "false", 5);
    case LUA_TLIGHTUSERDATA:                    /* cjson.null */
    case LUA_TNIL:
      return sf_buf_append(b, "null", 4);
    case LUA_TTABLE: {
      lua_Integer i, n = (lua_Integer)lua_rawlen(L, idx);
      int rc;
      if (n == 0)
        return canon_object(L, lua_absindex(L, idx), b, depth);
      rc = sf_buf_append(b, "[", 1);
      for (i = 1; i <= n && rc == 0; i++) {
        rc = i > 1 ? sf_buf_append(b, ",", 1) : 0;
        lua_rawgeti(L, idx, i);
        rc = rc || canon_value(L, lua_gettop(L), b, depth + 1);
        lua_pop(L, 1);
      }
      return rc ? -1 : sf_buf_append(b, "]", 1);
    }
    default:
      return -1;
  }
}

/* A short description of a request for messages and the cost table. */
static void summarize (lua_State *L, int body, const char *path, char *out,
                       size_t n) {
  const char *detail = "", *tt = NULL;
  char what[64];
  if (lua_istable(L, body)) {
    lua_getfield(L, body, "task_type");
    if (lua_isstring(L, -1))
      tt = lua_tostring(L, -1);   /* the body still anchors the string */
    lua_pop(L, 1);
  }
  sf_endpoint_kind(path, tt, what, sizeof(what));
  if (lua_istable(L, body)) {
    static const char *const fields[] = {"tags", "title",
      "gpt_description_prompt", "continue_clip_id", "clip_id", "url", NULL};
    for (int i = 0; fields[i] && !*detail; i++) {
      lua_getfield(L, body, fields[i]);
      if (lua_isstring(L, -1))
        detail = lua_tostring(L, -1);
      lua_pop(L, 1);            /* the body still anchors the string */
    }
  }
  snprintf(out, n, "%s%s%.60s%s", what, *detail ? " \"" : "", detail,
           *detail ? "\"" : "");
}

/* ---------------------------------------------------------------- steps */

int sf_step_identify (lua_State *L, SfTask *t, const char *method,
                      const char *path, int body, SfStepId *id) {
  SfBuf b;
  unsigned char digest[SF_SHA256_LEN];
  int rc;
  memset(id, 0, sizeof(*id));
  sf_buf_init(&b, 0);
  rc = sf_buf_append(&b, method, strlen(method)) ||
       sf_buf_append(&b, " ", 1) || sf_buf_append(&b, path, strlen(path)) ||
       sf_buf_append(&b, " ", 1) || canon_value(L, body, &b, 0);
  if (rc == 0)
    sf_sha256(b.data, b.len, digest);
  sf_buf_free(&b);
  if (rc != 0)
    return -1;
  sf_sha256_hex(digest, id->hash);
  summarize(L, body, path, id->summary, sizeof(id->summary));
  lua_rawgetp(L, LUA_REGISTRYINDEX, &OCC_KEY);   /* occurrences */
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &OCC_KEY);
  }
  lua_getfield(L, -1, id->hash);
  id->occurrence = (int)lua_tointeger(L, -1) + 1;
  lua_pop(L, 1);
  lua_pushinteger(L, id->occurrence);
  lua_setfield(L, -2, id->hash);
  lua_pop(L, 1);
  snprintf(id->key, sizeof(id->key), "%s#%d", id->hash, id->occurrence);
  snprintf(id->position, sizeof(id->position), "%s/%d", t->path,
           ++t->steps);
  return 0;
}
