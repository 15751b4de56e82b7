/*
** synth_internal.h -- what the synth_*.c files share; not a public API.
**
** The pipeline: synth_idea.c turns a seed (and lyrics) into key, chords,
** melody and form; synth_style.c turns tags into tempo, instruments and
** effects; synth_arrange.c decides, bar by bar, which notes each layer
** plays; synth_voices.c and synth_drums.c synthesize single notes into a
** buffer; synth_render.c mixes those notes onto buses (caching repeated
** ones), runs the effects and the master; synth_stems.c names the buses'
** groupings; synth_encode.c writes MP3/WAV.
*/
#ifndef SF_SYNTH_INTERNAL_H
#define SF_SYNTH_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "synth.h"

#define SF_PI 3.14159265358979323846
#define SF_TWO_PI 6.28318530717958647692

/* ---- deterministic randomness ------------------------------------------- */

/* splitmix64: every random choice in the synth derives from one of these,
** seeded from the idea or tag hashes, so renders are reproducible and
** threads share nothing. */
typedef struct SfRng {
  uint64_t s;
} SfRng;

static inline uint64_t sf_mix64 (uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* A generator for the pair (a, b): b names the purpose ("melody", bar...). */
static inline SfRng sf_rng (uint64_t a, uint64_t b) {
  SfRng r;
  r.s = sf_mix64(a ^ sf_mix64(b + 0x9E3779B97F4A7C15ull));
  return r;
}

static inline uint64_t sf_rng_next (SfRng *r) {
  r->s += 0x9E3779B97F4A7C15ull;
  return sf_mix64(r->s);
}

/* Uniform in [0, 1). */
static inline double sf_rng_unit (SfRng *r) {
  return (double)(sf_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform integer in [0, n). */
static inline int sf_rng_below (SfRng *r, int n) {
  return (int)(sf_rng_unit(r) * n);
}

/* Uniform in [-1, 1). */
static inline float sf_rng_sym (SfRng *r) {
  return (float)(2.0 * sf_rng_unit(r) - 1.0);
}

/* Audio-rate noise: xorshift32 is enough and much cheaper per sample. */
static inline float sf_noise (uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *s = x;
  return (float)(int32_t)x * (1.0f / 2147483648.0f);
}

/* FNV-1a, then mixed: hashes of tag words and lyrics. */
uint64_t sf_hash_bytes (const void *p, size_t n, uint64_t seed);

/* Hash a string of 'n' chars ignoring case and everything but letters
** and digits, so "Lo-Fi" and "lofi" hash alike. */
uint64_t sf_hash_word (const char *s, size_t n);

/* ---- buses -------------------------------------------------------------- */

/* The finest split of the mix (the 24-stem set is one bus each). Coarser
** stem sets are unions of these; see sf_synth_stem_set. */
enum {
  SF_BUS_KICK, SF_BUS_SNARE, SF_BUS_CLAP, SF_BUS_HAT, SF_BUS_OPENHAT,
  SF_BUS_CYMBAL, SF_BUS_TOMS, SF_BUS_SHAKER, SF_BUS_SUB, SF_BUS_BASS,
  SF_BUS_CHORD_LH, SF_BUS_CHORD_RH, SF_BUS_PAD, SF_BUS_VOX, SF_BUS_VOX_VERB,
  SF_BUS_BACKING, SF_BUS_ARP, SF_BUS_LEAD_INST, SF_BUS_VINYL, SF_BUS_HISS,
  SF_BUS_RISER, SF_BUS_IMPACT, SF_BUS_REVERB, SF_BUS_DELAY,
  SF_NBUS
};
#define SF_BUS(b) (1u << (b))
#define SF_ALL_BUSES ((uint32_t)((1ull << SF_NBUS) - 1))
#define SF_DRUM_BUSES                                                       \
  (SF_BUS(SF_BUS_KICK) | SF_BUS(SF_BUS_SNARE) | SF_BUS(SF_BUS_CLAP) |       \
   SF_BUS(SF_BUS_HAT) | SF_BUS(SF_BUS_OPENHAT) | SF_BUS(SF_BUS_CYMBAL) |    \
   SF_BUS(SF_BUS_TOMS))
#define SF_VOCAL_BUSES                                                      \
  (SF_BUS(SF_BUS_VOX) | SF_BUS(SF_BUS_VOX_VERB) | SF_BUS(SF_BUS_BACKING))

/* ---- the idea ----------------------------------------------------------- */

#define SF_MAX_SECTIONS 48
#define SF_MAX_LINES 96
#define SF_MAX_SYL 24

enum {
  SF_SEC_INTRO, SF_SEC_VERSE, SF_SEC_PRE, SF_SEC_CHORUS, SF_SEC_BRIDGE,
  SF_SEC_SOLO, SF_SEC_BREAK, SF_SEC_OUTRO, SF_SEC_NKINDS
};

enum { SF_VOW_A, SF_VOW_E, SF_VOW_I, SF_VOW_O, SF_VOW_U, SF_NVOWELS };

/* A chord: its root and its tones as semitones above the root. */
typedef struct SfChord {
  int root_pc;               /* pitch class 0..11 */
  int degree;                /* scale degree 0..6 */
  int third, fifth, seventh; /* semitones above the root */
} SfChord;

typedef struct SfSyl {
  uint8_t vowel;             /* SF_VOW_* */
  uint8_t cons;              /* 0 none, 1 soft (m n l r w y), 2 hard */
} SfSyl;

typedef struct SfLine {
  uint8_t nsyl;
  SfSyl syl[SF_MAX_SYL];
} SfLine;

typedef struct SfSection {
  uint8_t kind;              /* SF_SEC_* */
  uint8_t nth;               /* 0 for the first section of its kind */
  uint16_t bars;
  int16_t line0, nlines;     /* lyric lines sung here (nlines 0: none) */
} SfSection;

typedef struct SfForm {
  SfSection sec[SF_MAX_SECTIONS];
  int nsec;
  int loop_from;             /* past the end, repeat from this section */
  int total_bars;
} SfForm;

typedef struct SfIdea {
  uint64_t seed;
  int key_root, minor, bars;
  int scale[7];              /* semitones above the tonic */
  SfChord chord[8];
  int tonic_midi;            /* tonic of the melody's register */
  int lyric;                 /* 1 when the form came from lyrics */
  SfForm form;               /* the form of this segment (original/ext) */
  SfForm base;               /* the original default form (for pre-roll) */
  int extension;
  SfLine line[SF_MAX_LINES];
  int nlines;
} SfIdea;

/* Where a bar sits in the form. */
typedef struct SfBarPos {
  int kind, nth, sec_bar, sec_bars, section;
  int line;                  /* lyric line for this bar, -1 if none */
  int line_half;             /* 0: first bar of the line, 1: second */
  int last_kind;             /* kind of the previous bar's section */
  int next_kind;             /* kind of the next bar's section */
} SfBarPos;

/* One melody note; times in beats from the bar start. */
typedef struct SfNote {
  float beat, len;
  int midi;
  uint8_t vowel, cons;
  float vel;
} SfNote;

#define SF_MAX_MEL 16

void sf_idea_build (SfIdea *id, uint64_t seed, const char *lyrics,
                    int extension);
void sf_idea_barpos (const SfIdea *id, int bar, int ext_bar0,
                     SfBarPos *out);
/* Melody of 'part' (0 verse, 1 chorus, 2 bridge) in bar 'bar' of the
** song; 'line' is the lyric line or NULL. Returns the note count. */
int sf_idea_melody (const SfIdea *id, int part, const SfBarPos *bp,
                    int bar, const SfLine *line, SfNote *out);

/* ---- the style ---------------------------------------------------------- */

/* Instruments. 0 means "none / no opinion". */
enum {
  SF_I_NONE, SF_I_PIANO, SF_I_EPIANO, SF_I_PLUCK, SF_I_ORGAN, SF_I_SAWPAD,
  SF_I_STRINGS, SF_I_WARMPAD, SF_I_CHOIR, SF_I_DISTGTR, SF_I_SQUARELEAD,
  SF_I_SAWLEAD, SF_I_HORN, SF_I_FLUTE, SF_I_BELL, SF_I_SYNTHPLUCK,
  SF_I_MARIMBA, SF_I_BASS_SYNTH, SF_I_BASS_UPRIGHT, SF_I_BASS_PICK,
  SF_I_BASS_808, SF_I_BASS_SUB, SF_I_VOICE, SF_I_OOH, SF_I_VINYL,
  SF_I_HISS, SF_I_RISER, SF_I_IMPACT, SF_I_COUNT
};

/* Drum kits and grooves. */
enum {
  SF_KIT_NONE, SF_KIT_ACOUSTIC, SF_KIT_ELECTRO, SF_KIT_LOFI, SF_KIT_BRUSH,
  SF_KIT_ROCK, SF_KIT_808, SF_KIT_ORCH, SF_KIT_COUNT
};
enum {
  SF_GR_NONE, SF_GR_BACKBEAT, SF_GR_FOUR, SF_GR_BOOMBAP, SF_GR_HALF,
  SF_GR_JAZZ, SF_GR_DOUBLE, SF_GR_PUNK, SF_GR_LIGHT, SF_GR_TRAIN,
  SF_GR_ONEDROP, SF_GR_DISCO, SF_GR_BALLAD, SF_GR_COUNT
};
/* Chord comping. */
enum {
  SF_CP_NONE, SF_CP_SUSTAIN, SF_CP_STAB, SF_CP_STRUM, SF_CP_BROKEN,
  SF_CP_POWER8, SF_CP_JAZZ, SF_CP_BALLAD, SF_CP_SKANK, SF_CP_PULSE,
  SF_CP_COUNT
};
/* Bass patterns. */
enum {
  SF_BP_NONE, SF_BP_ROOTS, SF_BP_EIGHTHS, SF_BP_WALK, SF_BP_OCTAVES,
  SF_BP_SYNCO, SF_BP_SUSTAIN, SF_BP_COUNT
};

/* Style flags. */
#define SF_ST_SEVENTHS 0x0001u  /* voice chords as sevenths */
#define SF_ST_SIDECHAIN 0x0002u /* duck pads/bass on each beat */
#define SF_ST_GATED 0x0004u     /* gated-reverb snare */
#define SF_ST_RISERS 0x0008u    /* noise risers into choruses */
#define SF_ST_ARP 0x0010u       /* arpeggiator layer */
#define SF_ST_DRIVE 0x0020u     /* saturated guitars/bass */
#define SF_ST_WIDE 0x0040u      /* wide stereo chords */

typedef struct SfStyle {
  double bpm;
  float swing;               /* 0 straight .. 0.33 triplet swing */
  uint8_t chords, pad, bass, lead, arp, kit, groove, comp, bpat;
  uint8_t drums_on, perc_on;
  unsigned flags;
  float bright;              /* multiplies filter cutoffs */
  float vel;                 /* multiplies velocities */
  float notelen;             /* multiplies note lengths */
  float reverb;              /* instrument reverb send scale */
  float room;                /* reverb size 0..1 */
  float delay;               /* delay send scale */
  float lowpass;             /* master low-pass in Hz, 0 = none */
  float crackle, hiss, wobble;
  float drive;               /* saturation amount on guitar/bass */
  float humanize;            /* timing jitter in seconds */
  float density;             /* drum/arp busyness 0.5..1.5 */
  float formant;             /* vocal formant scale: 1 alto */
  float vibrato;             /* vocal vibrato depth in semitones */
  uint32_t mute;             /* buses removed by negative tags */
  int no_vox;                /* negative "vocals" */
} SfStyle;

void sf_style_build (SfStyle *st, uint64_t idea, const char *tags,
                     const char *negative);

/* ---- voices ------------------------------------------------------------- */

typedef struct SfVoice {
  int inst;                  /* SF_I_* */
  float freq;                /* Hz */
  float vel;                 /* 0..1 */
  int gate;                  /* frames the note is held */
  float bright;              /* filter cutoff multiplier */
  float drive;
  uint32_t seed;
  uint8_t vowel, cons;
  float vibrato;             /* semitones */
  float formant;
  float glide;               /* semitones to slide in from */
  uint8_t layer;             /* basses: 0 whole, 1 sub sine, 2 the rest */
  float level;               /* linear gain applied when mixing (not part
                                of the sound, so not of the cache key) */
  float phase;               /* basses: start phase in cycles, so that
                                the root keeps one phase across notes */
} SfVoice;

/* Synthesize one note into out[0..cap); returns the frames written
** (gate + release, at most cap). */
int sf_voice_render (const SfVoice *v, float *out, int cap);

enum {
  SF_DR_KICK, SF_DR_SNARE, SF_DR_RIM, SF_DR_CLAP, SF_DR_HAT, SF_DR_OPENHAT,
  SF_DR_RIDE, SF_DR_CRASH, SF_DR_TOM, SF_DR_TIMPANI, SF_DR_SHAKER,
  SF_DR_TAMB, SF_DR_CONGA, SF_DR_BRUSH, SF_DR_COUNT
};

typedef struct SfHit {
  int kind;                  /* SF_DR_* */
  int kit;                   /* SF_KIT_* */
  float vel;
  float tune;                /* pitch multiplier (toms, congas) */
  float bright;
  int gated;                 /* gated-reverb snare tail */
  uint32_t seed;
} SfHit;

int sf_drum_render (const SfHit *h, float *out, int cap);

/* ---- rendering ---------------------------------------------------------- */

typedef struct SfSeg SfSeg;

/* Send levels of one event: how much goes to the reverbs and the delay. */
typedef struct SfSend {
  float pan;                 /* -1 left .. 1 right */
  float rev, dly;
} SfSend;

/* Render a note/hit starting at song time 't' (seconds) onto 'bus'. */
void sf_seg_voice (SfSeg *s, const SfVoice *v, int bus, double t,
                   const SfSend *send);
void sf_seg_hit (SfSeg *s, const SfHit *h, int bus, double t,
                 const SfSend *send);
/* Up to 8 voices struck together at 't' + dt[i], each at its own pan, on
** one bus (send->pan is ignored). */
void sf_seg_chord (SfSeg *s, const SfVoice *v, const float *pan,
                   const double *dt, int nv, int bus, double t,
                   const SfSend *send);
/* Is 'bus' rendered in this pass? (lets the arranger skip work) */
int sf_seg_wants (const SfSeg *s, int bus);

/* Song-time of beat 'beat' of bar 'bar', with the style's swing. */
double sf_seg_time (const SfSeg *s, int bar, double beat);

/* Emit everything that starts in 'bar'. */
void sf_arrange_bar (SfSeg *s, const SfIdea *id, const SfStyle *st,
                     int bar, int ext_bar0, int instrumental);

/* ---- small DSP helpers shared by voices, drums and the mixer ------------ */

static inline float sf_midi_hz (float m) {
  return 440.0f * powf(2.0f, (m - 69.0f) / 12.0f);
}

/* sin(2*pi*p) for any p, to about -80 dB: cheaper than sinf for LFOs
** and drum oscillators whose phase is tracked anyway. */
static inline float sf_sin1 (float p) {
  float x = p - floorf(p + 0.5f), x2;  /* [-0.5, 0.5) */
  if (x > 0.25f)
    x = 0.5f - x;
  else if (x < -0.25f)
    x = -0.5f - x;
  x2 = x * x;
  return x * (6.28318531f +
              x2 * (-41.3417022f + x2 * (81.6052492f + x2 * -76.7058597f)));
}

/* PolyBLEP residual: subtracting it from a naive saw removes most of the
** aliasing at a cost of one compare per sample. */
static inline float sf_blep (float t, float dt) {
  if (t < dt) {
    t /= dt;
    return t + t - t * t - 1.0f;
  }
  if (t > 1.0f - dt) {
    t = (t - 1.0f) / dt;
    return t * t + t + t + 1.0f;
  }
  return 0.0f;
}

/* Band-limited saw in [-1, 1] at phase t (0..1), increment dt. */
static inline float sf_saw (float t, float dt) {
  return 2.0f * t - 1.0f - sf_blep(t, dt);
}

/* Cheap soft clip: tanh-like, exact 0 slope at +-3. */
static inline float sf_soft (float x) {
  if (x > 3.0f)
    return 1.0f;
  if (x < -3.0f)
    return -1.0f;
  return x * (27.0f + x * x) / (27.0f + 9.0f * x * x);
}

/* Zavalishin's trapezoidal state-variable filter: stable under fast
** cutoff changes, gives low-pass and band-pass from one update. */
typedef struct SfSvf {
  float a1, a2, a3, k, ic1, ic2;
} SfSvf;

/* Cutoff fc (Hz) and resonance q at sample rate 'rate'. */
static inline void sf_svf_set_at (SfSvf *f, float fc, float q, float rate) {
  float g;
  if (fc > 0.45f * rate)
    fc = 0.45f * rate;
  if (fc < 10.0f)
    fc = 10.0f;
  g = tanf((float)SF_PI * fc / rate);
  f->k = 1.0f / q;
  f->a1 = 1.0f / (1.0f + g * (g + f->k));
  f->a2 = g * f->a1;
  f->a3 = g * f->a2;
}

static inline void sf_svf_set (SfSvf *f, float fc, float q) {
  sf_svf_set_at(f, fc, q, (float)SF_SYNTH_RATE);
}

/* One sample; returns the low-pass, stores the band-pass in *bp. */
static inline float sf_svf_tick (SfSvf *f, float v0, float *bp) {
  float v3 = v0 - f->ic2;
  float v1 = f->a1 * f->ic1 + f->a2 * v3;
  float v2 = f->ic2 + f->a2 * f->ic1 + f->a3 * v3;
  f->ic1 = 2.0f * v1 - f->ic1;
  f->ic2 = 2.0f * v2 - f->ic2;
  *bp = v1;
  return v2;
}

/* Per-sample multiplier that decays by 1/e in 'secs'. */
static inline float sf_decay (float secs) {
  return secs <= 0 ? 0.0f : expf(-1.0f / (secs * SF_SYNTH_RATE));
}

#endif
