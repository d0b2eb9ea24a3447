// libFuzzer's driver entry point (in libclang_rt.fuzzer, linked by
// `-sanitize=fuzzer`). Only Tools/fuzz uses it, and only when built with -DFUZZING.
#include <stddef.h>
#include <stdint.h>
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
