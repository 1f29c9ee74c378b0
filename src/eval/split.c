/* Run splits stratified by run label, seeded; jobs of one run never sit in two parts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "wfad/eval.h"

void wfad_split_free(struct wfad_split *s)
{
	if (!s)
		return;
	free(s->train);
	free(s->valid);
	free(s->test);
	memset(s, 0, sizeof(*s));
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_label(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

enum wfad_status wfad_split_runs(const struct wfad_dataset *ds, uint64_t seed, double train_frac,
				 double valid_frac, struct wfad_split *out, struct wfad_error *err)
{
	size_t n = ds->n_runs;
	if (!(train_frac > 0 && valid_frac >= 0 && train_frac + valid_frac <= 1 + 1e-9))
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "split fractions %.2f + %.2f exceed 1", train_frac,
				      valid_frac);
	bool want_test = train_frac + valid_frac < 1 - 1e-9;
	struct wfad_split s = {0};
	const char **labels = malloc((n ? n : 1) * sizeof(*labels));
	size_t *group = malloc((n ? n : 1) * sizeof(*group));
	s.train = malloc((n ? n : 1) * sizeof(size_t));
	s.valid = malloc((n ? n : 1) * sizeof(size_t));
	s.test = malloc((n ? n : 1) * sizeof(size_t));
	enum wfad_status st = WFAD_OK;
	if (!labels || !group || !s.train || !s.valid || !s.test) {
		st = wfad_error_set(err, WFAD_ENOMEM, "", 0, 0, "out of memory");
		goto cleanup;
	}
	/* Distinct labels in sorted order, so the split does not depend on run order. */
	size_t n_labels = 0;
	for (size_t r = 0; r < n; r++) {
		bool seen = false;
		for (size_t l = 0; l < n_labels && !seen; l++)
			seen = strcmp(labels[l], ds->runs[r].label) == 0;
		if (!seen)
			labels[n_labels++] = ds->runs[r].label;
	}
	qsort(labels, n_labels, sizeof(*labels), cmp_label);
	struct wfad_rng rng;
	wfad_rng_seed(&rng, seed);
	for (size_t l = 0; l < n_labels; l++) {
		size_t m = 0;
		for (size_t r = 0; r < n; r++)
			if (strcmp(ds->runs[r].label, labels[l]) == 0)
				group[m++] = r;
		for (size_t i = m; i > 1; i--) { /* Fisher-Yates */
			size_t j = (size_t)wfad_rng_below(&rng, i);
			size_t t = group[i - 1];
			group[i - 1] = group[j];
			group[j] = t;
		}
		size_t n_tr = (size_t)llround(train_frac * (double)m);
		size_t n_va = (size_t)llround(valid_frac * (double)m);
		if (m >= 3) {
			if (n_va == 0 && valid_frac > 0)
				n_va = 1;
			if (want_test && n_tr + n_va >= m)
				n_tr = m - n_va - 1;
			if (!want_test)
				n_tr = m - n_va;
			if (n_tr == 0)
				n_tr = 1;
		} else if (n_tr + n_va > m) {
			n_va = m - n_tr;
		}
		for (size_t i = 0; i < m; i++) {
			if (i < n_tr)
				s.train[s.n_train++] = group[i];
			else if (i < n_tr + n_va)
				s.valid[s.n_valid++] = group[i];
			else
				s.test[s.n_test++] = group[i];
		}
	}
	qsort(s.train, s.n_train, sizeof(size_t), cmp_size);
	qsort(s.valid, s.n_valid, sizeof(size_t), cmp_size);
	qsort(s.test, s.n_test, sizeof(size_t), cmp_size);
	*out = s;
	memset(&s, 0, sizeof(s));
cleanup:
	wfad_split_free(&s);
	free(labels);
	free(group);
	return st;
}
