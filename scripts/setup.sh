#!/usr/bin/env bash
# Installs the Debian packages bnnc needs (only those missing), then
# configures and builds bnnc in build/. Sourced by demo.sh and test.sh.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BNNC_BUILD_DIR:-$ROOT/build}"

PACKAGES=(
  cmake ninja-build lld gcc g++ python3 libgtest-dev zlib1g-dev
  llvm-19-dev llvm-19-tools libmlir-19-dev mlir-19-tools clang-19
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
  gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm
  libclang-rt-19-dev
  chromium
  flatbuffers-compiler libflatbuffers-dev python3-flatbuffers
)

install_missing_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "==> installing Debian packages: ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
    "${missing[@]}" >/dev/null
}

configure_and_build() {
  if [ ! -f "$BUILD/build.ninja" ]; then
    echo "==> configuring $BUILD"
    cmake -G Ninja -S "$ROOT" -B "$BUILD" \
      -DCMAKE_BUILD_TYPE=Release \
      -DMLIR_DIR=/usr/lib/llvm-19/lib/cmake/mlir \
      -DCMAKE_EXE_LINKER_FLAGS=-fuse-ld=lld \
      -DPython3_EXECUTABLE=/usr/bin/python3 ${BNNC_CMAKE_ARGS:-} >/dev/null
  fi
  echo "==> building bnnc"
  ninja -C "$BUILD" -j2 | tail -n 1
}

install_missing_packages
configure_and_build
