/*
** sbx_harness.c -- process control, HTTP and check helpers for the
** sandbox conformance suite. See sbx_harness.h.
*/
#define _GNU_SOURCE
#include "sbx_harness.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Test-process state: one test executable, one thread doing checks. */
static const char *g_binary;
static const char *g_case = "";
static int g_checks, g_failures, g_spawned;

/* ==== checks ============================================================ */

void sbx_init (int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PATH-TO-SONICFLOW\n", argv[0]);
    exit(2);
  }
  g_binary = argv[1];
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_ALL);
  setvbuf(stdout, NULL, _IOLBF, 0);
}

const char *sbx_binary (void) {
  return g_binary;
}

void sbx_case (const char *name) {
  g_case = name;
  printf("== %s\n", name);
}

int sbx_check_ (int ok, const char *file, int line, const char *fmt, ...) {
  va_list ap;
  g_checks++;
  if (ok)
    return 1;
  g_failures++;
  printf("FAIL [%s] %s:%d: ", g_case, file, line);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  return 0;
}

void sbx_note (const char *fmt, ...) {
  va_list ap;
  printf("   note: ");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
}

int sbx_eq_int_ (long long got, long long want, const char *what,
                 const char *file, int line) {
  return sbx_check_(got == want, file, line, "%s: got %lld, want %lld",
                    what, got, want);
}

int sbx_eq_str_ (const char *got, const char *want, const char *what,
                 const char *file, int line) {
  int ok = got != NULL && want != NULL && strcmp(got, want) == 0;
  return sbx_check_(ok, file, line, "%s: got %s%s%s, want \"%s\"", what,
                    got ? "\"" : "", got ? got : "(none)", got ? "\"" : "",
                    want ? want : "(none)");
}

int sbx_failures (void) {
  return g_failures;
}

int sbx_finish (void) {
  printf("%d checks, %d failed\n", g_checks, g_failures);
  curl_global_cleanup();
  return g_failures == 0 ? 0 : 1;
}

/* ==== growable text ===================================================== */

static void buf_reserve (SbxBuf *b, size_t extra) {
  if (b->len + extra + 1 <= b->cap)
    return;
  b->cap = (b->len + extra + 1) * 2;
  b->p = realloc(b->p, b->cap);
  if (b->p == NULL) {
    fprintf(stderr, "out of memory\n");
    abort();
  }
}

