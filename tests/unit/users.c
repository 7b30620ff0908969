/* users: passwd/group from layout declarations and sysusers.d fragments.
 *   users ROOT OUT   load ROOT's regular files into a tree, run users_apply, write the
 *                    resulting /etc/{passwd,group,shadow,gshadow} under OUT/etc
 *                    (tests/t_sysusers.sh compares with systemd-sysusers --root=ROOT)
 *   users            self test: layout-declared users and groups, by hand-written text */
#include "base/diag.h"
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
			n->u.reg.kind = SRC_HOST;
			n->u.reg.name = tree_strdup(t, hp);
			n->u.reg.size = (uint64_t)st.st_size;
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

static int self_test(void)
{
	config_t cfg;
	config_init(&cfg);
	const char *layout =
		"users = ( { name = \"l4\"; uid = 1000; home = \"/home/l4\"; shell = \"/bin/bash\";\n"
		"            gecos = \"L4 user\"; groups = [ \"dev\" ]; },\n"
		"          { name = \"svc\"; uid = 1001; group = \"dev\"; } );\n"
		"groups = ( { name = \"dev\"; gid = 1100; members = [ \"svc\", \"root\" ]; } );\n";
	if (!config_read_string(&cfg, layout)) {
		fprintf(stderr, "self test layout: %s\n", config_error_text(&cfg));
		return 1;
	}
	struct layout_ctx ctx = { .path = "self", .cfg = &cfg, .tree = tree_new(0) };
	ctx.img.timestamp = 86400 * 3;
	int rc = users_apply(config_lookup(&cfg, "users"), config_lookup(&cfg, "groups"), &ctx);
	char *pw = text_of(ctx.tree, "/etc/passwd"), *gr = text_of(ctx.tree, "/etc/group");
	char *sh = text_of(ctx.tree, "/etc/shadow");
	int ok = !rc && pw && gr && sh &&
		!strcmp(pw, "l4:x:1000:1000:L4 user:/home/l4:/bin/bash\nsvc:x:1001:1100::/:/usr/sbin/nologin\n") &&
		!strcmp(gr, "dev:x:1100:l4,root,svc\nl4:x:1000:\n") &&
		!strcmp(sh, "l4:!*:3::::::\nsvc:!*:3::::::\n");
	if (!ok)
		fprintf(stderr, "self test: rc %d\n%s--\n%s--\n%s", rc, pw ? pw : "(none)",
			gr ? gr : "(none)", sh ? sh : "(none)");
	free(pw);
	free(gr);
	free(sh);

	/* A taken uid is refused at the declaration. */
	const char *dup = "users = ( { name = \"a\"; uid = 5; }, { name = \"b\"; uid = 5; } );";
	config_t c2;
	config_init(&c2);
	struct layout_ctx ctx2 = { .path = "self", .cfg = &c2, .tree = tree_new(0) };
	int rc2 = config_read_string(&c2, dup) ? users_apply(config_lookup(&c2, "users"), NULL, &ctx2) : 0;
	if (rc2 != -1) {
		fprintf(stderr, "self test: duplicate uid accepted\n");
		ok = 0;
	}
	tree_free(ctx2.tree);
	config_destroy(&c2);
	tree_free(ctx.tree);
	config_destroy(&cfg);
	return !ok;
}

int main(int argc, char **argv)
{
	if (argc == 1)
		return self_test();
	if (argc != 3) {
		fprintf(stderr, "usage: users ROOT OUT\n");
		return 2;
	}
	struct layout_ctx ctx = { .path = argv[1], .tree = tree_new(0) };
	int rc = load(ctx.tree, argv[1], "");
	if (rc)
		fprintf(stderr, "%s: cannot load\n", argv[1]);
	if (!rc)
		rc = users_apply(NULL, NULL, &ctx);
	if (!rc)
		rc = write_out(ctx.tree, argv[2]);
	tree_free(ctx.tree);
	return rc ? 1 : 0;
}
