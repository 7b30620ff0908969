/* What a ned script (such as cfg/bash.cfg) hands to the programs it starts.
 *
 * ned runs its scripts with Lua; so does this module, in a sandbox (luabox.h) with a model
 * of ned's L4 module in place of the real one: L4.default_loader and L4.Loader (new,
 * new_channel, create_namespace, start, startv), L4.Env (the capabilities ned itself gets:
 * L4Re's standard ones and moe's root name space), L4.Proto, L4.Rights, L4.Dbg,
 * L4.Ldr_flags, L4.Mem_alloc_flags, L4.Info, L4.cast, L4.exec, L4.sleep, and capabilities
 * with the methods ned gives them (m, mode, rights, svr, is_valid, create, query, q,
 * register, r, link, l). Every start records the program's command line and the
 * capabilities ned would map into it, with ned's rules: a function value is called until
 * it yields something else, nil is left out, a plain table becomes a name space, anything
 * else that is no capability is left out (reported), `rom` is added, and a name longer
 * than 15 characters stops the script.
 *
 * The capabilities systemd's units can use are those of the task whose command line runs
 * /sbin/init (or the systemd manager itself), directly or as the first argument of a
 * loader such as rom/lsb_loader. */
#ifndef LSBIMG_NEDCFG_H
#define LSBIMG_NEDCFG_H

#include <stddef.h>

struct ned_cap {
	char *name;
	char *what;        /* what ned would map, e.g. "L4.Env.icu", "IPC gate (bash.cfg:9)" */
};

struct ned_task {
	char **argv;       /* NULL-terminated: program and arguments */
	struct ned_cap *caps;
	size_t ncaps;      /* sorted by name */
	int line;          /* of the start in the script */
	int runs_init;
};

struct nedcfg {
	char *file;        /* the script's name in messages */
	struct ned_task *tasks;
	size_t ntasks;     /* in the order they were started */
	long init;         /* index of the task running /sbin/init, -1 if none */
	const char **init_names; /* its capability names, NULL-terminated (for suggestions) */
};

struct ned_limits {
	unsigned long long steps;   /* 0: the sandbox's default */
	size_t memory;              /* bytes; 0: the sandbox's default */
};

/* Evaluate the script BUF (LEN bytes) named FILE in messages. Lua's syntax and runtime
 * errors, exhausted limits and two tasks running /sbin/init are errors, reported as
 * "FILE:LINE: error: ..."; what ned would silently drop or leave nil is a warning with
 * its line. Returns 0, or -1 after reporting an error (the tasks started before it are
 * kept). LIMITS may be NULL. */
int nedcfg_eval(struct nedcfg *c, const char *file, const char *buf, size_t len,
		const struct ned_limits *limits);
/* Read and evaluate the host file PATH (named PATH in messages). */
int nedcfg_load(struct nedcfg *c, const char *path);
/* The capability NAME of the init task, or NULL. */
const struct ned_cap *nedcfg_init_cap(const struct nedcfg *c, const char *name);
/* The first task other than init's that gets NAME, or NULL. */
const struct ned_task *nedcfg_holder(const struct nedcfg *c, const char *name);
void nedcfg_free(struct nedcfg *c);

/* Whether PROGRAM (an argv[0] or a loader's argument) is the systemd manager as init. */
int nedcfg_is_init(const char *program);

#endif
