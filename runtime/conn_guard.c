/*
** conn_guard.c -- total deadlines for requests on a libmicrohttpd daemon
** (see conn_guard.h).
**
** Every connection has a record (its socket context). A record waiting
** for bytes sits on one of two lists, each in the order its clock
** started, so the sweeper only ever looks at the heads:
**   'idle'  -- waiting for a request line (new, or between requests);
**   'head'  -- request line seen, headers and body still arriving.
** A record whose request is being answered is on neither list.
**
** Locking: 'lock' guards both lists and every record. libmicrohttpd
** calls MHD_CONNECTION_NOTIFY_CLOSED before it closes the descriptor,
** and the record leaves its list under the lock there, so the sweeper
** never shuts down a descriptor that has been closed and reused.
*/
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include "conn_guard.h"
#include "fdlimit.h"
#include "peer_cap.h"

#define FD_RESERVE 256            /* descriptors kept for files, threads */
#define SWEEP_MS 250              /* how late a deadline may act */

enum { PH_IDLE, PH_HEAD, PH_BUSY, PH_EXPIRED };

typedef struct Rec {
  struct Rec *prev, *next;        /* on the list of its phase */
  int fd;
  int phase;
  int calls;                      /* access-handler calls this request */
  int counted;                    /* in 'peers' under 'peer' */
  int64_t since;                  /* ms: when the phase's clock started */
  struct sockaddr_storage peer;
} Rec;

typedef struct List {
  Rec *first, *last;
} List;

struct SfConnGuard {
  SfConnGuardConfig cfg;
  unsigned limit;
  MHD_AccessHandlerCallback handler;
  void *handler_cls;
  MHD_RequestCompletedCallback completed;
  void *completed_cls;
  pthread_mutex_t lock;
  pthread_cond_t cond;            /* wakes the sweeper to stop */
  pthread_t sweeper;
  int stopping;
  List idle, head;
  long expired;
  SfPeerCap *peers;               /* per-address counts, NULL: no cap */
  long over_cap;                  /* connections refused for the cap */
};

