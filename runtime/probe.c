/*
** probe.c -- `sonicflow probe`: ask the service the free questions whose
** answers the sandbox imitates, ask an in-process sandbox the same, and
** let scripts/lib/sonic_probe.lua compare the shapes (probe.h).
**
** The C half is only transport: a blocking libcurl easy handle per
** question (a one-shot diagnostic has nothing to overlap), the key taken
** from the session's own header line, and the reference sandbox. What is
** asked and how answers compare lives in Lua, next to the client's list
** of known models (sonic.validate).
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>
#include <lauxlib.h>
#include "buf.h"
#include "log.h"
#include "loop.h"
#include "probe.h"
#include "sandbox/sandbox.h"
#include "script.h"
#include "secrets.h"

#define PROBE_MAX_TASKS 32
#define PROBE_BODY_MAX (4u << 20)   /* a task answer is a few KiB */
#define ID_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
                 "0123456789-_"

/* The two services a question goes to: the target and the reference. */
typedef struct ProbeSides {
  const char *real_prefix;        /* "<base>/api/v1" */
  const char *real_auth;          /* "Authorization: Bearer <key>" */
  char sbx_prefix[160];
  char sbx_auth[96];
} ProbeSides;

static const char probe_help[] =
  "usage: sonicflow probe [--base-url URL] [--task ID]... [--json]\n"
  "\n"
  "Check that the service still answers the way the built-in sandbox\n"
  "does, with free calls only (never a paid one): the credits answer, an\n"
  "unknown task id, a create with an invalid mv (a 400 that lists the\n"
  "accepted models: printed, with the ones sonicflow has never seen),\n"
  "missing and malformed authorization, and for each --task ID the\n"
  "task's answer (clip fields, duration type, mv spelling, not_ready\n"
  "status, states). Each answer is compared, by shape (field names, JSON\n"
  "types, status codes, message texts), with what a sandbox started in\n"
  "this process answers to the same request.\n"
  "\n"
  "options:\n"
  "  --base-url URL   service root (env SONICFLOW_BASE_URL)\n"
  "  --key-file FILE  read the API key from FILE (mode 600)\n"
  "  --task ID        also compare this existing task's answer (repeat)\n"
  "  --json           one JSON document instead of the table\n"
  "  -h, --help       this text\n"
  "\n"
  "exit codes: 0 every check matches, 1 drift found, 2 the service could\n"
  "not be reached or did not accept the key (or a usage error).\n";

/* CURLOPT_WRITEFUNCTION: collect the answer, bounded. */
static size_t on_body (char *p, size_t size, size_t n, void *ud) {
  return sf_buf_append((SfBuf *)ud, p, size * n) == 0 ? size * n : 0;
}

/* The authorization header line for 'mode' on side 'real' or not. */
static const char *auth_line (const ProbeSides *ps, int real,
                              const char *mode) {
  if (strcmp(mode, "none") == 0)
    return NULL;
  if (strcmp(mode, "format") == 0)     /* not "Bearer <key>": no key */
    return "Authorization: sonicflow-probe";
  return real ? ps->real_auth : ps->sbx_auth;
}

