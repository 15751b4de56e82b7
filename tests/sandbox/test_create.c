/*
** test_create.c -- POST /sonic/create: the answer shapes (with and without
** "code"), every task_type with its required fields, and every validation
** message of PROTOCOL.md on both sides of each limit, per model version.
** Rejections must cost nothing.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sbx_harness.h"

static const char *const all_mv[] = {
  "sonic-v3-5", "sonic-v4", "sonic-v4-5", "sonic-v4-5-plus", "sonic-v5",
  "sonic-v5-5", NULL
};

static int is_old_mv (const char *mv) {
  return strcmp(mv, "sonic-v3-5") == 0 || strcmp(mv, "sonic-v4") == 0;
}

/* POST create and check the success shape; copies the task id. */
static int create_ok (SbxServer *s, const char *body, int with_code,
                      char *id, size_t n, const char *what) {
  static const char *const plain[] = { "message", "task_id", NULL };
  static const char *const coded[] = { "code", "message", "task_id", NULL };
  SbxResp r;
  SbxJson *code;
  int ok;
  sbx_post(s, SBX_API "/sonic/create", body, &r);
  ok = SBX_CHECK(r.status == 200, "%s: HTTP %ld, want 200: %.200s", what,
                 r.status, r.body ? r.body : "");
  if (ok) {
    SBX_CHECK(sbx_jkeys_exactly(r.json, with_code ? coded : plain),
              "%s: answer keys should be exactly %s: %.200s", what,
              with_code ? "code,message,task_id" : "message,task_id",
              r.body);
    char ct[128];
    SBX_EQ_STR(sbx_jstr(sbx_jfield(r.json, "message")), "success", what);
    SBX_CHECK(sbx_header(&r, "Content-Type", ct, sizeof(ct)) != NULL &&
              strncasecmp(ct, "application/json", 16) == 0,
              "%s: Content-Type should be application/json", what);
    SBX_CHECK(sbx_is_uuid(sbx_jstr(sbx_jfield(r.json, "task_id"))),
              "%s: task_id should be a uuid", what);
    code = sbx_jfield(r.json, "code");
    if (with_code)
      SBX_CHECK(sbx_jtype(code) == SBX_JNUM && code->is_int &&
                code->num == 200, "%s: \"code\" should be 200", what);
  }
  if (id != NULL)
    snprintf(id, n, "%s", sbx_jstr(sbx_jfield(r.json, "task_id")) ?
             sbx_jstr(sbx_jfield(r.json, "task_id")) : "");
  sbx_resp_free(&r);
  return ok;
}

/* A rejected create: 400, exact message (or prefix), nothing charged. */
static void create_rejected (SbxServer *s, const char *body,
                             const char *msg, int prefix_only,
                             const char *what) {
  long long before = sbx_total_credits(s), acc0 = -1, acc1 = -2;
  SbxResp r;
  sbx_ledger_int(s, "creates_accepted", &acc0);
  sbx_post(s, SBX_API "/sonic/create", body, &r);
  if (prefix_only) {
    const char *m = sbx_jstr(sbx_jfield(r.json, "message"));
    sbx_expect_error(s, &r, 400, NULL, what);
    SBX_CHECK(m != NULL && strncmp(m, msg, strlen(msg)) == 0,
              "%s: message \"%s\" should start with \"%s\"", what,
              m ? m : "(none)", msg);
  } else {
    sbx_expect_error(s, &r, 400, msg, what);
  }
  sbx_resp_free(&r);
  sbx_ledger_int(s, "creates_accepted", &acc1);
  SBX_EQ_INT(sbx_total_credits(s), before, "credits after a rejection");
  SBX_CHECK(acc0 == acc1, "%s: creates_accepted moved %lld -> %lld", what,
            acc0, acc1);
}

/* ---- answer shapes ---------------------------------------------------- */

static void test_answer_shapes (void) {
  SbxServer s;
  char *body = sbx_song_body("shape test", "pop");
  sbx_case("create answer: default has no \"code\"");
  if (sbx_start(&s, "--speed 500 --clip-seconds 3") == 0) {
    create_ok(&s, body, 0, NULL, 0, "default create");
    SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
  }
  sbx_case("create answer: --create-code adds \"code\":200");
  if (sbx_start(&s, "--speed 500 --clip-seconds 3 --create-code") == 0) {
    create_ok(&s, body, 1, NULL, 0, "create with --create-code");
    SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
  }
  free(body);
}

/* ---- every task_type ---------------------------------------------------- */

