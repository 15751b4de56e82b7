/*
** loudness.c -- EBU R 128 integrated loudness and loudness range, by
** libebur128 (the meter ffmpeg's ebur128 filter and loudnorm agree with).
*/
#include <ebur128.h>
#include "analyze_internal.h"

/* Frames handed to the meter at once: the whole file in one call would
** work too, but the meter copies into its own buffer chunk by chunk. */
#define SF_LOUDNESS_CHUNK 16384

SfAnalyzeStatus sf_measure_loudness (const SfAudio *a, double *lufs,
                                     double *lra) {
  ebur128_state *m;
  size_t done = 0;
  int ok;
  m = ebur128_init((unsigned)a->channels, (unsigned long)a->rate,
                   EBUR128_MODE_I | EBUR128_MODE_LRA);
  if (m == NULL)
    return SF_ANALYZE_MEMORY;
  while (done < a->frames) {
    size_t n = a->frames - done;
    if (n > SF_LOUDNESS_CHUNK)
      n = SF_LOUDNESS_CHUNK;
    if (ebur128_add_frames_float(m, a->samples + done * a->channels, n)
        != EBUR128_SUCCESS) {
      ebur128_destroy(&m);
      return SF_ANALYZE_MEMORY;
    }
    done += n;
  }
  ok = ebur128_loudness_global(m, lufs) == EBUR128_SUCCESS &&
       ebur128_loudness_range(m, lra) == EBUR128_SUCCESS;
  ebur128_destroy(&m);
  return ok ? SF_ANALYZE_OK : SF_ANALYZE_MEMORY;
}
