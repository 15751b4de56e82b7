/*
** sandbox_cli.c -- `sonicflow sandbox [options]`: the options (a contract:
** tests outside the project use these names), --help, and the process
** around the server: first line on stdout, SIGINT/SIGTERM to stop.
*/
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sbx.h"

static const char *USAGE =
"usage: sonicflow sandbox [options]\n"
"\n"
"Serve a local emulator of MusicAPI's sonic service (same paths, shapes,\n"
"status codes and messages), with real synthesized audio. Prints\n"
"\"listening on http://HOST:PORT\" first; stops on SIGINT/SIGTERM.\n"
"\n"
"Server:\n"
"  --host ADDR            bind address (default 127.0.0.1)\n"
"  --port N               port, 0 = any free port (default 0)\n"
"  --key K                accept only this bearer key; repeat to accept\n"
"                         several (default: any non-empty key)\n"
"  --state FILE           keep tasks, clips and the ledger in this SQLite\n"
"                         file; a restart on it continues (default: memory)\n"
"  --quiet, -q            no request log on stderr\n"
"  --max-connections N    connections served at once (default: the\n"
"                         descriptor limit, raised to its hard limit, less\n"
"                         256)\n"
"  --per-ip-connections N connections per client address (default: no cap\n"
"                         on a loopback --host, else max-connections / 4)\n"
"  --request-timeout S    a request's headers and body must arrive within\n"
"                         S seconds, however they trickle (default 10)\n"
"  --idle-timeout S       close keep-alive connections idle S s (default 30)\n"
"\n"
"Account and clock:\n"
"  --credits N            starting credits (default 10000)\n"
"  --extra-credits N      starting extra_credits, spent first (default 0)\n"
"  --speed F              divide every simulated duration by F (default 1:\n"
"                         not_ready for 3-12 s, generation 1-3 min)\n"
"  --seed N               seed of musical ideas, ids and fault draws\n"
"                         (default 1)\n"
"  --clip-seconds S       every generated clip lasts exactly S seconds\n"
"                         (default: 60-240 s, extensions 30-120 s)\n"
"\n"
"The account:\n"
"  --rate-limit S         seconds between paid task calls (creates, stems,\n"
"                         transforms), scaled by --speed like every clock;\n"
"                         one sooner gets 429 with Retry-After, charged\n"
"                         nothing (default 3, the real account's; 0 = off)\n"
"  --models LIST          accepted mv names, comma separated (default: the\n"
"                         known models, sonic-v6 names included); another\n"
"                         gets the service's 400 listing them\n"
"\n"
"Faults (all off by default, deterministic under --seed):\n"
"  --fail-rate R          tasks that fail (and are refunded), 0..1\n"
"  --faults LIST          KIND=R,... with KIND one of\n"
"                           500, 504, 429  answered before processing\n"
"                                          (nothing charged; 429 carries\n"
"                                          Retry-After)\n"
"                           slow           answer delayed by --slow-ms\n"
"                           drop           connection closed after the\n"
"                                          request was processed\n"
"                           truncate       audio download cut short\n"
"  --slow-ms N            delay of a slow answer (default 2000)\n"
"\n"
"Loose parts of the protocol (default = the form seen most):\n"
"  --create-code          create answers carry \"code\":200\n"
"  --error-shape SHAPE    'type' (default): {\"type\",\"error\",\"message\"}\n"
"                         or 'code': {\"code\":N,\"message\"}\n"
"  --not-ready-status N   200 (default) or 202 for not_ready polls\n"
"  --duration-number      clip duration as a number, not a string\n"
"  --stems-full N         stems of /sonic/stems/full: 12 (default) or 24\n"
"  --mv-chirp             clips echo mv in the older spelling (chirp-v5)\n"
"\n"
"Webhook deliveries (to loopback http:// URLs only):\n"
"  --webhook-duplicates   send every delivery twice, with the same id\n"
"  --webhook-reorder-ms N delay each delivery by 0..N ms (out of order)\n"
"  --webhook-bad-signature  sign with the wrong secret (forgery test)\n"
"\n"
"Replay (docs/drift.md):\n"
"  --replay FILE.har      answer only with what a recorded run was answered\n"
"                         (`sonicflow run --har FILE`): the same requests\n"
"                         get their recorded answers in order (method, path,\n"
"                         body fields), audio is the sandbox's own of the\n"
"                         recorded length; anything else gets 501\n"
"\n"
"Other:\n"
"  --cache-mb N           rendered-audio cache cap in MiB (default 512)\n"
"  --retain-tasks N       keep the newest N finished tasks (and N uploads);\n"
"                         older ones are forgotten: polls answer 400\n"
"                         \"task not found.\" (default 100000, 0 = all)\n"
"  --retain-seconds S     also forget finished tasks after S s (default:\n"
"                         no age limit)\n"
"  --help, -h             this text\n"
"\n"
"Audio is served without auth at /files/<clip_id>.mp3 (.wav after\n"
"/sonic/wav); GET /_sandbox/ledger shows credits, charges and downloads.\n"
"See docs/sandbox.md.\n";

