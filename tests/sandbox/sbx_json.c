/*
** sbx_json.c -- strict recursive-descent JSON reader (RFC 8259).
*/
#include "sbx_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 200

typedef struct Parser {
  const char *p, *start, *end;
  char *err;
  size_t errlen;
  int failed;
} Parser;

static SbxJson *parse_value (Parser *ps, int depth);

/* Record the first error only, with its byte offset. */
static void fail (Parser *ps, const char *what) {
  if (!ps->failed)
    snprintf(ps->err, ps->errlen, "%s at offset %ld", what,
             (long)(ps->p - ps->start));
  ps->failed = 1;
}

static void skip_ws (Parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' ||
                             *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static SbxJson *node_new (SbxJType t) {
  SbxJson *j = calloc(1, sizeof(*j));
  if (j != NULL)
    j->type = t;
  return j;
}

/* Append 'c' to a growing array of children. 0 or -1. */
static int node_push (SbxJson *parent, SbxJson *c) {
  SbxJson **n = realloc(parent->items, (parent->n + 1) * sizeof(*n));
  if (n == NULL)
    return -1;
  parent->items = n;
  parent->items[parent->n++] = c;
  return 0;
}

static int match_word (Parser *ps, const char *w) {
  size_t l = strlen(w);
  if ((size_t)(ps->end - ps->p) < l || memcmp(ps->p, w, l) != 0)
    return 0;
  ps->p += l;
  return 1;
}

static int hexval (char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Read 4 hex digits after "\u"; -1 on error. */
static long read_hex4 (Parser *ps) {
  long v = 0;
  int i;
  if (ps->end - ps->p < 4)
    return -1;
  for (i = 0; i < 4; i++) {
    int h = hexval(ps->p[i]);
    if (h < 0)
      return -1;
    v = v * 16 + h;
  }
  ps->p += 4;
  return v;
}

static size_t put_utf8 (char *o, unsigned long cp) {
  if (cp < 0x80) { o[0] = (char)cp; return 1; }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* One escape sequence after the backslash; appends to 'o'. */
static int read_escape (Parser *ps, char *o, size_t *k) {
  char c;
  long cp, lo;
  if (ps->p >= ps->end)
    return -1;
  c = *ps->p++;
  switch (c) {
    case '"': case '\\': case '/': o[(*k)++] = c; return 0;
    case 'b': o[(*k)++] = '\b'; return 0;
    case 'f': o[(*k)++] = '\f'; return 0;
    case 'n': o[(*k)++] = '\n'; return 0;
    case 'r': o[(*k)++] = '\r'; return 0;
    case 't': o[(*k)++] = '\t'; return 0;
    case 'u': break;
    default: return -1;
  }
  if ((cp = read_hex4(ps)) < 0)
    return -1;
  if (cp >= 0xD800 && cp <= 0xDBFF) {       /* high surrogate */
    if (!match_word(ps, "\\u") || (lo = read_hex4(ps)) < 0xDC00 ||
        lo > 0xDFFF)
      return -1;
    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
  } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
    return -1;                               /* lone low surrogate */
  }
  *k += put_utf8(o + *k, (unsigned long)cp);
  return 0;
}

/* A string token; returns malloc'd decoded text (length in *len). */
static char *read_string (Parser *ps, size_t *len) {
  const char *q;
  char *o;
  size_t k = 0;
  if (ps->p >= ps->end || *ps->p != '"') {
    fail(ps, "string expected");
    return NULL;
  }
  ps->p++;
  for (q = ps->p; q < ps->end && *q != '"'; q++)
    if (*q == '\\') q++;
  o = malloc((size_t)(q - ps->p) + 4);
  if (o == NULL) { fail(ps, "out of memory"); return NULL; }
  while (ps->p < ps->end && *ps->p != '"') {
    unsigned char c = (unsigned char)*ps->p;
    if (c < 0x20) { fail(ps, "control character in string"); break; }
    if (c == '\\') {
      ps->p++;
      if (read_escape(ps, o, &k) != 0) { fail(ps, "bad escape"); break; }
    } else {
      o[k++] = (char)c;
      ps->p++;
    }
  }
  if (!ps->failed && ps->p >= ps->end)
    fail(ps, "unterminated string");
  if (ps->failed) { free(o); return NULL; }
  ps->p++;                                   /* closing quote */
  o[k] = '\0';
  *len = k;
  return o;
}

static void digits (Parser *ps) {
  while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
    ps->p++;
}

/* Number per the RFC grammar: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)? */
static SbxJson *read_number (Parser *ps) {
  const char *s = ps->p;
  char buf[64];
  int is_int = 1;
  SbxJson *j;
  if (ps->p < ps->end && *ps->p == '-') ps->p++;
  if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
    fail(ps, "bad number");
    return NULL;
  }
  if (*ps->p == '0') ps->p++; else digits(ps);
  if (ps->p < ps->end && *ps->p == '.') {
    is_int = 0;
    ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
      fail(ps, "bad fraction");
      return NULL;
    }
    digits(ps);
  }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
    is_int = 0;
    ps->p++;
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
      fail(ps, "bad exponent");
      return NULL;
    }
    digits(ps);
  }
  if ((size_t)(ps->p - s) >= sizeof(buf)) {
    fail(ps, "number too long");
    return NULL;
  }
  memcpy(buf, s, (size_t)(ps->p - s));
  buf[ps->p - s] = '\0';
  if ((j = node_new(SBX_JNUM)) == NULL) {
    fail(ps, "out of memory");
    return NULL;
  }
  j->num = strtod(buf, NULL);
  j->is_int = is_int;
  return j;
}

