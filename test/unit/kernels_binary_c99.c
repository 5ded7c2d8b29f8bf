/*
 * Compile-only check: bnnc/kernels_binary.h is C99 and warning-clean with
 * -std=c99 -Wall -Wextra -Wconversion -Wshadow -Werror -pedantic (the flags of
 * test/targets/warnings.test; -Wconversion includes -Wsign-conversion in C).
 * Generated model code includes the header exactly like this, so a warning
 * here would fail every binary model.
 */
#include "bnnc/kernels_binary.h"

/* ISO C forbids an empty translation unit; the header alone has only static
 * inline functions, so give the object one external symbol. */
int bnnc_kernels_binary_c99_check(void);
int bnnc_kernels_binary_c99_check(void) { return BNNC_BDOT_MAX > 0; }
