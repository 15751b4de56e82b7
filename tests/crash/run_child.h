/*
** run_child.h -- run `sonicflow ARGS...` in a directory with extra
** environment, wait for it, capture its stderr.
*/
#ifndef RUN_CHILD_H
#define RUN_CHILD_H

typedef struct ChildResult {
  int exited;          /* 1: exited normally, 0: killed by a signal */
  int code;            /* exit code, or the signal number */
  char err[8192];      /* stderr (truncated) */
} ChildResult;

/* 'env' is a NULL-terminated list of "NAME=value" added to the
** environment; 'argv' NULL-terminated, argv[0] the binary. 0 or -1. */
int run_child (const char *dir, char *const *env, char *const *argv,
               int timeout_s, ChildResult *r);

/* Run `BIN args[0] [--base-url URL] args[1...]` in 'dir' with
** SONICFLOW_CRASH_AT=crash (NULL: unset), within 120 s. */
void run_sonicflow (const char *bin, const char *dir, const char *url,
                    const char *crash, const char *const *args,
                    ChildResult *r);

/* Write 'text' to 'path'. 0 or -1. */
int write_file (const char *path, const char *text);

#endif
