/*
** fake_service.c -- a service that answers every call badly, one way per
** mode, to prove the client turns each into a typed error or a bounded
** wait (issue 5, "Malformed answers"). Usage: fake_service MODE; prints
** "listening on http://127.0.0.1:PORT", serves until killed.
**   truncated   JSON cut in the middle
**   types       JSON of the wrong types (credits a string, data a string)
**   states      a task whose clips are in a state nobody knows
**   huge        a 50 MB answer
**   slowloris   headers, then one byte a second, forever
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <microhttpd.h>

static const char *mode;

/* The slow body: one space a second, never finishing. */
static ssize_t drip (void *cls, uint64_t pos, char *buf, size_t max) {
  (void)cls; (void)pos; (void)max;
  sleep(1);
  buf[0] = ' ';
  return 1;
}

static const char *body_for (const char *url) {
  int credits = strstr(url, "get-credits") != NULL;
  int create = strstr(url, "/sonic/create") != NULL;
  if (strcmp(mode, "truncated") == 0)
    return credits ? "{\"credits\": 5, \"extra_cre"
                   : "{\"code\":200,\"message\":\"success\",\"data\":[{\"cl";
  if (strcmp(mode, "types") == 0)
    return credits ? "{\"credits\":\"lots\",\"extra_credits\":null}"
         : create ? "{\"message\":\"success\",\"task_id\":42}"
                  : "{\"code\":200,\"message\":\"success\",\"data\":\"no\"}";
  /* states */
  return create ? "{\"message\":\"success\",\"task_id\":\"t-1\"}"
       : credits ? "{\"credits\":5,\"extra_credits\":0}"
       : "{\"code\":200,\"message\":\"success\",\"data\":[{\"clip_id\":"
         "\"c-1\",\"state\":\"exploded\",\"audio_url\":\"\"},{\"clip_id\":"
         "\"c-2\",\"state\":\"teleporting\",\"audio_url\":\"\"}]}";
}

static enum MHD_Result handle (void *cls, struct MHD_Connection *c,
                               const char *url, const char *method,
                               const char *version, const char *upload,
                               size_t *upload_size, void **state) {
  struct MHD_Response *r;
  enum MHD_Result rc;
  (void)cls; (void)method; (void)version; (void)upload;
  if (*state == NULL) {               /* first call: headers only */
    *state = (void *)1;
    return MHD_YES;
  }
  if (*upload_size > 0) {             /* swallow a POST body */
    *upload_size = 0;
    return MHD_YES;
  }
  if (strcmp(mode, "huge") == 0) {
    size_t n = 50u << 20;
    char *big = malloc(n);
    memset(big, ' ', n);
    big[0] = '{';
    big[n - 1] = '}';
    r = MHD_create_response_from_buffer(n, big, MHD_RESPMEM_MUST_FREE);
  } else if (strcmp(mode, "slowloris") == 0) {
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 1, drip, NULL,
                                          NULL);
  } else {
    const char *b = body_for(url);
    r = MHD_create_response_from_buffer(strlen(b), (void *)b,
                                        MHD_RESPMEM_PERSISTENT);
  }
  MHD_add_response_header(r, "Content-Type", "application/json");
  rc = MHD_queue_response(c, 200, r);
  MHD_destroy_response(r);
  return rc;
}

int main (int argc, char **argv) {
  struct MHD_Daemon *d;
  const union MHD_DaemonInfo *info;
  mode = argc > 1 ? argv[1] : "truncated";
  d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
                       MHD_USE_THREAD_PER_CONNECTION, 0, NULL, NULL,
                       handle, NULL, MHD_OPTION_END);
  if (d == NULL)
    return 1;
  info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
  printf("listening on http://127.0.0.1:%u\n", (unsigned)info->port);
  fflush(stdout);
  pause();
  MHD_stop_daemon(d);
  return 0;
}
