/*
** test_webhook.c -- PROTOCOL.md "Webhooks": a create with webhook_url and
** webhook_secret gets a POST of the task body plus task_id, platform and
** event, with X-Webhook-Id (= Idempotency-Key), X-Webhook-Event,
** X-Webhook-Timestamp and X-Webhook-Signature "sha256=<hex>" where hex is
** HMAC-SHA256(secret, "<timestamp>.<raw body>"). The receiver here is a
** plain-socket HTTP listener; SHA-256/HMAC are this suite's own, checked
** first against FIPS 180-2 and RFC 4231 vectors.
*/
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sbx_harness.h"
#include "sbx_sha256.h"

#define SECRET "whsec_5f3a9c\"/\\k3y\xc3\xa9"
#define MAXHOOKS 64

/* ---- SHA-256 / HMAC self test -------------------------------------------*/

static void hmac_case (const unsigned char *key, size_t kl, const char *msg,
                       size_t ml, const char *want, size_t cmp_hex,
                       const char *name) {
  unsigned char mac[32];
  char hex[65];
  sbx_hmac_sha256(key, kl, msg, ml, mac);
  sbx_hex(mac, 32, hex);
  SBX_CHECK(strncmp(hex, want, cmp_hex) == 0, "HMAC %s: %s", name, hex);
}

static void test_vectors (void) {
  unsigned char k[131], d[50], h[32];
  char hex[65];
  int i;
  sbx_case("SHA-256 and HMAC-SHA256 of this suite (FIPS, RFC 4231)");
  sbx_sha256("abc", 3, h);
  sbx_hex(h, 32, hex);
  SBX_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f"
             "20015ad", "sha256(abc)");
  sbx_sha256("", 0, h);
  sbx_hex(h, 32, hex);
  SBX_EQ_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7"
             "852b855", "sha256('')");
  sbx_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56,
             h);
  sbx_hex(h, 32, hex);
  SBX_EQ_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd41"
             "9db06c1", "sha256(448 bits)");
  memset(k, 0x0b, 20);
  hmac_case(k, 20, "Hi There", 8, "b0344c61d8db38535ca8afceaf0bf12b881dc200"
            "c9833da726e9376c2e32cff7", 64, "RFC 4231 case 1");
  hmac_case((const unsigned char *)"Jefe", 4, "what do ya want for nothing?",
            28, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964"
            "ec3843", 64, "RFC 4231 case 2");
  memset(k, 0xaa, 20);
  memset(d, 0xdd, 50);
  hmac_case(k, 20, (const char *)d, 50, "773ea91e36800e46854db8ebd09181a7295"
            "9098b3ef8c122d9635514ced565fe", 64, "RFC 4231 case 3");
  for (i = 0; i < 25; i++)
    k[i] = (unsigned char)(i + 1);
  memset(d, 0xcd, 50);
  hmac_case(k, 25, (const char *)d, 50, "82558a389a443c0ea4cc819899f2083a85f"
            "0faa3e578f8077a2e3ff46729665b", 64, "RFC 4231 case 4");
  memset(k, 0x0c, 20);
  hmac_case(k, 20, "Test With Truncation", 20, "a3b6167473100ee06e0c796c2955"
            "552b", 32, "RFC 4231 case 5 (128 bits)");
  memset(k, 0xaa, 131);
  hmac_case(k, 131, "Test Using Larger Than Block-Size Key - Hash Key First",
            54, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0e"
            "e37f54", 64, "RFC 4231 case 6");
  hmac_case(k, 131, "This is a test using a larger than block-size key and a"
            " larger than block-size data. The key needs to be hashed before"
            " being used by the HMAC algorithm.", 152, "9b09ffa71b942fcb2763"
            "5fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", 64,
            "RFC 4231 case 7");
}

/* ---- the loopback receiver ---------------------------------------------*/

typedef struct Hook {
  char line[512];            /* request line */
  char *head;                /* header block */
  char *body;
  size_t blen;
} Hook;

