/*
** http.c -- the client's HTTP engine on one libcurl multi handle (http.h).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "http.h"
#include "crash.h"
#include "har.h"
#include "log.h"
#include "timer.h"

/* ---------------------------------------------------------------- engine */

int sf_http_init (SfHttp *h, int max_inflight) {
  memset(h, 0, sizeof(*h));
  h->max_inflight = max_inflight > 0 ? max_inflight : 64;
  h->multi = curl_multi_init();
  if (h->multi == NULL)
    return -1;
  if (sf_http_sockets_init(h) != 0) {
    curl_multi_cleanup(h->multi);
    h->multi = NULL;
    return -1;
  }
  /* keep enough idle connections around to reuse them for polls */
  sf_http_pools_resize(h);
  return 0;
}

void sf_http_free (SfHttp *h) {
  while (h->nspare > 0)
    curl_easy_cleanup(h->spare[--h->nspare]);
  if (h->multi != NULL)
    curl_multi_cleanup(h->multi);   /* may still unwatch sockets: first */
  sf_http_pools_free(h);            /* closes the idle connections */
  sf_http_sockets_free(h);
  if (h->auth_header != NULL) {   /* wipe the key before freeing it */
    memset(h->auth_header, 0, strlen(h->auth_header));
    free(h->auth_header);
  }
  free(h->api_prefix);
  memset(h, 0, sizeof(*h));
}

int sf_http_set_auth (SfHttp *h, const char *key, const char *api_prefix) {
  static const char head[] = "Authorization: Bearer ";
  size_t n = sizeof(head) + strlen(key);
  char *line = malloc(n);
  char *prefix = strdup(api_prefix);
  if (line == NULL || prefix == NULL) {
    free(line);
    free(prefix);
    return -1;
  }
  snprintf(line, n, "%s%s", head, key);
  free(h->auth_header);
  free(h->api_prefix);
  h->auth_header = line;
  h->api_prefix = prefix;
  return 0;
}

int sf_http_busy (const SfHttp *h) {
  return h->inflight + h->queued + (h->failed_head != NULL);
}

void sf_http_set_max_inflight (SfHttp *h, int n) {
  h->max_inflight = n;
  sf_http_pools_resize(h);
}

const char *sf_fail_name (SfFailKind k) {
  switch (k) {
    case SF_FAIL_NONE: return "no failure";
    case SF_FAIL_CONNECT: return "could not connect";
    case SF_FAIL_TLS: return "TLS verification failed";
    case SF_FAIL_TIMEOUT: return "timed out";
    case SF_FAIL_NETWORK: return "connection lost";
    case SF_FAIL_TOO_LARGE: return "answer too large";
    case SF_FAIL_WRITE: return "local write failed";
    case SF_FAIL_ABORTED: return "aborted";
    case SF_FAIL_JOURNAL: return "journal not written";
  }
  return "unknown failure";
}

/* ------------------------------------------------------------- callbacks */
/* libcurl callbacks only touch the request's own C buffers: never Lua,
** never libcurl (curl_multi_remove_handle is forbidden in here). */

/* Copy a header's value (trimmed) into 'dst' when 'line' is 'name'. */
static int header_value (const char *line, size_t len, const char *name,
                         char *dst, size_t dstlen) {
  size_t n = strlen(name), i = 0;
  if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
    return 0;
  line += n + 1;
  len -= n + 1;
  while (len > 0 && (*line == ' ' || *line == '\t'))
    line++, len--;
  while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n' ||
                     line[len - 1] == ' '))
    len--;
  for (i = 0; i < len && i + 1 < dstlen; i++)
    dst[i] = line[i];
  dst[i] = '\0';
  return 1;
}

