/*
** api_family.c -- the task endpoints beyond /sonic/create: upload-extend,
** upload-cover, mashup, sample and replace-section. Each is checked like
** a create (validate.c), then builds clips whose recipes make the result
** audible as what it is:
**   mashup           sections of both sources in turn, so the song holds
**                    material of each;
**   sample           the chopped range as it sounds in the source, then
**                    new sections growing the same idea;
**   replace-section  the source's recipe with one infill (synth.h): the
**                    audio outside the range is the source's, sample for
**                    sample, since the loudness gain ignores infills;
**   upload-*         an upload (2 credits) then extend or cover of it.
** Charging, storing and the answer are create's (api_job.h).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api_job.h"

#define TOO_LONG "field should not be more than the clip duration."

/* ---- sources and ranges ----------------------------------------------- */

static int refuse (Job *j, const char *msg) {
  sf_sbx_answer_error(j->s, j->a, 400, msg);
  return -1;
}

/* 'end_cs' within a source of 'len_cs'; else the 400 naming 'field'. */
static int within (Job *j, int64_t end_cs, int64_t len_cs,
                   const char *field) {
  char msg[160];
  if (end_cs <= len_cs)
    return 0;
  snprintf(msg, sizeof(msg), "The '%s' " TOO_LONG, field);
  return refuse(j, msg);
}

/* Find and check what the request builds on; 0 or -1 with the 400 set.
** 'from' gets the song a sample chops or an upload-extend continues (a
** clip's, or the URL's). */
static int resolve (Job *j, Recipe *from) {
  const Create *c = j->c;
  const char *n = c->type->name;
  if (!strcmp(n, "upload_extend")) {
    sf_sbx_upload_recipe(j->s, c->url, from);
    return within(j, llround(c->continue_at * 100),
                  sf_sbx_recipe_len(from), "continue_at");
  }
  if (!strcmp(n, "mashup")) {
    if (!strcmp(c->mashup[0], c->mashup[1]))
      return refuse(j, "The 'mashup_clip_ids' field should hold 2 "
                    "different clips.");
    if ((j->src = sf_sbx_api_source(j->s, c->mashup[0], j->a)) == NULL ||
        (j->src2 = sf_sbx_api_source(j->s, c->mashup[1], j->a)) == NULL)
      return -1;
    return 0;
  }
  if (!strcmp(n, "sample")) {
    if (c->sample_clip_id != NULL) {
      if ((j->src = sf_sbx_api_source(j->s, c->sample_clip_id, j->a)) ==
          NULL)
        return -1;
      sf_sbx_recipe_copy(from, &j->src->recipe);
    } else
      sf_sbx_upload_recipe(j->s, c->url, from);
    return within(j, c->end_cs, sf_sbx_recipe_len(from),
                  "chop_sample_end_s");
  }
  if (!strcmp(n, "replace_section")) {
    if ((j->src = sf_sbx_api_source(j->s, c->clip_id, j->a)) == NULL ||
        within(j, c->end_cs, sf_sbx_recipe_len(&j->src->recipe),
               "infill_end_s") != 0)
      return -1;
    if (j->src->recipe.ninfill >= SF_SYNTH_MAX_INFILLS)
      return refuse(j, "The clip has too many replaced sections: replace "
                    "a section of its source instead.");
  }
  return 0;
}

/* ---- recipes ------------------------------------------------------------ */

/* Lyrics of a generated part: the prompt in custom mode, none when
** instrumental, else written from the description. */
static char *lyrics_for (Job *j, const char *dflt, uint64_t h) {
  const Create *c = j->c;
  if (c->make_instrumental)
    return NULL;
  if (c->prompt != NULL)
    return sf_sbx_strdup(c->prompt);
  if (dflt != NULL)
    return sf_sbx_strdup(dflt);
  return sf_sbx_text_lyrics(h, c->gpt_prompt, 0);
}

/* One section: what 'src' plays at 'at_cs', for 'len_cs', in 'tags' with
** 'lyrics' (NULL: the source's own). */
static void section (Job *j, Seg *g, const Recipe *src, int64_t at_cs,
                     int64_t len_cs, const char *tags, const char *lyrics) {
  int64_t pos;
  const Seg *from = sf_sbx_seg_at(src, at_cs, &pos);
  sf_sbx_seg_set(g, from->idea, lyrics ? lyrics : from->lyrics,
                 tags ? tags : from->tags,
                 j->c->negative_tags,
                 j->c->make_instrumental || from->instrumental);
  g->extension = from->extension;
  g->pos_cs = pos;
  g->len_cs = len_cs;
}

