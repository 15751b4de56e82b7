/*
** recipe.c -- recipes the sandbox can keep: like SfRecipe, but the
** strings are owned and lengths are whole centiseconds, so a clip's
** reported duration ("104.88") is exactly its audio's length and sums of
** segments (concat) stay exact.
*/
#include <stdlib.h>
#include <string.h>
#include "sbx.h"

static void seg_free (Seg *g) {
  free(g->lyrics);
  free(g->tags);
  free(g->negative_tags);
  memset(g, 0, sizeof(*g));
}

static void seg_copy (Seg *dst, const Seg *src) {
  *dst = *src;
  dst->lyrics = sf_sbx_strdup(src->lyrics);
  dst->tags = sf_sbx_strdup(src->tags);
  dst->negative_tags = sf_sbx_strdup(src->negative_tags);
}

void sf_sbx_recipe_free (Recipe *r) {
  int i;
  for (i = 0; i < r->nseg; i++)
    seg_free(&r->seg[i]);
  for (i = 0; i < r->ninfill; i++)
    seg_free(&r->infill[i].seg);
  r->nseg = 0;
  r->ninfill = 0;
  r->stem_mask = 0;
}

/* 'dst' must be empty (zeroed or freed). */
void sf_sbx_recipe_copy (Recipe *dst, const Recipe *src) {
  int i;
  for (i = 0; i < src->nseg; i++)
    seg_copy(&dst->seg[i], &src->seg[i]);
  for (i = 0; i < src->ninfill; i++) {
    seg_copy(&dst->infill[i].seg, &src->infill[i].seg);
    dst->infill[i].at_cs = src->infill[i].at_cs;
  }
  dst->nseg = src->nseg;
  dst->ninfill = src->ninfill;
  dst->stem_mask = src->stem_mask;
}

int64_t sf_sbx_recipe_len (const Recipe *r) {
  int64_t n = 0;
  int i;
  for (i = 0; i < r->nseg; i++)
    n += r->seg[i].len_cs;
  return n;
}

/* Append to 'dst' one piece: the part of [a, a + len) inside [from, to),
** from 'g' (a segment, its song position moved on by what is skipped).
** 'at' gets where the piece starts in 'dst'; 0 when nothing overlaps. */
static int piece (const Seg *g, int64_t a, int64_t from, int64_t to,
                  int64_t base, Seg *out, int64_t *at) {
  int64_t lo = a > from ? a : from;
  int64_t hi = a + g->len_cs < to ? a + g->len_cs : to;
  if (hi <= lo)
    return 0;
  seg_copy(out, g);
  out->pos_cs += lo - a;
  out->len_cs = hi - lo;
  *at = base + (lo - from);
  return 1;
}

/* Append to 'dst' what 'src' plays in [from_cs, to_cs): its segments
** there, and its infills over that range. -1 when the parts would not
** fit in one recipe. */
int sf_sbx_recipe_slice (Recipe *dst, const Recipe *src, int64_t from_cs,
                         int64_t to_cs) {
  int64_t base = sf_sbx_recipe_len(dst), start = 0, at;
  Seg tmp;
  int i;
  for (i = 0; i < src->ninfill; i++) {
    const Infill *f = &src->infill[i];
    if (!piece(&f->seg, f->at_cs, from_cs, to_cs, base, &tmp, &at))
      continue;
    if (dst->ninfill >= SF_SYNTH_MAX_INFILLS) {
      seg_free(&tmp);
      return -1;
    }
    dst->infill[dst->ninfill].seg = tmp;
    dst->infill[dst->ninfill++].at_cs = at;
  }
  for (i = 0; i < src->nseg; i++) {
    const Seg *g = &src->seg[i];
    if (piece(g, start, from_cs, to_cs, base, &tmp, &at)) {
      if (dst->nseg >= SF_SYNTH_MAX_SEGMENTS) {
        seg_free(&tmp);
        return -1;
      }
      dst->seg[dst->nseg++] = tmp;
    }
    start += g->len_cs;
  }
  return 0;
}

/* Append to 'dst' the first 'cut_cs' of 'src' (all of it if longer).
** Returns -1 when the segments would not fit in one recipe. */
int sf_sbx_recipe_cut (Recipe *dst, const Recipe *src, int64_t cut_cs) {
  return sf_sbx_recipe_slice(dst, src, 0, cut_cs);
}

/* Append all of 'src' to 'dst'; -1 when it would not fit. */
int sf_sbx_recipe_append (Recipe *dst, const Recipe *src) {
  return sf_sbx_recipe_cut(dst, src, sf_sbx_recipe_len(src));
}

