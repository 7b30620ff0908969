/* users: passwd/group from layout declarations and sysusers.d fragments.
 *   users ROOT OUT   load ROOT's regular files into a tree, run users_apply, write the
 *                    resulting /etc/{passwd,group,shadow,gshadow} under OUT/etc
 *                    (tests/t_sysusers.sh compares with systemd-sysusers --root=ROOT)
 *   users            self test: layout-declared users and groups, by hand-written text */
#include "model/hostsrc.h"
#include "base/diag.h"
#include "harness.h"
#include "layout/layout.h"
#include "sections/users.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int load(struct tree *t, const char *host, const char *image)
{
	DIR *d = opendir(host);
	if (!d)
		return -1;
	int rc = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char *hp = xasprintf("%s/%s", host, e->d_name);
		char *ip = xasprintf("%s/%s", image, e->d_name);
		struct stat st;
		if (lstat(hp, &st)) {
			rc = -1;
		} else if (S_ISDIR(st.st_mode)) {
			rc |= load(t, hp, ip);
		} else if (S_ISREG(st.st_mode)) {
			struct node *n = tree_node_new(t, NODE_REG, "test");
			node_set_host(n, NULL, tree_strdup(t, hp), &st);   /* as a scan does */
			const char *why;
			rc |= tree_add(t, NULL, ip, n, 0, &why);
		}
		free(hp);
		free(ip);
	}
	closedir(d);
	return rc;
}

static char *text_of(struct tree *t, const char *path)
{
	struct node *n = tree_lookup(t, NULL, path, TREE_FOLLOW);
	if (!n || n->type != NODE_REG)
		return NULL;
	char *s = xmalloc(n->u.reg.size + 1);
	ssize_t r = node_pread(n, s, n->u.reg.size, 0);
	s[r < 0 ? 0 : r] = 0;
	return s;
}

static int write_out(struct tree *t, const char *out)
{
	static const char *const files[] = { "/etc/passwd", "/etc/group", "/etc/shadow",
		"/etc/gshadow", NULL };
	char *dir = xasprintf("%s/etc", out);
	int rc = mkdir(out, 0755) && errno != EEXIST;
	rc |= mkdir(dir, 0755) && errno != EEXIST;
	free(dir);
	for (size_t i = 0; files[i] && !rc; i++) {
		char *s = text_of(t, files[i]), *p = xasprintf("%s%s", out, files[i]);
		FILE *f = s ? fopen(p, "w") : NULL;
		rc |= !f || fputs(s, f) < 0 || fclose(f);
		free(s);
		free(p);
	}
	return rc;
}

/* Read the layout TEXT, parse its top-level users and groups and apply them to a new tree
 * (*T) at TIMESTAMP. The parse result in *PARSED; the apply result is returned (-2 when
 * the parse failed). */
static int run(const char *text, struct tree **t, int64_t timestamp, int *parsed,
	       const char **msgs)
{
	struct layout l;
	struct users_plan p;
	write_file("self.cfg", "%s", text);
	*t = tree_new(0);
	capture_begin();
	int rc = -2;
	*parsed = layout_read("self.cfg", &l) ? -1 :
		  users_parse(conf_member(l.root, "users"), conf_member(l.root, "groups"), &p);
	if (!*parsed)
		rc = users_apply(&p, *t, timestamp);
	if (l.root)
		users_plan_free(&p);
	layout_free(&l);
	*msgs = capture_end();
	return rc;
}

