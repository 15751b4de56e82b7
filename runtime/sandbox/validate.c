/*
** validate.c -- what /sonic/create accepts, per model version and
** task_type, with the service's exact messages. The model list and the
** task_type list live here and nowhere else.
**
** Order of checks: the body's shape, then the type of every field that is
** present, then values that are present but invalid (task_type, mv),
** then missing required fields, then limits. A body with several faults
** is reported on the first, so a test that breaks one field sees that
** field's message.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sbx.h"

/* Newer models accept longer prompts and tags, and vocal_gender. */
static const Model MODELS[] = {
  { "sonic-v3-5", 3000, 200, 0 },
  { "sonic-v4", 3000, 200, 0 },
  { "sonic-v4-5", 5000, 1000, 1 },
  { "sonic-v4-5-plus", 5000, 1000, 1 },
  { "sonic-v5", 5000, 1000, 1 },
  { "sonic-v5-5", 5000, 1000, 1 },
  /* reported by integrators in 2026-10 (PROTOCOL.md, "mv values") */
  { "sonic-v6", 5000, 1000, 1 },
  { "sonic-v6-wild", 5000, 1000, 1 },
  { "sonic-v6-mini", 5000, 1000, 1 },
};
/* A name given with --models that the table does not know: the service
** is newer than us, so it gets the newer models' limits. */
static const Model NEWER = { "", 5000, 1000, 1 };
#define NMODELS (sizeof(MODELS) / sizeof(MODELS[0]))

/* name, price, clips, needs a source clip, source must be an upload */
static const TaskType TYPES[] = {
  { "create_music", 15, 2, 0, 0 },
  { "extend_music", 15, 2, 1, 0 },
  { "cover_music", 15, 2, 1, 0 },
  { "concat_music", 2, 1, 1, 0 },
  { "persona_music", 15, 2, 0, 0 },
  { "extend_upload_music", 15, 2, 1, 1 },
  { "cover_upload_music", 15, 2, 1, 1 },
  { "remaster", 10, 2, 1, 0 },
  { "add_instrumental", 10, 2, 1, 0 },
  { "add_vocals", 10, 2, 1, 0 },
};
#define NTYPES (sizeof(TYPES) / sizeof(TYPES[0]))

/* The task endpoints beyond /sonic/create (PROTOCOL.md, "The rest of the
** sonic family"): not task_type values, each has its own path. Uploads
** add the upload's own 2 credits to the price here. */
static const TaskType FAMILY[] = {
  { "upload_extend", 15, 2, 0, 1 },
  { "upload_cover", 15, 2, 0, 1 },
  { "mashup", 10, 2, 0, 0 },
  { "sample", 14, 2, 0, 0 },
  { "replace_section", 10, 2, 1, 0 },
};
#define NFAMILY (sizeof(FAMILY) / sizeof(FAMILY[0]))

static const Model *model_find (const char *name) {
  size_t i;
  for (i = 0; name != NULL && i < NMODELS; i++)
    if (strcmp(MODELS[i].name, name) == 0)
      return &MODELS[i];
  return NULL;
}

size_t sf_sbx_models_take (const char *list, ModelList *out) {
  size_t i;
  const char *p = list;
  out->n = 0;
  out->names = sf_sbx_alloc((NMODELS + (list ? strlen(list) : 0) + 1) *
                            sizeof(char *));
  if (list == NULL || strspn(list, " ,") == strlen(list)) {
    for (i = 0; i < NMODELS; i++)
      out->names[out->n++] = sf_sbx_strdup(MODELS[i].name);
    return out->n;
  }
  while (*p) {                       /* "a, b,,c" -> a, b, c */
    size_t len;
    p += strspn(p, " ,");
    len = strcspn(p, " ,");
    if (len > 0) {
      char *name = sf_sbx_alloc(len + 1);
      memcpy(name, p, len);
      out->names[out->n++] = name;
    }
    p += len;
  }
  return out->n;
}

void sf_sbx_models_free (ModelList *m) {
  size_t i;
  for (i = 0; i < m->n; i++)
    free(m->names[i]);
  free(m->names);
  m->names = NULL;
  m->n = 0;
}

static const TaskType *task_type_find (const char *name) {
  size_t i;
  for (i = 0; name != NULL && i < NTYPES; i++)
    if (strcmp(TYPES[i].name, name) == 0)
      return &TYPES[i];
  return NULL;
}

/* ---- field types ------------------------------------------------------ */

