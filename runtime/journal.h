/*
** journal.h -- the durable record of runs (SQLite, WAL, synchronous=FULL).
**
** Every paid request is journaled as a step before it is sent ("intent",
** committed), and updated when its answer arrives: "answered" (2xx, the
** task id and the whole answer kept), "refused" (4xx/429: nothing was
** charged, it may be sent again) or "unknown" (sent, but the answer was
** lost: it may have been charged, so it is never re-sent automatically).
** Terminal task results and verified downloads are journaled too, so a
** resumed run replays all of it without touching the network.
**
** A step's identity is sha256(canonical request) plus the occurrence of
** that same request within the run: independent of how concurrent tasks
** interleave. Its position (the spawn path of the task that made it and
** the index of the call within that task) is kept to notice a script that
** changed since the run.
*/
#ifndef SF_JOURNAL_H
#define SF_JOURNAL_H

#include <stddef.h>

typedef struct SfJournal SfJournal;

typedef enum SfStepState {
  SF_STEP_NONE = 0, SF_STEP_INTENT, SF_STEP_ANSWERED, SF_STEP_REFUSED,
  SF_STEP_UNKNOWN
} SfStepState;

typedef struct SfStep {
  long long seq;             /* order of first appearance in the run */
  SfStepState state;
  long status;               /* HTTP status of the answer, 0 if none */
  char hash[65];
  char position[96];
  char summary[160];         /* "cover_music tags=lo-fi" for messages */
  long long price;
  char task_id[80];
  char *response;            /* malloc'd answer body (answered) or NULL */
} SfStep;

typedef struct SfRunInfo {
  char id[40];
  char script[1024];
  char args[4096];           /* JSON array of the script's ARGS */
  char status[16];
  long long budget;          /* -1: none */
  char sandbox_state[1024];  /* in-process sandbox state file, or "" */
  char service[512];         /* base URL of the run, or "sandbox" for the
                                in-process one (never the key) */
} SfRunInfo;

/* How a handle is opened. A handle is used by one thread at a time; a
** second thread (the webhook receiver) opens its own. */
typedef enum SfJournalMode {
  SF_JOURNAL_CREATE = 0,     /* the run's own: file, directory, schema */
  SF_JOURNAL_READ,           /* read-only, the file must exist (report) */
  SF_JOURNAL_SHARED          /* an existing journal that another handle
                                created, for sf_journal_webhook_put only:
                                each write durable at once (the webhook
                                receiver's thread) */
} SfJournalMode;

/* Open (creating the file, its directory and the schema). NULL path or
** ":memory:" keeps it in memory (dry runs). 0, or -1 with 'err'. */
int sf_journal_open (SfJournal **j, const char *path, char *err,
                     size_t errlen);
/* The same with a mode; sf_journal_open is SF_JOURNAL_CREATE. */
int sf_journal_open_mode (SfJournal **j, const char *path,
                          SfJournalMode mode, char *err, size_t errlen);
/* Commits what is pending and makes it durable first. */
void sf_journal_close (SfJournal *j);
/* SQLite's message for the last failed call on 'j'. */
const char *sf_journal_error (SfJournal *j);

/* Commit policy. Writes collect in one transaction per loop turn.
** flush: commit it and wait for the disk (fdatasync), together with
**   every earlier commit that has not reached it yet: what the loop does
**   before it releases the paid requests held for the turn, so an intent
**   is durable before its request is sent. 0 or -1.
** commit: commit it without waiting for the disk: outcomes, task results
**   and downloads survive the process being killed at once, and reach
**   the disk with the next flush or within SF_JOURNAL_SYNC_MS (the loop
**   asks sf_journal_sync_due), or at close. 0 or -1.
** sync_due: -1 when nothing waits for the disk, else the milliseconds
**   until the loop should flush (0: now). */
#define SF_JOURNAL_SYNC_MS 200
int sf_journal_flush (SfJournal *j);
int sf_journal_commit (SfJournal *j);
long sf_journal_sync_due (SfJournal *j);

/* The journal's page cache follows its file (a sixth of it, for the
** indexes, see fit_cache in journal.c) between SQLite's default and a
** ceiling; sf_journal_cache_kib says what it is now (KiB). */
#define SF_JOURNAL_CACHE_MIN_KIB 2000     /* SQLite's default cache_size */
#define SF_JOURNAL_CACHE_MAX_KIB 65536
long sf_journal_cache_kib (SfJournal *j);

/* Start a new run; fills info->id. 0 or -1. */
int sf_journal_run_begin (SfJournal *j, SfRunInfo *info);
/* Find a run to resume: 'id', or NULL for the latest one that did not
** finish. Counts an attempt. 1 found, 0 none, -1 error. */
int sf_journal_run_find (SfJournal *j, const char *id, SfRunInfo *info);
/* Record which service the run talks to ("sandbox" or a base URL). */
int sf_journal_run_set_service (SfJournal *j, const char *id,
                                const char *service);
