/*
** make_clip.c -- render a sandbox clip to a file, for the analyze tests:
** make_clip OUT.mp3|OUT.wav SEED SECONDS TAGS [bpm]
** With "bpm" last, prints the tempo the synth uses for SEED and TAGS.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "synth.h"

int main (int argc, char **argv) {
  SfRecipe r;
  int16_t *pcm;
  size_t frames, len;
  unsigned char *out;
  FILE *f;
  int wav;
  if (argc < 5) {
    fprintf(stderr, "usage: make_clip OUT SEED SECONDS TAGS [bpm]\n");
    return 2;
  }
  memset(&r, 0, sizeof(r));
  r.nseg = 1;
  r.seg[0].idea = strtoull(argv[2], NULL, 10);
  r.seg[0].seconds = atof(argv[3]);
  r.seg[0].tags = argv[4];
  r.seg[0].instrumental = 1;
  if (argc > 5 && strcmp(argv[5], "bpm") == 0)
    printf("%.3f\n", sf_synth_style_bpm(r.seg[0].idea, argv[4]));
  wav = strstr(argv[1], ".wav") != NULL;
  if (sf_synth_render(&r, &pcm, &frames) != 0 ||
      (wav ? sf_synth_encode_wav(pcm, frames, &out, &len)
           : sf_synth_encode_mp3(pcm, frames, &out, &len)) != 0) {
    fprintf(stderr, "make_clip: out of memory\n");
    return 1;
  }
  free(pcm);
  if ((f = fopen(argv[1], "wb")) == NULL || fwrite(out, 1, len, f) != len) {
    perror(argv[1]);
    return 1;
  }
  fclose(f);
  free(out);
  return 0;
}