typedef struct Receiver {
  int fd, port, stop;
  pthread_t thread;
  pthread_mutex_t mu;
  Hook hooks[MAXHOOKS];
  int n;
} Receiver;

/* Decode a chunked body in place; returns the new length. */
static size_t dechunk (char *p, size_t n) {
  size_t in = 0, out = 0;
  while (in < n) {
    size_t len = strtoul(p + in, NULL, 16);
    char *eol = strstr(p + in, "\r\n");
    if (eol == NULL || len == 0)
      break;
    in = (size_t)(eol - p) + 2;
    memmove(p + out, p + in, len);
    out += len;
    in += len + 2;
  }
  return out;
}

/* Header 'name' in a raw header block, or NULL (copied into buf). */
static const char *hdr (const char *head, const char *name, char *buf,
                        size_t n) {
  const char *p = head;
  size_t l = strlen(name);
  while (p != NULL && *p) {
    if (strncasecmp(p, name, l) == 0 && p[l] == ':') {
      size_t k;
      p += l + 1;
      while (*p == ' ')
        p++;
      k = strcspn(p, "\r\n");
      if (k >= n)
        k = n - 1;
      memcpy(buf, p, k);
      buf[k] = '\0';
      return buf;
    }
    p = strchr(p, '\n');
    if (p)
      p++;
  }
  return NULL;
}

/* Read one request: headers, then Content-Length or chunked body. */
static int read_request (int c, Hook *h) {
  SbxBuf b = {0};
  char buf[8192], tmp[64], *eoh = NULL;
  size_t need = 0, hl;
  int chunked;
  double end = sbx_now() + 5;
  while (sbx_now() < end) {
    struct pollfd p = { c, POLLIN, 0 };
    ssize_t k;
    if (poll(&p, 1, 200) <= 0)
      continue;
    if ((k = read(c, buf, sizeof(buf))) <= 0)
      break;
    sbx_buf_add(&b, buf, (size_t)k);
    if (eoh == NULL && (eoh = strstr(b.p, "\r\n\r\n")) != NULL) {
      hl = (size_t)(eoh - b.p) + 4;
      b.p[hl - 2] = '\0';
      need = hdr(b.p, "Content-Length", tmp, sizeof(tmp)) ?
             hl + strtoul(tmp, NULL, 10) : 0;
    }
    if (eoh != NULL) {
      hl = strlen(b.p) + 2;
      chunked = hdr(b.p, "Transfer-Encoding", tmp, sizeof(tmp)) != NULL;
      if ((!chunked && b.len >= need) ||
          (chunked && strstr(b.p + hl, "\r\n0\r\n") != NULL))
        break;
    }
  }
  if (b.p == NULL || strstr(b.p, "\r\n") == NULL || eoh == NULL) {
    sbx_buf_free(&b);
    return -1;
  }
  hl = strlen(b.p) + 2;
  chunked = hdr(b.p, "Transfer-Encoding", tmp, sizeof(tmp)) != NULL;
  snprintf(h->line, sizeof(h->line), "%.*s", (int)strcspn(b.p, "\r\n"),
           b.p);
  h->blen = b.len - hl;
  h->body = malloc(h->blen + 1);
  memcpy(h->body, b.p + hl, h->blen);
  h->body[h->blen] = '\0';
  if (chunked)
    h->body[h->blen = dechunk(h->body, h->blen)] = '\0';
  h->head = b.p;
  return 0;
}

static void *receiver_main (void *ud) {
  Receiver *r = (Receiver *)ud;
  static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
                           "Connection: close\r\n\r\n";
  while (!r->stop) {
    struct pollfd p = { r->fd, POLLIN, 0 };
    Hook h;
    int c;
    if (poll(&p, 1, 100) <= 0 || (c = accept(r->fd, NULL, NULL)) < 0)
      continue;
    memset(&h, 0, sizeof(h));
    if (read_request(c, &h) == 0) {
      pthread_mutex_lock(&r->mu);
      if (r->n < MAXHOOKS)
        r->hooks[r->n++] = h;
      pthread_mutex_unlock(&r->mu);
    }
    if (write(c, ok, sizeof(ok) - 1) < 0)
      (void)0;
    close(c);
  }
  return NULL;
}

