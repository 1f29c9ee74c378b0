/* AdamW (Adam with decoupled weight decay) over a model block, and global-norm clipping. */
#include <math.h>

#include "wfad/nn.h"

/* GCC will not vectorise sqrtf (it may set errno, though v is never negative) unless built
 * with -fno-math-errno, and the scalar square root and division were a tenth of a training
 * step: on x86-64 the update runs four lanes at a time with SSE, whose operations round
 * exactly as the scalar ones, so both paths give the same bits. */
#if defined(__SSE2__)
#include <emmintrin.h>
#define WFAD_ADAMW_SSE 1
#endif

/* The norm sums into ACC double accumulators added in a fixed order: the same result on every
 * run, without one long chain of dependent additions. */
enum { ACC = 8 };

static inline void adamw_one(float *restrict p, const float *restrict g, float *restrict m,
			     float *restrict v, float b1, float b2, float eps, float step,
			     float inv_bc2_sqrt, float decay)
{
	*p *= decay;
	*m = b1 * *m + (1.0f - b1) * *g;
	*v = b2 * *v + (1.0f - b2) * *g * *g;
	float denom = sqrtf(*v) * inv_bc2_sqrt + eps;
	*p -= step * *m / denom;
}

void wfad_nn_adamw_init(struct wfad_nn_adamw *opt, float lr, float weight_decay)
{
	*opt = (struct wfad_nn_adamw){.lr = lr,
				      .beta1 = 0.9f,
				      .beta2 = 0.999f,
				      .eps = 1e-8f,
				      .weight_decay = weight_decay,
				      .t = 0};
}

void wfad_nn_adamw_step(struct wfad_nn_adamw *opt, struct wfad_nn_block *blk)
{
	/* param, grad, m, v: [blk->n] */
	opt->t++;
	double bc1 = 1.0 - pow(opt->beta1, (double)opt->t);
	double bc2 = 1.0 - pow(opt->beta2, (double)opt->t);
	/* Same order of operations as torch.optim.AdamW (single-tensor path). */
	float step = (float)(opt->lr / bc1);
	float inv_bc2_sqrt = (float)(1.0 / sqrt(bc2));
	float decay = 1.0f - opt->lr * opt->weight_decay;
	float b1 = opt->beta1, b2 = opt->beta2, eps = opt->eps;
	float *restrict p = blk->param;
	const float *restrict g = blk->grad;
	float *restrict m = blk->m;
	float *restrict v = blk->v;
	size_t n = blk->n, i = 0;
#ifdef WFAD_ADAMW_SSE
	const __m128 vb1 = _mm_set1_ps(b1), vb1c = _mm_set1_ps(1.0f - b1);
	const __m128 vb2 = _mm_set1_ps(b2), vb2c = _mm_set1_ps(1.0f - b2);
	const __m128 veps = _mm_set1_ps(eps), vstep = _mm_set1_ps(step);
	const __m128 vibc = _mm_set1_ps(inv_bc2_sqrt), vdecay = _mm_set1_ps(decay);
	for (; i + 4 <= n; i += 4) { /* the operations of adamw_one, in its order */
		__m128 pv = _mm_mul_ps(_mm_loadu_ps(p + i), vdecay);
		__m128 gv = _mm_loadu_ps(g + i);
		__m128 mv = _mm_add_ps(_mm_mul_ps(vb1, _mm_loadu_ps(m + i)), _mm_mul_ps(vb1c, gv));
		__m128 vv = _mm_add_ps(_mm_mul_ps(vb2, _mm_loadu_ps(v + i)),
				       _mm_mul_ps(_mm_mul_ps(vb2c, gv), gv));
		__m128 denom = _mm_add_ps(_mm_mul_ps(_mm_sqrt_ps(vv), vibc), veps);
		pv = _mm_sub_ps(pv, _mm_div_ps(_mm_mul_ps(vstep, mv), denom));
		_mm_storeu_ps(p + i, pv);
		_mm_storeu_ps(m + i, mv);
		_mm_storeu_ps(v + i, vv);
	}
#endif
	for (; i < n; i++)
		adamw_one(p + i, g + i, m + i, v + i, b1, b2, eps, step, inv_bc2_sqrt, decay);
}

double wfad_nn_clip_grad_norm(struct wfad_nn_block *blk, double max_norm)
{
	/* grad: [blk->n] */
	WFAD_ASSERT(max_norm > 0.0);
	float *restrict g = blk->grad;
	size_t n = blk->n, i = 0;
	double acc[ACC] = {0}, ss = 0.0;
	for (; i + ACC <= n; i += ACC)
		for (size_t k = 0; k < ACC; k++)
			acc[k] += (double)g[i + k] * g[i + k];
	for (; i < n; i++)
		ss += (double)g[i] * g[i];
	for (size_t k = 0; k < ACC; k++)
		ss += acc[k];
	double norm = sqrt(ss);
	if (!isfinite(norm) || norm <= max_norm)
		return norm;
	float scale = (float)(max_norm / (norm + 1e-6));
	for (i = 0; i < n; i++)
		g[i] *= scale;
	return norm;
}
