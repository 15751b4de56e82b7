/*
** run_lock.h -- a journaled run is owned by one process at a time.
**
** Two processes resuming one run would both send its unanswered paid
** steps (and pay twice). The owner holds an fcntl write lock on a file
** next to the journal, "run-<id>.lock", which records its pid for the
** message. The kernel drops the lock when the owner dies, however it
** dies, so a stale owner (kill -9, a crash) is taken over at once and
** without a race: there is no pid to check and then act on.
*/
#ifndef SF_RUN_LOCK_H
#define SF_RUN_LOCK_H

#include <stddef.h>
#include <sys/types.h>

typedef struct SfRunLock {
  int fd;                    /* -1: not held */
  char path[1200];
} SfRunLock;

/* A lock that is not held (for sf_run_unlock to ignore). */
void sf_run_lock_init (SfRunLock *lk);

/*
** Take run 'id' for this process, through the lock file at 'path' (next
** to the journal), without waiting. Returns 0 when this process owns it now (*previous = the pid of
** a dead owner it took over, or 0), 1 when a live process owns it
** (*owner = its pid, 0 if unknown), -1 with a message in 'err'.
*/
int sf_run_lock (SfRunLock *lk, const char *path, const char *id,
                 pid_t *owner, pid_t *previous, char *err, size_t errlen);

/* Give the run up: the lock file is removed, then the lock dropped. */
void sf_run_unlock (SfRunLock *lk);

#endif
