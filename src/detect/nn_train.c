/* Training loop (shuffled mini-batches, AdamW, early stopping), scoring and model I/O for the
 * detectors built on a multi-layer perceptron. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn_train.h"
#include "row_threads.h"

#define NND_VERSION 1u
#define NND_CLIP_NORM 10.0   /* a guard against rare gradient spikes, not a regulariser */
#define NND_SCORE_CHUNK 1024 /* rows per forward pass when scoring or validating */
#define NND_MAX_WIDTH (1u << 20)

enum wfad_status wfad_nnd_config(const struct wfad_detector_params *p,
				 const struct wfad_nnd_config *defaults,
				 struct wfad_nnd_config *cfg)
{
	*cfg = *defaults;
	if (!p)
		return WFAD_OK;
	if (p->hidden < 0 || p->epochs < 0 || p->batch < 0 || p->patience < 0 || p->nets < 0 ||
	    p->nets > WFAD_MAX_NETS || !(p->lr >= 0.0) || !isfinite(p->lr) ||
	    !(p->weight_decay >= 0.0) || !isfinite(p->weight_decay))
		return WFAD_EINVAL;
	if (p->hidden > 0)
		cfg->hidden = p->hidden;
	if (p->epochs > 0)
		cfg->epochs = p->epochs;
	if (p->batch > 0)
		cfg->batch = p->batch;
	if (p->patience > 0)
		cfg->patience = p->patience;
	if (p->nets > 0 && cfg->nets > 0)
		cfg->nets = p->nets;
	if (p->stop_on != WFAD_STOP_DEFAULT)
		cfg->stop_auc = p->stop_on == WFAD_STOP_AUC;
	if (p->lr > 0.0)
		cfg->lr = p->lr;
	if (p->weight_decay > 0.0)
		cfg->weight_decay = p->weight_decay;
	cfg->seed = p->seed;
	cfg->threads = p->threads;
	cfg->progress = p->progress;
	cfg->progress_user = p->progress_user;
	return WFAD_OK;
}

void wfad_nnd_reset(struct wfad_nnd *m)
{
	wfad_nn_mlp_free(&m->net);
	m->fitted = false;
	m->epochs_run = 0;
	m->best_epoch = 0;
}

/* Buffers of one fit, freed together. */
struct fit_work {
	struct wfad_nn_mlp_act act;
	size_t *perm;
	float *xb;   /* [batch x d] gathered rows */
	float *tb;   /* [cap] targets (classification) */
	float *dout; /* [batch x out] loss gradient */
	float *best; /* [block.n] best parameters so far */
};

static void fit_work_free(struct fit_work *w)
{
	wfad_nn_mlp_act_free(&w->act);
	free(w->perm);
	free(w->xb);
	free(w->tb);
	free(w->dout);
	free(w->best);
}

/* Mean loss over all rows of js (no dropout), in chunks of the activation capacity. */
static double eval_loss(const struct wfad_nnd *m, struct fit_work *w, const struct wfad_jobset *js,
			float pos_weight)
{
	size_t d = js->d, cap = w->act.cap;
	double total = 0.0;
	for (size_t r0 = 0; r0 < js->n; r0 += cap) {
		size_t nb = js->n - r0 < cap ? js->n - r0 : cap;
		const float *x = js->x + r0 * d;
		const float *out = wfad_nn_mlp_forward(&m->net, &w->act, nb, x, NULL);
		if (m->task == WFAD_NND_RECONSTRUCT) {
			total += wfad_nn_mse_forward(nb * d, out, x) * (double)nb;
		} else {
			for (size_t i = 0; i < nb; i++)
				w->tb[i] = js->y[r0 + i] ? 1.0f : 0.0f;
			total +=
				wfad_nn_bce_logits_forward(nb, out, w->tb, pos_weight) * (double)nb;
		}
	}
	return total / (double)js->n;
}

static bool all_finite(const float *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isfinite(v[i]))
			return false;
	return true;
}

