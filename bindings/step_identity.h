/*
** step_identity.h -- a paid call's identity as a journal step
** (sonic_steps.c): describing the call is the bindings' part; what is
** done with the identity is runtime/steps.c's.
*/
#ifndef SF_STEP_IDENTITY_H
#define SF_STEP_IDENTITY_H

#include <lua.h>
#include "steps.h"
#include "task.h"

/*
** Identify the call (method, path, body table at 'body') made by task 't':
** the hash of its canonical form, its occurrence in the run, its position
** in the task and a summary for messages. A retry of the same call is not
** identified again (steps.c keeps its identity). Returns 0, or -1 when
** the body cannot be put in canonical form.
*/
int sf_step_identify (lua_State *L, SfTask *t, const char *method,
                      const char *path, int body, SfStepId *id);

#endif
