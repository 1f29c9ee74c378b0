/* wfad eval --task run: run-level classification results, with the confusion matrix. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "wfad/runlevel.h"

static void stat_json(const char *name, const double *v, unsigned n)
{
	struct wfad_stat s = wfad_stat_of(v, n);
	printf(", \"%s\": {\"mean\": ", name);
	if (s.n)
		printf("%.4f, \"std\": %.4f}", s.mean, s.std);
	else
		printf("null, \"std\": null}");
}

int cli_eval_runs(const struct wfad_dataset *const *ds, size_t n_ds, const char *workflow,
		  const struct wfad_eval_options *o, const char *format,
		  struct cli_predictions *pred)
{
	struct wfad_run_eval_result *res = calloc(o->n_detectors, sizeof(*res));
	struct wfad_error err;
	wfad_error_clear(&err);
	if (!res)
		wfad_error_set(&err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	bool ok = res && wfad_eval_runs_joint(ds, n_ds, o, res, &err) == WFAD_OK;
	if (!ok)
		cli_error(&err); /* before the file's own error, if any */
	if (cli_predictions_close(pred, ok) != 0 && ok) {
		for (size_t d = 0; d < o->n_detectors; d++)
			wfad_run_eval_result_free(&res[d]);
		ok = false;
	}
	if (!ok) {
		free(res);
		return EXIT_DATA;
	}
	if (strcmp(format, "json") == 0) {
		printf("{\"workflow\": \"%s\", \"task\": \"run\", \"split\": \"run\", \"seeds\": "
		       "%u, "
		       "\"results\": [",
		       workflow, o->seeds);
		for (size_t d = 0; d < o->n_detectors; d++) {
			const struct wfad_run_eval_result *r = &res[d];
			printf("%s\n  {\"detector\": \"%s\"", d ? "," : "", r->detector);
			stat_json("accuracy", r->accuracy, r->seeds);
			stat_json("macro_f1", r->macro_f1, r->seeds);
			stat_json("binary_accuracy", r->binary_accuracy, r->seeds);
			stat_json("binary_roc_auc", r->binary_roc_auc, r->seeds);
			stat_json("fit_seconds", r->fit_seconds, r->seeds);
			printf(", \"confusion\": {\"labels\": [");
			for (size_t c = 0; c < r->n_classes; c++)
				printf("%s\"%s\"", c ? ", " : "", r->classes[c]);
			printf("], \"counts\": [");
			for (size_t t = 0; t < r->n_classes; t++) {
				printf("%s[", t ? ", " : "");
				for (size_t p = 0; p < r->n_classes; p++)
					printf("%s%zu", p ? ", " : "",
					       r->confusion[t * r->n_classes + p]);
				printf("]");
			}
			printf("]}}");
		}
		printf("\n]}\n");
	} else if (strcmp(format, "csv") == 0) {
		printf("workflow,detector,seeds,metric,mean,std\n");
		for (size_t d = 0; d < o->n_detectors; d++) {
			const struct wfad_run_eval_result *r = &res[d];
			const struct {
				const char *name;
				const double *v;
			} m[] = {{"accuracy", r->accuracy},
				 {"macro_f1", r->macro_f1},
				 {"binary_accuracy", r->binary_accuracy},
				 {"binary_roc_auc", r->binary_roc_auc},
				 {"fit_seconds", r->fit_seconds}};
			for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
				struct wfad_stat s = wfad_stat_of(m[i].v, r->seeds);
				printf("%s,%s,%u,%s,", workflow, r->detector, r->seeds, m[i].name);
				if (s.n)
					printf("%.6f,%.6f\n", s.mean, s.std);
				else
					printf(",\n");
			}
		}
	} else {
		printf("%s: run level, split by run 60/20/20 stratified by label, %u seeds\n",
		       workflow, o->seeds);
		printf("%-10s %-15s %-15s %-15s %-15s %8s\n", "detector", "accuracy", "macro-F1",
		       "binary acc", "binary AUC", "fit s");
		for (size_t d = 0; d < o->n_detectors; d++) {
			const struct wfad_run_eval_result *r = &res[d];
			printf("%-10s", r->detector);
			cli_stat_cell(r->accuracy, r->seeds, 15);
			cli_stat_cell(r->macro_f1, r->seeds, 15);
			cli_stat_cell(r->binary_accuracy, r->seeds, 15);
			cli_stat_cell(r->binary_roc_auc, r->seeds, 15);
			printf(" %8.2f\n", wfad_stat_of(r->fit_seconds, r->seeds).mean);
			printf("  confusion over %u seeds (rows: true label, columns: predicted)\n",
			       r->seeds);
			printf("  %-8s", "");
			for (size_t c = 0; c < r->n_classes; c++)
				printf(" %7s", r->classes[c]);
			putchar('\n');
			for (size_t t = 0; t < r->n_classes; t++) {
				printf("  %-8s", r->classes[t]);
				for (size_t p = 0; p < r->n_classes; p++)
					printf(" %7zu", r->confusion[t * r->n_classes + p]);
				putchar('\n');
			}
		}
	}
	for (size_t d = 0; d < o->n_detectors; d++)
		wfad_run_eval_result_free(&res[d]);
	free(res);
	return 0;
}
