/*
** synth_arrange.c -- who plays what in each bar.
**
** The idea fixes the chord of every bar and the melody; the section (intro,
** verse, chorus...) decides which layers play and how hard; the style
** decides the instruments, the drum groove, the chord comping and the bass
** pattern. The bass always plays the bar's chord root on the downbeat (a
** walking jazz bass starts there too), so a cover keeps its harmony
** audibly, and measurably.
*/
#include <string.h>

#include "synth_internal.h"

#define FS ((double)SF_SYNTH_RATE)

/* What a section brings in. drums: 0 none, 1 light, 2 verse, 3 full,
** 4 half-time. */
typedef struct SecArr {
  float energy;
  uint8_t drums, chords, pad, vox, backing, arp, inst;
} SecArr;

static const SecArr ARR[SF_SEC_NKINDS] = {
  [SF_SEC_INTRO] = {0.55f, 1, 1, 1, 0, 0, 0, 1},
  [SF_SEC_VERSE] = {0.75f, 2, 1, 0, 1, 0, 0, 0},
  [SF_SEC_PRE] = {0.85f, 2, 1, 1, 1, 0, 1, 0},
  [SF_SEC_CHORUS] = {1.0f, 3, 1, 1, 1, 1, 1, 0},
  [SF_SEC_BRIDGE] = {0.7f, 4, 1, 1, 1, 0, 0, 0},
  [SF_SEC_SOLO] = {0.95f, 3, 1, 1, 0, 0, 1, 1},
  [SF_SEC_BREAK] = {0.5f, 0, 1, 1, 0, 0, 1, 0},
  [SF_SEC_OUTRO] = {0.55f, 1, 1, 1, 0, 0, 0, 1},
};

/* Everything a layer needs to place its notes in this bar. */
typedef struct Bar {
  SfSeg *s;
  const SfIdea *id;
  const SfStyle *st;
  const SfChord *ch;         /* this bar's chord */
  const SfChord *next;       /* next bar's chord (walking bass) */
  SfBarPos bp;
  SecArr arr;
  int bar;
  float energy;
} Bar;

/* Deterministic randomness for one layer of one bar. */
static SfRng bar_rng (const Bar *b, uint64_t layer) {
  return sf_rng(b->id->seed ^ 0xA11A7E5ull, ((uint64_t)b->bar << 8) ^ layer);
}

/* Song time of 'beat' in this bar, with swing and a little humanity. */
static double at (const Bar *b, double beat, SfRng *r) {
  double t = sf_seg_time(b->s, b->bar, beat);
  if (r != NULL && b->st->humanize > 0)
    t += b->st->humanize * sf_rng_sym(r);
  return t;
}

static int frames_of (const Bar *b, double beats) {
  double sec = beats * 60.0 / b->st->bpm;
  return (int)(sec * FS) > 1 ? (int)(sec * FS) : 1;
}

static int pc_of (int midi) {
  return (midi % 12 + 12) % 12;
}

/* The chord's tones (pitch classes) in order root, third, fifth, 7th. */
static int chord_pcs (const Bar *b, int *pc) {
  int n = 3;
  pc[0] = b->ch->root_pc;
  pc[1] = (b->ch->root_pc + b->ch->third) % 12;
  pc[2] = (b->ch->root_pc + b->ch->fifth) % 12;
  if (b->st->flags & SF_ST_SEVENTHS)
    pc[n++] = (b->ch->root_pc + b->ch->seventh) % 12;
  return n;
}

/* Place pitch class pc in the octave nearest to 'center'. */
static int near (int pc, int center) {
  int m = center - 6 + pc_of(pc - (center - 6));
  return m;
}

/* A note. Velocity shapes the timbre in coarse steps; the rest of it, and
** the section's energy, is plain gain at mixing time, so that repeated
** notes are identical and rendered once (see the cache in
** synth_render.c). */
static void voice_init (SfVoice *v, const Bar *b, int inst, int midi,
                        float vel, double beats) {
  float want = vel * b->st->vel;
  memset(v, 0, sizeof *v);
  v->inst = inst;
  v->freq = sf_midi_hz((float)midi);
  if (want > 1.0f)
    want = 1.0f;
  v->vel = floorf(want * 4.0f + 0.5f) / 4.0f;
  if (v->vel < 0.25f)
    v->vel = 0.25f;
  if (inst == SF_I_VOICE || inst == SF_I_OOH || inst == SF_I_CHOIR ||
      inst >= SF_I_VINYL)
    v->vel = 1.0f;  /* timbre independent of velocity: all gain */
  v->level = (want / v->vel) * (0.55f + 0.45f * b->energy);
  v->gate = frames_of(b, beats * b->st->notelen);
  v->bright = b->st->bright;
  v->drive = b->st->drive;
  /* the same note sounds the same every time, so renders can reuse it */
  v->seed = (uint32_t)(midi * 31 + inst) | 1u;
  v->vibrato = b->st->vibrato;
  v->formant = b->st->formant;
}

