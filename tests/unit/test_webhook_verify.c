/* test_webhook_verify.c -- signature vectors: valid, wrong secret, a
** flipped bit, a re-serialized body, missing or malformed headers, and the
** timestamp window (299 s / 301 s old, 301 s in the future). */
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "sha256.h"
#include "webhook_verify.h"

static const char body[] =
  "{\"code\":200,\"data\":[],\"task_id\":\"t-1\",\"event\":\"song.completed\"}";
static const char secret[] = "whsec-test";

/* "sha256=<hex>" for (key, ts, text). */
static void sign (const char *key, const char *ts, const char *text,
                  char out[80]) {
  char msg[512];
  unsigned char mac[SF_SHA256_LEN];
  char hex[SF_SHA256_HEXLEN];
  snprintf(msg, sizeof(msg), "%s.%s", ts, text);
  sf_hmac_sha256(key, strlen(key), msg, strlen(msg), mac);
  sf_sha256_hex(mac, hex);
  snprintf(out, 80, "sha256=%s", hex);
}

static int verify (const char *ts, const char *sig, const char *text,
                   long now) {
  char why[128];
  return sf_webhook_verify(secret, ts, sig, text, strlen(text), now, why,
                           sizeof(why));
}

int main (void) {
  char sig[80], bad[80];
  long now = 1800000000;
  char ts[32], old299[32], old301[32], ahead301[32];
  snprintf(ts, sizeof(ts), "%ld", now);
  snprintf(old299, sizeof(old299), "%ld", now - 299);
  snprintf(old301, sizeof(old301), "%ld", now - 301);
  snprintf(ahead301, sizeof(ahead301), "%ld", now + 301);

  sign(secret, ts, body, sig);
  CHECK(verify(ts, sig, body, now) == 0);                  /* valid */
  sign("other-secret", ts, body, bad);
  CHECK(verify(ts, bad, body, now) == -1);                 /* wrong key */
  strcpy(bad, sig);
  bad[20] ^= 1;                                            /* one bit */
  CHECK(verify(ts, bad, body, now) == -1);
  CHECK(verify(ts, sig, "{\"code\": 200, \"data\": [], \"task_id\": "
               "\"t-1\", \"event\": \"song.completed\"}", now) == -1);
  CHECK(verify(NULL, sig, body, now) == -1);               /* missing */
  CHECK(verify(ts, NULL, body, now) == -1);
  CHECK(verify(ts, sig + 7, body, now) == -1);             /* no sha256= */
  CHECK(verify("12a", sig, body, now) == -1);              /* malformed */
  CHECK(verify("", sig, body, now) == -1);
  {
    char upper[80];
    size_t i;
    strcpy(upper, sig);
    for (i = 7; upper[i]; i++)
      if (upper[i] >= 'a' && upper[i] <= 'f')
        upper[i] -= 32;
    CHECK(verify(ts, upper, body, now) == -1);             /* not our hex */
  }
  sign(secret, old299, body, sig);
  CHECK(verify(old299, sig, body, now) == 0);              /* 299 s old */
  sign(secret, old301, body, sig);
  CHECK(verify(old301, sig, body, now) == -1);             /* 301 s old */
  sign(secret, ahead301, body, sig);
  CHECK(verify(ahead301, sig, body, now) == -1);           /* 301 s ahead */
  /* the signed timestamp is the header's: moving it breaks the MAC */
  sign(secret, ts, body, sig);
  CHECK(verify(old299, sig, body, now) == -1);
  return CHECK_DONE();
}
