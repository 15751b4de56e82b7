/*
** test_lifecycle.c -- PROTOCOL.md "Task status" at high speed: not_ready
** first (200, or 202 with --not-ready-status 202), then two clips moving
** pending -> running -> (streaming) -> succeeded, never backwards, on their
** own schedules; every clip field present; final audio_url only once
** succeeded; duration as a decimal string (or a number with
** --duration-number); unknown and odd task ids.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_harness.h"

#define NTASKS 8
#define CLIP_SECONDS 3.0

/* A kind of deviation: counted over all polls, reported once. */
typedef struct Problem {
  int count;
  char example[300];
} Problem;

enum {
  P_STATUS, P_NOT_READY_SHAPE, P_NOT_READY_AFTER_DATA, P_SHAPE, P_KEYS,
  P_IDS, P_STATE, P_REGRESS, P_FIELDS, P_DURATION, P_URL, P_NCLIPS, P_MAX
};

static const char *const problem_names[P_MAX] = {
  "HTTP status of a poll", "not_ready body", "not_ready after data",
  "answer shape", "clip keys", "clip ids change", "unknown state",
  "state went backwards", "clip field values", "duration",
  "audio_url", "number of clips"
};

typedef struct Task {
  char id[64];
  double t_create, t_data, t_first, t_done;   /* sbx_now() stamps */
  char desc[64];
  int polls, saw_data, first_not_ready, done, partial;
  char clip_ids[2][64];
  int rank[2];
  char final_url[2][512];
  char early_url[2][8][512];   /* non-final audio_urls seen before */
  int nearly[2];
} Task;

typedef struct Run {
  SbxServer *s;
  int duration_number;
  Problem p[P_MAX];
  int states_seen[5];
} Run;

static void problem (Run *run, int kind, const char *fmt, const char *a,
                     const char *b) {
  Problem *p = &run->p[kind];
  if (p->count++ == 0)
    snprintf(p->example, sizeof(p->example), fmt, a, b ? b : "");
}

static int state_rank (const char *st) {
  static const char *const order[] = {
    "pending", "running", "streaming", "succeeded", "failed"
  };
  int i;
  for (i = 0; i < 5 && st != NULL; i++)
    if (strcmp(st, order[i]) == 0)
      return i < 4 ? i : 3;                  /* failed ranks as terminal */
  return -1;
}

/* "2026-07-15T10:26:46.552Z" (fraction optional). */
static int iso_time (const char *t) {
  const char *pat = "dddd-dd-ddTdd:dd:dd";
  int i;
  if (t == NULL || strlen(t) < 20)
    return 0;
  for (i = 0; pat[i]; i++)
    if (pat[i] == 'd' ? !isdigit((unsigned char)t[i]) : t[i] != pat[i])
      return 0;
  t += 19;
  if (*t == '.') {
    t++;
    if (!isdigit((unsigned char)*t))
      return 0;
    while (isdigit((unsigned char)*t))
      t++;
  }
  return strcmp(t, "Z") == 0;
}

/* "104.88", "3", "3.0": digits, optional fraction. */
static int decimal_string (const char *d) {
  size_t n = strspn(d, "0123456789");
  if (n == 0)
    return 0;
  if (d[n] == '\0')
    return 1;
  return d[n] == '.' && strspn(d + n + 1, "0123456789") > 0 &&
         d[n + 1 + strspn(d + n + 1, "0123456789")] == '\0';
}

static const char *const clip_keys[] = {
  "clip_id", "state", "title", "tags", "lyrics", "image_url", "audio_url",
  "video_url", "created_at", "mv", "gpt_description_prompt", "duration",
  "negative_tags", "style_weight", "weirdness_constraint", NULL
};

static int is_str_or_null (const SbxJson *j) {
  return sbx_jtype(j) == SBX_JSTR || sbx_jtype(j) == SBX_JNULL;
}

/* mv echoed, possibly in the older chirp- spelling. */
static int mv_echo (const char *got, const char *want) {
  if (got == NULL)
    return 0;
  if (strncmp(got, "chirp-", 6) == 0 && strncmp(want, "sonic-", 6) == 0)
    return strcmp(got + 6, want + 6) == 0;
  return strcmp(got, want) == 0;
}

