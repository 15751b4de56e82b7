/*
** buf.c -- growable byte buffer with a limit (see buf.h).
*/
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