/* Does this pass need 'bus', directly or through an effect return? Only
** an optimization: the mixer checks again, exactly. */
static int wants (const Bar *b, int bus) {
  return sf_seg_wants(b->s, bus) || sf_seg_wants(b->s, SF_BUS_REVERB) ||
         sf_seg_wants(b->s, SF_BUS_DELAY) ||
         sf_seg_wants(b->s, SF_BUS_VOX_VERB);
}

static void send_set (SfSend *sd, float pan, float rev, float dly) {
  sd->pan = pan;
  sd->rev = rev;
  sd->dly = dly;
}

/* ---- drums -------------------------------------------------------------- */

typedef struct Groove {
  uint16_t kick, snare, hat, open;  /* bit i: 16th step i */
} Groove;

static const Groove GROOVES[SF_GR_COUNT] = {
  [SF_GR_BACKBEAT] = {0x0501, 0x1010, 0x5555, 0x4000},
  [SF_GR_FOUR] = {0x1111, 0x1010, 0x5555, 0x4444},
  [SF_GR_BOOMBAP] = {0x0481, 0x1010, 0x5555, 0x0000},
  [SF_GR_HALF] = {0x0841, 0x0100, 0xFFFF, 0x0000},
  [SF_GR_JAZZ] = {0x0101, 0x1010, 0x1111, 0x0000},
  [SF_GR_DOUBLE] = {0xFFFF, 0x1010, 0x5555, 0x0000},
  [SF_GR_PUNK] = {0x0505, 0x1010, 0x5555, 0x0000},
  [SF_GR_LIGHT] = {0x0101, 0x1010, 0x0000, 0x0000},
  [SF_GR_TRAIN] = {0x0101, 0x1010, 0x5555, 0x0000},
  [SF_GR_ONEDROP] = {0x0100, 0x0100, 0x5555, 0x0000},
  [SF_GR_DISCO] = {0x1111, 0x1010, 0x5555, 0x4444},
  [SF_GR_BALLAD] = {0x0401, 0x1010, 0x5555, 0x0000},
};

static float step_vel (int step) {
  return step % 4 == 0 ? 1.0f : step % 2 == 0 ? 0.78f : 0.58f;
}

static void hit (const Bar *b, int kind, int bus, float vel, double beat,
                 float pan, float rev, SfRng *r, float tune) {
  SfHit h;
  SfSend sd;
  memset(&h, 0, sizeof h);
  h.kind = kind;
  h.kit = b->st->kit;
  h.vel = vel * b->st->vel * (0.92f + 0.08f * sf_rng_sym(r));
  if (h.vel > 1.0f)
    h.vel = 1.0f;
  h.tune = tune;
  h.bright = b->st->bright;
  h.gated = kind == SF_DR_SNARE && (b->st->flags & SF_ST_GATED) != 0;
  h.seed = (uint32_t)(sf_rng_next(r) % 3) + 1;  /* three takes per drum */
  send_set(&sd, pan, rev, 0.0f);
  sf_seg_hit(b->s, &h, bus, at(b, beat, r), &sd);
}

/* The bar before a new section ends with a tom fill. */
static int fill_bar (const Bar *b) {
  return b->bp.sec_bar == b->bp.sec_bars - 1 &&
         b->bp.next_kind != b->bp.kind && b->arr.drums >= 2;
}

static void drums_orch (const Bar *b, SfRng *r) {
  float t = sf_midi_hz((float)near(b->ch->root_pc, 43)) / 65.0f;
  if (b->arr.drums >= 2)
    hit(b, SF_DR_TIMPANI, SF_BUS_TOMS, 0.8f * b->energy, 0, 0, 0.5f, r, t);
  if (b->arr.drums >= 3)
    hit(b, SF_DR_TIMPANI, SF_BUS_TOMS, 0.6f, 2, 0, 0.5f, r, t);
  if (b->bp.sec_bar == 0 && b->bp.kind == SF_SEC_CHORUS)
    hit(b, SF_DR_CRASH, SF_BUS_CYMBAL, 0.7f, 0, 0.3f, 0.6f, r, 1);
}

