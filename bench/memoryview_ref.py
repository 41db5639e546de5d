"""Reference side of bench/memoryview.js: CPython's memoryview and NumPy.

Started once by bench/memoryview.js (python3 -u bench/memoryview_ref.py) and
driven over stdin/stdout, one JSON object per line each way, so that its
batches can be interleaved with the JavaScript batches (A, B, A, B ...):

  -> {"cmd": "setup", "case": NAME, ...}       builds the data of a case
  <- {"ok": true, ...}
  -> {"cmd": "run", "case": NAME, "reps": K}   times K calls, one by one
  <- {"ok": true, "ns": [...], "check": ...}

Every call is timed alone with time.perf_counter_ns(); the result is dropped
after the clock stops (untimed), as the JavaScript side does. The first line
written is {"python": version, "numpy": version or null}.

Cases:
  tolist-1d       memoryview(array('d', data)).tolist(), data read from a file
                  of float64 (the very numbers the JavaScript side lists)
  tolist-strided  memoryview(array('d', data))[::2].tolist()
  tolist-2d       memoryview(array('d', data)).cast('B').cast('d', [R, C]).tolist()
  T<n>            np.ascontiguousarray(a.T).tobytes(), a: n x n float32 (random)
  T<n>-direct     a.T.tobytes() (one copy instead of two; for information)
"""
import json
import sys
import time
from array import array

try:
    import numpy as np
except ImportError:  # the NumPy comparisons are then skipped
    np = None


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def read_doubles(path):
    a = array("d")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    return a


cases = {}  # name -> (callable, checker of one result)


def setup(req):
    name = req["case"]
    if name.startswith("tolist-"):
        a = read_doubles(req["path"])
        m = memoryview(a)
        if name == "tolist-strided":
            m = m[::2]
        elif name == "tolist-2d":
            m = m.cast("B").cast("d", req["shape"])
        # sum() in list order: the JavaScript side sums its list in the same
        # order, so equal data gives a bit-identical float.
        if m.ndim == 1:
            check = lambda r: sum(r)
        else:
            check = lambda r: sum(sum(row) for row in r)
        cases[name] = (m.tolist, check)
        return {"ok": True, "items": m.nbytes // m.itemsize}
    if name.startswith("T"):
        if np is None:
            return {"ok": False, "error": "numpy is not installed"}
        n = req["n"]
        a = np.random.default_rng(1).random((n, n), dtype=np.float32)
        if name.endswith("-direct"):
            fn = lambda: a.T.tobytes()
        else:
            fn = lambda: np.ascontiguousarray(a.T).tobytes()
        cases[name] = (fn, len)
        return {"ok": True, "bytes": a.nbytes}
    return {"ok": False, "error": "unknown case " + name}


def run(req):
    fn, check = cases[req["case"]]
    want_check = bool(req.get("check"))
    reps = req["reps"]
    ns = []
    out = {"ok": True, "ns": ns}
    for k in range(reps):
        t0 = time.perf_counter_ns()
        r = fn()
        t1 = time.perf_counter_ns()
        ns.append(t1 - t0)
        if want_check and k == reps - 1:
            out["check"] = check(r)
        del r  # freed here, untimed
    return out


def main():
    reply({"python": sys.version.split()[0], "numpy": None if np is None else np.__version__})
    for line in sys.stdin:
        req = json.loads(line)
        try:
            if req["cmd"] == "setup":
                reply(setup(req))
            elif req["cmd"] == "run":
                reply(run(req))
            else:
                reply({"ok": False, "error": "unknown command " + req["cmd"]})
        except Exception as e:  # reported to the JavaScript side, which fails the case
            reply({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})


if __name__ == "__main__":
    main()
