/*
** checksum.c -- XXH64 (Yann Collet's xxHash, 64-bit variant, seed 0),
** written from its public specification.
*/
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "checksum.h"

#define P1 0x9E3779B185EBCA87ULL
#define P2 0xC2B2AE3D27D4EB4FULL
#define P3 0x165667B19E3779F9ULL
#define P4 0x85EBCA77C2B2AE63ULL
#define P5 0x27D4EB2F165667C5ULL

static uint64_t rotl (uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

static uint64_t read64 (const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);          /* little-endian hosts only (x86_64, arm64) */
  return v;
}

static uint32_t read32 (const unsigned char *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static uint64_t round64 (uint64_t acc, uint64_t in) {
  acc += in * P2;
  return rotl(acc, 31) * P1;
}

static uint64_t merge (uint64_t acc, uint64_t v) {
  acc ^= round64(0, v);
  return acc * P1 + P4;
}

void sf_xxh64_init (SfXxh64 *s) {
  memset(s, 0, sizeof(*s));
  s->v[0] = P1 + P2;
  s->v[1] = P2;
  s->v[2] = 0;
  s->v[3] = (uint64_t)0 - P1;
}

static void stripe (SfXxh64 *s, const unsigned char *p) {
  int i;
  for (i = 0; i < 4; i++)
    s->v[i] = round64(s->v[i], read64(p + 8 * i));
}

void sf_xxh64_update (SfXxh64 *s, const void *data, size_t len) {
  const unsigned char *p = (const unsigned char *)data;
  s->total += len;
  if (s->fill > 0) {
    size_t take = 32 - s->fill < len ? 32 - s->fill : len;
    memcpy(s->buf + s->fill, p, take);
    s->fill += take;
    p += take;
    len -= take;
    if (s->fill < 32)
      return;
    stripe(s, s->buf);
    s->fill = 0;
  }
  for (; len >= 32; p += 32, len -= 32)
    stripe(s, p);
  memcpy(s->buf, p, len);
  s->fill = len;
}

uint64_t sf_xxh64_final (const SfXxh64 *s) {
  const unsigned char *p = s->buf, *end = s->buf + s->fill;
  uint64_t h;
  if (s->total >= 32) {
    h = rotl(s->v[0], 1) + rotl(s->v[1], 7) + rotl(s->v[2], 12) +
        rotl(s->v[3], 18);
    h = merge(merge(merge(merge(h, s->v[0]), s->v[1]), s->v[2]), s->v[3]);
  } else {
    h = s->v[2] + P5;
  }
  h += s->total;
  for (; p + 8 <= end; p += 8)
    h = rotl(h ^ round64(0, read64(p)), 27) * P1 + P4;
  if (p + 4 <= end) {
    h = rotl(h ^ ((uint64_t)read32(p) * P1), 23) * P2 + P3;
    p += 4;
  }
  for (; p < end; p++)
    h = rotl(h ^ (*p * P5), 11) * P1;
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

void sf_xxh64_format (uint64_t h, char out[40]) {
  snprintf(out, 40, "xxh64:%016llx", (unsigned long long)h);
}

int sf_xxh64_file (const char *path, uint64_t *h, long long *bytes) {
  unsigned char buf[65536];
  SfXxh64 s;
  ssize_t n;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  sf_xxh64_init(&s);
  while ((n = read(fd, buf, sizeof(buf))) > 0)
    sf_xxh64_update(&s, buf, (size_t)n);
  close(fd);
  if (n < 0)
    return -1;
  *h = sf_xxh64_final(&s);
  *bytes = (long long)s.total;
  return 0;
}
