/*
** sbx_audio.c -- MP3/WAV structure checks and small DSP for the suite.
*/
#include "sbx_audio.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* ==== MP3 =============================================================== */

typedef struct FrameHdr {
  int version;             /* 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5 */
  int bitrate, rate, padding, mono, length, spf;
} FrameHdr;

static const int br_v1[16] = { 0, 32, 40, 48, 56, 64, 80, 96, 112, 128,
                               160, 192, 224, 256, 320, -1 };
static const int br_v2[16] = { 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96,
                               112, 128, 144, 160, -1 };
static const int sr_v1[4] = { 44100, 48000, 32000, -1 };

/* Decode a Layer III frame header at 'p'. 0 or -1. */
static int frame_header (const unsigned char *p, FrameHdr *h) {
  int bi, si;
  if (p[0] != 0xFF || (p[1] & 0xE0) != 0xE0)
    return -1;
  h->version = (p[1] >> 3) & 3;
  if (h->version == 1 || ((p[1] >> 1) & 3) != 1)
    return -1;                               /* reserved / not Layer III */
  bi = p[2] >> 4;
  si = (p[2] >> 2) & 3;
  if (si == 3 || bi == 0 || bi == 15)
    return -1;                               /* free format not expected */
  h->bitrate = h->version == 3 ? br_v1[bi] : br_v2[bi];
  h->rate = sr_v1[si] >> (h->version == 3 ? 0 : h->version == 2 ? 1 : 2);
  h->padding = (p[2] >> 1) & 1;
  h->mono = (p[3] >> 6) == 3;
  h->spf = h->version == 3 ? 1152 : 576;
  h->length = (h->version == 3 ? 144000 : 72000) * h->bitrate / h->rate
              + h->padding;
  return 0;
}

static uint32_t be32 (const unsigned char *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
         ((uint32_t)p[2] << 8) | p[3];
}

/* If the frame at 'p' is a Xing/Info tag, read the LAME delay/padding. */
static int info_frame (const unsigned char *p, const FrameHdr *h,
                       SbxMp3 *m) {
  int off = h->version == 3 ? (h->mono ? 21 : 36) : (h->mono ? 13 : 21);
  const unsigned char *x = p + off, *t;
  uint32_t flags;
  if (off + 8 > h->length ||
      (memcmp(x, "Xing", 4) != 0 && memcmp(x, "Info", 4) != 0))
    return 0;
  flags = be32(x + 4);
  t = x + 8 + ((flags & 1) ? 4 : 0) + ((flags & 2) ? 4 : 0) +
      ((flags & 4) ? 100 : 0) + ((flags & 8) ? 4 : 0);
  if (t + 24 <= p + h->length && t[0] == 'L') {
    m->enc_delay = (t[21] << 4) | (t[22] >> 4);
    m->enc_padding = ((t[22] & 0x0F) << 8) | t[23];
  }
  return 1;
}

static size_t id3v2_size (const unsigned char *p, size_t n) {
  if (n < 10 || memcmp(p, "ID3", 3) != 0)
    return 0;
  return 10 + (((size_t)p[6] & 0x7F) << 21 | ((size_t)p[7] & 0x7F) << 14 |
               ((size_t)p[8] & 0x7F) << 7 | ((size_t)p[9] & 0x7F)) +
         ((p[5] & 0x10) ? 10 : 0);
}

/* Bytes at the end that are a known trailing tag. */
static size_t trailer_size (const unsigned char *p, size_t n) {
  if (n >= 128 && memcmp(p + n - 128, "TAG", 3) == 0)
    return 128;
  return 0;
}

