/*
** waveform.c -- the peaks of an audio file (see waveform.h).
**
** The file is streamed, never held whole: samples are folded into small
** blocks (max and sum of squares per block of frames) as they are decoded,
** and the blocks are folded into columns at the end, because the length
** of an MP3 is only known once it has been decoded.
*/
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lame/lame.h>
#include "waveform.h"

#define MAX_BLOCKS 8192          /* >= 4 x SF_WAVE_MAX_COLS */

/* Blocks of 'block' frames; when they are all used, neighbours are
** merged and the block size doubles, so memory stays fixed however long
** the file is, and there are always between MAX_BLOCKS/2 and MAX_BLOCKS
** blocks (for any file longer than that many frames) to fold into
** columns. */
typedef struct Acc {
  float max[MAX_BLOCKS];
  double sq[MAX_BLOCKS];          /* sum of squares */
  long n[MAX_BLOCKS];             /* frames */
  size_t nblocks;
  long block;                     /* frames per block, a power of two */
  long long frames;
} Acc;

/* ------------------------------------------------------- accumulation */

static void acc_halve (Acc *a) {
  size_t i;
  for (i = 0; i < a->nblocks / 2; i++) {
    a->max[i] = a->max[2 * i] > a->max[2 * i + 1] ? a->max[2 * i]
                                                  : a->max[2 * i + 1];
    a->sq[i] = a->sq[2 * i] + a->sq[2 * i + 1];
    a->n[i] = a->n[2 * i] + a->n[2 * i + 1];
  }
  a->nblocks /= 2;
  a->block *= 2;
}

/* One frame, already mixed to one value in -1..1. */
static void acc_add (Acc *a, float v) {
  size_t b;
  if (a->nblocks == 0 || a->n[a->nblocks - 1] == a->block) {
    if (a->nblocks == MAX_BLOCKS)
      acc_halve(a);
    b = a->nblocks++;
    a->max[b] = 0;
    a->sq[b] = 0;
    a->n[b] = 0;
  }
  b = a->nblocks - 1;
  if (fabsf(v) > a->max[b])
    a->max[b] = fabsf(v);
  a->sq[b] += (double)v * v;
  a->n[b]++;
  a->frames++;
}

/* Fold the blocks into 'cols' columns of 'w'. */
static void acc_finish (const Acc *a, int cols, SfWaveform *w) {
  size_t c, b;
  if (cols > (int)a->nblocks)
    cols = (int)a->nblocks;
  for (c = 0; c < (size_t)cols; c++) {
    size_t from = c * a->nblocks / cols, to = (c + 1) * a->nblocks / cols;
    float mx = 0;
    double sq = 0;
    long n = 0;
    if (to <= from)
      to = from + 1;
    for (b = from; b < to; b++) {
      if (a->max[b] > mx)
        mx = a->max[b];
      sq += a->sq[b];
      n += a->n[b];
    }
    w->peak[c] = mx > 1 ? 1 : mx;
    w->rms[c] = n ? (float)sqrt(sq / (double)n) : 0;
    if (w->rms[c] > 1)
      w->rms[c] = 1;
  }
  w->cols = cols;
}

/* ---------------------------------------------------------------- MP3 */

static void hip_quiet (const char *fmt, va_list ap) {
  (void)fmt;
  (void)ap;
}

/* Skip an ID3v2 tag: the decoder would otherwise hunt for frame syncs
** inside it (and may find false ones in embedded pictures). */
static void skip_id3v2 (FILE *f) {
  unsigned char h[10];
  long size;
  if (fread(h, 1, 10, f) == 10 && memcmp(h, "ID3", 3) == 0 &&
      !((h[6] | h[7] | h[8] | h[9]) & 0x80)) {
    size = ((long)h[6] << 21) | ((long)h[7] << 14) | ((long)h[8] << 7) | h[9];
    fseek(f, 10 + size + ((h[5] & 0x10) ? 10 : 0), SEEK_SET);
  } else {
    rewind(f);
  }
}

/* Mix one decoded MP3 frame into the accumulator. */
static void mp3_take (Acc *a, const short *l, const short *r, int n,
                      int stereo) {
  int i;
  for (i = 0; i < n; i++)
    acc_add(a, stereo ? ((float)l[i] + r[i]) / 65536.0f : l[i] / 32768.0f);
}