/* Kick, snare, hats and cymbals following the style's groove. */
static void layer_drums (const Bar *b) {
  const SfStyle *st = b->st;
  Groove g = GROOVES[st->groove];
  SfRng r = bar_rng(b, 1);
  int lvl = b->arr.drums, step, fill = fill_bar(b);
  int snare_kind = st->kit == SF_KIT_BRUSH ? SF_DR_BRUSH : SF_DR_SNARE;
  int hat_kind = st->groove == SF_GR_JAZZ ? SF_DR_RIDE : SF_DR_HAT;
  float e = b->energy;
  if (!st->drums_on || lvl == 0)
    return;
  if (st->kit == SF_KIT_ORCH) {
    drums_orch(b, &r);
    return;
  }
  if (lvl == 4) {  /* half time: kick on 1, snare on 3 */
    g.kick = 0x0001;
    g.snare = 0x0100;
    g.open = 0;
  }
  if (lvl == 1) {  /* intro/outro: hats and a soft pulse */
    g.kick &= 0x0101;
    g.snare = 0;
    g.open = 0;
  }
  if (lvl >= 3 && st->density > 1.15f && st->groove != SF_GR_JAZZ)
    g.hat = 0xFFFF;
  if (lvl < 3 && st->groove == SF_GR_DOUBLE)
    g.kick = 0x5555;
  if (st->density < 0.9f && g.hat == 0x5555 && lvl < 3)
    g.hat = 0x1111 | 0x4444;
  for (step = 0; step < 16; step++) {
    double beat = step / 4.0;
    uint16_t bit = (uint16_t)(1u << step);
    float v = step_vel(step);
    if (fill && step >= 12) {
      hit(b, SF_DR_TOM, SF_BUS_TOMS, 0.8f, beat, 0.4f - 0.25f * (step - 12),
          0.2f, &r, 1.35f - 0.15f * (step - 12));
      continue;
    }
    if (g.kick & bit)
      hit(b, SF_DR_KICK, SF_BUS_KICK, (0.75f + 0.25f * e) * v, beat, 0,
          0.05f, &r, 1);
    if (g.snare & bit) {
      if (st->kit == SF_KIT_808)
        hit(b, SF_DR_CLAP, SF_BUS_CLAP, 0.9f * e, beat, 0.05f, 0.3f, &r, 1);
      else if (st->groove == SF_GR_LIGHT || st->groove == SF_GR_ONEDROP)
        hit(b, SF_DR_RIM, SF_BUS_CLAP, 0.8f, beat, 0.1f, 0.3f, &r, 1);
      else
        hit(b, snare_kind, SF_BUS_SNARE, 0.7f + 0.3f * e, beat, 0.05f,
            0.35f, &r, 1);
      if (st->kit == SF_KIT_ELECTRO && lvl >= 3)
        hit(b, SF_DR_CLAP, SF_BUS_CLAP, 0.6f, beat, -0.1f, 0.3f, &r, 1);
    }
    if (st->groove == SF_GR_TRAIN && !(g.snare & bit) && lvl >= 2)
      hit(b, SF_DR_BRUSH, SF_BUS_SNARE, 0.35f, beat, 0.05f, 0.1f, &r, 1);
    if ((g.hat & bit) && !((g.open & bit) && lvl >= 3))
      hit(b, hat_kind, hat_kind == SF_DR_RIDE ? SF_BUS_CYMBAL : SF_BUS_HAT,
          (0.55f + 0.3f * e) * v, beat, 0.3f, 0.1f, &r, 1);
    if ((g.open & bit) && lvl >= 2)
      hit(b, SF_DR_OPENHAT, SF_BUS_OPENHAT, 0.6f * e, beat, 0.35f, 0.15f,
          &r, 1);
  }
  if (st->groove == SF_GR_JAZZ && lvl >= 2) {
    /* the ride's "spang-a-lang" skip notes (swung), the hi-hat foot */
    hit(b, SF_DR_RIDE, SF_BUS_CYMBAL, 0.45f, 1.5, 0.3f, 0.1f, &r, 1);
    hit(b, SF_DR_RIDE, SF_BUS_CYMBAL, 0.45f, 3.5, 0.3f, 0.1f, &r, 1);
    hit(b, SF_DR_HAT, SF_BUS_HAT, 0.35f, 1, -0.2f, 0.0f, &r, 1);
    hit(b, SF_DR_HAT, SF_BUS_HAT, 0.35f, 3, -0.2f, 0.0f, &r, 1);
  }
  if (b->bp.sec_bar == 0 && lvl >= 2 && b->bp.last_kind != b->bp.kind &&
      (b->bp.kind == SF_SEC_CHORUS || b->bp.kind == SF_SEC_SOLO))
    hit(b, SF_DR_CRASH, SF_BUS_CYMBAL, 0.8f, 0, -0.3f, 0.3f, &r, 1);
}

