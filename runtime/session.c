/*
** session.c -- set up and tear down one invocation (see session.h).
*/
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include <lualib.h>
#include "error_text.h"
#include "har.h"
#include "log.h"
#include "progress.h"
#include "run_lock.h"
#include "loop.h"
#include "sandbox/sandbox.h"
#include "script.h"
#include "secrets.h"
#include "session.h"
#include "target.h"
#include "wiring.h"
#include "webhook_receiver.h"

/* A dry run's sandbox: faster still. */
#define DRY_RUN_SPEED 2000.0
#define DEFAULT_JOURNAL ".sonicflow/journal.db"
#define DEFAULT_MEMORY_MB 256.0          /* --sandbox-script defaults */
#define DEFAULT_INSTRUCTIONS 1e9

/* The file "<kind>-<run id><ext>" in the journal's directory: where the
** in-process sandbox of the run keeps its state (so that resuming finds
** the same tasks), and the run's lock (run_lock.h). */
static void beside_journal (const SfRunOptions *o, const char *kind,
                            const char *id, const char *ext, char *out,
                            size_t n) {
  const char *j = o->journal ? o->journal : DEFAULT_JOURNAL;
  const char *slash = strrchr(j, '/');
  int dirlen = slash ? (int)(slash - j) : 1;
  snprintf(out, n, "%.*s/%s-%s%s", dirlen, slash ? j : ".", kind, id, ext);
}

/* Say once where an in-process sandbox runs. */
static void announce_sandbox (SfSession *s, const SfRunOptions *o) {
  if (o->verbosity > 0)
    fprintf(stderr, "sonicflow: %s: using the built-in sandbox at %s "
            "(%gx speed; nothing is charged)\n",
            o->dry_run ? "dry run" : o->force_sandbox ? "--sandbox"
            : "no API key and no base URL", s->rt.base_url,
            s->rt.sandbox_speed);
}

/* Start the webhook receiver (--webhook-listen): a secret of our own
** unless one is given, and the public URL the service should call. */
static int start_webhooks (SfSession *s, const SfRunOptions *o, char *err,
                           size_t errlen) {
  SfRuntime *rt = &s->rt;
  char secret[65], url[600];
  sigset_t mask;
  if (o->webhook_secret != NULL) {
    snprintf(secret, sizeof(secret), "%s", o->webhook_secret);
  } else if (sf_secret_random_hex(secret, 32) != 0) {   /* 256 bits */
    snprintf(err, errlen, "cannot make a webhook secret");
    return -1;
  }
  sf_block_stop_signals(&mask);
  rt->webhooks = sf_webhooks_start(o->webhook_listen, secret,
      rt->journal != NULL && !o->dry_run ? (o->journal ? o->journal
      : DEFAULT_JOURNAL) : NULL, rt->run_id, rt->wake_pipe[1], err, errlen);
  sf_restore_signals(&mask);
  if (rt->webhooks == NULL)
    return -1;
  if (o->webhook_url != NULL)
    snprintf(url, sizeof(url), "%s", o->webhook_url);
  else                                  /* a loopback receiver */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/webhook",
             sf_webhooks_port(rt->webhooks));
  rt->webhook_url = strdup(url);
  rt->webhook_secret = strdup(secret);
  memset(secret, 0, sizeof(secret));
  rt->webhook_fallback = o->webhook_fallback > 0 ? o->webhook_fallback
                         : 120.0 / (rt->sandbox_speed > 0 ? rt->sandbox_speed
                                    : 1);
  if (rt->webhook_url == NULL || rt->webhook_secret == NULL)
    return -1;
  sf_log_info("webhooks: listening on %s, deliveries to %s (fallback poll "
              "every %g s)", o->webhook_listen, url, rt->webhook_fallback);
  return 0;
}

