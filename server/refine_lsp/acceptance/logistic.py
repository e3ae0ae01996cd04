"""Logistic regression in pure Python: fitted offline, scored in microseconds, updated online.

No numpy: the server must start fast and the models are small (tens of features, hundreds
to thousands of examples). Fitting uses Newton's method with an L2 penalty on standardized
features, which converges in a handful of iterations at this size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Solve a x = b for a symmetric positive definite a (Gaussian elimination, pivoting)."""
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        p = m[col][col]
        if abs(p) < 1e-12:
            continue
        for r in range(col + 1, n):
            f = m[r][col] / p
            if f:
                row_r, row_c = m[r], m[col]
                for k in range(col, n + 1):
                    row_r[k] -= f * row_c[k]
    x = [0.0] * n
    for i in range(n - 1, -1, -1):
        s = m[i][n] - sum(m[i][k] * x[k] for k in range(i + 1, n))
        x[i] = s / m[i][i] if abs(m[i][i]) > 1e-12 else 0.0
    return x


@dataclass
class LogisticModel:
    """P(accept | features) = sigmoid(bias + sum_i weights[i] * (x_i - mean[i]) / scale[i])."""

    names: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float
    # Folded coefficients for fast scoring: z = _b0 + sum(_w[i] * x_i).
    _w: list[float] = field(default_factory=list, repr=False, compare=False)
    _b0: float = field(default=0.0, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.names)
        if not (len(self.mean) == len(self.scale) == len(self.weights) == n):
            raise ValueError("model: names, mean, scale and weights must have the same length")
        self.refold()

    def refold(self) -> None:
        """Recompute the folded coefficients after the weights or bias changed."""
        self._w = [w / s for w, s in zip(self.weights, self.scale, strict=False)]
        self._b0 = self.bias - sum(w * m for w, m in zip(self._w, self.mean, strict=False))

    def logit(self, features: Mapping[str, float]) -> float:
        z = self._b0
        get = features.get
        for name, w in zip(self.names, self._w, strict=False):
            x = get(name)
            if x:
                z += w * x
        return z

    def predict(self, features: Mapping[str, float]) -> float:
        return sigmoid(self.logit(features))

    def standardized(self, features: Mapping[str, float]) -> list[float]:
        return [
            (float(features.get(n, 0.0)) - m) / s
            for n, m, s in zip(self.names, self.mean, self.scale, strict=False)
        ]

    def to_json(self) -> dict:
        return {
            "type": "logistic",
            "names": list(self.names),
            "mean": [round(v, 6) for v in self.mean],
            "scale": [round(v, 6) for v in self.scale],
            "weights": [round(v, 6) for v in self.weights],
            "bias": round(self.bias, 6),
        }

    @classmethod
    def from_json(cls, data: Mapping) -> LogisticModel:
        if not isinstance(data, Mapping) or data.get("type") != "logistic":
            raise ValueError("model: expected an object with type 'logistic'")
        try:
            return cls(
                names=[str(n) for n in data["names"]],
                mean=[float(v) for v in data["mean"]],
                scale=[float(v) or 1.0 for v in data["scale"]],
                weights=[float(v) for v in data["weights"]],
                bias=float(data["bias"]),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"model: missing or invalid field ({exc})") from exc


def fit_logistic(
    rows: Sequence[Mapping[str, float]],
    labels: Sequence[int],
    names: Sequence[str],
    l2: float = 1.0,
    iterations: int = 25,
    sample_weights: Sequence[float] | None = None,
) -> LogisticModel:
    """Fit an L2-penalized logistic regression on ``names`` (Newton's method).

    Continuous features are standardized; 0/1 features are left as they are, which keeps
    the rows sparse (one-hot groups) and the fit fast in pure Python.
    """
    if len(rows) != len(labels) or not rows:
        raise ValueError("fit: need the same, non-zero number of rows and labels")
    names = list(names)
    n, d = len(rows), len(names)
    sw = list(sample_weights) if sample_weights is not None else [1.0] * n
    raw = [[float(r.get(k, 0.0)) for k in names] for r in rows]
    mean, scale = [], []
    for j in range(d):
        col = [x[j] for x in raw]
        if all(v in (0.0, 1.0) for v in col):
            mean.append(0.0)
            scale.append(1.0)
            continue
        m = sum(col) / n
        var = sum((v - m) ** 2 for v in col) / n
        mean.append(m)
        scale.append(math.sqrt(var) if var > 1e-12 else 1.0)
    # Sparse rows: (index, value) pairs, index 0 being the intercept.
    xs = []
    for x in raw:
        row = [(0, 1.0)]
        for j in range(d):
            v = (x[j] - mean[j]) / scale[j]
            if v:
                row.append((j + 1, v))
        xs.append(row)
    beta = [0.0] * (d + 1)
    rate = sum(w * y for w, y in zip(sw, labels, strict=False)) / sum(sw)
    beta[0] = math.log(max(rate, 1e-3) / max(1 - rate, 1e-3))
    for _ in range(iterations):
        grad = [0.0] * (d + 1)
        hess = [[0.0] * (d + 1) for _ in range(d + 1)]
        for row, y, w in zip(xs, labels, sw, strict=False):
            p = sigmoid(sum(beta[i] * v for i, v in row))
            g = (p - y) * w
            h = p * (1 - p) * w
            for a, (i, xi) in enumerate(row):
                grad[i] += g * xi
                hi = h * xi
                target = hess[i]
                for k, xk in row[a:]:
                    target[k] += hi * xk
        for i in range(d + 1):
            for k in range(i):
                hess[i][k] = hess[k][i]
        for i in range(1, d + 1):  # the intercept is not penalized
            grad[i] += l2 * beta[i]
            hess[i][i] += l2
        step = _solve(hess, grad)
        beta = [b - s for b, s in zip(beta, step, strict=False)]
        if max(abs(s) for s in step) < 1e-6:
            break
    return LogisticModel(names, mean, scale, beta[1:], beta[0])
