#!/usr/bin/env python3
"""Writes the committed seed corpora, fuzz/corpus/<target>/seed-*: small, each one named for what
it holds. Needs NumPy (the .npy seeds are what NumPy itself writes). Run from anywhere:

    python3 fuzz/seeds.py
"""

import io
import math
import struct
from pathlib import Path

import numpy as np

CORPUS = Path(__file__).resolve().parent / "corpus"


def write(target, name, data):
    path = CORPUS / target / f"seed-{name}"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def npy(array, version=None):
    out = io.BytesIO()
    np.lib.format.write_array(out, array, version=version)
    return out.getvalue()


def handmade(dict_text, version=1, data=b""):
    """A header around `dict_text`, padded as NumPy pads it (to 64 bytes, then a newline)."""
    body = dict_text.encode()
    pre = 10 if version == 1 else 12
    pad = -(pre + len(body) + 1) % 64
    body += b" " * pad + b"\n"
    size = struct.pack("<H" if version == 1 else "<I", len(body))
    return b"\x93NUMPY" + bytes([version, 0]) + size + body + data


def npy_seeds():
    t = "npy_header"
    for code in ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8"]:
        write(t, f"v1-le-{code}", npy(np.arange(3, dtype="<" + code)))
    for code in ["i2", "u4", "i8", "f2", "f4", "f8"]:
        write(t, f"v1-be-{code}", npy(np.arange(4, dtype=">" + code).reshape(2, 2)))
    write(t, "v1-fortran-i4", npy(np.asfortranarray(np.arange(6, dtype="<i4").reshape(2, 3))))
    write(t, "v1-0d-i8", npy(np.array(5, dtype="<i8")))
    write(t, "v1-empty-u2", npy(np.zeros(0, dtype="<u2")))
    write(t, "v1-empty-3d-f4", npy(np.zeros((2, 0, 3), dtype="<f4")))
    write(t, "v2-f4", npy(np.arange(6, dtype="<f4").reshape(2, 3), version=(2, 0)))
    write(t, "v3-u2", npy(np.arange(5, dtype="<u2"), version=(3, 0)))
    # Edge cases NumPy does not write but the parser accepts (or rejects: still good seeds).
    write(t, "v3-unicode-space", handmade(
        "{'descr':\u3000'<i2', 'fortran_order': False, 'shape': (1,)}", 3, b"\x01\x00"))
    write(t, "double-quotes", handmade('{"descr": "<f8", "fortran_order": True, "shape": (1, 1)}',
                                       data=struct.pack("<d", 1.5)))
    write(t, "key-order-no-comma", handmade("{'shape': (2,), 'fortran_order': False, 'descr': '>u2'}",
                                            data=b"\x00\x01\x00\x02"))
    write(t, "native-order", handmade("{'descr': '=i4', 'fortran_order': False, 'shape': (1,), }",
                                      data=b"\x07\x00\x00\x00"))
    write(t, "no-order", handmade("{'descr': 'f8', 'fortran_order': False, 'shape': (), }",
                                  data=struct.pack("<d", -0.0)))
    write(t, "count-overflows", handmade(
        "{'descr': '<i8', 'fortran_order': False, 'shape': (18446744073709551615, 2), }"))
    write(t, "zero-after-overflow", handmade(
        "{'descr': '<i1', 'fortran_order': False, 'shape': (4294967296, 4294967296, 0), }"))
    write(t, "many-dims", handmade(
        "{'descr': '|i1', 'fortran_order': False, 'shape': (1, 2, 1, 2, 1, 2, 1, 2,), }", data=bytes(16)))
    write(t, "header-only", handmade("{'descr': '<u8', 'fortran_order': False, 'shape': (4,), }"))
    write(t, "bool-unsupported", npy(np.array([True, False])))
    write(t, "complex-unsupported", npy(np.zeros(1, dtype="<c8")))
    write(t, "string-unsupported", npy(np.array(["ab"], dtype="<U2")))
    write(t, "pipe-i4-rejected", handmade("{'descr': '|i4', 'fortran_order': False, 'shape': (1,), }"))
    write(t, "truncated", npy(np.arange(3, dtype="<i4"))[:40])
    write(t, "version-4", b"\x93NUMPY\x04\x00\x02\x00{}")


