/*
** endpoints.h -- the service's paid and free POSTs, in one table.
**
** Each row: the path (relative to /api/v1/), the task_type it applies to
** (NULL: any), the kind of task it makes as the client names it
** ("cover_music", "stems_full", ...) and its price in credits
** (PROTOCOL.md). The price decides whether a call is a journaled, paid
** step (steps.c), the kind labels the progress board, the journal's
** summaries and the report. To add an endpoint: one row here.
*/
#ifndef SF_ENDPOINTS_H
#define SF_ENDPOINTS_H

typedef struct SfEndpoint {
  const char *path;
  const char *task_type;     /* NULL: any (the path's default) */
  const char *kind;          /* NULL: the task_type itself */
  long long price;
  int paced;                 /* starts a generation: the account's pace
                                (about one per 3 s) applies to it */
} SfEndpoint;

/* The row for POST 'path' with body field task_type (NULL when absent),
** or NULL for a path the table does not know (free). */
const SfEndpoint *sf_endpoint_find (const char *path, const char *task_type);
/* The price of a batch: the sum of its items' create prices. 'types'
** holds each item's task_type (NULL entries: the default). */
long long sf_batch_price (const char *const *types, int n);

/* The kind of task a POST makes: the task_type, the row's kind, or the
** last part of the path. Writes at most n bytes to 'out'. */
void sf_endpoint_kind (const char *path, const char *task_type, char *out,
                       unsigned n);

#endif
