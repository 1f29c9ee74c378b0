/* The recorded-data oracle: reveals runs of a dataset's pool, by index or by class. */
#include <stdlib.h>
#include <string.h>

#include "wfad/active.h"

bool wfad_active_label_matches(const char *run_label, const char *want)
{
	if (!want || !*want || strcmp(want, "any") == 0)
		return true;
	if (strcmp(run_label, want) == 0)
		return true;
	enum wfad_anomaly a = wfad_anomaly_of_label(run_label);
	if (strcmp(want, "normal") == 0)
		return a == WFAD_ANOMALY_NONE && strcmp(run_label, "unlabeled") != 0;
	if (strchr(want, '_'))
		return false; /* an exact label that did not match */
	/* A family: the text before '_' ("cpu" for "cpu_2") or the family's name ("network"). */
	size_t len = strcspn(run_label, "_");
	if (run_label[len] == '_' && strlen(want) == len && strncmp(run_label, want, len) == 0)
		return true;
	return a != WFAD_ANOMALY_NONE && strcmp(wfad_anomaly_name(a), want) == 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_label(const void *a, const void *b)
{
	return wfad_label_compare(*(const char *const *)a, *(const char *const *)b);
}

enum wfad_status wfad_oracle_recorded_init(struct wfad_oracle_recorded *o,
					   const struct wfad_dataset *ds, const size_t *pool,
					   size_t n_pool, uint64_t seed)
{
	struct wfad_oracle_recorded t = {.ds = ds, .n_pool = n_pool};
	t.pool = malloc((n_pool ? n_pool : 1) * sizeof(size_t));
	t.labels = malloc((n_pool ? n_pool : 1) * sizeof(char *));
	if (!t.pool || !t.labels) {
		wfad_oracle_recorded_free(&t);
		return WFAD_ENOMEM;
	}
	memcpy(t.pool, pool, n_pool * sizeof(size_t));
	qsort(t.pool, n_pool, sizeof(size_t), cmp_size);
	for (size_t i = 0; i < n_pool; i++) {
		WFAD_ASSERT(t.pool[i] < ds->n_runs);
		const char *label = ds->runs[t.pool[i]].label;
		bool seen = false;
		for (size_t k = 0; k < t.n_labels && !seen; k++)
			seen = strcmp(t.labels[k], label) == 0;
		if (!seen)
			t.labels[t.n_labels++] = label;
	}
	qsort(t.labels, t.n_labels, sizeof(char *), cmp_label);
	wfad_rng_seed(&t.rng, seed ^ 0x6f7261636c65ull); /* "oracle" */
	*o = t;
	return WFAD_OK;
}

void wfad_oracle_recorded_free(struct wfad_oracle_recorded *o)
{
	if (!o)
		return;
	free(o->pool);
	free(o->labels);
	memset(o, 0, sizeof(*o));
}

size_t wfad_oracle_recorded_count(const struct wfad_oracle_recorded *o, const char *label)
{
	size_t n = 0;
	for (size_t i = 0; i < o->n_pool; i++)
		n += wfad_active_label_matches(o->ds->runs[o->pool[i]].label, label);
	return n;
}

static void take(struct wfad_oracle_recorded *o, size_t i, size_t *run)
{
	*run = o->pool[i];
	memmove(o->pool + i, o->pool + i + 1, (o->n_pool - i - 1) * sizeof(size_t));
	o->n_pool--;
}

static enum wfad_status recorded_request(void *self, const struct wfad_oracle_request *req,
					 size_t *run, struct wfad_error *err)
{
	struct wfad_oracle_recorded *o = self;
	if (req->workflow && *req->workflow &&
	    !wfad_workflow_name_equal(req->workflow, o->ds->workflow))
		return wfad_error_set(err, WFAD_EINVAL, "", 0, 0,
				      "the oracle holds runs of '%s', not '%s'", o->ds->workflow,
				      req->workflow);
	if (o->n_pool == 0)
		return wfad_error_set(err, WFAD_ENOTFOUND, "", 0, 0,
				      "the pool is empty: every run has been labelled");
	if (req->run != WFAD_ORACLE_ANY_RUN) {
		for (size_t i = 0; i < o->n_pool; i++) {
			if (o->pool[i] == req->run) {
				take(o, i, run);
				return WFAD_OK;
			}
		}
		return wfad_error_set(err, WFAD_ENOTFOUND, "", 0, 0,
				      "run %zu is not in the pool (held out or already labelled)",
				      req->run);
	}
	/* The hosts hint cannot change recorded runs; a live controller would use it. */
	size_t n = wfad_oracle_recorded_count(o, req->label);
	if (n == 0)
		return wfad_error_set(err, WFAD_ENOTFOUND, "", 0, 0,
				      "no unlabelled run of class '%s' is left in the pool (%zu "
				      "runs left)",
				      req->label ? req->label : "any", o->n_pool);
	size_t pick = (size_t)wfad_rng_below(&o->rng, n);
	for (size_t i = 0; i < o->n_pool; i++) {
		if (!wfad_active_label_matches(o->ds->runs[o->pool[i]].label, req->label))
			continue;
		if (pick-- == 0) {
			take(o, i, run);
			return WFAD_OK;
		}
	}
	WFAD_ASSERT(false);
	return WFAD_EINVAL;
}

static size_t recorded_classes(void *self, const char **out, size_t max)
{
	struct wfad_oracle_recorded *o = self;
	size_t n = 0;
	for (size_t k = 0; k < o->n_labels; k++) {
		if (wfad_oracle_recorded_count(o, o->labels[k]) == 0)
			continue;
		if (n < max)
			out[n] = o->labels[k];
		n++;
	}
	return n;
}

struct wfad_oracle wfad_oracle_recorded_as(struct wfad_oracle_recorded *o)
{
	return (struct wfad_oracle){
		.self = o, .request = recorded_request, .classes = recorded_classes};
}
