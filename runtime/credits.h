/*
** credits.h -- what each call costs (PROTOCOL.md's price table) and the
** run's budget. Enforced in C, before a request is sent, so a script can
** neither lie about a price nor raise its own limit.
*/
#ifndef SF_CREDITS_H
#define SF_CREDITS_H

#include "runtime.h"

/* Credits charged for POST 'path' (relative to /api/v1/, e.g.
** "sonic/create") with body field task_type (NULL when absent).
** 0 for free calls. */
long long sf_price (const char *path, const char *task_type);

/* Reserve 'price' credits; 0, or -1 when the budget would be exceeded. */
int sf_budget_reserve (SfRuntime *rt, long long price);
/* Give back a reservation the service definitely refused (4xx, 429). */
void sf_budget_release (SfRuntime *rt, long long price);

#endif
