/*
** state.c -- --state FILE: tasks, clips, the ledger and the counters in
** SQLite (WAL), written through on every change, so a sandbox killed at
** any moment and started again on the same file continues: same ledger,
** same tasks, whose timings keep running on the wall clock.
**
** Rows hold JSON written and read by this file only. Every function is
** called with the sandbox's lock held; without --state they do nothing.
*/
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sbx.h"

struct State {
  sqlite3 *db;
  sqlite3_stmt *put_task, *put_clip, *put_charge, *put_meta, *put_dl;
  sqlite3_stmt *del_task, *del_clip, *del_dl;   /* retention (retain.c) */
  sqlite3_stmt *put_record;       /* personas, batches */
  int depth;                      /* nested begin/commit */
  int warned;
};

static const char *SCHEMA =
  "PRAGMA journal_mode=WAL;"
  "PRAGMA synchronous=NORMAL;"
  "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER);"
  "CREATE TABLE IF NOT EXISTS tasks (id TEXT PRIMARY KEY, no INTEGER,"
  " body TEXT);"
  "CREATE TABLE IF NOT EXISTS clips (id TEXT PRIMARY KEY, no INTEGER,"
  " body TEXT);"
  "CREATE TABLE IF NOT EXISTS charges (no INTEGER PRIMARY KEY, body TEXT);"
  "CREATE TABLE IF NOT EXISTS downloads (clip_id TEXT PRIMARY KEY,"
  " n INTEGER);"
  "CREATE TABLE IF NOT EXISTS records (kind TEXT, id TEXT, no INTEGER,"
  " body TEXT, PRIMARY KEY (kind, id));";

/* Report a failed write once; the sandbox keeps serving from memory. */
static void warn (Sbx *s, const char *what) {
  if (s->state->warned++)
    return;
  fprintf(stderr, "sonicflow sandbox: state file: %s: %s\n", what,
          sqlite3_errmsg(s->state->db));
}

/* Bind (text, text) or (text, int) and step a prepared statement. */
static void put (Sbx *s, sqlite3_stmt *st, const char *k, long long no,
                 const char *body) {
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64(st, 2, no);
  if (body != NULL)
    sqlite3_bind_text(st, 3, body, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) != SQLITE_DONE)
    warn(s, "write");
  sqlite3_reset(st);
}