int sbx_mp3_scan (const unsigned char *p, size_t n, SbxMp3 *m, char *err,
                  size_t errlen) {
  size_t pos, end;
  long total = 0;
  memset(m, 0, sizeof(*m));
  m->enc_delay = m->enc_padding = -1;
  m->cbr = 1;
  m->exact_seconds = -1;
  pos = m->id3v2_len = id3v2_size(p, n);
  end = n - trailer_size(p, n);
  while (pos < end) {
    FrameHdr h;
    if (end - pos < 4 || frame_header(p + pos, &h) != 0) {
      snprintf(err, errlen, "no valid frame header at byte %zu of %zu "
               "(after %ld frames)", pos, n, total);
      return -1;
    }
    if (pos + (size_t)h.length > end) {
      snprintf(err, errlen, "last frame truncated: needs %d bytes at %zu, "
               "file has %zu", h.length, pos, n);
      return -1;
    }
    if (total == 0 && !m->has_info && info_frame(p + pos, &h, m)) {
      m->has_info = 1;
      pos += (size_t)h.length;
      continue;
    }
    if (m->frames == 0) {
      m->samplerate = h.rate;
      m->samples_per_frame = h.spf;
      m->mono = h.mono;
      m->bitrate_first = h.bitrate;
    } else if (h.rate != m->samplerate) {
      snprintf(err, errlen, "sample rate changes at frame %ld", total);
      return -1;
    }
    if (h.bitrate != m->bitrate_first)
      m->cbr = 0;
    m->frames++;
    total++;
    pos += (size_t)h.length;
  }
  if (m->frames == 0) {
    snprintf(err, errlen, "no audio frames in %zu bytes", n);
    return -1;
  }
  m->seconds = (double)m->frames * m->samples_per_frame / m->samplerate;
  if (m->enc_delay >= 0)
    m->exact_seconds = ((double)m->frames * m->samples_per_frame -
                        m->enc_delay - m->enc_padding) / m->samplerate;
  return 0;
}

/* ==== WAV =============================================================== */

static uint32_t le32 (const unsigned char *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
         ((uint32_t)p[3] << 24);
}

static int le16 (const unsigned char *p) {
  return p[0] | (p[1] << 8);
}

static void wav_fmt (const unsigned char *c, SbxWav *w) {
  w->format = le16(c);
  w->channels = le16(c + 2);
  w->rate = (int)le32(c + 4);
  w->byte_rate = (long)le32(c + 8);
  w->block_align = le16(c + 12);
  w->bits = le16(c + 14);
}

int sbx_wav_parse (const unsigned char *p, size_t n, SbxWav *w, char *err,
                   size_t errlen) {
  size_t pos = 12;
  int have_fmt = 0;
  memset(w, 0, sizeof(*w));
  if (n < 12 || memcmp(p, "RIFF", 4) != 0 || memcmp(p + 8, "WAVE", 4)) {
    snprintf(err, errlen, "not RIFF/WAVE");
    return -1;
  }
  if (le32(p + 4) != n - 8) {
    snprintf(err, errlen, "RIFF size %u, file %zu bytes (want size+8)",
             le32(p + 4), n);
    return -1;
  }
  while (pos + 8 <= n) {
    size_t sz = le32(p + pos + 4);
    if (memcmp(p + pos, "fmt ", 4) == 0 && sz >= 16 && pos + 8 + sz <= n) {
      wav_fmt(p + pos + 8, w);
      have_fmt = 1;
    } else if (memcmp(p + pos, "data", 4) == 0) {
      if (!have_fmt || pos + 8 + sz > n || w->block_align <= 0) {
        snprintf(err, errlen, "data chunk before fmt or truncated "
                 "(%zu bytes at %zu, file %zu)", sz, pos, n);
        return -1;
      }
      w->data = p + pos + 8;
      w->data_len = sz;
      w->frames = sz / (size_t)w->block_align;
      w->seconds = w->rate > 0 ? (double)w->frames / w->rate : 0;
      return 0;
    }
    pos += 8 + sz + (sz & 1);
  }
  snprintf(err, errlen, "no data chunk");
  return -1;
}

float *sbx_wav_mono (const SbxWav *w, size_t *n) {
  float *x;
  size_t i;
  int c;
  *n = 0;
  if (w->bits != 16 || w->channels < 1 || w->frames == 0)
    return NULL;
  x = malloc(w->frames * sizeof(*x));
  if (x == NULL)
    return NULL;
  for (i = 0; i < w->frames; i++) {
    const unsigned char *f = w->data + i * (size_t)w->block_align;
    double acc = 0;
    for (c = 0; c < w->channels; c++)
      acc += (int16_t)le16(f + 2 * c);
    x[i] = (float)(acc / w->channels / 32768.0);
  }
  *n = w->frames;
  return x;
}