static int receiver_start (Receiver *r) {
  struct sockaddr_in a;
  socklen_t l = sizeof(a);
  int one = 1;
  memset(r, 0, sizeof(*r));
  pthread_mutex_init(&r->mu, NULL);
  r->fd = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(r->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(r->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
      listen(r->fd, 64) != 0 ||
      getsockname(r->fd, (struct sockaddr *)&a, &l) != 0)
    return -1;
  r->port = ntohs(a.sin_port);
  return pthread_create(&r->thread, NULL, receiver_main, r);
}

static void receiver_stop (Receiver *r) {
  int i;
  r->stop = 1;
  pthread_join(r->thread, NULL);
  close(r->fd);
  for (i = 0; i < r->n; i++) {
    free(r->hooks[i].head);
    free(r->hooks[i].body);
  }
}

/* Index of the first delivery for 'task' with 'event', waiting up to
** 'secs'; -1 if none. */
static int wait_hook (Receiver *r, const char *task, const char *event,
                      double secs) {
  double end = sbx_now() + secs;
  int i;
  while (sbx_now() < end) {
    pthread_mutex_lock(&r->mu);
    for (i = 0; i < r->n; i++) {
      SbxJson *j = sbx_json_parse(r->hooks[i].body, r->hooks[i].blen, NULL,
                                  0);
      const char *t = sbx_jstr(sbx_jfield(j, "task_id"));
      const char *e = sbx_jstr(sbx_jfield(j, "event"));
      int hit = t && e && !strcmp(t, task) && !strcmp(e, event);
      sbx_json_free(j);
      if (hit) {
        pthread_mutex_unlock(&r->mu);
        return i;
      }
    }
    pthread_mutex_unlock(&r->mu);
    sbx_sleep(0.05);
  }
  return -1;
}

/* ---- checks ------------------------------------------------------------*/

static void check_signature (const Hook *h, const char *secret) {
  char ts[64], sig[200], hex[65], *msg;
  unsigned char mac[32];
  long long t;
  size_t tl;
  if (!SBX_CHECK(hdr(h->head, "X-Webhook-Timestamp", ts, sizeof(ts)) &&
                 hdr(h->head, "X-Webhook-Signature", sig, sizeof(sig)),
                 "X-Webhook-Timestamp and X-Webhook-Signature present"))
    return;
  SBX_CHECK(strspn(ts, "0123456789") == strlen(ts) && ts[0] != '\0',
            "timestamp should be unix seconds: %s", ts);
  t = atoll(ts);
  SBX_CHECK(llabs(t - (long long)time(NULL)) < 600, "timestamp %s is not "
            "now (%lld)", ts, (long long)time(NULL));
  tl = strlen(ts);
  msg = malloc(tl + 1 + h->blen);
  memcpy(msg, ts, tl);
  msg[tl] = '.';
  memcpy(msg + tl + 1, h->body, h->blen);
  sbx_hmac_sha256(secret, strlen(secret), msg, tl + 1 + h->blen, mac);
  sbx_hex(mac, 32, hex);
  SBX_CHECK(strncmp(sig, "sha256=", 7) == 0 && strcmp(sig + 7, hex) == 0,
            "X-Webhook-Signature \"%s\", want \"sha256=%s\" (HMAC over "
            "\"<timestamp>.<raw body>\")", sig, hex);
  free(msg);
}

static void check_hook (const Hook *h, const SbxJson *task_answer,
                        const char *task, const char *event,
                        const char *state, const char *path) {
  char id[200], ik[200], ev[100], ct[100], want_line[300];
  SbxJson *j = sbx_json_parse(h->body, h->blen, NULL, 0);
  size_t i;
  snprintf(want_line, sizeof(want_line), "POST %s HTTP/1.1", path);
  SBX_EQ_STR(h->line, want_line, "webhook request line");
  SBX_CHECK(hdr(h->head, "Content-Type", ct, sizeof(ct)) &&
            strncasecmp(ct, "application/json", 16) == 0,
            "webhook Content-Type application/json");
  SBX_CHECK(hdr(h->head, "X-Webhook-Id", id, sizeof(id)) && id[0],
            "X-Webhook-Id present");
  SBX_CHECK(hdr(h->head, "Idempotency-Key", ik, sizeof(ik)) &&
            strcmp(ik, id) == 0, "Idempotency-Key should equal X-Webhook-Id");
  SBX_CHECK(hdr(h->head, "X-Webhook-Event", ev, sizeof(ev)) &&
            strcmp(ev, event) == 0, "X-Webhook-Event should be %s", event);
  SBX_EQ_STR(sbx_jstr(sbx_jfield(j, "task_id")), task, "body task_id");
  SBX_EQ_STR(sbx_jstr(sbx_jfield(j, "event")), event, "body event");
  SBX_CHECK(sbx_jstr(sbx_jfield(j, "platform")) != NULL,
            "body platform should be a string");
  SBX_CHECK(sbx_jtype(sbx_jfield(j, "code")) == SBX_JNUM &&
            sbx_jfield(j, "code")->num == 200, "body code 200");
  SBX_CHECK(sbx_jlen(sbx_clips(j)) == sbx_jlen(sbx_clips(task_answer)) &&
            sbx_jlen(sbx_clips(j)) > 0, "body data holds the task's clips");
  for (i = 0; i < sbx_jlen(sbx_clips(j)); i++) {
    SBX_EQ_STR(sbx_clip_str(j, i, "clip_id"),
               sbx_clip_str(task_answer, i, "clip_id"), "webhook clip_id");
    SBX_EQ_STR(sbx_clip_str(j, i, "state"), state, "webhook clip state");
  }
  sbx_json_free(j);
}

static void create_with_hook (SbxServer *s, int port, const char *path,
                              const char *secret, char *id, size_t n) {
  SbxBuf b = {0};
  sbx_buf_printf(&b, "{\"custom_mode\":false,\"mv\":\"sonic-v5\","
                 "\"gpt_description_prompt\":\"hooked\",\"webhook_url\":"
                 "\"http://127.0.0.1:%d%s\"", port, path);
  if (secret != NULL) {
    sbx_buf_printf(&b, ",\"webhook_secret\":");
    sbx_buf_jstr(&b, secret);
  }
  sbx_buf_printf(&b, "}");
  SBX_EQ_INT(sbx_submit(s, "/sonic/create", b.p, id, n), 200,
             "create with webhook_url");
  sbx_buf_free(&b);
}

static void run_case (const char *opts, const char *event,
                      const char *state, const char *secret,
                      const char *name) {
  SbxServer s;
  Receiver r;
  SbxJson *a;
  char id[64];
  const char *path = "/hooks/sonic?run=7";
  int k;
  sbx_case(name);
  if (receiver_start(&r) != 0) {
    SBX_CHECK(0, "cannot start the loopback receiver");
    return;
  }
  if (sbx_start(&s, opts) == 0) {
    create_with_hook(&s, r.port, path, secret, id, sizeof(id));
    a = sbx_wait(&s, id, 20.0);
    k = wait_hook(&r, id, event, 10.0);
    if (SBX_CHECK(k >= 0, "no %s delivery for task %s within 10 s (%d "
                  "requests received)", event, id, r.n)) {
      check_hook(&r.hooks[k], a, id, event, state, path);
      if (secret != NULL)
        check_signature(&r.hooks[k], secret);
    }
    sbx_json_free(a);
    SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
  }
  receiver_stop(&r);
}

int main (int argc, char **argv) {
  sbx_init(argc, argv);
  test_vectors();
  run_case("--speed 500 --clip-seconds 3", "song.completed", "succeeded",
           SECRET, "signed song.completed delivery");
  run_case("--speed 500 --clip-seconds 3 --fail-rate 1", "song.failed",
           "failed", "another-secret", "signed song.failed delivery");
  run_case("--speed 500 --clip-seconds 3", "song.completed", "succeeded",
           NULL, "delivery without webhook_secret");
  return sbx_finish();
}
