/*
** webhook_receiver.h -- the in-process receiver of the service's webhook
** deliveries (--webhook-listen). It runs on libmicrohttpd's own thread and
** never touches Lua: a delivery that is verified (webhook_verify.h), new
** (deduplicated on X-Webhook-Id) and journaled is answered 2xx and its
** task id is queued for the loop, which it wakes through 'wake_fd'.
** A delivery is only a hint: the waiting task confirms the result with an
** authenticated GET before the script sees anything.
*/
#ifndef SF_WEBHOOK_RECEIVER_H
#define SF_WEBHOOK_RECEIVER_H

#include <stddef.h>

typedef struct SfWebhooks SfWebhooks;

typedef struct SfWebhookStats {
  long received, accepted, duplicates, rejected;
} SfWebhookStats;

/*
** Listen on "ADDR:PORT" (PORT 0 = any). 'journal' (may be NULL) is the
** journal file where deliveries of run 'run_id' are recorded. NULL with a
** message in 'err' on failure.
*/
SfWebhooks *sf_webhooks_start (const char *listen, const char *secret,
                               const char *journal, const char *run_id,
                               int wake_fd, char *err, size_t errlen);
int sf_webhooks_port (const SfWebhooks *w);
/* Take up to 'n' queued task ids (80 bytes each); returns how many. */
int sf_webhooks_take (SfWebhooks *w, char (*ids)[80], int n);
void sf_webhooks_stats (SfWebhooks *w, SfWebhookStats *out);
void sf_webhooks_stop (SfWebhooks *w);

#endif
