/*
** synth_render.c -- recipe to PCM: segments, buses, effects, master.
**
** Each segment is rendered bar by bar. Notes are synthesized into a
** scratch buffer and added onto a ring of frames not yet final (dry left
** and right, plus sends for the reverbs and the delay). Once no pending
** bar can reach a chunk of the ring any more, the chunk goes through the
** effects and the segment's master (lo-fi low-pass, tape wobble), and is
** added, crossfaded at the joins, into the clip's float mix. At the end
** the whole clip is brought to a steady loudness, soft-clipped with tanh
** and converted to 16 bits.
**
** Stems: the buses outside the recipe's mask are simply not mixed, so a
** stem has the mix's length and timing, and the stems of one set add up
** to the mix before the soft clip. A stem is scaled by the gain the full
** mix would get, so it sits at the level it has inside the mix.
*/
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

#define FS ((double)SF_SYNTH_RATE)
#define RING_BITS 19
#define RING (1 << RING_BITS)      /* ~11.9 s of frames not yet final */
#define RMASK (RING - 1)
#define CHUNK 4096                 /* frames finalized at once */
#define XFADE_HALF 1102            /* 25 ms each side of a join */
#define TARGET_LUFS (-14.5)

/* Level of each bus in the mix (before velocities). */
static const float BUS_GAIN[SF_NBUS] = {
  [SF_BUS_KICK] = 0.9f, [SF_BUS_SNARE] = 1.4f, [SF_BUS_CLAP] = 1.0f,
  [SF_BUS_HAT] = 0.6f, [SF_BUS_OPENHAT] = 0.45f, [SF_BUS_CYMBAL] = 0.45f,
  [SF_BUS_TOMS] = 0.6f, [SF_BUS_SHAKER] = 0.4f, [SF_BUS_SUB] = 0.3f,
  [SF_BUS_BASS] = 0.25f, [SF_BUS_CHORD_LH] = 0.2f,
  [SF_BUS_CHORD_RH] = 0.22f, [SF_BUS_PAD] = 0.18f, [SF_BUS_VOX] = 1.2f,
  [SF_BUS_VOX_VERB] = 1.0f, [SF_BUS_BACKING] = 0.4f, [SF_BUS_ARP] = 0.16f,
  [SF_BUS_LEAD_INST] = 0.35f, [SF_BUS_VINYL] = 0.15f, [SF_BUS_HISS] = 0.06f,
  [SF_BUS_RISER] = 0.25f, [SF_BUS_IMPACT] = 0.5f, [SF_BUS_REVERB] = 1.0f,
  [SF_BUS_DELAY] = 1.0f,
};

/* ---- effects ------------------------------------------------------------ */

#define VERB_LINES 4
#define VERB_MAX 4096              /* per line, at the half rate */

/* A four-line feedback delay network with a Householder matrix, run at
** half the sample rate: a reverb tail has little above 10 kHz, and this
** halves the cost of the most expensive effect. */
typedef struct Verb {
  float line[VERB_LINES][VERB_MAX];
  int len[VERB_LINES], pos[VERB_LINES];
  float g[VERB_LINES], lp[VERB_LINES], damp;
  float ap[2][512];
  int aplen[2], appos[2];
  float prev_l, prev_r, pend;      /* half-rate interpolation state */
  int phase;
  int idle;                        /* chunks in a row without input */
} Verb;

static void verb_init (Verb *v, float room, float bright) {
  static const int BASE[VERB_LINES] = {743, 911, 1123, 1301};
  float scale = 0.7f + 0.6f * room, rt60 = 0.6f + 3.2f * room;
  int k;
  memset(v, 0, sizeof *v);
  for (k = 0; k < VERB_LINES; k++) {
    v->len[k] = (int)(BASE[k] * scale);
    if (v->len[k] >= VERB_MAX)
      v->len[k] = VERB_MAX - 1;
    v->g[k] = powf(10.0f, -3.0f * v->len[k] / (rt60 * (float)FS * 0.5f));
  }
  v->damp = 0.35f + 0.3f * (bright > 1.5f ? 1.0f : bright / 1.5f);
  v->aplen[0] = 142;
  v->aplen[1] = 107;
}

/* One allpass of the input diffusion. */
static inline float allpass (float *buf, int *pos, int len, float x) {
  float d = buf[*pos], y = d - 0.7f * x;
  buf[*pos] = x + 0.7f * y;
  if (++*pos >= len)
    *pos = 0;
  return y;
}

/* One half-rate step: mono in, stereo out. Unrolled over the four lines:
** this runs a million times a minute of audio. */
static inline void verb_step (Verb *v, float x, float *ol, float *or_) {
  float s0, s1, s2, s3, sum, d = v->damp;
  int p0 = v->pos[0], p1 = v->pos[1], p2 = v->pos[2], p3 = v->pos[3];
  x = allpass(v->ap[0], &v->appos[0], v->aplen[0], x);
  x = allpass(v->ap[1], &v->appos[1], v->aplen[1], x);
  s0 = v->lp[0] += d * (v->line[0][p0] - v->lp[0]);
  s1 = v->lp[1] += d * (v->line[1][p1] - v->lp[1]);
  s2 = v->lp[2] += d * (v->line[2][p2] - v->lp[2]);
  s3 = v->lp[3] += d * (v->line[3][p3] - v->lp[3]);
  sum = 0.5f * (s0 + s1 + s2 + s3);  /* Householder: I - 2/N 11^T */
  v->line[0][p0] = x + v->g[0] * (s0 - sum);
  v->line[1][p1] = x + v->g[1] * (s1 - sum);
  v->line[2][p2] = x + v->g[2] * (s2 - sum);
  v->line[3][p3] = x + v->g[3] * (s3 - sum);
  v->pos[0] = p0 + 1 < v->len[0] ? p0 + 1 : 0;
  v->pos[1] = p1 + 1 < v->len[1] ? p1 + 1 : 0;
  v->pos[2] = p2 + 1 < v->len[2] ? p2 + 1 : 0;
  v->pos[3] = p3 + 1 < v->len[3] ? p3 + 1 : 0;
  *ol = s0 + s2;
  *or_ = s1 + s3;
}

static int all_zero (const float *x, int n) {
  int i;
  for (i = 0; i < n; i++)
    if (x[i] != 0.0f)
      return 0;
  return 1;
}

