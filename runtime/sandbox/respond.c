/*
** respond.c -- the bodies the sandbox answers with: errors in either
** shape PROTOCOL.md lists, and clips and tasks field for field as the
** service sends them.
*/
#include <stdio.h>
#include <string.h>
#include "sbx.h"

void sf_sbx_answer_init (Answer *a) {
  memset(a, 0, sizeof(*a));
  sf_sbx_buf_init(&a->body);
}

void sf_sbx_answer_free (Answer *a) {
  sf_sbx_buf_free(&a->body);
}

/* The service's 403 when the pools cannot pay: one wording for every
** paid endpoint. */
void sf_sbx_answer_no_credits (const Sbx *s, Answer *a) {
  sf_sbx_answer_error(s, a, 403, "The remaining credits are not enough. You "
                      "can buy more one-time credit packs or subscribe.");
}

/* Replace the answer with 'status' and a copy of 'json'. */
void sf_sbx_answer_body (Answer *a, int status, const char *json) {
  a->status = status;
  a->body.len = 0;
  sf_sbx_buf_add(&a->body, json);
}

/* The "type" word of the default error shape, per status. */
static const char *error_type (int status) {
  switch (status) {
  case 400: return "bad_request";
  case 401: return "unauthorized";
  case 403: return "forbidden";
  case 404: return "not_found";
  case 405: return "method_not_allowed";
  case 413: return "payload_too_large";
  case 429: return "rate_limited";
  case 501: return "not_implemented";
  case 504: return "gateway_timeout";
  default: return status >= 500 ? "internal_server_error" : "error";
  }
}

/*
** An error body: {"type":..,"error":msg,"message":msg} by default, or
** {"code":status,"message":msg} with --error-shape code.
*/
void sf_sbx_answer_error (const Sbx *s, Answer *a, int status,
                          const char *msg) {
  Buf *b = &a->body;
  a->status = status;
  b->len = 0;
  if (s->cfg.error_shape_code) {
    sf_sbx_buf_fmt(b, "{\"code\":%d,\"message\":", status);
    sf_sbx_buf_str(b, msg);
  } else {
    sf_sbx_buf_add(b, "{\"type\":");
    sf_sbx_buf_str(b, error_type(status));
    sf_sbx_buf_add(b, ",\"error\":");
    sf_sbx_buf_str(b, msg);
    sf_sbx_buf_add(b, ",\"message\":");
    sf_sbx_buf_str(b, msg);
  }
  sf_sbx_buf_add(b, "}");
}

/* "http://HOST:PORT/files/<id>.<ext>": audio is served by the sandbox
** itself, like a CDN (no auth). Built per answer, so a restarted sandbox
** on another port hands out working URLs. */
void sf_sbx_audio_url (const Sbx *s, Buf *b, const char *clip_id,
                       const char *ext) {
  Buf u;
  sf_sbx_buf_init(&u);
  sf_sbx_buf_fmt(&u, "%s/files/%s.%s", s->base_url, clip_id, ext);
  sf_sbx_buf_str(b, u.p);
  sf_sbx_buf_free(&u);
}

/* A clip's duration: "104.88" (trailing zeros dropped, as the service
** does: "138.9"), or a number with --duration-number. */
static void duration_json (const Sbx *s, Buf *b, int64_t cs) {
  char d[48];
  size_t n;
  snprintf(d, sizeof(d), "%lld.%02lld", (long long)(cs / 100),
           (long long)(cs % 100));
  n = strlen(d);
  while (d[n - 1] == '0')
    d[--n] = '\0';
  if (d[n - 1] == '.')
    d[--n] = '\0';
  if (s->cfg.duration_as_number)
    sf_sbx_buf_add(b, d);
  else
    sf_sbx_buf_fmt(b, "\"%s\"", d);
}

static const char *state_name (ClipState st) {
  static const char *names[] = { "pending", "running", "streaming",
                                 "succeeded", "failed" };
  return names[st];
}

