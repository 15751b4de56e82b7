/* test_lua_pool.c -- runtime/lua_pool.c: slots reused by class, contents
** kept across every kind of resize (slot to slot, slot to malloc and
** back), large objects left to malloc, a whole Lua state served by the
** pool (tables, strings, closures, coroutines, a full GC), the memory
** limit still applied through sf_limits_newstate, and every slab given
** back. Under ASan a write past a slab's end is caught here. */
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include <lualib.h>
#include "check.h"
#include "lua_limits.h"
#include "lua_pool.h"

static void fill (unsigned char *p, size_t n, unsigned seed) {
  size_t i;
  for (i = 0; i < n; i++)
    p[i] = (unsigned char)(seed + i * 7);
}

static int same (const unsigned char *p, size_t n, unsigned seed) {
  size_t i;
  for (i = 0; i < n; i++)
    if (p[i] != (unsigned char)(seed + i * 7))
      return 0;
  return 1;
}

static void test_slots (void) {
  SfLuaPool p;
  unsigned char *a, *b, *c, *big;
  sf_lua_pool_init(&p, SF_LUA_POOL_MAX);
  a = sf_lua_pool_alloc(&p, NULL, 5 /* a type tag */, 20);
  CHECK(a != NULL && p.slab_count == 1);
  fill(a, 20, 1);
  /* within its class (17..32 bytes) a resize keeps the slot */
  CHECK(sf_lua_pool_alloc(&p, a, 20, 30) == a && same(a, 20, 1));
  /* a freed slot is the next one of its class */
  CHECK(sf_lua_pool_alloc(&p, a, 30, 0) == NULL);
  b = sf_lua_pool_alloc(&p, NULL, 0, 25);
  CHECK(b == a);
  fill(b, 25, 2);
  /* to another class, then past the pool to malloc, then back: the
  ** bytes both sizes have are kept each time */
  c = sf_lua_pool_alloc(&p, b, 25, 200);
  CHECK(c != NULL && c != b && same(c, 25, 2));
  fill(c, 200, 3);
  big = sf_lua_pool_alloc(&p, c, 200, 5000);
  CHECK(big != NULL && same(big, 200, 3));
  fill(big, 5000, 4);
  big = sf_lua_pool_alloc(&p, big, 5000, 9000);     /* malloc to malloc */
  CHECK(big != NULL && same(big, 5000, 4));
  c = sf_lua_pool_alloc(&p, big, 9000, 100);
  CHECK(c != NULL && same(c, 100, 4));
  /* the 200-byte slot freed on the way is reused by its class */
  CHECK(sf_lua_pool_alloc(&p, NULL, 0, 199) != NULL);
  CHECK(sf_lua_pool_alloc(&p, c, 100, 0) == NULL);
  /* large objects never take slab space */
  {
    size_t before = p.slab_count;
    int i;
    void *v[40];
    for (i = 0; i < 40; i++)
      CHECK((v[i] = sf_lua_pool_alloc(&p, NULL, 0, 4096)) != NULL);
    CHECK(p.slab_count == before);
    for (i = 0; i < 40; i++)
      sf_lua_pool_alloc(&p, v[i], 4096, 0);
  }
  /* many small objects: new slabs as they fill, all intact */
  {
    enum { N = 20000 };
    unsigned char **v = malloc(N * sizeof(*v));
    int i, ok = 1;
    for (i = 0; v != NULL && i < N; i++) {
      size_t n = 1 + (size_t)(i * 37) % SF_LUA_POOL_MAX;
      if ((v[i] = sf_lua_pool_alloc(&p, NULL, 0, n)) == NULL) {
        ok = 0;
        break;
      }
      fill(v[i], n, (unsigned)i);
    }
    CHECK(ok && p.slab_count > 20);
    for (i = 0; v != NULL && ok && i < N; i++) {
      size_t n = 1 + (size_t)(i * 37) % SF_LUA_POOL_MAX;
      ok = same(v[i], n, (unsigned)i);
      sf_lua_pool_alloc(&p, v[i], n, 0);
    }
    CHECK(ok);
    free(v);
  }
  sf_lua_pool_release(&p);
  CHECK(p.slabs == NULL && p.slab_count == 0 && p.max == SF_LUA_POOL_MAX);
}

