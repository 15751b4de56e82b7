/*
** test_cli.c -- the command line contract of `sonicflow sandbox`
** (issue 2, item 9): the first stdout line, free ports, clean exit on
** SIGTERM/SIGINT, exit code 2 on bad options.
*/
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sbx_harness.h"

/* A port that was free a moment ago (bind to 0, read it, close). */
static int free_port (void) {
  struct sockaddr_in a;
  socklen_t l = sizeof(a);
  int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
      getsockname(fd, (struct sockaddr *)&a, &l) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

/* "listening on http://127.0.0.1:<1-5 digits>" and nothing else. */
static int line_ok (const char *line, int *port) {
  const char *pre = "listening on http://127.0.0.1:";
  size_t l = strlen(pre), d;
  if (strncmp(line, pre, l) != 0)
    return 0;
  d = strspn(line + l, "0123456789");
  if (d < 1 || d > 5 || line[l + d] != '\0')
    return 0;
  *port = atoi(line + l);
  return *port > 0 && *port < 65536;
}

static int answers (SbxServer *s) {
  long long c, e;
  return sbx_credits(s, &c, &e) == 0;
}

static void test_first_line (void) {
  SbxServer s;
  int port = 0;
  sbx_case("first stdout line, --port 0");
  if (sbx_start(&s, "") != 0)
    return;
  SBX_CHECK(line_ok(s.first_line, &port),
            "first line should be exactly 'listening on "
            "http://127.0.0.1:PORT', got \"%s\"", s.first_line);
  SBX_CHECK(port != 0, "--port 0 must report the real port, not 0");
  SBX_CHECK(answers(&s), "serves on the reported port");
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code after SIGTERM");
}

static void test_two_free_ports (void) {
  SbxServer a, b;
  sbx_case("--port 0 twice: two different free ports");
  if (sbx_start(&a, "") != 0)
    return;
  if (sbx_start(&b, "") == 0) {
    SBX_CHECK(a.port != b.port, "two sandboxes got the same port %d",
              a.port);
    SBX_CHECK(answers(&a) && answers(&b), "both serve");
    SBX_EQ_INT(sbx_stop(&b), 0, "exit code of the second");
  }
  SBX_EQ_INT(sbx_stop(&a), 0, "exit code of the first");
}

static void test_explicit_port (void) {
  SbxServer s;
  char opts[64], want[80];
  int p = free_port();
  sbx_case("--port N and --host 127.0.0.1");
  snprintf(opts, sizeof(opts), "--host 127.0.0.1 --port %d", p);
  if (sbx_start(&s, opts) != 0)
    return;
  snprintf(want, sizeof(want), "listening on http://127.0.0.1:%d", p);
  SBX_EQ_STR(s.first_line, want, "first line with --port N");
  SBX_CHECK(answers(&s), "serves on port %d", p);
  SBX_EQ_INT(sbx_stop(&s), 0, "exit code after SIGTERM");
}

/* Busy server (tasks in flight) must still stop promptly with 0. */
static void test_signal_exit (int sig, const char *name) {
  SbxServer s;
  char id[64];
  double t0;
  int rc;
  sbx_case(name);
  if (sbx_start(&s, "--speed 50 --clip-seconds 3") != 0)
    return;
  sbx_submit(&s, "/sonic/create", "{\"custom_mode\":false,\"mv\":"
             "\"sonic-v5\",\"gpt_description_prompt\":\"exit test\"}",
             id, sizeof(id));
  t0 = sbx_now();
  rc = sbx_stop_sig(&s, sig);
  SBX_EQ_INT(rc, 0, "exit code after the signal");
  SBX_CHECK(sbx_now() - t0 < 5.0, "took %.1f s to exit", sbx_now() - t0);
}

/* Each argv must make `sonicflow sandbox` exit 2 without listening. */
static void test_bad_options (void) {
  static const char *const bad[][4] = {
    { "--bogus", NULL },
    { "--port", NULL },
    { "--port", "notaport", NULL },
    { "--speed", "fast", NULL },
    { "--credits", "lots", NULL },
    { "--faults", "bogus=1", NULL },
    { "--port", "0", "extra-positional", NULL },
  };
  size_t i;
  sbx_case("bad options exit 2");
  for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    SbxServer s;
    struct stat st;
    int rc = -1;
    memset(&s, 0, sizeof(s));
    if (sbx_spawn(&s, (char *const *)bad[i], 10.0, &rc) == 0) {
      SBX_CHECK(0, "'%s %s' started (\"%s\") instead of exit 2", bad[i][0],
                bad[i][1] ? bad[i][1] : "", s.first_line);
      sbx_stop(&s);
      continue;
    }
    SBX_CHECK(stat(s.log_path, &st) == 0 && st.st_size > 0,
              "'%s': no message on stderr", bad[i][0]);
    if (SBX_CHECK(rc == 2, "'%s %s%s%s': exit %d, want 2", bad[i][0],
                  bad[i][1] ? bad[i][1] : "",
                  bad[i][1] && bad[i][2] ? " " : "",
                  bad[i][1] && bad[i][2] ? bad[i][2] : "", rc))
      unlink(s.log_path);                    /* keep only failures' logs */
  }
}

int main (int argc, char **argv) {
  sbx_init(argc, argv);
  test_first_line();
  test_two_free_ports();
  test_explicit_port();
  test_signal_exit(SIGTERM, "SIGTERM while busy exits 0");
  test_signal_exit(SIGINT, "SIGINT while busy exits 0");
  test_bad_options();
  return sbx_finish();
}
