#ifndef SF_VERSION_H
#define SF_VERSION_H
const char *sf_version (void);
#endif
