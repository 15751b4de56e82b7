/*
** test_family.c -- PROTOCOL.md "The rest of the sonic family" (issue 14):
** upload-extend, upload-cover, persona, mashup, sample, replace-section,
** upsample-tags, bpm, vox and batch. Each is checked for its answer's
** shape, its cost in the ledger, its 400s (charged nothing), and for an
** audible result: a mashup holds both sources, a sample's song starts
** with the sample, replace-section leaves everything outside its range
** sample for sample as it was, bpm is the tempo the audio has.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_audio.h"
#include "sbx_harness.h"

#define OPTS "--speed 1000 --clip-seconds 20"

/* ---- helpers ------------------------------------------------------------*/

/* Submit, wait, check every clip succeeded; NULL when not. */
static SbxJson *done (SbxServer *s, const char *path, const char *body,
                      const char *what) {
  SbxJson *a = sbx_run(s, path, body, 30.0);
  size_t i;
  if (!SBX_CHECK(a != NULL, "%s: not accepted or did not finish", what))
    return NULL;
  for (i = 0; i < sbx_jlen(sbx_clips(a)); i++)
    SBX_CHECK(strcmp(sbx_clip_str(a, i, "state") ? sbx_clip_str(a, i,
                     "state") : "", "succeeded") == 0,
              "%s: clip %zu did not succeed", what, i);
  return a;
}

/* A finished create of 'desc' in 'tags'; its two clip ids copied. */
static int song (SbxServer *s, const char *desc, const char *tags,
                 char a[64], char b[64]) {
  char *body = sbx_song_body(desc, tags);
  SbxJson *t = done(s, "/sonic/create", body, "create");
  int ok = t != NULL && sbx_clip_str(t, 0, "clip_id") &&
           sbx_clip_str(t, 1, "clip_id");
  if (ok) {
    snprintf(a, 64, "%s", sbx_clip_str(t, 0, "clip_id"));
    snprintf(b, 64, "%s", sbx_clip_str(t, 1, "clip_id"));
  }
  free(body);
  sbx_json_free(t);
  return ok ? 0 : -1;
}

/* The ledger's charged total so far (credits + extra spent). */
static long long spent (SbxServer *s, long long start) {
  return start - sbx_total_credits(s);
}

/* POST and expect the 400 'msg', charged nothing. */
static void refused (SbxServer *s, const char *path, const char *body,
                     const char *msg, const char *what) {
  long long before = sbx_total_credits(s);
  SbxResp r;
  sbx_post(s, path, body, &r);
  sbx_expect_error(s, &r, 400, msg, what);
  SBX_EQ_INT(sbx_total_credits(s), before, what);
  sbx_resp_free(&r);
}

/* POST, expect 200, return the parsed answer (caller frees). */
static SbxJson *ok_post (SbxServer *s, const char *path, const char *body,
                         const char *what) {
  SbxResp r;
  SbxJson *j = NULL;
  sbx_post(s, path, body, &r);
  if (SBX_CHECK(r.status == 200 && r.json != NULL, "%s: HTTP %ld %.200s",
                what, r.status, r.body ? r.body : "")) {
    j = r.json;
    r.json = NULL;
  }
  sbx_resp_free(&r);
  return j;
}

typedef struct Pcm {
  SbxWav w;
  SbxResp file;                 /* owns the bytes 'w' points into */
  float *mono;
  size_t n;
} Pcm;

/* A clip's audio through /sonic/wav; 0 or -1. */
static int pcm_load (SbxServer *s, const char *clip, Pcm *p) {
  char body[128], err[160];
  SbxResp r;
  const char *url;
  memset(p, 0, sizeof(*p));
  snprintf(body, sizeof(body), "{\"clip_id\":\"%s\"}", clip);
  sbx_post(s, SBX_API "/sonic/wav", body, &r);
  url = sbx_jstr(sbx_jget(r.json, "data.wav_url"));
  if (SBX_CHECK(url != NULL, "wav of %s", clip))
    sbx_fetch(s, url, &p->file);
  sbx_resp_free(&r);
  if (!SBX_CHECK(p->file.status == 200 && sbx_wav_parse(
                 (unsigned char *)p->file.body, p->file.len, &p->w, err,
                 sizeof(err)) == 0, "wav of %s: %s", clip, err))
    return -1;
  p->mono = sbx_wav_mono(&p->w, &p->n);
  return p->mono != NULL ? 0 : -1;
}