/* CURLOPT_HEADERFUNCTION: one call per header line, for every response
** (redirects and 100-continue included), so a status line resets all. */
static size_t on_header (char *p, size_t size, size_t n, void *ud) {
  SfRequest *r = (SfRequest *)ud;
  size_t len = size * n;
  char tmp[32];
  if (len > 5 && strncmp(p, "HTTP/", 5) == 0) {
    const char *sp = memchr(p, ' ', len);
    r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
    r->content_length = -1;
    r->retry_after[0] = r->content_type[0] = r->content_range[0] = '\0';
    r->etag[0] = r->last_modified[0] = r->content_encoding[0] = '\0';
    r->pace_hint = -1;
    if (r->http->har != NULL) {        /* only the final answer's */
      sf_buf_reset(&r->har_head);
      sf_buf_append(&r->har_head, p, len);
    }
    return len;
  }
  if (r->http->har != NULL)
    sf_buf_append(&r->har_head, p, len);  /* bounded; a cut list is fine */
  if (header_value(p, len, "Content-Length", tmp, sizeof(tmp)))
    r->content_length = strtoll(tmp, NULL, 10);
  else if (header_value(p, len, "X-Sandbox-Paid-Interval", tmp, sizeof(tmp)))
    r->pace_hint = strtod(tmp, NULL);   /* the sandbox's exact pace */
  else if (!header_value(p, len, "Retry-After", r->retry_after,
                         sizeof(r->retry_after)) &&
           !header_value(p, len, "Content-Type", r->content_type,
                         sizeof(r->content_type)) &&
           !header_value(p, len, "Content-Range", r->content_range,
                         sizeof(r->content_range)) &&
           !header_value(p, len, "Content-Encoding", r->content_encoding,
                         sizeof(r->content_encoding)) &&
           !header_value(p, len, "ETag", r->etag, sizeof(r->etag)))
    header_value(p, len, "Last-Modified", r->last_modified,
                 sizeof(r->last_modified));
  return len;
}

/* Write the whole chunk to 'fd', retrying short writes and EINTR. */
static int write_all (int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* CURLOPT_WRITEFUNCTION: a 2xx download goes to the file; anything else
** (JSON, an HTML error page) to the bounded memory buffer. Returning less
** than asked aborts the transfer with CURLE_WRITE_ERROR. */
static size_t on_write (char *p, size_t size, size_t n, void *ud) {
  SfRequest *r = (SfRequest *)ud;
  size_t len = size * n;
  if (r->download_fd >= 0 && r->status >= 200 && r->status < 300) {
    if (r->status == 200 && r->resume_from > 0 && !r->restarted) {
      /* the server ignored the Range (or If-Range did not match): the
      ** whole file comes again, so start the file again */
      if (ftruncate(r->download_fd, 0) != 0 ||
          lseek(r->download_fd, 0, SEEK_SET) != 0) {
        r->write_errno = errno;
        r->fail = SF_FAIL_WRITE;
        return 0;
      }
      sf_xxh64_init(&r->xxh);
      sf_sha256_init(&r->har_sha);
      r->restarted = 1;
    }
    if (r->max_download > 0 &&
        r->written + (r->restarted ? 0 : r->resume_from) + (long long)len >
        r->max_download) {
      r->fail = SF_FAIL_TOO_LARGE;     /* an endless body: stop it here */
      return 0;
    }
    if (write_all(r->download_fd, p, len) != 0) {
      r->write_errno = errno;
      r->fail = SF_FAIL_WRITE;
      return 0;
    }
    r->written += (long long)len;
    if (r->checksum)
      sf_xxh64_update(&r->xxh, p, len);
    if (r->http->har != NULL)
      sf_sha256_update(&r->har_sha, p, len);
    sf_crashpoint("during_download");
    return len;
  }
  if (sf_buf_append(&r->body, p, len) != 0) {
    r->fail = SF_FAIL_TOO_LARGE;
    return 0;
  }
  return len;
}

/* ---------------------------------------------------------------- request */

int sf_request_prepare (SfRequest *r, SfHttp *h, const char *method,
                        const char *url, const char *body, size_t bodylen,
                        size_t max_body) {
  r->http = h;
  r->download_fd = -1;
  r->content_length = -1;
  r->state = SF_REQ_IDLE;
  sf_buf_init(&r->body, max_body);
  sf_buf_init(&r->har_head, 64 * 1024);
  snprintf(r->method, sizeof(r->method), "%s", method);
  r->url = strdup(url);
  if (body != NULL && (r->post = malloc(bodylen + 1)) != NULL) {
    memcpy(r->post, body, bodylen);
    r->post[bodylen] = '\0';
    r->postlen = bodylen;
  }
  if (r->url == NULL || (body != NULL && r->post == NULL)) {
    snprintf(r->errbuf, sizeof(r->errbuf), "not enough memory");
    return -1;
  }
  if (body != NULL &&
      sf_request_add_header(r, "Content-Type: application/json") != 0)
    return -1;
  /* never "Expect: 100-continue": it adds a round trip to every POST */
  return sf_request_add_header(r, "Expect:");
}

/* A libcurl handle: a spare one (reset when it was given back), or new. */
static CURL *easy_take (SfHttp *h) {
  return h->nspare > 0 ? h->spare[--h->nspare] : curl_easy_init();
}

/* Keep a finished handle for a later transfer, reset so that no option,
** header list or private pointer of its request survives (libcurl frees
** its receive buffer at the end of each transfer anyway), or clean it up
** when enough are kept. */
static void easy_give_back (SfHttp *h, CURL *e) {
  if (h->nspare < SF_HTTP_SPARE) {
    curl_easy_reset(e);
    h->spare[h->nspare++] = e;
  } else {
    curl_easy_cleanup(e);
  }
}

/* Make the libcurl handle of 'r' with every option. 0 or -1. */
static int request_make_easy (SfRequest *r) {
  CURL *e = easy_take(r->http);
  if (e == NULL)
    return -1;
  r->easy = e;
  curl_easy_setopt(e, CURLOPT_SHARE, sf_http_pool_next(r->http));
  curl_easy_setopt(e, CURLOPT_PRIVATE, r);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
  curl_easy_setopt(e, CURLOPT_URL, r->url);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  /* User-Agent and Accept-Encoding as our own header lines, not libcurl's
  ** options: libcurl 7.88 prints each option's line twice, a byte at a
  ** time through its own printf (~140 instructions a byte), and a header
  ** line of ours once: 2.7 % fewer instructions per workflow
  ** (docs/performance.md, "Round of 2026-12-07 (fifth)"). A line of ours
  ** replaces libcurl's own; request_start hands the list over. */
  sf_request_add_header(r, "User-Agent: sonicflow/" SF_VERSION);
  /* JSON may come compressed; audio never: a download's length is
  ** checked against Content-Length, which counts the bytes on the wire.
  ** The option is what makes libcurl decode. */
  if (r->download_fd < 0) {
    sf_request_add_header(r, "Accept-Encoding: gzip");
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip");
    /* An answer is a few KB, read into r->body whatever the buffer, so
    ** libcurl's least receive buffer, not its 16 KiB default: libcurl
    ** mallocs one per transfer, and with 1,000 calls in flight the 16 KiB
    ** ones kept ~5 MB more resident for no measurable CPU saved
    ** (docs/performance.md, "Round of 2026-12-07 (fourth)"). */
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 1024L);  /* the least it takes */
  }
  if (r->max_download > 0)   /* refused early when the length is known */
    curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
                     (curl_off_t)r->max_download);
  /* no TCP keep-alive probes: every transfer has a total or a low-speed
  ** timeout that finds a dead peer sooner, and the probes cost three
  ** setsockopt calls per connection (a quarter of a short call's syscalls) */
  if (strcmp(r->method, "HEAD") == 0)
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  else if (strcmp(r->method, "GET") != 0)
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
  if (r->post != NULL) {
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->postlen);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->post);  /* ours until done */
  }
  return 0;
}

