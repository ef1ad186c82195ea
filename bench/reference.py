#!/usr/bin/env python3
"""NumPy reference for `npm run bench`: one GD iteration on FGᵀ with dense Gaussian sensing,
written the natural vectorized way, on ONE thread (BLAS threads are pinned to 1 before
NumPy is imported).

    P = F @ G.T
    r = s * (A2 @ P.ravel()) - y          # A(FGᵀ) − y, A2 = A.reshape(m, n1*n2), s = 1/√m
    S = (s * (r @ A2)).reshape(n1, n2)     # A*(r)  (the transpose product)
    F, G = F - eta * S @ G, G - eta * S.T @ F

Input (stdin, JSON): {"sizes": [{"n": .., "m": .., "k": ..}, ...], "minSeconds": .., "bandwidthBytes": ..}
Output (stdout, JSON): {"numpy": version, "blas": .., "sizes": [{"n","m","k","seconds"}],
                        "readGBs": GB/s of a.sum() over bandwidthBytes of float64}
"""
import os

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[var] = "1"

import json
import statistics
import sys
import time

import numpy as np


def timed(fn, min_seconds, min_reps=3, max_reps=30, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    start = time.perf_counter()
    while len(times) < min_reps or (time.perf_counter() - start < min_seconds and len(times) < max_reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def gd_iteration_seconds(n, m, k, min_seconds, rng):
    nn = n * n
    A2 = rng.random((m, nn))  # values do not matter for timing; uniform is ~10× faster to draw
    A2 -= 0.5
    F = rng.standard_normal((n, k)) * 1e-3
    G = rng.standard_normal((n, k)) * 1e-3
    y = rng.standard_normal(m)
    s = 1.0 / np.sqrt(m)
    eta = 1e-3
    state = {"F": F, "G": G}

    def step():
        F, G = state["F"], state["G"]
        P = F @ G.T
        r = s * (A2 @ P.ravel()) - y
        S = (s * (r @ A2)).reshape(n, n)
        state["F"], state["G"] = F - eta * (S @ G), G - eta * (S.T @ F)

    med, times = timed(step, min_seconds)
    del A2
    return med, times


def main():
    req = json.load(sys.stdin)
    rng = np.random.default_rng(0)
    out = {"numpy": np.__version__, "sizes": []}
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        out["blas"] = f'{blas.get("name")} {blas.get("version")}'
    except Exception:  # older NumPy
        out["blas"] = "unknown"
    nb = int(req.get("bandwidthBytes", 0)) // 8
    if nb > 0:
        a = np.ones(nb)
        med, _ = timed(lambda: a.sum(), 0.5, min_reps=5, warmup=1)
        out["readGBs"] = a.nbytes / med / 1e9
        del a
    for sz in req["sizes"]:
        med, times = gd_iteration_seconds(sz["n"], sz["m"], sz["k"], req.get("minSeconds", 1.0), rng)
        out["sizes"].append({"n": sz["n"], "m": sz["m"], "k": sz["k"], "seconds": med, "min": min(times), "repeats": len(times),
                             "spread": (max(times) - min(times)) / med})
        print(f'numpy n={sz["n"]} m={sz["m"]} k={sz["k"]}: {med * 1e3:.2f} ms', file=sys.stderr, flush=True)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
