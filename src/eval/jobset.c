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
	free(o->family);
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
	o.family = malloc((n ? n : 1));
	o.runs = malloc((n_runs ? n_runs : 1) * sizeof(size_t));
	o.columns = malloc((d ? d : 1) * sizeof(char *));
	if (!o.x || !o.y || !o.family || !o.runs || !o.columns) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	memcpy(o.runs, runs, n_runs * sizeof(size_t));
	st = wfad_features_transform(fz, ds, runs, n_runs, o.x, err);
	if (st != WFAD_OK)
		goto cleanup;
	for (size_t r = 0; r < n_runs; r++)
		for (size_t i = 0; i < nodes; i++) {
			const struct wfad_job *j = &ds->runs[runs[r]].jobs[i];
			o.y[r * nodes + i] = j->label;
			o.family[r * nodes + i] = j->label ? j->anomaly : WFAD_ANOMALY_NONE;
		}
	for (size_t c = 0; c < d; c++)
		o.columns[c] = wfad_features_column_name(fz, c);
	o.js = (struct wfad_jobset){.ds = ds,
				    .runs = o.runs,
				    .n_runs = n_runs,
				    .n = n,
				    .d = d,
				    .x = o.x,
				    .y = o.y,
				    .columns = o.columns,
				    .family = o.family};
	*out = o;
	memset(&o, 0, sizeof(o));
cleanup:
	wfad_jobset_free(&o);
	return st;
}

void wfad_jobset_joint_free(struct wfad_jobset_joint *j)
{
	if (!j)
		return;
	free(j->x);
	free(j->y);
	free(j->family);
	free(j->parts);
	memset(j, 0, sizeof(*j));
}

enum wfad_status wfad_jobset_join(struct wfad_jobset_joint *out, const struct wfad_jobset *parts,
				  size_t n_parts, struct wfad_error *err)
{
	struct wfad_jobset_joint j = {0};
	size_t n = 0, n_runs = 0, d = n_parts ? parts[0].d : 0;
	bool labelled = true, families = true;
	for (size_t p = 0; p < n_parts; p++) {
		if (parts[p].d != d)
			return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
					      "cannot join job sets of %zu and %zu feature columns",
					      d, parts[p].d);
		n += parts[p].n;
		n_runs += parts[p].n_runs;
		labelled = labelled && parts[p].y;
		families = families && parts[p].family;
	}
	j.x = malloc((n * d > 0 ? n * d : 1) * sizeof(float));
	j.y = labelled ? malloc(n ? n : 1) : NULL;
	j.family = families ? malloc(n ? n : 1) : NULL;
	j.parts = malloc((n_parts ? n_parts : 1) * sizeof(*j.parts));
	if (!j.x || (labelled && !j.y) || (families && !j.family) || !j.parts) {
		wfad_jobset_joint_free(&j);
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
	}
	size_t at = 0;
	for (size_t p = 0; p < n_parts; p++) {
		j.parts[p] = parts[p];
		j.parts[p].x = j.x + at * d;
		j.parts[p].y = labelled ? j.y + at : NULL;
		j.parts[p].family = families ? j.family + at : NULL;
		if (families)
			memcpy(j.family + at, parts[p].family, parts[p].n);
		memcpy(j.x + at * d, parts[p].x, parts[p].n * d * sizeof(float));
		if (labelled)
			memcpy(j.y + at, parts[p].y, parts[p].n);
		at += parts[p].n;
	}
	j.js = (struct wfad_jobset){.n_runs = n_runs,
				    .n = n,
				    .d = d,
				    .x = j.x,
				    .y = j.y,
				    .family = j.family,
				    .columns = n_parts ? parts[0].columns : NULL,
				    .parts = j.parts,
				    .n_parts = n_parts};
	*out = j;
	return WFAD_OK;
}
