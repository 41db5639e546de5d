"""Golden structured (record) items from NumPy: 240 random structured dtypes
(seeded), aligned and packed, with nested records, sub-arrays, both byte
orders, complex, byte and UCS-4 strings. Writes test/golden/records.json
(npm run golden).

Each case holds the format NumPy's buffer export gives, the itemsize, every
named field's offset (nested fields as dotted paths), the items' bytes (hex)
and tolist() as objects keyed by field name. JSON-unsafe values are tagged:
{"float": "nan"|"inf"|"-inf"} and {"int": "<digits>"} beyond 2**53."""
import json
import os

import numpy as np

rng = np.random.default_rng(20261205)

LEAVES = ["i1", "u1", "<i2", ">i2", "<u2", ">u4", "<i4", ">i4", "<i8", ">u8", "<f2", ">f2",
          "<f4", ">f4", "<f8", ">f8", "?", "S1", "S3", "<c8", ">c16", "<c16", "<U2", ">U3"]
NAMES = list("abcdefghijkmnpqrstuvwxyz") + ["name", "x0", "val"]


def random_dtype(depth):
    count = int(rng.integers(1, 5))
    names = list(rng.choice(NAMES, size=count, replace=False))
    fields = []
    for name in names:
        if depth < 2 and rng.random() < 0.2:
            base = random_dtype(depth + 1)
        else:
            base = np.dtype(str(rng.choice(LEAVES)))
        roll = rng.random()
        if roll < 0.15:
            fields.append((name, base, (2,)))
        elif roll < 0.25:
            fields.append((name, base, (2, 3)))
        else:
            fields.append((name, base))
    return np.dtype(fields, align=bool(rng.random() < 0.5))


def leaf_values(dt, shape):
    n = int(np.prod(shape))
    if dt.kind in "iu":
        return np.frombuffer(rng.bytes(n * dt.itemsize), dtype=dt).reshape(shape)
    if dt.kind == "f":
        v = rng.standard_normal(n) * 100
        specials = rng.random(n)
        v[specials < 0.05] = np.nan
        v[(specials >= 0.05) & (specials < 0.08)] = np.inf
        v[(specials >= 0.08) & (specials < 0.1)] = -np.inf
        return v.astype(dt).reshape(shape)
    if dt.kind == "c":
        return (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dt).reshape(shape)
    if dt.kind == "b":
        return (rng.random(n) < 0.5).reshape(shape)
    if dt.kind == "S":
        return np.array([bytes(rng.integers(1, 256, size=int(rng.integers(0, dt.itemsize + 1)), dtype=np.uint8))
                         for _ in range(n)], dtype=dt).reshape(shape)
    if dt.kind == "U":
        pool = [0x41, 0x7a, 0xe9, 0x3b1, 0x4e2d, 0x1f600]
        return np.array(["".join(chr(int(rng.choice(pool)) + int(rng.integers(0, 3)))
                                 for _ in range(int(rng.integers(0, dt.itemsize // 4 + 1)))) for _ in range(n)],
                        dtype=dt).reshape(shape)
    raise ValueError(dt)


def fill(target, dt):
    """Assigns random values to every leaf of a structured array view."""
    for name in dt.names:
        sub = dt.fields[name][0]
        base = sub.base if sub.subdtype else sub
        if base.names:
            view = target[name]
            fill(view.reshape(-1) if view.ndim > 1 else view, base)
        else:
            target[name] = leaf_values(base, target[name].shape)


def number(x):
    x = float(x)
    if x != x:
        return {"float": "nan"}
    if x in (float("inf"), float("-inf")):
        return {"float": "inf" if x > 0 else "-inf"}
    return x


def conv(value, dt):
    if dt.subdtype is not None:
        base = dt.subdtype[0]
        def walk(v):
            return [walk(x) for x in v] if isinstance(v, list) else conv(v, base)
        return walk(np.asarray(value).tolist() if not base.names else list(np.asarray(value).reshape(dt.shape).tolist()))
    if dt.names:
        return {name: conv(value[i], dt.fields[name][0]) for i, name in enumerate(dt.names)}
    if dt.kind == "b":
        return bool(value)
    if dt.kind in "iu":
        v = int(value)
        return v if abs(v) <= 2**53 - 1 else {"int": str(v)}
    if dt.kind == "f":
        return number(value)
    if dt.kind == "c":
        return {"re": number(value.real), "im": number(value.imag)}
    if dt.kind == "S":
        return value.decode("latin1")
    return str(value)


def nested_offsets(dt, base, prefix, out):
    for name in dt.names:
        sub, off = dt.fields[name][:2]
        out.append([prefix + name, base + off])
        if sub.names:
            nested_offsets(sub, base + off, prefix + name + ".", out)
    return out


cases = []
while len(cases) < 240:
    dt = random_dtype(0)
    fmt = memoryview(np.zeros(1, dt)).format
    # NumPy's own reading of its export must be the same dtype.
    try:
        if np.asarray(memoryview(np.zeros(1, dt))).dtype != dt:
            continue
    except RuntimeError:
        continue
    arr = np.zeros(int(rng.integers(1, 4)), dt)
    fill(arr, dt)
    cases.append({
        "dtype": str(dt),
        "format": fmt,
        "itemsize": dt.itemsize,
        "offsets": nested_offsets(dt, 0, "", []),
        "hex": arr.tobytes().hex(),
        "values": [conv(item, dt) for item in arr.tolist()],
    })

out = os.path.join(os.path.dirname(__file__), "records.json")
with open(out, "w") as f:
    json.dump({"numpy": np.__version__, "cases": cases}, f, indent=0)
print(f"wrote {len(cases)} cases to {out}")
