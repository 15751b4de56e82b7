/*
** api.c -- the endpoints other than create: task status, stems, upload,
** wav, midi, lyrics, credits, and the sandbox's own ledger view. Each
** takes the lock itself and fills an Answer.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sbx.h"


/* ---- shared checks ------------------------------------------------------ */

const char *sf_sbx_need_str (Sbx *s, const Json *body, const char *field,
                             Answer *a) {
  const Json *v = sf_sbx_json_get(body, field);
  char msg[128];
  if (body == NULL || body->t != J_OBJ) {
    sf_sbx_answer_error(s, a, 400, "The request body should be a JSON "
                        "object.");
    return NULL;
  }
  if (v != NULL && v->t != J_NULL && v->t != J_STR) {
    snprintf(msg, sizeof(msg), "The '%s' field should be string.", field);
    sf_sbx_answer_error(s, a, 400, msg);
    return NULL;
  }
  if (v == NULL || v->t != J_STR || v->s[0] == '\0') {
    snprintf(msg, sizeof(msg), "The '%s' field is required.", field);
    sf_sbx_answer_error(s, a, 400, msg);
    return NULL;
  }
  return v->s;
}

/* Charge a synchronous call against 'clip_id'; 403 filled if the pools
** cannot pay. Lock held. */
static int charge_sync (Sbx *s, const char *kind, const char *clip_id,
                        long long price, Answer *a) {
  long index;
  if (sf_sbx_ledger_charge(s, kind, NULL, clip_id, price, &index) != 0) {
    sf_sbx_answer_no_credits(s, a);
    return -1;
  }
  return 0;
}

/* ---- GET /sonic/task/{id} ----------------------------------------------- */

/* Task status: not_ready at first (200, or 202 with the switch), then the
** clips. Unknown ids are 400 "task not found.", as the service does. */
void sf_sbx_api_task (Sbx *s, const char *id, Answer *a) {
  Task *t;
  int64_t now = sf_sbx_now_ms();
  if (id == NULL || *id == '\0') {
    sf_sbx_answer_error(s, a, 400, "missing task id.");
    return;
  }
  pthread_mutex_lock(&s->lock);
  sf_sbx_tasks_settle(s, now);
  t = strlen(id) < SBX_ID_LEN ? sf_sbx_task_find(s, id) : NULL;
  if (t == NULL)
    sf_sbx_answer_error(s, a, 400, "task not found.");
  else if (sf_sbx_task_sim_ms(s, t, now) < t->t_ready)
    sf_sbx_answer_body(a, s->cfg.not_ready_status == 202 ? 202 : 200,
                       "{\"type\":\"not_ready\",\"error\":\"The task is "
                       "not ready yet, please try again later.\"}");
  else {
    a->status = 200;
    sf_sbx_task_json(s, &a->body, t, now);
  }
  pthread_mutex_unlock(&s->lock);
}

/* ---- POST /sonic/stems/basic, /sonic/stems/full ------------------------- */

/* One clip per stem: the source's recipe limited to the stem's buses,
** titled "<title> - <stem>". Lock held. */
static void stems_build (Sbx *s, Task *t, const Clip *src,
                         const SfStemDef *defs, int n) {
  int i;
  for (i = 0; i < n; i++) {
    Clip *k = sf_sbx_clip_new(s, t);
    Buf title;
    sf_sbx_buf_init(&title);
    sf_sbx_buf_fmt(&title, "%s - %s", src->title ? src->title : "Untitled",
                   defs[i].name);
    k->title = sf_sbx_buf_take(&title);
    k->tags = sf_sbx_strdup(src->tags);
    k->mv = sf_sbx_strdup(src->mv);
    sf_sbx_recipe_copy(&k->recipe, &src->recipe);
    k->recipe.stem_mask = defs[i].mask;
    sf_sbx_state_save_clip(s, k);
  }
}

