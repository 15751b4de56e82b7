/*
** steps.c -- the policy of every API call, paid ones above all (steps.h).
*/
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "crash.h"
#include "credits.h"
#include "journal.h"
#include "log.h"
#include "progress.h"
#include "steps.h"
#include "target.h"

#define JSON_LIMIT (4u << 20)        /* larger JSON answers are refused */

/* ------------------------------------------------------------ outcomes */

static SfCallNext done (SfCall *c, SfKind kind, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static SfCallNext done (SfCall *c, SfKind kind, const char *fmt, ...) {
  va_list ap;
  c->kind = kind;
  va_start(ap, fmt);
  vsnprintf(c->message, sizeof(c->message), fmt, ap);
  va_end(ap);
  return SF_NEXT_DONE;
}

static int paid_step (SfRuntime *rt, const SfCall *c) {
  return c->price > 0 && rt->journal != NULL;
}

/* What the transfer's failure says about the call, as the journal must
** remember it. Only a connection that never opened proves the service
** did not see it (refused: may be sent again); a 3xx/4xx or 429 is a
** refusal too; anything else after sending is unknown, and so is a 2xx
** we cannot read (it may have been accepted and charged). */
static SfStepState step_state (const SfRequest *r, const SfAnswerView *v,
                               int wants_task_id) {
  if (r->fail == SF_FAIL_CONNECT || r->fail == SF_FAIL_TLS ||
      r->fail == SF_FAIL_JOURNAL)
    return SF_STEP_REFUSED;
  if (r->fail != SF_FAIL_NONE || r->status >= 500 || r->status < 200)
    return SF_STEP_UNKNOWN;
  if (r->status >= 300)
    return SF_STEP_REFUSED;
  if (!v->is_object || (wants_task_id && v->task_id == NULL))
    return SF_STEP_UNKNOWN;
  return SF_STEP_ANSWERED;
}

/* Give the reservation back: the service did not charge the call. */
static void unreserve (SfRuntime *rt, SfCall *c) {
  if (c->reserved) {
    sf_budget_release(rt, c->price);
    c->reserved = 0;
  }
}

/* ------------------------------------------------------------ journal */

/* Before a paid call is sent on a resumed (or any journaled) run: replay
** an answered step, refuse one whose answer was lost, notice a script
** that changed. Returns SF_NEXT_DONE when it decided, or SF_NEXT_WAIT to
** go on and send. */
static SfCallNext consult_journal (SfRuntime *rt, SfCall *c) {
  SfStep s;
  int found;
  if (c->attempt > 0)                /* our own retry of a refused try */
    return SF_NEXT_WAIT;
  found = sf_journal_step_get(rt->journal, rt->run_id, c->id.key, &s);
  if (found == 1 && s.state == SF_STEP_ANSWERED) {
    sf_log_info("step %lld replayed from the journal: %s -> task %.8s",
                s.seq, s.summary, s.task_id);
    c->replay = s.response ? s.response : strdup("{}");
    c->answer = c->replay;
    c->answer_len = c->replay ? strlen(c->replay) : 0;
    c->status = s.status;
    c->replayed = 1;
    return c->replay ? SF_NEXT_DONE
                     : done(c, SF_KIND_IO, "not enough memory");
  }
  free(s.response);
  if (found == 1 && s.state != SF_STEP_REFUSED && !rt->resend_unknown) {
    c->outcome_unknown = 1;
    return done(c, SF_KIND_NETWORK, "step %lld (%s) was sent before the run "
                "stopped and its answer was lost: it may have been accepted "
                "and charged. Check the account, then `sonicflow resume "
                "--resend-unknown` to send it again", s.seq, s.summary);
  }
  if (found == 0 && rt->resuming &&
      sf_journal_step_at(rt->journal, rt->run_id, c->id.position, &s) == 1) {
    free(s.response);
    if (strcmp(s.hash, c->id.hash) != 0)
      return done(c, SF_KIND_BAD_REQUEST, "script changed since the run: "
                  "step %lld was %s, now the script asks for %s; start a new "
                  "run instead of resuming", s.seq, s.summary, c->id.summary);
  }
  return SF_NEXT_WAIT;
}

/* Record the intent; the request is held until the loop commits it. */
static int record_intent (SfRuntime *rt, SfCall *c) {
  SfStep s;
  sf_crashpoint("before_intent");
  memset(&s, 0, sizeof(s));
  snprintf(s.hash, sizeof(s.hash), "%s", c->id.hash);
  snprintf(s.position, sizeof(s.position), "%s", c->id.position);
  snprintf(s.summary, sizeof(s.summary), "%s", c->id.summary);
  s.price = c->price;
  if (sf_journal_step_intent(rt->journal, rt->run_id, c->id.key, &s,
                             c->journal_body) != 0)
    return -1;
  c->journaled = 1;
  return 0;
}

static void record_outcome (SfRuntime *rt, SfCall *c, SfStepState st,
                            const SfAnswerView *v) {
  const SfRequest *r = &c->req;
  assert(c->journaled);              /* an outcome needs its intent */
  sf_crashpoint("after_send");
  sf_journal_step_outcome(rt->journal, rt->run_id, c->id.key, st,
                          r->fail == SF_FAIL_NONE ? r->status : 0,
                          st == SF_STEP_ANSWERED ? r->body.data : NULL,
                          st == SF_STEP_ANSWERED ? v->task_id : NULL);
}

/* ------------------------------------------------------------- sending */

/*
** The account's pace: the service answers 429 to a second generation
** within about 3 s. Each paced call takes the next free slot in the order
** it arrives, and waits for it on the loop's timers -- a queue in the
** scheduler, so nothing reaches the service to be refused. 1 when 'c'
** must wait c->delay seconds first.
*/
static int wait_for_pace (SfRuntime *rt, SfCall *c) {
  uint64_t now = sf_now_ms();
  if (!c->paced || rt->paid_interval <= 0)
    return 0;
  if (c->slot_ms == 0) {
    c->slot_ms = now > rt->paid_next_ms ? now : rt->paid_next_ms;
    rt->paid_next_ms = c->slot_ms + (uint64_t)(rt->paid_interval * 1000);
  }
  if (now < c->slot_ms) {
    if (!c->pace_shown)
      sf_progress_paced(+1);
    c->pace_shown = 1;
    c->delay = (double)(c->slot_ms - now) / 1000.0;
    return 1;
  }
  if (c->pace_shown)
    sf_progress_paced(-1);
  c->pace_shown = 0;
  c->slot_ms = 0;                    /* used: a retry takes a new one */
  return 0;
}

/* The journal could not take the call's intent (its own insert or the
** loop turn's commit): the call was never sent. One message for both. */
static SfCallNext journal_unwritable (SfRuntime *rt, SfCall *c) {
  return done(c, SF_KIND_IO, "cannot write the journal %s (disk full?); the "
              "call was not sent", rt->journal_path ? rt->journal_path : "");
}

static SfCallNext send_call (SfRuntime *rt, SfCall *c) {
  char url[2048];
  SfRequest *r = &c->req;
  if (wait_for_pace(rt, c))
    return SF_NEXT_SLEEP;
  if (c->price > 0) {
    if (sf_budget_reserve(rt, c->price) != 0)
      return done(c, SF_KIND_BUDGET, "this call costs %lld credits and the "
                  "run has committed %lld of its budget of %lld", c->price,
                  rt->spent, rt->budget);
    c->reserved = 1;
    if (paid_step(rt, c) && record_intent(rt, c) != 0) {
      unreserve(rt, c);
      return journal_unwritable(rt, c);
    }
  }
  snprintf(url, sizeof(url), "%s%s", rt->api_prefix, c->path);
  sf_request_release(r);
  memset(r, 0, sizeof(*r));
  if (sf_request_prepare(r, &rt->http, c->post ? "POST" : "GET", url,
                         c->post ? (c->body ? c->body : "{}") : NULL,
                         c->post ? (c->body ? c->body_len : 2) : 0,
                         JSON_LIMIT) != 0) {
    unreserve(rt, c);
    if (c->journaled)                /* it never left */
      sf_journal_step_outcome(rt->journal, rt->run_id, c->id.key,
                              SF_STEP_REFUSED, 0, NULL, NULL);
    c->journaled = 0;
    return done(c, SF_KIND_NETWORK, "%s", r->errbuf);
  }
  c->attempt++;
  r->with_auth = 1;
  r->fresh = c->post;        /* POSTs never ride a reused connection */
  r->connect_timeout_ms = 10000;
  r->total_timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : 60000;
  if (c->journaled)
    sf_http_hold(r);         /* leaves after the loop's journal commit */
  else
    sf_http_submit(r);
  return SF_NEXT_WAIT;
}

SfCallNext sf_call_start (SfRuntime *rt, SfCall *c) {
  assert(c->attempt == 0 && !c->journaled);   /* started once */
  c->kind = SF_KIND_NONE;
  if (c->post && c->price > 0 && rt->journal != NULL &&
      consult_journal(rt, c) == SF_NEXT_DONE)
    return SF_NEXT_DONE;
  return send_call(rt, c);
}

SfCallNext sf_call_again (SfRuntime *rt, SfCall *c) {
  assert(c->attempt > 0 || c->slot_ms != 0);   /* a backoff or a pace */
  /* a paid call is only ever retried after a refusal: its step was
  ** recorded as refused, so sending it again is not paying twice */
  return send_call(rt, c);
}

/* ----------------------------------------------------------- answers */

static const char *fail_text (const SfRequest *r) {
  if (r->fail == SF_FAIL_TOO_LARGE)
    return "the answer is larger than the limit";
  return r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->result);
}

