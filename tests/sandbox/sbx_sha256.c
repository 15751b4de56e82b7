/*
** sbx_sha256.c -- SHA-256 and HMAC-SHA256. See sbx_sha256.h.
*/
#include "sbx_sha256.h"

#include <string.h>

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

/* Compress one 64-byte block into the state. */
static void compress (uint32_t h[8], const unsigned char *b) {
  uint32_t w[64], s[8], i;
  for (i = 0; i < 16; i++)
    w[i] = (uint32_t)b[4 * i] << 24 | (uint32_t)b[4 * i + 1] << 16 |
           (uint32_t)b[4 * i + 2] << 8 | b[4 * i + 3];
  for (i = 16; i < 64; i++) {
    uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
    uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
    w[i] = w[i - 16] + s0 + w[i - 7] + s1;
  }
  memcpy(s, h, sizeof(s));
  for (i = 0; i < 64; i++) {
    uint32_t S1 = ROR(s[4], 6) ^ ROR(s[4], 11) ^ ROR(s[4], 25);
    uint32_t ch = (s[4] & s[5]) ^ (~s[4] & s[6]);
    uint32_t t1 = s[7] + S1 + ch + K[i] + w[i];
    uint32_t S0 = ROR(s[0], 2) ^ ROR(s[0], 13) ^ ROR(s[0], 22);
    uint32_t mj = (s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]);
    memmove(s + 1, s, 7 * sizeof(uint32_t));
    s[4] += t1;
    s[0] = t1 + S0 + mj;
  }
  for (i = 0; i < 8; i++)
    h[i] += s[i];
}

void sbx_sha256_init (SbxSha256 *c) {
  static const uint32_t iv[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
  };
  memcpy(c->h, iv, sizeof(iv));
  c->bits = 0;
  c->fill = 0;
}

void sbx_sha256_update (SbxSha256 *c, const void *data, size_t n) {
  const unsigned char *p = data;
  c->bits += (uint64_t)n * 8;
  while (n > 0) {
    size_t take = 64 - c->fill < n ? 64 - c->fill : n;
    memcpy(c->block + c->fill, p, take);
    c->fill += take;
    p += take;
    n -= take;
    if (c->fill == 64) {
      compress(c->h, c->block);
      c->fill = 0;
    }
  }
}

void sbx_sha256_final (SbxSha256 *c, unsigned char out[32]) {
  uint64_t bits = c->bits;
  unsigned char pad = 0x80, zero = 0, len[8];
  int i;
  sbx_sha256_update(c, &pad, 1);
  while (c->fill != 56)
    sbx_sha256_update(c, &zero, 1);
  for (i = 0; i < 8; i++)
    len[i] = (unsigned char)(bits >> (56 - 8 * i));
  sbx_sha256_update(c, len, 8);
  for (i = 0; i < 32; i++)
    out[i] = (unsigned char)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}

void sbx_sha256 (const void *data, size_t n, unsigned char out[32]) {
  SbxSha256 c;
  sbx_sha256_init(&c);
  sbx_sha256_update(&c, data, n);
  sbx_sha256_final(&c, out);
}

void sbx_hmac_sha256 (const void *key, size_t klen, const void *msg,
                      size_t mlen, unsigned char out[32]) {
  unsigned char k[64] = {0}, pad[64], inner[32];
  SbxSha256 c;
  int i;
  if (klen > 64)
    sbx_sha256(key, klen, k);              /* long keys are hashed first */
  else
    memcpy(k, key, klen);
  for (i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x36;
  sbx_sha256_init(&c);
  sbx_sha256_update(&c, pad, 64);
  sbx_sha256_update(&c, msg, mlen);
  sbx_sha256_final(&c, inner);
  for (i = 0; i < 64; i++)
    pad[i] = k[i] ^ 0x5c;
  sbx_sha256_init(&c);
  sbx_sha256_update(&c, pad, 64);
  sbx_sha256_update(&c, inner, 32);
  sbx_sha256_final(&c, out);
}

void sbx_hex (const unsigned char *p, size_t n, char *out) {
  static const char digits[] = "0123456789abcdef";
  size_t i;
  for (i = 0; i < n; i++) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  out[2 * n] = '\0';
}
