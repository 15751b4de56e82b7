/*
** report.c -- `sonicflow report [RUN] -o FILE.html` (see report.h).
**
** Reads the journal read-only and builds the model of report_model.h:
** the run, its tasks (the steps that started one, with their request),
** their clips (the journaled final status of each task) and where each
** clip was downloaded, through the journal's read views (journal.c owns
** the SQL; SQLite's JSON functions take the records apart there, so no
** second JSON parser is needed). The page is written to a temporary
** file and renamed, so a reader never sees half a report.
*/
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "journal.h"
#include "experiment_model.h"
#include "report.h"
#include "report_model.h"
#include "report_util.h"

#define WAVE_COLS 400

static const char usage[] =
  "usage: sonicflow report [RUN] -o FILE.html [--journal FILE]\n"
  "       sonicflow report --experiment DIR/NAME/experiment.json -o FILE.html\n"
  "Write one self-contained HTML page for a run (default: the latest):\n"
  "each task's inputs, its clips with a player and a waveform of the\n"
  "downloaded audio, durations, credits and times; covers of the same\n"
  "clip side by side. The page works offline.\n"
  "  -o, --output FILE  the page to write (required)\n"
  "  --journal FILE     the journal (default .sonicflow/journal.db)\n"
  "  --experiment FILE  instead, the page of an experiment's manifest: the\n"
  "                     grid of cells with players, waveforms and measures,\n"
  "                     a sortable table of takes, a blind A/B, stars and\n"
  "                     notes kept in the browser, and an \"Export picks\"\n"
  "                     button (picks.json). Audio is linked relative to\n"
  "                     the page: keep the page and the folder together.\n";

typedef struct Opts {
  const char *run, *out, *journal, *experiment;
} Opts;

/* ------------------------------------------------------------ helpers */

static char *dup_or_null (const char *s) {
  return s ? strdup(s) : NULL;
}

/* -------------------------------------------------------------- the run */

/* sf_journal_view_run's row: copy the run's header. */
static int take_run (const SfRunView *v, void *ud) {
  RpRun *run = ud;
  run->id = dup_or_null(v->id);
  run->script = dup_or_null(v->script);
  run->args = dup_or_null(v->args);
  run->status = dup_or_null(v->status);
  run->started_at = dup_or_null(v->started_at);
  run->finished_at = dup_or_null(v->finished_at);
  run->attempts = v->attempts;
  run->budget = v->budget;
  run->service = dup_or_null(v->service);
  run->spent = v->spent;
  run->unknown = v->unknown;
  return 0;
}

/* ------------------------------------------------------------ the tasks */

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

/* What sf_journal_view_tasks's rows go into. */
typedef struct TaskSink {
  RpRun *run;
  int cap;
} TaskSink;

/* sf_journal_view_tasks's row: append a task. -1 stops (no memory). */
static int take_task (const SfTaskView *v, void *ud) {
  TaskSink *k = ud;
  RpRun *run = k->run;
  RpTask *t;
  if (run->ntasks == k->cap) {
    int cap = k->cap ? k->cap * 2 : 16;
    RpTask *n = realloc(run->tasks, (size_t)cap * sizeof(*n));
    if (n == NULL)
      return -1;
    run->tasks = n;
    k->cap = cap;
  }
  t = &run->tasks[run->ntasks++];
  memset(t, 0, sizeof(*t));
  t->seq = v->seq;
  t->price = v->price;
  t->state = (int)v->state;
  t->status = v->status;
  t->task_id = dup_or_null(v->task_id);
  t->summary = dup_or_null(v->summary);
  t->kind = task_kind(v->task_type, t->summary);
  t->tags = dup_or_null(v->tags);
  t->negative_tags = dup_or_null(v->negative_tags);
  t->prompt = dup_or_null(v->prompt);
  t->description = dup_or_null(v->description);
  t->title = dup_or_null(v->title);
  t->source = dup_or_null(v->source);
  t->continue_at = dup_or_null(v->continue_at);
  t->model = dup_or_null(v->model);
  return 0;
}

/* ------------------------------------------------------------ the clips */

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
    c->href = sf_report_relative_url(pl->out_dir, file);
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

/* What sf_journal_view_clips's rows go into. */
typedef struct ClipSink {
  RpTask *task;
  const Places *places;
  int cap;
} ClipSink;

