/*
** server.c -- the HTTP side of the sandbox, on libmicrohttpd.
**
** A pool of a few threads polls all connections (epoll where available).
** Each request gets a Req that accumulates its body (over 1 MiB: 413),
** is routed, authenticated, exposed to the fault draws, and handed to
** api*.c. Answers that must come later (a slow fault, the synchronous
** upload, audio still rendering) suspend the connection and are resumed
** by the timer or the render thread, so no pool thread ever waits.
**
** Paths: /api/v1/... (auth), /files/<clip>.mp3|.wav|.mid and
** /files/image_<clip>.jpeg, /stream/<clip> (previews) and /_sandbox/ledger
** (no auth: audio is CDN-like, the ledger is for tests).
*/
#include <ctype.h>
#include <microhttpd.h>
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include "conn_guard.h"
#include "mhd_loop.h"
#include "sbx.h"

enum { P_NEW, P_DEFERRED, P_AUDIO, P_ANSWERED };

typedef struct Req {
  Sbx *s;
  struct MHD_Connection *conn;
  int phase;
  Buf body;
  int too_big;                    /* body over SBX_BODY_MAX */
  Answer ans;
  uint64_t draw;                  /* fault draws of this request */
  int64_t t0;
  int status;                     /* for the log; 0 = no answer */
  int counted;                    /* download already counted */
  int head;                       /* HEAD request */
  char method[16];
  char url[128];                  /* for the log (cut) */
  ReplayHit hit;                  /* --replay: the answer being served */
} Req;

/* ---- logging ------------------------------------------------------------ */

/* One line on stderr unless --quiet. */
void sf_sbx_log (const Sbx *s, const char *fmt, ...) {
  char line[512];
  va_list ap;
  if (s->cfg.quiet)
    return;
  va_start(ap, fmt);
  vsnprintf(line, sizeof(line), fmt, ap);
  va_end(ap);
  fprintf(stderr, "sandbox: %s\n", line);
}

static void mhd_log (void *cls, const char *fmt, va_list ap) {
  const Sbx *s = (const Sbx *)cls;
  if (!s->cfg.quiet) {
    fputs("sandbox: microhttpd: ", stderr);
    vfprintf(stderr, fmt, ap);
  }
}

/* ---- sending ------------------------------------------------------------ */

/* Queue 'resp' with 'status' and drop our reference. */
static enum MHD_Result queue (Req *r, int status, struct MHD_Response *resp) {
  enum MHD_Result rc;
  if (resp == NULL)
    return MHD_NO;
  r->status = status;
  r->phase = P_ANSWERED;
  rc = MHD_queue_response(r->conn, (unsigned)status, resp);
  MHD_destroy_response(resp);
  return rc;
}

/* Send r->ans as JSON now. */
static enum MHD_Result send_answer (Req *r) {
  Answer *a = &r->ans;
  struct MHD_Response *resp = MHD_create_response_from_buffer(
    a->body.len, a->body.p ? a->body.p : (char *)"", MHD_RESPMEM_MUST_COPY);
  if (resp == NULL)
    return MHD_NO;
  MHD_add_response_header(resp, "Content-Type", "application/json");
  if (a->retry_after[0])
    MHD_add_response_header(resp, "Retry-After", a->retry_after);
  if (a->paid_interval[0])
    MHD_add_response_header(resp, "X-Sandbox-Paid-Interval",
                            a->paid_interval);
  if (a->allow != NULL)
    MHD_add_response_header(resp, "Allow", a->allow);
  return queue(r, a->status ? a->status : 500, resp);
}

static enum MHD_Result send_error (Req *r, int status, const char *msg) {
  sf_sbx_answer_error(r->s, &r->ans, status, msg);
  return send_answer(r);
}

/* Timer callback: the deferred answer is due (or we are stopping). */
static void resume_cb (void *arg, int cancelled) {
  Req *r = (Req *)arg;
  (void)cancelled;
  sf_mhd_loop_resume(r->s->daemons, r->conn);
}

/* Send r->ans after its delay: suspend now, resume from the timer. */
static enum MHD_Result send_later (Req *r, int64_t delay_ms) {
  if (delay_ms <= 0)
    return send_answer(r);
  r->phase = P_DEFERRED;
  MHD_suspend_connection(r->conn);
  /* +1: the clock reads whole ms, so 'now' may be up to 1 ms late */
  if (sf_sbx_timer_add(r->s->timer, sf_sbx_now_ms() + delay_ms + 1,
                       resume_cb, r) != 0)
    sf_mhd_loop_resume(r->s->daemons, r->conn);  /* stopping: at once */
  return MHD_YES;
}

/* ---- audio and other files ---------------------------------------------- */