static int64_t now_ms (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- the two lists ------------------------------------------------------ */

static List *list_of (SfConnGuard *g, Rec *r) {
  return r->phase == PH_IDLE ? &g->idle : r->phase == PH_HEAD ? &g->head
                                                              : NULL;
}

/* Take 'r' off its list (if any). Lock held. */
static void unlink_rec (SfConnGuard *g, Rec *r) {
  List *l = list_of(g, r);
  if (l == NULL)
    return;
  if (r->prev) r->prev->next = r->next; else l->first = r->next;
  if (r->next) r->next->prev = r->prev; else l->last = r->prev;
  r->prev = r->next = NULL;
}

/* Move 'r' into 'phase', its clock starting now. Lock held. */
static void enter (SfConnGuard *g, Rec *r, int phase) {
  List *l;
  if (r->phase == PH_EXPIRED)
    return;                       /* shut down already: stays so */
  unlink_rec(g, r);
  r->phase = phase;
  r->since = now_ms();
  if ((l = list_of(g, r)) == NULL)
    return;
  r->prev = l->last;              /* 'since' only grows: stays sorted */
  if (l->last) l->last->next = r; else l->first = r;
  l->last = r;
}

/* ---- the sweeper -------------------------------------------------------- */

/* Shut down the heads of 'l' older than 'max_ms'. Lock held. */
static void expire (SfConnGuard *g, List *l, int64_t max_ms, int64_t now) {
  while (l->first != NULL && now - l->first->since >= max_ms) {
    Rec *r = l->first;
    unlink_rec(g, r);
    r->phase = PH_EXPIRED;
    /* not close(): libmicrohttpd owns the descriptor and closes it when
    ** it reads the end of stream this causes */
    shutdown(r->fd, SHUT_RDWR);
    g->expired++;
  }
}

static void *sweep_main (void *arg) {
  SfConnGuard *g = (SfConnGuard *)arg;
  pthread_mutex_lock(&g->lock);
  while (!g->stopping) {
    struct timespec ts;
    int64_t now = now_ms();
    expire(g, &g->idle, (int64_t)g->cfg.idle_s * 1000, now);
    expire(g, &g->head, (int64_t)g->cfg.request_s * 1000, now);
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += SWEEP_MS * 1000000L;
    ts.tv_sec += ts.tv_nsec / 1000000000L;
    ts.tv_nsec %= 1000000000L;
    pthread_cond_timedwait(&g->cond, &g->lock, &ts);
  }
  pthread_mutex_unlock(&g->lock);
  return NULL;
}

/* ---- libmicrohttpd callbacks -------------------------------------------- */

/* The record of 'c' (its socket context), or NULL. */
static Rec *rec_of (struct MHD_Connection *c) {
  const union MHD_ConnectionInfo *ci =
    MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci ? (Rec *)ci->socket_context : NULL;
}

/* Count the peer of a new connection against the per-address cap; over
** it, the connection is shut down at once (libmicrohttpd closes it when it
** reads the end of stream, as it closes one over its own limits). Lock
** held. */
static void cap_peer (SfConnGuard *g, struct MHD_Connection *c, Rec *r) {
  const union MHD_ConnectionInfo *ci =
    MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  socklen_t len;
  int rc;
  if (g->peers == NULL || ci == NULL || ci->client_addr == NULL)
    return;
  len = ci->client_addr->sa_family == AF_INET6
          ? (socklen_t)sizeof(struct sockaddr_in6)
          : (socklen_t)sizeof(struct sockaddr_in);
  memcpy(&r->peer, ci->client_addr, len);
  rc = sf_peer_cap_enter(g->peers, (struct sockaddr *)&r->peer);
  r->counted = rc == 1;
  if (rc == 0) {
    unlink_rec(g, r);
    r->phase = PH_EXPIRED;        /* no deadline: it is closing */
    shutdown(r->fd, SHUT_RDWR);
    g->over_cap++;
  }
}

/* MHD_OPTION_NOTIFY_CONNECTION: a record per connection. Out of memory
** leaves the connection unguarded rather than refusing it. */
static void on_connection (void *cls, struct MHD_Connection *c,
                           void **socket_context,
                           enum MHD_ConnectionNotificationCode code) {
  SfConnGuard *g = (SfConnGuard *)cls;
  Rec *r = (Rec *)*socket_context;
  if (code == MHD_CONNECTION_NOTIFY_STARTED) {
    const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (ci == NULL || (r = calloc(1, sizeof(*r))) == NULL)
      return;
    r->fd = ci->connect_fd;
    r->phase = PH_BUSY;           /* on no list yet */
    pthread_mutex_lock(&g->lock);
    enter(g, r, PH_IDLE);
    cap_peer(g, c, r);
    pthread_mutex_unlock(&g->lock);
    *socket_context = r;
    return;
  }
  if (r == NULL)
    return;
  pthread_mutex_lock(&g->lock);   /* the descriptor is still open here */
  unlink_rec(g, r);
  if (r->counted)
    sf_peer_cap_leave(g->peers, (struct sockaddr *)&r->peer);
  pthread_mutex_unlock(&g->lock);
  free(r);
  *socket_context = NULL;
}

/* MHD_OPTION_URI_LOG_CALLBACK: the request line is in; the headers and
** body clock starts. Returns NULL: the access handler's *con_cls starts
** out NULL as it would without us. */
static void *on_uri (void *cls, const char *uri, struct MHD_Connection *c) {
  SfConnGuard *g = (SfConnGuard *)cls;
  Rec *r = rec_of(c);
  (void)uri;
  if (r != NULL) {
    pthread_mutex_lock(&g->lock);
    r->calls = 0;
    enter(g, r, PH_HEAD);
    pthread_mutex_unlock(&g->lock);
  }
  return NULL;
}

/* The first call brings the headers, a call with no upload data after it
** says the body is complete: from then on the request is being answered
** and no deadline applies. */
enum MHD_Result sf_conn_guard_access (void *cls, struct MHD_Connection *c,
                                      const char *url, const char *method,
                                      const char *version,
                                      const char *upload,
                                      size_t *upload_size, void **con_cls) {
  SfConnGuard *g = (SfConnGuard *)cls;
  Rec *r = rec_of(c);
  if (r != NULL && *upload_size == 0) {
    pthread_mutex_lock(&g->lock);  /* the sweeper may expire it meanwhile */
    if (r->phase == PH_HEAD && r->calls++ > 0)
      enter(g, r, PH_BUSY);
    pthread_mutex_unlock(&g->lock);
  }
  return g->handler(g->handler_cls, c, url, method, version, upload,
                    upload_size, con_cls);
}

/* MHD_OPTION_NOTIFY_COMPLETED: the user's callback, then the connection
** waits for its next request line. */
static void on_completed (void *cls, struct MHD_Connection *c,
                          void **con_cls,
                          enum MHD_RequestTerminationCode toe) {
  SfConnGuard *g = (SfConnGuard *)cls;
  Rec *r = rec_of(c);
  if (g->completed != NULL)
    g->completed(g->completed_cls, c, con_cls, toe);
  if (r != NULL) {
    pthread_mutex_lock(&g->lock);
    enter(g, r, PH_IDLE);
    pthread_mutex_unlock(&g->lock);
  }
}

/* ---- setup -------------------------------------------------------------- */

/* The connection limit: asked for, or what the descriptors allow. */
static unsigned size_limit (unsigned want) {
  long fds = sf_fdlimit_raise() - FD_RESERVE;
  if (fds < 64)
    fds = 64;
  if (want == 0 || (long)want > fds)
    return (unsigned)fds;
  return want;
}

SfConnGuard *sf_conn_guard_new (const SfConnGuardConfig *cfg,
                                MHD_AccessHandlerCallback handler,
                                void *handler_cls,
                                MHD_RequestCompletedCallback completed,
                                void *completed_cls) {
  SfConnGuard *g = calloc(1, sizeof(*g));
  pthread_condattr_t ca;
  if (g == NULL)
    return NULL;
  g->cfg = *cfg;
  if (g->cfg.idle_s == 0)
    g->cfg.idle_s = 30;
  if (g->cfg.request_s == 0)
    g->cfg.request_s = 10;
  if (g->cfg.backlog == 0)
    g->cfg.backlog = 4096;
  g->limit = size_limit(cfg->max_connections);
  if (g->cfg.per_ip > 0 &&
      (g->peers = sf_peer_cap_new(g->cfg.per_ip)) == NULL) {
    free(g);
    return NULL;
  }
  g->handler = handler;
  g->handler_cls = handler_cls;
  g->completed = completed;
  g->completed_cls = completed_cls;
  pthread_mutex_init(&g->lock, NULL);
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);  /* as now_ms() */
  pthread_cond_init(&g->cond, &ca);
  pthread_condattr_destroy(&ca);
  if (pthread_create(&g->sweeper, NULL, sweep_main, g) != 0) {
    pthread_cond_destroy(&g->cond);
    pthread_mutex_destroy(&g->lock);
    free(g);
    return NULL;
  }
  return g;
}

