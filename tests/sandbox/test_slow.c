/*
** test_slow.c -- slow clients cannot starve the sandbox (issue 19 item
** 7): connections that trickle one header line a second and never finish
** must neither keep a normal request from being answered within 2 s nor
** hold their slots past the request deadline (--request-timeout, 10 s by
** default), however often they send a byte. Also the caps that come with
** it: --max-connections and --per-ip-connections. Every connection here
** comes from 127.0.0.1, so no per-address cap can be what passes it.
*/
#include <stdio.h>
#include <string.h>

#include "sbx_harness.h"
#include "sbx_slow.h"

/* A normal request answers 200 within 2 s. */
static void answered_quickly (SbxServer *s, const char *what) {
  SbxReq q;
  SbxResp r;
  memset(&q, 0, sizeof(q));
  q.url = SBX_API "/get-credits";
  q.timeout_ms = 5000;
  sbx_http(s, &q, &r);
  SBX_EQ_INT(r.status, 200, what);
  SBX_CHECK(r.status == 200 && r.secs < 2.0, "%s: within 2 s (%.2f s)",
            what, r.secs);
  sbx_resp_free(&r);
}

/* Wait up to 'secs' for at least 'want' slow connections to be closed. */
static int closed_within (SbxSlow *sl, int want, double secs) {
  double t0 = sbx_now();
  int k;
  while ((k = sbx_slow_closed(sl)) < want && sbx_now() - t0 < secs)
    sbx_sleep(0.1);
  return k;
}

/* 'n' slow connections; a normal request is answered within 2 s, then
** the default 10 s deadline closes all of them. */
static void slow_many (int n) {
  SbxServer s;
  SbxSlow *sl;
  char name[96];
  double t0;
  snprintf(name, sizeof(name), "%d slow connections trickling", n);
  sbx_case(name);
  if (sbx_start(&s, "--quiet") != 0)
    return;
  t0 = sbx_now();
  sl = sbx_slow_start(s.port, SBX_API "/sonic/create", n, 1.0);
  SBX_CHECK(sl != NULL, "opened %d slow connections", n);
  if (sl != NULL) {
    sbx_sleep(1.5);             /* they have all trickled once */
    answered_quickly(&s, "a normal request among slow ones");
    SBX_EQ_INT(closed_within(sl, n, 10.0 + 3.0 - (sbx_now() - t0)), n,
               "slow connections closed by the 10 s request deadline");
    sbx_slow_stop(sl);
  }
  answered_quickly(&s, "a normal request afterwards");
  sbx_stop(&s);
}

/* Every slot taken by slow clients: the deadline frees them, so a normal
** request is answered soon after it, not never. */
static void slots_full (void) {
  SbxServer s;
  SbxSlow *sl;
  SbxReq q;
  SbxResp r;
  sbx_case("all 100 slots slow: the 2 s deadline frees them");
  if (sbx_start(&s, "--quiet --max-connections 100 --request-timeout 2")
      != 0)
    return;
  sl = sbx_slow_start(s.port, SBX_API "/sonic/create", 100, 0.5);
  SBX_CHECK(sl != NULL, "opened 100 slow connections");
  memset(&q, 0, sizeof(q));
  q.url = SBX_API "/get-credits";
  q.timeout_ms = 8000;
  sbx_http(&s, &q, &r);
  SBX_EQ_INT(r.status, 200, "a normal request waits for a slot, answered");
  SBX_CHECK(r.secs < 4.5, "within the deadline plus 2.5 s (%.2f s)", r.secs);
  sbx_resp_free(&r);
  if (sl != NULL)
    SBX_EQ_INT(closed_within(sl, 100, 3.0), 100, "the slow ones closed");
  sbx_slow_stop(sl);
  sbx_stop(&s);
}

/* --per-ip-connections: the address over its cap is refused at once,
** the ones below it still served. */
static void per_ip (void) {
  SbxServer s;
  SbxSlow *sl;
  SbxReq q;
  SbxResp r;
  sbx_case("--per-ip-connections 20");
  if (sbx_start(&s, "--quiet --per-ip-connections 20") != 0)
    return;
  sl = sbx_slow_start(s.port, SBX_API "/sonic/create", 20, 1.0);
  SBX_CHECK(sl != NULL, "opened 20 slow connections");
  /* accepted and counted first: four threads accept, so a connection
  ** made at the same moment as the 20th may be counted before it */
  sbx_sleep(0.5);
  memset(&q, 0, sizeof(q));
  q.url = SBX_API "/get-credits";
  q.timeout_ms = 5000;
  sbx_http(&s, &q, &r);
  SBX_EQ_INT(r.status, 0, "the 21st connection from 127.0.0.1 is refused");
  SBX_CHECK(r.secs < 2.0, "at once (%.2f s)", r.secs);
  sbx_resp_free(&r);
  sbx_sleep(1.2);                /* a trickle later: each one tried */
  if (sl != NULL)
    SBX_EQ_INT(sbx_slow_closed(sl), 0, "the 20 below the cap still open");
  sbx_slow_stop(sl);
  sbx_sleep(0.3);               /* the server sees them close */
  answered_quickly(&s, "served again below the cap");
  sbx_stop(&s);
}

int main (int argc, char **argv) {
  sbx_init(argc, argv);
  curl_global_init(CURL_GLOBAL_ALL);
  slow_many(300);
  slow_many(1100);              /* more than the old FD_SETSIZE-4 limit */
  slots_full();
  per_ip();
  return sbx_finish();
}
