/* Multi-layer perceptron: dense layers, ReLU and dropout composed forward and in reverse. */
#include <stdlib.h>
#include <string.h>

#include "wfad/nn.h"

enum wfad_status wfad_nn_mlp_create(struct wfad_nn_mlp *net, size_t n_layers, const size_t *dims,
				    float dropout)
{
	WFAD_ASSERT(n_layers >= 1 && n_layers <= WFAD_NN_MLP_MAX_LAYERS);
	WFAD_ASSERT(dropout >= 0.0f && dropout < 1.0f);
	memset(net, 0, sizeof(*net));
	net->n_layers = n_layers;
	net->dropout = dropout;
	size_t size = 0;
	for (size_t l = 0; l <= n_layers; l++)
		net->dims[l] = dims[l];
	for (size_t l = 0; l < n_layers; l++)
		wfad_nn_dense_plan(&net->layer[l], dims[l], dims[l + 1], &size);
	enum wfad_status st = wfad_nn_block_alloc(&net->block, size);
	if (st != WFAD_OK) {
		memset(net, 0, sizeof(*net));
		return st;
	}
	for (size_t l = 0; l < n_layers; l++)
		wfad_nn_dense_bind(&net->layer[l], &net->block);
	return WFAD_OK;
}

void wfad_nn_mlp_free(struct wfad_nn_mlp *net)
{
	wfad_nn_block_free(&net->block);
	memset(net, 0, sizeof(*net));
}

void wfad_nn_mlp_init_params(struct wfad_nn_mlp *net, struct wfad_rng *rng)
{
	for (size_t l = 0; l < net->n_layers; l++) {
		bool hidden = l + 1 < net->n_layers;
		wfad_nn_dense_init(&net->layer[l], hidden ? WFAD_NN_INIT_HE : WFAD_NN_INIT_XAVIER,
				   rng);
	}
}

enum wfad_status wfad_nn_mlp_act_alloc(struct wfad_nn_mlp_act *act, const struct wfad_nn_mlp *net,
				       size_t cap)
{
	WFAD_ASSERT(cap > 0);
	memset(act, 0, sizeof(*act));
	bool drop = net->dropout > 0.0f;
	/* Plan the views with the block's reservation rule (64-byte aligned), then allocate. */
	size_t size = 0;
	size_t off_z[WFAD_NN_MLP_MAX_LAYERS], off_r[WFAD_NN_MLP_MAX_LAYERS];
	size_t off_h[WFAD_NN_MLP_MAX_LAYERS], off_m[WFAD_NN_MLP_MAX_LAYERS];
	size_t off_dz[WFAD_NN_MLP_MAX_LAYERS], off_dr[WFAD_NN_MLP_MAX_LAYERS];
	size_t off_dh[WFAD_NN_MLP_MAX_LAYERS];
	for (size_t l = 0; l < net->n_layers; l++) {
		size_t w = net->dims[l + 1];
		if (w > SIZE_MAX / 8 / cap)
			return WFAD_ENOMEM;
		off_z[l] = wfad_nn_block_reserve(&size, cap * w);
		if (l + 1 == net->n_layers)
			break;
		off_r[l] = wfad_nn_block_reserve(&size, cap * w);
		off_dz[l] = wfad_nn_block_reserve(&size, cap * w);
		off_dr[l] = wfad_nn_block_reserve(&size, cap * w);
		if (drop) {
			off_h[l] = wfad_nn_block_reserve(&size, cap * w);
			off_m[l] = wfad_nn_block_reserve(&size, cap * w);
			off_dh[l] = wfad_nn_block_reserve(&size, cap * w);
		}
	}
	float *mem = wfad_nn_alloc_floats(size);
	if (!mem)
		return WFAD_ENOMEM;
	act->cap = cap;
	act->mem = mem;
	for (size_t l = 0; l < net->n_layers; l++) {
		act->z[l] = mem + off_z[l];
		if (l + 1 == net->n_layers)
			break;
		act->r[l] = mem + off_r[l];
		act->dz[l] = mem + off_dz[l];
		act->dr[l] = mem + off_dr[l];
		act->h[l] = drop ? mem + off_h[l] : act->r[l];
		act->mask[l] = drop ? mem + off_m[l] : NULL;
		act->dh[l] = drop ? mem + off_dh[l] : act->dr[l];
	}
	return WFAD_OK;
}

void wfad_nn_mlp_act_free(struct wfad_nn_mlp_act *act)
{
	free(act->mem);
	memset(act, 0, sizeof(*act));
}

const float *wfad_nn_mlp_forward(const struct wfad_nn_mlp *net, struct wfad_nn_mlp_act *act,
				 size_t n, const float *restrict x, struct wfad_rng *train_rng)
{
	/* x: [n x dims[0]] -> [n x dims[n_layers]] */
	WFAD_ASSERT(n <= act->cap);
	bool drop = train_rng && net->dropout > 0.0f;
	const float *in = x;
	for (size_t l = 0; l < net->n_layers; l++) {
		wfad_nn_dense_forward(&net->layer[l], n, in, act->z[l]);
		if (l + 1 == net->n_layers)
			break;
		size_t len = n * net->dims[l + 1];
		wfad_nn_relu_forward(len, act->z[l], act->r[l]);
		in = act->r[l];
		if (drop) { /* inference skips dropout: inverted dropout needs no rescaling */
			wfad_nn_dropout_mask(len, net->dropout, train_rng, act->mask[l]);
			wfad_nn_dropout_forward(len, act->r[l], act->mask[l], act->h[l]);
			in = act->h[l];
		}
	}
	act->dropped = drop;
	return act->z[net->n_layers - 1];
}

void wfad_nn_mlp_backward(struct wfad_nn_mlp *net, struct wfad_nn_mlp_act *act, size_t n,
			  const float *restrict x, const float *restrict dout)
{
	/* x: [n x dims[0]], dout: [n x dims[n_layers]] */
	WFAD_ASSERT(n <= act->cap);
	bool drop = act->dropped;
	const float *dy = dout;
	for (size_t l = net->n_layers; l-- > 0;) {
		const float *in = l == 0 ? x : drop ? act->h[l - 1] : act->r[l - 1];
		float *din = NULL;
		if (l > 0) {
			din = drop ? act->dh[l - 1] : act->dr[l - 1];
			memset(din, 0, n * net->dims[l] * sizeof(float));
		}
		wfad_nn_dense_backward(&net->layer[l], n, in, dy, din);
		if (l == 0)
			break;
		size_t len = n * net->dims[l];
		if (drop) {
			/* dh and dr are distinct buffers only when the net has dropout */
			memset(act->dr[l - 1], 0, len * sizeof(float));
			wfad_nn_dropout_backward(len, act->mask[l - 1], act->dh[l - 1],
						 act->dr[l - 1]);
		}
		memset(act->dz[l - 1], 0, len * sizeof(float));
		wfad_nn_relu_backward(len, act->z[l - 1], act->dr[l - 1], act->dz[l - 1]);
		dy = act->dz[l - 1];
	}
}
