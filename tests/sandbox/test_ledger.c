/*
** test_ledger.c -- PROTOCOL.md "Credits" and the price column: get-credits
** shape, every price, extra_credits spent first, 403 when short (nothing
** charged), refunds of failed tasks, and the debug ledger agreeing.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbx_harness.h"

#define NOCREDITS "The remaining credits are not enough. You can buy " \
                  "more one-time credit packs or subscribe."

/* Paid calls made against a server, to compare with the ledger. */
typedef struct Tally {
  int paid;                  /* accepted calls with a price > 0 */
  int creates;               /* accepted POST /sonic/create */
} Tally;

/* POST and check the answer is 200 and the total moved by exactly
** 'price' at once (debited at acceptance). Copies task_id/clip_id. */
static SbxJson *priced (SbxServer *s, Tally *t, const char *path,
                        const char *body, long long price,
                        const char *what) {
  long long before = sbx_total_credits(s), after;
  SbxResp r;
  SbxJson *j = NULL;
  char url[128];
  snprintf(url, sizeof(url), SBX_API "%s", path);
  sbx_post(s, url, body, &r);
  after = sbx_total_credits(s);
  if (SBX_CHECK(r.status == 200, "%s: HTTP %ld: %.200s", what, r.status,
                r.body ? r.body : "")) {
    SBX_CHECK(before - after == price, "%s costs %lld, want %lld", what,
              before - after, price);
    t->paid += price > 0;
    t->creates += strcmp(path, "/sonic/create") == 0;
    j = r.json;
    r.json = NULL;
  }
  sbx_resp_free(&r);
  return j;
}

/* Priced submit of a task, then wait for it. */
static SbxJson *priced_task (SbxServer *s, Tally *t, const char *path,
                             const char *body, long long price,
                             const char *what) {
  SbxJson *a = priced(s, t, path, body, price, what), *done = NULL;
  const char *id = sbx_jstr(sbx_jfield(a, "task_id"));
  if (id != NULL)
    done = sbx_wait(s, id, 20.0);
  SBX_CHECK(done != NULL, "%s: task did not finish", what);
  sbx_json_free(a);
  return done;
}

static void expect_split (SbxServer *s, long long c, long long e,
                          const char *what) {
  long long gc = -1, ge = -1;
  sbx_credits(s, &gc, &ge);
  SBX_CHECK(gc == c && ge == e, "%s: credits %lld extra %lld, want %lld "
            "and %lld", what, gc, ge, c, e);
}

static void test_credits_shape (SbxServer *s) {
  static const char *const keys[] = { "credits", "extra_credits", NULL };
  SbxResp r;
  SbxJson *c, *e;
  sbx_get(s, SBX_API "/get-credits", &r);
  c = sbx_jfield(r.json, "credits");
  e = sbx_jfield(r.json, "extra_credits");
  SBX_EQ_INT(r.status, 200, "get-credits status");
  SBX_CHECK(sbx_jkeys_exactly(r.json, keys), "get-credits keys should be "
            "exactly credits,extra_credits: %.200s", r.body);
  SBX_CHECK(sbx_jtype(c) == SBX_JNUM && c->is_int && sbx_jtype(e) ==
            SBX_JNUM && e->is_int, "credits must be JSON integers: %.200s",
            r.body);
  SBX_CHECK(c && e && c->num == 1000 && e->num == 20,
            "starting credits 1000/20: %.200s", r.body);
  sbx_resp_free(&r);
}

static char *clip_body (const char *fmt, const char *clip) {
  SbxBuf b = {0};
  sbx_buf_printf(&b, fmt, clip);
  return b.p;
}

