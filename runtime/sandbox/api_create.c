/*
** api_create.c -- POST /sonic/create: check the body, find the source
** clip, charge, and store a task whose clips carry the recipes of their
** audio (recipe rules per task_type below).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api_job.h"
#include "sbx.h"


/* ---- the source clip ---------------------------------------------------- */

/* A clip that a new task may build on, or NULL with the 400 filled in.
** Lock held. */
const Clip *sf_sbx_api_source (Sbx *s, const char *id, Answer *a) {
  const Clip *src = sf_sbx_clip_find(s, id);
  ClipState st;
  if (src == NULL) {
    sf_sbx_answer_error(s, a, 400, "clip not found.");
    return NULL;
  }
  st = sf_sbx_clip_state(s, src, sf_sbx_now_ms());
  if (st == CS_FAILED) {
    sf_sbx_answer_error(s, a, 400, "The clip failed and cannot be used.");
    return NULL;
  }
  if (st != CS_SUCCEEDED) {
    sf_sbx_answer_error(s, a, 400, "The clip is not ready yet.");
    return NULL;
  }
  return src;
}

/* Uploaded sources need the *_upload_* task types and only they accept
** them; concat needs an extension; continue_at must fall inside. */
static int source_fits (Job *j) {
  const Create *c = j->c;
  const Clip *src = j->src;
  const char *n = c->type->name;
  char msg[160];
  int is_ext_or_cover = !strncmp(n, "extend", 6) || !strncmp(n, "cover", 5);
  if (is_ext_or_cover && src->uploaded && !c->type->upload) {
    snprintf(msg, sizeof(msg), "The clip was uploaded: use task_type = "
             "%s_upload_music.", n[0] == 'e' ? "extend" : "cover");
    goto bad;
  }
  if (c->type->upload && !src->uploaded) {
    snprintf(msg, sizeof(msg), "The clip was not uploaded: use task_type "
             "= %s_music.", n[0] == 'e' ? "extend" : "cover");
    goto bad;
  }
  if (!strcmp(n, "concat_music") && !src->is_extension) {
    snprintf(msg, sizeof(msg), "The clip is not an extension: "
             "concat_music joins an extension with what it extends.");
    goto bad;
  }
  /* extending from the very end (continue_at = duration) is the usual
  ** case; only a point beyond the clip is refused */
  if (c->has_continue_at &&
      llround(c->continue_at * 100) > sf_sbx_recipe_len(&src->recipe)) {
    snprintf(msg, sizeof(msg), "The 'continue_at' field should not be "
             "more than the clip duration.");
    goto bad;
  }
  return 0;
bad:
  sf_sbx_answer_error(j->s, j->a, 400, msg);
  return -1;
}

/* ---- recipes per task_type ---------------------------------------------- */

void sf_sbx_seg_set (Seg *g, uint64_t idea, const char *lyrics,
                     const char *tags, const char *neg, int instrumental) {
  g->idea = idea;
  g->lyrics = sf_sbx_strdup(lyrics);
  g->tags = sf_sbx_strdup(tags);
  g->negative_tags = sf_sbx_strdup(neg);
  g->instrumental = instrumental;
}

/* Fields every clip of the task shares; strings copied. */
void sf_sbx_job_clip (Job *j, Clip *k, const char *title,
                      const char *tags, const char *lyrics) {
  const Create *c = j->c;
  k->title = sf_sbx_strdup(c->title ? c->title : title);
  k->tags = sf_sbx_strdup(tags);
  k->lyrics = sf_sbx_strdup(lyrics);
  k->negative_tags = sf_sbx_strdup(c->negative_tags);
  k->gpt_prompt = sf_sbx_strdup(c->gpt_prompt);
  k->mv = sf_sbx_strdup(c->mv ? c->mv : j->src ? j->src->mv : NULL);
  k->has_style_weight = c->has_style_weight;
  k->style_weight = c->style_weight;
  k->has_weirdness = c->has_weirdness;
  k->weirdness = c->weirdness;
}

