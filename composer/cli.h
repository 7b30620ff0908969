/* Subcommands. Each lives in its own module and returns an exit code (diag.h). */
#ifndef LSBIMG_CLI_H
#define LSBIMG_CLI_H

int cmd_compose(int argc, char **argv);
int cmd_extract(int argc, char **argv);

#endif
