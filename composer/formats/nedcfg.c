/* ned scripts evaluated with Lua in a sandbox, against a model of ned's L4 module. */
#include "formats/nedcfg.h"
#include "base/diag.h"
#include "base/inputs.h"
#include "formats/luabox.h"

#include <lauxlib.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAP_TYPE "lsbimg.ned.cap"
#define CAP_METHODS "lsbimg.ned.capmethods"
/* ned refuses capability names that do not fit l4re_env_cap_entry_t's 16 bytes. */
#define NAME_MAX_LEN 15

/* The model of ned's L4 module, run in the sandbox before the script. It receives the
 * primitives (P) and returns the module and the `require` the script sees. Everything it
 * uses is captured in locals first, so a script that changes globals or the string
 * library cannot change what it records. Errors are raised at level 0: the sandbox puts
 * the line of the script's call in front. */
static const char model[] =
"local P = ...\n"
"local pairs, ipairs, type, tostring, error, select = pairs, ipairs, type, tostring, error, select\n"
"local setmetatable, getmetatable, rawget = setmetatable, getmetatable, rawget\n"
"local format, gmatch, lower = string.format, string.gmatch, string.lower\n"
"local concat, sort, unpack = table.concat, table.sort, table.unpack\n"
"local L4 = {}\n"
"local function report_unknown(what)\n"
"  return function(_, k)\n"
"    P.warn(format('%s.%s: not a member of ned\\'s %s (as lsbimg models it); it is nil',\n"
"                  what, tostring(k), what))\n"
"    return nil\n"
"  end\n"
"end\n"
"local function members(t, what) return setmetatable(t, { __index = report_unknown(what) }) end\n"
"\n"
"L4.Proto = members({ Ipc_gate = 0, Irq = -1, Sigma0 = -6, Log = -13, Scheduler = -14,\n"
"  Factory = -15, Vm = -16, Dma_space = -17, Irq_sender = -18, Irq_muxer = -19,\n"
"  Semaphore = -20, Iommu = -22, Dataspace = 0x4000, Namespace = 0x4001, Goos = 0x4003,\n"
"  Mem_alloc = 0x4004, Rm = 0x4005, Event = 0x4006, Inhibitor = 0x4007 }, 'L4.Proto')\n"
"local proto_name = {}\n"
"for k, v in pairs({ Ipc_gate = 0, Irq = -1, Sigma0 = -6, Log = -13, Scheduler = -14,\n"
"  Factory = -15, Vm = -16, Dma_space = -17, Irq_sender = -18, Irq_muxer = -19,\n"
"  Semaphore = -20, Iommu = -22, Dataspace = 0x4000, Namespace = 0x4001, Goos = 0x4003,\n"
"  Mem_alloc = 0x4004, Rm = 0x4005, Event = 0x4006, Inhibitor = 0x4007 }) do\n"
"  proto_name[v] = k\n"
"end\n"
"L4.Rights = members({ s = 2, w = 1, r = 4, ro = 4, rw = 5, rws = 7 }, 'L4.Rights')\n"
"L4.Ldr_flags = members({ eager_map = 1, all_segs_cow = 2, pinned_segs = 4 }, 'L4.Ldr_flags')\n"
"L4.Mem_alloc_flags = members({ Continuous = 1, Pinned = 2, Super_pages = 4 },\n"
"  'L4.Mem_alloc_flags')\n"
"L4.Dbg = members({ Info = 1, Warn = 2, Boot = 4, Server = 0x10, Exceptions = 0x20,\n"
"  Cmd_line = 0x40, Loader = 0x80, Name_space = 0x400, All = 0xffffffff }, 'L4.Dbg')\n"
"\n"
"-- What ned has in L4.Env: L4Re's standard capabilities and moe's root name space\n"
"-- (jdb, iommu and arm_smc only exist on some machines).\n"
"local env_names = { 'parent', 'mem_alloc', 'rm', 'log', 'factory', 'scheduler', 'rom',\n"
"  'rwfs', 'icu', 'sigma0', 'mem', 'jdb', 'kip', 'dma_mgr', 'iommu', 'arm_smc' }\n"
"local Env = {}\n"
"for _, n in ipairs(env_names) do Env[n] = P.cap('L4.Env.' .. n) end\n"
"Env.user_factory = Env.mem_alloc\n"
"env_names[#env_names + 1] = 'user_factory'\n"
"sort(env_names)\n"
"local env_list = concat(env_names, ' ')\n"
"L4.Env = setmetatable(Env, { __index = function(_, k)\n"
"  P.warn(format('L4.Env.%s is nil: ned gets no capability named \\'%s\\' from moe (L4.Env has: %s)',\n"
"                tostring(k), tostring(k), env_list))\n"
"  return nil\n"
"end })\n"
"\n"
"-- Capabilities: userdata made by P.cap; these are their methods.\n"
"local Cap = {}\n"
"local function rights_of(r)\n"
"  if type(r) == 'number' then return r end\n"
"  local v = 4\n"
"  for c in gmatch(tostring(r), '.') do\n"
"    local l = lower(c)\n"
"    if l == 'r' then v = v | 4 elseif l == 'w' then v = v | 1 elseif l == 's' then v = v | 2\n"
"    elseif l == 'd' then v = v | 8 elseif l == 'n' then v = v | 0x10\n"
"    elseif l == 'c' then v = v | 0x20 end\n"
"  end\n"
"  return v\n"
"end\n"
"function Cap.m(self, r)\n"
"  if r == nil then return P.rights(self) end\n"
"  return P.with_rights(self, rights_of(r))\n"
"end\n"
"Cap.mode, Cap.rights = Cap.m, Cap.m\n"
"function Cap.svr(self) return P.with_rights(self, 0xef) end\n"
"function Cap.is_valid(self) return true end\n"
"function Cap.create(self, proto, ...)\n"
"  if type(proto) ~= 'number' then\n"
"    error(format('bad argument #1 to \\'create\\' (number expected, got %s)', type(proto)), 0)\n"
"  end\n"
"  return P.cap(format('%s from %s (%s)', proto_name[proto] or ('object of protocol ' .. proto),\n"
"                      P.what(self), P.here()))\n"
"end\n"
"function Cap.query(self, name)\n"
"  return P.cap(format('\\'%s\\' in %s (%s)', tostring(name), P.what(self), P.here()))\n"
"end\n"
"Cap.q = Cap.query\n"
"function Cap.register(self, key, value)\n"
"  if type(value) == 'function' then value = value(self, key) end\n"
"end\n"
"Cap.r, Cap.__register, Cap.link, Cap.l = Cap.register, Cap.register, Cap.register, Cap.register\n"
"P.methods(Cap)\n"
"\n"
"function L4.cast(to, cap)\n"
"  if type(cap) == 'function' then cap = cap() end\n"
"  if not P.is_cap(cap) then\n"
"    error(format('bad argument #2 to \\'cast\\' (capability expected, got %s)', type(cap)), 0)\n"
"  end\n"
"  if type(to) ~= 'number' and type(to) ~= 'string' then return nil end\n"
"  return P.with_rights(cap, P.rights(cap))\n"
"end\n"
"L4.__cast = L4.cast\n"
"\n"
"-- Tasks: what exec returns.\n"
"local Task = { state = function() return 'running' end, exit_code = function() return nil end,\n"
"  wait = function() return 0 end, kill = function() return 'killed' end }\n"
"local task_mt = { __index = function(_, k)\n"
"  local f = Task[k]\n"
"  if f == nil then report_unknown('task')(nil, k) end\n"
"  return f\n"
"end, __metatable = 'L4 application task' }\n"
"\n"
"-- ned's exec: the program's arguments (a table at the end is its environment) and the\n"
"-- capabilities of env.caps as ned maps them.\n"
"function L4.exec(env, ...)\n"
"  if type(env) ~= 'table' then\n"
"    error(format('bad argument #1 to \\'exec\\' (table expected, got %s)', type(env)), 0)\n"
"  end\n"
"  local n, args = select('#', ...), { ... }\n"
"  if n >= 2 and type(args[n]) == 'table' then n = n - 1 end\n"
"  local argv = {}\n"
"  for i = 1, n do\n"
"    local a = args[i]\n"
"    if a ~= nil then\n"
"      if type(a) ~= 'string' and type(a) ~= 'number' then\n"
"        error(format('bad argument #%d to \\'exec\\' (string expected, got %s)', i + 1, type(a)), 0)\n"
"      end\n"
"      argv[#argv + 1] = tostring(a)\n"
"    end\n"
"  end\n"
"  if #argv == 0 then error('exec: no program to start', 0) end\n"
"  local given, caps = {}, env.caps\n"
"  if caps ~= nil then\n"
"    if type(caps) ~= 'table' then\n"
"      error(format('caps must be a table, not a %s', type(caps)), 0)\n"
"    end\n"
"    for k, v in pairs(caps) do\n"
"      if type(k) ~= 'string' and type(k) ~= 'number' then\n"
"        error(format('caps: a key of type %s is no capability name (ned refuses it)', type(k)), 0)\n"
"      end\n"
"      local name = tostring(k)\n"
"      if #name > 15 then\n"
"        error(format('Capability name \\'%s\\' too long (ned allows 15 characters)', name), 0)\n"
"      end\n"
"      while type(v) == 'function' do v = v(caps) end\n"
"      if v ~= nil then\n"
"        if P.is_cap(v) then\n"
"          given[#given + 1] = { name, v }\n"
"        else\n"
"          P.warn(format('caps.%s is a %s, not a capability: ned maps nothing for it into %s',\n"
"                        name, type(v), argv[1]))\n"
"        end\n"
"      end\n"
"    end\n"
"  end\n"
"  P.record(argv, given)\n"
"  return setmetatable({}, task_mt)\n"
"end\n"
"\n"
"local Loader = {}\n"
"Loader.__index = Loader\n"
"local function check(self, name)\n"
"  if type(self) ~= 'table' or getmetatable(self) ~= Loader then\n"
"    error(format('L4.Loader.%s: method called with incompatible object (call it as loader:%s(...))',\n"
"                 name, name), 0)\n"
"  end\n"
"end\n"
"function Loader.new(proto)\n"
"  local f = proto or {}\n"
"  if type(f) ~= 'table' then error('L4.Loader.new: the argument must be a table', 0) end\n"
"  local lfab = rawget(f, 'loader') or rawget(f, 'mem')\n"
"  f.log_fab = rawget(f, 'log_fab') or lfab\n"
"  f.ns_fab = rawget(f, 'ns_fab') or lfab\n"
"  f.rm_fab = rawget(f, 'rm_fab') or lfab\n"
"  f.factory = rawget(f, 'factory') or Env.factory\n"
"  return setmetatable(f, Loader)\n"
"end\n"
"function Loader:new_channel()\n"
"  check(self, 'new_channel')\n"
"  return P.cap(format('IPC gate (%s)', P.here()))\n"
"end\n"
"function Loader:create_namespace(n, fab)\n"
"  check(self, 'create_namespace')\n"
"  if type(n) ~= 'table' then return n end\n"
"  local ns = P.cap(format('name space (%s)', P.here()))\n"
"  for k, v in pairs(n) do\n"
"    if type(v) == 'function' then v = v(ns, k) end\n"
"    if type(v) == 'table' and getmetatable(v) == nil then self:create_namespace(v, fab) end\n"
"  end\n"
"  return ns\n"
"end\n"
"function Loader:startv(env, ...)\n"
"  check(self, 'startv')\n"
"  if type(env) ~= 'table' then\n"
"    error(format('L4.Loader.startv: the options must be a table, not a %s', type(env)), 0)\n"
"  end\n"
"  local caps = env.caps or {}\n"
"  if type(caps) == 'table' then\n"
"    for k, v in pairs(caps) do\n"
"      if type(v) == 'table' and getmetatable(v) == nil then caps[k] = self:create_namespace(v) end\n"
"    end\n"
"    caps.rom = caps.rom or Env.rom:m('r')\n"
"  end\n"
"  env.loader = self\n"
"  env.caps = caps\n"
"  return L4.exec(env, ...)\n"
"end\n"
"function Loader.split_args(cmd, posix_env)\n"
"  local a = {}\n"
"  for w in gmatch(cmd, '[^%s]+') do a[#a + 1] = w end\n"
"  a[#a + 1] = posix_env\n"
"  return unpack(a)\n"
"end\n"
"function Loader:start(env, cmd, posix_env)\n"
"  check(self, 'start')\n"
"  if type(cmd) ~= 'string' then\n"
"    error(format('L4.Loader.start: the command line must be a string, not a %s', type(cmd)), 0)\n"
"  end\n"
"  return self:startv(env, Loader.split_args(cmd, posix_env))\n"
"end\n"
"setmetatable(Loader, { __index = report_unknown('L4.Loader') })\n"
"L4.Loader = Loader\n"
"L4.default_loader = Loader.new({ factory = Env.factory, mem = Env.mem_alloc })\n"
"L4.Info = members({ arch = function() return 'arm64' end,\n"
"  platform = function() return 'arm_virt' end, mword_bits = function() return 64 end,\n"
"  Kip = members({ str = function() return '' end }, 'L4.Info.Kip') }, 'L4.Info')\n"
"L4.sleep = function() end\n"
"L4.server_loop = function() end\n"
"L4.Class = { check = function(obj, class)\n"
"  if not obj or getmetatable(obj) ~= class then\n"
"    error('method called with incompatible object', 0)\n"
"  end\n"
"end }\n"
"function L4.mangle_class(n)\n"
"  local m = 'N'\n"
"  for i in gmatch(n, '([^:%s]+)') do m = m .. #i .. i end\n"
"  return m .. 'E'\n"
"end\n"
"function L4.get_cap_class() return nil end\n"
"members(L4, 'L4')\n"
"\n"
"local modules = { L4 = L4, string = string, table = table, math = math }\n"
"local function require(name)\n"
"  local m = modules[name]\n"
"  if m == nil then\n"
"    error(format('module \\'%s\\' not found: lsbimg evaluates the ned script alone '\n"
"                 .. '(it can require L4, string, table and math)', tostring(name)), 0)\n"
"  end\n"
"  return m\n"
"end\n"
"return require\n";

