/*
** synth_style.c -- what tags change: tempo, feel, instruments, effects.
**
** Tags are comma separated; each item is lower-cased and stripped to
** letters and digits ("Lo-Fi Hip Hop" -> "lofihiphop"), then searched for
** the keywords of the table below, longest first, each match consuming its
** letters (so "synthwave" does not also count as "synth", nor "trap" as
** "rap"). Instrument tags beat genre tags for the layers they name, and
** among equals the earlier tag wins. Items with no keyword hash to a stable
** default genre when no known genre was given at all.
*/
#include <ctype.h>
#include <string.h>

#include "synth_internal.h"

/* One tag's opinions. Zero means "no opinion" for every field. */
typedef struct TagDef {
  const char *keys;          /* '|'-separated normalized keywords */
  uint8_t prio;              /* 2 instrument tag, 1 genre, 0 modifier */
  uint8_t bpm_lo, bpm_hi;
  float tempo_mul, swing;
  uint8_t chords, pad, bass, lead, arp, kit, groove, comp, bpat;
  uint8_t drums, perc;       /* 1 on, 2 off */
  unsigned flags;
  float bright, vel, notelen, reverb, room, delay, lowpass;
  float crackle, hiss, wobble, drive, humanize, density, formant, vibrato;
} TagDef;

#define ON 1
#define OFF 2

