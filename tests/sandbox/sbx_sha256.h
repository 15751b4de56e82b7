/*
** sbx_sha256.h -- SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104), written
** for the suite so webhook signatures are checked independently of the
** server's implementation. Vectors: FIPS 180-2 examples, RFC 4231.
*/
#ifndef SBX_SHA256_H
#define SBX_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct SbxSha256 {
  uint32_t h[8];
  uint64_t bits;
  unsigned char block[64];
  size_t fill;
} SbxSha256;

void sbx_sha256_init (SbxSha256 *c);
void sbx_sha256_update (SbxSha256 *c, const void *data, size_t n);
void sbx_sha256_final (SbxSha256 *c, unsigned char out[32]);
void sbx_sha256 (const void *data, size_t n, unsigned char out[32]);
void sbx_hmac_sha256 (const void *key, size_t klen, const void *msg,
                      size_t mlen, unsigned char out[32]);
/* Lowercase hex of 'n' bytes into 'out' (2n+1 bytes). */
void sbx_hex (const unsigned char *p, size_t n, char *out);

#endif
