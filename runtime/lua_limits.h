/*
** lua_limits.h -- the resource limits of a Lua state: memory through its
** allocator, instructions through a count hook (--sandbox-script mode).
*/
#ifndef SF_LIMITS_H
#define SF_LIMITS_H

#include <stddef.h>
#include <lua.h>

typedef struct SfLimits {
  size_t used;               /* bytes allocated by Lua now */
  size_t memory;             /* refuse allocations beyond; 0 = none */
  long long instructions;    /* executed so far (in steps of the hook) */
  long long max_instructions;/* 0 = none */
  int exceeded;              /* the instruction budget ran out */
} SfLimits;

/* A new state whose allocations are counted against 'lim'. */
lua_State *sf_limits_newstate (SfLimits *lim);

/*
** Count instructions on L and on every thread created from it later
** (threads inherit the hook). Past the budget every further instruction
** raises, so a pcall cannot swallow it: the task dies, and the loop sees
** 'exceeded' and ends the run.
*/
void sf_limits_watch (lua_State *L, SfLimits *lim);

#endif
