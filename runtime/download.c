/*
** download.c -- audio files to disk, complete or not at all (download.h).
*/
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "checksum.h"
#include "crash.h"
#include "download.h"
#include "headers.h"
#include "journal.h"
#include "log.h"
#include "progress.h"
#include "retry.h"

#define ERROR_BODY_LIMIT (64u << 10) /* what we keep of an error page */

static SfCallNext done (SfDownload *d, SfKind kind, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));

static SfCallNext done (SfDownload *d, SfKind kind, const char *fmt, ...) {
  va_list ap;
  d->kind = kind;
  va_start(ap, fmt);
  vsnprintf(d->message, sizeof(d->message), fmt, ap);
  va_end(ap);
  return SF_NEXT_DONE;
}

static int dup_or_null (char **dst, const char *s) {
  *dst = s ? strdup(s) : NULL;
  return s && *dst == NULL ? -1 : 0;
}

int sf_download_describe (SfDownload *d, const char *url, const char *source,
                          const char *dest, const char *dir,
                          const char *base, const char *id, const char *ext) {
  memset(d, 0, sizeof(*d));
  d->fd = -1;
  return dup_or_null(&d->url, url) | dup_or_null(&d->source, source) |
         dup_or_null(&d->dest, dest) | dup_or_null(&d->dir, dir) |
         dup_or_null(&d->base, base) | dup_or_null(&d->id, id) |
         dup_or_null(&d->ext, ext);
}

const char *sf_sniff_audio (int fd) {
  unsigned char b[12];
  ssize_t n = pread(fd, b, sizeof(b), 0);
  if (n >= 3 && memcmp(b, "ID3", 3) == 0)
    return "mp3";
  if (n >= 2 && b[0] == 0xFF && (b[1] & 0xE0) == 0xE0)
    return "mp3";
  if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WAVE", 4) == 0)
    return "wav";
  if (n >= 4 && memcmp(b, "fLaC", 4) == 0)
    return "flac";
  if (n >= 4 && memcmp(b, "OggS", 4) == 0)
    return "ogg";
  if (n >= 8 && memcmp(b + 4, "ftyp", 4) == 0)
    return "mp4";
  return NULL;
}

/* ------------------------------------------------------------- files */

/* fsync the directory holding 'path', so the rename itself is durable. */
static void sync_parent_dir (const char *path) {
  char *copy = strdup(path);
  int dfd;
  if (copy == NULL)
    return;
  dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    fsync(dfd);
    close(dfd);
  }
  free(copy);
}

/* Does the file at 'path' hold 'bytes' bytes with checksum 'sum'? */
static int file_matches (const char *path, long long bytes, const char *sum) {
  uint64_t h;
  long long n;
  char got[40];
  if (sf_xxh64_file(path, &h, &n) != 0 || n != bytes)
    return 0;
  sf_xxh64_format(h, got);
  return strcmp(got, sum) == 0;
}

/* Are this download's files recorded in the journal (and so hashed)? */
static int journaled (const SfRuntime *rt, const SfDownload *d) {
  return rt->journal != NULL && d->source != NULL;
}

/* A verified download of this run at 'path', still intact? */
static int recorded (SfRuntime *rt, SfDownload *d, const char *path) {
  long long bytes;
  char sum[40];
  if (!journaled(rt, d) ||
      sf_journal_download_get(rt->journal, rt->run_id, d->source, path,
                              &bytes, sum) != 1 ||
      !file_matches(path, bytes, sum))
    return 0;
  d->bytes = bytes;
  return 1;
}

/* Record a complete audio file at d->dest_path in the journal. */
static void record (SfRuntime *rt, SfDownload *d, uint64_t sum_value) {
  char sum[40];
  if (!journaled(rt, d))
    return;
  sf_xxh64_format(sum_value, sum);
  sf_journal_download_put(rt->journal, rt->run_id, d->source, d->dest_path,
                          d->bytes, sum);
}

static int set_dest (SfDownload *d, const char *path) {
  free(d->dest_path);
  free(d->part_path);
  d->dest_path = strdup(path);
  d->part_path = malloc(strlen(path) + 6);
  if (d->dest_path == NULL || d->part_path == NULL)
    return -1;
  sprintf(d->part_path, "%s.part", path);
  return 0;
}