/* The fields only the family endpoints read. */
enum { FF_STR, FF_BOOL, FF_SECONDS, FF_IDS };
static const struct { const char *name; int type; } FAMILY_FIELDS[] = {
  { "url", FF_STR }, { "clip_id", FF_STR }, { "sample_clip_id", FF_STR },
  { "infill_lyrics", FF_STR }, { "auto_concat", FF_BOOL },
  { "chop_sample_start_s", FF_SECONDS }, { "chop_sample_end_s", FF_SECONDS },
  { "infill_start_s", FF_SECONDS }, { "infill_end_s", FF_SECONDS },
  { "mashup_clip_ids", FF_IDS },
};
#define NFAMILY_FIELDS (sizeof(FAMILY_FIELDS) / sizeof(FAMILY_FIELDS[0]))

enum { F_STR, F_BOOL, F_UNIT, F_NONNEG };

static const struct { const char *name; int type; } FIELDS[] = {
  { "task_type", F_STR }, { "mv", F_STR }, { "title", F_STR },
  { "tags", F_STR }, { "negative_tags", F_STR }, { "prompt", F_STR },
  { "gpt_description_prompt", F_STR }, { "continue_clip_id", F_STR },
  { "persona_id", F_STR }, { "vocal_gender", F_STR },
  { "webhook_url", F_STR }, { "webhook_secret", F_STR },
  { "custom_mode", F_BOOL }, { "make_instrumental", F_BOOL },
  { "auto_lyrics", F_BOOL }, { "style_weight", F_UNIT },
  { "weirdness_constraint", F_UNIT }, { "audio_weight", F_UNIT },
  { "continue_at", F_NONNEG },
};
#define NFIELDS (sizeof(FIELDS) / sizeof(FIELDS[0]))

/* Check one present, non-null field against its type; 0 or -1. */
static int check_type (const Json *v, const char *name, int type,
                       char *msg, size_t msglen) {
  switch (type) {
  case F_STR:
    if (v->t == J_STR)
      return 0;
    snprintf(msg, msglen, "The '%s' field should be string.", name);
    return -1;
  case F_BOOL:
    if (v->t == J_BOOL)
      return 0;
    snprintf(msg, msglen, "The '%s' field should be boolean.", name);
    return -1;
  case F_UNIT:
    if (v->t == J_NUM && v->n >= 0 && v->n <= 1)
      return 0;
    snprintf(msg, msglen, "The '%s' field should be a number between 0 "
             "and 1.", name);
    return -1;
  default:
    if (v->t == J_NUM && v->n >= 0 && v->n < 1e9)
      return 0;
    snprintf(msg, msglen, "The '%s' field should be a non-negative "
             "number.", name);
    return -1;
  }
}

/* Every known field that is present must have its type; null counts as
** absent, as it does for the service's optional fields. */
static int check_types (const Json *body, char *msg, size_t msglen) {
  size_t i;
  for (i = 0; i < NFIELDS; i++) {
    const Json *v = sf_sbx_json_get(body, FIELDS[i].name);
    if (v != NULL && v->t != J_NULL &&
        check_type(v, FIELDS[i].name, FIELDS[i].type, msg, msglen) != 0)
      return -1;
  }
  return 0;
}

/* A string field, with "" read as absent. */
static const char *str_field (const Json *body, const char *name) {
  const char *s = sf_sbx_json_str(body, name);
  return (s != NULL && *s) ? s : NULL;
}

/* Read every field into 'c' (types already checked). */
static void read_fields (const Json *body, Create *c) {
  const Json *v;
  c->task_type = str_field(body, "task_type");
  c->mv = str_field(body, "mv");
  c->title = str_field(body, "title");
  c->tags = str_field(body, "tags");
  c->negative_tags = str_field(body, "negative_tags");
  c->prompt = str_field(body, "prompt");
  c->gpt_prompt = str_field(body, "gpt_description_prompt");
  c->continue_clip_id = str_field(body, "continue_clip_id");
  c->persona_id = str_field(body, "persona_id");
  c->vocal_gender = str_field(body, "vocal_gender");
  c->webhook_url = str_field(body, "webhook_url");
  c->webhook_secret = str_field(body, "webhook_secret");
  if ((v = sf_sbx_json_get(body, "custom_mode")) && v->t == J_BOOL) {
    c->has_custom_mode = 1;
    c->custom_mode = v->b;
  }
  if ((v = sf_sbx_json_get(body, "make_instrumental")) && v->t == J_BOOL)
    c->make_instrumental = v->b;
  if ((v = sf_sbx_json_get(body, "auto_lyrics")) && v->t == J_BOOL)
    c->auto_lyrics = v->b;
  c->has_continue_at = sf_sbx_json_get(body, "continue_at") &&
                       sf_sbx_json_get(body, "continue_at")->t == J_NUM;
  c->continue_at = sf_sbx_json_num(body, "continue_at", 0);
  c->has_style_weight = sf_sbx_json_num(body, "style_weight", -1) >= 0;
  c->style_weight = sf_sbx_json_num(body, "style_weight", 0);
  c->has_weirdness = sf_sbx_json_num(body, "weirdness_constraint", -1) >= 0;
  c->weirdness = sf_sbx_json_num(body, "weirdness_constraint", 0);
  c->has_audio_weight = sf_sbx_json_num(body, "audio_weight", -1) >= 0;
  c->audio_weight = sf_sbx_json_num(body, "audio_weight", 0);
}

