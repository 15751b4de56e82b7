/*
** options.c -- parsing `sonicflow run` options (see options.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "options.h"

/* The value of option 'name' at argv[*i]: "--name=value" or "--name
** value". NULL (with 'err' set) when it is missing. */
static const char *option_value (int argc, char **argv, int *i,
                                 const char *name, char *err,
                                 size_t errlen) {
  const char *a = argv[*i];
  size_t n = strlen(name);
  if (a[n] == '=')
    return a + n + 1;
  if (*i + 1 >= argc) {
    snprintf(err, errlen, "option %s needs a value", name);
    return NULL;
  }
  return argv[++*i];
}

/* Is argv[i] option 'name' (alone or as "name=...")? */
static int is_option (const char *a, const char *name) {
  size_t n = strlen(name);
  return strncmp(a, name, n) == 0 && (a[n] == '\0' || a[n] == '=');
}

static int parse_number (const char *s, double min, double *out) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || *end != '\0' || !(v >= min))
    return -1;
  *out = v;
  return 0;
}

/* Options taking a value: name, then which field it sets. */
static int set_valued (SfRunOptions *o, const char *name, const char *v,
                       char *err, size_t errlen) {
  double d;
  if (strcmp(name, "--base-url") == 0)
    o->base_url = v;
  else if (strcmp(name, "--sandbox-args") == 0)
    o->sandbox_args = v;
  else if (strcmp(name, "--key-file") == 0)
    o->key_file = v;
  else if (strcmp(name, "--journal") == 0)
    o->journal = v;
  else if (strcmp(name, "--har") == 0)
    o->har = v;
  else if (strcmp(name, "--webhook-listen") == 0)
    o->webhook_listen = v;
  else if (strcmp(name, "--webhook-url") == 0)
    o->webhook_url = v;
  else if (strcmp(name, "--webhook-secret") == 0)
    o->webhook_secret = v;
  else if (strcmp(name, "--webhook-fallback") == 0) {
    if (parse_number(v, 0.01, &d) != 0)
      goto bad;
    o->webhook_fallback = d;
  }
  else if (strcmp(name, "--poll-interval") == 0) {
    if (parse_number(v, 0.001, &d) != 0)
      goto bad;
    o->poll_interval = d;
  } else if (strcmp(name, "--wait-timeout") == 0) {
    if (parse_number(v, 0.001, &d) != 0)
      goto bad;
    o->wait_timeout = d;
  } else if (strcmp(name, "--budget") == 0) {
    if (parse_number(v, 0, &d) != 0 || d != (long long)d)
      goto bad;
    o->budget = (long long)d;
  } else if (strcmp(name, "--memory-limit") == 0) {
    if (parse_number(v, 1, &d) != 0)
      goto bad;
    o->memory_mb = d;
  } else if (strcmp(name, "--instruction-limit") == 0) {
    if (parse_number(v, 1000, &d) != 0)
      goto bad;
    o->instructions = d;
  } else if (strcmp(name, "--paid-interval") == 0) {
    if (parse_number(v, 0, &d) != 0 || d > 3600)
      goto bad;
    o->paid_interval = d;
  } else if (strcmp(name, "--clip-seconds") == 0) {
    if (parse_number(v, 0.5, &d) != 0 || d > 600)
      goto bad;
    o->clip_seconds = d;
  } else if (strcmp(name, "--max-download-mb") == 0) {
    if (parse_number(v, 1, &d) != 0 || d > 1048576)
      goto bad;
    o->max_download_mb = d;
  } else if (strcmp(name, "--max-inflight") == 0) {
    if (parse_number(v, 1, &d) != 0 || d > 100000 || d != (int)d)
      goto bad;
    o->max_inflight = (int)d;
  }
  return 0;
bad:
  snprintf(err, errlen, "bad value '%s' for %s", v, name);
  return -1;
}

static const char *const valued[] = {
  "--base-url", "--sandbox-args", "--key-file", "--poll-interval",
  "--wait-timeout", "--budget", "--max-inflight", "--journal",
  "--memory-limit", "--instruction-limit", "--webhook-listen",
  "--webhook-url", "--webhook-secret", "--webhook-fallback",
  "--max-download-mb", "--paid-interval", "--clip-seconds", "--har", NULL
};

int sf_run_options_parse (SfRunOptions *o, int argc, char **argv,
                          int want_script, char *err, size_t errlen) {
  int i;
  memset(o, 0, sizeof(*o));
  o->budget = -1;
  o->paid_interval = -1;
  o->verbosity = 1;
  o->base_url = getenv("SONICFLOW_BASE_URL");
  if (o->base_url != NULL && *o->base_url == '\0')
    o->base_url = NULL;
  for (i = 0; i < argc; i++) {
    const char *a = argv[i];
    int k, matched = 0;
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (a[0] != '-' || a[1] == '\0')
      break;                                  /* the script */
    for (k = 0; valued[k] != NULL && !matched; k++) {
      if (is_option(a, valued[k])) {
        const char *v = option_value(argc, argv, &i, valued[k], err, errlen);
        if (v == NULL || set_valued(o, valued[k], v, err, errlen) != 0)
          return -1;
        matched = 1;
      }
    }
    if (matched)
      continue;
    if (strcmp(a, "--sandbox") == 0)
      o->force_sandbox = 1;
    else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0)
      o->verbosity = 0;
    else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
      o->verbosity = 2;
    else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
      o->help = 1;
    else if (strcmp(a, "--no-journal") == 0)
      o->no_journal = 1;
    else if (strcmp(a, "--resend-unknown") == 0)
      o->resend_unknown = 1;
    else if (strcmp(a, "--dry-run") == 0)
      o->dry_run = 1;
    else if (strcmp(a, "--json") == 0)
      o->json = 1;
    else if (strcmp(a, "--sandbox-script") == 0)
      o->untrusted = 1;
    else if (strcmp(a, "--no-progress") == 0)
      o->no_progress = 1;
    else {
      snprintf(err, errlen, "unknown option '%s' (see --help)", a);
      return -1;
    }
  }
  if (want_script && i < argc) {
    o->script = argv[i++];
  }
  o->script_argc = argc - i;
  o->script_argv = argv + i;
  if (want_script && o->script == NULL && !o->help) {
    snprintf(err, errlen, "no script given (usage: sonicflow run "
             "[OPTIONS] SCRIPT [ARGS...])");
    return -1;
  }
  return 0;
}
