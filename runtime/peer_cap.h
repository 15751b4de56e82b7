/*
** peer_cap.h -- connections per peer address, counted across daemons.
**
** libmicrohttpd counts MHD_OPTION_PER_IP_CONNECTION_LIMIT per daemon;
** the servers here are several daemons on one socket (mhd_loop.h), where
** a per-daemon share of the cap would refuse a peer early or late
** depending on which daemon its connections land on. The connection
** guard keeps this count instead, for all its daemons. Not thread-safe:
** the guard calls it under its lock.
*/
#ifndef SF_PEER_CAP_H
#define SF_PEER_CAP_H

#include <sys/socket.h>

typedef struct SfPeerCap SfPeerCap;

/* A table allowing 'cap' (> 0) connections per address; NULL: no memory. */
SfPeerCap *sf_peer_cap_new (unsigned cap);

/* Count a connection from 'sa': 1 counted; 0 its address is at the cap
** (not counted: refuse it); -1 out of memory (not counted, let it in).
** Only a counted connection is given to sf_peer_cap_leave. */
int sf_peer_cap_enter (SfPeerCap *t, const struct sockaddr *sa);

/* A connection counted by sf_peer_cap_enter has closed. */
void sf_peer_cap_leave (SfPeerCap *t, const struct sockaddr *sa);

/* Connections counted for the address of 'sa' now. */
unsigned sf_peer_cap_count (const SfPeerCap *t, const struct sockaddr *sa);

void sf_peer_cap_free (SfPeerCap *t);     /* NULL is fine */

#endif