void sf_sbx_api_stems (Sbx *s, const Json *body, int full, Answer *a) {
  const char *id = sf_sbx_need_str(s, body, "clip_id", a);
  const char *kind = full ? "stems_full" : "stems_basic";
  long long price = full ? 75 : 15;
  SfStemDef defs[24];
  int n = sf_synth_stem_set(full ? s->cfg.stems_full_count : 2, defs);
  const Clip *src;
  Task *t;
  if (id == NULL)
    return;
  pthread_mutex_lock(&s->lock);
  sf_sbx_tasks_settle(s, sf_sbx_now_ms());
  sf_sbx_retain_evict(s, sf_sbx_now_ms(), 1);    /* before the lookup */
  if ((src = sf_sbx_api_source(s, id, a)) == NULL)
    goto done;
  if (n <= 0) {
    sf_sbx_answer_error(s, a, 500, "Internal Server Error.");
    goto done;
  }
  if (s->ledger.credits + s->ledger.extra_credits < price) {
    sf_sbx_answer_no_credits(s, a);
    goto done;
  }
  sf_sbx_state_begin(s);
  t = sf_sbx_task_new(s, kind, n);
  stems_build(s, t, src, defs, n);
  sf_sbx_task_pack(s, t);
  sf_sbx_task_schedule(s, t);
  sf_sbx_ledger_charge(s, kind, t->id, NULL, price, &t->charge);
  sf_sbx_task_track(s, t);
  sf_sbx_state_save_task(s, t);
  sf_sbx_state_save_meta(s);
  sf_sbx_state_commit(s);
  sf_sbx_buf_fmt(&a->body, "{%s\"message\":\"success\",\"task_id\":"
                 "\"%s\"}", s->cfg.create_with_code ? "\"code\":200," : "",
                 t->id);
  a->status = 200;
done:
  pthread_mutex_unlock(&s->lock);
}

/* ---- POST /sonic/upload ------------------------------------------------- */

/* The clip a URL of the sandbox's own audio names (BASE/files/<id>.mp3
** or .wav), or NULL. Lock held. */
static const Clip *own_clip (Sbx *s, const char *url) {
  size_t n = strlen(s->base_url), len;
  char id[SBX_ID_LEN];
  if (strncmp(url, s->base_url, n) != 0 || strncmp(url + n, "/files/", 7))
    return NULL;
  url += n + 7;
  len = strcspn(url, ".");
  if (len == 0 || len >= SBX_ID_LEN)
    return NULL;
  memcpy(id, url, len);
  id[len] = '\0';
  return sf_sbx_clip_find(s, id);
}

/* The song a URL stands for, into the empty 'out'. The sandbox fetches
** nothing: its own audio URLs are their clips' songs (so uploading a
** clip's audio_url gives that song, with its length), and any other URL
** hashes to a musical idea, the same song every time. Lock held. */
void sf_sbx_upload_recipe (Sbx *s, const char *url, Recipe *out) {
  const Clip *own = own_clip(s, url);
  uint64_t h;
  Seg *g;
  if (own != NULL) {
    sf_sbx_recipe_copy(out, &own->recipe);
    return;
  }
  h = sf_sbx_hash_str(sf_sbx_hash_mix(s->cfg.seed, 0x0b10ad), url);
  g = &out->seg[out->nseg++];
  g->idea = h;
  g->len_cs = sf_sbx_clip_len_pick(s, sf_sbx_hash_mix(h, 7), 6000, 24000);
}

/* A new uploaded clip of 'url', kept by the upload retention, with its
** 2 credits charged (the caller checked they are there). Lock held, in
** a state transaction. */
Clip *sf_sbx_upload_new (Sbx *s, const char *url) {
  const Clip *own = own_clip(s, url);
  Clip *k = sf_sbx_clip_new(s, NULL);
  long index;
  sf_sbx_retain_upload(s, k);
  sf_sbx_ledger_charge(s, "upload", NULL, k->id, 2, &index);
  k->uploaded = 1;
  k->title = own && own->title ? sf_sbx_strdup(own->title)
                               : sf_sbx_text_upload_title(url);
  k->tags = sf_sbx_strdup("");
  sf_sbx_upload_recipe(s, url, &k->recipe);
  return k;
}

/* The service answers after about 20 s; so does this (divided by speed),
** by delaying the answer, not the caller's other requests. */
void sf_sbx_api_upload (Sbx *s, const Json *body, Answer *a) {
  const char *url = sf_sbx_need_str(s, body, "url", a);
  Clip *k;
  if (url == NULL)
    return;
  if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0) {
    sf_sbx_answer_error(s, a, 400, "The 'url' field should be an http or "
                        "https URL.");
    return;
  }
  pthread_mutex_lock(&s->lock);
  if (s->ledger.credits + s->ledger.extra_credits < 2) {
    sf_sbx_answer_no_credits(s, a);
    goto done;
  }
  sf_sbx_tasks_settle(s, sf_sbx_now_ms());
  sf_sbx_retain_evict(s, sf_sbx_now_ms(), 1);
  sf_sbx_state_begin(s);
  k = sf_sbx_upload_new(s, url);
  a->delay_ms = (int64_t)ceil(20000.0 / s->cfg.speed);
  k->created_ms += a->delay_ms;
  sf_sbx_state_save_clip(s, k);
  sf_sbx_state_save_meta(s);
  sf_sbx_state_commit(s);
  sf_sbx_buf_fmt(&a->body, "{\"code\":200,\"message\":\"success\","
                 "\"clip_id\":\"%s\"}", k->id);
  a->status = 200;