/* ==== DSP =============================================================== */

double sbx_rms (const float *x, size_t n) {
  double acc = 0;
  size_t i;
  for (i = 0; i < n; i++)
    acc += (double)x[i] * x[i];
  return n ? sqrt(acc / n) : 0;
}

/* In-place iterative radix-2 FFT; n a power of two. */
static void fft (double *re, double *im, size_t n) {
  size_t i, j, len;
  for (i = 1, j = 0; i < n; i++) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1)
      j ^= bit;
    j |= bit;
    if (i < j) {
      double t = re[i]; re[i] = re[j]; re[j] = t;
      t = im[i]; im[i] = im[j]; im[j] = t;
    }
  }
  for (len = 2; len <= n; len <<= 1) {
    double a = -2 * M_PI / (double)len, cr = cos(a), ci = sin(a);
    double wr = 1, wi = 0;
    for (j = 0; j < len / 2; j++) {           /* w = e^(i a j) */
      double t;
      for (i = j; i < n; i += len) {
        size_t k = i + len / 2;
        double xr = re[k] * wr - im[k] * wi, xi = re[k] * wi + im[k] * wr;
        re[k] = re[i] - xr;
        im[k] = im[i] - xi;
        re[i] += xr;
        im[i] += xi;
      }
      t = wr * cr - wi * ci;
      wi = wr * ci + wi * cr;
      wr = t;
    }
  }
}

/* Magnitude spectrum (n/2 bins) of a Hann-windowed frame. */
static void frame_spectrum (const float *x, size_t n, double *mag) {
  double *re = calloc(n, sizeof(double)), *im = calloc(n, sizeof(double));
  size_t i;
  for (i = 0; i < n; i++)
    re[i] = x[i] * (0.5 - 0.5 * cos(2 * M_PI * (double)i / (double)n));
  fft(re, im, n);
  for (i = 0; i < n / 2; i++)
    mag[i] = sqrt(re[i] * re[i] + im[i] * im[i]);
  free(re);
  free(im);
}

double sbx_centroid (const float *x, size_t n, int rate) {
  enum { N = 2048 };
  double mag[N / 2], num = 0, den = 0;
  size_t pos, k;
  for (pos = 0; pos + N <= n; pos += N) {
    frame_spectrum(x + pos, N, mag);
    for (k = 1; k < N / 2; k++) {
      num += (double)k * rate / N * mag[k];
      den += mag[k];
    }
  }
  return den > 0 ? num / den : 0;
}

/* Onset strength per 10 ms hop: positive log-spectral flux. */
static double *onset_envelope (const float *x, size_t n, int rate,
                               size_t *frames) {
  enum { N = 1024 };
  size_t hop = (size_t)rate / 100, t, k, m;
  double prev[N / 2] = {0}, mag[N / 2], *env;
  m = n > N ? (n - N) / hop : 0;
  env = calloc(m + 1, sizeof(double));
  for (t = 0; t < m; t++) {
    double flux = 0;
    frame_spectrum(x + t * hop, N, mag);
    for (k = 1; k < N / 2; k++) {
      double v = log1p(100 * mag[k]);
      if (v > prev[k])
        flux += v - prev[k];
      prev[k] = v;
    }
    env[t] = t > 0 ? flux : 0;
  }
  *frames = m;
  return env;
}

double sbx_tempo (const float *x, size_t n, int rate) {
  size_t m, t, lag, best = 0;
  double *env = onset_envelope(x, n, rate, &m), mean = 0, bestv = -1e300;
  double ac[102] = {0};
  for (t = 0; t < m; t++)
    mean += env[t];
  mean = m ? mean / m : 0;
  for (t = 0; t < m; t++)
    env[t] = env[t] > mean ? env[t] - mean : 0;
  for (lag = 29; lag <= 101; lag++) {       /* 60..200 BPM at 100 Hz */
    for (t = 0; t + lag < m; t++)
      ac[lag] += env[t] * env[t + lag];
    ac[lag] /= (double)(m - lag);
  }
  for (lag = 30; lag <= 100; lag++)
    if (ac[lag] > bestv) {
      bestv = ac[lag];
      best = lag;
    }
  free(env);
  {
    double a = ac[best - 1], b = ac[best], c = ac[best + 1];
    double d = a - 2 * b + c, shift = d != 0 ? 0.5 * (a - c) / d : 0;
    return 6000.0 / ((double)best + shift);
  }
}