void sbx_buf_add (SbxBuf *b, const void *data, size_t n) {
  buf_reserve(b, n);
  memcpy(b->p + b->len, data, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void sbx_buf_printf (SbxBuf *b, const char *fmt, ...) {
  va_list ap;
  int n;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  buf_reserve(b, (size_t)n);
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void sbx_buf_jstr (SbxBuf *b, const char *s) {
  sbx_buf_add(b, "\"", 1);
  for (; *s != '\0'; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      sbx_buf_printf(b, "\\%c", c);
    else if (c == '\n')
      sbx_buf_add(b, "\\n", 2);
    else if (c < 0x20)
      sbx_buf_printf(b, "\\u%04x", c);
    else
      sbx_buf_add(b, s, 1);
  }
  sbx_buf_add(b, "\"", 1);
}

void sbx_buf_rep (SbxBuf *b, const char *s, size_t times) {
  size_t l = strlen(s);
  while (times-- > 0)
    sbx_buf_add(b, s, l);
}

void sbx_buf_free (SbxBuf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}

/* ==== the sandbox process =============================================== */

/* Keep reading the child's stdout so it never blocks on a full pipe. */
static void *drain_main (void *ud) {
  SbxServer *s = (SbxServer *)ud;
  char buf[4096];
  while (read(s->out_fd, buf, sizeof(buf)) > 0)
    ;
  return NULL;
}

/* Read one line from 'fd' within 'timeout_s'. 0, or -1 on EOF/timeout. */
static int read_line (int fd, char *out, size_t n, double timeout_s) {
  size_t k = 0;
  double end = sbx_now() + timeout_s;
  while (k + 1 < n) {
    struct pollfd pfd = { fd, POLLIN, 0 };
    int ms = (int)((end - sbx_now()) * 1000);
    char c;
    if (ms <= 0 || poll(&pfd, 1, ms) <= 0)
      break;
    if (read(fd, &c, 1) != 1)
      break;
    if (c == '\n') {
      out[k] = '\0';
      return 0;
    }
    out[k++] = c;
  }
  out[k] = '\0';
  return -1;
}

/* Wait for 'pid' up to 'secs'; returns decoded status or -2 on timeout. */
static int reap (pid_t pid, double secs) {
  double end = sbx_now() + secs;
  int st;
  for (;;) {
    pid_t w = waitpid(pid, &st, WNOHANG);
    if (w == pid)
      return WIFEXITED(st) ? WEXITSTATUS(st)
             : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : -1;
    if (w < 0 && errno != EINTR)
      return -1;
    if (sbx_now() > end)
      return -2;
    sbx_sleep(0.01);
  }
}

/* Child side of fork: wire fds, die with the parent, exec. */
static void child_exec (int out_w, int log_fd, char *const *argv) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  dup2(out_w, 1);
  dup2(log_fd, 2);
  execv(argv[0], argv);
  fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

int sbx_spawn (SbxServer *s, char *const *args, double timeout_s,
               int *exit_code) {
  char *argv[64];
  int outp[2], log_fd, n = 0;
  const char *tmp = getenv("TMPDIR");
  argv[n++] = (char *)g_binary;
  argv[n++] = "sandbox";
  while (*args != NULL && n < 62)
    argv[n++] = *args++;
  argv[n] = NULL;
  snprintf(s->log_path, sizeof(s->log_path), "%s/sbx-%d-%d.log",
           tmp ? tmp : "/tmp", (int)getpid(), g_spawned++);
  log_fd = open(s->log_path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
  if (log_fd < 0 || pipe(outp) != 0)
    return -1;
  s->fail_mark = g_failures;
  s->pid = fork();
  if (s->pid == 0)
    child_exec(outp[1], log_fd, argv);
  close(outp[1]);
  close(log_fd);
  s->out_fd = outp[0];
  s->drain_started = 0;
  if (read_line(s->out_fd, s->first_line, sizeof(s->first_line),
                timeout_s) == 0) {
    s->drain_started = pthread_create(&s->drain, NULL, drain_main, s) == 0;
    return 0;
  }
  if (exit_code != NULL) {
    int rc = reap(s->pid, 5.0);
    if (rc == -2) {
      kill(s->pid, SIGKILL);
      rc = reap(s->pid, 5.0);
    }
    *exit_code = rc;
  }
  close(s->out_fd);
  s->pid = 0;
  return -1;
}

/* Split 'opts' at spaces into 'tok' (storage in 'store'). */
static int split_opts (const char *opts, char *store, size_t n,
                       char **tok, int max) {
  int k = 0;
  char *p;
  snprintf(store, n, "%s", opts ? opts : "");
  for (p = strtok(store, " "); p != NULL && k < max - 1;
       p = strtok(NULL, " "))
    tok[k++] = p;
  tok[k] = NULL;
  return k;
}

/* Remember what the options imply for the helpers (key, error shape). */
static void note_opts (SbxServer *s, char **tok, int k) {
  int i;
  s->key = "test-key";
  s->code_shape = 0;
  for (i = 0; i + 1 < k; i++) {
    if (strcmp(tok[i], "--key") == 0 && s->key != s->keybuf) {
      snprintf(s->keybuf, sizeof(s->keybuf), "%s", tok[i + 1]);
      s->key = s->keybuf;
    }
    if (strcmp(tok[i], "--error-shape") == 0 &&
        strcmp(tok[i + 1], "code") == 0)
      s->code_shape = 1;
  }
}

int sbx_start (SbxServer *s, const char *opts) {
  char store[2048], *tok[64], *args[70];
  int k, i, n = 0, rc = -1, have_port = 0, have_pace = 0;
  char host[64] = "", rest[32] = "";
  memset(s, 0, sizeof(*s));
  k = split_opts(opts, store, sizeof(store), tok, 64);
  for (i = 0; i < k; i++) {
    have_port |= strcmp(tok[i], "--port") == 0;
    have_pace |= strcmp(tok[i], "--rate-limit") == 0;
  }
  if (!have_port) {
    args[n++] = "--port";
    args[n++] = "0";
  }
  /* the account's pace (3 s between paid task calls by default) is
  ** test_account's subject; the other tests send back to back */
  if (!have_pace) {
    args[n++] = "--rate-limit";
    args[n++] = "0";
  }
  for (i = 0; i < k; i++)
    args[n++] = tok[i];
  args[n] = NULL;
  note_opts(s, tok, k);
  if (sbx_spawn(s, args, 10.0, &rc) != 0) {
    SBX_CHECK(0, "sandbox did not start (%s): exit %d", opts, rc);
    sbx_print_log_tail(s, 20);
    return -1;
  }
  if (sscanf(s->first_line, "listening on http://%63[^:]:%d%31s", host,
             &s->port, rest) != 2 || s->port <= 0 || s->port > 65535) {
    SBX_CHECK(0, "first stdout line not 'listening on http://HOST:PORT':"
              " \"%s\"", s->first_line);
    sbx_stop(s);
    return -1;
  }
  snprintf(s->base, sizeof(s->base), "http://%s:%d", host, s->port);
  return 0;
}

/* Fail when the child's stderr holds a sanitizer report. */
static void scan_log (SbxServer *s) {
  FILE *f = fopen(s->log_path, "r");
  char line[1024];
  int bad = 0;
  if (f == NULL)
    return;
  while (fgets(line, sizeof(line), f) != NULL)
    if (strstr(line, "AddressSanitizer") || strstr(line, "LeakSanitizer")
        || strstr(line, "runtime error:") || strstr(line, "ThreadSanitizer"))
      bad = 1;
  fclose(f);
  if (!SBX_CHECK(!bad, "sanitizer report in sandbox stderr (%s)",
                 s->log_path))
    sbx_print_log_tail(s, 40);
}

void sbx_print_log_tail (SbxServer *s, int lines) {
  char cmd[400];
  if (s->log_path[0] == '\0')
    return;
  printf("   --- last %d lines of %s ---\n", lines, s->log_path);
  fflush(stdout);
  snprintf(cmd, sizeof(cmd), "tail -n %d '%s' | sed 's/^/   | /'", lines,
           s->log_path);
  if (system(cmd) != 0)
    printf("   (no log)\n");
}

int sbx_stop_sig (SbxServer *s, int sig) {
  int rc;
  if (s->pid <= 0)
    return -1;
  kill(s->pid, sig);
  rc = reap(s->pid, 10.0);
  if (rc == -2) {
    SBX_CHECK(0, "sandbox did not exit within 10 s of signal %d", sig);
    kill(s->pid, SIGKILL);
    rc = reap(s->pid, 5.0);
  }
  if (s->drain_started)
    pthread_join(s->drain, NULL);
  close(s->out_fd);
  s->pid = 0;
  scan_log(s);
  if (g_failures == s->fail_mark)
    unlink(s->log_path);                     /* nothing to look at */
  return rc;
}

int sbx_stop (SbxServer *s) {
  return sbx_stop_sig(s, SIGTERM);
}

/* ==== HTTP ============================================================== */

static size_t on_data (char *p, size_t size, size_t n, void *ud) {
  sbx_buf_add((SbxBuf *)ud, p, size * n);
  return size * n;
}

/* Build the header list a request asks for. Caller frees. */
static struct curl_slist *req_headers (SbxServer *s, const SbxReq *q) {
  struct curl_slist *h = NULL;
  char line[512];
  int i, expect = 0;
  if (q->auth == NULL) {
    snprintf(line, sizeof(line), "Authorization: Bearer %s",
             s->key ? s->key : "test-key");
    h = curl_slist_append(h, line);
  } else if (q->auth[0] != '\0') {
    snprintf(line, sizeof(line), "Authorization: %s", q->auth);
    h = curl_slist_append(h, line);
  }
  if (q->body != NULL)
    h = curl_slist_append(h, "Content-Type: application/json");
  if (q->range != NULL) {
    snprintf(line, sizeof(line), "Range: bytes=%s", q->range);
    h = curl_slist_append(h, line);
  }
  for (i = 0; i < 4 && q->headers[i] != NULL; i++) {
    expect |= strncasecmp(q->headers[i], "Expect:", 7) == 0;
    h = curl_slist_append(h, q->headers[i]);
  }
  if (!expect)
    h = curl_slist_append(h, "Expect:");
  return h;
}

static void req_body (CURL *c, const SbxReq *q) {
  size_t len = q->body_len ? q->body_len : strlen(q->body);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, q->body);
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
}

void sbx_http (SbxServer *s, const SbxReq *q, SbxResp *r) {
  CURL *c = curl_easy_init();
  struct curl_slist *h = req_headers(s, q);
  SbxBuf body = {0}, head = {0};
  char url[16384];
  if (strncmp(q->url, "http://", 7) == 0 ||
      strncmp(q->url, "https://", 8) == 0)
    snprintf(url, sizeof(url), "%s", q->url);
  else
    snprintf(url, sizeof(url), "%s%s", s->base, q->url);
  memset(r, 0, sizeof(*r));
  sbx_buf_add(&body, "", 0);
  sbx_buf_add(&head, "", 0);
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_data);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &head);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, q->timeout_ms ? q->timeout_ms
                                                        : 30000L);
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
  if (q->body != NULL)
    req_body(c, q);
  if (q->head)
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  else if (q->method != NULL)
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q->method);
  r->cc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
  curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &r->secs);
  r->body = body.p;
  r->len = body.len;
  r->head = head.p;
  r->hlen = head.len;
  if (r->len > 0)
    r->json = sbx_json_parse(r->body, r->len, NULL, 0);
  curl_slist_free_all(h);
  curl_easy_cleanup(c);
}

