/*
** test_json.c -- JSON as it enters Lua (bindings/sonic_json.c): integral
** values arrive as integers (credits are 50, not 50.0) everywhere in the
** tree; null is cjson.null; tables are sized past the reader's chunk;
** malformed text gives nil and a message, never a raise. And the reader
** agrees with lua-cjson plus integer normalisation (what the host used
** before) on every recorded answer of the service in SF_ANSWERS_DIR.
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include <lualib.h>
#include "bindings.h"
#include "check.h"

int luaopen_cjson_safe (lua_State *L);

static lua_State *L;

/* Decode 'json' (of 'len' bytes) and run the Lua expression 'expr' on it
** as 'v'; cjson.safe is 'cjson' there. */
static int holds_n (const char *json, size_t len, const char *expr) {
  char chunk[1024];
  int ok;
  snprintf(chunk, sizeof(chunk),
           "local v = ... local cjson = require 'cjson.safe' return %s", expr);
  if (luaL_loadstring(L, chunk) != LUA_OK)
    return 0;
  if (sf_json_decode(L, json, len) != 1) {
    lua_pop(L, 3);
    return 0;
  }
  ok = lua_pcall(L, 1, 1, 0) == LUA_OK && lua_toboolean(L, -1);
  lua_pop(L, 1);
  return ok;
}

static int holds (const char *json, const char *expr) {
  return holds_n(json, strlen(json), expr);
}

/* Malformed: exactly nil and a message naming the byte. */
static int refused (const char *json) {
  int top = lua_gettop(L);
  int ok = sf_json_decode(L, json, strlen(json)) == 2 && lua_isnil(L, -2) &&
           lua_type(L, -1) == LUA_TSTRING &&
           strstr(lua_tostring(L, -1), "malformed JSON: ") != NULL &&
           strstr(lua_tostring(L, -1), " at byte ") != NULL;
  if (!ok)
    fprintf(stderr, "not refused as malformed: %s\n", json);
  lua_settop(L, top);
  return ok;
}

/* What the host did before: cjson.safe's decode, then integral floats
** within 2^53 to integers; and a deep comparison that also compares
** math.type, so 50 and 50.0 differ. */
static const char REFERENCE[] =
  "local cjson = require 'cjson.safe'\n"
  "local function norm(v)\n"
  "  if type(v) == 'number' and math.type(v) == 'float' and\n"
  "     v == math.floor(v) and math.abs(v) <= 2^53 then\n"
  "    return math.tointeger(v) end\n"
  "  if type(v) ~= 'table' then return v end\n"
  "  for k, x in pairs(v) do v[k] = norm(x) end\n"
  "  return v\n"
  "end\n"
  "local function same(a, b)\n"
  "  if type(a) ~= type(b) then return false end\n"
  "  if type(a) == 'number' then\n"
  "    return math.type(a) == math.type(b) and (a == b or a ~= a and b ~= b)\n"
  "  end\n"
  "  if type(a) ~= 'table' then return a == b end\n"
  "  for k, x in pairs(a) do if not same(x, b[k]) then return false end end\n"
  "  for k in pairs(b) do if a[k] == nil then return false end end\n"
  "  return true\n"
  "end\n"
  "local mine, text = ...\n"
  "return same(mine, norm(cjson.decode(text)))\n";

static int agrees_with_cjson (const char *text, size_t len) {
  int ok;
  if (luaL_loadstring(L, REFERENCE) != LUA_OK)
    return 0;
  if (sf_json_decode(L, text, len) != 1) {
    lua_pop(L, 3);
    return 0;
  }
  lua_pushlstring(L, text, len);
  ok = lua_pcall(L, 2, 1, 0) == LUA_OK && lua_toboolean(L, -1);
  lua_pop(L, 1);
  return ok;
}

/* Every file of the recorded answers; returns how many were compared. */
static int compare_answers (const char *dir) {
  DIR *d = opendir(dir);
  struct dirent *e;
  int n = 0;
  CHECK(d != NULL);
  while (d != NULL && (e = readdir(d)) != NULL) {
    char path[1024], *buf;
    FILE *f;
    long len;
    if (strstr(e->d_name, ".json") == NULL)
      continue;
    snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
    f = fopen(path, "rb");
    CHECK(f != NULL);
    if (f == NULL)
      continue;
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    rewind(f);
    buf = malloc((size_t)len + 1);
    CHECK(buf != NULL && fread(buf, 1, (size_t)len, f) == (size_t)len);
    fclose(f);
    if (!agrees_with_cjson(buf, (size_t)len)) {
      fprintf(stderr, "differs from cjson + normalisation: %s\n", path);
      CHECK(0);
    }
    free(buf);
    n++;
  }
  if (d != NULL)
    closedir(d);
  return n;
}

/* "[[[...1...]]]" nested 'depth' deep. */
static char *nested (int depth) {
  char *s = malloc((size_t)depth * 2 + 2);
  memset(s, '[', (size_t)depth);
  s[depth] = '1';
  memset(s + depth + 1, ']', (size_t)depth);
  s[depth * 2 + 1] = '\0';
  return s;
}

