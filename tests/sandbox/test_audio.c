/*
** test_audio.c -- the audio a client downloads: audio_url serves a valid
** MP3 whose frames add up to the clip's duration; /sonic/wav answers
** {"message":"success","data":{"wav_url"}} and serves a RIFF/WAVE of that
** duration; HEAD and Range (206, Content-Range, exact slices, 416); repeat
** downloads byte-identical; realistic clip lengths without --clip-seconds.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_audio.h"
#include "sbx_harness.h"

static int header_is (const SbxResp *r, const char *name, const char *want) {
  char buf[256];
  return sbx_header(r, name, buf, sizeof(buf)) != NULL &&
         strcasecmp(buf, want) == 0;
}

static long long header_ll (const SbxResp *r, const char *name) {
  char buf[64];
  return sbx_header(r, name, buf, sizeof(buf)) ? atoll(buf) : -1;
}

/* MP3 structure and length against the reported duration. */
static void check_mp3 (const unsigned char *p, size_t n, double dur,
                       const char *what) {
  SbxMp3 m;
  char err[200];
  double frame;
  if (!SBX_CHECK(sbx_mp3_scan(p, n, &m, err, sizeof(err)) == 0,
                 "%s: not a valid MP3: %s", what, err))
    return;
  frame = (double)m.samples_per_frame / m.samplerate;
  sbx_note("%s: %ld frames at %d Hz, %d kbit/s%s, info tag %d, delay %d, "
           "padding %d, %.3f s encoded, duration %.3f", what, m.frames,
           m.samplerate, m.bitrate_first, m.cbr ? " CBR" : " VBR",
           m.has_info, m.enc_delay, m.enc_padding, m.seconds, dur);
  if (m.exact_seconds >= 0)
    SBX_CHECK(m.exact_seconds > dur - frame - 0.011 &&
              m.exact_seconds < dur + frame + 0.011,
              "%s: MP3 holds %.3f s (LAME tag), duration says %.3f", what,
              m.exact_seconds, dur);
  SBX_CHECK(m.seconds >= dur - frame - 0.011 &&
            m.seconds <= dur + 3 * frame + 0.011,
            "%s: %ld frames = %.3f s, duration %.3f (allowed: one frame "
            "short to encoder delay+padding over)", what, m.frames,
            m.seconds, dur);
}

/* GET the audio (no Authorization: CDN URLs are public). */
static int fetch_ok (SbxServer *s, const char *url, SbxResp *r,
                     const char *ctype_prefix, const char *what) {
  char ct[128];
  sbx_fetch(s, url, r);
  if (!SBX_CHECK(r->status == 200 && r->cc == CURLE_OK, "%s: GET %s -> "
                 "HTTP %ld (curl %d)", what, url, r->status, (int)r->cc))
    return 0;
  SBX_CHECK(sbx_header(r, "Content-Type", ct, sizeof(ct)) != NULL &&
            strncasecmp(ct, ctype_prefix, strlen(ctype_prefix)) == 0,
            "%s: Content-Type %s, want %s", what,
            sbx_header(r, "Content-Type", ct, sizeof(ct)) ? ct : "(none)",
            ctype_prefix);
  SBX_CHECK(header_ll(r, "Content-Length") == (long long)r->len,
            "%s: Content-Length %lld, body %zu", what,
            header_ll(r, "Content-Length"), r->len);
  return 1;
}

/* One Range request: 206, Content-Range, bytes equal to the slice. */
static void range_case (SbxServer *s, const char *url, const SbxResp *full,
                        const char *spec, size_t from, size_t to) {
  SbxReq q = {0};
  SbxResp r;
  char want[128];
  q.url = url;
  q.auth = SBX_NOAUTH;
  q.range = spec;
  sbx_http(s, &q, &r);
  snprintf(want, sizeof(want), "bytes %zu-%zu/%zu", from, to, full->len);
  SBX_CHECK(r.status == 206, "Range %s: HTTP %ld, want 206", spec,
            r.status);
  SBX_CHECK(header_is(&r, "Content-Range", want), "Range %s: "
            "Content-Range should be \"%s\"", spec, want);
  SBX_CHECK(r.len == to - from + 1 && memcmp(r.body, full->body + from,
                                             r.len) == 0,
            "Range %s: body (%zu bytes) should equal bytes %zu-%zu", spec,
            r.len, from, to);
  SBX_CHECK(header_ll(&r, "Content-Length") == (long long)(to - from + 1),
            "Range %s: Content-Length", spec);
  sbx_resp_free(&r);
}

