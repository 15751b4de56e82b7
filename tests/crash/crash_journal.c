/*
** crash_journal.c -- the journal's promises beyond the crash matrix:
** the budget's edges (exactly at it, one over), a reordered script on
** resume, and a torn WAL tail (power loss while a write was half done)
** that must not lose committed steps.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "run_child.h"
#include "sbx_harness.h"

static const char *bin;


static int charges (SbxServer *s) {
  SbxResp r;
  int n;
  sbx_get(s, "/_sandbox/ledger", &r);
  n = r.json ? (int)sbx_jlen(sbx_jget(r.json, "charges")) : -1;
  sbx_resp_free(&r);
  return n;
}

/* A fresh directory with 'script' as w.lua, and a sandbox for it. */
static int setup (char *dir, const char *script, SbxServer *s) {
  char path[256], opts[512];
  strcpy(dir, "/tmp/sf_journal_XXXXXX");
  if (mkdtemp(dir) == NULL)
    return -1;
  snprintf(path, sizeof(path), "%s/w.lua", dir);
  write_file(path, script);
  snprintf(opts, sizeof(opts), "--speed 500 --clip-seconds 3 --quiet "
           "--state %s/sandbox.db", dir);
  return sbx_start(s, opts);
}

static const char two_steps[] =
  "sonic.config{poll_interval = 0.05}\n"
  "local a = sonic.wait(sonic.create{gpt_description_prompt = 'first'})\n"
  "local b = sonic.wait(sonic.cover(a[1], 'jazz'))\n";

static void test_budget_edges (void) {
  static const char *at[] = {"run", "-q", "--budget", "30", "w.lua", NULL};
  static const char *over[] = {"run", "-q", "--budget", "29", "w.lua",
                               NULL};
  char dir[64];
  SbxServer s;
  ChildResult r;
  sbx_case("budget: exactly at the budget, and one credit short");
  if (setup(dir, two_steps, &s) != 0)
    return;
  run_sonicflow(bin, dir, s.base, NULL, at, &r);
  SBX_CHECK(r.exited && r.code == 0, "15 + 15 within --budget 30 (code %d)"
            " %s", r.code, r.err);
  SBX_EQ_INT(charges(&s), 2, "charges after the run at its budget");
  run_sonicflow(bin, dir, s.base, NULL, over, &r);
  SBX_CHECK(r.exited && r.code == 1, "--budget 29 fails (code %d)", r.code);
  SBX_CHECK(strstr(r.err, "budget:") != NULL, "a budget error: %s", r.err);
  SBX_EQ_INT(charges(&s), 3, "only the first step of the short run was "
             "sent");
  sbx_stop(&s);
}

static void test_reordered_script (void) {
  static const char *run[] = {"run", "-q", "w.lua", NULL};
  static const char *resume[] = {"resume", "-q", NULL};
  static const char reordered[] =
    "sonic.config{poll_interval = 0.05}\n"
    "local b = sonic.wait(sonic.create{gpt_description_prompt = 'other'})\n"
    "local a = sonic.wait(sonic.create{gpt_description_prompt = 'first'})\n";
  char dir[64], path[256];
  SbxServer s;
  ChildResult r;
  sbx_case("a script changed since the run stops the resume");
  if (setup(dir, two_steps, &s) != 0)
    return;
  run_sonicflow(bin, dir, s.base, "during_poll:1", run, &r);
  SBX_CHECK(!r.exited && r.code == SIGKILL, "killed while polling");
  snprintf(path, sizeof(path), "%s/w.lua", dir);
  write_file(path, reordered);
  run_sonicflow(bin, dir, s.base, NULL, resume, &r);
  SBX_CHECK(r.exited && r.code == 1, "resume fails (code %d)", r.code);
  SBX_CHECK(strstr(r.err, "script changed since the run") != NULL &&
            strstr(r.err, "step 1") != NULL, "names the changed step: %s",
            r.err);
  SBX_EQ_INT(charges(&s), 1, "nothing sent for the changed step");
  sbx_stop(&s);
}

/* Steps of the journal at 'path' in the given state (2 = answered). */
static int journal_steps (const char *path, int state) {
  sqlite3 *db;
  sqlite3_stmt *st;
  int n = -1;
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    return -1;
  if (sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM steps WHERE state = ?",
                         -1, &st, NULL) == SQLITE_OK) {
    sqlite3_bind_int(st, 1, state);
    if (sqlite3_step(st) == SQLITE_ROW)
      n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return n;
}

static void test_torn_wal (void) {
  static const char *run[] = {"run", "-q", "w.lua", NULL};
  static const char *resume[] = {"resume", "-q", NULL};
  char dir[64], wal[300], db[256], junk[3000];
  SbxServer s;
  ChildResult r;
  FILE *f;
  size_t i;
  sbx_case("a torn WAL tail loses no committed step");
  if (setup(dir, two_steps, &s) != 0)
    return;
  /* killed while polling the first task: one step answered */
  run_sonicflow(bin, dir, s.base, "during_poll:1", run, &r);
  SBX_CHECK(!r.exited && r.code == SIGKILL, "killed while polling");
  snprintf(db, sizeof(db), "%s/.sonicflow/journal.db", dir);
  snprintf(wal, sizeof(wal), "%s-wal", db);
  /* now power-loss style: half a frame of garbage at the WAL's end */
  srand(42);
  for (i = 0; i < sizeof(junk); i++)
    junk[i] = (char)(rand() & 0xff);
  f = fopen(wal, "ab");
  SBX_CHECK(f != NULL, "the journal has a WAL (%s)", wal);
  if (f != NULL) {
    fwrite(junk, 1, sizeof(junk), f);
    fclose(f);
  }
  SBX_EQ_INT(journal_steps(db, 2), 1, "answered steps after the torn tail");
  run_sonicflow(bin, dir, s.base, NULL, resume, &r);
  SBX_CHECK(r.exited && r.code == 0, "resume finishes (code %d) %s",
            r.code, r.err);
  SBX_EQ_INT(charges(&s), 2, "no step paid twice");
  sbx_stop(&s);
}

int main (int argc, char **argv) {
  sbx_init(argc, argv);
  bin = argv[1];
  test_budget_edges();
  test_reordered_script();
  test_torn_wal();
  return sbx_finish();
}
