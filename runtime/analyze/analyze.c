/*
** analyze.c -- sf_analyze_file: decode once, run every measure on the
** same frames, and compare with the reference when there is one.
*/
#include <stdio.h>
#include <string.h>
#include "analyze_internal.h"

/* Decode 'path' and take its measures; *chroma keeps the frames for the
** similarity (the caller frees them). */
static SfAnalyzeStatus measure (const char *path, SfAnalysis *out,
                                SfChromaFrames *chroma, char *err,
                                size_t errlen) {
  const SfAubio *aubio = sf_aubio(err, errlen);
  SfAudio a;
  SfAnalyzeStatus st;
  int i;
  if (aubio == NULL)
    return SF_ANALYZE_LIBRARY;
  st = sf_audio_decode(path, &a, err, errlen);
  if (st != SF_ANALYZE_OK)
    return st;
  out->duration = (double)a.frames / a.rate;
  out->sample_rate = a.rate;
  out->channels = a.channels;
  st = sf_measure_loudness(&a, &out->lufs, &out->lra);
  if (st == SF_ANALYZE_OK)
    st = sf_measure_tempo(aubio, &a, &out->bpm_raw, &out->bpm, &out->onsets);
  if (st == SF_ANALYZE_OK)
    st = sf_measure_spectrum(aubio, &a, &out->centroid_hz, chroma);
  sf_audio_free(&a);
  if (st != SF_ANALYZE_OK) {
    snprintf(err, errlen, "%s: out of memory", path);
    return st;
  }
  out->onset_rate = out->duration > 0 ? out->onsets / out->duration : 0;
  for (i = 0; i < SF_CHROMA_BINS; i++)
    out->chroma[i] = chroma->mean[i];
  return SF_ANALYZE_OK;
}

SfAnalyzeStatus sf_analyze_file (const char *path, const char *ref_path,
                                 SfAnalysis *out, char *err, size_t errlen) {
  SfChromaFrames mine, theirs;
  SfAnalysis ref;
  SfAnalyzeStatus st;
  memset(out, 0, sizeof(*out));
  memset(&mine, 0, sizeof(mine));
  memset(&theirs, 0, sizeof(theirs));
  if (errlen > 0)
    err[0] = '\0';
  st = measure(path, out, &mine, err, errlen);
  if (st == SF_ANALYZE_OK && ref_path != NULL) {
    memset(&ref, 0, sizeof(ref));
    st = measure(ref_path, &ref, &theirs, err, errlen);
    if (st != SF_ANALYZE_OK) {
      char why[512];               /* say it was the reference that failed */
      snprintf(why, sizeof(why), "%s", err);
      snprintf(err, errlen, "reference %s", why);
    } else {
      out->has_ref = 1;
      out->chroma_cosine = sf_chroma_cosine(out->chroma, ref.chroma);
      st = sf_chroma_aligned(&mine, &theirs, &out->chroma_aligned);
      if (st != SF_ANALYZE_OK)
        snprintf(err, errlen, "%s: out of memory", path);
    }
  }
  sf_chroma_free(&mine);
  sf_chroma_free(&theirs);
  return st;
}
