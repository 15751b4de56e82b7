/*
** audio_cache.c -- render a clip's audio once, on its first download,
** and keep it for every later one.
**
** Rendering takes a second or so, so it runs on a small pool of render
** threads, never on a connection's thread and never under the sandbox's
** lock. A download that finds its file missing or being rendered parks
** its connection (the caller suspends it) and is woken when the file is
** ready, so concurrent first downloads of one clip render it once.
** Entries are reference counted: a response being sent holds a reference,
** and only unreferenced files are evicted when the cache outgrows its cap.
**
** Entries are keyed by what the audio is made of -- a hash of the recipe
** -- not by the clip that asks: synthesis is a pure function of the
** recipe, so clips with equal recipes (a load test sending one prompt N
** times gets N identical songs) share one render and one copy. Without
** this, 10,000 first downloads queue 10,000 renders on two threads and
** the last waits minutes: the synthesis, not the client, would be what a
** load test measures.
*/
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sbx.h"

enum { A_IDLE, A_RENDERING, A_READY, A_FAILED };

typedef struct Waiter {
  WakeFn wake;
  void *arg;
  struct Waiter *next;
} Waiter;

struct Audio {
  char key[SBX_ID_LEN + 8];       /* "<recipe hash>.mp3" */
  int state;
  int wav;
  unsigned char *data;            /* owned; valid while READY */
  size_t len;
  char etag[48];
  int64_t mtime;                  /* wall ms, for Last-Modified */
  int refs;                       /* responses in flight (atomic) */
  uint64_t last_use;
  Waiter *waiters;
  Recipe recipe;                  /* the job, while RENDERING */
  struct Audio *next_job;
};

#define MAX_RENDER_THREADS 8

struct AudioCache {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  Map entries;
  Audio *jobs, *jobs_tail;
  size_t bytes, max_bytes;
  uint64_t tick;
  int stopping;
  int nthreads;
  pthread_t threads[MAX_RENDER_THREADS];
};

/* Synthesize and encode one recipe; 0 or -1 (nothing allocated). */
static int render (const Recipe *r, int wav, unsigned char **out,
                   size_t *len) {
  SfRecipe view;
  int16_t *pcm = NULL;
  size_t frames = 0;
  int rc;
  sf_sbx_recipe_view(r, &view);
  if (sf_synth_render(&view, &pcm, &frames) != 0)
    return -1;
  rc = wav ? sf_synth_encode_wav(pcm, frames, out, len)
           : sf_synth_encode_mp3(pcm, frames, out, len);
  free(pcm);
  return rc;
}

/* Drop the least recently used unreferenced files until under the cap.
** Lock held. */
static void evict (AudioCache *c) {
  while (c->bytes > c->max_bytes) {
    Audio *victim = NULL;
    size_t i;
    for (i = 0; i < c->entries.nslot; i++) {
      MapEnt *e;
      for (e = c->entries.slot[i]; e != NULL; e = e->next) {
        Audio *a = (Audio *)e->val;
        if (a->state == A_READY &&
            __atomic_load_n(&a->refs, __ATOMIC_ACQUIRE) == 0 &&
            (victim == NULL || a->last_use < victim->last_use))
          victim = a;
      }
    }
    if (victim == NULL)
      return;
    c->bytes -= victim->len;
    free(victim->data);
    victim->data = NULL;
    victim->len = 0;
    victim->state = A_IDLE;
  }
}

/* Wake and forget every waiter of 'a'; called without the lock. */
static void wake_all (Waiter *w) {
  while (w != NULL) {
    Waiter *next = w->next;
    w->wake(w->arg);
    free(w);
    w = next;
  }
}

