/*
** sha256.c -- SHA-256 and HMAC-SHA256, straight from FIPS 180-4 and
** RFC 2104. Checked against the NIST and RFC 4231 test vectors.
*/
#include <string.h>
#include "sha256.h"

static const uint32_t K[64] = {
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
  0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
  0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
  0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
  0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
  0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* Mix one 64-byte block into the chaining state. */
static void sha256_block (SfSha256 *c, const unsigned char *p) {
  uint32_t w[64], s[8];
  int i;
  for (i = 0; i < 16; i++)
    w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
           (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
  for (i = 16; i < 64; i++) {
    uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  memcpy(s, c->h, sizeof(s));
  for (i = 0; i < 64; i++) {
    uint32_t e = s[4], a = s[0];
    uint32_t t1 = s[7] + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) +
                  ((e & s[5]) ^ (~e & s[6])) + K[i] + w[i];
    uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) +
                  ((a & s[1]) ^ (a & s[2]) ^ (s[1] & s[2]));
    memmove(s + 1, s, 7 * sizeof(uint32_t));   /* h=g, g=f, ... b=a */
    s[4] += t1;
    s[0] = t1 + t2;
  }
  for (i = 0; i < 8; i++)
    c->h[i] += s[i];
}

void sf_sha256_init (SfSha256 *c) {
  static const uint32_t iv[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
  };
  memcpy(c->h, iv, sizeof(iv));
  c->total = 0;
  c->fill = 0;
}

void sf_sha256_update (SfSha256 *c, const void *data, size_t len) {
  const unsigned char *p = (const unsigned char *)data;
  c->total += len;
  while (len > 0) {
    size_t n = 64 - c->fill;
    if (n > len)
      n = len;
    memcpy(c->block + c->fill, p, n);
    c->fill += n;
    p += n;
    len -= n;
    if (c->fill == 64) {
      sha256_block(c, c->block);
      c->fill = 0;
    }
  }
}

/* Pad with 0x80, zeros and the bit length, then write the big-endian
** digest. 'c' must be re-initialized before reuse. */
void sf_sha256_final (SfSha256 *c, unsigned char out[SF_SHA256_LEN]) {
  uint64_t bits = c->total * 8;
  unsigned char pad[72];
  size_t padlen = (c->fill < 56 ? 56 : 120) - c->fill;
  int i;
  memset(pad, 0, sizeof(pad));
  pad[0] = 0x80;
  for (i = 0; i < 8; i++)
    pad[padlen + i] = (unsigned char)(bits >> (56 - 8 * i));
  sf_sha256_update(c, pad, padlen + 8);
  for (i = 0; i < 8; i++) {
    out[4 * i] = (unsigned char)(c->h[i] >> 24);
    out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
    out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
    out[4 * i + 3] = (unsigned char)c->h[i];
  }
}

void sf_sha256 (const void *data, size_t len,
                unsigned char out[SF_SHA256_LEN]) {
  SfSha256 c;
  sf_sha256_init(&c);
  sf_sha256_update(&c, data, len);
  sf_sha256_final(&c, out);
}

/* RFC 2104: H((K ^ opad) || H((K ^ ipad) || msg)), K hashed first when
** longer than a block. */
void sf_hmac_sha256 (const void *key, size_t keylen, const void *msg,
                     size_t msglen, unsigned char out[SF_SHA256_LEN]) {
  unsigned char k[64], pad[64], inner[SF_SHA256_LEN];
  SfSha256 c;
  int i;
  memset(k, 0, sizeof(k));
  if (keylen > 64)
    sf_sha256(key, keylen, k);
  else if (keylen > 0)
    memcpy(k, key, keylen);
  for (i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x36;
  sf_sha256_init(&c);
  sf_sha256_update(&c, pad, 64);
  sf_sha256_update(&c, msg, msglen);
  sf_sha256_final(&c, inner);
  for (i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x5c;
  sf_sha256_init(&c);
  sf_sha256_update(&c, pad, 64);
  sf_sha256_update(&c, inner, sizeof(inner));
  sf_sha256_final(&c, out);
}

void sf_sha256_hex (const unsigned char d[SF_SHA256_LEN],
                    char hex[SF_SHA256_HEXLEN]) {
  static const char digits[] = "0123456789abcdef";
  int i;
  for (i = 0; i < SF_SHA256_LEN; i++) {
    hex[2 * i] = digits[d[i] >> 4];
    hex[2 * i + 1] = digits[d[i] & 15];
  }
  hex[2 * SF_SHA256_LEN] = '\0';
}
