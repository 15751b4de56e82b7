/*
** sbx_harness.h -- shared helper of the sandbox conformance suite.
**
** Spawns `sonicflow sandbox --port 0 ...` as a child process, reads the
** first stdout line ("listening on http://HOST:PORT"), talks to it with
** libcurl easy handles, and SIGTERMs and reaps it at the end. Written from
** ../shared/PROTOCOL.md and issue 2 only, never from the server's code.
**
** Checks never abort: each failed check prints one FAIL line and the test
** goes on, so one run lists every deviation. sbx_finish() gives the exit
** code for CTest.
*/
#ifndef SBX_HARNESS_H
#define SBX_HARNESS_H

#include <pthread.h>
#include <stddef.h>
#include <sys/types.h>
#include <curl/curl.h>

#include "sbx_json.h"

/* ---- checks -------------------------------------------------------------*/

/* argv[1] is the path of the sonicflow binary (CTest passes it). */
void sbx_init (int argc, char **argv);
const char *sbx_binary (void);
void sbx_case (const char *name);                   /* banner + name */
int sbx_check_ (int ok, const char *file, int line, const char *fmt, ...);
void sbx_note (const char *fmt, ...);               /* informational line */
int sbx_failures (void);
int sbx_finish (void);                              /* exit code */

#define SBX_CHECK(cond, ...) \
  sbx_check_(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* Functions, not macros: each argument is evaluated exactly once. */
#define SBX_EQ_INT(got, want, what) \
  sbx_eq_int_((long long)(got), (long long)(want), (what), __FILE__, \
              __LINE__)
#define SBX_EQ_STR(got, want, what) \
  sbx_eq_str_((got), (want), (what), __FILE__, __LINE__)
int sbx_eq_int_ (long long got, long long want, const char *what,
                 const char *file, int line);
int sbx_eq_str_ (const char *got, const char *want, const char *what,
                 const char *file, int line);

/* ---- growable text ------------------------------------------------------*/

typedef struct SbxBuf {
  char *p;
  size_t len, cap;
} SbxBuf;

void sbx_buf_printf (SbxBuf *b, const char *fmt, ...);
void sbx_buf_add (SbxBuf *b, const void *data, size_t n);
void sbx_buf_jstr (SbxBuf *b, const char *s);        /* quoted + escaped */
void sbx_buf_rep (SbxBuf *b, const char *s, size_t times);
void sbx_buf_free (SbxBuf *b);

/* ---- the sandbox process ------------------------------------------------*/

typedef struct SbxServer {
  pid_t pid;                 /* 0 when not running */
  int port;
  char base[80];             /* "http://127.0.0.1:PORT" */
  char first_line[256];      /* first stdout line, without newline */
  char log_path[256];        /* the child's stderr */
  int out_fd;                /* read end of the child's stdout */
  pthread_t drain;           /* keeps reading stdout after line 1 */
  int drain_started;
  const char *key;           /* bearer key the helpers send */
  char keybuf[128];          /* storage for 'key' when taken from opts */
  int code_shape;            /* started with --error-shape code */
  int fail_mark;             /* failures before start: keep the log if
                                any check failed while it ran */
} SbxServer;

/*
** Start the sandbox with 'opts' (space-separated options, e.g.
** "--speed 200 --clip-seconds 4"); "--port 0" is prepended unless 'opts'
** names --port, and "--rate-limit 0" unless it names --rate-limit. Returns 0 when the first line arrived and parsed, -1
** otherwise (the child is reaped then). Fails a check on error.
*/
int sbx_start (SbxServer *s, const char *opts);
/* Lower level: run `sonicflow sandbox <args>` and capture the first line.
** Returns 0 with s->first_line set, -1 when the child exited (its exit code
** in *exit_code) or no line came within 'timeout_s'. */
int sbx_spawn (SbxServer *s, char *const *args, double timeout_s,
               int *exit_code);
/* SIGTERM (or 'sig'), reap within 10 s (else SIGKILL). Returns the exit
** status (0..255), 128+signal when killed by a signal, -1 on error. Also
** fails a check when the child's stderr holds a sanitizer report. */
int sbx_stop (SbxServer *s);
int sbx_stop_sig (SbxServer *s, int sig);
void sbx_print_log_tail (SbxServer *s, int lines);

/* ---- HTTP ---------------------------------------------------------------*/

#define SBX_NOAUTH ""        /* 'auth' value: send no Authorization header */

typedef struct SbxReq {
  const char *method;        /* NULL: GET, or POST when body != NULL */
  const char *url;           /* full URL, or a path below s->base */
  const char *body;          /* POST body (JSON) or NULL */
  size_t body_len;           /* 0: strlen(body) */
  const char *auth;          /* NULL: "Bearer <s->key>"; SBX_NOAUTH; or
                                the raw Authorization header value */
  const char *range;         /* e.g. "0-99" -> "Range: bytes=0-99" */
  const char *headers[4];    /* extra raw header lines, NULL-terminated */
  long timeout_ms;           /* 0: 30000 */
  int head;                  /* HEAD request */
} SbxReq;

typedef struct SbxResp {
  CURLcode cc;               /* transfer result */
  long status;               /* 0 when no answer */
  char *body;                /* NUL-terminated, may hold NULs */
  size_t len;
  char *head;                /* raw header lines of all responses */
  size_t hlen;
  double secs;               /* total time */
  SbxJson *json;             /* body parsed as JSON, or NULL */
} SbxResp;

void sbx_http (SbxServer *s, const SbxReq *q, SbxResp *r);
void sbx_get (SbxServer *s, const char *path, SbxResp *r);
void sbx_post (SbxServer *s, const char *path, const char *body,
               SbxResp *r);
void sbx_resp_free (SbxResp *r);
/* Value of the last header 'name' (case-insensitive), trimmed; NULL. */
const char *sbx_header (const SbxResp *r, const char *name, char *buf,
                        size_t n);

/* ---- protocol helpers ---------------------------------------------------*/

#define SBX_API "/api/v1"

/* Check r is an error answer: HTTP 'status', JSON in the server's error
** shape (s->code_shape), and message == 'message' (NULL: any non-empty). */
int sbx_expect_error (SbxServer *s, const SbxResp *r, long status,
                      const char *message, const char *what);
/* GET /get-credits. 0 on success. */
int sbx_credits (SbxServer *s, long long *credits, long long *extra);
long long sbx_total_credits (SbxServer *s);   /* credits+extra, -1 error */
/* GET /_sandbox/ledger, parsed (caller frees) or NULL. */
SbxJson *sbx_ledger (SbxServer *s);
/* POST 'path' (e.g. "/sonic/create"), copy task_id. Returns HTTP status. */
long sbx_submit (SbxServer *s, const char *path, const char *body,
                 char *task_id, size_t n);
/* Poll the task until every clip is terminal. Returns the final answer
** (caller frees) or NULL on timeout / bad answer. */
SbxJson *sbx_wait (SbxServer *s, const char *task_id, double timeout_s);
/* Submit and wait; NULL when not accepted or not finished. */
SbxJson *sbx_run (SbxServer *s, const char *path, const char *body,
                  double timeout_s);
/* Data array of a task answer, and its clip i's string field. */
SbxJson *sbx_clips (const SbxJson *answer);
const char *sbx_clip_str (const SbxJson *answer, size_t i, const char *f);
/* Duration of a clip whether string or number; -1 if neither. */
double sbx_clip_duration (const SbxJson *clip);
/* A create_music body, non-custom mode, mv sonic-v5 (malloc'd). */
char *sbx_song_body (const char *description, const char *tags);
/* Integer field of GET /_sandbox/ledger; 0 or -1. */
int sbx_ledger_int (SbxServer *s, const char *field, long long *v);
/* Fetch a URL fully (no auth header): body in r. */
void sbx_fetch (SbxServer *s, const char *url, SbxResp *r);
int sbx_is_uuid (const char *s);
double sbx_now (void);                          /* monotonic seconds */
void sbx_sleep (double secs);
/* A new temp file name (file removed), for --state. */
void sbx_temp_path (char *out, size_t n, const char *suffix);
/* Remove an SQLite file and its -wal/-shm companions. */
void sbx_remove_db (const char *path);

#endif
