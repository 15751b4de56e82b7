/*
** spectrum.c -- spectral centroid and chroma from aubio's phase vocoder.
**
** Chroma: each magnitude bin between 110 Hz and 5 kHz adds its energy to
** the pitch class nearest its centre frequency (A4 = 440 Hz). The long
** window (8192 at 44.1 kHz, 5.4 Hz per bin) is what lets bins below
** ~200 Hz land in the right semitone; the price is ~0.19 s time
** resolution, plenty for harmony that changes per bar.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "aubio_lazy.h"
#include "analyze_internal.h"

#define SF_SPECTRUM_WIN 8192
#define SF_SPECTRUM_HOP 4096
#define SF_CHROMA_LOW_HZ 110.0
#define SF_CHROMA_HIGH_HZ 5000.0
#define SF_SILENT_ENERGY 1e-8    /* a frame quieter than this has no chroma */

void sf_chroma_free (SfChromaFrames *c) {
  free(c->frames);
  memset(c, 0, sizeof(*c));
}

/* Scale 'v' (n values) to unit length; leaves a zero vector alone. */
static void normalize (double *v, int n) {
  double s = 0;
  int i;
  for (i = 0; i < n; i++)
    s += v[i] * v[i];
  if (s > 0)
    for (s = sqrt(s), i = 0; i < n; i++)
      v[i] /= s;
}

/* The pitch class of each bin, or -1 outside the chroma band. */
static int *pitch_class_map (int bins, int rate) {
  int *pc = malloc(bins * sizeof(int)), k;
  if (pc == NULL)
    return NULL;
  for (k = 0; k < bins; k++) {
    double f = (double)k * rate / SF_SPECTRUM_WIN;
    if (f < SF_CHROMA_LOW_HZ || f > SF_CHROMA_HIGH_HZ) {
      pc[k] = -1;
    } else {
      long midi = lround(69 + 12 * log2(f / 440.0));
      pc[k] = (int)(((midi % 12) + 12) % 12);      /* 0 = C */
    }
  }
  return pc;
}

/* One frame's centroid (Hz, added to *centroid_sum when not silent) and
** chroma (written to 'chroma', unit length or zero). */
static int measure_frame (const cvec_t *spec, const int *pc, int rate,
                          double *centroid_sum, float *chroma) {
  double weighted = 0, total = 0, c[SF_CHROMA_BINS] = {0};
  uint_t k;
  int i;
  for (k = 0; k < spec->length; k++) {
    double m = spec->norm[k];
    weighted += m * k, total += m;
    if (pc[k] >= 0)
      c[pc[k]] += m * m;
  }
  memset(chroma, 0, SF_CHROMA_BINS * sizeof(float));
  if (total * total < SF_SILENT_ENERGY)
    return 0;
  *centroid_sum += weighted / total * rate / SF_SPECTRUM_WIN;
  normalize(c, SF_CHROMA_BINS);
  for (i = 0; i < SF_CHROMA_BINS; i++)
    chroma[i] = (float)c[i];
  return 1;
}

SfAnalyzeStatus sf_measure_spectrum (const SfAubio *A, const SfAudio *a,
                                     double *centroid_hz, SfChromaFrames *out) {
  aubio_pvoc_t *pv = A->new_pvoc(SF_SPECTRUM_WIN, SF_SPECTRUM_HOP);
  fvec_t *in = A->new_fvec(SF_SPECTRUM_HOP);
  cvec_t *spec = A->new_cvec(SF_SPECTRUM_WIN);
  int *pc = pitch_class_map(SF_SPECTRUM_WIN / 2 + 1, a->rate);
  size_t nframes = (a->frames + SF_SPECTRUM_HOP - 1) / SF_SPECTRUM_HOP;
  size_t pos, i, sounding = 0;
  double centroid_sum = 0;
  int b;
  SfAnalyzeStatus st = SF_ANALYZE_MEMORY;
  memset(out, 0, sizeof(*out));
  out->frames = calloc(nframes ? nframes : 1,
                       SF_CHROMA_BINS * sizeof(float));
  if (pv == NULL || in == NULL || spec == NULL || pc == NULL ||
      out->frames == NULL)
    goto done;
  for (pos = 0; pos < a->frames; pos += SF_SPECTRUM_HOP) {
    float *chroma = out->frames + out->n * SF_CHROMA_BINS;
    for (i = 0; i < SF_SPECTRUM_HOP; i++)
      in->data[i] = pos + i < a->frames ? a->mono[pos + i] : 0;
    A->pvoc_do(pv, in, spec);
    if (measure_frame(spec, pc, a->rate, &centroid_sum, chroma)) {
      sounding++;
      for (b = 0; b < SF_CHROMA_BINS; b++)
        out->mean[b] += chroma[b];
    }
    out->n++;
  }
  normalize(out->mean, SF_CHROMA_BINS);
  *centroid_hz = sounding ? centroid_sum / sounding : 0;
  st = SF_ANALYZE_OK;
done:
  if (pv) A->del_pvoc(pv);
  if (in) A->del_fvec(in);
  if (spec) A->del_cvec(spec);
  free(pc);
  if (st != SF_ANALYZE_OK)
    sf_chroma_free(out);
  return st;
}
