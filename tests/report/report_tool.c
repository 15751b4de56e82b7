/*
** report_tool.c -- `sonicflow report` as a program of its own, so the
** report tests run before (and independently of) the dispatch line in
** runtime/main.c. Same arguments: report_tool [RUN] -o FILE.html ...
*/
#include "report.h"

int main (int argc, char **argv) {
  return sf_cmd_report(argc - 1, argv + 1);
}
