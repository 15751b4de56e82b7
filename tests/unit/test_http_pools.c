/*
** test_http_pools.c -- the client's connections are spread over
** ceil(max_inflight / SF_HTTP_POOL_CONNS) libcurl shares (http_pools.c):
** how many there are for a given max_inflight, that transfers are handed
** every one of them in turn, that a smaller max_inflight uses fewer and a
** larger one makes more, and that everything is freed (ASan's leak check).
*/
#include <string.h>
#include "check.h"
#include "http.h"

/* How many distinct shares 'turns' calls of sf_http_pool_next give. */
static int distinct_pools (SfHttp *h, int turns) {
  CURLSH *seen[512];
  int n = 0;
  for (int t = 0; t < turns; t++) {
    CURLSH *s = sf_http_pool_next(h);
    int i = 0;
    while (i < n && seen[i] != s)
      i++;
    if (i == n && n < 512)
      seen[n++] = s;
  }
  return n;
}

static void check_pools (int max_inflight, int want) {
  SfHttp h;
  CHECK(sf_http_init(&h, max_inflight) == 0);
  CHECK(h.npools == want);
  /* two rounds: each pool twice, and no share outside the pools */
  CHECK(distinct_pools(&h, 2 * want) == want);
  for (int i = 0; i < h.npools; i++)
    CHECK(h.pools[i] != NULL);
  sf_http_free(&h);
}

int main (void) {
  SfHttp h;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  check_pools(1, 1);
  check_pools(SF_HTTP_POOL_CONNS, 1);       /* the default 64: one pool */
  check_pools(SF_HTTP_POOL_CONNS + 1, 2);
  check_pools(10000, (10000 + SF_HTTP_POOL_CONNS - 1) / SF_HTTP_POOL_CONNS);

  /* sonic.config{max_inflight} after start: more pools are made, fewer
  ** are used, the ones made stay until the end */
  CHECK(sf_http_init(&h, 64) == 0);
  sf_http_set_max_inflight(&h, 4 * SF_HTTP_POOL_CONNS);
  CHECK(h.npools == 4 && h.npools_made == 4);
  CHECK(distinct_pools(&h, 8) == 4);
  sf_http_set_max_inflight(&h, 2 * SF_HTTP_POOL_CONNS);
  CHECK(h.npools == 2 && h.npools_made == 4);
  CHECK(distinct_pools(&h, 8) == 2);
  sf_http_set_max_inflight(&h, 3 * SF_HTTP_POOL_CONNS);
  CHECK(h.npools == 3 && h.npools_made == 4);   /* none made anew */
  CHECK(distinct_pools(&h, 6) == 3);
  sf_http_free(&h);

  curl_global_cleanup();
  return CHECK_DONE();
}
