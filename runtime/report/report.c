/*
** report.c -- `sonicflow report [RUN] -o FILE.html` (see report.h).
**
** Reads the journal read-only and builds the model of report_model.h:
** the run, its tasks (the steps that started one, with their request),
** their clips (the journaled final status of each task) and where each
** clip was downloaded. JSON is taken apart by SQLite's own JSON
** functions, so no second JSON parser is needed here. The page is
** written to a temporary file and renamed, so a reader never sees half
** a report.
*/
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "journal.h"
#include "report.h"
#include "report_model.h"

#define WAVE_COLS 400

static const char usage[] =
  "usage: sonicflow report [RUN] -o FILE.html [--journal FILE]\n"
  "Write one self-contained HTML page for a run (default: the latest):\n"
  "each task's inputs, its clips with a player and a waveform of the\n"
  "downloaded audio, durations, credits and times; covers of the same\n"
  "clip side by side. The page works offline.\n"
  "  -o, --output FILE  the page to write (required)\n"
  "  --journal FILE     the journal (default .sonicflow/journal.db)\n";

typedef struct Opts {
  const char *run, *out, *journal;
} Opts;

/* ------------------------------------------------------------ helpers */

static char *col_dup (sqlite3_stmt *st, int col) {
  const unsigned char *s = sqlite3_column_text(st, col);
  return s ? strdup((const char *)s) : NULL;
}

static sqlite3_stmt *prep (sqlite3 *db, const char *sql) {
  sqlite3_stmt *st = NULL;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
    fprintf(stderr, "sonicflow report: cannot read the journal: %s\n",
            sqlite3_errmsg(db));
    return NULL;
  }
  return st;
}

/* -------------------------------------------------------------- the run */

static const char run_sql[] =
  "SELECT id, script, args, status, started_at, finished_at, attempts,"
  " COALESCE(budget, -1), service,"
  " (SELECT COALESCE(SUM(price), 0) FROM steps s"
  "   WHERE s.run_id = r.id AND s.state = ?2),"
  " (SELECT COALESCE(SUM(price), 0) FROM steps s"
  "   WHERE s.run_id = r.id AND s.state IN (?3, ?4))"
  " FROM runs r WHERE ?1 IS NULL OR id = ?1"
  " ORDER BY started_at DESC, rowid DESC LIMIT 1";

/* Fill the run's header. 1 found, 0 no such run, -1 error. */
static int load_run (sqlite3 *db, const char *id, RpRun *run) {
  sqlite3_stmt *st = prep(db, run_sql);
  int rc;
  if (st == NULL)
    return -1;
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);   /* NULL: the latest */
  sqlite3_bind_int(st, 2, SF_STEP_ANSWERED);
  sqlite3_bind_int(st, 3, SF_STEP_INTENT);
  sqlite3_bind_int(st, 4, SF_STEP_UNKNOWN);
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    run->id = col_dup(st, 0);
    run->script = col_dup(st, 1);
    run->args = col_dup(st, 2);
    run->status = col_dup(st, 3);
    run->started_at = col_dup(st, 4);
    run->finished_at = col_dup(st, 5);
    run->attempts = sqlite3_column_int64(st, 6);
    run->budget = sqlite3_column_int64(st, 7);
    run->service = col_dup(st, 8);
    run->spent = sqlite3_column_int64(st, 9);
    run->unknown = sqlite3_column_int64(st, 10);
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    fprintf(stderr, "sonicflow report: reading the journal: %s\n",
            sqlite3_errmsg(db));
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* ------------------------------------------------------------ the tasks */

/* A malformed request must not make the whole query fail: json_extract
** raises on invalid JSON, so every field is guarded by json_valid. */
#define REQ(f) "CASE WHEN json_valid(request) THEN json_extract(request, '$." \
               f "') END"

static const char tasks_sql[] =
  "SELECT seq, price, state, status, task_id, summary, "
  REQ("task_type") ", " REQ("tags") ", " REQ("negative_tags") ", "
  REQ("prompt") ", " REQ("gpt_description_prompt") ", " REQ("title") ", "
  "COALESCE(" REQ("continue_clip_id") ", " REQ("clip_id") "), "
  REQ("continue_at") ", " REQ("mv")
  " FROM steps WHERE run_id = ? AND task_id IS NOT NULL AND task_id <> ''"
  " ORDER BY seq";

