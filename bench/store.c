/*
** store.c -- the sandbox's task store at scale (issue 17: "the task store
** grows and slows it down during a run"): task lookup time and RSS as
** finished tasks accumulate, with and without retention.
**
** An in-process driver: it starts a sandbox (sf_sandbox_start, which also
** listens, unused) and calls the create and task endpoints' handlers
** directly -- the same code an HTTP request reaches, without the HTTP --
** so a million tasks take a minute, not hours. --speed is huge, so every
** task is finished as soon as it exists.
**
** usage: store TASKS RETAIN [CHECKPOINTS...]
**   TASKS    creates to make (e.g. 1000000)
**   RETAIN   --retain-tasks (0 = keep all, the old behaviour)
**   CHECKPOINTS  task counts at which to measure (default: 1000 10000
**            100000 1000000, those <= TASKS)
** prints one line per checkpoint:
**   tasks=N stored=S lookup_us=L find_ns=F rss_mb=R
** L is the fastest of 31 batches (after one to warm up; the fastest,
** because on a shared machine the others measure the neighbours; 20 ms
** apart, so that a neighbour's burst of a few hundred ms cannot hold
** every batch of a checkpoint) of
** 2,000 polls
** (GET /sonic/task/{id}, the handler: lookup and JSON) of the 1,000
** newest tasks; F the same for the store's hash lookup alone, 200,000 per
** batch; RSS from /proc/self/statm.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "sbx.h"

#define RING 1000                 /* the newest ids: what clients poll */
#define BATCH 2000
#define BATCHES 31
#define PAUSE_US 20000           /* between batches */
#define FIND_BATCH 200000

static double now_us (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static double rss_mb (void) {
  long pages = 0, rss = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f != NULL) {
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
      rss = 0;
    fclose(f);
  }
  return (double)rss * (double)sysconf(_SC_PAGESIZE) / 1048576.0;
}

static int cmp_double (const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Time of one bare store lookup, in nanoseconds (fastest batch). */
static double find_ns (Sbx *s, char ring[][SBX_ID_LEN], long have) {
  double t[BATCHES];
  unsigned seed = 777;
  long n = have < RING ? have : RING, hits = 0;
  int b, i;
  for (b = -1; b < BATCHES; b++) {          /* b = -1: warm-up */
    double t0 = now_us();
    pthread_mutex_lock(&s->lock);
    for (i = 0; i < FIND_BATCH; i++)
      hits += sf_sbx_task_find(s, ring[rand_r(&seed) % n]) != NULL;
    pthread_mutex_unlock(&s->lock);
    if (b >= 0)
      t[b] = (now_us() - t0) * 1000.0 / FIND_BATCH;
    usleep(PAUSE_US);
  }
  if (hits != (long)(BATCHES + 1) * FIND_BATCH) {
    fprintf(stderr, "store: a recent task was not found\n");
    exit(1);
  }
  qsort(t, BATCHES, sizeof(double), cmp_double);
  return t[0];
}

/* Time of one poll of a recent task, in microseconds (fastest batch). */
static double lookup_us (Sbx *s, char ring[][SBX_ID_LEN], long have) {
  double t[BATCHES + 1];
  unsigned seed = 12345;
  int b, i;
  long n = have < RING ? have : RING;
  for (b = -1; b < BATCHES; b++) {          /* b = -1: warm-up */
    double t0 = now_us();
    for (i = 0; i < BATCH; i++) {
      Answer a;
      sf_sbx_answer_init(&a);
      sf_sbx_api_task(s, ring[rand_r(&seed) % n], &a);
      if (a.status != 200) {
        fprintf(stderr, "store: poll answered %d\n", a.status);
        exit(1);
      }
      sf_sbx_answer_free(&a);
    }
    if (b >= 0)
      t[b] = (now_us() - t0) / BATCH;
    usleep(PAUSE_US);
  }
  qsort(t, BATCHES, sizeof(double), cmp_double);
  return t[0];
}

int main (int argc, char **argv) {
  static const long dflt[] = { 1000, 10000, 100000, 1000000, 0 };
  static char ring[RING][SBX_ID_LEN];
  SfSandboxConfig cfg;
  long total, checks[32], nchecks = 0, i, k = 0;
  const char *text = "{\"custom_mode\":false,\"mv\":\"sonic-v5\","
                     "\"gpt_description_prompt\":\"a bench song\"}";
  char err[256];
  Json *body;
  Sbx *s;
  if (argc < 3) {
    fprintf(stderr, "usage: store TASKS RETAIN [CHECKPOINTS...]\n");
    return 2;
  }
  total = atol(argv[1]);
  for (i = 3; i < argc && nchecks < 31; i++)
    checks[nchecks++] = atol(argv[i]);
  for (i = 0; argc == 3 && dflt[i]; i++)
    if (dflt[i] <= total)
      checks[nchecks++] = dflt[i];
  sf_sandbox_config_init(&cfg);
  cfg.quiet = 1;
  cfg.speed = 1e9;
  cfg.clip_seconds = 1;
  cfg.credits = (long long)1e15;
  cfg.retain_tasks = atoll(argv[2]);
  if ((s = sf_sandbox_start(&cfg, err, sizeof(err))) == NULL) {
    fprintf(stderr, "store: %s\n", err);
    return 1;
  }
  body = sf_sbx_json_parse(text, strlen(text), err, sizeof(err));
  for (i = 1; i <= total; i++) {
    Answer a;
    const char *id;
    sf_sbx_answer_init(&a);
    sf_sbx_api_create(s, body, "bench", &a);
    id = a.status == 200 ? strstr(a.body.p, "\"task_id\":\"") : NULL;
    if (id == NULL) {
      fprintf(stderr, "store: create answered %d\n", a.status);
      return 1;
    }
    memcpy(ring[i % RING], id + 11, SBX_ID_LEN - 1);
    ring[i % RING][SBX_ID_LEN - 1] = '\0';
    sf_sbx_answer_free(&a);
    if (k < nchecks && i == checks[k]) {
      double l = lookup_us(s, ring, i), f = find_ns(s, ring, i);
      printf("tasks=%ld stored=%zu lookup_us=%.2f find_ns=%.0f "
             "rss_mb=%.1f\n", i, s->tasks.count, l, f, rss_mb());
      fflush(stdout);
      k++;
    }
  }
  sf_sbx_json_free(body);
  sf_sandbox_stop(s);
  return 0;
}
