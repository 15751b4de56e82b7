/*
** chaos_test.c -- issue 5's chaos test, scaled to a 2-core machine:
** >= 200 workflows x 3 steps against a sandbox with 5 % 5xx, 5 % 429,
** 1 % dropped connections, 1 % truncated downloads and 5 % failed tasks.
** Checks: every workflow ends succeeded or with an explicit error; the
** sandbox's count of accepted creates equals the client's (answered ones
** plus those whose connection dropped after acceptance); every file the
** client kept is byte for byte the sandbox's audio.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "../crash/run_child.h"
#include "sbx_harness.h"

#define WORKFLOWS 200

/* The sandbox's bytes of 'clip': fetched until a complete answer comes
** (truncation is one of the injected faults). */
static int sandbox_bytes (SbxServer *s, const char *clip, SbxResp *r) {
  char path[256];
  int i;
  snprintf(path, sizeof(path), "/files/%s.mp3", clip);
  for (i = 0; i < 20; i++) {
    SbxReq q;
    memset(&q, 0, sizeof(q));
    q.url = path;
    q.auth = SBX_NOAUTH;
    sbx_http(s, &q, r);
    if (r->cc == CURLE_OK && r->status == 200)
      return 0;
    sbx_resp_free(r);
  }
  return -1;
}

/* Compare the file at 'path' with 'want'. */
static int same_file (const char *path, const SbxResp *want) {
  FILE *f = fopen(path, "rb");
  char *buf;
  size_t n;
  int same;
  if (f == NULL)
    return 0;
  buf = malloc(want->len + 1);
  n = fread(buf, 1, want->len + 1, f);
  fclose(f);
  same = n == want->len && memcmp(buf, want->body, n) == 0;
  free(buf);
  return same;
}

int main (int argc, char **argv) {
  SbxServer s;
  ChildResult r;
  char dir[] = "/tmp/sf_chaos_XXXXXX", script[512], nbuf[16], out[600];
  char *line;
  SbxJson *sum;
  SbxResp led;
  char err[256];
  size_t i;
  int accepted, answered, files_ok = 0;
  sbx_init(argc, argv);
  sbx_case("200 workflows through faults");
  if (mkdtemp(dir) == NULL)
    return 1;
  snprintf(script, sizeof(script), "%s/chaos.lua", argv[2]);
  snprintf(out, sizeof(out), "%s/out", dir);
  mkdir(out, 0755);
  if (sbx_start(&s, "--speed 1000 --clip-seconds 2 --quiet --seed 7 "
                "--fail-rate 0.05 --faults 500=0.025,504=0.025,429=0.05,"
                "drop=0.01,truncate=0.01") != 0)
    return sbx_finish();
  snprintf(nbuf, sizeof(nbuf), "%d", WORKFLOWS);
  {
    char *args[] = {(char *)argv[1], "run", "-q", "--no-journal",
                    "--base-url", s.base, script, nbuf, out, NULL};
    char *env[] = {NULL};
    run_child(dir, env, args, 300, &r);
  }
  /* the script leaves its summary in summary.json in its directory */
  SBX_CHECK(r.exited && r.code == 0, "the chaos script completed (code %d) "
            "%s", r.code, r.err);
  snprintf(script, sizeof(script), "%s/summary.json", dir);
  {
    FILE *f = fopen(script, "r");
    static char text[1 << 20];
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    if (f)
      fclose(f);
    text[n] = '\0';
    line = strstr(text, "CHAOS ");
    sum = line ? sbx_json_parse(line + 6, strlen(line + 6), err,
                                sizeof(err)) : NULL;
  }
  SBX_CHECK(sum != NULL, "a summary line came");
  if (sum == NULL) {
    sbx_stop(&s);
    return sbx_finish();
  }
  answered = (int)sbx_jnum(sbx_jget(sum, "ok")) +
             (int)sbx_jnum(sbx_jget(sum, "errors.task_failed"));
  SBX_EQ_INT((int)sbx_jnum(sbx_jget(sum, "ok")) +
             (int)sbx_jnum(sbx_jget(sum, "explicit")), WORKFLOWS,
             "every workflow ended succeeded or with an explicit error");
  sbx_note("succeeded %d; explicit errors %d (task_failed %d, server %d, "
           "network %d, rate_limited %d, timeout %d)",
           (int)sbx_jnum(sbx_jget(sum, "ok")),
           (int)sbx_jnum(sbx_jget(sum, "explicit")),
           (int)sbx_jnum(sbx_jget(sum, "errors.task_failed")),
           (int)sbx_jnum(sbx_jget(sum, "errors.server")),
           (int)sbx_jnum(sbx_jget(sum, "errors.network")),
           (int)sbx_jnum(sbx_jget(sum, "errors.rate_limited")),
           (int)sbx_jnum(sbx_jget(sum, "errors.timeout")));
  sbx_note("retries made by the client: %d",
           (int)sbx_jnum(sbx_jget(sum, "retries")));
  sbx_get(&s, "/_sandbox/ledger", &led);
  accepted = led.json ? (int)sbx_jnum(sbx_jget(led.json, "creates_accepted"))
                      : -1;
  sbx_resp_free(&led);
  /* accepted by the sandbox = the client's accepted creates: those that
  ** returned a task (finished or failed later) and those whose answer was
  ** lost to a dropped connection after acceptance */
  sbx_note("creates accepted by the sandbox %d; by the client %d answered "
           "+ %d lost after sending", accepted, answered,
           (int)sbx_jnum(sbx_jget(sum, "unknown_network")));
  SBX_CHECK(accepted >= answered && accepted <= answered +
            (int)sbx_jnum(sbx_jget(sum, "unknown_network")),
            "sandbox accepted %d creates; client saw %d accepted and %d "
            "unknown", accepted, answered,
            (int)sbx_jnum(sbx_jget(sum, "unknown_network")));
  for (i = 0; i < sbx_jlen(sbx_jget(sum, "files")); i++) {
    const SbxJson *f = sbx_jat(sbx_jget(sum, "files"), i);
    SbxResp want;
    if (sandbox_bytes(&s, sbx_jstr(sbx_jget(f, "clip_id")), &want) != 0)
      continue;
    char path[900];
    snprintf(path, sizeof(path), "%s/%s", dir, sbx_jstr(sbx_jget(f, "path")));
    if (same_file(sbx_jstr(sbx_jget(f, "path"))[0] == '/' ?
                  sbx_jstr(sbx_jget(f, "path")) : path, &want))
      files_ok++;
    sbx_resp_free(&want);
  }
  SBX_EQ_INT(files_ok, (int)sbx_jlen(sbx_jget(sum, "files")),
             "downloaded files identical to the sandbox's audio");
  sbx_note("files verified: %d", files_ok);
  sbx_json_free(sum);
  sbx_stop(&s);
  return sbx_finish();
}
