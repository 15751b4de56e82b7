/*
** checksum.h -- XXH64, a fast non-cryptographic 64-bit checksum, for the
** integrity of downloaded files (computed while the bytes stream in, so a
** 1 GiB download is not read back to be hashed).
*/
#ifndef SF_CHECKSUM_H
#define SF_CHECKSUM_H

#include <stddef.h>
#include <stdint.h>

typedef struct SfXxh64 {
  uint64_t v[4];
  uint64_t total;
  unsigned char buf[32];
  size_t fill;
} SfXxh64;

void sf_xxh64_init (SfXxh64 *s);
void sf_xxh64_update (SfXxh64 *s, const void *data, size_t len);
uint64_t sf_xxh64_final (const SfXxh64 *s);
/* "xxh64:<16 hex digits>" */
void sf_xxh64_format (uint64_t h, char out[40]);
/* Checksum of a whole file; 0 or -1. */
int sf_xxh64_file (const char *path, uint64_t *h, long long *bytes);

#endif
