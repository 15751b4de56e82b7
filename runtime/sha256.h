/*
** sha256.h -- SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104).
**
** Small and dependency-free: the sandbox signs webhook deliveries with it
** and the client side can verify them with the same code. No global state.
*/
#ifndef SF_SHA256_H
#define SF_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SF_SHA256_LEN 32          /* digest bytes */
#define SF_SHA256_HEXLEN 65       /* hex digest plus NUL */

typedef struct SfSha256 {
  uint32_t h[8];                  /* chaining state */
  uint64_t total;                 /* bytes hashed so far */
  unsigned char block[64];        /* partial input block */
  size_t fill;                    /* bytes used in 'block' */
} SfSha256;

void sf_sha256_init (SfSha256 *c);
void sf_sha256_update (SfSha256 *c, const void *data, size_t len);
void sf_sha256_final (SfSha256 *c, unsigned char out[SF_SHA256_LEN]);

/* One-shot digest of 'len' bytes. */
void sf_sha256 (const void *data, size_t len,
                unsigned char out[SF_SHA256_LEN]);

/* HMAC-SHA256 of 'msg' keyed with 'key' (any length). */
void sf_hmac_sha256 (const void *key, size_t keylen, const void *msg,
                     size_t msglen, unsigned char out[SF_SHA256_LEN]);

/* Lower-case hex of a digest into 'hex' (SF_SHA256_HEXLEN bytes). */
void sf_sha256_hex (const unsigned char d[SF_SHA256_LEN],
                    char hex[SF_SHA256_HEXLEN]);

#endif
