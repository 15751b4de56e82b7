/*
** test_steps.c -- the policy of paid calls (runtime/steps.c), driven
** without a network: each transfer's ending is written into the request
** by hand, as libcurl would have left it. What a user relies on: a paid
** call is journaled before it leaves and held for the commit; its answer
** is journaled before it is used; a resumed run replays it and never
** sends it twice; a lost answer is never resent by itself; a refusal is
** retried and costs nothing; the budget holds; an answer that cannot be
** read is "unknown", not "answered".
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "journal.h"
#include "loop.h"
#include "steps.h"

static char journal_path[256];

typedef struct Fixture {
  SfRuntime rt;
  SfRunInfo run;
} Fixture;

static void fixture_open (Fixture *f, const char *run_id) {
  char err[256];
  memset(f, 0, sizeof(*f));
  CHECK(sf_loop_init(&f->rt, 8) == 0);
  f->rt.budget = -1;
  f->rt.api_prefix = strdup("http://127.0.0.1:9/api/v1/");
  CHECK(sf_http_set_auth(&f->rt.http, "k", f->rt.api_prefix) == 0);
  CHECK(sf_journal_open(&f->rt.journal, journal_path, err, sizeof(err)) == 0);
  if (run_id == NULL) {
    snprintf(f->run.script, sizeof(f->run.script), "t.lua");
    snprintf(f->run.args, sizeof(f->run.args), "[]");
    f->run.budget = -1;
    CHECK(sf_journal_run_begin(f->rt.journal, &f->run) == 0);
  } else {
    CHECK(sf_journal_run_find(f->rt.journal, run_id, &f->run) == 1);
    f->rt.resuming = 1;
  }
  snprintf(f->rt.run_id, sizeof(f->rt.run_id), "%s", f->run.id);
}

static void fixture_close (Fixture *f) {
  sf_journal_flush(f->rt.journal);
  sf_journal_close(f->rt.journal);
  sf_loop_free(&f->rt);
  free(f->rt.api_prefix);
}

/* A create of 'price' credits, step number 'n' of task "main". */
static void describe (SfCall *c, int n, long long price, const char *body) {
  memset(c, 0, sizeof(*c));
  c->cls = SF_CALL_PAID;
  c->post = 1;
  c->path = "sonic/create";
  c->body = c->journal_body = body;
  c->body_len = strlen(body);
  c->price = price;
  c->wants_task_id = 1;
  c->timeout_ms = 1000;
  snprintf(c->id.hash, sizeof(c->id.hash), "%064d", n);
  c->id.occurrence = 1;
  snprintf(c->id.key, sizeof(c->id.key), "%s#1", c->id.hash);
  snprintf(c->id.position, sizeof(c->id.position), "main/%d", n);
  snprintf(c->id.summary, sizeof(c->id.summary), "create_music \"%d\"", n);
}

/* End the transfer of 'c' as libcurl would: status and body. */
static void answer (SfCall *c, long status, const char *body) {
  c->req.fail = SF_FAIL_NONE;
  c->req.status = status;
  sf_buf_reset(&c->req.body);
  if (body != NULL)
    sf_buf_append(&c->req.body, body, strlen(body));
}

static SfStepState state_of (Fixture *f, SfCall *c, char *task_id) {
  SfStep s;
  if (sf_journal_step_get(f->rt.journal, f->rt.run_id, c->id.key, &s) != 1)
    return SF_STEP_NONE;
  free(s.response);
  if (task_id)
    strcpy(task_id, s.task_id);
  return s.state;
}

static const SfAnswerView with_id = {1, "task-1"};

static void test_send_and_replay (void) {
  Fixture f;
  SfCall c;
  char run[40], task[80] = "";
  const char *reply = "{\"message\":\"success\",\"task_id\":\"task-1\"}";
  fixture_open(&f, NULL);
  describe(&c, 1, 15, "{\"tags\":\"lo-fi\"}");
  CHECK(sf_call_start(&f.rt, &c) == SF_NEXT_WAIT);
  /* journaled as sending, and held until the loop commits that */
  CHECK(state_of(&f, &c, NULL) == SF_STEP_INTENT);
  CHECK(sf_http_has_held(&f.rt.http));
  CHECK(c.req.fresh);                   /* never a reused connection */
  CHECK(f.rt.spent == 15);
  sf_http_release_held(&f.rt.http, NULL);
  answer(&c, 200, reply);
  CHECK(sf_call_finish(&f.rt, &c, &with_id) == SF_NEXT_DONE);
  CHECK(c.kind == SF_KIND_NONE && !c.replayed);
  CHECK(state_of(&f, &c, task) == SF_STEP_ANSWERED);
  CHECK(strcmp(task, "task-1") == 0);
  sf_call_release(&c);
  snprintf(run, sizeof(run), "%s", f.rt.run_id);
  fixture_close(&f);

  /* the resumed run replays the answer: nothing is sent, nothing paid */
  fixture_open(&f, run);
  describe(&c, 1, 15, "{\"tags\":\"lo-fi\"}");
  CHECK(sf_call_start(&f.rt, &c) == SF_NEXT_DONE);
  CHECK(c.kind == SF_KIND_NONE && c.replayed);
  CHECK(c.answer != NULL && strcmp(c.answer, reply) == 0);
  CHECK(!sf_http_has_held(&f.rt.http) && sf_http_busy(&f.rt.http) == 0);
  CHECK(f.rt.spent == 0);
  sf_call_release(&c);
  /* a script that asks for something else at that place is refused */
  describe(&c, 9, 15, "{\"tags\":\"other\"}");
  snprintf(c.id.position, sizeof(c.id.position), "main/1");
  CHECK(sf_call_start(&f.rt, &c) == SF_NEXT_DONE);
  CHECK(c.kind == SF_KIND_BAD_REQUEST &&
        strstr(c.message, "script changed since the run") != NULL);
  sf_call_release(&c);
  fixture_close(&f);
}

