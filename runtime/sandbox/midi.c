/*
** midi.c -- /sonic/midi: the notes of a clip, read from its musical idea
** (key, mode, chord roots per bar, tempo from the tags), as the JSON the
** service returns and as a standard MIDI file for midi_url.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "sbx.h"

enum { INST_CHORDS, INST_BASS, INST_LEAD, NINST };
static const char *INST_NAME[NINST] = { "Chords", "Bass", "Lead" };
static const int INST_PROGRAM[NINST] = { 0, 33, 81 };  /* GM programs */

typedef struct Note {
  double start, end;              /* seconds into the clip */
  int pitch, velocity, inst;
} Note;

typedef struct Notes {
  Note *v;
  size_t n, cap;
  double bpm;                     /* tempo of the first segment */
} Notes;

static void add_note (Notes *ns, double start, double end, int pitch,
                      int vel, int inst) {
  Note *x;
  if (ns->n == ns->cap) {
    ns->cap = ns->cap ? 2 * ns->cap : 256;
    ns->v = sf_sbx_realloc(ns->v, ns->cap * sizeof(Note));
  }
  x = &ns->v[ns->n++];
  x->start = start;
  x->end = end;
  x->pitch = pitch;
  x->velocity = vel;
  x->inst = inst;
}

/* Semitones from 'root' of the scale step 'steps' above it, in the key's
** scale (root outside the scale: a major triad's intervals). */
static int scale_interval (const SfIdeaInfo *in, int root, int steps) {
  static const int major[7] = { 0, 2, 4, 5, 7, 9, 11 };
  static const int minor[7] = { 0, 2, 3, 5, 7, 8, 10 };
  const int *sc = in->minor ? minor : major;
  int rel = ((root - in->key_root) % 12 + 12) % 12, i;
  for (i = 0; i < 7; i++)
    if (sc[i] == rel) {
      int j = i + steps;
      return sc[j % 7] + 12 * (j / 7) - sc[i];
    }
  return steps == 2 ? 4 : 7;
}

/* Add a note given in song time, moved to clip time (song time 'lo' is
** clip time 'offset') and clipped to the segment [lo, hi). */
static void add_clipped (Notes *ns, double start, double end, int pitch,
                         int vel, int inst, double lo, double hi,
                         double offset) {
  if (start < lo)
    start = lo;
  if (end > hi)
    end = hi;
  if (end > start)
    add_note(ns, start - lo + offset, end - lo + offset, pitch, vel, inst);
}

/* The notes of one bar starting at song time t0: a triad held, the root
** in the bass twice, and four lead notes on chord tones picked by the
** idea's hash (none when instrumental). */
static void bar_notes (Notes *ns, const SfIdeaInfo *in, const Seg *g,
                       long bar, double t0, double len, double lo,
                       double hi, double offset) {
  int root = in->chord_root[bar % in->bars];
  int tones[3] = { 0, scale_interval(in, root, 2),
                   scale_interval(in, root, 4) };
  double beat = len / 4;
  int i;
  for (i = 0; i < 3; i++)
    add_clipped(ns, t0, t0 + len * 0.95, 60 + root + tones[i], 70,
                INST_CHORDS, lo, hi, offset);
  add_clipped(ns, t0, t0 + len * 0.45, 36 + root, 90, INST_BASS, lo, hi,
              offset);
  add_clipped(ns, t0 + 2 * beat, t0 + len * 0.95, 36 + root, 80, INST_BASS,
              lo, hi, offset);
  for (i = 0; i < 4 && !g->instrumental; i++) {
    uint64_t h = sf_sbx_hash_mix(g->idea ^ 0x6e6f7465ULL,
                                 (uint64_t)(bar * 4 + i));
    add_clipped(ns, t0 + i * beat, t0 + (i + 0.9) * beat,
                72 + root + tones[h % 3], 85 + (int)(h >> 60), INST_LEAD,
                lo, hi, offset);
  }
}

/* The notes of one segment, which plays its song from pos_cs for len_cs
** and starts at clip time 'offset'. Returns the segment's tempo. */
static double segment_notes (Notes *ns, const Seg *g, double offset) {
  SfIdeaInfo in;
  double bpm = sf_synth_style_bpm(g->idea, g->tags), bar_len;
  double lo = (double)g->pos_cs / 100.0;
  double hi = lo + (double)g->len_cs / 100.0;
  long bar;
  sf_synth_idea_info(g->idea, &in);
  if (!(bpm > 20 && bpm < 400))
    bpm = 120;
  if (in.bars < 1 || in.bars > 8)
    in.bars = 4;
  bar_len = 240.0 / bpm;
  for (bar = (long)floor(lo / bar_len); bar * bar_len < hi; bar++)
    bar_notes(ns, &in, g, bar, bar * bar_len, bar_len, lo, hi, offset);
  return bpm;
}

/* All notes of 'r' in clip time; the file's tempo is the first
** segment's (times are kept in seconds, so later tempos stay exact). */
static void place_segments (const Recipe *r, Notes *ns) {
  double offset = 0;
  int i;
  memset(ns, 0, sizeof(*ns));
  ns->bpm = 120;
  for (i = 0; i < r->nseg; i++) {
    double bpm = segment_notes(ns, &r->seg[i], offset);
    if (i == 0)
      ns->bpm = bpm;
    offset += (double)r->seg[i].len_cs / 100.0;
  }
}