static void exec (Sbx *s, const char *sql) {
  if (sqlite3_exec(s->state->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    warn(s, sql);
}

void sf_sbx_state_begin (Sbx *s) {
  if (s->state != NULL && s->state->depth++ == 0)
    exec(s, "BEGIN");
}

void sf_sbx_state_commit (Sbx *s) {
  if (s->state != NULL && --s->state->depth == 0)
    exec(s, "COMMIT");
}

/* ---- writing ------------------------------------------------------------ */

void sf_sbx_state_save_task (Sbx *s, const Task *t) {
  Buf b;
  int i;
  if (s->state == NULL)
    return;
  sf_sbx_buf_init(&b);
  sf_sbx_buf_fmt(&b, "{\"kind\":\"%s\",\"created_ms\":%lld,\"t_ready\":"
                 "%lld,\"fails\":%d,\"charge\":%ld,\"settled\":%d,"
                 "\"webhook_sent\":%d,\"webhook_url\":", t->kind,
                 (long long)t->created_ms, (long long)t->t_ready, t->fails,
                 t->charge, t->settled, t->webhook_sent);
  sf_sbx_buf_str(&b, t->webhook_url);
  sf_sbx_buf_add(&b, ",\"webhook_secret\":");
  sf_sbx_buf_str(&b, t->webhook_secret);
  sf_sbx_buf_add(&b, ",\"clips\":[");
  for (i = 0; i < t->nclips; i++)
    sf_sbx_buf_fmt(&b, "%s\"%s\"", i ? "," : "", t->clips[i]->id);
  sf_sbx_buf_add(&b, "]}");
  put(s, s->state->put_task, t->id, t->no, b.p);
  sf_sbx_buf_free(&b);
}

/* A string field "name":value, NULL as null. */
static void field (Buf *b, const char *name, const char *v) {
  sf_sbx_buf_fmt(b, ",\"%s\":", name);
  sf_sbx_buf_str(b, v);
}

void sf_sbx_state_save_clip (Sbx *s, const Clip *c) {
  Buf b;
  if (s->state == NULL)
    return;
  sf_sbx_buf_init(&b);
  sf_sbx_buf_fmt(&b, "{\"index\":%d,\"uploaded\":%d,\"is_extension\":%d,"
                 "\"continue_at_cs\":%lld,\"t_running\":%lld,"
                 "\"t_streaming\":%lld,\"t_done\":%lld,\"created_ms\":%lld",
                 c->index, c->uploaded, c->is_extension,
                 (long long)c->continue_at_cs, (long long)c->t_running,
                 (long long)c->t_streaming, (long long)c->t_done,
                 (long long)c->created_ms);
  field(&b, "task_id", c->task ? c->task->id : NULL);
  field(&b, "parent_id", c->parent_id);
  field(&b, "title", c->title);
  field(&b, "tags", c->tags);
  field(&b, "lyrics", c->lyrics);
  field(&b, "negative_tags", c->negative_tags);
  field(&b, "gpt_prompt", c->gpt_prompt);
  field(&b, "mv", c->mv);
  if (c->has_style_weight)
    sf_sbx_buf_fmt(&b, ",\"style_weight\":%.17g", c->style_weight);
  if (c->has_weirdness)
    sf_sbx_buf_fmt(&b, ",\"weirdness\":%.17g", c->weirdness);
  sf_sbx_buf_add(&b, ",\"recipe\":");
  sf_sbx_recipe_json(&b, &c->recipe);
  sf_sbx_buf_add(&b, "}");
  put(s, s->state->put_clip, c->id, s->n_clips, b.p);
  sf_sbx_buf_free(&b);
}

void sf_sbx_state_save_charge (Sbx *s, long index) {
  const Charge *c = &s->ledger.charges[index];
  Buf b;
  if (s->state == NULL)
    return;
  sf_sbx_buf_init(&b);
  sf_sbx_buf_fmt(&b, "{\"task_id\":\"%s\",\"clip_id\":\"%s\",\"kind\":"
                 "\"%s\",\"amount\":%lld,\"from_extra\":%lld,"
                 "\"refunded\":%d}", c->task_id, c->clip_id, c->kind,
                 c->amount, c->from_extra, c->refunded);
  sqlite3_reset(s->state->put_charge);
  sqlite3_bind_int64(s->state->put_charge, 1, index);
  sqlite3_bind_text(s->state->put_charge, 2, b.p, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(s->state->put_charge) != SQLITE_DONE)
    warn(s, "write");
  sqlite3_reset(s->state->put_charge);
  sf_sbx_buf_free(&b);
}

void sf_sbx_state_save_meta (Sbx *s) {
  if (s->state == NULL)
    return;
  put(s, s->state->put_meta, "credits", s->ledger.credits, NULL);
  put(s, s->state->put_meta, "extra_credits", s->ledger.extra_credits,
      NULL);
  put(s, s->state->put_meta, "n_tasks", s->n_tasks, NULL);
  put(s, s->state->put_meta, "n_clips", s->n_clips, NULL);
  put(s, s->state->put_meta, "creates_accepted", s->creates_accepted,
      NULL);
}

void sf_sbx_state_save_downloads (Sbx *s, const Clip *c) {
  if (s->state != NULL)
    put(s, s->state->put_dl, c->id, c->downloads, NULL);
}

void sf_sbx_state_save_record (Sbx *s, const char *kind, const char *id,
                               const char *json) {
  sqlite3_stmt *st;
  if (s->state == NULL)
    return;
  st = s->state->put_record;
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, json, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) != SQLITE_DONE)
    warn(s, "write");
  sqlite3_reset(st);
}

/* Delete the row keyed 'k' with a one-parameter statement. */
static void del (Sbx *s, sqlite3_stmt *st, const char *k) {
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, k, -1, SQLITE_TRANSIENT);
  if (sqlite3_step(st) != SQLITE_DONE)
    warn(s, "delete");
  sqlite3_reset(st);
}

void sf_sbx_state_forget_clip (Sbx *s, const Clip *c) {
  if (s->state == NULL)
    return;
  del(s, s->state->del_clip, c->id);
  del(s, s->state->del_dl, c->id);
}

