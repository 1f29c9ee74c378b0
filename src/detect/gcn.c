/* Graph detectors on the workflow: gcn (supervised node classifier GCN-GCN-MLP with the job's
 * own features skipped past the graph layers, on each run's DAG plus a same-worker-host
 * relation), gcndag (the same on the DAG alone), gcnplain (gcndag without the skip) and gcnae
 * (graph autoencoder on the DAG: GCN encoder, dense decoder, score = reconstruction error).
 * Each is an ensemble of cfg.nets such nets trained one after another from seeds derived from
 * the detector's seed (net 0 keeps the seed itself); the score is the mean of theirs. gcn
 * trains five, the others one (--nets changes it). */
#include <stdlib.h>
#include <string.h>

#include "gnn_net.h"

#define GCN_MAGIC 0x4e434757u   /* "WGCN" little-endian: gcndag, gcnplain */
#define GCNH_MAGIC 0x48434757u  /* "WGCH": gcn (DAG + host relation) */
#define GCNAE_MAGIC 0x41434757u /* "WGCA" */
/* An ensemble's file: u32 GCNE_MAGIC, u32 version, u32 nets, then each net's blob (which
 * carries the variant's magic). A one-net model is written as its net's blob alone, as before
 * ensembles. */
#define GCNE_MAGIC 0x45434757u /* "WGCE" */
#define GCNE_VERSION 1u

WFAD_DETECTOR_REGISTER(gcndag);
WFAD_DETECTOR_REGISTER(gcnplain);
WFAD_DETECTOR_REGISTER(gcnae);
WFAD_DETECTOR_REGISTER(gcn);

struct gcn {
	struct wfad_detector base;
	const char *name;
	uint32_t magic;
	enum wfad_gnn_task task;
	bool skip;
	bool hosts; /* the graph also links jobs of one worker host (gcn) */
	struct wfad_nnd_config cfg;
	bool fitted;
	struct wfad_gnn_net net[WFAD_MAX_NETS];
	size_t n_nets; /* created (all of cfg.nets once fitted) */
};

/* Batches of 8 runs at lr 3e-3: four times the optimiser steps of the research's 32 runs at
 * 1e-3 reached higher validation AUC on every workflow (docs/gnn.md). */
static const struct wfad_nnd_config gcndag_defaults = {
	.hidden = 64,
	.epochs = 100,
	.batch = 8, /* runs */
	.patience = 10,
	.lr = 3e-3,
	.weight_decay = 1e-4,
	.dropout = 0.1f,
	.nets = 1,
};

/* gcn (with the host relation) trains longer: with patience 30 and up to 300 epochs every
 * workflow gained (5 seeds, context features: 1000genome 0.940 -> 0.949, montage 0.876 ->
 * 0.912, predict_future_sales 0.989 -> 0.997) for three to five times the training time.
 * It keeps the epoch of best validation ROC-AUC, with patience 60 of up to 600 epochs (5
 * seeds, against loss with 30 of 300: eht_imaging 0.990 -> 0.993, somospie 0.966 -> 0.975,
 * docs/gnn.md) for about twice the training time. */
static const struct wfad_nnd_config gcn_defaults = {
	.hidden = 64,
	.epochs = 600,
	.batch = 8, /* runs */
	.patience = 60,
	.lr = 3e-3,
	.weight_decay = 1e-4,
	.dropout = 0.1f,
	.stop_auc = true,
	.nets = 5, /* one net -> five: eht_imaging +0.0015 over 10 seeds (8 of 10 higher),
		    * montage 0.926 -> 0.930; docs/results.md */
};

static const struct wfad_nnd_config gcnae_defaults = {
	.hidden = 32,
	.epochs = 100,
	.batch = 32,
	.patience = 10,
	.lr = 1e-3,
	.weight_decay = 1e-4,
	.dropout = 0.0f,
	.nets = 1,
};

