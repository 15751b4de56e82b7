/*
** test_faults.c -- issue 2 item 7: injected 500, 504, 429 (Retry-After)
** answered before processing (nothing charged); slow answers after
** --slow-ms; dropped connections after processing (a create is charged);
** truncated audio; all deterministic under --seed.
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_harness.h"

#define BASE "--speed 500 --clip-seconds 3 --credits 1000 --extra-credits 0"
#define NSEQ 24

/* Credits and accepted creates from the debug ledger. The debug endpoint
** is not part of the API, so faults should not hit it. */
static int ledger_state (SbxServer *s, long long *credits,
                         long long *accepted) {
  return sbx_ledger_int(s, "credits", credits) == 0 &&
         sbx_ledger_int(s, "creates_accepted", accepted) == 0 ? 0 : -1;
}

/* The --state file of the current fault server: when the debug ledger
** itself is hit by faults, the charges are read after a restart without
** faults instead, so "nothing charged" is still verified. */
static char g_state[256];

static void expect_ledger (SbxServer *s, long long credits,
                           long long accepted, const char *what) {
  long long c = -1, a = -1;
  char opts[400];
  SbxServer s2;
  if (ledger_state(s, &c, &a) != 0) {
    SBX_CHECK(0, "%s: GET /_sandbox/ledger should work under faults "
              "(reading it after a restart instead)", what);
    sbx_stop(s);
    snprintf(opts, sizeof(opts), "--state %s", g_state);
    if (sbx_start(&s2, opts) != 0 || ledger_state(&s2, &c, &a) != 0)
      SBX_CHECK(0, "%s: no ledger after restart either", what);
    if (s2.pid > 0)
      sbx_stop(&s2);
    *s = s2;
    s->pid = 0;
  }
  SBX_CHECK(c == credits && a == accepted, "%s: ledger credits %lld and "
            "creates_accepted %lld, want %lld and %lld", what, c, a,
            credits, accepted);
}

/* Start a fault server with a fresh --state file. */
static int start_faulty (SbxServer *s, const char *opts) {
  char all[512];
  sbx_temp_path(g_state, sizeof(g_state), ".db");
  snprintf(all, sizeof(all), "%s --state %s", opts, g_state);
  return sbx_start(s, all);
}

/* Stop unless expect_ledger already did; 0 when it exited cleanly. */
static int stop_faulty (SbxServer *s) {
  int rc = s->pid > 0 ? sbx_stop(s) : 0;
  sbx_remove_db(g_state);
  return rc;
}

static const char *create_body = "{\"custom_mode\":false,\"mv\":"
  "\"sonic-v5\",\"gpt_description_prompt\":\"fault test\"}";

/* Every API call answers 'status' with 'msg' and nothing is charged. */
static void test_error_fault (const char *fault, long status,
                              const char *msg, const char *name) {
  SbxServer s;
  SbxResp r;
  char opts[256], ra[128];
  int i;
  sbx_case(name);
  snprintf(opts, sizeof(opts), BASE " --seed 1 --faults %s", fault);
  if (start_faulty(&s, opts) != 0)
    return;
  for (i = 0; i < 3; i++) {
    sbx_post(&s, SBX_API "/sonic/create", create_body, &r);
    sbx_expect_error(&s, &r, status, msg, "create");
    if (status == 429) {
      const char *v = sbx_header(&r, "Retry-After", ra, sizeof(ra));
      SBX_CHECK(v != NULL && (strspn(v, "0123456789") == strlen(v) ||
                              strstr(v, "GMT") != NULL),
                "429 should carry Retry-After (seconds or HTTP date), got "
                "%s", v ? v : "(none)");
    }
    sbx_resp_free(&r);
  }
  sbx_get(&s, SBX_API "/get-credits", &r);
  sbx_expect_error(&s, &r, status, msg, "get-credits");
  sbx_resp_free(&r);
  sbx_post(&s, SBX_API "/sonic/lyrics", "{\"description\":\"x\"}", &r);
  sbx_expect_error(&s, &r, status, msg, "lyrics");
  sbx_resp_free(&r);
  expect_ledger(&s, 1000, 0, name);
  SBX_EQ_INT(stop_faulty(&s), 0, "exit code");
}

static void test_slow (const char *opts, double min_s, const char *name) {
  SbxServer s;
  SbxResp r;
  char id[64];
  sbx_case(name);
  if (start_faulty(&s, opts) != 0)
    return;
  sbx_get(&s, SBX_API "/get-credits", &r);
  /* 2 ms of slack for timer granularity on either side */
  SBX_CHECK(r.status == 200 && r.secs >= min_s - 0.002 &&
            r.secs < min_s + 5, "slow get-credits: HTTP %ld after %.4f s, "
            "want 200 after >= %.3f s", r.status, r.secs, min_s);
  sbx_resp_free(&r);
  if (min_s < 1.0) {                        /* skip the long default */
    double t0 = sbx_now();
    SBX_EQ_INT(sbx_submit(&s, "/sonic/create", create_body, id, sizeof(id)),
               200, "slow create still succeeds");
    SBX_CHECK(sbx_now() - t0 >= min_s - 0.002, "slow create took %.4f s",
              sbx_now() - t0);
    expect_ledger(&s, 985, 1, "slow create is charged normally");
  }
  SBX_EQ_INT(stop_faulty(&s), 0, "exit code");
}