/* A 429 on a generation: the account's pace is slower than we thought.
** The sandbox says its pace exactly (a header the real service does not
** send, believed from loopback only); otherwise Retry-After is the pace. */
static void learn_pace (SfRuntime *rt, SfCall *c, const SfRequest *r) {
  double pace = c->delay;
  if (r->pace_hint >= 0 && sf_target_is_loopback(rt->api_prefix)) {
    pace = r->pace_hint;
    c->delay = pace;                 /* its Retry-After is rounded up */
  }
  if (pace > rt->paid_interval) {
    sf_log_info("the service paces paid calls at one per %g s: waiting "
                "in line instead of being refused", pace);
    rt->paid_interval = pace;
  }
}

/* Decide between a retry and a final failure. */
static SfCallNext fail_or_retry (SfRuntime *rt, SfCall *c) {
  SfRequest *r = &c->req;
  SfFailure f = {r->fail, r->status, 0};
  int long_wait;
  if (sf_retry_should(&rt->retry, c->cls, &f, c->attempt)) {
    c->delay = sf_retry_delay(&rt->retry, c->attempt, r->retry_after,
                              &long_wait);
    if (r->fail == SF_FAIL_NONE && r->status == 429 && c->paced)
      learn_pace(rt, c, r);
    if (long_wait || c->delay >= 5) {
      char what[32];
      if (r->fail != SF_FAIL_NONE)
        snprintf(what, sizeof(what), "%s", sf_fail_name(r->fail));
      else
        snprintf(what, sizeof(what), "HTTP %ld", r->status);
      sf_log_info("%s: %s, trying again in %.0f s", c->path, what, c->delay);
    }
    return SF_NEXT_SLEEP;
  }
  if (r->fail == SF_FAIL_JOURNAL)    /* the turn's group commit failed */
    return journal_unwritable(rt, c);
  if (r->fail != SF_FAIL_NONE) {
    SfKind k = r->fail == SF_FAIL_TIMEOUT ? SF_KIND_TIMEOUT : SF_KIND_NETWORK;
    if (c->price > 0 && r->fail != SF_FAIL_CONNECT &&
        r->fail != SF_FAIL_TLS) {
      c->outcome_unknown = 1;
      return done(c, k, "outcome unknown: the request was sent but no answer "
                  "came (%s); it may have been accepted and charged. Check "
                  "`sonicflow credits` before sending it again", fail_text(r));
    }
    if (r->fail == SF_FAIL_TLS)
      return done(c, SF_KIND_NETWORK, "TLS verification failed (never "
                  "retried): %s", fail_text(r));
    if (r->fail == SF_FAIL_TOO_LARGE)
      return done(c, SF_KIND_SERVER, "the service's answer is larger than "
                  "4 MiB; refused");
    return done(c, k, "%s", fail_text(r));
  }
  /* an HTTP error: its message is in the body, read by the caller */
  c->status = r->status;
  c->message_from_body = 1;
  c->outcome_unknown = c->price > 0 && r->status >= 500;
  c->message[0] = '\0';
  c->kind = sf_kind_of_status(r->status, r->body.data);
  return SF_NEXT_DONE;
}

