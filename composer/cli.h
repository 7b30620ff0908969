/* Subcommands. Each lives in its own module and returns an exit code (diag.h). */
#ifndef LSBIMG_CLI_H
#define LSBIMG_CLI_H

int cmd_compose(int argc, char **argv);
int cmd_caps(int argc, char **argv);

struct fsview;
/* caps.c: print an image's unit capability table (for `caps IMAGE` once it can be read). */
int caps_show(struct fsview *v, int json);

#endif
