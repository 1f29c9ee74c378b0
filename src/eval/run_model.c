/* Run-level model files: a fitted run classifier with its classes and the workflow it was
 * trained on. Layout in include/wfad/runlevel.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/runlevel.h"

#define RUN_MODEL_MAGIC "WFADRUN"
#define RUN_MODEL_END "WFADEND"
enum { RUN_MODEL_VERSION = 2, MAX_CLASSES = 4096, MAX_RUNS = 1 << 20 };

void wfad_run_model_free(struct wfad_run_model *m)
{
	if (!m)
		return;
	if (m->c)
		m->ops->destroy(m->c);
	for (size_t k = 0; m->classes && k < m->n_classes; k++)
		free(m->classes[k]);
	free(m->classes);
	for (size_t i = 0; m->fit_runs && i < m->n_fit_runs; i++)
		free(m->fit_runs[i]);
	free(m->fit_runs);
	memset(m, 0, sizeof(*m));
}

/* The class index of each run (labels looked up in classes); false for a run without one. */
static bool class_of(const struct wfad_dataset *ds, const size_t *runs, size_t n,
		     const char *const *classes, size_t n_classes, uint32_t *y, size_t *bad)
{
	for (size_t i = 0; i < n; i++) {
		const char *label = ds->runs[runs[i]].label;
		size_t k = 0;
		while (label && k < n_classes && strcmp(classes[k], label) != 0)
			k++;
		if (!label || !*label || k == n_classes) {
			*bad = runs[i];
			return false;
		}
		y[i] = (uint32_t)k;
	}
	return true;
}

enum wfad_status wfad_run_model_train(struct wfad_run_model *m, const char *name,
				      const struct wfad_detector_params *p,
				      const struct wfad_dataset *ds, const size_t *train,
				      size_t n_train, const size_t *valid, size_t n_valid,
				      struct wfad_error *err)
{
	struct wfad_run_model t = {0};
	t.ops = wfad_run_classifier_find(name);
	if (!t.ops)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "unknown run classifier '%s'",
				      name);
	if (!t.ops->save) {
		char can[256] = "";
		for (size_t i = 0, at = 0; i < wfad_run_classifier_count(); i++) {
			const struct wfad_run_classifier_ops *o = wfad_run_classifier_at(i);
			if (o->save && at < sizeof(can))
				at += (size_t)snprintf(can + at, sizeof(can) - at, "%s%s",
						       at ? ", " : "", o->name);
		}
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "run classifier '%s' cannot be saved (these can: %s)", name,
				      can);
	}
	const char **labels = NULL;
	size_t n_classes = wfad_run_labels(ds, &labels);
	uint32_t *y = malloc((n_train + n_valid + 1) * sizeof(uint32_t));
	t.classes = calloc(n_classes + 1, sizeof(char *));
	enum wfad_status st = WFAD_ENOMEM;
	if (!y || !t.classes)
		goto fail;
	t.n_classes = n_classes;
	for (size_t k = 0; k < n_classes; k++)
		if (!(t.classes[k] = strdup(labels[k])))
			goto fail;
	if (!(t.fit_runs = calloc(n_train + n_valid + 1, sizeof(char *))))
		goto fail;
	t.n_fit_runs = n_train + n_valid;
	for (size_t i = 0; i < n_train + n_valid; i++)
		if (!(t.fit_runs[i] =
			      strdup(ds->runs[i < n_train ? train[i] : valid[i - n_train]].id)))
			goto fail;
	size_t bad;
	if (!class_of(ds, train, n_train, labels, n_classes, y, &bad) ||
	    !class_of(ds, valid, n_valid, labels, n_classes, y + n_train, &bad)) {
		st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "run '%s' has no run label",
				    ds->runs[bad].id);
		goto out;
	}
	struct wfad_run_task tr = {.ds = ds,
				   .runs = train,
				   .n_runs = n_train,
				   .y = y,
				   .classes = labels,
				   .n_classes = n_classes};
	struct wfad_run_task va = tr;
	va.runs = valid;
	va.n_runs = n_valid;
	va.y = y + n_train;
	if ((st = t.ops->create(p, &t.c)) != WFAD_OK)
		goto fail;
	if ((st = t.ops->fit(t.c, &tr, n_valid ? &va : NULL, err)) != WFAD_OK)
		goto out;
	snprintf(t.workflow, sizeof(t.workflow), "%s", ds->workflow ? ds->workflow : "");
	t.dag_hash = wfad_dag_hash(&ds->dag);
	t.n_nodes = (uint32_t)ds->dag.n_nodes;
	t.n_train_runs = n_train;
	wfad_run_model_free(m);
	*m = t;
	free(labels);
	free(y);
	return WFAD_OK;
