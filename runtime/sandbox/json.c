/*
** json.c -- a strict, small JSON reader for request bodies and the state
** file. Builds a tree of Json nodes; every node and string is owned by
** the tree and freed by sf_sbx_json_free. Nesting is limited so a hostile
** body cannot exhaust the stack.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "sbx.h"

#define JSON_MAX_DEPTH 64

typedef struct Parser {
  const char *p, *end, *start;
  char *err;
  size_t errlen;
  int failed;
} Parser;

static int parse_value (Parser *ps, Json *out, int depth);

/* Record the first error with its byte offset; later ones are ignored. */
static int fail (Parser *ps, const char *what) {
  if (!ps->failed)
    snprintf(ps->err, ps->errlen, "%s at offset %ld", what,
             (long)(ps->p - ps->start));
  ps->failed = 1;
  return -1;
}

static void skip_ws (Parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
                             *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

/* Match a literal word such as "true". */
static int expect_word (Parser *ps, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, w, n) != 0)
    return fail(ps, "invalid literal");
  ps->p += n;
  return 0;
}

static int hex4 (Parser *ps, unsigned *out) {
  int i;
  *out = 0;
  if (ps->end - ps->p < 4)
    return fail(ps, "short \\u escape");
  for (i = 0; i < 4; i++) {
    char c = *ps->p++;
    *out <<= 4;
    if (c >= '0' && c <= '9') *out |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') *out |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') *out |= (unsigned)(c - 'A' + 10);
    else return fail(ps, "bad \\u escape");
  }
  return 0;
}

/* Append code point 'u' as UTF-8. */
static void put_utf8 (Buf *b, unsigned u) {
  char o[4];
  sf_sbx_buf_addn(b, o, (size_t)(sf_utf8_put(o, u) - o));
}

/* A \u escape (four hex digits), joining a surrogate pair when one
** follows. */
static int parse_uescape (Parser *ps, Buf *b) {
  unsigned u, lo;
  if (hex4(ps, &u) != 0)
    return -1;
  if (u >= 0xd800 && u < 0xdc00 && ps->end - ps->p >= 6 &&
      ps->p[0] == '\\' && ps->p[1] == 'u') {
    ps->p += 2;
    if (hex4(ps, &lo) != 0)
      return -1;
    if (lo >= 0xdc00 && lo < 0xe000)
      u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
    else {
      put_utf8(b, 0xfffd);    /* unpaired: replacement character */
      u = lo;
    }
  }
  put_utf8(b, (u >= 0xd800 && u < 0xe000) ? 0xfffd : u);
  return 0;
}

/* A string literal; the opening quote is at ps->p. */
static int parse_string (Parser *ps, char **out, size_t *outlen) {
  Buf b;
  sf_sbx_buf_init(&b);
  sf_sbx_buf_addn(&b, "", 0);
  ps->p++;
  while (ps->p < ps->end && *ps->p != '"') {
    unsigned char c = (unsigned char)*ps->p++;
    if (c < 0x20)
      goto bad_ctl;
    if (c != '\\') {
      sf_sbx_buf_addn(&b, &c, 1);
      continue;
    }
    if (ps->p >= ps->end)
      break;
    c = (unsigned char)*ps->p++;
    switch (c) {
    case '"': case '\\': case '/': sf_sbx_buf_addn(&b, &c, 1); break;
    case 'b': sf_sbx_buf_add(&b, "\b"); break;
    case 'f': sf_sbx_buf_add(&b, "\f"); break;
    case 'n': sf_sbx_buf_add(&b, "\n"); break;
    case 'r': sf_sbx_buf_add(&b, "\r"); break;
    case 't': sf_sbx_buf_add(&b, "\t"); break;
    case 'u':
      if (parse_uescape(ps, &b) != 0)
        goto bad;
      break;
    default:
      fail(ps, "bad escape in string");
      goto bad;
    }
  }
  if (ps->p >= ps->end) {
    fail(ps, "unterminated string");
    goto bad;
  }
  ps->p++;                    /* closing quote */
  *outlen = b.len;
  *out = sf_sbx_buf_take(&b);
  return 0;
bad_ctl:
  ps->p--;
  fail(ps, "control character in string");
bad:
  sf_sbx_buf_free(&b);
  return -1;
}

/* A number in strict JSON grammar, converted by strtod. */
static int parse_number (Parser *ps, Json *out) {
  const char *q = ps->p;
  char tmp[64];
  if (q < ps->end && *q == '-') q++;
  if (q >= ps->end || *q < '0' || *q > '9')
    return fail(ps, "unexpected character");
  if (*q == '0') q++;
  else while (q < ps->end && *q >= '0' && *q <= '9') q++;
  if (q < ps->end && *q == '.') {
    if (++q >= ps->end || *q < '0' || *q > '9')
      return fail(ps, "bad number");
    while (q < ps->end && *q >= '0' && *q <= '9') q++;
  }
  if (q < ps->end && (*q == 'e' || *q == 'E')) {
    q++;
    if (q < ps->end && (*q == '+' || *q == '-')) q++;
    if (q >= ps->end || *q < '0' || *q > '9')
      return fail(ps, "bad number");
    while (q < ps->end && *q >= '0' && *q <= '9') q++;
  }
  if ((size_t)(q - ps->p) >= sizeof(tmp))
    return fail(ps, "number too long");
  memcpy(tmp, ps->p, (size_t)(q - ps->p));
  tmp[q - ps->p] = '\0';
  out->t = J_NUM;
  out->n = strtod(tmp, NULL);
  ps->p = q;
  return 0;
}

