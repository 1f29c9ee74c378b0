/* Internal to src/detect: grouping of identical feature rows, so detectors search or score
 * each distinct row once (Flow-Bench jobs repeat their delays a lot). */
#ifndef WFAD_DETECT_ROW_DEDUP_H
#define WFAD_DETECT_ROW_DEDUP_H

#include <stddef.h>
#include <stdint.h>

#include "wfad/core.h"

/* Most rows a dedup accepts: ids are uint32_t. */
#define WFAD_ROWS_MAX ((size_t)UINT32_MAX - 1)

/* Groups identical rows of x (n x d): group[i] gets the id of row i's values, ids numbered by
 * first occurrence; first[0..*n_unique) gets the first row of each id (first holds n).
 * -0.0 equals 0.0. WFAD_ENOMEM; WFAD_ELIMIT when n > WFAD_ROWS_MAX. */
enum wfad_status wfad_rows_dedup(const float *x, size_t n, size_t d, uint32_t *group,
				 uint32_t *first, size_t *n_unique);

#endif
