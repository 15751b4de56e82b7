/*
** test_conn_limits.c -- the descriptor limit is raised (fdlimit.c), and
** the connection guard (conn_guard.c) sizes a daemon from it, closes a
** request whose headers do not arrive within its deadline however they
** trickle, and never cuts a request that is being answered; the loop
** (mhd_loop.c) answers a burst of requests that arrive together, which
** libmicrohttpd's own epoll thread leaves unread for its idle timeout when
** they fill one epoll_wait batch (128), and gives each of its daemons its
** share of the guard's limits, and wakes the thread of a connection
** resumed from another thread.
*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
#include <microhttpd.h>
#include "check.h"
#include "conn_guard.h"
#include "fdlimit.h"
#include "mhd_loop.h"
#include "peer_cap.h"

/* 200 "ok". */
static enum MHD_Result answer_ok (struct MHD_Connection *c) {
  struct MHD_Response *r = MHD_create_response_from_buffer(
      2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
  enum MHD_Result rc = MHD_queue_response(c, 200, r);
  MHD_destroy_response(r);
  return rc;
}

/* Takes longer than the request deadline to answer. */
static enum MHD_Result slow_answer (void *cls, struct MHD_Connection *c,
                                    const char *url, const char *method,
                                    const char *version, const char *up,
                                    size_t *up_size, void **con_cls) {
  (void)cls; (void)url; (void)method; (void)version; (void)up;
  if (*con_cls == NULL) {
    *con_cls = c;
    return MHD_YES;
  }
  *up_size = 0;
  usleep(1500 * 1000);           /* answering: no deadline applies */
  return answer_ok(c);
}

static int connect_to (int port) {
  struct sockaddr_in sa;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

/* Read until the peer closes or 'ms' pass; bytes read, -1 on timeout. */
static int read_to_close (int fd, int ms, char *buf, int cap) {
  int got = 0;
  for (;;) {
    struct pollfd p = { fd, POLLIN, 0 };
    ssize_t r;
    if (poll(&p, 1, ms) <= 0)
      return -1;
    r = recv(fd, buf + got, (size_t)(cap - 1 - got), 0);
    if (r <= 0)
      break;
    got += (int)r;
    if (got >= cap - 1)
      break;
  }
  buf[got] = '\0';
  return got;
}

/* A guard over 'handler' and a loop of 'threads' daemons serving it on a
** free port; NULL (all freed, a failed check) when either cannot start. */
static SfMhdLoop *serve (const SfConnGuardConfig *cfg,
                         MHD_AccessHandlerCallback handler, void *cls,
                         unsigned threads, unsigned flags,
                         SfConnGuard **g) {
  struct MHD_OptionItem none[] = { { MHD_OPTION_END, 0, NULL } };
  SfMhdLoop *d;
  *g = sf_conn_guard_new(cfg, handler, cls, NULL, NULL);
  d = *g ? sf_mhd_loop_start(*g, threads, flags, 0, none) : NULL;
  CHECK(d != NULL);
  if (d == NULL) {
    sf_conn_guard_free(*g);
    *g = NULL;
  }
  return d;
}

static void unserve (SfMhdLoop *d, SfConnGuard *g) {
  sf_mhd_loop_stop(d);
  sf_conn_guard_free(g);
}

static void test_fdlimit (void) {
  struct rlimit rl;
  long got;
  CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
  if (rl.rlim_max > 256) {       /* lower the soft limit, then raise it */
    rl.rlim_cur = 256;
    CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0);
  }
  got = sf_fdlimit_raise();
  CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
  CHECK(rl.rlim_cur == rl.rlim_max || rl.rlim_cur == (rlim_t)got);
  CHECK(got == (long)rl.rlim_cur);
  CHECK(sf_fdlimit_raise() == got);          /* idempotent */
}

static void test_guard (void) {
  SfConnGuardConfig cfg;
  SfConnGuard *g;
  struct MHD_OptionItem none[] = { { MHD_OPTION_END, 0, NULL } };
  SfMhdLoop *d;
  struct rlimit rl;
  char buf[1024];
  int port, fd, i, n;
  memset(&cfg, 0, sizeof(cfg));
  cfg.request_s = 1;
  cfg.idle_s = 5;
  g = sf_conn_guard_new(&cfg, slow_answer, NULL, NULL, NULL);
  CHECK(g != NULL);
  if (g == NULL)
    return;
  getrlimit(RLIMIT_NOFILE, &rl);
  /* sized from the descriptors, not FD_SETSIZE */
  CHECK((long)sf_conn_guard_limit(g) == (long)rl.rlim_cur - 256 ||
        (rl.rlim_cur < 320 && sf_conn_guard_limit(g) == 64));
  if (rl.rlim_cur > 2000)
    CHECK(sf_conn_guard_limit(g) > FD_SETSIZE);
  d = sf_mhd_loop_start(g, 2, 0, 0, none);
  CHECK(d != NULL);
  if (d == NULL) {
    sf_conn_guard_free(g);
    return;
  }
  port = sf_mhd_loop_port(d);

  /* a trickler: a header line every 300 ms never finishes its headers */
  fd = connect_to(port);
  CHECK(fd >= 0);
  {
    static const char line[] = "GET / HTTP/1.1\r\nHost: x\r\n";
    send(fd, line, sizeof(line) - 1, MSG_NOSIGNAL);
  }
  for (i = 0; i < 6; i++) {      /* 1.8 s: well past the 1 s deadline */
    usleep(300 * 1000);
    send(fd, "X-Slow: 1\r\n", 11, MSG_NOSIGNAL);
  }
  n = read_to_close(fd, 1000, buf, sizeof(buf));
  CHECK(n == 0);                 /* closed, no answer */
  CHECK(sf_conn_guard_expired(g) == 1);
  close(fd);

  /* an answer that takes longer than the deadline is not cut */
  fd = connect_to(port);
  CHECK(fd >= 0);
  {
    static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n"
                              "Connection: close\r\n\r\n";
    send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL);
  }
  n = read_to_close(fd, 5000, buf, sizeof(buf));
  CHECK(n > 0 && strncmp(buf, "HTTP/1.1 200", 12) == 0);
  CHECK(sf_conn_guard_expired(g) == 1);
  close(fd);

