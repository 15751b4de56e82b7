/*
** progress.c -- the live progress block (see progress.h).
**
** The block is drawn as one write: "cursor up N lines, then each line
** with erase-to-end", so the terminal never shows a half-drawn frame.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "buf.h"
#include "progress.h"
#include "timer.h"

#define MAX_TASKS 4096
#define MAX_DOWNLOADS 64
#define SHOWN_TASKS 8            /* lines of tasks; the rest are counted */
#define FRAME_MS 150             /* at most ~7 redraws a second */

typedef struct Row {
  char id[40], kind[24], label[48], state[12];
  double since;
  long long credits;
} Row;

typedef struct Dl {
  const void *key;
  const SfRequest *r;
  char name[48];
  double since;
} Dl;

static struct {
  int on;                        /* live display active */
  int color;                     /* NO_COLOR not set */
  int drawn;                     /* lines of the block on screen */
  int dirty;
  uint64_t last_ms;
  double started;
  Row *rows;
  int nrows;
  Dl dls[MAX_DOWNLOADS];
  int ndls;
  int done, failed;
  long long spent;
  int paced;                 /* paid calls waiting for the account's pace */
} P;

void sf_progress_start (void) {
  const char *term = getenv("TERM");
  if (!isatty(2) || term == NULL || strcmp(term, "dumb") == 0)
    return;
  if ((P.rows = calloc(MAX_TASKS, sizeof(Row))) == NULL)
    return;
  P.on = 1;
  P.color = getenv("NO_COLOR") == NULL;
  P.started = sf_now();
}

int sf_progress_live (void) {
  return P.on;
}

static Row *find_row (const char *id) {
  int i;
  for (i = 0; i < P.nrows; i++)
    if (strcmp(P.rows[i].id, id) == 0)
      return &P.rows[i];
  return NULL;
}

void sf_progress_task (const char *id, const char *kind, const char *label,
                       long long credits) {
  Row *r;
  if (!P.on || P.nrows >= MAX_TASKS || find_row(id) != NULL)
    return;
  r = &P.rows[P.nrows++];
  snprintf(r->id, sizeof(r->id), "%s", id);
  snprintf(r->kind, sizeof(r->kind), "%s", kind);
  snprintf(r->label, sizeof(r->label), "%s", label);
  snprintf(r->state, sizeof(r->state), "submitted");
  r->credits = credits;
  r->since = sf_now();
  P.dirty = 1;
}

void sf_progress_state (const char *id, const char *state) {
  Row *r = P.on ? find_row(id) : NULL;
  if (r == NULL)
    return;
  if (strcmp(state, "succeeded") == 0 || strcmp(state, "failed") == 0) {
    if (state[0] == 's')
      P.done++;
    else
      P.failed++;
    *r = P.rows[--P.nrows];             /* finished: off the list */
  } else {
    snprintf(r->state, sizeof(r->state), "%s", state);
  }
  P.dirty = 1;
}

void sf_progress_paced (int delta) {
  P.paced += delta;
  P.dirty = 1;
}

void sf_progress_spent (long long credits) {
  P.spent = credits;
  P.dirty = 1;
}

void sf_progress_download (const void *key, const char *name,
                           const SfRequest *r) {
  Dl *d;
  const char *base = strrchr(name, '/');
  if (!P.on || P.ndls >= MAX_DOWNLOADS)
    return;
  d = &P.dls[P.ndls++];
  d->key = key;
  d->r = r;
  d->since = sf_now();
  snprintf(d->name, sizeof(d->name), "%s", base ? base + 1 : name);
  P.dirty = 1;
}

void sf_progress_download_end (const void *key) {
  int i;
  for (i = 0; i < P.ndls; i++)
    if (P.dls[i].key == key) {
      P.dls[i] = P.dls[--P.ndls];
      P.dirty = 1;
      return;
    }
}

/* "1m05s" / "42s" */
static void elapsed (char *out, size_t n, double secs) {
  int s = (int)secs;
  if (s >= 60)
    snprintf(out, n, "%dm%02ds", s / 60, s % 60);
  else
    snprintf(out, n, "%ds", s);
}

static void add_line (SfBuf *b, const char *text) {
  sf_buf_append(b, "\r\033[2K", 5);     /* start of line, erase it */
  sf_buf_append(b, text, strlen(text));
  sf_buf_append(b, "\n", 1);
}

