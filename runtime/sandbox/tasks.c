/*
** tasks.c -- the task and clip store and the simulated clock.
**
** Nothing moves a task forward: its state is a pure function of the wall
** clock, its creation time and a schedule drawn once at creation (in
** simulated milliseconds; --speed divides them). That keeps a restarted
** sandbox exact and makes polling cheap. The one thing that must happen
** at a time is the refund of a failed task: sf_sbx_tasks_settle performs
** it lazily, before anything reads the ledger or a task.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sbx.h"

/* Salts for the hashes drawn per task, so the draws are independent. */
enum { SALT_TASK = 1, SALT_CLIP, SALT_SCHED, SALT_FAIL };

Task *sf_sbx_task_find (Sbx *s, const char *id) {
  return (Task *)sf_sbx_map_get(&s->tasks, id);
}

Clip *sf_sbx_clip_find (Sbx *s, const char *id) {
  return (Clip *)sf_sbx_map_get(&s->clips, id);
}

/* A zeroed task with room for 'nclips' clip pointers in the same block:
** a poll reads the task and its list of clips from one place. */
Task *sf_sbx_task_alloc (int nclips) {
  Task *t = sf_sbx_alloc(sizeof(Task) + (size_t)nclips * sizeof(Clip *));
  t->clips = (Clip **)(t + 1);
  return t;
}

/* A new task with room for 'nclips' clips, registered in the store, its
** failure drawn from --fail-rate. Lock held. */
Task *sf_sbx_task_new (Sbx *s, const char *kind, int nclips) {
  Task *t = sf_sbx_task_alloc(nclips);
  uint64_t h;
  t->no = ++s->n_tasks;
  h = sf_sbx_hash_mix(s->cfg.seed, (uint64_t)t->no);
  sf_sbx_uuid(sf_sbx_hash_mix(h, SALT_TASK), (uint64_t)t->no, t->id);
  strncpy(t->kind, kind, sizeof(t->kind) - 1);
  t->created_ms = sf_sbx_now_ms();
  t->charge = -1;
  t->fails = sf_sbx_fault_hit(s, sf_sbx_hash_mix(h, SALT_FAIL), FAULT_FAIL);
  sf_sbx_map_put(&s->tasks, t->id, t);
  sf_sbx_retain_task(s, t);
  return t;
}

/* A new clip, appended to 't' (NULL for an upload). Lock held. */
Clip *sf_sbx_clip_new (Sbx *s, Task *t) {
  Clip *c = sf_sbx_alloc(sizeof(Clip));
  long long no = ++s->n_clips;
  sf_sbx_uuid(sf_sbx_hash_mix(s->cfg.seed, SALT_CLIP), (uint64_t)no, c->id);
  c->task = t;
  c->created_ms = t ? t->created_ms : sf_sbx_now_ms();
  if (t != NULL) {
    c->index = t->nclips;
    t->clips[t->nclips++] = c;
  }
  sf_sbx_map_put(&s->clips, c->id, c);
  return c;
}

static void clip_free_strings (Clip *c) {
  free(c->title);
  free(c->tags);
  free(c->lyrics);
  free(c->negative_tags);
  free(c->gpt_prompt);
  free(c->mv);
}

/* A packed clip lives in its task's block, which the task frees: free
** clips before their tasks. */
void sf_sbx_clip_free (void *clip) {
  Clip *c = (Clip *)clip;
  sf_sbx_recipe_free(&c->recipe);
  if (c->packed)
    return;
  clip_free_strings(c);
  free(c);
}

static size_t str_room (const char *str) {
  return str != NULL ? strlen(str) + 1 : 0;
}

static size_t clip_strings_room (const Clip *c) {
  return str_room(c->title) + str_room(c->tags) + str_room(c->lyrics) +
         str_room(c->negative_tags) + str_room(c->gpt_prompt) +
         str_room(c->mv);
}

/* Copy 'str' (may be NULL) to '*at' and move '*at' past it. */
static char *pack_str (char **at, const char *str) {
  size_t n = str_room(str);
  char *copy = n ? memcpy(*at, str, n) : NULL;
  *at += n;
  return copy;
}

/* 'c' copied to 'k' with its strings at '*at'; 'c' freed (its recipe now
** belongs to 'k'). */
static void clip_move (Clip *k, Clip *c, char **at) {
  *k = *c;
  k->title = pack_str(at, c->title);
  k->tags = pack_str(at, c->tags);
  k->lyrics = pack_str(at, c->lyrics);
  k->negative_tags = pack_str(at, c->negative_tags);
  k->gpt_prompt = pack_str(at, c->gpt_prompt);
  k->mv = pack_str(at, c->mv);
  k->packed = 1;
  clip_free_strings(c);
  free(c);
}

static int movable (const Task *t, const Clip *c) {
  return !c->packed && c->task == t;
}

/*
** Move the clips of 't', with the strings a poll prints, into one block
** the task owns. Why: once retention has churned the heap, a clip built
** from seven allocations lands in seven holes spread over the whole
** store, and a poll of the newest tasks touches that many more pages
** (issue 17: the poll handler 1.2-1.9x slower after 1,000,000 tasks than
** at the first 1,000). A poll now reads two places: the task with its
** list of clips, and this block. The recipes' own strings stay where
** they are: a poll reads only their lengths. Call it once the task is
** fully built, before anything but the task and the clip map holds a
** pointer to its clips. Lock held.
*/
void sf_sbx_task_pack (Sbx *s, Task *t) {
  size_t room = 0, n = 0;
  char *at;
  Clip *k;
  int i;
  if (t->pack != NULL)
    return;
  for (i = 0; i < t->nclips; i++)
    if (movable(t, t->clips[i])) {
      room += sizeof(Clip) + clip_strings_room(t->clips[i]);
      n++;
    }
  if (n == 0)
    return;
  k = t->pack = sf_sbx_alloc(room);
  at = (char *)(k + n);
  for (i = 0; i < t->nclips; i++)
    if (movable(t, t->clips[i])) {
      clip_move(k, t->clips[i], &at);
      t->clips[i] = k;
      sf_sbx_map_put(&s->clips, k->id, k);
      k++;
    }
}

