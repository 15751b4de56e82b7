/*
** conn_guard.h -- keep slow clients from starving a libmicrohttpd server.
**
** libmicrohttpd's MHD_OPTION_CONNECTION_TIMEOUT is an *idle* timeout: a
** client that trickles one header line every few seconds resets it on
** every byte and holds its connection slot for ever, and a few hundred
** such clients keep every honest request out (issue 19 item 7). The guard
** adds what 0.9.75 lacks, a total deadline per request:
**   - from the connection's start (or the end of its previous request)
**     the request line must arrive within 'idle_s', the idle timeout an
**     honest keep-alive connection already lives under;
**   - from the request line, the headers and the whole body must arrive
**     within 'request_s'.
** Time spent answering (a suspended connection, a long download) is never
** counted. A connection past its deadline is shut down from the guard's
** sweeper thread; libmicrohttpd sees the end of stream and closes it as
** usual. The guard also sizes the daemon: a connection limit from the
** (raised) descriptor limit, the listen backlog, the per-address cap.
**
** Use: sf_conn_guard_new, then sf_mhd_loop_start (mhd_loop.h), which
** gives each daemon sf_conn_guard_access with the guard as its access
** handler and MHD_OPTION_ARRAY of sf_conn_guard_options; after
** sf_mhd_loop_stop, sf_conn_guard_free.
*/
#ifndef SF_CONN_GUARD_H
#define SF_CONN_GUARD_H

#include <stddef.h>
#include <sys/types.h>
#include <microhttpd.h>

typedef struct SfConnGuard SfConnGuard;

typedef struct SfConnGuardConfig {
  unsigned max_connections;  /* 0: the descriptor limit less a reserve */
  unsigned per_ip;           /* connections per peer address, 0: no cap */
  unsigned idle_s;           /* idle timeout, deadline for the request line */
  unsigned request_s;        /* deadline for headers + body */
  unsigned backlog;          /* listen backlog (the kernel caps it) */
} SfConnGuardConfig;

/* Options filled in by sf_conn_guard_options, MHD_OPTION_END included. */
#define SF_CONN_GUARD_NOPTS 7

/*
** A guard wrapping 'handler' and 'completed' (may be NULL), which get
** their own cls as usual. Raises the descriptor limit (fdlimit.h) and
** starts the sweeper thread. NULL when out of memory or threads.
*/
SfConnGuard *sf_conn_guard_new (const SfConnGuardConfig *cfg,
                                MHD_AccessHandlerCallback handler,
                                void *handler_cls,
                                MHD_RequestCompletedCallback completed,
                                void *completed_cls);

/* Fill 'opt' (SF_CONN_GUARD_NOPTS entries) for MHD_OPTION_ARRAY, for one
** of 'shares' daemons that serve the guard's port together: each gets
** sf_conn_guard_share of the connection limit. The per-address cap is
** not libmicrohttpd's (counted per daemon) but the guard's, counted over
** all of them (peer_cap.h). */
void sf_conn_guard_options (SfConnGuard *g, unsigned shares,
                            struct MHD_OptionItem *opt);

/* The access handler to give libmicrohttpd, with the guard as its cls. */
enum MHD_Result sf_conn_guard_access (void *cls, struct MHD_Connection *c,
                                      const char *url, const char *method,
                                      const char *version,
                                      const char *upload,
                                      size_t *upload_size, void **con_cls);

/* Change the per-address cap before the daemons start (it may be derived
** from sf_conn_guard_limit). 0, or -1 when out of memory. */
int sf_conn_guard_set_per_ip (SfConnGuard *g, unsigned per_ip);

/* The connection limit of one of 'shares' daemons: the limit / shares
** (libmicrohttpd's own thread pool splits it the same way). */
unsigned sf_conn_guard_share (const SfConnGuard *g, unsigned shares);

/* Connections shut down so far for being over the per-address cap. */
long sf_conn_guard_over_cap (SfConnGuard *g);

/* The connection limit the daemon gets. */
unsigned sf_conn_guard_limit (const SfConnGuard *g);

/* Connections shut down so far for missing their deadline. */
long sf_conn_guard_expired (SfConnGuard *g);

/* Stop the sweeper and free. Call after MHD_stop_daemon. NULL is fine. */
void sf_conn_guard_free (SfConnGuard *g);

#endif