/*
** Choose the name of a named download: "<base>-<8 chars of the id>", and
** more of the id while the name belongs to another clip. Returns 1 when
** the file there is ours already (verified, d->kept set), 0 to fetch
** into d->dest_path, -1 out of memory.
*/
static int choose_name (SfRuntime *rt, SfDownload *d, int *adopt) {
  size_t idlen = strlen(d->id);
  char path[4096], owner[512];
  struct stat st;
  *adopt = 0;
  if (d->take == 0)
    d->take = idlen < 8 ? idlen : 8;
  for (;;) {
    int owned, mine, exists;
    if (d->suffix)                   /* the whole id was taken already */
      snprintf(path, sizeof(path), "%s/%s-%s-%d.%s", d->dir, d->base, d->id,
               d->suffix, d->ext);
    else
      snprintf(path, sizeof(path), "%s/%s-%.*s.%s", d->dir, d->base,
               (int)d->take, d->id, d->ext);
    if (recorded(rt, d, path)) {
      d->kept = 1;
      return set_dest(d, path) ? -1 : 1;
    }
    owned = rt->journal != NULL &&
            sf_journal_download_owner(rt->journal, path, owner,
                                      sizeof(owner)) == 1;
    mine = owned && d->source && strcmp(owner, d->source) == 0;
    exists = stat(path, &st) == 0;
    /* free, or our own clip's file from an earlier run: write it there */
    if (!exists ? !owned || mine : mine)
      return set_dest(d, path) ? -1 : 0;
    /* a file nobody recorded: after a crash it may be ours, complete but
    ** not yet journaled (a HEAD tells); otherwise it is left alone */
    if (exists && !owned && rt->resuming && !d->no_adopt && st.st_size > 0) {
      *adopt = 1;
      return set_dest(d, path) ? -1 : 0;
    }
    d->no_adopt = 0;
    if (d->take < idlen)
      d->take = d->take + 4 < idlen ? d->take + 4 : idlen;
    else
      d->suffix++;
  }
}

/* A file that cannot be written: the disk (full, quota, failing) is `io`,
** something to free up and resume after; anything else (no such
** directory, no permission) is the script's `bad_request`. */
static SfKind write_kind (int e) {
  return e == ENOSPC || e == EDQUOT || e == EIO || e == EFBIG
           ? SF_KIND_IO : SF_KIND_BAD_REQUEST;
}