static const TagDef TAGS[] = {
  {.keys = "lofi|chillhop|lowfi", .prio = 1, .bpm_lo = 70, .bpm_hi = 85,
   .swing = 0.18f, .chords = SF_I_EPIANO, .pad = SF_I_WARMPAD,
   .bass = SF_I_BASS_SYNTH, .lead = SF_I_EPIANO, .arp = SF_I_EPIANO,
   .kit = SF_KIT_LOFI, .groove = SF_GR_BOOMBAP, .comp = SF_CP_SUSTAIN,
   .bpat = SF_BP_ROOTS, .drums = ON, .flags = SF_ST_SEVENTHS,
   .bright = 0.75f, .vel = 0.85f, .reverb = 0.3f, .room = 0.5f,
   .lowpass = 3000, .crackle = 1, .hiss = 0.6f, .wobble = 1,
   .humanize = 0.012f, .density = 0.8f},
  {.keys = "acoustic|unplugged", .prio = 2, .bpm_lo = 90, .bpm_hi = 110,
   .chords = SF_I_PLUCK, .pad = SF_I_NONE, .bass = SF_I_BASS_UPRIGHT,
   .lead = SF_I_FLUTE, .arp = SF_I_PLUCK, .kit = SF_KIT_ACOUSTIC,
   .groove = SF_GR_LIGHT, .comp = SF_CP_STRUM, .bpat = SF_BP_ROOTS,
   .perc = ON, .reverb = 0.25f, .room = 0.4f, .bright = 0.95f},
  {.keys = "folk|singersongwriter|americana", .prio = 1, .bpm_lo = 85,
   .bpm_hi = 110, .chords = SF_I_PLUCK, .bass = SF_I_BASS_UPRIGHT,
   .lead = SF_I_FLUTE, .arp = SF_I_PLUCK, .kit = SF_KIT_ACOUSTIC,
   .groove = SF_GR_LIGHT, .comp = SF_CP_STRUM, .bpat = SF_BP_ROOTS,
   .perc = ON, .reverb = 0.25f},
  {.keys = "guitar", .prio = 2, .chords = SF_I_PLUCK, .comp = SF_CP_STRUM,
   .arp = SF_I_PLUCK},
  {.keys = "synthwave|retrowave|outrun|80s|vaporwave|cyberpunk", .prio = 1,
   .bpm_lo = 100, .bpm_hi = 118, .chords = SF_I_SAWPAD, .pad = SF_I_SAWPAD,
   .bass = SF_I_BASS_SYNTH, .lead = SF_I_SAWLEAD, .arp = SF_I_SYNTHPLUCK,
   .kit = SF_KIT_ELECTRO, .groove = SF_GR_BACKBEAT, .comp = SF_CP_PULSE,
   .bpat = SF_BP_OCTAVES, .drums = ON,
   .flags = SF_ST_ARP | SF_ST_GATED | SF_ST_RISERS | SF_ST_WIDE,
   .bright = 1.2f, .reverb = 0.4f, .room = 0.7f, .delay = 0.3f},
  {.keys = "jazz|swing|bebop|bossa", .prio = 1, .bpm_lo = 120,
   .bpm_hi = 160, .swing = 0.33f, .chords = SF_I_PIANO,
   .bass = SF_I_BASS_UPRIGHT, .lead = SF_I_HORN, .kit = SF_KIT_BRUSH,
   .groove = SF_GR_JAZZ, .comp = SF_CP_JAZZ, .bpat = SF_BP_WALK,
   .drums = ON, .flags = SF_ST_SEVENTHS, .reverb = 0.25f, .room = 0.45f,
   .humanize = 0.006f},
  {.keys = "rock|grunge|alternative|indierock", .prio = 1, .bpm_lo = 120,
   .bpm_hi = 140, .chords = SF_I_DISTGTR, .bass = SF_I_BASS_PICK,
   .lead = SF_I_DISTGTR, .kit = SF_KIT_ROCK, .groove = SF_GR_BACKBEAT,
   .comp = SF_CP_POWER8, .bpat = SF_BP_EIGHTHS, .drums = ON,
   .flags = SF_ST_DRIVE | SF_ST_RISERS, .drive = 1.0f, .bright = 1.1f,
   .vel = 1.1f, .reverb = 0.2f, .room = 0.45f},
  {.keys = "metal|metalcore|thrash|djent", .prio = 1, .bpm_lo = 150,
   .bpm_hi = 180, .chords = SF_I_DISTGTR, .bass = SF_I_BASS_PICK,
   .lead = SF_I_DISTGTR, .kit = SF_KIT_ROCK, .groove = SF_GR_DOUBLE,
   .comp = SF_CP_POWER8, .bpat = SF_BP_EIGHTHS, .drums = ON,
   .flags = SF_ST_DRIVE, .drive = 1.8f, .bright = 1.15f, .vel = 1.15f,
   .reverb = 0.15f, .density = 1.3f},
  {.keys = "punk|hardcore|emo", .prio = 1, .bpm_lo = 160, .bpm_hi = 180,
   .chords = SF_I_DISTGTR, .bass = SF_I_BASS_PICK, .lead = SF_I_DISTGTR,
   .kit = SF_KIT_ROCK, .groove = SF_GR_PUNK, .comp = SF_CP_POWER8,
   .bpat = SF_BP_EIGHTHS, .drums = ON, .flags = SF_ST_DRIVE,
   .drive = 1.4f, .bright = 1.15f, .vel = 1.1f, .reverb = 0.12f},
  {.keys = "piano|keys", .prio = 2, .chords = SF_I_PIANO,
   .lead = SF_I_PIANO, .arp = SF_I_PIANO, .comp = SF_CP_BALLAD,
   .drums = OFF, .pad = SF_I_NONE},
  {.keys = "orchestral|orchestra|cinematic|symphonic|epic|soundtrack",
   .prio = 1, .bpm_lo = 70, .bpm_hi = 100, .chords = SF_I_STRINGS,
   .pad = SF_I_STRINGS, .bass = SF_I_BASS_SUB, .lead = SF_I_HORN,
   .arp = SF_I_PLUCK, .kit = SF_KIT_ORCH, .groove = SF_GR_BALLAD,
   .comp = SF_CP_SUSTAIN, .bpat = SF_BP_SUSTAIN, .drums = ON,
   .flags = SF_ST_RISERS | SF_ST_WIDE, .reverb = 0.55f, .room = 0.85f,
   .bright = 0.9f},
  {.keys = "classical|baroque|romantic", .prio = 1, .bpm_lo = 70,
   .bpm_hi = 100, .chords = SF_I_PIANO, .pad = SF_I_STRINGS,
   .bass = SF_I_BASS_SUB, .lead = SF_I_FLUTE, .arp = SF_I_PIANO,
   .comp = SF_CP_BROKEN, .bpat = SF_BP_SUSTAIN, .drums = OFF,
   .reverb = 0.45f, .room = 0.8f},
  {.keys = "strings|violin|cello", .prio = 2, .chords = SF_I_STRINGS,
   .pad = SF_I_STRINGS, .comp = SF_CP_SUSTAIN},
  {.keys = "organ|gospel", .prio = 2, .chords = SF_I_ORGAN,
   .pad = SF_I_CHOIR, .comp = SF_CP_SUSTAIN},
  {.keys = "synth|electro|synthpop", .prio = 2, .chords = SF_I_SAWPAD,
   .pad = SF_I_SAWPAD, .lead = SF_I_SQUARELEAD, .arp = SF_I_SYNTHPLUCK,
   .flags = SF_ST_ARP},
  {.keys = "bell|bells|musicbox|celesta", .prio = 2, .arp = SF_I_BELL,
   .lead = SF_I_BELL, .flags = SF_ST_ARP},
  {.keys = "flute", .prio = 2, .lead = SF_I_FLUTE},
  {.keys = "brass|horn|trumpet|sax", .prio = 2, .lead = SF_I_HORN},
  {.keys = "marimba|xylophone|vibraphone", .prio = 2, .arp = SF_I_MARIMBA,
   .lead = SF_I_MARIMBA, .flags = SF_ST_ARP},
  {.keys = "choir|choral", .prio = 2, .pad = SF_I_CHOIR},
  {.keys = "ambient|atmospheric|drone|meditation|newage|spa", .prio = 1,
   .bpm_lo = 60, .bpm_hi = 70, .chords = SF_I_WARMPAD, .pad = SF_I_SAWPAD,
   .bass = SF_I_BASS_SUB, .lead = SF_I_BELL, .arp = SF_I_BELL,
   .comp = SF_CP_SUSTAIN, .bpat = SF_BP_SUSTAIN, .drums = OFF,
   .flags = SF_ST_WIDE, .reverb = 0.8f, .room = 0.95f, .delay = 0.3f,
   .hiss = 0.3f, .bright = 0.85f, .vel = 0.85f},
  {.keys = "edm|house|dance|club|bigroom|progressive", .prio = 1,
   .bpm_lo = 124, .bpm_hi = 128, .chords = SF_I_SAWPAD, .pad = SF_I_SAWPAD,
   .bass = SF_I_BASS_SYNTH, .lead = SF_I_SAWLEAD, .arp = SF_I_SYNTHPLUCK,
   .kit = SF_KIT_ELECTRO, .groove = SF_GR_FOUR, .comp = SF_CP_STAB,
   .bpat = SF_BP_EIGHTHS, .drums = ON,
   .flags = SF_ST_SIDECHAIN | SF_ST_RISERS | SF_ST_ARP | SF_ST_WIDE,
   .bright = 1.15f, .reverb = 0.3f, .delay = 0.2f},
  {.keys = "techno|trance|minimal", .prio = 1, .bpm_lo = 128,
   .bpm_hi = 138, .chords = SF_I_SYNTHPLUCK, .pad = SF_I_SAWPAD,
   .bass = SF_I_BASS_SYNTH, .lead = SF_I_SAWLEAD, .arp = SF_I_SYNTHPLUCK,
   .kit = SF_KIT_ELECTRO, .groove = SF_GR_FOUR, .comp = SF_CP_STAB,
   .bpat = SF_BP_EIGHTHS, .drums = ON,
   .flags = SF_ST_SIDECHAIN | SF_ST_ARP | SF_ST_RISERS, .delay = 0.3f},
  {.keys = "disco|funk|nudisco", .prio = 1, .bpm_lo = 108, .bpm_hi = 122,
   .chords = SF_I_PLUCK, .pad = SF_I_STRINGS, .bass = SF_I_BASS_SYNTH,
   .lead = SF_I_HORN, .kit = SF_KIT_ACOUSTIC, .groove = SF_GR_DISCO,
   .comp = SF_CP_SKANK, .bpat = SF_BP_OCTAVES, .drums = ON,
   .flags = SF_ST_SEVENTHS, .bright = 1.1f},
  {.keys = "pop|kpop|jpop|dancepop|electropop", .prio = 1, .bpm_lo = 100,
   .bpm_hi = 124, .chords = SF_I_PIANO, .pad = SF_I_WARMPAD,
   .bass = SF_I_BASS_SYNTH, .lead = SF_I_SQUARELEAD,
   .arp = SF_I_SYNTHPLUCK, .kit = SF_KIT_ELECTRO, .groove = SF_GR_BACKBEAT,
   .comp = SF_CP_PULSE, .bpat = SF_BP_ROOTS, .drums = ON,
   .flags = SF_ST_RISERS, .bright = 1.05f},
  {.keys = "indie|dreampop|bedroom", .prio = 1, .bpm_lo = 100,
   .bpm_hi = 125, .chords = SF_I_PLUCK, .pad = SF_I_WARMPAD,
   .bass = SF_I_BASS_PICK, .lead = SF_I_SQUARELEAD, .arp = SF_I_PLUCK,
   .kit = SF_KIT_ACOUSTIC, .groove = SF_GR_BACKBEAT, .comp = SF_CP_STRUM,
   .bpat = SF_BP_EIGHTHS, .drums = ON, .reverb = 0.35f},
  {.keys = "hiphop|rap|boombap|hip", .prio = 1, .bpm_lo = 85, .bpm_hi = 95,
   .swing = 0.12f, .chords = SF_I_EPIANO, .bass = SF_I_BASS_SYNTH,
   .lead = SF_I_EPIANO, .kit = SF_KIT_LOFI, .groove = SF_GR_BOOMBAP,
   .comp = SF_CP_SUSTAIN, .bpat = SF_BP_SYNCO, .drums = ON,
   .vel = 1.05f, .humanize = 0.006f},
  {.keys = "trap|drill|phonk", .prio = 1, .bpm_lo = 130, .bpm_hi = 150,
   .chords = SF_I_BELL, .pad = SF_I_WARMPAD, .bass = SF_I_BASS_808,
   .lead = SF_I_BELL, .kit = SF_KIT_808, .groove = SF_GR_HALF,
   .comp = SF_CP_SUSTAIN, .bpat = SF_BP_SUSTAIN, .drums = ON,
   .density = 1.3f},
  {.keys = "rnb|soul|neosoul|motown", .prio = 1, .bpm_lo = 70,
   .bpm_hi = 95, .swing = 0.1f, .chords = SF_I_EPIANO, .pad = SF_I_WARMPAD,
   .bass = SF_I_BASS_SYNTH, .lead = SF_I_EPIANO, .kit = SF_KIT_ACOUSTIC,
   .groove = SF_GR_BALLAD, .comp = SF_CP_JAZZ, .bpat = SF_BP_SYNCO,
   .drums = ON, .flags = SF_ST_SEVENTHS, .reverb = 0.3f},
  {.keys = "blues|shuffle|boogie", .prio = 1, .bpm_lo = 70, .bpm_hi = 100,
   .swing = 0.3f, .chords = SF_I_ORGAN, .bass = SF_I_BASS_PICK,
   .lead = SF_I_DISTGTR, .kit = SF_KIT_ACOUSTIC, .groove = SF_GR_BACKBEAT,
   .comp = SF_CP_JAZZ, .bpat = SF_BP_OCTAVES, .drums = ON,
   .flags = SF_ST_SEVENTHS | SF_ST_DRIVE, .drive = 0.5f},
  {.keys = "country|bluegrass|western", .prio = 1, .bpm_lo = 100,
   .bpm_hi = 120, .chords = SF_I_PLUCK, .bass = SF_I_BASS_PICK,
   .lead = SF_I_PLUCK, .arp = SF_I_PLUCK, .kit = SF_KIT_ACOUSTIC,
   .groove = SF_GR_TRAIN, .comp = SF_CP_STRUM, .bpat = SF_BP_OCTAVES,
   .drums = ON, .perc = ON},
  {.keys = "reggae|dub|ska|dancehall", .prio = 1, .bpm_lo = 70,
   .bpm_hi = 90, .chords = SF_I_ORGAN, .bass = SF_I_BASS_SYNTH,
   .lead = SF_I_HORN, .kit = SF_KIT_ACOUSTIC, .groove = SF_GR_ONEDROP,
   .comp = SF_CP_SKANK, .bpat = SF_BP_SYNCO, .drums = ON, .delay = 0.35f},
  {.keys = "latin|salsa|samba|reggaeton|afro", .prio = 1, .bpm_lo = 95,
   .bpm_hi = 115, .chords = SF_I_PLUCK, .bass = SF_I_BASS_SYNTH,
   .lead = SF_I_HORN, .arp = SF_I_MARIMBA, .kit = SF_KIT_ACOUSTIC,
   .groove = SF_GR_FOUR, .comp = SF_CP_SKANK, .bpat = SF_BP_SYNCO,
   .drums = ON, .perc = ON},
  {.keys = "dnb|drumandbass|jungle|breakbeat", .prio = 1, .bpm_lo = 170,
   .bpm_hi = 176, .chords = SF_I_WARMPAD, .pad = SF_I_SAWPAD,
   .bass = SF_I_BASS_SUB, .lead = SF_I_SAWLEAD, .kit = SF_KIT_ELECTRO,
   .groove = SF_GR_BACKBEAT, .comp = SF_CP_SUSTAIN, .bpat = SF_BP_SUSTAIN,
   .drums = ON, .density = 1.4f},
  {.keys = "dubstep|bassmusic|brostep", .prio = 1, .bpm_lo = 138,
   .bpm_hi = 142, .chords = SF_I_SAWPAD, .bass = SF_I_BASS_808,
   .lead = SF_I_SAWLEAD, .kit = SF_KIT_808, .groove = SF_GR_HALF,
   .comp = SF_CP_STAB, .bpat = SF_BP_SUSTAIN, .drums = ON,
   .flags = SF_ST_DRIVE | SF_ST_RISERS, .drive = 1.0f},
  /* modifiers */
  {.keys = "mellow|chill|calm|relax|soft|gentle|sleep|lullaby|peaceful",
   .tempo_mul = 0.85f, .bright = 0.75f, .vel = 0.8f, .reverb = 0.45f,
   .notelen = 1.15f},
  {.keys = "energetic|upbeat|hype|driving|powerful|intense|aggressive",
   .tempo_mul = 1.15f, .bright = 1.2f, .vel = 1.1f, .notelen = 0.8f,
   .density = 1.3f},
  {.keys = "fast|uptempo", .tempo_mul = 1.15f},
  {.keys = "slow|downtempo|ballad", .tempo_mul = 0.85f, .notelen = 1.1f},
  {.keys = "happy|cheerful|bright|sunny|summer|fun", .tempo_mul = 1.05f,
   .bright = 1.12f},
  {.keys = "sad|melancholic|melancholy|dark|emotional|moody|somber",
   .tempo_mul = 0.93f, .bright = 0.82f, .reverb = 0.35f},
  {.keys = "dreamy|ethereal|shoegaze|spacey|space", .reverb = 0.6f,
   .room = 0.9f, .delay = 0.25f, .flags = SF_ST_WIDE},
  {.keys = "heavy|distorted|gritty", .flags = SF_ST_DRIVE, .drive = 1.3f},
  {.keys = "vintage|retro|oldschool|tape", .wobble = 0.6f, .hiss = 0.5f,
   .lowpass = 6000},
  {.keys = "vinyl|crackle|dusty", .crackle = 1.0f},
  {.keys = "female|woman|girl", .formant = 1.15f},
  {.keys = "male|man|boy", .formant = 0.85f},
  {.keys = "groovy|swung|swingy", .swing = 0.15f},
  {.keys = "minimalist|sparse", .density = 0.7f},
};
#define NTAGS ((int)(sizeof TAGS / sizeof TAGS[0]))