void sf_sandbox_config_init (SfSandboxConfig *c) {
  memset(c, 0, sizeof(*c));
  c->host = "127.0.0.1";
  c->credits = 10000;
  c->speed = 1;
  c->seed = 1;
  c->slow_ms = 2000;
  c->not_ready_status = 200;
  c->stems_full_count = 12;
  c->cache_mb = 512;
  c->retain_tasks = 100000;
  c->request_timeout = 10;
  c->idle_timeout = 30;
  c->rate_limit = 3;
}

/* ---- value parsers: 0, or -1 with a message ---------------------------- */

static int bad (char *err, size_t errlen, const char *opt, const char *v,
                const char *want) {
  snprintf(err, errlen, "bad value '%s' for %s (%s)", v, opt, want);
  return -1;
}

static int get_ll (const char *opt, const char *v, long long lo,
                   long long hi, long long *out, char *err, size_t errlen) {
  char *end;
  long long x;
  errno = 0;
  x = strtoll(v, &end, 10);
  if (*v == '\0' || *end != '\0' || errno != 0 || x < lo || x > hi) {
    char want[96];
    snprintf(want, sizeof(want), "an integer from %lld to %lld", lo, hi);
    return bad(err, errlen, opt, v, want);
  }
  *out = x;
  return 0;
}

static int get_double (const char *opt, const char *v, double lo, double hi,
                       int lo_open, double *out, char *err, size_t errlen) {
  char *end;
  double x = strtod(v, &end);
  if (*v == '\0' || *end != '\0' || !isfinite(x) || x > hi ||
      (lo_open ? x <= lo : x < lo)) {
    char want[96];
    snprintf(want, sizeof(want), "a number %s %g and at most %g",
             lo_open ? "above" : "from", lo, hi);
    return bad(err, errlen, opt, v, want);
  }
  *out = x;
  return 0;
}

/* ---- options ------------------------------------------------------------ */

/* Flags without a value; 1 if 'opt' was one. */
static int set_flag (SfSandboxConfig *c, const char *opt) {
  if (!strcmp(opt, "--quiet") || !strcmp(opt, "-q"))
    c->quiet = 1;
  else if (!strcmp(opt, "--create-code"))
    c->create_with_code = 1;
  else if (!strcmp(opt, "--duration-number"))
    c->duration_as_number = 1;
  else if (!strcmp(opt, "--mv-chirp"))
    c->mv_chirp = 1;
  else if (!strcmp(opt, "--webhook-duplicates"))
    c->webhook_duplicates = 1;
  else if (!strcmp(opt, "--webhook-bad-signature"))
    c->webhook_bad_signature = 1;
  else
    return 0;
  return 1;
}

static int set_key (SfSandboxConfig *c, const char *v, char *err,
                    size_t errlen) {
  if (*v == '\0' || strchr(v, ' ') != NULL)
    return bad(err, errlen, "--key", v, "a non-empty key without spaces");
  if (c->key == NULL)
    c->key = v;
  else if (c->nmore_keys < SF_SANDBOX_MAX_KEYS)
    c->more_keys[c->nmore_keys++] = v;
  else {
    snprintf(err, errlen, "too many --key options (at most %d)",
             SF_SANDBOX_MAX_KEYS + 1);
    return -1;
  }
  return 0;
}

