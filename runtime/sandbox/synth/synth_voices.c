/*
** synth_voices.c -- one note of one instrument into a mono float buffer.
**
** Every instrument is cheap on purpose (SYNTH.md, "Instruments that cost
** little"): decaying partials as rotating complex numbers (piano, e-piano,
** bells, organ, upright bass), a Karplus-Strong string, detuned band-limited
** saws through a state-variable filter (pads, leads, guitars), and a saw
** through band-pass formants for the singing voice. No allocation: the
** caller owns 'out', and every voice writes at most 'cap' frames.
*/
#include <string.h>

#include "synth_internal.h"

#define FS ((float)SF_SYNTH_RATE)

/* ---- envelope ----------------------------------------------------------- */

/* Linear attack, exponential decay to a sustain level while the gate is
** held, exponential release after. */
typedef struct Env {
  float level, att, dec, sus, rel;
  int gate, i, attacking;
} Env;

static void env_init (Env *e, float attack, float decay, float sus,
                      float release, int gate) {
  e->level = 0.0f;
  e->att = attack > 0 ? 1.0f / (attack * FS) : 1.0f;
  e->dec = sf_decay(decay);
  e->sus = sus;
  e->rel = sf_decay(release);
  e->gate = gate;
  e->i = 0;
  e->attacking = 1;
}

static inline float env_tick (Env *e) {
  if (e->i++ < e->gate) {
    if (e->attacking) {
      e->level += e->att;
      if (e->level >= 1.0f) {
        e->level = 1.0f;
        e->attacking = 0;
      }
    } else {
      e->level = e->sus + (e->level - e->sus) * e->dec;
    }
  } else {
    e->level *= e->rel;
  }
  return e->level;
}

/* Frames a note lasts: the gate plus a release down to -30 dB (the
** last few ms are faded, and the mix and reverb hide the rest). */
static int note_len (int gate, float release, int cap) {
  double n = (double)gate + 3.5 * release * FS;
  return n > cap ? cap : (int)n;
}

/* The same envelope in closed form, for voices that evaluate it once per
** block of BLK frames and ramp linearly in between. */
#define BLK 32

typedef struct EnvShape {
  float na, dec, sus, rel;   /* frames of attack, decay/release in frames */
  int gate;
  float at_gate;             /* level when the gate closes */
} EnvShape;

static float shape_held (const EnvShape *e, float i) {
  if (i < e->na)
    return i / e->na;
  return e->sus + (1.0f - e->sus) * expf(-(i - e->na) / e->dec);
}

static void shape_init (EnvShape *e, float attack, float decay, float sus,
                        float release, int gate) {
  e->na = attack * FS > 1.0f ? attack * FS : 1.0f;
  e->dec = decay * FS > 1.0f ? decay * FS : 1.0f;
  e->sus = sus;
  e->rel = release * FS > 1.0f ? release * FS : 1.0f;
  e->gate = gate;
  e->at_gate = shape_held(e, (float)gate);
}

static float shape_at (const EnvShape *e, int i) {
  if (i < e->gate)
    return shape_held(e, (float)i);
  return e->at_gate * expf(-(float)(i - e->gate) / e->rel);
}

/* ---- additive: decaying partials ---------------------------------------- */

#define NPART 8

typedef struct AddSpec {
  float ratio[NPART], amp[NPART], tau[NPART];
  float tau1;                /* fundamental's decay at 220 Hz; 0 sustains */
  float attack, release, inharm, trem_hz, trem, noise;
} AddSpec;

static const AddSpec PIANO = {
  {1, 2, 3, 4, 5, 6, 7, 8}, {1, .55f, .35f, .22f, .15f, .1f, .07f, .05f},
  {1, .75f, .6f, .5f, .42f, .36f, .3f, .26f}, 2.8f, .002f, .12f, .0004f,
  0, 0, .08f};