/* Genres an unknown tag (or no tag) can stand for. */
static const char *const DEFAULTS[] = {
  "pop", "lofi", "acoustic", "synthwave", "rock", "jazz", "edm", "ambient",
  "folk", "hiphop", "rnb", "orchestral", "indie", "disco",
};
#define NDEFAULTS ((int)(sizeof DEFAULTS / sizeof DEFAULTS[0]))

/* ---- matching ----------------------------------------------------------- */

/* Lower-case letters and digits of s[0..n) into b (room for cap). */
static int normalize (const char *s, size_t n, char *b, int cap) {
  int k = 0;
  size_t i;
  for (i = 0; i < n && k < cap - 1; i++) {
    unsigned char c = (unsigned char)s[i];
    if (isalnum(c))
      b[k++] = (char)tolower(c);
  }
  b[k] = 0;
  return k;
}

/* Does keyword kw[0..kn) occur in b? If so, blank it out and say yes,
** so that shorter keywords cannot match inside it. */
static int consume (char *b, const char *kw, int kn) {
  char k[32];
  char *p;
  if (kn <= 0 || kn >= (int)sizeof k)
    return 0;
  memcpy(k, kw, (size_t)kn);
  k[kn] = 0;
  if ((p = strstr(b, k)) == NULL)
    return 0;
  memset(p, '_', (size_t)kn);
  return 1;
}

