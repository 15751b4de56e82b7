/*
** sbx_audio.h -- audio checks for the sandbox conformance suite: an MP3
** frame walker, a RIFF/WAVE reader and a little DSP (pitch, spectral
** centroid, tempo). Independent of the server's synthesis code.
*/
#ifndef SBX_AUDIO_H
#define SBX_AUDIO_H

#include <stddef.h>

typedef struct SbxMp3 {
  long frames;             /* audio frames (a Xing/Info frame excluded) */
  int samplerate;
  int samples_per_frame;   /* 1152 for MPEG-1 Layer III */
  int mono;                /* channel mode 3 */
  int bitrate_first;       /* kbit/s of the first audio frame */
  int cbr;                 /* every audio frame has the same bitrate */
  int has_info;            /* first frame is a Xing/Info tag frame */
  int enc_delay;           /* from the LAME tag; -1 when absent */
  int enc_padding;
  size_t id3v2_len;
  double seconds;          /* frames * samples_per_frame / samplerate */
  double exact_seconds;    /* minus delay and padding; -1 without tag */
} SbxMp3;

/* Walk every frame header from the first byte to the last (an ID3v2 tag
** in front and an ID3v1/APE tag at the end are allowed). 0, or -1 with a
** message: no sync, bad header, garbage, a truncated last frame. */
int sbx_mp3_scan (const unsigned char *p, size_t n, SbxMp3 *m, char *err,
                  size_t errlen);

typedef struct SbxWav {
  int format;              /* 1 = PCM, 0xFFFE = extensible */
  int channels, rate, bits, block_align;
  long byte_rate;
  const unsigned char *data;
  size_t data_len;
  size_t frames;
  double seconds;
} SbxWav;

/* Parse a RIFF/WAVE file; checks the RIFF size and that the data chunk
** is complete. 0, or -1 with a message. */
int sbx_wav_parse (const unsigned char *p, size_t n, SbxWav *w, char *err,
                   size_t errlen);
/* 16-bit PCM to mono floats in [-1, 1] (malloc'd, *n frames). */
float *sbx_wav_mono (const SbxWav *w, size_t *n);

/* ---- DSP ---- */
double sbx_rms (const float *x, size_t n);
/* Energy-weighted mean spectral centroid in Hz. */
double sbx_centroid (const float *x, size_t n, int rate);
/* Tempo in BPM (60..200) from the autocorrelation of spectral flux. */
double sbx_tempo (const float *x, size_t n, int rate);
/* Fundamental of one frame by YIN in [fmin, fmax]; 0 when unvoiced. */
double sbx_yin (const float *x, size_t n, int rate, double fmin,
                double fmax);
/*
** MIDI note (rounded, A4 = 69) of the lowest voice in windows of 'win_s'
** every 'hop_s' seconds, -1 for silent or unpitched windows. Returns the
** number of windows written (at most 'max').
*/
size_t sbx_bass_notes (const float *x, size_t n, int rate, double win_s,
                       double hop_s, int *notes, size_t max);
/* Normalized correlation of a and b over n samples, best lag in
** [-maxlag, maxlag]. */
double sbx_corr (const float *a, const float *b, size_t n, int maxlag);

#endif