/* Run over n frames of 'in', adding the wet signal into l and r. After
** the tail of a silence has rung out (the longest tail is under 4 s, 64
** chunks), the reverb sleeps until its input returns. */
static void verb_run (Verb *v, const float *in, float *l, float *r, int n,
                      float gain) {
  int i;
  if (all_zero(in, n)) {
    if (v->idle >= 64)
      return;
    v->idle++;
  } else {
    v->idle = 0;
  }
  for (i = 0; i < n; i++) {
    if (v->phase == 0) {
      v->pend = in[i];
      v->phase = 1;
      l[i] += gain * v->prev_l;  /* hold half a step: cheap upsampling */
      r[i] += gain * v->prev_r;
    } else {
      float ol, or_;
      verb_step(v, 0.5f * (v->pend + in[i]), &ol, &or_);
      l[i] += gain * 0.5f * (v->prev_l + ol);
      r[i] += gain * 0.5f * (v->prev_r + or_);
      v->prev_l = ol;
      v->prev_r = or_;
      v->phase = 0;
    }
  }
}

#define DLY_MAX 65536

/* Ping-pong delay: the echo alternates sides and darkens as it repeats. */
typedef struct Delay {
  float l[DLY_MAX], r[DLY_MAX];
  int len, pos;
  float fb, lpl, lpr;
} Delay;

static void delay_init (Delay *d, double beat_sec) {
  memset(d, 0, sizeof *d);
  d->len = (int)(0.75 * beat_sec * FS);  /* dotted eighth */
  if (d->len >= DLY_MAX)
    d->len = (int)(0.5 * beat_sec * FS);
  if (d->len >= DLY_MAX)
    d->len = DLY_MAX - 1;
  if (d->len < 1)
    d->len = 1;
  d->fb = 0.38f;
}

static void delay_run (Delay *d, const float *in, float *l, float *r,
                       int n) {
  int i;
  for (i = 0; i < n; i++) {
    float yl = d->l[d->pos], yr = d->r[d->pos];
    d->lpl += 0.4f * (yl - d->lpl);
    d->lpr += 0.4f * (yr - d->lpr);
    d->l[d->pos] = in[i] + d->fb * d->lpr;
    d->r[d->pos] = d->fb * d->lpl;
    if (++d->pos >= d->len)
      d->pos = 0;
    l[i] += yl;
    r[i] += yr;
  }
}

#define WOB_LEN 4096

/* Tape wobble: a slowly modulated delay, i.e. a slow pitch drift. */
typedef struct Wobble {
  float l[WOB_LEN], r[WOB_LEN];
  int pos, started;
  double ph, ph2;
  float depth;                     /* frames of delay swing */
  float d;                         /* current delay, frames */
} Wobble;

static void wobble_run (Wobble *w, float *l, float *r, int n) {
  int i;
  float d = 0, dd = 0;
  for (i = 0; i < n; i++) {
    float rp;
    int i0, a, b;
    if ((i & 31) == 0) {  /* the LFO at control rate, ramped between */
      float d1 = 200.0f + w->depth * (sf_sin1((float)w->ph) +
                                      0.06f * sf_sin1((float)w->ph2));
      if (i == 0 && w->started == 0) {
        w->d = d1;
        w->started = 1;
      }
      d = w->d;
      dd = (d1 - d) / 32.0f;
      w->d = d1;
      w->ph += 32 * 0.55 / FS;   /* wow */
      w->ph2 += 32 * 3.1 / FS;   /* flutter */
      if (w->ph >= 1.0) w->ph -= 1.0;
      if (w->ph2 >= 1.0) w->ph2 -= 1.0;
    }
    w->l[w->pos & (WOB_LEN - 1)] = l[i];
    w->r[w->pos & (WOB_LEN - 1)] = r[i];
    rp = (float)(w->pos + WOB_LEN) - d;
    d += dd;
    i0 = (int)rp;
    a = i0 & (WOB_LEN - 1);
    b = (i0 + 1) & (WOB_LEN - 1);
    rp -= (float)i0;
    l[i] = w->l[a] + rp * (w->l[b] - w->l[a]);
    r[i] = w->r[a] + rp * (w->r[b] - w->r[a]);
    w->pos = (w->pos + 1) & (WOB_LEN - 1);
  }
}

/* ---- the segment -------------------------------------------------------- */

/* Rendered notes by the hash of everything that shapes them. Songs repeat
** themselves (the same chord stab, the same hi-hat, the same chorus), so
** most notes are synthesized once per render and then only mixed. A hit
** and a miss give the same samples, so the cache never changes the audio.
*/
#define CACHE_SLOTS 4096                 /* open addressing, power of 2 */
#define CACHE_BYTES (64u << 20)          /* trimmed when it grows past */

typedef struct CacheEnt {
  uint64_t key;                          /* 0: empty */
  float *buf;
  int n;
  int hits;                              /* uses since the last trim */
} CacheEnt;

typedef struct Cache {
  CacheEnt e[CACHE_SLOTS];
  size_t bytes, used;
} Cache;

static void cache_flush (Cache *c) {
  int i;
  for (i = 0; i < CACHE_SLOTS; i++)
    free(c->e[i].buf);
  memset(c, 0, sizeof *c);
}

static CacheEnt *cache_find (Cache *c, uint64_t key) {
  unsigned i = (unsigned)key & (CACHE_SLOTS - 1);
  while (c->e[i].key != 0 && c->e[i].key != key)
    i = (i + 1) & (CACHE_SLOTS - 1);
  return &c->e[i];
}

/* Make room: drop what was never reused since the last trim (one-off
** notes: a sung line, a drum fill), keep the song's repeated material.
** Survivors are re-inserted, since open addressing cannot just delete. */
static void cache_trim (Cache *c) {
  static const size_t keep_max = CACHE_BYTES / 2;
  CacheEnt *old = malloc(sizeof c->e);
  int i;
  if (old == NULL) {
    cache_flush(c);
    return;
  }
  memcpy(old, c->e, sizeof c->e);
  memset(c, 0, sizeof *c);
  for (i = 0; i < CACHE_SLOTS; i++) {
    CacheEnt *e;
    if (old[i].key == 0)
      continue;
    if (old[i].hits == 0 || c->bytes > keep_max) {
      free(old[i].buf);
      continue;
    }
    e = cache_find(c, old[i].key);
    *e = old[i];
    e->hits /= 2;
    c->bytes += (size_t)e->n * sizeof(float);
    c->used++;
  }
  free(old);
}

