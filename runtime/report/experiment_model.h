/*
** experiment_model.h -- an experiment's manifest (DIR/<name>/experiment.json,
** written by sonic.experiment), read by experiment_manifest.c and written
** as a page by experiment_page.c. Every string is a malloc'd copy of
** manifest text: untrusted, escaped only when written.
*/
#ifndef SF_EXPERIMENT_MODEL_H
#define SF_EXPERIMENT_MODEL_H

#include <stdio.h>
#include "waveform.h"

typedef struct ExMeasure {
  char *name;
  char *text;            /* the value when it is not a number, else NULL */
  double num;
} ExMeasure;

typedef struct ExTake {
  char *clip_id, *title, *file;   /* file: as written, relative to the manifest */
  double duration;                /* < 0: not given */
  char *href;            /* the player's src relative to the page, or NULL
                            when the file is missing */
  SfWaveform *wave;      /* NULL when it could not be decoded */
  ExMeasure *measures;
  int nmeasures;
} ExTake;

typedef struct ExCell {
  char *key, *tags, *error;
  char **values;         /* one per axis of axis_order; NULL if absent */
  ExTake *takes;
  int ntakes;
  int placed;            /* shown in the grid */
} ExCell;

typedef struct ExAxis {
  char *name;
  char **values;
  int nvalues;
} ExAxis;

typedef struct Experiment {
  char *name, *source_clip, *source_title, *source_file;
  ExAxis *axes;          /* in axis_order */
  int naxes;
  ExCell *cells;
  int ncells;
  char **measures;       /* every measure name, in first-seen order */
  int nmeasure_names;
} Experiment;

/* Read 'manifest' into 'ex'; players' sources are made relative to the
** resolved directory 'out_dir'. 0, or -1 with a one-line message. */
int sf_experiment_load (const char *manifest, const char *out_dir,
                        Experiment *ex, char *err, size_t errlen);
void sf_experiment_free (Experiment *ex);
/* Write the page. 0 or -1. */
int sf_experiment_html (FILE *out, Experiment *ex);

#endif
