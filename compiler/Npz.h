//===- Npz.h - Reading numpy .npz files (np.savez / np.savez_compressed) --===//
//
// The calibration data of --quantize=int8 is an .npz: a zip archive of
// .npy arrays (numpy's format: a magic string, a header dict with 'descr',
// 'fortran_order' and 'shape', then the raw data). bnnc reads stored and
// deflated members, little-endian numeric dtypes, C order.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_COMPILER_NPZ_H
#define BNNC_COMPILER_NPZ_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace bnnc {

/// One array of an .npz, its values converted to double (every dtype bnnc
/// reads, int64 up to 2^53 and float32, converts exactly).
struct NpyArray {
  std::string name; ///< the member name without ".npy"
  std::string descr;
  llvm::SmallVector<int64_t> shape;
  std::vector<double> values;
};

/// Reads every array of `path`; an error names the file and the member.
llvm::Expected<std::vector<NpyArray>> readNpz(llvm::StringRef path);

} // namespace bnnc

#endif // BNNC_COMPILER_NPZ_H
