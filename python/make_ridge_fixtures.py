#!/usr/bin/env python3
"""Generate the committed scikit-learn fixture for valence's ridge fit.

Writes ``valence-host/tests/fixtures/ridge/ridgecv.json`` (or ``--out``):
two small seeded regression problems (one with two nearly collinear
columns, one with more inputs than a tenth of its rows), each with the
penalty grid of ``valence train --ridge`` (10^-2 to 10^5, eight per
decade) and what ``sklearn.linear_model.RidgeCV`` (exact leave-one-out
error, intercept unpenalised) chooses and fits on it: ``alpha``,
``coef``, ``intercept`` and the leave-one-out MSE of the chosen penalty
(``best_score_`` negated). ``valence-host/tests/ridge_sklearn.rs`` checks
``valence_host::train::ridge::fit_ridge`` against it.

Usage::

    .venv/bin/python python/make_ridge_fixtures.py [--out FILE]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import sklearn
from sklearn.linear_model import RidgeCV

ALPHAS = [10.0 ** (-2.0 + i / 8.0) for i in range(57)]


def problem(seed: int, n: int, d: int, collinear: bool) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)) * rng.uniform(0.5, 2.0, size=d) + rng.normal(size=d)
    if collinear:
        x[:, 1] = x[:, 0] + 1e-3 * rng.normal(size=n)
    w = rng.normal(size=d)
    y = x @ w * 0.3 + 0.5 + rng.normal(scale=1.0, size=n)
    # float32, as valence holds its inputs
    return x.astype(np.float32), y.astype(np.float32)


def main() -> None:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=root / "valence-host/tests/fixtures/ridge/ridgecv.json")
    args = parser.parse_args()
    cases = []
    for name, seed, n, d, collinear in [("collinear", 1, 60, 5, True), ("wide", 2, 90, 12, False)]:
        x, y = problem(seed, n, d, collinear)
        m = RidgeCV(alphas=ALPHAS, fit_intercept=True, scoring=None).fit(x.astype(np.float64), y.astype(np.float64))
        cases.append(
            {
                "name": name,
                "n": n,
                "d": d,
                "x": [float(v) for v in x.ravel()],
                "y": [float(v) for v in y],
                "alphas": ALPHAS,
                "alpha": float(m.alpha_),
                "coef": [float(v) for v in m.coef_],
                "intercept": float(m.intercept_),
                "loo_mse": float(-m.best_score_),
            }
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(json.dumps({"sklearn": sklearn.__version__, "numpy": np.__version__, "cases": cases}, indent=1) + "\n")
    tmp.replace(args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
