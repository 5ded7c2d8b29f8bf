"""edit_raw.py in.bin out.bin INDEX EXPR: copies a raw float32 file, replacing
element INDEX with EXPR evaluated with `x` = its old value (e.g. 'x + 5e-4',
'x * 1.005', 'float("inf")'). Used by harness-tolerance.test."""
import struct
import sys

src, dst, index, expr = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
data = bytearray(open(src, "rb").read())
(x,) = struct.unpack_from("<f", data, 4 * index)
struct.pack_into("<f", data, 4 * index, eval(expr, {"x": x}))
open(dst, "wb").write(data)
