/*
** script.h -- running a workflow script to the end and turning its
** outcome into one clear line and an exit code.
*/
#ifndef SF_SCRIPT_H
#define SF_SCRIPT_H

#include "runtime.h"

/* Exit codes of `sonicflow run` (README: "Exit codes"). */
enum {
  SF_EXIT_OK = 0,
  SF_EXIT_FAILED = 1,        /* the workflow raised an error */
  SF_EXIT_USAGE = 2,         /* usage or configuration error */
  SF_EXIT_BUSY = 75,         /* the run is owned by another live process
                             ** (sysexits' EX_TEMPFAIL: try again later) */
  SF_EXIT_INTERRUPTED = 130  /* SIGINT / SIGTERM */
};

/*
** Set the global 'arg' as the stand-alone lua interpreter does: arg[0]
** is the script, arg[1..n] its arguments.
*/
void sf_script_set_arg (lua_State *L, const char *script, int argc,
                        char **argv);

/*
** Run the function on top of rt->L, below 'nargs' arguments, as the main
** task, and drive the loop until every task has finished. Reports errors
** on stderr and returns the exit code.
*/
int sf_script_run (SfRuntime *rt, int nargs);

#endif
