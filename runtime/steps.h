/*
** steps.h -- every API call of the client, and the rules for paid ones.
**
** This file is the one place that decides what happens to a call to the
** service. A caller (the Lua bindings) only describes the call: method,
** path, the JSON to send, its price, its class and -- for a paid call --
** its identity as a journal step. The policy is all here:
**   - a paid call is checked against the run's budget, recorded in the
**     journal as "sending" (the intent) and held until the loop has
**     committed that record; only then is it sent, always on a new
**     connection, never a reused one (libcurl silently resends a POST on
**     a reused connection that turns out dead);
**   - its answer is journaled ("answered", "refused" or "unknown") before
**     the caller sees it;
**   - on a resumed run an answered step is replayed from the journal,
**     and a step whose answer was lost is refused, not sent again;
**   - failures are retried by the one retry table (retry.h), paid calls
**     only where the service cannot have charged them.
** The caller drives the call through its waits: sf_call_start, then for
** each SF_NEXT_WAIT a transfer completion and sf_call_finish, for each
** SF_NEXT_SLEEP a timer of c->delay seconds and sf_call_again, until
** SF_NEXT_DONE: c->kind is SF_KIND_NONE and c->answer the answer, or
** c->kind says what failed.
*/
#ifndef SF_STEPS_H
#define SF_STEPS_H

#include "http.h"
#include "kinds.h"
#include "retry.h"
#include "runtime.h"

/* A paid call's identity as a journal step (computed by the caller). */
typedef struct SfStepId {
  char hash[65];             /* sha256 of the canonical request */
  int occurrence;            /* 1 for its first time in the run */
  char key[80];              /* "<hash>#<occurrence>" */
  char position[96];         /* "<task path>/<call index in the task>" */
  char summary[160];         /* "cover_music \"lo-fi\"" */
} SfStepId;

typedef enum SfCallNext {
  SF_NEXT_WAIT,              /* c->req was handed to the engine */
  SF_NEXT_SLEEP,             /* wait c->delay seconds, then sf_call_again
                                (a backoff, or the account's pace) */
  SF_NEXT_DONE               /* finished: the answer, or c->kind */
} SfCallNext;

/* What the caller read in a 2xx answer (it has the JSON decoder). */
typedef struct SfAnswerView {
  int is_object;             /* the body is a JSON object */
  const char *task_id;       /* its "task_id" string, or NULL */
} SfAnswerView;

typedef struct SfCall {
  /* described by the caller before sf_call_start */
  SfCallClass cls;
  int post;                  /* POST (else GET) */
  const char *path;          /* relative to the API prefix: "sonic/create" */
  const char *body;          /* JSON sent (POST); may carry webhook fields */
  size_t body_len;
  const char *journal_body;  /* what the journal keeps (never a secret) */
  long long price;           /* credits; > 0 makes it a paid step */
  int wants_task_id;         /* an answer without "task_id" is not one */
  char task_kind[64];        /* the task it makes (endpoints.h), or "" */
  int paced;                 /* a generation: waits for the account's pace */
  uint64_t slot_ms;          /* its turn at that pace, once it has one */
  int pace_shown;            /* counted as "queued (account pace)" */
  long timeout_ms;
  SfStepId id;               /* paid calls: the step */
  /* the transfer in flight */
  SfRequest req;
  int attempt;               /* tries so far */
  int journaled;             /* its intent is in the journal */
  int reserved;              /* its price is reserved against the budget */
  /* the outcome (SF_NEXT_DONE) */
  SfKind kind;               /* SF_KIND_NONE: success */
  long status;               /* HTTP status, 0 for none */
  int replayed;              /* the answer came from the journal */
  int outcome_unknown;       /* sent, but maybe charged: do not resend */
  int message_from_body;     /* build the message from the error body */
  char message[512];
  const char *answer;        /* the answer body (req.body or 'replay') */
  size_t answer_len;
  char *replay;              /* owned: a replayed answer */
  /* SF_NEXT_SLEEP */
  double delay;
} SfCall;

/* Start the described call. */
SfCallNext sf_call_start (SfRuntime *rt, SfCall *c);
/* The transfer ended; 'view' is what the caller read in a 2xx body. */
SfCallNext sf_call_finish (SfRuntime *rt, SfCall *c, const SfAnswerView *view);
/* The backoff is over: send again. */
SfCallNext sf_call_again (SfRuntime *rt, SfCall *c);
/* Free what 'c' owns (the transfer, a replayed answer). Idempotent. */
void sf_call_release (SfCall *c);
/* May 'c' be dropped when its task is cancelled? A paid call in flight
** must finish, so that its answer is journaled and not lost. */
int sf_call_abortable (const SfCall *c);

#endif