/* Clips are owned by the clip map, so a task frees only itself (its list
** of clips is part of its block) and its packed clips' block. */
void sf_sbx_task_free (void *task) {
  Task *t = (Task *)task;
  free(t->pack);
  free(t->webhook_url);
  free(t->webhook_secret);
  free(t);
}

/* A length in centiseconds: --clip-seconds when set, else drawn from
** [lo, hi] by 'h'. */
int64_t sf_sbx_clip_len_pick (const Sbx *s, uint64_t h, int64_t lo_cs,
                              int64_t hi_cs) {
  if (s->cfg.clip_seconds > 0) {
    int64_t cs = (int64_t)llround(s->cfg.clip_seconds * 100.0);
    return cs > 0 ? cs : 1;
  }
  return lo_cs + (int64_t)(h % (uint64_t)(hi_cs - lo_cs + 1));
}

/*
** Draw the schedule, in simulated ms after creation: not_ready for 3-12 s;
** the first clip done after 60-160 s, every other one 1-20 s later (so
** two clips never finish together, and all within 3 minutes); each clip
** pending for 1-9 s after not_ready, streaming for its last 10-25 s.
*/
void sf_sbx_task_schedule (Sbx *s, Task *t) {
  uint64_t h = sf_sbx_hash_mix(sf_sbx_hash_mix(s->cfg.seed, SALT_SCHED),
                               (uint64_t)t->no);
  int64_t first_done = 60000 + (int64_t)(h % 100000);
  int i;
  t->t_ready = 3000 + (int64_t)((h >> 20) % 9000);
  for (i = 0; i < t->nclips; i++) {
    Clip *c = t->clips[i];
    uint64_t k = sf_sbx_hash_mix(h, (uint64_t)i + 1);
    int64_t stream_len = 10000 + (int64_t)((k >> 24) % 15000);
    c->t_done = first_done + (i ? 1000 + (int64_t)(k % 19000) : 0);
    c->t_running = t->t_ready + 1000 + (int64_t)((k >> 40) % 8000);
    c->t_streaming = c->t_done - stream_len;
    if (c->t_streaming < c->t_running + 1000)
      c->t_streaming = c->t_running + 1000;
  }
}

/* Simulated ms since 't' was created. */
int64_t sf_sbx_task_sim_ms (const Sbx *s, const Task *t, int64_t now) {
  double sim = (double)(now - t->created_ms) * s->cfg.speed;
  if (sim > 4e18)
    return (int64_t)4e18;
  return sim < 0 ? 0 : (int64_t)sim;
}

ClipState sf_sbx_clip_state (const Sbx *s, const Clip *c, int64_t now) {
  int64_t sim;
  if (c->task == NULL)
    return CS_SUCCEEDED;      /* uploads exist only once done */
  sim = sf_sbx_task_sim_ms(s, c->task, now);
  if (sim < c->t_running)
    return CS_PENDING;
  if (sim < c->t_streaming)
    return CS_RUNNING;
  if (sim < c->t_done)
    return CS_STREAMING;
  return c->task->fails ? CS_FAILED : CS_SUCCEEDED;
}

/* Wall-clock ms at which 'c' reaches its terminal state. */
int64_t sf_sbx_clip_done_wall (const Sbx *s, const Clip *c) {
  if (c->task == NULL)
    return c->created_ms;
  return c->task->created_ms +
         (int64_t)ceil((double)c->t_done / s->cfg.speed);
}

int64_t sf_sbx_task_done_wall (const Sbx *s, const Task *t) {
  int64_t w = t->created_ms;
  int i;
  for (i = 0; i < t->nclips; i++) {
    int64_t d = sf_sbx_clip_done_wall(s, t->clips[i]);
    if (d > w)
      w = d;
  }
  return w;
}

/* Remember a failing task until its refund is due. Lock held. */
void sf_sbx_task_track (Sbx *s, Task *t) {
  if (!t->fails || t->settled)
    return;
  if (s->nunsettled == s->capunsettled) {
    s->capunsettled = s->capunsettled ? 2 * s->capunsettled : 16;
    s->unsettled = sf_sbx_realloc(s->unsettled,
                                  s->capunsettled * sizeof(Task *));
  }
  s->unsettled[s->nunsettled++] = t;
}

/* Refund every failed task whose last clip has failed by 'now', so the
** ledger never lags what a poll shows. Lock held. */
void sf_sbx_tasks_settle (Sbx *s, int64_t now) {
  size_t i = 0;
  while (i < s->nunsettled) {
    Task *t = s->unsettled[i];
    if (now < sf_sbx_task_done_wall(s, t)) {
      i++;
      continue;
    }
    sf_sbx_state_begin(s);
    if (t->charge >= 0)
      sf_sbx_ledger_refund(s, t->charge);
    t->settled = 1;
    sf_sbx_state_save_task(s, t);
    sf_sbx_state_commit(s);
    s->unsettled[i] = s->unsettled[--s->nunsettled];
  }
}
