/*
** analyze.h -- audio measures of one file: loudness, tempo, onsets,
** brightness and harmony, and how much of a reference's harmony it keeps.
**
** The numbers come from established libraries, not from meters of our
** own: libebur128 (EBU R 128 loudness), aubio (tempo, onsets, phase
** vocoder); libmpg123 decodes MP3. docs/analyze.md says what each measure
** means and where it stops being trustworthy.
*/
#ifndef SF_ANALYZE_H
#define SF_ANALYZE_H

#include <stddef.h>

#define SF_CHROMA_BINS 12        /* pitch classes C, C#, ..., B */

/* Why an analysis failed: decides the exit code and the Lua error kind. */
typedef enum SfAnalyzeStatus {
  SF_ANALYZE_OK = 0,
  SF_ANALYZE_IO = 1,             /* missing or unreadable file */
  SF_ANALYZE_FORMAT = 2,         /* not audio, unsupported or damaged */
  SF_ANALYZE_MEMORY = 3,         /* out of memory */
  SF_ANALYZE_LIBRARY = 4         /* aubio is not installed */
} SfAnalyzeStatus;

typedef struct SfAnalysis {
  double duration;               /* seconds of decoded audio */
  int sample_rate;               /* Hz */
  int channels;
  double lufs;                   /* integrated loudness (EBU R 128), LUFS;
                                    -HUGE_VAL for silence */
  double lra;                    /* loudness range, LU */
  double bpm;                    /* tempo, folded into [70, 180) */
  double bpm_raw;                /* aubio's estimate before folding */
  int onsets;                    /* onsets detected */
  double onset_rate;             /* onsets per second */
  double centroid_hz;            /* mean spectral centroid, Hz */
  double chroma[SF_CHROMA_BINS]; /* mean chroma, unit length (L2) */
  int has_ref;                   /* 1: the two fields below are set */
  double chroma_cosine;          /* cosine of the mean chromas, 0..1 */
  double chroma_aligned;         /* mean per-frame cosine along the best
                                    time alignment (DTW), 0..1 */
} SfAnalysis;

/*
** Analyze the audio file 'path' (MP3, or WAV PCM 16-bit); with 'ref_path'
** not NULL also compare its chroma with that file's. Fills *out and
** returns SF_ANALYZE_OK, or another status with a one-line message in
** 'err' (naming the file at fault).
*/
SfAnalyzeStatus sf_analyze_file (const char *path, const char *ref_path,
                                 SfAnalysis *out, char *err, size_t errlen);

/* The `sonicflow analyze` command (analyze_cli.c); returns the exit code. */
int sf_cmd_analyze (int argc, char **argv);

#endif
