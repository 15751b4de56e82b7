/*
** waveform.h -- the peaks of an audio file, for the report's SVG
** waveforms: MP3 (decoded with libmp3lame's hip decoder) or PCM WAV.
*/
#ifndef SF_WAVEFORM_H
#define SF_WAVEFORM_H

#include <stddef.h>

#define SF_WAVE_MAX_COLS 2000

typedef struct SfWaveform {
  int cols;                       /* columns filled (0: nothing decoded) */
  float peak[SF_WAVE_MAX_COLS];   /* max |sample| per column, 0..1 */
  float rms[SF_WAVE_MAX_COLS];    /* root mean square per column, 0..1 */
  double seconds;                 /* decoded length */
  int rate, channels;
} SfWaveform;

/* Decode 'path' (MP3, or WAV by its RIFF header) into 'cols' columns
** (at most SF_WAVE_MAX_COLS). 0, or -1 with a message in 'err'. */
int sf_waveform_compute (const char *path, int cols, SfWaveform *w,
                         char *err, size_t errlen);

#endif