static void pcm_free (Pcm *p) {
  free(p->mono);
  sbx_resp_free(&p->file);
}

/* Correlation of a[a0, a0+len) with b[b0, b0+len) in seconds; -2 when
** either is too short. */
static double corr (const Pcm *a, double a0, const Pcm *b, double b0,
                    double len) {
  size_t ia = (size_t)(a0 * 44100), ib = (size_t)(b0 * 44100);
  size_t n = (size_t)(len * 44100);
  if (ia + n > a->n || ib + n > b->n)
    return -2;
  return sbx_corr(a->mono + ia, b->mono + ib, n, 64);
}

/* ---- 400s and prices ----------------------------------------------------*/

static void test_refusals (void) {
  SbxServer s;
  char a[64], b[64], body[1024];
  SbxBuf big = {0};
  int i;
  sbx_case("each endpoint's 400s are charged nothing");
  if (sbx_start(&s, OPTS) != 0)
    return;
  if (song(&s, "a song to refuse things with", "lo-fi", a, b) != 0)
    goto out;
  snprintf(body, sizeof(body), "{\"mashup_clip_ids\":[\"%s\"],\"mv\":"
           "\"sonic-v5\"}", a);
  refused(&s, SBX_API "/sonic/mashup", body, "The 'mashup_clip_ids' field "
          "should hold exactly 2 clip ids.", "mashup of 1 clip");
  snprintf(body, sizeof(body), "{\"mashup_clip_ids\":[\"%s\",\"%s\",\"%s\"]"
           ",\"mv\":\"sonic-v5\"}", a, b, a);
  refused(&s, SBX_API "/sonic/mashup", body, "The 'mashup_clip_ids' field "
          "should hold exactly 2 clip ids.", "mashup of 3 clips");
  snprintf(body, sizeof(body), "{\"mashup_clip_ids\":[\"%s\",\"%s\"],"
           "\"mv\":\"sonic-v5\"}", a, "00000000-0000-4000-8000-000000000000");
  refused(&s, SBX_API "/sonic/mashup", body, "clip not found.",
          "mashup of an unknown clip");
  snprintf(body, sizeof(body), "{\"sample_clip_id\":\"%s\","
           "\"chop_sample_start_s\":8,\"chop_sample_end_s\":4,\"mv\":"
           "\"sonic-v5\"}", a);
  refused(&s, SBX_API "/sonic/sample", body, "The 'chop_sample_end_s' "
          "field should be greater than 'chop_sample_start_s'.",
          "sample end before start");
  snprintf(body, sizeof(body), "{\"sample_clip_id\":\"%s\","
           "\"chop_sample_start_s\":4,\"chop_sample_end_s\":40,\"mv\":"
           "\"sonic-v5\"}", a);
  refused(&s, SBX_API "/sonic/sample", body, "The 'chop_sample_end_s' "
          "field should not be more than the clip duration.",
          "sample past the clip's end");
  refused(&s, SBX_API "/sonic/sample", "{\"chop_sample_start_s\":1,"
          "\"chop_sample_end_s\":2,\"mv\":\"sonic-v5\"}", "The 'url' or "
          "'sample_clip_id' field is required.", "sample of nothing");
  snprintf(body, sizeof(body), "{\"clip_id\":\"%s\",\"infill_start_s\":6,"
           "\"infill_end_s\":6}", a);
  refused(&s, SBX_API "/sonic/replace-section", body, "The 'infill_end_s' "
          "field should be greater than 'infill_start_s'.",
          "replace an empty range");
  snprintf(body, sizeof(body), "{\"clip_id\":\"%s\",\"infill_start_s\":6,"
           "\"infill_end_s\":26}", a);
  refused(&s, SBX_API "/sonic/replace-section", body, "The 'infill_end_s' "
          "field should not be more than the clip duration.",
          "replace past the end");
  snprintf(body, sizeof(body), "{\"clip_id\":\"%s\",\"vocal_start_s\":0,"
           "\"vocal_end_s\":30.5}", a);
  refused(&s, SBX_API "/sonic/vox", body, "The vocal window should be at "
          "most 30 seconds.", "vox over 30 s");
  refused(&s, SBX_API "/sonic/upload-extend", "{\"url\":\"https://example"
          ".com/a.mp3\",\"continue_at\":25,\"mv\":\"sonic-v5\"}",
          "The 'continue_at' field should not be more than the clip "
          "duration.", "upload-extend past the upload's end");
  refused(&s, SBX_API "/sonic/upload-cover", "{\"url\":\"ftp://x/a.mp3\","
          "\"mv\":\"sonic-v5\"}", "The 'url' field should be an http or "
          "https URL.", "upload-cover of an ftp URL");
  refused(&s, SBX_API "/sonic/upload-cover", "{\"url\":\"https://x/a.mp3\","
          "\"mv\":\"sonic-v9-nope\"}", NULL, "upload-cover, unknown mv");
  refused(&s, SBX_API "/sonic/persona", "{\"clip_id\":\"x\"}",
          "The 'name' field is required.", "persona without a name");
  refused(&s, SBX_API "/sonic/create", "{\"task_type\":\"persona_music\","
          "\"persona_id\":\"never-made\",\"custom_mode\":false,"
          "\"gpt_description_prompt\":\"x\",\"mv\":\"sonic-v5\"}",
          "persona not found.", "persona_music, unknown persona");
  refused(&s, SBX_API "/sonic/upsample-tags", "{}", "The 'tags' field is "
          "required.", "upsample-tags without tags");
  refused(&s, SBX_API "/sonic/bpm", "{\"clip_id\":\"00000000-0000-4000-"
          "8000-000000000000\"}", "clip not found.", "bpm, unknown clip");
  sbx_buf_printf(&big, "{\"items\":[");
  for (i = 0; i < 11; i++)
    sbx_buf_printf(&big, "%s{\"custom_mode\":false,\"mv\":\"sonic-v5\","
                   "\"gpt_description_prompt\":\"x\"}", i ? "," : "");
  sbx_buf_printf(&big, "]}");
  refused(&s, SBX_API "/sonic/batch", big.p, "The 'items' field should "
          "hold at most 10 create bodies.", "batch of 11");
  refused(&s, SBX_API "/sonic/batch", "{\"items\":[]}", "The 'items' field "
          "should be a list of create bodies.", "empty batch");
  sbx_buf_free(&big);
out:
  sbx_stop(&s);
}