/* The kind of task: the request's task_type, else the first word of the
** summary, which is the task type or the path of the call. */
static char *task_kind (const char *task_type, const char *summary) {
  static const struct { const char *path, *kind; } paths[] = {
    {"sonic/create", "create_music"}, {"sonic/stems/full", "stems_full"},
    {"sonic/stems/basic", "stems_basic"}, {"sonic/upload", "upload"},
    {"sonic/wav", "wav"}, {"sonic/midi", "midi"}, {NULL, NULL}};
  size_t n;
  int i;
  if (task_type != NULL)
    return strdup(task_type);
  if (summary == NULL || (n = strcspn(summary, " ")) == 0)
    return strdup("task");
  for (i = 0; paths[i].path; i++)
    if (strlen(paths[i].path) == n && strncmp(summary, paths[i].path, n) == 0)
      return strdup(paths[i].kind);
  return memchr(summary, '/', n) ? strdup("task") : strndup(summary, n);
}

static void read_task (sqlite3_stmt *st, RpTask *t) {
  const char *tt = (const char *)sqlite3_column_text(st, 6);
  memset(t, 0, sizeof(*t));
  t->seq = sqlite3_column_int64(st, 0);
  t->price = sqlite3_column_int64(st, 1);
  t->state = sqlite3_column_int(st, 2);
  t->status = (long)sqlite3_column_int64(st, 3);
  t->task_id = col_dup(st, 4);
  t->summary = col_dup(st, 5);
  t->kind = task_kind(tt, t->summary);
  t->tags = col_dup(st, 7);
  t->negative_tags = col_dup(st, 8);
  t->prompt = col_dup(st, 9);
  t->description = col_dup(st, 10);
  t->title = col_dup(st, 11);
  t->source = col_dup(st, 12);
  t->continue_at = col_dup(st, 13);
  t->model = col_dup(st, 14);
}

