/*
** test_waveform.c -- runtime/report/waveform.c on files made here: PCM WAV in
** every sample format it reads, an MP3 encoded with libmp3lame, and
** files it must refuse. The signal is loud in its first half and quiet
** in its second, so the columns show whether peaks land where they are.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lame/lame.h>
#include "waveform.h"

#define RATE 22050
#define SECS 2

static int failures;
static SfWaveform w;

#define CHECK(cond, ...) do { if (!(cond)) { failures++; \
  printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); \
  printf("\n"); } } while (0)

/* Loud (0.9) first half, quiet (0.2) second half. */
static double signal_at (long i) {
  double amp = i < (long)RATE * SECS / 2 ? 0.9 : 0.2;
  return amp * sin(2 * M_PI * 440.0 * i / RATE);
}

static void put16 (FILE *f, unsigned v) { fputc(v & 255, f); fputc(v >> 8 & 255, f); }
static void put32 (FILE *f, uint32_t v) { put16(f, v & 0xffff); put16(f, v >> 16); }

/* A WAV of 'channels' x 'bits' ('tag' 1 PCM, 3 float, or 0xFFFE). */
static void write_wav (const char *path, unsigned tag, unsigned channels,
                       unsigned bits) {
  FILE *f = fopen(path, "wb");
  long i, n = (long)RATE * SECS;
  unsigned ch, fmt_size = tag == 0xFFFE ? 40 : 16;
  uint32_t data = (uint32_t)(n * channels * (bits / 8));
  fputs("RIFF", f); put32(f, 4 + 8 + fmt_size + 8 + 8 + data);
  fputs("WAVE", f);
  fputs("LIST", f); put32(f, 4); fputs("INFO", f);   /* a chunk to skip */
  fputs("fmt ", f); put32(f, fmt_size);
  put16(f, tag); put16(f, channels); put32(f, RATE);
  put32(f, RATE * channels * (bits / 8)); put16(f, channels * (bits / 8));
  put16(f, bits);
  if (tag == 0xFFFE) {
    put16(f, 22); put16(f, bits); put32(f, 3); put16(f, 1);
    for (i = 0; i < 14; i++) fputc(0, f);
  }
  fputs("data", f); put32(f, data);
  for (i = 0; i < n; i++)
    for (ch = 0; ch < channels; ch++) {
      double v = signal_at(i);
      if (bits == 8) fputc((int)lrint(v * 127) + 128, f);
      else if (bits == 16) put16(f, (unsigned)(int16_t)lrint(v * 32767));
      else if (bits == 24) {
        int32_t s = (int32_t)lrint(v * 8388607);
        fputc(s & 255, f); fputc(s >> 8 & 255, f); fputc(s >> 16 & 255, f);
      } else if (tag == 3) {
        float fv = (float)v; uint32_t u; memcpy(&u, &fv, 4); put32(f, u);
      } else put32(f, (uint32_t)(int32_t)lrint(v * 2147483647.0));
    }
  fclose(f);
}

/* An MP3 of the same signal, mono, encoded with libmp3lame. */
static void write_mp3 (const char *path) {
  long n = (long)RATE * SECS, i;
  short *pcm = malloc(n * sizeof(*pcm));
  int cap = (int)(1.25 * n + 7200), got;
  unsigned char *mp3 = malloc(cap);
  lame_global_flags *gf = lame_init();
  FILE *f = fopen(path, "wb");
  for (i = 0; i < n; i++)
    pcm[i] = (short)lrint(signal_at(i) * 32767);
  lame_set_in_samplerate(gf, RATE);
  lame_set_num_channels(gf, 1);
  lame_set_mode(gf, MONO);
  lame_init_params(gf);
  got = lame_encode_buffer(gf, pcm, pcm, (int)n, mp3, cap);
  fwrite(mp3, 1, got, f);
  got = lame_encode_flush(gf, mp3, cap);
  fwrite(mp3, 1, got, f);
  fclose(f);
  lame_close(gf);
  free(pcm);
  free(mp3);
}

/* The loud half peaks near 0.9 and the quiet one near 0.2. */
static void check_shape (const char *what, double tolerance) {
  int c = w.cols;
  CHECK(c == 400, "%s: %d columns", what, c);
  if (c < 400)
    return;
  CHECK(fabs(w.peak[50] - 0.9) < tolerance, "%s: loud peak %.3f", what,
        w.peak[50]);
  CHECK(fabs(w.peak[350] - 0.2) < tolerance, "%s: quiet peak %.3f", what,
        w.peak[350]);
  CHECK(fabs(w.rms[50] - 0.9 / sqrt(2)) < tolerance, "%s: loud rms %.3f",
        what, w.rms[50]);
}

static void check_wav (unsigned tag, unsigned channels, unsigned bits) {
  char err[256], what[64];
  snprintf(what, sizeof(what), "wav tag %u %u ch %u bits", tag, channels,
           bits);
  write_wav("t.wav", tag, channels, bits);
  CHECK(sf_waveform_compute("t.wav", 400, &w, err, sizeof(err)) == 0,
        "%s: %s", what, err);
  CHECK(fabs(w.seconds - SECS) < 0.001, "%s: %.3f s", what, w.seconds);
  CHECK(w.rate == RATE && w.channels == (int)channels, "%s: %d Hz %d ch",
        what, w.rate, w.channels);
  check_shape(what, 0.02);
}

static void check_refused (const char *path, const char *bytes, size_t n) {
  char err[256];
  FILE *f = fopen(path, "wb");
  fwrite(bytes, 1, n, f);
  fclose(f);
  CHECK(sf_waveform_compute(path, 400, &w, err, sizeof(err)) == -1,
        "%s accepted", path);
  CHECK(w.cols == 0, "%s: %d columns", path, w.cols);
}

int main (void) {
  /* a fmt chunk that announces 16 bytes and ends after 4 */
  static const char truncated[] = "RIFF\4\0\0\0WAVEfmt \20\0\0\0\1\0\1\0";
  char err[256], junk[5000];
  int i;
  check_wav(1, 1, 8);
  check_wav(1, 2, 16);
  check_wav(1, 1, 24);
  check_wav(1, 2, 32);
  check_wav(3, 1, 32);
  check_wav(0xFFFE, 2, 16);
  write_mp3("t.mp3");
  CHECK(sf_waveform_compute("t.mp3", 400, &w, err, sizeof(err)) == 0,
        "mp3: %s", err);
  /* lame adds encoder delay and padding: a little more than 2 s */
  CHECK(w.seconds > SECS - 0.01 && w.seconds < SECS + 0.2, "mp3: %.3f s",
        w.seconds);
  CHECK(w.rate == RATE, "mp3: %d Hz", w.rate);
  check_shape("mp3", 0.08);
  for (i = 0; i < (int)sizeof(junk); i++)
    junk[i] = (char)(i * 7919 % 251);
  check_refused("junk.bin", junk, sizeof(junk));
  check_refused("empty.bin", "", 0);
  check_refused("bad.wav", truncated, sizeof(truncated) - 1);
  CHECK(sf_waveform_compute("missing.mp3", 400, &w, err, sizeof(err)) == -1,
        "a missing file accepted");
  printf("%s\n", failures ? "FAILED" : "ok");
  return failures ? 1 : 0;
}