/* Every accepted call is charged its PROTOCOL.md price. */
static void test_prices (void) {
  SbxServer s;
  char a[64], b[64], body[512];
  long long start, at;
  SbxJson *j;
  sbx_case("prices: upload-* 15+2, mashup 10, sample 14, replace 10, "
           "sync calls 1, batch as its items");
  if (sbx_start(&s, OPTS) != 0)
    return;
  if (song(&s, "a song to pay for things with", "synthwave", a, b) != 0)
    goto out;
  start = sbx_total_credits(&s);
#define COSTS(what, n) do { at = spent(&s, start); \
    SBX_EQ_INT(at - last, (n), what); last = at; } while (0)
  {
    long long last = 0;
    char id[64];
    sbx_submit(&s, "/sonic/upload-extend", "{\"url\":\"https://example.com"
               "/b.mp3\",\"continue_at\":5,\"mv\":\"sonic-v5\"}", id, 64);
    COSTS("upload-extend", 17);
    sbx_submit(&s, "/sonic/upload-cover", "{\"url\":\"https://example.com"
               "/b.mp3\",\"tags\":\"jazz\",\"mv\":\"sonic-v5\"}", id, 64);
    COSTS("upload-cover", 17);
    snprintf(body, sizeof(body), "{\"mashup_clip_ids\":[\"%s\",\"%s\"],"
             "\"mv\":\"sonic-v5\"}", a, b);
    sbx_submit(&s, "/sonic/mashup", body, id, 64);
    COSTS("mashup", 10);
    snprintf(body, sizeof(body), "{\"sample_clip_id\":\"%s\","
             "\"chop_sample_start_s\":2,\"chop_sample_end_s\":6,\"mv\":"
             "\"sonic-v5\"}", a);
    sbx_submit(&s, "/sonic/sample", body, id, 64);
    COSTS("sample", 14);
    snprintf(body, sizeof(body), "{\"clip_id\":\"%s\",\"infill_start_s\":2,"
             "\"infill_end_s\":6}", a);
    sbx_submit(&s, "/sonic/replace-section", body, id, 64);
    COSTS("replace-section", 10);
    snprintf(body, sizeof(body), "{\"clip_id\":\"%s\"}", a);
    sbx_json_free(ok_post(&s, SBX_API "/sonic/bpm", body, "bpm"));
    COSTS("bpm", 1);
    sbx_json_free(ok_post(&s, SBX_API "/sonic/upsample-tags", "{\"tags\":"
                          "\"rock\"}", "upsample-tags"));
    COSTS("upsample-tags", 1);
    snprintf(body, sizeof(body), "{\"clip_id\":\"%s\",\"vocal_start_s\":1,"
             "\"vocal_end_s\":5}", a);
    sbx_json_free(ok_post(&s, SBX_API "/sonic/vox", body, "vox"));
    COSTS("vox", 1);
    snprintf(body, sizeof(body), "{\"name\":\"P\",\"clip_id\":\"%s\"}", a);
    sbx_json_free(ok_post(&s, SBX_API "/sonic/persona", body, "persona"));
    COSTS("persona", 1);
    j = ok_post(&s, SBX_API "/sonic/batch", "{\"items\":[{\"custom_mode\":"
                "false,\"mv\":\"sonic-v5\",\"gpt_description_prompt\":\"a\"},"
                "{\"mv\":\"bad-model\"},{\"task_type\":\"concat_music\","
                "\"continue_clip_id\":\"none\"},{\"custom_mode\":false,\"mv\":"
                "\"sonic-v4\",\"gpt_description_prompt\":\"b\"}]}", "batch");
    COSTS("batch of 2 good creates and 2 refused items", 30);
    SBX_EQ_INT((long long)sbx_jnum(sbx_jfield(j, "submitted")), 2,
               "batch: submitted");
    SBX_CHECK(sbx_jstr(sbx_jget(j, "tasks.0.task_id")) != NULL &&
              sbx_jstr(sbx_jget(j, "tasks.3.task_id")) != NULL,
              "batch: the good items have task ids in place");
    SBX_CHECK(sbx_jstr(sbx_jget(j, "tasks.1.error")) != NULL &&
              strstr(sbx_jstr(sbx_jget(j, "tasks.1.error")), "'mv'") &&
              sbx_jstr(sbx_jget(j, "tasks.2.error")) != NULL,
              "batch: the refused items carry their own errors in place");
    sbx_json_free(j);
  }
