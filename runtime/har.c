/*
** har.c -- the run's HTTP exchanges as a HAR 1.2 file (see har.h).
*/
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include "har.h"
#include "http.h"
#include "log.h"
#include "sha256.h"

#define REDACTED "[redacted]"
/* What closes the log; each new entry is written over it. */
#define TRAILER "\n]}}\n"

struct SfHar {
  FILE *f;
  char *path;
  char *key;                 /* redacted wherever it appears; wiped */
  long trailer_at;           /* offset of TRAILER in the file */
  long long entries;
  int failed;                /* a write failed: said once, then quiet */
};

/* ---------------------------------------------------------------- text */

static void add (SfBuf *b, const char *s) {
  sf_buf_append(b, s, strlen(s));
}

static void add_str (SfBuf *b, const char *s, size_t n) {
  sf_buf_append_json_string(b, s, n);
}

/* ,"name":"value" */
static void add_field (SfBuf *b, const char *name, const char *v) {
  char head[64];
  snprintf(head, sizeof(head), ",\"%s\":", name);
  add(b, head);
  add_str(b, v, strlen(v));
}

/* Is 'name' (n bytes) the name of a field that holds a secret? */
static int secret_name (const char *name, size_t n) {
  static const char *const words[] = { "key", "secret", "token",
                                       "password", "authorization", NULL };
  char low[64];
  size_t i;
  if (n >= sizeof(low))
    n = sizeof(low) - 1;
  for (i = 0; i < n; i++)
    low[i] = (char)tolower((unsigned char)name[i]);
  low[n] = '\0';
  for (i = 0; words[i] != NULL; i++)
    if (strstr(low, words[i]) != NULL)
      return 1;
  return 0;
}

/* The end of the JSON string starting at s[i] == '"' (index past the
** closing quote), or n. */
static size_t string_end (const char *s, size_t i, size_t n) {
  for (i++; i < n; i++) {
    if (s[i] == '\\')
      i++;
    else if (s[i] == '"')
      return i + 1;
  }
  return n;
}

/*
** Copy JSON text 's' to 'out' with the string value of every field named
** like a secret ("webhook_secret", "api_key", ...) replaced. A scan of
** string tokens, not a parser: text that is not JSON is copied as it is.
*/
static void redact_fields (const char *s, size_t n, SfBuf *out) {
  size_t i = 0, from = 0;
  while (i < n) {
    size_t e, v;
    if (s[i] != '"') {
      i++;
      continue;
    }
    e = string_end(s, i, n);
    for (v = e; v < n && isspace((unsigned char)s[v]); v++)
      ;
    if (v < n && s[v] == ':' && secret_name(s + i + 1, e - i - 2)) {
      for (v++; v < n && isspace((unsigned char)s[v]); v++)
        ;
      if (v < n && s[v] == '"') {              /* "name": "value" */
        sf_buf_append(out, s + from, v - from);
        add(out, "\"" REDACTED "\"");
        i = from = string_end(s, v, n);
        continue;
      }
    }
    i = e;
  }
  sf_buf_append(out, s + from, n - from);
}

/* Replace every occurrence of 'key' in 'b' (the finished entry). */
static void redact_key (SfBuf *b, const char *key) {
  size_t klen = key ? strlen(key) : 0;
  char *p;
  if (klen < 4 || b->data == NULL)   /* a 3-letter "key" is no secret */
    return;
  while ((p = strstr(b->data, key)) != NULL) {
    size_t at = (size_t)(p - b->data), rlen = strlen(REDACTED);
    if (rlen <= klen) {
      memcpy(p, REDACTED, rlen);
      memmove(p + rlen, p + klen, b->len - at - klen + 1);
      b->len -= klen - rlen;
    } else {
      memset(p, '*', klen);          /* cannot grow in place: mask */
    }
  }
}