/* ---- what the evaluation collects ---- */

struct note {
	int line;
	char *msg;
};

struct run {
	struct nedcfg *c;
	struct note *notes;   /* warnings, reported sorted by line after the run */
	size_t nnotes;
	int closing;          /* lua_close: finalizers may no longer start programs */
};

struct cap {
	int what;             /* registry reference to the description */
	int rights;
};

static struct run *run_of(lua_State *L)
{
	return lua_touserdata(L, lua_upvalueindex(1));
}

static struct cap *to_cap(lua_State *L, int idx)
{
	return luaL_testudata(L, idx, CAP_TYPE);
}

static struct cap *check_cap(lua_State *L, int idx)
{
	struct cap *c = to_cap(L, idx);
	if (!c)
		luaL_error(L, "capability expected, got %s", luaL_typename(L, idx));
	return c;
}

static void push_what(lua_State *L, const struct cap *c)
{
	lua_rawgeti(L, LUA_REGISTRYINDEX, c->what);
}

static struct cap *new_cap(lua_State *L, int what_ref, int rights)
{
	struct cap *c = lua_newuserdatauv(L, sizeof(*c), 0);
	c->what = what_ref;
	c->rights = rights;
	luaL_setmetatable(L, CAP_TYPE);
	return c;
}

static int p_cap(lua_State *L)
{
	luaL_checkstring(L, 1);
	lua_pushvalue(L, 1);
	int ref = luaL_ref(L, LUA_REGISTRYINDEX);
	new_cap(L, ref, 0xf);
	return 1;
}

