/* Run-level gnnrun: two GCN layers over the run's DAG on per-job context features (fitted on
 * the training runs, standardised), mean + max pooling per run, an MLP head to the run label;
 * class-weighted softmax cross-entropy, AdamW, early stopping on the validation runs. */
#include <math.h>
#include <stdlib.h>

#include "gnn_net.h"
#include "wfad/eval.h"
#include "wfad/runlevel.h"

WFAD_RUN_CLASSIFIER_REGISTER(gnnrun);

struct gnn_run {
	struct wfad_run_classifier base;
	struct wfad_nnd_config cfg;
	struct wfad_featurizer fz;
	struct wfad_gnn_net net;
	bool fitted;
};

static const struct wfad_nnd_config gnnrun_defaults = {
	.hidden = 64,
	.epochs = 200,
	.batch = 32,
	.patience = 20,
	.lr = 1e-3,
	.weight_decay = 1e-4,
	.dropout = 0.1f,
};

static enum wfad_status create(const struct wfad_detector_params *p,
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
	wfad_featurizer_init(&m->fz);
	m->base.ops = &wfad_run_classifier_gnnrun;
	*out = &m->base;
	return WFAD_OK;
}

static void destroy(struct wfad_run_classifier *c)
{
	struct gnn_run *m = (struct gnn_run *)c;
	if (!m)
		return;
	wfad_featurizer_free(&m->fz);
	wfad_gnn_net_free(&m->net);
	free(m);
}

static enum wfad_status build_graph(const struct wfad_dataset *ds, struct wfad_nn_graph *g,
				    struct wfad_error *err)
{
	const struct wfad_dag *dag = &ds->dag;
	enum wfad_status st = wfad_nn_graph_build(g, dag->n_nodes, dag->child_ptr, dag->child_idx,
						  dag->parent_ptr, dag->parent_idx);
	if (st != WFAD_OK)
		return wfad_error_set(err, st, "", 0, 0,
				      "gnnrun: cannot build the DAG's adjacency");
	return WFAD_OK;
}

static enum wfad_status fit(struct wfad_run_classifier *c, const struct wfad_run_task *train,
			    const struct wfad_run_task *valid, struct wfad_error *err)
{
	struct gnn_run *m = (struct gnn_run *)c;
	wfad_gnn_net_free(&m->net);
	m->fitted = false;
	if (!train->y || train->n_runs == 0 || train->n_classes < 2 || train->ds->dag.n_nodes == 0)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "gnnrun needs labelled runs of a DAG and two classes");
	bool use_valid = valid && valid->n_runs > 0 && valid->y;
	struct wfad_jobset_owned tj = {0}, vj = {0};
	struct wfad_nn_graph g = {0};
	float *class_w = NULL;
	enum wfad_status st = wfad_features_fit(&m->fz, WFAD_FEATURES_CONTEXT, WFAD_NORM_STANDARD,
						train->ds, train->runs, train->n_runs, err);
	if (st != WFAD_OK)
		return st;
	if ((st = wfad_jobset_build(&tj, train->ds, train->runs, train->n_runs, &m->fz, err)))
		goto cleanup;
	if (use_valid &&
	    (st = wfad_jobset_build(&vj, valid->ds, valid->runs, valid->n_runs, &m->fz, err)))
		goto cleanup;
	if ((st = build_graph(train->ds, &g, err)) != WFAD_OK)
		goto cleanup;
	/* Class weights n / (C * count), 0 for a class with no training run: PyTorch's
	 * "balanced" weighting. */
	size_t C = train->n_classes;
	class_w = calloc(C, sizeof(float));
	if (!class_w) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "gnnrun: out of memory");
		goto cleanup;
	}
	for (size_t i = 0; i < train->n_runs; i++) {
		WFAD_ASSERT(train->y[i] < C);
		class_w[train->y[i]] += 1.0f;
	}
	for (size_t k = 0; k < C; k++)
		class_w[k] = class_w[k] > 0.0f
				     ? (float)((double)train->n_runs / ((double)C * class_w[k]))
				     : 0.0f;
	st = wfad_gnn_net_create(&m->net, WFAD_GNN_GRAPH_XENT, tj.js.d, (size_t)m->cfg.hidden, C,
				 false, m->cfg.dropout);
	if (st != WFAD_OK) {
		st = wfad_error_set(err, st, "", 0, 0, "gnnrun: out of memory");
		goto cleanup;
	}
	struct wfad_gnn_data td = {&g, train->n_runs, tj.js.x, NULL, train->y};
	struct wfad_gnn_data vd = {&g, use_valid ? valid->n_runs : 0, use_valid ? vj.js.x : NULL,
				   NULL, use_valid ? valid->y : NULL};
	int epochs_run, best_epoch;
	st = wfad_gnn_train(&m->net, "gnnrun", &m->cfg, &td, use_valid ? &vd : NULL, class_w,
			    &epochs_run, &best_epoch, err);
	m->fitted = st == WFAD_OK;
	if (!m->fitted)
		wfad_gnn_net_free(&m->net);
cleanup:
	free(class_w);
	wfad_nn_graph_free(&g);
	wfad_jobset_free(&tj);
	wfad_jobset_free(&vj);
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
	struct wfad_jobset_owned js = {0};
	struct wfad_nn_graph g = {0};
	enum wfad_status st =
		wfad_jobset_build(&js, task->ds, task->runs, task->n_runs, &m->fz, err);
	if (st == WFAD_OK)
		st = build_graph(task->ds, &g, err);
	if (st == WFAD_OK) {
		struct wfad_gnn_data data = {&g, task->n_runs, js.js.x, NULL, NULL};
		st = wfad_gnn_predict(&m->net, "gnnrun", &data, proba, err);
	}
	wfad_nn_graph_free(&g);
	wfad_jobset_free(&js);
	return st;
}

const struct wfad_run_classifier_ops wfad_run_classifier_gnnrun = {
	.name = "gnnrun",
	.summary = "GCN over the run's DAG on per-job context features, mean+max pooled, MLP head "
		   "(class-weighted softmax CE, AdamW, early stopping)",
	.create = create,
	.fit = fit,
	.predict = predict,
	.destroy = destroy,
};
