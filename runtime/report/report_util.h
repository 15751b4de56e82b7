/*
** report_util.h -- shared by the run report (report_html.c) and the
** experiment page (experiment_page.c).
*/
#ifndef SF_REPORT_UTIL_H
#define SF_REPORT_UTIL_H

#include <stdio.h>

/* Write 's' (NULL: nothing) as text or as a quoted attribute value. */
void sf_html_esc (FILE *f, const char *s);
/* The CSP source for the inline 'script': base64 of its SHA-256. */
void sf_html_script_hash (const char *script, char out[64]);
/* The page's start up to an open <title>: doctype, viewport and the
** Content-Security-Policy that lets only 'script' run. */
void sf_html_head (FILE *f, const char *script);
/* The folder of 'path' into 'out': "." when it has none, "/" at the root. */
void sf_path_dir (const char *path, char *out, size_t n);
/* 'file' relative to directory 'dir' (both absolute and resolved),
** percent-escaped for a src attribute. malloc'd, NULL on no memory. */
char *sf_report_relative_url (const char *dir, const char *file);

#endif
