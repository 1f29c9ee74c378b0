/* Small order statistics shared by the fitting code: a double comparator and the median. */
#include <math.h>
#include <stdlib.h>

#include "wfad/core.h"

int wfad_double_compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double wfad_median(double *v, size_t n)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), wfad_double_compare);
	return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}
