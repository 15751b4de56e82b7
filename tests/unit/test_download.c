/*
** test_download.c -- the rules for files (runtime/download.c), driven
** without a network: each transfer's bytes are written into the .part by
** hand, as libcurl's write callback would. What a user relies on: a file
** appears complete and checked or not at all; a verified file is kept on
** a second download; one clip never replaces another's file; a body that
** is not audio, too short or too long leaves nothing behind.
*/
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "download.h"
#include "journal.h"
#include "loop.h"

static char dir[] = "/tmp/sf-test-download-XXXXXX";
static const char mp3[] = "ID3\x04\0\0\0\0\0\0 some frames of audio";

static int exists (const char *fmt, const char *name) {
  char path[512];
  struct stat st;
  snprintf(path, sizeof(path), fmt, dir, name);
  return stat(path, &st) == 0;
}

/* The transfer of 'd' ends with 'status' and 'body' (Content-Length
** 'length', -1 none). */
static void transfer (SfDownload *d, long status, const char *body,
                      size_t n, long long length) {
  SfRequest *r = &d->req;
  r->status = status;
  r->content_length = length;
  if (write(d->fd, body, n) != (ssize_t)n)
    CHECK(0);
  r->written = (long long)n;
  sf_xxh64_update(&r->xxh, body, n);
}

static SfCallNext named (SfRuntime *rt, SfDownload *d, const char *id,
                         const char *source) {
  CHECK(sf_download_describe(d, "http://127.0.0.1:9/a.mp3", source, NULL,
                             dir, "Same", id, "mp3") == 0);
  return sf_download_start(rt, d);
}

