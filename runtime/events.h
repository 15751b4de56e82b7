/*
** events.h -- tasks waiting for named events: a webhook delivery for a
** task id. Firing an event wakes its waiters; an event fired while nobody
** waits is remembered until a wait consumes it.
*/
#ifndef SF_EVENTS_H
#define SF_EVENTS_H

#include <lua.h>
#include "task.h"

void sf_events_setup (lua_State *L);
/* Fire 'name' (from the loop, on the main thread). */
void sf_event_fire (lua_State *L, const char *name);
/* Consume a fired 'name': 1 if it had fired. */
int sf_event_take (lua_State *L, const char *name);
/* Wake 't' (on its current wait) when 'name' fires. */
void sf_event_add_waiter (lua_State *L, const char *name, SfTask *t);

#endif
