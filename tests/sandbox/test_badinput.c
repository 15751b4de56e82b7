/*
** test_badinput.c -- issue 2 "Bad input": malformed JSON, wrong types,
** bodies over 1 MiB (413), unknown paths (404 JSON), unknown methods (405
** JSON), deep nesting; none of it charges, and the server keeps serving,
** also under 200 concurrent connections and 200 idle ones.
*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sbx_harness.h"

#define NCONC 200

static void expect_400 (SbxServer *s, const char *path, const char *body,
                        const char *what) {
  SbxResp r;
  sbx_post(s, path, body, &r);
  sbx_expect_error(s, &r, 400, NULL, what);
  sbx_resp_free(&r);
}

static void test_malformed (SbxServer *s) {
  static const char *const bodies[] = {
    "{", "not json", "{\"mv\":}", "", "[]", "null", "123", "\"str\"",
    "{\"custom_mode\":false,\"mv\":\"sonic-v5\",\"gpt_description_prompt\":"
    "\"x\"}garbage",
    "{\"custom_mode\":false,\"mv\":\"sonic-v5\",}",
    "{\"custom_mode\":false,\"mv\":\"sonic-v5\",\"gpt_description_prompt\":"
    "\"x\"",
    "{'custom_mode':false}", "{\"a\":1}{\"b\":2}", NULL
  };
  int i;
  sbx_case("malformed JSON bodies: 400 JSON errors");
  for (i = 0; bodies[i] != NULL; i++) {
    char what[80];
    snprintf(what, sizeof(what), "create body '%.40s'", bodies[i]);
    expect_400(s, SBX_API "/sonic/create", bodies[i], what);
  }
}

static void test_deep_nesting (SbxServer *s) {
  SbxBuf b = {0};
  sbx_case("200000 nested arrays: 400, no crash");
  sbx_buf_rep(&b, "[", 200000);
  sbx_buf_rep(&b, "]", 200000);
  expect_400(s, SBX_API "/sonic/create", b.p, "deeply nested body");
  sbx_buf_free(&b);
  SBX_CHECK(sbx_total_credits(s) >= 0, "server alive after deep nesting");
}

static void test_wrong_types (SbxServer *s) {
  static const char *const cases[][2] = {
    { "/sonic/create", "{\"custom_mode\":false,\"mv\":5,"
      "\"gpt_description_prompt\":\"x\"}" },
    { "/sonic/create", "{\"custom_mode\":false,\"mv\":\"sonic-v5\","
      "\"gpt_description_prompt\":123}" },
    { "/sonic/create", "{\"task_type\":7,\"custom_mode\":false,\"mv\":"
      "\"sonic-v5\",\"gpt_description_prompt\":\"x\"}" },
    { "/sonic/create", "{\"task_type\":\"nonsense\",\"custom_mode\":false,"
      "\"mv\":\"sonic-v5\",\"gpt_description_prompt\":\"x\"}" },
    { "/sonic/create", "{\"custom_mode\":true,\"mv\":\"sonic-v5\",\"prompt\":"
      "\"x\",\"title\":[\"x\"]}" },
    { "/sonic/create", "{\"custom_mode\":true,\"mv\":\"sonic-v5\",\"prompt\":"
      "\"x\",\"tags\":{\"a\":1}}" },
    { "/sonic/create", "{\"task_type\":\"extend_music\",\"continue_clip_id\":"
      "\"x\",\"continue_at\":\"abc\",\"mv\":\"sonic-v5\"}" },
    { "/sonic/create", "{\"custom_mode\":false,\"mv\":\"sonic-v5\","
      "\"gpt_description_prompt\":\"x\",\"style_weight\":\"high\"}" },
    { "/sonic/create", "{\"custom_mode\":false,\"mv\":\"sonic-v5\","
      "\"gpt_description_prompt\":\"x\",\"style_weight\":2}" },
    { "/sonic/create", "{\"custom_mode\":false,\"mv\":\"sonic-v5\","
      "\"gpt_description_prompt\":\"x\",\"vocal_gender\":\"x\"}" },
    { "/sonic/stems/basic", "{" },
    { "/sonic/stems/basic", "{\"clip_id\":5}" },
    { "/sonic/stems/full", "{}" },
    { "/sonic/wav", "{\"clip_id\":null}" },
    { "/sonic/upload", "{\"url\":7}" },
    { "/sonic/upload", "{}" },
    { "/sonic/lyrics", "{}" },
    { "/sonic/lyrics", "{\"description\":5}" },
    { "/sonic/midi", "[]" },
  };
  size_t i;
  sbx_case("wrong types and missing fields: 400");
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char path[80], what[160];
    snprintf(path, sizeof(path), SBX_API "%s", cases[i][0]);
    snprintf(what, sizeof(what), "%s %.60s", cases[i][0], cases[i][1]);
    expect_400(s, path, cases[i][1], what);
  }
}

/* A JSON create body of exactly 'size' bytes, invalid by its title. */
static char *sized_body (size_t size) {
  SbxBuf b = {0};
  sbx_buf_printf(&b, "{\"custom_mode\":true,\"mv\":\"sonic-v5\",\"prompt\":"
                 "\"la\",\"title\":\"");
  sbx_buf_rep(&b, "t", 81);
  sbx_buf_printf(&b, "\",\"pad\":\"");
  sbx_buf_rep(&b, "p", size - b.len - 2);
  sbx_buf_printf(&b, "\"}");
  return b.p;
}