/* The fields that exist only once a clip succeeded: lyrics, image_url,
** audio_url (a /stream/ preview while streaming). */
static void clip_media_json (const Sbx *s, Buf *b, const Clip *c,
                             ClipState st) {
  int done = (st == CS_SUCCEEDED);
  sf_sbx_buf_add(b, ",\"lyrics\":");
  sf_sbx_buf_str(b, done && c->lyrics ? c->lyrics : "");
  sf_sbx_buf_add(b, ",\"image_url\":");
  if (done && c->task != NULL && strncmp(c->task->kind, "stems", 5) != 0)
    sf_sbx_buf_fmt(b, "\"%s/files/image_%s.jpeg\"", s->base_url, c->id);
  else
    sf_sbx_buf_add(b, "\"\"");
  sf_sbx_buf_add(b, ",\"audio_url\":");
  if (done)
    sf_sbx_audio_url(s, b, c->id, "mp3");
  else if (st == CS_STREAMING)
    sf_sbx_buf_fmt(b, "\"%s/stream/%s\"", s->base_url, c->id);
  else
    sf_sbx_buf_add(b, "\"\"");
}

/* The clip's model as echoed: as asked, or in the older "chirp-"
** spelling some deployments still answer with (--mv-chirp). */
static void mv_json (const Sbx *s, Buf *b, const char *mv) {
  Buf old;
  if (!s->cfg.mv_chirp || mv == NULL || strncmp(mv, "sonic-", 6) != 0) {
    sf_sbx_buf_str(b, mv);
    return;
  }
  sf_sbx_buf_init(&old);
  sf_sbx_buf_fmt(&old, "chirp-%s", mv + 6);
  sf_sbx_buf_str(b, old.p);
  sf_sbx_buf_free(&old);
}

/* One clip as GET /sonic/task shows it at 'now'. */
static void clip_json (const Sbx *s, Buf *b, const Clip *c, int64_t now) {
  ClipState st = sf_sbx_clip_state(s, c, now);
  char created[32];
  sf_sbx_iso_time(c->created_ms, created);
  sf_sbx_buf_fmt(b, "{\"clip_id\":\"%s\",\"state\":\"%s\"", c->id,
                 state_name(st));
  if (st == CS_FAILED)
    sf_sbx_buf_add(b, ",\"error_message\":\"Upstream generation failed. "
                   "Credits were refunded.\"");
  sf_sbx_buf_add(b, ",\"title\":");
  sf_sbx_buf_str(b, st == CS_FAILED || !c->title ? "" : c->title);
  sf_sbx_buf_add(b, ",\"tags\":");
  sf_sbx_buf_str(b, c->tags ? c->tags : "");
  clip_media_json(s, b, c, st);
  sf_sbx_buf_fmt(b, ",\"video_url\":null,\"created_at\":\"%s\",\"mv\":",
                 created);
  mv_json(s, b, c->mv);
  sf_sbx_buf_add(b, ",\"gpt_description_prompt\":");
  sf_sbx_buf_str(b, c->gpt_prompt);
  sf_sbx_buf_add(b, ",\"duration\":");
  if (st == CS_SUCCEEDED)
    duration_json(s, b, sf_sbx_recipe_len(&c->recipe));
  else
    sf_sbx_buf_add(b, "null");
  sf_sbx_buf_add(b, ",\"negative_tags\":");
  sf_sbx_buf_str(b, c->negative_tags);
  sf_sbx_buf_add(b, ",\"style_weight\":");
  if (c->has_style_weight)
    sf_sbx_buf_num(b, c->style_weight);
  else
    sf_sbx_buf_add(b, "null");
  sf_sbx_buf_add(b, ",\"weirdness_constraint\":");
  if (c->has_weirdness)
    sf_sbx_buf_num(b, c->weirdness);
  else
    sf_sbx_buf_add(b, "null");
  sf_sbx_buf_add(b, "}");
}

/* {"code":200,"message":"success","data":[clip, ...]} */
void sf_sbx_task_json (const Sbx *s, Buf *b, const Task *t, int64_t now) {
  int i;
  sf_sbx_buf_add(b, "{\"code\":200,\"message\":\"success\",\"data\":[");
  for (i = 0; i < t->nclips; i++) {
    if (i)
      sf_sbx_buf_add(b, ",");
    clip_json(s, b, t->clips[i], now);
  }
  sf_sbx_buf_add(b, "]}");
}
