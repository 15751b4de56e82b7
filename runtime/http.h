/*
** http.h -- every HTTP exchange of the client, on one libcurl multi handle.
**
** A request is a C struct embedded in its owner (a Lua userdata in the
** bindings), so it lives exactly as long as the task that waits on it.
** Requests beyond 'max_inflight' wait in our own FIFO rather than inside
** libcurl: libcurl's CURLOPT_TIMEOUT_MS would otherwise count the time a
** transfer spends queued behind connection limits.
**
** Completion is reported through 'on_done', called from
** sf_http_report_done after libcurl has finished with the transfer -- never from inside a
** libcurl callback, so the owner may touch Lua there.
*/
#ifndef SF_HTTP_H
#define SF_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <curl/curl.h>
#include "buf.h"
#include "checksum.h"
#include "sha256.h"

typedef struct SfRequest SfRequest;

#define SF_HTTP_SPARE 64         /* spare libcurl handles kept */
#define SF_HTTP_POOL_CONNS 64    /* transfers per connection pool */

typedef struct SfHttp {
  CURLM *multi;
  int inflight;              /* transfers added to 'multi' */
  int max_inflight;          /* scheduler-side limit */
  SfRequest *queue_head, *queue_tail;  /* waiting for a slot */
  int queued;                /* requests in that queue */
  SfRequest *failed_head;    /* could not be started; reported next turn */
  SfRequest *held_head;      /* paid calls waiting for the journal commit */
  char *auth_header;         /* "Authorization: Bearer ..."; never logged */
  char *api_prefix;          /* "<base>/api/v1/": auth goes only there */
  int verbose;               /* log each exchange on stderr */
  long long requests_sent;   /* counters for the summary and benchmarks */
  int epfd;                  /* the transfers' sockets (http_wait.c) */
  int wake_fd;               /* also watched: the loop's wake pipe */
  uint64_t curl_due_ms;      /* libcurl's next deadline; UINT64_MAX none */
  struct SfHar *har;         /* --har: every exchange is recorded (har.h) */
  /* finished libcurl handles, reset, kept for the next transfers: a new
  ** handle costs an init (~5 KB of allocations) and a cleanup */
  CURL *spare[SF_HTTP_SPARE];
  int nspare;
  /* connection pools (http_pools.c): libcurl shares of connections only */
  CURLSH **pools;
  int npools;                /* in use: ceil(max_inflight / POOL_CONNS) */
  int npools_made;           /* made so far (kept when max_inflight falls) */
  unsigned next_pool;        /* the last pool given a transfer */
} SfHttp;

/* How a failed transfer ended, as far as the caller's retry rules care. */
typedef enum SfFailKind {
  SF_FAIL_NONE = 0,
  SF_FAIL_CONNECT,           /* never reached the server: safe to resend */
  SF_FAIL_TLS,               /* the peer's certificate was refused: never
                                retried, never sent anything */
  SF_FAIL_TIMEOUT,           /* sent (maybe processed), no full answer */
  SF_FAIL_NETWORK,           /* sent (maybe processed), connection lost */
  SF_FAIL_TOO_LARGE,         /* answer over the size limit */
  SF_FAIL_WRITE,             /* local disk write failed (errno saved) */
  SF_FAIL_ABORTED,           /* cancelled by us */
  SF_FAIL_JOURNAL            /* held for the journal, which could not be
                                written: never sent */
} SfFailKind;

typedef enum SfReqState {
  SF_REQ_IDLE, SF_REQ_HELD, SF_REQ_QUEUED, SF_REQ_RUNNING, SF_REQ_DONE
} SfReqState;

