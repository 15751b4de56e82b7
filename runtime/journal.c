/*
** journal.c -- the durable record of runs (see journal.h). Every SQL
** statement over the journal's tables is here, and only here.
**
** Writes go into one transaction per loop turn. Before the loop releases
** the paid requests of a turn it calls sf_journal_flush: COMMIT, then
** fdatasync of the WAL, so a thousand creates in one turn cost one sync
** and still no paid request leaves before its intent is on disk. A turn
** without paid calls ends with sf_journal_commit: COMMIT without the sync
** (synchronous=NORMAL in WAL mode), which survives the process dying
** (kill -9: the crash tests) but not the machine; the sync follows with
** the next flush or within SF_JOURNAL_SYNC_MS. What such a commit holds
** can only be an answer, a task status or a download record: losing one
** to a power cut makes a step look "unknown" (never re-sent on its own)
** or a file be fetched again, never a second charge.
**
** Statements are prepared once per handle, on first use, and reset after
** each use; they are finalized at close.
*/
#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <sqlite3.h>
#include "buf.h"
#include "journal.h"

/* The statements, by name; 'sql' below holds their text. */
typedef enum Stmt {
  S_BEGIN, S_COMMIT, S_CACHE,
  S_RUN_INSERT, S_RUN_BY_ID, S_RUN_LATEST_OPEN, S_RUN_ATTEMPT, S_RUN_END,
  S_RUN_SERVICE, S_RUN_COMMITTED, S_RUNS_LIST,
  S_STEP_GET, S_STEP_AT, S_STEP_INTENT, S_STEP_OUTCOME, S_STEPS_EACH,
  S_TASK_PUT, S_TASK_GET, S_DOWNLOAD_PUT, S_DOWNLOAD_GET, S_WEBHOOK_PUT,
  S_VIEW_RUN, S_VIEW_TASKS, S_VIEW_CLIPS,
  S_DOWNLOAD_OWNER, S_RUN_PEEK_ID, S_RUN_PEEK_OPEN, S_RUN_EXITED,
  S_COUNT
} Stmt;

struct SfJournal {
  sqlite3 *db;
  SfJournalMode mode;
  int in_tx;                 /* the turn's write transaction is open */
  int defer_sync;            /* commits may wait for the disk (WAL file) */
  long long unsynced_ms;     /* when the oldest commit not yet on disk was
                                made (monotonic ms), 0: none */
  sqlite3_stmt *st[S_COUNT]; /* prepared on first use */
  unsigned char busy[S_COUNT]; /* bound and not yet reset */
  unsigned commits;          /* since open: the cache is refitted now and
                                then (fit_cache) */
};

/* How long a run waits for the others sharing its journal (their
** transactions are short). */
#define BUSY_MS 10000

/* ---------------------------------------------------------------- schema */

static const char schema[] =
  "PRAGMA journal_mode=WAL;"
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
  /* numbering a new step reads MAX(seq) of its run: without this index
  ** that reads every step of the run, quadratic over a run (issue 17) */
  "CREATE INDEX IF NOT EXISTS steps_seq ON steps(run_id, seq);"
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

#define STEP_COLS "seq, state, status, hash, position, summary, price," \
                  " task_id, response"

/* A malformed request must not make the whole query fail: json_extract
** raises on invalid JSON, so every field is guarded by json_valid. */
#define REQ(f) "CASE WHEN json_valid(request) THEN json_extract(request, '$." \
               f "') END"
#define CLIP(f) "json_extract(c.value, '$." f "')"

