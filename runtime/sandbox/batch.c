/*
** batch.c -- POST /sonic/batch (up to 10 create bodies at once) and
** GET /sonic/batch?batch_id=: each item is a create of its own, accepted
** or refused on its own (a bad item does not fail the others), and the
** batch remembers which task each item became so its state can be read.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sbx.h"

#define BATCH_MAX 10

/* An item: the task it became, or the error that refused it. */
typedef struct Item {
  char task_id[SBX_ID_LEN];       /* "" when refused */
  int status;                     /* 200, or the refusal's HTTP status */
  char *error;                    /* owned; NULL when accepted */
} Item;

typedef struct Batch {
  char id[SBX_ID_LEN];
  int n;
  Item item[BATCH_MAX];
} Batch;

void sf_sbx_batch_free (void *p) {
  Batch *b = p;
  int i;
  if (b == NULL)
    return;
  for (i = 0; i < b->n; i++)
    free(b->item[i].error);
  free(b);
}

/* ---- persistence -------------------------------------------------------- */

static void batch_json (Buf *o, const Batch *b) {
  int i;
  sf_sbx_buf_add(o, "{\"items\":[");
  for (i = 0; i < b->n; i++) {
    sf_sbx_buf_fmt(o, "%s{\"task_id\":\"%s\",\"status\":%d,\"error\":",
                   i ? "," : "", b->item[i].task_id, b->item[i].status);
    sf_sbx_buf_str(o, b->item[i].error);
    sf_sbx_buf_add(o, "}");
  }
  sf_sbx_buf_add(o, "]}");
}

void sf_sbx_batch_restore (Sbx *s, const char *id, const Json *j) {
  const Json *items = sf_sbx_json_get(j, "items");
  Batch *b;
  int i;
  if (id == NULL || strlen(id) >= SBX_ID_LEN || items == NULL ||
      items->t != J_ARR || items->nkids > BATCH_MAX ||
      sf_sbx_map_get(&s->batches, id) != NULL)
    return;
  b = sf_sbx_alloc(sizeof(*b));
  strcpy(b->id, id);
  for (i = 0; i < items->nkids; i++) {
    const char *t = sf_sbx_json_str(&items->kids[i], "task_id");
    Item *it = &b->item[b->n++];
    if (t != NULL && strlen(t) < SBX_ID_LEN)
      strcpy(it->task_id, t);
    it->status = (int)sf_sbx_json_num(&items->kids[i], "status", 200);
    it->error = sf_sbx_strdup(sf_sbx_json_str(&items->kids[i], "error"));
  }
  sf_sbx_map_put(&s->batches, b->id, b);
}

/* ---- POST /sonic/batch -------------------------------------------------- */

/* What the create answered, read back into the item. */
static void item_from (Item *it, const Answer *ans) {
  Json *j = sf_sbx_json_parse(ans->body.p ? ans->body.p : "",
                              ans->body.len, NULL, 0);
  const char *id = sf_sbx_json_str(j, "task_id");
  const char *msg = sf_sbx_json_str(j, "message");
  it->status = ans->status;
  if (ans->status == 200 && id != NULL && strlen(id) < SBX_ID_LEN)
    strcpy(it->task_id, id);
  else
    it->error = sf_sbx_strdup(msg ? msg : sf_sbx_json_str(j, "error") ?
                              sf_sbx_json_str(j, "error") :
                              "Internal Server Error.");
  sf_sbx_json_free(j);
}

