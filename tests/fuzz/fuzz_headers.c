/*
** fuzz_headers.c -- libFuzzer harness for the header parsers the client
** acts on: Retry-After (seconds or HTTP-date) and Content-Range. The
** first byte picks the parser; the rest is the header value.
*/
#include <stdlib.h>
#include <string.h>
#include "headers.h"

int LLVMFuzzerTestOneInput (const unsigned char *data, size_t size) {
  char *v;
  long long a, b, t;
  if (size < 1)
    return 0;
  v = malloc(size);
  memcpy(v, data + 1, size - 1);
  v[size - 1] = '\0';
  switch (data[0] % 3) {
    case 0: {
      double s = sf_parse_retry_after(v, 1445412480);
      if (!(s == -1 || s >= 0))
        abort();
      break;
    }
    case 1:
      if (sf_parse_content_range(v, &a, &b, &t) == 0 &&
          (a < 0 || b < a || (t != -1 && t <= b)))
        abort();                 /* accepted something inconsistent */
      break;
    default:
      sf_parse_http_date(v);
  }
  free(v);
  return 0;
}
