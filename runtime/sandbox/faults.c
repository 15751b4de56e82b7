/*
** faults.c -- deterministic fault injection. Every draw is a hash of
** --seed, a counter (the request number, or the task number for task
** failures) and the fault kind, so one seed replays the same faults for
** the same sequence of requests, and the kinds are drawn independently.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sbx.h"

static double fault_rate (const SfSandboxConfig *c, int kind) {
  switch (kind) {
  case FAULT_500: return c->fault_500;
  case FAULT_504: return c->fault_504;
  case FAULT_429: return c->fault_429;
  case FAULT_SLOW: return c->fault_slow;
  case FAULT_DROP: return c->fault_drop;
  case FAULT_TRUNCATE: return c->fault_truncate;
  default: return c->fail_rate;
  }
}

/* 1 if fault 'kind' strikes the request or task numbered by 'draw'. */
int sf_sbx_fault_hit (const Sbx *s, uint64_t draw, int kind) {
  double rate = fault_rate(&s->cfg, kind);
  uint64_t h;
  if (rate <= 0)
    return 0;
  h = sf_sbx_hash_mix(sf_sbx_hash_mix(s->cfg.seed ^ 0xfa017ULL, draw),
                      (uint64_t)kind + 1);
  return sf_sbx_hash_unit(h) < rate;
}

/* Parse "500=R,504=R,429=R,slow=R,drop=R,truncate=R" (any subset, any
** order) into the config. 0, or -1 with a message. */
int sf_sbx_faults_parse (SfSandboxConfig *c, const char *spec, char *err,
                         size_t errlen) {
  static const char *names[] = { "500", "504", "429", "slow", "drop",
                                 "truncate" };
  double *rates[6];
  const char *p = spec;
  rates[0] = &c->fault_500; rates[1] = &c->fault_504;
  rates[2] = &c->fault_429; rates[3] = &c->fault_slow;
  rates[4] = &c->fault_drop; rates[5] = &c->fault_truncate;
  while (*p) {
    const char *eq = strchr(p, '='), *end = strchr(p, ',');
    char *num_end;
    double r;
    int i;
    if (end == NULL)
      end = p + strlen(p);
    if (eq == NULL || eq > end)
      goto bad;
    for (i = 0; i < 6; i++)
      if ((size_t)(eq - p) == strlen(names[i]) &&
          memcmp(p, names[i], (size_t)(eq - p)) == 0)
        break;
    if (i == 6)
      goto bad;
    r = strtod(eq + 1, &num_end);
    if (num_end != end || eq + 1 == end || !(r >= 0 && r <= 1))
      goto bad;
    *rates[i] = r;
    p = *end ? end + 1 : end;
  }
  return 0;
bad:
  snprintf(err, errlen, "bad --faults '%s' (expected KIND=RATE,... with "
           "KIND in 500, 504, 429, slow, drop, truncate and RATE in 0..1)",
           spec);
  return -1;
}
