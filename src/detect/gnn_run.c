/* Run-level gnnrun: two GCN layers over the run's DAG plus a same-worker-host relation
 * (gnnrundag: the DAG alone) on per-job context features (fitted on the training runs,
 * standardised), mean + max pooling per run, an MLP head to the run label;
 * class-weighted softmax cross-entropy, AdamW, early stopping on the validation runs. The
 * verdict is the mean probability of an ensemble of cfg.nets such nets (5; --nets), trained
 * one after another from seeds derived from the detector's seed. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "gnn_net.h"
#include "wfad/eval.h"
#include "wfad/runlevel.h"

#define GNNRUN_MAGIC 0x53524757u     /* "WGRS": gnnrun state */
#define GNNRUN_DAG_MAGIC 0x44524757u /* "WGRD": gnnrundag state */
#define GNNRUN_NET_MAGIC 0x4e524757u /* "WGRN": one net of the ensemble */
#define GNNRUN_STATE_VERSION 1u
WFAD_RUN_CLASSIFIER_REGISTER(gnnrundag);
WFAD_RUN_CLASSIFIER_REGISTER(gnnrun);

/* One featurizer per workflow it was fitted on (a joint task has several). */
struct gnn_run {
	struct wfad_run_classifier base;
	struct wfad_nnd_config cfg;
	struct wfad_featurizer *fz;
	char **names;
	size_t n_fz;
	struct wfad_gnn_net net[WFAD_MAX_NETS];
	size_t n_nets;
	bool hosts; /* each run's graph also links the jobs of one worker host (gnnrun; not
		       gnnrundag) */
	bool fitted;
};

static const struct wfad_nnd_config gnnrun_defaults = {
	.hidden = 64,
	.epochs = 200,
	.batch = 8, /* runs; as gcn's defaults */
	.patience = 20,
	.lr = 3e-3,
	.weight_decay = 1e-4,
	.dropout = 0.1f,
	/* Nets of the ensemble: the mean of their probabilities is the verdict (5 seeds, 5
	 * workflows: one net -> five lifted accuracy on four of five workflows, ten nets did
	 * not lift montage further; docs/results.md). */
	.nets = 5,
};

static enum wfad_status create_kind(const struct wfad_detector_params *p,
				    const struct wfad_run_classifier_ops *ops,
				    struct wfad_run_classifier **out)
{
	struct gnn_run *m = calloc(1, sizeof(*m));
	if (!m)
		return WFAD_ENOMEM;
	enum wfad_status st = wfad_nnd_config(p, &gnnrun_defaults, &m->cfg);
	if (st != WFAD_OK) {
		free(m);
		return st;
	}
	m->base.ops = ops;
	m->hosts = ops == &wfad_run_classifier_gnnrun;
	*out = &m->base;
	return WFAD_OK;
}

static enum wfad_status create(const struct wfad_detector_params *p,
			       struct wfad_run_classifier **out)
{
	return create_kind(p, &wfad_run_classifier_gnnrun, out);
}

static enum wfad_status create_dag(const struct wfad_detector_params *p,
				   struct wfad_run_classifier **out)
{
	return create_kind(p, &wfad_run_classifier_gnnrundag, out);
}

static void free_featurizers(struct gnn_run *m)
{
	for (size_t i = 0; i < m->n_fz; i++) {
		wfad_featurizer_free(&m->fz[i]);
		free(m->names[i]);
	}
	free(m->fz);
	free(m->names);
	m->fz = NULL;
	m->names = NULL;
	m->n_fz = 0;
}

static void free_nets(struct gnn_run *m)
{
	for (size_t k = 0; k < m->n_nets; k++)
		wfad_gnn_net_free(&m->net[k]);
	m->n_nets = 0;
}

static void destroy(struct wfad_run_classifier *c)
{
	struct gnn_run *m = (struct gnn_run *)c;
	if (!m)
		return;
	free_featurizers(m);
	free_nets(m);
	free(m);
}

