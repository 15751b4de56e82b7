/*
** mhd_loop.h -- libmicrohttpd daemons driven from threads of our own.
**
** Why not libmicrohttpd's own epoll thread: in 0.9.75 it reads at most
** 128 events per epoll_wait and, after a full batch, waits again -- with
** the blocking idle timeout -- before serving the batch. 128 requests that
** arrive together (a burst of creates from a large run) then sit unread
** for up to 30 s and are closed unanswered: the client hears "Empty reply
** from server". MHD_run, the external-mode entry, runs the same code with
** a zero timeout, so a full batch is followed at once by the next one; the
** loop does the waiting itself, on the daemon's epoll descriptor, for no
** longer than MHD_get_timeout allows.
**
** A loop of N threads is N daemons sharing the first one's listening
** socket, each with its share of the guard's limits (conn_guard.h): the
** shape of libmicrohttpd's own thread pool. It needs a libmicrohttpd
** built with epoll (Debian's is; sonicflow is Linux-only, its client
** waits on epoll too).
**
** Use: sf_conn_guard_new, sf_mhd_loop_start, ... sf_mhd_loop_stop, then
** sf_conn_guard_free (the guard outlives every callback).
*/
#ifndef SF_MHD_LOOP_H
#define SF_MHD_LOOP_H

#include <stdint.h>
#include <microhttpd.h>
#include "conn_guard.h"

typedef struct SfMhdLoop SfMhdLoop;

/*
** Start 'threads' (>= 1) daemons answering through the guard 'g' on
** 'port' (0: any). 'flags' are MHD_start_daemon's, without a threading or
** polling mode; 'opts' is an MHD_OPTION_ARRAY list ended by MHD_OPTION_END
** (a logger first, so that option errors reach it), given to each daemon
** before the guard's options. NULL when a daemon cannot start, or
** libmicrohttpd has no epoll.
*/
SfMhdLoop *sf_mhd_loop_start (SfConnGuard *g, unsigned threads,
                              unsigned flags, uint16_t port,
                              const struct MHD_OptionItem *opts);

/*
** MHD_resume_connection for a connection of the loop's daemons, and wake
** the thread that serves it: in external mode libmicrohttpd 0.9.75 keeps
** no wake-up channel of its own ("useless with external select"), so a
** resumed connection would otherwise wait for the next network event.
** Any thread.
*/
void sf_mhd_loop_resume (SfMhdLoop *l, struct MHD_Connection *c);

/* The port the daemons listen on. */
int sf_mhd_loop_port (const SfMhdLoop *l);

/* Stop the threads, then the daemons (closing their connections). NULL is
** fine. Connections suspended must have been resumed before. */
void sf_mhd_loop_stop (SfMhdLoop *l);

#endif