/* Sections of the two sources in turn (take 2 starts with the second),
** each from where that source left off, in one style: the request's
** tags, else the first source's. */
static void build_mashup (Job *j) {
  const Clip *two[2] = { j->src, j->src2 };
  const char *tags = j->c->tags ? j->c->tags : j->src->tags;
  char title[200];
  int i, k;
  snprintf(title, sizeof(title), "%s x %s",
           j->src->title ? j->src->title : "Untitled",
           j->src2->title ? j->src2->title : "Untitled");
  for (i = 0; i < j->c->type->nclips; i++) {
    Clip *k_ = sf_sbx_clip_new(j->s, j->t);
    int64_t len = sf_sbx_clip_len_pick(j->s, sf_sbx_hash_mix(j->h, 60 +
                                       (uint64_t)i), 6000, 24000);
    int nsec = (int)(len / 3000);
    int64_t sec, done = 0;
    char *lyrics = lyrics_for(j, two[i % 2]->lyrics, j->h);
    nsec = nsec < 2 ? 2 : nsec > 8 ? 8 : nsec;
    sec = len / nsec;
    sf_sbx_job_clip(j, k_, title, tags, lyrics);
    for (k = 0; k < nsec; k++) {
      const Clip *from = two[(k + i) % 2];
      int64_t flen = sf_sbx_recipe_len(&from->recipe);
      int64_t at = flen > 0 ? ((k / 2) * sec) % flen : 0;
      int64_t n = k == nsec - 1 ? len - done : sec;
      section(j, &k_->recipe.seg[k_->recipe.nseg++], &from->recipe, at, n,
              tags, lyrics);
      done += n;
    }
    free(lyrics);
  }
}

/* The chopped range as the source plays it, then new sections of the
** same idea in the request's style: the song starts from the sample. */
static void build_sample (Job *j, const Recipe *from) {
  const Create *c = j->c;
  const char *desc = c->custom_mode ? c->prompt : c->gpt_prompt;
  char *title = sf_sbx_text_title(sf_sbx_hash_mix(j->h, 1),
                                  desc ? desc : c->tags);
  int64_t chop = c->end_cs - c->start_cs;
  int i;
  for (i = 0; i < c->type->nclips; i++) {
    Clip *k = sf_sbx_clip_new(j->s, j->t);
    char *lyrics = lyrics_for(j, NULL, sf_sbx_hash_mix(j->h, 3));
    int64_t total = sf_sbx_clip_len_pick(j->s, sf_sbx_hash_mix(j->h, 70 +
                                         (uint64_t)i), 6000, 18000);
    Seg *head = &k->recipe.seg[k->recipe.nseg++], *grow;
    const char *tags;
    section(j, head, from, c->start_cs, chop, NULL, NULL);
    tags = c->tags ? c->tags : head->tags;
    sf_sbx_job_clip(j, k, title, tags, lyrics);
    grow = &k->recipe.seg[k->recipe.nseg++];
    sf_sbx_seg_set(grow, head->idea, lyrics, tags, c->negative_tags,
                   c->make_instrumental);
    grow->extension = 1;
    grow->pos_cs = head->pos_cs + chop;
    grow->len_cs = total > chop + 100 ? total - chop : 100;
    free(lyrics);
  }
  free(title);
}

/* The source with [start, end) regenerated: new sections of its idea at
** that point (take 2 from further on in the form), with infill_lyrics. */
static void build_replace (Job *j) {
  const Create *c = j->c;
  const Clip *src = j->src;
  int64_t len = c->end_cs - c->start_cs, pos;
  const Seg *at = sf_sbx_seg_at(&src->recipe, c->start_cs, &pos);
  const char *tags = c->tags ? c->tags : at->tags;
  const char *lyrics = c->infill_lyrics ? c->infill_lyrics : at->lyrics;
  int i;
  for (i = 0; i < c->type->nclips; i++) {
    Clip *k = sf_sbx_clip_new(j->s, j->t);
    Infill *f;
    sf_sbx_job_clip(j, k, src->title, src->tags, src->lyrics);
    sf_sbx_recipe_copy(&k->recipe, &src->recipe);
    k->recipe.stem_mask = 0;
    f = &k->recipe.infill[k->recipe.ninfill++];
    sf_sbx_seg_set(&f->seg, at->idea, lyrics, tags, c->negative_tags,
                   c->make_instrumental || at->instrumental);
    f->seg.extension = 1;
    f->seg.pos_cs = pos + i * len;
    f->seg.len_cs = len;
    f->at_cs = c->start_cs;
  }
}

