/*
** buf.c -- growable byte buffer with a limit (see buf.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"

void sf_buf_init (SfBuf *b, size_t limit) {
  b->data = NULL;
  b->len = b->cap = 0;
  b->limit = limit;
}

int sf_buf_append (SfBuf *b, const void *p, size_t n) {
  if (b->limit != 0 && (n > b->limit || b->len > b->limit - n))
    return -1;
  if (b->len + n + 1 > b->cap) {
    size_t ncap = b->cap ? b->cap : 1024;
    char *d;
    while (ncap < b->len + n + 1)
      ncap *= 2;
    if ((d = realloc(b->data, ncap)) == NULL)
      return -1;
    b->data = d;
    b->cap = ncap;
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

void sf_buf_reset (SfBuf *b) {
  b->len = 0;
  if (b->data != NULL)
    b->data[0] = '\0';
}

void sf_buf_free (SfBuf *b) {
  free(b->data);
  sf_buf_init(b, b->limit);
}

int sf_buf_append_json_string (SfBuf *b, const char *s, size_t n) {
  size_t i, run = 0;
  int rc = sf_buf_append(b, "\"", 1);
  for (i = 0; i < n && rc == 0; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\' || c < 0x20) {
      char esc[8];
      snprintf(esc, sizeof(esc), "\\u%04x", c);
      rc = sf_buf_append(b, s + i - run, run) || sf_buf_append(b, esc, 6);
      run = 0;
    } else {
      run++;
    }
  }
  return rc || sf_buf_append(b, s + n - run, run) || sf_buf_append(b, "\"", 1)
         ? -1 : 0;
}

void sf_json_print_string (FILE *f, const char *s) {
  SfBuf b;
  if (s == NULL)
    s = "";
  sf_buf_init(&b, 0);
  if (sf_buf_append_json_string(&b, s, strlen(s)) == 0)
    fputs(b.data, f);
  else
    fputs("null", f);            /* out of memory: still valid JSON */
  sf_buf_free(&b);
}

char *sf_utf8_put (char *o, unsigned long cp) {
  if (cp < 0x80) {
    *o++ = (char)cp;
  } else if (cp < 0x800) {
    *o++ = (char)(0xC0 | (cp >> 6));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *o++ = (char)(0xE0 | (cp >> 12));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *o++ = (char)(0xF0 | (cp >> 18));
    *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
    *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  return o;
}
