/* Internal to src/detect (and its tests): the isolation forest's path-length normaliser. */
#ifndef WFAD_DETECT_IFOREST_H
#define WFAD_DETECT_IFOREST_H

#include <stddef.h>

/* Average path length of an unsuccessful search in a binary search tree of n points, the
 * normaliser of Liu et al.: c(n) = 2 H(n - 1) - 2 (n - 1) / n with H(i) = ln(i) + 0.5772156649,
 * c(2) = 1 and c(n) = 0 for n < 2 (the paper's cases; scikit-learn uses the same). */
double wfad_iforest_c(size_t n);

#endif
