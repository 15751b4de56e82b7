/*
** sandbox.c -- start and stop the emulator: the store, the ledger, the
** timer, the render pool, the webhook thread, the state file and the
** HTTP daemon, in that order, and down again in the order that lets every
** suspended connection be answered before the daemon goes.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sbx.h"

/* Own copies of the config's strings, and sane values where a field
** holds something the sandbox cannot use. */
static void config_take (Sbx *s, const SfSandboxConfig *c) {
  int i;
  s->cfg = *c;
  s->host = sf_sbx_strdup(c->host && *c->host ? c->host : "127.0.0.1");
  s->state_path = sf_sbx_strdup(c->state_path);
  sf_sbx_models_take(c->models, &s->models);
  s->cfg.models = NULL;               /* split into s->models */
  s->cfg.host = s->host;
  s->cfg.state_path = s->state_path;
  s->keys = sf_sbx_alloc((SF_SANDBOX_MAX_KEYS + 1) * sizeof(char *));
  if (c->key != NULL && *c->key)
    s->keys[s->nkeys++] = sf_sbx_strdup(c->key);
  for (i = 0; i < c->nmore_keys && i < SF_SANDBOX_MAX_KEYS; i++)
    s->keys[s->nkeys++] = sf_sbx_strdup(c->more_keys[i]);
  s->cfg.key = NULL;
  s->cfg.nmore_keys = 0;
  s->cfg.replay_path = NULL;          /* read once, at start */
  if (!(s->cfg.speed > 0))
    s->cfg.speed = 1;
  if (s->cfg.slow_ms < 0)
    s->cfg.slow_ms = 2000;
  if (s->cfg.stems_full_count != 24)
    s->cfg.stems_full_count = 12;
  if (s->cfg.not_ready_status != 202)
    s->cfg.not_ready_status = 200;
  if (s->cfg.cache_mb == 0)
    s->cfg.cache_mb = 512;
}

SfSandbox *sf_sandbox_start (const SfSandboxConfig *c, char *err,
                             size_t errlen) {
  Sbx *s = sf_sbx_alloc(sizeof(Sbx));
  config_take(s, c);
  pthread_mutex_init(&s->lock, NULL);
  pthread_mutex_init(&s->pace_lock, NULL);
  sf_sbx_map_init(&s->tasks);
  sf_sbx_map_init(&s->clips);
  sf_sbx_map_init(&s->personas);
  sf_sbx_map_init(&s->batches);
  s->ledger.credits = s->cfg.credits;
  s->ledger.extra_credits = s->cfg.extra_credits;
  s->timer = sf_sbx_timer_start();
  s->audio = sf_sbx_audio_start(s->cfg.cache_mb * 1024 * 1024, 2);
  s->hooks = sf_sbx_hooks_start(s);
  if (s->timer == NULL) {
    snprintf(err, errlen, "cannot start the timer thread");
    goto fail;
  }
  if (s->state_path != NULL) {
    pthread_mutex_lock(&s->lock);
    sf_sbx_state_open(s, s->state_path, err, errlen);
    pthread_mutex_unlock(&s->lock);
    if (s->state == NULL)
      goto fail;
  }
  if (c->replay_path != NULL &&
      (s->replay = sf_sbx_replay_load(c->replay_path, err, errlen)) == NULL)
    goto fail;
  if (sf_sbx_server_start(s, err, errlen) != 0)
    goto fail;
  return s;
fail:
  sf_sandbox_stop(s);
  return NULL;
}

int sf_sandbox_port (const SfSandbox *s) {
  return s ? s->port : 0;
}

/* Used by sf_sandbox_main for its first line. */
const char *sf_sandbox_url (const SfSandbox *s) {
  return s ? s->base_url : "";
}

void sf_sandbox_stop (SfSandbox *s) {
  int i;
  if (s == NULL)
    return;
  sf_sbx_timer_stop(s->timer);        /* resumes deferred answers */
  sf_sbx_audio_halt(s->audio);        /* wakes downloads waiting */
  sf_sbx_server_stop(s);
  sf_sbx_hooks_stop(s->hooks);
  sf_sbx_timer_free(s->timer);
  sf_sbx_audio_stop(s->audio);
  sf_sbx_state_close(s->state);
  sf_sbx_replay_free(s->replay);
  sf_sbx_map_free(&s->clips, sf_sbx_clip_free);  /* before their tasks */
  sf_sbx_map_free(&s->tasks, sf_sbx_task_free);
  sf_sbx_map_free(&s->personas, sf_sbx_persona_free);
  sf_sbx_map_free(&s->batches, sf_sbx_batch_free);
  sf_sbx_ledger_free(&s->ledger);
  free(s->unsettled);
  for (i = 0; i < s->nkeys; i++)
    free(s->keys[i]);
  free(s->keys);
  free(s->host);
  free(s->state_path);
  sf_sbx_models_free(&s->models);
  pthread_mutex_destroy(&s->pace_lock);
  pthread_mutex_destroy(&s->lock);
  free(s);
}
