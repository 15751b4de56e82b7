/*
** commands.c -- run, resume, credits, task and runs (see commands.h).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <lauxlib.h>
#include "buf.h"
#include "commands.h"
#include "kinds.h"
#include "log.h"
#include "script.h"
#include "target.h"

const char sf_usage_text[] =
  "usage: sonicflow COMMAND [OPTIONS] [ARGS]\n"
  "\n"
  "Run Lua workflows against MusicAPI's sonic service (or its built-in\n"
  "emulator, when no API key is set).\n"
  "\n"
  "commands:\n"
  "  run [OPTIONS] SCRIPT [ARGS...]  run a workflow script\n"
  "  resume [RUN] [OPTIONS]          continue an interrupted run without\n"
  "                                  paying again for what it submitted\n"
  "  runs [--json]                   the journal's runs\n"
  "  report [RUN] -o FILE.html       one page for a run: inputs, players,\n"
  "                                  waveforms, tag experiments side by side\n"
  "  analyze [OPTIONS] FILE...       measure audio files: loudness, tempo,\n"
  "                                  onsets, brightness, chroma (--ref)\n"
  "  sandbox [OPTIONS]               serve the emulator (sandbox --help)\n"
  "  credits [OPTIONS]               show the account's credits\n"
  "  task [OPTIONS] ID               show one task's status as JSON\n"
  "  probe [--task ID]... [--json]   compare the service's answers with\n"
  "                                  the sandbox's, free calls only\n"
  "  help, --help                    this text; COMMAND --help for more\n"
  "  --version                       print the version\n"
  "\n"
  "configuration:\n"
  "  MUSICAPI_KEY          the API key (or --key-file, or the file\n"
  "                        ~/.config/sonicflow/key, mode 600)\n"
  "  SONICFLOW_BASE_URL    the service root (default " SF_REAL_SERVICE ")\n"
  "With no key and no base URL, run/credits/task use a sandbox started\n"
  "inside the process: nothing is charged and nothing leaves the machine.\n";

static const char run_help[] =
  "usage: sonicflow run [OPTIONS] SCRIPT [ARGS...]\n"
  "       sonicflow resume [RUN] [OPTIONS]\n"
  "\n"
  "Run a Lua 5.4 workflow script. 'sonic' is a global (also\n"
  "require \"sonic\"); 'arg' holds SCRIPT and ARGS as in lua. Every paid\n"
  "call is journaled before it is sent; `sonicflow resume` re-runs the\n"
  "script of an interrupted run and replays what was already paid for.\n"
  "\n"
  "options:\n"
  "  --base-url URL       service root (env SONICFLOW_BASE_URL); e.g. what\n"
  "                       `sonicflow sandbox` prints after 'listening on'\n"
  "  --sandbox            always use a sandbox inside this process\n"
  "  --sandbox-args STR   options for that sandbox, e.g. \"--speed 1000\n"
  "                       --clip-seconds 5 --credits 100\"\n"
  "  --key-file FILE      read the API key from FILE (mode 600)\n"
  "  --budget N           credits this run may spend (resumes included); a\n"
  "                       call that would go over raises 'budget' unsent\n"
  "  --dry-run            run against a fast in-process sandbox and print\n"
  "                       what the run would cost on the real service\n"
  "  --journal FILE       the journal (default .sonicflow/journal.db)\n"
  "  --no-journal         keep no journal (the run cannot be resumed)\n"
  "  --har FILE           record every HTTP exchange as HAR 1.2: key,\n"
  "                       Authorization and secrets redacted, audio as\n"
  "                       size + sha256 (replay: sandbox --replay FILE)\n"
  "  --resend-unknown     (resume) send again the calls whose answer was\n"
  "                       lost; they may have been charged already\n"
  "  --poll-interval S    seconds between task polls (default: first poll\n"
  "                       after ~10 s, then every 15-25 s, as the service\n"
  "                       advises; scaled by the in-process sandbox speed)\n"
  "  --wait-timeout S     default timeout of sonic.wait (default 900)\n"
  "  --max-inflight N     HTTP transfers at once; more wait in line (64)\n"
  "  --max-download-mb N  a longer download fails and leaves no file (2048)\n"
  "  --paid-interval S    pace paid generations one per S seconds (real\n"
  "                       service 3; the sandbox's own; 0 off)\n"
  "  --clip-seconds S     the in-process sandbox's clips last S seconds\n"
  "  --webhook-listen ADDR:PORT  receive the service's signed deliveries\n"
  "                       here: waits wake on them (polls only confirm)\n"
  "  --webhook-url URL    the public URL of that receiver (default: the\n"
  "                       loopback address, for the sandbox)\n"
  "  --webhook-secret S   the signing secret (default: a random one)\n"
  "  --webhook-fallback S seconds between fallback polls (120)\n"
  "  --sandbox-script     the script comes from someone else: no files,\n"
  "                       processes, debug or bytecode; capped memory and\n"
  "                       instructions; downloads only below the cwd\n"
  "  --memory-limit MB    Lua memory cap (256 with --sandbox-script)\n"
  "  --instruction-limit N  Lua instruction cap (1e9 with --sandbox-script)\n"
  "  --no-progress        plain timestamped lines, even on a terminal\n"
  "  -q, --quiet          only errors on stderr\n"
  "  -v, --verbose        every HTTP exchange, tracebacks on errors\n"
  "  -h, --help           this text\n"
  "\n"
  "exit codes: 0 success, 1 the workflow failed, 2 usage or configuration\n"
  "error, 75 the run is owned by another live process, 130 interrupted\n"
  "(the resume command is printed), or the code of the script's os.exit.\n";


/* Print the dry run's cost table from the journal. */
static void print_cost (const SfStep *s, void *ud) {
  long long *total = (long long *)ud;
  printf("  %3lld  %-60.60s %5lld\n", s->seq, s->summary, s->price);
  *total += s->price;
}

