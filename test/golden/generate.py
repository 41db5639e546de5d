#!/usr/bin/env python3
"""Golden-vector generator for buffer-protocol.

Run from the repository root:

    python3 test/golden/generate.py

Writes deterministic JSON files next to this script.  Every file carries a
shared "header" describing the interpreter that produced it.  Each output file
has one builder function; main() writes them all.

Requires CPython 3.11 (with the _testbuffer test module) and numpy.
layouts.json also calls PyBuffer_IsContiguous and
PyBuffer_FillContiguousStrides directly, through ctypes.pythonapi;
capi.json calls PyBuffer_ToContiguous, PyBuffer_FromContiguous and
PyObject_CopyData the same way, on hand-built Py_buffer structs.

The mv_*.json files are the memoryview vectors (structures, index, slice,
assign, cast, compare, lifecycle).  Their views are built with
PyMemoryView_FromBuffer on a hand-built Py_buffer (RawView), so CPython
answers for exactly the layout recorded, and their items use the lossless
encoding described above build_mv_structures ("memoryview vectors").
"""

import array
import ctypes
import itertools
import json
import os
import random
import struct
import sys

import numpy
import _testbuffer as tb

SEED = 3118
OUT_DIR = os.path.dirname(os.path.abspath(__file__))
MAX_SAFE_INTEGER = 2**53 - 1


# ---------------------------------------------------------------------------
# shared helpers
# ---------------------------------------------------------------------------

def make_header(seed=SEED):
    return {
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "byteorder": sys.byteorder,
        "sizeof": {c: struct.calcsize(c) for c in ("l", "L", "P", "n", "N", "q")},
        "seed": seed,
    }


def write_json(name, obj):
    path = os.path.join(OUT_DIR, name)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        json.dump(obj, f, indent=None, separators=(",", ":"))
        f.write("\n")
    return path, os.path.getsize(path)


def describe_exception(e):
    return type(e).__name__ + ": " + str(e)


# ---------------------------------------------------------------------------
# formats.json
# ---------------------------------------------------------------------------

VALID_CHARS = "xcbB?hHiIlLqQnNefdspP"
PREFIXES = ["", "@", "=", "<", ">", "!"]
REPEATS = [0, 1, 2, 3, 7, 10, 100]
ITEM_SIZES = {"=": {c: struct.calcsize("=" + c) for c in VALID_CHARS if c not in "nNP"}}


def format_case(fmt):
    try:
        size = struct.calcsize(fmt)
    except Exception as e:  # struct.error, UnicodeEncodeError, ...
        return [fmt, None, describe_exception(e)]
    if size > MAX_SAFE_INTEGER:
        size = str(size)
    return [fmt, size, None]


def format_strings(rng):
    """Yield candidate format strings (with duplicates; caller dedups)."""
    # 1. every printable ASCII char alone and behind each prefix
    for code in range(0x20, 0x7F):
        ch = chr(code)
        for p in PREFIXES:
            yield p + ch

    # 2. every valid char, each prefix, each repeat count
    for ch in VALID_CHARS:
        for p in PREFIXES:
            yield p + ch
            for n in REPEATS:
                yield "%s%d%s" % (p, n, ch)

    # 3. native alignment: explicit cases under '', '@' and '='
    explicit = [
        "bi", "ib", "ib0i", "bq", "bih", "3si", "0i", "b0q", "c0d", "e", "b?e",
        "bh", "hb", "bl", "bd", "bf", "be", "bP", "bn", "bN", "b0P", "bQ",
        "cq", "?q", "hq", "iq", "3sq", "5pd", "b3h", "bhq", "qb", "qbq",
        "bid", "xi", "xq", "3xq", "bxi", "i0b", "b0h", "b0l", "bhil", "dqb",
        "ec", "be0d", "bdb", "2b2i", "7x2q", "b2e", "hf", "bpq", "0s", "0p",
        "bi0q", "0q0i", "i0x", "s", "p", "10s", "10p", "3s3p", "b10sq",
    ]
    for body in explicit:
        for p in ("", "@", "="):
            yield p + body

    # 4. random native-alignment sequences of 2-6 items
    native_chars = "xcbB?hHiIlLqQnNefdspP"
    for _ in range(420):
        k = rng.randint(2, 6)
        body = ""
        for _ in range(k):
            ch = rng.choice(native_chars)
            r = rng.random()
            if r < 0.45:
                count = ""
            elif r < 0.6:
                count = "0"
            else:
                count = str(rng.randint(1, 12))
            body += count + ch
        for p in ("", "@", "="):
            yield p + body

    # 5. whitespace
    ws_cases = [
        " ", "\t", "\n", "\r", "\x0b", "\x0c", "  ", " i", "i ", " i ",
        "\ti", "i\t", "\ni", "i\n", "i i", "i\ti", "i\ni", "i\ri",
        "i\x0bi", "i\x0ci", "b i", "b\ti", "b\ni", "b  i", "3 i", "3\ti",
        "3\ni", "i 3", "i 3 ", "b 2h", "b 2 h", "2 h", "< i", " <i", "<  i",
        "= q", "@ b i", "\t\n ", "i \t\n i", " 3s", "3 s", "3s ", " 3s ",
        "b\n\nq", "h h h", " b i q ", "!  I\tH", "> 2 d", ">2d ", "x x x",
        "1 0i", "10 i", "1 0", " 0i", "0 i", "i\x00", " \x00",
    ]
    for s in ws_cases:
        yield s
    for p in ("", "@", "="):
        for s in ("b i", "b\ti", "b\nq", " bq", "bq ", "b \t\nq", "3s i"):
            yield p + s

    # 6. malformed
    malformed = [
        "", "<", "@", "=", ">", "!", "3", "<3", "@3", "33", "T{", "T{i:x:}",
        "T{i}", "Zd", "Zf", "3w", "g", "{", "}", "(", ")", ":x:", "ii<",
        "i<i", "i@", "i=", "@@i", "<<i", "<>i", "=!i", "@<i", "i\x00",
        "\x00", "\x00i", "i\u00e9", "\u00e9", "\u00e9i", "i\u20ac",
        "\u2028i", "i\U0001f600", "-1i", "+1i", "-i", "+i", "1.5i",
        "1e3i", "0x10i", "i-", "i+", "3ii3", "3", "0", "00i", "007i",
        "0001x", "1 ", "^i", "&i", "O", "Pi", "?", "3?", "v", "u", "w",
        "$i", "i#", "2T{i}", "X", "Zi", "ii3", "i3 ", "3 ", "3\n",
        "\u00a0i", "i\u00a0", "\u3000i",
    ]
    for s in malformed:
        yield s

    # 7. huge repeat counts and overflow
    huge = [
        "9223372036854775807x", "9223372036854775808x",
        "99999999999999999999i", "4611686018427387904h",
        "2305843009213693952i", "9007199254740993x", "9007199254740991x",
        "9007199254740992x", "1152921504606846976q",
        "9223372036854775807xb", "4611686018427387903h4611686018427387903h",
        "9223372036854775806xb", "9223372036854775807s", "9223372036854775807p",
        "9223372036854775808s", "18446744073709551615x", "18446744073709551616x",
        "922337203685477580x", "92233720368547758070x",
        "0009223372036854775807x", "9223372036854775807x0i",
        "1152921504606846975q", "1152921504606846975qb",
        "b1152921504606846975q", "=b1152921504606846975q",
        "<b1152921504606846975q", "4611686018427387903hb",
        "b4611686018427387903h", "=b4611686018427387903h",
    ]
    for s in huge:
        yield s
    max_ssize = 2**63 - 1
    for ch in "xbhiqdefsp?HIQ":
        size = struct.calcsize("=" + ch)
        n = max_ssize // size
        for count in (n - 1, n, n + 1, (2**53 - 1) // size, (2**53 - 1) // size + 1,
                      2**64 // size):
            for p in ("", "=", "<"):
                yield "%s%d%s" % (p, count, ch)
    for ch in "lLnNP":
        size = struct.calcsize(ch)
        n = max_ssize // size
        for count in (n - 1, n, n + 1):
            yield "%d%s" % (count, ch)
            yield "b%d%s" % (count, ch)
            yield "%d%sb" % (count, ch)
    # native alignment pushing a near-max size over
    for ch in "hiqd":
        size = struct.calcsize(ch)
        n = max_ssize // size
        for pre in ("b", "3s", "7x", "c"):
            for p in ("", "@", "="):
                yield "%s%s%d%s" % (p, pre, n, ch)
                yield "%s%s%d%s" % (p, pre, n - 1, ch)
    for p in ("", "="):
        yield p + "%dx%dx" % (2**62, 2**62)
        yield p + "%dx%dx" % (2**62, 2**62 - 1)
        yield p + "%dq%dq" % (2**59, 2**59)
        yield p + "%dq%dq" % (2**59, 2**59 - 1)
        yield p + "%di%db" % (2**61 - 1, 3)
        yield p + "%di%db" % (2**61 - 1, 4)
        yield p + "%db%di" % (2**62, 2**60)

    # 8. random strings over a mixed alphabet
    alphabet = (
        list(VALID_CHARS) * 3
        + list("0123456789") * 2
        + list("@=<>!")
        + [" ", "\t", "\n"]
        + list("gZT{}:wOu\x00")
    )
    for _ in range(450):
        length = rng.randint(1, 10)
        yield "".join(rng.choice(alphabet) for _ in range(length))


def build_formats(seed=SEED):
    rng = random.Random(seed)
    seen = set()
    cases = []
    for fmt in format_strings(rng):
        if fmt in seen:
            continue
        seen.add(fmt)
        cases.append(format_case(fmt))
    return {"header": make_header(seed), "cases": cases}


# ---------------------------------------------------------------------------
# getbuffer.json
# ---------------------------------------------------------------------------

FLAG_BITS = [0x1, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100]
PYBUF_READ = 0x100


def all_flags():
    out = []
    for mask in range(1 << len(FLAG_BITS)):
        v = 0
        for i, bit in enumerate(FLAG_BITS):
            if mask & (1 << i):
                v |= bit
        out.append(v)
    out = sorted(set(out))
    out.remove(PYBUF_READ)  # refused deliberately on the JS side
    return out


ERROR_CODES = [
    ("not writable", "ERR_BUFFER_NOT_WRITABLE"),
    ("not C-contiguous", "ERR_BUFFER_NOT_C_CONTIGUOUS"),
    ("not Fortran contiguous", "ERR_BUFFER_NOT_F_CONTIGUOUS"),
    ("not contiguous", "ERR_BUFFER_NOT_CONTIGUOUS"),
    ("suboffsets", "ERR_BUFFER_REQUIRES_SUBOFFSETS"),
    ("cannot cast to unsigned bytes", "ERR_BUFFER_FORMAT_WITHOUT_SHAPE"),
]


def error_code(message):
    for needle, code in ERROR_CODES:
        if needle in message:
            return code
    raise RuntimeError("unmapped BufferError message: %r" % message)


def ptr_tuple(t, ndim):
    """Encode a shape/strides tuple read back from _testbuffer."""
    if ndim == 0:
        return []
    if len(t) == 0:
        return None  # NULL pointer
    return list(t)


def negotiate(exporter, flags):
    try:
        v = tb.ndarray(exporter, getbuf=flags)
    except BufferError as e:
        msg = str(e)
        return {"error": error_code(msg), "message": msg}
    ndim = v.ndim
    result = {
        "format": v.format if v.format != "" else None,
        "itemsize": v.itemsize,
        "ndim": ndim,
        "shape": ptr_tuple(v.shape, ndim),
        "strides": ptr_tuple(v.strides, ndim),
        "suboffsets": list(v.suboffsets) if len(v.suboffsets) else None,
        "readonly": bool(v.readonly),
        "len": v.nbytes,
    }
    return {"ok": result}


def negotiate_all(exporter, flags_list):
    return {str(f): negotiate(exporter, f) for f in flags_list}


BYTE_JS_TYPES = ["ArrayBuffer", "SharedArrayBuffer", "DataView", "Uint8Array",
                 "Buffer", "Uint8ClampedArray"]
TYPED_ARRAYS = [
    ("Int8Array", "b"), ("Int16Array", "h"), ("Uint16Array", "H"),
    ("Int32Array", "i"), ("Uint32Array", "I"), ("Float32Array", "f"),
    ("Float64Array", "d"), ("BigInt64Array", "q"), ("BigUint64Array", "Q"),
]


def typed_exporters(flags_list):
    out = []
    for js in BYTE_JS_TYPES:
        length = 6
        out.append({
            "id": "typed-%s-%d" % (js, length),
            "kind": "typed",
            "jsType": js,
            "length": length,
            "pyModel": "bytearray",
            "results": negotiate_all(bytearray(range(length)), flags_list),
        })
    out.append({
        "id": "typed-ArrayBuffer-0",
        "kind": "typed",
        "jsType": "ArrayBuffer",
        "length": 0,
        "pyModel": "bytearray",
        "results": negotiate_all(bytearray(), flags_list),
    })
    for js, code in TYPED_ARRAYS:
        length = 5
        items = [float(i) for i in range(length)] if code in "fd" else list(range(length))
        out.append({
            "id": "typed-%s-%d" % (js, length),
            "kind": "typed",
            "jsType": js,
            "length": length,
            "pyModel": "array('%s')" % code,
            "results": negotiate_all(array.array(code, items), flags_list),
        })
    return out


def items_for(fmt, count, rng_offset=0):
    if fmt in ("d", "f", "<d", "e"):
        return [float(i + rng_offset) for i in range(count)]
    if fmt == "2h":
        return [(i, -i) for i in range(count)]
    if fmt in ("B",):
        return [(i + rng_offset) % 256 for i in range(count)]
    return [i + rng_offset for i in range(count)]


def extent(shape, strides):
    imin = imax = 0
    for n, s in zip(shape, strides):
        if n == 0:
            continue
        if s <= 0:
            imin += (n - 1) * s
        else:
            imax += (n - 1) * s
    return imin, imax


def layout_specs():
    """(id, format, shape, strides_in_items|None, offset_in_items, nd_flags)."""
    specs = []
    for fmt in ("B", "h"):
        specs += [
            ("1d-c12", fmt, [12], None, 0, 0),
            ("1d-step2", fmt, [6], [2], 0, 0),
            ("1d-neg", fmt, [6], [-1], 5, 0),
            ("1d-empty", fmt, [0], None, 0, 0),
            ("1d-one", fmt, [1], None, 0, 0),
            ("2d-c", fmt, [3, 4], None, 0, 0),
            ("2d-f", fmt, [3, 4], None, 0, tb.ND_FORTRAN),
            ("2d-reversed", fmt, [3, 4], [-4, -1], 11, 0),
            ("2d-submatrix", fmt, [2, 2], [4, 1], 4, 0),
            ("3d-1x3x1", fmt, [1, 3, 1], None, 0, 0),
            ("3d-2x1x2-oddstride", fmt, [2, 1, 2], [2, 100, 1], 0, 0),
            ("2d-0x3", fmt, [0, 3], None, 0, 0),
            ("2d-3x0", fmt, [3, 0], None, 0, 0),
            ("pil-2x3", fmt, [2, 3], None, 0, tb.ND_PIL),
            ("pil-3", fmt, [3], None, 0, tb.ND_PIL),
        ]
    specs += [
        ("1d-c12", "d", [12], None, 0, 0),
        ("2d-f", "d", [3, 4], None, 0, tb.ND_FORTRAN),
        ("2d-submatrix", "d", [2, 2], [4, 1], 4, 0),
        ("0d-scalar", "i", [], None, 0, 0),
        ("1d-c12", "i", [12], None, 0, 0),
        ("2d-f", "i", [3, 4], None, 0, tb.ND_FORTRAN),
        ("1d-c6", "<i", [6], None, 0, 0),
        ("1d-step2", "<i", [6], [2], 0, 0),
        ("1d-c6", "2h", [6], None, 0, 0),
        ("2d-c", "2h", [3, 4], None, 0, 0),
    ]
    return specs


def build_layout(fmt, shape, strides_items, offset_items, nd_flags, writable):
    itemsize = struct.calcsize(fmt)
    flags = nd_flags | (tb.ND_WRITABLE if writable else 0)
    if not shape:  # 0-d scalar
        base = tb.ndarray(items_for(fmt, 1)[0], shape=[], format=fmt, flags=flags)
        return base, itemsize
    if strides_items is None:
        # contiguous (C or Fortran), let _testbuffer compute strides
        count = 1
        for n in shape:
            count *= n
        count = max(count, 1)  # _testbuffer refuses an empty initializer
        base = tb.ndarray(items_for(fmt, count), shape=shape, format=fmt, flags=flags)
        return base, itemsize
    strides = [s * itemsize for s in strides_items]
    offset = offset_items * itemsize
    imin, imax = extent(shape, strides)
    memlen = offset + imax + itemsize
    assert offset + imin >= 0
    base = tb.ndarray(items_for(fmt, memlen // itemsize), shape=shape,
                      strides=strides, offset=offset, format=fmt, flags=flags)
    return base, itemsize


def layout_exporters(flags_list):
    out = []
    for name, fmt, shape, strides_items, offset_items, nd_flags in layout_specs():
        for writable in (False, True):
            ident = "layout-%s-%s-%s" % (name, fmt, "rw" if writable else "ro")
            try:
                base, itemsize = build_layout(fmt, shape, strides_items,
                                              offset_items, nd_flags, writable)
            except Exception as e:
                print("note: skipped %s: %s" % (ident, describe_exception(e)))
                continue
            pil = bool(nd_flags & tb.ND_PIL)
            strides = list(base.strides)
            suboffsets = list(base.suboffsets) if len(base.suboffsets) else None
            offset = base.offset
            imin, imax = extent(list(base.shape), strides)
            if pil:
                # memory is never read for PIL exporters; keep it simple
                memlen = base.nbytes
            else:
                assert offset + imin >= 0, ident
                memlen = offset + imax + itemsize
            entry = {
                "id": ident,
                "kind": "layout",
                "format": base.format,
                "itemsize": base.itemsize,
                "shape": list(base.shape),
                "strides": strides,
                "suboffsets": suboffsets,
                "offset": offset,
                "memlen": memlen,
                "readonly": bool(base.readonly),
            }
            if pil:
                entry["pil"] = True
            entry["results"] = negotiate_all(base, flags_list)
            out.append(entry)
    return out


def fill_info_exporters(flags_list):
    length = 6
    return [{
        "id": "typed-readonly-bytes-%d" % length,
        "kind": "typed",
        "jsType": "readonly-bytes",
        "length": length,
        "pyModel": "bytes",
        "results": negotiate_all(bytes(range(length)), flags_list),
    }]


def build_getbuffer(seed=SEED):
    flags_list = all_flags()
    exporters = typed_exporters(flags_list) + layout_exporters(flags_list)
    return {
        "header": make_header(seed),
        "flags": flags_list,
        "exporters": exporters,
        "pyBufferFillInfo": fill_info_exporters(flags_list),
    }


# ---------------------------------------------------------------------------
# layouts.json
# ---------------------------------------------------------------------------

class PyBuffer(ctypes.Structure):
    """Py_buffer as declared in CPython's Include/pybuffer.h (field order)."""
    _fields_ = [
        ("buf", ctypes.c_void_p),
        ("obj", ctypes.c_void_p),
        ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t),
        ("readonly", ctypes.c_int),
        ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p),
        ("shape", ctypes.POINTER(ctypes.c_ssize_t)),
        ("strides", ctypes.POINTER(ctypes.c_ssize_t)),
        ("suboffsets", ctypes.POINTER(ctypes.c_ssize_t)),
        ("internal", ctypes.c_void_p),
    ]


