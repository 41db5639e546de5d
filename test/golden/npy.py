"""Golden .npy files from NumPy itself: every dtype this version loads, in
both byte orders, C and Fortran order, 0-d, zero-size and N-d shapes, and
header versions 1 to 3, and .npz archives stored and deflated. Writes
test/golden/npy.json (npm run golden).

Each case holds the file NumPy wrote (base64), what np.load reads back
(the header's fields and the items' bytes in C order), and, for numeric
dtypes, tolist() with 8-byte integers as strings."""
import base64
import io
import json
import os
import warnings

import numpy as np
from numpy.lib import format as npformat

rng = np.random.default_rng(20261204)

DTYPES = [
    "|b1", "|i1", "|u1", "<i2", ">i2", "<u2", ">u2", "<i4", ">i4", "<u4", ">u4",
    "<i8", ">i8", "<u8", ">u8", "<f2", ">f2", "<f4", ">f4", "<f8", ">f8",
    "|S3", "|S1", "|V4", "<M8[ns]", ">M8[D]", "<m8[s]",
    "<c8", ">c8", "<c16", ">c16", "<U3", ">U1",
]
SHAPES = [(), (0,), (0, 3), (5,), (2, 3), (3, 1, 2)]


def sample(dtype, shape):
    dt = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    raw = rng.integers(0, 256, size=n * dt.itemsize, dtype=np.uint8).tobytes()
    if dt.kind == "f":
        # Finite values only: JSON has no NaN, and the bytes compare exactly anyway.
        values = rng.standard_normal(n).astype(dt)
        return values.reshape(shape)
    if dt.kind == "b":
        return (rng.integers(0, 2, size=n) == 1).reshape(shape)
    if dt.kind == "c":
        return (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dt).reshape(shape)
    if dt.kind == "U":
        chars = [chr(c) for c in (0x61, 0x7a, 0xe9, 0x4e2d, 0x1f600)]
        words = ["".join(rng.choice(chars, size=int(rng.integers(0, dt.itemsize // 4 + 1)))) for _ in range(n)]
        return np.array(words, dtype=dt).reshape(shape)
    return np.frombuffer(raw, dtype=dt).reshape(shape).copy()


def items(arr):
    dt = arr.dtype
    if dt.kind in "SVMm":
        return None
    values = arr.tolist()

    def conv(v):
        if isinstance(v, list):
            return [conv(x) for x in v]
        if dt.kind in "iu" and dt.itemsize == 8:
            return str(v)
        if dt.kind == "c":
            return {"re": v.real, "im": v.imag}
        return v

    return conv(values)


def case(name, arr, fortran, version=None):
    out = io.BytesIO()
    data = np.asfortranarray(arr) if fortran else np.ascontiguousarray(arr)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if version is None:
            np.save(out, data)
        else:
            npformat.write_array(out, data, version=version)
    raw = out.getvalue()
    back = np.load(io.BytesIO(raw))
    major = raw[6]
    header_len = int.from_bytes(raw[8:10] if major == 1 else raw[8:12], "little")
    offset = (10 if major == 1 else 12) + header_len
    return {
        "name": name,
        "file": base64.b64encode(raw).decode(),
        "version": major,
        "descr": npformat.dtype_to_descr(back.dtype),
        "shape": list(back.shape),
        "fortranOrder": bool(fortran and back.ndim > 1 and not back.flags.c_contiguous),
        "dataOffset": offset,
        "bytesC": back.tobytes(order="C").hex(),
        "items": items(back),
        "savedByNumpy": version is None,
    }


def main():
    cases = []
    for dtype in DTYPES:
        for shape in SHAPES:
            arr = sample(dtype, shape)
            cases.append(case(f"{dtype} {shape} C", arr, False))
            if len(shape) > 1:
                cases.append(case(f"{dtype} {shape} F", arr, True))
    for version in [(1, 0), (2, 0), (3, 0)]:
        arr = sample("<f4", (2, 3))
        cases.append(case(f"<f4 (2, 3) C version {version[0]}", arr, False, version))
        cases.append(case(f"<i8 (4,) F version {version[0]}", sample("<i8", (4,)), True, version))
    archives = []
    members = {
        "a": sample("<f4", (7,)),
        "b": sample(">i2", (2, 3)),
        "fortran": np.asfortranarray(sample("<f8", (3, 4))),
        "flags": sample("|b1", (4,)),
        "empty": sample("<u8", (0, 2)),
        "scalar": sample("<i8", ()),
    }
    for how, save in [("stored", np.savez), ("deflated", np.savez_compressed)]:
        out = io.BytesIO()
        save(out, **members)
        raw = out.getvalue()
        back = np.load(io.BytesIO(raw))
        archives.append({
            "name": how,
            "file": base64.b64encode(raw).decode(),
            "members": {k: {"descr": npformat.dtype_to_descr(back[k].dtype), "shape": list(back[k].shape),
                            "bytesC": back[k].tobytes(order="C").hex(), "items": items(back[k])} for k in back.files},
        })
    path = os.path.join(os.path.dirname(__file__), "npy.json")
    with open(path, "w") as f:
        json.dump({"numpy": np.__version__, "cases": cases, "npz": archives}, f, indent=0)
        f.write("\n")
    print(f"wrote {len(cases)} .npy cases and {len(archives)} .npz archives to {path}")


if __name__ == "__main__":
    main()