/* Append a zeroed child (and, for objects, its key) to 'j'. */
static Json *add_kid (Json *j, char *key) {
  if ((j->nkids & (j->nkids - 1)) == 0) {   /* 0, 1, 2, 4, ...: grow */
    size_t cap = j->nkids ? (size_t)j->nkids * 2 : 1;
    j->kids = sf_sbx_realloc(j->kids, cap * sizeof(Json));
    if (j->t == J_OBJ)
      j->keys = sf_sbx_realloc(j->keys, cap * sizeof(char *));
  }
  memset(&j->kids[j->nkids], 0, sizeof(Json));
  if (j->t == J_OBJ)
    j->keys[j->nkids] = key;
  return &j->kids[j->nkids++];
}

/* '[' or '{' at ps->p: members until the closing bracket. */
static int parse_container (Parser *ps, Json *out, int depth) {
  int obj = (*ps->p == '{');
  char close = obj ? '}' : ']';
  out->t = obj ? J_OBJ : J_ARR;
  if (depth >= JSON_MAX_DEPTH)
    return fail(ps, "nesting too deep");
  ps->p++;
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == close) {
    ps->p++;
    return 0;
  }
  for (;;) {
    char *key = NULL;
    size_t klen;
    skip_ws(ps);
    if (obj) {
      if (ps->p >= ps->end || *ps->p != '"')
        return fail(ps, "expected a key");
      if (parse_string(ps, &key, &klen) != 0)
        return -1;
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':') {
        free(key);
        return fail(ps, "expected ':'");
      }
      ps->p++;
    }
    if (parse_value(ps, add_kid(out, key), depth + 1) != 0)
      return -1;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') {
      ps->p++;
      continue;
    }
    if (ps->p < ps->end && *ps->p == close) {
      ps->p++;
      return 0;
    }
    return fail(ps, obj ? "expected ',' or '}'" : "expected ',' or ']'");
  }
}

static int parse_value (Parser *ps, Json *out, int depth) {
  skip_ws(ps);
  if (ps->p >= ps->end)
    return fail(ps, "unexpected end of input");
  switch (*ps->p) {
  case '{': case '[':
    return parse_container(ps, out, depth);
  case '"':
    out->t = J_STR;
    return parse_string(ps, &out->s, &out->slen);
  case 't':
    out->t = J_BOOL;
    out->b = 1;
    return expect_word(ps, "true");
  case 'f':
    out->t = J_BOOL;
    return expect_word(ps, "false");
  case 'n':
    out->t = J_NULL;
    return expect_word(ps, "null");
  default:
    return parse_number(ps, out);
  }
}

/* Free what 'j' owns, not 'j' itself. */
static void json_clear (Json *j) {
  int i;
  for (i = 0; i < j->nkids; i++) {
    json_clear(&j->kids[i]);
    if (j->keys != NULL)
      free(j->keys[i]);
  }
  free(j->kids);
  free(j->keys);
  free(j->s);
}

void sf_sbx_json_free (Json *j) {
  if (j == NULL)
    return;
  json_clear(j);
  free(j);
}

Json *sf_sbx_json_parse (const char *s, size_t len, char *err,
                         size_t errlen) {
  Parser ps;
  Json *j = sf_sbx_alloc(sizeof(Json));
  ps.p = ps.start = s;
  ps.end = s + len;
  ps.err = err;
  ps.errlen = errlen;
  ps.failed = 0;
  if (parse_value(&ps, j, 0) == 0) {
    skip_ws(&ps);
    if (ps.p != ps.end)
      fail(&ps, "trailing characters");
  }
  if (ps.failed) {
    sf_sbx_json_free(j);
    return NULL;
  }
  return j;
}

/* The member 'key' of an object (the last one if repeated), or NULL. */
const Json *sf_sbx_json_get (const Json *obj, const char *key) {
  int i;
  if (obj == NULL || obj->t != J_OBJ)
    return NULL;
  for (i = obj->nkids - 1; i >= 0; i--)
    if (strcmp(obj->keys[i], key) == 0)
      return &obj->kids[i];
  return NULL;
}

/* obj[key] if it is a string, else NULL. */
const char *sf_sbx_json_str (const Json *obj, const char *key) {
  const Json *v = sf_sbx_json_get(obj, key);
  return (v != NULL && v->t == J_STR) ? v->s : NULL;
}

double sf_sbx_json_num (const Json *obj, const char *key, double dflt) {
  const Json *v = sf_sbx_json_get(obj, key);
  return (v != NULL && v->t == J_NUM) ? v->n : dflt;
}

/* Characters as the service counts them: UTF-8 code points. */
size_t sf_sbx_utf8_len (const char *s) {
  size_t n = 0;
  for (; s != NULL && *s; s++)
    if (((unsigned char)*s & 0xc0) != 0x80)
      n++;
  return n;
}
