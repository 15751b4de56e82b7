/*
** wiring.c -- the composition root shared by both hosts (wiring.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "loop.h"
#include "sandbox/sandbox.h"
#include "secrets.h"
#include "target.h"
#include "wiring.h"

int sf_wire_loop (SfRuntime *rt, const SfWiring *w, SfWired *out, char *err,
                  size_t errlen) {
  out->loop_open = 1;          /* zeroed pipe fds would be stdin: guard */
  if (sf_loop_init(rt, w->max_inflight) != 0) {
    snprintf(err, errlen, "cannot initialise the network (libcurl)");
    return -1;
  }
  rt->http.verbose = w->verbose;
  if (w->max_download_mb > 0)
    rt->max_download = (long long)(w->max_download_mb * 1048576.0);
  return 0;
}

/* Start the in-process sandbox; rt->base_url then points at it. */
static int start_sandbox (SfRuntime *rt, const SfWiring *w, SfWired *out,
                          char *err, size_t errlen) {
  SfSandboxConfig cfg;
  sigset_t mask;
  sf_sandbox_config_init(&cfg);
  cfg.speed = w->sandbox_speed > 0 ? w->sandbox_speed : SF_IN_PROCESS_SPEED;
  if (w->sandbox_clip_seconds > 0)
    cfg.clip_seconds = w->sandbox_clip_seconds;
  cfg.quiet = 1;
  cfg.state_path = w->sandbox_state;
  sf_block_stop_signals(&mask);       /* its threads leave them to Lua's */
  out->sandbox = sf_target_sandbox(rt, &out->key, &cfg, w->sandbox_args, err,
                                   errlen);
  sf_restore_signals(&mask);
  return out->sandbox != NULL ? 0 : -1;
}

int sf_wire_service (SfRuntime *rt, const SfWiring *w, SfWired *out,
                     int *usage, char *err, size_t errlen) {
  int have_key;
  *usage = 1;
  if ((have_key = sf_secret_load(w->key_file, &out->key, err, errlen)) < 0)
    return -1;
  if (w->force_sandbox || (!have_key && w->base_url == NULL)
      ? start_sandbox(rt, w, out, err, errlen)
      : sf_target_remote(rt, &out->key, w->base_url, have_key, err, errlen))
    return -1;
  sf_target_defaults(rt, w->poll_interval, w->wait_timeout);
  /* the account's pace: the real service's (about one generation per
  ** 3 s), the in-process sandbox's own (its --rate-limit, scaled like its
  ** clock); another sandbox or a test server on loopback says so when it
  ** refuses one */
  rt->paid_interval = w->paid_interval >= 0 ? w->paid_interval
                    : out->sandbox != NULL
                      ? sf_sandbox_paid_interval(out->sandbox)
                    : sf_target_is_loopback(rt->base_url) ? 0 : SF_ACCOUNT_PACE;
  *usage = 0;
  if ((rt->api_prefix = malloc(strlen(rt->base_url) + 9)) == NULL) {
    snprintf(err, errlen, "not enough memory");
    return -1;
  }
  sprintf(rt->api_prefix, "%s/api/v1/", rt->base_url);
  /* the key goes into one header line, sent only below the API prefix */
  if (sf_http_set_auth(&rt->http, out->key, rt->api_prefix) != 0) {
    snprintf(err, errlen, "not enough memory");
    return -1;
  }
  return 0;
}

void sf_unwire (SfRuntime *rt, SfWired *wd) {
  if (wd->loop_open) {
    sf_loop_free(rt);
    wd->loop_open = 0;
  }
  sf_sandbox_stop(wd->sandbox);      /* joins its threads */
  wd->sandbox = NULL;
  sf_secret_free(wd->key);
  wd->key = NULL;
  free(rt->base_url);
  free(rt->api_prefix);
  rt->base_url = rt->api_prefix = NULL;
}
