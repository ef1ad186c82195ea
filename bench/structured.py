#!/usr/bin/env python3
"""NumPy/SciPy reference for `bench/structured.mjs`: one GD iteration on FGᵀ with a matrix-free
structured operator, written the way a user would, on ONE thread (BLAS threads pinned to 1
before NumPy is imported). One case per process, so ru_maxrss is that case's peak memory.

completion (Ω as index arrays rows, cols, row-major; s = 1/√p):
    r = s * einsum('ij,ij->i', F[rows], G[cols]) - y
    S.data[:] = s * r                      # fixed-pattern CSR matrix built once (scipy.sparse)
    F, G = F - eta * (S @ G), G - eta * (S.T @ F)
  (without SciPy: np.add.at for the two scatters)

srht (signs D of the N = n1·n2 entries, rows R, L = 2^⌈log₂N⌉, s = 1/√m):
    b[:N] = D * (F @ G.T).ravel(); fwht(b);  r = s * b[R] - y
    b[:] = 0; b[R] = s * r; fwht(b);        S = (D * b[:N]).reshape(n1, n2)
    F, G = F - eta * (S @ G), G - eta * (S.T @ F)
  with the vectorized FWHT (one reshape + two slice updates per level).

Input (stdin, JSON): {"case": "completion"|"srht", "n": .., "p"|"m": .., "k": .., "minSeconds": .., "maxReps": ..}
Output (stdout, JSON): {"seconds", "cpuSeconds", "repeats", "spread", "fwhtSeconds", "fwhtCpuSeconds" (srht), "maxRssBytes", "numpy", "scipy"}
"""
import os

for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[var] = "1"

import json
import resource
import statistics
import sys
import time

import numpy as np

try:
    import scipy
    import scipy.sparse as sp
except ImportError:  # fall back to np.add.at
    scipy = None
    sp = None


def timed(fn, min_seconds, max_reps, min_reps=3, warmup=1):
    """Median wall and CPU (process_time: this process's CPU seconds, all threads) per call.

    The CPU time is what an idle core would take when the machine is overloaded (the
    shared 2-core machine ran other engineers' builds during these measurements).
    """
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    start = time.perf_counter()
    while len(wall) < min_reps or (time.perf_counter() - start < min_seconds and len(wall) < max_reps):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - t0)
    return statistics.median(wall), statistics.median(cpu), wall


def fwht(x):
    """In-place unnormalized Walsh–Hadamard transform of a power-of-2-length float64 vector."""
    L = x.size
    h = 1
    while h < L:
        v = x.reshape(-1, 2, h)
        a = v[:, 0, :].copy()
        v[:, 0, :] += v[:, 1, :]
        np.subtract(a, v[:, 1, :], out=v[:, 1, :])
        h *= 2
    return x


def completion_case(req, rng):
    n, p, k = req["n"], req["p"], req["k"]
    total = n * n
    # Ω by geometric gaps (the same distribution as matsense), row-major order
    mean = p * total
    gaps = rng.geometric(p, size=int(mean + 6 * np.sqrt(mean) + 16))
    idx = np.cumsum(gaps) - 1
    idx = idx[idx < total]
    rows = (idx // n).astype(np.int32)
    cols = (idx % n).astype(np.int32)
    del gaps, idx
    m = rows.size
    s = 1.0 / np.sqrt(p)
    F = rng.standard_normal((n, k)) * 1e-3
    G = rng.standard_normal((n, k)) * 1e-3
    y = rng.standard_normal(m)
    eta = 1e-3
    state = {"F": F, "G": G}
    if sp is not None:
        S = sp.csr_matrix((np.ones(m), (rows, cols)), shape=(n, n))
        S.sort_indices()
        # the CSR data order equals Ω's row-major order (no duplicates)

        def step():
            F, G = state["F"], state["G"]
            r = s * np.einsum("ij,ij->i", F[rows], G[cols]) - y
            S.data[:] = s * r
            state["F"], state["G"] = F - eta * (S @ G), G - eta * (S.T @ F)
    else:

        def step():
            F, G = state["F"], state["G"]
            r = s * np.einsum("ij,ij->i", F[rows], G[cols]) - y
            w = (s * r)[:, None]
            SG = np.zeros_like(F)
            StF = np.zeros_like(G)
            np.add.at(SG, rows, w * G[cols])
            np.add.at(StF, cols, w * F[rows])
            state["F"], state["G"] = F - eta * SG, G - eta * StF

    med, cpu, times = timed(step, req.get("minSeconds", 1.0), req.get("maxReps", 10))
    return {"seconds": med, "cpuSeconds": cpu, "repeats": len(times), "spread": (max(times) - min(times)) / med, "m": int(m),
            "method": "scipy.sparse CSR" if sp is not None else "np.add.at"}


def srht_case(req, rng):
    n, m, k = req["n"], req["m"], req["k"]
    N = n * n
    L = 1
    while L < N:
        L *= 2
    D = np.where(rng.random(N) < 0.5, -1.0, 1.0)
    R = np.sort(rng.choice(L, size=m, replace=False))
    s = 1.0 / np.sqrt(m)
    F = rng.standard_normal((n, k)) * 1e-3
    G = rng.standard_normal((n, k)) * 1e-3
    y = rng.standard_normal(m)
    eta = 1e-3
    b = np.zeros(L)
    state = {"F": F, "G": G}

    def step():
        F, G = state["F"], state["G"]
        b[:N] = D * (F @ G.T).ravel()
        b[N:] = 0
        fwht(b)
        r = s * b[R] - y
        b[:] = 0
        b[R] = s * r
        fwht(b)
        S = (D * b[:N]).reshape(n, n)
        state["F"], state["G"] = F - eta * (S @ G), G - eta * (S.T @ F)

    med, cpu, times = timed(step, req.get("minSeconds", 1.0), req.get("maxReps", 10))
    fw, fwc, _ = timed(lambda: fwht(b), 0.3, req.get("maxReps", 10))
    return {"seconds": med, "cpuSeconds": cpu, "repeats": len(times), "spread": (max(times) - min(times)) / med, "fwhtSeconds": fw, "fwhtCpuSeconds": fwc}


def main():
    req = json.load(sys.stdin)
    rng = np.random.default_rng(0)
    out = completion_case(req, rng) if req["case"] == "completion" else srht_case(req, rng)
    out["maxRssBytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    out["numpy"] = np.__version__
    out["scipy"] = scipy.__version__ if scipy is not None else None
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
