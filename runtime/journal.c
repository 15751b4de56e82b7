/*
** journal.c -- the durable record of runs (see journal.h).
**
** Writes go into one transaction that the loop commits once per turn
** (sf_journal_flush), before the paid requests of that turn are released:
** group commit, so a thousand creates in one turn cost one fsync, and
** still no paid request leaves before its intent is on disk.
*/
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "journal.h"

struct SfJournal {
  sqlite3 *db;
  int in_tx;                 /* a write transaction is open */
};

static const char schema[] =
  "PRAGMA journal_mode=WAL;"
  "PRAGMA synchronous=FULL;"
  "CREATE TABLE IF NOT EXISTS runs("
  " id TEXT PRIMARY KEY, script TEXT NOT NULL, args TEXT NOT NULL,"
  " status TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT,"
  " attempts INTEGER NOT NULL DEFAULT 1, budget INTEGER,"
  " sandbox_state TEXT, service TEXT);"
  "CREATE TABLE IF NOT EXISTS steps("
  " run_id TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL,"
  " position TEXT NOT NULL, hash TEXT NOT NULL, summary TEXT,"
  " request TEXT, price INTEGER NOT NULL, state INTEGER NOT NULL,"
  " status INTEGER, response TEXT, task_id TEXT,"
  " PRIMARY KEY(run_id, key));"
  "CREATE INDEX IF NOT EXISTS steps_position ON steps(run_id, position);"
  "CREATE TABLE IF NOT EXISTS task_results("
  " run_id TEXT NOT NULL, task_id TEXT NOT NULL, body TEXT NOT NULL,"
  " PRIMARY KEY(run_id, task_id));"
  "CREATE TABLE IF NOT EXISTS webhook_deliveries("
  " run_id TEXT NOT NULL, id TEXT NOT NULL, task_id TEXT NOT NULL,"
  " event TEXT, received_at INTEGER NOT NULL, PRIMARY KEY(run_id, id));"
  "CREATE TABLE IF NOT EXISTS downloads("
  " run_id TEXT NOT NULL, source TEXT NOT NULL, dest TEXT NOT NULL,"
  " bytes INTEGER NOT NULL, checksum TEXT NOT NULL,"
  " PRIMARY KEY(run_id, source, dest));"
  "CREATE INDEX IF NOT EXISTS downloads_dest ON downloads(dest);";

/* ---------------------------------------------------------------- basics */

/* Create the directory part of 'path' (one level, like .sonicflow/). */
static void make_parent (const char *path) {
  char dir[4096];
  char *slash;
  snprintf(dir, sizeof(dir), "%s", path);
  if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
    *slash = '\0';
    mkdir(dir, 0700);
  }
}

int sf_journal_open (SfJournal **out, const char *path, char *err,
                     size_t errlen) {
  SfJournal *j = calloc(1, sizeof(*j));
  char *msg = NULL;
  *out = NULL;
  if (j == NULL) {
    snprintf(err, errlen, "not enough memory");
    return -1;
  }
  if (path == NULL)
    path = ":memory:";
  else if (strcmp(path, ":memory:") != 0)
    make_parent(path);
  /* several runs may share a directory: wait for each other's short
  ** per-turn transactions (and the WAL switch) instead of failing */
  if (sqlite3_open(path, &j->db) != SQLITE_OK ||
      sqlite3_busy_timeout(j->db, 10000) != SQLITE_OK ||
      sqlite3_exec(j->db, schema, NULL, NULL, &msg) != SQLITE_OK) {
    snprintf(err, errlen, "cannot open the journal '%s': %s", path,
             msg ? msg : sqlite3_errmsg(j->db));
    sqlite3_free(msg);
    sqlite3_close(j->db);
    free(j);
    return -1;
  }
  /* journals written before a column existed get it now (the error for
  ** a column that is already there is expected and ignored) */
  sqlite3_exec(j->db, "ALTER TABLE runs ADD COLUMN service TEXT", NULL, NULL,
               NULL);
  *out = j;
  return 0;
}

