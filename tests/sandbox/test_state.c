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

int main (int argc, char **argv) {
  char path[256];
  sbx_init(argc, argv);
  sbx_temp_path(path, sizeof(path), ".db");
  test_restart(path);
  test_crash(path);
  test_odd_ids(path);
  sbx_remove_db(path);
  return sbx_finish();
}