void sf_sbx_api_batch (Sbx *s, const Json *body, const char *key,
                       Answer *a) {
  const Json *items = sf_sbx_json_get(body, "items");
  Batch *b;
  Buf rec;
  int i, ok = 0;
  if (items == NULL || items->t != J_ARR || items->nkids == 0) {
    sf_sbx_answer_error(s, a, 400, "The 'items' field should be a list of "
                        "create bodies.");
    return;
  }
  if (items->nkids > BATCH_MAX) {
    sf_sbx_answer_error(s, a, 400, "The 'items' field should hold at most "
                        "10 create bodies.");
    return;
  }
  b = sf_sbx_alloc(sizeof(*b));
  for (i = 0; i < items->nkids; i++) {       /* each takes the lock */
    Answer ans;
    sf_sbx_answer_init(&ans);
    sf_sbx_api_create(s, &items->kids[i], key, &ans);
    item_from(&b->item[b->n++], &ans);
    ok += b->item[i].error == NULL;
    sf_sbx_answer_free(&ans);
  }
  pthread_mutex_lock(&s->lock);
  sf_sbx_uuid(sf_sbx_hash_mix(s->cfg.seed, 0xba7c4),
              (uint64_t)s->batches.count * 0x9e3779b97f4a7c15ULL ^
              (uint64_t)s->n_tasks, b->id);
  sf_sbx_map_put(&s->batches, b->id, b);
  sf_sbx_buf_init(&rec);
  batch_json(&rec, b);
  sf_sbx_state_begin(s);
  sf_sbx_state_save_record(s, "batch", b->id, rec.p);
  sf_sbx_state_commit(s);
  sf_sbx_buf_free(&rec);
  sf_sbx_buf_fmt(&a->body, "{\"message\":\"success\",\"batch_id\":\"%s\","
                 "\"submitted\":%d,\"tasks\":[", b->id, ok);
  for (i = 0; i < b->n; i++) {
    if (b->item[i].error == NULL)
      sf_sbx_buf_fmt(&a->body, "%s{\"task_id\":\"%s\"}", i ? "," : "",
                     b->item[i].task_id);
    else {
      sf_sbx_buf_fmt(&a->body, "%s{\"status\":%d,\"error\":", i ? "," : "",
                     b->item[i].status);
      sf_sbx_buf_str(&a->body, b->item[i].error);
      sf_sbx_buf_add(&a->body, "}");
    }
  }
  sf_sbx_buf_add(&a->body, "]}");
  a->status = 200;
  pthread_mutex_unlock(&s->lock);
}

/* ---- GET /sonic/batch?batch_id= ----------------------------------------- */

/* A task's state as one word: succeeded or failed once every clip is
** terminal (failed if any clip failed), else running or pending. */
static const char *task_word (const Sbx *s, const Task *t, int64_t now) {
  int i, pending = 0, open = 0, failed = 0;
  for (i = 0; i < t->nclips; i++) {
    ClipState st = sf_sbx_clip_state(s, t->clips[i], now);
    pending += st == CS_PENDING;
    open += st != CS_SUCCEEDED && st != CS_FAILED;
    failed += st == CS_FAILED;
  }
  if (open > 0)
    return pending == t->nclips ? "pending" : "running";
  return failed ? "failed" : "succeeded";
}

void sf_sbx_api_batch_status (Sbx *s, const char *batch_id, Answer *a) {
  const Batch *b;
  int64_t now = sf_sbx_now_ms();
  int i;
  if (batch_id == NULL || *batch_id == '\0') {
    sf_sbx_answer_error(s, a, 400, "missing batch id.");
    return;
  }
  pthread_mutex_lock(&s->lock);
  sf_sbx_tasks_settle(s, now);
  if ((b = sf_sbx_map_get(&s->batches, batch_id)) == NULL) {
    sf_sbx_answer_error(s, a, 400, "batch not found.");
    goto done;
  }
  sf_sbx_buf_fmt(&a->body, "{\"code\":200,\"message\":\"success\","
                 "\"batch_id\":\"%s\",\"tasks\":[", b->id);
  for (i = 0; i < b->n; i++) {
    const Item *it = &b->item[i];
    const Task *t = it->error ? NULL : sf_sbx_task_find(s, it->task_id);
    sf_sbx_buf_add(&a->body, i ? "," : "");
    if (it->error != NULL) {
      sf_sbx_buf_fmt(&a->body, "{\"status\":%d,\"error\":", it->status);
      sf_sbx_buf_str(&a->body, it->error);
      sf_sbx_buf_add(&a->body, "}");
    } else
      sf_sbx_buf_fmt(&a->body, "{\"task_id\":\"%s\",\"state\":\"%s\"}",
                     it->task_id, t ? task_word(s, t, now) : "expired");
  }
  sf_sbx_buf_add(&a->body, "]}");
  a->status = 200;
done:
  pthread_mutex_unlock(&s->lock);
}