/* Record how the run ended: "finished", "failed", "interrupted". */
int sf_journal_run_end (SfJournal *j, const char *id, const char *status);
/* Credits of the run's steps that were or may have been charged. */
long long sf_journal_run_committed (SfJournal *j, const char *id);

/* Look a step up by key; 1 found (free out->response), 0, -1. */
int sf_journal_step_get (SfJournal *j, const char *run, const char *key,
                         SfStep *out);
/* The step at 'position', if any; same returns. */
int sf_journal_step_at (SfJournal *j, const char *run, const char *position,
                        SfStep *out);
/* Commit the intent of a new step (or a resend of a refused/unknown one). */
int sf_journal_step_intent (SfJournal *j, const char *run, const char *key,
                            const SfStep *s, const char *request);
/* Record the outcome of a step. */
int sf_journal_step_outcome (SfJournal *j, const char *run, const char *key,
                             SfStepState state, long status,
                             const char *response, const char *task_id);
/* Steps of the run, in order, for the dry-run cost table: calls 'fn' for
** each. */
int sf_journal_steps_each (SfJournal *j, const char *run,
                           void (*fn) (const SfStep *s, void *ud), void *ud);

/* A terminal task status body; get returns a malloc'd copy or NULL. */
int sf_journal_task_put (SfJournal *j, const char *run, const char *task_id,
                         const char *body);
char *sf_journal_task_get (SfJournal *j, const char *run,
                           const char *task_id);

/* A verified download: where it went, its size and checksum. */
int sf_journal_download_put (SfJournal *j, const char *run,
                             const char *source, const char *dest,
                             long long bytes, const char *checksum);
int sf_journal_download_get (SfJournal *j, const char *run,
                             const char *source, const char *dest,
                             long long *bytes, char checksum[40]);

/* Which source (any run) owns the file at 'dest': 1 found with 'source'
** filled, 0 none. Named downloads never replace another clip's file. */
int sf_journal_download_owner (SfJournal *j, const char *dest, char *source,
                               size_t n);

/* Print the runs as a table, or as a JSON array. 0 or -1. */
int sf_journal_print_runs (SfJournal *j, int json);

/* Read-only: the id and status of run 'id', or of the latest run that
** did not finish (NULL); unlike sf_journal_run_find it counts no
** attempt, so a resume that is refused leaves no trace. 1, 0, -1. */
int sf_journal_run_peek (SfJournal *j, const char *id, char out[40],
                         char status[16]);
/* The script ended the process with os.exit(code): status "exited", the
** code in runs.exit_code; committed at once. 0 or -1. */
int sf_journal_run_exited (SfJournal *j, const char *id, int code);

/* A webhook delivery, on a SF_JOURNAL_SHARED handle: 1 recorded (and
** durable), 0 already there, -1 error. */
int sf_journal_webhook_put (SfJournal *j, const char *run, const char *id,
                            const char *task_id, const char *event,
                            long long received_at);

/* ------------------------------------------- read views (the report) */
/* Each view calls 'fn' per row; the strings (NULL when absent) live only
** during the call. 'fn' returns 0 to go on, -1 to stop (the view then
** returns -1). */

typedef struct SfRunView {
  const char *id, *script, *args, *status, *started_at, *finished_at,
             *service;
  long long attempts, budget;    /* budget -1: none */
  long long spent, unknown;      /* credits answered / maybe charged */
} SfRunView;

/* Run 'id', or the latest one when NULL. 1 found, 0 none, -1 error. */
int sf_journal_view_run (SfJournal *j, const char *id,
                         int (*fn) (const SfRunView *r, void *ud), void *ud);

/* A step that started a task, with the fields of its request (any of
** them NULL when the request is not JSON or lacks it). */
typedef struct SfTaskView {
  long long seq, price;
  SfStepState state;
  long status;
  const char *task_id, *summary;
  const char *task_type, *tags, *negative_tags, *prompt, *description,
             *title, *source, *continue_at, *model;
} SfTaskView;

int sf_journal_view_tasks (SfJournal *j, const char *run,
                           int (*fn) (const SfTaskView *t, void *ud),
                           void *ud);

/* A clip of a task's journaled final status, with the first file it was
** downloaded to (its audio, else its WAV), or NULL. */
typedef struct SfClipView {
  const char *id, *title, *tags, *state, *audio_url, *created_at,
             *duration, *error, *dest;
} SfClipView;

int sf_journal_view_clips (SfJournal *j, const char *run,
                           const char *task_id,
                           int (*fn) (const SfClipView *c, void *ud),
                           void *ud);

#endif