/* Four partials (one vector): the fundamental, the octave, and the
** tine's bell pair that gives the attack its "bark". */
static const AddSpec EPIANO = {
  {1, 2, 7.1f, 14.2f, 0, 0, 0, 0}, {1, .32f, .22f, .06f, 0, 0, 0, 0},
  {1, .6f, .08f, .04f, 1, 1, 1, 1}, 2.5f, .003f, .15f, 0, 4.5f, .18f,
  .02f};
static const AddSpec BELL = {
  {1, 2, 2.76f, 5.4f, 8.93f, 0, 0, 0}, {1, .5f, .4f, .25f, .15f, 0, 0, 0},
  {1, .7f, .5f, .3f, .2f, 1, 1, 1}, 1.6f, .001f, .6f, 0, 0, 0, 0};
static const AddSpec MARIMBA = {
  {1, 3.93f, 9.2f, 0, 0, 0, 0, 0}, {1, .35f, .1f, 0, 0, 0, 0, 0},
  {1, .25f, .1f, 1, 1, 1, 1, 1}, .35f, .001f, .1f, 0, 0, 0, .1f};
static const AddSpec ORGAN = {
  {.5f, 1, 2, 3, 4, 6, 8, 0}, {.6f, 1, .7f, .4f, .35f, .2f, .15f, 0},
  {0, 0, 0, 0, 0, 0, 0, 0}, 0, .008f, .06f, 0, 6.5f, .1f, 0};
static const AddSpec FLUTE = {
  {1, 2, 3, 0, 0, 0, 0, 0}, {1, .25f, .08f, 0, 0, 0, 0, 0},
  {0, 0, 0, 0, 0, 0, 0, 0}, 0, .06f, .1f, 0, 5.0f, .12f, .03f};
static const AddSpec UPRIGHT = {
  {1, 2, 3, 4, 5, 0, 0, 0}, {1, .5f, .3f, .15f, .08f, 0, 0, 0},
  {1, .6f, .4f, .3f, .2f, 1, 1, 1}, 1.2f, .004f, .08f, 0, 0, 0, .06f};

/* Four floats in one SSE/NEON register (GCC and Clang vector extension):
** the partial loop is the hottest in the synth and -O2 does not vectorize
** it on its own. */
typedef float V4 __attribute__((vector_size(16)));

/* Run the complex rotations: out[i] = sum of the partials' imaginary
** parts, for samples [i0, i1), over 'nv' groups of four partials. */
static void rotate_run (V4 *re, V4 *im, const V4 *cr, const V4 *ci, int nv,
                        float *out, int i0, int i1) {
  int i, k;
  for (i = i0; i < i1; i++) {
    V4 s = {0, 0, 0, 0};
    for (k = 0; k < nv; k++) {
      V4 nr = re[k] * cr[k] - im[k] * ci[k];
      V4 ni = re[k] * ci[k] + im[k] * cr[k];
      re[k] = nr;
      im[k] = ni;
      s += ni;
    }
    out[i] = (s[0] + s[1]) + (s[2] + s[3]);
  }
}

/* Rotation coefficients of every partial for decay times tau[k]. */
static void rotate_coefs (const float *w, const float *tau, float *cr,
                          float *ci) {
  int k;
  for (k = 0; k < NPART; k++) {
    float m = tau[k] > 0 ? sf_decay(tau[k]) : 1.0f;
    cr[k] = m * cosf(w[k]);
    ci[k] = m * sinf(w[k]);
  }
}

/* Attack ramp, tremolo, and a little hammer or mallet noise on top of
** the partials; each loop only runs where it has something to do. */
static void additive_touch (const SfVoice *v, const AddSpec *sp, int noise,
                            float *out, int n) {
  int na = (int)(sp->attack * FS) + 1, i;
  uint32_t ns = v->seed | 1u;
  float nl = sp->noise * v->vel, nd = sf_decay(0.004f), lp = 0;
  float tp = 0, ti = 16 * sp->trem_hz / FS;
  for (i = 0; i < n && i < na; i++)
    out[i] *= (float)i / na;
  if (sp->trem > 0)
    for (i = 0; i < n; i += 16) {  /* tremolo at control rate */
      float tg = 1.0f + sp->trem * sf_sin1(tp);
      int k, e = i + 16 < n ? i + 16 : n;
      for (k = i; k < e; k++)
        out[k] *= tg;
      tp += ti;
    }
  for (i = 0; noise && i < n && nl > 1e-4f; i++) {
    lp += 0.3f * (sf_noise(&ns) - lp);
    out[i] += nl * lp;
    nl *= nd;
  }
}

