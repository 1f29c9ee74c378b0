/* Internal to src/detect: the two-layer GCN network shared by the graph detectors (gcn, gcnae)
 * and the gnnrun run classifier, its training loop (mini-batches of whole graphs, AdamW,
 * early stopping on a validation loss), inference and model I/O. */
#ifndef WFAD_DETECT_GNN_NET_H
#define WFAD_DETECT_GNN_NET_H

#include "nn_train.h"
#include "wfad/nn.h"

enum wfad_gnn_task {
	WFAD_GNN_NODE_BCE,   /* one logit per node, weighted BCE; output = P(anomalous) */
	WFAD_GNN_NODE_MSE,   /* reconstruct the node's features; output = per-node MSE */
	WFAD_GNN_GRAPH_XENT, /* mean+max pooled graph -> class logits, weighted softmax CE */
	WFAD_GNN_NODE_XENT,  /* `out` class logits per node (fault family), weighted softmax CE;
			      * output = the node's class probabilities */
};

/* x -> GCN(d->h) -> ReLU/dropout -> GCN(h->h) -> ReLU/dropout -> head; the head's input is
 * the node's h values (with skip: and its d input features) or, for graph tasks, the graph's
 * mean and max pooled h values; head = dense(->h), ReLU, dropout, dense(->out). One model
 * block; the graph S is borrowed from the caller of each pass. */
struct wfad_gnn_net {
	enum wfad_gnn_task task;
	size_t d, h, out;
	bool skip;
	float dropout;
	struct wfad_nn_dense layer[4]; /* gcn0, gcn1, head0, head1 */
	struct wfad_nn_block block;
};

/* What a pass over graphs of the task reads: n_graphs graphs, graph i with adjacency g[i]
 * and node rows [row0[i], row0[i + 1]) of x (row0[n_graphs] x d) and y_node; graphs may be of
 * different DAGs (workflows trained together). Labels of the task: node 0/1 or graph class.
 * Borrowed. */
struct wfad_gnn_data {
	size_t n_graphs;
	const struct wfad_nn_graph *const *g;
	const size_t *row0;
	const float *x;
	const uint8_t *y_node;   /* NODE_BCE: 0/1; NODE_XENT: class */
	const uint32_t *y_graph; /* GRAPH_XENT */
};

/* The graphs of a jobset's runs (one adjacency per dataset, shared by its runs) in the layout
 * wfad_gnn_data reads. A joint jobset (parts) gives one DAG per part. */
struct wfad_gnn_graphs {
	struct wfad_nn_graph *dag;
	size_t n_dag;
	const struct wfad_nn_graph **g;
	size_t *row0;
	size_t n;
};
/* Checks that js is whole runs of DAGs with nodes (name prefixes errors), then builds.
 * hosts: each run gets its own graph, the DAG plus a "same worker host" relation: in each
 * host's jobs taken in DAG order, an edge to each of the next WFAD_GNN_HOST_WINDOW ones (a run
 * without a trace in its dataset -- rows built by hand, js->runs NULL -- gets the DAG alone). */
#define WFAD_GNN_HOST_WINDOW 8
enum wfad_status wfad_gnn_graphs_build(struct wfad_gnn_graphs *out, const struct wfad_jobset *js,
				       bool hosts, const char *name, struct wfad_error *err);
void wfad_gnn_graphs_free(struct wfad_gnn_graphs *gs); /* accepts a zeroed struct */
/* The data of gs's graphs with features x and labels (either may be NULL). */
struct wfad_gnn_data wfad_gnn_data_of(const struct wfad_gnn_graphs *gs, const float *x,
				      const uint8_t *y_node, const uint32_t *y_graph);

enum wfad_status wfad_gnn_net_create(struct wfad_gnn_net *net, enum wfad_gnn_task task, size_t d,
				     size_t h, size_t out, bool skip, float dropout);
void wfad_gnn_net_free(struct wfad_gnn_net *net);

/* Trains net (already created; parameters are initialised here from cfg->seed). class_w holds
 * out class weights for the XENT tasks (NULL otherwise); NODE_BCE derives pos_weight = negatives
 * / positives. name prefixes errors: WFAD_EINVAL names the epoch of a divergence. */