int sf_journal_flush (SfJournal *j) {
  if (j == NULL || !j->in_tx)
    return 0;
  j->in_tx = 0;
  return sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

void sf_journal_close (SfJournal *j) {
  if (j == NULL)
    return;
  sf_journal_flush(j);
  sqlite3_close(j->db);
  free(j);
}

/* Open the turn's write transaction if it is not open yet. */
static int begin_write (SfJournal *j) {
  if (j->in_tx)
    return 0;
  if (sqlite3_exec(j->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    return -1;
  j->in_tx = 1;
  return 0;
}

/* Prepare 'sql' and bind text/integer arguments described by 'types'
** ('t' text, possibly NULL; 'i' long long). NULL on error. */
static sqlite3_stmt *prep (SfJournal *j, const char *sql, const char *types,
                           ...) {
  sqlite3_stmt *st = NULL;
  va_list ap;
  int i;
  if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK)
    return NULL;
  va_start(ap, types);
  for (i = 0; types[i]; i++) {
    if (types[i] == 't') {
      const char *s = va_arg(ap, const char *);
      if (s == NULL)
        sqlite3_bind_null(st, i + 1);
      else
        sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_int64(st, i + 1, va_arg(ap, long long));
    }
  }
  va_end(ap);
  return st;
}

/* Run a write statement inside the turn's transaction. 0 or -1. */
static int write_stmt (SfJournal *j, sqlite3_stmt *st) {
  int rc = -1;
  if (st != NULL && begin_write(j) == 0 && sqlite3_step(st) == SQLITE_DONE)
    rc = 0;
  sqlite3_finalize(st);
  return rc;
}

static void now_iso (char buf[32]) {
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void copy_col (sqlite3_stmt *st, int col, char *dst, size_t n) {
  const unsigned char *s = sqlite3_column_text(st, col);
  snprintf(dst, n, "%s", s ? (const char *)s : "");
}

/* ------------------------------------------------------------------ runs */

int sf_journal_run_begin (SfJournal *j, SfRunInfo *info) {
  char started[32];
  unsigned rnd = 0;
  FILE *f = fopen("/dev/urandom", "rb");
  if (f != NULL) {
    if (fread(&rnd, sizeof(rnd), 1, f) != 1)
      rnd = (unsigned)getpid();
    fclose(f);
  }
  now_iso(started);
  /* sortable and short: 20261123-203501-4f2a */
  snprintf(info->id, sizeof(info->id), "%.4s%.2s%.2s-%.2s%.2s%.2s-%04x",
           started, started + 5, started + 8, started + 11, started + 14,
           started + 17, rnd & 0xffff);
  snprintf(info->status, sizeof(info->status), "running");
  return write_stmt(j, prep(j,
      "INSERT INTO runs(id, script, args, status, started_at, budget,"
      " sandbox_state, service) VALUES(?,?,?,?,?,?,?,?)", "tttttitt",
      info->id, info->script, info->args, "running", started, info->budget,
      info->sandbox_state[0] ? info->sandbox_state : NULL,
      info->service[0] ? info->service : NULL)) == 0
    ? sf_journal_flush(j) : -1;
}

int sf_journal_run_find (SfJournal *j, const char *id, SfRunInfo *info) {
  sqlite3_stmt *st = id != NULL
    ? prep(j, "SELECT id, script, args, status, budget, sandbox_state,"
              " service FROM runs WHERE id = ?", "t", id)
    : prep(j, "SELECT id, script, args, status, budget, sandbox_state,"
              " service FROM runs WHERE status <> 'finished'"
              " ORDER BY started_at DESC, rowid DESC LIMIT 1", "");
  int rc;
  if (st == NULL)
    return -1;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    copy_col(st, 0, info->id, sizeof(info->id));
    copy_col(st, 1, info->script, sizeof(info->script));
    copy_col(st, 2, info->args, sizeof(info->args));
    copy_col(st, 3, info->status, sizeof(info->status));
    info->budget = sqlite3_column_type(st, 4) == SQLITE_NULL
                   ? -1 : sqlite3_column_int64(st, 4);
    copy_col(st, 5, info->sandbox_state, sizeof(info->sandbox_state));
    copy_col(st, 6, info->service, sizeof(info->service));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW)
    return rc == SQLITE_DONE ? 0 : -1;
  if (write_stmt(j, prep(j, "UPDATE runs SET attempts = attempts + 1,"
                        " status = 'running', finished_at = NULL"
                        " WHERE id = ?", "t", info->id)) != 0)
    return -1;
  return sf_journal_flush(j) == 0 ? 1 : -1;
}

int sf_journal_run_end (SfJournal *j, const char *id, const char *status) {
  char at[32];
  now_iso(at);
  if (write_stmt(j, prep(j, "UPDATE runs SET status = ?, finished_at = ?"
                        " WHERE id = ?", "ttt", status, at, id)) != 0)
    return -1;
  return sf_journal_flush(j);
}

long long sf_journal_run_committed (SfJournal *j, const char *id) {
  long long sum = 0;
  sqlite3_stmt *st = prep(j, "SELECT COALESCE(SUM(price), 0) FROM steps"
                          " WHERE run_id = ? AND state IN (?,?,?)", "tiii",
                          id, (long long)SF_STEP_INTENT,
                          (long long)SF_STEP_ANSWERED,
                          (long long)SF_STEP_UNKNOWN);
  if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
    sum = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return sum;
}

/* ----------------------------------------------------------------- steps */

#define STEP_COLS "seq, state, status, hash, position, summary, price," \
                  " task_id, response"

static int read_step (sqlite3_stmt *st, SfStep *s) {
  int rc;
  memset(s, 0, sizeof(*s));
  if (st == NULL)
    return -1;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    const unsigned char *resp = sqlite3_column_text(st, 8);
    s->seq = sqlite3_column_int64(st, 0);
    s->state = (SfStepState)sqlite3_column_int(st, 1);
    s->status = (long)sqlite3_column_int64(st, 2);
    copy_col(st, 3, s->hash, sizeof(s->hash));
    copy_col(st, 4, s->position, sizeof(s->position));
    copy_col(st, 5, s->summary, sizeof(s->summary));
    s->price = sqlite3_column_int64(st, 6);
    copy_col(st, 7, s->task_id, sizeof(s->task_id));
    s->response = resp ? strdup((const char *)resp) : NULL;
  }
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int sf_journal_step_get (SfJournal *j, const char *run, const char *key,
                         SfStep *out) {
  return read_step(prep(j, "SELECT " STEP_COLS " FROM steps"
                        " WHERE run_id = ? AND key = ?", "tt", run, key), out);
}

int sf_journal_step_at (SfJournal *j, const char *run, const char *position,
                        SfStep *out) {
  return read_step(prep(j, "SELECT " STEP_COLS " FROM steps"
                        " WHERE run_id = ? AND position = ?"
                        " ORDER BY seq LIMIT 1", "tt", run, position), out);
}

int sf_journal_step_intent (SfJournal *j, const char *run, const char *key,
                            const SfStep *s, const char *request) {
  return write_stmt(j, prep(j,
      "INSERT INTO steps(run_id, key, seq, position, hash, summary, request,"
      " price, state) VALUES(?,?,"
      " (SELECT COALESCE(MAX(seq), 0) + 1 FROM steps WHERE run_id = ?),"
      " ?,?,?,?,?,?) ON CONFLICT(run_id, key) DO UPDATE SET"
      " state = excluded.state, status = NULL, response = NULL",
      "ttttttti" "i", run, key, run, s->position, s->hash, s->summary,
      request, s->price, (long long)SF_STEP_INTENT));
}

int sf_journal_step_outcome (SfJournal *j, const char *run, const char *key,
                             SfStepState state, long status,
                             const char *response, const char *task_id) {
  return write_stmt(j, prep(j,
      "UPDATE steps SET state = ?, status = ?, response = ?, task_id = ?"
      " WHERE run_id = ? AND key = ?", "iittt" "t", (long long)state,
      (long long)status, response, task_id, run, key));
}

int sf_journal_steps_each (SfJournal *j, const char *run,
                           void (*fn) (const SfStep *s, void *ud), void *ud) {
  sqlite3_stmt *st = prep(j, "SELECT " STEP_COLS " FROM steps"
                          " WHERE run_id = ? ORDER BY seq", "t", run);
  if (st == NULL)
    return -1;
  while (sqlite3_step(st) == SQLITE_ROW) {
    SfStep s;
    memset(&s, 0, sizeof(s));
    s.seq = sqlite3_column_int64(st, 0);
    s.state = (SfStepState)sqlite3_column_int(st, 1);
    s.status = (long)sqlite3_column_int64(st, 2);
    copy_col(st, 5, s.summary, sizeof(s.summary));
    s.price = sqlite3_column_int64(st, 6);
    copy_col(st, 7, s.task_id, sizeof(s.task_id));
    fn(&s, ud);
  }
  sqlite3_finalize(st);
  return 0;
}

/* ------------------------------------------------- tasks and downloads */

int sf_journal_task_put (SfJournal *j, const char *run, const char *task_id,
                         const char *body) {
  return write_stmt(j, prep(j, "INSERT OR REPLACE INTO task_results"
                        "(run_id, task_id, body) VALUES(?,?,?)", "ttt", run,
                        task_id, body));
}

char *sf_journal_task_get (SfJournal *j, const char *run,
                           const char *task_id) {
  char *body = NULL;
  sqlite3_stmt *st = prep(j, "SELECT body FROM task_results"
                          " WHERE run_id = ? AND task_id = ?", "tt", run,
                          task_id);
  if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
    body = strdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return body;
}

int sf_journal_download_put (SfJournal *j, const char *run,
                             const char *source, const char *dest,
                             long long bytes, const char *checksum) {
  return write_stmt(j, prep(j, "INSERT OR REPLACE INTO downloads"
                        "(run_id, source, dest, bytes, checksum)"
                        " VALUES(?,?,?,?,?)", "tttit", run, source, dest,
                        bytes, checksum));
}

int sf_journal_download_get (SfJournal *j, const char *run,
                             const char *source, const char *dest,
                             long long *bytes, char checksum[40]) {
  int found = 0;
  sqlite3_stmt *st = prep(j, "SELECT bytes, checksum FROM downloads"
                          " WHERE run_id = ? AND source = ? AND dest = ?",
                          "ttt", run, source, dest);
  if (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
    *bytes = sqlite3_column_int64(st, 0);
    copy_col(st, 1, checksum, 40);
    found = 1;
  }
  sqlite3_finalize(st);
  return found;
}

/* ----------------------------------------------------------- the listing */

static const char runs_sql[] =
  "SELECT r.id, r.script, r.status, r.started_at, r.finished_at,"
  " (SELECT COUNT(*) FROM steps s WHERE s.run_id = r.id AND s.state = ?1),"
  " (SELECT COALESCE(SUM(price), 0) FROM steps s"
  "   WHERE s.run_id = r.id AND s.state = ?1),"
  " (SELECT COALESCE(SUM(price), 0) FROM steps s"
  "   WHERE s.run_id = r.id AND s.state IN (?2, ?3)), r.attempts"
  " FROM runs r ORDER BY r.started_at, r.rowid";

/* Write 's' as a JSON string. */
static void json_string (const char *s) {
  putchar('"');
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      printf("\\%c", c);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else
      putchar(c);
  }
  putchar('"');
}

int sf_journal_print_runs (SfJournal *j, int json) {
  sqlite3_stmt *st = prep(j, runs_sql, "iii", (long long)SF_STEP_ANSWERED,
                          (long long)SF_STEP_INTENT,
                          (long long)SF_STEP_UNKNOWN);
  int n = 0;
  if (st == NULL)
    return -1;
  if (json)
    printf("[");
  else
    printf("%-22s %-12s %5s %7s %8s  %-20s %-20s %s\n", "RUN", "STATUS",
           "TASKS", "CREDITS", "UNKNOWN", "STARTED", "FINISHED", "SCRIPT");
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *c[5];
    int k;
    for (k = 0; k < 5; k++)
      c[k] = (const char *)sqlite3_column_text(st, k);
    if (json) {
      printf(n ? ",\n {" : "\n {");
      printf("\"id\":"); json_string(c[0]);
      printf(",\"script\":"); json_string(c[1]);
      printf(",\"status\":"); json_string(c[2]);
      printf(",\"tasks\":%lld", (long long)sqlite3_column_int64(st, 5));
      printf(",\"credits_spent\":%lld", (long long)sqlite3_column_int64(st, 6));
      printf(",\"credits_unknown\":%lld",
             (long long)sqlite3_column_int64(st, 7));
      printf(",\"attempts\":%lld", (long long)sqlite3_column_int64(st, 8));
      printf(",\"started_at\":"); json_string(c[3]);
      printf(",\"finished_at\":");
      if (c[4]) json_string(c[4]); else printf("null");
      printf("}");
    } else {
      printf("%-22s %-12s %5lld %7lld %8lld  %-20s %-20s %s\n", c[0], c[2],
             (long long)sqlite3_column_int64(st, 5),
             (long long)sqlite3_column_int64(st, 6),
             (long long)sqlite3_column_int64(st, 7), c[3],
             c[4] ? c[4] : "-", c[1]);
    }
    n++;
  }
  if (json)
    printf(n ? "\n]\n" : "]\n");
  sqlite3_finalize(st);
  return 0;
}

