#!/usr/bin/env python3
"""Golden-vector generator for buffer-protocol.

Run from the repository root:

    python3 test/golden/generate.py

Writes deterministic JSON files next to this script.  Every file carries a
shared "header" describing the interpreter that produced it.  Each output file
has one builder function; main() writes them all.

Requires CPython 3.11 (with the _testbuffer test module) and numpy.
layouts.json also calls PyBuffer_IsContiguous and
PyBuffer_FillContiguousStrides directly, through ctypes.pythonapi.
"""

import array
import ctypes
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
    ]
    for name, builder, summary in outputs:
        data = builder(SEED)
        path, size = write_json(name, data)
        print("%s: %s, %d bytes" % (os.path.relpath(path), summary(data), size))


if __name__ == "__main__":
    main()
