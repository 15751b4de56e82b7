/*
** webhook.c -- signed webhook deliveries.
**
** When a task that carries webhook_url finishes, the timer thread builds
** the body (the task status plus task_id, platform and event) and queues
** it; a delivery thread POSTs it with plain sockets, so request handling
** never waits on a receiver. Headers: X-Webhook-Id (= Idempotency-Key,
** the same on every retry), X-Webhook-Event, X-Webhook-Timestamp and
** X-Webhook-Signature: sha256=hex(HMAC-SHA256(secret, "<ts>.<body>")).
** Failed deliveries are retried 4 times (1, 2, 4, 8 s apart). Only
** loopback http:// URLs are delivered to; others are logged and skipped.
** Delivery is at least once: a task is marked sent only after a 2xx.
*/
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include "sbx.h"
#include "sha256.h"

#define HOOK_ATTEMPTS 5

typedef struct Delivery {
  char task_id[SBX_ID_LEN];
  char id[SBX_ID_LEN];            /* X-Webhook-Id */
  char *url, *secret, *body;
  const char *event;
  int attempt;
  int bad_signature;
  int64_t due;
  struct Delivery *next;
} Delivery;

struct Hooks {
  Sbx *s;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  Delivery *queue;
  int stopping, started;
};

static void delivery_free (Delivery *d) {
  free(d->url);
  free(d->secret);
  free(d->body);
  free(d);
}

/* ---- the URL ------------------------------------------------------------ */

typedef struct Url {
  char host[256], port[8];
  const char *path;
} Url;

/* Split "http://host[:port][/path]"; 0, or -1 if not plain http. */
static int url_split (const char *url, Url *u) {
  const char *p = url + 7, *end, *colon;
  size_t n;
  if (strncmp(url, "http://", 7) != 0)
    return -1;
  end = p + strcspn(p, "/?#");
  u->path = *end == '/' ? end : "/";
  if (*p == '[') {                           /* [::1]:8080 */
    const char *close = memchr(p, ']', (size_t)(end - p));
    if (close == NULL)
      return -1;
    n = (size_t)(close - p - 1);
    colon = close + 1 < end && close[1] == ':' ? close + 1 : NULL;
    p++;
  } else {
    colon = memchr(p, ':', (size_t)(end - p));
    n = (size_t)((colon ? colon : end) - p);
  }
  if (n == 0 || n >= sizeof(u->host))
    return -1;
  memcpy(u->host, p, n);
  u->host[n] = '\0';
  n = colon ? (size_t)(end - colon - 1) : 2;
  if (n == 0 || n >= sizeof(u->port))
    return -1;
  memcpy(u->port, colon ? colon + 1 : "80", n);
  u->port[n] = '\0';
  return 0;
}

static int is_loopback (const char *host) {
  return !strcmp(host, "localhost") || !strcmp(host, "::1") ||
         !strncmp(host, "127.", 4);
}

/* ---- one POST ----------------------------------------------------------- */

static int connect_to (const Url *u) {
  struct addrinfo hints, *res = NULL, *ai;
  struct timeval tv = { 5, 0 };
  int fd = -1;
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(u->host, u->port, &hints, &res) != 0)
    return -1;
  for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
    fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0)
      continue;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  return fd;
}

static int send_all (int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0)
      return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* The request head, signed over "<ts>.<body>". */
static void request_head (Buf *b, const Delivery *d, const Url *u) {
  char ts[24], msgsig[SF_SHA256_HEXLEN];
  unsigned char mac[SF_SHA256_LEN];
  Buf signed_text;
  snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL));
  sf_sbx_buf_init(&signed_text);
  sf_sbx_buf_fmt(&signed_text, "%s.%s", ts, d->body);
  if (d->bad_signature)        /* --webhook-bad-signature: a forgery */
    sf_hmac_sha256("not-the-secret", 14, signed_text.p, signed_text.len,
                   mac);
  else
    sf_hmac_sha256(d->secret ? d->secret : "", d->secret ?
                   strlen(d->secret) : 0, signed_text.p, signed_text.len,
                   mac);
  sf_sha256_hex(mac, msgsig);
  sf_sbx_buf_free(&signed_text);
  sf_sbx_buf_fmt(b, "POST %s HTTP/1.1\r\nHost: %s%s%s:%s\r\n"
                 "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                 "User-Agent: sonicflow-sandbox\r\nX-Webhook-Id: %s\r\n"
                 "Idempotency-Key: %s\r\nX-Webhook-Event: %s\r\n"
                 "X-Webhook-Timestamp: %s\r\n"
                 "X-Webhook-Signature: sha256=%s\r\nConnection: close\r\n"
                 "\r\n", u->path, strchr(u->host, ':') ? "[" : "", u->host,
                 strchr(u->host, ':') ? "]" : "", u->port, strlen(d->body),
                 d->id, d->id, d->event, ts, msgsig);
}

