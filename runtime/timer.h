/*
** timer.h -- a binary min-heap of one-shot timers on the monotonic clock.
**
** Timers are embedded in their owners (a task, a request), so arming one
** never allocates except when the heap array grows. The heap only stores
** pointers; 'index' lets a timer be removed in O(log n) when its owner is
** cancelled.
*/
#ifndef SF_TIMER_H
#define SF_TIMER_H

#include <stddef.h>
#include <stdint.h>

typedef struct SfTimer SfTimer;
typedef void (*SfTimerFn) (SfTimer *t);

struct SfTimer {
  uint64_t due_ms;     /* monotonic milliseconds */
  uint64_t seq;        /* insertion order: equal deadlines fire FIFO */
  size_t index;        /* position in the heap; SIZE_MAX when not armed */
  SfTimerFn fire;
  void *data;          /* the owner */
};

typedef struct SfTimerHeap {
  SfTimer **items;
  size_t n, cap;
  uint64_t next_seq;
} SfTimerHeap;

/* Monotonic clock in milliseconds / seconds. */
uint64_t sf_now_ms (void);
double sf_now (void);

void sf_timer_init (SfTimer *t, SfTimerFn fire, void *data);
int sf_timer_armed (const SfTimer *t);

void sf_heap_init (SfTimerHeap *h);
void sf_heap_free (SfTimerHeap *h);
/* Arm 't' to fire at 'due_ms' (re-arming moves it). 0, or -1 on ENOMEM. */
int sf_heap_add (SfTimerHeap *h, SfTimer *t, uint64_t due_ms);
/* Disarm 't'; harmless when it is not armed. */
void sf_heap_remove (SfTimerHeap *h, SfTimer *t);
/* The earliest timer, or NULL. */
SfTimer *sf_heap_peek (const SfTimerHeap *h);

#endif
