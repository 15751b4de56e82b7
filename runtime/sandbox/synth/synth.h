/*
** synth.h -- audio for the sandbox: one musical idea rendered in a style.
**
** A clip's audio is described by a recipe: a list of segments, each one
** "this idea, in this style, from this point of the song's form, for this
** many seconds". The sandbox builds recipes from requests (a cover reuses
** the source's idea with new tags, an extend continues it from continue_at,
** concat joins the source's segments cut at continue_at with the
** extension's); this module turns a recipe into PCM, and PCM into MP3/WAV.
** Everything is deterministic: same recipe, same bytes. Thread-safe: no
** global mutable state.
*/
#ifndef SF_SYNTH_H
#define SF_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#define SF_SYNTH_RATE 44100      /* output sample rate, Hz */
#define SF_SYNTH_CHANNELS 2      /* interleaved stereo */
#define SF_SYNTH_MAX_SEGMENTS 16
#define SF_SYNTH_MAX_INFILLS 4

/* One stretch of a clip. Strings are borrowed for the duration of a call. */
typedef struct SfSegment {
  uint64_t idea;             /* seed of the musical idea: key, mode,
                                progression, melody, form */
  const char *lyrics;        /* may be NULL; [Verse]/[Chorus] markers shape
                                the form, syllables the lead's rhythm */
  const char *tags;          /* style, comma separated; NULL/"" = a default
                                style hashed from 'idea' */
  const char *negative_tags; /* may be NULL: removes layers or effects */
  int instrumental;          /* 1: no lead voice */
  int extension;             /* 1: new sections (bridge, last chorus...)
                                continuing the idea, not the original form */
  double song_pos;           /* seconds into the (source) song where this
                                segment starts; 0 for a new song */
  double seconds;            /* length of this segment */
} SfSegment;

/* A range of the clip rendered again (replace-section): 'seg' plays
** from clip time 'at' for seg.seconds, spliced over what the segments
** put there. Everything outside the range stays sample for sample what
** it was: the loudness gain is measured before any infill. */
typedef struct SfInfill {
  SfSegment seg;
  double at;                 /* seconds into the clip */
} SfInfill;

typedef struct SfRecipe {
  SfSegment seg[SF_SYNTH_MAX_SEGMENTS];
  int nseg;
  SfInfill infill[SF_SYNTH_MAX_INFILLS];   /* applied in order */
  int ninfill;
  uint32_t stem_mask;        /* 0 = full mix; else the buses to render, a
                                mask from sf_synth_stem_set */
} SfRecipe;

/* A stem as the service lists it: a name for the clip title
** ("<title> - <name>") and the buses it holds. */
typedef struct SfStemDef {
  const char *name;          /* "Vocals", "Instrumental", "Bass", ... */
  uint32_t mask;
} SfStemDef;

/*
** The stem set for 'count' stems: 2 (basic: Vocals, Instrumental),
** 12 (full, default), or 24 (full, the larger set seen live). Returns the
** number of entries written to 'out' (room for 24), or 0 for another count.
** The masks of one set are disjoint and together cover the whole mix.
*/
int sf_synth_stem_set (int count, SfStemDef *out);

/* Total length of a recipe in seconds (sum of its segments). */
double sf_synth_recipe_seconds (const SfRecipe *r);

/*
** Render 'r' to interleaved 16-bit stereo PCM at SF_SYNTH_RATE.
** On success returns 0, *pcm is malloc'd (caller frees) and *frames holds
** the number of sample frames (round(seconds * rate)). Returns -1 on
** allocation failure, leaving nothing allocated.
*/
int sf_synth_render (const SfRecipe *r, int16_t **pcm, size_t *frames);

/* Encode PCM as MP3 (LAME, CBR 128 kbit/s, stereo). *out is malloc'd.
** Returns 0 or -1 (nothing allocated). */
int sf_synth_encode_mp3 (const int16_t *pcm, size_t frames,
                         unsigned char **out, size_t *len);

/* Wrap PCM in a RIFF/WAVE (PCM 16-bit) file. *out is malloc'd. 0 or -1. */
int sf_synth_encode_wav (const int16_t *pcm, size_t frames,
                         unsigned char **out, size_t *len);

/* What a seed decides, for the sandbox's clip fields and for tests. */
typedef struct SfIdeaInfo {
  int key_root;              /* 0..11, 0 = C */
  int minor;                 /* 0 major, 1 minor */
  int bars;                  /* length of the progression: 4 or 8 */
  int chord_root[8];         /* pitch class of each bar's chord root */
} SfIdeaInfo;
void sf_synth_idea_info (uint64_t idea, SfIdeaInfo *out);

/* The tempo in BPM that 'tags' give the idea (after mellow/energetic...). */
double sf_synth_style_bpm (uint64_t idea, const char *tags);

#endif