/* Every price of the table, on a server with plenty of credits. */
static void test_prices (SbxServer *s, Tally *t, SbxJson **song) {
  static const struct { const char *path, *fmt, *what; long long price; }
  ops[] = {
    { "/sonic/create", "{\"task_type\":\"cover_music\",\"continue_clip_id\":"
      "\"%s\",\"mv\":\"sonic-v5\",\"tags\":\"rock\"}", "cover_music", 15 },
    { "/sonic/create", "{\"task_type\":\"remaster\",\"continue_clip_id\":"
      "\"%s\",\"mv\":\"sonic-v5\"}", "remaster", 10 },
    { "/sonic/create", "{\"task_type\":\"add_instrumental\","
      "\"continue_clip_id\":\"%s\",\"mv\":\"sonic-v5\"}", "add_instrumental",
      10 },
    { "/sonic/create", "{\"task_type\":\"add_vocals\",\"continue_clip_id\":"
      "\"%s\",\"mv\":\"sonic-v5\",\"prompt\":\"[Verse]\\nla\"}",
      "add_vocals", 10 },
    { "/sonic/persona", "{\"name\":\"Voice\",\"clip_id\":\"%s\"}",
      "persona", 1 },
    { "/sonic/stems/basic", "{\"clip_id\":\"%s\"}", "stems basic", 15 },
    { "/sonic/stems/full", "{\"clip_id\":\"%s\"}", "stems full", 75 },
    { "/sonic/wav", "{\"clip_id\":\"%s\"}", "wav", 2 },
    { "/sonic/midi", "{\"clip_id\":\"%s\"}", "midi", 1 },
    { "/sonic/lyrics", "{\"description\":\"rain %.4s\"}", "lyrics", 0 },
  };
  const char *clip = sbx_clip_str(*song, 0, "clip_id");
  const char *url = sbx_clip_str(*song, 0, "audio_url");
  char *b;
  size_t i;
  SbxJson *ext, *j;
  for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
    b = clip_body(ops[i].fmt, clip);
    sbx_json_free(priced(s, t, ops[i].path, b, ops[i].price, ops[i].what));
    free(b);
  }
  b = clip_body("{\"name\":\"Singer\",\"clip_id\":\"%s\"}", clip);
  j = priced(s, t, "/sonic/persona", b, 1, "persona");
  free(b);
  b = clip_body("{\"task_type\":\"persona_music\",\"persona_id\":\"%s\","
                "\"custom_mode\":true,\"mv\":\"sonic-v5\",\"prompt\":\"la\"}",
                sbx_jstr(sbx_jfield(j, "persona_id")) ?
                sbx_jstr(sbx_jfield(j, "persona_id")) : "none");
  sbx_json_free(j);
  sbx_json_free(priced(s, t, "/sonic/create", b, 15, "persona_music"));
  free(b);
  b = clip_body("{\"task_type\":\"extend_music\",\"continue_clip_id\":\"%s\","
                "\"continue_at\":1,\"mv\":\"sonic-v5\"}", clip);
  ext = priced_task(s, t, "/sonic/create", b, 15, "extend_music");
  free(b);
  b = clip_body("{\"task_type\":\"concat_music\",\"continue_clip_id\":"
                "\"%s\"}", sbx_clip_str(ext, 0, "clip_id") ?
                sbx_clip_str(ext, 0, "clip_id") : "none");
  sbx_json_free(priced(s, t, "/sonic/create", b, 2, "concat_music"));
  free(b);
  sbx_json_free(ext);
  b = clip_body("{\"url\":\"%s\"}", url ? url : "none");
  j = priced(s, t, "/sonic/upload", b, 2, "upload");
  free(b);
  if (sbx_jstr(sbx_jfield(j, "clip_id")) != NULL) {
    const char *up = sbx_jstr(sbx_jfield(j, "clip_id"));
    b = clip_body("{\"task_type\":\"extend_upload_music\",\"continue_clip_id\""
                  ":\"%s\",\"continue_at\":1,\"mv\":\"sonic-v5\"}", up);
    sbx_json_free(priced(s, t, "/sonic/create", b, 15,
                         "extend_upload_music"));
    free(b);
    b = clip_body("{\"task_type\":\"cover_upload_music\",\"continue_clip_id\""
                  ":\"%s\",\"mv\":\"sonic-v5\",\"tags\":\"jazz\"}", up);
    sbx_json_free(priced(s, t, "/sonic/create", b, 15,
                         "cover_upload_music"));
    free(b);
  }
  sbx_json_free(j);
}

