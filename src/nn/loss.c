/* Losses with their input gradients: softmax cross-entropy with class weights, binary
 * cross-entropy on logits with a positive-class weight, mean squared error. Sums in double. */
#include <math.h>

#include "wfad/nn.h"

/* Long sums use ACC independent double accumulators, added up in a fixed order at the end:
 * the same result on every run, without one long dependency chain of additions. */
enum { ACC = 8 };

/* log(sum_j exp(z_j)) of one row of c logits, shifted by the row maximum. */
static double log_sum_exp(size_t c, const float *restrict z, double *zmax)
{
	double mx = z[0];
	for (size_t j = 1; j < c; j++)
		if (z[j] > mx)
			mx = z[j];
	double s = 0.0;
	for (size_t j = 0; j < c; j++)
		s += exp((double)z[j] - mx);
	*zmax = mx;
	return mx + log(s);
}

static double class_weight_sum(size_t n, size_t c, const uint32_t *restrict y,
			       const float *restrict w)
{
	double total = 0.0;
	for (size_t i = 0; i < n; i++) {
		WFAD_ASSERT(y[i] < c);
		total += w ? w[y[i]] : 1.0;
	}
	return total;
}

double wfad_nn_softmax_xent_forward(size_t n, size_t c, const float *restrict z,
				    const uint32_t *restrict y, const float *restrict w)
{
	/* z: [n x c], y: [n], w: [c] or NULL */
	WFAD_ASSERT(c > 0);
	double total = class_weight_sum(n, c, y, w);
	if (n == 0 || total == 0.0)
		return 0.0;
	double loss = 0.0;
	for (size_t i = 0; i < n; i++) {
		double mx;
		double lse = log_sum_exp(c, z + i * c, &mx);
		double wi = w ? w[y[i]] : 1.0;
		loss += wi * (lse - z[i * c + y[i]]);
	}
	return loss / total;
}

void wfad_nn_softmax_xent_backward(size_t n, size_t c, const float *restrict z,
				   const uint32_t *restrict y, const float *restrict w,
				   float *restrict dz)
{
	/* z, dz: [n x c], y: [n], w: [c] or NULL */
	WFAD_ASSERT(c > 0);
	double total = class_weight_sum(n, c, y, w);
	if (n == 0 || total == 0.0)
		return;
	for (size_t i = 0; i < n; i++) {
		double mx;
		double lse = log_sum_exp(c, z + i * c, &mx);
		double scale = (w ? w[y[i]] : 1.0) / total;
		for (size_t j = 0; j < c; j++) {
			double p = exp((double)z[i * c + j] - lse);
			dz[i * c + j] += (float)(scale * (p - (j == y[i] ? 1.0 : 0.0)));
		}
	}
}

void wfad_nn_softmax_rows(size_t n, size_t c, const float *restrict z, double *restrict p)
{
	for (size_t i = 0; i < n; i++) {
		const float *zi = z + i * c;
		double mx = zi[0], s = 0.0;
		for (size_t k = 1; k < c; k++)
			mx = zi[k] > mx ? zi[k] : mx;
		for (size_t k = 0; k < c; k++)
			s += exp((double)zi[k] - mx);
		for (size_t k = 0; k < c; k++)
			p[i * c + k] = exp((double)zi[k] - mx) / s;
	}
}

void wfad_nn_balanced_weights(size_t c, const size_t *restrict count, float *restrict w)
{
	size_t total = 0, present = 0;
	for (size_t k = 0; k < c; k++) {
		total += count[k];
		present += count[k] > 0;
	}
	for (size_t k = 0; k < c; k++)
		w[k] = count[k] ? (float)((double)total / ((double)present * (double)count[k]))
				: 0.0f;
}

double wfad_nn_bce_logits_forward(size_t n, const float *restrict z, const float *restrict t,
				  float pos_weight)
{
	/* z, t: [n] */
	if (n == 0)
		return 0.0;
	double loss = 0.0;
	for (size_t i = 0; i < n; i++) {
		double zi = z[i], ti = t[i];
		double lw = 1.0 + ((double)pos_weight - 1.0) * ti;
		/* -log sigmoid(z) = softplus(-z) = log1p(exp(-|z|)) + max(-z, 0) */
		double sp = log1p(exp(-fabs(zi))) + (zi < 0.0 ? -zi : 0.0);
		loss += (1.0 - ti) * zi + lw * sp;
	}
	return loss / (double)n;
}

void wfad_nn_bce_logits_backward(size_t n, const float *restrict z, const float *restrict t,
				 float pos_weight, float *restrict dz)
{
	/* z, t, dz: [n] */
	if (n == 0)
		return;
	double inv_n = 1.0 / (double)n;
	for (size_t i = 0; i < n; i++) {
		double zi = z[i], ti = t[i];
		double lw = 1.0 + ((double)pos_weight - 1.0) * ti;
		double e = exp(-fabs(zi));
		double sig_neg = zi >= 0.0 ? e / (1.0 + e) : 1.0 / (1.0 + e); /* sigmoid(-z) */
		if (isnan(zi))
			sig_neg = zi;
		dz[i] += (float)(((1.0 - ti) - lw * sig_neg) * inv_n);
	}
}

double wfad_nn_mse_forward(size_t n, const float *restrict p, const float *restrict t)
{
	/* p, t: [n] */
	if (n == 0)
		return 0.0;
	double acc[ACC] = {0};
	size_t i = 0;
	for (; i + ACC <= n; i += ACC)
		for (size_t k = 0; k < ACC; k++) {
			double e = (double)p[i + k] - t[i + k];
			acc[k] += e * e;
		}
	double s = 0.0;
	for (; i < n; i++) {
		double e = (double)p[i] - t[i];
		s += e * e;
	}
	for (size_t k = 0; k < ACC; k++)
		s += acc[k];
	return s / (double)n;
}

void wfad_nn_mse_backward(size_t n, const float *restrict p, const float *restrict t,
			  float *restrict dp)
{
	/* p, t, dp: [n] */
	if (n == 0)
		return;
	float scale = (float)(2.0 / (double)n);
	size_t i = 0;
	for (; i + ACC <= n; i += ACC)
		for (size_t k = 0; k < ACC; k++)
			dp[i + k] += scale * (p[i + k] - t[i + k]);
	for (; i < n; i++)
		dp[i] += scale * (p[i] - t[i]);
}

void wfad_nn_mse_rows(size_t rows, size_t cols, const float *restrict p, const float *restrict t,
		      double *restrict out)
{
	/* p, t: [rows x cols], out: [rows] */
	for (size_t r = 0; r < rows; r++) {
		double s = 0.0;
		for (size_t j = 0; j < cols; j++) {
			double e = (double)p[r * cols + j] - t[r * cols + j];
			s += e * e;
		}
		out[r] = cols ? s / (double)cols : 0.0;
	}
}