static void check_duration (Run *run, const SbxJson *c, int succeeded) {
  SbxJson *d = sbx_jfield(c, "duration");
  double v = sbx_clip_duration(c);
  if (!succeeded) {
    if (sbx_jtype(d) != SBX_JNULL && v < 0)
      problem(run, P_DURATION, "non-final duration neither null nor a "
              "duration (%s)%s", sbx_jtype_name(d), NULL);
    return;
  }
  if (run->duration_number ? sbx_jtype(d) != SBX_JNUM
      : (sbx_jtype(d) != SBX_JSTR || !decimal_string(d->str)))
    problem(run, P_DURATION, "duration should be a %s, got %s",
            run->duration_number ? "JSON number" : "decimal string",
            sbx_jtype(d) == SBX_JSTR ? d->str : sbx_jtype_name(d));
  else if (v < CLIP_SECONDS - 0.03 || v > CLIP_SECONDS + 0.03)
    problem(run, P_DURATION, "duration %s with --clip-seconds 3%s",
            sbx_jtype(d) == SBX_JSTR ? d->str : "(number)", NULL);
}

/* Field values of one clip, as in the fixtures. */
static void check_fields (Run *run, const Task *t, const SbxJson *c,
                          int succeeded) {
  const char *url = sbx_jstr(sbx_jfield(c, "audio_url"));
  if (!iso_time(sbx_jstr(sbx_jfield(c, "created_at"))))
    problem(run, P_FIELDS, "created_at not ISO 8601 UTC: %s%s",
            sbx_jstr(sbx_jfield(c, "created_at")) ?
            sbx_jstr(sbx_jfield(c, "created_at")) : "(not a string)", NULL);
  if (!mv_echo(sbx_jstr(sbx_jfield(c, "mv")), "sonic-v4-5"))
    problem(run, P_FIELDS, "mv should echo sonic-v4-5, got %s%s",
            sbx_jstr(sbx_jfield(c, "mv")) ? sbx_jstr(sbx_jfield(c, "mv"))
            : "(none)", NULL);
  if (sbx_jstr(sbx_jfield(c, "tags")) == NULL ||
      strcmp(sbx_jstr(sbx_jfield(c, "tags")), "lo-fi, chill") != 0)
    problem(run, P_FIELDS, "tags should echo \"lo-fi, chill\", got %s%s",
            sbx_jstr(sbx_jfield(c, "tags")) ?
            sbx_jstr(sbx_jfield(c, "tags")) : "(none)", NULL);
  if (sbx_jstr(sbx_jfield(c, "gpt_description_prompt")) == NULL ||
      strcmp(sbx_jstr(sbx_jfield(c, "gpt_description_prompt")), t->desc))
    problem(run, P_FIELDS, "gpt_description_prompt should echo %s%s",
            t->desc, NULL);
  if (sbx_jtype(sbx_jfield(c, "title")) != SBX_JSTR ||
      sbx_jtype(sbx_jfield(c, "lyrics")) != SBX_JSTR ||
      sbx_jtype(sbx_jfield(c, "image_url")) != SBX_JSTR ||
      !is_str_or_null(sbx_jfield(c, "video_url")) ||
      !is_str_or_null(sbx_jfield(c, "audio_url")))
    problem(run, P_FIELDS, "title/lyrics/image_url strings, video_url and "
            "audio_url string or null%s%s", "", NULL);
  check_duration(run, c, succeeded);
  if (!succeeded)
    return;
  if (sbx_jstr(sbx_jfield(c, "title"))[0] == '\0' ||
      sbx_jstr(sbx_jfield(c, "image_url"))[0] == '\0' ||
      sbx_jstr(sbx_jfield(c, "lyrics"))[0] == '\0')
    problem(run, P_FIELDS, "succeeded song clip should have a title, "
            "lyrics and an image_url%s%s", "", NULL);
  if (url == NULL || strncmp(url, run->s->base, strlen(run->s->base)) ||
      url[strlen(run->s->base)] != '/' ||
      strcmp(url + strlen(url) - 4, ".mp3") != 0)
    problem(run, P_URL, "final audio_url should be an .mp3 on the sandbox "
            "itself (%s), got %s", run->s->base, url ? url : "(none)");
}