static const char *const sql[S_COUNT] = {
  [S_BEGIN] = "BEGIN IMMEDIATE",
  [S_COMMIT] = "COMMIT",
  /* the file and the page cache, both in KiB (a cache_size > 0 counts
  ** pages, < 0 KiB) */
  [S_CACHE] =
    "SELECT page_count * page_size / 1024, CASE WHEN cache_size < 0"
    " THEN -cache_size ELSE cache_size * page_size / 1024 END"
    " FROM pragma_page_count(), pragma_page_size(), pragma_cache_size()",
  [S_RUN_INSERT] =
    "INSERT INTO runs(id, script, args, status, started_at, budget,"
    " sandbox_state, service) VALUES(?,?,?,?,?,?,?,?)",
  [S_RUN_BY_ID] =
    "SELECT id, script, args, status, budget, sandbox_state,"
    " service FROM runs WHERE id = ?",
  [S_RUN_LATEST_OPEN] =
    "SELECT id, script, args, status, budget, sandbox_state,"
    " service FROM runs WHERE status <> 'finished'"
    " ORDER BY started_at DESC, rowid DESC LIMIT 1",
  [S_RUN_ATTEMPT] =
    "UPDATE runs SET attempts = attempts + 1, status = 'running',"
    " finished_at = NULL WHERE id = ?",
  [S_RUN_END] = "UPDATE runs SET status = ?, finished_at = ? WHERE id = ?",
  [S_RUN_SERVICE] = "UPDATE runs SET service = ? WHERE id = ?",
  [S_RUN_COMMITTED] =
    "SELECT COALESCE(SUM(price), 0) FROM steps"
    " WHERE run_id = ? AND state IN (?,?,?)",
  [S_RUNS_LIST] =
    "SELECT r.id, r.script, r.status, r.started_at, r.finished_at,"
    " (SELECT COUNT(*) FROM steps s WHERE s.run_id = r.id"
    "   AND s.state = ?1),"
    " (SELECT COALESCE(SUM(price), 0) FROM steps s"
    "   WHERE s.run_id = r.id AND s.state = ?1),"
    " (SELECT COALESCE(SUM(price), 0) FROM steps s"
    "   WHERE s.run_id = r.id AND s.state IN (?2, ?3)), r.attempts"
    " FROM runs r ORDER BY r.started_at, r.rowid",
  [S_STEP_GET] =
    "SELECT " STEP_COLS " FROM steps WHERE run_id = ? AND key = ?",
  [S_STEP_AT] =
    "SELECT " STEP_COLS " FROM steps WHERE run_id = ? AND position = ?"
    " ORDER BY seq LIMIT 1",
  [S_STEP_INTENT] =
    "INSERT INTO steps(run_id, key, seq, position, hash, summary, request,"
    " price, state) VALUES(?1, ?2,"
    " (SELECT COALESCE(MAX(seq), 0) + 1 FROM steps WHERE run_id = ?1),"
    " ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT(run_id, key) DO UPDATE SET"
    " state = excluded.state, status = NULL, response = NULL",
  [S_STEP_OUTCOME] =
    "UPDATE steps SET state = ?, status = ?, response = ?, task_id = ?"
    " WHERE run_id = ? AND key = ?",
  [S_STEPS_EACH] =
    "SELECT " STEP_COLS " FROM steps WHERE run_id = ? ORDER BY seq",
  [S_TASK_PUT] =
    "INSERT OR REPLACE INTO task_results(run_id, task_id, body)"
    " VALUES(?,?,?)",
  [S_TASK_GET] =
    "SELECT body FROM task_results WHERE run_id = ? AND task_id = ?",
  [S_DOWNLOAD_PUT] =
    "INSERT OR REPLACE INTO downloads(run_id, source, dest, bytes,"
    " checksum) VALUES(?,?,?,?,?)",
  [S_DOWNLOAD_OWNER] =
    "SELECT source FROM downloads WHERE dest = ? ORDER BY rowid DESC LIMIT 1",
  [S_RUN_PEEK_ID] = "SELECT id, status FROM runs WHERE id = ?",
  [S_RUN_PEEK_OPEN] =
    "SELECT id, status FROM runs WHERE status <> 'finished'"
    " ORDER BY started_at DESC, rowid DESC LIMIT 1",
  [S_RUN_EXITED] =
    "UPDATE runs SET status = 'exited', finished_at = ?, exit_code = ?"
    " WHERE id = ?",
  [S_DOWNLOAD_GET] =
    "SELECT bytes, checksum FROM downloads"
    " WHERE run_id = ? AND source = ? AND dest = ?",
  [S_WEBHOOK_PUT] =
    "INSERT OR IGNORE INTO webhook_deliveries(run_id, id, task_id, event,"
    " received_at) VALUES(?,?,?,?,?)",
  [S_VIEW_RUN] =
    "SELECT id, script, args, status, started_at, finished_at, attempts,"
    " COALESCE(budget, -1), service,"
    " (SELECT COALESCE(SUM(price), 0) FROM steps s"
    "   WHERE s.run_id = r.id AND s.state = ?2),"
    " (SELECT COALESCE(SUM(price), 0) FROM steps s"
    "   WHERE s.run_id = r.id AND s.state IN (?3, ?4))"
    " FROM runs r WHERE ?1 IS NULL OR id = ?1"
    " ORDER BY started_at DESC, rowid DESC LIMIT 1",
  [S_VIEW_TASKS] =
    "SELECT seq, price, state, status, task_id, summary, "
    REQ("task_type") ", " REQ("tags") ", " REQ("negative_tags") ", "
    REQ("prompt") ", " REQ("gpt_description_prompt") ", " REQ("title") ", "
    "COALESCE(" REQ("continue_clip_id") ", " REQ("clip_id") "), "
    REQ("continue_at") ", " REQ("mv")
    " FROM steps WHERE run_id = ? AND task_id IS NOT NULL"
    " AND task_id <> '' ORDER BY seq",
  /* the clips of a task's final status, with the first file each was
  ** downloaded to (the audio, else its WAV) */
  [S_VIEW_CLIPS] =
    "SELECT " CLIP("clip_id") ", " CLIP("title") ", " CLIP("tags") ", "
    CLIP("state") ", " CLIP("audio_url") ", " CLIP("created_at") ", "
    CLIP("duration") ", " CLIP("error_message") ","
    " (SELECT d.dest FROM downloads d WHERE d.run_id = t.run_id"
    "   AND d.source IN (" CLIP("clip_id") " || '/audio', "
    CLIP("clip_id") " || '/wav', " CLIP("audio_url") ")"
    "   ORDER BY d.source LIKE '%/wav', d.rowid LIMIT 1)"
    " FROM task_results t, json_each(CASE WHEN json_valid(t.body)"
    "   AND json_type(t.body, '$.data') = 'array' THEN t.body ELSE '{}'"
    "   END, '$.data') c"
    " WHERE t.run_id = ? AND t.task_id = ? AND c.type = 'object'"
    " ORDER BY c.key",
};