/* Make this process the owner of run 'id' (run_lock.h). Exit code: a
** run that a live process owns is refused at once. */
static int own_run (SfSession *s, const SfRunOptions *o, const char *id) {
  char err[512], path[sizeof(s->lock.path)];
  pid_t owner, previous;
  int rc;
  beside_journal(o, "run", id, ".lock", path, sizeof(path));
  rc = sf_run_lock(&s->lock, path, id, &owner, &previous, err, sizeof(err));
  if (rc < 0) {
    sf_log_error("%s", err);
    return SF_EXIT_FAILED;
  }
  if (rc > 0) {
    sf_log_error("run %s is being resumed by pid %ld", id, (long)owner);
    return SF_EXIT_BUSY;
  }
  if (previous > 0)
    sf_log_info("run %s: taking it over from pid %ld, which is gone", id,
                (long)previous);
  return SF_EXIT_OK;
}

/* Find the run to resume ('resume', or "" for the latest unfinished one),
** own it, then count the attempt: a refused resume changes nothing. */
static int resume_run (SfSession *s, const SfRunOptions *o,
                       const char *resume) {
  char id[40], status[16];
  int found, code;
  found = sf_journal_run_peek(s->rt.journal, resume[0] ? resume : NULL,
                              id, status);
  if (found > 0 && (code = own_run(s, o, id)) != SF_EXIT_OK)
    return code;
  if (found > 0 && !resume[0] &&     /* finished while we took the lock? */
      (sf_journal_run_peek(s->rt.journal, id, id, status) <= 0 ||
       strcmp(status, "finished") == 0))
    found = 0;
  if (found > 0)
    found = sf_journal_run_find(s->rt.journal, id, &s->run);
  if (found <= 0) {
    sf_log_error(resume[0] ? "no run '%s' in the journal" :
                 "no unfinished run in the journal%s", resume);
    return SF_EXIT_USAGE;
  }
  return SF_EXIT_OK;
}

/* Open the journal and start or find the run. Exit code. */
static int open_run (SfSession *s, const SfRunOptions *o, const char *script,
                     const char *args_json, const char *resume) {
  char err[512];
  int code;
  s->rt.journal_path = o->dry_run ? NULL : o->journal ? o->journal
                                                     : DEFAULT_JOURNAL;
  if (sf_journal_open(&s->rt.journal, s->rt.journal_path,
                      err, sizeof(err)) != 0) {
    sf_log_error("%s", err);
    return SF_EXIT_USAGE;
  }
  if (resume == NULL) {
    snprintf(s->run.script, sizeof(s->run.script), "%s", script);
    snprintf(s->run.args, sizeof(s->run.args), "%s", args_json);
    s->run.budget = o->budget;
    if (sf_journal_run_begin(s->rt.journal, &s->run) != 0) {
      sf_log_error("cannot write the journal");
      return SF_EXIT_FAILED;
    }
    s->rt.budget = o->budget;
    snprintf(s->rt.run_id, sizeof(s->rt.run_id), "%s", s->run.id);
    if (!o->dry_run && (code = own_run(s, o, s->run.id)) != SF_EXIT_OK)
      return code;           /* a fresh id: only a broken disk fails */
  } else {
    if ((code = resume_run(s, o, resume)) != SF_EXIT_OK)
      return code;
    s->rt.resuming = 1;
    s->rt.budget = o->budget >= 0 ? o->budget : s->run.budget;
    s->rt.spent = sf_journal_run_committed(s->rt.journal, s->run.id);
    snprintf(s->rt.run_id, sizeof(s->rt.run_id), "%s", s->run.id);
  }
  return SF_EXIT_OK;
}