/* Valid UTF-8 (so it can go into the JSON file as text)? */
static int is_utf8 (const unsigned char *s, size_t n) {
  size_t i = 0;
  while (i < n) {
    int more = s[i] < 0x80 ? 0 : (s[i] & 0xE0) == 0xC0 ? 1
             : (s[i] & 0xF0) == 0xE0 ? 2 : (s[i] & 0xF8) == 0xF0 ? 3 : -1;
    if (more < 0)
      return 0;
    for (i++; more > 0; more--, i++)
      if (i >= n || (s[i] & 0xC0) != 0x80)
        return 0;
  }
  return 1;
}

/* ------------------------------------------------------------- the parts */

/* "2026-12-05T21:00:00.123Z" */
static void iso_time (double t, char out[32]) {
  time_t secs = (time_t)t;
  struct tm tm;
  gmtime_r(&secs, &tm);
  strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + strlen(out), 32 - strlen(out), ".%03dZ",
           (int)((t - (double)secs) * 1000) % 1000);
}

/* One {"name","value"}; the key's header keeps its scheme only. */
static void add_header (SfBuf *b, const char *line, size_t n, int *first) {
  const char *colon = memchr(line, ':', n);
  const char *v;
  size_t vn;
  if (colon == NULL || colon == line)
    return;
  v = colon + 1;
  while (v < line + n && (*v == ' ' || *v == '\t'))
    v++;
  vn = (size_t)(line + n - v);
  while (vn > 0 && (v[vn - 1] == '\r' || v[vn - 1] == '\n' ||
                    v[vn - 1] == ' '))
    vn--;
  add(b, *first ? "{\"name\":" : ",{\"name\":");
  *first = 0;
  add_str(b, line, (size_t)(colon - line));
  add(b, ",\"value\":");
  if ((size_t)(colon - line) == 13 && strncasecmp(line, "Authorization",
                                                  13) == 0)
    add(b, "\"Bearer " REDACTED "\"");
  else if (vn == 0 && colon + 1 == line + n)
    add(b, "\"\"");
  else
    add_str(b, v, vn);
  add(b, "}");
}

/* The request's headers ("Expect:" with no value is ours, not sent). */
static void add_request_headers (SfBuf *b, const struct curl_slist *h) {
  int first = 1;
  add(b, "\"headers\":[");
  for (; h != NULL; h = h->next) {
    size_t n = strlen(h->data);
    if (n > 0 && h->data[n - 1] != ':')
      add_header(b, h->data, n, &first);
  }
  add(b, "]");
}

/* The final response's header lines, as on_header kept them. */
static void add_response_headers (SfBuf *b, const SfBuf *lines) {
  const char *p = lines->data, *end = p ? p + lines->len : NULL;
  int first = 1;
  add(b, "\"headers\":[");
  while (p != NULL && p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    if (strncmp(p, "HTTP/", 5) != 0)
      add_header(b, p, n, &first);
    p += n + 1;
  }
  add(b, "]");
}

/* "OK" from the status line "HTTP/1.1 200 OK". */
static void status_text (const SfBuf *lines, char *out, size_t n) {
  const char *p = lines->data ? strchr(lines->data, ' ') : NULL;
  size_t i = 0;
  if (p != NULL && (p = strchr(p + 1, ' ')) != NULL)
    for (p++; p[i] && p[i] != '\r' && p[i] != '\n' && i + 1 < n; i++)
      out[i] = p[i];
  out[i] = '\0';
}

/* ?a=b&c=d as HAR's queryString (the values as they are in the URL). */
static void add_query (SfBuf *b, const char *url) {
  const char *q = strchr(url, '?');
  int first = 1;
  add(b, ",\"queryString\":[");
  if (q != NULL)
    q++;
  while (q != NULL && *q != '\0' && *q != '#') {
    size_t n = strcspn(q, "&#"), eq = strcspn(q, "=");
    if (eq > n)
      eq = n;
    add(b, first ? "{\"name\":" : ",{\"name\":");
    first = 0;
    add_str(b, q, eq);
    add(b, ",\"value\":");
    add_str(b, eq < n ? q + eq + 1 : "", eq < n ? n - eq - 1 : 0);
    add(b, "}");
    q += n;
    if (*q != '&')
      break;
    q++;
  }
  add(b, "]");
}

