/*
** target.c -- the service root of a run (see target.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "target.h"

/* Copy the host part of 'url' (after "scheme://", before ':' '/' or
** end) into 'host'. */
static void url_host (const char *url, char *host, size_t n) {
  const char *p = strstr(url, "://");
  size_t i = 0;
  p = p ? p + 3 : url;
  if (*p == '[') {                     /* [v6]:port */
    const char *e = strchr(p, ']');
    size_t len = e ? (size_t)(e - p + 1) : strlen(p);
    for (; i < len && i + 1 < n; i++)
      host[i] = p[i];
  } else {
    for (; p[i] && p[i] != ':' && p[i] != '/' && i + 1 < n; i++)
      host[i] = p[i];
  }
  host[i] = '\0';
}

int sf_target_is_loopback (const char *url) {
  char host[256];
  url_host(url, host, sizeof(host));
  return strncmp(host, "127.", 4) == 0 || strcmp(host, "[::1]") == 0 ||
         strcasecmp(host, "localhost") == 0;
}

char *sf_target_normalize (const char *url, char *err, size_t errlen) {
  size_t n;
  char *root;
  int https = strncmp(url, "https://", 8) == 0;
  if (!https && strncmp(url, "http://", 7) != 0) {
    snprintf(err, errlen, "base URL '%s' must start with https:// "
             "(or http:// for a sandbox on this machine)", url);
    return NULL;
  }
  if (!https && !sf_target_is_loopback(url)) {
    snprintf(err, errlen, "base URL '%s': plain http is only allowed for "
             "loopback hosts; use https://", url);
    return NULL;
  }
  if ((root = strdup(url)) == NULL) {
    snprintf(err, errlen, "not enough memory");
    return NULL;
  }
  n = strlen(root);
  while (n > 0 && root[n - 1] == '/')
    root[--n] = '\0';
  if (n >= 7 && strcmp(root + n - 7, "/api/v1") == 0)
    root[n -= 7] = '\0';
  while (n > 0 && root[n - 1] == '/')
    root[--n] = '\0';
  return root;
}