_is_contiguous = ctypes.pythonapi.PyBuffer_IsContiguous
_is_contiguous.argtypes = [ctypes.POINTER(PyBuffer), ctypes.c_char]
_is_contiguous.restype = ctypes.c_int

_fill_strides = ctypes.pythonapi.PyBuffer_FillContiguousStrides
_fill_strides.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_ssize_t),
                          ctypes.POINTER(ctypes.c_ssize_t), ctypes.c_int,
                          ctypes.c_char]
_fill_strides.restype = None

CONTIGUITY_ORDERS = (("c", b"C"), ("f", b"F"), ("a", b"A"), ("x", b"x"))


def ssize_array(values):
    # never zero-length, so that a 0-d view still gets non-NULL pointers
    arr = (ctypes.c_ssize_t * max(len(values), 1))()
    for i, v in enumerate(values):
        arr[i] = v
    return arr


def product(values):
    n = 1
    for v in values:
        n *= v
    return n


def cpython_contiguity(itemsize, shape, strides, offset, memlen, suboffsets=None):
    """PyBuffer_IsContiguous for every order, on a hand-built Py_buffer whose
    buf points into a real block of memlen bytes."""
    mem = ctypes.create_string_buffer(max(memlen, 1))
    shape_arr = ssize_array(shape)
    strides_arr = ssize_array(strides)
    view = PyBuffer()
    view.buf = ctypes.addressof(mem) + min(max(offset, 0), memlen)
    view.obj = None
    view.len = product(shape) * itemsize
    view.itemsize = itemsize
    view.readonly = 0
    view.ndim = len(shape)
    view.format = b"%ds" % itemsize
    view.shape = ctypes.cast(shape_arr, ctypes.POINTER(ctypes.c_ssize_t))
    view.strides = ctypes.cast(strides_arr, ctypes.POINTER(ctypes.c_ssize_t))
    if suboffsets is not None:
        sub_arr = ssize_array(suboffsets)
        view.suboffsets = ctypes.cast(sub_arr, ctypes.POINTER(ctypes.c_ssize_t))
    view.internal = None
    out = {key: _is_contiguous(ctypes.byref(view), order)
           for key, order in CONTIGUITY_ORDERS}
    return out


def cpython_fill_strides(shape, itemsize, order):
    shape_arr = ssize_array(shape)
    strides_arr = ssize_array([0] * len(shape))
    _fill_strides(len(shape), shape_arr, strides_arr, itemsize,
                  order.encode("ascii"))
    return [strides_arr[i] for i in range(len(shape))]


def numpy_accepts(itemsize, shape, strides, offset, memlen):
    """Whether numpy.ndarray(buffer=...) accepts the layout; (ok, message)."""
    try:
        numpy.ndarray(shape=tuple(shape), dtype=numpy.dtype(("V", itemsize)),
                      buffer=bytearray(memlen), offset=offset,
                      strides=tuple(strides))
    except (ValueError, TypeError) as e:
        return False, describe_exception(e)
    return True, None


def core_valid(itemsize, shape, strides, offset, memlen):
    """Port of ValidateLayout (native/core/layout.cc), bounds part only."""
    if memlen < 0 or offset < 0 or offset > memlen:
        return False
    if 0 in shape:
        return True
    imin, imax = extent(shape, strides)
    return offset + imin >= 0 and offset + imax + itemsize <= memlen


LAYOUT_ITEMSIZES = [1, 2, 3, 4, 8, 16]


def random_strides(rng, shape, itemsize):
    kind = rng.random()
    if kind < 0.2:  # C-contiguous
        strides = [0] * len(shape)
        sd = itemsize
        for i in reversed(range(len(shape))):
            strides[i] = sd
            sd *= shape[i]
    elif kind < 0.35:  # Fortran-contiguous
        strides = [0] * len(shape)
        sd = itemsize
        for i in range(len(shape)):
            strides[i] = sd
            sd *= shape[i]
    else:
        strides = []
        for _ in shape:
            r = rng.random()
            if r < 0.05:
                s = 0
            elif r < 0.75:
                s = itemsize * rng.randint(1, 24)
            else:  # arbitrary, mostly not a multiple of itemsize
                s = rng.randint(1, 24 * itemsize)
            strides.append(s if rng.random() < 0.6 else -s)
        return strides
    # a contiguous layout, sometimes with the stride of an extent-1 (or 0)
    # dimension scrambled: such strides never matter for contiguity
    for i, n in enumerate(shape):
        if n <= 1 and rng.random() < 0.5:
            strides[i] = rng.randint(-40, 40)
    return strides


def random_structure(rng):
    itemsize = rng.choice(LAYOUT_ITEMSIZES)
    ndim = rng.randint(5, 6) if rng.random() < 0.04 else rng.randint(0, 4)
    shape = [0 if rng.random() < 0.05 else rng.randint(1, 5) for _ in range(ndim)]
    strides = random_strides(rng, shape, itemsize)
    if 0 in shape:
        imin = imax = 0
        span = 0
    else:
        imin, imax = extent(shape, strides)
        span = imax - imin + itemsize
    r = rng.random()
    if r < 0.6:
        # near the smallest block that holds the view: most fit
        offset = -imin + rng.choice([0, 0, 0, 0, 0, -1, 1, itemsize])
        offset = max(offset, 0)
        memlen = max(offset + imax + itemsize + rng.randint(-2, 4), 0)
    else:
        memlen = rng.randint(0, 2 * span + 8)
        offset = rng.randint(0, memlen)
        if rng.random() < 0.5:
            offset -= offset % itemsize  # aligned
    r = rng.random()
    if r < 0.06:
        offset = memlen + rng.randint(1, 2 * itemsize)  # beyond the block
    elif r < 0.10:
        offset = memlen  # at the very end
    return itemsize, shape, strides, offset, memlen


def layout_record(itemsize, shape, strides, offset, memlen):
    valid = core_valid(itemsize, shape, strides, offset, memlen)
    numpy_valid, numpy_error = numpy_accepts(itemsize, shape, strides, offset, memlen)
    record = {
        "itemsize": itemsize,
        "shape": shape,
        "strides": strides,
        "offset": offset,
        "memlen": memlen,
        "valid": valid,
        "numpyValid": numpy_valid,
    }
    if numpy_error is not None and numpy_valid != valid:
        record["numpyError"] = numpy_error
    record.update(cpython_contiguity(itemsize, shape, strides, offset, memlen))
    for key in ("c", "f", "a", "x"):
        record[key] = bool(record[key])
    return record


def layout_edge_structures():
    """Hand-picked cases at the edges of the bounds rule."""
    return [
        (1, [4], [1], 0, 0),       # numpy: an empty buffer takes any size
        (2, [3], [0], 0, 0),
        (4, [], [], 0, 0),
        (4, [], [], 0, 4),
        (4, [], [], 1, 4),
        (1, [0], [1], 0, 0),
        (1, [0], [1], 3, 3),       # zero-size view at the very end
        (1, [0], [1], 4, 3),       # ... and one byte beyond
        (1, [2], [1], 3, 3),
        (8, [0, 3], [-8, 100], 5, 5),
        (3, [2], [-3], 3, 6),
        (3, [2], [-3], 2, 6),
        (4, [2, 2], [3, 1], 1, 9),  # unaligned strides and offset
        (4, [2, 2], [3, 1], 1, 8),
    ]


def build_layouts(seed=SEED):
    rng = random.Random(seed)
    specs = layout_edge_structures() + [random_structure(rng) for _ in range(800)]
    structures = [layout_record(*spec) for spec in specs]

    fill = []
    large = [2**20, 2**20 + 1, 3 * 2**18, 2**31 - 1]
    shapes = [[]]
    while len(shapes) < 100:
        ndim = rng.randint(0, 5)
        shape = [rng.randint(0, 6) for _ in range(ndim)]
        if ndim and rng.random() < 0.12:
            shape[rng.randrange(ndim)] = rng.choice(large)
        # stay below 2**53 bytes for every itemsize, as the public helper
        # requires (zeros count as 1 there)
        if product(max(n, 1) for n in shape) * 8 > MAX_SAFE_INTEGER:
            continue
        shapes.append(shape)
    for shape in shapes:
        for itemsize in (1, 2, 8):
            for order in ("C", "F", "A"):
                fill.append({
                    "shape": shape,
                    "itemsize": itemsize,
                    "order": order,
                    "strides": cpython_fill_strides(shape, itemsize, order),
                })

    sub_specs = [
        (1, [4], [1], [-1]),
        (8, [2, 3], [24, 8], [-1, -1]),
        (8, [2, 3], [8, 16], [-1, -1]),
        (2, [3, 1, 2], [4, 2, 2], [-1, -1, -1]),
        (1, [0, 2], [2, 1], [-1, -1]),       # empty
        (1, [1], [1], [-1]),
        (4, [2, 3], [8, 4], [0, -1]),        # PIL: pointers in dimension 0
        (4, [2, 3], [8, 4], [-1, 16]),
        (1, [], [], []),                     # 0-d with a non-NULL suboffsets pointer
    ]
    suboffsets = []
    for itemsize, shape, strides, subs in sub_specs:
        memlen = product(shape) * itemsize + 64
        record = {"itemsize": itemsize, "shape": shape, "strides": strides,
                  "suboffsets": subs}
        got = cpython_contiguity(itemsize, shape, strides, 0, memlen, subs)
        for key in ("c", "f", "a", "x"):
            record[key] = bool(got[key])
        suboffsets.append(record)

    return {
        "header": make_header(seed),
        "structures": structures,
        "fillStrides": fill,
        "suboffsets": suboffsets,
    }


# ---------------------------------------------------------------------------
# memoryview vectors (mv_*.json): shared helpers
# ---------------------------------------------------------------------------
#
# Item encoding (lossless, shared by every mv_*.json file):
#   integers  {"int": "-7161"}          decimal string (q/Q/n/N/P/L beyond 2**53)
#   floats    {"float": repr(x), "bits": "<16 hex digits>"}
#             bits = struct.pack('<d', x).hex(): the 8 bytes of the double,
#             least significant byte first.  'f' and 'e' items are widened to
#             double first, as Python does.
#   bools     {"bool": true}
#   'c'       {"bytes": "61"}
# Outcomes: {"ok": ...} or {"error": "<Python exception class>", "message": str}.
# Memory: the hex of the whole base allocation; "offset" is the byte offset of
# item [0, ..., 0] in it (the Py_buffer.buf of the view).

_memoryview_from_buffer = ctypes.pythonapi.PyMemoryView_FromBuffer
_memoryview_from_buffer.argtypes = [ctypes.POINTER(PyBuffer)]
_memoryview_from_buffer.restype = ctypes.py_object

_get_buffer = ctypes.pythonapi.PyObject_GetBuffer
_get_buffer.argtypes = [ctypes.py_object, ctypes.POINTER(PyBuffer), ctypes.c_int]
_get_buffer.restype = ctypes.c_int

_release_buffer = ctypes.pythonapi.PyBuffer_Release
_release_buffer.argtypes = [ctypes.POINTER(PyBuffer)]
_release_buffer.restype = None

PyBUF_FULL_RO = 0x11C
# memoryview item access on 3.11: one native char, optionally behind '@'
MV_NATIVE_CHARS = "cbB?hHiIlLqQnNfdP"


def buffer_address(obj):
    """Py_buffer.buf of a FULL_RO export of obj (the address of item [0,...,0])."""
    view = PyBuffer()
    _get_buffer(obj, ctypes.byref(view), PyBUF_FULL_RO)
    try:
        return view.buf or 0
    finally:
        _release_buffer(ctypes.byref(view))


