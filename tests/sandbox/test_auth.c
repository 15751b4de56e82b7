/*
** test_auth.c -- PROTOCOL.md "Transport": the 401 answers and their exact
** messages, --key (repeatable), and the two error body shapes.
*/
#include <stdio.h>
#include <string.h>

#include "sbx_harness.h"

#define MISSING "Authorization header is missing."
#define BADFMT "Invalid authorization format."
#define NOCREDITS "The remaining credits are not enough. You can buy " \
                  "more one-time credit packs or subscribe."

/* One request with a given Authorization value (or none). */
static void call_with (SbxServer *s, const char *method, const char *path,
                       const char *auth, SbxResp *r) {
  SbxReq q = {0};
  q.url = path;
  q.auth = auth;
  if (strcmp(method, "POST") == 0)
    q.body = "{\"custom_mode\":false,\"mv\":\"sonic-v5\","
             "\"gpt_description_prompt\":\"auth test\"}";
  sbx_http(s, &q, r);
}

static void expect_401 (SbxServer *s, const char *method, const char *path,
                        const char *auth, const char *msg) {
  SbxResp r;
  char what[200];
  snprintf(what, sizeof(what), "%s %s with Authorization '%s'", method,
           path, auth[0] ? auth : "(none)");
  call_with(s, method, path, auth, &r);
  sbx_expect_error(s, &r, 401, msg, what);
  sbx_resp_free(&r);
}

static void expect_ok (SbxServer *s, const char *auth) {
  SbxResp r;
  call_with(s, "GET", SBX_API "/get-credits", auth, &r);
  SBX_CHECK(r.status == 200, "Authorization '%s': HTTP %ld, want 200",
            auth, r.status);
  sbx_resp_free(&r);
}

static const char *const paths[][2] = {
  { "GET", SBX_API "/get-credits" },
  { "POST", SBX_API "/sonic/create" },
  { "GET", SBX_API "/sonic/task/7b0c6f3e-2f7e-4c4e-9c55-3d0c1a2b3c4d" },
  { "POST", SBX_API "/sonic/lyrics" },
};

static void test_any_key (void) {
  SbxServer s;
  long long before, accepted = -1;
  size_t i;
  sbx_case("no --key: 401 messages, any non-empty bearer accepted");
  if (sbx_start(&s, "--speed 200 --clip-seconds 3 --credits 100") != 0)
    return;
  before = sbx_total_credits(&s);
  for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    expect_401(&s, paths[i][0], paths[i][1], SBX_NOAUTH, MISSING);
    expect_401(&s, paths[i][0], paths[i][1], "Basic x", BADFMT);
    expect_401(&s, paths[i][0], paths[i][1], "Bearer", BADFMT);
  }
  expect_401(&s, "GET", SBX_API "/get-credits", "Token abc", BADFMT);
  expect_401(&s, "GET", SBX_API "/get-credits", "abc", BADFMT);
  expect_401(&s, "GET", SBX_API "/get-credits", "Basic dXNlcjpwYXNz",
             BADFMT);
  expect_ok(&s, "Bearer anything-at-all");
  expect_ok(&s, "Bearer x");
  SBX_EQ_INT(sbx_total_credits(&s), before, "credits after rejected calls");
  SBX_CHECK(sbx_ledger_int(&s, "creates_accepted", &accepted) == 0 &&
            accepted == 0, "ledger creates_accepted %lld, want 0",
            accepted);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

static void test_with_keys (void) {
  SbxServer s;
  long long before;
  sbx_case("--key K1 --key K2: only those keys");
  if (sbx_start(&s, "--key K1-secret --key K2-secret --credits 100") != 0)
    return;
  before = sbx_total_credits(&s);           /* helper sends K1 */
  SBX_EQ_INT(before, 100, "credits with the right key");
  expect_ok(&s, "Bearer K1-secret");
  expect_ok(&s, "Bearer K2-secret");
  expect_401(&s, "GET", SBX_API "/get-credits", "Bearer wrong", NULL);
  expect_401(&s, "POST", SBX_API "/sonic/create", "Bearer K1-secre", NULL);
  expect_401(&s, "POST", SBX_API "/sonic/create", "Bearer K1-secretX",
             NULL);
  expect_401(&s, "GET", SBX_API "/get-credits", SBX_NOAUTH, MISSING);
  expect_401(&s, "GET", SBX_API "/get-credits", "Basic K1-secret", BADFMT);
  SBX_EQ_INT(sbx_total_credits(&s), before, "nothing charged");
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

static void test_single_key (void) {
  SbxServer s;
  sbx_case("--key K: other keys 401");
  if (sbx_start(&s, "--key only-this") != 0)
    return;
  expect_ok(&s, "Bearer only-this");
  expect_401(&s, "GET", SBX_API "/get-credits", "Bearer other", NULL);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

static void test_code_shape (void) {
  SbxServer s;
  SbxResp r;
  sbx_case("--error-shape code: {\"code\",\"message\"}");
  if (sbx_start(&s, "--error-shape code --credits 5 --extra-credits 0")
      != 0)
    return;
  expect_401(&s, "GET", SBX_API "/get-credits", SBX_NOAUTH, MISSING);
  expect_401(&s, "GET", SBX_API "/get-credits", "Basic x", BADFMT);
  sbx_get(&s, SBX_API "/sonic/task/7b0c6f3e-2f7e-4c4e-9c55-3d0c1a2b3c4d",
          &r);
  sbx_expect_error(&s, &r, 400, "task not found.", "unknown task");
  sbx_resp_free(&r);
  sbx_post(&s, SBX_API "/sonic/create", "{\"custom_mode\":false,\"mv\":"
           "\"sonic-v5\",\"gpt_description_prompt\":\"x\",\"title\":\""
           "012345678901234567890123456789012345678901234567890123456789"
           "012345678901234567890\"}", &r);
  sbx_expect_error(&s, &r, 400, "The title character length should be "
                   "less than 80.", "title of 81");
  sbx_resp_free(&r);
  sbx_post(&s, SBX_API "/sonic/create", "{\"custom_mode\":false,\"mv\":"
           "\"sonic-v5\",\"gpt_description_prompt\":\"x\"}", &r);
  sbx_expect_error(&s, &r, 403, NOCREDITS, "create with 5 credits");
  sbx_resp_free(&r);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

static void test_type_shape_values (void) {
  SbxServer s;
  SbxResp r;
  sbx_case("default shape: type/error/message for 400/401/403");
  if (sbx_start(&s, "--credits 0 --extra-credits 0") != 0)
    return;
  sbx_get(&s, SBX_API "/sonic/task/7b0c6f3e-2f7e-4c4e-9c55-3d0c1a2b3c4d",
          &r);
  sbx_expect_error(&s, &r, 400, "task not found.", "unknown task");
  sbx_resp_free(&r);
  sbx_post(&s, SBX_API "/sonic/create", "{\"custom_mode\":false,\"mv\":"
           "\"sonic-v5\",\"gpt_description_prompt\":\"x\"}", &r);
  sbx_expect_error(&s, &r, 403, NOCREDITS, "create with 0 credits");
  sbx_resp_free(&r);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

int main (int argc, char **argv) {
  sbx_init(argc, argv);
  test_any_key();
  test_with_keys();
  test_single_key();
  test_code_shape();
  test_type_shape_values();
  return sbx_finish();
}