/* Keep a copy of x[0..n) under 'key'. Failing to is harmless. */
static void cache_put (Cache *c, uint64_t key, const float *x, int n) {
  CacheEnt *e;
  if (c->bytes + (size_t)n * sizeof(float) > CACHE_BYTES ||
      c->used >= CACHE_SLOTS / 2)
    cache_trim(c);
  e = cache_find(c, key);
  if ((e->buf = malloc((size_t)(n > 0 ? n : 1) * sizeof(float))) == NULL)
    return;
  memcpy(e->buf, x, (size_t)n * sizeof(float));
  e->key = key;
  e->n = n;
  e->hits = 0;
  c->bytes += (size_t)n * sizeof(float);
  c->used++;
}

/* Keep the two planes of a chord, a[0..n) and b[0..n), as one entry. */
static void cache_put2 (Cache *c, uint64_t key, const float *a,
                        const float *b, int n) {
  CacheEnt *e;
  size_t sz = 2 * (size_t)n * sizeof(float);
  if (c->bytes + sz > CACHE_BYTES || c->used >= CACHE_SLOTS / 2)
    cache_trim(c);
  e = cache_find(c, key);
  if ((e->buf = malloc(sz > 0 ? sz : 1)) == NULL)
    return;
  memcpy(e->buf, a, (size_t)n * sizeof(float));
  memcpy(e->buf + n, b, (size_t)n * sizeof(float));
  e->key = key;
  e->n = 2 * n;
  e->hits = 0;
  c->bytes += sz;
  c->used++;
}

/* Buffers reused by every segment of one render (one malloc each). */
typedef struct Work {
  Cache *cache;
  float *dl, *dr, *rev, *vox, *dly;  /* the ring, RING frames each */
  float *kl, *kr;                    /* ring of the side-chained buses */
  float *pl, *pr;                    /* a chord: left and right */
  float *scratch;                    /* one note */
  Verb *verb, *vverb;
  Delay *delay;
  Wobble *wob;
} Work;

struct SfSeg {
  const SfSegment *in;
  SfIdea *idea;
  SfStyle st;
  Work *w;
  uint32_t mask;             /* buses mixed in this pass */
  int ext_bar0, instrumental;
  double beat_sec, bar_sec;
  double t0;                 /* song time of local frame 0 */
  int64_t nframes, done;     /* window length, frames final so far */
  int note_max;
  int fade_in, fade_out;     /* crossfade half-widths at each end */
  float *mix;                /* the clip, interleaved stereo */
  int64_t g0;                /* clip frame of local frame 0 */
  SfSvf lpl, lpr;            /* master low-pass */
  float duck_depth, duck[256];  /* side-chain depth and curve per beat */
  double duck_inc;           /* beats per frame */
};

int sf_seg_wants (const SfSeg *s, int bus) {
  return (s->mask & SF_BUS(bus)) != 0;
}

/* Swing delays every off-beat eighth: 0.33 gives a triplet feel. */
double sf_seg_time (const SfSeg *s, int bar, double beat) {
  double whole = floor(beat), p = beat - whole, sw = s->st.swing;
  if (sw > 0) {
    double mid = 0.5 + 0.5 * sw;
    p = p < 0.5 ? p * mid / 0.5 : mid + (p - 0.5) * (1.0 - mid) / 0.5;
  }
  return bar * s->bar_sec + (whole + p) * s->beat_sec;
}

/* Add x[0..n) into a (gain ga) and, unless NULL, b (gain gb). Unrolled
** by four so that -O2 turns it into vector code. */
static void mix_run (float *restrict a, float *restrict b,
                     const float *restrict x, int n, float ga, float gb) {
  int i = 0;
  if (b != NULL)
    for (; i + 4 <= n; i += 4) {
      a[i] += ga * x[i];
      a[i + 1] += ga * x[i + 1];
      a[i + 2] += ga * x[i + 2];
      a[i + 3] += ga * x[i + 3];
      b[i] += gb * x[i];
      b[i + 1] += gb * x[i + 1];
      b[i + 2] += gb * x[i + 2];
      b[i + 3] += gb * x[i + 3];
    }
  else
    for (; i + 4 <= n; i += 4) {
      a[i] += ga * x[i];
      a[i + 1] += ga * x[i + 1];
      a[i + 2] += ga * x[i + 2];
      a[i + 3] += ga * x[i + 3];
    }
  for (; i < n; i++) {
    a[i] += ga * x[i];
    if (b != NULL)
      b[i] += gb * x[i];
  }
}

/* Add xa[0..n) into a and xb[0..n) into b, both with gain g. */
static void mix_run2 (float *restrict a, const float *restrict xa,
                      float *restrict b, const float *restrict xb, int n,
                      float g) {
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    a[i] += g * xa[i];
    a[i + 1] += g * xa[i + 1];
    a[i + 2] += g * xa[i + 2];
    a[i + 3] += g * xa[i + 3];
    b[i] += g * xb[i];
    b[i + 1] += g * xb[i + 1];
    b[i + 2] += g * xb[i + 2];
    b[i + 3] += g * xb[i + 3];
  }
  for (; i < n; i++) {
    a[i] += g * xa[i];
    b[i] += g * xb[i];
  }
}

/* A stereo source into ring arrays a and b from local frame 'at'. */
static void ring_add2 (float *a, const float *xa, float *b, const float *xb,
                       int n, int64_t at, float g) {
  int idx = (int)(at & RMASK), first = RING - idx;
  if (first > n)
    first = n;
  mix_run2(a + idx, xa, b + idx, xb, first, g);
  if (n > first)
    mix_run2(a, xa + first, b, xb + first, n - first, g);
}

/* Add n frames of x to ring arrays a and b (b may be NULL) from local
** frame 'at', wrapping around the ring. */
static void ring_add (float *a, float *b, const float *x, int n, int64_t at,
                      float ga, float gb) {
  int idx = (int)(at & RMASK), first = RING - idx;
  if (first > n)
    first = n;
  mix_run(a + idx, b != NULL ? b + idx : NULL, x, first, ga, gb);
  if (n > first)
    mix_run(a, b, x + first, n - first, ga, gb);
}

/* Side-chain ducking: the side-chained buses dip on every beat, as if a
** compressor listened to the four-on-the-floor kick. Applied to their
** ring chunk, which then joins the dry mix. */
static void duck_chunk (SfSeg *s, float *l, float *r, const float *kl,
                        const float *kr, int n) {
  double ph = (s->t0 + s->done / FS) / s->beat_sec;
  float p = (float)(ph - floor(ph)), inc = (float)(8 * s->duck_inc);
  int i, k;
  for (i = 0; i < n; i += 8) {  /* gain per 8 frames: 0.2 ms steps */
    float g = s->duck[(int)(p * 256.0f) & 255];
    int e = i + 8 < n ? i + 8 : n;
    for (k = i; k < e; k++) {
      l[k] += g * kl[k];
      r[k] += g * kr[k];
    }
    p += inc;
    if (p >= 1.0f)
      p -= 1.0f;
  }
}

