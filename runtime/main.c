/*
** main.c -- the sonicflow program: wires the host core (runtime/), the
** Lua bindings (bindings/) and the sandbox (runtime/sandbox/) together.
** This is the only file that knows all three.
*/
#include <stdio.h>
#include <string.h>
#include "analyze.h"
#include "bindings.h"
#include "commands.h"
#include "fdlimit.h"
#include "probe.h"
#include "report.h"
#include "sandbox/sandbox.h"
#include "script.h"
#include "version.h"

int main (int argc, char **argv) {
  const char *cmd = argc >= 2 ? argv[1] : NULL;
  /* thousands of workflows, each its own connection: the soft descriptor
  ** limit (often 1,024) up to the hard one, before any socket opens */
  sf_fdlimit_raise();
  if (cmd == NULL) {
    fputs(sf_usage_text, stderr);
    return SF_EXIT_USAGE;
  }
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
      strcmp(cmd, "help") == 0) {
    fputs(sf_usage_text, stdout);
    return SF_EXIT_OK;
  }
  if (strcmp(cmd, "--version") == 0) {
    sf_version_print(stdout);
    return SF_EXIT_OK;
  }
  if (strcmp(cmd, "run") == 0)
    return sf_cmd_run(argc - 2, argv + 2, sf_bindings_open);
  if (strcmp(cmd, "resume") == 0)
    return sf_cmd_resume(argc - 2, argv + 2, sf_bindings_open);
  if (strcmp(cmd, "runs") == 0)
    return sf_cmd_runs(argc - 2, argv + 2);
  if (strcmp(cmd, "report") == 0)
    return sf_cmd_report(argc - 2, argv + 2);
  if (strcmp(cmd, "probe") == 0)
    return sf_cmd_probe(argc - 2, argv + 2, sf_bindings_open);
  if (strcmp(cmd, "analyze") == 0)
    return sf_cmd_analyze(argc - 2, argv + 2);
  if (strcmp(cmd, "sandbox") == 0)
    return sf_sandbox_main(argc - 2, argv + 2);
  if (strcmp(cmd, "credits") == 0 || strcmp(cmd, "task") == 0)
    return sf_cmd_oneshot(cmd, argc - 2, argv + 2, sf_bindings_open);
  fprintf(stderr, "sonicflow: unknown command '%s' (see sonicflow --help)\n",
          cmd);
  return SF_EXIT_USAGE;
}