void sbx_get (SbxServer *s, const char *path, SbxResp *r) {
  SbxReq q = {0};
  q.url = path;
  sbx_http(s, &q, r);
}

void sbx_post (SbxServer *s, const char *path, const char *body,
               SbxResp *r) {
  SbxReq q = {0};
  q.url = path;
  q.body = body;
  sbx_http(s, &q, r);
}

void sbx_resp_free (SbxResp *r) {
  free(r->body);
  free(r->head);
  sbx_json_free(r->json);
  memset(r, 0, sizeof(*r));
}

const char *sbx_header (const SbxResp *r, const char *name, char *buf,
                        size_t n) {
  const char *p = r->head, *found = NULL;
  size_t l = strlen(name);
  while (p != NULL && *p != '\0') {
    if (strncasecmp(p, name, l) == 0 && p[l] == ':')
      found = p + l + 1;
    p = strchr(p, '\n');
    if (p != NULL)
      p++;
  }
  if (found == NULL)
    return NULL;
  while (*found == ' ' || *found == '\t')
    found++;
  l = strcspn(found, "\r\n");
  while (l > 0 && (found[l - 1] == ' ' || found[l - 1] == '\t'))
    l--;
  if (l >= n)
    l = n - 1;
  memcpy(buf, found, l);
  buf[l] = '\0';
  return buf;
}