/* Checks the data and, for classification, derives pos_weight = negatives / positives. */
static enum wfad_status check_data(const struct wfad_nnd *m, const struct wfad_jobset *train,
				   const struct wfad_jobset *valid, float *pos_weight,
				   struct wfad_error *err)
{
	if (train->n == 0 || train->d == 0)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: no training data (%zu rows x %zu columns)", m->name,
				      train->n, train->d);
	if (train->d > NND_MAX_WIDTH)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: %zu feature columns is too many", m->name, train->d);
	if (valid && valid->n > 0 && valid->d != train->d)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: validation set has %zu columns, training set %zu",
				      m->name, valid->d, train->d);
	*pos_weight = 1.0f;
	if (m->task != WFAD_NND_CLASSIFY)
		return WFAD_OK;
	if (!train->y)
		return wfad_error_set(
			err, WFAD_EINVAL, "", 0, 0,
			"%s: supervised detector needs job labels (training set has none)",
			m->name);
	if (valid && valid->n > 0 && !valid->y)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: the validation set has no job labels", m->name);
	size_t pos = 0;
	for (size_t i = 0; i < train->n; i++)
		pos += train->y[i] != 0;
	if (pos == 0 || pos == train->n)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: the training set has no %s jobs (%zu rows, all %s); a "
				      "classifier needs both classes",
				      m->name, pos == 0 ? "anomalous" : "normal", train->n,
				      pos == 0 ? "normal" : "anomalous");
	*pos_weight = (float)((double)(train->n - pos) / (double)pos);
	return WFAD_OK;
}

static enum wfad_status diverged(const struct wfad_nnd *m, struct wfad_error *err, int epoch,
				 const char *what, double value)
{
	return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
			      "%s: training diverged at epoch %d (%s is %s); try a smaller "
			      "learning rate",
			      m->name, epoch, what, isnan(value) ? "NaN" : "infinite");
}

/* Trains m->net (already created) for up to `epochs` epochs on train. A fresh fit seeds the
 * RNG with cfg->seed and initialises the parameters; a warm start keeps them, restarts AdamW
 * (zero moments) and shuffles with `seed`. With valid the best epoch's weights are kept (and
 * patience applies only to a fresh fit). The caller undoes a failure. */
