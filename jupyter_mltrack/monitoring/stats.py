"""PSI and Kolmogorov-Smirnov of served values against a stored profile (no raw training data).

KS compares the served sample's empirical CDF with the reference CDF interpolated from the
profile's 101 quantiles; its p-value is the asymptotic Kolmogorov distribution.
"""

from __future__ import annotations

import math
from typing import Any

EPS = 1e-4


def psi(expected: Any, actual: Any) -> float:
    """Population stability index of two fraction vectors over the same bins."""
    import numpy as np

    e = np.clip(np.asarray(expected, dtype=float), EPS, None)
    a = np.clip(np.asarray(actual, dtype=float), EPS, None)
    return float(np.sum((a - e) * np.log(a / e)))


def numeric_psi(feature: dict[str, Any], values: Any) -> float:
    import numpy as np

    edges = np.asarray(feature["bins"], dtype=float)
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    return psi(feature["fractions"], counts / max(1, counts.sum()))


def categorical_psi(feature: dict[str, Any], values: Any) -> float:
    reference: dict[str, float] = feature["frequencies"]
    shares = values.astype(str).value_counts(normalize=True)
    keys = [k for k in reference if k != "__other__"]
    actual = [float(shares.get(k, 0.0)) for k in keys]
    expected = [reference[k] for k in keys]
    if "__other__" in reference or float(sum(actual)) < 1:
        expected.append(reference.get("__other__", 0.0))
        actual.append(max(0.0, 1.0 - sum(actual)))
    return psi(expected, actual)


def ks(feature: dict[str, Any], values: Any) -> tuple[float, float]:
    """(statistic, p-value) of the served values against the profile's quantiles."""
    import numpy as np

    quantiles = np.asarray(feature["quantiles"], dtype=float)
    sample = np.sort(np.asarray(values, dtype=float))
    n = len(sample)
    if n == 0 or not len(quantiles):
        return float("nan"), float("nan")
    levels = np.linspace(0, 1, len(quantiles))
    reference = np.interp(sample, quantiles, levels, left=0.0, right=1.0)
    above = np.arange(1, n + 1) / n - reference
    below = reference - np.arange(0, n) / n
    statistic = float(max(above.max(), below.max(), 0.0))
    return statistic, kolmogorov_pvalue(statistic, n)


def kolmogorov_pvalue(statistic: float, n: int) -> float:
    root = math.sqrt(n)
    lam = (root + 0.12 + 0.11 / root) * statistic
    if lam < 0.2:
        return 1.0
    total = sum((-1) ** (k - 1) * math.exp(-2 * k * k * lam * lam) for k in range(1, 101))
    return float(min(1.0, max(0.0, 2 * total)))
