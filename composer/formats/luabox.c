/* A sandboxed Lua 5.4 state with memory and step limits (luabox.h). */
#include "formats/luabox.h"
#include "formats/luapattern.h"
#include "base/diag.h"

#include <lauxlib.h>
#include <lualib.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* The user chunk's name as Lua prints it in positions ("<script>:12: ..."); helper chunks
 * are named "[...]". Positions are turned back into lines here, so file names of any
 * length stay out of Lua's 60-byte source ids. */
#define USER_CHUNK "@<script>"
#define USER_SRC "<script>"
#define HOOK_EVERY 1000
/* Bytes allocated per step: the work of C functions that produce strings (upper, lower,
 * reverse, format, rep, concat, `..`) is bounded by the bytes of their results. */
#define BYTES_PER_STEP 64

struct box {
	size_t used, limit;            /* bytes */
	unsigned long long spent, steps;
	int exhausted;                 /* the step budget is spent: nothing may catch that */
	int refused;                   /* an allocation was refused for the memory limit */
	int last_line;                 /* the user line the hook saw last */
	int allow;                     /* allocations allowed though exhausted (the message) */
	size_t carry;                  /* bytes allocated not yet charged as a step */
	lua_State *L;                  /* the main thread, for the hook */
};

static struct box *box_of(lua_State *L)
{
	void *ud;
	lua_getallocf(L, &ud);
	return ud;
}

static void box_hook(lua_State *L, lua_Debug *ar);

static void *box_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
	struct box *b = ud;
	if (!ptr)
		osize = 0;     /* then osize tells the kind of object, not a size */
	if (!nsize) {
		free(ptr);
		b->used -= osize;
		return NULL;
	}
	if (nsize > osize) {
		if (b->exhausted && !b->allow)
			return NULL;
		if (nsize - osize > b->limit - b->used) {
			b->refused = 1;
			return NULL;
		}
		if (!b->exhausted) {
			b->carry += nsize - osize;
			b->spent += b->carry / BYTES_PER_STEP;
			b->carry %= BYTES_PER_STEP;
			if (b->spent > b->steps) {
				/* Lua raises "not enough memory", reported as the step limit. */
				b->exhausted = 1;
				if (b->L)
					lua_sethook(b->L, box_hook, LUA_MASKCOUNT, 1);
				return NULL;
			}
		}
	}
	void *p = realloc(ptr, nsize);
	if (p)
		b->used = b->used - osize + nsize;
	return p;
}

static int is_user(const char *source)
{
	return source && !strcmp(source, USER_CHUNK);
}

/* Marks the budget spent without raising: the hook raises at the next instruction. */
static void mark_exhausted(lua_State *L)
{
	struct box *b = box_of(L);
	b->exhausted = 1;
	lua_sethook(L, box_hook, LUA_MASKCOUNT, 1);
}

int luabox_user_line(lua_State *L)
{
	struct box *b = box_of(L);
	lua_Debug ar;
	for (int level = 0; lua_getstack(L, level, &ar); level++) {
		/* lua_getstack walks LEVEL frames to reach its frame: each is a step. */
		b->spent += (unsigned long long)level + 1;
		if (b->spent > b->steps && !b->exhausted)
			mark_exhausted(L);
		if (b->exhausted)
			return b->last_line;
		if (lua_getinfo(L, "Sl", &ar) && is_user(ar.source) && ar.currentline > 0)
			return ar.currentline;
	}
	return 0;
}

static int spent_message(lua_State *L)
{
	struct box *b = box_of(L);
	b->allow = 1;
	lua_pushfstring(L, "step limit reached: the script ran %I Lua instructions or equivalent "
			"work without finishing (limit %I)", (lua_Integer)b->spent,
			(lua_Integer)b->steps);
	b->allow = 0;
	return lua_error(L);
}

static void exhaust(lua_State *L)
{
	struct box *b = box_of(L);
	b->exhausted = 1;
	/* From now on every instruction raises the error again, so loops around pcall or
	 * inside finalizers end at once too. */
	lua_sethook(L, box_hook, LUA_MASKCOUNT, 1);
	spent_message(L);
}

static void box_hook(lua_State *L, lua_Debug *ar)
{
	struct box *b = box_of(L);
	if (lua_getinfo(L, "Sl", ar) && is_user(ar->source) && ar->currentline > 0)
		b->last_line = ar->currentline;
	b->spent += b->exhausted ? 1 : HOOK_EVERY;
	if (b->exhausted || b->spent > b->steps)
		exhaust(L);
}

void luabox_charge(lua_State *L, unsigned long long n)
{
	struct box *b = box_of(L);
	b->spent += n;
	if (b->spent > b->steps)
		exhaust(L);
}

int luabox_exhausted(lua_State *L)
{
	return box_of(L)->exhausted;
}