/* Open the .part: appended to when resuming from a validator (its bytes
** hashed again), else truncated. Returns the fd or -1. */
static int open_part (SfDownload *d) {
  SfRequest *r = &d->req;
  struct stat st;
  char range[64], line[300];
  unsigned char buf[65536];
  ssize_t n;
  sf_xxh64_init(&r->xxh);
  if (d->validator[0] && stat(d->part_path, &st) == 0 && st.st_size > 0) {
    int fd = open(d->part_path, O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
      while ((n = read(fd, buf, sizeof(buf))) > 0)   /* at the end now */
        sf_xxh64_update(&r->xxh, buf, (size_t)n);
      r->resume_from = (long long)st.st_size;
      snprintf(range, sizeof(range), "Range: bytes=%lld-", r->resume_from);
      snprintf(line, sizeof(line), "If-Range: %s", d->validator);
      if (sf_request_add_header(r, range) != 0 ||
          sf_request_add_header(r, line) != 0) {
        close(fd);
        errno = ENOMEM;
        return -1;
      }
      return fd;
    }
  }
  return open(d->part_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

static void close_part (SfDownload *d, int keep) {
  if (d->fd >= 0) {
    close(d->fd);
    d->fd = -1;
  }
  if (d->part_path != NULL && !d->renamed && !keep)
    unlink(d->part_path);
}

/* ---------------------------------------------------------- transfers */

static SfCallNext send_get (SfRuntime *rt, SfDownload *d) {
  SfRequest *r = &d->req;
  sf_progress_download_end(d);
  sf_request_release(r);
  memset(r, 0, sizeof(*r));
  if (sf_request_prepare(r, &rt->http, "GET", d->url, NULL, 0,
                         ERROR_BODY_LIMIT) != 0)
    return done(d, SF_KIND_NETWORK, "%s", r->errbuf);
  d->heading = 0;
  d->attempt++;
  d->fd = open_part(d);
  if (d->fd < 0)
    return done(d, write_kind(errno), "cannot write '%s': %s",
                d->part_path, strerror(errno));
  r->download_fd = d->fd;
  r->checksum = journaled(rt, d);     /* the hash is record()'s only use */
  r->max_download = rt->max_download;
  r->connect_timeout_ms = 15000;
  r->low_speed_bytes = 1024;        /* slower than 1 KiB/s for 30 s: */
  r->low_speed_secs = 30;           /* the transfer is stuck */
  sf_progress_download(d, d->dest_path, r);
  sf_http_submit(r);
  return SF_NEXT_WAIT;
}

static SfCallNext send_head (SfRuntime *rt, SfDownload *d) {
  SfRequest *r = &d->req;
  if (sf_request_prepare(r, &rt->http, "HEAD", d->url, NULL, 0,
                         ERROR_BODY_LIMIT) != 0)
    return done(d, SF_KIND_NETWORK, "%s", r->errbuf);
  d->heading = 1;
  r->connect_timeout_ms = 15000;
  r->total_timeout_ms = 60000;
  sf_http_submit(r);
  return SF_NEXT_WAIT;
}

SfCallNext sf_download_start (SfRuntime *rt, SfDownload *d) {
  int adopt = 0, rc;
  struct stat st;
  d->kind = SF_KIND_NONE;
  if (strncmp(d->url, "http://", 7) != 0 && strncmp(d->url, "https://", 8))
    return done(d, SF_KIND_BAD_REQUEST, "only http(s) URLs can be "
                "downloaded, not '%.200s'", d->url);
  if (d->dest != NULL) {             /* the caller chose the file */
    if (set_dest(d, d->dest) != 0)
      return done(d, SF_KIND_IO, "not enough memory");
    if (recorded(rt, d, d->dest_path)) {
      d->kept = 1;
      return SF_NEXT_DONE;
    }
    adopt = rt->resuming && stat(d->dest_path, &st) == 0 &&
            S_ISREG(st.st_mode) && st.st_size > 0;
  } else if ((rc = choose_name(rt, d, &adopt)) != 0) {
    return rc < 0 ? done(d, SF_KIND_IO, "not enough memory") : SF_NEXT_DONE;
  }
  /* saved just before a crash, before it was journaled: a complete file
  ** of the announced length is kept, not fetched again */
  if (adopt && journaled(rt, d))
    return send_head(rt, d);
  return send_get(rt, d);
}

/* After the HEAD of a file that may be complete already. */
static SfCallNext adopt_or_fetch (SfRuntime *rt, SfDownload *d) {
  SfRequest *r = &d->req;
  uint64_t h;
  long long bytes;
  int fd;
  if (r->fail == SF_FAIL_NONE && r->status == 200 &&
      r->content_length > 0 &&
      (fd = open(d->dest_path, O_RDONLY | O_CLOEXEC)) >= 0) {
    d->type = sf_sniff_audio(fd);
    close(fd);
    if (d->type != NULL && sf_xxh64_file(d->dest_path, &h, &bytes) == 0 &&
        bytes == r->content_length) {
      d->bytes = bytes;
      d->kept = 2;
      record(rt, d, h);
      sf_request_release(r);
      return SF_NEXT_DONE;
    }
  }
  sf_request_release(r);
  if (d->dest == NULL) {             /* named: that file is another's */
    int adopt, rc;
    d->no_adopt = 1;
    if ((rc = choose_name(rt, d, &adopt)) != 0)
      return rc < 0 ? done(d, SF_KIND_IO, "not enough memory")
                    : SF_NEXT_DONE;
    if (adopt)
      return send_head(rt, d);
  }
  return send_get(rt, d);
}

/* Is the 206 the continuation we asked for? */
static int range_matches (const SfRequest *r) {
  long long first, last, total;
  if (sf_parse_content_range(r->content_range, &first, &last, &total) != 0)
    return 0;
  return first == r->resume_from && last - first + 1 == r->written &&
         (total < 0 || total == last + 1);
}

/* A failed try: again after a backoff, resuming where the server allows,
** or the final error. */
static SfCallNext fail (SfRuntime *rt, SfDownload *d, SfKind kind,
                        int resumable, const char *fmt, ...)
  __attribute__((format(printf, 5, 6)));

static SfCallNext fail (SfRuntime *rt, SfDownload *d, SfKind kind,
                        int resumable, const char *fmt, ...) {
  SfRequest *r = &d->req;
  SfFailure f = {r->fail, r->status, 0};
  const char *validator = r->etag[0] ? r->etag : r->last_modified;
  int long_wait, keep;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(d->message, sizeof(d->message), fmt, ap);
  va_end(ap);
  d->kind = kind;
  d->status = r->fail == SF_FAIL_NONE && (r->status < 200 || r->status >= 300)
              ? r->status : 0;       /* an HTTP error's status */
  if (kind == SF_KIND_NETWORK && r->fail == SF_FAIL_NONE && r->status >= 200
      && r->status < 300)
    f.truncated = 1;                 /* short body, or a wrong range */
  keep = resumable && validator[0] && r->written + r->resume_from > 0;
  snprintf(d->validator, sizeof(d->validator), "%s", keep ? validator : "");
  if (!sf_retry_should(&rt->retry, SF_CALL_DOWNLOAD, &f, d->attempt)) {
    close_part(d, 0);
    return SF_NEXT_DONE;
  }
  close_part(d, keep);
  d->delay = sf_retry_delay(&rt->retry, d->attempt, NULL, &long_wait);
  if (d->delay >= 5) {
    if (f.fail != SF_FAIL_NONE)
      sf_log_info("download: %s, trying again in %.0f s",
                  sf_fail_name(f.fail), d->delay);
    else
      sf_log_info("download: HTTP %ld, trying again in %.0f s", f.status,
                  d->delay);
  }
  return SF_NEXT_SLEEP;
}

SfCallNext sf_download_finish (SfRuntime *rt, SfDownload *d) {
  SfRequest *r = &d->req;
  long long size;
  if (d->heading)
    return adopt_or_fetch(rt, d);
  size = (r->restarted ? 0 : r->resume_from) + r->written;
  if (r->fail == SF_FAIL_WRITE)
    return fail(rt, d, write_kind(r->write_errno), 0, "cannot write '%s': "
                "%s", d->part_path, strerror(r->write_errno));
  if (r->fail == SF_FAIL_TOO_LARGE)
    return fail(rt, d, SF_KIND_SERVER, 0, "the download is larger than "
                "--max-download-mb (%lld MiB); refused", rt->max_download >> 20);
  if (r->fail != SF_FAIL_NONE)
    return fail(rt, d, r->fail == SF_FAIL_TIMEOUT ? SF_KIND_TIMEOUT
                : SF_KIND_NETWORK, 1, "%s", r->errbuf[0] ? r->errbuf
                : curl_easy_strerror(r->result));
  if (r->status == 206 && !(r->resume_from > 0 && range_matches(r)))
    return fail(rt, d, SF_KIND_NETWORK, 0, "the server answered a different "
                "range than the one asked for");
  if (r->status != 200 && r->status != 206)
    return fail(rt, d, sf_kind_of_status(r->status, NULL), 0,
                "HTTP %ld while downloading (%s)", r->status,
                r->content_type[0] ? r->content_type : "no content type");
  if (r->content_length >= 0 && r->written != r->content_length)
    return fail(rt, d, SF_KIND_NETWORK, 1, "truncated download: got %lld of "
                "%lld bytes", r->written, r->content_length);
  if ((d->type = sf_sniff_audio(d->fd)) == NULL) {
    r->status = 0;                   /* not worth retrying as a status */
    if (r->content_encoding[0] && strcmp(r->content_encoding, "identity"))
      return fail(rt, d, SF_KIND_SERVER, 0, "the server sent the audio "
                  "compressed (Content-Encoding: %s, %lld bytes) although "
                  "it was asked for it uncompressed", r->content_encoding,
                  size);
    return fail(rt, d, SF_KIND_SERVER, 0, "the server sent something that "
                "is not audio (%s, %lld bytes)", r->content_type[0] ?
                r->content_type : "no content type", size);
  }
  if (fsync(d->fd) != 0 || rename(d->part_path, d->dest_path) != 0) {
    int e = errno;
    close_part(d, 0);
    return done(d, write_kind(e), "cannot save '%s': %s",
                d->dest_path, strerror(e));
  }
  /* the file is complete, checked and durable: only now may it be named */
  assert(d->kind == SF_KIND_NONE || d->kind == SF_KIND_NETWORK);
  d->renamed = 1;
  d->kind = SF_KIND_NONE;
  d->message[0] = '\0';
  d->bytes = size;
  close_part(d, 0);
  sync_parent_dir(d->dest_path);
  sf_crashpoint("after_rename");
  record(rt, d, sf_xxh64_final(&r->xxh));
  sf_retry_success(&rt->retry);
  sf_progress_download_end(d);
  return SF_NEXT_DONE;
}

SfCallNext sf_download_again (SfRuntime *rt, SfDownload *d, const char *url) {
  if (url != NULL && strcmp(url, d->url) != 0) {
    char *u = strdup(url);
    if (u != NULL) {
      free(d->url);
      d->url = u;
    }
  }
  d->kind = SF_KIND_NONE;
  return send_get(rt, d);
}

void sf_download_release (SfDownload *d) {
  sf_progress_download_end(d);
  sf_request_release(&d->req);
  close_part(d, 0);
  free(d->url);
  free(d->source);
  free(d->dest);
  free(d->dir);
  free(d->base);
  free(d->id);
  free(d->ext);
  free(d->part_path);
  free(d->dest_path);
  memset(d, 0, sizeof(*d));
  d->fd = -1;
}
