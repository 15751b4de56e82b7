/*
** sbx.h -- private declarations shared by the sandbox's files.
**
** Cross-file symbols here are named sf_sbx_<noun>_<verb>: the sandbox is
** linked into the same binary as the client side, whose sf_<noun> names
** (sf_json_*, sf_buf_*, ...) must never collide with ours.
**
** Locking: one mutex, 'lock' in struct SfSandbox, guards the task/clip
** store, the ledger, the counters and the SQLite state. Audio rendering,
** webhook delivery and the timer run on their own threads with their own
** small locks and never take 'lock' while holding theirs.
*/
#ifndef SF_SBX_H
#define SF_SBX_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include "sandbox.h"
#include "synth.h"

#define SBX_ID_LEN 37             /* uuid text plus NUL */
#define SBX_BODY_MAX (1024 * 1024) /* larger request bodies get 413 */

/* ---- memory: the sandbox treats running out of memory as fatal ------- */
void *sf_sbx_alloc (size_t n);            /* zeroed */
void *sf_sbx_realloc (void *p, size_t n);
char *sf_sbx_strdup (const char *s);      /* NULL stays NULL */

/* ---- growable text buffer (buf.c) ------------------------------------ */
typedef struct Buf {
  char *p;                        /* NUL-terminated, owned */
  size_t len, cap;
} Buf;