class RawView:
    """A memoryview over exactly the given layout.

    PyMemoryView_FromBuffer on a hand-built Py_buffer over a private copy of
    `memory`: no exporter in between canonicalises the strides (numpy rewrites
    the strides of extent-1 and zero-size dimensions on export), any format
    string is kept as given, and offsets/strides need not be aligned.
    `view` is the memoryview; `base` the address of memory[0].
    With `store` (the store of another RawView over the same `memory`), the
    view shares that block instead: two views over one piece of memory."""

    def __init__(self, memory, fmt, shape, strides, offset, readonly=False, itemsize=None,
                 store=None):
        self.memlen = len(memory)
        if store is None:
            store = ctypes.create_string_buffer(bytes(memory), max(len(memory), 1))
        self.store = store
        self.fmt = fmt.encode("ascii")
        self.itemsize = struct.calcsize(fmt) if itemsize is None else itemsize
        self.shape_arr = ssize_array(shape)
        self.strides_arr = ssize_array(strides)
        pb = PyBuffer()
        self.base = ctypes.addressof(self.store)
        pb.buf = self.base + offset
        pb.obj = None
        pb.len = product(shape) * self.itemsize
        pb.itemsize = self.itemsize
        pb.readonly = 1 if readonly else 0
        pb.ndim = len(shape)
        pb.format = self.fmt
        pb.shape = ctypes.cast(self.shape_arr, ctypes.POINTER(ctypes.c_ssize_t))
        pb.strides = ctypes.cast(self.strides_arr, ctypes.POINTER(ctypes.c_ssize_t))
        pb.suboffsets = None
        pb.internal = None
        self.pb = pb
        self.view = _memoryview_from_buffer(ctypes.byref(pb))

    def memory(self):
        return self.store.raw[:self.memlen]

    def offset_of(self, view):
        return buffer_address(view) - self.base


def cpython_unpacks(fmt):
    """Whether 3.11's memoryview accepts fmt for item access (adjust_fmt).
    'e' passes adjust_fmt but 3.11's unpack_single/pack_single refuse it
    ("memoryview: format e not supported"); the cast to 'e' is refused too."""
    body = fmt[1:] if fmt.startswith("@") else fmt
    return len(body) == 1 and body in MV_NATIVE_CHARS


def is_bigint_format(fmt):
    """Integer formats of 8 bytes: read as bigint on the JavaScript side."""
    ch = fmt[-1]
    return ch in "bBhHiIlLqQnNP" and struct.calcsize(fmt) == 8


def enc_float(x):
    return {"float": repr(x), "bits": struct.pack("<d", x).hex()}


def enc_item(fmt, value):
    ch = fmt[-1]
    if ch == "c":
        return {"bytes": value.hex()}
    if ch == "?":
        return {"bool": bool(value)}
    if ch in "fde":
        return enc_float(value)
    return {"int": str(value)}


def enc_list(fmt, value):
    if isinstance(value, list):
        return [enc_list(fmt, v) for v in value]
    return enc_item(fmt, value)


def loose(encoded):
    """An encoded item list with every NaN's bits dropped: for cross-checks
    between unpackers that differ only in NaN payloads (3.11's struct turns
    every half-precision NaN into the default NaN, numpy keeps the payload)."""
    if isinstance(encoded, list):
        return [loose(e) for e in encoded]
    if "float" in encoded and encoded["float"] == "nan":
        return {"float": "nan"}
    return encoded


def unpack_item(fmt, memory, address):
    return struct.unpack_from(fmt, memory, address)[0]


def items_at(fmt, memory, shape, strides, offset):
    """The nested item list of a layout, read with struct at each address."""
    if not shape:
        return unpack_item(fmt, memory, offset)
    return [items_at(fmt, memory, shape[1:], strides[1:], offset + i * strides[0])
            for i in range(shape[0])]


def outcome(fn):
    try:
        return {"ok": fn()}
    except Exception as e:  # recorded, never raised
        return {"error": type(e).__name__, "message": str(e)}


NUMPY_KIND = {"b": "i", "B": "u", "h": "i", "H": "u", "i": "i", "I": "u",
              "l": "i", "L": "u", "q": "i", "Q": "u", "n": "i", "N": "u",
              "P": "u", "f": "f", "d": "f", "e": "f", "?": "b"}


def numpy_dtype(fmt):
    """The numpy dtype of a single-char struct format ('c' has none: S1
    strips NUL bytes)."""
    ch = fmt[-1]
    order = {"<": "<", ">": ">", "!": ">"}.get(fmt[0] if len(fmt) == 2 else "", "=")
    if ch == "?":
        return numpy.dtype("?")
    return numpy.dtype("%s%s%d" % (order, NUMPY_KIND[ch], struct.calcsize(fmt)))


def random_memory(rng, n, fmt):
    if fmt[-1] == "?":  # only 0 and 1 are defined _Bool values
        return bytes(rng.getrandbits(1) for _ in range(n))
    return bytes(rng.getrandbits(8) for _ in range(n))


def c_strides(shape, itemsize):
    strides = [0] * len(shape)
    sd = itemsize
    for i in reversed(range(len(shape))):
        strides[i] = sd
        sd *= shape[i]
    return strides


def f_strides(shape, itemsize):
    strides = [0] * len(shape)
    sd = itemsize
    for i in range(len(shape)):
        strides[i] = sd
        sd *= shape[i]
    return strides


def slice_key_js(key):
    """A Python key element in the JavaScript form: a number, null for a
    whole dimension, or [start, stop, step] with null for None."""
    if isinstance(key, slice):
        if key == slice(None):
            return None
        return [key.start, key.stop, key.step]
    return key


# ---------------------------------------------------------------------------
# mv_structures.json
# ---------------------------------------------------------------------------

MV_CHARS = "bBhHiIlLqQnNfd?cPe"
MV_PREFIXES = ["", "", "", "", "@", "<", ">", "=", "!"]
MV_MAX_ITEMS = 40
MV_RANDOM_STRUCTURES = 1100


def mv_random_format(rng):
    ch = rng.choice(MV_CHARS)
    if ch in "nNP":  # native-only: struct refuses them behind < > = !
        return rng.choice(["", "", "@"]) + ch
    return rng.choice(MV_PREFIXES) + ch


def mv_random_shape(rng, ndim):
    while True:
        shape = []
        for _ in range(ndim):
            r = rng.random()
            shape.append(1 if r < 0.22 else rng.randint(2, 5))
        if ndim and rng.random() < 0.05:
            shape[rng.randrange(ndim)] = 0
        if product(shape) <= MV_MAX_ITEMS:
            return shape


def mv_random_strides(rng, shape, itemsize, unaligned):
    ndim = len(shape)
    kind = rng.random()
    if kind < 0.25:
        strides = c_strides(shape, itemsize)
    elif kind < 0.4:
        strides = f_strides(shape, itemsize)
    elif kind < 0.7:
        # non-overlapping with gaps, dimensions in a random order, random signs
        order = list(range(ndim))
        rng.shuffle(order)
        strides = [0] * ndim
        sd = itemsize * rng.randint(1, 2)
        for i in order:
            strides[i] = sd
            sd *= max(shape[i], 1) + rng.randint(0, 1)
        strides = [s if rng.random() < 0.6 else -s for s in strides]
    else:
        strides = []
        for _ in shape:
            s = 0 if rng.random() < 0.05 else itemsize * rng.randint(1, 6)
            strides.append(s if rng.random() < 0.6 else -s)
    # the stride of an extent-1 (or 0) dimension never matters for contiguity
    for i, n in enumerate(shape):
        if n <= 1 and rng.random() < 0.4:
            strides[i] = itemsize * rng.randint(-4, 4)
    if unaligned and ndim and rng.random() < 0.6:
        i = rng.randrange(ndim)
        s = rng.randint(1, 5 * itemsize)
        if s % itemsize == 0:
            s += 1
        strides[i] = s if rng.random() < 0.6 else -s
    return strides


def mv_random_layout(rng, fmt):
    itemsize = struct.calcsize(fmt)
    ndim = rng.choices([0, 1, 2, 3, 4], weights=[8, 30, 30, 20, 12])[0]
    shape = mv_random_shape(rng, ndim)
    unaligned = itemsize > 1 and rng.random() < 0.12
    strides = mv_random_strides(rng, shape, itemsize, unaligned)
    if 0 in shape:
        memlen = rng.randint(0, 3 * itemsize)
        offset = rng.randint(0, memlen)
        if not unaligned:
            offset -= offset % itemsize
        return shape, strides, offset, memlen
    imin, imax = extent(shape, strides)
    offset = -imin + itemsize * rng.randint(0, 2)
    if unaligned:
        offset += rng.randint(1, itemsize - 1)
    memlen = offset + imax + itemsize + rng.randint(0, itemsize)
    return shape, strides, offset, memlen


def mv_edge_layouts():
    """(format, shape, strides, offset, memlen): the quirks, by hand."""
    return [
        ("B", [2, 1, 2], [2, 100, 1], 0, 4),       # C-contiguous despite 100
        ("h", [1, 12, 1], [99, 2, 77], 0, 24),     # numpy exports (24, 2, 2)
        ("d", [0, 3], [40, -8], 0, 0),             # numpy exports (24, 8)
        ("h", [0], [4], 2, 4),                     # empty 1-D, stride != itemsize
        ("h", [0], [2], 0, 0),
        ("h", [0], [-2], 0, 0),
        ("i", [1], [0], 0, 4),                     # length 1, stride 0
        ("B", [2, 3], [0, 1], 0, 3),               # broadcast row
        ("h", [3], [-2], 4, 6),                    # reversed
        ("<h", [3, 2], [-8, 2], 16, 24),           # the reference's sample
        ("d", [], [], 3, 11),                      # unaligned 0-d
        ("c", [3, 0], [1, 1], 0, 3),               # tolist [[], [], []]
        ("c", [0, 3], [3, 1], 0, 0),               # tolist []
        ("f", [2, 2], [4, 8], 0, 16),              # Fortran
        ("f", [2, 3], [4, 8], 0, 24),              # Fortran, 'A' == 'F'
        ("e", [4], [2], 0, 8),
        ("e", [], [], 0, 2),
        ("P", [2], [8], 0, 16),
        (">Q", [2, 2], [-16, 8], 16, 32),
        ("?", [5], [1], 0, 5),
        ("h", [3], [3], 1, 10),                    # unaligned stride
        ("d", [3, 1], [8, -5], 0, 24),             # odd stride on extent 1
        ("=d", [2], [8], 1, 17),                   # what numpy exports unaligned
        ("!i", [2, 2], [4, 8], 0, 16),
        ("@L", [3], [-8], 16, 24),
        ("n", [2, 2], [16, 8], 0, 32),
        ("N", [1, 1, 1, 1], [0, 0, 0, 0], 0, 8),
        ("b", [5, 1, 1, 2], [2, -3, 7, 1], 0, 10),
    ]


def mv_structure_record(sid, fmt, shape, strides, offset, memory):
    """One structure: the layout as given, plus what CPython's memoryview
    says about exactly that layout (RawView)."""
    itemsize = struct.calcsize(fmt)
    memlen = len(memory)
    assert core_valid(itemsize, shape, strides, offset, memlen), sid
    ok, err = numpy_accepts(itemsize, shape, strides, offset, memlen)
    assert ok, (sid, err)
    raw = RawView(memory, fmt, shape, strides, offset)
    m = raw.view
    expected = items_at(fmt, memory, shape, strides, offset)
    record = {
        "id": sid,
        "format": fmt,
        "itemsize": itemsize,
        "shape": shape,
        "strides": strides,
        "offset": offset,
        "memlen": memlen,
        "memory": bytes(memory).hex(),
        "tolist": enc_list(fmt, expected),
    }
    try:
        got = m.tolist()
    except NotImplementedError:
        assert not cpython_unpacks(fmt) or fmt[-1] == "e", sid
        record["cpythonRefuses"] = True
    else:
        # 'e' gets here only for empty views (nothing is unpacked)
        assert enc_list(fmt, got) == record["tolist"], sid
    if fmt[-1] != "c":
        # numpy, over the same bytes with the same strides, agrees
        a = numpy.ndarray(shape=tuple(shape), dtype=numpy_dtype(fmt),
                          buffer=bytearray(memory), offset=offset, strides=tuple(strides))
        assert loose(enc_list(fmt, a.tolist())) == loose(record["tolist"]), sid
        # and so does memoryview(numpy) for the orders (strides canonicalised)
        mn = memoryview(a)
        for order in "CFA":
            assert mn.tobytes(order) == m.tobytes(order), (sid, order)
    record["tobytes"] = {order: m.tobytes(order).hex() for order in "CFA"}
    record["hex"] = m.hex()
    record["nbytes"] = m.nbytes
    record["c_contiguous"] = m.c_contiguous
    record["f_contiguous"] = m.f_contiguous
    record["contiguous"] = m.contiguous
    contig = cpython_contiguity(itemsize, shape, strides, offset, memlen)
    record["isContiguous"] = {"C": bool(contig["c"]), "F": bool(contig["f"]),
                              "A": bool(contig["a"])}
    # 'A' is the F bytes for an F-only layout, else the C bytes
    a_order = "F" if (contig["f"] and not contig["c"]) else "C"
    assert record["tobytes"]["A"] == record["tobytes"][a_order], sid
    return record


def mv_structure_specs(seed=SEED):
    """(id, format, shape, strides, offset, memory) for every structure."""
    rng = random.Random(seed)
    specs = []
    for i, (fmt, shape, strides, offset, memlen) in enumerate(mv_edge_layouts()):
        specs.append(("e%02d" % i, fmt, shape, strides, offset,
                      random_memory(rng, memlen, fmt)))
    for i in range(MV_RANDOM_STRUCTURES):
        fmt = mv_random_format(rng)
        shape, strides, offset, memlen = mv_random_layout(rng, fmt)
        specs.append(("s%04d" % i, fmt, shape, strides, offset,
                      random_memory(rng, memlen, fmt)))
    return specs


def build_mv_structures(seed=SEED):
    """mv_structures.json

    {header, structures: [{
        id, format, itemsize, shape, strides, offset, memlen,
        memory:      hex of the whole block (memlen bytes),
        tolist:      nested encoded items (a single item for 0-d),
        cpythonRefuses?: true when 3.11's memoryview raises
                     NotImplementedError on item access (any prefix other
                     than '@', and 'e'); tolist then comes from
                     struct.unpack_from at each item address,
        tobytes:     {C, F, A} hex (PyBuffer_ToContiguous),
        hex:         m.hex(),
        nbytes,
        c_contiguous, f_contiguous, contiguous:
                     the memoryview attributes on exactly this layout,
        isContiguous: {C, F, A}: PyBuffer_IsContiguous on this layout
                     (differs from the attributes only for 1-D empty views
                     whose stride is not the itemsize)
    }]}

    The layout is the one given to np.ndarray(shape, dtype, buffer, offset,
    strides) (numpy accepts every one of them); the results are CPython's
    memoryview on exactly that layout, through PyMemoryView_FromBuffer
    (numpy would canonicalise the strides of extent-1 and empty dimensions
    on export).  Ids: e.. hand-made edge cases, s.... random."""
    structures = [mv_structure_record(*spec) for spec in mv_structure_specs(seed)]
    return {"header": make_header(seed), "structures": structures}


# ---------------------------------------------------------------------------
# mv_index.json
# ---------------------------------------------------------------------------

MV_INDEX_STRUCTURES = 150
MV_INDEX_CAP = 64
SUBSTITUTE_FORMAT = {1: "B", 2: "H", 4: "I", 8: "Q"}


def index_outcome(raw, sub, fmt, memory, shape, strides, offset, index):
    """CPython's m[tuple(index)] (m[()] for an empty index).  For formats
    3.11 cannot unpack, the key is run on `sub`, the same layout with a
    format it can, and the item is read with struct at the address."""
    key = tuple(index)
    view = raw.view if sub is None else sub.view
    try:
        got = view[key]
    except Exception as e:
        return {"error": type(e).__name__, "message": str(e)}
    address = offset
    for i, n, s in zip(index, shape, strides):
        address += (i + n if i < 0 else i) * s
    value = unpack_item(fmt, memory, address)
    if sub is None:
        assert enc_item(fmt, got) == enc_item(fmt, value)
    return {"ok": enc_item(fmt, value)}


