/*
** download.h -- audio files from the service to disk, complete or not at all.
**
** The one owner of the rules for files: a download streams to
** "<dest>.part"; its status, length and audio magic bytes are checked;
** it is fsynced and renamed, and the directory fsynced; then it is
** recorded in the journal with its size and checksum, so a resumed run
** keeps it instead of fetching it again. A failed transfer is retried by
** the retry table (retry.h), resuming with Range + If-Range when the
** server named the version it sent; a failed download leaves no file.
** The API key is never sent with a download.
**
** Named downloads (a directory as destination) are called
** "<title>-<id prefix>.<ext>"; a name that belongs to another clip (in the
** journal, or a file on disk this run did not write) grows more of the
** id until it is unique, so one clip never replaces another.
**
** The caller drives the waits as with steps.h: sf_download_start, then a
** transfer (SF_NEXT_WAIT) and sf_download_finish, or a backoff
** (SF_NEXT_SLEEP) and sf_download_again, until SF_NEXT_DONE.
*/
#ifndef SF_DOWNLOAD_H
#define SF_DOWNLOAD_H

#include "http.h"
#include "kinds.h"
#include "runtime.h"
#include "steps.h"

typedef struct SfDownload {
  /* described by the caller (owned copies: sf_download_describe) */
  char *url;
  char *source;              /* journal key: "<clip id>/audio", or the URL */
  char *dest;                /* an explicit file path, or NULL */
  char *dir, *base, *id, *ext;  /* else: dir/base-<id prefix>.ext */
  /* the transfer in flight */
  SfRequest req;
  int heading;               /* a HEAD before adopting a file */
  size_t take;               /* named: characters of the id in the name */
  int suffix;                /* named: a number after the whole id */
  int no_adopt;              /* named: the file there is not ours */
  int attempt;
  int fd;                    /* the .part file, or -1 */
  char *part_path, *dest_path;
  int renamed;
  char validator[128];       /* ETag / Last-Modified to resume from */
  /* the outcome (SF_NEXT_DONE) */
  SfKind kind;               /* SF_KIND_NONE: the file is there */
  char message[512];
  long status;
  long long bytes;
  const char *type;          /* "mp3", "wav", ... */
  int kept;                  /* 1 verified earlier, 2 adopted after a crash */
  double delay;              /* SF_NEXT_SLEEP */
} SfDownload;

/* Fill the description; NULL strings are allowed where the fields say.
** 0, or -1 when out of memory. */
int sf_download_describe (SfDownload *d, const char *url, const char *source,
                          const char *dest, const char *dir,
                          const char *base, const char *id, const char *ext);
SfCallNext sf_download_start (SfRuntime *rt, SfDownload *d);
SfCallNext sf_download_finish (SfRuntime *rt, SfDownload *d);
/* After the backoff; 'url' is a fresh URL for the same file, or NULL. */
SfCallNext sf_download_again (SfRuntime *rt, SfDownload *d, const char *url);
/* Close and free; a download not completed loses its .part. Idempotent. */
void sf_download_release (SfDownload *d);

/* Does the file start like audio we know? A type name, or NULL. */
const char *sf_sniff_audio (int fd);

#endif
