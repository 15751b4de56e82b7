/*
** buf.c -- a growable NUL-terminated buffer, and the JSON writing helpers
** every answer is built with.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sbx.h"

void sf_sbx_buf_init (Buf *b) {
  b->p = NULL;
  b->len = b->cap = 0;
}

void sf_sbx_buf_free (Buf *b) {
  free(b->p);
  sf_sbx_buf_init(b);
}

/* Make room for 'n' more bytes plus the NUL. */
static void buf_reserve (Buf *b, size_t n) {
  size_t cap = b->cap ? b->cap : 256;
  if (b->len + n + 1 <= b->cap)
    return;
  while (cap < b->len + n + 1)
    cap *= 2;
  b->p = sf_sbx_realloc(b->p, cap);
  b->cap = cap;
}

void sf_sbx_buf_addn (Buf *b, const void *s, size_t n) {
  buf_reserve(b, n);
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void sf_sbx_buf_add (Buf *b, const char *s) {
  sf_sbx_buf_addn(b, s, strlen(s));
}

/* Most formatted pieces are a number or a short field: formatted once into
** the buffer's spare room when they fit, a second time only when not
** (vsnprintf is most of a poll answer's cost otherwise). */
void sf_sbx_buf_fmt (Buf *b, const char *fmt, ...) {
  va_list ap;
  int n;
  buf_reserve(b, 64);
  va_start(ap, fmt);
  n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
  va_end(ap);
  if (n <= 0) {
    b->p[b->len] = '\0';
    return;
  }
  if ((size_t)n >= b->cap - b->len) {     /* did not fit: grow, again */
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
  }
  b->len += (size_t)n;
}

/* Append 's' as a JSON string literal (NULL as null). Control characters
** are escaped; other bytes, UTF-8 included, pass through. */
void sf_sbx_buf_str (Buf *b, const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  if (s == NULL) {
    sf_sbx_buf_add(b, "null");
    return;
  }
  sf_sbx_buf_addn(b, "\"", 1);
  for (; *p; p++) {
    const unsigned char *run = p;     /* bytes that need no escape: at once */
    while (*p >= 0x20 && *p != '"' && *p != '\\')
      p++;
    if (p > run)
      sf_sbx_buf_addn(b, run, (size_t)(p - run));
    if (*p == '\0')
      break;
    switch (*p) {
    case '"': sf_sbx_buf_add(b, "\\\""); break;
    case '\\': sf_sbx_buf_add(b, "\\\\"); break;
    case '\n': sf_sbx_buf_add(b, "\\n"); break;
    case '\r': sf_sbx_buf_add(b, "\\r"); break;
    case '\t': sf_sbx_buf_add(b, "\\t"); break;
    default:                          /* the other control characters */
      sf_sbx_buf_fmt(b, "\\u%04x", *p);
    }
  }
  sf_sbx_buf_addn(b, "\"", 1);
}

/* Append a JSON number: integers without a fraction, others with up to
** 15 significant digits; NaN and infinities (never valid JSON) as null. */
void sf_sbx_buf_num (Buf *b, double v) {
  if (!isfinite(v))
    sf_sbx_buf_add(b, "null");
  else if (v == floor(v) && fabs(v) < 1e15)
    sf_sbx_buf_fmt(b, "%lld", (long long)v);
  else
    sf_sbx_buf_fmt(b, "%.15g", v);
}

/* Hand the bytes to the caller (never NULL) and reset 'b'. */
char *sf_sbx_buf_take (Buf *b) {
  char *p = b->p;
  if (p == NULL)
    p = sf_sbx_strdup("");
  sf_sbx_buf_init(b);
  return p;
}
