/*
** main.c -- the sonicflow program: wires the host core (runtime/), the
** Lua bindings (bindings/) and the sandbox (runtime/sandbox/) together.
** This is the only file that knows all three.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <lauxlib.h>
#include <lualib.h>
#include "bindings.h"
#include "log.h"
#include "loop.h"
#include "options.h"
#include "sandbox/sandbox.h"
#include "script.h"
#include "secrets.h"
#include "target.h"
#include "version.h"

/* The in-process sandbox runs this much faster than the real service, so
** a task takes seconds instead of minutes. */
#define IN_PROCESS_SPEED 30.0
#define MAX_SANDBOX_ARGS 64

static const char usage_text[] =
  "usage: sonicflow COMMAND [OPTIONS] [ARGS]\n"
  "\n"
  "Run Lua workflows against MusicAPI's sonic service (or its built-in\n"
  "emulator, when no API key is set).\n"
  "\n"
  "commands:\n"
  "  run [OPTIONS] SCRIPT [ARGS...]  run a workflow script\n"
  "  sandbox [OPTIONS]              serve the emulator (see sandbox --help)\n"
  "  credits [OPTIONS]              show the account's credits\n"
  "  task [OPTIONS] ID              show one task's status as JSON\n"
  "  help, --help                   this text; COMMAND --help for more\n"
  "  --version                      print the version\n"
  "\n"
  "configuration:\n"
  "  MUSICAPI_KEY          the API key (or --key-file, or the file\n"
  "                        ~/.config/sonicflow/key, mode 600)\n"
  "  SONICFLOW_BASE_URL    the service root (default " SF_REAL_SERVICE ")\n"
  "With no key and no base URL, run/credits/task use a sandbox started\n"
  "inside the process: nothing is charged and nothing leaves the machine.\n";

static const char run_help[] =
  "usage: sonicflow run [OPTIONS] SCRIPT [ARGS...]\n"
  "\n"
  "Run a Lua 5.4 workflow script. 'sonic' is a global (also\n"
  "require \"sonic\"); 'arg' holds SCRIPT and ARGS as in lua.\n"
  "\n"
  "options:\n"
  "  --base-url URL       service root (env SONICFLOW_BASE_URL); e.g. what\n"
  "                       `sonicflow sandbox` prints after 'listening on'\n"
  "  --sandbox            always use a sandbox inside this process\n"
  "  --sandbox-args STR   options for that sandbox, e.g. \"--speed 1000\n"
  "                       --clip-seconds 5 --credits 100\"\n"
  "  --key-file FILE      read the API key from FILE (mode 600)\n"
  "  --budget N           credits this run may spend; a call that would go\n"
  "                       over raises a 'budget' error before it is sent\n"
  "  --poll-interval S    seconds between task polls (default: first poll\n"
  "                       after ~10 s, then every 15-25 s, as the service\n"
  "                       advises; scaled by the in-process sandbox speed)\n"
  "  --wait-timeout S     default timeout of sonic.wait (default 900)\n"
  "  --max-inflight N     HTTP transfers at once; more wait in line (64)\n"
  "  -q, --quiet          only errors on stderr\n"
  "  -v, --verbose        every HTTP exchange, tracebacks on errors\n"
  "  -h, --help           this text\n"
  "\n"
  "exit codes: 0 success, 1 the workflow failed, 2 usage or configuration\n"
  "error, 130 interrupted.\n";

/* Everything one run owns, released in reverse order by run_close. */
typedef struct Run {
  SfRuntime rt;
  SfSandbox *sandbox;
  char *key;
} Run;

/* Split 'args' on white space into 'argv' (modified in place). */
static int split_args (char *args, char **argv, int max) {
  int n = 0;
  char *save = NULL, *tok;
  for (tok = strtok_r(args, " \t\n", &save); tok != NULL && n < max;
       tok = strtok_r(NULL, " \t\n", &save))
    argv[n++] = tok;
  return n;
}