/* Free calls: polling, get-credits. */
static void test_free_calls (SbxServer *s, const char *task_id) {
  long long before = sbx_total_credits(s);
  char url[200];
  SbxResp r;
  int i;
  snprintf(url, sizeof(url), SBX_API "/sonic/task/%s", task_id);
  for (i = 0; i < 5; i++) {
    sbx_get(s, url, &r);
    sbx_resp_free(&r);
    sbx_get(s, SBX_API "/get-credits", &r);
    sbx_resp_free(&r);
  }
  SBX_EQ_INT(sbx_total_credits(s), before, "polling and get-credits cost");
}

/* The debug ledger agrees with get-credits and with what we did. */
static void check_ledger (SbxServer *s, const Tally *t) {
  SbxJson *l = sbx_ledger(s);
  long long c = -1, e = -1;
  SbxJson *ca = sbx_jfield(l, "creates_accepted");
  if (!SBX_CHECK(l != NULL, "GET /_sandbox/ledger should answer 200 JSON"))
    return;
  sbx_credits(s, &c, &e);
  SBX_CHECK(sbx_jtype(sbx_jfield(l, "credits")) == SBX_JNUM &&
            sbx_jfield(l, "credits")->num == c,
            "ledger credits should equal get-credits (%lld)", c);
  SBX_CHECK(sbx_jtype(sbx_jfield(l, "extra_credits")) == SBX_JNUM &&
            sbx_jfield(l, "extra_credits")->num == e,
            "ledger extra_credits should equal get-credits (%lld)", e);
  SBX_CHECK(sbx_jtype(ca) == SBX_JNUM && ca->num == t->creates,
            "ledger creates_accepted %g, want %d", sbx_jnum(ca), t->creates);
  SBX_CHECK(sbx_jtype(sbx_jfield(l, "charges")) == SBX_JARR &&
            sbx_jlen(sbx_jfield(l, "charges")) >= (size_t)t->paid,
            "ledger charges: array of >= %d entries, got %s of %zu",
            t->paid, sbx_jtype_name(sbx_jfield(l, "charges")),
            sbx_jlen(sbx_jfield(l, "charges")));
  SBX_CHECK(sbx_jtype(sbx_jfield(l, "downloads")) == SBX_JOBJ,
            "ledger downloads should be an object");
  sbx_json_free(l);
}

static long long download_count (SbxServer *s, const char *clip) {
  SbxJson *l = sbx_ledger(s), *n;
  long long v;
  n = sbx_jfield(sbx_jfield(l, "downloads"), clip);
  v = sbx_jtype(n) == SBX_JNUM ? (long long)n->num : 0;
  sbx_json_free(l);
  return v;
}

static void test_downloads (SbxServer *s, SbxJson *song) {
  const char *clip = sbx_clip_str(song, 0, "clip_id");
  const char *url = sbx_clip_str(song, 0, "audio_url");
  long long before = download_count(s, clip);
  SbxResp r;
  int i;
  for (i = 0; i < 2; i++) {
    sbx_fetch(s, url, &r);
    SBX_EQ_INT(r.status, 200, "audio download");
    sbx_resp_free(&r);
  }
  SBX_EQ_INT(download_count(s, clip) - before, 2,
             "ledger downloads[clip] after 2 downloads");
}

