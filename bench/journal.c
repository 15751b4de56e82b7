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
** N_LARGE (medians of REPS runs, the sizes interleaved) and their
** ratio: linear is 1.0.
**
**   bench/journal.sh [BASE_REV]   builds and runs this (before and after)
**   journal-bench [DIR] [N_SMALL] [N_LARGE] [REPS]
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
  char path[4096], err[256], key[80], body[512], task[80], dest[128],
       source[128];
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
    snprintf(source, sizeof(source), "c-%d-1/audio", i);
    snprintf(dest, sizeof(dest), "out/bench-song-c-%d-1.mp3", i);
    if (sf_journal_download_put(j, info.id, source, dest, 17000,
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

static int cmp_double (const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

#define MAX_REPS 15

int main (int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : ".";
  int small = argc > 2 ? atoi(argv[2]) : 1000;
  int large = argc > 3 ? atoi(argv[3]) : 10000;
  int reps = argc > 4 ? atoi(argv[4]) : 3, r;
  double ws[MAX_REPS], cs[MAX_REPS], wl[MAX_REPS], cl[MAX_REPS];
  double mws, mcs, mwl, mcl;
  if (small <= 0 || large <= 0 || reps <= 0 || reps > MAX_REPS) {
    fprintf(stderr, "usage: journal-bench [DIR] [N_SMALL] [N_LARGE] "
            "[REPS <= %d]\n", MAX_REPS);
    return 2;
  }
  for (r = 0; r < reps; r++)           /* interleaved: same conditions */
    if (run_size(dir, small, &ws[r], &cs[r]) != 0 ||
        run_size(dir, large, &wl[r], &cl[r]) != 0) {
      fprintf(stderr, "journal-bench: a journal call failed\n");
      return 1;
    }
  qsort(ws, (size_t)reps, sizeof(double), cmp_double);
  qsort(cs, (size_t)reps, sizeof(double), cmp_double);
  qsort(wl, (size_t)reps, sizeof(double), cmp_double);
  qsort(cl, (size_t)reps, sizeof(double), cmp_double);
  mws = ws[reps / 2]; mcs = cs[reps / 2];
  mwl = wl[reps / 2]; mcl = cl[reps / 2];
  printf("median of %d\nN\twall_s\tcpu_s\twall_us_per_wf\tcpu_us_per_wf\n",
         reps);
  printf("%d\t%.3f\t%.3f\t%.1f\t%.1f\n", small, mws, mcs,
         mws / small * 1e6, mcs / small * 1e6);
  printf("%d\t%.3f\t%.3f\t%.1f\t%.1f\n", large, mwl, mcl,
         mwl / large * 1e6, mcl / large * 1e6);
  printf("ratio per workflow %d/%d: wall %.2f, cpu %.2f\n", large, small,
         (mwl / large) / (mws / small), (mcl / large) / (mcs / small));
  return 0;
}
