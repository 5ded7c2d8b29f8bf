//===- ArenaPlan.cpp - Offsets of tensors in one arena --------------------===//

#include "passes/ArenaPlan.h"

#include <algorithm>
#include <functional>
#include <numeric>

namespace bnnc {

int64_t arenaLowerBound(const std::vector<ArenaBuffer> &buffers) {
  // The live total only grows at an interval's start, so the maximum is
  // reached at one of them.
  int64_t best = 0;
  for (const ArenaBuffer &at : buffers) {
    int64_t live = 0;
    for (const ArenaBuffer &b : buffers)
      if (b.begin <= at.begin && at.begin <= b.end)
        live += b.size;
    best = std::max(best, live);
  }
  return best;
}

namespace {

using Order = std::vector<size_t>;

/// The indices 0..n-1 ordered by `less` on indices, ties in index order:
/// what a stable sort gives. std::sort with the index as tie-break instead
/// of std::stable_sort, whose libstdc++ 12 implementation calls the
/// deprecated std::get_temporary_buffer (a clang-19 warning).
template <typename Less> Order indicesSortedBy(size_t n, Less less) {
  Order order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (less(a, b) != less(b, a))
      return less(a, b);
    return a < b;
  });
  return order;
}

/// First fit in `order`: each buffer goes to the lowest offset where it
/// overlaps no already placed buffer live at the same time. Returns the
/// arena size; offsets land in `offsets`.
int64_t firstFit(const std::vector<ArenaBuffer> &buffers, const Order &order,
                 std::vector<int64_t> &offsets) {
  offsets.assign(buffers.size(), -1);
  int64_t arena = 0;
  std::vector<size_t> placed, conflicts;
  for (size_t i : order) {
    const ArenaBuffer &b = buffers[i];
    conflicts.clear();
    for (size_t p : placed)
      if (liveTogether(b, buffers[p]))
        conflicts.push_back(p);
    std::sort(conflicts.begin(), conflicts.end(),
              [&](size_t x, size_t y) { return offsets[x] < offsets[y]; });
    int64_t offset = 0;
    for (size_t c : conflicts) {
      if (offset + b.size <= offsets[c])
        break;
      offset = std::max(offset, offsets[c] + buffers[c].size);
    }
    offsets[i] = offset;
    arena = std::max(arena, offset + b.size);
    placed.push_back(i);
  }
  return arena;
}

/// Buffers in program order, each at the bottom or the top of an arena of
/// `bound` bytes, alternating; exact for chains (only neighbours live
/// together, and two neighbours fit side by side within the bound).
/// Returns -1 when some buffer collides.
int64_t alternateEnds(const std::vector<ArenaBuffer> &buffers, int64_t bound,
                      int64_t alignment, std::vector<int64_t> &offsets) {
  Order order = indicesSortedBy(buffers.size(), [&](size_t a, size_t b) {
    return buffers[a].begin < buffers[b].begin;
  });
  offsets.assign(buffers.size(), -1);
  bool top = false;
  for (size_t i : order) {
    int64_t size = buffers[i].size;
    offsets[i] = top ? (bound - size) / alignment * alignment : 0;
    top = !top;
  }
  std::vector<ArenaBuffer> placed = buffers;
  for (size_t i = 0; i < placed.size(); ++i)
    placed[i].offset = offsets[i];
  return checkArena(placed, bound, alignment) ? bound : -1;
}

} // namespace

int64_t planArena(std::vector<ArenaBuffer> &buffers, int64_t alignment) {
  const int64_t bound = arenaLowerBound(buffers);
  auto by = [&](std::function<bool(const ArenaBuffer &, const ArenaBuffer &)>
                    less) {
    return indicesSortedBy(buffers.size(), [&](size_t a, size_t b) {
      return less(buffers[a], buffers[b]);
    });
  };
  const std::vector<Order> orders = {
      by([](const ArenaBuffer &a, const ArenaBuffer &b) {
        return a.size > b.size;
      }),
      by([](const ArenaBuffer &a, const ArenaBuffer &b) {
        return a.begin < b.begin;
      }),
      by([](const ArenaBuffer &a, const ArenaBuffer &b) {
        return a.end - a.begin > b.end - b.begin;
      }),
      by([](const ArenaBuffer &a, const ArenaBuffer &b) {
        return a.size * (a.end - a.begin + 1) > b.size * (b.end - b.begin + 1);
      }),
  };
  std::vector<int64_t> best, offsets;
  int64_t bestArena = -1;
  for (const Order &order : orders) {
    int64_t arena = firstFit(buffers, order, offsets);
    if (bestArena < 0 || arena < bestArena) {
      bestArena = arena;
      best = offsets;
    }
    if (bestArena == bound)
      break;
  }
  if (bestArena > bound && alternateEnds(buffers, bound, alignment, offsets) == bound) {
    bestArena = bound;
    best = offsets;
  }
  for (size_t i = 0; i < buffers.size(); ++i)
    buffers[i].offset = best[i];
  return bestArena;
}

bool checkArena(const std::vector<ArenaBuffer> &buffers, int64_t arenaSize,
                int64_t alignment, std::string *why) {
  auto fail = [&](const std::string &message) {
    if (why)
      *why = message;
    return false;
  };
  for (size_t i = 0; i < buffers.size(); ++i) {
    const ArenaBuffer &a = buffers[i];
    if (a.offset < 0 || a.offset % alignment != 0 ||
        a.offset + a.size > arenaSize)
      return fail("buffer " + std::to_string(i) + " at offset " +
                  std::to_string(a.offset) + " is unaligned or outside the " +
                  std::to_string(arenaSize) + "-byte arena");
    for (size_t j = i + 1; j < buffers.size(); ++j) {
      const ArenaBuffer &b = buffers[j];
      if (liveTogether(a, b) && a.offset < b.offset + b.size &&
          b.offset < a.offset + a.size)
        return fail("buffers " + std::to_string(i) + " and " +
                    std::to_string(j) + " are live together and overlap");
    }
  }
  return true;
}

} // namespace bnnc
