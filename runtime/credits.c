/*
** credits.c -- prices and the run's budget (see credits.h).
*/
#include <string.h>
#include "credits.h"

typedef struct Price {
  const char *path;
  const char *task_type;   /* NULL: any (the path's default) */
  long long credits;
} Price;

/* PROTOCOL.md, "Endpoints". The first matching row wins; a create with an
** unknown task_type is priced like a generation: the service rejects it
** for free, and over-reserving is the safe mistake. */
static const Price prices[] = {
  {"sonic/create", "concat_music", 2},
  {"sonic/create", "remaster", 10},
  {"sonic/create", "add_instrumental", 10},
  {"sonic/create", "add_vocals", 10},
  {"sonic/create", NULL, 15},
  {"sonic/stems/basic", NULL, 15},
  {"sonic/stems/full", NULL, 75},
  {"sonic/upload", NULL, 2},
  {"sonic/wav", NULL, 2},
  {"sonic/midi", NULL, 1},
  {"sonic/lyrics", NULL, 0},
};

long long sf_price (const char *path, const char *task_type) {
  size_t i;
  for (i = 0; i < sizeof(prices) / sizeof(prices[0]); i++) {
    const Price *p = &prices[i];
    if (strcmp(p->path, path) != 0)
      continue;
    if (p->task_type == NULL ||
        (task_type != NULL && strcmp(p->task_type, task_type) == 0))
      return p->credits;
  }
  return 0;
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
