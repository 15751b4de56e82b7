/*
** retry.c -- the retry table and its token bucket (retry.h).
*/
#include <math.h>
#include <stddef.h>
#include <time.h>
#include "headers.h"
#include "retry.h"

#define P (1u << SF_CALL_PAID)
#define R (1u << SF_CALL_READ)
#define D (1u << SF_CALL_DOWNLOAD)

/* The table: for each failure, the classes of call that retry it. */
static unsigned fail_row (SfFailKind k) {
  switch (k) {
    case SF_FAIL_CONNECT: return P | R | D;   /* never reached them */
    case SF_FAIL_TIMEOUT: return R | D;
    case SF_FAIL_NETWORK: return R | D;
    default: return 0;   /* tls, too_large, write, aborted: never */
  }
}

static unsigned status_row (long status) {
  switch (status) {
    case 408: return R | D;
    case 429: return P | R | D;               /* refused: not charged */
    case 500: case 502: case 503: case 504: return R | D;
    default: return 0;
  }
}

void sf_retry_init (SfRetry *r, uint64_t seed) {
  r->attempts = 6;
  r->base = 1.0;
  r->cap = 30.0;
  r->retry_after_max = 120.0;
  r->tokens = r->capacity = 100;
  r->cost = 5;
  r->timeout_cost = 10;
  r->retries = 0;
  r->rng = seed ? seed : 0x9e3779b97f4a7c15ull;
}

int sf_retry_should (SfRetry *r, SfCallClass cls, const SfFailure *f,
                     int attempt) {
  unsigned row;
  double cost;
  if (f->truncated)
    row = D;
  else if (f->fail != SF_FAIL_NONE)
    row = fail_row(f->fail);
  else
    row = status_row(f->status);
  if (cls == SF_CALL_ONCE || !(row & (1u << cls)) || attempt >= r->attempts)
    return 0;
  /* a 429 to a paid call is the account's pace: the call waits for its
  ** slot in the scheduler's queue (steps.c), which is not a storm of
  ** retries the bucket is there to stop; the attempt limit still holds */
  if (cls == SF_CALL_PAID && f->fail == SF_FAIL_NONE && f->status == 429)
    return 1;
  cost = f->fail == SF_FAIL_TIMEOUT ? r->timeout_cost : r->cost;
  if (r->tokens < cost)
    return 0;
  r->tokens -= cost;
  r->retries++;
  return 1;
}

/* xorshift64*: a uniform number in [0, 1) for the jitter. */
static double uniform (SfRetry *r) {
  r->rng ^= r->rng >> 12;
  r->rng ^= r->rng << 25;
  r->rng ^= r->rng >> 27;
  return (double)((r->rng * 0x2545F4914F6CDD1Dull) >> 11) / 9007199254740992.0;
}

double sf_retry_delay (SfRetry *r, int attempt, const char *retry_after,
                       int *long_wait) {
  double wanted = -1, ceiling;
  *long_wait = 0;
  if (retry_after != NULL && retry_after[0])
    wanted = sf_parse_retry_after(retry_after, time(NULL));
  if (wanted >= 0) {
    *long_wait = wanted > r->retry_after_max;
    return wanted;
  }
  ceiling = fmin(r->cap, r->base * pow(2, attempt - 1));
  return uniform(r) * ceiling;
}

void sf_retry_success (SfRetry *r) {
  r->tokens = fmin(r->capacity, r->tokens + 1);
}
