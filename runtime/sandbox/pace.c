/*
** pace.c -- the account's pace (--rate-limit): the real service answers
** 429 to a paid generation that comes within about 3 s of the previous
** one (PROTOCOL.md, "Account limits"). Refused calls are charged nothing.
**
** The window runs from the last accepted paid call; only an answer of 200
** moves it, so a create refused for a bad field does not use the slot.
** The check, the handler and the move happen under one lock, so two calls
** racing on the thread pool cannot both take one slot.
*/
#include <math.h>
#include <stdio.h>
#include "sbx.h"

/* A client that paces itself at exactly the interval sees its calls
** arrive a little early or late (connection setup, scheduling): a call
** this much of the interval early is still accepted. */
#define PACE_TOLERANCE 0.1

double sf_sbx_pace_interval (const Sbx *s) {
  return s->cfg.rate_limit > 0 ? s->cfg.rate_limit / s->cfg.speed : 0;
}

double sf_sandbox_paid_interval (const SfSandbox *s) {
  return s != NULL ? sf_sbx_pace_interval(s) : 0;
}

void sf_sbx_pace_hint (const Sbx *s, Answer *a) {
  double interval = sf_sbx_pace_interval(s);
  if (interval > 0)
    snprintf(a->paid_interval, sizeof(a->paid_interval), "%.6g", interval);
}

int sf_sbx_pace_enter (Sbx *s, Answer *a) {
  double interval = sf_sbx_pace_interval(s), wait;
  int64_t now;
  if (interval <= 0)
    return 0;
  pthread_mutex_lock(&s->pace_lock);
  now = sf_sbx_now_ms();
  wait = (double)(s->paid_next_ms - now) / 1000.0;
  if (wait <= interval * PACE_TOLERANCE)
    return 0;                         /* the lock stays held: see leave */
  pthread_mutex_unlock(&s->pace_lock);
  sf_sbx_answer_error(s, a, 429, "Too many requests. Please slow down.");
  /* Retry-After in whole seconds, as HTTP has it; the exact pace for a
  ** client on loopback that wants it (runtime/http.c reads it) */
  snprintf(a->retry_after, sizeof(a->retry_after), "%d",
           wait < 1 ? 1 : (int)ceil(wait));
  sf_sbx_pace_hint(s, a);
  return 1;
}

/* The interval is fixed for the sandbox's life: when it is on, every
** call that gets here was let through by enter, with the lock held. */
void sf_sbx_pace_leave (Sbx *s, const Answer *a) {
  double interval = sf_sbx_pace_interval(s);
  if (interval <= 0)
    return;
  if (a->status == 200)
    s->paid_next_ms = sf_sbx_now_ms() + (int64_t)(interval * 1000.0 + 0.5);
  pthread_mutex_unlock(&s->pace_lock);
}
