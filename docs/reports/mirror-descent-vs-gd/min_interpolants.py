"""Reference interpolants for the preset mirror-descent-vs-gd (NumPy, independent of matsense's code).

For an instance written by `matsense run --save-instance` (A.npy: the m unscaled A_i, y.npy, M_star.npy),
with A(X)_i = <A_i, X>/sqrt(m), this solves by ADMM (Boyd et al. 2011, sec. 5; splitting X = Z):
  min-trace PSD:       min tr X      s.t. A(X) = y, X PSD   (the limit mirror descent approaches as alpha -> 0)
  min-nuclear (sym.):  min ||X||_*   s.t. A(X) = y, X = X^T (the problem SVT approaches as tau -> infinity)
and prints the nuclear norm, the relative error to M*, the numerical rank and the constraint residual.
Usage: python3 min_interpolants.py RUN_DIR [RUN_DIR ...]
"""
import sys
import numpy as np


def solve(As, y, n, psd, rho=1.0, tol=1e-12, max_iter=200000):
    pinv = np.linalg.pinv(As)
    Z = np.zeros((n, n))
    U = np.zeros((n, n))
    for it in range(max_iter):
        V = Z - U - (np.eye(n) / rho if psd else 0.0)
        v = V.ravel()
        X = (v - pinv @ (As @ v - y)).reshape(n, n)  # projection onto {A(X) = y}
        X = (X + X.T) / 2
        lam, Q = np.linalg.eigh(X + U)
        lam = np.maximum(lam, 0) if psd else np.sign(lam) * np.maximum(np.abs(lam) - 1 / rho, 0)
        Z_old = Z
        Z = (Q * lam) @ Q.T
        U = U + X - Z
        if np.linalg.norm(X - Z) < tol and np.linalg.norm(Z - Z_old) * rho < tol:
            break
    return Z, it + 1


for d in sys.argv[1:]:
    A = np.load(f"{d}/A.npy")
    y = np.load(f"{d}/y.npy")
    M = np.load(f"{d}/M_star.npy")
    m, n, _ = A.shape
    As = A.reshape(m, n * n) / np.sqrt(m)
    for name, psd in (("min-trace PSD", True), ("min-nuclear symmetric", False)):
        Z, its = solve(As, y, n, psd)
        lam = np.linalg.eigvalsh(Z)
        rank = int((np.abs(lam) > 1e-8 * np.abs(lam).max()).sum())
        print(f"{d}: {name}: nuclear norm {np.abs(lam).sum():.6f} (M*: {np.abs(np.linalg.eigvalsh(M)).sum():.6f}), "
              f"rel error {np.linalg.norm(Z - M) / np.linalg.norm(M):.4f}, rank {rank}, min eigenvalue {lam.min():.3g}, "
              f"max |A(Z) - y| {np.abs(As @ Z.ravel() - y).max():.1e}, {its} ADMM iterations")
