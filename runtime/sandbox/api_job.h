/*
** api_job.h -- the work every task-making endpoint shares (api_create.c),
** for the endpoints beyond /sonic/create (api_family.c): one Job per
** request, the builders of clip recipes, and the accept/persist steps,
** so a mashup is charged, stored and answered exactly as a create is.
*/
#ifndef SF_API_JOB_H
#define SF_API_JOB_H

#include "sbx.h"

typedef struct Persona Persona;

/* Everything one task-making request needs while the lock is held. */
typedef struct Job {
  Sbx *s;
  const Create *c;
  const Clip *src;                /* the clip it builds on, if any */
  const Clip *src2;               /* mashup: the second clip */
  const Persona *persona;         /* persona_music */
  Task *t;
  Answer *a;
  uint64_t h;                     /* hash of the request, drives ideas */
  Recipe concat;                  /* concat_music: built up front */
} Job;

uint64_t sf_sbx_request_hash (const Sbx *s, const Create *c);
void sf_sbx_seg_set (Seg *g, uint64_t idea, const char *lyrics,
                     const char *tags, const char *neg, int instrumental);
/* The segment of 'r' playing at 'at_cs', and that moment's position in
** its song. */
const Seg *sf_sbx_seg_at (const Recipe *r, int64_t at_cs, int64_t *pos);
/* Fields every clip of the task shares; strings copied. */
void sf_sbx_job_clip (Job *j, Clip *k, const char *title, const char *tags,
                      const char *lyrics);

/* Builders: add j->c->type->nclips clips to j->t. */
void sf_sbx_build_new (Job *j);         /* create, persona */
void sf_sbx_build_extend (Job *j);      /* from j->c->continue_at */
void sf_sbx_build_transform (Job *j);   /* cover, remaster, add_* */

/* Schedule, charge the type's price, arm the webhook, answer 200. */
void sf_sbx_job_accept (Job *j, const char *key);
/* Save the task, its clips and the counters (inside a transaction). */
void sf_sbx_job_persist (Sbx *s, Task *t);

/* persona.c */
const Persona *sf_sbx_persona_find (Sbx *s, const char *id);
const char *sf_sbx_persona_styles (const Persona *p);

#endif
