/*
** persona.c -- POST /sonic/persona and the account's personas: a voice
** and style taken from a clip, stored (and kept in --state) so that a
** persona_music create can use it and an unknown persona_id is refused.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api_job.h"

struct Persona {
  char id[SBX_ID_LEN];
  char *name, *clip_id, *describe, *styles;
};

void sf_sbx_persona_free (void *p) {
  Persona *x = p;
  if (x == NULL)
    return;
  free(x->name);
  free(x->clip_id);
  free(x->describe);
  free(x->styles);
  free(x);
}

const Persona *sf_sbx_persona_find (Sbx *s, const char *id) {
  return id != NULL ? sf_sbx_map_get(&s->personas, id) : NULL;
}

/* The styles a persona_music create falls back on without tags. */
const char *sf_sbx_persona_styles (const Persona *p) {
  return p->styles != NULL && *p->styles ? p->styles : NULL;
}

/* ---- persistence (state.c stores the JSON) ---------------------------- */

static void persona_json (Buf *b, const Persona *p) {
  sf_sbx_buf_add(b, "{\"name\":");
  sf_sbx_buf_str(b, p->name);
  sf_sbx_buf_add(b, ",\"clip_id\":");
  sf_sbx_buf_str(b, p->clip_id);
  sf_sbx_buf_add(b, ",\"describe\":");
  sf_sbx_buf_str(b, p->describe);
  sf_sbx_buf_add(b, ",\"styles\":");
  sf_sbx_buf_str(b, p->styles);
  sf_sbx_buf_add(b, "}");
}

void sf_sbx_persona_restore (Sbx *s, const char *id, const Json *j) {
  Persona *p;
  if (id == NULL || strlen(id) >= SBX_ID_LEN || j == NULL ||
      sf_sbx_map_get(&s->personas, id) != NULL)
    return;
  p = sf_sbx_alloc(sizeof(*p));
  strcpy(p->id, id);
  p->name = sf_sbx_strdup(sf_sbx_json_str(j, "name"));
  p->clip_id = sf_sbx_strdup(sf_sbx_json_str(j, "clip_id"));
  p->describe = sf_sbx_strdup(sf_sbx_json_str(j, "describe"));
  p->styles = sf_sbx_strdup(sf_sbx_json_str(j, "styles"));
  sf_sbx_map_put(&s->personas, p->id, p);
}

/* ---- the endpoint ------------------------------------------------------- */

/* body[a], else body[b] (the older spelling): a string or absent; -1 with
** the 400 when it is another type. */
static int either (Sbx *s, const Json *body, const char *a, const char *b,
                   const char **out, Answer *ans) {
  const char *names[2] = { a, b };
  int i;
  char msg[128];
  *out = NULL;
  for (i = 0; i < 2 && *out == NULL; i++) {
    const Json *v = names[i] ? sf_sbx_json_get(body, names[i]) : NULL;
    if (v == NULL || v->t == J_NULL)
      continue;
    if (v->t != J_STR) {
      snprintf(msg, sizeof(msg), "The '%s' field should be string.",
               names[i]);
      sf_sbx_answer_error(s, ans, 400, msg);
      return -1;
    }
    if (v->s[0] != '\0')
      *out = v->s;
  }
  return 0;
}

/* {name, clip_id, describe, styles}; third-party clients written against
** the real service send {name, description, continue_clip_id}. */
void sf_sbx_api_persona (Sbx *s, const Json *body, Answer *a) {
  const char *name, *clip, *describe, *styles;
  const Clip *src;
  Persona *p;
  long index;
  Buf b;
  if (body == NULL || body->t != J_OBJ) {
    sf_sbx_answer_error(s, a, 400, "The request body should be a JSON "
                        "object.");
    return;
  }
  if (either(s, body, "name", NULL, &name, a) != 0 ||
      either(s, body, "clip_id", "continue_clip_id", &clip, a) != 0 ||
      either(s, body, "describe", "description", &describe, a) != 0 ||
      either(s, body, "styles", NULL, &styles, a) != 0)
    return;
  if (name == NULL || clip == NULL) {
    sf_sbx_answer_error(s, a, 400, name == NULL ? "The 'name' field is "
                        "required." : "The 'clip_id' field is required.");
    return;
  }
  pthread_mutex_lock(&s->lock);
  sf_sbx_tasks_settle(s, sf_sbx_now_ms());
  if ((src = sf_sbx_api_source(s, clip, a)) == NULL)
    goto done;
  sf_sbx_state_begin(s);
  if (sf_sbx_ledger_charge(s, "persona", NULL, src->id, 1, &index) != 0) {
    sf_sbx_answer_no_credits(s, a);
    sf_sbx_state_commit(s);
    goto done;
  }
  p = sf_sbx_alloc(sizeof(*p));
  sf_sbx_uuid(sf_sbx_hash_str(sf_sbx_hash_mix(s->cfg.seed, 0x9e2507a),
                              name),
              sf_sbx_hash_mix(sf_sbx_hash_str(0, src->id),
                              (uint64_t)s->personas.count), p->id);
  p->name = sf_sbx_strdup(name);
  p->clip_id = sf_sbx_strdup(src->id);
  p->describe = sf_sbx_strdup(describe);
  p->styles = sf_sbx_strdup(styles ? styles : src->tags);
  sf_sbx_map_put(&s->personas, p->id, p);
  sf_sbx_buf_init(&b);
  persona_json(&b, p);
  sf_sbx_state_save_record(s, "persona", p->id, b.p);
  sf_sbx_buf_free(&b);
  sf_sbx_state_commit(s);
  sf_sbx_buf_fmt(&a->body, "{\"code\":200,\"message\":\"success\","
                 "\"persona_id\":\"%s\"}", p->id);
  a->status = 200;
done:
  pthread_mutex_unlock(&s->lock);
}
