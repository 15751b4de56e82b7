/*
** floor.c -- the raw libcurl-multi floor for bench/run.
**
** Runs N workflows concurrently against a sonic service, each doing exactly
** the HTTP exchanges of a sonicflow workflow
**     POST /api/v1/sonic/create  -> task_id
**     sleep P; GET /api/v1/sonic/task/{id}  (repeat until both clips succeeded)
**     GET <audio_url of clip 1>  -> OUT_DIR/<clip id>.mp3
** with at most M transfers in flight (the rest wait in a FIFO) and one
** curl_multi handle.  No JSON parser: the answers are scanned with
** strstr -- this is the floor, not a robust client.
**
** Two loop shapes, chosen with FLOOR_LOOP:
**   epoll (default)  curl_multi_socket_action on an epoll set, libcurl's
**                    event-driven API: the cheapest way to drive it, and
**                    the shape of sonicflow's runtime/http_wait.c;
**   poll             curl_multi_perform + curl_multi_poll, the simpler
**                    shape most libcurl programs use (sonicflow's loop
**                    before the change in docs/performance.md).
**
** usage: floor BASE_URL N M POLL_SECONDS OUT_DIR
** FLOOR_FRESH_POST=1: every create on a new connection closed afterwards,
** as sonicflow does for paid calls (never resent by libcurl on reuse).
** prints: "ok N" on success; exit 1 on any failure.
*/
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <unistd.h>
#include <time.h>

enum { ST_CREATE, ST_POLL, ST_DOWNLOAD, ST_DONE };

typedef struct {
  int state;
  char task_id[64];
  char *body; size_t len, cap;   /* JSON answers */
  int out;                       /* download fd, or -1 (a FILE* per file
                                    made fclose O(open files) in glibc) */
  double due;                    /* when sleeping */
  int polls;
} Wf;

static const char *base; static const char *outdir;
static int n, maxin; static double pollsec;
static CURLM *multi; static struct curl_slist *hdr_json, *hdr_auth;
static int inflight, done_count, failed;
static int *fifo; static int fhead, ftail;          /* waiting to start */
static int *sleepq; static int shead, stail;       /* sleeping, FIFO by due */
static Wf *wf; static long total_polls;
static int fresh_post;   /* FLOOR_FRESH_POST=1: each create on a new connection */
static int epfd = -1;    /* FLOOR_LOOP=epoll: the transfers' sockets */
static double curl_due = -1;   /* libcurl's next deadline (epoll shape) */

static double now(void) {
  struct timespec ts; clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static size_t on_body(char *p, size_t sz, size_t nm, void *ud) {
  Wf *w = ud; size_t k = sz * nm;
  if (w->out >= 0) {
    for (size_t off = 0; off < k; ) {
      ssize_t m = write(w->out, p + off, k - off);
      if (m <= 0) return 0;
      off += (size_t)m;
    }
    return k;
  }
  if (w->len + k + 1 > w->cap) {
    w->cap = (w->len + k + 1) * 2;
    w->body = realloc(w->body, w->cap);
  }
  memcpy(w->body + w->len, p, k); w->len += k; w->body[w->len] = 0;
  return k;
}

static void start(int i) {
  Wf *w = &wf[i]; char url[512];
  CURL *e = curl_easy_init();
  curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)(long)i);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, w);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  if (w->state != ST_DOWNLOAD) { w->len = 0; if (w->body) w->body[0] = 0; }
  if (w->state == ST_CREATE) {
    snprintf(url, sizeof url, "%s/api/v1/sonic/create", base);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr_json);
    if (fresh_post) {    /* sonicflow's policy for paid calls (see docs) */
      curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
      curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    }
    curl_easy_setopt(e, CURLOPT_POSTFIELDS,
      "{\"custom_mode\":false,\"mv\":\"sonic-v5\","
      "\"gpt_description_prompt\":\"a bench song\"}");
  } else if (w->state == ST_POLL) {
    snprintf(url, sizeof url, "%s/api/v1/sonic/task/%s", base, w->task_id);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr_auth);
    w->polls++; total_polls++;
  } else { /* download: no key sent, like sonicflow */
    char path[600];
    const char *u = strstr(w->body, "\"audio_url\":\"") + 13;
    const char *q = strchr(u, '"');
    snprintf(url, sizeof url, "%.*s", (int)(q - u), u);
    const char *slash = strrchr(url, '/');
    snprintf(path, sizeof path, "%s/%s", outdir, slash + 1);
    w->out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (w->out < 0) { perror(path); exit(1); }
  }
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_multi_add_handle(multi, e);
  inflight++;
}

static void want(int i) {           /* queue i for a transfer */
  if (inflight < maxin) start(i); else fifo[ftail++ % n] = i;
}

