/*
** report_util.c -- what both report pages need (report_util.h): HTML
** escaping, the CSP hash of a page's one inline script, and the relative
** URL from the page's folder to an audio file.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_util.h"
#include "sha256.h"

/* ---------------------------------------------------------- escaping */

/* Write 's' as text or as a quoted attribute value: the five characters
** that can end or open markup are always replaced. */
void sf_html_esc (FILE *f, const char *s) {
  for (; s && *s; s++) {
    switch (*s) {
      case '&': fputs("&amp;", f); break;
      case '<': fputs("&lt;", f); break;
      case '>': fputs("&gt;", f); break;
      case '"': fputs("&quot;", f); break;
      case '\'': fputs("&#39;", f); break;
      default: fputc(*s, f);
    }
  }
}

/* The CSP source for the inline script: 'sha256-<base64>'. */
void sf_html_script_hash (const char *script, char out[64]) {
  static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  unsigned char d[SF_SHA256_LEN + 1];
  int i, n = 0;
  sf_sha256(script, strlen(script), d);
  d[SF_SHA256_LEN] = 0;
  for (i = 0; i < SF_SHA256_LEN; i += 3) {   /* 32 bytes: 10 groups + 2 */
    unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 |
                 (i + 2 < SF_SHA256_LEN ? d[i + 2] : 0);
    out[n++] = b64[v >> 18 & 63];
    out[n++] = b64[v >> 12 & 63];
    out[n++] = b64[v >> 6 & 63];
    out[n++] = i + 2 < SF_SHA256_LEN ? b64[v & 63] : '=';
  }
  out[n] = '\0';
}

/* 'file' relative to directory 'dir' (both absolute and resolved), each
** byte outside the unreserved set percent-escaped: a src attribute that
** works from the page's folder whatever the names contain. */
char *sf_report_relative_url (const char *dir, const char *file) {
  size_t common = 0, i, n = 0;
  const char *rest;
  char *url;
  int ups = 0;
  /* the longest common prefix that ends at a '/' of both */
  for (i = 0; dir[i] && dir[i] == file[i]; i++)
    if (dir[i] == '/')
      common = i;
  if (dir[i] == '\0' && file[i] == '/')
    common = i;
  if (strcmp(dir, "/") == 0)
    common = 0;
  for (i = common; dir[i]; i++)
    if (dir[i] == '/' && dir[i + 1] != '\0')
      ups++;
  rest = file + common + 1;
  url = malloc((size_t)ups * 3 + strlen(rest) * 3 + 1);
  if (url == NULL)
    return NULL;
  while (ups-- > 0) {
    memcpy(url + n, "../", 3);
    n += 3;
  }
  for (; *rest; rest++) {
    unsigned char c = (unsigned char)*rest;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
        (c >= '0' && c <= '9') || strchr("-._~/", c))
      url[n++] = (char)c;
    else
      n += (size_t)sprintf(url + n, "%%%02X", c);
  }
  url[n] = '\0';
  return url;
}


void sf_html_head (FILE *f, const char *script) {
  char hash[64];
  sf_html_script_hash(script, hash);
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,"
        "initial-scale=1\">", f);
  /* no network, no script but ours: an injected tag could do nothing */
  fprintf(f, "<meta http-equiv=\"Content-Security-Policy\" content=\""
          "default-src 'none'; style-src 'unsafe-inline'; "
          "script-src 'sha256-%s'; media-src * file: data: blob:; "
          "img-src data:\">", hash);
  fputs("<link rel=\"icon\" href=\"data:,\"><title>", f);
}

void sf_path_dir (const char *path, char *out, size_t n) {
  char *slash;
  snprintf(out, n, "%s", path);
  slash = strrchr(out, '/');
  if (slash == NULL)
    snprintf(out, n, ".");
  else if (slash == out)
    out[1] = '\0';
  else
    *slash = '\0';
}