static int p_with_rights(lua_State *L)
{
	struct cap *c = check_cap(L, 1);
	new_cap(L, c->what, (int)luaL_checkinteger(L, 2));
	return 1;
}

static int p_rights(lua_State *L)
{
	lua_pushinteger(L, check_cap(L, 1)->rights);
	return 1;
}

static int p_is_cap(lua_State *L)
{
	lua_pushboolean(L, to_cap(L, 1) != NULL);
	return 1;
}

static int p_what(lua_State *L)
{
	push_what(L, check_cap(L, 1));
	return 1;
}

static int p_here(lua_State *L)
{
	struct run *r = run_of(L);
	lua_pushfstring(L, "%s:%d", r->c->file, luabox_user_line(L));
	return 1;
}

static int p_warn(lua_State *L)
{
	struct run *r = run_of(L);
	const char *msg = luaL_checkstring(L, 1);
	int line = luabox_user_line(L);
	/* Once per line and message, and not without end: a loop may repeat it. */
	for (size_t i = 0; i < r->nnotes; i++)
		if (r->notes[i].line == line && !strcmp(r->notes[i].msg, msg))
			return 0;
	if (r->nnotes >= 100)
		return 0;
	luabox_reserve(L, strlen(msg) + 1);
	r->notes = xrealloc(r->notes, (r->nnotes + 1) * sizeof(*r->notes));
	r->notes[r->nnotes++] = (struct note){ line, xstrdup(msg) };
	return 0;
}

