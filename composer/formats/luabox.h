/* A sandboxed Lua 5.4 state for evaluating untrusted scripts (ned scripts, nedcfg.c).
 *
 * What a script gets: the base functions without those that reach the host or the
 * compiler (dofile, loadfile, load, collectgarbage, warn; print does nothing), and the
 * string, table and math libraries. No io, os, package, debug, coroutine or utf8.
 *
 * Limits, so a hostile script can neither hang nor exhaust the tool:
 *   - memory: every allocation of the state counts against LIMITS.memory, and so do
 *     the copies the host keeps in the C heap (luabox_reserve); past it Lua raises
 *     "not enough memory";
 *   - time: one budget of steps. Lua instructions (counted by a hook) and the work of
 *     C functions whose cost is not bounded by memory (pattern matching, table.insert,
 *     table.remove, table.move, table.sort, table.unpack, string.byte) draw on it, and
 *     every allocation costs a step per 64 bytes (bounding the byte work of string
 *     functions, `..` and table.concat). When it is spent, the script stops with an
 *     error no pcall can catch (an allocation that spends it fails).
 * Pattern matching (string.find, match, gmatch, gsub) is this module's own implementation
 * of Lua 5.4's patterns, because Lua's C matcher can backtrack for years with no hook
 * firing; tests/t_nedcfg.sh holds it against lua5.4. */
#ifndef LSBIMG_LUABOX_H
#define LSBIMG_LUABOX_H

#include <lua.h>
#include <stddef.h>

struct luabox_limits {
	unsigned long long steps;  /* Lua instructions plus C work; 0: LUABOX_STEPS */
	size_t memory;             /* bytes; 0: LUABOX_MEMORY */
};
#define LUABOX_STEPS (20ull * 1000 * 1000)
#define LUABOX_MEMORY ((size_t)32 << 20)

/* A new sandboxed state (NULL when even the empty state does not fit). The user chunk is
 * the one later loaded with luabox_load; its positions are reported as its lines. */
lua_State *luabox_new(const struct luabox_limits *limits);
void luabox_close(lua_State *L);

/* Load BUF (text only, never a precompiled chunk) as the user chunk. LUA_OK with the
 * function on the stack, or an error status with *line and *msg set (malloc'd message
 * without the position). */
int luabox_load(lua_State *L, const char *buf, size_t len, int *line, char **msg);
/* Call the function below NARGS arguments on the stack, protected, discarding results.
 * LUA_OK, or an error status with *line (0: unknown) and *msg (malloc'd) set: Lua's own
 * runtime message with the line in the user chunk where it happened (for an error raised
 * inside a library function written in Lua, the line of the user's call). */
int luabox_call(lua_State *L, int nargs, int *line, char **msg);

/* Load a helper chunk (library code running with the script, e.g. a module the script
 * requires). Its errors are reported at the user line that called into it. */
int luabox_load_helper(lua_State *L, const char *buf, size_t len, const char *name);

/* The line of the innermost user-chunk function on the stack (0 if none). */
int luabox_user_line(lua_State *L);
/* Draw N steps from the budget; raises the budget error when it is spent. */
void luabox_charge(lua_State *L, unsigned long long n);
/* Count N bytes the host keeps outside the state (copies in the C heap) against the
 * memory limit, for the rest of the run; raises "memory limit reached" past it. */
void luabox_reserve(lua_State *L, size_t n);
/* Whether the step budget was spent (the script was stopped). */
int luabox_exhausted(lua_State *L);

#endif