/* ------------------------------------------------------------ statements */

/* The cached statement 'id' with text/integer arguments bound as 'types'
** says ('t' text, possibly NULL; 'i' long long). NULL on error. Give it
** back with 'done' before using 'id' again: a statement in use (a view's
** callback calling the same view) is refused, not reset under its user. */
static sqlite3_stmt *prep (SfJournal *j, Stmt id, const char *types, ...) {
  sqlite3_stmt *st;
  va_list ap;
  int i;
  if (j->busy[id])           /* one use at a time: no nested reuse */
    return NULL;
  if (j->st[id] == NULL &&
      sqlite3_prepare_v3(j->db, sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                         &j->st[id], NULL) != SQLITE_OK)
    return NULL;
  st = j->st[id];
  j->busy[id] = 1;
  va_start(ap, types);
  for (i = 0; types[i]; i++) {
    if (types[i] == 't') {
      const char *s = va_arg(ap, const char *);
      if (s == NULL)
        sqlite3_bind_null(st, i + 1);
      else   /* no copy: every caller gives the statement back with
             ** 'done' (which clears the bindings) before its strings go;
             ** a copy of each answer body was a malloc in a large heap */
        sqlite3_bind_text(st, i + 1, s, -1, SQLITE_STATIC);
    } else {
      sqlite3_bind_int64(st, i + 1, va_arg(ap, long long));
    }
  }
  va_end(ap);
  return st;
}

/* Reset 'id', which prep gave as 'st', for its next use; nothing when
** prep gave NULL (that use never held the statement). */
static void done (SfJournal *j, Stmt id, sqlite3_stmt *st) {
  if (st == NULL)
    return;
  assert(st == j->st[id] && j->busy[id]);
  sqlite3_reset(j->st[id]);
  sqlite3_clear_bindings(j->st[id]);
  j->busy[id] = 0;
}

/* Run an argument-less statement to completion. 0 or -1. */
static int exec_stmt (SfJournal *j, Stmt id) {
  sqlite3_stmt *st = prep(j, id, "");
  int rc = st != NULL && sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
  done(j, id, st);
  return rc;
}

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

static long long mono_ms (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Is the handle's journal in WAL mode (then commits may defer the sync:
** frames in the WAL survive the process; a rollback journal would not be
** safe with synchronous=NORMAL the same way)? */
static int in_wal_mode (sqlite3 *db) {
  sqlite3_stmt *st = NULL;
  int wal = 0;
  if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL) ==
      SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
    wal = sqlite3_stricmp((const char *)sqlite3_column_text(st, 0),
                          "wal") == 0;
  sqlite3_finalize(st);
  return wal;
}

/*
** sqlite3_exec, again while another connection holds the lock SQLite
** would not wait for (up to BUSY_MS, as the busy handler). A new journal is
** switched to WAL and given its tables by every run that opens it first,
** and runs started together in one directory race for that: the switch
** to WAL needs the file to itself and fails with SQLITE_BUSY at once,
** without the busy handler (test_concurrent_open: about 1 open in 120).
** Every statement it runs is idempotent, so running it again is safe.
*/
static int exec_retry (sqlite3 *db, const char *sql, char **msg) {
  long long until = mono_ms() + BUSY_MS;
  int rc;
  while ((rc = sqlite3_exec(db, sql, NULL, NULL, msg)) == SQLITE_BUSY &&
         mono_ms() < until) {
    if (msg != NULL) {
      sqlite3_free(*msg);
      *msg = NULL;
    }
    sqlite3_sleep(10);
  }
  return rc;
}