/* ==== protocol helpers ================================================== */

/* The body as a printable excerpt for failure messages. */
static const char *excerpt (const SbxResp *r) {
  static char out[240];
  size_t i, k = 0;
  for (i = 0; r->body != NULL && i < r->len && k + 4 < sizeof(out); i++)
    out[k++] = isprint((unsigned char)r->body[i]) ? r->body[i] : '.';
  if (r->body != NULL && r->len > i)
    out[k++] = '~';
  out[k] = '\0';
  return out;
}

/* The default error shape {"type","error","message"}, error == message. */
static void check_type_shape (const SbxResp *r, long status,
                              const char *what) {
  static const char *const keys[] = { "type", "error", "message", NULL };
  const char *type = sbx_jstr(sbx_jfield(r->json, "type"));
  const char *want = status == 400 ? "bad_request"
                   : status == 401 ? "unauthorized"
                   : status == 403 ? "forbidden" : NULL;
  SBX_CHECK(sbx_jkeys_exactly(r->json, keys),
            "%s: error body keys should be exactly type,error,message: %s",
            what, excerpt(r));
  SBX_CHECK(type != NULL && type[0] != '\0', "%s: 'type' string", what);
  if (want != NULL && type != NULL)
    SBX_CHECK(strcmp(type, want) == 0, "%s: type \"%s\", want \"%s\"",
              what, type, want);
  SBX_CHECK(sbx_jstr(sbx_jfield(r->json, "error")) != NULL &&
            sbx_jstr(sbx_jfield(r->json, "message")) != NULL &&
            strcmp(sbx_jstr(sbx_jfield(r->json, "error")),
                   sbx_jstr(sbx_jfield(r->json, "message"))) == 0,
            "%s: 'error' should equal 'message': %s", what, excerpt(r));
}