static int ducks (int bus) {
  return bus == SF_BUS_PAD || bus == SF_BUS_CHORD_LH ||
         bus == SF_BUS_CHORD_RH || bus == SF_BUS_BASS || bus == SF_BUS_ARP;
}

/* How to make one note: a render function, its argument, a cache key. */
typedef int (*RenderFn) (const void *what, float *out, int cap);

typedef struct Source {
  RenderFn fn;
  const void *what;
  uint64_t key;
  float scale;               /* linear gain (drum velocity) */
} Source;

static int render_voice_cb (const void *v, float *out, int cap) {
  return sf_voice_render((const SfVoice *)v, out, cap);
}

static int render_hit_cb (const void *h, float *out, int cap) {
  return sf_drum_render((const SfHit *)h, out, cap);
}

/* The note's samples, at most 'cap' of them. A note is always made at
** full length (note_max), then cut to 'cap' with a short fade, so the
** cached copy serves every later placement. Returns the cached buffer
** itself when it can be mixed as is ('*len' set), else the scratch. */
static const float *note_samples (SfSeg *s, const Source *src, int cap,
                                  int *len) {
  float *x = s->w->scratch;
  CacheEnt *e = cache_find(s->w->cache, src->key);
  int n, i, f;
  if (e->key == src->key) {
    n = e->n;
    e->hits++;
    if (n <= cap) {
      *len = n;
      return e->buf;
    }
    memcpy(x, e->buf, (size_t)(n < cap ? n : cap) * sizeof(float));
  } else {
    n = src->fn(src->what, x, s->note_max);
    cache_put(s->w->cache, src->key, x, n);
  }
  if (n > cap) {
    n = cap;
    f = n < 256 ? n : 256;
    for (i = 0; i < f; i++)
      x[n - 1 - i] *= (float)i / f;
  }
  *len = n;
  return x;
}

/* Where a sound starting at song time t lands: its local start frame in
** *start, and how many frames of it fit (<= 0: none). The cap depends
** only on timing, never on the mask, so a stem holds exactly the samples
** the mix holds. */
static int emit_window (const SfSeg *s, double t, int64_t *start) {
  int64_t lim;
  *start = (int64_t)llround((t - s->t0) * FS);
  if (*start >= s->nframes)
    return 0;
  lim = s->nframes - *start;
  if (lim > s->done + RING - *start)
    lim = s->done + RING - *start;
  return lim < s->note_max ? (int)lim : s->note_max;
}

/* Which of the dry bus and the effect sends this pass needs. */
typedef struct Route {
  int dry, wet, wdl, vocal;
  float rev, dly;
} Route;

static int route (const SfSeg *s, int bus, const SfSend *send, Route *o) {
  o->vocal = bus == SF_BUS_VOX || bus == SF_BUS_BACKING;
  o->dry = sf_seg_wants(s, bus);
  o->rev = send != NULL ? send->rev * s->st.reverb : 0.0f;
  o->dly = send != NULL && !o->vocal ? send->dly * s->st.delay : 0.0f;
  o->wet = o->rev > 0 && sf_seg_wants(s, o->vocal ? SF_BUS_VOX_VERB
                                                  : SF_BUS_REVERB);
  o->wdl = o->dly > 0 && sf_seg_wants(s, SF_BUS_DELAY);
  return (o->dry || o->wet || o->wdl) && !(s->st.mute & SF_BUS(bus));
}

/* Feed the reverb and delay sends, from a mono signal. */
static void sends_add (SfSeg *s, const Route *ro, const float *x, int n,
                       int64_t start, float g) {
  if (ro->wet || ro->wdl)
    ring_add(ro->wet ? (ro->vocal ? s->w->vox : s->w->rev) : s->w->dly,
             ro->wet && ro->wdl ? s->w->dly : NULL, x, n, start,
             ro->wet ? g * ro->rev : g * ro->dly, g * ro->dly);
}

static void seg_emit (SfSeg *s, const Source *src, int bus, double t,
                      const SfSend *send) {
  Route ro;
  int64_t start;
  int cap, n, off, duck;
  float g = BUS_GAIN[bus] * src->scale, th;
  float pan = send != NULL ? send->pan : 0.0f;
  const float *x;
  if (!route(s, bus, send, &ro))
    return;
  if ((cap = emit_window(s, t, &start)) <= 0)
    return;
  duck = s->duck_depth > 0 && ducks(bus);
  x = note_samples(s, src, cap, &n);
  off = start < s->done ? (int)(s->done - start) : 0;
  if (n <= off)
    return;
  th = (float)(SF_PI / 4) * (pan + 1.0f);
  x += off;
  n -= off;
  start += off;
  if (ro.dry)  /* side-chained buses dip on the beat: their own ring */
    ring_add(duck ? s->w->kl : s->w->dl, duck ? s->w->kr : s->w->dr, x, n,
             start, g * cosf(th), g * sinf(th));
  sends_add(s, &ro, x, n, start, g);
}

/* Everything that shapes a voice's samples (not its level). */
static uint64_t voice_key (const SfVoice *v) {
  float f[13];
  f[0] = (float)v->inst;
  f[1] = v->freq;
  f[2] = v->vel;
  f[3] = (float)v->gate;
  f[4] = v->bright;
  f[5] = v->drive;
  f[6] = (float)v->seed;
  f[7] = (float)(v->vowel * 16 + v->cons);
  f[8] = v->vibrato;
  f[9] = v->formant;
  f[10] = v->glide;
  f[11] = (float)v->layer;
  f[12] = v->phase;
  return sf_hash_bytes(f, sizeof f, 0x766F6963ull) | 1u;
}

void sf_seg_voice (SfSeg *s, const SfVoice *v, int bus, double t,
                   const SfSend *send) {
  Source src;
  src.fn = render_voice_cb;
  src.what = v;
  src.key = voice_key(v);
  src.scale = v->level > 0 ? v->level : 1.0f;
  seg_emit(s, &src, bus, t, send);
}

