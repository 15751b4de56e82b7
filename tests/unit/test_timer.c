/* test_timer.c -- the timer heap: order, FIFO ties, removal, re-arming,
** and a randomized comparison against a sorted reference. */
#include <stdlib.h>
#include "check.h"
#include "timer.h"

static int fired[64], nfired;

static void on_fire (SfTimer *t) {
  fired[nfired++] = (int)(size_t)t->data;
}

/* Pop and fire everything due at 'now'. */
static void run_until (SfTimerHeap *h, uint64_t now) {
  SfTimer *t;
  while ((t = sf_heap_peek(h)) != NULL && t->due_ms <= now) {
    sf_heap_remove(h, t);
    t->fire(t);
  }
}

static void test_order_and_ties (void) {
  SfTimerHeap h;
  SfTimer t[5];
  int i;
  uint64_t due[5] = {30, 10, 20, 10, 5};
  sf_heap_init(&h);
  nfired = 0;
  for (i = 0; i < 5; i++) {
    sf_timer_init(&t[i], on_fire, (void *)(size_t)i);
    CHECK(sf_heap_add(&h, &t[i], due[i]) == 0);
  }
  run_until(&h, 25);
  CHECK(nfired == 4);
  CHECK(fired[0] == 4);            /* 5 ms */
  CHECK(fired[1] == 1);            /* 10 ms, armed first */
  CHECK(fired[2] == 3);            /* 10 ms, armed second */
  CHECK(fired[3] == 2);            /* 20 ms */
  CHECK(sf_timer_armed(&t[0]) && !sf_timer_armed(&t[4]));
  sf_heap_free(&h);
  CHECK(!sf_timer_armed(&t[0]));
}

static void test_remove_and_rearm (void) {
  SfTimerHeap h;
  SfTimer t[3];
  int i;
  sf_heap_init(&h);
  nfired = 0;
  for (i = 0; i < 3; i++) {
    sf_timer_init(&t[i], on_fire, (void *)(size_t)i);
    sf_heap_add(&h, &t[i], 10 * (uint64_t)(i + 1));
  }
  sf_heap_remove(&h, &t[0]);
  sf_heap_remove(&h, &t[0]);       /* twice: harmless */
  sf_heap_add(&h, &t[2], 1);       /* re-arm moves it */
  run_until(&h, 100);
  CHECK(nfired == 2 && fired[0] == 2 && fired[1] == 1);
  sf_heap_free(&h);
}

static int cmp_u64 (const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static void test_random_against_sort (void) {
  enum { N = 2000 };
  static SfTimer t[N];
  static uint64_t due[N], got[N];
  SfTimerHeap h;
  int i, n = 0, removed = 0;
  srand(7);
  sf_heap_init(&h);
  for (i = 0; i < N; i++) {
    due[i] = (uint64_t)(rand() % 100000);
    sf_timer_init(&t[i], on_fire, NULL);
    sf_heap_add(&h, &t[i], due[i]);
  }
  for (i = 0; i < N; i += 7) {     /* remove every 7th */
    sf_heap_remove(&h, &t[i]);
    due[i] = UINT64_MAX;
    removed++;
  }
  while (sf_heap_peek(&h) != NULL) {
    SfTimer *x = sf_heap_peek(&h);
    sf_heap_remove(&h, x);
    got[n++] = x->due_ms;
  }
  qsort(due, N, sizeof(due[0]), cmp_u64);
  CHECK(n == N - removed);
  for (i = 0; i < n; i++)
    if (got[i] != due[i])
      break;
  CHECK(i == n);
  sf_heap_free(&h);
}

int main (void) {
  test_order_and_ties();
  test_remove_and_rearm();
  test_random_against_sort();
  return CHECK_DONE();
}
