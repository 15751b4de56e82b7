/*
** test_account.c -- PROTOCOL.md "Account limits" and the mv paragraph
** (issue 14): the pace of paid task calls (--rate-limit, 429 with
** Retry-After, charged nothing, scaled by --speed, 0 = off) and the
** accepted models (--models; the v6 names by default; an unknown mv is the
** service's 400 listing the accepted names).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_harness.h"

#define MV_INVALID "The 'mv' field is invalid. Accepted values: "

static char *song (const char *mv, const char *tags) {
  SbxBuf b = {0};
  sbx_buf_printf(&b, "{\"custom_mode\":false,\"gpt_description_prompt\":"
                 "\"a song\",\"mv\":\"%s\"", mv);
  if (tags != NULL) {
    sbx_buf_printf(&b, ",\"tags\":");
    sbx_buf_jstr(&b, tags);
  }
  sbx_buf_printf(&b, "}");
  return b.p;
}

/* POST a create of model 'mv'; the status, and the answer in 'r'. */
static long create (SbxServer *s, const char *mv, SbxResp *r) {
  char *body = song(mv, NULL);
  sbx_post(s, SBX_API "/sonic/create", body, r);
  free(body);
  return r->status;
}

static long long creates_charged (SbxServer *s) {
  SbxJson *l = sbx_ledger(s), *charges = sbx_jfield(l, "charges");
  long long n = 0;
  size_t i;
  for (i = 0; i < sbx_jlen(charges); i++) {
    const char *kind = sbx_jstr(sbx_jfield(sbx_jat(charges, i), "kind"));
    n += kind != NULL && !strcmp(kind, "create_music");
  }
  sbx_json_free(l);
  return n;
}

static void test_pace (void) {
  SbxServer s;
  SbxResp r;
  char h[64];
  long long before;
  sbx_case("--rate-limit 2: a second create within 2 s is 429, free");
  if (sbx_start(&s, "--speed 1 --rate-limit 2 --clip-seconds 3") != 0)
    return;
  SBX_EQ_INT(create(&s, "sonic-v5", &r), 200, "first create");
  sbx_resp_free(&r);
  before = sbx_total_credits(&s);
  SBX_EQ_INT(create(&s, "sonic-v5", &r), 429, "second create at once");
  sbx_expect_error(&s, &r, 429, NULL, "the 429's body");
  SBX_EQ_STR(sbx_header(&r, "Retry-After", h, sizeof(h)), "2",
             "Retry-After (whole seconds)");
  SBX_EQ_STR(sbx_header(&r, "X-Sandbox-Paid-Interval", h, sizeof(h)), "2",
             "X-Sandbox-Paid-Interval (the exact pace)");
  sbx_resp_free(&r);
  SBX_EQ_INT(sbx_total_credits(&s), before, "credits after the 429");
  /* stems are a paid task call too */
  sbx_post(&s, SBX_API "/sonic/stems/basic",
           "{\"clip_id\":\"00000000-0000-4000-8000-000000000000\"}", &r);
  SBX_EQ_INT(r.status, 429, "stems within the window");
  sbx_resp_free(&r);
  /* free calls are not paced */
  sbx_get(&s, SBX_API "/get-credits", &r);
  SBX_EQ_INT(r.status, 200, "get-credits within the window");
  sbx_resp_free(&r);
  sbx_sleep(2.1);
  SBX_EQ_INT(create(&s, "sonic-v5", &r), 200, "a create after the window");
  sbx_resp_free(&r);
  SBX_EQ_INT(creates_charged(&s), 2, "creates in the ledger");
  sbx_stop(&s);
}

