/*
** capacity.c -- how many simultaneous connections a server answers
** (issue 17: "the sandbox cannot take a naive client's 2,000 simultaneous
** connections").
**
** Opens N TCP connections at once to HOST:PORT, as a client with no cap
** does when every workflow has its own connection, sends one request on
** each as soon as it is connected, and keeps every connection open
** (keep-alive, as such a client would) until all are answered or the
** time is up. One thread, non-blocking sockets on epoll; it lifts its own
** descriptor limit first.
**
** usage: capacity HOST PORT N [SECONDS] [PATH]
**   SECONDS  give up after this long (default 30); a connect still
**            pending after 10 s counts as a connect error, as Node's
**            fetch reports ConnectTimeoutError
**   PATH     request path (default /api/v1/get-credits)
** prints one line:
**   n=N connected=C connect_errors=E answered=A unanswered=U
**   p50_ms=.. max_ms=.. wall_ms=..
** exit 0 when every connection was answered, 1 otherwise.
*/
#define _GNU_SOURCE             /* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONNECT_TIMEOUT_MS 10000

enum { C_CONNECTING, C_WAITING, C_ANSWERED, C_FAILED };

typedef struct Conn {
  int fd, state;
  size_t got;                     /* bytes of the answer so far */
  char head[2048];                /* start of the answer */
  double t0, ms;                  /* when opened; latency once answered */
} Conn;

static double now_ms (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void raise_nofile (void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

/* A whole answer: headers and Content-Length bytes of body. */
static int answer_complete (const Conn *c) {
  const char *end = memmem(c->head, c->got < sizeof(c->head) ? c->got
                           : sizeof(c->head), "\r\n\r\n", 4);
  const char *cl;
  if (end == NULL)
    return 0;
  cl = memmem(c->head, (size_t)(end - c->head), "Content-Length:", 15);
  if (cl == NULL)
    cl = memmem(c->head, (size_t)(end - c->head), "content-length:", 15);
  if (cl == NULL)
    return 1;
  return c->got >= (size_t)(end + 4 - c->head) +
                   strtoul(cl + 15, NULL, 10);
}

static int cmp_double (const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main (int argc, char **argv) {
  struct sockaddr_in sa;
  struct epoll_event ev, evs[512];
  char req[256], buf[4096];
  int n, ep, i, connected = 0, cerr = 0, answered = 0, open_left;
  double secs, t_start, *lat;
  Conn *cs;
  if (argc < 4) {
    fprintf(stderr, "usage: capacity HOST PORT N [SECONDS] [PATH]\n");
    return 2;
  }
  raise_nofile();
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
    fprintf(stderr, "capacity: bad IPv4 address '%s'\n", argv[1]);
    return 2;
  }
  n = atoi(argv[3]);
  secs = argc > 4 ? atof(argv[4]) : 30;
  snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\nAuthorization:"
           " Bearer bench\r\n\r\n", argc > 5 ? argv[5]
           : "/api/v1/get-credits", argv[1]);
  cs = calloc((size_t)n, sizeof(Conn));
  lat = calloc((size_t)n + 1, sizeof(double));
  ep = epoll_create1(0);
  t_start = now_ms();
  for (i = 0; i < n; i++) {      /* all at once: nothing waits for answers */
    Conn *c = &cs[i];
    c->t0 = now_ms();
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0 || (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0
                      && errno != EINPROGRESS)) {
      c->state = C_FAILED;
      cerr++;
      continue;
    }
    ev.events = EPOLLOUT | EPOLLIN;
    ev.data.u32 = (uint32_t)i;
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
  }
  open_left = n - cerr;
  while (open_left > 0 && now_ms() - t_start < secs * 1000) {
    int k, ne = epoll_wait(ep, evs, 512, 100);
    for (k = 0; k < ne; k++) {
      Conn *c = &cs[evs[k].data.u32];
      if (c->state == C_CONNECTING && (evs[k].events & EPOLLOUT)) {
        int soerr = 0;
        socklen_t sl = sizeof(soerr);
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
        if (soerr != 0 || send(c->fd, req, strlen(req), MSG_NOSIGNAL) < 0) {
          c->state = C_FAILED;
          cerr++;
          open_left--;
          epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
          continue;
        }
        c->state = C_WAITING;
        connected++;
        ev.events = EPOLLIN;
        ev.data.u32 = evs[k].data.u32;
        epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
        continue;
      }
      if (c->state != C_WAITING)
        continue;
      for (;;) {
        ssize_t r = recv(c->fd, buf, sizeof(buf), 0);
        if (r > 0) {
          size_t room = c->got < sizeof(c->head) ? sizeof(c->head) - c->got
                                                 : 0;
          memcpy(c->head + c->got, buf, (size_t)r < room ? (size_t)r : room);
          c->got += (size_t)r;
          continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
          break;
        c->state = C_FAILED;     /* closed or reset before the answer */
        break;
      }
      if (c->state == C_WAITING && answer_complete(c)) {
        c->state = C_ANSWERED;
        c->ms = now_ms() - c->t0;
        lat[answered++] = c->ms;
      }
      if (c->state != C_WAITING) {
        open_left--;             /* keep it open: a client holding it */
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
      }
    }
    /* connects that the server never completed (SYNs dropped) */
    for (i = 0; i < n && now_ms() - t_start > CONNECT_TIMEOUT_MS; i++)
      if (cs[i].state == C_CONNECTING) {
        cs[i].state = C_FAILED;
        cerr++;
        open_left--;
        epoll_ctl(ep, EPOLL_CTL_DEL, cs[i].fd, NULL);
      }
  }
  qsort(lat, (size_t)answered, sizeof(double), cmp_double);
  printf("n=%d connected=%d connect_errors=%d answered=%d unanswered=%d "
         "p50_ms=%.0f max_ms=%.0f wall_ms=%.0f\n", n, connected, cerr,
         answered, n - answered, answered ? lat[answered / 2] : 0.0,
         answered ? lat[answered - 1] : 0.0, now_ms() - t_start);
  for (i = 0; i < n; i++)
    if (cs[i].fd >= 0)
      close(cs[i].fd);
  free(cs);
  free(lat);
  close(ep);
  return answered == n ? 0 : 1;
}
