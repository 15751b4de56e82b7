/*
** fdlimit.h -- raise this process's descriptor limit once, at start.
**
** Every connection is a descriptor. The usual soft RLIMIT_NOFILE is
** 1,024 while the hard limit is far higher, so a process that drives (or
** serves) thousands of connections must lift its soft limit itself: the
** kernel never does. Raising the soft limit up to the hard one needs no
** privilege.
*/
#ifndef SF_FDLIMIT_H
#define SF_FDLIMIT_H

/* Lift the soft RLIMIT_NOFILE to the hard limit (capped at 1,048,576 so
** an "unlimited" hard limit does not become a huge number). Returns the
** soft limit in force afterwards; idempotent and thread-safe. */
long sf_fdlimit_raise (void);

#endif