/* Store a finished render and hand back the waiters to wake. Lock held. */
static Waiter *finish (AudioCache *c, Audio *a, unsigned char *data,
                       size_t len, int ok) {
  Waiter *w = a->waiters;
  a->waiters = NULL;
  sf_sbx_recipe_free(&a->recipe);
  a->state = ok ? A_READY : A_FAILED;
  if (ok) {
    a->data = data;
    a->len = len;
    snprintf(a->etag, sizeof(a->etag), "\"%016llx-%zx\"",
             (unsigned long long)sf_sbx_hash_str(0, a->key), len);
    c->bytes += len;
    evict(c);
  }
  return w;
}

/* A render thread: take a job, render it unlocked, publish, wake. */
static void *render_main (void *arg) {
  AudioCache *c = (AudioCache *)arg;
  pthread_mutex_lock(&c->lock);
  for (;;) {
    Audio *a;
    unsigned char *data = NULL;
    size_t len = 0;
    int ok;
    Waiter *w;
    while (c->jobs == NULL && !c->stopping)
      pthread_cond_wait(&c->cond, &c->lock);
    if (c->stopping)
      break;
    a = c->jobs;
    c->jobs = a->next_job;
    if (c->jobs == NULL)
      c->jobs_tail = NULL;
    pthread_mutex_unlock(&c->lock);
    ok = render(&a->recipe, a->wav, &data, &len) == 0;
    pthread_mutex_lock(&c->lock);
    w = finish(c, a, data, len, ok);
    pthread_mutex_unlock(&c->lock);
    wake_all(w);
    pthread_mutex_lock(&c->lock);
  }
  pthread_mutex_unlock(&c->lock);
  return NULL;
}

AudioCache *sf_sbx_audio_start (size_t max_bytes, int threads) {
  AudioCache *c = sf_sbx_alloc(sizeof(AudioCache));
  sigset_t all, old;
  int i;
  pthread_mutex_init(&c->lock, NULL);
  pthread_cond_init(&c->cond, NULL);
  sf_sbx_map_init(&c->entries);
  c->max_bytes = max_bytes;
  if (threads < 1)
    threads = 1;
  if (threads > MAX_RENDER_THREADS)
    threads = MAX_RENDER_THREADS;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  for (i = 0; i < threads; i++)
    if (pthread_create(&c->threads[c->nthreads], NULL, render_main, c) == 0)
      c->nthreads++;
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  return c;
}

/* Queue a render of 'r' for 'a' (IDLE or FAILED). Lock held. */
static void queue_job (AudioCache *c, Audio *a, const Recipe *r) {
  a->state = A_RENDERING;
  sf_sbx_recipe_copy(&a->recipe, r);
  a->next_job = NULL;
  if (c->jobs_tail != NULL)
    c->jobs_tail->next_job = a;
  else
    c->jobs = a;
  c->jobs_tail = a;
  pthread_cond_signal(&c->cond);
}

/* The cache key of 'r' rendered as WAV or MP3. */
static void content_key (const Recipe *r, int wav,
                         char key[SBX_ID_LEN + 8]) {
  Buf b;
  sf_sbx_buf_init(&b);
  sf_sbx_recipe_json(&b, r);      /* all of it: the state file's form */
  snprintf(key, SBX_ID_LEN + 8, "%016llx%016llx.%s",
           (unsigned long long)sf_sbx_hash_str(0x5eed, b.p ? b.p : ""),
           (unsigned long long)sf_sbx_hash_str(0xa0d10, b.p ? b.p : ""),
           wav ? "wav" : "mp3");
  sf_sbx_buf_free(&b);
}

