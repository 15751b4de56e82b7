/*
** synth_idea.c -- what a cover keeps: key, chords, melody and form.
**
** Everything here is a pure function of the idea seed (and the lyrics,
** which shape the form and the lead's rhythm). The chord of song bar n is
** always chord[n % bars], whatever the section, so sf_synth_idea_info can
** report the roots without knowing the style or the lyrics.
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

/* ---- hashing ------------------------------------------------------------ */

uint64_t sf_hash_bytes (const void *p, size_t n, uint64_t seed) {
  const unsigned char *c = (const unsigned char *)p;
  uint64_t h = 0xCBF29CE484222325ull ^ seed;
  size_t i;
  for (i = 0; i < n; i++) {
    h ^= c[i];
    h *= 0x100000001B3ull;
  }
  return sf_mix64(h);
}

uint64_t sf_hash_word (const char *s, size_t n) {
  uint64_t h = 0xCBF29CE484222325ull;
  size_t i;
  for (i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (!isalnum(c) && c < 0x80)
      continue;
    h ^= (unsigned char)tolower(c);
    h *= 0x100000001B3ull;
  }
  return sf_mix64(h);
}

/* ---- key and progression ------------------------------------------------ */

typedef struct Prog {
  int minor, n;
  int deg[8];
} Prog;

/* Common progressions as 0-based scale degrees. In minor, degree 4 is
** played as a major V (harmonic minor), as pop and classical both do. */
static const Prog PROGS[] = {
  {0, 4, {0, 4, 5, 3}},              /* I V vi IV */
  {0, 4, {0, 5, 3, 4}},              /* I vi IV V */
  {0, 4, {5, 3, 0, 4}},              /* vi IV I V */
  {0, 4, {1, 4, 0, 0}},              /* ii V I I */
  {0, 4, {0, 3, 4, 3}},              /* I IV V IV */
  {0, 4, {0, 3, 5, 4}},              /* I IV vi V */
  {0, 4, {3, 0, 4, 5}},              /* IV I V vi */
  {0, 8, {0, 4, 5, 2, 3, 0, 3, 4}},  /* I V vi iii IV I IV V */
  {0, 8, {0, 5, 3, 4, 0, 5, 1, 4}},  /* I vi IV V I vi ii V */
  {0, 8, {0, 0, 3, 3, 4, 3, 0, 4}},  /* I I IV IV V IV I V */
  {1, 4, {0, 5, 2, 6}},              /* i VI III VII */
  {1, 4, {0, 3, 6, 2}},              /* i iv VII III */
  {1, 4, {0, 6, 5, 6}},              /* i VII VI VII */
  {1, 4, {0, 5, 3, 4}},              /* i VI iv V */
  {1, 4, {0, 3, 4, 0}},              /* i iv V i */
  {1, 8, {0, 6, 5, 4, 0, 3, 5, 4}},  /* i VII VI V i iv VI V */
  {1, 8, {0, 3, 6, 2, 5, 1, 4, 0}},  /* i iv VII III VI ii V i */
  {1, 8, {0, 5, 2, 6, 0, 5, 3, 4}},  /* i VI III VII i VI iv V */
};
#define NPROGS ((int)(sizeof PROGS / sizeof PROGS[0]))

static const int MAJOR[7] = {0, 2, 4, 5, 7, 9, 11};
static const int MINOR[7] = {0, 2, 3, 5, 7, 8, 10};

/* Interval from degree d to degree d+k in the scale, in semitones. */
static int scale_interval (const int *scale, int d, int k) {
  int t = d + k;
  return scale[t % 7] + 12 * (t / 7) - scale[d];
}

static void chord_build (SfChord *c, const int *scale, int key, int minor,
                         int d) {
  c->degree = d;
  c->root_pc = (key + scale[d]) % 12;
  c->third = scale_interval(scale, d, 2);
  c->fifth = scale_interval(scale, d, 4);
  c->seventh = scale_interval(scale, d, 6);
  if (minor && d == 4) {  /* harmonic-minor dominant: V7 */
    c->third = 4;
    c->seventh = 10;
  }
}

