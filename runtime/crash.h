/*
** crash.h -- named points where a test can have the process killed
** (SIGKILL, like a power cut), to prove that resuming loses nothing and
** pays nothing twice. Set SONICFLOW_CRASH_AT=NAME or NAME:N (the N-th time
** the point is reached). Points: before_intent, after_intent, after_send,
** during_poll, during_download, after_rename. Unset: costs one branch.
*/
#ifndef SF_CRASH_H
#define SF_CRASH_H

void sf_crashpoint (const char *name);

#endif
