/*
** synth_drums.c -- one drum or percussion hit into a mono float buffer.
**
** The classic analog recipes (SYNTH.md): a kick is a sine swept down with
** a fast decay, a snare is band-passed noise plus a tone, hats are
** high-passed noise. Kits change tunings, decays and tone, not the recipe.
*/
#include <string.h>

#include "synth_internal.h"

#define FS ((float)SF_SYNTH_RATE)

/* Length of a hit whose slowest part decays with time constant 'tau'. */
static int hit_len (float tau, int cap) {
  int n = (int)(5.0f * tau * FS);  /* -43 dB, then a fade */
  return n > cap ? cap : n;
}

/* Fade the last few ms so a cut tail never clicks. */
static int tail_fade (float *out, int n) {
  int f = n < 128 ? n : 128, i;
  for (i = 0; i < f; i++)
    out[n - 1 - i] *= (float)i / f;
  return n;
}

/* Kick: sine swept from 'f0' down to 'f1', plus a click. */
static int d_kick (const SfHit *h, float *out, int cap) {
  float f0 = 150, f1 = 50, tau = 0.22f, sweep = 0.03f, click = 0.3f;
  float ph = 0, amp = 1, fr, ad, fd, drive = 1.2f;
  uint32_t ns = h->seed | 1u;
  int n, i;
  switch (h->kit) {
  case SF_KIT_808: f0 = 110; f1 = 45; tau = 0.55f; sweep = 0.05f;
    click = 0.1f; break;
  case SF_KIT_ROCK: f0 = 170; f1 = 55; tau = 0.18f; click = 0.5f;
    drive = 1.8f; break;
  case SF_KIT_ELECTRO: f0 = 160; f1 = 48; tau = 0.3f; sweep = 0.035f;
    drive = 1.6f; break;
  case SF_KIT_LOFI: f0 = 120; f1 = 52; tau = 0.2f; click = 0.12f; break;
  case SF_KIT_BRUSH: f0 = 100; f1 = 55; tau = 0.15f; click = 0.05f; break;
  default: break;
  }
  n = hit_len(tau, cap);
  ad = sf_decay(tau);
  fd = sf_decay(sweep);
  fr = f0 - f1;
  for (i = 0; i < n; i++) {
    float x = amp * sf_sin1(ph);
    if (i < 90)
      x += click * sf_noise(&ns) * (1.0f - i / 90.0f);
    out[i] = sf_soft(drive * x) * h->vel;
    ph += (f1 + fr) / FS;
    if (ph >= 1.0f)
      ph -= 1.0f;
    fr *= fd;
    amp *= ad;
  }
  return n;
}

/* Snare: band-passed noise and a ~180 Hz body. A gated snare holds its
** noise at full level for a while, then cuts: the 80s gated reverb. */
static int d_snare (const SfHit *h, float *out, int cap) {
  float ntau = 0.16f, ttau = 0.07f, tone = 0.5f, fc = 3500, bp, ph = 0;
  float na = 1, ta = 1, nd, td, lp = 0;
  uint32_t ns = h->seed | 1u;
  int n, i, hold = h->gated ? (int)(0.22f * FS) : 0;
  SfSvf f;
  if (h->kit == SF_KIT_LOFI) { fc = 2200; ntau = 0.12f; }
  if (h->kit == SF_KIT_ROCK) { tone = 0.7f; ntau = 0.2f; }
  if (h->kit == SF_KIT_ELECTRO || h->kit == SF_KIT_808) {
    fc = 4200; tone = 0.35f;
  }
  n = hit_len(ntau, cap - hold) + hold;
  if (n > cap)
    n = cap;
  nd = sf_decay(ntau);
  td = sf_decay(ttau);
  memset(&f, 0, sizeof f);
  sf_svf_set(&f, fc * h->bright, 0.8f);
  for (i = 0; i < n; i++) {
    float nz = sf_noise(&ns), x;
    sf_svf_tick(&f, nz, &bp);
    lp += 0.5f * (nz - lp);
    x = na * (0.8f * bp + 0.25f * (nz - lp)) +
        tone * ta * (sf_sin1(ph) + 0.5f * sf_sin1(ph * 1.83f));
    ph += 185.0f / FS;
    if (ph >= 100.0f)
      ph -= 100.0f;
    if (i >= hold)
      na *= nd;
    else if (hold && i > hold - 400)
      na *= 0.985f;
    ta *= td;
    out[i] = x * h->vel;
  }
  return n;
}

/* Clap: a few noise bursts 10 ms apart, then a short tail. */
static int d_clap (const SfHit *h, float *out, int cap) {
  uint32_t ns = h->seed | 1u;
  int n = hit_len(0.12f, cap), i;
  float bp, a = 0, d = sf_decay(0.008f), t = sf_decay(0.12f), tail = 0;
  SfSvf f;
  memset(&f, 0, sizeof f);
  sf_svf_set(&f, 1300.0f * h->bright, 1.2f);
  for (i = 0; i < n; i++) {
    int burst = i / (int)(0.010f * FS);
    if (i % (int)(0.010f * FS) == 0 && burst < 4) {
      a = 1.0f;
      tail = burst == 3 ? 1.0f : 0.0f;
    }
    sf_svf_tick(&f, sf_noise(&ns), &bp);
    out[i] = bp * (a + 0.7f * tail) * h->vel * 1.6f;
    a *= d;
    tail *= t;
  }
  return n;
}

