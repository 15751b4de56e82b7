/*
** ledger.c -- credits and extra_credits. A charge is taken at acceptance,
** extra_credits first, and remembers how much came from each pool so a
** refund puts every credit back where it was taken from.
*/
#include <stdlib.h>
#include <string.h>
#include "sbx.h"

/*
** Debit 'amount' for one accepted request. Returns 0 and the charge's
** index in '*index' (-1 for a free call), or -1 when the two pools
** together cannot pay: nothing is taken then. Lock held.
*/
int sf_sbx_ledger_charge (Sbx *s, const char *kind, const char *task_id,
                          const char *clip_id, long long amount,
                          long *index) {
  Ledger *l = &s->ledger;
  Charge *c;
  *index = -1;
  if (amount <= 0)
    return 0;
  if (l->credits + l->extra_credits < amount)
    return -1;
  if (l->ncharges == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 64;
    l->charges = sf_sbx_realloc(l->charges, l->cap * sizeof(Charge));
  }
  c = &l->charges[l->ncharges];
  memset(c, 0, sizeof(*c));
  strncpy(c->task_id, task_id ? task_id : "", SBX_ID_LEN - 1);
  strncpy(c->clip_id, clip_id ? clip_id : "", SBX_ID_LEN - 1);
  strncpy(c->kind, kind, sizeof(c->kind) - 1);
  c->amount = amount;
  c->from_extra = amount < l->extra_credits ? amount : l->extra_credits;
  if (c->from_extra < 0)
    c->from_extra = 0;
  l->extra_credits -= c->from_extra;
  l->credits -= amount - c->from_extra;
  *index = (long)l->ncharges++;
  sf_sbx_state_save_charge(s, *index);
  sf_sbx_state_save_meta(s);
  return 0;
}

/* Give a charge back, once. Lock held. */
void sf_sbx_ledger_refund (Sbx *s, long index) {
  Charge *c;
  if (index < 0 || (size_t)index >= s->ledger.ncharges)
    return;
  c = &s->ledger.charges[index];
  if (c->refunded)
    return;
  c->refunded = 1;
  s->ledger.extra_credits += c->from_extra;
  s->ledger.credits += c->amount - c->from_extra;
  sf_sbx_state_save_charge(s, index);
  sf_sbx_state_save_meta(s);
}

/* One charge as the debug endpoint shows it. */
static void charge_json (Buf *b, const Charge *c) {
  sf_sbx_buf_add(b, "{\"task_id\":");
  sf_sbx_buf_str(b, c->task_id[0] ? c->task_id : NULL);
  sf_sbx_buf_add(b, ",\"clip_id\":");
  sf_sbx_buf_str(b, c->clip_id[0] ? c->clip_id : NULL);
  sf_sbx_buf_add(b, ",\"kind\":");
  sf_sbx_buf_str(b, c->kind);
  sf_sbx_buf_fmt(b, ",\"amount\":%lld,\"refunded\":%s}", c->amount,
                 c->refunded ? "true" : "false");
}

/*
** GET /_sandbox/ledger: {credits, extra_credits, creates_accepted,
** charges:[...], downloads:{clip_id: n}} for tests that must count what
** was paid and fetched. Lock held.
*/
void sf_sbx_ledger_json (Sbx *s, Buf *b) {
  size_t i;
  int first = 1;
  sf_sbx_buf_fmt(b, "{\"credits\":%lld,\"extra_credits\":%lld,"
                 "\"creates_accepted\":%lld,\"charges\":[",
                 s->ledger.credits, s->ledger.extra_credits,
                 s->creates_accepted);
  for (i = 0; i < s->ledger.ncharges; i++) {
    if (i)
      sf_sbx_buf_add(b, ",");
    charge_json(b, &s->ledger.charges[i]);
  }
  sf_sbx_buf_add(b, "],\"downloads\":{");
  for (i = 0; i < s->clips.nslot; i++) {
    MapEnt *e;
    for (e = s->clips.slot[i]; e != NULL; e = e->next) {
      const Clip *c = (const Clip *)e->val;
      if (c->downloads == 0)
        continue;
      sf_sbx_buf_fmt(b, "%s\"%s\":%lld", first ? "" : ",", c->id,
                     c->downloads);
      first = 0;
    }
  }
  sf_sbx_buf_add(b, "}}");
}

void sf_sbx_ledger_free (Ledger *l) {
  free(l->charges);
  l->charges = NULL;
  l->ncharges = l->cap = 0;
}
