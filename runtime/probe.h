/*
** probe.h -- `sonicflow probe`: does the service still answer the way the
** sandbox does? Free calls only; the comparison is scripts/lib/
** sonic_probe.lua's.
*/
#ifndef SF_PROBE_H
#define SF_PROBE_H

#include "session.h"

/* Returns the exit code: 0 all match, 1 drift, 2 unreachable, refused
** key or usage error. */
int sf_cmd_probe (int argc, char **argv, SfOpenBindings open_bindings);

#endif
