/*
** experiment_manifest.c -- read experiment.json into experiment_model.h.
**
** The manifest is taken apart with SQLite's JSON functions in a private
** in-memory database, as the run report does with the journal's records:
** one JSON reader for the whole program. Each node (a cell, a take, its
** measures) is handed back by SQLite as JSON text and queried again.
** Files are relative to the manifest's folder; each player's src is made
** relative to the page's folder, so the page and the audio can move
** together (see docs/experiments.md).
*/
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "experiment_model.h"
#include "report_util.h"

#define WAVE_COLS 300

typedef struct Reader {
  sqlite3 *db;
  char dir[PATH_MAX];            /* the manifest's folder, resolved */
  const char *out_dir;
  char *err;
  size_t errlen;
} Reader;

static char *dup_col (sqlite3_stmt *st, int i) {
  const unsigned char *s = sqlite3_column_text(st, i);
  return s ? strdup((const char *)s) : NULL;
}

/* A statement over 'json' (?1) and 'arg' (?2, may be NULL). */
static sqlite3_stmt *query (Reader *r, const char *sql, const char *json,
                            const char *arg) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(r->db, sql, -1, &st, NULL) != SQLITE_OK) {
    snprintf(r->err, r->errlen, "reading the manifest: %s",
             sqlite3_errmsg(r->db));
    return NULL;
  }
  sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
  if (arg != NULL)
    sqlite3_bind_text(st, 2, arg, -1, SQLITE_STATIC);
  return st;
}

/* The JSON type of 'path' in 'json' ("object", "array", "text", ... or
** NULL if absent), copied into 'out'. */
static const char *type_of (Reader *r, const char *json, const char *path,
                            char out[16]) {
  sqlite3_stmt *st = query(r, "SELECT json_type(?1, ?2)", json, path);
  const unsigned char *t;
  out[0] = '\0';
  if (st && sqlite3_step(st) == SQLITE_ROW &&
      (t = sqlite3_column_text(st, 0)) != NULL)
    snprintf(out, 16, "%s", (const char *)t);
  sqlite3_finalize(st);
  return out[0] ? out : NULL;
}

/* Append 's' to a growing array of strings. -1 on no memory. */
static int push_str (char ***v, int *n, char *s) {
  char **g = realloc(*v, (size_t)(*n + 1) * sizeof(*g));
  if (g == NULL)
    return -1;
  g[(*n)++] = s;
  *v = g;
  return 0;
}

/* -------------------------------------------------------------- axes */

/* The axes in axis_order (else in the order of the "axes" object), each
** with its values as text. */
static int read_axes (Reader *r, const char *json, Experiment *ex) {
  char t[16];
  sqlite3_stmt *st;
  const char *names_sql = type_of(r, json, "$.axis_order", t)
    ? "SELECT value FROM json_each(?1, '$.axis_order')"
    : "SELECT key FROM json_each(?1, '$.axes')";
  if (!type_of(r, json, "$.axes", t) || strcmp(t, "object") != 0) {
    snprintf(r->err, r->errlen, "\"axes\" is missing or not an object");
    return -1;
  }
  if ((st = query(r, names_sql, json, NULL)) == NULL)
    return -1;
  while (sqlite3_step(st) == SQLITE_ROW) {
    ExAxis *g = realloc(ex->axes, (size_t)(ex->naxes + 1) * sizeof(*g));
    if (g == NULL)
      break;
    ex->axes = g;
    memset(&g[ex->naxes], 0, sizeof(*g));
    g[ex->naxes++].name = dup_col(st, 0);
  }
  sqlite3_finalize(st);
  for (int i = 0; i < ex->naxes; i++) {
    ExAxis *a = &ex->axes[i];
    st = query(r, "SELECT v.value FROM json_each(?1, '$.axes') AS a, "
               "json_each(a.value) AS v WHERE a.key = ?2", json, a->name);
    if (st == NULL)
      return -1;
    while (sqlite3_step(st) == SQLITE_ROW)
      if (push_str(&a->values, &a->nvalues, dup_col(st, 0)) != 0)
        break;
    sqlite3_finalize(st);
  }
  return 0;
}

/* ------------------------------------------------------------- takes */

static void note_measure (Experiment *ex, const char *name) {
  for (int i = 0; i < ex->nmeasure_names; i++)
    if (strcmp(ex->measures[i], name) == 0)
      return;
  push_str(&ex->measures, &ex->nmeasure_names, strdup(name));
}

static void read_measures (Reader *r, const char *measures, ExTake *tk,
                           Experiment *ex) {
  sqlite3_stmt *st;
  if (measures == NULL ||
      (st = query(r, "SELECT key, value, type FROM json_each(?1)", measures,
                  NULL)) == NULL)
    return;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *type = (const char *)sqlite3_column_text(st, 2);
    ExMeasure *g = realloc(tk->measures,
                           (size_t)(tk->nmeasures + 1) * sizeof(*g));
    ExMeasure *m;
    if (g == NULL)
      break;
    tk->measures = g;
    m = &g[tk->nmeasures++];
    m->name = dup_col(st, 0);
    m->num = sqlite3_column_double(st, 1);
    m->text = strcmp(type, "integer") == 0 || strcmp(type, "real") == 0
              ? NULL : dup_col(st, 1);
    note_measure(ex, m->name);
  }
  sqlite3_finalize(st);
}

