//===- AsanOptions.cpp - AddressSanitizer defaults of the fuzz targets ----===//
//
// bnnc's code is instrumented, Debian's libMLIR is not, and both allocate
// from the same llvm::BumpPtrAllocator (MLIR's storage uniquer). The
// allocator's inline code, compiled into our instrumented objects, poisons
// each new slab and unpoisons what it hands out; libMLIR's uninstrumented
// copy hands out memory from such a slab without unpoisoning it, so ASan
// reports a "use-after-poison" on valid memory (seen after 366,100 inputs of
// bnnc-fuzz-compile: DenseElementsAttr storage in a slab started for a bnn
// attribute). Manual poisoning is therefore switched off; ASan's own
// red zones, use-after-free and leak checks stay on. ASAN_OPTIONS given at
// run time still take precedence.
//
//===----------------------------------------------------------------------===//

extern "C" const char *__asan_default_options() {
  return "allow_user_poisoning=0";
}