/* Start the in-process sandbox; on success rt->base_url points at it. */
static int start_sandbox (Run *run, const SfRunOptions *o, char *err,
                          size_t errlen) {
  SfSandboxConfig cfg;
  char *argv[MAX_SANDBOX_ARGS];
  char *copy = NULL, url[128];
  int argc = 0, rc = -1;
  sf_sandbox_config_init(&cfg);
  cfg.speed = IN_PROCESS_SPEED;
  cfg.quiet = 1;
  if (o->sandbox_args != NULL) {
    if ((copy = strdup(o->sandbox_args)) == NULL)
      goto done;
    argc = split_args(copy, argv, MAX_SANDBOX_ARGS);
    if (sf_sandbox_config_parse(&cfg, argc, argv, err, errlen) != 0)
      goto done;
  }
  cfg.host = "127.0.0.1";
  if ((run->sandbox = sf_sandbox_start(&cfg, err, errlen)) == NULL)
    goto done;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d",
           sf_sandbox_port(run->sandbox));
  run->rt.base_url = strdup(url);
  run->rt.in_process_sandbox = 1;
  run->rt.sandbox_speed = cfg.speed > 0 ? cfg.speed : 1;
  if (run->key == NULL)
    run->key = strdup("sandbox-local-key");
  if (run->rt.base_url == NULL || run->key == NULL)
    goto done;
  if (o->verbosity > 0)
    fprintf(stderr, "sonicflow: %s: using the built-in sandbox at %s "
            "(%gx speed; nothing is charged)\n",
            o->force_sandbox ? "--sandbox" : "no API key and no base URL",
            url, run->rt.sandbox_speed);
  rc = 0;
done:
  free(copy);
  return rc;
}

/* Decide where the run goes and with which key. 0, or -1 with 'err'. */
static int choose_target (Run *run, const SfRunOptions *o, char *err,
                          size_t errlen) {
  int found = sf_secret_load(o->key_file, &run->key, err, errlen);
  if (found < 0)
    return -1;
  if (o->force_sandbox || (found == 0 && o->base_url == NULL))
    return start_sandbox(run, o, err, errlen);
  run->rt.base_url = sf_target_normalize(
      o->base_url ? o->base_url : SF_REAL_SERVICE, err, errlen);
  if (run->rt.base_url == NULL)
    return -1;
  if (found == 0) {
    if (!sf_target_is_loopback(run->rt.base_url)) {
      snprintf(err, errlen, "no API key for %s: set MUSICAPI_KEY or use "
               "--key-file (or leave out the base URL to use the "
               "built-in sandbox)", run->rt.base_url);
      return -1;
    }
    run->key = strdup("sandbox-local-key");   /* a local sandbox takes any */
  }
  run->rt.sandbox_speed = 1;
  return run->key ? 0 : -1;
}

/* Fill the run's defaults from the options (times scaled to the sandbox
** speed, so a fast sandbox is not polled at the real service's pace). */
static void apply_defaults (SfRuntime *rt, const SfRunOptions *o) {
  double s = rt->sandbox_speed > 0 ? rt->sandbox_speed : 1;
  if (o->poll_interval > 0) {
    rt->poll_first = o->poll_interval;
    rt->poll_min = rt->poll_max = o->poll_interval;
  } else {
    rt->poll_first = 10.0 / s;
    rt->poll_min = 15.0 / s;
    rt->poll_max = 25.0 / s;
  }
  rt->wait_timeout = o->wait_timeout > 0 ? o->wait_timeout : 900.0;
  rt->budget = o->budget;
}

static void run_close (Run *run) {
  if (run->rt.L != NULL)
    lua_close(run->rt.L);            /* releases requests, then ... */
  sf_loop_free(&run->rt);            /* ... the engine they used */
  sf_sandbox_stop(run->sandbox);
  sf_secret_free(run->key);
  free(run->rt.base_url);
  free(run->rt.api_prefix);
}

/* Set up everything up to a Lua state with module 'sonic' loaded. */
static int run_open (Run *run, const SfRunOptions *o) {
  char err[512];
  SfRuntime *rt = &run->rt;
  sf_log_set_level((SfLogLevel)o->verbosity);
  if (sf_loop_init(rt, o->max_inflight) != 0) {
    sf_log_error("cannot initialise the network (libcurl)");
    return SF_EXIT_FAILED;
  }
  rt->http.verbose = o->verbosity >= 2;
  if (choose_target(run, o, err, sizeof(err)) != 0) {
    sf_log_error("%s", err);
    return SF_EXIT_USAGE;
  }
  apply_defaults(rt, o);
  if ((rt->api_prefix = malloc(strlen(rt->base_url) + 9)) == NULL)
    return SF_EXIT_FAILED;
  sprintf(rt->api_prefix, "%s/api/v1/", rt->base_url);
  if (sf_http_set_auth(&rt->http, run->key, rt->api_prefix) != 0)
    return SF_EXIT_FAILED;
  if ((rt->L = luaL_newstate()) == NULL)
    return SF_EXIT_FAILED;
  luaL_openlibs(rt->L);
  if (sf_bindings_open(rt->L, rt) != 0) {
    sf_log_error("cannot load module sonic: %s", lua_tostring(rt->L, -1));
    return SF_EXIT_FAILED;
  }
  sf_loop_catch_signals(rt);
  return SF_EXIT_OK;
}

