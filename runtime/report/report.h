/*
** report.h -- `sonicflow report [RUN] -o FILE.html`: one self-contained
** HTML page for a journaled run (tasks, inputs, clips, players,
** waveforms, credits, times). See docs/report.md.
*/
#ifndef SF_REPORT_H
#define SF_REPORT_H

/* The subcommand; argv[0] is its first argument. Returns the exit code:
** 0 written, 2 usage, 1 failure. */
int sf_cmd_report (int argc, char **argv);

#endif
