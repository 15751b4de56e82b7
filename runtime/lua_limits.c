/*
** lua_limits.c -- memory and instruction limits (see lua_limits.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <lauxlib.h>
#include "lua_limits.h"
#include "task.h"

#define HOOK_STEP 10000      /* instructions between two hook calls */

static const char LIMITS_KEY = 0;   /* registry: the SfLimits */

/* lua_Alloc: refuses to grow past 'memory' (a failure Lua reports as
** "not enough memory"); frees and shrinks always succeed. */
static void *limited_alloc (void *ud, void *ptr, size_t osize,
                            size_t nsize) {
  SfLimits *lim = (SfLimits *)ud;
  void *p;
  if (ptr == NULL)
    osize = 0;                  /* osize encodes the object type then */
  if (nsize == 0) {
    sf_lua_pool_alloc(&lim->pool, ptr, osize, 0);
    lim->used -= osize;
    return NULL;
  }
  if (lim->memory != 0 && nsize > osize &&
      lim->used - osize + nsize > lim->memory)
    return NULL;
  if ((p = sf_lua_pool_alloc(&lim->pool, ptr, osize, nsize)) == NULL)
    return NULL;
  lim->used = lim->used - osize + nsize;
  return p;
}

static int panic (lua_State *L) {
  /* only a string is read: converting anything else could raise again */
  const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                    : NULL;
  fprintf(stderr, "sonicflow: unprotected Lua error: %s\n",
          msg ? msg : "(not a string)");
  return 0;                     /* Lua aborts the process */
}

/* Under AddressSanitizer every Lua object stays a malloc block of its
** own, so a C binding that writes past a userdata is still caught; the
** pool itself is checked there by its unit test. */
#if defined(__SANITIZE_ADDRESS__)
#define POOLED_MAX 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define POOLED_MAX 0
#endif
#endif
#ifndef POOLED_MAX
#define POOLED_MAX SF_LUA_POOL_MAX
#endif

lua_State *sf_limits_newstate (SfLimits *lim) {
  lua_State *L;
  sf_lua_pool_init(&lim->pool, POOLED_MAX);
  if ((L = lua_newstate(limited_alloc, lim)) == NULL)
    sf_lua_pool_release(&lim->pool);
  else
    lua_atpanic(L, panic);
  return L;
}

void sf_limits_close (lua_State *L, SfLimits *lim) {
  lua_close(L);
  sf_lua_pool_release(&lim->pool);
}

static void count_hook (lua_State *L, lua_Debug *ar) {
  SfLimits *lim;
  (void)ar;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &LIMITS_KEY);
  lim = (SfLimits *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (lim == NULL)
    return;
  lim->instructions += HOOK_STEP;
  if (lim->instructions > lim->max_instructions) {
    lim->exceeded = 1;
    lua_sethook(L, count_hook, LUA_MASKCOUNT, 1);   /* every instruction */
    luaL_error(L, "instruction budget exceeded (--instruction-limit %I)",
               (lua_Integer)lim->max_instructions);
  }
}

void sf_limits_register (lua_State *L, SfLimits *lim) {
  lua_pushlightuserdata(L, lim);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &LIMITS_KEY);
}

void sf_limits_watch (lua_State *L, SfLimits *lim) {
  sf_limits_register(L, lim);
  if (lim->max_instructions > 0)
    lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
}

/* Set by sf_limits_interrupt on the thread that was running: raises
** "cancelled" inside it, where the script's Lua code is. */
static void interrupt_hook (lua_State *L, lua_Debug *ar) {
  SfLimits *lim;
  (void)ar;
  lua_rawgetp(L, LUA_REGISTRYINDEX, &LIMITS_KEY);
  lim = (SfLimits *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  if (lim == NULL) {                /* not registered: never stay armed */
    lua_sethook(L, NULL, 0, 0);
    return;
  }
  if (lim->interrupt < 2) {         /* once: then the usual hook again */
    if (lim->max_instructions > 0 && !lim->exceeded)
      lua_sethook(L, count_hook, LUA_MASKCOUNT, HOOK_STEP);
    else if (!lim->exceeded)
      lua_sethook(L, NULL, 0, 0);
  }
  sf_push_error(L, SF_KIND_CANCELLED, lim->interrupt < 2
                ? "interrupted: the script was stopped by a signal"
                : "interrupted again: stopping at once");
  lua_error(L);
}

void sf_limits_interrupt (lua_State *L, SfLimits *lim, int count) {
  lim->interrupt = count;
  lua_sethook(L, interrupt_hook, LUA_MASKCOUNT, 1);
}
