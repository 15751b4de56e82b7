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

#endif
