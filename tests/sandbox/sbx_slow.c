/*
** sbx_slow.c -- slow clients (see sbx_slow.h).
*/
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "sbx_slow.h"

struct SbxSlow {
  int n;
  int *fd;
  char *closed;                  /* per connection: server closed it */
  double every_s;
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int stopping;
};

static void raise_nofile (int need) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)need) {
    rl.rlim_cur = rl.rlim_max < (rlim_t)need ? rl.rlim_max : (rlim_t)need;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

/* Has the peer closed 'fd'? (readable with 0 bytes, or an error) */
static int peer_closed (int fd) {
  struct pollfd p = { fd, POLLIN, 0 };
  char buf[512];
  if (poll(&p, 1, 0) <= 0)
    return 0;
  for (;;) {
    ssize_t r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
      return 1;
    if (r < 0)
      return 0;                  /* an answer (e.g. 408): keep reading */
  }
}

/* One header line per connection per period, until stopped. */
static void *trickle (void *arg) {
  SbxSlow *s = (SbxSlow *)arg;
  long k = 0;
  pthread_mutex_lock(&s->lock);
  while (!s->stopping) {
    struct timespec ts;
    int i;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)s->every_s;
    ts.tv_nsec += (long)((s->every_s - (double)(long)s->every_s) * 1e9);
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&s->cond, &s->lock, &ts);
    if (s->stopping)
      break;
    k++;
    for (i = 0; i < s->n; i++) {
      char line[64];
      int len = snprintf(line, sizeof(line), "X-Slow-%ld: %d\r\n", k, i);
      if (!s->closed[i] && (peer_closed(s->fd[i]) ||
          send(s->fd[i], line, (size_t)len, MSG_NOSIGNAL) < 0))
        s->closed[i] = 1;
    }
  }
  pthread_mutex_unlock(&s->lock);
  return NULL;
}

SbxSlow *sbx_slow_start (int port, const char *path, int n, double every_s) {
  SbxSlow *s = calloc(1, sizeof(*s));
  struct sockaddr_in sa;
  char head[256];
  int i, len;
  raise_nofile(n + 256);
  s->n = n;
  s->every_s = every_s;
  s->fd = calloc((size_t)n, sizeof(int));
  s->closed = calloc((size_t)n, 1);
  pthread_mutex_init(&s->lock, NULL);
  pthread_cond_init(&s->cond, NULL);
  memset(&sa, 0, sizeof(sa));
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  len = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\nHost: 127.0.0.1"
                 "\r\n", path);
  for (i = 0; i < n; i++) {
    s->fd[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (s->fd[i] < 0 ||
        connect(s->fd[i], (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        send(s->fd[i], head, (size_t)len, MSG_NOSIGNAL) != len) {
      fprintf(stderr, "sbx_slow: connection %d of %d: %s\n", i + 1, n,
              strerror(errno));
      s->n = i + (s->fd[i] >= 0);
      sbx_slow_stop(s);
      return NULL;
    }
  }
  if (pthread_create(&s->thread, NULL, trickle, s) != 0) {
    sbx_slow_stop(s);
    return NULL;
  }
  return s;
}

int sbx_slow_closed (SbxSlow *s) {
  int i, k = 0;
  pthread_mutex_lock(&s->lock);
  for (i = 0; i < s->n; i++) {
    if (!s->closed[i] && peer_closed(s->fd[i]))
      s->closed[i] = 1;
    k += s->closed[i];
  }
  pthread_mutex_unlock(&s->lock);
  return k;
}

void sbx_slow_stop (SbxSlow *s) {
  int i;
  if (s == NULL)
    return;
  if (s->thread) {
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
  }
  for (i = 0; i < s->n; i++)
    if (s->fd[i] >= 0)
      close(s->fd[i]);
  pthread_cond_destroy(&s->cond);
  pthread_mutex_destroy(&s->lock);
  free(s->fd);
  free(s->closed);
  free(s);
}
