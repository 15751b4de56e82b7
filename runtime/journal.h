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

/* Open (creating the file, its directory and the schema). NULL path or
** ":memory:" keeps it in memory (dry runs). 0, or -1 with 'err'. */
int sf_journal_open (SfJournal **j, const char *path, char *err,
                     size_t errlen);
void sf_journal_close (SfJournal *j);
/* Commit the writes of this loop turn (called by the loop before it
** releases the paid requests held for it). 0 or -1. */
int sf_journal_flush (SfJournal *j);

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

#endif
