/* Internal to src/detect: XGBoost boosters inside model files, shared by the job-level gbdt
 * detector and the run-level gbdt classifier. Blob: u64 length, the booster in XGBoost's
 * UBJSON model format, then (checked blobs) the u64 FNV-1a of those bytes: XGBoost's UBJSON
 * reader trusts the lengths inside the blob and reads past its buffer on a corrupt one
 * (found by fuzz/fuzz_run_model.c), so a blob is handed to it only when the checksum holds. */
#ifndef WFAD_DETECT_XGB_IO_H
#define WFAD_DETECT_XGB_IO_H

#include <stdbool.h>
#include <stdio.h>
#include <xgboost/c_api.h>

#include "wfad/core.h"

#define WFAD_XGB_MAX_MODEL_BYTES ((uint64_t)1 << 31)

/* A checked blob. WFAD_EINVAL when XGBoost cannot serialise b, WFAD_EIO on a write error. */
enum wfad_status wfad_xgb_write_booster(BoosterHandle b, FILE *f);
/* Reads a blob (checked: with its checksum, which must match; unchecked: as version 1 job
 * models wrote it) and creates *out from it (the caller frees it with XGBoosterFree). name
 * prefixes the messages: WFAD_EPARSE (truncated, empty, corrupt or not a booster),
 * WFAD_ELIMIT, WFAD_ENOMEM. A corrupt length never allocates much more than the file holds. */
enum wfad_status wfad_xgb_read_booster(FILE *f, const char *name, bool checked,
				       BoosterHandle *out, struct wfad_error *err);

#endif