static int v_additive (const SfVoice *v, const AddSpec *sp, int parts_from,
                       int parts_to, float *out, int cap) {
  V4 vre[NPART / 4], vim[NPART / 4], vcr[NPART / 4], vci[NPART / 4];
  float *re = (float *)vre, *im = (float *)vim;
  float *cr = (float *)vcr, *ci = (float *)vci;
  float w[NPART], tau[NPART];
  float tilt = 0.8f * (1.0f - v->vel * v->bright), t1 = 0, tmax = 0;
  float rel = sp->release;
  int k, n, gate = v->gate, nv, last = 0;
  if (tilt < 0)
    tilt = 0;
  if (sp->tau1 > 0) {
    t1 = sp->tau1 * powf(220.0f / v->freq, 0.6f);
    t1 = t1 < 0.15f ? 0.15f : t1 > 8.0f ? 8.0f : t1;
  }
  for (k = 0; k < NPART; k++) {
    float r = sp->ratio[k], f = v->freq * r * sqrtf(1 + sp->inharm * r * r);
    int on = sp->amp[k] > 0 && f < 0.45f * FS && f < 12000.0f * v->bright &&
             k >= parts_from && k < parts_to;
    w[k] = (float)SF_TWO_PI * f / FS;
    re[k] = on ? sp->amp[k] * powf(r < 1 ? 1 : r, -tilt) : 0.0f;
    im[k] = 0.0f;
    tau[k] = sp->tau1 > 0 ? t1 * sp->tau[k] : 0.0f;
    if (on && tau[k] > tmax)
      tmax = tau[k];
    if (on)
      last = k + 1;
  }
  nv = (last + 3) / 4;  /* skip groups of silent partials */
  if (tmax > 0 && gate > (int)(4.6f * tmax * FS))
    gate = (int)(4.6f * tmax * FS);  /* decayed away before release */
  n = note_len(gate, rel, cap);
  rotate_coefs(w, tau, cr, ci);
  rotate_run(vre, vim, vcr, vci, nv, out, 0, gate < n ? gate : n);
  if (gate < n) {
    for (k = 0; k < NPART; k++)
      tau[k] = tau[k] > 0 && tau[k] < rel ? tau[k] : rel;
    rotate_coefs(w, tau, cr, ci);
    rotate_run(vre, vim, vcr, vci, nv, out, gate, n);
  }
  additive_touch(v, sp, parts_from == 0, out, n);
  return n;
}

/* ---- Karplus-Strong string ---------------------------------------------- */

#define KS_MAX 2048

/* A plucked string: a noise burst circulating in a delay line of one
** period, low-passed on each trip. The one-pole's own delay is taken off
** the loop length so the pitch stays in tune. */
static int v_pluck (const SfVoice *v, float *out, int cap, float decay) {
  float buf[KS_MAX], a = 0.25f + 0.5f * v->bright * (0.5f + 0.5f * v->vel);
  float period, d, frac, s = 0.0f, g, lp = 0.0f;
  uint32_t ns = v->seed | 1u;
  int n, len, w = 0, i, gate = v->gate;
  if (a > 0.95f)
    a = 0.95f;
  period = FS / v->freq;
  d = period - (1.0f - a) / a;
  if (d < 2.0f || d > KS_MAX - 2)
    return 0;
  len = (int)d;
  frac = d - len;
  for (i = 0; i < len + 1; i++) {  /* pluck: brightness shapes the burst */
    lp += (0.35f + 0.6f * v->bright * v->vel) * (sf_noise(&ns) - lp);
    buf[i] = lp;
  }
  g = expf(-period / (decay * powf(220.0f / v->freq, 0.5f) * FS));
  if (gate > (int)(6.0f * decay * FS))
    gate = (int)(6.0f * decay * FS);
  n = note_len(gate, 0.08f, cap);
  for (i = 0; i < n; i++) {
    int r0 = w, r1 = w + 1 < len + 1 ? w + 1 : 0;
    float x = buf[r0] + frac * (buf[r1] - buf[r0]);
    if (i == gate)
      g = expf(-period / (0.08f * FS));  /* fingers damp the string */
    s += a * (x - s);
    buf[w] = s * g;
    w = r1;
    out[i] = 2.5f * x;  /* the filtered burst is quiet: bring it up */
  }
  for (i = 0; i < n && i < 64; i++)  /* soften the very first edge */
    out[i] *= (float)i / 64.0f;
  return n;
}