static enum wfad_status train_epochs(struct wfad_nnd *m, const struct wfad_jobset *train,
				     const struct wfad_jobset *valid, float pos_weight, int epochs,
				     bool fresh, uint64_t seed, struct wfad_error *err)
{
	enum wfad_status st = WFAD_OK;
	const struct wfad_nnd_config *cfg = &m->cfg;
	bool use_valid = valid && valid->n > 0;
	size_t n = train->n, d = train->d, out_w = m->net.dims[m->net.n_layers];
	size_t batch = (size_t)cfg->batch < n ? (size_t)cfg->batch : n;
	size_t cap = batch > NND_SCORE_CHUNK ? batch : NND_SCORE_CHUNK;
	struct fit_work w = {0};

	if ((st = wfad_nn_mlp_act_alloc(&w.act, &m->net, cap)) != WFAD_OK)
		goto nomem;
	st = WFAD_ENOMEM;
	w.perm = malloc(n * sizeof(size_t));
	w.xb = wfad_nn_alloc_floats(batch * d);
	w.tb = wfad_nn_alloc_floats(cap);
	w.dout = wfad_nn_alloc_floats(batch * out_w);
	w.best = wfad_nn_alloc_floats(m->net.block.n);
	if (!w.perm || !w.xb || !w.tb || !w.dout || !w.best)
		goto nomem;

	struct wfad_rng rng;
	wfad_rng_seed(&rng, seed);
	if (fresh) {
		wfad_nn_mlp_init_params(&m->net, &rng);
	} else {
		memset(m->net.block.m, 0, m->net.block.n * sizeof(float));
		memset(m->net.block.v, 0, m->net.block.n * sizeof(float));
	}
	struct wfad_nn_adamw opt;
	wfad_nn_adamw_init(&opt, (float)cfg->lr, (float)cfg->weight_decay);
	for (size_t i = 0; i < n; i++)
		w.perm[i] = i;

	double best_loss = INFINITY;
	int bad_epochs = 0, epoch = 0;
	for (epoch = 1; epoch <= epochs; epoch++) {
		for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
			size_t j = (size_t)wfad_rng_below(&rng, i + 1);
			size_t t = w.perm[i];
			w.perm[i] = w.perm[j];
			w.perm[j] = t;
		}
		for (size_t b0 = 0; b0 < n; b0 += batch) {
			size_t nb = n - b0 < batch ? n - b0 : batch;
			for (size_t i = 0; i < nb; i++)
				memcpy(w.xb + i * d, train->x + w.perm[b0 + i] * d,
				       d * sizeof(float));
			const float *out = wfad_nn_mlp_forward(&m->net, &w.act, nb, w.xb, &rng);
			double loss;
			memset(w.dout, 0, nb * out_w * sizeof(float));
			if (m->task == WFAD_NND_RECONSTRUCT) {
				loss = wfad_nn_mse_forward(nb * d, out, w.xb);
				wfad_nn_mse_backward(nb * d, out, w.xb, w.dout);
			} else {
				for (size_t i = 0; i < nb; i++)
					w.tb[i] = train->y[w.perm[b0 + i]] ? 1.0f : 0.0f;
				loss = wfad_nn_bce_logits_forward(nb, out, w.tb, pos_weight);
				wfad_nn_bce_logits_backward(nb, out, w.tb, pos_weight, w.dout);
			}
			if (!isfinite(loss)) {
				st = diverged(m, err, epoch, "the training loss", loss);
				goto cleanup;
			}
			wfad_nn_block_zero_grad(&m->net.block);
			wfad_nn_mlp_backward(&m->net, &w.act, nb, w.xb, w.dout);
			double norm = wfad_nn_clip_grad_norm(&m->net.block, NND_CLIP_NORM);
			if (!isfinite(norm)) {
				st = diverged(m, err, epoch, "the gradient norm", norm);
				goto cleanup;
			}
			wfad_nn_adamw_step(&opt, &m->net.block);
		}
		m->epochs_run = epoch;
		bool stop = false;
		if (use_valid) {
			double vloss = eval_loss(m, &w, valid, pos_weight);
			if (!isfinite(vloss)) {
				st = diverged(m, err, epoch, "the validation loss", vloss);
				goto cleanup;
			}
			if (vloss < best_loss) {
				best_loss = vloss;
				m->best_epoch = epoch;
				bad_epochs = 0;
				memcpy(w.best, m->net.block.param, m->net.block.n * sizeof(float));
			} else {
				stop = fresh && ++bad_epochs >= cfg->patience;
			}
		}
		if (cfg->progress)
			cfg->progress(cfg->progress_user, (size_t)epoch, (size_t)epochs);
		if (stop)
			break;
	}
	if (use_valid)
		memcpy(m->net.block.param, w.best, m->net.block.n * sizeof(float));
	else
		m->best_epoch = m->epochs_run;
	/* The last step is checked by no later forward pass. */
	if (!all_finite(m->net.block.param, m->net.block.n)) {
		st = diverged(m, err, m->epochs_run, "a weight", NAN);
		goto cleanup;
	}
	m->fitted = true;
	if (use_valid)
		wfad_log(WFAD_LOG_INFO, "%s: %d epochs, kept epoch %d (validation loss %.6g)",
			 m->name, m->epochs_run, m->best_epoch, best_loss);
	else
		wfad_log(WFAD_LOG_INFO, "%s: %d epochs", m->name, m->epochs_run);
	st = WFAD_OK;
	goto cleanup;
nomem:
	st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory", m->name);
cleanup:
	fit_work_free(&w);
	return st;
}

enum wfad_status wfad_nnd_fit(struct wfad_nnd *m, size_t n_layers, const size_t *dims,
			      const struct wfad_jobset *train, const struct wfad_jobset *valid,
			      struct wfad_error *err)
{
	wfad_nnd_reset(m);
	float pos_weight;
	enum wfad_status st = check_data(m, train, valid, &pos_weight, err);
	if (st != WFAD_OK)
		return st;
	WFAD_ASSERT(dims[0] == train->d);
	if (wfad_nn_mlp_create(&m->net, n_layers, dims, m->cfg.dropout) != WFAD_OK)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory", m->name);
	st = train_epochs(m, train, valid, pos_weight, m->cfg.epochs, true, m->cfg.seed, err);
	if (st != WFAD_OK)
		wfad_nnd_reset(m);
	return st;
}