/* Track state order, terminal stickiness, early URLs of one clip. */
static void track_clip (Run *run, Task *t, int i, const SbxJson *c) {
  const char *st = sbx_jstr(sbx_jfield(c, "state"));
  const char *url = sbx_jstr(sbx_jfield(c, "audio_url"));
  int r = state_rank(st);
  if (r < 0) {
    problem(run, P_STATE, "state \"%s\"%s", st ? st : "(none)", NULL);
    return;
  }
  run->states_seen[r]++;
  if (r < t->rank[i])
    problem(run, P_REGRESS, "clip went back to %s (task %s)", st, t->id);
  if (r > t->rank[i])
    t->rank[i] = r;
  if (r == 3 && strcmp(st, "succeeded") != 0)
    problem(run, P_STATE, "clip %s with faults off (task %s)", st, t->id);
  if (r == 3 && t->final_url[i][0] == '\0')
    snprintf(t->final_url[i], sizeof(t->final_url[i]), "%s",
             url ? url : "");
  else if (r == 3 && strcmp(t->final_url[i], url ? url : "") != 0)
    problem(run, P_URL, "audio_url changed after succeeded (task %s)%s",
            t->id, NULL);
  if (r < 3 && url != NULL && url[0] != '\0' && t->nearly[i] < 8)
    snprintf(t->early_url[i][t->nearly[i]++], 512, "%s", url);
  check_fields(run, t, c, r == 3 && strcmp(st, "succeeded") == 0);
}

static void observe_data (Run *run, Task *t, const SbxJson *a) {
  SbxJson *data = sbx_clips(a);
  int i, terminal = 0;
  if (sbx_jtype(sbx_jfield(a, "code")) != SBX_JNUM ||
      sbx_jfield(a, "code")->num != 200 ||
      sbx_jstr(sbx_jfield(a, "message")) == NULL ||
      strcmp(sbx_jstr(sbx_jfield(a, "message")), "success") != 0)
    problem(run, P_SHAPE, "task answer should carry code 200 and message "
            "success (task %s)%s", t->id, NULL);
  if (sbx_jlen(data) != 2) {
    problem(run, P_NCLIPS, "a song task has 2 clips (task %s)%s", t->id,
            NULL);
    return;
  }
  for (i = 0; i < 2; i++) {
    const SbxJson *c = sbx_jat(data, (size_t)i);
    const char *cid = sbx_jstr(sbx_jfield(c, "clip_id"));
    int k;
    for (k = 0; clip_keys[k] != NULL; k++)
      if (sbx_jfield(c, clip_keys[k]) == NULL)
        problem(run, P_KEYS, "clip lacks key \"%s\"%s", clip_keys[k], NULL);
    if (!sbx_is_uuid(cid) || (t->saw_data && strcmp(cid, t->clip_ids[i])))
      problem(run, P_IDS, "clip_id not a stable uuid (task %s)%s", t->id,
              NULL);
    if (!t->saw_data && cid != NULL)
      snprintf(t->clip_ids[i], sizeof(t->clip_ids[i]), "%s", cid);
    track_clip(run, t, i, c);
    terminal += t->rank[i] == 3;
  }
  if (!t->saw_data)
    t->t_data = sbx_now();
  if (terminal >= 1 && t->t_first == 0)
    t->t_first = sbx_now();
  if (terminal == 2 && t->t_done == 0)
    t->t_done = sbx_now();
  t->saw_data = 1;
  t->partial |= terminal == 1;
  t->done = terminal == 2;
}

static void observe_not_ready (Run *run, Task *t, const SbxResp *r) {
  const char *err = sbx_jstr(sbx_jfield(r->json, "error"));
  if (t->polls == 1)
    t->first_not_ready = 1;
  if (t->saw_data)
    problem(run, P_NOT_READY_AFTER_DATA, "not_ready after clips appeared "
            "(task %s)%s", t->id, NULL);
  if (err == NULL || err[0] == '\0' || sbx_jfield(r->json, "data") != NULL)
    problem(run, P_NOT_READY_SHAPE, "not_ready needs an \"error\" text and "
            "no data: %.200s%s", r->body, NULL);
}

/* One poll of one task. */
static void poll_task (Run *run, Task *t, long not_ready_status) {
  SbxResp r;
  char url[160];
  const char *type;
  snprintf(url, sizeof(url), SBX_API "/sonic/task/%s", t->id);
  sbx_get(run->s, url, &r);
  t->polls++;
  type = sbx_jstr(sbx_jfield(r.json, "type"));
  if (type != NULL && strcmp(type, "not_ready") == 0) {
    if (r.status != not_ready_status) {
      char st[16];
      snprintf(st, sizeof(st), "%ld", r.status);
      problem(run, P_STATUS, "not_ready answered with HTTP %s%s", st, NULL);
    }
    observe_not_ready(run, t, &r);
  } else if (r.status == 200 && sbx_jtype(r.json) == SBX_JOBJ) {
    observe_data(run, t, r.json);
  } else {
    problem(run, P_STATUS, "unexpected poll answer: %.200s%s",
            r.body ? r.body : "(none)", NULL);
  }
  sbx_resp_free(&r);
}

