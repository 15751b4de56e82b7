/*
** once_test.c -- a create is never sent twice. The sandbox reads the
** create, charges it, then closes the connection without an answer; the
** client must report "outcome unknown" and the ledger must hold exactly
** one accepted create (libcurl would silently resend a POST on a reused
** connection that died; sonicflow sends creates on a fresh one and never
** retries once the request may have been accepted).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../crash/run_child.h"
#include "sbx_harness.h"

int main (int argc, char **argv) {
  SbxServer s;
  ChildResult r;
  SbxResp led;
  char script[512], dir[] = "/tmp/sf_once_XXXXXX";
  sbx_init(argc, argv);
  sbx_case("a dropped create reaches the ledger once");
  if (mkdtemp(dir) == NULL ||
      sbx_start(&s, "--speed 1000 --clip-seconds 2 --quiet "
                "--faults drop=1") != 0)
    return sbx_finish();
  snprintf(script, sizeof(script), "%s/once.lua", argv[2]);
  {
    char *args[] = {(char *)argv[1], "run", "-v", "--no-journal",
                    "--base-url", s.base, script, NULL};
    char *env[] = {NULL};
    run_child(dir, env, args, 60, &r);
  }
  SBX_CHECK(r.exited && r.code == 0, "the script ran (code %d) %s", r.code,
            r.err);
  SBX_CHECK(strstr(r.err, "create") != NULL, "a create was made");
  sbx_get(&s, "/_sandbox/ledger", &led);
  SBX_EQ_INT(led.json ? (int)sbx_jnum(sbx_jget(led.json,
             "creates_accepted")) : -1, 1, "creates accepted by the sandbox");
  SBX_EQ_INT(led.json ? (int)sbx_jlen(sbx_jget(led.json, "charges")) : -1,
             1, "charges");
  sbx_resp_free(&led);
  sbx_stop(&s);
  return sbx_finish();
}
