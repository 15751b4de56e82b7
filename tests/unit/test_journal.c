/* test_journal.c -- runtime/journal.c on a real file: runs (begin, find,
** end, attempts), steps (intent -> outcome -> get, step_at, resend, the
** credits committed), numbering over many steps, across runs and across
** reopening, task results, downloads, webhook deliveries on a second
** handle, the report's read views, and the commit policy: a commit that
** has not reached the disk yet still survives the process dying. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "journal.h"

static char dir[64], path[128];

/* A fresh journal at 'path' (its directory is made by the journal). */
static SfJournal *open_journal (void) {
  SfJournal *j = NULL;
  char err[256];
  if (sf_journal_open(&j, path, err, sizeof(err)) != 0)
    fprintf(stderr, "open: %s\n", err);
  return j;
}

static void new_run (SfJournal *j, SfRunInfo *info, const char *script) {
  memset(info, 0, sizeof(*info));
  snprintf(info->script, sizeof(info->script), "%s", script);
  snprintf(info->args, sizeof(info->args), "[\"a\"]");
  info->budget = 100;
  CHECK(sf_journal_run_begin(j, info) == 0);
  CHECK(strlen(info->id) == 20 && strcmp(info->status, "running") == 0);
}

/* Journal the intent of a step with key "k<i>" at position "/1:<i>". */
static int intent (SfJournal *j, const char *run, int i, long long price,
                   const char *request) {
  SfStep s;
  char key[32];
  memset(&s, 0, sizeof(s));
  snprintf(key, sizeof(key), "k%d", i);
  snprintf(s.hash, sizeof(s.hash), "h%d", i);
  snprintf(s.position, sizeof(s.position), "/1:%d", i);
  snprintf(s.summary, sizeof(s.summary), "create_music %d", i);
  s.price = price;
  return sf_journal_step_intent(j, run, key, &s, request);
}

/* ------------------------------------------------------------------ runs */

