/*
** replay.c -- `sonicflow sandbox --replay FILE.har`: answer with what a
** recorded run (`sonicflow run --har`) was answered, so a real session
** becomes an offline regression test.
**
** A request is matched on its method, its path (without origin or
** query) and the shape of its JSON body (the sorted names of its
** top-level fields: values such as prompts or ids may differ). Among
** the entries that match, the first one not yet served is served, so
** the polls of one task get their recorded answers in order however the
** tasks of a run interleave. A read (GET/HEAD) asked more often than
** recorded gets its last answer again; anything else is a miss (501).
**
** Ids are served as recorded: the client learns a task id from the
** recorded create answer and polls that path, so paths match without
** rewriting. What is rewritten is the origin: every scheme://host of the
** recording (the service's and its CDN's) becomes this sandbox's, in
** plain and in JSON-escaped form ("https:\/\/cdn..."), so audio URLs
** lead back here. Audio recorded as size + sha256 is the sandbox's own
** synthesized audio, of the length that size has at 128 kbit/s.
*/
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sbx.h"

#define MP3_BYTES_PER_S (128000 / 8)     /* synth.h: CBR 128 kbit/s */
#define WAV_BYTES_PER_S (44100 * 2 * 2)  /* 16-bit stereo at 44.1 kHz */

typedef struct Entry {
  char method[16];
  char *path;                    /* decoded, no query */
  char *shape;                   /* request body shape */
  int status;
  char *text;                    /* response text, or NULL for audio */
  char mime[64];
  char retry_after[24];
  long long audio_size;          /* >= 0: recorded as size + sha256 */
  char sha256[65];
  int used;
} Entry;

struct Replay {
  pthread_mutex_t lock;          /* the pool's threads match at once */
  Entry *e;
  size_t n;
  char **origins;                /* "scheme://host[:port]", unique */
  size_t norigins;
};

/* ---- reading the file --------------------------------------------------- */

static char *slurp (const char *path, size_t *len, char *err,
                    size_t errlen) {
  FILE *f = fopen(path, "rb");
  Buf b;
  char chunk[65536];
  size_t n;
  if (f == NULL) {
    snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
    return NULL;
  }
  sf_sbx_buf_init(&b);
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
    sf_sbx_buf_addn(&b, chunk, n);
  fclose(f);
  *len = b.len;
  return sf_sbx_buf_take(&b);
}

/* Percent-decode 'n' bytes of 's' as the server decodes request paths
** (%00 kept, as server.c's unescape does). */
static char *path_decode (const char *s, size_t n) {
  char *out = sf_sbx_alloc(n + 1), *w = out;
  size_t i;
  for (i = 0; i < n; i++) {
    unsigned v;
    if (s[i] == '%' && i + 2 < n && isxdigit((unsigned char)s[i + 1]) &&
        isxdigit((unsigned char)s[i + 2]) &&
        sscanf(s + i + 1, "%2x", &v) == 1 && v != 0) {
      *w++ = (char)v;
      i += 2;
    } else
      *w++ = s[i];
  }
  *w = '\0';
  return out;
}

/* Split a URL into its origin (returned, owned) and its decoded path
** (*path, owned, without query or fragment). NULL when not absolute. */
static char *url_split (const char *url, char **path) {
  const char *p = strstr(url, "://"), *slash;
  size_t plen;
  char *origin;
  if (p == NULL)
    return NULL;
  slash = strchr(p + 3, '/');
  if (slash == NULL)
    slash = url + strlen(url);
  origin = sf_sbx_alloc((size_t)(slash - url) + 1);
  memcpy(origin, url, (size_t)(slash - url));
  plen = strcspn(slash, "?#");
  *path = plen ? path_decode(slash, plen) : sf_sbx_strdup("/");
  return origin;
}