/* Parse a single "bytes=a-b" / "a-" / "-n" range against 'len'.
** 1: satisfiable, [*from, *to] set; 0: no usable range (serve all);
** -1: unsatisfiable (416). */
static int parse_range (const char *h, size_t len, size_t *from,
                        size_t *to) {
  unsigned long long a, b;
  char *end;
  if (h == NULL || strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
    return 0;
  h += 6;
  if (*h == '-') {                            /* suffix: the last n */
    b = strtoull(h + 1, &end, 10);
    if (end == h + 1 || *end != '\0')
      return 0;
    if (b == 0 || len == 0)
      return -1;
    *from = b >= len ? 0 : len - (size_t)b;
    *to = len - 1;
    return 1;
  }
  a = strtoull(h, &end, 10);
  if (end == h || *end != '-')
    return 0;
  h = end + 1;
  b = *h ? strtoull(h, &end, 10) : len - 1;
  if (*h && (*end != '\0' || b < a))
    return 0;
  if (a >= len)
    return -1;
  *from = (size_t)a;
  *to = b >= len ? len - 1 : (size_t)b;
  return 1;
}

/* A body that promises 'len' bytes but ends after 'cut': the truncate
** fault. The connection is closed when the callback gives up. */
typedef struct Cut {
  Audio *audio;
  const unsigned char *p;
  size_t cut;
} Cut;

static ssize_t cut_read (void *cls, uint64_t pos, char *buf, size_t max) {
  Cut *c = (Cut *)cls;
  size_t n;
  if (pos >= c->cut)
    return MHD_CONTENT_READER_END_WITH_ERROR;
  n = c->cut - (size_t)pos;
  if (n > max)
    n = max;
  memcpy(buf, c->p + pos, n);
  return (ssize_t)n;
}

static void cut_free (void *cls) {
  Cut *c = (Cut *)cls;
  sf_sbx_audio_release(c->audio);
  free(c);
}

static void audio_unref (void *cls) {
  sf_sbx_audio_release((Audio *)cls);
}

/* The body for bytes [from, to] of 'a', cut short on a truncate fault.
** Takes over the reference on 'a'. */
static struct MHD_Response *audio_body (Req *r, Audio *a, size_t from,
                                        size_t to) {
  size_t len;
  const unsigned char *d = sf_sbx_audio_data(a, &len);
  size_t n = to + 1 - from;
  struct MHD_Response *resp;
  if (!r->head && sf_sbx_fault_hit(r->s, r->draw, FAULT_TRUNCATE)) {
    Cut *c = sf_sbx_alloc(sizeof(Cut));
    c->audio = a;
    c->p = d + from;
    c->cut = n / 2;
    resp = MHD_create_response_from_callback(n, 32 * 1024, cut_read, c,
                                             cut_free);
    if (resp == NULL)
      cut_free(c);
    return resp;
  }
  resp = MHD_create_response_from_buffer_with_free_callback_cls(
    n, (void *)(d + from), audio_unref, a);
  if (resp == NULL)
    sf_sbx_audio_release(a);
  return resp;
}

/* Serve a rendered file: whole, or one range (206), honouring If-Range
** against the ETag or Last-Modified. Takes over the reference. */
static enum MHD_Result send_audio (Req *r, Audio *a, const char *type) {
  size_t len, from = 0, to;
  char lastmod[40], cr[96];
  const char *range = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                  "Range");
  const char *ifr = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                                "If-Range");
  struct MHD_Response *resp;
  int rr, status = 200;
  sf_sbx_audio_data(a, &len);
  sf_sbx_http_date(sf_sbx_audio_mtime(a), lastmod);
  to = len ? len - 1 : 0;
  if (ifr != NULL && strcmp(ifr, sf_sbx_audio_etag(a)) != 0 &&
      strcmp(ifr, lastmod) != 0)
    range = NULL;                       /* changed: send it all */
  rr = parse_range(range, len, &from, &to);
  if (rr < 0) {
    sf_sbx_audio_release(a);
    resp = MHD_create_response_from_buffer(0, (void *)"",
                                           MHD_RESPMEM_PERSISTENT);
    snprintf(cr, sizeof(cr), "bytes */%zu", len);
    if (resp != NULL)
      MHD_add_response_header(resp, "Content-Range", cr);
    return queue(r, 416, resp);
  }
  if (rr > 0) {
    status = 206;
    snprintf(cr, sizeof(cr), "bytes %zu-%zu/%zu", from, to, len);
  }
  resp = len ? audio_body(r, a, from, to)
             : MHD_create_response_from_buffer(0, (void *)"",
                                               MHD_RESPMEM_PERSISTENT);
  if (resp == NULL)
    return MHD_NO;
  if (len == 0)
    sf_sbx_audio_release(a);
  MHD_add_response_header(resp, "Content-Type", type);
  MHD_add_response_header(resp, "Accept-Ranges", "bytes");
  MHD_add_response_header(resp, "ETag", sf_sbx_audio_etag(a));
  MHD_add_response_header(resp, "Last-Modified", lastmod);
  MHD_add_response_header(resp, "Cache-Control", "public, max-age=86400");
  if (status == 206)
    MHD_add_response_header(resp, "Content-Range", cr);
  return queue(r, status, resp);
}