static enum wfad_status create_kind(const struct wfad_detector_params *p,
				    const struct wfad_detector_ops *ops, struct wfad_detector **out)
{
	struct gcn *m = calloc(1, sizeof(*m));
	if (!m)
		return WFAD_ENOMEM;
	bool ae = ops == &wfad_detector_gcnae;
	const struct wfad_nnd_config *def = ae                          ? &gcnae_defaults
					    : ops == &wfad_detector_gcn ? &gcn_defaults
									: &gcndag_defaults;
	enum wfad_status st = wfad_nnd_config(p, def, &m->cfg);
	if (st != WFAD_OK) {
		free(m);
		return st;
	}
	m->base.ops = ops;
	m->name = ops->name;
	/* gcn's weights were trained on other graphs than gcndag's: a file of one (or a DAG-only
	 * gcn of an earlier wfad) must not load as the other. */
	m->magic = ae ? GCNAE_MAGIC : ops == &wfad_detector_gcn ? GCNH_MAGIC : GCN_MAGIC;
	m->task = ae ? WFAD_GNN_NODE_MSE : p->classes ? WFAD_GNN_NODE_XENT : WFAD_GNN_NODE_BCE;
	/* gcn keeps the epoch of best validation ROC-AUC, the measure it is judged by, when it
	 * classifies jobs 0/1; the others (and --stop-on loss) the epoch of least loss. */
	if (m->task != WFAD_GNN_NODE_BCE && p->stop_on != WFAD_STOP_AUC)
		m->cfg.stop_auc = false;
	m->skip = ops == &wfad_detector_gcndag || ops == &wfad_detector_gcn;
	m->hosts = ops == &wfad_detector_gcn;
	*out = &m->base;
	return WFAD_OK;
}

static enum wfad_status gcndag_create(const struct wfad_detector_params *p,
				      struct wfad_detector **out)
{
	return create_kind(p, &wfad_detector_gcndag, out);
}

static enum wfad_status gcnplain_create(const struct wfad_detector_params *p,
					struct wfad_detector **out)
{
	return create_kind(p, &wfad_detector_gcnplain, out);
}

static enum wfad_status gcn_create(const struct wfad_detector_params *p, struct wfad_detector **out)
{
	return create_kind(p, &wfad_detector_gcn, out);
}

static enum wfad_status gcnae_create(const struct wfad_detector_params *p,
				     struct wfad_detector **out)
{
	return create_kind(p, &wfad_detector_gcnae, out);
}

static void free_nets(struct gcn *m)
{
	for (size_t k = 0; k < m->n_nets; k++)
		wfad_gnn_net_free(&m->net[k]);
	m->n_nets = 0;
	m->fitted = false;
}

static void gcn_destroy(struct wfad_detector *det)
{
	if (!det)
		return;
	free_nets((struct gcn *)det);
	free(det);
}

/* The node labels the task trains on: 0/1, fault families, or none (autoencoder: non-NULL
 * placeholder). NULL when the jobset lacks them. */
static const uint8_t *labels_of(const struct gcn *m, const struct wfad_jobset *js)
{
	if (m->task == WFAD_GNN_NODE_XENT)
		return js->family;
	if (m->task == WFAD_GNN_NODE_BCE)
		return js->y;
	return (const uint8_t *)"";
}

/* Balanced class weights of the training families (0 for absent ones). */
static void family_weights(const struct wfad_jobset *train, float *w)
{
	size_t count[WFAD_ANOMALY_COUNT] = {0};
	for (size_t i = 0; i < train->n; i++)
		count[train->family[i] < WFAD_ANOMALY_COUNT ? train->family[i] : 0]++;
	wfad_nn_balanced_weights(WFAD_ANOMALY_COUNT, count, w);
}

/* Checks train/valid against the detector; builds their graphs. */
static enum wfad_status prepare(const struct gcn *m, const struct wfad_jobset *train,
				const struct wfad_jobset *valid, struct wfad_gnn_graphs *g,
				struct wfad_gnn_graphs *gv, struct wfad_error *err)
{
	if (train->n == 0 || train->d == 0)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "%s: no training data", m->name);
	if (!labels_of(m, train))
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: supervised detector needs job %s", m->name,
				      m->task == WFAD_GNN_NODE_XENT ? "fault families" : "labels");
	bool use_valid = valid && valid->n > 0;
	if (use_valid && (valid->d != train->d || !labels_of(m, valid)))
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: the validation set does not match the training set "
				      "(columns or labels)",
				      m->name);
	enum wfad_status st = wfad_gnn_graphs_build(g, train, m->hosts, m->name, err);
	if (st == WFAD_OK && use_valid)
		st = wfad_gnn_graphs_build(gv, valid, m->hosts, m->name, err);
	return st;
}