#undef COSTS
out:
  sbx_stop(&s);
}

/* ---- audible results ----------------------------------------------------*/

/* A mashup's sections come from each source in turn: take 1 starts with
** the first clip, take 2 with the second (same style: sources of one
** request). */
static void test_mashup (void) {
  SbxServer s;
  char a[64], b[64], body[512];
  SbxJson *m = NULL;
  Pcm pa, pb, m0, m1;
  sbx_case("mashup: the song holds material of both sources");
  if (sbx_start(&s, OPTS) != 0)
    return;
  memset(&pa, 0, sizeof pa); pb = m0 = m1 = pa;
  if (song(&s, "two takes to mash up", "lo-fi", a, b) != 0)
    goto out;
  snprintf(body, sizeof(body), "{\"mashup_clip_ids\":[\"%s\",\"%s\"],"
           "\"mv\":\"sonic-v5\"}", a, b);
  if ((m = done(&s, "/sonic/mashup", body, "mashup")) == NULL ||
      !SBX_CHECK(sbx_jlen(sbx_clips(m)) == 2, "mashup: 2 clips"))
    goto out;
  if (pcm_load(&s, a, &pa) || pcm_load(&s, b, &pb) ||
      pcm_load(&s, sbx_clip_str(m, 0, "clip_id"), &m0) ||
      pcm_load(&s, sbx_clip_str(m, 1, "clip_id"), &m1))
    goto out;
  {
    double m0a = corr(&m0, 0.5, &pa, 0.5, 8.5);
    double m0b = corr(&m0, 10.5, &pb, 0.5, 7.5);
    double m1b = corr(&m1, 0.5, &pb, 0.5, 8.5);
    double m1a = corr(&m1, 10.5, &pa, 0.5, 7.5);
    double ab = corr(&pa, 0.5, &pb, 0.5, 8.5);
    sbx_note("take 1: start~A %.3f, then~B %.3f; take 2: start~B %.3f, "
             "then~A %.3f; A~B %.3f", m0a, m0b, m1b, m1a, ab);
    SBX_CHECK(m0a >= 0.8 && m0b >= 0.8, "take 1 should play A then B");
    SBX_CHECK(m1b >= 0.8 && m1a >= 0.8, "take 2 should play B then A");
    SBX_CHECK(ab < 0.5, "the two sources should differ (%.3f)", ab);
  }
out:
  pcm_free(&pa); pcm_free(&pb); pcm_free(&m0); pcm_free(&m1);
  sbx_json_free(m);
  sbx_stop(&s);
}