/* sf_journal_view_clips's row: append a clip and place its file. */
static int take_clip (const SfClipView *v, void *ud) {
  ClipSink *k = ud;
  RpTask *t = k->task;
  RpClip *c;
  if (t->nclips == k->cap) {
    int cap = k->cap ? k->cap * 2 : 4;
    RpClip *n = realloc(t->clips, (size_t)cap * sizeof(*n));
    if (n == NULL)
      return -1;
    t->clips = n;
    k->cap = cap;
  }
  c = &t->clips[t->nclips++];
  memset(c, 0, sizeof(*c));
  c->id = dup_or_null(v->id);
  c->title = dup_or_null(v->title);
  c->tags = dup_or_null(v->tags);
  c->state = dup_or_null(v->state);
  c->audio_url = dup_or_null(v->audio_url);
  c->created_at = dup_or_null(v->created_at);
  c->duration = dup_or_null(v->duration);
  c->error = dup_or_null(v->error);
  place_clip(c, v->dest, k->places);
  return 0;
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
    else if (strcmp(a, "--experiment") == 0 && i + 1 < argc)
      o->experiment = argv[++i];
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
  sf_path_dir(out, tmp, sizeof(tmp));
  return realpath(tmp, pl->out_dir) != NULL ? 0 : -1;
}

/* Read the run into 'run'. 0, or an exit code. */
static int load (const Opts *o, const char *journal, const Places *pl,
                 RpRun *run) {
  SfJournal *j = NULL;
  TaskSink tasks;
  char err[512];
  int rc = 1, i, found;
  if (sf_journal_open_mode(&j, journal, SF_JOURNAL_READ, err,
                           sizeof(err)) != 0) {
    fprintf(stderr, "sonicflow report: %s\n", err);
    return 1;
  }
  found = sf_journal_view_run(j, o->run, take_run, run);
  if (found == 0)
    fprintf(stderr, "sonicflow report: %s\n", o->run
            ? "no such run in the journal (see sonicflow runs)"
            : "the journal has no runs yet");
  if (found < 0)
    goto sql_error;
  if (found != 1)
    goto cleanup;
  tasks.run = run;
  tasks.cap = 0;
  if (sf_journal_view_tasks(j, run->id, take_task, &tasks) != 0)
    goto sql_error;
  for (i = 0; i < run->ntasks; i++) {
    ClipSink k;
    k.task = &run->tasks[i];
    k.places = pl;
    k.cap = 0;
    if (sf_journal_view_clips(j, run->id, k.task->task_id, take_clip,
                              &k) != 0)
      goto sql_error;
  }
  rc = 0;
  goto cleanup;
sql_error:
  fprintf(stderr, "sonicflow report: reading the journal: %s\n",
          sf_journal_error(j));
cleanup:
  sf_journal_close(j);
  return rc;
}

/* Write the page next to its final name, then rename it into place. */
static int write_page (const char *out, int (*put) (FILE *, void *),
                       void *what) {
  char tmp[PATH_MAX];
  FILE *f;
  int rc;
  snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", out, (long)getpid());
  if ((f = fopen(tmp, "w")) == NULL) {
    fprintf(stderr, "sonicflow report: cannot write '%s': %s\n", out,
            strerror(errno));
    return 1;
  }
  rc = put(f, what);
  if (fclose(f) != 0 || rc != 0 || rename(tmp, out) != 0) {
    fprintf(stderr, "sonicflow report: cannot write '%s': %s\n", out,
            strerror(errno));
    unlink(tmp);
    return 1;
  }
  return 0;
}

static int put_run (FILE *f, void *run) {
  return sf_report_html(f, run);
}

static int put_experiment (FILE *f, void *ex) {
  return sf_experiment_html(f, ex);
}

/* --experiment: the page of a manifest. A missing or malformed manifest
** is the caller's mistake: exit 2 with one line. */
static int report_experiment (const Opts *o, const Places *pl) {
  Experiment ex;
  char err[600];
  int rc, ntakes = 0;
  if (o->run != NULL) {
    fputs("sonicflow report: give a RUN or --experiment, not both\n",
          stderr);
    return 2;
  }
  if (sf_experiment_load(o->experiment, pl->out_dir, &ex, err,
                         sizeof(err)) != 0) {
    fprintf(stderr, "sonicflow report: %s\n", err);
    sf_experiment_free(&ex);
    return 2;
  }
  rc = write_page(o->out, put_experiment, &ex);
  for (int i = 0; i < ex.ncells; i++)
    ntakes += ex.cells[i].ntakes;
  if (rc == 0)
    fprintf(stderr, "report of experiment %s: %s (%d cells, %d takes)\n",
            ex.name, o->out, ex.ncells, ntakes);
  sf_experiment_free(&ex);
  return rc;
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
  if (o.experiment != NULL) {
    if (find_places(o.experiment, o.out, &pl, jdir, pdir) != 0) {
      fprintf(stderr, access(o.experiment, R_OK) != 0
              ? "sonicflow report: no manifest at %s\n"
              : "sonicflow report: the folder of '%s' does not exist\n",
              access(o.experiment, R_OK) != 0 ? o.experiment : o.out);
      return access(o.experiment, R_OK) != 0 ? 2 : 1;
    }
    return report_experiment(&o, &pl);
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
    rc = write_page(o.out, put_run, &run);
  if (rc == 0)
    fprintf(stderr, "report of run %s: %s (%d tasks)\n", run.id, o.out,
            run.ntasks);
  free_run(&run);
  return rc;
}