static void suspend_cb (void *arg) {
  MHD_suspend_connection(((Req *)arg)->conn);
}

static void wake_cb (void *arg) {
  Req *r = (Req *)arg;
  sf_mhd_loop_resume(r->s->daemons, r->conn);
}

/* The clip a file URL names and its state now (CS_FAILED when there is
** none). Lock held. */
static ClipState file_clip (Sbx *s, const char *id, Clip **out) {
  Clip *c = strlen(id) < SBX_ID_LEN ? sf_sbx_clip_find(s, id) : NULL;
  *out = c;
  return c ? sf_sbx_clip_state(s, c, sf_sbx_now_ms()) : CS_FAILED;
}

/* What an audio acquire gave: 1 the bytes (sent now), 0 rendering (the
** answer waits in P_AUDIO), -1 the cache is stopping, -2 it failed. */
static enum MHD_Result audio_answer (Req *r, int rc, Audio *a, int wav) {
  if (rc == -2)
    return send_error(r, 500, "Internal Server Error.");
  if (rc == 0) {
    r->phase = P_AUDIO;
    return MHD_YES;
  }
  if (rc < 0)
    return send_error(r, 503, "The sandbox is stopping.");
  return send_audio(r, a, wav ? "audio/wav" : "audio/mpeg");
}

/*
** The audio of a clip: its final file once succeeded (counted as a
** download for GET), or the preview stream while streaming. Renders on
** first use; the connection sleeps meanwhile and comes back here.
*/
static enum MHD_Result serve_audio (Req *r, const char *id, int wav,
                                    int stream) {
  Sbx *s = r->s;
  Clip *c;
  ClipState st;
  Recipe recipe;
  int64_t mtime;
  Audio *a = NULL;
  int rc;
  memset(&recipe, 0, sizeof(recipe));
  pthread_mutex_lock(&s->lock);
  st = file_clip(s, id, &c);
  if (st != CS_SUCCEEDED && !(stream && st == CS_STREAMING)) {
    pthread_mutex_unlock(&s->lock);
    return send_error(r, 404, "File not found.");
  }
  if (!r->counted && !r->head && !stream) {
    r->counted = 1;
    c->downloads++;
    sf_sbx_state_save_downloads(s, c);
  }
  /* a copy: once the lock is released, retain.c may free the clip */
  sf_sbx_recipe_copy(&recipe, &c->recipe);
  mtime = sf_sbx_clip_done_wall(s, c);
  pthread_mutex_unlock(&s->lock);
  if (r->phase == P_AUDIO)            /* woken: ready, or it failed */
    rc = sf_sbx_audio_acquire(s->audio, id, wav, &recipe, mtime, NULL,
                              NULL, NULL, &a) == 1 ? 1 : -2;
  else
    rc = sf_sbx_audio_acquire(s->audio, id, wav, &recipe, mtime,
                              suspend_cb, wake_cb, r, &a);
  sf_sbx_recipe_free(&recipe);
  return audio_answer(r, rc, a, wav);
}

static void free_cb (void *p) {
  free(p);
}

/* Bytes made on the spot (MIDI file, cover image). */
static enum MHD_Result send_bytes (Req *r, unsigned char *data, size_t len,
                                   const char *type) {
  struct MHD_Response *resp =
    MHD_create_response_from_buffer_with_free_callback(len, data, free_cb);
  if (resp == NULL) {
    free(data);
    return MHD_NO;
  }
  MHD_add_response_header(resp, "Content-Type", type);
  return queue(r, 200, resp);
}

/* /files/<id>.mid: the notes of /sonic/midi as a standard MIDI file. */
static enum MHD_Result serve_midi (Req *r, const char *id) {
  Sbx *s = r->s;
  Clip *c;
  unsigned char *data = NULL;
  size_t len = 0;
  pthread_mutex_lock(&s->lock);
  if (file_clip(s, id, &c) == CS_SUCCEEDED)
    sf_sbx_midi_file(&c->recipe, &data, &len);
  pthread_mutex_unlock(&s->lock);
  if (data == NULL)
    return send_error(r, 404, "File not found.");
  return send_bytes(r, data, len, "audio/midi");
}

