//===- bnnc-pb2raw.cpp - ONNX TensorProto file -> raw bytes ---------------===//
//
//   bnnc-pb2raw tensor.pb out.bin     writes the elements, little-endian
//   bnnc-pb2raw --info tensor.pb      prints "<onnx dtype> <dim> <dim> ..."
//   bnnc-pb2raw --name tensor.pb      prints the tensor's name (the graph
//                                     input or output it holds data for)
//
// Test data of the ONNX node tests and of bnnc's end-to-end models is stored
// as TensorProto files; the C test harness reads raw buffers.
//
//===----------------------------------------------------------------------===//

#include <onnx/onnx_pb.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>

namespace {

int usage() {
  std::cerr << "usage: bnnc-pb2raw tensor.pb out.bin | --info tensor.pb | "
               "--name tensor.pb\n";
  return 2;
}

bool load(const char *path, onnx::TensorProto &tensor) {
  std::ifstream in(path, std::ios::binary);
  if (!in || !tensor.ParseFromIstream(&in)) {
    std::cerr << "bnnc-pb2raw: error: " << path
              << ": cannot read an ONNX TensorProto\n";
    return false;
  }
  return true;
}

int64_t elementCount(const onnx::TensorProto &t) {
  int64_t n = 1;
  for (int64_t d : t.dims())
    n *= d;
  return n;
}

template <typename T, typename Field>
std::string bytesOf(const Field &field) {
  std::string out;
  for (const auto &v : field) {
    T x = static_cast<T>(v);
    out.append(reinterpret_cast<const char *>(&x), sizeof(T));
  }
  return out;
}

/// Element bytes, from raw_data or the typed repeated field.
bool toBytes(const onnx::TensorProto &t, std::string &out) {
  if (t.has_raw_data()) {
    out = t.raw_data();
    return true;
  }
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    out = bytesOf<float>(t.float_data());
    return true;
  case onnx::TensorProto::DOUBLE:
    out = bytesOf<double>(t.double_data());
    return true;
  case onnx::TensorProto::INT64:
    out = bytesOf<int64_t>(t.int64_data());
    return true;
  case onnx::TensorProto::INT32:
    out = bytesOf<int32_t>(t.int32_data());
    return true;
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::BOOL:
    out = bytesOf<uint8_t>(t.int32_data());
    return true;
  default:
    std::cerr << "bnnc-pb2raw: error: unsupported data type "
              << t.data_type() << "\n";
    return false;
  }
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 3)
    return usage();
  onnx::TensorProto tensor;
  if (std::strcmp(argv[1], "--info") == 0) {
    if (!load(argv[2], tensor))
      return 1;
    std::cout << tensor.data_type();
    for (int64_t d : tensor.dims())
      std::cout << " " << d;
    std::cout << "\n";
    return 0;
  }
  if (std::strcmp(argv[1], "--name") == 0) {
    if (!load(argv[2], tensor))
      return 1;
    std::cout << tensor.name() << "\n";
    return 0;
  }
  if (!load(argv[1], tensor))
    return 1;
  std::string bytes;
  if (!toBytes(tensor, bytes))
    return 1;
  if (bytes.empty() && elementCount(tensor) != 0) {
    std::cerr << "bnnc-pb2raw: error: " << argv[1] << ": no data\n";
    return 1;
  }
  std::ofstream out(argv[2], std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    std::cerr << "bnnc-pb2raw: error: cannot write " << argv[2] << "\n";
    return 1;
  }
  return 0;
}
