/*
** webhook_receiver.c -- receiving webhook deliveries (see
** webhook_receiver.h).
*/
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>
#include "buf.h"
#include "journal.h"
#include "conn_guard.h"
#include "mhd_loop.h"
#include "webhook_receiver.h"
#include "webhook_verify.h"

#define BODY_LIMIT (1u << 20)
#define QUEUE_MAX 4096
#define SEEN_MAX 65536       /* ids remembered without a journal */

struct SfWebhooks {
  SfMhdLoop *daemon;
  SfConnGuard *guard;        /* deadlines, limits: slow clients can't starve
                                real deliveries (issue 19 item 7) */
  char secret[256];
  char run_id[40];
  int wake_fd;
  SfJournal *journal;        /* own handle: this is another thread */
  pthread_mutex_t lock;      /* guards everything below */
  char (*queue)[80];
  int nqueue;
  char (*seen)[80];          /* delivery ids, when there is no journal */
  int nseen;
  SfWebhookStats stats;
};

/* Per-request state: the body being received. */
typedef struct Upload {
  SfBuf body;
  int too_large;
} Upload;

static enum MHD_Result answer (struct MHD_Connection *c, unsigned status,
                               const char *json) {
  struct MHD_Response *r = MHD_create_response_from_buffer(
      strlen(json), (void *)json, MHD_RESPMEM_MUST_COPY);
  enum MHD_Result rc;
  MHD_add_response_header(r, "Content-Type", "application/json");
  rc = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  return rc;
}

/* The "task_id" string of a (verified) body; "" when absent or odd. */
static void body_task_id (const char *body, char out[80]) {
  const char *p = strstr(body, "\"task_id\"");
  size_t n = 0;
  out[0] = '\0';
  if (p == NULL || (p = strchr(p + 9, ':')) == NULL)
    return;
  while (*++p == ' ')
    ;
  if (*p++ != '"')
    return;
  while (p[n] != '"' && p[n] != '\0' && n < 79) {
    char ch = p[n];
    if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
          (ch >= 'A' && ch <= 'Z') || ch == '-' || ch == '_'))
      return;
    n++;
  }
  if (p[n] == '"') {
    memcpy(out, p, n);
    out[n] = '\0';
  }
}

/* Record delivery 'id'; 1 if new, 0 if seen before, -1 on error. Lock
** held. With a journal the record is committed before we answer. */
static int remember (SfWebhooks *w, const char *id, const char *task,
                     const char *event) {
  int i;
  if (w->journal != NULL)
    return sf_journal_webhook_put(w->journal, w->run_id, id, task, event,
                                  (long long)time(NULL));
  for (i = 0; i < w->nseen; i++)
    if (strcmp(w->seen[i], id) == 0)
      return 0;
  if (w->nseen < SEEN_MAX)
    snprintf(w->seen[w->nseen++], 80, "%s", id);
  return 1;
}

/* A complete delivery: verify, deduplicate, journal, queue, wake. */
static enum MHD_Result accept_delivery (SfWebhooks *w,
                                        struct MHD_Connection *c,
                                        Upload *u) {
  const char *id = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                               "X-Webhook-Id");
  const char *ts = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                               "X-Webhook-Timestamp");
  const char *sig = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                "X-Webhook-Signature");
  const char *event = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
                                                  "X-Webhook-Event");
  const char *body = u->body.data ? u->body.data : "";
  char why[128], task[80];
  int fresh;
  pthread_mutex_lock(&w->lock);
  w->stats.received++;
  if (sf_webhook_verify(w->secret, ts, sig, body, u->body.len, time(NULL),
                        why, sizeof(why)) != 0 || id == NULL ||
      strlen(id) >= 80) {
    w->stats.rejected++;
    pthread_mutex_unlock(&w->lock);
    return answer(c, MHD_HTTP_UNAUTHORIZED, "{\"error\":\"rejected\"}");
  }
  body_task_id(body, task);
  fresh = task[0] ? remember(w, id, task, event) : -1;
  if (fresh < 0) {
    w->stats.rejected++;
    pthread_mutex_unlock(&w->lock);
    return answer(c, task[0] ? MHD_HTTP_SERVICE_UNAVAILABLE
                  : MHD_HTTP_BAD_REQUEST, "{\"error\":\"not recorded\"}");
  }
  if (fresh == 0) {
    w->stats.duplicates++;
  } else {
    w->stats.accepted++;
    if (w->nqueue < QUEUE_MAX)
      snprintf(w->queue[w->nqueue++], 80, "%s", task);
    if (write(w->wake_fd, "w", 1) < 0) {
      /* the pipe is full: the loop is already due to wake */
    }
  }
  pthread_mutex_unlock(&w->lock);
  return answer(c, MHD_HTTP_OK, fresh ? "{\"ok\":true}"
                : "{\"ok\":true,\"duplicate\":true}");
}

static enum MHD_Result handle (void *cls, struct MHD_Connection *c,
                               const char *url, const char *method,
                               const char *version, const char *data,
                               size_t *size, void **state) {
  SfWebhooks *w = (SfWebhooks *)cls;
  Upload *u = (Upload *)*state;
  (void)url; (void)version;
  if (strcmp(method, "POST") != 0)
    return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, "{\"error\":\"POST\"}");
  if (u == NULL) {
    if ((u = calloc(1, sizeof(*u))) == NULL)
      return MHD_NO;
    sf_buf_init(&u->body, BODY_LIMIT);
    *state = u;
    return MHD_YES;
  }
  if (*size > 0) {
    if (sf_buf_append(&u->body, data, *size) != 0)
      u->too_large = 1;
    *size = 0;
    return MHD_YES;
  }
  if (u->too_large)
    return answer(c, 413, "{\"error\":\"too large\"}");
  return accept_delivery(w, c, u);
}

