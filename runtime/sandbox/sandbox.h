/*
** sandbox.h -- the emulator of MusicAPI's "sonic" service.
**
** The sandbox is an HTTP server (libmicrohttpd) that follows
** ../shared/PROTOCOL.md. It runs either as `sonicflow sandbox` (its own
** process) or inside `sonicflow run` on a loopback port. It shares no state
** with the client side: the client only ever talks to it over HTTP, exactly
** as it would to the real service. It serves from its own threads, so the
** caller's thread (the client's event loop) is never blocked by it.
*/
#ifndef SF_SANDBOX_H
#define SF_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

typedef struct SfSandbox SfSandbox;

#define SF_SANDBOX_MAX_KEYS 16   /* further --key values beyond 'key' */

/* Everything the command line can set. Zero/NULL fields mean "default";
** sf_sandbox_config_init fills the documented defaults. */
typedef struct SfSandboxConfig {
  const char *host;          /* bind address; default "127.0.0.1" */
  int port;                  /* 0 = any free port */
  const char *key;           /* NULL: any non-empty bearer key is accepted */
  long long credits;         /* starting subscription credits */
  long long extra_credits;   /* starting purchased credits (spent first) */
  double speed;              /* every simulated duration is divided by this */
  uint64_t seed;             /* audio ideas and fault draws derive from it */
  double clip_seconds;       /* > 0: every clip has exactly this length */
  /* fault injection: probabilities in [0,1], all 0 by default */
  double fail_rate;          /* task failure (refunded) */
  double fault_500, fault_504, fault_429, fault_slow, fault_drop,
         fault_truncate;
  int slow_ms;               /* delay of a "slow" answer; default 2000 */
  const char *state_path;    /* SQLite file; NULL = in memory only */
  /* switches for the loose parts of the protocol (defaults = first form) */
  int create_with_code;      /* create answer carries "code":200 */
  int error_shape_code;      /* errors as {"code":N,"message":...} */
  int not_ready_status;      /* 200 (default) or 202 */
  int duration_as_number;    /* clip duration as a JSON number */
  int stems_full_count;      /* 12 (default) or 24 */
  int mv_chirp;              /* clips echo mv as "chirp-v5", not "sonic-v5" */
  /* webhook delivery faults (off by default) */
  int webhook_duplicates;    /* send every delivery twice (same id) */
  int webhook_reorder_ms;    /* delay each delivery by 0..N ms: out of order */
  int webhook_bad_signature; /* sign with the wrong secret */
  int quiet;                 /* no request log on stderr */
  /* additions (issue 2) */
  const char *more_keys[SF_SANDBOX_MAX_KEYS]; /* --key given again: every
                                                 listed key is accepted */
  int nmore_keys;
  size_t cache_mb;           /* rendered-audio cache cap, MiB; default 512 */
  /* scale (issue 17, issue 19 item 7) */
  long long retain_tasks;    /* finished tasks (and uploads) kept; 0 = all;
                                default 100000 */
  double retain_seconds;     /* > 0: drop finished tasks older than this */
  unsigned max_connections;  /* 0: the raised descriptor limit less 256 */
  unsigned per_ip_connections; /* 0: none on a loopback --host, else
                                  a quarter of max_connections */
  unsigned request_timeout;  /* s for headers + body; default 10 */
  unsigned idle_timeout;     /* s a keep-alive connection may idle; 30 */
  /* the account (issue 14) */
  double rate_limit;         /* s between paid task calls (scaled by speed);
                                default 3, 0 = off */
  const char *models;        /* accepted mv names, comma separated; NULL:
                                the known table, v6 names included */
  /* drift (issue 15) */
  const char *replay_path;   /* --replay FILE.har: serve its answers */
} SfSandboxConfig;

/* Fill 'c' with the documented defaults. */
void sf_sandbox_config_init (SfSandboxConfig *c);

/*
** Parse sandbox options (argv[0] is the first option, not a program name).
** Returns 0, or -1 with a one-line message in 'err'. Strings in 'c' point
** into argv.
*/
int sf_sandbox_config_parse (SfSandboxConfig *c, int argc, char **argv,
                             char *err, size_t errlen);

/*
** Start serving. Returns NULL with a one-line message in 'err' on failure.
** Installs no signal handlers and never writes to stdout, so it can live
** inside another program.
*/
SfSandbox *sf_sandbox_start (const SfSandboxConfig *c, char *err,
                             size_t errlen);

/* The port actually bound (useful with port 0). */
/* The seconds it keeps between paid task calls (--rate-limit over
** --speed); 0 when it does not pace them. */
double sf_sandbox_paid_interval (const SfSandbox *s);
int sf_sandbox_port (const SfSandbox *s);

/* "http://HOST:PORT", the base of every URL the sandbox hands out (a
** wildcard --host becomes loopback). Valid until sf_sandbox_stop. */
const char *sf_sandbox_url (const SfSandbox *s);

/* Stop serving and free everything. NULL is accepted. */
void sf_sandbox_stop (SfSandbox *s);

/*
** `sonicflow sandbox [options]`: parse, start, print exactly
** "listening on http://HOST:PORT" as the first stdout line (flushed),
** serve until SIGINT/SIGTERM, stop cleanly. Returns the exit code
** (0 ok, 2 usage error, 1 could not start).
*/
int sf_sandbox_main (int argc, char **argv);

#endif