SfCallNext sf_call_finish (SfRuntime *rt, SfCall *c,
                           const SfAnswerView *view) {
  SfRequest *r = &c->req;
  SfAnswerView none = {0, NULL};
  SfStepState st;
  if (view == NULL)
    view = &none;
  if (!c->post && strncmp(c->path, "sonic/task/", 11) == 0)
    sf_crashpoint("during_poll");
  st = step_state(r, view, c->wants_task_id);
  if (c->journaled)
    record_outcome(rt, c, st, view);
  if (st == SF_STEP_REFUSED)
    unreserve(rt, c);                /* refused: nothing was charged */
  c->journaled = 0;
  if (r->fail == SF_FAIL_NONE && r->status >= 200 && r->status < 300) {
    sf_retry_success(&rt->retry);
    c->status = r->status;
    c->answer = r->body.data ? r->body.data : "";
    c->answer_len = r->body.len;
    if (!view->is_object) {
      c->outcome_unknown = c->price > 0;
      c->message_from_body = 1;
      return done(c, SF_KIND_SERVER, "the service answered HTTP %ld with "
                  "something that is not a JSON object", r->status);
    }
    if (c->wants_task_id && view->task_id == NULL) {
      c->outcome_unknown = c->price > 0;
      return done(c, SF_KIND_SERVER, "the service accepted the request but "
                  "sent no task id");
    }
    return SF_NEXT_DONE;
  }
  return fail_or_retry(rt, c);
}

void sf_call_release (SfCall *c) {
  if (c->pace_shown)                 /* cancelled while waiting its turn */
    sf_progress_paced(-1);
  c->pace_shown = 0;
  sf_request_release(&c->req);
  free(c->replay);
  c->replay = NULL;
}

int sf_call_abortable (const SfCall *c) {
  return c->price <= 0;
}