/* Build a chord's planes in w->pl and w->pr: each note panned, at its
** offset. The notes themselves are not cached (the chord is). Returns
** the length. */
static int chord_build (SfSeg *s, const SfVoice *v, const float *pan,
                        const int *off, int nv) {
  Work *w = s->w;
  int filled = 0, i, k;
  for (i = 0; i < nv; i++) {
    float th = (float)(SF_PI / 4) * (pan[i] + 1.0f);
    float lv = v[i].level > 0 ? v[i].level : 1.0f;
    float gl = lv * cosf(th), gr = lv * sinf(th);
    const float *x = w->scratch;
    int n = sf_voice_render(&v[i], w->scratch, s->note_max - off[i]);
    int end = off[i] + n;
    if (end > filled) {
      memset(w->pl + filled, 0, (size_t)(end - filled) * sizeof(float));
      memset(w->pr + filled, 0, (size_t)(end - filled) * sizeof(float));
      filled = end;
    }
    for (k = 0; k < n; k++) {
      w->pl[off[i] + k] += gl * x[k];
      w->pr[off[i] + k] += gr * x[k];
    }
  }
  return filled;
}

/*
** A chord: several voices struck together (strummed by their offsets
** 'dt', in seconds), panned each, on one bus. Mixed as one stereo sound
** and cached as one, so a repeated chord costs one mix, not one per note.
*/
void sf_seg_chord (SfSeg *s, const SfVoice *v, const float *pan,
                   const double *dt, int nv, int bus, double t,
                   const SfSend *send) {
  Work *w = s->w;
  Route ro;
  int64_t start;
  int cap, n, i, off[8], duck, skip;
  uint64_t key = 0x63686F7264ull;  /* "chord" */
  const float *l, *r;
  CacheEnt *e;
  SfVoice rel[8];
  float g = BUS_GAIN[bus], common;
  if (nv <= 0 || nv > 8 || !route(s, bus, send, &ro))
    return;
  /* the notes' common level (the section's energy) is mixing gain; only
  ** their relative levels shape the cached chord */
  common = v[0].level > 0 ? v[0].level : 1.0f;
  g *= common;
  for (i = 0; i < nv; i++) {
    float f[3];
    rel[i] = v[i];
    rel[i].level = (v[i].level > 0 ? v[i].level : 1.0f) / common;
    off[i] = (int)llround(dt[i] * FS);
    off[i] = off[i] < 0 ? 0 : off[i] > 4096 ? 4096 : off[i];
    f[0] = rel[i].level;
    f[1] = pan[i];
    f[2] = (float)off[i];
    key = sf_hash_bytes(f, sizeof f, key ^ voice_key(&rel[i]));
  }
  key |= 1u;
  if ((cap = emit_window(s, t, &start)) <= 0)
    return;
  e = cache_find(w->cache, key);
  if (e->key == key) {
    e->hits++;
    n = e->n / 2;
    l = e->buf;
    r = e->buf + n;
  } else {
    n = chord_build(s, rel, pan, off, nv);
    cache_put2(w->cache, key, w->pl, w->pr, n);
    l = w->pl;
    r = w->pr;
  }
  if (n > cap) {  /* cut short: a faded copy */
    int f = cap < 256 ? cap : 256, k;
    if (l != w->pl) {
      memcpy(w->pl, l, (size_t)cap * sizeof(float));
      memcpy(w->pr, r, (size_t)cap * sizeof(float));
    }
    for (k = 0; k < f; k++) {
      float u = (float)k / f;
      w->pl[cap - 1 - k] *= u;
      w->pr[cap - 1 - k] *= u;
    }
    l = w->pl;
    r = w->pr;
    n = cap;
  }
  skip = start < s->done ? (int)(s->done - start) : 0;
  if (n <= skip)
    return;
  duck = s->duck_depth > 0 && ducks(bus);
  if (ro.dry)
    ring_add2(duck ? w->kl : w->dl, l + skip, duck ? w->kr : w->dr,
              r + skip, n - skip, start + skip, g);
  /* the sends take the chord's left + right: 3 dB over a centred mono
  ** note, which the send levels of chords allow for */
  if (ro.wet || ro.wdl) {
    Route mid = ro;
    mid.rev *= 0.7071f;
    mid.dly *= 0.7071f;
    sends_add(s, &mid, l + skip, n - skip, start + skip, g);
    sends_add(s, &mid, r + skip, n - skip, start + skip, g);
  }
}

/* Drums are linear in velocity: render at full velocity, scale on mixing,
** so every hit of a kind (three takes each) shares one rendering. */
void sf_seg_hit (SfSeg *s, const SfHit *h, int bus, double t,
                 const SfSend *send) {
  Source src;
  SfHit u = *h;
  float f[6];
  u.vel = 1.0f;
  f[0] = (float)u.kind;
  f[1] = (float)u.kit;
  f[2] = u.tune;
  f[3] = u.bright;
  f[4] = (float)u.gated;
  f[5] = (float)u.seed;
  src.fn = render_hit_cb;
  src.what = &u;
  src.key = sf_hash_bytes(f, sizeof f, 0x68697473ull) | 1u;
  src.scale = h->vel;
  seg_emit(s, &src, bus, t, send);
}

/* Crossfade gain at local frame lf: equal-power at the joins. */
static float seg_fade (const SfSeg *s, int64_t lf) {
  if (lf < 2 * s->fade_in)
    return sinf((float)(SF_PI / 2) * (lf + 0.5f) / (2 * s->fade_in));
  if (lf >= s->nframes - 2 * s->fade_out)
    return cosf((float)(SF_PI / 2) *
                (lf - (s->nframes - 2 * s->fade_out) + 0.5f) /
                (2 * s->fade_out));
  return 1.0f;
}

/* Add the finished frames [done, done+n) into the clip's mix. */
static void mix_out (SfSeg *s, const float *l, const float *r, int n) {
  float *m = s->mix + 2 * (s->g0 + s->done);
  int64_t lf = s->done;
  int i;
  if (lf >= 2 * s->fade_in && lf + n <= s->nframes - 2 * s->fade_out) {
    for (i = 0; i < n; i++) {  /* the common case: no fade here */
      m[2 * i] += l[i];
      m[2 * i + 1] += r[i];
    }
    return;
  }
  for (i = 0; i < n; i++) {
    float f = seg_fade(s, lf + i);
    m[2 * i] += f * l[i];
    m[2 * i + 1] += f * r[i];
  }
}

