/*
** test_state.c -- issue 2 item 8, --state FILE: tasks, clips and the
** ledger survive a restart (SIGTERM) and a crash (SIGKILL after the create
** was answered); an unfinished task completes after the restart; audio
** URLs are served by the new process.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "sbx_harness.h"

#define OPTS "--speed 100 --clip-seconds 3 --credits 500 --extra-credits 10"

typedef struct Snapshot {
  long long credits, extra, accepted;
  size_t charges;
} Snapshot;

static void snapshot (SbxServer *s, Snapshot *p) {
  SbxJson *l = sbx_ledger(s);
  memset(p, 0xff, sizeof(*p));
  sbx_credits(s, &p->credits, &p->extra);
  sbx_ledger_int(s, "creates_accepted", &p->accepted);
  p->charges = sbx_jlen(sbx_jfield(l, "charges"));
  sbx_json_free(l);
}

static void same_ledger (const Snapshot *a, const Snapshot *b,
                         const char *what) {
  SBX_CHECK(a->credits == b->credits && a->extra == b->extra,
            "%s: credits %lld/%lld, before %lld/%lld", what, b->credits,
            b->extra, a->credits, a->extra);
  SBX_CHECK(a->accepted == b->accepted, "%s: creates_accepted %lld, "
            "before %lld", what, b->accepted, a->accepted);
  SBX_CHECK(a->charges == b->charges, "%s: %zu ledger charges, before %zu",
            what, b->charges, a->charges);
}

static int start_with (SbxServer *s, const char *path) {
  char opts[400];
  snprintf(opts, sizeof(opts), OPTS " --state %s", path);
  return sbx_start(s, opts);
}

static SbxJson *poll_once (SbxServer *s, const char *id, long *status) {
  char url[160];
  SbxResp r;
  SbxJson *j;
  snprintf(url, sizeof(url), SBX_API "/sonic/task/%s", id);
  sbx_get(s, url, &r);
  *status = r.status;
  j = r.json;
  r.json = NULL;
  sbx_resp_free(&r);
  return j;
}

static void fetch_audio (SbxServer *s, const SbxJson *a, SbxResp *r) {
  const char *url = sbx_clip_str(a, 0, "audio_url");
  sbx_fetch(s, url ? url : "/none", r);
}

/* Every text a poll shows of the clip, the same after a restart (the
** restored clip is rebuilt, and packed into one block, from the file). */
static void same_texts (const SbxJson *before, const SbxJson *after) {
  static const char *always[] = { "title", "tags", "lyrics", "mv",
                                  "created_at" };
  static const char *if_set[] = { "gpt_description_prompt",
                                  "negative_tags" };
  char what[96];
  size_t i;
  for (i = 0; i < sizeof(always) / sizeof(always[0]); i++) {
    snprintf(what, sizeof(what), "%s after restart", always[i]);
    SBX_EQ_STR(sbx_clip_str(after, 0, always[i]),
               sbx_clip_str(before, 0, always[i]), what);
  }
  for (i = 0; i < sizeof(if_set) / sizeof(if_set[0]); i++) {
    const char *want = sbx_clip_str(before, 0, if_set[i]);
    snprintf(what, sizeof(what), "%s after restart", if_set[i]);
    if (want != NULL)
      SBX_EQ_STR(sbx_clip_str(after, 0, if_set[i]), want, what);
    else
      SBX_CHECK(sbx_clip_str(after, 0, if_set[i]) == NULL,
                "%s: set after restart, not before", if_set[i]);
  }
}