/*
** Tear the session down. 'close_lua' is 0 only for os.exit() without
** 'close': like Lua's own, it ends the process without running the
** script's __gc and __close handlers, but the journal is still closed
** properly. The run is recorded before the lock that guards it goes.
*/
static void teardown (SfSession *s, int code, int close_lua) {
  SfRuntime *rt = &s->rt;
  sf_progress_stop();
  sf_webhooks_stop(rt->webhooks);    /* its thread writes to our pipe */
  rt->webhooks = NULL;
  if (close_lua && rt->L != NULL) {
    sf_limits_close(rt->L, &rt->limits); /* releases requests, then ... */
    rt->L = NULL;
  }
  if (rt->journal != NULL && rt->run_id[0]) {
    if (s->exited)
      sf_journal_run_exited(rt->journal, rt->run_id, code);
    else
      sf_journal_run_end(rt->journal, rt->run_id, code == SF_EXIT_OK
                         ? "finished" : code == SF_EXIT_INTERRUPTED
                         ? "interrupted" : "failed");
  }
  sf_har_close(rt->http.har);    /* complete after every entry */
  rt->http.har = NULL;
  sf_unwire(rt, &s->wired);      /* ... the engine they used */
  sf_journal_close(rt->journal);
  rt->journal = NULL;
  sf_run_unlock(&s->lock);       /* after the run's end is on disk */
  free(rt->webhook_url);
  if (rt->webhook_secret != NULL)
    memset(rt->webhook_secret, 0, strlen(rt->webhook_secret));
  free(rt->webhook_secret);
  rt->webhook_url = rt->webhook_secret = NULL;
}

/*
** os.exit([code [, close]]) of the script, in place of the standard one
** (upvalue 1: the session). A process that ends there used to leave its
** run "running" and the answers of its last loop turn uncommitted: the
** run is closed as "exited" with the code first, then the process ends.
** The code as in Lua: true is EXIT_SUCCESS, false EXIT_FAILURE.
*/
static int session_os_exit (lua_State *L) {
  SfSession *s = (SfSession *)lua_touserdata(L, lua_upvalueindex(1));
  int code, close = lua_toboolean(L, 2);
  if (lua_isboolean(L, 1))
    code = lua_toboolean(L, 1) ? EXIT_SUCCESS : EXIT_FAILURE;
  else
    code = (int)luaL_optinteger(L, 1, EXIT_SUCCESS);
  s->exited = 1;
  if (s->rt.journal != NULL && s->rt.run_id[0])
    sf_log_info("the script called os.exit(%d): run %s is closed as "
                "exited", code, s->rt.run_id);
  fflush(stdout);
  teardown(s, code, close);      /* with 'close', L is gone after this */
  exit(code);
  return 0;                      /* not reached */
}

/* Put session_os_exit in place of os.exit (if the state has os). */
static void replace_os_exit (lua_State *L, SfSession *s) {
  if (lua_getglobal(L, "os") == LUA_TTABLE) {
    lua_pushlightuserdata(L, s);
    lua_pushcclosure(L, session_os_exit, 1);
    lua_setfield(L, -2, "exit");
  }
  lua_pop(L, 1);
}