  sf_mhd_loop_stop(d);
  sf_conn_guard_free(g);
}

/* ---- a burst of requests ------------------------------------------------ */

/* "/gate" holds the daemon's only thread until the test opens the gate;
** anything else is answered at once. */
typedef struct Gate {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int entered, open;
} Gate;

static enum MHD_Result gated_answer (void *cls, struct MHD_Connection *c,
                                     const char *url, const char *method,
                                     const char *version, const char *up,
                                     size_t *up_size, void **con_cls) {
  Gate *gate = (Gate *)cls;
  (void)method; (void)version; (void)up; (void)up_size;
  if (*con_cls == NULL) {
    *con_cls = c;
    return MHD_YES;
  }
  if (strcmp(url, "/gate") == 0) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;          /* a failing test must still end */
    pthread_mutex_lock(&gate->lock);
    gate->entered = 1;
    pthread_cond_broadcast(&gate->cond);
    while (!gate->open &&
           pthread_cond_timedwait(&gate->cond, &gate->lock, &until) == 0)
      ;
    pthread_mutex_unlock(&gate->lock);
  }
  return answer_ok(c);
}

static int64_t mono_ms (void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/*
** 'n' connections, accepted and idle, send their requests while the only
** thread is busy; once it is free they are all ready in one epoll_wait.
** Answered within 5 s (the idle timeout is 30 s): how many were.
*/
static int burst_answered (int n) {
  static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n"
                            "Connection: close\r\n\r\n";
  static const char gate_req[] = "GET /gate HTTP/1.1\r\nHost: x\r\n"
                                 "Connection: close\r\n\r\n";
  SfConnGuardConfig cfg;
  Gate gate;
  SfConnGuard *g;
  SfMhdLoop *d;
  int fds[300], gfd, i, answered = 0, port;
  int64_t deadline;
  char buf[256];
  memset(&cfg, 0, sizeof(cfg));
  cfg.idle_s = 30;
  memset(&gate, 0, sizeof(gate));
  pthread_mutex_init(&gate.lock, NULL);
  pthread_cond_init(&gate.cond, NULL);
  if ((d = serve(&cfg, gated_answer, &gate, 1, 0, &g)) == NULL)
    return -1;
  port = sf_mhd_loop_port(d);
  for (i = 0; i < n; i++)
    fds[i] = connect_to(port);
  usleep(300 * 1000);            /* accepted, idle */
  gfd = connect_to(port);
  send(gfd, gate_req, sizeof(gate_req) - 1, MSG_NOSIGNAL);
  pthread_mutex_lock(&gate.lock);
  while (!gate.entered)
    pthread_cond_wait(&gate.cond, &gate.lock);
  pthread_mutex_unlock(&gate.lock);
  for (i = 0; i < n; i++)        /* the thread is held: all queue up */
    if (fds[i] >= 0)
      send(fds[i], req, sizeof(req) - 1, MSG_NOSIGNAL);
  usleep(100 * 1000);
  pthread_mutex_lock(&gate.lock);
  gate.open = 1;
  pthread_cond_broadcast(&gate.cond);
  pthread_mutex_unlock(&gate.lock);
  deadline = mono_ms() + 5000;
  for (i = 0; i < n; i++) {
    int left = (int)(deadline - mono_ms());
    if (fds[i] < 0)
      continue;
    if (left > 0 && read_to_close(fds[i], left, buf, sizeof(buf)) > 0 &&
        strncmp(buf, "HTTP/1.1 200", 12) == 0)
      answered++;
    close(fds[i]);
  }
  close(gfd);
  unserve(d, g);
  pthread_cond_destroy(&gate.cond);
  pthread_mutex_destroy(&gate.lock);
  return answered;
}

static void test_burst (void) {
  static const int sizes[] = { 127, 128, 129, 256 };
  size_t i;
  for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
    int got = burst_answered(sizes[i]);
    if (got != sizes[i])
      fprintf(stderr, "burst of %d: %d answered\n", sizes[i], got);
    CHECK(got == sizes[i]);
  }
}