double sbx_yin (const float *x, size_t n, int rate, double fmin,
                double fmax) {
  size_t tmax = (size_t)(rate / fmin), tmin = (size_t)(rate / fmax);
  size_t w, tau, j, best = 0;
  double *d, run = 0, f0 = 0;
  if (n <= tmax + 16)
    return 0;
  w = n - tmax - 1;
  d = calloc(tmax + 2, sizeof(double));
  d[0] = 1;
  for (tau = 1; tau <= tmax + 1; tau++) {
    double acc = 0;
    for (j = 0; j < w; j++) {
      double diff = (double)x[j] - x[j + tau];
      acc += diff * diff;
    }
    run += acc;
    d[tau] = run > 0 ? acc * (double)tau / run : 1;
  }
  for (tau = tmin > 1 ? tmin : 2; tau <= tmax; tau++)
    if (d[tau] < 0.2) {
      while (tau + 1 <= tmax && d[tau + 1] < d[tau])
        tau++;
      best = tau;
      break;
    }
  if (best > 0) {
    double a = d[best - 1], b = d[best], c = d[best + 1];
    double den = a - 2 * b + c, shift = den != 0 ? 0.5 * (a - c) / den : 0;
    f0 = rate / ((double)best + shift);
  }
  free(d);
  return f0;
}

/* Low-pass (two one-pole stages at ~600 Hz) and keep every 4th sample. */
static float *bass_decimate (const float *x, size_t n, int rate,
                             size_t *out_n) {
  double a = exp(-2 * M_PI * 600.0 / rate), y1 = 0, y2 = 0;
  size_t i, k = 0;
  float *o = malloc((n / 4 + 1) * sizeof(float));
  for (i = 0; i < n; i++) {
    y1 = (1 - a) * x[i] + a * y1;
    y2 = (1 - a) * y1 + a * y2;
    if (i % 4 == 0)
      o[k++] = (float)y2;
  }
  *out_n = k;
  return o;
}

static int cmp_double (const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

size_t sbx_bass_notes (const float *x, size_t n, int rate, double win_s,
                       double hop_s, int *notes, size_t max) {
  size_t dn, i, count, win, hop;
  float *d = bass_decimate(x, n, rate, &dn);
  double *rms, *sorted, gate;
  int drate = rate / 4;
  win = (size_t)(win_s * drate);
  hop = (size_t)(hop_s * drate);
  count = dn > win ? (dn - win) / hop + 1 : 0;
  if (count > max)
    count = max;
  rms = malloc((count + 1) * sizeof(double));
  sorted = malloc((count + 1) * sizeof(double));
  for (i = 0; i < count; i++)
    sorted[i] = rms[i] = sbx_rms(d + i * hop, win);
  qsort(sorted, count, sizeof(double), cmp_double);
  gate = count ? 0.15 * sorted[(size_t)(count * 0.9)] : 0;
  for (i = 0; i < count; i++) {
    double f0 = rms[i] > gate && rms[i] > 1e-4
                ? sbx_yin(d + i * hop, win, drate, 35.0, 500.0) : 0;
    notes[i] = f0 > 0 ? (int)lround(69 + 12 * log2(f0 / 440.0)) : -1;
  }
  free(rms);
  free(sorted);
  free(d);
  return count;
}

double sbx_corr (const float *a, const float *b, size_t n, int maxlag) {
  double best = -1;
  int lag;
  for (lag = -maxlag; lag <= maxlag; lag++) {
    double ab = 0, aa = 0, bb = 0;
    size_t i, start = lag < 0 ? (size_t)-lag : 0;
    for (i = start; i < n && (size_t)((long)i + lag) < n; i++) {
      double u = a[i], v = b[(long)i + lag];
      ab += u * v;
      aa += u * u;
      bb += v * v;
    }
    if (aa > 0 && bb > 0 && ab / sqrt(aa * bb) > best)
      best = ab / sqrt(aa * bb);
  }
  return best;
}
