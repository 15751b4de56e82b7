/*
** tempo.c -- tempo (BPM) and onsets by aubio's beat tracker and onset
** detector, fed the mono mix hop by hop.
*/
#include "aubio_lazy.h"
#include "analyze_internal.h"

#define SF_TEMPO_WIN 1024        /* aubio's defaults for music at 44.1 kHz */
#define SF_TEMPO_HOP 512

double sf_fold_bpm (double bpm) {
  if (!(bpm > 0))
    return 0;
  while (bpm < 70)
    bpm *= 2;
  while (bpm >= 180)
    bpm /= 2;
  return bpm;
}

SfAnalyzeStatus sf_measure_tempo (const SfAubio *A, const SfAudio *a,
                                  double *bpm_raw, double *bpm, int *onsets) {
  aubio_tempo_t *tempo;
  aubio_onset_t *onset;
  fvec_t *in, *beat, *hit;
  size_t pos, i;
  SfAnalyzeStatus st = SF_ANALYZE_MEMORY;
  tempo = A->new_tempo("default", SF_TEMPO_WIN, SF_TEMPO_HOP,
                       (uint_t)a->rate);
  onset = A->new_onset("default", SF_TEMPO_WIN, SF_TEMPO_HOP,
                       (uint_t)a->rate);
  in = A->new_fvec(SF_TEMPO_HOP);
  beat = A->new_fvec(1);
  hit = A->new_fvec(1);
  if (tempo == NULL || onset == NULL || in == NULL || beat == NULL ||
      hit == NULL)
    goto out;
  *onsets = 0;
  for (pos = 0; pos < a->frames; pos += SF_TEMPO_HOP) {
    for (i = 0; i < SF_TEMPO_HOP; i++)     /* zero-padded last hop */
      in->data[i] = pos + i < a->frames ? a->mono[pos + i] : 0;
    A->tempo_do(tempo, in, beat);
    A->onset_do(onset, in, hit);
    if (hit->data[0] != 0)
      (*onsets)++;
  }
  *bpm_raw = A->tempo_get_bpm(tempo);
  *bpm = sf_fold_bpm(*bpm_raw);
  st = SF_ANALYZE_OK;
out:
  if (tempo) A->del_tempo(tempo);
  if (onset) A->del_onset(onset);
  if (in) A->del_fvec(in);
  if (beat) A->del_fvec(beat);
  if (hit) A->del_fvec(hit);
  return st;
}