/*
** fetch(side, method, path, body|nil, auth) -> status, body
**                                           | nil, message
** side "real" or "sandbox"; auth "key", "none" or "format".
*/
static int probe_fetch (lua_State *L) {
  ProbeSides *ps = (ProbeSides *)lua_touserdata(L, lua_upvalueindex(1));
  int real = strcmp(luaL_checkstring(L, 1), "real") == 0;
  const char *method = luaL_checkstring(L, 2);
  const char *path = luaL_checkstring(L, 3);
  const char *body = luaL_optstring(L, 4, NULL);
  const char *auth = auth_line(ps, real, luaL_checkstring(L, 5));
  struct curl_slist *hdr = NULL;
  char url[1024], errbuf[CURL_ERROR_SIZE] = "";
  long status = 0;
  CURLcode rc;
  SfBuf answer;
  CURL *e = curl_easy_init();
  luaL_argcheck(L, e != NULL, 1, "cannot create a curl handle");
  snprintf(url, sizeof(url), "%s%s", real ? ps->real_prefix : ps->sbx_prefix,
           path);
  sf_buf_init(&answer, PROBE_BODY_MAX);
  if (auth != NULL)
    hdr = curl_slist_append(hdr, auth);
  hdr = curl_slist_append(hdr, "Expect:");
  if (body != NULL) {
    hdr = curl_slist_append(hdr, "Content-Type: application/json");
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
  }
  curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 60000L);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "sonicflow-probe/" SF_VERSION);
  rc = curl_easy_perform(e);
  if (rc == CURLE_OK)
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(e);
  curl_slist_free_all(hdr);
  if (rc != CURLE_OK) {
    sf_buf_free(&answer);
    luaL_pushfail(L);
    lua_pushstring(L, errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return 2;
  }
  lua_pushinteger(L, status);
  lua_pushlstring(L, answer.data ? answer.data : "", answer.len);
  sf_buf_free(&answer);
  return 2;
}

/* sleep(seconds): the reference task's clock runs while we wait. */
static int probe_sleep (lua_State *L) {
  double secs = luaL_checknumber(L, 1);
  struct timespec ts;
  luaL_argcheck(L, secs >= 0 && secs <= 60, 1, "0..60 seconds expected");
  ts.tv_sec = (time_t)secs;
  ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &ts) != 0)
    ;                                  /* EINTR: the rest of it */
  return 0;
}

/* The reference: a fast sandbox of our own, with defaults only (every
** loose switch off), unpaced and with short clips, keyed with a key made
** for this process. NULL with 'err' set. */
static SfSandbox *start_reference (ProbeSides *ps, char *err,
                                   size_t errlen) {
  SfSandboxConfig cfg;
  SfSandbox *sbx;
  sigset_t mask;
  char rnd[33];
  if (sf_secret_random_hex(rnd, 16) != 0) {
    snprintf(err, errlen, "cannot make a key for the sandbox");
    return NULL;
  }
  snprintf(ps->sbx_auth, sizeof(ps->sbx_auth),
           "Authorization: Bearer probe-%s", rnd);
  sf_sandbox_config_init(&cfg);
  cfg.key = ps->sbx_auth + strlen("Authorization: Bearer ");
  cfg.quiet = 1;
  cfg.speed = 100;         /* not_ready for tens of ms: one poll sees it */
  cfg.clip_seconds = 3;
  cfg.rate_limit = 0;
  sf_block_stop_signals(&mask);       /* its threads never take them */
  sbx = sf_sandbox_start(&cfg, err, errlen);
  sf_restore_signals(&mask);
  if (sbx != NULL)
    snprintf(ps->sbx_prefix, sizeof(ps->sbx_prefix), "%s/api/v1",
             sf_sandbox_url(sbx));
  return sbx;
}

/* Split our own options (--task ID, repeatable) from the session's;
** 'rest' gets the others in order. -1 on a --task without an id. */
static int take_tasks (int argc, char **argv, const char **tasks,
                       int *ntasks, char **rest, int *nrest) {
  int i;
  *ntasks = *nrest = 0;
  for (i = 0; i < argc; i++) {
    const char *id = NULL;
    if (strncmp(argv[i], "--task=", 7) == 0)
      id = argv[i] + 7;
    else if (strcmp(argv[i], "--task") == 0) {
      if (++i >= argc)
        return -1;
      id = argv[i];
    }
    if (id == NULL)
      rest[(*nrest)++] = argv[i];
    else if (*id == '\0' || strlen(id) > 128 ||
             strspn(id, ID_CHARS) != strlen(id) ||
             *ntasks >= PROBE_MAX_TASKS)
      return -1;                       /* it goes into a URL path */
    else
      tasks[(*ntasks)++] = id;
  }
  return 0;
}