/* create_music, persona_music: a new idea per clip (two takes of one
** request), shared title, tags and lyrics; 60-240 s each. */
void sf_sbx_build_new (Job *j) {
  const Create *c = j->c;
  const char *desc = c->custom_mode ? c->prompt : c->gpt_prompt;
  char *title = sf_sbx_text_title(sf_sbx_hash_mix(j->h, 1),
                                  desc ? desc : c->tags);
  const char *voice = j->persona ? sf_sbx_persona_styles(j->persona) : NULL;
  char *tags = c->tags ? sf_sbx_strdup(c->tags)
               : voice ? sf_sbx_strdup(voice)   /* the persona's style */
               : sf_sbx_text_tags(sf_sbx_hash_mix(j->h, 2), desc);
  char *lyrics = NULL;
  int i;
  if (!c->make_instrumental)
    lyrics = (c->custom_mode && c->prompt)
             ? sf_sbx_strdup(c->prompt)
             : sf_sbx_text_lyrics(sf_sbx_hash_mix(j->h, 3), desc, 0);
  for (i = 0; i < c->type->nclips; i++) {
    Clip *k = sf_sbx_clip_new(j->s, j->t);
    uint64_t idea = sf_sbx_hash_mix(j->h, 100 + (uint64_t)i);
    Seg *g = &k->recipe.seg[k->recipe.nseg++];
    sf_sbx_job_clip(j, k, title, tags, lyrics);
    sf_sbx_seg_set(g, idea, lyrics, tags, c->negative_tags, c->make_instrumental);
    g->len_cs = sf_sbx_clip_len_pick(j->s, sf_sbx_hash_mix(idea, 7), 6000,
                                     24000);
  }
  free(title);
  free(tags);
  free(lyrics);
}

/* The segment of 'r' playing at 'at_cs', and that moment's position in
** its song. */
const Seg *sf_sbx_seg_at (const Recipe *r, int64_t at_cs, int64_t *pos) {
  int64_t start = 0;
  int i;
  for (i = 0; i < r->nseg - 1 && start + r->seg[i].len_cs <= at_cs; i++)
    start += r->seg[i].len_cs;
  *pos = r->seg[i].pos_cs + (at_cs - start);
  return &r->seg[i];
}

/* extend_music, extend_upload_music: the source's idea continued from
** continue_at with new sections; the clip holds only the extension. */
void sf_sbx_build_extend (Job *j) {
  const Create *c = j->c;
  const Clip *src = j->src;
  int64_t at = llround(c->continue_at * 100), pos;
  const Seg *from = sf_sbx_seg_at(&src->recipe, at, &pos);
  const char *tags = c->tags ? c->tags : src->tags;
  char *lyrics = NULL;
  int i;
  if (!c->make_instrumental)
    lyrics = c->prompt ? sf_sbx_strdup(c->prompt)
             : sf_sbx_text_lyrics(j->h, src->title, 1);
  for (i = 0; i < c->type->nclips; i++) {
    Clip *k = sf_sbx_clip_new(j->s, j->t);
    Seg *g = &k->recipe.seg[k->recipe.nseg++];
    sf_sbx_job_clip(j, k, src->title, tags, lyrics);
    sf_sbx_seg_set(g, from->idea, lyrics, tags, c->negative_tags,
            c->make_instrumental || from->instrumental);
    g->extension = 1;
    g->pos_cs = pos;
    g->len_cs = sf_sbx_clip_len_pick(j->s, sf_sbx_hash_mix(j->h, 50 +
                                     (uint64_t)i), 3000, 12000);
    k->is_extension = 1;
    memcpy(k->parent_id, src->id, SBX_ID_LEN);
    k->continue_at_cs = at;
  }
  free(lyrics);
}

/* Replace a string of every segment (NULL 'v' keeps the old one). */
static void recipe_set (Recipe *r, size_t off, const char *v) {
  int i;
  for (i = 0; v != NULL && i < r->nseg; i++) {
    char **p = (char **)((char *)&r->seg[i] + off);
    free(*p);
    *p = sf_sbx_strdup(v);
  }
}

