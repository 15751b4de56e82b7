/*
** http_wait.c -- sleeping on the transfers' sockets (http.h).
**
** libcurl is driven with curl_multi_socket_action on an epoll set rather
** than curl_multi_perform + curl_multi_poll. The latter walks every
** transfer and polls every socket on each wake-up, which with hundreds of
** transfers in flight made libcurl and the kernel's poll() 80 % of the
** client's CPU (profile in docs/performance.md); here a wake-up costs work
** only for the sockets that are ready.
**
** libcurl tells us which sockets to watch (on_socket) and when its own
** nearest deadline is (on_timer). Neither callback calls back into libcurl
** or touches Lua: they only update the epoll set and a deadline.
*/
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "http.h"
#include "timer.h"

enum { EVENTS_PER_WAKE = 256 };

/* libcurl's marker for a socket already in the epoll set. */
static char in_epoll_set;

static int on_socket (CURL *easy, curl_socket_t s, int what, void *userp,
                      void *socketp) {
  SfHttp *h = userp;
  struct epoll_event ev;
  (void)easy;
  if (what == CURL_POLL_REMOVE) {
    /* libcurl removes a socket before closing it; the entry may already
    ** be gone if the descriptor was closed under us, which is harmless */
    epoll_ctl(h->epfd, EPOLL_CTL_DEL, s, NULL);
    curl_multi_assign(h->multi, s, NULL);
    return 0;
  }
  ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0u) |
              (what & CURL_POLL_OUT ? EPOLLOUT : 0u);
  ev.data.fd = s;
  if (socketp != NULL) {
    epoll_ctl(h->epfd, EPOLL_CTL_MOD, s, &ev);
  } else if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, s, &ev) == 0 ||
             (errno == EEXIST && epoll_ctl(h->epfd, EPOLL_CTL_MOD, s,
                                           &ev) == 0)) {
    curl_multi_assign(h->multi, s, &in_epoll_set);
  }
  return 0;
}

static int on_timer (CURLM *multi, long timeout_ms, void *userp) {
  SfHttp *h = userp;
  (void)multi;
  h->curl_due_ms = timeout_ms < 0 ? UINT64_MAX
                                  : sf_now_ms() + (uint64_t)timeout_ms;
  return 0;
}

int sf_http_sockets_init (SfHttp *h) {
  h->curl_due_ms = UINT64_MAX;
  h->wake_fd = -1;
  h->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (h->epfd < 0)
    return -1;
  curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
  curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
  curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer);
  curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
  return 0;
}

void sf_http_sockets_free (SfHttp *h) {
  if (h->epfd >= 0)
    close(h->epfd);
  h->epfd = -1;
}

int sf_http_watch_wake_fd (SfHttp *h, int fd) {
  struct epoll_event ev;
  ev.events = EPOLLIN;
  ev.data.fd = fd;
  if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) != 0)
    return -1;
  h->wake_fd = fd;
  return 0;
}

static int curl_events (uint32_t ev) {
  int bits = 0;
  if (ev & EPOLLIN)
    bits |= CURL_CSELECT_IN;
  if (ev & EPOLLOUT)
    bits |= CURL_CSELECT_OUT;
  if (ev & (EPOLLERR | EPOLLHUP))
    bits |= CURL_CSELECT_ERR;
  return bits;
}

int sf_http_wait (SfHttp *h, long timeout_ms) {
  struct epoll_event evs[EVENTS_PER_WAKE];
  uint64_t now = sf_now_ms();
  int n, i, running, woken = 0;
  if (h->curl_due_ms <= now || h->failed_head != NULL)
    timeout_ms = 0;     /* failed starts are reported without a wait */
  else if (h->curl_due_ms != UINT64_MAX &&
           (timeout_ms < 0 || h->curl_due_ms - now < (uint64_t)timeout_ms))
    timeout_ms = (long)(h->curl_due_ms - now);
  n = epoll_wait(h->epfd, evs, EVENTS_PER_WAKE, (int)timeout_ms);
  for (i = 0; i < n; i++) {
    if (evs[i].data.fd == h->wake_fd)
      woken = 1;
    else
      curl_multi_socket_action(h->multi, evs[i].data.fd,
                               curl_events(evs[i].events), &running);
  }
  if (h->curl_due_ms <= sf_now_ms()) {
    /* a one-shot timer, consumed by firing: libcurl reports no "-1" when
    ** nothing is left after a timeout run, and re-reports a deadline it
    ** did not consider expired yet */
    h->curl_due_ms = UINT64_MAX;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  }
  return woken;
}
