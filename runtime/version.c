/*
** version.c -- the program's version, and the `--version` line.
**
** The line names the versions of the libraries actually loaded (libcurl
** and SQLite at run time, so a system upgrade shows), and Lua's release
** the binary was built with (liblua5.4 exposes no run-time version
** string): what a bug report needs to say which build it is about.
*/
#include <stdio.h>
#include <lua.h>
#include <curl/curl.h>
#include <sqlite3.h>
#include "version.h"

const char *sf_version (void) { return SF_VERSION; }

/* Print the one-line `sonicflow --version` answer to 'out'. */
void sf_version_print (FILE *out) {
  fprintf(out, "sonicflow %s (%s, libcurl %s, SQLite %s)\n", sf_version(),
          LUA_RELEASE, curl_version_info(CURLVERSION_NOW)->version,
          sqlite3_libversion());
}