/* /files/image_<id>.jpeg: the clip's cover picture. */
static enum MHD_Result serve_image (Req *r, const char *id) {
  Sbx *s = r->s;
  Clip *c;
  unsigned char *data = NULL;
  size_t len = 0;
  pthread_mutex_lock(&s->lock);
  if (file_clip(s, id, &c) == CS_SUCCEEDED)
    sf_sbx_image_jpeg(c->id, c->recipe.nseg ? c->recipe.seg[0].idea : 0,
                      &data, &len);
  pthread_mutex_unlock(&s->lock);
  if (data == NULL)
    return send_error(r, 404, "File not found.");
  return send_bytes(r, data, len, "image/jpeg");
}

/* Route a /files/ name: "<id>.mp3", "<id>.wav", "<id>.mid",
** "image_<id>.jpeg". */
static enum MHD_Result serve_file (Req *r, const char *name) {
  const char *dot = strrchr(name, '.');
  char id[SBX_ID_LEN];
  size_t n = dot ? (size_t)(dot - name) : 0;
  int image = !strncmp(name, "image_", 6);
  if (image) {
    name += 6;
    n -= n >= 6 ? 6 : n;
  }
  if (dot == NULL || n == 0 || n >= SBX_ID_LEN)
    return send_error(r, 404, "File not found.");
  memcpy(id, name, n);
  id[n] = '\0';
  if (image && !strcmp(dot, ".jpeg"))
    return serve_image(r, id);
  if (!image && !strcmp(dot, ".mp3"))
    return serve_audio(r, id, 0, 0);
  if (!image && !strcmp(dot, ".wav"))
    return serve_audio(r, id, 1, 0);
  if (!image && !strcmp(dot, ".mid"))
    return serve_midi(r, id);
  return send_error(r, 404, "File not found.");
}

/* ---- /api/v1 ------------------------------------------------------------ */

enum { R_CREATE, R_TASK, R_STEMS_BASIC, R_STEMS_FULL, R_UPLOAD, R_WAV,
       R_MIDI, R_LYRICS, R_CREDITS, R_UPLOAD_EXTEND, R_UPLOAD_COVER,
       R_PERSONA, R_MASHUP, R_SAMPLE, R_REPLACE, R_UPSAMPLE, R_BPM, R_VOX,
       R_BATCH, R_BATCH_STATUS };

/* 'paced': a paid call that starts a task, held to the account's pace
** (--rate-limit, pace.c); the synchronous calls are not known to be. */
static const struct { const char *path; int post, route, paced; } ROUTES[] = {
  { "/sonic/create", 1, R_CREATE, 1 },
  { "/sonic/stems/basic", 1, R_STEMS_BASIC, 1 },
  { "/sonic/stems/full", 1, R_STEMS_FULL, 1 },
  { "/sonic/upload", 1, R_UPLOAD, 0 },
  { "/sonic/wav", 1, R_WAV, 0 },
  { "/sonic/midi", 1, R_MIDI, 0 },
  { "/sonic/lyrics", 1, R_LYRICS, 0 },
  { "/get-credits", 0, R_CREDITS, 0 },
  /* the rest of the family: the task-making ones are paced like create */
  { "/sonic/upload-extend", 1, R_UPLOAD_EXTEND, 1 },
  { "/sonic/upload-cover", 1, R_UPLOAD_COVER, 1 },
  { "/sonic/persona", 1, R_PERSONA, 0 },
  { "/sonic/mashup", 1, R_MASHUP, 1 },
  { "/sonic/sample", 1, R_SAMPLE, 1 },
  { "/sonic/replace-section", 1, R_REPLACE, 1 },
  { "/sonic/upsample-tags", 1, R_UPSAMPLE, 0 },
  { "/sonic/bpm", 1, R_BPM, 0 },
  { "/sonic/vox", 1, R_VOX, 0 },
  { "/sonic/batch", 1, R_BATCH, 1 },
};
#define NROUTES (sizeof(ROUTES) / sizeof(ROUTES[0]))

/* The route of 'path' (under /api/v1), or -1; '*post' says its method,
** '*paced' whether the account's pace applies. /sonic/batch is POST to
** submit and GET (with 'get') to read. */
static int route_find (const char *path, int get, int *post, int *paced) {
  size_t i;
  *paced = 0;
  if (!strcmp(path, "/sonic/task") || !strncmp(path, "/sonic/task/", 12)) {
    *post = 0;
    return R_TASK;
  }
  if (get && !strcmp(path, "/sonic/batch")) {
    *post = 0;
    return R_BATCH_STATUS;
  }
  for (i = 0; i < NROUTES; i++)
    if (!strcmp(path, ROUTES[i].path)) {
      *post = ROUTES[i].post;
      *paced = ROUTES[i].paced;
      return ROUTES[i].route;
    }
  return -1;
}