static void test_lost_answer (void) {
  Fixture f;
  SfCall c;
  char run[40];
  fixture_open(&f, NULL);
  describe(&c, 2, 15, "{}");
  CHECK(sf_call_start(&f.rt, &c) == SF_NEXT_WAIT);
  sf_http_release_held(&f.rt.http, NULL);
  c.req.fail = SF_FAIL_NETWORK;         /* sent; the connection died */
  CHECK(sf_call_finish(&f.rt, &c, NULL) == SF_NEXT_DONE);
  CHECK(c.kind == SF_KIND_NETWORK && c.outcome_unknown);
  CHECK(strstr(c.message, "outcome unknown") != NULL);
  CHECK(state_of(&f, &c, NULL) == SF_STEP_UNKNOWN);
  CHECK(f.rt.spent == 15);              /* it may have been charged */
  sf_call_release(&c);
  snprintf(run, sizeof(run), "%s", f.rt.run_id);
  fixture_close(&f);

  fixture_open(&f, run);                /* never resent by itself */
  describe(&c, 2, 15, "{}");
  CHECK(sf_call_start(&f.rt, &c) == SF_NEXT_DONE);
  CHECK(c.kind == SF_KIND_NETWORK && c.outcome_unknown);
  CHECK(strstr(c.message, "--resend-unknown") != NULL);
  CHECK(sf_http_busy(&f.rt.http) == 0 && !sf_http_has_held(&f.rt.http));
  sf_call_release(&c);
  f.rt.resend_unknown = 1;              /* unless the user says so */
  describe(&c, 2, 15, "{}");
  CHECK(sf_call_start(&f.rt, &c) == SF_NEXT_WAIT);
  CHECK(sf_http_has_held(&f.rt.http));
  sf_call_release(&c);
  fixture_close(&f);
}

static void test_refusals (void) {
  Fixture f;
  SfCall c;
  fixture_open(&f, NULL);
  /* 429: refused and not charged, so retried -- as the same step */
  describe(&c, 3, 15, "{}");
  CHECK(sf_call_start(&f.rt, &c) == SF_NEXT_WAIT);
  sf_http_release_held(&f.rt.http, NULL);
  answer(&c, 429, "{\"message\":\"slow down\"}");
  snprintf(c.req.retry_after, sizeof(c.req.retry_after), "0");
  CHECK(sf_call_finish(&f.rt, &c, NULL) == SF_NEXT_SLEEP);
  CHECK(c.delay == 0);
  CHECK(state_of(&f, &c, NULL) == SF_STEP_REFUSED);
  CHECK(f.rt.spent == 0);
  CHECK(sf_call_again(&f.rt, &c) == SF_NEXT_WAIT);
  CHECK(state_of(&f, &c, NULL) == SF_STEP_INTENT && f.rt.spent == 15);
  sf_http_release_held(&f.rt.http, NULL);
  answer(&c, 200, "{\"task_id\":\"task-1\"}");
  CHECK(sf_call_finish(&f.rt, &c, &with_id) == SF_NEXT_DONE);
  CHECK(c.kind == SF_KIND_NONE && state_of(&f, &c, NULL) == SF_STEP_ANSWERED);
  sf_call_release(&c);
  /* a 403 for credits: the service's kind, nothing charged, no retry */
  describe(&c, 4, 15, "{}");
  CHECK(sf_call_start(&f.rt, &c) == SF_NEXT_WAIT);
  sf_http_release_held(&f.rt.http, NULL);
  answer(&c, 403, "{\"message\":\"The remaining credits are not enough.\"}");
  CHECK(sf_call_finish(&f.rt, &c, NULL) == SF_NEXT_DONE);
  CHECK(c.kind == SF_KIND_INSUFFICIENT_CREDITS && c.message_from_body);
  CHECK(!c.outcome_unknown && f.rt.spent == 15);
  sf_call_release(&c);
  /* a 500 after sending: maybe charged, never retried */
  describe(&c, 5, 15, "{}");
  CHECK(sf_call_start(&f.rt, &c) == SF_NEXT_WAIT);
  sf_http_release_held(&f.rt.http, NULL);
  answer(&c, 500, "Internal Server Error.");
  CHECK(sf_call_finish(&f.rt, &c, NULL) == SF_NEXT_DONE);
  CHECK(c.kind == SF_KIND_SERVER && c.outcome_unknown);
  CHECK(state_of(&f, &c, NULL) == SF_STEP_UNKNOWN && f.rt.spent == 30);
  sf_call_release(&c);
  fixture_close(&f);
}