int sf_request_add_header (SfRequest *r, const char *line) {
  struct curl_slist *n = curl_slist_append(r->headers, line);
  if (n == NULL) {
    snprintf(r->errbuf, sizeof(r->errbuf), "not enough memory");
    return -1;
  }
  r->headers = n;
  return 0;
}

/* Is 'url' on the API itself (so it may carry the key)? */
static int is_api_url (const SfHttp *h, const char *url) {
  return h->api_prefix != NULL &&
         strncmp(url, h->api_prefix, strlen(h->api_prefix)) == 0;
}

/* Hand 'r' to libcurl. Options that depend on the final state of the
** request (timeouts, headers, auth) are applied here, once. */
static void request_start (SfRequest *r) {
  SfHttp *h = r->http;
  CURL *e;
  if (request_make_easy(r) != 0) {
    r->state = SF_REQ_DONE;   /* reported next turn */
    r->fail = SF_FAIL_CONNECT;
    snprintf(r->errbuf, sizeof(r->errbuf), "cannot create a curl handle");
    r->next = h->failed_head;
    h->failed_head = r;
    return;
  }
  e = r->easy;
  if (r->with_auth && h->auth_header != NULL && is_api_url(h, r->url))
    sf_request_add_header(r, h->auth_header);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
  /* the key never follows a redirect: API calls do not follow them */
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, r->with_auth ? 0L : 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
  if (r->connect_timeout_ms > 0)
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r->connect_timeout_ms);
  if (r->total_timeout_ms > 0)
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->total_timeout_ms);
  if (r->low_speed_secs > 0) {
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, r->low_speed_bytes);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, r->low_speed_secs);
  }
  /* Big files: fewer, larger reads. libcurl's most (512 KiB): a 1 GiB
  ** download took 0.50 s (0.48-0.61) against 1.06 s (0.57-2.63) with
  ** 256 KiB, in half the recv calls (docs/performance.md). The buffer is
  ** an mmap (runtime/session.c), so a small file touches only its size. */
  if (r->download_fd >= 0)
    curl_easy_setopt(e, CURLOPT_BUFFERSIZE, 512L * 1024);
  if (r->fresh) {
    /* A paid call must never be resent: libcurl silently retries a
    ** request only on a reused connection that turns out dead, and a new
    ** connection is not a reused one. Once answered, the connection joins
    ** the pool: polls and downloads may reuse it (they may be resent), and
    ** the next paid call takes a new one again. */
    curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  }
  r->started = sf_now();
  if (h->har != NULL) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    r->har_wall = (double)ts.tv_sec + ts.tv_nsec / 1e9;
    sf_sha256_init(&r->har_sha);
  }
  if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
    r->result = CURLE_FAILED_INIT;
    r->fail = SF_FAIL_CONNECT;
    r->state = SF_REQ_DONE;   /* reported next turn */
    snprintf(r->errbuf, sizeof(r->errbuf), "cannot start the transfer");
    r->next = h->failed_head;
    h->failed_head = r;
    return;
  }
  r->state = SF_REQ_RUNNING;
  h->inflight++;
  h->requests_sent++;
}