int main (void) {
  SfRuntime rt;
  char *deep;
  memset(&rt, 0, sizeof(rt));
  L = luaL_newstate();
  luaL_openlibs(L);
  luaL_requiref(L, "cjson.safe", luaopen_cjson_safe, 0);
  lua_pop(L, 1);
  lua_newtable(L);
  sf_open_json_funcs(L, &rt);
  lua_pop(L, 1);

  /* numbers */
  CHECK(holds("{\"credits\":50}", "math.type(v.credits) == 'integer'"));
  CHECK(holds("{\"credits\":50}", "v.credits == 50"));
  CHECK(holds("{\"d\":104.88}", "math.type(v.d) == 'float' and v.d == 104.88"));
  CHECK(holds("{\"d\":1e3}", "math.type(v.d) == 'integer' and v.d == 1000"));
  CHECK(holds("{\"d\":50.0}", "math.type(v.d) == 'integer' and v.d == 50"));
  CHECK(holds("{\"a\":[1,2.5,{\"b\":[3]}]}",
              "math.type(v.a[1]) == 'integer' and math.type(v.a[2]) == "
              "'float' and math.type(v.a[3].b[1]) == 'integer'"));
  CHECK(holds("7", "math.type(v) == 'integer' and v == 7"));
  CHECK(holds("-0", "v == 0"));
  CHECK(holds("-12.5e-1", "v == -1.25"));
  /* beyond 2^53 a float is not exact: left a float; an integer literal
  ** that fits 64 bits is read exactly */
  CHECK(holds("{\"n\":1e300}", "math.type(v.n) == 'float'"));
  CHECK(holds("{\"n\":9007199254740993}", "v.n == 9007199254740993"));
  CHECK(holds("-9223372036854775808", "v == math.mininteger"));
  CHECK(holds("92233720368547758070", "math.type(v) == 'float'"));
  CHECK(holds("[NaN,Infinity,-Infinity]",
              "v[1] ~= v[1] and v[2] == math.huge and v[3] == -math.huge"));
  /* strings */
  CHECK(holds("{\"s\":\"50\"}", "v.s == '50'"));     /* strings stay */
  CHECK(holds("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
              "v == 'a\"b\\\\c/d\\b\\f\\n\\r\\t'"));
  CHECK(holds("\"caf\\u00e9 \\u20ac \\ud83c\\udfb5\"",
              "v == 'caf\\u{e9} \\u{20ac} \\u{1f3b5}'"));
  CHECK(holds_n("\"a\\u0000b\"", 10, "v == 'a\\0b'"));
  CHECK(holds("\"lo-fi\\tacoustic\"", "v == 'lo-fi\\tacoustic'"));
  {   /* escapes in a text longer than the reader's stack buffer */
    char big[4000];
    int i;
    big[0] = '"';
    for (i = 0; i < 1300; i++)
      memcpy(big + 1 + i * 3, "a\\n", 3);
    memcpy(big + 1 + 1300 * 3, "\\u00e9\"", 8);
    CHECK(holds(big, "#v == 2602 and v:sub(1, 4) == 'a\\na\\n' and "
                     "v:sub(-3) == '\\n\\u{e9}'"));
    CHECK(refused("\"ends in a backslash\\"));
  }
  /* null, booleans, empty and large tables, repeated keys */
  CHECK(holds("{\"x\":null}", "v.x == cjson.null and v.x ~= nil"));
  CHECK(holds("[true,false,null]",
              "v[1] == true and v[2] == false and v[3] == cjson.null"));
  CHECK(holds("{}", "next(v) == nil"));
  CHECK(holds("[]", "next(v) == nil"));
  CHECK(holds(" \r\n\t{ \"a\" : [ ] } \n", "type(v.a) == 'table'"));
  CHECK(holds("{\"k\":1,\"k\":2}", "v.k == 2"));
  CHECK(holds("[0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,"
              "23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,"
              "44,45,46,47,48,49,50,51,52,53,54,55,56,57,58,59,60,61,62,63,64,"
              "65,66,67,68,69]",
              "#v == 70 and (function() for i = 1, 70 do if v[i] ~= i - 1 "
              "then return false end end return true end)()"));
  {   /* an object of 40 keys, one of them repeated past the first chunk */
    char obj[1024];
    size_t n = 0;
    int i;
    n += (size_t)snprintf(obj + n, sizeof(obj) - n, "{");
    for (i = 0; i < 40; i++)
      n += (size_t)snprintf(obj + n, sizeof(obj) - n, "\"k%d\":%d,", i, i);
    snprintf(obj + n, sizeof(obj) - n, "\"k3\":\"last\"}");
    CHECK(holds(obj, "v.k0 == 0 and v.k39 == 39 and v.k3 == 'last' and "
                     "(function() local c = 0 for _ in pairs(v) do c = c + 1 "
                     "end return c == 40 end)()"));
  }
  /* nesting: 1000 levels are read, 1001 refused */
  deep = nested(1000);
  CHECK(holds(deep, "type(v) == 'table'"));
  free(deep);
  deep = nested(1001);
  CHECK(refused(deep));
  free(deep);
  /* malformed: nil and a message, never a raise */
  CHECK(refused(""));
  CHECK(refused("   "));
  CHECK(refused("{\"a\":"));
  CHECK(refused("{\"a\" 1}"));
  CHECK(refused("{a:1}"));
  CHECK(refused("[1,]"));
  CHECK(refused("[1 2]"));
  CHECK(refused("01"));
  CHECK(refused("1."));
  CHECK(refused("-"));
  CHECK(refused("+1"));
  CHECK(refused("0x10"));
  CHECK(refused("1e"));
  CHECK(refused("tru"));
  CHECK(refused("nul"));
  CHECK(refused("\"abc"));
  CHECK(refused("\"\\x\""));
  CHECK(refused("\"\\u12\""));
  CHECK(refused("\"\\ud800\""));
  CHECK(refused("\"\\udc00\""));
  CHECK(refused("[1] x"));
  CHECK(refused("{\"a\":1}}"));
  /* the same answers as before, for every shape the service has used */
  CHECK(compare_answers(SF_ANSWERS_DIR) >= 19);
  lua_close(L);
  return CHECK_DONE();
}