static void test_ranges (SbxServer *s, const char *url, const SbxResp *f) {
  SbxReq q = {0};
  SbxResp r;
  char spec[64], want[64];
  size_t n = f->len;
  range_case(s, url, f, "0-0", 0, 0);
  range_case(s, url, f, "100-1099", 100, 1099);
  snprintf(spec, sizeof(spec), "%zu-", n / 2);
  range_case(s, url, f, spec, n / 2, n - 1);
  range_case(s, url, f, "-500", n - 500, n - 1);
  snprintf(spec, sizeof(spec), "%zu-%zu", n - 10, n + 1000);
  range_case(s, url, f, spec, n - 10, n - 1);      /* end clamped */
  q.url = url;
  q.auth = SBX_NOAUTH;
  snprintf(spec, sizeof(spec), "%zu-", n);
  q.range = spec;
  sbx_http(s, &q, &r);
  snprintf(want, sizeof(want), "bytes */%zu", n);
  SBX_CHECK(r.status == 416, "Range %s past the end: HTTP %ld, want 416",
            spec, r.status);
  SBX_CHECK(header_is(&r, "Content-Range", want), "416 should carry "
            "Content-Range \"%s\"", want);
  sbx_resp_free(&r);
}

static void test_head (SbxServer *s, const char *url, size_t len) {
  SbxReq q = {0};
  SbxResp r;
  q.url = url;
  q.auth = SBX_NOAUTH;
  q.head = 1;
  sbx_http(s, &q, &r);
  SBX_EQ_INT(r.status, 200, "HEAD audio_url");
  SBX_EQ_INT(header_ll(&r, "Content-Length"), (long long)len,
             "HEAD Content-Length equals the file size");
  SBX_CHECK(header_is(&r, "Accept-Ranges", "bytes"),
            "audio should advertise Accept-Ranges: bytes");
  sbx_resp_free(&r);
}

static void test_repeat (SbxServer *s, const char *url, const SbxResp *f,
                         const char *what) {
  SbxResp r;
  sbx_fetch(s, url, &r);
  SBX_CHECK(r.status == 200 && r.len == f->len &&
            memcmp(r.body, f->body, r.len) == 0,
            "%s: a second download should be byte-identical", what);
  sbx_resp_free(&r);
}

/* POST /sonic/wav, check the answer shape; wav_url into 'out'. */
static int wav_url (SbxServer *s, const char *clip, char *out, size_t n) {
  char body[128];
  SbxResp r;
  const char *u;
  snprintf(body, sizeof(body), "{\"clip_id\":\"%s\"}", clip);
  sbx_post(s, SBX_API "/sonic/wav", body, &r);
  u = sbx_jstr(sbx_jget(r.json, "data.wav_url"));
  SBX_EQ_INT(r.status, 200, "/sonic/wav status");
  SBX_EQ_STR(sbx_jstr(sbx_jfield(r.json, "message")), "success",
             "/sonic/wav message");
  SBX_CHECK(sbx_jtype(sbx_jfield(r.json, "data")) == SBX_JOBJ && u != NULL,
            "/sonic/wav answer should hold data.wav_url: %.200s", r.body);
  snprintf(out, n, "%s", u ? u : "");
  sbx_resp_free(&r);
  return u != NULL;
}

static void check_wav (SbxServer *s, const char *clip, double dur,
                       const char *what) {
  char url[512], err[200];
  SbxResp r;
  SbxWav w;
  float *x;
  size_t n;
  if (!wav_url(s, clip, url, sizeof(url)) ||
      !fetch_ok(s, url, &r, "audio/", what))
    return;
  SBX_CHECK(header_is(&r, "Content-Type", "audio/wav") ||
            header_is(&r, "Content-Type", "audio/x-wav") ||
            header_is(&r, "Content-Type", "audio/wave"),
            "%s: Content-Type should be audio/wav", what);
  if (SBX_CHECK(sbx_wav_parse((unsigned char *)r.body, r.len, &w, err,
                              sizeof(err)) == 0, "%s: %s", what, err)) {
    SBX_CHECK(w.format == 1 && w.bits == 16 && w.channels >= 1 &&
              w.byte_rate == (long)w.rate * w.block_align,
              "%s: PCM 16-bit with a consistent header (format %d, %d "
              "bits, %d ch)", what, w.format, w.bits, w.channels);
    SBX_CHECK(w.seconds > dur - 0.03 && w.seconds < dur + 0.03,
              "%s: WAV holds %.3f s, duration says %.3f", what, w.seconds,
              dur);
    x = sbx_wav_mono(&w, &n);
    SBX_CHECK(x != NULL && sbx_rms(x, n) > 0.01, "%s: WAV is silent "
              "(rms %.4f)", what, x ? sbx_rms(x, n) : 0.0);
    free(x);
    range_case(s, url, &r, "0-43", 0, 43);
    test_repeat(s, url, &r, "wav");
  }
  sbx_resp_free(&r);
}