fail:
	st = wfad_error_set(err, st, "", 0, 0, "%s: out of memory", name);
out:
	wfad_run_model_free(&t);
	free(labels);
	free(y);
	return st;
}

/* The task of runs of ds under the model's classes (no labels). */
static enum wfad_status task_of(const struct wfad_run_model *m, const struct wfad_dataset *ds,
				const size_t *runs, size_t n_runs, struct wfad_run_task *t,
				struct wfad_error *err)
{
	if (!wfad_workflow_name_equal(m->workflow, ds->workflow ? ds->workflow : ""))
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "the model was trained on workflow '%s'; these runs are of "
				      "'%s'",
				      m->workflow, ds->workflow ? ds->workflow : "(unnamed)");
	*t = (struct wfad_run_task){.ds = ds,
				    .runs = runs,
				    .n_runs = n_runs,
				    .classes = (const char *const *)m->classes,
				    .n_classes = m->n_classes};
	return WFAD_OK;
}

enum wfad_status wfad_run_model_predict(const struct wfad_run_model *m,
					const struct wfad_dataset *ds, const size_t *runs,
					size_t n_runs, double *proba, struct wfad_error *err)
{
	struct wfad_run_task t;
	enum wfad_status st = task_of(m, ds, runs, n_runs, &t, err);
	return st == WFAD_OK ? m->ops->predict(m->c, &t, proba, err) : st;
}

enum wfad_status wfad_run_model_explain(const struct wfad_run_model *m,
					const struct wfad_dataset *ds, size_t run, size_t k,
					double *out, const char **feature, struct wfad_error *err)
{
	if (!m->ops->explain)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s does not explain its verdicts", m->ops->name);
	struct wfad_run_task t;
	enum wfad_status st = task_of(m, ds, &run, 1, &t, err);
	return st == WFAD_OK ? m->ops->explain(m->c, &t, 0, k, out, feature, err) : st;
}

enum wfad_status wfad_run_model_explain_features(const struct wfad_run_model *m,
						 const struct wfad_dataset *ds, size_t run,
						 size_t k, size_t max,
						 char (*name)[WFAD_RUN_REASON_LEN], double *value,
						 size_t *n, struct wfad_error *err)
{
	if (!m->ops->explain_features)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s does not explain its verdicts by run features",
				      m->ops->name);
	struct wfad_run_task t;
	enum wfad_status st = task_of(m, ds, &run, 1, &t, err);
	return st == WFAD_OK ? m->ops->explain_features(m->c, &t, 0, k, max, name, value, n, err)
			     : st;
}

enum wfad_status wfad_run_model_save(const struct wfad_run_model *m, const char *path,
				     struct wfad_error *err)
{
	WFAD_ASSERT(m->c && m->ops->save);
	char *tmp;
	FILE *f = wfad_io_open_temp(path, &tmp, err);
	if (!f)
		return err->status;
	bool ok = fwrite(RUN_MODEL_MAGIC, 1, 8, f) == 8 &&
		  wfad_io_write_u32(f, RUN_MODEL_VERSION) && wfad_io_write_str(f, m->ops->name) &&
		  wfad_io_write_str(f, m->workflow) && wfad_io_write_u64(f, m->dag_hash) &&
		  wfad_io_write_u32(f, m->n_nodes) && wfad_io_write_u64(f, m->n_train_runs) &&
		  wfad_io_write_u32(f, (uint32_t)m->n_classes);
	for (size_t k = 0; ok && k < m->n_classes; k++)
		ok = wfad_io_write_str(f, m->classes[k]);
	ok = ok && wfad_io_write_u32(f, (uint32_t)m->n_fit_runs);
	for (size_t i = 0; ok && i < m->n_fit_runs; i++)
		ok = wfad_io_write_str(f, m->fit_runs[i]);
	ok = ok && m->ops->save(m->c, f) == WFAD_OK && fwrite(RUN_MODEL_END, 1, 8, f) == 8;
	return wfad_io_commit_temp(f, tmp, path, ok, err);
}