/* [{"name":..,"notes":[{"start","end","pitch","velocity"},..]},..] */
void sf_sbx_midi_instruments (Buf *b, const Recipe *r) {
  Notes ns;
  int inst, first_inst = 1;
  place_segments(r, &ns);
  sf_sbx_buf_add(b, "[");
  for (inst = 0; inst < NINST; inst++) {
    size_t j;
    int first = 1;
    for (j = 0; j < ns.n && ns.v[j].inst != inst; j++)
      ;
    if (j == ns.n)
      continue;                   /* no notes (instrumental: no lead) */
    sf_sbx_buf_fmt(b, "%s{\"name\":\"%s\",\"notes\":[", first_inst ? "" : ",",
                   INST_NAME[inst]);
    first_inst = 0;
    for (j = 0; j < ns.n; j++) {
      const Note *x = &ns.v[j];
      if (x->inst != inst)
        continue;
      sf_sbx_buf_fmt(b, "%s{\"start\":%.3f,\"end\":%.3f,\"pitch\":%d,"
                     "\"velocity\":%d}", first ? "" : ",", x->start, x->end,
                     x->pitch, x->velocity);
      first = 0;
    }
    sf_sbx_buf_add(b, "]}");
  }
  sf_sbx_buf_add(b, "]");
  free(ns.v);
}

/* ---- standard MIDI file ------------------------------------------------- */

typedef struct Ev {
  uint32_t tick;
  unsigned char st, d1, d2;       /* status, data bytes */
} Ev;

static int ev_cmp (const void *a, const void *b) {
  const Ev *x = (const Ev *)a, *y = (const Ev *)b;
  if (x->tick != y->tick)
    return x->tick < y->tick ? -1 : 1;
  return (x->st & 0xf0) == 0x80 ? ((y->st & 0xf0) == 0x80 ? 0 : -1)
         : ((y->st & 0xf0) == 0x80 ? 1 : 0);   /* note-offs first */
}

static void put_vlq (Buf *b, uint32_t v) {
  unsigned char tmp[5];
  int n = 0;
  tmp[n++] = (unsigned char)(v & 0x7f);
  while ((v >>= 7) != 0)
    tmp[n++] = (unsigned char)(0x80 | (v & 0x7f));
  while (n > 0)
    sf_sbx_buf_addn(b, &tmp[--n], 1);
}

static void put_be (Buf *b, uint32_t v, int bytes) {
  while (bytes-- > 0) {
    unsigned char c = (unsigned char)(v >> (8 * bytes));
    sf_sbx_buf_addn(b, &c, 1);
  }
}

/* The track: tempo, one program per channel, then the sorted notes. */
static void midi_track (Buf *trk, const Notes *ns) {
  size_t nev = 0, j;
  uint32_t last = 0, usq = (uint32_t)llround(60e6 / ns->bpm);
  double ticks_per_s = ns->bpm / 60.0 * 480.0;
  Ev *ev = sf_sbx_alloc((2 * ns->n + 1) * sizeof(Ev));
  int ch;
  sf_sbx_buf_addn(trk, "\x00\xff\x51\x03", 4);          /* set tempo */
  put_be(trk, usq, 3);
  for (ch = 0; ch < NINST; ch++) {
    unsigned char pc[3] = { 0, (unsigned char)(0xc0 | ch),
                            (unsigned char)INST_PROGRAM[ch] };
    sf_sbx_buf_addn(trk, pc, 3);
  }
  for (j = 0; j < ns->n; j++) {
    const Note *x = &ns->v[j];
    Ev on = { (uint32_t)llround(x->start * ticks_per_s),
              (unsigned char)(0x90 | x->inst), (unsigned char)x->pitch,
              (unsigned char)x->velocity };
    Ev off = { (uint32_t)llround(x->end * ticks_per_s),
               (unsigned char)(0x80 | x->inst), (unsigned char)x->pitch, 0 };
    ev[nev++] = on;
    ev[nev++] = off;
  }
  qsort(ev, nev, sizeof(Ev), ev_cmp);
  for (j = 0; j < nev; j++) {
    put_vlq(trk, ev[j].tick - last);
    last = ev[j].tick;
    sf_sbx_buf_addn(trk, &ev[j].st, 3);
  }
  sf_sbx_buf_addn(trk, "\x00\xff\x2f\x00", 4);          /* end of track */
  free(ev);
}

/* A format-0 MIDI file of the clip's notes; *out malloc'd. 0 or -1. */
int sf_sbx_midi_file (const Recipe *r, unsigned char **out, size_t *len) {
  Notes ns;
  Buf f, trk;
  place_segments(r, &ns);
  sf_sbx_buf_init(&f);
  sf_sbx_buf_init(&trk);
  midi_track(&trk, &ns);
  sf_sbx_buf_addn(&f, "MThd", 4);
  put_be(&f, 6, 4);
  put_be(&f, 0, 2);               /* format 0 */
  put_be(&f, 1, 2);               /* one track */
  put_be(&f, 480, 2);             /* ticks per quarter note */
  sf_sbx_buf_addn(&f, "MTrk", 4);
  put_be(&f, (uint32_t)trk.len, 4);
  sf_sbx_buf_addn(&f, trk.p, trk.len);
  sf_sbx_buf_free(&trk);
  free(ns.v);
  *len = f.len;
  *out = (unsigned char *)sf_sbx_buf_take(&f);
  return 0;
}