/* Bearer auth; NULL when fine, else the 401 message. '*key' gets the key
** (pointing into the header). */
static const char *auth_check (Req *r, const char **key) {
  const Sbx *s = r->s;
  const char *h = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
                                              "Authorization");
  int i;
  if (h == NULL)
    return "Authorization header is missing.";
  if (strncasecmp(h, "Bearer ", 7) != 0)
    return "Invalid authorization format.";
  h += 7;
  while (*h == ' ')
    h++;
  if (*h == '\0' || strchr(h, ' ') != NULL)
    return "Invalid authorization format.";
  *key = h;
  if (s->nkeys == 0)
    return NULL;
  for (i = 0; i < s->nkeys; i++)
    if (!strcmp(s->keys[i], h))
      return NULL;
  return "Invalid API key.";
}

/* The faults answered before anything is processed (nothing charged). */
static int fault_before (Req *r) {
  Sbx *s = r->s;
  if (sf_sbx_fault_hit(s, r->draw, FAULT_500))
    sf_sbx_answer_error(s, &r->ans, 500, "Internal Server Error.");
  else if (sf_sbx_fault_hit(s, r->draw, FAULT_504))
    sf_sbx_answer_error(s, &r->ans, 504, "Task failed due to timeout. "
                        "Credits were previously refunded.");
  else if (sf_sbx_fault_hit(s, r->draw, FAULT_429)) {
    double secs = 3.0 / s->cfg.speed;
    sf_sbx_answer_error(s, &r->ans, 429, "Too many requests. Please slow "
                        "down.");
    snprintf(r->ans.retry_after, sizeof(r->ans.retry_after), "%d",
             secs < 1 ? 1 : (int)(secs + 0.5));
    /* an injected 429 is not the pace: say the real one, if any, so a
    ** client on loopback does not learn a slower pace from a fault */
    sf_sbx_pace_hint(s, &r->ans);
  } else
    return 0;
  return 1;
}

/* Parse the POST body; NULL with the 400 set in r->ans. */
static Json *body_json (Req *r) {
  char err[160], msg[256];
  Json *j;
  if (r->body.len == 0) {
    sf_sbx_answer_error(r->s, &r->ans, 400, "The request body should be a "
                        "JSON object.");
    return NULL;
  }
  j = sf_sbx_json_parse(r->body.p, r->body.len, err, sizeof(err));
  if (j == NULL) {
    snprintf(msg, sizeof(msg), "Invalid JSON body: %s.", err);
    sf_sbx_answer_error(r->s, &r->ans, 400, msg);
  }
  return j;
}

/* Run the endpoint; its answer lands in r->ans. */
static void api_call (Req *r, int route, const char *path, const Json *body,
                      const char *key) {
  Sbx *s = r->s;
  switch (route) {
  case R_CREATE: sf_sbx_api_create(s, body, key, &r->ans); break;
  case R_TASK:
    sf_sbx_api_task(s, path[11] == '/' ? path + 12 : "", &r->ans);
    break;
  case R_STEMS_BASIC: sf_sbx_api_stems(s, body, 0, &r->ans); break;
  case R_STEMS_FULL: sf_sbx_api_stems(s, body, 1, &r->ans); break;
  case R_UPLOAD: sf_sbx_api_upload(s, body, &r->ans); break;
  case R_WAV: sf_sbx_api_wav(s, body, &r->ans); break;
  case R_MIDI: sf_sbx_api_midi(s, body, &r->ans); break;
  case R_LYRICS: sf_sbx_api_lyrics(s, body, &r->ans); break;
  case R_UPLOAD_EXTEND:
    sf_sbx_api_family(s, "upload_extend", body, key, &r->ans);
    break;
  case R_UPLOAD_COVER:
    sf_sbx_api_family(s, "upload_cover", body, key, &r->ans);
    break;
  case R_MASHUP: sf_sbx_api_family(s, "mashup", body, key, &r->ans); break;
  case R_SAMPLE: sf_sbx_api_family(s, "sample", body, key, &r->ans); break;
  case R_REPLACE:
    sf_sbx_api_family(s, "replace_section", body, key, &r->ans);
    break;
  case R_PERSONA: sf_sbx_api_persona(s, body, &r->ans); break;
  case R_UPSAMPLE: sf_sbx_api_upsample_tags(s, body, &r->ans); break;
  case R_BPM: sf_sbx_api_bpm(s, body, &r->ans); break;
  case R_VOX: sf_sbx_api_vox(s, body, &r->ans); break;
  case R_BATCH: sf_sbx_api_batch(s, body, key, &r->ans); break;
  case R_BATCH_STATUS:
    sf_sbx_api_batch_status(s, MHD_lookup_connection_value(r->conn,
                            MHD_GET_ARGUMENT_KIND, "batch_id"), &r->ans);
    break;
  default: sf_sbx_api_credits(s, &r->ans); break;
  }
}

