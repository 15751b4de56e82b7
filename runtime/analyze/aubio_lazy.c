/*
** aubio_lazy.c -- load libaubio with dlopen on first use (aubio_lazy.h).
*/
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include "aubio_lazy.h"

#ifndef SF_AUBIO_SONAME
#define SF_AUBIO_SONAME "libaubio.so.5"   /* Debian 12's libaubio5 */
#endif

static SfAubio aubio;
static const SfAubio *loaded;
static char why[256];
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* One symbol into *slot; 0, or -1 with the reason in 'why'. */
static int bind (void *lib, const char *name, void **slot) {
  *slot = dlsym(lib, name);
  if (*slot != NULL)
    return 0;
  snprintf(why, sizeof(why), "%s has no %s (aubio 0.4 expected)",
           SF_AUBIO_SONAME, name);
  return -1;
}

static void load (void) {
  void *lib = dlopen(SF_AUBIO_SONAME, RTLD_NOW | RTLD_LOCAL);
  const char *err;
  if (lib == NULL) {
    err = dlerror();
    snprintf(why, sizeof(why),
             "cannot load aubio (%s); install it: apt-get install libaubio5",
             err != NULL ? err : SF_AUBIO_SONAME);
    return;
  }
#define BIND(field, sym) \
  if (bind(lib, #sym, (void **)&aubio.field) != 0) return
  BIND(new_fvec, new_fvec);
  BIND(del_fvec, del_fvec);
  BIND(new_cvec, new_cvec);
  BIND(del_cvec, del_cvec);
  BIND(new_pvoc, new_aubio_pvoc);
  BIND(pvoc_do, aubio_pvoc_do);
  BIND(del_pvoc, del_aubio_pvoc);
  BIND(new_tempo, new_aubio_tempo);
  BIND(tempo_do, aubio_tempo_do);
  BIND(tempo_get_bpm, aubio_tempo_get_bpm);
  BIND(del_tempo, del_aubio_tempo);
  BIND(new_onset, new_aubio_onset);
  BIND(onset_do, aubio_onset_do);
  BIND(del_onset, del_aubio_onset);
#undef BIND
  loaded = &aubio;      /* never dlclose'd: see aubio_lazy.h */
}

const SfAubio *sf_aubio (char *err, size_t errlen) {
  pthread_once(&once, load);
  if (loaded == NULL && errlen > 0)
    snprintf(err, errlen, "%s", why);
  return loaded;
}