/* Key, mode and progression: the part of the idea the bass plays. */
static void idea_harmony (SfIdea *id, uint64_t seed) {
  SfRng r = sf_rng(seed, 0x6B6579);  /* "key" */
  int i, pick, nmode = 0, idx[NPROGS];
  const Prog *p;
  id->key_root = sf_rng_below(&r, 12);
  id->minor = sf_rng_unit(&r) < 0.4;
  for (i = 0; i < NPROGS; i++)
    if (PROGS[i].minor == id->minor)
      idx[nmode++] = i;
  pick = idx[sf_rng_below(&r, nmode)];
  p = &PROGS[pick];
  id->bars = p->n;
  memcpy(id->scale, id->minor ? MINOR : MAJOR, sizeof id->scale);
  for (i = 0; i < 8; i++)
    chord_build(&id->chord[i], id->scale, id->key_root, id->minor,
                p->deg[i % p->n]);
  id->tonic_midi = 60 + id->key_root;
  if (id->tonic_midi > 65)
    id->tonic_midi -= 12;
}

void sf_synth_idea_info (uint64_t idea, SfIdeaInfo *out) {
  SfIdea id;
  int i;
  idea_harmony(&id, idea);
  memset(out, 0, sizeof *out);
  out->key_root = id.key_root;
  out->minor = id.minor;
  out->bars = id.bars;
  for (i = 0; i < 8; i++)
    out->chord_root[i] = id.chord[i].root_pc;
}

/* ---- lyrics ------------------------------------------------------------- */

static int is_vowel (int c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' ||
         c == 'y';
}

static int vowel_class (const char *g) {
  int a = tolower((unsigned char)g[0]), b = tolower((unsigned char)g[1]);
  if (a == 'o' && b == 'o')
    return SF_VOW_U;
  if (a == 'e' && (b == 'e' || b == 'a'))
    return SF_VOW_I;
  switch (a) {
  case 'a': return SF_VOW_A;
  case 'e': return SF_VOW_E;
  case 'i': case 'y': return SF_VOW_I;
  case 'o': return SF_VOW_O;
  default: return SF_VOW_U;
  }
}

static int cons_class (int c) {
  if (c == 0)
    return 0;
  c = tolower(c);
  return strchr("mnlrwyvhj", c) != NULL ? 1 : 2;
}

static void line_add (SfLine *l, int vowel, int cons) {
  if (l->nsyl >= SF_MAX_SYL)
    return;
  l->syl[l->nsyl].vowel = (uint8_t)vowel;
  l->syl[l->nsyl].cons = (uint8_t)cons;
  l->nsyl++;
}

/* One English-ish word: a syllable per vowel group, minus a silent final
** 'e'. Good enough to give the lead a singable rhythm. */
static void word_syllables (SfLine *l, const char *w, int n) {
  int i = 0, groups = 0, start = l->nsyl;
  while (i < n) {
    int c = tolower((unsigned char)w[i]);
    if (is_vowel(c) && !(c == 'y' && i == 0)) {
      int prev = i > 0 ? (unsigned char)w[i - 1] : 0;
      line_add(l, vowel_class(w + i), cons_class(prev));
      groups++;
      while (i < n && is_vowel(tolower((unsigned char)w[i])))
        i++;
    } else {
      i++;
    }
  }
  if (groups > 1 && n > 2 && tolower((unsigned char)w[n - 1]) == 'e' &&
      !is_vowel(tolower((unsigned char)w[n - 2])) &&
      tolower((unsigned char)w[n - 2]) != 'l')
    l->nsyl--;
  if (groups == 0 && n > 0)  /* "hmm", "shh": still one sung beat */
    line_add(l, SF_VOW_U, 1);
  (void)start;
}