static void post_sized (SbxServer *s, size_t size, int expect100,
                        long want, const char *what) {
  SbxReq q = {0};
  SbxResp r;
  char *body = sized_body(size);
  q.url = SBX_API "/sonic/create";
  q.body = body;
  q.body_len = size;
  q.timeout_ms = 20000;
  if (expect100)
    q.headers[0] = "Expect: 100-continue";
  sbx_http(s, &q, &r);
  if (want == 400)
    sbx_expect_error(s, &r, 400, "The title character length should be "
                     "less than 80.", what);
  else
    sbx_expect_error(s, &r, want, NULL, what);
  sbx_resp_free(&r);
  free(body);
}

static void test_oversized (SbxServer *s) {
  sbx_case("bodies over 1 MiB: 413");
  post_sized(s, 1048576, 0, 400, "body of exactly 1 MiB (not too large)");
  post_sized(s, 1048577, 0, 413, "body of 1 MiB + 1");
  post_sized(s, 3 * 1048576, 0, 413, "body of 3 MiB");
  post_sized(s, 3 * 1048576, 1, 413, "body of 3 MiB with Expect");
  SBX_CHECK(sbx_total_credits(s) >= 0, "server alive after big bodies");
}

static void call (SbxServer *s, const char *method, const char *path,
                  long want) {
  SbxReq q = {0};
  SbxResp r;
  char what[160];
  q.method = method;
  q.url = path;
  if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
    q.body = "{}";
  sbx_http(s, &q, &r);
  snprintf(what, sizeof(what), "%s %s", method, path);
  sbx_expect_error(s, &r, want, NULL, what);
  sbx_resp_free(&r);
}

static void test_paths_methods (SbxServer *s) {
  sbx_case("unknown paths 404, unknown methods 405, JSON bodies");
  call(s, "GET", SBX_API "/nope", 404);
  call(s, "GET", "/", 404);
  call(s, "GET", "/favicon.ico", 404);
  call(s, "POST", SBX_API "/sonic/nope", 404);
  call(s, "GET", "/api/v2/get-credits", 404);
  call(s, "GET", SBX_API "/sonic/taskx/abc", 404);
  call(s, "DELETE", SBX_API "/sonic/create", 405);
  call(s, "PUT", SBX_API "/sonic/create", 405);
  call(s, "GET", SBX_API "/sonic/create", 405);
  call(s, "PUT", SBX_API "/get-credits", 405);
  call(s, "POST", SBX_API "/get-credits", 405);
  call(s, "PATCH", SBX_API "/sonic/task/abc", 405);
  call(s, "DELETE", SBX_API "/sonic/task/abc", 405);
  call(s, "GET", SBX_API "/sonic/lyrics", 405);
  call(s, "BREW", SBX_API "/sonic/wav", 405);
}

/* ---- concurrency ------------------------------------------------------ */

typedef struct Conn {
  CURL *easy;
  SbxBuf body;
  long status;
} Conn;

static size_t on_body (char *p, size_t size, size_t n, void *ud) {
  sbx_buf_add((SbxBuf *)ud, p, size * n);
  return size * n;
}

/* n requests at once, each on its own connection. Returns the number of
** 200 answers; task ids (creates) are collected into 'ids'. */
static int burst (SbxServer *s, int n, const char *path, const char *body,
                  char (*ids)[64]) {
  CURLM *m = curl_multi_init();
  Conn *c = calloc((size_t)n, sizeof(Conn));
  struct curl_slist *h = NULL;
  char url[256], auth[160];
  int i, running = 1, ok = 0;
  double end = sbx_now() + 60;
  snprintf(url, sizeof(url), "%s%s", s->base, path);
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s", s->key);
  h = curl_slist_append(h, auth);
  h = curl_slist_append(h, "Content-Type: application/json");
  curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
  curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)n + 10);
  for (i = 0; i < n; i++) {
    c[i].easy = curl_easy_init();
    curl_easy_setopt(c[i].easy, CURLOPT_URL, url);
    curl_easy_setopt(c[i].easy, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c[i].easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c[i].easy, CURLOPT_WRITEDATA, &c[i].body);
    curl_easy_setopt(c[i].easy, CURLOPT_FRESH_CONNECT, 1L);
    curl_easy_setopt(c[i].easy, CURLOPT_FORBID_REUSE, 1L);
    curl_easy_setopt(c[i].easy, CURLOPT_TIMEOUT, 60L);
    if (body != NULL)
      curl_easy_setopt(c[i].easy, CURLOPT_POSTFIELDS, body);
    curl_multi_add_handle(m, c[i].easy);
  }
  while (running > 0 && sbx_now() < end) {
    curl_multi_perform(m, &running);
    if (running > 0)
      curl_multi_poll(m, NULL, 0, 100, NULL);
  }
  for (i = 0; i < n; i++) {
    SbxJson *j;
    curl_easy_getinfo(c[i].easy, CURLINFO_RESPONSE_CODE, &c[i].status);
    j = c[i].body.p ? sbx_json_parse(c[i].body.p, c[i].body.len, NULL, 0)
        : NULL;
    if (c[i].status == 200 && j != NULL)
      ok++;
    if (ids != NULL)
      snprintf(ids[i], 64, "%s", sbx_jstr(sbx_jfield(j, "task_id")) ?
               sbx_jstr(sbx_jfield(j, "task_id")) : "");
    sbx_json_free(j);
    curl_multi_remove_handle(m, c[i].easy);
    curl_easy_cleanup(c[i].easy);
    sbx_buf_free(&c[i].body);
  }
  curl_slist_free_all(h);
  curl_multi_cleanup(m);
  free(c);
  return ok;
}

