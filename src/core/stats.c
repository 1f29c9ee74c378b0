/* Small order statistics shared by the fitting code: a double comparator and the median. */
#include <math.h>
#include <stdlib.h>

#include "wfad/core.h"

int wfad_double_compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

size_t wfad_top_positive(const double *v, size_t n, size_t max, size_t *top)
{
	size_t r = 0;
	for (size_t i = 0; max > 0 && i < n; i++) {
		if (!(v[i] > 0.0) || (r == max && !(v[i] > v[top[max - 1]])))
			continue;
		size_t at = r < max ? r++ : max - 1;
		for (; at > 0 && v[top[at - 1]] < v[i]; at--)
			top[at] = top[at - 1];
		top[at] = i;
	}
	return r;
}

double wfad_median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), wfad_double_compare);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