/* Effects and master for n frames at ring index idx, then into the mix. */
static void seg_chunk (SfSeg *s, int idx, int n) {
  Work *w = s->w;
  float *l = w->dl + idx, *r = w->dr + idx;
  int i;
  if (s->duck_depth > 0) {
    duck_chunk(s, l, r, w->kl + idx, w->kr + idx, n);
    memset(w->kl + idx, 0, (size_t)n * sizeof(float));
    memset(w->kr + idx, 0, (size_t)n * sizeof(float));
  }
  if (sf_seg_wants(s, SF_BUS_REVERB) && s->st.reverb > 0)
    verb_run(w->verb, w->rev + idx, l, r, n, 0.5f);
  if (sf_seg_wants(s, SF_BUS_VOX_VERB) && s->st.reverb > 0)
    verb_run(w->vverb, w->vox + idx, l, r, n, 0.5f);
  if (sf_seg_wants(s, SF_BUS_DELAY) && s->st.delay > 0)
    delay_run(w->delay, w->dly + idx, l, r, n);
  if (s->st.lowpass > 0) {
    float bp;
    for (i = 0; i < n; i++) {
      l[i] = sf_svf_tick(&s->lpl, l[i], &bp);
      r[i] = sf_svf_tick(&s->lpr, r[i], &bp);
    }
  }
  if (s->st.wobble > 0)
    wobble_run(w->wob, l, r, n);
  mix_out(s, l, r, n);
  memset(w->dl + idx, 0, (size_t)n * sizeof(float));
  memset(w->dr + idx, 0, (size_t)n * sizeof(float));
  memset(w->rev + idx, 0, (size_t)n * sizeof(float));
  memset(w->vox + idx, 0, (size_t)n * sizeof(float));
  memset(w->dly + idx, 0, (size_t)n * sizeof(float));
}

/* Finalize every chunk that ends at or before local frame 'upto'. */
static void seg_finalize (SfSeg *s, int64_t upto) {
  if (upto > s->nframes)
    upto = s->nframes;
  while (s->done < s->nframes &&
         (s->done + CHUNK <= upto || upto == s->nframes)) {
    int64_t n = s->nframes - s->done;
    if (n > CHUNK)
      n = CHUNK;
    seg_chunk(s, (int)(s->done & RMASK), (int)n);
    s->done += n;
  }
}

static void seg_setup_fx (SfSeg *s) {
  Work *w = s->w;
  int i;
  verb_init(w->verb, s->st.room, s->st.bright);
  verb_init(w->vverb, 0.45f + 0.4f * s->st.room, 1.0f);
  delay_init(w->delay, s->beat_sec);
  memset(w->wob, 0, sizeof *w->wob);
  w->wob->depth = 50.0f * s->st.wobble;  /* about 7 cents of wow */
  memset(&s->lpl, 0, sizeof s->lpl);
  if (s->st.lowpass > 0)
    sf_svf_set(&s->lpl, s->st.lowpass, 0.707f);
  s->lpr = s->lpl;
  s->duck_depth = s->st.flags & SF_ST_SIDECHAIN ? 0.6f : 0.0f;
  for (i = 0; i < 256; i++) {
    double t = i / 256.0 * s->beat_sec;
    double a = t < 0.01 ? t / 0.01 : 1.0;  /* a 10 ms fall, no click */
    s->duck[i] = (float)(1.0 - s->duck_depth * a * exp(-t / 0.11));
  }
  s->duck_inc = 1.0 / (s->beat_sec * FS);
}

/* Render segment 'k' into the mix. */
static void seg_render (SfSeg *s) {
  int64_t margin = (int64_t)((s->beat_sec + 0.05) * FS);
  int b, b0, b1;
  double t_end = s->t0 + s->nframes / FS;
  b0 = (int)floor(s->t0 / s->bar_sec) - 1;
  b1 = (int)floor(t_end / s->bar_sec);
  if (b0 < 0)
    b0 = 0;
  for (b = b0; b <= b1; b++) {
    int64_t bs = (int64_t)llround((b * s->bar_sec - s->t0) * FS);
    seg_finalize(s, bs - margin);
    sf_arrange_bar(s, s->idea, &s->st, b, s->ext_bar0, s->instrumental);
  }
  seg_finalize(s, s->nframes);
}

/* ---- the recipe --------------------------------------------------------- */

static void work_free (Work *w) {
  if (w->cache != NULL)
    cache_flush(w->cache);
  free(w->cache);
  free(w->dl);
  free(w->dr);
  free(w->rev);
  free(w->vox);
  free(w->dly);
  free(w->kl);
  free(w->kr);
  free(w->pl);
  free(w->pr);
  free(w->scratch);
  free(w->verb);
  free(w->vverb);
  free(w->delay);
  free(w->wob);
  memset(w, 0, sizeof *w);
}

static int work_alloc (Work *w) {
  memset(w, 0, sizeof *w);
  w->dl = calloc(RING, sizeof(float));
  w->dr = calloc(RING, sizeof(float));
  w->rev = calloc(RING, sizeof(float));
  w->vox = calloc(RING, sizeof(float));
  w->dly = calloc(RING, sizeof(float));
  w->kl = calloc(RING, sizeof(float));
  w->kr = calloc(RING, sizeof(float));
  w->pl = malloc(RING * sizeof(float));
  w->pr = malloc(RING * sizeof(float));
  w->scratch = malloc(RING * sizeof(float));
  w->verb = malloc(sizeof *w->verb);
  w->vverb = malloc(sizeof *w->vverb);
  w->delay = malloc(sizeof *w->delay);
  w->wob = malloc(sizeof *w->wob);
  w->cache = calloc(1, sizeof *w->cache);
  if (!w->cache || !w->kl || !w->kr || !w->pl || !w->pr ||
      !w->dl || !w->dr || !w->rev ||
      !w->vox || !w->dly || !w->scratch ||
      !w->verb || !w->vverb || !w->delay || !w->wob) {
    work_free(w);
    return -1;
  }
  return 0;
}

/* A segment's length as rendered: NaN, negative or absurd (over a day)
** lengths count as nothing, so no conversion below can overflow. */
static double seg_seconds (const SfSegment *g) {
  return isfinite(g->seconds) && g->seconds > 0 && g->seconds < 86400.0
         ? g->seconds : 0.0;
}

/* Where in the song a segment starts, sanitized the same way. */
static double seg_song_pos (const SfSegment *g) {
  return isfinite(g->song_pos) && g->song_pos > 0 && g->song_pos < 86400.0
         ? g->song_pos : 0.0;
}