done:
  pthread_mutex_unlock(&s->lock);
}

/* ---- POST /sonic/wav, /sonic/midi --------------------------------------- */

/* The clip named by body.clip_id, succeeded and paid for, or NULL with
** the answer filled. Lock held. */
static const Clip *paid_clip (Sbx *s, const char *id, const char *kind,
                              long long price, Answer *a) {
  const Clip *src = sf_sbx_api_source(s, id, a);
  if (src == NULL || charge_sync(s, kind, src->id, price, a) != 0)
    return NULL;
  return src;
}

void sf_sbx_api_wav (Sbx *s, const Json *body, Answer *a) {
  const char *id = sf_sbx_need_str(s, body, "clip_id", a);
  if (id == NULL)
    return;
  pthread_mutex_lock(&s->lock);
  sf_sbx_state_begin(s);
  if (paid_clip(s, id, "wav", 2, a) != NULL) {
    sf_sbx_buf_add(&a->body, "{\"message\":\"success\",\"data\":"
                   "{\"wav_url\":");
    sf_sbx_audio_url(s, &a->body, id, "wav");
    sf_sbx_buf_add(&a->body, "}}");
    a->status = 200;
  }
  sf_sbx_state_commit(s);
  pthread_mutex_unlock(&s->lock);
}

/* The notes come from the clip's musical idea (midi.c); midi_url serves
** the same notes as a standard MIDI file. */
void sf_sbx_api_midi (Sbx *s, const Json *body, Answer *a) {
  const char *id = sf_sbx_need_str(s, body, "clip_id", a);
  const Clip *src;
  if (id == NULL)
    return;
  pthread_mutex_lock(&s->lock);
  sf_sbx_state_begin(s);
  if ((src = paid_clip(s, id, "midi", 1, a)) != NULL) {
    sf_sbx_buf_add(&a->body, "{\"code\":200,\"data\":{\"midi_url\":");
    sf_sbx_audio_url(s, &a->body, id, "mid");
    sf_sbx_buf_add(&a->body, ",\"instruments\":");
    sf_sbx_midi_instruments(&a->body, &src->recipe);
    sf_sbx_buf_add(&a->body, "}}");
    a->status = 200;
  }
  sf_sbx_state_commit(s);
  pthread_mutex_unlock(&s->lock);
}

/* ---- POST /sonic/lyrics, GET /get-credits, GET /_sandbox/ledger -------- */

/* Two {title, lyrics} takes on the description; free. */
void sf_sbx_api_lyrics (Sbx *s, const Json *body, Answer *a) {
  const char *desc = sf_sbx_need_str(s, body, "description", a);
  uint64_t h;
  int i;
  if (desc == NULL)
    return;
  h = sf_sbx_hash_str(sf_sbx_hash_mix(s->cfg.seed, 0x1711c5), desc);
  sf_sbx_buf_add(&a->body, "{\"code\":200,\"message\":\"success\","
                 "\"results\":[");
  for (i = 0; i < 2; i++) {
    uint64_t k = sf_sbx_hash_mix(h, (uint64_t)i);
    char *title = sf_sbx_text_title(k, desc);
    char *lyrics = sf_sbx_text_lyrics(sf_sbx_hash_mix(k, 3), desc, 0);
    sf_sbx_buf_add(&a->body, i ? ",{\"title\":" : "{\"title\":");
    sf_sbx_buf_str(&a->body, title);
    sf_sbx_buf_add(&a->body, ",\"lyrics\":");
    sf_sbx_buf_str(&a->body, lyrics);
    sf_sbx_buf_add(&a->body, "}");
    free(title);
    free(lyrics);
  }
  sf_sbx_buf_add(&a->body, "]}");
  a->status = 200;
}

void sf_sbx_api_credits (Sbx *s, Answer *a) {
  pthread_mutex_lock(&s->lock);
  sf_sbx_tasks_settle(s, sf_sbx_now_ms());
  sf_sbx_buf_fmt(&a->body, "{\"credits\":%lld,\"extra_credits\":%lld}",
                 s->ledger.credits, s->ledger.extra_credits);
  a->status = 200;
  pthread_mutex_unlock(&s->lock);
}

void sf_sbx_api_ledger (Sbx *s, Answer *a) {
  pthread_mutex_lock(&s->lock);
  sf_sbx_tasks_settle(s, sf_sbx_now_ms());
  sf_sbx_ledger_json(s, &a->body);
  a->status = 200;
  pthread_mutex_unlock(&s->lock);
}
