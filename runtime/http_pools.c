/*
** http_pools.c -- the client's idle connections, kept in small pools.
**
** Why not libcurl's one cache per multi handle: libcurl 7.88 (Debian 12's)
** walks every connection of a cache when a transfer that kept its
** connection is removed (close_connect_only in curl_multi_remove_handle),
** and again when a new transfer looks for one to reuse or the cache is
** full. With one cache, each of N transfers walks N connections: at
** 10,000 workflows in flight, half of the client's CPU. A libcurl share
** object that shares only connections (CURLSH with CURL_LOCK_DATA_CONNECT)
** is a cache of its own, so each transfer is put in one of
** ceil(max_inflight / SF_HTTP_POOL_CONNS) shares, in turn, and walks
** about that many connections: 9.5 -> 4.6 s of CPU at 10,000, 8 % fewer
** instructions at 1,000 (docs/performance.md, "Round of 2026-12-07
** (fifth)"); 64 per pool is where fewer stopped paying.
**
** What stays the same: a connection is reused only by a transfer of its
** own pool, and the pools together keep no more idle connections than
** max_inflight, as the one cache did. One pool below 65 transfers in
** flight (the default 64), so a small run reuses exactly as before. The
** run is single-threaded, so the shares need no lock callbacks.
*/
#include <stdlib.h>
#include "http.h"

/* How many pools 'max_inflight' transfers are spread over. */
static int pools_wanted (int max_inflight) {
  int n = max_inflight > 0 ? max_inflight : 1;
  return (n + SF_HTTP_POOL_CONNS - 1) / SF_HTTP_POOL_CONNS;
}

void sf_http_pools_resize (SfHttp *h) {
  int want = pools_wanted(h->max_inflight);
  long per_pool;
  if (want > h->npools_made) {
    CURLSH **grown = realloc(h->pools, (size_t)want * sizeof(*grown));
    if (grown != NULL) {
      h->pools = grown;
      while (h->npools_made < want) {
        CURLSH *s = curl_share_init();
        if (s == NULL ||
            curl_share_setopt(s, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT)
                != CURLSHE_OK) {
          if (s != NULL)
            curl_share_cleanup(s);
          break;                 /* fewer, larger pools: still correct */
        }
        h->pools[h->npools_made++] = s;
      }
    }
  }
  /* out of memory: the pools made so far, or libcurl's own cache */
  h->npools = want < h->npools_made ? want : h->npools_made;
  /* libcurl compares CURLMOPT_MAXCONNECTS with the size of the cache a
  ** transfer uses, here its pool's: the pools together keep about
  ** max_inflight idle connections, as the one cache did */
  per_pool = h->npools > 0 ? (h->max_inflight + h->npools - 1) / h->npools
                           : h->max_inflight;
  curl_multi_setopt(h->multi, CURLMOPT_MAXCONNECTS, per_pool);
}

CURLSH *sf_http_pool_next (SfHttp *h) {
  if (h->npools == 0)
    return NULL;                 /* libcurl's cache of the multi handle */
  h->next_pool = (h->next_pool + 1) % (unsigned)h->npools;
  return h->pools[h->next_pool];
}

void sf_http_pools_free (SfHttp *h) {
  /* after every easy handle is gone: a share still in use is refused */
  while (h->npools_made > 0)
    curl_share_cleanup(h->pools[--h->npools_made]);
  free(h->pools);
  h->pools = NULL;
  h->npools = 0;
}