/* ---- subtractive: saws through a filter --------------------------------- */

typedef struct SubSpec {
  int nosc;                  /* detuned saws (1..3) */
  float detune;              /* cents between them */
  int square;                /* 1: pulse instead of saw */
  float cutoff, env_cut;     /* Hz at rest, Hz added by the envelope */
  float q;
  float attack, decay, sustain, release;
  float fdecay;              /* filter envelope decay */
  float vib_delay;           /* seconds before vibrato starts; <0 none */
  float drive;
  float sub;                 /* sine one octave down */
  int half;                  /* 1: dark enough to run at half rate */
} SubSpec;

static const SubSpec SAWPAD = {2, 12, 0, 1800, 1200, .8f, .35f, 1, 1, .8f,
                               1.5f, -1, 0, 0, 1};
static const SubSpec STRINGS = {2, 8, 0, 2600, 1500, .7f, .45f, 1, 1, .7f,
                                2.0f, 0.25f, 0, 0, 1};
static const SubSpec WARMPAD = {2, 6, 0, 700, 500, .7f, .3f, 1, 1, .9f,
                                2.0f, -1, 0, .5f, 1};
static const SubSpec DISTGTR = {2, 5, 0, 2800, 1200, .8f, .005f, .8f, .7f,
                                .07f, .3f, 0.35f, 6.0f, 0, 0};
static const SubSpec SQUARELEAD = {1, 0, 1, 2200, 2500, 1.2f, .01f, .5f,
                                   .8f, .12f, .25f, 0.3f, 0, 0, 0};
static const SubSpec SAWLEAD = {2, 9, 0, 2600, 3500, 1.4f, .01f, .5f, .8f,
                                .15f, .3f, 0.3f, 0, 0, 0};
static const SubSpec HORN = {1, 0, 0, 500, 2800, .8f, .06f, .6f, .8f, .12f,
                             .5f, 0.35f, 0, 0, 0};
static const SubSpec SYNTHPLUCK = {2, 7, 0, 300, 6000, 1.5f, .002f, .35f, 0,
                                   .15f, .09f, -1, 0, 0, 0};