void luabox_reserve(lua_State *L, size_t n)
{
	struct box *b = box_of(L);
	if (n > b->limit - b->used) {
		b->refused = 1;
		luaL_error(L, "memory limit reached (%I MiB)", (lua_Integer)(b->limit >> 20));
	}
	b->used += n;
	b->carry += n;
	luabox_charge(L, b->carry / BYTES_PER_STEP);
	b->carry %= BYTES_PER_STEP;
}

/* ---- base functions ---- */

static int box_print(lua_State *L)
{
	(void)L;
	return 0;
}

static int box_pcall(lua_State *L)
{
	luaL_checkany(L, 1);
	lua_pushboolean(L, 1);
	lua_insert(L, 1);
	int st = lua_pcall(L, lua_gettop(L) - 2, LUA_MULTRET, 0);
	if (box_of(L)->exhausted)
		return spent_message(L);
	if (st != LUA_OK) {
		lua_pushboolean(L, 0);
		lua_pushvalue(L, -2);
		return 2;
	}
	return lua_gettop(L);
}

static int box_xpcall(lua_State *L)
{
	int n = lua_gettop(L);
	luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_pushboolean(L, 1);
	lua_pushvalue(L, 1);
	lua_rotate(L, 3, 2);
	int st = lua_pcall(L, n - 2, LUA_MULTRET, 2);
	if (box_of(L)->exhausted)
		return spent_message(L);
	if (st != LUA_OK) {
		lua_pushboolean(L, 0);
		lua_pushvalue(L, -2);
		return 2;
	}
	return lua_gettop(L) - 2;
}

/* Lua runs __gc metamethods with hooks off, so a finalizer could loop for ever: objects
 * with one are refused. (A __gc added to a metatable later marks nothing, as Lua
 * decides at setmetatable.) */
static int box_setmetatable(lua_State *L)
{
	if (lua_type(L, 2) == LUA_TTABLE) {
		lua_pushliteral(L, "__gc");
		if (lua_rawget(L, 2) != LUA_TNIL)
			return luaL_error(L, "__gc metamethods are not available in lsbimg's sandbox");
		lua_pop(L, 1);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* ---- string.rep: an empty piece repeated 2^62 times loops without allocating ---- */

static int box_rep(lua_State *L)
{
	size_t l, lsep;
	luaL_checklstring(L, 1, &l);
	lua_Integer n = luaL_checkinteger(L, 2);
	luaL_optlstring(L, 3, "", &lsep);
	if (n <= 0 || (l == 0 && lsep == 0)) {
		lua_pushliteral(L, "");
		return 1;
	}
	/* Each round copies at least a byte into a string that must fit in memory. */
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, 1);
	return 1;
}

/* string.byte: like table.unpack, many values pushed without allocating; each is
 * charged (positions as Lua 5.4's str_byte reads them), then Lua's own runs. */
static int box_byte(lua_State *L)
{
	size_t l;
	luaL_checklstring(L, 1, &l);
	lua_Integer pi = luaL_optinteger(L, 2, 1);
	lua_Integer pe = luaL_optinteger(L, 3, pi);
	lua_Integer len = (lua_Integer)l;
	lua_Integer posi = pi > 0 ? pi : pi == 0 || pi < -len ? 1 : len + pi + 1;
	lua_Integer pose = pe > len ? len : pe >= 0 ? pe : pe < -len ? 0 : len + pe + 1;
	if (posi <= pose)
		luabox_charge(L, (unsigned long long)(pose - posi) + 1);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

/* ---- table functions whose loops run in C: every move is charged ---- */

static lua_Integer table_len(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	return luaL_len(L, 1);
}

static int box_insert(lua_State *L)
{
	lua_Integer e = table_len(L), pos;
	e = (lua_Integer)((lua_Unsigned)e + 1u);
	switch (lua_gettop(L)) {
	case 2:
		pos = e;
		break;
	case 3:
		pos = luaL_checkinteger(L, 2);
		luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
		for (lua_Integer i = e; i > pos; i--) {
			luabox_charge(L, 1);
			lua_geti(L, 1, i - 1);
			lua_seti(L, 1, i);
		}
		break;
	default:
		return luaL_error(L, "wrong number of arguments to 'insert'");
	}
	lua_seti(L, 1, pos);
	return 0;
}

static int box_remove(lua_State *L)
{
	lua_Integer size = table_len(L);
	lua_Integer pos = luaL_optinteger(L, 2, size);
	if (pos != size)
		luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2,
			      "position out of bounds");
	lua_geti(L, 1, pos);
	for (; pos < size; pos++) {
		luabox_charge(L, 1);
		lua_geti(L, 1, pos + 1);
		lua_seti(L, 1, pos);
	}
	lua_pushnil(L);
	lua_seti(L, 1, pos);
	return 1;
}

static int box_move(lua_State *L)
{
	lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
	lua_Integer t = luaL_checkinteger(L, 4);
	int tt = !lua_isnoneornil(L, 5) ? 5 : 1;
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checktype(L, tt, LUA_TTABLE);
	if (e >= f) {
		luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
		lua_Integer n = e - f + 1;
		luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
		int up = t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ));
		for (lua_Integer k = 0; k < n; k++) {
			lua_Integer i = up ? k : n - 1 - k;
			luabox_charge(L, 1);
			lua_geti(L, 1, f + i);
			lua_seti(L, tt, t + i);
		}
	}
	lua_pushvalue(L, tt);
	return 1;
}