/* The task's row and its clips' rows: a restart must not bring back what
** the retention dropped. */
void sf_sbx_state_forget_task (Sbx *s, const Task *t) {
  int i;
  if (s->state == NULL)
    return;
  for (i = 0; i < t->nclips; i++)
    sf_sbx_state_forget_clip(s, t->clips[i]);
  del(s, s->state->del_task, t->id);
}

/* ---- loading ------------------------------------------------------------ */

/* Run 'sql' and call 'row' with (first column text, second int, third
** text) for each result row. */
static void each_row (Sbx *s, const char *sql,
                      void (*row) (Sbx *, const char *, long long,
                                   const char *)) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->state->db, sql, -1, &st, NULL) != SQLITE_OK)
    return;
  while (sqlite3_step(st) == SQLITE_ROW)
    row(s, (const char *)sqlite3_column_text(st, 0),
        sqlite3_column_int64(st, 1),
        (const char *)sqlite3_column_text(st, 2));
  sqlite3_finalize(st);
}

static void load_meta (Sbx *s, const char *k, long long v, const char *x) {
  (void)x;
  if (k == NULL) return;
  if (!strcmp(k, "credits")) s->ledger.credits = v;
  else if (!strcmp(k, "extra_credits")) s->ledger.extra_credits = v;
  else if (!strcmp(k, "n_tasks")) s->n_tasks = v;
  else if (!strcmp(k, "n_clips")) s->n_clips = v;
  else if (!strcmp(k, "creates_accepted")) s->creates_accepted = v;
}

static void load_charge (Sbx *s, const char *k, long long no,
                         const char *body) {
  Json *j = sf_sbx_json_parse(body, strlen(body), NULL, 0);
  Ledger *l = &s->ledger;
  Charge *c;
  (void)k;
  if (j == NULL || no != (long long)l->ncharges)
    goto done;
  if (l->ncharges == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 64;
    l->charges = sf_sbx_realloc(l->charges, l->cap * sizeof(Charge));
  }
  c = &l->charges[l->ncharges++];
  memset(c, 0, sizeof(*c));
  strncpy(c->task_id, sf_sbx_json_str(j, "task_id") ? sf_sbx_json_str(j,
          "task_id") : "", SBX_ID_LEN - 1);
  strncpy(c->clip_id, sf_sbx_json_str(j, "clip_id") ? sf_sbx_json_str(j,
          "clip_id") : "", SBX_ID_LEN - 1);
  strncpy(c->kind, sf_sbx_json_str(j, "kind") ? sf_sbx_json_str(j, "kind")
          : "", sizeof(c->kind) - 1);
  c->amount = (long long)sf_sbx_json_num(j, "amount", 0);
  c->from_extra = (long long)sf_sbx_json_num(j, "from_extra", 0);
  c->refunded = (int)sf_sbx_json_num(j, "refunded", 0);
done:
  sf_sbx_json_free(j);
}

static char *dup_field (const Json *j, const char *name) {
  return sf_sbx_strdup(sf_sbx_json_str(j, name));
}