static void print_dry_run (SfSession *s) {
  long long total = 0;
  printf("\ndry run: what this run would cost on the real service\n");
  printf("  %3s  %-60s %5s\n", "#", "call", "credits");
  sf_journal_steps_each(s->rt.journal, s->rt.run_id, print_cost, &total);
  printf("  %3s  %-60s %5lld\n", "", "total", total);
}

/* Load the script, push its ARGS (from 'args_json' on resume, else
** argv), run it; returns the exit code. */
static int run_script (SfSession *s, const char *script, int argc,
                       char **argv, const char *args_json) {
  lua_State *L = s->rt.L;
  int i, n = argc;
  if (args_json != NULL) {                   /* recorded ARGS */
    luaL_loadstring(L, "return table.unpack(require('cjson').decode(...))");
    lua_pushstring(L, args_json);
    if (lua_pcall(L, 1, LUA_MULTRET, 0) != LUA_OK) {
      sf_log_error("the journal's arguments are damaged");
      return SF_EXIT_FAILED;
    }
    n = lua_gettop(L);
    lua_createtable(L, n, 1);                /* arg, as in lua */
    lua_pushstring(L, script);
    lua_rawseti(L, -2, 0);
    for (i = 1; i <= n; i++) {
      lua_pushvalue(L, i);
      lua_rawseti(L, -2, i);
    }
    lua_setglobal(L, "arg");
  } else {
    sf_script_set_arg(L, script, argc, argv);
    for (i = 0; i < argc; i++)
      lua_pushstring(L, argv[i]);
  }
  if (luaL_loadfilex(L, script, "t") != LUA_OK) {
    sf_log_error("%s", lua_tostring(L, -1)); /* file:line: message */
    return SF_EXIT_FAILED;
  }
  lua_insert(L, 1);                          /* chunk below its ARGS */
  return sf_script_run(&s->rt, n);
}

/* Did the run fail because of the world (worth resuming later), rather
** than because of the script? */
static int worth_resuming (const SfRuntime *rt) {
  switch (sf_kind_from_name(rt->failure_kind)) {
    case SF_KIND_NETWORK: case SF_KIND_SERVER: case SF_KIND_TIMEOUT:
    case SF_KIND_RATE_LIMITED:
      return rt->spent > 0;
    default:
      return 0;
  }
}

/* What to print when the run stops early, so nothing is lost. */
static void after_run (SfSession *s, int code, const SfRunOptions *o) {
  if (o->dry_run && s->rt.journal != NULL)
    print_dry_run(s);
  else if (s->rt.journal != NULL && (code == SF_EXIT_INTERRUPTED ||
           (code == SF_EXIT_FAILED && worth_resuming(&s->rt))))
    fprintf(stderr, "sonicflow: run %s %s; continue it with: sonicflow "
            "resume %s\n", s->rt.run_id, code == SF_EXIT_INTERRUPTED
            ? "was interrupted" : "failed", s->rt.run_id);
}

int sf_cmd_run (int argc, char **argv, SfOpenBindings open_bindings) {
  SfRunOptions o;
  SfSession s;
  SfBuf args;
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
  sf_buf_init(&args, 0);
  sf_buf_append(&args, "[", 1);
  for (i = 0; i < o.script_argc; i++) {
    if (i)
      sf_buf_append(&args, ",", 1);
    sf_buf_append_json_string(&args, o.script_argv[i],
                              strlen(o.script_argv[i]));
  }
  sf_buf_append(&args, "]", 1);
  code = sf_session_open(&s, &o, o.script, args.data, NULL, open_bindings);
  sf_buf_free(&args);
  if (code == SF_EXIT_OK)
    code = run_script(&s, o.script, o.script_argc, o.script_argv, NULL);
  after_run(&s, code, &o);
  sf_session_close(&s, code);
  return code;
}