/* Saw (or pulse) oscillators with slow vibrato, summed then filtered once:
** the filter is linear, so one filter per note serves all oscillators.
** Vibrato, filter sweep and envelope move at control rate (blocks of
** BLK frames); only the oscillators and the filter run per sample. */
static int v_subtractive (const SfVoice *v, const SubSpec *sp, float *out,
                          int cap) {
  /* pads are low-passed well below 11 kHz: they run at half the rate
  ** (half the cost) and are interpolated back up at the end */
  int half = sp->half, step = half ? 2 : 1;
  float rate = FS / step;
  float ph[3] = {0, 0.33f, 0.71f}, inc[3], dt[3], vp = 0, vib = 0, bp;
  float vi = BLK * 5.5f / rate, fenv = 1;
  float fdec = expf(-BLK / (sp->fdecay * rate));
  float drive = sp->drive * (v->drive > 0 ? v->drive : 1.0f);
  float inv = 1.0f / sp->nosc, sre = 1, sim = 0, sc, ss;
  /* short notes get short releases: a stab on a pad sound must not ring
  ** for seconds (and cost as much as a held chord) */
  float rel = sp->release, rmax = 0.06f + 0.3f * v->gate / FS;
  int n, m, i, i0, o, nosc = sp->nosc;
  int vib_at = (int)(sp->vib_delay * rate);
  EnvShape es;
  SfSvf f;
  if (rel > rmax)
    rel = rmax;
  n = note_len(v->gate, rel, cap);
  m = (n + step - 1) / step + 1;  /* frames at the running rate */
  for (o = 0; o < nosc; o++) {
    float c = sp->detune * (o - 0.5f * (nosc - 1));
    inc[o] = v->freq * powf(2.0f, c / 1200.0f) / rate;
  }
  sc = cosf((float)SF_PI * v->freq / rate);  /* sub: half the frequency */
  ss = sinf((float)SF_PI * v->freq / rate);
  if (m > cap)
    m = cap;
  /* the envelope counts frames of 'rate': seconds / step at FS */
  shape_init(&es, sp->attack / step, sp->decay / step, sp->sustain,
             rel / step, v->gate / step);
  memset(&f, 0, sizeof f);
  if (sp->vib_delay >= 0)
    vib = v->vibrato > 0 ? v->vibrato : 0.15f;
  for (i0 = 0; i0 < m; i0 += BLK) {
    int i1 = i0 + BLK < m ? i0 + BLK : m;
    float e0 = shape_at(&es, i0), de = (shape_at(&es, i1) - e0) / BLK;
    float mod = 1.0f;
    if (vib > 0 && i0 >= vib_at) {
      mod = 1.0f + 0.0578f * vib * sf_sin1(vp);
      vp += vi;
    }
    for (o = 0; o < nosc; o++)
      dt[o] = inc[o] * mod;
    sf_svf_set_at(&f, (sp->cutoff + sp->env_cut * v->vel * fenv) *
                  v->bright, sp->q, rate);
    fenv *= fdec;
    for (i = i0; i < i1; i++) {
      float x = 0.0f;
      for (o = 0; o < nosc; o++) {
        float t = ph[o];
        x += sf_saw(t, dt[o]);
        if (sp->square) {
          float t2 = t + 0.5f;
          x -= sf_saw(t2 >= 1.0f ? t2 - 1.0f : t2, dt[o]);
        }
        t += dt[o];
        ph[o] = t >= 1.0f ? t - 1.0f : t;
      }
      x *= inv;
      if (sp->sub > 0) {
        float nr = sre * sc - sim * ss;
        sim = sre * ss + sim * sc;
        sre = nr;
        x += sp->sub * sim;
      }
      if (drive > 0)
        x = sf_soft(x * drive) * 0.8f;
      out[i] = sf_svf_tick(&f, x, &bp) * e0;
      e0 += de;
    }
  }
  if (half)  /* back to the full rate, from the end so nothing is lost */
    for (i = n - 1; i >= 0; i--)
      out[i] = i & 1 ? 0.5f * (out[i / 2] + out[i / 2 + 1]) : out[i / 2];
  return n;
}

/* ---- basses ------------------------------------------------------------- */