/* Split a lyric line into syllables. Non-ASCII characters (accents, kana,
** hanzi...) count one syllable per character, vowel from the code. */
static void line_parse (SfLine *l, const char *s, int n) {
  int i = 0;
  memset(l, 0, sizeof *l);
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (isalpha(c) || c == '\'') {
      int j = i;
      while (j < n && (isalpha((unsigned char)s[j]) || s[j] == '\''))
        j++;
      word_syllables(l, s + i, j - i);
      i = j;
    } else if (c >= 0xC0) {
      unsigned cp = c;
      i++;
      while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
        cp = cp * 64 + ((unsigned char)s[i++] & 0x3F);
      line_add(l, (int)(cp % SF_NVOWELS), 1);
    } else {
      i++;
    }
  }
}

/* The section kind a "[...]" marker names. */
static int marker_kind (const char *s, int n) {
  char b[64];
  int i, m = n < 63 ? n : 63;
  for (i = 0; i < m; i++)
    b[i] = (char)tolower((unsigned char)s[i]);
  b[m] = 0;
  if (strstr(b, "intro"))
    return SF_SEC_INTRO;
  if (strstr(b, "pre"))
    return SF_SEC_PRE;
  if (strstr(b, "chorus") || strstr(b, "hook") || strstr(b, "refrain"))
    return SF_SEC_CHORUS;
  if (strstr(b, "bridge"))
    return SF_SEC_BRIDGE;
  if (strstr(b, "break") || strstr(b, "drop"))
    return SF_SEC_BREAK;
  if (strstr(b, "solo") || strstr(b, "instrumental") ||
      strstr(b, "interlude"))
    return SF_SEC_SOLO;
  if (strstr(b, "outro") || strstr(b, "end") || strstr(b, "coda"))
    return SF_SEC_OUTRO;
  return SF_SEC_VERSE;
}

/* ---- form --------------------------------------------------------------- */

static int form_add (SfForm *f, int kind, int bars, int line0, int nlines) {
  SfSection *s;
  int i, nth = 0;
  if (f->nsec >= SF_MAX_SECTIONS || bars <= 0)
    return -1;
  for (i = 0; i < f->nsec; i++)
    nth += f->sec[i].kind == kind;
  s = &f->sec[f->nsec++];
  s->kind = (uint8_t)kind;
  s->nth = (uint8_t)(nth > 255 ? 255 : nth);
  s->bars = (uint16_t)bars;
  s->line0 = (int16_t)line0;
  s->nlines = (int16_t)nlines;
  f->total_bars += bars;
  return 0;
}

/* Bars a section needs: two per sung line, in whole phrases of 4. */
static int section_bars (int kind, int nlines) {
  int b;
  if (nlines <= 0)
    return kind == SF_SEC_INTRO || kind == SF_SEC_OUTRO ||
           kind == SF_SEC_BREAK ? 4 : 8;
  b = (2 * nlines + 3) / 4 * 4;
  return b < 4 ? 4 : b > 32 ? 32 : b;
}

static const uint8_t TEMPLATES[][12] = {
  /* kind list, 255-terminated */
  {SF_SEC_INTRO, SF_SEC_VERSE, SF_SEC_CHORUS, SF_SEC_VERSE, SF_SEC_CHORUS,
   SF_SEC_BRIDGE, SF_SEC_CHORUS, SF_SEC_CHORUS, SF_SEC_OUTRO, 255},
  {SF_SEC_INTRO, SF_SEC_VERSE, SF_SEC_PRE, SF_SEC_CHORUS, SF_SEC_VERSE,
   SF_SEC_PRE, SF_SEC_CHORUS, SF_SEC_BRIDGE, SF_SEC_CHORUS, SF_SEC_OUTRO,
   255},
  {SF_SEC_INTRO, SF_SEC_VERSE, SF_SEC_VERSE, SF_SEC_CHORUS, SF_SEC_SOLO,
   SF_SEC_VERSE, SF_SEC_CHORUS, SF_SEC_BRIDGE, SF_SEC_CHORUS, SF_SEC_OUTRO,
   255},
};
static const uint8_t EXT_TEMPLATE[] = {
  SF_SEC_BRIDGE, SF_SEC_CHORUS, SF_SEC_SOLO, SF_SEC_CHORUS, SF_SEC_OUTRO,
  255
};