double sf_synth_recipe_seconds (const SfRecipe *r) {
  double s = 0;
  int k;
  for (k = 0; k < r->nseg && k < SF_SYNTH_MAX_SEGMENTS; k++)
    s += seg_seconds(&r->seg[k]);
  return s;
}

/* Clip frame where segment k starts (k == nseg: the end). */
static int64_t seg_start_frame (const SfRecipe *r, int k) {
  double s = 0;
  int i;
  for (i = 0; i < k; i++)
    s += seg_seconds(&r->seg[i]);
  return (int64_t)llround(s * FS);
}

static int nseg_of (const SfRecipe *r) {
  return r->nseg < 0 ? 0 : r->nseg > SF_SYNTH_MAX_SEGMENTS
                                 ? SF_SYNTH_MAX_SEGMENTS : r->nseg;
}

/* Half-width of the crossfade at the join before segment k. */
static int join_half (const SfRecipe *r, int k) {
  int64_t a, b;
  int h = XFADE_HALF;
  if (k <= 0 || k >= nseg_of(r))
    return 0;
  a = seg_start_frame(r, k) - seg_start_frame(r, k - 1);
  b = seg_start_frame(r, k + 1) - seg_start_frame(r, k);
  if (a / 2 < h) h = (int)(a / 2);
  if (b / 2 < h) h = (int)(b / 2);
  return h;
}

/* Render every segment of 'r' with 'mask' into mix (zeroed, 2*total). */
static void recipe_mix (const SfRecipe *r, uint32_t mask, Work *w,
                        SfIdea *idea, float *mix, int64_t total) {
  int k, n = nseg_of(r);
  for (k = 0; k < n; k++) {
    const SfSegment *g = &r->seg[k];
    SfSeg s;
    int64_t a = seg_start_frame(r, k), b = seg_start_frame(r, k + 1);
    if (b <= a)
      continue;
    memset(&s, 0, sizeof s);
    s.in = g;
    s.w = w;
    s.idea = idea;
    s.mix = mix;
    sf_style_build(&s.st, g->idea, g->tags, g->negative_tags);
    sf_idea_build(idea, g->idea, g->lyrics, g->extension);
    s.mask = mask & ~s.st.mute;
    s.instrumental = g->instrumental || s.st.no_vox;
    s.beat_sec = 60.0 / s.st.bpm;
    s.bar_sec = 4.0 * s.beat_sec;
    s.ext_bar0 = (int)floor(seg_song_pos(g) / s.bar_sec + 1e-9);
    s.fade_in = join_half(r, k);
    s.fade_out = join_half(r, k + 1);
    s.g0 = a - s.fade_in;
    s.nframes = b + s.fade_out - s.g0;
    if (s.g0 + s.nframes > total)
      s.nframes = total - s.g0;
    s.t0 = seg_song_pos(g) - s.fade_in / FS;
    s.note_max = RING - CHUNK - (int)((s.bar_sec + s.beat_sec + 0.1) * FS);
    if (s.note_max < SF_SYNTH_RATE)
      s.note_max = SF_SYNTH_RATE;
    seg_setup_fx(&s);
    seg_render(&s);
  }
}

/* ---- infills (replace-section) ------------------------------------------ */

static int ninfill_of (const SfRecipe *r) {
  return r->ninfill < 0 ? 0 : r->ninfill > SF_SYNTH_MAX_INFILLS
                                    ? SF_SYNTH_MAX_INFILLS : r->ninfill;
}

/* Frames [a, b) of the clip that infill k covers, clamped to the clip. */
static void infill_span (const SfRecipe *r, int k, int64_t total,
                         int64_t *a, int64_t *b) {
  const SfInfill *f = &r->infill[k];
  double at = isfinite(f->at) && f->at > 0 ? f->at : 0;
  *a = (int64_t)llround(at * FS);
  *b = *a + (int64_t)llround(seg_seconds(&f->seg) * FS);
  if (*a > total) *a = total;
  if (*b > total) *b = total;
}

/* The longest infill in frames: its buffer is allocated up front. */
static int64_t infill_max (const SfRecipe *r, int64_t total) {
  int64_t m = 0, a, b;
  int k;
  for (k = 0; k < ninfill_of(r); k++) {
    infill_span(r, k, total, &a, &b);
    if (b - a > m)
      m = b - a;
  }
  return m;
}

/* Render each infill alone into 'tmp' and splice it over its range of
** 'mix', crossfading inside the range only, so not one frame outside it
** changes. */
static void infill_mix (const SfRecipe *r, uint32_t mask, Work *w,
                        SfIdea *idea, float *mix, int64_t total,
                        float *tmp) {
  int k;
  for (k = 0; k < ninfill_of(r); k++) {
    SfRecipe one;
    int64_t a, b, n, i, xf;
    infill_span(r, k, total, &a, &b);
    if ((n = b - a) <= 0)
      continue;
    memset(&one, 0, sizeof one);
    one.seg[0] = r->infill[k].seg;
    one.seg[0].seconds = (double)n / FS;
    one.nseg = 1;
    memset(tmp, 0, (size_t)n * 2 * sizeof(float));
    recipe_mix(&one, mask, w, idea, tmp, n);
    xf = n / 4 < XFADE_HALF * 2 ? n / 4 : XFADE_HALF * 2;
    for (i = 0; i < n; i++) {
      float g = 1.0f, *m = &mix[2 * (a + i)];
      if (i < xf)
        g = (float)i / (float)xf;
      else if (i >= n - xf)
        g = (float)(n - i) / (float)xf;
      m[0] = m[0] * (1.0f - g) + tmp[2 * i] * g;
      m[1] = m[1] * (1.0f - g) + tmp[2 * i + 1] * g;
    }
  }
}

/* ---- loudness ----------------------------------------------------------- */

typedef struct Biquad {
  float b0, b1, b2, a1, a2, z1, z2;
} Biquad;

static float bq_tick (Biquad *q, float x) {
  float y = q->b0 * x + q->z1;
  q->z1 = q->b1 * x - q->a1 * y + q->z2;
  q->z2 = q->b2 * x - q->a2 * y;
  return y;
}

/* Mean square of the four 100 ms quarters from j (a 400 ms block). */
static double block_ms (const double *q, int64_t j, int64_t step) {
  return (q[j] + q[j + 1] + q[j + 2] + q[j + 3]) / (4.0 * step);
}

