/*
** report_model.h -- what the report shows, read from the journal
** (report.c) and written as HTML (report_html.c). Every string is a
** malloc'd copy of journal text: untrusted, escaped only when written.
*/
#ifndef SF_REPORT_MODEL_H
#define SF_REPORT_MODEL_H

#include <stdio.h>
#include "waveform.h"

typedef struct RpClip {
  char *id, *title, *tags, *state, *audio_url, *created_at, *duration,
       *error;
  char *href;            /* the player's src: a relative, URL-escaped path
                            to the downloaded file, the remote audio_url,
                            or NULL (nothing playable) */
  int local;             /* href is the downloaded file */
  SfWaveform *wave;      /* NULL when there is no file to decode */
} RpClip;

typedef struct RpTask {
  long long seq, price;
  int state;             /* SfStepState */
  long status;           /* HTTP status of the create */
  char *task_id, *kind, *summary;
  char *tags, *negative_tags, *prompt, *description, *title, *source,
       *continue_at, *model;
  char *error;           /* why the task failed, if it did */
  RpClip *clips;
  int nclips;
  int grouped;           /* shown in a tag-experiment row */
} RpTask;

typedef struct RpRun {
  char *id, *script, *args, *status, *started_at, *finished_at, *service;
  long long attempts, budget, spent, unknown;
  RpTask *tasks;
  int ntasks;
} RpRun;

/* Write the page (it sets the tasks' "grouped" marks). 0 or -1. */
int sf_report_html (FILE *out, RpRun *run);
/* The clip 'id' among the run's tasks, or NULL. */
const RpClip *sf_report_find_clip (const RpRun *run, const char *id);

#endif