static int p_methods(lua_State *L)
{
	luaL_checktype(L, 1, LUA_TTABLE);
	lua_pushvalue(L, 1);
	lua_setfield(L, LUA_REGISTRYINDEX, CAP_METHODS);
	return 0;
}

static int cmp_cap(const void *a, const void *b)
{
	return strcmp(((const struct ned_cap *)a)->name, ((const struct ned_cap *)b)->name);
}

int nedcfg_is_init(const char *p)
{
	static const char *const inits[] = { "/sbin/init", "/usr/sbin/init",
		"/lib/systemd/systemd", "/usr/lib/systemd/systemd", NULL };
	for (size_t i = 0; inits[i]; i++)
		if (!strcmp(p, inits[i]))
			return 1;
	return 0;
}

/* The program a command line runs as init: argv[0] itself, or the first argument that is
 * no option when argv[0] is a loader. */
static int runs_init(char **argv)
{
	if (nedcfg_is_init(argv[0]))
		return 1;
	for (size_t i = 1; argv[i]; i++)
		if (argv[i][0] != '-')
			return nedcfg_is_init(argv[i]);
	return 0;
}

/* P.record(argv, { {name, cap}, ... }) */
static int p_record(lua_State *L)
{
	struct run *r = run_of(L);
	if (r->closing)
		return luaL_error(L, "a finalizer started a program after the script ended");
	luaL_checktype(L, 1, LUA_TTABLE);
	luaL_checktype(L, 2, LUA_TTABLE);
	struct nedcfg *c = r->c;
	struct ned_task t = { .line = luabox_user_line(L) };
	size_t argc = (size_t)lua_rawlen(L, 1), ncaps = (size_t)lua_rawlen(L, 2);
	luabox_charge(L, argc + ncaps);
	/* What is copied to the C heap counts against the memory limit, checked before any
	 * copy is made (an error must leave nothing behind). */
	size_t bytes = (argc + 1) * sizeof(*t.argv) + (ncaps + 1) * sizeof(*t.caps), l;
	for (size_t i = 0; i < argc; i++) {
		lua_rawgeti(L, 1, (lua_Integer)i + 1);
		bytes += (lua_tolstring(L, -1, &l) ? l : 0) + 1;
		lua_pop(L, 1);
	}
	for (size_t i = 0; i < ncaps; i++) {
		lua_rawgeti(L, 2, (lua_Integer)i + 1);
		lua_rawgeti(L, -1, 1);
		lua_rawgeti(L, -2, 2);
		struct cap *cp = to_cap(L, -1);
		bytes += (lua_tolstring(L, -2, &l) ? l : 0) + 1;
		if (cp) {
			push_what(L, cp);
			bytes += (lua_tolstring(L, -1, &l) ? l : 0);
			lua_pop(L, 1);
		}
		bytes += 1;
		lua_pop(L, 3);
	}
	luabox_reserve(L, bytes);
	t.argv = xcalloc(argc + 1, sizeof(*t.argv));
	for (size_t i = 0; i < argc; i++) {
		lua_rawgeti(L, 1, (lua_Integer)i + 1);
		t.argv[i] = xstrdup(lua_tostring(L, -1) ? lua_tostring(L, -1) : "");
		lua_pop(L, 1);
	}
	t.caps = xcalloc(ncaps + 1, sizeof(*t.caps));
	for (size_t i = 0; i < ncaps; i++) {
		lua_rawgeti(L, 2, (lua_Integer)i + 1);
		lua_rawgeti(L, -1, 1);
		lua_rawgeti(L, -2, 2);
		struct cap *cp = to_cap(L, -1);
		t.caps[i].name = xstrdup(lua_tostring(L, -2) ? lua_tostring(L, -2) : "");
		if (cp) {
			push_what(L, cp);
			t.caps[i].what = xstrdup(lua_tostring(L, -1) ? lua_tostring(L, -1) : "");
			lua_pop(L, 1);
		} else {
			t.caps[i].what = xstrdup("");
		}
		lua_pop(L, 3);
	}
	t.ncaps = ncaps;
	if (ncaps > 1)
		qsort(t.caps, ncaps, sizeof(*t.caps), cmp_cap);
	t.runs_init = argc && runs_init(t.argv);
	c->tasks = xrealloc(c->tasks, (c->ntasks + 1) * sizeof(*c->tasks));
	c->tasks[c->ntasks++] = t;
	return 0;
}