/* Connect 'j' to 'path' as 'mode' says. SQLITE_OK or an error code. */
static int open_db (SfJournal *j, const char *path, char **msg) {
  int flags = j->mode == SF_JOURNAL_READ ? SQLITE_OPEN_READONLY
            : j->mode == SF_JOURNAL_SHARED
              ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX
              : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path, &j->db, flags, NULL);
  /* several runs may share a directory, and the report may read while a
  ** run writes: wait for each other's short transactions */
  if (rc == SQLITE_OK)
    rc = sqlite3_busy_timeout(j->db, BUSY_MS);
  if (rc != SQLITE_OK || j->mode == SF_JOURNAL_READ)
    return rc;
  if (j->mode == SF_JOURNAL_SHARED)    /* each write durable on its own */
    return sqlite3_exec(j->db, "PRAGMA synchronous=FULL", NULL, NULL, msg);
  if ((rc = exec_retry(j->db, schema, msg)) != SQLITE_OK)
    return rc;
  /* journals written before a column existed get it now (the error for
  ** a column that is already there is expected and ignored) */
  exec_retry(j->db, "ALTER TABLE runs ADD COLUMN service TEXT", NULL);
  exec_retry(j->db, "ALTER TABLE runs ADD COLUMN exit_code INTEGER", NULL);
  j->defer_sync = strcmp(path, ":memory:") != 0 && in_wal_mode(j->db);
  return sqlite3_exec(j->db, j->defer_sync ? "PRAGMA synchronous=NORMAL"
                      : "PRAGMA synchronous=FULL", NULL, NULL, msg);
}

int sf_journal_open_mode (SfJournal **out, const char *path,
                          SfJournalMode mode, char *err, size_t errlen) {
  SfJournal *j = calloc(1, sizeof(*j));
  char *msg = NULL;
  *out = NULL;
  if (j == NULL) {
    snprintf(err, errlen, "not enough memory");
    return -1;
  }
  j->mode = mode;
  if (path == NULL)
    path = ":memory:";
  else if (mode == SF_JOURNAL_CREATE && strcmp(path, ":memory:") != 0)
    make_parent(path);
  if (open_db(j, path, &msg) != SQLITE_OK) {
    snprintf(err, errlen, "cannot open the journal '%s': %s", path,
             msg ? msg : j->db ? sqlite3_errmsg(j->db) : "not enough memory");
    sqlite3_free(msg);
    sqlite3_close(j->db);
    free(j);
    return -1;
  }
  *out = j;
  return 0;
}

int sf_journal_open (SfJournal **out, const char *path, char *err,
                     size_t errlen) {
  return sf_journal_open_mode(out, path, SF_JOURNAL_CREATE, err, errlen);
}

const char *sf_journal_error (SfJournal *j) {
  return j != NULL && j->db != NULL ? sqlite3_errmsg(j->db)
                                    : "not enough memory";
}

/* Wait for the disk to hold every commit so far: fdatasync of the WAL
** file through SQLite's own VFS handle for it (what synchronous=FULL does
** after each commit). 0 or -1. */
static int sync_wal (SfJournal *j) {
  sqlite3_file *f = NULL;
  if (sqlite3_file_control(j->db, "main", SQLITE_FCNTL_JOURNAL_POINTER,
                           &f) != SQLITE_OK || f == NULL ||
      f->pMethods == NULL)
    return -1;
  return f->pMethods->xSync(f, SQLITE_SYNC_NORMAL) == SQLITE_OK ? 0 : -1;
}

/* Size the page cache to the journal: a sixth of the file, at least
** SQLite's default, at most SF_JOURNAL_CACHE_MAX_KIB. Why: the rows
** (answer bodies) are appended once and never read back during a run, but
** the indexes are keyed by task and clip ids, so each insert lands on a
** random index page. They are about a tenth of the file. Once they outgrow
** the default 2 MB cache, inserts read pages back from the disk and a
** turn's dirty pages spill into the WAL: at 10,000 workflows that was
** 5,700 misses and 3,200 spilled pages per run, and the journal's cost per
** workflow 1.4x its cost at 1,000 (docs/performance.md). A small journal
** keeps the default, so a small run's memory is unchanged. */
/* The file's size and the cache's, in KiB, as SQLite has them. 0 or -1. */
static int cache_sizes (SfJournal *j, long *file_kib, long *cache_kib) {
  sqlite3_stmt *st = prep(j, S_CACHE, "");
  int rc = -1;
  if (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
    *file_kib = (long)sqlite3_column_int64(st, 0);
    *cache_kib = (long)sqlite3_column_int64(st, 1);
    rc = 0;
  }
  done(j, S_CACHE, st);
  return rc;
}