/* ---- values ------------------------------------------------------------ */

/* "The '<field>' field is invalid. Accepted values: a, b, c." -- the
** names are the first member of each of the 'n' rows of 'table'. */
static void list_invalid (char *msg, size_t msglen, const char *field,
                          const void *table, size_t n, size_t stride) {
  size_t i, len;
  len = (size_t)snprintf(msg, msglen, "The '%s' field is invalid. Accepted "
                         "values:", field);
  for (i = 0; i < n && len < msglen; i++) {
    const char *name = *(const char *const *)(const void *)
                       ((const char *)table + i * stride);
    len += (size_t)snprintf(msg + len, msglen - len, "%s %s", i ? "," : "",
                            name);
  }
  if (len < msglen)
    snprintf(msg + len, msglen - len, ".");
}

const Model *sf_sbx_model_check (const ModelList *accepted, const char *mv,
                                 char *msg, size_t msglen) {
  size_t i;
  for (i = 0; i < accepted->n; i++)
    if (strcmp(accepted->names[i], mv) == 0) {
      const Model *m = model_find(mv);
      return m != NULL ? m : &NEWER;
    }
  list_invalid(msg, msglen, "mv", accepted->names, accepted->n,
               sizeof(accepted->names[0]));
  return NULL;
}

/* Report a missing field in the service's persona_id wording. */
static int missing (const char *field, const TaskType *t, char *msg,
                    size_t msglen) {
  snprintf(msg, msglen, "The '%s' field is required when task_type = %s.",
           field, t->name);
  return -1;
}

/*
** Required fields of each task_type. Generation (create, persona) needs
** lyrics in custom mode (unless instrumental or auto_lyrics) and a
** description otherwise.
*/
static int check_required (const Create *c, char *msg, size_t msglen) {
  const TaskType *t = c->type;
  const char *n = t->name;
  int generate = !strcmp(n, "create_music") || !strcmp(n, "persona_music");
  if (!strcmp(n, "persona_music") && c->persona_id == NULL)
    return missing("persona_id", t, msg, msglen);
  if (t->source && c->continue_clip_id == NULL)
    return missing("continue_clip_id", t, msg, msglen);
  if (strstr(n, "extend") != NULL && !c->has_continue_at)
    return missing("continue_at", t, msg, msglen);
  if (generate && !c->has_custom_mode)
    return missing("custom_mode", t, msg, msglen);
  if (strcmp(n, "concat_music") != 0 && c->mv == NULL)
    return missing("mv", t, msg, msglen);
  if (!strcmp(n, "add_vocals") && c->prompt == NULL)
    return missing("prompt", t, msg, msglen);
  if (generate && c->custom_mode && c->prompt == NULL &&
      !c->make_instrumental && !c->auto_lyrics) {
    snprintf(msg, msglen, "The 'prompt' field is required when "
             "custom_mode = true.");
    return -1;
  }
  if (generate && !c->custom_mode && c->gpt_prompt == NULL) {
    snprintf(msg, msglen, "The 'gpt_description_prompt' field is required "
             "when custom_mode = false.");
    return -1;
  }
  return 0;
}

/* 1 if 's' is longer than 'max' characters, with the message written. */
static int too_long (const char *s, size_t max, const char *fmt, char *msg,
                     size_t msglen) {
  if (s == NULL || sf_sbx_utf8_len(s) <= max)
    return 0;
  snprintf(msg, msglen, fmt, (int)max);
  return 1;
}