# The type codes of the sum targets (byte 0's low nibble), in visit()'s order.
TYPES = ["u1", "i1", "u2", "i2", "u4", "i4", "u8", "i8", "usize", "isize", "f2", "bf16", "f4", "f8"]


def element_bytes(code, values):
    if code == "bf16":  # the high half of an f32
        return b"".join(struct.pack("<f", v)[2:] for v in values)
    if code in ("usize", "isize"):
        code = "u8" if code == "usize" else "i8"
    return np.array(values, dtype="<" + code).tobytes()


def sum_seeds():
    for code_index, code in enumerate(TYPES):
        if code in ("f2", "bf16", "f4", "f8"):
            values = [1.0, -0.5, 3.25, 1e3, -1e-3, 0.0, -0.0, 7.0]
        elif code.startswith("u"):
            values = [0, 1, 2, 3, 250, 7, 9, 100]
        else:
            values = [0, -1, 2, -3, 120, -128 if code == "i1" else -7, 9, 100]
        data = element_bytes(code, values)
        # sum_bytes: one chunk, element offset 3; sum_pool: Compensated, two chunks, offset 1.
        write("sum_bytes", f"{code}-small", bytes([code_index, 3]) + data)
        write("sum_pool", f"{code}-small", bytes([code_index, 1]) + data)

    def ints(code, values, select, place):
        write("sum_bytes", f"{code}-extremes", bytes([select, place]) + element_bytes(code, values))

    ints("u8", [2**64 - 1] * 5, 0x16, 5)
    ints("i8", [-(2**63), -(2**63), 2**63 - 1, -(2**63)], 0x27, 1)
    ints("i4", [-(2**31), 2**31 - 1] * 8, 0x35, 2)
    ints("u1", list(range(256)), 0xf0, 127)

    def floats(name, values, select, place, target="sum_bytes"):
        write(target, name, bytes([select, place]) + struct.pack(f"<{len(values)}d", *values))

    f8 = 13
    tiny = 5e-324
    floats("f8-cancel", [1e308, 1e308, -1e308, 1e-300], f8 | 0x10, 0)
    floats("f8-overflow", [1.7e308, 1.7e308, -1.7e308], f8 | 0x20, 1)
    floats("f8-specials", [math.nan, 1.0, math.inf], f8, 2)
    floats("f8-inf-minus-inf", [math.inf, 2.0, -math.inf], f8 | 0x30, 3)
    floats("f8-neg-zeros", [-0.0] * 9, f8 | 0x40, 4)
    floats("f8-subnormals", [tiny, -tiny * 3, 2.2250738585072014e-308, tiny * 7], f8 | 0x50, 5)
    floats("f8-tie", [1.0, 2.0**-53, 2.0**-53 * 2**-60, -(2.0**-53 * 2**-60)], f8 | 0x60, 6)
    floats("f8-max", [1.7976931348623157e308, -1.7976931348623157e308, 1.0], f8 | 0x70, 7)
    floats("f8-specials", [math.nan, 1e300, 1e300, -math.inf], f8 | 0x10, 9, "sum_pool")
    floats("f8-neg-zeros", [-0.0] * 3, f8 | 0x20, 2, "sum_pool")
    floats("f8-cancel", [1e308, -1e308, 1e-310, 3.0], f8 | 0x30, 0, "sum_pool")
    # min/max/argmin/argmax: past one 256-byte block of lanes, signed-zero ties, a NaN in the tail.
    zeros = [(-0.0 if i % 3 == 0 else 0.0) for i in range(37)]
    floats("f8-minmax-nan-tail", zeros + [math.nan, -1.0, math.nan], f8 | 0x90, 1)
    floats("f8-minmax-ties", zeros + [-math.inf, 5.0, -math.inf, 5.0], f8 | 0xb0, 0)
    f4 = 12
    write("sum_bytes", "f4-minmax-nan-tail", bytes([f4 | 0xe0, 3]) + struct.pack(
        "<70f", *([1.0, -2.0, 0.0, -0.0] * 16 + [-2.0, 3.0, math.nan, -9.0, 3.0, math.nan])))
    write("sum_bytes", "f4-specials", bytes([f4 | 0x80, 1]) + struct.pack(
        "<6f", math.nan, math.inf, -0.0, 3.4028234663852886e38, 1e-45, -1.0))
    write("sum_bytes", "f2-specials", bytes([10 | 0x90, 2]) + np.array(
        [65504.0, 65504.0, -0.0, 6e-8, math.inf, 1.0], dtype="<f2").tobytes())


