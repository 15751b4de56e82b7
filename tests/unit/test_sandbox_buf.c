/*
** test_sandbox_buf.c -- the sandbox's answer writer (runtime/sandbox/buf.c):
** every answer a client parses is built with it, so a JSON string must come
** out escaped exactly (quotes, backslashes, every control character) with
** UTF-8 untouched, and a formatted piece must be whole whatever its length
** and wherever the buffer's capacity happens to end.
*/
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "sbx.h"

static int str_is (const char *in, const char *want) {
  Buf b;
  int ok;
  sf_sbx_buf_init(&b);
  sf_sbx_buf_str(&b, in);
  ok = strcmp(b.p, want) == 0 && b.len == strlen(want);
  if (!ok)
    fprintf(stderr, "  got %s, want %s\n", b.p, want);
  sf_sbx_buf_free(&b);
  return ok;
}

static void test_strings (void) {
  CHECK(str_is(NULL, "null"));
  CHECK(str_is("", "\"\""));
  CHECK(str_is("lo-fi, acoustic", "\"lo-fi, acoustic\""));
  CHECK(str_is("say \"hi\"", "\"say \\\"hi\\\"\""));
  CHECK(str_is("a\\b", "\"a\\\\b\""));
  CHECK(str_is("[Verse]\nla\r\tx", "\"[Verse]\\nla\\r\\tx\""));
  CHECK(str_is("\x01\x1f" "end", "\"\\u0001\\u001fend\""));
  CHECK(str_is("\"", "\"\\\"\""));                /* escape first and last */
  CHECK(str_is("caf\xc3\xa9 \xe2\x99\xaa", "\"caf\xc3\xa9 \xe2\x99\xaa\""));
  CHECK(str_is("\x7f", "\"\x7f\""));              /* DEL is not a control here */
}

/* Formatted pieces of every length around the buffer's spare room. */
static void test_fmt_lengths (void) {
  char piece[1200], want[40000];
  size_t wlen = 0;
  int n;
  Buf b;
  sf_sbx_buf_init(&b);
  for (n = 0; n < 1100; n += 7) {
    memset(piece, 'a' + n % 26, (size_t)n);
    piece[n] = '\0';
    sf_sbx_buf_fmt(&b, "%s|%d,", piece, n);
    wlen += (size_t)snprintf(want + wlen, sizeof(want) - wlen, "%s|%d,",
                             piece, n);
    if (wlen >= sizeof(want) - 1200)
      break;
  }
  CHECK(b.len == wlen);
  CHECK(b.p != NULL && strcmp(b.p, want) == 0);
  CHECK(b.len < b.cap);
  sf_sbx_buf_free(&b);
  sf_sbx_buf_init(&b);
  sf_sbx_buf_fmt(&b, "%s", "");                   /* nothing to add */
  CHECK(b.len == 0 && (b.p == NULL || b.p[0] == '\0'));
  sf_sbx_buf_add(&b, "x");
  CHECK(strcmp(b.p, "x") == 0);
  sf_sbx_buf_free(&b);
}

int main (void) {
  test_strings();
  test_fmt_lengths();
  return CHECK_DONE();
}
