//===- TestRandom.h - Deterministic random data for the kernel tests -------===//
//
// splitmix64 with a fixed seed: tiny, and identical with every standard
// library and on every platform (host, aarch64 under QEMU), so every run of
// every test sees the same data.
//
//===----------------------------------------------------------------------===//

#ifndef BNNC_TEST_UNIT_TESTRANDOM_H
#define BNNC_TEST_UNIT_TESTRANDOM_H

#include <cstdint>

namespace bnnc_test {

class Rng {
public:
  explicit Rng(uint64_t seed) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform integer in [lo, hi].
  int32_t range(int32_t lo, int32_t hi) {
    return lo +
           static_cast<int32_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
  /// Uniform float in [lo, hi).
  float uniform(float lo, float hi) {
    return lo + (hi - lo) * static_cast<float>(next() >> 40) * 0x1p-24f;
  }
  /// +1 or -1 with equal odds.
  int pm1() { return (next() & 1) ? -1 : 1; }
  /// A float activation: mostly random, with exact +0.0 and -0.0 mixed in,
  /// since b(+-0) = +1 is the binarizer's edge.
  float activation() {
    const uint64_t r = next() % 16;
    if (r == 0)
      return 0.0f;
    if (r == 1)
      return -0.0f;
    return uniform(-2.0f, 2.0f);
  }

private:
  uint64_t state;
};

} // namespace bnnc_test

#endif // BNNC_TEST_UNIT_TESTRANDOM_H
