/*
** decode.c -- audio files into float frames: WAV (PCM 16-bit, parsed
** here: the format is a few chunks) and MP3 (libmpg123).
**
** The format is chosen by the file's first bytes, never by its name: a
** text file renamed .mp3 must be "not audio", and mpg123 alone would scan
** any bytes for something that looks like a frame sync.
*/
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <mpg123.h>
#include "analyze_internal.h"

#define SF_MAX_CHANNELS 8

void sf_audio_free (SfAudio *a) {
  free(a->samples);
  free(a->mono);
  memset(a, 0, sizeof(*a));
}

static uint32_t le32 (const unsigned char *p) {
  return p[0] | (p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static uint16_t le16 (const unsigned char *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}

/* The channels' mean, for the measures that look at one signal. */
static SfAnalyzeStatus make_mono (SfAudio *a) {
  size_t i;
  int c;
  a->mono = malloc((a->frames ? a->frames : 1) * sizeof(float));
  if (a->mono == NULL)
    return SF_ANALYZE_MEMORY;
  for (i = 0; i < a->frames; i++) {
    float s = 0;
    for (c = 0; c < a->channels; c++)
      s += a->samples[i * a->channels + c];
    a->mono[i] = s / a->channels;
  }
  return SF_ANALYZE_OK;
}

/* Read a RIFF/WAVE file: walk the chunks to 'fmt ' and 'data'. A data
** chunk longer than the file (a truncated download) is read as far as it
** goes. */
static SfAnalyzeStatus decode_wav (FILE *f, const char *path, SfAudio *a,
                                   char *err, size_t errlen) {
  unsigned char h[16];
  int have_fmt = 0;
  int16_t *pcm;
  size_t want, got, i;
  if (fseek(f, 12, SEEK_SET) != 0)
    goto damaged;
  for (;;) {
    uint32_t id, size;
    if (fread(h, 1, 8, f) != 8)
      goto damaged;
    id = le32(h), size = le32(h + 4);
    if (memcmp(h, "fmt ", 4) == 0) {
      unsigned format, bits;
      if (size < 16 || fread(h, 1, 16, f) != 16)
        goto damaged;
      format = le16(h), bits = le16(h + 14);
      a->channels = le16(h + 2);
      a->rate = (int)le32(h + 4);
      /* 0xFFFE is WAVE_FORMAT_EXTENSIBLE; its subformat is not checked,
      ** but 16 bits there is PCM in every file seen in practice */
      if ((format != 1 && format != 0xFFFE) || bits != 16) {
        snprintf(err, errlen, "%s: unsupported WAV format (format %u, %u "
                 "bits; only PCM 16-bit is read)", path, format, bits);
        return SF_ANALYZE_FORMAT;
      }
      if (a->channels < 1 || a->channels > SF_MAX_CHANNELS ||
          a->rate < 8000 || a->rate > 384000)
        goto damaged;
      have_fmt = 1;
      if (fseek(f, (long)(size - 16 + (size & 1)), SEEK_CUR) != 0)
        goto damaged;
    } else if (memcmp(h, "data", 4) == 0) {
      if (!have_fmt)
        goto damaged;
      break;
    } else if (fseek(f, (long)size + (size & 1), SEEK_CUR) != 0) {
      goto damaged;
    }
    (void)id;
  }
  /* the data chunk's size may lie (streamed or truncated files): read
  ** what is there, up to the size it claims */
  {
    long here = ftell(f);
    uint32_t claimed = le32(h + 4);
    if (fseek(f, 0, SEEK_END) != 0)
      goto damaged;
    want = (size_t)(ftell(f) - here);
    if (claimed < want)
      want = claimed;
    fseek(f, here, SEEK_SET);
  }
  want /= 2 * (size_t)a->channels;
  if (want == 0) {
    snprintf(err, errlen, "%s: WAV file with no audio frames", path);
    return SF_ANALYZE_FORMAT;
  }
  pcm = malloc(want * a->channels * sizeof(int16_t));
  a->samples = malloc(want * a->channels * sizeof(float));
  if (pcm == NULL || a->samples == NULL) {
    free(pcm);
    return SF_ANALYZE_MEMORY;
  }
  got = fread(pcm, 2 * (size_t)a->channels, want, f);
  for (i = 0; i < got * a->channels; i++) {   /* little-endian on disk */
    const unsigned char *p = (const unsigned char *)&pcm[i];
    a->samples[i] = (int16_t)le16(p) / 32768.0f;
  }
  free(pcm);
  a->frames = got;
  return make_mono(a);
damaged:
  snprintf(err, errlen, "%s: damaged WAV file (no readable fmt/data "
           "chunks)", path);
  return SF_ANALYZE_FORMAT;
}

/* Append 'n' decoded floats to a->samples (a growing buffer). */
static int append (SfAudio *a, size_t *cap, const float *s, size_t n) {
  size_t have = a->frames * a->channels;
  if (have + n > *cap) {
    size_t c = *cap ? *cap : 1 << 16;
    float *p;
    while (c < have + n)
      c *= 2;
    if ((p = realloc(a->samples, c * sizeof(float))) == NULL)
      return -1;
    a->samples = p, *cap = c;
  }
  memcpy(a->samples + have, s, n * sizeof(float));
  a->frames += n / a->channels;
  return 0;
}

/* Decode an MP3 with libmpg123, asking it for float output at the file's
** own rate and channel count. */
static SfAnalyzeStatus decode_mp3 (const char *path, SfAudio *a,
                                   char *err, size_t errlen) {
  mpg123_handle *mh;
  unsigned char buf[32768];
  size_t cap = 0, done;
  long rate;
  int channels, encoding, rc, e;
  SfAnalyzeStatus st = SF_ANALYZE_FORMAT;
  if ((mh = mpg123_new(NULL, &e)) == NULL)
    return SF_ANALYZE_MEMORY;
  mpg123_param(mh, MPG123_ADD_FLAGS, MPG123_QUIET, 0);
  mpg123_format_none(mh);
  {
    const long *rates;
    size_t nrates, i;
    mpg123_rates(&rates, &nrates);
    for (i = 0; i < nrates; i++)
      mpg123_format(mh, rates[i], MPG123_MONO | MPG123_STEREO,
                    MPG123_ENC_FLOAT_32);
  }
  if (mpg123_open(mh, path) != MPG123_OK ||
      mpg123_getformat(mh, &rate, &channels, &encoding) != MPG123_OK) {
    snprintf(err, errlen, "%s: not a readable MP3 (%s)", path,
             mpg123_strerror(mh));
    goto out;
  }
  a->rate = (int)rate, a->channels = channels;
  do {
    rc = mpg123_read(mh, buf, sizeof(buf), &done);
    if (rc == MPG123_NEW_FORMAT) {          /* a rate change mid-file */
      snprintf(err, errlen, "%s: MP3 changes format mid-stream "
               "(unsupported)", path);
      goto out;
    }
    if (done > 0 && append(a, &cap, (const float *)buf,
                           done / sizeof(float)) != 0) {
      st = SF_ANALYZE_MEMORY;
      goto out;
    }
  } while (rc == MPG123_OK);
  if (rc != MPG123_DONE) {
    snprintf(err, errlen, "%s: damaged MP3 (%s)", path, mpg123_strerror(mh));
    goto out;
  }
  if (a->frames == 0) {
    snprintf(err, errlen, "%s: MP3 with no complete audio frame", path);
    goto out;
  }
  st = make_mono(a);
out:
  mpg123_close(mh);
  mpg123_delete(mh);
  return st;
}

/* An MPEG audio frame header: 11 sync bits, a layer, a valid bitrate and
** sample rate index. */
static int is_mpeg_frame (const unsigned char *h) {
  return h[0] == 0xFF && (h[1] & 0xE0) == 0xE0 && (h[1] & 0x06) != 0 &&
         (h[2] & 0xF0) != 0xF0 && (h[2] & 0x0C) != 0x0C;
}

SfAnalyzeStatus sf_audio_decode (const char *path, SfAudio *a,
                                 char *err, size_t errlen) {
  unsigned char h[12];
  size_t n;
  SfAnalyzeStatus st;
  FILE *f;
  memset(a, 0, sizeof(*a));
  if ((f = fopen(path, "rb")) == NULL) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return SF_ANALYZE_IO;
  }
  n = fread(h, 1, sizeof(h), f);
  if (n == 12 && memcmp(h, "RIFF", 4) == 0 && memcmp(h + 8, "WAVE", 4) == 0) {
    st = decode_wav(f, path, a, err, errlen);
    fclose(f);
  } else {
    fclose(f);
    if (n >= 3 && (memcmp(h, "ID3", 3) == 0 || is_mpeg_frame(h))) {
      st = decode_mp3(path, a, err, errlen);
    } else {
      snprintf(err, errlen, "%s: not an audio file (neither WAV nor MP3)",
               path);
      st = SF_ANALYZE_FORMAT;
    }
  }
  if (st == SF_ANALYZE_MEMORY)
    snprintf(err, errlen, "%s: out of memory", path);
  if (st != SF_ANALYZE_OK)
    sf_audio_free(a);
  return st;
}