/* The sample's song starts with the chopped range as it sounds in the
** source, then goes somewhere new. */
static void test_sample (void) {
  SbxServer s;
  char a[64], b[64], body[512];
  SbxJson *t = NULL;
  Pcm src, out0;
  sbx_case("sample: the song starts from the sample");
  memset(&src, 0, sizeof src); out0 = src;
  if (sbx_start(&s, OPTS) != 0)
    return;
  if (song(&s, "a song to sample from", "jazz", a, b) != 0)
    goto out;
  snprintf(body, sizeof(body), "{\"sample_clip_id\":\"%s\","
           "\"chop_sample_start_s\":4,\"chop_sample_end_s\":10,"
           "\"tags\":\"jazz\",\"mv\":\"sonic-v5\"}", a);
  if ((t = done(&s, "/sonic/sample", body, "sample")) == NULL ||
      pcm_load(&s, a, &src) || pcm_load(&s, sbx_clip_str(t, 0, "clip_id"),
                                        &out0))
    goto out;
  {
    double head = corr(&out0, 0.3, &src, 4.3, 5.4);
    double later = corr(&out0, 6.5, &src, 10.5, 5.0);
    sbx_note("sample song start~chop %.3f; after~source after %.3f", head,
             later);
    SBX_CHECK(head >= 0.8, "the song should start with the sample: %.3f",
              head);
    SBX_CHECK(later < 0.9, "after the sample it should be new: %.3f",
              later);
  }
out:
  pcm_free(&src); pcm_free(&out0);
  sbx_json_free(t);
  sbx_stop(&s);
}

/* Frames [from, to) of two 16-bit stereo WAVs identical, byte for byte. */
static int same_frames (const Pcm *x, const Pcm *y, size_t from, size_t to) {
  size_t fb = 4;
  if (to > x->w.frames || to > y->w.frames)
    return 0;
  return memcmp(x->w.data + from * fb, y->w.data + from * fb,
                (to - from) * fb) == 0;
}

static void test_replace (void) {
  SbxServer s;
  char a[64], b[64], body[512];
  SbxJson *t = NULL;
  Pcm src, r0, r1;
  size_t lo = 6 * 44100, hi = 12 * 44100;
  sbx_case("replace-section: only the range changes, sample for sample");
  memset(&src, 0, sizeof src); r0 = r1 = src;
  if (sbx_start(&s, OPTS) != 0)
    return;
  if (song(&s, "a song with a verse to redo", "acoustic", a, b) != 0)
    goto out;
  snprintf(body, sizeof(body), "{\"clip_id\":\"%s\",\"infill_start_s\":6,"
           "\"infill_end_s\":12,\"infill_lyrics\":\"[Verse]\\nnew words "
           "here\"}", a);
  if ((t = done(&s, "/sonic/replace-section", body, "replace")) == NULL ||
      pcm_load(&s, a, &src) ||
      pcm_load(&s, sbx_clip_str(t, 0, "clip_id"), &r0) ||
      pcm_load(&s, sbx_clip_str(t, 1, "clip_id"), &r1))
    goto out;
  SBX_EQ_INT((long long)r0.w.frames, (long long)src.w.frames,
             "replaced clip: same length as the source");
  SBX_CHECK(same_frames(&src, &r0, 0, lo) && same_frames(&src, &r0, hi,
            src.w.frames), "take 1: every frame outside 6-12 s should be "
            "the source's");
  SBX_CHECK(same_frames(&src, &r1, 0, lo) && same_frames(&src, &r1, hi,
            src.w.frames), "take 2: every frame outside 6-12 s should be "
            "the source's");
  {
    double in0 = corr(&r0, 6.5, &src, 6.5, 5.0);
    double in1 = corr(&r1, 6.5, &src, 6.5, 5.0);
    sbx_note("inside the range: take 1~source %.3f, take 2~source %.3f",
             in0, in1);
    SBX_CHECK(in0 < 0.8 && in1 < 0.8, "the range should be new audio");
  }
out:
  pcm_free(&src); pcm_free(&r0); pcm_free(&r1);
  sbx_json_free(t);
  sbx_stop(&s);
}

