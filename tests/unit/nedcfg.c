/* nedcfg: ned scripts evaluated by Lua in the sandbox, against the model of ned's L4 module.
 *   nedcfg FILE   print what FILE starts, as tests/t_nedcfg.sh compares it with lua5.4
 *                 running the same file on tests/data/nedcfg/mock_l4.lua:
 *                   start LINE: PROGRAM ARGS...   (" [init]" for the task running init)
 *                     NAME                        one line per capability, sorted
 *                 exit 1 when the evaluation fails
 *   nedcfg --lua FILE   run the Lua file FILE in the sandbox with a print that writes to
 *                 stdout (t_nedcfg.sh compares the pattern functions with lua5.4's)
 *   nedcfg        self test: the sandbox's limits, errors with their lines, the init task */
#include "base/diag.h"
#include "formats/luabox.h"
#include "harness.h"
#include "formats/nedcfg.h"

#include <lauxlib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


static void print(const struct nedcfg *c)
{
	for (size_t i = 0; i < c->ntasks; i++) {
		const struct ned_task *t = &c->tasks[i];
		printf("start %d:", t->line);
		for (size_t k = 0; t->argv[k]; k++)
			printf(" %s", t->argv[k]);
		printf("%s\n", (long)i == c->init ? " [init]" : "");
		for (size_t k = 0; k < t->ncaps; k++)
			printf("  %s\n", t->caps[k].name);
	}
}

/* Reports captured for the checks below: the last message and counts. */
static char last_msg[4096];
static int last_line, errors, warnings;

static void capture(void *arg, enum diag_severity sev, const char *file, int line, const char *msg)
{
	(void)arg;
	(void)file;
	if (sev == DIAG_ERROR)
		errors++;
	else
		warnings++;
	last_line = line;
	snprintf(last_msg, sizeof(last_msg), "%s", msg);
}

static int eval(struct nedcfg *c, const char *src, const struct ned_limits *lim)
{
	errors = warnings = last_line = 0;
	last_msg[0] = 0;
	return nedcfg_eval(c, "t.cfg", src, strlen(src), lim);
}

/* SRC must fail with one error at LINE whose message contains WANT. */
static void expect_error(const char *src, int line, const char *want)
{
	struct nedcfg c;
	int rc = eval(&c, src, NULL);
	CHECK(rc == -1 && errors == 1 && last_line == line && strstr(last_msg, want),
	      "%s: rc %d, %d errors, last at line %d: '%s' (want line %d '%s')", src, rc, errors,
	      last_line, last_msg, line, want);
	nedcfg_free(&c);
}

static const char *caps_of_init(const struct nedcfg *c)
{
	static char buf[1024];
	buf[0] = 0;
	if (c->init < 0)
		return "(no init)";
	for (size_t i = 0; c->init_names[i]; i++)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " " : "",
			 c->init_names[i]);
	return buf;
}

