/*
** test_endpoints.c -- /sonic/upload (shape, and the uploaded clip used by
** cover_upload_music / extend_upload_music), /sonic/midi (shape, notes,
** a downloadable MIDI file), /sonic/lyrics (two {title, lyrics}); calls on
** unknown clips are 4xx JSON errors that cost nothing.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_audio.h"
#include "sbx_harness.h"

static SbxJson *post_json (SbxServer *s, const char *path, const char *body,
                           long *status) {
  SbxResp r;
  SbxJson *j;
  char url[128];
  snprintf(url, sizeof(url), SBX_API "%s", path);
  sbx_post(s, url, body, &r);
  *status = r.status;
  j = r.json;
  r.json = NULL;
  if (r.status != 200)
    sbx_note("POST %s -> %ld %.200s", path, r.status, r.body ? r.body : "");
  sbx_resp_free(&r);
  return j;
}

static int is_int_code_200 (const SbxJson *a) {
  SbxJson *c = sbx_jfield(a, "code");
  return sbx_jtype(c) == SBX_JNUM && c->is_int && c->num == 200;
}

/* Upload answer {"code":200,"message":"success","clip_id":uuid}. */
static int upload (SbxServer *s, const char *url, char *clip, size_t n) {
  static const char *const keys[] = { "code", "message", "clip_id", NULL };
  SbxBuf b = {0};
  SbxJson *a;
  long st;
  int ok;
  sbx_buf_printf(&b, "{\"url\":");
  sbx_buf_jstr(&b, url);
  sbx_buf_printf(&b, "}");
  a = post_json(s, "/sonic/upload", b.p, &st);
  SBX_EQ_INT(st, 200, "upload status");
  SBX_CHECK(sbx_jkeys_exactly(a, keys), "upload answer keys should be "
            "code,message,clip_id");
  SBX_CHECK(is_int_code_200(a), "upload \"code\" should be 200");
  SBX_EQ_STR(sbx_jstr(sbx_jfield(a, "message")), "success", "upload "
             "message");
  ok = SBX_CHECK(sbx_is_uuid(sbx_jstr(sbx_jfield(a, "clip_id"))),
                 "upload clip_id should be a uuid");
  snprintf(clip, n, "%s", ok ? sbx_jstr(sbx_jfield(a, "clip_id")) : "");
  sbx_json_free(a);
  sbx_buf_free(&b);
  return ok;
}

/* A finished task made from an uploaded clip: clips with valid audio. */
static void check_upload_task (SbxServer *s, const char *fmt,
                               const char *clip, size_t want,
                               const char *what) {
  char body[512], err[160];
  SbxJson *a;
  SbxResp f;
  SbxMp3 m;
  snprintf(body, sizeof(body), fmt, clip);
  a = sbx_run(s, "/sonic/create", body, 20.0);
  if (!SBX_CHECK(a != NULL, "%s: accepted and finished", what))
    return;
  SBX_CHECK(want ? sbx_jlen(sbx_clips(a)) == want
            : sbx_jlen(sbx_clips(a)) >= 1, "%s: %zu clips, want %zu",
            what, sbx_jlen(sbx_clips(a)), want);
  SBX_EQ_STR(sbx_clip_str(a, 0, "state"), "succeeded", what);
  sbx_fetch(s, sbx_clip_str(a, 0, "audio_url") ?
            sbx_clip_str(a, 0, "audio_url") : "/none", &f);
  SBX_CHECK(f.status == 200 && sbx_mp3_scan((unsigned char *)f.body, f.len,
                                            &m, err, sizeof(err)) == 0,
            "%s: audio is a valid MP3 (HTTP %ld)", what, f.status);
  sbx_resp_free(&f);
  sbx_json_free(a);
}

static void test_upload (SbxServer *s, const SbxJson *song) {
  char up[64];
  sbx_case("upload, then cover_upload_music / extend_upload_music");
  if (!upload(s, sbx_clip_str(song, 0, "audio_url"), up, sizeof(up)))
    return;
  check_upload_task(s, "{\"task_type\":\"cover_upload_music\","
                    "\"continue_clip_id\":\"%s\",\"mv\":\"sonic-v5\","
                    "\"tags\":\"piano, mellow\"}", up, 2,
                    "cover_upload_music");
  check_upload_task(s, "{\"task_type\":\"extend_upload_music\","
                    "\"continue_clip_id\":\"%s\",\"continue_at\":2,\"mv\":"
                    "\"sonic-v5\"}", up, 0, "extend_upload_music");
}

/* Each note {start < end, pitch 0..127 integer, velocity number}. */
static int check_notes (const SbxJson *notes, double dur) {
  size_t k, bad = 0;
  for (k = 0; k < sbx_jlen(notes); k++) {
    const SbxJson *nt = sbx_jat(notes, k);
    SbxJson *st = sbx_jfield(nt, "start"), *en = sbx_jfield(nt, "end");
    SbxJson *p = sbx_jfield(nt, "pitch"), *v = sbx_jfield(nt, "velocity");
    if (sbx_jtype(st) != SBX_JNUM || sbx_jtype(en) != SBX_JNUM ||
        sbx_jtype(p) != SBX_JNUM || sbx_jtype(v) != SBX_JNUM ||
        st->num < 0 || en->num <= st->num || en->num > dur + 1.0 ||
        !p->is_int || p->num < 0 || p->num > 127 || v->num < 0 ||
        v->num > 127)
      bad++;
  }
  SBX_CHECK(bad == 0, "%zu of %zu notes malformed (start<end within the "
            "clip, integer pitch 0..127, velocity)", bad, sbx_jlen(notes));
  return (int)sbx_jlen(notes);
}