# The reductions target's types (byte 0's low nibble): the Dottable ones.
DOT_TYPES = ["u1", "i1", "u2", "i2", "u4", "i4", "f2", "bf16", "f4", "f8"]


def reduction_seeds():
    def pair(name, code, a, b, select=0, place=0, options=0):
        """`a` and `b` (equal lengths) after the three control bytes."""
        assert len(a) == len(b)
        control = bytes([DOT_TYPES.index(code) | select, place, options])
        write("reductions", name, control + element_bytes(code, a) + element_bytes(code, b))

    for code in DOT_TYPES:
        if code in ("f2", "bf16", "f4", "f8"):
            a, b = [1.0, -0.5, 3.25, 1e3, -1e-3, 0.0, -0.0, 7.0], [2.0, 4.0, -1.0, 0.5, 8.0, -0.0, -0.0, 1.0]
        elif code.startswith("u"):
            a, b = [0, 1, 2, 3, 250, 7, 9, 100], [9, 8, 7, 6, 5, 4, 3, 255]
        else:
            a, b = [0, -1, 2, -3, 120, -128, 9, 100], [-128, -128, 7, 6, 127, -128, 3, 2]
        # Offsets 3 and 1, ddof 1, chunks of 3.
        pair(f"{code}-small", code, a, b, 0x30, 0x13, 1)
    top = {"i1": -128, "i2": -(2**15), "i4": -(2**31)}
    for code, low in top.items():
        # MIN·MIN everywhere (pmaddwd's and vpdpwssd's wrapping pair), past one block of lanes.
        pair(f"{code}-min-squares", code, [low] * 70, [low] * 69 + [-low - 1], 0x70, 0x21, 0)
    pair("u4-max", "u4", [2**32 - 1] * 40, [2**32 - 1] * 40, 0xf0, 0, 3)
    nan, inf = math.nan, math.inf
    pair("f8-cancel", "f8", [1e300, 1e300, 1.0], [1e300, -1e300, 1e-300], 0x10, 0, 1)
    pair("f8-specials", "f8", [inf, 1.0, nan, 0.0], [0.0, 2.0, 1.0, inf], 0x20, 0x11, 0)
    pair("f8-inf-minus-inf", "f8", [inf, 1.0], [1.0, -inf], 0, 0x22, 0)
    pair("f8-neg-zeros", "f8", [-0.0, 0.0, -1e-300], [1.0, -3.0, 1e-300], 0x40, 0x31, 0)
    pair("f8-huge-norm", "f8", [1e300, 1e300, -1e300], [1.0, 1.0, 1.0], 0, 0, 2)
    pair("f8-tiny-norm", "f8", [1e-300] * 4 + [5e-324], [1e-300] * 5, 0x50, 0x03, 1)
    # A large offset: a variance that numpy's two-pass float algorithm does not round correctly.
    pair("f8-offset-variance", "f8", [1e9 + i % 4 for i in range(40)], [1.0] * 40, 0x80, 0, 1)
    pair("f4-minmax-nan", "f4", [1.0, -2.0, 0.0, -0.0] * 8 + [nan, -9.0],
         [3.0] * 34, 0xb0, 0x12, 0)
    pair("f2-max", "f2", [65504.0, 65504.0, -0.0, 6e-8], [65504.0, 2.0, 1.0, 6e-8], 0, 0, 0)
    # Both slices past one pool chunk (options bits 6 and 7): several chunks on every pool.
    pair("f8-tiled", "f8", [0.1, -3.0, 1e10, 7.5], [2.0, 1e-10, 0.3, -1.0], 0x10, 0x21, 0xc1)
    pair("i2-tiled", "i2", [-(2**15), 5, 7, 2**15 - 1], [-(2**15), -1, 3, 2], 0, 0x10, 0xc0)


if __name__ == "__main__":
    npy_seeds()
    sum_seeds()
    reduction_seeds()