/* Call fn(def, ud) for every table keyword found in the item 'b', longest
** keywords first. Returns the number of matches. */
static int match_item (char *b, void (*fn) (const TagDef *, void *),
                       void *ud) {
  int len, i, hits = 0;
  for (len = 24; len >= 2; len--) {
    for (i = 0; i < NTAGS; i++) {
      const char *k = TAGS[i].keys;
      while (*k) {
        const char *e = strchr(k, '|');
        int kn = e ? (int)(e - k) : (int)strlen(k);
        if (kn == len && consume(b, k, kn)) {
          fn(&TAGS[i], ud);
          hits++;
        }
        k += kn + (e != NULL);
      }
    }
  }
  return hits;
}

static const TagDef *tag_find (const char *key) {
  int i;
  for (i = 0; i < NTAGS; i++) {
    const char *k = TAGS[i].keys, *e = strchr(k, '|');
    size_t kn = e ? (size_t)(e - k) : strlen(k);
    if (kn == strlen(key) && strncmp(k, key, kn) == 0)
      return &TAGS[i];
  }
  return &TAGS[0];
}

/* ---- combining ---------------------------------------------------------- */

typedef struct Acc {
  SfStyle *st;
  uint64_t idea;
  double bpm_sum, tempo_mul;
  int nbpm, order, genres;
  int prio[9], drums_on, drums_off, perc_on, perc_off;
  float reverb_max;
} Acc;