/*
** An /api/v1 request: route (404), method (405), auth (401), the faults
** that strike before processing (500/504/429), the endpoint, then the
** faults after it: slow (answer delayed) and drop (processed, connection
** closed without an answer).
*/
static enum MHD_Result serve_api (Req *r, const char *path) {
  const char *msg, *key = NULL;
  int get = !strcmp(r->method, "GET") || r->head;
  int post = 0, paced = 0, route = route_find(path, get, &post, &paced);
  Json *body = NULL;
  int64_t delay;
  if (route < 0)
    return send_error(r, 404, "Not Found.");
  if (post ? strcmp(r->method, "POST") != 0
           : strcmp(r->method, "GET") != 0 && !r->head) {
    r->ans.allow = route == R_BATCH ? "GET, HEAD, POST"
                   : post ? "POST" : "GET, HEAD";
    return send_error(r, 405, "Method Not Allowed.");
  }
  if ((msg = auth_check(r, &key)) != NULL)
    return send_error(r, 401, msg);
  if (r->too_big)
    return send_error(r, 413, "The request body is too large (limit "
                      "1 MiB).");
  if (fault_before(r))
    return send_answer(r);
  /* the account's pace refuses before anything is processed, like the
  ** faults above: no slow or dropped answer after it (a dropped 429 would
  ** look like a create that may have been charged) */
  if (paced && sf_sbx_pace_enter(r->s, &r->ans) != 0)
    return send_answer(r);
  if (!post || (body = body_json(r)) != NULL) {
    api_call(r, route, path, body, key);
    sf_sbx_json_free(body);
  }
  if (paced)
    sf_sbx_pace_leave(r->s, &r->ans);
  if (sf_sbx_fault_hit(r->s, r->draw, FAULT_DROP)) {
    r->status = 0;
    return MHD_NO;                  /* processed; the client hears nothing */
  }
  delay = r->ans.delay_ms;
  if (sf_sbx_fault_hit(r->s, r->draw, FAULT_SLOW))
    delay += r->s->cfg.slow_ms;
  return send_later(r, delay);
}

/* ---- --replay ----------------------------------------------------------- */

/* The sandbox's own audio for a recorded one, rendered like a clip's:
** the connection sleeps meanwhile and comes back with the hit it has. */
static enum MHD_Result replay_audio (Req *r) {
  Sbx *s = r->s;
  Recipe recipe;
  Audio *a = NULL;
  int rc, wav = sf_sbx_replay_is_wav(&r->hit);
  sf_sbx_replay_recipe(&r->hit, &recipe);
  if (r->phase == P_AUDIO)            /* woken: ready, or it failed */
    rc = sf_sbx_audio_acquire(s->audio, r->hit.sha256, wav, &recipe,
                              sf_sbx_now_ms(), NULL, NULL, NULL, &a) == 1
         ? 1 : -2;
  else
    rc = sf_sbx_audio_acquire(s->audio, r->hit.sha256, wav, &recipe,
                              sf_sbx_now_ms(), suspend_cb, wake_cb, r, &a);
  sf_sbx_recipe_free(&recipe);
  return audio_answer(r, rc, a, wav);
}

/* Every request of a --replay sandbox: its recorded answer, or 501
** naming the request the recording does not have. No auth, no faults:
** the recording already holds the answers the run got. */
static enum MHD_Result serve_replay (Req *r, const char *url) {
  char msg[600];
  if (r->phase == P_AUDIO)
    return replay_audio(r);
  if (!sf_sbx_replay_match(r->s->replay, r->method, url, r->body.p,
                           r->body.len, r->s->base_url, &r->hit, msg,
                           sizeof(msg)))
    return send_error(r, 501, msg);
  if (r->hit.body == NULL)
    return replay_audio(r);
  sf_sbx_answer_body(&r->ans, r->hit.status, r->hit.body);
  snprintf(r->ans.retry_after, sizeof(r->ans.retry_after), "%s",
           r->hit.retry_after);
  return send_answer(r);
}

/* ---- the access handler ------------------------------------------------- */

static enum MHD_Result dispatch (Req *r, const char *url) {
  int get = !strcmp(r->method, "GET") || r->head;
  if (r->s->replay != NULL)
    return serve_replay(r, url);
  if (!strncmp(url, "/api/v1/", 8))
    return serve_api(r, url + 7);
  if (!strncmp(url, "/files/", 7) || !strncmp(url, "/stream/", 8) ||
      !strcmp(url, "/_sandbox/ledger")) {
    if (!get) {
      r->ans.allow = "GET, HEAD";
      return send_error(r, 405, "Method Not Allowed.");
    }
    if (url[1] == 'f')
      return serve_file(r, url + 7);
    if (url[1] == 's')
      return serve_audio(r, url + 8, 0, 1);
    sf_sbx_api_ledger(r->s, &r->ans);
    return send_answer(r);
  }
  return send_error(r, 404, "Not Found.");
}

