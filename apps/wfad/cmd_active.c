/* wfad active: placeholder while the command is being written (replaced by its implementation). */
#include "cli.h"

int cmd_active(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wfad active: not available in this build\n");
	return EXIT_DATA;
}
