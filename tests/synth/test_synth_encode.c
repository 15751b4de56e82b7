/*
** test_synth_encode.c -- the MP3 and WAV files the sandbox serves.
**
** MP3: starts with an ID3 tag or a frame sync; every frame is MPEG-1
** Layer III, 44.1 kHz, 128 kbit/s, stereo; the first frame is LAME's
** "Info" tag, whose frame count, encoder delay and padding give back
** exactly the number of PCM frames rendered; the frame count alone gives
** the duration within the encoder's padding. WAV: a 44-byte canonical
** header and the PCM, byte for byte.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synth.h"

#include "synth_check.h"

static int16_t *render (uint64_t idea, const char *tags, double secs,
                        size_t *frames) {
  SfRecipe r;
  int16_t *pcm;
  memset(&r, 0, sizeof r);
  r.nseg = 1;
  r.seg[0].idea = idea;
  r.seg[0].tags = tags;
  r.seg[0].seconds = secs;
  if (sf_synth_render(&r, &pcm, frames) != 0)
    exit(2);
  return pcm;
}

static uint32_t be32 (const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

static uint32_t le32 (const unsigned char *p) {
  return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 |
         p[0];
}

static unsigned le16 (const unsigned char *p) {
  return (unsigned)p[1] << 8 | p[0];
}

/* Length of the MPEG-1 Layer III frame at p, or 0 if p is not one. */
static size_t frame_len (const unsigned char *p, size_t left, int *kbps) {
  static const int BR[16] = {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160,
                             192, 224, 256, 320, 0};
  int br, sr;
  if (left < 4 || p[0] != 0xFF || (p[1] & 0xFE) != 0xFA)
    return 0;  /* sync + MPEG-1 + Layer III */
  br = BR[p[2] >> 4];
  sr = (p[2] >> 2) & 3;
  if (br == 0 || sr != 0)  /* sr index 0 = 44100 Hz */
    return 0;
  *kbps = br;
  return (size_t)(144000 * br / 44100 + ((p[2] >> 1) & 1));
}

typedef struct Mp3Info {
  size_t frames;             /* audio frames (without the Info frame) */
  int has_info;
  uint32_t info_frames;
  int delay, padding;
  int bad_frames, all_128, all_stereo;
} Mp3Info;

/* Walk the frames; read the Info/LAME tag from the first one. */
static void mp3_scan (const unsigned char *b, size_t len, Mp3Info *m) {
  size_t off = 0, n;
  int kbps, first = 1;
  memset(m, 0, sizeof *m);
  m->all_128 = m->all_stereo = 1;
  if (len >= 10 && memcmp(b, "ID3", 3) == 0)  /* skip an ID3v2 tag */
    off = 10 + ((size_t)(b[6] & 0x7F) << 21 | (size_t)(b[7] & 0x7F) << 14 |
                (size_t)(b[8] & 0x7F) << 7 | (b[9] & 0x7F));
  while (off < len) {
    if ((n = frame_len(b + off, len - off, &kbps)) == 0 ||
        off + n > len) {
      m->bad_frames++;
      break;
    }
    m->all_128 &= kbps == 128;
    m->all_stereo &= (b[off + 3] >> 6) != 3;
    if (first && n > 36 + 120 &&
        (memcmp(b + off + 36, "Info", 4) == 0 ||
         memcmp(b + off + 36, "Xing", 4) == 0)) {
      const unsigned char *t = b + off + 36;
      uint32_t flags = be32(t + 4);
      const unsigned char *q = t + 8;
      m->has_info = 1;
      if (flags & 1) { m->info_frames = be32(q); q += 4; }
      if (flags & 2) q += 4;
      if (flags & 4) q += 100;
      if (flags & 8) q += 4;
      if (memcmp(q, "LAME", 4) == 0) {  /* delay/padding: 12 bits each */
        m->delay = q[21] << 4 | q[22] >> 4;
        m->padding = (q[22] & 0x0F) << 8 | q[23];
      }
    } else {
      m->frames++;
    }
    first = 0;
    off += n;
  }
}