/* The take's file: its player's src and waveform, when it is there. */
static void place_take (Reader *r, ExTake *tk) {
  char path[PATH_MAX * 2], *real, err[256];
  if (tk->file == NULL || tk->file[0] == '\0')
    return;
  if (tk->file[0] == '/')
    snprintf(path, sizeof(path), "%s", tk->file);
  else
    snprintf(path, sizeof(path), "%s/%s", r->dir, tk->file);
  if ((real = realpath(path, NULL)) == NULL) {
    fprintf(stderr, "sonicflow report: take %s: no file %s\n",
            tk->clip_id ? tk->clip_id : "?", path);
    return;
  }
  tk->href = sf_report_relative_url(r->out_dir, real);
  if ((tk->wave = malloc(sizeof(*tk->wave))) != NULL &&
      sf_waveform_compute(real, WAVE_COLS, tk->wave, err, sizeof(err))) {
    fprintf(stderr, "sonicflow report: no waveform: %s\n", err);
    free(tk->wave);
    tk->wave = NULL;
  }
  free(real);
}

static int read_takes (Reader *r, const char *cell, ExCell *c,
                       Experiment *ex) {
  sqlite3_stmt *st = query(r,
    "SELECT json_extract(value, '$.clip_id'), json_extract(value, '$.title'),"
    " json_extract(value, '$.file'), json_extract(value, '$.duration'),"
    " json_extract(value, '$.measures') FROM json_each(?1, '$.takes')",
    cell, NULL);
  if (st == NULL)
    return -1;
  while (sqlite3_step(st) == SQLITE_ROW) {
    ExTake *g = realloc(c->takes, (size_t)(c->ntakes + 1) * sizeof(*g));
    ExTake *tk;
    char *measures;
    if (g == NULL)
      break;
    c->takes = g;
    tk = &g[c->ntakes++];
    memset(tk, 0, sizeof(*tk));
    tk->clip_id = dup_col(st, 0);
    tk->title = dup_col(st, 1);
    tk->file = dup_col(st, 2);
    tk->duration = sqlite3_column_type(st, 3) == SQLITE_NULL
                   ? -1 : sqlite3_column_double(st, 3);
    measures = dup_col(st, 4);
    read_measures(r, measures, tk, ex);
    free(measures);
    place_take(r, tk);
  }
  sqlite3_finalize(st);
  return 0;
}

/* ------------------------------------------------------------- cells */

/* The cell's value on each axis, as text (NULL where it has none). */
static void read_values (Reader *r, const char *cell, ExCell *c,
                         const Experiment *ex) {
  c->values = calloc((size_t)(ex->naxes ? ex->naxes : 1), sizeof(char *));
  for (int i = 0; c->values && i < ex->naxes; i++) {
    sqlite3_stmt *st = query(r, "SELECT value FROM json_each(?1, '$.axes') "
                             "WHERE key = ?2", cell, ex->axes[i].name);
    if (st && sqlite3_step(st) == SQLITE_ROW)
      c->values[i] = dup_col(st, 0);
    sqlite3_finalize(st);
  }
}

static int read_cells (Reader *r, const char *json, Experiment *ex) {
  char t[16];
  sqlite3_stmt *st;
  int rc = 0;
  if (!type_of(r, json, "$.cells", t) || strcmp(t, "array") != 0) {
    snprintf(r->err, r->errlen, "\"cells\" is missing or not an array");
    return -1;
  }
  st = query(r, "SELECT value, json_extract(value, '$.key'),"
             " json_extract(value, '$.tags'), json_extract(value, '$.error')"
             " FROM json_each(?1, '$.cells')", json, NULL);
  if (st == NULL)
    return -1;
  while (rc == 0 && sqlite3_step(st) == SQLITE_ROW) {
    ExCell *g = realloc(ex->cells, (size_t)(ex->ncells + 1) * sizeof(*g));
    ExCell *c;
    const char *cell = (const char *)sqlite3_column_text(st, 0);
    if (g == NULL)
      break;
    ex->cells = g;
    c = &g[ex->ncells++];
    memset(c, 0, sizeof(*c));
    c->key = dup_col(st, 1);
    c->tags = dup_col(st, 2);
    c->error = dup_col(st, 3);
    if (!type_of(r, cell, "$", t) || strcmp(t, "object") != 0) {
      snprintf(r->err, r->errlen, "cell %d is not an object", ex->ncells);
      rc = -1;
      break;
    }
    read_values(r, cell, c, ex);
    rc = read_takes(r, cell, c, ex);
  }
  sqlite3_finalize(st);
  return rc;
}

