/*
** crash_matrix.c -- kill -9 a real run at each journal point, resume it,
** and check against the sandbox's own ledger (issue 4's crash matrix):
** exactly one charge per step, and no verified file fetched twice.
**
** The workflow makes three paid steps (create, cover, extend), each
** followed by a wait and a download, against `sonicflow sandbox --state`.
*/
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "run_child.h"
#include "sbx_harness.h"

static const char workflow[] =
  "sonic.config{poll_interval = 0.05, retry_base = 0.05}\n"
  "local out = arg[1]\n"
  "local song = sonic.wait(sonic.create{gpt_description_prompt ="
  " 'crash test song'})\n"
  "sonic.download(song[1], out .. '/')\n"
  "local cov = sonic.wait(sonic.cover(song[1], 'lo-fi'))\n"
  "sonic.download(cov[1], out .. '/')\n"
  "local ext = sonic.wait(sonic.extend(cov[1], {continue_at = 2}))\n"
  "sonic.download(ext[1], out .. '/')\n"
  "print('workflow done')\n";

typedef struct Point {
  const char *crash;      /* SONICFLOW_CRASH_AT */
  int unknown;            /* resume stops on an unknown step */
  int sent;               /* the unknown step did reach the service */
  int partial_get;        /* one clip has an extra, unverified GET */
} Point;

static const Point points[] = {
  {"before_intent:2", 0, 0, 0},
  {"after_intent:2", 1, 0, 0},
  {"after_send:2", 1, 1, 0},
  {"during_poll:3", 0, 0, 0},
  {"during_download:2", 0, 0, 1},
  {"after_rename:2", 0, 0, 0},
};

static const char *bin;


/* Count the final files and the leftover .part files in 'dir'. */
static void count_files (const char *dir, int *finals, int *parts) {
  DIR *d = opendir(dir);
  struct dirent *e;
  *finals = *parts = 0;
  while (d != NULL && (e = readdir(d)) != NULL) {
    size_t n = strlen(e->d_name);
    if (e->d_name[0] == '.')
      continue;
    if (n > 5 && strcmp(e->d_name + n - 5, ".part") == 0)
      (*parts)++;
    else
      (*finals)++;
  }
  if (d != NULL)
    closedir(d);
}

/* Check the ledger: 'charges' charges, 'clips' clips downloaded, each
** once (one of them twice when 'partial_get'). */
static void check_ledger (SbxServer *s, int charges, int clips,
                          int partial_get) {
  SbxResp r;
  const SbxJson *dl;
  size_t i;
  int twice = 0, over = 0;
  sbx_get(s, "/_sandbox/ledger", &r);
  SBX_CHECK(r.json != NULL, "ledger is JSON");
  if (r.json == NULL) {
    sbx_resp_free(&r);
    return;
  }
  SBX_EQ_INT(sbx_jlen(sbx_jget(r.json, "charges")), charges,
             "charges in the sandbox ledger");
  dl = sbx_jget(r.json, "downloads");
  for (i = 0; i < sbx_jlen(dl); i++) {
    int n = (int)sbx_jnum(dl->items[i]);     /* {clip_id: count} */
    if (n == 2)
      twice++;
    else if (n != 1)
      over++;
  }
  SBX_EQ_INT(sbx_jlen(dl), clips, "clips downloaded");
  SBX_EQ_INT(over, 0, "clips fetched more than twice");
  SBX_EQ_INT(twice, partial_get, "clips fetched twice (only an "
             "interrupted, unverified download may be)");
  sbx_resp_free(&r);
}

static void run_point (const char *src, const Point *p) {
  static const char *run[] = {"run", "-q", "workflow.lua", "out", NULL};
  static const char *resume[] = {"resume", "-q", NULL};
  static const char *resend[] = {"resume", "-q", "--resend-unknown", NULL};
  char dir[] = "/tmp/sf_crash_XXXXXX", path[512], opts[700];
  SbxServer s;
  ChildResult r;
  int finals, parts;
  (void)src;
  sbx_case(p->crash);
  if (mkdtemp(dir) == NULL)
    return;
  snprintf(path, sizeof(path), "%s/workflow.lua", dir);
  write_file(path, workflow);
  snprintf(path, sizeof(path), "%s/out", dir);
  mkdir(path, 0755);
  snprintf(opts, sizeof(opts), "--speed 500 --clip-seconds 3 --quiet "
           "--state %s/sandbox.db", dir);
  if (sbx_start(&s, opts) != 0)
    return;
  run_sonicflow(bin, dir, s.base, p->crash, run, &r);
  SBX_CHECK(!r.exited && r.code == SIGKILL, "run was killed at %s "
            "(exited=%d code=%d) %s", p->crash, r.exited, r.code, r.err);
  run_sonicflow(bin, dir, s.base, NULL, resume, &r);
  if (p->unknown) {
    SBX_CHECK(r.exited && r.code == 1, "resume stops on the unknown step "
              "(code %d)", r.code);
    SBX_CHECK(strstr(r.err, "may have been accepted and charged") != NULL,
              "the error says the step may have been charged: %s", r.err);
    /* nothing re-sent automatically: one charge per step that left */
    check_ledger(&s, p->sent ? 2 : 1, 1, 0);
    if (!p->sent) {         /* it never left: the user resends it */
      run_sonicflow(bin, dir, s.base, NULL, resend, &r);
      SBX_CHECK(r.exited && r.code == 0, "resume --resend-unknown "
                "finishes (code %d) %s", r.code, r.err);
      check_ledger(&s, 3, 3, 0);
    }
  } else {
    SBX_CHECK(r.exited && r.code == 0, "resume finishes (code %d) %s",
              r.code, r.err);
    check_ledger(&s, 3, 3, p->partial_get);
  }
  count_files(path, &finals, &parts);
  SBX_EQ_INT(parts, 0, "no .part file left");
  if (!p->sent)
    SBX_EQ_INT(finals, 3, "final files");
  sbx_stop(&s);
}

int main (int argc, char **argv) {
  size_t i;
  sbx_init(argc, argv);
  bin = argv[1];
  for (i = 0; i < sizeof(points) / sizeof(points[0]); i++)
    run_point(argv[2], &points[i]);
  return sbx_finish();
}