static enum wfad_status gcn_fit(struct wfad_detector *det, const struct wfad_jobset *train,
				const struct wfad_jobset *valid, struct wfad_error *err)
{
	struct gcn *m = (struct gcn *)det;
	free_nets(m);
	bool use_valid = valid && valid->n > 0;
	struct wfad_gnn_graphs g = {0}, gv = {0};
	enum wfad_status st = prepare(m, train, valid, &g, &gv, err);
	if (st != WFAD_OK)
		goto cleanup;
	size_t out = m->task == WFAD_GNN_NODE_MSE    ? train->d
		     : m->task == WFAD_GNN_NODE_XENT ? WFAD_ANOMALY_COUNT
						     : 1;
	float class_w[WFAD_ANOMALY_COUNT];
	if (m->task == WFAD_GNN_NODE_XENT)
		family_weights(train, class_w);
	struct wfad_gnn_data td = wfad_gnn_data_of(&g, train->x, labels_of(m, train), NULL);
	struct wfad_gnn_data vd = wfad_gnn_data_of(&gv, use_valid ? valid->x : NULL,
						   use_valid ? labels_of(m, valid) : NULL, NULL);
	st = wfad_gnn_net_create(&m->net[0], m->task, train->d, (size_t)m->cfg.hidden, out, m->skip,
				 m->cfg.dropout);
	if (st != WFAD_OK)
		st = wfad_error_set(err, st, "", 0, 0, "%s: out of memory", m->name);
	else
		st = wfad_gnn_train_ensemble(m->net, &m->n_nets, m->name, &m->cfg, &td,
					     use_valid ? &vd : NULL,
					     m->task == WFAD_GNN_NODE_XENT ? class_w : NULL, err);
	if (st != WFAD_OK)
		free_nets(m);
	else
		m->fitted = true;
cleanup:
	wfad_gnn_graphs_free(&g);
	wfad_gnn_graphs_free(&gv);
	return st;
}

/* Warm-starts every net; on a failure all keep the weights they had. */
static enum wfad_status update_nets(struct gcn *m, int epochs, const struct wfad_gnn_data *td,
				    const struct wfad_gnn_data *vd, const float *class_w,
				    struct wfad_error *err)
{
	size_t total = 0;
	for (size_t k = 0; k < m->n_nets; k++)
		total += m->net[k].block.n;
	float *before = malloc(total * sizeof(float));
	if (!before)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory", m->name);
	enum wfad_status st = WFAD_OK;
	float *at = before;
	for (size_t k = 0; k < m->n_nets; k++) {
		memcpy(at, m->net[k].block.param, m->net[k].block.n * sizeof(float));
		at += m->net[k].block.n;
	}
	struct wfad_nnd_config base = m->cfg;
	base.nets = (int)m->n_nets; /* a loaded model's count, whatever the options said */
	size_t done = 0;
	for (; st == WFAD_OK && done < m->n_nets; done++) {
		struct wfad_gnn_progress np;
		struct wfad_nnd_config cfg = wfad_gnn_ensemble_config(&base, done, &np);
		st = wfad_gnn_update(&m->net[done], m->name, &cfg, epochs, td, vd, class_w, err);
	}
	at = before;
	for (size_t k = 0; st != WFAD_OK && k < done; k++) {
		memcpy(m->net[k].block.param, at, m->net[k].block.n * sizeof(float));
		at += m->net[k].block.n;
	}
	free(before);
	return st;
}

static enum wfad_status gcn_update(struct wfad_detector *det, const struct wfad_jobset *train,
				   const struct wfad_jobset *valid, int epochs,
				   struct wfad_error *err)
{
	struct gcn *m = (struct gcn *)det;
	if (!m->fitted)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: a warm start needs a fitted model", m->name);
	if (train->d != m->net[0].d)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: fitted on %zu feature columns, asked to update on %zu",
				      m->name, m->net[0].d, train->d);
	bool use_valid = valid && valid->n > 0;
	struct wfad_gnn_graphs g = {0}, gv = {0};
	enum wfad_status st = prepare(m, train, valid, &g, &gv, err);
	if (st == WFAD_OK) {
		float class_w[WFAD_ANOMALY_COUNT];
		if (m->task == WFAD_GNN_NODE_XENT)
			family_weights(train, class_w);
		struct wfad_gnn_data td = wfad_gnn_data_of(&g, train->x, labels_of(m, train), NULL);
		struct wfad_gnn_data vd =
			wfad_gnn_data_of(&gv, use_valid ? valid->x : NULL,
					 use_valid ? labels_of(m, valid) : NULL, NULL);
		st = update_nets(m, epochs, &td, use_valid ? &vd : NULL,
				 m->task == WFAD_GNN_NODE_XENT ? class_w : NULL, err);
	}
	wfad_gnn_graphs_free(&g);
	wfad_gnn_graphs_free(&gv);
	return st;
}

