/*
** retain.c -- bounded memory for a long-running sandbox: forget old
** finished tasks (--retain-tasks N, --retain-seconds S).
**
** Every task joins a FIFO when it is created (uploaded clips join their
** own), so the oldest is always at the head and eviction costs O(1) per
** task dropped: lookups stay hash-map lookups on a store that no longer
** grows. A task is dropped only once nothing can still happen to it: all
** its clips terminal, its refund (if it failed) booked, its webhook (if
** any) handed to the delivery queue. Until then it stays, and so does
** everything behind it: the FIFO waits for its head rather than look
** past it, which costs at most the tasks created during one generation.
**
** What a client sees afterwards is what the service answers for an id it
** does not know: a poll gets 400 "task not found.", a cover or extend of
** one of its clips 400 "clip not found.", its audio 404. The ledger keeps
** every charge: it holds ids, not tasks.
*/
#include <stdlib.h>
#include "sbx.h"

void sf_sbx_retain_task (Sbx *s, Task *t) {
  t->newer = NULL;
  if (s->newest != NULL)
    s->newest->newer = t;
  else
    s->oldest = t;
  s->newest = t;
  s->nstored++;
}

void sf_sbx_retain_upload (Sbx *s, Clip *c) {
  c->newer_upload = NULL;
  if (s->up_newest != NULL)
    s->up_newest->newer_upload = c;
  else
    s->up_oldest = c;
  s->up_newest = c;
  s->nuploads++;
}

/* Nothing can still happen to 't' at 'now' (tasks_settle has run). */
static int finished (const Sbx *s, const Task *t, int64_t now) {
  return now >= sf_sbx_task_done_wall(s, t) && (!t->fails || t->settled) &&
         !t->hook_pending;
}

/* Over the count (leaving 'room' for what is about to be added), or
** (with an age limit) done longer ago than it. */
static int too_many_or_old (const Sbx *s, size_t n, int room,
                            int64_t done_ms, int64_t now) {
  if (s->cfg.retain_tasks > 0 &&
      n + (size_t)room > (size_t)s->cfg.retain_tasks)
    return 1;
  return s->cfg.retain_seconds > 0 &&
         (double)(now - done_ms) >= s->cfg.retain_seconds * 1000.0;
}

/* Drop 't' and its clips from the maps, the state file and memory. */
static void drop_task (Sbx *s, Task *t) {
  int i;
  sf_sbx_state_forget_task(s, t);
  for (i = 0; i < t->nclips; i++) {
    Clip *c = sf_sbx_map_del(&s->clips, t->clips[i]->id);
    if (c != NULL)
      sf_sbx_clip_free(c);
  }
  sf_sbx_map_del(&s->tasks, t->id);
  sf_sbx_task_free(t);
}

/* Drop what the limits say must go, oldest first, making room for 'room'
** more. Lock held; call it before looking anything up, never while
** holding a Task or Clip. */
void sf_sbx_retain_evict (Sbx *s, int64_t now, int room) {
  int began = 0;
  while (s->oldest != NULL &&
         too_many_or_old(s, s->nstored, room,
                         sf_sbx_task_done_wall(s, s->oldest), now) &&
         finished(s, s->oldest, now)) {
    Task *t = s->oldest;
    if (!began++)
      sf_sbx_state_begin(s);
    if ((s->oldest = t->newer) == NULL)
      s->newest = NULL;
    s->nstored--;
    s->evicted++;
    drop_task(s, t);
  }
  while (s->up_oldest != NULL &&
         too_many_or_old(s, s->nuploads, room, s->up_oldest->created_ms,
                         now) &&
         now >= s->up_oldest->created_ms) {
    Clip *c = s->up_oldest;
    if (!began++)
      sf_sbx_state_begin(s);
    if ((s->up_oldest = c->newer_upload) == NULL)
      s->up_newest = NULL;
    s->nuploads--;
    s->evicted++;
    sf_sbx_state_forget_clip(s, c);
    sf_sbx_map_del(&s->clips, c->id);
    sf_sbx_clip_free(c);
  }
  if (began)
    sf_sbx_state_commit(s);
}
