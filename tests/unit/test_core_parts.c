/* test_core_parts.c -- the small pure parts of the host: the bounded
** buffer, the price table and budget, base URL rules, the key file. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buf.h"
#include "check.h"
#include "credits.h"
#include "headers.h"
#include "secrets.h"
#include "target.h"

static void test_buf_limit (void) {
  SfBuf b;
  sf_buf_init(&b, 10);
  CHECK(sf_buf_append(&b, "hello", 5) == 0);
  CHECK(sf_buf_append(&b, "world", 5) == 0);
  CHECK(sf_buf_append(&b, "!", 1) == -1);      /* over the limit */
  CHECK(b.len == 10 && strcmp(b.data, "helloworld") == 0);
  sf_buf_free(&b);
}

static void test_prices (void) {
  CHECK(sf_price("sonic/create", NULL) == 15);
  CHECK(sf_price("sonic/create", "cover_music") == 15);
  CHECK(sf_price("sonic/create", "concat_music") == 2);
  CHECK(sf_price("sonic/create", "add_vocals") == 10);
  CHECK(sf_price("sonic/stems/basic", NULL) == 15);
  CHECK(sf_price("sonic/stems/full", NULL) == 75);
  CHECK(sf_price("sonic/upload", NULL) == 2);
  CHECK(sf_price("sonic/wav", NULL) == 2);
  CHECK(sf_price("sonic/midi", NULL) == 1);
  CHECK(sf_price("sonic/lyrics", NULL) == 0);
  CHECK(sf_price("get-credits", NULL) == 0);
}

static void test_budget_edges (void) {
  SfRuntime rt;
  memset(&rt, 0, sizeof(rt));
  rt.budget = 30;
  CHECK(sf_budget_reserve(&rt, 15) == 0);
  CHECK(sf_budget_reserve(&rt, 15) == 0);      /* exactly at the budget */
  CHECK(sf_budget_reserve(&rt, 1) == -1);      /* one over */
  sf_budget_release(&rt, 15);
  CHECK(sf_budget_reserve(&rt, 2) == 0 && rt.spent == 17);
  rt.budget = -1;
  CHECK(sf_budget_reserve(&rt, 1000000) == 0); /* no limit */
}

static void test_targets (void) {
  char err[256];
  char *u = sf_target_normalize("https://api.musicapi.ai/api/v1/", err,
                                sizeof(err));
  CHECK(u && strcmp(u, "https://api.musicapi.ai") == 0);
  free(u);
  u = sf_target_normalize("http://127.0.0.1:8080/", err, sizeof(err));
  CHECK(u && strcmp(u, "http://127.0.0.1:8080") == 0);
  free(u);
  CHECK(sf_target_normalize("http://example.com", err, sizeof(err)) == NULL);
  CHECK(strstr(err, "https") != NULL);
  CHECK(sf_target_normalize("ftp://x", err, sizeof(err)) == NULL);
  CHECK(sf_target_is_loopback("http://localhost:1/x"));
  CHECK(sf_target_is_loopback("http://[::1]:80"));
  CHECK(!sf_target_is_loopback("http://127evil.com"));
  CHECK(!sf_target_is_loopback("https://api.musicapi.ai"));
}

static void test_key_file_permissions (void) {
  char path[] = "/tmp/sf_key_XXXXXX", err[256], *key = NULL;
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  CHECK(write(fd, "  canary-key-123\n", 17) == 17);
  close(fd);
  unsetenv("MUSICAPI_KEY");
  chmod(path, 0644);
  CHECK(sf_secret_load(path, &key, err, sizeof(err)) == -1);
  CHECK(strstr(err, "chmod 600") != NULL);
  chmod(path, 0600);
  CHECK(sf_secret_load(path, &key, err, sizeof(err)) == 1);
  CHECK(key && strcmp(key, "canary-key-123") == 0);
  sf_secret_free(key);
  setenv("MUSICAPI_KEY", "env-key", 1);
  CHECK(sf_secret_load(path, &key, err, sizeof(err)) == 1);
  CHECK(key && strcmp(key, "env-key") == 0);
  CHECK(getenv("MUSICAPI_KEY") == NULL);       /* gone from the env */
  sf_secret_free(key);
  unlink(path);
}

static void test_retry_after (void) {
  time_t now = 1445412480;                     /* 2015-10-21T07:28:00Z */
  CHECK(sf_parse_retry_after("120", now) == 120);
  CHECK(sf_parse_retry_after(" 0 ", now) == 0);
  CHECK(sf_parse_retry_after("-5", now) == -1);
  CHECK(sf_parse_retry_after("12abc", now) == -1);
  CHECK(sf_parse_retry_after("", now) == -1);
  CHECK(sf_parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now) == 30);
  CHECK(sf_parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now) == 0);
  CHECK(sf_parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now)
        == 60);
  CHECK(sf_parse_retry_after("Wed Oct 21 07:28:10 2015", now) == 10);
  CHECK(sf_parse_retry_after("Wed, 21 Foo 2015 07:28:30 GMT", now) == -1);
  CHECK(sf_parse_retry_after("Wed, 21 Oct 2015 25:28:30 GMT", now) == -1);
  CHECK(sf_parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT") == 0);
  CHECK(sf_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT") == 784111777);
}

static void test_content_range (void) {
  long long a, b, t;
  CHECK(sf_parse_content_range("bytes 100-199/1000", &a, &b, &t) == 0 &&
        a == 100 && b == 199 && t == 1000);
  CHECK(sf_parse_content_range("bytes 0-0/*", &a, &b, &t) == 0 && t == -1);
  CHECK(sf_parse_content_range("bytes 5-4/10", &a, &b, &t) == -1);
  CHECK(sf_parse_content_range("bytes 0-9/9", &a, &b, &t) == -1);
  CHECK(sf_parse_content_range("bytes */1000", &a, &b, &t) == -1);
  CHECK(sf_parse_content_range("items 0-9/10", &a, &b, &t) == -1);
  CHECK(sf_parse_content_range("bytes 0-9/10x", &a, &b, &t) == -1);
}

int main (void) {
  test_retry_after();
  test_content_range();
  test_buf_limit();
  test_prices();
  test_budget_edges();
  test_targets();
  test_key_file_permissions();
  return CHECK_DONE();
}