static void test_midi (SbxServer *s, const SbxJson *song) {
  char body[128];
  SbxJson *a, *ins;
  SbxResp f;
  long st;
  size_t i;
  int notes = 0;
  const char *url;
  sbx_case("midi: shape, notes, a MIDI file");
  snprintf(body, sizeof(body), "{\"clip_id\":\"%s\"}",
           sbx_clip_str(song, 0, "clip_id"));
  a = post_json(s, "/sonic/midi", body, &st);
  SBX_EQ_INT(st, 200, "midi status");
  SBX_CHECK(is_int_code_200(a), "midi \"code\" should be 200");
  ins = sbx_jget(a, "data.instruments");
  url = sbx_jstr(sbx_jget(a, "data.midi_url"));
  SBX_CHECK(url != NULL && url[0] != '\0', "data.midi_url");
  SBX_CHECK(sbx_jtype(ins) == SBX_JARR && sbx_jlen(ins) > 0,
            "data.instruments should be a non-empty array");
  for (i = 0; i < sbx_jlen(ins); i++) {
    SbxJson *in = sbx_jat(ins, i);
    SBX_CHECK(sbx_jstr(sbx_jfield(in, "name")) != NULL &&
              sbx_jtype(sbx_jfield(in, "notes")) == SBX_JARR,
              "instrument %zu needs name and notes", i);
    notes += check_notes(sbx_jfield(in, "notes"),
                         sbx_clip_duration(sbx_jat(sbx_clips(song), 0)));
  }
  SBX_CHECK(notes > 0, "midi should hold notes");
  if (url != NULL) {
    sbx_fetch(s, url, &f);
    SBX_CHECK(f.status == 200 && f.len > 14 && memcmp(f.body, "MThd", 4) ==
              0, "midi_url should serve a MIDI file (HTTP %ld)", f.status);
    sbx_resp_free(&f);
  }
  sbx_json_free(a);
}

static void test_lyrics (SbxServer *s) {
  SbxJson *a, *res;
  long st;
  long long before = sbx_total_credits(s);
  size_t i;
  sbx_case("lyrics: two {title, lyrics}, free");
  a = post_json(s, "/sonic/lyrics", "{\"description\":\"a song about "
                "rain on a tin roof\"}", &st);
  SBX_EQ_INT(st, 200, "lyrics status");
  SBX_CHECK(is_int_code_200(a), "lyrics \"code\" should be 200");
  SBX_EQ_STR(sbx_jstr(sbx_jfield(a, "message")), "success",
             "lyrics message");
  res = sbx_jfield(a, "results");
  SBX_CHECK(sbx_jtype(res) == SBX_JARR && sbx_jlen(res) == 2,
            "lyrics results: an array of 2, got %s of %zu",
            sbx_jtype_name(res), sbx_jlen(res));
  for (i = 0; i < sbx_jlen(res); i++) {
    const char *t = sbx_jstr(sbx_jfield(sbx_jat(res, i), "title"));
    const char *l = sbx_jstr(sbx_jfield(sbx_jat(res, i), "lyrics"));
    SBX_CHECK(t && t[0] && l && l[0], "result %zu: non-empty title and "
              "lyrics", i);
  }
  SBX_EQ_INT(sbx_total_credits(s), before, "lyrics cost");
  sbx_json_free(a);
}

/* Calls on a clip that does not exist: 4xx JSON error, nothing charged. */
static void test_unknown_clip (SbxServer *s) {
  static const char *const paths[] = {
    SBX_API "/sonic/wav", SBX_API "/sonic/midi", SBX_API "/sonic/stems/basic",
    SBX_API "/sonic/stems/full", NULL
  };
  const char *body = "{\"clip_id\":\"0b0b0b0b-1111-4222-8333-444444444444\"}";
  long long before = sbx_total_credits(s);
  int i;
  sbx_case("unknown clip_id: 4xx, no charge");
  for (i = 0; paths[i] != NULL; i++) {
    SbxResp r;
    sbx_post(s, paths[i], body, &r);
    SBX_CHECK(r.status >= 400 && r.status < 500, "%s with an unknown clip: "
              "HTTP %ld, want 4xx", paths[i], r.status);
    if (r.status >= 400 && r.status < 500)
      sbx_expect_error(s, &r, r.status, NULL, paths[i]);
    sbx_resp_free(&r);
  }
  {
    SbxResp r;
    sbx_post(s, SBX_API "/sonic/create", "{\"task_type\":\"cover_music\","
             "\"continue_clip_id\":\"0b0b0b0b-1111-4222-8333-444444444444\","
             "\"mv\":\"sonic-v5\",\"tags\":\"jazz\"}", &r);
    SBX_CHECK(r.status >= 400 && r.status < 500, "cover of an unknown clip: "
              "HTTP %ld, want 4xx", r.status);
    sbx_resp_free(&r);
  }
  SBX_EQ_INT(sbx_total_credits(s), before, "credits after unknown clips");
}

int main (int argc, char **argv) {
  SbxServer s;
  SbxJson *song;
  char *body;
  sbx_init(argc, argv);
  if (sbx_start(&s, "--speed 500 --clip-seconds 4 --credits 10000") != 0)
    return sbx_finish();
  body = sbx_song_body("endpoint song", "jazz");
  song = sbx_run(&s, "/sonic/create", body, 20.0);
  free(body);
  if (SBX_CHECK(song != NULL && sbx_clip_str(song, 0, "audio_url"),
                "source song")) {
    test_upload(&s, song);
    test_midi(&s, song);
  }
  test_lyrics(&s);
  test_unknown_clip(&s);
  sbx_json_free(song);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
  return sbx_finish();
}