/* upload_extend with auto_concat: take 2 becomes the full song (the
** upload up to continue_at, then take 1's extension), so the task pairs
** the extension with the whole. */
static void pair_full_song (Job *j) {
  Clip *ext = j->t->clips[0], *full = j->t->clips[1];
  sf_sbx_recipe_free(&full->recipe);
  if (sf_sbx_recipe_cut(&full->recipe, &j->src->recipe,
                        ext->continue_at_cs) != 0 ||
      sf_sbx_recipe_append(&full->recipe, &ext->recipe) != 0) {
    sf_sbx_recipe_free(&full->recipe);   /* cannot happen: 1 + 1 parts */
    sf_sbx_recipe_copy(&full->recipe, &ext->recipe);
    return;
  }
  full->is_extension = 0;
}

static void build (Job *j, const Recipe *from) {
  const char *n = j->c->type->name;
  if (!strcmp(n, "upload_extend")) {
    sf_sbx_build_extend(j);
    if (j->c->auto_concat && j->t->nclips == 2)
      pair_full_song(j);
  } else if (!strcmp(n, "upload_cover"))
    sf_sbx_build_transform(j);
  else if (!strcmp(n, "mashup"))
    build_mashup(j);
  else if (!strcmp(n, "sample"))
    build_sample(j, from);
  else
    build_replace(j);
}

/* ---- the handler -------------------------------------------------------- */

/* The request's hash: create's, plus what only these bodies carry. */
static uint64_t family_hash (const Sbx *s, const Create *c) {
  uint64_t h = sf_sbx_request_hash(s, c);
  h = sf_sbx_hash_str(h, c->url);
  h = sf_sbx_hash_str(h, c->clip_id);
  h = sf_sbx_hash_str(h, c->sample_clip_id);
  h = sf_sbx_hash_str(h, c->mashup[0]);
  h = sf_sbx_hash_str(h, c->mashup[1]);
  h = sf_sbx_hash_str(h, c->infill_lyrics);
  h = sf_sbx_hash_mix(h, (uint64_t)c->start_cs);
  return sf_sbx_hash_mix(h, (uint64_t)c->end_cs);
}

void sf_sbx_api_family (Sbx *s, const char *kind, const Json *body,
                        const char *key, Answer *a) {
  Create c;
  Job j;
  Recipe from;
  Clip *up = NULL;
  char msg[512];
  long long price;
  if (sf_sbx_family_check(body, kind, &s->models, &c, msg, sizeof(msg))) {
    sf_sbx_answer_error(s, a, 400, msg);
    return;
  }
  memset(&j, 0, sizeof(j));
  memset(&from, 0, sizeof(from));
  j.s = s;
  j.c = &c;
  j.a = a;
  j.h = family_hash(s, &c);
  price = c.type->price + (c.type->upload ? 2 : 0);
  pthread_mutex_lock(&s->lock);
  sf_sbx_tasks_settle(s, sf_sbx_now_ms());
  sf_sbx_retain_evict(s, sf_sbx_now_ms(), 1);    /* before the lookup */
  if (resolve(&j, &from) != 0)
    goto done;
  if (s->ledger.credits + s->ledger.extra_credits < price) {
    sf_sbx_answer_no_credits(s, a);
    goto done;
  }
  sf_sbx_state_begin(s);
  if (c.type->upload)
    j.src = up = sf_sbx_upload_new(s, c.url);
  j.t = sf_sbx_task_new(s, kind, c.type->nclips);
  build(&j, &from);
  sf_sbx_job_accept(&j, key);
  sf_sbx_job_persist(s, j.t);
  if (up != NULL)
    sf_sbx_state_save_clip(s, up);
  sf_sbx_state_commit(s);
done:
  pthread_mutex_unlock(&s->lock);
  sf_sbx_recipe_free(&from);
}