/* Build the whole block; returns its number of lines. */
static int frame (SfBuf *b) {
  char line[256], t[16], queued[48] = "";
  double now = sf_now();
  int i, lines = 0;
  for (i = 0; i < P.nrows && i < SHOWN_TASKS; i++) {
    Row *r = &P.rows[i];
    elapsed(t, sizeof(t), now - r->since);
    snprintf(line, sizeof(line), "  %-14.14s %-34.34s %-10s %6s %4lld cr",
             r->kind, r->label, r->state, t, r->credits);
    add_line(b, line);
    lines++;
  }
  if (P.nrows > SHOWN_TASKS) {
    snprintf(line, sizeof(line), "  ... and %d more tasks",
             P.nrows - SHOWN_TASKS);
    add_line(b, line);
    lines++;
  }
  for (i = 0; i < P.ndls; i++) {
    const SfRequest *r = P.dls[i].r;
    double secs = now - P.dls[i].since, mb = (double)r->written / 1e6;
    char bar[24];
    int fill = 0, k;
    if (r->content_length > 0)
      fill = (int)(20.0 * (double)r->written / (double)r->content_length);
    for (k = 0; k < 20; k++)
      bar[k] = k < fill ? '#' : '.';
    bar[20] = '\0';
    if (r->content_length > 0)
      snprintf(line, sizeof(line), "  v %-32.32s [%s] %6.1f/%.1f MB "
               "%5.1f MB/s", P.dls[i].name, bar, mb,
               (double)r->content_length / 1e6, secs > 0 ? mb / secs : 0);
    else
      snprintf(line, sizeof(line), "  v %-32.32s waiting for the server",
               P.dls[i].name);
    add_line(b, line);
    lines++;
  }
  elapsed(t, sizeof(t), now - P.started);
  if (P.paced > 0)
    snprintf(queued, sizeof(queued), ", %d queued (account pace)", P.paced);
  snprintf(line, sizeof(line), "%stasks: %d done, %d failed, %d running%s  "
           "credits: %lld  %s%s", P.color ? "\033[1m" : "", P.done, P.failed,
           P.nrows, queued, P.spent, t, P.color ? "\033[0m" : "");
  add_line(b, line);
  return lines + 1;
}

/* Erase the block from the screen (cursor ends where it began). */
static void erase_block (SfBuf *b) {
  char up[32];
  int i;
  if (P.drawn == 0)
    return;
  snprintf(up, sizeof(up), "\033[%dA", P.drawn);
  sf_buf_append(b, up, strlen(up));
  for (i = 0; i < P.drawn; i++)
    sf_buf_append(b, "\r\033[2K\n", 6);
  sf_buf_append(b, up, strlen(up));
}

static void draw (void) {
  SfBuf b;
  char up[32];
  sf_buf_init(&b, 0);
  if (P.drawn > 0) {                     /* overwrite the old block */
    snprintf(up, sizeof(up), "\033[%dA", P.drawn);
    sf_buf_append(&b, up, strlen(up));
  }
  {
    int old = P.drawn, n = frame(&b), i;
    for (i = n; i < old; i++)          /* a shorter block: clear the rest */
      sf_buf_append(&b, "\r\033[2K\n", 6);
    if (old > n) {
      snprintf(up, sizeof(up), "\033[%dA", old - n);
      sf_buf_append(&b, up, strlen(up));
    }
    P.drawn = n;
  }
  if (b.len > 0 && write(2, b.data, b.len) < 0) {
    /* the terminal went away: nothing else to do */
  }
  sf_buf_free(&b);
  P.dirty = 0;
  P.last_ms = sf_now_ms();
}

void sf_progress_tick (void) {
  if (!P.on || sf_now_ms() - P.last_ms < FRAME_MS)
    return;
  if (P.dirty || P.ndls > 0 || P.nrows > 0)
    draw();
}

void sf_progress_hide (void) {
  SfBuf b;
  if (!P.on || P.drawn == 0)
    return;
  sf_buf_init(&b, 0);
  erase_block(&b);
  if (write(2, b.data, b.len) < 0) {
    /* ignored: see draw */
  }
  sf_buf_free(&b);
  P.drawn = 0;
}

void sf_progress_show (void) {
  if (P.on)
    P.dirty = 1;                        /* drawn again at the next tick */
}

void sf_progress_stop (void) {
  if (!P.on)
    return;
  draw();                                /* the final summary stays */
  P.on = 0;
  P.drawn = 0;
  free(P.rows);
  P.rows = NULL;
  P.nrows = P.ndls = 0;
}