int sf_http_submit (SfRequest *r) {
  SfHttp *h = r->http;
  r->status = 0;
  r->fail = SF_FAIL_NONE;
  r->result = CURLE_OK;
  r->next = NULL;
  if (h->inflight < h->max_inflight && h->queue_head == NULL) {
    request_start(r);
    return 0;
  }
  r->state = SF_REQ_QUEUED;
  h->queued++;
  if (h->queue_tail != NULL)
    h->queue_tail->next = r;
  else
    h->queue_head = r;
  h->queue_tail = r;
  return 0;
}

void sf_http_hold (SfRequest *r) {
  r->state = SF_REQ_HELD;
  r->next = r->http->held_head;
  r->http->held_head = r;
}

int sf_http_has_held (const SfHttp *h) {
  return h->held_head != NULL;
}

void sf_http_release_held (SfHttp *h, const char *error) {
  SfRequest *list = NULL;
  while (h->held_head != NULL) {       /* reverse: keep the order held */
    SfRequest *r = h->held_head;
    h->held_head = r->next;
    r->next = list;
    list = r;
  }
  while (list != NULL) {
    SfRequest *r = list;
    list = r->next;
    r->next = NULL;
    if (error == NULL) {
      sf_http_submit(r);
    } else {                           /* reported as never sent */
      r->state = SF_REQ_DONE;
      r->fail = SF_FAIL_JOURNAL;
      snprintf(r->errbuf, sizeof(r->errbuf), "%s", error);
      r->next = h->failed_head;
      h->failed_head = r;
    }
  }
}

/* Take 'r' out of the wait queue, if it is there. */
static void queue_unlink (SfHttp *h, SfRequest *r) {
  SfRequest **pp = &h->queue_head, *prev = NULL;
  while (*pp != NULL && *pp != r) {
    prev = *pp;
    pp = &(*pp)->next;
  }
  if (*pp == NULL)
    return;
  *pp = r->next;
  if (h->queue_tail == r)
    h->queue_tail = prev;
  h->queued--;
  r->next = NULL;
}

void sf_request_release (SfRequest *r) {
  SfHttp *h = r->http;
  if (h == NULL)
    return;                          /* never prepared */
  if (r->state == SF_REQ_QUEUED)
    queue_unlink(h, r);
  if (r->state == SF_REQ_HELD) {
    SfRequest **pp = &h->held_head;
    while (*pp != NULL && *pp != r)
      pp = &(*pp)->next;
    if (*pp != NULL)
      *pp = r->next;
  }
  if (r->state == SF_REQ_DONE) {      /* may sit on the failed list */
    SfRequest **pp = &h->failed_head;
    while (*pp != NULL && *pp != r)
      pp = &(*pp)->next;
    if (*pp != NULL)
      *pp = r->next;
  }
  if (r->state == SF_REQ_RUNNING) {
    curl_multi_remove_handle(h->multi, r->easy);
    h->inflight--;
  }
  r->state = SF_REQ_IDLE;
  if (r->easy != NULL) {
    easy_give_back(h, r->easy);
    r->easy = NULL;
  }
  curl_slist_free_all(r->headers);
  r->headers = NULL;
  free(r->url);
  free(r->post);
  r->url = r->post = NULL;
  sf_buf_free(&r->body);
  sf_buf_free(&r->har_head);
  r->http = NULL;
}