static int kind_bars (int kind) {
  switch (kind) {
  case SF_SEC_INTRO: case SF_SEC_OUTRO: case SF_SEC_PRE: return 4;
  default: return 8;
  }
}

static void form_template (SfForm *f, const uint8_t *t) {
  int i;
  memset(f, 0, sizeof *f);
  for (i = 0; t[i] != 255; i++)
    form_add(f, t[i], kind_bars(t[i]), 0, 0);
  f->loop_from = t[0] == SF_SEC_INTRO ? 1 : 0;
}

/* Lyric lines of one stanza or marked section go into id->line. */
static int lines_push (SfIdea *id, const char *s, int n) {
  if (id->nlines >= SF_MAX_LINES)
    return -1;
  line_parse(&id->line[id->nlines], s, n);
  if (id->line[id->nlines].nsyl == 0)
    return -1;
  return id->nlines++;
}

/* Close the section being read: lines [line0, id->nlines). */
static void form_flush (SfIdea *id, SfForm *f, int kind, int line0) {
  int n = id->nlines - line0;
  if (kind >= 0)
    form_add(f, kind, section_bars(kind, n), line0, n);
}

/* Build the form from lyrics: "[Verse]"-style markers when present, else
** blank-line-separated stanzas alternating verse and chorus. */
static int form_from_lyrics (SfIdea *id, SfForm *f, const char *ly) {
  const char *p = ly;
  int kind = -1, line0 = 0, stanza = 0, marked = strchr(ly, '[') != NULL;
  memset(f, 0, sizeof *f);
  while (*p) {
    const char *e = strchr(p, '\n');
    const char *end = e ? e : p + strlen(p), *q = p;
    while (q < end && isspace((unsigned char)*q))
      q++;
    p = e ? e + 1 : end;
    if (*q == '[') {                 /* a marker opens a section */
      form_flush(id, f, kind, line0);
      kind = marker_kind(q, (int)(end - q));
      line0 = id->nlines;
    } else if (q == end) {           /* blank: ends a stanza if unmarked */
      if (!marked && kind >= 0 && id->nlines > line0) {
        form_flush(id, f, kind, line0);
        kind = -1;
        stanza++;
      }
    } else {
      if (kind < 0) {
        kind = !marked && stanza % 2 ? SF_SEC_CHORUS : SF_SEC_VERSE;
        line0 = id->nlines;
      }
      lines_push(id, q, (int)(end - q));
    }
  }
  form_flush(id, f, kind, line0);
  return f->nsec > 0 ? 0 : -1;
}

/* Give a lyric form an intro if it lacks one. No outro is added: the
** song's length is not known here (a concat cuts it), so the form just
** keeps going, and the clip's end fades out. Past the end, the form
** loops from its first verse (an extension: from its first chorus). */
static void form_frame (SfForm *f, int want_intro, int extension) {
  SfForm g;
  int i;
  if (f->nsec == 0)
    return;
  memset(&g, 0, sizeof g);
  if (want_intro && f->sec[0].kind != SF_SEC_INTRO)
    form_add(&g, SF_SEC_INTRO, 4, 0, 0);
  for (i = 0; i < f->nsec; i++)
    form_add(&g, f->sec[i].kind, f->sec[i].bars, f->sec[i].line0,
             f->sec[i].nlines);
  g.loop_from = g.sec[0].kind == SF_SEC_INTRO && g.nsec > 1 ? 1 : 0;
  for (i = g.loop_from; extension && i < g.nsec; i++)
    if (g.sec[i].kind == SF_SEC_CHORUS) {
      g.loop_from = i;
      break;
    }
  *f = g;
}

