/*
** headers.h -- parsers for the HTTP header values the client acts on.
** Pure functions of their input (fuzzed in tests/fuzz/).
*/
#ifndef SF_HEADERS_H
#define SF_HEADERS_H

#include <stddef.h>
#include <time.h>

/*
** Retry-After: delta-seconds ("120") or an HTTP-date
** ("Wed, 21 Oct 2015 07:28:00 GMT", also the obsolete RFC 850 and asctime
** forms). Returns the seconds to wait from 'now' (0 for a date in the
** past), or -1 when the value is not valid.
*/
double sf_parse_retry_after (const char *value, time_t now);

/* An HTTP-date as a time_t (UTC), or -1. */
time_t sf_parse_http_date (const char *value);

/*
** Content-Range of a 206: "bytes FIRST-LAST/TOTAL" (TOTAL may be '*').
** Returns 0 with the fields set (*total = -1 for '*'), -1 when invalid
** (including LAST < FIRST, or TOTAL <= LAST).
*/
int sf_parse_content_range (const char *value, long long *first,
                            long long *last, long long *total);

#endif