struct SfRequest {
  SfHttp *http;
  CURL *easy;                /* made when the transfer starts, not while
                                it waits in the queue (~5 KB each) */
  char *url;                 /* owned copies until then */
  char *post;                /* body of a POST, or NULL */
  size_t postlen;
  char method[8];
  struct curl_slist *headers;
  SfReqState state;
  /* options, set before sf_http_submit */
  int with_auth;             /* send the key (API calls only) */
  int fresh;                 /* a new connection, never a reused one:
                                paid calls */
  long connect_timeout_ms, total_timeout_ms;
  long low_speed_bytes, low_speed_secs;  /* abort transfers slower */
  int download_fd;           /* >= 0: a 2xx body is written here */
  int checksum;              /* hash the downloaded bytes (XXH64) */
  long long max_download;    /* > 0: a longer download fails (too_large) */
  long long resume_from;     /* bytes already in the file (Range asked) */
  int restarted;             /* a 200 to a Range: rewritten from zero */
  SfXxh64 xxh;
  /* response */
  long status;
  SfBuf body;                /* JSON answers, or an error page */
  long long written;         /* bytes written to download_fd */
  long long content_length;  /* from the header; -1 unknown */
  char retry_after[64];
  double pace_hint;          /* X-Sandbox-Paid-Interval (seconds), or -1 */
  char content_type[96];
  char content_encoding[32]; /* e.g. a CDN's gzip that nobody asked for */
  char content_range[96];
  char etag[128];
  char last_modified[64];
  CURLcode result;
  SfFailKind fail;
  int write_errno;
  double elapsed;            /* seconds from start to completion */
  char errbuf[CURL_ERROR_SIZE];
  /* for --har only (http->har set): the final answer's header lines,
  ** the hash of a download's bytes, the wall clock at the start */
  SfBuf har_head;
  SfSha256 har_sha;
  double har_wall;
  /* completion */
  void (*on_done) (SfRequest *r);
  void *owner;
  SfRequest *next;           /* queue / done list link */
  double started;
};

int sf_http_init (SfHttp *h, int max_inflight);
void sf_http_free (SfHttp *h);
/* Set the key and the API prefix. The key is copied into a header line
** only; 0 or -1 (ENOMEM). */
int sf_http_set_auth (SfHttp *h, const char *key, const char *api_prefix);

/* Prepare 'r' (zeroed by the caller) for 'method' on 'url'. 'body' may be
** NULL; both are copied. The libcurl handle is made only when the
** transfer starts. 0, or -1 with a message in r->errbuf. */
int sf_request_prepare (SfRequest *r, SfHttp *h, const char *method,
                        const char *url, const char *body, size_t bodylen,
                        size_t max_body);
/* Add one request header line ("Name: value"). 0 or -1. */
int sf_request_add_header (SfRequest *r, const char *line);
/* Start now, or queue when 'max_inflight' transfers are running. */
int sf_http_submit (SfRequest *r);
/* Hold 'r' until sf_http_release_held: a paid call leaves only after
** its journal intent is committed. */
void sf_http_hold (SfRequest *r);
/* Submit every held request, or fail them all with 'error' (when the
** journal could not be written). */
void sf_http_release_held (SfHttp *h, const char *error);
int sf_http_has_held (const SfHttp *h);
/* Abort and free everything 'r' owns. Idempotent; never calls on_done. */
void sf_request_release (SfRequest *r);
/* What r->fail means, for logs ("could not connect", "timed out", ...);
** the failure kinds scripts see are kinds.h's. */
const char *sf_fail_name (SfFailKind k);

/* Sleep until a transfer's socket is ready, libcurl's own deadline
** passes, the wake fd is readable or 'timeout_ms' (-1: no limit) passes,
** and let libcurl act on what happened. 1 when the wake fd was readable.
** (http_wait.c) */
int sf_http_wait (SfHttp *h, long timeout_ms);
/* Also wake sf_http_wait when 'fd' is readable (the loop's signal and
** webhook pipe). 0 or -1. */
int sf_http_watch_wake_fd (SfHttp *h, int fd);
/* Make or choose the connection pools for h->max_inflight and size
** libcurl's idle-connection limit to match; the next transfer's pool, in
** turn (NULL: libcurl's own cache, when no pool could be made); free them
** all once no libcurl handle is left. (http_pools.c) */
void sf_http_pools_resize (SfHttp *h);
CURLSH *sf_http_pool_next (SfHttp *h);
void sf_http_pools_free (SfHttp *h);
/* Set up / tear down the socket watching; used by sf_http_init/free. */
int sf_http_sockets_init (SfHttp *h);
void sf_http_sockets_free (SfHttp *h);
/* Report every finished transfer: calls on_done for each. */
void sf_http_report_done (SfHttp *h);
/* Number of requests running or queued (constant time: the loop asks
** every turn). */
int sf_http_busy (const SfHttp *h);
/* Change 'max_inflight' (and libcurl's idle connection cache with it, so
** connections are kept for reuse rather than closed and reopened). */
void sf_http_set_max_inflight (SfHttp *h, int n);

#endif