/* Every bass has a sine at the root (layer 1, the "Sub Bass" bus) and a
** timbre on top (layer 2, the "Bass" bus): the two add up to the whole. */
static int v_bass (const SfVoice *v, float *out, int cap) {
  float c = cosf((float)SF_TWO_PI * v->freq / FS);
  float s = sinf((float)SF_TWO_PI * v->freq / FS);
  float re = cosf((float)SF_TWO_PI * v->phase);
  float im = sinf((float)SF_TWO_PI * v->phase);
  float ph = v->phase, inc = v->freq / FS, bp, fenv = 1, glide = 1;
  float rel = v->inst == SF_I_BASS_808 ? 0.2f : 0.06f, sub, top, drive;
  float att = v->inst == SF_I_BASS_SUB ? 0.04f : 0.003f;
  float dec = v->inst == SF_I_BASS_808 ? 0.9f : 0.3f;
  float sus = v->inst == SF_I_BASS_PICK ? 0.55f : 0.7f;
  float gdec = sf_decay(0.03f), fdec = sf_decay(0.12f);
  SfSvf f;
  Env e;
  int n = note_len(v->gate, rel, cap), i;
  uint32_t ns = v->seed | 1u;
  memset(&f, 0, sizeof f);
  sf_svf_set(&f, 700.0f * v->bright, 0.9f);
  env_init(&e, att, dec, v->inst == SF_I_BASS_808 ? 0.45f : sus, rel,
           v->gate);
  drive = v->inst == SF_I_BASS_PICK ? 2.0f + 2.0f * v->drive : 1.5f;
  if (v->inst == SF_I_BASS_808)
    glide = 1.25f;
  for (i = 0; i < n; i++) {
    float env = env_tick(&e), nr, sq, t;
    if (glide > 1.0001f) {  /* 808: pitch falls onto the note */
      sub = sf_sin1(ph);
      ph += inc * glide;
      glide = 1.0f + (glide - 1.0f) * gdec;
    } else if (v->inst == SF_I_BASS_808) {
      sub = sf_sin1(ph);
      ph += inc;
    } else {
      nr = re * c - im * s;
      im = re * s + im * c;
      re = nr;
      sub = im;
    }
    if (ph >= 1.0f)
      ph -= 1.0f;
    top = 0.0f;
    if (v->layer != 1) {
      if ((i & 31) == 0)
        sf_svf_set(&f, (250.0f + 1800.0f * fenv * v->vel) * v->bright,
                   0.9f);
      fenv *= fdec;
      switch (v->inst) {
      case SF_I_BASS_808:
      case SF_I_BASS_SUB:
        top = sf_soft(2.2f * sub) - 0.86f * sub;  /* harmonics only */
        break;
      default:
        t = im > 0 ? 1.0f : -1.0f;  /* square locked to the sine */
        sq = sf_soft(drive * (0.6f * t + 0.4f * sub));
        if (v->inst == SF_I_BASS_PICK && i < 400)
          sq += 0.4f * sf_noise(&ns) * (1.0f - i / 400.0f);
        top = 0.55f * sf_svf_tick(&f, sq, &bp);
        break;
      }
    }
    out[i] = env * ((v->layer != 2 ? sub : 0.0f) + top);
  }
  for (i = 0; i < n && i < 32; i++)
    out[i] *= (float)i / 32.0f;
  return n;
}

/* ---- the singing voice -------------------------------------------------- */

/* Alto formants (Hz, bandwidth Hz, linear gain) for a e i o u. */
static const float FORMANT[SF_NVOWELS][3][3] = {
  {{800, 80, 1.0f}, {1150, 90, 0.63f}, {2800, 120, 0.1f}},
  {{400, 60, 1.0f}, {1600, 80, 0.25f}, {2700, 120, 0.13f}},
  {{350, 50, 1.0f}, {1700, 100, 0.2f}, {2700, 120, 0.13f}},
  {{450, 70, 1.0f}, {800, 80, 0.35f}, {2830, 100, 0.16f}},
  {{325, 50, 1.0f}, {700, 60, 0.25f}, {2530, 170, 0.1f}},
};

