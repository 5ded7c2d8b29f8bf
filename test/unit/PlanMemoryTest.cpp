//===- PlanMemoryTest.cpp - The arena planner, checked not assumed ---------===//
//
// planArena (passes/ArenaPlan.cpp): on chains the arena equals the lower
// bound; on random interval sets every placement is overlap-free (checked
// with checkArena and again here pair by pair) and never below the bound.
//
// bnn-plan-memory (passes/PlanMemory.cpp) on random elementwise programs:
// liveness is recomputed here from the IR, independently of the pass, and
// any two tensors that are live together and share arena bytes must be a
// legal in-place pair (the later kernel reads the earlier tensor, of the
// same type, at its last use); the planned arena is at least the bound the
// pass reports, which is at most the largest live total computed here (an
// in-place pair counts once). Fixed seeds.
//
//===----------------------------------------------------------------------===//

#include "compiler/Pipeline.h"
#include "passes/ArenaPlan.h"
#include "passes/Passes.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

#include <random>
#include <sstream>

using namespace bnnc;

namespace {

TEST(ArenaPlan, ChainsMeetTheLowerBound) {
  std::mt19937 rng(6);
  for (int n = 1; n <= 60; ++n)
    for (int trial = 0; trial < 20; ++trial) {
      std::vector<ArenaBuffer> buffers(n);
      for (int i = 0; i < n; ++i) {
        buffers[i].size = 16 * (1 + static_cast<int64_t>(rng() % 64));
        buffers[i].begin = i;
        buffers[i].end = i + 1; // read by the next kernel only
      }
      int64_t bound = arenaLowerBound(buffers);
      int64_t arena = planArena(buffers, 16);
      std::string why;
      ASSERT_TRUE(checkArena(buffers, arena, 16, &why)) << why;
      ASSERT_EQ(arena, bound) << "chain of " << n << ", trial " << trial;
    }
}

TEST(ArenaPlan, RandomIntervalsAreOverlapFree) {
  std::mt19937 rng(7);
  int atBound = 0, total = 0;
  for (int trial = 0; trial < 400; ++trial) {
    int n = 1 + static_cast<int>(rng() % 40);
    std::vector<ArenaBuffer> buffers(n);
    for (ArenaBuffer &b : buffers) {
      b.size = 8 * (1 + static_cast<int64_t>(rng() % 100));
      b.begin = static_cast<int64_t>(rng() % 50);
      b.end = b.begin + static_cast<int64_t>(rng() % 8);
    }
    int64_t bound = arenaLowerBound(buffers);
    int64_t arena = planArena(buffers, 8);
    std::string why;
    ASSERT_TRUE(checkArena(buffers, arena, 8, &why)) << why;
    // The same property again, spelled out: live together => disjoint.
    for (int i = 0; i < n; ++i)
      for (int j = i + 1; j < n; ++j)
        if (liveTogether(buffers[i], buffers[j])) {
          ASSERT_TRUE(buffers[i].offset + buffers[i].size <= buffers[j].offset ||
                      buffers[j].offset + buffers[j].size <= buffers[i].offset);
        }
    ASSERT_GE(arena, bound);
    atBound += arena == bound;
    ++total;
  }
  // Interval graphs are not always packable at the bound, but first fit in
  // several orders gets there in most random cases.
  EXPECT_GT(atBound, total * 3 / 4);
}

TEST(ArenaPlan, CheckerRejectsOverlaps) {
  std::vector<ArenaBuffer> buffers(2);
  buffers[0] = {32, 0, 2, 0};
  buffers[1] = {32, 1, 3, 16};
  std::string why;
  EXPECT_FALSE(checkArena(buffers, 64, 16, &why));
  EXPECT_NE(why.find("overlap"), std::string::npos);
  buffers[1].begin = 3; // no longer live together: sharing is fine
  EXPECT_TRUE(checkArena(buffers, 64, 16));
}

/// A random program of elementwise kernels over tensors of 16 floats (some
/// reshaped to 4x4) and 4 floats, each reading one or two earlier values.
std::string randomProgram(std::mt19937 &rng, int ops) {
  std::ostringstream os;
  os << "func.func @f(%x: tensor<16xf32>, %s: tensor<4xf32>) -> "
        "tensor<16xf32> {\n";
  std::vector<std::pair<std::string, int>> values = {{"%x", 16}, {"%s", 4}};
  for (int i = 0; i < ops; ++i) {
    auto pick = [&](int size) {
      std::vector<std::string> fit;
      for (auto &[name, n] : values)
        if (n == size)
          fit.push_back(name);
      return fit[rng() % fit.size()];
    };
    int size = rng() % 4 == 0 ? 4 : 16;
    std::string name = "%v" + std::to_string(i);
    std::string type = "tensor<" + std::to_string(size) + "xf32>";
    switch (rng() % 3) {
    case 0:
      os << "  " << name << " = bnn.elementwise \"relu\" " << pick(size)
         << " : (" << type << ") -> " << type << "\n";
      break;
    case 1:
      os << "  " << name << " = bnn.elementwise \"add\" " << pick(size) << ", "
         << pick(size) << " : (" << type << ", " << type << ") -> " << type
         << "\n";
      break;
    default:
      if (size == 16) { // read through a view
        os << "  " << name << "r = bnn.reshape " << pick(16)
           << " : tensor<16xf32> -> tensor<4x4xf32>\n"
           << "  " << name << "m = bnn.elementwise \"mul\" " << name
           << "r, " << name << "r : (tensor<4x4xf32>, tensor<4x4xf32>) -> "
              "tensor<4x4xf32>\n"
           << "  " << name << " = bnn.reshape " << name
           << "m : tensor<4x4xf32> -> tensor<16xf32>\n";
      } else {
        os << "  " << name << " = bnn.elementwise \"sign\" " << pick(4)
           << " : (tensor<4xf32>) -> tensor<4xf32>\n";
      }
    }
    values.push_back({name, size});
  }
  os << "  return " << values.back().first << " : tensor<"
     << values.back().second << "xf32>\n}\n";
  std::string text = os.str();
  if (values.back().second != 16) // keep the declared result type
    text.replace(text.find(") -> tensor<16xf32> {"), 21,
                 ") -> tensor<4xf32> {");
  return text;
}

TEST(PlanMemory, RandomProgramsOnlyShareBytesInPlace) {
  mlir::DialectRegistry registry;
  registerBnncDialects(registry);
  mlir::MLIRContext context(registry);
  context.loadAllAvailableDialects();
  std::mt19937 rng(8);
  int inPlacePairs = 0;
  for (int trial = 0; trial < 200; ++trial) {
    std::string text = randomProgram(rng, 2 + static_cast<int>(rng() % 20));
    mlir::OwningOpRef<mlir::ModuleOp> module =
        mlir::parseSourceString<mlir::ModuleOp>(text, &context);
    ASSERT_TRUE(module) << text;
    mlir::PassManager pm(&context);
    pm.addNestedPass<mlir::func::FuncOp>(createBnnPlanMemory());
    ASSERT_TRUE(mlir::succeeded(pm.run(*module))) << text;
    auto func = *module->getOps<mlir::func::FuncOp>().begin();

    // Liveness from the IR: a tensor lives from its kernel to the last op
    // reading it or a view of it.
    struct Tensor {
      mlir::Operation *op;
      int64_t begin, end, offset, size;
    };
    std::vector<Tensor> tensors;
    llvm::DenseMap<mlir::Operation *, int64_t> index;
    int64_t i = 0;
    for (mlir::Operation &op : func.getBody().front())
      index[&op] = i++;
    for (mlir::Operation &op : func.getBody().front()) {
      auto offset = op.getAttrOfType<mlir::IntegerAttr>(bnn::kOffsetAttr);
      if (!offset)
        continue;
      Tensor t{&op, index[&op], index[&op], offset.getInt(),
               bnn::tensorBytes(op.getResult(0).getType())};
      for (mlir::Operation &user : func.getBody().front())
        for (mlir::Value v : user.getOperands())
          if (bnn::viewSource(v) == op.getResult(0))
            t.end = std::max(t.end, index[&user]);
      tensors.push_back(t);
    }
    int64_t live = 0;
    for (const Tensor &at : tensors) {
      int64_t sum = 0;
      for (const Tensor &t : tensors)
        if (t.begin <= at.begin && at.begin <= t.end)
          sum += t.size;
      live = std::max(live, sum);
    }
    for (size_t a = 0; a < tensors.size(); ++a)
      for (size_t b = a + 1; b < tensors.size(); ++b) {
        const Tensor &x = tensors[a], &y = tensors[b]; // x defined first
        bool together = x.begin <= y.end && y.begin <= x.end;
        bool shared = x.offset < y.offset + y.size && y.offset < x.offset + x.size;
        if (!together || !shared)
          continue;
        // Legal only in place: y's kernel reads x (maybe through a view),
        // x dies there, and both have the same type.
        bool reads = llvm::any_of(y.op->getOperands(), [&](mlir::Value v) {
          return bnn::viewSource(v) == x.op->getResult(0) &&
                 v.getType() == y.op->getResult(0).getType();
        });
        ASSERT_TRUE(reads && x.end == y.begin && x.offset == y.offset)
            << "tensors at ops " << x.begin << " and " << y.begin
            << " share bytes while live together\n"
            << text;
        ++inPlacePairs;
      }
    auto size = func->getAttrOfType<mlir::IntegerAttr>(bnn::kArenaSizeAttr);
    auto bound =
        func->getAttrOfType<mlir::IntegerAttr>(bnn::kArenaLowerBoundAttr);
    ASSERT_TRUE(size && bound);
    for (const Tensor &t : tensors)
      ASSERT_LE(t.offset + t.size, size.getInt());
    ASSERT_GE(size.getInt(), bound.getInt());
    // An in-place pair is one buffer for the pass, counted once where the
    // plain live total (all sizes here are multiples of the alignment)
    // counts both: the pass's bound is at most that total.
    ASSERT_LE(bound.getInt(), live);
  }
  EXPECT_GT(inPlacePairs, 50); // the programs do exercise in-place
}

} // namespace
