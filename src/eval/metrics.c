/* Ranking metrics in double precision: ROC-AUC (ties count half), average precision over
 * distinct thresholds (as scikit-learn), precision@k, and F1 at or over thresholds. */
#include <math.h>
#include <stdint.h>
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

/* NULL when out of memory. */
static struct ranked *rank_desc(const double *score, size_t n)
{
	struct ranked *r = n <= SIZE_MAX / sizeof(*r) ? malloc((n ? n : 1) * sizeof(*r)) : NULL;
	if (!r)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		WFAD_ASSERT(!isnan(score[i]));
		r[i].score = score[i];
		r[i].row = i;
	}
	qsort(r, n, sizeof(*r), cmp_desc);
	return r;
}

static size_t positives(const uint8_t *y, size_t n)
{
	size_t pos = 0;
	for (size_t i = 0; i < n; i++)
		pos += y[i] != 0;
	return pos;
}

/* The metrics of scores already ranked by rank_desc; r[i].row indexes y. Each walks the ranking
 * one group of tied scores at a time: the group starting at i ends before the returned index,
 * *p gets its positives. */
static size_t tie_group(const struct ranked *r, const uint8_t *y, size_t n, size_t i, double *p)
{
	size_t j = i;
	*p = 0;
	for (; j < n && r[j].score == r[i].score; j++)
		*p += y[r[j].row] != 0;
	return j;
}

static double auc_ranked(const struct ranked *r, const uint8_t *y, size_t n)
{
	/* Mann-Whitney: AUC = (sum of the positives' ascending ranks - P(P+1)/2) / (P N), tied
	 * scores sharing their average rank. r is descending, so ascending rank = n - index. */
	double pos = 0, rank_sum = 0, p;
	for (size_t i = 0, j; i < n; i = j) {
		j = tie_group(r, y, n, i, &p);
		/* descending positions i..j-1 are ascending ranks n-j+1 .. n-i */
		double avg_rank = ((double)(n - j + 1) + (double)(n - i)) / 2;
		rank_sum += p * avg_rank;
		pos += p;
	}
	double neg = (double)n - pos;
	if (pos == 0 || neg == 0)
		return NAN;
	return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

/* The precision-recall curve over distinct thresholds, highest first: point k counts the true
 * and false positives among the scores >= thr[k]. p has room for n points; returns how many
 * there are (the last one's tp is the number of positives). */
struct pr_point {
	double thr, tp, fp;
};

static size_t pr_points(const struct ranked *r, const uint8_t *y, size_t n, struct pr_point *p)
{
	double tp = 0, fp = 0, g;
	size_t m = 0;
	for (size_t i = 0, j; i < n; i = j) {
		j = tie_group(r, y, n, i, &g);
		tp += g;
		fp += (double)(j - i) - g;
		p[m++] = (struct pr_point){r[i].score, tp, fp};
	}
	return m;
}

/* Average precision, walking the same curve without storing it; pos = the positives in y. */
static double ap_ranked(const struct ranked *r, const uint8_t *y, size_t n, double pos)
{
	double tp = 0, fp = 0, ap = 0, prev_recall = 0, g;
	for (size_t i = 0, j; i < n; i = j) {
		j = tie_group(r, y, n, i, &g);
		tp += g;
		fp += (double)(j - i) - g;
		double recall = pos > 0 ? tp / pos : 0;
		ap += (recall - prev_recall) * (tp / (tp + fp));
		prev_recall = recall;
	}
	return pos > 0 ? ap : NAN;
}

static double pk_ranked(const struct ranked *r, const uint8_t *y, size_t n, size_t k)
{
	if (k == 0)
		return NAN;
	if (k > n)
		k = n;
	double hits = 0;
	for (size_t i = 0; i < k; i++)
		hits += y[r[i].row] != 0;
	return hits / (double)k;
}

double wfad_metrics_roc_auc(const double *score, const uint8_t *y, size_t n)
{
	struct ranked *r = rank_desc(score, n);
	double v = r ? auc_ranked(r, y, n) : NAN;
	free(r);
	return v;
}

enum wfad_status wfad_metrics_roc_auc_status(const double *score, const uint8_t *y, size_t n,
					     double *auc)
{
	struct ranked *r = rank_desc(score, n);
	if (!r)
		return WFAD_ENOMEM;
	*auc = auc_ranked(r, y, n);
	free(r);
	return WFAD_OK;
}

/* *pts gets the curve of the scores (NULL when out of memory), *pos the positives. */
static size_t pr_curve(const double *score, const uint8_t *y, size_t n, struct pr_point **pts,
		       double *pos)
{
	struct ranked *r = rank_desc(score, n);
	struct pr_point *p = r ? malloc((n ? n : 1) * sizeof(*p)) : NULL;
	size_t m = p ? pr_points(r, y, n, p) : 0;
	free(r);
	*pts = p;
	*pos = m ? p[m - 1].tp : 0;
	return m;
}

double wfad_metrics_average_precision(const double *score, const uint8_t *y, size_t n)
{
	struct ranked *r = rank_desc(score, n);
	double v = r ? ap_ranked(r, y, n, (double)positives(y, n)) : NAN;
	free(r);
	return v;
}

double wfad_metrics_precision_at_k(const double *score, const uint8_t *y, size_t n, size_t k)
{
	if (k == 0)
		return NAN;
	struct ranked *r = rank_desc(score, n);
	double v = r ? pk_ranked(r, y, n, k) : NAN;
	free(r);
	return v;
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
	m.hits = (size_t)tp;
	m.positives = (size_t)pos;
	m.precision = tp + fp > 0 ? tp / (tp + fp) : 0;
	m.recall = pos > 0 ? tp / pos : 0;
	m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall)
					  : 0;
	return m;
}