static void request_done (void *cls, struct MHD_Connection *c, void **state,
                          enum MHD_RequestTerminationCode code) {
  Upload *u = (Upload *)*state;
  (void)cls; (void)c; (void)code;
  if (u != NULL) {
    sf_buf_free(&u->body);
    free(u);
    *state = NULL;
  }
}

/* "ADDR:PORT" into a sockaddr. 0 or -1. */
static int parse_listen (const char *s, struct sockaddr_in *sa) {
  char host[64];
  const char *colon = strrchr(s, ':');
  memset(sa, 0, sizeof(*sa));
  sa->sin_family = AF_INET;
  if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
    return -1;
  memcpy(host, s, (size_t)(colon - s));
  host[colon - s] = '\0';
  sa->sin_port = htons((unsigned short)atoi(colon + 1));
  return inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa->sin_addr) == 1
         ? 0 : -1;
}

/*
** The daemon behind a guard (conn_guard.h): every delivery's headers and
** body must arrive within 10 s, a connection idle 30 s is closed, and up
** to 2,048 connections are served at once (a quarter per peer address
** when listening beyond loopback, where the service's few senders share
** it with everyone else). 0 or -1.
*/
static int guard_start (SfWebhooks *w, struct sockaddr_in *sa) {
  SfConnGuardConfig g;
  struct MHD_OptionItem opts[] = {
    { MHD_OPTION_SOCK_ADDR, 0, sa },
    { MHD_OPTION_END, 0, NULL },
  };
  memset(&g, 0, sizeof(g));
  g.max_connections = 2048;
  g.idle_s = 30;
  g.request_s = 10;
  g.backlog = 1024;
  if ((w->guard = sf_conn_guard_new(&g, handle, w, request_done, w)) == NULL)
    return -1;
  if ((ntohl(sa->sin_addr.s_addr) >> 24) != 127 &&
      sf_conn_guard_set_per_ip(w->guard,
                               sf_conn_guard_limit(w->guard) / 4) != 0)
    return -1;
  /* one thread: the service's few senders; the loop rather than
  ** libmicrohttpd's own thread for the reason in mhd_loop.h */
  w->daemon = sf_mhd_loop_start(w->guard, 1, 0, 0, opts);
  return w->daemon != NULL ? 0 : -1;
}

SfWebhooks *sf_webhooks_start (const char *listen, const char *secret,
                               const char *journal, const char *run_id,
                               int wake_fd, char *err, size_t errlen) {
  struct sockaddr_in sa;
  SfWebhooks *w;
  if (parse_listen(listen, &sa) != 0) {
    snprintf(err, errlen, "--webhook-listen '%s': ADDR:PORT expected "
             "(IPv4), e.g. 0.0.0.0:8080", listen);
    return NULL;
  }
  if ((w = calloc(1, sizeof(*w))) == NULL) {
    snprintf(err, errlen, "not enough memory");
    return NULL;
  }
  pthread_mutex_init(&w->lock, NULL);
  if ((w->queue = calloc(QUEUE_MAX, 80)) == NULL ||
      (journal == NULL && (w->seen = calloc(SEEN_MAX, 80)) == NULL)) {
    snprintf(err, errlen, "not enough memory");
    goto fail;
  }
  snprintf(w->secret, sizeof(w->secret), "%s", secret);
  snprintf(w->run_id, sizeof(w->run_id), "%s", run_id ? run_id : "");
  w->wake_fd = wake_fd;
  if (journal != NULL &&
      sf_journal_open_mode(&w->journal, journal, SF_JOURNAL_SHARED, err,
                           errlen) != 0) {
    snprintf(err, errlen, "cannot open the journal for webhooks");
    goto fail;
  }
  if (guard_start(w, &sa) != 0) {
    snprintf(err, errlen, "cannot listen on %s for webhooks", listen);
    goto fail;
  }
  return w;
fail:
  sf_webhooks_stop(w);
  return NULL;
}

int sf_webhooks_port (const SfWebhooks *w) {
  return sf_mhd_loop_port(w->daemon);
}

int sf_webhooks_take (SfWebhooks *w, char (*ids)[80], int n) {
  int k;
  pthread_mutex_lock(&w->lock);
  k = w->nqueue < n ? w->nqueue : n;
  memcpy(ids, w->queue, (size_t)k * 80);
  memmove(w->queue, w->queue + k, (size_t)(w->nqueue - k) * 80);
  w->nqueue -= k;
  pthread_mutex_unlock(&w->lock);
  return k;
}

void sf_webhooks_stats (SfWebhooks *w, SfWebhookStats *out) {
  pthread_mutex_lock(&w->lock);
  *out = w->stats;
  pthread_mutex_unlock(&w->lock);
}

void sf_webhooks_stop (SfWebhooks *w) {
  if (w == NULL)
    return;
  sf_mhd_loop_stop(w->daemon);      /* joins its thread; NULL-safe */
  sf_conn_guard_free(w->guard);     /* after: no more callbacks */
  sf_journal_close(w->journal);      /* NULL-safe */
  pthread_mutex_destroy(&w->lock);
  free(w->queue);
  free(w->seen);
  free(w);
}
