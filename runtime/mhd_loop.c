/*
** mhd_loop.c -- libmicrohttpd daemons driven from threads of our own
** (see mhd_loop.h for why).
*/
#include "mhd_loop.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

typedef struct Worker {
  const struct SfMhdLoop *loop;
  struct MHD_Daemon *d;
  pthread_t thread;
  int running;                  /* the thread was created */
  int wake_fd;                  /* eventfd: a connection was resumed */
} Worker;

struct SfMhdLoop {
  unsigned n;
  unsigned limit;               /* each daemon's connection limit */
  int stop_fd;                  /* eventfd: written once, never read */
  Worker w[];
};

/* Connections open on 'd' (cleaning up the closed ones: our thread). */
static unsigned open_connections (struct MHD_Daemon *d) {
  const union MHD_DaemonInfo *info =
      MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
  return info ? info->num_connections : 0;
}

/* Wait until the daemon has work or a timeout is due, run it, repeat. */
static void *worker_main (void *arg) {
  Worker *w = (Worker *)arg;
  const unsigned limit = w->loop->limit;
  const union MHD_DaemonInfo *info =
      MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_EPOLL_FD);
  struct pollfd p[3];
  unsigned open = 0;            /* connections after the last run */
  p[0].fd = info ? info->epoll_fd : -1;
  p[1].fd = w->loop->stop_fd;
  p[2].fd = w->wake_fd;
  p[0].events = p[1].events = p[2].events = POLLIN;
  for (;;) {
    MHD_UNSIGNED_LONG_LONG due;
    uint64_t n;
    unsigned now;
    int ms = -1;                /* no connection has a timeout running */
    if (MHD_get_timeout(w->d, &due) == MHD_YES)
      ms = due > INT_MAX ? INT_MAX : (int)due;
    if (poll(p, 3, ms) < 0 && errno != EINTR)
      break;                    /* cannot happen with valid descriptors */
    if (p[1].revents != 0)
      break;
    /* cleared before MHD_run: a resume from now on wakes the next poll */
    if (p[2].revents != 0 && read(w->wake_fd, &n, sizeof(n)) < 0)
      (void)n;                  /* EAGAIN: another read got it first */
    MHD_run(w->d);              /* never blocks: epoll_wait with 0 */
    /* A daemon at its limit takes the listening socket out of its epoll
    ** set, and puts it back only at the start of a run. When this run
    ** freed a slot, run again now: else a connection waiting in the
    ** backlog waits for some other event to wake this thread. (Only this
    ** thread's runs open and close connections, so the count from the
    ** end of the last run is the one this run started with.) */
    now = open_connections(w->d);
    if (open >= limit && now < limit) {
      MHD_run(w->d);
      now = open_connections(w->d);
    }
    open = now;
  }
  return NULL;
}

static struct MHD_Daemon *daemon_start (SfConnGuard *g, unsigned flags,
                                        uint16_t port,
                                        const struct MHD_OptionItem *opts,
                                        unsigned shares, int listen_fd) {
  struct MHD_OptionItem guard[SF_CONN_GUARD_NOPTS];
  struct MHD_OptionItem shared[2] = {
    { MHD_OPTION_LISTEN_SOCKET, (intptr_t)listen_fd, NULL },
    { MHD_OPTION_END, 0, NULL },
  };
  if (listen_fd < 0)
    shared[0].option = MHD_OPTION_END;
  sf_conn_guard_options(g, shares, guard);
  return MHD_start_daemon(flags, port, NULL, NULL, sf_conn_guard_access, g,
                          MHD_OPTION_ARRAY, opts,
                          MHD_OPTION_ARRAY, guard,
                          MHD_OPTION_ARRAY, shared,
                          MHD_OPTION_END);
}

SfMhdLoop *sf_mhd_loop_start (SfConnGuard *g, unsigned threads,
                              unsigned flags, uint16_t port,
                              const struct MHD_OptionItem *opts) {
  SfMhdLoop *l;
  const union MHD_DaemonInfo *info;
  unsigned i;
  int listen_fd;
  if (threads == 0)
    threads = 1;
  l = calloc(1, sizeof(*l) + threads * sizeof(Worker));
  if (l == NULL)
    return NULL;
  l->n = threads;
  l->limit = sf_conn_guard_share(g, threads);
  for (i = 0; i < threads; i++)
    l->w[i].wake_fd = -1;
  l->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (l->stop_fd < 0 ||
      MHD_is_feature_supported(MHD_FEATURE_EPOLL) != MHD_YES) {
    if (l->stop_fd >= 0)
      close(l->stop_fd);
    free(l);
    return NULL;
  }
  flags |= MHD_USE_EPOLL;       /* external mode: no internal thread */
  l->w[0].d = daemon_start(g, flags, port, opts, threads, -1);
  info = l->w[0].d ? MHD_get_daemon_info(l->w[0].d,
                                         MHD_DAEMON_INFO_LISTEN_FD)
                   : NULL;
  listen_fd = info ? info->listen_fd : -1;
  for (i = 1; i < threads && listen_fd >= 0; i++)
    l->w[i].d = daemon_start(g, flags, port, opts, threads, listen_fd);
  for (i = 0; i < threads; i++) {
    Worker *w = &l->w[i];
    w->loop = l;
    w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (w->d == NULL || w->wake_fd < 0 ||
        pthread_create(&w->thread, NULL, worker_main, w) != 0) {
      sf_mhd_loop_stop(l);
      return NULL;
    }
    w->running = 1;
  }
  return l;
}

void sf_mhd_loop_resume (SfMhdLoop *l, struct MHD_Connection *c) {
  /* the daemon first: once resumed, the connection may be answered and
  ** freed by its thread before this one looks at it again */
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_DAEMON);
  struct MHD_Daemon *d = ci ? ci->daemon : NULL;
  uint64_t one = 1;
  unsigned i;
  MHD_resume_connection(c);
  for (i = 0; i < l->n; i++)
    if (l->w[i].d == d) {
      if (write(l->w[i].wake_fd, &one, sizeof(one)) != sizeof(one))
        abort();                /* only at 2^64-1 unread wake-ups */
      return;
    }
}

int sf_mhd_loop_port (const SfMhdLoop *l) {
  const union MHD_DaemonInfo *info =
      MHD_get_daemon_info(l->w[0].d, MHD_DAEMON_INFO_BIND_PORT);
  return info ? info->port : 0;
}

void sf_mhd_loop_stop (SfMhdLoop *l) {
  uint64_t one = 1;
  unsigned i;
  if (l == NULL)
    return;
  if (write(l->stop_fd, &one, sizeof(one)) != sizeof(one))
    abort();                    /* an eventfd write cannot fail here */
  for (i = 0; i < l->n; i++)
    if (l->w[i].running)
      pthread_join(l->w[i].thread, NULL);
  /* the others share daemon 0's socket: quiesced, they leave it open
  ** for daemon 0 to close */
  for (i = l->n; i-- > 0;) {
    if (l->w[i].d == NULL)
      continue;
    if (i > 0)
      MHD_quiesce_daemon(l->w[i].d);
    MHD_stop_daemon(l->w[i].d);
  }
  for (i = 0; i < l->n; i++)
    if (l->w[i].wake_fd >= 0)
      close(l->w[i].wake_fd);
  close(l->stop_fd);
  free(l);
}