/* Fits one featurizer per part of the training task (context features, standardised). */
static enum wfad_status fit_featurizers(struct gnn_run *m, const struct wfad_run_task *train,
					struct wfad_error *err)
{
	size_t np;
	const struct wfad_run_task *parts = wfad_run_task_parts(train, &np);
	m->fz = calloc(np, sizeof(*m->fz));
	m->names = calloc(np, sizeof(*m->names));
	if (!m->fz || !m->names)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "gnnrun: out of memory");
	m->n_fz = np;
	for (size_t p = 0; p < np; p++) {
		wfad_featurizer_init(&m->fz[p]);
		if (!(m->names[p] = strdup(parts[p].ds->workflow)))
			return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "gnnrun: out of memory");
		enum wfad_status st =
			wfad_features_fit(&m->fz[p], WFAD_FEATURES_CONTEXT, WFAD_NORM_STANDARD,
					  parts[p].ds, parts[p].runs, parts[p].n_runs, err);
		if (st != WFAD_OK)
			return st;
	}
	return WFAD_OK;
}

/* The featurizer for a dataset: the only one, or the one of its workflow. */
static const struct wfad_featurizer *featurizer_for(const struct gnn_run *m,
						    const struct wfad_dataset *ds)
{
	if (m->n_fz == 1)
		return &m->fz[0];
	for (size_t i = 0; i < m->n_fz; i++)
		if (wfad_workflow_name_equal(m->names[i], ds->workflow))
			return &m->fz[i];
	return NULL;
}

/* A model trained on several workflows gets one more column per workflow, 1 on the jobs of
 * that workflow: its CPU and disk faults look different in each, and the head can condition
 * on which one a run belongs to (joint run-level accuracy 0.757 -> 0.784, docs/results.md). */
static enum wfad_status add_workflow_columns(const struct gnn_run *m,
					     const struct wfad_run_task *parts,
					     struct wfad_jobset_joint *out, struct wfad_error *err)
{
	size_t d = out->js.d, D = d + m->n_fz, n = out->js.n, row = 0;
	float *x = calloc(n * D + 1, sizeof(float));
	if (!x)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "gnnrun: out of memory");
	for (size_t p = 0; p < out->js.n_parts; p++) {
		size_t k = (size_t)(featurizer_for(m, parts[p].ds) - m->fz);
		out->parts[p].x = x + row * D; /* the parts view the new matrix too */
		out->parts[p].d = D;
		for (size_t i = 0; i < out->parts[p].n; i++, row++) {
			memcpy(x + row * D, out->js.x + row * d, d * sizeof(float));
			x[row * D + d + k] = 1.0f;
		}
	}
	free(out->x);
	out->x = x;
	out->js.x = x;
	out->js.d = D;
	return WFAD_OK;
}

/* Features of every job of the task's runs, joined over its parts. */
static enum wfad_status task_jobs(const struct gnn_run *m, const struct wfad_run_task *task,
				  struct wfad_jobset_joint *out, struct wfad_error *err)
{
	size_t np;
	const struct wfad_run_task *parts = wfad_run_task_parts(task, &np);
	struct wfad_jobset_owned *own = calloc(np, sizeof(*own));
	struct wfad_jobset *views = calloc(np, sizeof(*views));
	enum wfad_status st = WFAD_OK;
	if (!own || !views)
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "gnnrun: out of memory");
	for (size_t p = 0; st == WFAD_OK && p < np; p++) {
		const struct wfad_featurizer *fz = featurizer_for(m, parts[p].ds);
		if (!fz) {
			st = wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
					    "gnnrun: not trained on workflow '%s'",
					    parts[p].ds->workflow);
			break;
		}
		st = wfad_jobset_build(&own[p], parts[p].ds, parts[p].runs, parts[p].n_runs, fz,
				       err);
		if (st == WFAD_OK)
			views[p] = own[p].js;
	}
	if (st == WFAD_OK)
		st = wfad_jobset_join(out, views, np, err);
	/* The joined parts borrow their runs and columns: point them at what outlives own[]. */
	for (size_t p = 0; st == WFAD_OK && p < np; p++) {
		out->parts[p].runs = parts[p].runs;
		out->parts[p].columns = NULL;
	}
	if (st == WFAD_OK)
		out->js.columns = NULL;
	if (st == WFAD_OK && m->n_fz > 1)
		st = add_workflow_columns(m, parts, out, err);
	for (size_t p = 0; own && p < np; p++)
		wfad_jobset_free(&own[p]);
	free(own);
	free(views);
	return st;
}

