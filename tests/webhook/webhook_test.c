/*
** webhook_test.c -- webhook mode end to end (issue 8):
**  - N tasks complete with exactly one (confirming) poll each and none
**    before their deliveries, through duplicated and reordered deliveries;
**  - with bad signatures every delivery is rejected and the slow fallback
**    polls still finish the work;
**  - a forged delivery with a valid signature that points at another
**    audio host causes no fetch from it, and one with a bad signature is
**    refused with 401;
**  - (argument "slow", its own CTest entry) 300 connections trickling a
**    header line a second do not keep a real delivery out: it is
**    answered within 2 s, and the receiver's 10 s request deadline closes
**    the slow ones (issue 19 item 7).
*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include <sqlite3.h>
#include "sbx_harness.h"
#include "sbx_slow.h"
#include "sha256.h"

static const char *bin, *src;
static int evil_hits;           /* requests that reached the fake host */

static enum MHD_Result evil (void *cls, struct MHD_Connection *c,
                             const char *url, const char *method,
                             const char *version, const char *data,
                             size_t *size, void **state) {
  static const char page[] = "ID3 not really audio";
  struct MHD_Response *r;
  enum MHD_Result rc;
  (void)cls; (void)url; (void)method; (void)version; (void)data;
  (void)size; (void)state;
  __sync_fetch_and_add(&evil_hits, 1);
  r = MHD_create_response_from_buffer(sizeof(page) - 1, (void *)page,
                                      MHD_RESPMEM_PERSISTENT);
  rc = MHD_queue_response(c, 200, r);
  MHD_destroy_response(r);
  return rc;
}

static size_t discard (char *p, size_t size, size_t n, void *ud) {
  (void)p; (void)ud;
  return size * n;
}

static int free_port (void) {
  struct sockaddr_in sa;
  socklen_t len = sizeof(sa);
  int fd = socket(AF_INET, SOCK_STREAM, 0), port;
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, (struct sockaddr *)&sa, sizeof(sa));
  getsockname(fd, (struct sockaddr *)&sa, &len);
  port = ntohs(sa.sin_port);
  close(fd);
  return port;
}

/* Run sonicflow with 'args' (NULL-terminated after the fixed ones) in
** 'dir'; its stdout goes to dir/out.txt. Returns the child's pid. */
static pid_t start (const char *dir, char **args) {
  pid_t pid = fork();
  if (pid == 0) {
    char path[600];
    if (chdir(dir) != 0)
      _exit(127);
    snprintf(path, sizeof(path), "%s/out.txt", dir);
    if (freopen(path, "w", stdout) == NULL)
      _exit(127);
    execv(bin, args);
    _exit(127);
  }
  return pid;
}

static int finish (pid_t pid, int timeout_s) {
  int status = 0, i;
  for (i = 0; i < timeout_s * 20; i++) {
    if (waitpid(pid, &status, WNOHANG) == pid)
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    usleep(50000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &status, 0);
  return -1;
}

/* The "RESULT ..." line of dir/out.txt, and one of its fields. */
static long field (const char *dir, const char *name) {
  char path[600], line[1024], key[64];
  FILE *f;
  long v = -1;
  snprintf(path, sizeof(path), "%s/out.txt", dir);
  if ((f = fopen(path, "r")) == NULL)
    return -1;
  snprintf(key, sizeof(key), " %s=", name);
  while (fgets(line, sizeof(line), f) != NULL) {
    char *p = strstr(line, key);
    if (strncmp(line, "RESULT", 6) == 0 && p != NULL)
      v = strtol(p + strlen(key), NULL, 10);
  }
  fclose(f);
  return v;
}

/* POST a delivery for 'task' to the receiver, signed with 'secret'. */
static long deliver (int port, const char *task, const char *secret,
                     const char *audio_url) {
  char body[1024], ts[32], msg[1100], hex[SF_SHA256_HEXLEN], url[64];
  char h1[128], h2[128], h3[128];
  unsigned char mac[SF_SHA256_LEN];
  CURL *e = curl_easy_init();
  struct curl_slist *hs = NULL;
  long status = 0;
  snprintf(body, sizeof(body), "{\"code\":200,\"message\":\"success\","
           "\"data\":[{\"clip_id\":\"forged-1\",\"state\":\"succeeded\","
           "\"audio_url\":\"%s\"}],\"task_id\":\"%s\",\"platform\":"
           "\"suno\",\"event\":\"song.completed\"}", audio_url, task);
  snprintf(ts, sizeof(ts), "%ld", (long)time(NULL));
  snprintf(msg, sizeof(msg), "%s.%s", ts, body);
  sf_hmac_sha256(secret, strlen(secret), msg, strlen(msg), mac);
  sf_sha256_hex(mac, hex);
  snprintf(h1, sizeof(h1), "X-Webhook-Timestamp: %s", ts);
  snprintf(h2, sizeof(h2), "X-Webhook-Signature: sha256=%s", hex);
  snprintf(h3, sizeof(h3), "X-Webhook-Id: forged-%s-%s", task, secret);
  hs = curl_slist_append(hs, h1);
  hs = curl_slist_append(hs, h2);
  hs = curl_slist_append(hs, h3);
  hs = curl_slist_append(hs, "Content-Type: application/json");
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/webhook", port);
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, hs);
  curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard);
  if (curl_easy_perform(e) == CURLE_OK)
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(hs);
  curl_easy_cleanup(e);
  return status;
}