/* Shakers, tambourine, congas. */
static void layer_perc (const Bar *b) {
  const SfStyle *st = b->st;
  SfRng r = bar_rng(b, 2);
  int step;
  if (!st->perc_on || b->arr.drums == 0 || !st->drums_on)
    return;
  for (step = 0; step < 16; step += st->density > 1.1f ? 1 : 2)
    hit(b, SF_DR_SHAKER, SF_BUS_SHAKER, 0.5f * step_vel(step) + 0.2f,
        step / 4.0, -0.4f, 0.1f, &r, 1);
  if (b->arr.drums >= 3) {
    hit(b, SF_DR_TAMB, SF_BUS_SHAKER, 0.6f, 1, 0.5f, 0.2f, &r, 1);
    hit(b, SF_DR_TAMB, SF_BUS_SHAKER, 0.6f, 3, 0.5f, 0.2f, &r, 1);
  }
  if (st->groove == SF_GR_FOUR) {  /* latin: a tumbao on the congas */
    static const double CB[4] = {1.5, 2.0, 3.5, 3.75};
    int i;
    for (i = 0; i < 4; i++)
      hit(b, SF_DR_CONGA, SF_BUS_SHAKER, 0.6f, CB[i], -0.5f, 0.1f, &r,
          i % 2 ? 1.0f : 1.3f);
  }
}

/* ---- bass --------------------------------------------------------------- */

/* Bass register: A1 (55 Hz) to G#2, where the root is clear but full. */
static int bass_midi (int pc) {
  return 33 + pc_of(pc - 9);
}

static void bass_note (const Bar *b, int midi, double beat, double beats,
                       float vel, SfRng *r) {
  SfVoice v;
  SfSend sd;
  double t = at(b, beat, r);
  voice_init(&v, b, b->st->bass, midi, vel, beats);
  /* Free-running phase (quantized to 1/8 cycle, so notes still cache):
  ** restarting the oscillator on every note would comb the spectrum
  ** around the root; a running one keeps a clean peak right on it. */
  v.phase = (float)(floor(fmod(v.freq * t, 1.0) * 8.0) / 8.0);
  send_set(&sd, 0, 0.03f, 0);
  v.layer = 1;
  sf_seg_voice(b->s, &v, SF_BUS_SUB, t, &sd);
  v.layer = 2;
  sf_seg_voice(b->s, &v, SF_BUS_BASS, t, &sd);
}

/* Walking bass: root on 1, a chord tone on 2, mostly the octave on 3 (so
** the root still dominates the bar), a chromatic approach to the next
** bar's root on 4. */
static void bass_walk (const Bar *b, SfRng *r) {
  int root = bass_midi(b->ch->root_pc), next = bass_midi(b->next->root_pc);
  int t2 = root + (sf_rng_unit(r) < 0.5 ? b->ch->third : b->ch->fifth);
  int t3 = root + (sf_rng_unit(r) < 0.35 ? b->ch->fifth : 12);
  int ap = next + (sf_rng_unit(r) < 0.5 ? -1 : 1);
  bass_note(b, root, 0, 1.0, 1.0f, r);
  bass_note(b, t2, 1, 0.95, 0.8f, r);
  bass_note(b, t3 > 52 ? t3 - 12 : t3, 2, 0.95, 0.85f, r);
  bass_note(b, ap, 3, 0.9, 0.8f, r);
}

