/*
** analyze_internal.h -- the parts of runtime/analyze that share data:
** decoded audio and the per-frame chroma the similarity needs.
*/
#ifndef SF_ANALYZE_INTERNAL_H
#define SF_ANALYZE_INTERNAL_H

#include <stddef.h>
#include "analyze.h"
#include "aubio_lazy.h"

/* Decoded audio: interleaved float samples in [-1, 1]. */
typedef struct SfAudio {
  float *samples;                /* frames * channels, interleaved */
  float *mono;                   /* frames, the channels' mean */
  size_t frames;
  int rate;
  int channels;
} SfAudio;

/* decode.c: read 'path' (WAV PCM 16-bit or MP3) into *a. */
SfAnalyzeStatus sf_audio_decode (const char *path, SfAudio *a,
                                 char *err, size_t errlen);
void sf_audio_free (SfAudio *a);

/* loudness.c: integrated loudness (LUFS) and loudness range (LU). */
SfAnalyzeStatus sf_measure_loudness (const SfAudio *a, double *lufs,
                                     double *lra);

/* tempo.c: tempo in BPM (raw and folded) and onset count. */
SfAnalyzeStatus sf_measure_tempo (const SfAubio *A, const SfAudio *a,
                                  double *bpm_raw, double *bpm, int *onsets);

/* The chroma of each analysis frame, unit length (or all zero when the
** frame is silent), and their mean. */
typedef struct SfChromaFrames {
  float *frames;                 /* n * SF_CHROMA_BINS */
  size_t n;
  double mean[SF_CHROMA_BINS];
} SfChromaFrames;

/* spectrum.c: mean spectral centroid and the chroma frames. */
SfAnalyzeStatus sf_measure_spectrum (const SfAubio *A, const SfAudio *a,
                                     double *centroid_hz, SfChromaFrames *chroma);
void sf_chroma_free (SfChromaFrames *c);

/* similarity.c: cosine of the means, and the mean frame cosine along
** the best monotonic alignment of the two sequences. */
double sf_chroma_cosine (const double *a, const double *b);
SfAnalyzeStatus sf_chroma_aligned (const SfChromaFrames *a,
                                   const SfChromaFrames *b, double *out);

/* Fold a tempo into [70, 180) by octaves: the beat tracker often locks
** onto half or double the felt tempo. */
double sf_fold_bpm (double bpm);

#endif
