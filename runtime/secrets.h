/*
** secrets.h -- where the API key comes from, and how it is kept out of
** sight: read once, removed from the environment (os.getenv cannot see
** it), held only in the HTTP engine's header line.
*/
#ifndef SF_SECRETS_H
#define SF_SECRETS_H

#include <stddef.h>

/*
** Find the key: MUSICAPI_KEY, else 'key_file' (when given), else
** ~/.config/sonicflow/key if it exists. A key file that its group or
** others can read is refused. Returns 1 with a malloc'd key in *key,
** 0 when there is no key anywhere, -1 with a message in 'err'.
*/
int sf_secret_load (const char *key_file, char **key, char *err,
                    size_t errlen);

/* Fill 'hex' with 2 * 'nbytes' hex digits of kernel randomness and a
** NUL ('hex' holds 2 * nbytes + 1). 0, or -1 when none could be had. */
int sf_secret_random_hex (char *hex, size_t nbytes);

/* Overwrite and free a key. */
void sf_secret_free (char *key);

#endif
