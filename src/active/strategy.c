/* Active-learning strategies: job uncertainty from P(anomalous), per-run aggregation, run
 * uncertainty from class probabilities and the choice of the most uncertain runs. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/active.h"

static const char *const strategy_names[WFAD_ACTIVE_STRATEGY_COUNT] = {
	"random", "least-confidence", "margin", "entropy", "anomaly-targeting"};

const char *wfad_active_strategy_name(enum wfad_active_strategy s)
{
	return (unsigned)s < WFAD_ACTIVE_STRATEGY_COUNT ? strategy_names[s] : "?";
}

enum wfad_status wfad_active_strategy_parse(const char *name, enum wfad_active_strategy *out)
{
	for (int s = 0; s < WFAD_ACTIVE_STRATEGY_COUNT; s++) {
		if (strcmp(name, strategy_names[s]) == 0) {
			*out = (enum wfad_active_strategy)s;
			return WFAD_OK;
		}
	}
	return WFAD_EINVAL;
}

double wfad_active_job_uncertainty(enum wfad_active_strategy s, double p)
{
	if (!(p >= 0.0)) /* NaN counts as "no idea" */
		p = isnan(p) ? 0.5 : 0.0;
	if (p > 1.0)
		p = 1.0;
	switch (s) {
	case WFAD_ACTIVE_LEAST_CONFIDENCE: return 1.0 - (p > 1.0 - p ? p : 1.0 - p);
	case WFAD_ACTIVE_MARGIN: return 1.0 - fabs(2.0 * p - 1.0);
	case WFAD_ACTIVE_ENTROPY: {
		double h = 0.0;
		if (p > 0.0)
			h -= p * log2(p);
		if (p < 1.0)
			h -= (1.0 - p) * log2(1.0 - p);
		return h;
	}
	default: return 0.0;
	}
}

double wfad_active_run_uncertainty(enum wfad_active_strategy s, enum wfad_active_aggregate agg,
				   const double *p, size_t n_jobs)
{
	double acc = 0.0;
	for (size_t i = 0; i < n_jobs; i++) {
		double u = wfad_active_job_uncertainty(s, p[i]);
		if (agg == WFAD_ACTIVE_MAX)
			acc = u > acc ? u : acc;
		else
			acc += u;
	}
	if (agg == WFAD_ACTIVE_MEAN && n_jobs)
		acc /= (double)n_jobs;
	return acc;
}

size_t wfad_active_top(const double *u, size_t n, size_t k, size_t *out)
{
	size_t m = k < n ? k : n;
	/* Selection by repeated scans: k is a handful of runs per round. */
	for (size_t j = 0; j < m; j++) {
		size_t best = SIZE_MAX;
		for (size_t r = 0; r < n; r++) {
			bool taken = false;
			for (size_t q = 0; q < j && !taken; q++)
				taken = out[q] == r;
			if (taken)
				continue;
			if (best == SIZE_MAX || u[r] > u[best])
				best = r;
		}
		out[j] = best;
	}
	return m;
}

size_t wfad_active_select(enum wfad_active_strategy s, enum wfad_active_aggregate agg,
			  const double *p, size_t n_runs, size_t jobs_per_run, size_t k,
			  size_t *out, double *scratch)
{
	for (size_t r = 0; r < n_runs; r++)
		scratch[r] =
			wfad_active_run_uncertainty(s, agg, p + r * jobs_per_run, jobs_per_run);
	return wfad_active_top(scratch, n_runs, k, out);
}

double wfad_active_class_uncertainty(enum wfad_active_strategy s, const double *p, size_t n_classes)
{
	double top1 = 0.0, top2 = 0.0, h = 0.0;
	for (size_t c = 0; c < n_classes; c++) {
		double v = p[c] > 0.0 ? p[c] : 0.0; /* NaN and negatives count as 0 */
		if (v > top1) {
			top2 = top1;
			top1 = v;
		} else if (v > top2) {
			top2 = v;
		}
		if (v > 0.0)
			h -= v * log2(v);
	}
	switch (s) {
	case WFAD_ACTIVE_LEAST_CONFIDENCE: return 1.0 - top1;
	case WFAD_ACTIVE_MARGIN: return 1.0 - (top1 - top2);
	case WFAD_ACTIVE_ENTROPY: return h;
	default: return 0.0;
	}
}
