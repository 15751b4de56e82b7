/*
** test_conn_limits.c -- the descriptor limit is raised (fdlimit.c), and
** the connection guard (conn_guard.c) sizes a daemon from it, closes a
** request whose headers do not arrive within its deadline however they
** trickle, and never cuts a request that is being answered.
*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>
#include <microhttpd.h>
#include "check.h"
#include "conn_guard.h"
#include "fdlimit.h"

/* Takes longer than the request deadline to answer. */
static enum MHD_Result slow_answer (void *cls, struct MHD_Connection *c,
                                    const char *url, const char *method,
                                    const char *version, const char *up,
                                    size_t *up_size, void **con_cls) {
  struct MHD_Response *r;
  enum MHD_Result rc;
  (void)cls; (void)url; (void)method; (void)version; (void)up;
  if (*con_cls == NULL) {
    *con_cls = c;
    return MHD_YES;
  }
  *up_size = 0;
  usleep(1500 * 1000);           /* answering: no deadline applies */
  r = MHD_create_response_from_buffer(2, (void *)"ok",
                                      MHD_RESPMEM_PERSISTENT);
  rc = MHD_queue_response(c, 200, r);
  MHD_destroy_response(r);
  return rc;
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
  struct MHD_OptionItem opts[SF_CONN_GUARD_NOPTS];
  struct MHD_Daemon *d;
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
  sf_conn_guard_options(g, opts);
  d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, 0,
                       NULL, NULL, sf_conn_guard_access, g,
                       MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
  CHECK(d != NULL);
  if (d == NULL) {
    sf_conn_guard_free(g);
    return;
  }
  port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;

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

  MHD_stop_daemon(d);
  sf_conn_guard_free(g);
}

int main (void) {
  test_fdlimit();
  test_guard();
  return CHECK_DONE();
}
