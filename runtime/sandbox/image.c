/*
** image.c -- the picture behind a clip's image_url: a small PNG drawn
** from the clip's idea (a two-colour gradient with rings, like a record
** sleeve), so every song has its own, always the same. Written with
** stored (uncompressed) deflate blocks: no zlib needed.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sbx.h"

#define IMG_SIZE 160

static uint32_t crc32_update (uint32_t crc, const unsigned char *p,
                              size_t n) {
  size_t i;
  int k;
  crc = ~crc;
  for (i = 0; i < n; i++) {
    crc ^= p[i];
    for (k = 0; k < 8; k++)
      crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

static void put32 (Buf *b, uint32_t v) {
  unsigned char o[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
                         (unsigned char)(v >> 8), (unsigned char)v };
  sf_sbx_buf_addn(b, o, 4);
}

/* One chunk: length, type, data, CRC of type and data. */
static void chunk (Buf *b, const char *type, const unsigned char *data,
                   size_t n) {
  uint32_t crc = crc32_update(0, (const unsigned char *)type, 4);
  put32(b, (uint32_t)n);
  sf_sbx_buf_addn(b, type, 4);
  sf_sbx_buf_addn(b, data, n);
  put32(b, crc32_update(crc, data, n));
}

/* The raw scanlines (filter byte 0 + RGB) of the picture. */
static unsigned char *draw (uint64_t idea, size_t *n) {
  size_t row = 1 + 3 * IMG_SIZE;
  unsigned char *px = sf_sbx_alloc(row * IMG_SIZE);
  unsigned char c[3][3];
  double rings = 3 + (double)(idea % 5);
  int x, y, k;
  for (k = 0; k < 9; k++)
    c[k / 3][k % 3] = (unsigned char)(40 + (sf_sbx_hash_mix(idea, k) % 200));
  for (y = 0; y < IMG_SIZE; y++) {
    double t = (double)y / (IMG_SIZE - 1);
    for (x = 0; x < IMG_SIZE; x++) {
      unsigned char *p = px + y * row + 1 + 3 * x;
      double dx = x - IMG_SIZE / 2.0, dy = y - IMG_SIZE / 2.0;
      double r = sqrt(dx * dx + dy * dy) / (IMG_SIZE / 2.0);
      int ring = r < 0.9 && sin(r * rings * 2 * M_PI) > 0.6;
      for (k = 0; k < 3; k++)
        p[k] = ring ? c[2][k]
                    : (unsigned char)(c[0][k] * (1 - t) + c[1][k] * t);
    }
  }
  *n = row * IMG_SIZE;
  return px;
}

/* zlib stream of stored blocks around 'raw'. */
static void zlib_stored (Buf *z, const unsigned char *raw, size_t n) {
  uint32_t a = 1, b = 0;
  size_t i, off = 0;
  sf_sbx_buf_addn(z, "\x78\x01", 2);
  do {
    size_t len = n - off > 65535 ? 65535 : n - off;
    unsigned char hdr[5] = { (unsigned char)(off + len == n),
                             (unsigned char)len, (unsigned char)(len >> 8),
                             (unsigned char)~len,
                             (unsigned char)(~len >> 8) };
    sf_sbx_buf_addn(z, hdr, 5);
    sf_sbx_buf_addn(z, raw + off, len);
    off += len;
  } while (off < n);
  for (i = 0; i < n; i++) {
    a = (a + raw[i]) % 65521;
    b = (b + a) % 65521;
  }
  put32(z, (b << 16) | a);
}

void sf_sbx_image_png (const char *clip_id, uint64_t idea,
                       unsigned char **out, size_t *len) {
  static const unsigned char ihdr[13] = {
    0, 0, 0, IMG_SIZE, 0, 0, 0, IMG_SIZE, 8, 2, 0, 0, 0   /* 8-bit RGB */
  };
  Buf png, z;
  size_t n;
  unsigned char *raw = draw(sf_sbx_hash_str(idea, clip_id), &n);
  sf_sbx_buf_init(&png);
  sf_sbx_buf_init(&z);
  zlib_stored(&z, raw, n);
  sf_sbx_buf_addn(&png, "\x89PNG\r\n\x1a\n", 8);
  chunk(&png, "IHDR", ihdr, sizeof(ihdr));
  chunk(&png, "IDAT", (const unsigned char *)z.p, z.len);
  chunk(&png, "IEND", (const unsigned char *)"", 0);
  free(raw);
  sf_sbx_buf_free(&z);
  *len = png.len;
  *out = (unsigned char *)sf_sbx_buf_take(&png);
}