/* Per node: P(anomalous) (NODE_XENT: 1 - P(no fault)) or the reconstruction error; family
 * non-NULL (NODE_XENT only): the most likely fault family. */
static enum wfad_status predict_rows(const struct gcn *m, const struct wfad_jobset *js, double *out,
				     uint8_t *family, struct wfad_error *err)
{
	if (!m->fitted)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "%s: not fitted", m->name);
	if (js->n == 0)
		return WFAD_OK;
	if (js->d != m->net[0].d)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: fitted on %zu feature columns, asked to score %zu",
				      m->name, m->net[0].d, js->d);
	size_t C = m->task == WFAD_GNN_NODE_XENT ? m->net[0].out : 1;
	/* p: the ensemble's mean (out itself for one column); q: one net's */
	double *p = C > 1 ? malloc(js->n * C * sizeof(double)) : out;
	double *q = m->n_nets > 1 ? malloc(js->n * C * sizeof(double)) : p;
	struct wfad_gnn_graphs g = {0};
	enum wfad_status st =
		p && q ? wfad_gnn_graphs_build(&g, js, m->hosts, m->name, err)
		       : wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory", m->name);
	if (st == WFAD_OK) {
		struct wfad_gnn_data data = wfad_gnn_data_of(&g, js->x, NULL, NULL);
		for (size_t i = 0; q != p && i < js->n * C; i++)
			p[i] = 0.0;
		for (size_t k = 0; st == WFAD_OK && k < m->n_nets; k++) {
			st = wfad_gnn_predict(&m->net[k], m->name, &data, q, err);
			for (size_t i = 0; st == WFAD_OK && q != p && i < js->n * C; i++)
				p[i] += q[i];
		}
		for (size_t i = 0; st == WFAD_OK && q != p && i < js->n * C; i++)
			p[i] /= (double)m->n_nets;
	}
	for (size_t i = 0; st == WFAD_OK && C > 1 && i < js->n; i++) {
		const double *pi = p + i * C;
		size_t best = 1;
		for (size_t k = 2; k < C; k++)
			best = pi[k] > pi[best] ? k : best;
		out[i] = 1.0 - pi[0];
		if (family)
			family[i] = (uint8_t)best;
	}
	if (q != p)
		free(q);
	if (C > 1)
		free(p);
	wfad_gnn_graphs_free(&g);
	return st;
}

static enum wfad_status gcn_score(const struct wfad_detector *det, const struct wfad_jobset *js,
				  double *out, struct wfad_error *err)
{
	return predict_rows((const struct gcn *)det, js, out, NULL, err);
}

static enum wfad_status gcn_classify(const struct wfad_detector *det, const struct wfad_jobset *js,
				     uint8_t *family, struct wfad_error *err)
{
	const struct gcn *m = (const struct gcn *)det;
	if (m->task != WFAD_GNN_NODE_XENT)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "%s: trained without --classes",
				      m->name);
	double *score = malloc((js->n + 1) * sizeof(double));
	if (!score)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory", m->name);
	enum wfad_status st = predict_rows(m, js, score, family, err);
	free(score);
	return st;
}

/* Net k's P(anomalous) of node `node` of the run (1 - P(no fault) with --classes); p holds
 * the net's output for every node. */
static double node_score(const struct gcn *m, size_t k, const struct wfad_gnn_data *data,
			 size_t node, double *p, struct wfad_error *err, enum wfad_status *st)
{
	*st = wfad_gnn_predict(&m->net[k], m->name, data, p, err);
	if (*st != WFAD_OK)
		return 0.0;
	return m->task == WFAD_GNN_NODE_XENT ? 1.0 - p[node * m->net[k].out] : p[node];
}

/* The gradient of the ensemble's score in logit units: with s_k net k's score and g_k the
 * gradient of its logit, d logit(mean s) = sum s_k (1 - s_k) g_k / (n mean s (1 - mean s));
 * the plain mean of the g_k where every s_k is 0 or 1. One net: its own gradient. */