/* Submit and wait; returns the final answer or NULL (with a failed check). */
static SbxJson *run_ok (SbxServer *s, const char *body, size_t want_clips,
                        const char *what) {
  char id[64];
  SbxJson *a;
  size_t i;
  if (!create_ok(s, body, 0, id, sizeof(id), what))
    return NULL;
  a = sbx_wait(s, id, 20.0);
  if (!SBX_CHECK(a != NULL, "%s: task %s never finished", what, id))
    return NULL;
  if (want_clips > 0)
    SBX_EQ_INT(sbx_jlen(sbx_clips(a)), want_clips, what);
  else
    SBX_CHECK(sbx_jlen(sbx_clips(a)) >= 1, "%s: no clips", what);
  for (i = 0; i < sbx_jlen(sbx_clips(a)); i++)
    SBX_EQ_STR(sbx_clip_str(a, i, "state"), "succeeded", what);
  return a;
}

/* Upload a clip's audio; returns the new clip id in 'out'. */
static int upload (SbxServer *s, const char *url, char *out, size_t n) {
  SbxBuf b = {0};
  SbxResp r;
  int ok;
  sbx_buf_printf(&b, "{\"url\":");
  sbx_buf_jstr(&b, url);
  sbx_buf_printf(&b, "}");
  sbx_post(s, SBX_API "/sonic/upload", b.p, &r);
  ok = SBX_CHECK(r.status == 200 &&
                 sbx_is_uuid(sbx_jstr(sbx_jfield(r.json, "clip_id"))),
                 "upload: HTTP %ld %.200s", r.status, r.body ? r.body : "");
  snprintf(out, n, "%s", ok ? sbx_jstr(sbx_jfield(r.json, "clip_id")) : "");
  sbx_resp_free(&r);
  sbx_buf_free(&b);
  return ok;
}

static void run_type (SbxServer *s, const char *fmt, const char *clip,
                      size_t want, const char *what) {
  char body[1024];
  snprintf(body, sizeof(body), fmt, clip);
  sbx_json_free(run_ok(s, body, want, what));
}

#define LYRICS "[Verse]\\nHello road\\n[Chorus]\\nGoodbye road"

/* Custom mode: the clips carry the given title, lyrics, tags and mv. */
static void check_custom_echo (SbxJson *a) {
  size_t i;
  for (i = 0; i < sbx_jlen(sbx_clips(a)); i++) {
    const char *mv = sbx_clip_str(a, i, "mv");
    SBX_EQ_STR(sbx_clip_str(a, i, "title"), "Road", "custom-mode title");
    SBX_EQ_STR(sbx_clip_str(a, i, "lyrics"), "[Verse]\nHello road\n"
               "[Chorus]\nGoodbye road", "custom-mode lyrics");
    SBX_EQ_STR(sbx_clip_str(a, i, "tags"), "folk, acoustic",
               "custom-mode tags");
    SBX_CHECK(mv != NULL && (strcmp(mv, "sonic-v4-5") == 0 ||
                             strcmp(mv, "chirp-v4-5") == 0),
              "mv should echo sonic-v4-5, got %s", mv ? mv : "(none)");
  }
  sbx_json_free(a);
}

/* Strings that stress the server's JSON writer come back unchanged, and
** the optional style fields are echoed. */
static void test_echo_escapes (SbxServer *s) {
  const char *title = "Road \"Trip\" \\ caf\xc3\xa9 \xe2\x98\x95 / "
                      "\xf0\x9f\x8e\xb8";
  const char *lyrics = "[Verse]\n\"quoted\"\ttab \\ back\x01slash\n"
                       "[Chorus]\n\xe6\xad\x8c \xf0\x9f\x8e\xb5";
  SbxBuf b = {0};
  SbxJson *a;
  size_t i;
  sbx_buf_printf(&b, "{\"custom_mode\":true,\"mv\":\"sonic-v5\",\"title\":");
  sbx_buf_jstr(&b, title);
  sbx_buf_printf(&b, ",\"prompt\":");
  sbx_buf_jstr(&b, lyrics);
  sbx_buf_printf(&b, ",\"tags\":\"jazz, \\\"smoky\\\"\",\"negative_tags\":"
                 "\"heavy drums\",\"style_weight\":0.5,"
                 "\"weirdness_constraint\":0.25}");
  a = run_ok(s, b.p, 2, "custom mode with escapes and unicode");
  for (i = 0; i < sbx_jlen(sbx_clips(a)); i++) {
    SbxJson *c = sbx_jat(sbx_clips(a), i);
    SBX_EQ_STR(sbx_clip_str(a, i, "title"), title, "title round trip");
    SBX_EQ_STR(sbx_clip_str(a, i, "lyrics"), lyrics, "lyrics round trip");
    SBX_EQ_STR(sbx_clip_str(a, i, "tags"), "jazz, \"smoky\"",
               "tags round trip");
    SBX_EQ_STR(sbx_clip_str(a, i, "negative_tags"), "heavy drums",
               "negative_tags echo");
    SBX_CHECK(sbx_jnum(sbx_jfield(c, "style_weight")) == 0.5 &&
              sbx_jnum(sbx_jfield(c, "weirdness_constraint")) == 0.25,
              "style_weight/weirdness_constraint should echo 0.5/0.25, got "
              "%s/%s", sbx_jtype_name(sbx_jfield(c, "style_weight")),
              sbx_jtype_name(sbx_jfield(c, "weirdness_constraint")));
  }
  sbx_json_free(a);
  sbx_buf_free(&b);
}

