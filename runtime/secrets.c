/*
** secrets.c -- loading the API key (see secrets.h).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include "secrets.h"

/* Copy 's' without surrounding white space; NULL when empty or no mem. */
static char *trimmed_copy (const char *s) {
  size_t n;
  char *k;
  while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
    s++;
  n = strlen(s);
  while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
    n--;
  if (n == 0 || (k = malloc(n + 1)) == NULL)
    return NULL;
  memcpy(k, s, n);
  k[n] = '\0';
  return k;
}

/* Read the first line of 'path' as the key, refusing loose permissions.
** 1 found, 0 missing (only when !required), -1 error. */
static int read_key_file (const char *path, int required, char **key,
                          char *err, size_t errlen) {
  struct stat st;
  char line[4096];
  FILE *f;
  if (stat(path, &st) != 0) {
    if (!required && errno == ENOENT)
      return 0;
    snprintf(err, errlen, "cannot read key file '%s': %s", path,
             strerror(errno));
    return -1;
  }
  if (st.st_mode & (S_IRWXG | S_IRWXO)) {
    snprintf(err, errlen, "key file '%s' is readable by others; "
             "run: chmod 600 '%s'", path, path);
    return -1;
  }
  if ((f = fopen(path, "r")) == NULL) {
    snprintf(err, errlen, "cannot read key file '%s': %s", path,
             strerror(errno));
    return -1;
  }
  line[0] = '\0';
  if (fgets(line, sizeof(line), f) == NULL)
    line[0] = '\0';
  fclose(f);
  *key = trimmed_copy(line);
  memset(line, 0, sizeof(line));
  if (*key == NULL) {
    snprintf(err, errlen, "key file '%s' is empty", path);
    return -1;
  }
  return 1;
}

int sf_secret_load (const char *key_file, char **key, char *err,
                    size_t errlen) {
  const char *env = getenv("MUSICAPI_KEY");
  const char *home = getenv("HOME");
  char path[4096];
  *key = NULL;
  if (env != NULL && *env != '\0') {
    *key = trimmed_copy(env);
    unsetenv("MUSICAPI_KEY");      /* out of reach of os.getenv */
    if (*key == NULL) {
      snprintf(err, errlen, "MUSICAPI_KEY is blank");
      return -1;
    }
    return 1;
  }
  unsetenv("MUSICAPI_KEY");
  if (key_file != NULL)
    return read_key_file(key_file, 1, key, err, errlen);
  if (home == NULL || *home == '\0')
    return 0;
  snprintf(path, sizeof(path), "%s/.config/sonicflow/key", home);
  return read_key_file(path, 0, key, err, errlen);
}

int sf_secret_random_hex (char *hex, size_t nbytes) {
  unsigned char rnd[64];
  size_t i;
  if (nbytes > sizeof(rnd) ||
      getrandom(rnd, nbytes, 0) != (ssize_t)nbytes)
    return -1;
  for (i = 0; i < nbytes; i++)
    snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
  memset(rnd, 0, sizeof(rnd));
  return 0;
}

void sf_secret_free (char *key) {
  if (key != NULL) {
    memset(key, 0, strlen(key));
    free(key);
  }
}