static void layer_bass (const Bar *b) {
  SfRng r = bar_rng(b, 3);
  int root = bass_midi(b->ch->root_pc), i, pat = b->st->bpat;
  float e = b->energy;
  if (b->st->bass == SF_I_NONE)
    return;
  if (!wants(b, SF_BUS_SUB) && !wants(b, SF_BUS_BASS))
    return;
  if (b->arr.drums <= 1 && pat != SF_BP_SUSTAIN && pat != SF_BP_WALK)
    pat = SF_BP_ROOTS;  /* intros and outros: just the roots */
  switch (pat) {
  case SF_BP_WALK:
    bass_walk(b, &r);
    break;
  case SF_BP_EIGHTHS:
    for (i = 0; i < 8; i++)
      bass_note(b, root, i * 0.5, 0.42, i % 2 ? 0.7f : 0.9f, &r);
    break;
  case SF_BP_OCTAVES:
    for (i = 0; i < 8; i++)
      bass_note(b, root + (i % 2 ? 12 : 0), i * 0.5, 0.42,
                i % 2 ? 0.65f : 0.9f, &r);
    break;
  case SF_BP_SYNCO:
    bass_note(b, root, 0, 1.4, 1.0f, &r);
    bass_note(b, root, 1.5, 0.4, 0.7f, &r);
    bass_note(b, root, 2.5, 0.9, 0.85f, &r);
    if (e > 0.9f)
      bass_note(b, root + 12, 3.5, 0.4, 0.6f, &r);
    break;
  case SF_BP_SUSTAIN:
    bass_note(b, root, 0, 3.9, 0.95f, &r);
    break;
  default:
    bass_note(b, root, 0, 1.8, 1.0f, &r);
    bass_note(b, root, 2, e > 0.9f ? 1.4 : 1.8, 0.85f, &r);
    if (e > 0.9f)
      bass_note(b, root, 3.5, 0.4, 0.7f, &r);
    break;
  }
}

/* ---- chords and pad ----------------------------------------------------- */

/* One chord hit: left hand (root and fifth) and right hand (the upper
** tones), each struck as one chord, strummed by 'strum' seconds a
** string. */
static void chord_hit (const Bar *b, int inst, double beat, double beats,
                       float vel, SfRng *r, double strum) {
  int pc[4], n = chord_pcs(b, pc), i, power = b->st->comp == SF_CP_POWER8;
  int rh[4], lr;
  double t = at(b, beat, r), dt[4];
  SfVoice v[4];
  float pan[4];
  SfSend sd;
  float wide = b->st->flags & SF_ST_WIDE ? 0.7f : 0.35f;
  lr = power ? 40 + pc_of(b->ch->root_pc - 4) : near(pc[0], 50);
  voice_init(&v[0], b, inst, lr, vel * 0.85f, beats);
  voice_init(&v[1], b, inst, lr + 7, vel * 0.7f, beats);
  pan[0] = pan[1] = -0.15f;
  dt[0] = 0;
  dt[1] = strum;
  send_set(&sd, 0, 0.25f, 0.0f);
  sf_seg_chord(b->s, v, pan, dt, 2, SF_BUS_CHORD_LH, t, &sd);
  if (power) {
    rh[0] = 52 + pc_of(b->ch->root_pc - 4);
    n = 1;
  } else {
    for (i = 1; i < n; i++)
      rh[i - 1] = near(pc[i], 64);
    rh[n - 1] = near(pc[0], 66);
  }
  for (i = 0; i < n; i++) {
    pan[i] = n > 1 ? wide * (2.0f * i / (n - 1) - 1.0f) : 0.2f;
    voice_init(&v[i], b, inst, rh[i], vel * 0.8f, beats);
    dt[i] = strum * (i + 2);
  }
  send_set(&sd, 0, 0.3f, 0.15f);
  sf_seg_chord(b->s, v, pan, dt, n, SF_BUS_CHORD_RH, t, &sd);
}

typedef struct Hit {
  float beat, len, vel;
} Hit;

/* Comping rhythms: (beat, length, velocity). */
static int comp_pattern (const Bar *b, Hit *h) {
  static const Hit SUSTAIN[] = {{0, 4, 0.9f}};
  static const Hit LOFI[] = {{0, 2.4f, 0.9f}, {2.5f, 1.4f, 0.7f}};
  static const Hit STAB[] = {{0.5f, 0.3f, 0.9f}, {1.5f, 0.3f, 0.8f},
                             {2.5f, 0.3f, 0.9f}, {3.5f, 0.3f, 0.8f}};
  static const Hit STRUM[] = {{0, 1, 1}, {1, 0.5f, 0.8f}, {1.5f, 1, 0.6f},
                              {2.5f, 0.5f, 0.6f}, {3, 0.5f, 0.8f},
                              {3.5f, 0.5f, 0.6f}};
  static const Hit JAZZ[] = {{0, 1.2f, 0.85f}, {1.5f, 0.5f, 0.7f},
                             {3.5f, 0.4f, 0.6f}};
  static const Hit BALLAD[] = {{0, 2, 0.9f}, {2, 2, 0.75f}};
  static const Hit SKANK[] = {{1, 0.3f, 0.85f}, {3, 0.3f, 0.85f}};
  static const Hit PULSE[] = {{0, .45f, 1}, {.5f, .45f, .6f}, {1, .45f, .8f},
                              {1.5f, .45f, .6f}, {2, .45f, .9f},
                              {2.5f, .45f, .6f}, {3, .45f, .8f},
                              {3.5f, .45f, .6f}};
  const Hit *p = SUSTAIN;
  int n = 1, i;
  switch (b->st->comp) {
  case SF_CP_STAB: p = STAB; n = 4; break;
  case SF_CP_STRUM: p = STRUM; n = 6; break;
  case SF_CP_JAZZ: p = JAZZ; n = 3; break;
  case SF_CP_BALLAD: p = BALLAD; n = 2; break;
  case SF_CP_SKANK: p = SKANK; n = 2; break;
  case SF_CP_PULSE: case SF_CP_POWER8: p = PULSE; n = 8; break;
  case SF_CP_SUSTAIN:
    if (b->st->chords == SF_I_EPIANO || b->st->chords == SF_I_PIANO) {
      p = LOFI;
      n = 2;
    }
    break;
  default: break;
  }
  if (b->arr.drums <= 1 && b->st->comp != SF_CP_BROKEN) {
    p = SUSTAIN;  /* intros, outros and breaks: let the chords ring */
    n = 1;
  }
  for (i = 0; i < n; i++)
    h[i] = p[i];
  return n;
}