/* ---------------------------------------------------------------- driving */

/* Was anything of the request sent? If not, the server cannot have acted
** on it, and even a paid call may be sent again. */
static int request_was_sent (SfRequest *r) {
  long sent = 0;
  curl_off_t upload = 0;
  curl_easy_getinfo(r->easy, CURLINFO_REQUEST_SIZE, &sent);
  curl_easy_getinfo(r->easy, CURLINFO_SIZE_UPLOAD_T, &upload);
  return sent > 0 || upload > 0;
}

/* Turn libcurl's result into our failure kind. */
static void classify (SfRequest *r) {
  if (r->result == CURLE_OK || r->fail != SF_FAIL_NONE)
    return;
  switch (r->result) {
    case CURLE_PEER_FAILED_VERIFICATION: case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: case CURLE_SSL_INVALIDCERTSTATUS:
      r->fail = SF_FAIL_TLS;    /* an impostor, or a broken setup */
      return;
    case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT: case CURLE_SSL_CONNECT_ERROR:
      r->fail = SF_FAIL_CONNECT;
      return;
    case CURLE_OPERATION_TIMEDOUT:
      r->fail = request_was_sent(r) ? SF_FAIL_TIMEOUT : SF_FAIL_CONNECT;
      return;
    case CURLE_FILESIZE_EXCEEDED:   /* Content-Length over max_download */
      r->fail = SF_FAIL_TOO_LARGE;
      return;
    default:
      r->fail = request_was_sent(r) ? SF_FAIL_NETWORK : SF_FAIL_CONNECT;
  }
}

static void log_exchange (SfRequest *r) {
  char *url = r->url, *method = r->method;
  if (!r->http->verbose)
    return;
  if (r->easy != NULL) {
    curl_easy_getinfo(r->easy, CURLINFO_EFFECTIVE_URL, &url);
    curl_easy_getinfo(r->easy, CURLINFO_EFFECTIVE_METHOD, &method);
  }
  if (r->fail == SF_FAIL_NONE)
    sf_log_debug("http: %s %s -> %ld (%.0f ms)%s", method ? method : "?",
                 url ? url : "?", r->status, r->elapsed * 1000,
                 r->with_auth ? " [Authorization: Bearer ***]" : "");
  else
    sf_log_debug("http: %s %s -> %s: %s (%.0f ms)", method ? method : "?",
                 url ? url : "?", sf_fail_name(r->fail),
                 r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->result),
                 r->elapsed * 1000);
}

/* Start queued requests while there are free slots. */
static void start_queued (SfHttp *h) {
  while (h->queue_head != NULL && h->inflight < h->max_inflight) {
    SfRequest *r = h->queue_head;
    h->queue_head = r->next;
    if (h->queue_head == NULL)
      h->queue_tail = NULL;
    h->queued--;
    r->next = NULL;
    request_start(r);
  }
}

/*
** Report every finished transfer. Collects first and reports afterwards: an on_done may resume a task that starts or releases
** other requests, which must not happen while curl_multi_info_read is
** iterating.
*/
void sf_http_report_done (SfHttp *h) {
  SfRequest *done = NULL, **tail = &done;
  CURLMsg *m;
  int left;
  while (h->failed_head != NULL) {   /* never started: report as such */
    SfRequest *r = h->failed_head;
    h->failed_head = r->next;
    r->next = NULL;
    *tail = r;
    tail = &r->next;
  }
  while ((m = curl_multi_info_read(h->multi, &left)) != NULL) {
    SfRequest *r = NULL;
    if (m->msg != CURLMSG_DONE)
      continue;
    curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
    r->result = m->data.result;     /* copy now: 'm' dies with remove */
    curl_multi_remove_handle(h->multi, r->easy);
    h->inflight--;
    r->state = SF_REQ_DONE;
    r->elapsed = sf_now() - r->started;
    classify(r);
    if (r->fail == SF_FAIL_NONE)
      curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
    log_exchange(r);
    if (h->har != NULL)              /* the one place every answer ends */
      sf_har_record(h->har, r);
    r->next = NULL;
    *tail = r;
    tail = &r->next;
  }
  start_queued(h);
  while (done != NULL) {
    SfRequest *r = done;
    done = r->next;
    r->next = NULL;
    if (r->on_done != NULL)
      r->on_done(r);
  }
}