/* bpm answers the tempo the audio has (measured here independently);
** an energetic song answers faster than a mellow one. */
static void test_bpm (void) {
  SbxServer s;
  char a[64], b[64], c[64], d[64], body[256];
  SbxJson *j;
  Pcm p;
  double fast = 0, slow = 0;
  sbx_case("bpm: the tempo of the audio; vox: the vocals of a window");
  memset(&p, 0, sizeof p);
  if (sbx_start(&s, OPTS) != 0)
    return;
  if (song(&s, "a song to count", "energetic, edm", a, b) != 0 ||
      song(&s, "a song to count slowly", "mellow, ambient", c, d) != 0)
    goto out;
  snprintf(body, sizeof(body), "{\"clip_id\":\"%s\"}", a);
  j = ok_post(&s, SBX_API "/sonic/bpm", body, "bpm");
  fast = sbx_jnum(sbx_jget(j, "data.bpm"));
  SBX_CHECK(sbx_jtype(sbx_jget(j, "data.max_bpm")) == SBX_JNUM &&
            sbx_jtype(sbx_jget(j, "data.min_bpm")) == SBX_JNUM &&
            sbx_jnum(sbx_jget(j, "data.min_bpm")) <= fast &&
            fast <= sbx_jnum(sbx_jget(j, "data.max_bpm")),
            "bpm: data.{bpm, max_bpm, min_bpm}, min <= bpm <= max");
  sbx_json_free(j);
  if (pcm_load(&s, a, &p) == 0) {
    double measured = sbx_tempo(p.mono, p.n, 44100);
    double ratio = measured / fast;
    sbx_note("bpm answered %.1f, measured %.1f", fast, measured);
    SBX_CHECK(fabs(measured - fast) <= 0.03 * fast ||
              fabs(ratio - 2) < 0.06 || fabs(ratio - 0.5) < 0.015,
              "bpm %.1f should be the audio's tempo (%.1f, or an octave)",
              fast, measured);
  }
  snprintf(body, sizeof(body), "{\"clip_id\":\"%s\"}", c);
  j = ok_post(&s, SBX_API "/sonic/bpm", body, "bpm");
  slow = sbx_jnum(sbx_jget(j, "data.bpm"));
  sbx_json_free(j);
  SBX_CHECK(fast > slow, "energetic edm (%.1f) should be faster than "
            "mellow ambient (%.1f)", fast, slow);

  snprintf(body, sizeof(body), "{\"clip_id\":\"%s\",\"vocal_start_s\":2,"
           "\"vocal_end_s\":12}", a);
  j = ok_post(&s, SBX_API "/sonic/vox", body, "vox");
  if (SBX_CHECK(sbx_is_uuid(sbx_jstr(sbx_jget(j, "data.vox_audio_id"))),
                "vox: data.vox_audio_id")) {
    SbxResp f;
    SbxMp3 m;
    char err[160];
    sbx_fetch(&s, sbx_jstr(sbx_jget(j, "data.audio_url")), &f);
    SBX_CHECK(f.status == 200 && sbx_mp3_scan((unsigned char *)f.body,
              f.len, &m, err, sizeof(err)) == 0 && fabs(m.seconds - 10) <
              0.1, "vox: audio_url is 10 s of MP3 (HTTP %ld)", f.status);
    sbx_resp_free(&f);
  }
  sbx_json_free(j);
out:
  pcm_free(&p);
  sbx_stop(&s);
}

/* ---- uploads, personas, batches, the pace ------------------------------*/

static void test_uploads (void) {
  SbxServer s;
  SbxJson *t;
  sbx_case("upload-extend (auto_concat pairs extension and song), "
           "upload-cover");
  if (sbx_start(&s, OPTS) != 0)
    return;
  t = done(&s, "/sonic/upload-extend", "{\"url\":\"https://example.com/"
           "mine.mp3\",\"continue_at\":8,\"auto_concat\":true,\"mv\":"
           "\"sonic-v5\"}", "upload-extend");
  if (t != NULL) {
    double e = sbx_clip_duration(sbx_jat(sbx_clips(t), 0));
    double f = sbx_clip_duration(sbx_jat(sbx_clips(t), 1));
    SBX_CHECK(e > 0 && fabs(f - (8 + e)) < 0.02, "auto_concat: take 2 "
              "(%.2f s) should be the song to 8 s plus the extension "
              "(%.2f s)", f, e);
  }
  sbx_json_free(t);
  t = done(&s, "/sonic/upload-cover", "{\"url\":\"https://example.com/"
           "mine.mp3\",\"tags\":\"bossa, jazz\",\"mv\":\"sonic-v5\"}",
           "upload-cover");
  SBX_CHECK(t != NULL && sbx_jlen(sbx_clips(t)) == 2 &&
            !strcmp(sbx_clip_str(t, 0, "tags") ? sbx_clip_str(t, 0, "tags")
                    : "", "bossa, jazz"), "upload-cover: 2 clips in the "
            "new tags");
  sbx_json_free(t);
  sbx_stop(&s);
}