int sf_cmd_resume (int argc, char **argv, SfOpenBindings open_bindings) {
  SfRunOptions o;
  SfSession s;
  char err[512];
  const char *run = "";
  int code;
  if (argc > 0 && argv[0][0] != '-') {
    run = argv[0];
    argc--, argv++;
  }
  if (sf_run_options_parse(&o, argc, argv, 0, err, sizeof(err)) != 0 ||
      o.script_argc > 0) {
    fprintf(stderr, "sonicflow resume: %s\n", o.script_argc > 0
            ? "usage: sonicflow resume [RUN] [OPTIONS]" : err);
    return SF_EXIT_USAGE;
  }
  if (o.help) {
    fputs(run_help, stdout);
    return SF_EXIT_OK;
  }
  if (o.no_journal || o.dry_run) {
    fprintf(stderr, "sonicflow resume: needs the journal\n");
    return SF_EXIT_USAGE;
  }
  code = sf_session_open(&s, &o, NULL, NULL, run, open_bindings);
  if (code == SF_EXIT_OK) {
    sf_log_info("resuming run %s (%s)", s.run.id, s.run.script);
    code = run_script(&s, s.run.script, 0, NULL, s.run.args);
  }
  after_run(&s, code, &o);
  sf_session_close(&s, code);
  return code;
}

int sf_cmd_oneshot (const char *name, int argc, char **argv,
                    SfOpenBindings open_bindings) {
  SfRunOptions o;
  SfSession s;
  char err[512], chunk[128];
  int code, i, is_task = strcmp(name, "task") == 0;
  if (sf_run_options_parse(&o, argc, argv, 0, err, sizeof(err)) != 0) {
    fprintf(stderr, "sonicflow %s: %s\n", name, err);
    return SF_EXIT_USAGE;
  }
  if (o.help || (is_task && o.script_argc != 1) ||
      (!is_task && o.script_argc != 0)) {
    fprintf(o.help ? stdout : stderr, "usage: sonicflow %s [OPTIONS]%s\n"
            "options as for `sonicflow run` (--base-url, --key-file, "
            "--sandbox, -v)\n", name, is_task ? " TASK_ID" : "");
    return o.help ? SF_EXIT_OK : SF_EXIT_USAGE;
  }
  if (o.verbosity == 1)
    o.verbosity = 0;                 /* a one-shot prints only its answer */
  o.no_journal = 1;
  code = sf_session_open(&s, &o, NULL, NULL, NULL, open_bindings);
  if (code == SF_EXIT_OK) {
    lua_State *L = s.rt.L;
    snprintf(chunk, sizeof(chunk), "return require('sonic.cli').%s(...)",
             name);
    luaL_loadbufferx(L, chunk, strlen(chunk), "=sonicflow", "t");
    for (i = 0; i < o.script_argc; i++)
      lua_pushstring(L, o.script_argv[i]);
    code = sf_script_run(&s.rt, o.script_argc);
  }
  sf_session_close(&s, code);
  return code;
}

int sf_cmd_runs (int argc, char **argv) {
  SfRunOptions o;
  SfJournal *j;
  char err[512];
  const char *path;
  if (sf_run_options_parse(&o, argc, argv, 0, err, sizeof(err)) != 0 ||
      o.script_argc > 0) {
    fprintf(stderr, "sonicflow runs: %s\n", o.script_argc > 0
            ? "usage: sonicflow runs [--json] [--journal FILE]" : err);
    return SF_EXIT_USAGE;
  }
  if (o.help) {
    printf("usage: sonicflow runs [--json] [--journal FILE]\n"
           "The journal's runs: id, status, tasks created, credits spent\n"
           "(and credits whose outcome is unknown), start and end.\n");
    return SF_EXIT_OK;
  }
  path = o.journal ? o.journal : ".sonicflow/journal.db";
  if (access(path, R_OK) != 0) {
    if (o.json)
      printf("[]\n");
    else
      printf("no runs yet (no journal at %s)\n", path);
    return SF_EXIT_OK;
  }
  if (sf_journal_open(&j, path, err, sizeof(err)) != 0) {
    fprintf(stderr, "sonicflow runs: %s\n", err);
    return SF_EXIT_FAILED;
  }
  sf_journal_print_runs(j, o.json);
  sf_journal_close(j);
  return SF_EXIT_OK;
}
