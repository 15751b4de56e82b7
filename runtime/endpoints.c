/*
** endpoints.c -- the table of the service's POSTs (endpoints.h).
*/
#include <stdio.h>
#include <string.h>
#include "endpoints.h"

/* PROTOCOL.md, "Endpoints". The first matching row wins; a create with an
** unknown task_type is priced like a generation: the service rejects it
** for free, and over-reserving is the safe mistake. */
static const SfEndpoint endpoints[] = {
  {"sonic/create", "concat_music", NULL, 2, 1},
  {"sonic/create", "remaster", NULL, 10, 1},
  {"sonic/create", "add_instrumental", NULL, 10, 1},
  {"sonic/create", "add_vocals", NULL, 10, 1},
  {"sonic/create", NULL, "create_music", 15, 1},
  {"sonic/stems/basic", NULL, "stems_basic", 15, 1},
  {"sonic/stems/full", NULL, "stems_full", 75, 1},
  {"sonic/upload", NULL, "upload", 2, 0},
  {"sonic/wav", NULL, "wav", 2, 0},
  {"sonic/midi", NULL, "midi", 1, 0},
  {"sonic/lyrics", NULL, "lyrics", 0, 0},
  /* the rest of the sonic family (PROTOCOL.md) */
  {"sonic/upload-extend", NULL, "upload_extend", 17, 1},  /* 15 + upload */
  {"sonic/upload-cover", NULL, "upload_cover", 17, 1},
  {"sonic/persona", NULL, "persona", 1, 0},
  {"sonic/mashup", NULL, "mashup", 10, 1},
  {"sonic/sample", NULL, "sample", 14, 1},
  {"sonic/replace-section", NULL, "replace_section", 10, 1},
  {"sonic/upsample-tags", NULL, "upsample_tags", 1, 0},
  {"sonic/bpm", NULL, "bpm", 1, 0},
  {"sonic/vox", NULL, "vox", 1, 0},
  {"sonic/batch", NULL, "batch", 0, 1},     /* priced by its items */
};

const SfEndpoint *sf_endpoint_find (const char *path, const char *task_type) {
  size_t i;
  for (i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
    const SfEndpoint *e = &endpoints[i];
    if (strcmp(e->path, path) != 0)
      continue;
    if (e->task_type == NULL ||
        (task_type != NULL && strcmp(e->task_type, task_type) == 0))
      return e;
  }
  return NULL;
}

void sf_endpoint_kind (const char *path, const char *task_type, char *out,
                       unsigned n) {
  const SfEndpoint *e = sf_endpoint_find(path, task_type);
  const char *slash = strrchr(path, '/');
  if (task_type != NULL)
    snprintf(out, n, "%s", task_type);
  else if (e != NULL && e->kind != NULL)
    snprintf(out, n, "%s", e->kind);
  else
    snprintf(out, n, "%s", slash ? slash + 1 : path);
}

long long sf_batch_price (const char *const *types, int n) {
  long long sum = 0;
  int i;
  for (i = 0; i < n; i++) {
    const SfEndpoint *e = sf_endpoint_find("sonic/create", types[i]);
    sum += e != NULL ? e->price : 15;
  }
  return sum;
}
