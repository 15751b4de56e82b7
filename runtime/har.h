/*
** har.h -- `sonicflow run --har FILE`: every HTTP exchange of the run as
** a HAR 1.2 log (http://www.softwareishard.com/blog/har-12-spec/).
**
** What is left out, so the file can be shared and kept as a test:
** the Authorization header's value, the key wherever else it appears,
** the string values of JSON fields named like secrets (key, secret,
** token, password), and audio: a download or an audio answer
** (audio/mpeg, ...) is recorded as its size and SHA-256 only
** (content.comment, and content._sha256 for `sonicflow sandbox
** --replay`).
**
** The file is valid JSON after every entry: each one is written over
** the closing brackets, which are written again after it and flushed.
** Ctrl-C, a script's error or os.exit leave a complete file; a kill -9
** during a write leaves it cut inside that last entry.
*/
#ifndef SF_HAR_H
#define SF_HAR_H

#include <stddef.h>

typedef struct SfHar SfHar;
struct SfRequest;

/* Create 'path' with an empty log. 'key' (may be NULL) is redacted
** wherever it appears. NULL with a one-line message in 'err'. */
SfHar *sf_har_open (const char *path, const char *key, char *err,
                    size_t errlen);

/* Append the finished exchange 'r' (called from sf_http_report_done,
** after libcurl is done with it, so its timings can be read). A write
** error is reported once on stderr; the run goes on. */
void sf_har_record (SfHar *har, struct SfRequest *r);

/* Flush, close and free. NULL is accepted. */
void sf_har_close (SfHar *har);

#endif
