"""Reference models on PMEmo's 108 librosa features, for BENCHMARKS.md.

How far do other model families get on the features `valence train` sees
(gioelson_static_features_librosa.csv, label valence(mean) of
gioelson_dataframe.csv, 767 songs)? Each model is scored like `valence
train --folds 10`: RMSE and R² per held-out fold, averaged over the 10
folds, here repeated over three shuffles (seeds 0, 1, 2) and averaged
again. The hyperparameter grids are scored on the same folds they are
reported on, so every row is an optimistic figure for its family.

    .venv/bin/python python/pmemo_reference_models.py [DATA_DIR]

DATA_DIR defaults to ../shared/data next to the repository. Runs in the
test environment (.venv, python/requirements.txt: pandas, scikit-learn).
"""

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import QuantileTransformer, StandardScaler
from sklearn.svm import SVR


def load(data: Path):
    pm = data / "pmemo"
    feats = pd.read_csv(pm / "gioelson_static_features_librosa.csv")
    labels = pd.read_csv(pm / "gioelson_dataframe.csv")[["music_ID", "valence(mean)"]]
    df = feats.merge(labels, on="music_ID")
    x = df.drop(columns=["music_ID", "valence(mean)"]).to_numpy(dtype=float)
    return x, df["valence(mean)"].to_numpy(dtype=float)


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


def candidates():
    for alpha in (10, 30, 100, 300, 1000):
        yield f"ridge, standardised, alpha {alpha}", lambda a=alpha: make_pipeline(
            StandardScaler(), Ridge(alpha=a)
        )
        yield f"ridge, quantile-normalised, alpha {alpha}", lambda a=alpha: make_pipeline(
            QuantileTransformer(n_quantiles=200, output_distribution="normal"), Ridge(alpha=a)
        )
    for c in (0.3, 1.0, 3.0):
        for gamma in (0.001, 0.003):
            yield f"SVR rbf, C {c}, gamma {gamma}, epsilon 0.05", lambda c=c, g=gamma: make_pipeline(
                StandardScaler(), SVR(C=c, gamma=g, epsilon=0.05)
            )
    yield "gradient boosting (300 trees, lr 0.03, 15 leaves)", lambda: HistGradientBoostingRegressor(
        max_iter=300, learning_rate=0.03, max_leaf_nodes=15, min_samples_leaf=20, l2_regularization=1.0
    )


def main():
    root = Path(__file__).resolve().parent.parent
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else root / ".." / "shared" / "data"
    if not (data / "pmemo").is_dir():
        sys.exit(f"no PMEmo data under {data}: pass the data folder (the one holding pmemo/)")
    x, y = load(data)
    print(f"{x.shape[0]} songs, {x.shape[1]} features, label sd {y.std():.4f}")
    print("| model | RMSE | R² |")
    print("| --- | ---: | ---: |")
    for name, make in candidates():
        rmse, r2 = score(make, x, y)
        print(f"| {name} | {rmse:.4f} | {r2:.3f} |", flush=True)


if __name__ == "__main__":
    main()