enum wfad_status wfad_nnd_update(struct wfad_nnd *m, const struct wfad_jobset *train,
				 const struct wfad_jobset *valid, int epochs,
				 struct wfad_error *err)
{
	if (!m->fitted)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: a warm start needs a fitted model", m->name);
	if (epochs < 1)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: a warm start needs at least one epoch, not %d", m->name,
				      epochs);
	float pos_weight;
	enum wfad_status st = check_data(m, train, valid, &pos_weight, err);
	if (st != WFAD_OK)
		return st;
	if (train->d != m->net.dims[0])
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: fitted on %zu feature columns, asked to update on %zu",
				      m->name, m->net.dims[0], train->d);
	float *saved = wfad_nn_alloc_floats(m->net.block.n);
	if (!saved)
		return wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory", m->name);
	memcpy(saved, m->net.block.param, m->net.block.n * sizeof(float));
	int epochs_run = m->epochs_run, best_epoch = m->best_epoch;
	/* A shuffle that differs from update to update (the labelled set grows) yet is fixed by
	 * the seed. */
	uint64_t seed = m->cfg.seed ^ (0x9e3779b97f4a7c15ull * (uint64_t)(train->n + 1));
	st = train_epochs(m, train, valid, pos_weight, epochs, false, seed, err);
	if (st != WFAD_OK) {
		memcpy(m->net.block.param, saved, m->net.block.n * sizeof(float));
		m->epochs_run = epochs_run;
		m->best_epoch = best_epoch;
		m->fitted = true;
	}
	free(saved);
	return st;
}

/* ---- scoring ------------------------------------------------------------------------------ */

struct score_ctx {
	const struct wfad_nnd *m;
	const struct wfad_jobset *js;
	struct wfad_nn_mlp_act *acts; /* one per worker */
	double *out;
};

static void score_rows(void *arg, size_t worker, size_t begin, size_t end)
{
	struct score_ctx *c = arg;
	struct wfad_nn_mlp_act *act = &c->acts[worker];
	size_t d = c->js->d;
	for (size_t r0 = begin; r0 < end; r0 += act->cap) {
		size_t nb = end - r0 < act->cap ? end - r0 : act->cap;
		const float *x = c->js->x + r0 * d;
		const float *y = wfad_nn_mlp_forward(&c->m->net, act, nb, x, NULL);
		if (c->m->task == WFAD_NND_RECONSTRUCT) {
			wfad_nn_mse_rows(nb, d, y, x, c->out + r0);
		} else {
			for (size_t i = 0; i < nb; i++)
				c->out[r0 + i] = 1.0 / (1.0 + exp(-(double)y[i]));
		}
	}
}

enum wfad_status wfad_nnd_score(const struct wfad_nnd *m, const struct wfad_jobset *js, double *out,
				struct wfad_error *err)
{
	if (!m->fitted)
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0, "%s: not fitted", m->name);
	if (js->d != m->net.dims[0])
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "%s: fitted on %zu feature columns, asked to score %zu",
				      m->name, m->net.dims[0], js->d);
	if (js->n == 0)
		return WFAD_OK;
	/* Every row's forward pass is the same arithmetic whatever chunk it falls in, so the
	 * scores do not depend on the number of workers. */
	size_t workers = wfad_row_threads_count(m->cfg.threads, js->n, 4 * NND_SCORE_CHUNK);
	struct wfad_nn_mlp_act *acts = calloc(workers, sizeof(*acts));
	enum wfad_status st = WFAD_ENOMEM;
	if (!acts)
		goto cleanup;
	for (size_t i = 0; i < workers; i++) {
		size_t cap = js->n < NND_SCORE_CHUNK ? js->n : NND_SCORE_CHUNK;
		if (wfad_nn_mlp_act_alloc(&acts[i], &m->net, cap) != WFAD_OK)
			goto cleanup;
	}
	struct score_ctx ctx = {m, js, acts, out};
	wfad_row_threads_run(workers, js->n, score_rows, &ctx);
	st = WFAD_OK;
	for (size_t i = 0; i < js->n; i++) {
		if (!isfinite(out[i])) {
			st = wfad_error_set(
				err, WFAD_EINVAL, "", 0, 0,
				"%s: non-finite score for row %zu (features far outside "
				"the training range?)",
				m->name, i);
			break;
		}
	}