/* The string-valued and enumerated options. 1: handled, 0: not mine. */
static int set_word (SfSandboxConfig *c, const char *opt, const char *v,
                     int *rc, char *err, size_t errlen) {
  if (!strcmp(opt, "--host"))
    c->host = v;
  else if (!strcmp(opt, "--state"))
    c->state_path = v;
  else if (!strcmp(opt, "--replay"))
    c->replay_path = v;
  else if (!strcmp(opt, "--key"))
    *rc = set_key(c, v, err, errlen);
  else if (!strcmp(opt, "--models")) {
    if (strspn(v, " ,") == strlen(v))
      *rc = bad(err, errlen, opt, v, "a comma-separated list of mv names");
    c->models = v;
  } else if (!strcmp(opt, "--faults"))
    *rc = sf_sbx_faults_parse(c, v, err, errlen);
  else if (!strcmp(opt, "--error-shape")) {
    if (strcmp(v, "type") && strcmp(v, "code"))
      *rc = bad(err, errlen, opt, v, "'type' or 'code'");
    c->error_shape_code = !strcmp(v, "code");
  } else
    return 0;
  return 1;
}

/* The numeric options. 1: handled, 0: not mine. */
/* The options of the scale work: retention and connection handling. */
static int set_scale (SfSandboxConfig *c, const char *opt, const char *v,
                      int *rc, char *err, size_t errlen) {
  long long n = 0;
  unsigned *u = !strcmp(opt, "--max-connections") ? &c->max_connections
              : !strcmp(opt, "--per-ip-connections") ? &c->per_ip_connections
              : !strcmp(opt, "--request-timeout") ? &c->request_timeout
              : !strcmp(opt, "--idle-timeout") ? &c->idle_timeout : NULL;
  if (u != NULL) {
    int secs = opt[2] == 'r' || opt[2] == 'i';
    *rc = get_ll(opt, v, secs ? 1 : 0, secs ? 3600 : 1000000, &n, err,
                 errlen);
    *u = (unsigned)n;
  } else if (!strcmp(opt, "--retain-tasks"))
    *rc = get_ll(opt, v, 0, (long long)1e12, &c->retain_tasks, err, errlen);
  else if (!strcmp(opt, "--rate-limit"))
    *rc = get_double(opt, v, 0, 3600, 0, &c->rate_limit, err, errlen);
  else if (!strcmp(opt, "--retain-seconds"))
    *rc = get_double(opt, v, 0, 1e9, 1, &c->retain_seconds, err,
                     errlen);
  else
    return 0;
  return 1;
}

static int set_number (SfSandboxConfig *c, const char *opt, const char *v,
                       int *rc, char *err, size_t errlen) {
  long long n = 0;
  if (!strcmp(opt, "--port")) {
    *rc = get_ll(opt, v, 0, 65535, &n, err, errlen);
    c->port = (int)n;
  } else if (!strcmp(opt, "--credits"))
    *rc = get_ll(opt, v, 0, (long long)1e15, &c->credits, err, errlen);
  else if (!strcmp(opt, "--extra-credits"))
    *rc = get_ll(opt, v, 0, (long long)1e15, &c->extra_credits, err,
                 errlen);
  else if (!strcmp(opt, "--speed"))
    *rc = get_double(opt, v, 0, 1e9, 1, &c->speed, err, errlen);
  else if (!strcmp(opt, "--seed")) {
    char *end;
    errno = 0;
    c->seed = strtoull(v, &end, 10);
    if (*v == '\0' || *v == '-' || *end != '\0' || errno != 0)
      *rc = bad(err, errlen, opt, v, "a non-negative integer");
  } else if (!strcmp(opt, "--fail-rate"))
    *rc = get_double(opt, v, 0, 1, 0, &c->fail_rate, err, errlen);
  else if (!strcmp(opt, "--slow-ms")) {
    *rc = get_ll(opt, v, 0, 3600000, &n, err, errlen);
    c->slow_ms = (int)n;
  } else if (!strcmp(opt, "--clip-seconds"))
    *rc = get_double(opt, v, 0.01, 3600, 0, &c->clip_seconds, err, errlen);
  else if (!strcmp(opt, "--not-ready-status")) {
    if (strcmp(v, "200") && strcmp(v, "202"))
      *rc = bad(err, errlen, opt, v, "200 or 202");
    c->not_ready_status = atoi(v);
  } else if (!strcmp(opt, "--stems-full")) {
    if (strcmp(v, "12") && strcmp(v, "24"))
      *rc = bad(err, errlen, opt, v, "12 or 24");
    c->stems_full_count = atoi(v);
  } else if (!strcmp(opt, "--webhook-reorder-ms")) {
    *rc = get_ll(opt, v, 0, 600000, &n, err, errlen);
    c->webhook_reorder_ms = (int)n;
  } else if (!strcmp(opt, "--cache-mb")) {
    *rc = get_ll(opt, v, 16, 1 << 20, &n, err, errlen);
    c->cache_mb = (size_t)n;
  } else
    return set_scale(c, opt, v, rc, err, errlen);
  return 1;
}