/* Create n tasks, poll each at once, then round-robin until done. */
static int drive (Run *run, Task *tasks, int n, long not_ready_status) {
  int i, left = n;
  double end;
  for (i = 0; i < n; i++) {
    SbxBuf b = {0};
    snprintf(tasks[i].desc, sizeof(tasks[i].desc), "lifecycle song %d", i);
    sbx_buf_printf(&b, "{\"custom_mode\":false,\"mv\":\"sonic-v4-5\","
                   "\"gpt_description_prompt\":\"%s\",\"tags\":"
                   "\"lo-fi, chill\"}", tasks[i].desc);
    tasks[i].t_create = sbx_now();
    if (sbx_submit(run->s, "/sonic/create", b.p, tasks[i].id,
                   sizeof(tasks[i].id)) == 200)
      poll_task(run, &tasks[i], not_ready_status);
    else
      tasks[i].done = 1;
    sbx_buf_free(&b);
  }
  end = sbx_now() + 30.0;
  while (left > 0 && sbx_now() < end) {
    left = 0;
    for (i = 0; i < n; i++)
      if (!tasks[i].done) {
        poll_task(run, &tasks[i], not_ready_status);
        left += !tasks[i].done;
      }
    sbx_sleep(0.005);
  }
  return left;
}

static void report_problems (Run *run) {
  int k;
  for (k = 0; k < P_MAX; k++)
    SBX_CHECK(run->p[k].count == 0, "%s: %d times, first: %s",
              problem_names[k], run->p[k].count, run->p[k].example);
}

/* Early (non-succeeded) audio URLs must not be the final file. */
static void check_early_urls (const Task *t) {
  int i, k;
  for (i = 0; i < 2; i++)
    for (k = 0; k < t->nearly[i]; k++)
      SBX_CHECK(strcmp(t->early_url[i][k], t->final_url[i]) != 0,
                "task %s clip %d: final audio_url shown before succeeded",
                t->id, i);
}

/*
** Issue 2: at speed 1 not_ready lasts seconds and a generation 1-3
** minutes; --speed F divides every duration. At speed 'f': the first clip
** ends no sooner than 60/f s (minus a poll), the last within
** (180 + 60)/f s (a minute allowed for not_ready), not_ready <= 60/f s.
*/
static void check_timing (const Task *t, int n, double f) {
  double nr_max = 0, first_min = 1e9, done_max = 0;
  int i;
  for (i = 0; i < n; i++) {
    if (t[i].t_done == 0)
      continue;
    if (t[i].t_data - t[i].t_create > nr_max)
      nr_max = t[i].t_data - t[i].t_create;
    if (t[i].t_first - t[i].t_create < first_min)
      first_min = t[i].t_first - t[i].t_create;
    if (t[i].t_done - t[i].t_create > done_max)
      done_max = t[i].t_done - t[i].t_create;
  }
  sbx_note("at speed %g: not_ready up to %.2f s, first clip done after "
           ">= %.2f s, task done within %.2f s", f, nr_max, first_min,
           done_max);
  SBX_CHECK(nr_max <= 60 / f, "not_ready lasted %.2f s at speed %g "
            "(%.0f s at speed 1)", nr_max, f, nr_max * f);
  SBX_CHECK(first_min >= 60 / f - 0.05, "a clip finished after %.2f s at "
            "speed %g (%.0f s at speed 1, want >= 60)", first_min, f,
            first_min * f);
  SBX_CHECK(done_max <= 240 / f, "a task took %.2f s at speed %g (%.0f s "
            "at speed 1, want <= 180 + not_ready)", done_max, f,
            done_max * f);
}

