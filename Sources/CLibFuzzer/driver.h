#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point for programs with a main of their own (SwiftPM always gives an executable
   one). Defined only when linked with -sanitize=fuzzer; declared here so Swift can call it then. */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