/* max 0: the pool is only malloc */
static void test_unpooled (void) {
  SfLuaPool p;
  void *a;
  sf_lua_pool_init(&p, 0);
  a = sf_lua_pool_alloc(&p, NULL, 0, 16);
  CHECK(a != NULL && p.slab_count == 0);
  a = sf_lua_pool_alloc(&p, a, 16, 32);
  CHECK(a != NULL && p.slab_count == 0);
  sf_lua_pool_alloc(&p, a, 32, 0);
  sf_lua_pool_release(&p);
}

static void *pool_alloc (void *ud, void *ptr, size_t osize, size_t nsize) {
  return sf_lua_pool_alloc((SfLuaPool *)ud, ptr, osize, nsize);
}

static const char script[] =
  "local t, n = {}, 0\n"
  "for i = 1, 20000 do\n"
  "  t[i] = { id = 'clip-' .. i, tags = { 'lo-fi', i % 7 } }\n"
  "end\n"
  "for i = 1, 20000, 2 do t[i] = nil end\n"
  "collectgarbage()\n"
  "local co = {}\n"
  "for i = 1, 500 do\n"
  "  co[i] = coroutine.wrap(function (a) local b = coroutine.yield(a + 1)"
  " return a + b end)\n"
  "  n = n + co[i](i)\n"
  "end\n"
  "for i = 1, 500 do n = n + co[i](1) end\n"
  "local s = string.rep('x', 100000) .. 'end'\n"
  "collectgarbage()\n"
  "return n, t[20000].id, #s, t[19999] == nil\n";

static void test_lua_state (void) {
  SfLuaPool p;
  lua_State *L;
  sf_lua_pool_init(&p, SF_LUA_POOL_MAX);
  L = lua_newstate(pool_alloc, &p);
  CHECK(L != NULL);
  if (L == NULL)
    return;
  luaL_openlibs(L);
  CHECK(luaL_dostring(L, script) == LUA_OK);
  /* sum of (i + 1) and (i + 1) over 1..500 */
  CHECK(lua_tointeger(L, 1) == 2 * (500 * 501 / 2 + 500));
  CHECK(lua_tostring(L, 2) != NULL &&
        strcmp(lua_tostring(L, 2), "clip-20000") == 0);
  CHECK(lua_tointeger(L, 3) == 100003 && lua_toboolean(L, 4));
  CHECK(p.slab_count > 0);
  lua_close(L);
  sf_lua_pool_release(&p);
  CHECK(p.slab_count == 0);
}

/* the state the host makes: pooled where not under ASan, and the memory
** cap still refuses growth past it */
static void test_limits_state (void) {
  SfLimits lim;
  lua_State *L;
  memset(&lim, 0, sizeof(lim));
  lim.memory = 4u << 20;
  L = sf_limits_newstate(&lim);
  CHECK(L != NULL);
  if (L == NULL)
    return;
  luaL_openlibs(L);
  CHECK(luaL_dostring(L, "local t = {} for i = 1, 1e6 do t[i] = {i} end")
        != LUA_OK);
  CHECK(strstr(lua_tostring(L, -1), "not enough memory") != NULL);
  lua_pop(L, 1);
  CHECK(luaL_dostring(L, "return #string.rep('y', 1000)") == LUA_OK &&
        lua_tointeger(L, -1) == 1000);
  CHECK(lim.used > 0 && lim.used <= lim.memory);
  sf_limits_close(L, &lim);
  CHECK(lim.pool.slab_count == 0);
}

int main (void) {
  test_slots();
  test_unpooled();
  test_lua_state();
  test_limits_state();
  return CHECK_DONE();
}