/* `sonicflow run [OPTIONS] SCRIPT [ARGS...]` */
static int cmd_run (int argc, char **argv) {
  SfRunOptions o;
  Run run;
  char err[512];
  int code, i;
  if (sf_run_options_parse(&o, argc, argv, 1, err, sizeof(err)) != 0) {
    fprintf(stderr, "sonicflow run: %s\n", err);
    return SF_EXIT_USAGE;
  }
  if (o.help) {
    fputs(run_help, stdout);
    return SF_EXIT_OK;
  }
  if (access(o.script, R_OK) != 0) {
    fprintf(stderr, "sonicflow run: cannot read script '%s'\n", o.script);
    return SF_EXIT_USAGE;
  }
  memset(&run, 0, sizeof(run));
  if ((code = run_open(&run, &o)) == SF_EXIT_OK) {
    lua_State *L = run.rt.L;
    sf_script_set_arg(L, o.script, o.script_argc, o.script_argv);
    if (luaL_loadfilex(L, o.script, "t") != LUA_OK) {
      sf_log_error("%s", lua_tostring(L, -1));   /* file:line: message */
      code = SF_EXIT_FAILED;
    } else {
      for (i = 0; i < o.script_argc; i++)        /* ... as in lua */
        lua_pushstring(L, o.script_argv[i]);
      code = sf_script_run(&run.rt, o.script_argc);
    }
  }
  run_close(&run);
  return code;
}

/* `sonicflow credits` and `sonicflow task ID`: one-line Lua over the same
** runtime, so they behave exactly like a script would. */
static int cmd_oneshot (const char *name, int argc, char **argv) {
  SfRunOptions o;
  Run run;
  char err[512], chunk[128];
  int code, i;
  if (sf_run_options_parse(&o, argc, argv, 0, err, sizeof(err)) != 0) {
    fprintf(stderr, "sonicflow %s: %s\n", name, err);
    return SF_EXIT_USAGE;
  }
  if (o.help || (strcmp(name, "task") == 0 && o.script_argc != 1)) {
    fprintf(o.help ? stdout : stderr, "usage: sonicflow %s [OPTIONS]%s\n"
            "options as for `sonicflow run` (--base-url, --key-file, "
            "--sandbox, -v)\n", name,
            strcmp(name, "task") == 0 ? " TASK_ID" : "");
    return o.help ? SF_EXIT_OK : SF_EXIT_USAGE;
  }
  if (o.verbosity == 1)
    o.verbosity = 0;                   /* a one-shot prints only its answer */
  memset(&run, 0, sizeof(run));
  if ((code = run_open(&run, &o)) == SF_EXIT_OK) {
    lua_State *L = run.rt.L;
    snprintf(chunk, sizeof(chunk), "return require('sonic.cli').%s(...)",
             name);
    luaL_loadbufferx(L, chunk, strlen(chunk), "=sonicflow", "t");
    for (i = 0; i < o.script_argc; i++)
      lua_pushstring(L, o.script_argv[i]);
    code = sf_script_run(&run.rt, o.script_argc);
  }
  run_close(&run);
  return code;
}

int main (int argc, char **argv) {
  const char *cmd = argc >= 2 ? argv[1] : NULL;
  if (cmd == NULL) {
    fputs(usage_text, stderr);
    return SF_EXIT_USAGE;
  }
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
      strcmp(cmd, "help") == 0) {
    fputs(usage_text, stdout);
    return SF_EXIT_OK;
  }
  if (strcmp(cmd, "--version") == 0) {
    printf("sonicflow %s (%s, libcurl %s)\n", sf_version(), LUA_RELEASE,
           curl_version_info(CURLVERSION_NOW)->version);
    return SF_EXIT_OK;
  }
  if (strcmp(cmd, "run") == 0)
    return cmd_run(argc - 2, argv + 2);
  if (strcmp(cmd, "sandbox") == 0)
    return sf_sandbox_main(argc - 2, argv + 2);
  if (strcmp(cmd, "credits") == 0 || strcmp(cmd, "task") == 0)
    return cmd_oneshot(cmd, argc - 2, argv + 2);
  fprintf(stderr, "sonicflow: unknown command '%s' (see sonicflow --help)\n",
          cmd);
  return SF_EXIT_USAGE;
}
