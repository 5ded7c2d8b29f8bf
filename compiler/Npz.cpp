//===- Npz.cpp - Reading numpy .npz files ---------------------------------===//
//
// An .npz is a zip archive. The central directory (found from the end of
// the file) lists each member's method, sizes and the offset of its local
// header; numpy writes its members with zip64 extra fields (sizes
// 0xffffffff in the fixed fields), which are read too. Members are stored
// (np.savez) or deflated (np.savez_compressed, inflated with zlib).
//
//===----------------------------------------------------------------------===//

#include "compiler/Npz.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstring>
#include <zlib.h>

using namespace llvm;

namespace bnnc {
namespace {

uint64_t le(StringRef bytes, size_t at, unsigned n) {
  uint64_t v = 0;
  for (unsigned i = 0; i < n; ++i)
    v |= uint64_t(static_cast<uint8_t>(bytes[at + i])) << (8 * i);
  return v;
}

struct Member {
  std::string name;
  unsigned method = 0;
  uint64_t compressedSize = 0, size = 0, localOffset = 0;
};

Error npzError(StringRef path, const Twine &what) {
  return createStringError(inconvertibleErrorCode(),
                           "'" + path + "' is not a readable .npz: " + what);
}

/// Replaces 0xffffffff sizes/offset by the zip64 extra field's values.
void applyZip64(StringRef extra, Member &m, bool sizes32Max, bool csize32Max,
                bool offset32Max) {
  for (size_t at = 0; at + 4 <= extra.size();) {
    unsigned id = le(extra, at, 2), len = le(extra, at + 2, 2);
    size_t p = at + 4;
    if (p + len > extra.size())
      return;
    if (id == 1) {
      size_t end = p + len;
      if (sizes32Max && p + 8 <= end)
        m.size = le(extra, p, 8), p += 8;
      if (csize32Max && p + 8 <= end)
        m.compressedSize = le(extra, p, 8), p += 8;
      if (offset32Max && p + 8 <= end)
        m.localOffset = le(extra, p, 8);
      return;
    }
    at = p + len;
  }
}

Expected<std::vector<Member>> centralDirectory(StringRef path, StringRef zip) {
  // The end-of-central-directory record: 22 bytes plus a comment of up to
  // 64 KiB, searched backwards.
  if (zip.size() < 22)
    return npzError(path, "too short for a zip archive");
  size_t eocd = StringRef::npos;
  size_t lowest = zip.size() > 22 + 65535 ? zip.size() - 22 - 65535 : 0;
  for (size_t at = zip.size() - 22;; --at) {
    if (le(zip, at, 4) == 0x06054b50) {
      eocd = at;
      break;
    }
    if (at == lowest)
      break;
  }
  if (eocd == StringRef::npos)
    return npzError(path, "no zip end-of-central-directory record");
  uint64_t count = le(zip, eocd + 10, 2);
  uint64_t offset = le(zip, eocd + 16, 4);
  if (offset == 0xffffffff || count == 0xffff) {
    // zip64: the locator (20 bytes before) points at the zip64 record.
    if (eocd < 20 || le(zip, eocd - 20, 4) != 0x07064b50)
      return npzError(path, "zip64 archive without its locator");
    uint64_t rec = le(zip, eocd - 20 + 8, 8);
    if (rec + 56 > zip.size() || le(zip, rec, 4) != 0x06064b50)
      return npzError(path, "bad zip64 end-of-central-directory record");
    count = le(zip, rec + 32, 8);
    offset = le(zip, rec + 48, 8);
  }
  std::vector<Member> members;
  size_t at = offset;
  for (uint64_t i = 0; i < count; ++i) {
    if (at + 46 > zip.size() || le(zip, at, 4) != 0x02014b50)
      return npzError(path, "bad central directory entry");
    Member m;
    m.method = le(zip, at + 10, 2);
    m.compressedSize = le(zip, at + 20, 4);
    m.size = le(zip, at + 24, 4);
    size_t nameLen = le(zip, at + 28, 2), extraLen = le(zip, at + 30, 2),
           commentLen = le(zip, at + 32, 2);
    m.localOffset = le(zip, at + 42, 4);
    if (at + 46 + nameLen + extraLen + commentLen > zip.size())
      return npzError(path, "truncated central directory");
    m.name = zip.substr(at + 46, nameLen).str();
    applyZip64(zip.substr(at + 46 + nameLen, extraLen), m, m.size == 0xffffffff,
               m.compressedSize == 0xffffffff, m.localOffset == 0xffffffff);
    members.push_back(std::move(m));
    at += 46 + nameLen + extraLen + commentLen;
  }
  return members;
}

Expected<std::string> memberData(StringRef path, StringRef zip,
                                 const Member &m) {
  size_t at = m.localOffset;
  if (at + 30 > zip.size() || le(zip, at, 4) != 0x04034b50)
    return npzError(path, "bad local header of '" + m.name + "'");
  size_t data = at + 30 + le(zip, at + 26, 2) + le(zip, at + 28, 2);
  if (data > zip.size() || m.compressedSize > zip.size() - data)
    return npzError(path, "member '" + m.name + "' is truncated");
  StringRef raw = zip.substr(data, m.compressedSize);
  if (m.method == 0)
    return raw.str();
  if (m.method != 8)
    return npzError(path, "member '" + m.name + "' uses zip method " +
                              Twine(m.method) +
                              " (bnnc reads stored and "
                              "deflated members)");
  std::string out(m.size, '\0');
  z_stream z;
  std::memset(&z, 0, sizeof z);
  if (inflateInit2(&z, -MAX_WBITS) != Z_OK)
    return npzError(path, "zlib initialization failed");
  z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(raw.data()));
  z.avail_in = static_cast<uInt>(raw.size());
  z.next_out = reinterpret_cast<Bytef *>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int status = inflate(&z, Z_FINISH);
  uint64_t produced = z.total_out;
  inflateEnd(&z);
  if (status != Z_STREAM_END || produced != m.size)
    return npzError(path, "member '" + m.name + "' does not inflate");
  return out;
}

/// The value of `key` in a .npy header dict, e.g. 'descr': '<f4'.
StringRef headerValue(StringRef header, StringRef key) {
  size_t at = header.find(("'" + key + "'").str());
  if (at == StringRef::npos)
    return {};
  StringRef rest = header.substr(at + key.size() + 2).ltrim();
  if (!rest.consume_front(":"))
    return {};
  rest = rest.ltrim();
  if (rest.starts_with("'"))
    return rest.substr(1, rest.find('\'', 1) - 1);
  if (rest.starts_with("("))
    return rest.substr(1, rest.find(')') - 1);
  return rest.substr(0, rest.find_first_of(",}")).trim();
}

/// Converts `count` little-endian values of numpy dtype `descr`.
bool convert(StringRef descr, StringRef data, size_t count,
             std::vector<double> &out) {
  if (descr.size() < 3 ||
      !(descr[0] == '<' || descr[0] == '|' || descr[0] == '='))
    return false;
  char kind = descr[1];
  unsigned bytes;
  if (descr.substr(2).getAsInteger(10, bytes) || bytes == 0 ||
      data.size() < count * bytes)
    return false;
  out.resize(count);
  for (size_t i = 0; i < count; ++i) {
    uint64_t raw = le(data, i * bytes, bytes);
    double v;
    if (kind == 'f' && bytes == 4) {
      float f;
      uint32_t r = static_cast<uint32_t>(raw);
      std::memcpy(&f, &r, 4);
      v = f;
    } else if (kind == 'f' && bytes == 8) {
      std::memcpy(&v, &raw, 8);
    } else if (kind == 'i' && bytes <= 8) {
      unsigned shift = 64 - 8 * bytes;
      v = static_cast<double>(static_cast<int64_t>(raw << shift) >> shift);
    } else if ((kind == 'u' && bytes <= 8) || (kind == 'b' && bytes == 1)) {
      v = static_cast<double>(raw);
    } else {
      return false;
    }
    out[i] = v;
  }
  return true;
}

Expected<NpyArray> parseNpy(StringRef path, StringRef name, StringRef npy) {
  auto bad = [&](const Twine &what) {
    return npzError(path, "array '" + name + "': " + what);
  };
  if (npy.size() < 10 || !npy.starts_with("\x93NUMPY"))
    return bad("not a .npy member");
  unsigned major = static_cast<uint8_t>(npy[6]);
  size_t headerLen = major == 1 ? le(npy, 8, 2) : le(npy, 8, 4);
  size_t headerAt = major == 1 ? 10 : 12;
  if (headerAt + headerLen > npy.size())
    return bad("truncated header");
  StringRef header = npy.substr(headerAt, headerLen);
  NpyArray array;
  array.name = name.str();
  array.descr = headerValue(header, "descr").str();
  if (headerValue(header, "fortran_order") != "False")
    return bad("Fortran-ordered arrays are not read (save a C-ordered copy)");
  SmallVector<StringRef> dims;
  headerValue(header, "shape").split(dims, ',', -1, /*KeepEmpty=*/false);
  size_t count = 1;
  for (StringRef d : dims) {
    int64_t n;
    if (d.trim().getAsInteger(10, n) || n < 0)
      return bad("bad shape");
    array.shape.push_back(n);
    count *= static_cast<size_t>(n);
  }
  if (!convert(array.descr, npy.substr(headerAt + headerLen), count,
               array.values))
    return bad("dtype '" + array.descr +
               "' is not read, or the data is short (bnnc reads "
               "little-endian bool, int, uint and float32/64 arrays)");
  return array;
}

} // namespace

Expected<std::vector<NpyArray>> readNpz(StringRef path) {
  auto buffer = MemoryBuffer::getFile(path, /*IsText=*/false,
                                      /*RequiresNullTerminator=*/false);
  if (!buffer)
    return createStringError(buffer.getError(),
                             "cannot read '" + path +
                                 "': " + buffer.getError().message());
  StringRef zip = (*buffer)->getBuffer();
  auto members = centralDirectory(path, zip);
  if (!members)
    return members.takeError();
  std::vector<NpyArray> arrays;
  for (const Member &m : *members) {
    StringRef name = m.name;
    if (!name.consume_back(".npy"))
      continue;
    auto data = memberData(path, zip, m);
    if (!data)
      return data.takeError();
    auto array = parseNpy(path, name, *data);
    if (!array)
      return array.takeError();
    arrays.push_back(std::move(*array));
  }
  if (arrays.empty())
    return npzError(path, "it holds no .npy arrays");
  return arrays;
}

} // namespace bnnc