static Req *req_new (Sbx *s, struct MHD_Connection *conn, const char *url,
                     const char *method) {
  Req *r = sf_sbx_alloc(sizeof(Req));
  r->s = s;
  r->conn = conn;
  r->t0 = sf_sbx_now_ms();
  r->head = !strcmp(method, "HEAD");
  snprintf(r->method, sizeof(r->method), "%s", method);
  snprintf(r->url, sizeof(r->url), "%s", url);
  sf_sbx_buf_init(&r->body);
  sf_sbx_answer_init(&r->ans);
  r->draw = __atomic_add_fetch(&s->n_requests, 1, __ATOMIC_RELAXED);
  return r;
}

/* A declared Content-Length over the limit is refused before reading. */
static int declared_too_big (struct MHD_Connection *conn) {
  const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
                                               "Content-Length");
  return cl != NULL && strtoull(cl, NULL, 10) > SBX_BODY_MAX;
}

/* libmicrohttpd calls this first with the headers, then with each piece
** of the body, then once more with none; and again after a resume. */
static enum MHD_Result on_request (void *cls, struct MHD_Connection *conn,
                                   const char *url, const char *method,
                                   const char *version,
                                   const char *upload, size_t *upload_size,
                                   void **con_cls) {
  Sbx *s = (Sbx *)cls;
  Req *r = (Req *)*con_cls;
  (void)version;
  if (r == NULL) {
    *con_cls = r = req_new(s, conn, url, method);
    if (declared_too_big(conn)) {
      r->too_big = 1;
      return send_error(r, 413, "The request body is too large (limit "
                        "1 MiB).");
    }
    return MHD_YES;
  }
  if (*upload_size > 0) {
    if (r->phase == P_NEW && !r->too_big) {
      if (r->body.len + *upload_size > SBX_BODY_MAX) {
        r->too_big = 1;
        sf_sbx_buf_free(&r->body);
      } else
        sf_sbx_buf_addn(&r->body, upload, *upload_size);
    }
    *upload_size = 0;
    return MHD_YES;
  }
  switch (r->phase) {
  case P_DEFERRED: return send_answer(r);
  case P_AUDIO: return dispatch(r, url);
  case P_ANSWERED: return MHD_YES;
  default: return dispatch(r, url);
  }
}

/* The request is over (answered, dropped or aborted): log and free. */
static void on_completed (void *cls, struct MHD_Connection *conn,
                          void **con_cls,
                          enum MHD_RequestTerminationCode toe) {
  Req *r = (Req *)*con_cls;
  const union MHD_ConnectionInfo *ci;
  int port = 0;
  (void)cls;
  if (r == NULL)
    return;
  /* the client's port names its connection: which requests shared one
  ** (a paid call must arrive on a new one) can be read from the log */
  ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  if (ci != NULL && ci->client_addr != NULL &&
      ci->client_addr->sa_family == AF_INET)
    port = ntohs(((const struct sockaddr_in *)ci->client_addr)->sin_port);
  else if (ci != NULL && ci->client_addr != NULL &&
           ci->client_addr->sa_family == AF_INET6)
    port = ntohs(((const struct sockaddr_in6 *)ci->client_addr)->sin6_port);
  if (r->status)
    sf_sbx_log(r->s, "%s %s %d %lldms port %d%s", r->method, r->url,
               r->status, (long long)(sf_sbx_now_ms() - r->t0), port,
               toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? ""
                                                          : " (cut short)");
  else
    sf_sbx_log(r->s, "%s %s dropped port %d", r->method, r->url, port);
  sf_sbx_buf_free(&r->body);
  sf_sbx_answer_free(&r->ans);
  free(r->hit.body);
  free(r);
  *con_cls = NULL;
}

/* Percent-decode the URL in place like libmicrohttpd does, except that
** %00 stays as it is: a NUL would cut "/sonic/task/%00" down to a
** missing id, where the service answers "task not found.". */
static size_t unescape (void *cls, struct MHD_Connection *conn, char *s) {
  char *w = s;
  const char *r = s;
  (void)cls;
  (void)conn;
  while (*r) {
    unsigned v;
    if (r[0] == '%' && isxdigit((unsigned char)r[1]) &&
        isxdigit((unsigned char)r[2]) && sscanf(r + 1, "%2x", &v) == 1 &&
        v != 0) {
      *w++ = (char)v;
      r += 3;
    } else
      *w++ = *r++;
  }
  *w = '\0';
  return (size_t)(w - s);
}

