/*
** util.c -- small pieces every sandbox file uses: allocation that cannot
** fail, stable hashing (all "randomness" in the sandbox is a hash of the
** seed and a counter, so runs repeat), ids, clocks, and a string map.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "sbx.h"

/* The sandbox is a test tool: out of memory is reported and fatal rather
** than threaded through every path. */
static void *oom (void) {
  fputs("sonicflow sandbox: out of memory\n", stderr);
  abort();
}

void *sf_sbx_alloc (size_t n) {
  void *p = calloc(1, n ? n : 1);
  return p ? p : oom();
}

void *sf_sbx_realloc (void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  return q ? q : oom();
}

static char *dup_n (const char *s, size_t n) {
  char *p;
  if (s == NULL)
    return NULL;
  p = sf_sbx_alloc(n + 1);
  memcpy(p, s, n);
  return p;
}

char *sf_sbx_strdup (const char *s) {
  return s ? dup_n(s, strlen(s)) : NULL;
}

/* ---- hashing ---------------------------------------------------------- */

/* splitmix64 finalizer over h ^ v: cheap, well mixed, stable. */
uint64_t sf_sbx_hash_mix (uint64_t h, uint64_t v) {
  uint64_t z = h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2));
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* FNV-1a over the bytes of 's' (NULL hashes like ""), then mixed in. */
uint64_t sf_sbx_hash_str (uint64_t h, const char *s) {
  uint64_t f = 0xcbf29ce484222325ULL;
  for (; s != NULL && *s; s++)
    f = (f ^ (unsigned char)*s) * 0x100000001b3ULL;
  return sf_sbx_hash_mix(h, f);
}

double sf_sbx_hash_unit (uint64_t h) {
  return (double)(h >> 11) / 9007199254740992.0;   /* / 2^53 */
}

/* A version-4-shaped uuid from two numbers. */
void sf_sbx_uuid (uint64_t a, uint64_t b, char out[SBX_ID_LEN]) {
  uint64_t x = sf_sbx_hash_mix(a, b), y = sf_sbx_hash_mix(x, a ^ 0x5bd1e995);
  snprintf(out, SBX_ID_LEN, "%08x-%04x-4%03x-%04x-%012llx",
           (unsigned)(x >> 32), (unsigned)(x >> 16) & 0xffff,
           (unsigned)x & 0xfff, 0x8000 | ((unsigned)(y >> 48) & 0x3fff),
           (unsigned long long)(y & 0xffffffffffffULL));
}

/* ---- clocks ----------------------------------------------------------- */

/* Wall clock, not monotonic: task timings are stored as wall times so a
** sandbox restarted on the same --state file keeps them progressing. */
int64_t sf_sbx_now_ms (void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* 2026-07-15T10:26:46.552Z */
void sf_sbx_iso_time (int64_t ms, char out[32]) {
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
           (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
           tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
           tm.tm_sec % 100, (int)(ms % 1000));
}

/* Wed, 15 Jul 2026 10:26:46 GMT (RFC 9110 IMF-fixdate). */
void sf_sbx_http_date (int64_t ms, char out[40]) {
  static const char *day[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri",
                               "Sat" };
  static const char *mon[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                               "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  time_t t = (time_t)(ms / 1000);
  struct tm tm;
  gmtime_r(&t, &tm);
  snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d GMT", day[tm.tm_wday],
           tm.tm_mday, mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
           tm.tm_min, tm.tm_sec);
}

/* ---- string map (chained hash table) ---------------------------------- */

void sf_sbx_map_init (Map *m) {
  m->nslot = 64;
  m->count = 0;
  m->slot = sf_sbx_alloc(m->nslot * sizeof(MapEnt *));
}

static size_t map_index (const Map *m, const char *key) {
  return (size_t)(sf_sbx_hash_str(0, key) & (m->nslot - 1));
}

void *sf_sbx_map_get (const Map *m, const char *key) {
  MapEnt *e;
  for (e = m->slot[map_index(m, key)]; e != NULL; e = e->next)
    if (strcmp(e->key, key) == 0)
      return e->val;
  return NULL;
}

/* Double the table when it gets fuller than 1 entry per slot. */
static void map_grow (Map *m) {
  size_t i, old = m->nslot;
  MapEnt **slot = m->slot;
  m->nslot *= 2;
  m->slot = sf_sbx_alloc(m->nslot * sizeof(MapEnt *));
  for (i = 0; i < old; i++) {
    MapEnt *e = slot[i], *next;
    for (; e != NULL; e = next) {
      size_t k = map_index(m, e->key);
      next = e->next;
      e->next = m->slot[k];
      m->slot[k] = e;
    }
  }
  free(slot);
}

/* Insert or replace; the map copies 'key', not 'val'. */
void sf_sbx_map_put (Map *m, const char *key, void *val) {
  MapEnt *e;
  size_t k = map_index(m, key);
  for (e = m->slot[k]; e != NULL; e = e->next)
    if (strcmp(e->key, key) == 0) {
      e->val = val;
      return;
    }
  e = sf_sbx_alloc(sizeof(*e) + strlen(key) + 1);
  strcpy(e->key, key);
  e->val = val;
  e->next = m->slot[k];
  m->slot[k] = e;
  if (++m->count > m->nslot)
    map_grow(m);
}

/* Remove 'key'; returns its value (the caller owns it) or NULL. */
void *sf_sbx_map_del (Map *m, const char *key) {
  MapEnt **pp = &m->slot[map_index(m, key)], *e;
  for (; (e = *pp) != NULL; pp = &e->next)
    if (strcmp(e->key, key) == 0) {
      void *val = e->val;
      *pp = e->next;
      free(e);
      m->count--;
      return val;
    }
  return NULL;
}

/* Free the map, calling 'free_val' (if any) on every value. */
void sf_sbx_map_free (Map *m, void (*free_val) (void *)) {
  size_t i;
  for (i = 0; m->slot != NULL && i < m->nslot; i++) {
    MapEnt *e = m->slot[i], *next;
    for (; e != NULL; e = next) {
      next = e->next;
      if (free_val != NULL)
        free_val(e->val);
      free(e);
    }
  }
  free(m->slot);
  m->slot = NULL;
  m->nslot = m->count = 0;
}