/*
** The transforms of a whole clip: cover and cover_upload (new tags, a
** style drawn from the request when none is given), remaster (same
** song), add_instrumental (backing under the voice), add_vocals (a voice
** singing 'prompt'). All render the full mix again.
*/
void sf_sbx_build_transform (Job *j) {
  const Create *c = j->c;
  const Clip *src = j->src;
  const char *n = c->type->name;
  int cover = strstr(n, "cover") != NULL;   /* also upload_cover */
  char *tags = sf_sbx_strdup(c->tags);
  const char *lyrics = c->prompt ? c->prompt : src->lyrics;
  int i, s;
  if (cover && tags == NULL)
    tags = sf_sbx_text_tags(sf_sbx_hash_mix(j->h, 2), NULL);
  for (i = 0; i < c->type->nclips; i++) {
    Clip *k = sf_sbx_clip_new(j->s, j->t);
    sf_sbx_job_clip(j, k, src->title, tags ? tags : src->tags, lyrics);
    sf_sbx_recipe_copy(&k->recipe, &src->recipe);
    k->recipe.stem_mask = 0;
    recipe_set(&k->recipe, offsetof(Seg, tags), tags);
    recipe_set(&k->recipe, offsetof(Seg, negative_tags), c->negative_tags);
    recipe_set(&k->recipe, offsetof(Seg, lyrics), c->prompt);
    for (s = 0; s < k->recipe.nseg; s++) {
      Seg *g = &k->recipe.seg[s];
      if (!strncmp(n, "add_", 4))
        g->instrumental = 0;
      else if (c->make_instrumental)
        g->instrumental = 1;
    }
  }
  free(tags);
}

/* concat_music: the extended clip cut at continue_at, then the extension.
** Built before the task exists, so an unbuildable one is rejected with
** nothing stored: -1 (400 filled) if the parts do not fit one recipe. */
static int concat_recipe (Job *j) {
  const Clip *ext = j->src;
  const Clip *parent = sf_sbx_clip_find(j->s, ext->parent_id);
  if (parent == NULL ||
      sf_sbx_recipe_cut(&j->concat, &parent->recipe,
                        ext->continue_at_cs) != 0 ||
      sf_sbx_recipe_append(&j->concat, &ext->recipe) != 0) {
    sf_sbx_recipe_free(&j->concat);
    sf_sbx_answer_error(j->s, j->a, 400, "The song has too many parts to "
                        "concat.");
    return -1;
  }
  return 0;
}

/* The one full-length clip of a concat; takes over j->concat. */
static void build_concat (Job *j) {
  const Clip *ext = j->src;
  const Clip *parent = sf_sbx_clip_find(j->s, ext->parent_id);
  Clip *k;
  Buf lyr;
  sf_sbx_buf_init(&lyr);
  if (parent->lyrics && *parent->lyrics)
    sf_sbx_buf_fmt(&lyr, "%s\n\n", parent->lyrics);
  sf_sbx_buf_add(&lyr, ext->lyrics ? ext->lyrics : "");
  k = sf_sbx_clip_new(j->s, j->t);
  sf_sbx_job_clip(j, k, ext->title, j->c->tags ? j->c->tags : ext->tags, lyr.p);
  k->recipe = j->concat;
  memset(&j->concat, 0, sizeof(j->concat));
  sf_sbx_buf_free(&lyr);
}

/* ---- the handler -------------------------------------------------------- */

/* Hash of what makes a request this song: the seed and its texts. */
uint64_t sf_sbx_request_hash (const Sbx *s, const Create *c) {
  uint64_t h = sf_sbx_hash_mix(s->cfg.seed, 0x50c1c);
  h = sf_sbx_hash_str(h, c->type->name);
  h = sf_sbx_hash_str(h, c->prompt);
  h = sf_sbx_hash_str(h, c->gpt_prompt);
  h = sf_sbx_hash_str(h, c->tags);
  h = sf_sbx_hash_str(h, c->persona_id);
  h = sf_sbx_hash_str(h, c->continue_clip_id);
  return sf_sbx_hash_mix(h, (uint64_t)llround(c->continue_at * 100));
}