/* Length limits; prompt and tags depend on the model. */
static int check_limits (const Create *c, char *msg, size_t msglen) {
  size_t pmax = c->model ? (size_t)c->model->prompt_max : 5000;
  size_t tmax = c->model ? (size_t)c->model->tags_max : 1000;
  if (too_long(c->prompt, pmax, "The prompt character length should be "
               "less than %d.", msg, msglen) ||
      too_long(c->tags, tmax, "The tags character length should be less "
               "than %d.", msg, msglen) ||
      too_long(c->negative_tags, tmax, "The negative_tags character length "
               "should be less than %d.", msg, msglen) ||
      too_long(c->title, 80, "The title character length should be less "
               "than %d.", msg, msglen) ||
      too_long(c->gpt_prompt, 400, "The 'gpt_description_prompt' character "
               "length should be less than %d.", msg, msglen))
    return -1;
  return 0;
}

/* vocal_gender: 'f' or 'm', and only on models that support it. */
static int check_vocal_gender (const Create *c, char *msg, size_t msglen) {
  if (c->vocal_gender == NULL)
    return 0;
  if (strcmp(c->vocal_gender, "f") != 0 && strcmp(c->vocal_gender, "m")) {
    snprintf(msg, msglen, "The 'vocal_gender' field should be 'f' or 'm'.");
    return -1;
  }
  if (c->model != NULL && !c->model->vocal_gender) {
    snprintf(msg, msglen, "The 'vocal_gender' field is only supported by "
             "sonic-v4-5 and newer models.");
    return -1;
  }
  return 0;
}

/* A webhook_url must at least look like an http(s) URL. Whether it is
** delivered (loopback only) is decided by webhook.c. */
static int webhook_url_ok (const char *url) {
  return url == NULL || !strncmp(url, "http://", 7) ||
         !strncmp(url, "https://", 8);
}

/*
** Check a /sonic/create body and read it into 'c' (strings borrowed from
** 'body'). Returns 0, or -1 with the 400 message in 'msg'. References to
** other clips are checked by the caller, which owns the store.
*/
int sf_sbx_create_check (const Json *body, const ModelList *models,
                         Create *c, char *msg, size_t msglen) {
  memset(c, 0, sizeof(*c));
  if (body == NULL || body->t != J_OBJ) {
    snprintf(msg, msglen, "The request body should be a JSON object.");
    return -1;
  }
  if (check_types(body, msg, msglen) != 0)
    return -1;
  read_fields(body, c);
  c->type = task_type_find(c->task_type ? c->task_type
                                               : "create_music");
  if (c->type == NULL) {
    list_invalid(msg, msglen, "task_type", TYPES, NTYPES,
                 sizeof(TYPES[0]));
    return -1;
  }
  if (c->mv != NULL &&
      (c->model = sf_sbx_model_check(models, c->mv, msg, msglen)) == NULL)
    return -1;
  if (check_required(c, msg, msglen) != 0 ||
      check_vocal_gender(c, msg, msglen) != 0 ||
      check_limits(c, msg, msglen) != 0)
    return -1;
  if (!webhook_url_ok(c->webhook_url)) {
    snprintf(msg, msglen, "The 'webhook_url' field should be an http or "
             "https URL.");
    return -1;
  }
  return 0;
}

/* ---- the endpoints beyond create -------------------------------------- */

static int say (char *msg, size_t msglen, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

/* Write the 400 message; returns -1 for the caller to return. */
static int say (char *msg, size_t msglen, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, msglen, fmt, ap);
  va_end(ap);
  return -1;
}

/* A number of seconds >= 0 (JSON number), as centiseconds. */
static int seconds_field (const Json *body, const char *name, int64_t *cs,
                          char *msg, size_t msglen) {
  const Json *v = sf_sbx_json_get(body, name);
  if (v == NULL || v->t != J_NUM || !(v->n >= 0) || v->n > 86400)
    return say(msg, msglen, "The '%s' field should be a number of seconds, "
               "at least 0.", name);
  *cs = (int64_t)(v->n * 100 + 0.5);
  return 0;
}

int sf_sbx_seconds_pair (const Json *body, const char *first,
                         const char *last, int64_t *a_cs, int64_t *b_cs,
                         char *msg, size_t msglen) {
  if (seconds_field(body, first, a_cs, msg, msglen) != 0 ||
      seconds_field(body, last, b_cs, msg, msglen) != 0)
    return -1;
  if (*b_cs <= *a_cs)
    return say(msg, msglen, "The '%s' field should be greater than '%s'.",
               last, first);
  return 0;
}