int main (void) {
  SfRuntime rt;
  SfDownload d;
  char err[256], path[512];
  SfRunInfo run;
  memset(&rt, 0, sizeof(rt));
  memset(&run, 0, sizeof(run));
  if (mkdtemp(dir) == NULL)
    return 1;
  CHECK(sf_loop_init(&rt, 8) == 0);
  snprintf(path, sizeof(path), "%s/journal.db", dir);
  CHECK(sf_journal_open(&rt.journal, path, err, sizeof(err)) == 0);
  CHECK(sf_journal_run_begin(rt.journal, &run) == 0);
  snprintf(rt.run_id, sizeof(rt.run_id), "%s", run.id);

  /* a complete audio file: renamed, recorded, no .part left */
  CHECK(named(&rt, &d, "aaaaaaaa-1111", "clip-1/audio") == SF_NEXT_WAIT);
  CHECK(strstr(d.dest_path, "/Same-aaaaaaaa.mp3") != NULL);
  transfer(&d, 200, mp3, sizeof(mp3), sizeof(mp3));
  CHECK(sf_download_finish(&rt, &d) == SF_NEXT_DONE);
  CHECK(d.kind == SF_KIND_NONE && d.bytes == (long long)sizeof(mp3));
  CHECK(strcmp(d.type, "mp3") == 0);
  CHECK(exists("%s/%s", "Same-aaaaaaaa.mp3"));
  CHECK(!exists("%s/%s", "Same-aaaaaaaa.mp3.part"));
  sf_download_release(&d);

  /* the same clip again: kept, verified by its checksum, not fetched */
  CHECK(named(&rt, &d, "aaaaaaaa-1111", "clip-1/audio") == SF_NEXT_DONE);
  CHECK(d.kind == SF_KIND_NONE && d.kept == 1);
  CHECK(sf_http_busy(&rt.http) == 0);
  sf_download_release(&d);

  /* another clip whose id starts alike: its own, longer name */
  CHECK(named(&rt, &d, "aaaaaaaa-2222", "clip-2/audio") == SF_NEXT_WAIT);
  CHECK(strstr(d.dest_path, "/Same-aaaaaaaa-222.mp3") != NULL);
  transfer(&d, 200, mp3, sizeof(mp3), -1);
  CHECK(sf_download_finish(&rt, &d) == SF_NEXT_DONE && d.kind == 0);
  sf_download_release(&d);
  CHECK(exists("%s/%s", "Same-aaaaaaaa.mp3"));   /* both files kept */
  CHECK(exists("%s/%s", "Same-aaaaaaaa-222.mp3"));

  /* a file nobody recorded (the user's own) is never replaced */
  snprintf(path, sizeof(path), "%s/Same-bbbbbbbb.mp3", dir);
  close(open(path, O_WRONLY | O_CREAT, 0644));
  CHECK(named(&rt, &d, "bbbbbbbb-3333", "clip-3/audio") == SF_NEXT_WAIT);
  CHECK(strstr(d.dest_path, "/Same-bbbbbbbb-333.mp3") != NULL);
  sf_download_release(&d);                       /* never finished */
  CHECK(!exists("%s/%s", "Same-bbbbbbbb-333.mp3.part"));

  /* not audio: an error naming what came, and no file */
  CHECK(named(&rt, &d, "cccccccc", "clip-4/audio") == SF_NEXT_WAIT);
  transfer(&d, 200, "<html>hi</html>", 15, 15);
  CHECK(sf_download_finish(&rt, &d) == SF_NEXT_DONE);
  CHECK(d.kind == SF_KIND_SERVER && strstr(d.message, "not audio"));
  CHECK(!exists("%s/%s", "Same-cccccccc.mp3"));
  CHECK(!exists("%s/%s", "Same-cccccccc.mp3.part"));
  sf_download_release(&d);

  /* too short: retried, resuming from what came when the server named
  ** its version; at the last try, nothing is left */
  CHECK(named(&rt, &d, "dddddddd", "clip-5/audio") == SF_NEXT_WAIT);
  snprintf(d.req.etag, sizeof(d.req.etag), "\"v1\"");
  transfer(&d, 200, mp3, 10, sizeof(mp3));
  CHECK(sf_download_finish(&rt, &d) == SF_NEXT_SLEEP);
  CHECK(exists("%s/%s", "Same-dddddddd.mp3.part"));   /* kept to resume */
  CHECK(strcmp(d.validator, "\"v1\"") == 0);
  CHECK(sf_download_again(&rt, &d, NULL) == SF_NEXT_WAIT);
  CHECK(d.req.resume_from == 10);                      /* Range asked */
  rt.retry.attempts = d.attempt;                      /* the last try */
  transfer(&d, 206, mp3 + 10, 5, sizeof(mp3) - 10);
  snprintf(d.req.content_range, sizeof(d.req.content_range),
           "bytes 10-%zu/%zu", sizeof(mp3) - 1, sizeof(mp3));
  CHECK(sf_download_finish(&rt, &d) == SF_NEXT_DONE);
  CHECK(d.kind == SF_KIND_NETWORK && strstr(d.message, "range"));
  CHECK(!exists("%s/%s", "Same-dddddddd.mp3"));
  CHECK(!exists("%s/%s", "Same-dddddddd.mp3.part"));
  sf_download_release(&d);
  rt.retry.attempts = 6;

  /* an endless body stopped by the cap: a typed error, nothing left */
  CHECK(named(&rt, &d, "eeeeeeee", "clip-6/audio") == SF_NEXT_WAIT);
  transfer(&d, 200, mp3, sizeof(mp3), -1);
  d.req.fail = SF_FAIL_TOO_LARGE;
  CHECK(sf_download_finish(&rt, &d) == SF_NEXT_DONE);
  CHECK(d.kind == SF_KIND_SERVER && strstr(d.message, "--max-download-mb"));
  CHECK(!exists("%s/%s", "Same-eeeeeeee.mp3.part"));
  sf_download_release(&d);

  /* only http(s): a file:// URL is a bad request, not a bare string */
  CHECK(sf_download_describe(&d, "file:///etc/passwd", NULL, NULL, dir,
                             "x", "y", "mp3") == 0);
  CHECK(sf_download_start(&rt, &d) == SF_NEXT_DONE);
  CHECK(d.kind == SF_KIND_BAD_REQUEST);
  sf_download_release(&d);

  sf_journal_close(rt.journal);
  sf_loop_free(&rt);
  snprintf(path, sizeof(path), "rm -rf %s", dir);
  if (system(path) != 0)
    return 1;
  return CHECK_DONE();
}