/* Build the clips of the new task j->t. */
static void build (Job *j) {
  const char *n = j->c->type->name;
  if (!strcmp(n, "concat_music"))
    build_concat(j);
  else if (!j->c->type->source)
    sf_sbx_build_new(j);
  else if (!strncmp(n, "extend", 6))
    sf_sbx_build_extend(j);
  else
    sf_sbx_build_transform(j);
}

/* The task is accepted: schedule, charge, remember, answer. Lock held. */
void sf_sbx_job_accept (Job *j, const char *key) {
  Sbx *s = j->s;
  Task *t = j->t;
  sf_sbx_task_pack(s, t);
  sf_sbx_task_schedule(s, t);
  sf_sbx_ledger_charge(s, t->kind, t->id, NULL, j->c->type->price,
                       &t->charge);
  if (j->c->webhook_url != NULL) {
    t->webhook_url = sf_sbx_strdup(j->c->webhook_url);
    t->webhook_secret = sf_sbx_strdup(j->c->webhook_secret ?
                                      j->c->webhook_secret : key);
    sf_sbx_hooks_arm(s, t);
  }
  sf_sbx_task_track(s, t);
  s->creates_accepted++;
  sf_sbx_buf_fmt(&j->a->body, "{%s\"message\":\"success\",\"task_id\":"
                 "\"%s\"}", s->cfg.create_with_code ? "\"code\":200," : "",
                 t->id);
  j->a->status = 200;
}

/* Save the task and everything it touched in one transaction. */
void sf_sbx_job_persist (Sbx *s, Task *t) {
  int i;
  for (i = 0; i < t->nclips; i++)
    sf_sbx_state_save_clip(s, t->clips[i]);
  sf_sbx_state_save_task(s, t);
  sf_sbx_state_save_meta(s);
}

void sf_sbx_api_create (Sbx *s, const Json *body, const char *key,
                        Answer *a) {
  Create c;
  Job j;
  char msg[512];
  if (sf_sbx_create_check(body, &s->models, &c, msg, sizeof(msg)) != 0) {
    sf_sbx_answer_error(s, a, 400, msg);
    return;
  }
  memset(&j, 0, sizeof(j));
  j.s = s;
  j.c = &c;
  j.a = a;
  j.h = sf_sbx_request_hash(s, &c);
  pthread_mutex_lock(&s->lock);
  sf_sbx_tasks_settle(s, sf_sbx_now_ms());
  sf_sbx_retain_evict(s, sf_sbx_now_ms(), 1);    /* before the lookup */
  if (c.type->source &&
      ((j.src = sf_sbx_api_source(s, c.continue_clip_id, a)) == NULL ||
       source_fits(&j) != 0))
    goto done;
  if (!strcmp(c.type->name, "concat_music") && concat_recipe(&j) != 0)
    goto done;
  if (c.persona_id != NULL && !strcmp(c.type->name, "persona_music") &&
      (j.persona = sf_sbx_persona_find(s, c.persona_id)) == NULL) {
    sf_sbx_answer_error(s, a, 400, "persona not found.");
    goto done;
  }
  if (s->ledger.credits + s->ledger.extra_credits < c.type->price) {
    sf_sbx_answer_no_credits(s, a);
    goto done;
  }
  sf_sbx_state_begin(s);
  j.t = sf_sbx_task_new(s, c.type->name, c.type->nclips);
  build(&j);
  sf_sbx_job_accept(&j, key);
  sf_sbx_job_persist(s, j.t);
  sf_sbx_state_commit(s);
done:
  pthread_mutex_unlock(&s->lock);
  sf_sbx_recipe_free(&j.concat);  /* only left over on a rejection */
}
