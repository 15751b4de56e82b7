/*
** cputime.c -- run a command and write what it cost, to the microsecond.
**
** usage: bench-cputime OUT_FILE CMD [ARG...]
** writes one line to OUT_FILE: "wall_s user_s sys_s maxrss_kb", the
** times with six decimals, from wait4()'s rusage of the child alone;
** exits with the command's status (128 + signal when it was killed).
**
** Why not /usr/bin/time: it prints user and system time in steps of
** 10 ms. At 1,000 workflows the C floor costs ~150 ms, so one step was
** 6 % of it and ratios to the floor moved by +-0.1x between runs of the
** same code (docs/performance.md). The kernel keeps these times in
** microseconds; this only stops rounding them away.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds (struct timeval tv) {
  return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

int main (int argc, char **argv) {
  struct timespec t0, t1;
  struct rusage ru;
  FILE *out;
  pid_t pid;
  int status;
  if (argc < 3) {
    fprintf(stderr, "usage: %s OUT_FILE CMD [ARG...]\n", argv[0]);
    return 2;
  }
  if ((out = fopen(argv[1], "w")) == NULL) {
    fprintf(stderr, "bench-cputime: cannot write '%s': %s\n", argv[1],
            strerror(errno));
    return 2;
  }
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if ((pid = fork()) < 0) {
    fprintf(stderr, "bench-cputime: fork: %s\n", strerror(errno));
    return 2;
  }
  if (pid == 0) {
    fclose(out);
    execvp(argv[2], argv + 2);
    fprintf(stderr, "bench-cputime: cannot run '%s': %s\n", argv[2],
            strerror(errno));
    _exit(127);
  }
  while (wait4(pid, &status, 0, &ru) < 0)
    if (errno != EINTR) {
      fprintf(stderr, "bench-cputime: wait4: %s\n", strerror(errno));
      return 2;
    }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  fprintf(out, "%.6f %.6f %.6f %ld\n",
          (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
          seconds(ru.ru_utime), seconds(ru.ru_stime), ru.ru_maxrss);
  if (fclose(out) != 0) {
    fprintf(stderr, "bench-cputime: cannot write '%s'\n", argv[1]);
    return 2;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status)
                           : 128 + WTERMSIG(status);
}