static void test_main_ledger (void) {
  SbxServer s;
  Tally t = {0, 0};
  SbxJson *song, *a;
  char *body = sbx_song_body("ledger song", "pop");
  sbx_case("prices, extra spent first, ledger endpoint");
  if (sbx_start(&s, "--speed 500 --clip-seconds 3 --credits 1000 "
                "--extra-credits 20") != 0) {
    free(body);
    return;
  }
  test_credits_shape(&s);
  a = priced(&s, &t, "/sonic/create", body, 15, "create_music");
  expect_split(&s, 1000, 5, "after one create (extra spent first)");
  sbx_json_free(priced(&s, &t, "/sonic/create", body, 15, "create_music"));
  expect_split(&s, 990, 0, "after two creates (5 extra + 10)");
  song = sbx_wait(&s, sbx_jstr(sbx_jfield(a, "task_id")) ?
                  sbx_jstr(sbx_jfield(a, "task_id")) : "x", 20.0);
  if (SBX_CHECK(song != NULL, "first song finished")) {
    test_free_calls(&s, sbx_jstr(sbx_jfield(a, "task_id")));
    test_prices(&s, &t, &song);
    test_downloads(&s, song);
    check_ledger(&s, &t);
  }
  sbx_json_free(song);
  sbx_json_free(a);
  free(body);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

/* A paid call that must be refused with 403 and cost nothing. */
static void refused (SbxServer *s, const char *path, const char *body,
                     const char *what) {
  long long before = sbx_total_credits(s);
  SbxResp r;
  char url[128];
  snprintf(url, sizeof(url), SBX_API "%s", path);
  sbx_post(s, url, body, &r);
  sbx_expect_error(s, &r, 403, NOCREDITS, what);
  sbx_resp_free(&r);
  SBX_EQ_INT(sbx_total_credits(s), before, "credits after a 403");
}

static void test_insufficient (void) {
  SbxServer s;
  Tally t = {0, 0};
  SbxJson *a, *song;
  char *body = sbx_song_body("short of credits", NULL), *b;
  long long acc = -1;
  const char *clip;
  sbx_case("403 when short, exactly enough is enough");
  if (sbx_start(&s, "--speed 500 --clip-seconds 3 --credits 20 "
                "--extra-credits 0") != 0) {
    free(body);
    return;
  }
  a = priced(&s, &t, "/sonic/create", body, 15, "create with 20");
  refused(&s, "/sonic/create", body, "create with 5 left");
  song = sbx_wait(&s, sbx_jstr(sbx_jfield(a, "task_id")) ?
                  sbx_jstr(sbx_jfield(a, "task_id")) : "x", 20.0);
  clip = sbx_clip_str(song, 0, "clip_id");
  if (SBX_CHECK(clip != NULL, "song finished")) {
    b = clip_body("{\"clip_id\":\"%s\"}", clip);
    refused(&s, "/sonic/stems/full", b, "stems full with 5");
    refused(&s, "/sonic/stems/basic", b, "stems basic with 5");
    sbx_json_free(priced(&s, &t, "/sonic/wav", b, 2, "wav with 5"));
    sbx_json_free(priced(&s, &t, "/sonic/midi", b, 1, "midi with 3"));
    sbx_json_free(priced(&s, &t, "/sonic/wav", b, 2, "wav with 2"));
    refused(&s, "/sonic/wav", b, "wav with 0");
    refused(&s, "/sonic/midi", b, "midi with 0");
    free(b);
    b = clip_body("{\"url\":\"%s\"}", sbx_clip_str(song, 0, "audio_url"));
    refused(&s, "/sonic/upload", b, "upload with 0");
    free(b);
    sbx_json_free(priced(&s, &t, "/sonic/lyrics", "{\"description\":"
                         "\"free\"}", 0, "lyrics with 0 credits"));
  }
  SBX_CHECK(sbx_ledger_int(&s, "creates_accepted", &acc) == 0 && acc == 1,
            "creates_accepted %lld, want 1", acc);
  sbx_json_free(song);
  sbx_json_free(a);
  free(body);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

static void test_split (void) {
  SbxServer s;
  Tally t = {0, 0};
  char *body = sbx_song_body("split", NULL);
  sbx_case("price larger than extra_credits: rest from credits");
  if (sbx_start(&s, "--credits 10 --extra-credits 10") == 0) {
    sbx_json_free(priced(&s, &t, "/sonic/create", body, 15, "create"));
    expect_split(&s, 5, 0, "10+10 minus 15, extra first");
    refused(&s, "/sonic/create", body, "create with 5");
    SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
  }
  free(body);
}

static void check_failed_clips (SbxJson *done) {
  size_t i;
  SBX_CHECK(sbx_jlen(sbx_clips(done)) == 2, "failed task still has 2 "
            "clips, got %zu", sbx_jlen(sbx_clips(done)));
  for (i = 0; i < sbx_jlen(sbx_clips(done)); i++) {
    const char *em = sbx_clip_str(done, i, "error_message");
    SBX_EQ_STR(sbx_clip_str(done, i, "state"), "failed", "clip state");
    SBX_CHECK(em != NULL && em[0] != '\0', "failed clip %zu should carry "
              "an error_message", i);
  }
}

static void test_refund (void) {
  SbxServer s;
  char id[64], url[128];
  char *body = sbx_song_body("doomed", NULL);
  long long total;
  SbxJson *done;
  SbxResp r;
  sbx_case("--fail-rate 1: task failed, credits refunded");
  if (sbx_start(&s, "--speed 50 --clip-seconds 3 --credits 100 "
                "--extra-credits 0 --fail-rate 1") != 0) {
    free(body);
    return;
  }
  SBX_EQ_INT(sbx_submit(&s, "/sonic/create", body, id, sizeof(id)), 200,
             "create is accepted even when it will fail");
  total = sbx_total_credits(&s);
  snprintf(url, sizeof(url), SBX_API "/sonic/task/%s", id);
  sbx_get(&s, url, &r);
  if (sbx_jtype(sbx_jfield(r.json, "data")) != SBX_JARR ||
      strcmp(sbx_clip_str(r.json, 0, "state") ?
             sbx_clip_str(r.json, 0, "state") : "", "failed") != 0)
    SBX_EQ_INT(total, 85, "charged at acceptance, before the failure");
  sbx_resp_free(&r);
  done = sbx_wait(&s, id, 20.0);
  if (SBX_CHECK(done != NULL, "failed task reaches a terminal state"))
    check_failed_clips(done);
  SBX_EQ_INT(sbx_total_credits(&s), 100, "credits after the refund");
  {
    long long lc = -1;
    sbx_ledger_int(&s, "credits", &lc);
    SBX_EQ_INT(lc, 100, "ledger credits after the refund");
  }
  sbx_json_free(done);
  free(body);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

/* Count tasks by outcome: all clips failed, all succeeded, mixed. */
static void outcome (SbxJson *done, int *failed, int *ok, int *mixed) {
  size_t i, nf = 0, n = sbx_jlen(sbx_clips(done));
  for (i = 0; i < n; i++)
    nf += strcmp(sbx_clip_str(done, i, "state") ?
                 sbx_clip_str(done, i, "state") : "", "failed") == 0;
  if (n > 0 && nf == n)
    (*failed)++;
  else if (nf == 0)
    (*ok)++;
  else
    (*mixed)++;
}

static void test_partial_failures (void) {
  enum { N = 20 };
  SbxServer s;
  char ids[N][64];
  char *body = sbx_song_body("maybe", NULL);
  int i, failed = 0, ok = 0, mixed = 0;
  long long charged;
  sbx_case("--fail-rate 0.5: about half fail, exactly those refunded");
  if (sbx_start(&s, "--speed 500 --clip-seconds 3 --credits 1000 "
                "--extra-credits 0 --fail-rate 0.5 --seed 7") != 0) {
    free(body);
    return;
  }
  for (i = 0; i < N; i++)
    sbx_submit(&s, "/sonic/create", body, ids[i], sizeof(ids[i]));
  for (i = 0; i < N; i++) {
    SbxJson *d = sbx_wait(&s, ids[i], 20.0);
    if (SBX_CHECK(d != NULL, "task %d finished", i))
      outcome(d, &failed, &ok, &mixed);
    sbx_json_free(d);
  }
  charged = 1000 - sbx_total_credits(&s);
  sbx_note("%d failed, %d succeeded, %d mixed; %lld credits kept", failed,
           ok, mixed, charged);
  SBX_CHECK(failed >= 3 && failed <= 17, "fail-rate 0.5 over %d tasks: %d "
            "failed", N, failed);
  SBX_CHECK(charged >= 15LL * ok && charged <= 15LL * (ok + mixed),
            "credits kept %lld: want 15 per task that did not fail "
            "(%d ok, %d mixed)", charged, ok, mixed);
  free(body);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code");
}

int main (int argc, char **argv) {
  sbx_init(argc, argv);
  test_main_ledger();
  test_insufficient();
  test_split();
  test_refund();
  test_partial_failures();
  return sbx_finish();
}