/* Rows of the journal's webhook_deliveries in 'dir', or -1. */
static long journaled_deliveries (const char *dir) {
  char path[600];
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  long n = -1;
  snprintf(path, sizeof(path), "%s/.sonicflow/journal.db", dir);
  if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
      sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM webhook_deliveries", -1,
                         &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = (long)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

static void test_many (const char *extra, int bad_sig, int journaled) {
  char dir[] = "/tmp/sf_hook_XXXXXX", script[512], opts[256];
  SbxServer s;
  pid_t pid;
  sbx_case(bad_sig ? "bad signatures: all refused, fallback polls finish"
           : journaled ? "with the journal: each delivery journaled once"
           : "20 tasks, duplicated and reordered deliveries");
  snprintf(opts, sizeof(opts), "--speed 200 --clip-seconds 3 --quiet %s",
           extra);
  if (mkdtemp(dir) == NULL || sbx_start(&s, opts) != 0)
    return;
  snprintf(script, sizeof(script), "%s/many.lua", src);
  {
    char *args[16];
    int k = 0;
    args[k++] = (char *)bin;
    args[k++] = "run";
    args[k++] = "-q";
    if (!journaled)
      args[k++] = "--no-journal";
    args[k++] = "--base-url";
    args[k++] = s.base;
    args[k++] = "--webhook-listen";
    args[k++] = "127.0.0.1:0";
    args[k++] = "--webhook-fallback";
    args[k++] = bad_sig ? "0.5" : "60";
    args[k++] = script;
    args[k++] = "20";
    args[k] = NULL;
    pid = start(dir, args);
  }
  SBX_EQ_INT(finish(pid, 120), 0, "the run finished");
  SBX_EQ_INT(field(dir, "tasks"), 20, "tasks done");
  if (bad_sig) {
    SBX_EQ_INT(field(dir, "accepted"), 0, "deliveries accepted");
    SBX_CHECK(field(dir, "rejected") >= 20, "every delivery refused (%ld)",
              field(dir, "rejected"));
  } else {
    SBX_EQ_INT(field(dir, "polls"), 20, "polls: one confirmation per task");
    SBX_EQ_INT(field(dir, "accepted"), 20, "deliveries accepted");
    SBX_EQ_INT(field(dir, "rejected"), 0, "deliveries refused");
  }
  if (journaled)
    SBX_EQ_INT(journaled_deliveries(dir), 20,
               "deliveries in the journal (duplicates once)");
  sbx_stop(&s);
}

static void test_forged (void) {
  char dir[] = "/tmp/sf_forge_XXXXXX", script[512], idfile[600];
  char evil_url[128], task[128] = "", port_s[32];
  SbxServer s;
  struct MHD_Daemon *d;
  pid_t pid;
  int port = free_port(), i;
  sbx_case("forged deliveries cause no fetch from another host");
  d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, evil,
                       NULL, MHD_OPTION_END);
  if (mkdtemp(dir) == NULL || d == NULL ||
      sbx_start(&s, "--speed 10 --clip-seconds 3 --quiet") != 0)
    return;
  snprintf(evil_url, sizeof(evil_url), "http://127.0.0.1:%u/evil.mp3",
           (unsigned)MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port);
  snprintf(script, sizeof(script), "%s/forged.lua", src);
  snprintf(idfile, sizeof(idfile), "%s/task.id", dir);
  snprintf(port_s, sizeof(port_s), "127.0.0.1:%d", port);
  {
    char *args[] = {(char *)bin, "run", "-q", "--no-journal", "--base-url",
                    s.base, "--webhook-listen", port_s, "--webhook-secret",
                    "known-secret", "--webhook-fallback", "60", script,
                    idfile, "song.mp3", NULL};
    pid = start(dir, args);
  }
  for (i = 0; i < 200 && task[0] == '\0'; i++) {     /* the task id */
    FILE *f = fopen(idfile, "r");
    if (f != NULL) {
      if (fgets(task, sizeof(task), f) == NULL)
        task[0] = '\0';
      fclose(f);
    }
    usleep(50000);
  }
  SBX_CHECK(task[0] != '\0', "the script wrote its task id");
  SBX_EQ_INT(deliver(port, task, "wrong-secret", evil_url), 401,
             "a badly signed delivery is refused");
  SBX_EQ_INT(deliver(port, task, "known-secret", evil_url), 200,
             "a validly signed forgery is taken as a hint");
  SBX_EQ_INT(finish(pid, 120), 0, "the run finished");
  SBX_EQ_INT(evil_hits, 0, "requests to the forged audio host");
  SBX_CHECK(field(dir, "polls") >= 2, "the hint was checked with a GET "
            "(polls %ld)", field(dir, "polls"));
  MHD_stop_daemon(d);
  sbx_stop(&s);
}