enum wfad_status wfad_gnn_train(struct wfad_gnn_net *net, const char *name,
				const struct wfad_nnd_config *cfg,
				const struct wfad_gnn_data *train,
				const struct wfad_gnn_data *valid, const float *class_w,
				int *epochs_run, int *best_epoch, struct wfad_error *err);

/* Ensembles train nets one after another; net k's schedule is base's with a seed of its own
 * (net 0: base's seed), and its progress is reported as the ensemble's: epoch e of at most E
 * as k E + e of base->nets E. np must outlive the training. */
struct wfad_gnn_progress {
	const struct wfad_nnd_config *base;
	size_t k;
};
struct wfad_nnd_config wfad_gnn_ensemble_config(const struct wfad_nnd_config *base, size_t k,
						struct wfad_gnn_progress *np);
/* Trains the base->nets nets of an ensemble one after another, net k on
 * wfad_gnn_ensemble_config(base, k): net[0] is created by the caller and gives every net its
 * shape, the others are created here. *n_nets is the number of nets created, whether or not
 * the training succeeds (the caller frees them on failure). Errors as wfad_gnn_train's;
 * WFAD_ENOMEM ("name: out of memory"). */
enum wfad_status wfad_gnn_train_ensemble(struct wfad_gnn_net *net, size_t *n_nets, const char *name,
					 const struct wfad_nnd_config *base,
					 const struct wfad_gnn_data *train,
					 const struct wfad_gnn_data *valid, const float *class_w,
					 struct wfad_error *err);

/* Warm start: `epochs` more epochs from the current weights (valid, may be NULL, picks which
 * of those epochs' weights are kept). On failure the weights are left as they were. */
enum wfad_status wfad_gnn_update(struct wfad_gnn_net *net, const char *name,
				 const struct wfad_nnd_config *cfg, int epochs,
				 const struct wfad_gnn_data *train,
				 const struct wfad_gnn_data *valid, const float *class_w,
				 struct wfad_error *err);

/* Scores every node (NODE_BCE, NODE_MSE: out[row0[n_graphs]]; NODE_XENT: out[row0[n_graphs] x
 * out] softmax probabilities) or graph (GRAPH_XENT: out[n_graphs x
 * out] softmax probabilities). WFAD_ENOMEM, WFAD_EINVAL for a non-finite result. */
enum wfad_status wfad_gnn_predict(const struct wfad_gnn_net *net, const char *name,
				  const struct wfad_gnn_data *data, double *out,
				  struct wfad_error *err);

/* NODE_BCE nets: dx[g->n x d] = the gradient of node `node`'s logit with respect to every
 * input feature x[g->n x d] of one graph (no dropout); NODE_XENT nets: of its log-odds of
 * any class but 0 against class 0; GRAPH_XENT nets: of the graph's log-odds of class `node`
 * against class 0 (z_node - z_0). WFAD_ENOMEM, WFAD_EINVAL for NODE_MSE or an index out of
 * range. */
enum wfad_status wfad_gnn_input_gradient(const struct wfad_gnn_net *net,
					 const struct wfad_nn_graph *g, const float *x, size_t node,
					 float *dx);

/* Blob: u32 magic, u32 version, u32 task, u32 skip, u32 d, h, out, u64 parameter count, f32
 * parameters. load creates net:
 * WFAD_EFORMAT (magic, version), WFAD_EPARSE (truncated or inconsistent), WFAD_ENOMEM. */
enum wfad_status wfad_gnn_save(const struct wfad_gnn_net *net, uint32_t magic, FILE *f);
enum wfad_status wfad_gnn_load(struct wfad_gnn_net *net, const char *name, uint32_t magic,
			       enum wfad_gnn_task task, float dropout, FILE *f,
			       struct wfad_error *err);
/* The same, the blob's magic (got) already read by the caller. */
enum wfad_status wfad_gnn_load_tagged(struct wfad_gnn_net *net, const char *name, uint32_t magic,
				      uint32_t got, enum wfad_gnn_task task, float dropout,
				      FILE *f, struct wfad_error *err);

#endif
