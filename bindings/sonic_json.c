/*
** sonic_json.c -- JSON at the boundary: the service's answers become Lua
** values here, read straight from the body into Lua tables.
**
** Why not lua-cjson's decode: Debian's lua-cjson 2.1.0 decodes every JSON
** number as a float under Lua 5.4 (credits would print as "50.0"), so its
** trees had to be walked a second time to turn integral numbers into
** integers, and it grows each table key by key, rehashing as it goes. At a
** thousand workflows that decode and walk were the largest piece of the
** host's own CPU (docs/performance.md, "Round of 2026-12-07 (third)"). This
** reader does both in one pass and sizes each table once.
**
** What it keeps of cjson.safe's contract (tests/unit/test_json.c checks
** each, and against cjson itself on every recorded answer):
**   - null is cjson.null (a NULL light userdata), so scripts comparing with
**     require("cjson.safe").null keep working;
**   - arrays are tables 1..n, objects tables with string keys; a repeated
**     key keeps its last value; nesting deeper than 1000 is refused;
**   - a malformed text gives nil and a message, never a raise (a memory
**     error too: the reader runs under lua_pcall).
** Numbers: an integer literal that fits 64 bits is a Lua integer; any
** other number is a float, and an integral float within 2^53 (exactly
** representable) becomes an integer, as before ("1e3" and "50.0" -> 1000,
** 50). NaN, Infinity and -Infinity, which Python's json module writes, are
** read as floats, as cjson read them; other non-JSON numbers are refused.
*/
#include <math.h>
#include <string.h>
#include <lauxlib.h>
#include "bindings.h"
#include "buf.h"

#define MAX_DEPTH 1000          /* cjson's default nesting limit */
#define CHUNK 32                /* values kept on the stack before a table
                                   is made and they are moved into it */

typedef struct Reader {
  const char *p, *start, *end;
} Reader;

static void read_value (lua_State *L, Reader *r, int depth);

/* Raise "malformed JSON: what at byte N" (N counts from 1). */
static void fail (lua_State *L, const Reader *r, const char *what) {
  luaL_error(L, "malformed JSON: %s at byte %d", what,
             (int)(r->p - r->start) + 1);
}

static void skip_space (Reader *r) {
  while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' ||
                           *r->p == '\t'))
    r->p++;
}

/* The word 'w' (true, false, null, NaN, Infinity) at the cursor, or fail. */
static void expect_word (lua_State *L, Reader *r, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
    fail(L, r, "unexpected character");
  r->p += n;
}

