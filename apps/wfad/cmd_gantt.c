/* wfad gantt: placeholder while the command is being written (replaced by its implementation). */
#include "cli.h"

int cmd_gantt(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "wfad gantt: not available in this build\n");
	return EXIT_DATA;
}