static void test_unreadable_answers (void) {
  Fixture f;
  SfCall c;
  SfAnswerView html = {0, NULL}, no_id = {1, NULL};
  fixture_open(&f, NULL);
  describe(&c, 6, 15, "{}");
  CHECK(sf_call_start(&f.rt, &c) == SF_NEXT_WAIT);
  sf_http_release_held(&f.rt.http, NULL);
  answer(&c, 200, "<html>maintenance</html>");
  CHECK(sf_call_finish(&f.rt, &c, &html) == SF_NEXT_DONE);
  CHECK(c.kind == SF_KIND_SERVER && c.outcome_unknown);
  CHECK(state_of(&f, &c, NULL) == SF_STEP_UNKNOWN);  /* not "answered" */
  sf_call_release(&c);
  describe(&c, 7, 15, "{}");
  CHECK(sf_call_start(&f.rt, &c) == SF_NEXT_WAIT);
  sf_http_release_held(&f.rt.http, NULL);
  answer(&c, 200, "{\"message\":\"success\"}");
  CHECK(sf_call_finish(&f.rt, &c, &no_id) == SF_NEXT_DONE);
  CHECK(c.kind == SF_KIND_SERVER && c.outcome_unknown);
  CHECK(strstr(c.message, "no task id") != NULL);
  CHECK(state_of(&f, &c, NULL) == SF_STEP_UNKNOWN);
  sf_call_release(&c);
  fixture_close(&f);
}

static void test_budget_and_journal_failure (void) {
  Fixture f;
  SfCall c;
  fixture_open(&f, NULL);
  f.rt.budget = 20;
  f.rt.spent = 10;
  describe(&c, 8, 15, "{}");
  CHECK(sf_call_start(&f.rt, &c) == SF_NEXT_DONE);
  CHECK(c.kind == SF_KIND_BUDGET && f.rt.spent == 10);
  CHECK(state_of(&f, &c, NULL) == SF_STEP_NONE);    /* nothing recorded */
  CHECK(!sf_http_has_held(&f.rt.http));
  sf_call_release(&c);
  f.rt.budget = -1;
  /* the loop could not commit the intent: the call never leaves, and
  ** it is not retried as if the network had failed */
  describe(&c, 9, 15, "{}");
  CHECK(sf_call_start(&f.rt, &c) == SF_NEXT_WAIT);
  sf_http_release_held(&f.rt.http, "the journal could not be written");
  CHECK(c.req.fail == SF_FAIL_JOURNAL);
  CHECK(sf_call_finish(&f.rt, &c, NULL) == SF_NEXT_DONE);
  CHECK(c.kind == SF_KIND_IO && !c.outcome_unknown);
  CHECK(state_of(&f, &c, NULL) == SF_STEP_REFUSED && f.rt.spent == 10);
  sf_call_release(&c);
  fixture_close(&f);
}

static void test_free_reads (void) {
  Fixture f;
  SfCall c;
  SfAnswerView obj = {1, NULL};
  fixture_open(&f, NULL);
  memset(&c, 0, sizeof(c));
  c.cls = SF_CALL_READ;
  c.path = "sonic/task/abc";
  CHECK(sf_call_start(&f.rt, &c) == SF_NEXT_WAIT);
  CHECK(!sf_http_has_held(&f.rt.http));   /* nothing to journal first */
  answer(&c, 503, "busy");
  CHECK(sf_call_finish(&f.rt, &c, NULL) == SF_NEXT_SLEEP);
  CHECK(sf_call_again(&f.rt, &c) == SF_NEXT_WAIT);
  answer(&c, 400, "{\"type\":\"bad_request\",\"message\":\"task not found.\"}");
  CHECK(sf_call_finish(&f.rt, &c, &obj) == SF_NEXT_DONE);
  CHECK(c.kind == SF_KIND_BAD_REQUEST && c.status == 400);
  sf_call_release(&c);
  fixture_close(&f);
}

int main (void) {
  char dir[] = "/tmp/sf-test-steps-XXXXXX";
  if (mkdtemp(dir) == NULL)
    return 1;
  snprintf(journal_path, sizeof(journal_path), "%s/journal.db", dir);
  test_send_and_replay();
  test_lost_answer();
  test_refusals();
  test_unreadable_answers();
  test_budget_and_journal_failure();
  test_free_reads();
  unlink(journal_path);
  snprintf(journal_path, sizeof(journal_path), "rm -rf %s", dir);
  if (system(journal_path) != 0)
    return 1;
  return CHECK_DONE();
}