static int distinct_ids (char (*ids)[64], int n) {
  int i, j;
  for (i = 0; i < n; i++) {
    if (!sbx_is_uuid(ids[i]))
      return 0;
    for (j = 0; j < i; j++)
      if (strcmp(ids[i], ids[j]) == 0)
        return 0;
  }
  return 1;
}

static void test_concurrency (SbxServer *s) {
  static char ids[NCONC][64];
  long long before = sbx_total_credits(s), acc0 = -1, acc1 = -1;
  char *body = sbx_song_body("concurrent", NULL);
  int ok;
  sbx_case("200 concurrent connections");
  ok = burst(s, NCONC, SBX_API "/get-credits", NULL, NULL);
  SBX_EQ_INT(ok, NCONC, "concurrent get-credits answered 200");
  sbx_ledger_int(s, "creates_accepted", &acc0);
  ok = burst(s, NCONC, SBX_API "/sonic/create", body, ids);
  SBX_EQ_INT(ok, NCONC, "concurrent creates answered 200");
  SBX_CHECK(distinct_ids(ids, NCONC), "200 distinct uuid task ids");
  sbx_ledger_int(s, "creates_accepted", &acc1);
  SBX_EQ_INT(acc1 - acc0, NCONC, "creates_accepted after 200 creates");
  SBX_EQ_INT(before - sbx_total_credits(s), 15 * NCONC,
             "credits charged for 200 concurrent creates");
  free(body);
}

/* Twenty requests over one kept-alive connection all answered. */
static void test_keep_alive (SbxServer *s) {
  CURL *c = curl_easy_init();
  struct curl_slist *h = NULL;
  SbxBuf b = {0};
  char url[256], auth[160];
  long status, conns, reused = 0;
  int i, ok = 0;
  sbx_case("keep-alive: 20 requests on one connection");
  snprintf(url, sizeof(url), "%s" SBX_API "/get-credits", s->base);
  snprintf(auth, sizeof(auth), "Authorization: Bearer %s", s->key);
  h = curl_slist_append(h, auth);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
  for (i = 0; i < 20; i++) {
    b.len = 0;
    if (curl_easy_perform(c) == CURLE_OK &&
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK &&
        status == 200)
      ok++;
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &conns);
    reused += i > 0 && conns == 0;
  }
  SBX_EQ_INT(ok, 20, "answers on a reused handle");
  sbx_note("%ld of 19 follow-up requests reused the connection", reused);
  sbx_buf_free(&b);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
}

/* 200 connections that send nothing must not starve a real client. */
static void test_idle_connections (SbxServer *s) {
  int fds[NCONC], i, opened = 0;
  struct sockaddr_in a;
  double t0;
  sbx_case("200 idle connections do not block service");
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)s->port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  for (i = 0; i < NCONC; i++) {
    fds[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(fds[i], (struct sockaddr *)&a, sizeof(a)) == 0)
      opened++;
  }
  t0 = sbx_now();
  SBX_CHECK(sbx_total_credits(s) >= 0, "get-credits with %d idle "
            "connections open", opened);
  SBX_CHECK(sbx_now() - t0 < 5.0, "answer took %.1f s with idle "
            "connections", sbx_now() - t0);
  for (i = 0; i < NCONC; i++)
    close(fds[i]);
}

int main (int argc, char **argv) {
  SbxServer s;
  long long before, acc = -1;
  sbx_init(argc, argv);
  if (sbx_start(&s, "--speed 500 --clip-seconds 3 --credits 100000") != 0)
    return sbx_finish();
  before = sbx_total_credits(&s);
  test_malformed(&s);
  test_deep_nesting(&s);
  test_wrong_types(&s);
  test_oversized(&s);
  test_paths_methods(&s);
  sbx_case("after all bad input: nothing charged, still serving");
  SBX_EQ_INT(sbx_total_credits(&s), before, "credits after bad input");
  SBX_CHECK(sbx_ledger_int(&s, "creates_accepted", &acc) == 0 && acc == 0,
            "creates_accepted %lld, want 0", acc);
  test_concurrency(&s);
  test_keep_alive(&s);
  test_idle_connections(&s);
  SBX_CHECK(sbx_total_credits(&s) >= 0, "still serving at the end");
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
  return sbx_finish();
}