static void finished(CURL *e, CURLcode rc) {
  long i; long code = 0;
  curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&i);
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &code);
  curl_multi_remove_handle(multi, e); curl_easy_cleanup(e);
  inflight--;
  Wf *w = &wf[i];
  if (rc != CURLE_OK || code != 200) {
    fprintf(stderr, "floor: workflow %ld state %d: %s HTTP %ld %s\n", i,
            w->state, curl_easy_strerror(rc), code, w->body ? w->body : "");
    failed = 1; w->state = ST_DONE; done_count++;
  } else if (w->state == ST_CREATE) {
    const char *t = strstr(w->body, "\"task_id\":\"");
    if (!t) { fprintf(stderr, "floor: no task_id\n"); exit(1); }
    t += 11; snprintf(w->task_id, sizeof w->task_id, "%.*s",
                      (int)(strchr(t, '"') - t), t);
    w->state = ST_POLL; w->due = now() + pollsec; sleepq[stail++ % n] = i;
  } else if (w->state == ST_POLL) {
    int ok = 0; const char *p = w->body;
    while ((p = strstr(p, "\"state\":\"succeeded\""))) { ok++; p++; }
    if (strstr(w->body, "\"state\":\"failed\"")) {
      fprintf(stderr, "floor: task failed\n"); exit(1);
    }
    if (ok >= 2) { w->state = ST_DOWNLOAD; want(i); }
    else { w->due = now() + pollsec; sleepq[stail++ % n] = i; }
  } else {
    close(w->out); w->out = -1; w->state = ST_DONE; done_count++;
    free(w->body); w->body = NULL; w->cap = 0;
  }
  while (inflight < maxin && fhead < ftail) start(fifo[fhead++ % n]);
}

/* epoll shape: libcurl says which sockets to watch and when to call it
** back; the callbacks only record that. */
static int on_socket(CURL *e, curl_socket_t fd, int what, void *u, void *sp) {
  struct epoll_event ev = {0};
  (void)e; (void)u;
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
    curl_multi_assign(multi, fd, NULL);
    return 0;
  }
  ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) |
              (what & CURL_POLL_OUT ? EPOLLOUT : 0);
  ev.data.fd = fd;
  if (sp) epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev);
  else if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ||
           epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
    curl_multi_assign(multi, fd, &epfd);
  return 0;
}

static int on_timer(CURLM *m, long ms, void *u) {
  (void)m; (void)u;
  curl_due = ms < 0 ? -1 : now() + ms / 1000.0;
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: floor BASE_URL N M POLL_SECONDS OUT_DIR\n");
    return 2;
  }
  base = argv[1]; n = atoi(argv[2]); maxin = atoi(argv[3]);
  pollsec = atof(argv[4]); outdir = argv[5];
  fresh_post = getenv("FLOOR_FRESH_POST") && atoi(getenv("FLOOR_FRESH_POST"));
  curl_global_init(CURL_GLOBAL_DEFAULT);
  multi = curl_multi_init();
  curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)maxin);
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long)maxin);
  const char *shape = getenv("FLOOR_LOOP");
  if (!shape || strcmp(shape, "poll") != 0) {
    epfd = epoll_create1(0);
    curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, on_timer);
  }
  hdr_auth = curl_slist_append(NULL, "Authorization: Bearer anykey");
  hdr_json = curl_slist_append(NULL, "Authorization: Bearer anykey");
  hdr_json = curl_slist_append(hdr_json, "Content-Type: application/json");
  wf = calloc(n, sizeof *wf); fifo = calloc(n, sizeof *fifo);
  sleepq = calloc(n, sizeof *sleepq);
  for (int i = 0; i < n; i++) { wf[i].state = ST_CREATE; wf[i].out = -1; want(i); }
  while (done_count < n) {
    int running;
    if (epfd < 0) curl_multi_perform(multi, &running);
    CURLMsg *m; int left;
    while ((m = curl_multi_info_read(multi, &left)))
      if (m->msg == CURLMSG_DONE) finished(m->easy_handle, m->data.result);
    double t = now();
    while (shead < stail && wf[sleepq[shead % n]].due <= t)
      want(sleepq[shead++ % n]);
    int wait_ms = 1000;
    if (shead < stail) {
      double d = (wf[sleepq[shead % n]].due - t) * 1000;
      wait_ms = d < 0 ? 0 : (int)d + 1;
    }
    if (done_count >= n) break;
    if (epfd < 0) { curl_multi_poll(multi, NULL, 0, wait_ms, NULL); continue; }
    if (curl_due >= 0) {
      double d = (curl_due - now()) * 1000;
      int c = d <= 0 ? 0 : (int)d + 1;
      if (c < wait_ms) wait_ms = c;
    }
    struct epoll_event ev[256];
    int k = epoll_wait(epfd, ev, 256, wait_ms);
    for (int j = 0; j < k; j++) {
      int bits = (ev[j].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                 (ev[j].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                 (ev[j].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
      curl_multi_socket_action(multi, ev[j].data.fd, bits, &running);
    }
    if (curl_due >= 0 && curl_due <= now()) {   /* one-shot: consumed */
      curl_due = -1;
      curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
  }
  printf("ok %d polls %ld\n", n, total_polls);
  curl_multi_cleanup(multi);
  return failed;
}