/* Instrument-like field 'slot': higher priority wins, then earlier. */
static void take (Acc *a, int slot, uint8_t *field, uint8_t v, int prio) {
  if (v == 0 || prio <= a->prio[slot])
    return;
  *field = v;
  a->prio[slot] = prio;
}

static float mulf (float cur, float v) { return v != 0 ? cur * v : cur; }
static float maxf (float cur, float v) { return v > cur ? v : cur; }

static void apply_tag (const TagDef *t, void *ud) {
  Acc *a = (Acc *)ud;
  SfStyle *st = a->st;
  int p = t->prio + 1;  /* 0 is "unset" */
  if (t->bpm_hi != 0) {
    SfRng r = sf_rng(a->idea, sf_hash_word(t->keys, strlen(t->keys)));
    a->bpm_sum += t->bpm_lo + (t->bpm_hi - t->bpm_lo) * sf_rng_unit(&r);
    a->nbpm++;
  }
  if (t->prio >= 1)
    a->genres++;
  if (t->tempo_mul != 0)
    a->tempo_mul *= t->tempo_mul;
  take(a, 0, &st->chords, t->chords, p);
  take(a, 1, &st->pad, t->pad, p);
  take(a, 2, &st->bass, t->bass, p);
  take(a, 3, &st->lead, t->lead, p);
  take(a, 4, &st->arp, t->arp, p);
  take(a, 5, &st->kit, t->kit, p);
  take(a, 6, &st->groove, t->groove, p);
  take(a, 7, &st->comp, t->comp, p);
  take(a, 8, &st->bpat, t->bpat, p);
  if (t->pad == SF_I_NONE && t->prio == 2 && t->chords)
    a->prio[1] = a->prio[1] < p ? p : a->prio[1];  /* "no synths" */
  a->drums_on += t->drums == ON;
  a->drums_off += t->drums == OFF;
  a->perc_on += t->perc == ON;
  st->flags |= t->flags;
  st->swing = maxf(st->swing, t->swing);
  st->bright = mulf(st->bright, t->bright);
  st->vel = mulf(st->vel, t->vel);
  st->notelen = mulf(st->notelen, t->notelen);
  st->density = mulf(st->density, t->density);
  st->formant = mulf(st->formant, t->formant);
  a->reverb_max = maxf(a->reverb_max, t->reverb);
  st->room = maxf(st->room, t->room);
  st->delay = maxf(st->delay, t->delay);
  if (t->lowpass != 0 && (st->lowpass == 0 || t->lowpass < st->lowpass))
    st->lowpass = t->lowpass;
  st->crackle = maxf(st->crackle, t->crackle);
  st->hiss = maxf(st->hiss, t->hiss);
  st->wobble = maxf(st->wobble, t->wobble);
  st->drive = maxf(st->drive, t->drive);
  st->humanize = maxf(st->humanize, t->humanize);
}