static int load_tasks (sqlite3 *db, RpRun *run) {
  sqlite3_stmt *st = prep(db, tasks_sql);
  int rc, cap = 0;
  if (st == NULL)
    return -1;
  sqlite3_bind_text(st, 1, run->id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (run->ntasks == cap) {
      RpTask *n = realloc(run->tasks, (cap = cap ? cap * 2 : 16) *
                          sizeof(*n));
      if (n == NULL)
        break;
      run->tasks = n;
    }
    read_task(st, &run->tasks[run->ntasks++]);
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* ------------------------------------------------------------ the clips */

#define CLIP(f) "json_extract(c.value, '$." f "')"

/* The clips of a task's final status, with the first file each was
** downloaded to (the audio, else its WAV). */
static const char clips_sql[] =
  "SELECT " CLIP("clip_id") ", " CLIP("title") ", " CLIP("tags") ", "
  CLIP("state") ", " CLIP("audio_url") ", " CLIP("created_at") ", "
  CLIP("duration") ", " CLIP("error_message") ","
  " (SELECT d.dest FROM downloads d WHERE d.run_id = t.run_id"
  "   AND d.source IN (" CLIP("clip_id") " || '/audio', "
  CLIP("clip_id") " || '/wav', " CLIP("audio_url") ")"
  "   ORDER BY d.source LIKE '%/wav', d.rowid LIMIT 1)"
  " FROM task_results t, json_each(CASE WHEN json_valid(t.body)"
  "   AND json_type(t.body, '$.data') = 'array' THEN t.body ELSE '{}'"
  "   END, '$.data') c"
  " WHERE t.run_id = ? AND t.task_id = ? AND c.type = 'object'"
  " ORDER BY c.key";

typedef struct Places {
  const char *journal_dir;       /* the journal's directory */
  const char *project_dir;       /* its parent if it is .sonicflow/ */
  char out_dir[PATH_MAX];        /* the page's directory, resolved */
} Places;

/* Where a journaled 'dest' is now: it was written relative to the run's
** working directory, which the journal does not keep; the usual one is
** the folder holding .sonicflow/, then the current one. A malloc'd
** resolved path, or NULL if the file is gone. */
static char *find_file (const char *dest, const Places *pl) {
  const char *bases[3];
  char path[PATH_MAX * 2];
  int i;
  if (dest == NULL || *dest == '\0')
    return NULL;
  if (dest[0] == '/')
    return realpath(dest, NULL);
  bases[0] = pl->project_dir;
  bases[1] = ".";
  bases[2] = pl->journal_dir;
  for (i = 0; i < 3; i++) {
    char *real;
    if (bases[i] == NULL)
      continue;
    snprintf(path, sizeof(path), "%s/%s", bases[i], dest);
    if ((real = realpath(path, NULL)) != NULL)
      return real;
  }
  return NULL;
}

/* 'file' relative to directory 'dir' (both absolute and resolved), each
** byte outside the unreserved set percent-escaped: a src attribute that
** works from the page's folder whatever the names contain. */
static char *relative_url (const char *dir, const char *file) {
  size_t common = 0, i, n = 0;
  const char *rest;
  char *url;
  int ups = 0;
  /* the longest common prefix that ends at a '/' of both */
  for (i = 0; dir[i] && dir[i] == file[i]; i++)
    if (dir[i] == '/')
      common = i;
  if (dir[i] == '\0' && file[i] == '/')
    common = i;
  if (strcmp(dir, "/") == 0)
    common = 0;
  for (i = common; dir[i]; i++)
    if (dir[i] == '/' && dir[i + 1] != '\0')
      ups++;
  rest = file + common + 1;
  url = malloc((size_t)ups * 3 + strlen(rest) * 3 + 1);
  if (url == NULL)
    return NULL;
  while (ups-- > 0) {
    memcpy(url + n, "../", 3);
    n += 3;
  }
  for (; *rest; rest++) {
    unsigned char c = (unsigned char)*rest;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || strchr("-._~/", c))
      url[n++] = (char)c;
    else
      n += (size_t)sprintf(url + n, "%%%02X", c);
  }
  url[n] = '\0';
  return url;
}

/* A remote audio_url is a fallback only if it can still work: an
** http(s) URL that is not the loopback address of a sandbox that is
** gone by now. */
static int usable_remote (const char *url) {
  const char *host;
  if (url == NULL)
    return 0;
  if (strncmp(url, "https://", 8) == 0)
    host = url + 8;
  else if (strncmp(url, "http://", 7) == 0)
    host = url + 7;
  else
    return 0;
  return strncmp(host, "127.", 4) != 0 && strncmp(host, "localhost", 9) != 0
         && strncmp(host, "[::1]", 5) != 0;
}

/* Attach the clip's file: its player source and waveform. */
static void place_clip (RpClip *c, const char *dest, const Places *pl) {
  char *file = find_file(dest, pl), err[256];
  if (file != NULL) {
    c->href = relative_url(pl->out_dir, file);
    c->local = c->href != NULL;
    c->wave = malloc(sizeof(*c->wave));
    if (c->wave != NULL &&
        sf_waveform_compute(file, WAVE_COLS, c->wave, err, sizeof(err))) {
      fprintf(stderr, "sonicflow report: no waveform: %s\n", err);
      free(c->wave);
      c->wave = NULL;
    }
    free(file);
  } else if (usable_remote(c->audio_url)) {
    c->href = strdup(c->audio_url);
  }
}

static void read_clip (sqlite3_stmt *st, RpClip *c, const Places *pl) {
  memset(c, 0, sizeof(*c));
  c->id = col_dup(st, 0);
  c->title = col_dup(st, 1);
  c->tags = col_dup(st, 2);
  c->state = col_dup(st, 3);
  c->audio_url = col_dup(st, 4);
  c->created_at = col_dup(st, 5);
  c->duration = col_dup(st, 6);
  c->error = col_dup(st, 7);
  place_clip(c, (const char *)sqlite3_column_text(st, 8), pl);
}

static int load_clips (sqlite3 *db, const RpRun *run, RpTask *t,
                       const Places *pl) {
  sqlite3_stmt *st = prep(db, clips_sql);
  int rc, cap = 0;
  if (st == NULL)
    return -1;
  sqlite3_bind_text(st, 1, run->id, -1, SQLITE_STATIC);
  sqlite3_bind_text(st, 2, t->task_id, -1, SQLITE_STATIC);
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (t->nclips == cap) {
      RpClip *n = realloc(t->clips, (cap = cap ? cap * 2 : 4) * sizeof(*n));
      if (n == NULL)
        break;
      t->clips = n;
    }
    read_clip(st, &t->clips[t->nclips++], pl);
  }
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* --------------------------------------------------------------- freeing */

static void free_clip (RpClip *c) {
  free(c->id); free(c->title); free(c->tags); free(c->state);
  free(c->audio_url); free(c->created_at); free(c->duration);
  free(c->error); free(c->href); free(c->wave);
}

static void free_task (RpTask *t) {
  int i;
  for (i = 0; i < t->nclips; i++)
    free_clip(&t->clips[i]);
  free(t->clips);
  free(t->task_id); free(t->kind); free(t->summary); free(t->tags);
  free(t->negative_tags); free(t->prompt); free(t->description);
  free(t->title); free(t->source); free(t->continue_at); free(t->model);
  free(t->error);
}

static void free_run (RpRun *r) {
  int i;
  for (i = 0; i < r->ntasks; i++)
    free_task(&r->tasks[i]);
  free(r->tasks);
  free(r->id); free(r->script); free(r->args); free(r->status);
  free(r->started_at); free(r->finished_at); free(r->service);
}

/* ----------------------------------------------------------- the command */

static int parse_opts (int argc, char **argv, Opts *o) {
  int i;
  memset(o, 0, sizeof(*o));
  for (i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
      return 1;
    if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc)
      o->out = argv[++i];
    else if (strcmp(a, "--journal") == 0 && i + 1 < argc)
      o->journal = argv[++i];
    else if (a[0] != '-' && o->run == NULL)
      o->run = a;
    else
      return -1;
  }
  return o->out != NULL && o->out[0] != '\0' ? 0 : -1;
}

