/*
** lua_pool.h -- Lua's small objects from slabs, one free list per size.
**
** Lua frees and reallocates with the old size in hand, so a slot needs no
** header, and a state is used by one thread only, so a pool needs no lock.
** Objects up to SF_LUA_POOL_MAX bytes (tables, closures, short strings,
** coroutines' small parts) come from 64 KiB slabs in 16-byte classes;
** anything larger goes to malloc. Why: with thousands of workflows in
** flight, glibc's bins walk a fragmented heap on every small allocation
** that misses its per-thread cache, and Lua made ~220 such calls per
** workflow (docs/performance.md). Slabs go back to malloc only with the
** pool: freed slots wait for the next object of their class.
*/
#ifndef SF_LUA_POOL_H
#define SF_LUA_POOL_H

#include <stddef.h>

#define SF_LUA_POOL_MAX 256        /* bytes: the largest pooled object */
#define SF_LUA_POOL_STEP 16        /* the classes: 16, 32, ... 256 bytes */
#define SF_LUA_POOL_CLASSES (SF_LUA_POOL_MAX / SF_LUA_POOL_STEP)
#define SF_LUA_POOL_SLAB (64 * 1024)

typedef struct SfLuaPool {
  size_t max;                      /* pooled up to here; 0: all to malloc */
  void *free[SF_LUA_POOL_CLASSES]; /* per class: freed slots, linked */
  char *next;                      /* the newest slab's unused part */
  size_t left;                     /*   and its size */
  void *slabs;                     /* every slab, linked through its head */
  size_t slab_count;
} SfLuaPool;

/* Pool up to 'max' bytes (SF_LUA_POOL_MAX, or 0 for plain malloc). */
void sf_lua_pool_init (SfLuaPool *p, size_t max);
/* lua_Alloc's contract: free (nsize 0), allocate (ptr NULL; osize is then
** a type tag, not a size) or resize, keeping min(osize, nsize) bytes.
** NULL when memory runs out (the old block is then untouched). */
void *sf_lua_pool_alloc (SfLuaPool *p, void *ptr, size_t osize,
                         size_t nsize);
/* Give every slab back; only after lua_close of the state it served. */
void sf_lua_pool_release (SfLuaPool *p);

#endif
