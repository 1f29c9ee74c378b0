/* What the model-file harnesses share: the input as a read-only stream (NULL for an empty
 * input or when fmemopen fails, which the harness skips). */
#ifndef WFAD_FUZZ_STREAM_H
#define WFAD_FUZZ_STREAM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline FILE *fuzz_stream(const uint8_t *data, size_t size)
{
	return size ? fmemopen((void *)data, size, "rb") : NULL;
}

#endif