static void test_restart (const char *path) {
  SbxServer s;
  SbxJson *a1, *a2, *b;
  SbxResp f1, f2;
  Snapshot before, after;
  char ida[64], idb[64];
  long st;
  char *body = sbx_song_body("persistent song", "jazz");
  sbx_case("SIGTERM and restart with the same --state");
  if (start_with(&s, path) != 0) {
    free(body);
    return;
  }
  sbx_submit(&s, "/sonic/create", body, ida, sizeof(ida));
  a1 = sbx_wait(&s, ida, 20.0);
  fetch_audio(&s, a1, &f1);
  SBX_EQ_INT(f1.status, 200, "audio before restart");
  SBX_EQ_INT(sbx_submit(&s, "/sonic/create", body, idb, sizeof(idb)), 200,
             "second create");
  snapshot(&s, &before);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code of the first process");
  if (start_with(&s, path) != 0)
    goto out;
  snapshot(&s, &after);
  same_ledger(&before, &after, "ledger after restart");
  a2 = poll_once(&s, ida, &st);
  SBX_EQ_INT(st, 200, "finished task after restart");
  SBX_EQ_STR(sbx_clip_str(a2, 0, "clip_id"), sbx_clip_str(a1, 0, "clip_id"),
             "clip id after restart");
  SBX_EQ_STR(sbx_clip_str(a2, 0, "state"), "succeeded", "state after "
             "restart");
  SBX_EQ_STR(sbx_clip_str(a2, 0, "duration"), sbx_clip_str(a1, 0,
             "duration"), "duration after restart");
  same_texts(a1, a2);
  fetch_audio(&s, a2, &f2);
  SBX_CHECK(f2.status == 200 && f1.len == f2.len &&
            memcmp(f1.body, f2.body, f1.len) == 0, "audio after restart "
            "should be served (HTTP %ld) and identical", f2.status);
  sbx_resp_free(&f2);
  b = sbx_wait(&s, idb, 20.0);
  SBX_CHECK(b != NULL && strcmp(sbx_clip_str(b, 0, "state") ?
            sbx_clip_str(b, 0, "state") : "", "succeeded") == 0,
            "task in flight at the restart completes");
  sbx_json_free(b);
  sbx_json_free(a2);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code of the second process");
out:
  sbx_resp_free(&f1);
  sbx_json_free(a1);
  free(body);
}

static void test_crash (const char *path) {
  SbxServer s;
  SbxJson *c;
  Snapshot before, after;
  char id[64];
  long st;
  char *body = sbx_song_body("crash song", NULL);
  sbx_case("SIGKILL right after a create was answered");
  if (start_with(&s, path) != 0) {
    free(body);
    return;
  }
  snapshot(&s, &before);
  SBX_EQ_INT(sbx_submit(&s, "/sonic/create", body, id, sizeof(id)), 200,
             "create");
  sbx_stop_sig(&s, SIGKILL);
  if (start_with(&s, path) == 0) {
    snapshot(&s, &after);
    SBX_EQ_INT(before.credits + before.extra - after.credits - after.extra,
               15, "the answered create stays charged after a crash");
    SBX_EQ_INT(after.accepted - before.accepted, 1,
               "creates_accepted after a crash");
    c = poll_once(&s, id, &st);
    SBX_CHECK(st == 200, "the answered task is known after a crash (HTTP "
              "%ld)", st);
    sbx_json_free(c);
    c = sbx_wait(&s, id, 20.0);
    SBX_CHECK(c != NULL, "and it completes");
    sbx_json_free(c);
    SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
  }
  free(body);
}

