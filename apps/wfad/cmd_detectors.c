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
	printf("job level (wfad eval/train/score/active --detector NAME); features: the set it "
	       "gets\nwithout --features (raw: it reads the trace itself)\n");
	for (size_t i = 0; i < wfad_detector_count(); i++) {
		const struct wfad_detector_ops *o = wfad_detector_at(i);
		const char *fs = o->flags & WFAD_DETECTOR_RAW_TRACE
					 ? "raw"
					 : wfad_feature_set_name(cli_default_features(o->name));
		printf("  %-10s %-12s %-8s %s\n", o->name,
		       o->flags & WFAD_DETECTOR_SUPERVISED ? "supervised" : "unsupervised", fs,
		       o->summary);
	}
	printf("run level (wfad eval/active --task run --detector NAME):\n");
	for (size_t i = 0; i < wfad_run_classifier_count(); i++) {
		const struct wfad_run_classifier_ops *o = wfad_run_classifier_at(i);
		printf("  %-10s %-12s %-8s %s\n", o->name, "supervised", "", o->summary);
	}
	return 0;
}
