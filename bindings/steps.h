/*
** steps.h -- identity of a paid call as a journal step (sonic_steps.c).
*/
#ifndef SF_STEPS_H
#define SF_STEPS_H

#include <lua.h>
#include "task.h"

typedef struct SfStepId {
  char hash[65];             /* sha256 of the canonical request */
  int occurrence;            /* 1 for its first time in the run */
  char key[80];              /* "<hash>#<occurrence>" */
  char position[96];         /* "<task path>/<call index in the task>" */
  char summary[160];         /* "cover_music \"lo-fi\"" */
  int retry;                 /* a retry of an earlier refused attempt */
} SfStepId;

/*
** Identify the call (method, path, body table at 'body') made by task 't'.
** 'retry_of' is the key of the attempt this one repeats, or NULL.
** Returns 0, or -1 when the body cannot be put in canonical form (or the
** retry key does not belong to this request).
*/
int sf_step_identify (lua_State *L, SfTask *t, const char *method,
                      const char *path, int body, const char *retry_of,
                      SfStepId *id);

#endif