bool wfad_run_model_fitted_on(const struct wfad_run_model *m, const char *run_id)
{
	for (size_t i = 0; i < m->n_fit_runs; i++)
		if (strcmp(m->fit_runs[i], run_id) == 0)
			return true;
	return false;
}

bool wfad_run_model_is_file(const char *path)
{
	char magic[8];
	FILE *f = fopen(path, "rb");
	bool yes = f && fread(magic, 1, 8, f) == 8 && memcmp(magic, RUN_MODEL_MAGIC, 8) == 0;
	if (f)
		fclose(f);
	return yes;
}

enum wfad_status wfad_run_model_load(struct wfad_run_model *m, const char *path,
				     struct wfad_error *err)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return wfad_error_set(err, WFAD_EIO, path, 0, 0, "cannot open: %s",
				      strerror(errno));
	enum wfad_status st = wfad_run_model_read(m, f, path, err);
	fclose(f);
	return st;
}

enum wfad_status wfad_run_model_read(struct wfad_run_model *m, FILE *f, const char *path,
				     struct wfad_error *err)
{
	struct wfad_run_model t = {0};
	enum wfad_status st = WFAD_OK;
	char name[128], end[8];
	uint32_t n_classes;
	uint64_t n_train;
	if ((st = wfad_io_read_head(f, RUN_MODEL_MAGIC, RUN_MODEL_VERSION, path, "run-level model",
				    err)) != WFAD_OK)
		goto cleanup;
#define NEED(cond, what)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			st = wfad_error_set(err, WFAD_EPARSE, path, 0, 0,                          \
					    "truncated or corrupt run-level model file (%s)",      \
					    what);                                                 \
			goto cleanup;                                                              \
		}                                                                                  \
	} while (0)
	NEED(wfad_io_read_str(f, name, sizeof(name)), "classifier name");
	t.ops = wfad_run_classifier_find(name);
	if (!t.ops || !t.ops->load) {
		st = wfad_error_set(err, WFAD_EFORMAT, path, 0, 0,
				    "model uses run classifier '%s', which this wfad cannot load",
				    name);
		goto cleanup;
	}
	NEED(wfad_io_read_str(f, t.workflow, sizeof(t.workflow)), "workflow");
	NEED(wfad_io_read_u64(f, &t.dag_hash) && wfad_io_read_u32(f, &t.n_nodes), "DAG");
	NEED(wfad_io_read_u64(f, &n_train), "training size");
	t.n_train_runs = (size_t)n_train;
	NEED(wfad_io_read_u32(f, &n_classes) && n_classes >= 2 && n_classes <= MAX_CLASSES,
	     "classes");
	NEED((t.classes = calloc(n_classes, sizeof(char *))) != NULL, "classes");
	t.n_classes = n_classes;
	for (uint32_t k = 0; k < n_classes; k++) {
		char buf[WFAD_IO_MAX_STRING + 1];
		NEED(wfad_io_read_str(f, buf, sizeof(buf)) && (t.classes[k] = strdup(buf)),
		     "class names");
	}
	uint32_t n_fit;
	NEED(wfad_io_read_u32(f, &n_fit) && n_fit <= MAX_RUNS, "fitted-on runs");
	NEED((t.fit_runs = calloc(n_fit + 1, sizeof(char *))) != NULL, "fitted-on runs");
	t.n_fit_runs = n_fit;
	for (uint32_t i = 0; i < n_fit; i++) {
		char buf[WFAD_IO_MAX_STRING + 1];
		NEED(wfad_io_read_str(f, buf, sizeof(buf)) && (t.fit_runs[i] = strdup(buf)),
		     "fitted-on runs");
	}
	struct wfad_detector_params p = {0};
	if ((st = t.ops->create(&p, &t.c)) != WFAD_OK) {
		st = wfad_error_set(err, st, path, 0, 0, "%s: out of memory", name);
		goto cleanup;
	}
	if ((st = t.ops->load(t.c, f, err)) != WFAD_OK) {
		char msg[sizeof(err->message)];
		snprintf(msg, sizeof(msg), "%s", err->message);
		st = wfad_error_set(err, st, path, 0, 0, "%s", msg);
		goto cleanup;
	}
	NEED(fread(end, 1, 8, f) == 8 && memcmp(end, RUN_MODEL_END, 8) == 0, "end marker");
#undef NEED
	wfad_run_model_free(m);
	*m = t;
	memset(&t, 0, sizeof(t));
cleanup:
	wfad_run_model_free(&t);
	return st;
}