static enum wfad_status gcn_gradient(const struct wfad_detector *det, const struct wfad_jobset *js,
				     size_t node, float *grad, struct wfad_error *err)
{
	const struct gcn *m = (const struct gcn *)det;
	if (!m->fitted || js->n_runs != 1 || js->d != m->net[0].d || node >= js->n)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: gradients need a fitted model and one run", m->name);
	size_t n = js->n * js->d, K = m->n_nets;
	float *one = K > 1 ? malloc(n * sizeof(float)) : grad;
	/* acc[0..n): sum of w_k g_k; acc[n..2n): sum of g_k */
	double *acc = K > 1 ? calloc(2 * n, sizeof(double)) : NULL;
	double *p = K > 1 ? malloc(js->n * m->net[0].out * sizeof(double)) : NULL;
	struct wfad_gnn_graphs g = {0};
	enum wfad_status st =
		one && (K == 1 || (acc && p))
			? wfad_gnn_graphs_build(&g, js, m->hosts, m->name, err)
			: wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory", m->name);
	struct wfad_gnn_data data = wfad_gnn_data_of(&g, js->x, NULL, NULL);
	double wsum = 0.0, smean = 0.0;
	for (size_t k = 0; st == WFAD_OK && k < K; k++) {
		st = wfad_gnn_input_gradient(&m->net[k], g.g[0], js->x, node, one);
		if (st != WFAD_OK) {
			st = wfad_error_set(err, st, "", 0, 0, "%s: cannot compute gradients",
					    m->name);
			break;
		}
		if (K == 1)
			break;
		double s = node_score(m, k, &data, node, p, err, &st);
		double w = s * (1.0 - s);
		wsum += w;
		smean += s / (double)K;
		for (size_t e = 0; st == WFAD_OK && e < n; e++) {
			acc[e] += w * one[e];
			acc[n + e] += one[e];
		}
	}
	if (st == WFAD_OK && K > 1) {
		double den = (double)K * smean * (1.0 - smean);
		bool weighted = wsum > 0.0 && den > 0.0;
		for (size_t e = 0; e < n; e++)
			grad[e] = (float)(weighted ? acc[e] / den : acc[n + e] / (double)K);
	}
	if (one != grad)
		free(one);
	free(acc);
	free(p);
	wfad_gnn_graphs_free(&g);
	return st;
}

static enum wfad_status gcn_save(const struct wfad_detector *det, FILE *f)
{
	const struct gcn *m = (const struct gcn *)det;
	WFAD_ASSERT(m->fitted);
	if (m->n_nets == 1)
		return wfad_gnn_save(&m->net[0], m->magic, f);
	if (!wfad_io_write_u32(f, GCNE_MAGIC) || !wfad_io_write_u32(f, GCNE_VERSION) ||
	    !wfad_io_write_u32(f, (uint32_t)m->n_nets))
		return WFAD_EIO;
	for (size_t k = 0; k < m->n_nets; k++) {
		enum wfad_status st = wfad_gnn_save(&m->net[k], m->magic, f);
		if (st != WFAD_OK)
			return st;
	}
	return WFAD_OK;
}

/* Reads a one-net blob or an ensemble (magic: its first u32, already read) into m. */
static enum wfad_status load_nets(struct gcn *m, uint32_t magic, FILE *f, struct wfad_error *err)
{
	if (magic != GCNE_MAGIC) {
		enum wfad_status st = wfad_gnn_load_tagged(&m->net[0], m->name, m->magic, magic,
							   m->task, m->cfg.dropout, f, err);
		m->n_nets = st == WFAD_OK;
		return st;
	}
	uint32_t version, n;
	if (!wfad_io_read_u32(f, &version) || !wfad_io_read_u32(f, &n))
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated %s model", m->name);
	if (version != GCNE_VERSION)
		return wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
				      "%s ensemble version %u is not supported", m->name, version);
	if (n == 0 || n > WFAD_MAX_NETS)
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "%s ensemble of %u nets", m->name,
				      n);
	for (uint32_t k = 0; k < n; k++) {
		enum wfad_status st = wfad_gnn_load(&m->net[k], m->name, m->magic, m->task,
						    m->cfg.dropout, f, err);
		if (st != WFAD_OK)
			return st;
		m->n_nets = k + 1;
		const struct wfad_gnn_net *a = &m->net[0], *b = &m->net[k];
		if (b->task != a->task || b->skip != a->skip || b->d != a->d || b->out != a->out)
			return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
					      "%s ensemble of nets of different shapes", m->name);
	}
	return WFAD_OK;
}