/* Clips first, unlinked; load_task links them to their tasks. */
static void load_clip (Sbx *s, const char *id, long long no,
                       const char *body) {
  Json *j = sf_sbx_json_parse(body, strlen(body), NULL, 0);
  Clip *c;
  const char *parent;
  (void)no;
  if (j == NULL || id == NULL || strlen(id) >= SBX_ID_LEN)
    goto done;
  c = sf_sbx_alloc(sizeof(Clip));
  memcpy(c->id, id, strlen(id));
  c->index = (int)sf_sbx_json_num(j, "index", 0);
  c->uploaded = (int)sf_sbx_json_num(j, "uploaded", 0);
  c->is_extension = (int)sf_sbx_json_num(j, "is_extension", 0);
  c->continue_at_cs = (int64_t)sf_sbx_json_num(j, "continue_at_cs", 0);
  c->t_running = (int64_t)sf_sbx_json_num(j, "t_running", 0);
  c->t_streaming = (int64_t)sf_sbx_json_num(j, "t_streaming", 0);
  c->t_done = (int64_t)sf_sbx_json_num(j, "t_done", 0);
  c->created_ms = (int64_t)sf_sbx_json_num(j, "created_ms", 0);
  parent = sf_sbx_json_str(j, "parent_id");
  if (parent != NULL && strlen(parent) < SBX_ID_LEN)
    strcpy(c->parent_id, parent);
  c->title = dup_field(j, "title");
  c->tags = dup_field(j, "tags");
  c->lyrics = dup_field(j, "lyrics");
  c->negative_tags = dup_field(j, "negative_tags");
  c->gpt_prompt = dup_field(j, "gpt_prompt");
  c->mv = dup_field(j, "mv");
  c->has_style_weight = sf_sbx_json_get(j, "style_weight") != NULL;
  c->style_weight = sf_sbx_json_num(j, "style_weight", 0);
  c->has_weirdness = sf_sbx_json_get(j, "weirdness") != NULL;
  c->weirdness = sf_sbx_json_num(j, "weirdness", 0);
  sf_sbx_recipe_load(&c->recipe, sf_sbx_json_get(j, "recipe"));
  sf_sbx_map_put(&s->clips, c->id, c);
  if (c->uploaded)
    sf_sbx_retain_upload(s, c);
done:
  sf_sbx_json_free(j);
}

static void load_task (Sbx *s, const char *id, long long no,
                       const char *body) {
  Json *j = sf_sbx_json_parse(body, strlen(body), NULL, 0);
  const Json *ids = sf_sbx_json_get(j, "clips");
  const char *kind = sf_sbx_json_str(j, "kind");
  Task *t;
  int i;
  if (j == NULL || id == NULL || strlen(id) >= SBX_ID_LEN || ids == NULL ||
      ids->t != J_ARR || kind == NULL)
    goto done;
  t = sf_sbx_task_alloc(ids->nkids);
  strcpy(t->id, id);
  t->no = no;
  strncpy(t->kind, kind, sizeof(t->kind) - 1);
  t->created_ms = (int64_t)sf_sbx_json_num(j, "created_ms", 0);
  t->t_ready = (int64_t)sf_sbx_json_num(j, "t_ready", 0);
  t->fails = (int)sf_sbx_json_num(j, "fails", 0);
  t->charge = (long)sf_sbx_json_num(j, "charge", -1);
  t->settled = (int)sf_sbx_json_num(j, "settled", 0);
  t->webhook_sent = (int)sf_sbx_json_num(j, "webhook_sent", 0);
  t->webhook_url = dup_field(j, "webhook_url");
  t->webhook_secret = dup_field(j, "webhook_secret");
  for (i = 0; i < ids->nkids; i++) {
    Clip *c = ids->kids[i].t == J_STR ? sf_sbx_clip_find(s, ids->kids[i].s)
                                      : NULL;
    if (c == NULL || c->task != NULL || c->uploaded)  /* bad file */
      continue;
    c->task = t;
    t->clips[t->nclips++] = c;
  }
  sf_sbx_task_pack(s, t);
  sf_sbx_map_put(&s->tasks, t->id, t);
  sf_sbx_retain_task(s, t);       /* rows come in creation order */
  sf_sbx_task_track(s, t);
  if (t->webhook_url != NULL && !t->webhook_sent)
    sf_sbx_hooks_arm(s, t);
done:
  sf_sbx_json_free(j);
}

static void load_download (Sbx *s, const char *id, long long n,
                           const char *x) {
  Clip *c = id ? sf_sbx_clip_find(s, id) : NULL;
  (void)x;
  if (c != NULL)
    c->downloads = n;
}

/* Each persona or batch row, handed to its owner (persona.c, batch.c),
** in the order they were made. */
static void each_record (Sbx *s) {
  sqlite3_stmt *st;
  if (sqlite3_prepare_v2(s->state->db, "SELECT kind, id, body FROM records "
                         "ORDER BY no", -1, &st, NULL) != SQLITE_OK)
    return;
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *kind = (const char *)sqlite3_column_text(st, 0);
    const char *id = (const char *)sqlite3_column_text(st, 1);
    const char *body = (const char *)sqlite3_column_text(st, 2);
    Json *j = body ? sf_sbx_json_parse(body, strlen(body), NULL, 0) : NULL;
    if (kind != NULL && !strcmp(kind, "persona"))
      sf_sbx_persona_restore(s, id, j);
    else if (kind != NULL && !strcmp(kind, "batch"))
      sf_sbx_batch_restore(s, id, j);
    sf_sbx_json_free(j);
  }
  sqlite3_finalize(st);
}

