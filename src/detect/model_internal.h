/* Internal to the model code (model.c, model_io.c, explain.c). */
#ifndef WFAD_DETECT_MODEL_INTERNAL_H
#define WFAD_DETECT_MODEL_INTERNAL_H

#include "wfad/model.h"

/* The raw fields behind struct wfad_model_tstats' columns. */
extern const enum wfad_field wfad_model_stat_fields[WFAD_MODEL_STATS];
/* Index of a transformation's statistics, or -1. */
long wfad_model_find_tstats(const struct wfad_model *m, const char *name);
/* Errors when the dataset shares nothing with the training workflow; warns on another DAG. */
enum wfad_status wfad_model_check_dataset(const struct wfad_model *m,
					  const struct wfad_dataset *ds, struct wfad_error *err);

#endif
