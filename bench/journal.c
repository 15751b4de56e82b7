/*
** bench/journal.c -- the journal alone, at two sizes in one run (issue 17).
**
** Drives the journal API the way the loop does for one create -> wait ->
** download workflow, N workflows in one run, on a journal on the real
** disk:
**   turn 1  step_get (a miss), step_intent, flush   (the paid call: durable)
**   turn 2  step_outcome, commit                    (the answer)
**   turn 3  task_put, commit                        (the final status)
**   turn 4  download_put, commit                    (the verified file)
** `commit` is the end of a loop turn that sent no paid call; a build of
** the journal from before it existed is measured with
** -Dsf_journal_commit=sf_journal_flush (one durable COMMIT per turn, which
** is what the loop did then). Prints the cost per workflow at N_SMALL and
** N_LARGE and their ratio: linear is 1.0.
**
**   bench/journal.sh           builds and runs this (before and after)
**   journal-bench [DIR] [N_SMALL] [N_LARGE]
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "journal.h"

static double now_s (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s (void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char answer[] =
  "{\"code\":200,\"message\":\"success\",\"task_id\":\"%s\"}";
static const char status_body[] =
  "{\"code\":200,\"data\":[{\"clip_id\":\"c-%d-1\",\"state\":\"succeeded\","
  "\"title\":\"bench song\",\"audio_url\":\"http://127.0.0.1:1/a.mp3\","
  "\"duration\":12.5},{\"clip_id\":\"c-%d-2\",\"state\":\"succeeded\"}]}";

/* N workflows in a fresh journal in 'dir'; wall and CPU seconds. */
static int run_size (const char *dir, int n, double *wall, double *cpu) {
  char path[4096], err[256], key[80], body[512], task[80], dest[128];
  SfJournal *j;
  SfRunInfo info;
  double t0, c0;
  int i;
  snprintf(path, sizeof(path), "%s/bench-%d.db", dir, n);
  unlink(path);
  if (sf_journal_open(&j, path, err, sizeof(err)) != 0) {
    fprintf(stderr, "journal-bench: %s\n", err);
    return -1;
  }
  memset(&info, 0, sizeof(info));
  snprintf(info.script, sizeof(info.script), "bench/many.lua");
  snprintf(info.args, sizeof(info.args), "[]");
  info.budget = -1;
  if (sf_journal_run_begin(j, &info) != 0)
    return -1;
  t0 = now_s();
  c0 = cpu_s();
  for (i = 0; i < n; i++) {
    SfStep s, got;
    memset(&s, 0, sizeof(s));
    snprintf(key, sizeof(key), "%064x#1", i);
    snprintf(s.hash, sizeof(s.hash), "%064x", i);
    snprintf(s.position, sizeof(s.position), "/%d:1", i);
    snprintf(s.summary, sizeof(s.summary), "create_music");
    s.price = 15;
    snprintf(task, sizeof(task), "task-%08d", i);
    if (sf_journal_step_get(j, info.id, key, &got) != 0)
      return -1;
    free(got.response);
    if (sf_journal_step_intent(j, info.id, key, &s,
                               "{\"gpt_description_prompt\":\"bench\"}") != 0
        || sf_journal_flush(j) != 0)
      return -1;
    snprintf(body, sizeof(body), answer, task);
    if (sf_journal_step_outcome(j, info.id, key, SF_STEP_ANSWERED, 200,
                                body, task) != 0 || sf_journal_commit(j) != 0)
      return -1;
    snprintf(body, sizeof(body), status_body, i, i);
    if (sf_journal_task_put(j, info.id, task, body) != 0 ||
        sf_journal_commit(j) != 0)
      return -1;
    snprintf(dest, sizeof(dest), "out/bench-song-c-%d-1.mp3", i);
    if (sf_journal_download_put(j, info.id, body, dest, 17000,
                                "0123456789abcdef") != 0 ||
        sf_journal_commit(j) != 0)
      return -1;
  }
  if (sf_journal_run_end(j, info.id, "finished") != 0)
    return -1;
  sf_journal_close(j);          /* whatever is left reaches the disk */
  *wall = now_s() - t0;
  *cpu = cpu_s() - c0;
  unlink(path);
  snprintf(path + strlen(path), 8, "-wal");
  unlink(path);
  path[strlen(path) - 4] = '\0';
  snprintf(path + strlen(path), 8, "-shm");
  unlink(path);
  return 0;
}

int main (int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  int small = argc > 2 ? atoi(argv[2]) : 1000;
  int large = argc > 3 ? atoi(argv[3]) : 10000;
  double ws, cs, wl, cl;
  if (small <= 0 || large <= 0) {
    fprintf(stderr, "usage: journal-bench [DIR] [N_SMALL] [N_LARGE]\n");
    return 2;
  }
  if (run_size(dir, small, &ws, &cs) != 0 ||
      run_size(dir, large, &wl, &cl) != 0) {
    fprintf(stderr, "journal-bench: a journal call failed\n");
    return 1;
  }
  printf("N\twall_s\tcpu_s\twall_us_per_wf\tcpu_us_per_wf\n");
  printf("%d\t%.3f\t%.3f\t%.1f\t%.1f\n", small, ws, cs, ws / small * 1e6,
         cs / small * 1e6);
  printf("%d\t%.3f\t%.3f\t%.1f\t%.1f\n", large, wl, cl, wl / large * 1e6,
         cl / large * 1e6);
  printf("ratio per workflow %d/%d: wall %.2f, cpu %.2f\n", large, small,
         (wl / large) / (ws / small), (cl / large) / (cs / small));
  return 0;
}
