/*
** credits.c -- prices and the run's budget (see credits.h).
*/
#include <string.h>
#include "credits.h"
#include "endpoints.h"

long long sf_price (const char *path, const char *task_type) {
  const SfEndpoint *e = sf_endpoint_find(path, task_type);
  return e != NULL ? e->price : 0;
}

int sf_budget_reserve (SfRuntime *rt, long long price) {
  if (rt->budget >= 0 && rt->spent + price > rt->budget)
    return -1;
  rt->spent += price;
  return 0;
}

void sf_budget_release (SfRuntime *rt, long long price) {
  rt->spent -= price;
}
