/* wfad detectors: the detectors this build knows, with their kind. */
#include "cli.h"
#include "wfad/runlevel.h"

int cmd_detectors(int argc, char **argv)
{
	const struct cli_command cmd = {"detectors",
					"",
					"Lists the job-level detectors and the "
					"run-level classifiers (--task run).",
					NULL,
					0,
					0,
					0};
	const char *pos[1];
	size_t n_pos;
	int rc = cli_parse(&cmd, argc, argv, pos, &n_pos);
	if (rc)
		return rc < 0 ? 0 : rc;
	printf("job level (wfad eval/train/score/active --detector NAME):\n");
	for (size_t i = 0; i < wfad_detector_count(); i++) {
		const struct wfad_detector_ops *o = wfad_detector_at(i);
		printf("  %-10s %-12s %s\n", o->name,
		       o->flags & WFAD_DETECTOR_SUPERVISED ? "supervised" : "unsupervised",
		       o->summary);
	}
	printf("run level (wfad eval/active --task run --detector NAME):\n");
	for (size_t i = 0; i < wfad_run_classifier_count(); i++) {
		const struct wfad_run_classifier_ops *o = wfad_run_classifier_at(i);
		printf("  %-10s %-12s %s\n", o->name, "supervised", o->summary);
	}
	return 0;
}
