/*
** analyze_cli.c -- `sonicflow analyze FILE... [--ref FILE] [--json]`.
**
** Every file is analyzed even when one fails: the failure is its row (or
** its object's "error"), a line on stderr, and exit status 1. A usage
** error, or a --ref that cannot be read, stops before any file: exit 2.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "analyze.h"
#include "buf.h"

static const char analyze_help[] =
  "usage: sonicflow analyze [--ref FILE] [--json] FILE...\n"
  "\n"
  "Measure audio files (MP3, or WAV PCM 16-bit): duration, integrated\n"
  "loudness (LUFS) and loudness range (LU) by libebur128, tempo (BPM,\n"
  "folded into 70-180) and onsets per second by aubio, mean spectral\n"
  "centroid (Hz) and a 12-bin chroma vector (docs/analyze.md).\n"
  "\n"
  "options:\n"
  "  --ref FILE   also compare each file's harmony with FILE's: chroma\n"
  "               similarity 0..1 along the best time alignment\n"
  "  --json       one JSON array of objects (with the chroma) on stdout\n"
  "  -h, --help   this text\n"
  "\n"
  "exit codes: 0 every file measured, 1 some file failed (its row says\n"
  "why), 2 usage error or unreadable --ref.\n";

/* A JSON number, or null for what JSON cannot hold (silence's -inf). */
static void json_number (const char *name, double v, int digits) {
  printf(", \"%s\": ", name);
  if (isfinite(v))
    printf("%.*f", digits, v);
  else
    printf("null");
}

static void print_json (const char *path, const SfAnalysis *a,
                        const char *err, int first) {
  int i;
  printf("%s\n  {\"file\": ", first ? "" : ",");
  sf_json_print_string(stdout, path);
  if (err != NULL) {
    printf(", \"error\": ");
    sf_json_print_string(stdout, err);
    printf("}");
    return;
  }
  json_number("duration", a->duration, 3);
  printf(", \"sample_rate\": %d, \"channels\": %d", a->sample_rate,
         a->channels);
  json_number("lufs", a->lufs, 2);
  json_number("lra", a->lra, 2);
  json_number("bpm", a->bpm, 2);
  json_number("bpm_raw", a->bpm_raw, 2);
  printf(", \"onsets\": %d", a->onsets);
  json_number("onset_rate", a->onset_rate, 3);
  json_number("centroid_hz", a->centroid_hz, 1);
  if (a->has_ref) {
    json_number("chroma_similarity", a->chroma_aligned, 4);
    json_number("chroma_cosine", a->chroma_cosine, 4);
  }
  printf(", \"chroma\": [");
  for (i = 0; i < SF_CHROMA_BINS; i++)
    printf("%s%.4f", i ? ", " : "", a->chroma[i]);
  printf("]}");
}

static void print_row (const char *path, const SfAnalysis *a,
                       const char *err, int with_ref) {
  printf("%-32s", path);
  if (err != NULL) {
    printf("  error: %s\n", err);
    return;
  }
  printf(" %8.2f %7.2f %5.1f %6.1f %8.2f %8.0f", a->duration,
         isfinite(a->lufs) ? a->lufs : -INFINITY, a->lra, a->bpm,
         a->onset_rate, a->centroid_hz);
  if (with_ref)
    printf(" %6.3f", a->chroma_aligned);
  putchar('\n');
}

int sf_cmd_analyze (int argc, char **argv) {
  const char *ref = NULL;
  const char *files[argc > 0 ? argc : 1];
  int nfiles = 0, json = 0, failed = 0, i;
  char err[1024];
  for (i = 0; i < argc; i++) {
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
      fputs(analyze_help, stdout);
      return 0;
    } else if (strcmp(argv[i], "--json") == 0) {
      json = 1;
    } else if (strcmp(argv[i], "--ref") == 0) {
      if (i + 1 >= argc) {
        fprintf(stderr, "sonicflow analyze: --ref needs a FILE\n");
        return 2;
      }
      ref = argv[++i];
    } else if (strcmp(argv[i], "--") == 0) {
      for (i++; i < argc; i++)
        files[nfiles++] = argv[i];
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      fprintf(stderr, "sonicflow analyze: unknown option '%s' (see "
              "sonicflow analyze --help)\n", argv[i]);
      return 2;
    } else {
      files[nfiles++] = argv[i];
    }
  }
  if (nfiles == 0) {
    fprintf(stderr, "sonicflow analyze: no FILE given (see sonicflow "
            "analyze --help)\n");
    return 2;
  }
  if (ref != NULL && access(ref, R_OK) != 0) {
    fprintf(stderr, "sonicflow analyze: cannot read --ref '%s'\n", ref);
    return 2;
  }
  if (json)
    printf("[");
  else
    printf("%-32s %8s %7s %5s %6s %8s %8s%s\n", "file", "dur_s", "LUFS",
           "LRA", "BPM", "onset/s", "cent_Hz", ref ? "    sim" : "");
  for (i = 0; i < nfiles; i++) {
    SfAnalysis a;
    int bad = sf_analyze_file(files[i], ref, &a, err, sizeof(err)) !=
              SF_ANALYZE_OK;
    if (bad) {
      fprintf(stderr, "sonicflow analyze: %s\n", err);
      failed = 1;
    }
    if (json)
      print_json(files[i], &a, bad ? err : NULL, i == 0);
    else
      print_row(files[i], &a, bad ? err : NULL, ref != NULL);
    fflush(stdout);
  }
  if (json)
    printf("\n]\n");
  return failed;
}