static void test_persona_batch_state (void) {
  SbxServer s;
  char path[256], a[64], b[64], body[512], pid[64] = "", bid[64] = "";
  SbxJson *j;
  sbx_case("personas and batches are kept in --state; older persona "
           "field names accepted");
  sbx_temp_path(path, sizeof(path), ".db");
  snprintf(body, sizeof(body), OPTS " --state %s", path);
  if (sbx_start(&s, body) != 0)
    return;
  if (song(&s, "a voice to keep", "soul, female", a, b) != 0)
    goto out;
  snprintf(body, sizeof(body), "{\"name\":\"Old\",\"continue_clip_id\":"
           "\"%s\",\"description\":\"written against the real one\"}", b);
  j = ok_post(&s, SBX_API "/sonic/persona", body, "persona, older names");
  SBX_CHECK(sbx_is_uuid(sbx_jstr(sbx_jfield(j, "persona_id"))),
            "persona (older names): persona_id");
  sbx_json_free(j);
  snprintf(body, sizeof(body), "{\"name\":\"Ann\",\"clip_id\":\"%s\","
           "\"describe\":\"warm\",\"styles\":\"soul, warm\"}", a);
  j = ok_post(&s, SBX_API "/sonic/persona", body, "persona");
  if (sbx_jstr(sbx_jfield(j, "persona_id")))
    snprintf(pid, sizeof(pid), "%s", sbx_jstr(sbx_jfield(j, "persona_id")));
  sbx_json_free(j);
  j = ok_post(&s, SBX_API "/sonic/batch", "{\"items\":[{\"custom_mode\":"
              "false,\"mv\":\"sonic-v5\",\"gpt_description_prompt\":\"x\"},"
              "{\"mv\":\"nope\"}]}", "batch");
  if (sbx_jstr(sbx_jfield(j, "batch_id")))
    snprintf(bid, sizeof(bid), "%s", sbx_jstr(sbx_jfield(j, "batch_id")));
  sbx_json_free(j);
  sbx_stop(&s);
  snprintf(body, sizeof(body), OPTS " --state %s", path);
  if (sbx_start(&s, body) != 0)
    goto rm;
  snprintf(body, sizeof(body), "{\"task_type\":\"persona_music\","
           "\"persona_id\":\"%s\",\"custom_mode\":false,"
           "\"gpt_description_prompt\":\"a new song in her voice\",\"mv\":"
           "\"sonic-v5\"}", pid);
  j = done(&s, "/sonic/create", body, "persona_music after a restart");
  SBX_CHECK(j != NULL && !strcmp(sbx_clip_str(j, 0, "tags") ?
            sbx_clip_str(j, 0, "tags") : "", "soul, warm"),
            "persona_music: the persona's styles");
  sbx_json_free(j);
  snprintf(body, sizeof(body), SBX_API "/sonic/batch?batch_id=%s", bid);
  {
    SbxResp r;
    sbx_get(&s, body, &r);
    SBX_CHECK(r.status == 200 && sbx_jstr(sbx_jget(r.json,
              "tasks.0.state")) != NULL && sbx_jstr(sbx_jget(r.json,
              "tasks.1.error")) != NULL, "GET /sonic/batch after a "
              "restart: each item's state or error: %.200s",
              r.body ? r.body : "");
    sbx_resp_free(&r);
    sbx_get(&s, SBX_API "/sonic/batch?batch_id=nope", &r);
    sbx_expect_error(&s, &r, 400, "batch not found.", "unknown batch");
    sbx_resp_free(&r);
  }
out:
  sbx_stop(&s);
rm:
  sbx_remove_db(path);
}

