"""
NumPy ports of the update lines of public reference implementations, run on an instance
matsense exported with --save-instance (A.npy, y.npy, X0.npy or F0.npy + G0.npy, config.json).

    python3 test/reference/updates.py <method> <run folder> <iterations>

prints the largest relative deviation max |x_ref − x_matsense| / max |x_ref| over the final
factors (X.npy, or F.npy and G.npy, that matsense wrote). Used by
test/methods/reference-updates.test.ts; every port names its source (repository, commit, lines).

Conventions: A(Z)_i = <A_i, Z>/sqrt(m) with A.npy the unscaled A_i, S = A*(A(P) − y).
"""
import json
import sys

import numpy as np

method, d, iters = sys.argv[1], sys.argv[2], int(sys.argv[3])
cfg = json.load(open(d + "/config.json"))
A = np.load(d + "/A.npy")
y = np.load(d + "/y.npy")
m, n1, n2 = A.shape
Am = A.reshape(m, -1) / np.sqrt(m)
opts = cfg["method"]
eta = opts["stepSize"]


def S_of(P):
    """S = A*(A(P) − y) (the authors' Z = sum_k (<A_k, X> − y_k) A_k with A_k already scaled by 1/sqrt(m))."""
    return (Am.T @ (Am @ P.ravel() - y)).reshape(n1, n2)


def adam(F, G):
    # torch.optim.Adam (PyTorch's documented algorithm), the optimizer of
    # roosephu/deep_matrix_factorization main.py:262 (commit 3ad61e3): m, v, bias corrections,
    # p -= lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps)
    b1, b2, eps = opts["beta1"], opts["beta2"], opts["epsilon"]
    ms = [np.zeros_like(F), np.zeros_like(G)]
    vs = [np.zeros_like(F), np.zeros_like(G)]
    for t in range(1, iters + 1):
        S = S_of(F @ G.T)
        grads = [S @ G, S.T @ F]
        params = [F.copy(), G.copy()]
        for i in range(2):
            ms[i] = b1 * ms[i] + (1 - b1) * grads[i]
            vs[i] = b2 * vs[i] + (1 - b2) * grads[i] ** 2
            bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
            params[i] = params[i] - (eta / bc1) * ms[i] / (np.sqrt(vs[i]) / np.sqrt(bc2) + eps)
        F, G = params
    return F, G


def agn(L, R):
    # hsijiaxidian/AGN AGN.py (commit 0dbe1c4), the AGN loop:
    #   Delta_L = np.linalg.lstsq(R, Z.T, rcond=None)[0];  L = L - eta * Delta_L.T
    #   X = L @ R.T; Z = ...;  Delta_R = np.linalg.lstsq(L, Z, rcond=None)[0];  R = R - eta * Delta_R
    # The last line subtracts a d×n matrix from the n×d R (it only runs for d = n); the
    # shape-consistent reading, used here and by matsense, is R = R - eta * Delta_R.T.
    for _ in range(iters):
        Z = S_of(L @ R.T)
        Delta_L = np.linalg.lstsq(R, Z.T, rcond=None)[0]
        L = L - eta * Delta_L.T
        Z = S_of(L @ R.T)
        Delta_R = np.linalg.lstsq(L, Z, rcond=None)[0]
        R = R - eta * Delta_R.T
    return L, R


def cg_solve(operator_fn, b, damping, max_iter, tol):
    # aglabassi/LM_composite_optimization utils.py cg_solve (commit 990467d), with the stopping
    # test `rs_new <= epsilon**2` made relative (epsilon = tol·‖b‖, matsense's method.cgTolerance)
    # and a guard for p in the null space of a singular J_cᵀJ_c (Gauss–Newton, k > r)
    x = np.zeros_like(b)
    r = b - (operator_fn(x) + damping * x)
    p = r.copy()
    rs_old = (r * r).sum()
    epsilon = tol * np.sqrt((b * b).sum())
    for i in range(max_iter):
        if rs_old <= epsilon ** 2:
            break
        Ap = operator_fn(p) + damping * p
        pAp = (p * Ap).sum()
        if not pAp > 0:
            break
        alpha = rs_old / pAp
        x = x + alpha * p
        r = r - alpha * Ap
        rs_new = (r * r).sum()
        p = r + (rs_new / rs_old) * p
        rs_old = rs_new
    return x


def gn_action(update, X, Y):
    # gauss_newton_actions.py GN_action_matrix_tensor, matrix, asymmetric branch (commit 990467d)
    gx, gy = update[: X.size].reshape(X.shape), update[X.size:].reshape(Y.shape)
    op_x = (X @ (gy.T @ Y) + gx @ (Y.T @ Y)).reshape(-1)
    op_y = (Y @ (gx.T @ X) + gy @ (X.T @ X)).reshape(-1)
    return np.concatenate((op_x, op_y))


def lm(X, Y):
    # methods.py LM_subgradient_method: x = x - stepsize * lm_solver(x, damping, grad), with
    # grad = (S Y, Sᵀ X) (nabla_F_transpose_g of the ℓ2 subgradient S) and a constant stepsize
    damping = opts.get("damping", 0.0) if opts["name"] == "levenberg-marquardt" else 0.0
    for _ in range(iters):
        S = S_of(X @ Y.T)
        grad = np.concatenate(((S @ Y).reshape(-1), (S.T @ X).reshape(-1)))
        d = cg_solve(lambda v: gn_action(v, X, Y), grad, damping, opts["cgMaxIterations"], opts["cgTolerance"])
        X = X - eta * d[: X.size].reshape(X.shape)
        Y = Y - eta * d[X.size:].reshape(Y.shape)
    return X, Y


def md(_F, _G):
    # fawuuu/irmsmd algorithms.py md(), psd branch (commit 47cefc7):
    #   X_cur = alpha * I; X_phi = logm(X_cur)
    #   grad = einsum('ijk, i -> jk', A, residual) / m;  X_phi = X_phi - step * grad;  X_cur = expm(X_phi)
    # (their y is unscaled, so their grad is matsense's S = A*(A(X) − y); A_i symmetric here)
    from scipy import linalg
    alpha = opts["initScale"]
    X_cur = alpha * np.identity(n1)
    X_phi = linalg.logm(X_cur)
    for _ in range(iters):
        grad = S_of(X_cur)
        X_phi = X_phi - eta * grad
        X_cur = linalg.expm(X_phi)
    return X_cur, None


PORTS = {"adam": adam, "agn": agn, "gauss-newton": lm, "levenberg-marquardt": lm, "mirror-descent": md}

if __name__ == "__main__":
    if method == "mirror-descent":
        X, _ = md(None, None)
        P = np.load(d + "/P.npy")
        print(f"{np.abs(X - P).max() / np.abs(X).max():.3e}")
        sys.exit(0)
    F0, G0 = np.load(d + "/F0.npy"), np.load(d + "/G0.npy")
    F, G = PORTS[method](F0, G0)
    Fm, Gm = np.load(d + "/F.npy"), np.load(d + "/G.npy")
    dev = max(np.abs(F - Fm).max() / np.abs(F).max(), np.abs(G - Gm).max() / np.abs(G).max())
    print(f"{dev:.3e}")
