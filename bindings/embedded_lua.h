/*
** embedded_lua.h -- the Lua half of module 'sonic', compiled in.
** The array is generated from the Lua files in scripts/lib by scripts/embed_lua.cmake.
*/
#ifndef SF_EMBEDDED_LUA_H
#define SF_EMBEDDED_LUA_H

#include <stddef.h>

typedef struct SfEmbeddedLua {
  const char *name;   /* file name without ".lua": "sonic", ... */
  const char *src;    /* not NUL-terminated */
  size_t len;
} SfEmbeddedLua;

extern const SfEmbeddedLua sf_embedded_lua[];  /* ends with a NULL name */

#endif
