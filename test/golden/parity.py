"""Golden vectors for the last CPython parity checks (issue 11), from
CPython itself. Writes test/golden/parity.json (npm run golden).

- layouts: zero-size and extent-1 1-D and 2-D views with arbitrary strides,
  made with PyMemoryView_FromBuffer through ctypes: memoryview's contiguity
  flags, PyBuffer_IsContiguous on the same view, what each contiguity
  request gives, and tobytes();
- set: booleans, edges and out-of-range values on every single-code format;
- hex: a grid of separators and bytes_per_sep values, invalid ones included;
- cast: hostile shapes.

Outcomes are {"ok": value} or {"error": exception type name, "message": str}.
Integers from 2**53 on (not safe JavaScript integers) are written as {"int": "digits"} so JSON keeps them,
and NaN and infinities as "nan", "inf", "-inf"."""
import ctypes
import json
import os
import random

random.seed(20261204)


class Py_buffer(ctypes.Structure):
    _fields_ = [
        ("buf", ctypes.c_void_p), ("obj", ctypes.py_object), ("len", ctypes.c_ssize_t),
        ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
        ("format", ctypes.c_char_p), ("shape", ctypes.POINTER(ctypes.c_ssize_t)),
        ("strides", ctypes.POINTER(ctypes.c_ssize_t)), ("suboffsets", ctypes.POINTER(ctypes.c_ssize_t)),
        ("internal", ctypes.c_void_p),
    ]


api = ctypes.pythonapi
api.PyMemoryView_FromBuffer.restype = ctypes.py_object
api.PyMemoryView_FromBuffer.argtypes = [ctypes.POINTER(Py_buffer)]
api.PyBuffer_IsContiguous.argtypes = [ctypes.POINTER(Py_buffer), ctypes.c_char]
api.PyObject_GetBuffer.argtypes = [ctypes.py_object, ctypes.POINTER(Py_buffer), ctypes.c_int]
api.PyBuffer_Release.argtypes = [ctypes.POINTER(Py_buffer)]

PyBUF = {"ND": 0x8, "STRIDES": 0x18, "C_CONTIGUOUS": 0x38, "F_CONTIGUOUS": 0x58, "ANY_CONTIGUOUS": 0x98}
MEM = 128
memory = (ctypes.c_char * MEM)(*[bytes([i * 7 % 256]) for i in range(MEM)])


def enc(v):
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return "nan" if v != v else ("inf" if v > 0 else "-inf")
    if isinstance(v, bool) or v is None or isinstance(v, float):
        return v
    if isinstance(v, int):
        return v if abs(v) < 2**53 else {"int": str(v)}
    if isinstance(v, bytes):
        return {"bytes": v.hex()}
    if isinstance(v, (list, tuple)):
        return [enc(x) for x in v]
    return v


def outcome(fn):
    try:
        return {"ok": enc(fn())}
    except Exception as e:  # noqa: BLE001 - the exception is the expectation
        return {"error": type(e).__name__, "message": str(e)}


def view_of(fmt, itemsize, offset, shape, strides):
    ndim = len(shape)
    length = itemsize
    for d in shape:
        length *= d
    b = Py_buffer(buf=ctypes.addressof(memory) + offset, len=length, itemsize=itemsize, readonly=0, ndim=ndim,
                  format=fmt.encode(), shape=(ctypes.c_ssize_t * ndim)(*shape), strides=(ctypes.c_ssize_t * ndim)(*strides))
    return b, api.PyMemoryView_FromBuffer(ctypes.byref(b))


def layouts():
    cases = []
    for _ in range(300):
        ndim = random.choice([1, 1, 2])
        fmt, itemsize = random.choice([("B", 1), ("H", 2), (">H", 2), ("i", 4), ("d", 8)])
        shape = [random.choice([0, 1, 2, 3]) for _ in range(ndim)]
        if all(d not in (0, 1) for d in shape):
            shape[random.randrange(ndim)] = random.choice([0, 1])
        strides = [random.choice([-2, -1, 1, 2, 3]) * itemsize + random.choice([0, 0, 1]) for _ in range(ndim)]
        # Keep every item inside the 128 bytes: start in the middle.
        offset = 60
        b, m = view_of(fmt, itemsize, offset, shape, strides)
        requests = {}
        for name, flags in PyBUF.items():
            out = Py_buffer()
            r = outcome(lambda: api.PyObject_GetBuffer(m, ctypes.byref(out), flags))
            if "ok" in r:
                api.PyBuffer_Release(ctypes.byref(out))
            requests[name] = "ok" if "ok" in r else r["message"]
        cases.append({
            "format": fmt, "itemsize": itemsize, "byteOffset": offset, "shape": shape, "strides": strides,
            "flags": [m.c_contiguous, m.f_contiguous, m.contiguous],
            "isContiguous": [api.PyBuffer_IsContiguous(ctypes.byref(b), c) for c in (b"C", b"F", b"A")],
            "requests": requests,
            "tobytes": m.tobytes().hex(),
        })
    return cases


def sets():
    values = [True, False, 0, 1, -1, 127, 128, 255, 256, -129, 2**15, 2**16, 2**31, 2**32, 2**53, 2**63, 2**64, -2**63 - 1,
              0.5, 1.0, float("inf"), float("nan"), 2**1024]
    cases = []
    for fmt in ["B", "b", "h", "H", "i", "I", "l", "L", "q", "Q", "n", "N", "f", "d", "?"]:
        for v in values:
            buf = bytearray(16)
            m = memoryview(buf).cast(fmt)
            r = outcome(lambda: (m.__setitem__(0, v), m[0])[1])
            cases.append({"format": fmt, "value": enc(v),
                          "valueType": type(v).__name__, "outcome": r})
    return cases


def hexes():
    seps = [None, "-", ":", "", "ab", "é", 5, b"-"]
    pers = [1, 2, 3, -2, 0, 7, -7, 2**31 - 1, 2**31, -2**31, -2**31 - 1, 1.5, True, None, 2**40]
    cases = []
    data = bytes(range(1, 8))
    for sep in seps:
        for per in pers:
            args = [] if sep is None and per == 1 else [sep, per]
            if sep is None and per != 1:
                continue
            if isinstance(sep, bytes):
                continue  # no JavaScript form
            cases.append({"sep": sep, "per": enc(per), "perType": type(per).__name__,
                          "outcome": outcome(lambda: memoryview(data).hex(*args))})
    return cases


def casts():
    shapes = [[2**40, 2**20], [2**62, 4], [-1, "a"], ["a", -1], [0, 2**70], [2**63], [2**62, 2, 2], [3, 0],
              [2, 4], [8], [1, 8], [2**31, 2**33], [4, 2**61], [1.5, 2], [2, 1.5]]
    cases = []
    for shape in shapes:
        m = memoryview(bytearray(8))
        cases.append({"shape": enc(shape), "outcome": outcome(lambda: m.cast("B", shape).shape)})
    return cases


def main():
    path = os.path.join(os.path.dirname(__file__), "parity.json")
    with open(path, "w") as f:
        json.dump({"layouts": layouts(), "sets": sets(), "hex": hexes(), "casts": casts()}, f, indent=0, allow_nan=False)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
