/*
** webhook_verify.c -- webhook signature checks (see webhook_verify.h).
*/
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sha256.h"
#include "webhook_verify.h"

/* Compare two equal-length strings in constant time. */
static int same_bytes (const char *a, const char *b, size_t n) {
  unsigned char diff = 0;
  size_t i;
  for (i = 0; i < n; i++)
    diff |= (unsigned char)(a[i] ^ b[i]);
  return diff == 0;
}

int sf_webhook_verify (const char *secret, const char *timestamp,
                       const char *signature, const char *body, size_t len,
                       time_t now, char *why, size_t whylen) {
  unsigned char mac[SF_SHA256_LEN];
  char hex[SF_SHA256_HEXLEN], *end;
  long long ts;
  size_t i, tlen;
  if (timestamp == NULL || signature == NULL) {
    snprintf(why, whylen, "missing X-Webhook-%s header",
             timestamp == NULL ? "Timestamp" : "Signature");
    return -1;
  }
  tlen = strlen(timestamp);
  for (i = 0; i < tlen; i++)
    if (!isdigit((unsigned char)timestamp[i]))
      break;
  ts = strtoll(timestamp, &end, 10);
  if (tlen == 0 || tlen > 12 || i != tlen || *end != '\0') {
    snprintf(why, whylen, "malformed X-Webhook-Timestamp");
    return -1;
  }
  if (ts < (long long)now - SF_WEBHOOK_WINDOW ||
      ts > (long long)now + SF_WEBHOOK_WINDOW) {
    snprintf(why, whylen, "timestamp %s too far from now", ts < now ?
             "is" : "is ahead, and");
    return -1;
  }
  if (strncmp(signature, "sha256=", 7) != 0 ||
      strlen(signature + 7) != SF_SHA256_HEXLEN - 1) {
    snprintf(why, whylen, "malformed X-Webhook-Signature");
    return -1;
  }
  {   /* HMAC over "<timestamp>.<body>", without copying the body */
    size_t n = tlen + 1 + len;
    char *msg = malloc(n ? n : 1);
    if (msg == NULL) {
      snprintf(why, whylen, "not enough memory");
      return -1;
    }
    memcpy(msg, timestamp, tlen);
    msg[tlen] = '.';
    memcpy(msg + tlen + 1, body, len);
    sf_hmac_sha256(secret, strlen(secret), msg, n, mac);
    free(msg);
  }
  sf_sha256_hex(mac, hex);
  for (i = 0; i < SF_SHA256_HEXLEN - 1; i++)   /* hex is lower case */
    if (isupper((unsigned char)signature[7 + i]))
      break;
  if (!same_bytes(hex, signature + 7, SF_SHA256_HEXLEN - 1) ||
      i != SF_SHA256_HEXLEN - 1) {
    snprintf(why, whylen, "signature does not match");
    return -1;
  }
  return 0;
}