/* Balanced class weights of the training runs' labels (0 for a class with no training run).
 * NULL when out of memory. */
static float *class_weights(const struct wfad_run_task *train)
{
	size_t C = train->n_classes;
	float *w = calloc(C, sizeof(float));
	size_t *count = calloc(C, sizeof(size_t));
	if (!w || !count) {
		free(w);
		free(count);
		return NULL;
	}
	for (size_t i = 0; i < train->n_runs; i++) {
		WFAD_ASSERT(train->y[i] < C);
		count[train->y[i]]++;
	}
	wfad_nn_balanced_weights(C, count, w);
	free(count);
	return w;
}

static enum wfad_status fit(struct wfad_run_classifier *c, const struct wfad_run_task *train,
			    const struct wfad_run_task *valid, struct wfad_error *err)
{
	struct gnn_run *m = (struct gnn_run *)c;
	free_nets(m);
	free_featurizers(m);
	m->fitted = false;
	if (!train->y || train->n_runs == 0 || train->n_classes < 2)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "gnnrun needs labelled runs of a DAG and two classes");
	bool use_valid = valid && valid->n_runs > 0 && valid->y;
	struct wfad_jobset_joint tj = {0}, vj = {0};
	struct wfad_gnn_graphs g = {0}, gv = {0};
	float *class_w = NULL;
	enum wfad_status st = fit_featurizers(m, train, err);
	if (st == WFAD_OK)
		st = task_jobs(m, train, &tj, err);
	if (st == WFAD_OK && use_valid)
		st = task_jobs(m, valid, &vj, err);
	if (st == WFAD_OK)
		st = wfad_gnn_graphs_build(&g, &tj.js, m->hosts, "gnnrun", err);
	if (st == WFAD_OK && use_valid)
		st = wfad_gnn_graphs_build(&gv, &vj.js, m->hosts, "gnnrun", err);
	if (st != WFAD_OK)
		goto cleanup;
	size_t C = train->n_classes;
	class_w = class_weights(train);
	struct wfad_gnn_data td = wfad_gnn_data_of(&g, tj.js.x, NULL, train->y);
	struct wfad_gnn_data vd = wfad_gnn_data_of(&gv, vj.js.x, NULL, use_valid ? valid->y : NULL);
	if (!class_w ||
	    wfad_gnn_net_create(&m->net[0], WFAD_GNN_GRAPH_XENT, tj.js.d, (size_t)m->cfg.hidden, C,
				false, m->cfg.dropout) != WFAD_OK)
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "gnnrun: out of memory");
	else
		st = wfad_gnn_train_ensemble(m->net, &m->n_nets, "gnnrun", &m->cfg, &td,
					     use_valid ? &vd : NULL, class_w, err);
	m->fitted = st == WFAD_OK;
	if (!m->fitted)
		free_nets(m);
cleanup:
	free(class_w);
	wfad_gnn_graphs_free(&g);
	wfad_gnn_graphs_free(&gv);
	wfad_jobset_joint_free(&tj);
	wfad_jobset_joint_free(&vj);
	return st;
}

static enum wfad_status predict(const struct wfad_run_classifier *c,
				const struct wfad_run_task *task, double *proba,
				struct wfad_error *err)
{
	const struct gnn_run *m = (const struct gnn_run *)c;
	if (!m->fitted)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "gnnrun: not fitted");
	if (task->n_runs == 0)
		return WFAD_OK;
	if (task->n_classes != m->net[0].out)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "gnnrun: trained on %zu classes, asked for %zu",
				      m->net[0].out, task->n_classes);
	struct wfad_jobset_joint js = {0};
	struct wfad_gnn_graphs g = {0};
	enum wfad_status st = task_jobs(m, task, &js, err);
	if (st == WFAD_OK)
		st = wfad_gnn_graphs_build(&g, &js.js, m->hosts, "gnnrun", err);
	if (st == WFAD_OK) {
		struct wfad_gnn_data data = wfad_gnn_data_of(&g, js.js.x, NULL, NULL);
		size_t N = task->n_runs * task->n_classes;
		double *p = malloc((N + 1) * sizeof(double));
		if (!p)
			st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "gnnrun: out of memory");
		for (size_t i = 0; p && i < N; i++)
			proba[i] = 0.0;
		for (size_t k = 0; st == WFAD_OK && k < m->n_nets; k++) {
			st = wfad_gnn_predict(&m->net[k], "gnnrun", &data, p, err);
			for (size_t i = 0; st == WFAD_OK && i < N; i++)
				proba[i] += p[i] / (double)m->n_nets;
		}
		free(p);
	}
	wfad_gnn_graphs_free(&g);
	wfad_jobset_joint_free(&js);
	return st;
}