/* The other shape {"code":<status>,"message"}. */
static void check_code_shape (const SbxResp *r, long status,
                              const char *what) {
  static const char *const keys[] = { "code", "message", NULL };
  SbxJson *code = sbx_jfield(r->json, "code");
  SBX_CHECK(sbx_jkeys_exactly(r->json, keys),
            "%s: error body keys should be exactly code,message: %s",
            what, excerpt(r));
  SBX_CHECK(sbx_jtype(code) == SBX_JNUM && code->is_int &&
            (long)code->num == status,
            "%s: 'code' should be the integer %ld: %s", what, status,
            excerpt(r));
}

int sbx_expect_error (SbxServer *s, const SbxResp *r, long status,
                      const char *message, const char *what) {
  int before = sbx_failures();
  const char *msg;
  char ct[128];
  SBX_CHECK(r->status == status, "%s: HTTP %ld, want %ld (body %s)", what,
            r->status, status, excerpt(r));
  if (!SBX_CHECK(sbx_jtype(r->json) == SBX_JOBJ,
                 "%s: error body is not a JSON object: %s", what,
                 excerpt(r)))
    return 0;
  SBX_CHECK(sbx_header(r, "Content-Type", ct, sizeof(ct)) != NULL &&
            strncasecmp(ct, "application/json", 16) == 0,
            "%s: Content-Type should be application/json", what);
  if (s->code_shape)
    check_code_shape(r, status, what);
  else
    check_type_shape(r, status, what);
  msg = sbx_jstr(sbx_jfield(r->json, "message"));
  if (message != NULL)
    SBX_CHECK(msg != NULL && strcmp(msg, message) == 0,
              "%s: message \"%s\", want \"%s\"", what, msg ? msg : "(none)",
              message);
  else
    SBX_CHECK(msg != NULL && msg[0] != '\0', "%s: empty message", what);
  return sbx_failures() == before;
}

int sbx_credits (SbxServer *s, long long *credits, long long *extra) {
  SbxResp r;
  int rc = -1;
  SbxJson *c, *e;
  sbx_get(s, SBX_API "/get-credits", &r);
  c = sbx_jfield(r.json, "credits");
  e = sbx_jfield(r.json, "extra_credits");
  if (r.status == 200 && sbx_jtype(c) == SBX_JNUM &&
      sbx_jtype(e) == SBX_JNUM) {
    *credits = (long long)c->num;
    *extra = (long long)e->num;
    rc = 0;
  }
  sbx_resp_free(&r);
  return rc;
}

long long sbx_total_credits (SbxServer *s) {
  long long c, e;
  return sbx_credits(s, &c, &e) == 0 ? c + e : -1;
}

SbxJson *sbx_ledger (SbxServer *s) {
  SbxResp r;
  SbxJson *j = NULL;
  sbx_get(s, "/_sandbox/ledger", &r);
  if (r.status == 200 && sbx_jtype(r.json) == SBX_JOBJ) {
    j = r.json;
    r.json = NULL;
  }
  sbx_resp_free(&r);
  return j;
}

long sbx_submit (SbxServer *s, const char *path, const char *body,
                 char *task_id, size_t n) {
  SbxResp r;
  char url[256];
  long status;
  const char *id;
  snprintf(url, sizeof(url), SBX_API "%s", path);
  sbx_post(s, url, body, &r);
  status = r.status;
  id = sbx_jstr(sbx_jfield(r.json, "task_id"));
  if (task_id != NULL && n > 0)
    snprintf(task_id, n, "%s", (status == 200 && id) ? id : "");
  if (status != 200)
    sbx_note("POST %s -> %ld %s", path, status, excerpt(&r));
  sbx_resp_free(&r);
  return status;
}

/* Every clip of a data array is succeeded or failed. */
static int all_terminal (const SbxJson *data) {
  size_t i;
  if (sbx_jtype(data) != SBX_JARR || data->n == 0)
    return 0;
  for (i = 0; i < data->n; i++) {
    const char *st = sbx_jstr(sbx_jfield(data->items[i], "state"));
    if (st == NULL || (strcmp(st, "succeeded") && strcmp(st, "failed")))
      return 0;
  }
  return 1;
}