/* ---- a suspended connection resumed from another thread ----------------- */

typedef struct Later {
  SfMhdLoop *loop;
  struct MHD_Connection *conn;
  pthread_t thread;
  int phase;                     /* 0 new, 1 suspended, 2 answered */
} Later;

static void *resume_soon (void *arg) {
  Later *l = (Later *)arg;
  usleep(200 * 1000);
  sf_mhd_loop_resume(l->loop, l->conn);
  return NULL;
}

/* Suspends the request, has another thread resume it 200 ms later. */
static enum MHD_Result answer_later (void *cls, struct MHD_Connection *c,
                                     const char *url, const char *method,
                                     const char *version, const char *up,
                                     size_t *up_size, void **con_cls) {
  Later *l = (Later *)cls;
  (void)url; (void)method; (void)version; (void)up; (void)up_size;
  if (*con_cls == NULL) {
    *con_cls = c;
    return MHD_YES;
  }
  if (l->phase == 0) {
    l->phase = 1;
    l->conn = c;
    MHD_suspend_connection(c);
    pthread_create(&l->thread, NULL, resume_soon, l);
    return MHD_YES;
  }
  l->phase = 2;
  return answer_ok(c);
}

/* libmicrohttpd keeps no wake-up channel in external mode: without the
** loop's own, the resumed request waits for the idle timeout (30 s). */
static void test_resume (void) {
  static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n"
                            "Connection: close\r\n\r\n";
  SfConnGuardConfig cfg;
  SfConnGuard *g;
  Later later;
  char buf[256];
  int fd, n;
  int64_t t0;
  memset(&cfg, 0, sizeof(cfg));
  memset(&later, 0, sizeof(later));
  later.loop = serve(&cfg, answer_later, &later, 2,
                     MHD_ALLOW_SUSPEND_RESUME, &g);
  if (later.loop == NULL)
    return;
  fd = connect_to(sf_mhd_loop_port(later.loop));
  CHECK(fd >= 0);
  t0 = mono_ms();
  send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL);
  n = read_to_close(fd, 3000, buf, sizeof(buf));
  CHECK(n > 0 && strncmp(buf, "HTTP/1.1 200", 12) == 0);
  CHECK(mono_ms() - t0 < 2000);  /* 200 ms late, not the idle timeout */
  CHECK(later.phase == 2);
  close(fd);
  if (later.phase >= 1)
    pthread_join(later.thread, NULL);
  unserve(later.loop, g);
}

/* ---- the limits shared between daemons ---------------------------------- */

static intptr_t option_value (const struct MHD_OptionItem *o,
                              enum MHD_OPTION which) {
  for (; o->option != MHD_OPTION_END; o++)
    if (o->option == which)
      return o->value;
  return -1;
}

static void test_shares (void) {
  SfConnGuardConfig cfg;
  SfConnGuard *g;
  struct MHD_OptionItem o[SF_CONN_GUARD_NOPTS];
  memset(&cfg, 0, sizeof(cfg));
  cfg.max_connections = 1000;
  cfg.per_ip = 10;
  g = sf_conn_guard_new(&cfg, slow_answer, NULL, NULL, NULL);
  CHECK(g != NULL);
  if (g == NULL)
    return;
  sf_conn_guard_options(g, 1, o);
  CHECK(option_value(o, MHD_OPTION_CONNECTION_LIMIT) == 1000);
  sf_conn_guard_options(g, 4, o);
  CHECK(option_value(o, MHD_OPTION_CONNECTION_LIMIT) == 250);
  CHECK(sf_conn_guard_share(g, 4) == 250);
  sf_conn_guard_options(g, 3, o);
  CHECK(option_value(o, MHD_OPTION_CONNECTION_LIMIT) == 333);
  /* the per-address cap is the guard's, over all daemons, not theirs */
  CHECK(option_value(o, MHD_OPTION_PER_IP_CONNECTION_LIMIT) == -1);
  sf_conn_guard_free(g);
}