static void test_lifecycle (void) {
  SbxServer s;
  Run run;
  Task tasks[NTASKS];
  int i, partial = 0, not_ready_first = 0, left;
  sbx_case("lifecycle of 8 tasks at --speed 40");
  memset(&run, 0, sizeof(run));
  memset(tasks, 0, sizeof(tasks));
  if (sbx_start(&s, "--speed 40 --clip-seconds 3") != 0)
    return;
  run.s = &s;
  left = drive(&run, tasks, NTASKS, 200);
  SBX_EQ_INT(left, 0, "tasks not finished within 30 s");
  for (i = 0; i < NTASKS; i++) {
    partial += tasks[i].partial;
    not_ready_first += tasks[i].first_not_ready;
    check_early_urls(&tasks[i]);
  }
  report_problems(&run);
  SBX_EQ_INT(not_ready_first, NTASKS, "tasks whose first poll was "
             "not_ready");
  SBX_CHECK(partial * 2 >= NTASKS, "the two clips of a task should finish "
            "at different times: seen in only %d of %d tasks", partial,
            NTASKS);
  SBX_CHECK(run.states_seen[0] + run.states_seen[1] > 0,
            "never saw pending or running");
  check_timing(tasks, NTASKS, 40);
  sbx_note("polls saw pending %d, running %d, streaming %d, terminal %d; "
           "partial in %d/%d tasks", run.states_seen[0], run.states_seen[1],
           run.states_seen[2], run.states_seen[3], partial, NTASKS);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

static void test_variant (const char *opts, long not_ready_status,
                          int duration_number, const char *name) {
  SbxServer s;
  Run run;
  Task t[2];
  sbx_case(name);
  memset(&run, 0, sizeof(run));
  memset(t, 0, sizeof(t));
  if (sbx_start(&s, opts) != 0)
    return;
  run.s = &s;
  run.duration_number = duration_number;
  SBX_EQ_INT(drive(&run, t, 2, not_ready_status), 0, "unfinished tasks");
  SBX_CHECK(t[0].first_not_ready && t[1].first_not_ready,
            "first poll should be not_ready");
  report_problems(&run);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

static void test_unknown_ids (void) {
  static const char *const odd[] = {
    "00000000-0000-0000-0000-000000000000", "not-a-uuid", "-1",
    "99999999999999999999999999999999", "%27%20OR%20%271%27%3D%271",
    "%00", "%ff%fe", "%C3%BC%C3%B1%C3%AF", "..%2F..%2Fetc%2Fpasswd",
    "%25s%25n%25x%25n", "null", "%20", "%22%7D%5D", NULL
  };
  SbxServer s;
  SbxResp r;
  SbxBuf huge = {0};
  char url[256];
  int i;
  sbx_case("unknown, missing, odd and huge task ids");
  if (sbx_start(&s, "") != 0)
    return;
  for (i = 0; odd[i] != NULL; i++) {
    snprintf(url, sizeof(url), SBX_API "/sonic/task/%s", odd[i]);
    sbx_get(&s, url, &r);
    sbx_expect_error(&s, &r, 400, "task not found.", odd[i]);
    sbx_resp_free(&r);
  }
  sbx_get(&s, SBX_API "/sonic/task/", &r);
  sbx_expect_error(&s, &r, 400, "missing task id.", "empty task id");
  sbx_resp_free(&r);
  sbx_buf_printf(&huge, SBX_API "/sonic/task/");
  sbx_buf_rep(&huge, "a", 6000);
  sbx_get(&s, huge.p, &r);
  SBX_CHECK(r.status >= 400 && r.status < 500 && r.json != NULL,
            "6000-char id: a 4xx JSON error, got %ld", r.status);
  if (r.status == 400)
    sbx_expect_error(&s, &r, 400, "task not found.", "6000-char id");
  sbx_resp_free(&r);
  sbx_buf_free(&huge);
  sbx_get(&s, SBX_API "/sonic/task/a/b", &r);
  SBX_CHECK(r.status >= 400 && r.status < 500 && r.json != NULL,
            "id with a slash: a 4xx JSON error, got %ld", r.status);
  sbx_resp_free(&r);
  SBX_CHECK(sbx_total_credits(&s) >= 0, "server healthy after odd ids");
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

int main (int argc, char **argv) {
  sbx_init(argc, argv);
  test_lifecycle();
  test_variant("--speed 40 --clip-seconds 3 --not-ready-status 202", 202, 0,
               "--not-ready-status 202");
  test_variant("--speed 40 --clip-seconds 3 --duration-number", 200, 1,
               "--duration-number");
  test_unknown_ids();
  return sbx_finish();
}
