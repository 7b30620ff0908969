#include "cli.h"
int cmd_journal(int argc, char **argv) { (void)argc; (void)argv; return 2; }