/* Walk the comma-separated items of 'tags'; unknown items feed 'unknown'. */
static void scan_tags (const char *tags, Acc *a, uint64_t *unknown,
                       int *nunknown) {
  const char *p = tags;
  while (p != NULL && *p) {
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char b[128];
    if (normalize(p, n, b, (int)sizeof b) > 0 &&
        match_item(b, apply_tag, a) == 0) {
      *unknown = sf_mix64(*unknown ^ sf_hash_word(p, n));
      (*nunknown)++;
    }
    p = e ? e + 1 : NULL;
  }
}

static void style_defaults (SfStyle *st) {
  memset(st, 0, sizeof *st);
  st->bright = st->vel = st->notelen = st->density = st->formant = 1.0f;
  st->room = 0.0f;
  st->vibrato = 0.35f;
}

/* Layers nobody chose get the defaults of a plain pop arrangement. */
static void style_fill (SfStyle *st, Acc *a) {
  if (!a->prio[0]) st->chords = SF_I_PIANO;
  if (!a->prio[2])  /* no drums: a soft low octave; else a synth bass */
    st->bass = a->drums_off && !a->drums_on ? SF_I_BASS_SUB
                                            : SF_I_BASS_SYNTH;
  if (!a->prio[8] && st->bass == SF_I_BASS_SUB) {
    st->bpat = SF_BP_SUSTAIN;
    a->prio[8] = 1;
  }
  if (!a->prio[3]) st->lead = SF_I_SQUARELEAD;
  if (!a->prio[5]) st->kit = SF_KIT_ACOUSTIC;
  if (!a->prio[6]) st->groove = SF_GR_BACKBEAT;
  if (!a->prio[7]) st->comp = SF_CP_SUSTAIN;
  if (!a->prio[8]) st->bpat = SF_BP_ROOTS;
  if (st->room == 0)
    st->room = 0.55f;
  st->reverb = a->reverb_max > 0 ? a->reverb_max : 0.25f;
  st->drums_on = a->drums_on > 0 || a->drums_off == 0;
  st->perc_on = a->perc_on > 0;
  if (st->bright > 1.6f) st->bright = 1.6f;
  if (st->bright < 0.5f) st->bright = 0.5f;
  if (st->density > 1.6f) st->density = 1.6f;
}

