/*
** kinds.c -- the names of the failure kinds (kinds.h).
*/
#include <ctype.h>
#include <string.h>
#include "kinds.h"

static const char *const names[SF_KIND_COUNT] = {
  [SF_KIND_NONE] = "",
  [SF_KIND_BAD_REQUEST] = "bad_request",
  [SF_KIND_AUTH] = "auth",
  [SF_KIND_INSUFFICIENT_CREDITS] = "insufficient_credits",
  [SF_KIND_FORBIDDEN] = "forbidden",
  [SF_KIND_RATE_LIMITED] = "rate_limited",
  [SF_KIND_SERVER] = "server",
  [SF_KIND_NETWORK] = "network",
  [SF_KIND_TIMEOUT] = "timeout",
  [SF_KIND_TASK_FAILED] = "task_failed",
  [SF_KIND_BUDGET] = "budget",
  [SF_KIND_CANCELLED] = "cancelled",
  [SF_KIND_IO] = "io",
  [SF_KIND_INTERRUPTED] = "interrupted",
  [SF_KIND_STUCK] = "stuck",
};

const char *sf_kind_name (SfKind k) {
  return (unsigned)k < SF_KIND_COUNT ? names[k] : "";
}

SfKind sf_kind_from_name (const char *name) {
  int k;
  for (k = 1; name != NULL && k < SF_KIND_COUNT; k++)
    if (strcmp(names[k], name) == 0)
      return (SfKind)k;
  return SF_KIND_NONE;
}

/* Does 's' contain "credit", in any case? */
static int mentions_credits (const char *s) {
  static const char word[] = "credit";
  size_t i, n = sizeof(word) - 1;
  for (; s != NULL && *s; s++) {
    for (i = 0; i < n && s[i] && tolower((unsigned char)s[i]) == word[i]; i++)
      ;
    if (i == n)
      return 1;
  }
  return 0;
}

SfKind sf_kind_of_status (long status, const char *body) {
  if (status == 401)
    return SF_KIND_AUTH;
  if (status == 403)
    return mentions_credits(body) ? SF_KIND_INSUFFICIENT_CREDITS
                                  : SF_KIND_FORBIDDEN;
  if (status == 408)
    return SF_KIND_TIMEOUT;
  if (status == 429)
    return SF_KIND_RATE_LIMITED;
  if (status >= 500)
    return SF_KIND_SERVER;
  return SF_KIND_BAD_REQUEST;
}
