/*
** buf.h -- a growable byte buffer with a hard size limit.
*/
#ifndef SF_BUF_H
#define SF_BUF_H

#include <stddef.h>
#include <stdio.h>

typedef struct SfBuf {
  char *data;          /* NUL-terminated when non-NULL */
  size_t len, cap;
  size_t limit;        /* appending past this fails; 0 = no limit */
} SfBuf;

void sf_buf_init (SfBuf *b, size_t limit);
/* Append 'n' bytes. Returns 0, or -1 (over the limit or out of memory),
** leaving the buffer as it was. */
int sf_buf_append (SfBuf *b, const void *p, size_t n);
void sf_buf_reset (SfBuf *b);
/* Append 'n' bytes of 's' as a JSON string: quotes, backslashes and
** control characters as \u00XX (the one escaping of the client: the
** journal's step identities hash this form, so it never changes). */
int sf_buf_append_json_string (SfBuf *b, const char *s, size_t n);
void sf_buf_free (SfBuf *b);
/* Print 's' to 'f' as a JSON string (the escaping above; NULL as ""):
** the JSON listings of `runs` and `analyze`. */
void sf_json_print_string (FILE *f, const char *s);
/* Write code point 'cp' (at most 0x10FFFF) at 'o' as UTF-8, 1 to 4 bytes;
** returns the byte after them. Both JSON readers' \u escapes: the
** client's (bindings/sonic_json.c) and the sandbox's. */
char *sf_utf8_put (char *o, unsigned long cp);

#endif
