"""Reference models on PMEmo's 108 librosa features, for BENCHMARKS.md.

How far do other model families get on the features `valence train` sees
(gioelson_static_features_librosa.csv, label valence(mean) of
gioelson_dataframe.csv, 767 songs)? Each model is scored like `valence
train --folds 10`: RMSE and R² per held-out fold, averaged over the 10
folds, here repeated over three shuffles (seeds 0, 1, 2) and averaged
again. The hyperparameter grids are scored on the same folds they are
reported on, so every row is an optimistic figure for its family.

    .venv/bin/python python/pmemo_reference_models.py [DATA_DIR]
    .venv/bin/python python/pmemo_reference_models.py [DATA_DIR] --folds-of RUN_DIR...

DATA_DIR defaults to ../shared/data next to the repository. Runs in the
test environment (.venv, python/requirements.txt: pandas, scikit-learn).

Every family is also scored on the network's input handling (`valence train
--clip 3`: standardised inputs clamped to ±3), so that it is compared with
the network on equal inputs.

With `--folds-of`, the best ridge and SVR of the grid (plain and clamped) are instead scored on
exactly the folds of each `valence train --folds K` run directory given
(their `fold-NN/fold.json` held-out rows, or with `--repeats` every
`repeat-RR/fold-NN/fold.json`; the rows are the dataset that
`make_pickle_fixtures.py --pmemo` writes, ordered by music_ID), so that the
network and the reference models are compared fold for fold.
"""

import json

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, QuantileTransformer, StandardScaler
from sklearn.svm import SVR


def load(data: Path):
    pm = data / "pmemo"
    feats = pd.read_csv(pm / "gioelson_static_features_librosa.csv")
    labels = pd.read_csv(pm / "gioelson_dataframe.csv")[["music_ID", "valence(mean)"]]
    df = feats.merge(labels, on="music_ID")
    x = df.drop(columns=["music_ID", "valence(mean)"]).to_numpy(dtype=float)
    return x, df["valence(mean)"].to_numpy(dtype=float), df["music_ID"].to_numpy()


def score_on_run_folds(make, x, y, run: Path):
    """Fold-mean RMSE, fold-mean R² and pooled R² on a run's own folds (all
    of them with `--repeats`: repeat-RR/fold-NN, pooled over every repeat)."""
    files = sorted(run.glob("fold-*/fold.json")) + sorted(run.glob("repeat-*/fold-*/fold.json"))
    if not files:
        sys.exit(f"{run} holds no fold-NN/fold.json: give a run of `valence train --folds K`")
    rmse, r2, pred, true = [], [], [], []
    for f in files:
        held_out = np.array(json.loads(f.read_text())["val_rows"])
        train = np.setdiff1d(np.arange(len(y)), held_out)
        model = make()
        model.fit(x[train], y[train])
        p = model.predict(x[held_out])
        mse = float(np.mean((p - y[held_out]) ** 2))
        rmse.append(mse**0.5)
        r2.append(1.0 - mse / float(np.var(y[held_out])))
        pred.extend(p)
        true.extend(y[held_out])
    pred, true = np.array(pred), np.array(true)
    pooled = 1.0 - float(np.mean((pred - true) ** 2)) / float(np.var(true))
    return float(np.mean(rmse)), float(np.mean(r2)), pooled


def score(make, x, y):
    """Mean over shuffles of the fold-mean RMSE and R²."""
    rmse, r2 = [], []
    for seed in range(3):
        fold_rmse, fold_r2 = [], []
        for tr, te in KFold(10, shuffle=True, random_state=seed).split(x):
            model = make()
            model.fit(x[tr], y[tr])
            err = model.predict(x[te]) - y[te]
            mse = float(np.mean(err**2))
            fold_rmse.append(mse**0.5)
            fold_r2.append(1.0 - mse / float(np.var(y[te])))
        rmse.append(np.mean(fold_rmse))
        r2.append(np.mean(fold_r2))
    return float(np.mean(rmse)), float(np.mean(r2))


# The network's input handling (`valence train --clip 3`): standardised,
# then clamped to ±3 standard deviations.
CLIP = 3.0


def clamped():
    """Standardise, then clamp to ±CLIP, as the network's inputs are."""
    return make_pipeline(StandardScaler(), FunctionTransformer(np.clip, kw_args={"a_min": -CLIP, "a_max": CLIP}))


# The input handlings every ridge and SVR is scored with: name, transform.
INPUTS = (("standardised", StandardScaler), (f"standardised and clamped to ±{CLIP:g}", clamped))


def ridge(alpha):
    """Ridge regression at penalty `alpha` on each input handling."""
    for inputs, prepare in INPUTS:
        yield f"ridge, {inputs}, alpha {alpha}", lambda p=prepare: make_pipeline(p(), Ridge(alpha=alpha))


def svr(c, gamma):
    """An RBF SVR (epsilon 0.05) on each input handling."""
    for inputs, prepare in INPUTS:
        yield f"SVR rbf, {inputs}, C {c}, gamma {gamma}, epsilon 0.05", lambda p=prepare: make_pipeline(
            p(), SVR(C=c, gamma=gamma, epsilon=0.05)
        )


def candidates():
    for alpha in (10, 30, 100, 300, 1000):
        yield from ridge(alpha)
        yield f"ridge, quantile-normalised, alpha {alpha}", lambda a=alpha: make_pipeline(
            QuantileTransformer(n_quantiles=200, output_distribution="normal"), Ridge(alpha=a)
        )
    for c in (0.3, 1.0, 3.0):
        for gamma in (0.001, 0.003):
            yield from svr(c, gamma)
    yield "gradient boosting (300 trees, lr 0.03, 15 leaves)", lambda: HistGradientBoostingRegressor(
        max_iter=300, learning_rate=0.03, max_leaf_nodes=15, min_samples_leaf=20, l2_regularization=1.0
    )


def best_of_grid():
    yield from ridge(300)
    yield from svr(0.3, 0.001)


def main():
    root = Path(__file__).resolve().parent.parent
    args = sys.argv[1:]
    runs = []
    if "--folds-of" in args:
        i = args.index("--folds-of")
        runs = [Path(r) for r in args[i + 1 :]]
        args = args[:i]
        if not runs:
            sys.exit("--folds-of needs at least one run directory")
    data = Path(args[0]) if args else root / ".." / "shared" / "data"
    if not (data / "pmemo").is_dir():
        sys.exit(f"no PMEmo data under {data}: pass the data folder (the one holding pmemo/)")
    x, y, ids = load(data)
    print(f"{x.shape[0]} songs, {x.shape[1]} features, label sd {y.std():.4f}")
    if runs:
        order = np.argsort(ids, kind="stable")
        x, y = x[order], y[order]
        print("| folds of | model | RMSE (fold mean) | R² (fold mean) | R² (pooled) |")
        print("| --- | --- | ---: | ---: | ---: |")
        for run in runs:
            for name, make in best_of_grid():
                rmse, r2, pooled = score_on_run_folds(make, x, y, run)
                print(f"| {run.name} | {name} | {rmse:.4f} | {r2:.3f} | {pooled:.3f} |", flush=True)
        return
    print("| model | RMSE | R² |")
    print("| --- | ---: | ---: |")
    for name, make in candidates():
        rmse, r2 = score(make, x, y)
        print(f"| {name} | {rmse:.4f} | {r2:.3f} |", flush=True)


if __name__ == "__main__":
    main()
