/*
** target.h -- which service a run talks to: the real one, a sandbox at a
** given URL, or a sandbox started inside this process.
*/
#ifndef SF_TARGET_H
#define SF_TARGET_H

#include <stddef.h>

#define SF_REAL_SERVICE "https://api.musicapi.ai"

/*
** Normalize a service root given by the user: no trailing '/', no
** trailing "/api/v1" (both forms are accepted). Plain http is allowed
** only for loopback hosts, so the key never crosses a network in clear.
** Returns a malloc'd string, or NULL with a message in 'err'.
*/
char *sf_target_normalize (const char *url, char *err, size_t errlen);

/* Is the host of 'url' a loopback address (127.0.0.0/8, ::1, localhost)? */
int sf_target_is_loopback (const char *url);

/* The two ways a run finds its service, shared by `sonicflow run` and the
** sonic.so module (session.c, bindings/module.c). */
struct SfRuntime;
struct SfSandbox;
struct SfSandboxConfig;

/*
** Point 'rt' at 'base' (NULL: the real service). Without a key, only a
** loopback service is allowed, with a placeholder key (a local sandbox
** takes any). 0, or -1 with a message in 'err'.
*/
int sf_target_remote (struct SfRuntime *rt, char **key, const char *base,
                      int have_key, char *err, size_t errlen);

/*
** Start a sandbox in this process from 'cfg' (the caller's defaults) with
** the options in 'args' (a string like "--speed 1000 --credits 5", may be
** NULL) on top, and point 'rt' at it. NULL with a message in 'err'.
*/
struct SfSandbox *sf_target_sandbox (struct SfRuntime *rt, char **key,
                                     struct SfSandboxConfig *cfg,
                                     const char *args, char *err,
                                     size_t errlen);

/* Poll and wait defaults; poll times scaled to the sandbox's speed, so a
** fast sandbox is not polled at the real service's pace. */
void sf_target_defaults (struct SfRuntime *rt, double poll_interval,
                         double wait_timeout);

#endif