/* ---- save / load / explain ---------------------------------------------------------------- */

static uint32_t state_magic(const struct gnn_run *m)
{
	return m->hosts ? GNNRUN_MAGIC : GNNRUN_DAG_MAGIC;
}

/* State: u32 magic, u32 version, u32 featurizers, per featurizer its workflow name and blob,
 * u32 nets, each net's blob. */
static enum wfad_status save(const struct wfad_run_classifier *c, FILE *f)
{
	const struct gnn_run *m = (const struct gnn_run *)c;
	WFAD_ASSERT(m->fitted);
	if (!wfad_io_write_u32(f, state_magic(m)) || !wfad_io_write_u32(f, GNNRUN_STATE_VERSION) ||
	    !wfad_io_write_u32(f, (uint32_t)m->n_fz))
		return WFAD_EIO;
	for (size_t i = 0; i < m->n_fz; i++) {
		enum wfad_status st = wfad_io_write_str(f, m->names[i])
					      ? wfad_features_save(&m->fz[i], f)
					      : WFAD_EIO;
		if (st != WFAD_OK)
			return st;
	}
	if (!wfad_io_write_u32(f, (uint32_t)m->n_nets))
		return WFAD_EIO;
	for (size_t k = 0; k < m->n_nets; k++) {
		enum wfad_status st = wfad_gnn_save(&m->net[k], GNNRUN_NET_MAGIC, f);
		if (st != WFAD_OK)
			return st;
	}
	return WFAD_OK;
}

static enum wfad_status load(struct wfad_run_classifier *c, FILE *f, struct wfad_error *err)
{
	struct gnn_run *m = (struct gnn_run *)c;
	const char *name = m->base.ops->name;
	uint32_t n_fz, n_nets;
	char what[64];
	snprintf(what, sizeof(what), "%s state", name);
	enum wfad_status tag = wfad_io_read_tag(f, state_magic(m), GNNRUN_STATE_VERSION, what, err);
	if (tag != WFAD_OK)
		return tag;
	if (!wfad_io_read_u32(f, &n_fz))
		goto truncated;
	if (n_fz == 0 || n_fz > 1024)
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "%s state with %u featurizers",
				      name, n_fz);
	m->fz = calloc(n_fz, sizeof(*m->fz));
	m->names = calloc(n_fz, sizeof(*m->names));
	if (!m->fz || !m->names)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory", name);
	for (uint32_t i = 0; i < n_fz; i++) {
		char buf[WFAD_IO_MAX_STRING + 1];
		wfad_featurizer_init(&m->fz[i]);
		m->n_fz = i + 1;
		if (!wfad_io_read_str(f, buf, sizeof(buf)))
			goto truncated;
		if (!(m->names[i] = strdup(buf)))
			return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory",
					      name);
		enum wfad_status st = wfad_features_load(&m->fz[i], f, err);
		if (st != WFAD_OK)
			return st;
	}
	size_t d = wfad_features_n_cols(&m->fz[0]) + (n_fz > 1 ? n_fz : 0);
	for (uint32_t i = 1; i < n_fz; i++)
		if (wfad_features_n_cols(&m->fz[i]) != wfad_features_n_cols(&m->fz[0]))
			return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
					      "%s state: featurizers of different widths", name);
	if (!wfad_io_read_u32(f, &n_nets))
		goto truncated;
	if (n_nets == 0 || n_nets > WFAD_MAX_NETS)
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "%s state with %u nets", name,
				      n_nets);
	for (uint32_t k = 0; k < n_nets; k++) {
		enum wfad_status st = wfad_gnn_load(&m->net[k], name, GNNRUN_NET_MAGIC,
						    WFAD_GNN_GRAPH_XENT, m->cfg.dropout, f, err);
		if (st != WFAD_OK)
			return st;
		m->n_nets = k + 1;
		if (m->net[k].d != d || m->net[k].out != m->net[0].out)
			return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
					      "%s state: a net of %zu inputs where the features "
					      "have %zu",
					      name, m->net[k].d, d);
	}
	m->fitted = true;
	return WFAD_OK;
