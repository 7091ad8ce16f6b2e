/* Shared by the fuzz harnesses: the libFuzzer entry point. */
#ifndef TW_FUZZ_H
#define TW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts (a finding) when cond is false. */
#define FUZZ_ASSERT(cond) do { if (!(cond)) { \
	fprintf(stderr, "fuzz assertion failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
	abort(); } } while (0)

#endif