static SbxJson *parse_array (Parser *ps, int depth) {
  SbxJson *a = node_new(SBX_JARR);
  ps->p++;                                   /* '[' */
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == ']') { ps->p++; return a; }
  for (;;) {
    SbxJson *v = parse_value(ps, depth + 1);
    if (v == NULL || node_push(a, v) != 0) { sbx_json_free(v); break; }
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
    if (ps->p < ps->end && *ps->p == ']') { ps->p++; return a; }
    fail(ps, "',' or ']' expected");
    break;
  }
  sbx_json_free(a);
  return NULL;
}

/* One "key": value member appended to 'o'. 0 or -1. */
static int parse_member (Parser *ps, SbxJson *o, int depth) {
  size_t kl;
  char *key;
  SbxJson *v;
  skip_ws(ps);
  if ((key = read_string(ps, &kl)) == NULL)
    return -1;
  skip_ws(ps);
  if (ps->p >= ps->end || *ps->p != ':') {
    free(key);
    fail(ps, "':' expected");
    return -1;
  }
  ps->p++;
  if ((v = parse_value(ps, depth + 1)) == NULL) { free(key); return -1; }
  v->key = key;
  if (node_push(o, v) != 0) { sbx_json_free(v); return -1; }
  return 0;
}

static SbxJson *parse_object (Parser *ps, int depth) {
  SbxJson *o = node_new(SBX_JOBJ);
  ps->p++;                                   /* '{' */
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == '}') { ps->p++; return o; }
  for (;;) {
    if (parse_member(ps, o, depth) != 0) break;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
    if (ps->p < ps->end && *ps->p == '}') { ps->p++; return o; }
    fail(ps, "',' or '}' expected");
    break;
  }
  sbx_json_free(o);
  return NULL;
}

