/*
** similarity.c -- how much of a reference's harmony a file keeps.
**
** Two numbers. The cosine of the two mean chroma vectors says whether the
** files use the same pitch classes overall; it cannot tell a song from
** another in the same key. The aligned score follows the harmony in time:
** dynamic time warping pairs the frames of the two files along the
** cheapest monotonic path (cost = 1 - cosine of two frames' chroma), and
** the score is the mean cosine of the pairs on it. A cover changes the
** tempo, so the path may run at a slope between 1/2 and 2 (steps (1,1),
** (1,2), (2,1)); it starts where both files start and may end as soon as
** either file ends (the clips may hold different lengths of the song).
*/
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include "analyze_internal.h"

double sf_chroma_cosine (const double *a, const double *b) {
  double dot = 0, na = 0, nb = 0;
  int i;
  for (i = 0; i < SF_CHROMA_BINS; i++)
    dot += a[i] * b[i], na += a[i] * a[i], nb += b[i] * b[i];
  return na > 0 && nb > 0 ? dot / sqrt(na * nb) : 0;
}

/* 1 - cosine of two unit (or zero) chroma frames. */
static double frame_cost (const float *x, const float *y) {
  double dot = 0;
  int i;
  for (i = 0; i < SF_CHROMA_BINS; i++)
    dot += (double)x[i] * y[i];
  return 1 - dot;
}

/* The accumulated cost and the pairs on the path to one cell. */
typedef struct Cell {
  double cost;
  int pairs;                     /* 0: the cell is unreachable */
} Cell;

/* Choose the cheaper (per pair) of two predecessors. */
static const Cell *better (const Cell *p, const Cell *q) {
  if (q->pairs == 0)
    return p;
  if (p->pairs == 0)
    return q;
  return q->cost / q->pairs < p->cost / p->pairs ? q : p;
}

SfAnalyzeStatus sf_chroma_aligned (const SfChromaFrames *a,
                                   const SfChromaFrames *b, double *out) {
  /* three rows of the cost matrix: i, i-1, i-2 (a 3-minute song has ~2000
  ** frames: the whole matrix would be tens of MB) */
  size_t n = a->n, m = b->n, i, j;
  Cell *row[3], none = {0, 0};
  double best = DBL_MAX;
  *out = 0;
  if (n == 0 || m == 0)
    return SF_ANALYZE_OK;
  row[0] = calloc(m, sizeof(Cell));
  row[1] = calloc(m, sizeof(Cell));
  row[2] = calloc(m, sizeof(Cell));
  if (row[0] == NULL || row[1] == NULL || row[2] == NULL) {
    free(row[0]), free(row[1]), free(row[2]);
    return SF_ANALYZE_MEMORY;
  }
  for (i = 0; i < n; i++) {
    Cell *cur = row[i % 3], *up1 = row[(i + 2) % 3], *up2 = row[(i + 1) % 3];
    for (j = 0; j < m; j++) {
      const Cell *from = &none;
      if (i == 0 && j == 0) {
        from = &none;
      } else {
        if (i >= 1 && j >= 1) from = better(from, &up1[j - 1]);
        if (i >= 1 && j >= 2) from = better(from, &up1[j - 2]);
        if (i >= 2 && j >= 1) from = better(from, &up2[j - 1]);
      }
      if (from->pairs == 0 && !(i == 0 && j == 0)) {
        cur[j] = none;
        continue;
      }
      cur[j].cost = from->cost + frame_cost(a->frames + i * SF_CHROMA_BINS,
                                            b->frames + j * SF_CHROMA_BINS);
      cur[j].pairs = from->pairs + 1;
      if ((i == n - 1 || j == m - 1) && cur[j].cost / cur[j].pairs < best)
        best = cur[j].cost / cur[j].pairs;
    }
  }
  free(row[0]), free(row[1]), free(row[2]);
  *out = best == DBL_MAX ? 0 : 1 - best;
  return SF_ANALYZE_OK;
}
