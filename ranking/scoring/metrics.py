"""Agreement of predicted and human ratings: MAE, RMSE, Spearman (METRICS.md)."""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr


def agreement(predicted, truth) -> dict:
    """Return {"n", "mae", "rmse", "spearman"} of predictions against human scores.

    Spearman is None when either side is constant (it is undefined then).
    """
    p = np.asarray(predicted, dtype=float)
    t = np.asarray(truth, dtype=float)
    rho = None
    if len(p) > 1 and np.ptp(p) > 0 and np.ptp(t) > 0:
        rho = float(spearmanr(p, t)[0])
    return {
        "n": int(len(p)),
        "mae": float(np.abs(p - t).mean()) if len(p) else None,
        "rmse": float(np.sqrt(((p - t) ** 2).mean())) if len(p) else None,
        "spearman": rho,
    }


def ridge_coefficients(x: np.ndarray, y: np.ndarray, alpha: float = 10.0):
    """Return (weights (F,), intercept) of a ridge regression on standardised x, in x's units.

    The penalty applies to the standardised coefficients, so every feature is
    shrunk alike whatever its scale (closed form).
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    mean, std = x.mean(0), x.std(0) + 1e-6
    z = (x - mean) / std
    a = z.T @ z + alpha * np.eye(z.shape[1])
    coef = np.linalg.solve(a, z.T @ (y - y.mean())) / std
    return coef, float(y.mean() - mean @ coef)


def fit_ridge(x: np.ndarray, y: np.ndarray, alpha: float = 10.0):
    """Return predict(x) of a ridge regression fitted on standardised x (closed form)."""
    coef, intercept = ridge_coefficients(x, y, alpha)
    return lambda new: np.asarray(new) @ coef + intercept