/* Run sonic.probe.run(net, target, tasks, json) on the session's
** state; its integer result is the exit code. */
static int run_checks (SfSession *s, ProbeSides *ps, const char **tasks,
                       int ntasks, int json) {
  lua_State *L = s->rt.L;
  int i, code;
  /* The questions block in libcurl, outside the loop that would notice
  ** the session's signal handlers: Ctrl-C must just end the probe, which
  ** has nothing to save. */
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "sonic.probe");
  if (lua_pcall(L, 1, 1, 0) != LUA_OK)
    goto fail;
  lua_getfield(L, -1, "run");                    /* module, run */
  lua_createtable(L, 0, 2);                      /* ..., run, net */
  lua_pushlightuserdata(L, ps);
  lua_pushcclosure(L, probe_fetch, 1);
  lua_setfield(L, -2, "fetch");
  lua_pushcfunction(L, probe_sleep);
  lua_setfield(L, -2, "sleep");
  lua_pushstring(L, s->rt.base_url);
  lua_createtable(L, ntasks, 0);
  for (i = 0; i < ntasks; i++) {
    lua_pushstring(L, tasks[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_pushboolean(L, json);
  if (lua_pcall(L, 4, 1, 0) != LUA_OK)
    goto fail;
  code = (int)luaL_optinteger(L, -1, SF_EXIT_FAILED);
  lua_settop(L, 0);
  return code;
fail:
  sf_log_error("probe: %s", lua_tostring(L, -1));
  lua_settop(L, 0);
  return SF_EXIT_USAGE;
}

int sf_cmd_probe (int argc, char **argv, SfOpenBindings open_bindings) {
  SfRunOptions o;
  SfSession s;
  ProbeSides ps;
  SfSandbox *ref;
  const char *tasks[PROBE_MAX_TASKS];
  char **rest = calloc((size_t)argc + 1, sizeof(char *));
  char err[512] = "", prefix[1024];
  int ntasks, nrest, code;
  if (rest == NULL)
    return SF_EXIT_FAILED;
  if (take_tasks(argc, argv, tasks, &ntasks, rest, &nrest) != 0)
    snprintf(err, sizeof(err), "--task needs a task id (letters, digits, "
             "'-' and '_'; at most %d of them)", PROBE_MAX_TASKS);
  if (err[0] != '\0' ||
      sf_run_options_parse(&o, nrest, rest, 0, err, sizeof(err)) != 0 ||
      o.script_argc > 0) {
    fprintf(stderr, "sonicflow probe: %s\n", err[0] != '\0' ? err
            : "usage: sonicflow probe [--base-url URL] [--task ID]... "
            "[--json]");
    free(rest);
    return SF_EXIT_USAGE;
  }
  free(rest);
  if (o.help) {
    fputs(probe_help, stdout);
    return SF_EXIT_OK;
  }
  o.no_journal = 1;
  o.no_progress = 1;                 /* the table is the answer; stderr
                                     ** still says when the target is the
                                     ** built-in sandbox (no key, no URL) */
  memset(&ps, 0, sizeof(ps));
  if ((ref = start_reference(&ps, err, sizeof(err))) == NULL) {
    fprintf(stderr, "sonicflow probe: %s\n", err);
    return SF_EXIT_FAILED;
  }
  code = sf_session_open(&s, &o, NULL, NULL, NULL, open_bindings);
  if (code == SF_EXIT_OK) {
    snprintf(prefix, sizeof(prefix), "%s/api/v1", s.rt.base_url);
    ps.real_prefix = prefix;
    ps.real_auth = s.rt.http.auth_header;   /* never printed */
    code = run_checks(&s, &ps, tasks, ntasks, o.json);
  }
  sf_session_close(&s, code);
  sf_sandbox_stop(ref);
  memset(&ps, 0, sizeof(ps));
  return code;
}