void sf_idea_build (SfIdea *id, uint64_t seed, const char *lyrics,
                    int extension) {
  SfRng r = sf_rng(seed, 0x666F726D);  /* "form" */
  int t = sf_rng_below(&r, (int)(sizeof TEMPLATES / sizeof TEMPLATES[0]));
  memset(id, 0, sizeof *id);
  id->seed = seed;
  id->extension = extension;
  idea_harmony(id, seed);
  if (id->bars == 8 && TEMPLATES[t][2] == SF_SEC_PRE)
    t = 0;  /* a 4-bar pre-chorus would start the chorus mid-progression */
  form_template(&id->base, TEMPLATES[t]);
  if (lyrics != NULL && form_from_lyrics(id, &id->form, lyrics) == 0) {
    id->lyric = 1;
    form_frame(&id->form, !extension, extension);
  } else if (extension) {
    form_template(&id->form, EXT_TEMPLATE);
  } else {
    id->form = id->base;
  }
}

/* Section index and bar within it for bar 'b' of form 'f' (loops). */
static int form_locate (const SfForm *f, int b, int *sec_bar) {
  int i, end, loop_bars = 0;
  if (b < 0)
    b = 0;
  for (i = 0; i < f->nsec; i++) {
    if (b < f->sec[i].bars) {
      *sec_bar = b;
      return i;
    }
    b -= f->sec[i].bars;
  }
  /* past the end, replay from loop_from, keeping the outro for the end */
  end = f->nsec;
  if (end - 1 > f->loop_from && f->sec[end - 1].kind == SF_SEC_OUTRO)
    end--;
  for (i = f->loop_from; i < end; i++)
    loop_bars += f->sec[i].bars;
  if (loop_bars <= 0) {
    *sec_bar = 0;
    return f->nsec - 1;
  }
  b %= loop_bars;
  for (i = f->loop_from; i < end - 1; i++) {
    if (b < f->sec[i].bars)
      break;
    b -= f->sec[i].bars;
  }
  *sec_bar = b;
  return i;
}

/* Section kind of song bar 'bar' (helper for last/next lookups). */
static const SfSection *bar_section (const SfIdea *id, int bar, int ext_bar0,
                                     int *sec_bar, int *index) {
  const SfForm *f = &id->form;
  int b = bar;
  if (id->extension) {
    if (bar < ext_bar0)
      f = &id->base;
    else
      b = bar - ext_bar0;
  }
  if (f->nsec == 0)
    f = &id->base;
  *index = form_locate(f, b, sec_bar);
  return &f->sec[*index];
}

void sf_idea_barpos (const SfIdea *id, int bar, int ext_bar0,
                     SfBarPos *out) {
  int sb, idx, sb2, idx2;
  const SfSection *s = bar_section(id, bar, ext_bar0, &sb, &idx);
  const SfSection *prev = bar_section(id, bar - 1, ext_bar0, &sb2, &idx2);
  const SfSection *next = bar_section(id, bar + 1, ext_bar0, &sb2, &idx2);
  memset(out, 0, sizeof *out);
  out->kind = s->kind;
  out->nth = s->nth;
  out->sec_bar = sb;
  out->sec_bars = s->bars;
  out->section = idx;
  out->last_kind = bar > 0 ? prev->kind : -1;
  out->next_kind = next->kind;
  out->line = -1;
  if (s->nlines > 0) {
    /* lines spread evenly over the section, each over at least 2 bars */
    int l = sb * s->nlines / s->bars;
    int first = (l * s->bars + s->nlines - 1) / s->nlines;
    if (sb - first < 2) {
      out->line = s->line0 + l;
      out->line_half = sb - first;
    }
  }
}

/* ---- melody ------------------------------------------------------------- */

/* One-bar rhythms on the eighth-note grid (bit i = onset at eighth i). */
static const uint8_t RHYTHMS[] = {
  0x55, /* x.x.x.x. */ 0x5D, /* x.xxx.x. */ 0x35, /* x.x.xx.. */
  0x6D, /* x.xx.xx. */ 0x15, /* x.x.x... */ 0xB5, /* x.x.xx.x */
  0x57, /* xxx.x.x. */ 0x4D, /* x.xx..x. */ 0x75, /* x.x.xxx. */
  0x2D, /* x.xx.x.. */
};
static const uint8_t CADENCES[] = {
  0x05, /* x.x..... */ 0x11, /* x...x... */ 0x07, /* xxx..... */
  0x15, /* x.x.x... */ 0x01, /* x....... */
};