static void test_task_types (void) {
  SbxServer s;
  SbxJson *src, *ext;
  char clip[64], extclip[64], up[64];
  sbx_case("every task_type is accepted and completes");
  if (sbx_start(&s, "--speed 500 --clip-seconds 3 --credits 100000") != 0)
    return;
  sbx_json_free(run_ok(&s, "{\"custom_mode\":false,\"mv\":\"sonic-v5\","
                       "\"gpt_description_prompt\":\"no task_type\"}", 2,
                       "create_music (task_type omitted)"));
  check_custom_echo(run_ok(&s, "{\"task_type\":\"create_music\","
                           "\"custom_mode\":true,\"mv\":\"sonic-v4-5\","
                           "\"prompt\":\"" LYRICS "\",\"title\":\"Road\","
                           "\"tags\":\"folk, acoustic\"}", 2,
                           "create_music custom mode"));
  test_echo_escapes(&s);
  src = run_ok(&s, "{\"task_type\":\"create_music\",\"custom_mode\":false,"
               "\"mv\":\"sonic-v5\",\"gpt_description_prompt\":\"source "
               "song\",\"make_instrumental\":true}", 2,
               "create_music instrumental");
  if (src == NULL || sbx_clip_str(src, 0, "clip_id") == NULL) {
    sbx_json_free(src);
    sbx_stop(&s);
    return;
  }
  snprintf(clip, sizeof(clip), "%s", sbx_clip_str(src, 0, "clip_id"));
  {
    char body[512];
    snprintf(body, sizeof(body), "{\"task_type\":\"extend_music\","
             "\"continue_clip_id\":\"%s\",\"continue_at\":1.5,\"mv\":"
             "\"sonic-v5\"}", clip);
    ext = run_ok(&s, body, 0, "extend_music");
  }
  snprintf(extclip, sizeof(extclip), "%s",
           ext && sbx_clip_str(ext, 0, "clip_id") ?
           sbx_clip_str(ext, 0, "clip_id") : "none");
  sbx_json_free(ext);
  run_type(&s, "{\"task_type\":\"concat_music\",\"continue_clip_id\":"
           "\"%s\"}", extclip, 1, "concat_music");
  run_type(&s, "{\"task_type\":\"cover_music\",\"continue_clip_id\":\"%s\","
           "\"mv\":\"sonic-v5\",\"tags\":\"jazz\"}", clip, 2, "cover_music");
  {                     /* a persona is the account's: make one first */
    char body[256], pid[64] = "none";
    SbxResp r;
    snprintf(body, sizeof(body), "{\"name\":\"Voice\",\"clip_id\":\"%s\"}",
             clip);
    sbx_post(&s, SBX_API "/sonic/persona", body, &r);
    if (SBX_CHECK(r.status == 200 && sbx_jstr(sbx_jfield(r.json,
                  "persona_id")), "POST /sonic/persona: HTTP %ld", r.status))
      snprintf(pid, sizeof(pid), "%s", sbx_jstr(sbx_jfield(r.json,
               "persona_id")));
    sbx_resp_free(&r);
    run_type(&s, "{\"task_type\":\"persona_music\",\"persona_id\":\"%s\","
             "\"custom_mode\":true,\"mv\":\"sonic-v5\",\"prompt\":"
             "\"[Verse]\\nla la\"}", pid, 2, "persona_music");
  }
  run_type(&s, "{\"task_type\":\"remaster\",\"continue_clip_id\":\"%s\","
           "\"mv\":\"sonic-v5\"}", clip, 0, "remaster");
  run_type(&s, "{\"task_type\":\"add_instrumental\",\"continue_clip_id\":"
           "\"%s\",\"mv\":\"sonic-v5\"}", clip, 0, "add_instrumental");
  run_type(&s, "{\"task_type\":\"add_vocals\",\"continue_clip_id\":\"%s\","
           "\"mv\":\"sonic-v5\",\"prompt\":\"[Verse]\\nsing along\"}", clip, 0,
           "add_vocals");
  if (upload(&s, sbx_clip_str(src, 0, "audio_url"), up, sizeof(up))) {
    run_type(&s, "{\"task_type\":\"extend_upload_music\",\"continue_clip_id\""
             ":\"%s\",\"continue_at\":1,\"mv\":\"sonic-v5\"}", up, 0,
             "extend_upload_music");
    run_type(&s, "{\"task_type\":\"cover_upload_music\",\"continue_clip_id\""
             ":\"%s\",\"mv\":\"sonic-v5\",\"tags\":\"piano\"}", up, 2,
             "cover_upload_music");
  }
  sbx_json_free(src);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

/* ---- validation ------------------------------------------------------- */

/* A create body whose 'field' holds 'unit' repeated 'times' (a string). */
static char *body_len (const char *mv, const char *field, const char *unit,
                       size_t times) {
  SbxBuf b = {0};
  int custom = strcmp(field, "gpt_description_prompt") != 0;
  sbx_buf_printf(&b, "{\"task_type\":\"create_music\",\"custom_mode\":%s,"
                 "\"mv\":\"%s\",", custom ? "true" : "false", mv);
  if (custom && strcmp(field, "prompt") != 0)
    sbx_buf_printf(&b, "\"prompt\":\"[Verse]\\nla la\",");
  sbx_buf_printf(&b, "\"%s\":\"", field);
  sbx_buf_rep(&b, unit, times);
  sbx_buf_printf(&b, "\"}");
  return b.p;
}

/* 'limit' characters accepted, limit+1 rejected with 'msg'. */
static void limit_case (SbxServer *s, const char *mv, const char *field,
                        const char *unit, size_t limit, const char *msg) {
  char what[160], *at = body_len(mv, field, unit, limit);
  char *over = body_len(mv, field, unit, limit + 1);
  snprintf(what, sizeof(what), "%s %s of %zu chars ('%s')", mv, field,
           limit, unit);
  create_ok(s, at, 0, NULL, 0, what);
  snprintf(what, sizeof(what), "%s %s of %zu chars ('%s')", mv, field,
           limit + 1, unit);
  create_rejected(s, over, msg, 0, what);
  free(at);
  free(over);
}

static void test_length_limits (SbxServer *s) {
  char msg[128];
  int i;
  for (i = 0; all_mv[i] != NULL; i++) {
    size_t p = is_old_mv(all_mv[i]) ? 3000 : 5000;
    size_t t = is_old_mv(all_mv[i]) ? 200 : 1000;
    snprintf(msg, sizeof(msg), "The prompt character length should be "
             "less than %zu.", p);
    limit_case(s, all_mv[i], "prompt", "a", p, msg);
    snprintf(msg, sizeof(msg), "The tags character length should be "
             "less than %zu.", t);
    limit_case(s, all_mv[i], "tags", "x", t, msg);
  }
  /* characters, not bytes: U+00E9 is two bytes in UTF-8 */
  limit_case(s, "sonic-v4", "prompt", "\xc3\xa9", 3000,
             "The prompt character length should be less than 3000.");
  limit_case(s, "sonic-v5", "title", "t", 80,
             "The title character length should be less than 80.");
  limit_case(s, "sonic-v3-5", "title", "t", 80,
             "The title character length should be less than 80.");
  limit_case(s, "sonic-v5", "gpt_description_prompt", "g", 400,
             "The 'gpt_description_prompt' character length should be "
             "less than 400.");
}

static void test_mv_invalid (SbxServer *s) {
  SbxResp r;
  const char *m;
  int i;
  create_rejected(s, "{\"custom_mode\":false,\"mv\":\"sonic-v9\","
                  "\"gpt_description_prompt\":\"x\"}",
                  "The 'mv' field is invalid.", 1, "mv sonic-v9");
  sbx_post(s, SBX_API "/sonic/create", "{\"custom_mode\":false,\"mv\":"
           "\"suno\",\"gpt_description_prompt\":\"x\"}", &r);
  m = sbx_jstr(sbx_jfield(r.json, "message"));
  for (i = 0; all_mv[i] != NULL; i++)
    SBX_CHECK(m != NULL && strstr(m, all_mv[i]) != NULL,
              "mv invalid message should list \"%s\": \"%s\"", all_mv[i],
              m ? m : "(none)");
  sbx_resp_free(&r);
}

static void test_other_rejections (SbxServer *s) {
  create_rejected(s, "{\"task_type\":\"persona_music\",\"custom_mode\":true,"
                  "\"mv\":\"sonic-v5\",\"prompt\":\"la\"}",
                  "The 'persona_id' field is required when task_type = "
                  "persona_music.", 0, "persona_music without persona_id");
  create_rejected(s, "{\"custom_mode\":false,\"mv\":\"sonic-v5\","
                  "\"gpt_description_prompt\":\"x\",\"make_instrumental\":"
                  "\"true\"}", "The 'make_instrumental' field should be "
                  "boolean.", 0, "make_instrumental \"true\"");
  create_rejected(s, "{\"custom_mode\":false,\"mv\":\"sonic-v5\","
                  "\"gpt_description_prompt\":\"x\",\"make_instrumental\":1}",
                  "The 'make_instrumental' field should be boolean.", 0,
                  "make_instrumental 1");
  create_rejected(s, "{\"custom_mode\":\"false\",\"mv\":\"sonic-v5\","
                  "\"gpt_description_prompt\":\"x\"}", "The 'custom_mode' "
                  "field should be boolean.", 0, "custom_mode \"false\"");
  create_rejected(s, "{\"custom_mode\":0,\"mv\":\"sonic-v5\","
                  "\"gpt_description_prompt\":\"x\"}", "The 'custom_mode' "
                  "field should be boolean.", 0, "custom_mode 0");
  create_rejected(s, "{\"custom_mode\":false,\"gpt_description_prompt\":"
                  "\"x\"}", NULL, 0, "create_music without mv");
  create_rejected(s, "{\"mv\":\"sonic-v5\",\"gpt_description_prompt\":"
                  "\"x\"}", NULL, 0, "create_music without custom_mode");
}

/* The required fields of the task_type table (messages not documented:
** any 400 JSON error, and nothing charged). */
static void test_required_fields (SbxServer *s) {
  static const char *const bodies[][2] = {
    { "{\"custom_mode\":false,\"mv\":\"sonic-v5\"}",
      "non-custom create without gpt_description_prompt" },
    { "{\"task_type\":\"extend_music\",\"continue_clip_id\":\"%s\","
      "\"mv\":\"sonic-v5\"}", "extend_music without continue_at" },
    { "{\"task_type\":\"extend_music\",\"continue_at\":2,\"mv\":"
      "\"sonic-v5\"}", "extend_music without continue_clip_id" },
    { "{\"task_type\":\"cover_music\",\"mv\":\"sonic-v5\",\"tags\":"
      "\"jazz\"}", "cover_music without continue_clip_id" },
    { "{\"task_type\":\"concat_music\"}",
      "concat_music without continue_clip_id" },
    { "{\"task_type\":\"remaster\",\"mv\":\"sonic-v5\"}",
      "remaster without continue_clip_id" },
    { "{\"task_type\":\"add_vocals\",\"continue_clip_id\":\"%s\","
      "\"mv\":\"sonic-v5\"}", "add_vocals without prompt" },
    { "{\"task_type\":\"persona_music\",\"persona_id\":\"p\","
      "\"custom_mode\":true,\"prompt\":\"la\"}",
      "persona_music without mv" },
  };
  size_t i;
  for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
    char body[512];
    snprintf(body, sizeof(body), bodies[i][0],
             "1a2b3c4d-0000-4000-8000-000000000001");
    create_rejected(s, body, NULL, 0, bodies[i][1]);
  }
}

static void test_validation (void) {
  SbxServer s;
  sbx_case("validation messages, both sides of each limit, no charge");
  if (sbx_start(&s, "--speed 500 --clip-seconds 3 --credits 100000") != 0)
    return;
  test_mv_invalid(&s);
  test_other_rejections(&s);
  test_required_fields(&s);
  test_length_limits(&s);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

int main (int argc, char **argv) {
  sbx_init(argc, argv);
  test_answer_shapes();
  test_task_types();
  test_validation();
  return sbx_finish();
}