/* The options that take a value. */
static const char *VALUE_OPTS[] = {
  "--host", "--port", "--key", "--credits", "--extra-credits", "--speed",
  "--seed", "--fail-rate", "--faults", "--slow-ms", "--state",
  "--clip-seconds", "--error-shape", "--not-ready-status", "--stems-full",
  "--cache-mb", "--webhook-reorder-ms", "--retain-tasks", "--retain-seconds",
  "--max-connections", "--per-ip-connections", "--request-timeout",
  "--idle-timeout", "--rate-limit", "--models", "--replay", NULL
};

static int takes_value (const char *opt) {
  int i;
  for (i = 0; VALUE_OPTS[i] != NULL; i++)
    if (!strcmp(VALUE_OPTS[i], opt))
      return 1;
  return 0;
}

/* One "--opt value" (or "--opt=value"); returns how many argv entries it
** used, or -1. */
static int parse_one (SfSandboxConfig *c, int argc, char **argv, int i,
                      char *err, size_t errlen) {
  char opt[64];
  const char *v, *eq = strchr(argv[i], '=');
  int rc = 0, used = 1;
  if (set_flag(c, argv[i]))
    return 1;
  if (eq != NULL && eq - argv[i] < (long)sizeof(opt)) {
    memcpy(opt, argv[i], (size_t)(eq - argv[i]));
    opt[eq - argv[i]] = '\0';
    v = eq + 1;
  } else {
    snprintf(opt, sizeof(opt), "%s", argv[i]);
    v = i + 1 < argc ? argv[i + 1] : NULL;
    used = 2;
  }
  if (!takes_value(opt)) {
    snprintf(err, errlen, "unknown option '%s'", argv[i]);
    return -1;
  }
  if (v == NULL) {
    snprintf(err, errlen, "option '%s' needs a value", opt);
    return -1;
  }
  if (!set_word(c, opt, v, &rc, err, errlen))
    set_number(c, opt, v, &rc, err, errlen);
  return rc == 0 ? used : -1;
}

int sf_sandbox_config_parse (SfSandboxConfig *c, int argc, char **argv,
                             char *err, size_t errlen) {
  int i = 0;
  while (i < argc) {
    int used = parse_one(c, argc, argv, i, err, errlen);
    if (used < 0)
      return -1;
    i += used;
  }
  return 0;
}

/* ---- the process -------------------------------------------------------- */

static int wants_help (int argc, char **argv) {
  int i;
  for (i = 0; i < argc; i++)
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
      return 1;
  return 0;
}

/*
** Block SIGINT/SIGTERM before any thread starts (threads inherit the
** mask), serve, and wait for one of them with sigwait: no handler runs
** in an arbitrary thread, and stopping happens on this one.
*/
int sf_sandbox_main (int argc, char **argv) {
  SfSandboxConfig c;
  SfSandbox *s;
  sigset_t stop;
  char err[512];
  int sig = 0;
  if (wants_help(argc, argv)) {
    fputs(USAGE, stdout);
    return 0;
  }
  sf_sandbox_config_init(&c);
  if (sf_sandbox_config_parse(&c, argc, argv, err, sizeof(err)) != 0) {
    fprintf(stderr, "sonicflow sandbox: %s\n(try --help)\n", err);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, NULL);
  if ((s = sf_sandbox_start(&c, err, sizeof(err))) == NULL) {
    fprintf(stderr, "sonicflow sandbox: %s\n", err);
    return 1;
  }
  printf("listening on %s\n", sf_sandbox_url(s));
  fflush(stdout);
  sigwait(&stop, &sig);
  sf_sbx_log(s, "signal %d: stopping", sig);
  sf_sandbox_stop(s);
  return 0;
}