cleanup:
	if (st == WFAD_ENOMEM)
		wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "%s: out of memory", m->name);
	if (acts)
		for (size_t i = 0; i < workers; i++)
			wfad_nn_mlp_act_free(&acts[i]);
	free(acts);
	return st;
}

/* ---- model I/O ------------------------------------------------------------------------------ */

enum wfad_status wfad_nnd_save(const struct wfad_nnd *m, uint32_t magic, FILE *f)
{
	WFAD_ASSERT(m->fitted);
	const struct wfad_nn_mlp *net = &m->net;
	if (!wfad_io_write_u32(f, magic) || !wfad_io_write_u32(f, NND_VERSION) ||
	    !wfad_io_write_u32(f, (uint32_t)net->n_layers))
		return WFAD_EIO;
	for (size_t l = 0; l <= net->n_layers; l++)
		if (!wfad_io_write_u32(f, (uint32_t)net->dims[l]))
			return WFAD_EIO;
	if (!wfad_io_write_u64(f, net->block.n) ||
	    !wfad_io_write_f32s(f, net->block.param, net->block.n))
		return WFAD_EIO;
	return WFAD_OK;
}

enum wfad_status wfad_nnd_load(struct wfad_nnd *m, uint32_t magic, FILE *f, struct wfad_error *err)
{
	wfad_nnd_reset(m);
	enum wfad_status st = WFAD_OK;
	uint32_t got_magic, version, n_layers;
	uint64_t count;
	size_t dims[WFAD_NN_MLP_MAX_LAYERS + 1];
	if (!wfad_io_read_u32(f, &got_magic) || !wfad_io_read_u32(f, &version))
		goto truncated;
	if (got_magic != magic)
		return wfad_error_set(err, WFAD_EFORMAT, "", 0, 0, "not a %s model (bad magic)",
				      m->name);
	if (version != NND_VERSION)
		return wfad_error_set(err, WFAD_EFORMAT, "", 0, 0,
				      "%s model version %u is not supported", m->name, version);
	if (!wfad_io_read_u32(f, &n_layers))
		goto truncated;
	if (n_layers < 1 || n_layers > WFAD_NN_MLP_MAX_LAYERS)
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "%s model with %u layers",
				      m->name, n_layers);
	for (size_t l = 0; l <= n_layers; l++) {
		uint32_t v;
		if (!wfad_io_read_u32(f, &v))
			goto truncated;
		if (v == 0 || v > NND_MAX_WIDTH)
			return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
					      "%s model with a layer of width %u", m->name, v);
		dims[l] = v;
	}
	bool shape_ok =
		m->task == WFAD_NND_RECONSTRUCT ? dims[n_layers] == dims[0] : dims[n_layers] == 1;
	if (!shape_ok)
		return wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				      "%s model with %zu inputs and %zu outputs", m->name, dims[0],
				      dims[n_layers]);
	if (!wfad_io_read_u64(f, &count))
		goto truncated;
	if ((st = wfad_nn_mlp_create(&m->net, n_layers, dims, m->cfg.dropout)) != WFAD_OK)
		return wfad_error_set(err, st, "", 0, 0, "%s: out of memory", m->name);
	if (count != m->net.block.n) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0,
				    "%s model with %llu parameters where its shape has %zu",
				    m->name, (unsigned long long)count, m->net.block.n);
		goto cleanup;
	}
	if (!wfad_io_read_f32s(f, m->net.block.param, m->net.block.n))
		goto truncated;
	if (!all_finite(m->net.block.param, m->net.block.n)) {
		st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "%s model with non-finite weights",
				    m->name);
		goto cleanup;
	}
	m->fitted = true;
	return WFAD_OK;
truncated:
	st = wfad_error_set(err, WFAD_EPARSE, "", 0, 0, "truncated %s model", m->name);
cleanup:
	wfad_nnd_reset(m);
	return st;
}
