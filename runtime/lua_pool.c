/*
** lua_pool.c -- Lua's small objects from slabs (see lua_pool.h).
*/
#include <stdlib.h>
#include <string.h>
#include "lua_pool.h"

/* A slab's head: the link to the slab made before it. 16 bytes, so the
** slots after it keep malloc's alignment. */
typedef union SlabHead {
  void *older;
  max_align_t align;
} SlabHead;

void sf_lua_pool_init (SfLuaPool *p, size_t max) {
  memset(p, 0, sizeof(*p));
  p->max = max > SF_LUA_POOL_MAX ? SF_LUA_POOL_MAX : max;
}

/* The class of a pooled size (1 .. max): 0 holds 16 bytes, 1 32, ... */
static size_t class_of (size_t size) {
  return (size - 1) / SF_LUA_POOL_STEP;
}

static void *slot_take (SfLuaPool *p, size_t c) {
  size_t bytes = (c + 1) * SF_LUA_POOL_STEP;
  void *s = p->free[c];
  if (s != NULL) {
    p->free[c] = *(void **)s;
    return s;
  }
  if (p->left < bytes) {         /* a new slab; the old one's tail stays */
    SlabHead *h = malloc(SF_LUA_POOL_SLAB);
    if (h == NULL)
      return NULL;
    h->older = p->slabs;
    p->slabs = h;
    p->slab_count++;
    p->next = (char *)(h + 1);
    p->left = SF_LUA_POOL_SLAB - sizeof(*h);
  }
  s = p->next;
  p->next += bytes;
  p->left -= bytes;
  return s;
}

static void slot_give (SfLuaPool *p, void *s, size_t c) {
  *(void **)s = p->free[c];
  p->free[c] = s;
}

void *sf_lua_pool_alloc (SfLuaPool *p, void *ptr, size_t osize,
                         size_t nsize) {
  int old_small, new_small;
  void *n;
  if (ptr == NULL)
    osize = 0;
  old_small = osize != 0 && osize <= p->max;
  new_small = nsize != 0 && nsize <= p->max;
  if (nsize == 0) {
    if (old_small)
      slot_give(p, ptr, class_of(osize));
    else
      free(ptr);
    return NULL;
  }
  if (ptr == NULL)
    return new_small ? slot_take(p, class_of(nsize)) : malloc(nsize);
  if (old_small && new_small && class_of(osize) == class_of(nsize))
    return ptr;                  /* the slot already fits */
  if (!old_small && !new_small)
    return realloc(ptr, nsize);
  /* between a slot and a malloc block, or two classes: move it */
  n = new_small ? slot_take(p, class_of(nsize)) : malloc(nsize);
  if (n == NULL)
    return NULL;
  memcpy(n, ptr, osize < nsize ? osize : nsize);
  if (old_small)
    slot_give(p, ptr, class_of(osize));
  else
    free(ptr);
  return n;
}

void sf_lua_pool_release (SfLuaPool *p) {
  while (p->slabs != NULL) {
    SlabHead *h = p->slabs;
    p->slabs = h->older;
    free(h);
  }
  sf_lua_pool_init(p, p->max);
}
