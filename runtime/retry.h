/*
** retry.h -- which failures are tried again, how often, how long apart.
**
** One table decides it for every call the client makes. Rows are
** failures (a transport failure, or an HTTP status); columns are the
** classes of call:
**   paid      a POST that may cost credits: retried ONLY when the service
**             cannot have acted on it (the connection never opened, or a
**             429: it refused, and charged nothing)
**   read      polls, credits, task status: free and idempotent
**   download  audio files: free and idempotent
**   once      never retried (free calls whose repeat is pointless)
** A failure that has no row is never retried: TLS verification, an
** answer over the size limit, a local write error, 400, 401, 403, and
** anything else the service refused on its merits.
**
** Retries spend tokens from one bucket per run (AWS "standard" retries):
** a success earns one back, so in an outage the bucket empties and calls
** fail at once instead of becoming a storm.
*/
#ifndef SF_RETRY_H
#define SF_RETRY_H

#include <stdint.h>
#include "http.h"

typedef enum SfCallClass {
  SF_CALL_PAID, SF_CALL_READ, SF_CALL_DOWNLOAD, SF_CALL_ONCE
} SfCallClass;

typedef struct SfRetry {
  int attempts;              /* tries in all, the first one included */
  double base;               /* seconds: the first backoff's ceiling */
  double cap;                /* seconds: no backoff is longer */
  double retry_after_max;    /* a longer Retry-After is obeyed, and said */
  double tokens, capacity, cost, timeout_cost;
  long long retries;         /* retries made in this run (reports) */
  uint64_t rng;              /* jitter */
} SfRetry;

/* What failed: a transport failure, else an HTTP status; 'truncated' for
** a download whose body stopped short of its Content-Length. */
typedef struct SfFailure {
  SfFailKind fail;
  long status;
  int truncated;
} SfFailure;

void sf_retry_init (SfRetry *r, uint64_t seed);
/* Is 'f' worth trying again for a call of class 'cls' that has been
** tried 'attempt' times? Spends the bucket's tokens when it says yes. */
int sf_retry_should (SfRetry *r, SfCallClass cls, const SfFailure *f,
                     int attempt);
/* Seconds before try 'attempt'+1: exponential backoff with full jitter,
** or the server's Retry-After (seconds or an HTTP date) when given.
** '*long_wait' is set when that is longer than retry_after_max. */
double sf_retry_delay (SfRetry *r, int attempt, const char *retry_after,
                       int *long_wait);
/* A call succeeded: the bucket earns a token back. */
void sf_retry_success (SfRetry *r);

#endif
