/* compose: layout -> tree -> checks -> writer -> staging. */
#include "cli.h"
#include "diag.h"

int cmd_compose(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	diag_error("compose: not yet implemented");
	return EXIT_FAILED;
}