static void add_request (SfBuf *b, SfRequest *r, const char *method,
                         const char *url) {
  char num[32];
  add(b, ",\"request\":{\"method\":");
  add_str(b, method, strlen(method));
  add_field(b, "url", url);
  add(b, ",\"httpVersion\":\"HTTP/1.1\",\"cookies\":[],");
  add_request_headers(b, r->headers);
  add_query(b, url);
  snprintf(num, sizeof(num), "%zu", r->post ? r->postlen : 0);
  add(b, ",\"headersSize\":-1,\"bodySize\":");
  add(b, num);
  if (r->post != NULL) {
    SfBuf clean;
    sf_buf_init(&clean, 0);
    redact_fields(r->post, r->postlen, &clean);
    add(b, ",\"postData\":{\"mimeType\":\"application/json\",\"text\":");
    add_str(b, clean.data ? clean.data : "", clean.len);
    add(b, "}");
    sf_buf_free(&clean);
  }
  add(b, "}");
}

/* content: the JSON text (secrets redacted), or for audio and other
** binary bodies their size and SHA-256. */
static void add_content (SfBuf *b, SfRequest *r) {
  int in_file = r->download_fd >= 0 && r->status >= 200 && r->status < 300;
  int audio = strncasecmp(r->content_type, "audio/", 6) == 0;
  long long size = in_file ? r->written : (long long)r->body.len;
  char head[160];
  snprintf(head, sizeof(head), ",\"content\":{\"size\":%lld,\"mimeType\":",
           size);
  add(b, head);
  add_str(b, r->content_type, strlen(r->content_type));
  if (in_file || audio ||
      !is_utf8((const unsigned char *)r->body.data, r->body.len)) {
    unsigned char d[SF_SHA256_LEN];
    char hex[SF_SHA256_HEXLEN], note[200];
    SfSha256 c = r->har_sha;
    if (!in_file)
      sf_sha256(r->body.data ? r->body.data : "", r->body.len, d);
    else
      sf_sha256_final(&c, d);
    sf_sha256_hex(d, hex);
    snprintf(note, sizeof(note), "%s not recorded: %lld bytes, sha256 %s",
             audio || in_file ? "audio" : "binary body", size, hex);
    add_field(b, "comment", note);
    add_field(b, "_sha256", hex);
  } else {
    SfBuf clean;
    sf_buf_init(&clean, 0);
    redact_fields(r->body.data ? r->body.data : "", r->body.len, &clean);
    add(b, ",\"text\":");
    add_str(b, clean.data ? clean.data : "", clean.len);
    sf_buf_free(&clean);
  }
  add(b, "}");
}

static void add_response (SfBuf *b, SfRequest *r) {
  char text[64], num[96];
  status_text(&r->har_head, text, sizeof(text));
  snprintf(num, sizeof(num), ",\"response\":{\"status\":%ld",
           r->fail == SF_FAIL_NONE ? r->status : 0L);
  add(b, num);
  add_field(b, "statusText", text);
  add(b, ",\"httpVersion\":\"HTTP/1.1\",\"cookies\":[],");
  add_response_headers(b, &r->har_head);
  add_content(b, r);
  snprintf(num, sizeof(num), ",\"redirectURL\":\"\",\"headersSize\":-1,"
           "\"bodySize\":%lld}", r->download_fd >= 0 ? r->written
           : (long long)r->body.len);
  add(b, num);
}

/* libcurl's phase times, in ms, as HAR's send / wait / receive. */
static void add_timings (SfBuf *b, SfRequest *r) {
  curl_off_t conn = 0, pre = 0, start = 0, total = 0;
  char t[200];
  if (r->easy != NULL) {
    curl_easy_getinfo(r->easy, CURLINFO_CONNECT_TIME_T, &conn);
    curl_easy_getinfo(r->easy, CURLINFO_PRETRANSFER_TIME_T, &pre);
    curl_easy_getinfo(r->easy, CURLINFO_STARTTRANSFER_TIME_T, &start);
    curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME_T, &total);
  }
  if (start < pre)
    start = pre;
  if (total < start)
    total = start;
  snprintf(t, sizeof(t), ",\"cache\":{},\"timings\":{\"blocked\":-1,"
           "\"dns\":-1,\"connect\":%.3f,\"send\":0,\"wait\":%.3f,"
           "\"receive\":%.3f}", conn / 1000.0, (start - pre) / 1000.0,
           (total - start) / 1000.0);
  add(b, t);
}