/* Onsets for 'n' syllables over a bar of 'grid' steps (8 or 16):
** strong positions first, the rest in a seeded order. */
static int syllable_onsets (SfRng *r, int n, int grid, int last,
                            int *pos) {
  static const int ORDER8[8] = {0, 4, 2, 6, 3, 5, 1, 7};
  int used[16] = {0}, i, k = 0, limit = last ? grid * 3 / 4 : grid;
  if (n > limit)
    n = limit;
  for (i = 0; i < 8 && k < n; i++) {
    int p = ORDER8[i] * grid / 8;
    if (p < limit && (i < 3 || sf_rng_unit(r) < 0.8)) {
      used[p] = 1;
      k++;
    }
  }
  while (k < n) {
    int p = sf_rng_below(r, limit);
    if (!used[p]) {
      used[p] = 1;
      k++;
    }
  }
  for (i = 0, k = 0; i < grid; i++)
    if (used[i])
      pos[k++] = i;
  return k;
}

/* Chord tones and scale tones near 'target', choosing smoothly from
** 'prev': chord tones on strong beats, passing tones between, repeated
** notes and big leaps discouraged, a little seeded doubt to break ties. */
static int pick_pitch (const SfIdea *id, const SfChord *c, double target,
                       int prev, int strong, SfRng *r) {
  int best = prev, m;
  double bestc = 1e9;
  int lo = id->tonic_midi - 5, hi = id->tonic_midi + 17;
  int root = c->root_pc;
  for (m = lo; m <= hi; m++) {
    int rel = ((m - root) % 12 + 12) % 12;
    int deg = ((m - id->key_root) % 12 + 12) % 12;
    int is_chord = rel == 0 || rel == c->third || rel == c->fifth % 12;
    int in_scale = 0, k, step = abs(m - prev);
    double cost;
    for (k = 0; k < 7; k++)
      in_scale |= id->scale[k] == deg;
    if (c->third == 4 && id->minor && rel == 4)
      in_scale = 1;  /* raised leading tone over V */
    if (!is_chord && (strong || !in_scale))
      continue;
    cost = fabs(m - target) + 0.3 * step;
    if (step == 0)
      cost += 2.0;   /* a melody moves */
    if (step > 7)
      cost += 2.5;   /* leaps beyond a fifth are rare */
    if (!is_chord)
      cost += step <= 2 ? 0.2 : 3.0;  /* passing tones step */
    cost += 1.2 * sf_rng_unit(r);
    if (cost < bestc) {
      bestc = cost;
      best = m;
    }
  }
  return best;
}

/* Phrase contours over u in [0, 1], in the range -1..1. */
static double contour (int kind, double u) {
  switch (kind) {
  case 0: return sin(SF_PI * u);              /* arch */
  case 1: return 2.0 * u - 1.0;               /* rise */
  case 2: return 1.0 - 2.0 * u;               /* fall */
  case 3: return sin(2.0 * SF_PI * u);        /* wave */
  default: return -sin(SF_PI * u);           /* valley */
  }
}

/* Register of each part above the tonic: verse, chorus, bridge. */
static const float CENTER[3] = {4.0f, 8.5f, 6.0f};