static SbxJson *parse_value (Parser *ps, int depth) {
  SbxJson *j;
  skip_ws(ps);
  if (depth > MAX_DEPTH) { fail(ps, "too deep"); return NULL; }
  if (ps->p >= ps->end) { fail(ps, "value expected"); return NULL; }
  switch (*ps->p) {
    case '{': return parse_object(ps, depth);
    case '[': return parse_array(ps, depth);
    case '"':
      if ((j = node_new(SBX_JSTR)) == NULL) return NULL;
      if ((j->str = read_string(ps, &j->slen)) == NULL) {
        free(j);
        return NULL;
      }
      return j;
    case 't': case 'f': case 'n':
      if (match_word(ps, "true") || match_word(ps, "false")) {
        j = node_new(SBX_JBOOL);
        j->boolean = ps->p[-1] == 'e' && ps->p[-2] == 'u';
        return j;
      }
      if (match_word(ps, "null")) return node_new(SBX_JNULL);
      fail(ps, "bad literal");
      return NULL;
    default:
      return read_number(ps);
  }
}

SbxJson *sbx_json_parse (const char *text, size_t len, char *err,
                         size_t errlen) {
  char dummy[8];
  Parser ps;
  SbxJson *j;
  ps.p = ps.start = text;
  ps.end = text + len;
  ps.err = err != NULL ? err : dummy;
  ps.errlen = err != NULL ? errlen : sizeof(dummy);
  ps.failed = 0;
  if (text == NULL) { fail(&ps, "no text"); return NULL; }
  j = parse_value(&ps, 0);
  if (j == NULL)
    return NULL;
  skip_ws(&ps);
  if (ps.p != ps.end) {
    fail(&ps, "trailing characters");
    sbx_json_free(j);
    return NULL;
  }
  return j;
}

void sbx_json_free (SbxJson *j) {
  size_t i;
  if (j == NULL)
    return;
  for (i = 0; i < j->n; i++)
    sbx_json_free(j->items[i]);
  free(j->items);
  free(j->str);
  free(j->key);
  free(j);
}

SbxJson *sbx_jfield (const SbxJson *obj, const char *key) {
  size_t i;
  if (obj == NULL || obj->type != SBX_JOBJ)
    return NULL;
  for (i = 0; i < obj->n; i++)
    if (strcmp(obj->items[i]->key, key) == 0)
      return obj->items[i];
  return NULL;
}

SbxJson *sbx_jat (const SbxJson *arr, size_t i) {
  if (arr == NULL || arr->type != SBX_JARR || i >= arr->n)
    return NULL;
  return arr->items[i];
}

SbxJson *sbx_jget (const SbxJson *root, const char *path) {
  char part[256];
  const SbxJson *cur = root;
  while (cur != NULL && *path != '\0') {
    size_t l = strcspn(path, ".");
    if (l >= sizeof(part))
      return NULL;
    memcpy(part, path, l);
    part[l] = '\0';
    path += l + (path[l] == '.');
    if (cur->type == SBX_JARR && strspn(part, "0123456789") == l && l > 0)
      cur = sbx_jat(cur, (size_t)strtoul(part, NULL, 10));
    else
      cur = sbx_jfield(cur, part);
  }
  return (SbxJson *)cur;
}

SbxJType sbx_jtype (const SbxJson *j) {
  return j == NULL ? SBX_JNONE : j->type;
}

const char *sbx_jstr (const SbxJson *j) {
  return (j != NULL && j->type == SBX_JSTR) ? j->str : NULL;
}

double sbx_jnum (const SbxJson *j) {
  return (j != NULL && j->type == SBX_JNUM) ? j->num : 0.0;
}

size_t sbx_jlen (const SbxJson *j) {
  return (j != NULL && (j->type == SBX_JARR || j->type == SBX_JOBJ))
         ? j->n : 0;
}

const char *sbx_jtype_name (const SbxJson *j) {
  static const char *const names[] = {
    "absent", "null", "boolean", "number", "string", "array", "object"
  };
  return names[sbx_jtype(j)];
}

int sbx_jkeys_exactly (const SbxJson *obj, const char *const *keys) {
  size_t want = 0;
  if (obj == NULL || obj->type != SBX_JOBJ)
    return 0;
  for (; keys[want] != NULL; want++)
    if (sbx_jfield(obj, keys[want]) == NULL)
      return 0;
  return obj->n == want;
}