static void fit_cache (SfJournal *j) {
  long file_kib, now, want;
  char pragma[64];
  if (cache_sizes(j, &file_kib, &now) != 0)
    return;
  want = file_kib / 6;
  if (want < SF_JOURNAL_CACHE_MIN_KIB)
    want = SF_JOURNAL_CACHE_MIN_KIB;
  if (want > SF_JOURNAL_CACHE_MAX_KIB)
    want = SF_JOURNAL_CACHE_MAX_KIB;
  /* resizing is cheap but not free: only for a change of a quarter */
  if (want * 4 < now * 5 && want * 5 > now * 4)
    return;
  snprintf(pragma, sizeof(pragma), "PRAGMA cache_size=-%ld", want);
  sqlite3_exec(j->db, pragma, NULL, NULL, NULL);
}

long sf_journal_cache_kib (SfJournal *j) {
  long file_kib, kib;
  return j != NULL && cache_sizes(j, &file_kib, &kib) == 0 ? kib : -1;
}

/* COMMIT the turn's transaction, if one is open. 0 or -1. */
static int commit_tx (SfJournal *j) {
  if (!j->in_tx)
    return 0;
  j->in_tx = 0;
  if (exec_stmt(j, S_COMMIT) != 0) {
    /* a failed COMMIT may leave the transaction open: end it, so the
    ** next turn starts clean instead of failing its BEGIN forever */
    if (!sqlite3_get_autocommit(j->db))
      sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
  }
  if (j->defer_sync && j->unsynced_ms == 0)
    j->unsynced_ms = mono_ms();
  if (++j->commits % 64 == 0)   /* a file grows by a few pages a commit */
    fit_cache(j);
  return 0;
}

int sf_journal_commit (SfJournal *j) {
  if (j == NULL)
    return 0;
  return commit_tx(j);
}

int sf_journal_flush (SfJournal *j) {
  if (j == NULL)
    return 0;
  if (commit_tx(j) != 0)
    return -1;
  if (j->unsynced_ms == 0)
    return 0;
  if (sync_wal(j) != 0)
    return -1;
  j->unsynced_ms = 0;
  return 0;
}

long sf_journal_sync_due (SfJournal *j) {
  long long left;
  if (j == NULL || (j->unsynced_ms == 0 && !j->in_tx))
    return -1;
  if (j->unsynced_ms == 0)
    return SF_JOURNAL_SYNC_MS;   /* only uncommitted writes so far */
  left = j->unsynced_ms + SF_JOURNAL_SYNC_MS - mono_ms();
  return left > 0 ? (long)left : 0;
}

void sf_journal_close (SfJournal *j) {
  int i;
  if (j == NULL)
    return;
  sf_journal_flush(j);
  for (i = 0; i < S_COUNT; i++)
    sqlite3_finalize(j->st[i]);
  sqlite3_close(j->db);
  free(j);
}

/* Open the turn's write transaction if it is not open yet. */
static int begin_write (SfJournal *j) {
  if (j->in_tx)
    return 0;
  if (exec_stmt(j, S_BEGIN) != 0)
    return -1;
  j->in_tx = 1;
  return 0;
}