/* table.unpack: a million values pushed without allocating once the stack has grown. */
static int box_unpack(lua_State *L)
{
	lua_Integer i = luaL_optinteger(L, 2, 1);
	lua_Integer e = luaL_opt(L, luaL_checkinteger, 3, luaL_len(L, 1));
	if (i > e)
		return 0;
	lua_Unsigned n = (lua_Unsigned)e - (lua_Unsigned)i;
	if (n >= (unsigned int)INT_MAX || !lua_checkstack(L, (int)(++n)))
		return luaL_error(L, "too many results to unpack");
	luabox_charge(L, n);
	for (; i < e; i++)
		lua_geti(L, 1, i);
	lua_geti(L, 1, e);
	return (int)n;
}

/* table.sort: the elements are copied into a plain table first (one length, read once),
 * sorted there by Lua's own sort, and copied back. */
static int box_sort(lua_State *L)
{
	lua_Integer n = table_len(L);
	if (!lua_isnoneornil(L, 2))
		luaL_checktype(L, 2, LUA_TFUNCTION);
	lua_settop(L, 2);
	if (n < 2)
		return 0;
	luaL_argcheck(L, n < (1 << 20), 1, "array too big");
	luabox_charge(L, (unsigned long long)n * 24);
	lua_createtable(L, (int)n, 0);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_geti(L, 1, i);
		lua_rawseti(L, 3, i);
	}
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_pushvalue(L, 3);
	lua_pushvalue(L, 2);
	lua_call(L, 2, 0);
	for (lua_Integer i = 1; i <= n; i++) {
		lua_rawgeti(L, 3, i);
		lua_seti(L, 1, i);
	}
	return 0;
}

/* math.randomseed() without a seed takes one from the clock in Lua 5.4: here it is 0. */
static int box_randomseed(lua_State *L)
{
	if (lua_gettop(L) == 0)
		lua_pushinteger(L, 0);
	lua_pushvalue(L, lua_upvalueindex(1));
	lua_insert(L, 1);
	lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
	return lua_gettop(L);
}

static void set_closure(lua_State *L, const char *name, lua_CFunction f)
{
	lua_getfield(L, -1, name);   /* the original, as upvalue */
	lua_pushcclosure(L, f, 1);
	lua_setfield(L, -2, name);
}

static int open_all(lua_State *L)
{
	luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
	static const char *const gone[] = { "dofile", "loadfile", "load", "collectgarbage",
		"warn", NULL };
	for (size_t i = 0; gone[i]; i++) {
		lua_pushnil(L);
		lua_setfield(L, -2, gone[i]);
	}
	lua_pushcfunction(L, box_print);
	lua_setfield(L, -2, "print");
	lua_pushcfunction(L, box_pcall);
	lua_setfield(L, -2, "pcall");
	lua_pushcfunction(L, box_xpcall);
	lua_setfield(L, -2, "xpcall");
	set_closure(L, "setmetatable", box_setmetatable);
	lua_pop(L, 1);

	luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
	lua_pushnil(L);
	lua_setfield(L, -2, "dump");
	set_closure(L, "rep", box_rep);
	set_closure(L, "byte", box_byte);
	luapattern_install(L, luabox_charge);
	lua_pop(L, 1);

	luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
	lua_pushcfunction(L, box_insert);
	lua_setfield(L, -2, "insert");
	lua_pushcfunction(L, box_remove);
	lua_setfield(L, -2, "remove");
	lua_pushcfunction(L, box_move);
	lua_setfield(L, -2, "move");
	set_closure(L, "sort", box_sort);
	lua_pushcfunction(L, box_unpack);
	lua_setfield(L, -2, "unpack");
	lua_pop(L, 1);

	luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
	/* Lua seeds the generator from the clock; the same script gives the same answer. */
	set_closure(L, "randomseed", box_randomseed);
	lua_getfield(L, -1, "randomseed");
	lua_call(L, 0, 0);
	lua_pop(L, 1);
	return 0;
}

