/* Subcommands. Each lives in its own module and returns an exit code (diag.h). */
#ifndef LSBIMG_CLI_H
#define LSBIMG_CLI_H

int cmd_compose(int argc, char **argv);
/* inspect.c, diff.c, check.c, journal.c: read-only inspection of images. */
int cmd_ls(int argc, char **argv);
int cmd_cat(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_journal(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_caps(int argc, char **argv);
/* __complete IMAGE PREFIX: in-image paths for the bash completion (inspect.c). */
int cmd_complete(int argc, char **argv);

#endif