/* Metallic noise: six detuned square waves, the 808 cymbal recipe. */
static float metal (float *ph, float base) {
  static const float R[6] = {1.0f, 1.342f, 1.2312f, 1.6532f, 1.9523f,
                             2.1523f};
  float s = 0;
  int k;
  for (k = 0; k < 6; k++) {
    ph[k] += base * R[k] / FS;
    if (ph[k] >= 1.0f)
      ph[k] -= 1.0f;
    s += ph[k] < 0.5f ? 1.0f : -1.0f;
  }
  return s / 6.0f;
}

/* Hats, ride, crash: high-passed noise and metal, different decays. */
static int d_cymbal (const SfHit *h, float *out, int cap) {
  float tau = 0.03f, hpf = 7000, mix = 0.4f, base = 410, bp;
  float ph[6] = {0}, a = 1, d, lp = 0;
  uint32_t ns = h->seed | 1u;
  SfSvf f;
  int n, i;
  switch (h->kind) {
  case SF_DR_OPENHAT: tau = 0.2f; break;
  case SF_DR_RIDE: tau = 0.5f; hpf = 5000; mix = 0.6f; base = 520; break;
  case SF_DR_CRASH: tau = 0.9f; hpf = 4000; mix = 0.3f; break;
  case SF_DR_SHAKER: tau = 0.05f; hpf = 6000; mix = 0; break;
  case SF_DR_TAMB: tau = 0.12f; hpf = 8000; mix = 0.5f; base = 980; break;
  case SF_DR_BRUSH: tau = 0.12f; hpf = 2500; mix = 0; break;
  default: break;
  }
  if (h->kit == SF_KIT_LOFI)
    hpf *= 0.7f;
  n = hit_len(tau, cap);
  d = sf_decay(tau);
  memset(&f, 0, sizeof f);
  sf_svf_set(&f, hpf * h->bright, 0.7f);
  for (i = 0; i < n; i++) {
    float x = (1.0f - mix) * sf_noise(&ns) + mix * metal(ph, base);
    float lo = sf_svf_tick(&f, x, &bp), env = a;
    if (h->kind == SF_DR_SHAKER || h->kind == SF_DR_BRUSH)
      env *= i < 600 ? (float)i / 600.0f : 1.0f;  /* a soft swish in */
    lp = x - lo - bp * f.k;  /* high-pass output */
    out[i] = lp * env * h->vel;
    a *= d;
  }
  return n;
}

/* Tom, timpani, conga: a pitched sine falling onto its note. */
static int d_tom (const SfHit *h, float *out, int cap) {
  float base = 110, tau = 0.3f, bend = 0.5f, noise = 0.2f;
  float ph = 0, ph2 = 0, a = 1, d, b, bd = sf_decay(0.05f);
  uint32_t ns = h->seed | 1u;
  int n, i;
  if (h->kind == SF_DR_TIMPANI) { base = 65; tau = 0.9f; bend = 0.1f; }
  if (h->kind == SF_DR_CONGA) { base = 220; tau = 0.12f; bend = 0.15f;
    noise = 0.4f; }
  base *= h->tune > 0 ? h->tune : 1.0f;
  n = hit_len(tau, cap);
  d = sf_decay(tau);
  b = bend;
  for (i = 0; i < n; i++) {
    float f = base * (1.0f + b), x;
    x = sf_sin1(ph) + 0.3f * sf_sin1(ph2);
    if (i < 200)
      x += noise * sf_noise(&ns) * (1.0f - i / 200.0f);
    ph += f / FS;
    ph2 += f * 1.5f / FS;
    if (ph >= 1.0f) ph -= 1.0f;
    if (ph2 >= 1.0f) ph2 -= 1.0f;
    b *= bd;
    out[i] = x * a * h->vel;
    a *= d;
  }
  return n;
}

/* Rim click: two short tones. */
static int d_rim (const SfHit *h, float *out, int cap) {
  float ph = 0, ph2 = 0, a = 1, d = sf_decay(0.012f);
  int n = hit_len(0.012f, cap), i;
  for (i = 0; i < n; i++) {
    out[i] = a * h->vel * (sf_sin1(ph) + 0.6f * sf_sin1(ph2));
    ph += 420.0f / FS;
    ph2 += 1700.0f / FS;
    if (ph >= 1.0f) ph -= 1.0f;
    if (ph2 >= 1.0f) ph2 -= 1.0f;
    a *= d;
  }
  return n;
}

int sf_drum_render (const SfHit *h, float *out, int cap) {
  int n;
  if (cap <= 0)
    return 0;
  switch (h->kind) {
  case SF_DR_KICK: n = d_kick(h, out, cap); break;
  case SF_DR_SNARE: n = d_snare(h, out, cap); break;
  case SF_DR_CLAP: n = d_clap(h, out, cap); break;
  case SF_DR_RIM: n = d_rim(h, out, cap); break;
  case SF_DR_TOM: case SF_DR_TIMPANI: case SF_DR_CONGA:
    n = d_tom(h, out, cap);
    break;
  default: n = d_cymbal(h, out, cap); break;
  }
  return tail_fade(out, n);
}