static void test_runs (void) {
  SfJournal *j = open_journal();
  SfRunInfo a, b, found;
  struct stat st;
  CHECK(j != NULL);
  if (j == NULL)
    return;
  CHECK(stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
  CHECK(sf_journal_run_find(j, NULL, &found) == 0);   /* no runs yet */
  new_run(j, &a, "first.lua");
  new_run(j, &b, "second.lua");
  snprintf(found.id, sizeof(found.id), "none");
  CHECK(sf_journal_run_find(j, a.id, &found) == 1);
  CHECK(strcmp(found.id, a.id) == 0 && strcmp(found.script, "first.lua") == 0);
  CHECK(strcmp(found.args, "[\"a\"]") == 0 && found.budget == 100);
  CHECK(sf_journal_run_find(j, "no-such-run", &found) == 0);
  CHECK(sf_journal_run_set_service(j, a.id, "sandbox") == 0);
  CHECK(sf_journal_run_find(j, a.id, &found) == 1);
  CHECK(strcmp(found.service, "sandbox") == 0);
  /* the latest run that did not finish: b, then a once b finished */
  CHECK(sf_journal_run_end(j, b.id, "finished") == 0);
  CHECK(sf_journal_run_find(j, NULL, &found) == 1);
  CHECK(strcmp(found.id, a.id) == 0);
  CHECK(sf_journal_run_end(j, a.id, "finished") == 0);
  CHECK(sf_journal_run_find(j, NULL, &found) == 0);
  sf_journal_close(j);
}

/* ----------------------------------------------------------------- steps */

static void test_steps (void) {
  SfJournal *j = open_journal();
  SfRunInfo r;
  SfStep s;
  if (j == NULL)
    return;
  new_run(j, &r, "steps.lua");
  CHECK(sf_journal_step_get(j, r.id, "k1", &s) == 0);
  CHECK(s.response == NULL);
  CHECK(intent(j, r.id, 1, 15, "{\"tags\":\"x\"}") == 0);
  CHECK(sf_journal_flush(j) == 0);
  CHECK(sf_journal_step_get(j, r.id, "k1", &s) == 1);
  CHECK(s.seq == 1 && s.state == SF_STEP_INTENT && s.price == 15);
  CHECK(strcmp(s.hash, "h1") == 0 && strcmp(s.position, "/1:1") == 0);
  CHECK(strcmp(s.summary, "create_music 1") == 0 && s.response == NULL);
  CHECK(sf_journal_run_committed(j, r.id) == 15);   /* may be charged */
  CHECK(sf_journal_step_outcome(j, r.id, "k1", SF_STEP_ANSWERED, 200,
                                "{\"task_id\":\"t-1\"}", "t-1") == 0);
  CHECK(sf_journal_step_get(j, r.id, "k1", &s) == 1);
  CHECK(s.state == SF_STEP_ANSWERED && s.status == 200);
  CHECK(s.response && strcmp(s.response, "{\"task_id\":\"t-1\"}") == 0);
  CHECK(strcmp(s.task_id, "t-1") == 0);
  free(s.response);
  /* a refused step costs nothing and may be sent again: same seq */
  CHECK(intent(j, r.id, 2, 10, "{}") == 0);
  CHECK(sf_journal_step_outcome(j, r.id, "k2", SF_STEP_REFUSED, 429, NULL,
                                NULL) == 0);
  CHECK(sf_journal_run_committed(j, r.id) == 15);
  CHECK(intent(j, r.id, 2, 10, "{}") == 0);
  CHECK(sf_journal_step_get(j, r.id, "k2", &s) == 1);
  CHECK(s.seq == 2 && s.state == SF_STEP_INTENT && s.status == 0);
  free(s.response);
  CHECK(sf_journal_run_committed(j, r.id) == 25);
  CHECK(sf_journal_step_outcome(j, r.id, "k2", SF_STEP_UNKNOWN, 0, NULL,
                                NULL) == 0);
  CHECK(sf_journal_run_committed(j, r.id) == 25);   /* unknown counts */
  /* by position */
  CHECK(sf_journal_step_at(j, r.id, "/1:2", &s) == 1);
  CHECK(s.seq == 2 && strcmp(s.hash, "h2") == 0);
  free(s.response);
  CHECK(sf_journal_step_at(j, r.id, "/9:9", &s) == 0);
  /* another run's steps are its own */
  CHECK(sf_journal_step_get(j, "other-run", "k1", &s) == 0);
  sf_journal_close(j);
}

/* Collects the seqs sf_journal_steps_each reports. */
typedef struct Seqs {
  long long *seq;
  int n, cap;
} Seqs;

static void collect_seq (const SfStep *s, void *ud) {
  Seqs *q = ud;
  if (q->n < q->cap)
    q->seq[q->n] = s->seq;
  q->n++;
}

/* Steps of 'run' numbered 1..n in order, with nothing else. */
static int numbered_1_to_n (SfJournal *j, const char *run, int n) {
  Seqs q;
  int i, ok;
  q.seq = calloc((size_t)n + 1, sizeof(*q.seq));
  q.n = 0;
  q.cap = n + 1;
  ok = q.seq != NULL && sf_journal_steps_each(j, run, collect_seq, &q) == 0
       && q.n == n;
  for (i = 0; ok && i < n; i++)
    ok = q.seq[i] == i + 1;
  free(q.seq);
  return ok;
}

/* Many steps over two interleaved runs, with a flush, commit or neither
** after each (the loop's turns), then reopening: every statement is
** reused thousands of times and the numbering stays 1, 2, 3, ... */
static void test_numbering (void) {
  enum { N = 2000 };
  SfJournal *j = open_journal();
  SfRunInfo a, b;
  SfStep s;
  int i, bad = 0;
  char key[32];
  if (j == NULL)
    return;
  new_run(j, &a, "many.lua");
  new_run(j, &b, "many.lua");
  for (i = 1; i <= N; i++) {
    snprintf(key, sizeof(key), "k%d", i);
    bad += intent(j, a.id, i, 1, "{}") != 0;
    if (i % 2 == 0)
      bad += intent(j, b.id, i / 2, 1, "{}") != 0;
    bad += sf_journal_step_get(j, a.id, key, &s) != 1 || s.seq != i;
    free(s.response);
    bad += sf_journal_step_outcome(j, a.id, key, SF_STEP_ANSWERED, 200,
                                   "{}", "t") != 0;
    if (i % 3 == 0)
      bad += sf_journal_flush(j) != 0;
    else if (i % 3 == 1)
      bad += sf_journal_commit(j) != 0;
  }
  CHECK(bad == 0);
  CHECK(numbered_1_to_n(j, a.id, N));
  CHECK(numbered_1_to_n(j, b.id, N / 2));
  CHECK(sf_journal_run_committed(j, a.id) == N);
  sf_journal_close(j);
  /* reopened: numbering goes on where it stopped */
  j = open_journal();
  if (j == NULL)
    return;
  CHECK(intent(j, a.id, N + 1, 1, "{}") == 0);
  CHECK(intent(j, b.id, N + 1, 1, "{}") == 0);
  CHECK(sf_journal_step_get(j, a.id, "k2001", &s) == 1 && s.seq == N + 1);
  free(s.response);
  CHECK(sf_journal_step_get(j, b.id, "k2001", &s) == 1 &&
        s.seq == N / 2 + 1);
  free(s.response);
  CHECK(numbered_1_to_n(j, a.id, N + 1));
  sf_journal_close(j);
}

/* ------------------------------------------------- tasks and downloads */

static void test_tasks_downloads (void) {
  SfJournal *j = open_journal();
  SfRunInfo r;
  char *body, sum[40];
  long long bytes = 0;
  if (j == NULL)
    return;
  new_run(j, &r, "dl.lua");
  CHECK(sf_journal_task_get(j, r.id, "t-1") == NULL);
  CHECK(sf_journal_task_put(j, r.id, "t-1", "{\"data\":[]}") == 0);
  CHECK(sf_journal_task_put(j, r.id, "t-1", "{\"data\":[1]}") == 0);
  body = sf_journal_task_get(j, r.id, "t-1");
  CHECK(body != NULL && strcmp(body, "{\"data\":[1]}") == 0);
  free(body);
  CHECK(sf_journal_task_get(j, "other", "t-1") == NULL);
  CHECK(sf_journal_download_get(j, r.id, "c1/audio", "out/a.mp3", &bytes,
                                sum) == 0);
  CHECK(sf_journal_download_put(j, r.id, "c1/audio", "out/a.mp3", 1234,
                                "00ff00ff00ff00ff") == 0);
  CHECK(sf_journal_download_get(j, r.id, "c1/audio", "out/a.mp3", &bytes,
                                sum) == 1);
  CHECK(bytes == 1234 && strcmp(sum, "00ff00ff00ff00ff") == 0);
  CHECK(sf_journal_download_get(j, r.id, "c1/audio", "out/b.mp3", &bytes,
                                sum) == 0);
  sf_journal_close(j);
}

/* ------------------------------------------------------ commit policy */

/* Committed but not yet synced: survives the process ending without
** closing the journal (what kill -9 does to it). */
static void test_commit_survives_exit (void) {
  SfJournal *j = open_journal();
  SfRunInfo r;
  SfStep s;
  pid_t pid;
  int status = -1;
  char *body;
  if (j == NULL)
    return;
  new_run(j, &r, "policy.lua");
  CHECK(sf_journal_sync_due(j) == -1);            /* run_begin flushed */
  CHECK(intent(j, r.id, 1, 15, "{}") == 0);
  CHECK(sf_journal_sync_due(j) == SF_JOURNAL_SYNC_MS);  /* open tx */
  CHECK(sf_journal_flush(j) == 0);
  CHECK(sf_journal_sync_due(j) == -1);
  CHECK(sf_journal_step_outcome(j, r.id, "k1", SF_STEP_ANSWERED, 200,
                                "{\"task_id\":\"t-9\"}", "t-9") == 0);
  CHECK(sf_journal_commit(j) == 0);
  CHECK(sf_journal_sync_due(j) >= 0 &&
        sf_journal_sync_due(j) <= SF_JOURNAL_SYNC_MS);
  CHECK(sf_journal_flush(j) == 0);
  CHECK(sf_journal_sync_due(j) == -1);
  sf_journal_close(j);
  fflush(NULL);
  pid = fork();
  if (pid == 0) {              /* commit, then die without closing */
    SfJournal *c = open_journal();
    if (c == NULL ||
        sf_journal_task_put(c, r.id, "t-9", "{\"data\":[]}") != 0 ||
        sf_journal_commit(c) != 0 ||
        sf_journal_task_put(c, r.id, "t-lost", "{}") != 0)  /* no commit */
      _exit(1);
    _exit(0);
  }
  CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  j = open_journal();
  if (j == NULL)
    return;
  body = sf_journal_task_get(j, r.id, "t-9");
  CHECK(body != NULL && strcmp(body, "{\"data\":[]}") == 0);
  free(body);
  CHECK(sf_journal_task_get(j, r.id, "t-lost") == NULL);
  CHECK(sf_journal_step_get(j, r.id, "k1", &s) == 1 &&
        s.state == SF_STEP_ANSWERED);
  free(s.response);
  sf_journal_close(j);
}

/* ------------------------------------------- webhooks and the views */

static void test_webhooks (void) {
  SfJournal *j = open_journal(), *w = NULL;
  char err[256];
  if (j == NULL)
    return;
  CHECK(sf_journal_open_mode(&w, path, SF_JOURNAL_SHARED, err,
                             sizeof(err)) == 0);
  if (w != NULL) {
    CHECK(sf_journal_webhook_put(w, "run-1", "d-1", "t-1", "done", 1) == 1);
    CHECK(sf_journal_webhook_put(w, "run-1", "d-1", "t-1", "done", 2) == 0);
    CHECK(sf_journal_webhook_put(w, "run-1", "d-2", "t-1", NULL, 3) == 1);
    sf_journal_close(w);
  }
  sf_journal_close(j);
  CHECK(sf_journal_open_mode(&w, "/nonexistent/dir/journal.db",
                             SF_JOURNAL_SHARED, err, sizeof(err)) == -1);
  CHECK(w == NULL && strstr(err, "cannot open the journal") != NULL);
}

typedef struct Seen {
  int runs, tasks, clips;
  char run_id[40], script[64], tags[64], model[32], kind_type[32];
  char clip_ids[128], dests[256];
  long long spent, unknown, attempts, budget;
  int null_fields;             /* fields of the non-JSON request */
} Seen;

static int see_run (const SfRunView *v, void *ud) {
  Seen *s = ud;
  s->runs++;
  snprintf(s->run_id, sizeof(s->run_id), "%s", v->id);
  snprintf(s->script, sizeof(s->script), "%s", v->script);
  s->spent = v->spent;
  s->unknown = v->unknown;
  s->attempts = v->attempts;
  s->budget = v->budget;
  return 0;
}

static int see_task (const SfTaskView *v, void *ud) {
  Seen *s = ud;
  if (s->tasks++ == 0) {
    snprintf(s->tags, sizeof(s->tags), "%s", v->tags ? v->tags : "-");
    snprintf(s->model, sizeof(s->model), "%s", v->model ? v->model : "-");
    snprintf(s->kind_type, sizeof(s->kind_type), "%s",
             v->task_type ? v->task_type : "-");
  } else {
    s->null_fields = (v->tags == NULL) + (v->model == NULL) +
                     (v->prompt == NULL) + (v->task_type == NULL);
  }
  return 0;
}

static int see_clip (const SfClipView *v, void *ud) {
  Seen *s = ud;
  s->clips++;
  strncat(s->clip_ids, v->id ? v->id : "?", sizeof(s->clip_ids) - 1 -
          strlen(s->clip_ids));
  strncat(s->dests, v->dest ? v->dest : "-", sizeof(s->dests) - 1 -
          strlen(s->dests));
  strncat(s->dests, " ", sizeof(s->dests) - 1 - strlen(s->dests));
  return 0;
}

static int stop_at_first (const SfTaskView *v, void *ud) {
  (*(int *)ud)++;
  return -1;
}

/* A view's callback that uses the same view: refused, and the outer
** iteration goes on unharmed. */
typedef struct Nested {
  SfJournal *j;
  const char *run;
  int outer, inner_rc;
} Nested;

static int count_task (const SfTaskView *v, void *ud) {
  (*(int *)ud)++;
  return 0;
}

static int nested_task (const SfTaskView *v, void *ud) {
  Nested *n = ud;
  int inner = 0;
  n->outer++;
  n->inner_rc = sf_journal_view_tasks(n->j, n->run, count_task, &inner);
  return 0;
}

static void test_views (void) {
  SfJournal *j = open_journal(), *ro = NULL;
  SfRunInfo r;
  Seen seen;
  char err[256];
  int calls = 0;
  if (j == NULL)
    return;
  new_run(j, &r, "views.lua");
  CHECK(intent(j, r.id, 1, 15, "{\"task_type\":\"cover_music\","
               "\"tags\":\"lo-fi\",\"mv\":\"sonic-v4-5\"}") == 0);
  CHECK(sf_journal_step_outcome(j, r.id, "k1", SF_STEP_ANSWERED, 200, "{}",
                                "t-1") == 0);
  CHECK(intent(j, r.id, 2, 10, "not json {") == 0);
  CHECK(sf_journal_step_outcome(j, r.id, "k2", SF_STEP_ANSWERED, 200, "{}",
                                "t-2") == 0);
  CHECK(intent(j, r.id, 3, 5, "{}") == 0);          /* no task: unknown */
  CHECK(sf_journal_step_outcome(j, r.id, "k3", SF_STEP_UNKNOWN, 0, NULL,
                                NULL) == 0);
  CHECK(sf_journal_task_put(j, r.id, "t-1", "{\"data\":[{\"clip_id\":\"c1\","
        "\"audio_url\":\"http://x/c1.mp3\"},{\"clip_id\":\"c2\"},7]}") == 0);
  CHECK(sf_journal_task_put(j, r.id, "t-2", "not json") == 0);
  CHECK(sf_journal_download_put(j, r.id, "c1/wav", "out/c1.wav", 1,
                                "x") == 0);
  CHECK(sf_journal_download_put(j, r.id, "c1/audio", "out/c1.mp3", 1,
                                "x") == 0);
  CHECK(sf_journal_flush(j) == 0);
  /* the report reads through a read-only handle while the run has its own */
  CHECK(sf_journal_open_mode(&ro, path, SF_JOURNAL_READ, err,
                             sizeof(err)) == 0);
  if (ro == NULL) {
    sf_journal_close(j);
    return;
  }
  memset(&seen, 0, sizeof(seen));
  CHECK(sf_journal_view_run(ro, r.id, see_run, &seen) == 1);
  CHECK(strcmp(seen.run_id, r.id) == 0 && seen.runs == 1);
  CHECK(strcmp(seen.script, "views.lua") == 0 && seen.budget == 100);
  CHECK(seen.spent == 25 && seen.unknown == 5 && seen.attempts == 1);
  CHECK(sf_journal_view_run(ro, "no-such-run", see_run, &seen) == 0);
  CHECK(sf_journal_view_run(ro, NULL, see_run, &seen) == 1);  /* latest */
  CHECK(strcmp(seen.run_id, r.id) == 0);
  CHECK(sf_journal_view_tasks(ro, r.id, see_task, &seen) == 0);
  CHECK(seen.tasks == 2);                           /* k3 has no task */
  CHECK(strcmp(seen.tags, "lo-fi") == 0);
  CHECK(strcmp(seen.model, "sonic-v4-5") == 0);
  CHECK(strcmp(seen.kind_type, "cover_music") == 0);
  CHECK(seen.null_fields == 4);                     /* not JSON: no fields */
  CHECK(sf_journal_view_clips(ro, r.id, "t-1", see_clip, &seen) == 0);
  CHECK(seen.clips == 2 && strcmp(seen.clip_ids, "c1c2") == 0);
  CHECK(strcmp(seen.dests, "out/c1.mp3 - ") == 0);  /* audio before wav */
  CHECK(sf_journal_view_clips(ro, r.id, "t-2", see_clip, &seen) == 0);
  CHECK(seen.clips == 2);                           /* bad body: no clips */
  CHECK(sf_journal_view_tasks(ro, r.id, stop_at_first, &calls) == -1);
  CHECK(calls == 1);
  CHECK(sf_journal_view_tasks(ro, r.id, see_task, &seen) == 0);  /* reset */
  {
    Nested n = {ro, r.id, 0, 0};
    CHECK(sf_journal_view_tasks(ro, r.id, nested_task, &n) == 0);
    CHECK(n.outer == 2 && n.inner_rc == -1);
  }
  sf_journal_close(ro);
  sf_journal_close(j);
  CHECK(sf_journal_open_mode(&ro, "/nonexistent/journal.db",
                             SF_JOURNAL_READ, err, sizeof(err)) == -1);
  CHECK(strstr(err, "cannot open the journal '/nonexistent/journal.db'")
        != NULL);
}

/* A dry run's journal lives in memory: same calls, no file. */
/* The page cache follows the file: SQLite's default for a small journal,
** about a sixth of the file once the file outgrows that (so the indexes
** stay cached at 10,000 workflows). */
static void test_cache_follows_file (void) {
  SfJournal *j = open_journal();
  SfRunInfo r;
  char task[32], *body;
  long kib;
  int i;
  if (j == NULL)
    return;
  new_run(j, &r, "big.lua");
  CHECK(sf_journal_cache_kib(j) == SF_JOURNAL_CACHE_MIN_KIB);
  body = malloc(3001);
  if (body == NULL)
    return;
  memset(body, 'x', 3000);
  body[3000] = '\0';
  for (i = 0; i < 8000; i++) {      /* ~30 MB of answer bodies */
    snprintf(task, sizeof(task), "big-%d", i);
    CHECK(sf_journal_task_put(j, r.id, task, body) == 0);
    if (i % 10 == 9)
      CHECK(sf_journal_commit(j) == 0);
  }
  free(body);
  CHECK(sf_journal_flush(j) == 0);
  kib = sf_journal_cache_kib(j);
  /* 8,000 rows of 3 KB take a 4 KiB page each: ~32,000 KiB over six,
  ** refitted every 64 commits, and checkpoints lag the WAL: a range */
  CHECK(kib > SF_JOURNAL_CACHE_MIN_KIB);
  CHECK(kib >= 8000L * 3 / 6 * 8 / 10 && kib <= 8000L * 5 / 6);
  sf_journal_close(j);
}

static void test_memory (void) {
  SfJournal *j = NULL;
  SfRunInfo r;
  SfStep s;
  char err[256];
  CHECK(sf_journal_open(&j, NULL, err, sizeof(err)) == 0);
  if (j == NULL)
    return;
  new_run(j, &r, "dry.lua");
  CHECK(intent(j, r.id, 1, 15, "{}") == 0);
  CHECK(sf_journal_commit(j) == 0);
  CHECK(sf_journal_sync_due(j) == -1);              /* nothing to sync */
  CHECK(sf_journal_flush(j) == 0);
  CHECK(sf_journal_step_get(j, r.id, "k1", &s) == 1 && s.seq == 1);
  free(s.response);
  sf_journal_close(j);
}

/* Several runs started at once in one fresh directory share its journal:
** each of them opens it (creating it, switching it to WAL, adding the
** columns) and begins its run. None may fail for the others' locks. */
static void test_concurrent_open (void) {
  enum { ROUNDS = 20, RUNS = 6 };
  int round, i, failed = 0;
  for (round = 0; round < ROUNDS; round++) {
    char p[192];
    pid_t pids[RUNS];
    snprintf(p, sizeof(p), "%.*s/together%d/journal.db",
             (int)(strlen(dir) - 11), dir, round);
    for (i = 0; i < RUNS; i++) {
      if ((pids[i] = fork()) == 0) {
        SfJournal *j = NULL;
        SfRunInfo info;
        char err[256];
        int ok;
        if (sf_journal_open(&j, p, err, sizeof(err)) != 0) {
          fprintf(stderr, "open %d/%d: %s\n", round, i, err);
          _exit(1);
        }
        memset(&info, 0, sizeof(info));
        snprintf(info.script, sizeof(info.script), "together.lua");
        snprintf(info.args, sizeof(info.args), "[]");
        ok = sf_journal_run_begin(j, &info) == 0 &&
             sf_journal_run_end(j, info.id, "succeeded") == 0;
        if (!ok)
          fprintf(stderr, "run %d/%d: %s\n", round, i,
                  sf_journal_error(j));
        sf_journal_close(j);
        _exit(ok ? 0 : 2);
      }
    }
    for (i = 0; i < RUNS; i++) {
      int status = -1;
      if (pids[i] > 0)
        waitpid(pids[i], &status, 0);
      failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
  }
  CHECK(failed == 0);
}

int main (void) {
  snprintf(dir, sizeof(dir), "/tmp/sf_test_journal_XXXXXX");
  if (mkdtemp(dir) == NULL)
    return 1;
  strcat(dir, "/.sonicflow");                   /* made by the journal */
  snprintf(path, sizeof(path), "%s/journal.db", dir);
  test_runs();
  test_steps();
  test_numbering();
  test_tasks_downloads();
  test_commit_survives_exit();
  test_webhooks();
  test_views();
  test_memory();
  test_cache_follows_file();
  test_concurrent_open();
  {
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strlen(dir) - 11),
             dir);
    if (system(cmd) != 0)
      fprintf(stderr, "could not remove %s\n", dir);
  }
  return CHECK_DONE();
}