/* Capability methods: the model's table; anything else is reported and nil, as in ned
 * (where an unknown method is nil too). */
static int cap_index(lua_State *L)
{
	check_cap(L, 1);
	lua_getfield(L, LUA_REGISTRYINDEX, CAP_METHODS);
	if (lua_istable(L, -1)) {
		lua_pushvalue(L, 2);
		if (lua_rawget(L, -2) != LUA_TNIL)
			return 1;
		lua_pop(L, 1);
	}
	if (lua_type(L, 2) == LUA_TSTRING) {
		lua_pushvalue(L, lua_upvalueindex(2));
		lua_pushfstring(L, "a capability has no method '%s' in ned (as lsbimg models it); "
				"it is nil", lua_tostring(L, 2));
		lua_call(L, 1, 0);
	}
	lua_pushnil(L);
	return 1;
}

static int cap_tostring(lua_State *L)
{
	struct cap *c = check_cap(L, 1);
	push_what(L, c);
	lua_pushfstring(L, "L4::Cap<%s>", lua_tostring(L, -1));
	return 1;
}

static int cap_eq(lua_State *L)
{
	struct cap *a = to_cap(L, 1), *b = to_cap(L, 2);
	lua_pushboolean(L, a && b && a->what == b->what);
	return 1;
}