/* Broken chords (classical): low root, then the upper tones in eighths. */
static void chords_broken (const Bar *b, int inst, SfRng *r) {
  int pc[4], n = chord_pcs(b, pc), i;
  static const int ORDER[8] = {0, 2, 1, 2, 3, 2, 1, 2};
  SfVoice v;
  SfSend sd;
  for (i = 0; i < 8; i++) {
    int k = ORDER[i] % (n + 1), m, bus;
    m = k == 0 ? near(pc[0], 50) : near(pc[(k - 1) % n], 62);
    bus = k == 0 ? SF_BUS_CHORD_LH : SF_BUS_CHORD_RH;
    voice_init(&v, b, inst, m, i % 4 == 0 ? 0.85f : 0.6f, 1.0);
    send_set(&sd, k == 0 ? -0.2f : 0.2f, 0.3f, 0);
    sf_seg_voice(b->s, &v, bus, at(b, i * 0.5, r), &sd);
  }
}

static void layer_chords (const Bar *b) {
  SfRng r = bar_rng(b, 4);
  Hit h[8];
  int n, i, inst = b->st->chords;
  if (inst == SF_I_NONE || !b->arr.chords)
    return;
  if (b->st->comp == SF_CP_BROKEN) {
    chords_broken(b, inst, &r);
    return;
  }
  n = comp_pattern(b, h);
  for (i = 0; i < n; i++) {
    double strum = 0;
    float vel = h[i].vel;
    if (b->st->comp == SF_CP_STRUM)  /* down-strokes slower than up */
      strum = i % 2 ? 0.006 : 0.012;
    if (b->st->comp == SF_CP_POWER8 && b->energy < 0.8f)
      h[i].len = 0.3f;  /* palm-muted verses */
    chord_hit(b, inst, h[i].beat, h[i].len, vel, &r, strum);
  }
}

static void layer_pad (const Bar *b) {
  int pc[4], n = chord_pcs(b, pc), i, inst = b->st->pad;
  SfVoice v;
  SfSend sd;
  SfRng r = bar_rng(b, 5);
  int always = b->st->drums_on == 0 && inst != SF_I_NONE;
  if (inst == SF_I_NONE || !(b->arr.pad || always))
    return;
  if (!wants(b, SF_BUS_PAD))
    return;
  for (i = 0; i < n && i < 3; i++) {
    int m = near(pc[i], i == 0 ? 55 : 64);
    float pan = (b->st->flags & SF_ST_WIDE ? 0.8f : 0.4f) * (i - 1);
    voice_init(&v, b, inst == SF_I_CHOIR ? SF_I_CHOIR : inst, m,
               0.7f, 4.0);
    v.vowel = SF_VOW_O;
    send_set(&sd, pan, 0.6f, 0.0f);
    sf_seg_voice(b->s, &v, SF_BUS_PAD, at(b, 0, &r), &sd);
  }
}

/* ---- melody: the voice, and instruments playing it ---------------------- */

static int melody_part (int kind) {
  switch (kind) {
  case SF_SEC_CHORUS: case SF_SEC_SOLO: return 1;
  case SF_SEC_BRIDGE: case SF_SEC_PRE: return 2;
  default: return 0;
  }
}

