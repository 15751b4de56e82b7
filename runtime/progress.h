/*
** progress.h -- live progress on a terminal (stderr): one line per task in
** flight (kind, tags or title, state, elapsed, credits), a bar per
** download (bytes, rate), and a summary line, redrawn in place at most a
** few times a second. Off when stderr is not a terminal, with
** --no-progress, or with -q: then the plain timestamped log lines are all
** there is. Process-wide, like the terminal it draws on.
*/
#ifndef SF_PROGRESS_H
#define SF_PROGRESS_H

#include "http.h"

/* Turn the live display on (only if stderr is a terminal). */
void sf_progress_start (void);
void sf_progress_stop (void);
int sf_progress_live (void);

void sf_progress_task (const char *id, const char *kind, const char *label,
                       long long credits);
void sf_progress_state (const char *id, const char *state);
void sf_progress_download (const void *key, const char *name,
                           const SfRequest *r);
void sf_progress_download_end (const void *key);
void sf_progress_spent (long long credits);
/* Paid calls waiting for the account's pace: +1 when one starts waiting,
** -1 when it leaves; shown as "N queued (account pace)". */
void sf_progress_paced (int delta);

/* Redraw if something changed and enough time has passed. */
void sf_progress_tick (void);
/* Around any other line written to stderr: take the block away, then
** draw it again below the line. */
void sf_progress_hide (void);
void sf_progress_show (void);

#endif
