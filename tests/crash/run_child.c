/*
** run_child.c -- run sonicflow as a child process (see run_child.h).
*/
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "run_child.h"

int write_file (const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (f == NULL)
    return -1;
  fputs(text, f);
  return fclose(f) == 0 ? 0 : -1;
}

int run_child (const char *dir, char *const *env, char *const *argv,
               int timeout_s, ChildResult *r) {
  char errpath[] = "/tmp/sf_child_err_XXXXXX";
  int efd = mkstemp(errpath), status = 0, i;
  time_t start = time(NULL);
  pid_t pid;
  memset(r, 0, sizeof(*r));
  if (efd < 0)
    return -1;
  pid = fork();
  if (pid == 0) {
    int devnull = open("/dev/null", O_WRONLY);
    if (chdir(dir) != 0)
      _exit(127);
    dup2(devnull, 1);
    dup2(efd, 2);
    for (i = 0; env != NULL && env[i] != NULL; i++)
      putenv(env[i]);
    unsetenv("MUSICAPI_KEY");
    execv(argv[0], argv);
    _exit(127);
  }
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (time(NULL) - start > timeout_s) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    usleep(20000);
  }
  lseek(efd, 0, SEEK_SET);
  {
    ssize_t n = read(efd, r->err, sizeof(r->err) - 1);
    r->err[n > 0 ? n : 0] = '\0';
  }
  close(efd);
  unlink(errpath);
  r->exited = WIFEXITED(status);
  r->code = r->exited ? WEXITSTATUS(status) : WTERMSIG(status);
  return 0;
}

void run_sonicflow (const char *bin, const char *dir, const char *url,
                    const char *crash, const char *const *args,
                    ChildResult *r) {
  char *argv[16], env[128];
  char *envv[] = {env, NULL};
  int n = 0, i;
  snprintf(env, sizeof(env), "SONICFLOW_CRASH_AT=%s", crash ? crash : "");
  argv[n++] = (char *)bin;
  argv[n++] = (char *)args[0];           /* the command, then the URL: */
  if (url != NULL) {                     /* options after the script */
    argv[n++] = "--base-url";            /* would be the script's ARGS */
    argv[n++] = (char *)url;
  }
  for (i = 1; args[i] != NULL && n < 15; i++)
    argv[n++] = (char *)args[i];
  argv[n] = NULL;
  run_child(dir, envv, argv, 120, r);
}
