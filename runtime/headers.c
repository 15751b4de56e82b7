/*
** headers.c -- header value parsers (see headers.h).
*/
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "headers.h"

/* Parse a run of digits at *p (at most 'max' of them); -1 if none. */
static long long digits (const char **p, int max) {
  long long v = 0;
  int n = 0;
  while (isdigit((unsigned char)**p) && n < max) {
    v = v * 10 + (**p - '0');
    (*p)++;
    n++;
  }
  return n ? v : -1;
}

static void skip_spaces (const char **p) {
  while (**p == ' ' || **p == '\t')
    (*p)++;
}

/* Month name (3 letters) to 0..11, or -1. */
static int month_of (const char *p) {
  static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
  int i;
  for (i = 0; i < 12; i++)
    if (strncasecmp(p, months + 3 * i, 3) == 0)
      return i;
  return -1;
}

/* Days from 1970-01-01 to the given civil date (proleptic Gregorian). */
static long long days_from_civil (long long y, int m, int d) {
  long long era;
  int yoe, doy, doe;
  y -= m <= 2;
  era = (y >= 0 ? y : y - 399) / 400;
  yoe = (int)(y - era * 400);
  doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* "HH:MM:SS" at *p into seconds, or -1. */
static long long clock_of (const char **p) {
  long long h = digits(p, 2), m, s;
  if (h < 0 || h > 23 || *(*p)++ != ':')
    return -1;
  if ((m = digits(p, 2)) < 0 || m > 59 || *(*p)++ != ':')
    return -1;
  if ((s = digits(p, 2)) < 0 || s > 60)
    return -1;
  return h * 3600 + m * 60 + s;
}

static time_t make_time (long long y, int mon, long long d, long long secs) {
  long long t;
  if (y < 1970 || y > 9999 || mon < 0 || d < 1 || d > 31 || secs < 0)
    return -1;
  t = days_from_civil(y, mon + 1, (int)d) * 86400 + secs;
  return t > (long long)INT_MAX * 64 ? -1 : (time_t)t;
}

time_t sf_parse_http_date (const char *v) {
  const char *p = v, *comma;
  long long d, y, secs;
  int mon;
  if (v == NULL)
    return -1;
  skip_spaces(&p);
  comma = strchr(p, ',');
  if (comma != NULL) {
    p = comma + 1;
    skip_spaces(&p);
    if ((d = digits(&p, 2)) < 0)
      return -1;
    if (*p == ' ') {                  /* IMF-fixdate: 21 Oct 2015 */
      p++;
      if ((mon = month_of(p)) < 0)
        return -1;
      p += 3;
      if (*p++ != ' ' || (y = digits(&p, 4)) < 0 || *p++ != ' ')
        return -1;
    } else if (*p == '-') {           /* RFC 850: 21-Oct-15 */
      p++;
      if ((mon = month_of(p)) < 0)
        return -1;
      p += 3;
      if (*p++ != '-' || (y = digits(&p, 4)) < 0 || *p++ != ' ')
        return -1;
      if (y < 100)
        y += y < 70 ? 2000 : 1900;
    } else {
      return -1;
    }
    if ((secs = clock_of(&p)) < 0)
      return -1;
    skip_spaces(&p);
    if (strncasecmp(p, "GMT", 3) != 0)
      return -1;
    return make_time(y, mon, d, secs);
  }
  /* asctime: Sun Nov  6 08:49:37 1994 */
  if (strlen(p) < 24 || p[3] != ' ' || (mon = month_of(p + 4)) < 0)
    return -1;
  p += 8;
  skip_spaces(&p);
  if ((d = digits(&p, 2)) < 0 || *p++ != ' ' || (secs = clock_of(&p)) < 0 ||
      *p++ != ' ' || (y = digits(&p, 4)) < 0)
    return -1;
  return make_time(y, mon, d, secs);
}

double sf_parse_retry_after (const char *v, time_t now) {
  const char *p = v;
  long long secs;
  time_t when;
  if (v == NULL)
    return -1;
  skip_spaces(&p);
  if (isdigit((unsigned char)*p)) {
    secs = digits(&p, 10);
    skip_spaces(&p);
    return *p == '\0' ? (double)secs : -1;
  }
  if ((when = sf_parse_http_date(p)) < 0)
    return -1;
  return when > now ? (double)(when - now) : 0;
}

int sf_parse_content_range (const char *v, long long *first,
                            long long *last, long long *total) {
  const char *p = v;
  if (v == NULL || strncasecmp(p, "bytes", 5) != 0)
    return -1;
  p += 5;
  skip_spaces(&p);
  if ((*first = digits(&p, 18)) < 0 || *p++ != '-' ||
      (*last = digits(&p, 18)) < 0 || *p++ != '/' || *last < *first)
    return -1;
  if (*p == '*') {
    *total = -1;
    p++;
  } else if ((*total = digits(&p, 18)) < 0 || *total <= *last) {
    return -1;
  }
  skip_spaces(&p);
  return *p == '\0' ? 0 : -1;
}
