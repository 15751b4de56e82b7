/*
** test_retain.c -- the task store is bounded (issue 17): --retain-tasks N
** keeps the newest N finished tasks; an older one answers a poll as the
** service answers an id it does not know (HTTP 400 "task not found."),
** its clips are gone (cover: 400 "clip not found.", audio: 404); a task
** still in flight is never dropped, whatever the limit; the ledger keeps
** every charge and refund; a restart on the --state file does not bring
** the dropped back; --retain-seconds S drops by age.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_harness.h"

#define FAST "--quiet --speed 2000 --clip-seconds 1 "

/* Create a song and wait until it is done; its task id (and first clip
** id) into the buffers. 0 or -1. */
static int finished_task (SbxServer *s, int i, char task[64],
                          char clip[64]) {
  char desc[64], *body;
  SbxJson *ans;
  snprintf(desc, sizeof(desc), "retention song %d", i);
  body = sbx_song_body(desc, NULL);
  if (sbx_submit(s, "/sonic/create", body, task, 64) != 200) {
    free(body);
    return -1;
  }
  free(body);
  if ((ans = sbx_wait(s, task, 30)) == NULL)
    return -1;
  snprintf(clip, 64, "%s", sbx_clip_str(ans, 0, "clip_id") ?
           sbx_clip_str(ans, 0, "clip_id") : "");
  sbx_json_free(ans);
  return 0;
}

/* GET the task: its HTTP status (400 checked for the exact message). */
static long poll_status (SbxServer *s, const char *task, int want_gone,
                         const char *what) {
  char path[128];
  SbxResp r;
  long st;
  snprintf(path, sizeof(path), SBX_API "/sonic/task/%s", task);
  sbx_get(s, path, &r);
  st = r.status;
  if (want_gone)
    sbx_expect_error(s, &r, 400, "task not found.", what);
  else
    SBX_CHECK(st == 200 || st == 202, "%s: HTTP %ld", what, st);
  sbx_resp_free(&r);
  return st;
}

/* Charges in the ledger, and how many are refunded. */
static size_t ledger_charges (SbxServer *s, size_t *refunded) {
  SbxJson *l = sbx_ledger(s);
  SbxJson *ch = sbx_jfield(l, "charges");
  size_t i, n = sbx_jlen(ch);
  *refunded = 0;
  for (i = 0; i < n; i++)
    *refunded += sbx_jtype(sbx_jfield(sbx_jat(ch, i), "refunded")) ==
                 SBX_JBOOL && sbx_jfield(sbx_jat(ch, i), "refunded")->boolean;
  sbx_json_free(l);
  return n;
}

static void evicts_at_limit (void) {
  SbxServer s;
  char task[8][64], clip[8][64], path[160], *body;
  long long before, after;
  size_t refunded;
  SbxResp r;
  int i;
  sbx_case("--retain-tasks 3: the oldest finished tasks go");
  if (sbx_start(&s, FAST "--retain-tasks 3") != 0)
    return;
  before = sbx_total_credits(&s);
  for (i = 0; i < 6; i++)
    if (finished_task(&s, i, task[i], clip[i]) != 0) {
      SBX_CHECK(0, "task %d finished", i);
      sbx_stop(&s);
      return;
    }
  for (i = 0; i < 3; i++)
    poll_status(&s, task[i], 1, "an evicted task");
  for (i = 3; i < 6; i++)
    poll_status(&s, task[i], 0, "one of the newest 3");
  snprintf(path, sizeof(path), "/files/%s.mp3", clip[0]);
  sbx_get(&s, path, &r);
  SBX_EQ_INT(r.status, 404, "audio of an evicted clip");
  sbx_resp_free(&r);
  body = malloc(512);
  snprintf(body, 512, "{\"task_type\":\"cover_music\",\"continue_clip_id\":"
           "\"%s\",\"mv\":\"sonic-v5\",\"tags\":\"jazz\"}", clip[1]);
  sbx_post(&s, SBX_API "/sonic/create", body, &r);
  sbx_expect_error(&s, &r, 400, "clip not found.", "cover of an evicted clip");
  sbx_resp_free(&r);
  free(body);
  after = sbx_total_credits(&s);
  SBX_EQ_INT(before - after, 6 * 15, "credits: 6 creates charged, "
             "nothing refunded or charged by eviction");
  SBX_EQ_INT(ledger_charges(&s, &refunded), 6, "ledger keeps every charge");
  SBX_EQ_INT(refunded, 0, "refunds");
  sbx_stop(&s);
}

