/*
** wiring.h -- the one composition root of the client.
**
** `sonicflow run` (session.c) and `require "sonic"` from stock lua5.4
** (bindings/module.c) build the same runtime through these two calls:
**   sf_wire_loop      the event loop, the transfer engine, the retry
**                     table and the download cap;
**   sf_wire_service   the key, the service (the real one, a URL, or the
**                     in-process sandbox, started here and reached only
**                     over HTTP), the poll defaults for its speed, the
**                     /api/v1 prefix, and the key attached to it alone.
** and tear it down with sf_unwire. What differs between the two hosts
** (the journal, webhooks, a Lua state of their own) stays with them.
*/
#ifndef SF_WIRING_H
#define SF_WIRING_H

#include <stddef.h>
#include "runtime.h"

/* The in-process sandbox runs this much faster than the real service, so
** a task takes seconds instead of minutes. */
#define SF_IN_PROCESS_SPEED 30.0
/* Integrators report about one paid generation per 3 s per account. */
#define SF_ACCOUNT_PACE 3.0

typedef struct SfWiring {
  /* the loop */
  int max_inflight;            /* 0: the default */
  int verbose;                 /* log every HTTP exchange */
  double max_download_mb;      /* 0: the default (2048) */
  /* the service */
  const char *key_file;        /* NULL: MUSICAPI_KEY or the default file */
  const char *base_url;        /* NULL: decided by the key */
  int force_sandbox;           /* the in-process sandbox, key or not */
  double sandbox_speed;        /* 0: SF_IN_PROCESS_SPEED */
  double sandbox_clip_seconds; /* 0: realistic lengths */
  const char *sandbox_state;   /* its state file, or NULL */
  const char *sandbox_args;    /* "--credits 5 ..." on top, or NULL */
  double poll_interval, wait_timeout;   /* <= 0: the defaults */
  double paid_interval;        /* < 0: the service's (see wiring.c) */
} SfWiring;

/* What the wiring owns, for sf_unwire. */
typedef struct SfWired {
  char *key;                   /* wiped when freed */
  struct SfSandbox *sandbox;   /* the in-process sandbox, or NULL */
  int loop_open;
} SfWired;

/* 0, or -1 with a one-line message in 'err'. */
int sf_wire_loop (SfRuntime *rt, const SfWiring *w, SfWired *out, char *err,
                  size_t errlen);
/* Returns 0, or -1 with 'err'; *usage is set when the error is the
** user's (a bad URL, a key file others can read), not the machine's. */
int sf_wire_service (SfRuntime *rt, const SfWiring *w, SfWired *out,
                     int *usage, char *err, size_t errlen);
/* The loop, the sandbox and the key; the caller closes its Lua state
** first (requests free their transfers through the loop). Idempotent. */
void sf_unwire (SfRuntime *rt, SfWired *wd);

#endif