static void test_mp3 (double secs) {
  size_t frames, len;
  int16_t *pcm = render(11, "pop", secs, &frames);
  unsigned char *mp3;
  Mp3Info m;
  long extra;
  CHECK(sf_synth_encode_mp3(pcm, frames, &mp3, &len) == 0, "encode");
  CHECK(len > 4 && (memcmp(mp3, "ID3", 3) == 0 ||
                    (mp3[0] == 0xFF && (mp3[1] & 0xE0) == 0xE0)),
        "no ID3 tag or frame sync at the start");
  mp3_scan(mp3, len, &m);
  extra = (long)(m.frames * 1152) - (long)frames;
  printf("%.2f s: %zu bytes, %zu frames, delay %d, padding %d\n", secs, len,
         m.frames, m.delay, m.padding);
  CHECK(m.bad_frames == 0, "garbage between frames");
  CHECK(m.all_128, "not CBR 128 kbit/s");
  CHECK(m.all_stereo, "a mono frame");
  /* frames * 1152 covers the audio plus the encoder's delay and padding:
  ** never less, and at most one frame beyond delay + padding allowance */
  CHECK(extra >= 0 && extra <= 1152 + 2 * 1152,
        "%zu frames for %zu samples (%ld extra)", m.frames, frames, extra);
  CHECK(fabs(m.frames * 1152.0 / 44100 - secs) <= 3 * 1152.0 / 44100,
        "duration from frames %.3f vs %.3f", m.frames * 1152.0 / 44100,
        secs);
  CHECK(m.has_info, "no Info tag");
  if (m.has_info) {
    CHECK(m.info_frames == m.frames, "Info says %u frames, file has %zu",
          m.info_frames, m.frames);
    CHECK((long)(m.frames * 1152) - m.delay - m.padding == (long)frames,
          "gapless length %ld, rendered %zu",
          (long)(m.frames * 1152) - m.delay - m.padding, frames);
  }
  free(mp3);
  free(pcm);
}

static void test_mp3_empty (void) {
  unsigned char *mp3 = NULL;
  size_t len = 0;
  int16_t none[2] = {0, 0};
  CHECK(sf_synth_encode_mp3(none, 0, &mp3, &len) == 0, "empty encode");
  free(mp3);
}

static void test_wav (void) {
  size_t frames, len;
  int16_t *pcm = render(3, "jazz", 1.5, &frames);
  unsigned char *w;
  size_t i;
  int same = 1;
  CHECK(sf_synth_encode_wav(pcm, frames, &w, &len) == 0, "wav");
  CHECK(len == 44 + frames * 4, "wav length %zu", len);
  CHECK(memcmp(w, "RIFF", 4) == 0 && memcmp(w + 8, "WAVE", 4) == 0,
        "RIFF/WAVE");
  CHECK(le32(w + 4) == len - 8, "RIFF size");
  CHECK(memcmp(w + 12, "fmt ", 4) == 0 && le32(w + 16) == 16, "fmt chunk");
  CHECK(le16(w + 20) == 1, "PCM format");
  CHECK(le16(w + 22) == 2, "channels");
  CHECK(le32(w + 24) == 44100, "rate");
  CHECK(le32(w + 28) == 44100 * 4, "byte rate");
  CHECK(le16(w + 32) == 4, "block align");
  CHECK(le16(w + 34) == 16, "bits");
  CHECK(memcmp(w + 36, "data", 4) == 0 && le32(w + 40) == frames * 4,
        "data chunk");
  for (i = 0; i < frames * 2; i++)
    same &= (int16_t)le16(w + 44 + 2 * i) == pcm[i];
  CHECK(same, "samples differ from the PCM");
  free(w);
  free(pcm);
}

int main (void) {
  test_mp3(10.0);
  test_mp3(3.21);
  test_mp3(0.05);
  test_mp3_empty();
  test_wav();
  if (failures)
    fprintf(stderr, "%d check(s) failed\n", failures);
  else
    printf("ok\n");
  return failures ? 1 : 0;
}