void sf_conn_guard_options (SfConnGuard *g, unsigned shares,
                            struct MHD_OptionItem *opt) {
  unsigned limit = sf_conn_guard_share(g, shares);
  struct MHD_OptionItem o[SF_CONN_GUARD_NOPTS] = {
    { MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, g },
    { MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)on_uri, g },
    { MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, g },
    { MHD_OPTION_CONNECTION_LIMIT, (intptr_t)limit, NULL },
    { MHD_OPTION_LISTEN_BACKLOG_SIZE, (intptr_t)g->cfg.backlog, NULL },
    /* the idle timeout stays as a second line behind the sweeper */
    { MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)g->cfg.idle_s, NULL },
    { MHD_OPTION_END, 0, NULL },
  };
  memcpy(opt, o, sizeof(o));
}

/* A connection limit of its own for each of 'shares' daemons. */
unsigned sf_conn_guard_share (const SfConnGuard *g, unsigned shares) {
  unsigned n = shares ? shares : 1;
  return g->limit / n ? g->limit / n : 1;
}

int sf_conn_guard_set_per_ip (SfConnGuard *g, unsigned per_ip) {
  sf_peer_cap_free(g->peers);
  g->peers = NULL;
  g->cfg.per_ip = per_ip;
  if (per_ip > 0 && (g->peers = sf_peer_cap_new(per_ip)) == NULL)
    return -1;
  return 0;
}

/* A counter of the guard's, read under its lock. */
static long read_counter (SfConnGuard *g, const long *counter) {
  long n;
  pthread_mutex_lock(&g->lock);
  n = *counter;
  pthread_mutex_unlock(&g->lock);
  return n;
}

long sf_conn_guard_over_cap (SfConnGuard *g) {
  return read_counter(g, &g->over_cap);
}

unsigned sf_conn_guard_limit (const SfConnGuard *g) {
  return g->limit;
}

long sf_conn_guard_expired (SfConnGuard *g) {
  return read_counter(g, &g->expired);
}

void sf_conn_guard_free (SfConnGuard *g) {
  if (g == NULL)
    return;
  pthread_mutex_lock(&g->lock);
  g->stopping = 1;
  pthread_cond_signal(&g->cond);
  pthread_mutex_unlock(&g->lock);
  pthread_join(g->sweeper, NULL);
  pthread_cond_destroy(&g->cond);
  pthread_mutex_destroy(&g->lock);
  sf_peer_cap_free(g->peers);
  free(g);
}
