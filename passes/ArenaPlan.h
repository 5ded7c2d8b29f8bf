//===- ArenaPlan.h - Offsets of tensors in one arena ----------------------===//
//
// The placement half of bnn-plan-memory, free of MLIR so that the unit tests
// can drive it directly: buffers with a size and an inclusive live interval
// of op indices get byte offsets such that no two buffers live at the same
// time share a byte.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_PASSES_ARENAPLAN_H
#define BNNC_PASSES_ARENAPLAN_H

#include <cstdint>
#include <string>
#include <vector>

namespace bnnc {

struct ArenaBuffer {
  int64_t size = 0;          // bytes, already rounded to the alignment
  int64_t begin = 0, end = 0; // live interval [begin, end], op indices
  int64_t offset = -1;        // the result
};

/// True when the live intervals of a and b share an op.
inline bool liveTogether(const ArenaBuffer &a, const ArenaBuffer &b) {
  return a.begin <= b.end && b.begin <= a.end;
}

/// The largest total size of buffers live at one op: no placement can need
/// less arena.
int64_t arenaLowerBound(const std::vector<ArenaBuffer> &buffers);

/// Assigns every buffer's offset (a multiple of `alignment`, which must
/// divide every size) and returns the arena size. Several first-fit
/// placements (largest first, earliest first, longest-lived first, and
/// alternating ends for chains) are tried; the smallest wins, and the search
/// stops as soon as one meets the lower bound.
int64_t planArena(std::vector<ArenaBuffer> &buffers, int64_t alignment);

/// Checks a placement: every offset set and aligned, no two buffers live
/// together overlapping in bytes, all inside `arenaSize`. On failure, says
/// why in `*why` (if given).
bool checkArena(const std::vector<ArenaBuffer> &buffers, int64_t arenaSize,
                int64_t alignment, std::string *why = nullptr);

} // namespace bnnc

#endif // BNNC_PASSES_ARENAPLAN_H