/* Run the write statement 'id' (bound by prep) inside the turn's
** transaction. 0 or -1. */
static int write_stmt (SfJournal *j, Stmt id, sqlite3_stmt *st) {
  int rc = -1;
  assert(j->mode == SF_JOURNAL_CREATE);
  if (st != NULL && begin_write(j) == 0) {
    assert(j->in_tx);        /* no journal write outside the turn's tx */
    if (sqlite3_step(st) == SQLITE_DONE)
      rc = 0;
  }
  done(j, id, st);
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

static const char *text_col (sqlite3_stmt *st, int col) {
  return (const char *)sqlite3_column_text(st, col);
}

/* ------------------------------------------------------------------ runs */

int sf_journal_run_begin (SfJournal *j, SfRunInfo *info) {
  char started[32];
  int tries, rc = -1;
  FILE *f = fopen("/dev/urandom", "rb");
  now_iso(started);
  snprintf(info->status, sizeof(info->status), "running");
  /* runs started in the same second in one directory differ by 16 random
  ** bits: a clash (about 1 in 10,000 for four runs) takes another */
  for (tries = 0; tries < 4 && rc != 0; tries++) {
    unsigned rnd = 0;
    if (f == NULL || fread(&rnd, sizeof(rnd), 1, f) != 1)
      rnd = (unsigned)getpid() + (unsigned)tries * 7919u;
    /* sortable and short: 20261123-203501-4f2a */
    snprintf(info->id, sizeof(info->id), "%.4s%.2s%.2s-%.2s%.2s%.2s-%04x",
             started, started + 5, started + 8, started + 11, started + 14,
             started + 17, rnd & 0xffff);
    rc = write_stmt(j, S_RUN_INSERT, prep(j, S_RUN_INSERT, "tttttitt",
        info->id, info->script, info->args, "running", started,
        info->budget, info->sandbox_state[0] ? info->sandbox_state : NULL,
        info->service[0] ? info->service : NULL));
  }
  if (f != NULL)
    fclose(f);
  return rc == 0 ? sf_journal_flush(j) : -1;
}

int sf_journal_run_find (SfJournal *j, const char *id, SfRunInfo *info) {
  Stmt q = id != NULL ? S_RUN_BY_ID : S_RUN_LATEST_OPEN;
  sqlite3_stmt *st = id != NULL ? prep(j, q, "t", id) : prep(j, q, "");
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
  done(j, q, st);
  if (rc != SQLITE_ROW)
    return rc == SQLITE_DONE ? 0 : -1;
  if (write_stmt(j, S_RUN_ATTEMPT, prep(j, S_RUN_ATTEMPT, "t",
                                        info->id)) != 0)
    return -1;
  return sf_journal_flush(j) == 0 ? 1 : -1;
}

int sf_journal_run_end (SfJournal *j, const char *id, const char *status) {
  char at[32];
  now_iso(at);
  if (write_stmt(j, S_RUN_END, prep(j, S_RUN_END, "ttt", status, at,
                                    id)) != 0)
    return -1;
  return sf_journal_flush(j);
}

int sf_journal_run_set_service (SfJournal *j, const char *id,
                                const char *service) {
  if (write_stmt(j, S_RUN_SERVICE, prep(j, S_RUN_SERVICE, "tt", service,
                                        id)) != 0)
    return -1;
  return sf_journal_flush(j);
}

long long sf_journal_run_committed (SfJournal *j, const char *id) {
  long long sum = 0;
  sqlite3_stmt *st = prep(j, S_RUN_COMMITTED, "tiii", id,
                          (long long)SF_STEP_INTENT,
                          (long long)SF_STEP_ANSWERED,
                          (long long)SF_STEP_UNKNOWN);
  if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
    sum = sqlite3_column_int64(st, 0);
  done(j, S_RUN_COMMITTED, st);
  return sum;
}

/* ----------------------------------------------------------------- steps */

/* Fill 's' from the current row of a STEP_COLS query. */
static void step_row (sqlite3_stmt *st, SfStep *s, int with_response) {
  const unsigned char *resp = sqlite3_column_text(st, 8);
  memset(s, 0, sizeof(*s));
  s->seq = sqlite3_column_int64(st, 0);
  s->state = (SfStepState)sqlite3_column_int(st, 1);
  s->status = (long)sqlite3_column_int64(st, 2);
  copy_col(st, 3, s->hash, sizeof(s->hash));
  copy_col(st, 4, s->position, sizeof(s->position));
  copy_col(st, 5, s->summary, sizeof(s->summary));
  s->price = sqlite3_column_int64(st, 6);
  copy_col(st, 7, s->task_id, sizeof(s->task_id));
  s->response = with_response && resp ? strdup((const char *)resp) : NULL;
}

/* The first row of query 'id' into 's'. 1, 0 (no row) or -1. */
static int read_step (SfJournal *j, Stmt id, sqlite3_stmt *st, SfStep *s) {
  int rc;
  memset(s, 0, sizeof(*s));
  if (st == NULL)
    return -1;
  rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    step_row(st, s, 1);
  done(j, id, st);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int sf_journal_step_get (SfJournal *j, const char *run, const char *key,
                         SfStep *out) {
  return read_step(j, S_STEP_GET, prep(j, S_STEP_GET, "tt", run, key), out);
}

int sf_journal_step_at (SfJournal *j, const char *run, const char *position,
                        SfStep *out) {
  return read_step(j, S_STEP_AT, prep(j, S_STEP_AT, "tt", run, position),
                   out);
}

int sf_journal_step_intent (SfJournal *j, const char *run, const char *key,
                            const SfStep *s, const char *request) {
  return write_stmt(j, S_STEP_INTENT, prep(j, S_STEP_INTENT, "tttttti" "i",
      run, key, s->position, s->hash, s->summary, request, s->price,
      (long long)SF_STEP_INTENT));
}

int sf_journal_step_outcome (SfJournal *j, const char *run, const char *key,
                             SfStepState state, long status,
                             const char *response, const char *task_id) {
  return write_stmt(j, S_STEP_OUTCOME, prep(j, S_STEP_OUTCOME, "iittt" "t",
      (long long)state, (long long)status, response, task_id, run, key));
}

int sf_journal_steps_each (SfJournal *j, const char *run,
                           void (*fn) (const SfStep *s, void *ud), void *ud) {
  sqlite3_stmt *st = prep(j, S_STEPS_EACH, "t", run);
  int rc;
  if (st == NULL) {
    done(j, S_STEPS_EACH, st);
    return -1;
  }
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    SfStep s;
    step_row(st, &s, 0);
    fn(&s, ud);
  }
  done(j, S_STEPS_EACH, st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* ------------------------------------------------- tasks and downloads */

int sf_journal_task_put (SfJournal *j, const char *run, const char *task_id,
                         const char *body) {
  return write_stmt(j, S_TASK_PUT, prep(j, S_TASK_PUT, "ttt", run, task_id,
                                        body));
}

char *sf_journal_task_get (SfJournal *j, const char *run,
                           const char *task_id) {
  char *body = NULL;
  sqlite3_stmt *st = prep(j, S_TASK_GET, "tt", run, task_id);
  if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
    body = strdup(text_col(st, 0) ? text_col(st, 0) : "");
  done(j, S_TASK_GET, st);
  return body;
}

int sf_journal_download_put (SfJournal *j, const char *run,
                             const char *source, const char *dest,
                             long long bytes, const char *checksum) {
  return write_stmt(j, S_DOWNLOAD_PUT, prep(j, S_DOWNLOAD_PUT, "tttit", run,
                                            source, dest, bytes, checksum));
}

int sf_journal_download_get (SfJournal *j, const char *run,
                             const char *source, const char *dest,
                             long long *bytes, char checksum[40]) {
  int found = 0;
  sqlite3_stmt *st = prep(j, S_DOWNLOAD_GET, "ttt", run, source, dest);
  if (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
    *bytes = sqlite3_column_int64(st, 0);
    copy_col(st, 1, checksum, 40);
    found = 1;
  }
  done(j, S_DOWNLOAD_GET, st);
  return found;
}

/* -------------------------------------------------------------- webhooks */

int sf_journal_webhook_put (SfJournal *j, const char *run, const char *id,
                            const char *task_id, const char *event,
                            long long received_at) {
  sqlite3_stmt *st;
  int rc = -1;
  /* autocommit under synchronous=FULL: durable before the receiver
  ** answers 200, and never mixed into a run's turn transaction */
  assert(j->mode == SF_JOURNAL_SHARED && !j->in_tx);
  st = prep(j, S_WEBHOOK_PUT, "tttti", run, id, task_id,
            event ? event : "", received_at);
  if (st != NULL && sqlite3_step(st) == SQLITE_DONE)
    rc = sqlite3_changes(j->db) > 0 ? 1 : 0;
  done(j, S_WEBHOOK_PUT, st);
  return rc;
}

/* ----------------------------------------------------------- the listing */

int sf_journal_print_runs (SfJournal *j, int json) {
  sqlite3_stmt *st = prep(j, S_RUNS_LIST, "iii", (long long)SF_STEP_ANSWERED,
                          (long long)SF_STEP_INTENT,
                          (long long)SF_STEP_UNKNOWN);
  int n = 0;
  if (st == NULL) {
    done(j, S_RUNS_LIST, st);
    return -1;
  }
  if (json)
    printf("[");
  else
    printf("%-22s %-12s %5s %7s %8s  %-20s %-20s %s\n", "RUN", "STATUS",
           "TASKS", "CREDITS", "UNKNOWN", "STARTED", "FINISHED", "SCRIPT");
  while (sqlite3_step(st) == SQLITE_ROW) {
    const char *c[5];
    int k;
    for (k = 0; k < 5; k++)
      c[k] = text_col(st, k);
    if (json) {
      printf(n ? ",\n {" : "\n {");
      printf("\"id\":"); sf_json_print_string(stdout, c[0]);
      printf(",\"script\":"); sf_json_print_string(stdout, c[1]);
      printf(",\"status\":"); sf_json_print_string(stdout, c[2]);
      printf(",\"tasks\":%lld", (long long)sqlite3_column_int64(st, 5));
      printf(",\"credits_spent\":%lld", (long long)sqlite3_column_int64(st, 6));
      printf(",\"credits_unknown\":%lld",
             (long long)sqlite3_column_int64(st, 7));
      printf(",\"attempts\":%lld", (long long)sqlite3_column_int64(st, 8));
      printf(",\"started_at\":"); sf_json_print_string(stdout, c[3]);
      printf(",\"finished_at\":");
      if (c[4]) sf_json_print_string(stdout, c[4]); else printf("null");
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
  done(j, S_RUNS_LIST, st);
  return 0;
}

/* ------------------------------------------------------------ the views */

int sf_journal_view_run (SfJournal *j, const char *id,
                         int (*fn) (const SfRunView *r, void *ud), void *ud) {
  sqlite3_stmt *st = prep(j, S_VIEW_RUN, "tiii", id,
                          (long long)SF_STEP_ANSWERED,
                          (long long)SF_STEP_INTENT,
                          (long long)SF_STEP_UNKNOWN);
  int rc = -1;
  if (st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    SfRunView r;
    r.id = text_col(st, 0);
    r.script = text_col(st, 1);
    r.args = text_col(st, 2);
    r.status = text_col(st, 3);
    r.started_at = text_col(st, 4);
    r.finished_at = text_col(st, 5);
    r.attempts = sqlite3_column_int64(st, 6);
    r.budget = sqlite3_column_int64(st, 7);
    r.service = text_col(st, 8);
    r.spent = sqlite3_column_int64(st, 9);
    r.unknown = sqlite3_column_int64(st, 10);
    rc = fn(&r, ud) == 0 ? SQLITE_ROW : SQLITE_ERROR;
  }
  done(j, S_VIEW_RUN, st);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int sf_journal_view_tasks (SfJournal *j, const char *run,
                           int (*fn) (const SfTaskView *t, void *ud),
                           void *ud) {
  sqlite3_stmt *st = prep(j, S_VIEW_TASKS, "t", run);
  int rc = SQLITE_ERROR;
  while (st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    SfTaskView t;
    t.seq = sqlite3_column_int64(st, 0);
    t.price = sqlite3_column_int64(st, 1);
    t.state = (SfStepState)sqlite3_column_int(st, 2);
    t.status = (long)sqlite3_column_int64(st, 3);
    t.task_id = text_col(st, 4);
    t.summary = text_col(st, 5);
    t.task_type = text_col(st, 6);
    t.tags = text_col(st, 7);
    t.negative_tags = text_col(st, 8);
    t.prompt = text_col(st, 9);
    t.description = text_col(st, 10);
    t.title = text_col(st, 11);
    t.source = text_col(st, 12);
    t.continue_at = text_col(st, 13);
    t.model = text_col(st, 14);
    if (fn(&t, ud) != 0) {
      rc = SQLITE_ERROR;
      break;
    }
  }
  done(j, S_VIEW_TASKS, st);
  return rc == SQLITE_DONE ? 0 : -1;
}

int sf_journal_view_clips (SfJournal *j, const char *run,
                           const char *task_id,
                           int (*fn) (const SfClipView *c, void *ud),
                           void *ud) {
  sqlite3_stmt *st = prep(j, S_VIEW_CLIPS, "tt", run, task_id);
  int rc = SQLITE_ERROR;
  while (st != NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    SfClipView c;
    c.id = text_col(st, 0);
    c.title = text_col(st, 1);
    c.tags = text_col(st, 2);
    c.state = text_col(st, 3);
    c.audio_url = text_col(st, 4);
    c.created_at = text_col(st, 5);
    c.duration = text_col(st, 6);
    c.error = text_col(st, 7);
    c.dest = text_col(st, 8);
    if (fn(&c, ud) != 0) {
      rc = SQLITE_ERROR;
      break;
    }
  }
  done(j, S_VIEW_CLIPS, st);
  return rc == SQLITE_DONE ? 0 : -1;
}

/* The source of the newest verified download at 'dest' in any run. */
int sf_journal_download_owner (SfJournal *j, const char *dest, char *source,
                               size_t n) {
  int found = 0;
  sqlite3_stmt *st = prep(j, S_DOWNLOAD_OWNER, "t", dest);
  if (st != NULL && sqlite3_step(st) == SQLITE_ROW) {
    copy_col(st, 0, source, n);
    found = 1;
  }
  done(j, S_DOWNLOAD_OWNER, st);
  return found;
}

/* ------------------------------------------- ownership and os.exit */

int sf_journal_run_peek (SfJournal *j, const char *id, char out[40],
                         char status[16]) {
  Stmt which = id != NULL ? S_RUN_PEEK_ID : S_RUN_PEEK_OPEN;
  sqlite3_stmt *st = id != NULL ? prep(j, which, "t", id)
                                : prep(j, which, "");
  int rc;
  if (st == NULL)
    return -1;
  if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    copy_col(st, 0, out, 40);
    copy_col(st, 1, status, 16);
  }
  done(j, which, st);
  return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

int sf_journal_run_exited (SfJournal *j, const char *id, int code) {
  char at[32];
  now_iso(at);
  if (write_stmt(j, S_RUN_EXITED, prep(j, S_RUN_EXITED, "tit", at,
                                        (long long)code, id)) != 0)
    return -1;
  return sf_journal_flush(j);
}
