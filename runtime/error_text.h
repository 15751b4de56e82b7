/*
** error_text.h -- one line of text for any error value, however broken.
**
** The host prints a script's uncaught errors from outside every task,
** where an error raised by a value's __tostring (or __name, or a yield
** in it) would be unprotected and abort the process. This converts under
** a protected call, and falls back to a message made from the type.
*/
#ifndef SF_ERROR_TEXT_H
#define SF_ERROR_TEXT_H

#include <lua.h>

/*
** The text of the value at 'idx': luaL_tolstring's, or, when that fails,
** "error object is a table (its __tostring failed: <why>)". Never raises.
** Leaves values on the stack that keep the text alive: restore the top
** (lua_settop) once the text is used.
*/
const char *sf_error_text (lua_State *L, int idx);

#endif
