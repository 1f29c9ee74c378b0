/* Job sets with owned buffers: features from a fitted featurizer, labels from the trace. */
#include <stdlib.h>
#include <string.h>

#include "wfad/eval.h"

void wfad_jobset_free(struct wfad_jobset_owned *o)
{
	if (!o)
		return;
	free(o->x);
	free(o->y);
	free(o->runs);
	free(o->columns);
	memset(o, 0, sizeof(*o));
}

enum wfad_status wfad_jobset_build(struct wfad_jobset_owned *out, const struct wfad_dataset *ds,
				   const size_t *runs, size_t n_runs,
				   const struct wfad_featurizer *fz, struct wfad_error *err)
{
	struct wfad_jobset_owned o = {0};
	size_t nodes = ds->dag.n_nodes, n = n_runs * nodes, d = wfad_features_n_cols(fz);
	enum wfad_status st = WFAD_OK;
	o.x = malloc((n * d > 0 ? n * d : 1) * sizeof(float));
	o.y = malloc((n ? n : 1));
	o.runs = malloc((n_runs ? n_runs : 1) * sizeof(size_t));
	o.columns = malloc((d ? d : 1) * sizeof(char *));
	if (!o.x || !o.y || !o.runs || !o.columns) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	memcpy(o.runs, runs, n_runs * sizeof(size_t));
	st = wfad_features_transform(fz, ds, runs, n_runs, o.x, err);
	if (st != WFAD_OK)
		goto cleanup;
	for (size_t r = 0; r < n_runs; r++)
		for (size_t i = 0; i < nodes; i++)
			o.y[r * nodes + i] = ds->runs[runs[r]].jobs[i].label;
	for (size_t c = 0; c < d; c++)
		o.columns[c] = wfad_features_column_name(fz, c);
	o.js = (struct wfad_jobset){.ds = ds,
				    .runs = o.runs,
				    .n_runs = n_runs,
				    .n = n,
				    .d = d,
				    .x = o.x,
				    .y = o.y,
				    .columns = o.columns};
	*out = o;
	memset(&o, 0, sizeof(o));
cleanup:
	wfad_jobset_free(&o);
	return st;
}
