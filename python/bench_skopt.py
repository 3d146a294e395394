"""scikit-optimize's gp_minimize on Branin and Hartmann-3, the reference of
valence's tuner benchmark (scripts/bench-train.sh runs both in one go).

Prints one line per (function, budget): mean and standard deviation of the
best value found over the seeds, and the mean wall time of a run, as
`skopt FUNCTION INIT+GUIDED mean std seconds`. gp_minimize runs with its
defaults (Matérn 5/2 GP, gp_hedge acquisition) apart from the budget and seed.
"""

import argparse
import math
import time
import warnings

import numpy as np
from skopt import gp_minimize


def branin(x):
    x1, x2 = x
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
P = np.array(
    [
        [0.3689, 0.1170, 0.2673],
        [0.4699, 0.4387, 0.7470],
        [0.1091, 0.8732, 0.5547],
        [0.038150, 0.5743, 0.8828],
    ]
)


def hartmann3(x):
    x = np.asarray(x)
    return float(-np.sum(ALPHA * np.exp(-np.sum(A * (x - P) ** 2, axis=1))))


FUNCTIONS = {
    "branin": (branin, [(-5.0, 10.0), (0.0, 15.0)]),
    "hartmann3": (hartmann3, [(0.0, 1.0)] * 3),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=20)
    ap.add_argument("--budgets", default="2+5,5+25")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    for name, (f, space) in FUNCTIONS.items():
        for budget in args.budgets.split(","):
            init, guided = (int(v) for v in budget.split("+"))
            bests, secs = [], []
            for seed in range(args.seeds):
                t0 = time.perf_counter()
                res = gp_minimize(
                    f,
                    space,
                    n_calls=init + guided,
                    n_initial_points=init,
                    random_state=seed,
                )
                secs.append(time.perf_counter() - t0)
                bests.append(res.fun)
            print(
                f"skopt {name} {init}+{guided} {np.mean(bests):.4f} {np.std(bests, ddof=1):.4f} {np.mean(secs):.3f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