/* This bar's melody: sung to its lyric line when it has one. */
static int bar_melody (const Bar *b, SfNote *mel) {
  const SfLine *line = NULL;
  if (b->bp.line >= 0 && b->bp.line < b->id->nlines)
    line = &b->id->line[b->bp.line];
  return sf_idea_melody(b->id, melody_part(b->bp.kind), &b->bp, b->bar,
                        line, mel);
}

/* Does this bar have sung lyrics, or is it a gap between lines? */
static int lyric_gap (const Bar *b) {
  return b->id->lyric && b->bp.line < 0 && b->arr.vox;
}

static void layer_vox (const Bar *b, int instrumental) {
  SfNote mel[SF_MAX_MEL];
  SfRng r = bar_rng(b, 6);
  int n, i;
  if (instrumental || !b->arr.vox || lyric_gap(b))
    return;
  if (!wants(b, SF_BUS_VOX))
    return;
  n = bar_melody(b, mel);
  for (i = 0; i < n; i++) {
    SfVoice v;
    SfSend sd;
    double len = mel[i].len * 0.92;
    voice_init(&v, b, SF_I_VOICE, mel[i].midi, mel[i].vel, len);
    v.gate = frames_of(b, len);  /* singing keeps the written lengths */
    v.vowel = mel[i].vowel;
    v.cons = mel[i].cons;
    v.glide = i > 0 && mel[i - 1].beat + mel[i - 1].len >= mel[i].beat
              ? (float)(mel[i - 1].midi - mel[i].midi) * 0.5f : -0.7f;
    if (v.glide > 2) v.glide = 2;
    if (v.glide < -2) v.glide = -2;
    send_set(&sd, 0, 0.45f, 0);
    sf_seg_voice(b->s, &v, SF_BUS_VOX, at(b, mel[i].beat, &r), &sd);
  }
}

/* "Ooh"s on the chord's third and fifth under a chorus. */
static void layer_backing (const Bar *b, int instrumental) {
  int pc[4], i;
  SfRng r = bar_rng(b, 7);
  if (instrumental || !b->arr.backing)
    return;
  if (!wants(b, SF_BUS_BACKING))
    return;
  chord_pcs(b, pc);
  for (i = 1; i <= 2; i++) {
    SfVoice v;
    SfSend sd;
    voice_init(&v, b, SF_I_OOH, near(pc[i], 67), 0.6f, 3.8);
    v.vowel = (b->bar / 2) % 2 ? SF_VOW_O : SF_VOW_U;
    v.vibrato = 0.2f;
    send_set(&sd, i == 1 ? -0.6f : 0.6f, 0.5f, 0);
    sf_seg_voice(b->s, &v, SF_BUS_BACKING, at(b, 0, &r), &sd);
  }
}

/* The melody on an instrument: intros, solos, outros, and the whole song
** when there is no voice. */
static void layer_inst (const Bar *b, int instrumental) {
  SfNote mel[SF_MAX_MEL];
  SfRng r = bar_rng(b, 8);
  int n, i, inst = b->st->lead, shift = 0;
  int plays = b->arr.inst || (instrumental && b->arr.vox);
  if (inst == SF_I_NONE || !plays)
    return;
  if (!wants(b, SF_BUS_LEAD_INST))
    return;
  if ((b->bp.kind == SF_SEC_INTRO || b->bp.kind == SF_SEC_OUTRO) &&
      b->bp.sec_bar % 4 >= 2)
    return;  /* intros only hint at the tune */
  if (inst == SF_I_BELL || inst == SF_I_FLUTE || inst == SF_I_MARIMBA)
    shift = 12;
  if (inst == SF_I_DISTGTR || inst == SF_I_HORN)
    shift = -12 * (b->id->tonic_midi > 62);
  n = bar_melody(b, mel);
  for (i = 0; i < n; i++) {
    SfVoice v;
    SfSend sd;
    voice_init(&v, b, inst, mel[i].midi + shift, mel[i].vel * 0.9f,
               mel[i].len * 0.9);
    send_set(&sd, 0.1f, 0.4f, 0.35f);
    sf_seg_voice(b->s, &v, SF_BUS_LEAD_INST, at(b, mel[i].beat, &r), &sd);
  }
}

