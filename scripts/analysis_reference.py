#!/usr/bin/env python3
"""The Python reference for `mnem analyze`'s statistics, written as a Swift test fixture.

Davies-Bouldin comes from scikit-learn (`davies_bouldin_score`); LISI is written here from
Korsunsky et al. 2019 as harmonypy computes it (`compute_lisi` / `compute_simpson`), with
scikit-learn's exact `NearestNeighbors` (brute force) for the neighbours. The data are seeded
random clusters, so both are free of distance ties.

    python3 -m pip install numpy scikit-learn
    python3 scripts/analysis_reference.py    # rewrites Tests/MnemIndexTests/ClusterReferenceData.swift
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import davies_bouldin_score
from sklearn.neighbors import NearestNeighbors

OUT = Path(__file__).resolve().parent.parent / "Tests" / "MnemIndexTests" / "ClusterReferenceData.swift"


def simpson(distances: np.ndarray, labels: np.ndarray, perplexity: float, tol: float = 1e-5) -> float:
    """One point's Simpson index: bisection on the Gaussian kernel's beta to the target entropy."""
    log_u = np.log(perplexity)

    def weigh(beta: float):
        p = np.exp(-distances * beta)
        total = p.sum()
        if total == 0:
            return 0.0, np.zeros_like(p)
        h = np.log(total) + beta * np.sum(distances * p) / total
        return h, p / total

    beta, beta_min, beta_max = 1.0, -np.inf, np.inf
    h, p = weigh(beta)
    diff = h - log_u
    for _ in range(50):
        if abs(diff) < tol:
            break
        if diff > 0:
            beta_min = beta
            beta = beta * 2 if not np.isfinite(beta_max) else (beta + beta_max) / 2
        else:
            beta_max = beta
            beta = beta / 2 if not np.isfinite(beta_min) else (beta + beta_min) / 2
        h, p = weigh(beta)
        diff = h - log_u
    value = -1.0 if h == 0 else 0.0
    for label in np.unique(labels):
        mass = p[labels == label].sum()
        value += mass * mass
    return value


def lisi(x: np.ndarray, labels: np.ndarray, perplexity: float) -> np.ndarray:
    k = int(perplexity * 3)
    distances, indices = NearestNeighbors(n_neighbors=k, algorithm="brute").fit(x).kneighbors(x)
    distances, indices = distances[:, 1:], indices[:, 1:]  # the point itself comes first
    return np.array([1.0 / simpson(distances[i], labels[indices[i]], perplexity) for i in range(len(x))])


def case(name: str, rng: np.random.Generator, n: int, d: int, k: int, spread: float, perplexity: float) -> str:
    centres = rng.normal(size=(k, d))
    labels = rng.integers(0, k, size=n)
    x = centres[labels] + spread * rng.normal(size=(n, d))
    dbi = davies_bouldin_score(x, labels)
    values = lisi(x, labels, perplexity)
    rows = ",\n".join("            [" + ", ".join(repr(float(v)) for v in row) + "]" for row in x)
    return f"""    static let {name} = Case(
        points: [
{rows},
        ],
        labels: {labels.tolist()},
        perplexity: {perplexity},
        daviesBouldin: {dbi!r},
        lisi: [{", ".join(repr(float(v)) for v in values)}])
"""


def main() -> int:
    rng = np.random.default_rng(20261207)
    cases = [
        case("separated", rng, 40, 6, 3, 0.3, 5.0),
        case("mixed", rng, 36, 8, 4, 3.0, 4.0),
    ]
    OUT.write_text(
        "// Written by scripts/analysis_reference.py (scikit-learn davies_bouldin_score; LISI as harmonypy\n"
        "// computes it, with scikit-learn's exact neighbours). Do not edit by hand.\n\n"
        "enum ClusterReferenceData {\n"
        "    struct Case {\n"
        "        var points: [[Double]]\n"
        "        var labels: [Int]\n"
        "        var perplexity: Double\n"
        "        var daviesBouldin: Double\n"
        "        var lisi: [Double]\n"
        "    }\n\n" + "\n".join(cases) + "}\n")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