/* ---- negative tags ------------------------------------------------------ */

typedef struct NegDef {
  const char *keys;
  uint32_t mute;
  int what;                  /* extra effect switches, below */
} NegDef;

enum {
  NEG_VOX = 1, NEG_REVERB = 2, NEG_DELAY = 4, NEG_LOFI = 8, NEG_DRIVE = 16,
  NEG_SWING = 32, NEG_PIANO = 64, NEG_GUITAR = 128, NEG_SYNTH = 256,
  NEG_STRINGS = 512
};

static const NegDef NEGS[] = {
  {"drum|drums|beat|beats", SF_DRUM_BUSES, 0},
  {"percussion", SF_DRUM_BUSES | SF_BUS(SF_BUS_SHAKER), 0},
  {"kick", SF_BUS(SF_BUS_KICK), 0},
  {"snare|clap", SF_BUS(SF_BUS_SNARE) | SF_BUS(SF_BUS_CLAP), 0},
  {"hat|hats|hihat|hihats|cymbal|cymbals",
   SF_BUS(SF_BUS_HAT) | SF_BUS(SF_BUS_OPENHAT) | SF_BUS(SF_BUS_CYMBAL), 0},
  {"bass|808|subbass", SF_BUS(SF_BUS_SUB) | SF_BUS(SF_BUS_BASS), 0},
  {"vocal|vocals|voice|voices|singing|singer|lyrics|vox", SF_VOCAL_BUSES,
   NEG_VOX},
  {"backing|choir|harmony|harmonies", SF_BUS(SF_BUS_BACKING), 0},
  {"chords", SF_BUS(SF_BUS_CHORD_LH) | SF_BUS(SF_BUS_CHORD_RH), 0},
  {"piano|keys|rhodes", 0, NEG_PIANO},
  {"guitar|guitars", 0, NEG_GUITAR},
  {"synth|synths|synthesizer", SF_BUS(SF_BUS_ARP), NEG_SYNTH},
  {"pad|pads", SF_BUS(SF_BUS_PAD), 0},
  {"strings|orchestra|orchestral", 0, NEG_STRINGS},
  {"arp|arps|arpeggio|arpeggios", SF_BUS(SF_BUS_ARP), 0},
  {"reverb|reverbs|echo|wet", SF_BUS(SF_BUS_REVERB) |
   SF_BUS(SF_BUS_VOX_VERB), NEG_REVERB},
  {"delay|delays", SF_BUS(SF_BUS_DELAY), NEG_DELAY},
  {"vinyl|crackle|noise|hiss|texture|lofi",
   SF_BUS(SF_BUS_VINYL) | SF_BUS(SF_BUS_HISS), NEG_LOFI},
  {"fx|sfx|effects|riser|risers|sweep|sweeps",
   SF_BUS(SF_BUS_RISER) | SF_BUS(SF_BUS_IMPACT), 0},
  {"distortion|distorted|heavy", 0, NEG_DRIVE},
  {"swing", 0, NEG_SWING},
  {"melody|lead", SF_BUS(SF_BUS_LEAD_INST), 0},
};
#define NNEGS ((int)(sizeof NEGS / sizeof NEGS[0]))