int sf_journal_run_set_service (SfJournal *j, const char *id,
                                const char *service) {
  if (write_stmt(j, prep(j, "UPDATE runs SET service = ? WHERE id = ?",
                        "tt", service, id)) != 0)
    return -1;
  return sf_journal_flush(j);
}

/* The source of the newest verified download at 'dest' in any run. */
int sf_journal_download_owner (SfJournal *j, const char *dest, char *source,
                               size_t n) {
  int found = 0;
  sqlite3_stmt *st = prep(j, "SELECT source FROM downloads WHERE dest = ?"
                          " ORDER BY rowid DESC LIMIT 1", "t", dest);
  if (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
    copy_col(st, 0, source, n);
    found = 1;
  }
  sqlite3_finalize(st);
  return found;
}

/* ------------------------------------------- ownership and os.exit */

int sf_journal_run_peek (SfJournal *j, const char *id, char out[40],
                         char status[16]) {
  sqlite3_stmt *st = id != NULL
    ? prep(j, "SELECT id, status FROM runs WHERE id = ?", "t", id)
    : prep(j, "SELECT id, status FROM runs WHERE status <> 'finished'"
              " ORDER BY started_at DESC, rowid DESC LIMIT 1", "");
  int rc;
  if (st == NULL)
    return -1;
  if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    copy_col(st, 0, out, 40);
    copy_col(st, 1, status, 16);
  }
  sqlite3_finalize(st);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int sf_journal_run_exited (SfJournal *j, const char *id, int code) {
  char at[32];
  now_iso(at);
  /* journals written before the column existed get it now (the error
  ** for a column that is already there is expected and ignored) */
  sqlite3_exec(j->db, "ALTER TABLE runs ADD COLUMN exit_code INTEGER",
               NULL, NULL, NULL);
  if (write_stmt(j, prep(j, "UPDATE runs SET status = 'exited',"
                        " finished_at = ?, exit_code = ? WHERE id = ?",
                        "tit", at, (long long)code, id)) != 0)
    return -1;
  return sf_journal_flush(j);
}