/* POST one delivery; 0 on a 2xx answer. */
static int deliver (const Delivery *d) {
  Url u;
  Buf head;
  char resp[64];
  ssize_t n;
  int fd, rc = -1, status = 0;
  if (url_split(d->url, &u) != 0 || (fd = connect_to(&u)) < 0)
    return -1;
  sf_sbx_buf_init(&head);
  request_head(&head, d, &u);
  if (send_all(fd, head.p, head.len) == 0 &&
      send_all(fd, d->body, strlen(d->body)) == 0 &&
      (n = recv(fd, resp, sizeof(resp) - 1, 0)) > 0) {
    resp[n] = '\0';
    if (sscanf(resp, "HTTP/%*d.%*d %d", &status) == 1 && status >= 200 &&
        status < 300)
      rc = 0;
  }
  sf_sbx_buf_free(&head);
  close(fd);
  return rc;
}

/* ---- the queue ---------------------------------------------------------- */

/* Insert in order of due time. Hooks lock held. */
static void enqueue (Hooks *h, Delivery *d) {
  Delivery **pp = &h->queue;
  while (*pp != NULL && (*pp)->due <= d->due)
    pp = &(*pp)->next;
  d->next = *pp;
  *pp = d;
  pthread_cond_signal(&h->cond);
}

/* Mark the task delivered, so a restarted sandbox does not send again. */
static void mark_sent (Sbx *s, const char *task_id) {
  Task *t;
  pthread_mutex_lock(&s->lock);
  if ((t = sf_sbx_task_find(s, task_id)) != NULL) {
    t->webhook_sent = 1;
    sf_sbx_state_save_task(s, t);
  }
  pthread_mutex_unlock(&s->lock);
}

/* Take due deliveries one at a time, POST them unlocked, retry later on
** failure. */
static void *hooks_main (void *arg) {
  Hooks *h = (Hooks *)arg;
  pthread_mutex_lock(&h->lock);
  while (!h->stopping) {
    Delivery *d = h->queue;
    struct timespec ts;
    if (d == NULL) {
      pthread_cond_wait(&h->cond, &h->lock);
      continue;
    }
    if (d->due > sf_sbx_now_ms()) {
      ts.tv_sec = (time_t)(d->due / 1000);
      ts.tv_nsec = (long)(d->due % 1000) * 1000000L;
      pthread_cond_timedwait(&h->cond, &h->lock, &ts);
      continue;
    }
    h->queue = d->next;
    pthread_mutex_unlock(&h->lock);
    if (deliver(d) == 0) {
      mark_sent(h->s, d->task_id);
      sf_sbx_log(h->s, "webhook %s %s delivered", d->event, d->task_id);
      delivery_free(d);
      d = NULL;
    } else if (++d->attempt >= HOOK_ATTEMPTS) {
      sf_sbx_log(h->s, "webhook %s for %s failed %d times, giving up",
                 d->event, d->task_id, HOOK_ATTEMPTS);
      delivery_free(d);
      d = NULL;
    }
    pthread_mutex_lock(&h->lock);
    if (d != NULL) {
      d->due = sf_sbx_now_ms() + (1000LL << (d->attempt - 1));
      enqueue(h, d);
    }
  }
  pthread_mutex_unlock(&h->lock);
  return NULL;
}

Hooks *sf_sbx_hooks_start (Sbx *s) {
  Hooks *h = sf_sbx_alloc(sizeof(Hooks));
  sigset_t all, old;
  h->s = s;
  pthread_mutex_init(&h->lock, NULL);
  pthread_cond_init(&h->cond, NULL);
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  h->started = pthread_create(&h->thread, NULL, hooks_main, h) == 0;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return h;
}

/* Stop; undelivered webhooks are dropped (with --state, a restarted
** sandbox sends them again). */
void sf_sbx_hooks_stop (Hooks *h) {
  if (h == NULL)
    return;
  pthread_mutex_lock(&h->lock);
  h->stopping = 1;
  pthread_cond_signal(&h->cond);
  pthread_mutex_unlock(&h->lock);
  if (h->started)
    pthread_join(h->thread, NULL);
  while (h->queue != NULL) {
    Delivery *d = h->queue;
    h->queue = d->next;
    delivery_free(d);
  }
  pthread_mutex_destroy(&h->lock);
  pthread_cond_destroy(&h->cond);
  free(h);
}

