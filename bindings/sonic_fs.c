/*
** sonic_fs.c -- the little file system access the Lua half needs for
** downloads into a directory: core.is_dir and core.mkdir (like mkdir -p).
*/
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <lauxlib.h>
#include "bindings.h"

/* core.is_dir(path) -> boolean */
static int core_is_dir (lua_State *L) {
  struct stat st;
  const char *path = luaL_checkstring(L, 1);
  lua_pushboolean(L, stat(path, &st) == 0 && S_ISDIR(st.st_mode));
  return 1;
}

/* Create 'path' (a writable copy) and its missing parents. */
static int make_dirs (char *path) {
  char *p = path;
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
    return 0;      /* the usual case: one call, not one per component */
  while (*p == '/')
    p++;
  for (;; p++) {
    char c = *p;
    if (c == '/' || c == '\0') {
      *p = '\0';
      if (mkdir(path, 0755) != 0 && errno != EEXIST)
        return -1;
      *p = c;
      if (c == '\0')
        break;
    }
  }
  if (stat(path, &st) != 0)
    return -1;
  if (!S_ISDIR(st.st_mode)) {
    errno = ENOTDIR;
    return -1;
  }
  return 0;
}

/* core.mkdir(path) -> true | nil, message */
static int core_mkdir (lua_State *L) {
  size_t len;
  const char *path = luaL_checklstring(L, 1, &len);
  luaL_Buffer b;
  char *copy = luaL_buffinitsize(L, &b, len + 1);   /* Lua owns it */
  memcpy(copy, path, len + 1);
  if (make_dirs(copy) != 0) {
    luaL_pushfail(L);
    lua_pushfstring(L, "cannot create directory '%s': %s", path,
                    strerror(errno));
    return 2;
  }
  lua_pushboolean(L, 1);
  return 1;
}

/* core.file_size(path) -> bytes | nil (regular files only) */
static int core_file_size (lua_State *L) {
  struct stat st;
  const char *path = luaL_checkstring(L, 1);
  if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
    lua_pushinteger(L, (lua_Integer)st.st_size);
  else
    luaL_pushfail(L);
  return 1;
}

static const luaL_Reg fs_funcs[] = {
  {"file_size", core_file_size},
  {"is_dir", core_is_dir},
  {"mkdir", core_mkdir},
  {NULL, NULL}
};

void sf_open_fs_funcs (lua_State *L, SfRuntime *rt) {
  lua_pushlightuserdata(L, rt);
  luaL_setfuncs(L, fs_funcs, 1);
}