void sf_sbx_buf_init (Buf *b);
void sf_sbx_buf_free (Buf *b);
void sf_sbx_buf_addn (Buf *b, const void *s, size_t n);
void sf_sbx_buf_add (Buf *b, const char *s);
void sf_sbx_buf_fmt (Buf *b, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
void sf_sbx_buf_str (Buf *b, const char *s);   /* JSON string or null */
void sf_sbx_buf_num (Buf *b, double v);        /* JSON number */
char *sf_sbx_buf_take (Buf *b);                /* caller frees */

/* ---- JSON values (json.c) -------------------------------------------- */
typedef enum { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } JType;

typedef struct Json {
  JType t;
  int b;                          /* J_BOOL */
  double n;                       /* J_NUM */
  char *s;                        /* J_STR, NUL-terminated */
  size_t slen;                    /* J_STR byte length */
  int nkids;                      /* J_ARR, J_OBJ */
  struct Json *kids;              /* J_ARR, J_OBJ */
  char **keys;                    /* J_OBJ: keys[i] names kids[i] */
} Json;

/* Parse 'len' bytes; NULL with a message in 'err' on malformed input. */
Json *sf_sbx_json_parse (const char *s, size_t len, char *err,
                         size_t errlen);
void sf_sbx_json_free (Json *j);
const Json *sf_sbx_json_get (const Json *obj, const char *key);
const char *sf_sbx_json_str (const Json *obj, const char *key);
double sf_sbx_json_num (const Json *obj, const char *key, double dflt);
size_t sf_sbx_utf8_len (const char *s);        /* code points */

/* ---- hashing and ids (util.c) ---------------------------------------- */
uint64_t sf_sbx_hash_mix (uint64_t h, uint64_t v);
uint64_t sf_sbx_hash_str (uint64_t h, const char *s);
double sf_sbx_hash_unit (uint64_t h);          /* [0, 1) */
void sf_sbx_uuid (uint64_t a, uint64_t b, char out[SBX_ID_LEN]);
int64_t sf_sbx_now_ms (void);                  /* wall clock */
void sf_sbx_iso_time (int64_t ms, char out[32]);
void sf_sbx_http_date (int64_t ms, char out[40]);

/* ---- string -> pointer map (util.c) ---------------------------------- */
typedef struct MapEnt {
  struct MapEnt *next;
  void *val;
  char key[];                     /* in the entry's block: one miss, not two */
} MapEnt;

typedef struct Map {
  MapEnt **slot;
  size_t nslot, count;
} Map;

void sf_sbx_map_init (Map *m);
void *sf_sbx_map_get (const Map *m, const char *key);
void sf_sbx_map_put (Map *m, const char *key, void *val);
void *sf_sbx_map_del (Map *m, const char *key);  /* the value, or NULL */
void sf_sbx_map_free (Map *m, void (*free_val) (void *));

/* ---- recipes with owned strings (recipe.c) --------------------------- */
typedef struct Seg {
  uint64_t idea;
  char *lyrics, *tags, *negative_tags;  /* owned, may be NULL */
  int instrumental, extension;
  int64_t pos_cs, len_cs;         /* song position, length: centiseconds */
} Seg;

/* A regenerated range (replace-section), as SfInfill. */
typedef struct Infill {
  Seg seg;                        /* seg.len_cs long */
  int64_t at_cs;                  /* where in the clip it starts */
} Infill;

typedef struct Recipe {
  Seg seg[SF_SYNTH_MAX_SEGMENTS];
  int nseg;
  Infill infill[SF_SYNTH_MAX_INFILLS];
  int ninfill;
  uint32_t stem_mask;
} Recipe;

void sf_sbx_recipe_free (Recipe *r);
void sf_sbx_recipe_copy (Recipe *dst, const Recipe *src);
int64_t sf_sbx_recipe_len (const Recipe *r);   /* centiseconds */
int sf_sbx_recipe_cut (Recipe *dst, const Recipe *src, int64_t cut_cs);
int sf_sbx_recipe_slice (Recipe *dst, const Recipe *src, int64_t from_cs,
                         int64_t to_cs);
int sf_sbx_recipe_append (Recipe *dst, const Recipe *src);
void sf_sbx_recipe_view (const Recipe *r, SfRecipe *out);
void sf_sbx_recipe_json (Buf *b, const Recipe *r);
int sf_sbx_recipe_load (Recipe *r, const Json *j);

/* ---- tasks and clips (tasks.c) --------------------------------------- */
typedef enum {
  CS_PENDING, CS_RUNNING, CS_STREAMING, CS_SUCCEEDED, CS_FAILED
} ClipState;

struct Task;

typedef struct Clip {
  char id[SBX_ID_LEN];
  struct Task *task;              /* NULL for an uploaded clip */
  int index;                      /* position in its task */
  char *title, *tags, *lyrics, *negative_tags, *gpt_prompt, *mv;
  double style_weight, weirdness; /* valid when has_* */
  int has_style_weight, has_weirdness;
  int uploaded;                   /* made by /sonic/upload */
  int is_extension;               /* made by extend: holds only the tail */
  char parent_id[SBX_ID_LEN];     /* extend: the clip it continues */
  int64_t continue_at_cs;         /* extend: where it continues */
  int64_t t_running, t_streaming, t_done;  /* sim ms after creation */
  int64_t created_ms;             /* wall clock (uploads: answer time) */
  long long downloads;            /* GETs of its audio files */
  struct Clip *newer_upload;      /* uploads: next in the retention FIFO */
  int packed;                     /* lives in its task's pack block */
  Recipe recipe;                  /* last: a poll reads only its lengths */
} Clip;

typedef struct Task {
  char id[SBX_ID_LEN];
  long long no;                   /* creation counter, drives draws */
  char kind[32];                  /* task_type, or stems_basic/full */
  int64_t created_ms;             /* wall clock */
  int64_t t_ready;                /* sim ms of not_ready */
  int nclips;
  Clip **clips;                   /* in the task's own block, after it */
  struct Clip *pack;              /* its clips and their strings, packed */
  int fails;                      /* drawn at creation (--fail-rate) */
  long charge;                    /* index in the ledger, -1 none */
  int settled;                    /* terminal work (refund) done */
  char *webhook_url, *webhook_secret;
  int webhook_sent;
  int hook_pending;               /* webhook timer armed, not yet fired */
  struct Task *newer;             /* next in the retention FIFO */
} Task;

/* ---- the ledger (ledger.c) ------------------------------------------- */
typedef struct Charge {
  char task_id[SBX_ID_LEN];       /* "" for synchronous calls */
  char clip_id[SBX_ID_LEN];       /* synchronous calls: the clip */
  char kind[32];
  long long amount, from_extra;
  int refunded;
} Charge;

typedef struct Ledger {
  long long credits, extra_credits;
  Charge *charges;
  size_t ncharges, cap;
} Ledger;

/* ---- answers (respond.c) --------------------------------------------- */
typedef struct Answer {
  int status;                     /* 0: nothing yet */
  Buf body;
  char retry_after[24];           /* 429: Retry-After value */
  char paid_interval[24];         /* 429 of the pace: X-Sandbox-Paid-Interval */
  const char *allow;              /* 405: Allow value */
  int64_t delay_ms;               /* > 0: send this much later */
  int drop;                       /* close without answering */
} Answer;

/* The mv names create accepts (--models). */
typedef struct ModelList {
  char **names;
  size_t n;
} ModelList;

/* ---- replaying a recorded run (replay.c) ------------------------------ */
typedef struct Replay Replay;

/* One recorded answer, ready to serve. */
typedef struct ReplayHit {
  int status;
  char *body;                     /* owned, origins rewritten; NULL: audio */
  char mime[64];
  char retry_after[24];
  long long audio_size;           /* audio recorded as size + sha256 */
  char sha256[65];
} ReplayHit;

/* Load a HAR file; NULL with a one-line message in 'err'. */
Replay *sf_sbx_replay_load (const char *path, char *err, size_t errlen);
void sf_sbx_replay_free (Replay *rp);
size_t sf_sbx_replay_count (const Replay *rp);
/* The recorded answer to this request (1, 'hit' filled, its body to be
** freed), or 0 with the 501's message in 'msg'. 'base' replaces the
** recorded origins in the answer. Thread-safe. */
int sf_sbx_replay_match (Replay *rp, const char *method, const char *path,
                         const char *body, size_t len, const char *base,
                         ReplayHit *hit, char *msg, size_t msglen);
int sf_sbx_replay_is_wav (const ReplayHit *hit);
/* The recipe of the audio served for a recorded audio answer. */
void sf_sbx_replay_recipe (const ReplayHit *hit, Recipe *out);

/* ---- the whole emulator ---------------------------------------------- */
typedef struct Timer Timer;
typedef struct AudioCache AudioCache;
typedef struct Hooks Hooks;
typedef struct State State;

struct SfSandbox {
  SfSandboxConfig cfg;            /* strings below are owned copies */
  char *host, *state_path;
  char **keys;
  int nkeys;
  char base_url[160];             /* http://HOST:PORT, for clip URLs */
  int port;
  struct SfMhdLoop *daemons;       /* the HTTP server's threads (server.c) */
  struct SfConnGuard *guard;      /* deadlines and limits (server.c) */
  ModelList models;               /* accepted mv names (--models) */
  pthread_mutex_t pace_lock;      /* the pace's window (pace.c) */
  int64_t paid_next_ms;           /* wall ms the next paid call may come */
  pthread_mutex_t lock;           /* guards everything below */
  Map tasks, clips;
  Map personas, batches;          /* persona.c, batch.c */
  Ledger ledger;
  long long n_tasks, n_clips, creates_accepted;
  uint64_t n_requests;            /* fault draws */
  Task **unsettled;               /* failing tasks awaiting refund */
  size_t nunsettled, capunsettled;
  Task *oldest, *newest;          /* retention FIFO of stored tasks */
  Clip *up_oldest, *up_newest;    /* ... and of uploaded clips */
  size_t nstored, nuploads;       /* their lengths */
  long long evicted;              /* tasks and uploads dropped so far */
  State *state;                   /* NULL without --state */
  Timer *timer;
  AudioCache *audio;
  Hooks *hooks;
  Replay *replay;                 /* --replay: recorded answers only */
};
typedef struct SfSandbox Sbx;

/* tasks.c */
Task *sf_sbx_task_alloc (int nclips);
Task *sf_sbx_task_new (Sbx *s, const char *kind, int nclips);
Clip *sf_sbx_clip_new (Sbx *s, Task *t);
void sf_sbx_task_pack (Sbx *s, Task *t);
void sf_sbx_clip_free (void *clip);
void sf_sbx_task_free (void *task);
void sf_sbx_task_schedule (Sbx *s, Task *t);
int64_t sf_sbx_task_sim_ms (const Sbx *s, const Task *t, int64_t now);
ClipState sf_sbx_clip_state (const Sbx *s, const Clip *c, int64_t now);
int64_t sf_sbx_clip_done_wall (const Sbx *s, const Clip *c);
int64_t sf_sbx_task_done_wall (const Sbx *s, const Task *t);
void sf_sbx_task_track (Sbx *s, Task *t);
void sf_sbx_tasks_settle (Sbx *s, int64_t now);
Clip *sf_sbx_clip_find (Sbx *s, const char *id);
Task *sf_sbx_task_find (Sbx *s, const char *id);
int64_t sf_sbx_clip_len_pick (const Sbx *s, uint64_t h, int64_t lo_cs,
                              int64_t hi_cs);

/* retain.c: --retain-tasks / --retain-seconds; lock held */
void sf_sbx_retain_task (Sbx *s, Task *t);     /* append to the FIFO */
void sf_sbx_retain_upload (Sbx *s, Clip *c);
void sf_sbx_retain_evict (Sbx *s, int64_t now, int room);

/* ledger.c */
int sf_sbx_ledger_charge (Sbx *s, const char *kind, const char *task_id,
                          const char *clip_id, long long amount,
                          long *index);
void sf_sbx_ledger_refund (Sbx *s, long index);
void sf_sbx_ledger_json (Sbx *s, Buf *b);
void sf_sbx_ledger_free (Ledger *l);

/* respond.c */
void sf_sbx_answer_init (Answer *a);
void sf_sbx_answer_free (Answer *a);
void sf_sbx_answer_error (const Sbx *s, Answer *a, int status,
                          const char *msg);
void sf_sbx_answer_body (Answer *a, int status, const char *json);
void sf_sbx_answer_no_credits (const Sbx *s, Answer *a);      /* the 403 */
void sf_sbx_task_json (const Sbx *s, Buf *b, const Task *t, int64_t now);
void sf_sbx_audio_url (const Sbx *s, Buf *b, const char *clip_id,
                       const char *ext);

/* text.c: plausible titles, lyrics and tags, deterministic */
char *sf_sbx_text_title (uint64_t h, const char *desc);
char *sf_sbx_text_lyrics (uint64_t h, const char *desc, int extension);
char *sf_sbx_text_tags (uint64_t h, const char *desc);
char *sf_sbx_text_upload_title (const char *url);
/* upsample-tags: the tags, then related ones they do not have yet */
char *sf_sbx_text_upsample (const char *tags);

/* validate.c: the model and task_type tables, and the create body
** checked and read into a Create */
typedef struct Model {
  const char *name;
  int prompt_max, tags_max;       /* character limits */
  int vocal_gender;               /* accepts vocal_gender */
} Model;

typedef struct TaskType {
  const char *name;
  int price;                      /* credits */
  int nclips;                     /* clips in the result */
  int source;                     /* needs continue_clip_id */
  int upload;                     /* the source must be an upload */
} TaskType;


typedef struct Create {
  const TaskType *type;
  const Model *model;             /* NULL for concat without mv */
  const char *task_type, *mv, *title, *tags, *negative_tags, *prompt,
             *gpt_prompt, *continue_clip_id, *persona_id, *vocal_gender,
             *webhook_url, *webhook_secret;
  int custom_mode, make_instrumental, auto_lyrics, has_custom_mode;
  int has_continue_at, has_style_weight, has_weirdness, has_audio_weight;
  double continue_at, style_weight, weirdness, audio_weight;
  /* the endpoints beyond create (sf_sbx_family_check) */
  const char *url, *clip_id, *sample_clip_id, *infill_lyrics;
  const char *mashup[2];          /* mashup_clip_ids */
  int64_t start_cs, end_cs;       /* chop_sample_* or infill_* */
  int auto_concat;
} Create;

int sf_sbx_create_check (const Json *body, const ModelList *models,
                         Create *c, char *msg, size_t msglen);
/* Check the body of a task endpoint beyond create ('kind': upload_extend,
** upload_cover, mashup, sample, replace_section): the generation fields
** as create checks them, then the endpoint's own. 0, or -1 with the 400
** message. */
int sf_sbx_family_check (const Json *body, const char *kind,
                         const ModelList *models, Create *c, char *msg,
                         size_t msglen);
/* "The '<a>' field should be greater than '<b>'." and the like for a
** pair of second fields of a synchronous call (vox); the pair in cs. */
int sf_sbx_seconds_pair (const Json *body, const char *first,
                         const char *last, int64_t *a_cs, int64_t *b_cs,
                         char *msg, size_t msglen);
/* The accepted mv names (--models "a, b,c"; NULL or empty: every model
** of the table), split once at start. Returns how many. */
size_t sf_sbx_models_take (const char *list, ModelList *out);
void sf_sbx_models_free (ModelList *m);
/* The model 'mv' if 'accepted' has it, with its limits (a name the table
** lacks gets the newer models' limits); else NULL and the 400 listing the
** accepted names in 'msg'. */
const Model *sf_sbx_model_check (const ModelList *accepted, const char *mv,
                                 char *msg, size_t msglen);

/* pace.c: --rate-limit. enter: 1 when the paid call must be refused now
** (the 429 is in 'a'); 0 to go on, and leave must follow the handler. */
double sf_sbx_pace_interval (const Sbx *s);   /* seconds; 0: off */
/* X-Sandbox-Paid-Interval on 'a' when the pace is on (any 429 says it) */
void sf_sbx_pace_hint (const Sbx *s, Answer *a);
int sf_sbx_pace_enter (Sbx *s, Answer *a);
void sf_sbx_pace_leave (Sbx *s, const Answer *a);

/* api.c, api_create.c: one handler per endpoint, called with the lock
** NOT held; 'key' is the bearer key of the request */
void sf_sbx_api_create (Sbx *s, const Json *body, const char *key,
                        Answer *a);
void sf_sbx_api_task (Sbx *s, const char *id, Answer *a);
void sf_sbx_api_stems (Sbx *s, const Json *body, int full, Answer *a);
void sf_sbx_api_upload (Sbx *s, const Json *body, Answer *a);
void sf_sbx_api_wav (Sbx *s, const Json *body, Answer *a);
void sf_sbx_api_midi (Sbx *s, const Json *body, Answer *a);
void sf_sbx_api_lyrics (Sbx *s, const Json *body, Answer *a);
void sf_sbx_api_credits (Sbx *s, Answer *a);
void sf_sbx_api_ledger (Sbx *s, Answer *a);
const Clip *sf_sbx_api_source (Sbx *s, const char *id, Answer *a);
/* body[field] as a required non-empty string, or NULL with the 400 set
** (also for a body that is not an object). */
const char *sf_sbx_need_str (Sbx *s, const Json *body, const char *field,
                             Answer *a);
/* uploads (api.c): the song a URL stands for, and a stored, charged
** upload clip of it (lock held) */
void sf_sbx_upload_recipe (Sbx *s, const char *url, Recipe *out);
Clip *sf_sbx_upload_new (Sbx *s, const char *url);
/* api_family.c: the task endpoints beyond create. 'kind' is the row of
** the family table (validate.c): upload_extend, upload_cover, mashup,
** sample, replace_section. */
void sf_sbx_api_family (Sbx *s, const char *kind, const Json *body,
                        const char *key, Answer *a);
/* api_sync.c: the synchronous family calls */
void sf_sbx_api_persona (Sbx *s, const Json *body, Answer *a);
void sf_sbx_api_upsample_tags (Sbx *s, const Json *body, Answer *a);
void sf_sbx_api_bpm (Sbx *s, const Json *body, Answer *a);
void sf_sbx_api_vox (Sbx *s, const Json *body, Answer *a);
/* batch.c */
void sf_sbx_api_batch (Sbx *s, const Json *body, const char *key,
                       Answer *a);
void sf_sbx_api_batch_status (Sbx *s, const char *batch_id, Answer *a);

/* midi.c */
void sf_sbx_midi_instruments (Buf *b, const Recipe *r);
int sf_sbx_midi_file (const Recipe *r, unsigned char **out, size_t *len);

/* image.c: a clip's cover picture, drawn from its idea */
void sf_sbx_image_jpeg (const char *clip_id, uint64_t idea,
                        unsigned char **out, size_t *len);

/* faults.c */
enum { FAULT_500, FAULT_504, FAULT_429, FAULT_SLOW, FAULT_DROP,
       FAULT_TRUNCATE, FAULT_FAIL };
int sf_sbx_fault_hit (const Sbx *s, uint64_t draw, int kind);
int sf_sbx_faults_parse (SfSandboxConfig *c, const char *spec, char *err,
                         size_t errlen);

/* timer.c: run callbacks at wall-clock times on one thread */
typedef void (*TimerFn) (void *arg, int cancelled);
Timer *sf_sbx_timer_start (void);
int sf_sbx_timer_add (Timer *t, int64_t due_ms, TimerFn fn, void *arg);
void sf_sbx_timer_stop (Timer *t);             /* fires the rest, cancelled */
void sf_sbx_timer_free (Timer *t);

/* audio_cache.c */
typedef struct Audio Audio;
typedef void (*WakeFn) (void *waiter);
AudioCache *sf_sbx_audio_start (size_t max_bytes, int threads);
void sf_sbx_audio_halt (AudioCache *c);        /* before the daemon stops */
void sf_sbx_audio_stop (AudioCache *c);        /* after: frees */
/* 1: ready, *out referenced; 0: rendering, 'wake(waiter)' will be called
** once (the caller must be suspended before it can run: 'suspend' is
** called under the cache lock); -1: failed or stopping. */
int sf_sbx_audio_acquire (AudioCache *c, const char *clip_id, int wav,
                          const Recipe *r, int64_t mtime_ms,
                          void (*suspend) (void *), WakeFn wake,
                          void *waiter, Audio **out);
void sf_sbx_audio_release (Audio *a);
const unsigned char *sf_sbx_audio_data (const Audio *a, size_t *len);
const char *sf_sbx_audio_etag (const Audio *a);
int64_t sf_sbx_audio_mtime (const Audio *a);

/* state.c */
State *sf_sbx_state_open (Sbx *s, const char *path, char *err,
                          size_t errlen);
void sf_sbx_state_close (State *st);
void sf_sbx_state_begin (Sbx *s);
void sf_sbx_state_commit (Sbx *s);
void sf_sbx_state_save_task (Sbx *s, const Task *t);
void sf_sbx_state_save_clip (Sbx *s, const Clip *c);
void sf_sbx_state_save_charge (Sbx *s, long index);
void sf_sbx_state_save_meta (Sbx *s);
void sf_sbx_state_save_downloads (Sbx *s, const Clip *c);
void sf_sbx_state_forget_task (Sbx *s, const Task *t);  /* and its clips */
void sf_sbx_state_forget_clip (Sbx *s, const Clip *c);
/* personas and batches: one JSON row per (kind, id), given back at open
** to sf_sbx_persona_restore / sf_sbx_batch_restore */
void sf_sbx_state_save_record (Sbx *s, const char *kind, const char *id,
                               const char *json);
void sf_sbx_persona_restore (Sbx *s, const char *id, const Json *j);
void sf_sbx_persona_free (void *persona);
void sf_sbx_batch_restore (Sbx *s, const char *id, const Json *j);
void sf_sbx_batch_free (void *batch);

/* webhook.c */
Hooks *sf_sbx_hooks_start (Sbx *s);
void sf_sbx_hooks_stop (Hooks *h);
void sf_sbx_hooks_arm (Sbx *s, Task *t);       /* lock held */

/* server.c */
int sf_sbx_server_start (Sbx *s, char *err, size_t errlen);
void sf_sbx_server_stop (Sbx *s);
void sf_sbx_log (const Sbx *s, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));

#endif
