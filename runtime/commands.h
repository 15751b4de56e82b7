/*
** commands.h -- the subcommands of sonicflow that run Lua: run, resume,
** credits, task; and runs (the journal's listing).
*/
#ifndef SF_COMMANDS_H
#define SF_COMMANDS_H

#include "session.h"

int sf_cmd_run (int argc, char **argv, SfOpenBindings open_bindings);
int sf_cmd_resume (int argc, char **argv, SfOpenBindings open_bindings);
int sf_cmd_oneshot (const char *name, int argc, char **argv,
                    SfOpenBindings open_bindings);
int sf_cmd_runs (int argc, char **argv);

extern const char sf_usage_text[];

#endif