static int hex4 (const char *s) {
  int v = 0, i;
  for (i = 0; i < 4; i++) {
    int c = s[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= c - '0';
    else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
    else return -1;
  }
  return v;
}

/*
** A string with escapes: the cursor just past its opening quote, 'q' on
** its first backslash (read_string scanned up to there). No escape makes
** its text longer (a \u escape is 6 bytes for at most 3, a surrogate pair
** 12 for 4), so the text is unescaped into a buffer as long as the quoted
** part: on the C stack when short, else a Lua userdata (an error raised
** half-way frees nothing by hand).
*/
static void read_escaped (lua_State *L, Reader *r, const char *q) {
  char small[1024], *out, *o;
  size_t room;
  int boxed = 0;
  for (;;) {                                  /* the closing quote */
    const char *stop = q;
    while (stop < r->end && *stop != '"' && *stop != '\\')
      stop++;
    q = stop;
    if (q >= r->end || *q == '"')
      break;
    q += 2;                                  /* an escape: skip its pair */
  }
  if (q >= r->end)
    fail(L, r, "unterminated string");
  room = (size_t)(q - r->p);
  out = small;
  if (room > sizeof(small)) {
    out = (char *)lua_newuserdatauv(L, room, 0);
    boxed = 1;
  }
  o = out;
  while (r->p < q) {
    const char *bs = memchr(r->p, '\\', (size_t)(q - r->p));
    size_t run = (size_t)((bs != NULL ? bs : q) - r->p);
    memcpy(o, r->p, run);                    /* the text up to an escape */
    o += run;
    r->p += run;
    if (bs == NULL)
      break;
    r->p++;
    switch (*r->p++) {
      case '"': *o++ = '"'; break;
      case '\\': *o++ = '\\'; break;
      case '/': *o++ = '/'; break;
      case 'b': *o++ = '\b'; break;
      case 'f': *o++ = '\f'; break;
      case 'n': *o++ = '\n'; break;
      case 'r': *o++ = '\r'; break;
      case 't': *o++ = '\t'; break;
      case 'u': {
        long cp = q - r->p >= 4 ? hex4(r->p) : -1;
        if (cp < 0)
          fail(L, r, "invalid \\u escape");
        r->p += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
          fail(L, r, "lone low surrogate in \\u escape");
        if (cp >= 0xD800 && cp <= 0xDBFF) {    /* a pair: \uD8xx\uDCxx */
          long lo = q - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u'
                    ? hex4(r->p + 2) : -1;
          if (lo < 0xDC00 || lo > 0xDFFF)
            fail(L, r, "high surrogate without its low half");
          r->p += 6;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        o = sf_utf8_put(o, (unsigned long)cp);
        break;
      }
      default:
        r->p--;
        fail(L, r, "invalid escape");
    }
  }
  r->p = q + 1;
  lua_pushlstring(L, out, (size_t)(o - out));
  if (boxed)
    lua_remove(L, -2);                       /* string */
}

/* A string, the cursor on its opening quote. Raw control characters are
** taken as they are, as cjson took them. */
static void read_string (lua_State *L, Reader *r) {
  const char *s = ++r->p;
  while (r->p < r->end && *r->p != '"' && *r->p != '\\')
    r->p++;
  if (r->p < r->end && *r->p == '"') {       /* no escapes: one copy */
    lua_pushlstring(L, s, (size_t)(r->p - s));
    r->p++;
    return;
  }
  {
    const char *first = r->p;                /* a backslash, or the end */
    r->p = s;
    read_escaped(L, r, first);
  }
}

/* Push float 'v', as an integer when it is integral within 2^53. */
static void push_float (lua_State *L, lua_Number v) {
  if (v == floor(v) && fabs(v) <= 9007199254740992.0)
    lua_pushinteger(L, (lua_Integer)v);
  else
    lua_pushnumber(L, v);
}

/* A number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, or -Infinity. */
static void read_number (lua_State *L, Reader *r) {
  const char *s = r->p;
  int integral = 1, digits = 0;
  if (*r->p == '-')
    r->p++;
  if (r->p < r->end && *r->p == 'I') {
    expect_word(L, r, "Infinity");
    lua_pushnumber(L, -HUGE_VAL);
    return;
  }
  if (r->p < r->end && *r->p == '0') {
    r->p++;
    digits = 1;
  } else {
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
      r->p++;
      digits++;
    }
  }
  if (digits == 0)
    fail(L, r, "invalid number");
  if (r->p < r->end && *r->p == '.') {
    const char *f = ++r->p;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
      r->p++;
    if (r->p == f)
      fail(L, r, "invalid number");
    integral = 0;
  }
  if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
    const char *x;
    r->p++;
    if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
      r->p++;
    x = r->p;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
      r->p++;
    if (r->p == x)
      fail(L, r, "invalid number");
    integral = 0;
  }
  if (integral && digits <= 18) {            /* fits 64 bits: no parsing */
    lua_Integer v = 0;
    const char *d = *s == '-' ? s + 1 : s;
    for (; d < r->p; d++)
      v = v * 10 + (*d - '0');
    lua_pushinteger(L, *s == '-' ? -v : v);
    return;
  }
  /* Lua's own reader: an integer when the literal fits 64 bits, else a
  ** float (the text is valid JSON here, hence a valid Lua numeral) */
  lua_pushlstring(L, s, (size_t)(r->p - s));
  if (lua_stringtonumber(L, lua_tostring(L, -1)) == 0)
    fail(L, r, "invalid number");
  lua_remove(L, -2);                         /* number */
  if (!lua_isinteger(L, -1)) {
    lua_Number v = lua_tonumber(L, -1);
    lua_pop(L, 1);
    push_float(L, v);
  }
}