static enum wfad_status load_kind(const struct wfad_detector_params *p,
				  const struct wfad_detector_ops *ops, FILE *f,
				  struct wfad_detector **out, struct wfad_error *err)
{
	struct wfad_detector *det = NULL;
	enum wfad_status st = ops->create(p, &det);
	if (st != WFAD_OK)
		return wfad_error_set(err, st, "", 0, 0, "%s: cannot create the detector",
				      ops->name);
	struct gcn *m = (struct gcn *)det;
	uint32_t magic;
	st = wfad_io_read_u32(f, &magic)
		     ? load_nets(m, magic, f, err)
		     : wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated %s model", m->name);
	if (st == WFAD_OK)
		m->task = m->net[0].task; /* a gcn file may hold the --classes variant */
	if (st == WFAD_OK && m->net[0].skip != m->skip)
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "%s model of another variant",
				    m->name);
	if (st != WFAD_OK) {
		gcn_destroy(det);
		return st;
	}
	m->fitted = true;
	*out = det;
	return WFAD_OK;
}

static enum wfad_status gcndag_load(const struct wfad_detector_params *p, FILE *f,
				    struct wfad_detector **out, struct wfad_error *err)
{
	return load_kind(p, &wfad_detector_gcndag, f, out, err);
}

static enum wfad_status gcnplain_load(const struct wfad_detector_params *p, FILE *f,
				      struct wfad_detector **out, struct wfad_error *err)
{
	return load_kind(p, &wfad_detector_gcnplain, f, out, err);
}

static enum wfad_status gcn_load(const struct wfad_detector_params *p, FILE *f,
				 struct wfad_detector **out, struct wfad_error *err)
{
	return load_kind(p, &wfad_detector_gcn, f, out, err);
}

static enum wfad_status gcnae_load(const struct wfad_detector_params *p, FILE *f,
				   struct wfad_detector **out, struct wfad_error *err)
{
	return load_kind(p, &wfad_detector_gcnae, f, out, err);
}

const struct wfad_detector_ops wfad_detector_gcndag = {
	.name = "gcndag",
	.summary = "gcn on the run's DAG alone (no host relation; trains as the research's GCN: "
		   "patience 10, 100 epochs)",
	.flags = WFAD_DETECTOR_SUPERVISED | WFAD_DETECTOR_PROBABILITY | WFAD_DETECTOR_GRAPH |
		 WFAD_DETECTOR_CONTEXT,
	.create = gcndag_create,
	.fit = gcn_fit,
	.score = gcn_score,
	.save = gcn_save,
	.load = gcndag_load,
	.destroy = gcn_destroy,
	.update = gcn_update,
	.gradient = gcn_gradient,
	.classify = gcn_classify,
};

const struct wfad_detector_ops wfad_detector_gcnplain = {
	.name = "gcnplain",
	.summary = "gcndag without the skip connection (GCN-GCN-MLP as in the research baseline)",
	.flags = WFAD_DETECTOR_SUPERVISED | WFAD_DETECTOR_PROBABILITY | WFAD_DETECTOR_GRAPH |
		 WFAD_DETECTOR_CONTEXT,
	.create = gcnplain_create,
	.fit = gcn_fit,
	.score = gcn_score,
	.save = gcn_save,
	.load = gcnplain_load,
	.destroy = gcn_destroy,
	.update = gcn_update,
	.gradient = gcn_gradient,
	.classify = gcn_classify,
};

const struct wfad_detector_ops wfad_detector_gcnae = {
	.name = "gcnae",
	.summary = "graph autoencoder (GCN encoder on the run's DAG, dense decoder): job "
		   "reconstruction error",
	.flags = WFAD_DETECTOR_GRAPH | WFAD_DETECTOR_CONTEXT,
	.create = gcnae_create,
	.fit = gcn_fit,
	.score = gcn_score,
	.save = gcn_save,
	.load = gcnae_load,
	.destroy = gcn_destroy,
	.update = gcn_update,
};

const struct wfad_detector_ops wfad_detector_gcn = {
	.name = "gcn",
	.summary = "supervised GCN node classifier (2 GCN layers of 64 over each run's DAG plus a "
		   "same-worker-host relation, each job linked to the next 8 jobs of its host; the "
		   "job's features skipped to an MLP head, weighted BCE, AdamW), ensemble of 5 "
		   "nets: P(anomalous)",
	.flags = WFAD_DETECTOR_SUPERVISED | WFAD_DETECTOR_PROBABILITY | WFAD_DETECTOR_GRAPH |
		 WFAD_DETECTOR_CONTEXT,
	.create = gcn_create,
	.fit = gcn_fit,
	.score = gcn_score,
	.save = gcn_save,
	.load = gcn_load,
	.destroy = gcn_destroy,
	.update = gcn_update,
	.gradient = gcn_gradient,
	.classify = gcn_classify,
};
