#ifndef SF_VERSION_H
#define SF_VERSION_H
#include <stdio.h>
const char *sf_version (void);
/* `sonicflow --version`: one line, the program's and its libraries'. */
void sf_version_print (FILE *out);
#endif