/* The directories next to the journal, and the page's own. 0 or -1. */
static int find_places (const char *journal, const char *out, Places *pl,
                        char jdir[PATH_MAX], char pdir[PATH_MAX]) {
  char tmp[PATH_MAX], *slash;
  memset(pl, 0, sizeof(*pl));
  if (realpath(journal, tmp) == NULL)
    return -1;
  *strrchr(tmp, '/') = '\0';                  /* resolved: has a '/' */
  snprintf(jdir, PATH_MAX, "%s", tmp[0] ? tmp : "/");
  pl->journal_dir = jdir;
  slash = strrchr(tmp, '/');
  if (slash != NULL && strcmp(slash, "/.sonicflow") == 0) {
    *slash = '\0';
    snprintf(pdir, PATH_MAX, "%s", tmp[0] ? tmp : "/");
    pl->project_dir = pdir;
  }
  snprintf(tmp, sizeof(tmp), "%s", out);
  slash = strrchr(tmp, '/');
  if (slash == NULL)
    snprintf(tmp, sizeof(tmp), ".");
  else if (slash == tmp)
    tmp[1] = '\0';
  else
    *slash = '\0';
  return realpath(tmp, pl->out_dir) != NULL ? 0 : -1;
}

/* Read the run into 'run'. 0, or an exit code. */
static int load (const Opts *o, const char *journal, const Places *pl,
                 RpRun *run) {
  sqlite3 *db = NULL;
  int rc = 1, i, found;
  if (sqlite3_open_v2(journal, &db, SQLITE_OPEN_READONLY, NULL) !=
      SQLITE_OK) {
    fprintf(stderr, "sonicflow report: cannot open the journal '%s': %s\n",
            journal, sqlite3_errmsg(db));
    goto cleanup;
  }
  sqlite3_busy_timeout(db, 10000);        /* a run may be writing to it */
  found = load_run(db, o->run, run);
  if (found == 0)
    fprintf(stderr, "sonicflow report: %s\n", o->run
            ? "no such run in the journal (see sonicflow runs)"
            : "the journal has no runs yet");
  if (found != 1)
    goto cleanup;
  if (load_tasks(db, run) != 0)
    goto sql_error;
  for (i = 0; i < run->ntasks; i++)
    if (load_clips(db, run, &run->tasks[i], pl) != 0)
      goto sql_error;
  rc = 0;
  goto cleanup;
sql_error:
  fprintf(stderr, "sonicflow report: reading the journal: %s\n",
          sqlite3_errmsg(db));
cleanup:
  sqlite3_close(db);
  return rc;
}

/* Write the page next to its final name, then rename it into place. */
static int write_page (const char *out, RpRun *run) {
  char tmp[PATH_MAX];
  FILE *f;
  int rc;
  snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", out, (long)getpid());
  if ((f = fopen(tmp, "w")) == NULL) {
    fprintf(stderr, "sonicflow report: cannot write '%s': %s\n", out,
            strerror(errno));
    return 1;
  }
  rc = sf_report_html(f, run);
  if (fclose(f) != 0 || rc != 0 || rename(tmp, out) != 0) {
    fprintf(stderr, "sonicflow report: cannot write '%s': %s\n", out,
            strerror(errno));
    unlink(tmp);
    return 1;
  }
  return 0;
}

int sf_cmd_report (int argc, char **argv) {
  Opts o;
  Places pl;
  RpRun run;
  char jdir[PATH_MAX], pdir[PATH_MAX];
  const char *journal;
  int rc = parse_opts(argc, argv, &o);
  if (rc != 0) {
    fputs(usage, rc > 0 ? stdout : stderr);
    return rc > 0 ? 0 : 2;
  }
  journal = o.journal ? o.journal : ".sonicflow/journal.db";
  if (access(journal, R_OK) != 0) {
    fprintf(stderr, "sonicflow report: no journal at %s\n", journal);
    return 1;
  }
  if (find_places(journal, o.out, &pl, jdir, pdir) != 0) {
    fprintf(stderr, "sonicflow report: the folder of '%s' does not exist\n",
            o.out);
    return 1;
  }
  memset(&run, 0, sizeof(run));
  rc = load(&o, journal, &pl, &run);
  if (rc == 0)
    rc = write_page(o.out, &run);
  if (rc == 0)
    fprintf(stderr, "report of run %s: %s (%d tasks)\n", run.id, o.out,
            run.ntasks);
  free_run(&run);
  return rc;
}