def index_keys(rng, shape):
    keys = []
    ndim = len(shape)
    full = list(itertools.product(*[range(n) for n in shape]))
    if len(full) > MV_INDEX_CAP:
        full = sorted(rng.sample(full, MV_INDEX_CAP))
    keys += [list(t) for t in full]
    for d in range(ndim):
        n = shape[d]
        for v in (-1, -n, n, -n - 1):
            base = [rng.randrange(m) if m else 0 for m in shape]
            base[d] = v
            keys.append(base)
    # wrong counts: too many, too few (CPython: TypeError, NotImplementedError)
    keys.append([0] * (ndim + 1))
    if ndim >= 1:
        keys.append([])
    if ndim >= 2:
        keys.append([0])
        keys.append([0] * (ndim - 1))
    if ndim == 1:
        keys.append([2**70])   # IndexError: cannot fit 'int' into an index-sized integer
        keys.append([-2**70])
    if ndim >= 1:
        keys.append([0.5] + [0] * (ndim - 1))   # TypeError: invalid slice key
    out = []
    for k in keys:
        if k not in out:
            out.append(k)
    return out


def build_mv_index(seed=SEED):
    """mv_index.json

    {header, cases: [{
        structure: id in mv_structures.json (rebuild the view from there),
        cpythonRefuses?: true: 3.11 raises NotImplementedError for any item
                 access with this format; outcomes are those of the same
                 layout with a format of the same itemsize it can unpack
                 (B H I Q), items read with struct,
        gets: [{index: [i, j, ...], ok: item} | {index, error, message}]
    }]}

    index is the full key of m[i, j, ...]; [] is m[()] (get() in
    JavaScript).  Every structure of ndim 0-3 of a sample of 150 (plus the
    hand-made ones) gets: every full index tuple (at most 64, sampled),
    then per dimension -1, -n, n and -n-1 (others random valid), then one
    index too many (TypeError), none and too few (NotImplementedError:
    sub-views are not implemented), for 1-D +-2**70 (IndexError: cannot fit
    'int' into an index-sized integer) and a 0.5 (TypeError: invalid slice
    key)."""
    rng = random.Random(seed)
    specs = [s for s in mv_structure_specs(seed) if len(s[2]) <= 3]
    edge = [s for s in specs if s[0].startswith("e")]
    rest = [s for s in specs if not s[0].startswith("e")]
    chosen = edge + sorted(rng.sample(rest, MV_INDEX_STRUCTURES - len(edge)))
    cases = []
    for sid, fmt, shape, strides, offset, memory in chosen:
        raw = RawView(memory, fmt, shape, strides, offset)
        sub = None
        if not cpython_unpacks(fmt) or fmt[-1] == "e":
            sub = RawView(memory, SUBSTITUTE_FORMAT[struct.calcsize(fmt)],
                          shape, strides, offset)
        case = {"structure": sid}
        if sub is not None:
            case["cpythonRefuses"] = True
        gets = []
        for index in index_keys(rng, shape):
            out = index_outcome(raw, sub, fmt, memory, shape, strides, offset, index)
            gets.append(dict({"index": index}, **out))
        case["gets"] = gets
        cases.append(case)
    return {"header": make_header(seed), "cases": cases}


# ---------------------------------------------------------------------------
# mv_slice.json
# ---------------------------------------------------------------------------

SLICE_FORMATS = ["b", "B", "h", "H", "i", "I", "q", "Q", "f", "d", "?", "e",
                 "<i", ">h", ">d", "<f", "=H", "!i", "@q", "l", "<l", "P"]
MV_RANDOM_SLICES = 400
MV_CHAINED_SLICES = 200


def view_summary(fmt, view, base_address, memory):
    """shape, strides, byteOffset (buf - base) and tolist of a view."""
    shape = list(view.shape)
    strides = list(view.strides)
    offset = buffer_address(view) - base_address
    return {
        "shape": shape,
        "strides": strides,
        "byteOffset": offset,
        "tolist": enc_list(fmt, items_at(fmt, memory, shape, strides, offset)),
    }


def exhaustive_1d(rng, n):
    memory = random_memory(rng, 2 * n, "h")
    ba = bytearray(memory)
    m = memoryview(ba).cast("h")
    base = buffer_address(ba)
    values = list(range(-n - 1, n + 2)) + [None]
    cases = []
    for start, stop, step in itertools.product(values, values, values):
        key = slice(start, stop, step)
        try:
            s = m[key]
        except Exception as e:
            out = {"error": type(e).__name__, "message": str(e)}
        else:
            out = {"ok": view_summary("h", s, base, memory)}
            assert s.tolist() == list(array.array("h", memory))[key]
            if not 0 <= out["ok"]["byteOffset"] <= len(memory):
                out["outsideBase"] = True
        cases.append(dict({"key": [start, stop, step]}, **out))
    return {"n": n, "memory": memory.hex(), "cases": cases}


def chained_1d(rng, i):
    """Two or three successive 1-D slices of an 'i' view (m[k1][k2][k3])."""
    n = rng.randint(0, 8)
    memory = random_memory(rng, 4 * n, "i")
    ba = bytearray(memory)
    base = buffer_address(ba)
    v = memoryview(ba).cast("i")
    keys = []
    for _ in range(rng.randint(2, 3)):
        length = v.shape[0]

        def bound():
            return None if rng.random() < 0.3 else rng.randint(-length - 2, length + 2)
        key = (bound(), bound(), rng.choice([None, 1, 2, 3, -1, -1, -2, -3]))
        keys.append(list(key))
        v = v[slice(*key)]
    out = {"ok": view_summary("i", v, base, memory)}
    if not 0 <= out["ok"]["byteOffset"] <= len(memory):
        out["outsideBase"] = True
    return dict({"id": "c%03d" % i, "n": n, "memory": memory.hex(), "keys": keys}, **out)


def random_slice_key(rng, shape):
    k = rng.randint(1, len(shape))
    key = []
    for n in shape[:k]:
        r = rng.random()
        if r < 0.28:
            if rng.random() < 0.06:
                key.append(rng.choice([n, -n - 1, n + 2]))   # IndexError
            elif n:
                key.append(rng.randint(-n, n - 1))
            else:
                key.append(0)   # IndexError on an empty dimension
        elif r < 0.4:
            key.append(slice(None))
        else:
            def bound():
                return None if rng.random() < 0.25 else rng.randint(-n - 2, n + 2)
            step = rng.choice([None, None, 1, 2, 3, -1, -1, -2, -3])
            if rng.random() < 0.02:
                step = 0
            key.append(slice(bound(), bound(), step))
    return key


def memoryview_semantics(shape, strides, offset, key):
    """Per-dimension Python slicing (PySlice_AdjustIndices, as memoryview's
    1-D slicing): (shape, strides, offset) of the result."""
    out_shape, out_strides = [], []
    for d, n in enumerate(shape):
        k = key[d] if d < len(key) else slice(None)
        if isinstance(k, slice):
            start, stop, step = k.indices(n)
            length = len(range(start, stop, step))
            offset += start * strides[d]
            out_shape.append(length)
            out_strides.append(strides[d] * step)
        else:
            offset += (k + n if k < 0 else k) * strides[d]
    return out_shape, out_strides, offset


def random_nd_slice(rng, i):
    fmt = rng.choice(SLICE_FORMATS)
    itemsize = struct.calcsize(fmt)
    ndim = rng.choices([1, 2, 3, 4], weights=[25, 35, 25, 15])[0]
    while True:
        shape = [0 if rng.random() < 0.04 else rng.randint(1, 5) for _ in range(ndim)]
        if product(shape) <= 120:
            break
    kind = rng.choice(["C", "F", "strided"])
    if kind == "C":
        strides = c_strides(shape, itemsize)
    elif kind == "F":
        strides = f_strides(shape, itemsize)
    else:
        strides = mv_random_strides(rng, shape, itemsize, False)
    if 0 in shape:
        offset, memlen = 0, itemsize * rng.randint(0, 2)
    else:
        imin, imax = extent(shape, strides)
        offset = -imin + itemsize * rng.randint(0, 1)
        memlen = offset + imax + itemsize
    memory = random_memory(rng, memlen, fmt)
    ba = bytearray(memory)
    a = numpy.ndarray(shape=tuple(shape), dtype=numpy_dtype(fmt), buffer=ba,
                      offset=offset, strides=tuple(strides))
    base = buffer_address(ba)
    assert a.__array_interface__["data"][0] - base == offset
    assert list(a.strides) == strides
    key = random_slice_key(rng, shape)
    case = {
        "id": "n%03d" % i,
        "format": fmt,
        "itemsize": itemsize,
        "shape": shape,
        "strides": strides,
        "offset": offset,
        "memory": memory.hex(),
        "key": [slice_key_js(k) for k in key],
    }
    try:
        # the Ellipsis keeps an all-int key a 0-d array instead of a scalar
        r = a[tuple(key) + (Ellipsis,)]
    except Exception as e:
        case["error"] = type(e).__name__
        case["message"] = str(e)
        return case
    got = {
        "shape": list(r.shape),
        "strides": list(r.strides),
        "byteOffset": r.__array_interface__["data"][0] - base,
    }
    got["tolist"] = enc_list(fmt, items_at(fmt, memory, got["shape"], got["strides"],
                                           got["byteOffset"]))
    assert loose(got["tolist"]) == loose(enc_list(fmt, r.tolist()))
    case["ok"] = got
    py_shape, py_strides, py_offset = memoryview_semantics(shape, strides, offset, key)
    assert py_shape == got["shape"]
    if (py_strides, py_offset) != (got["strides"], got["byteOffset"]):
        case["memoryviewSemantics"] = {"strides": py_strides, "byteOffset": py_offset}
        if not 0 <= py_offset <= memlen:
            case["memoryviewSemantics"]["outsideBase"] = True
    return case


def build_mv_slice(seed=SEED):
    """mv_slice.json

    {header,
     exhaustive: [{n, memory: hex of n 'h' items, cases: [
         {key: [start, stop, step] (null = None),
          ok: {shape, strides, byteOffset, tolist}, outsideBase?: true}
         | {key, error, message}]}],
     random: [{id, format, itemsize, shape, strides, offset, memory,
               key: [number | null | [start, stop, step]],
               ok: {shape, strides, byteOffset, tolist} | error, message,
               memoryviewSemantics?: {strides, byteOffset, outsideBase?}}],
     chained: [{id, n, memory: hex of n 'i' items,
                keys: [[start, stop, step], ...] (2 or 3, applied in turn),
                ok: {shape, strides, byteOffset, tolist}, outsideBase?}]}

    exhaustive: memoryview(bytearray).cast('h')[start:stop:step] for n in
    0..5, every triple over range(-n-1, n+2) plus None; byteOffset is the
    result's buf minus the base address.  outsideBase marks the empty
    results whose buf CPython places outside the block: a negative step
    whose adjusted start is -1 (e.g. m[::-1] of an empty view) moves buf
    one stride before the base; it is never dereferenced.
    random: numpy basic indexing a[key] on np.ndarray(shape, dtype, buffer,
    offset, strides) (keys shorter than ndim leave the trailing dimensions
    whole; ints drop their dimension; an all-int key gives a 0-d view).
    ok is numpy's result.  NumPy and memoryview disagree on empty slices:
    numpy resets them to start=0, step=1 (stride and data pointer kept),
    memoryview (and Python lists) apply start and step anyway.  Where that
    makes a difference, memoryviewSemantics holds what per-dimension
    memoryview slicing gives.
    chained: memoryview(bytearray).cast('i')[k1][k2]([k3]): slices of
    slices, reversed ones included, so offsets and strides compose."""
    rng = random.Random(seed)
    exhaustive = [exhaustive_1d(rng, n) for n in range(6)]
    randoms = [random_nd_slice(rng, i) for i in range(MV_RANDOM_SLICES)]
    chained = [chained_1d(rng, i) for i in range(MV_CHAINED_SLICES)]
    return {"header": make_header(seed), "exhaustive": exhaustive, "random": randoms,
            "chained": chained}


# ---------------------------------------------------------------------------
# mv_assign.json
# ---------------------------------------------------------------------------

def random_sized_slice(rng, n, length):
    """A (start, stop, step) over n items selecting `length` of them (any
    length when None); bounds sometimes negative, stop sometimes None."""
    while True:
        step = rng.choice([1, 1, 2, 3, -1, -1, -2, -3])
        count = rng.randint(0, n) if length is None else length
        if count == 0:
            start = rng.randint(0, n)
            stop = start
            step = abs(step)
        else:
            span = (count - 1) * abs(step)
            if span >= n:
                if length is None:
                    continue
                step = 1 if step > 0 else -1
                span = count - 1
                if span >= n:
                    raise ValueError("no slice of %d items in %d" % (count, n))
            if step > 0:
                start = rng.randint(0, n - 1 - span)
                stop = start + span + 1
            else:
                start = rng.randint(span, n - 1)
                stop = start - span - 1
        assert len(range(start, n if stop is None else stop, step)) == count
        if stop == -1 or (rng.random() < 0.2 and (stop >= n)):
            stop = None   # -1 would mean "before the last item"
        elif stop == n and rng.random() < 0.3:
            stop = None
        if rng.random() < 0.3 and start < n:
            start -= n
        if stop is not None and 0 <= stop < n and rng.random() < 0.3:
            stop -= n
        key = (start, stop, step)
        if len(range(*slice(*key).indices(n))) == count:
            return key


