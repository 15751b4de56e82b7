/*
** target.c -- the service root of a run (see target.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "runtime.h"
#include "sandbox/sandbox.h"
#include "secrets.h"
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

int sf_target_remote (SfRuntime *rt, char **key, const char *base,
                      int have_key, char *err, size_t errlen) {
  rt->base_url = sf_target_normalize(base ? base : SF_REAL_SERVICE, err,
                                     errlen);
  if (rt->base_url == NULL)
    return -1;
  if (!have_key) {
    if (!sf_target_is_loopback(rt->base_url)) {
      snprintf(err, errlen, "no API key for %s: set MUSICAPI_KEY or use "
               "a key file (or leave out the base URL to use the built-in "
               "sandbox)", rt->base_url);
      return -1;
    }
    *key = strdup("sandbox-local-key");
  }
  rt->sandbox_speed = 1;
  if (*key == NULL) {
    snprintf(err, errlen, "not enough memory");
    return -1;
  }
  return 0;
}

/* Split 'args' on white space into 'argv' (modified in place). */
static int split_args (char *args, char **argv, int max) {
  int n = 0;
  char *save = NULL, *tok;
  for (tok = strtok_r(args, " \t\n", &save); tok != NULL && n < max;
       tok = strtok_r(NULL, " \t\n", &save))
    argv[n++] = tok;
  return n;
}

SfSandbox *sf_target_sandbox (SfRuntime *rt, char **key,
                              SfSandboxConfig *cfg, const char *args,
                              char *err, size_t errlen) {
  char *argv[64], *copy = NULL, url[128], own[48], rnd[33];
  SfSandbox *sbx = NULL;
  if (args != NULL && args[0] != '\0') {
    if ((copy = strdup(args)) == NULL) {
      snprintf(err, errlen, "not enough memory");
      return NULL;
    }
    if (sf_sandbox_config_parse(cfg, split_args(copy, argv, 64), argv, err,
                                errlen) != 0)
      goto done;                 /* 'err' names the bad option */
  }
  cfg->host = "127.0.0.1";
  /* The account's key never reaches a sandbox in this process: it would
  ** keep it (as the signing secret of a create's own webhook, in its state
  ** file). The sandbox and this client share a key made for this process
  ** instead, which also keeps other local processes out of it. */
  if (cfg->key == NULL) {             /* else --sandbox-args gave --key */
    if (sf_secret_random_hex(rnd, 16) != 0) {
      snprintf(err, errlen, "cannot make a key for the sandbox "
               "(no randomness)");
      goto done;
    }
    snprintf(own, sizeof(own), "sandbox-%s", rnd);
    cfg->key = own;                   /* copied by sf_sandbox_start */
  }
  if ((sbx = sf_sandbox_start(cfg, err, errlen)) == NULL)
    goto done;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", sf_sandbox_port(sbx));
  rt->base_url = strdup(url);
  rt->in_process_sandbox = 1;
  rt->sandbox_speed = cfg->speed > 0 ? cfg->speed : 1;
  sf_secret_free(*key);               /* the real one, if any: wiped */
  *key = strdup(cfg->key);
  if (rt->base_url == NULL || *key == NULL) {
    snprintf(err, errlen, "not enough memory");
    sf_sandbox_stop(sbx);
    sbx = NULL;
  }
done:
  if (cfg->key == own)
    cfg->key = NULL;        /* 'own' dies with this frame */
  memset(own, 0, sizeof(own));
  memset(rnd, 0, sizeof(rnd));
  free(copy);               /* the config's strings are used up by now */
  return sbx;
}

void sf_target_defaults (SfRuntime *rt, double poll_interval,
                         double wait_timeout) {
  double sp = rt->sandbox_speed > 0 ? rt->sandbox_speed : 1;
  if (poll_interval > 0) {
    rt->poll_first = rt->poll_min = rt->poll_max = poll_interval;
    rt->poll_fixed = poll_interval;
  } else {
    rt->poll_first = 10.0 / sp;
    rt->poll_min = 15.0 / sp;
    rt->poll_max = 25.0 / sp;
  }
  rt->wait_timeout = wait_timeout > 0 ? wait_timeout : 900.0;
}
