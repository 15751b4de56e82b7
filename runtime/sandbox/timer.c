/*
** timer.c -- one thread that runs callbacks at wall-clock times: resuming
** suspended connections (slow answers, the synchronous upload) and
** announcing finished tasks (webhooks). Callbacks run without the timer's
** lock, so they may add timers or call into libmicrohttpd.
*/
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include "sbx.h"

typedef struct Event {
  int64_t due;
  uint64_t seq;                   /* ties run in insertion order */
  TimerFn fn;
  void *arg;
} Event;

struct Timer {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  Event *heap;                    /* min-heap on (due, seq) */
  size_t n, cap;
  uint64_t seq;
  int stopping;
};

static int before (const Event *a, const Event *b) {
  return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void heap_swap (Event *h, size_t i, size_t j) {
  Event e = h[i];
  h[i] = h[j];
  h[j] = e;
}

static void heap_push (Timer *t, Event e) {
  size_t i;
  if (t->n == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 64;
    t->heap = sf_sbx_realloc(t->heap, t->cap * sizeof(Event));
  }
  i = t->n++;
  t->heap[i] = e;
  while (i > 0 && before(&t->heap[i], &t->heap[(i - 1) / 2])) {
    heap_swap(t->heap, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

static Event heap_pop (Timer *t) {
  Event top = t->heap[0];
  size_t i = 0;
  t->heap[0] = t->heap[--t->n];
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < t->n && before(&t->heap[l], &t->heap[m])) m = l;
    if (r < t->n && before(&t->heap[r], &t->heap[m])) m = r;
    if (m == i)
      break;
    heap_swap(t->heap, i, m);
    i = m;
  }
  return top;
}

/* Sleep until the earliest event is due (or a new one arrives), run it
** unlocked; on stop, run everything left with cancelled = 1. */
static void *timer_main (void *arg) {
  Timer *t = (Timer *)arg;
  pthread_mutex_lock(&t->lock);
  for (;;) {
    Event e;
    int cancelled = t->stopping;
    if (t->n == 0) {
      if (t->stopping)
        break;
      pthread_cond_wait(&t->cond, &t->lock);
      continue;
    }
    if (!cancelled && t->heap[0].due > sf_sbx_now_ms()) {
      struct timespec ts;
      ts.tv_sec = (time_t)(t->heap[0].due / 1000);
      ts.tv_nsec = (long)(t->heap[0].due % 1000) * 1000000L;
      pthread_cond_timedwait(&t->cond, &t->lock, &ts);
      continue;
    }
    e = heap_pop(t);
    pthread_mutex_unlock(&t->lock);
    e.fn(e.arg, cancelled);
    pthread_mutex_lock(&t->lock);
  }
  pthread_mutex_unlock(&t->lock);
  return NULL;
}

/* Start the thread with every signal blocked: signals belong to the
** program that embeds the sandbox. */
Timer *sf_sbx_timer_start (void) {
  Timer *t = sf_sbx_alloc(sizeof(Timer));
  sigset_t all, old;
  int rc;
  pthread_mutex_init(&t->lock, NULL);
  pthread_cond_init(&t->cond, NULL);
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  rc = pthread_create(&t->thread, NULL, timer_main, t);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->cond);
    free(t);
    return NULL;
  }
  return t;
}

/* Run fn(arg, 0) at 'due_ms' (wall clock). -1 once stopping: the caller
** must then do the work itself. */
int sf_sbx_timer_add (Timer *t, int64_t due_ms, TimerFn fn, void *arg) {
  Event e;
  int rc = -1;
  pthread_mutex_lock(&t->lock);
  if (!t->stopping) {
    e.due = due_ms;
    e.seq = t->seq++;
    e.fn = fn;
    e.arg = arg;
    heap_push(t, e);
    pthread_cond_signal(&t->cond);
    rc = 0;
  }
  pthread_mutex_unlock(&t->lock);
  return rc;
}

/* Run every pending callback at once with cancelled = 1, then join. Later
** sf_sbx_timer_add calls fail, so callers answer at once instead. */
void sf_sbx_timer_stop (Timer *t) {
  if (t == NULL || t->stopping)
    return;
  pthread_mutex_lock(&t->lock);
  t->stopping = 1;
  pthread_cond_signal(&t->cond);
  pthread_mutex_unlock(&t->lock);
  pthread_join(t->thread, NULL);
}

void sf_sbx_timer_free (Timer *t) {
  if (t == NULL)
    return;
  sf_sbx_timer_stop(t);
  pthread_mutex_destroy(&t->lock);
  pthread_cond_destroy(&t->cond);
  free(t->heap);
  free(t);
}