double wfad_metrics_best_f1_threshold(const double *score, const uint8_t *y, size_t n, double *f1)
{
	struct pr_point *p;
	double pos, best = -1, best_t = 0;
	size_t m = pr_curve(score, y, n, &p, &pos);
	if (!p) {
		if (f1)
			*f1 = NAN;
		return NAN;
	}
	if (m)
		best_t = p[0].thr;
	for (size_t k = 0; k < m; k++) {
		double pr = p[k].tp / (p[k].tp + p[k].fp), rc = pos > 0 ? p[k].tp / pos : 0;
		double f = pr + rc > 0 ? 2 * pr * rc / (pr + rc) : 0;
		if (f > best) {
			best = f;
			best_t = p[k].thr;
		}
	}
	free(p);
	if (f1)
		*f1 = best < 0 ? 0 : best;
	return best_t;
}

enum wfad_status wfad_metrics_auto_threshold(const double *score, const uint8_t *y,
					     const uint8_t *normal, size_t n, double *threshold,
					     bool *max_f1)
{
	size_t pos = 0, k = 0;
	for (size_t i = 0; i < n; i++) {
		pos += y[i] != 0;
		k += !normal || normal[i];
	}
	*max_f1 = pos > 0 && pos < n;
	if (*max_f1) {
		double t = wfad_metrics_best_f1_threshold(score, y, n, NULL);
		if (isnan(t)) /* scores are never NaN: out of memory */
			return WFAD_ENOMEM;
		*threshold = t;
		return WFAD_OK;
	}
	if (n == 0) {
		*threshold = INFINITY;
		return WFAD_OK;
	}
	bool every = !normal || k == 0; /* no mask, or no job in it: every job's score */
	double *v = malloc((every ? n : k) * sizeof(double));
	if (!v)
		return WFAD_ENOMEM;
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (every || normal[i])
			v[k++] = score[i];
	qsort(v, k, sizeof(double), wfad_double_compare);
	*threshold = nextafter(v[(size_t)floor(0.99 * (double)(k - 1))], INFINITY);
	free(v);
	return WFAD_OK;
}

enum wfad_status wfad_metrics_ranking(const double *score, const uint8_t *y, size_t n,
				      struct wfad_ranking *out)
{
	/* One ranking serves the three metrics. */
	struct ranked *r = rank_desc(score, n);
	if (!r)
		return WFAD_ENOMEM;
	size_t pos = positives(y, n);
	out->roc_auc = auc_ranked(r, y, n);
	out->average_precision = ap_ranked(r, y, n, (double)pos);
	out->precision_at_k = pk_ranked(r, y, n, pos);
	free(r);
	return WFAD_OK;
}
