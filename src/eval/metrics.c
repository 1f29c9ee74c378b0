/* Ranking metrics in double precision: ROC-AUC (ties count half), average precision over
 * distinct thresholds (as scikit-learn), precision@k, and F1 at or over thresholds. */
#include <math.h>
#include <stdlib.h>

#include "wfad/eval.h"

struct ranked {
	double score;
	size_t row;
};

/* Descending score, ascending row among ties. */
static int cmp_desc(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->row < y->row ? -1 : x->row > y->row;
}

static struct ranked *rank_desc(const double *score, size_t n)
{
	struct ranked *r = malloc((n ? n : 1) * sizeof(*r));
	WFAD_ASSERT(r);
	for (size_t i = 0; i < n; i++) {
		WFAD_ASSERT(!isnan(score[i]));
		r[i].score = score[i];
		r[i].row = i;
	}
	qsort(r, n, sizeof(*r), cmp_desc);
	return r;
}

double wfad_metrics_roc_auc(const double *score, const uint8_t *y, size_t n)
{
	/* Mann-Whitney: AUC = (sum of the positives' ascending ranks - P(P+1)/2) / (P N), tied
	 * scores sharing their average rank. r is descending, so ascending rank = n - index. */
	struct ranked *r = rank_desc(score, n);
	double pos = 0, rank_sum = 0;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		double p = 0;
		while (j < n && r[j].score == r[i].score)
			p += y[r[j++].row] != 0;
		/* descending positions i..j-1 are ascending ranks n-j+1 .. n-i */
		double avg_rank = ((double)(n - j + 1) + (double)(n - i)) / 2;
		rank_sum += p * avg_rank;
		pos += p;
		i = j;
	}
	free(r);
	double neg = (double)n - pos;
	if (pos == 0 || neg == 0)
		return NAN;
	return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

double wfad_metrics_average_precision(const double *score, const uint8_t *y, size_t n)
{
	struct ranked *r = rank_desc(score, n);
	double pos = 0;
	for (size_t i = 0; i < n; i++)
		pos += y[i] != 0;
	double ap = 0, tp = 0, fp = 0, prev_recall = 0;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && r[j].score == r[i].score) {
			if (y[r[j].row])
				tp++;
			else
				fp++;
			j++;
		}
		double recall = pos > 0 ? tp / pos : 0;
		ap += (recall - prev_recall) * (tp / (tp + fp));
		prev_recall = recall;
		i = j;
	}
	free(r);
	return pos > 0 ? ap : NAN;
}

double wfad_metrics_precision_at_k(const double *score, const uint8_t *y, size_t n, size_t k)
{
	if (k == 0)
		return NAN;
	if (k > n)
		k = n;
	struct ranked *r = rank_desc(score, n);
	double hits = 0;
	for (size_t i = 0; i < k; i++)
		hits += y[r[i].row] != 0;
	free(r);
	return hits / (double)k;
}

struct wfad_prf wfad_metrics_prf(const double *score, const uint8_t *y, size_t n, double threshold)
{
	double tp = 0, fp = 0, pos = 0;
	for (size_t i = 0; i < n; i++) {
		pos += y[i] != 0;
		if (score[i] >= threshold) {
			if (y[i])
				tp++;
			else
				fp++;
		}
	}
	struct wfad_prf m;
	m.flagged = (size_t)(tp + fp);
	m.precision = tp + fp > 0 ? tp / (tp + fp) : 0;
	m.recall = pos > 0 ? tp / pos : 0;
	m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall)
					  : 0;
	return m;
}

double wfad_metrics_best_f1_threshold(const double *score, const uint8_t *y, size_t n, double *f1)
{
	struct ranked *r = rank_desc(score, n);
	double pos = 0;
	for (size_t i = 0; i < n; i++)
		pos += y[i] != 0;
	double tp = 0, fp = 0, best = -1, best_t = n ? r[0].score : 0;
	size_t i = 0;
	while (i < n) {
		size_t j = i;
		while (j < n && r[j].score == r[i].score) {
			if (y[r[j].row])
				tp++;
			else
				fp++;
			j++;
		}
		double p = tp / (tp + fp), rc = pos > 0 ? tp / pos : 0;
		double f = p + rc > 0 ? 2 * p * rc / (p + rc) : 0;
		if (f > best) {
			best = f;
			best_t = r[i].score;
		}
		i = j;
	}
	free(r);
	if (f1)
		*f1 = best < 0 ? 0 : best;
	return best_t;
}