static void test_short_clips (void) {
  SbxServer s;
  SbxJson *a;
  SbxResp f[2];
  char *body = sbx_song_body("audio check", "synthwave");
  int i;
  sbx_case("MP3/WAV of 5 s clips, HEAD, Range, repeat");
  if (sbx_start(&s, "--speed 500 --clip-seconds 5 --seed 11") != 0) {
    free(body);
    return;
  }
  a = sbx_run(&s, "/sonic/create", body, 20.0);
  free(body);
  if (!SBX_CHECK(a != NULL && sbx_jlen(sbx_clips(a)) == 2, "song task")) {
    sbx_json_free(a);
    sbx_stop(&s);
    return;
  }
  for (i = 0; i < 2; i++) {
    const char *url = sbx_clip_str(a, (size_t)i, "audio_url");
    double dur = sbx_clip_duration(sbx_jat(sbx_clips(a), (size_t)i));
    char what[32];
    snprintf(what, sizeof(what), "clip %d mp3", i);
    if (!fetch_ok(&s, url, &f[i], "audio/mpeg", what))
      f[i].body = NULL;
    else
      check_mp3((unsigned char *)f[i].body, f[i].len, dur, what);
  }
  if (f[0].body && f[1].body)
    SBX_CHECK(f[0].len != f[1].len || memcmp(f[0].body, f[1].body,
                                             f[0].len) != 0,
              "the two clips of a task should be different audio");
  if (f[0].body) {
    test_head(&s, sbx_clip_str(a, 0, "audio_url"), f[0].len);
    test_ranges(&s, sbx_clip_str(a, 0, "audio_url"), &f[0]);
    test_repeat(&s, sbx_clip_str(a, 0, "audio_url"), &f[0], "mp3");
  }
  check_wav(&s, sbx_clip_str(a, 0, "clip_id"),
            sbx_clip_duration(sbx_jat(sbx_clips(a), 0)), "clip 0 wav");
  for (i = 0; i < 2; i++)
    if (f[i].body)
      sbx_resp_free(&f[i]);
  sbx_json_free(a);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

static void test_realistic (void) {
  SbxServer s;
  SbxJson *a;
  SbxResp f;
  double dur, t0;
  char *body = sbx_song_body("a realistic length song about trains",
                             "acoustic");
  sbx_case("realistic clip length (no --clip-seconds)");
  if (sbx_start(&s, "--speed 1000 --seed 3") != 0) {
    free(body);
    return;
  }
  a = sbx_run(&s, "/sonic/create", body, 20.0);
  free(body);
  dur = sbx_clip_duration(sbx_jat(sbx_clips(a), 0));
  if (SBX_CHECK(a != NULL, "song task finished")) {
    SBX_CHECK(dur >= 10 && dur <= 480, "realistic duration: %.2f s", dur);
    t0 = sbx_now();
    if (fetch_ok(&s, sbx_clip_str(a, 0, "audio_url"), &f, "audio/mpeg",
                 "realistic mp3")) {
      SBX_CHECK(sbx_now() - t0 < 10.0, "first download of a %.0f s clip "
                "took %.1f s", dur, sbx_now() - t0);
      check_mp3((unsigned char *)f.body, f.len, dur, "realistic mp3");
      sbx_resp_free(&f);
    }
    check_wav(&s, sbx_clip_str(a, 0, "clip_id"), dur, "realistic wav");
  }
  sbx_json_free(a);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

int main (int argc, char **argv) {
  sbx_init(argc, argv);
  test_short_clips();
  test_realistic();
  return sbx_finish();
}
