/*
** image.c -- the picture behind a clip's image_url: a small JPEG drawn
** from the clip's idea (a two-colour gradient with rings, like a record
** sleeve), so every song has its own, always the same. JPEG because the
** real service's image_url ends in .jpeg and serves JPEG bytes: a client
** that sniffs or names files by the type must see the same here.
** Encoded with libjpeg(-turbo), into memory.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jpeglib.h>
#include "sbx.h"

#define IMG_SIZE 160

/* The RGB pixels of the picture, row by row. */
static unsigned char *draw (uint64_t idea) {
  size_t row = 3 * IMG_SIZE;
  unsigned char *px = sf_sbx_alloc(row * IMG_SIZE);
  unsigned char c[3][3];
  double rings = 3 + (double)(idea % 5);
  int x, y, k;
  for (k = 0; k < 9; k++)
    c[k / 3][k % 3] = (unsigned char)(40 + (sf_sbx_hash_mix(idea, k) % 200));
  for (y = 0; y < IMG_SIZE; y++) {
    double t = (double)y / (IMG_SIZE - 1);
    for (x = 0; x < IMG_SIZE; x++) {
      unsigned char *p = px + y * row + 3 * x;
      double dx = x - IMG_SIZE / 2.0, dy = y - IMG_SIZE / 2.0;
      double r = sqrt(dx * dx + dy * dy) / (IMG_SIZE / 2.0);
      int ring = r < 0.9 && sin(r * rings * 2 * M_PI) > 0.6;
      for (k = 0; k < 3; k++)
        p[k] = ring ? c[2][k]
                    : (unsigned char)(c[0][k] * (1 - t) + c[1][k] * t);
    }
  }
  return px;
}

void sf_sbx_image_jpeg (const char *clip_id, uint64_t idea,
                        unsigned char **out, size_t *len) {
  struct jpeg_compress_struct cinfo;
  struct jpeg_error_mgr jerr;
  unsigned char *px = draw(sf_sbx_hash_str(idea, clip_id));
  unsigned char *mem = NULL;
  unsigned long size = 0;
  cinfo.err = jpeg_std_error(&jerr);  /* errors are out of memory: fatal */
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, &mem, &size);
  cinfo.image_width = IMG_SIZE;
  cinfo.image_height = IMG_SIZE;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, 85, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = px + (size_t)cinfo.next_scanline * 3 * IMG_SIZE;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  free(px);
  /* libjpeg's buffer is malloc'd: the caller's free() releases it */
  *out = mem;
  *len = (size_t)size;
}
