/*
** webhook_verify.h -- is a webhook delivery really from the service?
**
** X-Webhook-Signature is "sha256=<hex>" of HMAC-SHA256(secret,
** "<X-Webhook-Timestamp>.<raw body>"). The comparison takes the same time
** whatever the bytes, and the timestamp must be within 300 s of now
** (either way), so an old delivery cannot be replayed.
*/
#ifndef SF_WEBHOOK_VERIFY_H
#define SF_WEBHOOK_VERIFY_H

#include <stddef.h>
#include <time.h>

#define SF_WEBHOOK_WINDOW 300   /* seconds of clock difference allowed */

/* 0 when valid; -1 with the reason in 'why'. Headers may be NULL. */
int sf_webhook_verify (const char *secret, const char *timestamp,
                       const char *signature, const char *body, size_t len,
                       time_t now, char *why, size_t whylen);

#endif