/* ------------------------------------------------------------ the file */

/* The whole file as a string; NULL with a message. */
static char *slurp (const char *path, char *err, size_t errlen) {
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  long n;
  if (f == NULL) {
    snprintf(err, errlen, "cannot read the manifest %s: %m", path);
    return NULL;
  }
  if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
      fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1)) != NULL) {
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
      free(buf);
      buf = NULL;
    } else {
      buf[n] = '\0';
    }
  }
  if (buf == NULL)
    snprintf(err, errlen, "cannot read the manifest %s", path);
  fclose(f);
  return buf;
}

/* The header: name (required) and the source clip. */
static int read_header (Reader *r, const char *json, Experiment *ex) {
  sqlite3_stmt *st = query(r, "SELECT json_valid(?1)", json, NULL);
  int valid;
  /* first on its own: the other JSON functions raise on malformed text */
  valid = st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  if (!valid) {
    snprintf(r->err, r->errlen, "not valid JSON");
    return -1;
  }
  st = query(r,
    "SELECT 1, json_type(?1), json_type(?1, '$.name'),"
    " json_extract(?1, '$.name'), json_extract(?1, '$.source.clip_id'),"
    " json_extract(?1, '$.source.title'), json_extract(?1, '$.source.file')",
    json, NULL);
  int rc = -1;
  if (st == NULL || sqlite3_step(st) != SQLITE_ROW)
    snprintf(r->err, r->errlen, "reading the manifest: %s",
             sqlite3_errmsg(r->db));
  else if (sqlite3_column_int(st, 0) == 0)
    snprintf(r->err, r->errlen, "not valid JSON");
  else if (strcmp((const char *)sqlite3_column_text(st, 1), "object") != 0)
    snprintf(r->err, r->errlen, "not a JSON object");
  else if (sqlite3_column_type(st, 2) == SQLITE_NULL ||
           strcmp((const char *)sqlite3_column_text(st, 2), "text") != 0 ||
           sqlite3_column_bytes(st, 3) == 0)
    snprintf(r->err, r->errlen, "\"name\" is missing or not a string");
  else {
    ex->name = dup_col(st, 3);
    ex->source_clip = dup_col(st, 4);
    ex->source_title = dup_col(st, 5);
    ex->source_file = dup_col(st, 6);
    rc = 0;
  }
  sqlite3_finalize(st);
  return rc;
}

int sf_experiment_load (const char *manifest, const char *out_dir,
                        Experiment *ex, char *err, size_t errlen) {
  Reader r;
  char msg[400], *json, tmp[PATH_MAX];
  int rc = -1;
  memset(ex, 0, sizeof(*ex));
  memset(&r, 0, sizeof(r));
  r.out_dir = out_dir;
  r.err = msg;
  r.errlen = sizeof(msg);
  msg[0] = '\0';
  if ((json = slurp(manifest, err, errlen)) == NULL)
    return -1;
  sf_path_dir(manifest, tmp, sizeof(tmp));
  if (realpath(tmp, r.dir) == NULL)
    snprintf(msg, sizeof(msg), "its folder cannot be resolved");
  else if (sqlite3_open(":memory:", &r.db) != SQLITE_OK)
    snprintf(msg, sizeof(msg), "no memory");
  else if (read_header(&r, json, ex) == 0 && read_axes(&r, json, ex) == 0 &&
           read_cells(&r, json, ex) == 0)
    rc = 0;
  if (rc != 0)
    snprintf(err, errlen, "%s: %s", manifest, msg);
  sqlite3_close(r.db);
  free(json);
  return rc;
}

/* ------------------------------------------------------------ freeing */

static void free_cell (ExCell *c, int naxes) {
  for (int i = 0; i < c->ntakes; i++) {
    ExTake *tk = &c->takes[i];
    for (int k = 0; k < tk->nmeasures; k++) {
      free(tk->measures[k].name);
      free(tk->measures[k].text);
    }
    free(tk->measures);
    free(tk->clip_id); free(tk->title); free(tk->file); free(tk->href);
    free(tk->wave);
  }
  for (int i = 0; c->values && i < naxes; i++)
    free(c->values[i]);
  free(c->values); free(c->takes); free(c->key); free(c->tags);
  free(c->error);
}

void sf_experiment_free (Experiment *ex) {
  for (int i = 0; i < ex->ncells; i++)
    free_cell(&ex->cells[i], ex->naxes);
  for (int i = 0; i < ex->naxes; i++) {
    for (int k = 0; k < ex->axes[i].nvalues; k++)
      free(ex->axes[i].values[k]);
    free(ex->axes[i].values);
    free(ex->axes[i].name);
  }
  for (int i = 0; i < ex->nmeasure_names; i++)
    free(ex->measures[i]);
  free(ex->measures); free(ex->cells); free(ex->axes); free(ex->name);
  free(ex->source_clip); free(ex->source_title); free(ex->source_file);
}