/* BS.1770 integrated loudness (K-weighting, 400 ms blocks, 75 % overlap,
** absolute and relative gates). Returns LUFS, or -100 for silence. */
static double loudness (const float *mix, int64_t frames, double *q) {
  /* K-weighting coefficients at 44.1 kHz: high shelf, then high-pass */
  static const Biquad SHELF = {1.53084, -2.65097, 1.16907, -1.66365,
                               0.71264, 0, 0};
  static const Biquad HPF = {1.0, -2.0, 1.0, -1.98916, 0.98919, 0, 0};
  Biquad s[2] = {SHELF, SHELF}, h[2] = {HPF, HPF};
  int64_t step = SF_SYNTH_RATE / 10, nq, i, j, nb = 0, cnt = 0;
  double sum = 0, thr, lufs = -100;
  if (frames < 4 * step)  /* too short for blocks: one block of it all */
    step = frames / 4 > 0 ? frames / 4 : 1;
  nq = frames / step;
  if (nq < 4)
    return -100;
  memset(q, 0, (size_t)nq * sizeof *q);
  for (j = 0; j < nq; j++) {  /* float filters, double sums */
    float acc = 0;
    for (i = j * step; i < (j + 1) * step; i++) {
      float l = bq_tick(&h[0], bq_tick(&s[0], mix[2 * i]));
      float r = bq_tick(&h[1], bq_tick(&s[1], mix[2 * i + 1]));
      acc += l * l + r * r;
      if ((i & 1023) == 1023) {
        q[j] += acc;
        acc = 0;
      }
    }
    q[j] += acc;
  }
  for (i = 0; i + 3 < nq; i++) {
    double e = block_ms(q, i, step);
    if (e > 1e-7) {  /* -70 LUFS absolute gate */
      sum += e;
      nb++;
    }
  }
  if (nb > 0) {
    thr = sum / nb * 0.1;  /* relative gate: -10 LU below the mean */
    sum = 0;
    for (i = 0; i + 3 < nq; i++) {
      double e = block_ms(q, i, step);
      if (e > 1e-7 && e > thr) {
        sum += e;
        cnt++;
      }
    }
    if (cnt > 0)
      lufs = -0.691 + 10.0 * log10(sum / cnt);
  }
  return lufs;
}

/* tanh above the knee, linear below: loud peaks are rounded off, the
** body of the mix is untouched. */
static inline float soft_clip (float x) {
  const float knee = 0.6f;
  float a = fabsf(x);
  if (a <= knee)
    return x;
  return copysignf(knee + (1.0f - knee) * tanhf((a - knee) / (1.0f - knee)),
                   x);
}

/* Gain, end fades, soft clip and 16 bits, written over 'mix' in place,
** a block at a time through memcpy (no type punning): the int16 frames
** of a block land at or before the floats they come from, and each block
** is read whole before it is written. */
static int16_t *finish (float *mix, int64_t frames, double gain) {
  enum { B = 1024 };
  int16_t tmp[2 * B];
  int64_t fade_in = 220, fade_out = (int64_t)(FS * 1.5), f0, f;
  float g = (float)gain;
  if (fade_out > frames / 5)
    fade_out = frames / 5;
  for (f0 = 0; f0 < frames; f0 += B) {
    int64_t f1 = f0 + B < frames ? f0 + B : frames;
    for (f = f0; f < f1; f++) {
      float k = g, l, r;
      if (f < fade_in)
        k *= (float)f / (float)fade_in;
      if (f >= frames - fade_out)
        k *= (float)(frames - f) / (float)fade_out;
      l = soft_clip(mix[2 * f] * k) * 32000.0f;
      r = soft_clip(mix[2 * f + 1] * k) * 32000.0f;
      /* round half away from zero; |l|, |r| <= 32000 after the clip */
      tmp[2 * (f - f0)] = (int16_t)(l + (l >= 0 ? 0.5f : -0.5f));
      tmp[2 * (f - f0) + 1] = (int16_t)(r + (r >= 0 ? 0.5f : -0.5f));
    }
    memcpy((char *)mix + 4 * f0, tmp, (size_t)(f1 - f0) * 4);
  }
  return (int16_t *)(void *)mix;
}

int sf_synth_render (const SfRecipe *r, int16_t **pcm, size_t *frames) {
  Work w;
  SfIdea *idea = NULL;
  float *mix = NULL;
  int64_t total = seg_start_frame(r, nseg_of(r));
  uint32_t mask = r->stem_mask ? (r->stem_mask & SF_ALL_BUSES)
                               : SF_ALL_BUSES;
  double lufs, gain, *quarters = NULL;
  float *tmp = NULL;
  int64_t tmp_frames = infill_max(r, total);
  int16_t *out;
  *pcm = NULL;
  *frames = 0;
  if (work_alloc(&w) != 0)
    return -1;
  idea = malloc(sizeof *idea);
  mix = calloc((size_t)(total > 0 ? total : 1) * 2, sizeof(float));
  /* loudness blocks of >= 100 ms: allocated up front so that once the
  ** render runs, nothing can fail and change the audio */
  quarters = calloc((size_t)(total / (SF_SYNTH_RATE / 10) + 8),
                    sizeof *quarters);
  if (tmp_frames > 0)
    tmp = malloc((size_t)tmp_frames * 2 * sizeof(float));
  if (idea == NULL || mix == NULL || quarters == NULL ||
      (tmp_frames > 0 && tmp == NULL))
    goto fail;
  recipe_mix(r, SF_ALL_BUSES, &w, idea, mix, total);
  lufs = loudness(mix, total, quarters);
  gain = lufs > -70 ? pow(10.0, (TARGET_LUFS - lufs) / 20.0) : 1.0;
  if (gain > 30.0)
    gain = 30.0;
  if (mask != SF_ALL_BUSES) {  /* a stem: same gain, fewer buses */
    memset(mix, 0, (size_t)total * 2 * sizeof(float));
    recipe_mix(r, mask, &w, idea, mix, total);
  }
  if (tmp != NULL)             /* after the gain: see SfInfill */
    infill_mix(r, mask, &w, idea, mix, total, tmp);
  out = finish(mix, total, gain);
  work_free(&w);
  free(idea);
  free(quarters);
  free(tmp);
  if (total == 0) {
    free(mix);
    out = malloc(4);  /* a valid, empty buffer the caller can free */
    if (out == NULL)
      return -1;
  } else {
    int16_t *shrunk = realloc(out, (size_t)total * 2 * sizeof(int16_t));
    out = shrunk != NULL ? shrunk : out;
  }
  *pcm = out;
  *frames = (size_t)total;
  return 0;
fail:
  work_free(&w);
  free(idea);
  free(mix);
  free(quarters);
  free(tmp);
  return -1;
}
