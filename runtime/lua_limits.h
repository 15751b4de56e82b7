/*
** lua_limits.h -- the resource limits of a Lua state: memory through its
** allocator, instructions through a count hook (--sandbox-script mode).
*/
#ifndef SF_LIMITS_H
#define SF_LIMITS_H

#include <signal.h>
#include <stddef.h>
#include <lua.h>
#include "lua_pool.h"

typedef struct SfLimits {
  size_t used;               /* bytes allocated by Lua now */
  size_t memory;             /* refuse allocations beyond; 0 = none */
  long long instructions;    /* executed so far (in steps of the hook) */
  long long max_instructions;/* 0 = none */
  int exceeded;              /* the instruction budget ran out */
  volatile sig_atomic_t interrupt;  /* signals seen: 1 raise once, 2+
                                       raise at every instruction */
  SfLuaPool pool;            /* where the state's small objects live */
} SfLimits;

/* A new state whose allocations are counted against 'lim' (and served by
** its pool: give the state back with sf_limits_close). */
lua_State *sf_limits_newstate (SfLimits *lim);
/* lua_close(L), then the pool's slabs. */
void sf_limits_close (lua_State *L, SfLimits *lim);

/*
** Count instructions on L and on every thread created from it later
** (threads inherit the hook). Past the budget every further instruction
** raises, so a pcall cannot swallow it: the task dies, and the loop sees
** 'exceeded' and ends the run.
*/
void sf_limits_watch (lua_State *L, SfLimits *lim);

/* Only make 'lim' the limits of L (what its hooks read), with no cap
** armed: for sf_limits_interrupt in a state that has no limits. */
void sf_limits_register (lua_State *L, SfLimits *lim);

/*
** From a signal handler (lua_sethook is async-signal-safe, as the manual
** says): make the thread 'L', which runs Lua code now, raise "cancelled"
** at its next instruction. 'count' is the number of signals so far: at
** the first the hook raises once and gives way to the limits' own hook,
** so the script unwinds to the loop; from the second on it raises at
** every instruction, so no pcall can keep the thread running.
*/
void sf_limits_interrupt (lua_State *L, SfLimits *lim, int count);

#endif
