/*
** test_retry.c -- the retry table (runtime/retry.c): which failure is
** retried for which class of call, the attempt limit, the token bucket,
** and the backoff (full jitter, Retry-After as seconds or a date).
*/
#include <string.h>
#include <time.h>
#include "check.h"
#include "retry.h"

static int should (SfRetry *r, SfCallClass cls, SfFailKind fail, long status,
                   int truncated, int attempt) {
  SfFailure f = {fail, status, truncated};
  return sf_retry_should(r, cls, &f, attempt);
}

/* A fresh table each time, so the bucket never runs dry by accident. */
static int fresh (SfCallClass cls, SfFailKind fail, long status,
                  int truncated) {
  SfRetry r;
  sf_retry_init(&r, 42);
  return should(&r, cls, fail, status, truncated, 1);
}

static void test_table (void) {
  /* a paid call: only where the service cannot have charged it */
  CHECK(fresh(SF_CALL_PAID, SF_FAIL_CONNECT, 0, 0));
  CHECK(fresh(SF_CALL_PAID, SF_FAIL_NONE, 429, 0));
  CHECK(!fresh(SF_CALL_PAID, SF_FAIL_TIMEOUT, 0, 0));
  CHECK(!fresh(SF_CALL_PAID, SF_FAIL_NETWORK, 0, 0));
  CHECK(!fresh(SF_CALL_PAID, SF_FAIL_NONE, 500, 0));
  CHECK(!fresh(SF_CALL_PAID, SF_FAIL_NONE, 503, 0));
  CHECK(!fresh(SF_CALL_PAID, SF_FAIL_NONE, 504, 0));
  CHECK(!fresh(SF_CALL_PAID, SF_FAIL_NONE, 400, 0));
  CHECK(!fresh(SF_CALL_PAID, SF_FAIL_JOURNAL, 0, 0));
  /* reads and downloads: free and idempotent */
  CHECK(fresh(SF_CALL_READ, SF_FAIL_TIMEOUT, 0, 0));
  CHECK(fresh(SF_CALL_READ, SF_FAIL_NETWORK, 0, 0));
  CHECK(fresh(SF_CALL_READ, SF_FAIL_NONE, 502, 0));
  CHECK(fresh(SF_CALL_READ, SF_FAIL_NONE, 408, 0));
  CHECK(!fresh(SF_CALL_READ, SF_FAIL_NONE, 404, 0));
  CHECK(!fresh(SF_CALL_READ, SF_FAIL_NONE, 401, 0));
  CHECK(!fresh(SF_CALL_READ, SF_FAIL_NONE, 403, 0));
  CHECK(fresh(SF_CALL_DOWNLOAD, SF_FAIL_NONE, 200, 1));   /* truncated */
  CHECK(!fresh(SF_CALL_READ, SF_FAIL_NONE, 200, 1));
  /* never: an impostor, an oversized answer, a local write error */
  CHECK(!fresh(SF_CALL_READ, SF_FAIL_TLS, 0, 0));
  CHECK(!fresh(SF_CALL_DOWNLOAD, SF_FAIL_TOO_LARGE, 0, 0));
  CHECK(!fresh(SF_CALL_DOWNLOAD, SF_FAIL_WRITE, 0, 0));
  CHECK(!fresh(SF_CALL_ONCE, SF_FAIL_CONNECT, 0, 0));
}

static void test_limits (void) {
  SfRetry r;
  int n = 0, attempt;
  sf_retry_init(&r, 7);
  for (attempt = 1; attempt < 20; attempt++)
    n += should(&r, SF_CALL_READ, SF_FAIL_CONNECT, 0, 0, attempt);
  CHECK(n == r.attempts - 1);           /* tries in all, the first too */
  CHECK(r.retries == n);
  /* an outage empties the bucket: then calls fail at once */
  sf_retry_init(&r, 7);
  for (n = 0; n < 1000 && should(&r, SF_CALL_READ, SF_FAIL_NETWORK, 0, 0, 1);
       n++)
    ;
  CHECK(n == 20);                       /* 100 tokens, 5 a retry */
  CHECK(!should(&r, SF_CALL_READ, SF_FAIL_NONE, 429, 0, 1));
  /* a paid call's 429 is the account's pace: it waits for its slot in
  ** the scheduler, bucket or not -- but only up to the attempt limit */
  CHECK(should(&r, SF_CALL_PAID, SF_FAIL_NONE, 429, 0, 1));
  CHECK(!should(&r, SF_CALL_PAID, SF_FAIL_NONE, 429, 0, r.attempts));
  CHECK(r.tokens == 0);                 /* and it spent nothing */
  sf_retry_success(&r);
  CHECK(r.tokens == 1);                 /* a success earns one back */
  sf_retry_init(&r, 7);
  CHECK(should(&r, SF_CALL_READ, SF_FAIL_TIMEOUT, 0, 0, 1));
  CHECK(r.tokens == 90);                /* a timeout costs double */
}

static void test_delay (void) {
  SfRetry r;
  int attempt, i, long_wait;
  double d, lo = 1e9, hi = 0;
  char date[64];
  time_t later = time(NULL) + 40;
  sf_retry_init(&r, 99);
  for (attempt = 1; attempt <= 8; attempt++) {
    double ceiling = r.base * (1 << (attempt - 1));
    if (ceiling > r.cap)
      ceiling = r.cap;
    for (i = 0; i < 200; i++) {
      d = sf_retry_delay(&r, attempt, NULL, &long_wait);
      CHECK(d >= 0 && d <= ceiling && !long_wait);
      if (attempt == 8) {
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
      }
    }
  }
  CHECK(lo < 5 && hi > 25);             /* full jitter: the whole range */
  d = sf_retry_delay(&r, 1, "7", &long_wait);
  CHECK(d == 7 && !long_wait);
  d = sf_retry_delay(&r, 1, "600", &long_wait);
  CHECK(d == 600 && long_wait);         /* obeyed, and said */
  strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", gmtime(&later));
  d = sf_retry_delay(&r, 1, date, &long_wait);
  CHECK(d > 35 && d <= 41);
  d = sf_retry_delay(&r, 1, "soon", &long_wait);   /* invalid: backoff */
  CHECK(d >= 0 && d <= r.base);
}

int main (void) {
  test_table();
  test_limits();
  test_delay();
  return CHECK_DONE();
}