static void install_primitives(lua_State *L, struct run *r)
{
	luaL_newmetatable(L, CAP_TYPE);
	lua_pushlightuserdata(L, r);
	lua_pushlightuserdata(L, r);
	lua_pushcclosure(L, p_warn, 1);
	lua_pushcclosure(L, cap_index, 2);
	lua_setfield(L, -2, "__index");
	lua_pushcfunction(L, cap_tostring);
	lua_setfield(L, -2, "__tostring");
	lua_pushcfunction(L, cap_eq);
	lua_setfield(L, -2, "__eq");
	lua_pushliteral(L, "L4 capability");
	lua_setfield(L, -2, "__metatable");
	lua_pop(L, 1);

	static const luaL_Reg prims[] = {
		{ "cap", p_cap }, { "with_rights", p_with_rights }, { "rights", p_rights },
		{ "is_cap", p_is_cap }, { "what", p_what }, { "here", p_here }, { "warn", p_warn },
		{ "methods", p_methods }, { "record", p_record }, { NULL, NULL },
	};
	lua_newtable(L);
	lua_pushlightuserdata(L, r);
	luaL_setfuncs(L, prims, 1);
}

/* ---- evaluation ---- */

static int cmp_note(const void *a, const void *b)
{
	const struct note *x = a, *y = b;
	return x->line != y->line ? (x->line > y->line) - (x->line < y->line)
				  : strcmp(x->msg, y->msg);
}

static void report_notes(struct run *r)
{
	if (r->nnotes > 1)
		qsort(r->notes, r->nnotes, sizeof(*r->notes), cmp_note);
	for (size_t i = 0; i < r->nnotes; i++) {
		diag_warn_at(r->c->file, r->notes[i].line, "%s", r->notes[i].msg);
		free(r->notes[i].msg);
	}
	free(r->notes);
	r->notes = NULL;
	r->nnotes = 0;
}

static void error_at(const char *file, int line, char *msg)
{
	diag_error_at(file, line, "%s", msg);
	free(msg);
}

