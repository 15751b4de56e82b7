/*
** sonic_analyze.c -- core.analyze(path [, ref_path]): the audio measures
** of runtime/analyze as a Lua table. It runs on the Lua thread and does
** not yield: a 20 s clip takes ~0.5 s, during which no other task runs.
*/
#include <math.h>
#include <lauxlib.h>
#include "analyze.h"
#include "bindings.h"

static void set_number (lua_State *L, const char *name, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, name);
}

/* core.analyze(path, ref?) -> table | nil, kind, message */
static int core_analyze (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  const char *ref = luaL_optstring(L, 2, NULL);
  SfAnalysis a;
  char err[1024];
  int i;
  SfAnalyzeStatus st = sf_analyze_file(path, ref, &a, err, sizeof(err));
  if (st != SF_ANALYZE_OK) {
    luaL_pushfail(L);
    lua_pushstring(L, st == SF_ANALYZE_FORMAT ? "bad_request" : "io");
    lua_pushstring(L, err);
    return 3;
  }
  lua_createtable(L, 0, 14);
  lua_pushstring(L, path);
  lua_setfield(L, -2, "file");
  set_number(L, "duration", a.duration);
  lua_pushinteger(L, a.sample_rate);
  lua_setfield(L, -2, "sample_rate");
  lua_pushinteger(L, a.channels);
  lua_setfield(L, -2, "channels");
  set_number(L, "lufs", a.lufs);            /* -math.huge for silence */
  set_number(L, "lra", a.lra);
  set_number(L, "bpm", a.bpm);
  set_number(L, "bpm_raw", a.bpm_raw);
  lua_pushinteger(L, a.onsets);
  lua_setfield(L, -2, "onsets");
  set_number(L, "onset_rate", a.onset_rate);
  set_number(L, "centroid_hz", a.centroid_hz);
  if (a.has_ref) {
    set_number(L, "chroma_similarity", a.chroma_aligned);
    set_number(L, "chroma_cosine", a.chroma_cosine);
  }
  lua_createtable(L, SF_CHROMA_BINS, 0);
  for (i = 0; i < SF_CHROMA_BINS; i++) {
    lua_pushnumber(L, a.chroma[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "chroma");
  return 1;
}

static const luaL_Reg analyze_funcs[] = {
  {"analyze", core_analyze},
  {NULL, NULL}
};

void sf_open_analyze_funcs (lua_State *L, SfRuntime *rt) {
  lua_pushlightuserdata(L, rt);
  luaL_setfuncs(L, analyze_funcs, 1);
}
