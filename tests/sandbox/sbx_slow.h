/*
** sbx_slow.h -- slow clients for the starvation tests (issue 19 item 7):
** N connections that send a request line and then one header line every
** few seconds, never finishing their headers -- the "slowloris" pattern
** that resets an idle timeout on every byte.
*/
#ifndef SBX_SLOW_H
#define SBX_SLOW_H

typedef struct SbxSlow SbxSlow;

/* Open 'n' connections to 127.0.0.1:'port', send each "POST 'path'
** HTTP/1.1" and a Host line, then one more header line on every
** connection each 'every_s' seconds from a thread. Raises the process's
** descriptor limit as needed. NULL if fewer than 'n' could connect. */
SbxSlow *sbx_slow_start (int port, const char *path, int n, double every_s);

/* How many of the connections the server has closed so far. */
int sbx_slow_closed (SbxSlow *s);

/* Stop trickling, close everything, free. */
void sbx_slow_stop (SbxSlow *s);

#endif