/* A saw (the glottis) through three band-pass formants, with a scoop
** into the note, delayed vibrato, breath noise and a consonant burst.
** Pitch and envelope move at control rate, the rest per sample. */
static int v_voice (const SfVoice *v, float *out, int cap, int backing) {
  SfSvf fm[3];
  float g[3], ph = 0, inc = v->freq / FS, vp = 0, bp;
  float tilt = 0, scoop = v->glide != 0 ? v->glide : -0.7f;
  float sd = sf_decay(0.04f / BLK), vib = 0, hp = 0;
  float vstep = v->vibrato / (0.3f * FS / BLK), vi = BLK * 5.6f / FS;
  float fscale = v->formant > 0 ? v->formant : 1.0f;
  float rel = backing ? 0.25f : 0.09f;
  int nf = backing ? 2 : 3, n, i, i0, k, vowel = v->vowel % SF_NVOWELS;
  int cons = backing ? 0 : v->cons, clen = (int)(0.035f * FS);
  int vib_at = (int)(0.18f * FS);
  uint32_t ns = v->seed | 1u;
  EnvShape es;
  n = note_len(v->gate, rel, cap);
  shape_init(&es, backing ? 0.18f : 0.03f, 0.6f, 0.85f, rel, v->gate);
  for (k = 0; k < 3; k++) {
    const float *fd = FORMANT[vowel][k];
    memset(&fm[k], 0, sizeof fm[k]);
    sf_svf_set(&fm[k], fd[0] * fscale, fd[0] * fscale / fd[1]);
    /* the third formant carries the voice's presence: lift it */
    g[k] = 1.6f * fd[2] * fm[k].k * (k == 2 ? 2.5f * v->bright : 1.0f);
  }
  for (i0 = 0; i0 < n; i0 += BLK) {
    int i1 = i0 + BLK < n ? i0 + BLK : n;
    float e0 = shape_at(&es, i0), de = (shape_at(&es, i1) - e0) / BLK;
    float m = powf(2.0f, scoop / 12.0f), dt;
    scoop *= sd;
    if (i0 >= vib_at && vib < v->vibrato)
      vib += vstep;  /* vibrato fades in after the onset */
    m *= 1.0f + 0.0578f * vib * sf_sin1(vp);
    vp += vi;
    dt = inc * m;
    for (i = i0; i < i1; i++) {
      float x = sf_saw(ph, dt), y;
      ph += dt;
      if (ph >= 1.0f)
        ph -= 1.0f;
      tilt += 0.6f * (x - tilt);         /* soften the glottal buzz */
      x = tilt + 0.06f * sf_noise(&ns);  /* breath */
      sf_svf_tick(&fm[0], x, &bp);
      y = g[0] * bp;
      sf_svf_tick(&fm[1], x, &bp);
      y += g[1] * bp;
      if (nf > 2) {
        sf_svf_tick(&fm[2], x, &bp);
        y += g[2] * bp;
      }
      out[i] = y * e0;
      e0 += de;
    }
  }
  for (i = 0; i < clen && i < n && cons; i++) {
    float u = (float)i / clen;
    if (cons == 2) {  /* t, k, s...: a hiss, then the vowel */
      float nz = sf_noise(&ns);
      hp += 0.5f * (nz - hp);
      out[i] = out[i] * u + 0.35f * (nz - hp) * (1.0f - u) *
                            shape_at(&es, clen);
    } else {          /* m, n, l: a darker, softer onset */
      out[i] *= 0.4f + 0.6f * u;
    }
  }
  return n;
}

/* ---- textures and effects ----------------------------------------------- */

/* Vinyl: sparse clicks and a soft rumble. Tape: hiss. */
static int v_texture (const SfVoice *v, float *out, int cap) {
  uint32_t ns = v->seed | 1u;
  int n = v->gate < cap ? v->gate : cap, i;
  float lp = 0, lp2 = 0, click = 0, cd = sf_decay(0.0006f);
  for (i = 0; i < n; i++) {
    float nz = sf_noise(&ns), x;
    if (v->inst == SF_I_VINYL) {
      if ((ns & 0x3FFF) < 3)  /* ~8 clicks a second */
        click = (sf_noise(&ns) > 0 ? 1.0f : -1.0f) * (0.3f + 0.7f *
                                                      fabsf(nz));
      click *= cd;
      lp += 0.02f * (nz - lp);
      x = click + 0.5f * lp;
    } else {
      lp += 0.6f * (nz - lp);  /* hiss: high-passed, gently */
      lp2 += 0.05f * (lp - lp2);
      x = (lp - lp2) * 0.5f;
    }
    out[i] = x * v->vel;
  }
  for (i = 0; i < n && i < 256; i++) {  /* seamless bar to bar */
    out[i] *= (float)i / 256.0f;
    out[n - 1 - i] *= (float)i / 256.0f;
  }
  return n;
}

