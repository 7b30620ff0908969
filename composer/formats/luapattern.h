/* Lua's pattern functions (string.find, match, gmatch, gsub) with their work counted, for
 * the ned script sandbox (formats/luabox.c), whose step budget Lua's hook cannot see
 * inside C functions. */
#ifndef LSBIMG_LUAPATTERN_H
#define LSBIMG_LUAPATTERN_H

#include <lua.h>

/* How the work is counted: N steps spent (may raise a Lua error to stop the script). */
typedef void (*luapattern_charge_fn)(lua_State *L, unsigned long long n);

/* Replace find, match, gmatch and gsub in the table at the top of the stack; CHARGE counts
 * their work. */
void luapattern_install(lua_State *L, luapattern_charge_fn charge);

#endif