/* ---- arming ------------------------------------------------------------- */

/* The body: the task status with task_id, platform and event added. */
static Delivery *delivery_new (Sbx *s, Task *t, int64_t now) {
  Delivery *d = sf_sbx_alloc(sizeof(Delivery));
  Buf b;
  int i, failed = 0;
  for (i = 0; i < t->nclips; i++)
    failed |= sf_sbx_clip_state(s, t->clips[i], now) == CS_FAILED;
  d->event = failed ? "song.failed" : "song.completed";
  memcpy(d->task_id, t->id, SBX_ID_LEN);
  sf_sbx_uuid(sf_sbx_hash_mix(s->cfg.seed, 0x400c), (uint64_t)t->no, d->id);
  d->url = sf_sbx_strdup(t->webhook_url);
  d->secret = sf_sbx_strdup(t->webhook_secret);
  sf_sbx_buf_init(&b);
  sf_sbx_task_json(s, &b, t, now);
  b.p[--b.len] = '\0';                       /* reopen the object */
  sf_sbx_buf_fmt(&b, ",\"task_id\":\"%s\",\"platform\":\"suno\","
                 "\"event\":\"%s\"}", t->id, d->event);
  d->body = sf_sbx_buf_take(&b);
  d->bad_signature = s->cfg.webhook_bad_signature;
  d->due = now;
  if (s->cfg.webhook_reorder_ms > 0)  /* deterministic under --seed */
    d->due += (int64_t)(sf_sbx_hash_mix(s->cfg.seed ^ 0x5eed, (uint64_t)t->no)
                        % (uint64_t)(s->cfg.webhook_reorder_ms + 1));
  return d;
}

/* A second delivery of 'd' with the same id, a little later. */
static Delivery *delivery_copy (const Delivery *d) {
  Delivery *c = sf_sbx_alloc(sizeof(Delivery));
  *c = *d;
  c->url = sf_sbx_strdup(d->url);
  c->secret = d->secret ? sf_sbx_strdup(d->secret) : NULL;
  c->body = sf_sbx_strdup(d->body);
  c->due = d->due + 50;
  c->next = NULL;
  return c;
}

/* What the timer holds for one armed webhook. */
typedef struct Armed {
  Sbx *s;
  char task_id[SBX_ID_LEN];
} Armed;

/* Timer callback at the task's end: settle it, then queue the POST. */
static void hook_due (void *arg, int cancelled) {
  Armed *armed = (Armed *)arg;
  Sbx *s = armed->s;
  const char *task_id = armed->task_id;
  Delivery *d = NULL;
  Task *t;
  if (!cancelled) {
    int64_t now;
    pthread_mutex_lock(&s->lock);
    t = sf_sbx_task_find(s, task_id);
    if (t != NULL)
      t->hook_pending = 0;        /* retain.c may drop it after this */
    now = t ? sf_sbx_task_done_wall(s, t) : 0;
    if (now < sf_sbx_now_ms())
      now = sf_sbx_now_ms();
    sf_sbx_tasks_settle(s, now);
    if (t != NULL && !t->webhook_sent)
      d = delivery_new(s, t, now);
    pthread_mutex_unlock(&s->lock);
  }
  if (d != NULL) {
    Delivery *twin = s->cfg.webhook_duplicates ? delivery_copy(d) : NULL;
    pthread_mutex_lock(&s->hooks->lock);
    enqueue(s->hooks, d);
    if (twin != NULL)
      enqueue(s->hooks, twin);
    pthread_mutex_unlock(&s->hooks->lock);
  }
  free(armed);
}

/* Schedule the webhook of 't' for when it finishes. Lock held. */
void sf_sbx_hooks_arm (Sbx *s, Task *t) {
  Url u;
  Armed *arg;
  if (url_split(t->webhook_url, &u) != 0 || !is_loopback(u.host)) {
    sf_sbx_log(s, "webhook for %s not delivered: the sandbox posts only "
               "to loopback http:// URLs", t->id);
    return;
  }
  arg = sf_sbx_alloc(sizeof(Armed));
  arg->s = s;
  memcpy(arg->task_id, t->id, SBX_ID_LEN);
  if (sf_sbx_timer_add(s->timer, sf_sbx_task_done_wall(s, t), hook_due,
                       arg) != 0)
    free(arg);
  else
    t->hook_pending = 1;          /* keeps retain.c off it until due */
}