static void test_pace_scaled_and_off (void) {
  SbxServer s;
  SbxResp r;
  char h[64];
  int i, ok = 0;
  sbx_case("--rate-limit is scaled by --speed");
  if (sbx_start(&s, "--speed 10 --rate-limit 3 --clip-seconds 3") == 0) {
    create(&s, "sonic-v5", &r);
    sbx_resp_free(&r);
    SBX_EQ_INT(create(&s, "sonic-v5", &r), 429, "second create at once");
    SBX_EQ_STR(sbx_header(&r, "X-Sandbox-Paid-Interval", h, sizeof(h)),
               "0.3", "the pace at --speed 10 (3 s / 10)");
    SBX_EQ_STR(sbx_header(&r, "Retry-After", h, sizeof(h)), "1",
               "Retry-After rounds up to a whole second");
    sbx_resp_free(&r);
    sbx_sleep(0.35);
    SBX_EQ_INT(create(&s, "sonic-v5", &r), 200, "after 0.35 s");
    sbx_resp_free(&r);
    sbx_stop(&s);
  }
  sbx_case("--rate-limit 0: back-to-back creates all accepted");
  if (sbx_start(&s, "--speed 1 --rate-limit 0 --clip-seconds 3") != 0)
    return;
  for (i = 0; i < 5; i++) {
    ok += create(&s, "sonic-v5", &r) == 200;
    sbx_resp_free(&r);
  }
  SBX_EQ_INT(ok, 5, "creates accepted");
  SBX_EQ_INT(creates_charged(&s), 5, "creates in the ledger");
  sbx_stop(&s);
}

static void test_models_default (void) {
  static const char *const v6[] = { "sonic-v6", "sonic-v6-wild",
                                    "sonic-v6-mini", NULL };
  SbxServer s;
  SbxResp r;
  const char *msg;
  int i;
  sbx_case("default models: the v6 names are accepted");
  if (sbx_start(&s, "--speed 100 --rate-limit 0 --clip-seconds 3") != 0)
    return;
  for (i = 0; v6[i] != NULL; i++) {
    char what[64];
    snprintf(what, sizeof(what), "create with mv %s", v6[i]);
    SBX_EQ_INT(create(&s, v6[i], &r), 200, what);
    sbx_resp_free(&r);
  }
  sbx_case("an unknown mv: 400 listing the accepted names, free");
  SBX_EQ_INT(create(&s, "sonic-v9", &r), 400, "create with mv sonic-v9");
  msg = sbx_jstr(sbx_jfield(r.json, "message"));
  SBX_CHECK(msg != NULL && !strncmp(msg, MV_INVALID, strlen(MV_INVALID)) &&
            strstr(msg, "sonic-v5-5, sonic-v6, sonic-v6-wild, "
                   "sonic-v6-mini.") != NULL,
            "message lists the accepted names: %s", msg ? msg : "(none)");
  sbx_resp_free(&r);
  SBX_EQ_INT(creates_charged(&s), 3, "creates in the ledger");
  sbx_stop(&s);
}

static void test_models_option (void) {
  SbxServer s;
  SbxResp r;
  char *body;
  SbxBuf tags = {0};
  sbx_case("--models sonic-v6,sonic-v7-preview: only those");
  if (sbx_start(&s, "--speed 100 --rate-limit 0 --clip-seconds 3 "
                "--models sonic-v6,sonic-v7-preview") != 0)
    return;
  SBX_EQ_INT(create(&s, "sonic-v6", &r), 200, "create with mv sonic-v6");
  sbx_resp_free(&r);
  SBX_EQ_INT(create(&s, "sonic-v5", &r), 400, "create with mv sonic-v5");
  sbx_expect_error(&s, &r, 400, MV_INVALID "sonic-v6, sonic-v7-preview.",
                   "the 400 lists --models");
  sbx_resp_free(&r);
  /* a name the sandbox's table lacks gets the newer models' limits */
  sbx_buf_rep(&tags, "x", 900);
  body = song("sonic-v7-preview", tags.p);
  sbx_post(&s, SBX_API "/sonic/create", body, &r);
  SBX_EQ_INT(r.status, 200, "900-character tags on a model named by --models");
  sbx_resp_free(&r);
  free(body);
  sbx_buf_free(&tags);
  sbx_stop(&s);
}

int main (int argc, char **argv) {
  sbx_init(argc, argv);
  test_pace();
  test_pace_scaled_and_off();
  test_models_default();
  test_models_option();
  return sbx_finish();
}