/* ---- start and stop ----------------------------------------------------- */

/* "http://HOST:PORT" for clip URLs: a wildcard bind address is not
** connectable, so it becomes loopback; IPv6 literals get brackets. */
static void base_url_set (Sbx *s) {
  const char *h = s->host;
  if (!strcmp(h, "0.0.0.0"))
    h = "127.0.0.1";
  else if (!strcmp(h, "::"))
    h = "::1";
  pthread_mutex_lock(&s->lock);       /* the daemon already serves */
  snprintf(s->base_url, sizeof(s->base_url), "http://%s%s%s:%d",
           strchr(h, ':') ? "[" : "", h, strchr(h, ':') ? "]" : "", s->port);
  pthread_mutex_unlock(&s->lock);
}

/* Resolve --host (numeric or a name such as localhost) to an address. */
static int resolve (const char *host, struct sockaddr_storage *ss,
                    int *v6) {
  struct addrinfo hints, *res = NULL;
  memset(&hints, 0, sizeof(hints));
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  if (getaddrinfo(host, "0", &hints, &res) != 0 || res == NULL)
    return -1;
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  *v6 = res->ai_family == AF_INET6;
  freeaddrinfo(res);
  return 0;
}

/* A bind address only this machine can reach: every peer is then the
** same loopback address, and a per-address cap is just a lower limit. */
static int host_is_loopback (const char *h) {
  return !strncmp(h, "127.", 4) || !strcmp(h, "::1") ||
         !strcmp(h, "localhost");
}

/*
** The guard (conn_guard.h) that sizes the daemon and gives every request
** a total deadline, so slow or idle clients cannot hold the slots that
** others need. Its thread is stopped in sf_sbx_server_stop.
*/
static int guard_new (Sbx *s) {
  SfConnGuardConfig g;
  memset(&g, 0, sizeof(g));
  g.max_connections = s->cfg.max_connections;
  g.idle_s = s->cfg.idle_timeout ? s->cfg.idle_timeout : 30;
  g.request_s = s->cfg.request_timeout ? s->cfg.request_timeout : 10;
  g.backlog = 4096;
  s->guard = sf_conn_guard_new(&g, on_request, s, on_completed, s);
  if (s->guard == NULL)
    return -1;
  g.per_ip = s->cfg.per_ip_connections;
  if (g.per_ip == 0 && !host_is_loopback(s->host))
    g.per_ip = sf_conn_guard_limit(s->guard) / 4;
  if (sf_conn_guard_set_per_ip(s->guard, g.per_ip) != 0) {
    sf_conn_guard_free(s->guard);
    s->guard = NULL;
    return -1;
  }
  return 0;
}

int sf_sbx_server_start (Sbx *s, char *err, size_t errlen) {
  struct sockaddr_storage ss;
  unsigned flags = MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
  int v6 = 0;
  memset(&ss, 0, sizeof(ss));
  if (resolve(s->host, &ss, &v6) != 0) {
    snprintf(err, errlen, "cannot resolve host '%s'", s->host);
    return -1;
  }
  if (v6) {
    flags |= MHD_USE_IPv6;
    ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)s->cfg.port);
  } else
    ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)s->cfg.port);
  if (guard_new(s) != 0) {
    snprintf(err, errlen,
             "cannot start the connection guard (out of memory or threads)");
    return -1;
  }
  {
    struct MHD_OptionItem opts[] = {
      { MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, s },  /* first */
      { MHD_OPTION_SOCK_ADDR, 0, &ss },
      /* 64 KiB per connection: requests are small (bodies are copied out
      ** as they arrive) and answers live outside the pool; 10,000
      ** connections must not mean 2.5 GiB */
      { MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)(64 * 1024), NULL },
      { MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape, NULL },
      { MHD_OPTION_END, 0, NULL },
    };
    /* four threads, each waiting on its own share of the connections
    ** (epoll: no FD_SETSIZE ceiling on descriptors) */
    s->daemons = sf_mhd_loop_start(s->guard, 4, flags,
                                   (uint16_t)s->cfg.port, opts);
  }
  if (s->daemons == NULL) {
    snprintf(err, errlen, "cannot listen on %s port %d", s->host,
             s->cfg.port);
    sf_conn_guard_free(s->guard);
    s->guard = NULL;
    return -1;
  }
  s->port = sf_mhd_loop_port(s->daemons);
  if (s->port == 0)
    s->port = s->cfg.port;
  base_url_set(s);
  return 0;
}

void sf_sbx_server_stop (Sbx *s) {
  sf_mhd_loop_stop(s->daemons);       /* NULL-safe */
  s->daemons = NULL;
  sf_conn_guard_free(s->guard);       /* after the daemons: no callbacks */
  s->guard = NULL;
}