truncated:
	return wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated %s state", name);
}

/* Gradient x input of the log-odds of class k against class 0, averaged over the nets,
 * summed over each job's features; the feature with the largest share names the job's
 * reason. */
static enum wfad_status explain(const struct wfad_run_classifier *c,
				const struct wfad_run_task *task, size_t i, size_t k, double *out,
				const char **feature, struct wfad_error *err)
{
	const struct gnn_run *m = (const struct gnn_run *)c;
	if (!m->fitted)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "gnnrun: not fitted");
	if (!task->ds || i >= task->n_runs || k >= m->net[0].out)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "gnnrun: explains one run of one workflow");
	struct wfad_run_task one = wfad_run_task_one(task, i);
	struct wfad_jobset_joint js = {0};
	struct wfad_gnn_graphs g = {0};
	float *dx = NULL;
	double *acc = NULL;
	enum wfad_status st = task_jobs(m, &one, &js, err);
	if (st == WFAD_OK)
		st = wfad_gnn_graphs_build(&g, &js.js, m->hosts, "gnnrun", err);
	size_t n = js.js.n, d = js.js.d;
	if (st == WFAD_OK && (!(dx = malloc((n * d + 1) * sizeof(float))) ||
			      !(acc = calloc(n * d + 1, sizeof(double)))))
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "gnnrun: out of memory");
	for (size_t q = 0; st == WFAD_OK && q < m->n_nets; q++) {
		if ((st = wfad_gnn_input_gradient(&m->net[q], g.g[0], js.js.x, k, dx)) != WFAD_OK) {
			st = wfad_error_set(err, st, "", 0, 0, "gnnrun: cannot explain");
			break;
		}
		for (size_t e = 0; e < n * d; e++)
			acc[e] += (double)dx[e] * js.js.x[e] / (double)m->n_nets;
	}
	/* The workflow columns of a joint model come after the featurizer's. */
	const struct wfad_featurizer *fz = st == WFAD_OK ? featurizer_for(m, task->ds) : NULL;
	size_t named = fz ? wfad_features_n_cols(fz) : 0;
	for (size_t j = 0; st == WFAD_OK && j < n; j++) {
		double s = 0.0, top = 0.0;
		size_t at = d;
		for (size_t col = 0; col < d; col++) {
			s += acc[j * d + col];
			if (acc[j * d + col] > top) {
				top = acc[j * d + col];
				at = col;
			}
		}
		out[j] = s;
		if (feature)
			feature[j] = at == d      ? NULL
				     : at < named ? wfad_features_column_name(fz, at)
						  : "workflow";
	}
	free(dx);
	free(acc);
	wfad_gnn_graphs_free(&g);
	wfad_jobset_joint_free(&js);
	return st;
}

const struct wfad_run_classifier_ops wfad_run_classifier_gnnrundag = {
	.name = "gnnrundag",
	.summary = "gnnrun over the run's DAG alone (no host relation)",
	.create = create_dag,
	.fit = fit,
	.predict = predict,
	.destroy = destroy,
	.flags = WFAD_RUN_CLASSIFIER_JOINT,
	.save = save,
	.load = load,
	.explain = explain,
};

const struct wfad_run_classifier_ops wfad_run_classifier_gnnrun = {
	.name = "gnnrun",
	.summary = "GCN over each run's DAG plus a same-worker-host relation (each job linked to "
		   "the next 8 jobs of its host) on per-job context features, mean+max pooled, MLP "
		   "head (class-weighted softmax CE, AdamW, early stopping), ensemble of 5 seeds",
	.create = create,
	.fit = fit,
	.predict = predict,
	.destroy = destroy,
	.flags = WFAD_RUN_CLASSIFIER_JOINT,
	.save = save,
	.load = load,
	.explain = explain,
};