/* The count behind the per-address cap. */
static void test_peer_cap (void) {
  struct sockaddr_in a, b;
  struct sockaddr_in6 mapped;
  SfPeerCap *t = sf_peer_cap_new(2);
  CHECK(t != NULL);
  if (t == NULL)
    return;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons(1000);
  inet_pton(AF_INET, "192.0.2.1", &a.sin_addr);
  b = a;
  inet_pton(AF_INET, "192.0.2.2", &b.sin_addr);
  memset(&mapped, 0, sizeof(mapped));
  mapped.sin6_family = AF_INET6;
  mapped.sin6_port = htons(2000);  /* another port: the same peer */
  inet_pton(AF_INET6, "::ffff:192.0.2.1", &mapped.sin6_addr);
  CHECK(sf_peer_cap_enter(t, (struct sockaddr *)&a) == 1);
  CHECK(sf_peer_cap_enter(t, (struct sockaddr *)&mapped) == 1);
  CHECK(sf_peer_cap_enter(t, (struct sockaddr *)&a) == 0);   /* at 2 */
  CHECK(sf_peer_cap_count(t, (struct sockaddr *)&a) == 2);
  CHECK(sf_peer_cap_enter(t, (struct sockaddr *)&b) == 1);   /* its own */
  sf_peer_cap_leave(t, (struct sockaddr *)&a);
  CHECK(sf_peer_cap_count(t, (struct sockaddr *)&mapped) == 1);
  CHECK(sf_peer_cap_enter(t, (struct sockaddr *)&a) == 1);   /* room again */
  sf_peer_cap_leave(t, (struct sockaddr *)&a);
  sf_peer_cap_leave(t, (struct sockaddr *)&a);
  CHECK(sf_peer_cap_count(t, (struct sockaddr *)&a) == 0);
  CHECK(sf_peer_cap_count(t, (struct sockaddr *)&b) == 1);
  sf_peer_cap_free(t);
}

/* One request on an open connection: answered 200 (1), or closed (0). */
static int ask (int fd) {
  static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  char buf[512];
  ssize_t n;
  struct pollfd p = { fd, POLLIN, 0 };
  send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL);
  if (poll(&p, 1, 3000) <= 0)
    return -1;
  n = recv(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  return strncmp(buf, "HTTP/1.1 200", 12) == 0;
}

/* A daemon at its connection limit takes its listening socket out of
** epoll; a slot freed must bring it back at once, not at the next event. */
static void test_slot_freed (void) {
  SfConnGuardConfig cfg;
  SfConnGuard *g;
  SfMhdLoop *d;
  Gate gate;
  int a, b, c, port;
  int64_t t0;
  memset(&cfg, 0, sizeof(cfg));
  cfg.max_connections = 2;
  cfg.idle_s = 30;
  memset(&gate, 0, sizeof(gate));
  if ((d = serve(&cfg, gated_answer, &gate, 1, 0, &g)) == NULL)
    return;
  port = sf_mhd_loop_port(d);
  a = connect_to(port);
  b = connect_to(port);
  CHECK(ask(a) == 1 && ask(b) == 1);   /* both slots held, keep-alive */
  c = connect_to(port);                /* in the backlog */
  usleep(200 * 1000);
  t0 = mono_ms();
  close(a);
  CHECK(ask(c) == 1);                  /* the freed slot is its */
  CHECK(mono_ms() - t0 < 2000);
  close(b);
  close(c);
  unserve(d, g);
}

/* The cap holds over four daemons, wherever the connections land. */
static void test_per_ip_over_daemons (void) {
  SfConnGuardConfig cfg;
  SfConnGuard *g;
  SfMhdLoop *d;
  Gate gate;                     /* never gated: every answer at once */
  int fds[9], i, port;
  memset(&cfg, 0, sizeof(cfg));
  cfg.per_ip = 8;
  memset(&gate, 0, sizeof(gate));
  if ((d = serve(&cfg, gated_answer, &gate, 4, 0, &g)) == NULL)
    return;
  port = sf_mhd_loop_port(d);
  for (i = 0; i < 8; i++) {
    fds[i] = connect_to(port);
    CHECK(ask(fds[i]) == 1);     /* kept open (keep-alive) */
  }
  fds[8] = connect_to(port);
  CHECK(ask(fds[8]) == 0);       /* the 9th: closed, unanswered */
  CHECK(sf_conn_guard_over_cap(g) == 1);
  close(fds[8]);
  close(fds[0]);
  usleep(300 * 1000);            /* the server sees it close */
  fds[0] = connect_to(port);
  CHECK(ask(fds[0]) == 1);       /* below the cap again */
  for (i = 0; i < 8; i++)
    close(fds[i]);
  unserve(d, g);
}

int main (void) {
  test_fdlimit();
  test_guard();
  test_burst();
  test_resume();
  test_shares();
  test_peer_cap();
  test_per_ip_over_daemons();
  test_slot_freed();
  return CHECK_DONE();
}