def assign_specs(rng):
    """(id, memory, format, readonly, dst key, source)
    source: ("self", key|None) a view of the target itself,
            ("bytes", hex) a bytes object,
            ("view", hex, format, key|None) a view of another bytearray."""
    specs = [
        ("reverse-in-place", b"1y2d3f", "B", False, (None, None, -1), ("self", None)),
        ("shift-right-overlap", b"f3d2y1", "B", False, (1, 4, None), ("self", (0, 3, None))),
        ("shift-left-overlap", b"f3d2y1", "B", False, (0, 3, None), ("self", (1, 4, None))),
        ("strided-from-strided", b"abcdefgh", "B", False, (None, None, 2), ("self", (1, None, 2))),
        ("strided-from-reversed", b"abcdefgh", "B", False, (None, None, 2), ("self", (None, None, -2))),
        ("reversed-from-strided", b"abcdefgh", "B", False, (None, None, -2), ("self", (None, None, 2))),
        ("h-reverse-in-place", bytes(range(1, 13)), "h", False, (None, None, -1), ("self", None)),
        ("i-overlap", bytes(range(1, 25)), "i", False, (1, 6, None), ("self", (0, 5, None))),
        ("d-overlap-reversed", bytes(range(1, 41)), "d", False, (0, 4, None), ("self", (4, 0, -1))),
        ("c-reverse", b"abcdef", "c", False, (None, None, -1), ("self", None)),
        ("from-bytes", b"......", "B", False, (2, 5, None), ("bytes", b"abc".hex())),
        ("from-h-view", bytes(8), "h", False, (1, 3, None), ("view", bytes(range(10, 18)).hex(), "h", (None, None, 2))),
        ("clamped-stop", b"......", "B", False, (4, 100, None), ("bytes", b"xy".hex())),
        ("clamped-start", b"......", "B", False, (-100, 2, None), ("bytes", b"xy".hex())),
        ("empty", b"abcdef", "B", False, (3, 3, None), ("bytes", "")),
        ("empty-reversed-bounds", b"abcdef", "B", False, (5, 2, None), ("bytes", "")),
        ("at-B-vs-B", b"abcdef", "@B", False, (0, 2, None), ("bytes", b"XY".hex())),
        ("B-vs-at-B", b"abcdef", "B", False, (0, 2, None), ("view", b"XY".hex(), "@B", None)),
        ("read-only-source", b"abcdef", "B", False, (0, 3, None), ("view-ro", b"XYZ".hex(), "B", None)),
        # structure mismatches
        ("length-short", b"abcdef", "B", False, (0, 3, None), ("bytes", b"XY".hex())),
        ("length-long", b"abcdef", "B", False, (0, 3, None), ("bytes", b"WXYZ".hex())),
        ("B-vs-c", b"abcdef", "B", False, (0, 2, None), ("view", b"XY".hex(), "c", None)),
        ("c-vs-B", b"abcdef", "c", False, (0, 2, None), ("bytes", b"XY".hex())),
        ("B-vs-h", b"abcdef", "B", False, (0, 2, None), ("view", b"XYZW".hex(), "h", None)),
        ("h-vs-B", b"abcdef", "h", False, (0, 2, None), ("bytes", b"XYZW".hex())),
        ("b-vs-B", b"abcdef", "b", False, (0, 2, None), ("bytes", b"XY".hex())),
        ("h-vs-H", bytes(8), "h", False, (0, 2, None), ("view", bytes(4).hex(), "H", None)),
        ("q-vs-l", bytes(16), "q", False, (0, 1, None), ("view", bytes(8).hex(), "l", None)),
        ("d-vs-q", bytes(16), "d", False, (0, 1, None), ("view", bytes(8).hex(), "q", None)),
        ("B-vs-0d", b"abcdef", "B", False, (0, 1, None), ("view0d", b"X".hex(), "B")),
        ("B-vs-2d", b"abcdef", "B", False, (0, 4, None), ("view2d", b"WXYZ".hex(), "B", (2, 2))),
        ("step-zero", b"abcdef", "B", False, (0, 3, 0), ("bytes", b"XYZ".hex())),
        # read-only target: refused before the structure is looked at
        ("read-only", b"abcdef", "B", True, (0, 3, None), ("bytes", b"XYZ".hex())),
        ("read-only-mismatch", b"abcdef", "B", True, (0, 3, None), ("bytes", b"X".hex())),
        ("read-only-h", bytes(8), "h", True, (None, None, None), ("view", bytes(8).hex(), "h", None)),
    ]
    # random same-length pairs within one view (overlap in every direction)
    for i in range(60):
        fmt = rng.choice(["B", "h", "i", "d", "q"])
        itemsize = struct.calcsize(fmt)
        n = rng.randint(1, 10)
        memory = random_memory(rng, n * itemsize, fmt)
        k1 = random_sized_slice(rng, n, None)
        length = len(range(*slice(*k1).indices(n)))
        k2 = random_sized_slice(rng, n, length)
        specs.append(("random-%02d" % i, memory, fmt, False, k1, ("self", k2)))
    # random length mismatches
    for i in range(10):
        n = rng.randint(2, 8)
        memory = random_memory(rng, n, "B")
        k1 = (rng.randint(0, n // 2), rng.randint(n // 2 + 1, n), None)
        k2 = (0, rng.randint(0, n), rng.choice([1, 2]))
        specs.append(("random-mismatch-%02d" % i, memory, "B", False, k1, ("self", k2)))
    return specs


def assign_source(m, src):
    kind = src[0]
    if kind == "self":
        return m if src[1] is None else m[slice(*src[1])]
    if kind == "bytes":
        return bytes.fromhex(src[1])
    if kind in ("view", "view-ro"):
        raw = bytes.fromhex(src[1])
        v = memoryview(bytearray(raw) if kind == "view" else raw).cast(src[2])
        return v if src[3] is None else v[slice(*src[3])]
    if kind == "view0d":
        return memoryview(bytearray.fromhex(src[1])).cast(src[2], [])
    if kind == "view2d":
        return memoryview(bytearray.fromhex(src[1])).cast(src[2], list(src[3]))
    raise ValueError(kind)


def source_record(src):
    kind = src[0]
    if kind == "self":
        return {"kind": "self", "key": None if src[1] is None else list(src[1])}
    if kind == "bytes":
        return {"kind": "bytes", "memory": src[1]}
    if kind in ("view", "view-ro"):
        return {"kind": "view", "memory": src[1], "format": src[2],
                "readonly": kind == "view-ro",
                "key": None if src[3] is None else list(src[3])}
    if kind == "view0d":
        return {"kind": "view", "memory": src[1], "format": src[2], "shape": [],
                "readonly": False, "key": None}
    if kind == "view2d":
        return {"kind": "view", "memory": src[1], "format": src[2], "shape": list(src[3]),
                "readonly": False, "key": None}
    raise ValueError(kind)


def item_specs():
    """(format, index, value): item assignment m[index] = value on a
    3-item view (2x3 for a list index)."""
    specs = []
    ranges = {}
    for ch in "bhilqn":
        bits = 8 * struct.calcsize(ch)
        ranges[ch] = (-2 ** (bits - 1), 2 ** (bits - 1) - 1)
    for ch in "BHILQN":
        bits = 8 * struct.calcsize(ch)
        ranges[ch] = (0, 2 ** bits - 1)
    for ch, (lo, hi) in ranges.items():
        for v in (lo, hi, lo - 1, hi + 1, 7):
            specs.append((ch, 1, v))
    specs.append(("P", 1, 2 ** 64 - 1))
    specs.append(("P", 1, 0))
    specs.append(("P", 1, 2 ** 64))
    for ch in "fd":
        for v in (0.1, -0.0, float("inf"), float("-inf"), float("nan"), 1.5):
            specs.append((ch, 1, v))
    specs.append(("d", 1, 1e300))
    specs.append(("f", 1, 3.4028234663852886e38))
    for v in (0.1, -0.0, 65504.0, 1.5, float("inf"), 6e-08):
        specs.append(("e", 1, v))   # 3.11 refuses: packed with struct
    for v in (True, False):
        specs.append(("?", 1, v))
    for v in (b"a", b"\xff", b"\x00"):
        specs.append(("c", 1, v))
    specs.append(("@i", -1, -5))
    specs.append(("h", [1, 2], -3))
    specs.append(("h", [-1, -3], 9))
    specs.append(("B", 3, 1))      # IndexError
    specs.append(("B", -4, 1))
    specs.append(("h", [2, 0], 1))
    return specs


def item_case(rng, fmt, index, value, readonly=False):
    itemsize = struct.calcsize(fmt)
    shape = [2, 3] if isinstance(index, list) else [3]
    memory = random_memory(rng, product(shape) * itemsize, fmt)
    base = bytes(memory) if readonly else bytearray(memory)
    m = memoryview(base).cast("B").cast(fmt if fmt != "e" else "H", shape)
    case = {"format": fmt, "shape": shape, "memory": memory.hex(), "index": index,
            "value": enc_item(fmt, value)}
    key = tuple(index) if isinstance(index, list) else index
    if fmt == "e":
        case["cpythonRefuses"] = True
        try:
            packed = struct.pack("<e", value)
            m[key] = struct.unpack("<H", packed)[0]
        except Exception as e:
            case["error"] = type(e).__name__
            case["message"] = str(e)
        else:
            case["ok"] = bytes(base).hex()
        return case
    try:
        m[key] = value
    except Exception as e:
        case["error"] = type(e).__name__
        case["message"] = str(e)
        assert bytes(base) == memory
    else:
        case["ok"] = bytes(base).hex()
    return case


def build_mv_assign(seed=SEED):
    """mv_assign.json

    {header,
     slices: [{id, memory (hex), format, readonly, key: [start, stop, step],
               source: {kind: "self", key: [..] | null}   a view of the target
                     | {kind: "bytes", memory}            a bytes object ('B')
                     | {kind: "view", memory, format, readonly, shape?, key},
               ok: memory after (hex) | error, message}],
     items: [{format, shape, memory, index: number | [i, j], value: item,
              ok: memory after | error, message, cpythonRefuses?}]}

    slices: m = memoryview(bytearray(memory)).cast(format) (bytes when
    readonly); m[start:stop:step] = source.  A "self" source is
    m[key] (m itself for null), taken before the assignment.  A "view"
    source is memoryview(bytearray(memory)).cast(format[, shape])[key].
    items: m[index] = value on a fresh view of shape [3] (or [2, 3]); 'e'
    (refused by 3.11) is packed with struct.pack('<e'), whose OverflowError
    stands where 3.12's memoryview raises ValueError."""
    rng = random.Random(seed)
    slices = []
    for cid, memory, fmt, readonly, key, src in assign_specs(rng):
        base = bytes(memory) if readonly else bytearray(memory)
        m = memoryview(base)
        if fmt != "B":
            m = m.cast(fmt)
        case = {"id": cid, "memory": bytes(memory).hex(), "format": fmt,
                "readonly": readonly, "key": list(key), "source": source_record(src)}
        source = assign_source(m, src)
        try:
            m[slice(*key)] = source
        except Exception as e:
            case["error"] = type(e).__name__
            case["message"] = str(e)
            assert bytes(base) == bytes(memory)
        else:
            case["ok"] = bytes(base).hex()
        slices.append(case)
    items = [item_case(rng, *spec) for spec in item_specs()]
    items.append(item_case(rng, "i", 0, 1, readonly=True))
    items[-1]["readonly"] = True
    return {"header": make_header(seed), "slices": slices, "items": items}


# ---------------------------------------------------------------------------
# mv_cast.json
# ---------------------------------------------------------------------------

CAST_FORMATS = ["c", "b", "B", "?", "h", "H", "i", "I", "l", "L", "q", "Q",
                "n", "N", "f", "d", "P", "e", "@i", "@B", "<i", "=B", "2i",
                "x", "", "X"]
CAST_SHAPES = [None, [], [24], [2, 3], [3, 2, 2], [4, 6], [0]]


def cast_sources(rng):
    """(id, format, shape, strides, offset, memory)."""
    mem24 = bytes(rng.getrandbits(8) for _ in range(24))
    mem48 = bytes(rng.getrandbits(8) for _ in range(48))
    out = []
    for fmt in ("B", "b", "c", "@B", "h", "i", "f", "d", "q", "?", "<i", ">h"):
        itemsize = struct.calcsize(fmt)
        memory = bytes(b & 1 for b in mem24) if fmt == "?" else mem24
        out.append(("1d-" + fmt, fmt, [24 // itemsize], [itemsize], 0, memory))
    out += [
        ("nd-B-2x3x4", "B", [2, 3, 4], [12, 4, 1], 0, mem24),
        ("nd-B-4x6", "B", [4, 6], [6, 1], 0, mem24),
        ("nd-c-4x6", "c", [4, 6], [6, 1], 0, mem24),
        ("nd-i-2x3", "i", [2, 3], [12, 4], 0, mem24),
        ("0d-d", "d", [], [], 8, mem24),
        ("0d-B", "B", [], [], 5, mem24),
        ("1d-B-1", "B", [1], [1], 3, mem24),
        # not C-contiguous
        ("strided-B", "B", [12], [2], 0, mem24),
        ("reversed-B", "B", [24], [-1], 23, mem24),
        ("fortran-B-4x6", "B", [4, 6], [1, 4], 0, mem24),
        ("reversed-h", "h", [12], [-2], 22, mem24),
        ("zero-stride-B", "B", [4], [0], 0, mem24),
        ("offset-B-unaligned", "B", [16], [1], 3, mem24),   # contiguous at an odd start
        # empty
        ("empty-B", "B", [0], [1], 0, mem24),
        ("empty-B-stride2", "B", [0], [2], 0, mem24),   # not contiguous for memoryview
        ("empty-h", "h", [0], [2], 0, mem24),
        ("empty-B-0x3", "B", [0, 3], [3, 1], 0, mem24),
        ("empty-B-3x0", "B", [3, 0], [1, 1], 0, mem24),
        # 48 bytes for bigger targets
        ("1d-B-48", "B", [48], [1], 0, mem48),
    ]
    return out


def cast_record(fmt_used, view, memory, base):
    shape = list(view.shape)
    strides = list(view.strides)
    offset = buffer_address(view) - base
    fmt = view.format
    rec = {"format": fmt, "itemsize": view.itemsize, "ndim": view.ndim,
           "shape": shape, "strides": strides, "nbytes": view.nbytes,
           "readonly": view.readonly, "byteOffset": offset}
    expected = items_at(fmt, memory, shape, strides, offset)
    rec["tolist"] = enc_list(fmt, expected)
    assert enc_list(fmt, view.tolist()) == rec["tolist"]
    return rec


def cast_case(raw, memory, fmt, shape):
    """One m.cast(fmt[, shape]); 'e' also gets its 3.12 result."""
    m = raw.view
    args = (fmt,) if shape is None else (fmt, shape)
    try:
        r = m.cast(*args)
    except Exception as e:
        out = {"error": type(e).__name__, "message": str(e)}
    else:
        out = {"ok": cast_record(fmt, r, memory, raw.base)}
    if fmt == "e" and "error" in out and "destination format" in out["message"]:
        # 3.12 accepts 'e': run the same cast with 'H' (same size, same
        # rules on 3.11) and read the items as half floats
        alt = (("H",) if shape is None else ("H", shape))
        try:
            r = m.cast(*alt)
        except Exception as e:
            out312 = {"error": type(e).__name__, "message": str(e)}
        else:
            rec = cast_record("H", r, memory, raw.base)
            rec["format"] = "e"
            rec["tolist"] = enc_list("e", items_at("e", memory, rec["shape"], rec["strides"],
                                                   rec["byteOffset"]))
            out312 = {"ok": rec}
        return dict(out312, cpythonRefuses=True, cpython311=out)
    return out


def build_mv_cast(seed=SEED):
    """mv_cast.json

    {header,
     sources: [{id, format, shape, strides, offset, memory}],
     casts: [{source: id, format: string | {bytes: hex} | {number: n},
              shape?: absent (None) | number[] | a number,
              ok: {format, itemsize, ndim, shape, strides, nbytes, readonly,
                   byteOffset, tolist} | error, message,
              cpythonRefuses?, cpython311?}]}

    Each source is memoryview(ArrayBuffer(memory), {format, shape, strides,
    byteOffset: offset}) (CPython: PyMemoryView_FromBuffer on exactly that
    layout); each cast is source.cast(format[, shape]).  format may be
    given as bytes ({bytes: hex}; CPython: TypeError) or a number; shape as
    a number (TypeError: shape must be a list or a tuple) or with non-integer
    elements.  Destination 'e' is refused by 3.11 (recorded as cpython311)
    and accepted by 3.12+; ok/error then hold the 3.12 outcome, computed
    by casting to 'H' and reading half floats (cpythonRefuses: true)."""
    rng = random.Random(seed)
    sources = []
    casts = []
    for sid, fmt, shape, strides, offset, memory in cast_sources(rng):
        sources.append({"id": sid, "format": fmt, "shape": shape, "strides": strides,
                        "offset": offset, "memory": memory.hex()})
        raw = RawView(memory, fmt, shape, strides, offset)
        nbytes = raw.view.nbytes
        for dst in CAST_FORMATS:
            try:
                size = struct.calcsize(dst)
            except struct.error:
                size = 0
            shapes = list(CAST_SHAPES)
            if size and nbytes % size == 0 and nbytes // size not in (0, 24):
                shapes.append([nbytes // size])
                if (nbytes // size) % 2 == 0:
                    shapes.append([2, nbytes // size // 2])
            if size and nbytes == size:
                pass  # [] already listed
            for shp in shapes:
                case = {"source": sid, "format": dst}
                if shp is not None:
                    case["shape"] = shp
                case.update(cast_case(raw, memory, dst, shp))
                casts.append(case)
    # argument types, limits and shape elements, on a 1-byte and a 24-byte source
    one = ("one-B", "B", [1], [1], 0, b"\x07")
    sources.append({"id": one[0], "format": "B", "shape": [1], "strides": [1],
                    "offset": 0, "memory": "07"})
    raw1 = RawView(one[5], "B", [1], [1], 0)
    raw24 = RawView(bytes.fromhex(sources[0]["memory"]), "B", [24], [1], 0)
    extra = [
        (raw1, "one-B", "B", [1] * 64),
        (raw1, "one-B", "B", [1] * 65),
        (raw1, "one-B", "c", [1] * 64),
        (raw1, "one-B", "B", [1] * 100),
        (raw24, "1d-B", "B", [2] + [1] * 62 + [12]),
        (raw24, "1d-B", "B", [2, -12]),
        (raw24, "1d-B", "B", [-2, -12]),
        (raw24, "1d-B", "B", [24, 0]),
        (raw24, "1d-B", "h", [-12]),
        (raw24, "1d-B", "B", [2.5, 12]),
        (raw24, "1d-B", "B", 24),
        (raw24, "1d-B", b"B", None),
        (raw24, "1d-B", 66, None),
    ]
    for raw, sid, fmt, shp in extra:
        case = {"source": sid}
        if isinstance(fmt, bytes):
            case["format"] = {"bytes": fmt.hex()}
        elif isinstance(fmt, int):
            case["format"] = {"number": fmt}
        else:
            case["format"] = fmt
        if shp is not None:
            case["shape"] = shp
        case.update(cast_case(raw, raw.memory(), fmt, shp))
        casts.append(case)
    return {"header": make_header(seed), "sources": sources, "casts": casts}


# ---------------------------------------------------------------------------
# mv_compare.json
# ---------------------------------------------------------------------------

def compare_pool():
    """(name, format, shape, items|raw bytes, options)."""
    def packed(fmt, items):
        return b"".join(struct.pack(fmt, *(v if isinstance(v, tuple) else (v,))) for v in items)
    nan = float("nan")
    pool = [
        ("B-123", "B", [3], packed("B", [1, 2, 3])),
        ("b-123", "b", [3], packed("b", [1, 2, 3])),
        ("h-123", "h", [3], packed("h", [1, 2, 3])),
        ("i-123", "i", [3], packed("i", [1, 2, 3])),
        ("<i-123", "<i", [3], packed("<i", [1, 2, 3])),
        (">i-123", ">i", [3], packed(">i", [1, 2, 3])),
        ("q-123", "q", [3], packed("q", [1, 2, 3])),
        ("Q-123", "Q", [3], packed("Q", [1, 2, 3])),
        ("f-123", "f", [3], packed("f", [1, 2, 3])),
        ("d-123", "d", [3], packed("d", [1, 2, 3])),
        ("e-123", "e", [3], packed("e", [1, 2, 3])),
        ("c-123", "c", [3], b"\x01\x02\x03"),
        ("?-101", "?", [3], b"\x01\x00\x01"),
        ("B-101", "B", [3], b"\x01\x00\x01"),
        ("B-ff", "B", [1], b"\xff"),
        ("b-ff", "b", [1], b"\xff"),
        ("c-ff", "c", [1], b"\xff"),
        ("f-0.1", "f", [1], packed("f", [0.1])),
        ("d-0.1", "d", [1], packed("d", [0.1])),
        ("d-0.1-unaligned", "d", [1], b"\x00" + packed("d", [0.1]), {"offset": 1}),
        ("d-nan", "d", [1], packed("d", [nan])),
        ("f-nan", "f", [1], packed("f", [nan])),
        ("d-minus0", "d", [1], packed("d", [-0.0])),
        ("d-0", "d", [1], packed("d", [0.0])),
        ("h-2x3-C", "h", [2, 3], packed("h", range(6))),
        ("h-2x3-F", "h", [2, 3], packed("h", [0, 3, 1, 4, 2, 5]), {"strides": [2, 4]}),
        ("h-2x3-reversed", "h", [2, 3], packed("h", [5, 4, 3, 2, 1, 0]),
         {"strides": [-6, -2], "offset": 10}),
        ("i-2x3-C", "i", [2, 3], packed("i", range(6))),
        ("h-3x2-C", "h", [3, 2], packed("h", range(6))),
        ("h-6", "h", [6], packed("h", range(6))),
        ("d-0x3", "d", [0, 3], b""),
        ("B-0x5", "B", [0, 5], b""),
        ("d-3x0", "d", [3, 0], b""),
        ("B-5x0", "B", [5, 0], b""),
        ("d-0", "d", [0], b""),
        ("B-0", "B", [0], b""),
        ("i-0d-1", "i", [], packed("i", [1])),
        ("d-0d-1", "d", [], packed("d", [1.0])),
        ("i-1", "i", [1], packed("i", [1])),
        ("q-2**53+1", "q", [1], packed("q", [2**53 + 1])),
        ("d-2**53", "d", [1], packed("d", [2.0**53])),
        ("Q-2**64-1", "Q", [1], packed("Q", [2**64 - 1])),
        ("d-2**64", "d", [1], packed("d", [2.0**64])),
        ("2h-2", "2h", [2], packed("h", [1, 2, 3, 4])),
        ("hh-2", "hh", [2], packed("h", [1, 2, 3, 4])),
        ("T{i}-1", "T{i}", [1], packed("i", [1]), {"itemsize": 4}),
        ("B-123-released", "B", [3], packed("B", [1, 2, 3]), {"released": True}),
    ]
    return pool


def build_mv_compare(seed=SEED):
    """mv_compare.json

    {header,
     views: [{name, format, itemsize, shape, strides, offset, memory,
              released?: true, structParses: bool}],
     equal: [[bool]]   equal[i][j] = (views[i] == views[j]); i == j compares
                       a view with itself (the same object)}

    Every view is PyMemoryView_FromBuffer over exactly the given layout
    (offset = byte offset of item [0,...,0] in memory).  structParses is
    false for formats struct cannot parse ('T{i}'): CPython then says
    "not equal", even to itself, and the JavaScript side cannot build the
    view at all.  A released view equals only itself."""
    views = []
    raws = []
    for entry in compare_pool():
        name, fmt, shape, memory = entry[:4]
        opts = entry[4] if len(entry) > 4 else {}
        try:
            itemsize = struct.calcsize(fmt)
            parses = True
        except struct.error:
            itemsize = opts["itemsize"]
            parses = False
        strides = opts.get("strides", c_strides(shape, itemsize))
        offset = opts.get("offset", 0)
        raw = RawView(memory, fmt, shape, strides, offset, itemsize=itemsize)
        rec = {"name": name, "format": fmt, "itemsize": itemsize, "shape": shape,
               "strides": strides, "offset": offset, "memory": memory.hex(),
               "structParses": parses}
        if opts.get("released"):
            raw.view.release()
            rec["released"] = True
        views.append(rec)
        raws.append(raw)
    equal = [[bool(a.view == b.view) for b in raws] for a in raws]
    # != is always the negation
    for i, a in enumerate(raws):
        for j, b in enumerate(raws):
            assert (a.view != b.view) == (not equal[i][j])
    return {"header": make_header(seed), "views": views, "equal": equal}


# ---------------------------------------------------------------------------
# mv_lifecycle.json
# ---------------------------------------------------------------------------

def lifecycle_scripts():
    """Each script is a list of steps; see build_mv_lifecycle."""
    return [
        ("release-with-export", "68656c6c6f", [
            {"op": "memoryview", "of": "ba", "as": "m"},
            {"op": "export", "of": "m", "as": "e"},
            {"op": "release", "target": "m"},
            {"op": "resize", "target": "ba"},
            {"op": "tolist", "target": "m"},
            {"op": "release", "target": "e"},
            {"op": "release", "target": "m"},
            {"op": "tolist", "target": "m"},
            {"op": "resize", "target": "ba"},
        ]),
        ("slice-outlives-parent", "68656c6c6f", [
            {"op": "memoryview", "of": "ba", "as": "m"},
            {"op": "slice", "of": "m", "key": [1, 3, None], "as": "s"},
            {"op": "release", "target": "m"},
            {"op": "resize", "target": "ba"},
            {"op": "tolist", "target": "s"},
            {"op": "tolist", "target": "m"},
            {"op": "release", "target": "s"},
            {"op": "resize", "target": "ba"},
            {"op": "tolist", "target": "s"},
        ]),
        ("view-of-view", "010203040506", [
            {"op": "memoryview", "of": "ba", "as": "m"},
            {"op": "memoryview", "of": "m", "as": "m2"},
            {"op": "release", "target": "m"},
            {"op": "resize", "target": "ba"},
            {"op": "tolist", "target": "m2"},
            {"op": "memoryview", "of": "m", "as": "m3"},
            {"op": "release", "target": "m2"},
            {"op": "resize", "target": "ba"},
        ]),
        ("toreadonly", "010203040506", [
            {"op": "memoryview", "of": "ba", "as": "m"},
            {"op": "toreadonly", "of": "m", "as": "r"},
            {"op": "set", "target": "m", "index": 0, "value": {"int": "9"}},
            {"op": "tolist", "target": "r"},
            {"op": "set", "target": "r", "index": 1, "value": {"int": "9"}},
            {"op": "release", "target": "m"},
            {"op": "tolist", "target": "r"},
            {"op": "resize", "target": "ba"},
            {"op": "release", "target": "r"},
            {"op": "resize", "target": "ba"},
        ]),
        ("context-manager-with-export", "6162636465", [
            {"op": "memoryview", "of": "ba", "as": "m"},
            {"op": "export", "of": "m", "as": "e"},
            {"op": "exit", "target": "m"},
            {"op": "tolist", "target": "m"},
            {"op": "release", "target": "e"},
            {"op": "exit", "target": "m"},
            {"op": "tolist", "target": "m"},
            {"op": "release", "target": "m"},
            {"op": "equals", "target": "m", "other": "m"},
            {"op": "resize", "target": "ba"},
        ]),
        ("export-of-slice", "00112233445566778899", [
            {"op": "memoryview", "of": "ba", "as": "m"},
            {"op": "slice", "of": "m", "key": [None, None, 2], "as": "s"},
            {"op": "export", "of": "s", "as": "e"},
            {"op": "release", "target": "s"},
            {"op": "release", "target": "m"},
            {"op": "resize", "target": "ba"},
            {"op": "release", "target": "e"},
            {"op": "resize", "target": "ba"},
            {"op": "release", "target": "s"},
            {"op": "resize", "target": "ba"},
        ]),
        ("cast-outlives-parent", "000100020003", [
            {"op": "memoryview", "of": "ba", "as": "m"},
            {"op": "cast", "of": "m", "format": "h", "as": "c"},
            {"op": "release", "target": "m"},
            {"op": "tolist", "target": "c"},
            {"op": "resize", "target": "ba"},
            {"op": "release", "target": "c"},
            {"op": "resize", "target": "ba"},
        ]),
        ("direct-export", "0102", [
            {"op": "export", "of": "ba", "as": "e"},
            {"op": "resize", "target": "ba"},
            {"op": "memoryview", "of": "ba", "as": "m"},
            {"op": "release", "target": "e"},
            {"op": "resize", "target": "ba"},
            {"op": "release", "target": "m"},
            {"op": "resize", "target": "ba"},
        ]),
        ("released-view-operations", "0102030405", [
            {"op": "memoryview", "of": "ba", "as": "m"},
            {"op": "slice", "of": "m", "key": [1, None, None], "as": "s"},
            {"op": "release", "target": "m"},
            {"op": "release", "target": "m"},
            {"op": "tolist", "target": "m"},
            {"op": "slice", "of": "m", "key": [0, 1, None], "as": "t"},
            {"op": "cast", "of": "m", "format": "B", "as": "t"},
            {"op": "toreadonly", "of": "m", "as": "t"},
            {"op": "memoryview", "of": "m", "as": "t"},
            {"op": "export", "of": "m", "as": "t"},
            {"op": "set", "target": "m", "index": 0, "value": {"int": "1"}},
            {"op": "equals", "target": "m", "other": "m"},
            {"op": "equals", "target": "m", "other": "s"},
            {"op": "equals", "target": "s", "other": "m"},
            {"op": "tolist", "target": "s"},
            {"op": "release", "target": "s"},
            {"op": "resize", "target": "ba"},
        ]),
        ("two-exports", "0102030405", [
            {"op": "memoryview", "of": "ba", "as": "m"},
            {"op": "export", "of": "m", "as": "e1"},
            {"op": "export", "of": "m", "as": "e2"},
            {"op": "release", "target": "m"},
            {"op": "release", "target": "e1"},
            {"op": "release", "target": "m"},
            {"op": "release", "target": "e2"},
            {"op": "release", "target": "m"},
            {"op": "resize", "target": "ba"},
        ]),
        ("writes-are-shared", "0000000000", [
            {"op": "memoryview", "of": "ba", "as": "m"},
            {"op": "slice", "of": "m", "key": [None, None, -1], "as": "r"},
            {"op": "set", "target": "r", "index": 0, "value": {"int": "5"}},
            {"op": "tolist", "target": "m"},
            {"op": "export", "of": "r", "as": "e"},
            {"op": "set", "target": "m", "index": 0, "value": {"int": "7"}},
            {"op": "tolist", "target": "r"},
            {"op": "release", "target": "e"},
            {"op": "release", "target": "r"},
            {"op": "release", "target": "m"},
            {"op": "resize", "target": "ba"},
        ]),
    ]


def run_lifecycle_step(objs, step):
    op = step["op"]
    if op == "memoryview":
        objs[step["as"]] = memoryview(objs[step["of"]])
        return None
    if op == "slice":
        objs[step["as"]] = objs[step["of"]][slice(*step["key"])]
        return None
    if op == "cast":
        objs[step["as"]] = objs[step["of"]].cast(step["format"])
        return None
    if op == "toreadonly":
        objs[step["as"]] = objs[step["of"]].toreadonly()
        return None
    if op == "export":
        objs[step["as"]] = tb.ndarray(objs[step["of"]])
        return None
    if op == "release":
        target = objs[step["target"]]
        if isinstance(target, tb.ndarray):
            del objs[step["target"]]   # the consumer's PyBuffer_Release
            del target
            return None
        target.release()
        return None
    if op == "exit":
        objs[step["target"]].__exit__(None, None, None)
        return None
    if op == "resize":
        objs[step["target"]].append(0)
        return len(objs[step["target"]])
    if op == "tolist":
        return enc_list("B", objs[step["target"]].tolist())
    if op == "set":
        objs[step["target"]][step["index"]] = int(step["value"]["int"])
        return None
    if op == "equals":
        return objs[step["target"]] == objs[step["other"]]
    raise ValueError(op)


def build_mv_lifecycle(seed=SEED):
    """mv_lifecycle.json

    {header, scripts: [{name, memory: hex of the initial bytearray "ba",
                        steps: [{op, ..., ok: value | null} | {op, ..., error, message}]}]}

    Steps (names refer to earlier results):
      memoryview {of, as}     as = memoryview(of)
      slice      {of, key, as} as = of[start:stop:step]
      cast       {of, format, as}
      toreadonly {of, as}
      export     {of, as}     a consumer holding a buffer of `of`
                              (_testbuffer.ndarray(of); getBuffer in JS)
      release    {target}     target.release(); for an export: the
                              consumer lets go of its buffer
      exit       {target}     target.__exit__() (Symbol.dispose in JS)
      resize     {target}     ba.append(0); ok: the new length
                              (NativeBuffer.resize(length + 1) in JS)
      tolist     {target}     ok: the items
      set        {target, index, value}
      equals     {target, other}  ok: bool
    A step whose result name already exists and that fails leaves the old
    object in place (released-view-operations reuses "t")."""
    scripts = []
    for name, memory, steps in lifecycle_scripts():
        objs = {"ba": bytearray.fromhex(memory)}
        out_steps = []
        for step in steps:
            rec = dict(step)
            try:
                rec["ok"] = run_lifecycle_step(objs, step)
            except Exception as e:
                rec["error"] = type(e).__name__
                rec["message"] = str(e)
            out_steps.append(rec)
        scripts.append({"name": name, "memory": memory, "steps": out_steps})
        # drop everything before the next script
        for obj in objs.values():
            if isinstance(obj, memoryview):
                try:
                    obj.release()
                except BufferError:
                    pass
        objs.clear()
    return {"header": make_header(seed), "scripts": scripts}


# ---------------------------------------------------------------------------
# capi.json
# ---------------------------------------------------------------------------

_to_contiguous = ctypes.pythonapi.PyBuffer_ToContiguous
_to_contiguous.argtypes = [ctypes.c_void_p, ctypes.POINTER(PyBuffer), ctypes.c_ssize_t,
                           ctypes.c_char]
_to_contiguous.restype = ctypes.c_int

_from_contiguous = ctypes.pythonapi.PyBuffer_FromContiguous
_from_contiguous.argtypes = [ctypes.POINTER(PyBuffer), ctypes.c_void_p, ctypes.c_ssize_t,
                             ctypes.c_char]
_from_contiguous.restype = ctypes.c_int

_copy_data = ctypes.pythonapi.PyObject_CopyData
_copy_data.argtypes = [ctypes.py_object, ctypes.py_object]
_copy_data.restype = ctypes.c_int

CAPI_FORMATS = ["B", "h", "i", "d"]
CAPI_MAX_ITEMS = 48
CAPI_RANDOM_LAYOUTS = 280
CAPI_FROM_LAYOUTS = 150
CAPI_RANDOM_COPIES = 60
CAPI_RANDOM_SHARED_COPIES = 30


def capi_random_shape(rng, ndim):
    while True:
        shape = [0 if rng.random() < 0.06 else rng.randint(1, 4) for _ in range(ndim)]
        if product(shape) <= CAPI_MAX_ITEMS:
            return shape


def capi_place(rng, shape, strides, itemsize, unaligned=False):
    """(offset, memlen) of a block that holds the layout, with some slack."""
    if 0 in shape:
        memlen = rng.randint(0, 3 * itemsize)
        return rng.randint(0, memlen), memlen
    imin, imax = extent(shape, strides)
    offset = -imin + itemsize * rng.randint(0, 1)
    if unaligned:
        offset += rng.randint(1, itemsize - 1)
    return offset, offset + imax + itemsize + rng.randint(0, itemsize)


def capi_random_layout(rng):
    """(format, shape, strides, offset, memlen): any strides, zero and
    negative ones, unaligned ones, items overlapping each other."""
    fmt = rng.choice(CAPI_FORMATS)
    itemsize = struct.calcsize(fmt)
    ndim = rng.choices([0, 1, 2, 3, 4], weights=[6, 26, 30, 22, 16])[0]
    shape = capi_random_shape(rng, ndim)
    unaligned = itemsize > 1 and rng.random() < 0.12
    strides = mv_random_strides(rng, shape, itemsize, unaligned)
    offset, memlen = capi_place(rng, shape, strides, itemsize, unaligned)
    return fmt, shape, strides, offset, memlen


def capi_edge_layouts():
    """(format, shape, strides, offset, memlen): the cases that decide."""
    return [
        ("h", [3, 4], [8, 2], 0, 24),            # C
        ("h", [3, 4], [2, 6], 0, 24),            # Fortran only: 'A' is F
        ("d", [2, 3, 4], [8, 16, 48], 0, 192),   # Fortran only, 3-D
        ("i", [2, 3], [4, 8], 4, 28),            # Fortran only, at an offset
        ("B", [4, 5], [1, 4], 0, 20),
        ("i", [1, 4, 1], [99, 4, -7], 0, 16),    # both C and F (extent-1 strides)
        ("i", [4, 1], [4, 0], 0, 16),            # both
        ("d", [], [], 0, 8),                     # 0-d
        ("B", [], [], 3, 5),
        ("d", [], [], 3, 12),                    # 0-d, unaligned
        ("i", [4], [0], 4, 12),                  # one item, four times
        ("h", [3, 4], [0, 2], 0, 8),             # broadcast row
        ("h", [3, 4], [2, 0], 0, 6),             # broadcast column
        ("d", [2, 2, 2], [0, 0, 0], 0, 8),
        ("i", [5], [-4], 16, 20),                # reversed
        ("i", [3, 4], [-16, -4], 44, 48),        # both axes reversed
        ("h", [3, 4], [-2, 6], 4, 24),           # reversed Fortran
        ("i", [4], [1], 0, 7),                   # items overlap each other
        ("d", [3, 3], [8, 4], 0, 32),
        ("h", [0], [2], 0, 4),                   # empty
        ("h", [0, 3], [6, 2], 2, 8),
        ("d", [3, 0], [8, 8], 0, 0),
        ("B", [2, 0, 2], [4, 1, 2], 0, 6),
        ("d", [3], [8], 1, 25),                  # contiguous, unaligned start
        ("i", [2, 3], [13, 3], 1, 32),           # unaligned strides
        ("B", [4, 4, 3], [12, 3, 1], 0, 48),     # C, 3-D
        ("h", [2, 2, 2, 2], [2, 4, 8, 16], 0, 32),  # Fortran, 4-D
        ("i", [2, 2, 2, 2], [-32, 4, 16, -8], 40, 64),
    ]


def capi_big_layouts():
    """Layouts of 16 KiB and more, where the JavaScript side switches to
    its native copy kernel."""
    return [
        ("d", [48, 48], [8, 384], 0, 48 * 48 * 8),           # Fortran: a transpose
        ("i", [64, 72], [-288, 8], 63 * 288, 64 * 72 * 8),   # reversed rows, every other column
    ]


def capi_view(memory, fmt, shape, strides, offset, store=None):
    return RawView(memory, fmt, shape, strides, offset, store=store)


def c_order_indices(shape):
    return list(itertools.product(*[range(n) for n in shape]))


def f_order_indices(shape):
    return [tuple(reversed(t)) for t in itertools.product(*[range(n) for n in reversed(shape)])]


def address_of(index, strides, offset):
    return offset + sum(i * s for i, s in zip(index, strides))


def cpython_to_contiguous(raw, order):
    """PyBuffer_ToContiguous(buf, view, view.len, order)."""
    n = raw.pb.len
    out = ctypes.create_string_buffer(max(n, 1))
    _to_contiguous(out, ctypes.byref(raw.pb), n, order.encode("ascii"))
    return out.raw[:n]


def from_contiguous_model(memory, itemsize, shape, strides, offset, source, fort):
    """What PyBuffer_FromContiguous does (Objects/abstract.c): len is clamped
    to view.len; a view contiguous in `fort` ('A': C or F) takes one memcpy
    of len bytes, a trailing partial item included; any other view gets
    len // itemsize whole items, in Fortran order for 'F' and in C order
    otherwise ('A' included).  Returns (memory after, bytes written)."""
    mem = bytearray(memory)
    n = min(len(source), product(shape) * itemsize)
    contig = cpython_contiguity(itemsize, shape, strides, offset, len(memory))
    if contig[fort.lower()]:
        mem[offset:offset + n] = source[:n]
        return bytes(mem), n
    indices = f_order_indices(shape) if fort == "F" else c_order_indices(shape)
    count = n // itemsize
    for k, index in enumerate(indices[:count]):
        a = address_of(index, strides, offset)
        mem[a:a + itemsize] = source[k * itemsize:(k + 1) * itemsize]
    return bytes(mem), count * itemsize


def capi_from_lengths(rng, view_len, itemsize):
    """full, a short one that is not a multiple of the itemsize (any short
    one for 'B'), zero, and one longer than the view."""
    lens = [view_len]
    if view_len >= 2:
        if itemsize > 1:
            lens.append(itemsize * rng.randint(0, view_len // itemsize - 1)
                        + rng.randint(1, itemsize - 1))
        else:
            lens.append(rng.randint(1, view_len - 1))
    lens.append(0)
    lens.append(view_len + rng.randint(1, 2 * itemsize + 2))
    out = []
    for n in lens:
        if n not in out:
            out.append(n)
    return out


def capi_from_cases(rng, fmt, shape, strides, offset, memory):
    itemsize = struct.calcsize(fmt)
    view_len = product(shape) * itemsize
    lens = capi_from_lengths(rng, view_len, itemsize)
    source = bytes(rng.getrandbits(8) for _ in range(max(lens)))
    cases = []
    for order in "CFA":
        for n in lens:
            raw = capi_view(memory, fmt, shape, strides, offset)
            buf = ctypes.create_string_buffer(source[:n], max(n, 1))
            _from_contiguous(ctypes.byref(raw.pb), buf, n, order.encode("ascii"))
            after = raw.memory()
            model, written = from_contiguous_model(memory, itemsize, shape, strides,
                                                   offset, source[:n], order)
            assert after == model, (fmt, shape, strides, offset, order, n)
            cases.append({"order": order, "len": n, "memory": after.hex(),
                          "written": written})
    return {"source": source.hex(), "cases": cases}


def capi_layout_record(rng, lid, fmt, shape, strides, offset, memory, with_from):
    itemsize = struct.calcsize(fmt)
    memlen = len(memory)
    assert core_valid(itemsize, shape, strides, offset, memlen), lid
    raw = capi_view(memory, fmt, shape, strides, offset)
    record = {"id": lid, "format": fmt, "shape": shape, "strides": strides,
              "offset": offset, "memory": memory.hex()}
    to = {order: cpython_to_contiguous(raw, order) for order in "CFA"}
    # numpy, over the same bytes, agrees on C and F
    a = numpy.ndarray(shape=tuple(shape), dtype=numpy_dtype(fmt), buffer=bytearray(memory),
                      offset=offset, strides=tuple(strides))
    assert a.tobytes("C") == to["C"] and a.tobytes("F") == to["F"], lid
    contig = cpython_contiguity(itemsize, shape, strides, offset, memlen)
    assert to["A"] == to["F" if contig["f"] and not contig["c"] else "C"], lid
    record["toContiguous"] = {order: to[order].hex() for order in "CFA"}
    record["isContiguous"] = {"C": bool(contig["c"]), "F": bool(contig["f"])}
    if with_from:
        record["fromContiguous"] = capi_from_cases(rng, fmt, shape, strides, offset, memory)
    return record


# --- PyObject_CopyData ------------------------------------------------------

def item_bytes_overlap(itemsize, shape, strides, offset):
    """Whether two items of the layout share a byte (zero strides, strides
    smaller than the itemsize)."""
    seen = set()
    for index in c_order_indices(shape):
        a = address_of(index, strides, offset)
        for b in range(a, a + itemsize):
            if b in seen:
                return True
            seen.add(b)
    return False


def cpython_copy_path_memcpy(dst, src):
    """PyObject_CopyData's fast path: both C- or both Fortran-contiguous."""
    dc = cpython_contiguity(dst.itemsize, dst.shape, dst.strides, dst.offset, dst.memlen)
    sc = cpython_contiguity(src.itemsize, src.shape, src.strides, src.offset, src.memlen)
    return bool((dc["c"] and sc["c"]) or (dc["f"] and sc["f"]))


def copy_data_model(dmem, dst, smem, src, same):
    """PyObject_CopyData (Objects/abstract.c) on two layouts with the same
    shape.  The fast path is one memcpy of src.len bytes.  The item loop
    calls _Py_add_one_to_index_C *before* each copy, so it visits
    [0,...,0,1], ..., the last index, then wraps to [0,...,0]: every item is
    copied once, item 0 last.  In the same memory the copies happen in that
    order, one item at a time."""
    mem = bytearray(dmem)
    source = mem if same else bytes(smem)
    size = src.itemsize
    if cpython_copy_path_memcpy(dst, src):
        n = product(src.shape) * size
        chunk = bytes(source[src.offset:src.offset + n])
        mem[dst.offset:dst.offset + n] = chunk
        return bytes(mem)
    indices = c_order_indices(src.shape)
    for index in indices[1:] + indices[:1]:
        sa = address_of(index, src.strides, src.offset)
        da = address_of(index, dst.strides, dst.offset)
        mem[da:da + size] = bytes(source[sa:sa + size])
    return bytes(mem)


class CapiLayout:
    def __init__(self, fmt, shape, strides, offset, memlen):
        self.fmt = fmt
        self.itemsize = struct.calcsize(fmt)
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.memlen = memlen

    def record(self):
        return {"format": self.fmt, "shape": self.shape, "strides": self.strides,
                "offset": self.offset}


def copy_case(cid, dst, dmem, src, smem, note=None):
    """smem None: src lives in the same memory as dst."""
    same = smem is None
    assert core_valid(dst.itemsize, dst.shape, dst.strides, dst.offset, len(dmem)), cid
    assert core_valid(src.itemsize, src.shape, src.strides, src.offset,
                      len(dmem if same else smem)), cid
    rec = {"id": cid, "dst": dst.record(), "src": src.record(), "memory": dmem.hex()}
    if same:
        rec["sameMemory"] = True
    else:
        rec["srcMemory"] = smem.hex()
    d = capi_view(dmem, dst.fmt, dst.shape, dst.strides, dst.offset)
    s = capi_view(dmem if same else smem, src.fmt, src.shape, src.strides, src.offset,
                  store=d.store if same else None)
    _copy_data(d.view, s.view)
    after = d.memory()
    if not same:
        assert s.memory() == smem, cid
    memcpy = cpython_copy_path_memcpy(dst, src)
    if not (same and memcpy):
        assert after == copy_data_model(dmem, dst, smem, src, same), cid
    rec["ok"] = after.hex()
    rec["memcpy"] = memcpy
    if same:
        # the same copy from a snapshot of the source: memmove semantics
        d2 = capi_view(dmem, dst.fmt, dst.shape, dst.strides, dst.offset)
        s2 = capi_view(dmem, src.fmt, src.shape, src.strides, src.offset)
        _copy_data(d2.view, s2.view)
        if d2.memory() != after:
            rec["memmove"] = d2.memory().hex()
    if note:
        rec.update(note)
    return rec


def copy_safe_for_cpython(dst, src):
    """Whether PyObject_CopyData stays inside both blocks for a mismatched
    pair: it refuses dst.len < src.len, memcpys src.len bytes on the fast
    path, and otherwise indexes dst with src's indices."""
    dlen = product(dst.shape) * dst.itemsize
    slen = product(src.shape) * src.itemsize
    if dlen < slen or cpython_copy_path_memcpy(dst, src):
        return True
    if len(dst.shape) > len(src.shape):
        return False   # it would read indices it never allocated
    for index in c_order_indices(src.shape):
        a = address_of(index[:len(dst.shape)], dst.strides, dst.offset)
        if a < 0 or a + dst.itemsize > dst.memlen:
            return False
    return True


def mismatch_case(cid, dst, dmem, src, smem):
    rec = {"id": cid, "dst": dst.record(), "src": src.record(), "memory": dmem.hex(),
           "srcMemory": smem.hex(), "mismatch": True}
    if copy_safe_for_cpython(dst, src):
        d = capi_view(dmem, dst.fmt, dst.shape, dst.strides, dst.offset)
        s = capi_view(smem, src.fmt, src.shape, src.strides, src.offset)
        try:
            _copy_data(d.view, s.view)
        except Exception as e:
            rec["cpython"] = {"error": type(e).__name__, "message": str(e)}
        else:
            rec["cpython"] = {"ok": d.memory().hex()}
    return rec


def random_layout_for(rng, fmt, shape, writable):
    """A random layout of the given shape; a writable one never has two items
    sharing a byte."""
    itemsize = struct.calcsize(fmt)
    while True:
        unaligned = itemsize > 1 and rng.random() < 0.1
        strides = mv_random_strides(rng, shape, itemsize, unaligned)
        offset, memlen = capi_place(rng, shape, strides, itemsize, unaligned)
        layout = CapiLayout(fmt, shape, strides, offset, memlen)
        if not writable or not item_bytes_overlap(itemsize, shape, strides, offset):
            return layout


def shared_pair(rng, fmt, shape):
    """Two layouts of one shape over one block, placed to overlap often."""
    itemsize = struct.calcsize(fmt)
    d = random_layout_for(rng, fmt, shape, True)
    s = random_layout_for(rng, fmt, shape, False)
    if 0 in shape:
        memlen = max(d.memlen, s.memlen)
        d.memlen = s.memlen = memlen
        return d, s, memlen
    spans = []
    for x in (d, s):
        imin, imax = extent(shape, x.strides)
        spans.append((imin, imax - imin + itemsize))
    memlen = max(span for _, span in spans) + rng.randint(0, 2 * itemsize)
    for x, (imin, span) in zip((d, s), spans):
        x.offset = -imin + rng.randint(0, memlen - span)
        x.memlen = memlen
    return d, s, memlen


def copy_specs(rng):
    """(id, dst, src, shared, note): hand-made, then random."""
    L = CapiLayout
    specs = [
        ("C-C", L("i", [3, 4], [16, 4], 0, 48), L("i", [3, 4], [16, 4], 0, 48), False),
        ("F-C", L("d", [3, 4], [32, 8], 0, 96), L("d", [3, 4], [8, 24], 0, 96), False),
        ("C-F", L("h", [2, 3, 4], [2, 4, 12], 0, 48), L("h", [2, 3, 4], [24, 8, 2], 0, 48), False),
        ("F-F", L("B", [4, 3], [1, 4], 0, 12), L("B", [4, 3], [1, 4], 0, 12), False),
        ("reversed-C", L("i", [5], [4], 0, 20), L("i", [5], [-4], 16, 20), False),
        ("strided-reversed", L("h", [3, 3], [-12, 4], 26, 36), L("h", [3, 3], [2, -8], 20, 26), False),
        ("broadcast-src", L("i", [3, 4], [16, 4], 0, 48), L("i", [3, 4], [0, 4], 0, 16), False),
        ("zero-stride-src", L("d", [4], [8], 0, 32), L("d", [4], [0], 8, 16), False),
        ("0d", L("d", [], [], 0, 8), L("d", [], [], 3, 12), False),
        ("0d-B", L("B", [], [], 2, 3), L("B", [], [], 0, 1), False),
        ("empty-0x3", L("h", [0, 3], [6, 2], 0, 4), L("h", [0, 3], [-6, 2], 2, 6), False),
        ("empty-3x0", L("i", [3, 0], [4, 4], 0, 0), L("i", [3, 0], [0, 0], 4, 8), False),
        ("unaligned", L("d", [3], [8], 1, 25), L("d", [3], [-9], 19, 27), False),
        ("at-i-from-i", L("@i", [2, 3], [12, 4], 0, 24), L("i", [2, 3], [4, 8], 0, 24), False),
        ("i-from-at-i", L("i", [4], [8], 0, 28), L("@i", [4], [4], 0, 16), False),
        # one block for both
        ("same-identical", L("i", [2, 3], [12, 4], 0, 24), L("i", [2, 3], [12, 4], 0, 24), True),
        ("same-shift-right", L("B", [6], [1], 1, 7), L("B", [6], [1], 0, 7), True),
        ("same-shift-left", L("B", [6], [1], 0, 7), L("B", [6], [1], 1, 7), True),
        ("same-shift-2d", L("d", [3, 3], [24, 8], 8, 80), L("d", [3, 3], [24, 8], 0, 80), True),
        ("same-interleaved", L("h", [4], [4], 2, 16), L("h", [4], [4], 0, 16), True),
        ("same-reverse", L("i", [6], [4], 0, 24), L("i", [6], [-4], 20, 24), True),
        ("same-reverse-h", L("h", [5], [-2], 8, 10), L("h", [5], [2], 0, 10), True),
        ("same-transpose", L("h", [4, 4], [8, 2], 0, 32), L("h", [4, 4], [2, 8], 0, 32), True),
        ("same-transpose-3d", L("B", [3, 3, 3], [9, 3, 1], 0, 27), L("B", [3, 3, 3], [1, 3, 9], 0, 27), True),
        ("same-strided-shift", L("i", [3, 2], [16, 4], 4, 52), L("i", [3, 2], [16, 4], 0, 52), True),
        ("same-F-shift", L("d", [2, 3], [8, 16], 0, 56), L("d", [2, 3], [8, 16], 8, 56), True),
        ("same-broadcast-src", L("h", [3, 4], [8, 2], 0, 24), L("h", [3, 4], [0, 2], 4, 24), True),
        # 16 KiB and more: the JavaScript native kernel
        ("big-F-C", L("d", [48, 48], [384, 8], 0, 18432), L("d", [48, 48], [8, 384], 0, 18432), False),
        ("big-same-transpose", L("d", [48, 48], [384, 8], 0, 18432), L("d", [48, 48], [8, 384], 0, 18432), True),
        ("big-same-reverse", L("i", [4608], [4], 0, 18432), L("i", [4608], [-4], 18428, 18432), True),
    ]
    out = [(cid, d, s, shared, None) for cid, d, s, shared in specs]
    for i in range(CAPI_RANDOM_COPIES):
        fmt = rng.choice(CAPI_FORMATS)
        shape = capi_random_shape(rng, rng.choices([0, 1, 2, 3, 4], weights=[6, 26, 30, 22, 16])[0])
        d = random_layout_for(rng, fmt, shape, True)
        s = random_layout_for(rng, fmt, shape, False)
        out.append(("random-%02d" % i, d, s, False, None))
    for i in range(CAPI_RANDOM_SHARED_COPIES):
        fmt = rng.choice(CAPI_FORMATS)
        shape = capi_random_shape(rng, rng.choices([1, 2, 3], weights=[40, 40, 20])[0])
        d, s, _ = shared_pair(rng, fmt, shape)
        out.append(("random-same-%02d" % i, d, s, True, None))
    # destinations whose items share bytes: the visiting order decides
    overlapping = [
        ("dst-overlap-zero-stride", L("i", [4], [0], 0, 4), L("i", [4], [4], 0, 16)),
        ("dst-overlap-broadcast-row", L("B", [2, 3], [0, 1], 0, 3), L("B", [2, 3], [3, 1], 0, 6)),
        ("dst-overlap-broadcast-col", L("h", [3, 2], [2, 0], 0, 6), L("h", [3, 2], [4, 2], 0, 12)),
        ("dst-overlap-all-zero", L("d", [2, 2], [0, 0], 0, 8), L("d", [2, 2], [16, 8], 0, 32)),
        ("dst-overlap-short-stride", L("i", [4], [1], 0, 7), L("i", [4], [4], 0, 16)),
        ("dst-overlap-3d", L("B", [2, 2, 2], [1, 0, 2], 0, 4), L("B", [2, 2, 2], [4, 2, 1], 0, 8)),
    ]
    for cid, d, s in overlapping:
        out.append((cid, d, s, False, {"dstItemsOverlap": True}))
    return out


def mismatch_specs():
    L = CapiLayout
    return [
        ("shape-2x3-3x2", L("h", [2, 3], [6, 2], 0, 12), L("h", [3, 2], [4, 2], 0, 12)),
        ("shape-6-2x3", L("i", [6], [4], 0, 24), L("i", [2, 3], [12, 4], 0, 24)),
        ("shape-2x3-6", L("i", [2, 3], [12, 4], 0, 24), L("i", [6], [4], 0, 24)),
        ("longer-dst", L("B", [6], [1], 0, 6), L("B", [4], [1], 0, 4)),
        ("shorter-dst", L("B", [3], [1], 0, 3), L("B", [4], [1], 0, 4)),
        ("shorter-dst-strided", L("d", [2], [-8], 8, 16), L("d", [3], [16], 0, 40)),
        ("ndim-0-1", L("i", [], [], 0, 4), L("i", [1], [4], 0, 4)),
        ("ndim-1-0", L("i", [1], [4], 0, 4), L("i", [], [], 0, 4)),
        ("format-h-B", L("h", [3], [2], 0, 6), L("B", [6], [1], 0, 6)),
        ("format-B-h", L("B", [4], [1], 0, 4), L("h", [2], [2], 0, 4)),
        ("format-i-d-same-shape", L("d", [2], [8], 0, 16), L("i", [2], [4], 0, 8)),
        ("format-d-i-same-shape", L("i", [2], [-4], 4, 8), L("d", [2], [8], 0, 16)),
        ("strided-shape-3x2-2x3", L("B", [3, 2], [1, 3], 0, 6), L("B", [2, 3], [-3, 1], 3, 6)),
        ("empty-0x3-3x0", L("h", [0, 3], [6, 2], 0, 0), L("h", [3, 0], [2, 2], 0, 0)),
    ]


def build_capi(seed=SEED):
    """capi.json

    {header,
     layouts: [{id, format, shape, strides, offset, memory,
                toContiguous: {C, F, A} hex,
                isContiguous: {C, F},
                fromContiguous?: {source: hex, cases: [{order, len, memory, written}]}}],
     copies: [{id, dst: {format, shape, strides, offset}, src: {...}, memory,
               srcMemory | sameMemory: true,
               ok: dst memory after, memcpy: bool, memmove?: hex,
               dstItemsOverlap?: true}
              | {id, dst, src, memory, srcMemory, mismatch: true,
                 cpython?: {ok: hex} | {error, message}}]}

    Every layout is a Py_buffer built by hand (RawView: format, shape, byte
    strides, offset = byte offset of item [0,...,0] in memory), handed to
    the C API through ctypes.pythonapi.
    toContiguous: PyBuffer_ToContiguous(buf, view, view.len, order) for
    'C', 'F', 'A'.  isContiguous: PyBuffer_IsContiguous.
    fromContiguous (the first 150 layouts): PyBuffer_FromContiguous(view,
    source[:len], len, order) on a fresh copy of memory, for len = view.len,
    a short len (not a multiple of the itemsize when it can be), 0 and
    more than view.len; memory is the whole block after the call, written
    the bytes CPython wrote (see from_contiguous_model: contiguous views get
    one memcpy, a partial trailing item included; others whole items only;
    'A' is C order unless the view is contiguous, where the memcpy is in
    the view's own order, Fortran for an F-only view).
    copies: PyObject_CopyData(dst, src) on memoryviews over the layouts
    (PyMemoryView_FromBuffer); dst and src in separate blocks, or with
    sameMemory in one block.  memcpy: CPython took its memcpy fast path.
    memmove: present when the in-place copy differs from the same copy out
    of a snapshot of the source, i.e. what memmove semantics give (the item
    loop copies one item at a time, item [0,...,0] last).
    dstItemsOverlap: a destination whose items share bytes; the last write
    wins and CPython writes item [0,...,0] last.
    mismatch: different shapes or formats, refused on the JavaScript side;
    cpython is what PyObject_CopyData did, when it could run without
    touching memory outside the blocks (it checks only dst.len >= src.len)."""
    rng = random.Random(seed)
    specs = list(capi_edge_layouts())
    specs += [capi_random_layout(rng) for _ in range(CAPI_RANDOM_LAYOUTS)]
    layouts = []
    for i, (fmt, shape, strides, offset, memlen) in enumerate(specs):
        lid = ("e%02d" % i) if i < len(capi_edge_layouts()) else "r%03d" % (i - len(capi_edge_layouts()))
        memory = random_memory(rng, memlen, fmt)
        layouts.append(capi_layout_record(rng, lid, fmt, shape, strides, offset, memory,
                                          i < CAPI_FROM_LAYOUTS))
    for i, (fmt, shape, strides, offset, memlen) in enumerate(capi_big_layouts()):
        memory = random_memory(rng, memlen, fmt)
        layouts.append(capi_layout_record(rng, "big%d" % i, fmt, shape, strides, offset,
                                          memory, False))
    copies = []
    for cid, d, s, shared, note in copy_specs(rng):
        dmem = random_memory(rng, d.memlen, d.fmt)
        smem = None if shared else random_memory(rng, s.memlen, s.fmt)
        copies.append(copy_case(cid, d, dmem, s, smem, note))
    for cid, d, s in mismatch_specs():
        copies.append(mismatch_case(cid, d, random_memory(rng, d.memlen, d.fmt),
                                    s, random_memory(rng, s.memlen, s.fmt)))
    return {"header": make_header(seed), "layouts": layouts, "copies": copies}


# ---------------------------------------------------------------------------

def main():
    outputs = [
        ("formats.json", build_formats,
         lambda d: "%d cases" % len(d["cases"])),
        ("getbuffer.json", build_getbuffer,
         lambda d: "%d exporters + %d fillinfo x %d flags" % (
             len(d["exporters"]), len(d["pyBufferFillInfo"]), len(d["flags"]))),
        ("layouts.json", build_layouts,
         lambda d: "%d structures (%d valid, %d where numpy differs), "
                   "%d fillStrides, %d suboffsets" % (
             len(d["structures"]),
             sum(s["valid"] for s in d["structures"]),
             sum(s["valid"] != s["numpyValid"] for s in d["structures"]),
             len(d["fillStrides"]), len(d["suboffsets"]))),
        ("mv_structures.json", build_mv_structures,
         lambda d: "%d structures (%d where 3.11 refuses item access)" % (
             len(d["structures"]),
             sum(bool(s.get("cpythonRefuses")) for s in d["structures"]))),
        ("mv_index.json", build_mv_index,
         lambda d: "%d structures, %d gets" % (
             len(d["cases"]), sum(len(c["gets"]) for c in d["cases"]))),
        ("mv_slice.json", build_mv_slice,
         lambda d: "%d exhaustive 1-D slices, %d random N-d (%d where numpy's "
                   "empty slices differ), %d chained" % (
             sum(len(e["cases"]) for e in d["exhaustive"]), len(d["random"]),
             sum("memoryviewSemantics" in r for r in d["random"]), len(d["chained"]))),
        ("mv_assign.json", build_mv_assign,
         lambda d: "%d slice assignments, %d item assignments" % (
             len(d["slices"]), len(d["items"]))),
        ("mv_cast.json", build_mv_cast,
         lambda d: "%d sources, %d casts (%d ok)" % (
             len(d["sources"]), len(d["casts"]),
             sum("ok" in c for c in d["casts"]))),
        ("mv_compare.json", build_mv_compare,
         lambda d: "%d views, %d pairs equal" % (
             len(d["views"]), sum(sum(row) for row in d["equal"]))),
        ("mv_lifecycle.json", build_mv_lifecycle,
         lambda d: "%d scripts, %d steps" % (
             len(d["scripts"]), sum(len(s["steps"]) for s in d["scripts"]))),
        ("capi.json", build_capi,
         lambda d: "%d layouts (%d with %d fromContiguous cases), %d copies "
                   "(%d same-memory, %d where memmove differs, %d mismatched)" % (
             len(d["layouts"]),
             sum("fromContiguous" in l for l in d["layouts"]),
             sum(len(l["fromContiguous"]["cases"]) for l in d["layouts"]
                 if "fromContiguous" in l),
             len(d["copies"]),
             sum(bool(c.get("sameMemory")) for c in d["copies"]),
             sum("memmove" in c for c in d["copies"]),
             sum(bool(c.get("mismatch")) for c in d["copies"]))),
    ]
    for name, builder, summary in outputs:
        data = builder(SEED)
        path, size = write_json(name, data)
        print("%s: %s, %d bytes" % (os.path.relpath(path), summary(data), size))


if __name__ == "__main__":
    main()