static void test_odd_ids (const char *path) {
  SbxServer s;
  SbxResp r;
  sbx_case("odd ids against the SQLite state");
  if (start_with(&s, path) != 0)
    return;
  sbx_get(&s, SBX_API "/sonic/task/%27%20OR%20%271%27%3D%271", &r);
  sbx_expect_error(&s, &r, 400, "task not found.", "SQL-like id");
  sbx_resp_free(&r);
  sbx_get(&s, SBX_API "/sonic/task/%25", &r);
  sbx_expect_error(&s, &r, 400, "task not found.", "id '%'");
  sbx_resp_free(&r);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

/* Run 'sql' on the state file of a stopped sandbox. 0 or -1. */
static int edit_state (const char *path, const char *sql) {
  sqlite3 *db = NULL;
  char *err = NULL;
  int rc = sqlite3_open(path, &db) == SQLITE_OK &&
           sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK ? 0 : -1;
  SBX_CHECK(rc == 0, "editing the state file: %s", err ? err : "open");
  sqlite3_free(err);
  sqlite3_close(db);
  return rc;
}

static size_t clips_in (const SbxJson *answer) {
  return sbx_jlen(sbx_jfield(answer, "data"));
}

/* A state file edited (or corrupted) so that one task lists its first
** clip twice and another task claims the first one's clips: each clip
** is answered once, by its first task, and dropping both tasks
** (--retain-tasks 1) frees each clip once, the sandbox answering on. */
static void test_shared_clips (const char *path) {
  SbxServer s;
  SbxJson *a = NULL, *b = NULL;
  char ida[64], idb[64], idc[64], sql[512], opts[400];
  size_t na;
  long st;
  char *body = sbx_song_body("claimed song", NULL);
  sbx_case("a state file where tasks share clips");
  if (start_with(&s, path) != 0) {
    free(body);
    return;
  }
  sbx_submit(&s, "/sonic/create", body, ida, sizeof(ida));
  sbx_submit(&s, "/sonic/create", body, idb, sizeof(idb));
  sbx_json_free(sbx_wait(&s, ida, 20.0));
  sbx_json_free(sbx_wait(&s, idb, 20.0));
  a = poll_once(&s, ida, &st);
  na = clips_in(a);
  SBX_CHECK(na >= 1, "the first task has clips (%zu)", na);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code of the first process");
  snprintf(sql, sizeof(sql),
           "UPDATE tasks SET body = json_set(body, '$.clips[#]',"
           " json_extract(body, '$.clips[0]')) WHERE id = '%s';"
           "UPDATE tasks SET body = json_set(body, '$.clips',"
           " (SELECT json_extract(body, '$.clips') FROM tasks"
           "  WHERE id = '%s')) WHERE id = '%s';", ida, ida, idb);
  if (edit_state(path, sql) != 0)
    goto out;
  if (start_with(&s, path) != 0)
    goto out;
  sbx_json_free(a);
  a = poll_once(&s, ida, &st);
  SBX_EQ_INT(st, 200, "the first task after the restart");
  SBX_EQ_INT((long long)clips_in(a), (long long)na,
             "its clips, each once");
  b = poll_once(&s, idb, &st);
  SBX_EQ_INT(st, 200, "the task that claimed them");
  SBX_EQ_INT((long long)clips_in(b), 0, "clips of the claiming task");
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code of the second process");
  /* the limit drops the first task as the file is loaded, the claiming
  ** one at the next create */
  snprintf(opts, sizeof(opts), OPTS " --state %s --retain-tasks 1", path);
  if (sbx_start(&s, opts) != 0)
    goto out;
  SBX_EQ_INT(sbx_submit(&s, "/sonic/create", body, idc, sizeof(idc)), 200,
             "a create that drops the claiming task");
  sbx_json_free(poll_once(&s, ida, &st));
  SBX_EQ_INT(st, 400, "the first task, dropped");
  sbx_json_free(poll_once(&s, idb, &st));
  SBX_EQ_INT(st, 400, "the claiming task, dropped");
  sbx_json_free(poll_once(&s, idc, &st));
  SBX_CHECK(st == 200 || st == 202, "the new task: HTTP %ld", st);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code after dropping them");
out:
  sbx_json_free(a);
  sbx_json_free(b);
  free(body);
}

int main (int argc, char **argv) {
  char path[256];
  sbx_init(argc, argv);
  sbx_temp_path(path, sizeof(path), ".db");
  test_restart(path);
  test_crash(path);
  test_odd_ids(path);
  sbx_remove_db(path);
  sbx_temp_path(path, sizeof(path), ".db");
  test_shared_clips(path);
  sbx_remove_db(path);
  return sbx_finish();
}