static void test_drop (void) {
  SbxServer s;
  SbxResp r;
  sbx_case("drop=1: create answered with nothing, but charged");
  if (start_faulty(&s, BASE " --seed 1 --faults drop=1") != 0)
    return;
  sbx_post(&s, SBX_API "/sonic/create", create_body, &r);
  SBX_CHECK(r.status == 0 && r.cc != CURLE_OK, "dropped create: HTTP %ld, "
            "curl %d; want no answer", r.status, (int)r.cc);
  sbx_resp_free(&r);
  expect_ledger(&s, 985, 1, "after a dropped create");
  SBX_EQ_INT(stop_faulty(&s), 0, "exit code");
}

static void test_truncate (void) {
  SbxServer s;
  SbxJson *a;
  SbxResp r;
  char cl[64];
  long long want;
  char *body = sbx_song_body("truncated", NULL);
  sbx_case("truncate=1: audio shorter than Content-Length");
  if (start_faulty(&s, BASE " --seed 1 --faults truncate=1") != 0) {
    free(body);
    return;
  }
  a = sbx_run(&s, "/sonic/create", body, 20.0);
  free(body);
  if (SBX_CHECK(a != NULL, "API calls are not truncated")) {
    sbx_fetch(&s, sbx_clip_str(a, 0, "audio_url"), &r);
    want = sbx_header(&r, "Content-Length", cl, sizeof(cl)) ? atoll(cl) : -1;
    SBX_CHECK(r.status == 200 && want > 0 && (long long)r.len < want,
              "truncated download: HTTP %ld, %zu of %lld bytes", r.status,
              r.len, want);
    SBX_CHECK(r.cc == CURLE_PARTIAL_FILE, "curl should see a partial file "
              "(18), got %d", (int)r.cc);
    sbx_resp_free(&r);
  }
  sbx_json_free(a);
  SBX_EQ_INT(stop_faulty(&s), 0, "exit code");
}

/* NSEQ creates under mixed faults: the status sequence, and the ledger
** must charge exactly the 200s. */
static int fault_sequence (const char *faults, int seed, long *seq) {
  SbxServer s;
  char opts[256];
  int i, n200 = 0;
  snprintf(opts, sizeof(opts), BASE " --seed %d --faults %s", seed, faults);
  if (start_faulty(&s, opts) != 0)
    return -1;
  for (i = 0; i < NSEQ; i++) {
    SbxResp r;
    sbx_post(&s, SBX_API "/sonic/create", create_body, &r);
    seq[i] = r.status;
    n200 += r.status == 200;
    SBX_CHECK(r.status == 200 || r.status == 500 || r.status == 504 ||
              r.status == 429, "status %ld under faults %s", r.status,
              faults);
    sbx_resp_free(&r);
  }
  expect_ledger(&s, 1000 - 15 * n200, n200, "charged exactly the "
                "accepted creates");
  SBX_EQ_INT(stop_faulty(&s), 0, "exit code");
  return 0;
}

static void print_seq (const char *what, const long *seq) {
  char line[NSEQ * 4 + 1];
  int i;
  for (i = 0; i < NSEQ; i++)
    snprintf(line + 4 * i, 5, "%3ld ", seq[i]);
  sbx_note("%s: %s", what, line);
}

static int has (const long *seq, long v) {
  int i;
  for (i = 0; i < NSEQ; i++)
    if (seq[i] == v)
      return 1;
  return 0;
}

static void test_determinism (void) {
  const char *f = "500=0.25,504=0.25,429=0.25";
  long a[NSEQ], b[NSEQ], c[NSEQ];
  sbx_case("mixed faults are deterministic under --seed");
  if (fault_sequence(f, 42, a) || fault_sequence(f, 42, b) ||
      fault_sequence(f, 43, c))
    return;
  print_seq("seed 42", a);
  print_seq("seed 42", b);
  print_seq("seed 43", c);
  SBX_CHECK(memcmp(a, b, sizeof(a)) == 0, "same --seed, same faults: "
            "sequences differ");
  SBX_CHECK(memcmp(a, c, sizeof(a)) != 0, "--seed 42 and 43 gave the same "
            "%d-request fault sequence", NSEQ);
  SBX_CHECK(has(a, 200) && has(a, 500) && has(a, 504) && has(a, 429),
            "rates of 0.25 each over %d requests should show all four "
            "outcomes", NSEQ);
}

int main (int argc, char **argv) {
  sbx_init(argc, argv);
  test_error_fault("500=1", 500, "Internal Server Error.", "500=1");
  test_error_fault("504=1", 504, "Task failed due to timeout. Credits were "
                   "previously refunded.", "504=1");
  test_error_fault("429=1", 429, NULL, "429=1 with Retry-After");
  test_slow(BASE " --faults slow=1 --slow-ms 300", 0.3,
            "slow=1 --slow-ms 300");
  test_slow(BASE " --faults slow=1", 2.0, "slow=1 default 2000 ms");
  test_drop();
  test_truncate();
  test_determinism();
  return sbx_finish();
}