int sf_session_open (SfSession *s, const SfRunOptions *opts,
                     const char *script, const char *args_json,
                     const char *resume, SfOpenBindings open_bindings) {
  char err[512];
  SfRuntime *rt = &s->rt;
  SfRunOptions copy = *opts, *o = &copy;
  int code;
  SfWiring w;
  char state[1200];
  int usage;
  memset(s, 0, sizeof(*s));
  memset(&w, 0, sizeof(w));
  sf_run_lock_init(&s->lock);
  rt->budget = o->budget;
  sf_log_set_level((SfLogLevel)o->verbosity);
  w.max_inflight = o->max_inflight;
  w.verbose = o->verbosity >= 2;
  w.max_download_mb = o->max_download_mb;
  if (sf_wire_loop(rt, &w, &s->wired, err, sizeof(err)) != 0) {
    sf_log_error("%s", err);
    return SF_EXIT_FAILED;
  }
  if (!o->no_journal &&
      (code = open_run(s, o, script, args_json, resume)) != SF_EXIT_OK)
    return code;
  if (resume != NULL && o->base_url == NULL && !o->force_sandbox) {
    /* resume talks to the service the run was started against */
    if (strcmp(s->run.service, "sandbox") == 0)
      o->force_sandbox = 1;
    else if (s->run.service[0])
      o->base_url = s->run.service;
  }
  w.key_file = o->key_file;
  w.base_url = o->base_url;
  w.force_sandbox = o->force_sandbox || o->dry_run;
  w.sandbox_args = o->sandbox_args;
  if (o->dry_run) {
    /* the model's realistic durations, as the service gives them: a
    ** dry run must not fail where the real run would not */
    w.sandbox_speed = DRY_RUN_SPEED;
  } else if (rt->journal != NULL) {   /* resuming finds the same tasks */
    beside_journal(o, "sandbox", s->run.id, ".db", state, sizeof(state));
    w.sandbox_state = state;
  }
  w.poll_interval = o->poll_interval;
  w.wait_timeout = o->wait_timeout;
  w.paid_interval = o->paid_interval;
  if (o->clip_seconds > 0)
    w.sandbox_clip_seconds = o->clip_seconds;
  if (sf_wire_service(rt, &w, &s->wired, &usage, err, sizeof(err)) != 0) {
    sf_log_error("%s", err);
    return usage ? SF_EXIT_USAGE : SF_EXIT_FAILED;
  }
  if (s->wired.sandbox != NULL)
    announce_sandbox(s, o);
  if (o->har != NULL) {         /* every exchange from here on */
    rt->http.har = sf_har_open(o->har, s->wired.key, err, sizeof(err));
    if (rt->http.har == NULL) {
      sf_log_error("%s", err);
      return SF_EXIT_USAGE;
    }
  }
  if (rt->journal != NULL && resume == NULL)
    sf_journal_run_set_service(rt->journal, rt->run_id,
                               rt->in_process_sandbox ? "sandbox"
                               : rt->base_url);
  rt->resend_unknown = o->resend_unknown;
  if (o->webhook_listen != NULL && start_webhooks(s, o, err,
                                                  sizeof(err)) != 0) {
    sf_log_error("%s", err);
    return SF_EXIT_USAGE;
  }
  rt->untrusted = o->untrusted;
  if (o->untrusted) {           /* a script from someone else: capped */
    rt->limits.memory = (size_t)((o->memory_mb > 0 ? o->memory_mb
                                  : DEFAULT_MEMORY_MB) * 1048576.0);
    rt->limits.max_instructions = (long long)(o->instructions > 0
                                  ? o->instructions : DEFAULT_INSTRUCTIONS);
  } else if (o->memory_mb > 0) {
    rt->limits.memory = (size_t)(o->memory_mb * 1048576.0);
  }
  /* Each download's 512 KiB receive buffer stays an mmap of its own,
  ** returned at once: glibc's default threshold rises after the first
  ** free and then carves them from the heap, where hundreds of concurrent
  ** downloads fragment it (peak RSS at 3000 workflows: 71 -> 62 MB). */
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  if ((rt->L = sf_limits_newstate(&rt->limits)) == NULL)
    return SF_EXIT_FAILED;
  /* Collect when the heap has grown 20 % since the last collection, not
  ** the default 100 %: a workflow's answers die young, and peak memory
  ** with thousands of workflows is what the host is sized by (Lua peak at
  ** 3000 workflows: 35 -> 19 MB; docs/performance.md). */
  lua_gc(rt->L, LUA_GCINC, 120, 0, 0);
  luaL_openlibs(rt->L);
  replace_os_exit(rt->L, s);
  sf_limits_watch(rt->L, &rt->limits);
  if (open_bindings(rt->L, rt) != 0) {
    sf_log_error("cannot load module sonic: %s", sf_error_text(rt->L, -1));
    return SF_EXIT_FAILED;
  }
  sf_loop_catch_signals(rt);
  if (o->verbosity == 1 && !o->no_progress)
    sf_progress_start();       /* a terminal only; else plain lines */
  return SF_EXIT_OK;
}

void sf_session_close (SfSession *s, int code) {
  teardown(s, code, 1);
}