/* ---------------------------------------------------------------- file */

/* Write 'entry' over the trailer, then the trailer again; flushed. */
static int append_entry (SfHar *har, const SfBuf *entry) {
  const char *sep = har->entries > 0 ? ",\n" : "\n";
  if (fseek(har->f, har->trailer_at, SEEK_SET) != 0 ||
      fputs(sep, har->f) == EOF ||
      fwrite(entry->data, 1, entry->len, har->f) != entry->len)
    return -1;
  har->trailer_at = ftell(har->f);
  if (fputs(TRAILER, har->f) == EOF || fflush(har->f) != 0)
    return -1;
  har->entries++;
  return 0;
}

void sf_har_record (SfHar *har, SfRequest *r) {
  SfBuf e;
  char when[32], num[64];
  char *url = r->url, *method = r->method;
  if (har == NULL || har->failed)
    return;
  if (r->easy != NULL) {
    curl_easy_getinfo(r->easy, CURLINFO_EFFECTIVE_URL, &url);
    curl_easy_getinfo(r->easy, CURLINFO_EFFECTIVE_METHOD, &method);
  }
  sf_buf_init(&e, 0);
  iso_time(r->har_wall, when);
  add(&e, "{\"startedDateTime\":");
  add_str(&e, when, strlen(when));
  snprintf(num, sizeof(num), ",\"time\":%.3f", r->elapsed * 1000);
  add(&e, num);
  add_request(&e, r, method ? method : r->method, url ? url : r->url);
  add_response(&e, r);
  add_timings(&e, r);
  if (r->fail != SF_FAIL_NONE) {
    char why[CURL_ERROR_SIZE + 64];
    snprintf(why, sizeof(why), "%s: %s", sf_fail_name(r->fail),
             r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->result));
    add_field(&e, "comment", why);
  }
  add(&e, "}");
  redact_key(&e, har->key);
  if (e.data == NULL || append_entry(har, &e) != 0) {
    har->failed = 1;
    sf_log_error("--har %s: cannot write; no more exchanges are recorded",
                 har->path);
  }
  sf_buf_free(&e);
}

SfHar *sf_har_open (const char *path, const char *key, char *err,
                    size_t errlen) {
  SfHar *har = calloc(1, sizeof(*har));
  if (har == NULL || (har->path = strdup(path)) == NULL ||
      (key != NULL && (har->key = strdup(key)) == NULL)) {
    snprintf(err, errlen, "not enough memory");
    sf_har_close(har);
    return NULL;
  }
  if ((har->f = fopen(path, "w")) == NULL) {
    snprintf(err, errlen, "--har: cannot create '%s': %s", path,
             strerror(errno));
    sf_har_close(har);
    return NULL;
  }
  fprintf(har->f, "{\"log\":{\"version\":\"1.2\",\"creator\":{\"name\":"
          "\"sonicflow\",\"version\":\"%s\"},\"comment\":\"Authorization, "
          "the key and secret-named fields redacted; audio as size and "
          "sha256\",\"pages\":[],\"entries\":[", SF_VERSION);
  har->trailer_at = ftell(har->f);
  if (fputs(TRAILER, har->f) == EOF || fflush(har->f) != 0) {
    snprintf(err, errlen, "--har: cannot write '%s'", path);
    sf_har_close(har);
    return NULL;
  }
  return har;
}

void sf_har_close (SfHar *har) {
  if (har == NULL)
    return;
  if (har->f != NULL)
    fclose(har->f);
  if (har->key != NULL) {
    memset(har->key, 0, strlen(har->key));
    free(har->key);
  }
  free(har->path);
  free(har);
}