/*
** Move the 'n' values on top of the stack into the table made for them, or
** made now (sized 'hint') when *made is 0. Arrays: values become t[base+1]
** .. t[base+n]; objects: the values are key, value pairs, set in order so
** that a repeated key keeps its last value. Leaves the table on top.
*/
static void flush (lua_State *L, int n, int is_array, lua_Integer base,
                   int hint, int *made) {
  int t, i;
  if (!*made) {
    if (is_array)
      lua_createtable(L, hint, 0);
    else
      lua_createtable(L, 0, hint);
    lua_insert(L, -(n + 1));                 /* table v1 .. vn */
    *made = 1;
  }
  t = lua_gettop(L) - n;
  if (is_array) {
    for (i = n; i >= 1; i--)
      lua_rawseti(L, t, base + i);           /* pops the top value */
    return;
  }
  for (i = 1; i < n; i += 2) {
    lua_pushvalue(L, t + i);                 /* table pairs key */
    lua_pushvalue(L, t + i + 1);             /* table pairs key value */
    lua_rawset(L, t);
  }
  lua_settop(L, t);
}

/* An array or an object, the cursor on its opening bracket. */
static void read_container (lua_State *L, Reader *r, int depth) {
  int is_array = *r->p == '[';
  char close = is_array ? ']' : '}';
  int pending = 0, made = 0, count = 0;
  if (depth >= MAX_DEPTH)
    fail(L, r, "nesting deeper than 1000");
  r->p++;
  skip_space(r);
  if (r->p < r->end && *r->p == close) {
    r->p++;
    lua_createtable(L, 0, 0);
    return;
  }
  for (;;) {
    luaL_checkstack(L, 4, "JSON nesting too deep");
    skip_space(r);
    if (!is_array) {
      if (r->p >= r->end || *r->p != '"')
        fail(L, r, "object key expected");
      read_string(L, r);
      skip_space(r);
      if (r->p >= r->end || *r->p != ':')
        fail(L, r, "':' expected");
      r->p++;
      skip_space(r);
      pending++;
    }
    read_value(L, r, depth + 1);
    pending++;
    count++;
    skip_space(r);
    if (r->p < r->end && *r->p == close) {
      r->p++;
      flush(L, pending, is_array, count - pending, count, &made);
      return;
    }
    if (r->p >= r->end || *r->p != ',')
      fail(L, r, is_array ? "',' or ']' expected" : "',' or '}' expected");
    r->p++;
    if (pending >= CHUNK) {                  /* the stack stays small */
      flush(L, pending, is_array, count - pending, CHUNK, &made);
      pending = 0;
    }
  }
}

static void read_value (lua_State *L, Reader *r, int depth) {
  skip_space(r);
  if (r->p >= r->end)
    fail(L, r, "value expected");
  switch (*r->p) {
    case '"': read_string(L, r); return;
    case '{': case '[': read_container(L, r, depth); return;
    case 't': expect_word(L, r, "true"); lua_pushboolean(L, 1); return;
    case 'f': expect_word(L, r, "false"); lua_pushboolean(L, 0); return;
    case 'n': expect_word(L, r, "null"); lua_pushlightuserdata(L, NULL);
      return;
    case 'N': expect_word(L, r, "NaN"); lua_pushnumber(L, NAN); return;
    case 'I': expect_word(L, r, "Infinity"); lua_pushnumber(L, HUGE_VAL);
      return;
    default:
      if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9')) {
        read_number(L, r);
        return;
      }
      fail(L, r, "unexpected character");
  }
}

/* lua_pcall'ed: (light userdata text, integer length) -> value */
static int decode_protected (lua_State *L) {
  Reader r;
  r.start = r.p = (const char *)lua_touserdata(L, 1);
  r.end = r.start + lua_tointeger(L, 2);
  lua_settop(L, 0);
  read_value(L, &r, 0);
  skip_space(&r);
  if (r.p != r.end)
    fail(L, &r, "text after the value");
  return 1;
}

int sf_json_decode (lua_State *L, const char *s, size_t len) {
  lua_pushcfunction(L, decode_protected);
  lua_pushlightuserdata(L, (void *)s);
  lua_pushinteger(L, (lua_Integer)len);
  if (lua_pcall(L, 2, 1, 0) == LUA_OK)
    return 1;                                /* value */
  lua_pushnil(L);
  lua_insert(L, -2);                         /* nil message */
  return 2;
}

/* core.decode(text) -> value | nil, message */
static int core_decode (lua_State *L) {
  size_t len;
  const char *s = luaL_checklstring(L, 1, &len);
  return sf_json_decode(L, s, len);
}

void sf_open_json_funcs (lua_State *L, SfRuntime *rt) {
  lua_pushlightuserdata(L, rt);
  lua_pushcclosure(L, core_decode, 1);
  lua_setfield(L, -2, "decode");
}