/* The family's task endpoints are paid creates to the account's pace. */
static void test_paced (void) {
  SbxServer s;
  SbxResp r;
  char id[64];
  long long before;
  sbx_case("--rate-limit: mashup, sample, batch ... share create's pace");
  if (sbx_start(&s, "--speed 1 --rate-limit 2 --clip-seconds 3") != 0)
    return;
  SBX_EQ_INT(sbx_submit(&s, "/sonic/upload-cover", "{\"url\":\"https://"
             "example.com/p.mp3\",\"mv\":\"sonic-v5\"}", id, sizeof(id)),
             200, "first paid call");
  before = sbx_total_credits(&s);
  sbx_post(&s, SBX_API "/sonic/batch", "{\"items\":[{\"custom_mode\":false,"
           "\"mv\":\"sonic-v5\",\"gpt_description_prompt\":\"x\"}]}", &r);
  sbx_expect_error(&s, &r, 429, NULL, "a batch right after");
  SBX_EQ_INT(sbx_total_credits(&s), before, "the 429 is charged nothing");
  sbx_resp_free(&r);
  sbx_post(&s, SBX_API "/sonic/upsample-tags", "{\"tags\":\"pop\"}", &r);
  SBX_EQ_INT(r.status, 200, "a synchronous call is not paced");
  sbx_resp_free(&r);
  sbx_stop(&s);
}

static void test_upsample (void) {
  SbxServer s;
  SbxJson *j, *k;
  const char *x, *y;
  sbx_case("upsample-tags: the tags, then related ones");
  if (sbx_start(&s, OPTS) != 0)
    return;
  j = ok_post(&s, SBX_API "/sonic/upsample-tags", "{\"tags\":\"lo-fi\"}",
              "upsample lo-fi");
  k = ok_post(&s, SBX_API "/sonic/upsample-tags", "{\"tags\":\"metal\"}",
              "upsample metal");
  x = sbx_jstr(sbx_jfield(j, "upsampled_tags"));
  y = sbx_jstr(sbx_jfield(k, "upsampled_tags"));
  sbx_note("lo-fi -> %s; metal -> %s", x ? x : "?", y ? y : "?");
  SBX_CHECK(x != NULL && !strncmp(x, "lo-fi, ", 7) && strchr(x + 7, ','),
            "lo-fi keeps its tag first and gains at least two");
  SBX_CHECK(x != NULL && (strstr(x, "vinyl") || strstr(x, "dusty")),
            "lo-fi gains lo-fi things");
  SBX_CHECK(y != NULL && (strstr(y, "heavy") || strstr(y, "distorted")),
            "metal gains metal things");
  sbx_json_free(j);
  sbx_json_free(k);
  sbx_stop(&s);
}

/* image_url: .jpeg and JPEG bytes, as the service's. */
static void test_image (void) {
  SbxServer s;
  char ct[64];
  SbxJson *t;
  sbx_case("image_url ends in .jpeg and serves a JPEG");
  if (sbx_start(&s, OPTS) != 0)
    return;
  {
    char *sb = sbx_song_body("a picture", "pop");
    t = done(&s, "/sonic/create", sb, "create");
    free(sb);
  }
  if (t != NULL) {
    const char *url = sbx_clip_str(t, 0, "image_url");
    SbxResp f;
    SBX_CHECK(url != NULL && strlen(url) > 5 &&
              !strcmp(url + strlen(url) - 5, ".jpeg"), "image_url %s "
              "should end in .jpeg", url ? url : "(none)");
    if (url != NULL) {
      sbx_fetch(&s, url, &f);
      SBX_CHECK(f.status == 200 && f.len > 200 &&
                (unsigned char)f.body[0] == 0xff &&
                (unsigned char)f.body[1] == 0xd8 &&
                (unsigned char)f.body[f.len - 2] == 0xff &&
                (unsigned char)f.body[f.len - 1] == 0xd9,
                "the image is a whole JPEG (SOI ... EOI): HTTP %ld, %zu "
                "bytes", f.status, f.len);
      SBX_CHECK(sbx_header(&f, "Content-Type", ct, sizeof(ct)) &&
                !strcmp(ct, "image/jpeg"), "Content-Type image/jpeg");
      sbx_resp_free(&f);
    }
  }
  sbx_json_free(t);
  sbx_stop(&s);
}

int main (int argc, char **argv) {
  sbx_init(argc, argv);
  test_refusals();
  test_prices();
  test_mashup();
  test_sample();
  test_replace();
  test_bpm();
  test_uploads();
  test_persona_batch_state();
  test_paced();
  test_upsample();
  test_image();
  return sbx_finish();
}
