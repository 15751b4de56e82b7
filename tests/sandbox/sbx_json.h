/*
** sbx_json.h -- a small strict JSON reader for the sandbox conformance suite.
**
** Independent of the server's JSON code on purpose. It keeps what a
** conformance test needs and cjson under Lua 5.4 loses: whether a number
** was written as an integer ("50" vs "50.0"), and the exact key set.
*/
#ifndef SBX_JSON_H
#define SBX_JSON_H

#include <stddef.h>

typedef enum SbxJType {
  SBX_JNONE = 0,   /* "no such node": what lookups of absent keys give */
  SBX_JNULL,
  SBX_JBOOL,
  SBX_JNUM,
  SBX_JSTR,
  SBX_JARR,
  SBX_JOBJ
} SbxJType;

typedef struct SbxJson {
  SbxJType type;
  int boolean;              /* SBX_JBOOL */
  double num;               /* SBX_JNUM */
  int is_int;               /* SBX_JNUM written without '.', 'e' or 'E' */
  char *str;                /* SBX_JSTR: decoded UTF-8, NUL-terminated */
  size_t slen;
  char *key;                /* member name when inside an object */
  struct SbxJson **items;   /* SBX_JARR / SBX_JOBJ children, in order */
  size_t n;
} SbxJson;

/* Parse 'len' bytes. Returns NULL with a message (with offset) in 'err'
** when the text is not exactly one JSON value (whitespace around it ok). */
SbxJson *sbx_json_parse (const char *text, size_t len, char *err,
                         size_t errlen);
void sbx_json_free (SbxJson *j);

/* Lookups accept NULL and return NULL when absent. */
SbxJson *sbx_jfield (const SbxJson *obj, const char *key);
SbxJson *sbx_jat (const SbxJson *arr, size_t i);
/* Dotted path: "data.0.clip_id" (numbers index arrays). */
SbxJson *sbx_jget (const SbxJson *root, const char *path);

SbxJType sbx_jtype (const SbxJson *j);          /* SBX_JNONE for NULL */
const char *sbx_jstr (const SbxJson *j);        /* NULL unless a string */
double sbx_jnum (const SbxJson *j);             /* 0 unless a number */
size_t sbx_jlen (const SbxJson *j);             /* 0 unless array/object */
const char *sbx_jtype_name (const SbxJson *j);
/* Object has exactly these keys (NULL-terminated list), no others. */
int sbx_jkeys_exactly (const SbxJson *obj, const char *const *keys);

#endif