static int is_kind (int inst, int a, int b, int c) {
  return inst != 0 && (inst == a || inst == b || inst == c);
}

/* Remove layers played by a named instrument family. */
static void neg_instrument (SfStyle *st, int a, int b, int c) {
  const uint32_t chords = SF_BUS(SF_BUS_CHORD_LH) | SF_BUS(SF_BUS_CHORD_RH);
  if (is_kind(st->chords, a, b, c)) st->mute |= chords;
  if (is_kind(st->pad, a, b, c)) st->mute |= SF_BUS(SF_BUS_PAD);
  if (is_kind(st->lead, a, b, c)) st->mute |= SF_BUS(SF_BUS_LEAD_INST);
  if (is_kind(st->arp, a, b, c)) st->mute |= SF_BUS(SF_BUS_ARP);
}

static void neg_apply (SfStyle *st, const NegDef *n) {
  st->mute |= n->mute;
  if (n->what & NEG_VOX) st->no_vox = 1;
  if (n->what & NEG_REVERB) { st->reverb = 0; st->flags &= ~SF_ST_GATED; }
  if (n->what & NEG_DELAY) st->delay = 0;
  if (n->what & NEG_LOFI) {
    st->lowpass = 0;
    st->wobble = st->crackle = st->hiss = 0;
  }
  if (n->what & NEG_DRIVE) { st->drive = 0; st->flags &= ~SF_ST_DRIVE; }
  if (n->what & NEG_SWING) st->swing = 0;
  if (n->what & NEG_PIANO)
    neg_instrument(st, SF_I_PIANO, SF_I_EPIANO, SF_I_PIANO);
  if (n->what & NEG_GUITAR)
    neg_instrument(st, SF_I_PLUCK, SF_I_DISTGTR, SF_I_PLUCK);
  if (n->what & NEG_SYNTH)
    neg_instrument(st, SF_I_SAWPAD, SF_I_SAWLEAD, SF_I_SQUARELEAD);
  if (n->what & NEG_STRINGS)
    neg_instrument(st, SF_I_STRINGS, SF_I_STRINGS, SF_I_STRINGS);
}

static void scan_negative (SfStyle *st, const char *neg) {
  const char *p = neg;
  while (p != NULL && *p) {
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char b[128];
    int i, len;
    normalize(p, n, b, (int)sizeof b);
    for (len = 24; len >= 2; len--)
      for (i = 0; i < NNEGS; i++) {
        const char *k = NEGS[i].keys;
        while (*k) {
          const char *ke = strchr(k, '|');
          int kn = ke ? (int)(ke - k) : (int)strlen(k);
          if (kn == len && consume(b, k, kn))
            neg_apply(st, &NEGS[i]);
          k += kn + (ke != NULL);
        }
      }
    p = e ? e + 1 : NULL;
  }
}

/* ---- entry points ------------------------------------------------------- */

void sf_style_build (SfStyle *st, uint64_t idea, const char *tags,
                     const char *negative) {
  Acc a;
  uint64_t unknown = 0x756E6B6E;  /* "unkn" */
  int nunknown = 0;
  double bpm;
  style_defaults(st);
  memset(&a, 0, sizeof a);
  a.st = st;
  a.idea = idea;
  a.tempo_mul = 1.0;
  scan_tags(tags, &a, &unknown, &nunknown);
  if (a.genres == 0) {
    /* no known genre: a stable default from the unknown words, or from
    ** the idea when there were no tags at all */
    uint64_t h = nunknown ? unknown : sf_mix64(idea ^ 0x64656661756C74ull);
    apply_tag(tag_find(DEFAULTS[h % NDEFAULTS]), &a);
  }
  if (nunknown > 0) {  /* unknown words still nudge tempo and colour */
    SfRng r = sf_rng(unknown, 0x6E75646765ull);
    a.tempo_mul *= 0.96 + 0.08 * sf_rng_unit(&r);
    st->bright *= (float)(0.92 + 0.16 * sf_rng_unit(&r));
  }
  style_fill(st, &a);
  bpm = a.nbpm ? a.bpm_sum / a.nbpm : 110.0;
  bpm = floor(bpm * a.tempo_mul + 0.5);
  st->bpm = bpm < 50 ? 50 : bpm > 200 ? 200 : bpm;
  scan_negative(st, negative);
}

double sf_synth_style_bpm (uint64_t idea, const char *tags) {
  SfStyle st;
  sf_style_build(&st, idea, tags, NULL);
  return st.bpm;
}