/* Read everything back. A new file gets the configured credits. */
static void state_load (Sbx *s) {
  sqlite3_stmt *st;
  int fresh = 1;
  if (sqlite3_prepare_v2(s->state->db, "SELECT count(*) FROM meta", -1,
                         &st, NULL) == SQLITE_OK) {
    if (sqlite3_step(st) == SQLITE_ROW)
      fresh = sqlite3_column_int(st, 0) == 0;
    sqlite3_finalize(st);
  }
  if (fresh) {
    sf_sbx_state_save_meta(s);
    return;
  }
  each_row(s, "SELECT k, v, NULL FROM meta", load_meta);
  each_row(s, "SELECT NULL, no, body FROM charges ORDER BY no",
           load_charge);
  each_row(s, "SELECT id, no, body FROM clips ORDER BY no", load_clip);
  each_row(s, "SELECT id, no, body FROM tasks ORDER BY no", load_task);
  each_row(s, "SELECT clip_id, n, NULL FROM downloads", load_download);
  each_record(s);
}

/* Open (creating if needed) and load 'path'. Lock held. */
State *sf_sbx_state_open (Sbx *s, const char *path, char *err,
                          size_t errlen) {
  State *st = sf_sbx_alloc(sizeof(State));
  s->state = st;
  if (sqlite3_open(path, &st->db) != SQLITE_OK ||
      sqlite3_exec(st->db, SCHEMA, NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO tasks VALUES "
                         "(?1, ?2, ?3)", -1, &st->put_task, NULL) ||
      sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO clips VALUES "
                         "(?1, ?2, ?3)", -1, &st->put_clip, NULL) ||
      sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO charges VALUES "
                         "(?1, ?2)", -1, &st->put_charge, NULL) ||
      sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO meta VALUES "
                         "(?1, ?2)", -1, &st->put_meta, NULL) ||
      sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO downloads VALUES "
                         "(?1, ?2)", -1, &st->put_dl, NULL) ||
      sqlite3_prepare_v2(st->db, "DELETE FROM tasks WHERE id = ?1", -1,
                         &st->del_task, NULL) ||
      sqlite3_prepare_v2(st->db, "DELETE FROM clips WHERE id = ?1", -1,
                         &st->del_clip, NULL) ||
      sqlite3_prepare_v2(st->db, "DELETE FROM downloads WHERE clip_id = ?1",
                         -1, &st->del_dl, NULL) ||
      sqlite3_prepare_v2(st->db, "INSERT OR REPLACE INTO records VALUES "
                         "(?1, ?2, (SELECT COUNT(*) FROM records), ?3)", -1,
                         &st->put_record, NULL)) {
    snprintf(err, errlen, "cannot use state file %s: %s", path,
             st->db ? sqlite3_errmsg(st->db) : "out of memory");
    sf_sbx_state_close(st);
    s->state = NULL;
    return NULL;
  }
  sqlite3_busy_timeout(st->db, 5000);
  sf_sbx_state_begin(s);
  state_load(s);
  sf_sbx_tasks_settle(s, sf_sbx_now_ms());
  sf_sbx_retain_evict(s, sf_sbx_now_ms(), 0);  /* a smaller --retain-tasks */
  sf_sbx_state_commit(s);
  return st;
}

void sf_sbx_state_close (State *st) {
  if (st == NULL)
    return;
  sqlite3_finalize(st->put_task);
  sqlite3_finalize(st->put_clip);
  sqlite3_finalize(st->put_charge);
  sqlite3_finalize(st->put_meta);
  sqlite3_finalize(st->put_dl);
  sqlite3_finalize(st->del_task);
  sqlite3_finalize(st->del_clip);
  sqlite3_finalize(st->del_dl);
  sqlite3_finalize(st->put_record);
  sqlite3_close(st->db);
  free(st);
}
