/*
** run_lock.c -- one owner per run (see run_lock.h).
**
** The file is removed by its owner on the way out, while still locked.
** A process that opened it just before (and locks it after the owner
** let go) then holds a lock on a file that is no longer at 'path': it
** checks that the path still names the inode it locked and starts over
** if not. So at any moment at most one process holds the lock of the
** file at 'path', and nothing is left behind after a clean exit.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "run_lock.h"

void sf_run_lock_init (SfRunLock *lk) {
  lk->fd = -1;
  lk->path[0] = '\0';
}

/* The pid written in the lock file, or 0. */
static pid_t recorded_pid (int fd) {
  char buf[32];
  ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
  if (n <= 0)
    return 0;
  buf[n] = '\0';
  return (pid_t)strtol(buf, NULL, 10);
}

/* The whole file, for writing. */
static void whole_file (struct flock *fl, short type) {
  memset(fl, 0, sizeof(*fl));
  fl->l_type = type;
  fl->l_whence = SEEK_SET;
}

/* Does 'path' still name the file open on 'fd'? */
static int still_there (int fd, const char *path) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
         a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int sf_run_lock (SfRunLock *lk, const char *path, const char *id,
                 pid_t *owner, pid_t *previous, char *err, size_t errlen) {
  struct flock fl;
  char pid[24];
  int attempt;
  *owner = *previous = 0;
  snprintf(lk->path, sizeof(lk->path), "%s", path);
  for (attempt = 0; attempt < 20; attempt++) {
    int fd = open(lk->path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      snprintf(err, errlen, "cannot open the lock of run %s ('%s'): %s",
               id, lk->path, strerror(errno));
      return -1;
    }
    whole_file(&fl, F_WRLCK);
    if (fcntl(fd, F_SETLK, &fl) != 0) {
      int e = errno;
      if (e != EACCES && e != EAGAIN) {
        close(fd);
        snprintf(err, errlen, "cannot lock run %s ('%s'): %s", id,
                 lk->path, strerror(e));
        return -1;
      }
      whole_file(&fl, F_WRLCK);        /* who holds it? (the kernel's */
      if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type == F_UNLCK) {
        close(fd);                     /* answer; let go meanwhile) */
        continue;
      }
      *owner = fl.l_pid > 0 ? fl.l_pid : recorded_pid(fd);
      close(fd);
      return 1;
    }
    if (!still_there(fd, lk->path)) {  /* its owner removed it: stale */
      close(fd);
      continue;
    }
    *previous = recorded_pid(fd);      /* a dead owner's, if any */
    if (*previous == getpid())
      *previous = 0;
    snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 ||
        pwrite(fd, pid, strlen(pid), 0) != (ssize_t)strlen(pid)) {
      /* the lock holds without the pid: only the message is poorer */
    }
    lk->fd = fd;
    return 0;
  }
  snprintf(err, errlen, "cannot lock run %s ('%s'): it keeps changing "
           "owner", id, lk->path);
  return -1;
}

void sf_run_unlock (SfRunLock *lk) {
  if (lk->fd < 0)
    return;
  unlink(lk->path);                    /* while still ours */
  close(lk->fd);                       /* drops the lock */
  lk->fd = -1;
}
