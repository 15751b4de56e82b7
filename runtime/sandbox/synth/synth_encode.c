/*
** synth_encode.c -- PCM to MP3 (LAME, CBR 128 kbit/s) and to WAV.
**
** The MP3 starts with LAME's "Info" frame (the CBR twin of the Xing tag):
** it records the encoder delay and padding, so players that honour it
** (ffmpeg, browsers) play exactly the frames we rendered.
*/
#include <lame/lame.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

#define MP3_CHUNK (1152 * 32)    /* frames handed to LAME at once */

/* A growing output buffer. */
typedef struct Buf {
  unsigned char *p;
  size_t len, cap;
} Buf;

static int buf_reserve (Buf *b, size_t more) {
  size_t cap = b->cap ? b->cap : 65536;
  unsigned char *np;
  if (b->len + more <= b->cap)
    return 0;
  while (cap < b->len + more)
    cap *= 2;
  np = realloc(b->p, cap);
  if (np == NULL)
    return -1;
  b->p = np;
  b->cap = cap;
  return 0;
}

/* CBR 128 kbit/s joint stereo at 44.1 kHz; NULL if LAME refuses. */
static lame_t mp3_configure (lame_t gf) {
  if (gf == NULL)
    return NULL;
  lame_set_in_samplerate(gf, SF_SYNTH_RATE);
  lame_set_out_samplerate(gf, SF_SYNTH_RATE);
  lame_set_num_channels(gf, SF_SYNTH_CHANNELS);
  lame_set_mode(gf, JOINT_STEREO);
  lame_set_VBR(gf, vbr_off);
  lame_set_brate(gf, 128);
  lame_set_quality(gf, 7);       /* "fast": the render budget is tight */
  lame_set_bWriteVbrTag(gf, 1);  /* reserve the first frame for Info */
  if (lame_init_params(gf) < 0) {
    lame_close(gf);
    return NULL;
  }
  return gf;
}

/* lame_init writes process-wide tables (util.c init_log_table: same
** values every time, but unsynchronized), so encoders are opened one at a
** time. Encoding itself touches only the encoder's own state. */
static pthread_mutex_t lame_open_lock = PTHREAD_MUTEX_INITIALIZER;

static lame_t mp3_open (void) {
  lame_t gf;
  pthread_mutex_lock(&lame_open_lock);
  gf = mp3_configure(lame_init());
  pthread_mutex_unlock(&lame_open_lock);
  return gf;
}

int sf_synth_encode_mp3 (const int16_t *pcm, size_t frames,
                         unsigned char **out, size_t *len) {
  /* LAME's documented worst case for n samples: 1.25 n + 7200 bytes */
  size_t room = MP3_CHUNK * 5 / 4 + 7200, done = 0;
  unsigned char tag[2880];
  Buf b = {NULL, 0, 0};
  lame_t gf;
  int n;
  *out = NULL;
  *len = 0;
  if ((gf = mp3_open()) == NULL)
    return -1;
  while (done < frames || done == 0) {
    size_t k = frames - done < MP3_CHUNK ? frames - done : MP3_CHUNK;
    if (buf_reserve(&b, room) != 0)
      goto fail;
    /* LAME takes 'short *' but only reads it */
    n = lame_encode_buffer_interleaved(gf, (short *)(pcm + 2 * done),
                                       (int)k, b.p + b.len, (int)room);
    if (n < 0)
      goto fail;
    b.len += (size_t)n;
    done += k;
    if (frames == 0)
      break;
  }
  if (buf_reserve(&b, 7200) != 0)
    goto fail;
  if ((n = lame_encode_flush(gf, b.p + b.len, 7200)) < 0)
    goto fail;
  b.len += (size_t)n;
  n = (int)lame_get_lametag_frame(gf, tag, sizeof tag);
  if (n > 0 && (size_t)n <= b.len)
    memcpy(b.p, tag, (size_t)n);  /* fill the frame reserved up front */
  lame_close(gf);
  *out = b.p;
  *len = b.len;
  return 0;
fail:
  lame_close(gf);
  free(b.p);
  return -1;
}

static void put32 (unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16);
  p[3] = (unsigned char)(v >> 24);
}

static void put16 (unsigned char *p, uint16_t v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
}

int sf_synth_encode_wav (const int16_t *pcm, size_t frames,
                         unsigned char **out, size_t *len) {
  const size_t block = SF_SYNTH_CHANNELS * sizeof(int16_t);
  size_t data, i;
  unsigned char *p;
  *out = NULL;
  *len = 0;
  if (frames > (0xFFFFFFFFu - 36) / block)
    return -1;  /* a RIFF chunk holds at most 4 GiB */
  data = frames * block;
  if ((p = malloc(44 + data)) == NULL)
    return -1;
  memcpy(p, "RIFF", 4);
  put32(p + 4, (uint32_t)(36 + data));
  memcpy(p + 8, "WAVEfmt ", 8);
  put32(p + 16, 16);                              /* fmt chunk size */
  put16(p + 20, 1);                               /* PCM */
  put16(p + 22, SF_SYNTH_CHANNELS);
  put32(p + 24, SF_SYNTH_RATE);
  put32(p + 28, (uint32_t)(SF_SYNTH_RATE * block)); /* byte rate */
  put16(p + 32, (uint16_t)block);                 /* block align */
  put16(p + 34, 16);                              /* bits per sample */
  memcpy(p + 36, "data", 4);
  put32(p + 40, (uint32_t)data);
  for (i = 0; i < frames * SF_SYNTH_CHANNELS; i++)  /* little-endian */
    put16(p + 44 + 2 * i, (uint16_t)pcm[i]);
  *out = p;
  *len = 44 + data;
  return 0;
}
