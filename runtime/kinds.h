/*
** kinds.h -- the kinds of failure a script can see, in one table.
**
** Every error value the sonic module raises carries one of these as its
** 'kind' (README, "Errors"). The names are the contract with scripts; the
** enum is what C code passes around, so a misspelt kind is a compile
** error, not a silent mismatch. The retry table, the error values, the
** journal's run outcome and the report all use this table.
*/
#ifndef SF_KINDS_H
#define SF_KINDS_H

typedef enum SfKind {
  SF_KIND_NONE = 0,
  SF_KIND_BAD_REQUEST,       /* the request (or a local argument) is wrong */
  SF_KIND_AUTH,              /* 401: no key, a malformed or unknown key */
  SF_KIND_INSUFFICIENT_CREDITS,  /* 403 naming credits */
  SF_KIND_FORBIDDEN,         /* other 403s (moderation, ...) */
  SF_KIND_RATE_LIMITED,      /* 429 after the retries */
  SF_KIND_SERVER,            /* 5xx, or an answer we cannot read */
  SF_KIND_NETWORK,           /* the connection failed or was lost */
  SF_KIND_TIMEOUT,           /* no (full) answer in time */
  SF_KIND_TASK_FAILED,       /* the service ran the task and it failed */
  SF_KIND_BUDGET,            /* over --budget: nothing was sent */
  SF_KIND_CANCELLED,         /* the task was cancelled (Ctrl-C, sonic.all) */
  SF_KIND_IO,                /* a local file or the journal cannot be written */
  SF_KIND_INTERRUPTED,       /* sonic.run (sonic.so): SIGINT stopped the run */
  SF_KIND_STUCK,             /* sonic.run: tasks wait on each other forever */
  SF_KIND_COUNT
} SfKind;

/* "bad_request", ...; "" for SF_KIND_NONE or a value out of range. */
const char *sf_kind_name (SfKind k);
/* The kind named 'name', or SF_KIND_NONE. */
SfKind sf_kind_from_name (const char *name);
/* The kind of an HTTP error status; 'body' (may be NULL) tells a 403 for
** credits from other refusals. */
SfKind sf_kind_of_status (long status, const char *body);

#endif
