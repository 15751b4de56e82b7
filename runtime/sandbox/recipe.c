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
  r->nseg = 0;
  r->stem_mask = 0;
}

/* 'dst' must be empty (zeroed or freed). */
void sf_sbx_recipe_copy (Recipe *dst, const Recipe *src) {
  int i;
  for (i = 0; i < src->nseg; i++)
    seg_copy(&dst->seg[i], &src->seg[i]);
  dst->nseg = src->nseg;
  dst->stem_mask = src->stem_mask;
}

int64_t sf_sbx_recipe_len (const Recipe *r) {
  int64_t n = 0;
  int i;
  for (i = 0; i < r->nseg; i++)
    n += r->seg[i].len_cs;
  return n;
}

/* Append to 'dst' the first 'cut_cs' of 'src' (all of it if longer).
** Returns -1 when the segments would not fit in one recipe. */
int sf_sbx_recipe_cut (Recipe *dst, const Recipe *src, int64_t cut_cs) {
  int i;
  for (i = 0; i < src->nseg && cut_cs > 0; i++) {
    Seg *g;
    if (dst->nseg >= SF_SYNTH_MAX_SEGMENTS)
      return -1;
    g = &dst->seg[dst->nseg++];
    seg_copy(g, &src->seg[i]);
    if (g->len_cs > cut_cs)
      g->len_cs = cut_cs;
    cut_cs -= g->len_cs;
  }
  return 0;
}

/* Append all of 'src' to 'dst'; -1 when it would not fit. */
int sf_sbx_recipe_append (Recipe *dst, const Recipe *src) {
  return sf_sbx_recipe_cut(dst, src, sf_sbx_recipe_len(src));
}

/* Borrowing view for the synth: strings stay owned by 'r'. */
void sf_sbx_recipe_view (const Recipe *r, SfRecipe *out) {
  int i;
  memset(out, 0, sizeof(*out));
  for (i = 0; i < r->nseg; i++) {
    const Seg *g = &r->seg[i];
    SfSegment *o = &out->seg[i];
    o->idea = g->idea;
    o->lyrics = g->lyrics;
    o->tags = g->tags;
    o->negative_tags = g->negative_tags;
    o->instrumental = g->instrumental;
    o->extension = g->extension;
    o->song_pos = (double)g->pos_cs / 100.0;
    o->seconds = (double)g->len_cs / 100.0;
  }
  out->nseg = r->nseg;
  out->stem_mask = r->stem_mask;
}

/* ---- persistence (the state file stores recipes as JSON) ------------- */

void sf_sbx_recipe_json (Buf *b, const Recipe *r) {
  int i;
  sf_sbx_buf_fmt(b, "{\"stem_mask\":%u,\"seg\":[", (unsigned)r->stem_mask);
  for (i = 0; i < r->nseg; i++) {
    const Seg *g = &r->seg[i];
    sf_sbx_buf_fmt(b, "%s{\"idea\":\"%llu\",\"lyrics\":", i ? "," : "",
                   (unsigned long long)g->idea);
    sf_sbx_buf_str(b, g->lyrics);
    sf_sbx_buf_add(b, ",\"tags\":");
    sf_sbx_buf_str(b, g->tags);
    sf_sbx_buf_add(b, ",\"negative_tags\":");
    sf_sbx_buf_str(b, g->negative_tags);
    sf_sbx_buf_fmt(b, ",\"instrumental\":%d,\"extension\":%d,"
                   "\"pos_cs\":%lld,\"len_cs\":%lld}", g->instrumental,
                   g->extension, (long long)g->pos_cs,
                   (long long)g->len_cs);
  }
  sf_sbx_buf_add(b, "]}");
}

/* Read back what sf_sbx_recipe_json wrote; 'r' must be empty. */
int sf_sbx_recipe_load (Recipe *r, const Json *j) {
  const Json *segs = sf_sbx_json_get(j, "seg");
  int i;
  if (segs == NULL || segs->t != J_ARR ||
      segs->nkids > SF_SYNTH_MAX_SEGMENTS)
    return -1;
  r->stem_mask = (uint32_t)sf_sbx_json_num(j, "stem_mask", 0);
  for (i = 0; i < segs->nkids; i++) {
    const Json *s = &segs->kids[i];
    Seg *g = &r->seg[i];
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
  r->nseg = segs->nkids;
  return 0;
}
