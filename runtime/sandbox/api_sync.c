/*
** api_sync.c -- the synchronous calls of the sonic family beyond the
** original set: upsample-tags, bpm and vox. Each costs 1 credit and
** answers at once (PROTOCOL.md, "The rest of the sonic family"); bpm
** answers the tempo the synth rendered, vox a clip of the vocals stem.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sbx.h"


/* One credit for a call about 'clip_id'; 403 filled when it cannot be
** paid. Lock held. */
static int charge_one (Sbx *s, const char *kind, const char *clip_id,
                       Answer *a) {
  long index;
  if (sf_sbx_ledger_charge(s, kind, NULL, clip_id, 1, &index) == 0)
    return 0;
  sf_sbx_answer_no_credits(s, a);
  return -1;
}

/* ---- POST /sonic/upsample-tags ----------------------------------------- */

void sf_sbx_api_upsample_tags (Sbx *s, const Json *body, Answer *a) {
  const char *tags = sf_sbx_need_str(s, body, "tags", a);
  char *out;
  if (tags == NULL)
    return;
  if (sf_sbx_utf8_len(tags) > 1000) {
    sf_sbx_answer_error(s, a, 400, "The tags character length should be "
                        "less than 1000.");
    return;
  }
  pthread_mutex_lock(&s->lock);
  sf_sbx_state_begin(s);
  if (charge_one(s, "upsample_tags", NULL, a) == 0) {
    out = sf_sbx_text_upsample(tags);
    sf_sbx_buf_add(&a->body, "{\"code\":200,\"message\":\"success\","
                   "\"upsampled_tags\":");
    sf_sbx_buf_str(&a->body, out);
    sf_sbx_buf_add(&a->body, "}");
    a->status = 200;
    free(out);
  }
  sf_sbx_state_commit(s);
  pthread_mutex_unlock(&s->lock);
}

/* ---- POST /sonic/bpm ------------------------------------------------------ */

/* The tempo of every segment as the synth plays it: the mean weighted
** by length, and the extremes. */
static void recipe_bpm (const Recipe *r, double *mean, double *lo,
                        double *hi) {
  double sum = 0, w = 0;
  int i;
  *lo = *hi = 0;
  for (i = 0; i < r->nseg; i++) {
    const Seg *g = &r->seg[i];
    double bpm = sf_synth_style_bpm(g->idea, g->tags);
    double len = g->len_cs > 0 ? (double)g->len_cs : 1;
    sum += bpm * len;
    w += len;
    if (i == 0 || bpm < *lo) *lo = bpm;
    if (i == 0 || bpm > *hi) *hi = bpm;
  }
  *mean = w > 0 ? sum / w : 0;
}

void sf_sbx_api_bpm (Sbx *s, const Json *body, Answer *a) {
  const char *id = sf_sbx_need_str(s, body, "clip_id", a);
  const Clip *src;
  double mean, lo, hi;
  if (id == NULL)
    return;
  pthread_mutex_lock(&s->lock);
  sf_sbx_tasks_settle(s, sf_sbx_now_ms());
  sf_sbx_state_begin(s);
  if ((src = sf_sbx_api_source(s, id, a)) != NULL &&
      charge_one(s, "bpm", src->id, a) == 0) {
    recipe_bpm(&src->recipe, &mean, &lo, &hi);
    sf_sbx_buf_fmt(&a->body, "{\"code\":200,\"message\":\"success\","
                   "\"data\":{\"bpm\":%.1f,\"max_bpm\":%.1f,\"min_bpm\":"
                   "%.1f}}", mean, hi, lo);
    a->status = 200;
  }
  sf_sbx_state_commit(s);
  pthread_mutex_unlock(&s->lock);
}

/* ---- POST /sonic/vox ------------------------------------------------------ */

/* The vocals of [start, end) (at most 30 s) as a clip of their own: an
** uploaded-like clip whose audio is the window's vocals stem, usable as
** a source like an upload. */
void sf_sbx_api_vox (Sbx *s, const Json *body, Answer *a) {
  const char *id = sf_sbx_need_str(s, body, "clip_id", a);
  const Clip *src;
  Clip *k;
  SfStemDef defs[24];
  int64_t from, to;
  char msg[160];
  Buf title;
  if (id == NULL)
    return;
  if (sf_sbx_seconds_pair(body, "vocal_start_s", "vocal_end_s", &from, &to,
                          msg, sizeof(msg)) != 0) {
    sf_sbx_answer_error(s, a, 400, msg);
    return;
  }
  if (to - from > 3000) {
    sf_sbx_answer_error(s, a, 400, "The vocal window should be at most 30 "
                        "seconds.");
    return;
  }
  pthread_mutex_lock(&s->lock);
  sf_sbx_tasks_settle(s, sf_sbx_now_ms());
  sf_sbx_retain_evict(s, sf_sbx_now_ms(), 1);
  if ((src = sf_sbx_api_source(s, id, a)) == NULL)
    goto done;
  if (to > sf_sbx_recipe_len(&src->recipe)) {
    sf_sbx_answer_error(s, a, 400, "The 'vocal_end_s' field should not be "
                        "more than the clip duration.");
    goto done;
  }
  sf_synth_stem_set(2, defs);            /* [0] is Vocals */
  sf_sbx_state_begin(s);
  if (charge_one(s, "vox", src->id, a) != 0) {
    sf_sbx_state_commit(s);
    goto done;
  }
  k = sf_sbx_clip_new(s, NULL);
  sf_sbx_retain_upload(s, k);
  k->uploaded = 1;
  sf_sbx_buf_init(&title);
  sf_sbx_buf_fmt(&title, "%s - Vocals %.2f-%.2f", src->title ? src->title :
                 "Untitled", (double)from / 100, (double)to / 100);
  k->title = sf_sbx_buf_take(&title);
  k->tags = sf_sbx_strdup(src->tags);
  k->lyrics = sf_sbx_strdup(src->lyrics);
  k->mv = sf_sbx_strdup(src->mv);
  sf_sbx_recipe_slice(&k->recipe, &src->recipe, from, to);
  k->recipe.stem_mask = defs[0].mask;
  sf_sbx_state_save_clip(s, k);
  sf_sbx_state_save_meta(s);
  sf_sbx_state_commit(s);
  sf_sbx_buf_fmt(&a->body, "{\"code\":200,\"message\":\"success\","
                 "\"data\":{\"vox_audio_id\":\"%s\",\"audio_url\":", k->id);
  sf_sbx_audio_url(s, &a->body, k->id, "mp3");
  sf_sbx_buf_fmt(&a->body, ",\"vocal_start_s\":%.2f,\"vocal_end_s\":%.2f,"
                 "\"duration\":%.2f}}", (double)from / 100,
                 (double)to / 100, (double)(to - from) / 100);
  a->status = 200;
done:
  pthread_mutex_unlock(&s->lock);
}