static void seg_view (const Seg *g, SfSegment *o) {
  o->idea = g->idea;
  o->lyrics = g->lyrics;
  o->tags = g->tags;
  o->negative_tags = g->negative_tags;
  o->instrumental = g->instrumental;
  o->extension = g->extension;
  o->song_pos = (double)g->pos_cs / 100.0;
  o->seconds = (double)g->len_cs / 100.0;
}

/* Borrowing view for the synth: strings stay owned by 'r'. */
void sf_sbx_recipe_view (const Recipe *r, SfRecipe *out) {
  int i;
  memset(out, 0, sizeof(*out));
  for (i = 0; i < r->nseg; i++)
    seg_view(&r->seg[i], &out->seg[i]);
  for (i = 0; i < r->ninfill; i++) {
    seg_view(&r->infill[i].seg, &out->infill[i].seg);
    out->infill[i].at = (double)r->infill[i].at_cs / 100.0;
  }
  out->nseg = r->nseg;
  out->ninfill = r->ninfill;
  out->stem_mask = r->stem_mask;
}

/* ---- persistence (the state file stores recipes as JSON) ------------- */

static void seg_json (Buf *b, const Seg *g, int64_t at_cs) {
  sf_sbx_buf_fmt(b, "{\"idea\":\"%llu\",\"at_cs\":%lld,\"lyrics\":",
                 (unsigned long long)g->idea, (long long)at_cs);
  sf_sbx_buf_str(b, g->lyrics);
  sf_sbx_buf_add(b, ",\"tags\":");
  sf_sbx_buf_str(b, g->tags);
  sf_sbx_buf_add(b, ",\"negative_tags\":");
  sf_sbx_buf_str(b, g->negative_tags);
  sf_sbx_buf_fmt(b, ",\"instrumental\":%d,\"extension\":%d,"
                 "\"pos_cs\":%lld,\"len_cs\":%lld}", g->instrumental,
                 g->extension, (long long)g->pos_cs, (long long)g->len_cs);
}

void sf_sbx_recipe_json (Buf *b, const Recipe *r) {
  int i;
  sf_sbx_buf_fmt(b, "{\"stem_mask\":%u,\"seg\":[", (unsigned)r->stem_mask);
  for (i = 0; i < r->nseg; i++) {
    sf_sbx_buf_add(b, i ? "," : "");
    seg_json(b, &r->seg[i], 0);
  }
  sf_sbx_buf_add(b, "],\"infill\":[");
  for (i = 0; i < r->ninfill; i++) {
    sf_sbx_buf_add(b, i ? "," : "");
    seg_json(b, &r->infill[i].seg, r->infill[i].at_cs);
  }
  sf_sbx_buf_add(b, "]}");
}

static void seg_load (Seg *g, const Json *s) {
  const char *idea = sf_sbx_json_str(s, "idea");
  g->idea = idea ? strtoull(idea, NULL, 10) : 0;
  g->lyrics = sf_sbx_strdup(sf_sbx_json_str(s, "lyrics"));
  g->tags = sf_sbx_strdup(sf_sbx_json_str(s, "tags"));
  g->negative_tags = sf_sbx_strdup(sf_sbx_json_str(s, "negative_tags"));
  g->instrumental = (int)sf_sbx_json_num(s, "instrumental", 0);
  g->extension = (int)sf_sbx_json_num(s, "extension", 0);
  g->pos_cs = (int64_t)sf_sbx_json_num(s, "pos_cs", 0);
  g->len_cs = (int64_t)sf_sbx_json_num(s, "len_cs", 0);
}

/* Read back what sf_sbx_recipe_json wrote; 'r' must be empty. A file of
** a sandbox before infills has none. */
int sf_sbx_recipe_load (Recipe *r, const Json *j) {
  const Json *segs = sf_sbx_json_get(j, "seg");
  const Json *fills = sf_sbx_json_get(j, "infill");
  int i;
  if (segs == NULL || segs->t != J_ARR ||
      segs->nkids > SF_SYNTH_MAX_SEGMENTS ||
      (fills != NULL && (fills->t != J_ARR ||
                         fills->nkids > SF_SYNTH_MAX_INFILLS)))
    return -1;
  r->stem_mask = (uint32_t)sf_sbx_json_num(j, "stem_mask", 0);
  for (i = 0; i < segs->nkids; i++)
    seg_load(&r->seg[i], &segs->kids[i]);
  r->nseg = segs->nkids;
  for (i = 0; fills != NULL && i < fills->nkids; i++) {
    seg_load(&r->infill[i].seg, &fills->kids[i]);
    r->infill[i].at_cs = (int64_t)sf_sbx_json_num(&fills->kids[i], "at_cs",
                                                 0);
  }
  r->ninfill = fills != NULL ? fills->nkids : 0;
  return 0;
}