int nedcfg_eval(struct nedcfg *c, const char *file, const char *buf, size_t len,
		const struct ned_limits *limits)
{
	memset(c, 0, sizeof(*c));
	c->file = xstrdup(file);
	c->init = -1;
	struct luabox_limits lim = { limits ? limits->steps : 0, limits ? limits->memory : 0 };
	struct run r = { .c = c };
	lua_State *L = luabox_new(&lim);
	if (!L) {
		diag_error_at(file, 0, "cannot create a Lua state (out of memory)");
		return -1;
	}
	int rc = -1, line = 0;
	char *msg = NULL;
	install_primitives(L, &r);
	if (luabox_load_helper(L, model, sizeof(model) - 1, "=[ned model]") != LUA_OK) {
		/* Only memory can make the model fail to load. */
		diag_error_at(file, 0, "cannot load the model of ned's L4 module: %s",
			      lua_tostring(L, -1));
		goto out;
	}
	lua_insert(L, -2);
	/* The model's chunk gets P; it returns require. */
	if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
		diag_error_at(file, 0, "cannot set up the model of ned's L4 module: %s",
			      lua_tostring(L, -1));
		goto out;
	}
	lua_setglobal(L, "require");
	lua_newtable(L);
	lua_pushstring(L, file);
	lua_rawseti(L, -2, 0);
	lua_setglobal(L, "arg");

	if (luabox_load(L, buf, len, &line, &msg) != LUA_OK) {
		error_at(file, line, msg);
		goto out;
	}
	if (luabox_call(L, 0, &line, &msg) != LUA_OK) {
		report_notes(&r);
		error_at(file, line, msg);
		goto out;
	}
	rc = 0;
out:
	r.closing = 1;
	luabox_close(L);
	report_notes(&r);
	for (size_t i = 0; i < c->ntasks; i++) {
		if (!c->tasks[i].runs_init)
			continue;
		if (c->init < 0) {
			c->init = (long)i;
		} else {
			diag_error_at(file, c->tasks[i].line, "a second program runs %s (the first "
				      "started at line %d): which one's capabilities would the units get?",
				      "/sbin/init", c->tasks[c->init].line);
			rc = -1;
		}
	}
	if (c->init >= 0) {
		const struct ned_task *t = &c->tasks[c->init];
		c->init_names = xcalloc(t->ncaps + 1, sizeof(*c->init_names));
		for (size_t i = 0; i < t->ncaps; i++)
			c->init_names[i] = t->caps[i].name;
	}
	return rc;
}

int nedcfg_load(struct nedcfg *c, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f)
		inputs_note_path(path, 1);
	if (!f) {
		memset(c, 0, sizeof(*c));
		c->init = -1;
		diag_error("%s: %s", path, strerror(errno));
		return -1;
	}
	char *buf = NULL;
	size_t len = 0, cap = 0, got;
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = xrealloc(buf, cap);
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
	} while (got);
	int bad = ferror(f);
	fclose(f);
	int rc = -1;
	if (bad) {
		memset(c, 0, sizeof(*c));
		c->init = -1;
		diag_error("%s: read error", path);
	} else {
		rc = nedcfg_eval(c, path, buf, len, NULL);
	}
	free(buf);
	return rc;
}

const struct ned_cap *nedcfg_init_cap(const struct nedcfg *c, const char *name)
{
	if (c->init < 0)
		return NULL;
	const struct ned_task *t = &c->tasks[c->init];
	for (size_t i = 0; i < t->ncaps; i++)
		if (!strcmp(t->caps[i].name, name))
			return &t->caps[i];
	return NULL;
}

const struct ned_task *nedcfg_holder(const struct nedcfg *c, const char *name)
{
	for (size_t i = 0; i < c->ntasks; i++) {
		if ((long)i == c->init)
			continue;
		for (size_t k = 0; k < c->tasks[i].ncaps; k++)
			if (!strcmp(c->tasks[i].caps[k].name, name))
				return &c->tasks[i];
	}
	return NULL;
}

void nedcfg_free(struct nedcfg *c)
{
	for (size_t i = 0; i < c->ntasks; i++) {
		struct ned_task *t = &c->tasks[i];
		for (size_t k = 0; t->argv && t->argv[k]; k++)
			free(t->argv[k]);
		free(t->argv);
		for (size_t k = 0; k < t->ncaps; k++) {
			free(t->caps[k].name);
			free(t->caps[k].what);
		}
		free(t->caps);
	}
	free(c->tasks);
	free(c->init_names);
	free(c->file);
	memset(c, 0, sizeof(*c));
	c->init = -1;
}