static void in_flight_stays (void) {
  SbxServer s;
  char task[6][64];
  int i;
  sbx_case("--retain-tasks 2: tasks in flight are never dropped");
  /* speed 1: a generation takes a minute or more */
  if (sbx_start(&s, "--quiet --retain-tasks 2") != 0)
    return;
  for (i = 0; i < 6; i++) {
    char *body = sbx_song_body("in flight", NULL);
    SBX_EQ_INT(sbx_submit(&s, "/sonic/create", body, task[i], 64), 200,
               "create accepted");
    free(body);
  }
  for (i = 0; i < 6; i++)
    poll_status(&s, task[i], 0, "a task in flight, over the limit");
  sbx_stop(&s);
}

static void failed_refund_kept (void) {
  SbxServer s;
  char task[5][64], clip[64];
  size_t refunded;
  long long before;
  int i;
  sbx_case("failed tasks: refunded before they are dropped");
  if (sbx_start(&s, FAST "--retain-tasks 1 --fail-rate 1") != 0)
    return;
  before = sbx_total_credits(&s);
  for (i = 0; i < 5; i++) {
    char *body = sbx_song_body("doomed", NULL);
    SbxJson *ans;
    SBX_EQ_INT(sbx_submit(&s, "/sonic/create", body, task[i], 64), 200,
               "create accepted");
    free(body);
    ans = sbx_wait(&s, task[i], 30);
    sbx_json_free(ans);
  }
  (void)clip;
  poll_status(&s, task[0], 1, "an evicted failed task");
  SBX_EQ_INT(ledger_charges(&s, &refunded), 5, "charges kept");
  SBX_EQ_INT(refunded, 5, "every failed task refunded");
  SBX_EQ_INT(sbx_total_credits(&s), before, "credits back where they were");
  sbx_stop(&s);
}

static void state_restart (void) {
  SbxServer s;
  char db[256], opts[512], task[4][64], clip[4][64];
  int i;
  sbx_case("--state: a restart does not bring dropped tasks back");
  sbx_temp_path(db, sizeof(db), ".db");
  snprintf(opts, sizeof(opts), FAST "--retain-tasks 2 --state %s", db);
  if (sbx_start(&s, opts) != 0)
    return;
  for (i = 0; i < 4; i++)
    if (finished_task(&s, i, task[i], clip[i]) != 0)
      SBX_CHECK(0, "task %d finished", i);
  sbx_stop(&s);
  if (sbx_start(&s, opts) != 0)
    return;
  poll_status(&s, task[0], 1, "dropped before the restart");
  poll_status(&s, task[1], 1, "dropped before the restart");
  poll_status(&s, task[2], 0, "kept across the restart");
  poll_status(&s, task[3], 0, "kept across the restart");
  sbx_stop(&s);
  sbx_remove_db(db);
}

static void by_age (void) {
  SbxServer s;
  char task[3][64], clip[3][64];
  sbx_case("--retain-seconds 1: finished tasks go after a second");
  if (sbx_start(&s, FAST "--retain-tasks 0 --retain-seconds 1") != 0)
    return;
  if (finished_task(&s, 0, task[0], clip[0]) != 0 ||
      finished_task(&s, 1, task[1], clip[1]) != 0)
    SBX_CHECK(0, "tasks finished");
  poll_status(&s, task[0], 0, "younger than a second");
  sbx_sleep(1.3);
  if (finished_task(&s, 2, task[2], clip[2]) != 0)  /* a create evicts */
    SBX_CHECK(0, "task finished");
  poll_status(&s, task[0], 1, "done over a second ago");
  poll_status(&s, task[1], 1, "done over a second ago");
  poll_status(&s, task[2], 0, "the new one");
  sbx_stop(&s);
}

static void bad_values (void) {
  static const char *bad[] = { "--retain-tasks -1", "--retain-tasks x",
                               "--retain-seconds 0", "--max-connections x",
                               "--request-timeout 0", NULL };
  int i;
  sbx_case("bad retention and connection options: one-line errors");
  for (i = 0; bad[i] != NULL; i++) {
    char opt[64], *val;
    SbxServer s;
    int code = -1;
    snprintf(opt, sizeof(opt), "%s", bad[i]);
    val = strchr(opt, ' ');
    *val++ = '\0';
    {
      char *args[] = { "--port", "0", opt, val, NULL };
      memset(&s, 0, sizeof(s));
      SBX_CHECK(sbx_spawn(&s, args, 5, &code) != 0 && code == 2,
                "%s refused with exit 2 (got %d)", bad[i], code);
      if (s.pid)
        sbx_stop(&s);
    }
  }
}

int main (int argc, char **argv) {
  sbx_init(argc, argv);
  curl_global_init(CURL_GLOBAL_ALL);
  evicts_at_limit();
  in_flight_stays();
  failed_refund_kept();
  state_restart();
  by_age();
  bad_values();
  return sbx_finish();
}
