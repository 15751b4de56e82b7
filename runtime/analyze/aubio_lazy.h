/*
** aubio_lazy.h -- aubio, loaded the first time a measure needs it.
**
** libaubio links ffmpeg, jack, libsndfile and ~130 other libraries.
** Linked directly, every `sonicflow` start and every `require "sonic"`
** loaded them all (90 ms, against 9 ms without): a cost paid by every run
** for the one command that measures audio. dlopen on first use moves it
** to `analyze`, and the .deb still depends on libaubio5 (package.cmake).
*/
#ifndef SF_AUBIO_LAZY_H
#define SF_AUBIO_LAZY_H

#include <stddef.h>
#include <aubio/aubio.h>

/* The functions runtime/analyze calls, typed from aubio's own header. */
typedef struct SfAubio {
  __typeof__(new_fvec) *new_fvec;
  __typeof__(del_fvec) *del_fvec;
  __typeof__(new_cvec) *new_cvec;
  __typeof__(del_cvec) *del_cvec;
  __typeof__(new_aubio_pvoc) *new_pvoc;
  __typeof__(aubio_pvoc_do) *pvoc_do;
  __typeof__(del_aubio_pvoc) *del_pvoc;
  __typeof__(new_aubio_tempo) *new_tempo;
  __typeof__(aubio_tempo_do) *tempo_do;
  __typeof__(aubio_tempo_get_bpm) *tempo_get_bpm;
  __typeof__(del_aubio_tempo) *del_tempo;
  __typeof__(new_aubio_onset) *new_onset;
  __typeof__(aubio_onset_do) *onset_do;
  __typeof__(del_aubio_onset) *del_onset;
} SfAubio;

/* aubio's functions, loading the library on the first call (thread-safe).
** NULL when it cannot be loaded, with a one-line reason in 'err'. The
** library stays loaded until exit: ffmpeg's globals live as long. */
const SfAubio *sf_aubio (char *err, size_t errlen);

#endif