static double seconds(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A hostile SRC must stop with an error mentioning WANT, well within a few seconds. */
static void expect_stopped(const char *src, const char *want)
{
	struct nedcfg c;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = eval(&c, src, NULL);
	double s = seconds(&t0);
	CHECK(rc == -1 && strstr(last_msg, want) && s < 5, "%s: rc %d after %.1f s: '%s' (want '%s')",
	      src, rc, s, last_msg, want);
	nedcfg_free(&c);
}

/* print, as Lua's: tostring of each argument, tab-separated. */
static int print_out(lua_State *L)
{
	int n = lua_gettop(L);
	for (int i = 1; i <= n; i++) {
		size_t l;
		const char *s = luaL_tolstring(L, i, &l);
		if (i > 1)
			putchar('\t');
		fwrite(s, 1, l, stdout);
		lua_pop(L, 1);
	}
	putchar('\n');
	return 0;
}

static int run_lua(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 2;
	}
	static char buf[1 << 20];
	size_t len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	lua_State *L = luabox_new(NULL);
	int line = 0;
	char *msg = NULL;
	lua_pushcfunction(L, print_out);
	lua_setglobal(L, "print");
	int rc = luabox_load(L, buf, len, &line, &msg) != LUA_OK ||
		 luabox_call(L, 0, &line, &msg) != LUA_OK;
	if (rc) {
		fprintf(stderr, "%s:%d: %s\n", path, line, msg);
		free(msg);
	}
	luabox_close(L);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--lua"))
		return run_lua(argv[2]);
	if (argc == 2) {
		struct nedcfg c;
		int rc = nedcfg_load(&c, argv[1]);
		print(&c);
		nedcfg_free(&c);
		return rc ? 1 : 0;
	}
	diag_set_sink(&(const struct diag_sink){ capture, NULL });
	struct nedcfg c;

	/* The init task: directly, through a loader, with options before the program. */
	static const char *const inits[][2] = {
		{ "local L4 = require('L4')\nL4.default_loader:start({ caps = { a = L4.Env.icu } }, '/sbin/init')",
		  "a rom" },
		{ "local L4 = require('L4')\nL4.default_loader:start({ caps = { b = L4.Env.icu } }, 'rom/lsb_loader /sbin/init')",
		  "b rom" },
		{ "local L4 = require('L4')\nL4.default_loader:startv({ caps = { c = L4.Env.log } }, 'rom/ldr', '-v', '/lib/systemd/systemd', 'x')",
		  "c rom" },
		{ "local L4 = require('L4')\nL4.default_loader:start({ caps = { d = L4.Env.log } }, 'rom/ldr /bin/sh /sbin/init')",
		  "(no init)" },
	};
	for (size_t i = 0; i < sizeof(inits) / sizeof(inits[0]); i++) {
		CHECK(eval(&c, inits[i][0], NULL) == 0, "%s: %s", inits[i][0], last_msg);
		CHECK(!strcmp(caps_of_init(&c), inits[i][1]), "%s: init has '%s', want '%s'",
		      inits[i][0], caps_of_init(&c), inits[i][1]);
		nedcfg_free(&c);
	}
	/* What another program gets is not init's. */
	CHECK(eval(&c, "local L4 = require 'L4'\nlocal l = L4.default_loader\n"
		       "l:start({ caps = { global_net = l:new_channel():svr() } }, 'rom/net_server')\n"
		       "l:start({ caps = { x = L4.Env.icu } }, '/sbin/init')\n", NULL) == 0, "%s", last_msg);
	CHECK(!nedcfg_init_cap(&c, "global_net") && nedcfg_holder(&c, "global_net") &&
	      !strcmp(nedcfg_holder(&c, "global_net")->argv[0], "rom/net_server") &&
	      nedcfg_holder(&c, "global_net")->line == 3, "holder of global_net");
	CHECK(nedcfg_init_cap(&c, "x") && c.tasks[c.init].line == 4, "init's x at line 4");
	nedcfg_free(&c);
	/* Two programs running init. */
	expect_error("local l = require('L4').default_loader\nl:start({}, '/sbin/init')\n"
		     "l:start({}, '/sbin/init')\n", 3, "a second program runs /sbin/init");

	/* Lua's own messages at their lines. */
	expect_error("local a = 1\nlocal b = = 2\n", 2, "unexpected symbol near '='");
	expect_error("local a = 1\nlocal s = [[ never\nclosed", 3, "unfinished long string");
	expect_error("local t = nil\n\nt.x = 1\n", 3, "attempt to index a nil value (local 't')");
	expect_error("error('boom')\n", 1, "boom");
	expect_error("\nerror('no position', 0)\n", 2, "no position");
	expect_error("\n\nerror({})\n", 3, "error object is a table value");
	/* Errors inside the model are reported at the script's call. */
	expect_error("local l = require('L4').default_loader\n\nl:start(nil, '/sbin/init')\n", 3,
		     "options must be a table");
	expect_error("local l = require('L4').default_loader\nl.start({}, '/sbin/init')\n", 2,
		     "incompatible object");
	expect_error("local l = require('L4').default_loader\n"
		     "l:start({ caps = { a_name_that_is_too_long = l:new_channel() } }, 'x')\n", 2,
		     "too long");
	expect_error("require('io')\n", 1, "module 'io' not found");
	/* The sandbox holds nothing that reaches the host. */
	expect_error("os.exit(1)\n", 1, "attempt to index a nil value (global 'os')");
	expect_error("io.open('/etc/passwd')\n", 1, "(global 'io')");
	expect_error("dofile('/etc/passwd')\n", 1, "(global 'dofile')");
	expect_error("load('return 1')\n", 1, "(global 'load')");
	expect_error("string.dump(print)\n", 1, "(field 'dump')");
	expect_error("local f = package.loadlib\n", 1, "(global 'package')");
	expect_error("debug.sethook()\n", 1, "(global 'debug')");

	/* What ned drops or leaves nil is a warning with its line. */
	CHECK(eval(&c, "local L4 = require('L4')\nlocal l = L4.default_loader\n"
		       "l:start({ caps = { s = 'text', v = L4.Env.virtio_blk } }, '/sbin/init')\n",
		       NULL) == 0 && warnings == 2 && last_line == 3, "warnings: %d at %d: %s",
	      warnings, last_line, last_msg);
	CHECK(!strcmp(caps_of_init(&c), "rom"), "dropped caps: '%s'", caps_of_init(&c));
	nedcfg_free(&c);
	CHECK(eval(&c, "local L4 = require('L4')\nlocal x = L4.Env.nothere or L4.Env.icu\n", NULL) == 0 &&
	      warnings == 1 && last_line == 2 && strstr(last_msg, "L4.Env.nothere is nil"),
	      "Env miss: %s", last_msg);
	nedcfg_free(&c);
	/* Unknown members are reported and nil, never a crash. */
	CHECK(eval(&c, "local L4 = require('L4')\nlocal a = L4.Frobnicate\n"
		       "local b = L4.Env.icu.nothing\nlocal d = L4.default_loader.gone\n", NULL) == 0 &&
	      warnings == 3, "unknown members: %d warnings, last: %s", warnings, last_msg);
	nedcfg_free(&c);
	expect_error("local L4 = require('L4')\n\nL4.Env.icu:bind(1)\n", 3,
		     "attempt to call a nil value (method 'bind')");

	/* Limits: nothing hangs or exhausts the tool. */
	expect_stopped("while true do end", "step limit reached");
	expect_stopped("local function f() while true do end end\nwhile true do pcall(f) end",
		       "step limit reached");
	expect_stopped("local t = {} for i = 1, 1e9 do t[i] = i end", "memory limit reached");
	expect_stopped("local s = string.rep('x', 1 << 30)", "memory limit");
	expect_stopped("local s = string.rep('', 1 << 62) .. string.rep('x', 1 << 40)", "");
	expect_stopped("local s = string.rep('a', 30000)\nstring.find(s, '.-.-.-.-.-.-.-b')",
		       "step limit reached");
	expect_stopped("local t = setmetatable({}, { __len = function() return 1 << 60 end,\n"
		       "  __index = rawequal, __newindex = rawequal })\ntable.insert(t, 1, 1)",
		       "step limit reached");
	expect_stopped("table.move({}, 1, math.maxinteger - 1, 2)", "step limit reached");
	/* Byte work of string functions is charged through what they allocate. */
	expect_stopped("local s = string.rep(\"x\", 4*1024*1024); while true do local t = s:upper() end",
		       "step limit reached");
	expect_stopped("local t = {} for i = 1, 1024 do t[i] = string.rep('x', 1024) end\n"
		       "while true do local s = table.concat(t) end", "step limit reached");
	expect_stopped("local t = {} for i = 1, 200000 do t[i] = i end\n"
		       "while true do local a = table.unpack(t) end", "step limit reached");
	expect_stopped("local s = string.rep('x', 200000)\n"
		       "while true do local a = s:byte(1, -1) end", "step limit reached");
	/* Copies into the C heap count against the memory limit. */
	expect_stopped("local big = string.rep('x', 8 << 20)\n"
		       "local startv = require('L4').default_loader.startv\n"
		       "for i = 1, 400 do startv(require('L4').default_loader, {}, 'rom/x', big) end",
		       "memory limit reached");
	/* Lua runs finalizers with hooks off: they are refused. */
	expect_error("local mt = { __gc = function() while true do end end }\n"
		     "setmetatable({}, mt)\n", 2, "__gc metamethods are not available");
	expect_stopped("local function f() return f() + 1 end f()", "memory limit reached");
	/* Limits given by the caller. */
	struct ned_limits small = { 100000, 1 << 20 };
	CHECK(eval(&c, "local x = 0 for i = 1, 1e6 do x = x + i end", &small) == -1 &&
	      strstr(last_msg, "step limit reached"), "small step limit: %s", last_msg);
	nedcfg_free(&c);

	/* The same script always gives the same answer (Lua seeds math.random from the clock). */
	CHECK(eval(&c, "local l = require('L4').default_loader\nmath.randomseed()\n"
		       "l:start({ caps = { ['c' .. math.random(1000)] = l:new_channel() } }, '/sbin/init')",
		       NULL) == 0, "%s", last_msg);
	char first[256];
	snprintf(first, sizeof(first), "%s", caps_of_init(&c));
	nedcfg_free(&c);
	CHECK(eval(&c, "local l = require('L4').default_loader\nmath.randomseed()\n"
		       "l:start({ caps = { ['c' .. math.random(1000)] = l:new_channel() } }, '/sbin/init')",
		       NULL) == 0 && !strcmp(first, caps_of_init(&c)), "random: '%s' then '%s'",
	      first, caps_of_init(&c));
	nedcfg_free(&c);

	/* The project's script: the capabilities init gets. */
	const char *top = getenv("TOP");
	char *path = xasprintf("%s/cfg/bash.cfg", top ? top : ".");
	errors = warnings = 0;
	CHECK(!nedcfg_load(&c, path) && !errors && !warnings, "%s: %d errors %d warnings: %s", path,
	      errors, warnings, last_msg);
	static const char *const want[] = { "global_fs", "global_net", "global_epoll", "global_fd",
		"global_aio", "lsb_root", "virtio_blk", "virtio_blk_irq", "virtio_net",
		"virtio_net_irq", "iomem", "scheduler", "rom", NULL };
	size_t n = 0;
	for (size_t i = 0; want[i]; i++, n++)
		CHECK(nedcfg_init_cap(&c, want[i]), "cfg/bash.cfg gives init no %s", want[i]);
	CHECK(c.init >= 0 && c.tasks[c.init].ncaps == n, "cfg/bash.cfg: init gets %zu caps",
	      c.init >= 0 ? c.tasks[c.init].ncaps : 0);
	nedcfg_free(&c);
	free(path);

	return harness_done();
}