/* Arpeggiator: the chord's tones rising in sixteenths (eighths when fast). */
static void layer_arp (const Bar *b) {
  static const int UP[8] = {0, 1, 2, 3, 2, 1, 0, 1};
  int pc[4], n, i, steps, inst = b->st->arp;
  double step_beats;
  SfRng r = bar_rng(b, 9);
  if (inst == SF_I_NONE || !b->arr.arp || !(b->st->flags & SF_ST_ARP))
    return;
  if (!wants(b, SF_BUS_ARP))
    return;
  n = chord_pcs(b, pc);
  step_beats = b->st->bpm > 135 || b->st->density < 0.9f ? 0.5 : 0.25;
  steps = (int)(4.0 / step_beats);
  for (i = 0; i < steps; i++) {
    SfVoice v;
    SfSend sd;
    int k = UP[i % 8], m;
    m = k < n ? near(pc[k], 74) : near(pc[0], 74) + 12;
    voice_init(&v, b, inst, m, i % 4 == 0 ? 0.8f : 0.55f, step_beats * 0.8);
    send_set(&sd, 0.3f * sf_rng_sym(&r), 0.35f, 0.4f);
    sf_seg_voice(b->s, &v, SF_BUS_ARP, at(b, i * step_beats, &r), &sd);
  }
}

/* ---- texture and fx ----------------------------------------------------- */

/* Five takes of noise per bar length, picked at random: no audible loop,
** and the renders are shared through the note cache. */
static uint32_t texture_take (const Bar *b) {
  return (uint32_t)(sf_mix64(b->id->seed ^ (uint64_t)b->bar) % 5) * 2 + 1;
}

static void layer_texture (const Bar *b) {
  SfVoice v;
  SfSend sd;
  send_set(&sd, 0, 0, 0);
  if (b->st->crackle > 0) {
    voice_init(&v, b, SF_I_VINYL, 60, 1.0f, 4.0);
    v.gate = frames_of(b, 4.0) + 256;  /* overlap the next bar's fade */
    v.level = b->st->crackle;
    v.seed = texture_take(b);
    sf_seg_voice(b->s, &v, SF_BUS_VINYL, sf_seg_time(b->s, b->bar, 0),
                 &sd);
  }
  if (b->st->hiss > 0) {
    voice_init(&v, b, SF_I_HISS, 60, 1.0f, 4.0);
    v.gate = frames_of(b, 4.0) + 256;
    v.level = b->st->hiss;
    v.seed = texture_take(b);
    sf_seg_voice(b->s, &v, SF_BUS_HISS, sf_seg_time(b->s, b->bar, 0), &sd);
  }
}

static void layer_fx (const Bar *b) {
  SfVoice v;
  SfSend sd;
  int into_chorus = b->bp.next_kind == SF_SEC_CHORUS &&
                    b->bp.kind != SF_SEC_CHORUS &&
                    b->bp.sec_bar == b->bp.sec_bars - 1;
  int chorus_start = b->bp.kind == SF_SEC_CHORUS && b->bp.sec_bar == 0 &&
                     b->bp.last_kind != SF_SEC_CHORUS;
  if (!(b->st->flags & SF_ST_RISERS))
    return;
  send_set(&sd, 0, 0.5f, 0.2f);
  if (into_chorus) {
    voice_init(&v, b, SF_I_RISER, 60, 0.8f, 4.0);
    v.gate = frames_of(b, 4.0);
    sf_seg_voice(b->s, &v, SF_BUS_RISER, sf_seg_time(b->s, b->bar, 0),
                 &sd);
  }
  if (chorus_start) {
    voice_init(&v, b, SF_I_IMPACT, 40, 0.9f, 1.0);
    sf_seg_voice(b->s, &v, SF_BUS_IMPACT, sf_seg_time(b->s, b->bar, 0),
                 &sd);
  }
}

/* ---- the bar ------------------------------------------------------------ */

void sf_arrange_bar (SfSeg *s, const SfIdea *id, const SfStyle *st,
                     int bar, int ext_bar0, int instrumental) {
  Bar b;
  if (bar < 0)
    return;
  memset(&b, 0, sizeof b);
  b.s = s;
  b.id = id;
  b.st = st;
  b.bar = bar;
  b.ch = &id->chord[bar % id->bars];
  b.next = &id->chord[(bar + 1) % id->bars];
  sf_idea_barpos(id, bar, ext_bar0, &b.bp);
  b.arr = ARR[b.bp.kind];
  b.energy = b.arr.energy;
  if (b.bp.kind == SF_SEC_CHORUS && b.bp.nth >= 2)
    b.energy = 1.05f;  /* the last choruses lift */
  layer_drums(&b);
  layer_perc(&b);
  layer_bass(&b);
  layer_chords(&b);
  layer_pad(&b);
  layer_vox(&b, instrumental);
  layer_backing(&b, instrumental);
  layer_inst(&b, instrumental);
  layer_arp(&b);
  layer_texture(&b);
  layer_fx(&b);
}
