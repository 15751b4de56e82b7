/*
** bindings.h -- the C functions Lua sees, as module "sonic.core" (the
** primitives: requests, downloads, tasks, timers), on which the Lua half
** of module "sonic" (scripts/lib/sonic.lua) is built.
**
** Each file adds its functions to the module table on top of the stack;
** every function gets the SfRuntime as upvalue 1.
*/
#ifndef SF_BINDINGS_H
#define SF_BINDINGS_H

#include <lua.h>
#include "runtime.h"

/* Make "sonic", "sonic.core", "cjson" and "cjson.safe" requirable and set
** the global 'sonic'. Returns 0, or -1 with the error message on L. */
int sf_bindings_open (lua_State *L, SfRuntime *rt);

/* Per-file registration (module table on top, rt as upvalue). */
void sf_open_task_funcs (lua_State *L, SfRuntime *rt);
void sf_open_call_funcs (lua_State *L, SfRuntime *rt);
void sf_open_download_funcs (lua_State *L, SfRuntime *rt);
void sf_open_results_funcs (lua_State *L, SfRuntime *rt);
void sf_open_json_funcs (lua_State *L, SfRuntime *rt);
void sf_open_error_funcs (lua_State *L, SfRuntime *rt);
void sf_open_fs_funcs (lua_State *L, SfRuntime *rt);
void sf_open_analyze_funcs (lua_State *L, SfRuntime *rt);

/* Decode JSON text into Lua values with integral numbers as integers.
** Pushes the value, or nil and a message. Returns 1 or 2. */
int sf_json_decode (lua_State *L, const char *s, size_t len);

#define SF_RUNTIME(L) ((SfRuntime *)lua_touserdata(L, lua_upvalueindex(1)))

#endif
