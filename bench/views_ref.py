"""Reference side of bench/views.js: the cost of making a view in CPython and NumPy.

Run as `python3 bench/views_ref.py N ROUNDS`: prints one JSON object, case name -> the
best of ROUNDS timings of N calls, in ns per call (timeit, as the issue measured).
"""
import json
import sys
import timeit

try:
    import numpy as np
except ImportError:  # the NumPy rows are then skipped
    np = None

n = int(sys.argv[1])
rounds = int(sys.argv[2])
setup = {"ba": bytearray(1024)}
setup["m"] = memoryview(setup["ba"])
cases = {
    "memoryview": "memoryview(ba).release()",
    "slice1": "m[10:20].release()",
    "cast": "m.cast('i').release()",
}
if np is not None:
    setup["a"] = np.zeros((480, 640, 4), dtype=np.uint8)
    setup["d"] = np.zeros((1000, 1000), dtype=np.float64)
    cases.update(
        {
            "sliceNd": "a[10:20, 30:40]",
            "transpose": "a.transpose(1, 0, 2)",
            "flip": "a[::-1]",
        }
    )
out = {"python": sys.version.split()[0], "numpy": None if np is None else np.__version__}
for name, stmt in cases.items():
    t = timeit.Timer(stmt, globals=setup)
    out[name] = min(t.repeat(rounds, n)) / n * 1e9
print(json.dumps(out))