/* Slow clients against the receiver of a real `sonicflow run`. */
static void test_slow_clients (void) {
  char dir[] = "/tmp/sf_slow_XXXXXX", script[512], idfile[600];
  char task[128] = "", port_s[32], audio[160];
  SbxServer s;
  SbxSlow *sl;
  pid_t pid;
  int port = free_port(), i;
  double t0;
  long status;
  sbx_case("300 slow connections: a real delivery still gets in");
  /* speed 1: the task stays in flight while the test runs */
  if (mkdtemp(dir) == NULL || sbx_start(&s, "--quiet") != 0)
    return;
  snprintf(script, sizeof(script), "%s/forged.lua", src);
  snprintf(idfile, sizeof(idfile), "%s/task.id", dir);
  snprintf(port_s, sizeof(port_s), "127.0.0.1:%d", port);
  snprintf(audio, sizeof(audio), "%s/files/none.mp3", s.base);
  {
    char *args[] = {(char *)bin, "run", "-q", "--no-journal", "--base-url",
                    s.base, "--webhook-listen", port_s, "--webhook-secret",
                    "known-secret", "--webhook-fallback", "60", script,
                    idfile, "song.mp3", NULL};
    pid = start(dir, args);
  }
  for (i = 0; i < 200 && task[0] == '\0'; i++) {     /* listening by now */
    FILE *f = fopen(idfile, "r");
    if (f != NULL) {
      if (fgets(task, sizeof(task), f) == NULL)
        task[0] = '\0';
      fclose(f);
    }
    usleep(50000);
  }
  SBX_CHECK(task[0] != '\0', "the script wrote its task id");
  t0 = sbx_now();
  sl = sbx_slow_start(port, "/webhook", 300, 1.0);
  SBX_CHECK(sl != NULL, "opened 300 slow connections");
  sbx_sleep(1.5);                 /* each has trickled a line */
  {
    double t = sbx_now();
    status = deliver(port, task, "known-secret", audio);
    SBX_EQ_INT(status, 200, "a delivery among slow connections");
    SBX_CHECK(sbx_now() - t < 2.0, "answered within 2 s (%.2f s)",
              sbx_now() - t);
  }
  if (sl != NULL) {
    while (sbx_slow_closed(sl) < 300 && sbx_now() - t0 < 13.0)
      sbx_sleep(0.1);
    SBX_EQ_INT(sbx_slow_closed(sl), 300, "slow connections closed by the "
               "10 s request deadline");
  }
  sbx_slow_stop(sl);
  SBX_EQ_INT(deliver(port, task, "known-secret", audio), 200,
             "served afterwards");
  kill(pid, SIGTERM);
  finish(pid, 20);
  sbx_stop(&s);
}

int main (int argc, char **argv) {
  sbx_init(argc, argv);
  bin = argv[1];
  src = argv[2];
  curl_global_init(CURL_GLOBAL_ALL);
  if (argc > 3 && !strcmp(argv[3], "slow")) {
    test_slow_clients();
    return sbx_finish();
  }
  test_many("--webhook-duplicates --webhook-reorder-ms 400", 0, 0);
  test_many("--webhook-duplicates --webhook-reorder-ms 400", 0, 1);
  test_many("--webhook-bad-signature", 1, 0);
  test_forged();
  return sbx_finish();
}