/* Riser: noise through a band-pass sweeping up, swelling. Impact: a low
** boom with a noise burst. */
static int v_fx (const SfVoice *v, float *out, int cap) {
  uint32_t ns = v->seed | 1u;
  SfSvf f;
  float bp, ph = 0;
  int i, n;
  memset(&f, 0, sizeof f);
  if (v->inst == SF_I_RISER) {
    n = v->gate < cap ? v->gate : cap;
    for (i = 0; i < n; i++) {
      float u = (float)i / (n > 1 ? n : 1);
      if ((i & 63) == 0)
        sf_svf_set(&f, 300.0f * powf(30.0f, u) * v->bright, 3.0f);
      sf_svf_tick(&f, sf_noise(&ns), &bp);
      out[i] = bp * u * u * v->vel;
    }
    return n;
  }
  n = note_len(0, 0.5f, cap);
  {
    float amp = 1, ad = sf_decay(0.5f), nz = 1, nd = sf_decay(0.08f);
    float fr = 90.0f, fd = sf_decay(0.15f);
    for (i = 0; i < n; i++) {
      out[i] = v->vel * (amp * sf_sin1(ph) + 0.3f * nz * sf_noise(&ns));
      ph += (45.0f + fr) / FS;
      fr *= fd;
      amp *= ad;
      nz *= nd;
    }
  }
  return n;
}

/* ---- dispatch ----------------------------------------------------------- */

int sf_voice_render (const SfVoice *v, float *out, int cap) {
  int n = 0, i;
  if (cap <= 0 || v->freq <= 0 || v->gate <= 0)
    return 0;
  switch (v->inst) {
  case SF_I_PIANO: n = v_additive(v, &PIANO, 0, NPART, out, cap); break;
  case SF_I_EPIANO: n = v_additive(v, &EPIANO, 0, NPART, out, cap); break;
  case SF_I_BELL: n = v_additive(v, &BELL, 0, NPART, out, cap); break;
  case SF_I_MARIMBA: n = v_additive(v, &MARIMBA, 0, NPART, out, cap); break;
  case SF_I_ORGAN: n = v_additive(v, &ORGAN, 0, NPART, out, cap); break;
  case SF_I_FLUTE: n = v_additive(v, &FLUTE, 0, NPART, out, cap); break;
  case SF_I_BASS_UPRIGHT:
    n = v_additive(v, &UPRIGHT, v->layer == 2 ? 1 : 0,
                   v->layer == 1 ? 1 : NPART, out, cap);
    break;
  case SF_I_PLUCK: n = v_pluck(v, out, cap, 1.2f); break;
  case SF_I_SAWPAD: n = v_subtractive(v, &SAWPAD, out, cap); break;
  case SF_I_STRINGS: n = v_subtractive(v, &STRINGS, out, cap); break;
  case SF_I_WARMPAD: n = v_subtractive(v, &WARMPAD, out, cap); break;
  case SF_I_DISTGTR: n = v_subtractive(v, &DISTGTR, out, cap); break;
  case SF_I_SQUARELEAD: n = v_subtractive(v, &SQUARELEAD, out, cap); break;
  case SF_I_SAWLEAD: n = v_subtractive(v, &SAWLEAD, out, cap); break;
  case SF_I_HORN: n = v_subtractive(v, &HORN, out, cap); break;
  case SF_I_SYNTHPLUCK: n = v_subtractive(v, &SYNTHPLUCK, out, cap); break;
  case SF_I_BASS_SYNTH: case SF_I_BASS_PICK: case SF_I_BASS_808:
  case SF_I_BASS_SUB:
    n = v_bass(v, out, cap);
    break;
  case SF_I_VOICE: n = v_voice(v, out, cap, 0); break;
  case SF_I_CHOIR: case SF_I_OOH: n = v_voice(v, out, cap, 1); break;
  case SF_I_VINYL: case SF_I_HISS: n = v_texture(v, out, cap); break;
  case SF_I_RISER: case SF_I_IMPACT: n = v_fx(v, out, cap); break;
  default: return 0;
  }
  {  /* tails stop at -40 dB or at cap: fade, never click */
    int f = n < 256 ? n : 256;
    for (i = 0; i < f; i++)
      out[n - 1 - i] *= (float)i / f;
  }
  return n;
}
