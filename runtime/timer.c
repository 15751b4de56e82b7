/*
** timer.c -- min-heap of one-shot timers (see timer.h).
*/
#include <stdlib.h>
#include <time.h>
#include "timer.h"

uint64_t sf_now_ms (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

double sf_now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sf_timer_init (SfTimer *t, SfTimerFn fire, void *data) {
  t->due_ms = 0;
  t->seq = 0;
  t->index = SIZE_MAX;
  t->fire = fire;
  t->data = data;
}

int sf_timer_armed (const SfTimer *t) {
  return t->index != SIZE_MAX;
}

void sf_heap_init (SfTimerHeap *h) {
  h->items = NULL;
  h->n = h->cap = 0;
  h->next_seq = 0;
}

void sf_heap_free (SfTimerHeap *h) {
  size_t i;
  for (i = 0; i < h->n; i++)
    h->items[i]->index = SIZE_MAX;
  free(h->items);
  sf_heap_init(h);
}

/* Does 'a' fire before 'b'? Ties go to the one armed first. */
static int earlier (const SfTimer *a, const SfTimer *b) {
  return a->due_ms < b->due_ms || (a->due_ms == b->due_ms && a->seq < b->seq);
}

static void place (SfTimerHeap *h, size_t i, SfTimer *t) {
  h->items[i] = t;
  t->index = i;
}

static void sift_up (SfTimerHeap *h, size_t i) {
  SfTimer *t = h->items[i];
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!earlier(t, h->items[parent]))
      break;
    place(h, i, h->items[parent]);
    i = parent;
  }
  place(h, i, t);
}

static void sift_down (SfTimerHeap *h, size_t i) {
  SfTimer *t = h->items[i];
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= h->n)
      break;
    if (c + 1 < h->n && earlier(h->items[c + 1], h->items[c]))
      c++;
    if (!earlier(h->items[c], t))
      break;
    place(h, i, h->items[c]);
    i = c;
  }
  place(h, i, t);
}

int sf_heap_add (SfTimerHeap *h, SfTimer *t, uint64_t due_ms) {
  sf_heap_remove(h, t);
  if (h->n == h->cap) {
    size_t ncap = h->cap ? h->cap * 2 : 64;
    SfTimer **items = realloc(h->items, ncap * sizeof(*items));
    if (items == NULL)
      return -1;
    h->items = items;
    h->cap = ncap;
  }
  t->due_ms = due_ms;
  t->seq = h->next_seq++;
  h->items[h->n] = t;
  t->index = h->n++;
  sift_up(h, t->index);
  return 0;
}

void sf_heap_remove (SfTimerHeap *h, SfTimer *t) {
  size_t i = t->index;
  SfTimer *last;
  if (i == SIZE_MAX || i >= h->n || h->items[i] != t)
    return;
  t->index = SIZE_MAX;
  last = h->items[--h->n];
  if (i == h->n)
    return;               /* removed the last slot: nothing to fix */
  place(h, i, last);
  sift_down(h, i);
  sift_up(h, last->index);
}

SfTimer *sf_heap_peek (const SfTimerHeap *h) {
  return h->n ? h->items[0] : NULL;
}