/*
** Get the file of 'clip_id' ('wav' or MP3), made from its recipe 'r'. Ready: returns 1 with a
** reference in '*out' (release it with sf_sbx_audio_release). Otherwise
** registers 'waiter', calls suspend(waiter) under the cache lock (so the
** wake-up cannot overtake the suspension), queues the render if needed
** and returns 0. Returns -1 when stopping, or when 'wake' is NULL (a
** caller that was already woken) and the file is still not there.
*/
int sf_sbx_audio_acquire (AudioCache *c, const char *clip_id, int wav,
                          const Recipe *r, int64_t mtime_ms,
                          void (*suspend) (void *), WakeFn wake,
                          void *waiter, Audio **out) {
  char key[SBX_ID_LEN + 8];
  Audio *a;
  Waiter *w;
  int rc = -1;
  (void)clip_id;                  /* equal recipes share a file */
  content_key(r, wav, key);
  pthread_mutex_lock(&c->lock);
  if (c->stopping || c->nthreads == 0)
    goto done;
  if ((a = (Audio *)sf_sbx_map_get(&c->entries, key)) == NULL) {
    a = sf_sbx_alloc(sizeof(Audio));
    memcpy(a->key, key, sizeof(key));
    a->wav = wav;
    a->mtime = mtime_ms;          /* fixed: readers hold no lock */
    sf_sbx_map_put(&c->entries, key, a);
  }
  a->last_use = ++c->tick;
  if (a->state == A_READY) {
    __atomic_add_fetch(&a->refs, 1, __ATOMIC_ACQ_REL);
    *out = a;
    rc = 1;
    goto done;
  }
  if (wake == NULL)               /* a woken caller: no second render */
    goto done;
  w = sf_sbx_alloc(sizeof(Waiter));
  w->wake = wake;
  w->arg = waiter;
  w->next = a->waiters;
  a->waiters = w;
  suspend(waiter);
  if (a->state != A_RENDERING)    /* IDLE, or FAILED: try again */
    queue_job(c, a, r);
  rc = 0;
done:
  pthread_mutex_unlock(&c->lock);
  return rc;
}

/* Drop a reference; lock-free, so libmicrohttpd may call it from any
** context when it destroys a response. */
void sf_sbx_audio_release (Audio *a) {
  if (a != NULL)
    __atomic_sub_fetch(&a->refs, 1, __ATOMIC_ACQ_REL);
}

const unsigned char *sf_sbx_audio_data (const Audio *a, size_t *len) {
  *len = a->len;
  return a->data;
}

const char *sf_sbx_audio_etag (const Audio *a) {
  return a->etag;
}

int64_t sf_sbx_audio_mtime (const Audio *a) {
  return a->mtime;
}

/*
** Stop rendering: join the threads and wake everyone still waiting (their
** retry then gets -1). Must run before the HTTP daemon stops, since
** waiting connections are suspended.
*/
void sf_sbx_audio_halt (AudioCache *c) {
  Waiter *w = NULL;
  Audio *a;
  int i;
  if (c == NULL)
    return;
  pthread_mutex_lock(&c->lock);
  c->stopping = 1;
  pthread_cond_broadcast(&c->cond);
  pthread_mutex_unlock(&c->lock);
  for (i = 0; i < c->nthreads; i++)
    pthread_join(c->threads[i], NULL);
  c->nthreads = 0;
  pthread_mutex_lock(&c->lock);
  for (a = c->jobs; a != NULL; a = a->next_job) {
    Waiter *mine = finish(c, a, NULL, 0, 0), *last = mine;
    while (last != NULL && last->next != NULL)
      last = last->next;
    if (last != NULL) {
      last->next = w;
      w = mine;
    }
  }
  c->jobs = c->jobs_tail = NULL;
  pthread_mutex_unlock(&c->lock);
  wake_all(w);
}

static void audio_free (void *p) {
  Audio *a = (Audio *)p;
  free(a->data);
  sf_sbx_recipe_free(&a->recipe);
  free(a);
}

/* Free everything; after sf_sbx_audio_halt and after the daemon stopped
** (no response may still point into the cache). */
void sf_sbx_audio_stop (AudioCache *c) {
  if (c == NULL)
    return;
  sf_sbx_audio_halt(c);
  sf_sbx_map_free(&c->entries, audio_free);
  pthread_mutex_destroy(&c->lock);
  pthread_cond_destroy(&c->cond);
  free(c);
}