SbxJson *sbx_wait (SbxServer *s, const char *task_id, double timeout_s) {
  char url[512];
  double end = sbx_now() + timeout_s;
  snprintf(url, sizeof(url), SBX_API "/sonic/task/%s", task_id);
  while (sbx_now() < end) {
    SbxResp r;
    sbx_get(s, url, &r);
    if (r.status == 200 && all_terminal(sbx_jfield(r.json, "data"))) {
      SbxJson *j = r.json;
      r.json = NULL;
      sbx_resp_free(&r);
      return j;
    }
    if (r.status != 200 && r.status != 202) {
      sbx_note("GET task %s -> %ld %s", task_id, r.status, excerpt(&r));
      sbx_resp_free(&r);
      return NULL;
    }
    sbx_resp_free(&r);
    sbx_sleep(0.02);
  }
  sbx_note("task %s not done within %.0f s", task_id, timeout_s);
  return NULL;
}

SbxJson *sbx_run (SbxServer *s, const char *path, const char *body,
                  double timeout_s) {
  char id[128];
  if (sbx_submit(s, path, body, id, sizeof(id)) != 200 || id[0] == '\0')
    return NULL;
  return sbx_wait(s, id, timeout_s);
}

SbxJson *sbx_clips (const SbxJson *answer) {
  SbxJson *d = sbx_jfield(answer, "data");
  return sbx_jtype(d) == SBX_JARR ? d : NULL;
}

const char *sbx_clip_str (const SbxJson *answer, size_t i, const char *f) {
  return sbx_jstr(sbx_jfield(sbx_jat(sbx_clips(answer), i), f));
}

double sbx_clip_duration (const SbxJson *clip) {
  SbxJson *d = sbx_jfield(clip, "duration");
  char *end;
  double v;
  if (sbx_jtype(d) == SBX_JNUM)
    return d->num;
  if (sbx_jtype(d) != SBX_JSTR)
    return -1;
  v = strtod(d->str, &end);
  return (end != d->str && *end == '\0') ? v : -1;
}

char *sbx_song_body (const char *description, const char *tags) {
  SbxBuf b = {0};
  sbx_buf_printf(&b, "{\"custom_mode\":false,\"mv\":\"sonic-v5\","
                 "\"gpt_description_prompt\":");
  sbx_buf_jstr(&b, description);
  if (tags != NULL) {
    sbx_buf_printf(&b, ",\"tags\":");
    sbx_buf_jstr(&b, tags);
  }
  sbx_buf_printf(&b, "}");
  return b.p;
}

int sbx_ledger_int (SbxServer *s, const char *field, long long *v) {
  SbxJson *l = sbx_ledger(s), *f = sbx_jfield(l, field);
  int rc = -1;
  if (sbx_jtype(f) == SBX_JNUM) {
    *v = (long long)f->num;
    rc = 0;
  }
  sbx_json_free(l);
  return rc;
}

void sbx_fetch (SbxServer *s, const char *url, SbxResp *r) {
  SbxReq q = {0};
  q.url = url;
  q.auth = SBX_NOAUTH;
  q.timeout_ms = 60000;
  sbx_http(s, &q, r);
}

int sbx_is_uuid (const char *s) {
  int i;
  if (s == NULL || strlen(s) != 36)
    return 0;
  for (i = 0; i < 36; i++) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (s[i] != '-')
        return 0;
    } else if (!isxdigit((unsigned char)s[i])) {
      return 0;
    }
  }
  return 1;
}

double sbx_now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void sbx_sleep (double secs) {
  struct timespec ts;
  ts.tv_sec = (time_t)secs;
  ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
    ;
}

void sbx_remove_db (const char *path) {
  char aux[512];
  remove(path);
  snprintf(aux, sizeof(aux), "%s-wal", path);
  remove(aux);
  snprintf(aux, sizeof(aux), "%s-shm", path);
  remove(aux);
  snprintf(aux, sizeof(aux), "%s-journal", path);
  remove(aux);
}

void sbx_temp_path (char *out, size_t n, const char *suffix) {
  const char *tmp = getenv("TMPDIR");
  int fd;
  snprintf(out, n, "%s/sbx-XXXXXX%s", tmp ? tmp : "/tmp", suffix);
  fd = mkstemps(out, (int)strlen(suffix));
  if (fd >= 0) {
    close(fd);
    unlink(out);
  }
}