/* Types of the family's own fields, when present and not null. */
static int check_family_types (const Json *body, char *msg, size_t msglen) {
  static const char *const SHOULD[] = {
    "should be string", "should be boolean",
    "should be a number of seconds, at least 0",
    "should hold exactly 2 clip ids" };
  static const JType WANT[] = { J_STR, J_BOOL, J_NUM, J_ARR };
  size_t i;
  for (i = 0; i < NFAMILY_FIELDS; i++) {
    const Json *v = sf_sbx_json_get(body, FAMILY_FIELDS[i].name);
    int t = FAMILY_FIELDS[i].type;
    if (v != NULL && v->t != J_NULL && v->t != WANT[t])
      return say(msg, msglen, "The '%s' field %s.", FAMILY_FIELDS[i].name,
                 SHOULD[t]);
  }
  return 0;
}

/* exactly two non-empty clip id strings */
static int read_mashup (const Json *body, Create *c, char *msg,
                        size_t msglen) {
  const Json *v = sf_sbx_json_get(body, "mashup_clip_ids");
  int i;
  if (v == NULL || v->t != J_ARR || v->nkids != 2)
    goto bad;
  for (i = 0; i < 2; i++) {
    if (v->kids[i].t != J_STR || v->kids[i].s[0] == '\0')
      goto bad;
    c->mashup[i] = v->kids[i].s;
  }
  return 0;
bad:
  return say(msg, msglen, "The 'mashup_clip_ids' field should hold exactly "
             "2 clip ids.");
}

/* What each endpoint needs besides the generation fields. */
static int check_family_required (const Json *body, Create *c, char *msg,
                                  size_t msglen) {
  const char *n = c->type->name;
  if (c->type->upload) {
    if (c->url == NULL)
      return say(msg, msglen, "The 'url' field is required.");
    if (!webhook_url_ok(c->url))
      return say(msg, msglen, "The 'url' field should be an http or https "
                 "URL.");
  }
  if (!strcmp(n, "upload_extend") && !c->has_continue_at)
    return say(msg, msglen, "The '%s' field should be a number of seconds, "
               "at least 0.", "continue_at");
  if (!strcmp(n, "mashup"))
    return read_mashup(body, c, msg, msglen);
  if (!strcmp(n, "sample")) {
    if (c->url == NULL && c->sample_clip_id == NULL)
      return say(msg, msglen, "The 'url' or 'sample_clip_id' field is "
                 "required.");
    if (c->url != NULL && !webhook_url_ok(c->url))
      return say(msg, msglen, "The 'url' field should be an http or https "
                 "URL.");
    return sf_sbx_seconds_pair(body, "chop_sample_start_s",
                               "chop_sample_end_s", &c->start_cs,
                               &c->end_cs, msg, msglen);
  }
  if (!strcmp(n, "replace_section")) {
    if (c->clip_id == NULL)
      return say(msg, msglen, "The 'clip_id' field is required.");
    return sf_sbx_seconds_pair(body, "infill_start_s", "infill_end_s",
                               &c->start_cs, &c->end_cs, msg, msglen);
  }
  return 0;
}

int sf_sbx_family_check (const Json *body, const char *kind,
                         const ModelList *models, Create *c, char *msg,
                         size_t msglen) {
  size_t i;
  const Json *v;
  memset(c, 0, sizeof(*c));
  for (i = 0; i < NFAMILY && c->type == NULL; i++)
    if (!strcmp(FAMILY[i].name, kind))
      c->type = &FAMILY[i];
  if (c->type == NULL)             /* a caller's mistake, not the user's */
    return say(msg, msglen, "Internal Server Error.");
  if (body == NULL || body->t != J_OBJ)
    return say(msg, msglen, "The request body should be a JSON object.");
  if (check_types(body, msg, msglen) != 0 ||
      check_family_types(body, msg, msglen) != 0)
    return -1;
  read_fields(body, c);
  c->task_type = kind;
  c->url = str_field(body, "url");
  c->clip_id = str_field(body, "clip_id");
  c->sample_clip_id = str_field(body, "sample_clip_id");
  c->infill_lyrics = str_field(body, "infill_lyrics");
  c->auto_concat = (v = sf_sbx_json_get(body, "auto_concat")) != NULL &&
                   v->t == J_BOOL && v->b;
  if (c->mv != NULL &&
      (c->model = sf_sbx_model_check(models, c->mv, msg, msglen)) == NULL)
    return -1;
  if (c->mv == NULL && strcmp(kind, "replace_section") != 0)
    return say(msg, msglen, "The 'mv' field is required.");
  if (check_family_required(body, c, msg, msglen) != 0 ||
      check_vocal_gender(c, msg, msglen) != 0 ||
      check_limits(c, msg, msglen) != 0)
    return -1;
  if (!webhook_url_ok(c->webhook_url))
    return say(msg, msglen, "The 'webhook_url' field should be an http or "
               "https URL.");
  return 0;
}