lua_State *luabox_new(const struct luabox_limits *limits)
{
	struct box *b = xcalloc(1, sizeof(*b));
	b->limit = limits && limits->memory ? limits->memory : LUABOX_MEMORY;
	b->steps = limits && limits->steps ? limits->steps : LUABOX_STEPS;
	lua_State *L = lua_newstate(box_alloc, b);
	if (!L) {
		free(b);
		return NULL;
	}
	b->L = L;
	lua_pushcfunction(L, open_all);
	if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
		luabox_close(L);
		return NULL;
	}
	lua_sethook(L, box_hook, LUA_MASKCOUNT, HOOK_EVERY);
	return L;
}

void luabox_close(lua_State *L)
{
	if (!L)
		return;
	struct box *b = box_of(L);
	/* Finalizers run now, still under the hook and the budget. */
	lua_close(L);
	free(b);
}

/* Split "<script>:LINE: MESSAGE" into LINE and a copy of MESSAGE; other messages keep
 * FALLBACK as their line. */
static char *split_position(const char *m, int fallback, int *line)
{
	size_t ul = strlen(USER_SRC);
	*line = fallback;
	if (!m)
		return xstrdup("(no error message)");
	if (!strncmp(m, USER_SRC ":", ul + 1)) {
		char *end;
		long l = strtol(m + ul + 1, &end, 10);
		if (end != m + ul + 1 && !strncmp(end, ": ", 2)) {
			*line = (int)l;
			return xstrdup(end + 2);
		}
	}
	return xstrdup(m);
}

int luabox_load(lua_State *L, const char *buf, size_t len, int *line, char **msg)
{
	/* As lua_loadfile (and so ned) reads a file: a UTF-8 byte order mark and a first line
	 * starting with '#' are skipped, the line's newline kept for the numbering. */
	if (len >= 3 && !memcmp(buf, "\xef\xbb\xbf", 3)) {
		buf += 3;
		len -= 3;
	}
	if (len && buf[0] == '#') {
		const char *nl = memchr(buf, '\n', len);
		len -= nl ? (size_t)(nl - buf) : len;
		buf = nl ? nl : buf + len;
	}
	int st = luaL_loadbufferx(L, buf, len, USER_CHUNK, "t");
	if (st == LUA_OK)
		return st;
	*msg = split_position(lua_tostring(L, -1), 0, line);
	if (st == LUA_ERRMEM) {
		free(*msg);
		*msg = xstrdup("memory limit reached while reading the script");
	}
	lua_pop(L, 1);
	return st;
}

int luabox_load_helper(lua_State *L, const char *buf, size_t len, const char *name)
{
	return luaL_loadbufferx(L, buf, len, name, "t");
}

/* Message handler: every error gets the user line it happened at. Errors raised inside
 * helper chunks ("[name]:LINE: ...") lose that position for the user's call's. */
static int msgh(lua_State *L)
{
	struct box *b = box_of(L);
	int allow = b->allow;
	b->allow = 1;
	const char *m = lua_tostring(L, 1);
	if (!m)
		m = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
	if (!strncmp(m, USER_SRC ":", strlen(USER_SRC) + 1)) {
		b->allow = allow;
		return 1;
	}
	if (m[0] == '[') {
		const char *e = strstr(m, "]:");
		const char *c = e ? strchr(e + 2, ':') : NULL;
		if (c && c[1] == ' ')
			m = c + 2;
	}
	int line = luabox_user_line(L);
	if (line > 0)
		lua_pushfstring(L, "%s:%d: %s", USER_SRC, line, m);
	else
		lua_pushstring(L, m);
	b->allow = allow;
	return 1;
}

int luabox_call(lua_State *L, int nargs, int *line, char **msg)
{
	struct box *b = box_of(L);
	int base = lua_gettop(L) - nargs;
	lua_pushcfunction(L, msgh);
	lua_insert(L, base);
	int st = lua_pcall(L, nargs, 0, base);
	b->allow = 0;
	if (st != LUA_OK) {
		if (b->exhausted && (lua_type(L, -1) != LUA_TSTRING ||
				     !strstr(lua_tostring(L, -1), "step limit reached"))) {
			/* The budget ran out inside an allocation (or the message's). */
			*line = b->last_line;
			*msg = xasprintf("step limit reached: the script ran %llu Lua instructions "
					 "or equivalent work without finishing (limit %llu)",
					 b->spent, b->steps);
		} else if (st == LUA_ERRMEM) {
			*line = b->last_line;
			*msg = b->refused ? xasprintf("memory limit reached (%zu MiB)", b->limit >> 20)
					  : xstrdup("not enough memory");
		} else {
			*msg = split_position(lua_tostring(L, -1), 0, line);
		}
		lua_pop(L, 1);
	}
	lua_remove(L, base);
	return st;
}