static int cmp_str (const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "{a,b,c}" for a JSON object body (sorted field names), "-" for none,
** "(not json)" for text that does not parse. Owned. */
static char *body_shape (const char *text, size_t len) {
  char err[96];
  Json *j;
  Buf b;
  int i;
  if (text == NULL || len == 0)
    return sf_sbx_strdup("-");
  if ((j = sf_sbx_json_parse(text, len, err, sizeof(err))) == NULL)
    return sf_sbx_strdup("(not json)");
  sf_sbx_buf_init(&b);
  if (j->t != J_OBJ)
    sf_sbx_buf_add(&b, j->t == J_ARR ? "[array]" : "(scalar)");
  else {
    char **keys = sf_sbx_alloc(((size_t)j->nkids + 1) * sizeof(char *));
    for (i = 0; i < j->nkids; i++)
      keys[i] = j->keys[i];
    qsort(keys, (size_t)j->nkids, sizeof(char *), cmp_str);
    sf_sbx_buf_add(&b, "{");
    for (i = 0; i < j->nkids; i++)
      sf_sbx_buf_fmt(&b, "%s%s", i ? "," : "", keys[i]);
    sf_sbx_buf_add(&b, "}");
    free(keys);
  }
  sf_sbx_json_free(j);
  return sf_sbx_buf_take(&b);
}

static void origin_note (Replay *rp, char *origin) {
  size_t i;
  for (i = 0; i < rp->norigins; i++)
    if (!strcmp(rp->origins[i], origin)) {
      free(origin);
      return;
    }
  rp->origins = sf_sbx_realloc(rp->origins,
                               (rp->norigins + 1) * sizeof(char *));
  rp->origins[rp->norigins++] = origin;
}

/* Retry-After among the recorded response headers, if any. */
static void header_take (const Json *headers, const char *name, char *out,
                         size_t n) {
  int i;
  for (i = 0; headers != NULL && headers->t == J_ARR && i < headers->nkids;
       i++) {
    const char *k = sf_sbx_json_str(&headers->kids[i], "name");
    const char *v = sf_sbx_json_str(&headers->kids[i], "value");
    if (k != NULL && v != NULL && !strcasecmp(k, name))
      snprintf(out, n, "%s", v);
  }
}

/* Read HAR entry 'j' into 'e'; -1 with 'err' naming what is missing. */
static int entry_read (Replay *rp, Entry *e, const Json *j, int index,
                       char *err, size_t errlen) {
  const Json *req = sf_sbx_json_get(j, "request");
  const Json *resp = sf_sbx_json_get(j, "response");
  const Json *content = sf_sbx_json_get(resp, "content");
  const Json *post = sf_sbx_json_get(req, "postData");
  const char *method = sf_sbx_json_str(req, "method");
  const char *url = sf_sbx_json_str(req, "url");
  const char *text = sf_sbx_json_str(content, "text");
  const char *sha = sf_sbx_json_str(content, "_sha256");
  const char *mime = sf_sbx_json_str(content, "mimeType");
  const char *body = sf_sbx_json_str(post, "text");
  char *origin;
  if (method == NULL || url == NULL || resp == NULL ||
      (origin = url_split(url, &e->path)) == NULL) {
    snprintf(err, errlen, "entry %d has no request.method, absolute "
             "request.url or response", index);
    return -1;
  }
  origin_note(rp, origin);
  snprintf(e->method, sizeof(e->method), "%s", method);
  e->shape = body_shape(body, body ? strlen(body) : 0);
  e->status = (int)sf_sbx_json_num(resp, "status", 0);
  snprintf(e->mime, sizeof(e->mime), "%s", mime ? mime : "");
  header_take(sf_sbx_json_get(resp, "headers"), "Retry-After",
              e->retry_after, sizeof(e->retry_after));
  e->audio_size = -1;
  if (sha != NULL) {
    e->audio_size = (long long)sf_sbx_json_num(content, "size", 0);
    snprintf(e->sha256, sizeof(e->sha256), "%s", sha);
  } else
    e->text = sf_sbx_strdup(text ? text : "");
  return 0;
}

Replay *sf_sbx_replay_load (const char *path, char *err, size_t errlen) {
  char jerr[160];
  size_t len = 0;
  char *text = slurp(path, &len, err, errlen);
  Json *j;
  const Json *entries;
  Replay *rp;
  int i;
  if (text == NULL)
    return NULL;
  j = sf_sbx_json_parse(text, len, jerr, sizeof(jerr));
  free(text);
  if (j == NULL) {
    snprintf(err, errlen, "'%s' is not a HAR file: %s", path, jerr);
    return NULL;
  }
  entries = sf_sbx_json_get(sf_sbx_json_get(j, "log"), "entries");
  if (entries == NULL || entries->t != J_ARR) {
    snprintf(err, errlen, "'%s' is not a HAR file: no log.entries array",
             path);
    sf_sbx_json_free(j);
    return NULL;
  }
  rp = sf_sbx_alloc(sizeof(*rp));
  pthread_mutex_init(&rp->lock, NULL);
  rp->e = sf_sbx_alloc(((size_t)entries->nkids + 1) * sizeof(Entry));
  for (i = 0; i < entries->nkids; i++, rp->n++) {
    char why[200];
    if (entry_read(rp, &rp->e[i], &entries->kids[i], i, why,
                   sizeof(why)) != 0) {
      snprintf(err, errlen, "'%s' is not a usable HAR file: %s", path, why);
      rp->n++;                        /* free the half-read one too */
      sf_sbx_json_free(j);
      sf_sbx_replay_free(rp);
      return NULL;
    }
  }
  sf_sbx_json_free(j);
  return rp;
}

void sf_sbx_replay_free (Replay *rp) {
  size_t i;
  if (rp == NULL)
    return;
  for (i = 0; i < rp->n; i++) {
    free(rp->e[i].path);
    free(rp->e[i].shape);
    free(rp->e[i].text);
  }
  for (i = 0; i < rp->norigins; i++)
    free(rp->origins[i]);
  free(rp->origins);
  free(rp->e);
  pthread_mutex_destroy(&rp->lock);
  free(rp);
}

size_t sf_sbx_replay_count (const Replay *rp) {
  return rp ? rp->n : 0;
}

/* ---- answering ---------------------------------------------------------- */

/* Replace every 'from' in 'b' by 'to'. */
static void replace_all (Buf *b, const char *from, const char *to) {
  Buf out;
  const char *p = b->p, *hit;
  size_t flen = strlen(from);
  if (flen == 0 || p == NULL || strstr(p, from) == NULL)
    return;
  sf_sbx_buf_init(&out);
  while ((hit = strstr(p, from)) != NULL) {
    sf_sbx_buf_addn(&out, p, (size_t)(hit - p));
    sf_sbx_buf_add(&out, to);
    p = hit + flen;
  }
  sf_sbx_buf_add(&out, p);
  sf_sbx_buf_free(b);
  *b = out;
}

/* "http:\/\/host" for "http://host". Owned. */
static char *escape_slashes (const char *s) {
  Buf b;
  sf_sbx_buf_init(&b);
  for (; *s; s++)
    sf_sbx_buf_add(&b, *s == '/' ? "\\/" : (char[2]){ *s, '\0' });
  return sf_sbx_buf_take(&b);
}

/* The recorded text with every recorded origin made 'base'. Owned. */
static char *rewrite_origins (const Replay *rp, const char *text,
                              const char *base) {
  Buf b;
  char *ebase = escape_slashes(base);
  size_t i;
  sf_sbx_buf_init(&b);
  sf_sbx_buf_add(&b, text);
  for (i = 0; i < rp->norigins; i++) {
    char *eo = escape_slashes(rp->origins[i]);
    replace_all(&b, rp->origins[i], base);
    replace_all(&b, eo, ebase);
    free(eo);
  }
  free(ebase);
  return sf_sbx_buf_take(&b);
}

/* Is 'e' an answer to this request? GET and HEAD are one read. */
static int entry_fits (const Entry *e, const char *method, const char *path,
                       const char *shape) {
  int read = !strcmp(method, "GET") || !strcmp(method, "HEAD");
  int eread = !strcmp(e->method, "GET") || !strcmp(e->method, "HEAD");
  if (read ? !eread : strcmp(e->method, method) != 0)
    return 0;
  return !strcmp(e->path, path) && (read || !strcmp(e->shape, shape));
}

int sf_sbx_replay_match (Replay *rp, const char *method, const char *path,
                         const char *body, size_t len, const char *base,
                         ReplayHit *hit, char *msg, size_t msglen) {
  char *shape = body_shape(body, len);
  const Entry *pick = NULL, *last = NULL;
  int read = !strcmp(method, "GET") || !strcmp(method, "HEAD");
  size_t i;
  memset(hit, 0, sizeof(*hit));
  pthread_mutex_lock(&rp->lock);
  for (i = 0; i < rp->n && pick == NULL; i++) {
    Entry *e = &rp->e[i];
    if (!entry_fits(e, method, path, shape))
      continue;
    if (!e->used) {
      e->used = 1;
      pick = e;
    } else
      last = e;
  }
  if (pick == NULL && read)
    pick = last;                       /* asked again: the same answer */
  pthread_mutex_unlock(&rp->lock);
  if (pick == NULL) {
    snprintf(msg, msglen, "The recording has no %sanswer for %s %s%s%s.",
             last ? "further " : "", method, path,
             strcmp(shape, "-") ? " with body " : "",
             strcmp(shape, "-") ? shape : "");
    free(shape);
    return 0;
  }
  free(shape);
  hit->status = pick->status ? pick->status : 502;
  snprintf(hit->mime, sizeof(hit->mime), "%s", pick->mime);
  snprintf(hit->retry_after, sizeof(hit->retry_after), "%s",
           pick->retry_after);
  hit->audio_size = pick->audio_size;
  snprintf(hit->sha256, sizeof(hit->sha256), "%s", pick->sha256);
  if (pick->text != NULL)
    hit->body = rewrite_origins(rp, pick->text, base);
  return 1;
}

int sf_sbx_replay_is_wav (const ReplayHit *hit) {
  return strstr(hit->mime, "wav") != NULL;
}

/* The sandbox's own audio for a recorded file: one segment whose idea
** comes from the recorded hash, as long as the recorded size lasts at
** 128 kbit/s, or as WAV (between 1 s and 10 min). */
void sf_sbx_replay_recipe (const ReplayHit *hit, Recipe *out) {
  long long cs = hit->audio_size * 100 /
                 (sf_sbx_replay_is_wav(hit) ? WAV_BYTES_PER_S
                                            : MP3_BYTES_PER_S);
  memset(out, 0, sizeof(*out));
  out->nseg = 1;
  out->seg[0].idea = sf_sbx_hash_str(0x5eed, hit->sha256);
  out->seg[0].instrumental = 1;
  out->seg[0].len_cs = cs < 100 ? 100 : cs > 60000 ? 60000 : cs;
}