static int self_test(void)
{
	const char *msgs;
	struct tree *t;
	int parsed;
	int rc = run("users = ( { name = \"l4\"; uid = 1000; home = \"/home/l4\"; shell = \"/bin/bash\";\n"
		     "            gecos = \"L4 user\"; groups = [ \"dev\" ]; },\n"
		     "          { name = \"svc\"; uid = 1001; group = \"dev\"; } );\n"
		     "groups = ( { name = \"dev\"; gid = 1100; members = [ \"svc\", \"root\" ]; } );\n",
		     &t, 86400 * 3, &parsed, &msgs);
	CHECK(parsed == 0 && rc == 0, "parse %d, apply %d: %s", parsed, rc, msgs);
	char *pw = text_of(t, "/etc/passwd"), *gr = text_of(t, "/etc/group");
	char *sh = text_of(t, "/etc/shadow"), *gs = text_of(t, "/etc/gshadow");
	CHECK(pw && !strcmp(pw, "l4:x:1000:1000:L4 user:/home/l4:/bin/bash\n"
			   "svc:x:1001:1100::/:/usr/sbin/nologin\n"), "passwd: %s", pw ? pw : "(none)");
	CHECK(gr && !strcmp(gr, "dev:x:1100:l4,root,svc\nl4:x:1000:\n"), "group: %s",
	      gr ? gr : "(none)");
	CHECK(sh && !strcmp(sh, "l4:!*:3::::::\nsvc:!*:3::::::\n"), "shadow: %s", sh ? sh : "(none)");
	CHECK(gs && !strcmp(gs, "dev:!*::l4,root,svc\nl4:!*::\n"), "gshadow: %s", gs ? gs : "(none)");
	struct node *n = tree_lookup(t, NULL, "/etc/passwd", 0);
	CHECK(n && n->origin && !strcmp(n->origin, "self.cfg:1"), "origin %s",
	      n && n->origin ? n->origin : "(none)");
	n = tree_lookup(t, NULL, "/etc/shadow", 0);
	CHECK(n && n->mode == 0, "shadow mode %o", n ? n->mode : 0);
	free(pw);
	free(gr);
	free(sh);
	free(gs);
	tree_free(t);

	/* A taken uid is refused at the declaration. */
	rc = run("users = ( { name = \"a\"; uid = 5; },\n  { name = \"b\"; uid = 5; } );\n",
		 &t, 0, &parsed, &msgs);
	CHECK(parsed == 0 && rc == -1, "duplicate uid: parse %d, apply %d", parsed, rc);
	assert_has("self.cfg:2: error: user 'b' uid 5: invalid, or the name or uid is taken");
	tree_free(t);

	/* Layout errors are the parse's: keys, names and ids. */
	static const struct {
		const char *text, *want;
	} bad[] = {
		{ "users = ( { name = \"a\"; uid = 5; hmoe = \"/\"; } );",
		  "self.cfg:1: error: unknown key 'hmoe' in systemd.users entry (did you mean 'home'?)" },
		{ "users = ( { name = \"a\"; } );", "self.cfg:1: error: systemd.users entry needs 'uid'" },
		{ "users = ( { name = \"9a\"; uid = 5; } );",
		  "self.cfg:1: error: systemd.users: '9a' is not a valid user name" },
		{ "users = ( { name = \"a\"; uid = 4294967295L; } );",
		  "self.cfg:1: error: systemd.users: uid 4294967295 is out of range: 0 to 4294967294" },
		{ "users = ( { name = \"a\"; uid = -1; } );",
		  "self.cfg:1: error: systemd.users: uid -1 is out of range: 0 to 4294967294" },
		{ "groups = ( { name = \"g\"; gid = \"5\"; } );",
		  "self.cfg:1: error: systemd.groups entry.gid must be an integer" },
		{ "groups = ( { name = \"g g\"; gid = 5; } );",
		  "self.cfg:1: error: systemd.groups: 'g g' is not a valid group name" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = run(bad[i].text, &t, 0, &parsed, &msgs);
		CHECK(parsed == -1 && rc == -2, "%s: parse %d", bad[i].text, parsed);
		assert_has(bad[i].want);
		tree_free(t);
	}
	return harness_done();
}

int main(int argc, char **argv)
{
	if (argc == 1)
		return self_test();
	if (argc != 3) {
		fprintf(stderr, "usage: users ROOT OUT\n");
		return 2;
	}
	struct tree *t = tree_new(0);
	struct users_plan none;
	users_parse(NULL, NULL, &none);
	int rc = load(t, argv[1], "");
	if (rc)
		fprintf(stderr, "%s: cannot load\n", argv[1]);
	if (!rc)
		rc = users_apply(&none, t, 0);
	if (!rc)
		rc = write_out(t, argv[2]);
	users_plan_free(&none);
	tree_free(t);
	return rc ? 1 : 0;
}