static int decode_mp3 (FILE *f, Acc *a, SfWaveform *w) {
  short l[4608], r[4608];         /* hip_decode1: at most one frame */
  unsigned char in[128];          /* fed in small pieces: given several
                                     frames at once, hip_decode1 drops
                                     some of them (seen with lame 3.100) */
  mp3data_struct md;
  hip_t hip = hip_decode_init();
  size_t got;
  int n, bad = 0;
  if (hip == NULL)
    return -1;
  hip_set_errorf(hip, hip_quiet);
  hip_set_debugf(hip, hip_quiet);
  hip_set_msgf(hip, hip_quiet);
  memset(&md, 0, sizeof(md));
  skip_id3v2(f);
  while ((got = fread(in, 1, sizeof(in), f)) > 0) {
    n = hip_decode1_headers(hip, in, got, l, r, &md);
    while (n > 0) {   /* drain the frames it has buffered */
      mp3_take(a, l, r, n, md.stereo == 2);
      n = hip_decode1_headers(hip, in, 0, l, r, &md);
    }
    if (n < 0 && ++bad > 16)       /* a few bad frames are tolerated */
      break;
  }
  hip_decode_exit(hip);
  w->rate = md.header_parsed ? md.samplerate : 0;
  w->channels = md.header_parsed ? md.stereo : 0;
  return md.header_parsed && w->rate > 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- WAV */

static uint32_t le32 (const unsigned char *p) {
  return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
         (uint32_t)p[3] << 24;
}

static unsigned le16 (const unsigned char *p) {
  return p[0] | (unsigned)p[1] << 8;
}

typedef struct WavFmt {
  unsigned tag, channels, bits;
  uint32_t rate;
} WavFmt;

/* One sample of 'bits' at 'p' as -1..1. */
static float wav_sample (const unsigned char *p, const WavFmt *fm) {
  switch (fm->bits) {
    case 8:  return (p[0] - 128) / 128.0f;
    case 16: return (int16_t)le16(p) / 32768.0f;
    case 24: return (float)((int32_t)(le32(p) << 8) >> 8) / 8388608.0f;
    default: {
      uint32_t u = le32(p);
      float v;
      if (fm->tag != 3)
        return (int32_t)u / 2147483648.0f;
      memcpy(&v, &u, sizeof(v));
      return isfinite(v) ? v : 0;
    }
  }
}

/* Stream 'size' bytes of interleaved PCM into the accumulator. */
static void wav_data (FILE *f, uint32_t size, const WavFmt *fm, Acc *a) {
  unsigned char buf[16384];
  size_t frame = (size_t)fm->channels * (fm->bits / 8), keep = 0, got;
  size_t usable = sizeof(buf) - sizeof(buf) % frame;
  while (size > 0) {
    size_t want = usable - keep, have, off;
    if (want > size)
      want = size;
    if ((got = fread(buf + keep, 1, want, f)) == 0)
      break;
    size -= (uint32_t)got;
    have = keep + got;
    for (off = 0; off + frame <= have; off += frame) {
      float sum = 0;
      unsigned ch;
      for (ch = 0; ch < fm->channels; ch++)
        sum += wav_sample(buf + off + ch * (fm->bits / 8), fm);
      acc_add(a, sum / fm->channels);
    }
    keep = have - off;                 /* a frame cut by the buffer end */
    memmove(buf, buf + off, keep);
  }
}

/* Read the "fmt " chunk; 0 if it is PCM we can read. */
static int wav_fmt (FILE *f, uint32_t size, WavFmt *fm) {
  unsigned char b[40];
  if (size < 16 || fread(b, 1, size < 40 ? size : 40, f) < 16)
    return -1;
  fm->tag = le16(b);
  fm->channels = le16(b + 2);
  fm->rate = le32(b + 4);
  fm->bits = le16(b + 14);
  if (fm->tag == 0xFFFE && size >= 26)     /* WAVE_FORMAT_EXTENSIBLE */
    fm->tag = le16(b + 24);
  if (size > 40)
    fseek(f, (long)(size - 40), SEEK_CUR);
  if ((fm->tag != 1 && fm->tag != 3) || fm->channels == 0 ||
      fm->channels > 32 || fm->rate == 0 ||
      (fm->bits != 8 && fm->bits != 16 && fm->bits != 24 && fm->bits != 32))
    return -1;
  return fm->tag == 3 && fm->bits != 32 ? -1 : 0;
}

static int decode_wav (FILE *f, Acc *a, SfWaveform *w) {
  unsigned char h[12], c[8];
  WavFmt fm;
  int have_fmt = 0;
  memset(&fm, 0, sizeof(fm));
  if (fread(h, 1, 12, f) != 12 || memcmp(h + 8, "WAVE", 4) != 0)
    return -1;
  while (fread(c, 1, 8, f) == 8) {
    uint32_t size = le32(c + 4);
    if (memcmp(c, "fmt ", 4) == 0) {
      if (wav_fmt(f, size, &fm) != 0)
        return -1;
      have_fmt = 1;
    } else if (memcmp(c, "data", 4) == 0) {
      if (!have_fmt)
        return -1;
      wav_data(f, size, &fm, a);
      w->rate = (int)fm.rate;
      w->channels = (int)fm.channels;
      return 0;
    } else if (fseek(f, (long)size + (size & 1), SEEK_CUR) != 0) {
      return -1;
    }
    if (size & 1)
      fseek(f, 1, SEEK_CUR);
  }
  return -1;
}

/* ---------------------------------------------------------------- API */

static int is_riff (FILE *f) {
  unsigned char h[4];
  int yes = fread(h, 1, 4, f) == 4 && memcmp(h, "RIFF", 4) == 0;
  rewind(f);
  return yes;
}

int sf_waveform_compute (const char *path, int cols, SfWaveform *w,
                         char *err, size_t errlen) {
  Acc *a = calloc(1, sizeof(*a));       /* ~128 KB: not on the stack */
  FILE *f = fopen(path, "rb");
  int rc;
  memset(w, 0, sizeof(*w));
  if (f == NULL || a == NULL) {
    if (f != NULL)
      fclose(f);
    free(a);
    snprintf(err, errlen, "cannot open '%s'", path);
    return -1;
  }
  if (cols < 1 || cols > SF_WAVE_MAX_COLS)
    cols = SF_WAVE_MAX_COLS;
  a->block = 1;
  rc = is_riff(f) ? decode_wav(f, a, w) : decode_mp3(f, a, w);
  fclose(f);
  if (rc == 0 && a->frames > 0) {
    acc_finish(a, cols, w);
    w->seconds = (double)a->frames / w->rate;
  } else {
    snprintf(err, errlen, "'%s' is not audio we can decode (MP3 or PCM WAV)",
             path);
    rc = -1;
  }
  free(a);
  return rc;
}