int sf_idea_melody (const SfIdea *id, int part, const SfBarPos *bp,
                    int bar, const SfLine *line, SfNote *out) {
  const SfChord *c = &id->chord[bar % id->bars];
  int bip = bp->sec_bar % 4, phrase = (bp->sec_bar / 4) % 4;
  int variant = phrase == 2 ? 1 : 0, grid = 8, n, i, pos[16];
  int last = bip == 3, prev;
  uint64_t key = ((uint64_t)part << 40) ^ ((uint64_t)variant << 32) ^
                 ((uint64_t)bip << 24) ^ (uint64_t)(bar % id->bars);
  SfRng rr = sf_rng(id->seed, 0x6D656C00ull ^ key);  /* rhythm */
  SfRng rp = sf_rng(id->seed, 0x70697400ull ^ key);  /* pitch */
  const SfSyl *syl = NULL;
  double center, amp, target;
  int shape;
  if (part < 0 || part > 2)
    part = 0;
  if (line != NULL) {
    int half = (line->nsyl + 1) / 2;
    int s0 = bp->line_half ? half : 0;
    n = bp->line_half ? line->nsyl - half : half;
    if (n > 12)
      n = 12;
    syl = line->syl + s0;
    grid = n > 6 ? 16 : 8;
    if (n == 0)
      return 0;
    rr = sf_rng(id->seed, 0x73796C00ull ^ key ^ ((uint64_t)n << 48));
    n = syllable_onsets(&rr, n, grid, bp->line_half == 1, pos);
    last = bp->line_half == 1;
  } else {
    uint8_t m = last ? CADENCES[sf_rng_below(&rr, (int)sizeof CADENCES)]
                     : RHYTHMS[sf_rng_below(&rr, (int)sizeof RHYTHMS)];
    for (i = 0, n = 0; i < 8; i++)
      if (m & (1u << i))
        pos[n++] = i;
  }
  /* contour: each part has its own shape for A and for B phrases */
  {
    SfRng rc = sf_rng(id->seed, 0x636F6E00ull ^ (uint64_t)part);
    int ka = sf_rng_below(&rc, 5), kb = (ka + 1 + sf_rng_below(&rc, 4)) % 5;
    shape = variant ? kb : ka;
  }
  center = id->tonic_midi + CENTER[part];
  amp = part == 1 ? 5.0 : 4.0;
  prev = (int)center;
  for (i = 0; i < n; i++) {
    double beat = pos[i] * 4.0 / grid;
    double end = i + 1 < n ? pos[i + 1] * 4.0 / grid : 4.0;
    double u = (bip * 4.0 + beat) / 16.0;
    int strong = (pos[i] * 8 / grid) % 2 == 0 && (pos[i] * 8 % grid) == 0;
    /* the phrase's line, plus a seeded wander of up to a fourth */
    target = center + amp * contour(shape, u) + (variant ? 1.5 : 0.0) +
             5.0 * sf_rng_sym(&rp);
    if (last && i == n - 1) {  /* cadence: rest on the root or third */
      int a = c->root_pc, b = (c->root_pc + c->third) % 12, m;
      int best = prev, bd = 99;
      for (m = prev - 7; m <= prev + 7; m++) {
        int pc = (m % 12 + 12) % 12;
        if ((pc == a || pc == b) && abs(m - prev) < bd) {
          bd = abs(m - prev);
          best = m;
        }
      }
      out[i].midi = best;
    } else {
      out[i].midi = pick_pitch(id, c, target, prev, strong || i == 0, &rp);
    }
    prev = out[i].midi;
    out[i].beat = (float)beat;
    out[i].len = (float)((last && i == n - 1 ? 4.0 : end) - beat);
    if (out[i].len > 2.5f)
      out[i].len = 2.5f;
    out[i].vel = strong ? 0.95f : 0.78f + 0.1f * (float)sf_rng_unit(&rp);
    if (syl != NULL) {
      out[i].vowel = syl[i].vowel;
      out[i].cons = syl[i].cons;
    } else {
      static const uint8_t LA[8] = {SF_VOW_A, SF_VOW_O, SF_VOW_A, SF_VOW_E,
                                    SF_VOW_U, SF_VOW_A, SF_VOW_O, SF_VOW_I};
      out[i].vowel = LA[(sf_mix64(id->seed + (uint64_t)bip * 8 +
                                  (uint64_t)i) >> 7) % 8];
      out[i].cons = 1;
    }
  }
  return n;
}
